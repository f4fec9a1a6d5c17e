/* store.c - the store's front: uploads (checked, hashed and gzipped as
 * they arrive), publication, verification, and the index and blob backend
 * behind one interface (store.h).  index.c holds the LMDB index,
 * blob_fs.c the blobs. */
#include "config.h"
#include "store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "blob.h"
#include "blob_cache.h"
#include "blob_s3.h"
#include "fsutil.h"
#include "index.h"
#include "sha256.h"
#include "symtab.h"

#define KEY_LOCKS 64
/* a node writes its missing-symbol counts at most this often, and reads
 * the others' at most this often; each is at most MISS_MAX_BYTES */
#define MISS_PUBLISH_NS (5ull * 1000000000ull)
#define MISS_REMOTE_NS (5ull * 1000000000ull)
#define MISS_MAX_BYTES (256u << 20)
#define MISS_MAX_RECORDS 1000000	/* the other nodes' records held at once */
/* the tokens and the ignore list are read again this often even without
 * a change-log entry (one lost is then late, not lost) */
#define STATE_PULL_S 30

struct store {
	char *dir;			/* this node's directory: index/, tmp/ (and blobs/) */
	struct sym_index *index;
	struct blob_store *blobs;
	/* a keyed backend (S3) holds one object per key, replaced in place:
	 * what is decided about a key (which upload wins, whether the index
	 * follows the object) is decided by one thread of this node at a
	 * time, under the lock of the key's stripe */
	bool keyed;
	pthread_mutex_t key_mu[KEY_LOCKS];
	struct blob_store *remote;	/* the S3 backend behind blobs (owned by it) */
	/* the change log (over a bucket): this node's name in it, the
	 * sequence of its entries, and the thread that follows the others' */
	char node[17];
	uint64_t log_seq;
	pthread_mutex_t log_mu;
	struct follower *follow;
	/* missing-symbol counts: this node's changed since it last wrote
	 * them to the bucket (under log_mu), and the other nodes' as last
	 * read (under remote_mu) */
	bool miss_dirty;
	uint64_t miss_published;	/* ns */
	pthread_mutex_t remote_mu;
	struct s3_miss *remote_miss;
	size_t nremote_miss;
	uint64_t remote_miss_at;	/* ns; 0: never read */
	uint64_t log_retention_ns;
	/* changes of the index made by the store itself (records taken from
	 * the bucket, dropped), not through store_upload_commit() */
	uint64_t changes;	/* atomic */
	/* uploads build their symbolication lookup table as the text
	 * streams in (store_build_tables()) */
	bool build_tables;
	unsigned table_builds;	/* atomic: builders running (STORE_TABLE_BUILDS) */
};

/* names listed from the bucket (name_push()) */
struct names_vec {
	char **v;
	size_t n, cap;
	bool nomem;
};
static int name_push(void *ctx, const char *name, uint64_t size);

struct store_upload {
	struct store *s;
	struct blob_writer *w;
	z_stream z;
	bool zinit;
	struct sha256 sha;
	struct symcheck check;
	uint64_t size, limit;
	bool force;		/* may replace a richer file */
	struct symtab_builder *tb;	/* the lookup table, built as the text comes */
	unsigned char out[65536];
};

/* The node's name in the bucket (change log, missing counts): 16 hex
 * digits chosen once and kept in DIR/node (a node restarted keeps its
 * name, so its counts are not counted twice; a directory copied to make
 * another node must lose that file). */
static enum sym_code node_name(struct store *s, struct sym_err *err)
{
	char path[4096], tmp[4200], buf[32];
	uint8_t r[8];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/node", s->dir);
	if ((f = fopen(path, "r"))) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (n >= 16 && strspn(buf, "0123456789abcdef") == 16 && (n == 16 || buf[16] == '\n')) {
			memcpy(s->node, buf, 16);
			s->node[16] = '\0';
			return SYM_OK;
		}
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a node name (16 hex digits): it names "
				"this node in the bucket; write the name back", path);
	}
	if (errno != ENOENT)
		return sym_fail(err, SYM_EIO, "cannot read '%s': %s", path, strerror(errno));
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return sym_fail(err, SYM_EIO, "no randomness for the node's name: %s", strerror(errno));
	for (i = 0; i < 8; i++)
		snprintf(s->node + 2 * i, 3, "%02x", r[i]);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w"))) {
		bool ok = fprintf(f, "%s\n", s->node) > 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
		if (fclose(f) == 0 && ok && rename(tmp, path) == 0)
			return SYM_OK;
	}
	i = errno;
	unlink(tmp);
	return sym_fail(err, SYM_EIO, "cannot write '%s': %s", path, strerror(i));
}

/* create: make the directories of a new store; else dir must hold one.
 * s3: the blobs are in that bucket, cached in DIR/cache. */
static enum sym_code open_store(struct store **out, const char *dir, bool create,
				const struct store_s3_config *s3, struct sym_err *err)
{
	struct blob_store *remote;
	int i;

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
	for (i = 0; i < KEY_LOCKS; i++)
		pthread_mutex_init(&s->key_mu[i], NULL);
	pthread_mutex_init(&s->log_mu, NULL);
	pthread_mutex_init(&s->remote_mu, NULL);
	snprintf(path, sizeof(path), "%s/index", dir);
	if (index_open(&s->index, path, create, err) != SYM_OK)
		goto fail;
	if (!s3) {
		if (blob_fs_open(&s->blobs, dir, create, err) != SYM_OK)
			goto fail;
	} else {
		struct blob_s3_config c = s3->s3;
		char tmp[4096], cache[4096];

		snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
		snprintf(cache, sizeof(cache), "%s/cache", dir);
		c.scratch_dir = tmp;
		if (mkdir_p(tmp, err) != SYM_OK || blob_s3_open(&remote, &c, err) != SYM_OK ||
		    blob_cache_open(&s->blobs, remote, s3->cache_dir ? s3->cache_dir : cache,
				    s3->cache_bytes, err) != SYM_OK)
			goto fail;
		s->keyed = true;
		s->remote = remote;
		s->log_retention_ns = (s3->log_retention_s ? s3->log_retention_s : 86400) * 1000000000ull;
		if (node_name(s, err) != SYM_OK)
			goto fail;
	}
	*out = s;
	return SYM_OK;
fail:
	store_close(s);
	return err->code;
}

enum sym_code store_open(struct store **out, const char *dir, struct sym_err *err)
{
	return open_store(out, dir, true, NULL, err);
}

enum sym_code store_open_existing(struct store **out, const char *dir, struct sym_err *err)
{
	return open_store(out, dir, false, NULL, err);
}

enum sym_code store_open_s3(struct store **out, const char *dir, const struct store_s3_config *c,
			    bool create, struct sym_err *err)
{
	return open_store(out, dir, create, c, err);
}

uint64_t store_changes(struct store *s)
{
	return __atomic_load_n(&s->changes, __ATOMIC_RELAXED);
}

bool store_is_remote(const struct store *s)
{
	return s->keyed;
}

void store_cache_stats(struct store *s, struct blob_cache_stats *st)
{
	blob_cache_stats(s->blobs, st);
}

bool store_remote_stats(struct store *s, struct blob_s3_stats *st)
{
	if (!s->remote)
		return false;
	blob_s3_stats(s->remote, st);
	return true;
}

static void follow_stop(struct store *s);

void store_close(struct store *s)
{
	int i;

	if (!s)
		return;
	follow_stop(s);
	index_close(s->index);
	blob_store_free(s->blobs);
	for (i = 0; i < KEY_LOCKS; i++)
		pthread_mutex_destroy(&s->key_mu[i]);
	pthread_mutex_destroy(&s->log_mu);
	pthread_mutex_destroy(&s->remote_mu);
	free(s->remote_miss);
	free(s->dir);
	free(s);
}

/* The lock of key's stripe; NULL for a store that is not keyed. */
static pthread_mutex_t *key_lock(struct store *s, const char *key)
{
	uint32_t h = 2166136261u;

	if (!s->keyed)
		return NULL;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return &s->key_mu[h % KEY_LOCKS];
}

static void lock(pthread_mutex_t *m)
{
	if (m)
		pthread_mutex_lock(m);
}

