#include "config.h"
#include "convert.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>
#include <zlib.h>

#include "cfi.h"
#include "demangle.h"
#include "dwarf.h"
#include "fsutil.h"
#include "obj.h"
#include "outbuf.h"

#ifndef STT_FUNC
#define STT_FUNC 2
#endif

struct pub_ctx {
	struct module *m;
	int failed;
};

/* Breakpad's rule: every defined STT_FUNC symbol is a PUBLIC candidate,
 * its name demangled when it demangles. */
static int add_public(void *ctx, const struct obj_symbol *s)
{
	struct pub_ctx *pc = ctx;
	const char *name;
	char *d;

	if (s->type != STT_FUNC || s->shndx == 0 /* SHN_UNDEF */)
		return 0;
	d = demangle_symbol(s->name);
	name = module_intern(pc->m, d ? d : s->name, strlen(d ? d : s->name));
	free(d);
	if (!name || module_add_public(pc->m, s->value, name) < 0) {
		pc->failed = 1;
		return 1;
	}
	return 0;
}

static uint64_t section_addr(struct obj *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nsections; i++)
		if (strcmp(o->sections[i].name, name) == 0)
			return o->sections[i].addr;
	return 0;
}

#ifndef SHT_NOBITS
#define SHT_NOBITS 8
#endif

static bool has_section_data(struct obj *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nsections; i++) {
		const struct obj_section *s = &o->sections[i];
		if (strcmp(s->name, name) == 0 || (strncmp(name, ".debug_", 7) == 0 &&
		    strncmp(s->name, ".zdebug_", 8) == 0 && strcmp(s->name + 8, name + 7) == 0))
			return s->type != SHT_NOBITS && s->size > 0;
	}
	return false;
}

/* STACK CFI from .debug_frame, then .eh_frame, as Breakpad orders them.
 * With a separate debug file, .debug_frame comes from it and .eh_frame
 * from the binary (debug files keep only a NOBITS placeholder). */
static enum sym_code read_cfi(struct obj *bin, struct obj *dbg, struct module *m,
			      const struct convert_options *opt, struct sym_err *err)
{
	static const char *const names[] = { ".debug_frame", ".eh_frame" };
	uint64_t records = 0;
	size_t i;

	m->cfi = tmpfile();
	if (!m->cfi)
		return sym_fail(err, SYM_EIO, "cannot create a temporary file: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		struct sym_err serr;
		const struct obj_section *s;
		struct cfi_input in;
		enum sym_code rc;
		struct obj *o = bin;

		if (dbg && (i == 0 ? has_section_data(dbg, names[i]) : !has_section_data(bin, names[i])))
			o = dbg;
		sym_err_clear(&serr);
		s = obj_section(o, names[i], &serr);
		if (!s) {
			if (serr.code && opt->verbose)
				fprintf(stderr, "dumpsyms: warning: %s\n", serr.msg);
			continue;
		}
		memset(&in, 0, sizeof(in));
		in.path = o->path;
		in.data = s->data;
		in.size = s->size;
		in.eh = i == 1;
		in.be = o->big_endian;
		in.machine = o->machine;
		in.addr_size = o->is64 ? 8 : 4;
		in.section_addr = s->addr;
		in.text_addr = section_addr(o, ".text");
		in.got_addr = section_addr(o, ".got");
		in.load_addr = m->load_addr;
		in.loads = bin->loads;
		in.nloads = bin->nloads;
		rc = cfi_write(&in, m->cfi, opt->verbose, &records, err);
		if (rc)
			return rc;
	}
	return SYM_OK;
}

/* The module name when the input is itself a separate debug file (no
 * code, only DWARF): "libfoo.so.debug" stands for "libfoo.so"; a build-id
 * name ("cdef....debug") stands for nothing better than itself. */
