/* symbolicate.c - POST /symbolicate/v5 and `symserver symbolicate`: the
 * request is checked whole before any work, then each frame is looked up
 * in its module's lookup table (symtab.c), built from the stored .sym
 * when there is none yet or the one on disk is bad. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "fsutil.h"
#include "helpers.h"
#include "symbolicate.h"
#include "symtab.h"

/* The open tables, shared by requests.  A slot is loading while one
 * thread opens (or builds) its table and the others asking for it wait:
 * a table is built once however many requests want it at the same time.
 * A table that cannot be built from its .sym (a malformed or truncated
 * file: the same next time) is remembered as failed for FAIL_TTL_S, so
 * requests do not rebuild it again and again; transient errors (memory,
 * I/O) are not remembered. */
enum slot_state { SLOT_EMPTY, SLOT_LOADING, SLOT_READY, SLOT_FAILED };
enum { FAIL_TTL_S = 60 };

struct table_slot {
	char hash[65];
	enum slot_state state;
	struct symtab *t;
	unsigned refs;		/* requests holding t */
	uint64_t used;		/* a tick of the last use */
	uint64_t load;		/* which load (sy->loads) filled it */
	double failed_ms;	/* SLOT_FAILED: when */
	bool transient;		/* SLOT_FAILED: memory or I/O, not the file */
	struct sym_err err;	/* SLOT_FAILED: why */
};

struct symbolicator {
	struct store *store;
	pthread_mutex_t mu;
	pthread_cond_t loaded;	/* a slot left SLOT_LOADING */
	/* the first nbase slots are the cache; past that, slots are added
	 * while every one is in use, and emptied when no longer used */
	struct table_slot *slots;
	unsigned nslots, nbase, nused;
	uint64_t tick, loads;
};

struct symbolicator *symbolicator_new(struct store *store, unsigned max_open)
{
	struct symbolicator *sy = calloc(1, sizeof(*sy));

	if (!sy)
		return NULL;
	sy->store = store;
	sy->nslots = sy->nbase = max_open ? max_open : 256;
	if (!(sy->slots = calloc(sy->nslots, sizeof(*sy->slots)))) {
		free(sy);
		return NULL;
	}
	pthread_mutex_init(&sy->mu, NULL);
	pthread_cond_init(&sy->loaded, NULL);
	if (store) {
		/* what builds killed midway left (an hour gives any build time to end) */
		store_sweep_tmp(store, SYMTAB_TMP_PREFIX, 3600);
		store_build_tables(store, true);	/* uploads build them as they stream */
	}
	return sy;
}

void symbolicator_free(struct symbolicator *sy)
{
	unsigned i;

	if (!sy)
		return;
	for (i = 0; i < sy->nslots; i++)
		symtab_close(sy->slots[i].t);
	free(sy->slots);
	pthread_cond_destroy(&sy->loaded);
	pthread_mutex_destroy(&sy->mu);
	free(sy);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Inflates rec's blob into a new table at path. */
static enum sym_code build_table(struct symbolicator *sy, const struct sym_record *rec,
				 const char *path, const char *tmpdir, struct sym_err *err)
{
	struct blob_reader *r = NULL;
	struct symtab_builder *b = NULL;
	enum sym_code rc;
	unsigned char in[1 << 16], out[1 << 18];
	uint64_t total = 0;
	bool ended = false;
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	if ((rc = store_blob_open(sy->store, rec, &r, err)) != SYM_OK)
		goto out;
	if ((rc = symtab_build_begin(&b, tmpdir, err)) != SYM_OK)
		goto out;
	while (!ended) {
		ssize_t n = store_blob_read(r, in, sizeof(in));

		if (n < 0) {
			rc = sym_fail(err, SYM_EIO, "cannot read the blob of %s/%s", rec->debug_file,
				      rec->debug_id);
			goto out;
		}
		if (n == 0)
			break;
		z.next_in = in;
		z.avail_in = (uInt)n;
		while (z.avail_in && !ended) {
			int zr;

			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END) {
				rc = sym_fail(err, SYM_EFORMAT, "the blob of %s/%s is not valid gzip",
					      rec->debug_file, rec->debug_id);
				goto out;
			}
			total += sizeof(out) - z.avail_out;
			if ((rc = symtab_build_feed(b, out, sizeof(out) - z.avail_out, err)) != SYM_OK)
				goto out;
			ended = zr == Z_STREAM_END;
		}
	}
	if (!ended || (rec->size && total != rec->size)) {
		rc = sym_fail(err, SYM_EFORMAT, "the blob of %s/%s is truncated", rec->debug_file,
			      rec->debug_id);
		goto out;
	}
	rc = symtab_build_finish(b, path, err);
	b = NULL;
out:
	symtab_build_abort(b);
	if (r)
		store_blob_close(r);
	inflateEnd(&z);
	return rc;
}

