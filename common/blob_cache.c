/* blob_cache.c - a bounded local disk cache in front of another blob
 * backend (issue 14: each node over an S3 bucket keeps the blobs it
 * served or took last).
 *
 *   DIR/ab/cdef...   the cached copy of the blob whose hash is abcdef...
 *   DIR/tmp/         copies being filled (fill.XXXXXX)
 *
 * Blobs are named by the hash of their content, so a cached copy is never
 * stale: a key whose object is replaced names another hash.  A read that
 * misses streams from the backend and keeps what it read in a temporary
 * file, renamed into place when the stream ended cleanly with the size
 * expected (never a partial copy).  An upload keeps its bytes too, once
 * the backend took them.  When the copies exceed the budget, the least
 * recently used go (in memory: the order of use since the start, the
 * files' modification times before it).  The cache is not durable and
 * needs no fsync: a copy lost in a crash is read again. */
#include "config.h"
#include "blob.h"
#include "blob_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

struct entry {
	char hash[65];
	uint64_t size;
	struct entry *next_hash;
	struct entry *prev, *next;	/* use order: head the most recent */
};

struct cache {
	struct blob_store base;
	struct blob_store *inner;
	char *dir;
	uint64_t budget, bytes;
	pthread_mutex_t mu;
	struct entry **table;
	size_t nbuckets, count;
	struct entry *head, *tail;
	struct blob_cache_stats st;
};

struct cache_writer {
	struct blob_writer base;
	struct cache *c;
	struct blob_writer *inner;
	int fd;				/* -1: no copy kept (it failed) */
	char tmp[4096];
};

struct cache_reader {
	struct blob_reader base;
	struct cache *c;
	int fd;				/* a hit: the copy */
	struct blob_reader *inner;	/* a miss: the backend's stream ... */
	int tee;			/* ... copied here (-1: not kept) */
	char tmp[4096];
	char hash[65];
	uint64_t got, want;	/* read so far; the size expected (0: unknown) */
};

static size_t bucket_of(const struct cache *c, const char *hash)
{
	size_t h = 0;
	int i;

	for (i = 0; i < 16; i++)
		h = h * 16 + (size_t)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
	return h & (c->nbuckets - 1);
}

static struct entry *find(struct cache *c, const char *hash)
{
	struct entry *e;

	for (e = c->table[bucket_of(c, hash)]; e; e = e->next_hash)
		if (strcmp(e->hash, hash) == 0)
			return e;
	return NULL;
}