static const char *debug_only_name(struct obj *o, size_t *len)
{
	const char *b = o->basename;
	size_t n = strlen(b);

	*len = n;
	if (o->soname) {
		*len = strlen(o->soname);
		return o->soname;
	}
	if (n > 6 && strcmp(b + n - 6, ".debug") == 0 && strspn(b, "0123456789abcdef") != n - 6)
		*len = n - 6;
	return b;
}

static enum sym_code convert_obj(struct obj *bin, struct obj *dbg,
				 const struct convert_options *opt,
				 struct module *m, struct sym_err *err)
{
	struct obj *o = dbg ? dbg : bin;	/* where the debug info is */
	const char *path = bin->path;
	enum sym_code rc = SYM_OK;
	struct dwarf_options dopt = { opt->verbose, opt->inlines, opt->debug_dirs,
				      opt->ndebug_dirs, NULL, NULL };
	char bindir[4096], dwp[4200];
	size_t i;

	snprintf(bindir, sizeof(bindir), "%s", bin->path);
	if (strrchr(bindir, '/')) {
		*strrchr(bindir, '/') = '\0';
		dopt.bin_dir = bindir;
	} else {
		dopt.bin_dir = ".";
	}
	/* Breakpad's rule: the package is <binary>.dwp, or X.dwp for X.debug */
	snprintf(dwp, sizeof(dwp), "%s", (dbg ? dbg : bin)->path);
	if (strlen(dwp) > 6 && strcmp(dwp + strlen(dwp) - 6, ".debug") == 0)
		dwp[strlen(dwp) - 6] = '\0';
	strncat(dwp, ".dwp", sizeof(dwp) - strlen(dwp) - 1);
	dopt.dwp_path = dwp;
	m->os = module_intern(m, opt->os, strlen(opt->os));
	m->arch = bin->arch;
	if (opt->name) {
		m->name = module_intern(m, opt->name, strlen(opt->name));
	} else if (!dbg && !has_section_data(bin, ".text") && has_section_data(bin, ".debug_info")) {
		size_t n;
		const char *nm = debug_only_name(bin, &n);
		m->name = module_intern(m, nm, n);
	} else {
		m->name = obj_module_name(bin);
		m->name = module_intern(m, m->name, strlen(m->name));
	}
	if (!m->os || !m->name) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	if (!bin->ident_len) {
		rc = sym_fail(err, SYM_EFORMAT, "'%s' has neither a build id nor a .text section to identify it",
			      path);
		goto out;
	}
	obj_debug_id(bin, m->debug_id);
	obj_code_id(bin, m->code_id);
	m->load_addr = opt->keep_addresses ? 0 : bin->load_addr;
	m->header_only = opt->header_only;
	m->multiple = opt->multiple;
	m->no_cfi = opt->no_cfi;
	m->inline_records = opt->inlines;
	for (i = 0; i < bin->nloads; i++)
		if (module_add_load_range(m, bin->loads[i].lo, bin->loads[i].hi) < 0) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
	if (opt->header_only)
		goto out;

