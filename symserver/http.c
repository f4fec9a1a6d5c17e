/* http.c - libmicrohttpd behind the small interface of http.h.
 *
 * MHD calls the access handler several times per request: once for the
 * head, then once per chunk of body, then once with no data.  This file
 * turns that into route / body / end callbacks, enforces the body limit,
 * and writes one access-log line per request.
 */
#include "config.h"
#include "http.h"
#include "store.h"	/* STORE_TABLE_BUILDS, for the descriptor budget */

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
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <zlib.h>

#define MAX_HEADERS 16

#define MAX_TRUSTED 16
#define CLIENT_BUCKETS 4096

/* One accepted connection, from MHD's connection notification to its
 * close.  The guard's list owns it.  The deadlines are read by the
 * sweeper thread and written by the connection's worker thread, hence
 * the atomics; the rest is under the server's mu. */
struct conn {
	struct conn *prev, *next;
	int fd;
	struct client *client;	/* NULL when exempt from the per-client limit */
	bool cut;		/* shut down by the sweeper */
	uint64_t head_deadline;	/* ms: a head must have arrived by then; 0: none pending */
	uint64_t body_since;	/* ms: a body is being received since then; 0: none */
	uint64_t body_bytes;
};

/* the connections at once from one address */
struct client {
	struct client *next;
	unsigned char addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	unsigned count;
};

struct http_server {
	struct MHD_Daemon *d;
	struct http_config cfg;
	unsigned port;
	/* the guard against hostile clients: see conn_notify() */
	pthread_mutex_t mu;
	struct conn *conns;
	struct client *clients[CLIENT_BUCKETS];
	unsigned char trusted[MAX_TRUSTED][16];
	int ntrusted;
	pthread_t sweeper;
	bool sweeping, stop;
	pthread_cond_t wake;
	/* connections refused or closed, for the periodic note on stderr */
	uint64_t refused, head_cuts, body_cuts;
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

void http_respond_take(struct http_req *r, unsigned status, const char *type, void *body,
		       size_t n)
{
	struct MHD_Response *resp;

	if (r->answered) {
		free(body);
		return;
	}
	resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		free(body);
	set_response(r, status, type, resp, n);
}

void http_error(struct http_req *r, unsigned status, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL, *body = NULL;
	json_t *j = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		j = json_pack("{s:s%}", "error", msg, strlen(msg));
	if (j)
		body = json_dumps(j, JSON_ENSURE_ASCII);
	if (body) {
		size_t n = strlen(body);
		char *nl = realloc(body, n + 2);
		if (nl) {
			body = nl;
			memcpy(body + n, "\n", 2);
			http_respond(r, status, "application/json", body, n + 1);
		} else {
			free(body);
			body = NULL;
		}
	}
	if (!body) {
		static const char oom[] = "{\"error\": \"out of memory\"}\n";
		http_respond(r, 500, "application/json", oom, sizeof(oom) - 1);
	}
	free(body);
	json_decref(j);
	free(msg);
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
		http_error(r, 500, "out of memory");
		return;
	}
	http_respond(r, status, type, s, (size_t)n);
	free(s);
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
			http_error(r, 500, "out of memory");
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
		http_error(r, 500, "no answer");
	if (!r->resp)
		return MHD_NO;
	r->queued = true;
	ret = MHD_queue_response(r->c, r->status, r->resp);
	if (!r->cached)
		MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ret;
}

/* The guard against hostile clients.  MHD's own limits cover the total
 * number of connections, idleness and the size of a request head; this
 * adds what MHD lacks: a per-address limit with exemptions (a reverse
 * proxy), a deadline for the whole request head, and a minimum average
 * rate for a body.  MHD tells us of each connection (conn_notify), the
 * access handler and completed() move its deadlines, and a sweeper thread
 * shuts down the socket of a connection past one; MHD then sees the
 * connection end and closes it as it would any other. */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The 16-byte key of an address (IPv4 as ::ffff:a.b.c.d); false for a
 * family that is not IP. */