static void unlock(pthread_mutex_t *m)
{
	if (m)
		pthread_mutex_unlock(m);
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

unsigned store_sweep_tmp(struct store *s, const char *prefix, unsigned age_s)
{
	char dir[4096], path[4400];
	struct dirent *e;
	struct stat st;
	unsigned n = 0;
	size_t plen = strlen(prefix);
	time_t now = time(NULL);
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tmp", s->dir);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, plen) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime + (time_t)age_s < now &&
		    unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

enum sym_code store_table_path(struct store *s, const char *hash, char *path, size_t cap,
			       char *tmpdir, size_t tmpcap, struct sym_err *err)
{
	enum sym_code rc;
	size_t i;

	for (i = 0; hash[i]; i++)
		if (!isxdigit((unsigned char)hash[i]))
			break;
	if (i != 64 || hash[i])
		return sym_fail(err, SYM_EUSAGE, "malformed blob hash '%.80s'", hash);
	if ((size_t)snprintf(path, cap, "%s/tables/%.2s", s->dir, hash) >= cap ||
	    (size_t)snprintf(tmpdir, tmpcap, "%s/tmp", s->dir) >= tmpcap)
		return sym_fail(err, SYM_EUSAGE, "store path too long");
	if ((rc = mkdir_p(path, err)) != SYM_OK)
		return rc;
	snprintf(path, cap, "%s/tables/%.2s/%s.symt", s->dir, hash, hash);
	return SYM_OK;
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
	k->size = rec->gz_size;
	return k;
}

static enum sym_code adopt(struct store *s, const char *debug_file, const char *debug_id,
			   struct sym_record *rec, struct sym_err *err);
static void log_change(struct store *s, const char *op, const struct sym_record *rec);
static void forget(struct store *s, const char *debug_file, const char *debug_id,
		   const char *hash);

enum sym_code store_blob_open(struct store *s, const struct sym_record *rec,
			      struct blob_reader **out, struct sym_err *err)
{
	struct blob_key k;
	struct sym_record now;
	struct sym_err e2;
	enum sym_code rc;
	pthread_mutex_t *m;
	char key[2048];

	rc = blob_open(s->blobs, rec_key(rec, &k), out, err);
	if (!s->keyed || (rc != SYM_ENOTFOUND && rc != SYM_EFORMAT) ||
	    !store_key(rec->debug_file, rec->debug_id, key, sizeof(key)))
		return rc;
	/* the bucket changed behind the index's back: the index follows it */
	m = key_lock(s, key);
	lock(m);
	sym_err_clear(&e2);
	/* another reader may have made the index follow already */
	if (index_get(s->index, rec->debug_file, rec->debug_id, &now, &e2) != SYM_OK ||
	    strcmp(now.hash, rec->hash) != 0) {
		unlock(m);
		sym_err_clear(err);
		return sym_fail(err, SYM_ESTALE, "%s/%s changed in the bucket", rec->debug_file,
				rec->debug_id);
	}
	sym_err_clear(&e2);
	sym_err_clear(err);
	if (rc == SYM_ENOTFOUND) {
		forget(s, rec->debug_file, rec->debug_id, rec->hash);
		rc = sym_fail(err, SYM_ENOTFOUND, "%s/%s is no longer in the bucket", rec->debug_file,
			      rec->debug_id);
	} else {
		rc = adopt(s, rec->debug_file, rec->debug_id, &now, &e2);
		if (rc == SYM_EFORMAT || rc == SYM_ENOTFOUND) {
			/* replaced by something that is no symbol file of the
			 * key, or removed since: not served (until an upload) */
			forget(s, rec->debug_file, rec->debug_id, rec->hash);
			rc = sym_fail(err, SYM_ENOTFOUND, "%s/%s in the bucket is no longer its symbol file: %s",
				      rec->debug_file, rec->debug_id, e2.msg);
		} else {
			rc = rc == SYM_OK ? SYM_ESTALE : SYM_EIO;
			sym_fail(err, rc, "%s/%s was replaced in the bucket%s%s", rec->debug_file,
				 rec->debug_id, rc == SYM_EIO ? ": " : "", rc == SYM_EIO ? e2.msg : "");
		}
	}
	unlock(m);
	return rc;
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

/* Ends u's table build without a table. */
static void table_drop(struct store_upload *u)
{
	if (!u->tb)
		return;
	symtab_build_abort(u->tb);
	u->tb = NULL;
	__atomic_fetch_sub(&u->s->table_builds, 1, __ATOMIC_RELAXED);
}

/* Writes u's table as the one of rec (a file just published, or the same
 * file held already) unless one of that content exists; a failure only
 * leaves it to be built from the blob. */
static void table_finish(struct store_upload *u, const struct sym_record *rec)
{
	char path[4096], tmp[4096];
	struct sym_err terr;
	struct stat st;

	if (!u->tb)
		return;
	sym_err_clear(&terr);
	if (store_table_path(u->s, rec->hash, path, sizeof(path), tmp, sizeof(tmp), &terr) !=
		    SYM_OK ||
	    stat(path, &st) == 0) {
		table_drop(u);
		return;
	}
	symtab_build_finish(u->tb, path, &terr);	/* frees the builder */
	u->tb = NULL;
	__atomic_fetch_sub(&u->s->table_builds, 1, __ATOMIC_RELAXED);
}

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
	if (s->build_tables &&
	    __atomic_add_fetch(&s->table_builds, 1, __ATOMIC_RELAXED) <= STORE_TABLE_BUILDS) {
		char tmp[4096];
		struct sym_err terr;

		/* none when it cannot start: built from the blob later */
		snprintf(tmp, sizeof(tmp), "%s/tmp", s->dir);
		sym_err_clear(&terr);
		if (symtab_build_begin(&u->tb, tmp, &terr) != SYM_OK)
			u->tb = NULL;
	}
	if (s->build_tables && !u->tb)
		__atomic_fetch_sub(&s->table_builds, 1, __ATOMIC_RELAXED);
	*out = u;
	return SYM_OK;
}

void store_build_tables(struct store *s, bool on)
{
	s->build_tables = on;
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
	if (u->tb) {
		struct sym_err terr;

		sym_err_clear(&terr);
		if (symtab_build_feed(u->tb, data, n, &terr) != SYM_OK)
			table_drop(u);	/* the upload goes on without it */
	}
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
	table_drop(u);
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

/* What reading a blob through inflate_blob() found. */
enum inflated { INFLATED, INFLATE_EREAD, INFLATE_EGZIP, INFLATE_EREFUSED, INFLATE_ENOMEM };

/* Reads r to its end, inflating the gzip stream in it and giving each
 * piece of content to fn (false from fn stops the read: INFLATE_EREFUSED).
 * *gz gets the bytes read up to the end of the stream, *extra those
 * after it (a second member, junk). */
static enum inflated inflate_blob(struct blob_reader *r,
				  bool (*fn)(void *ctx, const unsigned char *p, size_t n), void *ctx,
				  uint64_t *gz, uint64_t *extra)
{
	unsigned char in[65536], out[65536];
	enum inflated res = INFLATED;
	z_stream z;
	int zr = Z_OK;
	ssize_t n = 0;

	*gz = *extra = 0;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return INFLATE_ENOMEM;
	while (res == INFLATED && zr != Z_STREAM_END && (n = blob_read(r, in, sizeof(in))) > 0) {
		z.next_in = in;
		z.avail_in = (uInt)n;
		while (res == INFLATED && z.avail_in && zr != Z_STREAM_END) {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END)
				res = INFLATE_EGZIP;
			else if (!fn(ctx, out, sizeof(out) - z.avail_out))
				res = INFLATE_EREFUSED;
		}
		*gz += (uint64_t)n - z.avail_in;
		*extra = z.avail_in;
	}
	while (res == INFLATED && n > 0 && (n = blob_read(r, in, sizeof(in))) > 0)
		*extra += (uint64_t)n;
	inflateEnd(&z);
	if (res == INFLATED && n < 0)
		res = INFLATE_EREAD;
	if (res == INFLATED && zr != Z_STREAM_END)
		res = INFLATE_EGZIP;
	return res;
}

/* inflate_blob() callbacks */
static bool feed_check(void *ctx, const unsigned char *p, size_t n)
{
	return symcheck_feed(ctx, p, n);
}

struct hashing {
	struct sha256 sha;
	uint64_t size;
	struct symcheck *check;	/* NULL: hash only */
};

static bool feed_hash(void *ctx, const unsigned char *p, size_t n)
{
	struct hashing *h = ctx;

	if (h->check && !symcheck_feed(h->check, p, n))
		return false;
	sha256_update(&h->sha, p, n);
	h->size += n;
	return true;
}

/* Counts what the blob of rec holds into *st.  false when the blob
 * is missing or broken (then the held file cannot be served anyway, and
 * any upload may replace it). */
static bool blob_stats(struct store *s, const struct sym_record *rec, struct symfile_stats *st)
{
	struct blob_reader *r = NULL;
	struct sym_err err;
	struct blob_key k;
	struct symcheck c;
	uint64_t gz, extra;
	bool ok;

	memset(st, 0, sizeof(*st));
	sym_err_clear(&err);
	if (blob_open(s->blobs, rec_key(rec, &k), &r, &err) != SYM_OK)
		return false;
	symcheck_init(&c);
	ok = inflate_blob(r, feed_check, &c, &gz, &extra) == INFLATED && symcheck_finish(&c);
	if (ok)
		*st = c.stats;
	symcheck_release(&c);
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

/* rec from a checked .sym file: its header h, its hash, sizes and stats. */
static void record_from(struct sym_record *rec, const struct symfile_header *h,
			const uint8_t digest[32], uint64_t size, uint64_t gz_size,
			const struct symfile_stats *stats, const char *uploader)
{
	memset(rec, 0, sizeof(*rec));
	sha256_hex(digest, rec->hash);
	rec->size = size;
	rec->gz_size = gz_size;
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
	rec->stats = *stats;
	rec->has_stats = true;
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
	pthread_mutex_t *m = NULL;
	enum sym_code rc;
	bool renamed = false;
	char names[2][1024];

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

	record_from(rec, h, digest, u->size, u->z.total_out, &u->check.stats, uploader);

	if (!store_key(rec->debug_file, rec->debug_id, key, sizeof(key))) {
		sym_fail(err, SYM_EFORMAT, "debug file name too long");
		goto fail;
	}
	/* a keyed backend: from the look at what is held to the index
	 * write, this thread alone decides about the key */
	m = key_lock(s, key);
	lock(m);
	if (store_get(s, rec->debug_file, rec->debug_id, &held.rec, err) == SYM_OK) {
		held.known = true;
		if (strcmp(held.rec.hash, rec->hash) == 0) {
			*outcome = STORE_SAME;
			*rec = held.rec;
			unlock(m);
			table_finish(u, rec);	/* held without a table: it has one now */
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
			unlock(m);
			store_upload_abort(u);
			return SYM_OK;
		}
	}

	/* the blob, durably, then one write transaction for the index; a
	 * failure between them leaves at worst an unreferenced blob (a
	 * keyed backend: an object the index does not know, which the next
	 * upload of the key or a sync sees) */
	w = u->w;
	u->w = NULL;
	if (!s->keyed) {
		rc = blob_commit(w, rec_key(rec, &k), &rec->gz_size, err);
	} else {
		/* over a bucket the object is the truth: another node or tool
		 * may have created or replaced it since the index was told.
		 * A new key is created only if still absent (If-None-Match);
		 * a held one is checked (HEAD) before it is replaced.  When it
		 * changed, the index takes the bucket's object and the upload
		 * is decided against it, as against any held file. */
		bool force_put = false;
		int tries;
		for (tries = 0;; tries++) {
			struct sym_err e2;
			uint64_t bsize;
			char bhash[65];
			bool changed = false;

			sym_err_clear(&e2);
			/* the held file may have other cases in its names (the
			 * index folds case, object names do not): the upload is
			 * then a new object, and the old one goes (below) */
			renamed = held.known && (strcmp(held.rec.debug_file, rec->debug_file) != 0 ||
						 strcmp(held.rec.debug_id, rec->debug_id) != 0);
			if (held.known && !force_put) {
				rc = blob_s3_head(s->remote, held.rec.debug_file, held.rec.debug_id, &bsize,
						  bhash, &e2);
				if (rc == SYM_ENOTFOUND) {
					held.known = false;	/* gone: created anew */
				} else if (rc != SYM_OK) {
					blob_abort(w);
					sym_err_clear(err);
					sym_fail(err, rc, "%s", e2.msg);
					goto fail;
				} else if (bhash[0] ? strcmp(bhash, held.rec.hash) != 0 :
						      bsize != held.rec.gz_size) {
					changed = true;	/* (another tool's, without the header: by size) */
				}
			}
			if (!changed) {
				w->create_only = (!held.known || renamed) && !force_put;
				rc = blob_commit(w, rec_key(rec, &k), &rec->gz_size, err);
				if (rc != SYM_EEXIST)
					break;
				sym_err_clear(err);
			}
			if (tries >= 3) {
				blob_abort(w);
				rc = sym_fail(err, SYM_EIO, "%s/%s keeps changing in the bucket; try again",
					      rec->debug_file, rec->debug_id);
				break;
			}
			sym_err_clear(&e2);
			/* the object that changed: the held one (HEAD), or the
			 * one this upload would create (412) */
			snprintf(names[0], sizeof(names[0]), "%s", changed ? held.rec.debug_file : rec->debug_file);
			snprintf(names[1], sizeof(names[1]), "%s", changed ? held.rec.debug_id : rec->debug_id);
			rc = adopt(s, names[0], names[1], &held.rec, &e2);
			if (rc == SYM_ENOTFOUND) {	/* removed meanwhile */
				held.known = false;
				continue;
			}
			if (rc == SYM_EFORMAT) {	/* broken: any upload replaces it */
				held.known = false;
				force_put = true;
				continue;
			}
			if (rc != SYM_OK) {
				blob_abort(w);
				sym_fail(err, rc, "%s", e2.msg);
				goto fail;
			}
			held.known = true;
			if (strcmp(held.rec.hash, rec->hash) == 0) {
				/* ours, from an attempt whose answer was lost, or the
				 * same file from elsewhere: the log names it (again) */
				blob_abort(w);
				log_change(s, "put", &held.rec);
				*outcome = STORE_SAME;
				*rec = held.rec;
				unlock(m);
				table_finish(u, rec);
				store_upload_abort(u);
				return SYM_OK;
			}
			held.poorer = symfile_compare(&held.rec.stats, &rec->stats, NULL, 0) < 0;
			if (held.poorer && !u->force) {
				blob_abort(w);
				index_refuse(s->index, key, rec, &held.rec, false);
				*outcome = STORE_REFUSED;
				if (old_out)
					*old_out = held.rec;
				unlock(m);
				store_upload_abort(u);
				return SYM_OK;
			}
		}
	}
	if (rc != SYM_OK)
		goto fail;
	if (index_publish(s->index, key, rec, u->force, &held, held_stats, s, outcome, err) != SYM_OK)
		goto fail;
	if (s->keyed && *outcome != STORE_SAME && *outcome != STORE_REFUSED) {
		log_change(s, "put", rec);
		if (renamed) {	/* the object under the old cases goes */
			struct sym_err e3;
			struct blob_key ok;
			sym_err_clear(&e3);
			if (blob_remove(s->blobs, rec_key(&held.rec, &ok), &e3) == SYM_OK)
				log_change(s, "del", &held.rec);
		}
	}
	unlock(m);
	if (held.known && old_out && *outcome != STORE_SAME && *outcome != STORE_NEW)
		*old_out = held.rec;
	if (*outcome != STORE_REFUSED)
		table_finish(u, rec);
	store_upload_abort(u);
	return SYM_OK;
fail:
	unlock(m);
	store_upload_abort(u);
	return err->code ? err->code : SYM_EIO;
}

enum sym_code store_delete(struct store *s, const char *debug_file, const char *debug_id,
			   struct sym_record *old, struct sym_err *err)
{
	char key[2048];
	pthread_mutex_t *m;
	struct blob_key k;
	enum sym_code rc;

	if (!s->keyed || !store_key(debug_file, debug_id, key, sizeof(key)))
		return index_delete(s->index, debug_file, debug_id, old, err);
	/* the object first: a failure between the two leaves an index
	 * record without its object, which the next read drops */
	m = key_lock(s, key);
	lock(m);
	if ((rc = index_get(s->index, debug_file, debug_id, old, err)) == SYM_OK) {
		rc = blob_remove(s->blobs, rec_key(old, &k), err);
		if (rc == SYM_ENOTFOUND) {
			sym_err_clear(err);
			rc = SYM_OK;
		}
		if (rc == SYM_OK)
			rc = index_delete(s->index, debug_file, debug_id, old, err);
		if (rc == SYM_OK)
			log_change(s, "del", old);
	}
	unlock(m);
	return rc;
}

/* ---- a keyed backend: the index follows the bucket --------------------- */

/* Drops the record of the key when it names hash (any, when NULL).  With
 * the key's lock held; best effort. */
static void forget(struct store *s, const char *debug_file, const char *debug_id, const char *hash)
{
	struct sym_record cur, old;
	struct sym_err e;

	sym_err_clear(&e);
	if (index_get(s->index, debug_file, debug_id, &cur, &e) == SYM_OK &&
	    (!hash || strcmp(cur.hash, hash) == 0))
		if (index_delete(s->index, debug_file, debug_id, &old, &e) == SYM_OK)
			__atomic_add_fetch(&s->changes, 1, __ATOMIC_RELAXED);
}

static void no_stats(void *ctx, struct sym_record *r)
{
	(void)ctx;
	(void)r;
}

/* Reads the object held under debug_file/debug_id, checks that it is the
 * gzip of a .sym file whose MODULE record names that key, and makes the
 * index hold its record (*rec).  SYM_ENOTFOUND when there is no object
 * (the record, if any, is dropped), SYM_EFORMAT when it is not such a
 * file (the index is left as it was), SYM_EIO.  With the key's lock held. */
static enum sym_code adopt(struct store *s, const char *debug_file, const char *debug_id,
			   struct sym_record *rec, struct sym_err *err)
{
	struct blob_reader *r = NULL;
	struct index_held held;
	enum store_outcome outcome;
	struct symcheck c;
	struct hashing h;
	enum inflated res;
	uint8_t digest[32];
	uint64_t gz, extra;
	char key[2048], claimed[65], hex[65];
	bool ok;
	enum sym_code rc;

	/* from the bucket itself (not the cache): its hash header too */
	if ((rc = blob_open_any(s->remote, debug_file, debug_id, &r, err)) != SYM_OK) {
		if (rc == SYM_ENOTFOUND)
			forget(s, debug_file, debug_id, NULL);
		return rc;
	}
	snprintf(claimed, sizeof(claimed), "%s", blob_s3_reader_hash(r));
	symcheck_init(&c);
	memset(&h, 0, sizeof(h));
	sha256_init(&h.sha);
	h.check = &c;
	res = inflate_blob(r, feed_hash, &h, &gz, &extra);
	blob_close(r);
	if (res == INFLATE_EREAD || res == INFLATE_ENOMEM) {
		symcheck_release(&c);
		return sym_fail(err, res == INFLATE_EREAD ? SYM_EIO : SYM_ENOMEM,
				"cannot read the object of %s/%s", debug_file, debug_id);
	}
	ok = res == INFLATED && symcheck_finish(&c);
	/* the MODULE record names the key exactly (the index finds the
	 * object again under the names it records), and nothing follows
	 * the gzip stream (it would be served with the content hashed) */
	if (!ok || extra || strcmp(c.hdr.name, debug_file) != 0 || strcmp(c.hdr.debug_id, debug_id) != 0 ||
	    !store_name_ok(c.hdr.name) || !store_name_ok(c.hdr.debug_id)) {
		rc = sym_fail(err, SYM_EFORMAT,
			      "the object of %s/%s is not the gzip of that module's symbol file%s%s",
			      debug_file, debug_id, ok ? "" : ": ",
			      ok ? (extra ? ": data after the gzip stream" : "") :
			      c.error[0] ? c.error : "bad gzip");
		symcheck_release(&c);
		return rc;
	}
	sha256_final(&h.sha, digest);
	sha256_hex(digest, hex);
	if (claimed[0] && strcmp(claimed, hex) != 0) {
		symcheck_release(&c);
		return sym_fail(err, SYM_EFORMAT,
				"the object of %s/%s says its sha256 is %s, but it holds %s", debug_file,
				debug_id, claimed, hex);
	}
	record_from(rec, &c.hdr, digest, h.size, gz, &c.stats, "");
	symcheck_release(&c);
	if (!store_key(rec->debug_file, rec->debug_id, key, sizeof(key)))
		return sym_fail(err, SYM_EFORMAT, "debug file name too long");
	memset(&held, 0, sizeof(held));
	/* the bucket's object is what every node serves: taken as it is */
	if ((rc = index_publish(s->index, key, rec, true, &held, no_stats, NULL, &outcome, err)) == SYM_OK)
		__atomic_add_fetch(&s->changes, 1, __ATOMIC_RELAXED);
	return rc;
}

/* ---- tokens ---------------------------------------------------------- */

static enum sym_code pull_tokens(struct store *s, struct sym_err *err);
static enum sym_code pull_ignore(struct store *s, struct sym_err *err);
static void publish_missing(struct store *s);
static void read_remote_missing(struct store *s, bool force);
static enum sym_code publish_token(struct store *s, const char *hash, const struct store_token *t,
				   struct sym_err *err);
static bool log_entry(struct store *s, const char *op, const char *hash, const char *file,
		      const char *dbg);
static const char no_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

struct token_find {
	const char *hash;
	struct store_token *t;
};

static int token_of(void *ctx, const char *hash, const struct store_token *t)
{
	struct token_find *f = ctx;

	if (strcmp(hash, f->hash) != 0)
		return 0;
	*f->t = *t;
	return 1;
}

/* Over a bucket, a token is in force on every node once it is in the
 * bucket: one that the bucket did not take is revoked here at once. */
enum sym_code store_token_add(struct store *s, const char *name, const char *scopes,
			      uint64_t expires, char out[65], struct sym_err *err)
{
	struct store_token t;
	struct sym_err e;
	char hash[65];
	enum sym_code rc;

	/* the other nodes' tokens first: names are unique among those in force */
	if (s->keyed && (rc = pull_tokens(s, err)) != SYM_OK)
		return rc;
	if ((rc = index_token_add(s->index, name, scopes, expires, out, err)) != SYM_OK || !s->keyed)
		return rc;
	index_token_hash(out, hash);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.scopes, sizeof(t.scopes), "%s", scopes);
	t.expires = expires;
	sym_err_clear(&e);
	if (index_token_each(s->index, token_of, &(struct token_find){ hash, &t }, &e) != SYM_OK ||
	    !t.created)
		return sym_fail(err, SYM_EIO, "the new token cannot be read back");
	sym_err_clear(&e);
	if ((rc = publish_token(s, hash, &t, &e)) != SYM_OK) {
		struct sym_err e2;
		sym_err_clear(&e2);
		index_token_revoke(s->index, name, &e2);
		memset(out, 0, 65);
		return sym_fail(err, rc, "the bucket did not take the token, so it is not created "
				"(it is revoked here): %s", e.msg);
	}
	if (!log_entry(s, "tok", no_hash, "_state", "tokens"))
		fprintf(stderr, "symserver: warning: the change log did not take the token's entry: "
			"the other nodes take the token within %d s instead of at once\n",
			STATE_PULL_S);
	return SYM_OK;
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

struct revoke_ctx {
	struct store *s;
	const char *name;
	unsigned published;
	enum sym_code rc;
	struct sym_err *err;
};

static int publish_revoked(void *ctx, const char *hash, const struct store_token *t)
{
	struct revoke_ctx *r = ctx;

	if (strcmp(t->name, r->name) != 0 || !t->revoked)
		return 0;
	if ((r->rc = publish_token(r->s, hash, t, r->err)) != SYM_OK)
		return 1;
	r->published++;
	return 0;
}

/* Over a bucket, the revocation is written to the bucket (again, when it
 * was revoked here already: a revocation that did not reach the bucket
 * is mended by revoking again). */
enum sym_code store_token_revoke(struct store *s, const char *name, struct sym_err *err)
{
	struct sym_err e, pe;
	struct revoke_ctx r = { s, name, 0, SYM_OK, &pe };
	enum sym_code rc;

	if (s->keyed && (rc = pull_tokens(s, err)) != SYM_OK)
		return rc;
	sym_err_clear(&e);
	rc = index_token_revoke(s->index, name, &e);
	if (!s->keyed || (rc != SYM_OK && rc != SYM_EEXIST))
		return rc == SYM_OK ? rc : sym_fail(err, rc, "%s", e.msg);
	/* revoked here (now or before): the bucket gets it (again) */
	sym_err_clear(&e);
	sym_err_clear(&pe);
	if (index_token_each(s->index, publish_revoked, &r, &e) != SYM_OK)
		return sym_fail(err, e.code, "%s", e.msg);
	if (r.rc != SYM_OK)
		return sym_fail(err, r.rc, "the token '%s' is revoked on this node only: the bucket "
				"did not take it (%s); the other nodes still accept it: revoke it again",
				name, pe.msg);
	if (!log_entry(s, "tok", no_hash, "_state", "tokens"))
		fprintf(stderr, "symserver: warning: the change log did not take the revocation's "
			"entry: the other nodes take it within %d s instead of at once\n", STATE_PULL_S);
	return SYM_OK;
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
	enum inflated res;
	struct hashing h = { .check = NULL };
	uint64_t gz, extra;
	uint8_t d[32];
	char hex[65];

	sym_err_clear(&err);
	if ((rc = blob_open(s->blobs, rec_key(r, &k), &b, &err)) != SYM_OK) {
		if (rc == SYM_ENOTFOUND)
			snprintf(why, cap, "blob %s is missing", r->hash);
		else
			snprintf(why, cap, "blob %s cannot be read: %.200s", r->hash, err.msg);
		return false;
	}
	sha256_init(&h.sha);
	res = inflate_blob(b, feed_hash, &h, &gz, &extra);
	blob_close(b);
	if (res == INFLATE_ENOMEM) {
		snprintf(why, cap, "zlib cannot start");
		return false;
	}
	if (res != INFLATED) {
		snprintf(why, cap, "blob %s is not a complete gzip stream", r->hash);
		return false;
	}
	sha256_final(&h.sha, d);
	sha256_hex(d, hex);
	if (strcmp(hex, r->hash) != 0 || h.size != r->size) {
		snprintf(why, cap, "blob %s holds other content (sha256 %s, %llu bytes)", r->hash, hex,
			 (unsigned long long)h.size);
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
	enum sym_code rc = index_missing_add(s->index, v, n, err);

	if (rc == SYM_OK && s->keyed) {
		pthread_mutex_lock(&s->log_mu);
		s->miss_dirty = true;
		pthread_mutex_unlock(&s->log_mu);
	}
	return rc;
}

static enum sym_code missing_merged(struct store *s,
				    int (*fn)(void *ctx, const struct store_miss *m), void *ctx,
				    struct sym_err *err);

enum sym_code store_missing_each(struct store *s, int (*fn)(void *ctx, const struct store_miss *m),
				 void *ctx, struct sym_err *err)
{
	if (s->keyed)
		return missing_merged(s, fn, ctx, err);
	return index_missing_each(s->index, fn, ctx, err);
}

void store_ids_of(struct store *s, const char *debug_file, const char *except_id, char *out,
		  size_t cap)
{
	index_ids_of(s->index, debug_file, except_id, out, cap);
}

static enum sym_code publish_ignore(struct store *s, const char *pattern, bool add,
				    struct sym_err *err);

/* Over a bucket, the change is written to the bucket before it is made
 * here: a change the bucket did not take is not made. */
static void ignore_logged(struct store *s)
{
	if (!log_entry(s, "ign", no_hash, "_state", "ignore"))
		fprintf(stderr, "symserver: warning: the change log did not take the ignore list's "
			"entry: the other nodes take the change within %d s instead of at once\n",
			STATE_PULL_S);
}

struct has_pattern {
	const char *p;
	bool found;
};

static void has_pattern(void *ctx, const char *pattern)
{
	struct has_pattern *h = ctx;

	if (strcmp(h->p, pattern) == 0)
		h->found = true;
}

enum sym_code store_ignore_add(struct store *s, const char *pattern, struct sym_err *err)
{
	enum sym_code rc;

	if (s->keyed && (rc = publish_ignore(s, pattern, true, err)) != SYM_OK)
		return rc;
	if ((rc = index_ignore_add(s->index, pattern, err)) == SYM_OK && s->keyed)
		ignore_logged(s);
	return rc;
}

/* Over a bucket: the list as the bucket has it first; a pattern on it is
 * removed in the bucket, then here. */
enum sym_code store_ignore_remove(struct store *s, const char *pattern, struct sym_err *err)
{
	struct has_pattern h = { pattern, false };
	enum sym_code rc;

	if (!s->keyed)
		return index_ignore_remove(s->index, pattern, err);
	if ((rc = pull_ignore(s, err)) != SYM_OK ||
	    (rc = index_ignore_list(s->index, has_pattern, &h, err)) != SYM_OK)
		return rc;
	if (!h.found)
		return sym_fail(err, SYM_ENOTFOUND, "'%s' is not on the ignore list", pattern);
	if ((rc = publish_ignore(s, pattern, false, err)) != SYM_OK)
		return rc;
	if ((rc = index_ignore_remove(s->index, pattern, err)) == SYM_ENOTFOUND)
		rc = SYM_OK;	/* removed by a pull since */
	if (rc == SYM_OK)
		ignore_logged(s);
	return rc;
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

/* ---- sync: the index from the bucket ----------------------------------- */

static uint64_t now_ns(void);
static void write_pos(const char *dir, uint64_t pos);

struct listed {
	char *key;		/* store_key() */
	char *file, *id;	/* as in the bucket */
	uint64_t size;
};

struct sync_ctx {
	struct listed *v;
	size_t n, cap;
	bool nomem;
	const char **keys;	/* sorted, for the walk of the index */
	size_t nkeys;
	struct sym_record *drop;	/* records of keys the bucket does not hold */
	size_t ndrop, capdrop;
};

static int sync_listed(void *ctx, const struct blob_key *k, uint64_t size)
{
	struct sync_ctx *c = ctx;
	struct listed *t;
	char key[2048];

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		if (!(t = realloc(c->v, cap * sizeof(*t)))) {
			c->nomem = true;
			return 1;
		}
		c->v = t;
		c->cap = cap;
	}
	t = &c->v[c->n];
	if (!store_key(k->debug_file, k->debug_id, key, sizeof(key)))
		return 0;
	t->file = t->id = NULL;
	if (!(t->key = strdup(key)) || !(t->file = strdup(k->debug_file)) ||
	    !(t->id = strdup(k->debug_id))) {
		free(t->key);
		free(t->file);
		c->nomem = true;
		return 1;
	}
	t->size = size;
	c->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int sync_walk(void *ctx, const char *key, const struct sym_record *r)
{
	struct sync_ctx *c = ctx;
	struct sym_record *t;

	if (!r || bsearch(&key, c->keys, c->nkeys, sizeof(*c->keys), cmp_str))
		return 0;
	if (c->ndrop == c->capdrop) {
		size_t cap = c->capdrop ? c->capdrop * 2 : 64;
		if (!(t = realloc(c->drop, cap * sizeof(*t)))) {
			c->nomem = true;
			return 1;
		}
		c->drop = t;
		c->capdrop = cap;
	}
	c->drop[c->ndrop++] = *r;
	return 0;
}

enum sym_code store_sync(struct store *s, struct store_sync_report *rep,
			 void (*report)(void *ctx, const char *key, const char *why), void *ctx,
			 struct sym_err *err)
{
	struct sync_ctx c;
	struct sym_record held, rec;
	struct sym_err e;
	uint64_t size;
	char hash[65];
	pthread_mutex_t *m;
	enum sym_code rc;
	size_t i;

	uint64_t t0 = now_ns();

	memset(rep, 0, sizeof(*rep));
	memset(&c, 0, sizeof(c));
	if (!s->keyed)
		return sym_fail(err, SYM_EUSAGE, "sync is for a store over a bucket (--s3)");
	if ((rc = blob_list(s->blobs, sync_listed, &c, err)) != SYM_OK)
		goto out;
	if (c.nomem) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	rep->listed = c.n;
	for (i = 0; i < c.n; i++) {
		struct listed *L = &c.v[i];
		m = key_lock(s, L->key);
		lock(m);
		sym_err_clear(&e);
		/* held with the same size and the object says the same hash
		 * (asked of the bucket, not the cache): nothing to read */
		if (index_get(s->index, L->file, L->id, &held, &e) == SYM_OK && held.gz_size == L->size &&
		    blob_s3_head(s->remote, L->file, L->id, &size, hash, &e) == SYM_OK &&
		    size == held.gz_size && strcmp(hash, held.hash) == 0) {
			rep->unchanged++;
			unlock(m);
			continue;
		}
		sym_err_clear(&e);
		rc = adopt(s, L->file, L->id, &rec, &e);
		unlock(m);
		if (rc == SYM_OK) {
			rep->taken++;
		} else if (rc == SYM_EFORMAT) {
			rep->bad++;
			if (report)
				report(ctx, L->key, e.msg);
		} else if (rc != SYM_ENOTFOUND) {	/* gone since the listing: fine */
			rc = sym_fail(err, rc, "%s", e.msg);
			goto out;
		}
	}
	/* what the index holds and the bucket does not */
	if (!(c.keys = malloc((c.n ? c.n : 1) * sizeof(*c.keys)))) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c.n; i++)
		c.keys[i] = c.v[i].key;
	c.nkeys = c.n;
	qsort(c.keys, c.nkeys, sizeof(*c.keys), cmp_str);
	if ((rc = index_each(s->index, sync_walk, &c, err)) != SYM_OK)
		goto out;
	if (c.nomem) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c.ndrop; i++) {
		const struct sym_record *d = &c.drop[i];
		char key[2048];
		struct sym_err e2;

		if (!store_key(d->debug_file, d->debug_id, key, sizeof(key)))
			continue;
		sym_err_clear(&e2);
		m = key_lock(s, key);
		lock(m);
		/* unless an upload put it in the bucket since the listing */
		rc = blob_s3_head(s->remote, d->debug_file, d->debug_id, &size, hash, &e2);
		if (rc == SYM_ENOTFOUND) {
			forget(s, d->debug_file, d->debug_id, d->hash);
			rep->dropped++;
		}
		unlock(m);
	}
	/* the shared state: tokens and the ignore list */
	if ((rc = pull_tokens(s, err)) != SYM_OK || (rc = pull_ignore(s, err)) != SYM_OK)
		goto out;
	/* the index is the bucket's as of t0: the change log from there on */
	write_pos(s->dir, t0);
	rc = SYM_OK;
out:
	for (i = 0; i < c.n; i++) {
		free(c.v[i].key);
		free(c.v[i].file);
		free(c.v[i].id);
	}
	free(c.drop);
	free(c.keys);
	free(c.v);
	return rc;
}

/* ---- the change log: how nodes over one bucket learn of each other's
 * changes ------------------------------------------------------------------
 *
 * Each change a node makes (an upload published, a file deleted) is one
 * empty object whose name says it all:
 *
 *   PREFIX/_log/<time>-<node>-<seq>/<op>/<sha256>/<debug_file>/<debug_id>
 *
 * time: nanoseconds since the epoch, 20 digits (names sort by time); node:
 * 16 hex digits chosen at start; op: put or del.  It is written once the
 * object is in the bucket and the node's index holds the change, before
 * the upload is acknowledged.  Not a key of the layout (that is
 * <debug_file>/<debug_id>/<sym_file>), so no processor or sync takes it
 * for a symbol file.  Every node lists the log every FOLLOW_MS and applies
 * the others' entries: the key is read again from the bucket (the
 * bucket's object is the truth: when two nodes replace one key at once,
 * both end with what the bucket kept).  Entries are listed from a window
 * before the last position (node clocks may differ by up to WINDOW_NS),
 * remembered by name so that each is applied once; applying one again is
 * harmless.  The position is kept in DIR/follow.pos, so a node restarted
 * catches up on what it missed. */

#define FOLLOW_MS 250
#define WINDOW_NS (10ull * 1000000000ull)

struct seen {
	char name[96];		/* "<time>-<node>-<seq>", the array sorted by it */
	uint64_t time;
	unsigned fails;		/* attempts that found the bucket unreachable */
	bool done;		/* applied, or given up on */
};

struct follower {
	struct store *s;
	uint64_t compacted_at;	/* ns: the last removal of old entries */
	uint64_t state_at;	/* ns: the last reading of the tokens and ignore list */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	uint64_t pos;		/* ns: entries before pos - WINDOW_NS are done */
	struct seen *seen;
	size_t nseen, capseen;
	struct store_follow_stats st;
	/* one poll's entries */
	char **batch;
	size_t nbatch, capbatch;
	bool nomem;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Writes the entry for a change of rec.  Best effort: a node that cannot
 * write it has still published the change (the object is in the
 * bucket); the others then see it at their next sync.  With the key's
 * lock held. */
static void log_change(struct store *s, const char *op, const struct sym_record *rec)
{
	log_entry(s, op, rec->hash, rec->debug_file, rec->debug_id);
}

static bool log_entry(struct store *s, const char *op, const char *hash, const char *file,
		      const char *dbg)
{
	char name[2048];
	struct sym_err e;
	uint64_t seq;

	uint64_t t0, t1;
	int tries = 0;

again:
	pthread_mutex_lock(&s->log_mu);
	seq = ++s->log_seq;
	pthread_mutex_unlock(&s->log_mu);
	t0 = now_ns();
	if ((size_t)snprintf(name, sizeof(name), "_log/%020llu-%s-%06llu/%s/%s/%s/%s",
			     (unsigned long long)t0, s->node, (unsigned long long)seq, op,
			     hash, file, dbg) >= sizeof(name))
		return false;
	sym_err_clear(&e);
	if (blob_s3_put_name(s->remote, name, &e) == SYM_OK) {
		/* written so late (retries) that followers may have listed
		 * past its time: once more, with a time of now */
		t1 = now_ns();
		if (t1 - t0 > WINDOW_NS / 2 && tries++ < 2)
			goto again;
		return true;
	} else {
		fprintf(stderr, "symserver: the change log misses %s %s/%s: %s\n", op, file, dbg,
			e.msg);
		if (s->follow) {
			pthread_mutex_lock(&s->follow->mu);
			s->follow->st.log_errors++;
			pthread_mutex_unlock(&s->follow->mu);
		}
		return false;
	}
}

static int collect(void *ctx, const char *name, uint64_t size)
{
	struct follower *f = ctx;
	char **t;

	(void)size;
	if (f->nbatch == f->capbatch) {
		size_t cap = f->capbatch ? f->capbatch * 2 : 64;
		if (!(t = realloc(f->batch, cap * sizeof(*t)))) {
			f->nomem = true;
			return 1;
		}
		f->batch = t;
		f->capbatch = cap;
	}
	if (!(f->batch[f->nbatch] = strdup(name))) {
		f->nomem = true;
		return 1;
	}
	f->nbatch++;
	return 0;
}

static int seen_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct seen *)elem)->name);
}

