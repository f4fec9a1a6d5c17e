/* fuzz_symbolicate.c - libFuzzer entry point for the symbolicate/v5
 * request (symserver/symbolicate.c): the input is a request body, checked
 * and answered with no store (every module not found), with and without
 * the debug member.  A request must be refused with a reason or answered
 * with valid JSON that has one result per job and one frame per frame
 * asked; any crash, leak or sanitizer report is a bug. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "symbolicate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct symbolicator *sy;
	char why[512];
	size_t n = 0;
	char *out;
	json_t *ans;

	if (!sy && !(sy = symbolicator_new(NULL, 4)))
		abort();
	why[0] = '\0';
	out = symbolicate_v5(sy, (const char *)data, size, size % 2, NULL, NULL, &n, why,
			     sizeof(why));
	if (!out) {
		if (!why[0])
			abort();	/* refused without a reason */
		return 0;
	}
	ans = json_loadb(out, n, 0, NULL);
	if (!ans || !json_is_array(json_object_get(ans, "results")) ||
	    json_array_size(json_object_get(ans, "results")) == 0)
		abort();	/* an answer that is not the API's JSON */
	json_decref(ans);
	free(out);
	return 0;
}
