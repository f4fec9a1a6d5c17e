/* pdb_msf.c - the MSF 7.0 container of a PDB file (see pdb_msf.h).
 *
 * Superblock (block 0): magic, BlockSize, FreeBlockMapBlock, NumBlocks,
 * NumDirectoryBytes, unused, then the numbers of the blocks that list the
 * directory's blocks.  Directory: u32 NumStreams, u32 sizes[NumStreams],
 * then each stream's block numbers in stream order.  A stream of size
 * 0xFFFFFFFF is nil and owns no block.
 */
#include "config.h"
#include "pdb_msf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cursor.h"

static const char msf7_magic[32] = "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0\0";
static const char msf2_magic[44] = "Microsoft C/C++ program database 2.00\r\n\x1a" "JG\0\0";

#define MSF_HDR_SIZE	52	/* up to the block-map block numbers */

bool pdb_msf_is_msf(const uint8_t *data, size_t size)
{
	if (size >= sizeof(msf7_magic) && !memcmp(data, msf7_magic, sizeof(msf7_magic)))
		return true;
	return size >= sizeof(msf2_magic) && !memcmp(data, msf2_magic, sizeof(msf2_magic));
}

static uint32_t msf_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t msf_nblk(uint64_t bytes, uint32_t bs)
{
	return (size_t)((bytes + bs - 1) / bs);
}

/* The bytes of block b, checked against the block count and the file. */
static const uint8_t *msf_block(const struct pdb_msf *msf, uint32_t b)
{
	if (b >= msf->nblocks)
		return NULL;
	return msf->data + (size_t)b * msf->block_size;
}

/* The error for an unreadable block b of what. */
static enum sym_code msf_bad_block(const struct pdb_msf *msf, uint32_t b, const char *what,
				   struct sym_err *err)
{
	if (b < msf->nblocks_hdr)
		return sym_fail(err, SYM_ETRUNC,
				"cannot read PDB '%s': %s: block %u past the end of the file (truncated at 0x%zx)",
				msf->path, what, b, msf->size);
	return sym_fail(err, SYM_EFORMAT,
			"cannot read PDB '%s': %s: block %u out of range (%u blocks)", msf->path,
			what, b, msf->nblocks_hdr);
}

/* Copies len bytes from the blocks listed in list[0..] into dst. */
static bool msf_gather(const struct pdb_msf *msf, const uint32_t *list, uint8_t *dst,
		       size_t len, uint32_t *bad)
{
	size_t done = 0, i = 0;

	while (done < len) {
		size_t n = len - done < msf->block_size ? len - done : msf->block_size;
		const uint8_t *src = msf_block(msf, list[i]);
		if (!src) {
			*bad = list[i];
			return false;
		}
		memcpy(dst + done, src, n);
		done += n;
		i++;
	}
	return true;
}

enum sym_code pdb_msf_open(struct pdb_msf *msf, const char *path, const uint8_t *data,
			   size_t size, struct sym_err *err)
{
	uint32_t bs, ndir_bytes, nmap, *dir_list = NULL, *map_list = NULL, bad = 0, i;
	size_t ndir, total, need;
	uint8_t *dirbuf = NULL, *mapbuf = NULL;
	struct cursor c;
	enum sym_code result = SYM_OK;

	memset(msf, 0, sizeof(*msf));
	msf->path = path;
	msf->data = data;
	msf->size = size;
	if (size >= sizeof(msf2_magic) && !memcmp(data, msf2_magic, sizeof(msf2_magic)))
		return sym_fail(err, SYM_EUNSUP,
				"cannot read PDB '%s': unsupported PDB 2.0 (small MSF) file", path);
	if (size < sizeof(msf7_magic) || memcmp(data, msf7_magic, sizeof(msf7_magic)))
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a PDB (no MSF 7.00 magic)", path);
	if (size < MSF_HDR_SIZE + 4)
		return sym_fail(err, SYM_ETRUNC, "cannot read PDB '%s': superblock truncated", path);
	bs = msf_u32(data + 32);
	if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
		return sym_fail(err, SYM_EFORMAT, "cannot read PDB '%s': bad block size %u",
				path, bs);
	msf->block_size = bs;
	msf->nblocks = msf_u32(data + 40);
	msf->nblocks_hdr = msf->nblocks;
	if (msf->nblocks > size / bs)
		msf->nblocks = (uint32_t)(size / bs);	/* blocks past the end are unreadable */
	if (size < bs)
		return sym_fail(err, SYM_ETRUNC, "cannot read PDB '%s': superblock truncated", path);
	ndir_bytes = msf_u32(data + 44);
	if (ndir_bytes < 4 || ndir_bytes > size)
		return sym_fail(err, SYM_EFORMAT,
				"cannot read PDB '%s': bad stream directory size %u", path,
				ndir_bytes);
	ndir = msf_nblk(ndir_bytes, bs);
	nmap = (uint32_t)msf_nblk((uint64_t)ndir * 4, bs);
	if (nmap > (bs - MSF_HDR_SIZE) / 4)
		return sym_fail(err, SYM_EFORMAT,
				"cannot read PDB '%s': stream directory too large (%u bytes)", path,
				ndir_bytes);

	/* the block map: nmap blocks holding ndir block numbers */
	map_list = malloc(nmap * sizeof(*map_list));
	mapbuf = malloc((size_t)nmap * bs);
	dir_list = malloc(ndir * sizeof(*dir_list));
	dirbuf = malloc(ndir * bs);
	if (!map_list || !mapbuf || !dir_list || !dirbuf) {
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
		goto out;
	}
	for (i = 0; i < nmap; i++)
		map_list[i] = msf_u32(data + MSF_HDR_SIZE + 4 * (size_t)i);
	if (!msf_gather(msf, map_list, mapbuf, ndir * 4, &bad)) {
		result = msf_bad_block(msf, bad, "directory block map", err);
		goto out;
	}
	for (i = 0; i < ndir; i++)
		dir_list[i] = msf_u32(mapbuf + 4 * (size_t)i);
	if (!msf_gather(msf, dir_list, dirbuf, ndir_bytes, &bad)) {
		result = msf_bad_block(msf, bad, "stream directory", err);
		goto out;
	}

	/* the directory */
	c = cursor_make(dirbuf, ndir_bytes, false);
	msf->nstreams = cursor_u32(&c);
	if (msf->nstreams > cursor_left(&c) / 4) {
		result = sym_fail(err, SYM_EFORMAT,
				  "cannot read PDB '%s': %u streams do not fit a %u-byte directory",
				  path, msf->nstreams, ndir_bytes);
		goto out;
	}
	msf->sizes = malloc(((size_t)msf->nstreams + 1) * sizeof(*msf->sizes));
	msf->first = malloc(((size_t)msf->nstreams + 1) * sizeof(*msf->first));
	if (!msf->sizes || !msf->first) {
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
		goto out;
	}
	total = 0;
	for (i = 0; i < msf->nstreams; i++) {
		msf->sizes[i] = cursor_u32(&c);
		msf->first[i] = total;
		need = msf->sizes[i] == PDB_MSF_NIL ? 0 : msf_nblk(msf->sizes[i], bs);
		if (need > cursor_left(&c) / 4 - total) {
			result = sym_fail(err, SYM_EFORMAT,
					  "cannot read PDB '%s': blocks of stream %u do not fit the directory",
					  path, i);
			goto out;
		}
		total += need;
	}
	msf->blocks = malloc((total + 1) * sizeof(*msf->blocks));
	if (!msf->blocks) {
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
		goto out;
	}
	for (i = 0; i < total; i++)
		msf->blocks[i] = cursor_u32(&c);
	if (c.bad)
		result = sym_fail(err, SYM_ETRUNC, "cannot read PDB '%s': directory truncated",
				  path);
out:
	free(map_list);
	free(mapbuf);
	free(dir_list);
	free(dirbuf);
	if (result != SYM_OK)
		pdb_msf_release(msf);
	return result;
}

