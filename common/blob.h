/* blob.h - where the store keeps its blobs (issue 14).
 *
 * A blob is the gzip of one .sym file.  A struct blob_key names it: the
 * SHA-256 of the uncompressed content (64 lower-case hex digits) and the
 * debug file and id of the symbol file it holds.  Each backend names its
 * blobs from the parts it needs: blob_fs by the hash alone (blobs are
 * shared by content and never change), a backend that lays its blobs out
 * as a Breakpad symbol store (issue 14's S3 bucket:
 * PREFIX/<debug_file>/<debug_id>/<sym_file>) by the debug file and id,
 * keeping the hash beside the blob.  store.c is the only user of this
 * interface; the routes read blobs through store.h.
 *
 * A backend is a struct blob_ops and the state behind it.  blob_fs keeps
 * the layout stores have always had:
 *
 *   DIR/blobs/ab/cdef...   the blob named abcdef...
 *   DIR/tmp/               blobs being written (upload.XXXXXX)
 *
 * Writing: blob_begin(), blob_write() any number of times, then
 * blob_commit() (durable when it returns SYM_OK) or blob_abort().  Nothing
 * is visible under the name before the commit, and a writer that is
 * aborted (or a process that dies) leaves at most a temporary file.
 *
 * Every function that takes a key checks it first (blob_key_ok()): a
 * malformed one is SYM_EUSAGE, so a name never becomes a path it should
 * not. */
#ifndef SYM_BLOB_H
#define SYM_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct blob_store;
struct blob_writer;
struct blob_reader;

struct blob_key {
	const char *hash;	/* SHA-256 of the .sym, 64 lower-case hex digits */
	const char *debug_file;	/* as in the MODULE record */
	const char *debug_id;	/* the same */
	uint64_t size;		/* the blob's size when known (a reader's hint), else 0 */
};

/* The backend's side.  Errors as in the wrappers below. */
struct blob_ops {
	const char *name;
	/* blobs named by debug file and id (one per key, replaced in
	 * place), not by content alone: see blob_open_any(), blob_create_only() */
	bool keyed;
	enum sym_code (*begin)(struct blob_store *b, struct blob_writer **out,
			       struct sym_err *err);
	enum sym_code (*write)(struct blob_writer *w, const void *p, size_t n,
			       struct sym_err *err);
	enum sym_code (*commit)(struct blob_writer *w, const struct blob_key *k, uint64_t *size,
				struct sym_err *err);
	void (*abort)(struct blob_writer *w);
	enum sym_code (*open)(struct blob_store *b, const struct blob_key *k, struct blob_reader **out,
			      struct sym_err *err);
	ssize_t (*read)(struct blob_reader *r, void *buf, size_t n);
	void (*close)(struct blob_reader *r);
	enum sym_code (*stat)(struct blob_store *b, const struct blob_key *k, uint64_t *size,
			      struct sym_err *err);
	enum sym_code (*remove)(struct blob_store *b, const struct blob_key *k, struct sym_err *err);
	enum sym_code (*list)(struct blob_store *b,
			      int (*fn)(void *ctx, const struct blob_key *k, uint64_t size), void *ctx,
			      struct sym_err *err);
	void (*free)(struct blob_store *b);
};

/* Every backend's structures start with these. */
struct blob_store {
	const struct blob_ops *ops;
};
struct blob_writer {
	const struct blob_ops *ops;
	bool create_only;	/* blob_create_only() */
};
struct blob_reader {
	const struct blob_ops *ops;
};

/* true when hash is 64 lower-case hex digits. */
bool blob_hash_ok(const char *hash);
/* true when s can be a debug file or id in a key, a path component: 1 to
 * 255 printable ASCII characters, no '/', not "." or "..". */
bool blob_part_ok(const char *s);
/* true when k's hash is blob_hash_ok() and its debug file and id are
 * blob_part_ok(). */
bool blob_key_ok(const struct blob_key *k);

