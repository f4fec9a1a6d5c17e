/* http.c - libmicrohttpd behind the small interface of http.h.
 *
 * MHD calls the access handler several times per request: once for the
 * head, then once per chunk of body, then once with no data.  This file
 * turns that into route / body / end callbacks, enforces the body limit,
 * and writes one access-log line per request.
 */
#include "config.h"
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#define MAX_HEADERS 16

struct http_server {
	struct MHD_Daemon *d;
	struct http_config cfg;
	unsigned port;
};

struct http_req {
	struct http_server *srv;
	struct MHD_Connection *c;
	const char *method;
	char *path;		/* decoded copy; NULL when invalid */
	const char *route;
	bool head;
	bool answered;
	bool queued;
	struct http_cached *cached;	/* resp belongs to it */
	struct MHD_Response *resp;
	unsigned status;
	uint64_t bytes_out;
	struct timespec start;
	char *hname[MAX_HEADERS], *hval[MAX_HEADERS];
	int nheaders;
	/* body */
	bool has_body;
	struct http_body body;
	uint64_t max, received;
	struct MHD_PostProcessor *pp;
	bool body_error;	/* a body callback failed: ignore the rest */
	/* a form sent with Content-Encoding: gzip (Crashpad does) is
	 * inflated before the form parser sees it */
	z_stream *gz;
	bool gz_end;
	uint64_t inflated;
};

const char *http_method(const struct http_req *r) { return r->method; }
const char *http_path(const struct http_req *r) { return r->path; }
void http_set_route(struct http_req *r, const char *route) { r->route = route; }

const char *http_header(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
	if (r->nheaders >= MAX_HEADERS)
		return;
	r->hname[r->nheaders] = strdup(name);
	r->hval[r->nheaders] = strdup(value);
	if (r->hname[r->nheaders] && r->hval[r->nheaders])
		r->nheaders++;
}

static void set_response(struct http_req *r, unsigned status, const char *type,
			 struct MHD_Response *resp, uint64_t size)
{
	int i;

	r->answered = true;
	r->status = status;
	if (!resp) {
		r->status = 500;
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return;
		size = 0;
	}
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->hname[i], r->hval[i]);
	r->resp = resp;
	r->bytes_out = r->head ? 0 : size;
}

void http_respond(struct http_req *r, unsigned status, const char *type,
		  const void *body, size_t n)
{
	if (r->answered)
		return;
	set_response(r, status, type,
		     MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY), n);
}

void http_respondf(struct http_req *r, unsigned status, const char *type, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	http_respond(r, status, type, s, (size_t)n);
	free(s);
}

void http_respond_fd(struct http_req *r, unsigned status, const char *type, int fd, uint64_t size)
{
	if (r->answered) {
		close(fd);
		return;
	}
	set_response(r, status, type, MHD_create_response_from_fd64(size, fd), size);
}

struct stream_ctx {
	long (*read)(void *ctx, uint64_t pos, char *buf, size_t max);
	void (*free_ctx)(void *ctx);
	void *ctx;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ctx *s = cls;
	long n = s->read(s->ctx, pos, buf, max);

	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n;
}

static void stream_free(void *cls)
{
	struct stream_ctx *s = cls;

	s->free_ctx(s->ctx);
	free(s);
}

