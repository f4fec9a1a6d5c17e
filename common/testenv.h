/* testenv.h - the numbers tests set in SYM_TEST_* environment variables
 * (smaller chunks, windows, caches), so that small inputs exercise what
 * only large ones would. */
#ifndef SYM_TESTENV_H
#define SYM_TESTENV_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* The decimal number in variable name when it is all digits and within
 * [lo, hi]; else dflt. */
static inline uint64_t testenv_num(const char *name, uint64_t lo, uint64_t hi, uint64_t dflt)
{
	const char *e = getenv(name);
	char *end = NULL;
	unsigned long long n;

	if (!e || *e < '0' || *e > '9')
		return dflt;
	errno = 0;
	n = strtoull(e, &end, 10);
	return !*end && !errno && n >= lo && n <= hi ? (uint64_t)n : dflt;
}

#endif
