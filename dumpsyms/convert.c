#include "config.h"
#include "convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* STACK CFI from .debug_frame, then .eh_frame, as Breakpad orders them. */
static enum sym_code read_cfi(struct obj *o, struct module *m,
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
		in.loads = o->loads;
		in.nloads = o->nloads;
		rc = cfi_write(&in, m->cfi, opt->verbose, &records, err);
		if (rc)
			return rc;
	}
	return SYM_OK;
}

static enum sym_code convert_obj(struct obj *op, const struct convert_options *opt,
				 struct module *m, struct sym_err *err)
{
	struct obj o = *op;
	const char *path = o.path;
	enum sym_code rc = SYM_OK;
	struct dwarf_options dopt = { opt->verbose, opt->inlines };
	size_t i;

	m->os = module_intern(m, opt->os, strlen(opt->os));
	m->arch = o.arch;
	m->name = opt->name ? opt->name : obj_module_name(&o);
	m->name = module_intern(m, m->name, strlen(m->name));
	if (!m->os || !m->name) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	if (!o.ident_len) {
		rc = sym_fail(err, SYM_EFORMAT, "'%s' has neither a build id nor a .text section to identify it",
			      path);
		goto out;
	}
	obj_debug_id(&o, m->debug_id);
	obj_code_id(&o, m->code_id);
	m->load_addr = opt->keep_addresses ? 0 : o.load_addr;
	m->header_only = opt->header_only;
	m->multiple = opt->multiple;
	m->no_cfi = opt->no_cfi;
	m->inline_records = opt->inlines;
	for (i = 0; i < o.nloads; i++)
		if (module_add_load_range(m, o.loads[i].lo, o.loads[i].hi) < 0) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
	if (opt->header_only)
		goto out;

	{
		struct pub_ctx pc = { m, 0 };
		obj_symbols(&o, add_public, &pc, err);
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
	rc = dwarf_read(&o, m, &dopt, err);
	if (rc)
		goto out;
	if (!opt->no_cfi) {
		rc = read_cfi(&o, m, opt, err);
		if (rc)
			goto out;
	}
	rc = module_finish(m, err);
out:
	*op = o;
	return rc;
}

enum sym_code convert_file(const char *path, const struct convert_options *opt,
			   struct module *m, struct sym_err *err)
{
	struct obj o;
	enum sym_code rc = obj_open(&o, path, err);

	if (rc == SYM_OK)
		rc = convert_obj(&o, opt, m, err);
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
		rc = convert_obj(&o, opt, m, err);
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
