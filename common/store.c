/* store.c - the store's front: uploads (checked, hashed and gzipped as
 * they arrive), publication, verification, and the index and blob backend
 * behind one interface (store.h).  index.c holds the LMDB index,
 * blob_fs.c the blobs. */
#include "config.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "blob.h"
#include "fsutil.h"
#include "index.h"
#include "sha256.h"

struct store {
	char *dir;			/* this node's directory: index/, tmp/ (and blobs/) */
	struct sym_index *index;
	struct blob_store *blobs;
};

struct store_upload {
	struct store *s;
	struct blob_writer *w;
	z_stream z;
	bool zinit;
	struct sha256 sha;
	struct symcheck check;
	uint64_t size, limit;
	bool force;		/* may replace a richer file */
	unsigned char out[65536];
};

/* create: make the directories of a new store; else dir must hold one. */
static enum sym_code open_store(struct store **out, const char *dir, bool create,
				struct sym_err *err)
{
	struct store *s;
	char path[4096];
	struct stat sb;

	*out = NULL;
	if (strlen(dir) > 3000)
		return sym_fail(err, SYM_EUSAGE, "store path too long");
	if (!create) {
		if (stat(dir, &sb) < 0)
			return sym_fail(err, errno == ENOENT ? SYM_ENOTFOUND : SYM_EIO,
					"no symbol store at '%s': %s (give --store DIR; "
					"'symserver serve' or 'import' creates one)", dir, strerror(errno));
		snprintf(path, sizeof(path), "%s/index/data.mdb", dir);
		if (stat(path, &sb) < 0)
			return sym_fail(err, errno == ENOENT ? SYM_ENOTFOUND : SYM_EIO,
					"'%s' is not a symbol store (no index/data.mdb: %s); give --store DIR",
					dir, strerror(errno));
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	snprintf(path, sizeof(path), "%s/index", dir);
	if (index_open(&s->index, path, create, err) != SYM_OK ||
	    blob_fs_open(&s->blobs, dir, create, err) != SYM_OK) {
		store_close(s);
		return err->code;
	}
	*out = s;
	return SYM_OK;
}

enum sym_code store_open(struct store **out, const char *dir, struct sym_err *err)
{
	return open_store(out, dir, true, err);
}

enum sym_code store_open_existing(struct store **out, const char *dir, struct sym_err *err)
{
	return open_store(out, dir, false, err);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	index_close(s->index);
	blob_store_free(s->blobs);
	free(s->dir);
	free(s);
}

int store_scratch_open(struct store *s, struct sym_err *err)
{
	char path[4096];
	int fd, e;

	snprintf(path, sizeof(path), "%s/tmp/scratch.XXXXXX", s->dir);
	if ((fd = mkstemp(path)) < 0) {
		e = errno;
		sym_fail(err, sym_errno_code(e),
			 "cannot create a temporary file: %s", strerror(e));
		return -1;
	}
	unlink(path);
	return fd;
}

enum sym_code store_get(struct store *s, const char *debug_file, const char *debug_id,
			struct sym_record *rec, struct sym_err *err)
{
	return index_get(s->index, debug_file, debug_id, rec, err);
}

enum sym_code store_get_by_code(struct store *s, const char *code_file, const char *code_id,
				struct sym_record *rec, struct sym_err *err)
{
	return index_get_by_code(s->index, code_file, code_id, rec, err);
}

static const struct blob_key *rec_key(const struct sym_record *rec, struct blob_key *k)
{
	k->hash = rec->hash;
	k->debug_file = rec->debug_file;
	k->debug_id = rec->debug_id;
	return k;
}

enum sym_code store_blob_open(struct store *s, const struct sym_record *rec,
			      struct blob_reader **out, struct sym_err *err)
{
	struct blob_key k;

