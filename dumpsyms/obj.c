/* obj.c - the object layer: opening and mapping a file, telling its kind
 * by the magic, handing it to its reader (struct obj_ops), and what every
 * format shares: section lookup, symbols, ids, companion files.
 *
 * The readers own o->priv and whatever they hang on it; this file owns the
 * path, the mapping, the file descriptor, the section and range arrays and
 * the decompressed section copies, and frees them in obj_close().
 */
#include "config.h"
#include "obj.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* In the order their magics are tried. */
static const struct obj_ops *const obj_readers[] = { &obj_macho_ops, &obj_elf_ops, &obj_pe_ops };

#define OBJ_NREADERS (sizeof(obj_readers) / sizeof(*obj_readers))

static uint32_t obj_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

enum obj_kind obj_sniff(const uint8_t *p, size_t n)
{
	static const char pdb7[] = "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0\0";
	static const char pdb2[] = "Microsoft C/C++ program database 2.00\r\n";

	if (n >= 18 && memcmp(p, "\177ELF", 4) == 0) {
		unsigned type = p[5] == 2 ? (unsigned)p[16] << 8 | p[17] : (unsigned)p[17] << 8 | p[16];
		return type == 1 ? OBJ_KIND_ELF_REL : OBJ_KIND_ELF;	/* ET_REL */
	}
	/* little-endian thin Mach-O (PowerPC files are not read) */
	if (n >= 16 && (memcmp(p, "\xce\xfa\xed\xfe", 4) == 0 || memcmp(p, "\xcf\xfa\xed\xfe", 4) == 0))
		return p[12] == 1 ? OBJ_KIND_MACHO_OBJECT : OBJ_KIND_MACHO;	/* MH_OBJECT */
	/* universal; Java class files share the magic, with a version >= 45
	 * where the slice count is */
	if (n >= 8 && (memcmp(p, "\xca\xfe\xba\xbe", 4) == 0 || memcmp(p, "\xca\xfe\xba\xbf", 4) == 0) &&
	    p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] > 0 && p[7] <= 32)
		return OBJ_KIND_UNIVERSAL;
	if (n >= sizeof(pdb7) - 1 && memcmp(p, pdb7, sizeof(pdb7) - 1) == 0)
		return OBJ_KIND_PDB;
	if (n >= sizeof(pdb2) - 1 && memcmp(p, pdb2, sizeof(pdb2) - 1) == 0)
		return OBJ_KIND_PDB;
	if (n >= 4 && memcmp(p, "MSCF", 4) == 0)
		return OBJ_KIND_CAB;
	/* "MZ", and e_lfanew pointing at "PE\0\0" inside what was read */
	if (n >= 0x40 && p[0] == 'M' && p[1] == 'Z') {
		uint32_t pe = obj_le32(p + 0x3c);

		if (pe <= n - 4 && memcmp(p + pe, "PE\0\0", 4) == 0)
			return OBJ_KIND_PE;
	}
	return OBJ_KIND_UNKNOWN;
}

/* Everything after the bytes are in memory. */
static enum sym_code obj_parse(struct obj *o, struct sym_err *err)
{
	size_t i;

	if (o->map_size == 0)
		return sym_fail(err, SYM_EFORMAT, "'%s' is empty", o->path);
	for (i = 0; i < OBJ_NREADERS; i++) {
		if (obj_readers[i]->probe(o->map, o->map_size)) {
			o->ops = obj_readers[i];
			return o->ops->open(o, err);
		}
	}
	return sym_fail(err, SYM_EFORMAT, "'%s' is neither an ELF, a Mach-O nor a PE file", o->path);
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

enum sym_code obj_resolve(const char *path, char **file, struct sym_err *err)
{
	struct stat st;
	size_t i;

	*file = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		for (i = 0; i < OBJ_NREADERS; i++)
			if (obj_readers[i]->resolve_dir)
				return obj_readers[i]->resolve_dir(path, file, err);
	*file = strdup(path);
	return *file ? SYM_OK : sym_fail(err, SYM_ENOMEM, "out of memory");
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
	/* the workers read the mapping and write the buffers */
	obj_prefetch_end(o);
	if (o->ops && o->ops->close)
		o->ops->close(o);
	if (o->map && o->mapped)
		munmap((void *)o->map, o->map_size);
	if (o->fd >= 0)
		close(o->fd);
	for (size_t i = 0; i < o->nsections; i++)
		free(o->sections[i].owned);
	free(o->sections);
	free(o->loads);
	free(o->own_name);
	free(o->path);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

enum sym_code obj_slices(const char *path, obj_slice_fn fn, void *ctx, struct sym_err *err)
{
	/* an index no file has: the file is mapped and its kind known, and
	 * a universal file's slices are then listed one by one */
	struct obj_pick none = { NULL, NULL, SIZE_MAX };
	struct obj o;
	char id[OBJ_DEBUG_ID_SIZE];
	enum sym_code rc = obj_open_pick(&o, path, &none, err);

