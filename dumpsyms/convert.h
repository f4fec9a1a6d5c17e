/* convert.h - the dumpsyms library entry point: one input file to one
 * module.  symupload links the same code. */
#ifndef SYM_CONVERT_H
#define SYM_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "module.h"

struct convert_options {
	bool header_only;	/* -i */
	bool no_cfi;		/* -c */
	bool inlines;		/* -d */
	bool multiple;		/* -m */
	bool keep_addresses;	/* -a */
	bool verbose;		/* -v */
	const char *name;	/* -n, or NULL */
	const char *os;		/* -o, default "Linux" */
	const char *const *debug_dirs;
	size_t ndebug_dirs;
};

/* Reads path and fills m (initialised by the caller with module_init()).
 * On failure err names the file and the problem; m must still be released. */
enum sym_code convert_file(const char *path, const struct convert_options *opt,
			   struct module *m, struct sym_err *err);

/* The same for a file already in memory; name is used in messages and as
 * the default module name. */
enum sym_code convert_mem(const char *name, const uint8_t *data, size_t size,
			  const struct convert_options *opt, struct module *m,
			  struct sym_err *err);

/* Writes m as a .sym file at path, atomically (temporary file + rename). */
enum sym_code write_atomic(const char *path, const struct module *m, struct sym_err *err);

#endif
