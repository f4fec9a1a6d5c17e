/* dwarf_unit.c - DWARF unit headers, abbreviation tables, attribute forms,
 * range lists and the line-number program, for DWARF 2 to 5.
 *
 * Everything reads through bounded cursors over the sections of struct
 * dw_file; offsets and lengths from the file are checked before use.
 */
#include "config.h"
#include "dwarf_unit.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ABBREV_ATTRS 256

/* ---- unit headers ---------------------------------------------------- */

enum sym_code dw_read_unit_header(const struct dw_file *f, uint64_t off,
				  struct dw_unit *u, struct sym_err *err)
{
	struct cursor c = cursor_make(f->info.data, f->info.size, f->be);
	uint64_t len;

	memset(u, 0, sizeof(*u));
	u->off = off;
	if (!cursor_seek(&c, off))
		goto trunc;
	len = cursor_u32(&c);
	if (len == 0xffffffff) {
		u->dwarf64 = true;
		len = cursor_u64(&c);
	} else if (len >= 0xfffffff0) {
		return sym_fail(err, SYM_EFORMAT, "%s: unit at .debug_info+0x%llx has reserved length 0x%llx",
				f->path, (unsigned long long)off, (unsigned long long)len);
	}
	if (c.bad || len > cursor_left(&c))
		goto trunc;
	u->end = c.pos + len;
	c.len = u->end;		/* the unit may not read past its own end */
	u->version = cursor_u16(&c);
	if (c.bad)
		goto trunc;
	if (u->version < 2 || u->version > 5)
		return sym_fail(err, SYM_EUNSUP, "%s: unit at .debug_info+0x%llx has unsupported DWARF version %u",
				f->path, (unsigned long long)off, u->version);
	if (u->version >= 5) {
		u->unit_type = cursor_u8(&c);
		u->addr_size = cursor_u8(&c);
		u->abbrev_off = cursor_uN(&c, u->dwarf64 ? 8 : 4);
		if (u->unit_type == DW_UT_skeleton || u->unit_type == DW_UT_split_compile) {
			u->dwo_id = cursor_u64(&c);
			u->has_dwo_id = true;
		} else if (u->unit_type == DW_UT_type || u->unit_type == DW_UT_split_type) {
			cursor_u64(&c);
			cursor_uN(&c, u->dwarf64 ? 8 : 4);
		}
	} else {
		u->unit_type = DW_UT_compile;
		u->abbrev_off = cursor_uN(&c, u->dwarf64 ? 8 : 4);
		u->addr_size = cursor_u8(&c);
	}
	if (c.bad)
		goto trunc;
	if (u->addr_size != 4 && u->addr_size != 8 && u->addr_size != 2)
		return sym_fail(err, SYM_EFORMAT, "%s: unit at .debug_info+0x%llx has address size %u",
				f->path, (unsigned long long)off, u->addr_size);
	u->die_off = c.pos;
	return SYM_OK;
trunc:
	return sym_fail(err, SYM_ETRUNC, "%s: unit header at .debug_info+0x%llx runs past the end of .debug_info",
			f->path, (unsigned long long)off);
}

/* ---- abbreviations --------------------------------------------------- */

void dw_abbrevs_free(struct dw_abbrevs *t)
{
	free(t->list);
	free(t->attrs);
	free(t->by_code);
	memset(t, 0, sizeof(*t));
}

static int form_fixed_size(const struct dw_unit *u, uint16_t form)
{
	unsigned osz = u->dwarf64 ? 8 : 4;

	switch (form) {
	case DW_FORM_addr: return u->addr_size;
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag:
	case DW_FORM_strx1: case DW_FORM_addrx1: return 1;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2:
	case DW_FORM_addrx2: return 2;
	case DW_FORM_strx3: case DW_FORM_addrx3: return 3;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4:
	case DW_FORM_strx4: case DW_FORM_addrx4: return 4;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8:
	case DW_FORM_ref_sup8: return 8;
	case DW_FORM_data16: return 16;
	case DW_FORM_strp: case DW_FORM_sec_offset: case DW_FORM_line_strp:
	case DW_FORM_strp_sup: case DW_FORM_GNU_ref_alt:
	case DW_FORM_GNU_strp_alt: return (int)osz;
	case DW_FORM_ref_addr: return u->version <= 2 ? u->addr_size : (int)osz;
	case DW_FORM_flag_present: case DW_FORM_implicit_const: return 0;
	default: return -1;
	}
}

