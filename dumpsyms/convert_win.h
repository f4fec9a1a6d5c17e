/* convert_win.h - Windows inputs (PE images, PDB files, and either
 * CAB-compressed as a symbol server stores them) to one module. */
#ifndef SYM_CONVERT_WIN_H
#define SYM_CONVERT_WIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convert.h"
#include "err.h"
#include "module.h"

/* The arch name and debug id of a PE image (its CodeView record) or a PDB,
 * either possibly CAB-compressed, for listing it as one slice. */
enum sym_code convert_win_ident(const char *path, char arch[40], char debug_id[41],
				struct sym_err *err);

/* Reads path (a PE image, a PDB, or a CAB holding one) and fills m.  A PE
 * takes its PDB from opt->dsym (refused with both ids when it is another
 * build's), else finds it beside itself, in opt->debug_dirs or at its
 * CodeView path; without one, MODULE, INFO, PUBLIC (exports) and STACK
 * CFI come from the image alone.  A PDB takes the image beside it
 * (foo.exe, foo.dll, foo.sys) when that image names it.  On failure err
 * names the file and the problem; m must still be released. */
enum sym_code convert_win(const char *path, const struct convert_options *opt,
			  struct module *m, struct sym_err *err);

#endif
