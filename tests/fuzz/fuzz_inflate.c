/* fuzz_inflate.c - libFuzzer entry point for the zlib sections decompressed
 * whole (obj_inflate_whole(): libdeflate), against zlib's inflate, which
 * decompresses the streamed .debug_info and decided every section before.
 * One input is a declared size (4 bytes, little-endian, taken modulo
 * 1 MiB + 1) and the section's compressed bytes after it.
 *
 * The two must agree: both accept (with the same bytes) or both refuse,
 * as a section then reads the same whichever decoder it met.  A
 * disagreement aborts.  Any crash, hang, leak or sanitizer report is a
 * bug. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"
#include "zlib_verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t out_size;
	uint8_t *a, *b;
	int ra, rb;

	if (size < 4)
		return 0;
	out_size = (size_t)(((uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			     (uint32_t)data[3] << 24) % ((1u << 20) + 1));
	a = malloc(out_size + 1);
	b = malloc(out_size + 1);
	if (!a || !b)
		abort();
	ra = obj_inflate_whole(data + 4, size - 4, a, out_size);
	rb = zlib_verdict(data + 4, size - 4, b, out_size);
	if (ra != rb || (ra == 0 && memcmp(a, b, out_size) != 0))
		abort();
	free(a);
	free(b);
	return 0;
}
