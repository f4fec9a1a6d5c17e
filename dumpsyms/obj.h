/* obj.h - the object-file interface every debug reader sees.
 *
 * The object layer (obj.c) opens and maps a file, recognises its format by
 * the magic and hands it to that format's reader: a table of operations
 * (struct obj_ops) with its state behind o->priv (obj_elf.c, obj_macho.c,
 * obj_pe.c).  The reader fills the shared part of struct obj: identity
 * (arch, ids, name, load address), sections and the code ranges.  The
 * DWARF, CFI and symbol-table readers use only this interface and the
 * project's own enums below, never a format's constants.  Readers never
 * print (but for warnings under a verbose flag); failures come back as a
 * sym_code with a message in the caller's struct sym_err.
 */
#ifndef SYM_OBJ_H
#define SYM_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What a section holds, as far as the readers care. */
enum obj_sect_kind {
	OBJ_SECT_OTHER,
	OBJ_SECT_PROGBITS,	/* bytes in the file (code, data, debug info) */
	OBJ_SECT_NOBITS,	/* no bytes in the file (.bss, zero-fill, a debug
				 * file's placeholder of the binary's sections) */
	OBJ_SECT_SYMTAB,	/* ELF .symtab */
	OBJ_SECT_DYNSYM,	/* ELF .dynsym */
	OBJ_SECT_NOTE,
	OBJ_SECT_DYNAMIC,
};

struct obj_section {
	const char *name;
	const uint8_t *data;	/* NULL for OBJ_SECT_NOBITS / empty */
	size_t size;
	uint64_t addr;		/* link-time address */
	uint64_t offset;	/* in the file (Mach-O: in the slice) */
	enum obj_sect_kind kind;
	uint64_t flags;		/* the format's own flags, for its reader only */
	bool truncated;		/* its bytes lie past the end of the file */
	bool loaded;		/* data decompressed or fetched */
	bool compressed;	/* SHF_COMPRESSED or .zdebug_ */
	bool releasable;	/* data is our mapping or our buffer, so pages
				 * may be released with MADV_DONTNEED */
	void *priv;		/* reader's handle (Elf_Scn *) */
	void *owned;		/* decompressed copy, freed by obj_close() */
	struct obj_job *job;	/* a worker decompressing it (obj_prefetch) */
};

/* How a compressed section is stored, as the format's reader finds it. */
enum obj_comp_kind { OBJ_COMP_ZLIB, OBJ_COMP_ZSTD };
struct obj_comp {
	enum obj_comp_kind kind;
	const uint8_t *in;	/* the compressed bytes, in the mapping */
	size_t in_size;
	uint64_t out_size;	/* as the header claims */
};

enum obj_sym_kind { OBJ_SYM_OTHER, OBJ_SYM_FUNC };

struct obj_symbol {
	const char *name;
	uint64_t value;
	uint64_t size;
	enum obj_sym_kind kind;
	bool defined;		/* not an undefined reference */
	bool global;		/* ELF STB_GLOBAL, Mach-O N_EXT */
};

/* The instruction set: picks register names and unwind rules.  The arch
 * name printed in the MODULE record is struct obj.arch. */
enum obj_arch {
	OBJ_ARCH_UNKNOWN,
	OBJ_ARCH_X86,
	OBJ_ARCH_X86_64,
	OBJ_ARCH_ARM,
	OBJ_ARCH_ARM64,		/* arm64_32 too */
	OBJ_ARCH_MIPS,
	OBJ_ARCH_PPC,
	OBJ_ARCH_PPC64,
	OBJ_ARCH_S390,
	OBJ_ARCH_SPARC,
	OBJ_ARCH_SPARCV9,
	OBJ_ARCH_RISCV,
};

enum { OBJ_MAX_ID = 64 };
/* 32 hex digits of GUID/UUID and up to 8 of age, and the NUL */
enum { OBJ_DEBUG_ID_SIZE = 41 };

struct obj_range {
	uint64_t lo, hi;
};

enum obj_format { OBJ_ELF, OBJ_MACHO, OBJ_PE };

