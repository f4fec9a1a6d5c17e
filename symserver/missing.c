/* missing.c - missing-symbol accounting (batched), listing formats and the
 * "symserver missing" command. */
#include "config.h"
#include "missing.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fsutil.h"
#include "helpers.h"

/* At most this many distinct keys wait for one flush; past it the flusher
 * is woken early, and past twice it counts are dropped (and counted). */
enum { ACC_SOFT = 4096, ACC_HARD = 8192 };

struct acc_entry {
	char key[600];		/* canonical store key */
	struct store_miss m;
};

struct miss_acc {
	struct store *store;
	unsigned interval_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool stop, wake;
	/* pending counts: entries plus an open-addressing index into them */
	struct acc_entry *e;
	size_t n, cap;
	uint32_t *index;	/* entry number + 1, 0 empty */
	size_t index_cap;	/* power of two, > 2 * ACC_HARD */
	uint64_t noted, flushes, flush_errors, dropped;
	pthread_mutex_t flush_mu;	/* one flush at a time */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

void miss_acc_note(struct miss_acc *a, const char *debug_file, const char *debug_id,
		   const char *code_file, const char *code_id, uint64_t misses,
		   uint64_t crashes)
{
	char key[600];
	size_t mask, i;
	uint64_t t = now_s();
	struct acc_entry *e;

	if (!a || !store_key(debug_file, debug_id, key, sizeof(key)) ||
	    strlen(debug_file) >= sizeof(e->m.debug_file) ||
	    strlen(debug_id) >= sizeof(e->m.debug_id))
		return;
	pthread_mutex_lock(&a->mu);
	a->noted++;
	mask = a->index_cap - 1;
	for (i = hash_str(key) & mask;; i = (i + 1) & mask) {
		uint32_t slot = a->index[i];
		if (!slot)
			break;
		if (strcmp(a->e[slot - 1].key, key) == 0) {
			e = &a->e[slot - 1];
			goto add;
		}
	}
	if (a->n >= ACC_HARD) {
		a->dropped++;
		pthread_mutex_unlock(&a->mu);
		return;
	}
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		void *p = realloc(a->e, nc * sizeof(*a->e));
		if (!p) {
			a->dropped++;
			pthread_mutex_unlock(&a->mu);
			return;
		}
		a->e = p;
		a->cap = nc;
	}
	e = &a->e[a->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->m.debug_file, sizeof(e->m.debug_file), "%s", debug_file);
	snprintf(e->m.debug_id, sizeof(e->m.debug_id), "%s", debug_id);
	e->m.first_seen = t;
	a->index[i] = (uint32_t)++a->n;
	if (a->n == ACC_SOFT) {
		a->wake = true;
		pthread_cond_signal(&a->cv);
	}
add:
	e->m.misses += misses;
	e->m.crashes += crashes;
	e->m.last_seen = t;
	if (code_file && *code_file && !e->m.code_file[0] &&
	    strlen(code_file) < sizeof(e->m.code_file))
		snprintf(e->m.code_file, sizeof(e->m.code_file), "%s", code_file);
	if (code_id && *code_id && !e->m.code_id[0] && strlen(code_id) < sizeof(e->m.code_id))
		snprintf(e->m.code_id, sizeof(e->m.code_id), "%s", code_id);
	pthread_mutex_unlock(&a->mu);
}

int miss_acc_flush(struct miss_acc *a)
{
	struct acc_entry *batch;
	struct store_miss *v;
	struct sym_err err;
	size_t n, i;
	int rc = 0;

	if (!a)
		return 0;
	pthread_mutex_lock(&a->flush_mu);
	pthread_mutex_lock(&a->mu);
	batch = a->e;
	n = a->n;
	a->e = NULL;
	a->n = a->cap = 0;
	if (n)
		memset(a->index, 0, a->index_cap * sizeof(*a->index));
	pthread_mutex_unlock(&a->mu);
	if (n) {
		v = malloc(n * sizeof(*v));
		if (!v) {
			rc = -1;
		} else {
			for (i = 0; i < n; i++)
				v[i] = batch[i].m;
			sym_err_clear(&err);
			if (store_missing_add(a->store, v, n, &err) != SYM_OK) {
				fprintf(stderr, "symserver: missing symbols not recorded: %s\n", err.msg);
				rc = -1;
			}
			free(v);
		}
		pthread_mutex_lock(&a->mu);
		a->flushes++;
		if (rc) {
			a->flush_errors++;
			a->dropped += n;
		}
		pthread_mutex_unlock(&a->mu);
	}
	free(batch);
	pthread_mutex_unlock(&a->flush_mu);
	return rc;
}

