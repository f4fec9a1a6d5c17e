#include "config.h"
#include "err.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum sym_code sym_fail(struct sym_err *err, enum sym_code code,
		       const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != SYM_OK)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

enum sym_code sym_errno_code(int e)
{
	return e == ENOSPC || e == EDQUOT ? SYM_ENOSPC : SYM_EIO;
}

void sym_err_clear(struct sym_err *err)
{
	err->code = SYM_OK;
	err->msg[0] = '\0';
}

void sym_bad_option(const char *prog, int c, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	size_t n;

	n = strcspn(arg, "=");
	if (arg[0] == '-' && arg[1] == '-' && (c == ':' || optopt == 0 || arg[n] == '=')) {
		/* a long option, maybe with "=value" (an unknown short option
		 * inside "-xv" leaves optind on the previous argument) */
		if (c == ':')
			fprintf(stderr, "%s: option '%.*s' needs a value\n", prog, (int)n, arg);
		else if (optopt && arg[n] == '=')
			fprintf(stderr, "%s: option '%.*s' takes no value\n", prog, (int)n, arg);
		else
			fprintf(stderr, "%s: unknown option '%.*s'\n", prog, (int)n, arg);
	} else if (c == ':') {
		fprintf(stderr, "%s: option '-%c' needs a value\n", prog, optopt);
	} else {
		fprintf(stderr, "%s: unknown option '-%c'\n", prog, optopt);
	}
}
