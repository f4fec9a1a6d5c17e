/* convert.h - the dumpsyms library entry point: one input file to one
 * module.  symupload links the same code. */
#ifndef SYM_CONVERT_H
#define SYM_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "module.h"

struct convert_options {
	bool header_only;	/* -i */
	bool no_cfi;		/* -c */
	bool inlines;		/* -d */
	bool multiple;		/* -m */
	bool keep_addresses;	/* -a */
	bool verbose;		/* -v */
	bool breakpad_names;	/* --breakpad-names: function names as
				 * Breakpad's dump_syms spells them */
	const char *name;	/* -n, or NULL */
	const char *os;		/* -o; NULL: "Linux" for ELF, "mac" for Mach-O */
	const char *arch;	/* --arch: the slice of a universal Mach-O file */
	size_t slice;		/* or that slice by 1-based index (0: by arch) */
	const char *dsym;	/* -g: the dSYM (bundle or DWARF file) of a Mach-O binary */
	const char *const *debug_dirs;
	size_t ndebug_dirs;
	bool warn;		/* warn about missing debug information: none in
				 * the input, a debug file named but missing or
				 * damaged (dumpsyms sets it; see its man page) */
	unsigned *warnings;	/* counts the warnings printed about the input
				 * (--strict), or NULL */
	unsigned jobs;		/* -j: threads at work, this one included (0 or
				 * 1: this one alone); the output is the same
				 * for any number */
};

/* Reads path and fills m (initialised by the caller with module_init()).
 * path may be a Mach-O .dSYM bundle directory.  A Mach-O binary without
 * DWARF takes it from opt->dsym, else from path.dSYM when that exists.
 * On failure err names the file and the problem; m must still be released. */
enum sym_code convert_file(const char *path, const struct convert_options *opt,
			   struct module *m, struct sym_err *err);

/* The same for a file already in memory; name is used in messages and as
 * the default module name. */
enum sym_code convert_mem(const char *name, const uint8_t *data, size_t size,
			  const struct convert_options *opt, struct module *m,
			  struct sym_err *err);

/* Prints "<arch> <debug id>" for each slice of path (one line for a thin
 * Mach-O or an ELF file). */
enum sym_code convert_list_arch(const char *path, FILE *out, struct sym_err *err);

/* One slice of a file, as convert_slices() lists them. */
struct convert_slice {
	size_t index;		/* 1-based: convert_options.slice */
	bool usable;		/* false: unsupported CPU, damaged, no LC_UUID */
	char arch[40];		/* name, or a description when not usable */
	char debug_id[41];	/* when usable: 32 hex digits and an age of up to 8 */
};

/* The slices of path, at most max (one for a thin Mach-O or an ELF file). */
enum sym_code convert_slices(const char *path, struct convert_slice *slices, size_t max,
			     size_t *n, struct sym_err *err);

/* Writes m as a .sym file at path, atomically (temporary file + rename). */
enum sym_code write_atomic(const char *path, const struct module *m, struct sym_err *err);

#endif