static void *flusher(void *p)
{
	struct miss_acc *a = p;

	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += a->interval_ms / 1000;
		ts.tv_nsec += (long)(a->interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!a->stop && !a->wake)
			if (pthread_cond_timedwait(&a->cv, &a->mu, &ts) == ETIMEDOUT)
				break;
		a->wake = false;
		if (a->stop)
			break;
		pthread_mutex_unlock(&a->mu);
		miss_acc_flush(a);
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

struct miss_acc *miss_acc_start(struct store *s, unsigned interval_ms)
{
	struct miss_acc *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->store = s;
	a->interval_ms = interval_ms ? interval_ms : 1000;
	a->index_cap = 32768;
	a->index = calloc(a->index_cap, sizeof(*a->index));
	if (!a->index) {
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->flush_mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (pthread_create(&a->thread, NULL, flusher, a) != 0) {
		free(a->index);
		free(a);
		return NULL;
	}
	return a;
}

void miss_acc_stop(struct miss_acc *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	miss_acc_flush(a);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->flush_mu);
	free(a->e);
	free(a->index);
	free(a);
}

void miss_acc_stats(struct miss_acc *a, struct miss_acc_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	st->noted = a->noted;
	st->flushes = a->flushes;
	st->flush_errors = a->flush_errors;
	st->dropped = a->dropped;
	st->pending = a->n;
	pthread_mutex_unlock(&a->mu);
}

/* ---- formats --------------------------------------------------------- */

void missing_iso_time(uint64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm)) {
		if (cap)
			out[0] = '\0';
		return;
	}
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* one JSON value on f, written by the server's one JSON writer (its
 * reference is taken); false when out of memory */
static bool json_put(FILE *f, json_t *j)
{
	size_t len;
	char *line = json_line(j, JSON_ENCODE_ANY, &len);

	if (!line)
		return false;
	fwrite(line, 1, len - 1, f);	/* without json_line's newline */
	free(line);
	return true;
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static const char *status_name(enum store_miss_status s)
{
	return s == MISS_RESOLVED ? "resolved" : s == MISS_IGNORED ? "ignored" : "open";
}

void missing_write(FILE *f, enum miss_format fmt, const struct store_miss *v, size_t n,
		   size_t total, const char *next, const char *base_url)
{
	char first[32], last[32], res[32];
	size_t i;

	if (fmt == MISS_CSV)
		fputs("debug_file,debug_id,code_file,code_id,crashes,misses,first_seen,last_seen,"
		      "status,reason,other_ids\r\n", f);
	else if (fmt == MISS_JSON)	/* streamed: the envelope here, each entry by json_put() */
		fputs("{\"missing\": [", f);
	else
		fprintf(f, "%-8s %-8s %-20s %-15s %-34s %s\n", "CRASHES", "MISSES", "LAST SEEN",
			"REASON", "DEBUG ID", "DEBUG FILE");
	for (i = 0; i < n; i++) {
		const struct store_miss *m = &v[i];
		missing_iso_time(m->first_seen, first, sizeof(first));
		missing_iso_time(m->last_seen, last, sizeof(last));
		missing_iso_time(m->resolved_at, res, sizeof(res));
		if (fmt == MISS_CSV) {
			csv_field(f, m->debug_file);
			fputc(',', f);
			csv_field(f, m->debug_id);
			fputc(',', f);
			csv_field(f, m->code_file);
			fputc(',', f);
			csv_field(f, m->code_id);
			fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%s,%s,%s,%s,", m->crashes, m->misses,
				first, last, status_name(m->status), m->reason ? m->reason : "");
			csv_field(f, m->other_ids);
			fputs("\r\n", f);
		} else if (fmt == MISS_JSON) {
			const char *p = m->other_ids;
			json_t *others = json_array(), *j;

			while (others && *p) {
				size_t l = strcspn(p, " ");
				json_array_append_new(others, json_text_n(p, l));
				p += l;
				while (*p == ' ')
					p++;
			}
			j = json_pack("{s:o,s:o,s:o,s:o,s:I,s:I,s:s,s:s,s:s,s:s,s:o,s:o}",
				      "debug_file", json_text(m->debug_file), "debug_id", json_text(m->debug_id),
				      "code_file", json_text(m->code_file), "code_id", json_text(m->code_id),
				      "crashes", (json_int_t)m->crashes, "misses", (json_int_t)m->misses,
				      "first_seen", first, "last_seen", last, "status", status_name(m->status),
				      "reason", m->reason ? m->reason : "",
				      "resolved_at", m->resolved_at ? json_string(res) : json_null(),
				      "other_ids", others);
			if (j && m->status != MISS_RESOLVED && base_url) {
				/* where a processor looks, for a quick check once uploaded */
				char *sn = sym_file_name(m->debug_file), url[2048];
				snprintf(url, sizeof(url), "%s/%s/%s/%s", base_url, m->debug_file,
					 m->debug_id, sn ? sn : "");
				free(sn);
				json_object_set_new(j, "url", json_text(url));
			}
			fputs(i ? ",\n  " : "\n  ", f);
			if (!json_put(f, j))
				fputs("null", f);	/* out of memory: still JSON */
		} else {
			fprintf(f, "%-8" PRIu64 " %-8" PRIu64 " %-20s %-15s %-34s %s\n", m->crashes,
				m->misses, last, m->reason ? m->reason : "", m->debug_id, m->debug_file);
			if (m->other_ids[0])
				fprintf(f, "%*s(the store has %s under %s)\n", 9, "", m->debug_file,
					m->other_ids);
		}
	}
	if (fmt == MISS_JSON) {
		fprintf(f, "%s], \"count\": %zu, \"total\": %zu, \"next_cursor\": ", n ? "\n" : "", n,
			total);
		if (!next || !*next || !json_put(f, json_text(next)))
			fputs("null", f);
		fputs("}\n", f);
	}
}

