/* blob_s3.h - the S3 blob backend (blob_s3.c) and the parts of it that
 * need no network: the URL of a bucket and the parser of its listings
 * (s3parse.c, fuzzed by tests/fuzz/fuzz_s3.c). */
#ifndef SYM_BLOB_S3_H
#define SYM_BLOB_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"

struct blob_s3_config {
	const char *url;	/* http(s)://HOST[:PORT]/BUCKET[/PREFIX] */
	const char *region;	/* NULL or "": us-east-1 */
	const char *access_key, *secret_key;
	const char *scratch_dir;	/* where writers spool (unlinked files) */
	long timeout_ms;	/* connect and stall timeout; <= 0: 10 s */
	int retries;		/* per request; < 0: 3 */
	int list_page;		/* keys per listing request; <= 0: the gateway's (1000) */
	bool virtual_host;	/* requests to BUCKET.HOST (AWS's default) rather than HOST/BUCKET */
};

/* Opens the backend and checks that the bucket exists and the
 * credentials open it.  *out is freed with blob_store_free().
 * SYM_EUSAGE (bad URL, no credentials), SYM_ENOTFOUND (no bucket),
 * SYM_EIO (refused, unreachable), SYM_ENOMEM. */
enum sym_code blob_s3_open(struct blob_store **out, const struct blob_s3_config *c,
			   struct sym_err *err);

struct blob_s3_stats {
	uint64_t requests, errors;	/* every attempt; errors: no answer, 5xx, 401, 403 */
	double seconds;			/* their total time */
	uint64_t failing;		/* errors since the last success */
	uint64_t last_failure;		/* seconds since the epoch, 0: none */
	char last_error[256];
};
/* b must be an S3 backend. */
void blob_s3_stats(struct blob_store *b, struct blob_s3_stats *st);

/* Names beside the layout (the change log, store.c): relative to the
 * bucket's prefix.  blob_s3_list_names() lists those under sub (after
 * start_after, when given) in key order: fn(ctx, name, size); a non-zero
 * return stops.  blob_s3_put_name() writes an empty object named name.
 * SYM_EIO, SYM_EUSAGE (too long). */
enum sym_code blob_s3_list_names(struct blob_store *b, const char *sub, const char *start_after,
				 int (*fn)(void *ctx, const char *name, uint64_t size), void *ctx,
				 struct sym_err *err);
enum sym_code blob_s3_put_name(struct blob_store *b, const char *name, struct sym_err *err);
/* Writes data[len] as the object name (the cluster's shared state,
 * store.c), and reads it back: *out (malloc'd, NUL-terminated, free()
 * it) gets *len bytes.  SYM_ENOTFOUND, SYM_EFORMAT (over max bytes),
 * SYM_EIO, SYM_EUSAGE (name too long). */
enum sym_code blob_s3_put_data(struct blob_store *b, const char *name, const void *data,
			       size_t len, struct sym_err *err);
/* Removes the object name (gone already is fine). */
enum sym_code blob_s3_delete_name(struct blob_store *b, const char *name, struct sym_err *err);
enum sym_code blob_s3_get_data(struct blob_store *b, const char *name, size_t max, char **out,
			       size_t *len, struct sym_err *err);

/* One entry of the change log (common/store.c), from its name relative
 * to the prefix: "_log/<time>-<node>-<seq>/<op>/<sha256>/<debug_file>/<debug_id>"
 * with a 20-digit time, a 16-hex-digit node and op put or del.  false
 * when name is not one; the parts point into e->buf. */
struct s3_log_entry {
	char buf[2048];
	char *id;		/* "<time>-<node>-<seq>", shorter than 96 bytes */
	char *op, *hash, *file, *dbg;
	uint64_t time;		/* ns since the epoch */
	char node[17];
};
bool s3_log_parse(const char *name, struct s3_log_entry *e);

/* The cluster's shared state beside the layout (store.c), each part
 * from its object's name relative to the prefix:
 *
 * a token: "_state/tokens/<sha256 of the token>/<revoked>-<created>-<expires>/<scopes>/<name>",
 * the times 19-digit seconds since the epoch (0: not revoked, never
 * expires), the scopes words of a-z joined by ',', the name 1 to 64 of
 * A-Z a-z 0-9 . _ - @ + :.  A token revoked gets a second object. */
struct s3_token_entry {
	char hash[65];
	uint64_t revoked, created, expires;
	char scopes[128];
	char name[65];
};
bool s3_token_parse(const char *name, struct s3_token_entry *t);

/* an ignore-list change: "_state/ignore/<time>-<node>-<add|del>/<pattern>"
 * (time: 20-digit ns since the epoch; node: 16 hex digits; pattern: 1 to
 * 500 printable ASCII); the latest change of a pattern (by stamp) wins */
struct s3_ignore_entry {
	char stamp[38];		/* "<time>-<node>" */
	uint64_t time;
	bool add;
	char pattern[501];
};
bool s3_ignore_parse(const char *name, struct s3_ignore_entry *g);

/* a node's missing-symbol counts: the object "_state/missing/<node>",
 * zlib-compressed text: "symserver-missing 1\n", then a line a record,
 * debug_file, debug_id, code_file, code_id, misses, crashes, first_seen,
 * last_seen and resolved_at separated by tabs.  fn(ctx, record) for each;
 * a non-zero return stops and is returned; -1 when data (the text) is
 * malformed (records before the fault have been given). */
struct s3_miss {
	char debug_file[256];
	char debug_id[80];
	char code_file[256];
	char code_id[160];
	uint64_t misses, crashes, first_seen, last_seen, resolved_at;
};
int s3_missing_parse(const char *data, size_t n, int (*fn)(void *ctx, const struct s3_miss *m),
		     void *ctx);

/* The size and x-amz-meta-sha256 (hash[65], "" when none) of the object
 * held under debug_file/debug_id (a HEAD).  SYM_ENOTFOUND, SYM_EIO. */
enum sym_code blob_s3_head(struct blob_store *b, const char *debug_file, const char *debug_id,
			   uint64_t *size, char hash[65], struct sym_err *err);
/* The x-amz-meta-sha256 of a reader of this backend's ("" when none). */
const char *blob_s3_reader_hash(struct blob_reader *r);

/* Splits url into "scheme://host[:port]", the bucket and the prefix (""
 * or ending in '/'), each malloc'd.  SYM_EUSAGE with the reason. */
enum sym_code blob_s3_parse_url(const char *url, char **endpoint, char **bucket, char **prefix,
				struct sym_err *err);

struct s3_list_page {
	bool truncated;
	char next_token[2048];	/* "" when none; any bytes but NUL (RGW: a key) */
};
/* Parses one ListObjectsV2 answer, xml[n] (need not end in NUL): fn(ctx,
 * key, size) for each object, the key's XML entities decoded; a non-zero
 * return from fn stops.  Objects whose key or size cannot be read are
 * skipped.  0, or -1 when xml is not a ListBucketResult. */
int s3_list_parse(const char *xml, size_t n,
		  int (*fn)(void *ctx, const char *key, uint64_t size), void *ctx,
		  struct s3_list_page *page);

#endif
