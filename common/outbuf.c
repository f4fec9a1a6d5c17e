#include "config.h"
#include "outbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUTBUF_CAP (256 * 1024)

int outbuf_init(struct outbuf *o, int fd)
{
	o->fd = fd;
	o->len = 0;
	o->cap = OUTBUF_CAP;
	o->error = 0;
	o->written = 0;
	o->buf = malloc(o->cap);
	return o->buf ? 0 : -1;
}

void outbuf_flush(struct outbuf *o)
{
	size_t off = 0;

	while (off < o->len && !o->error) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			o->error = errno;
			break;
		}
		off += (size_t)w;
		o->written += (size_t)w;
	}
	o->len = 0;
}

int outbuf_finish(struct outbuf *o)
{
	outbuf_flush(o);
	free(o->buf);
	o->buf = NULL;
	return o->error;
}

void outbuf_write(struct outbuf *o, const char *s, size_t n)
{
	if (o->error)
		return;
	if (n > o->cap - o->len) {
		outbuf_flush(o);
		if (n > o->cap) {
			/* Too big to buffer: write straight through. */
			size_t off = 0;
			while (off < n && !o->error) {
				ssize_t w = write(o->fd, s + off, n - off);
				if (w < 0) {
					if (errno == EINTR)
						continue;
					o->error = errno;
					return;
				}
				off += (size_t)w;
				o->written += (size_t)w;
			}
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void outbuf_puts(struct outbuf *o, const char *s)
{
	outbuf_write(o, s, strlen(s));
}

void outbuf_putc(struct outbuf *o, char c)
{
	if (o->len == o->cap)
		outbuf_flush(o);
	if (!o->error)
		o->buf[o->len++] = c;
}

char *outbuf_reserve(struct outbuf *o, size_t n)
{
	if (n > o->cap - o->len)
		outbuf_flush(o);
	return o->error ? NULL : o->buf + o->len;
}

void outbuf_hex(struct outbuf *o, uint64_t v)
{
	char *p = outbuf_reserve(o, 16);

	if (p)
		outbuf_commit(o, outbuf_fmt_hex(p, v));
}

void outbuf_dec(struct outbuf *o, uint64_t v)
{
	char *p = outbuf_reserve(o, 20);

	if (p)
		outbuf_commit(o, outbuf_fmt_dec(p, v));
}
