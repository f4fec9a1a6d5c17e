/* pdb_frame.c - STACK WIN records from a PDB's FPO and FrameData streams.
 *
 * FPO_DATA (16 bytes, winnt.h): u32 start, u32 size, u32 locals (dwords),
 * u16 params (dwords), u16 attributes: bits 0-7 prolog bytes, 8-10 saved
 * registers, 11 SEH, 12 uses EBP, 13 reserved, 14-15 frame type.  Some
 * readers take EBP from bit 10; the bit layout here is the PE spec's, which
 * the Breakpad test data confirms.
 *
 * FRAMEDATA (32 bytes, cvinfo.h): u32 start, size, locals, params, max
 * stack, program (offset in /names), u16 prolog, u16 saved registers, u32
 * flags.  A stream of 4 mod 32 bytes starts with a u32 to skip.
 *
 * Both tables are walked in address order (stable, FrameData first at one
 * address).  An FPO entry at the start of a FrameData entry is kept, as
 * Breakpad keeps it (the test data has both at 0x12d4; walkers prefer type
 * 4).  An entry equal to the one before in type, start, size and prolog is
 * dropped (system PDBs have runs of them).  With OMAP, the prolog and the body are mapped separately:
 * one record when they stay one contiguous piece each and touch, else one
 * record per prolog piece (all prolog) and per body piece (no prolog).
 */
#include "config.h"
#include "pdb_frame.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "vec.h"

#define FPO_SIZE	16
#define FRAMEDATA_SIZE	32
#define FRAME_MAX_BLOCK	0x7fffffffu	/* larger blocks are garbage (system PDBs) */
#define FRAME_MAX_WARN	10		/* entries warned about one by one */

struct frame {
	struct mod_stack_win w;
	size_t seq;		/* input order, for a stable sort */
};

struct frame_vec {
	struct frame *v;
	size_t n, cap;
};

struct frame_ctx {
	const char *path;
	bool verbose;
	size_t skipped;
};

