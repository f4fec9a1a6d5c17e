/* module.h - the in-memory model of one .sym file.
 *
 * Readers add functions (each a group of address ranges), the lines of
 * each range, and public symbols in any order; module_finish() sorts,
 * de-duplicates and clips them; module_write() emits the Breakpad text.
 * All strings live in the module's arena, interned in its pool, so equal
 * strings are equal pointers.  Addresses are link-time addresses until
 * written, when load_addr is subtracted.
 */
#ifndef SYM_MODULE_H
#define SYM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "err.h"
#include "outbuf.h"
#include "vec.h"

/* One line record; 20 bytes, the bulk of a module's memory. */
struct mod_line {
	uint64_t addr;
	uint32_t size;
	uint32_t line;
	uint32_t file;		/* index into module.files */
} __attribute__((packed, aligned(4)));

/* One function: its name and the address of its first range. */
struct mod_group {
	const char *name;	/* interned */
	uint64_t faddr;
	size_t inl0, ninl;	/* its inlines, DFS pre-order: slice of module.inlines */
	uint32_t param_size;	/* x86 Windows: bytes of stack arguments */
	bool multiple;		/* 'm': several names for this code */
	bool dropped;
};

/* One inlined call (an INLINE record before clipping to FUNC ranges). */
struct mod_inline {
	uint32_t nest;		/* 0: inlined into the function itself */
	uint32_t call_line;
	uint32_t call_file;	/* index into module.files */
	uint32_t origin;	/* index into module.origins */
	size_t r0;		/* slice of module.inl_ranges */
	uint32_t nr;
};

/* One FUNC record: one contiguous range of a function. */
struct mod_func {
	uint64_t addr;
	uint64_t size;
	size_t line0, nlines;	/* slice of module.lines */
	uint32_t group;
	bool dropped;
};

struct mod_public {
	uint64_t addr;
	const char *name;
	uint32_t param_size;
	bool multiple;
	bool dropped;
	bool global;		/* ELF STB_GLOBAL, Mach-O N_EXT */
	uint64_t size;		/* the symbol's size; 0 when unknown */
};

struct mod_range {
	uint64_t lo, hi;
};

/* One STACK WIN record (32-bit x86 Windows: FPO and FrameData). */
struct mod_stack_win {
	uint64_t addr;		/* link-time address; load_addr is subtracted on output */
	uint32_t size, prolog, epilog, params, saved_regs, locals, max_stack;
	uint8_t type;		/* 0 FPO, 4 FrameData */
	bool has_program;
	bool allocates_bp;	/* written in place of the program when !has_program */
	const char *program;	/* when has_program: interned by module_add_stack_win() */
};

struct module {
	struct arena arena;
	struct strpool pool;

	const char *name;	/* MODULE name */
	const char *os;
	const char *arch;
	char debug_id[41];	/* 32 hex digits + an age of up to 8 */
	char code_id[129];
	const char *code_file;	/* when set, written after the code id (Windows:
				 * the PE's name); interned */
	uint64_t load_addr;	/* subtracted from every address on output */
	bool header_only;	/* -i: MODULE and INFO only */
	bool multiple;		/* -m: mark folded code with 'm' */
	bool breakpad_names;	/* --breakpad-names: names have no unnamed
				 * scopes to see past (module_finish) */
	bool no_cfi;

	VEC(const char *) files;	/* interned paths, by file index */
	struct {			/* path pointer -> index + 1 */
		const char **keys;
		uint32_t *vals;
		size_t cap;
	} file_index;
	VEC(struct mod_group) groups;
	VEC(struct mod_func) funcs;
	VEC(struct mod_line) lines;
	VEC(struct mod_public) publics;
	uint32_t *pub_order;		/* module_public_*: publics by address */
	size_t npub_order;
	bool thumb_bit;			/* 32-bit ARM: bit 0 of a function
					 * symbol's value marks Thumb code; the
					 * lookups ignore it */
	VEC(struct mod_inline) inlines;
	VEC(struct mod_range) inl_ranges;
	VEC(const char *) origins;	/* interned names, "<name omitted>" until named */
	bool inline_records;		/* -d */
	/* PT_LOAD ranges; functions and publics outside all of them are
	 * dropped (as Breakpad does). */
	VEC(struct mod_range) ranges;
	VEC(struct mod_stack_win) stack_win;

	/* STACK CFI text, written to a temporary file (by the CFI reader,
	 * or through module_cfi_init() / module_cfi_row()) and copied behind
	 * the other records by module_write() */
	FILE *cfi;
};

void module_init(struct module *m);
void module_release(struct module *m);

/* Interns s[0..n) in the module's pool; NULL when out of memory. */
const char *module_intern(struct module *m, const char *s, size_t n);

/* The index of an interned path in the file table, adding it when new;
 * UINT32_MAX when out of memory. */
