/* fuzz_pe.c - libFuzzer entry point for the PE reader: one input is one PE
 * image, parsed, its exports listed and its unwind tables turned into
 * STACK CFI (with warnings off), then written to /dev/null.  Any crash,
 * hang, leak or sanitizer report is a bug. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "module.h"
#include "outbuf.h"
#include "pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_export(void *ctx, uint32_t rva, const char *name)
{
	struct module *m = ctx;
	const char *n = module_intern(m, name, strlen(name));

	return n && module_add_public(m, rva, n) == 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct pe_image pe;
	struct sym_err err;
	struct module m;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	sym_err_clear(&err);
	module_init(&m);
	m.os = "windows";
	m.arch = "x86_64";
	m.name = "fuzz.pdb";
	if (pe_is_pe(data, size) && pe_parse(&pe, "fuzz", data, size, &err) == SYM_OK) {
		if (pe_arch(&pe))
			m.arch = pe_arch(&pe);
		pe_exports(&pe, false, fuzz_export, &m);
		if (pe_unwind_read(&pe, &m, false, &err) == SYM_OK &&
		    module_finish(&m, &err) == SYM_OK) {
			struct outbuf ob;

			if (outbuf_init(&ob, devnull) == 0) {
				module_write(&m, &ob);
				outbuf_finish(&ob);
			}
		}
		pe_free(&pe);
	}
	module_release(&m);
	return 0;
}
