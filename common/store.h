/* store.h - the symbol store: content-addressed blobs plus an index.
 * This header is the one front for both; behind it, index.c (the only
 * user of LMDB) and a blob backend (blob.h: blob_fs.c keeps files).
 *
 *   STORE/index/            LMDB environment, named databases:
 *     syms    "debug_file/DEBUG_ID" (file lower-cased, id upper-cased)
 *             -> record (blob hash, sizes, exact names, code id, ...)
 *     code    "code_file/CODE_ID" (same folding) -> syms key
 *     tokens  sha256(token) hex -> "name\0scopes\0created\0expires\0last_used\0
             revoked\0" (times in seconds, 0: none; stores written before
             issue 17 end after created)
 *     log     upload sequence number -> one line describing the change
 *             (new, replace, force, delete) or a refused upload (refuse)
 *     missing "debug_file/DEBUG_ID" -> missing-symbol counts (issue 5)
 *     ignore  glob pattern -> when it was added
 *   STORE/blobs/ab/cdef...  gzip of the .sym content, named by the SHA-256
 *                           of the uncompressed content (blob_fs)
 *   STORE/tmp/              uploads being written, scratch files
 *
 * Publishing commits the blob durably (blob_commit()), then one LMDB
 * write transaction: a crash leaves the old index or the new one, and at
 * worst an unreferenced blob.  Thread-safe: lookups use read transactions
 * (MDB_NOTLS), writes are serialised by LMDB.
 */
#ifndef SYM_STORE_H
#define SYM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "symfile.h"

struct store;

struct sym_record {
	char hash[65];		/* SHA-256 of the uncompressed .sym, hex */
	uint64_t size;		/* uncompressed bytes */
	uint64_t gz_size;	/* blob bytes */
	uint64_t mtime;		/* publication time, seconds since the epoch */
	char debug_file[1024];	/* as uploaded */
	char debug_id[80];
	char code_file[1024];
	char code_id[160];
	char os[32];
	char arch[32];
	char generator[256];
	char uploader[128];
	/* What the file holds, by record kind: kept with the record since
	 * the no-downgrade check (issue 17).  has_stats is false for records
	 * written before; store_upload_commit() computes them from the blob
	 * when it needs them and writes them into the record once. */
	struct symfile_stats stats;
	bool has_stats;
};

/* Opens (creating if needed) the store in dir.  *out is owned by the
 * caller and freed with store_close().  SYM_EIO or SYM_EFORMAT on failure. */
enum sym_code store_open(struct store **out, const char *dir, struct sym_err *err);
/* The same for commands that only read (verify, missing, token list):
 * creates nothing; SYM_ENOTFOUND, with a message naming dir, when dir
 * does not hold a store (no dir/index/data.mdb). */
enum sym_code store_open_existing(struct store **out, const char *dir, struct sym_err *err);

/* A store whose blobs are in an S3 bucket (issue 14): dir holds this
 * node's index (created when missing and create is true), its scratch files and, unless
 * cache_dir is given, its cache of blobs (dir/cache), at most cache_bytes.
 * The bucket is itself a Breakpad symbol store:
 * PREFIX/<debug_file>/<debug_id>/<sym_file>, gzip, Content-Encoding:
 * gzip, the SHA-256 of the .sym in x-amz-meta-sha256.  Errors as
 * blob_s3_open(), and the index's. */
#include "blob_s3.h"
struct store_s3_config {
	struct blob_s3_config s3;	/* its scratch_dir is dir/tmp */
	const char *cache_dir;
	uint64_t cache_bytes;
	/* change-log entries older than this are removed (0: a day); a node
	 * that stopped before them syncs from the bucket when it starts to
	 * follow the log */
	uint64_t log_retention_s;
};
enum sym_code store_open_s3(struct store **out, const char *dir, const struct store_s3_config *c,
			    bool create, struct sym_err *err);
/* A count of the index's changes made by the store itself: records
 * taken from the bucket (other nodes' uploads, sync) or dropped; totals
 * from store_stats() are stale when it moved. */
uint64_t store_changes(struct store *s);
/* true for a store over a bucket. */
bool store_is_remote(const struct store *s);
struct blob_cache_stats;
/* The local cache's counters (all 0 for a store on a local disk). */
void store_cache_stats(struct store *s, struct blob_cache_stats *st);
/* The bucket's request counters; false for a store on a local disk. */
bool store_remote_stats(struct store *s, struct blob_s3_stats *st);