void http_respond_stream(struct http_req *r, unsigned status, const char *type, uint64_t size,
			 long (*read)(void *ctx, uint64_t pos, char *buf, size_t max),
			 void *ctx, void (*free_ctx)(void *ctx))
{
	struct stream_ctx *s;

	if (r->answered || !(s = malloc(sizeof(*s)))) {
		free_ctx(ctx);
		if (!r->answered)
			http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	s->read = read;
	s->free_ctx = free_ctx;
	s->ctx = ctx;
	set_response(r, status, type,
		     MHD_create_response_from_callback(size, 64 * 1024, stream_read, s, stream_free),
		     size);
}

struct http_cached {
	struct MHD_Response *resp;
	unsigned status;
	size_t size;
	int refs;		/* ours; MHD counts its own queue references */
};

static pthread_mutex_t cached_mu = PTHREAD_MUTEX_INITIALIZER;

static void cached_unref(struct http_cached *c)
{
	int left;

	pthread_mutex_lock(&cached_mu);
	left = --c->refs;
	pthread_mutex_unlock(&cached_mu);
	if (left == 0) {
		MHD_destroy_response(c->resp);
		free(c);
	}
}

struct http_cached *http_cached_new(unsigned status, const char *type, const void *body,
				    size_t n, const char *const *names, const char *const *values,
				    int nheaders)
{
	struct http_cached *c = calloc(1, sizeof(*c));
	int i;

	if (!c)
		return NULL;
	c->resp = MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!c->resp) {
		free(c);
		return NULL;
	}
	if (type)
		MHD_add_response_header(c->resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	for (i = 0; i < nheaders; i++)
		MHD_add_response_header(c->resp, names[i], values[i]);
	c->status = status;
	c->size = n;
	c->refs = 1;
	return c;
}

void http_respond_cached(struct http_req *r, struct http_cached *c)
{
	if (r->answered)
		return;
	/* MHD counts the references of a response: each queue takes one, and
	 * the request drops it when done (see queue()). */
	pthread_mutex_lock(&cached_mu);
	c->refs++;		/* dropped when the request completes */
	pthread_mutex_unlock(&cached_mu);
	r->answered = true;
	r->status = c->status;
	r->resp = c->resp;
	r->cached = c;
	r->bytes_out = r->head ? 0 : c->size;
}

void http_cached_release(struct http_cached *c)
{
	if (c)
		cached_unref(c);
}

size_t http_cached_size(const struct http_cached *c)
{
	return c->size;
}

void http_accept_body(struct http_req *r, const struct http_body *b, uint64_t max)
{
	r->has_body = true;
	r->body = *b;
	r->max = max;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *filename, const char *content_type,
				 const char *transfer_encoding, const char *data, uint64_t off,
				 size_t size)
{
	struct http_req *r = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (r->body_error || r->answered || !r->body.field)
		return MHD_YES;
	if (r->body.field(r, r->body.st, key ? key : "", filename, data, off, size) != 0)
		r->body_error = true;
	return MHD_YES;
}

static bool is_form(struct http_req *r)
{
	const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);

	return ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
}

static enum MHD_Result queue(struct http_req *r)
{
	enum MHD_Result ret;

	if (r->queued)
		return MHD_YES;
	if (!r->answered)
		http_respond(r, 500, "text/plain", "no answer\n", 10);
	if (!r->resp)
		return MHD_NO;
	r->queued = true;
	ret = MHD_queue_response(r->c, r->status, r->resp);
	if (!r->cached)
		MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ret;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;

