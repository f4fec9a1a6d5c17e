/* upload_parse.h - the parsers of upload.c that take bytes, not a request:
 * archive entries (POST /upload with an archive) and the sym-upload-v2
 * JSON bodies.  upload.c's handlers call them; the fuzz targets
 * (tests/fuzz/fuzz_archive.c, fuzz_v2json.c) call them directly. */
#ifndef SYM_UPLOAD_PARSE_H
#define SYM_UPLOAD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIELD_MAX 1024

/* true when path is <debug_file>/<debug_id>/<file> (a tar's "./"
 * prefixes skipped), each a valid store name and the id a valid id; mod,
 * id and name (FIELD_MAX each) get the three parts. */
bool archive_path_ok(const char *path, char *mod, char *id, char *name);

/* One entry of an archive, as archive_walk() hands it over. */
struct archive_item {
	const char *path;	/* the entry's path, "./" prefixes skipped; "" when it has none */
	const char *err;	/* why the entry is refused, or NULL */
	bool read;		/* its path named a .sym file: its bytes went to data() */
	bool bomb;		/* the archive expanded past the budget: the walk stops */
	char mod[FIELD_MAX], id[FIELD_MAX], name[FIELD_MAX];	/* its key, when read */
};

struct archive_walker {
	void *ctx;
	/* the bytes of the entry being read (only entries whose path is a
	 * store key: <debug_file>/<debug_id>/<debug_file's .sym name>) */
	void (*data)(void *ctx, const void *buf, size_t n);
	/* an entry is complete (directories and macOS/Breakpad junk files
	 * are skipped); false stops the walk */
	bool (*entry)(void *ctx, const struct archive_item *it);
	uint64_t budget;	/* in: the bytes all entries may expand to */
	uint64_t total;		/* out: the bytes they did */
};

enum archive_walk_result {
	WALK_END,		/* every entry was read */
	WALK_STOPPED,		/* entry() returned false, or the budget ran out */
	WALK_CORRUPT,		/* the archive cannot be read past some point */
	WALK_UNREADABLE,	/* not a zip, tar or tar.gz archive at all */
	WALK_NOMEM,
};

/* Reads the zip, tar or tar.gz archive in fd (from its start; fd stays
 * open) entry by entry. */
enum archive_walk_result archive_walk(int fd, struct archive_walker *w);

/* Finds `"name"` or `name` followed by ':' and a quoted string in a relaxed
 * JSON body (Breakpad's Linux and Windows clients send unquoted keys);
 * the string (without its quotes, shorter than cap) into out. */
bool relaxed_string(const char *body, const char *name, char *out, size_t cap);

/* The body of POST /v1/uploads/KEY:complete (NUL-terminated): the
 * symbol_id's debug_file and debug_id into file and id (FIELD_MAX each);
 * false when either is missing. */
bool v2_complete_body(const char *body, char *file, char *id);

/* The body of POST /v1/symbols:checkStatuses,
 * {"symbol_ids": [{"debug_file": ..., "debug_id": ...}, ...]}: pair() is
 * called for each element of symbol_ids, with df and di NULL where the
 * element lacks them (or they are not strings).  false, and no call, when
 * the body is not an object with a symbol_ids array. */
bool v2_statuses_body(const char *body, size_t len,
		      void (*pair)(void *ctx, size_t i, const char *df, const char *di), void *ctx);

#endif
