/* router.c - the route table and its matcher (see router.h).  Depends on
 * nothing but the C library. */
#include "config.h"

#include <string.h>

#include "router.h"

#define GET_HEAD "GET, HEAD"

/* First match wins: an entry matches when its method and its pattern do.
 * A ROUTE_REFUSE entry after the entries of a path answers the other
 * methods with 405; a path without one falls through to later entries
 * (and to 404). */
static const struct route routes[] = {
	{ "GET", "/_health", "health", AUTH_NONE, NULL, false, ROUTE_HEALTH, NULL, NULL },
	{ "GET", "/_metrics", "metrics", AUTH_NONE, NULL, false, ROUTE_METRICS, NULL, NULL },
	{ "GET", "/", "page", AUTH_PRIVATE, "download", true, ROUTE_PAGE, NULL, NULL },

	{ "GET", "/missing", "missing", AUTH_PRIVATE, "download", true, ROUTE_MISSING, NULL, NULL },
	{ "GET", "/missing/", "missing", AUTH_PRIVATE, "download", true, ROUTE_MISSING, NULL, NULL },
	{ "GET", "/missing.csv", "missing_csv", AUTH_PRIVATE, "download", true, ROUTE_MISSING_CSV,
	  NULL, NULL },
	{ NULL, "/missing", "missing", AUTH_NONE, NULL, false, ROUTE_REFUSE, GET_HEAD, "use GET" },
	{ NULL, "/missing/", "missing", AUTH_NONE, NULL, false, ROUTE_REFUSE, GET_HEAD, "use GET" },
	{ NULL, "/missing.csv", "missing_csv", AUTH_NONE, NULL, false, ROUTE_REFUSE, GET_HEAD,
	  "use GET" },

	{ "POST", "/minidump", "minidump", AUTH_PRIVATE, "download", true, ROUTE_MINIDUMP, NULL, NULL },
	{ "POST", "/minidump/", "minidump", AUTH_PRIVATE, "download", true, ROUTE_MINIDUMP, NULL,
	  NULL },
	{ NULL, "/minidump", "minidump", AUTH_NONE, NULL, false, ROUTE_REFUSE, "POST", "use POST" },
	{ NULL, "/minidump/", "minidump", AUTH_NONE, NULL, false, ROUTE_REFUSE, "POST", "use POST" },

	{ "POST", "/symbolicate/v5", "symbolicate", AUTH_PRIVATE, "download", true,
	  ROUTE_SYMBOLICATE, NULL, NULL },
	{ NULL, "/symbolicate/v5", "symbolicate", AUTH_NONE, NULL, false, ROUTE_REFUSE, "POST",
	  "use POST" },

	/* sym-upload-v2: the handler checks the token (it keeps its name)
	 * and answers unknown paths and methods itself */
	{ NULL, "/v1/...", "v2", AUTH_ALWAYS, "upload", false, ROUTE_V2, NULL, NULL },

	{ "POST", "/upload", "upload", AUTH_ALWAYS, "upload", false, ROUTE_UPLOAD, NULL, NULL },
	{ "POST", "/upload/", "upload", AUTH_ALWAYS, "upload", false, ROUTE_UPLOAD, NULL, NULL },
	{ NULL, "/upload", "upload", AUTH_NONE, NULL, false, ROUTE_REFUSE, "POST", "use POST" },
	{ NULL, "/upload/", "upload", AUTH_NONE, NULL, false, ROUTE_REFUSE, "POST", "use POST" },

	/* any valid token: the handler says what it is */
	{ "GET", "/api/token", "token", AUTH_NONE, NULL, false, ROUTE_TOKEN, NULL, NULL },
	{ NULL, "/api/token", "token", AUTH_NONE, NULL, false, ROUTE_REFUSE, GET_HEAD, "use GET" },

	{ "GET", "/api/syminfo/*/*", "syminfo", AUTH_PRIVATE, "download", true, ROUTE_SYMINFO, NULL,
	  NULL },

	/* /try/ is Tecken's prefix for the same files */
	{ "GET", "/try/*/*/*", "download", AUTH_PRIVATE, "download", false, ROUTE_DOWNLOAD, NULL, NULL },
	{ "PUT", "/try/*/*/*", "put", AUTH_ALWAYS, "upload", false, ROUTE_PUT, NULL, NULL },
	{ NULL, "/try/*/*/*", "download", AUTH_NONE, NULL, false, ROUTE_REFUSE, "GET, HEAD, PUT",
	  "method not allowed" },
	{ "GET", "/*/*/*", "download", AUTH_PRIVATE, "download", false, ROUTE_DOWNLOAD, NULL, NULL },
	{ "PUT", "/*/*/*", "put", AUTH_ALWAYS, "upload", false, ROUTE_PUT, NULL, NULL },
	{ NULL, "/*/*/*", "download", AUTH_NONE, NULL, false, ROUTE_REFUSE, "GET, HEAD, PUT",
	  "method not allowed" },
};