bool missing_parse_since(const char *s, uint64_t now, uint64_t *out)
{
	char *e;
	unsigned long long v;
	struct tm tm;
	const char *r;

	if (!s || !*s)
		return false;
	if (isdigit((unsigned char)s[0]) && strlen(s) >= 10 && s[4] == '-') {
		memset(&tm, 0, sizeof(tm));
		r = strptime(s, "%Y-%m-%d", &tm);
		if (!r)
			return false;
		if (*r == 'T' || *r == ' ') {
			r = strptime(r + 1, "%H:%M:%S", &tm);
			if (!r)
				return false;
			if (*r == 'Z')
				r++;
		}
		if (*r)
			return false;
		*out = (uint64_t)timegm(&tm);
		return true;
	}
	errno = 0;
	v = strtoull(s, &e, 10);
	if (e == s || errno || s[0] == '-')
		return false;
	if (!*e) {
		*out = v;
		return true;
	}
	if (e[1])
		return false;
	switch (*e) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	case 'w': v *= 7 * 86400; break;
	default: return false;
	}
	*out = v > now ? 0 : now - v;
	return true;
}

bool missing_parse_status(const char *s, int *out)
{
	if (!s || strcmp(s, "open") == 0)
		*out = MISS_OPEN;
	else if (strcmp(s, "resolved") == 0)
		*out = MISS_RESOLVED;
	else if (strcmp(s, "ignored") == 0)
		*out = MISS_IGNORED;
	else if (strcmp(s, "all") == 0)
		*out = -1;
	else
		return false;
	return true;
}

/* ---- symserver missing ----------------------------------------------- */

static const char missing_usage[] =
	"usage: symserver missing [--store DIR] [--since WHEN] [--min-count N]\n"
	"                         [--status open|resolved|ignored|all] [--prefix FILE]\n"
	"                         [--limit N] [--format table|csv|json]\n"
	"       symserver missing ignore PATTERN [--store DIR]\n"
	"       symserver missing unignore PATTERN [--store DIR]\n"
	"       symserver missing ignored [--store DIR]\n"
	"WHEN: seconds since the epoch, 2026-12-01[T10:00:00Z], or an age (90m, 24h, 7d).\n"
	"--s3 URL [--s3-credentials FILE] [--s3-timeout MS] [--s3-virtual-host]: a node\n"
	"over that bucket (as for serve): the listing merges every node's counts, and\n"
	"ignore and unignore reach every node.\n";

/* ---- the listing ------------------------------------------------------ */