	return blob_open(s->blobs, rec_key(rec, &k), out, err);
}

ssize_t store_blob_read(struct blob_reader *r, void *buf, size_t n)
{
	return blob_read(r, buf, n);
}

void store_blob_close(struct blob_reader *r)
{
	blob_close(r);
}

/* ---- uploads --------------------------------------------------------- */

enum sym_code store_upload_begin(struct store *s, struct store_upload **out, struct sym_err *err)
{
	struct store_upload *u = calloc(1, sizeof(*u));

	*out = NULL;
	if (!u)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	u->s = s;
	if (blob_begin(s->blobs, &u->w, err) != SYM_OK) {
		free(u);
		return err->code;
	}
	if (deflateInit2(&u->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		store_upload_abort(u);
		return sym_fail(err, SYM_EZLIB, "zlib cannot start");
	}
	u->zinit = true;
	sha256_init(&u->sha);
	symcheck_init(&u->check);
	*out = u;
	return SYM_OK;
}

void store_upload_limit(struct store_upload *u, uint64_t max_bytes)
{
	u->limit = max_bytes;
}

void store_upload_force(struct store_upload *u, bool force)
{
	u->force = force;
}

static enum sym_code deflate_step(struct store_upload *u, int flush, struct sym_err *err)
{
	int zr;

	do {
		u->z.next_out = u->out;
		u->z.avail_out = sizeof(u->out);
		zr = deflate(&u->z, flush);
		if (zr == Z_STREAM_ERROR)
			return sym_fail(err, SYM_EZLIB, "compression failed");
		if (blob_write(u->w, u->out, sizeof(u->out) - u->z.avail_out, err) != SYM_OK)
			return err->code;
	} while (u->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return SYM_OK;
}

enum sym_code store_upload_write(struct store_upload *u, const void *data, size_t n,
				 struct sym_err *err)
{
	const unsigned char *p = data;

	if (!n)
		return SYM_OK;	/* data may be NULL (an empty block of an archive) */
	if (u->limit && (n > u->limit || u->size > u->limit - n))
		return sym_fail(err, SYM_ELIMIT, "the symbol file exceeds %llu bytes",
				(unsigned long long)u->limit);
	if (!symcheck_feed(&u->check, data, n))
		return sym_fail(err, SYM_EFORMAT, "not a Breakpad symbol file: %s", u->check.error);
	sha256_update(&u->sha, data, n);
	u->size += n;
	while (n) {
		size_t k = n > (1u << 30) ? (1u << 30) : n;
		u->z.next_in = (Bytef *)p;
		u->z.avail_in = (uInt)k;
		if (deflate_step(u, Z_NO_FLUSH, err) != SYM_OK)
			return err->code;
		p += k;
		n -= k;
	}
	return SYM_OK;
}

void store_upload_abort(struct store_upload *u)
{
	if (!u)
		return;
	blob_abort(u->w);
	if (u->zinit)
		deflateEnd(&u->z);
	symcheck_release(&u->check);
	free(u);
}

static bool same_ci(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* Ids written with dashes by some tools compare without them. */
static void strip_dashes(const char *in, char *out, size_t cap)
{
	size_t j = 0;

	for (; *in && j + 1 < cap; in++)
		if (*in != '-')
			out[j++] = *in;
	out[j] = '\0';
}

/* Counts what the blob of rec holds into *st.  false when the blob
 * is missing or broken (then the held file cannot be served anyway, and
 * any upload may replace it). */
static bool blob_stats(struct store *s, const struct sym_record *rec, struct symfile_stats *st)
{
	struct blob_reader *r = NULL;
	struct sym_err err;
	struct blob_key k;
	unsigned char in[65536], out[65536];
	struct symcheck c;
	z_stream z;
	int zr = Z_OK;
	ssize_t n;
	bool ok = true;

	memset(st, 0, sizeof(*st));
	sym_err_clear(&err);
	if (blob_open(s->blobs, rec_key(rec, &k), &r, &err) != SYM_OK)
		return false;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		blob_close(r);
		return false;
	}
	symcheck_init(&c);
	while (ok && zr != Z_STREAM_END && (n = blob_read(r, in, sizeof(in))) > 0) {
		z.next_in = in;
		z.avail_in = (uInt)n;
		while (ok && z.avail_in && zr != Z_STREAM_END) {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END)
				ok = false;
			else
				ok = symcheck_feed(&c, out, sizeof(out) - z.avail_out);
		}
	}
	ok = ok && zr == Z_STREAM_END && symcheck_finish(&c);
	if (ok)
		*st = c.stats;
	symcheck_release(&c);
	inflateEnd(&z);
	blob_close(r);
	return ok;
}

/* Fills held->stats, from the blob when the record predates them. */
static void held_stats(void *ctx, struct sym_record *held)
{
	struct store *s = ctx;

	if (held->has_stats)
		return;
	held->has_stats = blob_stats(s, held, &held->stats);
}

enum sym_code store_upload_commit(struct store_upload *u, const char *expect_file,
				  const char *expect_id, const char *uploader,
				  struct sym_record *rec, enum store_outcome *outcome,
				  struct sym_record *old_out, struct sym_err *err)
{
	struct store *s = u->s;
	const struct symfile_header *h = &u->check.hdr;
	struct index_held held;
	uint8_t digest[32];
	char key[2048], idbuf[80];
	struct blob_writer *w;
	struct blob_key k;
	bool computed;

