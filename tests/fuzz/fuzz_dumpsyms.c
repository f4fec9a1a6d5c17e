/* fuzz_dumpsyms.c - libFuzzer entry point: one input is one ELF or Mach-O
 * file, converted in memory with everything on (-d, CFI) and written to
 * /dev/null; of a universal Mach-O file the x86_64 or the arm64 slice, as
 * the last byte is even or odd.  Any crash, hang, leak or sanitizer report
 * is a bug. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "convert.h"
#include "outbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct convert_options opt = { 0 };
	struct sym_err err;
	struct module m;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	opt.inlines = true;
	opt.arch = size && (data[size - 1] & 1) ? "arm64" : "x86_64";
	sym_err_clear(&err);
	module_init(&m);
	if (convert_mem("fuzz", data, size, &opt, &m, &err) == SYM_OK) {
		struct outbuf ob;
		if (outbuf_init(&ob, devnull) == 0) {
			module_write(&m, &ob);
			outbuf_finish(&ob);
		}
	}
	module_release(&m);
	return 0;
}
