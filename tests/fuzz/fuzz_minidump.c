/* fuzz_minidump.c - libFuzzer entry point for the minidump reader
 * (common/minidump.c, what the server's /minidump route parses): one
 * input is one dump, parsed whole (directory, system info, module and
 * unloaded-module lists, CodeView and ELF build-id records, names).  Any
 * crash, hang, leak or sanitizer report is a bug. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "minidump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_info info;
	struct sym_err err;
	size_t i;

	memset(&info, 0, sizeof(info));
	sym_err_clear(&err);
	if (md_parse(data, size, &info, &err) == SYM_OK) {
		/* every string the reader gives back is terminated */
		for (i = 0; i < info.nmodules; i++) {
			const struct md_module *md = &info.modules[i];

			if (!memchr(md->code_file, 0, sizeof(md->code_file)) ||
			    !memchr(md->code_id, 0, sizeof(md->code_id)) ||
			    !memchr(md->debug_file, 0, sizeof(md->debug_file)) ||
			    !memchr(md->debug_id, 0, sizeof(md->debug_id)))
				__builtin_trap();
		}
		md_free(&info);
	}
	return 0;
}