/* The file-system backend over dir (blobs/ and tmp/ in it).  create: make
 * the directories when missing.  *out is freed with blob_store_free().
 * SYM_ENOSPC, SYM_EIO or SYM_ENOMEM. */
enum sym_code blob_fs_open(struct blob_store **out, const char *dir, bool create,
			   struct sym_err *err);

/* Starts a blob.  *out is freed by blob_commit() or blob_abort().
 * SYM_ENOSPC when the disk is full, SYM_EIO on another error. */
enum sym_code blob_begin(struct blob_store *b, struct blob_writer **out, struct sym_err *err);
/* Appends n bytes.  SYM_ENOSPC or SYM_EIO; the writer must then be
 * aborted. */
enum sym_code blob_write(struct blob_writer *w, const void *p, size_t n, struct sym_err *err);
/* Publishes what was written under k, durably (file, then directory
 * entries, on disk before it returns).  When blob_fs holds that hash
 * already, the held blob stays and the new bytes are dropped.  *size gets
 * the size of the blob now held.  Frees w in every case but
 * blob_create_only()'s SYM_EEXIST; on failure nothing new is published.  SYM_EUSAGE (bad key), SYM_ENOSPC, SYM_EIO. */
enum sym_code blob_commit(struct blob_writer *w, const struct blob_key *k, uint64_t *size,
			  struct sym_err *err);
/* Drops what was written and frees w; NULL does nothing. */
void blob_abort(struct blob_writer *w);
/* A keyed backend's commit of w then publishes only when no blob is held
 * under the key (S3: If-None-Match: *), else fails with SYM_EEXIST,
 * publishes nothing and does not free w: the caller commits it again
 * (after setting w->create_only false, to replace the blob) or aborts it.
 * Two writers racing for a new key: one wins. */
void blob_create_only(struct blob_writer *w);

/* Opens a blob for reading from its start.  *out is freed with
 * blob_close().  SYM_ENOTFOUND when the store holds no such blob,
 * SYM_EFORMAT when a keyed backend's object says it holds other content
 * than k's hash (replaced behind the index's back), SYM_EUSAGE for a bad
 * key, SYM_EIO otherwise. */
enum sym_code blob_open(struct blob_store *b, const struct blob_key *k, struct blob_reader **out,
			struct sym_err *err);
/* A keyed backend only (SYM_EUSAGE otherwise): opens whatever blob is
 * held under debug_file and debug_id, whatever its content; the caller
 * hashes what it reads.  Errors as blob_open(), without SYM_EFORMAT. */
enum sym_code blob_open_any(struct blob_store *b, const char *debug_file, const char *debug_id,
			    struct blob_reader **out, struct sym_err *err);
/* Reads up to n bytes: the count, 0 at the end, -1 on an error (errno
 * says which). */
ssize_t blob_read(struct blob_reader *r, void *buf, size_t n);
/* NULL does nothing. */
void blob_close(struct blob_reader *r);

/* SYM_OK and *size when the blob exists; SYM_ENOTFOUND when it does not;
 * SYM_EUSAGE, SYM_EIO. */
enum sym_code blob_stat(struct blob_store *b, const struct blob_key *k, uint64_t *size,
			struct sym_err *err);
/* Removes a blob.  SYM_ENOTFOUND when there is none; SYM_EUSAGE, SYM_EIO. */
enum sym_code blob_remove(struct blob_store *b, const struct blob_key *k, struct sym_err *err);
/* Calls fn for every blob held, in no particular order, with the parts
 * of its key the backend knows (blob_fs: the hash; debug_file and
 * debug_id NULL); a non-zero return from fn stops the walk (and is not an
 * error).  Names that are not blobs (temporary files, strays) are
 * skipped.  SYM_EIO. */
enum sym_code blob_list(struct blob_store *b,
			int (*fn)(void *ctx, const struct blob_key *k, uint64_t size),
			void *ctx, struct sym_err *err);
/* NULL does nothing. */
void blob_store_free(struct blob_store *b);

#endif
