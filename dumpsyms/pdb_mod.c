/* pdb_mod.c - one module stream of a PDB: procedures, separated code,
 * inline sites and C13 line data, turned into FUNC, line and INLINE
 * records (see pdb_int.h).
 *
 * The C13 subsections come after the symbols in the stream but are read
 * first: file checksums, line blocks and inlinee start lines are indexed,
 * then each procedure is collected with its inline sites until its S_END
 * and written at once.  All addresses are original RVAs until
 * pdb_map_range() maps them (identity without OMAP).
 *
 * A stream is read in two steps, so that streams can be read on several
 * threads: pdb_mod_read() reads it into a log of what it adds (files,
 * FUNCs with their names, ranges, lines, inlines), touching nothing
 * shared but what pdb_read() no longer changes; pdb_mod_apply() adds the
 * log to the module, in module order: file numbers, inline origins and
 * the names of folded functions depend on what came before.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "pdb_int.h"

#define CV_SIGNATURE_C13	4

#define S_END			0x0006
#define S_THUNK32		0x1102
#define S_BLOCK32		0x1103
#define S_WITH32		0x1104
#define S_LPROC32		0x110F
#define S_GPROC32		0x1110
#define S_GMANPROC		0x112A
#define S_LMANPROC		0x112B
#define S_SEPCODE		0x1132
#define S_LPROC32_ID		0x1146
#define S_GPROC32_ID		0x1147
#define S_INLINESITE		0x114D
#define S_INLINESITE_END	0x114E
#define S_PROC_ID_END		0x114F
#define S_LPROC32_DPC		0x1155
#define S_LPROC32_DPC_ID	0x1156
#define S_INLINESITE2		0x115D

#define DEBUG_S_IGNORE		0x80000000u
#define DEBUG_S_LINES		0xF2
#define DEBUG_S_FILECHKSMS	0xF4
#define DEBUG_S_INLINEELINES	0xF6

#define LINE_MARKER_A		0xFEEFEE
#define LINE_MARKER_B		0xF00F00

/* Scopes nest deeper than this only in hostile files: deeper ones are
 * tracked by count and their contents ignored. */
#define MAX_DEPTH		128
/* Inline ranges painted over one procedure's lines: each paint is linear,
 * so the count is capped. */
#define MAX_PAINTS		4096

/* a file id of the checksum subsection: its byte offset there */
struct mfile {
	uint32_t off;
	uint32_t name_off;	/* into /names */
	uint32_t index;		/* module file index; UINT32_MAX until resolved */
};

/* a line: [lo, hi) in original RVAs */
struct pline {
	uint32_t lo, hi, line, file;
};

struct inlinee_line {
	uint32_t id, file_id, line;
};

struct site {
	uint32_t depth;
	uint32_t parent;	/* index of the enclosing site, or UINT32_MAX */
	uint32_t inlinee;
	bool no_record;		/* no INLINE record (itself or a parent unusable) */
	size_t r0, nr;		/* slice of proc.ranges */
};

struct sepcode {
	uint32_t rva, len;
};

struct scope {
	uint16_t kind;
	uint32_t site;		/* for inline sites: index in proc.sites */
};

struct proc {
	bool open;
	uint16_t kind;
	const char *raw_name;	/* points into the stream */
	uint32_t ti;
	uint32_t rva, len;
	size_t depth;		/* scope depth of the proc record */
	VEC(struct site) sites;
	VEC(struct pline) ranges;	/* the sites' annotation ranges */
	VEC(struct sepcode) seps;
};

/* ---- the log --------------------------------------------------------- */

enum {
	MOP_FILE,	/* v[0]: name offset in /names; the next local file id */
	MOP_GROUP,	/* a FUNC: off/v[0] its name in names, v[1] faddr,
			 * v[2] parameter size */
	MOP_RANGE,	/* v[0] lo, v[1] hi: a range of the last FUNC */
	MOP_LINE,	/* v[0] addr, v[1] size, v[2] line, v[3] local file */
	MOP_INLINE,	/* v[0] depth, v[1] call line, v[2] call local file,
			 * v[3] inlinee id; off/v[4] its ranges in ranges */
};

struct mop {
	uint32_t kind;
	uint32_t v[5];
	size_t off;
};

struct pdb_modlog {
	VEC(struct mop) ops;
	VEC(char) names;
	VEC(struct mod_range) ranges;
	uint32_t nfiles;		/* local file ids given */
	VEC(uint32_t) fmap;		/* pdb_mod_apply(): local id -> module's */
};

static int log_op(struct pdb_modlog *l, uint32_t kind, uint32_t v0, uint32_t v1, uint32_t v2,
		  uint32_t v3, uint32_t v4, size_t off)
{
	struct mop op = { kind, { v0, v1, v2, v3, v4 }, off };

	return vec_push(l->ops, op);
}

struct pdb_modlog *pdb_modlog_new(void)
{
	return calloc(1, sizeof(struct pdb_modlog));
}

static void modlog_clear(struct pdb_modlog *l)
{
	l->ops.n = 0;
	l->names.n = 0;
	l->ranges.n = 0;
	l->nfiles = 0;
	l->fmap.n = 0;
}

void pdb_modlog_free(struct pdb_modlog *l)
{
	if (!l)
		return;
	free(l->ops.v);
	free(l->names.v);
	free(l->ranges.v);
	free(l->fmap.v);
	free(l);
}

struct modr {
	struct pdb_ctx *c;
	struct pdb_modlog *log;
	const char *modname;
	VEC(struct mfile) files;
	VEC(struct pline) lines;	/* all line entries, by lo */
	VEC(struct inlinee_line) inl;	/* by id */
	struct proc proc;
	/* scratch */
	VEC(struct pline) leaf, tmp, mapped;
	struct pdb_piece *pieces;
	size_t npieces, cap_pieces;
	VEC(struct mod_range) iranges;
};

