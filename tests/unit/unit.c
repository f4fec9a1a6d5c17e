/* unit.c - table-driven unit tests of the small decoders and helpers.
 * Prints TAP; exits non-zero when any check fails. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "fsutil.h"
#include "obj.h"
#include "outbuf.h"

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
		char dbg[34], code[2 * OBJ_MAX_ID + 1];

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
	if (f)
		fclose(f);
}

int main(void)
{
	test_leb128();
	test_cursor_bounds();
	test_ids();
	test_store_names();
	test_outbuf();
	printf("1..%d\n", ntest);
	if (nfail)
		printf("# %d of %d failed\n", nfail, ntest);
	return nfail ? 1 : 0;
}
