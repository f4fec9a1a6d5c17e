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
	return (strcmp(e->op, "put") == 0 || strcmp(e->op, "del") == 0 ||
		strcmp(e->op, "tok") == 0 || strcmp(e->op, "ign") == 0) && blob_hash_ok(e->hash) &&
	       blob_part_ok(e->file) && blob_part_ok(e->dbg);
}

/* n decimal digits at p (exactly n, n <= 20) into *v, below 10^19. */
static bool digits(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

bool s3_token_parse(const char *name, struct s3_token_entry *t)
{
	static const char pre[] = "_state/tokens/";
	const char *p = name, *q;
	size_t i, l;

	memset(t, 0, sizeof(*t));
	if (strncmp(p, pre, sizeof(pre) - 1) != 0)
		return false;
	p += sizeof(pre) - 1;
	/* <sha256 of the token>/ */
	if (strlen(p) < 65 || p[64] != '/')
		return false;
	memcpy(t->hash, p, 64);
	t->hash[64] = '\0';
	if (!blob_hash_ok(t->hash))
		return false;
	p += 65;
	/* <revoked>-<created>-<expires>/, 19 digits each */
	if (strlen(p) < 60 || p[19] != '-' || p[39] != '-' || p[59] != '/' ||
	    !digits(p, 19, &t->revoked) || !digits(p + 20, 19, &t->created) ||
	    !digits(p + 40, 19, &t->expires))
		return false;
	p += 60;
	/* <scopes>/: words of a-z joined by ',' */
	if (!(q = strchr(p, '/')) || q == p || (l = (size_t)(q - p)) >= sizeof(t->scopes) ||
	    p[0] == ',' || q[-1] == ',')
		return false;
	for (i = 0; i < l; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] == ',' && p[i + 1] != ',')))
			return false;
	memcpy(t->scopes, p, l);
	t->scopes[l] = '\0';
	/* <name>: 1 to 64 of A-Z a-z 0-9 . _ - @ + : */
	p = q + 1;
	if ((l = strlen(p)) == 0 || l > 64)
		return false;
	for (i = 0; i < l; i++)
		if (!isalnum((unsigned char)p[i]) && !strchr("._-@+:", p[i]))
			return false;
	memcpy(t->name, p, l + 1);
	return true;
}

bool s3_ignore_parse(const char *name, struct s3_ignore_entry *g)
{
	static const char pre[] = "_state/ignore/";
	const char *p = name;
	size_t l, i;

	memset(g, 0, sizeof(*g));
	if (strncmp(p, pre, sizeof(pre) - 1) != 0)
		return false;
	p += sizeof(pre) - 1;
	/* <time, 20 digits>-<node, 16 hex>-<add|del>/<pattern> */
	if (strlen(p) < 43 || p[20] != '-' || p[37] != '-' || p[41] != '/' ||
	    !digits(p + 1, 19, &g->time) || p[0] != '0' ||
	    strspn(p + 21, "0123456789abcdef") < 16)
		return false;
	if (strncmp(p + 38, "add", 3) == 0)
		g->add = true;
	else if (strncmp(p + 38, "del", 3) != 0)
		return false;
	memcpy(g->stamp, p, 37);
	g->stamp[37] = '\0';
	p += 42;
	if ((l = strlen(p)) == 0 || l > 500)
		return false;
	for (i = 0; i < l; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return false;
	memcpy(g->pattern, p, l + 1);
	return true;
}

/* The next tab- or line-ended field of [*p, end) into out[cap] (cap 0:
 * a number into *v); false when it is not there, too long, or holds a
 * control byte. */
static bool field(const char **p, const char *end, char sep, char *out, size_t cap, uint64_t *v)
{
	const char *a = *p, *b = a;
	size_t i;

	while (b < end && *b != sep && *b != '\t' && *b != '\n')
		b++;
	if (b >= end || *b != sep)
		return false;
	*p = b + 1;
	if (!cap)
		return digits(a, (size_t)(b - a), v);
	if ((size_t)(b - a) >= cap)
		return false;
	for (i = 0; a + i < b; i++) {
		if ((unsigned char)a[i] < 0x20 || (unsigned char)a[i] == 0x7f)
			return false;
		out[i] = a[i];
	}
	out[i] = '\0';
	return true;
}

int s3_missing_parse(const char *data, size_t n, int (*fn)(void *ctx, const struct s3_miss *m),
		     void *ctx)
{
	static const char head[] = "symserver-missing 1\n";
	const char *p = data, *end = data + n;
	struct s3_miss m;
	int rc;

	if (n < sizeof(head) - 1 || memcmp(p, head, sizeof(head) - 1) != 0)
		return -1;
	p += sizeof(head) - 1;
	while (p < end) {
		memset(&m, 0, sizeof(m));
		if (!field(&p, end, '\t', m.debug_file, sizeof(m.debug_file), NULL) ||
		    !field(&p, end, '\t', m.debug_id, sizeof(m.debug_id), NULL) ||
		    !field(&p, end, '\t', m.code_file, sizeof(m.code_file), NULL) ||
		    !field(&p, end, '\t', m.code_id, sizeof(m.code_id), NULL) ||
		    !field(&p, end, '\t', NULL, 0, &m.misses) ||
		    !field(&p, end, '\t', NULL, 0, &m.crashes) ||
		    !field(&p, end, '\t', NULL, 0, &m.first_seen) ||
		    !field(&p, end, '\t', NULL, 0, &m.last_seen) ||
		    !field(&p, end, '\n', NULL, 0, &m.resolved_at) || !m.debug_file[0] ||
		    !m.debug_id[0])
			return -1;
		if ((rc = fn(ctx, &m)) != 0)
			return rc;
	}
	return 0;
}
