/* pdb_frame.h - STACK WIN records from a PDB's FPO and FrameData streams
 * (32-bit x86 only). */
#ifndef SYM_PDB_FRAME_H
#define SYM_PDB_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "module.h"
#include "pdb_omap.h"

/* Adds the STACK WIN records of the FPO stream (FPO_DATA, 16-byte entries;
 * type 0) and the FrameData stream (FRAMEDATA, 32-byte entries; type 4,
 * with its program string from names) to m, merged by address as
 * Breakpad does.  Either stream may be NULL / 0.  names is the /names
 * string buffer (the bytes after its 12-byte header), names_len its
 * length.  With omap (else NULL), each record's prolog and body are mapped
 * to the final image.  Malformed entries are skipped, with a warning when
 * verbose.  Errors: SYM_ENOMEM only. */
enum sym_code pdb_frames_read(const char *path, const uint8_t *fpo, size_t fpo_len,
			      const uint8_t *framedata, size_t framedata_len, const char *names,
			      size_t names_len, const struct pdb_omap *omap, struct module *m,
			      bool verbose, struct sym_err *err);

#endif
