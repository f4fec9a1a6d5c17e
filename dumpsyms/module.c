/* module.c - the module model: collect, clean, write.
 *
 * Functions arrive one at a time from the debug readers, publics from the
 * symbol table.  module_finish() applies Breakpad's rules (one function per
 * address and name, publics replaced by the function at their address) and
 * ours on top (no overlapping FUNCs, no PUBLIC inside a FUNC), and
 * module_write() prints the records in Breakpad's order.
 */
#include "config.h"
#include "module.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void module_init(struct module *m)
{
	memset(m, 0, sizeof(*m));
	arena_init(&m->arena);
	strpool_init(&m->pool, &m->arena);
	m->os = "Linux";
}

void module_release(struct module *m)
{
	vec_free(m->files);
	free(m->file_index.keys);
	free(m->file_index.vals);
	vec_free(m->groups);
	vec_free(m->inlines);
	vec_free(m->inl_ranges);
	vec_free(m->origins);
	vec_free(m->funcs);
	vec_free(m->lines);
	vec_free(m->publics);
	free(m->pub_order);
	m->pub_order = NULL;
	m->npub_order = 0;
	vec_free(m->ranges);
	vec_free(m->stack_win);
	if (m->cfi)
		fclose(m->cfi);
	m->cfi = NULL;
	strpool_release(&m->pool);
	arena_release(&m->arena);
}

const char *module_intern(struct module *m, const char *s, size_t n)
{
	return strpool_intern(&m->pool, s, n);
}

int module_add_load_range(struct module *m, uint64_t lo, uint64_t hi)
{
	struct mod_range r = { lo, hi };

	return vec_push(m->ranges, r);
}

static bool in_module(const struct module *m, uint64_t addr)
{
	size_t i;

	if (!m->ranges.n)
		return true;
	for (i = 0; i < m->ranges.n; i++)
		if (addr >= m->ranges.v[i].lo && addr < m->ranges.v[i].hi)
			return true;
	return false;
}

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

uint32_t module_file(struct module *m, const char *path)
{
	size_t i;

	if ((m->files.n + 1) * 2 > m->file_index.cap) {
		size_t ncap = m->file_index.cap ? m->file_index.cap * 2 : 256, j;
		const char **nk = calloc(ncap, sizeof(*nk));
		uint32_t *nv = calloc(ncap, sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return UINT32_MAX;
		}
		for (j = 0; j < m->files.n; j++) {
			size_t k = ptr_hash(m->files.v[j], ncap);
			while (nk[k])
				k = (k + 1) & (ncap - 1);
			nk[k] = m->files.v[j];
			nv[k] = (uint32_t)j + 1;
		}
		free(m->file_index.keys);
		free(m->file_index.vals);
		m->file_index.keys = nk;
		m->file_index.vals = nv;
		m->file_index.cap = ncap;
	}
	i = ptr_hash(path, m->file_index.cap);
	while (m->file_index.keys[i]) {
		if (m->file_index.keys[i] == path)
			return m->file_index.vals[i] - 1;
		i = (i + 1) & (m->file_index.cap - 1);
	}
	if (m->files.n >= UINT32_MAX - 1 || vec_push(m->files, path) < 0)
		return UINT32_MAX;
	m->file_index.keys[i] = path;
	m->file_index.vals[i] = (uint32_t)m->files.n;
	return (uint32_t)m->files.n - 1;
}

uint32_t module_add_origin(struct module *m)
{
	const char *omitted = module_intern(m, "<name omitted>", 14);

	if (!omitted || m->origins.n >= UINT32_MAX - 1 || vec_push(m->origins, omitted) < 0)
		return UINT32_MAX;
	return (uint32_t)m->origins.n - 1;
}

void module_name_origin(struct module *m, uint32_t origin, const char *name)
{
	if (origin < m->origins.n && name && name[0])
		m->origins.v[origin] = name;
}

