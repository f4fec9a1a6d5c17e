/* index.c - the store's LMDB index; the only user of lmdb.h (see
 * store.h for what each database holds). */
#include "config.h"
#include "index.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <lmdb.h>

#include "fsutil.h"
#include "sha256.h"

struct sym_index {
	MDB_env *env;
	MDB_dbi syms, code, tokens, log, missing, ignore;
};

/* Lookups reuse one read transaction per thread: mdb_txn_renew() is much
 * cheaper than mdb_txn_begin() on the hot path of the server.  The handle
 * is aborted when its thread exits (or by index_close() for the thread
 * that closes the store). */
struct tls_txn {
	struct sym_index *s;
	MDB_txn *txn;
};

static pthread_key_t txn_key;
static pthread_once_t txn_once = PTHREAD_ONCE_INIT;

static void tls_txn_free(void *p)
{
	struct tls_txn *t = p;

	if (t && t->txn)
		mdb_txn_abort(t->txn);
	free(t);
}

static void txn_key_init(void)
{
	pthread_key_create(&txn_key, tls_txn_free);
}

static enum sym_code mdb_fail(struct sym_err *err, int rc, const char *what)
{
	return sym_fail(err, rc == MDB_NOTFOUND ? SYM_ENOTFOUND :
			rc == MDB_MAP_FULL ? SYM_ENOSPC : sym_errno_code(rc),
			"symbol index: %s: %s", what, mdb_strerror(rc));
}

enum sym_code index_open(struct sym_index **out, const char *dir, bool create,
			 struct sym_err *err)
{
	struct sym_index *s;
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	if (create && mkdir_p(dir, err) != SYM_OK)
		return err->code;
	if (!(s = calloc(1, sizeof(*s))))
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	if ((rc = mdb_env_create(&s->env)) != 0)
		goto lmdb;
	mdb_env_set_maxdbs(s->env, 8);
	mdb_env_set_maxreaders(s->env, 1024);
	/* The map is reserved address space, not disk: 1 TiB on 64-bit. */
	mdb_env_set_mapsize(s->env, sizeof(size_t) >= 8 ? ((size_t)1 << 40) : ((size_t)1 << 30));
	if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0644)) != 0)
		goto lmdb;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto lmdb;
	if ((rc = mdb_dbi_open(txn, "syms", MDB_CREATE, &s->syms)) != 0 ||
	    (rc = mdb_dbi_open(txn, "code", MDB_CREATE, &s->code)) != 0 ||
	    (rc = mdb_dbi_open(txn, "tokens", MDB_CREATE, &s->tokens)) != 0 ||
	    (rc = mdb_dbi_open(txn, "log", MDB_CREATE | MDB_INTEGERKEY, &s->log)) != 0 ||
	    (rc = mdb_dbi_open(txn, "missing", MDB_CREATE, &s->missing)) != 0 ||
	    (rc = mdb_dbi_open(txn, "ignore", MDB_CREATE, &s->ignore)) != 0)
		goto lmdb;
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		goto lmdb;
	}
	*out = s;
	return SYM_OK;
lmdb:
	if (txn)
		mdb_txn_abort(txn);
	sym_fail(err, SYM_EIO, "cannot open the symbol index in '%s': %s", dir, mdb_strerror(rc));
	index_close(s);
	return SYM_EIO;
}

void index_close(struct sym_index *s)
{
	struct tls_txn *t;

	if (!s)
		return;
	pthread_once(&txn_once, txn_key_init);
	t = pthread_getspecific(txn_key);
	if (t && t->s == s && t->txn) {
		mdb_txn_abort(t->txn);
		t->txn = NULL;
		t->s = NULL;
	}
	if (s->env)
		mdb_env_close(s->env);
	free(s);
}

bool store_key(const char *debug_file, const char *debug_id, char *out, size_t cap)
{
	size_t a = strlen(debug_file), b = strlen(debug_id), i;

	if (a + b + 2 > cap)
		return false;
	for (i = 0; i < a; i++)
		out[i] = (char)tolower((unsigned char)debug_file[i]);
	out[a] = '/';
	for (i = 0; i < b; i++)
		out[a + 1 + i] = (char)toupper((unsigned char)debug_id[i]);
	out[a + 1 + b] = '\0';
	return true;
}

/* Records are stored as NUL-separated fields after a version tag: "r1"
 * and 12 fields, then (since issue 17) optionally "s1" and the 7 counts of
 * struct symfile_stats.  Readers that know only the 13 fields ignore the
 * rest, so a store stays readable by older servers. */
static size_t record_encode(const struct sym_record *r, char *buf, size_t cap)
{
	const struct symfile_stats *st = &r->stats;
	int n = snprintf(buf, cap, "r1%c%s%c%llu%c%llu%c%llu%c%s%c%s%c%s%c%s%c%s%c%s%c%s%c%s",
			 0, r->hash, 0, (unsigned long long)r->size, 0,
			 (unsigned long long)r->gz_size, 0, (unsigned long long)r->mtime, 0,
			 r->debug_file, 0, r->debug_id, 0, r->code_file, 0, r->code_id, 0,
			 r->os, 0, r->arch, 0, r->generator, 0, r->uploader);
	int m;

	if (n < 0 || (size_t)n >= cap)
		return 0;
	if (!r->has_stats)
		return (size_t)n + 1;
	m = snprintf(buf + n + 1, cap - (size_t)n - 1,
		     "s1%c%" PRIu64 "%c%" PRIu64 "%c%" PRIu64 "%c%" PRIu64 "%c%" PRIu64 "%c%" PRIu64
		     "%c%" PRIu64, 0, st->files, 0, st->funcs, 0, st->lines, 0, st->inlines, 0,
		     st->publics, 0, st->stack_cfi, 0, st->stack_win);
	if (m < 0 || (size_t)m >= cap - (size_t)n - 1)
		return 0;
	return (size_t)n + 1 + (size_t)m + 1;
}

