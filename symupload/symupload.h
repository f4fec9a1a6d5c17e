/* symupload.h - shared by the symupload command line (main.c) and its
 * network side (net.c, the only user of libcurl). */
#ifndef SYM_SYMUPLOAD_H
#define SYM_SYMUPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "symfile.h"

enum job_state { J_PENDING, J_SKIPPED, J_UPLOADED, J_FAILED };

/* One symbol file to put on the server. */
struct job {
	char *path;			/* where it came from (file, or archive:entry) */
	char debug_file[256];
	char debug_id[80];
	char code_file[256];
	char code_id[160];
	char os[32];
	char arch[32];
	const uint8_t *data;		/* the .sym text */
	size_t size;
	void *map;			/* what to munmap/free */
	size_t maplen;
	bool malloced;
	bool object;			/* converted from a binary or debug file */
	size_t slice;			/* of a universal Mach-O file (1-based; 0: none) */
	bool reloaded;			/* converted again for its upload */
	char *debug_path;		/* the separate debug file it is converted
					 * with (owned), or NULL */
	struct symfile_stats stats;	/* its records by kind: the richer of two
					 * inputs with one key is uploaded */
	char sha256[65];
	enum job_state state;
	char reason[512];		/* why it failed, or the server's answer */
	unsigned attempts;
	uint64_t sent;			/* bytes on the wire (gzip) */
};

enum protocol { PROTO_SYMSERVER, PROTO_BREAKPAD_V1 };

struct net_config {
	const char *url;		/* server base, or the v1 upload URL */
	const char *token;		/* may be NULL */
	enum protocol protocol;
	unsigned jobs;			/* parallel transfers */
	unsigned retries;		/* attempts after the first */
	long timeout;			/* seconds per transfer (0: none) */
	bool force;			/* X-Symserver-Force: 1 on uploads */
	bool progress;			/* a progress line on stderr (a TTY) */
	bool verbose;
};

/* One GET /api/token, before any file is read: the URL answers, the token
 * is known and has the upload scope.  Transient failures are retried like
 * uploads.  Returns 0 when all is well, 1 with a warning in msg when the
 * server does not have the check (404, 405, 501: an older symserver or
 * another kind of server), -1 with what to
 * do in msg otherwise.  Nothing to check (0) with --protocol breakpad-v1. */
int net_precheck(const struct net_config *cfg, char *msg, size_t cap);

/* Marks J_SKIPPED every job whose exact content the server already has
 * (one bulk check, else HEAD with the ETag).  Returns 0, or -1 when the
 * server cannot be reached at all (msg says why). */
int net_check(const struct net_config *cfg, struct job **jobs, size_t n, char *msg, size_t cap);

/* Uploads every J_PENDING job; each ends J_UPLOADED or J_FAILED with a
 * reason.  done() is called as each job ends, tick() (may be NULL) about
 * ten times a second. */
void net_upload(const struct net_config *cfg, struct job **jobs, size_t n,
		void (*done)(void *ctx, struct job *j), void (*tick)(void *ctx), void *ctx);

/* A JSON string of s; bytes that are not valid UTF-8 become '?'. */
json_t *json_str_safe(const char *s);

/* Global set-up and tear-down of libcurl. */
int net_init(void);
void net_cleanup(void);

#endif
