#include "config.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

static const char *const code_text[] = {
#define SYM_ERR_TEXT(name, text) text,
	SYM_ERRORS(SYM_ERR_TEXT)
#undef SYM_ERR_TEXT
};

const char *sym_strcode(enum sym_code code)
{
	if ((unsigned)code >= SYM_ERR_COUNT)
		return "unknown error";
	return code_text[code];
}

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

void sym_err_clear(struct sym_err *err)
{
	err->code = SYM_OK;
	err->msg[0] = '\0';
}
