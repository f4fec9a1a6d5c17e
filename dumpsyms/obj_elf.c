/* obj_elf.c - the ELF object reader, the only user of libelf and the only
 * place that knows ELF's constants; it also finds an ELF file's separate
 * debug file (by build id and .gnu_debuglink).
 *
 * The file is mapped read-only and handed to libelf as memory, so section
 * data that needs no conversion points straight into the mapping.
 * Compressed debug sections (SHF_COMPRESSED, legacy .zdebug_) are
 * decompressed on first use, or ahead of it on a pool (obj_job.c), after
 * their declared size has been checked against a limit.
 */
#include "config.h"
#include "obj.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>


#include "cursor.h"
#include "xz.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif
#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif
#ifndef EM_RISCV
#define EM_RISCV 243
#endif

/* The reader's state behind o->priv. */
struct elf_state {
	Elf *elf;
	uint8_t build_id[OBJ_MAX_ID];
	size_t build_id_len;	/* 0: no GNU build-id note */
	/* MiniDebugInfo (.gnu_debugdata), opened by elf_embedded() on first
	 * use: the ELF file and its decompressed bytes, both owned, mini
	 * closed before mini_data is freed */
	struct obj *mini;
	uint8_t *mini_data;
	bool mini_tried;
};

/* The Breakpad arch name of an e_machine (NULL: unsupported) and its
 * instruction set in *arch. */
static const char *elf_arch_name(uint16_t machine, enum obj_arch *arch)
{
	static const struct { uint16_t em; const char *name; enum obj_arch arch; } t[] = {
		{ EM_386, "x86", OBJ_ARCH_X86 },
		{ EM_ARM, "arm", OBJ_ARCH_ARM },
		{ EM_AARCH64, "arm64", OBJ_ARCH_ARM64 },
		{ EM_MIPS, "mips", OBJ_ARCH_MIPS },
		{ EM_PPC64, "ppc64", OBJ_ARCH_PPC64 },
		{ EM_PPC, "ppc", OBJ_ARCH_PPC },
		{ EM_S390, "s390", OBJ_ARCH_S390 },
		{ EM_SPARC, "sparc", OBJ_ARCH_SPARC },
		{ EM_SPARCV9, "sparcv9", OBJ_ARCH_SPARCV9 },
		{ EM_X86_64, "x86_64", OBJ_ARCH_X86_64 },
		{ EM_RISCV, "riscv", OBJ_ARCH_RISCV },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (t[i].em == machine) {
			*arch = t[i].arch;
			return t[i].name;
		}
	*arch = OBJ_ARCH_UNKNOWN;
	return NULL;
}

static enum obj_sect_kind elf_sect_kind(uint32_t sh_type)
{
	switch (sh_type) {
	case SHT_PROGBITS:	return OBJ_SECT_PROGBITS;
	case SHT_NOBITS:	return OBJ_SECT_NOBITS;
	case SHT_SYMTAB:	return OBJ_SECT_SYMTAB;
	case SHT_DYNSYM:	return OBJ_SECT_DYNSYM;
	case SHT_NOTE:		return OBJ_SECT_NOTE;
	case SHT_DYNAMIC:	return OBJ_SECT_DYNAMIC;
	default:		return OBJ_SECT_OTHER;
	}
}

/* Looks for an NT_GNU_BUILD_ID note in a note area, as Breakpad does (any
 * owner; first note of that type).  Returns true and fills the build id. */
static bool scan_build_id(struct obj *o, const uint8_t *p, size_t len)
{
	struct elf_state *es = o->priv;
	struct cursor c = cursor_make(p, len, o->big_endian);

	while (cursor_left(&c) >= 12) {
		uint32_t namesz = cursor_u32(&c);
		uint32_t descsz = cursor_u32(&c);
		uint32_t type = cursor_u32(&c);
		size_t npad = ((size_t)namesz + 3) & ~(size_t)3;
		size_t dpad = ((size_t)descsz + 3) & ~(size_t)3;

		if (!cursor_skip(&c, npad))
			return false;
		if (type == NT_GNU_BUILD_ID) {
			const uint8_t *d;

			if (descsz == 0)
				return false;
			d = cursor_bytes(&c, descsz);
			if (!d)
				return false;
			es->build_id_len = descsz < OBJ_MAX_ID ? descsz : OBJ_MAX_ID;
			memcpy(es->build_id, d, es->build_id_len);
			return true;
		}
		if (!cursor_skip(&c, dpad))
			return false;
	}
	return false;
}

static enum sym_code read_phdrs(struct obj *o, Elf *elf, struct sym_err *err)
{
	struct elf_state *es = o->priv;
	size_t n, i;
	bool first = true;

	if (elf_getphdrnum(elf, &n) != 0)
		return sym_fail(err, SYM_EFORMAT, "cannot read program headers of '%s': %s",
				o->path, elf_errmsg(-1));
	if (n > 65536)
		return sym_fail(err, SYM_EFORMAT, "'%s' claims %zu program headers", o->path, n);
	o->loads = calloc(n ? n : 1, sizeof(*o->loads));
	if (!o->loads)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return sym_fail(err, SYM_EFORMAT, "program header %zu of '%s' is unreadable: %s",
					i, o->path, elf_errmsg(-1));
		/* a file without section headers (sstrip) shows a cut only
		 * here; with them, a cut shows there (check_sections) */
		if (ph.p_type == PT_LOAD && !o->nsections && ph.p_filesz &&
		    (ph.p_offset > o->map_size || ph.p_filesz > o->map_size - ph.p_offset))
			return sym_fail(err, SYM_ETRUNC, "'%s' is truncated: segment %zu (bytes %llu to %llu) lies past "
					"the end of the file (%zu bytes); the file was cut short (copy or build it again)",
					o->path, i, (unsigned long long)ph.p_offset,
					(unsigned long long)ph.p_offset + ph.p_filesz, o->map_size);
		if (ph.p_type == PT_LOAD) {
			if (first)
				o->load_addr = ph.p_vaddr;
			first = false;
			o->loads[o->nloads].lo = ph.p_vaddr;
			o->loads[o->nloads].hi = ph.p_vaddr + ph.p_memsz < ph.p_vaddr
				? UINT64_MAX : ph.p_vaddr + ph.p_memsz;
			o->nloads++;
		} else if (ph.p_type == PT_NOTE && !es->build_id_len) {
			if (ph.p_offset <= o->map_size &&
			    ph.p_filesz <= o->map_size - ph.p_offset)
				scan_build_id(o, o->map + ph.p_offset, ph.p_filesz);
		}
	}
	return SYM_OK;
}