static void unlink_use(struct cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void push_front(struct cache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void copy_path(const struct cache *c, const char *hash, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%.2s/%s", c->dir, hash, hash + 2);
}

static void drop(struct cache *c, struct entry *e)
{
	struct entry **p = &c->table[bucket_of(c, e->hash)];
	char path[4096];

	while (*p != e)
		p = &(*p)->next_hash;
	*p = e->next_hash;
	unlink_use(c, e);
	copy_path(c, e->hash, path, sizeof(path));
	unlink(path);		/* open readers keep reading it */
	c->bytes -= e->size;
	c->count--;
	free(e);
}

/* Evicts from the least recently used end until the copies fit.  With
 * c->mu held. */
static void evict(struct cache *c)
{
	while (c->bytes > c->budget && c->tail) {
		c->st.evictions++;
		drop(c, c->tail);
	}
}

static bool grow(struct cache *c)
{
	size_t n = c->nbuckets ? c->nbuckets * 2 : 1024, i;
	struct entry **t = calloc(n, sizeof(*t)), **old = c->table, *e, *next;
	size_t oldn = c->nbuckets;

	if (!t)
		return false;
	c->table = t;
	c->nbuckets = n;
	for (i = 0; i < oldn; i++)
		for (e = old[i]; e; e = next) {
			next = e->next_hash;
			e->next_hash = t[bucket_of(c, e->hash)];
			t[bucket_of(c, e->hash)] = e;
		}
	free(old);
	return true;
}

/* Records a copy now in place (most recently used), then evicts.  With
 * c->mu held.  A copy larger than the whole budget is removed at once. */
static void add(struct cache *c, const char *hash, uint64_t size, bool recent)
{
	struct entry *e = find(c, hash);

	if (e) {
		c->bytes -= e->size;
		e->size = size;
		c->bytes += size;
		unlink_use(c, e);
	} else {
		if (c->count >= c->nbuckets && !grow(c))
			goto nomem;
		if (!(e = calloc(1, sizeof(*e))))
			goto nomem;
		snprintf(e->hash, sizeof(e->hash), "%s", hash);
		e->size = size;
		e->next_hash = c->table[bucket_of(c, hash)];
		c->table[bucket_of(c, hash)] = e;
		c->bytes += size;
		c->count++;
	}
	if (recent) {
		push_front(c, e);
	} else {		/* the start-up scan, oldest first */
		e->prev = c->tail;
		if (c->tail)
			c->tail->next = e;
		c->tail = e;
		if (!c->head)
			c->head = e;
	}
	evict(c);
	return;
nomem: {
		char path[4096];
		copy_path(c, hash, path, sizeof(path));
		unlink(path);
	}
}

/* Renames tmp (a complete copy of hash) into place. */
static void install(struct cache *c, const char *tmp, const char *hash, uint64_t size)
{
	char path[4096], shard[4096];

	if (size > c->budget) {
		unlink(tmp);
		return;
	}
	snprintf(shard, sizeof(shard), "%s/%.2s", c->dir, hash);
	copy_path(c, hash, path, sizeof(path));
	if ((mkdir(shard, 0755) < 0 && errno != EEXIST) || rename(tmp, path) < 0) {
		unlink(tmp);
		return;
	}
	pthread_mutex_lock(&c->mu);
	c->st.fills++;
	add(c, hash, size, true);
	pthread_mutex_unlock(&c->mu);
}

static int temp_file(struct cache *c, char *tmp, size_t cap)
{
	snprintf(tmp, cap, "%s/tmp/fill.XXXXXX", c->dir);
	return mkstemp(tmp);
}

static bool write_all(int fd, const void *p, size_t n)
{
	const char *q = p;

	while (n) {
		ssize_t k = write(fd, q, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		q += k;
		n -= (size_t)k;
	}
	return true;
}

/* ---- writing: the backend's writer, and a copy ----------------------- */

static enum sym_code c_begin(struct blob_store *b, struct blob_writer **out, struct sym_err *err)
{
	struct cache *c = (struct cache *)b;
	struct cache_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	if (blob_begin(c->inner, &w->inner, err) != SYM_OK) {
		free(w);
		return err->code;
	}
	w->base.ops = b->ops;
	w->c = c;
	w->fd = temp_file(c, w->tmp, sizeof(w->tmp));	/* no copy if it fails */
	*out = &w->base;
	return SYM_OK;
}

static void drop_copy(struct cache_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp);
		w->fd = -1;
	}
}

static enum sym_code c_write(struct blob_writer *bw, const void *p, size_t n, struct sym_err *err)
{
	struct cache_writer *w = (struct cache_writer *)bw;

	if (w->fd >= 0 && !write_all(w->fd, p, n))
		drop_copy(w);
	return blob_write(w->inner, p, n, err);
}

static void c_abort(struct blob_writer *bw)
{
	struct cache_writer *w = (struct cache_writer *)bw;

	blob_abort(w->inner);
	drop_copy(w);
	free(w);
}

static enum sym_code c_commit(struct blob_writer *bw, const struct blob_key *k, uint64_t *size,
			      struct sym_err *err)
{
	struct cache_writer *w = (struct cache_writer *)bw;
	enum sym_code rc;

	w->inner->create_only = w->base.create_only;
	rc = blob_commit(w->inner, k, size, err);
	if (rc == SYM_EEXIST && w->base.create_only)
		return rc;	/* both stay the caller's (blob_create_only()) */
	w->inner = NULL;
	if (rc == SYM_OK && w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
		install(w->c, w->tmp, k->hash, *size);
	}
	drop_copy(w);
	free(w);
	return rc;
}

/* ---- reading: the copy, or the backend's stream kept as it goes ------- */

static enum sym_code c_open(struct blob_store *b, const struct blob_key *k,
			    struct blob_reader **out, struct sym_err *err)
{
	struct cache *c = (struct cache *)b;
	struct cache_reader *r = calloc(1, sizeof(*r));
	struct entry *e;
	char path[4096];
	enum sym_code rc;

	if (!r)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	r->base.ops = b->ops;
	r->c = c;
	r->fd = r->tee = -1;
	if (!k->hash) {		/* blob_open_any(): whatever the key holds now */
		rc = blob_open_any(c->inner, k->debug_file, k->debug_id, &r->inner, err);
		if (rc != SYM_OK) {
			free(r);
			return rc;
		}
		*out = &r->base;
		return SYM_OK;
	}
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, k->hash))) {
		copy_path(c, k->hash, path, sizeof(path));
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd >= 0) {
			unlink_use(c, e);
			push_front(c, e);
			c->st.hits++;
		} else {
			drop(c, e);	/* removed behind our back */
		}
	}
	if (r->fd < 0)
		c->st.misses++;
	pthread_mutex_unlock(&c->mu);
	if (r->fd >= 0) {
		*out = &r->base;
		return SYM_OK;
	}
	if ((rc = blob_open(c->inner, k, &r->inner, err)) != SYM_OK) {
		free(r);
		return rc;
	}
	snprintf(r->hash, sizeof(r->hash), "%s", k->hash);
	r->want = k->size;
	r->tee = temp_file(c, r->tmp, sizeof(r->tmp));
	*out = &r->base;
	return SYM_OK;
}