/* The optional stats block after the 13 fields at p (up to end). */
static void record_decode_stats(const char *p, const char *end, struct sym_record *r)
{
	uint64_t v[7];
	const char *z;
	char *e;
	int i;

	z = memchr(p, '\0', (size_t)(end - p));
	if (!z || strcmp(p, "s1") != 0)
		return;
	p = z + 1;
	for (i = 0; i < 7; i++) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z || z == p)
			return;
		v[i] = strtoull(p, &e, 10);
		if (e != z)
			return;
		p = z + 1;
	}
	r->stats.files = v[0];
	r->stats.funcs = v[1];
	r->stats.lines = v[2];
	r->stats.inlines = v[3];
	r->stats.publics = v[4];
	r->stats.stack_cfi = v[5];
	r->stats.stack_win = v[6];
	r->has_stats = true;
}

static bool record_decode(const void *data, size_t n, struct sym_record *r)
{
	const char *p = data, *end = p + n;
	const char *f[13];
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 13; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			return false;
		f[i] = p;
		p = z + 1;
		if (p > end)
			return false;
	}
	if (strcmp(f[0], "r1") != 0 || strlen(f[1]) != 64)
		return false;
#define CP(dst, src) snprintf(dst, sizeof(dst), "%s", src)
	CP(r->hash, f[1]);
	r->size = strtoull(f[2], NULL, 10);
	r->gz_size = strtoull(f[3], NULL, 10);
	r->mtime = strtoull(f[4], NULL, 10);
	CP(r->debug_file, f[5]);
	CP(r->debug_id, f[6]);
	CP(r->code_file, f[7]);
	CP(r->code_id, f[8]);
	CP(r->os, f[9]);
	CP(r->arch, f[10]);
	CP(r->generator, f[11]);
	CP(r->uploader, f[12]);
#undef CP
	if (p < end)
		record_decode_stats(p, end, r);
	return true;
}

static int read_begin(struct sym_index *s, MDB_txn **txn)
{
	struct tls_txn *t;
	int rc;

	pthread_once(&txn_once, txn_key_init);
	t = pthread_getspecific(txn_key);
	if (t && t->s == s && t->txn) {
		rc = mdb_txn_renew(t->txn);
		if (rc == 0) {
			*txn = t->txn;
			return 0;
		}
		mdb_txn_abort(t->txn);
		t->txn = NULL;
	}
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return ENOMEM;
		pthread_setspecific(txn_key, t);
	} else if (t->txn) {
		mdb_txn_abort(t->txn);	/* a handle of another store */
		t->txn = NULL;
	}
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
	if (rc)
		return rc;
	t->s = s;
	*txn = t->txn;
	return 0;
}

static void read_end(MDB_txn *txn)
{
	mdb_txn_reset(txn);
}

static enum sym_code get_by_key(struct sym_index *s, MDB_dbi dbi, const char *key,
				MDB_val *out_val, char *copy, size_t copy_cap,
				struct sym_err *err)
{
	MDB_txn *txn;
	MDB_val k = { strlen(key), (void *)key };
	int rc = read_begin(s, &txn);

	if (rc)
		return mdb_fail(err, rc, "cannot start a read transaction");
	rc = mdb_get(txn, dbi, &k, out_val);
	if (rc == 0) {
		if (out_val->mv_size > copy_cap) {
			read_end(txn);
			return sym_fail(err, SYM_EFORMAT, "symbol index: oversized record for '%s'", key);
		}
		memcpy(copy, out_val->mv_data, out_val->mv_size);
		out_val->mv_data = copy;
	}
	read_end(txn);
	if (rc == MDB_NOTFOUND)
		return SYM_ENOTFOUND;
	if (rc)
		return mdb_fail(err, rc, "lookup failed");
	return SYM_OK;
}

enum sym_code index_get(struct sym_index *s, const char *debug_file, const char *debug_id,
			struct sym_record *rec, struct sym_err *err)
{
	char key[2048], buf[8192];
	MDB_val v;
	enum sym_code rc;

	if (!store_key(debug_file, debug_id, key, sizeof(key)))
		return SYM_ENOTFOUND;
	rc = get_by_key(s, s->syms, key, &v, buf, sizeof(buf), err);
	if (rc)
		return rc;
	if (!record_decode(v.mv_data, v.mv_size, rec))
		return sym_fail(err, SYM_EFORMAT, "symbol index: corrupt record for '%s'", key);
	return SYM_OK;
}

enum sym_code index_get_by_code(struct sym_index *s, const char *code_file, const char *code_id,
				struct sym_record *rec, struct sym_err *err)
{
	char key[2048], buf[8192];
	MDB_val v;
	enum sym_code rc;

	if (!store_key(code_file, code_id, key, sizeof(key)))
		return SYM_ENOTFOUND;
	rc = get_by_key(s, s->code, key, &v, key, sizeof(key) - 1, err);
	if (rc)
		return rc;
	key[v.mv_size] = '\0';
	rc = get_by_key(s, s->syms, key, &v, buf, sizeof(buf), err);
	if (rc)
		return rc;
	if (!record_decode(v.mv_data, v.mv_size, rec))
		return sym_fail(err, SYM_EFORMAT, "symbol index: corrupt record for '%s'", key);
	return SYM_OK;
}

