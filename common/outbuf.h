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

#endif