static enum sym_code read_sections(struct obj *o, Elf *elf, struct sym_err *err)
{
	size_t shnum, shstrndx, i;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(elf, &shnum) != 0)
		return sym_fail(err, SYM_EFORMAT, "cannot read section headers of '%s': %s",
				o->path, elf_errmsg(-1));
	if (shnum == 0)
		return SYM_OK;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return sym_fail(err, SYM_EFORMAT, "cannot find the section name table of '%s': %s",
				o->path, elf_errmsg(-1));
	o->sections = calloc(shnum, sizeof(*o->sections));
	if (!o->sections)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	for (i = 0; (scn = elf_nextscn(elf, scn)) != NULL; i++) {
		struct obj_section *s;
		GElf_Shdr sh;
		const char *name;

		if (i >= shnum)
			break;
		if (!gelf_getshdr(scn, &sh))
			return sym_fail(err, SYM_EFORMAT, "section header %zu of '%s' is unreadable: %s",
					i + 1, o->path, elf_errmsg(-1));
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			name = "";
		s = &o->sections[o->nsections++];
		s->name = name;
		s->addr = sh.sh_addr;
		s->offset = sh.sh_offset;
		s->size = sh.sh_type == SHT_NOBITS ? 0 : sh.sh_size;
		s->kind = elf_sect_kind(sh.sh_type);
		s->flags = sh.sh_flags;
		s->priv = scn;
		s->compressed = (sh.sh_flags & SHF_COMPRESSED) ||
				strncmp(name, ".zdebug", 7) == 0;
		if (sh.sh_type != SHT_NOBITS && sh.sh_size &&
		    (sh.sh_offset > o->map_size || sh.sh_size > o->map_size - sh.sh_offset)) {
			/* past the end of the file: the file was cut short,
			 * which check_sections() refuses */
			s->size = 0;
			s->data = NULL;
			s->loaded = true;
			s->truncated = true;
		}
	}
	return SYM_OK;
}

