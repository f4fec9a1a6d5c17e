/* cursor.h - a bounds-checked reader over (const uint8_t *, size_t).
 *
 * A cursor never reads outside [base, base + len).  Every read either
 * succeeds and advances, or fails, leaves the position unchanged and sets the
 * sticky `bad` flag; callers may therefore decode a whole record and test
 * `cur.bad` once.  Failed reads return zero.  Ranges are checked by
 * subtraction (n > len - pos), which cannot overflow.
 */
#ifndef SYM_CURSOR_H
#define SYM_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *base;
	size_t len;
	size_t pos;
	bool big_endian;
	bool bad;
};

static inline struct cursor cursor_make(const uint8_t *base, size_t len, bool be)
{
	struct cursor c = { base, len, 0, be, false };
	return c;
}

/* A cursor whose len a caller narrowed below pos (an entry shorter than
 * what was already read of it) has nothing left, rather than a wrapped-
 * around size_t's worth. */
static inline size_t cursor_left(const struct cursor *c)
{
	return c->pos < c->len ? c->len - c->pos : 0;
}

static inline bool cursor_has(struct cursor *c, size_t n)
{
	if (c->pos > c->len || n > c->len - c->pos) {
		c->bad = true;
		return false;
	}
	return true;
}

/* Moves to absolute offset off; off == len is allowed (at end). */
static inline bool cursor_seek(struct cursor *c, size_t off)
{
	if (off > c->len) {
		c->bad = true;
		return false;
	}
	c->pos = off;
	return true;
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
	if (!cursor_has(c, n))
		return false;
	c->pos += n;
	return true;
}

static inline const uint8_t *cursor_bytes(struct cursor *c, size_t n)
{
	const uint8_t *p;

	if (!cursor_has(c, n))
		return NULL;
	p = c->base + c->pos;
	c->pos += n;
	return p;
}

static inline uint8_t cursor_u8(struct cursor *c)
{
	if (!cursor_has(c, 1))
		return 0;
	return c->base[c->pos++];
}

/* Reads an n-byte (1..8) unsigned integer in the cursor's byte order. */
static inline uint64_t cursor_uN(struct cursor *c, unsigned n)
{
	const uint8_t *p;
	uint64_t v = 0;
	unsigned i;

	if (n == 0 || n > 8 || !cursor_has(c, n)) {
		c->bad = true;
		return 0;
	}
	p = c->base + c->pos;
	if (c->big_endian)
		for (i = 0; i < n; i++)
			v = (v << 8) | p[i];
	else
		for (i = n; i-- > 0;)
			v = (v << 8) | p[i];
	c->pos += n;
	return v;
}

static inline uint16_t cursor_u16(struct cursor *c) { return (uint16_t)cursor_uN(c, 2); }
static inline uint32_t cursor_u32(struct cursor *c) { return (uint32_t)cursor_uN(c, 4); }
static inline uint64_t cursor_u64(struct cursor *c) { return cursor_uN(c, 8); }

/* Unsigned LEB128.  Bits beyond 64 are dropped; an unterminated number is an
 * error. */
static inline uint64_t cursor_uleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t p = c->pos;

	while (p < c->len) {
		uint8_t b = c->base[p++];
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			c->pos = p;
			return v;
		}
	}
	c->bad = true;
	return 0;
}

static inline int64_t cursor_sleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t p = c->pos;
	uint8_t b;

	while (p < c->len) {
		b = c->base[p++];
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			c->pos = p;
			return (int64_t)v;
		}
	}
	c->bad = true;
	return 0;
}

/* A NUL-terminated string inside the buffer; NULL (and bad) when the NUL is
 * missing. */
static inline const char *cursor_cstr(struct cursor *c)
{
	const uint8_t *s = c->base + c->pos;
	const uint8_t *nul;

	if (c->pos >= c->len) {
		c->bad = true;
		return NULL;
	}
	nul = memchr(s, 0, c->len - c->pos);
	if (!nul) {
		c->bad = true;
		return NULL;
	}
	c->pos += (size_t)(nul - s) + 1;
	return (const char *)s;
}

/* A string at offset off of a string section; NULL when out of range or
 * unterminated.  A section that ends with a NUL terminates every string
 * in it, which spares the search (a reader asks for millions). */
static inline const char *strsec_at(const uint8_t *base, size_t len, uint64_t off)
{
	if (off >= len)
		return NULL;
	if (base[len - 1] != 0 && !memchr(base + off, 0, len - off))
		return NULL;
	return (const char *)base + off;
}

#endif
