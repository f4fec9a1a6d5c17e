/* symlookup.c - looks addresses up in a Breakpad .sym file the way
 * Breakpad's processor (BasicSourceLineResolver) does.
 *
 *   symlookup [--inlines] FILE.sym ADDR...
 *                                  (hex, module-relative, "0x" optional)
 *
 * Without --inlines, prints one line per address, in the order given:
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
 * counted (reported on standard error).
 *
 * With --inlines, INLINE and INLINE_ORIGIN records are read too, and each
 * address gets one line per frame, innermost first, fields separated by
 * tabs:
 *
 *   ADDR<TAB>NAME<TAB>FILE:LINE
 *
 * The frames are the inline chain as Breakpad's processor builds it: an
 * INLINE record of nest level k belongs to the last record of level k - 1
 * before it (level 0 to the FUNC; a record more than one level deeper
 * than the last kept one is dropped, as Breakpad drops it); at level 0 the
 * first of the FUNC's level-0 records whose range holds ADDR is chosen, at
 * level k the first such of the chosen level-(k-1) record's own children.
 * (That is the nesting Breakpad's AppendInline records.  Its newer
 * resolvers, and rust-minidump's, nest by range containment or look each
 * level up among all records; all agree when every inline's ranges lie
 * inside its parent's.)  The
 * innermost frame has the line record's FILE:LINE, every other frame the
 * call file and line of the chosen record one level deeper; the outermost
 * frame is the FUNC's.  NAME is the INLINE_ORIGIN's ("<name omitted>"
 * when there is none; of two with one id the first wins), FILE "??" when
 * the call file has no FILE record.  Addresses without a FUNC give one
 * frame, as without --inlines.
 *
 * Exit status 0, or 2 for usage errors, unreadable files, bad addresses
 * and lack of memory.
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
	size_t inl0, ninl;	/* its kept INLINE records: inls[inl0 .. +ninl) */
};
struct line { uint64_t addr, size; unsigned long num; uint64_t file; };
struct pub { uint64_t addr; size_t order, name; };
/* a FILE or INLINE_ORIGIN record */
struct file { uint64_t id; size_t order, name; };
/* an INLINE record: its ranges are rngs[r0 .. +nr) */
struct inl { uint64_t nest, call_line, call_file, origin; size_t r0, nr; };
struct rng { uint64_t addr, size; };

struct vec { void *p; size_t n, cap, elt; };

static struct vec funcs = { .elt = sizeof(struct func) };
static struct vec lines = { .elt = sizeof(struct line) };
static struct vec pubs = { .elt = sizeof(struct pub) };
static struct vec files = { .elt = sizeof(struct file) };
static struct vec pool = { .elt = 1 };	/* NUL-terminated names */
static struct vec inls = { .elt = sizeof(struct inl) };
static struct vec rngs = { .elt = sizeof(struct rng) };
static struct vec origins = { .elt = sizeof(struct file) };
static int want_inlines;	/* --inlines */

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

