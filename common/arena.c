#include "config.h"
#include "arena.h"

#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t size;
	/* data follows, 16-byte aligned */
	_Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK (256 * 1024)

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head, *n;

	while (b) {
		n = b->next;
		free(b);
		b = n;
	}
	arena_init(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (a->head && n <= a->head->size - a->used) {
		p = a->head->data + a->used;
		a->used += n;
		return p;
	}
	if (n > ARENA_BLOCK / 4) {
		/* A large object gets its own block, linked behind the head so
		 * the head's free space is not wasted. */
		b = malloc(sizeof(*b) + n);
		if (!b)
			return NULL;
		b->size = n;
		a->total += n;
		if (a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = NULL;
			a->head = b;
			a->used = n;
		}
		return b->data;
	}
	size = ARENA_BLOCK;
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	b->next = a->head;
	a->head = b;
	a->total += size;
	a->used = n;
	return b->data;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static uint32_t str_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

void strpool_init(struct strpool *p, struct arena *a)
{
	p->arena = a;
	p->slots = NULL;
	p->hashes = NULL;
	p->cap = 0;
	p->count = 0;
}

void strpool_release(struct strpool *p)
{
	free(p->slots);
	free(p->hashes);
	p->slots = NULL;
	p->hashes = NULL;
	p->cap = p->count = 0;
}

static int strpool_grow(struct strpool *p)
{
	size_t ncap = p->cap ? p->cap * 2 : 1024, i, j;
	const char **ns = calloc(ncap, sizeof(*ns));
	uint32_t *nh = calloc(ncap, sizeof(*nh));

	if (!ns || !nh) {
		free(ns);
		free(nh);
		return -1;
	}
	for (i = 0; i < p->cap; i++) {
		if (!p->slots[i])
			continue;
		j = p->hashes[i] & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = p->slots[i];
		nh[j] = p->hashes[i];
	}
	free(p->slots);
	free(p->hashes);
	p->slots = ns;
	p->hashes = nh;
	p->cap = ncap;
	return 0;
}

const char *strpool_intern(struct strpool *p, const char *s, size_t n)
{
	uint32_t h;
	size_t i;
	char *copy;

	if ((p->count + 1) * 2 > p->cap && strpool_grow(p) < 0)
		return NULL;
	h = str_hash(s, n);
	i = h & (p->cap - 1);
	while (p->slots[i]) {
		if (p->hashes[i] == h && strncmp(p->slots[i], s, n) == 0 &&
		    p->slots[i][n] == '\0')
			return p->slots[i];
		i = (i + 1) & (p->cap - 1);
	}
	copy = arena_strndup(p->arena, s, n);
	if (!copy)
		return NULL;
	p->slots[i] = copy;
	p->hashes[i] = h;
	p->count++;
	return copy;
}