void pdb_msf_release(struct pdb_msf *msf)
{
	free(msf->sizes);
	free(msf->first);
	free(msf->blocks);
	msf->sizes = NULL;
	msf->first = NULL;
	msf->blocks = NULL;
	msf->nstreams = 0;
}

bool pdb_msf_has(const struct pdb_msf *msf, uint32_t i)
{
	return i < msf->nstreams && msf->sizes[i] != PDB_MSF_NIL;
}

/* true when the n blocks of list[] are consecutive: list[0], list[0]+1, ... */
static bool msf_consecutive(const struct pdb_msf *msf, const uint32_t *list, size_t n)
{
	size_t k;

	if (!n || list[0] >= msf->nblocks || n > msf->nblocks - list[0])
		return false;
	for (k = 1; k < n; k++)
		if (list[k] != list[0] + k)
			return false;
	return true;
}

enum sym_code pdb_msf_stream(const struct pdb_msf *msf, uint32_t i, const char *what,
			     struct pdb_stream *s, struct sym_err *err)
{
	const uint32_t *list;
	uint8_t *buf;
	uint32_t bad = 0;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (!pdb_msf_has(msf, i) || msf->sizes[i] == 0)
		return SYM_OK;
	len = msf->sizes[i];
	/* distinct blocks cannot hold more than the file */
	if (len > msf->size)
		return sym_fail(err, SYM_EFORMAT,
				"cannot read PDB '%s': stream %u (%s) larger than the file (%u bytes)",
				msf->path, i, what, msf->sizes[i]);
	list = msf->blocks + msf->first[i];
	/* every block checked: list[0] + n - 1 < nblocks, so the stream lies
	 * within the file (nblocks * block_size <= size) */
	if (msf_consecutive(msf, list, msf_nblk(len, msf->block_size))) {
		s->data = msf_block(msf, list[0]);
		s->len = len;
		s->drop = msf->drop_pages;
		return SYM_OK;
	}
	buf = malloc(len);
	if (!buf)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", msf->path);
	if (!msf_gather(msf, list, buf, len, &bad)) {
		char where[96];

		free(buf);
		snprintf(where, sizeof(where), "stream %u (%s)", i, what);
		return msf_bad_block(msf, bad, where, err);
	}
	s->data = buf;
	s->len = len;
	s->owned = buf;
	return SYM_OK;
}

void pdb_stream_release(struct pdb_stream *s)
{
	long pg = s->drop ? sysconf(_SC_PAGESIZE) : -1;

	if (pg > 0 && s->len) {
		uintptr_t lo = (uintptr_t)s->data, hi = lo + s->len;

		lo = (lo + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
		hi &= ~((uintptr_t)pg - 1);
		if (lo < hi)	/* a failure only leaves the pages resident */
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	free(s->owned);
	memset(s, 0, sizeof(*s));
}
