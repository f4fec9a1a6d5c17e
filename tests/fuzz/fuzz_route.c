/* fuzz_route.c - libFuzzer entry point for the server's URL router,
 * route_match() (symserver/router.c), on its own: no server, no store.
 *
 * One input is "METHOD PATH": the bytes before the first space are the
 * method (any bytes: "GET", "get", "DELETE", "", ...), the bytes after it
 * the decoded path, any bytes.  An input without a space is the path of a
 * GET.  route_match() takes C strings, and the HTTP layer gives it a NULL
 * path when the decoded path held a NUL (or a control byte): a path with a
 * NUL is given as NULL, one with control bytes as it is (the router must
 * cope with any byte but NUL).  A method with a NUL is skipped.
 *
 * Checked, against a model of the table written here from router.h's
 * description (components split on '/', "*" one non-empty component,
 * "/prefix/..." a prefix, an exact pattern compared whole, first match
 * wins, GET also takes HEAD):
 *   - never NULL, a name always; the entry is in the table or is the
 *     invalid / not-found one; a 405 entry has its Allow and error text;
 *   - NULL or >= ROUTE_PATH_MAX bytes: ROUTE_INVALID;
 *   - the entry returned is the first entry of the table the model
 *     matches; no entry matching: ROUTE_NOT_FOUND for a well-formed path,
 *     ROUTE_INVALID for a malformed one (an empty component, more than
 *     ROUTE_ARGS components); a malformed path never reaches a "*" entry
 *     (only exact and prefix entries compare the raw path);
 *   - the args of a "*" entry: as many as its '*'s, each non-empty,
 *     NUL-terminated inside out->buf, without '/', and equal to the path's
 *     component in its place; the unused ones NULL; rest points into the
 *     path right after the prefix for a prefix entry, else NULL;
 *   - HEAD gets the same entry and args as GET; the path is not changed;
 *     a second call gives the same answer.
 * Not checked: the store's name rule (store_name_ok()); the router does
 * not apply it, the handlers do.  Any crash, sanitizer report or broken
 * property is a bug. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The model's split: comps[i] (len[i] bytes) the components of path after
 * one leading '/'; returns their count, or -1 when one is empty or there
 * are more than ROUTE_ARGS. */
static int model_split(const char *path, const char **comps, size_t *len)
{
	const char *p = path, *e;
	int n = 0;

	if (*p == '/')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		e = strchrnul(p, '/');
		if (e == p || n == ROUTE_ARGS)
			return -1;
		comps[n] = p;
		len[n++] = (size_t)(e - p);
		if (!*e)
			return n;
		p = e + 1;
	}
}

static int stars(const char *pattern)
{
	int n = 0;

	for (; *pattern; pattern++)
		n += *pattern == '*';
	return n;
}

static int is_prefix(const char *pattern)
{
	size_t pl = strlen(pattern);

	return pl >= 4 && strcmp(pattern + pl - 4, "/...") == 0;
}

/* Whether entry rt takes method and path (n components in comps). */
static int model_match(const struct route *rt, const char *method, const char *path, int n,
		       const char **comps, const size_t *len)
{
	const char *p;
	int i = 0;

	if (rt->method && strcmp(rt->method, method) != 0 &&
	    !(strcmp(rt->method, "GET") == 0 && strcmp(method, "HEAD") == 0))
		return 0;
	if (is_prefix(rt->pattern))
		return strncmp(path, rt->pattern, strlen(rt->pattern) - 3) == 0;
	if (!strchr(rt->pattern, '*'))
		return strcmp(path, rt->pattern) == 0;
	if (n <= 0)
		return 0;
	for (p = rt->pattern + 1; *p; i++) {
		size_t l = strcspn(p, "/");

		if (i == n)
			return 0;
		if (!(l == 1 && *p == '*') && (len[i] != l || memcmp(comps[i], p, l) != 0))
			return 0;
		p += l;
		if (*p == '/')
			p++;
	}
	return i == n;
}

