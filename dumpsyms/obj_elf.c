/* obj_elf.c - the object layer (opening, mapping, dispatch on the magic)
 * and the ELF object reader, the only user of libelf.
 *
 * The file is mapped read-only and handed to libelf as memory, so section
 * data that needs no conversion points straight into the mapping.
 * Compressed debug sections (SHF_COMPRESSED, legacy .zdebug_) are inflated
 * on first use through libelf, after their declared size has been checked
 * against a limit.
 */
#include "config.h"
#include "obj.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "cursor.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif
#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif
#ifndef EM_RISCV
#define EM_RISCV 243
#endif

/* A decompressed section may not exceed this many bytes, nor 1000 times its
 * compressed size: a guard against decompression bombs. */
#define MAX_INFLATED ((uint64_t)16 << 30)

static const char *elf_arch_name(uint16_t machine)
{
	switch (machine) {
	case EM_386:		return "x86";
	case EM_ARM:		return "arm";
	case EM_AARCH64:	return "arm64";
	case EM_MIPS:		return "mips";
	case EM_PPC64:		return "ppc64";
	case EM_PPC:		return "ppc";
	case EM_S390:		return "s390";
	case EM_SPARC:		return "sparc";
	case EM_SPARCV9:	return "sparcv9";
	case EM_X86_64:		return "x86_64";
	case EM_RISCV:		return "riscv";
	default:		return NULL;
	}
}

/* Looks for an NT_GNU_BUILD_ID note in a note area, as Breakpad does (any
 * owner; first note of that type).  Returns true and fills o->build_id. */
static bool scan_build_id(struct obj *o, const uint8_t *p, size_t len)
{
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
			o->build_id_len = descsz < OBJ_MAX_ID ? descsz : OBJ_MAX_ID;
			memcpy(o->build_id, d, o->build_id_len);
			return true;
		}
		if (!cursor_skip(&c, dpad))
			return false;
	}
	return false;
}

static enum sym_code read_phdrs(struct obj *o, Elf *elf, struct sym_err *err)
{
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
		if (ph.p_type == PT_LOAD) {
			if (first)
				o->load_addr = ph.p_vaddr;
			first = false;
			o->loads[o->nloads].lo = ph.p_vaddr;
			o->loads[o->nloads].hi = ph.p_vaddr + ph.p_memsz < ph.p_vaddr
				? UINT64_MAX : ph.p_vaddr + ph.p_memsz;
			o->nloads++;
		} else if (ph.p_type == PT_NOTE && !o->build_id_len) {
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
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->priv = scn;
		s->compressed = (sh.sh_flags & SHF_COMPRESSED) ||
				strncmp(name, ".zdebug", 7) == 0;
		if (sh.sh_type != SHT_NOBITS && sh.sh_size &&
		    (sh.sh_offset > o->map_size || sh.sh_size > o->map_size - sh.sh_offset)) {
			/* Debug sections past the end of the file are an error
			 * when used; other sections are simply not readable. */
			s->size = 0;
			s->data = NULL;
			s->loaded = true;
			s->flags |= (uint64_t)1 << 63; /* marks "truncated" */
		}
	}
	return SYM_OK;
}

static void find_section_build_id(struct obj *o)
{
	size_t i;

	for (i = 0; i < o->nsections; i++) {
		struct obj_section *s = &o->sections[i];
		if (s->type == SHT_NOTE && strcmp(s->name, ".note.gnu.build-id") == 0 &&
		    !(s->flags >> 63) && s->size)
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

		if (s->type != SHT_PROGBITS || strcmp(s->name, ".text") != 0)
			continue;
		if (s->size == 0 || (s->flags >> 63))
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

		if (s->type != SHT_DYNAMIC)
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
				o->soname = strdup(name);
			return;
		}
	}
}

/* Everything after the bytes are in memory. */
static enum sym_code obj_parse(struct obj *o, struct sym_err *err)
{
	enum sym_code rc;
	Elf *elf;
	GElf_Ehdr eh;
	const char *path = o->path;