enum sym_code dw_read_abbrevs(const struct dw_file *f, const struct dw_unit *u,
			      struct dw_abbrevs *t, struct sym_err *err)
{
	struct cursor c = cursor_make(f->abbrev.data, f->abbrev.size, f->be);
	size_t cap = 0, acap = 0;
	uint64_t maxcode = 0;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!f->abbrev.data || !cursor_seek(&c, u->abbrev_off))
		return sym_fail(err, SYM_EFORMAT, "%s: unit at .debug_info+0x%llx names abbreviations at 0x%llx, outside .debug_abbrev",
				f->path, (unsigned long long)u->off, (unsigned long long)u->abbrev_off);
	for (;;) {
		struct dw_abbrev *a;
		uint64_t code = cursor_uleb(&c);
		int fixed = 0;

		if (c.bad)
			goto trunc;
		if (code == 0)
			break;
		if (t->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(t->list, ncap * sizeof(*t->list));
			if (!p)
				return sym_fail(err, SYM_ENOMEM, "out of memory");
			t->list = p;
			cap = ncap;
		}
		a = &t->list[t->n++];
		a->code = code;
		a->tag = (uint32_t)cursor_uleb(&c);
		a->children = cursor_u8(&c) != 0;
		a->attr0 = t->nattrs;
		a->nattrs = 0;
		for (;;) {
			struct dw_abbrev_attr *at;
			uint64_t name = cursor_uleb(&c);
			uint64_t form = cursor_uleb(&c);
			int sz;

			if (c.bad)
				goto trunc;
			if (name == 0 && form == 0)
				break;
			if (a->nattrs >= MAX_ABBREV_ATTRS)
				return sym_fail(err, SYM_EFORMAT, "%s: abbreviation %llu has too many attributes",
						f->path, (unsigned long long)code);
			if (t->nattrs == acap) {
				size_t ncap = acap ? acap * 2 : 256;
				void *p = realloc(t->attrs, ncap * sizeof(*t->attrs));
				if (!p)
					return sym_fail(err, SYM_ENOMEM, "out of memory");
				t->attrs = p;
				acap = ncap;
			}
			at = &t->attrs[t->nattrs++];
			at->name = (uint32_t)name;
			at->form = (uint32_t)form;
			at->implicit = 0;
			if (form == DW_FORM_implicit_const)
				at->implicit = cursor_sleb(&c);
			a->nattrs++;
			sz = form_fixed_size(u, (uint16_t)form);
			if (sz < 0 || form > 0xffff)
				fixed = -1;
			else if (fixed >= 0)
				fixed += sz;
		}
		a->fixed_size = fixed;
		if (code > maxcode)
			maxcode = code;
	}
	/* Codes are nearly always dense from 1; index them directly when
	 * they are, else fall back to a sorted search. */
	if (maxcode <= t->n * 4 + 64) {
		t->by_code = calloc(maxcode + 1, sizeof(*t->by_code));
		if (!t->by_code)
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		t->maxcode = maxcode;
		for (i = t->n; i-- > 0;)
			t->by_code[t->list[i].code] = (uint32_t)i + 1;
	} else {
		t->maxcode = 0;
	}
	return SYM_OK;
trunc:
	return sym_fail(err, SYM_ETRUNC, "%s: abbreviation table at .debug_abbrev+0x%llx is truncated",
			f->path, (unsigned long long)u->abbrev_off);
}

const struct dw_abbrev *dw_find_abbrev(const struct dw_abbrevs *t, uint64_t code)
{
	size_t i;

	if (t->by_code) {
		if (code > t->maxcode || !t->by_code[code])
			return NULL;
		return &t->list[t->by_code[code] - 1];
	}
	for (i = 0; i < t->n; i++)
		if (t->list[i].code == code)
			return &t->list[i];
	return NULL;
}

/* ---- attribute values ------------------------------------------------ */

static uint64_t read_offset(struct cursor *c, const struct dw_unit *u)
{
	return cursor_uN(c, u->dwarf64 ? 8 : 4);
}

