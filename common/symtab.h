/* symtab.h - lookup tables for symbolication (issue 15): a Breakpad .sym
 * file turned into sorted arrays that a symbolicator maps into memory and
 * searches, instead of parsing the text on each request.
 *
 * A table is one file in a versioned binary format (symtab.c has the
 * layout): an index of FUNC records sorted by address, each pointing into
 * compressed pages that hold its name, line records and INLINE tree;
 * PUBLIC records sorted by address, FILE and INLINE_ORIGIN records sorted
 * by id, their names (and the id index) in compressed pages too.  It is
 * smaller than the gzipped .sym (but for files under a KB or so, where
 * its 112-byte header weighs), and a lookup decompresses one or two
 * pages of about 16 KB (those used last are kept).  It is built in one
 * streaming pass over the text (symtab_build_*): each FUNC is encoded
 * when its records end, the index entries and names go to temporary
 * files, so building a 1 GB .sym needs a few MB of memory (plus one
 * function's records, at most SYMTAB_FUNC_MAX_MB, and their encoded
 * form) and the page cache.
 * An opened table (symtab_open) has been checked whole: its header, a
 * CRC-32 of everything after the header, and every index and name
 * offset outside the pages; the references inside pages (FUNC records,
 * the groups of FILE and INLINE_ORIGIN references) are read through
 * bounds checks as lookups use them.
 *
 * Lookups answer as Breakpad's processor does (tests/tools/symlookup.c
 * is the independent reference the tests compare with): of overlapping
 * FUNC records the one earlier in the file wins, zero-size ones are
 * dropped; of a FUNC's line records the first in the file that holds the
 * address; of PUBLICs at one address the first, and a PUBLIC is used only
 * when no FUNC holds the address and it lies above the nearest FUNC below;
 * line records after a PUBLIC belong to no function; the inline chain is
 * the one Breakpad's processor builds from the nesting of INLINE records.
 */
#ifndef SYM_SYMTAB_H
#define SYM_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SYMTAB_VERSION 4
/* bytes of a table's header, before its sections */
#define SYMTAB_HEADER_SIZE 112
/* inline frames reported for one address at most (deeper ones are cut) */
#define SYMTAB_MAX_INLINE 256
/* A build holds one FUNC's line and INLINE records in memory: at most this
 * many MB of them (32 bytes a line record; records a lookup could not
 * find, zero-size ones, are not held), or the file gets no table. */
#define SYMTAB_FUNC_MAX_MB 32

struct symtab_builder;
struct symtab;

/* Starts a build whose temporary files go in tmpdir (unlinked at once).
 * SYM_EIO, SYM_ENOSPC, SYM_ENOMEM. */
enum sym_code symtab_build_begin(struct symtab_builder **out, const char *tmpdir,
				 struct sym_err *err);
/* Feeds the next n bytes of .sym text, in chunks of any size.  Malformed
 * records are skipped (and counted), as a processor skips them; a line
 * longer than 1 MB is SYM_EFORMAT; SYM_ELIMIT when the file holds more
 * than the format's 32-bit counts allow or a FUNC more records than
 * SYMTAB_FUNC_MAX_MB; SYM_EIO, SYM_ENOSPC. */
enum sym_code symtab_build_feed(struct symtab_builder *b, const void *data, size_t n,
				struct sym_err *err);
/* The name prefix of the temporary files builds leave in tmpdir when
 * killed midway. */
#define SYMTAB_TMP_PREFIX "table."
/* Finishes: writes the table to path (through a temporary file in tmpdir,
 * which must be on path's file system, fsynced and renamed, the directory
 * fsynced, so path is whole or absent) and frees b.
 * On failure b is freed too and path is untouched, but for a failure to
 * fsync the directory after the rename (then path is the new table). */
enum sym_code symtab_build_finish(struct symtab_builder *b, const char *path,
				  struct sym_err *err);
/* Frees b without writing anything; NULL is fine. */
void symtab_build_abort(struct symtab_builder *b);
/* Records skipped as malformed so far. */
uint64_t symtab_build_skipped(const struct symtab_builder *b);

/* Maps and checks the table at path.  SYM_ENOTFOUND when there is none,
 * SYM_EFORMAT when it is not a whole, valid table of this version (the
 * caller rebuilds it), SYM_EIO, SYM_ENOMEM.  Free with symtab_close(). */
enum sym_code symtab_open(struct symtab **out, const char *path, struct sym_err *err);
void symtab_close(struct symtab *t);
/* Bytes of the table file. */
uint64_t symtab_size(const struct symtab *t);

/* One frame of a lookup.  file is NULL when no FILE record names it (then
 * line means nothing). */
struct symtab_frame {
	const char *function;
	const char *file;
	uint64_t line;
};

enum symtab_kind { SYMTAB_NONE, SYMTAB_FUNC, SYMTAB_PUBLIC };

/* What an address resolves to.  Strings point into buf: valid until the
 * next lookup with this result or symtab_result_release().  Start from a
 * zeroed struct; reuse it for many lookups. */
struct symtab_result {
	enum symtab_kind kind;
	const char *function;	/* FUNC or PUBLIC name */
	uint64_t function_addr;	/* its address */
	const char *file;	/* FUNC only: the outermost frame's location */
	uint64_t line;
	/* FUNC only: the inlined frames, deepest first; the outermost frame
	 * (function, file, line above) is not among them */
	size_t ninlines;
	struct symtab_frame inlines[SYMTAB_MAX_INLINE];
	/* the lookup's own memory */
	char *buf;
	size_t len, cap;
	void *inl;
	size_t icap;
};

/* Looks up a module-relative address.  Never fails: out of memory, or a
 * page that does not decompress, gives SYMTAB_NONE.  Thread-safe (one
 * lock per table). */
void symtab_lookup(struct symtab *t, uint64_t addr, struct symtab_result *res);
/* Frees what lookups with res allocated. */
void symtab_result_release(struct symtab_result *res);

/* Counts of what a table holds (for logs and tests). */
struct symtab_counts {
	uint64_t funcs, lines, inlines, publics, files, origins, pages;
};
void symtab_counts(const struct symtab *t, struct symtab_counts *c);

#endif