	if (o->map_size == 0)
		return sym_fail(err, SYM_EFORMAT, "'%s' is empty", path);
	if (macho_is_macho(o->map, o->map_size))
		return macho_parse(o, err);
	if (o->map_size < 4 || memcmp(o->map, ELFMAG, SELFMAG) != 0)
		return sym_fail(err, SYM_EFORMAT, "'%s' is neither an ELF nor a Mach-O file", path);
	elf_version(EV_CURRENT);
	/* elf_memory wants a writable pointer but does not write through it
	 * for reading. */
	elf = elf_memory((char *)o->map, o->map_size);
	if (!elf)
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a valid ELF file: %s",
				path, elf_errmsg(-1));
	o->elf = elf;
	if (elf_kind(elf) != ELF_K_ELF)
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a valid ELF file: its header is truncated or malformed",
				path);
	if (!gelf_getehdr(elf, &eh))
		return sym_fail(err, SYM_EFORMAT, "'%s' has a bad ELF header: %s", path, elf_errmsg(-1));
	o->is64 = gelf_getclass(elf) == ELFCLASS64;
	o->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	o->machine = eh.e_machine;
	o->e_type = eh.e_type;
	o->arch = elf_arch_name(eh.e_machine);
	if (!o->arch)
		return sym_fail(err, SYM_EUNSUP, "'%s' has an unsupported machine type %u",
				path, eh.e_machine);

	rc = read_sections(o, elf, err);
	if (rc)
		return rc;
	rc = read_phdrs(o, elf, err);
	if (rc)
		return rc;
	if (!o->build_id_len)
		find_section_build_id(o);
	if (o->build_id_len) {
		memcpy(o->ident, o->build_id, o->build_id_len);
		o->ident_len = o->build_id_len;
	} else {
		text_hash(o);
	}
	read_soname(o, elf);
	return SYM_OK;
}

static enum sym_code obj_set_path(struct obj *o, const char *path, struct sym_err *err)
{
	const char *slash;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->path = strdup(path);
	if (!o->path)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	slash = strrchr(o->path, '/');
	o->basename = slash ? slash + 1 : o->path;
	return SYM_OK;
}

enum sym_code obj_open_pick(struct obj *o, const char *path, const struct obj_pick *pick,
			    struct sym_err *err)
{
	struct stat st;
	void *map;

	if (obj_set_path(o, path, err))
		return err->code;
	if (pick)
		o->pick = *pick;
	o->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (o->fd < 0)
		return sym_fail(err, SYM_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(o->fd, &st) != 0)
		return sym_fail(err, SYM_EIO, "cannot stat '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sym_fail(err, SYM_EIO, "'%s' is not a regular file", path);
	if (st.st_size == 0)
		return sym_fail(err, SYM_EFORMAT, "'%s' is empty", path);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, o->fd, 0);
	if (map == MAP_FAILED)
		return sym_fail(err, SYM_EIO, "cannot map '%s': %s", path, strerror(errno));
	o->map = map;
	o->map_size = (size_t)st.st_size;
	o->mapped = true;
	return obj_parse(o, err);
}

enum sym_code obj_open(struct obj *o, const char *path, struct sym_err *err)
{
	return obj_open_pick(o, path, NULL, err);
}

enum sym_code obj_slices(const char *path, int (*fn)(void *ctx, size_t index, const char *arch,
		const char *debug_id), void *ctx, struct sym_err *err)
{
	/* an index no file has: the file is mapped and its kind known, and
	 * a Mach-O file's slices are then listed one by one */
	struct obj_pick none = { NULL, NULL, SIZE_MAX };
	struct obj o;
	char id[34];
	enum sym_code rc = obj_open_pick(&o, path, &none, err);

	if (o.format == OBJ_MACHO && o.map) {
		sym_err_clear(err);
		rc = macho_slices(&o, fn, ctx, err);
	} else if (rc == SYM_OK) {
		obj_debug_id(&o, id);
		fn(ctx, 1, o.arch, id);
	}
	obj_close(&o);
	return rc;
}

bool obj_has_symtab(struct obj *o)
{
	size_t i;

	if (o->format == OBJ_MACHO)
		return o->nsyms > 0;
	for (i = 0; i < o->nsections; i++)
		if (o->sections[i].type == SHT_SYMTAB && o->sections[i].size && !(o->sections[i].flags >> 63))
			return true;
	return false;
}

enum sym_code obj_open_mem(struct obj *o, const char *name, const uint8_t *data,
			   size_t size, struct sym_err *err)
{
	if (obj_set_path(o, name, err))
		return err->code;
	o->map = data;
	o->map_size = size;
	return obj_parse(o, err);
}

