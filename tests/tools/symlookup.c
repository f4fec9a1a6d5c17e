/* symlookup.c - looks addresses up in a Breakpad .sym file the way
 * Breakpad's processor (BasicSourceLineResolver) does.
 *
 *   symlookup FILE.sym ADDR...     (hex, module-relative, "0x" optional)
 *
 * Prints one line per address, in the order given:
 *
 *   ADDR FUNCTION FILE:LINE   a FUNC covers ADDR; FILE:LINE from the line
 *                             record of that FUNC covering it ("??:0" when
 *                             none does).  INLINE records are not used: the
 *                             name is the outermost function's, the line
 *                             the innermost location.
 *   ADDR PUBLIC ??:0          no FUNC covers ADDR, and the nearest PUBLIC at
 *                             or below it lies above the nearest FUNC below
 *   ADDR ?? ??:0              otherwise
 *
 * ADDR is printed in lower-case hex without leading zeros.  Conflicts are
 * settled as Breakpad settles them: of overlapping FUNC records, or line
 * records of one FUNC, the first in the file wins; zero-size ones are
 * dropped; of PUBLICs at one address the first wins; line records after a
 * PUBLIC belong to no function.  Malformed records are skipped and
 * counted (reported on standard error).  Exit status 0, or 2 for usage
 * errors, unreadable files, bad addresses and lack of memory.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct func {
	uint64_t addr, size;
	size_t order;		/* position in the file */
	size_t name;		/* offset into the string pool */
	size_t line0, nlines;	/* its line records: lines[line0 .. +nlines) */
};
struct line { uint64_t addr, size; unsigned long num; uint64_t file; };
struct pub { uint64_t addr; size_t order, name; };
struct file { uint64_t id; size_t order, name; };

struct vec { void *p; size_t n, cap, elt; };

static struct vec funcs = { .elt = sizeof(struct func) };
static struct vec lines = { .elt = sizeof(struct line) };
static struct vec pubs = { .elt = sizeof(struct pub) };
static struct vec files = { .elt = sizeof(struct file) };
static struct vec pool = { .elt = 1 };	/* NUL-terminated names */

static _Noreturn void die(const char *msg)
{
	fprintf(stderr, "symlookup: %s\n", msg);
	exit(2);
}

/* Appends room for one element (or len bytes to the pool); returns it. */
static void *push(struct vec *v, size_t count)
{
	if (count > SIZE_MAX / v->elt - v->n)
		die("out of memory");
	if (v->n + count > v->cap) {
		size_t cap = v->cap ? v->cap : 256;
		while (cap < v->n + count) {
			if (cap > SIZE_MAX / 2 / v->elt)
				die("out of memory");
			cap *= 2;
		}
		void *p = realloc(v->p, cap * v->elt);
		if (!p)
			die("out of memory");
		v->p = p;
		v->cap = cap;
	}
	void *at = (char *)v->p + v->n * v->elt;
	v->n += count;
	return at;
}

static size_t intern(const char *s)
{
	size_t len = strlen(s), at = pool.n;
	memcpy(push(&pool, len + 1), s, len + 1);
	return at;
}

static const char *str(size_t off)
{
	return (const char *)pool.p + off;
}

/* Parses one hex (base 16) or decimal (base 10) number from *s, which must
 * be followed by a space or the end of the string; advances past the
 * space. Returns 0 on anything malformed or out of range. */
static int number(char **s, int base, uint64_t *out)
{
	char *p = *s, *end;
	unsigned long long v;

	if (!*p || (base == 16 ? !strchr("0123456789abcdefABCDEF", *p) : (*p < '0' || *p > '9')))
		return 0;
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno || end == p || (*end != ' ' && *end != '\0'))
		return 0;
	*out = v;
	*s = *end ? end + 1 : end;
	return 1;
}

