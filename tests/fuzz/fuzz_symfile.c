/* fuzz_symfile.c - libFuzzer entry point for the .sym grammar check
 * (common/symfile.c: symcheck_feed, symcheck_finish, symfile_compare), what
 * the server runs on every upload.  One input is one .sym file, checked
 * twice: in chunks of a size its first byte picks, then byte by byte near
 * the start and in one piece after; the verdict, the error and the
 * counts must not depend on where the chunks split.  Then the counts of
 * the file and of its first half are compared both ways with
 * symfile_compare, which must be antisymmetric.  Any crash, hang, leak,
 * sanitizer report or broken property is a bug. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "symfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks data[0..size) fed in chunks of `chunk` bytes after the first
 * `bytewise` bytes fed one at a time; the verdict, and c kept for the
 * caller to compare and release. */
static bool check(struct symcheck *c, const uint8_t *data, size_t size, size_t bytewise,
		  size_t chunk)
{
	size_t off = 0;
	bool ok = true;

	symcheck_init(c);
	while (ok && off < size) {
		size_t n = off < bytewise ? 1 : chunk;

		if (n > size - off)
			n = size - off;
		ok = symcheck_feed(c, data + off, n);
		off += n;
	}
	return symcheck_finish(c) && ok;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symcheck a, b, h;
	char why[256];
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;
	bool oka, okb;

	oka = check(&a, data, size, 0, chunk);
	okb = check(&b, data, size, 300, size ? size : 1);
	if (oka != okb || memcmp(&a.stats, &b.stats, sizeof(a.stats)) != 0 ||
	    (!oka && strcmp(a.error, b.error) != 0) ||
	    (oka && memcmp(&a.hdr, &b.hdr, sizeof(a.hdr)) != 0))
		__builtin_trap();
	check(&h, data, size / 2, 0, size ? size : 1);
	if (sign(symfile_compare(&a.stats, &h.stats, why, sizeof(why))) !=
	    -sign(symfile_compare(&h.stats, &a.stats, why, sizeof(why))) ||
	    symfile_compare(&a.stats, &a.stats, NULL, 0) != 0 || !memchr(why, 0, sizeof(why)))
		__builtin_trap();
	symcheck_release(&a);
	symcheck_release(&b);
	symcheck_release(&h);
	return 0;
}
