#include "config.h"
#include "convert.h"
#include "convert_win.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfi.h"
#include "demangle.h"
#include "dwarf.h"
#include "fsutil.h"
#include "obj.h"
#include "outbuf.h"
#include "pool.h"
#include "unwind_info.h"
#include "vec.h"

struct pub_ctx {
	struct module *m;
	int failed;
};

/* Breakpad's rule: every defined function symbol is a PUBLIC candidate,
 * its name demangled when it demangles. */
static int add_public(void *ctx, const struct obj_symbol *s)
{
	struct pub_ctx *pc = ctx;
	const char *name;
	char *d;

	if (s->kind != OBJ_SYM_FUNC || !s->defined)
		return 0;
	d = demangle_symbol(s->name);
	name = module_intern(pc->m, d ? d : s->name, strlen(d ? d : s->name));
	free(d);
	if (!name || module_add_public_sym(pc->m, s->value, s->size, s->global, name) < 0) {
		pc->failed = 1;
		return 1;
	}
	return 0;
}

static uint64_t section_addr(struct obj *o, const char *name)
{
	const struct obj_section *s = obj_find_section(o, name);

	return s ? s->addr : 0;
}

struct fde_ranges {
	struct obj_range *v;
	size_t n, cap;
};

static int note_fde(void *ctx, uint64_t start, uint64_t size)
{
	struct fde_ranges *r = ctx;
	struct obj_range x = { start, start + size < start ? UINT64_MAX : start + size };

	return vec_push(*r, x);
}

