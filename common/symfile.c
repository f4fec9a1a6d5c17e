#include "config.h"
#include "symfile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void symcheck_init(struct symcheck *c)
{
	memset(c, 0, sizeof(*c));
}

void symcheck_release(struct symcheck *c)
{
	free(c->line);
	c->line = NULL;
}

static bool fail(struct symcheck *c, const char *what)
{
	if (!c->failed)
		snprintf(c->error, sizeof(c->error), "line %llu: %s",
			 (unsigned long long)c->lineno, what);
	c->failed = true;
	return false;
}

/* Splits the next space-separated token off *p (of *n bytes left). */
static bool token(const char **p, size_t *n, const char **tok, size_t *tlen)
{
	const char *s = *p, *e;

	if (*n == 0)
		return false;
	e = memchr(s, ' ', *n);
	*tok = s;
	*tlen = e ? (size_t)(e - s) : *n;
	if (*tlen == 0)
		return false;
	*n -= *tlen + (e ? 1 : 0);
	*p = e ? e + 1 : s + *tlen;
	return true;
}

static bool all_of(const char *s, size_t n, const char *set)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr(set, s[i]))
			return false;
	return true;
}

#define HEX "0123456789abcdefABCDEF"
#define DEC "0123456789"

static bool copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

bool symfile_parse_module(const char *line, size_t n, struct symfile_header *h)
{
	const char *t;
	size_t tl;

	if (n < 7 || memcmp(line, "MODULE ", 7) != 0)
		return false;
	line += 7;
	n -= 7;
	if (!token(&line, &n, &t, &tl) || !copy_field(h->os, sizeof(h->os), t, tl))
		return false;
	if (!token(&line, &n, &t, &tl) || !copy_field(h->arch, sizeof(h->arch), t, tl))
		return false;
	if (!token(&line, &n, &t, &tl) || !all_of(t, tl, HEX) ||
	    !copy_field(h->debug_id, sizeof(h->debug_id), t, tl))
		return false;
	/* the name runs to the end of the line and may hold spaces */
	if (n == 0 || !copy_field(h->name, sizeof(h->name), line, n))
		return false;
	return true;
}

/* FUNC [m] addr size param name / PUBLIC [m] addr param name */
static bool check_func(const char *p, size_t n, int nhex)
{
	const char *t;
	size_t tl;
	int i;

	if (!token(&p, &n, &t, &tl))
		return false;
	if (tl == 1 && t[0] == 'm' && !token(&p, &n, &t, &tl))
		return false;
	for (i = 0; i < nhex; i++) {
		if (!all_of(t, tl, HEX))
			return false;
		if (i + 1 < nhex && !token(&p, &n, &t, &tl))
			return false;
	}
	return n > 0;	/* a name follows */
}

static bool check_line(struct symcheck *c, const char *s, size_t n)
{
	const char *p = s, *t;
	size_t left = n, tl;

	c->records++;
	if (!c->seen_module) {
		if (!symfile_parse_module(s, n, &c->hdr))
			return fail(c, "the first line is not a MODULE record");
		c->seen_module = true;
		return true;
	}
	if (n == 0)
		return true;	/* readers skip blank lines */
	if (!token(&p, &left, &t, &tl))
		return fail(c, "malformed line");
#define IS(w) (tl == sizeof(w) - 1 && memcmp(t, w, tl) == 0)
	if (IS("MODULE"))
		return fail(c, "a second MODULE record");
	if (IS("INFO")) {
		const char *k;
		size_t kl;
		if (!token(&p, &left, &k, &kl))
			return fail(c, "INFO without a key");
		if (kl == 7 && memcmp(k, "CODE_ID", 7) == 0) {
			const char *id;
			size_t il;
			if (!token(&p, &left, &id, &il) || !all_of(id, il, HEX) ||
			    !copy_field(c->hdr.code_id, sizeof(c->hdr.code_id), id, il))
				return fail(c, "malformed INFO CODE_ID");
			if (left && !copy_field(c->hdr.code_file, sizeof(c->hdr.code_file), p, left))
				return fail(c, "INFO CODE_ID code file too long");
		} else if (kl == 9 && memcmp(k, "GENERATOR", 9) == 0) {
			size_t gl = left < sizeof(c->hdr.generator) - 1 ? left : sizeof(c->hdr.generator) - 1;
			copy_field(c->hdr.generator, sizeof(c->hdr.generator), p, gl);
		}
		return true;
	}
	if (IS("FILE") || IS("INLINE_ORIGIN")) {
		bool file = IS("FILE");

		if (!token(&p, &left, &t, &tl) || !all_of(t, tl, DEC) || left == 0)
			return fail(c, "malformed FILE or INLINE_ORIGIN record");
		c->stats.files += file;
		return true;
	}
	if (IS("FUNC")) {
		if (!check_func(p, left, 3))
			return fail(c, "malformed FUNC record");
		c->stats.funcs++;
		return true;
	}
	if (IS("PUBLIC")) {
		if (!check_func(p, left, 2))
			return fail(c, "malformed PUBLIC record");
		c->stats.publics++;
		return true;
	}
	if (IS("INLINE")) {
		int i;
		for (i = 0; i < 6; i++) {
			if (!token(&p, &left, &t, &tl) || !all_of(t, tl, i < 4 ? DEC "-" : HEX))
				return fail(c, "malformed INLINE record");
		}
		c->stats.inlines++;
		return true;
	}
	if (IS("STACK")) {
		if (!token(&p, &left, &t, &tl) || !(IS("CFI") || IS("WIN")) || left == 0)
			return fail(c, "malformed STACK record");
		if (IS("WIN"))
			c->stats.stack_win++;
		else
			c->stats.stack_cfi++;
		return true;
	}
#undef IS
	/* a line record: address size line file */
	{
		const char *f[4];
		size_t fl[4];
		int i;

		f[0] = t;
		fl[0] = tl;
		for (i = 1; i < 4; i++)
			if (!token(&p, &left, &f[i], &fl[i]))
				return fail(c, "unknown record type");
		if (left || !all_of(f[0], fl[0], HEX) || !all_of(f[1], fl[1], HEX) ||
		    !all_of(f[2], fl[2], DEC "-") || !all_of(f[3], fl[3], DEC))
			return fail(c, "unknown record type");
	}
	c->stats.lines++;
	return true;
}