	{
		/* the full .symtab lives in the debug file of a stripped binary */
		struct pub_ctx pc = { m, 0 };
		struct obj *so = dbg && has_section_data(dbg, ".symtab") ? dbg : bin;
		obj_symbols(so, add_public, &pc, err);
		if (pc.failed) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
		if (err->code) {
			if (opt->verbose)
				fprintf(stderr, "dumpsyms: warning: %s\n", err->msg);
			sym_err_clear(err);
		}
	}
	rc = dwarf_read(o, m, &dopt, err);
	if (rc)
		goto out;
	if (!opt->no_cfi) {
		rc = read_cfi(bin, dbg, m, opt, err);
		if (rc)
			goto out;
	}
	rc = module_finish(m, err);
out:
	return rc;
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

/* Opens candidate as the debug file of bin: it must carry DWARF, match the
 * binary's build id when both have one, and match want_crc when given. */
static bool try_debug_file(struct obj *bin, const char *candidate, bool check_crc,
			   uint32_t want_crc, struct obj *dbg, bool verbose)
{
	struct sym_err e;

	sym_err_clear(&e);
	if (access(candidate, R_OK) != 0)
		return false;
	if (obj_open(dbg, candidate, &e) != SYM_OK) {
		obj_close(dbg);
		return false;
	}
	if (!has_section_data(dbg, ".debug_info") ||
	    (bin->build_id_len && dbg->build_id_len &&
	     (bin->build_id_len != dbg->build_id_len ||
	      memcmp(bin->build_id, dbg->build_id, bin->build_id_len) != 0)) ||
	    (check_crc && file_crc32(dbg) != want_crc) || dbg->machine != bin->machine) {
		if (verbose)
			fprintf(stderr, "dumpsyms: warning: '%s' does not match '%s'\n", candidate, bin->path);
		obj_close(dbg);
		return false;
	}
	return true;
}

/* The separate debug file of a binary without DWARF: by build id under
 * each debug directory's .build-id/, then by .gnu_debuglink (CRC checked)
 * in the debug directories, next to the binary, in its .debug/ and under
 * /usr/lib/debug. */
static bool find_debug_file(struct obj *bin, const struct convert_options *opt, struct obj *dbg)
{
	const char *sys = "/usr/lib/debug";
	char cand[8192], bindir[4096], hex[2 * OBJ_MAX_ID + 1];
	const struct obj_section *link;
	struct sym_err e;
	size_t i, ndirs = opt->ndebug_dirs;

	if (bin->build_id_len >= 2) {
		obj_code_id(bin, hex);
		for (i = 0; hex[i]; i++)
			hex[i] = (char)tolower((unsigned char)hex[i]);
		for (i = 0; i <= ndirs; i++) {
			const char *d = i < ndirs ? opt->debug_dirs[i] : sys;
			snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s.debug", d, hex, hex + 2);
			if (try_debug_file(bin, cand, false, 0, dbg, opt->verbose))
				return true;
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

		if (nl == 0 || nl == link->size || crc_off + 4 > link->size || strchr(name, '/'))
			return false;
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
			if (try_debug_file(bin, cand, true, crc, dbg, opt->verbose))
				return true;
		}
	}
	return false;
}

enum sym_code convert_file(const char *path, const struct convert_options *opt,
			   struct module *m, struct sym_err *err)
{
	struct obj o, dbg;
	bool have_dbg = false;
	enum sym_code rc = obj_open(&o, path, err);

	if (rc == SYM_OK && !opt->header_only && !has_section_data(&o, ".debug_info")) {
		have_dbg = find_debug_file(&o, opt, &dbg);
		if (have_dbg && opt->verbose)
			fprintf(stderr, "dumpsyms: reading debug information from '%s'\n", dbg.path);
	}
	if (rc == SYM_OK)
		rc = convert_obj(&o, have_dbg ? &dbg : NULL, opt, m, err);
	if (have_dbg)
		obj_close(&dbg);
	obj_close(&o);
	return rc;
}

enum sym_code convert_mem(const char *name, const uint8_t *data, size_t size,
			  const struct convert_options *opt, struct module *m,
			  struct sym_err *err)
{
	struct obj o;
	enum sym_code rc = obj_open_mem(&o, name, data, size, err);

	if (rc == SYM_OK)
		rc = convert_obj(&o, NULL, opt, m, err);
	obj_close(&o);
	return rc;
}

enum sym_code write_atomic(const char *path, const struct module *m, struct sym_err *err)
{
	struct atomic_file af;
	struct outbuf ob;
	enum sym_code rc;
	int e;

	rc = atomic_open(&af, path, err);
	if (rc)
		return rc;
	if (outbuf_init(&ob, af.fd) < 0) {
		atomic_abort(&af);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	module_write(m, &ob);
	e = outbuf_finish(&ob);
	if (e) {
		atomic_abort(&af);
		return sym_fail(err, SYM_EIO, "cannot write '%s': %s", path, strerror(e));
	}
	return atomic_commit(&af, err);
}
