/* missing.h - missing-symbol accounting and listing.
 *
 * Misses (download 404s) and crashes (modules a minidump named that the
 * store does not have) are counted in memory and merged into the store by
 * one flusher thread, in one LMDB write transaction per interval: a storm
 * of misses costs a handful of writes per second, and a miss costs the
 * request one mutex and a hash-table update.
 */
#ifndef SYM_MISSING_H
#define SYM_MISSING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

struct miss_acc;

/* Starts the flusher (interval in milliseconds).  NULL when out of
 * memory or the thread cannot start. */
struct miss_acc *miss_acc_start(struct store *s, unsigned interval_ms);
/* Flushes what is pending and stops the flusher. */
void miss_acc_stop(struct miss_acc *a);
/* Counts misses / crashes for one key; file and id must be well formed.
 * code_file and code_id may be NULL. */
void miss_acc_note(struct miss_acc *a, const char *debug_file, const char *debug_id,
		   const char *code_file, const char *code_id, uint64_t misses,
		   uint64_t crashes);
/* Flushes now (tests, shutdown); 0 on success. */
int miss_acc_flush(struct miss_acc *a);

struct miss_acc_stats {
	uint64_t noted, flushes, flush_errors, dropped, pending;
};
void miss_acc_stats(struct miss_acc *a, struct miss_acc_stats *st);

/* A listing of the missing-symbol records. */
struct missing_query {
	uint64_t since;		/* last_seen >= since (0: all) */
	uint64_t min_count;	/* crashes + misses >= min_count */
	int status;		/* an enum store_miss_status, or -1 for all */
	const char *prefix;	/* debug_file prefix, case-insensitive, or NULL */
	const char *cursor;	/* from a previous page, or NULL */
	size_t limit;		/* 0: no limit */
};

/* Lists records sorted by crashes, then misses (both descending), then
 * key; open records that match a pattern of the ignore list are
 * MISS_IGNORED.  *out (free() it) receives *n records with their reasons;
 * *total (may be NULL) how many match from the cursor on; next[cap] the
 * cursor of the next page, "" when this page is the last.  SYM_EUSAGE for
 * a bad cursor, SYM_ENOMEM, or the store's errors. */
enum sym_code missing_list(struct store *s, const struct missing_query *q,
			   struct store_miss **out, size_t *n, size_t *total, char *next,
			   size_t cap, struct sym_err *err);

/* Output of a listing, shared by GET /missing[.csv] and the command line. */
enum miss_format { MISS_JSON, MISS_CSV, MISS_TABLE };
void missing_write(FILE *f, enum miss_format fmt, const struct store_miss *v, size_t n,
		   size_t total, const char *next_cursor, const char *base_url);

/* "since" as seconds since the epoch: a number of seconds, an ISO date
 * (2026-12-01 or 2026-12-01T10:00:00Z), or an age such as 90m, 24h, 7d. */
bool missing_parse_since(const char *s, uint64_t now, uint64_t *out);
/* "open", "resolved", "ignored", "all" -> status or -1 (all); false when
 * unknown. */
bool missing_parse_status(const char *s, int *out);
/* ISO 8601 UTC into out[cap] ("" for 0). */
void missing_iso_time(uint64_t t, char *out, size_t cap);

/* s3config.c: the S3 configuration of --s3 URL with credentials from the
 * environment or the file credentials (may be NULL), virtual-host style
 * or path style; NULL after a
 * message.  Points to static storage. */
struct store_s3_config *symserver_s3_config(const char *url, const char *credentials,
					    long timeout_ms, bool virtual_host);

/* symserver missing ... (argv after "missing") */
int missing_cmd(int argc, char **argv);

#endif
