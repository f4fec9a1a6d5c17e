/* fuzz_s3.c - libFuzzer entry point for what the S3 backend parses
 * without the network (common/s3parse.c).
 *
 * The first byte chooses: even, the rest is a bucket URL for
 * blob_s3_parse_url() (cut at its first NUL); 3 modulo 4, a change-log
 * entry's name for s3_log_parse() (cut at its first NUL); 5 modulo 8, the
 * shared state (the byte divided by 8, modulo 3: a token's object name for
 * s3_token_parse(), an ignore-list change's for s3_ignore_parse(), both cut
 * at the first NUL, or a node's missing counts for s3_missing_parse(), not
 * NUL-terminated); else, the rest is a ListObjectsV2 answer for
 * s3_list_parse() (not NUL-terminated: the parser must stay inside it).  A log entry that parses has parts that
 * are the name's, in order, with a 64-digit hash, put or del, and a
 * 16-digit node.
 *
 * Checked: a URL that parses gives an endpoint that starts the URL and
 * begins with http:// or https://, a bucket of 3 to 63 of a-z 0-9 . -, a
 * prefix that is empty or ends in '/' and has no control byte, and the
 * URL is endpoint "/" bucket, then "/" and the prefix (trailing slashes
 * aside); a token or ignore-list name that parses is rebuilt exactly from
 * its parts, whose strings end inside their arrays; missing counts give
 * records with a debug file and id, and the same records on a second
 * parse; a listing gives keys that are non-empty C strings shorter than
 * 2048 bytes of printable ASCII only, and the same keys and sizes on a
 * second parse; next_token is a C string inside its buffer.  Any crash,
 * sanitizer report or broken property is a bug. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_s3.h"

struct seen {
	uint64_t sum;
	size_t n;
};

static int note(void *ctx, const char *key, uint64_t size)
{
	struct seen *s = ctx;
	size_t i, n = strlen(key);

	if (n == 0 || n >= 2048)
		abort();
	for (i = 0; i < n; i++) {
		if ((unsigned char)key[i] < 0x20 || (unsigned char)key[i] > 0x7e)
			abort();
		s->sum = s->sum * 131 + (unsigned char)key[i];
	}
	s->sum += size;
	s->n++;
	return 0;
}

static void check_url(const char *url)
{
	char *ep, *b, *p;
	struct sym_err err;
	size_t el, bl, pl, i;

	sym_err_clear(&err);
	if (blob_s3_parse_url(url, &ep, &b, &p, &err) != SYM_OK) {
		if (err.code != SYM_EUSAGE && err.code != SYM_ENOMEM)
			abort();
		return;
	}
	el = strlen(ep);
	bl = strlen(b);
	pl = strlen(p);
	if (strncmp(url, ep, el) != 0 || (strncmp(ep, "http://", 7) && strncmp(ep, "https://", 8)))
		abort();
	if (bl < 3 || bl > 63 || url[el] != '/' || strncmp(url + el + 1, b, bl) != 0)
		abort();
	for (i = 0; i < bl; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '.' ||
		      b[i] == '-'))
			abort();
	if (pl && (p[pl - 1] != '/' || url[el + 1 + bl] != '/' ||
		   strncmp(url + el + 2 + bl, p, pl - 1) != 0))
		abort();
	for (i = 0; i < pl; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			abort();
	free(ep);
	free(b);
	free(p);
}

static void check_log(const char *name)
{
	static struct s3_log_entry e;
	char back[4096];

	if (!s3_log_parse(name, &e))
		return;
	if (strlen(e.hash) != 64 || strlen(e.node) != 16 ||
	    (strcmp(e.op, "put") && strcmp(e.op, "del") && strcmp(e.op, "tok") && strcmp(e.op, "ign")))
		abort();
	snprintf(back, sizeof(back), "_log/%s/%s/%s/%s/%s", e.id, e.op, e.hash, e.file, e.dbg);
	if (strcmp(back, name) != 0 || strncmp(e.id + 21, e.node, 16) != 0)
		abort();
}

static void check_token(const char *name)
{
	static struct s3_token_entry t;
	char back[4096];

	if (!s3_token_parse(name, &t))
		return;
	if (!memchr(t.scopes, '\0', sizeof(t.scopes)) || !memchr(t.name, '\0', sizeof(t.name)) ||
	    !t.name[0] || !t.scopes[0] || strlen(t.hash) != 64)
		abort();
	snprintf(back, sizeof(back), "_state/tokens/%s/%019llu-%019llu-%019llu/%s/%s", t.hash,
		 (unsigned long long)t.revoked, (unsigned long long)t.created,
		 (unsigned long long)t.expires, t.scopes, t.name);
	if (strcmp(back, name) != 0)
		abort();
}

static void check_ignore(const char *name)
{
	static struct s3_ignore_entry g;
	char back[4096];

	if (!s3_ignore_parse(name, &g))
		return;
	if (!memchr(g.pattern, '\0', sizeof(g.pattern)) || !g.pattern[0] || strlen(g.stamp) != 37)
		abort();
	snprintf(back, sizeof(back), "_state/ignore/%s-%s/%s", g.stamp, g.add ? "add" : "del",
		 g.pattern);
	if (strcmp(back, name) != 0 || strtoull(g.stamp, NULL, 10) != g.time)
		abort();
}

static int note_miss(void *ctx, const struct s3_miss *m)
{
	struct seen *s = ctx;
	const char *f[4] = { m->debug_file, m->debug_id, m->code_file, m->code_id };
	size_t caps[4] = { sizeof(m->debug_file), sizeof(m->debug_id), sizeof(m->code_file),
			   sizeof(m->code_id) };
	int i;

	for (i = 0; i < 4; i++) {
		const char *z = memchr(f[i], '\0', caps[i]);
		if (!z || (i < 2 && z == f[i]))
			abort();
		for (; *f[i]; f[i]++)
			s->sum = s->sum * 131 + (unsigned char)*f[i];
	}
	s->sum += m->misses + 3 * m->crashes + 5 * m->first_seen + 7 * m->last_seen +
		  11 * m->resolved_at;
	s->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 8 == 5) {
		int which = (data[0] / 8) % 3;
		if (which < 2) {
			char *name = malloc(size);
			if (!name)
				return 0;
			memcpy(name, data + 1, size - 1);
			name[size - 1] = '\0';
			if (which == 0)
				check_token(name);
			else
				check_ignore(name);
			free(name);
		} else {
			char *txt = malloc(size - 1 ? size - 1 : 1);
			struct seen a = { 0, 0 }, b = { 0, 0 };
			int r1, r2;

			if (!txt)
				return 0;
			memcpy(txt, data + 1, size - 1);
			r1 = s3_missing_parse(txt, size - 1, note_miss, &a);
			r2 = s3_missing_parse(txt, size - 1, note_miss, &b);
			if (r1 != r2 || a.n != b.n || a.sum != b.sum || (r1 != 0 && r1 != -1))
				abort();
			free(txt);
		}
	} else if (data[0] % 4 == 3) {
		char *name = malloc(size);
		if (!name)
			return 0;
		memcpy(name, data + 1, size - 1);
		name[size - 1] = '\0';
		check_log(name);
		free(name);
	} else if (data[0] % 2 == 0) {
		char *url = malloc(size);
		if (!url)
			return 0;
		memcpy(url, data + 1, size - 1);
		url[size - 1] = '\0';
		check_url(url);
		free(url);
	} else {
		/* an exact-size copy, so that reading past it is caught */
		char *xml = malloc(size - 1 ? size - 1 : 1);
		struct s3_list_page p1, p2;
		struct seen a = { 0, 0 }, b = { 0, 0 };
		int r1, r2;

		if (!xml)
			return 0;
		memcpy(xml, data + 1, size - 1);
		r1 = s3_list_parse(xml, size - 1, note, &a, &p1);
		r2 = s3_list_parse(xml, size - 1, note, &b, &p2);
		if (r1 != r2 || a.n != b.n || a.sum != b.sum || p1.truncated != p2.truncated ||
		    memchr(p1.next_token, '\0', sizeof(p1.next_token)) == NULL ||
		    strcmp(p1.next_token, p2.next_token) != 0 || (r1 != 0 && a.n != 0))
			abort();
		free(xml);
	}
	return 0;
}
