/* symfile.h - a streaming grammar check of Breakpad .sym text, which also
 * extracts the header (MODULE and INFO records).
 *
 * Feed the file in chunks of any size; the checker keeps at most one line.
 * A file passes when its first line is a MODULE record and every other
 * line is a record type processors know (INFO, FILE, INLINE_ORIGIN, FUNC,
 * INLINE, PUBLIC, STACK CFI, STACK WIN, or a line record) with the fields
 * that type needs.  Lines may end in "\n" or "\r\n"; NUL bytes are refused.
 */
#ifndef SYM_SYMFILE_H
#define SYM_SYMFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYMFILE_MAX_LINE (1 << 20)

struct symfile_header {
	char os[32];
	char arch[32];
	char debug_id[80];
	char name[1024];	/* the debug file */
	char code_id[160];
	char code_file[1024];
	char generator[256];
};

/* How much a file holds, by record kind (MODULE and INFO not counted). */
struct symfile_stats {
	uint64_t files, funcs, lines, inlines, publics, stack_cfi, stack_win;
};

struct symcheck {
	struct symfile_header hdr;
	struct symfile_stats stats;
	char *line;		/* the partial line carried between chunks */
	size_t len, cap;
	uint64_t lineno;
	bool seen_module;
	bool failed;
	char error[256];	/* why the file was refused */
	uint64_t records;
};

void symcheck_init(struct symcheck *c);
void symcheck_release(struct symcheck *c);
/* Checks the next n bytes; returns false (and sets c->error) on the first
 * problem, after which further calls keep failing. */
bool symcheck_feed(struct symcheck *c, const void *data, size_t n);
/* Checks the last line; false when the file is empty or broken. */
bool symcheck_finish(struct symcheck *c);

/* Parses one MODULE line (without its newline) into hdr; false if it is
 * not one. */
bool symfile_parse_module(const char *line, size_t n, struct symfile_header *hdr);

/* The rule that keeps a poorer conversion from replacing a richer one
 * (a stripped or truncated build uploaded after the full one).  Compares
 * the debug information of a candidate with what is held: negative when
 * the candidate is poorer (it lacks a kind of record the held file has:
 * functions, line records, inline records, or unwind records; or it has
 * fewer of some of those kinds and more of none), positive when it is
 * richer (the same the other way), 0 when neither (equal, or more of one
 * kind and fewer of another).  PUBLIC records do not count: a file
 * without functions has more of them.  When why is not NULL, a one-line
 * reason naming both sides' counts is written to it. */
int symfile_compare(const struct symfile_stats *held, const struct symfile_stats *cand,
		    char *why, size_t whylen);

#endif
