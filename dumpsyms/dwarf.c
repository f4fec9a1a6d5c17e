/* dwarf.c - functions and line records from DWARF .debug_info/.debug_line.
 *
 * Units are read one at a time.  Within a unit the DIE tree is walked
 * linearly with an explicit stack; only the DIEs that can contribute a
 * function or a naming scope are decoded, the rest are skipped attribute
 * by attribute (or in one step when their abbreviation has a fixed size).
 *
 * Naming follows Breakpad's dump_syms so that output is comparable record
 * for record: a demangled DW_AT_linkage_name wins; otherwise DW_AT_name is
 * qualified with the enclosing namespace / class names, following
 * DW_AT_specification and DW_AT_abstract_origin (including references to
 * later DIEs, which are fixed up when the target is read).
 *
 * What a unit leaves for later units (declarations, abstract instances,
 * inline origins to name) is kept to the end of the file only when some
 * DIE may refer to another unit's (DW_FORM_ref_addr: gcc -flto, dwz);
 * otherwise it is forgotten at the unit's end (local_refs, unit_done), so
 * that memory follows the largest unit and the output, not the file.
 */
#include "config.h"
#include "dwarf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "demangle.h"
#include "dwarf_unit.h"
#include "pool.h"
#include "symname.h"
#include "vec.h"

enum lang { LANG_CPP, LANG_DOT, LANG_RUST, LANG_SWIFT, LANG_ASM };

/* H_BLOCK: a DW_TAG_lexical_block inside a function or an inlined call
 * (-d).  It is transparent: the inlined calls in it belong to the enclosing
 * function or inline, as they do for a symbolizer, which walks the DIE
 * tree up from the innermost call.  Breakpad skips it with everything in
 * it, losing those inlines. */
enum handler { H_SKIP, H_SCOPE, H_FUNC, H_INLINE, H_BLOCK };

/* open-addressing map from .debug_info offset to a value slot */
struct offmap {
	uint64_t *keys;		/* offset + 1; 0 = empty */
	void *vals;
	size_t esize, cap, n;
};

struct range_vec {
	struct mod_range *v;
	size_t n, cap;
};

struct cu_func {
	const char *name;
	uint64_t ranges0, nranges;	/* slice of dwarf_state.franges */
	uint64_t fwd_ref;		/* target offset awaiting a name, or 0 */
	size_t group;			/* module group, once added */
	size_t inl0, ninl;		/* slice of dwarf_state.fn_inl */
	bool no_name;			/* DWARF gives none: "<name omitted>" */
	bool bare;			/* no scope and no parameters: maybe a
					 * short name (sym_names) */
};

/* An inlined call read from a DW_TAG_inlined_subroutine (-d). */
struct cu_inline {
	uint32_t nest;
	uint32_t call_line;
	uint64_t call_file;		/* the unit's line-table file number */
	uint32_t origin;		/* module origin */
	size_t r0, nr;			/* slice of dwarf_state.inl_ranges */
};

/* Breakpad's name of a DIE: either a full (qualified) name, or an
 * enclosing name plus an unqualified one. */
struct qual {
	const char *q, *e, *u;
};

/* The naming inputs of a DIE, evaluated only when the name is needed:
 * most declarations are never named, and demangling is the costliest step
 * of the whole conversion. */
struct lazy {
	const char *name;	/* DW_AT_name */
	const char *linkage;	/* DW_AT_linkage_name */
	const char *parent;	/* enclosing scope's name */
	uint64_t spec_ref;	/* DW_AT_specification target + 1, if known then */
	uint64_t origin_ref;	/* DW_AT_abstract_origin target + 1, if known then */
	uint8_t lang;
	uint8_t tag;		/* the DIE's tag (0 past 0xff): names unnamed scopes */
	uint8_t state;		/* 0 new, 1 being evaluated, 2 done */
	struct qual res;
	const char *full;
};

struct frame {
	enum handler h;
	const char *child_name;	/* enclosing name for children, once known */
	struct lazy lz;
	/* FUNC state kept until the DIE's children are done */
	bool is_func;
	bool inline_attr;
	bool has_ranges;
	bool empty;
	bool declaration;
	uint64_t off;
	uint64_t fwd_ref;
	uint64_t lo, hi;
	struct dw_value ranges_val;
	bool high_is_addr;
	bool have_low;
	/* inlines (-d) */
	uint32_t nest;			/* H_INLINE: depth below the function */
	size_t inl_start;		/* H_FUNC: first of its inlines in cu_inl */
	uint64_t call_file, call_line;
	uint64_t origin_off;
	bool has_origin_off;
};

/* A unit of .debug_info: its header's and its root DIE's offsets. */
struct unit_start {
	uint64_t off, die;
};

/* DIE offsets of the supplementary file are another key space */
static const uint64_t sup_space = 1ULL << 63;

struct lines_task;

struct dwarf_state {
	struct module *mod;
	struct dw_file f;
	struct lines_task *lt;	/* the unit's line program, being read on the
				 * pool (opt->pool) */
	unsigned long long lines_worker, lines_here;	/* SYM_TEST_UNIT_STATS */
	struct sym_err *err;
	const struct dwarf_options *opt;
	struct arena names;	/* qualified names of scopes */
	struct strpool npool;

	struct offmap specs;	/* declarations -> index into lazies */
	struct offmap origins;	/* abstract instances -> index into lazies */
	/* The naming inputs of recorded DIEs, de-duplicated: a class
	 * declared in a header repeats the same inputs in every unit. */
	VEC(struct lazy) lazies;
	uint64_t released;	/* .debug_info bytes given back */
	uint64_t key_bias;	/* added to DIE offsets of split units */
	VEC(struct obj) dwos;	/* split DWARF files read so far */
	int dwp_state;		/* 0 not tried, 1 open (dwos.v[dwp]), 2 none */
	size_t dwp;
	uint64_t nsplit;
	unsigned warned_dwo;
	/* partial units (dwz): read record-only where a unit imports them */
	struct offmap pu_memo;	/* partial unit offset -> 1 being read, 2 read */
	VEC(struct unit_start) ustarts;	/* units known so far, ascending */
	uint64_t ustarts_end;	/* end of the last of them */
	VEC(uint64_t) pu_passed;	/* partial units the main loop went past */
	size_t pu_first;	/* pu_passed before this are all read */
	unsigned pu_depth;	/* imports being read, nested */
	bool in_partial;	/* DIEs add names only, no functions */
	bool main_pu;		/* read_unit's unit was a partial unit */
	bool warned_pu_code;
	bool oom;		/* out of memory inside read_die */
	uint64_t cur_unit;	/* the main loop's unit */
	uint64_t pu_reads, pu_imports, pu_late;
	/* the supplementary file (dwz -m): its DIEs are keyed | sup_space */
	struct obj supo;
	struct dw_file supf;
	bool have_sup, warned_sup;
	VEC(struct unit_start) sup_ustarts;
	uint64_t sup_ustarts_end;
	uint64_t released_abbrev, released_line;
	uint64_t last_stmt_list;
	uint64_t *lzset;	/* open addressing: index + 1, and the low 32
				 * bits of the lazy's hash above it (LZ_*) */
	size_t lzcap;		/* at most 2^32: the slot is in those bits */
	struct offmap fwd;	/* -> size_t: module function index + 1 */
	/* local_refs: no abbreviation of the file refers across units
	 * (unit_local_refs), so a unit's declarations, abstract instances
	 * and origins are named and forgotten when it ends (unit_done):
	 * memory follows the largest unit, not the file */
	bool local_refs;
	size_t lazies0;		/* lazies when the unit began */
	uint64_t units_done;	/* SYM_TEST_UNIT_STATS */

	/* per unit */
	bool unit_scoped;	/* it has a scope or type DIE: not built with
				 * -gline-tables-only (clang) or -g1 (gcc) */
	struct dw_unit u;
	struct dw_abbrevs ab;
	enum lang lang;
	VEC(struct cu_func) funcs;
	VEC(struct cu_inline) cu_inl;	/* inlines of the open functions */
	VEC(struct cu_inline) fn_inl;	/* inlines of the unit's functions */
	struct range_vec inl_ranges;
	VEC(size_t) inl_up;		/* clip_to_parents: the open inlines */
	struct offmap origin_idx;	/* abstract origin DIE -> module origin + 1 */
	size_t no_origin;		/* inlines without one: module origin + 1 */
	struct offmap named_dies;	/* FUNC DIEs an origin may name -> lazy index */
	struct range_vec franges;
	VEC(struct frame) stack;
	struct dw_ranges rtmp;
	char *qbuf;
	size_t qcap;
	unsigned warned;
};

/* ---- offset maps ----------------------------------------------------- */

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void offmap_init(struct offmap *m, size_t esize)
{
	memset(m, 0, sizeof(*m));
	m->esize = esize;
}