	*outcome = STORE_NEW;
	memset(&held, 0, sizeof(held));
	if (!symcheck_finish(&u->check)) {
		sym_fail(err, SYM_EFORMAT, "not a Breakpad symbol file: %s", u->check.error);
		goto fail;
	}
	if (!store_name_ok(h->name) || !store_name_ok(h->debug_id)) {
		sym_fail(err, SYM_EFORMAT, "the MODULE record names a file or id that cannot be stored");
		goto fail;
	}
	if (expect_file && !same_ci(expect_file, h->name)) {
		sym_fail(err, SYM_EFORMAT, "the MODULE record names '%s', not '%s'", h->name, expect_file);
		goto fail;
	}
	if (expect_id) {
		strip_dashes(expect_id, idbuf, sizeof(idbuf));
		if (!same_ci(idbuf, h->debug_id)) {
			sym_fail(err, SYM_EFORMAT, "the MODULE record has id %s, not %s", h->debug_id, expect_id);
			goto fail;
		}
	}
	if (deflate_step(u, Z_FINISH, err) != SYM_OK)
		goto fail;
	sha256_final(&u->sha, digest);

	memset(rec, 0, sizeof(*rec));
	sha256_hex(digest, rec->hash);
	rec->size = u->size;
	rec->gz_size = u->z.total_out;
	rec->mtime = (uint64_t)time(NULL);
	snprintf(rec->debug_file, sizeof(rec->debug_file), "%s", h->name);
	snprintf(rec->debug_id, sizeof(rec->debug_id), "%s", h->debug_id);
	snprintf(rec->code_id, sizeof(rec->code_id), "%s", h->code_id);
	/* ELF and Mach-O name no code file: it is the debug file */
	snprintf(rec->code_file, sizeof(rec->code_file), "%s",
		 h->code_file[0] ? h->code_file : h->name);
	snprintf(rec->os, sizeof(rec->os), "%s", h->os);
	snprintf(rec->arch, sizeof(rec->arch), "%s", h->arch);
	snprintf(rec->generator, sizeof(rec->generator), "%s", h->generator);
	snprintf(rec->uploader, sizeof(rec->uploader), "%s", uploader ? uploader : "");
	rec->stats = u->check.stats;
	rec->has_stats = true;

