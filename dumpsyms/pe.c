/* pe.c - the PE/COFF image reader: headers, section table, the CodeView
 * entry of the debug directory, and the export table.
 *
 * Layout (all little-endian): a DOS header whose u32 at 0x3c (e_lfanew)
 * points at "PE\0\0"; the 20-byte COFF header {u16 machine, u16 nsections,
 * u32 timestamp, u32 symtab, u32 nsyms, u16 optional header size, u16
 * characteristics}; the optional header (magic 0x10b PE32 or 0x20b PE32+;
 * SizeOfImage at +56; ImageBase at +28 as u32 or +24 as u64;
 * NumberOfRvaAndSizes at +92 / +108, then the {rva, size} data
 * directories); then the 40-byte section headers.  Every count and offset
 * is checked against the file before it is used; data directories are
 * clamped to what both NumberOfRvaAndSizes and the optional header's size
 * allow.
 */
#include "config.h"
#include "pe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cursor.h"

#define PE32_MAGIC		0x10b
#define PE32PLUS_MAGIC		0x20b
#define DEBUG_TYPE_CODEVIEW	2
#define DEBUG_ENTRY_SIZE	28
#define SECTION_HEADER_SIZE	40
#define EXPORT_DIR_SIZE		40
/* .NET portable PDBs mark their CodeView entry with this minor version */
#define PORTABLE_PDB_MINOR	0x504d

bool pe_is_pe(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_make(data, size, false);
	const uint8_t *sig;
	uint32_t lfanew;

	if (size < 0x40 || data[0] != 'M' || data[1] != 'Z')
		return false;
	cursor_seek(&c, 0x3c);
	lfanew = cursor_u32(&c);
	if (c.bad || !cursor_seek(&c, lfanew))
		return false;
	sig = cursor_bytes(&c, 4);
	return sig && memcmp(sig, "PE\0\0", 4) == 0;
}

const char *pe_arch(const struct pe_image *pe)
{
	switch (pe->machine) {
	case PE_MACHINE_I386:
		return "x86";
	case PE_MACHINE_AMD64:
		return "x86_64";
	case PE_MACHINE_ARM64:
		return "arm64";
	case PE_MACHINE_ARMNT:
		return "arm";
	default:
		return NULL;
	}
}

/* The section holding rva and how many bytes from rva on the file backs,
 * in *avail; NULL when rva is in no section or not backed at all. */
static const uint8_t *pe_rva_span(const struct pe_image *pe, uint32_t rva, size_t *avail)
{
	size_t i;

	for (i = 0; i < pe->nsections; i++) {
		const struct pe_section *s = &pe->sections[i];
		uint32_t extent = s->vsize > s->raw_size ? s->vsize : s->raw_size;
		uint32_t off, raw;

		if (rva < s->va || rva - s->va >= extent)
			continue;
		off = rva - s->va;
		/* the part of the raw data that is in the file */
		if (s->raw_off >= pe->size)
			return NULL;
		raw = s->raw_size;
		if (raw > pe->size - s->raw_off)
			raw = (uint32_t)(pe->size - s->raw_off);
		if (s->vsize && raw > s->vsize)
			raw = s->vsize;
		if (off >= raw)
			return NULL;
		*avail = raw - off;
		return pe->data + s->raw_off + off;
	}
	return NULL;
}

const uint8_t *pe_rva_ptr(const struct pe_image *pe, uint32_t rva, uint32_t len)
{
	size_t avail;
	const uint8_t *p = pe_rva_span(pe, rva, &avail);

	if (!p || len > avail)
		return NULL;
	return p;
}

size_t pe_rva_avail(const struct pe_image *pe, uint32_t rva)
{
	size_t avail;

	return pe_rva_span(pe, rva, &avail) ? avail : 0;
}

/* A NUL-terminated string at rva, wholly backed by the file; else NULL. */
static const char *pe_rva_str(const struct pe_image *pe, uint32_t rva)
{
	size_t avail;
	const uint8_t *p = pe_rva_span(pe, rva, &avail);

	if (!p || !memchr(p, 0, avail))
		return NULL;
	return (const char *)p;
}

void pe_free(struct pe_image *pe)
{
	free(pe->sections);
	free(pe->pdb_path);
	pe->sections = NULL;
	pe->nsections = 0;
	pe->pdb_path = NULL;
}

/* The bytes of a debug-directory entry's data: by rva when it has one that
 * the file backs, else by file offset. */
static const uint8_t *pe_debug_data(const struct pe_image *pe, uint32_t rva, uint32_t off,
				    uint32_t len)
{
	const uint8_t *p = rva ? pe_rva_ptr(pe, rva, len) : NULL;

	if (p)
		return p;
	if (off && off < pe->size && len <= pe->size - off)
		return pe->data + off;
	return NULL;
}

