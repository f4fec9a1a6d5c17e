/* s3parse.c - what the S3 backend parses without the network: the URL
 * of a bucket, and the one piece of XML it reads, a ListObjectsV2
 * answer (not a general XML parser: it finds the elements it needs
 * between bounds; text in XML cannot hold a raw '<', so a tag found by
 * searching is a tag).  Fuzzed by tests/fuzz/fuzz_s3.c. */
#include "config.h"
#include "blob_s3.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first occurrence of tag in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *tag)
{
	size_t n = strlen(tag);

	if (p >= end || (size_t)(end - p) < n)
		return NULL;
	return memmem(p, (size_t)(end - p), tag, n);
}

/* The text of <name>...</name> inside [p, end): its bounds, or false. */
static bool element(const char *p, const char *end, const char *name, const char **t0,
		    const char **t1)
{
	char open[40], close[40];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", name);
	snprintf(close, sizeof(close), "</%s>", name);
	if (!(a = find(p, end, open)))
		return false;
	a += strlen(open);
	if (!(b = find(a, end, close)))
		return false;
	*t0 = a;
	*t1 = b;
	return true;
}

/* Decodes XML text [a, b) into out[cap]: the five named entities and
 * numeric ones.  Only printable ASCII (0x20 to 0x7e) comes out: a store's
 * keys hold nothing else.  false when the text does not fit, is empty, or
 * holds something else. */
