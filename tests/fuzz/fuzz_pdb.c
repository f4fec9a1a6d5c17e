/* fuzz_pdb.c - libFuzzer entry point for the PDB reader: one input is one
 * PDB, opened (MSF container, PDB info, DBI) and read whole (module
 * streams, C13 lines, inline sites with -d, publics, type names, OMAP,
 * FPO and FrameData), then written to /dev/null.  Any crash, hang, leak
 * or sanitizer report is a bug. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "module.h"
#include "outbuf.h"
#include "pdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct pdb_read_options opt = { true, false, NULL, 0 };
	struct sym_err err;
	struct module m;
	struct pdb *p = NULL;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	sym_err_clear(&err);
	module_init(&m);
	m.inline_records = true;
	m.multiple = true;
	m.os = "windows";
	m.arch = "x86";
	m.name = "fuzz.pdb";
	if (pdb_open(&p, "fuzz.pdb", data, size, &err) == SYM_OK &&
	    pdb_read(p, &m, &opt, &err) == SYM_OK && module_finish(&m, &err) == SYM_OK) {
		struct outbuf ob;

		if (outbuf_init(&ob, devnull) == 0) {
			module_write(&m, &ob);
			outbuf_finish(&ob);
		}
	}
	pdb_close(p);
	module_release(&m);
	return 0;
}
