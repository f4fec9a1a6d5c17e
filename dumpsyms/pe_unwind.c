/* pe_unwind.c - STACK CFI from the exception directory of a PE image:
 * x64 RUNTIME_FUNCTION/UNWIND_INFO and arm64 .pdata/.xdata.
 *
 * Both are replayed the same way: a state (bytes between the CFA and the
 * stack pointer, an optional frame register, where each saved register
 * lies relative to the CFA) starts as it is on entry, then each prologue
 * instruction the unwind codes describe updates it.  One INIT record at the
 * function's start carries the state on entry (with what a parent of a
 * chained entry already did); after each instruction that changes
 * anything, a row at the address following it carries what changed.  The
 * rules after the last row are those of the function's body, the ones
 * Breakpad writes as its only row.
 *
 * x64 (Microsoft "x64 exception handling"): RUNTIME_FUNCTION = {u32 begin,
 * u32 end, u32 unwind info rva}; an unwind rva with bit 0 set names
 * (minus 1) another RUNTIME_FUNCTION whose unwind info is meant.
 * UNWIND_INFO = {u8 version:3 flags:5, u8 prolog size, u8 code count, u8
 * frame register:4 frame offset:4 (x16)}, then the u16 code slots padded to
 * an even count, then (flag CHAININFO) the parent's RUNTIME_FUNCTION.  A
 * slot is {u8 offset of the end of the instruction, u8 op:4 info:4}; the
 * slots are in reverse prologue order.
 *
 * arm64 (Microsoft "ARM64 exception handling"): .pdata entries {u32 begin,
 * u32 data}; data & 3 is 0 for the rva of an .xdata record, 1 for packed
 * unwind data, 2 for a packed fragment with no prologue of its own.  An
 * .xdata record holds byte codes, one per prologue instruction, in reverse
 * order, ended by `end`, or by `end_c` followed by the codes of the
 * parent's prologue.
 */
#include "config.h"
#include "pe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "ordered.h"
#include "pool.h"
#include "testenv.h"

/* a chain of x64 unwind infos longer than this is taken for a loop */
#define UW_MAX_CHAIN	32
#define UW_NREGS	32

/* x64 UNWIND_INFO */
#define X64_FLAG_CHAININFO	4
#define X64_PUSH_NONVOL		0
#define X64_ALLOC_LARGE		1
#define X64_ALLOC_SMALL		2
#define X64_SET_FPREG		3
#define X64_SAVE_NONVOL		4
#define X64_SAVE_NONVOL_FAR	5
#define X64_EPILOG		6	/* version 2; SAVE_XMM in version 1 */
#define X64_SPARE		7	/* version 2; SAVE_XMM_FAR in version 1 */
#define X64_SAVE_XMM128		8
#define X64_SAVE_XMM128_FAR	9
#define X64_PUSH_MACHFRAME	10

#define A64_X30			30

/* The rules in force at one point of a function. */
struct uw_state {
	uint64_t s;		/* bytes from the stack pointer up to the CFA */
	bool fp_set;
	uint8_t fp_reg;
	int64_t fp_cfa;		/* CFA = fp + fp_cfa once fp_set */
	uint64_t s_fp;		/* s when the frame register was set */
	bool saved[UW_NREGS];
	int64_t off[UW_NREGS];	/* register at CFA + off */
	bool ra_saved, sp_saved;
	int64_t ra_off, sp_off;
};

struct uw_ctx {
	const struct pe_image *pe;
	struct module *m;
	bool verbose;
	bool arm64;
	bool oom;		/* the module refused a record: stop */
	int oom_errno;
	FILE *out;		/* records here (at RVAs less bias) instead of to m */
	FILE *wout;		/* warnings here instead of to stderr */
	uint64_t bias;
};

static const char *const x64_regs[16] = {
	"$rax", "$rcx", "$rdx", "$rbx", "$rsp", "$rbp", "$rsi", "$rdi",
	"$r8", "$r9", "$r10", "$r11", "$r12", "$r13", "$r14", "$r15",
};

struct rules {
	char buf[2048];	/* 32 registers with 20-digit offsets fit */
	size_t pos;
};