/* A store over a bucket: makes the index hold what the bucket holds.
 * Each object in the layout is taken (read, checked, indexed) unless the
 * index holds it already (same size and hash); records of keys the
 * bucket no longer holds are dropped; objects that are not the gzip of
 * their key's .sym file are reported and left out.  SYM_EUSAGE for a
 * local store, SYM_EIO when the bucket cannot be listed. */
struct store_sync_report {
	uint64_t listed, taken, unchanged, dropped, bad;
};
enum sym_code store_sync(struct store *s, struct store_sync_report *rep,
			 void (*report)(void *ctx, const char *key, const char *why), void *ctx,
			 struct sym_err *err);
/* A store over a bucket: starts the thread that follows the other
 * nodes' changes through the bucket's change log (store.c) and removes
 * entries older than the retention; stopped by store_close().  A node
 * whose last position is older than the retention is synced first
 * (store_sync(); an error when that fails).  Nothing for a local store. */
enum sym_code store_follow_start(struct store *s, struct sym_err *err);
struct store_follow_stats {
	uint64_t polls, poll_errors;	/* listings of the log */
	uint64_t applied;		/* other nodes' entries taken */
	uint64_t last_lag_ms, max_lag_ms;	/* from an entry's time to its taking */
	uint64_t log_errors;		/* this node's entries that could not be written */
	uint64_t compacted;		/* old entries removed (by this node) */
	bool synced_at_start;		/* the log had moved past this node's position */
};
/* false when no thread follows the log. */
bool store_follow_stats(struct store *s, struct store_follow_stats *st);
void store_close(struct store *s);

/* A temporary file of this node's, already unlinked: the caller closes
 * it.  -1 with err set (SYM_ENOSPC, SYM_EIO) on failure. */
int store_scratch_open(struct store *s, struct sym_err *err);

/* When on, each upload builds the symbolication lookup table of its text
 * as it streams in (no second pass over the blob), written at commit to
 * store_table_path() when the file is published and no table of that
 * content exists.  A build that fails costs the upload nothing. */
void store_build_tables(struct store *s, bool on);
/* Uploads that build a lookup table at once (each holds 7 files open, a
 * few MB of memory and up to SYMTAB_FUNC_MAX_MB for one function's
 * records); the others go without, their tables built from the blob by
 * symbolicator_prepare() or on first use. */
#define STORE_TABLE_BUILDS 16
#define STORE_TABLE_BUILD_FDS 8

/* Removes the files of DIR/tmp whose names start with prefix and that
 * were last written more than age_s seconds ago: what a process killed
 * mid-build left.  Returns how many. */
unsigned store_sweep_tmp(struct store *s, const char *prefix, unsigned age_s);

/* Where the symbolication lookup table of the blob named hash (a
 * sym_record's) lives: DIR/tables/ab/<hash>.symt on this node, derived
 * from the blob and rebuilt when absent or bad; its directory is created.
 * tmpdir gets the directory for the build's temporary files.  SYM_EUSAGE
 * for a malformed hash, SYM_EIO or SYM_ENOSPC when the directory cannot be
 * made. */
enum sym_code store_table_path(struct store *s, const char *hash, char *path, size_t cap,
			       char *tmpdir, size_t tmpcap, struct sym_err *err);

/* Looks a symbol file up; case-insensitive in both parts.  SYM_ENOTFOUND
 * when absent. */
enum sym_code store_get(struct store *s, const char *debug_file, const char *debug_id,
			struct sym_record *rec, struct sym_err *err);
/* Looks up by code file and code id; fills rec with the symbol record the
 * code id names. */
enum sym_code store_get_by_code(struct store *s, const char *code_file, const char *code_id,
				struct sym_record *rec, struct sym_err *err);
/* Opens the blob of rec, to be read from the start
 * with store_blob_read() (the count, 0 at the end, -1 on an error) and
 * closed with store_blob_close().  SYM_ENOTFOUND when the blob is
 * missing, SYM_EUSAGE for a malformed record, SYM_EIO.  Over a bucket,
 * the index follows what it finds: SYM_ENOTFOUND when the object was
 * removed (the record is dropped), SYM_ESTALE when it was replaced (the
 * index now holds the bucket's record: look the key up again). */
struct blob_reader;
enum sym_code store_blob_open(struct store *s, const struct sym_record *rec,
			      struct blob_reader **out, struct sym_err *err);
ssize_t store_blob_read(struct blob_reader *r, void *buf, size_t n);
void store_blob_close(struct blob_reader *r);

/* An upload in progress: bytes are hashed, grammar-checked and gzipped
 * into a temporary file as they arrive. */
