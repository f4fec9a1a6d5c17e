/* dwarf_unit.h - low-level DWARF decoding: unit headers, abbreviations,
 * attribute forms, range lists and line programs.  Internal to dumpsyms;
 * used by dwarf.c.  Nothing here allocates from the module except through
 * the intern callback of dw_lines_ctx. */
#ifndef SYM_DWARF_UNIT_H
#define SYM_DWARF_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "dwarf_int.h"
#include "err.h"

struct dw_sect {
	const uint8_t *data;
	size_t size;
	bool releasable;	/* ours: may be madvise()d away once read */
	bool file_backed;	/* released pages fault back in from the file */
	struct obj_stream *stream;	/* bytes still arriving: see
					 * obj_section_stream() */
};

/* The DWARF sections of one file. */
struct dw_file {
	const char *path;
	bool be;
	struct dw_sect info, abbrev, str, line, line_str, ranges, rnglists,
		addr, str_offsets;
	const struct dw_file *sup;	/* the supplementary file (dwz -m), or NULL */
};

struct dw_unit {
	uint64_t off;		/* header offset in .debug_info */
	uint64_t end;		/* one past the last byte */
	uint64_t die_off;	/* first DIE */
	uint64_t abbrev_off;
	uint16_t version;
	uint8_t unit_type;
	uint8_t addr_size;
	bool dwarf64;
	bool has_dwo_id;
	uint64_t dwo_id;

	/* from the unit DIE */
	uint64_t base_addr;	/* DW_AT_low_pc, base for range lists */
	uint64_t str_offsets_base, addr_base, rnglists_base, gnu_ranges_base;
	bool has_str_offsets_base, has_rnglists_base;
	bool split;		/* a unit of a .dwo file */
};

struct dw_abbrev_attr {
	uint32_t name;
	uint32_t form;
	int64_t implicit;
};

struct dw_abbrev {
	uint64_t code;
	uint32_t tag;
	bool children;
	uint32_t attr0, nattrs;	/* slice of dw_abbrevs.attrs */
	int fixed_size;		/* bytes of all attributes, or -1 if variable */
};

struct dw_abbrevs {
	struct dw_abbrev *list;
	size_t n;
	struct dw_abbrev_attr *attrs;
	size_t nattrs;
	uint32_t *by_code;	/* code -> index + 1, when codes are dense */
	uint64_t maxcode;
};

enum dw_class {
	DW_CLS_CONST, DW_CLS_SCONST, DW_CLS_ADDR, DW_CLS_FLAG, DW_CLS_STRING,
	DW_CLS_STRX, DW_CLS_ADDRX, DW_CLS_REF, DW_CLS_SECOFF, DW_CLS_RNGLISTX,
	DW_CLS_BLOCK, DW_CLS_OTHER,
	DW_CLS_REF_SUP,		/* .debug_info offset in the supplementary file */
};

struct dw_value {
	uint32_t form;
	enum dw_class cls;
	uint64_t u;		/* number, address, index, or .debug_info offset (REF,
				 * REF_SUP) */
	const char *str;	/* DW_CLS_STRING; NULL when unavailable */
	const uint8_t *block;
	uint64_t blen;
};

struct dw_ranges {
	struct { uint64_t lo, hi; } *v;
	size_t n, cap;
};

struct dw_row {
	uint64_t addr;
	uint64_t size;
	uint32_t file;		/* index into dw_lines.files */
	uint32_t line;
};

struct dw_lines {
	struct dw_row *rows;	/* Breakpad-style lines: address, size */
	size_t nrows, rcap;
	const char **files;	/* expanded paths by file number; may be NULL */
	size_t nfiles, fcap;
	const char **dirs;
	size_t ndirs, dcap;
	unsigned file_base;
	bool bad_dir;
	uint64_t omitted_end;
};

struct dw_lines_ctx {
	const char *comp_dir;
	const char *(*intern)(void *ctx, const char *s, size_t n);
	void *ctx;
};

enum sym_code dw_read_unit_header(const struct dw_file *f, uint64_t off,
				  struct dw_unit *u, struct sym_err *err);
enum sym_code dw_read_abbrevs(const struct dw_file *f, const struct dw_unit *u,
			      struct dw_abbrevs *t, struct sym_err *err);
void dw_abbrevs_free(struct dw_abbrevs *t);
const struct dw_abbrev *dw_find_abbrev(const struct dw_abbrevs *t, uint64_t code);

/* Decodes one attribute value of the given form; false (and c->bad) on
 * truncation or an unknown form.  Strings by index and addresses by index
 * are returned as DW_CLS_STRX / DW_CLS_ADDRX for the caller to resolve with
 * dw_strx() / dw_addrx() once the unit's bases are known. */
bool dw_read_form(const struct dw_file *f, const struct dw_unit *u,
		  struct cursor *c, uint32_t form, int64_t implicit,
		  struct dw_value *v);
bool dw_skip_form(const struct dw_file *f, const struct dw_unit *u,
		  struct cursor *c, uint32_t form);
const char *dw_strx(const struct dw_file *f, const struct dw_unit *u, uint64_t index);
bool dw_addrx(const struct dw_file *f, const struct dw_unit *u, uint64_t index,
	      uint64_t *out);

/* Reads the range list an attribute value names (DW_AT_ranges) into r
 * (which the caller owns and frees with free(r->v)); empty ranges are
 * dropped.  False when the list is malformed. */
bool dw_read_ranges(const struct dw_file *f, const struct dw_unit *u,
		    const struct dw_value *v, struct dw_ranges *r);

/* Runs the line program at .debug_line offset off and fills l with
 * Breakpad-style line records (each row up to the next row's address;
 * zero-length rows and rows at address 0 dropped).  Free with
 * dw_lines_free(). */
enum sym_code dw_read_lines(const struct dw_file *f, const struct dw_unit *u,
			    uint64_t off, struct dw_lines_ctx *lc,
			    struct dw_lines *l, struct sym_err *err);
void dw_lines_free(struct dw_lines *l);

#endif
