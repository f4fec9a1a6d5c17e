/* vec.h - growable arrays of any element type.
 *
 * VEC(T) declares { T *v; size_t n, cap; }.  vec_reserve() makes room for
 * `extra` more elements, doubling the capacity; it returns 0, or -1 when the
 * allocation fails or the array would exceed SIZE_MAX bytes (the array is
 * then unchanged and still owned by the caller).  Free with free(x.v).
 */
#ifndef SYM_VEC_H
#define SYM_VEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define VEC(T) struct { T *v; size_t n, cap; }

static inline int vec_grow_raw(void **v, size_t *cap, size_t n, size_t extra,
			       size_t elem)
{
	size_t ncap;
	void *nv;

	if (extra <= *cap - n)
		return 0;
	if (extra > SIZE_MAX / elem - n)
		return -1;
	ncap = *cap ? *cap : 16;
	while (ncap < n + extra) {
		if (ncap > SIZE_MAX / 2 / elem)
			ncap = n + extra;
		else
			ncap *= 2;
	}
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

#define vec_reserve(x, extra) \
	vec_grow_raw((void **)&(x).v, &(x).cap, (x).n, (extra), sizeof(*(x).v))

/* Appends one element; evaluates to 0 or -1. */
#define vec_push(x, elem) \
	(vec_reserve((x), 1) ? -1 : ((x).v[(x).n++] = (elem), 0))

#define vec_free(x) do { free((x).v); (x).v = NULL; (x).n = (x).cap = 0; } while (0)

/* qsort() and bsearch() order for an array of uint64_t. */
static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#endif