struct store_upload;

/* Both: SYM_ENOSPC when the disk is full, SYM_EIO on another I/O error;
 * store_upload_write() also SYM_EFORMAT (not a .sym file) and SYM_ELIMIT. */
enum sym_code store_upload_begin(struct store *s, struct store_upload **out, struct sym_err *err);
enum sym_code store_upload_write(struct store_upload *u, const void *data, size_t n,
				 struct sym_err *err);
/* Limit on the uncompressed size (0: none). */
void store_upload_limit(struct store_upload *u, uint64_t max_bytes);
/* Lets the upload replace a richer file (see STORE_REFUSED). */
void store_upload_force(struct store_upload *u, bool force);

/* STORE_REFUSED: the upload is poorer than the file held under its key
 * (symfile_compare() < 0: a stripped or truncated build after the full
 * one) and was not forced; nothing was stored and the index keeps the
 * held record.  STORE_FORCED: such an upload, forced, replaced it. */
enum store_outcome { STORE_NEW, STORE_REPLACED, STORE_SAME, STORE_REFUSED, STORE_FORCED };

/* Finishes the upload and publishes it.  When expect_file / expect_id are
 * given, the MODULE record must name them (case-insensitively), else
 * SYM_EFORMAT with the reason.  rec receives what was stored (for
 * STORE_REFUSED: what was sent, not stored), with its stats; old (may be
 * NULL) the held record, with its stats, when *outcome is STORE_REPLACED,
 * STORE_FORCED or STORE_REFUSED.  A refusal is written to the upload log
 * ("refuse"), a forced replacement as "force".  Errors: SYM_EFORMAT for
 * content the store cannot take; SYM_ENOSPC when the disk is full
 * (ENOSPC, EDQUOT); SYM_EIO for other I/O and index errors.  On any error
 * nothing is published and the temporary file is removed.  The upload is
 * freed in every case. */
/* Over a bucket, the upload is decided against the bucket's object when
 * another writer created or replaced it since the index was told (the
 * index takes it first). */
enum sym_code store_upload_commit(struct store_upload *u, const char *expect_file,
				  const char *expect_id, const char *uploader,
				  struct sym_record *rec, enum store_outcome *outcome,
				  struct sym_record *old, struct sym_err *err);
void store_upload_abort(struct store_upload *u);

/* Removes a symbol file from the index (and its code-id entry), logged
 * as "delete".  On a local disk the blob stays (blobs are shared by
 * content); over a bucket the object is deleted first.  old gets the
 * record removed.  SYM_ENOTFOUND when absent. */
enum sym_code store_delete(struct store *s, const char *debug_file, const char *debug_id,
			   struct sym_record *old, struct sym_err *err);

/* Tokens.  Only a token's SHA-256 is stored.  A scope list is
 * comma-separated names from STORE_TOKEN_SCOPES. */
#define STORE_TOKEN_SCOPES "upload, download"

struct store_token {
	char name[128];
	char scopes[128];
	uint64_t created;	/* seconds since the epoch */
	uint64_t expires;	/* 0: never */
	uint64_t last_used;	/* 0: never; up to a minute stale */
	uint64_t revoked;	/* 0: not revoked */
};

/* true when name can name a token: 1 to 64 of A-Z a-z 0-9 . _ - @ + : */
bool store_token_name_ok(const char *name);
/* true when scopes is a non-empty comma-separated list of known scopes;
 * else bad (may be NULL) gets the first unknown one into bad[cap]. */
bool store_token_scopes_ok(const char *scopes, char *bad, size_t cap);

/* Creates a random token named name with scopes, expiring at expires
 * (seconds since the epoch, 0: never), stores only its hash and writes
 * the token (64 hex digits) into out[65].  SYM_EUSAGE for a bad name or
 * scope list, SYM_EEXIST when a token that is not revoked has that name. */
enum sym_code store_token_add(struct store *s, const char *name, const char *scopes,
			      uint64_t expires, char out[65], struct sym_err *err);

enum store_token_status {
	TOKEN_OK,		/* known, not revoked, not expired, has the scope */
	TOKEN_UNKNOWN,		/* not a token of this store (or malformed) */
	TOKEN_REVOKED,
	TOKEN_EXPIRED,
	TOKEN_NO_SCOPE,		/* valid, but lacks the scope asked for */
};
/* Looks token up at time now; scope may be NULL (any valid token is
 * TOKEN_OK).  info (may be NULL) gets the token's record whenever it is
 * known.  A valid token's last use is recorded, at most once a minute
 * (one small write transaction then; none otherwise). */
