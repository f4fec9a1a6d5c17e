/* unwind_info.c - STACK CFI from the compact unwind table of a linked
 * Mach-O image (__TEXT,__unwind_info).
 *
 * The table maps each function to a 32-bit encoding.  Frame-based and
 * frameless encodings become one INIT record whose rules hold for the
 * function's body (a compact encoding says nothing about the prologue and
 * epilogue, so neither does the record).  Encodings that defer to DWARF
 * name an FDE of __eh_frame, which the DWARF CFI reader already wrote; so
 * does any function an FDE covers.
 *
 * Layout (all offsets from the section start, little-endian u32 unless
 * said): header {version 1, common encodings offset, count, personalities
 * offset, count, index offset, count}; index entries {function offset,
 * second-level page offset, LSDA offset}, the last a sentinel marking the
 * end of the last function; second-level pages are regular (kind 2:
 * {function offset, encoding} pairs) or compressed (kind 3: u32 entries,
 * 24-bit offset from the index entry's function, 8-bit encoding index into
 * the common then the page's own encodings).
 */
#include "config.h"
#include "unwind_info.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "module.h"
#include "vec.h"

#define MODE_MASK	0x0f000000u

/* x86 and x86_64 modes */
#define X86_MODE_BP_FRAME	1
#define X86_MODE_STACK_IMMD	2
#define X86_MODE_STACK_IND	3
#define X86_MODE_DWARF		4
/* arm64 modes */
#define A64_MODE_FRAMELESS	2
#define A64_MODE_DWARF		3
#define A64_MODE_FRAME		4

struct entry {
	uint64_t off;		/* from the image base */
	uint32_t enc;
	uint32_t seq;		/* table order, for a stable sort */
};

struct entry_vec {
	struct entry *v;
	size_t n, cap;
};

static uint32_t u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Up to n bytes of code at vm address addr into buf; the count read. */
static size_t read_text(struct obj *o, uint64_t addr, uint8_t *buf, size_t n)
{
	size_t i;

	if (!o)
		return 0;
	for (i = 0; i < o->nsections; i++) {
		const struct obj_section *s = &o->sections[i];

		if (s->data && addr >= s->addr && addr - s->addr < s->size) {
			size_t left = s->size - (size_t)(addr - s->addr);

			if (n > left)
				n = left;
			memcpy(buf, s->data + (addr - s->addr), n);
			return n;
		}
	}
	return 0;
}

/* The little-endian u32 at vm address addr of o's code. */
static bool read_text_u32(struct obj *o, uint64_t addr, uint32_t *v)
{
	uint8_t b[4];

	if (read_text(o, addr, b, 4) != 4)
		return false;
	*v = u32le(b);
	return true;
}

/* The stack size of an x86 frameless encoding (w-byte words), the return
 * address included: the immediate one, or the operand of the prologue's
 * "sub $imm, %rsp" plus the adjustment. */
static bool x86_stack_size(uint32_t enc, unsigned w, uint64_t start, struct obj *text,
			   uint64_t *size)
{
	uint32_t imm;

	if ((enc & MODE_MASK) >> 24 == X86_MODE_STACK_IMMD) {
		*size = (uint64_t)w * ((enc >> 16) & 0xff);
		return true;
	}
	if (!read_text_u32(text, start + ((enc >> 16) & 0xff), &imm))
		return false;
	*size = (uint64_t)imm + (uint64_t)w * ((enc >> 13) & 7);
	return true;
}

struct rulebuf {
	char *p;
	size_t len, pos;
	bool overflow;
};

static void put(struct rulebuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct rulebuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->pos, b->len - b->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->pos)
		b->overflow = true;
	else
		b->pos += (size_t)n;
}

/* The registers a frameless x86 encoding saves, in push order from the
 * lowest address: a permutation of n of the six callee-saved codes,
 * numbered in a mixed radix (libunwind's scheme). */