static struct seen *seen_find(struct follower *f, const char *id)
{
	return f->nseen ? bsearch(id, f->seen, f->nseen, sizeof(*f->seen), seen_cmp) : NULL;
}

/* The record of id, added (not done) when missing; NULL when out of
 * memory (the entry is then applied again next time: harmless). */
static struct seen *seen_get(struct follower *f, const char *id, uint64_t t)
{
	struct seen *v = seen_find(f, id);
	size_t lo = 0, hi = f->nseen;

	if (v)
		return v;
	if (strlen(id) >= sizeof(v->name))
		return NULL;
	if (f->nseen == f->capseen) {
		size_t cap = f->capseen ? f->capseen * 2 : 256;
		if (!(v = realloc(f->seen, cap * sizeof(*v))))
			return NULL;
		f->seen = v;
		f->capseen = cap;
	}
	while (lo < hi) {	/* where id goes */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(f->seen[mid].name, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(f->seen + lo + 1, f->seen + lo, (f->nseen - lo) * sizeof(*f->seen));
	f->nseen++;
	v = &f->seen[lo];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", id);
	v->time = t;
	return v;
}

/* Applies another node's entry: false when it must be tried again (the
 * bucket did not answer). */
static bool apply(struct follower *f, const char *op, const char *hash, const char *file,
		  const char *dbg)
{
	struct store *s = f->s;
	struct sym_record cur, rec;
	struct sym_err e;
	pthread_mutex_t *m;
	enum sym_code rc = SYM_OK;
	char key[2048];

	if (strcmp(op, "tok") == 0 || strcmp(op, "ign") == 0) {
		sym_err_clear(&e);
		rc = op[0] == 't' ? pull_tokens(s, &e) : pull_ignore(s, &e);
		if (rc != SYM_OK)
			fprintf(stderr, "symserver: change log: cannot read the %s: %s\n",
				op[0] == 't' ? "tokens" : "ignore list", e.msg);
		return rc != SYM_EIO && rc != SYM_ENOMEM;
	}
	if (!store_key(file, dbg, key, sizeof(key)))
		return true;
	m = key_lock(s, key);
	lock(m);
	sym_err_clear(&e);
	if (strcmp(op, "put") == 0) {
		/* held already (an entry seen before a restart, or a sync):
		 * nothing to read */
		if (!(index_get(s->index, file, dbg, &cur, &e) == SYM_OK && strcmp(cur.hash, hash) == 0)) {
			sym_err_clear(&e);
			rc = adopt(s, file, dbg, &rec, &e);
		}
	} else if (strcmp(op, "del") == 0) {
		/* the record of what was deleted (by its hash: the key folds
		 * case, and another case of the names may be held), unless
		 * uploaded again since: then that is taken */
		uint64_t size;
		char bhash[65];
		rc = blob_s3_head(s->remote, file, dbg, &size, bhash, &e);
		if (rc == SYM_ENOTFOUND)
			forget(s, file, dbg, hash);
		else if (rc == SYM_OK)
			rc = adopt(s, file, dbg, &rec, &e);
	}
	unlock(m);
	if (rc == SYM_EIO || rc == SYM_ENOMEM)
		return false;
	if (rc != SYM_OK && rc != SYM_ENOTFOUND)
		fprintf(stderr, "symserver: change log: %s %s/%s: %s\n", op, file, dbg, e.msg);
	return true;
}

static void write_pos(const char *dir, uint64_t pos)
{
	char path[4096], tmp[4200];
	FILE *o;

	snprintf(path, sizeof(path), "%s/follow.pos", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(o = fopen(tmp, "w")))
		return;
	fprintf(o, "%llu\n", (unsigned long long)pos);
	if (fclose(o) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

/* One poll: false when the bucket could not be listed or an entry could
 * not be applied (tried again at the next poll, at most FOLLOW_TRIES
 * times). */
#define FOLLOW_TRIES 8

static bool poll_log(struct follower *f)
{
	/* the log has moved past this node's position (it could not list
	 * it for longer than the retention): the index from the bucket */
	if (f->pos + f->s->log_retention_ns < now_ns()) {
		struct store_sync_report rep;
		struct sym_err e;
		uint64_t t = now_ns();

		sym_err_clear(&e);
		if (store_sync(f->s, &rep, NULL, NULL, &e) != SYM_OK) {
			fprintf(stderr, "symserver: the change log moved past this node: sync: %s\n",
				e.msg);
			return false;
		}
		f->pos = t;
	}
	char after[64];
	struct s3_log_entry le;
	struct sym_err e;
	uint64_t start = f->pos > WINDOW_NS ? f->pos - WINDOW_NS : 0, n = now_ns(), t, hold = UINT64_MAX;
	bool ok = true;
	struct seen *v;
	size_t i, j;

	snprintf(after, sizeof(after), "_log/%020llu", (unsigned long long)start);
	sym_err_clear(&e);
	f->nbatch = 0;
	f->nomem = false;
	if (blob_s3_list_names(f->s->remote, "_log/", after, collect, f, &e) != SYM_OK || f->nomem) {
		ok = false;
		hold = f->pos;
	}
	for (i = 0; ok && i < f->nbatch; i++) {
		bool stop;
		pthread_mutex_lock(&f->mu);
		stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		if (stop) {	/* shutting down: the rest next time */
			hold = f->pos;
			break;
		}
		if (!s3_log_parse(f->batch[i], &le))
			continue;
		t = le.time;
		if ((v = seen_find(f, le.id)) && v->done)
			continue;
		if (!(v = seen_get(f, le.id, t)))
			continue;
		if (strcmp(le.node, f->s->node) == 0) {	/* this node's own */
			v->done = true;
			continue;
		}
		if (apply(f, le.op, le.hash, le.file, le.dbg)) {
			uint64_t now = now_ns(), lag = now > t ? (now - t) / 1000000 : 0;
			v->done = true;
			pthread_mutex_lock(&f->mu);
			f->st.applied++;
			f->st.last_lag_ms = lag;
			if (lag > f->st.max_lag_ms)
				f->st.max_lag_ms = lag;
			pthread_mutex_unlock(&f->mu);
		} else if (++v->fails >= FOLLOW_TRIES) {
			v->done = true;
			fprintf(stderr, "symserver: change log: gave up on %s %s/%s after %u tries "
				"(a sync takes it)\n", le.op, le.file, le.dbg, v->fails);
		} else {
			ok = false;	/* this one again next time; the others go on */
			if (t < hold)
				hold = t;
		}
	}
	for (i = 0; i < f->nbatch; i++)
		free(f->batch[i]);
	pthread_mutex_lock(&f->mu);
	f->st.polls++;
	if (!ok)
		f->st.poll_errors++;
	pthread_mutex_unlock(&f->mu);
	/* done up to now by this node's clock, or up to the first entry
	 * still to apply (the next listing starts a window before) */
	f->pos = hold < n ? hold : n;
	for (i = j = 0; i < f->nseen; i++)
		if (!f->seen[i].done || f->seen[i].time + 2 * WINDOW_NS >= f->pos)
			f->seen[j++] = f->seen[i];
	f->nseen = j;
	write_pos(f->s->dir, f->pos);
	return ok;
}

/* Removes the log's entries older than the retention (any node's: a
 * node gone for good leaves its own), at most COMPACT_MAX a round. */
#define COMPACT_MAX 10000

struct old_entries {
	uint64_t before;
	struct names_vec nv;
};

static int old_entry(void *ctx, const char *name, uint64_t size);

static void compact_log(struct follower *f)
{
	struct old_entries o;
	struct sym_err e;
	uint64_t n = now_ns();
	size_t i, done = 0;

	if (n < f->s->log_retention_ns)
		return;
	memset(&o, 0, sizeof(o));
	o.before = n - f->s->log_retention_ns;
	sym_err_clear(&e);
	if (blob_s3_list_names(f->s->remote, "_log/", NULL, old_entry, &o, &e) != SYM_OK)
		fprintf(stderr, "symserver: cannot list the change log to compact it: %s\n", e.msg);
	for (i = 0; i < o.nv.n; i++) {
		bool stop;
		pthread_mutex_lock(&f->mu);
		stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		/* at most a second at a time: following the log goes first */
		if (!stop && now_ns() - n < 1000000000ull) {
			sym_err_clear(&e);
			if (blob_s3_delete_name(f->s->remote, o.nv.v[i], &e) == SYM_OK)
				done++;
		}
		free(o.nv.v[i]);
	}
	pthread_mutex_lock(&f->mu);
	f->st.compacted += done;
	pthread_mutex_unlock(&f->mu);
	/* more left: the next round at the next poll */
	f->compacted_at = done < o.nv.n || o.nv.n >= COMPACT_MAX ? 0 : n;
	free(o.nv.v);
}

static void *follow_main(void *arg)
{
	struct follower *f = arg;
	struct timespec until;
	unsigned fails = 0;
	uint64_t wait_ms;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		pthread_mutex_unlock(&f->mu);
		fails = poll_log(f) ? 0 : fails + 1;
		if (now_ns() - f->s->miss_published >= MISS_PUBLISH_NS)
			publish_missing(f->s);
		/* the other nodes' missing counts, for the listings */
		read_remote_missing(f->s, false);
		/* the tokens and the ignore list, in case an entry was lost */
		if (now_ns() - f->state_at >= STATE_PULL_S * 1000000000ull) {
			struct sym_err e;
			sym_err_clear(&e);
			if (pull_tokens(f->s, &e) != SYM_OK || pull_ignore(f->s, &e) != SYM_OK)
				fprintf(stderr, "symserver: cannot read the tokens and ignore list from "
					"the bucket: %s\n", e.msg);
			f->state_at = now_ns();
		}
		/* old entries: every tenth of the retention, at most hourly */
		{
			uint64_t every = f->s->log_retention_ns / 10;
			if (every > 3600ull * 1000000000ull)
				every = 3600ull * 1000000000ull;
			if (now_ns() - f->compacted_at >= every)
				compact_log(f);
		}
		pthread_mutex_lock(&f->mu);
		/* a gateway down: back off, up to 5 s */
		wait_ms = fails ? (FOLLOW_MS << (fails < 5 ? fails : 5)) : FOLLOW_MS;
		if (wait_ms > 5000)
			wait_ms = 5000;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(wait_ms / 1000);
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

enum sym_code store_follow_start(struct store *s, struct sym_err *err)
{
	struct follower *f;
	char path[4096];
	unsigned long long pos = 0;
	FILE *in;

	if (!s->keyed || s->follow)
		return SYM_OK;
	if (!(f = calloc(1, sizeof(*f))))
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	f->s = s;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	/* where the node left off, or now (a new node: sync built its index) */
	snprintf(path, sizeof(path), "%s/follow.pos", s->dir);
	if ((in = fopen(path, "r"))) {
		if (fscanf(in, "%llu", &pos) != 1)
			pos = 0;
		fclose(in);
	}
	f->pos = pos ? pos : now_ns();
	/* stopped before the oldest entry kept: what it missed may be gone
	 * from the log, so the index is made the bucket's first */
	if (pos && pos + s->log_retention_ns < now_ns() + WINDOW_NS) {
		struct store_sync_report rep;
		enum sym_code rc;
		uint64_t t = now_ns();	/* the log from before the listing on */

		fprintf(stderr, "symserver: this node stopped before the oldest change-log entry kept: "
			"syncing its index from the bucket\n");
		if ((rc = store_sync(s, &rep, NULL, NULL, err)) != SYM_OK) {
			pthread_mutex_destroy(&f->mu);
			pthread_cond_destroy(&f->cv);
			free(f);
			return sym_fail(err, rc, "cannot sync a node that stopped before the oldest "
					"change-log entry kept: %s", err->msg);
		}
		f->pos = t;
		f->st.synced_at_start = true;
	}
	f->state_at = now_ns();
	/* counts kept from before (an older version, a failed last write)
	 * are written once at least */
	pthread_mutex_lock(&s->log_mu);
	s->miss_dirty = true;
	pthread_mutex_unlock(&s->log_mu);
	f->compacted_at = now_ns() - s->log_retention_ns / 20;	/* the first round soon */
	if (pthread_create(&f->th, NULL, follow_main, f) != 0) {
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		free(f);
		return sym_fail(err, SYM_ENOMEM, "cannot start the change-log thread");
	}
	s->follow = f;
	return SYM_OK;
}

static void follow_stop(struct store *s)
{
	struct follower *f = s->follow;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, NULL);
	s->follow = NULL;
	publish_missing(s);	/* the last counts, when they changed */
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f->seen);
	free(f->batch);
	free(f);
}

bool store_follow_stats(struct store *s, struct store_follow_stats *st)
{
	if (!s->follow)
		return false;
	pthread_mutex_lock(&s->follow->mu);
	*st = s->follow->st;
	pthread_mutex_unlock(&s->follow->mu);
	return true;
}

/* ---- the cluster's shared state: tokens, the ignore list, missing
 * counts -------------------------------------------------------------------
 *
 * Beside the layout, under PREFIX/_state/ (blob_s3.h has the names):
 * each token is an object whose name holds its record (its hash, never
 * the token), and a revocation a second one; each change of the ignore
 * list is an object, the latest change of a pattern winning; each node
 * writes its own missing-symbol counts as one object, at most every
 * MISS_PUBLISH_NS, and the listings merge every node's.  A change is
 * announced in the change log ("tok", "ign"), and the other nodes read
 * that part of the state again; sync reads all of it. */


static enum sym_code publish_token(struct store *s, const char *hash, const struct store_token *t,
				   struct sym_err *err)
{
	char name[512];

	if ((size_t)snprintf(name, sizeof(name), "_state/tokens/%s/%019llu-%019llu-%019llu/%s/%s", hash,
			     (unsigned long long)t->revoked, (unsigned long long)t->created,
			     (unsigned long long)t->expires, t->scopes, t->name) >= sizeof(name))
		return sym_fail(err, SYM_EUSAGE, "token record too long");
	return blob_s3_put_name(s->remote, name, err);
}

struct pull_ctx {
	struct store *s;
	uint64_t taken;
	enum sym_code rc;
	struct sym_err e;
	/* the ignore list's changes */
	struct s3_ignore_entry *ign;
	size_t n, cap;
	bool nomem;
};

static int pull_token(void *ctx, const char *name, uint64_t size)
{
	struct pull_ctx *p = ctx;
	struct s3_token_entry te;
	struct store_token t;
	bool changed;

	(void)size;
	if (!s3_token_parse(name, &te))
		return 0;
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", te.name);
	snprintf(t.scopes, sizeof(t.scopes), "%s", te.scopes);
	t.created = te.created;
	t.expires = te.expires;
	t.revoked = te.revoked;
	if ((p->rc = index_token_merge(p->s->index, te.hash, &t, &changed, &p->e)) != SYM_OK)
		return 1;
	p->taken += changed;
	return 0;
}

/* Takes every token of the bucket's that the index lacks, and every
 * revocation. */
static enum sym_code pull_tokens(struct store *s, struct sym_err *err)
{
	struct pull_ctx p;
	enum sym_code rc;

	memset(&p, 0, sizeof(p));
	p.s = s;
	sym_err_clear(&p.e);
	if ((rc = blob_s3_list_names(s->remote, "_state/tokens/", NULL, pull_token, &p, err)) != SYM_OK)
		return rc;
	if (p.rc != SYM_OK)
		return sym_fail(err, p.rc, "%s", p.e.msg);
	return SYM_OK;
}

static enum sym_code publish_ignore(struct store *s, const char *pattern, bool add,
				    struct sym_err *err)
{
	char name[1024];
	size_t i;

	for (i = 0; pattern[i]; i++)
		if ((unsigned char)pattern[i] < 0x20 || (unsigned char)pattern[i] > 0x7e)
			return sym_fail(err, SYM_EUSAGE, "over a bucket, a pattern is printable ASCII");
	if (!pattern[0] || i > 500)
		return sym_fail(err, SYM_EUSAGE, "a pattern is 1 to 500 characters");
	/* it becomes part of an object name: a gateway would resolve these */
	for (i = 0; pattern[i];) {
		size_t l = strcspn(pattern + i, "/");
		if (l == 0 || (l == 1 && pattern[i] == '.') ||
		    (l == 2 && pattern[i] == '.' && pattern[i + 1] == '.'))
			return sym_fail(err, SYM_EUSAGE, "over a bucket, a pattern has no empty, '.' or "
					"'..' part between slashes");
		i += l;
		if (pattern[i] == '/' && !pattern[++i])
			return sym_fail(err, SYM_EUSAGE, "over a bucket, a pattern does not end in '/'");
	}
	snprintf(name, sizeof(name), "_state/ignore/%020llu-%s-%s/%s", (unsigned long long)now_ns(),
		 s->node, add ? "add" : "del", pattern);
	return blob_s3_put_name(s->remote, name, err);
}

static int pull_ignore_one(void *ctx, const char *name, uint64_t size)
{
	struct pull_ctx *p = ctx;
	struct s3_ignore_entry *t;

	(void)size;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		if (!(t = realloc(p->ign, cap * sizeof(*t)))) {
			p->nomem = true;
			return 1;
		}
		p->ign = t;
		p->cap = cap;
	}
	if (s3_ignore_parse(name, &p->ign[p->n]))
		p->n++;
	return 0;
}

static int ignore_cmp(const void *a, const void *b)
{
	const struct s3_ignore_entry *x = a, *y = b;
	int c = strcmp(x->pattern, y->pattern);

	return c ? c : strcmp(x->stamp, y->stamp);
}

/* Makes the ignore list follow the bucket's changes: for each pattern
 * the bucket names, its latest change (patterns the bucket never named
 * stay as they are). */
static enum sym_code pull_ignore(struct store *s, struct sym_err *err)
{
	struct pull_ctx p;
	struct sym_err e;
	enum sym_code rc;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.s = s;
	rc = blob_s3_list_names(s->remote, "_state/ignore/", NULL, pull_ignore_one, &p, err);
	if (rc == SYM_OK && p.nomem)
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
	if (rc == SYM_OK && p.n)
		qsort(p.ign, p.n, sizeof(*p.ign), ignore_cmp);
	for (i = 0; rc == SYM_OK && i < p.n; i++) {
		const struct s3_ignore_entry *g = &p.ign[i];
		if (i + 1 < p.n && strcmp(g->pattern, p.ign[i + 1].pattern) == 0)
			continue;	/* a later change follows */
		sym_err_clear(&e);
		rc = g->add ? index_ignore_add(s->index, g->pattern, &e)
			    : index_ignore_remove(s->index, g->pattern, &e);
		if (rc == SYM_ENOTFOUND)
			rc = SYM_OK;
		else if (rc != SYM_OK)
			sym_fail(err, rc, "%s", e.msg);
	}
	free(p.ign);
	return rc;
}

/* ---- missing counts ---- */

struct text {
	char *p;
	size_t n, cap;
	bool nomem;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (t->nomem)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->n : NULL, t->p ? t->cap - t->n : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->nomem = true;
			return;
		}
		if (t->p && (size_t)n < t->cap - t->n) {
			t->n += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 65536) + (size_t)n;
		char *q = cap > MISS_MAX_BYTES ? NULL : realloc(t->p, cap);
		if (!q) {	/* t->p is freed by the caller */
			t->nomem = true;
			return;
		}
		t->p = q;
		t->cap = cap;
	}
}