static void offmap_free(struct offmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static void *offmap_get(const struct offmap *m, uint64_t off)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = hash64(off) & (m->cap - 1);
	while (m->keys[i]) {
		if (m->keys[i] == off + 1)
			return (char *)m->vals + i * m->esize;
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

static int offmap_grow(struct offmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024, i;
	uint64_t *nk = calloc(ncap, sizeof(*nk));
	char *nv = malloc(ncap * m->esize);

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		size_t j;
		if (!m->keys[i])
			continue;
		j = hash64(m->keys[i] - 1) & (ncap - 1);
		while (nk[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = m->keys[i];
		memcpy(nv + j * m->esize, (char *)m->vals + i * m->esize, m->esize);
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

/* Inserts or overwrites; returns the value slot, NULL when out of memory. */
static void *offmap_put(struct offmap *m, uint64_t off)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && offmap_grow(m) < 0)
		return NULL;
	i = hash64(off) & (m->cap - 1);
	while (m->keys[i]) {
		if (m->keys[i] == off + 1)
			return (char *)m->vals + i * m->esize;
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = off + 1;
	m->n++;
	return (char *)m->vals + i * m->esize;
}

static void offmap_del(struct offmap *m, uint64_t off)
{
	size_t i, j;

	if (!m->cap)
		return;
	i = hash64(off) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != off + 1)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		return;
	/* backward-shift deletion */
	m->keys[i] = 0;
	m->n--;
	j = i;
	for (;;) {
		size_t k;
		j = (j + 1) & (m->cap - 1);
		if (!m->keys[j])
			break;
		k = hash64(m->keys[j] - 1) & (m->cap - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			m->keys[i] = m->keys[j];
			memcpy((char *)m->vals + i * m->esize,
			       (char *)m->vals + j * m->esize, m->esize);
			m->keys[j] = 0;
			i = j;
		}
	}
}

/* ---- names ----------------------------------------------------------- */

static const char *intern_name(struct dwarf_state *st, const char *s, size_t n)
{
	return strpool_intern(&st->npool, s, n);
}

/* The spelling of a scope DWARF gives no name (unless --breakpad-names):
 * c++filt's "(anonymous namespace)"; for an unnamed class, struct or union
 * c++filt's "{unnamed type#N}" needs a numbering DWARF does not carry, so
 * "(anonymous class|struct|union)" in the style of the namespace.  NULL
 * for other DIEs. */
static const char *anon_scope(const struct dwarf_state *st, const struct lazy *lz)
{
	if (st->opt->breakpad_names || lz->lang != LANG_CPP)
		return NULL;
	switch (lz->tag) {
	case DW_TAG_namespace: return "(anonymous namespace)";
	case DW_TAG_class_type: return "(anonymous class)";
	case DW_TAG_structure_type: return "(anonymous struct)";
	case DW_TAG_union_type: return "(anonymous union)";
	default: return NULL;
	}
}

/* A lambda's closure is an unnamed struct (gcc) or class (clang): its
 * call operator (of a generic lambda: "operator()<int>"), and the static
 * invoker gcc names _FUN, are spelled inside "(lambda)" (c++filt:
 * "{lambda(int)#1}::operator()(int) const").
 * Returns how many bytes of parent come before the closure's name, or
 * SIZE_MAX when parent does not end in such a closure. */
static size_t lambda_scope(const struct dwarf_state *st, unsigned lang,
			   const char *parent, size_t pl, const char *name)
{
	static const char *const closures[] = { "(anonymous class)", "(anonymous struct)" };
	size_t i;

	if (st->opt->breakpad_names || lang != LANG_CPP ||
	    (strcmp(name, "operator()") != 0 && strncmp(name, "operator()<", 11) != 0 &&
	     strcmp(name, "_FUN") != 0))
		return SIZE_MAX;
	for (i = 0; i < sizeof(closures) / sizeof(closures[0]); i++) {
		size_t cl = strlen(closures[i]);
		if (pl >= cl && strcmp(parent + pl - cl, closures[i]) == 0 &&
		    (pl == cl || (pl >= cl + 2 && memcmp(parent + pl - cl - 2, "::", 2) == 0)))
			return pl - cl;
	}
	return SIZE_MAX;
}

static const char *qualify(struct dwarf_state *st, unsigned lang,
			   const char *parent, const char *name)
{
	size_t pl, nl, keep;
	const char *sep;
	size_t sl;

	if (lang == LANG_ASM || !parent || !parent[0])
		return name;
	sep = lang == LANG_CPP ? "::" : ".";
	sl = strlen(sep);
	pl = strlen(parent);
	nl = strlen(name);
	keep = lambda_scope(st, lang, parent, pl, name);
	if (pl + sl + nl + sizeof("(lambda)") > st->qcap) {
		size_t ncap = (pl + sl + nl + sizeof("(lambda)")) * 2;
		char *p = realloc(st->qbuf, ncap);
		if (!p)
			return NULL;
		st->qbuf = p;
		st->qcap = ncap;
	}
	memcpy(st->qbuf, parent, pl);
	if (keep != SIZE_MAX) {
		/* the closure's name (longer than "(lambda)") becomes "(lambda)" */
		memcpy(st->qbuf + keep, "(lambda)", strlen("(lambda)"));
		pl = keep + strlen("(lambda)");
	}
	memcpy(st->qbuf + pl, sep, sl);
	memcpy(st->qbuf + pl + sl, name, nl);
	return intern_name(st, st->qbuf, pl + sl + nl);
}

/* Demangles a linkage name as Breakpad does for the unit's language:
 * *demangled gets the name to use as a full name, or *raw the name to use
 * as an unqualified one.  Returns false when out of memory. */
static bool demangle_linkage(struct dwarf_state *st, unsigned lang, const char *s,
			     const char **demangled, const char **raw)
{
	char *d;

	*demangled = NULL;
	*raw = NULL;
	if (!s || !*s)
		return true;
	if (lang == LANG_SWIFT) {
		*demangled = s;
		return true;
	}
	if (lang == LANG_RUST) {
		d = demangle_rust(s);
		*demangled = d ? intern_name(st, d, strlen(d)) : s;
		free(d);
		return *demangled != NULL;
	}
	if (lang != LANG_CPP || !(s[0] == '_' && s[1] == 'Z' && s[2])) {
		*raw = s;
		return true;
	}
	d = demangle_cxx(s);
	if (!d) {
		*raw = s;
		return true;
	}
	*demangled = intern_name(st, d, strlen(d));
	free(d);
	return *demangled != NULL;
}

static uint64_t lazy_hash(const struct lazy *lz)
{
	uint64_t h = hash64((uint64_t)(uintptr_t)lz->name);
	h = hash64(h ^ (uint64_t)(uintptr_t)lz->linkage);
	h = hash64(h ^ (uint64_t)(uintptr_t)lz->parent);
	h = hash64(h ^ lz->spec_ref ^ (lz->origin_ref << 1) ^ ((uint64_t)lz->lang << 60) ^
		   ((uint64_t)lz->tag << 52));
	return h;
}

static bool lazy_same(const struct lazy *a, const struct lazy *b)
{
	return a->name == b->name && a->linkage == b->linkage && a->parent == b->parent &&
	       a->spec_ref == b->spec_ref && a->origin_ref == b->origin_ref && a->lang == b->lang &&
	       a->tag == b->tag;
}

/* Records the naming inputs lz (state reset) and returns their index, or
 * UINT32_MAX when out of memory or out of indices. */
/* An lzset entry: which lazy (index + 1; 0 is an empty slot) and its
 * hash's low bits, which give its slot and spare most comparisons (and
 * the reads of lazies they take) without hashing it again. */
#define LZ_IDX(e) ((uint32_t)(e))
#define LZ_HASH(e) ((uint32_t)((e) >> 32))
#define LZ_ENTRY(idx, h) ((uint64_t)(uint32_t)(h) << 32 | ((uint32_t)(idx) + 1))

static uint32_t lazy_add(struct dwarf_state *st, const struct lazy *lz)
{
	const uint32_t h = (uint32_t)lazy_hash(lz);
	size_t i;

	if ((st->lazies.n + 1) * 2 > st->lzcap) {
		size_t ncap = st->lzcap ? st->lzcap * 2 : 4096, j;
		uint64_t *ns;
		if (ncap > ((size_t)1 << 32) || !(ns = calloc(ncap, sizeof(*ns))))
			return UINT32_MAX;
		for (j = 0; j < st->lzcap; j++) {
			uint64_t e = st->lzset[j];
			size_t k;
			if (!e)
				continue;
			k = LZ_HASH(e) & (ncap - 1);
			while (ns[k])
				k = (k + 1) & (ncap - 1);
			ns[k] = e;
		}
		free(st->lzset);
		st->lzset = ns;
		st->lzcap = ncap;
	}
	i = h & (st->lzcap - 1);
	while (st->lzset[i]) {
		uint64_t e = st->lzset[i];
		if (LZ_HASH(e) == h && lazy_same(&st->lazies.v[LZ_IDX(e) - 1], lz))
			return LZ_IDX(e) - 1;
		i = (i + 1) & (st->lzcap - 1);
	}
	if (st->lazies.n >= UINT32_MAX - 1 || vec_reserve(st->lazies, 1) < 0)
		return UINT32_MAX;
	st->lazies.v[st->lazies.n] = *lz;
	st->lazies.v[st->lazies.n].state = 0;
	st->lzset[i] = LZ_ENTRY(st->lazies.n, h);
	return (uint32_t)st->lazies.n++;
}

/* The slot of lzset that holds index idx. */
static size_t lzset_slot(const struct dwarf_state *st, uint32_t idx)
{
	size_t i = (uint32_t)lazy_hash(&st->lazies.v[idx]) & (st->lzcap - 1);

	while (LZ_IDX(st->lzset[i]) != idx + 1)
		i = (i + 1) & (st->lzcap - 1);
	return i;
}

/* Forgets the lazies a unit added (from st->lazies0 on) that later units
 * cannot use: all but the names evaluated without a reference into the
 * unit, which later units' equal inputs find again (lazy_add) instead of
 * evaluating them anew.  Only lzset refers to them by then (unit_done).
 * Order is kept, so the indices depend on the input alone. */
static void lazies_forget(struct dwarf_state *st)
{
	size_t i, w = st->lazies0;

	for (i = st->lazies0; i < st->lazies.n; i++) {
		const struct lazy *lz = &st->lazies.v[i];
		size_t k, j;

		if (lz->state == 2 && !lz->spec_ref && !lz->origin_ref) {
			if (w != i) {
				k = lzset_slot(st, (uint32_t)i);
				st->lzset[k] = LZ_ENTRY(w, LZ_HASH(st->lzset[k]));
				st->lazies.v[w] = *lz;
			}
			w++;
			continue;
		}
		/* linear probing's deletion: later entries of the cluster
		 * that may not sit past the hole move into it */
		k = lzset_slot(st, (uint32_t)i);
		st->lzset[k] = 0;
		for (j = (k + 1) & (st->lzcap - 1); st->lzset[j]; j = (j + 1) & (st->lzcap - 1)) {
			size_t h = LZ_HASH(st->lzset[j]) & (st->lzcap - 1);
			if ((j > k && (h <= k || h > j)) || (j < k && h <= k && h > j)) {
				st->lzset[k] = st->lzset[j];
				st->lzset[j] = 0;
				k = j;
			}
		}
	}
	st->lazies.n = w;
}

static struct lazy *lazy_at(struct dwarf_state *st, const uint32_t *idx)
{
	return idx && *idx < st->lazies.n ? &st->lazies.v[*idx] : NULL;
}

static const struct qual *lazy_qual(struct dwarf_state *st, struct lazy *lz);

/* The qualified-name parts of a recorded declaration, or NULL when
 * Breakpad would not have recorded it (it had no name at all). */
static const struct qual *spec_qual(struct dwarf_state *st, uint64_t ref)
{
	struct lazy *sp;
	const struct qual *q;

	if (!ref)
		return NULL;
	sp = lazy_at(st, offmap_get(&st->specs, ref - 1));
	if (!sp)
		return NULL;
	q = lazy_qual(st, sp);
	if (!q || (!q->q && !q->u))
		return NULL;
	return q;
}

/* Breakpad's ComputeQualifiedName: a demangled linkage name wins, then the
 * specification's full name; otherwise the DIE's own name (or the
 * specification's, or the raw linkage name) inside the specification's
 * enclosing scope (or the DIE's parent).  Unless --breakpad-names, a
 * scope with none of these is "(anonymous namespace)" and the like
 * (anon_scope), where Breakpad drops it and every scope around it.  NULL
 * when out of memory. */
static const struct qual *lazy_qual(struct dwarf_state *st, struct lazy *lz)
{
	const char *demangled, *raw;
	const struct qual *sq;

	if (lz->state == 2)
		return &lz->res;
	if (lz->state == 1) {
		/* a specification cycle: no name */
		static const struct qual none = { NULL, NULL, NULL };
		return &none;
	}
	lz->state = 1;
	memset(&lz->res, 0, sizeof(lz->res));
	if (!demangle_linkage(st, lz->lang, lz->linkage, &demangled, &raw))
		return NULL;
	sq = spec_qual(st, lz->spec_ref);
	if (demangled)
		lz->res.q = demangled;
	else if (sq && sq->q && sq->q[0])
		lz->res.q = sq->q;
	if (!lz->res.q) {
		if (lz->name && lz->name[0])
			lz->res.u = lz->name;
		else if (sq)
			lz->res.u = sq->u ? sq->u : "";
		else if (raw && raw[0])
			lz->res.u = raw;
		else
			lz->res.u = anon_scope(st, lz);
		lz->res.e = sq ? (sq->e ? sq->e : "") : lz->parent;
	}
	if (lz->res.q)
		lz->full = lz->res.q;
	else if (lz->res.u && lz->res.e)
		lz->full = qualify(st, lz->lang, lz->res.e, lz->res.u);
	else
		lz->full = "";
	if (!lz->full)
		return NULL;
	lz->state = 2;
	return &lz->res;
}

/* The DIE's full name ("" when it has none); NULL when out of memory. */
static const char *lazy_full(struct dwarf_state *st, struct lazy *lz)
{
	if (!lazy_qual(st, lz))
		return NULL;
	return lz->state == 2 ? lz->full : "";
}

/* A function's name: its full name, else its abstract origin's name. */
static const char *func_name(struct dwarf_state *st, struct lazy *lz, unsigned depth)
{
	const char *n = lazy_full(st, lz);
	struct lazy *o;

	if (!n || n[0] || !lz->origin_ref || depth > 16)
		return n;
	o = lazy_at(st, offmap_get(&st->origins, lz->origin_ref - 1));
	return o ? func_name(st, o, depth + 1) : n;
}

/* ---- DIE decoding ---------------------------------------------------- */

static enum lang lang_of(uint64_t l)
{
	switch (l) {
	case 0x0b: return LANG_DOT;	/* Java */
	case 0x1e: return LANG_SWIFT;
	case 0x1c: return LANG_RUST;
	case 0x8001: return LANG_ASM;	/* DW_LANG_Mips_Assembler */
	default: return LANG_CPP;
	}
}

static const char *value_str(struct dwarf_state *st, const struct dw_value *v)
{
	/* A string inside .debug_info is copied: the pages of units already
	 * read are given back to the system (see release_info()). */
	if (v->cls == DW_CLS_STRING && v->form == DW_FORM_string && v->str)
		return intern_name(st, v->str, strlen(v->str));
	if (v->cls == DW_CLS_STRING)
		return v->str;
	if (v->cls == DW_CLS_STRX)
		return dw_strx(&st->f, &st->u, v->u);
	return NULL;
}

static bool value_addr(struct dwarf_state *st, const struct dw_value *v, uint64_t *out)
{
	if (v->cls == DW_CLS_ADDRX)
		return dw_addrx(&st->f, &st->u, v->u, out);
	*out = v->u;
	return true;
}

static void warn(struct dwarf_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct dwarf_state *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->opt->warn || st->warned > 100)
		return;
	st->warned++;
	fprintf(stderr, "dumpsyms: warning: %s: ", st->f.path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static enum handler child_handler(enum handler parent, bool is_root, uint32_t tag, bool inlines,
				  bool nested)
{
	if (is_root) {
		switch (tag) {
		case DW_TAG_subprogram: return H_FUNC;
		case DW_TAG_namespace: case DW_TAG_class_type:
		case DW_TAG_structure_type: case DW_TAG_union_type:
		case DW_TAG_module: return H_SCOPE;
		default: return H_SKIP;
		}
	}
	switch (parent) {
	case H_SCOPE:
		switch (tag) {
		case DW_TAG_subprogram: return H_FUNC;
		case DW_TAG_namespace: case DW_TAG_class_type:
		case DW_TAG_structure_type: case DW_TAG_union_type: return H_SCOPE;
		default: return H_SKIP;
		}
	case H_FUNC:
		switch (tag) {
		/* Breakpad treats an inlined subroutine as a naming scope when
		 * it is not collecting inline records. */
		case DW_TAG_inlined_subroutine:
			return inlines ? H_INLINE : H_SCOPE;
		case DW_TAG_lexical_block:
			return inlines ? H_BLOCK : H_SKIP;
		case DW_TAG_class_type: case DW_TAG_structure_type:
		case DW_TAG_union_type: return H_SCOPE;
		/* a function nested in another's DIE: gcc -flto puts the
		 * concrete DIEs of a local class's members under their
		 * enclosing function's concrete DIE (Breakpad skips them,
		 * losing the function; so do GNU C nested functions);
		 * not under --breakpad-names */
		case DW_TAG_subprogram: return nested ? H_FUNC : H_SKIP;
		default: return H_SKIP;
		}
	case H_INLINE:
	case H_BLOCK:
		switch (tag) {
		case DW_TAG_inlined_subroutine: return H_INLINE;
		case DW_TAG_lexical_block: return H_BLOCK;
		default: return H_SKIP;
		}
	default:
		return H_SKIP;
	}
}

/* Appends a DIE's address ranges (DW_AT_ranges, or low_pc with high_pc as
 * an address or a length) to out.  Returns 0, 1
 * when its range list is malformed (nothing appended), -1 when out of
 * memory. */
static int die_ranges(struct dwarf_state *st, const struct frame *fr, struct range_vec *out)
{
	size_t i;

	if (fr->has_ranges) {
		if (!dw_read_ranges(&st->f, &st->u, &fr->ranges_val, &st->rtmp)) {
			warn(st, "malformed range list for the DIE at 0x%llx", (unsigned long long)fr->off);
			return 1;
		}
		if (vec_reserve(*out, st->rtmp.n) < 0)
			return -1;
		for (i = 0; i < st->rtmp.n; i++) {
			out->v[out->n].lo = st->rtmp.v[i].lo;
			out->v[out->n].hi = st->rtmp.v[i].hi;
			out->n++;
		}
	} else {
		uint64_t hi = fr->high_is_addr ? fr->hi : fr->lo + fr->hi;
		if (hi > fr->lo) {
			struct mod_range r = { fr->lo, hi };
			if (vec_push(*out, r) < 0)
				return -1;
		}
	}
	return 0;
}

/* Collects a function DIE's ranges; returns 1 when it became a function of
 * the unit, 0 when it covers no code, -1 when out of memory. */
/* A function's DWARF name, and what names_from_symbols may do with it. */
static void set_func_name(struct cu_func *cf, const char *name)
{
	cf->name = name[0] ? name : "<name omitted>";
	cf->no_name = !name[0];
	/* no scope, no parameters: under -g1 / -gline-tables-only a short
	 * name (a generic lambda's is operator()<int>) */
	cf->bare = name[0] && !strstr(name, "::") &&
		   (!strchr(name, '(') || strncmp(name, "operator()", 10) == 0);
}

static int add_cu_func(struct dwarf_state *st, struct frame *fr)
{
	struct cu_func cf;
	const char *name;

	memset(&cf, 0, sizeof(cf));
	cf.ranges0 = st->franges.n;
	if (die_ranges(st, fr, &st->franges) < 0)
		return -1;
	cf.nranges = st->franges.n - cf.ranges0;
	fr->empty = cf.nranges == 0;
	if (st->in_partial && !fr->empty) {
		/* dwz moves no DIE with code into a partial unit */
		if (!st->warned_pu_code) {
			st->warned_pu_code = true;
			warn(st, "the DIE at 0x%llx in a partial unit has code; partial units give names only, so it is ignored",
			     (unsigned long long)fr->off);
		}
		st->franges.n = cf.ranges0;
		return 0;
	}
	if (fr->empty)
		return 0;
	/* A function at address 0 is empty debug data (discarded code). */
	if (st->franges.v[cf.ranges0].lo == 0) {
		st->franges.n = cf.ranges0;
		return 0;
	}
	name = func_name(st, &fr->lz, 0);
	if (!name)
		return -1;
	set_func_name(&cf, name);
	cf.fwd_ref = fr->fwd_ref;
	cf.group = SIZE_MAX;
	return vec_push(st->funcs, cf) < 0 ? -1 : 1;
}

/* Records a DW_TAG_inlined_subroutine (-d) under the open function. */
static int add_inline(struct dwarf_state *st, struct frame *fr)
{
	struct cu_inline in;

	memset(&in, 0, sizeof(in));
	in.r0 = st->inl_ranges.n;
	switch (die_ranges(st, fr, &st->inl_ranges)) {
	case -1: return -1;
	case 1: return 0;	/* Breakpad: a malformed range list, no inline */
	default: break;
	}
	in.nr = st->inl_ranges.n - in.r0;
	in.nest = fr->nest;
	in.call_line = fr->call_line > UINT32_MAX ? UINT32_MAX : (uint32_t)fr->call_line;
	in.call_file = fr->call_file;
	/* one module origin per abstract-origin DIE, named at the end of
	 * its unit or of the file (name_origins); one for all inlines that
	 * name none */
	{
		size_t *slot = fr->has_origin_off ? offmap_get(&st->origin_idx, fr->origin_off)
						  : st->no_origin ? &st->no_origin : NULL;
		if (!slot) {
			uint32_t o = module_add_origin(st->mod);
			if (o == UINT32_MAX)
				return -1;
			slot = fr->has_origin_off ? offmap_put(&st->origin_idx, fr->origin_off)
						  : &st->no_origin;
			if (!slot)
				return -1;
			*slot = (size_t)o + 1;
		}
		in.origin = (uint32_t)(*slot - 1);
	}
	return vec_push(st->cu_inl, in);
}

/* FuncHandler::Finish: fix up earlier functions that referred forward to
 * this DIE, then record the function or the abstract origin. */
static int finish_func(struct dwarf_state *st, struct frame *fr)
{
	size_t *slot = st->fwd.n ? offmap_get(&st->fwd, fr->off) : NULL;
	int added;

	if (slot && *slot) {
		const char *name = func_name(st, &fr->lz, 0);
		if (!name)
			return -1;
		if (name[0]) {
			/* The index is into this unit's functions while the unit
			 * is open, into the module (high bit set) afterwards. */
			size_t idx = *slot - 1;
			const size_t hibit = (size_t)1 << (sizeof(size_t) * 8 - 1);
			if (idx & hibit) {
				const char *n = module_intern(st->mod, name, strlen(name));
				if (!n)
					return -1;
				module_rename_group(st->mod, idx & ~hibit, n);
			} else if (idx < st->funcs.n) {
				set_func_name(&st->funcs.v[idx], name);
			}
		}
	}
	added = add_cu_func(st, fr);
	if (added < 0)
		return -1;
	if (st->opt->inlines) {
		/* the inlines read since this function began are its own: the
		 * functions nested in it took theirs when they finished */
		size_t n = st->cu_inl.n - fr->inl_start;
		if (added) {
			struct cu_func *cf = &st->funcs.v[st->funcs.n - 1];
			if (vec_reserve(st->fn_inl, n) < 0)
				return -1;
			cf->inl0 = st->fn_inl.n;
			cf->ninl = n;
			if (n)
				memcpy(st->fn_inl.v + st->fn_inl.n, st->cu_inl.v + fr->inl_start,
				       n * sizeof(*st->cu_inl.v));
			st->fn_inl.n += n;
		}
		st->cu_inl.n = fr->inl_start;
		/* Breakpad names origins after DIEs with code or DW_AT_inline;
		 * gcc -flto's inlined calls also refer to definitions without
		 * either (the early debug info of another unit) */
		if (!fr->empty || fr->inline_attr ||
		    (!fr->declaration && !st->opt->breakpad_names)) {
			uint32_t li = lazy_add(st, &fr->lz);
			size_t *nslot = li == UINT32_MAX ? NULL : offmap_put(&st->named_dies, fr->off);
			if (!nslot)
				return -1;
			*nslot = (size_t)li + 1;
		}
	}
	if (added && fr->fwd_ref) {
		slot = offmap_put(&st->fwd, fr->fwd_ref);
		if (!slot)
			return -1;
		*slot = st->funcs.n;	/* index + 1, unit-local */
	} else if (fr->empty && (fr->inline_attr || st->in_partial)) {
		/* in a partial unit, any function without code may be an
		 * abstract origin: dwz moved LTO's early-debug DIEs (no
		 * DW_AT_inline) there, before the units that refer to them */
		uint32_t *o = offmap_put(&st->origins, fr->off);
		if (!o)
			return -1;
		*o = lazy_add(st, &fr->lz);
		if (*o == UINT32_MAX)
			return -1;
	}
	return 0;
}

static int pu_on_demand(struct dwarf_state *st, uint64_t ref, uint64_t from);

/* Reads the attributes of a DIE handled as a scope or function (false
 * when malformed, or with st->oom set when out of memory). */
static bool read_die(struct dwarf_state *st, struct cursor *c, const struct dw_abbrev *a,
		     uint64_t off, struct frame *fr)
{
	uint32_t i;

	fr->lz.tag = a->tag <= 0xff ? (uint8_t)a->tag : 0;
	for (i = 0; i < a->nattrs; i++) {
		const struct dw_abbrev_attr *at = &st->ab.attrs[a->attr0 + i];
		struct dw_value v;
		const char *s;
		bool outside;

		if (!dw_read_form(&st->f, &st->u, c, at->form, at->implicit, &v))
			return false;
		/* a unit-local form that leads out of its unit (or wraps
		 * round) is not a reference: so no DIE refers to another
		 * unit's but through DW_FORM_ref_addr (see local_refs) */
		outside = v.cls == DW_CLS_REF && v.form != DW_FORM_ref_addr &&
			  (v.u < st->u.off || v.u >= st->u.end);
		if (v.cls == DW_CLS_REF_SUP) {
			v.cls = DW_CLS_REF;
			v.u |= sup_space;
		} else if (v.cls == DW_CLS_REF) {
			v.u |= st->key_bias;
		}
		if (v.cls == DW_CLS_REF && !st->key_bias && !(v.u & sup_space) && v.u >= st->f.info.size &&
		    (at->name == DW_AT_specification || at->name == DW_AT_abstract_origin))
			warn(st, "the DIE at 0x%llx refers to 0x%llx, outside .debug_info",
			     (unsigned long long)off, (unsigned long long)v.u);
		if (outside)
			v.cls = DW_CLS_OTHER;
		switch (at->name) {
		case DW_AT_name:
			s = value_str(st, &v);
			if (s)
				fr->lz.name = s;
			break;
		case DW_AT_linkage_name:
		case DW_AT_MIPS_linkage_name:
			s = value_str(st, &v);
			if (s)
				fr->lz.linkage = s;
			break;
		case DW_AT_declaration:
			if (v.cls == DW_CLS_FLAG || v.cls == DW_CLS_CONST)
				fr->declaration = v.u != 0;
			break;
		case DW_AT_specification:
			if (v.cls != DW_CLS_REF)
				break;
			/* Breakpad resolves the reference as it reads it: a
			 * target not seen yet is either a forward reference to
			 * fix up later, or unknown. */
			fr->lz.spec_ref = 0;
			if (!offmap_get(&st->specs, v.u) && pu_on_demand(st, v.u, off) < 0) {
				st->oom = true;
				return false;
			}
			if (offmap_get(&st->specs, v.u))
				fr->lz.spec_ref = v.u + 1;
			else if (v.u > off)
				fr->fwd_ref = v.u;
			break;
		case DW_AT_call_file:	/* DWARF 5 often uses DW_FORM_implicit_const */
			if (v.cls == DW_CLS_CONST || v.cls == DW_CLS_SCONST)
				fr->call_file = v.u;
			break;
		case DW_AT_call_line:
			if (v.cls == DW_CLS_CONST || v.cls == DW_CLS_SCONST)
				fr->call_line = v.u;
			break;
		case DW_AT_abstract_origin:
			if (v.cls != DW_CLS_REF)
				break;
			fr->origin_off = v.u;
			fr->has_origin_off = true;
			if (!offmap_get(&st->origins, v.u) && pu_on_demand(st, v.u, off) < 0) {
				st->oom = true;
				return false;
			}
			if (offmap_get(&st->origins, v.u))
				fr->lz.origin_ref = v.u + 1;
			else if (v.u > off)
				fr->fwd_ref = v.u;
			break;
		case DW_AT_inline:
			fr->inline_attr = true;
			break;
		case DW_AT_low_pc:
			if (v.cls == DW_CLS_ADDR || v.cls == DW_CLS_ADDRX ||
			    v.cls == DW_CLS_CONST) {
				if (!value_addr(st, &v, &fr->lo))
					fr->lo = 0;
				fr->have_low = true;
			}
			break;
		case DW_AT_high_pc:
			if (v.cls == DW_CLS_ADDR || v.cls == DW_CLS_ADDRX) {
				if (!value_addr(st, &v, &fr->hi))
					fr->hi = 0;
				fr->high_is_addr = true;
			} else if (v.cls == DW_CLS_CONST) {
				fr->hi = v.u;
				fr->high_is_addr = false;
			}
			break;
		case DW_AT_ranges:
			if (v.cls == DW_CLS_SECOFF || v.cls == DW_CLS_RNGLISTX ||
			    v.cls == DW_CLS_CONST) {
				fr->has_ranges = true;
				fr->ranges_val = v;
			}
			break;
		default:
			break;
		}
	}
	return true;
}

/* The name a frame gives its scope and function children. */
static const char *frame_child_name(struct dwarf_state *st, struct frame *fr)
{
	if (!fr->child_name)
		fr->child_name = fr->h == H_FUNC ? func_name(st, &fr->lz, 0)
						 : lazy_full(st, &fr->lz);
	return fr->child_name;
}

/* The nesting level of an inline or block whose parent is up: an inline's
 * depth below its function, which a block passes on unchanged. */
static uint32_t child_nest(const struct frame *up)
{
	return up->h == H_INLINE ? up->nest + 1 : up->h == H_BLOCK ? up->nest : 0;
}

static bool skip_die(struct dwarf_state *st, struct cursor *c, const struct dw_abbrev *a)
{
	uint32_t i;

	if (a->fixed_size >= 0)
		return cursor_skip(c, (size_t)a->fixed_size);
	for (i = 0; i < a->nattrs; i++) {
		const struct dw_abbrev_attr *at = &st->ab.attrs[a->attr0 + i];
		if (!dw_skip_form(&st->f, &st->u, c, at->form))
			return false;
	}
	return true;
}

/* ---- per unit -------------------------------------------------------- */

struct unit_root {
	const char *name, *comp_dir, *dwo_name;
	uint64_t stmt_list;
	bool has_stmt_list;
	uint64_t lang;
};

static bool read_root(struct dwarf_state *st, struct cursor *c, const struct dw_abbrev *a,
		      struct unit_root *r)
{
	struct dw_value name = { 0 }, comp_dir = { 0 }, low = { 0 }, dwo = { 0 };
	bool has_low = false, has_dwo = false;
	uint32_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < a->nattrs; i++) {
		const struct dw_abbrev_attr *at = &st->ab.attrs[a->attr0 + i];
		struct dw_value v;

		if (!dw_read_form(&st->f, &st->u, c, at->form, at->implicit, &v))
			return false;
		switch (at->name) {
		case DW_AT_name: name = v; break;
		case DW_AT_comp_dir: comp_dir = v; break;
		case DW_AT_dwo_name: case DW_AT_GNU_dwo_name: dwo = v; has_dwo = true; break;
		case DW_AT_GNU_dwo_id:
			st->u.dwo_id = v.u;
			st->u.has_dwo_id = true;
			break;
		case DW_AT_stmt_list:
			if (v.cls == DW_CLS_SECOFF || v.cls == DW_CLS_CONST) {
				r->stmt_list = v.u;
				r->has_stmt_list = true;
			}
			break;
		case DW_AT_low_pc: low = v; has_low = true; break;
		case DW_AT_language: r->lang = v.u; break;
		case DW_AT_str_offsets_base:
			st->u.str_offsets_base = v.u;
			st->u.has_str_offsets_base = true;
			break;
		case DW_AT_addr_base: case DW_AT_GNU_addr_base:
			st->u.addr_base = v.u;
			break;
		case DW_AT_rnglists_base:
			st->u.rnglists_base = v.u;
			st->u.has_rnglists_base = true;
			break;
		case DW_AT_GNU_ranges_base:
			st->u.gnu_ranges_base = v.u;
			break;
		default:
			break;
		}
	}
	/* Indexed forms are resolved once all the bases are known. */
	r->name = value_str(st, &name);
	r->comp_dir = value_str(st, &comp_dir);
	r->dwo_name = has_dwo ? value_str(st, &dwo) : NULL;
	if (r->dwo_name && !r->dwo_name[0])
		r->dwo_name = NULL;
	if (has_low && !value_addr(st, &low, &st->u.base_addr))
		st->u.base_addr = 0;
	return true;
}

/* Sorts lines by address, stably (rows at one address keep their order).
 * A line program is a few sequences, each in address order, so this
 * merges the runs already there: one pass when they are in order, about
 * log2(runs) passes otherwise.  -1 when out of memory. */
static int sort_lines(struct mod_line *v, size_t n)
{
	size_t *run, nrun = 0, i, cap = 16;
	struct mod_line *tmp, *src = v, *dst;

	for (i = 1; i < n; i++)
		if (v[i].addr < v[i - 1].addr)
			break;
	if (i >= n)
		return 0;
	run = malloc(cap * sizeof(*run));
	tmp = malloc(n * sizeof(*tmp));
	if (!run || !tmp)
		goto nomem;
	/* run[k] is where run k starts; run[nrun] == n */
	run[nrun++] = 0;
	for (; i < n; i++) {
		if (v[i].addr >= v[i - 1].addr)
			continue;
		if (nrun + 1 >= cap) {
			size_t *r = realloc(run, 2 * cap * sizeof(*run));
			if (!r)
				goto nomem;
			run = r;
			cap *= 2;
		}
		run[nrun++] = i;
	}
	run[nrun] = n;
	dst = tmp;
	while (nrun > 1) {
		size_t k, m = 0;
		for (k = 0; k < nrun; k += 2) {
			size_t l = run[k], lend = run[k + 1], r = lend;
			/* the odd run out is copied as it is */
			size_t rend = k + 1 < nrun ? run[k + 2] : lend, o = l;
			while (l < lend && r < rend) {
				if (src[r].addr < src[l].addr)
					dst[o++] = src[r++];
				else
					dst[o++] = src[l++];
			}
			memcpy(dst + o, src + l, (lend - l) * sizeof(*dst));
			o += lend - l;
			memcpy(dst + o, src + r, (rend - r) * sizeof(*dst));
			run[m++] = run[k];
		}
		run[m] = n;
		nrun = m;
		src = dst;
		dst = src == v ? tmp : v;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(run);
	free(tmp);
	return 0;
nomem:
	free(run);
	free(tmp);
	return -1;
}

struct frange {
	uint64_t lo, hi;
	size_t func;
};

static int cmp_frange(const void *a, const void *b)
{
	const struct frange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->func < y->func ? -1 : x->func > y->func;
}

/* Opens, in the module, the FUNC ranges up to and including index upto
 * (ranges of functions the module did not take are skipped). */
static int open_ranges(struct dwarf_state *st, const struct frange *fr,
		       size_t *opened, size_t upto, bool *cur_open)
{
	while (*opened <= upto) {
		const struct frange *r = &fr[*opened];
		size_t g = st->funcs.v[r->func].group;

		*cur_open = g < SIZE_MAX - 1;
		if (*cur_open && module_open_range(st->mod, g, r->lo, r->hi) < 0)
			return -1;
		(*opened)++;
	}
	return 0;
}

/* Breakpad's AssignLinesToFunctions: one merge pass over the unit's
 * function ranges and lines (the caller sorts the lines by address),
 * giving each range the parts of lines that fall inside it.  Ranges come
 * out in address order, so each range's lines go straight into the module
 * behind it. */
static int assign_lines(struct dwarf_state *st, struct mod_line *lines, size_t nlines)
{
	struct frange *fr = NULL;
	size_t nfr = 0, i, ri = 0, li = 0, opened = 0;
	bool cur_open = false;
	uint64_t cur;
	int rc = -1;

	for (i = 0; i < st->funcs.n; i++)
		nfr += st->funcs.v[i].nranges;
	if (nfr) {
		size_t k = 0;
		fr = malloc(nfr * sizeof(*fr));
		if (!fr)
			return -1;
		for (i = 0; i < st->funcs.n; i++) {
			size_t j;
			for (j = 0; j < st->funcs.v[i].nranges; j++) {
				fr[k].lo = st->franges.v[st->funcs.v[i].ranges0 + j].lo;
				fr[k].hi = st->franges.v[st->funcs.v[i].ranges0 + j].hi;
				fr[k].func = i;
				k++;
			}
		}
		qsort(fr, nfr, sizeof(*fr), cmp_frange);
	}

	if (nfr && nlines)
		cur = fr[0].lo < lines[0].addr ? fr[0].lo : lines[0].addr;
	else if (nfr)
		cur = fr[0].lo;
	else {
		rc = 0;
		goto out;
	}
	if (cur == UINT64_MAX)
		goto done;
#define WITHIN(lo, size, a) ((a) >= (lo) && (a) - (lo) < (size))
	while (ri < nfr || li < nlines) {
		struct frange *r = ri < nfr ? &fr[ri] : NULL;
		struct mod_line *l = li < nlines ? &lines[li] : NULL;
		uint64_t next;

		if (r && cur >= r->lo) {
			if (l && cur >= l->addr) {
				uint64_t rleft = (r->hi - r->lo) - (cur - r->lo);
				uint64_t lleft = l->size - (cur - l->addr);
				next = cur + (rleft < lleft ? rleft : lleft);
				if (open_ranges(st, fr, &opened, ri, &cur_open) < 0)
					goto out;
				if (cur_open && module_add_line(st->mod, cur, next - cur,
								l->line, l->file) < 0)
					goto out;
			} else {
				if (l && WITHIN(r->lo, r->hi - r->lo, l->addr))
					next = l->addr;
				else
					next = r->hi;
			}
		} else if (l && cur >= l->addr) {
			if (r && WITHIN(l->addr, l->size, r->lo))
				next = r->lo;
			else
				next = l->addr + l->size;
		} else {
			if (r && l)
				next = r->lo < l->addr ? r->lo : l->addr;
			else if (r)
				next = r->lo;
			else
				next = l->addr;
		}
		if (next == 0 || next == UINT64_MAX || next <= cur)
			break;
		while (ri < nfr && next >= fr[ri].lo &&
		       !WITHIN(fr[ri].lo, fr[ri].hi - fr[ri].lo, next))
			ri++;
		while (li < nlines && next >= lines[li].addr &&
		       !WITHIN(lines[li].addr, lines[li].size, next))
			li++;
		cur = next;
	}
#undef WITHIN
done:
	if (nfr && open_ranges(st, fr, &opened, nfr - 1, &cur_open) < 0)
		goto out;
	rc = 0;
out:
	free(fr);
	return rc;
}

static const char *lines_intern(void *ctx, const char *s, size_t n)
{
	return module_intern(ctx, s, n);
}

static int cmp_range_lo(const void *a, const void *b)
{
	const struct mod_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts the n ranges at r and merges those that overlap, in place,
 * dropping empty ones; returns how many are left.  Ranges that only touch
 * stay apart: a child range across two touching parent ranges would
 * overlap each only in part, which Breakpad's processor drops. */
static size_t sort_merge(struct mod_range *r, size_t n)
{
	size_t i, k = 0;

	qsort(r, n, sizeof(*r), cmp_range_lo);
	for (i = 0; i < n; i++) {
		if (r[i].hi <= r[i].lo)
			continue;
		if (k && r[i].lo < r[k - 1].hi) {
			if (r[i].hi > r[k - 1].hi)
				r[k - 1].hi = r[i].hi;
		} else {
			r[k++] = r[i];
		}
	}
	return k;
}

/* Whether [lo, hi) lies inside one of the n ranges at r. */
static bool range_inside(const struct mod_range *r, size_t n, uint64_t lo, uint64_t hi)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].lo <= lo && hi <= r[i].hi)
			return true;
	return false;
}

/* An inlined call is part of its caller: where a producer gives an inline
 * ranges outside its parent's, they are cut to the parent's.  There the
 * parent does not run, and llvm-symbolizer, whose address map lets a
 * parent's neighbour win over the part of a child beyond the parent, names
 * neither; Breakpad's processor, which nests INLINE records by their
 * ranges, would drop a range that overlaps its parent's only in part.
 * Parents come before their children, so a forward pass cuts each child to
 * a parent already cut.  An inline left without ranges is dropped with its
 * children when written.  Returns -1 when out of memory. */
static int clip_to_parents(struct dwarf_state *st, const struct cu_func *cf)
{
	struct cu_inline *in = st->fn_inl.v + cf->inl0;
	size_t i, j, depth = 0;
	size_t *open;

	if (cf->ninl < 2)
		return 0;
	if (vec_reserve(st->inl_up, cf->ninl) < 0)
		return -1;
	open = st->inl_up.v;	/* open[d]: the open inline at depth d */
	for (i = 0; i < cf->ninl; i++) {
		const struct cu_inline *p;
		size_t n = 0;

		if (in[i].nest > depth) {	/* a level skipped: no parent */
			depth = 0;
			continue;
		}
		depth = in[i].nest;
		open[depth++] = i;
		if (depth == 1)
			continue;
		p = &in[open[depth - 2]];
		/* the common case, few ranges each: contained, nothing to do */
		if ((uint64_t)in[i].nr * p->nr <= 64) {
			for (j = 0; j < in[i].nr; j++) {
				const struct mod_range *c = st->inl_ranges.v + in[i].r0 + j;
				if (c->hi > c->lo && !range_inside(st->inl_ranges.v + p->r0, p->nr, c->lo, c->hi))
					break;
			}
			if (j == in[i].nr)
				continue;
		}
		/* both lists sorted and merged in scratch space, then swept
		 * together: at most nr(child) + nr(parent) pieces, in time
		 * linear after the sorts, however many ranges hostile input
		 * gives either */
		{
			size_t cn = in[i].nr, pn = p->nr, a0 = st->inl_ranges.n, na, nb, x, y;
			struct mod_range *A, *B, *O;

			if (vec_reserve(st->inl_ranges, 2 * (cn + pn)) < 0)
				return -1;
			A = st->inl_ranges.v + a0;
			B = A + cn;
			O = B + pn;
			memcpy(A, st->inl_ranges.v + in[i].r0, cn * sizeof(*A));
			memcpy(B, st->inl_ranges.v + p->r0, pn * sizeof(*B));
			na = sort_merge(A, cn);
			nb = sort_merge(B, pn);
			for (x = 0, y = 0; x < na && y < nb;) {
				uint64_t lo = A[x].lo > B[y].lo ? A[x].lo : B[y].lo;
				uint64_t hi = A[x].hi < B[y].hi ? A[x].hi : B[y].hi;
				if (lo < hi) {
					O[n].lo = lo;
					O[n].hi = hi;
					n++;
				}
				if (A[x].hi < B[y].hi)
					x++;
				else
					y++;
			}
			memmove(A, O, n * sizeof(*O));
			in[i].r0 = a0;
			in[i].nr = n;
			st->inl_ranges.n = a0 + n;
		}
	}
	return 0;
}

/* Moves a function's inlines into the module, call-site files resolved
 * through the unit's line table (an unknown one becomes "<unknown>"). */
static int add_unit_inlines(struct dwarf_state *st, const struct cu_func *cf,
			    const uint32_t *fileidx, size_t nfiles)
{
	size_t i;

	if (clip_to_parents(st, cf) < 0)
		return -1;
	for (i = 0; i < cf->ninl; i++) {
		const struct cu_inline *in = &st->fn_inl.v[cf->inl0 + i];
		uint32_t file = UINT32_MAX;

		if (fileidx && in->call_file < nfiles)
			file = fileidx[in->call_file];
		if (file == UINT32_MAX) {
			const char *u = module_intern(st->mod, "<unknown>", 9);
			if (!u || (file = module_file(st->mod, u)) == UINT32_MAX)
				return -1;
		}
		if (module_add_inline(st->mod, cf->group, in->nest, in->call_line, file, in->origin,
				      in->nr ? st->inl_ranges.v + in->r0 : NULL, in->nr) < 0)
			return -1;
	}
	return 0;
}

/* ---- names from the symbol table ------------------------------------ */

/* The name the symbol table gives a function at addr whose DWARF name is
 * dw (NULL: it has none): the first public there, in symbol-table order,
 * whose base name agrees with dw (symname_agree); with no dw the first
 * global one, else the first with a size (an alias made with .set has
 * none), else the first.  Without clone suffixes, interned.  NULL when
 * none fits, and *oom set when out of memory. */
static const char *symbol_name(struct dwarf_state *st, uint64_t addr, const char *dw, bool *oom)
{
	struct module *m = st->mod;
	size_t k, pick = SIZE_MAX;
	int best = -1;
	const char *n;

	for (k = module_public_at(m, addr); k != SIZE_MAX; k = module_public_next(m, k, addr)) {
		const struct mod_public *p = module_public_get(m, k);
		int score = p->global ? 2 : p->size ? 1 : 0;
		if (dw) {
			if (symname_agree(dw, p->name)) {
				pick = k;
				break;
			}
		} else if (score > best) {
			best = score;
			pick = k;
		}
	}
	if (pick == SIZE_MAX)
		return NULL;
	n = module_public_get(m, pick)->name;
	n = module_intern(m, n, symname_unclone(n, strlen(n)));
	if (!n)
		*oom = true;
	return n;
}

/* Functions DWARF does not describe: clang -gline-tables-only writes a
 * DW_TAG_subprogram only for a function with inlined calls.  A line row
 * outside every function of the unit lies in the function the symbol
 * covering it names and sizes, which becomes one (when it overlaps no
 * function of the unit).  The lines are sorted by address.  0, or -1 when
 * out of memory. */
static int funcs_from_symbols(struct dwarf_state *st, const struct mod_line *lines, size_t nlines)
{
	struct mod_range *cov = NULL;
	size_t ncov = 0, i, ci = 0;
	/* [made_lo, made_hi): the last symbol looked at covers (or not:
	 * no public starts inside it, so rows there give the same answer) */
	uint64_t made_lo = 0, made_hi = 0;
	bool oom = false;

	for (i = 0; i < st->funcs.n; i++)
		ncov += st->funcs.v[i].nranges;
	if (ncov) {
		size_t k = 0;
		if (!(cov = malloc(ncov * sizeof(*cov))))
			return -1;
		for (i = 0; i < st->funcs.n; i++) {
			const struct cu_func *cf = &st->funcs.v[i];
			memcpy(cov + k, st->franges.v + cf->ranges0, cf->nranges * sizeof(*cov));
			k += cf->nranges;
		}
		ncov = sort_merge(cov, ncov);
	}
	for (i = 0; i < nlines; i++) {
		uint64_t a = lines[i].addr, lo, hi;
		const struct mod_public *p;
		struct cu_func cf;
		size_t k;

		while (ci < ncov && cov[ci].hi <= a)
			ci++;
		if ((ci < ncov && cov[ci].lo <= a) || (a >= made_lo && a < made_hi))
			continue;
		k = module_public_covering(st->mod, a);
		if (k == SIZE_MAX) {
			/* none until the next public */
			made_lo = a;
			made_hi = module_public_above(st->mod, a);
			continue;
		}
		p = module_public_get(st->mod, k);
		lo = module_public_addr(st->mod, p);
		hi = lo + p->size;
		made_lo = lo;
		made_hi = hi < lo ? UINT64_MAX : hi;
		/* cov[ci - 1] ends below a, cov[ci] starts above it */
		if (hi < lo || lo == 0 || (ci > 0 && cov[ci - 1].hi > lo) || (ci < ncov && cov[ci].lo < hi))
			continue;
		memset(&cf, 0, sizeof(cf));
		cf.name = symbol_name(st, lo, NULL, &oom);
		if (oom)
			goto nomem;
		if (!cf.name)
			continue;
		cf.ranges0 = st->franges.n;
		cf.nranges = 1;
		cf.group = SIZE_MAX;
		if (vec_push(st->franges, ((struct mod_range){ lo, hi })) < 0 ||
		    vec_push(st->funcs, cf) < 0)
			goto nomem;
	}
	free(cov);
	return 0;
nomem:
	free(cov);
	return -1;
}

/* A unit's line program, read on the pool (-j) while the main thread
 * walks the unit's DIEs.  It works on copies of what it reads (the
 * sections stay as they are until the unit's end) and interns its paths
 * in a pool of its own; finish_unit() takes its rows, paths and error as
 * the synchronous dw_read_lines() would have given them, so the output and
 * the warnings are the same for every -j. */
struct lines_task {
	struct pool_task task;
	struct dw_file f;
	struct dw_unit u;
	uint64_t off;
	char *comp_dir;
	struct arena arena;
	struct strpool paths;
	struct dw_lines dl;
	struct sym_err err;
	enum sym_code rc;
	pthread_t reader;
	bool on_worker;		/* SYM_TEST_UNIT_STATS */
};

static const char *task_intern(void *ctx, const char *s, size_t n)
{
	return strpool_intern(ctx, s, n);
}

static void lines_run(void *arg)
{
	struct lines_task *t = arg;
	struct dw_lines_ctx lc = { t->comp_dir, task_intern, &t->paths };

	t->on_worker = !pthread_equal(pthread_self(), t->reader);
	t->rc = dw_read_lines(&t->f, &t->u, t->off, &lc, &t->dl, &t->err);
}

static void lines_task_free(struct lines_task *t)
{
	dw_lines_free(&t->dl);
	strpool_release(&t->paths);
	arena_release(&t->arena);
	free(t->comp_dir);
	free(t);
}

/* Waits for (or runs here) the unit's line task and frees it. */
static void lines_drop(struct dwarf_state *st)
{
	if (!st->lt)
		return;
	pool_wait(&st->lt->task);
	lines_task_free(st->lt);
	st->lt = NULL;
}

/* With a pool, starts reading the line program of the unit whose root was
 * just read, if finish_unit() may want it.  Without one, or out of
 * memory, finish_unit() reads it itself. */
static void lines_start(struct dwarf_state *st, const struct unit_root *root)
{
	struct lines_task *t;

	lines_drop(st);
	if (!st->opt->pool || !root->has_stmt_list || st->lang == LANG_ASM || root->dwo_name)
		return;
	if (!(t = calloc(1, sizeof(*t))))
		return;
	if (root->comp_dir && !(t->comp_dir = strdup(root->comp_dir))) {
		free(t);
		return;
	}
	t->f = st->f;
	t->u = st->u;
	t->off = root->stmt_list;
	arena_init(&t->arena);
	strpool_init(&t->paths, &t->arena);
	sym_err_clear(&t->err);
	t->reader = pthread_self();
	t->task.fn = lines_run;
	t->task.arg = t;
	st->lt = t;
	pool_submit(st->opt->pool, &t->task);
}

/* The unit's line program, from its task (lines_start()) or read here.
 * dl's paths are interned in the module either way. */
static enum sym_code unit_lines(struct dwarf_state *st, const struct unit_root *root,
				struct dw_lines *dl, struct sym_err *lerr)
{
	struct lines_task *t = st->lt;
	struct dw_lines_ctx lc = { root->comp_dir, lines_intern, st->mod };
	enum sym_code rc;
	size_t i;

	if (!t || t->off != root->stmt_list) {
		st->lines_here++;
		return dw_read_lines(&st->f, &st->u, root->stmt_list, &lc, dl, lerr);
	}
	pool_wait(&t->task);
	if (t->on_worker)
		st->lines_worker++;
	else
		st->lines_here++;
	rc = t->rc;
	*lerr = t->err;
	*dl = t->dl;
	memset(&t->dl, 0, sizeof(t->dl));
	for (i = 0; i < dl->nfiles; i++)
		if (dl->files[i] &&
		    !(dl->files[i] = module_intern(st->mod, dl->files[i], strlen(dl->files[i])))) {
			/* this error, not the program's, which would keep
			 * the rows (and paths of freed memory) */
			sym_err_clear(lerr);
			rc = sym_fail(lerr, SYM_ENOMEM, "out of memory");
			break;
		}
	/* the directories were the task's */
	for (i = 0; i < dl->ndirs; i++)
		dl->dirs[i] = NULL;
	lines_task_free(t);
	st->lt = NULL;
	return rc;
}

/* Ends a unit: reads its line program, adds its functions to the module
 * and gives their ranges the unit's lines. */
static enum sym_code finish_unit(struct dwarf_state *st, const struct unit_root *root)
{
	struct dw_lines dl;
	struct mod_line *lines = NULL;
	uint32_t *fileidx = NULL;
	size_t nlines = 0, nfiles = 0, i;
	enum sym_code rc = SYM_OK;
	const size_t hibit = (size_t)1 << (sizeof(size_t) * 8 - 1);
	bool sym_names;

	memset(&dl, 0, sizeof(dl));
	if (st->lang == LANG_ASM)
		goto out;	/* Breakpad: assembler units have no functions */
	if (root->has_stmt_list)
		st->last_stmt_list = root->stmt_list;
	/* sym_names: -gline-tables-only and -g1 units need their lines
	 * even without a function (funcs_from_symbols) */
	sym_names = !st->opt->breakpad_names && !st->unit_scoped;
	if (root->has_stmt_list && (st->funcs.n || sym_names)) {
		struct sym_err lerr;

		sym_err_clear(&lerr);
		if (unit_lines(st, root, &dl, &lerr) != SYM_OK) {
			if (lerr.code == SYM_ENOMEM)
				goto nomem;
			warn(st, "%s", lerr.msg);
			/* keep the rows read before the error */
		}
		if (dl.bad_dir)
			warn(st, "DWARF line number data refers to undefined directory numbers");
		fileidx = malloc((dl.nfiles + 1) * sizeof(*fileidx));
		lines = malloc((dl.nrows + 1) * sizeof(*lines));
		if (!fileidx || !lines)
			goto nomem;
		nfiles = dl.nfiles;
		for (i = 0; i < dl.nfiles; i++) {
			fileidx[i] = UINT32_MAX;
			if (dl.files[i] && (fileidx[i] = module_file(st->mod, dl.files[i])) == UINT32_MAX)
				goto nomem;
		}
		for (i = 0; i < dl.nrows; i++) {
			const struct dw_row *r = &dl.rows[i];
			if (r->file >= dl.nfiles || fileidx[r->file] == UINT32_MAX)
				continue;	/* undefined file number */
			lines[nlines].addr = r->addr;
			lines[nlines].size = r->size > UINT32_MAX ? UINT32_MAX : (uint32_t)r->size;
			lines[nlines].file = fileidx[r->file];
			lines[nlines].line = r->line;
			nlines++;
		}
		dw_lines_free(&dl);
	}
	if (sort_lines(lines, nlines) < 0)
		goto nomem;
	if (sym_names && nlines && funcs_from_symbols(st, lines, nlines) < 0)
		goto nomem;
	if (!st->opt->breakpad_names) {
		/* names DWARF lacks, or gives short (sym_names), from the
		 * symbol at the function's entry */
		for (i = 0; i < st->funcs.n; i++) {
			struct cu_func *cf = &st->funcs.v[i];
			bool oom = false;
			const char *n;
			if (!cf->no_name && !(cf->bare && sym_names))
				continue;
			n = symbol_name(st, st->franges.v[cf->ranges0].lo, cf->no_name ? NULL : cf->name,
					&oom);
			if (oom)
				goto nomem;
			if (n)
				cf->name = n;
		}
	}
	for (i = 0; i < st->funcs.n; i++) {
		struct cu_func *cf = &st->funcs.v[i];
		const char *name = module_intern(st->mod, cf->name, strlen(cf->name));

		if (!name)
			goto nomem;
		cf->group = module_add_group(st->mod, name, st->franges.v[cf->ranges0].lo);
		if (cf->group == SIZE_MAX - 1)
			goto nomem;
		if (cf->group < SIZE_MAX - 1 && cf->ninl && add_unit_inlines(st, cf, fileidx, nfiles) < 0)
			goto nomem;
		if (cf->fwd_ref) {
			size_t *slot = offmap_get(&st->fwd, cf->fwd_ref);
			if (slot && *slot == i + 1) {
				if (cf->group == SIZE_MAX)
					offmap_del(&st->fwd, cf->fwd_ref);
				else
					*slot = (cf->group | hibit) + 1;
			}
		}
	}
	if (assign_lines(st, lines, nlines) < 0)
		goto nomem;
out:
	st->funcs.n = 0;
	st->franges.n = 0;
	st->fn_inl.n = 0;
	st->cu_inl.n = 0;
	st->inl_ranges.n = 0;
	free(lines);
	free(fileidx);
	dw_lines_free(&dl);
	return rc;
nomem:
	rc = sym_fail(st->err, SYM_ENOMEM, "out of memory");
	goto out;
}

static int import_unit(struct dwarf_state *st, struct cursor *c, const struct dw_abbrev *a,
		       uint64_t doff);

/* Walks the children of a unit's root DIE (the cursor is just past the
 * root's attributes).  Returns 0, 1 when the tree is malformed (what was
 * read is kept), -1 when out of memory. */
static int walk_dies(struct dwarf_state *st, struct cursor *cp)
{
	struct cursor c = *cp;
	const struct dw_abbrev *a;
	uint64_t code;
	int rc = 0;
	const size_t base = st->stack.n;	/* frames of the importing unit's walk */

	for (;;) {
		uint64_t doff = c.pos | st->key_bias;
		enum handler parent_h;
		const char *parent_name;
		bool parent_is_root;
		struct frame fr;

		if (c.pos >= st->u.end)
			break;
		code = cursor_uleb(&c);
		if (c.bad) {
			rc = 1;
			break;
		}
		if (code == 0) {
			struct frame *top;
			if (st->stack.n == base)
				break;	/* end of the root's children */
			top = &st->stack.v[--st->stack.n];
			if (top->is_func && finish_func(st, top) < 0)
				return -1;
			continue;
		}
		a = dw_find_abbrev(&st->ab, code);
		if (!a) {
			rc = 1;
			break;
		}
		if (!st->unit_scoped)
			st->unit_scoped = a->tag == DW_TAG_base_type || a->tag == DW_TAG_namespace ||
					  a->tag == DW_TAG_structure_type ||
					  a->tag == DW_TAG_class_type || a->tag == DW_TAG_union_type;
		parent_is_root = st->stack.n == base;
		parent_h = parent_is_root ? H_SCOPE : st->stack.v[st->stack.n - 1].h;

		memset(&fr, 0, sizeof(fr));
		fr.h = parent_h == H_SKIP ? H_SKIP
			: child_handler(parent_h, parent_is_root, a->tag, st->opt->inlines,
					!st->opt->breakpad_names);
		fr.off = doff;
		if (fr.h == H_SKIP && parent_is_root && a->tag == DW_TAG_imported_unit) {
			int r = import_unit(st, &c, a, doff);
			if (r < 0)
				return -1;
			if (r > 0) {
				rc = 1;
				break;
			}
			fr.child_name = "";
		} else if (fr.h == H_SKIP || fr.h == H_BLOCK) {
			if (!skip_die(st, &c, a)) {
				rc = 1;
				break;
			}
			fr.child_name = "";
			/* nothing of a block's own is used: the inlines
			 * in it take their depth from it */
			if (fr.h == H_BLOCK)
				fr.nest = child_nest(&st->stack.v[st->stack.n - 1]);
		} else {
			parent_name = parent_is_root ? ""
				: frame_child_name(st, &st->stack.v[st->stack.n - 1]);
			if (!parent_name)
				return -1;
			fr.lz.parent = parent_name;
			fr.lz.lang = (uint8_t)st->lang;
			if (!read_die(st, &c, a, doff, &fr)) {
				if (st->oom)
					return -1;
				rc = 1;
				break;
			}
			if (fr.h == H_INLINE) {
				fr.nest = child_nest(&st->stack.v[st->stack.n - 1]);
				if (add_inline(st, &fr) < 0)
					return -1;
			}
			fr.inl_start = st->cu_inl.n;
			/* a declaration in a function's block (extern void g();)
			 * names nothing: the function it declares is not in the
			 * enclosing function's scope */
			if (fr.declaration && (parent_is_root || parent_h != H_FUNC)) {
				uint32_t *sp = offmap_put(&st->specs, doff);
				if (!sp)
					return -1;
				*sp = lazy_add(st, &fr.lz);
				if (*sp == UINT32_MAX)
					return -1;
			}
			fr.is_func = fr.h == H_FUNC;
		}
		if (a->children) {
			if (vec_push(st->stack, fr) < 0)
				return -1;
			if (st->stack.n - base > 4096) {
				rc = 1;
				break;
			}
		} else if (fr.is_func) {
			if (finish_func(st, &fr) < 0)
				return -1;
		}
	}
	/* Finish functions left open by a truncated tree. */
	while (st->stack.n > base) {
		struct frame *top = &st->stack.v[--st->stack.n];
		if (top->is_func && finish_func(st, top) < 0)
			return -1;
	}
	return rc;
}

/* ---- partial units (dwz) ------------------------------------------- */

/* Waits for all of .debug_info; false when it does not decompress (the
 * main loop's last wait says so). */
static bool info_all(const struct dw_file *f)
{
	struct sym_err e;

	sym_err_clear(&e);
	return !f->info.stream || obj_stream_need(f->info.stream, f->info.size, &e) == SYM_OK;
}

/* Whether off lies in a unit of .debug_info (sup: of the supplementary
 * file's), *uoff its header's offset and *udie its root DIE's.
 * Units are chained by their lengths from offset 0; the main loop records
 * them as it goes (see dwarf_read), and an import of a later unit follows
 * the chain ahead, where no page has been released.  -1 when out of
 * memory. */
static int unit_known(struct dwarf_state *st, bool sup, uint64_t off, uint64_t *uoff,
		      uint64_t *udie)
{
	const struct dw_file *f = sup ? &st->supf : &st->f;
	uint64_t *tend = sup ? &st->sup_ustarts_end : &st->ustarts_end;
	size_t lo = 0, hi;

	if (off >= *tend && !info_all(f))
		return 0;
	while (off >= *tend && *tend < f->info.size) {
		struct dw_unit u;
		struct sym_err e;

		sym_err_clear(&e);
		if (dw_read_unit_header(f, *tend, &u, &e) != SYM_OK || u.end <= *tend ||
		    (sup ? vec_reserve(st->sup_ustarts, 1) : vec_reserve(st->ustarts, 1)) < 0)
			break;
		if (sup) {
			st->sup_ustarts.v[st->sup_ustarts.n].off = *tend;
			st->sup_ustarts.v[st->sup_ustarts.n++].die = u.die_off;
		} else {
			st->ustarts.v[st->ustarts.n].off = *tend;
			st->ustarts.v[st->ustarts.n++].die = u.die_off;
		}
		*tend = u.end;
	}
	if (sup) {
		/* the same search in the supplementary file's table */
		hi = st->sup_ustarts.n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (st->sup_ustarts.v[mid].off <= off)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo || off >= *tend)
			return 0;
		*uoff = st->sup_ustarts.v[lo - 1].off;
		*udie = st->sup_ustarts.v[lo - 1].die;
		return 1;
	}
	/* the last unit starting at or before off */
	hi = st->ustarts.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->ustarts.v[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || off >= st->ustarts_end)
		return 0;
	*uoff = st->ustarts.v[lo - 1].off;
	*udie = st->ustarts.v[lo - 1].die;
	return 1;
}

/* Reads the partial unit at .debug_info offset off, which the DIE at from
 * imports: its declarations and abstract instances name the functions of
 * the importing unit, as the DIEs dwz moved out of it did.  Each partial
 * unit is read once per run (st->pu_memo), with the importer's language
 * unless it has its own; it adds no functions.  A bad import (not a
 * partial unit, a cycle, nested more than 8 deep) is a warning.  Returns
 * 0, or -1 when out of memory. */
static int read_partial(struct dwarf_state *st, uint64_t die, uint64_t from, bool quiet)
{
	const bool sup = (die & sup_space) != 0;
	const struct dw_file saved_f = st->f;
	const uint64_t saved_bias = st->key_bias;
	const struct dw_unit saved_u = st->u;
	const struct dw_abbrevs saved_ab = st->ab;
	const enum lang saved_lang = st->lang;
	const bool saved_in = st->in_partial;
	struct unit_root root;
	struct sym_err e;
	struct cursor c;
	const struct dw_abbrev *a;
	uint64_t *memo, code, off = 0, udie = 0;
	int rc = 0, known;

	if (!quiet)
		st->pu_imports++;
	if (st->key_bias & ~sup_space) {
		warn(st, "DW_TAG_imported_unit at 0x%llx in a split DWARF file; ignored",
		     (unsigned long long)(from & ((1ULL << 48) - 1)));
		return 0;
	}
	if (sup && !st->have_sup)
		return 0;	/* warned when it was not found */
	die &= ~sup_space;
	known = unit_known(st, sup, die, &off, &udie);
	if (known < 0)
		return -1;
	if (!known || (die != off && die != udie)) {
		if (quiet)
			return 0;
		warn(st, "DW_TAG_imported_unit at 0x%llx refers to 0x%llx, which is not the first DIE of a unit in %s's .debug_info; ignored",
		     (unsigned long long)(from & ~sup_space), (unsigned long long)die,
		     sup ? st->supf.path : st->f.path);
		return 0;
	}
	if (sup)
		off |= sup_space;	/* the memo's key */
	memo = offmap_get(&st->pu_memo, off);
	if (memo) {
		if (*memo == 1 && !quiet)
			warn(st, "the partial unit at .debug_info+0x%llx is imported again while it is read (at 0x%llx); the cycle is ignored",
			     (unsigned long long)(off & ~sup_space), (unsigned long long)(from & ~sup_space));
		return 0;
	}
	if (st->pu_depth >= 8) {
		warn(st, "partial units imported more than 8 deep; the import of .debug_info+0x%llx at 0x%llx is ignored",
		     (unsigned long long)(off & ~sup_space), (unsigned long long)(from & ~sup_space));
		return 0;
	}
	memo = offmap_put(&st->pu_memo, off);
	if (!memo)
		return -1;
	*memo = 1;
	memset(&st->ab, 0, sizeof(st->ab));
	if (sup) {
		st->f = st->supf;
		st->key_bias = sup_space;
	}
	sym_err_clear(&e);
	if (dw_read_unit_header(&st->f, off & ~sup_space, &st->u, &e) != SYM_OK ||
	    dw_read_abbrevs(&st->f, &st->u, &st->ab, &e) != SYM_OK) {
		if (e.code == SYM_ENOMEM)
			rc = -1;
		else
			warn(st, "%s", e.msg);
		goto out;
	}
	c = cursor_make(st->f.info.data, st->u.end, st->f.be);
	cursor_seek(&c, st->u.die_off);
	code = cursor_uleb(&c);
	a = c.bad || !code ? NULL : dw_find_abbrev(&st->ab, code);
	if (!a || a->tag != DW_TAG_partial_unit || !read_root(st, &c, a, &root)) {
		if (!quiet)
			warn(st, "DW_TAG_imported_unit at 0x%llx refers to .debug_info+0x%llx, which is not a partial unit; ignored",
		     (unsigned long long)(from & ~sup_space), (unsigned long long)(off & ~sup_space));
		goto out;
	}
	/* dwz gives partial units no DW_AT_language: their DIEs were the
	 * importer's */
	if (root.lang)
		st->lang = lang_of(root.lang);
	st->in_partial = true;
	st->pu_reads++;
	if (quiet)
		st->pu_late++;
	st->pu_depth++;
	if (a->children) {
		rc = walk_dies(st, &c);
		if (rc > 0) {
			warn(st, "malformed DIE tree in the partial unit at .debug_info+0x%llx; its remaining DIEs are skipped",
			     (unsigned long long)(off & ~sup_space));
			rc = 0;
		}
	}
	st->pu_depth--;
out:
	/* the walk may have grown the memo: its slot is looked up again */
	memo = offmap_get(&st->pu_memo, off);
	if (memo)
		*memo = 2;
	dw_abbrevs_free(&st->ab);
	st->ab = saved_ab;
	st->u = saved_u;
	st->lang = saved_lang;
	st->in_partial = saved_in;
	st->f = saved_f;
	st->key_bias = saved_bias;
	return rc;
}

/* A DW_TAG_imported_unit child of a unit's root: reads its attributes and
 * the partial unit its DW_AT_import names.  Returns 0, 1 when the DIE is
 * malformed, -1 when out of memory. */
static int import_unit(struct dwarf_state *st, struct cursor *c, const struct dw_abbrev *a,
		       uint64_t doff)
{
	uint64_t target = 0;
	bool have = false;
	uint32_t i;

	for (i = 0; i < a->nattrs; i++) {
		const struct dw_abbrev_attr *at = &st->ab.attrs[a->attr0 + i];
		struct dw_value v;

		if (!dw_read_form(&st->f, &st->u, c, at->form, at->implicit, &v))
			return 1;
		if (at->name == DW_AT_import && v.cls == DW_CLS_REF) {
			target = v.u | st->key_bias;
			have = true;
		} else if (at->name == DW_AT_import && v.cls == DW_CLS_REF_SUP) {
			target = v.u | sup_space;
			have = true;
		}
	}
	if (!have) {
		warn(st, "DW_TAG_imported_unit at 0x%llx names no unit of this file's .debug_info; ignored",
		     (unsigned long long)doff);
		return 0;
	}
	return read_partial(st, target, doff, false);
}

/* A DW_AT_specification or DW_AT_abstract_origin to a DIE not recorded
 * yet, in a file with partial units: when it lies in a partial unit that
 * no import has read (dwz moved LTO's early-debug DIEs there, imported by
 * units after the one that refers to them), that unit is read now.  Units
 * behind the main loop are only looked at when they are partial units it
 * passed unread (their pages are kept).  -1 when out of memory. */
static int pu_on_demand(struct dwarf_state *st, uint64_t ref, uint64_t from)
{
	const bool sup = (ref & sup_space) != 0;
	uint64_t uoff, udie;
	size_t lo = 0, hi = st->pu_passed.n;

	if ((!st->pu_imports && !st->pu_passed.n) || (st->key_bias & ~sup_space) ||
	    (sup && !st->have_sup))
		return 0;
	if (unit_known(st, sup, ref & ~sup_space, &uoff, &udie) <= 0)
		return 0;
	if (offmap_get(&st->pu_memo, uoff | (sup ? sup_space : 0)))
		return 0;
	if (!sup && uoff <= st->cur_unit) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (st->pu_passed.v[mid] < uoff)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == st->pu_passed.n || st->pu_passed.v[lo] != uoff)
			return 0;
	}
	return read_partial(st, udie | (sup ? sup_space : 0), from, true);
}

