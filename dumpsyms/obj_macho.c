/* obj_macho.c - the Mach-O object reader: thin and universal (fat, fat64)
 * files, executables, dylibs, bundles and dSYM companions.
 *
 * The slice is read in place from the mapping the object layer made; no
 * section is copied.  Every offset and count from the file is checked
 * against the slice (or, for the universal header, the file) before use.
 * Sections get ELF-style names where the rest of dumpsyms looks for one:
 * __TEXT,__text is ".text", __eh_frame is ".eh_frame", and the DWARF
 * sections, whose Mach-O names are cut at 16 characters, get their full
 * ".debug_*" names.  Others are named "SEGMENT,section".
 *
 * A binary's companion debug file is its dSYM: a bundle directory (or the
 * DWARF file in it), whose slice is picked by the binary's LC_UUID.
 */
#include "config.h"
#include "obj.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cursor.h"

#define FAT_MAGIC	0xcafebabeu
#define FAT_MAGIC_64	0xcafebabfu
#define MH_MAGIC	0xfeedfaceu
#define MH_MAGIC_64	0xfeedfacfu
#define MH_CIGAM	0xcefaedfeu
#define MH_CIGAM_64	0xcffaedfeu

#define CPU_ARCH_ABI64		0x01000000
#define CPU_ARCH_ABI64_32	0x02000000
#define CPU_TYPE_X86		7
#define CPU_TYPE_ARM		12
#define CPU_TYPE_X86_64		(CPU_TYPE_X86 | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM64		(CPU_TYPE_ARM | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM64_32	(CPU_TYPE_ARM | CPU_ARCH_ABI64_32)
#define CPU_SUBTYPE_MASK	0xff000000u

#define LC_SEGMENT	0x1
#define LC_SYMTAB	0x2
#define LC_SEGMENT_64	0x19
#define LC_UUID		0x1b

#define S_ZEROFILL		0x1
#define S_GB_ZEROFILL		0xc
#define S_THREAD_LOCAL_ZEROFILL	0x12
#define S_ATTR_PURE_INSTRUCTIONS 0x80000000u
#define S_ATTR_SOME_INSTRUCTIONS 0x00000400u

#define N_STAB	0xe0
#define N_TYPE	0x0e
#define N_SECT	0x0e
#define N_EXT	0x01

#define MH_DSYM		0xa

/* More slices than this is not a universal binary (Java class files share
 * the magic; their second word is a version, 45 and up). */
#define MAX_SLICES	32
#define NAME_MAX_LEN	40

struct slice {
	int32_t cputype, cpusubtype;
	uint64_t offset, size;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Breakpad's architecture names (x86 for i386). */
static const char *arch_name(int32_t cputype, int32_t cpusubtype)
{
	uint32_t sub = (uint32_t)cpusubtype & ~CPU_SUBTYPE_MASK;

	switch (cputype) {
	case CPU_TYPE_X86:
		return "x86";
	case CPU_TYPE_X86_64:
		return sub == 8 ? "x86_64h" : "x86_64";
	case CPU_TYPE_ARM:
		switch (sub) {
		case 6: return "armv6";
		case 7: return "armv5";
		case 9: return "armv7";
		case 10: return "armv7f";
		case 11: return "armv7s";
		case 12: return "armv7k";
		case 14: return "armv6m";
		case 15: return "armv7m";
		case 16: return "armv7em";
		default: return "arm";
		}
	case CPU_TYPE_ARM64:
		return sub == 2 ? "arm64e" : "arm64";
	case CPU_TYPE_ARM64_32:
		return "arm64_32";
	default:
		return NULL;
	}
}

static enum obj_arch machine_of(int32_t cputype)
{
	switch (cputype) {
	case CPU_TYPE_X86: return OBJ_ARCH_X86;
	case CPU_TYPE_X86_64: return OBJ_ARCH_X86_64;
	case CPU_TYPE_ARM: return OBJ_ARCH_ARM;
	case CPU_TYPE_ARM64:
	case CPU_TYPE_ARM64_32: return OBJ_ARCH_ARM64;
	default: return OBJ_ARCH_UNKNOWN;
	}
}

static void arch_label(char *buf, size_t len, int32_t cputype, int32_t cpusubtype)
{
	const char *a = arch_name(cputype, cpusubtype);

	if (a)
		snprintf(buf, len, "%s", a);
	else if (cputype == 18 || cputype == (18 | CPU_ARCH_ABI64))
		snprintf(buf, len, "%s", cputype == 18 ? "ppc" : "ppc64");
	else
		snprintf(buf, len, "cputype %d/%u", cputype,
			 (unsigned)((uint32_t)cpusubtype & ~CPU_SUBTYPE_MASK));
}

/* Does the name the user gave match this slice?  "i386" is accepted for
 * x86. */
static bool arch_matches(const char *want, int32_t cputype, int32_t cpusubtype)
{
	const char *a = arch_name(cputype, cpusubtype);

	if (!a)
		return false;
	return strcmp(want, a) == 0 || (strcmp(want, "i386") == 0 && strcmp(a, "x86") == 0);
}

/* Reads the universal header: fills sl[0..*n).  Slices must lie inside
 * the file, must not overlap and must each start with a thin Mach-O magic
 * of the cputype the header names. */
static enum sym_code read_fat(struct obj *o, struct slice *sl, size_t *n, struct sym_err *err)
{
	const uint8_t *p = o->map;
	size_t size = o->map_size, es, i, j;
	bool is64;
	uint32_t count;

