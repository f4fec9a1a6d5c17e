/* unit.c - table-driven unit tests of the small decoders and helpers.
 * Prints TAP; exits non-zero when any check fails. */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "fsutil.h"
#include "module.h"
#include "obj.h"
#include "outbuf.h"
#include "pdb_msf.h"
#include "symfile.h"
#include "symname.h"
#include "symtab.h"
#include "unwind_info.h"
#include "../fuzz/zlib_verdict.h"

static int ntest, nfail;

/* Records one check; desc's "%s" is replaced by what. */
static void ok(int cond, const char *desc, const char *what)
{
	const char *p = strstr(desc, "%s");

	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - ", cond ? "" : "not ", ntest);
	if (p)
		printf("%.*s%s%s\n", (int)(p - desc), desc, what, p + 2);
	else
		printf("%s\n", desc);
}

static void test_leb128(void)
{
	static const struct {
		const char *name;
		uint8_t bytes[12];
		size_t len;
		uint64_t u;
		int64_t s;
		int bad;	/* the read must fail */
	} cases[] = {
		{ "zero", { 0x00 }, 1, 0, 0, 0 },
		{ "one byte max", { 0x7f }, 1, 127, -1, 0 },
		{ "two bytes", { 0x80, 0x01 }, 2, 128, 128, 0 },
		{ "624485", { 0xe5, 0x8e, 0x26 }, 3, 624485, 624485, 0 },
		{ "-123456", { 0xc0, 0xbb, 0x78 }, 3, 0x1e1dc0, -123456, 0 },
		{ "u64 max", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10,
		  UINT64_MAX, -1, 0 },
		{ "unterminated", { 0x80, 0x80 }, 2, 0, 0, 1 },
		{ "empty", { 0 }, 0, 0, 0, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cursor c = cursor_make(cases[i].bytes, cases[i].len, false);
		uint64_t u = cursor_uleb(&c);
		struct cursor d = cursor_make(cases[i].bytes, cases[i].len, false);
		int64_t s = cursor_sleb(&d);

		if (cases[i].bad) {
			ok(c.bad && c.pos == 0 && d.bad && d.pos == 0,
			   "leb128 %s fails without moving", cases[i].name);
		} else {
			ok(!c.bad && u == cases[i].u && c.pos == cases[i].len,
			   "uleb128 %s", cases[i].name);
			ok(!d.bad && s == cases[i].s && d.pos == cases[i].len,
			   "sleb128 %s", cases[i].name);
		}
	}
}

static void test_cursor_bounds(void)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 'a', 'b', 0, 'c' };
	struct cursor c = cursor_make(b, sizeof(b), false);
	const char *s;

	ok(cursor_u32(&c) == 0x04030201, "%s", "u32 little endian");
	c.big_endian = true;
	ok(cursor_u16(&c) == 0x0506, "%s", "u16 big endian");
	ok(cursor_uN(&c, 2) == 0x0708, "%s", "uN big endian");
	c = cursor_make(b, sizeof(b), false);
	ok(!cursor_skip(&c, 13) && c.bad && c.pos == 0, "%s", "skip past the end fails");
	c = cursor_make(b, sizeof(b), false);
	ok(cursor_seek(&c, 12) && cursor_left(&c) == 0, "%s", "seek to the end");
	ok(!cursor_seek(&c, 13), "%s", "seek past the end fails");
	c = cursor_make(b, sizeof(b), false);
	cursor_skip(&c, 8);
	s = cursor_cstr(&c);
	ok(s && strcmp(s, "ab") == 0 && c.pos == 11, "%s", "terminated string");
	s = cursor_cstr(&c);
	ok(!s && c.bad && c.pos == 11, "%s", "unterminated string fails");
	c = cursor_make(b, 3, false);
	ok(cursor_u32(&c) == 0 && c.bad && c.pos == 0, "%s", "u32 over a 3-byte buffer fails");
	ok(strsec_at(b, sizeof(b), 8) != NULL && strsec_at(b, sizeof(b), 11) == NULL &&
	   strsec_at(b, sizeof(b), 12) == NULL && strsec_at(b, sizeof(b), UINT64_MAX) == NULL,
	   "%s", "string-section lookups stay inside");
	{
		/* a section that ends with a NUL: every offset in it has one */
		static const uint8_t t[] = { 'x', 0, 'y', 'z', 0 };
		ok(strsec_at(t, sizeof(t), 2) && strcmp(strsec_at(t, sizeof(t), 2), "yz") == 0 &&
		   strsec_at(t, sizeof(t), 4) && strsec_at(t, sizeof(t), 4)[0] == 0 &&
		   !strsec_at(t, sizeof(t), 5) && !strsec_at(t, 4, 2),
		   "%s", "a NUL-ended string section, and one cut before its last NUL");
	}
}