static int cmp_range(const void *a, const void *b)
{
	const struct obj_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts the FDE ranges and merges overlapping ones, for a binary search. */
static void merge_ranges(struct fde_ranges *r)
{
	size_t i, k = 0;

	if (!r->n)
		return;
	qsort(r->v, r->n, sizeof(*r->v), cmp_range);
	for (i = 1; i < r->n; i++) {
		if (r->v[i].lo < r->v[k].hi) {
			if (r->v[i].hi > r->v[k].hi)
				r->v[k].hi = r->v[i].hi;
		} else {
			r->v[++k] = r->v[i];
		}
	}
	r->n = k + 1;
}

/* Mach-O: the compact unwind table of bin, or false when it has none. */
static bool unwind_info_of(struct obj *bin, struct unwind_info_input *in)
{
	struct sym_err serr;
	const struct obj_section *s;

	if (bin->format != OBJ_MACHO)
		return false;
	sym_err_clear(&serr);
	s = obj_section(bin, "__TEXT,__unwind_info", &serr);
	if (!s)
		return false;
	memset(in, 0, sizeof(*in));
	in->path = bin->path;
	in->data = s->data;
	in->size = s->size;
	in->machine = bin->machine;
	in->base = bin->load_addr;
	in->text = bin;
	return true;
}

static const char *const cfi_names[] = { ".debug_frame", ".eh_frame" };

/* The input of cfi_write() for cfi_names[i] (0 .debug_frame, 1 .eh_frame):
 * with a separate debug file, .debug_frame comes from it and .eh_frame
 * from the binary (debug files keep only a NOBITS placeholder).  False
 * when there is nothing to read: note holds why when it is worth a
 * warning, else "". */
static bool cfi_input_of(struct obj *bin, struct obj *dbg, size_t i, struct cfi_input *in,
			 struct obj **from, char *note)
{
	struct sym_err serr;
	const struct obj_section *s;
	struct obj *o = bin;

	note[0] = '\0';
	if (dbg && (i == 0 ? obj_has_section_data(dbg, cfi_names[i])
			   : !obj_has_section_data(bin, cfi_names[i])))
		o = dbg;
	if (i == 1 && o->unwind_copies)
		return false;	/* a dSYM's __eh_frame is a copy; the binary's
				 * compact unwind table says which FDEs hold */
	sym_err_clear(&serr);
	s = obj_section(o, cfi_names[i], &serr);
	if (!s) {
		if (serr.code)
			memcpy(note, serr.msg, sizeof(serr.msg));
		return false;
	}
	memset(in, 0, sizeof(*in));
	in->path = o->path;
	in->data = s->data;
	in->size = s->size;
	in->eh = i == 1;
	in->be = o->big_endian;
	in->machine = o->machine;
	in->addr_size = o->is64 ? 8 : 4;
	in->section_addr = s->addr;
	in->text_addr = section_addr(o, ".text");
	in->got_addr = section_addr(o, ".got");
	in->loads = bin->loads;
	in->nloads = bin->nloads;
	*from = o;
	return true;
}

/* STACK CFI from .debug_frame, then .eh_frame, as Breakpad orders them.
 *
 * A Mach-O image with a compact unwind table (__unwind_info) gets its
 * records from the table, and from the __eh_frame FDEs the table sends
 * functions to; other FDEs there are left-overs the linker keeps or, from
 * some linkers, stale copies with unrelocated addresses.  Without the
 * table every FDE is read. */
static enum sym_code read_cfi(struct obj *bin, struct obj *dbg, struct module *m,
			      const struct convert_options *opt, struct sym_err *err)
{
	struct fde_ranges fdes = { NULL, 0, 0 };
	struct unwind_info_input ui;
	struct unwind_table table = { NULL, 0, 0, false };
	uint64_t records = 0, *want = NULL;
	size_t nwant = 0;
	enum sym_code rc = SYM_OK;
	bool compact = unwind_info_of(bin, &ui);
	size_t i;

	if (compact) {
		rc = unwind_info_read(&ui, opt->verbose, &table, err);
		if (rc == SYM_OK && table.usable)
			rc = unwind_info_dwarf_fdes(&ui, &table, &want, &nwant, err);
		if (rc)
			goto out;
		if (!table.usable) {
			/* a damaged table: fall back on every FDE */
			if (opt->verbose)
				fprintf(stderr, "dumpsyms: warning: %s: __unwind_info cannot be read; "
					"every __eh_frame FDE is used\n", bin->path);
			compact = false;
		}
		if (nwant > 1)
			qsort(want, nwant, sizeof(*want), cmp_u64);
	}
	for (i = 0; i < 2; i++) {
		struct cfi_input in;
		struct obj *o;
		char note[sizeof(err->msg)];

		if (!cfi_input_of(bin, dbg, i, &in, &o, note)) {
			if (note[0] && opt->verbose)
				fprintf(stderr, "dumpsyms: warning: %s\n", note);
			continue;
		}
		if (compact) {
			in.on_fde = note_fde;
			in.ctx = &fdes;
			if (in.eh && o == bin) {
				in.only_fdes = true;
				in.fde_offsets = want;
				in.nfde_offsets = nwant;
			}
		}
		rc = cfi_write(&in, m, opt->verbose, &records, err);
		if (rc)
			goto out;
	}
	if (compact) {
		merge_ranges(&fdes);
		ui.skip = fdes.v;
		ui.nskip = fdes.n;
		rc = unwind_info_write(&ui, &table, m, &records, err);
	}
out:
	unwind_info_free(&table);
	free(want);
	vec_free(fdes);
	return rc;
}

/* The module name when the input is itself a separate debug file (no
 * code, only DWARF): "libfoo.so.debug" stands for "libfoo.so"; a build-id
 * name ("cdef....debug") stands for nothing better than itself. */
static const char *debug_only_name(struct obj *o, size_t *len)
{
	const char *b = o->basename;
	size_t n = strlen(b);

	*len = n;
	if (o->own_name) {
		*len = strlen(o->own_name);
		return o->own_name;
	}
	if (n > 6 && strcmp(b + n - 6, ".debug") == 0 && strspn(b, "0123456789abcdef") != n - 6)
		*len = n - 6;
	return b;
}

/* The MiniDebugInfo (.gnu_debugdata) of bin, or NULL; a warning, on the
 * first call, when there is one that cannot be used. */
static struct obj *embedded_symtab(struct obj *bin, const struct convert_options *opt)
{
	struct sym_err e;
	struct obj *mini;

	sym_err_clear(&e);
	mini = obj_embedded(bin, &e);
	if (!mini && e.code && (opt->warn || opt->verbose))
		obj_warn(opt->warnings, "%s; it is ignored: the PUBLIC records come from .dynsym alone", e.msg);
	return mini;
}

/* The sections the readers take, the largest first: .debug_info is read
 * unit by unit as it is decompressed, the others are decompressed whole,
 * by the workers or by the reader that needs one first.  Without a pool
 * (p NULL), only .debug_info: its reader decompresses it a step at a
 * time. */
#define PREFETCH_MAX 11u
static void prefetch(struct obj *bin, struct obj *dbg, bool cfi, struct pool *p)
{
	static const char *const names[PREFETCH_MAX] = {
		".debug_info", ".debug_line", ".debug_abbrev", ".debug_str", ".debug_rnglists",
		".debug_ranges", ".debug_line_str", ".debug_addr", ".debug_str_offsets",
		".debug_frame", ".eh_frame",
	};
	size_t n = sizeof(names) / sizeof(names[0]) - (cfi ? 0 : 2);

	if (dbg)
		obj_prefetch(dbg, p, names, n, ".debug_info");
	/* the binary's .eh_frame (a debug file has a placeholder), and its
	 * DWARF when it has no debug file */
	if (!dbg)
		obj_prefetch(bin, p, names, n, ".debug_info");
	else if (cfi)
		obj_prefetch(bin, p, names + n - 1, 1, NULL);
}

/* Starts reading the STACK CFI on the pool, to go on while the DWARF
 * reader runs, when there is a pool with workers and the CFI is DWARF's
 * own (not PE .pdata, not a Mach-O compact unwind table: read_cfi() reads
 * those after the DWARF).  *out is the job, or NULL when there is none;
 * SYM_ENOMEM when out of memory. */
static enum sym_code cfi_begin(struct obj *bin, struct obj *dbg,
			       const struct convert_options *opt, struct pool *p,
			       struct module *m, struct cfi_job **out, struct sym_err *err)
{
	struct cfi_input in[2];
	char notes[2][sizeof(err->msg)];
	const char *np[2];
	struct unwind_info_input ui;
	size_t i, n = 0;

	*out = NULL;
	if (opt->no_cfi || !pool_workers(p) || bin->ops->unwind || unwind_info_of(bin, &ui))
		return SYM_OK;
	for (i = 0; i < 2; i++) {
		struct obj *o;

		np[n] = NULL;
		if (cfi_input_of(bin, dbg, i, &in[n], &o, notes[n])) {
			n++;
		} else if (notes[n][0] && opt->verbose) {
			/* its warning, in its place among the CFI reader's */
			memset(&in[n], 0, sizeof(in[n]));
			np[n] = notes[n];
			n++;
		}
	}
	*out = cfi_start(p, m, opt->verbose, in, np, n);
	return *out ? SYM_OK : sym_fail(err, SYM_ENOMEM, "out of memory");
}

static enum sym_code convert_dwarf(struct obj *bin, struct obj *dbg,
				   const struct convert_options *opt, struct pool *p,
				   struct module *m, struct sym_err *err);

static enum sym_code convert_obj(struct obj *bin, struct obj *dbg,
				 const struct convert_options *opt,
				 struct module *m, struct sym_err *err)
{
	struct pool *p = NULL;
	enum sym_code rc;

	/* a pool of its own (a reader waits for its streamed section's
	 * task: on a pool shared with other conversions it would wait
	 * behind theirs); no more workers than sections to decompress
	 * (none: this thread alone, which decompresses .debug_info as it
	 * reads it) */
	if (opt->jobs > 1 && !opt->header_only)
		p = pool_create(opt->jobs - 1 < PREFETCH_MAX ? opt->jobs - 1 : PREFETCH_MAX);
	if (!opt->header_only)
		prefetch(bin, dbg, !opt->no_cfi, p);
	rc = convert_dwarf(bin, dbg, opt, p, m, err);
	/* the workers stop before the pool goes, and before the caller
	 * closes the files */
	obj_prefetch_end(bin);
	if (dbg)
		obj_prefetch_end(dbg);
	pool_destroy(p);
	return rc;
}

static enum sym_code convert_dwarf(struct obj *bin, struct obj *dbg,
				   const struct convert_options *opt, struct pool *p,
				   struct module *m, struct sym_err *err)
{
	struct obj *o = dbg ? dbg : bin;	/* where the debug info is */
	const char *path = bin->path;
	enum sym_code rc = SYM_OK;
	struct cfi_job *cj;
	void *uj = NULL;	/* the format's own unwind tables, on the pool */
	uint64_t records = 0;
	struct dwarf_options dopt = { opt->verbose, opt->inlines, opt->debug_dirs,
				      opt->ndebug_dirs, NULL, NULL, opt->breakpad_names,
				      opt->warnings, p };
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
	{
		const char *os = opt->os ? opt->os : obj_os(bin);
		m->os = module_intern(m, os, strlen(os));
	}
	m->arch = bin->arch;
	if (opt->name) {
		m->name = module_intern(m, opt->name, strlen(opt->name));
	} else if (!dbg && !obj_has_section_data(bin, ".text") && obj_has_section_data(bin, ".debug_info")) {
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
	_Static_assert(sizeof(m->debug_id) >= OBJ_DEBUG_ID_SIZE, "module debug id too short");
	obj_debug_id(bin, m->debug_id);
	obj_code_id(bin, m->code_id);
	if (bin->ops->named_code_id) {
		m->code_file = module_intern(m, bin->basename, strlen(bin->basename));
		if (!m->code_file) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
	}
	m->load_addr = opt->keep_addresses ? 0 : bin->load_addr;
	m->header_only = opt->header_only;
	m->multiple = opt->multiple;
	m->breakpad_names = opt->breakpad_names;
	m->no_cfi = opt->no_cfi;
	m->thumb_bit = bin->machine == OBJ_ARCH_ARM;
	m->inline_records = opt->inlines;
	for (i = 0; i < bin->nloads; i++)
		if (module_add_load_range(m, bin->loads[i].lo, bin->loads[i].hi) < 0) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
	if (opt->header_only)
		goto out;
	/* the STACK CFI, on the pool, while the symbols and the DWARF are read */
	rc = cfi_begin(bin, dbg, opt, p, m, &cj, err);
	if (rc)
		goto out;
	/* or the format's own unwind tables (a PE image's .pdata) */
	if (!opt->no_cfi && pool_workers(p) && bin->ops->unwind_start &&
	    !(uj = bin->ops->unwind_start(bin, p, m, opt->verbose))) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	{
		/* the full .symtab lives in the debug file of a stripped binary */
		struct pub_ctx pc = { m, 0 };
		struct obj *so = dbg && obj_has_symtab(dbg) ? dbg : bin;
		/* else .dynsym, with the MiniDebugInfo's symbols when there is one */
		struct obj *mini = obj_has_symtab(so) ? NULL : embedded_symtab(bin, opt);
		obj_symbols(so, add_public, &pc, err);
		if (mini && !pc.failed)
			obj_symbols(mini, add_public, &pc, err);
		if (pc.failed) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		} else if (err->code) {
			if (opt->verbose)
				fprintf(stderr, "dumpsyms: warning: %s\n", err->msg);
			sym_err_clear(err);
		}
	}
	if (rc == SYM_OK)
		rc = dwarf_read(o, m, &dopt, err);
	if (cj) {
		/* read meanwhile on the pool; its warnings come after the
		 * DWARF reader's, as they would without a pool */
		if (rc)
			cfi_cancel(cj);
		else
			rc = cfi_finish(cj, &records, err);
		if (rc)
			goto out;
	} else if (uj) {
		/* read meanwhile on the pool; its warnings after the DWARF
		 * reader's, as below */
		if (rc)
			bin->ops->unwind_cancel(uj);
		else
			rc = bin->ops->unwind_finish(uj, err);
		uj = NULL;
		if (rc)
			goto out;
	} else if (rc) {
		goto out;
	} else if (!opt->no_cfi) {
		/* a format with unwind tables of its own (PE .pdata) */
		rc = bin->ops->unwind ? bin->ops->unwind(bin, m, opt->verbose, err)
				      : read_cfi(bin, dbg, m, opt, err);
		if (rc)
			goto out;
	}
	rc = module_finish(m, err);
out:
	if (uj)
		bin->ops->unwind_cancel(uj);
	return rc;
}

struct slice_ctx {
	struct convert_slice *v;
	size_t max, n;
};

static int collect_slice(void *ctx, size_t index, const char *arch, const char *id)
{
	struct slice_ctx *sc = ctx;

	if (sc->n < sc->max) {
		struct convert_slice *c = &sc->v[sc->n++];

		c->index = index;
		c->usable = id != NULL;
		snprintf(c->arch, sizeof(c->arch), "%s", arch ? arch : "unknown");
		snprintf(c->debug_id, sizeof(c->debug_id), "%s", id ? id : "");
	}
	return 0;
}

/* True when path starts like a PE image, a PDB or a CAB file: the
 * Windows converter reads those. */
static bool is_windows(const char *path)
{
	uint8_t head[4096];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0) {
		n = read(fd, head, sizeof(head));
		close(fd);
	}
	if (n <= 0)
		return false;
	switch (obj_sniff(head, (size_t)n)) {
	case OBJ_KIND_PE: case OBJ_KIND_PDB: case OBJ_KIND_CAB: return true;
	default: return false;
	}
}