static void rules_put(struct rules *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rules_put(struct rules *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->pos >= sizeof(r->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->pos, sizeof(r->buf) - r->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->pos += (size_t)n < sizeof(r->buf) - r->pos ? (size_t)n : sizeof(r->buf) - 1 - r->pos;
}

static const char *uw_reg_name(const struct uw_ctx *c, unsigned reg, char tmp[8])
{
	if (!c->arm64)
		return x64_regs[reg & 15];
	snprintf(tmp, 8, "x%u", reg);
	return tmp;
}

/* The CFA rule of st: the stack pointer plus s, or the frame register
 * plus fp_cfa once it is set. */
static bool uw_cfa_differs(const struct uw_state *a, const struct uw_state *b)
{
	if (a->fp_set != b->fp_set)
		return true;
	if (a->fp_set)
		return a->fp_reg != b->fp_reg || a->fp_cfa != b->fp_cfa;
	return a->s != b->s;
}

/* The rules of st that differ from prev (all of them when prev is NULL),
 * each put with a leading space that is dropped at the end. */
static void uw_render(const struct uw_ctx *c, const struct uw_state *prev,
		      const struct uw_state *st, struct rules *r)
{
	char tmp[8];
	unsigned i;

	r->pos = 0;
	r->buf[0] = '\0';
	if (!prev || uw_cfa_differs(prev, st)) {
		if (st->fp_set)
			rules_put(r, " .cfa: %s %" PRId64 " +", uw_reg_name(c, st->fp_reg, tmp),
				  st->fp_cfa);
		else
			rules_put(r, " .cfa: %s %" PRIu64 " +", c->arm64 ? "sp" : "$rsp", st->s);
	}
	if (!prev || prev->ra_saved != st->ra_saved || prev->ra_off != st->ra_off) {
		if (st->ra_saved)
			rules_put(r, " .ra: .cfa %" PRId64 " + ^", st->ra_off);
		else
			rules_put(r, " .ra: %s", c->arm64 ? "x30" : ".cfa -8 + ^");
	}
	if (st->sp_saved && (!prev || !prev->sp_saved || prev->sp_off != st->sp_off))
		rules_put(r, " %s: .cfa %" PRId64 " + ^", c->arm64 ? "sp" : "$rsp", st->sp_off);
	for (i = 0; i < UW_NREGS; i++) {
		if (!st->saved[i])
			continue;
		if (prev && prev->saved[i] && prev->off[i] == st->off[i])
			continue;
		rules_put(r, " %s: .cfa %" PRId64 " + ^", uw_reg_name(c, i, tmp), st->off[i]);
	}
	if (r->buf[0] == ' ')
		memmove(r->buf, r->buf + 1, strlen(r->buf));
}

static void uw_warn(struct uw_ctx *c, uint32_t begin, const char *what)
{
	if (c->verbose)
		fprintf(c->wout ? c->wout : stderr, "dumpsyms: warning: %s: unwind info of the function at 0x%" PRIx32
			" %s; skipped\n", c->pe->path, begin, what);
}

static void uw_refused(struct uw_ctx *c)
{
	c->oom = true;
	c->oom_errno = errno ? errno : ENOMEM;
}

static void uw_init(struct uw_ctx *c, uint32_t begin, uint32_t size, const struct uw_state *st)
{
	struct rules r;

	uw_render(c, NULL, st, &r);
	if ((c->out ? module_cfi_put(c->out, c->bias, true, begin, size, r.buf)
		    : module_cfi_init(c->m, begin, size, r.buf)) < 0)
		uw_refused(c);
}

static void uw_row(struct uw_ctx *c, uint64_t addr, const struct uw_state *prev,
		   const struct uw_state *st)
{
	struct rules r;

	uw_render(c, prev, st, &r);
	if (r.buf[0] && (c->out ? module_cfi_put(c->out, c->bias, false, addr, 0, r.buf)
			 : module_cfi_row(c->m, addr, r.buf)) < 0)
		uw_refused(c);
}

static void uw_save(struct uw_state *st, unsigned reg, int64_t off)
{
	if (reg < UW_NREGS) {
		st->saved[reg] = true;
		st->off[reg] = off;
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- x64 ---- */

struct x64_info {
	const uint8_t *codes;	/* count u16 slots */
	unsigned count;
	unsigned version, flags;
	unsigned frame_reg, frame_off;
	uint32_t parent_unwind;	/* unwind rva of the CHAININFO parent */
};

/* Reads the UNWIND_INFO at rva, following RUNTIME_FUNCTION indirections
 * (bit 0) on the way; false when it is not in the file or malformed.
 * *hops counts indirections against UW_MAX_CHAIN. */
static bool x64_info_read(const struct pe_image *pe, uint32_t rva, unsigned *hops,
			  struct x64_info *ui, const char **why)
{
	const uint8_t *p;
	uint32_t len;

	while (rva & 1) {
		if (++*hops > UW_MAX_CHAIN) {
			*why = "is chained too deep or in a loop";
			return false;
		}
		p = pe_rva_ptr(pe, rva - 1, 12);
		if (!p) {
			*why = "names a RUNTIME_FUNCTION outside the file";
			return false;
		}
		rva = le32(p + 8);
	}
	p = pe_rva_ptr(pe, rva, 4);
	if (!p) {
		*why = "is outside the file";
		return false;
	}
	ui->version = p[0] & 7;
	ui->flags = p[0] >> 3;
	ui->count = p[2];
	ui->frame_reg = p[3] & 15;
	ui->frame_off = p[3] >> 4;
	if (ui->version != 1 && ui->version != 2) {
		*why = "has an unknown version";
		return false;
	}
	len = 4 + 2 * ((ui->count + 1) & ~1u);
	if (ui->flags & X64_FLAG_CHAININFO)
		len += 12;
	p = pe_rva_ptr(pe, rva, len);
	if (!p) {
		*why = "has codes past the end of its section";
		return false;
	}
	ui->codes = p + 4;
	ui->parent_unwind = 0;
	if (ui->flags & X64_FLAG_CHAININFO)
		ui->parent_unwind = le32(p + len - 4);
	return true;
}

/* The number of slots the code at slot i takes; 0 for an unknown op. */
static unsigned x64_slots(const struct x64_info *ui, unsigned i)
{
	unsigned op = ui->codes[2 * i + 1] & 15, info = ui->codes[2 * i + 1] >> 4;

	switch (op) {
	case X64_PUSH_NONVOL:
	case X64_ALLOC_SMALL:
	case X64_SET_FPREG:
	case X64_PUSH_MACHFRAME:
		return 1;
	case X64_ALLOC_LARGE:
		return info == 0 ? 2 : info == 1 ? 3 : 0;
	case X64_SAVE_NONVOL:
	case X64_EPILOG:
	case X64_SAVE_XMM128:
		return 2;
	case X64_SAVE_NONVOL_FAR:
	case X64_SPARE:
	case X64_SAVE_XMM128_FAR:
		return 3;
	default:
		return 0;
	}
}

/* Applies the code at slot i to st. */
static bool x64_apply(const struct x64_info *ui, unsigned i, struct uw_state *st, const char **why)
{
	const uint8_t *s = ui->codes + 2 * i;
	unsigned op = s[1] & 15, info = s[1] >> 4;
	uint64_t v;

	switch (op) {
	case X64_PUSH_NONVOL:
		st->s += 8;
		uw_save(st, info, -(int64_t)st->s);
		break;
	case X64_ALLOC_LARGE:
		if (info == 0)
			v = 8 * (uint64_t)(s[2] | s[3] << 8);
		else
			v = le32(s + 2);
		st->s += v;
		break;
	case X64_ALLOC_SMALL:
		st->s += 8 * (uint64_t)info + 8;
		break;
	case X64_SET_FPREG:
		if (ui->frame_reg == 0) {
			*why = "sets a frame register without naming one";
			return false;
		}
		st->fp_set = true;
		st->fp_reg = (uint8_t)ui->frame_reg;
		st->s_fp = st->s;
		st->fp_cfa = (int64_t)st->s - 16 * (int64_t)ui->frame_off;
		break;
	case X64_SAVE_NONVOL:
	case X64_SAVE_NONVOL_FAR:
		if (op == X64_SAVE_NONVOL)
			v = 8 * (uint64_t)(s[2] | s[3] << 8);
		else
			v = le32(s + 2);
		/* the base is the stack pointer, or fp - 16 * offset (which
		 * is where the stack pointer was) once there is a frame */
		uw_save(st, info, (int64_t)v - (int64_t)(st->fp_set ? st->s_fp : st->s));
		break;
	case X64_PUSH_MACHFRAME: {
		int64_t r = info ? 8 : 0;

		st->s += info ? 48 : 40;
		st->ra_saved = true;
		st->ra_off = r - (int64_t)st->s;
		st->sp_saved = true;
		st->sp_off = st->ra_off + 24;
		break;
	}
	default:		/* xmm saves and epilog marks: nothing a walker reads */
		break;
	}
	return true;
}

/* The slot indexes of ui's codes, in prologue order, into order[]; the
 * count, or -1 when the slots do not parse. */
static int x64_order(const struct x64_info *ui, uint8_t order[256], const char **why)
{
	unsigned i = 0, n = 0, k, w, op;

	while (i < ui->count) {
		w = x64_slots(ui, i);
		if (!w) {
			*why = "has an unknown unwind code";
			return -1;
		}
		if (w > ui->count - i) {
			*why = "has an unwind code past its code count";
			return -1;
		}
		/* version 2 epilog descriptions come first; their offset
		 * byte is not a prologue offset */
		op = ui->codes[2 * i + 1] & 15;
		if (ui->version != 2 || (op != X64_EPILOG && op != X64_SPARE))
			order[n++] = (uint8_t)i;
		i += w;
	}
	/* reverse: the slots list the last prologue instruction first */
	for (k = 0; k < n / 2; k++) {
		uint8_t t = order[k];

		order[k] = order[n - 1 - k];
		order[n - 1 - k] = t;
	}
	return (int)n;
}

/* The whole prologue of ui (and of its parents) applied to st. */
static bool x64_apply_all(const struct pe_image *pe, const struct x64_info *ui, unsigned *hops,
			  struct uw_state *st, const char **why)
{
	struct x64_info chain[UW_MAX_CHAIN];
	uint8_t order[256];
	unsigned depth = 0, d;
	int n, k;

	chain[depth++] = *ui;
	while (chain[depth - 1].flags & X64_FLAG_CHAININFO) {
		if (depth >= UW_MAX_CHAIN || ++*hops > UW_MAX_CHAIN) {
			*why = "is chained too deep or in a loop";
			return false;
		}
		if (!x64_info_read(pe, chain[depth - 1].parent_unwind, hops, &chain[depth], why))
			return false;
		depth++;
	}
	/* the root's prologue ran first */
	for (d = depth; d-- > 0;) {
		n = x64_order(&chain[d], order, why);
		if (n < 0)
			return false;
		for (k = 0; k < n; k++)
			if (!x64_apply(&chain[d], order[k], st, why))
				return false;
	}
	return true;
}

static void x64_function(struct uw_ctx *c, uint32_t begin, uint32_t end, uint32_t unwind)
{
	struct x64_info ui;
	struct uw_state st, prev;
	uint8_t order[256];
	const char *why = NULL;
	unsigned hops = 0;
	int n, k;

	memset(&st, 0, sizeof(st));
	st.s = 8;
	if (!x64_info_read(c->pe, unwind, &hops, &ui, &why))
		goto bad;
	if (ui.flags & X64_FLAG_CHAININFO) {
		struct x64_info parent;

		if (!x64_info_read(c->pe, ui.parent_unwind, &hops, &parent, &why) ||
		    !x64_apply_all(c->pe, &parent, &hops, &st, &why))
			goto bad;
	}
	n = x64_order(&ui, order, &why);
	if (n < 0)
		goto bad;
	/* codes at offset 0 are part of the state on entry */
	for (k = 0; k < n && ui.codes[2 * order[k]] == 0; k++)
		if (!x64_apply(&ui, order[k], &st, &why))
			goto bad;
	/* check the rest before writing anything */
	{
		struct uw_state t = st;
		unsigned last = 0;
		int j;

		for (j = k; j < n; j++) {
			unsigned off = ui.codes[2 * order[j]];

			if (off < last) {
				why = "has unwind codes out of order";
				goto bad;
			}
			last = off;
			if (!x64_apply(&ui, order[j], &t, &why))
				goto bad;
		}
	}
	uw_init(c, begin, end - begin, &st);
	while (k < n && !c->oom) {
		unsigned off = ui.codes[2 * order[k]];

		prev = st;
		for (; k < n && ui.codes[2 * order[k]] == off; k++)
			x64_apply(&ui, order[k], &st, &why);
		/* a prologue that claims to run past the function's end
		 * changes nothing inside it */
		if (off < end - begin)
			uw_row(c, (uint64_t)begin + off, &prev, &st);
	}
	return;
bad:
	uw_warn(c, begin, why ? why : "is malformed");
}

static void x64_read(struct uw_ctx *c, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !c->oom; i++) {
		uint32_t begin = le32(p + 12 * i), end = le32(p + 12 * i + 4);
		uint32_t unwind = le32(p + 12 * i + 8);

		if (!begin && !end && !unwind)
			continue;
		if (end <= begin) {
			uw_warn(c, begin, "ends before it begins");
			continue;
		}
		x64_function(c, begin, end, unwind);
	}
}

/* ---- arm64 ---- */

enum a64_kind { A64_NOP, A64_ALLOC, A64_SAVE, A64_SETFP, A64_NEXT };

/* One prologue instruction. */
struct a64_op {
	uint8_t kind;
	bool fp;		/* A64_SAVE of d registers */
	int8_t r1, r2;		/* registers stored at sp + off and sp + off + 8; -1: none */
	uint32_t pre;		/* A64_ALLOC size, or A64_SAVE pre-decrement */
	uint32_t off;		/* A64_SAVE offset from sp after the pre-decrement; A64_SETFP add */
};

struct a64_pair {
	bool valid, fp;
	int r1;
	int64_t k;
};

static bool a64_apply(const struct a64_op *op, struct uw_state *st, struct a64_pair *last,
		      const char **why)
{
	int64_t k;
	int r;

	switch (op->kind) {
	case A64_ALLOC:
		st->s += op->pre;
		break;
	case A64_SAVE:
		st->s += op->pre;
		k = (int64_t)op->off - (int64_t)st->s;
		if (!op->fp) {
			if (op->r1 >= 0)
				uw_save(st, (unsigned)op->r1, k);
			if (op->r2 >= 0)
				uw_save(st, (unsigned)op->r2, k + 8);
		}
		last->valid = op->r1 >= 0 && op->r2 >= 0;
		last->fp = op->fp;
		last->r1 = op->r1;
		last->k = k;
		break;
	case A64_NEXT:
		if (!last->valid) {
			*why = "has save_next after no pair";
			return false;
		}
		r = last->r1 + 2;
		if (!last->fp && r + 1 > 28) {
			last->fp = true;
			r = 8;
		}
		last->r1 = r;
		last->k += 16;
		if (!last->fp) {
			uw_save(st, (unsigned)r, last->k);
			uw_save(st, (unsigned)r + 1, last->k + 8);
		}
		break;
	case A64_SETFP:
		st->fp_set = true;
		st->fp_reg = 29;
		st->s_fp = st->s;
		st->fp_cfa = (int64_t)st->s - (int64_t)op->off;
		break;
	default:
		break;
	}
	/* x30 is the return address: it is .ra, not a register of its own */
	if (st->saved[A64_X30]) {
		st->ra_saved = true;
		st->ra_off = st->off[A64_X30];
		st->saved[A64_X30] = false;
	}
	return true;
}

static void a64_save(struct a64_op *o, int r1, int r2, uint32_t pre, uint32_t off, bool fp)
{
	memset(o, 0, sizeof(*o));
	o->kind = A64_SAVE;
	o->r1 = (int8_t)r1;
	o->r2 = (int8_t)r2;
	o->pre = pre;
	o->off = off;
	o->fp = fp;
}

static void a64_simple(struct a64_op *o, enum a64_kind kind, uint32_t v)
{
	memset(o, 0, sizeof(*o));
	o->kind = (uint8_t)kind;
	o->r1 = o->r2 = -1;
	o->pre = kind == A64_ALLOC ? v : 0;
	o->off = kind == A64_SETFP ? v : 0;
}

/* The largest first "sub sp" of a packed prologue.  Microsoft's table says
 * 4088, which would leave sp misaligned; LLVM (which writes and prints
 * these entries) uses 4080, as does the home area of 8 registers below
 * (64 bytes, where the table's formula says 8). */
#define A64_SUB_MAX	4080

/* The prologue that packed unwind data w stands for, in execution order;
 * the count, or -1. */
static int a64_packed(uint32_t w, struct a64_op ops[32], const char **why)
{
	unsigned regf = (w >> 13) & 7, regi = (w >> 16) & 15, h = (w >> 20) & 1;
	unsigned cr = (w >> 21) & 3, frame = ((w >> 23) & 0x1ff) * 16;
	unsigned intsz = regi * 8 + (cr == 1 ? 8 : 0);
	unsigned fpsz = regf ? (regf + 1) * 8 : 0;
	unsigned savsz = (intsz + fpsz + 64 * h + 15) & ~15u, locsz, i, nfp;
	uint32_t pre = savsz;	/* taken by the first store */
	int n = 0;

	if (regi > 10 || frame < savsz) {
		*why = "has impossible packed unwind data";
		return -1;
	}
	locsz = frame - savsz;
	if (cr == 2)		/* pacibsp */
		a64_simple(&ops[n++], A64_NOP, 0);
	for (i = 0; i + 1 < regi; i += 2) {
		a64_save(&ops[n++], 19 + (int)i, 20 + (int)i, pre, 8 * i, false);
		pre = 0;
	}
	if (regi & 1) {
		a64_save(&ops[n++], 18 + (int)regi, cr == 1 ? A64_X30 : -1, pre, 8 * (regi - 1),
			 false);
		pre = 0;
	} else if (cr == 1) {
		a64_save(&ops[n++], A64_X30, -1, pre, intsz - 8, false);
		pre = 0;
	}
	nfp = regf ? regf + 1 : 0;
	for (i = 0; i < nfp; i += 2) {
		a64_save(&ops[n++], 8 + (int)i, i + 1 < nfp ? 9 + (int)i : -1, pre, intsz + 8 * i,
			 true);
		pre = 0;
	}
	for (i = 0; h && i < 4; i++) {
		/* homing x0-x7: nothing to restore */
		a64_save(&ops[n++], -1, -1, pre, 0, true);
		pre = 0;
	}
	if (cr == 2 || cr == 3) {
		if (locsz <= 512) {
			a64_save(&ops[n++], 29, A64_X30, locsz, 0, false);
		} else {
			if (locsz > A64_SUB_MAX) {
				a64_simple(&ops[n++], A64_ALLOC, A64_SUB_MAX);
				locsz -= A64_SUB_MAX;
			}
			a64_simple(&ops[n++], A64_ALLOC, locsz);
			a64_save(&ops[n++], 29, A64_X30, 0, 0, false);
		}
		a64_simple(&ops[n++], A64_SETFP, 0);
	} else if (locsz) {
		if (locsz > A64_SUB_MAX) {
			a64_simple(&ops[n++], A64_ALLOC, A64_SUB_MAX);
			locsz -= A64_SUB_MAX;
		}
		a64_simple(&ops[n++], A64_ALLOC, locsz);
	}
	return n;
}

/* Decodes the byte codes b[0..len) up to `end` into ops[] in the order
 * they are stored (reverse execution order): the codes before an `end_c`
 * go to own[], those after it (the parent's prologue) to parent[].
 * Counts in *nown and *nparent. */
static bool a64_codes(const uint8_t *b, size_t len, struct a64_op own[256], int *nown,
		      struct a64_op parent[256], int *nparent, const char **why)
{
	struct a64_op *ops = own;
	int *n = nown;
	size_t i = 0;

	*nown = *nparent = 0;
	while (i < len) {
		uint8_t c = b[i];
		struct a64_op *o;
		unsigned need, x, z;

		if (c == 0xe4)
			return true;
		if (c == 0xe5) {
			if (ops == parent) {
				*why = "has two end_c codes";
				return false;
			}
			ops = parent;
			n = nparent;
			i++;
			continue;
		}
		if (*n >= 256) {
			*why = "has too many unwind codes";
			return false;
		}
		o = &ops[(*n)++];
		need = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c == 0xe0 ? 4 : c == 0xe2 ? 2 : c == 0xe7 ? 3 : 1;
		if (need > len - i) {
			*why = "has an unwind code past its code words";
			return false;
		}
		if (c < 0x20) {
			a64_simple(o, A64_ALLOC, (c & 0x1fu) * 16);
		} else if (c < 0x40) {
			a64_save(o, 19, 20, (c & 0x1fu) * 8, 0, false);
		} else if (c < 0x80) {
			a64_save(o, 29, A64_X30, 0, (c & 0x3fu) * 8, false);
		} else if (c < 0xc0) {
			a64_save(o, 29, A64_X30, ((c & 0x3fu) + 1) * 8, 0, false);
		} else if (c < 0xc8) {
			a64_simple(o, A64_ALLOC, (((c & 7u) << 8) | b[i + 1]) * 16);
		} else if (c < 0xd4) {
			/* save_regp, save_regp_x, save_reg */
			x = ((c & 3u) << 2) | (b[i + 1] >> 6);
			z = b[i + 1] & 0x3fu;
			if (c < 0xcc)
				a64_save(o, 19 + (int)x, 20 + (int)x, 0, z * 8, false);
			else if (c < 0xd0)
				a64_save(o, 19 + (int)x, 20 + (int)x, (z + 1) * 8, 0, false);
			else
				a64_save(o, 19 + (int)x, -1, 0, z * 8, false);
		} else if (c < 0xd6) {
			x = ((c & 1u) << 3) | (b[i + 1] >> 5);
			z = b[i + 1] & 0x1fu;
			a64_save(o, 19 + (int)x, -1, (z + 1) * 8, 0, false);
		} else if (c < 0xd8) {
			x = ((c & 1u) << 2) | (b[i + 1] >> 6);
			z = b[i + 1] & 0x3fu;
			a64_save(o, 19 + 2 * (int)x, A64_X30, 0, z * 8, false);
		} else if (c < 0xde) {
			/* save_fregp, save_fregp_x, save_freg */
			x = ((c & 1u) << 2) | (b[i + 1] >> 6);
			z = b[i + 1] & 0x3fu;
			if (c < 0xda)
				a64_save(o, 8 + (int)x, 9 + (int)x, 0, z * 8, true);
			else if (c < 0xdc)
				a64_save(o, 8 + (int)x, 9 + (int)x, (z + 1) * 8, 0, true);
			else
				a64_save(o, 8 + (int)x, -1, 0, z * 8, true);
		} else if (c == 0xde) {
			x = b[i + 1] >> 5;
			z = b[i + 1] & 0x1fu;
			a64_save(o, 8 + (int)x, -1, (z + 1) * 8, 0, true);
		} else if (c == 0xe0) {
			a64_simple(o, A64_ALLOC,
				   ((uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 | b[i + 3]) * 16);
		} else if (c == 0xe1) {
			a64_simple(o, A64_SETFP, 0);
		} else if (c == 0xe2) {
			a64_simple(o, A64_SETFP, b[i + 1] * 8u);
		} else if (c == 0xe3 || c == 0xfc) {
			/* nop, pac_sign_lr */
			a64_simple(o, A64_NOP, 0);
		} else if (c == 0xe6) {
			a64_simple(o, A64_NEXT, 0);
		} else if (c == 0xe7) {
			/* save_any_reg: 11100111 0pxrrrrr ffoooooo */
			bool pair = b[i + 1] & 0x40, wb = b[i + 1] & 0x20;
			unsigned r = b[i + 1] & 0x1fu, mode = b[i + 2] >> 6;
			uint32_t so = (b[i + 2] & 0x3fu) * (pair || wb || mode == 2 ? 16 : 8);

			if (b[i + 1] & 0x80 || mode == 3) {
				*why = "has a reserved unwind code";
				return false;
			}
			if (mode != 0)
				a64_save(o, -1, -1, wb ? so : 0, 0, true);
			else
				a64_save(o, (int)r, pair && r < 30 ? (int)r + 1 : -1, wb ? so : 0,
					 wb ? 0 : so, false);
			/* x31 is not a register a walker restores */
			if (mode != 0 || r > 30 || (pair && r >= 30))
				o->r1 = o->r2 = -1;
		} else {
			/* custom stacks (machine frames, contexts) and reserved codes */
			*why = "has an unsupported unwind code";
			return false;
		}
		i += need;
	}
	*why = "has unwind codes without an end";
	return false;
}

/* Replays a function's prologue: pops (a parent's prologue, execution
 * order) as done before it starts, then ops (execution order) with a row
 * after each instruction, or, without rows (a fragment), as done too. */
static void a64_emit(struct uw_ctx *c, uint32_t begin, uint32_t size, const struct a64_op *pops,
		     int npops, const struct a64_op *ops, int nops, bool rows)
{
	struct uw_state st, prev, t;
	struct a64_pair last = { 0 }, tlast;
	const char *why = NULL;
	int i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < npops; i++)
		if (!a64_apply(&pops[i], &st, &last, &why))
			goto bad;
	if (!rows) {
		for (i = 0; i < nops; i++)
			if (!a64_apply(&ops[i], &st, &last, &why))
				goto bad;
		uw_init(c, begin, size, &st);
		return;
	}
	/* check before writing anything */
	t = st;
	tlast = last;
	for (i = 0; i < nops; i++)
		if (!a64_apply(&ops[i], &t, &tlast, &why))
			goto bad;
	uw_init(c, begin, size, &st);
	for (i = 0; i < nops && !c->oom; i++) {
		uint64_t at = 4 * (uint64_t)(i + 1);

		prev = st;
		a64_apply(&ops[i], &st, &last, &why);
		if (at < size)
			uw_row(c, begin + at, &prev, &st);
	}
	return;
bad:
	uw_warn(c, begin, why ? why : "is malformed");
}

static void a64_reverse(struct a64_op *ops, int n)
{
	int k;

	for (k = 0; k < n / 2; k++) {
		struct a64_op t = ops[k];

		ops[k] = ops[n - 1 - k];
		ops[n - 1 - k] = t;
	}
}

static void a64_function(struct uw_ctx *c, uint32_t begin, uint32_t data)
{
	struct a64_op own[256], parent[256];
	struct a64_op packed[32];
	const char *why = NULL;
	const uint8_t *p;
	uint32_t w, size, nepi, nwords, hdr;
	int nown, nparent, n;

	if ((data & 3) == 1 || (data & 3) == 2) {
		size = ((data >> 2) & 0x7ff) * 4;
		n = a64_packed(data, packed, &why);
		if (n < 0)
			goto bad;
		if (size)
			a64_emit(c, begin, size, NULL, 0, packed, n, (data & 3) == 1);
		return;
	}
	if ((data & 3) == 3) {
		why = "has a reserved .pdata flag";
		goto bad;
	}
	p = pe_rva_ptr(c->pe, data, 4);
	if (!p) {
		why = "is outside the file";
		goto bad;
	}
	w = le32(p);
	size = (w & 0x3ffff) * 4;
	nepi = (w >> 22) & 0x1f;
	nwords = (w >> 27) & 0x1f;
	hdr = 4;
	if (!nepi && !nwords) {
		if (!(p = pe_rva_ptr(c->pe, data, 8))) {
			why = "is outside the file";
			goto bad;
		}
		nepi = le32(p + 4) & 0xffff;
		nwords = (le32(p + 4) >> 16) & 0xff;
		hdr = 8;
	}
	if (w & (1u << 21))	/* E: one epilog, no scopes */
		nepi = 0;
	p = pe_rva_ptr(c->pe, data, hdr + 4 * nepi + 4 * nwords);
	if (!p) {
		why = "has codes past the end of its section";
		goto bad;
	}
	if (!a64_codes(p + hdr + 4 * nepi, 4 * (size_t)nwords, own, &nown, parent, &nparent, &why))
		goto bad;
	if (!size)
		return;
	a64_reverse(own, nown);
	a64_reverse(parent, nparent);
	a64_emit(c, begin, size, parent, nparent, own, nown, true);
	return;
bad:
	uw_warn(c, begin, why ? why : "is malformed");
}

static void a64_read(struct uw_ctx *c, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !c->oom; i++) {
		uint32_t begin = le32(p + 8 * i), data = le32(p + 8 * i + 4);

		if (!begin && !data)
			continue;
		a64_function(c, begin, data);
	}
}

/* The exception directory's entries: *n of them at *p, *entry bytes each
 * (*n is 0 when there is nothing to read); its warnings to w. */
static void uw_table(const struct pe_image *pe, bool verbose, FILE *w, const uint8_t **p,
		     size_t *n, size_t *entry)
{
	uint32_t rva = pe->dir_rva[PE_DIR_EXCEPTION], size = pe->dir_size[PE_DIR_EXCEPTION];

	*n = 0;
	*p = NULL;
	*entry = pe->machine == PE_MACHINE_ARM64 ? 8 : 12;
	if (pe->machine != PE_MACHINE_AMD64 && pe->machine != PE_MACHINE_ARM64)
		return;
	if (!rva || !size)
		return;
	/* as much of the table as the file holds */
	*n = size / *entry;
	if (*n > pe_rva_avail(pe, rva) / *entry)
		*n = pe_rva_avail(pe, rva) / *entry;
	*p = pe_rva_ptr(pe, rva, (uint32_t)(*n * *entry));
	if (!*n) {
		if (verbose)
			fprintf(w, "dumpsyms: warning: %s: exception directory is not in the file\n",
				pe->path);
		return;
	}
	if (*n < size / *entry && verbose)
		fprintf(w, "dumpsyms: warning: %s: exception directory runs out of the file\n",
			pe->path);
}

static enum sym_code uw_result(const struct uw_ctx *c, struct sym_err *err)
{
	if (!c->oom)
		return SYM_OK;
	if (c->oom_errno == ENOMEM)
		return sym_fail(err, SYM_ENOMEM, "cannot read unwind info of '%s': out of memory",
				c->pe->path);
	return sym_fail(err, SYM_EIO, "cannot write the STACK CFI of '%s': %s", c->pe->path,
			strerror(c->oom_errno));
}

enum sym_code pe_unwind_read(const struct pe_image *pe, struct module *m, bool verbose,
			     struct sym_err *err)
{
	struct uw_ctx c = { pe, m, verbose, pe->machine == PE_MACHINE_ARM64, false, 0, NULL, NULL, 0 };
	const uint8_t *p;
	size_t n, entry;

	uw_table(pe, verbose, stderr, &p, &n, &entry);
	if (!n)
		return SYM_OK;
	if (c.arm64)
		a64_read(&c, p, n);
	else
		x64_read(&c, p, n);
	return uw_result(&c, err);
}

/* ---- on a pool ----------------------------------------------------------
 *
 * The entries are cut into chunks of CHUNK, each read on a worker into a
 * buffer of its own (records, and warnings apart): an entry's records do
 * not depend on the other entries.  The chunks' records are handed to the
 * module in order as they end (ordered.h); the warnings are kept until
 * pe_unwind_finish(), which prints them as pe_unwind_read() would have, so
 * that they come after those of what was read meanwhile. */

#define CHUNK 2048

struct uw_chunk {
	size_t lo, hi;		/* entries [lo, hi) */
	char *text, *warns;
	size_t ntext, nwarns;
	enum sym_code rc;
	struct sym_err err;
};

struct pe_unwind_job {
	struct ordered *o;
	const struct pe_image *pe;
	struct module *m;
	bool verbose;
	uint64_t bias;		/* m->load_addr when the job started */
	const uint8_t *p;
	size_t entry;
	char *note;		/* the directory's own warnings */
	size_t nnote;
	struct uw_chunk *ch;
	size_t nch;
	/* set by chunk_merge(), under the ordered job's lock */
	enum sym_code rc;
	struct sym_err err;
};

static size_t chunk_entries(void)
{
	/* SYM_TEST_PE_CHUNK=N cuts chunks of N entries, so that the tests'
	 * small tables are read in many */
	return (size_t)testenv_num("SYM_TEST_PE_CHUNK", 1, CHUNK, CHUNK);
}

static void chunk_run(void *ctx, size_t i)
{
	struct pe_unwind_job *j = ctx;
	struct uw_chunk *ch = &j->ch[i];
	struct uw_ctx c = { j->pe, NULL, j->verbose, j->pe->machine == PE_MACHINE_ARM64, false, 0,
			    NULL, NULL, j->bias };
	const uint8_t *p = j->p + ch->lo * j->entry;
	bool closed = true;

	sym_err_clear(&ch->err);
	c.out = open_memstream(&ch->text, &ch->ntext);
	if (j->verbose)
		c.wout = open_memstream(&ch->warns, &ch->nwarns);
	if (!c.out || (j->verbose && !c.wout)) {
		c.oom = true;
		c.oom_errno = ENOMEM;
	} else if (c.arm64) {
		a64_read(&c, p, ch->hi - ch->lo);
	} else {
		x64_read(&c, p, ch->hi - ch->lo);
	}
	/* both streams are closed, whichever fails */
	if (c.out && fclose(c.out) != 0)
		closed = false;
	if (c.wout && fclose(c.wout) != 0)
		closed = false;
	if (!closed && !c.oom) {
		c.oom = true;
		c.oom_errno = ENOMEM;
	}
	ch->rc = uw_result(&c, &ch->err);
}

static bool chunk_merge(void *ctx, size_t i)
{
	struct pe_unwind_job *j = ctx;
	struct uw_chunk *ch = &j->ch[i];
	bool go_on = true;

	if (ch->rc) {
		j->rc = ch->rc;
		j->err = ch->err;
		go_on = false;
	} else if (module_cfi_append(j->m, ch->text, ch->ntext) < 0) {
		int e = errno ? errno : EIO;

		if (e == ENOMEM)
			j->rc = sym_fail(&j->err, SYM_ENOMEM,
					 "cannot read unwind info of '%s': out of memory",
					 j->pe->path);
		else
			j->rc = sym_fail(&j->err, SYM_EIO, "cannot write the STACK CFI of '%s': %s",
					 j->pe->path, strerror(e));
		go_on = false;
	}
	free(ch->text);
	ch->text = NULL;
	return go_on;
}

static const struct ordered_ops chunk_ops = { chunk_run, chunk_merge };

static void job_free(struct pe_unwind_job *j)
{
	size_t i;

	ordered_free(j->o);
	for (i = 0; i < j->nch; i++) {
		free(j->ch[i].text);
		free(j->ch[i].warns);
	}
	free(j->ch);
	free(j->note);
	free(j);
}

struct pe_unwind_job *pe_unwind_start(struct pool *pool, const struct pe_image *pe,
				      struct module *m, bool verbose)
{
	struct pe_unwind_job *j = calloc(1, sizeof(*j));
	const size_t per = chunk_entries();
	FILE *w;
	size_t n, i;

	if (!j)
		return NULL;
	j->pe = pe;
	j->m = m;
	j->verbose = verbose;
	j->bias = m->load_addr;
	if (!(w = open_memstream(&j->note, &j->nnote)))
		goto fail;
	uw_table(pe, verbose, w, &j->p, &n, &j->entry);
	if (fclose(w) != 0)
		goto fail;
	j->nch = n / per + (n % per != 0);
	if (j->nch && !(j->ch = calloc(j->nch, sizeof(*j->ch))))
		goto fail;
	for (i = 0; i < j->nch; i++) {
		j->ch[i].lo = i * per;
		j->ch[i].hi = i + 1 < j->nch ? (i + 1) * per : n;
	}
	if ((j->o = ordered_start(pool, j->nch, ordered_window(pool), &chunk_ops, j)))
		return j;
fail:
	job_free(j);
	return NULL;
}

void pe_unwind_cancel(struct pe_unwind_job *j)
{
	if (!j)
		return;
	ordered_cancel(j->o);
	job_free(j);
}

enum sym_code pe_unwind_finish(struct pe_unwind_job *j, struct sym_err *err)
{
	enum sym_code rc;
	size_t i, merged;

	ordered_drain(j->o);
	merged = ordered_merged(j->o);
	if (j->nnote)
		fwrite(j->note, 1, j->nnote, stderr);
	for (i = 0; i < merged; i++)
		if (j->ch[i].nwarns)
			fwrite(j->ch[i].warns, 1, j->ch[i].nwarns, stderr);
	if (getenv("SYM_TEST_PE_STATS"))
		fprintf(stderr, "dumpsyms: stats: PE unwind: %zu chunks, %zu read by a worker\n",
			j->nch, ordered_by_worker(j->o));
	rc = j->rc;
	if (rc)
		sym_fail(err, rc, "%s", j->err.msg);
	job_free(j);
	return rc;
}