static bool addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* Whether key (from addr_key) is exempt; if not, key becomes the key of
 * its allowance: an IPv6 client counts with its /64 network (one
 * subscriber's usual share, each address of which it can use). */
static bool is_trusted(const struct http_server *s, unsigned char key[16])
{
	static const unsigned char v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int i;

	for (i = 0; i < s->ntrusted; i++)
		if (memcmp(s->trusted[i], key, 16) == 0)
			return true;
	if (memcmp(key, v4, 12) != 0)
		memset(key + 8, 0, 8);
	return false;
}

/* with s->mu held: the link that points at key's entry, or at the NULL
 * that ends its bucket */
static struct client **client_slot(struct http_server *s, const unsigned char key[16])
{
	uint32_t h = 2166136261u;
	struct client **p;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	for (p = &s->clients[h % CLIENT_BUCKETS]; *p; p = &(*p)->next)
		if (memcmp((*p)->addr, key, 16) == 0)
			break;
	return p;
}

/* MHD asks before it takes a connection: refuse an address that already
 * has its share.  Two connections accepted at once by two threads can
 * both pass, so the limit holds to within the number of threads. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_server *s = cls;
	unsigned char key[16];
	struct client *c;
	bool full;

	(void)len;
	if (!s->cfg.max_per_client || !addr_key(addr, key) || is_trusted(s, key))
		return MHD_YES;
	pthread_mutex_lock(&s->mu);
	c = *client_slot(s, key);
	full = c && c->count >= s->cfg.max_per_client;
	if (full)
		s->refused++;
	pthread_mutex_unlock(&s->mu);
	return full ? MHD_NO : MHD_YES;
}

static void conn_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	unsigned char key[16];
	struct conn *k;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		bool limited;
		k = calloc(1, sizeof(*k));
		if (!k)
			return;	/* unguarded, but served */
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		k->fd = ci ? ci->connect_fd : -1;
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		limited = s->cfg.max_per_client && ci && addr_key(ci->client_addr, key) &&
			  !is_trusted(s, key);
		if (s->cfg.header_timeout)
			k->head_deadline = now_ms() + s->cfg.header_timeout * 1000ull;
		pthread_mutex_lock(&s->mu);
		if (limited) {
			struct client **slot = client_slot(s, key);
			if (!*slot && (*slot = calloc(1, sizeof(**slot))))
				memcpy((*slot)->addr, key, 16);
			if (*slot) {
				(*slot)->count++;
				k->client = *slot;
			}
		}
		k->next = s->conns;
		if (s->conns)
			s->conns->prev = k;
		s->conns = k;
		pthread_mutex_unlock(&s->mu);
		*socket_context = k;
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_CLOSED || !(k = *socket_context))
		return;
	*socket_context = NULL;
	pthread_mutex_lock(&s->mu);
	if (k->prev)
		k->prev->next = k->next;
	else
		s->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	if (k->client && --k->client->count == 0) {
		struct client **slot = client_slot(s, k->client->addr);
		struct client *c = *slot;
		*slot = c->next;
		free(c);
	}
	pthread_mutex_unlock(&s->mu);
	free(k);
}