static void drop_tee(struct cache_reader *r)
{
	if (r->tee >= 0) {
		close(r->tee);
		unlink(r->tmp);
		r->tee = -1;
	}
}

static ssize_t c_read(struct blob_reader *br, void *buf, size_t n)
{
	struct cache_reader *r = (struct cache_reader *)br;
	ssize_t k;

	if (r->fd >= 0) {
		do
			k = read(r->fd, buf, n);
		while (k < 0 && errno == EINTR);
		return k;
	}
	k = blob_read(r->inner, buf, n);
	if (k < 0) {
		int e = errno;
		drop_tee(r);
		errno = e;
		return k;
	}
	if (k > 0) {
		r->got += (uint64_t)k;
		if (r->tee >= 0 && (!write_all(r->tee, buf, (size_t)k) || (r->want && r->got > r->want)))
			drop_tee(r);
	}
	/* the copy is complete when the stream ends cleanly, or as soon as
	 * the size expected is read (a reader that knows the size may stop
	 * there without asking for the end) */
	if (r->tee >= 0 && r->hash[0] && (k == 0 || (r->want && r->got == r->want))) {
		if (r->want && r->got != r->want) {
			drop_tee(r);
		} else {
			close(r->tee);
			r->tee = -1;
			install(r->c, r->tmp, r->hash, r->got);
		}
	}
	return k;
}

static void c_close(struct blob_reader *br)
{
	struct cache_reader *r = (struct cache_reader *)br;

	if (r->fd >= 0)
		close(r->fd);
	drop_tee(r);		/* a reader that stopped early keeps nothing */
	blob_close(r->inner);
	free(r);
}

/* ---- the rest is the backend's ----------------------------------------- */

static enum sym_code c_stat(struct blob_store *b, const struct blob_key *k, uint64_t *size,
			    struct sym_err *err)
{
	return blob_stat(((struct cache *)b)->inner, k, size, err);
}

static enum sym_code c_remove(struct blob_store *b, const struct blob_key *k, struct sym_err *err)
{
	struct cache *c = (struct cache *)b;
	struct entry *e;

	pthread_mutex_lock(&c->mu);
	if ((e = find(c, k->hash)))
		drop(c, e);
	pthread_mutex_unlock(&c->mu);
	return blob_remove(c->inner, k, err);
}

static enum sym_code c_list(struct blob_store *b,
			    int (*fn)(void *ctx, const struct blob_key *k, uint64_t size), void *ctx,
			    struct sym_err *err)
{
	return blob_list(((struct cache *)b)->inner, fn, ctx, err);
}

static void c_free(struct blob_store *b)
{
	struct cache *c = (struct cache *)b;
	struct entry *e, *next;

	for (e = c->head; e; e = next) {
		next = e->next;
		free(e);
	}
	free(c->table);
	blob_store_free(c->inner);
	pthread_mutex_destroy(&c->mu);
	free(c->dir);
	free(c);
}

#define CACHE_OPS(KEYED)                                                       \
	{                                                                      \
		.name = "cache", .keyed = KEYED, .begin = c_begin, .write = c_write, \
		.commit = c_commit, .abort = c_abort, .open = c_open, .read = c_read, \
		.close = c_close, .stat = c_stat, .remove = c_remove, .list = c_list, \
		.free = c_free,                                                \
	}
