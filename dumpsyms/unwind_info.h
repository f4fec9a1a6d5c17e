/* unwind_info.h - STACK CFI records from a Mach-O __unwind_info (compact
 * unwind) table, for the functions no DWARF FDE describes. */
#ifndef SYM_UNWIND_INFO_H
#define SYM_UNWIND_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "obj.h"

struct unwind_info_input {
	const char *path;		/* for messages */
	const uint8_t *data;		/* __TEXT,__unwind_info */
	size_t size;
	enum obj_arch machine;		/* OBJ_ARCH_X86_64, _X86 or _ARM64 */
	uint64_t base;			/* __TEXT vmaddr: table offsets count from it */
	struct obj *text;		/* where mode-3 stack sizes are read */
	const struct obj_range *skip;	/* sorted, disjoint: ranges an FDE covers */
	size_t nskip;
};

/* The table, read once: its entries sorted by function offset (private to
 * unwind_info.c), the end of the last function, and whether the header
 * and index could be read at all. */
struct unwind_table {
	struct entry *v;
	size_t n;
	uint32_t end;
	bool usable;
};

/* Reads in's table into t (released with unwind_info_free()).  Malformed
 * pages and entries are skipped, with a warning when warn is set; fails
 * only on SYM_ENOMEM. */
enum sym_code unwind_info_read(const struct unwind_info_input *in, bool warn,
			       struct unwind_table *t, struct sym_err *err);
void unwind_info_free(struct unwind_table *t);

/* The __eh_frame offsets of the FDEs that DWARF-mode entries name, in
 * table order, into a malloc'd *offsets (NULL when none). */
enum sym_code unwind_info_dwarf_fdes(const struct unwind_info_input *in,
				     const struct unwind_table *t, uint64_t **offsets, size_t *n,
				     struct sym_err *err);

struct module;

/* Gives m (module_cfi_init(), module_cfi_row()) the records of each table entry that has a frame-based or
 * frameless encoding and starts outside every skip range: one INIT
 * record, with rows for the prologue where the code is the one the
 * encoding implies.  Entries that use DWARF, carry no information or
 * cannot be decoded are left out.  Fails only on a write error.
 * *records grows by the functions written. */
enum sym_code unwind_info_write(const struct unwind_info_input *in, const struct unwind_table *t,
				struct module *m, uint64_t *records, struct sym_err *err);

/* The rules of one encoding for a function at vm address start, as they
 * follow "STACK CFI INIT <addr> <size> " (no newline), into buf.  Returns
 * false when the encoding gives no rules (none, DWARF, or malformed). */
bool unwind_info_rules(enum obj_arch machine, uint32_t enc, uint64_t start, struct obj *text,
		       char *buf, size_t len);

#endif
