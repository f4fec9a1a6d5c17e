/* routes.c - the router (one table) and the read-side handlers: symbol
 * downloads for processors, the code-id redirect, syminfo, health and
 * metrics. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "fsutil.h"
#include "server.h"

#define CACHE_CONTROL "public, max-age=31536000, immutable, no-transform"

/* ---- helpers --------------------------------------------------------- */

const char *json_str(const char *s, char *out, size_t cap)
{
	size_t j = 0;

	for (; *s && j + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[j++] = '\\';
			out[j++] = (char)c;
		} else if (c < 0x20) {
			j += (size_t)snprintf(out + j, cap - j, "\\u%04x", c);
		} else {
			out[j++] = (char)c;
		}
	}
	out[j] = '\0';
	return out;
}

/* A path component we accept for a file name: what Tecken accepts,
 * minus nothing: no controls, no bytes >= 0x80, none of \ ^ ` < > { } [ ]
 * # % " ' | and not "." or "..". */
const char *server_basename(const char *p)
{
	const char *a = strrchr(p, '/'), *b = strrchr(p, '\\');

	if (b && (!a || b > a))
		a = b;
	return a && a[1] ? a + 1 : p;
}

bool server_valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 8 || n > 64)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

static bool accepts_gzip(struct http_req *r)
{
	const char *ae = http_header(r, "Accept-Encoding");
	const char *p;

	if (!ae)
		return false;
	for (p = ae; (p = strcasestr(p, "gzip")) != NULL; p += 4) {
		const char *q = p + 4;
		while (*q == ' ')
			q++;
		if (*q == ';') {
			const char *qv = strstr(q, "q=");
			const char *comma = strchr(q, ',');
			if (qv && (!comma || qv < comma) && strtod(qv + 2, NULL) == 0)
				return false;
		}
		return true;
	}
	return false;
}

