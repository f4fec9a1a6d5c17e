/* fuzz_symtab.c - libFuzzer entry point for the symbolication lookup
 * tables (common/symtab.c).  The first byte picks the mode:
 *   even: the rest is .sym text: built into a table in chunks of a size the
 *         byte picks and again in one piece (the two files must be equal),
 *         opened (it must open), and looked up at addresses taken from the
 *         input and at 0 and ~0;
 *   odd:  the rest, after a valid table of a small fixed .sym, overwrites
 *         that table from an offset the next byte picks, or is a whole file
 *         of its own, with (when the next byte says so) the header's size,
 *         DATA's length (so that the sections fill the file, when the
 *         rest allows) and CRC-32 made to match: symtab_open() must refuse
 *         it or give a table whose lookups stay inside it.
 * Any crash, leak, sanitizer report or broken property is a bug. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "symtab.h"

/* the header of a table (symtab.c's struct vhdr): size at 16, CRC at 24,
 * the six sections' counts from 64 (DATA's in bytes, then entries of 24,
 * 16, 16, 16 and 16 bytes), the sections laid from HDR on 8-byte bounds */
#define HDR SYMTAB_HEADER_SIZE
#define COUNTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static const char base_sym[] =
	"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a.so\n"
	"FILE 0 a.c\nFILE 1 b.h\nINLINE_ORIGIN 0 inl\n"
	"FUNC 1000 40 0 f\nINLINE 0 7 0 0 1008 10\nINLINE 1 3 1 0 100a 4\n"
	"1000 8 5 0\n1008 10 6 1\n1018 28 7 0\n"
	"FUNC 1040 10 0 g\n1040 10 9 0\nPUBLIC 2000 0 p\n";

static void lookups(struct symtab *t, const uint8_t *data, size_t size)
{
	static struct symtab_result res;	/* reused, as the server reuses one */
	size_t i, k;

	symtab_lookup(t, 0, &res);
	symtab_lookup(t, UINT64_MAX, &res);
	for (i = 0; i + 8 <= size && i < 512; i += 8) {
		uint64_t a;

		memcpy(&a, data + i, 8);
		symtab_lookup(t, a & 0xffffff, &res);
		if (res.function)
			(void)strlen(res.function);
		if (res.file)
			(void)strlen(res.file);
		for (k = 0; k < res.ninlines; k++) {
			(void)strlen(res.inlines[k].function);
			if (res.inlines[k].file)
				(void)strlen(res.inlines[k].file);
		}
	}
}

static int build(const char *path, const uint8_t *text, size_t n, size_t chunk)
{
	struct symtab_builder *b;
	struct sym_err err;
	size_t off = 0;

	sym_err_clear(&err);
	if (symtab_build_begin(&b, dir, &err) != SYM_OK)
		abort();
	while (off < n) {
		size_t c = chunk < n - off ? chunk : n - off;

		if (symtab_build_feed(b, text + off, c, &err) != SYM_OK) {
			symtab_build_abort(b);
			return -1;
		}
		off += c;
	}
	return symtab_build_finish(b, path, &err) == SYM_OK ? 0 : -1;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)len + 1)) && fread(p, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char p1[128], p2[128];
	struct symtab *t = NULL;
	struct sym_err err;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_symtab.%d", (int)getpid());
		mkdir(dir, 0700);
	}
	if (size < 2)
		return 0;
	snprintf(p1, sizeof(p1), "%s/a.symt", dir);
	snprintf(p2, sizeof(p2), "%s/b.symt", dir);
	sym_err_clear(&err);
	if (!(data[0] & 1)) {
		size_t n1, n2;
		uint8_t *a, *b;
		int r1 = build(p1, data + 1, size - 1, 1 + data[0] / 2);
		int r2 = build(p2, data + 1, size - 1, size);

		if (r1 != r2)
			abort();	/* the verdict depends on the chunks */
		if (r1 == 0) {
			a = slurp(p1, &n1);
			b = slurp(p2, &n2);
			if (!a || !b || n1 != n2 || memcmp(a, b, n1) != 0)
				abort();	/* the table depends on the chunks */
			free(a);
			free(b);
			if (symtab_open(&t, p1, &err) != SYM_OK)
				abort();	/* a table just built must open */
			lookups(t, data + 1, size - 1);
			symtab_close(t);
		}
	} else {
		FILE *f;
		uint8_t *a;
		size_t n, off;

		if (build(p1, (const uint8_t *)base_sym, sizeof(base_sym) - 1, 4096) != 0 ||
		    !(a = slurp(p1, &n)))
			abort();
		if (data[1] & 1) {
			off = (size_t)data[1] * 2 % (n + 1);
			if (size - 2 > n - off) {
				a = realloc(a, off + size - 2);
				n = off + size - 2;
			}
			memcpy(a + off, data + 2, size - 2);
			if (data[1] & 2)
				n = off + size - 2;	/* cut after it */
		} else {
			free(a);
			a = malloc(size);
			memcpy(a, data + 2, size - 2);
			n = size - 2;
		}
		if ((data[1] & 4) && n >= HDR) {
			/* past the checksum: the size and CRC-32 in the header made
			 * right, so that the checks behind them are reached */
			static const uint64_t esize[6] = { 1, 24, 16, 16, 16, 16 };
			uint64_t sz = n, idx = 0, cnt;
			uint32_t crc;
			int k;

			/* DATA takes what the index sections leave, if that is
			 * a multiple of 8 (else the sections cannot fill it) */
			for (k = 1; k < 6; k++) {
				memcpy(&cnt, a + COUNTS + 8 * k, 8);
				idx = cnt > (n - HDR) / esize[k] ? n : idx + cnt * esize[k];
				if (idx >= n)
					break;
			}
			if (k == 6 && idx <= n - HDR && (n - HDR - idx) % 8 == 0) {
				cnt = n - HDR - idx;
				memcpy(a + COUNTS, &cnt, 8);
			}
			crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), a + HDR, (uInt)(n - HDR));
			memcpy(a + 16, &sz, 8);
			memcpy(a + 24, &crc, 4);
		}
		if (!(f = fopen(p2, "wb")) || fwrite(a, 1, n, f) != n || fclose(f) != 0)
			abort();
		free(a);
		if (symtab_open(&t, p2, &err) == SYM_OK) {
			lookups(t, data + 2, size - 2);
			symtab_close(t);
		}
	}
	return 0;
}
