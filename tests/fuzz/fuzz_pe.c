/* fuzz_pe.c - libFuzzer entry point for the PE reader: one input is one PE
 * image, parsed, its exports listed and its unwind tables turned into
 * STACK CFI (with warnings off), then written.  Any crash, hang, leak or
 * sanitizer report is a bug.
 *
 * The unwind tables are read a second time as dumpsyms reads them with
 * threads (pe_unwind_start(), one entry per chunk, on a pool whose tasks
 * this thread runs): the result and the .sym text must be the first
 * read's, or the target aborts. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "module_text.h"
#include "pe.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_export(void *ctx, uint32_t rva, const char *name)
{
	struct module *m = ctx;
	const char *n = module_intern(m, name, strlen(name));

	return n && module_add_public(m, rva, n) == 0 ? 0 : -1;
}

/* One read of pe: the result, and the text in *text when it is SYM_OK. */
static enum sym_code read_pe(const struct pe_image *pe, struct pool *p, char **text, size_t *n)
{
	struct sym_err err;
	struct module m;
	enum sym_code rc;

	*text = NULL;
	*n = 0;
	sym_err_clear(&err);
	module_init(&m);
	m.os = "windows";
	m.arch = pe_arch(pe) ? pe_arch(pe) : "x86_64";
	m.name = "fuzz.pdb";
	pe_exports(pe, false, fuzz_export, &m);
	if (p) {
		struct pe_unwind_job *j = pe_unwind_start(p, pe, &m, false);

		if (!j)
			abort();
		rc = pe_unwind_finish(j, &err);
	} else {
		rc = pe_unwind_read(pe, &m, false, &err);
	}
	if (rc == SYM_OK)
		rc = module_finish(&m, &err);
	if (rc == SYM_OK)
		*text = module_text(&m, n);
	module_release(&m);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *p;
	struct pe_image pe;
	struct sym_err err;
	char *t1, *t2;
	size_t n1, n2;
	enum sym_code rc1, rc2;

	if (!p) {
		setenv("SYM_TEST_PE_CHUNK", "1", 1);
		if (!(p = pool_create(0)))
			abort();
	}
	sym_err_clear(&err);
	if (!pe_is_pe(data, size) || pe_parse(&pe, "fuzz", data, size, &err) != SYM_OK)
		return 0;
	rc1 = read_pe(&pe, NULL, &t1, &n1);
	rc2 = read_pe(&pe, p, &t2, &n2);
	if (rc1 != rc2 || n1 != n2 || (n1 && memcmp(t1, t2, n1) != 0)) {
		fprintf(stderr, "fuzz_pe: the chunked read differs: rc %d/%d, %zu/%zu bytes\n",
			(int)rc1, (int)rc2, n1, n2);
		abort();
	}
	free(t1);
	free(t2);
	pe_free(&pe);
	return 0;
}