	if (size < 8)
		return sym_fail(err, SYM_ETRUNC, "'%s': the universal header is truncated", o->path);
	is64 = be32(p) == FAT_MAGIC_64;
	count = be32(p + 4);
	if (count == 0 || count > MAX_SLICES)
		return sym_fail(err, SYM_EFORMAT,
				"'%s' is not a valid universal Mach-O file (it claims %u architectures)",
				o->path, count);
	es = is64 ? 32 : 20;
	if ((size - 8) / es < count)
		return sym_fail(err, SYM_ETRUNC, "'%s': the universal header's %u entries run past the end of the file",
				o->path, count);
	for (i = 0; i < count; i++) {
		const uint8_t *e = p + 8 + i * es;
		char a[40];
		uint32_t m;
		int32_t cpu;

		sl[i].cputype = (int32_t)be32(e);
		sl[i].cpusubtype = (int32_t)be32(e + 4);
		sl[i].offset = is64 ? be64(e + 8) : be32(e + 8);
		sl[i].size = is64 ? be64(e + 16) : be32(e + 12);
		arch_label(a, sizeof(a), sl[i].cputype, sl[i].cpusubtype);
		if (sl[i].offset < 8 + count * es || sl[i].offset > size ||
		    sl[i].size > size - sl[i].offset)
			return sym_fail(err, SYM_ETRUNC,
					"'%s': the %s slice (offset %llu, size %llu) lies outside the file (%zu bytes)",
					o->path, a, (unsigned long long)sl[i].offset,
					(unsigned long long)sl[i].size, size);
		for (j = 0; j < i; j++)
			if (sl[i].offset < sl[j].offset + sl[j].size &&
			    sl[j].offset < sl[i].offset + sl[i].size)
				return sym_fail(err, SYM_EFORMAT, "'%s': slices %zu and %zu overlap",
						o->path, j, i);
		if (sl[i].size < 28)
			return sym_fail(err, SYM_EFORMAT, "'%s': the %s slice is too small to be a Mach-O file",
					o->path, a);
		/* a big-endian (PowerPC) slice is listed, though not read */
		m = le32(p + sl[i].offset);
		if (m == MH_MAGIC || m == MH_MAGIC_64)
			cpu = (int32_t)le32(p + sl[i].offset + 4);
		else if (m == MH_CIGAM || m == MH_CIGAM_64)
			cpu = (int32_t)be32(p + sl[i].offset + 4);
		else
			return sym_fail(err, SYM_EFORMAT, "'%s': the %s slice does not start with a Mach-O header",
					o->path, a);
		if (cpu != sl[i].cputype)
			return sym_fail(err, SYM_EFORMAT,
					"'%s': the %s slice's header names another CPU type than the universal header",
					o->path, a);
	}
	*n = count;
	return SYM_OK;
}

/* "(x86_64, arm64)" for messages */
static void slice_list(char *buf, size_t len, const struct slice *sl, size_t n)
{
	size_t i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < n && k + 1 < len; i++) {
		char a[40];

		arch_label(a, sizeof(a), sl[i].cputype, sl[i].cpusubtype);
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", a);
	}
}