/* How far .debug_info may be given back after the main loop passed upto:
 * a decompressed copy comes back as zeros, so not beyond the first partial
 * unit the loop went past that no import has read yet. */
static uint64_t info_release_upto(struct dwarf_state *st, uint64_t upto)
{
	while (st->pu_first < st->pu_passed.n) {
		uint64_t *memo = offmap_get(&st->pu_memo, st->pu_passed.v[st->pu_first]);
		if (!memo || *memo != 2)
			break;
		st->pu_first++;
	}
	if (st->f.info.file_backed || st->pu_first == st->pu_passed.n)
		return upto;
	return st->pu_passed.v[st->pu_first] < upto ? st->pu_passed.v[st->pu_first] : upto;
}

static void get_sect(struct obj *o, const char *name, struct dw_sect *s, struct sym_err *err);

/* A .dwp package: the .debug_cu_index row of a unit, as (offset, size)
 * per section id.  Returns false when the package has no such unit. */
struct dwp_row {
	uint64_t off[9], size[9];
};

static bool dwp_lookup(const struct dw_sect *idx, uint64_t sig, struct dwp_row *row)
{
	struct cursor c = cursor_make(idx->data, idx->size, false);
	uint32_t version, ncols, nunits, nslots, h, h2, i, r = 0;
	size_t slots, rows, ids;

	version = cursor_u32(&c);
	ncols = cursor_u32(&c);
	nunits = cursor_u32(&c);
	nslots = cursor_u32(&c);
	if (c.bad || (version != 2 && version != 5) || !nslots || (nslots & (nslots - 1)) ||
	    ncols == 0 || ncols > 16 || nunits > nslots)
		return false;
	slots = c.pos;
	rows = slots + (size_t)nslots * 8;
	ids = rows + (size_t)nslots * 4;
	if (ids + ((size_t)ncols + 2 * (size_t)nunits * ncols) * 4 > idx->size)
		return false;
	h = (uint32_t)(sig & (nslots - 1));
	h2 = (uint32_t)(((sig >> 32) & (nslots - 1)) | 1);
	for (i = 0; i < nslots; i++) {
		uint64_t s;
		cursor_seek(&c, slots + (size_t)h * 8);
		s = cursor_u64(&c);
		if (s == sig) {
			cursor_seek(&c, rows + (size_t)h * 4);
			r = cursor_u32(&c);
			break;
		}
		if (s == 0)
			return false;
		h = (h + h2) & (nslots - 1);
	}
	if (!r || r > nunits)
		return false;
	memset(row, 0, sizeof(*row));
	for (i = 0; i < ncols; i++) {
		uint32_t id, off, size;
		cursor_seek(&c, ids + (size_t)i * 4);
		id = cursor_u32(&c);
		cursor_seek(&c, ids + ((size_t)ncols + (size_t)(r - 1) * ncols + i) * 4);
		off = cursor_u32(&c);
		cursor_seek(&c, ids + ((size_t)ncols + (size_t)nunits * ncols + (size_t)(r - 1) * ncols + i) * 4);
		size = cursor_u32(&c);
		if (c.bad)
			return false;
		if (id < 9) {
			row->off[id] = off;
			row->size[id] = size;
		}
	}
	return true;
}

