/* arena.h - bump allocation and string interning for one conversion.
 *
 * Everything allocated from an arena lives until arena_release(); there is
 * no per-object free.  Allocation failure returns NULL.  An arena is not
 * thread-safe.
 */
#ifndef SYM_ARENA_H
#define SYM_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used;		/* bytes used in head */
	size_t total;		/* bytes obtained from malloc, for statistics */
};

void arena_init(struct arena *a);
/* Frees every block; the arena may be reused after arena_init(). */
void arena_release(struct arena *a);
/* n bytes aligned to 8; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* A NUL-terminated copy of s[0..n); NULL when out of memory. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* strpool: interns strings so that equal strings share one pointer, which
 * then serves as identity (compare pointers, not bytes).  Strings live in
 * the pool's arena. */
struct strpool {
	struct arena *arena;
	const char **slots;
	uint32_t *hashes;
	size_t cap;		/* power of two */
	size_t count;
};

void strpool_init(struct strpool *p, struct arena *a);
void strpool_release(struct strpool *p);
/* The interned copy of s[0..n); NULL when out of memory. */
const char *strpool_intern(struct strpool *p, const char *s, size_t n);

#endif