/* A 16-byte name that need not end in NUL. */
static size_t name16(const uint8_t *p)
{
	size_t n = 0;

	while (n < 16 && p[n])
		n++;
	return n;
}

/* The name the rest of dumpsyms knows a section by. */
static void section_name(char *out, const uint8_t *seg, const uint8_t *sect)
{
	static const struct { const char *macho, *full; } cut[] = {
		{ "__debug_str_offs", ".debug_str_offsets" },
		{ "__debug_gnu_pubn", ".debug_gnu_pubnames" },
		{ "__debug_gnu_pubt", ".debug_gnu_pubtypes" },
	};
	size_t sg = name16(seg), sn = name16(sect), i;
	char s[17];

	memcpy(s, sect, sn);
	s[sn] = '\0';
	for (i = 0; i < sizeof(cut) / sizeof(*cut); i++)
		if (strcmp(s, cut[i].macho) == 0) {
			snprintf(out, NAME_MAX_LEN, "%s", cut[i].full);
			return;
		}
	if (strncmp(s, "__debug_", 8) == 0 || strncmp(s, "__zdebug_", 9) == 0)
		snprintf(out, NAME_MAX_LEN, ".%s", s + 2);
	else if (strcmp(s, "__eh_frame") == 0)
		snprintf(out, NAME_MAX_LEN, ".eh_frame");
	else if (sg == 6 && memcmp(seg, "__TEXT", 6) == 0 && strcmp(s, "__text") == 0)
		snprintf(out, NAME_MAX_LEN, ".text");
	else
		snprintf(out, NAME_MAX_LEN, "%.*s,%s", (int)sg, (const char *)seg, s);
}

/* The reader's state behind o->priv: the chosen slice (the whole file
 * when thin) and its symbol table. */
struct macho {
	const uint8_t *slice;
	size_t slice_size;
	int32_t cputype, cpusubtype;
	uint32_t filetype;
	const uint8_t *nlist;	/* nsyms entries of 12 (16 if is64) bytes */
	uint32_t nsyms;
	const uint8_t *strtab;
	uint32_t strsize;
	char *names;		/* section names, NAME_MAX_LEN each, owned */
};

struct parse {
	struct obj *o;
	struct macho *mo;
	struct cursor c;	/* over the slice */
	size_t cap;		/* of o->sections and mo->names */
	size_t lcap;		/* of o->loads */
	bool have_uuid;
	uint8_t uuid[16];
};

static enum sym_code add_section(struct parse *ps, struct cursor *sc,
				 bool is64, struct sym_err *err)
{
	struct obj *o = ps->o;
	struct macho *mo = ps->mo;
	const uint8_t *sect = cursor_bytes(sc, 16);
	const uint8_t *sseg = cursor_bytes(sc, 16);
	uint64_t addr = is64 ? cursor_u64(sc) : cursor_u32(sc);
	uint64_t size = is64 ? cursor_u64(sc) : cursor_u32(sc);
	uint32_t offset = cursor_u32(sc), flags;
	struct obj_section *s;
	uint8_t kind;

	cursor_skip(sc, 12);	/* align, reloff, nreloc */
	flags = cursor_u32(sc);
	cursor_skip(sc, is64 ? 12 : 8);
	if (sc->bad)
		return sym_fail(err, SYM_ETRUNC, "'%s': a section header is truncated", o->path);
	if (o->nsections == ps->cap) {
		size_t nc = ps->cap ? ps->cap * 2 : 16;
		struct obj_section *ns = realloc(o->sections, nc * sizeof(*ns));
		char *nn;

		if (!ns)
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		o->sections = ns;
		nn = realloc(mo->names, nc * NAME_MAX_LEN);
		if (!nn)
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		mo->names = nn;
		ps->cap = nc;
	}
	s = &o->sections[o->nsections];
	memset(s, 0, sizeof(*s));
	section_name(mo->names + o->nsections * NAME_MAX_LEN, sseg, sect);
	o->nsections++;
	s->addr = addr;
	s->offset = offset;
	s->flags = flags;
	s->loaded = true;
	s->releasable = o->mapped;
	if ((flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) && size) {
		/* the code ranges: functions and FDEs elsewhere are not code
		 * (dSYMs keep these section headers, without the bytes) */
		if (o->nloads == ps->lcap) {
			size_t nc = ps->lcap ? ps->lcap * 2 : 8;
			struct obj_range *nl = realloc(o->loads, nc * sizeof(*nl));

			if (!nl)
				return sym_fail(err, SYM_ENOMEM, "out of memory");
			o->loads = nl;
			ps->lcap = nc;
		}
		o->loads[o->nloads].lo = addr;
		o->loads[o->nloads].hi = addr + size < addr ? UINT64_MAX : addr + size;
		o->nloads++;
	}
	kind = flags & 0xff;
	if (kind == S_ZEROFILL || kind == S_GB_ZEROFILL || kind == S_THREAD_LOCAL_ZEROFILL ||
	    offset == 0 || size == 0) {
		/* no bytes in the file (dSYMs keep such shells of the binary's
		 * sections) */
		s->kind = OBJ_SECT_NOBITS;
		s->size = 0;
		return SYM_OK;
	}
	if (offset > mo->slice_size || size > mo->slice_size - offset)
		return sym_fail(err, SYM_ETRUNC,
				"'%s': section %s (offset %u, size %llu) lies past the end of the %s",
				o->path, mo->names + (o->nsections - 1) * NAME_MAX_LEN, offset,
				(unsigned long long)size, mo->slice == o->map ? "file" : "slice");
	s->kind = OBJ_SECT_PROGBITS;
	s->data = mo->slice + offset;
	s->size = (size_t)size;
	return SYM_OK;
}