static void slice(struct dw_sect *s, uint64_t off, uint64_t size)
{
	if (!s->data || off > s->size || size > s->size - off) {
		s->data = NULL;
		s->size = 0;
		return;
	}
	s->data += off;
	s->size = (size_t)size;
}

/* Reads the split compilation unit of the .dwo (or .dwp slice) now in
 * st->f whose id matches the skeleton's. */
static int read_split_units(struct dwarf_state *st, const struct dw_unit *skelp)
{
	struct dw_unit skel = *skelp;
	struct sym_err e;
	int rc = 0;

	if (st->f.info.data) {
		uint64_t off = 0;
		st->key_bias = ++st->nsplit << 48;	/* DIE offsets of the .dwo are another space */
		while (off < st->f.info.size && rc == 0) {
			struct cursor c;
			const struct dw_abbrev *a;
			struct dw_unit u;
			uint64_t code;

			sym_err_clear(&e);
			if (dw_read_unit_header(&st->f, off, &u, &e) != SYM_OK) {
				warn(st, "%s", e.msg);
				break;
			}
			off = u.end;
			if (u.unit_type != DW_UT_split_compile && !(u.version < 5 && u.unit_type == DW_UT_compile))
				continue;
			if (u.has_dwo_id && skel.has_dwo_id && u.dwo_id != skel.dwo_id)
				continue;
			/* the skeleton's bases; strings and ranges of the .dwo */
			u.addr_base = skel.addr_base;
			u.base_addr = skel.base_addr;
			u.gnu_ranges_base = skel.gnu_ranges_base;
			u.split = true;
			st->u = u;
			dw_abbrevs_free(&st->ab);
			if (dw_read_abbrevs(&st->f, &st->u, &st->ab, &e) != SYM_OK) {
				warn(st, "%s", e.msg);
				break;
			}
			c = cursor_make(st->f.info.data, st->u.end, st->f.be);
			cursor_seek(&c, st->u.die_off);
			code = cursor_uleb(&c);
			a = c.bad ? NULL : dw_find_abbrev(&st->ab, code);
			if (!a || a->tag != DW_TAG_compile_unit)
				continue;
			{
				/* the split unit's root: its language and string base */
				struct unit_root droot;
				if (!read_root(st, &c, a, &droot))
					continue;
				if (droot.lang)
					st->lang = lang_of(droot.lang);
				st->u.addr_base = skel.addr_base;
				st->u.base_addr = skel.base_addr;
			}
			if (a->children) {
				rc = walk_dies(st, &c);
				if (rc > 0) {
					warn(st, "malformed DIE tree in '%s'", st->f.path);
					rc = 0;
				}
			}
			break;	/* one compilation unit per .dwo */
		}
	}
	return rc;
}