static void http_date(uint64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

const char *server_base_url(struct server *srv, struct http_req *r, char *out, size_t cap)
{
	const char *host;

	if (srv->public_url) {
		snprintf(out, cap, "%s", srv->public_url);
	} else {
		host = http_header(r, "Host");
		snprintf(out, cap, "http://%s", host && store_name_ok(host) ? host : "localhost");
	}
	/* no trailing slash: paths are appended with their own */
	while (out[0] && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	return out;
}

/* ---- auth ------------------------------------------------------------ */

/* The token a request carries (Authorization: Bearer, Auth-Token, or
 * ?key=) into tok[65], without a Tecken "-label" suffix; "" when it is
 * not 64 characters long.  NULL when the request carries none. */
static const char *request_token(struct http_req *r, char tok[65])
{
	const char *t = NULL, *h;
	size_t n;

	h = http_header(r, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0)
		t = h + 7;
	if (!t)
		t = http_header(r, "Auth-Token");
	if (!t)
		t = http_query(r, "key");
	if (!t || !*t)
		return NULL;
	n = strcspn(t, "-");
	if (n != 64)
		n = 0;
	memcpy(tok, t, n);
	tok[n] = '\0';
	return tok;
}

/* Answers 401 for a token that is missing, unknown, revoked or expired;
 * false when it did. */
static bool auth_valid(struct http_req *r, const char *tok, enum store_token_status st)
{
	const char *why;

	if (!tok)
		why = "no token sent";
	else if (st == TOKEN_UNKNOWN)
		why = "unknown token";
	else if (st == TOKEN_REVOKED)
		why = "token revoked";
	else if (st == TOKEN_EXPIRED)
		why = "token expired";
	else
		return true;
	http_add_header(r, "WWW-Authenticate", "Bearer");
	http_respondf(r, 401, "application/json", "{\"error\": \"%s\"}\n", why);
	return false;
}

bool server_auth(struct server *srv, struct http_req *r, const char *scope, char *who)
{
	struct store_token t;
	enum store_token_status st = TOKEN_UNKNOWN;
	char buf[65], b1[300];
	const char *tok = request_token(r, buf);

	if (tok)
		st = store_token_lookup(srv->store, tok, scope, (uint64_t)time(NULL), &t);
	if (!auth_valid(r, tok, st))
		return false;
	if (st != TOKEN_OK) {
		http_respondf(r, 403, "application/json",
			      "{\"error\": \"token '%s' lacks the %s scope\"}\n",
			      json_str(t.name, b1, sizeof(b1)), scope);
		return false;
	}
	if (who)
		snprintf(who, 128, "%s", t.name);
	return true;
}

/* GET /api/token: what the token sent is (a client's check before it
 * reads any file).  401 when it is not valid; never 403. */
static void token_route(struct server *srv, struct http_req *r)
{
	struct store_token t;
	enum store_token_status st = TOKEN_UNKNOWN;
	char buf[65], b1[800], b2[300], exp[64], scopes[1024] = "";
	const char *tok = request_token(r, buf), *p;
	size_t l;

	http_set_route(r, "token");
	if (tok)
		st = store_token_lookup(srv->store, tok, NULL, (uint64_t)time(NULL), &t);
	if (!auth_valid(r, tok, st))
		return;
	/* "upload,download" -> "upload","download" (t.scopes < 128 bytes) */
	for (p = t.scopes; *p; p += l + (p[l] == ',')) {
		char one[128];
		l = strcspn(p, ",");
		snprintf(one, sizeof(one), "%.*s", (int)l, p);
		snprintf(scopes + strlen(scopes), sizeof(scopes) - strlen(scopes), "%s\"%s\"",
			 scopes[0] ? "," : "", json_str(one, b1, sizeof(b1)));
	}
	if (t.expires) {
		exp[0] = '"';
		missing_iso_time(t.expires, exp + 1, sizeof(exp) - 2);
		strcat(exp, "\"");
	} else {
		strcpy(exp, "null");
	}
	http_add_header(r, "Cache-Control", "no-store");
	http_respondf(r, 200, "application/json", "{\"name\":\"%s\",\"scopes\":[%s],\"expires\":%s}\n",
		      json_str(t.name, b2, sizeof(b2)), scopes, exp);
}

/* ---- downloads ------------------------------------------------------- */

struct inflate_ctx {
	int fd;
	z_stream z;
	bool done;
	unsigned char in[65536];
};

static long inflate_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct inflate_ctx *c = cls;
	int zr;

	(void)pos;
	if (c->done)
		return 0;
	c->z.next_out = (Bytef *)buf;
	c->z.avail_out = (uInt)(max > (1u << 30) ? (1u << 30) : max);
	while (c->z.avail_out) {
		if (c->z.avail_in == 0) {
			ssize_t n = read(c->fd, c->in, sizeof(c->in));
			if (n < 0)
				return -1;
			if (n == 0)
				break;
			c->z.next_in = c->in;
			c->z.avail_in = (uInt)n;
		}
		zr = inflate(&c->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			c->done = true;
			break;
		}
		if (zr != Z_OK)
			return -1;
	}
	return (long)((char *)c->z.next_out - buf);
}

static void inflate_free(void *cls)
{
	struct inflate_ctx *c = cls;

	inflateEnd(&c->z);
	close(c->fd);
	free(c);
}

static void count(struct server *srv, uint64_t *counter)
{
	pthread_mutex_lock(&srv->mu);
	(*counter)++;
	pthread_mutex_unlock(&srv->mu);
}

/* ---- the hot-file cache ---------------------------------------------- */

#define HOT_SLOTS 4096
#define HOT_MAX_FILE ((uint64_t)4 << 20)

void server_init_cache(struct server *srv, uint64_t budget)
{
	static const char body[] = "{\"error\": \"not found\"}\n";

	pthread_mutex_init(&srv->cache_mu, NULL);
	srv->hot_budget = budget;
	srv->hot = budget ? calloc(HOT_SLOTS, sizeof(*srv->hot)) : NULL;
	srv->not_found = http_cached_new(404, "application/json", body, sizeof(body) - 1,
					 NULL, NULL, 0);
}

void server_free_cache(struct server *srv)
{
	size_t i;

	for (i = 0; srv->hot && i < HOT_SLOTS; i++)
		http_cached_release(srv->hot[i].resp);
	free(srv->hot);
	srv->hot = NULL;
	http_cached_release(srv->not_found);
	srv->not_found = NULL;
}

static void not_found(struct server *srv, struct http_req *r)
{
	if (srv->not_found)
		http_respond_cached(r, srv->not_found);
	else
		http_respond(r, 404, "application/json", "{\"error\": \"not found\"}\n", 23);
}

static size_t hot_slot(const char *hash)
{
	return (size_t)strtoul((char[4]){ hash[0], hash[1], hash[2], 0 }, NULL, 16) % HOT_SLOTS;
}

/* Answers from the cache, or loads the blob into it; false when the file
 * is not cacheable (too big, no budget) and must be sent from disk. */
static bool hot_respond(struct server *srv, struct http_req *r, const struct sym_record *rec,
			const char *const *names, const char *const *values, int nh)
{
	struct hot_entry *e;
	struct http_cached *c = NULL, *old = NULL;
	char *buf;
	size_t got = 0;
	int fd;

	if (!srv->hot || rec->gz_size > HOT_MAX_FILE)
		return false;
	e = &srv->hot[hot_slot(rec->hash)];
	pthread_mutex_lock(&srv->cache_mu);
	if (e->resp && strcmp(e->hash, rec->hash) == 0) {
		http_respond_cached(r, e->resp);
		pthread_mutex_unlock(&srv->cache_mu);
		return true;
	}
	pthread_mutex_unlock(&srv->cache_mu);

	fd = store_blob_open(srv->store, rec->hash);
	buf = fd >= 0 ? malloc(rec->gz_size ? rec->gz_size : 1) : NULL;
	while (buf && got < rec->gz_size) {
		ssize_t n = pread(fd, buf + got, rec->gz_size - got, (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	if (buf && got == rec->gz_size)
		c = http_cached_new(200, "text/plain", buf, got, names, values, nh);
	free(buf);
	if (!c)
		return false;
	http_respond_cached(r, c);
	pthread_mutex_lock(&srv->cache_mu);
	if (e->resp)
		srv->hot_bytes -= http_cached_size(e->resp);
	if (srv->hot_bytes + got <= srv->hot_budget) {
		old = e->resp;
		snprintf(e->hash, sizeof(e->hash), "%s", rec->hash);
		e->resp = c;
		srv->hot_bytes += got;
		c = NULL;
	} else {
		old = e->resp;
		e->resp = NULL;
		e->hash[0] = '\0';
	}
	pthread_mutex_unlock(&srv->cache_mu);
	http_cached_release(old);
	http_cached_release(c);
	return true;
}

/* The code-id form, /<code_file>/<code_id>/<sym_file>: a 302 to the
 * file stored under that code id, when there is one and (given symname)
 * the request names its .sym file.  False when nothing was answered.  The
 * caller has checked access (--private). */
static bool code_redirect(struct server *srv, struct http_req *r, const char *file,
			  const char *id, const char *symname)
{
	struct sym_record rec;
	struct sym_err err;
	char buf[4096], b1[2048], *sn;

	sym_err_clear(&err);
	if (store_get_by_code(srv->store, file, id, &rec, &err) != SYM_OK)
		return false;
	sn = sym_file_name(rec.debug_file);
	if (!sn || (symname && strcasecmp(sn, symname) != 0)) {
		free(sn);
		return false;
	}
	http_set_route(r, "code_redirect");
	snprintf(buf, sizeof(buf), "%s/%s/%s/%s", server_base_url(srv, r, b1, sizeof(b1)),
		 rec.debug_file, rec.debug_id, sn);
	free(sn);
	count(srv, &srv->redirects);
	http_add_header(r, "Location", buf);
	http_respondf(r, 302, "application/json", "{\"location\": \"%s\"}\n",
		      json_str(buf, b1, sizeof(b1)));
	return true;
}

/* GET|HEAD /<debug_file>/<debug_id>/<sym_file> */
static void download(struct server *srv, struct http_req *r, const char *file,
		     const char *id, const char *symname)
{
	struct sym_record rec;
	struct sym_err err;
	char *want, etag[80], date[64], b2[256];
	bool name_ok;
	const char *inm;
	enum sym_code rc;
	int fd;

	http_set_route(r, "download");
	/* some processors send a Windows module's debug_file as the path the
	 * linker wrote into the image, "c:\build\foo.pdb" percent-encoded */
	file = server_basename(file);
	symname = server_basename(symname);
	if (!store_name_ok(file) || !store_name_ok(symname) ||
	    !store_name_ok(id)) {
		http_respond(r, 400, "application/json", "{\"error\": \"malformed symbol path\"}\n", 35);
		return;
	}
	/* before any lookup: under --private, whether a file or a code id is
	 * held is itself not for anonymous clients */
	if (srv->private_downloads && !server_auth(srv, r, "download", NULL))
		return;
	want = sym_file_name(file);
	name_ok = want && strcasecmp(want, symname) == 0;
	free(want);
	if (!name_ok) {
		/* the code-id form of a Windows module names the image and the
		 * PDB's .sym (app.dll/<code id>/app.sym); anything else is not a
		 * .sym request for this module (file.ptr, .pd_, ...) */
		if (!server_valid_id(id) || !code_redirect(srv, r, file, id, symname)) {
			count(srv, &srv->misses);
			not_found(srv, r);
		}
		return;
	}
	if (!server_valid_id(id)) {
		http_respond(r, 400, "application/json", "{\"error\": \"malformed debug id\"}\n", 32);
		return;
	}
	sym_err_clear(&err);
	rc = store_get(srv->store, file, id, &rec, &err);
	if (rc == SYM_ENOTFOUND) {
		if (code_redirect(srv, r, file, id, NULL))
			return;
		count(srv, &srv->misses);
		if (srv->acc) {
			const char *qf = http_query(r, "code_file"), *qi = http_query(r, "code_id");
			miss_acc_note(srv->acc, file, id,
				      qf && store_name_ok(qf) ? qf : NULL,
				      qi && store_name_ok(qi) ? qi : NULL, 1, 0);
		}
		not_found(srv, r);
		return;
	}
	if (rc != SYM_OK) {
		http_respondf(r, 500, "application/json", "{\"error\": \"%s\"}\n",
			      json_str(err.msg, b2, sizeof(b2)));
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", rec.hash);
	http_date(rec.mtime, date, sizeof(date));
	inm = http_header(r, "If-None-Match");
	if (!(inm && (strstr(inm, rec.hash) || strcmp(inm, "*") == 0)) && accepts_gzip(r)) {
		static const char *const names[] = { "ETag", "Last-Modified", "Cache-Control",
						     "Vary", "Content-Encoding" };
		const char *const values[] = { etag, date, CACHE_CONTROL, "Accept-Encoding", "gzip" };
		if (hot_respond(srv, r, &rec, names, values, 5)) {
			count(srv, &srv->hits);
			return;
		}
	}
	http_add_header(r, "ETag", etag);
	http_add_header(r, "Last-Modified", date);
	http_add_header(r, "Cache-Control", CACHE_CONTROL);
	http_add_header(r, "Vary", "Accept-Encoding");
	if (inm && (strstr(inm, rec.hash) || strcmp(inm, "*") == 0)) {
		count(srv, &srv->not_modified);
		http_respond(r, 304, NULL, "", 0);
		return;
	}
	fd = store_blob_open(srv->store, rec.hash);
	if (fd < 0) {
		http_respond(r, 500, "application/json",
			     "{\"error\": \"the symbol file is indexed but its blob is missing\"}\n", 64);
		return;
	}
	count(srv, &srv->hits);
	if (accepts_gzip(r)) {
		http_add_header(r, "Content-Encoding", "gzip");
		http_respond_fd(r, 200, "text/plain", fd, rec.gz_size);
		return;
	}
	{
		struct inflate_ctx *c = calloc(1, sizeof(*c));
		if (!c || inflateInit2(&c->z, 15 + 16) != Z_OK) {
			free(c);
			close(fd);
			http_respond(r, 500, "text/plain", "out of memory\n", 14);
			return;
		}
		c->fd = fd;
		http_respond_stream(r, 200, "text/plain", rec.size, inflate_read, c, inflate_free);
	}
}

/* GET /api/syminfo/<file>/<id> (debug or code identifiers) */
static void syminfo(struct server *srv, struct http_req *r, const char *file, const char *id)
{
	struct sym_record rec;
	struct sym_err err;
	char url[4096], b[8][1100], base[2048];
	char *sn;

	http_set_route(r, "syminfo");
	/* ids, hashes and sizes are the store's content: --private covers them */
	if (srv->private_downloads && !server_auth(srv, r, "download", NULL))
		return;
	if (!store_name_ok(file) || !server_valid_id(id)) {
		http_respond(r, 400, "application/json", "{\"error\": \"malformed file name or id\"}\n", 39);
		return;
	}
	sym_err_clear(&err);
	if (store_get(srv->store, file, id, &rec, &err) != SYM_OK &&
	    store_get_by_code(srv->store, file, id, &rec, &err) != SYM_OK) {
		http_respond(r, 404, "application/json", "{\"error\": \"not found\"}\n", 23);
		return;
	}
	sn = sym_file_name(rec.debug_file);
	snprintf(url, sizeof(url), "%s/%s/%s/%s", server_base_url(srv, r, base, sizeof(base)),
		 rec.debug_file, rec.debug_id, sn ? sn : "");
	free(sn);
	http_respondf(r, 200, "application/json",
		      "{\"debug_filename\": \"%s\", \"debug_file\": \"%s\", \"debug_id\": \"%s\", "
		      "\"code_file\": \"%s\", \"code_id\": \"%s\", \"generator\": \"%s\", \"url\": \"%s\", "
		      "\"os\": \"%s\", \"arch\": \"%s\", \"size\": %llu, \"sha256\": \"%s\"}\n",
		      json_str(rec.debug_file, b[0], sizeof(b[0])), b[0],
		      json_str(rec.debug_id, b[1], sizeof(b[1])),
		      json_str(rec.code_file, b[2], sizeof(b[2])),
		      json_str(rec.code_id, b[3], sizeof(b[3])),
		      json_str(rec.generator, b[4], sizeof(b[4])),
		      json_str(url, b[5], sizeof(b[5])),
		      json_str(rec.os, b[6], sizeof(b[6])), json_str(rec.arch, b[7], sizeof(b[7])),
		      (unsigned long long)rec.size, rec.hash);
}

/* ---- metrics --------------------------------------------------------- */

static const uint64_t bucket_usec[MET_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 500000, 2000000, UINT64_MAX,
};

void server_done(void *app, const char *route, unsigned status, uint64_t bytes, uint64_t usec)
{
	struct server *srv = app;
	struct metric_route *m = NULL;
	int i;

	pthread_mutex_lock(&srv->mu);
	for (i = 0; i < srv->nroutes; i++)
		if (srv->routes[i].name == route || strcmp(srv->routes[i].name, route) == 0) {
			m = &srv->routes[i];
			break;
		}
	if (!m && srv->nroutes < MET_ROUTES) {
		m = &srv->routes[srv->nroutes++];
		m->name = route;
	}
	if (m) {
		unsigned cls = status / 100;
		m->by_class[cls >= 1 && cls <= 5 ? cls - 1 : 5]++;
		m->usec_sum += usec;
		m->count++;
		for (i = 0; i < MET_BUCKETS; i++)
			if (usec <= bucket_usec[i])
				m->buckets[i]++;
	}
	/* every response, whatever answered it, is counted here */
	srv->by_code[status >= 100 && status < 600 ? status : 0]++;
	srv->bytes_out += bytes;
	pthread_mutex_unlock(&srv->mu);
}

void server_count_upload(struct server *srv, int outcome, const struct sym_record *rec,
			 const struct sym_record *old)
{
	pthread_mutex_lock(&srv->mu);
	if (outcome == STORE_NEW) {
		srv->up_new++;
		srv->stats.files++;
		srv->stats.bytes += rec->size;
		srv->stats.gz_bytes += rec->gz_size;
	} else if (outcome == STORE_REPLACED || outcome == STORE_FORCED) {
		if (outcome == STORE_FORCED)
			srv->up_forced++;
		else
			srv->up_replaced++;
		srv->stats.bytes += rec->size - (old ? old->size : 0);
		srv->stats.gz_bytes += rec->gz_size - (old ? old->gz_size : 0);
	} else if (outcome == STORE_SAME) {
		srv->up_same++;
	} else if (outcome == STORE_REFUSED) {
		srv->up_refused++;
	} else {
		srv->up_rejected++;
	}
	pthread_mutex_unlock(&srv->mu);
}

void server_store_error(struct server *srv, bool nospace, const char *msg)
{
	pthread_mutex_lock(&srv->mu);
	if (nospace)
		srv->store_err_nospace++;
	else
		srv->store_err_io++;
	pthread_mutex_unlock(&srv->mu);
	fprintf(stderr, "symserver: store error (%s): %s\n", nospace ? "disk full" : "I/O", msg);
}

static void metrics(struct server *srv, struct http_req *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	static const char *cls[] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };
	int i, j;

	http_set_route(r, "metrics");
	if (!f) {
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	pthread_mutex_lock(&srv->mu);
	fprintf(f, "# HELP symserver_requests_total Requests by route and status class.\n"
		   "# TYPE symserver_requests_total counter\n");
	for (i = 0; i < srv->nroutes; i++)
		for (j = 0; j < 6; j++)
			if (srv->routes[i].by_class[j])
				fprintf(f, "symserver_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
					srv->routes[i].name, cls[j],
					(unsigned long long)srv->routes[i].by_class[j]);
	fprintf(f, "# HELP symserver_responses_total Responses by status (499: the client went away).\n"
		   "# TYPE symserver_responses_total counter\n");
	for (i = 100; i < 600; i++)
		if (srv->by_code[i])
			fprintf(f, "symserver_responses_total{code=\"%d\"} %llu\n", i,
				(unsigned long long)srv->by_code[i]);
	if (srv->by_code[0])
		fprintf(f, "symserver_responses_total{code=\"other\"} %llu\n",
			(unsigned long long)srv->by_code[0]);
	fprintf(f, "# HELP symserver_request_duration_seconds Request latency by route.\n"
		   "# TYPE symserver_request_duration_seconds histogram\n");
	for (i = 0; i < srv->nroutes; i++) {
		struct metric_route *m = &srv->routes[i];
		for (j = 0; j < MET_BUCKETS; j++) {
			if (bucket_usec[j] == UINT64_MAX)
				fprintf(f, "symserver_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					m->name, (unsigned long long)m->buckets[j]);
			else
				fprintf(f, "symserver_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					m->name, (double)bucket_usec[j] / 1e6, (unsigned long long)m->buckets[j]);
		}
		fprintf(f, "symserver_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
			m->name, (double)m->usec_sum / 1e6);
		fprintf(f, "symserver_request_duration_seconds_count{route=\"%s\"} %llu\n",
			m->name, (unsigned long long)m->count);
	}
	fprintf(f, "# TYPE symserver_bytes_out_total counter\nsymserver_bytes_out_total %llu\n",
		(unsigned long long)srv->bytes_out);
	fprintf(f, "# TYPE symserver_symbol_hits_total counter\nsymserver_symbol_hits_total %llu\n",
		(unsigned long long)srv->hits);
	fprintf(f, "# TYPE symserver_symbol_misses_total counter\nsymserver_symbol_misses_total %llu\n",
		(unsigned long long)srv->misses);
	fprintf(f, "# TYPE symserver_not_modified_total counter\nsymserver_not_modified_total %llu\n",
		(unsigned long long)srv->not_modified);
	fprintf(f, "# TYPE symserver_code_redirects_total counter\nsymserver_code_redirects_total %llu\n",
		(unsigned long long)srv->redirects);
	fprintf(f, "# HELP symserver_uploads_total Symbol files received, by outcome.\n"
		   "# TYPE symserver_uploads_total counter\n"
		   "symserver_uploads_total{outcome=\"new\"} %llu\n"
		   "symserver_uploads_total{outcome=\"replaced\"} %llu\n"
		   "symserver_uploads_total{outcome=\"unchanged\"} %llu\n"
		   "symserver_uploads_total{outcome=\"rejected\"} %llu\n"
		   "symserver_uploads_total{outcome=\"refused\"} %llu\n"
		   "symserver_uploads_total{outcome=\"forced\"} %llu\n",
		(unsigned long long)srv->up_new, (unsigned long long)srv->up_replaced,
		(unsigned long long)srv->up_same, (unsigned long long)srv->up_rejected,
		(unsigned long long)srv->up_refused, (unsigned long long)srv->up_forced);
	fprintf(f, "# HELP symserver_store_errors_total Uploads the store could not take: "
		   "nospace (507), io (503).\n"
		   "# TYPE symserver_store_errors_total counter\n"
		   "symserver_store_errors_total{kind=\"nospace\"} %llu\n"
		   "symserver_store_errors_total{kind=\"io\"} %llu\n",
		(unsigned long long)srv->store_err_nospace, (unsigned long long)srv->store_err_io);
	fprintf(f, "# TYPE symserver_store_files gauge\nsymserver_store_files %llu\n"
		   "# TYPE symserver_store_bytes gauge\nsymserver_store_bytes %llu\n"
		   "# TYPE symserver_store_compressed_bytes gauge\nsymserver_store_compressed_bytes %llu\n",
		(unsigned long long)srv->stats.files, (unsigned long long)srv->stats.bytes,
		(unsigned long long)srv->stats.gz_bytes);
	pthread_mutex_unlock(&srv->mu);
	if (srv->acc) {
		struct miss_acc_stats ms;
		miss_acc_stats(srv->acc, &ms);
		fprintf(f, "# HELP symserver_missing_noted_total Misses and crashes counted for missing symbols.\n"
			   "# TYPE symserver_missing_noted_total counter\nsymserver_missing_noted_total %llu\n"
			   "# TYPE symserver_missing_flushes_total counter\nsymserver_missing_flushes_total %llu\n"
			   "# TYPE symserver_missing_flush_errors_total counter\nsymserver_missing_flush_errors_total %llu\n"
			   "# TYPE symserver_missing_dropped_total counter\nsymserver_missing_dropped_total %llu\n"
			   "# TYPE symserver_missing_pending gauge\nsymserver_missing_pending %llu\n",
			(unsigned long long)ms.noted, (unsigned long long)ms.flushes,
			(unsigned long long)ms.flush_errors, (unsigned long long)ms.dropped,
			(unsigned long long)ms.pending);
	}
	fclose(f);
	http_respond(r, 200, "text/plain; version=0.0.4", buf, len);
	free(buf);
}

/* ---- the router ------------------------------------------------------ */

/* GET /missing (JSON) and /missing.csv */
static void missing_route(struct server *srv, struct http_req *r, bool csv)
{
	struct store_missing_query q;
	struct store_miss *v = NULL;
	struct sym_err err;
	const char *a;
	char next[2048], base[2048], *body = NULL, *e;
	size_t n = 0, blen = 0, total = 0;
	FILE *f;

	http_set_route(r, csv ? "missing_csv" : "missing");
	if (strcmp(http_method(r), "GET") != 0 && strcmp(http_method(r), "HEAD") != 0) {
		http_add_header(r, "Allow", "GET, HEAD");
		http_respond(r, 405, "application/json", "{\"error\": \"use GET\"}\n", 21);
		return;
	}
	if (srv->private_downloads && !server_auth(srv, r, "download", NULL))
		return;
	memset(&q, 0, sizeof(q));
	q.limit = csv ? 0 : 100;
	if (!missing_parse_status(http_query(r, "status"), &q.status)) {
		http_respondf(r, 400, "application/json", "{\"error\": \"%s\"}\n",
			      "status is one of open, resolved, ignored, all");
		return;
	}
	if ((a = http_query(r, "since")) && *a &&
	    !missing_parse_since(a, (uint64_t)time(NULL), &q.since)) {
		http_respondf(r, 400, "application/json", "{\"error\": \"%s\"}\n",
			      "since is seconds, a date (2026-12-01[T10:00:00Z]) or an age (24h, 7d)");
		return;
	}
	if ((a = http_query(r, "min_count")) && *a) {
		q.min_count = strtoull(a, &e, 10);
		if (*e || *a == '-') {
			http_respondf(r, 400, "application/json", "{\"error\": \"%s\"}\n",
			      "min_count is a number");
			return;
		}
	}
	if ((a = http_query(r, "limit")) && *a) {
		q.limit = strtoull(a, &e, 10);
		if (*e || *a == '-' || q.limit == 0 || q.limit > 10000) {
			http_respondf(r, 400, "application/json", "{\"error\": \"%s\"}\n",
			      "limit is 1 to 10000");
			return;
		}
	}
	q.prefix = http_query(r, "debug_file");
	q.cursor = http_query(r, "cursor");
	sym_err_clear(&err);
	if (store_missing_list(srv->store, &q, &v, &n, &total, next, sizeof(next), &err) != SYM_OK) {
		char b2[300];
		http_respondf(r, err.code == SYM_EUSAGE ? 400 : 500, "application/json",
			      "{\"error\": \"%s\"}\n", json_str(err.msg, b2, sizeof(b2)));
		return;
	}
	f = open_memstream(&body, &blen);
	if (!f) {
		free(v);
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	missing_write(f, csv ? MISS_CSV : MISS_JSON, v, n, total, next,
		      server_base_url(srv, r, base, sizeof(base)));
	fclose(f);
	free(v);
	http_add_header(r, "Cache-Control", "no-store");
	if (csv)
		http_add_header(r, "Content-Disposition", "inline; filename=\"missing.csv\"");
	http_respond(r, 200, csv ? "text/csv; charset=utf-8" : "application/json", body, blen);
	free(body);
}

/* Splits path into at most max components; returns the count, or -1 when
 * there are more (or an empty one). */
static int split(char *path, char **parts, int max)
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

void server_route(struct http_req *r, void *app)
{
	struct server *srv = app;
	const char *m = http_method(r);
	const char *path = http_path(r);
	bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	char copy[8192], *parts[6];
	int n;

	if (!path || strlen(path) >= sizeof(copy)) {
		http_set_route(r, "invalid");
		http_respond(r, 400, "application/json", "{\"error\": \"malformed path\"}\n", 28);
		return;
	}
	if (get && strcmp(path, "/_health") == 0) {
		http_set_route(r, "health");
		http_respond(r, 200, "application/json", "{\"status\": \"ok\"}\n", 17);
		return;
	}
	if (get && strcmp(path, "/_metrics") == 0) {
		metrics(srv, r);
		return;
	}
	if (get && strcmp(path, "/") == 0) {
		page_route(srv, r);
		return;
	}
	if (strcmp(path, "/missing") == 0 || strcmp(path, "/missing.csv") == 0 ||
	    strcmp(path, "/missing/") == 0) {
		missing_route(srv, r, strcmp(path, "/missing.csv") == 0);
		return;
	}
	if (strcmp(path, "/minidump") == 0 || strcmp(path, "/minidump/") == 0) {
		minidump_route(srv, r);
		return;
	}
	if (strncmp(path, "/v1/", 4) == 0) {
		v2_route(srv, r, path + 4);
		return;
	}
	if (strcmp(path, "/upload") == 0 || strcmp(path, "/upload/") == 0) {
		http_set_route(r, "upload");
		if (strcmp(m, "POST") != 0) {
			http_add_header(r, "Allow", "POST");
			http_respond(r, 405, "application/json", "{\"error\": \"use POST\"}\n", 22);
			return;
		}
		upload_route_post(srv, r);
		return;
	}
	if (strcmp(path, "/api/token") == 0) {
		if (!get) {
			http_set_route(r, "token");
			http_add_header(r, "Allow", "GET, HEAD");
			http_respond(r, 405, "application/json", "{\"error\": \"use GET\"}\n", 21);
			return;
		}
		token_route(srv, r);
		return;
	}
	strcpy(copy, path);
	n = split(copy, parts, 5);
	if (n == 4 && strcmp(parts[0], "api") == 0 && strcmp(parts[1], "syminfo") == 0 && get) {
		syminfo(srv, r, parts[2], parts[3]);
		return;
	}
	if (n == 4 && strcmp(parts[0], "try") == 0) {
		parts[0] = parts[1];
		parts[1] = parts[2];
		parts[2] = parts[3];
		n = 3;
	}
	if (n == 3 && get) {
		download(srv, r, parts[0], parts[1], parts[2]);
		return;
	}
	if (n == 3 && strcmp(m, "PUT") == 0) {
		http_set_route(r, "put");
		upload_route_put(srv, r, parts[0], parts[1], NULL);
		return;
	}
	if (n == 3) {
		http_set_route(r, "download");
		http_add_header(r, "Allow", "GET, HEAD, PUT");
		http_respond(r, 405, "application/json", "{\"error\": \"method not allowed\"}\n", 32);
		return;
	}
	http_set_route(r, n < 0 ? "invalid" : "other");
	if (n < 0)
		http_respond(r, 400, "application/json", "{\"error\": \"malformed path\"}\n", 28);
	else
		http_respond(r, 404, "application/json", "{\"error\": \"not found\"}\n", 23);
}
