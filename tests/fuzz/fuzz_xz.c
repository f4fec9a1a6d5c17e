/* fuzz_xz.c - libFuzzer entry point for MiniDebugInfo decoding: one input
 * is the contents of a .gnu_debugdata section, decoded by xz_decode()
 * (dumpsyms/xz.c: the look at the last stream's index, the capped output;
 * liblzma behind it) with a 1 MiB cap (the real one, 256 MiB, is too slow
 * to reach here); when it decodes to an ELF file, that is opened from
 * memory and its symbol table walked, as dumpsyms reads an embedded one.
 *
 * The cap is checked as well: output of L bytes must decode again, the
 * same, with a cap of L, and must be refused with SYM_ELIMIT with a cap of
 * L - 1.  A failure of those checks aborts.  Any crash, hang, leak or
 * sanitizer report is a bug. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"
#include "xz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_symbol(void *ctx, const struct obj_symbol *s)
{
	size_t *n = ctx;

	/* names point into the decoded file: touch them */
	*n += s->name ? strlen(s->name) : 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t cap = (size_t)1 << 20;
	struct sym_err err;
	uint8_t *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0, names = 0;
	struct obj o;

	sym_err_clear(&err);
	if (xz_decode(data, size, cap, "fuzz", &out, &len, &err) != SYM_OK) {
		if (out || len || !err.msg[0])
			abort();	/* a failure leaves nothing, says why */
		return 0;
	}
	if (len > cap)
		abort();
	sym_err_clear(&err);
	if (xz_decode(data, size, len, "fuzz", &again, &len2, &err) != SYM_OK || len2 != len ||
	    (len && memcmp(out, again, len) != 0))
		abort();
	free(again);
	again = NULL;
	if (len) {
		sym_err_clear(&err);
		if (xz_decode(data, size, len - 1, "fuzz", &again, &len2, &err) != SYM_ELIMIT || again)
			abort();
	}
	sym_err_clear(&err);
	if (obj_sniff(out, len) == OBJ_KIND_ELF || obj_sniff(out, len) == OBJ_KIND_ELF_REL) {
		if (obj_open_mem(&o, "fuzz[.gnu_debugdata]", out, len, &err) == SYM_OK)
			obj_symbols(&o, count_symbol, &names, &err);
		obj_close(&o);
	}
	free(out);
	return 0;
}