static enum sym_code read_segment(struct parse *ps, struct cursor *cc, bool is64,
				  struct sym_err *err)
{
	struct obj *o = ps->o;
	const uint8_t *seg = cursor_bytes(cc, 16);
	uint64_t vmaddr = is64 ? cursor_u64(cc) : cursor_u32(cc);
	cursor_skip(cc, is64 ? 8 : 4);	/* vmsize */
	uint32_t nsects, i;
	size_t sn;

	cursor_skip(cc, is64 ? 16 : 8);	/* fileoff, filesize */
	cursor_skip(cc, 8);		/* maxprot, initprot */
	nsects = cursor_u32(cc);
	cursor_skip(cc, 4);		/* flags */
	if (cc->bad)
		return sym_fail(err, SYM_ETRUNC, "'%s': a segment command is truncated", o->path);
	if (nsects > cursor_left(cc) / (is64 ? 80 : 68))
		return sym_fail(err, SYM_EFORMAT,
				"'%s': a segment claims %u sections, more than its load command holds",
				o->path, nsects);
	sn = name16(seg);
	if (sn == 6 && memcmp(seg, "__TEXT", 6) == 0)
		o->load_addr = vmaddr;
	for (i = 0; i < nsects; i++) {
		enum sym_code rc = add_section(ps, cc, is64, err);
		if (rc)
			return rc;
	}
	return SYM_OK;
}

static enum sym_code read_symtab(struct parse *ps, struct cursor *cc, struct sym_err *err)
{
	struct obj *o = ps->o;
	struct macho *mo = ps->mo;
	uint32_t symoff = cursor_u32(cc), nsyms = cursor_u32(cc);
	uint32_t stroff = cursor_u32(cc), strsize = cursor_u32(cc);
	size_t es = o->is64 ? 16 : 12;

	if (cc->bad)
		return sym_fail(err, SYM_ETRUNC, "'%s': the LC_SYMTAB command is truncated", o->path);
	if (stroff > mo->slice_size || strsize > mo->slice_size - stroff)
		return sym_fail(err, SYM_ETRUNC, "'%s': the string table (offset %u, size %u) lies past the end",
				o->path, stroff, strsize);
	if (symoff > mo->slice_size || nsyms > (mo->slice_size - symoff) / es)
		return sym_fail(err, SYM_ETRUNC, "'%s': the symbol table (%u symbols at offset %u) lies past the end",
				o->path, nsyms, symoff);
	mo->nlist = mo->slice + symoff;
	mo->nsyms = nsyms;
	mo->strtab = mo->slice + stroff;
	mo->strsize = strsize;
	return SYM_OK;
}

/* Reads the thin Mach-O at mo->slice. */
static enum sym_code parse_thin(struct obj *o, struct sym_err *err)
{
	struct macho *mo = o->priv;
	struct parse ps;
	uint32_t magic, ncmds, sizeofcmds, i;
	size_t hdr;
	enum sym_code rc = SYM_OK;

