/* pdb_types.c - names from a PDB's type (TPI) and id (IPI) streams.
 *
 * Stream layout: a header {u32 version, u32 header size, u32 first index
 * (0x1000), u32 end index, u32 record bytes, hash fields...}, then records
 * {u16 length, u16 leaf, payload}, the length counting the leaf and the
 * payload.  Index i >= first is record i - first; indexes below 0x1000 are
 * simple types (low byte the kind, bits 8-11 a pointer mode).  Open scans
 * the records once and keeps each one's offset.
 *
 * Names are written the way Breakpad's reference files show them:
 * "ns::C::h(ns::C const &)", qualifiers after the type, a space before
 * each '*' or '&', "()" for an empty or (void) argument list, no return
 * type and no "static".  Formatting is bounded three ways: a nesting depth
 * (type graphs may loop), a step budget and an output length; past any of
 * them the name ends in "...".
 */
#include "config.h"
#include "pdb_types.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

#define TI_FIRST		0x1000u
#define TYPES_HEADER_MIN	56u
#define TYPES_MAX_DEPTH		24
#define TYPES_MAX_STEPS		4096
#define TYPES_MAX_NAME		8192
#define TYPES_PTR_CHAIN		8	/* pointer levels written around a function type */

/* Leaves */
#define LF_MODIFIER	0x1001
#define LF_POINTER	0x1002
#define LF_PROCEDURE	0x1008
#define LF_MFUNCTION	0x1009
#define LF_ARGLIST	0x1201
#define LF_BITFIELD	0x1205
#define LF_ARRAY	0x1503
#define LF_CLASS	0x1504
#define LF_STRUCTURE	0x1505
#define LF_UNION	0x1506
#define LF_ENUM		0x1507
#define LF_INTERFACE	0x1519
#define LF_CLASS2	0x1608	/* newer MSVC; layout not confirmed on test data */
#define LF_STRUCTURE2	0x1609
#define LF_UNION2	0x160a
#define LF_INTERFACE2	0x160b
#define LF_FUNC_ID	0x1601
#define LF_MFUNC_ID	0x1602
#define LF_STRING_ID	0x1605

#define LF_NUMERIC	0x8000

struct types_stream {
	const uint8_t *base;	/* the stream; not owned */
	size_t len;
	uint32_t *off;		/* offset of record i's leaf; owned */
	uint16_t *rlen;		/* its length (leaf and payload) */
	size_t n;
};

struct pdb_types {
	struct types_stream tpi, ipi;
};

/* A capped, growing name buffer.  `full` once a limit was hit. */
struct tbuf {
	char *s;
	size_t n, cap;
	size_t limit;		/* n never passes it; set by tbuf_init() */
	unsigned steps;
	bool full, nomem;
};

static void tbuf_init(struct tbuf *b)
{
	memset(b, 0, sizeof(*b));
	b->limit = TYPES_MAX_NAME;
}

