/* http.h - the HTTP layer: the only user of libmicrohttpd.
 *
 * Requests reach the application through one table of routes (routes.c).
 * A route's handler is called once when the request head has arrived; it
 * either answers at once or accepts a body, which then arrives through
 * body callbacks (raw bytes for PUT, decoded form fields for multipart
 * POST) before the end callback answers.  All callbacks of one request run
 * on one thread; different requests run concurrently on the thread pool.
 */
#ifndef SYM_HTTP_H
#define SYM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_req;

/* The body handlers a route installs from its start callback. */
struct http_body {
	/* a chunk of a raw body (PUT, or POST that is not a form) */
	int (*data)(struct http_req *r, void *st, const char *data, size_t n);
	/* a chunk of a multipart/form-data field; filename is NULL for plain
	 * fields; off is the chunk's offset within the field */
	int (*field)(struct http_req *r, void *st, const char *name, const char *filename,
		     const char *data, uint64_t off, size_t n);
	/* the body is complete: answer */
	void (*end)(struct http_req *r, void *st);
	/* always called last, answered or not */
	void (*cleanup)(void *st);
	void *st;
};

/* The request */
const char *http_method(const struct http_req *r);
const char *http_path(const struct http_req *r);	/* decoded; NULL if it held a NUL or control byte */
const char *http_header(struct http_req *r, const char *name);
const char *http_query(struct http_req *r, const char *name);
void http_set_route(struct http_req *r, const char *route);	/* for metrics and the log */
/* Accepts a body: the callbacks in b (copied) receive it.  max is the
 * largest body accepted (413 past it). */
void http_accept_body(struct http_req *r, const struct http_body *b, uint64_t max);

/* Responses: a route answers exactly once.  Headers added before the
 * answer go with it. */
void http_add_header(struct http_req *r, const char *name, const char *value);
void http_respond(struct http_req *r, unsigned status, const char *type,
		  const void *body, size_t n);
/* The same for a malloc()ed body, which it takes (sent without a copy,
 * freed when sent or at once when the request was answered already). */
void http_respond_take(struct http_req *r, unsigned status, const char *type, void *body,
		       size_t n);
/* printf-style JSON or text body */
/* {"error": msg} as application/json, msg formatted as printf does (not
 * UTF-8-checked: http.c's own messages are ASCII; handlers' errors with
 * request bytes in them go through respond_json_error()). */
void http_error(struct http_req *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void http_respondf(struct http_req *r, unsigned status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Sends size bytes produced by read(ctx, pos, buf, max) -> bytes, 0 at end,
 * -1 on error; free(ctx) is called when done. */
void http_respond_stream(struct http_req *r, unsigned status, const char *type, uint64_t size,
			 long (*read)(void *ctx, uint64_t pos, char *buf, size_t max),
			 void *ctx, void (*free_ctx)(void *ctx));

/* A response built once and sent many times (a hot symbol file, a fixed
 * error): body, type and headers are fixed at creation.  body is copied.
 * The object is reference-counted: the creator's reference is dropped
 * with http_cached_release(); requests in flight keep their own. */
struct http_cached;
struct http_cached *http_cached_new(unsigned status, const char *type, const void *body,
				    size_t n, const char *const *names, const char *const *values,
				    int nheaders);
void http_respond_cached(struct http_req *r, struct http_cached *c);
void http_cached_release(struct http_cached *c);
size_t http_cached_size(const struct http_cached *c);

/* The server */
struct http_config {
	const char *listen;	/* "ADDR:PORT"; port 0 picks a free one */
	unsigned threads;
	bool quiet;		/* no access log */
	/* testing only: this fraction of requests (but /_health and
	 * /_metrics), spread evenly, gets a dropped connection, a 429 with
	 * Retry-After: 1 or a 500, in turn */
	double fault_rate;
	/* Hostile clients (main.c gives the defaults; 0 turns a limit off):
	 * connections at once (0: 10000); connections at once from one client
	 * address; seconds without traffic before a connection is closed;
	 * seconds a request head may take, counted from the connection's
	 * start (on a kept-alive connection: idle_timeout from the previous
	 * answer); bytes per second a request body must average once
	 * header_timeout seconds have passed since its head; a comma-separated
	 * list of addresses exempt from max_per_client (a reverse proxy), or
	 * NULL / "none" */
	unsigned max_connections, max_per_client;
	unsigned idle_timeout, header_timeout, min_body_rate;
	const char *trusted;
	/* the router: called for every request head */
	void (*route)(struct http_req *r, void *app);
	void *app;
	/* called after each request with its route, status, bytes and time */
	void (*done)(void *app, const char *route, unsigned status, uint64_t bytes_out,
		     uint64_t usec);
};

struct http_server;
/* Starts listening; returns NULL and prints why on failure. */
struct http_server *http_start(const struct http_config *cfg);
unsigned http_port(const struct http_server *s);
void http_stop(struct http_server *s);

#endif