/* A file cut short: its header tables must lie inside the file. */
static enum sym_code check_extent(struct obj *o, const GElf_Ehdr *eh, struct sym_err *err)
{
	uint64_t n;

	/* with extended numbering (e_shnum 0) the count is in section 0 */
	n = (uint64_t)(eh->e_shnum ? eh->e_shnum : 1) * eh->e_shentsize;
	if (eh->e_shoff && (eh->e_shoff > o->map_size || n > o->map_size - eh->e_shoff))
		return sym_fail(err, SYM_ETRUNC, "'%s' is truncated: its section headers (%llu bytes at offset %llu) "
				"lie past the end of the file (%zu bytes); the file was cut short (copy or build it again)",
				o->path, (unsigned long long)n, (unsigned long long)eh->e_shoff, o->map_size);
	n = (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (eh->e_phoff && n && (eh->e_phoff > o->map_size || n > o->map_size - eh->e_phoff))
		return sym_fail(err, SYM_ETRUNC, "'%s' is truncated: its program headers (%llu bytes at offset %llu) "
				"lie past the end of the file (%zu bytes); the file was cut short (copy or build it again)",
				o->path, (unsigned long long)n, (unsigned long long)eh->e_phoff, o->map_size);
	return SYM_OK;
}

/* A file cut short: every section with bytes in the file (code, string
 * and symbol tables, debug information) must end inside it. */
static enum sym_code check_sections(struct obj *o, struct sym_err *err)
{
	size_t i;

	for (i = 0; i < o->nsections; i++) {
		const struct obj_section *s = &o->sections[i];
		GElf_Shdr sh;

		if (!s->truncated || !gelf_getshdr(s->priv, &sh))
			continue;
		/* the names may be cut off too: then the number (from 1) */
		return sym_fail(err, SYM_ETRUNC, "'%s' is truncated: section %s%.0zu%s (bytes %llu to %llu) lies "
				"past the end of the file (%zu bytes); the file was cut short (copy or build it again)",
				o->path, *s->name ? s->name : "[", *s->name ? 0 : i + 1, *s->name ? "" : "]",
				(unsigned long long)sh.sh_offset,
				(unsigned long long)(sh.sh_offset + sh.sh_size), o->map_size);
	}
	return SYM_OK;
}

static void find_section_build_id(struct obj *o)
{
	size_t i;

	for (i = 0; i < o->nsections; i++) {
		struct obj_section *s = &o->sections[i];
		if (s->kind == OBJ_SECT_NOTE && strcmp(s->name, ".note.gnu.build-id") == 0 &&
		    !s->truncated && s->size)
			if (scan_build_id(o, o->map + s->offset, s->size))
				return;
	}
}

/* Breakpad's fallback id: XOR the first page of .text in 16-byte chunks.
 * Breakpad reads whole chunks, so a short last chunk takes the bytes that
 * follow the section in the file (zero past the end of the file). */
static void text_hash(struct obj *o)
{
	size_t i, j;

	for (i = 0; i < o->nsections; i++) {
		struct obj_section *s = &o->sections[i];
		uint64_t n;

		if (s->kind != OBJ_SECT_PROGBITS || strcmp(s->name, ".text") != 0)
			continue;
		if (s->size == 0 || s->truncated)
			return;
		memset(o->ident, 0, 16);
		n = s->size < 4096 ? s->size : 4096;
		for (j = 0; j < n; j += 16) {
			unsigned k;
			for (k = 0; k < 16; k++) {
				uint64_t off = s->offset + j + k;
				o->ident[k] ^= off < o->map_size ? o->map[off] : 0;
			}
		}
		o->ident_len = 16;
		return;
	}
}

static void read_soname(struct obj *o, Elf *elf)
{
	size_t i;

	for (i = 0; i < o->nsections; i++) {
		struct obj_section *s = &o->sections[i];
		Elf_Data *d;
		GElf_Shdr sh;
		size_t j, n;

		if (s->kind != OBJ_SECT_DYNAMIC)
			continue;
		if (!gelf_getshdr(s->priv, &sh) || sh.sh_entsize == 0)
			continue;
		d = elf_getdata(s->priv, NULL);
		if (!d)
			continue;
		n = d->d_size / sh.sh_entsize;
		for (j = 0; j < n; j++) {
			GElf_Dyn dyn;
			const char *name;

			/* Like Breakpad, scan past DT_NULL: the first DT_SONAME
			 * anywhere in the section counts. */
			if (!gelf_getdyn(d, (int)j, &dyn))
				break;
			if (dyn.d_tag != DT_SONAME)
				continue;
			name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (name && *name)
				o->own_name = strdup(name);
			return;
		}
	}
}

static bool elf_probe(const uint8_t *p, size_t n)
{
	return n >= SELFMAG && memcmp(p, ELFMAG, SELFMAG) == 0;
}

/* True when a .symtab with entries is readable. */
static bool elf_find_symtab(const struct obj *o)
{
	size_t i;

	for (i = 0; i < o->nsections; i++)
		if (o->sections[i].kind == OBJ_SECT_SYMTAB && o->sections[i].size &&
		    !o->sections[i].truncated)
			return true;
	return false;
}

static enum sym_code elf_open(struct obj *o, struct sym_err *err)
{
	enum sym_code rc;
	struct elf_state *es;
	Elf *elf;
	GElf_Ehdr eh;
	const char *path = o->path;