static bool x86_permutation(uint32_t n, uint32_t perm, int reg[6])
{
	static const uint32_t radix[7][6] = {
		{ 0 }, { 1 }, { 5, 1 }, { 20, 4, 1 }, { 60, 12, 3, 1 },
		{ 120, 24, 6, 2, 1 }, { 120, 24, 6, 2, 1, 1 },
	};
	uint32_t digit[6];
	bool used[7] = { false };
	uint32_t i, k;

	if (n > 6)
		return false;
	for (i = 0; i < n; i++) {
		if (n == 6 && i == 5) {
			digit[i] = 0;
			break;
		}
		digit[i] = perm / radix[n][i];
		perm -= digit[i] * radix[n][i];
	}
	for (i = 0; i < n; i++) {
		uint32_t seen = 0;

		reg[i] = 0;
		for (k = 1; k <= 6; k++) {
			if (used[k])
				continue;
			if (seen == digit[i]) {
				reg[i] = (int)k;
				used[k] = true;
				break;
			}
			seen++;
		}
		if (!reg[i])
			return false;
	}
	return true;
}

static bool x86_rules(bool is64, uint32_t enc, uint64_t start, struct obj *text, struct rulebuf *b)
{
	static const char *const names64[7] = { NULL, "$rbx", "$r12", "$r13", "$r14", "$r15", "$rbp" };
	static const char *const names32[7] = { NULL, "$ebx", "$ecx", "$edx", "$edi", "$esi", "$ebp" };
	const char *const *names = is64 ? names64 : names32;
	const unsigned w = is64 ? 8 : 4;
	uint32_t mode = (enc & MODE_MASK) >> 24;

	if (mode == X86_MODE_BP_FRAME) {
		uint32_t o = (enc >> 16) & 0xff, i;

		put(b, ".cfa: %s %u + .ra: .cfa -%u + ^ %s: .cfa -%u + ^", names[6], 2 * w, w,
		    names[6], 2 * w);
		for (i = 0; i < 5; i++) {
			uint32_t r = (enc >> (3 * i)) & 7;

			if (!r)
				continue;
			if (r >= 6 || o + 2 <= i)
				return false;	/* rbp has its rule already */
			put(b, " %s: .cfa -%u + ^", names[r], w * (o + 2 - i));
		}
		return true;
	}
	if (mode == X86_MODE_STACK_IMMD || mode == X86_MODE_STACK_IND) {
		uint32_t n = (enc >> 10) & 7, perm = enc & 0x3ff, i;
		uint64_t size;
		int reg[6];

		if (!x86_stack_size(enc, w, start, text, &size) ||
		    !x86_permutation(n, perm, reg) || size < (uint64_t)w * (n + 1))
			return false;
		put(b, ".cfa: %s %" PRIu64 " + .ra: .cfa -%u + ^", is64 ? "$rsp" : "$esp", size, w);
		for (i = 0; i < n; i++)
			put(b, " %s: .cfa -%u + ^", names[reg[i]], w * (n + 1 - i));
		return true;
	}
	return false;
}

static bool arm64_rules(uint32_t enc, struct rulebuf *b)
{
	uint32_t mode = (enc & MODE_MASK) >> 24;

	if (mode == A64_MODE_FRAMELESS) {
		put(b, ".cfa: sp %u + .ra: x30", 16 * ((enc >> 12) & 0xfff));
		return true;
	}
	if (mode == A64_MODE_FRAME) {
		uint32_t k = 0, i;

		put(b, ".cfa: x29 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^");
		/* x19/x20 .. x27/x28 pairs, stored below the frame record in
		 * this order; the d8..d15 pairs that follow them are not
		 * registers a stack walker recovers. */
		for (i = 0; i < 5; i++) {
			if (!(enc & (1u << i)))
				continue;
			put(b, " x%u: .cfa -%u + ^ x%u: .cfa -%u + ^", 19 + 2 * i, 24 + 16 * k,
			    20 + 2 * i, 32 + 16 * k);
			k++;
		}
		return true;
	}
	return false;
}

