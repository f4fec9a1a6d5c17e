/* pe.h - the PE/COFF image reader (Windows .exe/.dll) and its unwind tables.
 *
 * pe_parse() reads and checks the headers, the section table and the first
 * CodeView entry of the debug directory of an image held in memory; it
 * never copies the file and never writes to it.  Everything else reads
 * through pe_rva_ptr(), which answers only for bytes the file backs.
 * Nothing here prints except warnings to stderr when `verbose` is set, as
 * "dumpsyms: warning: <file>: <what>".
 */
#ifndef SYM_PE_H
#define SYM_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct module;

#define PE_MACHINE_I386		0x014c
#define PE_MACHINE_ARMNT	0x01c4
#define PE_MACHINE_AMD64	0x8664
#define PE_MACHINE_ARM64	0xaa64

/* data directory indexes */
#define PE_DIR_EXPORT		0
#define PE_DIR_EXCEPTION	3
#define PE_DIR_DEBUG		6

struct pe_section {
	char name[9];			/* NUL-terminated; long "/123" names left as they are */
	uint32_t va, vsize, raw_off, raw_size, characteristics;
};

struct pe_image {
	const char *path;		/* for messages; not owned */
	const uint8_t *data;		/* the whole file; not owned, must outlive the image */
	size_t size;
	uint16_t machine;		/* PE_MACHINE_* or anything else the file says */
	bool pe32plus;
	uint32_t timestamp, size_of_image;
	uint64_t image_base;
	struct pe_section *sections;	/* malloc'd, nsections entries; freed by pe_free() */
	size_t nsections;
	/* the first CodeView RSDS (or NB10) debug-directory entry */
	bool has_codeview, nb10;
	uint8_t guid[16];		/* RSDS GUID as stored (Windows byte order) */
	uint32_t nb10_signature;
	uint32_t age;
	char *pdb_path;			/* malloc'd, as stored (may be a Windows path); NULL if none */
	/* data directories 0..15 {rva, size}; missing ones are {0, 0} */
	uint32_t dir_rva[16], dir_size[16];
};

/* True when data starts with "MZ" and e_lfanew points at "PE\0\0" inside
 * the buffer. */
bool pe_is_pe(const uint8_t *data, size_t size);

/* Parses and validates the DOS and COFF headers, the optional header, the
 * section table and the debug directory of the image data[0..size), which
 * must outlive pe.  path is kept (not copied) for messages.  A debug
 * directory that cannot be read leaves has_codeview false; it is not an
 * error.  Returns SYM_OK, or SYM_EFORMAT (bad magic or field), SYM_ETRUNC
 * (a header or the section table runs past the end), SYM_EUNSUP (unknown
 * optional-header magic), SYM_ENOMEM, with a message in err; on failure pe
 * holds nothing to free (pe_free() is still safe). */
enum sym_code pe_parse(struct pe_image *pe, const char *path, const uint8_t *data,
		       size_t size, struct sym_err *err);

/* Frees what pe_parse() allocated; safe on a zeroed or failed image. */
void pe_free(struct pe_image *pe);

/* "x86", "x86_64", "arm64", "arm"; NULL if the machine is unknown. */
const char *pe_arch(const struct pe_image *pe);

/* A pointer into the file to len bytes at rva, or NULL when any of them is
 * not backed by the file (outside every section, or in the zero-filled part
 * past a section's raw data).  len 0 asks only that rva is backed. */
const uint8_t *pe_rva_ptr(const struct pe_image *pe, uint32_t rva, uint32_t len);

/* How many bytes from rva on the file backs without a gap (within rva's
 * section); 0 when rva is not backed. */
size_t pe_rva_avail(const struct pe_image *pe, uint32_t rva);

/* Calls fn for each named export that is not a forwarder with its rva and
 * its name as stored (decorated, NUL-terminated, pointing into the file), in
 * export-table order.  Stops at and returns the first non-zero return of
 * fn.  A damaged table gives what could be read and 0, with a warning when
 * verbose; names are read for at most as many entries as the file can hold. */
int pe_exports(const struct pe_image *pe, bool verbose,
	       int (*fn)(void *ctx, uint32_t rva, const char *name), void *ctx);

/* The last component of a path written with '/' or '\\' (a CodeView
 * path is usually a Windows one). */
const char *pe_basename(const char *path);

/* The image's companion PDB: calls try with each place it may be, in this
 * order, until try returns true (true is then returned): under the name
 * the CodeView record gives, then under the image's own stem ("foo.dll":
 * "foo.pdb"), each beside the image and then in each of dirs; the same
 * again as CAB-compressed symbol-server files ("foo.pd_"); last, the
 * CodeView path itself when it is an absolute path of this system.  try
 * checks that the file is the PDB of this build. */
bool pe_find_pdb(const struct pe_image *pe, const char *image_path, const char *const *dirs,
		 size_t ndirs, bool (*try)(void *ctx, const char *path), void *ctx);

/* STACK CFI records from the exception directory (pe_unwind.c): x64
 * RUNTIME_FUNCTION/UNWIND_INFO (versions 1 and 2, chains, SET_FPREG,
 * ALLOC_LARGE, SAVE_NONVOL(_FAR), PUSH_MACHFRAME) and arm64 .pdata (packed,
 * packed fragments and .xdata unwind codes), added through module_cfi_init()
 * and module_cfi_row() at RVAs (m->load_addr is 0 for PE).  One INIT at a
 * function's start with the rules on entry, then one row per prologue
 * instruction that changes them.  A damaged entry (a chain that loops or
 * leaves the file, codes past the data) is skipped with a warning when
 * verbose.  Other machines add nothing.  Fails only when the module
 * refuses a record: SYM_ENOMEM, or SYM_EIO when its temporary CFI file
 * cannot be written. */
enum sym_code pe_unwind_read(const struct pe_image *pe, struct module *m, bool verbose,
			     struct sym_err *err);

/* The same on a pool: the entries are read in chunks on its workers (and
 * on this thread in pe_unwind_finish()) while this thread does other work,
 * and their records handed to m in order, at RVAs less m->load_addr as it
 * is when the job starts (as pe_unwind_read() writes them); m's STACK CFI
 * must not be written meanwhile by anything else.  pe_unwind_finish() waits for the
 * chunks, prints their warnings (those pe_unwind_read() would have
 * printed, in the same order) and returns what it would have returned;
 * pe_unwind_cancel() stops the job without a word.  NULL when out of
 * memory: nothing was started.  pe and m must outlive the job. */
struct pool;
struct pe_unwind_job;
struct pe_unwind_job *pe_unwind_start(struct pool *pool, const struct pe_image *pe,
				      struct module *m, bool verbose);
enum sym_code pe_unwind_finish(struct pe_unwind_job *j, struct sym_err *err);
void pe_unwind_cancel(struct pe_unwind_job *j);

#endif
