/* cfi.c - STACK CFI records from .debug_frame and .eh_frame.
 *
 * Follows Breakpad's DwarfCFIToModule so that records compare one for one:
 * both sections are read (.debug_frame first), every FDE becomes one INIT
 * record seeded with ".ra: <return-address register>", and every rule an
 * instruction sets is reported at the address where it takes effect (the
 * INIT when that is the FDE start, a delta otherwise).  Rules Breakpad
 * cannot express (DWARF expressions, "undefined") are skipped.
 *
 * The records are written as text to a temporary file as they are made,
 * so memory stays flat however many FDEs there are; module_write() copies
 * the file to the output.
 */
#include "config.h"
#include "cfi.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "ordered.h"
#include "pool.h"
#include "testenv.h"
#include "module.h"
#include "vec.h"

/* ---- register names (Breakpad's tables, by DWARF register number) ---- */

static const char *const x86_names[] = {
	"$eax", "$ecx", "$edx", "$ebx", "$esp", "$ebp", "$esi", "$edi", "$eip", "$eflags",
	"$unused1", "$st0", "$st1", "$st2", "$st3", "$st4", "$st5", "$st6", "$st7",
	"$unused2", "$unused3", "$xmm0", "$xmm1", "$xmm2", "$xmm3", "$xmm4", "$xmm5",
	"$xmm6", "$xmm7", "$mm0", "$mm1", "$mm2", "$mm3", "$mm4", "$mm5", "$mm6", "$mm7",
	"$fcw", "$fsw", "$mxcsr", "$es", "$cs", "$ss", "$ds", "$fs", "$gs", "$unused4",
	"$unused5", "$tr", "$ldtr",
};

static const char *const x86_64_names[] = {
	"$rax", "$rdx", "$rcx", "$rbx", "$rsi", "$rdi", "$rbp", "$rsp", "$r8", "$r9",
	"$r10", "$r11", "$r12", "$r13", "$r14", "$r15", "$rip", "$xmm0", "$xmm1",
	"$xmm2", "$xmm3", "$xmm4", "$xmm5", "$xmm6", "$xmm7", "$xmm8", "$xmm9",
	"$xmm10", "$xmm11", "$xmm12", "$xmm13", "$xmm14", "$xmm15", "$st0", "$st1",
	"$st2", "$st3", "$st4", "$st5", "$st6", "$st7", "$mm0", "$mm1", "$mm2", "$mm3",
	"$mm4", "$mm5", "$mm6", "$mm7", "$rflags", "$es", "$cs", "$ss", "$ds", "$fs",
	"$gs", "$unused1", "$unused2", "$fs.base", "$gs.base", "$unused3", "$unused4",
	"$tr", "$ldtr", "$mxcsr", "$fcw", "$fsw",
};

static const char *const arm_names[104] = {
	"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12",
	"sp", "lr", "pc", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "fps", "cpsr",
	[64] = "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
	"s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22",
	"s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31",
	[96] = "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7",
};

static const char *const arm64_names[96] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
	"x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
	"x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp",
	[64] = "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11",
	"v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22",
	"v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31",
};

struct regs {
	const char *const *names;
	size_t n;
};

static bool regs_for(enum obj_arch machine, struct regs *r)
{
	switch (machine) {
	case OBJ_ARCH_X86: r->names = x86_names; r->n = sizeof(x86_names) / sizeof(*x86_names); return true;
	case OBJ_ARCH_X86_64: r->names = x86_64_names; r->n = sizeof(x86_64_names) / sizeof(*x86_64_names); return true;
	case OBJ_ARCH_ARM: r->names = arm_names; r->n = 104; return true;
	case OBJ_ARCH_ARM64: r->names = arm64_names; r->n = 96; return true;
	default: return false;
	}
}

/* ---- state ----------------------------------------------------------- */

/* One rule: the register's name (or ".cfa") and its postfix text. */
struct rule {
	uint64_t reg;		/* DWARF number; CFA_REG for the CFA */
	char text[64];
};

#define CFA_REG UINT64_MAX
#define MAX_RULES 128		/* registers with a rule at one time */

struct ruleset {
	size_t n;
	/* the CFA as register + offset, for def_cfa_register/offset */
	bool cfa_known;
	bool cfa_expr;
	uint64_t cfa_reg;
	int64_t cfa_off;
	struct rule r[MAX_RULES];	/* only the first n are meaningful */
};

/* Copies a rule set: the header and the n rules in use, not the rest. */
static void ruleset_copy(struct ruleset *dst, const struct ruleset *src)
{
	memcpy(dst, src, offsetof(struct ruleset, r) + src->n * sizeof(src->r[0]));
}

static void ruleset_clear(struct ruleset *s)
{
	memset(s, 0, offsetof(struct ruleset, r));
}

/* A reported rule: the address it takes effect at. */
struct report {
	uint64_t addr;
	bool init;		/* at the FDE start: part of the INIT record */
	uint64_t seq;
	uint64_t reg;
	char text[64];
	char name[40];
};

struct cie {
	uint64_t off;
	bool ok;
	uint8_t version;
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra;
	uint8_t fde_enc;
	bool has_z;
	uint8_t addr_size;
	const uint8_t *insns;
	size_t ninsns;
};