static bool tsv_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static int miss_line(void *ctx, const struct store_miss *m)
{
	struct text *t = ctx;

	if (!tsv_ok(m->debug_file) || !tsv_ok(m->debug_id) || !tsv_ok(m->code_file) ||
	    !tsv_ok(m->code_id) || !m->debug_file[0] || !m->debug_id[0])
		return 0;
	text_add(t, "%s\t%s\t%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\n", m->debug_file, m->debug_id,
		 m->code_file, m->code_id, (unsigned long long)m->misses,
		 (unsigned long long)m->crashes, (unsigned long long)m->first_seen,
		 (unsigned long long)m->last_seen, (unsigned long long)m->resolved_at);
	return t->nomem;
}

/* Writes this node's counts to the bucket, when they changed since. */
static void publish_missing(struct store *s)
{
	struct text t = { NULL, 0, 0, false };
	struct sym_err e;
	char name[64];
	unsigned char *z = NULL;
	uLongf zn;
	bool dirty;

	pthread_mutex_lock(&s->log_mu);
	dirty = s->miss_dirty;
	s->miss_dirty = false;
	pthread_mutex_unlock(&s->log_mu);
	if (!dirty)
		return;
	sym_err_clear(&e);
	text_add(&t, "symserver-missing 1\n");
	if (index_missing_each(s->index, miss_line, &t, &e) != SYM_OK || t.nomem)
		goto fail;
	zn = compressBound((uLong)t.n);
	if (!(z = malloc(zn)) || compress2(z, &zn, (const Bytef *)t.p, (uLong)t.n, 6) != Z_OK) {
		snprintf(e.msg, sizeof(e.msg), "cannot compress");
		goto fail;
	}
	snprintf(name, sizeof(name), "_state/missing/%s", s->node);
	if (blob_s3_put_data(s->remote, name, z, zn, &e) != SYM_OK)
		goto fail;
	free(z);
	free(t.p);
	s->miss_published = now_ns();
	return;
fail:
	fprintf(stderr, "symserver: cannot write this node's missing-symbol counts to the bucket: %s\n",
		t.nomem ? "out of memory" : e.msg);
	pthread_mutex_lock(&s->log_mu);
	s->miss_dirty = true;	/* again later */
	pthread_mutex_unlock(&s->log_mu);
	free(z);
	free(t.p);
}

