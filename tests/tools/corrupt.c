/* corrupt.c - writes damaged copies of a file for the bad-input tests.
 *
 *   corrupt IN OUT truncate N          first N bytes
 *   corrupt IN OUT set OFFSET HEXBYTES overwrite bytes at OFFSET
 *   corrupt IN OUT flip SEED COUNT     COUNT random bytes replaced (xorshift)
 *   corrupt IN OUT random SEED SIZE    SIZE pseudo-random bytes (IN unused)
 *   corrupt IN OUT fliprange SEED COUNT OFF LEN
 *                                      COUNT random bytes replaced in [OFF, OFF+LEN)
 *
 * Deterministic for a given seed, so a failure can be reproduced.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0, r;

	if (!f) {
		fprintf(stderr, "corrupt: cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				exit(2);
		}
		r = fread(buf + len, 1, cap - len, f);
		if (r == 0)
			break;
		len += r;
	}
	fclose(f);
	*n = len;
	return buf;
}

static void spill(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "corrupt: cannot write %s\n", path);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	unsigned char *buf;
	size_t n, i;

	if (argc < 5) {
		fprintf(stderr, "usage: corrupt IN OUT truncate N | set OFF HEX | flip SEED COUNT | random SEED SIZE\n");
		return 2;
	}
	if (strcmp(argv[3], "random") == 0) {
		if (argc < 6)
			return 2;
		rng_state = strtoull(argv[4], NULL, 0) | 1;
		n = strtoull(argv[5], NULL, 0);
		buf = malloc(n ? n : 1);
		if (!buf)
			return 2;
		for (i = 0; i < n; i++)
			buf[i] = (unsigned char)rng();
		spill(argv[2], buf, n);
		free(buf);
		return 0;
	}
	buf = slurp(argv[1], &n);
	if (strcmp(argv[3], "truncate") == 0) {
		size_t k = strtoull(argv[4], NULL, 0);
		spill(argv[2], buf, k < n ? k : n);
	} else if (strcmp(argv[3], "set") == 0 && argc >= 6) {
		size_t off = strtoull(argv[4], NULL, 0);
		const char *h = argv[5];
		for (i = 0; h[2 * i] && h[2 * i + 1]; i++) {
			unsigned v;
			if (sscanf(h + 2 * i, "%2x", &v) != 1 || off + i >= n)
				return 2;
			buf[off + i] = (unsigned char)v;
		}
		spill(argv[2], buf, n);
	} else if (strcmp(argv[3], "flip") == 0 && argc >= 6) {
		size_t count = strtoull(argv[5], NULL, 0);
		rng_state = strtoull(argv[4], NULL, 0) | 1;
		for (i = 0; i < count && n; i++)
			buf[rng() % n] = (unsigned char)rng();
		spill(argv[2], buf, n);
	} else if (strcmp(argv[3], "fliprange") == 0 && argc >= 8) {
		size_t count = strtoull(argv[5], NULL, 0), off = strtoull(argv[6], NULL, 0);
		size_t len = strtoull(argv[7], NULL, 0);
		rng_state = strtoull(argv[4], NULL, 0) | 1;
		if (off >= n || len == 0)
			return 2;
		if (len > n - off)
			len = n - off;
		for (i = 0; i < count; i++)
			buf[off + rng() % len] = (unsigned char)rng();
		spill(argv[2], buf, n);
	} else {
		return 2;
	}
	free(buf);
	return 0;
}
