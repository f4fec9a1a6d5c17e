/* download.c - the read side: symbol downloads for processors (with the
 * hot-file cache of ready gzip responses), the code-id redirect, syminfo
 * and the missing-symbols report. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "fsutil.h"
#include "server.h"
#include "symbolicate.h"

#define CACHE_CONTROL "public, max-age=31536000, immutable, no-transform"

/* A blob sent as it is (gzip) or inflated on the way out, read through
 * the store's stream interface. */
struct blob_ctx {
	struct blob_reader *blob;
	bool inflate, done;
	z_stream z;
	unsigned char in[65536];
};

static long blob_send(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct blob_ctx *c = cls;
	ssize_t n;
	int zr;

	(void)pos;
	if (!c->inflate) {
		n = store_blob_read(c->blob, buf, max);
		return n < 0 ? -1 : (long)n;
	}
	if (c->done)
		return 0;
	c->z.next_out = (Bytef *)buf;
	c->z.avail_out = (uInt)(max > (1u << 30) ? (1u << 30) : max);
	while (c->z.avail_out) {
		if (c->z.avail_in == 0) {
			n = store_blob_read(c->blob, c->in, sizeof(c->in));
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

static void blob_send_free(void *cls)
{
	struct blob_ctx *c = cls;

	if (c->inflate)
		inflateEnd(&c->z);
	store_blob_close(c->blob);
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
	size_t n;
	char *body = json_line(json_pack("{s:s}", "error", "not found"), 0, &n);

	pthread_mutex_init(&srv->cache_mu, NULL);
	srv->hot_budget = budget;
	srv->hot = budget ? calloc(HOT_SLOTS, sizeof(*srv->hot)) : NULL;
	srv->not_found = body ? http_cached_new(404, "application/json", body, n, NULL, NULL, 0)
			      : NULL;
	free(body);
	srv->sym = symbolicator_new(srv->store, srv->open_tables);
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
	symbolicator_free(srv->sym);
	srv->sym = NULL;
}

static void not_found(struct server *srv, struct http_req *r)
{
	if (srv->not_found)
		http_respond_cached(r, srv->not_found);
	else
		respond_json_error(r, 404, "not found");
}

static size_t hot_slot(const char *hash)
{
	return (size_t)strtoul((char[4]){ hash[0], hash[1], hash[2], 0 }, NULL, 16) % HOT_SLOTS;
}

/* Answers from the cache, or loads the blob into it; false when the file
 * is not cacheable (too big, no budget) and must be sent from disk, or
 * when its blob cannot be opened (*open_rc: store_blob_open()'s code). */
static bool hot_respond(struct server *srv, struct http_req *r, const struct sym_record *rec,
			const char *const *names, const char *const *values, int nh,
			enum sym_code *open_rc)
{
	struct hot_entry *e;
	struct http_cached *c = NULL, *old = NULL;
	struct blob_reader *b = NULL;
	struct sym_err err;
	char *buf = NULL;
	size_t got = 0;

	sym_err_clear(&err);

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

	if ((*open_rc = store_blob_open(srv->store, rec, &b, &err)) == SYM_OK)
		buf = malloc(rec->gz_size ? rec->gz_size : 1);
	while (buf && got < rec->gz_size) {
		ssize_t n = store_blob_read(b, buf + got, rec->gz_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	store_blob_close(b);
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
	respond_json(r, 302, json_pack("{s:o}", "location", json_text(buf)));
	return true;
}

/* GET|HEAD /<debug_file>/<debug_id>/<sym_file> */
void download_route(struct server *srv, struct http_req *r, const char *file, const char *id,
		    const char *symname)
{
	struct sym_record rec;
	struct sym_err err;
	char *want, etag[80], date[64];
	bool name_ok;
	const char *inm;
	struct blob_reader *blob = NULL;
	struct blob_ctx *c;
	enum sym_code rc, open_rc;
	int attempt = 0;

	/* some processors send a Windows module's debug_file as the path the
	 * linker wrote into the image, "c:\build\foo.pdb" percent-encoded */
	file = server_basename(file);
	symname = server_basename(symname);
	if (!store_name_ok(file) || !store_name_ok(symname) ||
	    !store_name_ok(id)) {
		respond_json_error(r, 400, "malformed symbol path");
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
		respond_json_error(r, 400, "malformed debug id");
		return;
	}
again:
	sym_err_clear(&err);
	rc = store_get(srv->store, file, id, &rec, &err);
	if (rc == SYM_ENOTFOUND) {
		if (attempt == 0 && code_redirect(srv, r, file, id, NULL))
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
		respond_json_error(r, 500, err.msg);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", rec.hash);
	server_http_date(rec.mtime, date, sizeof(date));
	inm = http_header(r, "If-None-Match");
	open_rc = SYM_OK;
	if (!(inm && (strstr(inm, rec.hash) || strcmp(inm, "*") == 0)) && server_accepts_gzip(r)) {
		static const char *const names[] = { "ETag", "Last-Modified", "Cache-Control",
						     "Vary", "Content-Encoding" };
		const char *const values[] = { etag, date, CACHE_CONTROL, "Accept-Encoding", "gzip" };
		if (hot_respond(srv, r, &rec, names, values, 5, &open_rc)) {
			count(srv, &srv->hits);
			return;
		}
	}
	/* before any header: the blob, which over a bucket may be gone or
	 * replaced (the index has followed: look again, once) */
	if (!(inm && (strstr(inm, rec.hash) || strcmp(inm, "*") == 0))) {
		sym_err_clear(&err);
		if (open_rc == SYM_OK)
			open_rc = store_blob_open(srv->store, &rec, &blob, &err);
		if (open_rc == SYM_ESTALE && attempt++ == 0)
			goto again;
		if (open_rc == SYM_ENOTFOUND && store_is_remote(srv->store)) {
			count(srv, &srv->misses);
			not_found(srv, r);
			return;
		}
		if (open_rc != SYM_OK) {
			/* over a bucket, a gateway down or a key changing under
			 * us passes; a local store's failure is the store's */
			bool later = store_is_remote(srv->store) &&
				     (open_rc == SYM_EIO || open_rc == SYM_ESTALE);
			if (later)
				http_add_header(r, "Retry-After", "5");
			respond_json_error(r, later ? 503 : 500,
					   open_rc == SYM_ENOTFOUND ?
					   "the symbol file is indexed but its blob is missing" :
					   open_rc == SYM_EIO && store_is_remote(srv->store) ?
					   "the symbol file cannot be read from the bucket now" :
					   "the symbol file is indexed but its blob cannot be read");
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
	if (!(c = calloc(1, sizeof(*c)))) {
		store_blob_close(blob);
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	c->blob = blob;
	count(srv, &srv->hits);
	if (server_accepts_gzip(r)) {
		http_add_header(r, "Content-Encoding", "gzip");
		http_respond_stream(r, 200, "text/plain", rec.gz_size, blob_send, c, blob_send_free);
		return;
	}
	if (inflateInit2(&c->z, 15 + 16) != Z_OK) {
		blob_send_free(c);
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	c->inflate = true;
	http_respond_stream(r, 200, "text/plain", rec.size, blob_send, c, blob_send_free);
}

/* GET /api/syminfo/<file>/<id> (debug or code identifiers) */
void syminfo_route(struct server *srv, struct http_req *r, const char *file, const char *id)
{
	struct sym_record rec;
	struct sym_err err;
	char url[4096], base[2048];
	char *sn;

	/* the router checked the token under --private: ids, hashes and
	 * sizes are the store's content */
	if (!store_name_ok(file) || !server_valid_id(id)) {
		respond_json_error(r, 400, "malformed file name or id");
		return;
	}
	sym_err_clear(&err);
	if (store_get(srv->store, file, id, &rec, &err) != SYM_OK &&
	    store_get_by_code(srv->store, file, id, &rec, &err) != SYM_OK) {
		respond_json_error(r, 404, "not found");
		return;
	}
	sn = sym_file_name(rec.debug_file);
	snprintf(url, sizeof(url), "%s/%s/%s/%s", server_base_url(srv, r, base, sizeof(base)),
		 rec.debug_file, rec.debug_id, sn ? sn : "");
	free(sn);
	respond_json(r, 200, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:s}",
				       "debug_filename", json_text(rec.debug_file),
				       "debug_file", json_text(rec.debug_file),
				       "debug_id", json_text(rec.debug_id),
				       "code_file", json_text(rec.code_file),
				       "code_id", json_text(rec.code_id),
				       "generator", json_text(rec.generator), "url", json_text(url),
				       "os", json_text(rec.os), "arch", json_text(rec.arch),
				       "size", (json_int_t)rec.size, "sha256", rec.hash));
}

/* GET /missing (JSON) and /missing.csv */
void missing_route(struct server *srv, struct http_req *r, bool csv)
{
	struct missing_query q;
	struct store_miss *v = NULL;
	struct sym_err err;
	const char *a;
	char next[2048], base[2048], *body = NULL, *e;
	size_t n = 0, blen = 0, total = 0;
	FILE *f;

	/* the router checked the method and, under --private, the token */
	memset(&q, 0, sizeof(q));
	q.limit = csv ? 0 : 100;
	if (!missing_parse_status(http_query(r, "status"), &q.status)) {
		respond_json_error(r, 400, "status is one of open, resolved, ignored, all");
		return;
	}
	if ((a = http_query(r, "since")) && *a &&
	    !missing_parse_since(a, (uint64_t)time(NULL), &q.since)) {
		respond_json_error(r, 400,
				   "since is seconds, a date (2026-12-01[T10:00:00Z]) or an age (24h, 7d)");
		return;
	}
	if ((a = http_query(r, "min_count")) && *a) {
		q.min_count = strtoull(a, &e, 10);
		if (*e || *a == '-') {
			respond_json_error(r, 400, "min_count is a number");
			return;
		}
	}
	if ((a = http_query(r, "limit")) && *a) {
		q.limit = strtoull(a, &e, 10);
		if (*e || *a == '-' || q.limit == 0 || q.limit > 10000) {
			respond_json_error(r, 400, "limit is 1 to 10000");
			return;
		}
	}
	q.prefix = http_query(r, "debug_file");
	q.cursor = http_query(r, "cursor");
	sym_err_clear(&err);
	if (missing_list(srv->store, &q, &v, &n, &total, next, sizeof(next), &err) != SYM_OK) {
		respond_json_error(r, err.code == SYM_EUSAGE ? 400 : 500, err.msg);
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
