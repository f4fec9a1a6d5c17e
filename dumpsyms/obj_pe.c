/* obj_pe.c - the PE format of the object layer: a PE image whose debug
 * information is DWARF (mingw and clang's windows-gnu targets), read
 * through the same DWARF code as ELF and Mach-O.
 *
 * An image whose debug information is a PDB goes to convert_win.c
 * instead; this reader gives such an image its identity (slices, --list-
 * arch) and, for DWARF images, the sections, with COFF long section names
 * ("/4" in the section table, an offset into the COFF string table) spelt
 * out, addresses as virtual addresses (DWARF's), and STACK CFI from
 * .pdata/.xdata (pe_unwind.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "module.h"
#include "obj.h"
#include "pe.h"

#define PE_SCN_CNT_CODE 0x00000020u
#define PE_SCN_MEM_EXECUTE 0x20000000u

struct pe_state {
	struct pe_image pe;
	char *names;		/* the sections' names, NUL-separated */
};

static bool pe_probe(const uint8_t *p, size_t n)
{
	return pe_is_pe(p, n);
}

/* The COFF string table of the image (where long section names live), or
 * NULL: PointerToSymbolTable + NumberOfSymbols * 18, a u32 size that
 * counts itself, then the strings. */
static const char *coff_strings(const struct obj *o, size_t *len)
{
	struct cursor c = cursor_make(o->map, o->map_size, false);
	uint32_t lfanew, symoff, nsyms, size;
	uint64_t at;

	cursor_seek(&c, 0x3c);
	lfanew = cursor_u32(&c);
	if (c.bad || lfanew > o->map_size || o->map_size - lfanew < 24)
		return NULL;
	cursor_seek(&c, (size_t)lfanew + 4 + 8);
	symoff = cursor_u32(&c);
	nsyms = cursor_u32(&c);
	if (c.bad || symoff == 0)
		return NULL;
	at = (uint64_t)symoff + (uint64_t)nsyms * 18;
	if (at > o->map_size || o->map_size - at < 4)
		return NULL;
	cursor_seek(&c, (size_t)at);
	size = cursor_u32(&c);
	if (c.bad || size < 4 || size > o->map_size - at)
		return NULL;
	*len = size;
	return (const char *)o->map + at;
}

/* A section's name: as stored, or "/N" looked up in the string table. */
static void section_name(const char *stored, const char *strs,
			 size_t slen, char *out, size_t cap)
{
	char *end;
	unsigned long off;

	snprintf(out, cap, "%s", stored);
	if (stored[0] != '/' || !strs)
		return;
	off = strtoul(stored + 1, &end, 10);
	if (end == stored + 1 || *end || off < 4 || off >= slen)
		return;
	snprintf(out, cap, "%.*s", (int)strnlen(strs + off, slen - off), strs + off);
}

static enum sym_code pe_open_obj(struct obj *o, struct sym_err *err)
{
	struct pe_state *st = calloc(1, sizeof(*st));
	const struct pe_image *pe;
	const char *strs;
	size_t slen = 0, i, at = 0;
	enum sym_code rc;