void obj_close(struct obj *o)
{
	if (o->elf)
		elf_end(o->elf);
	if (o->map && o->mapped)
		munmap((void *)o->map, o->map_size);
	if (o->fd >= 0)
		close(o->fd);
	for (size_t i = 0; i < o->nsections; i++)
		free(o->sections[i].owned);
	free(o->sections);
	free(o->loads);
	free(o->soname);
	free(o->names);
	free(o->path);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

/* Inflates a zlib stream of exactly `out_size` bytes into a new buffer. */
static enum sym_code inflate_exact(struct obj *o, struct obj_section *s,
				   const uint8_t *in, size_t in_size,
				   uint64_t out_size, struct sym_err *err)
{
	z_stream zs;
	uint8_t *out;
	int zr;

	if (out_size > MAX_INFLATED || out_size / 1000 > in_size || out_size > SIZE_MAX)
		return sym_fail(err, SYM_ELIMIT, "section %s of '%s' claims %llu bytes uncompressed",
				s->name, o->path, (unsigned long long)out_size);
	out = malloc(out_size ? (size_t)out_size : 1);
	if (!out)
		return sym_fail(err, SYM_ENOMEM, "out of memory decompressing section %s of '%s'",
				s->name, o->path);
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(out);
		return sym_fail(err, SYM_EZLIB, "zlib cannot start");
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = 0;
	zs.next_out = out;
	zs.avail_out = 0;
	/* zlib counts in uInt: feed and drain in chunks. */
	{
		size_t in_left = in_size, out_left = (size_t)out_size;
		do {
			if (zs.avail_in == 0) {
				zs.avail_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
				in_left -= zs.avail_in;
			}
			if (zs.avail_out == 0) {
				zs.avail_out = out_left > (1u << 30) ? (1u << 30) : (uInt)out_left;
				out_left -= zs.avail_out;
			}
			zr = inflate(&zs, Z_NO_FLUSH);
		} while (zr == Z_OK && (zs.avail_in || in_left) && (zs.avail_out || out_left));
	}
	if (zr != Z_STREAM_END || zs.total_out != out_size) {
		inflateEnd(&zs);
		free(out);
		return sym_fail(err, SYM_EFORMAT, "section %s of '%s' does not decompress to its declared size",
				s->name, o->path);
	}
	inflateEnd(&zs);
	s->data = out;
	s->size = (size_t)out_size;
	s->owned = out;
	s->releasable = true;
	return SYM_OK;
}

/* Decompresses a zstd section of exactly out_size bytes. */
static enum sym_code unzstd_exact(struct obj *o, struct obj_section *s,
				  const uint8_t *in, size_t in_size, uint64_t out_size,
				  struct sym_err *err)
{
	ZSTD_DStream *z;
	ZSTD_inBuffer ib = { in, in_size, 0 };
	ZSTD_outBuffer ob;
	uint8_t *out;
	size_t r;

	if (out_size > MAX_INFLATED || out_size / 1000 > in_size || out_size > SIZE_MAX)
		return sym_fail(err, SYM_ELIMIT, "section %s of '%s' claims %llu bytes uncompressed",
				s->name, o->path, (unsigned long long)out_size);
	out = malloc(out_size ? (size_t)out_size : 1);
	z = ZSTD_createDStream();
	if (!out || !z) {
		free(out);
		ZSTD_freeDStream(z);
		return sym_fail(err, SYM_ENOMEM, "out of memory decompressing section %s of '%s'",
				s->name, o->path);
	}
	ob.dst = out;
	ob.size = (size_t)out_size;
	ob.pos = 0;
	do {
		r = ZSTD_decompressStream(z, &ob, &ib);
	} while (!ZSTD_isError(r) && r != 0 && ib.pos < ib.size && ob.pos < ob.size);
	ZSTD_freeDStream(z);
	if (ZSTD_isError(r) || r != 0 || ob.pos != out_size) {
		free(out);
		return sym_fail(err, SYM_EFORMAT, "section %s of '%s' does not decompress to its declared size",
				s->name, o->path);
	}
	s->data = out;
	s->size = (size_t)out_size;
	s->owned = out;
	s->releasable = true;
	return SYM_OK;
}

static enum sym_code load_section(struct obj *o, struct obj_section *s,
				  struct sym_err *err)
{
	const uint8_t *raw = o->map + s->offset;
	struct cursor c = cursor_make(raw, s->size, o->big_endian);

	s->loaded = true;
	if (!s->compressed) {
		if (s->size)
			s->data = raw;
		/* a private read-only file mapping: released pages fault back
		 * in from the file */
		s->releasable = o->mapped;
		return SYM_OK;
	}
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
		if (type == ELFCOMPRESS_ZLIB)
			return inflate_exact(o, s, raw + c.pos, s->size - c.pos, size, err);
		if (type == ELFCOMPRESS_ZSTD)
			return unzstd_exact(o, s, raw + c.pos, s->size - c.pos, size, err);
		return sym_fail(err, SYM_EUNSUP, "section %s of '%s' uses compression type %u",
				s->name, o->path, type);
	}
	/* legacy .zdebug: "ZLIB" and a big-endian 64-bit size */
	{
		struct cursor b = cursor_make(raw, s->size, true);
		const uint8_t *magic = cursor_bytes(&b, 4);
		uint64_t size = cursor_u64(&b);
		if (!magic || b.bad || memcmp(magic, "ZLIB", 4) != 0)
			return sym_fail(err, SYM_EFORMAT, "section %s of '%s' lacks its ZLIB header",
					s->name, o->path);
		return inflate_exact(o, s, raw + b.pos, s->size - b.pos, size, err);
	}
}