	if (o.ops && o.ops->slices && o.map) {
		sym_err_clear(err);
		rc = o.ops->slices(&o, fn, ctx, err);
	} else if (rc == SYM_OK) {
		obj_debug_id(&o, id);
		fn(ctx, 1, o.arch, id);
	}
	obj_close(&o);
	return rc;
}

bool obj_has_symtab(struct obj *o)
{
	return o->has_symtab;
}

enum sym_code obj_find_debug(struct obj *o, const struct obj_find *f, struct obj *dbg,
			     struct sym_err *err)
{
	if (!o->ops || !o->ops->find_debug)
		return sym_fail(err, SYM_ENOTFOUND, "'%s' has no separate debug file", o->path);
	return o->ops->find_debug(o, f, dbg, err);
}

void obj_warn(unsigned *count, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("dumpsyms: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (count)
		(*count)++;
}

const char *obj_os(const struct obj *o)
{
	return o->ops ? o->ops->os : "Linux";
}

/* name, or for ".debug_x" also ".zdebug_x" */
static bool obj_name_is(const char *have, const char *want)
{
	return strcmp(have, want) == 0 ||
	       (strncmp(want, ".debug_", 7) == 0 && strncmp(have, ".zdebug_", 8) == 0 &&
		strcmp(have + 8, want + 7) == 0);
}

const struct obj_section *obj_find_section(const struct obj *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nsections; i++)
		if (obj_name_is(o->sections[i].name, name))
			return &o->sections[i];
	return NULL;
}

bool obj_has_section_data(const struct obj *o, const char *name)
{
	const struct obj_section *s = obj_find_section(o, name);

	return s && s->kind != OBJ_SECT_NOBITS && s->size > 0;
}

const struct obj_section *obj_section(struct obj *o, const char *name,
				      struct sym_err *err)
{
	/* the array is ours; the const is for the readers' callers */
	struct obj_section *found = (struct obj_section *)obj_find_section(o, name);

	if (!found || found->kind == OBJ_SECT_NOBITS)
		return NULL;
	if (found->truncated) {
		sym_fail(err, SYM_ETRUNC, "section %s of '%s' lies past the end of the file",
			 found->name, o->path);
		return NULL;
	}
	if (!found->loaded && found->job) {
		if (obj_job_finish(found, err) != SYM_OK)
			return NULL;
	} else if (!found->loaded) {
		if (!o->ops->load_section)
			return NULL;
		if (o->ops->load_section(o, found, err) != SYM_OK)
			return NULL;
	}
	if (!found->data || !found->size)
		return NULL;
	return found;
}

int obj_symbols(struct obj *o, obj_symbol_fn fn, void *ctx, struct sym_err *err)
{
	if (!o->ops || !o->ops->symbols)
		return 0;
	return o->ops->symbols(o, fn, ctx, err);
}

struct obj *obj_embedded(struct obj *o, struct sym_err *err)
{
	if (!o->ops || !o->ops->embedded)
		return NULL;
	return o->ops->embedded(o, err);
}

static void obj_hex_upper(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void obj_debug_id(const struct obj *o, char out[OBJ_DEBUG_ID_SIZE])
{
	uint8_t g[16] = { 0 };

	memcpy(g, o->ident, o->ident_len < 16 ? o->ident_len : 16);
	if (o->id_raw) {
		obj_hex_upper(out, g, 16);
	} else {
		/* GUID byte order: Data1 (4 bytes), Data2, Data3 (2 bytes)
		 * reversed. */
		uint8_t s[16] = { g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
				  g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15] };
		obj_hex_upper(out, s, 16);
	}
	snprintf(out + 32, OBJ_DEBUG_ID_SIZE - 32, "%X", (unsigned)o->age);
}

void obj_code_id(const struct obj *o, char *out)
{
	if (o->ops && o->ops->code_id)
		o->ops->code_id(o, out);
	else
		obj_hex_upper(out, o->ident, o->ident_len);
}

const char *obj_module_name(const struct obj *o)
{
	return o->own_name ? o->own_name : o->basename;
}
