/* server.h - state shared by the symserver routes. */
#ifndef SYM_SERVER_H
#define SYM_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "fsutil.h"
#include "store.h"
#include "missing.h"
#include "helpers.h"

enum { MET_ROUTES = 16, MET_BUCKETS = 12 };

struct metric_route {
	const char *name;
	uint64_t by_class[6];		/* 1xx..5xx, other */
	uint64_t usec_sum;
	uint64_t buckets[MET_BUCKETS];	/* latency histogram */
	uint64_t count;
};

struct server {
	struct store *store;
	bool private_downloads;		/* --private: downloads need a token */
	uint64_t max_upload;		/* bytes; 413 past it */
	const char *public_url;		/* base for URLs we hand out, or NULL */

	pthread_mutex_t mu;		/* guards everything below */
	struct metric_route routes[MET_ROUTES];
	int nroutes;
	uint64_t bytes_out, hits, misses, not_modified, redirects;
	uint64_t by_code[600];		/* responses by status; [0]: outside 100-599 */
	uint64_t up_new, up_replaced, up_same, up_rejected;
	uint64_t up_refused, up_forced;	/* poorer uploads: refused, forced in */
	uint64_t store_err_nospace, store_err_io;	/* 507s, 503s */
	struct store_stats stats;	/* kept current as uploads land */
	/* over a bucket, other nodes change the index too: stats is counted
	 * again when the store's changes moved or an upload landed, at most
	 * once a second (server_refresh_stats()) */
	uint64_t stats_changes, stats_at;	/* store_changes(), ms (monotonic) */
	bool stats_dirty;

	/* sym-upload-v2 uploads between :create and :complete */
	struct v2_pending *pending;

	/* hot symbol files kept as ready gzip responses, direct-mapped by
	 * the first hex digits of their hash; cache_mu guards them */
	pthread_mutex_t cache_mu;
	struct hot_entry {
		char hash[65];
		struct http_cached *resp;
	} *hot;
	uint64_t hot_bytes, hot_budget;
	struct http_cached *not_found;	/* the fixed 404 */

	/* missing-symbol accounting (NULL: off) */
	struct miss_acc *acc;
	uint64_t max_minidump;		/* bytes; 413 past it */
	unsigned md_active;		/* minidumps being received (atomic) */
	uint64_t started;		/* time the server started */

	/* symbolication: the lookup tables (NULL: none; a file's table is
	 * then built on first use only) and the requests being answered */
	struct symbolicator *sym;
	unsigned open_tables;	/* its base size (0: the default) */
	unsigned sym_active;		/* atomic */
};

/* download.c: the hot-file cache (budget bytes; 0: none) and the
 * symbolication tables (srv->sym) */
void server_init_cache(struct server *srv, uint64_t budget);
void server_free_cache(struct server *srv);

/* routes.c: the dispatcher (the table is in router.c) */
void server_route(struct http_req *r, void *app);

/* download.c: the read side */
void download_route(struct server *srv, struct http_req *r, const char *file, const char *id,
		    const char *symname);
void syminfo_route(struct server *srv, struct http_req *r, const char *file, const char *id);
void missing_route(struct server *srv, struct http_req *r, bool csv);

/* metrics.c */
void server_done(void *app, const char *route, unsigned status, uint64_t bytes, uint64_t usec);
void metrics_route(struct server *srv, struct http_req *r);
/* Counts a publication outcome (an enum store_outcome, or -1 for an
 * upload that was not accepted) and keeps the totals current. */
void server_count_upload(struct server *srv, int outcome, const struct sym_record *rec,
			 const struct sym_record *old);
/* Over a bucket: counts the store's totals again when they may have
 * changed (at most once a second). */
void server_refresh_stats(struct server *srv);
/* Counts a store error (nospace: the disk is full, else another I/O
 * error) and logs msg on stderr. */
void server_store_error(struct server *srv, bool nospace, const char *msg);

/* upload.c */
void upload_route_post(struct server *srv, struct http_req *r);
void upload_route_put(struct server *srv, struct http_req *r, const char *file, const char *id,
		      const char *v2_key);
void v2_route(struct server *srv, struct http_req *r, const char *rest);
void v2_free_all(struct server *srv);
/* minidump_route.c: POST /minidump */
void minidump_route(struct server *srv, struct http_req *r);
/* symbolicate_route.c: POST /symbolicate/v5 */
void symbolicate_route(struct server *srv, struct http_req *r);
/* page.c: GET / */
void page_route(struct server *srv, struct http_req *r);

/* import: index an existing symbol tree */
int import_tree(struct server *srv, const char *dir, bool force);

#endif