enum sym_code convert_slices(const char *path, struct convert_slice *slices, size_t max,
			     size_t *n, struct sym_err *err)
{
	struct slice_ctx sc = { slices, max, 0 };
	char *file = NULL;
	enum sym_code rc = obj_resolve(path, &file, err);

	if (rc == SYM_OK && is_windows(file)) {
		/* a PE image or a PDB is one module */
		char arch[40], id[41];

		rc = convert_win_ident(file, arch, id, err);
		if (rc == SYM_OK)
			collect_slice(&sc, 1, arch, id);
	} else if (rc == SYM_OK) {
		rc = obj_slices(file, collect_slice, &sc, err);
	}
	free(file);
	*n = sc.n;
	return rc;
}

enum sym_code convert_list_arch(const char *path, FILE *out, struct sym_err *err)
{
	struct convert_slice sl[32];
	size_t n = 0, i;
	enum sym_code rc = convert_slices(path, sl, 32, &n, err);

	for (i = 0; rc == SYM_OK && i < n; i++)
		fprintf(out, "%s %s\n", sl[i].arch, sl[i].usable ? sl[i].debug_id : "unreadable");
	return rc;
}

/* The warning for an input without DWARF of its own or from a companion:
 * its .sym can have PUBLIC records only. */
static void warn_no_debug_info(struct obj *o, const struct convert_options *opt)
{
	const char *has = obj_has_symtab(o) ? "only a symbol table"
			  : embedded_symtab(o, opt) ? "only a symbol table, from .gnu_debugdata (MiniDebugInfo)"
			  : "only dynamic symbols";

	if (o->format == OBJ_MACHO)
		obj_warn(opt->warnings, "%s: no debug information (%s, and no usable dSYM found); the .sym will have "
			 "no FUNC or line records: give its dSYM with -g, or put X.dSYM beside it (dsymutil makes one)",
			 o->path, has);
	else
		obj_warn(opt->warnings, "%s: no debug information (%s, and no usable separate debug file found); "
			 "the .sym will have no FUNC or line records: build with -g, or give its debug file "
			 "(-g FILE) or a directory holding it", o->path, has);
}

