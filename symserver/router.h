/* router.h - the server's routes as one table, and a pure matcher.
 *
 * route_match() knows nothing of HTTP libraries, the store or the server:
 * it maps a method and a decoded path to a table entry, so that it can be
 * called on arbitrary bytes (a fuzz target) and read as the list of
 * everything the server answers.  The dispatcher (routes.c) calls the
 * handler an entry names. */
#ifndef SYM_ROUTER_H
#define SYM_ROUTER_H

#include <stdbool.h>

/* What answers a matched request. */
enum route_handler {
	ROUTE_INVALID,		/* 400 malformed path */
	ROUTE_NOT_FOUND,	/* 404 */
	ROUTE_REFUSE,		/* 405: the path is known, the method is not */
	ROUTE_HEALTH,
	ROUTE_METRICS,
	ROUTE_PAGE,
	ROUTE_MISSING,
	ROUTE_MISSING_CSV,
	ROUTE_MINIDUMP,
	ROUTE_V2,		/* args.rest: what follows /v1/ */
	ROUTE_UPLOAD,
	ROUTE_TOKEN,
	ROUTE_SYMINFO,		/* args: file, id */
	ROUTE_DOWNLOAD,		/* args: file, id, sym file */
	ROUTE_PUT,		/* args: file, id, sym file */
	ROUTE_SYMBOLICATE,
};

/* Who may call a route. */
enum route_auth {
	AUTH_NONE,		/* anyone */
	AUTH_PRIVATE,		/* a token with scope under --private, else anyone */
	AUTH_ALWAYS,		/* always a token with scope */
};

struct route {
	const char *method;	/* "GET" (also HEAD), "POST", "PUT"; NULL: any */
	/* "/exact"; "/prefix/..." (what follows the prefix is args.rest); or
	 * components, "*" standing for one non-empty component
	 * ("/api/syminfo/" then "*" "/" "*") */
	const char *pattern;
	const char *name;	/* for metrics and the log; never changes */
	enum route_auth auth;
	const char *scope;	/* the token scope auth asks for */
	/* true: the dispatcher checks the token before calling the handler;
	 * false: the handler does, after checking its arguments (so that a
	 * malformed request is a 400 before a 401) */
	bool auth_first;
	enum route_handler handler;
	const char *allow;	/* ROUTE_REFUSE: the Allow header */
	const char *refusal;	/* ROUTE_REFUSE: the error text */
};

enum { ROUTE_PATH_MAX = 8192, ROUTE_ARGS = 5 };

/* The parts of a matched path.  Pointers point into buf or into the path
 * given to route_match() (rest); valid while both live. */
struct route_args {
	char buf[ROUTE_PATH_MAX];
	const char *arg[ROUTE_ARGS];	/* the "*" components, in order */
	int nargs;
	const char *rest;		/* a "/prefix/..." pattern: what follows the prefix */
};

/* The table entry for method and path (path decoded, NULL when it held a
 * NUL byte).  Never NULL.  NULL or too long a path: ROUTE_INVALID.  Exact
 * and "/prefix/..." entries are tried first, on the raw path: "/upload/"
 * is an exact entry, and the v2 handler checks what follows "/v1/"
 * itself.  Then a path with an empty component or more than five
 * components gets ROUTE_INVALID, and one no "*" entry takes
 * ROUTE_NOT_FOUND.  out is filled for the entry's handler. */
const struct route *route_match(const char *method, const char *path, struct route_args *out);

/* The table, for listing (n entries). */
const struct route *route_table(int *n);

#endif