/* Split DWARF: the skeleton unit names a .dwo file that holds the DIEs.
 * They are read with the .dwo's info, abbrev, string and range sections,
 * and the main file's .debug_addr (at the skeleton's addr_base) and line
 * table.  A .dwo that cannot be found is a warning, not a failure. */
static int read_split_unit(struct dwarf_state *st, const struct unit_root *root)
{
	struct dw_file main_f = st->f;
	struct dw_unit skel = st->u;
	struct sym_err e;
	struct obj dwo;
	char path[8192];
	const char *tried = NULL;
	size_t i;
	int rc = 0;
	bool opened = false;

	for (i = 0; i <= st->opt->ndebug_dirs + 1 && !opened; i++) {
		const char *base = strrchr(root->dwo_name, '/');
		base = base ? base + 1 : root->dwo_name;
		if (i == 0) {
			if (root->dwo_name[0] == '/' || !root->comp_dir)
				snprintf(path, sizeof(path), "%s", root->dwo_name);
			else
				snprintf(path, sizeof(path), "%s/%s", root->comp_dir, root->dwo_name);
		} else if (i <= st->opt->ndebug_dirs) {
			snprintf(path, sizeof(path), "%s/%s", st->opt->debug_dirs[i - 1], base);
		} else if (st->opt->bin_dir) {
			snprintf(path, sizeof(path), "%s/%s", st->opt->bin_dir, base);
		} else {
			continue;
		}
		if (!tried)
			tried = path;
		sym_err_clear(&e);
		if (access(path, R_OK) == 0 && obj_open(&dwo, path, &e) == SYM_OK)
			opened = true;
		else if (access(path, R_OK) == 0)
			obj_close(&dwo);
	}
	if (!opened && st->dwp_state == 0 && st->opt->dwp_path) {
		/* a package next to the binary: opened once, kept */
		sym_err_clear(&e);
		st->dwp_state = 2;
		if (access(st->opt->dwp_path, R_OK) == 0 && obj_open(&dwo, st->opt->dwp_path, &e) == SYM_OK) {
			if (dwo.fd >= 0) {
				close(dwo.fd);
				dwo.fd = -1;
			}
			if (vec_push(st->dwos, dwo) < 0) {
				obj_close(&dwo);
				return -1;
			}
			st->dwp_state = 1;
			st->dwp = st->dwos.n - 1;
		} else if (access(st->opt->dwp_path, R_OK) == 0) {
			obj_close(&dwo);
		}
	}
	if (!opened && st->dwp_state == 1 && skel.has_dwo_id) {
		struct obj *pkg = &st->dwos.v[st->dwp];
		struct dw_sect idx;
		struct dwp_row row;
		int v5;

		sym_err_clear(&e);
		get_sect(pkg, ".debug_cu_index", &idx, &e);
		if (idx.data && dwp_lookup(&idx, skel.dwo_id, &row)) {
			v5 = skel.version >= 5;
			get_sect(pkg, ".debug_info.dwo", &st->f.info, &e);
			get_sect(pkg, ".debug_abbrev.dwo", &st->f.abbrev, &e);
			get_sect(pkg, ".debug_str.dwo", &st->f.str, &e);
			get_sect(pkg, ".debug_str_offsets.dwo", &st->f.str_offsets, &e);
			get_sect(pkg, ".debug_rnglists.dwo", &st->f.rnglists, &e);
			slice(&st->f.info, row.off[1], row.size[1]);
			slice(&st->f.abbrev, row.off[3], row.size[3]);
			slice(&st->f.str_offsets, row.off[6], row.size[6]);
			if (v5)
				slice(&st->f.rnglists, row.off[8], row.size[8]);
			st->f.info.releasable = false;
			st->f.path = pkg->path;
			rc = read_split_units(st, &skel);
			st->key_bias = 0;
			st->f = main_f;
			st->u = skel;
			dw_abbrevs_free(&st->ab);
			return rc;
		}
	}
	if (!opened) {
		if (!st->warned_dwo && st->opt->warnings)
			(*st->opt->warnings)++;	/* once for --strict */
		if (st->opt->warn || !st->warned_dwo++)
			fprintf(stderr, "dumpsyms: warning: %s: split DWARF file '%s' not found (looked in '%s', the debug directories and %s); its functions are missing\n",
				st->f.path, root->dwo_name, root->comp_dir ? root->comp_dir : ".",
				st->opt->dwp_path ? st->opt->dwp_path : "no .dwp");
		return 0;
	}

	sym_err_clear(&e);
	get_sect(&dwo, ".debug_info.dwo", &st->f.info, &e);
	get_sect(&dwo, ".debug_abbrev.dwo", &st->f.abbrev, &e);
	get_sect(&dwo, ".debug_str.dwo", &st->f.str, &e);
	get_sect(&dwo, ".debug_str_offsets.dwo", &st->f.str_offsets, &e);
	get_sect(&dwo, ".debug_rnglists.dwo", &st->f.rnglists, &e);
	st->f.info.releasable = false;
	st->f.path = dwo.path;
	rc = read_split_units(st, &skel);
	st->key_bias = 0;
	st->f = main_f;
	st->u = skel;
	dw_abbrevs_free(&st->ab);
	/* names point into the .dwo: it stays mapped until the end (its file
	 * descriptor is not needed any more) */
	if (dwo.fd >= 0) {
		close(dwo.fd);
		dwo.fd = -1;
	}
	if (vec_push(st->dwos, dwo) < 0) {
		obj_close(&dwo);
		return -1;
	}
	return rc;
}

