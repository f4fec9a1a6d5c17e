/* symbolicate.h - Mozilla's symbolication API (POST /symbolicate/v5, as
 * Tecken's Eliot answers it) over the store's lookup tables (symtab.h).
 *
 * A request names modules by debug file and debug id and gives stacks of
 * (module index, module offset); the answer gives each frame's function,
 * offset in it, file, line and inline frames.  Each module's table is
 * built from its .sym when the file is published (symbolicator_prepare())
 * or, for files published before, on first use; tables stay mapped, a few
 * hundred at a time, and are shared by concurrent requests.
 */
#ifndef SYM_SYMBOLICATE_H
#define SYM_SYMBOLICATE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "store.h"

/* Limits of one request. */
enum {
	SYMBOLICATE_MAX_JOBS = 10,
	SYMBOLICATE_MAX_MODULES = 4096,		/* per job */
	SYMBOLICATE_MAX_FRAMES = 100000,	/* over all jobs and stacks */
	SYMBOLICATE_MAX_BODY = 8 << 20,		/* bytes */
	SYMBOLICATE_MAX_ANSWER = 128 << 20,	/* bytes: past it the request is refused */
};

struct symbolicator;

/* store may be NULL: every module is then not found.  max_open: tables
 * kept mapped (0: a default of 256).  NULL when out of memory. */
struct symbolicator *symbolicator_new(struct store *store, unsigned max_open);
void symbolicator_free(struct symbolicator *sy);

/* Called once per request for each module that a frame needed and the
 * store does not hold (debug_file and debug_id as the request gave them,
 * both already checked to be well formed). */
typedef void (*symbolicate_miss_fn)(void *ctx, const char *debug_file, const char *debug_id);

/* Answers a request body of len bytes: the response, JSON text ending in
 * a newline, *len_out bytes, not NUL-terminated (the caller free()s it),
 * or NULL with a reason in why[cap] when the request is malformed or over
 * a limit (the caller answers 400) or memory ran out ("out of memory").
 * debug adds a "debug" member with timings and each module's table.  miss
 * may be NULL. */
char *symbolicate_v5(struct symbolicator *sy, const char *body, size_t len, bool debug,
		     symbolicate_miss_fn miss, void *ctx, size_t *len_out, char *why, size_t cap);

/* Builds rec's lookup table now unless a valid one exists: at publication,
 * so the first request finds it ready.  Errors as symtab_build_*(). */
enum sym_code symbolicator_prepare(struct symbolicator *sy, const struct sym_record *rec,
				   struct sym_err *err);

#endif