static void test_ids(void)
{
	static const struct {
		const char *name;
		uint8_t id[20];
		size_t len;
		const char *debug_id, *code_id;
	} cases[] = {
		/* symfile-format.md, examples A and B */
		{ "20-byte build id",
		  { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76,
		    0x98, 0xba, 0xdc, 0xfe, 0x11, 0x22, 0x33, 0x44 }, 20,
		  "67452301AB89EFCD1032547698BADCFE0", "0123456789ABCDEF1032547698BADCFE11223344" },
		{ "8-byte build id (lld --build-id=fast)",
		  { 0x1c, 0x64, 0x4c, 0xae, 0x3d, 0xfa, 0xef, 0x4a }, 8,
		  "AE4C641CFA3D4AEF00000000000000000", "1C644CAE3DFAEF4A" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct obj o;
		char dbg[OBJ_DEBUG_ID_SIZE], code[2 * OBJ_MAX_ID + 1];

		memset(&o, 0, sizeof(o));
		memcpy(o.ident, cases[i].id, cases[i].len);
		o.ident_len = cases[i].len;
		obj_debug_id(&o, dbg);
		obj_code_id(&o, code);
		ok(strcmp(dbg, cases[i].debug_id) == 0, "debug id from %s", cases[i].name);
		ok(strcmp(code, cases[i].code_id) == 0, "code id from %s", cases[i].name);
	}
}

static void test_store_names(void)
{
	static const struct { const char *in, *out; } names[] = {
		{ "libfoo.so", "libfoo.so.sym" }, { "xul.pdb", "xul.sym" },
		{ "XUL.PDB", "XUL.sym" }, { "firefox", "firefox.sym" }, { ".pdb", ".sym" },
		{ "a.pdb.so", "a.pdb.so.sym" },
	};
	static const struct { const char *name, *shown; int good; } comps[] = {
		{ "libc.so.6", "libc.so.6", 1 }, { "", "", 0 }, { ".", ".", 0 },
		{ "..", "..", 0 }, { "a/b", "a/b", 0 }, { "a\nb", "a<newline>b", 0 },
		{ "...", "...", 1 }, { "name with space", "name with space", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *s = sym_file_name(names[i].in);
		ok(s && strcmp(s, names[i].out) == 0, "sym file name of %s", names[i].in);
		free(s);
	}
	for (i = 0; i < sizeof(comps) / sizeof(comps[0]); i++)
		ok(store_name_ok(comps[i].name) == comps[i].good, "store component '%s'", comps[i].shown);
}

static void test_outbuf(void)
{
	static const struct { uint64_t v; const char *hex, *dec; } nums[] = {
		{ 0, "0", "0" }, { 10, "a", "10" }, { 0x1234abcd, "1234abcd", "305441741" },
		{ UINT64_MAX, "ffffffffffffffff", "18446744073709551615" },
		{ 15, "f", "15" }, { 16, "10", "16" }, { 9, "9", "9" },
		{ 0xffffffffu, "ffffffff", "4294967295" }, { 0x100000000ull, "100000000", "4294967296" },
		{ 1ull << 63, "8000000000000000", "9223372036854775808" },
		{ 9999999999999999999ull, "8ac7230489e7ffff", "9999999999999999999" },
	};
	size_t i;
	FILE *f = tmpfile();

	for (i = 0; f && i < sizeof(nums) / sizeof(nums[0]); i++) {
		struct outbuf ob;
		char got[64] = { 0 }, want[64];
		size_t n;

		rewind(f);
		if (ftruncate(fileno(f), 0) != 0 || outbuf_init(&ob, fileno(f)) < 0)
			break;
		outbuf_hex(&ob, nums[i].v);
		outbuf_putc(&ob, ' ');
		outbuf_dec(&ob, nums[i].v);
		outbuf_finish(&ob);
		lseek(fileno(f), 0, SEEK_SET);
		n = fread(got, 1, sizeof(got) - 1, f);
		got[n] = 0;
		snprintf(want, sizeof(want), "%s %s", nums[i].hex, nums[i].dec);
		ok(strcmp(got, want) == 0, "number formatting %s", want);
	}
	/* records written in place (outbuf_reserve), past several flushes */
	if (f) {
		struct outbuf ob;
		uint64_t v, want_sum = 0, sum = 0, lines = 0;
		char line[64];
		bool same = true;

		rewind(f);
		if (ftruncate(fileno(f), 0) == 0 && outbuf_init(&ob, fileno(f)) == 0) {
			for (v = 0; v < 100000; v++) {
				char *p = outbuf_reserve(&ob, 48);
				if (!p)
					break;
				p = outbuf_fmt_hex(p, v * UINT64_C(0x9e3779b97f4a7c15));
				*p++ = ' ';
				p = outbuf_fmt_dec(p, v * 7919);
				*p++ = '\n';
				outbuf_commit(&ob, p);
			}
			ok(outbuf_finish(&ob) == 0, "outbuf_reserve: no write error", NULL);
			lseek(fileno(f), 0, SEEK_SET);
			for (v = 0; fgets(line, sizeof(line), f); v++, lines++) {
				char want[64];
				snprintf(want, sizeof(want), "%" PRIx64 " %" PRIu64 "\n",
					 v * UINT64_C(0x9e3779b97f4a7c15), v * 7919);
				if (strcmp(line, want) != 0 && same) {
					same = false;
					printf("# record %" PRIu64 ": got %s# want %s", v, line, want);
				}
				sum += strlen(line);
				want_sum += strlen(want);
			}
			ok(same && lines == 100000 && sum == want_sum,
			   "outbuf_reserve: 100000 records in order, as printf writes them", NULL);
		}
		fclose(f);
	}
}

/* macho-notes.md §9-10 test vectors, hand-checked against the prologues
 * of the functions they came from. */
static void test_compact_unwind(void)
{
	static const struct {
		enum obj_arch machine;
		uint32_t enc;
		const char *rules;	/* NULL: no rules */
	} cases[] = {
		/* rbp frame, rbx r12 r13 r14 r15 pushed after mov %rsp,%rbp */
		{ OBJ_ARCH_X86_64, 0x010558d1, ".cfa: $rbp 16 + .ra: .cfa -8 + ^ $rbp: .cfa -16 + ^ $rbx: .cfa -56 + ^ "
				  "$r12: .cfa -48 + ^ $r13: .cfa -40 + ^ $r14: .cfa -32 + ^ $r15: .cfa -24 + ^" },
		{ OBJ_ARCH_X86_64, 0x01000000, ".cfa: $rbp 16 + .ra: .cfa -8 + ^ $rbp: .cfa -16 + ^" },
		/* frameless, 48 bytes, 5 registers, permutation 9 */
		{ OBJ_ARCH_X86_64, 0x02061409, ".cfa: $rsp 48 + .ra: .cfa -8 + ^ $rbx: .cfa -48 + ^ $r12: .cfa -40 + ^ "
				  "$r14: .cfa -32 + ^ $r15: .cfa -24 + ^ $rbp: .cfa -16 + ^" },
		{ OBJ_ARCH_X86_64, 0x02040804, ".cfa: $rsp 32 + .ra: .cfa -8 + ^ $rbx: .cfa -24 + ^ $rbp: .cfa -16 + ^" },
		{ OBJ_ARCH_X86_64, 0x02010000, ".cfa: $rsp 8 + .ra: .cfa -8 + ^" },
		/* six registers: the last permutation digit is implied */
		{ OBJ_ARCH_X86_64, 0x02071800, ".cfa: $rsp 56 + .ra: .cfa -8 + ^ $rbx: .cfa -56 + ^ $r12: .cfa -48 + ^ "
				  "$r13: .cfa -40 + ^ $r14: .cfa -32 + ^ $r15: .cfa -24 + ^ $rbp: .cfa -16 + ^" },
		/* stack smaller than the registers it claims to hold */
		{ OBJ_ARCH_X86_64, 0x02010c00, NULL },
		/* a permutation digit past the registers left */
		{ OBJ_ARCH_X86_64, 0x020304ff, NULL },
		/* DWARF: the FDE describes it */
		{ OBJ_ARCH_X86_64, 0x04000120, NULL },
		{ OBJ_ARCH_X86_64, 0x00000000, NULL },
		/* i386: 4-byte slots, ebx..ebp */
		{ OBJ_ARCH_X86, 0x01020001, ".cfa: $ebp 8 + .ra: .cfa -4 + ^ $ebp: .cfa -8 + ^ $ebx: .cfa -16 + ^" },
		/* arm64 frame with x19..x22, then frameless 9024 bytes */
		{ OBJ_ARCH_ARM64, 0x04000003, ".cfa: x29 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^ x19: .cfa -24 + ^ "
				   "x20: .cfa -32 + ^ x21: .cfa -40 + ^ x22: .cfa -48 + ^" },
		{ OBJ_ARCH_ARM64, 0x04000104, ".cfa: x29 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^ x23: .cfa -24 + ^ "
				   "x24: .cfa -32 + ^" },
		{ OBJ_ARCH_ARM64, 0x02234000, ".cfa: sp 9024 + .ra: x30" },
		{ OBJ_ARCH_ARM64, 0x03000040, NULL },
		/* mode 3 needs the function's bytes: none here */
		{ OBJ_ARCH_X86_64, 0x03044400, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[512], what[64];
		bool got = unwind_info_rules(cases[i].machine, cases[i].enc, 0x1000, NULL, buf, sizeof(buf));

		snprintf(what, sizeof(what), "%u/%08x", (unsigned)cases[i].machine, cases[i].enc);
		if (cases[i].rules) {
			ok(got && strcmp(buf, cases[i].rules) == 0, "compact unwind rules of %s", what);
			if (!got || strcmp(buf, cases[i].rules) != 0)
				printf("# got '%s'\n", got ? buf : "(none)");
		} else {
			ok(!got, "compact unwind %s gives no rules", what);
		}
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A table whose first second-level page lies outside the section: the
 * page after it is still read. */
static void test_unwind_table(void)
{
	uint8_t t[84] = { 0 };
	struct unwind_info_input in;
	struct unwind_table table;
	struct sym_err err;
	uint64_t records = 0;
	char buf[256] = "";
	struct module m;
	size_t n = 0;

	put32(t, 1);			/* version */
	put32(t + 4, 28);		/* common encodings at 28, one */
	put32(t + 8, 1);
	put32(t + 12, 32);		/* no personalities */
	put32(t + 20, 32);		/* index at 32, three entries */
	put32(t + 24, 3);
	put32(t + 28, 0x02010000);	/* frameless, 8 bytes */
	put32(t + 32, 0x100);		/* index 0: page far outside */
	put32(t + 36, 0xffff);
	put32(t + 44, 0x200);		/* index 1: page at 68 */
	put32(t + 48, 68);
	put32(t + 56, 0x300);		/* sentinel */
	put32(t + 68, 3);		/* compressed page: entries at +12, one */
	t[72] = 12;
	t[74] = 1;
	t[76] = 16;
	put32(t + 80, 0);		/* function +0, encoding 0 */
	memset(&in, 0, sizeof(in));
	memset(&table, 0, sizeof(table));
	in.path = "table";
	in.data = t;
	in.size = sizeof(t);
	in.machine = OBJ_ARCH_X86_64;
	sym_err_clear(&err);
	module_init(&m);
	ok(unwind_info_read(&in, false, &table, &err) == SYM_OK && table.usable &&
	   unwind_info_write(&in, &table, &m, &records, &err) == SYM_OK, "unwind table written%s", "");
	unwind_info_free(&table);
	if (m.cfi) {
		rewind(m.cfi);
		n = fread(buf, 1, sizeof(buf) - 1, m.cfi);
	}
	buf[n] = '\0';
	module_release(&m);
	ok(records == 1 && strcmp(buf, "STACK CFI INIT 200 100 .cfa: $rsp 8 + .ra: .cfa -8 + ^\n") == 0,
	   "a page past a bad one is still read%s", "");
	if (records != 1)
		printf("# got %s", buf);
}

static void test_macho_id(void)
{
	/* symfile-format.md §5.2 example C: the LC_UUID as stored */
	static const uint8_t uuid[16] = { 0x3f, 0x2a, 0x9c, 0x01, 0x77, 0xe4, 0x3b, 0x1d,
					  0xa0, 0x5c, 0x66, 0x21, 0x0e, 0x9d, 0x4b, 0x88 };
	struct obj o;
	char dbg[OBJ_DEBUG_ID_SIZE], code[2 * OBJ_MAX_ID + 1];

	memset(&o, 0, sizeof(o));
	o.id_raw = true;
	memcpy(o.ident, uuid, 16);
	o.ident_len = 16;
	obj_debug_id(&o, dbg);
	obj_code_id(&o, code);
	ok(strcmp(dbg, "3F2A9C0177E43B1DA05C66210E9D4B880") == 0, "Mach-O debug id is the LC_UUID unswapped%s", "");
	ok(strcmp(code, "3F2A9C0177E43B1DA05C66210E9D4B88") == 0, "Mach-O code id is the LC_UUID%s", "");
}

/* obj_sniff(): every kind from its first bytes, and near misses. */
static void test_sniff(void)
{
	static const char pdb7[] = "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0\0";
	static const char pdb2[] = "Microsoft C/C++ program database 2.00\r\n";
	uint8_t b[256];

	memset(b, 0, sizeof(b));
	memcpy(b, "\177ELF\2\1\1", 7);
	b[16] = 3;				/* ET_DYN, little-endian */
	ok(obj_sniff(b, 64) == OBJ_KIND_ELF, "sniff: %s", "ELF shared object");
	b[16] = 1;
	ok(obj_sniff(b, 64) == OBJ_KIND_ELF_REL, "sniff: %s", "ELF relocatable");
	b[5] = 2; b[16] = 0; b[17] = 1;		/* big-endian ET_REL */
	ok(obj_sniff(b, 64) == OBJ_KIND_ELF_REL, "sniff: %s", "big-endian ELF relocatable");
	ok(obj_sniff(b, 17) == OBJ_KIND_UNKNOWN, "sniff: %s", "ELF cut before e_type");

	memset(b, 0, sizeof(b));
	memcpy(b, "\xcf\xfa\xed\xfe", 4);
	b[12] = 2;				/* MH_EXECUTE */
	ok(obj_sniff(b, 32) == OBJ_KIND_MACHO, "sniff: %s", "Mach-O executable");
	b[12] = 1;
	ok(obj_sniff(b, 32) == OBJ_KIND_MACHO_OBJECT, "sniff: %s", "Mach-O object");
	memcpy(b, "\xfe\xed\xfa\xce", 4);	/* PowerPC: not read */
	ok(obj_sniff(b, 32) == OBJ_KIND_UNKNOWN, "sniff: %s", "big-endian Mach-O");

	memset(b, 0, sizeof(b));
	memcpy(b, "\xca\xfe\xba\xbe\0\0\0\2", 8);
	ok(obj_sniff(b, 8) == OBJ_KIND_UNIVERSAL, "sniff: %s", "universal");
	b[7] = 45;				/* a Java class file's version */
	ok(obj_sniff(b, 8) == OBJ_KIND_UNKNOWN, "sniff: %s", "Java class file");

	memset(b, 0, sizeof(b));
	memcpy(b, pdb7, sizeof(pdb7) - 1);
	ok(obj_sniff(b, sizeof(b)) == OBJ_KIND_PDB, "sniff: %s", "PDB 7.00");
	ok(obj_sniff(b, sizeof(pdb7) - 2) == OBJ_KIND_UNKNOWN, "sniff: %s", "PDB magic cut short");
	memcpy(b, pdb2, sizeof(pdb2) - 1);
	ok(obj_sniff(b, sizeof(b)) == OBJ_KIND_PDB, "sniff: %s", "PDB 2.00");
	memcpy(b, "MSCF\0\0\0\0", 8);
	ok(obj_sniff(b, 8) == OBJ_KIND_CAB, "sniff: %s", "CAB");

	memset(b, 0, sizeof(b));
	b[0] = 'M'; b[1] = 'Z';
	b[0x3c] = 0x80;
	memcpy(b + 0x80, "PE\0\0", 4);
	ok(obj_sniff(b, sizeof(b)) == OBJ_KIND_PE, "sniff: %s", "PE");
	ok(obj_sniff(b, 0x83) == OBJ_KIND_UNKNOWN, "sniff: %s", "PE signature past what was read");
	b[0x3c] = 0xfd; b[0x3d] = 0xff; b[0x3e] = 0xff; b[0x3f] = 0xff;
	ok(obj_sniff(b, sizeof(b)) == OBJ_KIND_UNKNOWN, "sniff: %s", "e_lfanew out of range");
	b[0x3c] = 0x40; b[0x3d] = 0; b[0x3e] = 0; b[0x3f] = 0;
	ok(obj_sniff(b, sizeof(b)) == OBJ_KIND_UNKNOWN, "sniff: %s", "MZ without a PE signature");
	ok(obj_sniff(b, 0) == OBJ_KIND_UNKNOWN, "sniff: %s", "empty");
}

/* An 8-block MSF file: stream 1 in consecutive blocks 3, 4 (read in place),
 * stream 2 in blocks 6, 5 (gathered), stream 3 in block 9 (past the file). */
static void test_pdb_stream(void)
{
	static const char magic[] = "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0\0";
	static const uint32_t dir[] = { 4, 0, 600, 600, 100, 3, 4, 6, 5, 9 };
	static uint8_t f[8 * 512];
	struct pdb_msf msf;
	struct pdb_stream s;
	struct sym_err e;
	size_t i;

	for (i = 0; i < 8; i++)
		memset(f + i * 512, (int)i, 512);
	memcpy(f, magic, 32);
	f[33] = 2;		/* block size 512 */
	f[40] = 8;		/* 8 blocks */
	f[44] = sizeof(dir);	/* directory bytes */
	memset(f + 48, 0, 8);	/* the directory's block list is in block 1 */
	f[52] = 1;
	memset(f + 512, 0, 4);
	f[512] = 2;		/* the directory is in block 2 */
	for (i = 0; i < sizeof(dir) / 4; i++) {
		uint8_t *d = f + 2 * 512 + 4 * i;
		d[0] = (uint8_t)dir[i];
		d[1] = (uint8_t)(dir[i] >> 8);
		d[2] = d[3] = 0;
	}
	sym_err_clear(&e);
	ok(pdb_msf_open(&msf, "t.pdb", f, sizeof(f), &e) == SYM_OK, "pdb stream: %s", "MSF opens");
	ok(pdb_msf_stream(&msf, 1, "one", &s, &e) == SYM_OK && s.data == f + 3 * 512 &&
	   !s.owned && s.len == 600 && s.data[599] == 4, "pdb stream: %s", "consecutive blocks in place");
	pdb_stream_release(&s);
	ok(!s.data && !s.len, "pdb stream: %s", "released");
	ok(pdb_msf_stream(&msf, 2, "two", &s, &e) == SYM_OK && s.owned && s.data == s.owned &&
	   s.len == 600 && s.data[0] == 6 && s.data[511] == 6 && s.data[512] == 5 && s.data[599] == 5,
	   "pdb stream: %s", "scattered blocks gathered");
	pdb_stream_release(&s);
	ok(pdb_msf_stream(&msf, 3, "three", &s, &e) == SYM_EFORMAT && !s.data && !s.owned,
	   "pdb stream: %s", "block out of range");
	ok(pdb_msf_stream(&msf, 0, "zero", &s, &e) == SYM_OK && !s.data && !s.len,
	   "pdb stream: %s", "empty stream");
	ok(pdb_msf_stream(&msf, 7, "absent", &s, &e) == SYM_OK && !s.data && !s.len,
	   "pdb stream: %s", "absent stream");
	pdb_msf_release(&msf);
}

static void stats_of(const char *text, struct symfile_stats *st)
{
	struct symcheck c;

	symcheck_init(&c);
	ok(symcheck_feed(&c, text, strlen(text)) && symcheck_finish(&c), "a sample .sym file passes the check%s",
	   "");
	*st = c.stats;
	symcheck_release(&c);
}

static void test_symfile_compare(void)
{
	static const char full[] =
		"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n"
		"FILE 0 a.c\nINLINE_ORIGIN 0 g\n"
		"FUNC 10 20 0 f\n10 8 1 0\n18 8 2 0\nINLINE 0 3 0 0 14 4\n"
		"FUNC 30 10 0 h\n30 10 7 0\nPUBLIC 50 0 p\n"
		"STACK CFI INIT 10 20 .cfa: $rsp 8 +\nSTACK CFI 11 .cfa: $rsp 16 +\n";
	static const char stripped[] =
		"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n"
		"PUBLIC 10 0 f\nPUBLIC 30 0 h\nPUBLIC 50 0 p\n"
		"STACK CFI INIT 10 20 .cfa: $rsp 8 +\nSTACK CFI 11 .cfa: $rsp 16 +\n";
	static const char shorter[] =
		"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n"
		"FILE 0 a.c\nINLINE_ORIGIN 0 g\n"
		"FUNC 10 20 0 f\n10 8 1 0\n18 8 2 0\nINLINE 0 3 0 0 14 4\n"
		"STACK CFI INIT 10 20 .cfa: $rsp 8 +\n";
	static const char mixed[] =
		"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n"
		"FILE 0 a.c\nINLINE_ORIGIN 0 g\n"
		"FUNC 10 20 0 f\n10 8 1 0\n18 8 2 0\nINLINE 0 3 0 0 14 4\n"
		"FUNC 30 10 0 h\n30 10 7 0\nFUNC 40 10 0 k\n40 10 7 0\n"
		"STACK CFI INIT 10 20 .cfa: $rsp 8 +\n";
	struct symfile_stats f, s, sh, m;
	char why[256];

	stats_of(full, &f);
	stats_of(stripped, &s);
	stats_of(shorter, &sh);
	stats_of(mixed, &m);
	ok(f.funcs == 2 && f.lines == 3 && f.inlines == 1 && f.publics == 1 && f.files == 1 &&
	   f.stack_cfi == 2 && f.stack_win == 0, "records counted by kind%s", "");
	ok(symfile_compare(&f, &s, why, sizeof(why)) < 0, "a file without functions is poorer%s", "");
	ok(strstr(why, "0 FUNC, 0 line, 0 INLINE, 2 STACK records against 2 FUNC, 3 line") != NULL,
	   "the reason names both sides: %s", why);
	ok(symfile_compare(&s, &f, NULL, 0) > 0, "the full file is richer than the stripped one%s", "");
	ok(symfile_compare(&f, &sh, NULL, 0) < 0, "fewer of some kinds and more of none is poorer%s", "");
	ok(symfile_compare(&f, &m, NULL, 0) == 0, "more of one kind and fewer of another is neither%s", "");
	ok(symfile_compare(&f, &f, NULL, 0) == 0, "a file is as rich as itself%s", "");
}

/* Feeds text to the upload check in one block, or split at cut. */
static bool check_split(const char *text, size_t n, size_t cut)
{
	struct symcheck c;
	bool good;

	symcheck_init(&c);
	good = symcheck_feed(&c, text, cut) && symcheck_feed(&c, text + cut, n - cut) &&
	       symcheck_finish(&c);
	symcheck_release(&c);
	return good;
}

/* Builds a lookup table of text (fed split at cut) in dir; true when built
 * and the address 0x1000 resolves to a function whose name is name_len long. */
static bool table_of(const char *dir, const char *text, size_t n, size_t cut, size_t name_len)
{
	struct symtab_builder *b;
	struct symtab *t;
	struct symtab_result r;
	struct sym_err e;
	char path[4200];
	bool good = false;

	snprintf(path, sizeof(path), "%s/t.symt", dir);
	unlink(path);
	if (symtab_build_begin(&b, dir, &e) != SYM_OK)
		return false;
	if (symtab_build_feed(b, text, cut, &e) != SYM_OK ||
	    symtab_build_feed(b, text + cut, n - cut, &e) != SYM_OK) {
		symtab_build_abort(b);
		return false;
	}
	if (symtab_build_finish(b, path, &e) != SYM_OK || symtab_open(&t, path, &e) != SYM_OK)
		return false;
	memset(&r, 0, sizeof(r));
	symtab_lookup(t, 0x1000, &r);
	good = r.kind == SYMTAB_FUNC && r.function && strlen(r.function) == name_len;
	symtab_result_release(&r);
	symtab_close(t);
	return good;
}

/* A line of SYMFILE_MAX_LINE bytes (the newline not counted) is accepted
 * at upload and builds a lookup table; one byte more is refused by both,
 * however the file is split into blocks. */
static void test_line_limit(void)
{
	static const char head[] = "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n";
	static const char fhead[] = "FUNC 1000 10 0 ";
	char dir[] = "/tmp/unit-symtab.XXXXXX";
	size_t hl = strlen(head), fl = strlen(fhead);
	size_t n = hl + SYMFILE_MAX_LINE + 2;
	char *text = malloc(n + 1);

	if (!text || !mkdtemp(dir)) {
		ok(0, "line limit: %s", "set-up");
		free(text);
		return;
	}
	for (int extra = 0; extra <= 1; extra++) {
		size_t line = SYMFILE_MAX_LINE + (size_t)extra, len = hl + line + 1;
		size_t name_len = line - fl;

		memcpy(text, head, hl);
		memcpy(text + hl, fhead, fl);
		memset(text + hl + fl, 'x', name_len);
		text[hl + line] = '\n';
		ok(check_split(text, len, len) == !extra,
		   extra ? "a line one byte over the limit is refused by the check (%s)"
			 : "a line at the limit passes the check (%s)", "one block");
		ok(check_split(text, len, hl + 100) == !extra,
		   extra ? "a line one byte over the limit is refused by the check (%s)"
			 : "a line at the limit passes the check (%s)", "split");
		ok(table_of(dir, text, len, len, name_len) == !extra,
		   extra ? "a line one byte over the limit builds no table (%s)"
			 : "a line at the limit builds a table that finds it (%s)", "one block");
		ok(table_of(dir, text, len, hl + 100, name_len) == !extra,
		   extra ? "a line one byte over the limit builds no table (%s)"
			 : "a line at the limit builds a table that finds it (%s)", "split");
	}
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/t.symt", dir);
		unlink(path);
		rmdir(dir);
	}
	free(text);
}

/* Feeds gen's text (gen(i, buf) writes record i, false past the last) to
 * a build in 64 KB chunks and finishes it at dir/t.symt. */
static enum sym_code table_of_gen(const char *dir, bool (*gen)(size_t, char *), char *msg,
				  size_t cap)
{
	struct symtab_builder *b;
	struct sym_err e = { 0 };
	char path[4200], *chunk = malloc(1 << 16);
	size_t i = 0, len = 0;
	bool more = true;
	enum sym_code rc = SYM_OK;

	msg[0] = '\0';
	snprintf(path, sizeof(path), "%s/t.symt", dir);
	unlink(path);
	if (!chunk || symtab_build_begin(&b, dir, &e) != SYM_OK) {
		free(chunk);
		return SYM_ENOMEM;
	}
	while (rc == SYM_OK && more) {
		for (len = 0; len < (1 << 16) - 200 && (more = gen(i, chunk + len)); i++)
			len += strlen(chunk + len);
		rc = symtab_build_feed(b, chunk, len, &e);
	}
	free(chunk);
	rc = rc == SYM_OK ? symtab_build_finish(b, path, &e) : (symtab_build_abort(b), rc);
	if (rc != SYM_OK)
		snprintf(msg, cap, "%s", e.msg);
	return rc;
}

/* Looks up addr in dir/t.symt: true when it is in function name at line. */
static bool table_says(const char *dir, uint64_t addr, const char *name, uint64_t line)
{
	struct symtab *t;
	struct symtab_result r;
	struct sym_err e = { 0 };
	char path[4200];
	bool good;

	snprintf(path, sizeof(path), "%s/t.symt", dir);
	if (symtab_open(&t, path, &e) != SYM_OK)
		return false;
	memset(&r, 0, sizeof(r));
	symtab_lookup(t, addr, &r);
	good = r.kind == SYMTAB_FUNC && strcmp(r.function, name) == 0 && r.file && r.line == line;
	symtab_result_release(&r);
	symtab_close(t);
	return good;
}

#define BIG_RUN (((size_t)SYMTAB_FUNC_MAX_MB << 20) / 32 + 1000)	/* past the limit */
static const char gen_head[] =
	"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\nFILE 0 a.c\n";

/* an empty FUNC with more line records than the limit, then a real one */
static bool gen_dead(size_t i, char *out)
{
	if (i == 0)
		sprintf(out, "%sFUNC 10 0 0 z\n", gen_head);
	else if (i <= BIG_RUN)
		sprintf(out, "%zx 1 5 0\n", 0x10 + i);
	else if (i == BIG_RUN + 1)
		sprintf(out, "FUNC 2000000 10 0 ok\n2000000 10 3 0\n");
	else
		return false;
	return true;
}

/* a FUNC with more zero-size line records than the limit and one real */
static bool gen_zero_lines(size_t i, char *out)
{
	if (i == 0)
		sprintf(out, "%sFUNC 10 100 0 z\n", gen_head);
	else if (i <= BIG_RUN)
		sprintf(out, "%zx 0 5 0\n", 0x10 + i % 0x100);
	else if (i == BIG_RUN + 1)
		sprintf(out, "10 100 9 0\n");
	else
		return false;
	return true;
}

/* one FUNC at 0x1000 of gen_nlines line records of a byte each, the
 * last at line 7 */
static size_t gen_nlines;
static bool gen_lines(size_t i, char *out)
{
	if (i == 0)
		sprintf(out, "%sFUNC 1000 %zx 0 big\n", gen_head, gen_nlines);
	else if (i <= gen_nlines)
		sprintf(out, "%zx 1 %d 0\n", 0x1000 + i - 1, i == gen_nlines ? 7 : 5);
	else
		return false;
	return true;
}

/* A build holds one FUNC's records in memory, at most SYMTAB_FUNC_MAX_MB
 * of them (32 bytes a line record): a function of exactly that builds and
 * resolves, one line record more gives no table and says why. */
static void test_func_limit(void)
{
	char dir[] = "/tmp/unit-symtab.XXXXXX", msg[600], path[4200];
	size_t most = ((size_t)SYMTAB_FUNC_MAX_MB << 20) / 32;
	enum sym_code rc;

	if (!mkdtemp(dir)) {
		ok(0, "function limit: %s", "set-up");
		return;
	}
	gen_nlines = most;
	rc = table_of_gen(dir, gen_lines, msg, sizeof(msg));
	ok(rc == SYM_OK && table_says(dir, 0x1000 + gen_nlines - 1, "big", 7),
	   "a FUNC of the limit's line records builds and resolves (%s)", msg);
	gen_nlines = most + 1;
	rc = table_of_gen(dir, gen_lines, msg, sizeof(msg));
	ok(rc == SYM_ELIMIT && strstr(msg, "function's records take more than") != NULL,
	   "a FUNC of one line record past the limit is refused with the reason (%s)", msg);
	snprintf(path, sizeof(path), "%s/t.symt", dir);
	unlink(path);
	rmdir(dir);
}

/* Records no lookup can find do not count against the limit: an empty
 * FUNC's, zero-size lines. */
static void test_func_limit_dropped(void)
{
	char dir[] = "/tmp/unit-symtab.XXXXXX", msg[600], path[4200];
	enum sym_code rc;

	if (!mkdtemp(dir)) {
		ok(0, "function limit: %s", "set-up");
		return;
	}
	rc = table_of_gen(dir, gen_dead, msg, sizeof(msg));
	ok(rc == SYM_OK && table_says(dir, 0x2000004, "ok", 3),
	   "an empty FUNC's line records past the limit do not refuse the file (%s)", msg);
	rc = table_of_gen(dir, gen_zero_lines, msg, sizeof(msg));
	ok(rc == SYM_OK && table_says(dir, 0x20, "z", 9),
	   "zero-size line records past the limit do not refuse the file (%s)", msg);
	snprintf(path, sizeof(path), "%s/t.symt", dir);
	unlink(path);
	rmdir(dir);
}

/* Builds text into dir/t.symt in one piece and opens it (*t); the
 * build's or the open's result, the reason in msg. */
static enum sym_code table_open_text(const char *dir, const char *text, struct symtab **t,
				     char *msg, size_t cap)
{
	struct symtab_builder *b;
	struct sym_err e = { 0 };
	char path[4200];
	enum sym_code rc;

	*t = NULL;
	msg[0] = '\0';
	snprintf(path, sizeof(path), "%s/t.symt", dir);
	unlink(path);
	if ((rc = symtab_build_begin(&b, dir, &e)) != SYM_OK)
		goto out;
	if ((rc = symtab_build_feed(b, text, strlen(text), &e)) != SYM_OK) {
		symtab_build_abort(b);
		goto out;
	}
	if ((rc = symtab_build_finish(b, path, &e)) == SYM_OK)
		rc = symtab_open(t, path, &e);
out:
	if (rc != SYM_OK)
		snprintf(msg, cap, "%s", e.msg);
	unlink(path);	/* (mapped: still readable) */
	return rc;
}

/* Tables of every shape open and answer: one without records, one of a
 * PUBLIC, one of a FILE and an INLINE_ORIGIN (whether the section after
 * DATA needs padding depends on zstd's output, which the test does not
 * control: of these, the empty one needs none, the two others do), and
 * files by the group (GROUP_MAX, 1024, in symtab.c): one short of a
 * group, a whole one, one past it, two whole ones, many; each with about
 * half as many origins, so origins' groups end elsewhere than files'. */
static void test_table_shapes(void)
{
	static const char head[] = "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n";
	static const size_t nfiles[] = { 1023, 1024, 1025, 2048, 6661 };
	char dir[] = "/tmp/unit-symtab.XXXXXX", msg[600], text[700];
	struct symtab *t;
	struct symtab_result r;
	struct symtab_counts c;
	enum sym_code rc;
	size_t k;

	if (!mkdtemp(dir)) {
		ok(0, "table shapes: %s", "set-up");
		return;
	}
	memset(&r, 0, sizeof(r));
	snprintf(text, sizeof(text), "%s", head);
	rc = table_open_text(dir, text, &t, msg, sizeof(msg));
	if (rc == SYM_OK) {
		symtab_counts(t, &c);
		symtab_lookup(t, 0x1000, &r);
	}
	ok(rc == SYM_OK && c.funcs == 0 && c.publics == 0 && c.files == 0 && c.pages == 0 &&
	   r.kind == SYMTAB_NONE, "a table of a .sym without records opens and finds nothing (%s)",
	   msg);
	symtab_close(t);
	snprintf(text, sizeof(text), "%sPUBLIC 1000 0 p\n", head);
	rc = table_open_text(dir, text, &t, msg, sizeof(msg));
	if (rc == SYM_OK) {
		symtab_counts(t, &c);
		symtab_lookup(t, 0x1004, &r);
	}
	ok(rc == SYM_OK && c.publics == 1 && c.funcs == 0 && r.kind == SYMTAB_PUBLIC &&
	   strcmp(r.function, "p") == 0, "a table of one PUBLIC opens and finds it (%s)", msg);
	symtab_close(t);
	snprintf(text, sizeof(text), "%sFILE 0 a.c\nINLINE_ORIGIN 0 i\n", head);
	rc = table_open_text(dir, text, &t, msg, sizeof(msg));
	if (rc == SYM_OK)
		symtab_counts(t, &c);
	ok(rc == SYM_OK && c.files == 1 && c.origins == 1 && c.funcs == 0,
	   "a table of one FILE and one INLINE_ORIGIN opens (%s)", msg);
	symtab_close(t);
	for (k = 0; k < sizeof(nfiles) / sizeof(nfiles[0]); k++) {
		size_t n = nfiles[k], m = n / 2 + 1, i, len = 0;
		size_t cap = strlen(head) + n * 64 + m * 64 + 256;
		char *big = malloc(cap);
		bool good = true;

		if (!big) {
			ok(0, "table shapes: %s", "memory");
			break;
		}
		len += (size_t)snprintf(big + len, cap - len, "%s", head);
		for (i = 0; i < n; i++)	/* ids with gaps: 0, 3, 6, ... */
			len += (size_t)snprintf(big + len, cap - len, "FILE %zu f%zu.c\n", 3 * i, i);
		for (i = 0; i < m; i++)	/* 0, 2, 4, ... */
			len += (size_t)snprintf(big + len, cap - len, "INLINE_ORIGIN %zu o%zu\n", 2 * i,
						i);
		len += (size_t)snprintf(big + len, cap - len, "FUNC 1000 %zx 0 f\n", n + 3);
		/* an inline call at each of the first m lines, of origin i */
		for (i = 0; i < m; i++)
			len += (size_t)snprintf(big + len, cap - len, "INLINE 0 5 0 %zu %zx 1\n", 2 * i,
						0x1000 + i);
		/* and two of ids no record has: between two, past the last */
		len += (size_t)snprintf(big + len, cap - len, "INLINE 0 5 0 1 %zx 1\n", 0x1000 + n + 1);
		len += (size_t)snprintf(big + len, cap - len, "INLINE 0 5 0 %zu %zx 1\n", 2 * m + 1,
					0x1000 + n + 2);
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(big + len, cap - len, "%zx 1 %zu %zu\n", 0x1000 + i,
						i + 1, 3 * i);
		/* lines naming ids no record has: between two, past the last */
		len += (size_t)snprintf(big + len, cap - len, "%zx 1 99 4\n", 0x1000 + n);
		len += (size_t)snprintf(big + len, cap - len, "%zx 1 98 %zu\n", 0x1000 + n + 1,
					3 * n + 1);
		snprintf(big + len, cap - len, "%zx 1 97 %zu\n", 0x1000 + n + 2, 3 * n + 1);
		rc = table_open_text(dir, big, &t, msg, sizeof(msg));
		free(big);
		if (rc == SYM_OK) {
			symtab_counts(t, &c);
			good = c.files == n && c.origins == m;
			/* every file and origin resolves to its own name, first
			 * to last: the line's file and line in the inline frame
			 * where there is one, else in the function's */
			for (i = 0; i < n && good; i++) {
				char want[32], wanto[32];
				const char *file;
				uint64_t line;

				snprintf(want, sizeof(want), "f%zu.c", i);
				snprintf(wanto, sizeof(wanto), "o%zu", i);
				symtab_lookup(t, 0x1000 + i, &r);
				if (r.kind != SYMTAB_FUNC || r.ninlines != (i < m)) {
					good = false;
					break;
				}
				file = i < m ? r.inlines[0].file : r.file;
				line = i < m ? r.inlines[0].line : r.line;
				good = line == i + 1 && file && strcmp(file, want) == 0 &&
				       (i >= m || (strcmp(r.inlines[0].function, wanto) == 0 &&
						   r.file && strcmp(r.file, "f0.c") == 0 && r.line == 5));
			}
			/* ids no record has: no file, "<name omitted>" */
			symtab_lookup(t, 0x1000 + n, &r);
			good = good && r.kind == SYMTAB_FUNC && r.line == 99 && !r.file;
			for (i = 1; i <= 2 && good; i++) {
				symtab_lookup(t, 0x1000 + n + i, &r);
				good = r.kind == SYMTAB_FUNC && r.ninlines == 1 &&
				       r.inlines[0].line == 99 - i && !r.inlines[0].file &&
				       strcmp(r.inlines[0].function, "<name omitted>") == 0;
			}
		}
		snprintf(text, sizeof(text), "%zu FILE, %zu INLINE_ORIGIN records: %s", n, m, msg);
		ok(rc == SYM_OK && good, "each line finds its file and origin, an id none has finds "
		   "none (%s)", text);
		symtab_close(t);
	}
	symtab_result_release(&r);
	rmdir(dir);
}

/* With no room in the page cache (SYM_TEST_CACHE_BYTES=0), every page
 * goes through the table's scratch buffer: small pages, a page of over
 * 64 KB (the buffer grows), small ones again (it shrinks back), the big
 * one again; each lookup gets its function's whole name. */
static void test_scratch_pages(void)
{
	static const char head[] = "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n";
	enum { NSMALL = 20, SMALL = 4000, BIG = 200000 };
	static const int order[] = { 0, NSMALL, NSMALL - 1, NSMALL, NSMALL / 2, 0, NSMALL };
	char dir[] = "/tmp/unit-symtab.XXXXXX", msg[600], what[64];
	size_t cap = sizeof(head) + NSMALL * (SMALL + 64) + BIG + 64, len = 0, k;
	char *text = malloc(cap), *want = malloc(BIG + 1);
	struct symtab *t = NULL;
	struct symtab_result r;
	enum sym_code rc;
	bool good = true;
	int i;

	if (!text || !want || !mkdtemp(dir)) {
		ok(0, "scratch pages: %s", "set-up");
		free(text);
		free(want);
		return;
	}
	len += (size_t)snprintf(text + len, cap - len, "%s", head);
	for (i = 0; i < NSMALL; i++) {	/* FUNC 1000 + 16 i, name "s<i>xxxx..." */
		len += (size_t)snprintf(text + len, cap - len, "FUNC %x 10 0 s%d", 0x1000 + 16 * i, i);
		memset(text + len, 'x', SMALL);
		len += SMALL;
		text[len++] = '\n';
	}
	len += (size_t)snprintf(text + len, cap - len, "FUNC 2000 10 0 ");
	memset(text + len, 'B', BIG);
	len += BIG;
	text[len++] = '\n';
	text[len] = '\0';
	setenv("SYM_TEST_CACHE_BYTES", "0", 1);
	rc = table_open_text(dir, text, &t, msg, sizeof(msg));
	unsetenv("SYM_TEST_CACHE_BYTES");
	memset(&r, 0, sizeof(r));
	for (k = 0; rc == SYM_OK && good && k < sizeof(order) / sizeof(order[0]); k++) {
		i = order[k];
		if (i == NSMALL) {
			memset(want, 'B', BIG);
			want[BIG] = '\0';
			symtab_lookup(t, 0x2004, &r);
		} else {
			int n = snprintf(want, 32, "s%d", i);

			memset(want + n, 'x', SMALL);
			want[n + SMALL] = '\0';
			symtab_lookup(t, 0x1000 + 16 * (uint64_t)i + 4, &r);
		}
		good = r.kind == SYMTAB_FUNC && r.function && strcmp(r.function, want) == 0;
		snprintf(what, sizeof(what), "lookup %zu, function %d", k, i);
	}
	if (rc != SYM_OK)
		snprintf(what, sizeof(what), "%.60s", msg);
	ok(rc == SYM_OK && good, "with no page cache, small and big pages through the scratch "
	   "buffer give whole names (%s)", good ? "" : what);
	symtab_result_release(&r);
	symtab_close(t);
	rmdir(dir);
	free(text);
	free(want);
}

/* The base names FUNC names are compared on (dumpsyms/symname.c): a
 * symbol's demangled name against a bare DWARF name. */
static void test_symname(void)
{
	static const struct {
		const char *in;
		bool params;
		const char *base;
	} bases[] = {
		{ "(anonymous namespace)::RestockCommand::run() [clone .isra.0]", true, "run" },
		{ "store::(anonymous namespace)::normalize_sku(char const*)", true, "normalize_sku" },
		{ "main::{lambda(int)#1}::operator()(int) const", true, "operator()" },
		{ "operator()", false, "operator()" },
		{ "store::audit(store::Inventory const&, int)::Counter::over(int, int)", true, "over" },
		{ "main::{lambda(int)#1}::operator()(int) const::Acc::add(int)", true, "add" },
		{ "main::$_1::operator()(int) const::Acc::add(int)", true, "add" },
		{ "int store::twice<int>(int)", true, "twice" },
		{ "twice<int>", false, "twice" },
		{ "std::vector<int, std::allocator<int> > make<int>(int)", true, "make" },
		{ "store::Local::~Local()", true, "~Local" },
		{ "store::Local::Local(int)", true, "Local" },
		{ "bool store::operator< <int>(store::Box<int> const&, store::Box<int> const&)", true,
		  "operator< <int>" },
		{ "store::Box::operator<(store::Box const&) const &", true, "operator<" },
		{ "store::Box::operator<<=(int) &&", true, "operator<<=" },
		{ "operator new[](unsigned long)", true, "operator new[]" },
		{ "store::Box::operator bool() const", true, "operator bool" },
		{ "store::Box::operator std::basic_string<char>() const", true,
		  "operator std::basic_string<char>" },
		{ "store::name[abi:cxx11](int)", true, "name" },
		{ "complain.constprop.0", false, "complain" },
		{ "helper.part.0.isra.0", false, "helper" },
		{ "main.cold", false, "main" },
		{ "f(int, ...)", true, "f" },
		{ "core::fmt::write", false, "write" },
		{ "core::ptr::drop_in_place::<alloc::string::String>", false, "drop_in_place" },
		{ "helper.__uniq.1234", false, "helper" },
		{ "main", false, "main" },
	};
	static const struct {
		const char *dw, *sym;
		bool agree;
	} pairs[] = {
		{ "run", "(anonymous namespace)::RestockCommand::run() [clone .isra.0]", true },
		{ "operator()", "main::{lambda(int)#1}::operator()(int) const [clone .isra.0]", true },
		{ "twice<int>", "int store::twice<int>(int)", true },
		{ "helper", "helper.constprop.0", true },
		/* identical code folded under another name keeps the DWARF one */
		{ "run", "(anonymous namespace)::AuditCommand::check()", false },
		{ "run", "runner()", false },
		{ "f", "", false },
		{ "operator()<int>", "main::{lambda(auto:1)#1}::operator()<int>(int) const", true },
	};
	size_t i, n;
	char buf[160];

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		const char *b = symname_base(bases[i].in, strlen(bases[i].in), bases[i].params, &n);
		snprintf(buf, sizeof(buf), "%s -> %s", bases[i].in, bases[i].base);
		ok(n == strlen(bases[i].base) && memcmp(b, bases[i].base, n) == 0,
		   "symname base: %s", buf);
	}
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		snprintf(buf, sizeof(buf), "%s / %s", pairs[i].dw, pairs[i].sym);
		ok(symname_agree(pairs[i].dw, pairs[i].sym) == pairs[i].agree,
		   pairs[i].agree ? "symname agree: %s" : "symname differ: %s", buf);
	}
	{
		const char *s = "f(int) [clone .constprop.0] [clone .cold]";
		ok(symname_unclone(s, strlen(s)) == strlen("f(int)"), "symname unclone: %s", s);
	}
}

/* obj_inflate_whole() against zlib on in[0..n) declared as out_size
 * bytes: the same verdict, and on success the same bytes.  false when
 * they differ. */
static bool inflate_agrees(const uint8_t *in, size_t n, size_t out_size)
{
	uint8_t *a = malloc(out_size + 1), *b = malloc(out_size + 1);
	int ra, rb;
	bool same;

	ra = obj_inflate_whole(in, n, a, out_size);
	rb = zlib_verdict(in, n, b, out_size);
	same = ra == rb && (ra != 0 || memcmp(a, b, out_size) == 0);
	free(a);
	free(b);
	return same;
}

static void test_inflate_whole(void)
{
	enum { N = 6000 };
	uint8_t *src = malloc(N), *z = malloc(2 * N + 64), *out = malloc(N + 1);
	static const int levels[] = { 0, 1, 6, 9 };
	unsigned long flips_differ = 0, cuts_differ = 0, flips_ok = 0, flips_bad = 0;
	uLongf zn;
	uint32_t x = 12345;

	/* text-like and random-like halves: stored, fixed and dynamic
	 * blocks at the levels below */
	for (size_t i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		src[i] = i < N / 2 ? (uint8_t)"DW_TAG_subprogram "[i % 18] : (uint8_t)(x >> 24);
	}
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		char what[32];

		snprintf(what, sizeof(what), "level %d", levels[l]);
		zn = 2 * N + 64;
		if (compress2(z, &zn, src, N, levels[l]) != Z_OK) {
			ok(0, "zlib compresses the %s input", what);
			continue;
		}
		ok(obj_inflate_whole(z, zn, out, N) == 0 && memcmp(out, src, N) == 0,
		   "a zlib stream (%s) decompresses to its bytes", what);
		z[zn] = 0x55;
		z[zn + 1] = 0xaa;
		ok(obj_inflate_whole(z, zn + 2, out, N) == 0 && inflate_agrees(z, zn + 2, N),
		   "bytes after the stream's end (%s) are ignored, as zlib does", what);
		ok(obj_inflate_whole(z, zn, out, N - 1) == -1 && inflate_agrees(z, zn, N - 1),
		   "a declared size one short (%s) is refused", what);
		ok(obj_inflate_whole(z, zn, out, N + 1) == -1 && inflate_agrees(z, zn, N + 1),
		   "a declared size one long (%s) is refused", what);
		/* every cut and (at level 9) every flipped byte: zlib's verdict */
		for (size_t c = 0; c < zn; c += (l == 3 ? 1 : 97))
			cuts_differ += !inflate_agrees(z, c, N);
		if (levels[l] == 9)
			for (size_t i = 0; i < zn; i++) {
				z[i] ^= 0x21;
				flips_differ += !inflate_agrees(z, zn, N);
				if (obj_inflate_whole(z, zn, out, N) == 0)
					flips_ok++;
				else
					flips_bad++;
				z[i] ^= 0x21;
			}
	}
	ok(cuts_differ == 0, "a cut stream gets zlib's verdict at every cut", "");
	ok(flips_differ == 0 && flips_bad > 0, "a stream with a flipped byte gets zlib's verdict at every byte", "");
	printf("# flipped bytes: %lu refused, %lu accepted (zlib agrees on each)\n", flips_bad, flips_ok);
	/* an empty stream, nothing at all, a preset dictionary */
	zn = 64;
	compress2(z, &zn, src, 0, 6);
	ok(obj_inflate_whole(z, zn, out, 0) == 0, "a stream of no bytes decompresses to none", "");
	ok(obj_inflate_whole(z, 0, out, 0) == -1 && inflate_agrees(z, 0, 0),
	   "no bytes at all are not a stream", "");
	{
		/* FDICT set, the header's check bits kept valid */
		uint8_t d[] = { 0x78, 0x00, 0, 0, 0, 0, 0x03, 0x00, 0, 0, 0, 1 };

		d[1] = 0x20;
		d[1] |= (uint8_t)(31 - ((d[0] << 8) | d[1]) % 31);
		ok(obj_inflate_whole(d, sizeof(d), out, 0) == -1 && inflate_agrees(d, sizeof(d), 0),
		   "a stream that needs a preset dictionary is refused", "");
	}
	free(src);
	free(z);
	free(out);
}

int main(void)
{
	test_leb128();
	test_cursor_bounds();
	test_ids();
	test_store_names();
	test_outbuf();
	test_compact_unwind();
	test_unwind_table();
	test_macho_id();
	test_sniff();
	test_pdb_stream();
	test_symfile_compare();
	test_line_limit();
	test_func_limit();
	test_func_limit_dropped();
	test_table_shapes();
	test_scratch_pages();
	test_symname();
	test_inflate_whole();
	printf("1..%d\n", ntest);
	if (nfail)
		printf("# %d of %d failed\n", nfail, ntest);
	return nfail ? 1 : 0;
}