	o->format = OBJ_ELF;
	es = calloc(1, sizeof(*es));
	if (!es)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	o->priv = es;
	/* a file cut short inside its ELF header */
	if (o->map_size >= EI_NIDENT &&
	    o->map_size < (o->map[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return sym_fail(err, SYM_ETRUNC, "'%s' is truncated: %zu bytes, shorter than its ELF header; "
				"the file was cut short (copy or build it again)", path, o->map_size);
	elf_version(EV_CURRENT);
	/* elf_memory wants a writable pointer but does not write through it
	 * for reading. */
	elf = elf_memory((char *)o->map, o->map_size);
	if (!elf)
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a valid ELF file: %s",
				path, elf_errmsg(-1));
	es->elf = elf;
	if (elf_kind(elf) != ELF_K_ELF)
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a valid ELF file: its header is truncated or malformed",
				path);
	if (!gelf_getehdr(elf, &eh))
		return sym_fail(err, SYM_EFORMAT, "'%s' has a bad ELF header: %s", path, elf_errmsg(-1));
	o->is64 = gelf_getclass(elf) == ELFCLASS64;
	o->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	o->arch = elf_arch_name(eh.e_machine, &o->machine);
	if (!o->arch)
		return sym_fail(err, SYM_EUNSUP, "'%s' has an unsupported machine type %u",
				path, eh.e_machine);

	rc = check_extent(o, &eh, err);
	if (rc)
		return rc;
	rc = read_sections(o, elf, err);
	if (rc)
		return rc;
	rc = check_sections(o, err);
	if (rc)
		return rc;
	rc = read_phdrs(o, elf, err);
	if (rc)
		return rc;
	if (!es->build_id_len)
		find_section_build_id(o);
	if (es->build_id_len) {
		memcpy(o->ident, es->build_id, es->build_id_len);
		o->ident_len = es->build_id_len;
	} else {
		text_hash(o);
	}
	read_soname(o, elf);
	o->has_symtab = elf_find_symtab(o);
	return SYM_OK;
}

static void elf_close(struct obj *o)
{
	struct elf_state *es = o->priv;

	if (!es)
		return;
	if (es->elf)
		elf_end(es->elf);
	if (es->mini) {
		obj_close(es->mini);
		free(es->mini);
	}
	free(es->mini_data);
	free(es);
	o->priv = NULL;
}

/* How compressed section s is stored: SHF_COMPRESSED (zlib or zstd) or
 * legacy .zdebug_ (zlib). */
static enum sym_code elf_compression(struct obj *o, const struct obj_section *s,
				     struct obj_comp *comp, struct sym_err *err)
{
	const uint8_t *raw = o->map + s->offset;
	struct cursor c = cursor_make(raw, s->size, o->big_endian);