/* What a file is, from its first bytes (obj_sniff()). */
enum obj_kind {
	OBJ_KIND_UNKNOWN,
	OBJ_KIND_ELF,		/* executable, shared library or debug file */
	OBJ_KIND_ELF_REL,	/* relocatable object (.o) */
	OBJ_KIND_MACHO,		/* thin little-endian Mach-O, not an object */
	OBJ_KIND_MACHO_OBJECT,	/* MH_OBJECT (.o) */
	OBJ_KIND_UNIVERSAL,	/* universal (fat) Mach-O */
	OBJ_KIND_PE,
	OBJ_KIND_PDB,
	OBJ_KIND_CAB,
};

/* Which slice of a universal Mach-O file to read (ignored for others):
 * by index (1-based), else by LC_UUID, else by arch name; none set, the
 * only slice. */
struct obj_pick {
	const char *arch;	/* "x86_64", "arm64", ... (--arch) */
	const uint8_t *uuid;	/* 16 bytes: a dSYM's slice for a binary */
	size_t index;
};

/* Where and how to look for a companion debug file. */
struct obj_find {
	const char *given;	/* the file (or bundle) the user named (-g), or
				 * NULL to search */
	const char *const *debug_dirs;
	size_t ndebug_dirs;
	bool verbose;
	bool warn;		/* warn (obj_warn()) about a companion named but
				 * missing, damaged or of another build */
	unsigned *warnings;	/* counts those warnings, or NULL */
};

struct obj;
struct module;
struct pool;

typedef int (*obj_slice_fn)(void *ctx, size_t index, const char *arch, const char *debug_id);
typedef int (*obj_symbol_fn)(void *ctx, const struct obj_symbol *s);

/* One object format.  probe looks at the first bytes; open reads the file
 * (o->map and o->pick are set, o->ops is this table) and fills struct obj,
 * its private state in o->priv; close frees that state (also after a
 * failed open).  Optional operations are NULL. */
struct obj_ops {
	const char *name;
	const char *os;		/* the MODULE record's OS: "Linux", "mac" */
	bool (*probe)(const uint8_t *p, size_t n);
	enum sym_code (*open)(struct obj *o, struct sym_err *err);
	/* loads (decompresses) a section that is not loaded yet */
	enum sym_code (*load_section)(struct obj *o, struct obj_section *s, struct sym_err *err);
	/* how a compressed section is stored (for obj_prefetch) */
	enum sym_code (*compression)(struct obj *o, const struct obj_section *s,
				     struct obj_comp *c, struct sym_err *err);
	int (*symbols)(struct obj *o, obj_symbol_fn fn, void *ctx, struct sym_err *err);
	/* the symbol file embedded in o (ELF: MiniDebugInfo), see
	 * obj_embedded() */
	struct obj *(*embedded)(struct obj *o, struct sym_err *err);
	/* each slice of the file, o mapped and o->ops set, parsed or not */
	enum sym_code (*slices)(struct obj *o, obj_slice_fn fn, void *ctx, struct sym_err *err);
	/* a directory given as the input (a dSYM bundle): the file in it */
	enum sym_code (*resolve_dir)(const char *path, char **out, struct sym_err *err);
	/* the code id into out[2*OBJ_MAX_ID+1] when it is not the identifier
	 * bytes in hex (PE: timestamp and image size) */
	void (*code_id)(const struct obj *o, char *out);
	/* the INFO CODE_ID record names the file after the id (PE) */
	bool named_code_id;
	/* STACK CFI from the format's own unwind tables (PE: .pdata),
	 * in place of .eh_frame / .debug_frame */
	enum sym_code (*unwind)(struct obj *o, struct module *m, bool verbose,
				struct sym_err *err);
	/* the same on a pool's workers while this thread reads the DWARF:
	 * a job (NULL when out of memory) that unwind_finish() ends, with
	 * unwind()'s warnings and result, or unwind_cancel() */
	void *(*unwind_start)(struct obj *o, struct pool *p, struct module *m, bool verbose);
	enum sym_code (*unwind_finish)(void *job, struct sym_err *err);
	void (*unwind_cancel)(void *job);
	/* opens into dbg the companion debug file of o: SYM_OK, SYM_ENOTFOUND
	 * when there is none, or an error naming what is wrong */
	enum sym_code (*find_debug)(struct obj *o, const struct obj_find *f, struct obj *dbg,
				    struct sym_err *err);
	void (*close)(struct obj *o);
};

extern const struct obj_ops obj_elf_ops;
extern const struct obj_ops obj_macho_ops;
extern const struct obj_ops obj_pe_ops;