enum store_token_status store_token_lookup(struct store *s, const char *token,
					   const char *scope, uint64_t now,
					   struct store_token *info);
/* true when token exists, is valid and has scope (e.g. "upload"); name[128]
 * (may be NULL) gets its name when it is known. */
bool store_token_check(struct store *s, const char *token, const char *scope, char *name);
/* Marks every token named name revoked (they stay listed).  SYM_ENOTFOUND
 * when none is, SYM_EEXIST when all were revoked already. */
enum sym_code store_token_revoke(struct store *s, const char *name, struct sym_err *err);
/* All tokens, sorted by name then creation; *out (free() it) gets *n. */
enum sym_code store_token_list(struct store *s, struct store_token **out, size_t *n,
			       struct sym_err *err);

/* Totals for metrics and the front page. */
struct store_stats {
	uint64_t files;
	uint64_t bytes;		/* uncompressed */
	uint64_t gz_bytes;
};
enum sym_code store_stats(struct store *s, struct store_stats *st, struct sym_err *err);

/* Checks every index record: its blob exists, is a complete gzip stream,
 * and holds exactly the content its hash and size name.  report() is
 * called for each problem. */
enum sym_code store_verify(struct store *s, uint64_t *checked, uint64_t *bad,
			   void (*report)(void *ctx, const char *key, const char *why), void *ctx,
			   struct sym_err *err);

/* ---- missing symbols (issue 5) ----------------------------------------
 *
 * One record per debug_file + debug_id that a processor asked for and did
 * not get (a 404 on download) or that a minidump named without the store
 * having it.  Counts are merged in: the server batches them in memory and
 * calls store_missing_add() once per flush, in one write transaction.  An
 * upload of the key marks its record resolved (kept, with its history).
 */
enum store_miss_status { MISS_OPEN, MISS_RESOLVED, MISS_IGNORED };

struct store_miss {
	char debug_file[256];
	char debug_id[80];
	char code_file[256];
	char code_id[160];
	uint64_t misses;	/* download 404s */
	uint64_t crashes;	/* minidumps that named it (once per dump) */
	uint64_t first_seen, last_seen;	/* seconds since the epoch */
	/* filled by missing_list() (symserver/missing.c) */
	enum store_miss_status status;
	uint64_t resolved_at;	/* upload time, when resolved */
	const char *reason;	/* "never-uploaded", "id-mismatch", "late-upload", "ignored" */
	char other_ids[512];	/* id-mismatch: ids of the same debug_file in the store,
				 * space-separated */
};

/* Merges n deltas (misses, crashes, first/last seen, code file and id)
 * into the records, in one write transaction. */
enum sym_code store_missing_add(struct store *s, const struct store_miss *v, size_t n,
				struct sym_err *err);

/* Calls fn for each record (status MISS_OPEN or MISS_RESOLVED, with
 * resolved_at), in key order; a non-zero return from fn stops the walk.
 * The report (sorting, reasons, the ignore list) is symserver/missing.c's. */
enum sym_code store_missing_each(struct store *s, int (*fn)(void *ctx, const struct store_miss *m),
				 void *ctx, struct sym_err *err);
/* The ids other than except_id under which debug_file is held,
 * space-separated, into out[cap]; "" when there are none. */
void store_ids_of(struct store *s, const char *debug_file, const char *except_id, char *out,
		  size_t cap);

/* Ignore list: glob patterns (fnmatch, case-insensitive) matched against
 * the debug file and the code file of a missing record. */
enum sym_code store_ignore_add(struct store *s, const char *pattern, struct sym_err *err);
enum sym_code store_ignore_remove(struct store *s, const char *pattern, struct sym_err *err);
/* Calls fn for each pattern. */
enum sym_code store_ignore_list(struct store *s, void (*fn)(void *ctx, const char *pattern),
				void *ctx, struct sym_err *err);

/* The most recent publications, newest first, from the upload log. */
struct store_log_entry {
	uint64_t seq, time;
	char action[16];	/* "new", "replace", "force", "refuse", "delete" */
	char debug_file[256];
	char debug_id[80];
	uint64_t size;
	char uploader[128];
};
enum sym_code store_log_recent(struct store *s, struct store_log_entry *out, size_t max,
			       size_t *n, struct sym_err *err);

/* Canonical index key: lower-case file, "/", upper-case id.  false when it
 * does not fit in out[cap]. */
bool store_key(const char *debug_file, const char *debug_id, char *out, size_t cap);

#endif
