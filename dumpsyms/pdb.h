/* pdb.h - the PDB reader: an MSVC/clang program database (MSF 7.0) to
 * records of the module model.
 *
 * pdb_open() checks the container, the PDB info stream and the DBI header;
 * pdb_read() walks the module streams (procedures, inline sites, C13 line
 * data), the public symbols and the FPO/FrameData streams and adds FUNC,
 * line, INLINE, PUBLIC and STACK WIN records to a module.  Addresses are
 * RVAs (mapped through OMAP when the PDB has it).
 */
#ifndef SYM_PDB_H
#define SYM_PDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "module.h"

struct pdb;
struct pool;

struct pdb_section {            /* an IMAGE_SECTION_HEADER, as the PE or the PDB gives it */
	char name[9];
	uint32_t va, vsize, characteristics;
};

struct pdb_read_options {
	bool inlines;                   /* -d: INLINE_ORIGIN / INLINE records */
	bool verbose;                   /* warnings to stderr */
	/* the PE's section headers when the PE was read; used when the PDB has no section-header stream */
	const struct pdb_section *pe_sections;
	size_t npe_sections;
	/* module streams are read on its workers when it has any; NULL: one
	 * after the other on this thread */
	struct pool *pool;
};

/* Parses the MSF container, PDB info stream and DBI header of data[0..size) (which must outlive p).
 * path is for messages.  Errors: SYM_EFORMAT/SYM_ETRUNC (not a PDB, damaged), SYM_EUNSUP (PDB 2.0),
 * SYM_ENOMEM.  On success the caller frees p with pdb_close(). */
enum sym_code pdb_open(struct pdb **out, const char *path, const uint8_t *data, size_t size,
		       struct sym_err *err);
void pdb_close(struct pdb *p);
/* Tells p that the data given to pdb_open() is a read-only mapping of a file (PROT_READ, MAP_PRIVATE)
 * that stays mapped until pdb_close(): pdb_read() then gives back the pages of each stream it is done
 * with (a module's as soon as that module is read), which bounds the resident size. */
void pdb_set_file_mapped(struct pdb *p, bool mapped);
bool pdb_is_pdb(const uint8_t *data, size_t size);      /* the MSF 7.0 or 2.0 magic */
/* GUID as stored (Windows byte order: Data1 LE u32, Data2 LE u16, Data3 LE u16, Data4[8]) and the
 * DBI age (PDB-info age when there is no DBI) */
void pdb_ident(const struct pdb *p, uint8_t guid[16], uint32_t *age);
/* "x86", "x86_64", "arm64", "arm" from the DBI machine (NULL when unknown) */
const char *pdb_arch(const struct pdb *p);
/* Fills m with FUNC, line, INLINE, PUBLIC and STACK WIN records (not MODULE/INFO: the caller sets
 * those, and m->inline_records, which makes module_write() print the INLINE records).  Damaged records are skipped (warning when verbose); fails on SYM_ENOMEM or when a stream it
 * cannot do without (DBI) is unreadable. */
enum sym_code pdb_read(struct pdb *p, struct module *m, const struct pdb_read_options *opt,
		       struct sym_err *err);

#endif