/* Opens rec's table, building it when there is none or it is bad.  *how
 * says which ("opened", "built", "rebuilt"). */
static enum sym_code open_table(struct symbolicator *sy, const struct sym_record *rec,
				struct symtab **t, const char **how, struct sym_err *err)
{
	char path[4096], tmpdir[4096];
	struct sym_err oerr;
	enum sym_code rc;

	if ((rc = store_table_path(sy->store, rec->hash, path, sizeof(path), tmpdir,
				   sizeof(tmpdir), err)) != SYM_OK)
		return rc;
	sym_err_clear(&oerr);
	rc = symtab_open(t, path, &oerr);
	if (rc == SYM_OK) {
		*how = "opened";
		return SYM_OK;
	}
	if (rc != SYM_ENOTFOUND && rc != SYM_EFORMAT)
		return sym_fail(err, rc, "%s", oerr.msg);
	if (rc == SYM_EFORMAT)
		fprintf(stderr, "symserver: %s; rebuilding it\n", oerr.msg);
	*how = rc == SYM_EFORMAT ? "rebuilt" : "built";
	if ((rc = build_table(sy, rec, path, tmpdir, err)) != SYM_OK)
		return rc;
	return symtab_open(t, path, err);
}

static void slot_empty(struct symbolicator *sy, struct table_slot *s)
{
	symtab_close(s->t);
	memset(s, 0, sizeof(*s));
	sy->nused--;
}

/* A slot for a table not held: an empty one of the cache, else the least
 * recently used one nobody holds, else a new one.  -1 when out of memory.
 * Under sy->mu. */
static int slot_take(struct symbolicator *sy)
{
	int lru = -1;
	unsigned i;

	for (i = 0; i < sy->nslots; i++) {
		struct table_slot *s = &sy->slots[i];

		if (s->state == SLOT_EMPTY) {
			if (i < sy->nbase || lru < 0)
				return (int)i;
		} else if (s->state != SLOT_LOADING && !s->refs && sy->nused >= sy->nbase &&
			   (lru < 0 || s->used < sy->slots[lru].used)) {
			lru = (int)i;
		}
	}
	if (lru >= 0) {
		if (sy->slots[lru].state != SLOT_EMPTY)
			slot_empty(sy, &sy->slots[lru]);
		return lru;
	}
	{
		unsigned n = sy->nslots * 2;
		struct table_slot *q = realloc(sy->slots, n * sizeof(*q));

		if (!q)
			return -1;
		memset(q + sy->nslots, 0, (n - sy->nslots) * sizeof(*q));
		sy->slots = q;
		i = sy->nslots;
		sy->nslots = n;
		return (int)i;
	}
}

/* rec's table, from the cache or opened (or built) once however many
 * ask; give it back with table_put().  retry: do not trust a failure
 * remembered (an upload). */