static void frame_warn(struct frame_ctx *fc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void frame_warn(struct frame_ctx *fc, const char *fmt, ...)
{
	va_list ap;

	if (fc->skipped++ >= FRAME_MAX_WARN || !fc->verbose)
		return;	/* the count is reported at the end */
	fprintf(stderr, "dumpsyms: warning: %s: ", fc->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Decodes the FPO stream into v; 0, or -1 when out of memory. */
static int frame_read_fpo(struct frame_ctx *fc, const uint8_t *p, size_t len,
			  struct frame_vec *v)
{
	struct cursor c = cursor_make(p, p ? len : 0, false);
	size_t i, count = cursor_left(&c) / FPO_SIZE;

	if (vec_reserve(*v, count) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		struct frame f;
		uint32_t start = cursor_u32(&c);
		uint32_t size = cursor_u32(&c);
		uint32_t locals = cursor_u32(&c);
		uint16_t params = cursor_u16(&c);
		uint16_t attrs = cursor_u16(&c);

		if (size > FRAME_MAX_BLOCK || size > UINT32_MAX - start || locals > UINT32_MAX / 4) {
			frame_warn(fc, "FPO entry %zu at 0x%" PRIx32 " has an impossible size",
				   i, start);
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.w.addr = start;
		f.w.size = size;
		f.w.prolog = attrs & 0xff;
		f.w.params = (uint32_t)params * 4;
		f.w.saved_regs = ((attrs >> 8) & 7u) * 4;
		f.w.locals = locals * 4;
		f.w.type = (uint8_t)(attrs >> 14);
		f.w.allocates_bp = (attrs >> 12) & 1;
		f.seq = v->n;
		v->v[v->n++] = f;
	}
	if (cursor_left(&c) && fc->verbose)
		fprintf(stderr, "dumpsyms: warning: %s: FPO stream ends in a partial entry\n",
			fc->path);
	return 0;
}

/* Decodes the FrameData stream into v; 0, or -1 when out of memory. */
static int frame_read_framedata(struct frame_ctx *fc, const uint8_t *p, size_t len,
				const char *names, size_t names_len, struct frame_vec *v)
{
	struct cursor c = cursor_make(p, p ? len : 0, false);
	size_t i, count;

	if (cursor_left(&c) % FRAMEDATA_SIZE == 4)
		cursor_skip(&c, 4);
	count = cursor_left(&c) / FRAMEDATA_SIZE;
	if (vec_reserve(*v, count) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		struct frame f;
		const char *prog;

		memset(&f, 0, sizeof(f));
		f.w.addr = cursor_u32(&c);
		f.w.size = cursor_u32(&c);
		f.w.locals = cursor_u32(&c);
		f.w.params = cursor_u32(&c);
		f.w.max_stack = cursor_u32(&c);
		prog = strsec_at((const uint8_t *)names, names ? names_len : 0, cursor_u32(&c));
		f.w.prolog = cursor_u16(&c);
		f.w.saved_regs = cursor_u16(&c);
		cursor_skip(&c, 4);	/* flags */
		if (f.w.size > FRAME_MAX_BLOCK || f.w.size > UINT32_MAX - f.w.addr) {
			frame_warn(fc, "FrameData entry %zu at 0x%" PRIx64 " has an impossible size",
				   i, f.w.addr);
			continue;
		}
		if (!prog) {
			frame_warn(fc, "FrameData entry %zu at 0x%" PRIx64
				   " names a program outside /names", i, f.w.addr);
			continue;
		}
		f.w.type = 4;
		f.w.has_program = true;
		f.w.program = prog;
		f.seq = v->n;
		v->v[v->n++] = f;
	}
	if (cursor_left(&c) && fc->verbose)
		fprintf(stderr, "dumpsyms: warning: %s: FrameData stream ends in a partial entry\n",
			fc->path);
	return 0;
}

/* Address order; at one address FrameData (type 4) first, then input
 * order. */
static int frame_cmp(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;
	int xf = x->w.type == 4 && x->w.has_program, yf = y->w.type == 4 && y->w.has_program;

	if (x->w.addr != y->w.addr)
		return x->w.addr < y->w.addr ? -1 : 1;
	if (xf != yf)
		return xf ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

struct piece {
	uint32_t rva, len;
};

struct piece_vec {
	struct piece *v;
	size_t n, cap;
};

static int frame_collect(void *ctx, uint32_t rva, uint32_t len)
{
	struct piece_vec *pv = ctx;
	struct piece p = { rva, len };

	return vec_push(*pv, p);
}

/* Adds w, mapped through omap; 0, or -1 when out of memory. */
static int frame_add_mapped(struct module *m, const struct mod_stack_win *w,
			    const struct pdb_omap *omap, struct piece_vec *pro,
			    struct piece_vec *body)
{
	struct mod_stack_win r = *w;
	uint32_t prolog = w->prolog < w->size ? w->prolog : w->size;
	size_t i;

	pro->n = 0;
	body->n = 0;
	if (prolog > 0 && pdb_omap_range(omap, (uint32_t)w->addr, prolog, frame_collect, pro))
		return -1;
	if (pdb_omap_range(omap, (uint32_t)w->addr + prolog, w->size - prolog,
			   frame_collect, body))
		return -1;
	if (pro->n == 1 && body->n == 1 && pro->v[0].rva + (uint64_t)pro->v[0].len ==
	    body->v[0].rva && body->v[0].len <= UINT32_MAX - pro->v[0].len) {
		r.addr = pro->v[0].rva;
		r.size = pro->v[0].len + body->v[0].len;
		r.prolog = pro->v[0].len;
		return module_add_stack_win(m, &r);
	}
	if (pro->n == 1 && prolog == w->size) {
		/* All prolog (no body to map). */
		r.addr = pro->v[0].rva;
		r.size = r.prolog = pro->v[0].len;
		return module_add_stack_win(m, &r);
	}
	for (i = 0; i < pro->n; i++) {
		r.addr = pro->v[i].rva;
		r.size = r.prolog = pro->v[i].len;
		if (module_add_stack_win(m, &r) < 0)
			return -1;
	}
	for (i = 0; i < body->n; i++) {
		r.addr = body->v[i].rva;
		r.size = body->v[i].len;
		r.prolog = 0;
		if (module_add_stack_win(m, &r) < 0)
			return -1;
	}
	return 0;
}

enum sym_code pdb_frames_read(const char *path, const uint8_t *fpo, size_t fpo_len,
			      const uint8_t *framedata, size_t framedata_len, const char *names,
			      size_t names_len, const struct pdb_omap *omap, struct module *m,
			      bool verbose, struct sym_err *err)
{
	enum sym_code result = SYM_OK;
	struct frame_ctx fc = { path, verbose, 0 };
	struct frame_vec v = { 0 };
	struct piece_vec pro = { 0 }, body = { 0 };
	const struct mod_stack_win *last = NULL;
	size_t i;

	if (frame_read_framedata(&fc, framedata, framedata_len, names, names_len, &v) < 0 ||
	    frame_read_fpo(&fc, fpo, fpo_len, &v) < 0)
		goto nomem;
	if (v.n > 1)
		qsort(v.v, v.n, sizeof(*v.v), frame_cmp);

	for (i = 0; i < v.n; i++) {
		const struct mod_stack_win *w = &v.v[i].w;

		if (last && last->type == w->type && last->addr == w->addr &&
		    last->size == w->size && last->prolog == w->prolog)
			continue;
		last = w;
		if (omap) {
			if (frame_add_mapped(m, w, omap, &pro, &body) < 0)
				goto nomem;
		} else if (module_add_stack_win(m, w) < 0) {
			goto nomem;
		}
	}
	if (fc.skipped && verbose)
		fprintf(stderr, "dumpsyms: warning: %s: %zu FPO/FrameData entries skipped\n",
			path, fc.skipped);
	goto out;
nomem:
	result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
out:
	free(v.v);
	free(pro.v);
	free(body.v);
	return result;
}