struct miss_vec {
	struct s3_miss *v;
	size_t n, cap;
	bool nomem;
};

static int miss_push(void *ctx, const struct s3_miss *m)
{
	struct miss_vec *mv = ctx;

	if (mv->n == mv->cap) {
		size_t cap = mv->cap ? mv->cap * 2 : 256;
		struct s3_miss *t = realloc(mv->v, cap * sizeof(*t));
		if (!t) {
			mv->nomem = true;
			return 1;
		}
		mv->v = t;
		mv->cap = cap;
	}
	mv->v[mv->n++] = *m;
	return 0;
}

/* miss_push() up to MISS_MAX_RECORDS in all: 1 past them */
static int miss_push_capped(void *ctx, const struct s3_miss *m)
{
	if (((struct miss_vec *)ctx)->n >= MISS_MAX_RECORDS)
		return 1;
	return miss_push(ctx, m);
}

static int miss_push_local(void *ctx, const struct store_miss *m)
{
	struct s3_miss x;

	memset(&x, 0, sizeof(x));
	snprintf(x.debug_file, sizeof(x.debug_file), "%s", m->debug_file);
	snprintf(x.debug_id, sizeof(x.debug_id), "%s", m->debug_id);
	snprintf(x.code_file, sizeof(x.code_file), "%s", m->code_file);
	snprintf(x.code_id, sizeof(x.code_id), "%s", m->code_id);
	x.misses = m->misses;
	x.crashes = m->crashes;
	x.first_seen = m->first_seen;
	x.last_seen = m->last_seen;
	x.resolved_at = m->resolved_at;
	return miss_push(ctx, &x);
}