	(void)version;
	if (!r) {
		const char *cl;
		const unsigned char *p;

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		*con_cls = r;
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		r->srv = srv;
		r->c = c;
		r->method = method;
		r->head = strcmp(method, "HEAD") == 0;
		r->route = "other";
		r->path = strdup(url);
		for (p = (const unsigned char *)r->path; p && *p; p++)
			if (*p < 0x20 || *p == 0x7f) {
				free(r->path);
				r->path = NULL;
				break;
			}
		if (srv->cfg.fault_rate > 0 && r->path && strcmp(r->path, "/_health") != 0 &&
		    strcmp(r->path, "/_metrics") != 0) {
			/* exactly this fraction of requests, spread evenly: request n
			 * fails when floor((n + 1) * rate) > floor(n * rate); the
			 * kinds take turns */
			static uint64_t counter;
			uint64_t n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
			uint64_t before = (uint64_t)((double)n * srv->cfg.fault_rate);
			uint64_t after = (uint64_t)((double)(n + 1) * srv->cfg.fault_rate);
			if (after > before) {
				int kind = (int)(before % 3);
				r->route = "fault";
				if (kind == 0)
					return MHD_NO;	/* drop the connection */
				if (kind == 1) {
					http_add_header(r, "Retry-After", "1");
					http_respond(r, 429, "application/json",
						     "{\"error\": \"injected: too many requests\"}\n", 41);
				} else {
					http_respond(r, 500, "application/json",
						     "{\"error\": \"injected: internal error\"}\n", 38);
				}
				return queue(r);
			}
		}
		srv->cfg.route(r, srv->cfg.app);
		if (r->answered) {
			/* Answer on the next call, once MHD has the whole request:
			 * an answer queued now makes MHD close the connection,
			 * which is right only when a body is being refused. */
			const char *te = http_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
			const char *len = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
			if (te || (len && strtoull(len, NULL, 10) > 0))
				return queue(r);
			return MHD_YES;
		}
		if (!r->has_body) {
			http_respond(r, 500, "text/plain", "internal error: unrouted request\n", 33);
			return queue(r);
		}
		cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && r->max && strtoull(cl, NULL, 10) > r->max) {
			http_respondf(r, 413, "application/json",
				      "{\"error\": \"the body exceeds %llu bytes\"}\n",
				      (unsigned long long)r->max);
			return queue(r);
		}
		if (is_form(r) && r->body.field) {
			const char *ce = http_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING);
			r->pp = MHD_create_post_processor(c, 64 * 1024, post_iter, r);
			if (!r->pp) {
				http_respond(r, 400, "application/json",
					     "{\"error\": \"malformed multipart/form-data request\"}\n", 51);
				return queue(r);
			}
			if (ce && (strcasecmp(ce, "gzip") == 0 || strcasecmp(ce, "x-gzip") == 0)) {
				r->gz = calloc(1, sizeof(*r->gz));
				if (!r->gz || inflateInit2(r->gz, 15 + 16) != Z_OK) {
					free(r->gz);
					r->gz = NULL;
					http_respond(r, 500, "text/plain", "out of memory\n", 14);
					return queue(r);
				}
			} else if (ce && strcasecmp(ce, "identity") != 0) {
				http_respondf(r, 415, "application/json",
					      "{\"error\": \"unsupported Content-Encoding (gzip is accepted)\"}\n");
				return queue(r);
			}
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		r->received += n;
		if (r->answered || r->body_error)
			return MHD_YES;	/* discard the rest */
		if (r->max && r->received > r->max) {
			http_respondf(r, 413, "application/json",
				      "{\"error\": \"the body exceeds %llu bytes\"}\n",
				      (unsigned long long)r->max);
			return MHD_YES;
		}
		if (r->pp && r->gz) {
			unsigned char out[65536];
			r->gz->next_in = (unsigned char *)(uintptr_t)upload_data;
			r->gz->avail_in = (uInt)n;
			while (r->gz->avail_in && !r->answered) {
				int zr;
				size_t got;
				if (r->gz_end) {
					http_respond(r, 400, "application/json",
						     "{\"error\": \"data after the end of the gzip body\"}\n", 49);
					break;
				}
				r->gz->next_out = out;
				r->gz->avail_out = sizeof(out);
				zr = inflate(r->gz, Z_NO_FLUSH);
				if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
					http_respond(r, 400, "application/json",
						     "{\"error\": \"the gzip body is corrupt\"}\n", 38);
					break;
				}
				if (zr == Z_STREAM_END)
					r->gz_end = true;
				got = sizeof(out) - r->gz->avail_out;
				r->inflated += got;
				if (r->max && r->inflated > r->max) {
					http_respondf(r, 413, "application/json",
						      "{\"error\": \"the body exceeds %llu bytes\"}\n",
						      (unsigned long long)r->max);
					break;
				}
				if (got && MHD_post_process(r->pp, (const char *)out, got) != MHD_YES &&
				    !r->answered)
					http_respond(r, 400, "application/json",
						     "{\"error\": \"malformed multipart/form-data body\"}\n", 48);
				if (zr == Z_BUF_ERROR && !got)
					break;
			}
		} else if (r->pp) {
			if (MHD_post_process(r->pp, upload_data, n) != MHD_YES && !r->answered)
				http_respond(r, 400, "application/json",
					     "{\"error\": \"malformed multipart/form-data body\"}\n", 48);
		} else if (r->body.data) {
			if (r->body.data(r, r->body.st, upload_data, n) != 0)
				r->body_error = true;
		} else if (!r->answered) {
			http_respond(r, 415, "application/json",
				     "{\"error\": \"this route takes a multipart/form-data body\"}\n", 57);
		}
		return MHD_YES;
	}
	/* the body is complete */
	if (!r->answered && r->gz && !r->gz_end)
		http_respond(r, 400, "application/json",
			     "{\"error\": \"the gzip body is truncated\"}\n", 40);
	if (!r->answered && r->body.end)
		r->body.end(r, r->body.st);
	return queue(r);
}