static enum sym_code read_unit(struct dwarf_state *st, uint64_t off, uint64_t *next)
{
	struct cursor c;
	struct unit_root root;
	const struct dw_abbrev *a;
	enum sym_code rc;
	uint64_t code;
	int w;

	memset(&root, 0, sizeof(root));
	st->cur_unit = off;
	rc = dw_read_unit_header(&st->f, off, &st->u, st->err);
	if (rc)
		return rc;
	*next = st->u.end;
	st->main_pu = st->u.unit_type == DW_UT_partial;
	if (st->u.unit_type != DW_UT_compile && st->u.unit_type != DW_UT_skeleton)
		return SYM_OK;	/* type, partial and split units */
	dw_abbrevs_free(&st->ab);
	rc = dw_read_abbrevs(&st->f, &st->u, &st->ab, st->err);
	if (rc)
		return rc;

	c = cursor_make(st->f.info.data, st->u.end, st->f.be);
	cursor_seek(&c, st->u.die_off);
	code = cursor_uleb(&c);
	if (c.bad || code == 0)
		return SYM_OK;
	a = dw_find_abbrev(&st->ab, code);
	if (!a)
		goto bad;
	st->main_pu = a->tag == DW_TAG_partial_unit;
	if (a->tag != DW_TAG_compile_unit && a->tag != DW_TAG_skeleton_unit)
		return SYM_OK;	/* partial units are read where they are imported */
	if (!read_root(st, &c, a, &root))
		goto bad;
	st->lang = lang_of(root.lang);
	st->stack.n = 0;
	st->unit_scoped = false;
	lines_start(st, &root);

