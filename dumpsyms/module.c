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
	vec_free(m->funcs);
	vec_free(m->lines);
	vec_free(m->publics);
	vec_free(m->ranges);
	strpool_release(&m->pool);
	arena_release(&m->arena);
}

const char *module_intern(struct module *m, const char *s, size_t n)
{
	return strpool_intern(&m->pool, s, n);
}

int module_add_range(struct module *m, uint64_t lo, uint64_t hi)
{
	if (vec_reserve(m->ranges, 1) < 0)
		return -1;
	m->ranges.v[m->ranges.n].lo = lo;
	m->ranges.v[m->ranges.n].hi = hi;
	m->ranges.n++;
	return 0;
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

int module_add_func_ranges(struct module *m, const void *rangesp, size_t nranges,
			   const char *name, const struct mod_line *lines,
			   size_t nlines, size_t *index)
{
	const struct { uint64_t lo, hi; } *ranges = rangesp;
	size_t i, li;

	*index = SIZE_MAX;
	if (!nranges || !in_module(m, ranges[0].lo))
		return 0;
	if (vec_reserve(m->funcs, nranges) < 0 || vec_reserve(m->lines, nlines) < 0)
		return -1;
	*index = m->funcs.n;
	for (i = 0; i < nranges; i++) {
		struct mod_func *f = &m->funcs.v[m->funcs.n++];

		f->addr = ranges[i].lo;
		f->size = ranges[i].hi - ranges[i].lo;
		f->name = name;
		f->group = m->ngroups;
		f->faddr = ranges[0].lo;
		f->multiple = false;
		f->dropped = false;
		f->line0 = m->lines.n;
		/* Lines are sorted; those inside this range are its lines. */
		for (li = 0; li < nlines; li++) {
			if (lines[li].addr >= f->addr && lines[li].addr - f->addr < f->size)
				m->lines.v[m->lines.n++] = lines[li];
		}
		f->nlines = m->lines.n - f->line0;
	}
	m->ngroups++;
	return 0;
}

void module_rename_func(struct module *m, size_t index, const char *name)
{
	size_t i;
	uint64_t g;

	if (index >= m->funcs.n)
		return;
	g = m->funcs.v[index].group;
	for (i = index; i < m->funcs.n && m->funcs.v[i].group == g; i++)
		m->funcs.v[i].name = name;
}

int module_add_public(struct module *m, uint64_t addr, const char *name)
{
	struct mod_public p = { addr, name, false, false };

	if (!in_module(m, addr))
		return 0;
	return vec_push(m->publics, p);
}

/* ---- finishing ------------------------------------------------------- */

static int cmp_func_group(const void *a, const void *b)
{
	const struct mod_func *x = *(const struct mod_func *const *)a;
	const struct mod_func *y = *(const struct mod_func *const *)b;
	int c;

	if (x->faddr != y->faddr)
		return x->faddr < y->faddr ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->group < y->group ? -1 : x->group > y->group;
}

static int cmp_func_addr(const void *a, const void *b)
{
	const struct mod_func *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return 0;
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

enum sym_code module_finish(struct module *m, struct sym_err *err)
{
	struct mod_func **heads = NULL;
	size_t nheads = 0, i, j, pi;
	uint64_t end;
	bool have_end;
	enum sym_code rc = SYM_OK;

	/* 1. One function per (address, name), and one per address: the
	 *    first added wins, as in Breakpad's -m mode. */
	for (i = 0; i < m->funcs.n; i++)
		if (i == 0 || m->funcs.v[i].group != m->funcs.v[i - 1].group)
			nheads++;
	if (nheads) {
		heads = malloc(nheads * sizeof(*heads));
		if (!heads)
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		for (i = 0, j = 0; i < m->funcs.n; i++)
			if (i == 0 || m->funcs.v[i].group != m->funcs.v[i - 1].group)
				heads[j++] = &m->funcs.v[i];
		qsort(heads, nheads, sizeof(*heads), cmp_func_group);
		for (i = 0; i < nheads; i = j) {
			struct mod_func *keep = heads[i];
			size_t k;

			for (j = i + 1; j < nheads && heads[j]->faddr == heads[i]->faddr; j++)
				if (heads[j]->group < keep->group)
					keep = heads[j];
			for (k = i; k < j; k++) {
				if (heads[k] == keep)
					continue;
				heads[k]->dropped = true;
				if (heads[k]->name != keep->name)
					keep->multiple = true;
			}
		}
		/* propagate to all ranges of each group */
		for (i = 0; i < m->funcs.n; i++) {
			struct mod_func *f = &m->funcs.v[i];
			if (i && f->group == m->funcs.v[i - 1].group) {
				f->dropped = m->funcs.v[i - 1].dropped;
				f->multiple = m->funcs.v[i - 1].multiple;
			}
		}
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

	/* 3. Functions by address; a range overlapping an earlier one is
	 *    dropped (processors would ignore it anyway). */
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
		if (f->dropped)
			continue;
		while (pi < m->publics.n && m->publics.v[pi].addr < f->addr)
			pi++;
		while (pi < m->publics.n && m->publics.v[pi].addr - f->addr < f->size) {
			struct mod_public *p = &m->publics.v[pi];
			if (!p->dropped && p->addr == f->addr && f->addr == f->faddr &&
			    p->name != f->name) {
				bool same = strcmp(f->name, "<name omitted>") == 0 ||
					    strstr(p->name, f->name) != NULL;
				if (!same || p->multiple)
					f->multiple = true;
			}
			p->dropped = true;
			pi++;
		}
	}
out:
	free(heads);
	return rc;
}

/* ---- writing --------------------------------------------------------- */

struct fileid {
	const char **keys;
	uint32_t *ids;
	size_t cap;
};

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static uint32_t *fileid_slot(struct fileid *t, const char *k)
{
	size_t i = ptr_hash(k, t->cap);

	while (t->keys[i] && t->keys[i] != k)
		i = (i + 1) & (t->cap - 1);
	t->keys[i] = k;
	return &t->ids[i];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void module_write(const struct module *m, struct outbuf *out)
{
	struct fileid t = { 0 };
	const char **files = NULL;
	size_t nfiles = 0, i, j;

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
		outbuf_putc(out, '\n');
	}
	if (m->header_only)
		return;

	/* FILE records: the files cited by kept lines, sorted by name and
	 * numbered from 0. */
	t.cap = 64;
	while (t.cap < m->lines.n * 2 + 64 && t.cap < ((size_t)1 << 40))
		t.cap *= 2;
	t.keys = calloc(t.cap, sizeof(*t.keys));
	t.ids = calloc(t.cap, sizeof(*t.ids));
	if (!t.keys || !t.ids) {
		out->error = 12; /* ENOMEM */
		goto out;
	}
	for (i = 0; i < m->funcs.n; i++) {
		const struct mod_func *f = &m->funcs.v[i];
		if (f->dropped)
			continue;
		for (j = 0; j < f->nlines; j++) {
			uint32_t *id = fileid_slot(&t, m->lines.v[f->line0 + j].file);
			if (!*id) {
				*id = 1;
				nfiles++;
			}
		}
	}
	files = malloc((nfiles ? nfiles : 1) * sizeof(*files));
	if (!files) {
		out->error = 12;
		goto out;
	}
	for (i = 0, j = 0; i < t.cap; i++)
		if (t.keys[i])
			files[j++] = t.keys[i];
	qsort(files, nfiles, sizeof(*files), cmp_str);
	for (i = 0; i < nfiles; i++) {
		*fileid_slot(&t, files[i]) = (uint32_t)i;
		outbuf_puts(out, "FILE ");
		outbuf_dec(out, i);
		outbuf_putc(out, ' ');
		outbuf_puts(out, files[i]);
		outbuf_putc(out, '\n');
	}

	for (i = 0; i < m->funcs.n; i++) {
		const struct mod_func *f = &m->funcs.v[i];
		if (f->dropped)
			continue;
		outbuf_write(out, "FUNC ", 5);
		if (f->multiple && m->multiple)
			outbuf_write(out, "m ", 2);
		outbuf_hex(out, f->addr - m->load_addr);
		outbuf_putc(out, ' ');
		outbuf_hex(out, f->size);
		outbuf_write(out, " 0 ", 3);
		outbuf_puts(out, f->name);
		outbuf_putc(out, '\n');
		for (j = 0; j < f->nlines; j++) {
			const struct mod_line *l = &m->lines.v[f->line0 + j];
			outbuf_hex(out, l->addr - m->load_addr);
			outbuf_putc(out, ' ');
			outbuf_hex(out, l->size);
			outbuf_putc(out, ' ');
			outbuf_dec(out, l->line);
			outbuf_putc(out, ' ');
			outbuf_dec(out, *fileid_slot(&t, l->file));
			outbuf_putc(out, '\n');
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
		outbuf_write(out, " 0 ", 3);
		outbuf_puts(out, p->name);
		outbuf_putc(out, '\n');
	}
out:
	free(files);
	free(t.keys);
	free(t.ids);
}