	memset(&ps, 0, sizeof(ps));
	ps.o = o;
	ps.mo = mo;
	ps.c = cursor_make(mo->slice, mo->slice_size, false);
	magic = cursor_u32(&ps.c);
	if (magic == MH_CIGAM || magic == MH_CIGAM_64)
		return sym_fail(err, SYM_EUNSUP, "'%s' is a big-endian (PowerPC) Mach-O file, which is not supported",
				o->path);
	if (magic != MH_MAGIC && magic != MH_MAGIC_64)
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a Mach-O file", o->path);
	o->is64 = magic == MH_MAGIC_64;
	hdr = o->is64 ? 32 : 28;
	mo->cputype = (int32_t)cursor_u32(&ps.c);
	mo->cpusubtype = (int32_t)cursor_u32(&ps.c);
	mo->filetype = cursor_u32(&ps.c);
	ncmds = cursor_u32(&ps.c);
	sizeofcmds = cursor_u32(&ps.c);
	if (ps.c.bad || mo->slice_size < hdr)
		return sym_fail(err, SYM_ETRUNC, "'%s': the Mach-O header is truncated", o->path);
	o->arch = arch_name(mo->cputype, mo->cpusubtype);
	o->machine = machine_of(mo->cputype);
	if (!o->arch) {
		char a[40];
		arch_label(a, sizeof(a), mo->cputype, mo->cpusubtype);
		return sym_fail(err, SYM_EUNSUP, "'%s' is a Mach-O file for an unsupported CPU (%s)",
				o->path, a);
	}
	if (sizeofcmds > mo->slice_size - hdr)
		return sym_fail(err, SYM_ETRUNC, "'%s': the load commands (%u bytes) run past the end of the file",
				o->path, sizeofcmds);
	if (ncmds > sizeofcmds / 8)
		return sym_fail(err, SYM_EFORMAT, "'%s' claims %u load commands in %u bytes",
				o->path, ncmds, sizeofcmds);

	{
		struct cursor lc = cursor_make(mo->slice + hdr, sizeofcmds, false);

		for (i = 0; i < ncmds && rc == SYM_OK; i++) {
			size_t start = lc.pos;
			uint32_t cmd = cursor_u32(&lc), cmdsize = cursor_u32(&lc);
			struct cursor cc;

			if (lc.bad || cmdsize < 8 || cmdsize % 4 || cmdsize > sizeofcmds - start)
				return sym_fail(err, SYM_EFORMAT,
						"'%s': load command %u (size %u) is malformed or runs past the load commands",
						o->path, i, lc.bad ? 0 : cmdsize);
			cc = cursor_make(mo->slice + hdr + start, cmdsize, false);
			cursor_skip(&cc, 8);
			switch (cmd) {
			case LC_SEGMENT:
			case LC_SEGMENT_64:
				rc = read_segment(&ps, &cc, cmd == LC_SEGMENT_64, err);
				break;
			case LC_SYMTAB:
				rc = read_symtab(&ps, &cc, err);
				break;
			case LC_UUID: {
				const uint8_t *u = cursor_bytes(&cc, 16);
				if (!u)
					return sym_fail(err, SYM_EFORMAT, "'%s': the LC_UUID command is truncated",
							o->path);
				memcpy(ps.uuid, u, 16);
				ps.have_uuid = true;
				break;
			}
			default:
				break;
			}
			cursor_seek(&lc, start + cmdsize);
		}
	}
	if (rc)
		return rc;
	for (i = 0; i < o->nsections; i++)
		o->sections[i].name = mo->names + (size_t)i * NAME_MAX_LEN;
	if (!ps.have_uuid)
		return sym_fail(err, SYM_EFORMAT,
				"'%s' (%s) has no LC_UUID load command, so it has no debug id",
				o->path, o->arch);
	memcpy(o->ident, ps.uuid, 16);
	o->ident_len = 16;
	o->id_raw = true;	/* the LC_UUID as stored */
	return SYM_OK;
}

/* A slice parsed on the side, for its id. */
struct probe {
	struct obj t;
	struct macho tm;
};

/* Parses the n bytes at p, o's slice, into pr; true on success.  pr must be
 * given to probe_free() either way. */