bool unwind_info_rules(enum obj_arch machine, uint32_t enc, uint64_t start, struct obj *text,
		       char *buf, size_t len)
{
	struct rulebuf b = { buf, len, 0, false };
	bool ok;

	if (!len)
		return false;
	buf[0] = '\0';
	switch (machine) {
	case OBJ_ARCH_X86_64: ok = x86_rules(true, enc, start, text, &b); break;
	case OBJ_ARCH_X86: ok = x86_rules(false, enc, start, text, &b); break;
	case OBJ_ARCH_ARM64: ok = arm64_rules(enc, &b); break;
	default: ok = false; break;
	}
	return ok && !b.overflow;
}

static bool skipped(const struct unwind_info_input *in, uint64_t addr)
{
	size_t lo = 0, hi = in->nskip;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < in->skip[mid].lo)
			hi = mid;
		else if (addr >= in->skip[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static void warnf(const struct unwind_info_input *in, bool warn, const char *what)
{
	if (warn)
		fprintf(stderr, "dumpsyms: warning: %s: __unwind_info: %s\n", in->path, what);
}

/* Reads the second-level page at page_off of index entry fbase into v. */
static int read_page(const struct unwind_info_input *in, bool warn,
		     uint32_t page_off, uint32_t fbase, const uint32_t *common, uint32_t ncommon,
		     struct entry_vec *v, size_t limit)
{
	struct cursor cur = cursor_make(in->data, in->size, false), *c = &cur;
	uint32_t kind, i;
	uint16_t eoff, ecount;

	if (!cursor_seek(c, page_off)) {
		warnf(in, warn, "a second-level page lies outside the section");
		return 0;
	}
	kind = cursor_u32(c);
	eoff = cursor_u16(c);
	ecount = cursor_u16(c);
	if (c->bad) {
		warnf(in, warn, "a second-level page header is truncated");
		return 0;
	}
	if (kind == 2) {
		if ((uint64_t)page_off + eoff + (uint64_t)ecount * 8 > in->size) {
			warnf(in, warn, "a regular page's entries run past the section");
			return 0;
		}
		for (i = 0; i < ecount; i++) {
			const uint8_t *p = in->data + page_off + eoff + (size_t)i * 8;
			struct entry e;

			if (v->n >= limit)
				return 0;
			e.off = u32le(p);
			e.enc = u32le(p + 4);
			e.seq = (uint32_t)v->n;
			if (vec_push(*v, e) < 0)
				return -1;
		}
		return 0;
	}
	if (kind == 3) {
		uint16_t encoff = cursor_u16(c), enccount = cursor_u16(c);

		if (c->bad || (uint64_t)page_off + eoff + (uint64_t)ecount * 4 > in->size ||
		    (uint64_t)page_off + encoff + (uint64_t)enccount * 4 > in->size) {
			warnf(in, warn, "a compressed page's entries or encodings run past the section");
			return 0;
		}
		for (i = 0; i < ecount; i++) {
			const uint8_t *p = in->data + page_off + eoff + (size_t)i * 4;
			uint32_t raw = u32le(p);
			uint32_t idx = raw >> 24;
			struct entry e;

			if (v->n >= limit)
				return 0;
			e.off = (uint64_t)fbase + (raw & 0xffffff);
			if (idx < ncommon) {
				e.enc = common[idx];
			} else if (idx - ncommon < enccount) {
				const uint8_t *q = in->data + page_off + encoff + (size_t)(idx - ncommon) * 4;
				e.enc = u32le(q);
			} else {
				warnf(in, warn, "a compressed entry names an encoding that does not exist");
				e.enc = 0;	/* still ends the entry before it */
			}
			e.seq = (uint32_t)v->n;
			if (vec_push(*v, e) < 0)
				return -1;
		}
		return 0;
	}
	warnf(in, warn, "a second-level page of unknown kind");
	return 0;
}

/* Reads the whole table into v, sorted by function offset; *end_all is
 * the sentinel's offset.  Malformed pages and entries are skipped with a
 * warning.  Returns 1, 0 when the header or index cannot be read (nothing
 * in the table can be trusted), or -1 when out of memory. */
static int read_table(const struct unwind_info_input *in, bool warn, struct entry_vec *v,
		      uint32_t *end_all)
{
	struct cursor c = cursor_make(in->data, in->size, false);
	uint32_t version, common_off, ncommon, index_off, nindex, i;
	uint32_t *common = NULL;
	/* every real entry takes at least 4 bytes of the section; more means
	 * pages are shared between index entries, which no linker writes */
	size_t limit = in->size / 4 + 1;
	int rc = 0;

	version = cursor_u32(&c);
	common_off = cursor_u32(&c);
	ncommon = cursor_u32(&c);
	cursor_skip(&c, 8);	/* personalities */
	index_off = cursor_u32(&c);
	nindex = cursor_u32(&c);
	if (c.bad || version != 1) {
		warnf(in, warn, c.bad ? "the header is truncated" : "unknown version");
		return 0;
	}
	if (common_off > in->size || ncommon > (in->size - common_off) / 4 ||
	    index_off > in->size || nindex > (in->size - index_off) / 12) {
		warnf(in, warn, "the common encodings or the index run past the section");
		return 0;
	}
	if (nindex == 0) {
		/* not even the sentinel an empty table has */
		warnf(in, warn, "the index has no sentinel");
		return 0;
	}
	if (nindex == 1)
		return 1;	/* an empty table */
	common = malloc((ncommon ? ncommon : 1) * sizeof(*common));
	if (!common)
		return -1;
	for (i = 0; i < ncommon; i++)
		common[i] = u32le(in->data + common_off + (size_t)i * 4);
	for (i = 0; i + 1 < nindex; i++) {
		const uint8_t *p = in->data + index_off + (size_t)i * 12;
		uint32_t page = u32le(p + 4);

		if (!page)
			continue;
		if (read_page(in, warn, page, u32le(p), common, ncommon, v, limit) < 0) {
			rc = -1;
			break;
		}
		if (v->n >= limit) {
			warnf(in, warn, "more entries than the section can hold; the rest are ignored");
			break;
		}
	}
	*end_all = u32le(in->data + index_off + (size_t)(nindex - 1) * 12);
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), cmp_entry);
	free(common);
	return rc < 0 ? rc : 1;
}

