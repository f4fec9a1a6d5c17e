/* dwarf.h - the DWARF debug-info reader: functions and line records. */
#ifndef SYM_DWARF_H
#define SYM_DWARF_H

#include <stdbool.h>

#include "err.h"
#include "module.h"
#include "obj.h"

struct pool;

struct dwarf_options {
	bool warn;		/* print warnings about malformed data to stderr */
	bool inlines;		/* -d: read inlined subroutines */
	const char *const *debug_dirs;	/* where to look for .dwo files too */
	size_t ndebug_dirs;
	const char *bin_dir;		/* the binary's directory */
	const char *dwp_path;		/* <binary>.dwp, the split DWARF package */
	bool breakpad_names;		/* --breakpad-names: unnamed scopes dropped
					 * as Breakpad drops them (with every
					 * scope around them) */
	unsigned *warnings;		/* counts the warnings about missing debug
					 * data (a .dwo or dwz supplementary file
					 * not found): --strict; may be NULL */
	struct pool *pool;		/* -j: a unit's line program is read on
					 * it while its DIEs are walked; NULL:
					 * in this thread */
};

/* Adds the functions and lines of o's .debug_info to m.  Malformed units
 * are skipped with a warning; the call fails only when nothing at all can
 * be read (SYM_EFORMAT, SYM_ETRUNC, SYM_EUNSUP), or on SYM_ENOMEM. */
enum sym_code dwarf_read(struct obj *o, struct module *m,
			 const struct dwarf_options *opt, struct sym_err *err);

#endif