static struct symtab *table_get(struct symbolicator *sy, const struct sym_record *rec, bool retry,
				const char **how, struct sym_err *err)
{
	struct table_slot *s;
	struct symtab *t = NULL;
	struct sym_err oerr;
	enum sym_code rc;
	uint64_t waited = 0;	/* the load this request waited for */
	unsigned i;
	int k;

	pthread_mutex_lock(&sy->mu);
again:
	for (i = 0; i < sy->nslots; i++) {
		s = &sy->slots[i];
		if (s->state == SLOT_EMPTY || strcmp(s->hash, rec->hash) != 0)
			continue;
		if (s->state == SLOT_LOADING) {
			waited = s->load;
			pthread_cond_wait(&sy->loaded, &sy->mu);
			goto again;	/* the slots may have moved */
		}
		if (s->state == SLOT_READY) {
			s->refs++;
			s->used = ++sy->tick;
			t = s->t;	/* before the unlock: the array may move after it */
			pthread_mutex_unlock(&sy->mu);
			*how = "cached";
			return t;
		}
		/* failed: the file's fault is remembered for a while; a
		 * transient failure only by those who waited for that load */
		if (!retry && (s->transient ? s->load == waited
					    : now_ms() - s->failed_ms < FAIL_TTL_S * 1e3)) {
			sym_fail(err, s->err.code, "%s (%s)", s->err.msg,
				 s->transient ? "the load waited for" : "remembered");
			pthread_mutex_unlock(&sy->mu);
			*how = "failed before";
			return NULL;
		}
		k = (int)i;
		goto load;
	}
	if ((k = slot_take(sy)) < 0) {
		pthread_mutex_unlock(&sy->mu);
		sym_fail(err, SYM_ENOMEM, "out of memory");
		return NULL;
	}
	sy->nused++;
load:
	s = &sy->slots[k];
	snprintf(s->hash, sizeof(s->hash), "%s", rec->hash);
	s->state = SLOT_LOADING;
	s->refs = 0;
	s->load = ++sy->loads;
	pthread_mutex_unlock(&sy->mu);

	sym_err_clear(&oerr);
	rc = open_table(sy, rec, &t, how, &oerr);

	pthread_mutex_lock(&sy->mu);
	s = &sy->slots[k];
	if (rc == SYM_OK) {
		s->state = SLOT_READY;
		s->t = t;
		s->refs = 1;
	} else {
		s->state = SLOT_FAILED;
		s->failed_ms = now_ms();
		s->transient = rc != SYM_EFORMAT && rc != SYM_ELIMIT;
		s->err = oerr;
	}
	s->used = ++sy->tick;
	pthread_cond_broadcast(&sy->loaded);
	pthread_mutex_unlock(&sy->mu);
	if (rc != SYM_OK)
		sym_fail(err, rc, "%s", oerr.msg);
	return t;
}

static void table_put(struct symbolicator *sy, struct symtab *t)
{
	unsigned i, lru = UINT_MAX;

	pthread_mutex_lock(&sy->mu);
	for (i = 0; i < sy->nslots; i++)
		if (sy->slots[i].state == SLOT_READY && sy->slots[i].t == t) {
			sy->slots[i].refs--;
			break;
		}
	/* past the cache's size: the least recently used table nobody
	 * holds goes (or a failure remembered) */
	if (sy->nused > sy->nbase) {
		for (i = 0; i < sy->nslots; i++) {
			struct table_slot *s = &sy->slots[i];

			if ((s->state == SLOT_READY || s->state == SLOT_FAILED) && !s->refs &&
			    (lru == UINT_MAX || s->used < sy->slots[lru].used))
				lru = i;
		}
		if (lru != UINT_MAX)
			slot_empty(sy, &sy->slots[lru]);
	}
	pthread_mutex_unlock(&sy->mu);
}

enum sym_code symbolicator_prepare(struct symbolicator *sy, const struct sym_record *rec,
				   struct sym_err *err)
{
	const char *how;
	struct symtab *t = table_get(sy, rec, true, &how, err);

	if (!t)
		return err && err->code ? err->code : SYM_EIO;
	table_put(sy, t);
	return SYM_OK;
}

/* ---- the request ---- */

struct module {
	const char *debug_file, *debug_id;	/* as the request gave them */
	size_t same;			/* the first module of the job with this key */
	int state;			/* -1: not needed (null), 0: no symbols, 1: found */
	struct symtab *t;
	char name[1024];		/* the module's file name in frames */
	const char *how;
	double ms;
};

