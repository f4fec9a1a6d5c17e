#include "config.h"
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static enum sym_code convert_obj(struct obj *op, const struct convert_options *opt,
				 struct module *m, struct sym_err *err)
{
	struct obj o = *op;
	const char *path = o.path;
	enum sym_code rc = SYM_OK;
	struct dwarf_options dopt = { opt->verbose };
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