	if (root.dwo_name) {
		if (read_split_unit(st, &root) < 0)
			goto nomem;
		return finish_unit(st, &root);
	}
	if (a->children) {
		w = walk_dies(st, &c);
		if (w < 0)
			goto nomem;
		if (w > 0)
			goto bad;
	}
	return finish_unit(st, &root);
bad:
	warn(st, "malformed DIE tree in the unit at .debug_info+0x%llx; its remaining DIEs are skipped",
	     (unsigned long long)off);
	return finish_unit(st, &root);
nomem:
	lines_drop(st);
	return sym_fail(st->err, SYM_ENOMEM, "out of memory");
}

static void get_sect(struct obj *o, const char *name, struct dw_sect *s, struct sym_err *err)
{
	const struct obj_section *os = obj_section(o, name, err);

	s->data = os ? os->data : NULL;
	s->size = os ? os->size : 0;
	s->releasable = os ? os->releasable : false;
	s->file_backed = os ? !os->owned : false;
	s->stream = NULL;
}

/* .debug_info, which may still be arriving (obj_prefetch()): the main
 * loop waits for each unit's bytes (info_ready()), anything that reads
 * elsewhere in it for all of them (info_all()). */
static void get_info(struct obj *o, struct dw_sect *s, struct sym_err *err)
{
	struct obj_stream *stream;
	const struct obj_section *os = obj_section_stream(o, ".debug_info", &stream, err);

	s->data = os ? os->data : NULL;
	s->size = os ? os->size : 0;
	s->releasable = os ? os->releasable : false;
	s->file_backed = os ? !os->owned : false;
	s->stream = os ? stream : NULL;
}

/* Waits for the unit at off: its length, then its bytes (all that is left
 * when the length is bad, for read_unit() to say so). */
static enum sym_code info_ready(const struct dw_file *f, uint64_t off, struct sym_err *err)
{
	const struct dw_sect *s = &f->info;
	struct cursor c;
	uint64_t len, end = s->size;
	enum sym_code rc;

	if (!s->stream)
		return SYM_OK;
	rc = obj_stream_need(s->stream, s->size - off > 12 ? off + 12 : s->size, err);
	if (rc)
		return rc;
	c = cursor_make(s->data, s->size, f->be);
	if (cursor_seek(&c, off)) {
		len = cursor_u32(&c);
		if (len == 0xffffffff)
			len = cursor_u64(&c);
		if (!c.bad && len <= cursor_left(&c))
			end = c.pos + len;
	}
	return obj_stream_need(s->stream, end, err);
}

/* Gives back the memory of a section before offset `upto`.  Units are
 * read once, front to back, so on a large input this keeps the resident
 * size near one unit's worth instead of whole sections.  Pages of a file
 * mapping fault back in from the file if they are read again; pages of a
 * decompressed copy would come back as zeros, so only .debug_info (never
 * read twice) is released there. */
static void release_prefix(const struct dw_sect *sec, uint64_t *released, uint64_t upto,
			   bool read_again)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start, end;

	if (!sec->releasable || (read_again && !sec->file_backed) ||
	    upto > sec->size || upto <= *released + 16 * page)
		return;
	start = ((uintptr_t)sec->data + *released + page - 1) & ~(page - 1);
	end = ((uintptr_t)sec->data + upto) & ~(page - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
	*released = upto;
}

struct origin_key {
	uint64_t off;
	uint32_t origin;
};