uint32_t module_file(struct module *m, const char *interned_path);

/* Adds a function named name (interned) whose first range starts at
 * faddr.  Like Breakpad, a function starting outside every PT_LOAD segment
 * is not added: the result is then SIZE_MAX, else the group index.  On out
 * of memory returns SIZE_MAX - 1. */
size_t module_add_group(struct module *m, const char *name, uint64_t faddr);
void module_rename_group(struct module *m, size_t group, const char *name);

/* Starts a FUNC range [lo, hi) of group; the lines added next are its
 * lines, in ascending address order.  Returns 0 or -1 (no memory). */
int module_open_range(struct module *m, size_t group, uint64_t lo, uint64_t hi);
int module_add_line(struct module *m, uint64_t addr, uint64_t size,
		    uint32_t line, uint32_t file);

/* A new inline origin (named "<name omitted>" until module_name_origin());
 * UINT32_MAX when out of memory. */
uint32_t module_add_origin(struct module *m);
void module_name_origin(struct module *m, uint32_t origin, const char *interned_name);
/* Appends an inline to the group most recently given lines or ranges; all
 * of a group's inlines must be added together, in DFS pre-order.  0 or -1. */
int module_add_inline(struct module *m, size_t group, uint32_t nest, uint32_t call_line,
		      uint32_t call_file, uint32_t origin, const struct mod_range *r, size_t nr);

/* The parameter size written in a group's FUNC records (x86 Windows
 * functions that pop their arguments; 0 by default). */
void module_set_group_params(struct module *m, size_t group, uint32_t param_size);

/* Adds a PUBLIC symbol; the first name at an address wins.  0 or -1. */
int module_add_public(struct module *m, uint64_t addr, const char *name);
/* The same with a parameter size. */
int module_add_public_params(struct module *m, uint64_t addr, const char *name,
			     uint32_t param_size);

/* The same with the symbol's size (0: unknown) and binding. */
int module_add_public_sym(struct module *m, uint64_t addr, uint64_t size, bool global,
			  const char *name);

/* Lookups in the publics added so far (an index by address is built on
 * the first call and rebuilt when publics were added since).  The index
 * of the first public at addr in address order, those at one address in
 * the order added, or SIZE_MAX when none is there (or out of memory);
 * the next ones at addr follow it in module_public_next(). */
size_t module_public_at(struct module *m, uint64_t addr);
size_t module_public_next(const struct module *m, size_t i, uint64_t addr);
/* The first public, in the order added, among those at the highest
 * address not above addr whose size reaches past addr; SIZE_MAX when
 * none. */
size_t module_public_covering(struct module *m, uint64_t addr);
/* The public at position k of those lookups. */
static inline const struct mod_public *module_public_get(const struct module *m, size_t k)
{
	return &m->publics.v[m->pub_order[k]];
}
/* A public's address as the lookups see it (Thumb bit cleared). */
static inline uint64_t module_public_addr(const struct module *m, const struct mod_public *p)
{
	return m->thumb_bit ? p->addr & ~(uint64_t)1 : p->addr;
}
/* The lowest address of a public above addr; UINT64_MAX when none. */
uint64_t module_public_above(struct module *m, uint64_t addr);

/* Adds a STACK WIN record; w->program (when has_program) is copied.
 * Records are written in address order, those at one address in the order
 * added, after FUNC and PUBLIC and before STACK CFI.  0 or -1 (no memory). */
int module_add_stack_win(struct module *m, const struct mod_stack_win *w);

/* STACK CFI records for unwind readers other than cfi.c: an INIT record
 * for the range [addr, addr + size) with its rules, then rows that change
 * rules from addr on, written in the order given ("STACK CFI INIT <addr>
 * <size> <rules>", "STACK CFI <addr> <rules>").  Addresses are link-time;
 * load_addr is subtracted.  0, or -1 when the temporary file cannot be
 * created or written (errno set). */
int module_cfi_init(struct module *m, uint64_t addr, uint64_t size, const char *rules);
int module_cfi_row(struct module *m, uint64_t addr, const char *rules);
/* The same record written to f instead ("STACK CFI INIT ..." when init),
 * load_addr subtracted from addr: for a reader that makes records on
 * another thread and hands them over with module_cfi_append(). */
int module_cfi_put(FILE *f, uint64_t load_addr, bool init, uint64_t addr, uint64_t size,
		   const char *rules);
/* Appends n bytes of records made by module_cfi_put() behind those added
 * so far.  0, or -1 as module_cfi_init(). */
int module_cfi_append(struct module *m, const char *text, size_t n);
int module_add_load_range(struct module *m, uint64_t lo, uint64_t hi);

/* Sorts and cleans the model. */
enum sym_code module_finish(struct module *m, struct sym_err *err);

/* Writes the module as Breakpad text. */
void module_write(const struct module *m, struct outbuf *out);

#endif