/* The access log: one line per request, gathered in one buffer and written
 * when it fills and every 200 ms by a flusher thread, so that logging costs
 * no system call per request and a quiet server still shows its last
 * requests promptly. */
static struct {
	pthread_mutex_t mu;
	char buf[256 * 1024];
	size_t len;
	pthread_t flusher;
	bool running, stop;
} accesslog = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* with accesslog.mu held */
static void log_flush_locked(void)
{
	size_t off = 0;

	while (off < accesslog.len) {
		ssize_t w = write(STDOUT_FILENO, accesslog.buf + off, accesslog.len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	accesslog.len = 0;
}

static void *log_flusher(void *arg)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	bool stop;

	(void)arg;
	do {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&accesslog.mu);
		log_flush_locked();
		stop = accesslog.stop;
		pthread_mutex_unlock(&accesslog.mu);
	} while (!stop);
	return NULL;
}

static void log_line(struct http_req *r, uint64_t usec)
{
	char line[8300];
	int n = snprintf(line, sizeof(line), "%s %.8000s %u %llu %llu\n", r->method,
			 r->path ? r->path : "(invalid)", r->status,
			 (unsigned long long)r->bytes_out, (unsigned long long)usec);

	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&accesslog.mu);
	if (accesslog.len + (size_t)n > sizeof(accesslog.buf))
		log_flush_locked();
	memcpy(accesslog.buf + accesslog.len, line, (size_t)n);
	accesslog.len += (size_t)n;
	if (!accesslog.running)
		log_flush_locked();	/* no flusher: write through */
	pthread_mutex_unlock(&accesslog.mu);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	struct timespec now;
	uint64_t usec;
	int i;

	(void)c;
	if (!r)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	usec = (uint64_t)(now.tv_sec - r->start.tv_sec) * 1000000u +
	       (uint64_t)((now.tv_nsec - r->start.tv_nsec) / 1000);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->queued)
		r->status = 499;	/* the client went away */
	if (!srv->cfg.quiet)
		log_line(r, usec);
	if (srv->cfg.done)
		srv->cfg.done(srv->cfg.app, r->route, r->status, r->bytes_out, usec);
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	if (r->gz) {
		inflateEnd(r->gz);
		free(r->gz);
	}
	if (r->resp && !r->cached)
		MHD_destroy_response(r->resp);
	if (r->cached)
		cached_unref(r->cached);
	if (r->has_body && r->body.cleanup)
		r->body.cleanup(r->body.st);
	for (i = 0; i < r->nheaders; i++) {
		free(r->hname[i]);
		free(r->hval[i]);
	}
	free(r->path);
	free(r);
	*con_cls = NULL;
}

