/* pdb_int.h - what the parts of the PDB reader (pdb.c, pdb_mod.c) share.
 * Not a public interface: see pdb.h. */
#ifndef SYM_PDB_INT_H
#define SYM_PDB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "module.h"
#include "pdb.h"
#include "pdb_msf.h"
#include "pdb_omap.h"
#include "pdb_types.h"

#define PDB_NO_STREAM UINT32_MAX


struct pdb {
	const char *path;		/* owned copy */
	struct pdb_msf msf;
	uint8_t guid[16];
	uint32_t info_age, dbi_age;
	bool has_dbi;
	bool fastlink;			/* the "MINI" feature: /DEBUG:FASTLINK */
	uint32_t names_stream;		/* "/names", or PDB_NO_STREAM */
	struct pdb_stream dbi_stream;	/* the DBI stream; released by pdb_close() */
	const uint8_t *dbi;		/* its bytes */
	size_t dbi_len;
	uint16_t machine;
	uint16_t sym_record_stream;
	size_t modi_off, modi_len;	/* substreams of dbi */
	size_t secmap_off, secmap_len;
	size_t opt_off, opt_len;
};

/* one public's parameter size, from its decoration (x86) */
struct pdb_param {
	uint32_t rva;			/* original RVA */
	uint32_t size;
};

/* one PUBLIC, kept until the FUNCs are known */
struct pdb_pub {
	uint32_t rva;			/* original RVA */
	uint32_t params;
	uint32_t to;			/* mapped RVA (pdb_add_publics) */
	bool mapped;			/* false: OMAP drops it */
	const char *name;		/* as printed (msvc_public_name); interned */
	const char *decorated;		/* as in the PDB; interned */
};

/* The state of one pdb_read(). */
struct pdb_ctx {
	struct pdb *p;
	struct module *m;
	const struct pdb_read_options *opt;
	const char *path;
	bool x86;
	bool nomem;			/* set when an allocation failed */
	FILE *warn_to;			/* pdb_warn()'s stream; NULL: stderr */
	struct pdb_section *secs;	/* section headers of the PDB's address space; owned */
	size_t nsecs;
	struct pdb_stream names_stream;	/* "/names"; released at the end of pdb_read() */
	const char *names;		/* its string buffer, inside names_stream */
	size_t names_len;
	struct pdb_types *types;
	struct pdb_omap *omap;		/* NULL without OMAP */
	struct pdb_param *params;	/* sorted by rva; owned */
	size_t nparams;
	struct pdb_pub *pubs;		/* owned; by original RVA until pdb_add_publics() */
	size_t npubs;
	size_t pubs_by_rva;		/* == npubs while pubs are sorted by original RVA */
	struct {			/* inlinee id -> origin index + 1 */
		uint32_t *keys, *vals;
		size_t n, cap;
	} origins;
	struct {			/* FUNC start -> group index + 1 */
		uint64_t *keys;
		size_t *vals;
		size_t n, cap;
	} starts;
};

/* A warning on stderr (or c->warn_to) when verbose. */
void pdb_warn(const struct pdb_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The RVA of CodeView address seg:off (1-based section); false when the
 * section is unknown or the sum overflows. */
bool pdb_rva(const struct pdb_ctx *c, uint16_t seg, uint32_t off, uint32_t *rva);

/* Mapped pieces of an original range: identity without OMAP.  Returns 0
 * or -1 (no memory). */
struct pdb_piece {
	uint32_t lo, hi;
};
int pdb_map_range(const struct pdb_ctx *c, uint32_t rva, uint32_t len,
		  struct pdb_piece **v, size_t *n, size_t *cap);

/* The parameter size of the decorated public at original rva, or 0. */
uint32_t pdb_param_size(const struct pdb_ctx *c, uint32_t rva);

/* The FUNC name of a procedure with C linkage, or NULL when it has none.
 * A procedure has C linkage when a public not decorated as C++ ('?') at
 * its original rva names it: the public's decorated name is the
 * procedure's raw name (as its S_*PROC32 record gives it, "__SEH_prolog4",
 * "@_EH4_LocalUnwind@16") or its undecoration is the plain name ("main",
 * public "_main").  Its FUNC name is then, as Breakpad prints it, the
 * undecorated public ("_SEH_prolog4") on x86, and plain, the symbol's real
 * name, elsewhere ("_errno" on x64, where C names are not decorated; Breakpad
 * prints "errno").  Procedures without such a public (C++ functions, static
 * functions of any language) have their argument list added instead. */
const char *pdb_c_name(const struct pdb_ctx *c, uint32_t rva, const char *raw, const char *plain);

/* What a module stream adds to the module: its files, FUNCs, lines and
 * inlines, read apart from the module (pdb_mod.c). */
struct pdb_modlog;
struct pdb_modlog *pdb_modlog_new(void);	/* NULL when out of memory */
void pdb_modlog_free(struct pdb_modlog *l);

/* Reads one module stream into log (emptied first).  It changes nothing
 * of c but c->nomem, and reads only what pdb_read() no longer changes
 * while modules are read, so streams can be read on several threads, each
 * with a copy of c (warnings go to c->warn_to).  Damage is skipped with a
 * warning; returns SYM_ENOMEM or SYM_OK. */
enum sym_code pdb_mod_read(struct pdb_ctx *c, uint32_t stream, const char *modname,
			   uint32_t sym_bytes, uint32_t c11_bytes, uint32_t c13_bytes,
			   struct pdb_modlog *log, struct sym_err *err);
/* Adds a log to c->m and empties it: the modules' logs in module order,
 * one at a time.  SYM_ENOMEM or SYM_OK. */
enum sym_code pdb_mod_apply(struct pdb_ctx *c, struct pdb_modlog *log, struct sym_err *err);

#endif