bool dw_read_form(const struct dw_file *f, const struct dw_unit *u,
		  struct cursor *c, uint32_t form, int64_t implicit,
		  struct dw_value *v)
{
	unsigned depth = 0;

again:
	v->form = form;
	v->cls = DW_CLS_CONST;
	v->u = 0;
	v->str = NULL;
	v->block = NULL;
	switch (form) {
	case DW_FORM_addr:
		v->cls = DW_CLS_ADDR;
		v->u = cursor_uN(c, u->addr_size);
		break;
	case DW_FORM_data1: v->u = cursor_u8(c); break;
	case DW_FORM_data2: v->u = cursor_u16(c); break;
	case DW_FORM_data4: v->u = cursor_u32(c); break;
	case DW_FORM_data8: v->u = cursor_u64(c); break;
	case DW_FORM_data16:
		v->cls = DW_CLS_BLOCK;
		v->blen = 16;
		v->block = cursor_bytes(c, 16);
		break;
	case DW_FORM_sdata:
		v->u = (uint64_t)cursor_sleb(c);
		v->cls = DW_CLS_SCONST;
		break;
	case DW_FORM_udata: v->u = cursor_uleb(c); break;
	case DW_FORM_implicit_const:
		v->u = (uint64_t)implicit;
		v->cls = DW_CLS_SCONST;
		break;
	case DW_FORM_flag: v->cls = DW_CLS_FLAG; v->u = cursor_u8(c); break;
	case DW_FORM_flag_present: v->cls = DW_CLS_FLAG; v->u = 1; break;
	case DW_FORM_string:
		v->cls = DW_CLS_STRING;
		v->str = cursor_cstr(c);
		break;
	case DW_FORM_strp:
	case DW_FORM_line_strp: {
		uint64_t off = read_offset(c, u);
		const struct dw_sect *s = form == DW_FORM_strp ? &f->str : &f->line_str;
		v->cls = DW_CLS_STRING;
		if (!c->bad)
			v->str = s->data ? strsec_at(s->data, s->size, off) : NULL;
		break;
	}
	case DW_FORM_strp_sup: case DW_FORM_GNU_strp_alt: {
		/* a string of the supplementary file (dwz -m), NULL without it */
		uint64_t off = read_offset(c, u);
		v->cls = DW_CLS_STRING;
		if (!c->bad && f->sup && f->sup->str.data)
			v->str = strsec_at(f->sup->str.data, f->sup->str.size, off);
		break;
	}
	case DW_FORM_strx: case DW_FORM_GNU_str_index:
		v->cls = DW_CLS_STRX; v->u = cursor_uleb(c); break;
	case DW_FORM_strx1: v->cls = DW_CLS_STRX; v->u = cursor_u8(c); break;
	case DW_FORM_strx2: v->cls = DW_CLS_STRX; v->u = cursor_u16(c); break;
	case DW_FORM_strx3: v->cls = DW_CLS_STRX; v->u = cursor_uN(c, 3); break;
	case DW_FORM_strx4: v->cls = DW_CLS_STRX; v->u = cursor_u32(c); break;
	case DW_FORM_addrx: case DW_FORM_GNU_addr_index:
		v->cls = DW_CLS_ADDRX; v->u = cursor_uleb(c); break;
	case DW_FORM_addrx1: v->cls = DW_CLS_ADDRX; v->u = cursor_u8(c); break;
	case DW_FORM_addrx2: v->cls = DW_CLS_ADDRX; v->u = cursor_u16(c); break;
	case DW_FORM_addrx3: v->cls = DW_CLS_ADDRX; v->u = cursor_uN(c, 3); break;
	case DW_FORM_addrx4: v->cls = DW_CLS_ADDRX; v->u = cursor_u32(c); break;
	case DW_FORM_ref1: v->cls = DW_CLS_REF; v->u = u->off + cursor_u8(c); break;
	case DW_FORM_ref2: v->cls = DW_CLS_REF; v->u = u->off + cursor_u16(c); break;
	case DW_FORM_ref4: v->cls = DW_CLS_REF; v->u = u->off + cursor_u32(c); break;
	case DW_FORM_ref8: v->cls = DW_CLS_REF; v->u = u->off + cursor_u64(c); break;
	case DW_FORM_ref_udata: v->cls = DW_CLS_REF; v->u = u->off + cursor_uleb(c); break;
	case DW_FORM_ref_addr:
		v->cls = DW_CLS_REF;
		v->u = u->version <= 2 ? cursor_uN(c, u->addr_size) : read_offset(c, u);
		break;
	case DW_FORM_ref_sig8: cursor_u64(c); v->cls = DW_CLS_OTHER; break;
	case DW_FORM_ref_sup4: v->cls = DW_CLS_REF_SUP; v->u = cursor_u32(c); break;
	case DW_FORM_ref_sup8: v->cls = DW_CLS_REF_SUP; v->u = cursor_u64(c); break;
	case DW_FORM_GNU_ref_alt: v->cls = DW_CLS_REF_SUP; v->u = read_offset(c, u); break;
	case DW_FORM_sec_offset:
		v->cls = DW_CLS_SECOFF;
		v->u = read_offset(c, u);
		break;
	case DW_FORM_rnglistx: v->cls = DW_CLS_RNGLISTX; v->u = cursor_uleb(c); break;
	case DW_FORM_loclistx: v->cls = DW_CLS_OTHER; cursor_uleb(c); break;
	case DW_FORM_exprloc: case DW_FORM_block:
		v->cls = DW_CLS_BLOCK;
		v->blen = cursor_uleb(c);
		v->block = cursor_bytes(c, v->blen);
		break;
	case DW_FORM_block1:
		v->cls = DW_CLS_BLOCK;
		v->blen = cursor_u8(c);
		v->block = cursor_bytes(c, v->blen);
		break;
	case DW_FORM_block2:
		v->cls = DW_CLS_BLOCK;
		v->blen = cursor_u16(c);
		v->block = cursor_bytes(c, v->blen);
		break;
	case DW_FORM_block4:
		v->cls = DW_CLS_BLOCK;
		v->blen = cursor_u32(c);
		v->block = cursor_bytes(c, v->blen);
		break;
	case DW_FORM_indirect:
		form = (uint32_t)cursor_uleb(c);
		if (c->bad || ++depth > 4 || form == DW_FORM_indirect ||
		    form == DW_FORM_implicit_const)
			return false;
		goto again;
	default:
		c->bad = true;
		return false;
	}
	return !c->bad;
}