	if (s->flags & SHF_COMPRESSED) {
		/* Elf32_Chdr: type, size, align (4 bytes each); Elf64_Chdr:
		 * type, reserved, size, align. */
		uint32_t type = cursor_u32(&c);
		uint64_t size;
		if (o->is64) {
			cursor_u32(&c);
			size = cursor_u64(&c);
			cursor_u64(&c);
		} else {
			size = cursor_u32(&c);
			cursor_u32(&c);
		}
		if (c.bad)
			return sym_fail(err, SYM_ETRUNC, "section %s of '%s' is too short for its compression header",
					s->name, o->path);
		if (type != ELFCOMPRESS_ZLIB && type != ELFCOMPRESS_ZSTD)
			return sym_fail(err, SYM_EUNSUP, "section %s of '%s' uses compression type %u",
					s->name, o->path, type);
		comp->kind = type == ELFCOMPRESS_ZLIB ? OBJ_COMP_ZLIB : OBJ_COMP_ZSTD;
		comp->in = raw + c.pos;
		comp->in_size = s->size - c.pos;
		comp->out_size = size;
		return SYM_OK;
	}
	/* legacy .zdebug: "ZLIB" and a big-endian 64-bit size */
	{
		struct cursor b = cursor_make(raw, s->size, true);
		const uint8_t *magic = cursor_bytes(&b, 4);
		uint64_t size = cursor_u64(&b);
		if (!magic || b.bad || memcmp(magic, "ZLIB", 4) != 0)
			return sym_fail(err, SYM_EFORMAT, "section %s of '%s' lacks its ZLIB header",
					s->name, o->path);
		comp->kind = OBJ_COMP_ZLIB;
		comp->in = raw + b.pos;
		comp->in_size = s->size - b.pos;
		comp->out_size = size;
		return SYM_OK;
	}
}

static enum sym_code elf_load_section(struct obj *o, struct obj_section *s,
				      struct sym_err *err)
{
	struct obj_comp comp;
	enum sym_code rc;

	s->loaded = true;
	if (!s->compressed) {
		if (s->size)
			s->data = o->map + s->offset;
		/* a private read-only file mapping: released pages fault back
		 * in from the file */
		s->releasable = o->mapped;
		return SYM_OK;
	}
	rc = elf_compression(o, s, &comp, err);
	return rc ? rc : obj_decompress(o, s, &comp, err);
}

static int walk_symtab(struct obj *o, struct obj_section *s,
		       obj_symbol_fn fn, void *ctx, struct sym_err *err)
{
	struct elf_state *es = o->priv;
	Elf_Data *d;
	GElf_Shdr sh;
	size_t n, i;
	int r;

	if (!gelf_getshdr(s->priv, &sh) || sh.sh_entsize == 0)
		return sym_fail(err, SYM_EFORMAT, "bad symbol table %s in '%s'", s->name, o->path);
	d = elf_getdata(s->priv, NULL);
	if (!d)
		return sym_fail(err, SYM_EFORMAT, "cannot read symbol table %s of '%s': %s",
				s->name, o->path, elf_errmsg(-1));
	n = d->d_size / sh.sh_entsize;
	for (i = 1; i < n; i++) {
		struct obj_symbol sym;
		GElf_Sym gs;

		if (!gelf_getsym(d, (int)i, &gs))
			break;
		sym.name = elf_strptr(es->elf, sh.sh_link, gs.st_name);
		if (!sym.name)
			continue;
		sym.value = gs.st_value;
		sym.size = gs.st_size;
		sym.kind = GELF_ST_TYPE(gs.st_info) == STT_FUNC ? OBJ_SYM_FUNC : OBJ_SYM_OTHER;
		sym.global = GELF_ST_BIND(gs.st_info) == STB_GLOBAL;
		sym.defined = (uint16_t)gs.st_shndx != SHN_UNDEF;
		r = fn(ctx, &sym);
		if (r)
			return r;
	}
	return 0;
}


/* .symtab, or .dynsym when there is no .symtab */
static int elf_symbols(struct obj *o, obj_symbol_fn fn, void *ctx, struct sym_err *err)
{
	size_t i;
	struct obj_section *dyn = NULL;

	for (i = 0; i < o->nsections; i++) {
		struct obj_section *s = &o->sections[i];
		if (s->kind == OBJ_SECT_SYMTAB && !s->truncated)
			return walk_symtab(o, s, fn, ctx, err);
		if (s->kind == OBJ_SECT_DYNSYM && !s->truncated && !dyn)
			dyn = s;
	}
	if (dyn)
		return walk_symtab(o, dyn, fn, ctx, err);
	return 0;
}

/* ---- finding separate debug files ------------------------------------ */

static uint32_t file_crc32(struct obj *o)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	size_t off = 0;

