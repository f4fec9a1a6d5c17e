/* err.h - the project's one error type.
 *
 * Every fallible function returns an enum sym_code and, when it fails, fills
 * a caller-owned struct sym_err with a message a user can act on.  Codes are
 * built from one X-macro list; a code's number never changes meaning, so new
 * codes go at the end.
 */
#ifndef SYM_ERR_H
#define SYM_ERR_H

#include <stdarg.h>

#define SYM_ERRORS(X)                                                   \
	X(SYM_OK,         "success")                                    \
	X(SYM_ENOMEM,     "out of memory")                              \
	X(SYM_EIO,        "input/output error")                         \
	X(SYM_EUSAGE,     "bad usage")                                  \
	X(SYM_EFORMAT,    "malformed input")                            \
	X(SYM_ETRUNC,     "truncated input")                            \
	X(SYM_EUNSUP,     "unsupported input")                          \
	X(SYM_ELIMIT,     "a size limit was exceeded")                  \
	X(SYM_ENOTFOUND,  "not found")                                  \
	X(SYM_ELIBELF,    "libelf error")                               \
	X(SYM_EZLIB,      "zlib error")                                 \
	X(SYM_EEXIST,     "already exists")                             \
	X(SYM_ENOSPC,     "no space left on the device")               \
	X(SYM_ESTALE,     "changed while it was read")

enum sym_code {
#define SYM_ERR_ENUM(name, text) name,
	SYM_ERRORS(SYM_ERR_ENUM)
#undef SYM_ERR_ENUM
	SYM_ERR_COUNT
};

struct sym_err {
	enum sym_code code;
	char msg[512];
};

/* Records code and a printf-style message in err (which may be NULL) and
 * returns code, so callers can write `return sym_fail(err, SYM_EFORMAT, ...)`.
 * The first error recorded wins: later calls do not overwrite a message. */
enum sym_code sym_fail(struct sym_err *err, enum sym_code code,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The code for a failed system call's errno e: SYM_ENOSPC when the disk
 * is full (ENOSPC, EDQUOT; the server answers 507), SYM_EIO otherwise
 * (503). */
enum sym_code sym_errno_code(int e);

/* Clears err to SYM_OK with an empty message. */
void sym_err_clear(struct sym_err *err);

/* Usage errors of the programs: prints "PROG: unknown option '--foo'" or
 * "PROG: option '--store' needs a value" (or takes none) on stderr for
 * what getopt_long() just returned as c ('?', or ':' when its option
 * string starts with ':'), reading optind and optopt.  The caller prints
 * the usage and exits 2. */
void sym_bad_option(const char *prog, int c, char *const *argv);

#endif