static bool set_why(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool set_why(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return false;
}

static bool id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n <= 64;
}

/* Checks one job; adds its frames to *frames. */
static bool check_job(json_t *job, size_t j, size_t *frames, char *why, size_t cap)
{
	json_t *mm, *stacks, *v;
	size_t i, k, nmod;

	if (!json_is_object(job))
		return set_why(why, cap, "job %zu is not an object", j);
	mm = json_object_get(job, "memoryMap");
	stacks = json_object_get(job, "stacks");
	if (!json_is_array(mm))
		return set_why(why, cap, "job %zu: memoryMap must be a list", j);
	if ((nmod = json_array_size(mm)) > SYMBOLICATE_MAX_MODULES)
		return set_why(why, cap, "job %zu: more than %d modules", j,
			       SYMBOLICATE_MAX_MODULES);
	json_array_foreach(mm, i, v) {
		json_t *f = json_array_get(v, 0), *id = json_array_get(v, 1);

		if (!json_is_array(v) || json_array_size(v) != 2)
			return set_why(why, cap,
				       "job %zu: module index %zu does not have a debug_filename and debug_id",
				       j, i);
		if (!json_is_string(f) ||
		    (json_string_length(f) && (strlen(json_string_value(f)) != json_string_length(f) ||
					       json_string_length(f) >= 1024 ||
					       !store_name_ok(json_string_value(f)))))
			return set_why(why, cap, "job %zu: module index %zu has an invalid debug_filename",
				       j, i);
		if (!json_is_string(id) || strlen(json_string_value(id)) != json_string_length(id) ||
		    !id_ok(json_string_value(id)))
			return set_why(why, cap, "job %zu: module index %zu has an invalid debug_id", j,
				       i);
	}
	if (!json_is_array(stacks))
		return set_why(why, cap, "job %zu: stacks must be a list of lists", j);
	if (json_array_size(stacks) == 0)
		return set_why(why, cap, "job %zu: no stacks specified", j);
	json_array_foreach(stacks, i, v) {
		json_t *fr;

		if (!json_is_array(v))
			return set_why(why, cap, "job %zu: stack %zu is not a list", j, i);
		json_array_foreach(v, k, fr) {
			json_t *mi = json_array_get(fr, 0), *off = json_array_get(fr, 1);

			if (++*frames > SYMBOLICATE_MAX_FRAMES)
				return set_why(why, cap, "more than %d frames in the request",
					       SYMBOLICATE_MAX_FRAMES);
			if (!json_is_array(fr) || json_array_size(fr) != 2)
				return set_why(why, cap,
					       "job %zu: stack %zu frame %zu is not a list of two items",
					       j, i, k);
			if (!json_is_integer(mi) || json_integer_value(mi) < -1 ||
			    json_integer_value(mi) >= (json_int_t)nmod)
				return set_why(why, cap,
					       "job %zu: stack %zu frame %zu has a module_index that isn't in modules",
					       j, i, k);
			if (!json_is_integer(off) || json_integer_value(off) < -1)
				return set_why(why, cap,
					       "job %zu: stack %zu frame %zu has an invalid module_offset",
					       j, i, k);
		}
	}
	return true;
}

