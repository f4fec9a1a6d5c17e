/* pdb_omap.c - OMAP address translation of a PDB.
 *
 * Two tables of {u32 from, u32 to}, each sorted by `from`: OMAP-to-source
 * maps final (transformed) RVAs to original ones, OMAP-from-source the other
 * way.  An entry covers the addresses up to the next entry's `from`.
 *
 * Ranges are mapped through intervals built from the to-source table, the
 * way Breakpad does it: each entry whose original address lies inside the
 * original image becomes an interval {orig, tran, len}; a gap in the
 * transformed space after an interval is code injected there and credited
 * to it (`injected`), and a gap in the original space after an interval is
 * code the rewriter removed (`removed`), so a query that covers the removed
 * bytes still reaches the interval.  A query clips every interval against
 * the original range, sorts what is left by transformed address and merges
 * pieces that touch once the injected code is counted, without the injected
 * code at the tail of a piece.  A plain lookup through the from-source table
 * would instead cut a function at every block of injected code.
 *
 * Single addresses (pdb_omap_addr) use the plain from-source lookup.
 *
 * Departures from Breakpad: a to-source entry whose original address is 0
 * counts as injected (Microsoft's tables mark unmapped code so; Breakpad
 * would map it onto the image header).  Queries share a work budget: tables
 * built to make every query scan most intervals (only hostile ones do) get
 * bounded, possibly incomplete, answers once it is spent.
 */
#include "config.h"
#include "pdb_omap.h"

#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "vec.h"

struct omap_entry {
	uint32_t from, to;
};

/* One interval; 64-bit fields so no sum below can wrap. */
struct omap_iv {
	uint64_t orig, tran, len;
	uint64_t injected;	/* transformed bytes after tran + len credited here */
	uint64_t removed;	/* original bytes after orig + len that were dropped */
};

struct pdb_omap {
	struct omap_iv *iv;	/* sorted by (orig, len, tran); owned */
	uint64_t *max_end;	/* max_end[i] = max over j <= i of orig + len + removed */
	size_t n;
	struct omap_entry *from;	/* the from-source table; owned */
	size_t nfrom;
	uint32_t image_size;	/* 0: unknown, no target counts as removed */
	/* Intervals visited by queries so far, against budget; owned.  Past
	 * the budget (only hostile tables get there) queries are cut short. */
	uint64_t *spent;
	uint64_t budget;
};

/* Work limits: the total budget is OMAP_BUDGET_BASE + OMAP_BUDGET_PER *
 * intervals; past it a query scans at most OMAP_CUT_BACK intervals that
 * start before it and OMAP_CUT_SCAN in all. */
#define OMAP_BUDGET_BASE	((uint64_t)1 << 24)
#define OMAP_BUDGET_PER		64u
#define OMAP_CUT_BACK		64u
#define OMAP_CUT_SCAN		4096u

/* Reads a table; 0, or -1 when out of memory.  *tab is NULL when empty. */
static int omap_load(const uint8_t *p, size_t len, struct omap_entry **tab, size_t *n)
{
	struct cursor c;
	size_t i, count = p ? len / 8 : 0;

	*tab = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	*tab = malloc(count * sizeof(**tab));
	if (!*tab)
		return -1;
	c = cursor_make(p, count * 8, false);
	for (i = 0; i < count; i++) {
		(*tab)[i].from = cursor_u32(&c);
		(*tab)[i].to = cursor_u32(&c);
	}
	*n = count;
	return 0;
}

/* The index of the first entry out of order, or n when sorted. */
static size_t omap_unsorted(const struct omap_entry *tab, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (tab[i].from < tab[i - 1].from)
			return i;
	return n;
}

static int omap_cmp_orig(const void *a, const void *b)
{
	const struct omap_iv *x = a, *y = b;

	if (x->orig != y->orig)
		return x->orig < y->orig ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->tran != y->tran)
		return x->tran < y->tran ? -1 : 1;
	return 0;
}