static bool probe_bytes(const struct obj *o, const uint8_t *p, size_t n, struct probe *pr,
			struct sym_err *err)
{
	memset(pr, 0, sizeof(*pr));
	pr->t.ops = &obj_macho_ops;
	pr->t.priv = &pr->tm;
	pr->t.format = OBJ_MACHO;
	pr->t.path = o->path;
	pr->t.map = o->map;
	pr->t.map_size = o->map_size;
	pr->tm.slice = p;
	pr->tm.slice_size = n;
	return parse_thin(&pr->t, err) == SYM_OK;
}

static bool probe_slice(const struct obj *o, const struct slice *sl, struct probe *pr)
{
	struct sym_err e;

	sym_err_clear(&e);
	return probe_bytes(o, o->map + sl->offset, (size_t)sl->size, pr, &e);
}

static void probe_free(struct probe *pr)
{
	free(pr->t.sections);
	free(pr->tm.names);
	free(pr->t.loads);
}

/* Each slice's LC_UUID, for the message when none matches. */
static void slice_uuids(struct obj *o, const struct slice *sl, size_t n, char *buf, size_t len)
{
	size_t i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < n && k + 1 < len; i++) {
		struct probe pr;
		char id[OBJ_DEBUG_ID_SIZE], a[40];

		arch_label(a, sizeof(a), sl[i].cputype, sl[i].cpusubtype);
		if (probe_slice(o, &sl[i], &pr))
			obj_debug_id(&pr.t, id);
		else
			snprintf(id, sizeof(id), "none");
		probe_free(&pr);
		k += (size_t)snprintf(buf + k, len - k, "%s%s %s", i ? ", " : "", a, id);
	}
}

static enum sym_code macho_slices(struct obj *o, obj_slice_fn fn, void *ctx, struct sym_err *err)
{
	struct slice sl[MAX_SLICES];
	size_t n = 0, i;
	uint32_t m = be32(o->map);

	if (m != FAT_MAGIC && m != FAT_MAGIC_64) {
		struct probe pr;
		char id[OBJ_DEBUG_ID_SIZE];
		bool ok = probe_bytes(o, o->map, o->map_size, &pr, err);

		if (ok) {
			obj_debug_id(&pr.t, id);
			fn(ctx, 1, pr.t.arch, id);
		}
		probe_free(&pr);
		return ok ? SYM_OK : err->code;
	}
	if (read_fat(o, sl, &n, err))
		return err->code;
	for (i = 0; i < n; i++) {
		struct probe pr;
		char id[OBJ_DEBUG_ID_SIZE], a[40];
		int r;

		arch_label(a, sizeof(a), sl[i].cputype, sl[i].cpusubtype);
		if (probe_slice(o, &sl[i], &pr)) {
			obj_debug_id(&pr.t, id);
			r = fn(ctx, i + 1, a, id);
		} else {
			r = fn(ctx, i + 1, a, NULL);
		}
		probe_free(&pr);
		if (r)
			break;
	}
	return SYM_OK;
}

static bool macho_probe(const uint8_t *p, size_t n)
{
	uint32_t b, l;

	if (n < 4)
		return false;
	b = be32(p);
	l = le32(p);
	return b == FAT_MAGIC || b == FAT_MAGIC_64 || l == MH_MAGIC || l == MH_MAGIC_64 ||
	       l == MH_CIGAM || l == MH_CIGAM_64;
}

/* Picks the slice (o->pick) and reads it. */
static enum sym_code macho_parse(struct obj *o, struct macho *mo, struct sym_err *err)
{
	struct slice sl[MAX_SLICES];
	size_t n = 0, pick = 0, i;
	uint32_t m = be32(o->map);
	char list[512];