/* The answer, written as text: building it in jansson objects and
 * printing them took twice as long as the lookups. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool nomem, too_big;
};

static void sb_write(struct sbuf *b, const char *s, size_t n)
{
	if (b->nomem || b->too_big)
		return;
	if (n > SYMBOLICATE_MAX_ANSWER - b->len) {
		b->too_big = true;	/* names of 1 MB times 100 000 frames */
		return;
	}
	if (n > b->cap - b->len) {
		size_t nc = b->cap ? b->cap : 65536;
		char *q;

		while (nc - b->len < n)
			nc *= 2;
		if (!(q = realloc(b->p, nc))) {
			b->nomem = true;
			return;
		}
		b->p = q;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_write(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_write(b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* The length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	len = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!len || len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;	/* overlong, past Unicode, or a surrogate */
	return len;
}

/* Decimal and hex without printf: a request writes several per frame,
 * and vfprintf was a seventh of a warm request's time. */
static void sb_uint(struct sbuf *b, const char *pre, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_puts(b, pre);
	sb_write(b, p, (size_t)(buf + sizeof(buf) - p));
}

static void sb_hex(struct sbuf *b, int64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	*--p = '"';
	do {
		*--p = digits[u & 15];
		u >>= 4;
	} while (u);
	*--p = 'x';
	*--p = '0';
	if (v < 0)
		*--p = '-';
	*--p = '"';
	sb_write(b, p, (size_t)(buf + sizeof(buf) - p));
}

/* s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void sb_str(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0;

	sb_write(b, "\"", 1);
	while (i < n) {
		size_t len;

		if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
			i++;	/* plain ASCII: the common case, no decoding */
			run++;
			continue;
		}
		len = utf8_len(s + i, n - i);
		if (len > 1) {	/* a whole UTF-8 sequence: copied as it is */
			i += len;
			run += len;
			continue;
		}
		sb_write(b, (const char *)s + i - run, run);
		run = 0;
		if (len == 1) {	/* (a control character, a quote, a backslash) */
			if (s[i] == '"' || s[i] == '\\') {
				char e[2] = { '\\', (char)s[i] };

				sb_write(b, e, 2);
			} else {
				sb_printf(b, "\\u%04x", s[i]);
			}
			len = 1;
		} else {
			sb_write(b, "\xef\xbf\xbd", 3);
			len = 1;
		}
		i += len;
	}
	sb_write(b, (const char *)s + i - run, run);
	sb_write(b, "\"", 1);
}


/* Finds m's table (state 1) or notes it missing (state 0). */
static void resolve(struct symbolicator *sy, struct module *m, symbolicate_miss_fn miss,
		    void *ctx)
{
	struct sym_record rec;
	struct sym_err err;
	double t0 = now_ms();

	m->state = 0;
	snprintf(m->name, sizeof(m->name), "%s", m->debug_file);
	m->how = "missing";
	sym_err_clear(&err);
	if (!sy->store || !m->debug_file[0] || !m->debug_id[0] ||
	    store_get(sy->store, m->debug_file, m->debug_id, &rec, &err) != SYM_OK) {
		if (sy->store && m->debug_file[0] && m->debug_id[0] && miss)
			miss(ctx, m->debug_file, m->debug_id);
		m->ms = now_ms() - t0;
		return;
	}
	if (rec.code_file[0])
		snprintf(m->name, sizeof(m->name), "%s", rec.code_file);
	sym_err_clear(&err);
	m->t = table_get(sy, &rec, false, &m->how, &err);
	if (m->t) {
		m->state = 1;
	} else {
		if (strcmp(m->how, "failed before") != 0)
			m->how = "error";
		fprintf(stderr, "symserver: no lookup table for %s/%s: %s\n", rec.debug_file,
			rec.debug_id, err.msg);
	}
	m->ms = now_ms() - t0;
}

static void frame_write(struct sbuf *b, const struct module *mods, size_t idx_frame,
			json_int_t mi, json_int_t off, struct symtab_result *rp)
{
	size_t i;

	sb_uint(b, "{\"frame\": ", idx_frame);
	sb_puts(b, ", \"module\": ");
	sb_str(b, mi < 0 ? "<unknown>" : mods[mi].name);
	sb_puts(b, ", \"module_offset\": ");
	sb_hex(b, off);
	if (mi >= 0 && off >= 0 && mods[mi].state == 1) {
		symtab_lookup(mods[mi].t, (uint64_t)off, rp);
		if (rp->kind != SYMTAB_NONE) {
			sb_puts(b, ", \"function\": ");
			sb_str(b, rp->function);
			sb_puts(b, ", \"function_offset\": ");
			sb_hex(b, (int64_t)((uint64_t)off - rp->function_addr));
			if (rp->file) {
				sb_puts(b, ", \"file\": ");
				sb_str(b, rp->file);
				sb_uint(b, ", \"line\": ", rp->line);
			}
			if (rp->ninlines) {
				sb_puts(b, ", \"inlines\": [");
				for (i = 0; i < rp->ninlines; i++) {
					sb_puts(b, i ? ", {\"function\": " : "{\"function\": ");
					sb_str(b, rp->inlines[i].function);
					if (rp->inlines[i].file) {
						sb_puts(b, ", \"file\": ");
						sb_str(b, rp->inlines[i].file);
						sb_uint(b, ", \"line\": ", rp->inlines[i].line);
					}
					sb_puts(b, "}");
				}
				sb_puts(b, "]");
			}
		}
	}
	sb_puts(b, "}");
}