enum sym_code convert_file(const char *path, const struct convert_options *opt,
			   struct module *m, struct sym_err *err)
{
	struct obj o, dbg;
	bool have_dbg = false;
	char *file = NULL;
	enum sym_code rc = obj_resolve(path, &file, err);

	if (rc)
		return rc;
	if (is_windows(file)) {
		/* a PDB, a CAB, or an image whose debug information is not
		 * DWARF (a PDB's, or none) */
		bool dwarf = false;

		if (obj_open(&o, file, err) == SYM_OK)
			dwarf = obj_has_section_data(&o, ".debug_info");
		obj_close(&o);
		sym_err_clear(err);
		if (!dwarf) {
			rc = convert_win(file, opt, m, err);
			free(file);
			return rc;
		}
	}
	rc = obj_open_pick(&o, file, &(struct obj_pick){ opt->arch, NULL, opt->slice }, err);
	if (rc == SYM_OK &&
	    (opt->dsym || (!opt->header_only && !obj_has_section_data(&o, ".debug_info")))) {
		/* the reader finds the companion: a separate ELF debug file, a
		 * dSYM; one the user named must fit, one found is skipped (a
		 * dSYM with a warning) when it does not */
		struct obj_find f = { opt->dsym, opt->debug_dirs, opt->ndebug_dirs, opt->verbose,
				      opt->warn, opt->warnings };
		struct sym_err e;

		sym_err_clear(&e);
		if (opt->dsym) {
			rc = obj_find_debug(&o, &f, &dbg, err);
			have_dbg = rc == SYM_OK;
		} else {
			enum sym_code frc = obj_find_debug(&o, &f, &dbg, &e);

			have_dbg = frc == SYM_OK;
			if (frc != SYM_OK && frc != SYM_ENOTFOUND)
				obj_warn(opt->warnings, "%s", e.msg);
		}
	}
	if (rc == SYM_OK && opt->warn && !opt->header_only && !have_dbg &&
	    !obj_has_section_data(&o, ".debug_info"))
		warn_no_debug_info(&o, opt);
	if (have_dbg && opt->verbose)
		fprintf(stderr, "dumpsyms: reading debug information from '%s'\n", dbg.path);
	if (rc == SYM_OK)
		rc = convert_obj(&o, have_dbg ? &dbg : NULL, opt, m, err);
	if (have_dbg)
		obj_close(&dbg);
	obj_close(&o);
	free(file);
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