static int cmp_origin_key(const void *a, const void *b)
{
	const struct origin_key *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Keeps the entries of m whose offsets are outside [lo, hi) and forgets
 * the rest, shrinking m to what is kept; -1 when out of memory. */
static int offmap_drop_range(struct offmap *m, uint64_t lo, uint64_t hi)
{
	struct offmap keep;
	size_t i;

	if (!m->n)
		return 0;
	offmap_init(&keep, m->esize);
	for (i = 0; i < m->cap; i++) {
		uint64_t off = m->keys[i] - 1;
		void *v;
		if (!m->keys[i] || (off >= lo && off < hi))
			continue;
		if (!(v = offmap_put(&keep, off))) {
			offmap_free(&keep);
			return -1;
		}
		memcpy(v, (char *)m->vals + i * m->esize, m->esize);
	}
	if (!keep.n && (m->cap <= 1024 || m->n * 4 >= m->cap)) {
		/* cleared in place for the next unit when that costs no
		 * more than the entries did: a sparse map is given back */
		offmap_free(&keep);
		memset(m->keys, 0, m->cap * sizeof(*m->keys));
		m->n = 0;
		return 0;
	}
	offmap_free(m);
	*m = keep;
	return 0;
}

/* Names each inline origin after the DIE its inlines referred to: the
 * module origins of the abstract-origin DIEs at offsets in [lo, hi), in
 * ascending order of offset (so the names do not depend on
 * when they are given: see unit_done), and forgets them. */
static int name_origins(struct dwarf_state *st, uint64_t lo, uint64_t hi)
{
	struct origin_key *ks;
	size_t i, n = 0;
	int rc = 0;

	if (!st->origin_idx.n)
		return 0;
	ks = malloc(st->origin_idx.n * sizeof(*ks));
	if (!ks)
		return -1;
	for (i = 0; i < st->origin_idx.cap; i++) {
		uint64_t off = st->origin_idx.keys[i] - 1;
		if (!st->origin_idx.keys[i] || off < lo || off >= hi)
			continue;
		ks[n].off = off;
		ks[n++].origin = (uint32_t)(*(size_t *)((char *)st->origin_idx.vals +
							i * st->origin_idx.esize) - 1);
	}
	qsort(ks, n, sizeof(*ks), cmp_origin_key);
	for (i = 0; i < n && !rc; i++) {
		size_t *named = offmap_get(&st->named_dies, ks[i].off);
		struct lazy *lz = named ? lazy_at(st, &(uint32_t){ (uint32_t)(*named - 1) }) : NULL;
		const char *name;

		if (!lz)
			continue;
		name = func_name(st, lz, 0);
		if (name && name[0])
			name = module_intern(st->mod, name, strlen(name));
		if (!name)
			rc = -1;
		else if (name[0])
			module_name_origin(st->mod, ks[i].origin, name);
	}
	free(ks);
	if (!rc && n)
		rc = offmap_drop_range(&st->origin_idx, lo, hi);
	return rc;
}

/* Whether every reference that names a DIE (DW_AT_specification,
 * DW_AT_abstract_origin) in every abbreviation of .debug_abbrev has a
 * unit-local form, and no unit imports another: then no DIE refers to
 * one in an earlier unit.  gcc -flto and dwz files use DW_FORM_ref_addr;
 * an abbreviation section that does not parse is not trusted. */
static bool unit_local_refs(const struct dw_sect *ab, bool be)
{
	struct cursor c = cursor_make(ab->data, ab->size, be);

	while (cursor_left(&c) && !c.bad) {
		uint64_t tag;

		if (cursor_uleb(&c) == 0)
			continue;	/* the end of a table (or a bad number) */
		tag = cursor_uleb(&c);
		cursor_u8(&c);
		if (c.bad || tag == DW_TAG_imported_unit)
			return false;
		for (;;) {
			uint64_t name = cursor_uleb(&c), form = cursor_uleb(&c);
			if (c.bad)
				return false;
			if (!name && !form)
				break;
			if (form == DW_FORM_implicit_const)
				cursor_sleb(&c);
			if (form == DW_FORM_indirect)
				return false;
			if ((name == DW_AT_specification || name == DW_AT_abstract_origin) &&
			    form != DW_FORM_ref1 && form != DW_FORM_ref2 && form != DW_FORM_ref4 &&
			    form != DW_FORM_ref8 && form != DW_FORM_ref_udata)
				return false;
		}
	}
	return !c.bad;
}

/* The unit at [lo, hi) has been read: with unit-local references
 * (local_refs), nothing after it can refer to its DIEs, so its origins
 * are named now (name_origins) and its declarations, abstract instances
 * and naming inputs (lazies_forget) forgotten.  The names are those the end of the file would
 * give: nothing read later evaluates this unit's naming inputs. */
static int unit_done(struct dwarf_state *st, uint64_t lo, uint64_t hi)
{
	if (name_origins(st, lo, hi) < 0 || offmap_drop_range(&st->named_dies, lo, hi) < 0 ||
	    offmap_drop_range(&st->specs, lo, hi) < 0 ||
	    offmap_drop_range(&st->origins, lo, hi) < 0 ||
	    /* forward references the unit left unresolved stay so */
	    offmap_drop_range(&st->fwd, lo, hi) < 0)
		return -1;
	lazies_forget(st);
	st->units_done++;
	return 0;
}

static void hex_id(char *out, const uint8_t *id, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
	out[2 * n] = 0;
}

/* The identity of a candidate supplementary file: the checksum of its
 * .debug_sup (is_supplementary set: DWARF 5, dwz --dwarf-5), else its
 * build id. */
static void sup_ident(struct obj *c, const uint8_t **id, size_t *len)
{
	struct sym_err e;
	const struct obj_section *s;

	sym_err_clear(&e);
	*id = c->ident;
	*len = c->ident_len;
	s = obj_section(c, ".debug_sup", &e);
	if (s && s->data && s->size) {
		struct cursor cur = cursor_make(s->data, s->size, c->big_endian);
		uint64_t n;
		uint8_t is_sup;

		cursor_u16(&cur);
		is_sup = cursor_u8(&cur);
		cursor_cstr(&cur);
		n = cursor_uleb(&cur);
		if (!cur.bad && is_sup == 1 && n <= s->size - cur.pos && n <= OBJ_MAX_ID) {
			*id = s->data + cur.pos;
			*len = (size_t)n;
		}
	}
}

/* One place to look for the supplementary file: false past the last.
 * name is the one the link gives, dir the directory of the file with
 * the link. */
static bool sup_candidate(const struct dwarf_state *st, const char *name, const char *dir,
			  size_t k, char *path, size_t size)
{
	const char *base = strrchr(name, '/');
	const char *strip = "/usr/lib/debug";
	size_t nd = st->opt->ndebug_dirs;

	base = base ? base + 1 : name;
	path[0] = 0;
	if (k == 0) {
		if (name[0] == '/')
			snprintf(path, size, "%s", name);
		else
			snprintf(path, size, "%s/%s", dir, name);
		return true;
	}
	if (k == 1) {
		if (name[0] != '/' && st->opt->bin_dir)
			snprintf(path, size, "%s/%s", st->opt->bin_dir, name);
		return true;
	}
	k -= 2;
	if (k < 3 * nd) {
		const char *d = st->opt->debug_dirs[k / 3];
		if (k % 3 == 0)
			snprintf(path, size, "%s/.dwz/%s", d, base);
		else if (k % 3 == 1 && strncmp(name, strip, strlen(strip)) == 0)
			snprintf(path, size, "%s%s", d, name + strlen(strip));
		else if (k % 3 == 2)
			snprintf(path, size, "%s/%s", d, base);
		return true;
	}
	k -= 3 * nd;
	if (k == 0) {
		snprintf(path, size, "%s/.dwz/%s", dir, base);
		return true;
	}
	if (k == 1) {
		if (st->opt->bin_dir)
			snprintf(path, size, "%s/.dwz/%s", st->opt->bin_dir, base);
		return true;
	}
	if (k == 2) {
		snprintf(path, size, "/usr/lib/debug/.dwz/%s", base);
		return true;
	}
	return false;
}

/* dwz -m: the supplementary file that .gnu_debugaltlink (name, build id)
 * or .debug_sup (DWARF 5: version, is_supplementary, name, checksum)
 * names, with that build id: the name itself (relative to the file's
 * directory, then to the input's), in each debug directory (under .dwz/,
 * the name below /usr/lib/debug, the base name), in .dwz/ beside the file
 * and the input, and in /usr/lib/debug/.dwz/.  A file with another build
 * id, and no file at all, are warnings; its names are missing then. */
static void open_sup(struct dwarf_state *st, struct obj *o)
{
	struct sym_err e;
	const struct obj_section *s;
	const char *name = NULL;
	const uint8_t *id = NULL;
	size_t idlen = 0, k;
	char path[8192], dir[4096], want[2 * OBJ_MAX_ID + 1];
	const char *slash;
	const uint8_t *cid;
	size_t clen;
	bool found = false;

	sym_err_clear(&e);
	s = obj_section(o, ".gnu_debugaltlink", &e);
	if (s && s->data && s->size) {
		size_t nlen = strnlen((const char *)s->data, s->size);
		if (nlen < s->size) {
			name = (const char *)s->data;
			id = s->data + nlen + 1;
			idlen = s->size - nlen - 1;
		}
	} else if ((s = obj_section(o, ".debug_sup", &e)) && s->data && s->size) {
		struct cursor c = cursor_make(s->data, s->size, o->big_endian);
		uint8_t is_sup;

		cursor_u16(&c);
		is_sup = cursor_u8(&c);
		name = cursor_cstr(&c);
		idlen = cursor_uleb(&c);
		if (c.bad || is_sup || idlen > s->size - c.pos)
			name = NULL;	/* or the supplementary file itself */
		else
			id = s->data + c.pos;
		if (is_sup)
			return;
	} else {
		return;
	}
	if (!name || !name[0] || !idlen || idlen > OBJ_MAX_ID) {
		obj_warn(st->opt->warnings, "%s: malformed %s section; the names in the supplementary file (dwz -m) are missing",
			 o->path, s->name ? s->name : "link");
		return;
	}
	hex_id(want, id, idlen);
	slash = strrchr(o->path, '/');
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - o->path), o->path);
	else
		snprintf(dir, sizeof(dir), ".");
	for (k = 0; !found && sup_candidate(st, name, dir, k, path, sizeof(path)); k++) {
		if (!path[0] || access(path, R_OK) != 0)
			continue;
		sym_err_clear(&e);
		if (obj_open(&st->supo, path, &e) != SYM_OK)
			continue;
		sup_ident(&st->supo, &cid, &clen);
		if (clen == idlen && memcmp(cid, id, idlen) == 0) {
			found = true;
			break;
		} else {
			char got[2 * OBJ_MAX_ID + 1];
			hex_id(got, cid, clen < OBJ_MAX_ID ? clen : OBJ_MAX_ID);
			fprintf(stderr, "dumpsyms: warning: %s: skipped %s: build id %s, the link wants %s\n",
				o->path, path, got[0] ? got : "(none)", want);
		}
		obj_close(&st->supo);
	}
	if (!found) {
		obj_warn(st->opt->warnings, "%s: supplementary file '%s' (dwz -m, build id %s) not found (looked there, beside the file and the input, in the debug directories and in their and /usr/lib/debug's .dwz/); the names in it are missing",
			 o->path, name, want);
		return;
	}
	if (st->supo.fd >= 0) {
		close(st->supo.fd);
		st->supo.fd = -1;
	}
	st->supf.path = st->supo.path;
	st->supf.be = st->supo.big_endian;
	get_sect(&st->supo, ".debug_info", &st->supf.info, &e);
	get_sect(&st->supo, ".debug_abbrev", &st->supf.abbrev, &e);
	get_sect(&st->supo, ".debug_str", &st->supf.str, &e);
	get_sect(&st->supo, ".debug_line", &st->supf.line, &e);
	get_sect(&st->supo, ".debug_line_str", &st->supf.line_str, &e);
	get_sect(&st->supo, ".debug_str_offsets", &st->supf.str_offsets, &e);
	st->supf.info.releasable = false;
	st->have_sup = true;
	st->f.sup = &st->supf;
}

enum sym_code dwarf_read(struct obj *o, struct module *m,
			 const struct dwarf_options *opt, struct sym_err *err)
{
	struct dwarf_state st;
	enum sym_code rc = SYM_OK;
	uint64_t off = 0, next;

	memset(&st, 0, sizeof(st));
	st.mod = m;
	st.err = err;
	st.opt = opt;
	st.f.path = o->path;
	st.f.be = o->big_endian;
	get_info(o, &st.f.info, err);
	if (err->code)
		return err->code;
	if (!st.f.info.data)
		return SYM_OK;
	get_sect(o, ".debug_abbrev", &st.f.abbrev, err);
	get_sect(o, ".debug_str", &st.f.str, err);
	get_sect(o, ".debug_line", &st.f.line, err);
	get_sect(o, ".debug_line_str", &st.f.line_str, err);
	get_sect(o, ".debug_ranges", &st.f.ranges, err);
	get_sect(o, ".debug_rnglists", &st.f.rnglists, err);
	get_sect(o, ".debug_addr", &st.f.addr, err);
	get_sect(o, ".debug_str_offsets", &st.f.str_offsets, err);
	if (err->code && st.f.info.stream) {
		/* as with -j 1, a damaged .debug_info is the error */
		struct sym_err ie;

		sym_err_clear(&ie);
		if (obj_stream_need(st.f.info.stream, st.f.info.size, &ie))
			*err = ie;
	}
	if (err->code)
		return err->code;

	arena_init(&st.names);
	strpool_init(&st.npool, &st.names);
	offmap_init(&st.specs, sizeof(uint32_t));
	offmap_init(&st.origins, sizeof(uint32_t));
	offmap_init(&st.fwd, sizeof(size_t));
	offmap_init(&st.origin_idx, sizeof(size_t));
	offmap_init(&st.named_dies, sizeof(size_t));
	offmap_init(&st.pu_memo, sizeof(uint64_t));
	open_sup(&st, o);
	st.local_refs = !st.have_sup && !getenv("SYM_TEST_FILE_REFS") &&
			unit_local_refs(&st.f.abbrev, st.f.be);

	while (off < st.f.info.size) {
		struct sym_err uerr;
		uint64_t nsplit = st.nsplit;

		st.lazies0 = st.lazies.n;

		rc = info_ready(&st.f, off, err);
		if (rc)
			break;
		sym_err_clear(&uerr);
		st.err = &uerr;
		rc = read_unit(&st, off, &next);
		st.err = err;
		if (rc == SYM_ENOMEM) {
			sym_fail(err, rc, "%s", uerr.msg);
			break;
		}
		if (rc) {
			/* A unit whose header is bad ends the walk: its length
			 * cannot be trusted to find the next one. */
			warn(&st, "%s", uerr.msg);
			if (!m->funcs.n) {
				sym_fail(err, rc, "%s", uerr.msg);
				break;
			}
			rc = SYM_OK;
			break;
		}
		if (next <= off)
			break;
		/* partial units are read where a reference asks for them,
		 * after the main loop went past them (pu_on_demand) */
		if (st.main_pu)
			st.local_refs = false;
		if (st.local_refs && st.nsplit == nsplit && unit_done(&st, off, next) < 0) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			break;
		}
		if (off == st.ustarts_end) {
			/* the units imports may refer to */
			if (vec_reserve(st.ustarts, 1) < 0) {
				rc = sym_fail(err, SYM_ENOMEM, "out of memory");
				break;
			}
			st.ustarts.v[st.ustarts.n].off = off;
			st.ustarts.v[st.ustarts.n++].die = st.u.die_off;
			st.ustarts_end = next;
		}
		if (st.main_pu && !offmap_get(&st.pu_memo, off) && vec_push(st.pu_passed, off) < 0) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			break;
		}
		off = next;
		release_prefix(&st.f.info, &st.released, info_release_upto(&st, off), false);
		release_prefix(&st.f.abbrev, &st.released_abbrev, st.u.abbrev_off, true);
		release_prefix(&st.f.line, &st.released_line, st.last_stmt_list, true);
	}

	/* the error a damaged .debug_info is without a pool, however far
	 * the loop went and whatever stopped it: bytes arrive before their
	 * stream's checksum is checked */
	if (st.f.info.stream) {
		struct sym_err ie;

		sym_err_clear(&ie);
		if (obj_stream_need(st.f.info.stream, st.f.info.size, &ie)) {
			*err = ie;
			rc = ie.code;
		}
	}
	lines_drop(&st);
	if (rc == SYM_OK && name_origins(&st, 0, UINT64_MAX) < 0)
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
	if (getenv("SYM_TEST_UNIT_STATS"))
		fprintf(stderr, "dumpsyms: stats: %s: references %s; %llu units forgotten at their end; "
			"%llu line programs read by a worker, %llu by the reader\n",
			o->path, st.local_refs ? "unit-local" : "across units",
			(unsigned long long)st.units_done, st.lines_worker, st.lines_here);
	if (st.pu_imports && opt->warn)
		fprintf(stderr, "dumpsyms: %s: %llu imports of partial units (dwz), %llu partial units read (%llu on a reference before their import)\n",
			o->path, (unsigned long long)st.pu_imports, (unsigned long long)st.pu_reads,
			(unsigned long long)st.pu_late);
	offmap_free(&st.pu_memo);
	if (st.have_sup)
		obj_close(&st.supo);
	vec_free(st.sup_ustarts);
	vec_free(st.ustarts);
	vec_free(st.pu_passed);
	for (size_t i = 0; i < st.dwos.n; i++)
		obj_close(&st.dwos.v[i]);
	vec_free(st.dwos);
	dw_abbrevs_free(&st.ab);
	vec_free(st.cu_inl);
	vec_free(st.fn_inl);
	vec_free(st.inl_ranges);
	vec_free(st.inl_up);
	offmap_free(&st.origin_idx);
	offmap_free(&st.named_dies);
	vec_free(st.funcs);
	vec_free(st.franges);
	vec_free(st.stack);
	free(st.rtmp.v);
	free(st.qbuf);
	vec_free(st.lazies);
	free(st.lzset);
	offmap_free(&st.specs);
	offmap_free(&st.origins);
	offmap_free(&st.fwd);
	strpool_release(&st.npool);
	arena_release(&st.names);
	return rc;
}