struct cfi {
	const struct cfi_input *in;
	struct regs regs;
	struct module *m;
	VEC(char) text;		/* the rules of the record being written */
	bool write_failed;
	struct sym_err *err;
	bool warn;
	unsigned nwarn;
	uint64_t records;
	/* per FDE */
	VEC(struct report) reps;
	uint64_t seq;
	struct ruleset cur, cie_rules;
	struct ruleset *stack;
	size_t nstack, capstack;
	struct cie cie_cache[8];
	unsigned cie_next;
	/* a chunk read on a pool (cfi_start()): its records and warnings go
	 * to these streams, not to the module and stderr */
	FILE *out, *wout;
};

/* warnf() prints the first CFI_WARN_MAX warnings of a read */
#define CFI_WARN_MAX 51

static void warnf(struct cfi *c, const char *what, uint64_t off)
{
	if (!c->warn || c->nwarn++ >= CFI_WARN_MAX)
		return;
	fprintf(c->wout ? c->wout : stderr, "dumpsyms: warning: %s: %s at %s+0x%" PRIx64 "\n", c->in->path, what,
		c->in->eh ? ".eh_frame" : ".debug_frame", off);
}

static void reg_name(struct cfi *c, uint64_t reg, uint64_t ra, char *out, size_t cap)
{
	if (reg == CFA_REG)
		snprintf(out, cap, ".cfa");
	else if (reg == ra)
		snprintf(out, cap, ".ra");
	else if (reg < c->regs.n && c->regs.names[reg] && c->regs.names[reg][0])
		snprintf(out, cap, "%s", c->regs.names[reg]);
	else
		snprintf(out, cap, "unnamed_register%" PRIu64, reg);
}

/* Rules Breakpad keeps in its rule table but cannot write (a DWARF
 * expression, "undefined") carry a text starting with this byte: they take
 * part in remember/restore like any rule, and are never reported. */
#define UNWRITABLE '\001'

static int report(struct cfi *c, uint64_t addr, uint64_t reg, const char *text, uint64_t ra)
{
	struct report r;

	if (text[0] == UNWRITABLE)
		return 0;

	r.addr = addr;
	r.init = false;
	r.seq = c->seq++;
	r.reg = reg;
	snprintf(r.text, sizeof(r.text), "%s", text);
	reg_name(c, reg, ra, r.name, sizeof(r.name));
	return vec_push(c->reps, r);
}

static struct rule *find_rule(struct ruleset *s, uint64_t reg)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].reg == reg)
			return &s->r[i];
	return NULL;
}

static bool set_rule(struct ruleset *s, uint64_t reg, const char *text)
{
	struct rule *r = find_rule(s, reg);

	if (!r) {
		if (s->n == MAX_RULES)
			return false;
		r = &s->r[s->n++];
		r->reg = reg;
	}
	snprintf(r->text, sizeof(r->text), "%s", text);
	return true;
}

static void del_rule(struct ruleset *s, uint64_t reg)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].reg == reg) {
			s->r[i] = s->r[--s->n];
			return;
		}
}

/* ---- pointers -------------------------------------------------------- */

enum {
	PE_absptr = 0x00, PE_uleb128 = 0x01, PE_udata2 = 0x02, PE_udata4 = 0x03,
	PE_udata8 = 0x04, PE_sleb128 = 0x09, PE_sdata2 = 0x0a, PE_sdata4 = 0x0b,
	PE_sdata8 = 0x0c, PE_pcrel = 0x10, PE_textrel = 0x20, PE_datarel = 0x30,
	PE_funcrel = 0x40, PE_aligned = 0x50, PE_indirect = 0x80, PE_omit = 0xff,
};

/* Reads an encoded pointer; false when the encoding is not supported. */
static bool read_pointer(struct cfi *c, struct cursor *cur, uint8_t enc, unsigned addr_size,
			 uint64_t *out)
{
	uint64_t base = 0, v;
	size_t pos = cur->pos;

	if (enc == PE_omit)
		return false;
	switch (enc & 0x70) {
	case 0: break;
	case PE_pcrel: base = c->in->section_addr + pos; break;
	case PE_textrel: base = c->in->text_addr; break;
	case PE_datarel: base = c->in->got_addr; break;
	default: return false;	/* funcrel, aligned: not in FDE headers */
	}
	switch (enc & 0x0f) {
	case PE_absptr: v = cursor_uN(cur, addr_size); break;
	case PE_uleb128: v = cursor_uleb(cur); break;
	case PE_udata2: v = cursor_u16(cur); break;
	case PE_udata4: v = cursor_u32(cur); break;
	case PE_udata8: v = cursor_u64(cur); break;
	case PE_sleb128: v = (uint64_t)cursor_sleb(cur); break;
	case PE_sdata2: v = (uint64_t)(int64_t)(int16_t)cursor_u16(cur); break;
	case PE_sdata4: v = (uint64_t)(int64_t)(int32_t)cursor_u32(cur); break;
	case PE_sdata8: v = cursor_u64(cur); break;
	default: return false;
	}
	if (cur->bad)
		return false;
	v += base;
	if (addr_size == 4)
		v &= 0xffffffffu;
	*out = v;
	return true;
}

/* ---- CIEs ------------------------------------------------------------ */