bool dw_skip_form(const struct dw_file *f, const struct dw_unit *u,
		  struct cursor *c, uint32_t form)
{
	struct dw_value v;
	int sz = form_fixed_size(u, (uint16_t)form);

	if (sz >= 0 && form <= 0xffff)
		return cursor_skip(c, (size_t)sz);
	return dw_read_form(f, u, c, form, 0, &v);
}

const char *dw_strx(const struct dw_file *f, const struct dw_unit *u, uint64_t index)
{
	struct cursor c = cursor_make(f->str_offsets.data, f->str_offsets.size, f->be);
	unsigned osz = u->dwarf64 ? 8 : 4;
	uint64_t base = u->str_offsets_base, off;

	if (!f->str_offsets.data || !f->str.data)
		return NULL;
	if (!u->has_str_offsets_base)	/* split units: after the header (DWARF 5),
					 * or from the start (GNU DWARF 4) */
		base = u->version >= 5 ? (u->dwarf64 ? 16 : 8) : 0;
	if (index > (UINT64_MAX - base) / osz)
		return NULL;
	if (!cursor_seek(&c, base + index * osz))
		return NULL;
	off = cursor_uN(&c, osz);
	if (c.bad)
		return NULL;
	return strsec_at(f->str.data, f->str.size, off);
}

bool dw_addrx(const struct dw_file *f, const struct dw_unit *u, uint64_t index,
	      uint64_t *out)
{
	struct cursor c = cursor_make(f->addr.data, f->addr.size, f->be);
	uint64_t base = u->addr_base;

	if (!f->addr.data)
		return false;
	if (index > (UINT64_MAX - base) / u->addr_size)
		return false;
	if (!cursor_seek(&c, base + index * u->addr_size))
		return false;
	*out = cursor_uN(&c, u->addr_size);
	return !c.bad;
}

/* ---- range lists ----------------------------------------------------- */

static int push_range(struct dw_ranges *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return 0;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		void *p;
		if (ncap > (1u << 24))
			return -1;
		p = realloc(r->v, ncap * sizeof(*r->v));
		if (!p)
			return -1;
		r->v = p;
		r->cap = ncap;
	}
	r->v[r->n].lo = lo;
	r->v[r->n].hi = hi;
	r->n++;
	return 0;
}

/* DWARF 2-4 .debug_ranges. */
static bool read_debug_ranges(const struct dw_file *f, const struct dw_unit *u,
			      uint64_t off, struct dw_ranges *r)
{
	struct cursor c = cursor_make(f->ranges.data, f->ranges.size, f->be);
	uint64_t base = u->base_addr;
	uint64_t maxaddr = u->addr_size == 8 ? UINT64_MAX : ((uint64_t)1 << (u->addr_size * 8)) - 1;

	if (!f->ranges.data || !cursor_seek(&c, off))
		return false;
	for (;;) {
		uint64_t lo = cursor_uN(&c, u->addr_size);
		uint64_t hi = cursor_uN(&c, u->addr_size);

		if (c.bad)
			return false;
		if (lo == 0 && hi == 0)
			return true;
		if (lo == maxaddr) {
			base = hi;
			continue;
		}
		if (push_range(r, base + lo, base + hi) < 0)
			return false;
	}
}