struct patterns {
	char **p;
	size_t n;
	bool failed;
};

static void patterns_free(struct patterns *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->p[i]);
	free(ps->p);
}

static void patterns_add(void *ctx, const char *pattern)
{
	struct patterns *ps = ctx;
	char **q, *str;

	if (ps->failed)
		return;
	q = realloc(ps->p, (ps->n + 1) * sizeof(*q));
	if (q)
		ps->p = q;
	if (!q || !(str = strdup(pattern))) {
		ps->failed = true;
		return;
	}
	ps->p[ps->n++] = str;
}

static bool patterns_match(const struct patterns *ps, const struct store_miss *m)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (fnmatch(ps->p[i], m->debug_file, FNM_CASEFOLD) == 0 ||
		    (m->code_file[0] && fnmatch(ps->p[i], m->code_file, FNM_CASEFOLD) == 0))
			return true;
	return false;
}

static void miss_sort_key(const struct store_miss *m, char *out, size_t cap)
{
	if (!store_key(m->debug_file, m->debug_id, out, cap))
		out[0] = '\0';
}

static int miss_cmp_parts(uint64_t c1, uint64_t m1, const char *k1,
			  uint64_t c2, uint64_t m2, const char *k2)
{
	if (c1 != c2)
		return c1 > c2 ? -1 : 1;
	if (m1 != m2)
		return m1 > m2 ? -1 : 1;
	return strcmp(k1, k2);
}

static int miss_cmp(const void *a, const void *b)
{
	const struct store_miss *x = a, *y = b;
	char kx[600], ky[600];

	miss_sort_key(x, kx, sizeof(kx));
	miss_sort_key(y, ky, sizeof(ky));
	return miss_cmp_parts(x->crashes, x->misses, kx, y->crashes, y->misses, ky);
}

/* A max-heap under miss_cmp: the root is the record that sorts last. */
static void heap_swap(struct store_miss *a, struct store_miss *b)
{
	struct store_miss t = *a;

	*a = *b;
	*b = t;
}

static void heap_up(struct store_miss *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (miss_cmp(&h[p], &h[i]) >= 0)
			break;
		heap_swap(&h[p], &h[i]);
		i = p;
	}
}

static void heap_down(struct store_miss *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && miss_cmp(&h[l], &h[m]) > 0)
			m = l;
		if (r < n && miss_cmp(&h[r], &h[m]) > 0)
			m = r;
		if (m == i)
			return;
		heap_swap(&h[m], &h[i]);
		i = m;
	}
}

/* Cursor: "<crashes>.<misses>.<hex of the key>" of the last record shown. */
static bool cursor_parse(const char *s, uint64_t *c, uint64_t *m, char *key, size_t cap)
{
	char *e;
	size_t i, n;

	if (!isdigit((unsigned char)*s))
		return false;
	*c = strtoull(s, &e, 10);
	if (*e != '.' || !isdigit((unsigned char)e[1]))
		return false;
	*m = strtoull(e + 1, &e, 10);
	if (*e != '.')
		return false;
	s = e + 1;
	n = strlen(s);
	if (n % 2 || n / 2 + 1 > cap)
		return false;
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		key[i] = (char)v;
	}
	key[n / 2] = '\0';
	return n > 0 && strlen(key) == n / 2;
}

struct list_ctx {
	const struct missing_query *q;
	struct patterns ps;
	struct store_miss *all;
	size_t n, ncap, matched, keep;
	uint64_t cc, cm;
	char ckey[600];
	size_t plen;
	bool nomem;
};

static int list_one(void *ctx, const struct store_miss *rec)
{
	struct list_ctx *L = ctx;
	const struct missing_query *q = L->q;
	struct store_miss m = *rec;

	if (m.status == MISS_OPEN && patterns_match(&L->ps, &m))
		m.status = MISS_IGNORED;
	if (q->status >= 0 && (int)m.status != q->status)
		return 0;
	if (m.last_seen < q->since || m.misses + m.crashes < q->min_count)
		return 0;
	if (L->plen && strncasecmp(m.debug_file, q->prefix, L->plen) != 0)
		return 0;
	if (q->cursor && q->cursor[0]) {
		char key[600];
		miss_sort_key(&m, key, sizeof(key));
		if (miss_cmp_parts(m.crashes, m.misses, key, L->cc, L->cm, L->ckey) <= 0)
			return 0;
	}
	L->matched++;
	if (L->keep && L->n == L->keep) {
		/* a page: only the best keep records are held, in a heap
		 * whose root is the one that sorts last */
		if (miss_cmp(&m, &L->all[0]) < 0) {
			L->all[0] = m;
			heap_down(L->all, L->n, 0);
		}
		return 0;
	}
	if (L->n == L->ncap) {
		size_t nc = L->ncap ? L->ncap * 2 : 64;
		void *p;
		if (L->keep && nc > L->keep)
			nc = L->keep;
		if (!(p = realloc(L->all, nc * sizeof(*L->all)))) {
			L->nomem = true;
			return 1;
		}
		L->all = p;
		L->ncap = nc;
	}
	L->all[L->n++] = m;
	if (L->keep)
		heap_up(L->all, L->n - 1);
	return 0;
}