static bool parse_cie(struct cfi *c, uint64_t off, struct cie *ce)
{
	struct cursor cur = cursor_make(c->in->data, c->in->size, c->in->be);
	uint64_t len, id, end;
	bool dwarf64 = false;
	const char *aug;

	memset(ce, 0, sizeof(*ce));
	ce->off = off;
	ce->addr_size = c->in->addr_size;
	ce->fde_enc = PE_absptr;
	if (!cursor_seek(&cur, off))
		return false;
	len = cursor_u32(&cur);
	if (len == 0xffffffff) {
		dwarf64 = true;
		len = cursor_u64(&cur);
	}
	if (cur.bad || len > cursor_left(&cur) || len == 0)
		return false;
	end = cur.pos + len;
	cur.len = end;
	id = cursor_uN(&cur, dwarf64 ? 8 : 4);
	if (c->in->eh ? id != 0 : id != (dwarf64 ? UINT64_MAX : 0xffffffffu))
		return false;	/* not a CIE */
	ce->version = cursor_u8(&cur);
	if (ce->version != 1 && ce->version != 3 && ce->version != 4)
		return false;
	aug = cursor_cstr(&cur);
	if (!aug)
		return false;
	if (aug[0] && aug[0] != 'z')
		return false;	/* Breakpad: only "" or "z..." */
	if (ce->version == 4) {
		ce->addr_size = cursor_u8(&cur);
		cursor_u8(&cur);	/* segment size */
		if (ce->addr_size != 4 && ce->addr_size != 8)
			return false;
	}
	ce->code_align = cursor_uleb(&cur);
	ce->data_align = cursor_sleb(&cur);
	ce->ra = ce->version == 1 ? cursor_u8(&cur) : cursor_uleb(&cur);
	if (aug[0] == 'z') {
		uint64_t alen = cursor_uleb(&cur);
		struct cursor a;
		const char *p;

		if (cur.bad || alen > cursor_left(&cur))
			return false;
		a = cursor_make(cur.base + cur.pos, (size_t)alen, cur.big_endian);
		ce->has_z = true;
		for (p = aug + 1; *p; p++) {
			uint8_t enc;
			uint64_t dummy;
			switch (*p) {
			case 'L': cursor_u8(&a); break;
			case 'R': ce->fde_enc = cursor_u8(&a); break;
			case 'S': break;
			case 'P':
				enc = cursor_u8(&a);
				/* the personality pointer: position-relative to its
				 * place in the section */
				{
					struct cursor pc = cur;
					pc.pos += a.pos;
					if (!read_pointer(c, &pc, enc & 0x7f, ce->addr_size, &dummy))
						return false;
					a.pos = pc.pos - cur.pos;
				}
				break;
			default:
				return false;	/* unknown augmentation: skip */
			}
			if (a.bad)
				return false;
		}
		cursor_skip(&cur, (size_t)alen);
	}
	if (cur.bad)
		return false;
	ce->insns = cur.base + cur.pos;
	ce->ninsns = end - cur.pos;
	ce->ok = true;
	return true;
}

static const struct cie *get_cie(struct cfi *c, uint64_t off)
{
	unsigned i;
	struct cie *slot;

	for (i = 0; i < 8; i++)
		if (c->cie_cache[i].ok && c->cie_cache[i].off == off)
			return &c->cie_cache[i];
	slot = &c->cie_cache[c->cie_next++ % 8];
	if (!parse_cie(c, off, slot)) {
		slot->ok = false;
		return NULL;
	}
	return slot;
}

/* ---- the instruction interpreter ------------------------------------- */

enum {
	CFA_advance_loc = 0x40, CFA_offset = 0x80, CFA_restore = 0xc0,
	CFA_nop = 0, CFA_set_loc, CFA_advance_loc1, CFA_advance_loc2, CFA_advance_loc4,
	CFA_offset_extended, CFA_restore_extended, CFA_undefined, CFA_same_value,
	CFA_register, CFA_remember_state, CFA_restore_state, CFA_def_cfa,
	CFA_def_cfa_register, CFA_def_cfa_offset, CFA_def_cfa_expression,
	CFA_expression, CFA_offset_extended_sf, CFA_def_cfa_sf, CFA_def_cfa_offset_sf,
	CFA_val_offset, CFA_val_offset_sf, CFA_val_expression,
	CFA_GNU_window_save = 0x2d, CFA_GNU_args_size = 0x2e,
	CFA_GNU_negative_offset_extended = 0x2f,
};

struct interp {
	struct cfi *c;
	const struct cie *cie;
	uint64_t loc;
	bool in_cie;
	bool cfa_expr;
};

static int put(struct interp *it, uint64_t reg, const char *text)
{
	if (!set_rule(&it->c->cur, reg, text))
		return -1;
	return report(it->c, it->loc, reg, text, it->cie->ra);
}

static int put_cfa(struct interp *it)
{
	char t[64], name[40];
	struct ruleset *s = &it->c->cur;

	reg_name(it->c, s->cfa_reg, it->cie->ra, name, sizeof(name));
	snprintf(t, sizeof(t), "%s %" PRId64 " +", name, s->cfa_off);
	s->cfa_known = true;
	return put(it, CFA_REG, t);
}

/* v * align, a factored offset of a CFA instruction; false when the
 * product does not fit in 64 bits (a hostile CIE or instruction), which
 * stops the FDE as malformed data does. */