struct obj {
	char *path;
	const char *basename;	/* points into path */
	int fd;
	const uint8_t *map;	/* the whole file, read-only */
	size_t map_size;
	bool mapped;		/* map is ours to munmap */
	const struct obj_ops *ops;
	void *priv;		/* the reader's state, freed by ops->close */
	enum obj_format format;

	bool is64;
	bool big_endian;
	enum obj_arch machine;
	const char *arch;	/* Breakpad arch name */
	uint64_t load_addr;	/* ELF: p_vaddr of the first PT_LOAD */

	uint8_t ident[OBJ_MAX_ID]; /* build-id, text hash, LC_UUID */
	size_t ident_len;
	bool id_raw;		/* debug id: ident as stored, not GUID-swapped */
	uint32_t age;		/* the debug id's age (0 but for PDB) */
	char *own_name;		/* the name the file gives itself (DT_SONAME),
				 * or NULL; owned */
	bool has_symtab;	/* a symbol table worth reading */
	bool unwind_copies;	/* its .eh_frame copies the binary's (a dSYM) */

	struct obj_section *sections;
	size_t nsections;

	/* code ranges [lo, hi), link-time addresses (ELF: PT_LOAD) */
	struct obj_range *loads;
	size_t nloads;

	struct obj_pick pick;	/* set by obj_open_pick() before parsing */
};

/* What kind of file starts with the n bytes at p (n may be short of the
 * file; 4096 bytes are enough to tell). */
enum obj_kind obj_sniff(const uint8_t *p, size_t n);

/* Opens and validates path.  On success the caller owns o and must call
 * obj_close().  Errors: SYM_EIO (cannot open/map), SYM_EFORMAT / SYM_ETRUNC
 * (not a valid object file), SYM_EUNSUP (unsupported class), SYM_ENOMEM. */
enum sym_code obj_open(struct obj *o, const char *path, struct sym_err *err);
/* The same for a file already in memory (data must outlive o); name is
 * used in messages and as the default module name. */
enum sym_code obj_open_mem(struct obj *o, const char *name, const uint8_t *data,
			   size_t size, struct sym_err *err);
/* o must have been opened (successfully or not) or zeroed with fd -1. */
void obj_close(struct obj *o);
/* obj_open() of the slice pick names (NULL: none) of a universal Mach-O
 * file.  A universal file with several slices and nothing to pick one is
 * refused with a message listing them; so is a thin file of another arch
 * than pick->arch. */
enum sym_code obj_open_pick(struct obj *o, const char *path, const struct obj_pick *pick,
			    struct sym_err *err);
/* The file to read for path, malloc'd into *file: path itself, or for a
 * directory the file a reader finds in it (a .dSYM bundle: the DWARF file
 * inside). */
enum sym_code obj_resolve(const char *path, char **file, struct sym_err *err);
/* Calls fn with the 1-based index, arch name and debug id of each slice of
 * path (one call for a thin Mach-O or an ELF file); debug_id is NULL for a
 * slice that cannot be read (unsupported CPU, damaged, no LC_UUID), whose
 * arch is then a description.  Stops at the first non-zero return. */
enum sym_code obj_slices(const char *path, obj_slice_fn fn, void *ctx, struct sym_err *err);
/* True when o has a symbol table worth reading (.symtab, or Mach-O nlist). */
bool obj_has_symtab(struct obj *o);
/* The companion debug file of o (ELF: by build id and .gnu_debuglink;
 * Mach-O: the dSYM), opened into dbg.  SYM_ENOTFOUND when there is none
 * to try; another error when f->given or the companion found does not fit
 * o.  On success the caller owns dbg. */
enum sym_code obj_find_debug(struct obj *o, const struct obj_find *f, struct obj *dbg,
			     struct sym_err *err);
/* Prints "dumpsyms: warning: " and the message to stderr and counts it in
 * *count (count may be NULL): a warning about the input, which --strict
 * turns into a failure. */