/* the guard's record of a connection; NULL once MHD has said it closed */
static struct conn *conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void *sweeper(void *arg)
{
	struct http_server *s = arg;
	uint64_t grace = (s->cfg.header_timeout ? s->cfg.header_timeout : 10) * 1000ull;
	uint64_t last_note = now_ms(), noted = 0;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec ts;
		uint64_t now;
		struct conn *k;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->wake, &s->mu, &ts);
		if (s->stop)
			break;
		now = now_ms();
		for (k = s->conns; k; k = k->next) {
			uint64_t hd = __atomic_load_n(&k->head_deadline, __ATOMIC_RELAXED);
			uint64_t bs = __atomic_load_n(&k->body_since, __ATOMIC_RELAXED);
			bool head = false, body = false, cut;
			int unread = 0;

			if (k->cut || k->fd < 0)
				continue;
			if (hd && now > hd) {
				head = true;
			} else if (bs && s->cfg.min_body_rate && now > bs + grace) {
				uint64_t need = (now - bs - grace) * s->cfg.min_body_rate / 1000u;
				body = __atomic_load_n(&k->body_bytes, __ATOMIC_RELAXED) < need;
			}
			/* bytes the client sent that no worker has read yet: the
			 * delay is ours (every worker busy), not the client's; it
			 * is cut once they are read, if it is still behind then */
			if ((head || body) && ioctl(k->fd, FIONREAD, &unread) == 0 && unread > 0)
				head = body = false;
			s->head_cuts += head;
			s->body_cuts += body;
			cut = head || body;
			if (cut) {
				/* MHD sees the end of the stream and closes the
				 * connection itself.  k->fd is still this
				 * connection's: MHD tells conn_notify, which waits
				 * for mu, before it closes the descriptor. */
				shutdown(k->fd, SHUT_RDWR);
				k->cut = true;
			}
		}
		if (now - last_note >= 10000) {
			uint64_t all = s->refused + s->head_cuts + s->body_cuts;
			if (all != noted)
				fprintf(stderr, "symserver: hostile clients so far: %llu connections refused "
					"(over --max-per-client), %llu closed for a slow request head "
					"(--header-timeout), %llu for a slow body (--min-body-rate)\n",
					(unsigned long long)s->refused, (unsigned long long)s->head_cuts,
					(unsigned long long)s->body_cuts);
			noted = all;
			last_note = now;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* MHD's messages (a client that went away, a head too large) come once
 * per connection: under attack that is thousands a second.  At most 20
 * go to stderr in any second; the rest are counted and the count said. */
__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static time_t second;
	static unsigned n, dropped;
	time_t now = time(NULL);
	bool show;

	(void)cls;
	pthread_mutex_lock(&mu);
	if (now != second) {
		if (dropped)
			fprintf(stderr, "symserver: %u more messages of the HTTP library not shown\n",
				dropped);
		second = now;
		n = dropped = 0;
	}
	show = n++ < 20;
	if (!show)
		dropped++;
	pthread_mutex_unlock(&mu);
	if (show)
		vfprintf(stderr, fmt, ap);
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
		struct conn *k = conn_of(c);

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
		if (k) {
			/* the head is in; a body, if any, is timed from now */
			const char *hte = http_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
			const char *hcl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
			bool body = hte || (hcl && strtoull(hcl, NULL, 10) > 0);
			__atomic_store_n(&k->body_bytes, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&k->body_since, body ? now_ms() : 0, __ATOMIC_RELAXED);
			__atomic_store_n(&k->head_deadline, 0, __ATOMIC_RELAXED);
		}
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
					http_error(r, 429, "injected: too many requests");
				} else {
					http_error(r, 500, "injected: internal error");
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
			http_error(r, 500, "internal error: unrouted request");
			return queue(r);
		}
		cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && r->max && strtoull(cl, NULL, 10) > r->max) {
			http_error(r, 413, "the body exceeds %llu bytes",
				      (unsigned long long)r->max);
			return queue(r);
		}
		if (is_form(r) && r->body.field) {
			const char *ce = http_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING);
			r->pp = MHD_create_post_processor(c, 64 * 1024, post_iter, r);
			if (!r->pp) {
				http_error(r, 400, "malformed multipart/form-data request");
				return queue(r);
			}
			if (ce && (strcasecmp(ce, "gzip") == 0 || strcasecmp(ce, "x-gzip") == 0)) {
				r->gz = calloc(1, sizeof(*r->gz));
				if (!r->gz || inflateInit2(r->gz, 15 + 16) != Z_OK) {
					free(r->gz);
					r->gz = NULL;
					http_error(r, 500, "out of memory");
					return queue(r);
				}
			} else if (ce && strcasecmp(ce, "identity") != 0) {
				http_error(r, 415, "unsupported Content-Encoding (gzip is accepted)");
				return queue(r);
			}
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		struct conn *k = conn_of(c);

		*upload_size = 0;
		r->received += n;
		if (k)
			__atomic_add_fetch(&k->body_bytes, n, __ATOMIC_RELAXED);
		if (r->max && r->received > r->max &&
		    !http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
			/* a chunked body past the limit may never end: answer
			 * now and close instead of reading it to its end */
			if (!r->answered)
				http_error(r, 413, "the body exceeds %llu bytes",
					      (unsigned long long)r->max);
			return queue(r);
		}
		if (r->answered || r->body_error)
			return MHD_YES;	/* discard the rest */
		if (r->max && r->received > r->max) {
			http_error(r, 413, "the body exceeds %llu bytes",
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
					http_error(r, 400, "data after the end of the gzip body");
					break;
				}
				r->gz->next_out = out;
				r->gz->avail_out = sizeof(out);
				zr = inflate(r->gz, Z_NO_FLUSH);
				if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
					http_error(r, 400, "the gzip body is corrupt");
					break;
				}
				if (zr == Z_STREAM_END)
					r->gz_end = true;
				got = sizeof(out) - r->gz->avail_out;
				r->inflated += got;
				if (r->max && r->inflated > r->max) {
					http_error(r, 413, "the body exceeds %llu bytes",
						      (unsigned long long)r->max);
					break;
				}
				if (got && MHD_post_process(r->pp, (const char *)out, got) != MHD_YES &&
				    !r->answered)
					http_error(r, 400, "malformed multipart/form-data body");
				if (zr == Z_BUF_ERROR && !got)
					break;
			}
		} else if (r->pp) {
			if (MHD_post_process(r->pp, upload_data, n) != MHD_YES && !r->answered)
				http_error(r, 400, "malformed multipart/form-data body");
		} else if (r->body.data) {
			if (r->body.data(r, r->body.st, upload_data, n) != 0)
				r->body_error = true;
		} else if (!r->answered) {
			http_error(r, 415, "this route takes a multipart/form-data body");
		}
		return MHD_YES;
	}
	/* the body is complete */
	{
		struct conn *k = conn_of(c);
		if (k)
			__atomic_store_n(&k->body_since, 0, __ATOMIC_RELAXED);
	}
	if (!r->answered && r->gz && !r->gz_end)
		http_error(r, 400, "the gzip body is truncated");
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
	struct conn *k;
	uint64_t usec;
	int i;

	if (c && (k = conn_of(c))) {
		/* a kept-alive connection: the next head is due within the
		 * idle timeout */
		unsigned t = srv->cfg.idle_timeout > srv->cfg.header_timeout ? srv->cfg.idle_timeout :
									      srv->cfg.header_timeout;
		__atomic_store_n(&k->body_since, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&k->head_deadline, t ? now_ms() + t * 1000ull : 0, __ATOMIC_RELAXED);
	}
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

