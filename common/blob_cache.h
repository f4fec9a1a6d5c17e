/* blob_cache.h - a bounded local disk cache of blobs in front of another
 * backend (blob_cache.c). */
#ifndef SYM_BLOB_CACHE_H
#define SYM_BLOB_CACHE_H

#include <stdint.h>

#include "blob.h"

/* Wraps inner (owned from now on, freed with the cache or on failure)
 * with a cache of at most budget bytes in dir (created when missing;
 * copies found there are kept, in the order of their modification
 * times).  SYM_EIO, SYM_ENOSPC, SYM_ENOMEM. */
enum sym_code blob_cache_open(struct blob_store **out, struct blob_store *inner, const char *dir,
			      uint64_t budget, struct sym_err *err);

struct blob_cache_stats {
	uint64_t hits, misses;	/* reads by hash: from a copy, from the backend */
	uint64_t fills;		/* copies made (reads that ended, uploads) */
	uint64_t evictions;
	uint64_t bytes, files, budget;
};
/* The counters since the start; all 0 when b is not a cache. */
void blob_cache_stats(struct blob_store *b, struct blob_cache_stats *st);

#endif