static bool factored(int64_t v, int64_t align, int64_t *out)
{
	return !__builtin_mul_overflow(v, align, out);
}

/* The rule "reg is saved at (or, val: is) CFA + factor * data_align". */
static int put_offset(struct interp *it, uint64_t reg, int64_t factor, bool val)
{
	char t[64];
	int64_t off;

	if (!it->c->cur.cfa_known && !it->cfa_expr)
		return 1;	/* Breakpad: an offset rule without a CFA stops the FDE */
	if (!factored(factor, it->cie->data_align, &off))
		return 1;
	snprintf(t, sizeof(t), ".cfa %" PRId64 " +%s", off, val ? "" : " ^");
	return put(it, reg, t);
}

/* Runs instructions [p, p+n); returns 0 at the end, 1 when Breakpad would
 * stop interpreting this FDE, -1 when out of memory. */
static int run(struct interp *it, const uint8_t *p, size_t n)
{
	struct cfi *c = it->c;
	struct cursor cur = cursor_make(p, n, c->in->be);
	const struct cie *ce = it->cie;
	int rc = 0;

	while (cursor_left(&cur) && rc == 0) {
		uint8_t op = cursor_u8(&cur), hi = op & 0xc0, lo = op & 0x3f;
		uint64_t reg, a, b;
		int64_t s;
		char t[64];
		struct rule *r;

		if (hi == CFA_advance_loc) {
			it->loc += lo * ce->code_align;
			continue;
		}
		if (hi == CFA_offset) {
			a = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			rc = put_offset(it, lo, (int64_t)a, false);
			continue;
		}
		if (hi == CFA_restore) {
			reg = lo;
			goto restore;
		}
		switch (op) {
		case CFA_nop:
			break;
		case CFA_set_loc:
			if (!read_pointer(c, &cur, ce->fde_enc, ce->addr_size, &a))
				return 1;
			it->loc = a;
			break;
		case CFA_advance_loc1:
			it->loc += cursor_u8(&cur) * ce->code_align;
			break;
		case CFA_advance_loc2:
			it->loc += cursor_u16(&cur) * ce->code_align;
			break;
		case CFA_advance_loc4:
			it->loc += cursor_u32(&cur) * ce->code_align;
			break;
		case CFA_offset_extended:
			reg = cursor_uleb(&cur);
			a = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			rc = put_offset(it, reg, (int64_t)a, false);
			break;
		case CFA_offset_extended_sf:
			reg = cursor_uleb(&cur);
			s = cursor_sleb(&cur);
			if (cur.bad)
				return 1;
			rc = put_offset(it, reg, s, false);
			break;
		case CFA_GNU_negative_offset_extended:
			reg = cursor_uleb(&cur);
			a = cursor_uleb(&cur);
			if (cur.bad || (int64_t)a == INT64_MIN)
				return 1;
			rc = put_offset(it, reg, -(int64_t)a, false);
			break;
		case CFA_val_offset:
			reg = cursor_uleb(&cur);
			a = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			rc = put_offset(it, reg, (int64_t)a, true);
			break;
		case CFA_val_offset_sf:
			reg = cursor_uleb(&cur);
			s = cursor_sleb(&cur);
			if (cur.bad)
				return 1;
			rc = put_offset(it, reg, s, true);
			break;
		case CFA_restore_extended:
			reg = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
		restore:
			if (it->in_cie)
				return 1;	/* restore inside a CIE */
			r = find_rule(&c->cie_rules, reg);
			if (r) {
				rc = put(it, reg, r->text);
			} else {
				reg_name(c, reg, ce->ra, t, sizeof(t));
				rc = put(it, reg, t);
			}
			break;
		case CFA_undefined:
			reg = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			rc = put(it, reg, "\001u");
			break;
		case CFA_same_value:
			reg = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			reg_name(c, reg, ce->ra, t, sizeof(t));
			rc = put(it, reg, t);
			break;
		case CFA_register:
			reg = cursor_uleb(&cur);
			b = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			reg_name(c, b, ce->ra, t, sizeof(t));
			rc = put(it, reg, t);
			break;
		case CFA_remember_state:
			if (c->nstack == c->capstack) {
				size_t ncap = c->capstack ? c->capstack * 2 : 4;
				void *q;
				if (ncap > 1024)
					return 1;
				q = realloc(c->stack, ncap * sizeof(*c->stack));
				if (!q)
					return -1;
				c->stack = q;
				c->capstack = ncap;
			}
			ruleset_copy(&c->stack[c->nstack++], &c->cur);
			break;
		case CFA_restore_state: {
			struct ruleset *old;
			size_t i;

			if (!c->nstack)
				return 1;	/* empty remember stack */
			old = &c->stack[--c->nstack];
			/* report what differs: rules that changed come back,
			 * rules that appeared since become same_value */
			for (i = 0; i < old->n && rc == 0; i++) {
				struct rule *now = find_rule(&c->cur, old->r[i].reg);
				if (!now || strcmp(now->text, old->r[i].text) != 0)
					rc = report(c, it->loc, old->r[i].reg, old->r[i].text, ce->ra);
			}
			for (i = 0; i < c->cur.n && rc == 0; i++) {
				if (!find_rule(old, c->cur.r[i].reg) && c->cur.r[i].reg != CFA_REG) {
					reg_name(c, c->cur.r[i].reg, ce->ra, t, sizeof(t));
					rc = report(c, it->loc, c->cur.r[i].reg, t, ce->ra);
				}
			}
			ruleset_copy(&c->cur, old);
			break;
		}
		case CFA_def_cfa:
			c->cur.cfa_reg = cursor_uleb(&cur);
			c->cur.cfa_off = (int64_t)cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			it->cfa_expr = false;
			rc = put_cfa(it);
			break;
		case CFA_def_cfa_sf:
			c->cur.cfa_reg = cursor_uleb(&cur);
			s = cursor_sleb(&cur);
			if (cur.bad || !factored(s, ce->data_align, &c->cur.cfa_off))
				return 1;
			it->cfa_expr = false;
			rc = put_cfa(it);
			break;
		case CFA_def_cfa_register:
			c->cur.cfa_reg = cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			if (!c->cur.cfa_known)
				return 1;
			rc = put_cfa(it);
			break;
		case CFA_def_cfa_offset:
			c->cur.cfa_off = (int64_t)cursor_uleb(&cur);
			if (cur.bad)
				return 1;
			if (!c->cur.cfa_known)
				return 1;
			rc = put_cfa(it);
			break;
		case CFA_def_cfa_offset_sf:
			s = cursor_sleb(&cur);
			if (cur.bad || !factored(s, ce->data_align, &c->cur.cfa_off))
				return 1;
			if (!c->cur.cfa_known)
				return 1;
			rc = put_cfa(it);
			break;
		case CFA_def_cfa_expression:
			a = cursor_uleb(&cur);
			if (!cursor_skip(&cur, (size_t)a))
				return 1;
			warnf(c, "DW_CFA_def_cfa_expression cannot be expressed; rule skipped", 0);
			c->cur.cfa_known = false;
			it->cfa_expr = true;
			del_rule(&c->cur, CFA_REG);
			break;
		case CFA_expression:
		case CFA_val_expression:
			reg = cursor_uleb(&cur);
			a = cursor_uleb(&cur);
			if (cur.bad || !cursor_skip(&cur, (size_t)a))
				return 1;
			warnf(c, "a DWARF expression rule cannot be expressed; rule skipped", 0);
			rc = put(it, reg, "\001e");
			break;
		case CFA_GNU_args_size:
			cursor_uleb(&cur);
			break;
		case CFA_GNU_window_save:
			/* AArch64: DW_CFA_AARCH64_negate_ra_state; ignored */
			break;
		default:
			return 1;	/* unknown opcode */
		}
		if (cur.bad)
			return 1;
	}
	return rc;
}

