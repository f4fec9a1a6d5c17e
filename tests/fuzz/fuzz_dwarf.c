/* fuzz_dwarf.c - libFuzzer entry point for the DWARF debug-info reader
 * alone (dumpsyms/dwarf.c, dwarf_unit.c: unit headers, abbreviations,
 * DIE trees, attribute forms, ranges and range lists, string offsets,
 * line programs, inlined subroutines), without an ELF file around it.
 *
 * One input is a flags byte (bit 0: read inlines, -d; bit 1: big-endian)
 * then the sections below in this order, each as a 32-bit little-endian
 * length and that many bytes; a length past the end takes what is left,
 * and sections missing at the end are empty.  scripts/fuzz makes seeds of
 * this form from the ELF fixtures.  Any crash, hang, leak or sanitizer
 * report is a bug. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "dwarf.h"
#include "module.h"
#include "obj.h"
#include "outbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	".debug_info", ".debug_abbrev", ".debug_str", ".debug_line", ".debug_line_str",
	".debug_ranges", ".debug_rnglists", ".debug_addr", ".debug_str_offsets",
};
#define NSECT (sizeof(names) / sizeof(names[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct obj_section sect[NSECT];
	struct dwarf_options opt;
	struct sym_err err;
	struct module m;
	struct obj o;
	size_t i, off = 1;

	if (size < 1)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	memset(sect, 0, sizeof(sect));
	for (i = 0; i < NSECT; i++) {
		size_t n = 0;

		if (size - off >= 4) {
			n = (size_t)data[off] | (size_t)data[off + 1] << 8 |
			    (size_t)data[off + 2] << 16 | (size_t)data[off + 3] << 24;
			off += 4;
			if (n > size - off)
				n = size - off;
		}
		sect[i].name = names[i];
		sect[i].data = n ? data + off : NULL;
		sect[i].size = n;
		sect[i].kind = OBJ_SECT_PROGBITS;
		sect[i].loaded = true;
		off += n;
	}
	memset(&o, 0, sizeof(o));
	o.path = (char *)"fuzz";
	o.basename = o.path;
	o.fd = -1;
	o.format = OBJ_ELF;
	o.is64 = true;
	o.big_endian = data[0] & 2;
	o.machine = OBJ_ARCH_X86_64;
	o.arch = "x86_64";
	o.sections = sect;
	o.nsections = NSECT;
	memset(&opt, 0, sizeof(opt));
	opt.inlines = data[0] & 1;
	sym_err_clear(&err);
	module_init(&m);
	m.name = "fuzz";
	m.os = "Linux";
	m.arch = "x86_64";
	m.inline_records = opt.inlines;
	if (dwarf_read(&o, &m, &opt, &err) == SYM_OK && module_finish(&m, &err) == SYM_OK) {
		struct outbuf ob;

		if (outbuf_init(&ob, devnull) == 0) {
			module_write(&m, &ob);
			outbuf_finish(&ob);
		}
	}
	module_release(&m);
	return 0;
}
