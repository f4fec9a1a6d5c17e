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