/* Reads one CodeView record (RSDS or NB10) into pe; false when it is
 * neither or does not fit. */
static bool pe_read_codeview(struct pe_image *pe, const uint8_t *p, uint32_t len, uint16_t minor,
			     uint32_t entry_time, enum sym_code *oom)
{
	struct cursor c = cursor_make(p, len, false);
	const uint8_t *sig = cursor_bytes(&c, 4);
	const uint8_t *guid;
	const char *path;
	size_t n;

	if (!sig)
		return false;
	if (memcmp(sig, "RSDS", 4) == 0) {
		guid = cursor_bytes(&c, 16);
		pe->age = cursor_u32(&c);
		if (c.bad)
			return false;
		memcpy(pe->guid, guid, 16);
		pe->nb10 = false;
		if (minor == PORTABLE_PDB_MINOR)
			pe->age = entry_time;
	} else if (memcmp(sig, "NB10", 4) == 0) {
		cursor_u32(&c);		/* offset, always 0 */
		pe->nb10_signature = cursor_u32(&c);
		pe->age = cursor_u32(&c);
		if (c.bad)
			return false;
		pe->nb10 = true;
	} else {
		return false;
	}
	/* the path runs to a NUL or to the end of the record */
	path = (const char *)p + c.pos;
	n = strnlen(path, cursor_left(&c));
	if (n) {
		pe->pdb_path = malloc(n + 1);
		if (!pe->pdb_path) {
			*oom = SYM_ENOMEM;
			return false;
		}
		memcpy(pe->pdb_path, path, n);
		pe->pdb_path[n] = '\0';
	}
	pe->has_codeview = true;
	return true;
}

/* Finds the first CodeView entry of the debug directory; a directory that
 * cannot be read is ignored.  Fails only when out of memory. */
static enum sym_code pe_read_debug_dir(struct pe_image *pe)
{
	enum sym_code oom = SYM_OK;
	size_t avail, i, n;
	const uint8_t *dir = pe_rva_span(pe, pe->dir_rva[PE_DIR_DEBUG], &avail);

	if (!dir || !pe->dir_rva[PE_DIR_DEBUG])
		return SYM_OK;
	n = pe->dir_size[PE_DIR_DEBUG];
	if (n > avail)
		n = avail;
	n /= DEBUG_ENTRY_SIZE;
	for (i = 0; i < n; i++) {
		struct cursor c = cursor_make(dir + i * DEBUG_ENTRY_SIZE, DEBUG_ENTRY_SIZE, false);
		uint32_t time, type, len, rva, off;
		uint16_t minor;
		const uint8_t *p;

		cursor_skip(&c, 4);	/* characteristics */
		time = cursor_u32(&c);
		cursor_skip(&c, 2);	/* major version */
		minor = cursor_u16(&c);
		type = cursor_u32(&c);
		len = cursor_u32(&c);
		rva = cursor_u32(&c);
		off = cursor_u32(&c);
		if (c.bad || type != DEBUG_TYPE_CODEVIEW)
			continue;
		p = pe_debug_data(pe, rva, off, len);
		if (p && pe_read_codeview(pe, p, len, minor, time, &oom))
			break;
		if (oom)
			return oom;
	}
	return SYM_OK;
}

