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
