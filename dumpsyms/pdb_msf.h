/* pdb_msf.h - the MSF 7.0 container of a PDB file.
 *
 * An MSF file is a run of fixed-size blocks; a stream directory lists, for
 * each numbered stream, its size and the blocks that hold it, in any order.
 * pdb_msf_open() checks the superblock and reads the directory; a stream
 * is then read in place when its blocks are consecutive, else gathered
 * into one buffer, on request.  Every block number
 * is checked against the block count and the file size.
 */
#ifndef SYM_PDB_MSF_H
#define SYM_PDB_MSF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PDB_MSF_NIL UINT32_MAX	/* the size of a nil stream */

struct pdb_msf {
	const char *path;	/* for messages; not owned */
	const uint8_t *data;	/* the file; not owned */
	size_t size;
	uint32_t block_size;
	uint32_t nblocks;	/* blocks usable: min(NumBlocks, file blocks) */
	uint32_t nblocks_hdr;	/* NumBlocks as the superblock says */
	uint32_t nstreams;
	uint32_t *sizes;	/* nstreams sizes (PDB_MSF_NIL for nil) */
	size_t *first;		/* index of each stream's first entry in blocks */
	uint32_t *blocks;	/* the directory's block list; owned */
	bool drop_pages;	/* data is a read-only file mapping (PROT_READ,
				 * MAP_PRIVATE): the pages of a stream read in
				 * place are given back when it is released */
};

/* true when data starts with the MSF 7.0 or the 2.0 ("JG") magic */
bool pdb_msf_is_msf(const uint8_t *data, size_t size);

/* Reads the superblock and the stream directory of data[0..size) (which
 * must outlive msf).  Errors: SYM_EFORMAT (not MSF 7.0, damaged),
 * SYM_ETRUNC, SYM_EUNSUP (a 2.0 "JG" file), SYM_ENOMEM.  On success the
 * caller releases msf with pdb_msf_release(); on failure there is nothing
 * to release. */
enum sym_code pdb_msf_open(struct pdb_msf *msf, const char *path, const uint8_t *data,
			   size_t size, struct sym_err *err);
void pdb_msf_release(struct pdb_msf *msf);

/* true when stream i exists and is not nil */
bool pdb_msf_has(const struct pdb_msf *msf, uint32_t i);

/* One stream's bytes.  When the stream's blocks follow each other in the
 * file (lld-link and MSVC write most streams so), data points into the
 * file and owned is NULL; otherwise the blocks are gathered into owned
 * (malloc'd) and data == owned.  Released with pdb_stream_release(). */
struct pdb_stream {
	const uint8_t *data;	/* len bytes; NULL when len is 0 */
	size_t len;
	uint8_t *owned;		/* a gathered copy, or NULL */
	bool drop;		/* in place in a file mapping (drop_pages) */
};

/* Stream i into *s, without a copy when its blocks are consecutive.  A nil
 * or absent stream (or one of 0 bytes) gives data NULL, len 0 and SYM_OK.
 * Errors (*s then empty): SYM_EFORMAT (a block number out of range, a
 * stream larger than the file), SYM_ETRUNC (a block past the end of the
 * file), SYM_ENOMEM; what names the stream in messages ("DBI"). */
enum sym_code pdb_msf_stream(const struct pdb_msf *msf, uint32_t i, const char *what,
			     struct pdb_stream *s, struct sym_err *err);

/* Frees what s owns and empties it; s may be empty.  A stream read in place
 * while drop_pages was set has the whole pages inside it unmapped from the
 * process (madvise MADV_DONTNEED; they stay in the page cache and would be
 * read again from the file if touched), so streams done with no longer
 * count in the resident size: the file must still be mapped. */
void pdb_stream_release(struct pdb_stream *s);

#endif
