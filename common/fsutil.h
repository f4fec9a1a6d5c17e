/* fsutil.h - file-system helpers: directories, atomic publication, the
 * Breakpad symbol-store layout. */
#ifndef SYM_FSUTIL_H
#define SYM_FSUTIL_H

#include <stdbool.h>

#include "err.h"

/* Creates dir and its missing parents (mode 0755).  SYM_ENOSPC when the
 * disk is full (ENOSPC, EDQUOT), SYM_EIO on another failure. */
enum sym_code mkdir_p(const char *dir, struct sym_err *err);

/* fsyncs the directory dir, so that the names created or renamed in it
 * last through a crash.  SYM_ENOSPC or SYM_EIO (with the reason). */
enum sym_code fsync_dir(const char *dir, struct sym_err *err);

/* An output file written under a temporary name in the target directory
 * and renamed into place by atomic_commit(); atomic_abort() removes it. */
struct atomic_file {
	int fd;
	char *path;	/* final name */
	char *tmp;	/* temporary name */
};

enum sym_code atomic_open(struct atomic_file *af, const char *path, struct sym_err *err);
/* fsyncs, closes and renames; on failure the temporary file is removed. */
enum sym_code atomic_commit(struct atomic_file *af, struct sym_err *err);
void atomic_abort(struct atomic_file *af);

/* The one rule for a debug_file, code_file or id that becomes a path
 * component of the store or a URL: 1 to 255 printable ASCII characters,
 * none of \ ^ ` < > { } [ ] # % " ' | /, not "." or "..".  Uploads,
 * downloads, syminfo, import and dumpsyms --store all use it, so nothing
 * is stored that cannot be fetched. */
bool store_name_ok(const char *name);

/* The .sym file name for a debug file: a trailing ".pdb" (any case)
 * becomes ".sym", anything else gets ".sym" appended.  malloc'd. */
char *sym_file_name(const char *debug_file);

/* root/<debug_file>/<debug_id>/<sym file>, malloc'd into *out.
 * SYM_EFORMAT when debug_file or debug_id cannot be a path component. */
enum sym_code store_path(const char *root, const char *debug_file,
			 const char *debug_id, char **out, struct sym_err *err);

#endif
