/* index.h - the store's index (LMDB), behind store.h: records by debug
 * and code identifiers, tokens, the upload log, missing-symbol counts and
 * the ignore list.  index.c is the only user of lmdb.h; store.c is the
 * only user of this header.  Keys are store_key()'s.  Errors as in
 * store.h; lookups are thread-safe (one reused read transaction per
 * thread), writes are serialised by LMDB. */
#ifndef SYM_INDEX_H
#define SYM_INDEX_H

#include "store.h"

struct sym_index;

/* Opens the index in dir (creating dir and the index when create).
 * SYM_EIO (with LMDB's reason), SYM_ENOMEM. */
enum sym_code index_open(struct sym_index **out, const char *dir, bool create,
			 struct sym_err *err);
void index_close(struct sym_index *x);

enum sym_code index_get(struct sym_index *x, const char *debug_file, const char *debug_id,
			struct sym_record *rec, struct sym_err *err);
enum sym_code index_get_by_code(struct sym_index *x, const char *code_file, const char *code_id,
				struct sym_record *rec, struct sym_err *err);

/* What an upload found under its key.  The caller fills it from a lookup
 * before the blob is published (known, rec with its stats, poorer);
 * index_publish() checks it again inside its write transaction and
 * updates it. */
struct index_held {
	bool known;
	struct sym_record rec;
	bool poorer;		/* the upload is poorer than rec (symfile_compare) */
};

/* Publishes rec (its blob is in place) under key, in one write
 * transaction: the record, its code-id entry, the missing-symbol entry
 * resolved, the log line ("new", "replace" or "force").  When the key now
 * holds rec's hash, *outcome is STORE_SAME and rec gets the held record;
 * when it holds a richer file and force is false, STORE_REFUSED (logged
 * as "refuse").  stats(ctx, r) fills r->stats of a held record that
 * predates them.  SYM_EFORMAT, SYM_ENOSPC, SYM_EIO. */
enum sym_code index_publish(struct sym_index *x, const char *key, struct sym_record *rec,
			    bool force, struct index_held *held,
			    void (*stats)(void *ctx, struct sym_record *r), void *ctx,
			    enum store_outcome *outcome, struct sym_err *err);
/* Logs a refused upload of rec; with add_stats, writes held's stats into
 * the record under key when it still holds held's hash without them.
 * Best effort. */
void index_refuse(struct sym_index *x, const char *key, const struct sym_record *rec,
		  const struct sym_record *held, bool add_stats);
enum sym_code index_delete(struct sym_index *x, const char *debug_file, const char *debug_id,
			   struct sym_record *old, struct sym_err *err);

/* Calls fn for each symbol record in key order, in one read transaction:
 * the key (cut at 2000 bytes) and the record, NULL when it is corrupt.  A
 * non-zero return from fn stops the walk. */
enum sym_code index_each(struct sym_index *x,
			 int (*fn)(void *ctx, const char *key, const struct sym_record *rec),
			 void *ctx, struct sym_err *err);
enum sym_code index_stats(struct sym_index *x, struct store_stats *st, struct sym_err *err);

enum sym_code index_token_add(struct sym_index *x, const char *name, const char *scopes,
			      uint64_t expires, char out[65], struct sym_err *err);
enum store_token_status index_token_lookup(struct sym_index *x, const char *token,
					   const char *scope, uint64_t now,
					   struct store_token *info);
enum sym_code index_token_revoke(struct sym_index *x, const char *name, struct sym_err *err);
enum sym_code index_token_list(struct sym_index *x, struct store_token **out, size_t *n,
			       struct sym_err *err);

/* The SHA-256 of token, hex: what the index keeps of it. */
void index_token_hash(const char *token, char out[65]);
/* Calls fn(ctx, hash, token) for each token (hash: the SHA-256 of the
 * token, hex); a non-zero return stops. */
enum sym_code index_token_each(struct sym_index *x,
			       int (*fn)(void *ctx, const char *hash, const struct store_token *t),
			       void *ctx, struct sym_err *err);
/* Takes another node's token (by its hash): added when unknown (never
 * used here), its revocation taken when known.  *changed says whether
 * the index changed. */
enum sym_code index_token_merge(struct sym_index *x, const char *hash, const struct store_token *t,
				bool *changed, struct sym_err *err);

enum sym_code index_missing_add(struct sym_index *x, const struct store_miss *v, size_t n,
				struct sym_err *err);
/* Calls fn for each missing-symbol record (status MISS_OPEN or
 * MISS_RESOLVED, resolved_at set), in key order, in one read transaction;
 * a non-zero return stops the walk. */
enum sym_code index_missing_each(struct sym_index *x,
				 int (*fn)(void *ctx, const struct store_miss *m), void *ctx,
				 struct sym_err *err);
/* The ids other than except_id under which debug_file is held,
 * space-separated, into out[cap] ("" when none or on an error). */
void index_ids_of(struct sym_index *x, const char *debug_file, const char *except_id,
		  char *out, size_t cap);

enum sym_code index_ignore_add(struct sym_index *x, const char *pattern, struct sym_err *err);
enum sym_code index_ignore_remove(struct sym_index *x, const char *pattern, struct sym_err *err);
enum sym_code index_ignore_list(struct sym_index *x, void (*fn)(void *ctx, const char *pattern),
				void *ctx, struct sym_err *err);

enum sym_code index_log_recent(struct sym_index *x, struct store_log_entry *out, size_t max,
			       size_t *n, struct sym_err *err);

#endif
