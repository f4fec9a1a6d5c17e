/* outbuf.h - fast buffered text output to a file descriptor.
 *
 * The .sym writer emits millions of small records; these helpers format
 * hex and decimal numbers without printf.  Write errors are sticky: after
 * the first failure every call is a no-op and outbuf_finish() reports it.
 */
#ifndef SYM_OUTBUF_H
#define SYM_OUTBUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct outbuf {
	int fd;
	char *buf;
	size_t len, cap;
	int error;		/* errno of the first failed write, or 0 */
	uint64_t written;	/* bytes handed to write(2) */
};

/* Starts writing to fd (not owned; not closed).  Returns -1 when out of
 * memory. */
int outbuf_init(struct outbuf *o, int fd);
void outbuf_flush(struct outbuf *o);
/* Flushes and frees the buffer; returns 0 or the errno of the first failed
 * write. */
int outbuf_finish(struct outbuf *o);

void outbuf_write(struct outbuf *o, const char *s, size_t n);
void outbuf_puts(struct outbuf *o, const char *s);
void outbuf_putc(struct outbuf *o, char c);
void outbuf_hex(struct outbuf *o, uint64_t v);		/* lower case, no 0x */
void outbuf_dec(struct outbuf *o, uint64_t v);

/* For records written in one piece: room for n more bytes (n at most
 * 4096), NULL after a failure.  Write at most n bytes from the pointer,
 * then hand outbuf_commit() the end of what was written. */
char *outbuf_reserve(struct outbuf *o, size_t n);
static inline void outbuf_commit(struct outbuf *o, char *end)
{
	o->len = (size_t)(end - o->buf);
}

/* v in lower-case hex (at most 16 bytes) or decimal (at most 20) at p;
 * the end of the digits. */
static inline char *outbuf_fmt_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int n = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1, i;

	for (i = n - 1; i >= 0; i--, v >>= 4)
		p[i] = digits[v & 15];
	return p + n;
}

static inline char *outbuf_fmt_dec(char *p, uint64_t v)
{
	char tmp[20];
	int i = 20;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (; i < 20; i++)
		*p++ = tmp[i];
	return p;
}

#endif