	if (m != FAT_MAGIC && m != FAT_MAGIC_64) {
		mo->slice = o->map;
		mo->slice_size = o->map_size;
		if (o->pick.index > 1)
			return sym_fail(err, SYM_ENOTFOUND, "'%s' has one architecture", o->path);
		if (parse_thin(o, err))
			return err->code;
		if (o->pick.arch && !arch_matches(o->pick.arch, mo->cputype, mo->cpusubtype))
			return sym_fail(err, SYM_ENOTFOUND, "'%s' has no %s slice; it has: %s",
					o->path, o->pick.arch, o->arch);
		return SYM_OK;
	}
	if (read_fat(o, sl, &n, err))
		return err->code;
	if (o->pick.index) {
		if (o->pick.index > n)
			return sym_fail(err, SYM_ENOTFOUND, "'%s' has %zu architectures", o->path, n);
		pick = o->pick.index - 1;
	} else if (o->pick.uuid) {
		for (i = 0; i < n; i++) {
			struct probe pr;
			bool same = probe_slice(o, &sl[i], &pr) &&
				    memcmp(pr.t.ident, o->pick.uuid, 16) == 0;

			probe_free(&pr);
			if (same)
				break;
		}
		if (i == n) {
			slice_uuids(o, sl, n, list, sizeof(list));
			return sym_fail(err, SYM_ENOTFOUND, "'%s' has no slice with the wanted UUID; it has: %s",
					o->path, list);
		}
		pick = i;
	} else if (o->pick.arch) {
		for (i = 0; i < n && !arch_matches(o->pick.arch, sl[i].cputype, sl[i].cpusubtype); i++)
			;
		if (i == n) {
			slice_list(list, sizeof(list), sl, n);
			return sym_fail(err, SYM_ENOTFOUND, "'%s' has no %s slice; it has: %s",
					o->path, o->pick.arch, list);
		}
		pick = i;
	} else if (n > 1) {
		slice_list(list, sizeof(list), sl, n);
		return sym_fail(err, SYM_EUSAGE,
				"'%s' is a universal file with %zu architectures (%s): choose one with --arch",
				o->path, n, list);
	}
	mo->slice = o->map + sl[pick].offset;
	mo->slice_size = (size_t)sl[pick].size;
	return parse_thin(o, err);
}

static enum sym_code macho_open(struct obj *o, struct sym_err *err)
{
	struct macho *mo;
	enum sym_code rc;

	o->format = OBJ_MACHO;
	o->big_endian = false;
	mo = calloc(1, sizeof(*mo));
	if (!mo)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	o->priv = mo;
	rc = macho_parse(o, mo, err);
	if (rc == SYM_OK) {
		o->has_symtab = mo->nsyms > 0;
		o->unwind_copies = mo->filetype == MH_DSYM;
	}
	return rc;
}

static void macho_close(struct obj *o)
{
	struct macho *mo = o->priv;

	if (!mo)
		return;
	free(mo->names);
	free(mo);
	o->priv = NULL;
}

static int macho_symbols(struct obj *o, obj_symbol_fn fn, void *ctx, struct sym_err *err)
{
	struct macho *mo = o->priv;
	size_t es = o->is64 ? 16 : 12, i;

	(void)err;
	for (i = 0; i < mo->nsyms; i++) {
		const uint8_t *e = mo->nlist + i * es;
		uint32_t strx = le32(e);
		uint8_t type = e[4], sect = e[5];
		uint64_t value = o->is64 ? (uint64_t)le32(e + 8) | (uint64_t)le32(e + 12) << 32
					 : le32(e + 8);
		struct obj_symbol s;
		const char *name;
		size_t len;
		int r;

		if ((type & N_STAB) || (type & N_TYPE) != N_SECT || sect == 0 || sect > o->nsections)
			continue;
		if (!(o->sections[sect - 1].flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)))
			continue;
		if (strx >= mo->strsize)
			continue;
		name = (const char *)mo->strtab + strx;
		len = strnlen(name, mo->strsize - strx);
		if (len == mo->strsize - strx || len == 0)
			continue;	/* no terminating NUL inside the table */
		if (name[0] == '_' && strncmp(name, "__hidden#", 9) != 0)
			name++;	/* not bitcode builds' placeholders */
		if (strncmp(name, "_mh_", 4) == 0 && strstr(name, "_header"))
			continue;	/* __mh_execute_header and friends */
		if (!name[0])
			continue;
		s.name = name;
		s.value = value;
		s.size = 0;
		s.kind = OBJ_SYM_FUNC;
		s.defined = true;
		s.global = (type & N_EXT) != 0;
		r = fn(ctx, &s);
		if (r)
			return r;
	}
	return 0;
}

/* ---- dSYM bundles --------------------------------------------------- */

/* The DWARF file inside the directory path (a .dSYM bundle),
 * Contents/Resources/DWARF/<name>: the only file there, or the one named
 * as the bundle less ".dSYM" (the binary of Foo.app.dSYM is Foo, so the
 * name alone does not always tell). */