static int missing_resolve(struct sym_index *s, MDB_txn *txn, const char *key, uint64_t when);
static int log_append(struct sym_index *s, MDB_txn *txn, const char *line, size_t n);

static int log_line(struct sym_index *s, MDB_txn *txn, const char *action,
		    const struct sym_record *rec)
{
	char line[4096];
	int n = snprintf(line, sizeof(line), "%llu %s %s %s %s %llu %s",
			 (unsigned long long)rec->mtime, action, rec->debug_file, rec->debug_id,
			 rec->hash, (unsigned long long)rec->size,
			 rec->uploader[0] ? rec->uploader : "-");

	return log_append(s, txn, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0);
}

/* A refused upload: one write transaction logs it ("refuse") and, when
 * the held record predates stats, writes them into it (the same record
 * otherwise, so what is served does not change).  Best effort: a failure
 * here does not change the answer. */
void index_refuse(struct sym_index *s, const char *key, const struct sym_record *rec,
		  const struct sym_record *held, bool add_stats)
{
	MDB_txn *txn;
	MDB_val k = { strlen(key), (void *)key }, v;
	struct sym_record cur;
	char buf[8192];
	size_t vlen;

	if (mdb_txn_begin(s->env, NULL, 0, &txn) != 0)
		return;
	if (log_line(s, txn, "refuse", rec) != 0)
		goto abort;
	if (add_stats && held->has_stats && mdb_get(txn, s->syms, &k, &v) == 0 &&
	    record_decode(v.mv_data, v.mv_size, &cur) && !cur.has_stats &&
	    strcmp(cur.hash, held->hash) == 0) {
		cur.stats = held->stats;
		cur.has_stats = true;
		vlen = record_encode(&cur, buf, sizeof(buf));
		v.mv_size = vlen;
		v.mv_data = buf;
		if (vlen && mdb_put(txn, s->syms, &k, &v, 0) != 0)
			goto abort;
	}
	mdb_txn_commit(txn);
	return;
abort:
	mdb_txn_abort(txn);
}

enum sym_code index_publish(struct sym_index *s, const char *key, struct sym_record *rec,
			    bool force, struct index_held *held,
			    void (*stats)(void *ctx, struct sym_record *r), void *ctx,
			    enum store_outcome *outcome, struct sym_err *err)
{
	char ckey[2048], buf[8192];
	MDB_txn *txn = NULL;
	MDB_val k = { strlen(key), (void *)key }, v, ov;
	struct sym_record cur;
	size_t vlen;
	int rc;

	if (!(vlen = record_encode(rec, buf, sizeof(buf))))
		return sym_fail(err, SYM_EFORMAT, "record too large");
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a write transaction");
	/* whether the key is held, decided inside the write transaction:
	 * writers are serialised, so concurrent first uploads of one key
	 * see one "new" and then "replaced" or "unchanged" */
	rc = mdb_get(txn, s->syms, &k, &ov);
	if (rc == MDB_NOTFOUND || (rc == 0 && !record_decode(ov.mv_data, ov.mv_size, &cur))) {
		held->known = false;
	} else if (rc) {
		goto lmdb;
	} else if (strcmp(cur.hash, rec->hash) == 0) {
		mdb_txn_abort(txn);
		*outcome = STORE_SAME;
		*rec = cur;
		return SYM_OK;
	} else {
		/* another upload may have replaced the file since the caller
		 * looked: compare with what is held now */
		if (!held->known || strcmp(cur.hash, held->rec.hash) != 0) {
			held->rec = cur;
			stats(ctx, &held->rec);
			held->poorer = symfile_compare(&held->rec.stats, &rec->stats, NULL, 0) < 0;
		}
		held->known = true;
		if (held->poorer && !force) {
			mdb_txn_abort(txn);
			index_refuse(s, key, rec, &held->rec, false);
			*outcome = STORE_REFUSED;
			return SYM_OK;
		}
	}
	if (!held->known)
		held->poorer = false;
	v.mv_size = vlen;
	v.mv_data = buf;
	if ((rc = mdb_put(txn, s->syms, &k, &v, 0)) != 0)
		goto lmdb;
	if ((rc = missing_resolve(s, txn, key, rec->mtime ? rec->mtime : 1)) != 0)
		goto lmdb;
	if (rec->code_id[0] && store_key(rec->code_file, rec->code_id, ckey, sizeof(ckey))) {
		MDB_val ck = { strlen(ckey), ckey }, cv = { strlen(key), (void *)key };
		if ((rc = mdb_put(txn, s->code, &ck, &cv, 0)) != 0)
			goto lmdb;
	}
	if ((rc = log_line(s, txn, !held->known ? "new" : held->poorer ? "force" : "replace", rec)) != 0)
		goto lmdb;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		goto lmdb;
	*outcome = !held->known ? STORE_NEW : held->poorer ? STORE_FORCED : STORE_REPLACED;
	return SYM_OK;
lmdb:
	if (txn)
		mdb_txn_abort(txn);
	return mdb_fail(err, rc, "cannot record the upload");
}

