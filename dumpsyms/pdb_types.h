/* pdb_types.h - names from a PDB's type (TPI) and id (IPI) streams.
 *
 * The PDB reader asks for two kinds of name: a procedure's name with the
 * argument list of its function type, and an inlined function's name from
 * its id record.  Both streams are read through a bounded cursor; a type
 * graph that loops or nests too deep ends in a truncated name, never a
 * hang.
 */
#ifndef SYM_PDB_TYPES_H
#define SYM_PDB_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct pdb_types;

/* Indexes the TPI (stream 2) and IPI (stream 4) streams; either may be
 * NULL / 0 (absent, nil or empty).  The bytes must outlive *out.  A stream
 * whose header or records are damaged is indexed up to the damage (a
 * warning is not printed here).  Errors: SYM_ENOMEM only; *out is then
 * NULL.  Free with pdb_types_free(). */
enum sym_code pdb_types_open(struct pdb_types **out, const char *path, const uint8_t *tpi,
			     size_t tpi_len, const uint8_t *ipi, size_t ipi_len,
			     struct sym_err *err);
void pdb_types_free(struct pdb_types *t);

/* The FUNC name of a procedure: name (already scope-qualified, as the
 * S_GPROC32 record gives it) followed by the argument list of its TPI type
 * ti when ti is an LF_PROCEDURE or LF_MFUNCTION, as Breakpad prints it:
 * "ns::C::h(ns::C const &)", "f()", "C::g() const".  When ti is 0, not a
 * function type or cannot be read, the result is name unchanged.  Returns
 * a malloc'd string the caller frees, or NULL when out of memory. */
char *pdb_types_func_name(const struct pdb_types *t, const char *name, uint32_t ti);

/* The qualified name of an inlinee, an IPI LF_FUNC_ID ("ns::helper") or
 * LF_MFUNC_ID ("ns::Widget::twice") id: malloc'd, or NULL when the id is
 * unknown or unreadable (the caller then uses a placeholder) or when out
 * of memory. */
char *pdb_types_inlinee_name(const struct pdb_types *t, uint32_t id);

#endif