static int cmp_mod(const void *x, const void *y)
{
	const struct module *a = *(struct module *const *)x, *b = *(struct module *const *)y;
	int c = strcmp(a->debug_file, b->debug_file);

	if (!c)
		c = strcmp(a->debug_id, b->debug_id);
	return c ? c : a < b ? -1 : a > b;
}

/* Points each module at the first one of the job with its key: a module
 * listed twice is looked up once and answered once in found_modules. */
static bool dedup(struct module *mods, size_t nmod)
{
	struct module **v = malloc((nmod ? nmod : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return false;
	for (i = 0; i < nmod; i++)
		v[i] = &mods[i];
	qsort(v, nmod, sizeof(*v), cmp_mod);
	for (i = 0; i < nmod; i++)
		v[i]->same = i && !strcmp(v[i]->debug_file, v[i - 1]->debug_file) &&
				     !strcmp(v[i]->debug_id, v[i - 1]->debug_id)
			     ? v[i - 1]->same
			     : (size_t)(v[i] - mods);
	free(v);
	return true;
}

/* Writes one job's result; false when out of memory. */
static bool run_job(struct symbolicator *sy, json_t *job, symbolicate_miss_fn miss, void *ctx,
		    struct sbuf *b, struct sbuf *dbg, double *lookup_ms)
{
	json_t *mm = json_object_get(job, "memoryMap"), *stacks = json_object_get(job, "stacks"), *st;
	size_t nmod = json_array_size(mm), i, k;
	struct module *mods = calloc(nmod ? nmod : 1, sizeof(*mods));
	struct symtab_result *res = calloc(1, sizeof(*res));

	if (!mods || !res) {
		free(mods);
		free(res);
		return false;
	}
	for (i = 0; i < nmod; i++) {
		json_t *m = json_array_get(mm, i);

		mods[i].debug_file = json_string_value(json_array_get(m, 0));
		mods[i].debug_id = json_string_value(json_array_get(m, 1));
		mods[i].state = -1;
	}
	if (!dedup(mods, nmod)) {
		free(mods);
		free(res);
		return false;
	}
	sb_puts(b, "{\"stacks\": [");
	json_array_foreach(stacks, i, st) {
		json_t *fr;

		sb_puts(b, i ? ", [" : "[");
		json_array_foreach(st, k, fr) {
			json_int_t mi = json_integer_value(json_array_get(fr, 0));
			json_int_t off = json_integer_value(json_array_get(fr, 1));
			double t0;

			if (b->nomem || b->too_big)
				break;	/* refused anyway: no more lookups */
			if (mi >= 0)
				mi = (json_int_t)mods[mi].same;

			if (mi >= 0 && off >= 0 && mods[mi].state < 0)
				resolve(sy, &mods[mi], miss, ctx);
			t0 = now_ms();
			if (k)
				sb_puts(b, ", ");
			frame_write(b, mods, k, mi, off, res);
			*lookup_ms += now_ms() - t0;
		}
		sb_puts(b, "]");
	}
	sb_puts(b, "], \"found_modules\": {");
	for (i = 0; i < nmod; i++) {
		char key[2200];

		if (mods[i].same != i)
			continue;	/* answered with the first of its key */
		snprintf(key, sizeof(key), "%s/%s", mods[i].debug_file, mods[i].debug_id);
		if (i)	/* module 0 is always the first of its key */
			sb_puts(b, ", ");
		sb_str(b, key);
		sb_puts(b, mods[i].state < 0 ? ": null" : mods[i].state ? ": true" : ": false");
		if (dbg && mods[i].state >= 0) {
			if (dbg->len)
				sb_puts(dbg, ", ");
			sb_str(dbg, key);
			sb_puts(dbg, ": {\"table\": ");
			sb_str(dbg, mods[i].how);
			sb_printf(dbg, ", \"ms\": %.3f", mods[i].ms);
			if (mods[i].t)
				sb_printf(dbg, ", \"table_bytes\": %" PRIu64, symtab_size(mods[i].t));
			sb_puts(dbg, "}");
		}
		if (mods[i].t)
			table_put(sy, mods[i].t);
	}
	sb_puts(b, "}}");
	free(mods);
	symtab_result_release(res);
	free(res);
	return true;
}

char *symbolicate_v5(struct symbolicator *sy, const char *body, size_t len, bool debug,
		     symbolicate_miss_fn miss, void *ctx, size_t *len_out, char *why, size_t cap)
{
	double t0 = now_ms(), t1, lookup_ms = 0;
	json_error_t jerr;
	json_t *root, *jobs, *job;
	struct sbuf out = { 0 }, dbg = { 0 };
	size_t i, frames = 0;

	if (len > SYMBOLICATE_MAX_BODY) {
		set_why(why, cap, "the request is larger than %d bytes", SYMBOLICATE_MAX_BODY);
		return NULL;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		set_why(why, cap, "payload is not valid JSON: %s (at byte %d)", jerr.text,
			jerr.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		set_why(why, cap, "the request must be a JSON object");
		return NULL;
	}
	jobs = json_object_get(root, "jobs");
	if (jobs) {
		if (!json_is_array(jobs) || json_array_size(jobs) == 0) {
			json_decref(root);
			set_why(why, cap, "jobs must be a non-empty list");
			return NULL;
		}
		if (json_array_size(jobs) > SYMBOLICATE_MAX_JOBS) {
			json_decref(root);
			set_why(why, cap, "at most %d jobs in one request", SYMBOLICATE_MAX_JOBS);
			return NULL;
		}
		json_incref(jobs);
	} else if (!(jobs = json_array()) || json_array_append(jobs, root) != 0) {
		json_decref(jobs);
		json_decref(root);
		set_why(why, cap, "out of memory");
		return NULL;
	}
	json_array_foreach(jobs, i, job)
		if (!check_job(job, i, &frames, why, cap)) {
			json_decref(jobs);
			json_decref(root);
			return NULL;
		}
	t1 = now_ms();
	sb_puts(&out, "{\"results\": [");
	json_array_foreach(jobs, i, job) {
		if (i)
			sb_puts(&out, ", ");
		if (!run_job(sy, job, miss, ctx, &out, debug ? &dbg : NULL, &lookup_ms))
			out.nomem = true;
	}
	sb_puts(&out, "]");
	if (debug) {
		sb_printf(&out, ", \"debug\": {\"frames\": %zu, \"parse_ms\": %.3f, \"lookup_ms\": %.3f, "
			  "\"total_ms\": %.3f, \"modules\": {", frames, t1 - t0, lookup_ms, now_ms() - t0);
		sb_write(&out, dbg.p ? dbg.p : "", dbg.len);
		sb_puts(&out, "}}");
		if (dbg.nomem)
			out.nomem = true;
		if (dbg.too_big)
			out.too_big = true;
		free(dbg.p);
	}
	sb_puts(&out, "}\n");
	json_decref(jobs);
	json_decref(root);
	if (out.nomem || out.too_big) {
		free(out.p);
		if (out.nomem)
			set_why(why, cap, "out of memory");
		else
			set_why(why, cap, "the answer would be larger than %d bytes: ask for fewer frames",
				SYMBOLICATE_MAX_ANSWER);
		return NULL;
	}
	*len_out = out.len;
	return out.p;
}
