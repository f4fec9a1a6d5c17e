/* fuzz_unwind_info.c - libFuzzer entry point for the Mach-O compact unwind
 * reader alone (dumpsyms/unwind_info.c: the __unwind_info header, index,
 * regular and compressed pages, encodings and personality tables, and the
 * x86 stack sizes read from the code), without a Mach-O file around it.
 *
 * One input is: a byte picking the machine (0 x86_64, 1 x86, 2 arm64, by
 * its value mod 3); the 32-bit little-endian size of the __text bytes
 * that follow, placed at 0x100001000 (the table's base is 0x100000000);
 * then the table.  Any crash, hang, leak or sanitizer report is a bug. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"
#include "obj.h"
#include "outbuf.h"
#include "unwind_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum obj_arch machines[] = { OBJ_ARCH_X86_64, OBJ_ARCH_X86, OBJ_ARCH_ARM64 };
	static const char *const archs[] = { "x86_64", "x86", "arm64" };
	static int devnull = -1;
	struct unwind_info_input in;
	struct unwind_table t = { NULL, 0, 0, false };
	struct obj_section text;
	struct sym_err err;
	struct module m;
	struct obj o;
	uint64_t records = 0, *fdes = NULL;
	size_t nfdes = 0, ntext, pick;

	if (size < 5)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	pick = data[0] % 3;
	ntext = (size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 |
		(size_t)data[4] << 24;
	if (ntext > size - 5)
		ntext = size - 5;
	memset(&text, 0, sizeof(text));
	text.name = "__TEXT,__text";
	text.data = data + 5;
	text.size = ntext;
	text.addr = 0x100001000;
	text.kind = OBJ_SECT_PROGBITS;
	text.loaded = true;
	memset(&o, 0, sizeof(o));
	o.path = (char *)"fuzz";
	o.basename = o.path;
	o.fd = -1;
	o.format = OBJ_MACHO;
	o.is64 = pick != 1;
	o.machine = machines[pick];
	o.arch = archs[pick];
	o.sections = &text;
	o.nsections = 1;
	memset(&in, 0, sizeof(in));
	in.path = "fuzz";
	in.data = data + 5 + ntext;
	in.size = size - 5 - ntext;
	in.machine = machines[pick];
	in.base = 0x100000000;
	in.text = &o;
	sym_err_clear(&err);
	module_init(&m);
	m.name = "fuzz";
	m.os = "mac";
	m.arch = archs[pick];
	if (unwind_info_read(&in, false, &t, &err) == SYM_OK &&
	    (!t.usable || unwind_info_dwarf_fdes(&in, &t, &fdes, &nfdes, &err) == SYM_OK) &&
	    (!t.usable || unwind_info_write(&in, &t, &m, &records, &err) == SYM_OK) &&
	    module_finish(&m, &err) == SYM_OK) {
		struct outbuf ob;

		if (outbuf_init(&ob, devnull) == 0) {
			module_write(&m, &ob);
			outbuf_finish(&ob);
		}
	}
	free(fdes);
	unwind_info_free(&t);
	module_release(&m);
	return 0;
}