/* ---- small helpers --------------------------------------------------- */

static int cmp_pline(const void *a, const void *b)
{
	const struct pline *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static int cmp_inlinee(const void *a, const void *b)
{
	const struct inlinee_line *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_mfile(const void *a, const void *b)
{
	const struct mfile *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_piece(const void *a, const void *b)
{
	const struct pdb_piece *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static int cmp_range(const void *a, const void *b)
{
	const struct mod_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* The local file id of checksum-table file id (given in the order the
 * files are first cited, as the module numbers them); UINT32_MAX when the
 * id is not an entry or its name is unreadable. */
static uint32_t modr_file(struct modr *r, uint32_t id)
{
	struct mfile key = { id, 0, 0 }, *f;
	const char *name;

	if (!r->files.n)
		return UINT32_MAX;
	f = bsearch(&key, r->files.v, r->files.n, sizeof(key), cmp_mfile);
	if (!f)
		return UINT32_MAX;
	if (f->index != UINT32_MAX)
		return f->index;
	if (!r->c->names)
		return UINT32_MAX;
	name = strsec_at((const uint8_t *)r->c->names, r->c->names_len, f->name_off);
	if (!name || r->log->nfiles == UINT32_MAX - 1)
		return UINT32_MAX;
	if (log_op(r->log, MOP_FILE, f->name_off, 0, 0, 0, 0, 0) < 0) {
		r->c->nomem = true;
		return UINT32_MAX;
	}
	f->index = r->log->nfiles++;
	return f->index;
}

static int push_pline(void *vec, uint32_t lo, uint32_t hi, uint32_t line, uint32_t file)
{
	VEC(struct pline) *v = vec;
	struct pline l = { lo, hi, line, file };

	return vec_push(*v, l);
}

/* ---- C13 subsections ------------------------------------------------- */

static void modr_checksums(struct modr *r, const uint8_t *d, size_t len)
{
	struct cursor cur = cursor_make(d, len, false);

	if (r->files.n) {
		pdb_warn(r->c, "module '%s': a second file checksum table is ignored",
			 r->modname);
		return;
	}
	while (cursor_left(&cur) >= 6) {
		struct mfile f;
		uint8_t csize;

		f.off = (uint32_t)cur.pos;
		f.name_off = cursor_u32(&cur);
		f.index = UINT32_MAX;
		csize = cursor_u8(&cur);
		cursor_u8(&cur);	/* kind */
		if (!cursor_skip(&cur, csize))
			break;
		cursor_skip(&cur, (4 - cur.pos % 4) % 4);
		if (vec_push(r->files, f) < 0) {
			r->c->nomem = true;
			return;
		}
	}
}

/* One DEBUG_S_LINES subsection: each entry runs to the next (even in the
 * next block) and the last to the end of the contribution.  Markers
 * (0xFEEFEE, 0xF00F00) are dropped: the line before runs on. */
static void modr_lines(struct modr *r, const uint8_t *d, size_t len)
{
	struct cursor cur = cursor_make(d, len, false);
	uint32_t off_con, cb_con, base, prev_off = 0, prev_line = 0, prev_file = UINT32_MAX;
	uint16_t seg, flags;
	bool have_prev = false;

	off_con = cursor_u32(&cur);
	seg = cursor_u16(&cur);
	flags = cursor_u16(&cur);
	cb_con = cursor_u32(&cur);
	if (cur.bad || !pdb_rva(r->c, seg, off_con, &base) || cb_con > UINT32_MAX - base) {
		pdb_warn(r->c, "module '%s': line block at %04x:%08x has a bad address",
			 r->modname, seg, off_con);
		return;
	}
	while (cursor_left(&cur) >= 12) {
		size_t start = cur.pos, entry = (flags & 1) ? 12 : 8;
		uint32_t file_id = cursor_u32(&cur), nlines = cursor_u32(&cur);
		uint32_t cb = cursor_u32(&cur), i, file;
		struct cursor lc;

		if (cb < 12 || cb - 12 > cursor_left(&cur) || nlines > (cb - 12) / entry) {
			pdb_warn(r->c, "module '%s': damaged line block at 0x%zx", r->modname,
				 start);
			break;
		}
		lc = cursor_make(d + cur.pos, (size_t)nlines * 8, false);
		cursor_skip(&cur, cb - 12);
		file = modr_file(r, file_id);
		if (file == UINT32_MAX)
			pdb_warn(r->c, "module '%s': line block cites unknown file id 0x%x",
				 r->modname, file_id);
		for (i = 0; i < nlines; i++) {
			uint32_t off = cursor_u32(&lc), line = cursor_u32(&lc) & 0xFFFFFF;
			if (line == LINE_MARKER_A || line == LINE_MARKER_B)
				continue;
			if (have_prev && prev_file != UINT32_MAX && off > prev_off &&
			    off <= cb_con &&
			    push_pline(&r->lines, base + prev_off, base + off, prev_line,
				       prev_file) < 0) {
				r->c->nomem = true;
				return;
			}
			have_prev = true;
			prev_off = off;
			prev_line = line;
			prev_file = file;
		}
	}
	if (have_prev && prev_file != UINT32_MAX && cb_con > prev_off &&
	    push_pline(&r->lines, base + prev_off, base + cb_con, prev_line, prev_file) < 0)
		r->c->nomem = true;
}

static void modr_inlinee_lines(struct modr *r, const uint8_t *d, size_t len)
{
	struct cursor cur = cursor_make(d, len, false);
	uint32_t sig = cursor_u32(&cur);

	while (cursor_left(&cur) >= 12 && !cur.bad) {
		struct inlinee_line e;

		e.id = cursor_u32(&cur);
		e.file_id = cursor_u32(&cur);
		e.line = cursor_u32(&cur);
		if (sig == 1) {
			uint32_t n = cursor_u32(&cur);
			if (n > cursor_left(&cur) / 4)
				break;
			cursor_skip(&cur, (size_t)n * 4);
		}
		if (cur.bad)
			break;
		if (vec_push(r->inl, e) < 0) {
			r->c->nomem = true;
			return;
		}
	}
}

static void modr_c13(struct modr *r, const uint8_t *d, size_t len)
{
	struct cursor cur = cursor_make(d, len, false);
	size_t pass;

	/* checksums first: line blocks and inlinee lines cite them */
	for (pass = 0; pass < 2; pass++) {
		cur.pos = 0;
		cur.bad = false;
		while (cursor_left(&cur) >= 8) {
			uint32_t kind = cursor_u32(&cur), n = cursor_u32(&cur);
			const uint8_t *sub;

			if (n > cursor_left(&cur)) {
				if (pass == 0)
					pdb_warn(r->c, "module '%s': C13 subsection 0x%x truncated",
						 r->modname, kind);
				break;
			}
			sub = cursor_bytes(&cur, n);
			cursor_skip(&cur, (4 - n % 4) % 4);
			if (kind & DEBUG_S_IGNORE)
				continue;
			if (pass == 0 && kind == DEBUG_S_FILECHKSMS)
				modr_checksums(r, sub, n);
			else if (pass == 1 && kind == DEBUG_S_LINES)
				modr_lines(r, sub, n);
			else if (pass == 1 && kind == DEBUG_S_INLINEELINES)
				modr_inlinee_lines(r, sub, n);
			if (r->c->nomem)
				return;
		}
		if (pass == 0 && r->files.n > 1)
			qsort(r->files.v, r->files.n, sizeof(*r->files.v), cmp_mfile);
	}
	if (r->lines.n > 1)
		qsort(r->lines.v, r->lines.n, sizeof(*r->lines.v), cmp_pline);
	if (r->inl.n > 1)
		qsort(r->inl.v, r->inl.n, sizeof(*r->inl.v), cmp_inlinee);
}

/* ---- inline sites ---------------------------------------------------- */

/* A compressed annotation number; false at the end or on a bad byte. */
static bool ann_uint(struct cursor *cur, uint32_t *v)
{
	uint8_t b1, b2, b3, b4;

	if (!cursor_left(cur))
		return false;
	b1 = cursor_u8(cur);
	if (b1 < 0x80) {
		*v = b1;
	} else if ((b1 & 0xC0) == 0x80) {
		b2 = cursor_u8(cur);
		*v = (uint32_t)(b1 & 0x3F) << 8 | b2;
	} else if ((b1 & 0xE0) == 0xC0) {
		b2 = cursor_u8(cur);
		b3 = cursor_u8(cur);
		b4 = cursor_u8(cur);
		*v = (uint32_t)(b1 & 0x1F) << 24 | (uint32_t)b2 << 16 | (uint32_t)b3 << 8 | b4;
	} else {
		return false;
	}
	return !cur->bad;
}

static int32_t ann_signed(uint32_t v)
{
	return (v & 1) ? -(int32_t)(v >> 1) : (int32_t)(v >> 1);
}

/* Closes the open range of a site at end (relative offsets). */
static int site_close(struct modr *r, bool *open, uint32_t start, uint32_t end,
		      uint32_t line, uint32_t file)
{
	struct proc *pr = &r->proc;

	if (!*open)
		return 0;
	*open = false;
	if (end <= start || file == UINT32_MAX || start >= pr->len)
		return 0;
	if (end > pr->len)
		end = pr->len;
	return push_pline(&pr->ranges, pr->rva + start, pr->rva + end, line, file);
}

/* Decodes the binary annotations of one inline site into ranges
 * (original RVAs, clipped to the procedure).  Returns -1 on no memory;
 * a bad file id marks the site unusable. */
static int site_decode(struct modr *r, struct site *s, const uint8_t *ann, size_t len)
{
	struct cursor cur = cursor_make(ann, len, false);
	struct inlinee_line key = { s->inlinee, 0, 0 }, *il;
	uint32_t off = 0, start = 0, line = 0, file = UINT32_MAX, op, a, b;
	bool open = false, has_len = false;
	uint32_t open_len = 0, open_line = 0, open_file = UINT32_MAX;

	il = r->inl.n ? bsearch(&key, r->inl.v, r->inl.n, sizeof(key), cmp_inlinee) : NULL;
	if (il) {
		line = il->line;
		file = modr_file(r, il->file_id);
	}
	s->r0 = r->proc.ranges.n;
	while (ann_uint(&cur, &op) && op != 0) {
		bool emit = false;
		uint32_t new_len = 0;

		switch (op) {
		case 1:		/* CodeOffset */
			if (!ann_uint(&cur, &a))
				goto done;
			off = a;
			break;
		case 2:		/* ChangeCodeOffsetBase */
			if (!ann_uint(&cur, &a))
				goto done;
			off += a;
			break;
		case 3:		/* ChangeCodeOffset */
			if (!ann_uint(&cur, &a))
				goto done;
			off += a;
			emit = true;
			break;
		case 4:		/* ChangeCodeLength */
			if (!ann_uint(&cur, &a))
				goto done;
			if (open && !has_len) {
				has_len = true;
				open_len = a;
			}
			off += a;
			break;
		case 5:		/* ChangeFile */
			if (!ann_uint(&cur, &a))
				goto done;
			file = modr_file(r, a);
			if (file == UINT32_MAX)
				s->no_record = true;
			break;
		case 6:		/* ChangeLineOffset */
			if (!ann_uint(&cur, &a))
				goto done;
			line += (uint32_t)ann_signed(a);
			break;
		case 7: case 8: case 9: case 10: case 13:
			if (!ann_uint(&cur, &a))
				goto done;
			break;
		case 11:	/* ChangeCodeOffsetAndLineOffset */
			if (!ann_uint(&cur, &a))
				goto done;
			line += (uint32_t)ann_signed(a >> 4);
			off += a & 0xF;
			emit = true;
			break;
		case 12:	/* ChangeCodeLengthAndCodeOffset */
			if (!ann_uint(&cur, &a) || !ann_uint(&cur, &b))
				goto done;
			off += b;
			new_len = a;
			emit = true;
			break;
		default:
			goto done;
		}
		if (emit) {
			if (site_close(r, &open, start, has_len ? start + open_len : off,
				       open_line, open_file) < 0)
				return -1;
			open = true;
			start = off;
			has_len = op == 12;
			open_len = new_len;
			open_line = line;
			open_file = file;
		}
	}
done:
	/* a last range without a length has no known end */
	if (open && has_len && site_close(r, &open, start, start + open_len, open_line,
					  open_file) < 0)
		return -1;
	s->nr = r->proc.ranges.n - s->r0;
	if (!s->nr)
		s->no_record = true;
	return 0;
}

/* ---- writing one procedure ------------------------------------------- */

/* Paints range x over the sorted, disjoint lines of r->leaf. */
static int leaf_paint(struct modr *r, const struct pline *x)
{
	size_t i;
	bool placed = false;

	r->tmp.n = 0;
	for (i = 0; i < r->leaf.n; i++) {
		struct pline l = r->leaf.v[i];
		if (l.hi <= x->lo || l.lo >= x->hi) {
			if (!placed && l.lo >= x->hi) {
				if (vec_push(r->tmp, *x) < 0)
					return -1;
				placed = true;
			}
			if (vec_push(r->tmp, l) < 0)
				return -1;
			continue;
		}
		if (l.lo < x->lo && push_pline(&r->tmp, l.lo, x->lo, l.line, l.file) < 0)
			return -1;
		if (!placed) {
			if (vec_push(r->tmp, *x) < 0)
				return -1;
			placed = true;
		}
		if (l.hi > x->hi && push_pline(&r->tmp, x->hi, l.hi, l.line, l.file) < 0)
			return -1;
	}
	if (!placed && vec_push(r->tmp, *x) < 0)
		return -1;
	{	/* swap */
		struct pline *v = r->leaf.v;
		size_t cap = r->leaf.cap;
		r->leaf.v = r->tmp.v;
		r->leaf.n = r->tmp.n;
		r->leaf.cap = r->tmp.cap;
		r->tmp.v = v;
		r->tmp.cap = cap;
		r->tmp.n = 0;
	}
	return 0;
}

/* Appends the module lines inside [lo, hi), clipped, to v. */
static int lines_in(struct modr *r, uint32_t lo, uint32_t hi, void *vec)
{
	size_t a = 0, b = r->lines.n, i;
	uint32_t end = 0;

	/* first entry with lo >= lo, then step back over ones reaching in */
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (r->lines.v[mid].lo < lo)
			a = mid + 1;
		else
			b = mid;
	}
	i = a;
	while (i > 0 && a - i < 16 && r->lines.v[i - 1].hi > lo)
		i--;
	for (; i < r->lines.n && r->lines.v[i].lo < hi; i++) {
		struct pline l = r->lines.v[i];
		if (l.hi <= lo)
			continue;
		if (l.lo < lo)
			l.lo = lo;
		if (l.hi > hi)
			l.hi = hi;
		/* folded copies of one function bring a second line table for
		 * the same bytes: the first wins */
		if (end > l.lo) {
			if (end >= l.hi)
				continue;
			l.lo = end;
		}
		if (push_pline(vec, l.lo, l.hi, l.line, l.file) < 0)
			return -1;
		end = l.hi;
	}
	return 0;
}

/* The line of v[0..n) at address a, for call sites: the one covering a,
 * else the last one before a, else the first one after it (clang leaves
 * inlined code out of the caller's line table). */
static const struct pline *line_at(const struct pline *v, size_t n, uint32_t a)
{
	const struct pline *before = NULL, *after = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].lo <= a && a < v[i].hi)
			return &v[i];
		if (v[i].hi <= a && (!before || v[i].hi > before->hi))
			before = &v[i];
		if (v[i].lo > a && (!after || v[i].lo < after->lo))
			after = &v[i];
	}
	return before ? before : after;
}

/* line_at() over sorted, disjoint lines, in O(log n). */
static const struct pline *sorted_line_at(const struct pline *v, size_t n, uint32_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* the first line starting after a */
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0)
		return &v[lo - 1];	/* covers a, or the last one before it */
	return n ? &v[0] : NULL;
}

