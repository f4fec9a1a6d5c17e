/* convert_win.c - Windows inputs: a PE image, a PDB, or both, to one module.
 *
 * A PDB alone gives FUNC, line, INLINE, PUBLIC and STACK WIN records; the
 * PE image gives the code id, the x64 / arm64 STACK CFI and, without any
 * PDB, MODULE, INFO, PUBLIC (its exports) and STACK CFI, as Breakpad's
 * dump_syms does for an image whose PDB is gone.  The two are paired by the
 * GUID and age of the image's CodeView record: a PDB of another build is
 * refused when it was named, and passed over when it was only found.
 * Symbol-server files compressed as CAB (foo.pd_, foo.dl_) are expanded in
 * memory first.
 */
#include "config.h"
#include "convert_win.h"
#include "obj.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msvc_demangle.h"
#include "pdb.h"
#include "pe.h"
#include "pool.h"

/* A CAB member larger than this is refused rather than expanded. */
#define CAB_MAX_MEMBER ((size_t)4 << 30)

/* One input file in memory: mapped, or expanded from a CAB. */
struct win_file {
	char *path;
	char *name;		/* the file's own name: the CAB member's, else
				 * the last component of path */
	const uint8_t *data;
	size_t size;
	void *map;		/* munmap(map, size) when set */
	uint8_t *heap;		/* free() when set */
};

