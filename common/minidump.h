/* minidump.h - reads what a symbol server needs from a minidump: the
 * system info and the module lists, with each module's code and debug
 * identifiers derived exactly as Breakpad's processor derives them.
 *
 * The dump is parsed from memory through bounded cursors; every count,
 * size and offset is checked before use.
 */
#ifndef SYM_MINIDUMP_H
#define SYM_MINIDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct md_module {
	uint64_t base;
	uint32_t size;
	bool unloaded;
	char code_file[1024];
	char code_id[520];	/* an ELF build id of up to 256 bytes, in hex */
	char debug_file[1024];
	char debug_id[80];
};

struct md_info {
	char os[32];		/* "windows", "mac", "linux", "android", ... or "" */
	char cpu[32];		/* "x86", "amd64", "arm", "arm64", ... or "" */
	uint32_t platform_id;
	struct md_module *modules;	/* loaded modules first, then unloaded */
	size_t nmodules;
};

/* Parses data[0..len).  On success the caller frees info with md_free().
 * Errors: SYM_EFORMAT / SYM_ETRUNC with the reason, SYM_ENOMEM. */
enum sym_code md_parse(const uint8_t *data, size_t len, struct md_info *info,
		       struct sym_err *err);
void md_free(struct md_info *info);

#endif