static bool end_line(struct symcheck *c, const char *s, size_t n)
{
	c->lineno++;
	if (n && s[n - 1] == '\r')
		n--;
	return check_line(c, s, n);
}

bool symcheck_feed(struct symcheck *c, const void *data, size_t n)
{
	const char *p = data, *end;
	/* the lines before a NUL byte are checked first, so that the error
	 * names the first problem and its line however the file is split */
	const char *nul;

	if (c->failed)
		return false;
	if (!n)
		return true;	/* data may be NULL (an empty block of an archive) */
	end = p + n;
	nul = memchr(p, '\0', n);
	if (nul)
		end = nul;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t chunk = nl ? (size_t)(nl - p) : (size_t)(end - p);

		/* the limit holds however the file is split: a line whole in
		 * one block is held to it as a carried one is */
		if (c->len + chunk > SYMFILE_MAX_LINE)
			return fail(c, "line too long");
		if (!nl || c->len) {
			/* carry a partial line */
			if (c->len + chunk > c->cap) {
				size_t ncap = c->cap ? c->cap : 4096;
				char *q;
				while (ncap < c->len + chunk)
					ncap *= 2;
				q = realloc(c->line, ncap);
				if (!q)
					return fail(c, "out of memory");
				c->line = q;
				c->cap = ncap;
			}
			memcpy(c->line + c->len, p, chunk);
			c->len += chunk;
			if (!nl)
				break;
			if (!end_line(c, c->line, c->len))
				return false;
			c->len = 0;
		} else if (!end_line(c, p, chunk)) {
			return false;
		}
		p = nl + 1;
	}
	if (nul) {
		c->lineno++;
		return fail(c, "the file contains a NUL byte");
	}
	return true;
}

bool symcheck_finish(struct symcheck *c)
{
	if (c->failed)
		return false;
	if (c->len) {
		if (!end_line(c, c->line, c->len))
			return false;
		c->len = 0;
	}
	if (!c->seen_module)
		return fail(c, "the file is empty");
	return true;
}

/* The kinds of debug information the comparison weighs. */
static void kinds(const struct symfile_stats *s, uint64_t v[4])
{
	v[0] = s->funcs;
	v[1] = s->lines;
	v[2] = s->inlines;
	v[3] = s->stack_cfi + s->stack_win;
}

static int dominated(const uint64_t a[4], const uint64_t b[4])
{
	bool lacks = false, fewer = false, more = false;
	int i;

	for (i = 0; i < 4; i++) {
		if (a[i] && !b[i])
			lacks = true;
		if (b[i] < a[i])
			fewer = true;
		else if (b[i] > a[i])
			more = true;
	}
	return lacks || (fewer && !more);
}

int symfile_compare(const struct symfile_stats *held, const struct symfile_stats *cand,
		    char *why, size_t whylen)
{
	uint64_t h[4], c[4];
	int r = 0;

	kinds(held, h);
	kinds(cand, c);
	if (dominated(h, c))
		r = -1;
	else if (dominated(c, h))
		r = 1;
	if (why && whylen)
		snprintf(why, whylen,
			 "%" PRIu64 " FUNC, %" PRIu64 " line, %" PRIu64 " INLINE, %" PRIu64
			 " STACK records against %" PRIu64 " FUNC, %" PRIu64 " line, %" PRIu64
			 " INLINE, %" PRIu64 " STACK held",
			 c[0], c[1], c[2], c[3], h[0], h[1], h[2], h[3]);
	return r;
}