static int by_id_origin(const void *a, const void *b)
{
	const struct file *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static size_t bad;

/* INLINE <nest> <call line> <call file> <origin> (<addr> <size>)+ after
 * the keyword, for the FUNC at funcs[cur_i]; *last is the nest level of
 * that FUNC's last kept record (-1 before the first).  Returns 0 when the
 * record is malformed. */
static int parse_inline(char *s, size_t cur_i, long long *last)
{
	uint64_t nest, line, file, origin, a, sz;
	size_t r0 = rngs.n, nr = 0;
	struct func *fn;
	struct inl *in;

	if (!number(&s, 10, &nest) || !number(&s, 10, &line) || !number(&s, 10, &file) ||
	    !number(&s, 10, &origin))
		return 0;
	while (*s) {
		struct rng *r;
		if (!number(&s, 16, &a) || !number(&s, 16, &sz)) {
			rngs.n = r0;
			return 0;
		}
		r = push(&rngs, 1);
		r->addr = a;
		r->size = sz;
		nr++;
	}
	if (!nr)
		return 0;
	if (nest > (uint64_t)(*last + 1)) {	/* no parent: Breakpad drops it */
		rngs.n = r0;
		return 1;
	}
	*last = (long long)nest;
	in = push(&inls, 1);
	in->nest = nest;
	in->call_line = line;
	in->call_file = file;
	in->origin = origin;
	in->r0 = r0;
	in->nr = nr;
	fn = (struct func *)funcs.p + cur_i;
	fn->ninl++;
	return 1;
}

static void load(FILE *f)
{
	char *buf = NULL;
	size_t cap = 0, order = 0;
	ssize_t len;
	struct func *cur = NULL;	/* index-stable: re-derived after push */
	size_t cur_i = 0;
	int have_cur = 0;
	long long last_nest = -1;

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
			cur->inl0 = inls.n;
			cur->ninl = 0;
			cur_i = funcs.n - 1;
			have_cur = 1;
			last_nest = -1;
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
		} else if (want_inlines && strncmp(s, "INLINE_ORIGIN ", 14) == 0) {
			s += 14;
			if (!number(&s, 10, &id)) {
				bad++;
				continue;
			}
			struct file *o = push(&origins, 1);
			o->id = id;
			o->order = order;
			o->name = intern(*s ? s : "<name omitted>");
		} else if (want_inlines && strncmp(s, "INLINE ", 7) == 0) {
			if (!have_cur || !parse_inline(s + 7, cur_i, &last_nest))
				bad++;
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

/* The first record (sorted by id) of v with this id, or NULL. */
static const struct file *find_id(const struct vec *v, uint64_t id)
{
	const struct file *r = v->p;
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->n && r[lo].id == id ? &r[lo] : NULL;
}

static const char *file_name(uint64_t id)
{
	const struct file *f = find_id(&files, id);

	return f ? str(f->name) : NULL;
}

static const char *origin_name(uint64_t id)
{
	const struct file *o = find_id(&origins, id);

	return o ? str(o->name) : "<name omitted>";
}

static int holds(const struct inl *in, uint64_t addr)
{
	const struct rng *r = (const struct rng *)rngs.p + in->r0;
	size_t k;

	for (k = 0; k < in->nr; k++)
		if (r[k].size && addr >= r[k].addr && addr - r[k].addr < r[k].size)
			return 1;
	return 0;
}

/* The inline chain of fn at addr, outermost first, as indices into inls
 * stored in chain (room for fn->ninl); returns its depth. */
static size_t inline_chain(const struct func *fn, uint64_t addr, size_t *chain)
{
	const struct inl *in = inls.p;
	size_t lo = fn->inl0, end = fn->inl0 + fn->ninl, hi = end, depth = 0, j, hit;

	for (;;) {
		for (hit = lo; hit < hi; hit++)
			if (in[hit].nest == depth && holds(&in[hit], addr))
				break;
		if (hit >= hi)
			return depth;
		chain[depth++] = hit;
		/* its children: the records after it that are deeper than it,
		 * up to the next that is not */
		lo = hit + 1;
		for (j = lo; j < end && in[j].nest > in[hit].nest; j++)
			;
		hi = j;
	}
}

/* --inlines: the frames at addr in fn, innermost first; ln is the line
 * record holding addr, or NULL. */
static void print_frames(const struct func *fn, const struct line *ln, uint64_t addr)
{
	const struct inl *in = inls.p;
	const char *file = ln ? file_name(ln->file) : NULL;
	uint64_t line = ln ? ln->num : 0;
	size_t *chain = NULL, depth = 0, j;

	if (fn->ninl) {
		chain = calloc(fn->ninl, sizeof(*chain));
		if (!chain)
			die("out of memory");
		depth = inline_chain(fn, addr, chain);
	}
	for (j = depth; j-- > 0;) {
		const struct inl *x = &in[chain[j]];
		printf("%llx\t%s\t%s:%llu\n", (unsigned long long)addr, origin_name(x->origin),
		       file ? file : "??", (unsigned long long)line);
		file = file_name(x->call_file);
		line = x->call_line;
	}
	printf("%llx\t%s\t%s:%llu\n", (unsigned long long)addr, str(fn->name), file ? file : "??",
	       (unsigned long long)line);
	free(chain);
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
		if (want_inlines) {
			print_frames(fn, ln, addr);
			return;
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
		printf(want_inlines ? "%llx\t%s\t??:0\n" : "%llx %s ??:0\n", (unsigned long long)addr,
		       str(ps[pi].name));
	else
		printf(want_inlines ? "%llx\t??\t??:0\n" : "%llx ?? ??:0\n", (unsigned long long)addr);
}

int main(int argc, char **argv)
{
	FILE *f;
	int i, first = 2;	/* argv[first - 1] is the .sym file */
	uint64_t *addrs;

	if (argc >= 2 && strcmp(argv[1], "--inlines") == 0) {
		want_inlines = 1;
		first = 3;
	}
	if (argc < first) {
		fprintf(stderr, "usage: symlookup [--inlines] FILE.sym ADDR...\n");
		return 2;
	}
	/* the addresses first: a bad one is a usage error, before any work */
	addrs = calloc((size_t)argc, sizeof(*addrs));
	if (!addrs)
		die("out of memory");
	for (i = first; i < argc; i++) {
		char *s = argv[i];
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		if (!number(&s, 16, &addrs[i]) || *s) {
			fprintf(stderr, "symlookup: '%s' is not a hex address\n", argv[i]);
			free(addrs);
			return 2;
		}
	}
	f = fopen(argv[first - 1], "r");
	if (!f) {
		fprintf(stderr, "symlookup: cannot open '%s': %s\n", argv[first - 1], strerror(errno));
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
	if (origins.n)
		qsort(origins.p, origins.n, sizeof(struct file), by_id_origin);
	if (bad)
		fprintf(stderr, "symlookup: %zu malformed records skipped\n", bad);
	for (i = first; i < argc; i++)
		lookup(addrs[i]);
	free(addrs);
	free(funcs.p);
	free(lines.p);
	free(pubs.p);
	free(files.p);
	free(pool.p);
	free(inls.p);
	free(rngs.p);
	free(origins.p);
	if (fflush(stdout) || ferror(stdout))
		die("write error");
	return 0;
}
