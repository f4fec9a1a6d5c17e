/* fuzz_cab.c - libFuzzer entry point for CAB-compressed Windows inputs as
 * symbol servers store them (foo.pd_, foo.dl_): the CAB expansion through
 * libarchive in dumpsyms/convert_win.c and what reads the member (PE or
 * PDB identification, then the whole conversion).  convert_win() takes a
 * path, so one input is written to a file in a private directory made at
 * start (under $TMPDIR, else /tmp) and converted from there.  Any crash,
 * hang, leak or sanitizer report is a bug. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "convert_win.h"
#include "outbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096];
static char path[4200];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct convert_options opt = { 0 };
	struct sym_err err;
	struct module m;
	char arch[40], id[41];
	int fd;

	if (devnull < 0) {
		const char *tmp = getenv("TMPDIR");

		devnull = open("/dev/null", O_WRONLY);
		snprintf(dir, sizeof(dir), "%s/fuzz_cab.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/fuzz.pd_", dir);
		atexit(cleanup);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		abort();
	sym_err_clear(&err);
	convert_win_ident(path, arch, id, &err);
	opt.inlines = true;
	sym_err_clear(&err);
	module_init(&m);
	if (convert_win(path, &opt, &m, &err) == SYM_OK) {
		struct outbuf ob;

		if (outbuf_init(&ob, devnull) == 0) {
			module_write(&m, &ob);
			outbuf_finish(&ob);
		}
	}
	module_release(&m);
	return 0;
}