static bool is_dwarf_mode(enum obj_arch machine, uint32_t enc)
{
	uint32_t mode = (enc & MODE_MASK) >> 24;

	return machine == OBJ_ARCH_ARM64 ? mode == A64_MODE_DWARF : mode == X86_MODE_DWARF;
}

enum sym_code unwind_info_read(const struct unwind_info_input *in, bool warn,
			       struct unwind_table *t, struct sym_err *err)
{
	struct entry_vec v = { 0 };
	int r;

	memset(t, 0, sizeof(*t));
	r = read_table(in, warn, &v, &t->end);
	if (r < 0) {
		vec_free(v);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	t->usable = r > 0;
	t->v = v.v;
	t->n = v.n;
	return SYM_OK;
}

void unwind_info_free(struct unwind_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

enum sym_code unwind_info_dwarf_fdes(const struct unwind_info_input *in,
				     const struct unwind_table *t, uint64_t **offsets, size_t *n,
				     struct sym_err *err)
{
	size_t i, k = 0;

	*offsets = NULL;
	*n = 0;
	for (i = 0; i < t->n; i++)
		k += is_dwarf_mode(in->machine, t->v[i].enc);
	if (!k)
		return SYM_OK;
	*offsets = malloc(k * sizeof(**offsets));
	if (!*offsets)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	for (i = 0; i < t->n; i++)
		if (is_dwarf_mode(in->machine, t->v[i].enc))
			(*offsets)[(*n)++] = t->v[i].enc & 0xffffff;
	return SYM_OK;
}

/* Where a function's records go: the module, and whether a write failed. */
struct rows {
	struct module *m;
	bool failed;
};

/* One row of a function's records: the INIT record for [addr, addr +
 * size) first, then the rows after it. */
static void row(struct rows *out, bool init, uint64_t addr, uint64_t size, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void row(struct rows *out, bool init, uint64_t addr, uint64_t size, const char *fmt, ...)
{
	char rules[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rules, sizeof(rules), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rules) ||
	    (init ? module_cfi_init(out->m, addr, size, rules) : module_cfi_row(out->m, addr, rules)) < 0)
		out->failed = true;
}

/* A compact encoding holds for a function's body only.  Where the
 * prologue is the one the encoding implies, read from the code, the
 * records also follow it instruction by instruction: x86_64 "push %rbp;
 * mov %rsp,%rbp" (frame) or the register pushes and "sub $n,%rsp"
 * (frameless; they must add up to the encoding's stack size); arm64
 * "stp ..., [sp, #-n]!" or "sub sp, sp, #n", stores at sp offsets, then
 * "mov x29, sp" or "add x29, sp, #m" (frame), or "sub sp, sp, #n"
 * (frameless, of the encoding's size).  The return address stays in x30
 * through an arm64 prologue.  Returns false, writing nothing, when the
 * code is anything else; the epilogue is not followed. */
static bool prologue_rows(const struct unwind_info_input *in, uint32_t enc, uint64_t start,
			  uint64_t size, const char *body, struct rows *out)
{
	static const char *const x64[7] = { NULL, "$rbx", "$r12", "$r13", "$r14", "$r15", "$rbp" };
	uint32_t mode = (enc & MODE_MASK) >> 24;
	uint8_t b[64];
	size_t n = read_text(in->text, start, b, size < sizeof(b) ? (size_t)size : sizeof(b));

	if (in->machine == OBJ_ARCH_X86_64 && mode == X86_MODE_BP_FRAME) {
		if (n < 5 || b[0] != 0x55 || b[1] != 0x48 || b[2] != 0x89 || b[3] != 0xe5)
			return false;
		row(out, true, start, size, ".cfa: $rsp 8 + .ra: .cfa -8 + ^");
		row(out, false, start + 1, 0, ".cfa: $rsp 16 + $rbp: .cfa -16 + ^");
		row(out, false, start + 4, 0, "%s", body);
		return true;
	}
	if (in->machine == OBJ_ARCH_X86_64 && (mode == X86_MODE_STACK_IMMD || mode == X86_MODE_STACK_IND)) {
		uint32_t nreg = (enc >> 10) & 7, k;
		uint64_t stack, at = 0, off[7];
		int reg[6];

		if (!x86_permutation(nreg, enc & 0x3ff, reg) ||
		    !x86_stack_size(enc, 8, start, in->text, &stack))
			return false;
		/* reg[nreg - 1] is pushed first, right below the return address */
		for (k = 0; k < nreg; k++) {
			int want = reg[nreg - 1 - k], got;

			if (at < n && b[at] >= 0x50 && b[at] <= 0x57) {
				got = b[at] == 0x53 ? 1 : b[at] == 0x55 ? 6 : 0;
				at += 1;
			} else if (at + 1 < n && b[at] == 0x41 && b[at + 1] >= 0x54 && b[at + 1] <= 0x57) {
				got = 2 + (b[at + 1] - 0x54);
				at += 2;
			} else {
				return false;
			}
			if (got != want)
				return false;
			off[k] = at;
		}
		if (stack > 8ull * (nreg + 1)) {
			uint64_t sub;

			if (at + 3 < n && b[at] == 0x48 && b[at + 1] == 0x83 && b[at + 2] == 0xec) {
				sub = b[at + 3];
				at += 4;
			} else if (at + 6 < n && b[at] == 0x48 && b[at + 1] == 0x81 && b[at + 2] == 0xec) {
				sub = (uint64_t)b[at + 3] | (uint64_t)b[at + 4] << 8 | (uint64_t)b[at + 5] << 16 |
				      (uint64_t)b[at + 6] << 24;
				at += 7;
			} else {
				return false;
			}
			if (sub + 8ull * (nreg + 1) != stack)
				return false;
		} else if (stack != 8ull * (nreg + 1)) {
			return false;
		}
		if (at >= size)
			return false;
		row(out, true, start, size, ".cfa: $rsp 8 + .ra: .cfa -8 + ^");
		for (k = 0; k < nreg; k++)
			row(out, false, start + off[k], 0, ".cfa: $rsp %u + %s: .cfa -%u + ^",
			    8 * (k + 2), x64[reg[nreg - 1 - k]], 8 * (k + 2));
		if (stack > 8ull * (nreg + 1))
			row(out, false, start + at, 0, "%s", body);
		return true;
	}
	if (in->machine == OBJ_ARCH_ARM64 && mode == A64_MODE_FRAMELESS) {
		uint32_t insn, want = 16 * ((enc >> 12) & 0xfff), imm;

		if (!want || n < 8)
			return false;
		insn = u32le(b);
		/* sub sp, sp, #imm{, lsl #12} */
		if ((insn & 0xff8003ff) != 0xd10003ff)
			return false;
		imm = ((insn >> 10) & 0xfff) << ((insn >> 22) & 1 ? 12 : 0);
		if (imm != want)
			return false;
		row(out, true, start, size, ".cfa: sp 0 + .ra: x30");
		row(out, false, start + 4, 0, "%s", body);
		return true;
	}
	if (in->machine == OBJ_ARCH_ARM64 && mode == A64_MODE_FRAME) {
		uint32_t insn, k, pre, rt, rt2;
		int64_t imm7;

		if (n < 8)
			return false;
		insn = u32le(b);
		if ((insn & 0xffc003e0) == 0xa98003e0) {
			/* stp xA, xB, [sp, #-n]! */
			imm7 = (int64_t)((insn >> 15) & 0x7f);
			if (imm7 & 0x40)
				imm7 -= 0x80;
			if (imm7 >= 0)
				return false;
			pre = (uint32_t)(-imm7 * 8);
			rt = insn & 31;
			rt2 = (insn >> 10) & 31;
		} else if ((insn & 0xff8003ff) == 0xd10003ff) {
			/* sub sp, sp, #n{, lsl #12} */
			pre = ((insn >> 10) & 0xfff) << ((insn >> 22) & 1 ? 12 : 0);
			rt = rt2 = 31;
			if (!pre)
				return false;
		} else {
			return false;
		}
		for (k = 1; (k + 1) * 4 <= n; k++) {
			insn = u32le(b + 4 * k);
			if ((insn & 0xffc003ff) == 0x910003fd)
				break;		/* mov x29, sp / add x29, sp, #m: the frame */
			if ((insn & 0xffc003e0) != 0xa90003e0 && (insn & 0xffc003e0) != 0x6d0003e0)
				return false;	/* only stores at sp offsets before it */
		}
		if ((k + 1) * 4 > n || (k + 1) * 4 >= size)
			return false;
		row(out, true, start, size, ".cfa: sp 0 + .ra: x30");
		if (rt == 29 && rt2 == 30)
			row(out, false, start + 4, 0, ".cfa: sp %u + .ra: .cfa -%u + ^ x29: .cfa -%u + ^",
			    pre, pre - 8, pre);	/* the frame record itself */
		else
			row(out, false, start + 4, 0, ".cfa: sp %u +", pre);
		row(out, false, start + 4 * (k + 1), 0, "%s", body);
		return true;
	}
	return false;
}

enum sym_code unwind_info_write(const struct unwind_info_input *in, const struct unwind_table *t,
				struct module *m, uint64_t *records, struct sym_err *err)
{
	struct rows out = { m, false };
	char rules[512];
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];
		uint64_t end = t->end, start = in->base + e->off;
		size_t k;

		if (i && t->v[i - 1].off == e->off)
			continue;	/* a duplicate: the first one counts */
		for (k = i + 1; k < t->n && t->v[k].off == e->off; k++)
			;
		if (k < t->n)
			end = t->v[k].off;
		if (end <= e->off || (e->enc & MODE_MASK) == 0 || skipped(in, start))
			continue;
		if (!unwind_info_rules(in->machine, e->enc, start, in->text, rules, sizeof(rules)))
			continue;
		if (prologue_rows(in, e->enc, start, end - e->off, rules, &out)) {
			(*records)++;
			continue;
		}
		row(&out, true, start, end - e->off, "%s", rules);
		(*records)++;
		if (out.failed)
			break;
	}
	if (out.failed)
		return sym_fail(err, SYM_EIO, "cannot write the CFI records: %s", strerror(errno));
	return SYM_OK;
}