	if (!store_key(rec->debug_file, rec->debug_id, key, sizeof(key))) {
		sym_fail(err, SYM_EFORMAT, "debug file name too long");
		goto fail;
	}
	if (store_get(s, rec->debug_file, rec->debug_id, &held.rec, err) == SYM_OK) {
		held.known = true;
		if (strcmp(held.rec.hash, rec->hash) == 0) {
			*outcome = STORE_SAME;
			*rec = held.rec;
			store_upload_abort(u);
			return SYM_OK;
		}
	} else if (err->code && err->code != SYM_ENOTFOUND) {
		goto fail;
	}
	sym_err_clear(err);

	/* no downgrade: decided before the blob is published, so a refusal
	 * leaves nothing behind; checked again inside the write transaction */
	if (held.known) {
		computed = !held.rec.has_stats;
		held_stats(s, &held.rec);
		held.poorer = symfile_compare(&held.rec.stats, &rec->stats, NULL, 0) < 0;
		if (held.poorer && !u->force) {
			index_refuse(s->index, key, rec, &held.rec, computed);
			*outcome = STORE_REFUSED;
			if (old_out)
				*old_out = held.rec;
			store_upload_abort(u);
			return SYM_OK;
		}
	}

	/* the blob, durably, then one write transaction for the index; a
	 * failure between them leaves at worst an unreferenced blob */
	w = u->w;
	u->w = NULL;
	if (blob_commit(w, rec_key(rec, &k), &rec->gz_size, err) != SYM_OK)
		goto fail;
	if (index_publish(s->index, key, rec, u->force, &held, held_stats, s, outcome, err) != SYM_OK)
		goto fail;
	if (held.known && old_out && *outcome != STORE_SAME && *outcome != STORE_NEW)
		*old_out = held.rec;
	store_upload_abort(u);
	return SYM_OK;
fail:
	store_upload_abort(u);
	return err->code ? err->code : SYM_EIO;
}

enum sym_code store_delete(struct store *s, const char *debug_file, const char *debug_id,
			   struct sym_record *old, struct sym_err *err)
{
	return index_delete(s->index, debug_file, debug_id, old, err);
}

/* ---- tokens ---------------------------------------------------------- */

enum sym_code store_token_add(struct store *s, const char *name, const char *scopes,
			      uint64_t expires, char out[65], struct sym_err *err)
{
	return index_token_add(s->index, name, scopes, expires, out, err);
}

enum store_token_status store_token_lookup(struct store *s, const char *token,
					   const char *scope, uint64_t now,
					   struct store_token *info)
{
	return index_token_lookup(s->index, token, scope, now, info);
}

bool store_token_check(struct store *s, const char *token, const char *scope, char *name)
{
	struct store_token t;
	enum store_token_status st;

	st = store_token_lookup(s, token, scope, (uint64_t)time(NULL), &t);
	if (name && st != TOKEN_UNKNOWN)
		snprintf(name, 128, "%s", t.name);
	return st == TOKEN_OK;
}

enum sym_code store_token_revoke(struct store *s, const char *name, struct sym_err *err)
{
	return index_token_revoke(s->index, name, err);
}

enum sym_code store_token_list(struct store *s, struct store_token **out, size_t *n,
			       struct sym_err *err)
{
	return index_token_list(s->index, out, n, err);
}

enum sym_code store_stats(struct store *s, struct store_stats *st, struct sym_err *err)
{
	return index_stats(s->index, st, err);
}

/* ---- verification ---------------------------------------------------- */

static bool blob_matches(struct store *s, const struct sym_record *r, char *why, size_t cap)
{
	struct blob_reader *b = NULL;
	struct sym_err err;
	struct blob_key k;
	enum sym_code rc;
	unsigned char in[65536], out[65536];
	struct sha256 h;
	uint8_t d[32];
	char hex[65];
	uint64_t total = 0;
	z_stream z;
	int zr = Z_OK;
	ssize_t n;

	sym_err_clear(&err);
	if ((rc = blob_open(s->blobs, rec_key(r, &k), &b, &err)) != SYM_OK) {
		if (rc == SYM_ENOTFOUND)
			snprintf(why, cap, "blob %s is missing", r->hash);
		else
			snprintf(why, cap, "blob %s cannot be read: %.200s", r->hash, err.msg);
		return false;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		blob_close(b);
		snprintf(why, cap, "zlib cannot start");
		return false;
	}
	sha256_init(&h);
	while (zr != Z_STREAM_END && (n = blob_read(b, in, sizeof(in))) > 0) {
		z.next_in = in;
		z.avail_in = (uInt)n;
		while (z.avail_in && zr != Z_STREAM_END) {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END)
				break;
			sha256_update(&h, out, sizeof(out) - z.avail_out);
			total += sizeof(out) - z.avail_out;
		}
		if (zr != Z_OK && zr != Z_STREAM_END)
			break;
	}
	inflateEnd(&z);
	blob_close(b);
	if (zr != Z_STREAM_END) {
		snprintf(why, cap, "blob %s is not a complete gzip stream", r->hash);
		return false;
	}
	sha256_final(&h, d);
	sha256_hex(d, hex);
	if (strcmp(hex, r->hash) != 0 || total != r->size) {
		snprintf(why, cap, "blob %s holds other content (sha256 %s, %llu bytes)", r->hash, hex,
			 (unsigned long long)total);
		return false;
	}
	return true;
}

struct verify_ctx {
	struct store *s;
	uint64_t *checked, *bad;
	void (*report)(void *ctx, const char *key, const char *why);
	void *ctx;
};

static int verify_one(void *ctx, const char *key, const struct sym_record *r)
{
	struct verify_ctx *v = ctx;
	char why[300], ck[2048];

	(*v->checked)++;
	if (!r) {
		(*v->bad)++;
		v->report(v->ctx, key, "the index record is corrupt");
	} else if (!store_key(r->debug_file, r->debug_id, ck, sizeof(ck)) || strcmp(ck, key) != 0) {
		(*v->bad)++;
		v->report(v->ctx, key, "the record's names do not match its key");
	} else if (!blob_matches(v->s, r, why, sizeof(why))) {
		(*v->bad)++;
		v->report(v->ctx, key, why);
	}
	return 0;
}

enum sym_code store_verify(struct store *s, uint64_t *checked, uint64_t *bad,
			   void (*report)(void *ctx, const char *key, const char *why), void *ctx,
			   struct sym_err *err)
{
	struct verify_ctx v = { s, checked, bad, report, ctx };