	if (!st)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	o->priv = st;
	rc = pe_parse(&st->pe, o->path, o->map, o->map_size, err);
	if (rc)
		return rc;
	pe = &st->pe;
	o->format = OBJ_PE;
	o->is64 = pe->pe32plus;
	o->arch = pe_arch(pe);
	switch (pe->machine) {
	case PE_MACHINE_I386: o->machine = OBJ_ARCH_X86; break;
	case PE_MACHINE_AMD64: o->machine = OBJ_ARCH_X86_64; break;
	case PE_MACHINE_ARM64: o->machine = OBJ_ARCH_ARM64; break;
	case PE_MACHINE_ARMNT: o->machine = OBJ_ARCH_ARM; break;
	default:
		return sym_fail(err, SYM_EUNSUP, "'%s': PE machine 0x%x is not supported", o->path,
				pe->machine);
	}
	o->load_addr = pe->image_base;
	if (pe->has_codeview && !pe->nb10) {
		memcpy(o->ident, pe->guid, 16);
		o->ident_len = 16;
		o->age = pe->age;
	}
	strs = coff_strings(o, &slen);
	st->names = malloc(pe->nsections * 257 + 1);
	o->sections = calloc(pe->nsections + 1, sizeof(*o->sections));
	o->loads = calloc(pe->nsections + 1, sizeof(*o->loads));
	if (!st->names || !o->sections || !o->loads)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	for (i = 0; i < pe->nsections; i++) {
		const struct pe_section *ps = &pe->sections[i];
		struct obj_section *s = &o->sections[o->nsections++];
		size_t n = ps->vsize && ps->vsize < ps->raw_size ? ps->vsize : ps->raw_size;

		section_name(ps->name, strs, slen, st->names + at, 257);
		s->name = st->names + at;
		at += strlen(s->name) + 1;
		s->addr = pe->image_base + ps->va;
		s->offset = ps->raw_off;
		s->flags = ps->characteristics;
		s->kind = n ? OBJ_SECT_PROGBITS : OBJ_SECT_NOBITS;
		if (n && (ps->raw_off > o->map_size || n > o->map_size - ps->raw_off)) {
			s->truncated = true;
			n = ps->raw_off < o->map_size ? o->map_size - ps->raw_off : 0;
		}
		s->data = n ? o->map + ps->raw_off : NULL;
		s->size = n;
		s->loaded = true;
		s->releasable = o->mapped;
		if (ps->characteristics & (PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE)) {
			o->loads[o->nloads].lo = s->addr;
			o->loads[o->nloads].hi = s->addr + (ps->vsize ? ps->vsize : ps->raw_size);
			o->nloads++;
		}
	}
	return SYM_OK;
}

static void pe_code_id(const struct obj *o, char *out)
{
	const struct pe_state *st = o->priv;

	snprintf(out, 2 * OBJ_MAX_ID + 1, "%08X%X", st->pe.timestamp, st->pe.size_of_image);
}

static enum sym_code pe_unwind(struct obj *o, struct module *m, bool verbose,
			       struct sym_err *err)
{
	const struct pe_state *st = o->priv;
	uint64_t load = m->load_addr;
	enum sym_code rc;

	/* the unwind tables give RVAs; the module's other addresses are
	 * DWARF's virtual addresses, written less load_addr (the image
	 * base, or 0 with -a): the RVAs are shifted the same way */
	m->load_addr = load - st->pe.image_base;
	rc = pe_unwind_read(&st->pe, m, verbose, err);
	m->load_addr = load;
	return rc;
}

static void *pe_unwind_begin(struct obj *o, struct pool *p, struct module *m, bool verbose)
{
	const struct pe_state *st = o->priv;
	uint64_t load = m->load_addr;
	struct pe_unwind_job *j;

	/* the shift pe_unwind() makes, taken by the job as it starts */
	m->load_addr = load - st->pe.image_base;
	j = pe_unwind_start(p, &st->pe, m, verbose);
	m->load_addr = load;
	return j;
}

static enum sym_code pe_unwind_end(void *j, struct sym_err *err)
{
	return pe_unwind_finish(j, err);
}

static void pe_unwind_stop(void *j)
{
	pe_unwind_cancel(j);
}

static void pe_close_obj(struct obj *o)
{
	struct pe_state *st = o->priv;

	if (!st)
		return;
	pe_free(&st->pe);
	free(st->names);
	free(st);
	o->priv = NULL;
}

const struct obj_ops obj_pe_ops = {
	.name = "PE",
	.os = "windows",
	.probe = pe_probe,
	.open = pe_open_obj,
	.code_id = pe_code_id,
	.named_code_id = true,
	.unwind = pe_unwind,
	.unwind_start = pe_unwind_begin,
	.unwind_finish = pe_unwind_end,
	.unwind_cancel = pe_unwind_stop,
	.close = pe_close_obj,
};
