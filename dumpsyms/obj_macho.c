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
 */
#include "config.h"
#include "obj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* the e_machine values the CFI reader keys its register names on */
#define EM_386		3
#define EM_ARM		40
#define EM_X86_64	62
#define EM_AARCH64	183

#define SHT_PROGBITS	1
#define SHT_NOBITS	8
#define STT_FUNC	2

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

bool macho_is_macho(const uint8_t *p, size_t n)
{
	uint32_t b, l;

	if (n < 4)
		return false;
	b = be32(p);
	l = le32(p);
	return b == FAT_MAGIC || b == FAT_MAGIC_64 || l == MH_MAGIC || l == MH_MAGIC_64 ||
	       l == MH_CIGAM || l == MH_CIGAM_64;
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

static uint16_t machine_of(int32_t cputype)
{
	switch (cputype) {
	case CPU_TYPE_X86: return EM_386;
	case CPU_TYPE_X86_64: return EM_X86_64;
	case CPU_TYPE_ARM: return EM_ARM;
	case CPU_TYPE_ARM64:
	case CPU_TYPE_ARM64_32: return EM_AARCH64;
	default: return 0;
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

struct parse {
	struct obj *o;
	struct cursor c;	/* over the slice */
	size_t cap;		/* of o->sections and o->names */
	size_t lcap;		/* of o->loads */
	bool have_uuid;
	uint8_t uuid[16];
};

static enum sym_code add_section(struct parse *ps, struct cursor *sc,
				 bool is64, struct sym_err *err)
{
	struct obj *o = ps->o;
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
		nn = realloc(o->names, nc * NAME_MAX_LEN);
		if (!nn)
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		o->names = nn;
		ps->cap = nc;
	}
	s = &o->sections[o->nsections];
	memset(s, 0, sizeof(*s));
	section_name(o->names + o->nsections * NAME_MAX_LEN, sseg, sect);
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
		s->type = SHT_NOBITS;
		s->size = 0;
		return SYM_OK;
	}
	if (offset > o->slice_size || size > o->slice_size - offset)
		return sym_fail(err, SYM_ETRUNC,
				"'%s': section %s (offset %u, size %llu) lies past the end of the %s",
				o->path, o->names + (o->nsections - 1) * NAME_MAX_LEN, offset,
				(unsigned long long)size, o->slice == o->map ? "file" : "slice");
	s->type = SHT_PROGBITS;
	s->data = o->slice + offset;
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
	uint32_t symoff = cursor_u32(cc), nsyms = cursor_u32(cc);
	uint32_t stroff = cursor_u32(cc), strsize = cursor_u32(cc);
	size_t es = o->is64 ? 16 : 12;

	if (cc->bad)
		return sym_fail(err, SYM_ETRUNC, "'%s': the LC_SYMTAB command is truncated", o->path);
	if (stroff > o->slice_size || strsize > o->slice_size - stroff)
		return sym_fail(err, SYM_ETRUNC, "'%s': the string table (offset %u, size %u) lies past the end",
				o->path, stroff, strsize);
	if (symoff > o->slice_size || nsyms > (o->slice_size - symoff) / es)
		return sym_fail(err, SYM_ETRUNC, "'%s': the symbol table (%u symbols at offset %u) lies past the end",
				o->path, nsyms, symoff);
	o->nlist = o->slice + symoff;
	o->nsyms = nsyms;
	o->strtab = o->slice + stroff;
	o->strsize = strsize;
	return SYM_OK;
}

/* Reads the thin Mach-O at o->slice. */
static enum sym_code parse_thin(struct obj *o, struct sym_err *err)
{
	struct parse ps;
	uint32_t magic, ncmds, sizeofcmds, i;
	size_t hdr;
	enum sym_code rc = SYM_OK;

	memset(&ps, 0, sizeof(ps));
	ps.o = o;
	ps.c = cursor_make(o->slice, o->slice_size, false);
	magic = cursor_u32(&ps.c);
	if (magic == MH_CIGAM || magic == MH_CIGAM_64)
		return sym_fail(err, SYM_EUNSUP, "'%s' is a big-endian (PowerPC) Mach-O file, which is not supported",
				o->path);
	if (magic != MH_MAGIC && magic != MH_MAGIC_64)
		return sym_fail(err, SYM_EFORMAT, "'%s' is not a Mach-O file", o->path);
	o->is64 = magic == MH_MAGIC_64;
	hdr = o->is64 ? 32 : 28;
	o->cputype = (int32_t)cursor_u32(&ps.c);
	o->cpusubtype = (int32_t)cursor_u32(&ps.c);
	o->filetype = cursor_u32(&ps.c);
	ncmds = cursor_u32(&ps.c);
	sizeofcmds = cursor_u32(&ps.c);
	if (ps.c.bad || o->slice_size < hdr)
		return sym_fail(err, SYM_ETRUNC, "'%s': the Mach-O header is truncated", o->path);
	o->arch = arch_name(o->cputype, o->cpusubtype);
	o->machine = machine_of(o->cputype);
	if (!o->arch) {
		char a[40];
		arch_label(a, sizeof(a), o->cputype, o->cpusubtype);
		return sym_fail(err, SYM_EUNSUP, "'%s' is a Mach-O file for an unsupported CPU (%s)",
				o->path, a);
	}
	if (sizeofcmds > o->slice_size - hdr)
		return sym_fail(err, SYM_ETRUNC, "'%s': the load commands (%u bytes) run past the end of the file",
				o->path, sizeofcmds);
	if (ncmds > sizeofcmds / 8)
		return sym_fail(err, SYM_EFORMAT, "'%s' claims %u load commands in %u bytes",
				o->path, ncmds, sizeofcmds);

	{
		struct cursor lc = cursor_make(o->slice + hdr, sizeofcmds, false);

		for (i = 0; i < ncmds && rc == SYM_OK; i++) {
			size_t start = lc.pos;
			uint32_t cmd = cursor_u32(&lc), cmdsize = cursor_u32(&lc);
			struct cursor cc;

			if (lc.bad || cmdsize < 8 || cmdsize % 4 || cmdsize > sizeofcmds - start)
				return sym_fail(err, SYM_EFORMAT,
						"'%s': load command %u (size %u) is malformed or runs past the load commands",
						o->path, i, lc.bad ? 0 : cmdsize);
			cc = cursor_make(o->slice + hdr + start, cmdsize, false);
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
		o->sections[i].name = o->names + (size_t)i * NAME_MAX_LEN;
	if (!ps.have_uuid)
		return sym_fail(err, SYM_EFORMAT,
				"'%s' (%s) has no LC_UUID load command, so it has no debug id",
				o->path, o->arch);
	memcpy(o->ident, ps.uuid, 16);
	o->ident_len = 16;
	return SYM_OK;
}

/* Parses slice sl of o into the temporary t, for its id; true on success.
 * t must be given to probe_free() either way. */
static bool probe_slice(const struct obj *o, const struct slice *sl, struct obj *t)
{
	struct sym_err e;

	memset(t, 0, sizeof(*t));
	t->format = OBJ_MACHO;
	t->path = o->path;
	t->map = o->map;
	t->map_size = o->map_size;
	t->slice = o->map + sl->offset;
	t->slice_size = (size_t)sl->size;
	sym_err_clear(&e);
	return parse_thin(t, &e) == SYM_OK;
}

static void probe_free(struct obj *t)
{
	free(t->sections);
	free(t->names);
	free(t->loads);
}

/* Each slice's LC_UUID, for the message when none matches. */
static void slice_uuids(struct obj *o, const struct slice *sl, size_t n, char *buf, size_t len)
{
	size_t i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < n && k + 1 < len; i++) {
		struct obj t;
		char id[34], a[40];

		arch_label(a, sizeof(a), sl[i].cputype, sl[i].cpusubtype);
		if (probe_slice(o, &sl[i], &t))
			obj_debug_id(&t, id);
		else
			snprintf(id, sizeof(id), "none");
		probe_free(&t);
		k += (size_t)snprintf(buf + k, len - k, "%s%s %s", i ? ", " : "", a, id);
	}
}

enum sym_code macho_slices(struct obj *o, int (*fn)(void *ctx, size_t index, const char *arch,
		const char *debug_id), void *ctx, struct sym_err *err)
{
	struct slice sl[MAX_SLICES];
	size_t n = 0, i;
	uint32_t m = be32(o->map);

	if (m != FAT_MAGIC && m != FAT_MAGIC_64) {
		struct obj t;
		char id[34];
		bool ok;

		memset(&t, 0, sizeof(t));
		t.format = OBJ_MACHO;
		t.path = o->path;
		t.map = t.slice = o->map;
		t.map_size = t.slice_size = o->map_size;
		ok = parse_thin(&t, err) == SYM_OK;
		if (ok) {
			obj_debug_id(&t, id);
			fn(ctx, 1, t.arch, id);
		}
		probe_free(&t);
		return ok ? SYM_OK : err->code;
	}
	if (read_fat(o, sl, &n, err))
		return err->code;
	for (i = 0; i < n; i++) {
		struct obj t;
		char id[34], a[40];
		int r;

		arch_label(a, sizeof(a), sl[i].cputype, sl[i].cpusubtype);
		if (probe_slice(o, &sl[i], &t)) {
			obj_debug_id(&t, id);
			r = fn(ctx, i + 1, a, id);
		} else {
			r = fn(ctx, i + 1, a, NULL);
		}
		probe_free(&t);
		if (r)
			break;
	}
	return SYM_OK;
}

enum sym_code macho_parse(struct obj *o, struct sym_err *err)
{
	struct slice sl[MAX_SLICES];
	size_t n = 0, pick = 0, i;
	uint32_t m = be32(o->map);
	char list[512];

	o->format = OBJ_MACHO;
	o->big_endian = false;
	if (m != FAT_MAGIC && m != FAT_MAGIC_64) {
		o->slice = o->map;
		o->slice_size = o->map_size;
		if (o->pick.index > 1)
			return sym_fail(err, SYM_ENOTFOUND, "'%s' has one architecture", o->path);
		if (parse_thin(o, err))
			return err->code;
		if (o->pick.arch && !arch_matches(o->pick.arch, o->cputype, o->cpusubtype))
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
			struct obj t;
			bool same = probe_slice(o, &sl[i], &t) && memcmp(t.ident, o->pick.uuid, 16) == 0;

			probe_free(&t);
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
	o->slice = o->map + sl[pick].offset;
	o->slice_size = (size_t)sl[pick].size;
	return parse_thin(o, err);
}

int macho_symbols(struct obj *o, int (*fn)(void *ctx, const struct obj_symbol *s), void *ctx)
{
	size_t es = o->is64 ? 16 : 12, i;

	for (i = 0; i < o->nsyms; i++) {
		const uint8_t *e = o->nlist + i * es;
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
		if (strx >= o->strsize)
			continue;
		name = (const char *)o->strtab + strx;
		len = strnlen(name, o->strsize - strx);
		if (len == o->strsize - strx || len == 0)
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
		s.type = STT_FUNC;
		s.bind = type & N_EXT;
		s.shndx = sect;
		r = fn(ctx, &s);
		if (r)
			return r;
	}
	return 0;
}