	*checked = *bad = 0;
	return index_each(s->index, verify_one, &v, err);
}

/* ---- missing symbols, the ignore list, the log ------------------------ */

enum sym_code store_missing_add(struct store *s, const struct store_miss *v, size_t n,
				struct sym_err *err)
{
	return index_missing_add(s->index, v, n, err);
}

enum sym_code store_missing_each(struct store *s, int (*fn)(void *ctx, const struct store_miss *m),
				 void *ctx, struct sym_err *err)
{
	return index_missing_each(s->index, fn, ctx, err);
}

void store_ids_of(struct store *s, const char *debug_file, const char *except_id, char *out,
		  size_t cap)
{
	index_ids_of(s->index, debug_file, except_id, out, cap);
}

enum sym_code store_ignore_add(struct store *s, const char *pattern, struct sym_err *err)
{
	return index_ignore_add(s->index, pattern, err);
}

enum sym_code store_ignore_remove(struct store *s, const char *pattern, struct sym_err *err)
{
	return index_ignore_remove(s->index, pattern, err);
}

enum sym_code store_ignore_list(struct store *s, void (*fn)(void *ctx, const char *pattern),
				void *ctx, struct sym_err *err)
{
	return index_ignore_list(s->index, fn, ctx, err);
}

enum sym_code store_log_recent(struct store *s, struct store_log_entry *out, size_t max,
			       size_t *n, struct sym_err *err)
{
	return index_log_recent(s->index, out, max, n, err);
}
