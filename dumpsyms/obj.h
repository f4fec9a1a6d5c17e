/* obj.h - the object-file interface every debug reader sees.
 *
 * An object reader (obj_elf.c, obj_macho.c; PE later) opens a file and
 * fills struct obj: identity (arch, ids, name, load address), named sections
 * and the symbol table.  The DWARF, CFI and symbol-table readers use only
 * this interface.  Readers never print; failures come back as a sym_code
 * with a message in the caller's struct sym_err.
 */
#ifndef SYM_OBJ_H
#define SYM_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct obj_section {
	const char *name;
	const uint8_t *data;	/* NULL for SHT_NOBITS / empty */
	size_t size;
	uint64_t addr;		/* sh_addr */
	uint64_t offset;	/* sh_offset */
	uint32_t type;
	uint64_t flags;
	bool loaded;		/* data decompressed or fetched */
	bool compressed;	/* SHF_COMPRESSED or .zdebug_ */
	bool releasable;	/* data is our mapping or our buffer, so pages
				 * may be released with MADV_DONTNEED */
	void *priv;		/* reader's handle (Elf_Scn *) */
	void *owned;		/* decompressed copy, freed by obj_close() */
};

struct obj_symbol {
	const char *name;
	uint64_t value;
	uint64_t size;
	uint8_t type;		/* STT_* */
	uint8_t bind;		/* STB_* */
	uint16_t shndx;
};

enum { OBJ_MAX_ID = 64 };

struct obj_range {
	uint64_t lo, hi;
};

enum obj_format { OBJ_ELF, OBJ_MACHO };

/* Which slice of a universal Mach-O file to read (ignored for others):
 * by index (1-based), else by LC_UUID, else by arch name; none set, the
 * only slice. */
struct obj_pick {
	const char *arch;	/* "x86_64", "arm64", ... (--arch) */
	const uint8_t *uuid;	/* 16 bytes: a dSYM's slice for a binary */
	size_t index;
};

struct obj {
	char *path;
	const char *basename;	/* points into path */
	int fd;
	const uint8_t *map;	/* the whole file, read-only */
	size_t map_size;
	bool mapped;		/* map is ours to munmap */
	void *elf;		/* Elf * */
	enum obj_format format;

	bool is64;
	bool big_endian;
	uint16_t machine;	/* e_machine */
	uint16_t e_type;
	const char *arch;	/* Breakpad arch name */
	uint64_t load_addr;	/* p_vaddr of the first PT_LOAD */

	uint8_t build_id[OBJ_MAX_ID];
	size_t build_id_len;	/* 0: no GNU build-id note */
	uint8_t ident[OBJ_MAX_ID]; /* build-id or text hash */
	size_t ident_len;
	char *soname;		/* DT_SONAME, or NULL */

	struct obj_section *sections;
	size_t nsections;

	/* PT_LOAD ranges (Mach-O: code sections) [lo, hi), link-time addresses */
	struct obj_range *loads;
	size_t nloads;

	/* Mach-O: the chosen slice (the whole file when thin), what picks it
	 * (set by obj_open_pick() before parsing), and its symbol table.
	 * ident holds the LC_UUID. */
	struct obj_pick pick;
	const uint8_t *slice;
	size_t slice_size;
	int32_t cputype, cpusubtype;
	uint32_t filetype;
	const uint8_t *nlist;	/* nsyms entries of 12 (16 if is64) bytes */
	uint32_t nsyms;
	const uint8_t *strtab;
	uint32_t strsize;
	char *names;		/* section names, owned */
};

/* Opens and validates path.  On success the caller owns o and must call
 * obj_close().  Errors: SYM_EIO (cannot open/map), SYM_EFORMAT / SYM_ETRUNC
 * (not a valid ELF file), SYM_EUNSUP (unsupported class), SYM_ENOMEM. */
enum sym_code obj_open(struct obj *o, const char *path, struct sym_err *err);
/* The same for a file already in memory (data must outlive o); name is
 * used in messages and as the default module name. */
enum sym_code obj_open_mem(struct obj *o, const char *name, const uint8_t *data,
			   size_t size, struct sym_err *err);
void obj_close(struct obj *o);
/* obj_open() of the slice pick names (NULL: none) of a universal Mach-O
 * file.  A universal file with several slices and nothing to pick one is
 * refused with a message listing them; so is a thin file of another arch
 * than pick->arch. */
enum sym_code obj_open_pick(struct obj *o, const char *path, const struct obj_pick *pick,
			    struct sym_err *err);
/* Calls fn with the 1-based index, arch name and debug id of each slice of
 * path (one call for a thin Mach-O or an ELF file); debug_id is NULL for a
 * slice that cannot be read (unsupported CPU, damaged, no LC_UUID), whose
 * arch is then a description.  Stops at the first non-zero return. */
enum sym_code obj_slices(const char *path, int (*fn)(void *ctx, size_t index, const char *arch,
		const char *debug_id), void *ctx, struct sym_err *err);
/* True when o has a symbol table worth reading (.symtab, or Mach-O nlist). */
bool obj_has_symtab(struct obj *o);

/* The Mach-O reader, called by the object layer once the magic is known. */
bool macho_is_macho(const uint8_t *p, size_t n);
enum sym_code macho_parse(struct obj *o, struct sym_err *err);
int macho_symbols(struct obj *o, int (*fn)(void *ctx, const struct obj_symbol *s),
		  void *ctx);
/* obj_slices() over a mapped Mach-O file (o->map set, parsed or not). */
enum sym_code macho_slices(struct obj *o, int (*fn)(void *ctx, size_t index, const char *arch,
		const char *debug_id), void *ctx, struct sym_err *err);

/* The section named name with its bytes loaded (decompressed if needed), or
 * NULL when absent or empty.  ".debug_x" also finds ".zdebug_x".  The data
 * stays valid until obj_close().  A section that cannot be decompressed
 * yields NULL and sets err. */
const struct obj_section *obj_section(struct obj *o, const char *name,
				      struct sym_err *err);

/* Calls fn for each defined symbol of .symtab, or of .dynsym when there is
 * no .symtab.  Names point into the mapped file.  Stops and returns the
 * first non-zero value fn returns. */
int obj_symbols(struct obj *o, int (*fn)(void *ctx, const struct obj_symbol *s),
		void *ctx, struct sym_err *err);

/* 33-character debug id into out[34]: ELF, the GUID-swapped first 16 bytes
 * of the identifier; Mach-O, the LC_UUID as stored; upper case, plus age
 * "0". */
void obj_debug_id(const struct obj *o, char out[34]);
/* Code id (identifier bytes as upper-case hex) into out[2*OBJ_MAX_ID+1]. */
void obj_code_id(const struct obj *o, char *out);
/* Module name: DT_SONAME if present, else the file's basename. */
const char *obj_module_name(const struct obj *o);

#endif