int module_add_inline(struct module *m, size_t group, uint32_t nest, uint32_t call_line,
		      uint32_t call_file, uint32_t origin, const struct mod_range *r, size_t nr)
{
	struct mod_inline in;
	struct mod_group *g;

	if (group >= m->groups.n)
		return 0;
	g = &m->groups.v[group];
	if (!g->ninl)
		g->inl0 = m->inlines.n;
	in.nest = nest;
	in.call_line = call_line;
	in.call_file = call_file;
	in.origin = origin;
	in.r0 = m->inl_ranges.n;
	in.nr = (uint32_t)nr;
	if (vec_reserve(m->inl_ranges, nr) < 0 || vec_push(m->inlines, in) < 0)
		return -1;
	if (nr)
		memcpy(m->inl_ranges.v + m->inl_ranges.n, r, nr * sizeof(*r));
	m->inl_ranges.n += nr;
	g->ninl++;
	return 0;
}

size_t module_add_group(struct module *m, const char *name, uint64_t faddr)
{
	struct mod_group g = { name, faddr, 0, 0, 0, false, false };

	if (!in_module(m, faddr))
		return SIZE_MAX;
	if (m->groups.n >= UINT32_MAX - 1 || vec_push(m->groups, g) < 0)
		return SIZE_MAX - 1;
	return m->groups.n - 1;
}

void module_rename_group(struct module *m, size_t group, const char *name)
{
	if (group < m->groups.n)
		m->groups.v[group].name = name;
}

int module_open_range(struct module *m, size_t group, uint64_t lo, uint64_t hi)
{
	struct mod_func f;

	if (hi <= lo || group >= m->groups.n)
		return 0;
	f.addr = lo;
	f.size = hi - lo;
	f.line0 = m->lines.n;
	f.nlines = 0;
	f.group = (uint32_t)group;
	f.dropped = false;
	return vec_push(m->funcs, f);
}

int module_add_line(struct module *m, uint64_t addr, uint64_t size,
		    uint32_t line, uint32_t file)
{
	struct mod_line l;

	if (!m->funcs.n)
		return 0;
	l.addr = addr;
	/* Processors read sizes as 32-bit numbers. */
	l.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	l.line = line;
	l.file = file;
	if (vec_push(m->lines, l) < 0)
		return -1;
	m->funcs.v[m->funcs.n - 1].nlines++;
	return 0;
}

void module_set_group_params(struct module *m, size_t group, uint32_t param_size)
{
	if (group < m->groups.n)
		m->groups.v[group].param_size = param_size;
}

int module_add_public_params(struct module *m, uint64_t addr, const char *name,
			     uint32_t param_size)
{
	struct mod_public p = { addr, name, param_size, false, false, false, 0 };

	if (!in_module(m, addr))
		return 0;
	return vec_push(m->publics, p);
}

int module_add_public_sym(struct module *m, uint64_t addr, uint64_t size, bool global,
			  const char *name)
{
	struct mod_public p = { addr, name, 0, false, false, global, size };

	if (!in_module(m, addr))
		return 0;
	return vec_push(m->publics, p);
}