static bool text_as(const char *a, const char *b, char *out, size_t cap, bool any)
{
	static const struct { const char *name; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	size_t o = 0, i;

	while (a < b) {
		char c = *a;
		if (c == '&') {
			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
				size_t l = strlen(ents[i].name);
				if ((size_t)(b - a) >= l && memcmp(a, ents[i].name, l) == 0) {
					c = ents[i].c;
					a += l;
					break;
				}
			}
			if (i == sizeof(ents) / sizeof(ents[0])) {
				const char *semi = memchr(a, ';', (size_t)(b - a));
				char num[16], *e;
				unsigned long v;
				bool hex;

				if (!semi || semi - a < 3 || a[1] != '#' || semi - a - 2 >= (long)sizeof(num))
					return false;
				hex = a[2] == 'x' || a[2] == 'X';
				memcpy(num, a + 2 + hex, (size_t)(semi - a - 2 - hex));
				num[semi - a - 2 - hex] = '\0';
				v = strtoul(num, &e, hex ? 16 : 10);
				if (!num[0] || *e || v == 0 || (!any && (v < 0x20 || v > 0x7e)) || v > 0xff)
					return false;
				c = (char)v;
				a = semi + 1;
			}
		} else if (!any && ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)) {
			return false;
		} else {
			a++;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0;
}

static bool text(const char *a, const char *b, char *out, size_t cap)
{
	return text_as(a, b, out, cap, false);
}

int s3_list_parse(const char *xml, size_t n,
		  int (*fn)(void *ctx, const char *key, uint64_t size), void *ctx,
		  struct s3_list_page *page)
{
	const char *p = xml, *end = xml + n, *c0, *c1, *t0, *t1;
	char key[2048], num[32], *e;

	page->truncated = false;
	page->next_token[0] = '\0';
	if (!find(p, end, "<ListBucketResult"))
		return -1;
	if (element(p, end, "IsTruncated", &t0, &t1))
		page->truncated = t1 - t0 == 4 && memcmp(t0, "true", 4) == 0;
	if (element(p, end, "NextContinuationToken", &t0, &t1) &&
	    !text_as(t0, t1, page->next_token, sizeof(page->next_token), true))
		page->next_token[0] = '\0';
	while ((c0 = find(p, end, "<Contents>")) && (c1 = find(c0, end, "</Contents>"))) {
		p = c1 + 11;
		if (!element(c0, c1, "Key", &t0, &t1) || !text(t0, t1, key, sizeof(key)))
			continue;
		if (!element(c0, c1, "Size", &t0, &t1) || t1 - t0 < 1 || t1 - t0 > 20)
			continue;
		memcpy(num, t0, (size_t)(t1 - t0));
		num[t1 - t0] = '\0';
		if (num[0] < '0' || num[0] > '9')
			continue;
		errno = 0;
		uint64_t size = strtoull(num, &e, 10);
		if (*e || errno == ERANGE)
			continue;
		if (fn(ctx, key, size))
			break;
	}
	return 0;
}

enum sym_code blob_s3_parse_url(const char *url, char **endpoint, char **bucket, char **prefix,
				struct sym_err *err)
{
	const char *p, *host, *slash, *b, *e;
	size_t pl;

	*endpoint = *bucket = *prefix = NULL;
	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return sym_fail(err, SYM_EUSAGE, "S3 URL '%.200s': not http:// or https://", url);
	if (!(slash = strchr(host, '/')) || slash == host)
		return sym_fail(err, SYM_EUSAGE, "S3 URL '%.200s': give http(s)://HOST[:PORT]/BUCKET[/PREFIX]",
				url);
	for (p = host; p < slash; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
			return sym_fail(err, SYM_EUSAGE, "S3 URL '%.200s': bad host", url);
	b = slash + 1;
	e = strchr(b, '/');
	if (!e)
		e = b + strlen(b);
	/* bucket names: 3 to 63 of a-z 0-9 . - */
	if (e - b < 3 || e - b > 63)
		return sym_fail(err, SYM_EUSAGE, "S3 URL '%.200s': a bucket name is 3 to 63 characters", url);
	for (p = b; p < e; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '.' && *p != '-')
			return sym_fail(err, SYM_EUSAGE,
					"S3 URL '%.200s': a bucket name has only a-z, 0-9, '.' and '-'", url);
	p = *e ? e + 1 : e;
	pl = strlen(p);
	while (pl && p[pl - 1] == '/')
		pl--;
	if (pl > 512)
		return sym_fail(err, SYM_EUSAGE, "S3 URL: prefix too long");
	for (size_t i = 0; i < pl; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e || strchr("\\?#%", p[i]))
			return sym_fail(err, SYM_EUSAGE, "S3 URL '%.200s': bad character in the prefix", url);
	/* no empty, "." or ".." segment: a path is sent as it is built, and
	 * a gateway would resolve them */
	for (size_t i = 0; i < pl;) {
		size_t l = strcspn(p + i, "/");
		if (l > pl - i)
			l = pl - i;
		if (l == 0 || (l == 1 && p[i] == '.') || (l == 2 && p[i] == '.' && p[i + 1] == '.'))
			return sym_fail(err, SYM_EUSAGE,
					"S3 URL '%.200s': an empty, '.' or '..' segment in the prefix", url);
		i += l + 1;
	}
	if (!(*endpoint = strndup(url, (size_t)(slash - url))) ||
	    !(*bucket = strndup(b, (size_t)(e - b))) || !(*prefix = malloc(pl + 2))) {
		free(*endpoint);
		free(*bucket);
		*endpoint = *bucket = NULL;
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	memcpy(*prefix, p, pl);
	if (pl)
		(*prefix)[pl++] = '/';
	(*prefix)[pl] = '\0';
	return SYM_OK;
}

bool s3_log_parse(const char *name, struct s3_log_entry *e)
{
	unsigned long long t;
	size_t n;

	if (strncmp(name, "_log/", 5) != 0 || (n = strlen(name + 5)) >= sizeof(e->buf))
		return false;
	memcpy(e->buf, name + 5, n + 1);
	e->id = e->buf;
	if (!(e->op = strchr(e->id, '/')))
		return false;
	*e->op++ = '\0';
	if (!(e->hash = strchr(e->op, '/')))
		return false;
	*e->hash++ = '\0';
	if (!(e->file = strchr(e->hash, '/')))
		return false;
	*e->file++ = '\0';
	if (!(e->dbg = strchr(e->file, '/')))
		return false;
	*e->dbg++ = '\0';
	/* <20 digits>-<16 hex digits>-<digits> */
	if (strlen(e->id) < 39 || strspn(e->id, "0123456789") != 20 || e->id[20] != '-' ||
	    strspn(e->id + 21, "0123456789abcdef") != 16 || e->id[37] != '-' ||
	    strspn(e->id + 38, "0123456789") != strlen(e->id + 38) ||
	    strlen(e->id) >= 96)
		return false;
	/* 20 digits may pass 2^64: read with a bound (before the year 2286) */
	errno = 0;
	t = strtoull(e->id, NULL, 10);
	if (errno || t >= 10000000000000000000ull)
		return false;
	memcpy(e->node, e->id + 21, 16);
	e->node[16] = '\0';
	e->time = (uint64_t)t;
	return (strcmp(e->op, "put") == 0 || strcmp(e->op, "del") == 0) && blob_hash_ok(e->hash) &&
	       blob_part_ok(e->file) && blob_part_ok(e->dbg);
}