enum sym_code pe_parse(struct pe_image *pe, const char *path, const uint8_t *data,
		       size_t size, struct sym_err *err)
{
	enum sym_code result = SYM_OK;
	struct cursor c = cursor_make(data, size, false);
	uint32_t lfanew, nrva, dir_off, i;
	uint16_t nsect, opt_size, magic;
	size_t opt_start, sect_start;
	const uint8_t *sig;

	memset(pe, 0, sizeof(*pe));
	pe->path = path;
	pe->data = data;
	pe->size = size;

	if (size < 2 || data[0] != 'M' || data[1] != 'Z')
		return sym_fail(err, SYM_EFORMAT, "cannot read PE '%s': no MZ signature", path);
	cursor_seek(&c, 0x3c);
	lfanew = cursor_u32(&c);
	if (c.bad)
		return sym_fail(err, SYM_ETRUNC, "cannot read PE '%s': DOS header truncated", path);
	if (!cursor_seek(&c, lfanew) || !(sig = cursor_bytes(&c, 4)))
		return sym_fail(err, SYM_ETRUNC,
				"cannot read PE '%s': e_lfanew 0x%x is past the end of the file",
				path, lfanew);
	if (memcmp(sig, "PE\0\0", 4) != 0)
		return sym_fail(err, SYM_EFORMAT, "cannot read PE '%s': no PE signature at 0x%x",
				path, lfanew);

	/* COFF header */
	pe->machine = cursor_u16(&c);
	nsect = cursor_u16(&c);
	pe->timestamp = cursor_u32(&c);
	cursor_skip(&c, 8);		/* symbol table pointer and count */
	opt_size = cursor_u16(&c);
	cursor_skip(&c, 2);		/* characteristics */
	if (c.bad)
		return sym_fail(err, SYM_ETRUNC,
				"cannot read PE '%s': COFF header at 0x%x runs past the end of the file (0x%zx bytes)",
				path, lfanew + 4, size);

	/* optional header */
	opt_start = c.pos;
	if (opt_size < 2 || size - opt_start < opt_size)
		return sym_fail(err, SYM_ETRUNC,
				"cannot read PE '%s': optional header (%u bytes at 0x%zx) truncated",
				path, opt_size, opt_start);
	magic = cursor_u16(&c);
	if (magic != PE32_MAGIC && magic != PE32PLUS_MAGIC)
		return sym_fail(err, SYM_EUNSUP,
				"cannot read PE '%s': unknown optional header magic 0x%x", path, magic);
	pe->pe32plus = magic == PE32PLUS_MAGIC;
	dir_off = pe->pe32plus ? 112 : 96;
	if (opt_size < dir_off)
		return sym_fail(err, SYM_EFORMAT,
				"cannot read PE '%s': optional header of %u bytes is too small", path,
				opt_size);
	if (pe->pe32plus) {
		cursor_seek(&c, opt_start + 24);
		pe->image_base = cursor_u64(&c);
	} else {
		cursor_seek(&c, opt_start + 28);
		pe->image_base = cursor_u32(&c);
	}
	cursor_seek(&c, opt_start + 56);
	pe->size_of_image = cursor_u32(&c);
	cursor_seek(&c, opt_start + dir_off - 4);
	nrva = cursor_u32(&c);
	/* an absurd count is clamped to what the header holds */
	if (nrva > 16)
		nrva = 16;
	if (nrva > (opt_size - dir_off) / 8)
		nrva = (opt_size - dir_off) / 8;
	for (i = 0; i < nrva; i++) {
		pe->dir_rva[i] = cursor_u32(&c);
		pe->dir_size[i] = cursor_u32(&c);
	}
	if (c.bad)
		return sym_fail(err, SYM_ETRUNC, "cannot read PE '%s': optional header truncated",
				path);

	/* section table */
	sect_start = opt_start + opt_size;
	if ((size - sect_start) / SECTION_HEADER_SIZE < nsect)
		return sym_fail(err, SYM_ETRUNC,
				"cannot read PE '%s': section table (%u entries at 0x%zx) runs past the end of the file",
				path, nsect, sect_start);
	if (nsect) {
		pe->sections = calloc(nsect, sizeof(*pe->sections));
		if (!pe->sections)
			return sym_fail(err, SYM_ENOMEM, "cannot read PE '%s': out of memory", path);
	}
	pe->nsections = nsect;
	cursor_seek(&c, sect_start);
	for (i = 0; i < nsect; i++) {
		struct pe_section *s = &pe->sections[i];
		const uint8_t *name = cursor_bytes(&c, 8);

		if (name)
			memcpy(s->name, name, 8);
		s->name[8] = '\0';
		s->vsize = cursor_u32(&c);
		s->va = cursor_u32(&c);
		s->raw_size = cursor_u32(&c);
		s->raw_off = cursor_u32(&c);
		cursor_skip(&c, 12);	/* relocations, line numbers, their counts */
		s->characteristics = cursor_u32(&c);
	}
	if (c.bad) {
		result = sym_fail(err, SYM_ETRUNC, "cannot read PE '%s': section table truncated",
				  path);
		goto out;
	}
	/* a file cut short: every section's bytes must be in the file */
	for (i = 0; i < nsect; i++) {
		const struct pe_section *s = &pe->sections[i];

		if (s->raw_size && (s->raw_off > size || s->raw_size > size - s->raw_off)) {
			result = sym_fail(err, SYM_ETRUNC, "'%s' is truncated: section %s (bytes 0x%x to 0x%llx) "
					  "lies past the end of the file (0x%zx bytes); the file was cut short "
					  "(copy or build it again)", path, s->name, s->raw_off,
					  (unsigned long long)s->raw_off + s->raw_size, size);
			goto out;
		}
	}

	result = pe_read_debug_dir(pe);
	if (result)
		sym_fail(err, result, "cannot read PE '%s': out of memory", path);
out:
	if (result)
		pe_free(pe);
	return result;
}

