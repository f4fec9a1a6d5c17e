/* fuzz_v2json.c - libFuzzer entry point for the bodies of Breakpad's
 * sym-upload-v2 protocol (symserver/upload.c): relaxed_string() and
 * v2_complete_body() (POST /v1/uploads/KEY:complete, relaxed JSON with
 * unquoted keys), v2_statuses_body() (POST /v1/symbols:checkStatuses,
 * jansson).  One input is one body, given to both.  Checked: a string
 * found is shorter than FIELD_MAX, holds no quote and occurs in the body;
 * the pairs of checkStatuses come numbered from 0.  Any crash, hang,
 * leak, sanitizer report or broken property is a bug. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upload_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void found(const char *body, const char *s)
{
	size_t l = strnlen(s, FIELD_MAX);

	if (l >= FIELD_MAX || strchr(s, '"') || !strstr(body, s))
		__builtin_trap();
}

static void pair(void *ctx, size_t i, const char *df, const char *di)
{
	size_t *next = ctx;

	(void)df;
	(void)di;
	if (i != (*next)++)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1), file[FIELD_MAX], id[FIELD_MAX], small[8];
	size_t next = 0;

	if (!body)
		abort();
	memcpy(body, data, size);
	body[size] = '\0';
	if (v2_complete_body(body, file, id)) {
		found(body, file);
		found(body, id);
	}
	if (relaxed_string(body, "debug_file", small, sizeof(small)) && strlen(small) >= sizeof(small))
		__builtin_trap();
	if (!v2_statuses_body(body, size, pair, &next) && next != 0)
		__builtin_trap();
	free(body);
	return 0;
}