enum sym_code missing_list(struct store *s, const struct missing_query *q,
			   struct store_miss **out, size_t *nout, size_t *total, char *next,
			   size_t cap, struct sym_err *err)
{
	struct list_ctx L;
	struct store_miss m;
	size_t count, i;

	*out = NULL;
	*nout = 0;
	if (total)
		*total = 0;
	next[0] = '\0';
	memset(&L, 0, sizeof(L));
	L.q = q;
	/* with a limit, one more than the page tells whether a next page exists */
	L.keep = q->limit ? q->limit + 1 : 0;
	L.plen = q->prefix ? strlen(q->prefix) : 0;
	if (q->cursor && q->cursor[0] && !cursor_parse(q->cursor, &L.cc, &L.cm, L.ckey, sizeof(L.ckey)))
		return sym_fail(err, SYM_EUSAGE, "malformed cursor");
	if (store_ignore_list(s, patterns_add, &L.ps, err) != SYM_OK || L.ps.failed) {
		patterns_free(&L.ps);
		return L.ps.failed ? sym_fail(err, SYM_ENOMEM, "out of memory") : err->code;
	}
	if (store_missing_each(s, list_one, &L, err) != SYM_OK || L.nomem) {
		patterns_free(&L.ps);
		free(L.all);
		return L.nomem ? sym_fail(err, SYM_ENOMEM, "out of memory") : err->code;
	}
	patterns_free(&L.ps);
	if (L.n)
		qsort(L.all, L.n, sizeof(*L.all), miss_cmp);
	count = L.n;
	if (total)
		*total = L.matched;
	/* reasons only for the page shown: the id-mismatch check reads the
	 * index */
	for (i = 0; i < count && (!q->limit || i < q->limit); i++) {
		struct store_miss *x = &L.all[i];
		switch (x->status) {
		case MISS_RESOLVED:
			x->reason = x->resolved_at > x->first_seen ? "late-upload" : "uploaded";
			break;
		case MISS_IGNORED:
			x->reason = "ignored";
			break;
		default:
			store_ids_of(s, x->debug_file, x->debug_id, x->other_ids, sizeof(x->other_ids));
			x->reason = x->other_ids[0] ? "id-mismatch" : "never-uploaded";
		}
	}
	if (q->limit && count > q->limit) {
		char key[600];
		size_t o;
		int w;

		count = q->limit;
		m = L.all[count - 1];
		miss_sort_key(&m, key, sizeof(key));
		w = snprintf(next, cap, "%" PRIu64 ".%" PRIu64 ".", m.crashes, m.misses);
		o = w > 0 ? (size_t)w : 0;
		for (i = 0; key[i] && o + 3 <= cap; i++, o += 2)
			snprintf(next + o, 3, "%02x", (unsigned char)key[i]);
		if (key[i])
			next[0] = '\0';	/* cannot happen with cap >= 1300 */
	}
	*out = L.all;
	*nout = count;
	return SYM_OK;
}

static void print_pattern(void *ctx, const char *p)
{
	(void)ctx;
	printf("%s\n", p);
}