/* Checks what route_match(method, path) returned; returns the entry. */
static const struct route *check(const char *method, const char *path, struct route_args *a)
{
	const struct route *table, *rt = route_match(method, path, a);
	const char *comps[ROUTE_ARGS];
	size_t len[ROUTE_ARGS], plen;
	int ntable, i, n, first = -1;

	CHECK(rt && rt->name);
	table = route_table(&ntable);
	if (rt->handler == ROUTE_REFUSE)
		CHECK(rt->allow && rt->refusal);
	if (!path || (plen = strlen(path)) >= ROUTE_PATH_MAX) {
		CHECK(rt->handler == ROUTE_INVALID);
		return rt;
	}
	n = model_split(path, comps, len);
	for (i = 0; i < ntable && first < 0; i++)
		if (model_match(&table[i], method, path, n, comps, len))
			first = i;
	if (first < 0) {
		CHECK(rt->handler == (n < 0 ? ROUTE_INVALID : ROUTE_NOT_FOUND));
		CHECK(!rt->pattern);
		return rt;
	}
	CHECK(rt == &table[first]);
	if (n < 0)	/* malformed: only an exact or prefix pattern took it */
		CHECK(!strchr(rt->pattern, '*'));
	if (is_prefix(rt->pattern)) {
		CHECK(a->rest == path + strlen(rt->pattern) - 3);
	} else {
		CHECK(!a->rest);
	}
	if (!strchr(rt->pattern, '*')) {
		CHECK(a->nargs == 0);
	} else {
		const char *p = rt->pattern + 1;
		int k = 0, c = 0;

		CHECK(a->nargs == stars(rt->pattern));
		/* the args, in order, are the components in the '*' places */
		for (; *p; c++) {
			size_t l = strcspn(p, "/");

			if (l == 1 && *p == '*') {
				const char *s = a->arg[k++];
				size_t sl;

				CHECK(s >= a->buf && s < a->buf + sizeof(a->buf));
				sl = strnlen(s, (size_t)(a->buf + sizeof(a->buf) - s));
				CHECK(s + sl < a->buf + sizeof(a->buf));	/* terminated in buf */
				CHECK(sl > 0 && !memchr(s, '/', sl));
				CHECK(c < n && sl == len[c] && memcmp(s, comps[c], sl) == 0);
			}
			p += l;
			if (*p == '/')
				p++;
		}
	}
	for (i = a->nargs; i < ROUTE_ARGS; i++)
		CHECK(!a->arg[i]);
	return rt;
}

static int same_args(const struct route_args *x, const struct route_args *y)
{
	int i;

	if (x->nargs != y->nargs || x->rest != y->rest)
		return 0;
	for (i = 0; i < x->nargs; i++)
		if (strcmp(x->arg[i], y->arg[i]) != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct route_args a, b;
	const uint8_t *sp = memchr(data, ' ', size);
	char *method, *path, *copy = NULL;
	const struct route *rt;
	size_t ml = sp ? (size_t)(sp - data) : 0, pl = sp ? size - ml - 1 : size;
	const uint8_t *pd = sp ? sp + 1 : data;

	if (memchr(data, '\0', ml))
		return 0;
	method = sp ? strndup((const char *)data, ml) : strdup("GET");
	path = malloc(pl + 1);
	if (!method || !path)
		abort();
	memcpy(path, pd, pl);
	path[pl] = '\0';
	if (!memchr(pd, '\0', pl)) {
		copy = strdup(path);
		if (!copy)
			abort();
	} else {
		free(path);
		path = NULL;
	}

	rt = check(method, path, &a);
	CHECK(route_match(method, path, &b) == rt && same_args(&a, &b));
	if (path)
		CHECK(strcmp(path, copy) == 0);
	/* HEAD is GET's */
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		const char *other = strcmp(method, "GET") == 0 ? "HEAD" : "GET";

		CHECK(check(other, path, &b) == rt && same_args(&a, &b));
	}
	free(method);
	free(path);
	free(copy);
	return 0;
}
