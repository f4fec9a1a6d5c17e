/* symbolicate_route.c - POST /symbolicate/v5: the body (JSON, at most
 * SYMBOLICATE_MAX_BODY bytes) is collected, then answered by
 * symbolicate_v5().  Modules that frames needed and the store lacks count
 * as misses in the missing-symbol accounting. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "symbolicate.h"

/* requests collecting or answering at once, and the bytes of their
 * bodies held at once: past either, 429 with Retry-After */
enum { MAX_ACTIVE = 1024 };
#define MAX_HELD ((uint64_t)256 << 20)
static uint64_t held;	/* atomic */

struct sym_state {
	struct server *srv;
	char *body;
	size_t len, cap;
	bool too_big, nomem, over;
};

static int on_data(struct http_req *r, void *p, const char *data, size_t n)
{
	struct sym_state *st = p;

	(void)r;
	if (st->too_big || st->nomem || st->over)
		return 0;
	if (n > SYMBOLICATE_MAX_BODY - st->len) {
		st->too_big = true;
		return 0;
	}
	if (st->len + n > st->cap) {
		size_t nc = st->cap ? st->cap : 16384;
		char *q;

		while (nc < st->len + n)
			nc *= 2;
		if (__atomic_add_fetch(&held, nc - st->cap, __ATOMIC_RELAXED) > MAX_HELD) {
			__atomic_fetch_sub(&held, nc - st->cap, __ATOMIC_RELAXED);
			st->over = true;
			return 0;
		}
		if (!(q = realloc(st->body, nc))) {
			__atomic_fetch_sub(&held, nc - st->cap, __ATOMIC_RELAXED);
			st->nomem = true;
			return 0;
		}
		st->body = q;
		st->cap = nc;
	}
	memcpy(st->body + st->len, data, n);
	st->len += n;
	return 0;
}

static void note_miss(void *ctx, const char *debug_file, const char *debug_id)
{
	struct server *srv = ctx;

	if (srv->acc && store_name_ok(debug_file) && server_valid_id(debug_id))
		miss_acc_note(srv->acc, debug_file, debug_id, NULL, NULL, 1, 0);
}

static void on_end(struct http_req *r, void *p)
{
	struct sym_state *st = p;
	const char *dbg = http_header(r, "Debug");
	char why[512], *out;
	size_t n = 0;

	if (st->too_big) {
		respond_json_error(r, 413, "the request is larger than 8 MiB");
		return;
	}
	if (st->nomem || st->over) {
		http_add_header(r, "Retry-After", "1");
		respond_json_error(r, 429, st->over ? "too many symbolication requests held at once; retry"
						    : "out of memory for the request; retry");
		return;
	}
	out = symbolicate_v5(st->srv->sym, st->body ? st->body : "", st->len,
			     dbg && strcasecmp(dbg, "true") == 0, note_miss, st->srv, &n, why,
			     sizeof(why));
	if (!out) {
		if (strcmp(why, "out of memory") == 0) {
			http_add_header(r, "Retry-After", "1");
			respond_json_error(r, 429, "out of memory for the answer; retry");
		} else {
			respond_json_error(r, 400, why);
		}
		return;
	}
	http_respond_take(r, 200, "application/json", out, n);
}

static void on_cleanup(void *p)
{
	struct sym_state *st = p;

	__atomic_fetch_sub(&st->srv->sym_active, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&held, st->cap, __ATOMIC_RELAXED);
	free(st->body);
	free(st);
}

void symbolicate_route(struct server *srv, struct http_req *r)
{
	struct sym_state *st;
	struct http_body b;

	if (!srv->sym) {
		http_respond(r, 500, "text/plain", "symbolication is not set up\n", 28);
		return;
	}
	if (__atomic_add_fetch(&srv->sym_active, 1, __ATOMIC_RELAXED) > MAX_ACTIVE) {
		__atomic_fetch_sub(&srv->sym_active, 1, __ATOMIC_RELAXED);
		http_add_header(r, "Retry-After", "1");
		respond_json_error(r, 429, "too many symbolication requests at once; retry");
		return;
	}
	if (!(st = calloc(1, sizeof(*st)))) {
		__atomic_fetch_sub(&srv->sym_active, 1, __ATOMIC_RELAXED);
		http_add_header(r, "Retry-After", "1");
		respond_json_error(r, 429, "out of memory; retry");
		return;
	}
	st->srv = srv;
	memset(&b, 0, sizeof(b));
	b.data = on_data;
	b.end = on_end;
	b.cleanup = on_cleanup;
	b.st = st;
	/* the HTTP layer answers 413 past the limit */
	http_accept_body(r, &b, (uint64_t)SYMBOLICATE_MAX_BODY);
}