static uint32_t u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void pe_warn(const struct pe_image *pe, bool verbose, const char *what)
{
	if (verbose)
		fprintf(stderr, "dumpsyms: warning: %s: %s\n", pe->path, what);
}

int pe_exports(const struct pe_image *pe, bool verbose,
	       int (*fn)(void *ctx, uint32_t rva, const char *name), void *ctx)
{
	uint32_t dir_rva = pe->dir_rva[PE_DIR_EXPORT], dir_size = pe->dir_size[PE_DIR_EXPORT];
	uint32_t nfuncs, nnames, names_wanted, funcs_rva, names_rva, ords_rva, i;
	const uint8_t *dir, *names, *ords, *funcs;
	size_t avail;
	struct cursor c;

	if (!dir_rva || !dir_size)
		return 0;
	dir = pe_rva_ptr(pe, dir_rva, EXPORT_DIR_SIZE);
	if (!dir) {
		pe_warn(pe, verbose, "export directory is not in the file");
		return 0;
	}
	c = cursor_make(dir, EXPORT_DIR_SIZE, false);
	cursor_skip(&c, 20);	/* flags, time, versions, dll name, ordinal base */
	nfuncs = cursor_u32(&c);
	nnames = cursor_u32(&c);
	funcs_rva = cursor_u32(&c);
	names_rva = cursor_u32(&c);
	ords_rva = cursor_u32(&c);
	names_wanted = nnames;

	/* the tables are clamped to what the file holds, so a huge count
	 * costs nothing */
	names = pe_rva_span(pe, names_rva, &avail);
	if (!names)
		avail = 0;
	if (nnames > avail / 4)
		nnames = (uint32_t)(avail / 4);
	ords = pe_rva_span(pe, ords_rva, &avail);
	if (!ords)
		avail = 0;
	if (nnames > avail / 2)
		nnames = (uint32_t)(avail / 2);
	funcs = pe_rva_span(pe, funcs_rva, &avail);
	if (!funcs)
		avail = 0;
	if (nfuncs > avail / 4)
		nfuncs = (uint32_t)(avail / 4);
	if (nnames < names_wanted)
		pe_warn(pe, verbose, "export name table runs out of the file");

	for (i = 0; i < nnames; i++) {
		uint32_t name_rva = u32le(names + 4 * (size_t)i), rva;
		uint16_t ord = (uint16_t)(ords[2 * (size_t)i] | ords[2 * (size_t)i + 1] << 8);
		const char *name;
		int r;

		if (ord >= nfuncs) {
			pe_warn(pe, verbose, "export ordinal out of range");
			continue;
		}
		rva = u32le(funcs + 4 * (size_t)ord);
		/* a forwarder names another DLL's export */
		if (!rva || (rva >= dir_rva && rva - dir_rva < dir_size))
			continue;
		name = pe_rva_str(pe, name_rva);
		if (!name) {
			pe_warn(pe, verbose, "export name is not in the file");
			continue;
		}
		if (!*name)
			continue;
		r = fn(ctx, rva, name);
		if (r)
			return r;
	}
	return 0;
}

/* ---- the companion PDB ---------------------------------------------- */

const char *pe_basename(const char *path)
{
	const char *b = path;

	for (; *path; path++)
		if (*path == '/' || *path == '\\')
			b = path + 1;
	return b;
}

bool pe_find_pdb(const struct pe_image *pe, const char *image_path, const char *const *dirs,
		 size_t ndirs, bool (*try)(void *ctx, const char *path), void *ctx)
{
	const char *cv = pe->pdb_path, *slash = strrchr(image_path, '/');
	const char *img = slash ? slash + 1 : image_path, *dot = strrchr(img, '.');
	const char *names[2];
	char dir[4096], stem[1024], cand[8192];
	size_t nnames = 0, i, d;
	int k;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - image_path) : 1,
		 slash ? image_path : ".");
	if (cv && *pe_basename(cv))
		names[nnames++] = pe_basename(cv);
	snprintf(stem, sizeof(stem), "%.*s.pdb", dot ? (int)(dot - img) : (int)strlen(img), img);
	if (!nnames || strcasecmp(stem, names[0]) != 0)
		names[nnames++] = stem;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < nnames; i++) {
			for (d = 0; d <= ndirs; d++) {
				int n = snprintf(cand, sizeof(cand), "%s/%s", d == 0 ? dir : dirs[d - 1],
						 names[i]);

				if (n < 0 || (size_t)n >= sizeof(cand))
					continue;
				if (k == 1)
					cand[n - 1] = '_';	/* foo.pdb -> foo.pd_ */
				if (try(ctx, cand))
					return true;
			}
		}
	}
	return cv && cv[0] == '/' && try(ctx, cv);
}