static int cmp_pub_order(const void *a, const void *b, void *arg)
{
	const struct module *m = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t ax = module_public_addr(m, &m->publics.v[x]);
	uint64_t ay = module_public_addr(m, &m->publics.v[y]);

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The address of the public at position k of pub_order. */
static uint64_t pub_addr(const struct module *m, size_t k)
{
	return module_public_addr(m, &m->publics.v[m->pub_order[k]]);
}

/* The publics' indices sorted by address, then by index; false when out
 * of memory or when there are too many for 32-bit indices. */
static bool pub_index(struct module *m)
{
	size_t i;

	if (m->pub_order && m->npub_order == m->publics.n)
		return true;
	free(m->pub_order);
	m->pub_order = NULL;
	m->npub_order = 0;
	if (!m->publics.n || m->publics.n > UINT32_MAX ||
	    !(m->pub_order = malloc(m->publics.n * sizeof(*m->pub_order))))
		return false;
	for (i = 0; i < m->publics.n; i++)
		m->pub_order[i] = (uint32_t)i;
	qsort_r(m->pub_order, m->publics.n, sizeof(*m->pub_order), cmp_pub_order, m);
	m->npub_order = m->publics.n;
	return true;
}

/* The first position in pub_order whose address is above addr (upper)
 * or not below it (!upper). */
static size_t pub_bound(const struct module *m, uint64_t addr, bool upper)
{
	size_t lo = 0, hi = m->npub_order;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t a = pub_addr(m, mid);
		if (a < addr || (upper && a == addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t module_public_at(struct module *m, uint64_t addr)
{
	size_t k;

	if (!pub_index(m))
		return SIZE_MAX;
	k = pub_bound(m, addr, false);
	return k < m->npub_order && pub_addr(m, k) == addr ? k : SIZE_MAX;
}

size_t module_public_next(const struct module *m, size_t i, uint64_t addr)
{
	return i + 1 < m->npub_order && pub_addr(m, i + 1) == addr ? i + 1 : SIZE_MAX;
}

uint64_t module_public_above(struct module *m, uint64_t addr)
{
	size_t k;

	if (!pub_index(m))
		return UINT64_MAX;
	k = pub_bound(m, addr, true);
	return k < m->npub_order ? pub_addr(m, k) : UINT64_MAX;
}

size_t module_public_covering(struct module *m, uint64_t addr)
{
	size_t k;
	uint64_t at;

	if (!pub_index(m))
		return SIZE_MAX;
	k = pub_bound(m, addr, true);
	if (k == 0)
		return SIZE_MAX;
	at = pub_addr(m, k - 1);
	for (k = module_public_at(m, at); k != SIZE_MAX; k = module_public_next(m, k, at)) {
		const struct mod_public *p = module_public_get(m, k);
		if (p->size && addr - at < p->size)
			return k;
	}
	return SIZE_MAX;
}

int module_add_public(struct module *m, uint64_t addr, const char *name)
{
	return module_add_public_params(m, addr, name, 0);
}

int module_add_stack_win(struct module *m, const struct mod_stack_win *w)
{
	struct mod_stack_win c = *w;

	if (c.has_program) {
		c.program = module_intern(m, w->program ? w->program : "",
					  w->program ? strlen(w->program) : 0);
		if (!c.program)
			return -1;
	} else {
		c.program = NULL;
	}
	return vec_push(m->stack_win, c);
}

static void cfi_hex(FILE *f, uint64_t v)
{
	char tmp[17];
	int i = 16;

	tmp[16] = '\0';
	do {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	fputs_unlocked(tmp + i, f);
}

int module_cfi_put(FILE *f, uint64_t load_addr, bool init, uint64_t addr, uint64_t size,
		   const char *rules)
{
	fputs_unlocked(init ? "STACK CFI INIT " : "STACK CFI ", f);
	cfi_hex(f, addr - load_addr);
	fputc_unlocked(' ', f);
	if (init) {
		cfi_hex(f, size);
		fputc_unlocked(' ', f);
	}
	fputs_unlocked(rules, f);
	if (fputc_unlocked('\n', f) == EOF || ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* One STACK CFI record into the temporary file, created on first use. */
static int cfi_record(struct module *m, bool init, uint64_t addr, uint64_t size,
		      const char *rules)
{
	if (!m->cfi && !(m->cfi = tmpfile()))
		return -1;
	return module_cfi_put(m->cfi, m->load_addr, init, addr, size, rules);
}

int module_cfi_append(struct module *m, const char *text, size_t n)
{
	if (!n)
		return 0;
	if (!m->cfi && !(m->cfi = tmpfile()))
		return -1;
	if (fwrite(text, 1, n, m->cfi) != n || ferror(m->cfi)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

int module_cfi_init(struct module *m, uint64_t addr, uint64_t size, const char *rules)
{
	return cfi_record(m, true, addr, size, rules);
}

int module_cfi_row(struct module *m, uint64_t addr, const char *rules)
{
	return cfi_record(m, false, addr, 0, rules);
}

/* ---- finishing ------------------------------------------------------- */

static int cmp_func_addr(const void *a, const void *b)
{
	const struct mod_func *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return 0;
}

static int cmp_group_faddr(const void *a, const void *b)
{
	const struct mod_group *x = *(const struct mod_group *const *)a;
	const struct mod_group *y = *(const struct mod_group *const *)b;

	if (x->faddr != y->faddr)
		return x->faddr < y->faddr ? -1 : 1;
	return x < y ? -1 : x > y;	/* the first added first */
}

static int cmp_stack_win(const void *a, const void *b)
{
	const struct mod_stack_win *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_public(const void *a, const void *b)
{
	const struct mod_public *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* keep insertion order among equals (pointer order within the array
	 * is insertion order before sorting only with a stable sort, so the
	 * caller tags it) */
	return 0;
}

/* A stable merge sort: qsort is not stable and ties matter here. */
static int stable_sort(void *base, size_t n, size_t size,
		       int (*cmp)(const void *, const void *))
{
	char *a = base, *tmp;
	size_t width, i;

	if (n < 2)
		return 0;
	for (i = 1; i < n; i++)
		if (cmp(a + (i - 1) * size, a + i * size) > 0)
			break;
	if (i == n)
		return 0;	/* already sorted */
	tmp = malloc(n * size);
	if (!tmp)
		return -1;
	/* insertion-sort runs of 16, then merge */
	for (i = 0; i < n; i += 16) {
		size_t end = i + 16 < n ? i + 16 : n, j, k;
		for (j = i + 1; j < end; j++) {
			memcpy(tmp, a + j * size, size);
			k = j;
			while (k > i && cmp(a + (k - 1) * size, tmp) > 0) {
				memcpy(a + k * size, a + (k - 1) * size, size);
				k--;
			}
			memcpy(a + k * size, tmp, size);
		}
	}
	for (width = 16; width < n; width *= 2) {
		char *src = a, *dst = tmp;
		for (i = 0; i < n; i += 2 * width) {
			size_t l = i, lend = i + width < n ? i + width : n;
			size_t r = lend, rend = i + 2 * width < n ? i + 2 * width : n;
			size_t o = i;
			while (l < lend && r < rend) {
				if (cmp(src + r * size, src + l * size) < 0)
					memcpy(dst + o++ * size, src + r++ * size, size);
				else
					memcpy(dst + o++ * size, src + l++ * size, size);
			}
			if (l < lend)
				memcpy(dst + o * size, src + l * size, (lend - l) * size);
			o += lend - l;
			if (r < rend)
				memcpy(dst + o * size, src + r * size, (rend - r) * size);
		}
		memcpy(a, tmp, n * size);
	}
	free(tmp);
	return 0;
}

/* What follows the last unnamed scope of a function name built from the
 * DIEs ("(anonymous namespace)::", "(lambda)::", ...; see dwarf.c), which
 * the symbol's demangled name spells otherwise ("{lambda(int)#1}::"):
 * the part of the name Breakpad compares with the symbol's (Breakpad's
 * name has no unnamed scopes; with --breakpad-names neither has ours, but
 * a name demangled from a linkage name may, and is compared whole there,
 * as Breakpad compares it).  The name itself when it has none. */
static const char *unnamed_tail(const char *name)
{
	static const char *const scopes[] = {
		"(anonymous namespace)::", "(anonymous class)::", "(anonymous struct)::",
		"(anonymous union)::", "(lambda)::",
	};
	const char *tail = name, *p;
	size_t i;

	for (p = strchr(name, '('); p; p = strchr(p + 1, '('))
		for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
			if (strncmp(p, scopes[i], strlen(scopes[i])) == 0)
				tail = p + strlen(scopes[i]);
	return tail;
}

enum sym_code module_finish(struct module *m, struct sym_err *err)
{
	struct mod_group **order = NULL;
	size_t i, j, pi;
	uint64_t end;
	bool have_end;
	enum sym_code rc = SYM_OK;

	/* the lookup index does not survive the sorting below */
	free(m->pub_order);
	m->pub_order = NULL;
	m->npub_order = 0;

	/* 1. One function per start address: the first added wins (as in
	 *    Breakpad's -m mode) and is 'm' when the others had other names. */
	if (m->groups.n) {
		order = malloc(m->groups.n * sizeof(*order));
		if (!order)
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		for (i = 0; i < m->groups.n; i++)
			order[i] = &m->groups.v[i];
		qsort(order, m->groups.n, sizeof(*order), cmp_group_faddr);
		for (i = 0; i < m->groups.n; i = j) {
			for (j = i + 1; j < m->groups.n && order[j]->faddr == order[i]->faddr; j++) {
				order[j]->dropped = true;
				if (order[j]->name != order[i]->name)
					order[i]->multiple = true;
			}
		}
		free(order);
	}
	for (i = 0; i < m->funcs.n; i++)
		m->funcs.v[i].dropped = m->groups.v[m->funcs.v[i].group].dropped;

	/* STACK WIN records in address order, those at one address as added. */
	if (stable_sort(m->stack_win.v, m->stack_win.n, sizeof(*m->stack_win.v),
			cmp_stack_win) < 0) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}

	/* 2. Publics: the first name at an address wins. */
	if (stable_sort(m->publics.v, m->publics.n, sizeof(*m->publics.v), cmp_public) < 0) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 1, j = 0; i < m->publics.n; i++) {
		if (m->publics.v[i].addr == m->publics.v[j].addr) {
			m->publics.v[j].multiple = true;
			m->publics.v[i].dropped = true;
		} else {
			j = i;
		}
	}

	/* 3. Ranges by address; one overlapping an earlier one is dropped
	 *    (processors would ignore it anyway). */
	if (stable_sort(m->funcs.v, m->funcs.n, sizeof(*m->funcs.v), cmp_func_addr) < 0) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	have_end = false;
	end = 0;
	for (i = 0; i < m->funcs.n; i++) {
		struct mod_func *f = &m->funcs.v[i];
		if (f->dropped)
			continue;
		if (have_end && f->addr < end) {
			f->dropped = true;
			continue;
		}
		end = f->addr + f->size;
		have_end = true;
	}

	/* 4. A PUBLIC at the start of a function gives way to the FUNC (and
	 *    makes it 'm' when the names differ); one inside a FUNC is
	 *    dropped. */
	pi = 0;
	for (i = 0; i < m->funcs.n && pi < m->publics.n; i++) {
		struct mod_func *f = &m->funcs.v[i];
		struct mod_group *g = &m->groups.v[f->group];
		if (f->dropped)
			continue;
		while (pi < m->publics.n && m->publics.v[pi].addr < f->addr)
			pi++;
		while (pi < m->publics.n && m->publics.v[pi].addr - f->addr < f->size) {
			struct mod_public *p = &m->publics.v[pi];
			if (!p->dropped && p->addr == g->faddr && p->multiple) {
				/* several symbols here, even of one name (a
				 * constructor's C1 and C2), as in Breakpad */
				g->multiple = true;
			} else if (!p->dropped && p->addr == g->faddr && p->name != g->name) {
				const char *n = m->breakpad_names ? g->name : unnamed_tail(g->name);
				bool same = strcmp(g->name, "<name omitted>") == 0 ||
					    strstr(p->name, n) != NULL;
				if (!same)
					g->multiple = true;
			}
			p->dropped = true;
			pi++;
		}
	}
out:
	return rc;
}

/* ---- writing --------------------------------------------------------- */

static int cmp_file_index(const void *a, const void *b, void *arg)
{
	const char *const *files = arg;

	return strcmp(files[*(const uint32_t *)a], files[*(const uint32_t *)b]);
}

static int cmp_name_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* INLINE_ORIGIN records: the origins of kept inlines, one per distinct
 * name, numbered in name order; *ids maps each origin to its number. */
static int write_origins(const struct module *m, struct outbuf *out, uint32_t **ids)
{
	const char **names;
	bool *used;
	size_t n = 0, i, j;

	*ids = calloc(m->origins.n + 1, sizeof(**ids));
	used = calloc(m->origins.n + 1, sizeof(*used));
	names = malloc((m->origins.n + 1) * sizeof(*names));
	if (!*ids || !used || !names) {
		free(used);
		free(names);
		return -1;
	}
	for (i = 0; i < m->funcs.n; i++) {
		const struct mod_group *g = &m->groups.v[m->funcs.v[i].group];
		if (m->funcs.v[i].dropped)
			continue;
		for (j = 0; j < g->ninl; j++)
			used[m->inlines.v[g->inl0 + j].origin] = true;
	}
	for (i = 0; i < m->origins.n; i++)
		if (used[i])
			names[n++] = m->origins.v[i];
	qsort(names, n, sizeof(*names), cmp_name_ptr);
	/* names are interned: equal names are equal pointers */
	for (i = 0, j = 0; i < n; i++) {
		if (i && names[i] == names[i - 1])
			continue;
		names[j++] = names[i];
	}
	n = j;
	for (i = 0; i < m->origins.n; i++) {
		const char **hit;
		if (!used[i])
			continue;
		hit = bsearch(&m->origins.v[i], names, n, sizeof(*names), cmp_name_ptr);
		(*ids)[i] = hit ? (uint32_t)(hit - names) : 0;
	}
	for (i = 0; i < n; i++) {
		outbuf_puts(out, "INLINE_ORIGIN ");
		outbuf_dec(out, i);
		outbuf_putc(out, ' ');
		outbuf_puts(out, names[i]);
		outbuf_putc(out, '\n');
	}
	free(used);
	free(names);
	return 0;
}

/* The INLINE records of one FUNC range: each inline's ranges clipped to
 * the range; an inline left with none is dropped with its children. */
static void write_inlines(const struct module *m, struct outbuf *out, const struct mod_func *f,
			  const struct mod_group *g, const uint32_t *file_id, const uint32_t *origin_id)
{
	uint64_t lo = f->addr, hi = f->addr + f->size;
	uint32_t skip_below = UINT32_MAX;	/* dropping children deeper than this */
	size_t i, k;

	for (i = 0; i < g->ninl; i++) {
		const struct mod_inline *in = &m->inlines.v[g->inl0 + i];
		bool any = false;

		if (skip_below != UINT32_MAX) {
			if (in->nest > skip_below)
				continue;
			skip_below = UINT32_MAX;
		}
		for (k = 0; k < in->nr; k++) {
			const struct mod_range *r = &m->inl_ranges.v[in->r0 + k];
			if (r->lo < hi && r->hi > lo) {
				any = true;
				break;
			}
		}
		if (!any) {
			skip_below = in->nest;
			continue;
		}
		outbuf_write(out, "INLINE ", 7);
		outbuf_dec(out, in->nest);
		outbuf_putc(out, ' ');
		outbuf_dec(out, in->call_line);
		outbuf_putc(out, ' ');
		outbuf_dec(out, in->call_file < m->files.n ? file_id[in->call_file] : 0);
		outbuf_putc(out, ' ');
		outbuf_dec(out, origin_id[in->origin]);
		for (k = 0; k < in->nr; k++) {
			const struct mod_range *r = &m->inl_ranges.v[in->r0 + k];
			uint64_t a = r->lo > lo ? r->lo : lo, b = r->hi < hi ? r->hi : hi;
			if (a >= b)
				continue;
			outbuf_putc(out, ' ');
			outbuf_hex(out, a - m->load_addr);
			outbuf_putc(out, ' ');
			outbuf_hex(out, b - a);
		}
		outbuf_putc(out, '\n');
	}
}

/* STACK WIN <type> <rva> <code size> <prolog> <epilog> <params> <saved
 * regs> <locals> <max stack> <has program> <program | allocates bp> */
static void write_stack_win(const struct module *m, struct outbuf *out)
{
	size_t i;

	for (i = 0; i < m->stack_win.n; i++) {
		const struct mod_stack_win *w = &m->stack_win.v[i];
		const uint64_t f[] = { w->addr - m->load_addr, w->size, w->prolog, w->epilog,
				       w->params, w->saved_regs, w->locals, w->max_stack };
		size_t k;

		outbuf_puts(out, "STACK WIN ");
		outbuf_hex(out, w->type);
		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			outbuf_putc(out, ' ');
			outbuf_hex(out, f[k]);
		}
		outbuf_puts(out, w->has_program ? " 1 " : " 0 ");
		if (w->has_program)
			outbuf_puts(out, w->program);
		else
			outbuf_putc(out, w->allocates_bp ? '1' : '0');
		outbuf_putc(out, '\n');
	}
}

void module_write(const struct module *m, struct outbuf *out)
{
	uint32_t *out_id = NULL, *used = NULL, *origin_id = NULL;
	size_t nused = 0, i, j;

	outbuf_puts(out, "MODULE ");
	outbuf_puts(out, m->os);
	outbuf_putc(out, ' ');
	outbuf_puts(out, m->arch);
	outbuf_putc(out, ' ');
	outbuf_puts(out, m->debug_id);
	outbuf_putc(out, ' ');
	outbuf_puts(out, m->name);
	outbuf_putc(out, '\n');
	if (m->code_id[0]) {
		outbuf_puts(out, "INFO CODE_ID ");
		outbuf_puts(out, m->code_id);
		if (m->code_file) {
			outbuf_putc(out, ' ');
			outbuf_puts(out, m->code_file);
		}
		outbuf_putc(out, '\n');
	}
	if (m->header_only)
		return;

	/* FILE records: the files cited by kept lines, sorted by name and
	 * numbered from 0. */
	out_id = calloc(m->files.n + 1, sizeof(*out_id));
	used = malloc((m->files.n + 1) * sizeof(*used));
	if (!out_id || !used) {
		out->error = 12;	/* ENOMEM */
		goto out;
	}
	for (i = 0; i < m->funcs.n; i++) {
		const struct mod_func *f = &m->funcs.v[i];
		const struct mod_group *g = &m->groups.v[f->group];
		if (f->dropped)
			continue;
		for (j = 0; j < f->nlines; j++) {
			uint32_t fi = m->lines.v[f->line0 + j].file;
			if (!out_id[fi]) {
				out_id[fi] = 1;
				used[nused++] = fi;
			}
		}
		for (j = 0; m->inline_records && j < g->ninl; j++) {
			uint32_t fi = m->inlines.v[g->inl0 + j].call_file;
			if (fi < m->files.n && !out_id[fi]) {
				out_id[fi] = 1;
				used[nused++] = fi;
			}
		}
	}
	qsort_r(used, nused, sizeof(*used), cmp_file_index, (void *)m->files.v);
	for (i = 0; i < nused; i++) {
		out_id[used[i]] = (uint32_t)i;
		outbuf_puts(out, "FILE ");
		outbuf_dec(out, i);
		outbuf_putc(out, ' ');
		outbuf_puts(out, m->files.v[used[i]]);
		outbuf_putc(out, '\n');
	}

	if (m->inline_records && write_origins(m, out, &origin_id) < 0) {
		out->error = 12;
		goto out;
	}
	for (i = 0; i < m->funcs.n; i++) {
		const struct mod_func *f = &m->funcs.v[i];
		const struct mod_group *g = &m->groups.v[f->group];
		if (f->dropped)
			continue;
		outbuf_write(out, "FUNC ", 5);
		if (g->multiple && m->multiple)
			outbuf_write(out, "m ", 2);
		outbuf_hex(out, f->addr - m->load_addr);
		outbuf_putc(out, ' ');
		outbuf_hex(out, f->size);
		outbuf_putc(out, ' ');
		outbuf_hex(out, g->param_size);
		outbuf_putc(out, ' ');
		outbuf_puts(out, g->name);
		outbuf_putc(out, '\n');
		if (m->inline_records && g->ninl)
			write_inlines(m, out, f, g, out_id, origin_id);
		for (j = 0; j < f->nlines; j++) {
			const struct mod_line *l = &m->lines.v[f->line0 + j];
			/* 16 + 8 + 10 + 10 digits and 4 separators */
			char *p = outbuf_reserve(out, 48);
			if (!p)
				break;
			p = outbuf_fmt_hex(p, l->addr - m->load_addr);
			*p++ = ' ';
			p = outbuf_fmt_hex(p, l->size);
			*p++ = ' ';
			p = outbuf_fmt_dec(p, l->line);
			*p++ = ' ';
			p = outbuf_fmt_dec(p, out_id[l->file]);
			*p++ = '\n';
			outbuf_commit(out, p);
		}
	}
	for (i = 0; i < m->publics.n; i++) {
		const struct mod_public *p = &m->publics.v[i];
		if (p->dropped)
			continue;
		outbuf_write(out, "PUBLIC ", 7);
		if (p->multiple && m->multiple)
			outbuf_write(out, "m ", 2);
		outbuf_hex(out, p->addr - m->load_addr);
		outbuf_putc(out, ' ');
		outbuf_hex(out, p->param_size);
		outbuf_putc(out, ' ');
		outbuf_puts(out, p->name);
		outbuf_putc(out, '\n');
	}
	write_stack_win(m, out);
	if (m->cfi && !m->no_cfi) {
		char buf[65536];
		size_t n;

		fflush(m->cfi);
		rewind(m->cfi);
		while ((n = fread(buf, 1, sizeof(buf), m->cfi)) > 0)
			outbuf_write(out, buf, n);
		if (ferror(m->cfi) && !out->error)
			out->error = 5;	/* EIO */
	}
out:
	free(out_id);
	free(used);
	free(origin_id);
}