/* --trust-proxy: addresses exempt from the per-client limit */
static bool parse_trusted(struct http_server *s, const char *list)
{
	char buf[1024], *tok, *save = NULL;

	if (!list || strcmp(list, "none") == 0 || !*list)
		return true;
	if (strlen(list) >= sizeof(buf)) {
		fprintf(stderr, "symserver: --trust-proxy: the list is too long\n");
		return false;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct in_addr a4;
		unsigned char *key;
		if (s->ntrusted == MAX_TRUSTED) {
			fprintf(stderr, "symserver: --trust-proxy: at most %d addresses\n", MAX_TRUSTED);
			return false;
		}
		key = s->trusted[s->ntrusted];
		if (inet_pton(AF_INET, tok, &a4) == 1) {
			memset(key, 0, 10);
			key[10] = key[11] = 0xff;
			memcpy(key + 12, &a4, 4);
		} else if (inet_pton(AF_INET6, tok, key) != 1) {
			fprintf(stderr, "symserver: --trust-proxy: '%s' is not an IP address "
				"(give addresses separated by commas, or none)\n", tok);
			return false;
		}
		s->ntrusted++;
	}
	return true;
}

/* Each connection takes a descriptor, and an upload in progress one more
 * (its temporary file): raise the soft limit towards twice
 * --max-connections, and lower --max-connections if even the hard limit
 * is too low for it. */
static bool fit_fd_limit(struct http_server *s)
{
	struct rlimit rl;
	/* a socket and an upload's file per connection, and the temporary
	 * files of the uploads building a lookup table (store.h) */
	rlim_t want = (rlim_t)s->cfg.max_connections * 2 + 64 +
		      STORE_TABLE_BUILDS * STORE_TABLE_BUILD_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return true;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)s->cfg.max_connections + 64) {
		if (rl.rlim_cur < 128) {
			fprintf(stderr, "symserver: only %llu file descriptors (ulimit -n): "
				"raise the limit\n", (unsigned long long)rl.rlim_cur);
			return false;
		}
		fprintf(stderr, "symserver: --max-connections %u lowered to %llu: only %llu file "
			"descriptors (raise ulimit -n)\n", s->cfg.max_connections,
			(unsigned long long)(rl.rlim_cur - 64), (unsigned long long)rl.rlim_cur);
		s->cfg.max_connections = (unsigned)(rl.rlim_cur - 64);
	}
	return true;
}

/* frees s and what the guard holds (no connection is left by then) */
static void guard_free(struct http_server *s)
{
	int i;

	for (i = 0; i < CLIENT_BUCKETS; i++)
		while (s->clients[i]) {
			struct client *c = s->clients[i];
			s->clients[i] = c->next;
			free(c);
		}
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	free(s);
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
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (!s->cfg.max_connections)
		s->cfg.max_connections = 10000;
	if (!parse_listen(cfg->listen, &ss, &len)) {
		fprintf(stderr, "symserver: cannot parse the listen address '%s' (want ADDR:PORT)\n",
			cfg->listen);
		guard_free(s);
		return NULL;
	}
	if (!parse_trusted(s, cfg->trusted) || !fit_fd_limit(s)) {
		guard_free(s);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if ((fd = listen_on(&ss, len, &s->port)) < 0) {
		guard_free(s);
		return NULL;
	}
	/* MHD owns fd from here: MHD_stop_daemon() closes it */
	s->d = MHD_start_daemon(flags, 0, accept_policy, s, access_handler, s,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_THREAD_POOL_SIZE, cfg->threads ? cfg->threads : 4,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, conn_notify, s,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.idle_timeout,
				MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections,
				/* the whole request head must fit: larger gets 431 (414
				 * for the URL alone) */
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
				MHD_OPTION_END);
	if (!s->d) {
		fprintf(stderr, "symserver: cannot start the HTTP server on %s\n", cfg->listen);
		close(fd);
		guard_free(s);
		return NULL;
	}
	if (s->cfg.header_timeout || s->cfg.min_body_rate) {
		s->sweeping = pthread_create(&s->sweeper, NULL, sweeper, s) == 0;
		if (!s->sweeping)
			fprintf(stderr, "symserver: cannot start the timeout thread: "
				"--header-timeout and --min-body-rate are not enforced\n");
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
	if (s->sweeping) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->sweeper, NULL);
	}
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
	guard_free(s);
}