enum {
	DW_RLE_end_of_list, DW_RLE_base_addressx, DW_RLE_startx_endx,
	DW_RLE_startx_length, DW_RLE_offset_pair, DW_RLE_base_address,
	DW_RLE_start_end, DW_RLE_start_length,
};

/* DWARF 5 .debug_rnglists, the list starting at section offset off. */
static bool read_rnglist(const struct dw_file *f, const struct dw_unit *u,
			 uint64_t off, struct dw_ranges *r)
{
	struct cursor c = cursor_make(f->rnglists.data, f->rnglists.size, f->be);
	uint64_t base = u->base_addr, a, b;

	if (!f->rnglists.data || !cursor_seek(&c, off))
		return false;
	for (;;) {
		uint8_t kind = cursor_u8(&c);

		if (c.bad)
			return false;
		switch (kind) {
		case DW_RLE_end_of_list:
			return true;
		case DW_RLE_base_addressx:
			if (!dw_addrx(f, u, cursor_uleb(&c), &base))
				return false;
			break;
		case DW_RLE_startx_endx:
			a = cursor_uleb(&c);
			b = cursor_uleb(&c);
			if (!dw_addrx(f, u, a, &a) || !dw_addrx(f, u, b, &b) ||
			    push_range(r, a, b) < 0)
				return false;
			break;
		case DW_RLE_startx_length:
			a = cursor_uleb(&c);
			b = cursor_uleb(&c);
			if (!dw_addrx(f, u, a, &a) || push_range(r, a, a + b) < 0)
				return false;
			break;
		case DW_RLE_offset_pair:
			a = cursor_uleb(&c);
			b = cursor_uleb(&c);
			if (push_range(r, base + a, base + b) < 0)
				return false;
			break;
		case DW_RLE_base_address:
			base = cursor_uN(&c, u->addr_size);
			break;
		case DW_RLE_start_end:
			a = cursor_uN(&c, u->addr_size);
			b = cursor_uN(&c, u->addr_size);
			if (push_range(r, a, b) < 0)
				return false;
			break;
		case DW_RLE_start_length:
			a = cursor_uN(&c, u->addr_size);
			b = cursor_uleb(&c);
			if (push_range(r, a, a + b) < 0)
				return false;
			break;
		default:
			return false;
		}
		if (c.bad)
			return false;
	}
}

bool dw_read_ranges(const struct dw_file *f, const struct dw_unit *u,
		    const struct dw_value *v, struct dw_ranges *r)
{
	r->n = 0;
	if (v->cls == DW_CLS_RNGLISTX) {
		struct cursor c = cursor_make(f->rnglists.data, f->rnglists.size, f->be);
		unsigned osz = u->dwarf64 ? 8 : 4;
		uint64_t base = u->has_rnglists_base ? u->rnglists_base : (u->dwarf64 ? 20 : 12);
		uint64_t rel;

		if (!f->rnglists.data || v->u > (UINT64_MAX - base) / osz ||
		    !cursor_seek(&c, base + v->u * osz))
			return false;
		rel = cursor_uN(&c, osz);
		if (c.bad || rel > UINT64_MAX - base)
			return false;
		return read_rnglist(f, u, base + rel, r);
	}
	if (v->cls != DW_CLS_SECOFF && v->cls != DW_CLS_CONST)
		return false;
	if (u->version >= 5)
		return read_rnglist(f, u, v->u, r);
	return read_debug_ranges(f, u, v->u + u->gnu_ranges_base, r);
}

/* ---- line-number program --------------------------------------------- */

enum {
	DW_LNS_copy = 1, DW_LNS_advance_pc, DW_LNS_advance_line,
	DW_LNS_set_file, DW_LNS_set_column, DW_LNS_negate_stmt,
	DW_LNS_set_basic_block, DW_LNS_const_add_pc,
	DW_LNS_fixed_advance_pc, DW_LNS_set_prologue_end,
	DW_LNS_set_epilogue_begin, DW_LNS_set_isa,
	DW_LNE_end_sequence = 1, DW_LNE_set_address, DW_LNE_define_file,
	DW_LNE_set_discriminator,
	DW_LNCT_path = 1, DW_LNCT_directory_index = 2,
};