static int omap_cmp_tran(const void *a, const void *b)
{
	const struct omap_iv *x = a, *y = b;

	if (x->tran != y->tran)
		return x->tran < y->tran ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

/* Builds o->iv from the to-source table (tran -> orig) and the first entry
 * of the from-source table.  0, or -1 when out of memory. */
static int omap_build(struct pdb_omap *o, const struct omap_entry *to, size_t nto,
		      uint32_t orig_len)
{
	VEC(struct omap_iv) v = { 0 };
	struct omap_iv iv;
	uint64_t front, gap, end;
	size_t i, fill;

	if (nto == 0 || o->nfrom == 0)
		return 0;
	if (vec_reserve(v, nto + 1) < 0)
		return -1;
	/* The image headers, which the tables usually leave out. */
	if (to[0].from > 0 && o->from[0].from > 0) {
		uint64_t head = to[0].from < o->from[0].from ? to[0].from : o->from[0].from;

		memset(&iv, 0, sizeof(iv));
		iv.len = head;
		iv.injected = to[0].from - head;
		iv.removed = o->from[0].from - head;
		v.v[v.n++] = iv;
	}
	for (i = 0; i < nto; i++) {
		uint64_t len;

		if (to[i].to == 0 || to[i].to >= orig_len)
			continue;	/* no source, or outside the original image: injected */
		len = (uint64_t)orig_len - to[i].to;
		if (i + 1 < nto && (uint64_t)to[i + 1].from - to[i].from < len)
			len = (uint64_t)to[i + 1].from - to[i].from;
		if (len == 0)
			continue;
		if (v.n > 0) {
			struct omap_iv *prev = &v.v[v.n - 1];

			end = prev->tran + prev->len;
			if (to[i].from > end)
				prev->injected += to[i].from - end;
		}
		memset(&iv, 0, sizeof(iv));
		iv.orig = to[i].to;
		iv.tran = to[i].from;
		iv.len = len;
		v.v[v.n++] = iv;
	}
	if (v.n == 0) {
		vec_free(v);
		return 0;
	}
	qsort(v.v, v.n, sizeof(*v.v), omap_cmp_orig);

	/* A gap in the original coverage is removed code: credit it to every
	 * interval that ends where the gap starts.  `front` is the end of the
	 * interval before, as Breakpad keeps it (not the furthest end). */
	front = 0;
	fill = 0;
	for (i = 0; i < v.n; i++) {
		if (front < v.v[i].orig) {
			gap = v.v[i].orig - front;
			for (; fill < i; fill++)
				if (v.v[fill].orig + v.v[fill].len == front)
					v.v[fill].removed = gap;
		}
		front = v.v[i].orig + v.v[i].len;
	}

	o->max_end = malloc(v.n * sizeof(*o->max_end));
	if (!o->max_end) {
		vec_free(v);
		return -1;
	}
	end = 0;
	for (i = 0; i < v.n; i++) {
		uint64_t e = v.v[i].orig + v.v[i].len + v.v[i].removed;

		if (e > end)
			end = e;
		o->max_end[i] = end;
	}
	o->iv = v.v;
	o->n = v.n;
	return 0;
}

enum sym_code pdb_omap_open(struct pdb_omap **out, const char *path, const uint8_t *to_src,
			    size_t to_len, const uint8_t *from_src, size_t from_len,
			    uint32_t orig_image_len, uint32_t image_size, struct sym_err *err)
{
	enum sym_code result = SYM_OK;
	struct omap_entry *to = NULL;
	struct pdb_omap *o;
	size_t nto, bad;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
	o->image_size = image_size;
	o->spent = calloc(1, sizeof(*o->spent));
	if (!o->spent || omap_load(to_src, to_len, &to, &nto) < 0 ||
	    omap_load(from_src, from_len, &o->from, &o->nfrom) < 0) {
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
		goto out;
	}
	bad = omap_unsorted(to, nto);
	if (bad < nto) {
		result = sym_fail(err, SYM_EFORMAT,
				  "cannot read PDB '%s': OMAP-to-source table not sorted at entry %zu",
				  path, bad);
		goto out;
	}
	bad = omap_unsorted(o->from, o->nfrom);
	if (bad < o->nfrom) {
		result = sym_fail(err, SYM_EFORMAT,
				  "cannot read PDB '%s': OMAP-from-source table not sorted at entry %zu",
				  path, bad);
		goto out;
	}
	if (omap_build(o, to, nto, orig_image_len) < 0) {
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
		goto out;
	}
	o->budget = OMAP_BUDGET_BASE + (uint64_t)OMAP_BUDGET_PER * o->n;
	*out = o;
	o = NULL;
out:
	free(to);
	pdb_omap_free(o);
	return result;
}

void pdb_omap_free(struct pdb_omap *o)
{
	if (!o)
		return;
	free(o->iv);
	free(o->max_end);
	free(o->from);
	free(o->spent);
	free(o);
}

/* Clips iv to the original range [lo, hi); false when nothing (content or
 * injected code) is left. */
static bool omap_clip(struct omap_iv *iv, uint64_t lo, uint64_t hi)
{
	uint64_t end;

	if (hi <= iv->orig || iv->orig + iv->len + iv->removed <= lo)
		return false;
	if (iv->orig < lo) {
		uint64_t cut = lo - iv->orig;

		iv->orig += cut;
		iv->tran += cut;
		if (cut > iv->len) {
			/* Only the removed tail is left; injected code after
			 * it shrinks by as much. */
			uint64_t trim = cut - iv->len;

			iv->len = 0;
			iv->injected -= trim < iv->injected ? trim : iv->injected;
			iv->removed -= trim < iv->removed ? trim : iv->removed;
		} else {
			iv->len -= cut;
		}
	}
	end = iv->orig + iv->len;
	if (hi < end) {
		iv->len -= end - hi;
		iv->injected = 0;
		iv->removed = 0;
	} else {
		if (hi - end < iv->removed)
			iv->removed = hi - end;
		if (hi - end < iv->injected)
			iv->injected = hi - end;
	}
	return iv->len + iv->injected > 0;
}

/* Calls fn for the piece [begin, end) when it is not empty, clipped to the
 * 32-bit address space (hostile tables can push it past). */
static int omap_emit(uint64_t begin, uint64_t end,
		     int (*fn)(void *ctx, uint32_t rva, uint32_t len), void *ctx)
{
	if (end > (uint64_t)UINT32_MAX + 1)
		end = (uint64_t)UINT32_MAX + 1;
	if (begin >= end)
		return 0;
	return fn(ctx, (uint32_t)begin, (uint32_t)(end - begin == (uint64_t)UINT32_MAX + 1 ?
						      UINT32_MAX : end - begin));
}

int pdb_omap_range(const struct pdb_omap *o, uint32_t rva, uint32_t len,
		   int (*fn)(void *ctx, uint32_t rva, uint32_t len), void *ctx)
{
	VEC(struct omap_iv) v = { 0 };
	struct omap_iv *t;
	uint64_t lo = rva, hi = (uint64_t)rva + len, begin, content, injected;
	size_t a, b, lo_i, hi_i, i, n = 0;
	int result = 0;

	if (len == 0)
		return 0;
	if (!o || o->n == 0)
		return fn(ctx, rva, len);

	/* First interval that can reach lo: max_end is non-decreasing. */
	a = 0;
	b = o->n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (o->max_end[mid] > lo)
			b = mid;
		else
			a = mid + 1;
	}
	lo_i = a;
	/* First interval that starts at or after hi. */
	b = o->n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (o->iv[mid].orig >= hi)
			b = mid;
		else
			a = mid + 1;
	}
	hi_i = a;
	if (lo_i >= hi_i)
		return 0;
	if (*o->spent > o->budget) {
		/* Budget spent: bounded, possibly incomplete, answers. */
		size_t first = a = lo_i;

		b = hi_i;
		while (a < b) {		/* first interval starting at or after lo */
			size_t mid = a + (b - a) / 2;

			if (o->iv[mid].orig >= lo)
				b = mid;
			else
				a = mid + 1;
		}
		if (a - first > OMAP_CUT_BACK)
			lo_i = a - OMAP_CUT_BACK;
		if (hi_i - lo_i > OMAP_CUT_SCAN)
			hi_i = lo_i + OMAP_CUT_SCAN;
	}
	*o->spent += hi_i - lo_i;

	for (i = lo_i; i < hi_i; i++) {
		struct omap_iv iv = o->iv[i];

		if (!omap_clip(&iv, lo, hi))
			continue;
		if (vec_push(v, iv) < 0) {
			result = -1;
			goto out;
		}
	}
	t = v.v;
	n = v.n;
	if (n == 0)
		goto out;
	qsort(t, n, sizeof(*t), omap_cmp_tran);

	/* Merge pieces that touch once injected code is counted; injected
	 * code at the end of a piece is not part of it. */
	begin = t[0].tran;
	content = begin + t[0].len;
	injected = content + t[0].injected;
	for (i = 1; i < n; i++) {
		if (injected < t[i].tran) {
			result = omap_emit(begin, content, fn, ctx);
			if (result)
				goto out;
			begin = t[i].tran;
		}
		content = t[i].tran + t[i].len;
		injected = content + t[i].injected;
	}
	result = omap_emit(begin, content, fn, ctx);
out:
	vec_free(v);
	return result;
}

bool pdb_omap_addr(const struct pdb_omap *o, uint32_t rva, uint32_t *out)
{
	const struct omap_entry *e;
	size_t a = 0, b;
	uint64_t to;

	if (!o || o->nfrom == 0) {
		*out = rva;
		return true;
	}
	/* Last entry with from <= rva. */
	b = o->nfrom;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (o->from[mid].from <= rva)
			a = mid + 1;
		else
			b = mid;
	}
	if (a == 0)
		return false;
	e = &o->from[a - 1];
	if (e->to == 0)
		return false;
	to = (uint64_t)e->to + (rva - e->from);
	if (to > UINT32_MAX || (o->image_size && to >= o->image_size))
		return false;
	*out = (uint32_t)to;
	return true;
}
