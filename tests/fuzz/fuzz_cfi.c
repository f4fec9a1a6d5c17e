/* fuzz_cfi.c - libFuzzer entry point for the DWARF call-frame reader
 * alone (dumpsyms/cfi.c: CIEs, FDEs, augmentations, pointer encodings,
 * the CFA program and its expressions), on one .eh_frame or .debug_frame
 * section without an ELF file around it.
 *
 * One input is a flags byte, then the section.  Flags: bit 0, .eh_frame
 * (else .debug_frame); bit 1, big-endian; bits 2-3, the machine (x86_64,
 * x86, arm64, arm); bit 4, 4-byte addresses (else 8).  The section sits at
 * 0x10000, .text at 0x1000, .got at 0x20000, one load range [0, 2^40).
 * Any crash, hang, leak or sanitizer report is a bug. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cfi.h"
#include "module.h"
#include "outbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum obj_arch machines[] = { OBJ_ARCH_X86_64, OBJ_ARCH_X86, OBJ_ARCH_ARM64,
						  OBJ_ARCH_ARM };
	static const char *const archs[] = { "x86_64", "x86", "arm64", "arm" };
	static const struct obj_range load = { 0, (uint64_t)1 << 40 };
	static int devnull = -1;
	struct cfi_input in;
	struct sym_err err;
	struct module m;
	uint64_t records = 0;

	if (size < 1)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	memset(&in, 0, sizeof(in));
	in.path = "fuzz";
	in.data = data + 1;
	in.size = size - 1;
	in.eh = data[0] & 1;
	in.be = data[0] & 2;
	in.machine = machines[(data[0] >> 2) & 3];
	in.addr_size = data[0] & 16 ? 4 : 8;
	in.section_addr = 0x10000;
	in.text_addr = 0x1000;
	in.got_addr = 0x20000;
	in.loads = &load;
	in.nloads = 1;
	sym_err_clear(&err);
	module_init(&m);
	m.name = "fuzz";
	m.os = "Linux";
	m.arch = archs[(data[0] >> 2) & 3];
	if (cfi_write(&in, &m, false, &records, &err) == SYM_OK &&
	    module_finish(&m, &err) == SYM_OK) {
		struct outbuf ob;

		if (outbuf_init(&ob, devnull) == 0) {
			module_write(&m, &ob);
			outbuf_finish(&ob);
		}
	}
	module_release(&m);
	return 0;
}