int missing_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "min-count", required_argument, NULL, 'm' },
		{ "status", required_argument, NULL, 't' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "s3", required_argument, NULL, '3' },
		{ "s3-credentials", required_argument, NULL, 'C' },
		{ "s3-timeout", required_argument, NULL, 'T' },
		{ "s3-virtual-host", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct missing_query q;
	const char *dir = "./symstore", *sub = NULL, *arg = NULL, *s3 = NULL, *creds = NULL;
	unsigned long long s3_timeout = 10000;
	struct store_s3_config *s3c = NULL;
	bool vhost = false;
	enum miss_format fmt = MISS_TABLE;
	struct store *st;
	struct sym_err err;
	struct store_miss *v;
	size_t n, total;
	char next[2048], *e;
	int c, rc = 0;

	memset(&q, 0, sizeof(q));
	q.status = MISS_OPEN;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': dir = optarg; break;
		case 'S':
			if (!missing_parse_since(optarg, now_s(), &q.since)) {
				fprintf(stderr, "symserver: bad --since '%s'\n", optarg);
				return 2;
			}
			break;
		case 'm':
			q.min_count = strtoull(optarg, &e, 10);
			if (*e || !*optarg) {
				fprintf(stderr, "symserver: bad --min-count '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			if (!missing_parse_status(optarg, &q.status)) {
				fprintf(stderr, "symserver: bad --status '%s'\n", optarg);
				return 2;
			}
			break;
		case 'p': q.prefix = optarg; break;
		case '3': s3 = optarg; break;
		case 'C': creds = optarg; break;
		case 'V': vhost = true; break;
		case 'T':
			s3_timeout = strtoull(optarg, &e, 10);
			if (*e || !*optarg || s3_timeout < 1 || s3_timeout > 3600000) {
				fprintf(stderr, "symserver: bad --s3-timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l': q.limit = strtoull(optarg, NULL, 10); break;
		case 'f':
			if (strcmp(optarg, "table") == 0) fmt = MISS_TABLE;
			else if (strcmp(optarg, "csv") == 0) fmt = MISS_CSV;
			else if (strcmp(optarg, "json") == 0) fmt = MISS_JSON;
			else {
				fprintf(stderr, "symserver: bad --format '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': fputs(missing_usage, stdout); return 0;
		default:
			sym_bad_option("symserver", c, argv);
			fputs(missing_usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	if (sub && (strcmp(sub, "ignore") == 0 || strcmp(sub, "unignore") == 0)) {
		if (optind != argc - 1) {
			fprintf(stderr, "symserver: %s PATTERN after 'missing %s'\n",
				optind < argc ? "one" : "missing", sub);
			fputs(missing_usage, stderr);
			return 2;
		}
		arg = argv[optind];
	} else if (sub && strcmp(sub, "ignored") != 0) {
		fprintf(stderr, "symserver: unknown argument '%s' after 'missing' "
			"(ignore, unignore or ignored)\n", sub);
		fputs(missing_usage, stderr);
		return 2;
	} else if (optind != argc) {
		fprintf(stderr, "symserver: unexpected argument '%s'\n", argv[optind]);
		fputs(missing_usage, stderr);
		return 2;
	}
	if ((creds || vhost) && !s3) {
		fprintf(stderr, "symserver: --s3-credentials and --s3-virtual-host go with --s3\n");
		return 2;
	}
	if (s3 && !(s3c = symserver_s3_config(s3, creds, (long)s3_timeout, vhost)))
		return 2;
	sym_err_clear(&err);
	/* only ignore and unignore write: a listing never creates a store */
	if ((s3c ? store_open_s3(&st, dir, s3c, arg != NULL, &err)
		 : (arg ? store_open : store_open_existing)(&st, dir, &err)) != SYM_OK) {
		fprintf(stderr, "symserver: %s\n", err.msg);
		return 1;
	}
	if (sub && strcmp(sub, "ignore") == 0)
		rc = store_ignore_add(st, arg, &err) == SYM_OK ? 0 : 1;
	else if (sub && strcmp(sub, "unignore") == 0)
		rc = store_ignore_remove(st, arg, &err) == SYM_OK ? 0 : 1;
	else if (sub)
		rc = store_ignore_list(st, print_pattern, NULL, &err) == SYM_OK ? 0 : 1;
	else if (missing_list(st, &q, &v, &n, &total, next, sizeof(next), &err) != SYM_OK)
		rc = 1;
	else {
		missing_write(stdout, fmt, v, n, total, next, NULL);
		if (fmt == MISS_TABLE && next[0])
			printf("(%zu of %zu shown: --limit; the listing is sorted by crashes, then misses)\n",
			       n, total);
		free(v);
	}
	if (rc)
		fprintf(stderr, "symserver: %s\n", err.msg);
	store_close(st);
	return rc;
}