/* Maps lines v[0..n) into r->mapped. */
static int map_lines(struct modr *r, const struct pline *v, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		r->npieces = 0;
		if (pdb_map_range(r->c, v[i].lo, v[i].hi - v[i].lo, &r->pieces, &r->npieces,
				  &r->cap_pieces) < 0)
			return -1;
		for (k = 0; k < r->npieces; k++)
			if (push_pline(&r->mapped, r->pieces[k].lo, r->pieces[k].hi, v[i].line,
				       v[i].file) < 0)
				return -1;
	}
	return 0;
}

/* The module's inline origin of inlinee id, added when new (pdb_mod_apply()). */
static uint32_t pdb_origin(struct pdb_ctx *c, uint32_t id)
{
	size_t i, ncap;
	uint32_t origin;
	char *name;

	if (c->origins.cap) {
		i = (id * 2654435761u) & (c->origins.cap - 1);
		while (c->origins.vals[i]) {
			if (c->origins.keys[i] == id)
				return c->origins.vals[i] - 1;
			i = (i + 1) & (c->origins.cap - 1);
		}
	}
	if (c->origins.n * 2 >= c->origins.cap) {
		uint32_t *nk, *nv;
		ncap = c->origins.cap ? c->origins.cap * 2 : 64;
		nk = calloc(ncap, sizeof(*nk));
		nv = calloc(ncap, sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return UINT32_MAX;
		}
		for (i = 0; i < c->origins.cap; i++) {
			size_t j;
			if (!c->origins.vals[i])
				continue;
			j = (c->origins.keys[i] * 2654435761u) & (ncap - 1);
			while (nv[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = c->origins.keys[i];
			nv[j] = c->origins.vals[i];
		}
		free(c->origins.keys);
		free(c->origins.vals);
		c->origins.keys = nk;
		c->origins.vals = nv;
		c->origins.cap = ncap;
	}
	origin = module_add_origin(c->m);
	if (origin == UINT32_MAX)
		return UINT32_MAX;
	name = pdb_types_inlinee_name(c->types, id);
	if (name) {
		const char *in = module_intern(c->m, name, strlen(name));
		free(name);
		if (!in)
			return UINT32_MAX;
		module_name_origin(c->m, origin, in);
	}
	i = (id * 2654435761u) & (c->origins.cap - 1);
	while (c->origins.vals[i])
		i = (i + 1) & (c->origins.cap - 1);
	c->origins.keys[i] = id;
	c->origins.vals[i] = origin + 1;
	c->origins.n++;
	return origin;
}

/* INLINE records of the current procedure's sites, for its FUNC. */
static int proc_inlines(struct modr *r, const struct pline *raw, size_t nraw)
{
	struct proc *pr = &r->proc;
	size_t i, k;

	for (i = 0; i < pr->sites.n; i++) {
		struct site *s = &pr->sites.v[i];
		const struct pline *first = NULL, *call = NULL;
		uint32_t call_line = 0, call_file = UINT32_MAX;

		if (s->no_record)
			continue;
		for (k = 0; k < s->nr; k++) {
			const struct pline *x = &pr->ranges.v[s->r0 + k];
			if (!first || x->lo < first->lo)
				first = x;
		}
		if (s->parent == UINT32_MAX) {
			call = sorted_line_at(raw, nraw, first->lo);
		} else {
			const struct site *ps = &pr->sites.v[s->parent];
			call = line_at(pr->ranges.v + ps->r0, ps->nr, first->lo);
		}
		if (call) {
			call_line = call->line;
			call_file = call->file;
		}
		r->iranges.n = 0;
		for (k = 0; k < s->nr; k++) {
			const struct pline *x = &pr->ranges.v[s->r0 + k];
			size_t q;
			r->npieces = 0;
			if (pdb_map_range(r->c, x->lo, x->hi - x->lo, &r->pieces, &r->npieces,
					  &r->cap_pieces) < 0)
				return -1;
			for (q = 0; q < r->npieces; q++) {
				struct mod_range mr = { r->pieces[q].lo, r->pieces[q].hi };
				if (vec_push(r->iranges, mr) < 0)
					return -1;
			}
		}
		if (r->iranges.n > 1) {
			size_t o = 0;
			qsort(r->iranges.v, r->iranges.n, sizeof(*r->iranges.v), cmp_range);
			for (k = 1; k < r->iranges.n; k++) {
				if (r->iranges.v[k].lo <= r->iranges.v[o].hi) {
					if (r->iranges.v[k].hi > r->iranges.v[o].hi)
						r->iranges.v[o].hi = r->iranges.v[k].hi;
				} else {
					r->iranges.v[++o] = r->iranges.v[k];
				}
			}
			r->iranges.n = o + 1;
		}
		/* the origin is added even when no range is left */
		if (r->iranges.n > UINT32_MAX ||
		    log_op(r->log, MOP_INLINE, s->depth, call_line, call_file, s->inlinee,
			   (uint32_t)r->iranges.n, r->log->ranges.n) < 0 ||
		    vec_reserve(r->log->ranges, r->iranges.n) < 0)
			return -1;
		if (r->iranges.n) {
			memcpy(r->log->ranges.v + r->log->ranges.n, r->iranges.v,
			       r->iranges.n * sizeof(*r->iranges.v));
			r->log->ranges.n += r->iranges.n;
		}
	}
	return 0;
}

/* A fastcall procedure's record keeps the decoration ("@_EH4_LocalUnwind@16"):
 * the name without it, in buf, or name itself. */
static const char *proc_plain_name(const char *name, char *buf, size_t size)
{
	const char *at;
	size_t n, i;

	if (name[0] != '@' || !(at = strchr(name + 1, '@')) || !at[1])
		return name;
	for (i = 1; at[i]; i++)
		if (at[i] < '0' || at[i] > '9')
			return name;
	n = (size_t)(at - name) - 1;
	if (!n || n >= size)
		return name;
	memcpy(buf, name + 1, n);
	buf[n] = 0;
	return buf;
}

static size_t start_slot(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

/* Folded code (several procedures at one address) keeps, as Breakpad
 * does, the smallest name: the module keeps the first group added at an
 * address, so that one takes the smallest name and the new one the other
 * (still different, so the FUNC is marked 'm').  0 or -1 (no memory). */
static int group_smallest_name(struct pdb_ctx *c, size_t g)
{
	struct mod_group *grp = &c->m->groups.v[g];
	uint64_t key = grp->faddr;
	size_t i;

	if (c->starts.n * 2 >= c->starts.cap) {
		size_t ncap = c->starts.cap ? c->starts.cap * 2 : 256, j;
		uint64_t *nk = calloc(ncap, sizeof(*nk));
		size_t *nv = calloc(ncap, sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -1;
		}
		for (i = 0; i < c->starts.cap; i++) {
			if (!c->starts.vals[i])
				continue;
			j = start_slot(c->starts.keys[i], ncap);
			while (nv[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = c->starts.keys[i];
			nv[j] = c->starts.vals[i];
		}
		free(c->starts.keys);
		free(c->starts.vals);
		c->starts.keys = nk;
		c->starts.vals = nv;
		c->starts.cap = ncap;
	}
	i = start_slot(key, c->starts.cap);
	while (c->starts.vals[i]) {
		if (c->starts.keys[i] == key) {
			struct mod_group *first = &c->m->groups.v[c->starts.vals[i] - 1];
			const char *name = grp->name;
			if (strcmp(name, first->name) < 0) {
				module_rename_group(c->m, g, first->name);
				module_rename_group(c->m, c->starts.vals[i] - 1, name);
			}
			return 0;
		}
		i = (i + 1) & (c->starts.cap - 1);
	}
	c->starts.keys[i] = key;
	c->starts.vals[i] = g + 1;
	c->starts.n++;
	return 0;
}

/* The name of a FUNC, appended to the log's names; -1 when out of memory. */
static int log_name(struct pdb_modlog *l, const char *name, size_t n)
{
	if (!n)
		return 0;
	if (vec_reserve(l->names, n) < 0)
		return -1;
	memcpy(l->names.v + l->names.n, name, n);
	l->names.n += n;
	return 0;
}

/* Writes the open procedure to the log: its FUNC ranges (mapped), their
 * leaf lines and its inlines. */
static int proc_write(struct modr *r)
{
	struct pdb_ctx *c = r->c;
	struct proc *pr = &r->proc;
	char *full = NULL;
	size_t i, k, nraw, li, npaints = 0, name_off, name_len;
	uint32_t ti;
	char plain[256];
	int rc = -1;

	pr->open = false;
	if (!pr->len || !pr->raw_name)
		return 0;
	/* the procedure's own lines, then the inline sites painted over them,
	 * outer sites first so that deeper ones win */
	r->leaf.n = 0;
	if (lines_in(r, pr->rva, pr->rva + pr->len, &r->leaf) < 0)
		return -1;
	nraw = r->leaf.n;
	/* keep a copy of the raw lines for call sites: r->mapped is free now */
	r->mapped.n = 0;
	if (vec_reserve(r->mapped, nraw + 1) < 0)
		return -1;
	if (nraw)
		memcpy(r->mapped.v, r->leaf.v, nraw * sizeof(*r->leaf.v));
	r->mapped.n = nraw;
	{
		uint32_t depth, maxd = 0;
		for (i = 0; i < pr->sites.n; i++)
			if (pr->sites.v[i].depth > maxd)
				maxd = pr->sites.v[i].depth;
		for (depth = 0; depth <= maxd && pr->sites.n; depth++) {
			for (i = 0; i < pr->sites.n; i++) {
				const struct site *s = &pr->sites.v[i];
				if (s->depth != depth)
					continue;
				for (k = 0; k < s->nr; k++) {
					if (++npaints > MAX_PAINTS)
						break;
					if (leaf_paint(r, &pr->ranges.v[s->r0 + k]) < 0)
						return -1;
				}
			}
		}
		if (npaints > MAX_PAINTS)
			pdb_warn(c, "module '%s': too many inline ranges in one function; lines of the rest are the caller's",
				 r->modname);
	}

	/* the FUNC pieces of the main range and of the separated ones */
	r->npieces = 0;
	if (pdb_map_range(c, pr->rva, pr->len, &r->pieces, &r->npieces, &r->cap_pieces) < 0)
		return -1;
	for (i = 0; i < pr->seps.n; i++)
		if (pdb_map_range(c, pr->seps.v[i].rva, pr->seps.v[i].len, &r->pieces,
				  &r->npieces, &r->cap_pieces) < 0)
			return -1;
	if (!r->npieces)
		return 0;

	/* the name */
	ti = (pr->kind == S_GPROC32 || pr->kind == S_LPROC32 || pr->kind == S_LPROC32_DPC) ?
		pr->ti : 0;
	name_off = r->log->names.n;
	{
		const char *bare = proc_plain_name(pr->raw_name, plain, sizeof(plain));
		const char *cname = pdb_c_name(c, pr->rva, pr->raw_name, bare);
		int bad;

		if (cname) {
			bad = log_name(r->log, cname, strlen(cname));
		} else {
			/* as DIA, "()" when the type does not give the arguments
			 * (SEH funclets "f$fin$0" have no type) */
			full = pdb_types_func_name(c->types, bare, ti);
			if (!full)
				return -1;
			bad = log_name(r->log, full, strlen(full));
			if (!bad && !strcmp(full, bare))
				bad = log_name(r->log, "()", 2);
			free(full);
		}
		if (bad)
			return -1;
		name_len = r->log->names.n - name_off;
		if (name_len > UINT32_MAX)
			return -1;
	}
	if (log_op(r->log, MOP_GROUP, (uint32_t)name_len, r->pieces[0].lo,
		   c->x86 ? pdb_param_size(c, pr->rva) : 0, 0, 0, name_off) < 0)
		return -1;
	{
		/* the pieces array is reused by map_lines: keep a copy */
		struct pdb_piece *fp = malloc(r->npieces * sizeof(*fp));
		size_t nfp = r->npieces;
		VEC(struct pline) sep = { NULL, 0, 0 };

		if (!fp)
			return -1;
		memcpy(fp, r->pieces, nfp * sizeof(*fp));
		qsort(fp, nfp, sizeof(*fp), cmp_piece);
		/* leaf lines of the main range, raw lines of the separated ones */
		for (i = 0; i < pr->seps.n; i++)
			if (lines_in(r, pr->seps.v[i].rva, pr->seps.v[i].rva + pr->seps.v[i].len,
				     &sep) < 0)
				goto piece_out;
		r->tmp.n = 0;	/* raw lines saved in tmp while mapped is rebuilt */
		if (vec_reserve(r->tmp, nraw + 1) < 0)
			goto piece_out;
		if (nraw)
			memcpy(r->tmp.v, r->mapped.v, nraw * sizeof(*r->tmp.v));
		r->tmp.n = nraw;
		r->mapped.n = 0;
		if (map_lines(r, r->leaf.v, r->leaf.n) < 0 || map_lines(r, sep.v, sep.n) < 0)
			goto piece_out;
		if (r->mapped.n > 1)
			qsort(r->mapped.v, r->mapped.n, sizeof(*r->mapped.v), cmp_pline);
		li = 0;
		for (i = 0; i < nfp; i++) {
			uint32_t lo = fp[i].lo, hi = fp[i].hi;
			if (log_op(r->log, MOP_RANGE, lo, hi, 0, 0, 0, 0) < 0)
				goto piece_out;
			while (li < r->mapped.n && r->mapped.v[li].hi <= lo)
				li++;
			for (k = li; k < r->mapped.n && r->mapped.v[k].lo < hi; k++) {
				const struct pline *l = &r->mapped.v[k];
				uint32_t a = l->lo < lo ? lo : l->lo, b = l->hi > hi ? hi : l->hi;
				if (a < b && log_op(r->log, MOP_LINE, a, b - a, l->line, l->file, 0,
						    0) < 0)
					goto piece_out;
			}
		}
		if (c->opt->inlines && proc_inlines(r, r->tmp.v, r->tmp.n) < 0)
			goto piece_out;
		rc = 0;
piece_out:
		free(fp);
		free(sep.v);
	}
	return rc;
}

/* ---- the symbol walk ------------------------------------------------- */

static bool is_proc(uint16_t kind)
{
	return kind == S_GPROC32 || kind == S_LPROC32 || kind == S_GPROC32_ID ||
	       kind == S_LPROC32_ID || kind == S_LPROC32_DPC || kind == S_LPROC32_DPC_ID;
}

/* Records closed by an S_END (or the _ID/inline ends): the old 16-bit
 * and _ST kinds are scopes too, though nothing else is read from them. */
static bool is_scope(uint16_t kind)
{
	switch (kind) {
	case S_THUNK32: case S_BLOCK32: case S_WITH32: case S_SEPCODE:
	case S_INLINESITE: case S_INLINESITE2: case S_GMANPROC: case S_LMANPROC:
	case 0x0204: case 0x0205: case 0x0206: case 0x0207: case 0x0208:	/* _16t, _ST */
	case 0x100A: case 0x100B:	/* S_LPROC32_ST, S_GPROC32_ST */
		return true;
	default:
		return is_proc(kind);
	}
}

static bool is_end(uint16_t kind)
{
	return kind == S_END || kind == S_PROC_ID_END || kind == S_INLINESITE_END;
}

static void proc_reset(struct proc *pr)
{
	pr->open = false;
	pr->sites.n = 0;
	pr->ranges.n = 0;
	pr->seps.n = 0;
	pr->raw_name = NULL;
}

static int modr_symbols(struct modr *r, const uint8_t *d, size_t len)
{
	struct scope stack[MAX_DEPTH];
	size_t depth = 0, extra = 0, pos = 4;
	struct proc *pr = &r->proc;

	while (len - pos >= 4) {
		struct cursor cur = cursor_make(d + pos, len - pos, false);
		uint16_t reclen = cursor_u16(&cur), kind;
		size_t at = pos;

		if (reclen < 2 || reclen > len - pos - 2) {
			pdb_warn(r->c, "module '%s': bad symbol record length %u at 0x%zx",
				 r->modname, reclen, pos);
			break;
		}
		cur.len = (size_t)reclen + 2;
		pos += (size_t)reclen + 2;
		kind = cursor_u16(&cur);

		if (is_end(kind)) {
			if (extra) {
				extra--;
				continue;
			}
			if (!depth)
				continue;
			depth--;
			if (pr->open && depth == pr->depth && proc_write(r) < 0)
				return -1;
			if (!pr->open)
				proc_reset(pr);
			continue;
		}
		if (!is_scope(kind))
			continue;
		if (depth == MAX_DEPTH || extra) {
			extra++;
			continue;
		}
		stack[depth].kind = kind;
		stack[depth].site = UINT32_MAX;
		if (is_proc(kind)) {
			uint32_t len_, ti, off, rva;
			uint16_t seg;
			const char *name;

			if (pr->open) {
				/* a procedure inside a procedure: write the outer one */
				if (proc_write(r) < 0)
					return -1;
				proc_reset(pr);
			}
			cursor_skip(&cur, 12);	/* pParent, pEnd, pNext */
			len_ = cursor_u32(&cur);
			cursor_skip(&cur, 8);	/* debug start, end */
			ti = cursor_u32(&cur);
			off = cursor_u32(&cur);
			seg = cursor_u16(&cur);
			cursor_u8(&cur);	/* flags */
			name = cursor_cstr(&cur);
			if (cur.bad || !pdb_rva(r->c, seg, off, &rva)) {
				pdb_warn(r->c, "module '%s': damaged procedure at 0x%zx", r->modname,
					 at);
			} else {
				pr->open = true;
				pr->kind = kind;
				pr->raw_name = name;
				pr->ti = ti;
				pr->rva = rva;
				pr->len = len_ > UINT32_MAX - rva ? UINT32_MAX - rva : len_;
				pr->depth = depth;
			}
		} else if (kind == S_SEPCODE && pr->open) {
			struct sepcode sc;
			uint32_t off, rva;
			uint16_t sect;

			cursor_skip(&cur, 8);	/* pParent, pEnd */
			sc.len = cursor_u32(&cur);
			cursor_u32(&cur);	/* flags */
			off = cursor_u32(&cur);
			cursor_u32(&cur);	/* parent offset */
			sect = cursor_u16(&cur);
			if (!cur.bad && pdb_rva(r->c, sect, off, &rva) && sc.len &&
			    sc.len <= UINT32_MAX - rva) {
				sc.rva = rva;
				if (vec_push(pr->seps, sc) < 0)
					return -1;
			}
		} else if ((kind == S_INLINESITE || kind == S_INLINESITE2) && pr->open) {
			struct site s;
			size_t k;

			memset(&s, 0, sizeof(s));
			s.parent = UINT32_MAX;
			for (k = depth; k > pr->depth + 1; k--) {
				if (stack[k - 1].site != UINT32_MAX) {
					s.parent = stack[k - 1].site;
					break;
				}
			}
			if (s.parent != UINT32_MAX) {
				s.depth = pr->sites.v[s.parent].depth + 1;
				s.no_record = pr->sites.v[s.parent].no_record;
			}
			cursor_skip(&cur, 8);	/* pParent, pEnd */
			s.inlinee = cursor_u32(&cur);
			if (kind == S_INLINESITE2)
				cursor_u32(&cur);	/* invocations */
			if (!cur.bad) {
				if (site_decode(r, &s, cur.base + cur.pos, cur.len - cur.pos) < 0)
					return -1;
				if (pr->sites.n < UINT32_MAX - 1) {
					if (vec_push(pr->sites, s) < 0)
						return -1;
					stack[depth].site = (uint32_t)pr->sites.n - 1;
				}
			}
		}
		depth++;
	}
	if (pr->open && proc_write(r) < 0)
		return -1;
	proc_reset(pr);
	return 0;
}

enum sym_code pdb_mod_read(struct pdb_ctx *c, uint32_t stream, const char *modname,
			   uint32_t sym_bytes, uint32_t c11_bytes, uint32_t c13_bytes,
			   struct pdb_modlog *log, struct sym_err *err)
{
	struct modr r;
	struct pdb_stream st;
	const uint8_t *buf;
	size_t len, c13_off;
	struct sym_err e;
	enum sym_code result = SYM_OK;
	struct cursor cur;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.log = log;
	r.modname = modname;
	modlog_clear(log);
	sym_err_clear(&e);
	result = pdb_msf_stream(&c->p->msf, stream, "module", &st, &e);
	if (result == SYM_ENOMEM)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
	if (result != SYM_OK) {
		pdb_warn(c, "module '%s': %s", modname, e.msg);
		return SYM_OK;
	}
	buf = st.data;
	len = st.len;
	if (!buf)
		return SYM_OK;
	cur = cursor_make(buf, len, false);
	if (cursor_u32(&cur) != CV_SIGNATURE_C13) {
		pdb_warn(c, "module '%s': stream %u is not CodeView C13", modname, stream);
		goto out;
	}
	if (sym_bytes > len) {
		pdb_warn(c, "module '%s': symbols truncated (%u of %zu bytes)", modname, sym_bytes,
			 len);
		sym_bytes = (uint32_t)len;
	}
	c13_off = sym_bytes;
	if (c11_bytes > len - c13_off) {
		pdb_warn(c, "module '%s': C11 lines truncated", modname);
		c13_off = len;
	} else {
		c13_off += c11_bytes;
	}
	if (c13_bytes > len - c13_off) {
		pdb_warn(c, "module '%s': C13 line data truncated", modname);
		c13_bytes = (uint32_t)(len - c13_off);
	}
	modr_c13(&r, buf + c13_off, c13_bytes);
	if (!c->nomem && sym_bytes >= 4 && modr_symbols(&r, buf, sym_bytes) < 0)
		c->nomem = true;
out:
	if (c->nomem)
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
	pdb_stream_release(&st);
	free(r.files.v);
	free(r.lines.v);
	free(r.inl.v);
	free(r.proc.sites.v);
	free(r.proc.ranges.v);
	free(r.proc.seps.v);
	free(r.leaf.v);
	free(r.tmp.v);
	free(r.mapped.v);
	free(r.pieces);
	free(r.iranges.v);
	return result;
}

/* A local file id of the log as the module's; UINT32_MAX stays. */
static uint32_t apply_file(const struct pdb_modlog *l, uint32_t id)
{
	return id < l->fmap.n ? l->fmap.v[id] : UINT32_MAX;
}

enum sym_code pdb_mod_apply(struct pdb_ctx *c, struct pdb_modlog *l, struct sym_err *err)
{
	struct module *m = c->m;
	size_t i, g = SIZE_MAX;

	for (i = 0; i < l->ops.n; i++) {
		const struct mop *op = &l->ops.v[i];

		switch (op->kind) {
		case MOP_FILE: {
			const char *name = strsec_at((const uint8_t *)c->names, c->names_len,
						     op->v[0]);
			uint32_t f;

			name = name ? module_intern(m, name, strlen(name)) : NULL;
			f = name ? module_file(m, name) : UINT32_MAX;
			if (f == UINT32_MAX || vec_push(l->fmap, f) < 0)
				goto nomem;
			break;
		}
		case MOP_GROUP: {
			const char *name = module_intern(m, op->v[0] ? l->names.v + op->off : "",
							 op->v[0]);

			if (!name)
				goto nomem;
			/* a FUNC outside the image is not added, nor its lines */
			g = module_add_group(m, name, op->v[1]);
			if (g == SIZE_MAX)
				break;
			if (g == SIZE_MAX - 1 || group_smallest_name(c, g) < 0)
				goto nomem;
			if (op->v[2])
				module_set_group_params(m, g, op->v[2]);
			break;
		}
		case MOP_RANGE:
			if (g != SIZE_MAX && module_open_range(m, g, op->v[0], op->v[1]) < 0)
				goto nomem;
			break;
		case MOP_LINE:
			if (g != SIZE_MAX &&
			    module_add_line(m, op->v[0], op->v[1], op->v[2], apply_file(l, op->v[3])) < 0)
				goto nomem;
			break;
		case MOP_INLINE: {
			uint32_t origin;

			if (g == SIZE_MAX)
				break;
			origin = pdb_origin(c, op->v[3]);
			if (origin == UINT32_MAX)
				goto nomem;
			if (op->v[4] && module_add_inline(m, g, op->v[0], op->v[1],
							  apply_file(l, op->v[2]), origin,
							  l->ranges.v + op->off, op->v[4]) < 0)
				goto nomem;
			break;
		}
		}
	}
	modlog_clear(l);
	return SYM_OK;
nomem:
	modlog_clear(l);
	return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
}