static const struct route invalid = {
	NULL, NULL, "invalid", AUTH_NONE, NULL, false, ROUTE_INVALID, NULL, NULL
};
static const struct route not_found = {
	NULL, NULL, "other", AUTH_NONE, NULL, false, ROUTE_NOT_FOUND, NULL, NULL
};

const struct route *route_table(int *n)
{
	*n = (int)(sizeof(routes) / sizeof(routes[0]));
	return routes;
}

/* Splits path (in place) into at most max components; returns the count,
 * or -1 when there are more (or an empty one). */
static int split(char *path, const char **parts, int max)
{
	int n = 0;
	char *p = path, *slash;

	if (*p == '/')
		p++;
	if (!*p)
		return 0;
	while (p) {
		if (n == max)
			return -1;
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (!*p)
			return -1;
		parts[n++] = p;
		p = slash ? slash + 1 : NULL;
	}
	return n;
}

static bool method_ok(const char *want, const char *m)
{
	return !want || strcmp(want, m) == 0 ||
	       (strcmp(want, "GET") == 0 && strcmp(m, "HEAD") == 0);
}

/* Whether the n components in parts fit pattern, "/" separated, "*"
 * for any one; those go to out->arg. */
static bool components_ok(const char *pattern, const char **parts, int n, struct route_args *out)
{
	const char *p = pattern + 1;
	int i = 0, nargs = 0;

	while (*p) {
		size_t l = strcspn(p, "/");
		if (i == n)
			return false;
		if (l == 1 && *p == '*') {
			if (nargs == ROUTE_ARGS)
				return false;
			out->arg[nargs++] = parts[i];
		} else if (strlen(parts[i]) != l || memcmp(parts[i], p, l) != 0) {
			return false;
		}
		i++;
		p += l;
		if (*p == '/')
			p++;
	}
	if (i != n)
		return false;
	out->nargs = nargs;
	return true;
}

const struct route *route_match(const char *method, const char *path, struct route_args *out)
{
	const char *parts[ROUTE_ARGS];
	size_t i, len;
	int n;

	memset(out->arg, 0, sizeof(out->arg));
	out->nargs = 0;
	out->rest = NULL;
	out->buf[0] = '\0';
	if (!path || !method || (len = strlen(path)) >= sizeof(out->buf))
		return &invalid;
	memcpy(out->buf, path, len + 1);
	n = split(out->buf, parts, ROUTE_ARGS);
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		size_t pl = strlen(rt->pattern);

		if (!method_ok(rt->method, method))
			continue;
		if (pl >= 4 && strcmp(rt->pattern + pl - 4, "/...") == 0) {
			if (strncmp(path, rt->pattern, pl - 3) == 0) {
				out->rest = path + pl - 3;
				return rt;
			}
		} else if (strchr(rt->pattern, '*')) {
			if (n > 0 && components_ok(rt->pattern, parts, n, out))
				return rt;
		} else if (strcmp(path, rt->pattern) == 0) {
			return rt;
		}
	}
	return n < 0 ? &invalid : &not_found;
}