static int by_addr_func(const void *a, const void *b)
{
	const struct func *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int by_addr_pub(const void *a, const void *b)
{
	const struct pub *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int by_id_file(const void *a, const void *b)
{
	const struct file *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static size_t bad;

static void load(FILE *f)
{
	char *buf = NULL;
	size_t cap = 0, order = 0;
	ssize_t len;
	struct func *cur = NULL;	/* index-stable: re-derived after push */
	size_t cur_i = 0;
	int have_cur = 0;

	while ((len = getline(&buf, &cap, f)) >= 0) {
		char *s = buf;
		uint64_t a, sz, n, id, param;

		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (memchr(buf, '\0', (size_t)len)) {	/* embedded NUL */
			bad++;
			continue;
		}
		order++;
		if (strncmp(s, "FILE ", 5) == 0) {
			s += 5;
			if (!number(&s, 10, &id) || !*s) {
				bad++;
				continue;
			}
			struct file *fl = push(&files, 1);
			fl->id = id;
			fl->order = order;
			fl->name = intern(s);
		} else if (strncmp(s, "FUNC ", 5) == 0) {
			s += 5;
			if (strncmp(s, "m ", 2) == 0)
				s += 2;
			have_cur = 0;
			if (!number(&s, 16, &a) || !number(&s, 16, &sz) || !number(&s, 16, &param)) {
				bad++;
				continue;
			}
			cur = push(&funcs, 1);
			cur->addr = a;
			cur->size = sz;
			cur->order = order;
			cur->name = intern(*s ? s : "<name omitted>");
			cur->line0 = lines.n;
			cur->nlines = 0;
			cur_i = funcs.n - 1;
			have_cur = 1;
		} else if (strncmp(s, "PUBLIC ", 7) == 0) {
			s += 7;
			if (strncmp(s, "m ", 2) == 0)
				s += 2;
			have_cur = 0;
			if (!number(&s, 16, &a) || !number(&s, 16, &param)) {
				bad++;
				continue;
			}
			struct pub *p = push(&pubs, 1);
			p->addr = a;
			p->order = order;
			p->name = intern(*s ? s : "<name omitted>");
		} else if (strncmp(s, "MODULE ", 7) == 0 || strncmp(s, "INFO ", 5) == 0 ||
			   strncmp(s, "INLINE", 6) == 0 || strncmp(s, "STACK ", 6) == 0 || !*s) {
			continue;
		} else if (number(&s, 16, &a) && number(&s, 16, &sz) && number(&s, 10, &n) &&
			   number(&s, 10, &id) && !*s && n <= 0xffffffffu) {
			if (!have_cur) {
				bad++;
				continue;
			}
			struct line *l = push(&lines, 1);
			l->addr = a;
			l->size = sz;
			l->num = (unsigned long)n;
			l->file = id;
			cur = (struct func *)funcs.p + cur_i;
			cur->nlines++;
		} else {
			bad++;
		}
	}
	if (ferror(f))
		die("read error");
	free(buf);
}

/* Keeps, of overlapping or empty FUNC records, what Breakpad keeps. */
static void settle_funcs(void)
{
	struct func *fs = funcs.p;
	size_t i, k = 0;

	if (!funcs.n)
		return;
	qsort(fs, funcs.n, sizeof(*fs), by_addr_func);
	for (i = 0; i < funcs.n; i++) {
		if (fs[i].size == 0 || fs[i].addr + fs[i].size < fs[i].addr)
			continue;
		if (k && fs[i].addr - fs[k - 1].addr < fs[k - 1].size) {
			/* overlap with the last kept one: the earlier record wins */
			if (fs[i].order < fs[k - 1].order)
				fs[k - 1] = fs[i];
			continue;
		}
		fs[k++] = fs[i];
	}
	funcs.n = k;
}

/* The last element whose address is <= addr, or -1. */
static ptrdiff_t below(const void *base, size_t n, size_t elt, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t a = *(const uint64_t *)(const void *)((const char *)base + mid * elt);
		if (a <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

static const char *file_name(uint64_t id)
{
	const struct file *fl = files.p;
	size_t lo = 0, hi = files.n;

	while (lo < hi) {	/* the first record with this id */
		size_t mid = lo + (hi - lo) / 2;
		if (fl[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < files.n && fl[lo].id == id ? str(fl[lo].name) : NULL;
}

static void lookup(uint64_t addr)
{
	const struct func *fs = funcs.p;
	const struct pub *ps = pubs.p;
	const struct line *ls = lines.p;
	ptrdiff_t fi = below(fs, funcs.n, sizeof(*fs), addr);
	ptrdiff_t pi = below(ps, pubs.n, sizeof(*ps), addr);

	if (fi >= 0 && addr - fs[fi].addr < fs[fi].size) {
		const struct func *fn = &fs[fi];
		const struct line *ln = NULL;
		const char *file = NULL;
		size_t k;

		for (k = fn->line0; k < fn->line0 + fn->nlines; k++)
			if (ls[k].size && addr >= ls[k].addr && addr - ls[k].addr < ls[k].size) {
				ln = &ls[k];
				break;
			}
		if (ln)
			file = file_name(ln->file);
		printf("%llx %s %s:%lu\n", (unsigned long long)addr, str(fn->name),
		       file ? file : "??", ln ? ln->num : 0UL);
		return;
	}
	/* of PUBLICs at one address the first in the file wins */
	while (pi > 0 && ps[pi - 1].addr == ps[pi].addr)
		pi--;
	if (pi >= 0 && (fi < 0 || ps[pi].addr > fs[fi].addr))
		printf("%llx %s ??:0\n", (unsigned long long)addr, str(ps[pi].name));
	else
		printf("%llx ?? ??:0\n", (unsigned long long)addr);
}

int main(int argc, char **argv)
{
	FILE *f;
	int i;
	uint64_t *addrs;

	if (argc < 2) {
		fprintf(stderr, "usage: symlookup FILE.sym ADDR...\n");
		return 2;
	}
	/* the addresses first: a bad one is a usage error, before any work */
	addrs = calloc((size_t)argc, sizeof(*addrs));
	if (!addrs)
		die("out of memory");
	for (i = 2; i < argc; i++) {
		char *s = argv[i];
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		if (!number(&s, 16, &addrs[i]) || *s) {
			fprintf(stderr, "symlookup: '%s' is not a hex address\n", argv[i]);
			free(addrs);
			return 2;
		}
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "symlookup: cannot open '%s': %s\n", argv[1], strerror(errno));
		free(addrs);
		return 2;
	}
	load(f);
	fclose(f);
	settle_funcs();
	if (pubs.n)
		qsort(pubs.p, pubs.n, sizeof(struct pub), by_addr_pub);
	if (files.n)
		qsort(files.p, files.n, sizeof(struct file), by_id_file);
	if (bad)
		fprintf(stderr, "symlookup: %zu malformed records skipped\n", bad);
	for (i = 2; i < argc; i++)
		lookup(addrs[i]);
	free(addrs);
	free(funcs.p);
	free(lines.p);
	free(pubs.p);
	free(files.p);
	free(pool.p);
	if (fflush(stdout) || ferror(stdout))
		die("write error");
	return 0;
}