void dw_lines_free(struct dw_lines *l)
{
	free(l->rows);
	free(l->files);
	free(l->dirs);
	memset(l, 0, sizeof(*l));
}

/* Joins dir and name as Breakpad does: an absolute name (or an empty
 * directory) is used as is; otherwise dir + "/" + name, with no slash added
 * when dir already ends with one.  Interned in the module's pool. */
static const char *expand_path(struct dw_lines_ctx *lc, const char *name, const char *dir)
{
	size_t dl, nl;
	char stackbuf[1024], *buf = stackbuf;
	const char *r;
	bool slash;

	if (!name)
		name = "";
	if (name[0] == '/' || !dir || !dir[0])
		return lc->intern(lc->ctx, name, strlen(name));
	dl = strlen(dir);
	nl = strlen(name);
	slash = dir[dl - 1] == '/';
	if (dl + nl + 2 > sizeof(stackbuf)) {
		buf = malloc(dl + nl + 2);
		if (!buf)
			return NULL;
	}
	memcpy(buf, dir, dl);
	if (!slash)
		buf[dl++] = '/';
	memcpy(buf + dl, name, nl);
	r = lc->intern(lc->ctx, buf, dl + nl);
	if (buf != stackbuf)
		free(buf);
	return r;
}

static int lines_add_dir(struct dw_lines *l, const char *d)
{
	if (l->ndirs == l->dcap) {
		size_t ncap = l->dcap ? l->dcap * 2 : 16;
		void *p;
		if (ncap > (1u << 24))
			return -1;
		p = realloc(l->dirs, ncap * sizeof(*l->dirs));
		if (!p)
			return -1;
		l->dirs = p;
		l->dcap = ncap;
	}
	l->dirs[l->ndirs++] = d;
	return 0;
}

static int lines_add_file(struct dw_lines *l, const char *path)
{
	if (l->nfiles == l->fcap) {
		size_t ncap = l->fcap ? l->fcap * 2 : 32;
		void *p;
		if (ncap > (1u << 24))
			return -1;
		p = realloc(l->files, ncap * sizeof(*l->files));
		if (!p)
			return -1;
		l->files = p;
		l->fcap = ncap;
	}
	l->files[l->nfiles++] = path;
	return 0;
}

/* Reads one DWARF 5 entry-format list and its entries, directories or
 * files.  For directories the DW_LNCT_path is stored; for files the
 * expanded path. */
static bool read_v5_entries(const struct dw_file *f, const struct dw_unit *u,
			    struct cursor *c, struct dw_lines *l,
			    struct dw_lines_ctx *lc, bool files)
{
	uint32_t fmt[32][2];
	uint8_t nfmt = cursor_u8(c);
	uint64_t count, i;
	unsigned j;

	if (c->bad || nfmt > 32)
		return false;
	for (j = 0; j < nfmt; j++) {
		fmt[j][0] = (uint32_t)cursor_uleb(c);
		fmt[j][1] = (uint32_t)cursor_uleb(c);
	}
	count = cursor_uleb(c);
	if (c->bad || count > cursor_left(c))
		return false;
	for (i = 0; i < count; i++) {
		const char *path = NULL;
		uint64_t dir = 0;

		for (j = 0; j < nfmt; j++) {
			struct dw_value v;
			if (!dw_read_form(f, u, c, fmt[j][1], 0, &v))
				return false;
			if (fmt[j][0] == DW_LNCT_path) {
				if (v.cls == DW_CLS_STRX)
					path = dw_strx(f, u, v.u);
				else if (v.cls == DW_CLS_STRING)
					path = v.str;
			} else if (fmt[j][0] == DW_LNCT_directory_index) {
				dir = v.u;
			}
		}
		if (!files) {
			const char *d;
			/* Directory 0 is the compilation directory. */
			if (i == 0)
				d = lc->comp_dir ? lc->comp_dir : "";
			else
				d = expand_path(lc, path ? path : "", lc->comp_dir);
			if (!d || lines_add_dir(l, d) < 0)
				return false;
		} else {
			const char *d = dir < l->ndirs ? l->dirs[dir] : NULL;
			const char *p;
			if (dir == 0)
				d = lc->comp_dir;
			else if (dir >= l->ndirs)
				l->bad_dir = true;
			p = expand_path(lc, path ? path : "", d);
			if (!p || lines_add_file(l, p) < 0)
				return false;
		}
	}
	return true;
}

