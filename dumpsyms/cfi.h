/* cfi.h - the DWARF call-frame reader (.debug_frame, .eh_frame) that
 * writes Breakpad STACK CFI records. */
#ifndef SYM_CFI_H
#define SYM_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "obj.h"

struct cfi_input {
	const char *path;		/* for messages */
	const uint8_t *data;		/* the section */
	size_t size;
	bool eh;			/* .eh_frame (else .debug_frame) */
	bool be;
	enum obj_arch machine;		/* picks the register names */
	unsigned addr_size;
	uint64_t section_addr;		/* sh_addr of the section (pcrel base) */
	uint64_t text_addr, got_addr;	/* textrel and datarel bases */
	const struct obj_range *loads;	/* PT_LOAD ranges */
	size_t nloads;
	/* with only_fdes set, only the FDEs at these section offsets (sorted)
	 * are read: a Mach-O image with compact unwind uses DWARF CFI only
	 * for the functions its table sends there */
	bool only_fdes;
	const uint64_t *fde_offsets;
	size_t nfde_offsets;
	/* if set, told the range [start, start + size) of each FDE written */
	int (*on_fde)(void *ctx, uint64_t start, uint64_t size);
	void *ctx;
};

struct module;

/* Adds one STACK CFI INIT record (and its deltas) per FDE of the section
 * to m (module_cfi_init(), module_cfi_row()), in section order.  Malformed entries are skipped (with a warning
 * when warn is set); the call fails only on SYM_ENOMEM or a write error.
 * *records is increased by the number of INIT records written. */
enum sym_code cfi_write(const struct cfi_input *in, struct module *m, bool warn,
			uint64_t *records, struct sym_err *err);

/* The same on a pool: the sections in[0 .. n) are read in chunks on p's
 * workers while the caller does other work (which must not touch the
 * module's STACK CFI), and handed to the module in order.  notes[i], when
 * not NULL, is a warning printed before the section's own (its data may
 * be NULL: nothing to read).  NULL when out of memory.  in[i]'s data must
 * stay until cfi_finish() or cfi_cancel(). */
struct pool;
struct cfi_job;
struct cfi_job *cfi_start(struct pool *p, struct module *m, bool warn,
			  const struct cfi_input *in, const char *const *notes, size_t n);

/* Waits for the job (reading here what no worker has started), prints its
 * warnings as cfi_write() would have, section after section, and ends it:
 * the records, the warnings, *records and the result are those of
 * cfi_write() on each section in turn, stopping at the first that fails. */
enum sym_code cfi_finish(struct cfi_job *j, uint64_t *records, struct sym_err *err);

/* Ends the job, discarding what it read and its warnings. */
void cfi_cancel(struct cfi_job *j);

#endif