/* Appends one line to the upload log inside txn. */
static int log_append(struct sym_index *s, MDB_txn *txn, const char *line, size_t n)
{
	MDB_cursor *c;
	MDB_val lk, lv;
	uint64_t seq = 1;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->log, &c)) != 0)
		return rc;
	if (mdb_cursor_get(c, &lk, &lv, MDB_LAST) == 0 && lk.mv_size == sizeof(seq)) {
		memcpy(&seq, lk.mv_data, sizeof(seq));
		seq++;
	}
	mdb_cursor_close(c);
	lk.mv_size = sizeof(seq);
	lk.mv_data = &seq;
	lv.mv_size = n;
	lv.mv_data = (void *)line;
	return mdb_put(txn, s->log, &lk, &lv, 0);
}

enum sym_code index_delete(struct sym_index *s, const char *debug_file, const char *debug_id,
			   struct sym_record *old, struct sym_err *err)
{
	char key[2048], ckey[2048], line[4096];
	MDB_txn *txn;
	MDB_val k, v;
	int rc, n;

	if (!store_key(debug_file, debug_id, key, sizeof(key)))
		return SYM_ENOTFOUND;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a write transaction");
	k.mv_size = strlen(key);
	k.mv_data = key;
	rc = mdb_get(txn, s->syms, &k, &v);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return sym_fail(err, SYM_ENOTFOUND, "no symbol file %s/%s in the store", debug_file, debug_id);
	}
	if (rc || !record_decode(v.mv_data, v.mv_size, old)) {
		mdb_txn_abort(txn);
		return rc ? mdb_fail(err, rc, "lookup failed")
			  : sym_fail(err, SYM_EFORMAT, "symbol index: corrupt record for '%s'", key);
	}
	if ((rc = mdb_del(txn, s->syms, &k, NULL)) != 0)
		goto lmdb;
	if ((rc = missing_resolve(s, txn, key, 0)) != 0)	/* open again */
		goto lmdb;
	if (old->code_id[0] && store_key(old->code_file, old->code_id, ckey, sizeof(ckey))) {
		MDB_val ck = { strlen(ckey), ckey }, cv;
		/* only when it still names this file */
		if (mdb_get(txn, s->code, &ck, &cv) == 0 && cv.mv_size == strlen(key) &&
		    memcmp(cv.mv_data, key, cv.mv_size) == 0 &&
		    (rc = mdb_del(txn, s->code, &ck, NULL)) != 0)
			goto lmdb;
	}
	n = snprintf(line, sizeof(line), "%llu delete %s %s %s %llu -",
		     (unsigned long long)time(NULL), old->debug_file, old->debug_id, old->hash,
		     (unsigned long long)old->size);
	if ((rc = log_append(s, txn, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0)) != 0)
		goto lmdb;
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(err, rc, "cannot delete");
	return SYM_OK;
lmdb:
	mdb_txn_abort(txn);
	return mdb_fail(err, rc, "cannot delete");
}

/* ---- tokens ---------------------------------------------------------- */

void index_token_hash(const char *token, char out[65])
{
	struct sha256 h;
	uint8_t d[32];

	sha256_init(&h);
	sha256_update(&h, token, strlen(token));
	sha256_final(&h, d);
	sha256_hex(d, out);
}

bool store_token_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && !strchr("._-@+:", *name))
			return false;
	return true;
}

bool store_token_scopes_ok(const char *scopes, char *bad, size_t cap)
{
	static const char *const known[] = { "upload", "download" };
	const char *p = scopes;
	size_t i, l;

	if (!*p) {
		if (bad)
			snprintf(bad, cap, "%s", "");
		return false;
	}
	for (;;) {
		l = strcspn(p, ",");
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i]) == l && strncmp(known[i], p, l) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			if (bad)
				snprintf(bad, cap, "%.*s", (int)(l < 100 ? l : 100), p);
			return false;
		}
		if (!p[l])
			return true;
		p += l + 1;
	}
}

/* A token's record: "name\0scopes\0created\0" in stores written before
 * issue 17, then "expires\0last_used\0revoked\0".  false when malformed. */
static bool token_decode(const void *data, size_t n, struct store_token *t)
{
	const char *p = data, *end = p + n, *f[6];
	int nf = 0;

	memset(t, 0, sizeof(*t));
	if (n == 0 || p[n - 1] != '\0')
		return false;
	while (p < end && nf < 6) {
		f[nf++] = p;
		p += strlen(p) + 1;
	}
	if (nf < 3 || strlen(f[0]) >= sizeof(t->name) || strlen(f[1]) >= sizeof(t->scopes))
		return false;
	strcpy(t->name, f[0]);
	strcpy(t->scopes, f[1]);
	t->created = strtoull(f[2], NULL, 10);
	if (nf > 3)
		t->expires = strtoull(f[3], NULL, 10);
	if (nf > 4)
		t->last_used = strtoull(f[4], NULL, 10);
	if (nf > 5)
		t->revoked = strtoull(f[5], NULL, 10);
	return true;
}

/* The record into buf[cap]; its size with the last NUL, 0 when it does
 * not fit. */
static size_t token_encode(const struct store_token *t, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s%c%s%c%llu%c%llu%c%llu%c%llu", t->name, 0, t->scopes, 0,
			 (unsigned long long)t->created, 0, (unsigned long long)t->expires, 0,
			 (unsigned long long)t->last_used, 0, (unsigned long long)t->revoked);

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n + 1;
}

static bool has_scope(const char *scopes, const char *scope)
{
	size_t sl = strlen(scope), l;
	const char *p = scopes;

	for (;;) {
		l = strcspn(p, ",");
		if (l == sl && strncmp(p, scope, l) == 0)
			return true;
		if (!p[l])
			return false;
		p += l + 1;
	}
}