static int push_row(struct dw_lines *l, uint64_t addr, uint64_t size,
		    uint64_t file, uint32_t line)
{
	struct dw_row *r;

	if (l->nrows == l->rcap) {
		size_t ncap = l->rcap ? l->rcap * 2 : 256;
		void *p = realloc(l->rows, ncap * sizeof(*l->rows));
		if (!p)
			return -1;
		l->rows = p;
		l->rcap = ncap;
	}
	r = &l->rows[l->nrows++];
	r->addr = addr;
	r->size = size;
	r->file = file > UINT32_MAX ? UINT32_MAX : (uint32_t)file;
	r->line = line;
	return 0;
}

/* Breakpad's AddLine: zero-length lines are dropped; lines at address 0,
 * and lines that continue an omitted one, are omitted. */
static int add_line(struct dw_lines *l, uint64_t addr, uint64_t len,
		    uint64_t file, uint32_t line)
{
	if (len == 0)
		return 0;
	if (addr + len < addr)
		len = (uint64_t)0 - addr;
	if (addr == 0 || addr == l->omitted_end) {
		l->omitted_end = addr + len;
		return 0;
	}
	l->omitted_end = 0;
	return push_row(l, addr, len, file, line);
}

enum sym_code dw_read_lines(const struct dw_file *f, const struct dw_unit *u,
			    uint64_t off, struct dw_lines_ctx *lc,
			    struct dw_lines *l, struct sym_err *err)
{
	struct cursor c = cursor_make(f->line.data, f->line.size, f->be);
	uint64_t unit_len, hdr_len, end, prog;
	uint16_t version;
	uint8_t min_inst, max_ops = 1, default_is_stmt, opcode_base;
	int8_t line_base;
	uint8_t line_range;
	uint8_t std_len[256];
	bool dwarf64 = false;
	unsigned addr_size = u->addr_size;
	unsigned i;
	/* state machine */
	uint64_t addr = 0, file = 1;
	uint64_t line = 1;	/* wraps, as addr does: a hostile program's
				 * advances may add up past any bound */
	bool have_pending = false;
	uint64_t p_addr = 0, p_file = 0;
	uint32_t p_line = 0;

	(void)default_is_stmt;
	memset(l, 0, sizeof(*l));
	if (!f->line.data || !cursor_seek(&c, off))
		return sym_fail(err, SYM_EFORMAT, "%s: line program offset 0x%llx is outside .debug_line",
				f->path, (unsigned long long)off);
	unit_len = cursor_u32(&c);
	if (unit_len == 0xffffffff) {
		dwarf64 = true;
		unit_len = cursor_u64(&c);
	}
	if (c.bad || unit_len > cursor_left(&c))
		goto trunc;
	end = c.pos + unit_len;
	c.len = end;
	version = cursor_u16(&c);
	if (c.bad)
		goto trunc;
	if (version < 2 || version > 5)
		return sym_fail(err, SYM_EUNSUP, "%s: line program at .debug_line+0x%llx has unsupported version %u",
				f->path, (unsigned long long)off, version);
	if (version >= 5) {
		addr_size = cursor_u8(&c);
		cursor_u8(&c);	/* segment selector size */
		if (addr_size != 2 && addr_size != 4 && addr_size != 8)
			addr_size = u->addr_size;
	}
	hdr_len = cursor_uN(&c, dwarf64 ? 8 : 4);
	if (c.bad || hdr_len > cursor_left(&c))
		goto trunc;
	prog = c.pos + hdr_len;
	min_inst = cursor_u8(&c);
	if (version >= 4)
		max_ops = cursor_u8(&c);
	default_is_stmt = cursor_u8(&c);
	line_base = (int8_t)cursor_u8(&c);
	line_range = cursor_u8(&c);
	opcode_base = cursor_u8(&c);
	if (c.bad)
		goto trunc;
	if (line_range == 0)
		return sym_fail(err, SYM_EFORMAT, "%s: line program at .debug_line+0x%llx has line_range 0",
				f->path, (unsigned long long)off);
	(void)max_ops;
	memset(std_len, 0, sizeof(std_len));
	for (i = 1; i < opcode_base; i++)
		std_len[i] = cursor_u8(&c);