static int name_push(void *ctx, const char *name, uint64_t size)
{
	struct names_vec *nv = ctx;

	(void)size;
	if (nv->n == nv->cap) {
		size_t cap = nv->cap ? nv->cap * 2 : 16;
		char **t = realloc(nv->v, cap * sizeof(*t));
		if (!t) {
			nv->nomem = true;
			return 1;
		}
		nv->v = t;
		nv->cap = cap;
	}
	if (!(nv->v[nv->n] = strdup(name))) {
		nv->nomem = true;
		return 1;
	}
	nv->n++;
	return 0;
}

/* Inflates a node's object z[zn] (at most MISS_MAX_BYTES) into *out. */
static bool inflate_all(const char *z, size_t zn, char **out, size_t *n)
{
	z_stream st;
	size_t cap = 65536;
	char *p = malloc(cap), *q;
	int r;

	*out = NULL;
	if (!p)
		return false;
	memset(&st, 0, sizeof(st));
	if (inflateInit(&st) != Z_OK) {
		free(p);
		return false;
	}
	st.next_in = (Bytef *)z;
	st.avail_in = (uInt)zn;
	for (;;) {
		st.next_out = (Bytef *)p + st.total_out;
		st.avail_out = (uInt)(cap - st.total_out);
		r = inflate(&st, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			break;
		if ((r != Z_OK && r != Z_BUF_ERROR) || (r == Z_BUF_ERROR && st.avail_in == 0) ||
		    cap >= MISS_MAX_BYTES || !(q = realloc(p, cap * 2))) {
			inflateEnd(&st);
			free(p);
			return false;
		}
		p = q;
		cap *= 2;
	}
	*n = st.total_out;
	inflateEnd(&st);
	/* nothing may follow the stream */
	if (st.avail_in != 0) {
		free(p);
		return false;
	}
	*out = p;
	return true;
}

/* The other nodes' counts, read again when older than MISS_REMOTE_NS
 * (or force): into s->remote_miss.  The bucket is read without
 * remote_mu held (requests copy the last reading meanwhile).  A node
 * whose object cannot be read is left out (and said so on stderr); a
 * failed listing keeps the last reading until the next round. */
static void read_remote_missing(struct store *s, bool force)
{
	struct names_vec nv = { NULL, 0, 0, false };
	struct miss_vec mv = { NULL, 0, 0, false };
	struct sym_err e;
	uint64_t t = now_ns();
	size_t i;

	pthread_mutex_lock(&s->remote_mu);
	if (!force && s->remote_miss_at && t - s->remote_miss_at < MISS_REMOTE_NS) {
		pthread_mutex_unlock(&s->remote_mu);
		return;
	}
	s->remote_miss_at = t;	/* also after a failure: the next try in a while */
	pthread_mutex_unlock(&s->remote_mu);
	sym_err_clear(&e);
	if (blob_s3_list_names(s->remote, "_state/missing/", NULL, name_push, &nv, &e) != SYM_OK ||
	    nv.nomem) {
		fprintf(stderr, "symserver: the other nodes' missing symbols cannot be listed: %s\n",
			nv.nomem ? "out of memory" : e.msg);
		goto out;
	}
	for (i = 0; i < nv.n; i++) {
		const char *node = nv.v[i] + strlen("_state/missing/");
		char *z, *txt;
		size_t zn, n;

		if (strncmp(nv.v[i], "_state/missing/", 15) != 0 || strcmp(node, s->node) == 0 ||
		    strlen(node) != 16 || strspn(node, "0123456789abcdef") != 16)
			continue;
		sym_err_clear(&e);
		if (blob_s3_get_data(s->remote, nv.v[i], MISS_MAX_BYTES, &z, &zn, &e) != SYM_OK) {
			if (e.code != SYM_ENOTFOUND)
				fprintf(stderr, "symserver: node %s's missing symbols: %s\n", node, e.msg);
			continue;
		}
		if (!inflate_all(z, zn, &txt, &n)) {
			fprintf(stderr, "symserver: node %s's missing symbols are not a zlib stream\n",
				node);
		} else {
			size_t before = mv.n;
			int r = s3_missing_parse(txt, n, miss_push_capped, &mv);
			if (r != 0 && !mv.nomem) {
				fprintf(stderr, "symserver: node %s's missing symbols are %s: left out\n",
					node, r > 0 ? "too many" : "malformed");
				mv.n = before;
			}
			free(txt);
		}
		free(z);
		if (mv.nomem)
			break;
	}
	if (mv.nomem) {
		fprintf(stderr, "symserver: out of memory reading the other nodes' missing symbols\n");
		goto out;
	}
	pthread_mutex_lock(&s->remote_mu);
	free(s->remote_miss);
	s->remote_miss = mv.v;
	s->nremote_miss = mv.n;
	pthread_mutex_unlock(&s->remote_mu);
	mv.v = NULL;
out:
	for (i = 0; i < nv.n; i++)
		free(nv.v[i]);
	free(nv.v);
	free(mv.v);
}

static int miss_cmp(const void *a, const void *b)
{
	const struct s3_miss *x = a, *y = b;
	int c = strcasecmp(x->debug_file, y->debug_file);

	return c ? c : strcasecmp(x->debug_id, y->debug_id);
}

/* This node's records and the other nodes', merged by key: counts
 * summed, first and last seen over all; resolved when the index holds
 * the key now. */
static enum sym_code missing_merged(struct store *s,
				    int (*fn)(void *ctx, const struct store_miss *m), void *ctx,
				    struct sym_err *err)
{
	struct miss_vec mv = { NULL, 0, 0, false };
	struct store_miss *out = NULL;
	struct sym_record rec;
	struct sym_err e;
	enum sym_code rc;
	size_t i, j;

	if ((rc = index_missing_each(s->index, miss_push_local, &mv, err)) != SYM_OK)
		goto done;
	/* a server's follower keeps the other nodes' counts read; a command
	 * reads them now */
	if (!s->follow)
		read_remote_missing(s, true);
	pthread_mutex_lock(&s->remote_mu);
	for (i = 0; i < s->nremote_miss && !mv.nomem; i++)
		miss_push(&mv, &s->remote_miss[i]);
	pthread_mutex_unlock(&s->remote_mu);
	if (mv.nomem || !(out = malloc(sizeof(*out)))) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto done;
	}
	if (mv.n)
		qsort(mv.v, mv.n, sizeof(*mv.v), miss_cmp);
	for (i = 0; i < mv.n; i = j) {
		struct s3_miss *a = &mv.v[i];
		for (j = i + 1; j < mv.n && miss_cmp(a, &mv.v[j]) == 0; j++) {
			struct s3_miss *b = &mv.v[j];
			a->misses += b->misses;
			a->crashes += b->crashes;
			if (b->first_seen && (!a->first_seen || b->first_seen < a->first_seen))
				a->first_seen = b->first_seen;
			if (b->last_seen > a->last_seen)
				a->last_seen = b->last_seen;
			if (b->resolved_at > a->resolved_at)
				a->resolved_at = b->resolved_at;
			if (!a->code_file[0])
				snprintf(a->code_file, sizeof(a->code_file), "%s", b->code_file);
			if (!a->code_id[0])
				snprintf(a->code_id, sizeof(a->code_id), "%s", b->code_id);
		}
		memset(out, 0, sizeof(*out));
		snprintf(out->debug_file, sizeof(out->debug_file), "%s", a->debug_file);
		snprintf(out->debug_id, sizeof(out->debug_id), "%s", a->debug_id);
		snprintf(out->code_file, sizeof(out->code_file), "%s", a->code_file);
		snprintf(out->code_id, sizeof(out->code_id), "%s", a->code_id);
		out->misses = a->misses;
		out->crashes = a->crashes;
		out->first_seen = a->first_seen;
		out->last_seen = a->last_seen;
		sym_err_clear(&e);
		if (index_get(s->index, a->debug_file, a->debug_id, &rec, &e) == SYM_OK) {
			out->status = MISS_RESOLVED;
			out->resolved_at = a->resolved_at ? a->resolved_at : rec.mtime;
		} else {
			out->status = MISS_OPEN;
		}
		if (fn(ctx, out))
			break;
	}
	rc = SYM_OK;
done:
	free(out);
	free(mv.v);
	return rc;
}

static int old_entry(void *ctx, const char *name, uint64_t size)
{
	struct old_entries *o = ctx;
	unsigned long long t;
	char *end;

	/* names sort by time: the first one inside the retention ends it;
	 * only names that start with a time are removed */
	if (strncmp(name, "_log/", 5) != 0 || strspn(name + 5, "0123456789") != 20 ||
	    name[25] != '-')
		return 0;
	t = strtoull(name + 5, &end, 10);
	if (t >= o->before || o->nv.n >= COMPACT_MAX)
		return 1;
	return name_push(&o->nv, name, size);
}
