/* pdb_omap.h - OMAP address translation of a PDB.
 *
 * A post-link rewriter (BBT, Syzygy, OS builds) moves code after the PDB
 * was written; every address in the PDB is then in the original layout and
 * the OMAP tables map it to the final image.  Ranges are mapped the way
 * Breakpad's omap.cc maps them (from the OMAP-to-source table, with
 * injected code credited to the previous interval), not by a plain lookup,
 * which would cut functions at every block of injected code.
 */
#ifndef SYM_PDB_OMAP_H
#define SYM_PDB_OMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct pdb_omap;

/* Builds the mapping from the OMAP-to-source and OMAP-from-source streams
 * (arrays of {u32 from, u32 to}; a trailing partial entry is ignored).
 * orig_image_len is the length of the original image (the largest end of a
 * section-map entry with frame > 0); image_size is the final image's size:
 * targets at or past it count as removed (0: unknown, no limit).  The bytes need not outlive the
 * mapping.  Errors: SYM_EFORMAT (tables that are not sorted), SYM_ENOMEM.
 * Free with pdb_omap_free(). */
enum sym_code pdb_omap_open(struct pdb_omap **out, const char *path, const uint8_t *to_src,
			    size_t to_len, const uint8_t *from_src, size_t from_len,
			    uint32_t orig_image_len, uint32_t image_size, struct sym_err *err);
void pdb_omap_free(struct pdb_omap *o);

/* Maps the original range [rva, rva + len) to pieces of the final image
 * and calls fn for each, in ascending final address order, merged where
 * they are contiguous.  A range that maps nowhere, or is empty, makes no
 * call.  Returns the first non-zero value fn returns, -1 when out of
 * memory, else 0.  Queries share a work budget; tables built so that every
 * query scans most of them (hostile input) get bounded, possibly
 * incomplete, answers once it is spent.  Not thread-safe (the budget). */
int pdb_omap_range(const struct pdb_omap *o, uint32_t rva, uint32_t len,
		   int (*fn)(void *ctx, uint32_t rva, uint32_t len), void *ctx);

/* The final address of original address rva; false when it was removed. */
bool pdb_omap_addr(const struct pdb_omap *o, uint32_t rva, uint32_t *out);

#endif