static void win_file_close(struct win_file *f)
{
	if (f->map)
		munmap(f->map, f->size);
	free(f->heap);
	free(f->path);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

static bool is_cab(const uint8_t *p, size_t n)
{
	return n >= 4 && memcmp(p, "MSCF", 4) == 0;
}

/* The only member of the CAB file f, expanded into f itself. */
static enum sym_code cab_expand(struct win_file *f, struct sym_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	enum sym_code rc = SYM_OK;
	int r;

	if (!a)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	archive_read_support_format_cab(a);
	if (archive_read_open_memory(a, f->data, f->size) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		rc = sym_fail(err, SYM_EFORMAT, "cannot read the CAB file '%s': %s", f->path,
			      archive_error_string(a) ? archive_error_string(a) : "no member");
		goto out;
	}
	for (;;) {
		ssize_t got;

		if (cap - len < 65536) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			uint8_t *nb;

			if (ncap > CAB_MAX_MEMBER) {
				rc = sym_fail(err, SYM_ELIMIT, "'%s': the CAB member is larger than %zu bytes",
					      f->path, CAB_MAX_MEMBER);
				goto out;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				rc = sym_fail(err, SYM_ENOMEM, "out of memory");
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		got = archive_read_data(a, buf + len, cap - len);
		if (got < 0) {
			rc = sym_fail(err, SYM_EFORMAT, "cannot expand the CAB file '%s': %s", f->path,
				      archive_error_string(a) ? archive_error_string(a) : "damaged");
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	{
		const char *mn = archive_entry_pathname(e);
		char *nn = mn && *pe_basename(mn) ? strdup(pe_basename(mn)) : NULL;

		if (nn) {
			free(f->name);
			f->name = nn;
		}
	}
	r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_OK) {
		rc = sym_fail(err, SYM_EUNSUP, "the CAB file '%s' holds more than one file", f->path);
		goto out;
	}
	if (f->map)
		munmap(f->map, f->size);
	free(f->heap);
	f->map = NULL;
	f->heap = buf;
	f->data = buf;
	f->size = len;
	buf = NULL;
out:
	free(buf);
	archive_read_free(a);
	return rc;
}

static enum sym_code win_file_open(struct win_file *f, const char *path, struct sym_err *err)
{
	struct stat st;
	enum sym_code rc = SYM_OK;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->name = strdup(pe_basename(path));
	if (!f->path || !f->name) {
		win_file_close(f);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = sym_fail(err, SYM_EIO, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		rc = sym_fail(err, SYM_EFORMAT, "'%s' is %s", path,
			      S_ISREG(st.st_mode) ? "empty" : "not a regular file");
		goto out;
	}
	f->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		rc = sym_fail(err, SYM_EIO, "cannot map '%s': %s", path, strerror(errno));
		goto out;
	}
	f->data = f->map;
	f->size = (size_t)st.st_size;
	if (is_cab(f->data, f->size))
		rc = cab_expand(f, err);
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		win_file_close(f);
	return rc;
}

static void guid_id(const uint8_t g[16], uint32_t age, char out[41])
{
	snprintf(out, 41, "%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%X",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15], age);
}

/* The debug id a PE's CodeView record names; false when it has none. */
static bool pe_debug_id(const struct pe_image *pe, char out[41])
{
	if (!pe->has_codeview)
		return false;
	if (pe->nb10)
		snprintf(out, 41, "%08X%x", pe->nb10_signature, pe->age);
	else
		guid_id(pe->guid, pe->age, out);
	return true;
}

static void pdb_debug_id(const struct pdb *p, char out[41])
{
	uint8_t g[16];
	uint32_t age;

	pdb_ident(p, g, &age);
	guid_id(g, age, out);
}

/* The state of one conversion. */
struct win {
	const struct convert_options *opt;
	struct win_file pe_file, pdb_file;
	struct pe_image pe;
	bool have_pe;
	struct pdb *pdb;
	bool pdb_seen;		/* pe_find_pdb() offered a file, usable or not */
};

/* Opens path as the PDB of the image (or of nothing, when !w->have_pe). */
static enum sym_code open_pdb(struct win *w, const char *path, struct sym_err *err)
{
	enum sym_code rc = win_file_open(&w->pdb_file, path, err);

	if (rc == SYM_OK && !pdb_is_pdb(w->pdb_file.data, w->pdb_file.size))
		rc = sym_fail(err, SYM_EFORMAT, "'%s' is not a PDB file", path);
	if (rc == SYM_OK)
		rc = pdb_open(&w->pdb, path, w->pdb_file.data, w->pdb_file.size, err);
	if (rc) {
		win_file_close(&w->pdb_file);
		w->pdb = NULL;
	}
	return rc;
}

/* True when the open PDB is the one the image names. */
static bool pdb_matches(struct win *w, char want[41], char got[41])
{
	if (!pe_debug_id(&w->pe, want))
		return true;	/* an image without CodeView names no PDB */
	pdb_debug_id(w->pdb, got);
	return strcasecmp(want, got) == 0;
}

static void close_pdb(struct win *w)
{
	pdb_close(w->pdb);
	w->pdb = NULL;
	win_file_close(&w->pdb_file);
}

/* Tries path as the image's PDB; a PDB of another build is passed over
 * with a warning. */
static bool try_pdb(struct win *w, const char *path)
{
	char want[41], got[41];
	struct sym_err e;

	if (access(path, R_OK) != 0)
		return false;
	w->pdb_seen = true;
	sym_err_clear(&e);
	if (open_pdb(w, path, &e) != SYM_OK) {
		obj_warn(w->opt->warnings, "%s", e.msg);
		return false;
	}
	if (!pdb_matches(w, want, got)) {
		obj_warn(w->opt->warnings, "'%s' (debug id %s) is not the PDB of '%s' (debug id %s)",
			 path, got, w->pe.path, want);
		close_pdb(w);
		return false;
	}
	return true;
}

static bool try_found(void *ctx, const char *path)
{
	return try_pdb(ctx, path);
}

/* The image beside a PDB (foo.pdb -> foo.exe, foo.dll), used only when
 * it names this PDB. */
static void find_image(struct win *w, const char *pdb_path)
{
	static const char *const ext[] = { "exe", "dll", "sys" };
	char cand[4200], want[41], got[41];
	const char *dot = strrchr(pdb_path, '.');
	size_t stem = dot && !strchr(dot, '/') ? (size_t)(dot - pdb_path) : strlen(pdb_path);
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		struct sym_err e;

		if ((size_t)snprintf(cand, sizeof(cand), "%.*s.%s", (int)stem, pdb_path, ext[i]) >=
		    sizeof(cand) || access(cand, R_OK) != 0)
			continue;
		sym_err_clear(&e);
		if (win_file_open(&w->pe_file, cand, &e) != SYM_OK)
			continue;
		if (!pe_is_pe(w->pe_file.data, w->pe_file.size) ||
		    pe_parse(&w->pe, cand, w->pe_file.data, w->pe_file.size, &e) != SYM_OK) {
			win_file_close(&w->pe_file);
			continue;
		}
		w->have_pe = true;
		if (pe_debug_id(&w->pe, want) && pdb_matches(w, want, got))
			return;
		pe_free(&w->pe);
		win_file_close(&w->pe_file);
		w->have_pe = false;
	}
}

struct export_ctx {
	struct module *m;
	int failed;
};

static int add_export(void *ctx, uint32_t rva, const char *name)
{
	struct export_ctx *x = ctx;
	uint32_t params = 0;
	char *u = msvc_public_name(name, &params);
	const char *in = u ? module_intern(x->m, u, strlen(u)) : NULL;

	free(u);
	if (!in || module_add_public_params(x->m, rva, in, params) < 0) {
		x->failed = 1;
		return 1;
	}
	return 0;
}

static enum sym_code fill(struct win *w, struct module *m, struct sym_err *err)
{
	const struct convert_options *opt = w->opt;
	const char *name, *arch;
	struct pdb_section *secs = NULL;
	struct pool *pool = NULL;
	struct pe_unwind_job *uj = NULL;
	enum sym_code rc = SYM_OK;

	/* MODULE: the PDB the image names, else the PDB read */
	if (w->have_pe && w->pe.pdb_path && *pe_basename(w->pe.pdb_path))
		name = pe_basename(w->pe.pdb_path);
	else if (w->pdb)
		name = w->pdb_file.name;
	else
		name = w->pe_file.name;
	if (opt->name)
		name = opt->name;
	arch = w->pdb ? pdb_arch(w->pdb) : NULL;
	if (!arch && w->have_pe)
		arch = pe_arch(&w->pe);
	if (!arch)
		arch = "unknown";
	m->name = module_intern(m, name, strlen(name));
	m->os = module_intern(m, opt->os ? opt->os : "windows", strlen(opt->os ? opt->os : "windows"));
	m->arch = module_intern(m, arch, strlen(arch));
	if (!m->name || !m->os || !m->arch)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	if (w->pdb) {
		pdb_debug_id(w->pdb, m->debug_id);
	} else if (!pe_debug_id(&w->pe, m->debug_id)) {
		return sym_fail(err, SYM_EFORMAT,
				"'%s' has no CodeView debug-directory entry to identify it", w->pe_file.path);
	}
	if (w->have_pe) {
		const char *cf = w->pe_file.name;

		snprintf(m->code_id, sizeof(m->code_id), "%08X%X", w->pe.timestamp, w->pe.size_of_image);
		m->code_file = module_intern(m, cf, strlen(cf));
		if (!m->code_file)
			return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	m->load_addr = 0;
	m->header_only = opt->header_only;
	m->multiple = opt->multiple;
	m->no_cfi = opt->no_cfi;
	m->inline_records = opt->inlines;
	if (opt->header_only)
		return SYM_OK;

	/* a pool of this conversion's own, as the ELF reader's: the STACK CFI
	 * of the image is read on it while the PDB's module streams are (on
	 * it too); without one (-j 1, or no memory for it) both are read on
	 * this thread, one after the other */
	if (opt->jobs > 1)
		pool = pool_create(opt->jobs - 1);
	if (pool && w->have_pe && !opt->no_cfi)
		uj = pe_unwind_start(pool, &w->pe, m, opt->verbose);
	if (w->pdb) {
		struct pdb_read_options po = { opt->inlines, opt->verbose, NULL, 0, NULL };

		if (w->have_pe && w->pe.nsections) {
			size_t i;

			secs = calloc(w->pe.nsections, sizeof(*secs));
			if (!secs) {
				rc = sym_fail(err, SYM_ENOMEM, "out of memory");
				goto out;
			}
			for (i = 0; i < w->pe.nsections; i++) {
				memcpy(secs[i].name, w->pe.sections[i].name, sizeof(secs[i].name));
				secs[i].va = w->pe.sections[i].va;
				secs[i].vsize = w->pe.sections[i].vsize;
				secs[i].characteristics = w->pe.sections[i].characteristics;
			}
			po.pe_sections = secs;
			po.npe_sections = w->pe.nsections;
		}
		pdb_set_file_mapped(w->pdb, w->pdb_file.map != NULL);
		po.pool = pool;
		rc = pdb_read(w->pdb, m, &po, err);
		if (rc)
			goto out;
	} else {
		struct export_ctx x = { m, 0 };

		pe_exports(&w->pe, opt->verbose, add_export, &x);
		if (x.failed) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (w->have_pe && !opt->no_cfi) {
		/* its warnings after the PDB's, as when read here */
		if (uj) {
			rc = pe_unwind_finish(uj, err);
			uj = NULL;
		} else {
			rc = pe_unwind_read(&w->pe, m, opt->verbose, err);
		}
		if (rc)
			goto out;
	}
	rc = module_finish(m, err);
out:
	pe_unwind_cancel(uj);
	pool_destroy(pool);
	free(secs);
	return rc;
}

enum sym_code convert_win_ident(const char *path, char arch[40], char debug_id[41],
				struct sym_err *err)
{
	struct win_file f;
	enum sym_code rc = win_file_open(&f, path, err);

	if (rc)
		return rc;
	if (pdb_is_pdb(f.data, f.size)) {
		struct pdb *p = NULL;

		rc = pdb_open(&p, path, f.data, f.size, err);
		if (rc == SYM_OK) {
			snprintf(arch, 40, "%s", pdb_arch(p) ? pdb_arch(p) : "unknown");
			pdb_debug_id(p, debug_id);
		}
		pdb_close(p);
	} else if (pe_is_pe(f.data, f.size)) {
		struct pe_image pe;

		rc = pe_parse(&pe, path, f.data, f.size, err);
		if (rc == SYM_OK) {
			snprintf(arch, 40, "%s", pe_arch(&pe) ? pe_arch(&pe) : "unknown");
			if (!pe_debug_id(&pe, debug_id))
				rc = sym_fail(err, SYM_EFORMAT,
					      "'%s' has no CodeView debug-directory entry to identify it", path);
			pe_free(&pe);
		}
	} else {
		rc = sym_fail(err, SYM_EFORMAT, "'%s' is neither a PE image nor a PDB file", path);
	}
	win_file_close(&f);
	return rc;
}

enum sym_code convert_win(const char *path, const struct convert_options *opt,
			  struct module *m, struct sym_err *err)
{
	struct win w;
	struct win_file first;
	enum sym_code rc;

	memset(&w, 0, sizeof(w));
	w.opt = opt;
	rc = win_file_open(&first, path, err);
	if (rc)
		return rc;
	if (pdb_is_pdb(first.data, first.size)) {
		if (opt->dsym) {
			rc = sym_fail(err, SYM_EUSAGE, "give the image first, then its PDB: dumpsyms '%s' '%s'",
				      opt->dsym, path);
			win_file_close(&first);
			goto out;
		}
		w.pdb_file = first;
		rc = pdb_open(&w.pdb, path, w.pdb_file.data, w.pdb_file.size, err);
		if (rc)
			goto out;
		find_image(&w, path);
	} else if (pe_is_pe(first.data, first.size)) {
		w.pe_file = first;
		rc = pe_parse(&w.pe, path, w.pe_file.data, w.pe_file.size, err);
		if (rc)
			goto out;
		w.have_pe = true;
		if (opt->dsym) {
			char want[41], got[41];

			rc = open_pdb(&w, opt->dsym, err);
			if (rc)
				goto out;
			if (!pdb_matches(&w, want, got)) {
				rc = sym_fail(err, SYM_EFORMAT,
					      "'%s' (debug id %s) is not the PDB of '%s' (debug id %s)",
					      opt->dsym, got, path, want);
				goto out;
			}
		} else if (!opt->header_only) {
			pe_find_pdb(&w.pe, w.pe_file.path, opt->debug_dirs, opt->ndebug_dirs,
				    try_found, &w);
			if (!w.pdb && opt->warn) {
				const char *cv = w.pe.pdb_path;

				obj_warn(opt->warnings, "%s: no debug information: its PDB%s%s%s %s%s; "
					 "the .sym will have only its exports (PUBLIC) and STACK CFI: give the PDB "
					 "as the second argument, or a directory holding it",
					 path, cv ? " '" : "", cv ? pe_basename(cv) : "", cv ? "'" : "",
					 w.pdb_seen ? "cannot be used (see above)" : "is not beside it",
					 opt->ndebug_dirs && !w.pdb_seen ? " nor in the debug directories" : "");
			}
		}
	} else {
		win_file_close(&first);
		rc = sym_fail(err, SYM_EFORMAT, "'%s' is neither a PE image nor a PDB file", path);
		goto out;
	}
	if (w.pdb && w.have_pe && opt->verbose)
		fprintf(stderr, "dumpsyms: reading '%s' with '%s'\n", w.pe_file.path, w.pdb_file.path);
	rc = fill(&w, m, err);
out:
	pdb_close(w.pdb);
	if (w.have_pe)
		pe_free(&w.pe);
	win_file_close(&w.pdb_file);
	win_file_close(&w.pe_file);
	return rc;
}
