/* xz.h - decoding an xz stream held in memory (liblzma does the work), with
 * the output capped: the one user is MiniDebugInfo (obj_elf.c), an
 * xz-compressed symbol table, which has no business being large. */
#ifndef SYM_XZ_H
#define SYM_XZ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The cap MiniDebugInfo uses: 256 MiB, far more than any symbol table. */
#define XZ_MAX_OUT ((size_t)256 << 20)

/* Decodes the n bytes at in (one xz stream, or several concatenated) into
 * a malloc'd buffer *out of *len bytes, owned by the caller.  what names
 * the data in messages ("section .gnu_debugdata of 'FILE'").  Errors:
 * SYM_ELIMIT when the output would exceed max bytes (refused before
 * decoding when the last stream's index says so, else when the cap is
 * reached: nothing more is decoded) or the stream wants more than 256 MiB
 * of decoder memory,
 * SYM_ETRUNC for a stream cut short, SYM_EFORMAT for one that is not xz or
 * is corrupt, SYM_EUNSUP for an integrity check liblzma lacks, SYM_ENOMEM;
 * *out is NULL then. */
enum sym_code xz_decode(const uint8_t *in, size_t n, size_t max, const char *what,
			uint8_t **out, size_t *len, struct sym_err *err);

#endif