enum sym_code index_token_add(struct sym_index *s, const char *name, const char *scopes,
			      uint64_t expires, char out[65], struct sym_err *err)
{
	struct store_token t, old;
	uint8_t raw[32];
	char hash[65], val[512], bad[128];
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	size_t n;
	int rc;

	if (!store_token_name_ok(name))
		return sym_fail(err, SYM_EUSAGE,
				"bad token name '%.100s': 1 to 64 letters, digits and . _ - @ + :", name);
	if (!store_token_scopes_ok(scopes, bad, sizeof(bad)))
		return sym_fail(err, SYM_EUSAGE, "unknown scope '%s' in '%.100s': the scopes are %s",
				bad, scopes, STORE_TOKEN_SCOPES);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.scopes, sizeof(t.scopes), "%s", scopes);
	t.created = (uint64_t)time(NULL);
	t.expires = expires;
	if (!(n = token_encode(&t, val, sizeof(val))))
		return sym_fail(err, SYM_EUSAGE, "token name or scopes too long");
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return sym_fail(err, SYM_EIO, "no randomness for a token: %s", strerror(errno));
	sha256_hex(raw, out);
	index_token_hash(out, hash);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a write transaction");
	/* names are unique among the tokens in force */
	if ((rc = mdb_cursor_open(txn, s->tokens, &c)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(err, rc, "cannot read the tokens");
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if (token_decode(v.mv_data, v.mv_size, &old) && !old.revoked &&
		    strcmp(old.name, name) == 0) {
			mdb_cursor_close(c);
			mdb_txn_abort(txn);
			return sym_fail(err, SYM_EEXIST,
					"a token named '%s' exists already: choose another name, "
					"or revoke it first ('symserver token revoke %s')", name, name);
		}
	mdb_cursor_close(c);
	k.mv_size = 64;
	k.mv_data = hash;
	v.mv_size = n;
	v.mv_data = val;
	if ((rc = mdb_put(txn, s->tokens, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(err, rc, "cannot store the token");
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(err, rc, "cannot store the token");
	return SYM_OK;
}

/* Records now as the last use of the token whose hash is hash, in one
 * write transaction.  Best effort: a failure only leaves the old time. */
static void token_touch(struct sym_index *s, const char *hash, uint64_t now)
{
	struct store_token t;
	char val[512];
	MDB_txn *txn;
	MDB_val k, v;
	size_t n;

	if (mdb_txn_begin(s->env, NULL, 0, &txn) != 0)
		return;
	k.mv_size = 64;
	k.mv_data = (void *)hash;
	if (mdb_get(txn, s->tokens, &k, &v) != 0 || !token_decode(v.mv_data, v.mv_size, &t) ||
	    t.last_used >= now) {
		mdb_txn_abort(txn);
		return;
	}
	t.last_used = now;
	n = token_encode(&t, val, sizeof(val));
	v.mv_size = n;
	v.mv_data = val;
	if (!n || mdb_put(txn, s->tokens, &k, &v, 0) != 0) {
		mdb_txn_abort(txn);
		return;
	}
	mdb_txn_commit(txn);
}

enum store_token_status index_token_lookup(struct sym_index *s, const char *token,
					   const char *scope, uint64_t now,
					   struct store_token *info)
{
	struct store_token t;
	enum store_token_status st = TOKEN_UNKNOWN;
	char hash[65];
	MDB_txn *txn;
	MDB_val k, v;
	size_t i;

	if (!token || strlen(token) != 64)
		return TOKEN_UNKNOWN;
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)token[i]))
			return TOKEN_UNKNOWN;
	index_token_hash(token, hash);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return TOKEN_UNKNOWN;
	k.mv_size = 64;
	k.mv_data = hash;
	if (mdb_get(txn, s->tokens, &k, &v) != 0 || !token_decode(v.mv_data, v.mv_size, &t)) {
		mdb_txn_abort(txn);
		return TOKEN_UNKNOWN;
	}
	mdb_txn_abort(txn);
	if (t.revoked)
		st = TOKEN_REVOKED;
	else if (t.expires && now >= t.expires)
		st = TOKEN_EXPIRED;
	else if (scope && !has_scope(t.scopes, scope))
		st = TOKEN_NO_SCOPE;
	else
		st = TOKEN_OK;
	/* a valid token was used: at most one write a minute per token */
	if ((st == TOKEN_OK || st == TOKEN_NO_SCOPE) &&
	    (t.last_used > now || now - t.last_used >= 60)) {
		token_touch(s, hash, now);
		t.last_used = now;
	}
	if (info)
		*info = t;
	return st;
}

enum sym_code index_token_revoke(struct sym_index *s, const char *name, struct sym_err *err)
{
	struct store_token t;
	char val[512];
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	size_t n;
	int rc, found = 0, done = 0;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a write transaction");
	if ((rc = mdb_cursor_open(txn, s->tokens, &c)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(err, rc, "cannot read the tokens");
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (!token_decode(v.mv_data, v.mv_size, &t) || strcmp(t.name, name) != 0)
			continue;
		found++;
		if (t.revoked)
			continue;
		t.revoked = (uint64_t)time(NULL);
		n = token_encode(&t, val, sizeof(val));
		v.mv_size = n;
		v.mv_data = val;
		if (!n || (rc = mdb_cursor_put(c, &k, &v, MDB_CURRENT)) != 0) {
			mdb_cursor_close(c);
			mdb_txn_abort(txn);
			return mdb_fail(err, n ? rc : MDB_BAD_VALSIZE, "cannot revoke the token");
		}
		done++;
	}
	mdb_cursor_close(c);
	if (!done) {
		mdb_txn_abort(txn);
		if (found)
			return sym_fail(err, SYM_EEXIST, "the token '%s' is revoked already", name);
		return sym_fail(err, SYM_ENOTFOUND,
				"no token named '%s' ('symserver token list' shows them)", name);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(err, rc, "cannot revoke the token");
	return SYM_OK;
}

enum sym_code index_token_each(struct sym_index *s,
			       int (*fn)(void *ctx, const char *hash, const struct store_token *t),
			       void *ctx, struct sym_err *err)
{
	struct store_token t;
	char hash[65];
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a read transaction");
	if ((rc = mdb_cursor_open(txn, s->tokens, &c)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(err, rc, "cannot read the tokens");
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 64 || !token_decode(v.mv_data, v.mv_size, &t))
			continue;
		memcpy(hash, k.mv_data, 64);
		hash[64] = '\0';
		if (fn(ctx, hash, &t))
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return SYM_OK;
}

enum sym_code index_token_merge(struct sym_index *s, const char *hash, const struct store_token *in,
				bool *changed, struct sym_err *err)
{
	struct store_token t;
	char val[512];
	MDB_txn *txn;
	MDB_val k, v;
	size_t n;
	int rc;

	*changed = false;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a write transaction");
	k.mv_size = 64;
	k.mv_data = (void *)hash;
	if ((rc = mdb_get(txn, s->tokens, &k, &v)) == 0 && token_decode(v.mv_data, v.mv_size, &t)) {
		/* known: only a revocation is news (last use stays this node's) */
		if (t.revoked || !in->revoked) {
			mdb_txn_abort(txn);
			return SYM_OK;
		}
		t.revoked = in->revoked;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return mdb_fail(err, rc, "cannot read the tokens");
	} else {
		t = *in;
		t.last_used = 0;
	}
	if (!(n = token_encode(&t, val, sizeof(val)))) {
		mdb_txn_abort(txn);
		return sym_fail(err, SYM_EFORMAT, "token record too long");
	}
	v.mv_size = n;
	v.mv_data = val;
	if ((rc = mdb_put(txn, s->tokens, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(err, rc, "cannot store the token");
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(err, rc, "cannot store the token");
	*changed = true;
	return SYM_OK;
}

static int token_cmp(const void *a, const void *b)
{
	const struct store_token *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->created < y->created ? -1 : x->created > y->created;
}

struct token_vec {
	struct store_token *v;
	size_t n, cap;
	bool nomem;
};

static int token_push(void *ctx, const char *hash, const struct store_token *t)
{
	struct token_vec *tv = ctx;
	struct store_token *nv;

	(void)hash;
	if (tv->n == tv->cap) {
		size_t cap = tv->cap ? tv->cap * 2 : 16;
		if (!(nv = realloc(tv->v, cap * sizeof(*nv)))) {
			tv->nomem = true;
			return 1;
		}
		tv->v = nv;
		tv->cap = cap;
	}
	tv->v[tv->n++] = *t;
	return 0;
}

enum sym_code index_token_list(struct sym_index *s, struct store_token **out, size_t *n,
			       struct sym_err *err)
{
	struct token_vec tv = { NULL, 0, 0, false };
	enum sym_code rc;

	*out = NULL;
	*n = 0;
	if ((rc = index_token_each(s, token_push, &tv, err)) != SYM_OK || tv.nomem) {
		free(tv.v);
		return rc != SYM_OK ? rc : sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	if (tv.n)
		qsort(tv.v, tv.n, sizeof(*tv.v), token_cmp);
	*out = tv.v;
	*n = tv.n;
	return SYM_OK;
}

/* A read transaction and a cursor on dbi; on failure err says what could
 * not be read. */
static enum sym_code read_cursor(struct sym_index *s, MDB_dbi dbi, MDB_txn **txn, MDB_cursor **c,
				 const char *what, struct sym_err *err)
{
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn)) != 0)
		return mdb_fail(err, rc, "cannot start a read transaction");
	if ((rc = mdb_cursor_open(*txn, dbi, c)) != 0) {
		mdb_txn_abort(*txn);
		return mdb_fail(err, rc, what);
	}
	return SYM_OK;
}

enum sym_code index_stats(struct sym_index *s, struct store_stats *st, struct sym_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	memset(st, 0, sizeof(*st));
	if (read_cursor(s, s->syms, &txn, &c, "cannot read the index", err) != SYM_OK)
		return err->code;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct sym_record r;
		if (record_decode(v.mv_data, v.mv_size, &r)) {
			st->files++;
			st->bytes += r.size;
			st->gz_bytes += r.gz_size;
		}
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return SYM_OK;
}

enum sym_code index_each(struct sym_index *s,
			 int (*fn)(void *ctx, const char *key, const struct sym_record *rec),
			 void *ctx, struct sym_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (read_cursor(s, s->syms, &txn, &c, "cannot read the index", err) != SYM_OK)
		return err->code;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct sym_record r;
		char key[2048];

		snprintf(key, sizeof(key), "%.*s", (int)(k.mv_size < 2000 ? k.mv_size : 2000),
			 (const char *)k.mv_data);
		if (fn(ctx, key, record_decode(v.mv_data, v.mv_size, &r) ? &r : NULL))
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return SYM_OK;
}
/* ---- missing symbols ------------------------------------------------- */

/* "m1\0debug_file\0debug_id\0code_file\0code_id\0misses\0crashes\0first\0
 * last\0resolved_at\0" */
static size_t miss_encode(const struct store_miss *m, uint64_t resolved_at, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "m1%c%s%c%s%c%s%c%s%c%" PRIu64 "%c%" PRIu64 "%c%" PRIu64
			 "%c%" PRIu64 "%c%" PRIu64, 0, m->debug_file, 0, m->debug_id, 0,
			 m->code_file, 0, m->code_id, 0, m->misses, 0, m->crashes, 0,
			 m->first_seen, 0, m->last_seen, 0, resolved_at);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n + 1;
}

static bool miss_decode(const void *data, size_t n, struct store_miss *m)
{
	const char *p = data, *end = p + n, *f[10];
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < 10; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			return false;
		f[i] = p;
		p = z + 1;
	}
	if (strcmp(f[0], "m1") != 0)
		return false;
	snprintf(m->debug_file, sizeof(m->debug_file), "%s", f[1]);
	snprintf(m->debug_id, sizeof(m->debug_id), "%s", f[2]);
	snprintf(m->code_file, sizeof(m->code_file), "%s", f[3]);
	snprintf(m->code_id, sizeof(m->code_id), "%s", f[4]);
	m->misses = strtoull(f[5], NULL, 10);
	m->crashes = strtoull(f[6], NULL, 10);
	m->first_seen = strtoull(f[7], NULL, 10);
	m->last_seen = strtoull(f[8], NULL, 10);
	m->resolved_at = strtoull(f[9], NULL, 10);
	m->status = m->resolved_at ? MISS_RESOLVED : MISS_OPEN;
	return true;
}

/* Inside a write transaction: an upload of key resolves its missing entry
 * (when = the upload time); a delete (when = 0) opens it again. */
static int missing_resolve(struct sym_index *s, MDB_txn *txn, const char *key, uint64_t when)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	struct store_miss m;
	char buf[2048];
	size_t n;
	int rc = mdb_get(txn, s->missing, &k, &v);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (!miss_decode(v.mv_data, v.mv_size, &m) || (when ? m.resolved_at != 0 : m.resolved_at == 0))
		return 0;
	n = miss_encode(&m, when, buf, sizeof(buf));
	if (!n)
		return 0;
	v.mv_size = n;
	v.mv_data = buf;
	return mdb_put(txn, s->missing, &k, &v, 0);
}

enum sym_code index_missing_add(struct sym_index *s, const struct store_miss *d, size_t n,
				struct sym_err *err)
{
	MDB_txn *txn;
	size_t i;
	int rc;

	if (!n)
		return SYM_OK;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a write transaction");
	for (i = 0; i < n; i++) {
		char key[1024], buf[2048];
		MDB_val k, v;
		struct store_miss m;
		uint64_t resolved = 0;
		size_t len;

		if (!d[i].debug_file[0] || !d[i].debug_id[0] ||
		    !store_key(d[i].debug_file, d[i].debug_id, key, sizeof(key)))
			continue;
		k.mv_size = strlen(key);
		k.mv_data = key;
		rc = mdb_get(txn, s->missing, &k, &v);
		if (rc == 0 && miss_decode(v.mv_data, v.mv_size, &m)) {
			resolved = m.resolved_at;
			m.misses += d[i].misses;
			m.crashes += d[i].crashes;
			if (d[i].first_seen && (!m.first_seen || d[i].first_seen < m.first_seen))
				m.first_seen = d[i].first_seen;
			if (d[i].last_seen > m.last_seen)
				m.last_seen = d[i].last_seen;
			if (!m.code_file[0])
				snprintf(m.code_file, sizeof(m.code_file), "%s", d[i].code_file);
			if (!m.code_id[0])
				snprintf(m.code_id, sizeof(m.code_id), "%s", d[i].code_id);
		} else if (rc == 0 || rc == MDB_NOTFOUND) {
			MDB_val sv;
			m = d[i];
			/* published between the miss and this flush */
			if (mdb_get(txn, s->syms, &k, &sv) == 0) {
				struct sym_record r;
				if (record_decode(sv.mv_data, sv.mv_size, &r))
					resolved = r.mtime ? r.mtime : 1;
			}
		} else {
			goto lmdb;
		}
		len = miss_encode(&m, resolved, buf, sizeof(buf));
		if (!len)
			continue;
		v.mv_size = len;
		v.mv_data = buf;
		if ((rc = mdb_put(txn, s->missing, &k, &v, 0)) != 0)
			goto lmdb;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(err, rc, "cannot record missing symbols");
	return SYM_OK;
lmdb:
	mdb_txn_abort(txn);
	return mdb_fail(err, rc, "cannot record missing symbols");
}

struct patterns {
	char **p;
	size_t n;
};

static void patterns_free(struct patterns *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->p[i]);
	free(ps->p);
}

static int patterns_load(struct sym_index *s, MDB_txn *txn, struct patterns *ps)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if ((rc = mdb_cursor_open(txn, s->ignore, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char **q = realloc(ps->p, (ps->n + 1) * sizeof(*q));
		char *str = malloc(k.mv_size + 1);
		if (!q || !str) {
			free(str);
			if (q)
				ps->p = q;
			mdb_cursor_close(c);
			return ENOMEM;
		}
		ps->p = q;
		memcpy(str, k.mv_data, k.mv_size);
		str[k.mv_size] = '\0';
		ps->p[ps->n++] = str;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

enum sym_code index_missing_each(struct sym_index *s,
				 int (*fn)(void *ctx, const struct store_miss *m), void *ctx,
				 struct sym_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	struct store_miss m;
	int rc;

	if (read_cursor(s, s->missing, &txn, &c, "cannot read the missing symbols", err) != SYM_OK)
		return err->code;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if (miss_decode(v.mv_data, v.mv_size, &m) && fn(ctx, &m))
			break;
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return mdb_fail(err, rc, "cannot list the missing symbols");
	return SYM_OK;
}

void index_ids_of(struct sym_index *s, const char *debug_file, const char *except_id,
		  char *out, size_t cap)
{
	char prefix[300];
	size_t pl, i, o = 0;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	out[0] = '\0';
	pl = strlen(debug_file);
	if (pl + 2 > sizeof(prefix))
		return;
	for (i = 0; i < pl; i++)
		prefix[i] = (char)tolower((unsigned char)debug_file[i]);
	prefix[pl++] = '/';
	prefix[pl] = '\0';
	if (read_begin(s, &txn) != 0)
		return;
	if (mdb_cursor_open(txn, s->syms, &c) != 0) {
		read_end(txn);
		return;
	}
	k.mv_size = pl;
	k.mv_data = prefix;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		size_t il;
		if (k.mv_size <= pl || memcmp(k.mv_data, prefix, pl) != 0)
			break;
		il = k.mv_size - pl;
		if (il == strlen(except_id) &&
		    strncasecmp((const char *)k.mv_data + pl, except_id, il) == 0)
			continue;
		if (o + il + 2 > cap)
			break;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, (const char *)k.mv_data + pl, il);
		o += il;
		out[o] = '\0';
	}
	mdb_cursor_close(c);
	read_end(txn);
}

static enum sym_code ignore_change(struct sym_index *s, const char *pattern, bool add,
				   struct sym_err *err)
{
	MDB_txn *txn;
	MDB_val k = { strlen(pattern), (void *)pattern }, v;
	char when[32];
	int rc, n;

	if (!pattern[0] || strlen(pattern) > 500)
		return sym_fail(err, SYM_EUSAGE, "a pattern is 1 to 500 characters");
	n = snprintf(when, sizeof(when), "%lld", (long long)time(NULL));
	v.mv_size = (size_t)n;
	v.mv_data = when;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a write transaction");
	rc = add ? mdb_put(txn, s->ignore, &k, &v, 0) : mdb_del(txn, s->ignore, &k, NULL);
	if (rc) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND)
			return sym_fail(err, SYM_ENOTFOUND, "'%s' is not on the ignore list", pattern);
		return mdb_fail(err, rc, "cannot change the ignore list");
	}
	/* a failed commit has ended the transaction already */
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(err, rc, "cannot change the ignore list");
	return SYM_OK;
}

enum sym_code index_ignore_add(struct sym_index *s, const char *pattern, struct sym_err *err)
{
	return ignore_change(s, pattern, true, err);
}

enum sym_code index_ignore_remove(struct sym_index *s, const char *pattern, struct sym_err *err)
{
	return ignore_change(s, pattern, false, err);
}

enum sym_code index_ignore_list(struct sym_index *s, void (*fn)(void *ctx, const char *pattern),
				void *ctx, struct sym_err *err)
{
	MDB_txn *txn;
	struct patterns ps;
	size_t i;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_fail(err, rc, "cannot start a read transaction");
	rc = patterns_load(s, txn, &ps);
	mdb_txn_abort(txn);
	if (rc) {
		patterns_free(&ps);
		return mdb_fail(err, rc, "cannot read the ignore list");
	}
	for (i = 0; i < ps.n; i++)
		fn(ctx, ps.p[i]);
	patterns_free(&ps);
	return SYM_OK;
}

/* ---- the upload log ---------------------------------------------------- */

static bool log_parse(const char *line, size_t len, struct store_log_entry *e)
{
	char buf[4096], *tok[64], *p, *save = NULL;
	int nt = 0, i;
	size_t o = 0;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (p = strtok_r(buf, " ", &save); p && nt < 64; p = strtok_r(NULL, " ", &save))
		tok[nt++] = p;
	if (nt < 7)
		return false;
	e->time = strtoull(tok[0], NULL, 10);
	snprintf(e->action, sizeof(e->action), "%s", tok[1]);
	snprintf(e->uploader, sizeof(e->uploader), "%s", tok[nt - 1]);
	e->size = strtoull(tok[nt - 2], NULL, 10);
	snprintf(e->debug_id, sizeof(e->debug_id), "%s", tok[nt - 4]);
	e->debug_file[0] = '\0';
	for (i = 2; i < nt - 4; i++) {
		int w = snprintf(e->debug_file + o, sizeof(e->debug_file) - o, "%s%s",
				 i > 2 ? " " : "", tok[i]);
		if (w < 0 || (size_t)w >= sizeof(e->debug_file) - o)
			break;
		o += (size_t)w;
	}
	return true;
}

enum sym_code index_log_recent(struct sym_index *s, struct store_log_entry *out, size_t max,
			       size_t *n, struct sym_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*n = 0;
	if (read_cursor(s, s->log, &txn, &c, "cannot read the upload log", err) != SYM_OK)
		return err->code;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_LAST); rc == 0 && *n < max;
	     rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		struct store_log_entry *e = &out[*n];
		if (k.mv_size != sizeof(uint64_t) || !log_parse(v.mv_data, v.mv_size, e))
			continue;
		memcpy(&e->seq, k.mv_data, sizeof(uint64_t));
		(*n)++;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return SYM_OK;
}