/* Percent-decoding that never produces a NUL: %00 becomes 0x01, which the
 * path checks then refuse, instead of silently shortening the string. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	const char *p = s;

	(void)cls;
	(void)c;
	while (*p) {
		if (p[0] == '%' && p[1] && p[2] &&
		    strchr("0123456789abcdefABCDEF", p[1]) && strchr("0123456789abcdefABCDEF", p[2])) {
			char hex[3] = { p[1], p[2], 0 };
			char v = (char)strtol(hex, NULL, 16);
			*w++ = v ? v : 0x01;
			p += 3;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return false;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end || port > 65535)
		return false;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[strlen(host) - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return false;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return false;
		*len = sizeof(*a);
	}
	return true;
}

/* Binds a listening socket to ss ourselves, so that a failure names the
 * address and the reason; -1 after saying why on stderr.  *port gets the
 * port bound (the one the kernel picked for port 0). */
static int listen_on(const struct sockaddr_storage *ss, socklen_t len, unsigned *port)
{
	char host[INET6_ADDRSTRLEN], where[INET6_ADDRSTRLEN + 16];
	const char *what = "bind", *name = "", *hint = "";
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	int fd, one = 1, e;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(where, sizeof(where), "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(where, sizeof(where), "%s:%u", host, ntohs(a->sin_port));
	}
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		what = "create a socket for";
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0)
		goto fail;
	if (listen(fd, 1024) < 0) {
		what = "listen on";
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&got, &glen) < 0)
		goto fail;
	*port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port :
						   ((struct sockaddr_in *)&got)->sin_port);
	return fd;
fail:
	e = errno;
	if (e == EADDRINUSE) {
		name = "EADDRINUSE, ";
		hint = ": another process listens there; stop it or choose another port with --listen";
	} else if (e == EACCES) {
		name = "EACCES, ";
		hint = ": ports below 1024 need privileges; choose another port with --listen";
	} else if (e == EADDRNOTAVAIL) {
		name = "EADDRNOTAVAIL, ";
		hint = ": no interface of this machine has that address";
	}
	fprintf(stderr, "symserver: cannot %s %s: %s (%serrno %d)%s\n", what, where, strerror(e),
		name, e, hint);
	if (fd >= 0)
		close(fd);
	return -1;
}

struct http_server *http_start(const struct http_config *cfg)
{
	struct http_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	int fd;

	if (!s)
		return NULL;
	s->cfg = *cfg;
	if (!parse_listen(cfg->listen, &ss, &len)) {
		fprintf(stderr, "symserver: cannot parse the listen address '%s' (want ADDR:PORT)\n",
			cfg->listen);
		free(s);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if ((fd = listen_on(&ss, len, &s->port)) < 0) {
		free(s);
		return NULL;
	}
	/* MHD owns fd from here: MHD_stop_daemon() closes it */
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, s,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_THREAD_POOL_SIZE, cfg->threads ? cfg->threads : 4,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)10000,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
				MHD_OPTION_END);
	if (!s->d) {
		fprintf(stderr, "symserver: cannot start the HTTP server on %s\n", cfg->listen);
		close(fd);
		free(s);
		return NULL;
	}
	if (!cfg->quiet && !accesslog.running) {
		accesslog.stop = false;
		accesslog.running = pthread_create(&accesslog.flusher, NULL, log_flusher, NULL) == 0;
	}
	return s;
}

unsigned http_port(const struct http_server *s)
{
	return s->port;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	if (accesslog.running) {
		pthread_mutex_lock(&accesslog.mu);
		accesslog.stop = true;
		pthread_mutex_unlock(&accesslog.mu);
		pthread_join(accesslog.flusher, NULL);
		accesslog.running = false;
	}
	pthread_mutex_lock(&accesslog.mu);
	log_flush_locked();
	pthread_mutex_unlock(&accesslog.mu);
	free(s);
}