const struct obj_section *obj_section(struct obj *o, const char *name,
				      struct sym_err *err)
{
	size_t i;
	struct obj_section *found = NULL;

	for (i = 0; i < o->nsections; i++) {
		struct obj_section *s = &o->sections[i];
		if (strcmp(s->name, name) == 0 ||
		    (strncmp(name, ".debug_", 7) == 0 && strncmp(s->name, ".zdebug_", 8) == 0 &&
		     strcmp(s->name + 8, name + 7) == 0)) {
			found = s;
			break;
		}
	}
	if (!found || found->type == SHT_NOBITS)
		return NULL;
	if (found->flags >> 63) {
		sym_fail(err, SYM_ETRUNC, "section %s of '%s' lies past the end of the file",
			 found->name, o->path);
		return NULL;
	}
	if (!found->loaded && load_section(o, found, err) != SYM_OK)
		return NULL;
	if (!found->data || !found->size)
		return NULL;
	return found;
}

static int walk_symtab(struct obj *o, struct obj_section *s,
		       int (*fn)(void *, const struct obj_symbol *), void *ctx,
		       struct sym_err *err)
{
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
		sym.name = elf_strptr(o->elf, sh.sh_link, gs.st_name);
		if (!sym.name)
			continue;
		sym.value = gs.st_value;
		sym.size = gs.st_size;
		sym.type = GELF_ST_TYPE(gs.st_info);
		sym.bind = GELF_ST_BIND(gs.st_info);
		sym.shndx = gs.st_shndx;
		r = fn(ctx, &sym);
		if (r)
			return r;
	}
	return 0;
}

int obj_symbols(struct obj *o, int (*fn)(void *ctx, const struct obj_symbol *s),
		void *ctx, struct sym_err *err)
{
	size_t i;
	struct obj_section *dyn = NULL;

	if (o->format == OBJ_MACHO)
		return macho_symbols(o, fn, ctx);
	for (i = 0; i < o->nsections; i++) {
		struct obj_section *s = &o->sections[i];
		if (s->type == SHT_SYMTAB && !(s->flags >> 63))
			return walk_symtab(o, s, fn, ctx, err);
		if (s->type == SHT_DYNSYM && !(s->flags >> 63) && !dyn)
			dyn = s;
	}
	if (dyn)
		return walk_symtab(o, dyn, fn, ctx, err);
	return 0;
}

static void hex_upper(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void obj_debug_id(const struct obj *o, char out[34])
{
	uint8_t g[16] = { 0 };

	memcpy(g, o->ident, o->ident_len < 16 ? o->ident_len : 16);
	if (o->format == OBJ_MACHO) {
		/* the LC_UUID as stored */
		hex_upper(out, g, 16);
		out[32] = '0';
		out[33] = '\0';
		return;
	}
	/* GUID byte order: Data1 (4 bytes), Data2, Data3 (2 bytes) reversed. */
	uint8_t s[16] = { g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
			  g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15] };
	hex_upper(out, s, 16);
	out[32] = '0';
	out[33] = '\0';
}

void obj_code_id(const struct obj *o, char *out)
{
	hex_upper(out, o->ident, o->ident_len);
}

const char *obj_module_name(const struct obj *o)
{
	return o->soname ? o->soname : o->basename;
}