void obj_warn(unsigned *count, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The OS name the reader of o gives its modules ("Linux", "mac"). */
const char *obj_os(const struct obj *o);

/* The section named name with its bytes loaded (decompressed if needed), or
 * NULL when absent or empty.  ".debug_x" also finds ".zdebug_x".  The data
 * stays valid until obj_close().  A section that cannot be decompressed
 * yields NULL and sets err. */
const struct obj_section *obj_section(struct obj *o, const char *name,
				      struct sym_err *err);
/* The section named name without loading it (".debug_x" also finds
 * ".zdebug_x"), or NULL. */
const struct obj_section *obj_find_section(const struct obj *o, const char *name);
/* True when o has a section named name with bytes in the file. */
bool obj_has_section_data(const struct obj *o, const char *name);

/* Calls fn for each symbol of o's symbol table (ELF: .symtab, or .dynsym
 * when there is no .symtab; Mach-O: the defined code symbols).  Names point
 * into the mapped file.  Stops and returns the first non-zero value fn
 * returns. */
int obj_symbols(struct obj *o, obj_symbol_fn fn, void *ctx, struct sym_err *err);

/* The symbol file embedded in o (ELF: the MiniDebugInfo ELF file that
 * section .gnu_debugdata holds xz-compressed), opened on the first call and
 * owned by o until obj_close(o); its symbol table complements o's .dynsym
 * (obj_symbols() on it).  NULL when o has none, err untouched; NULL with
 * err set, on the first call only, when it cannot be used (cannot be
 * decompressed, too large, not an ELF file of o's machine and build). */
struct obj *obj_embedded(struct obj *o, struct sym_err *err);

/* ---- decompression on a pool (obj_job.c) ----
 *
 * obj_prefetch() starts decompressing, on the pool's workers, those of the
 * named sections that are compressed and not loaded; obj_section() then
 * waits for them (or decompresses one itself that no worker has started).
 * The section named stream is the one a reader takes front to back: it
 * gets it with obj_section_stream() and asks for its bytes up to an offset
 * with obj_stream_need() before it reads them; its worker keeps at most
 * OBJ_STREAM_WINDOW bytes ahead of the furthest offset asked for.  A pool
 * without workers changes nothing.  Bytes and errors are those of
 * obj_section() without a pool. */
struct pool;
struct obj_stream;
#define OBJ_STREAM_WINDOW ((size_t)32 << 20)
void obj_prefetch(struct obj *o, struct pool *p, const char *const *names, size_t n,
		  const char *stream);
/* Like obj_section(), but a streamed section comes back at once, its size
 * the whole decompressed size, with *stream set: no byte of it may be read
 * before obj_stream_need() has returned SYM_OK for an offset past it.
 * *stream is NULL for any other section. */
const struct obj_section *obj_section_stream(struct obj *o, const char *name,
					     struct obj_stream **stream, struct sym_err *err);
/* Waits until the stream's bytes before upto are there.  An error (the
 * section does not decompress) when they never will be, or when upto is
 * the end and the section turned out damaged past it. */
enum sym_code obj_stream_need(struct obj_stream *stream, uint64_t upto, struct sym_err *err);
/* A zlib stream (header, deflate data, Adler-32) decompressed whole into
 * out: 0 when it ends with exactly out_size bytes (bytes after its end
 * are ignored), -1 when it does not, -3 out of memory. */
int obj_inflate_whole(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size);
/* For the readers: decompresses c into s, in this thread. */
enum sym_code obj_decompress(struct obj *o, struct obj_section *s, const struct obj_comp *c,
			     struct sym_err *err);
/* Stops the workers' jobs on o's sections (before the pool goes): the
 * sections they finished are loaded, the others as they were. */
void obj_prefetch_end(struct obj *o);
/* For obj.c: waits for s->job and loads s from it. */
enum sym_code obj_job_finish(struct obj_section *s, struct sym_err *err);

/* Debug id into out[OBJ_DEBUG_ID_SIZE]: the first 16 bytes of the
 * identifier, GUID-swapped (ELF, PE) or as stored (o->id_raw: Mach-O),
 * upper case, then the age in hex ("0" for ELF and Mach-O). */
void obj_debug_id(const struct obj *o, char out[OBJ_DEBUG_ID_SIZE]);
/* Code id into out[2*OBJ_MAX_ID+1]: the identifier bytes as upper-case
 * hex, unless the reader says otherwise (ops->code_id). */
void obj_code_id(const struct obj *o, char *out);
/* Module name: the file's own name (DT_SONAME) if present, else its
 * basename. */
const char *obj_module_name(const struct obj *o);

#endif
