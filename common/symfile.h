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

struct symcheck {
	struct symfile_header hdr;
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

#endif