	while (off < o->map_size) {
		size_t n = o->map_size - off > (1u << 30) ? (1u << 30) : o->map_size - off;
		crc = crc32(crc, o->map + off, (uInt)n);
		off += n;
	}
	return (uint32_t)crc;
}

/* What try_debug_file() found at a candidate's path. */
enum try_result { TRY_OK, TRY_ABSENT, TRY_BAD };

static void hex_lower(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* MiniDebugInfo, as Fedora builds it (rpm's find-debuginfo): section
 * .gnu_debugdata holds an xz-compressed ELF file whose .symtab has the
 * function symbols that .dynsym lacks.  It is decompressed (at most
 * XZ_MAX_OUT bytes) and opened on the first call; it must be an ELF file
 * for the same machine, with the same build id when both have one, and
 * have a symbol table.  NULL without touching err when there is no such
 * section; NULL with err set when it cannot be used (first call only). */
static struct obj *elf_embedded(struct obj *o, struct sym_err *err)
{
	struct elf_state *es = o->priv, *ms;
	const struct obj_section *s;
	struct obj *mini = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	char what[4200], want[2 * OBJ_MAX_ID + 1], got[2 * OBJ_MAX_ID + 1];
	enum obj_kind kind;

	if (!es || es->mini_tried)
		return es ? es->mini : NULL;
	es->mini_tried = true;
	if (!obj_has_section_data(o, ".gnu_debugdata"))
		return NULL;
	s = obj_section(o, ".gnu_debugdata", err);
	if (!s)
		return NULL;
	snprintf(what, sizeof(what), "section .gnu_debugdata (MiniDebugInfo) of '%s'", o->path);
	if (xz_decode(s->data, s->size, XZ_MAX_OUT, what, &data, &len, err) != SYM_OK)
		return NULL;
	kind = obj_sniff(data, len);
	if (kind != OBJ_KIND_ELF && kind != OBJ_KIND_ELF_REL) {
		sym_fail(err, SYM_EFORMAT, "%s decompresses to %zu bytes that are not an ELF file", what, len);
		goto fail;
	}
	mini = calloc(1, sizeof(*mini));
	if (!mini) {
		sym_fail(err, SYM_ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(what, sizeof(what), "%s[.gnu_debugdata]", o->path);
	if (obj_open_mem(mini, what, data, len, err) != SYM_OK)
		goto fail;
	ms = mini->priv;
	if (mini->machine != o->machine || mini->is64 != o->is64 || mini->big_endian != o->big_endian) {
		sym_fail(err, SYM_EFORMAT, "%s: the MiniDebugInfo in .gnu_debugdata is for %s (%d-bit), but the file is for %s (%d-bit)",
			 o->path, mini->arch, mini->is64 ? 64 : 32, o->arch, o->is64 ? 64 : 32);
		goto fail;
	}
	if (es->build_id_len && ms->build_id_len &&
	    (es->build_id_len != ms->build_id_len || memcmp(es->build_id, ms->build_id, es->build_id_len) != 0)) {
		hex_lower(want, es->build_id, es->build_id_len);
		hex_lower(got, ms->build_id, ms->build_id_len);
		sym_fail(err, SYM_EFORMAT, "%s: the MiniDebugInfo in .gnu_debugdata has build id %s, but the file has %s "
			 "(it is another build's)", o->path, got, want);
		goto fail;
	}
	if (!mini->has_symtab) {
		sym_fail(err, SYM_EFORMAT, "%s: the MiniDebugInfo in .gnu_debugdata has no symbol table", o->path);
		goto fail;
	}
	es->mini = mini;
	es->mini_data = data;
	return mini;
fail:
	if (mini) {
		obj_close(mini);
		free(mini);
	}
	free(data);
	return NULL;
}

/* Opens candidate as the debug file of bin: it must carry DWARF, match
 * want_crc when given, match the binary's build id when both have one, and
 * be for the same machine.  TRY_BAD: why[] says what is wrong with it. */
static enum try_result try_debug_file(struct obj *bin, const char *candidate, bool check_crc,
				      uint32_t want_crc, struct obj *dbg, char *why, size_t whylen)
{
	const struct elf_state *bs = bin->priv, *ds;
	char want[2 * OBJ_MAX_ID + 1], got[2 * OBJ_MAX_ID + 1];
	struct sym_err e;
	uint32_t crc;

	sym_err_clear(&e);
	if (access(candidate, R_OK) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return TRY_ABSENT;
		snprintf(why, whylen, "'%s' cannot be read: %s", candidate, strerror(errno));
		return TRY_BAD;
	}
	if (obj_open(dbg, candidate, &e) != SYM_OK) {
		obj_close(dbg);
		snprintf(why, whylen, "%s", e.msg);
		return TRY_BAD;
	}
	/* the candidate may be of another format: it then has no build id */
	ds = dbg->ops == &obj_elf_ops ? dbg->priv : NULL;
	if (check_crc && (crc = file_crc32(dbg)) != want_crc) {
		snprintf(why, whylen, "'%s' has CRC %08x, but the .gnu_debuglink of '%s' expects CRC %08x "
			 "(a debug file of another build?)", candidate, crc, bin->path, want_crc);
	} else if (!obj_has_section_data(dbg, ".debug_info")) {
		snprintf(why, whylen, "'%s' has no DWARF (.debug_info)", candidate);
	} else if (bs->build_id_len && ds && ds->build_id_len &&
		   (bs->build_id_len != ds->build_id_len ||
		    memcmp(bs->build_id, ds->build_id, bs->build_id_len) != 0)) {
		hex_lower(want, bs->build_id, bs->build_id_len);
		hex_lower(got, ds->build_id, ds->build_id_len);
		snprintf(why, whylen, "'%s' has build id %s, but '%s' has %s", candidate, got, bin->path, want);
	} else if (dbg->machine != bin->machine) {
		snprintf(why, whylen, "'%s' is for %s, but '%s' is for %s", candidate,
			 dbg->arch ? dbg->arch : "another machine", bin->path, bin->arch);
	} else {
		return TRY_OK;
	}
	obj_close(dbg);
	return TRY_BAD;
}

/* Appends ", " and s to buf (cap bytes), or "..." once it is full. */
static void append_place(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);

	if (n + strlen(s) + 6 >= cap) {
		if (n + 4 < cap && (n < 3 || strcmp(buf + n - 3, "...") != 0))
			snprintf(buf + n, cap - n, "%s...", n ? ", " : "");
		return;
	}
	snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", s);
}

/* The separate debug file of a binary without DWARF: by build id under
 * each debug directory's .build-id/, then by .gnu_debuglink (CRC checked)
 * in the debug directories, next to the binary, in its .debug/ and under
 * /usr/lib/debug.  With opt->warn, warns about each candidate that is
 * there but does not fit, about a .gnu_debuglink file found nowhere, and,
 * when debug directories were given, about a build id found in none. */
static bool find_debug_file(struct obj *bin, const struct obj_find *opt, struct obj *dbg)
{
	const struct elf_state *bs = bin->priv;
	const char *sys = "/usr/lib/debug";
	char cand[8192], bindir[4096], hex[2 * OBJ_MAX_ID + 1], why[1024], places[1024];
	const struct obj_section *link;
	struct sym_err e;
	size_t i, ndirs = opt->ndebug_dirs;
	enum try_result r;
	bool id_seen = false;	/* a file at a build-id path, not fitting */

	if (bs->build_id_len >= 2) {
		obj_code_id(bin, hex);
		for (i = 0; hex[i]; i++)
			hex[i] = (char)tolower((unsigned char)hex[i]);
		for (i = 0; i <= ndirs; i++) {
			const char *d = i < ndirs ? opt->debug_dirs[i] : sys;
			snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s.debug", d, hex, hex + 2);
			r = try_debug_file(bin, cand, false, 0, dbg, why, sizeof(why));
			if (r == TRY_OK)
				return true;
			if (r == TRY_BAD) {
				id_seen = true;
				if (opt->warn || opt->verbose)
					obj_warn(opt->warnings, "%s: skipped its debug file by build id: %s",
						 bin->path, why);
			}
		}
	}
	sym_err_clear(&e);
	link = obj_section(bin, ".gnu_debuglink", &e);
	if (link && link->size > 4) {
		const char *name = (const char *)link->data;
		size_t nl = strnlen(name, link->size);
		size_t crc_off = (nl + 4) & ~(size_t)3;
		uint32_t crc;
		char *slash;
		bool seen = false;

		if (nl == 0 || nl == link->size || crc_off + 4 > link->size || strchr(name, '/')) {
			if (opt->warn)
				obj_warn(opt->warnings, "%s: its .gnu_debuglink section is malformed; ignored",
					 bin->path);
			goto by_id;
		}
		crc = (uint32_t)link->data[crc_off] | (uint32_t)link->data[crc_off + 1] << 8 |
		      (uint32_t)link->data[crc_off + 2] << 16 | (uint32_t)link->data[crc_off + 3] << 24;
		if (bin->big_endian)
			crc = __builtin_bswap32(crc);
		snprintf(bindir, sizeof(bindir), "%s", bin->path);
		slash = strrchr(bindir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(bindir, sizeof(bindir), ".");
		places[0] = '\0';
		for (i = 0; i < ndirs + 3; i++) {
			if (i < ndirs)
				snprintf(cand, sizeof(cand), "%s/%s", opt->debug_dirs[i], name);
			else if (i == ndirs)
				snprintf(cand, sizeof(cand), "%s/%s", bindir, name);
			else if (i == ndirs + 1)
				snprintf(cand, sizeof(cand), "%s/.debug/%s", bindir, name);
			else if (bindir[0] == '/')
				snprintf(cand, sizeof(cand), "%s%s/%s", sys, bindir, name);
			else
				continue;
			if (strcmp(cand, bin->path) == 0)
				continue;
			/* the directory, as the user would look */
			snprintf(why, sizeof(why), "%.*s", (int)(strlen(cand) - nl - 1), cand);
			append_place(places, sizeof(places), why);
			r = try_debug_file(bin, cand, true, crc, dbg, why, sizeof(why));
			if (r == TRY_OK)
				return true;
			if (r == TRY_BAD) {
				seen = true;
				if (opt->warn || opt->verbose)
					obj_warn(opt->warnings, "%s: skipped its .gnu_debuglink file: %s",
						 bin->path, why);
			}
		}
		if (!seen && opt->warn)
			obj_warn(opt->warnings, "%s: the debug file its .gnu_debuglink names, '%.*s', is in none of "
				 "%s; give the directory holding it as a debug-dir argument",
				 bin->path, (int)nl, name, places);
	}
by_id:
	/* a build-id lookup is expected to succeed only where the user
	 * pointed: /usr/lib/debug alone is no reason to warn */
	if (bs->build_id_len >= 2 && ndirs && !id_seen && opt->warn)
		obj_warn(opt->warnings, "%s: no debug file for its build id in the debug directories given "
			 "(looked for %s/.build-id/%.2s/%s.debug%s)", bin->path, opt->debug_dirs[0], hex, hex + 2,
			 ndirs > 1 ? " and the same in the others" : "");
	return false;
}

/* The file the user named, else the search above. */
static enum sym_code elf_find_debug(struct obj *bin, const struct obj_find *f, struct obj *dbg,
				    struct sym_err *err)
{
	char why[1024];

	if (f->given) {
		if (try_debug_file(bin, f->given, false, 0, dbg, why, sizeof(why)) == TRY_OK)
			return SYM_OK;
		if (access(f->given, F_OK) != 0)
			snprintf(why, sizeof(why), "'%s' cannot be read: %s", f->given, strerror(errno));
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a debug file of '%s': %s",
				f->given, bin->path, why);
	}
	if (find_debug_file(bin, f, dbg))
		return SYM_OK;
	return sym_fail(err, SYM_ENOTFOUND, "no separate debug file of '%s' found", bin->path);
}

const struct obj_ops obj_elf_ops = {
	.name = "ELF",
	.os = "Linux",
	.probe = elf_probe,
	.open = elf_open,
	.load_section = elf_load_section,
	.compression = elf_compression,
	.symbols = elf_symbols,
	.embedded = elf_embedded,
	.find_debug = elf_find_debug,
	.close = elf_close,
};
