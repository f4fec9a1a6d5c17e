/* symbolicate.c - POST /symbolicate/v5 and `symserver symbolicate`: the
 * request is checked whole before any work, then each frame is looked up
 * in its module's lookup table (symtab.c), built from the stored .sym
 * when there is none yet or the one on disk is bad. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
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

struct table_slot {
	char hash[65];
	struct symtab *t;
	unsigned refs;
	uint64_t used;		/* a tick of the last use */
};

struct symbolicator {
	struct store *store;
	pthread_mutex_t mu;
	struct table_slot *slots;
	unsigned nslots;
	uint64_t tick;
};

struct symbolicator *symbolicator_new(struct store *store, unsigned max_open)
{
	struct symbolicator *sy = calloc(1, sizeof(*sy));

	if (!sy)
		return NULL;
	sy->store = store;
	sy->nslots = max_open ? max_open : 256;
	if (!(sy->slots = calloc(sy->nslots, sizeof(*sy->slots)))) {
		free(sy);
		return NULL;
	}
	pthread_mutex_init(&sy->mu, NULL);
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

/* A table from the cache, or opened (and cached when there is room);
 * give it back with table_put(). */
static struct symtab *table_get(struct symbolicator *sy, const struct sym_record *rec,
				const char **how, struct sym_err *err)
{
	struct symtab *t = NULL;
	unsigned i;
	int empty = -1, lru = -1, victim;

	pthread_mutex_lock(&sy->mu);
	for (i = 0; i < sy->nslots; i++)
		if (sy->slots[i].t && strcmp(sy->slots[i].hash, rec->hash) == 0) {
			sy->slots[i].refs++;
			sy->slots[i].used = ++sy->tick;
			pthread_mutex_unlock(&sy->mu);
			*how = "cached";
			return sy->slots[i].t;
		}
	pthread_mutex_unlock(&sy->mu);
	if (open_table(sy, rec, &t, how, err) != SYM_OK)
		return NULL;
	pthread_mutex_lock(&sy->mu);
	for (i = 0; i < sy->nslots; i++) {
		struct table_slot *s = &sy->slots[i];

		if (s->t && strcmp(s->hash, rec->hash) == 0) {
			/* another request opened it meanwhile: share that one */
			s->refs++;
			s->used = ++sy->tick;
			pthread_mutex_unlock(&sy->mu);
			symtab_close(t);
			return s->t;
		}
		if (!s->t) {
			if (empty < 0)
				empty = (int)i;
		} else if (!s->refs && (lru < 0 || s->used < sy->slots[lru].used)) {
			lru = (int)i;
		}
	}
	victim = empty >= 0 ? empty : lru;
	if (victim >= 0) {
		struct table_slot *s = &sy->slots[victim];

		symtab_close(s->t);
		snprintf(s->hash, sizeof(s->hash), "%s", rec->hash);
		s->t = t;
		s->refs = 1;
		s->used = ++sy->tick;
		pthread_mutex_unlock(&sy->mu);
		return t;
	}
	pthread_mutex_unlock(&sy->mu);
	return t;	/* every slot in use: not cached, closed by table_put() */
}

static void table_put(struct symbolicator *sy, struct symtab *t)
{
	unsigned i;

	pthread_mutex_lock(&sy->mu);
	for (i = 0; i < sy->nslots; i++)
		if (sy->slots[i].t == t) {
			sy->slots[i].refs--;
			pthread_mutex_unlock(&sy->mu);
			return;
		}
	pthread_mutex_unlock(&sy->mu);
	symtab_close(t);
}

enum sym_code symbolicator_prepare(struct symbolicator *sy, const struct sym_record *rec,
				   struct sym_err *err)
{
	const char *how;
	struct symtab *t = table_get(sy, rec, &how, err);

	if (!t)
		return err && err->code ? err->code : SYM_EIO;
	table_put(sy, t);
	return SYM_OK;
}

/* ---- the request ---- */

struct module {
	const char *debug_file, *debug_id;	/* as the request gave them */
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
	bool nomem;
};

static void sb_write(struct sbuf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
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

/* s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void sb_str(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0;

	sb_write(b, "\"", 1);
	while (i < n) {
		size_t len = utf8_len(s + i, n - i);

		if (len == 1 && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\') {
			i++;
			run++;
			continue;
		}
		sb_write(b, (const char *)s + i - run, run);
		run = 0;
		if (len > 1) {
			sb_write(b, (const char *)s + i, len);
		} else if (len == 1) {
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

static void sb_hex(struct sbuf *b, int64_t v)
{
	if (v < 0)
		sb_printf(b, "\"-0x%" PRIx64 "\"", (uint64_t)0 - (uint64_t)v);
	else
		sb_printf(b, "\"0x%" PRIx64 "\"", (uint64_t)v);
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
	m->t = table_get(sy, &rec, &m->how, &err);
	if (m->t) {
		m->state = 1;
	} else {
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

	sb_printf(b, "{\"frame\": %zu, \"module\": ", idx_frame);
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
				sb_printf(b, ", \"line\": %" PRIu64, rp->line);
			}
			if (rp->ninlines) {
				sb_puts(b, ", \"inlines\": [");
				for (i = 0; i < rp->ninlines; i++) {
					sb_puts(b, i ? ", {\"function\": " : "{\"function\": ");
					sb_str(b, rp->inlines[i].function);
					if (rp->inlines[i].file) {
						sb_puts(b, ", \"file\": ");
						sb_str(b, rp->inlines[i].file);
						sb_printf(b, ", \"line\": %" PRIu64, rp->inlines[i].line);
					}
					sb_puts(b, "}");
				}
				sb_puts(b, "]");
			}
		}
	}
	sb_puts(b, "}");
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
	sb_puts(b, "{\"stacks\": [");
	json_array_foreach(stacks, i, st) {
		json_t *fr;

		sb_puts(b, i ? ", [" : "[");
		json_array_foreach(st, k, fr) {
			json_int_t mi = json_integer_value(json_array_get(fr, 0));
			json_int_t off = json_integer_value(json_array_get(fr, 1));
			double t0;

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

		snprintf(key, sizeof(key), "%s/%s", mods[i].debug_file, mods[i].debug_id);
		if (i)
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
	} else {
		jobs = json_array();
		json_array_append(jobs, root);
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
		free(dbg.p);
	}
	sb_puts(&out, "}\n");
	json_decref(jobs);
	json_decref(root);
	if (out.nomem) {
		free(out.p);
		set_why(why, cap, "out of memory");
		return NULL;
	}
	*len_out = out.len;
	return out.p;
}