/* the wrapper is keyed when its backend is */
static const struct blob_ops cache_ops_plain = CACHE_OPS(false);
static const struct blob_ops cache_ops_keyed = CACHE_OPS(true);

void blob_cache_stats(struct blob_store *b, struct blob_cache_stats *st)
{
	struct cache *c = (struct cache *)b;

	memset(st, 0, sizeof(*st));
	if (!b || (b->ops != &cache_ops_keyed && b->ops != &cache_ops_plain))
		return;
	pthread_mutex_lock(&c->mu);
	*st = c->st;
	st->bytes = c->bytes;
	st->files = c->count;
	st->budget = c->budget;
	pthread_mutex_unlock(&c->mu);
}

/* The start-up scan: copies by modification time, oldest first; what is
 * not a copy (a fill left by a crash) is removed. */
struct found {
	char hash[65];
	uint64_t size;
	struct timespec mtime;
};

static int by_mtime(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->hash, y->hash);
}

static enum sym_code scan(struct cache *c, struct sym_err *err)
{
	struct found *v = NULL, *t;
	size_t n = 0, cap = 0, i;
	char path[4096], hash[65];
	struct dirent *d, *f;
	struct stat st;
	DIR *top, *sh;

	snprintf(path, sizeof(path), "%s/tmp", c->dir);
	if ((sh = opendir(path))) {
		while ((f = readdir(sh)))
			if (strncmp(f->d_name, "fill.", 5) == 0)
				unlinkat(dirfd(sh), f->d_name, 0);
		closedir(sh);
	}
	if (!(top = opendir(c->dir)))
		return sym_fail(err, SYM_EIO, "cannot read the cache '%s': %s", c->dir, strerror(errno));
	while ((d = readdir(top))) {
		if (strlen(d->d_name) != 2 || strspn(d->d_name, "0123456789abcdef") != 2)
			continue;
		int fd = openat(dirfd(top), d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || !(sh = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((f = readdir(sh))) {
			if (strlen(f->d_name) != 62)
				continue;
			memcpy(hash, d->d_name, 2);
			memcpy(hash + 2, f->d_name, 63);
			if (!blob_hash_ok(hash) || fstatat(dirfd(sh), f->d_name, &st, 0) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				if (!(t = realloc(v, cap * sizeof(*v)))) {
					closedir(sh);
					closedir(top);
					free(v);
					return sym_fail(err, SYM_ENOMEM, "out of memory");
				}
				v = t;
			}
			snprintf(v[n].hash, sizeof(v[n].hash), "%s", hash);
			v[n].size = (uint64_t)st.st_size;
			v[n].mtime = st.st_mtim;
			n++;
		}
		closedir(sh);
	}
	closedir(top);
	if (n)
		qsort(v, n, sizeof(*v), by_mtime);
	pthread_mutex_lock(&c->mu);
	/* each appended at the least recent end: newest first */
	for (i = n; i-- > 0;)
		add(c, v[i].hash, v[i].size, false);
	pthread_mutex_unlock(&c->mu);
	free(v);
	return SYM_OK;
}

enum sym_code blob_cache_open(struct blob_store **out, struct blob_store *inner, const char *dir,
			      uint64_t budget, struct sym_err *err)
{
	struct cache *c;
	char path[4096];
	enum sym_code rc;

	*out = NULL;
	if (strlen(dir) > 3000) {
		blob_store_free(inner);
		return sym_fail(err, SYM_EUSAGE, "cache path too long");
	}
	if (!(c = calloc(1, sizeof(*c))) || !(c->dir = strdup(dir))) {
		free(c);
		blob_store_free(inner);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	c->base.ops = inner->ops->keyed ? &cache_ops_keyed : &cache_ops_plain;
	c->inner = inner;
	c->budget = budget;
	pthread_mutex_init(&c->mu, NULL);
	snprintf(path, sizeof(path), "%s/tmp", dir);
	if ((rc = mkdir_p(path, err)) != SYM_OK || !grow(c) || (rc = scan(c, err)) != SYM_OK) {
		if (rc == SYM_OK)
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		c_free(&c->base);
		return rc;
	}
	*out = &c->base;
	return SYM_OK;
}