static enum sym_code macho_resolve_dir(const char *path, char **out, struct sym_err *err)
{
	char dir[4096], want[1024], only[1024];
	const char *base;
	size_t n, files = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if ((size_t)snprintf(dir, sizeof(dir), "%.*s/Contents/Resources/DWARF", (int)n, path) >= sizeof(dir))
		return sym_fail(err, SYM_EUSAGE, "'%s': the path is too long", path);
	base = path;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/' && i + 1 < n)
			base = path + i + 1;
	snprintf(want, sizeof(want), "%.*s", (int)(path + n - base), base);
	if (strlen(want) > 5 && strcmp(want + strlen(want) - 5, ".dSYM") == 0)
		want[strlen(want) - 5] = '\0';
	d = opendir(dir);
	if (!d)
		return sym_fail(err, SYM_EUSAGE,
				"'%s' is a directory but not a dSYM bundle (no Contents/Resources/DWARF)", path);
	only[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		files++;
		if (files == 1 || strcmp(de->d_name, want) == 0)
			snprintf(only, sizeof(only), "%s", de->d_name);
	}
	closedir(d);
	if (files == 0)
		return sym_fail(err, SYM_EUSAGE, "the dSYM bundle '%s' holds no DWARF file", path);
	if (files > 1 && strcmp(only, want) != 0)
		return sym_fail(err, SYM_EUSAGE,
				"the dSYM bundle '%s' holds %zu DWARF files; give the one to read", path, files);
	if (asprintf(out, "%s/%s", dir, only) < 0) {
		*out = NULL;
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	return SYM_OK;
}

static void uuid_text(const struct obj *o, char out[40])
{
	char id[OBJ_DEBUG_ID_SIZE];

	obj_debug_id(o, id);
	snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12, id + 16, id + 20);
}

/* Opens the dSYM at dpath (a bundle or the file in it) for the Mach-O
 * binary bin: the slice with bin's LC_UUID.  A dSYM of another build is
 * refused with both ids. */
static enum sym_code open_dsym(struct obj *bin, const char *dpath, struct obj *dbg,
			       struct sym_err *err)
{
	char *file = NULL, want[40], got[40];
	enum sym_code rc;

	rc = obj_resolve(dpath, &file, err);
	if (rc)
		return rc;
	uuid_text(bin, want);
	rc = obj_open_pick(dbg, file, &(struct obj_pick){ NULL, bin->ident, 0 }, err);
	if (rc == SYM_OK && dbg->ops != &obj_macho_ops) {
		rc = sym_fail(err, SYM_EFORMAT, "'%s' is not a Mach-O dSYM", dbg->path);
	} else if (rc == SYM_OK && memcmp(dbg->ident, bin->ident, 16) != 0) {
		uuid_text(dbg, got);
		rc = sym_fail(err, SYM_EFORMAT,
			      "the dSYM '%s' (UUID %s, %s) does not belong to '%s' (UUID %s, %s)",
			      dbg->path, got, dbg->arch, bin->path, want, bin->arch);
	} else if (rc == SYM_ENOTFOUND) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		rc = sym_fail(err, SYM_EFORMAT, "the dSYM does not belong to '%s' (UUID %s, %s): %s",
			      bin->path, want, bin->arch, msg);
	}
	if (rc)
		obj_close(dbg);
	free(file);
	return rc;
}

/* The dSYM the user named, else <binary>.dSYM when it exists. */
static enum sym_code macho_find_debug(struct obj *bin, const struct obj_find *f, struct obj *dbg,
				      struct sym_err *err)
{
	char auto_path[4200];
	struct stat st;

	if (f->given)
		return open_dsym(bin, f->given, dbg, err);
	if ((size_t)snprintf(auto_path, sizeof(auto_path), "%s.dSYM", bin->path) >= sizeof(auto_path) ||
	    stat(auto_path, &st) != 0)
		return sym_fail(err, SYM_ENOTFOUND, "'%s' has no dSYM beside it", bin->path);
	return open_dsym(bin, auto_path, dbg, err);
}

const struct obj_ops obj_macho_ops = {
	.name = "Mach-O",
	.os = "mac",
	.probe = macho_probe,
	.open = macho_open,
	.symbols = macho_symbols,
	.slices = macho_slices,
	.resolve_dir = macho_resolve_dir,
	.find_debug = macho_find_debug,
	.close = macho_close,
};