/* ---- output ---------------------------------------------------------- */

static int cmp_report(const void *a, const void *b)
{
	const struct report *x = a, *y = b;
	int c;

	if (x->init != y->init)
		return x->init ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int text_put(struct cfi *c, const char *p)
{
	size_t n = strlen(p);

	if (vec_reserve(c->text, n + 1))
		return -1;
	memcpy(c->text.v + c->text.n, p, n);
	c->text.n += n;
	return 0;
}

/* The rules of one record into c->text: reports [i, k) sorted by name,
 * the last report for each name winning.  -1 when out of memory. */
static int rules_text(struct cfi *c, const struct report *v, size_t i, size_t k)
{
	size_t j, shown = 0;

	c->text.n = 0;
	for (j = i; j < k; j++) {
		if (j + 1 < k && strcmp(v[j + 1].name, v[j].name) == 0)
			continue;
		if ((shown++ && text_put(c, " ")) || text_put(c, v[j].name) || text_put(c, ": ") ||
		    text_put(c, v[j].text))
			return -1;
	}
	if (vec_reserve(c->text, 1))
		return -1;
	c->text.v[c->text.n] = '\0';
	return 0;
}

/* Gives the module the FDE's records: an INIT record for [start, start +
 * size), then one row per address where rules change.  -1 when out of
 * memory; a write error is noted in c->write_failed. */
static int emit(struct cfi *c, uint64_t start, uint64_t size)
{
	struct report *v = c->reps.v;
	size_t n = c->reps.n, i, k;

	for (i = 0; i < n; i++)
		v[i].init = v[i].addr == start;
	if (n > 1)	/* v is NULL when the FDE set no rule */
		qsort(v, n, sizeof(*v), cmp_report);
	for (k = 0; k < n && v[k].init; k++)
		;
	if (rules_text(c, v, 0, k))
		return -1;
	if ((c->out ? module_cfi_put(c->out, c->m->load_addr, true, start, size, c->text.v)
		    : module_cfi_init(c->m, start, size, c->text.v)) < 0)
		c->write_failed = true;
	c->records++;
	for (i = k; i < n; i = k) {
		for (k = i; k < n && v[k].addr == v[i].addr; k++)
			;
		if (rules_text(c, v, i, k))
			return -1;
		if ((c->out ? module_cfi_put(c->out, c->m->load_addr, false, v[i].addr, 0, c->text.v)
			    : module_cfi_row(c->m, v[i].addr, c->text.v)) < 0)
			c->write_failed = true;
	}
	return 0;
}

/* ---- FDEs ------------------------------------------------------------ */

static bool in_load(const struct cfi_input *in, uint64_t addr)
{
	size_t i;

	if (!in->nloads)
		return true;
	for (i = 0; i < in->nloads; i++)
		if (addr >= in->loads[i].lo && addr < in->loads[i].hi)
			return true;
	return false;
}

static int do_fde(struct cfi *c, const struct cie *ce, struct cursor *cur, uint64_t end,
		  uint64_t fde_off)
{
	struct interp it;
	uint64_t start, range;
	int rc;

	if (!read_pointer(c, cur, c->in->eh ? ce->fde_enc : PE_absptr, ce->addr_size, &start) ||
	    !read_pointer(c, cur, c->in->eh ? (uint8_t)(ce->fde_enc & 0x0f) : PE_absptr,
			  ce->addr_size, &range)) {
		warnf(c, "unreadable FDE address", fde_off);
		return 0;
	}
	if (ce->has_z) {
		uint64_t alen = cursor_uleb(cur);
		if (cur->bad || !cursor_skip(cur, (size_t)alen)) {
			warnf(c, "FDE augmentation data past the end", fde_off);
			return 0;
		}
	}
	if (cur->pos > end)
		return 0;
	if (!in_load(c->in, start))
		return 0;	/* Breakpad drops entries outside PT_LOAD */

	c->reps.n = 0;
	c->seq = 0;
	c->nstack = 0;
	ruleset_clear(&c->cur);
	memset(&it, 0, sizeof(it));
	it.c = c;
	it.cie = ce;
	it.loc = start;
	/* the INIT is seeded with .ra: <return-address register> */
	if (ce->ra < c->regs.n) {
		struct report r;
		r.addr = start;
		r.init = true;
		r.seq = c->seq++;
		r.reg = ce->ra;
		snprintf(r.name, sizeof(r.name), ".ra");
		snprintf(r.text, sizeof(r.text), "%s", c->regs.names[ce->ra] ? c->regs.names[ce->ra] : "");
		if (vec_push(c->reps, r) < 0)
			return -1;
	}
	it.in_cie = true;
	rc = run(&it, ce->insns, ce->ninsns);
	if (rc < 0)
		return -1;
	ruleset_copy(&c->cie_rules, &c->cur);
	if (rc == 0) {
		it.in_cie = false;
		rc = run(&it, cur->base + cur->pos, end - cur->pos);
		if (rc < 0)
			return -1;
	}
	if (rc > 0)
		warnf(c, "CFI instructions Breakpad cannot follow; the rest of the FDE is skipped", fde_off);
	if (emit(c, start, range) < 0)
		return -1;
	if (c->in->on_fde && c->in->on_fde(c->in->ctx, start, range) < 0)
		return -1;
	return 0;
}

static bool wanted_fde(const struct cfi_input *in, uint64_t off)
{
	size_t lo = 0, hi = in->nfde_offsets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (in->fde_offsets[mid] == off)
			return true;
		if (in->fde_offsets[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The head of the entry at cur's position: 1 with *end set to the offset
 * after it (cur then at its CIE pointer), 0 when the entries end there
 * (.eh_frame's terminator), -1 when it is malformed (warned about with c).
 * A zero length in .debug_frame is an entry of its own: 1, cur and *end
 * after it. */
static int entry_head(struct cfi *c, const struct cfi_input *in, struct cursor *cur,
		      uint64_t *end, bool *dwarf64)
{
	uint64_t off = cur->pos, len = cursor_u32(cur);

	*dwarf64 = false;
	if (len == 0) {
		*end = cur->pos;
		return in->eh ? 0 : 1;
	}
	if (len == 0xffffffff) {
		*dwarf64 = true;
		len = cursor_u64(cur);
	}
	if (cur->bad || len > cursor_left(cur)) {
		if (c)
			warnf(c, "entry length past the end of the section", off);
		return -1;
	}
	if (len < (*dwarf64 ? 8u : 4u)) {
		if (c)
			warnf(c, "entry shorter than its CIE pointer", off);
		return -1;
	}
	*end = cur->pos + len;
	return 1;
}

/* Reads the entries from cur's position until one starts at or after
 * stop, or they end. */
static enum sym_code cfi_entries(struct cfi *c, struct cursor *cur, uint64_t stop)
{
	const struct cfi_input *in = c->in;

	while (cursor_left(cur) >= 4 && cur->pos < stop) {
		uint64_t off = cur->pos, id, end, idpos;
		bool dwarf64;

		if (entry_head(c, in, cur, &end, &dwarf64) <= 0)
			break;
		if (end == cur->pos)
			continue;	/* a zero length in .debug_frame */
		idpos = cur->pos;
		id = cursor_uN(cur, dwarf64 ? 8 : 4);
		if (in->eh ? id != 0 : id != (dwarf64 ? UINT64_MAX : 0xffffffffu)) {
			/* an FDE: find its CIE */
			uint64_t cie_off = in->eh ? idpos - id : id;
			const struct cie *ce;
			struct cursor f = *cur;

			if (in->only_fdes && !wanted_fde(in, off)) {
				/* not one the compact unwind table names */
			} else if ((in->eh && id > idpos) || cie_off >= in->size) {
				warnf(c, "FDE names a CIE outside the section", off);
			} else if (!(ce = get_cie(c, cie_off))) {
				warnf(c, "FDE with an unusable CIE", off);
			} else {
				f.len = end;
				if (do_fde(c, ce, &f, end, off) < 0)
					return sym_fail(c->err, SYM_ENOMEM, "out of memory");
			}
		}
		cursor_seek(cur, end);
	}
	return SYM_OK;
}

static bool cfi_init(struct cfi *c, const struct cfi_input *in, struct module *m, bool warn,
		     struct sym_err *err)
{
	memset(c, 0, sizeof(*c));
	c->in = in;
	c->m = m;
	c->err = err;
	c->warn = warn;
	for (unsigned i = 0; i < 8; i++)
		c->cie_cache[i].ok = false;
	return regs_for(in->machine, &c->regs);
}

static void cfi_free(struct cfi *c)
{
	vec_free(c->reps);
	vec_free(c->text);
	free(c->stack);
}

enum sym_code cfi_write(const struct cfi_input *in, struct module *m, bool warn,
			uint64_t *records, struct sym_err *err)
{
	struct cfi c;
	struct cursor cur = cursor_make(in->data, in->size, in->be);
	enum sym_code rc;

	if (!cfi_init(&c, in, m, warn, err))
		return SYM_OK;	/* no register table: no CFI, as in Breakpad */
	rc = cfi_entries(&c, &cur, UINT64_MAX);
	if (rc == SYM_OK && c.write_failed)
		rc = sym_fail(err, SYM_EIO, "cannot write the CFI records: %s", strerror(errno));
	cfi_free(&c);
	*records += c.records;
	return rc;
}

/* ---- on a pool ----------------------------------------------------------
 *
 * The sections are cut, between entries, into chunks of about CHUNK bytes.
 * A chunk is read on a worker into a buffer of its own (records, and
 * warnings apart); chunks are handed to the module in section order by
 * whichever thread ends the chunk next in that order, and at most `window`
 * chunks are submitted and not yet handed over, so the buffers stay a few
 * chunks' worth however large the sections are.  A chunk starts from
 * nothing (its own CIE cache, its own warning count): what it writes does
 * not depend on the chunks before it, so the records are those of
 * cfi_write(), in the same order.  Its warnings are kept until
 * cfi_finish(), which prints them as cfi_write() would have: in order, at
 * most CFI_WARN_MAX per section. */

#define CHUNK ((uint64_t)64 << 10)

struct cfi_chunk {
	size_t sec;
	uint64_t lo, hi;	/* entries starting in [lo, hi) */
	char *text, *warns;	/* records and warnings (open_memstream) */
	size_t ntext, nwarns;
	uint64_t records;
	bool write_failed;
	enum sym_code rc;
	struct sym_err err;
};

struct cfi_sec {
	struct cfi_input in;
	char *note;		/* a warning printed before the section's */
	size_t first, n;	/* its chunks */
};

struct cfi_job {
	struct ordered *o;
	struct module *m;
	bool warn;
	struct cfi_sec *secs;
	size_t nsecs;
	struct cfi_chunk *ch;
	size_t nch, cap;
	/* set by chunk_merge(), under the ordered job's lock */
	int werr;		/* errno of a failed append */
	bool append_failed;
	uint64_t records;
	enum sym_code rc;
	struct sym_err err;
};

static uint64_t chunk_size(void)
{
	/* SYM_TEST_CFI_CHUNK=N (16 bytes or more) cuts smaller chunks, so
	 * that the tests' small sections are read in many */
	return testenv_num("SYM_TEST_CFI_CHUNK", 16, CHUNK, CHUNK);
}

/* The chunks' bounds of sec; -1 when out of memory. */
static int cut(struct cfi_job *j, struct cfi_sec *sec, size_t sec_idx, uint64_t size)
{
	struct cursor cur = cursor_make(sec->in.data, sec->in.size, sec->in.be);
	uint64_t lo = 0;

	sec->first = j->nch;
	for (;;) {
		uint64_t off = cur.pos, end;
		bool last = true, d64;

		if (cursor_left(&cur) >= 4 && entry_head(NULL, &sec->in, &cur, &end, &d64) > 0) {
			cursor_seek(&cur, end);
			last = false;
		}
		/* a chunk ends before the entry that makes it CHUNK bytes or
		 * more, or takes what is left (entry_head() and cfi_entries()
		 * stop at the same place) */
		if (last || (cur.pos - lo >= size && off > lo)) {
			struct cfi_chunk *c;

			if (j->nch == j->cap) {
				size_t cap = j->cap ? 2 * j->cap : 16;
				void *p = cap < SIZE_MAX / sizeof(*j->ch) ? realloc(j->ch, cap * sizeof(*j->ch)) : NULL;

				if (!p)
					return -1;
				j->ch = p;
				j->cap = cap;
			}
			c = &j->ch[j->nch++];
			memset(c, 0, sizeof(*c));
			c->sec = sec_idx;
			c->lo = lo;
			c->hi = last ? UINT64_MAX : off;
			lo = off;
			if (last)
				break;
		}
	}
	sec->n = j->nch - sec->first;
	return 0;
}

/* Hands a chunk's records to the module (under the ordered job's lock);
 * false stops the job. */
static bool chunk_merge(void *ctx, size_t i)
{
	struct cfi_job *j = ctx;
	struct cfi_chunk *c = &j->ch[i];
	const struct cfi_sec *s = &j->secs[c->sec];
	bool go_on = true;

	if (c->rc) {
		j->rc = c->rc;
		j->err = c->err;
		go_on = false;
	} else {
		if (!j->append_failed && module_cfi_append(j->m, c->text, c->ntext) < 0) {
			j->append_failed = true;
			j->werr = errno;
		}
		j->records += c->records;
		/* as cfi_write() says it, after its section */
		if ((c->write_failed || j->append_failed) && i + 1 == s->first + s->n) {
			j->rc = sym_fail(&j->err, SYM_EIO, "cannot write the CFI records: %s",
					 strerror(c->write_failed ? ENOMEM : j->werr));
			go_on = false;
		}
	}
	free(c->text);
	c->text = NULL;
	return go_on;
}

static void chunk_run(void *ctx, size_t i)
{
	struct cfi_job *j = ctx;
	struct cfi_chunk *c = &j->ch[i];
	const struct cfi_input *in = &j->secs[c->sec].in;
	struct cfi f;
	struct cursor cur = cursor_make(in->data, in->size, in->be);
	FILE *out = open_memstream(&c->text, &c->ntext);
	FILE *wout = j->warn ? open_memstream(&c->warns, &c->nwarns) : NULL;

	sym_err_clear(&c->err);
	if (!out || (j->warn && !wout)) {
		c->rc = sym_fail(&c->err, SYM_ENOMEM, "out of memory");
	} else {
		cfi_init(&f, in, j->m, j->warn, &c->err);
		f.out = out;
		f.wout = wout;
		cursor_seek(&cur, (size_t)c->lo);
		c->rc = cfi_entries(&f, &cur, c->hi);
		c->records = f.records;
		c->write_failed = f.write_failed;
		cfi_free(&f);
	}
	/* the streams' buffers are the chunk's once they are closed; both
	 * are closed, whichever fails */
	bool closed = !out || fclose(out) == 0;

	if (wout && fclose(wout) != 0)
		closed = false;
	if (!closed && !c->rc)
		c->rc = sym_fail(&c->err, SYM_ENOMEM, "out of memory");
}

static const struct ordered_ops chunk_ops = { chunk_run, chunk_merge };

static void job_free(struct cfi_job *j)
{
	size_t i;

	ordered_free(j->o);
	for (i = 0; i < j->nch; i++) {
		free(j->ch[i].text);
		free(j->ch[i].warns);
	}
	for (i = 0; i < j->nsecs; i++)
		free(j->secs[i].note);
	free(j->ch);
	free(j->secs);
	free(j);
}

struct cfi_job *cfi_start(struct pool *p, struct module *m, bool warn,
			  const struct cfi_input *in, const char *const *notes, size_t n)
{
	struct cfi_job *j = calloc(1, sizeof(*j));
	const uint64_t size = chunk_size();
	size_t i;

	if (!j || !(j->secs = calloc(n ? n : 1, sizeof(*j->secs)))) {
		free(j);
		return NULL;
	}
	j->m = m;
	j->warn = warn;
	for (i = 0; i < n; i++) {
		struct cfi_sec *s = &j->secs[i];
		struct regs r;

		j->nsecs++;
		s->in = in[i];
		s->first = j->nch;
		if (notes[i] && !(s->note = strdup(notes[i])))
			goto fail;
		/* no data, or no register table (no CFI, as in Breakpad) */
		if (in[i].data && regs_for(in[i].machine, &r) && cut(j, s, i, size) < 0)
			goto fail;
	}
	j->o = ordered_start(p, j->nch, ordered_window(p), &chunk_ops, j);
	if (j->o)
		return j;
fail:
	job_free(j);
	return NULL;
}

void cfi_cancel(struct cfi_job *j)
{
	if (!j)
		return;
	ordered_cancel(j->o);
	job_free(j);
}

/* Prints a chunk's warnings while its section has printed fewer than
 * CFI_WARN_MAX. */
static void print_warns(const struct cfi_chunk *c, unsigned *shown)
{
	const char *p = c->warns, *e;

	if (!p)
		return;	/* read without warnings */
	e = p + c->nwarns;
	while (p < e && *shown < CFI_WARN_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(e - p);

		fwrite(p, 1, len, stderr);
		(*shown)++;
		p += len;
	}
}

enum sym_code cfi_finish(struct cfi_job *j, uint64_t *records, struct sym_err *err)
{
	enum sym_code rc;
	size_t i, k, merged;

	ordered_drain(j->o);
	merged = ordered_merged(j->o);
	/* every chunk ran and those before the first failure were merged;
	 * the warnings, as the sections were read one after the other */
	for (i = 0; i < j->nsecs; i++) {
		const struct cfi_sec *s = &j->secs[i];
		unsigned shown = 0;

		if (j->rc && i > j->ch[merged - 1].sec)
			break;	/* not read after the section that failed */
		if (s->note)
			fprintf(stderr, "dumpsyms: warning: %s\n", s->note);
		for (k = s->first; k < s->first + s->n && k < merged; k++)
			print_warns(&j->ch[k], &shown);
	}
	if (getenv("SYM_TEST_CFI_STATS"))
		fprintf(stderr, "dumpsyms: stats: CFI: %zu chunks, %zu read by a worker\n", j->nch,
			ordered_by_worker(j->o));
	rc = j->rc;
	if (rc)
		sym_fail(err, rc, "%s", j->err.msg);
	*records += j->records;
	job_free(j);
	return rc;
}