	if (version >= 5) {
		if (!read_v5_entries(f, u, &c, l, lc, false) ||
		    !read_v5_entries(f, u, &c, l, lc, true))
			goto trunc;
		l->file_base = 0;
	} else {
		/* Directory 0 and file 0 are implicit in DWARF 2-4. */
		if (lines_add_dir(l, lc->comp_dir ? lc->comp_dir : "") < 0)
			goto nomem;
		for (;;) {
			const char *d = cursor_cstr(&c);
			if (!d)
				goto trunc;
			if (!*d)
				break;
			d = expand_path(lc, d, lc->comp_dir);
			if (!d || lines_add_dir(l, d) < 0)
				goto nomem;
		}
		if (lines_add_file(l, NULL) < 0)
			goto nomem;
		for (;;) {
			const char *name = cursor_cstr(&c);
			uint64_t dir;
			const char *d, *p;

			if (!name)
				goto trunc;
			if (!*name)
				break;
			dir = cursor_uleb(&c);
			cursor_uleb(&c);
			cursor_uleb(&c);
			if (c.bad)
				goto trunc;
			if (dir == 0)
				d = lc->comp_dir;
			else if (dir < l->ndirs)
				d = l->dirs[dir];
			else {
				d = NULL;
				l->bad_dir = true;
			}
			p = expand_path(lc, name, d);
			if (!p || lines_add_file(l, p) < 0)
				goto nomem;
		}
		l->file_base = 1;
	}

	if (!cursor_seek(&c, prog))
		goto trunc;
	while (c.pos < end) {
		uint8_t op = cursor_u8(&c);
		bool row = false, end_seq = false;

		if (op >= opcode_base) {
			uint8_t adj = (uint8_t)(op - opcode_base);
			addr += (uint64_t)(adj / line_range) * min_inst;
			line += (uint64_t)(int64_t)(line_base + (adj % line_range));
			row = true;
		} else if (op == 0) {
			uint64_t len = cursor_uleb(&c);
			size_t start = c.pos;
			uint8_t sub;

			if (c.bad || len == 0 || len > cursor_left(&c))
				goto trunc;
			sub = cursor_u8(&c);
			switch (sub) {
			case DW_LNE_end_sequence:
				row = true;
				end_seq = true;
				break;
			case DW_LNE_set_address:
				if (len - 1 >= 1 && len - 1 <= 8)
					addr = cursor_uN(&c, (unsigned)(len - 1));
				break;
			case DW_LNE_define_file: {
				const char *name = cursor_cstr(&c);
				uint64_t dir = cursor_uleb(&c);
				const char *d, *p;
				if (!name || c.bad)
					goto trunc;
				d = dir == 0 ? lc->comp_dir : dir < l->ndirs ? l->dirs[dir] : NULL;
				p = expand_path(lc, name, d);
				if (!p || lines_add_file(l, p) < 0)
					goto nomem;
				break;
			}
			default:
				break;
			}
			c.pos = start;
			cursor_skip(&c, len);
		} else {
			switch (op) {
			case DW_LNS_copy:
				row = true;
				break;
			case DW_LNS_advance_pc:
				addr += cursor_uleb(&c) * min_inst;
				break;
			case DW_LNS_advance_line:
				line += (uint64_t)cursor_sleb(&c);
				break;
			case DW_LNS_set_file:
				file = cursor_uleb(&c);
				break;
			case DW_LNS_const_add_pc:
				addr += (uint64_t)((255 - opcode_base) / line_range) * min_inst;
				break;
			case DW_LNS_fixed_advance_pc:
				addr += cursor_u16(&c);
				break;
			default:
				/* Any other standard opcode: skip its operands. */
				for (i = 0; i < std_len[op]; i++)
					cursor_uleb(&c);
				break;
			}
		}
		if (c.bad)
			goto trunc;
		if (row) {
			if (have_pending &&
			    add_line(l, p_addr, addr - p_addr, p_file, p_line) < 0)
				goto nomem;
			if (end_seq) {
				addr = 0;
				file = 1;
				line = 1;
				have_pending = false;
			} else {
				p_addr = addr;
				p_file = file;
				p_line = (uint32_t)line;
				have_pending = true;
			}
		}
	}
	return SYM_OK;
trunc:
	return sym_fail(err, SYM_ETRUNC, "%s: line program at .debug_line+0x%llx is truncated or malformed",
			f->path, (unsigned long long)off);
nomem:
	return sym_fail(err, SYM_ENOMEM, "out of memory");
}
