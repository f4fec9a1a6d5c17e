/* module.h - the in-memory model of one .sym file.
 *
 * Readers add functions, lines and public symbols in any order;
 * module_finish() sorts, de-duplicates and clips them; module_write() emits
 * the Breakpad text.  All strings live in the module's arena (interned in
 * its pool, so equal strings are equal pointers).
 */
#ifndef SYM_MODULE_H
#define SYM_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"
#include "outbuf.h"
#include "vec.h"

struct mod_line {
	uint64_t addr;
	uint64_t size;
	const char *file;	/* interned path */
	uint32_t line;
};

/* One FUNC record: one contiguous range of a function.  A function with
 * several ranges becomes several mod_funcs with the same name. */
struct mod_func {
	uint64_t addr;
	uint64_t size;
	const char *name;	/* interned */
	size_t line0, nlines;	/* slice of module.lines */
	uint64_t group;		/* function this range belongs to */
	uint64_t faddr;		/* address of the function's first range */
	bool multiple;		/* 'm': several names for this code */
	bool dropped;
};

struct mod_range {
	uint64_t lo, hi;
};

struct mod_public {
	uint64_t addr;
	const char *name;
	bool multiple;
	bool dropped;
};

struct module {
	struct arena arena;
	struct strpool pool;

	const char *name;	/* MODULE name */
	const char *os;
	const char *arch;
	char debug_id[34];
	char code_id[129];
	uint64_t load_addr;	/* subtracted from every address on output */
	bool header_only;	/* -i: MODULE and INFO only */
	bool multiple;		/* -m: mark folded code with 'm' */
	bool no_cfi;
	uint64_t ngroups;

	VEC(struct mod_func) funcs;
	VEC(struct mod_line) lines;
	VEC(struct mod_public) publics;
	/* PT_LOAD ranges relative to the load address; functions and publics
	 * outside all of them are dropped (as Breakpad does). */
	VEC(struct mod_range) ranges;
};

void module_init(struct module *m);
void module_release(struct module *m);

/* Interns s[0..n) in the module's pool; NULL when out of memory. */
const char *module_intern(struct module *m, const char *s, size_t n);

/* Adds one function with its ranges (link-time addresses) and its lines
 * (sorted by address, each inside one of the ranges).  Like Breakpad, a
 * function whose first range lies outside every PT_LOAD segment is
 * dropped; *index receives an id usable with module_rename_func(), or
 * SIZE_MAX when the function was dropped.  Returns 0 or -1 (no memory). */
int module_add_func_ranges(struct module *m, const void *ranges, size_t nranges,
			   const char *name, const struct mod_line *lines,
			   size_t nlines, size_t *index);
/* Renames every range of the function added as index. */
void module_rename_func(struct module *m, size_t index, const char *name);
/* Adds a PUBLIC symbol (link-time address); the first name at an address
 * wins.  Returns 0 or -1. */
int module_add_public(struct module *m, uint64_t addr, const char *name);
int module_add_range(struct module *m, uint64_t lo, uint64_t hi);

/* Sorts and cleans the model; after it the slices in mod_func are valid. */
enum sym_code module_finish(struct module *m, struct sym_err *err);

/* Writes the module as Breakpad text. */
void module_write(const struct module *m, struct outbuf *out);

#endif