static void tbuf_put(struct tbuf *b, const char *s, size_t len)
{
	if (b->full || b->nomem)
		return;
	if (len > b->limit - b->n) {
		len = b->limit - b->n;
		b->full = true;
	}
	if (len + 1 > b->cap - b->n) {
		size_t ncap = b->cap ? b->cap : 64;
		char *ns;

		while (ncap < b->n + len + 1)
			ncap *= 2;
		ns = realloc(b->s, ncap);
		if (!ns) {
			b->nomem = true;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

static void tbuf_str(struct tbuf *b, const char *s)
{
	tbuf_put(b, s, strlen(s));
}

/* The finished name (malloc'd, "..." appended when cut), or NULL when out
 * of memory.  Frees the buffer either way. */
static char *tbuf_take(struct tbuf *b)
{
	char *s;

	if (!b->nomem && b->full) {
		b->full = false;
		b->n = b->n < b->limit - 3 ? b->n : b->limit - 3;
		tbuf_str(b, "...");
	}
	if (!b->nomem && !b->s)
		tbuf_put(b, "", 0);
	if (b->nomem) {
		free(b->s);
		return NULL;
	}
	s = b->s;
	b->s = NULL;
	return s;
}

/* Indexes one stream; damage ends the index.  0, or -1 when out of memory. */
static int types_index(struct types_stream *ts, const uint8_t *p, size_t len)
{
	struct cursor c;
	uint32_t hdr, first, end, bytes;
	size_t max, n = 0;

	memset(ts, 0, sizeof(*ts));
	if (!p || len < TYPES_HEADER_MIN)
		return 0;
	c = cursor_make(p, len, false);
	cursor_skip(&c, 4);	/* version */
	hdr = cursor_u32(&c);
	first = cursor_u32(&c);
	end = cursor_u32(&c);
	bytes = cursor_u32(&c);
	if (hdr < TYPES_HEADER_MIN || hdr > len || first != TI_FIRST || end < first)
		return 0;
	if (bytes > len - hdr)
		bytes = (uint32_t)(len - hdr);
	/* Each record takes at least 4 bytes. */
	max = end - first;
	if (max > bytes / 4)
		max = bytes / 4;
	if (max == 0)
		return 0;
	ts->off = malloc(max * sizeof(*ts->off));
	ts->rlen = malloc(max * sizeof(*ts->rlen));
	if (!ts->off || !ts->rlen) {
		free(ts->off);
		free(ts->rlen);
		ts->off = NULL;
		ts->rlen = NULL;
		return -1;
	}
	c = cursor_make(p, (size_t)hdr + bytes, false);
	cursor_seek(&c, hdr);
	while (n < max && cursor_left(&c) >= 4) {
		uint16_t rl = cursor_u16(&c);

		if (rl < 2 || !cursor_has(&c, rl))
			break;
		ts->off[n] = (uint32_t)c.pos;
		ts->rlen[n] = rl;
		n++;
		cursor_skip(&c, rl);
	}
	ts->base = p;
	ts->len = len;
	ts->n = n;
	return 0;
}

/* A cursor over the payload of record ti (after the leaf); false when ti
 * is not a record of the stream. */
static bool types_rec(const struct types_stream *ts, uint32_t ti, uint16_t *leaf,
		      struct cursor *c)
{
	size_t i;

	if (ti < TI_FIRST || ti - TI_FIRST >= ts->n)
		return false;
	i = ti - TI_FIRST;
	*c = cursor_make(ts->base + ts->off[i], ts->rlen[i], false);
	*leaf = cursor_u16(c);
	return !c->bad;
}

/* Skips a numeric leaf (a size or value in class records). */
static void types_skip_numeric(struct cursor *c)
{
	uint16_t v = cursor_u16(c);
	static const uint8_t sizes[] = {
		1, 2, 2, 4, 4, 4, 8, 10, 16, 8, 8, 6, 8, 16, 20, 32,
		0 /* varstring */, 0, 0, 0, 0, 0, 0, 16, 16, 16, 8, 0 /* utf8 */, 2,
	};

	if (v < LF_NUMERIC)
		return;
	v -= LF_NUMERIC;
	if (v == 0x10) {
		cursor_skip(c, cursor_u16(c));
	} else if (v == 0x1b) {
		cursor_cstr(c);
	} else if (v < sizeof(sizes) && sizes[v]) {
		cursor_skip(c, sizes[v]);
	} else {
		c->bad = true;
	}
}

static void types_fmt(const struct pdb_types *t, struct tbuf *b, uint32_t ti, unsigned depth);

/* The value of a numeric leaf that holds an unsigned integer; 0 for any
 * other kind. */
static uint64_t types_numeric(struct cursor *c)
{
	uint16_t v = cursor_u16(c);

	switch (v) {
	case LF_NUMERIC + 0x00: return cursor_u8(c);			/* LF_CHAR */
	case LF_NUMERIC + 0x01:						/* LF_SHORT */
	case LF_NUMERIC + 0x02: return cursor_u16(c);			/* LF_USHORT */
	case LF_NUMERIC + 0x03:						/* LF_LONG */
	case LF_NUMERIC + 0x04: return cursor_u32(c);			/* LF_ULONG */
	case LF_NUMERIC + 0x09:						/* LF_QUADWORD */
	case LF_NUMERIC + 0x0a: return cursor_u64(c);			/* LF_UQUADWORD */
	default: return v < LF_NUMERIC ? v : 0;
	}
}

static uint64_t types_size(const struct pdb_types *t, uint32_t ti, unsigned depth);

/* The byte size of a simple type; 0 when unknown. */
static uint64_t types_simple_size(uint32_t ti)
{
	switch ((ti >> 8) & 0xf) {
	case 0: break;
	case 1: return 2;
	case 2: case 3: case 4: case 5: return 4;
	case 6: return 8;
	default: return 0;
	}
	switch (ti & 0xff) {
	case 0x10: case 0x20: case 0x68: case 0x69: case 0x70: case 0x7c: case 0x30:
		return 1;
	case 0x11: case 0x21: case 0x71: case 0x72: case 0x73: case 0x7a: case 0x31: case 0x46:
		return 2;
	case 0x08: case 0x12: case 0x22: case 0x74: case 0x75: case 0x7b: case 0x32: case 0x40:
		return 4;
	case 0x13: case 0x23: case 0x76: case 0x77: case 0x33: case 0x41:
		return 8;
	case 0x42: return 10;
	case 0x14: case 0x24: case 0x78: case 0x79: case 0x43: return 16;
	default: return 0;
	}
}

/* The byte size of type ti; 0 when unknown (forward references, damage,
 * too deep). */
static uint64_t types_size(const struct pdb_types *t, uint32_t ti, unsigned depth)
{
	struct cursor c;
	uint16_t leaf;

	if (depth > TYPES_MAX_DEPTH)
		return 0;
	if (ti < TI_FIRST)
		return types_simple_size(ti);
	if (!types_rec(&t->tpi, ti, &leaf, &c))
		return 0;
	switch (leaf) {
	case LF_MODIFIER:
		return types_size(t, cursor_u32(&c), depth + 1);
	case LF_POINTER:
		cursor_skip(&c, 4);
		return (cursor_u32(&c) >> 13) & 0x3f;
	case LF_ENUM:
		cursor_skip(&c, 4);
		return types_size(t, cursor_u32(&c), depth + 1);
	case LF_ARRAY:
		cursor_skip(&c, 8);
		break;
	case LF_CLASS:
	case LF_STRUCTURE:
	case LF_INTERFACE:
		cursor_skip(&c, 16);
		break;
	case LF_UNION:
		cursor_skip(&c, 8);
		break;
	case LF_CLASS2:
	case LF_STRUCTURE2:
	case LF_INTERFACE2:
		cursor_skip(&c, 16);
		types_skip_numeric(&c);	/* member count */
		break;
	case LF_UNION2:
		cursor_skip(&c, 8);
		types_skip_numeric(&c);
		break;
	default:
		return 0;
	}
	return c.bad ? 0 : types_numeric(&c);
}

/* Writes the dimensions of the LF_ARRAY record ti ("[4][2]") and returns
 * its innermost element type. */
static uint32_t types_fmt_dims(const struct pdb_types *t, struct tbuf *b, uint32_t ti,
			       unsigned depth)
{
	struct cursor c;
	uint16_t leaf;
	unsigned n;

	for (n = 0; n < TYPES_PTR_CHAIN && types_rec(&t->tpi, ti, &leaf, &c) &&
		    leaf == LF_ARRAY; n++) {
		uint32_t elem = cursor_u32(&c);
		uint64_t size, esize;
		char num[24];

		cursor_skip(&c, 4);	/* index type */
		size = types_numeric(&c);
		esize = types_size(t, elem, depth + 1);
		if (!c.bad && esize && size % esize == 0) {
			snprintf(num, sizeof(num), "[%llu]", (unsigned long long)(size / esize));
			tbuf_str(b, num);
		} else {
			tbuf_str(b, "[]");
		}
		ti = elem;
	}
	return ti;
}

/* An array type where a pointer to it goes: "int (&)[4]"; ptr holds the
 * pointer symbols. */
static void types_fmt_array(const struct pdb_types *t, struct tbuf *b, uint32_t ti,
			    const char *ptr, unsigned depth)
{
	struct tbuf dims;
	uint32_t elem;

	tbuf_init(&dims);
	elem = types_fmt_dims(t, &dims, ti, depth);
	types_fmt(t, b, elem, depth + 1);
	if (*ptr) {
		tbuf_str(b, " (");
		tbuf_str(b, ptr);
		tbuf_str(b, ")");
	} else {
		tbuf_str(b, " ");
	}
	if (dims.nomem)
		b->nomem = true;
	else if (dims.s)
		tbuf_str(b, dims.s);
	free(dims.s);
}

/* The name of a class, structure, interface, union or enum record; NULL
 * for any other leaf or a damaged record. */
static const char *types_udt_name(uint16_t leaf, struct cursor *c)
{
	switch (leaf) {
	case LF_CLASS:
	case LF_STRUCTURE:
	case LF_INTERFACE:
		cursor_skip(c, 2 + 2 + 4 + 4 + 4);	/* count, props, fields, derived, vshape */
		types_skip_numeric(c);
		break;
	case LF_UNION:
		cursor_skip(c, 2 + 2 + 4);
		types_skip_numeric(c);
		break;
	case LF_ENUM:
		cursor_skip(c, 2 + 2 + 4 + 4);
		break;
	case LF_CLASS2:
	case LF_STRUCTURE2:
	case LF_INTERFACE2:
		/* u32 props, fields, derived, vshape; numeric count, size */
		cursor_skip(c, 4 + 4 + 4 + 4);
		types_skip_numeric(c);
		types_skip_numeric(c);
		break;
	case LF_UNION2:
		cursor_skip(c, 4 + 4);
		types_skip_numeric(c);
		types_skip_numeric(c);
		break;
	default:
		return NULL;
	}
	if (c->bad)
		return NULL;
	return cursor_cstr(c);
}

static const char *types_simple_name(uint32_t kind)
{
	switch (kind) {
	case 0x03: return "void";
	case 0x08: return "HRESULT";
	case 0x10: return "signed char";
	case 0x20: return "unsigned char";
	case 0x70: return "char";
	case 0x71: return "wchar_t";
	case 0x7a: return "char16_t";
	case 0x7b: return "char32_t";
	case 0x7c: return "char8_t";
	case 0x68: return "__int8";
	case 0x69: return "unsigned __int8";
	case 0x11: return "short";
	case 0x21: return "unsigned short";
	case 0x72: return "short";
	case 0x73: return "unsigned short";
	case 0x12: return "long";
	case 0x22: return "unsigned long";
	case 0x74: return "int";
	case 0x75: return "unsigned int";
	case 0x13: return "__int64";
	case 0x23: return "unsigned __int64";
	case 0x76: return "__int64";
	case 0x77: return "unsigned __int64";
	case 0x14: return "__int128";
	case 0x24: return "unsigned __int128";
	case 0x78: return "__int128";
	case 0x79: return "unsigned __int128";
	case 0x46: return "_Float16";
	case 0x40: return "float";
	case 0x41: return "double";
	case 0x42: return "long double";
	case 0x43: return "__float128";
	case 0x30: return "bool";
	case 0x31: return "__bool16";
	case 0x32: return "__bool32";
	case 0x33: return "__bool64";
	default: return NULL;
	}
}


/* Whether formatting may go on; writes "..." and stops when a limit is hit. */
static bool types_step(struct tbuf *b, unsigned depth)
{
	if (b->full || b->nomem)
		return false;
	if (depth > TYPES_MAX_DEPTH || ++b->steps > TYPES_MAX_STEPS) {
		b->full = true;
		return false;
	}
	return true;
}

/* The argument list of LF_ARGLIST record ti: "int, char *". */
static void types_fmt_args(const struct pdb_types *t, struct tbuf *b, uint32_t ti,
			   unsigned depth)
{
	struct cursor c;
	uint16_t leaf;
	uint32_t count, i;

	if (!types_step(b, depth))
		return;
	if (!types_rec(&t->tpi, ti, &leaf, &c) || leaf != LF_ARGLIST) {
		tbuf_str(b, "<unknown>");
		return;
	}
	count = cursor_u32(&c);
	if (count > cursor_left(&c) / 4)
		count = (uint32_t)(cursor_left(&c) / 4);
	if (count == 1) {
		uint32_t only = cursor_u32(&c);

		if (only == 0)
			tbuf_str(b, "...");	/* unprototyped */
		else if (only != 0x03)	/* (void) */
			types_fmt(t, b, only, depth + 1);
		return;
	}
	for (i = 0; i < count && !b->full && !b->nomem; i++) {
		uint32_t a = cursor_u32(&c);

		if (i > 0)
			tbuf_str(b, ", ");
		if (a == 0)
			tbuf_str(b, "...");	/* varargs */
		else
			types_fmt(t, b, a, depth + 1);
	}
}

/* A function type, written around the pointer symbols ptr when a pointer
 * to it is meant: "int (*)(char)", "int (char)". */
static void types_fmt_fnptr(const struct pdb_types *t, struct tbuf *b, uint16_t leaf,
			    struct cursor *fc, const char *ptr, unsigned depth)
{
	uint32_t ret = cursor_u32(fc), cls = 0, args;

	if (leaf == LF_MFUNCTION) {
		cls = cursor_u32(fc);
		cursor_skip(fc, 4);	/* this */
	}
	cursor_skip(fc, 4);	/* call conv, attrs, count */
	args = cursor_u32(fc);
	if (fc->bad) {
		tbuf_str(b, "<unknown>");
		return;
	}
	types_fmt(t, b, ret, depth + 1);
	if (*ptr) {
		tbuf_str(b, " (");
		if (cls) {
			types_fmt(t, b, cls, depth + 1);
			tbuf_str(b, "::");
		}
		tbuf_str(b, ptr);
		tbuf_str(b, ")(");
	} else {
		tbuf_str(b, " (");	/* a function type itself: "int (char)" */
	}
	types_fmt_args(t, b, args, depth + 1);
	tbuf_str(b, ")");
}

static const char *types_ptr_sym(unsigned mode)
{
	return mode == 1 ? "&" : mode == 4 ? "&&" : "*";
}

/* A pointer, "T *", "T const &", "T C::*"; a chain of plain pointers that
 * ends in a function type is written around it: "void (**)(int)". */
static void types_fmt_pointer(const struct pdb_types *t, struct tbuf *b, struct cursor *c,
			      unsigned depth)
{
	uint32_t pointee = cursor_u32(c), attrs = cursor_u32(c), fn = pointee;
	unsigned mode = (attrs >> 5) & 7, level = 0;
	char stars[2 * TYPES_PTR_CHAIN + 3 + sizeof(" const volatile")];
	struct cursor pc;
	uint16_t pleaf;

	if (c->bad) {
		tbuf_str(b, "<unknown>");
		return;
	}
	stars[0] = '\0';
	while (level < TYPES_PTR_CHAIN && types_rec(&t->tpi, fn, &pleaf, &pc) &&
	       pleaf == LF_POINTER) {
		uint32_t inner = cursor_u32(&pc), iattrs = cursor_u32(&pc);
		unsigned imode = (iattrs >> 5) & 7;

		if (pc.bad || imode == 2 || imode == 3 || (iattrs & (3u << 9)))
			break;
		strcat(stars, types_ptr_sym(imode));	/* inner pointers nearer the name */
		fn = inner;
		level++;
	}
	if (types_rec(&t->tpi, fn, &pleaf, &pc) &&
	    (pleaf == LF_PROCEDURE || pleaf == LF_MFUNCTION)) {
		/* its qualifiers go inside too: "void (* const)(int)" */
		strcat(stars, types_ptr_sym(mode));
		if (attrs & (1u << 10))
			strcat(stars, " const");
		if (attrs & (1u << 9))
			strcat(stars, " volatile");
		types_fmt_fnptr(t, b, pleaf, &pc, stars, depth);
		return;
	} else if (mode != 2 && mode != 3 && types_rec(&t->tpi, pointee, &pleaf, &pc) &&
		   pleaf == LF_ARRAY) {
		stars[0] = '\0';
		strcat(stars, types_ptr_sym(mode));
		if (attrs & (1u << 10))
			strcat(stars, " const");
		if (attrs & (1u << 9))
			strcat(stars, " volatile");
		types_fmt_array(t, b, pointee, stars, depth);
		return;
	} else {
		types_fmt(t, b, pointee, depth + 1);
		if (mode == 2 || mode == 3) {
			/* pointer to member: {u32 class, u16 representation} */
			uint32_t cls = cursor_u32(c);

			tbuf_str(b, " ");
			if (!c->bad)
				types_fmt(t, b, cls, depth + 1);
			tbuf_str(b, "::*");
		} else {
			tbuf_str(b, " ");
			tbuf_str(b, types_ptr_sym(mode));
		}
	}
	if (attrs & (1u << 10))
		tbuf_str(b, " const");
	if (attrs & (1u << 9))
		tbuf_str(b, " volatile");
}

static void types_fmt(const struct pdb_types *t, struct tbuf *b, uint32_t ti, unsigned depth)
{
	struct cursor c;
	const char *name;
	uint16_t leaf;

	if (!types_step(b, depth))
		return;
	if (ti < TI_FIRST) {
		name = types_simple_name(ti & 0xff);
		tbuf_str(b, name ? name : "<unknown>");
		if ((ti >> 8) & 0xf)
			tbuf_str(b, " *");
		return;
	}
	if (!types_rec(&t->tpi, ti, &leaf, &c)) {
		tbuf_str(b, "<unknown>");
		return;
	}
	switch (leaf) {
	case LF_MODIFIER: {
		uint32_t inner = cursor_u32(&c);
		uint16_t mods = cursor_u16(&c);

		types_fmt(t, b, inner, depth + 1);
		if (mods & 1)
			tbuf_str(b, " const");
		if (mods & 2)
			tbuf_str(b, " volatile");
		if (mods & 4)
			tbuf_str(b, " __unaligned");
		return;
	}
	case LF_POINTER:
		types_fmt_pointer(t, b, &c, depth);
		return;
	case LF_PROCEDURE:
	case LF_MFUNCTION:
		types_fmt_fnptr(t, b, leaf, &c, "", depth);
		return;
	case LF_ARRAY:
		types_fmt_array(t, b, ti, "", depth);
		return;
	case LF_BITFIELD:
		types_fmt(t, b, cursor_u32(&c), depth + 1);
		return;
	default:
		name = types_udt_name(leaf, &c);
		tbuf_str(b, name ? name : "<unknown>");
		return;
	}
}

enum sym_code pdb_types_open(struct pdb_types **out, const char *path, const uint8_t *tpi,
			     size_t tpi_len, const uint8_t *ipi, size_t ipi_len,
			     struct sym_err *err)
{
	struct pdb_types *t;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t || types_index(&t->tpi, tpi, tpi_len) < 0 ||
	    types_index(&t->ipi, ipi, ipi_len) < 0) {
		pdb_types_free(t);
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
	}
	*out = t;
	return SYM_OK;
}

void pdb_types_free(struct pdb_types *t)
{
	if (!t)
		return;
	free(t->tpi.off);
	free(t->tpi.rlen);
	free(t->ipi.off);
	free(t->ipi.rlen);
	free(t);
}

char *pdb_types_func_name(const struct pdb_types *t, const char *name, uint32_t ti)
{
	struct tbuf b;
	struct cursor c, ac;
	uint32_t this_ti = 0, args;
	uint16_t leaf, aleaf;

	tbuf_init(&b);
	if (!t || !types_rec(&t->tpi, ti, &leaf, &c) ||
	    (leaf != LF_PROCEDURE && leaf != LF_MFUNCTION))
		return strdup(name);
	cursor_skip(&c, 4);	/* return type */
	if (leaf == LF_MFUNCTION) {
		cursor_skip(&c, 4);	/* class */
		this_ti = cursor_u32(&c);
	}
	cursor_skip(&c, 4);	/* call conv, attrs, count */
	args = cursor_u32(&c);
	if (c.bad || !types_rec(&t->tpi, args, &aleaf, &ac) || aleaf != LF_ARGLIST)
		return strdup(name);

	/* The name is kept whole; the limit is on what the types add. */
	b.limit = SIZE_MAX - 1;
	tbuf_str(&b, name);
	b.limit = b.n + TYPES_MAX_NAME;
	tbuf_str(&b, "(");
	types_fmt_args(t, &b, args, 0);
	if (!b.full)
		tbuf_str(&b, ")");
	if (this_ti && !b.full) {
		/* A const member function's `this` points to a const class. */
		struct cursor pc, mc;
		uint16_t pleaf, mleaf;

		if (types_rec(&t->tpi, this_ti, &pleaf, &pc) && pleaf == LF_POINTER &&
		    types_rec(&t->tpi, cursor_u32(&pc), &mleaf, &mc) && mleaf == LF_MODIFIER) {
			uint16_t mods;

			cursor_skip(&mc, 4);
			mods = cursor_u16(&mc);
			if (!mc.bad && (mods & 1))
				tbuf_str(&b, " const");
			if (!mc.bad && (mods & 2))
				tbuf_str(&b, " volatile");
		}
	}
	return tbuf_take(&b);
}

/* Appends a scope string, with MSVC's anonymous namespace names ("?A0x"
 * and hex digits) written the way class names in the TPI write them. */
static void types_put_scope(struct tbuf *b, const char *s)
{
	while (*s) {
		const char *end = strstr(s, "::");
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len > 4 && !strncmp(s, "?A0x", 4) && strspn(s + 4, "0123456789abcdefABCDEF") ==
		    len - 4)
			tbuf_str(b, "`anonymous namespace'");
		else
			tbuf_put(b, s, len);
		if (!end)
			break;
		tbuf_str(b, "::");
		s = end + 2;
	}
}

char *pdb_types_inlinee_name(const struct pdb_types *t, uint32_t id)
{
	struct tbuf b;
	struct cursor c, sc;
	const char *name, *scope = NULL;
	uint32_t parent;
	uint16_t leaf, sleaf;

	tbuf_init(&b);
	if (!t || (id & 0x80000000u) || !types_rec(&t->ipi, id, &leaf, &c))
		return NULL;
	if (leaf == LF_FUNC_ID) {
		parent = cursor_u32(&c);
		cursor_skip(&c, 4);	/* type */
		name = cursor_cstr(&c);
		if (!name)
			return NULL;
		if (parent && types_rec(&t->ipi, parent, &sleaf, &sc) && sleaf == LF_STRING_ID) {
			cursor_skip(&sc, 4);	/* substring list */
			scope = cursor_cstr(&sc);
		}
		if (scope && *scope) {
			types_put_scope(&b, scope);
			tbuf_str(&b, "::");
		}
	} else if (leaf == LF_MFUNC_ID) {
		parent = cursor_u32(&c);
		cursor_skip(&c, 4);	/* type */
		name = cursor_cstr(&c);
		if (!name)
			return NULL;
		if (types_rec(&t->tpi, parent, &sleaf, &sc))
			scope = types_udt_name(sleaf, &sc);
		if (scope && *scope) {
			tbuf_str(&b, scope);
			tbuf_str(&b, "::");
		}
	} else {
		return NULL;
	}
	tbuf_str(&b, name);
	return tbuf_take(&b);
}
