/* fuzz_msvc_names.c - libFuzzer entry point: one input is one decorated
 * name (a NUL inside ends it), undecorated by msvc_public_name() and
 * msvc_demangle().  Any crash, hang, leak or sanitizer report is a bug,
 * in our wrapper or in LLVM's demangler behind it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msvc_demangle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char *a, *b;
	uint32_t ps;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	a = msvc_public_name(s, &ps);
	b = msvc_demangle(s);
	free(a);
	free(b);
	free(s);
	return 0;
}
