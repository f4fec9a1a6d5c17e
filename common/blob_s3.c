/* blob_s3.c - blobs in an S3 bucket (AWS S3, Ceph RGW, MinIO, ...), laid
 * out as a Breakpad symbol store that processors can read directly:
 *
 *   PREFIX/<debug_file>/<debug_id>/<sym_file>   the gzip of the .sym,
 *       Content-Encoding: gzip, x-amz-meta-sha256: the .sym's SHA-256
 *
 * Requests are signed with SigV4 by libcurl (CURLOPT_AWS_SIGV4), path-style
 * (http://HOST/BUCKET/KEY).  The body of a PUT carries its own SHA-256
 * (x-amz-content-sha256), so the gateway refuses a body that changed on
 * the way.  A writer spools to an unlinked temporary file: the object is
 * sent whole at the commit, so nothing partial is ever visible in the
 * bucket.  Readers stream: the body comes in through a bounded buffer as
 * the caller reads.  Every request has a connect timeout and a stall
 * timeout; requests that did not reach the gateway, or got 500 or 503,
 * are retried (idempotent: PUT of one content, GET, HEAD, DELETE, list). */
#include "config.h"
#include "blob.h"
#include "blob_s3.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fsutil.h"
#include "sha256.h"

#define READ_BUF (1u << 20)	/* bytes of a GET held ahead of the reader */

struct s3_store {
	struct blob_store base;
	char *endpoint;		/* scheme://host[:port] */
	char *vhost;		/* virtual-host style: scheme://bucket.host[:port]; else NULL */
	char *bucket;
	char *prefix;		/* "" or "a/b/" */
	char *scratch;
	char *sigv4;		/* "aws:amz:REGION:s3" */
	char *userpwd;		/* "ACCESS:SECRET" */
	long timeout_ms;
	int retries;
	int list_page;
	CURLSH *share;		/* the DNS cache only: libcurl 7.88 does not
				 * support a connection cache shared by threads */
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	/* idle easy handles, each with its own connections kept alive */
	pthread_mutex_t pool_mu;
	CURL *pool[16];
	int npool;
	/* health and metrics (blob_s3_stats()) */
	pthread_mutex_t st_mu;
	struct blob_s3_stats st;
};

/* Counts one request to the gateway: failed when it did not answer or
 * answered 5xx (or 401/403: credentials a gateway stopped taking). */
static void note(struct s3_store *s, CURL *e, CURLcode cc, long status, const char *what)
{
	double t = 0;

	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &t);
	pthread_mutex_lock(&s->st_mu);
	s->st.requests++;
	s->st.seconds += t;
	if (cc != CURLE_OK || status >= 500 || status == 401 || status == 403) {
		s->st.errors++;
		s->st.failing++;
		s->st.last_failure = (uint64_t)time(NULL);
		if (cc != CURLE_OK)
			snprintf(s->st.last_error, sizeof(s->st.last_error), "%s: %s", what,
				 curl_easy_strerror(cc));
		else
			snprintf(s->st.last_error, sizeof(s->st.last_error),
				 "%s: the gateway answered %ld", what, status);
	} else {
		s->st.failing = 0;
	}
	pthread_mutex_unlock(&s->st_mu);
}

void blob_s3_stats(struct blob_store *b, struct blob_s3_stats *st)
{
	struct s3_store *s = (struct s3_store *)b;

	pthread_mutex_lock(&s->st_mu);
	*st = s->st;
	pthread_mutex_unlock(&s->st_mu);
}

struct s3_writer {
	struct blob_writer base;
	struct s3_store *s;
	int fd;
	uint64_t size;
	struct sha256 sha;
	char hex[65];		/* its final hash, once computed */
};

struct s3_reader {
	struct blob_reader base;
	CURLM *m;
	CURL *e;
	struct curl_slist *hdrs;
	unsigned char *buf;
	size_t len, off;
	bool paused, done, failed;
	CURLcode result;	/* of the finished transfer */
	char meta_sha256[65];	/* x-amz-meta-sha256 of the answer, "" when none */
};

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *p)
{
	struct s3_store *s = p;

	(void)h;
	(void)a;
	pthread_mutex_lock(&s->locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *p)
{
	struct s3_store *s = p;

	(void)h;
	pthread_mutex_unlock(&s->locks[d]);
}

/* Appends c to out (at *o, cap), %-encoded unless unreserved or (keep) a
 * slash.  false when it does not fit. */
static bool enc(char *out, size_t cap, size_t *o, const char *c, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *c; c++) {
		unsigned char ch = (unsigned char)*c;
		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
		    (keep_slash && ch == '/')) {
			if (*o + 1 >= cap)
				return false;
			out[(*o)++] = (char)ch;
		} else {
			if (*o + 3 >= cap)
				return false;
			out[(*o)++] = '%';
			out[(*o)++] = hex[ch >> 4];
			out[(*o)++] = hex[ch & 15];
		}
	}
	out[*o] = '\0';
	return true;
}

/* The object key of k (not encoded) into out[cap]. */
static bool object_key(const struct s3_store *s, const struct blob_key *k, char *out, size_t cap)
{
	char *sn = sym_file_name(k->debug_file);
	int n;

	if (!sn)
		return false;
	n = snprintf(out, cap, "%s%s/%s/%s", s->prefix, k->debug_file, k->debug_id, sn);
	free(sn);
	return n > 0 && (size_t)n < cap;
}

/* The URL of an object (key given) or of the bucket (key NULL, then
 * query, already canonical: sorted and encoded, may be NULL). */
static bool make_url(const struct s3_store *s, const char *key, const char *query, char *out,
		     size_t cap)
{
	size_t o;
	int n = snprintf(out, cap, "%s/", s->vhost ? s->vhost : s->endpoint);

	if (n < 0 || (size_t)n >= cap)
		return false;
	o = (size_t)n;
	if (s->vhost) {		/* the bucket is in the host name */
		if (key)
			return enc(out, cap, &o, key, true);
	} else {
		if (!enc(out, cap, &o, s->bucket, false))
			return false;
		if (key) {
			if (o + 1 >= cap)
				return false;
			out[o++] = '/';
			return enc(out, cap, &o, key, true);
		}
	}
	if (query) {
		n = snprintf(out + o, cap - o, "?%s", query);
		return n > 0 && (size_t)n < cap - o;
	}
	return true;
}

static size_t discard(char *data, size_t sz, size_t nm, void *ctx)
{
	(void)data;
	(void)ctx;
	return sz * nm;
}

/* The options of every request; total_ms > 0 bounds the whole request
 * (not for transfers whose length has no bound: those have the stall
 * timeout only). */
static void setup(struct s3_store *s, CURL *e, const char *url, long total_ms)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	/* the path as built here: curl would otherwise resolve ".." before
	 * sending and signing */
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	if (total_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(e, CURLOPT_SHARE, s->share);
	curl_easy_setopt(e, CURLOPT_AWS_SIGV4, s->sigv4);
	curl_easy_setopt(e, CURLOPT_USERPWD, s->userpwd);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms);
	/* a transfer that moves less than 1 byte/s for the timeout is dead */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (s->timeout_ms + 999) / 1000);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
}

/* A handle for one request from the pool (its connections reused), set
 * up for url; NULL when out of memory.  Back with put_handle(). */
static CURL *get_handle(struct s3_store *s, const char *url, long total_ms)
{
	CURL *e = NULL;

	pthread_mutex_lock(&s->pool_mu);
	if (s->npool)
		e = s->pool[--s->npool];
	pthread_mutex_unlock(&s->pool_mu);
	if (e)
		curl_easy_reset(e);	/* keeps its live connections */
	else if (!(e = curl_easy_init()))
		return NULL;
	setup(s, e, url, total_ms);
	return e;
}

static void put_handle(struct s3_store *s, CURL *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&s->pool_mu);
	if (s->npool < (int)(sizeof(s->pool) / sizeof(s->pool[0]))) {
		s->pool[s->npool++] = e;
		e = NULL;
	}
	pthread_mutex_unlock(&s->pool_mu);
	if (e)
		curl_easy_cleanup(e);	/* the pool is full */
}

/* Collects up to a few KiB of a response body (error documents, lists). */
struct body {
	char *p;
	size_t n, max;
};

static size_t body_cb(char *data, size_t sz, size_t nm, void *ctx)
{
	struct body *b = ctx;
	size_t n = sz * nm, k = n;
	char *q;

	if (b->n + k > b->max)
		k = b->max > b->n ? b->max - b->n : 0;
	if (k) {
		if (!(q = realloc(b->p, b->n + k + 1)))
			return 0;
		b->p = q;
		memcpy(b->p + b->n, data, k);
		b->n += k;
		b->p[b->n] = '\0';
	}
	return n;
}

/* The <Code> of an S3 error document, or "". */
static void error_code(const struct body *b, char *out, size_t cap)
{
	const char *p = b->p ? strstr(b->p, "<Code>") : NULL, *q;

	out[0] = '\0';
	if (p && (q = strstr(p + 6, "</Code>")) && (size_t)(q - p - 6) < cap)
		snprintf(out, cap, "%.*s", (int)(q - p - 6), p + 6);
}

static void pause_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static bool retryable(CURLcode cc, long status)
{
	if (cc == CURLE_OK)
		return status == 500 || status == 502 || status == 503 || status == 504;
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
	       cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
	       cc == CURLE_PARTIAL_FILE || cc == CURLE_SEND_FAIL_REWIND;
}

/* Runs e (set up by the caller) with retries; *status gets the HTTP
 * status.  rewind(ctx) is called before a retry (may be NULL). */
static enum sym_code perform(struct s3_store *s, CURL *e, const char *what, long *status,
			     struct body *b, bool (*rewind_body)(void *), void *ctx,
			     struct sym_err *err)
{
	CURLcode cc = CURLE_OK;
	char code[64];
	int i;

	for (i = 0;; i++) {
		if (b) {
			free(b->p);
			b->p = NULL;
			b->n = 0;
		}
		*status = 0;
		cc = curl_easy_perform(e);
		if (cc == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
		note(s, e, cc, *status, what);
		if (!retryable(cc, *status) || i >= s->retries || (rewind_body && !rewind_body(ctx)))
			break;
		pause_ms(100L << (2 * i));	/* 100 ms, 400 ms, 1.6 s, ... */
	}
	if (cc != CURLE_OK)
		return sym_fail(err, SYM_EIO, "S3 %s: %s", what, curl_easy_strerror(cc));
	if (*status == 403 || *status == 401) {
		if (b)
			error_code(b, code, sizeof(code));
		return sym_fail(err, SYM_EIO, "S3 %s: access denied (%ld %s): check the credentials",
				what, *status, b && code[0] ? code : "");
	}
	if (*status >= 500) {
		if (b)
			error_code(b, code, sizeof(code));
		return sym_fail(err, SYM_EIO, "S3 %s: the gateway answered %ld %s", what, *status,
				b && code[0] ? code : "");
	}
	return SYM_OK;
}

/* ---- writing --------------------------------------------------------- */

static enum sym_code s3_begin(struct blob_store *b, struct blob_writer **out, struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	struct s3_writer *w = calloc(1, sizeof(*w));
	char path[4096];
	int e;

	if (!w)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/s3put.XXXXXX", s->scratch);
	if ((w->fd = mkstemp(path)) < 0) {
		e = errno;
		free(w);
		return sym_fail(err, sym_errno_code(e),
				"cannot create a temporary file in '%s': %s", s->scratch, strerror(e));
	}
	unlink(path);
	w->base.ops = b->ops;
	w->s = s;
	sha256_init(&w->sha);
	*out = &w->base;
	return SYM_OK;
}

static enum sym_code s3_write(struct blob_writer *bw, const void *p, size_t n, struct sym_err *err)
{
	struct s3_writer *w = (struct s3_writer *)bw;
	const char *c = p;

	sha256_update(&w->sha, p, n);
	w->size += n;
	while (n) {
		ssize_t k = write(w->fd, c, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			return sym_fail(err, sym_errno_code(e),
					"cannot spool the blob: %s", strerror(e));
		}
		c += k;
		n -= (size_t)k;
	}
	return SYM_OK;
}

static void s3_abort(struct blob_writer *bw)
{
	struct s3_writer *w = (struct s3_writer *)bw;

	close(w->fd);
	free(w);
}

static size_t put_read(char *buf, size_t sz, size_t nm, void *ctx)
{
	struct s3_writer *w = ctx;
	ssize_t n;

	do
		n = read(w->fd, buf, sz * nm);
	while (n < 0 && errno == EINTR);
	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

/* libcurl resends a body on a new connection when a reused one turns
 * out closed: it seeks back first. */
static int put_seek(void *ctx, curl_off_t off, int origin)
{
	struct s3_writer *w = ctx;

	return lseek(w->fd, (off_t)off, origin) < 0 ? CURL_SEEKFUNC_FAIL : CURL_SEEKFUNC_OK;
}

static bool put_rewind(void *ctx)
{
	struct s3_writer *w = ctx;

	return lseek(w->fd, 0, SEEK_SET) == 0;
}

static enum sym_code s3_commit(struct blob_writer *bw, const struct blob_key *k, uint64_t *size,
			       struct sym_err *err)
{
	struct s3_writer *w = (struct s3_writer *)bw;
	struct s3_store *s = w->s;
	char key[2048], url[8192], h[4][128], hex[65];
	struct curl_slist *hdrs = NULL;
	struct body b = { NULL, 0, 4096 };
	enum sym_code rc = SYM_OK;
	uint8_t d[32];
	long status;
	CURL *e = NULL;
	int i;

	if (!w->hex[0]) {	/* a commit again after SYM_EEXIST has it */
		sha256_final(&w->sha, d);
		sha256_hex(d, w->hex);
	}
	snprintf(hex, sizeof(hex), "%s", w->hex);
	if (!object_key(s, k, key, sizeof(key)) || !make_url(s, key, NULL, url, sizeof(url))) {
		rc = sym_fail(err, SYM_EUSAGE, "object key too long");
		goto out;
	}
	if (lseek(w->fd, 0, SEEK_SET) != 0) {
		rc = sym_fail(err, SYM_EIO, "cannot read the spooled blob: %s", strerror(errno));
		goto out;
	}
	snprintf(h[0], sizeof(h[0]), "x-amz-content-sha256: %s", hex);
	snprintf(h[1], sizeof(h[1]), "x-amz-meta-sha256: %s", k->hash);
	snprintf(h[2], sizeof(h[2]), "Content-Encoding: gzip");
	/* create-only: the gateway refuses (412) when the key is held */
	snprintf(h[3], sizeof(h[3]), "%s", w->base.create_only ? "If-None-Match: *" : "");
	for (i = 0; i < 4 && h[i][0]; i++) {
		struct curl_slist *t = curl_slist_append(hdrs, h[i]);
		if (!t) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
		hdrs = t;
	}
	{
		struct curl_slist *t = curl_slist_append(hdrs, "Content-Type: text/plain");
		if (!t || !(hdrs = t)) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (!(e = get_handle(s, url, 0))) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, put_read);
	curl_easy_setopt(e, CURLOPT_READDATA, w);
	curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, put_seek);
	curl_easy_setopt(e, CURLOPT_SEEKDATA, w);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)w->size);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if ((rc = perform(s, e, "upload", &status, &b, put_rewind, w, err)) != SYM_OK)
		goto out;
	if (status == 412 && w->base.create_only) {
		/* the writer stays the caller's, to commit again or abort */
		free(b.p);
		curl_slist_free_all(hdrs);
		put_handle(s, e);
		return sym_fail(err, SYM_EEXIST, "S3: object '%s' was created by another writer", key);
	}
	if (status != 200) {
		char code[64];
		error_code(&b, code, sizeof(code));
		rc = sym_fail(err, SYM_EIO, "S3 upload of '%s': the gateway answered %ld %s", key,
			      status, code);
		goto out;
	}
	*size = w->size;
out:
	free(b.p);
	curl_slist_free_all(hdrs);
	if (e)
		put_handle(s, e);
	s3_abort(bw);
	return rc;
}

/* ---- reading --------------------------------------------------------- */

static size_t get_cb(char *data, size_t sz, size_t nm, void *ctx)
{
	struct s3_reader *r = ctx;
	size_t n = sz * nm;

	if (r->off == r->len)
		r->off = r->len = 0;
	if (n > READ_BUF - r->len) {
		if (r->off) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (n > READ_BUF - r->len) {
			r->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return n;
}

/* Keeps the x-amz-meta-sha256 header of the answer. */
static size_t get_header(char *data, size_t sz, size_t nm, void *ctx)
{
	static const char name[] = "x-amz-meta-sha256:";
	struct s3_reader *r = ctx;
	size_t n = sz * nm, i = sizeof(name) - 1, j = 0;

	if (n > i && strncasecmp(data, name, i) == 0) {
		while (i < n && data[i] == ' ')
			i++;
		while (i < n && j < 64 && isxdigit((unsigned char)data[i]))
			r->meta_sha256[j++] = (char)tolower((unsigned char)data[i++]);
		r->meta_sha256[j] = '\0';
	}
	return n;
}

/* Drives the transfer until data is buffered or it ends. */
static void pump(struct s3_reader *r)
{
	int running = 1;
	CURLMsg *msg;
	int left;

	while (!r->done && r->off == r->len) {
		if (r->paused) {
			r->paused = false;
			curl_easy_pause(r->e, CURLPAUSE_CONT);
		}
		if (curl_multi_perform(r->m, &running) != CURLM_OK) {
			r->done = r->failed = true;
			break;
		}
		while ((msg = curl_multi_info_read(r->m, &left)))
			if (msg->msg == CURLMSG_DONE) {
				r->done = true;
				r->result = msg->data.result;
				r->failed = r->result != CURLE_OK;
			}
		if (!running)
			r->done = true;
		if (!r->done && r->off == r->len && !r->paused)
			curl_multi_poll(r->m, NULL, 0, 1000, NULL);
	}
}

static void reader_free(struct s3_reader *r)
{
	if (r->m && r->e)
		curl_multi_remove_handle(r->m, r->e);
	if (r->e)
		curl_easy_cleanup(r->e);
	if (r->m)
		curl_multi_cleanup(r->m);
	curl_slist_free_all(r->hdrs);
	free(r->buf);
	free(r);
}

static enum sym_code s3_open(struct blob_store *b, const struct blob_key *k,
			     struct blob_reader **out, struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	char key[2048], url[8192];
	struct s3_reader *r;
	long status = 0;
	CURLcode cc;
	int i;

	if (!object_key(s, k, key, sizeof(key)) || !make_url(s, key, NULL, url, sizeof(url)))
		return sym_fail(err, SYM_EUSAGE, "object key too long");
	for (i = 0;; i++) {
		if (!(r = calloc(1, sizeof(*r))) || !(r->buf = malloc(READ_BUF)) ||
		    !(r->m = curl_multi_init()) || !(r->e = curl_easy_init()) ||
		    !(r->hdrs = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD"))) {
			if (r)
				reader_free(r);
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		}
		r->base.ops = b->ops;
		setup(s, r->e, url, 0);
		curl_easy_setopt(r->e, CURLOPT_HTTPHEADER, r->hdrs);
		curl_easy_setopt(r->e, CURLOPT_WRITEFUNCTION, get_cb);
		curl_easy_setopt(r->e, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(r->e, CURLOPT_ACCEPT_ENCODING, NULL);	/* the bytes as stored */
		curl_easy_setopt(r->e, CURLOPT_HEADERFUNCTION, get_header);
		curl_easy_setopt(r->e, CURLOPT_HEADERDATA, r);
		curl_multi_add_handle(r->m, r->e);
		/* until the status is known: the first body bytes or the end */
		pump(r);
		curl_easy_getinfo(r->e, CURLINFO_RESPONSE_CODE, &status);
		note(s, r->e, r->failed ? (r->result ? r->result : CURLE_RECV_ERROR) : CURLE_OK, status,
		     "download");
		if (status == 200 && !r->failed) {
			/* the object was replaced behind the index's back (by
			 * another node or tool): not the blob asked for.  An
			 * object without the header (put by another tool) is
			 * taken as it is. */
			curl_off_t len = -1;
			if (k->hash && r->meta_sha256[0] && strcmp(r->meta_sha256, k->hash) != 0) {
				sym_fail(err, SYM_EFORMAT,
					 "S3: object '%s' holds other content (sha256 %s, not %s)", key,
					 r->meta_sha256, k->hash);
				reader_free(r);
				return SYM_EFORMAT;
			}
			/* the same for an object put by another tool (no hash
			 * header) whose size is not the one expected */
			if (k->hash && k->size &&
			    curl_easy_getinfo(r->e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK &&
			    len >= 0 && (uint64_t)len != k->size) {
				sym_fail(err, SYM_EFORMAT, "S3: object '%s' holds other content (%lld bytes, not %llu)",
					 key, (long long)len, (unsigned long long)k->size);
				reader_free(r);
				return SYM_EFORMAT;
			}
			break;
		}
		cc = r->result;
		reader_free(r);
		if (status == 404)
			return sym_fail(err, SYM_ENOTFOUND, "S3: no object '%s'", key);
		if (i >= s->retries || !retryable(cc, status)) {
			if (status)
				return sym_fail(err, SYM_EIO, "S3 download of '%s': the gateway answered %ld",
						key, status);
			return sym_fail(err, SYM_EIO, "S3 download of '%s': %s", key,
					curl_easy_strerror(cc));
		}
		pause_ms(100L << (2 * i));
	}
	*out = &r->base;
	return SYM_OK;
}

static ssize_t s3_read(struct blob_reader *br, void *buf, size_t n)
{
	struct s3_reader *r = (struct s3_reader *)br;
	size_t k;

	pump(r);
	if (r->off == r->len) {
		if (r->failed) {
			errno = EIO;
			return -1;
		}
		return 0;
	}
	k = r->len - r->off < n ? r->len - r->off : n;
	memcpy(buf, r->buf + r->off, k);
	r->off += k;
	return (ssize_t)k;
}

static void s3_close(struct blob_reader *br)
{
	reader_free((struct s3_reader *)br);
}

const char *blob_s3_reader_hash(struct blob_reader *br)
{
	return ((struct s3_reader *)br)->meta_sha256;
}


/* ---- metadata, removal, listing ----------------------------------------- */

/* A request without a body on the object of k: a handle (its header
 * list in *hdrs) and the key in key[cap]; NULL with err set. */
static CURL *object_request(struct s3_store *s, const struct blob_key *k, char *key, size_t cap,
			    struct curl_slist **hdrs, struct sym_err *err)
{
	char url[8192];
	CURL *e;

	*hdrs = NULL;
	if (!object_key(s, k, key, cap) || !make_url(s, key, NULL, url, sizeof(url))) {
		sym_fail(err, SYM_EUSAGE, "object key too long");
		return NULL;
	}
	if (!(e = get_handle(s, url, s->timeout_ms)) ||
	    !(*hdrs = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD"))) {
		put_handle(s, e);
		sym_fail(err, SYM_ENOMEM, "out of memory");
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
	return e;
}

/* A HEAD of k's object: its size (size may be NULL) and, when hash is
 * given, its x-amz-meta-sha256 into hash[65] ("" when none). */
static enum sym_code head_object(struct s3_store *s, const struct blob_key *k, uint64_t *size,
				 char *hash, struct sym_err *err)
{
	struct s3_reader meta;	/* only its meta_sha256, filled by get_header() */
	char key[2048];
	struct curl_slist *hdrs;
	curl_off_t len = -1;
	enum sym_code rc;
	long status;
	CURL *e;

	if (!(e = object_request(s, k, key, sizeof(key), &hdrs, err)))
		return err->code;
	memset(&meta, 0, sizeof(meta));
	curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	if (hash) {
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, get_header);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, &meta);
	}
	rc = perform(s, e, "lookup", &status, NULL, NULL, NULL, err);
	if (rc == SYM_OK && status == 404)
		rc = sym_fail(err, SYM_ENOTFOUND, "S3: no object '%s'", key);
	else if (rc == SYM_OK && status != 200)
		rc = sym_fail(err, SYM_EIO, "S3 lookup of '%s': the gateway answered %ld", key, status);
	else if (rc == SYM_OK &&
		 (curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) != CURLE_OK || len < 0))
		rc = sym_fail(err, SYM_EIO, "S3 lookup of '%s': no Content-Length", key);
	if (rc == SYM_OK && size)
		*size = (uint64_t)len;
	if (rc == SYM_OK && hash)
		snprintf(hash, 65, "%s", meta.meta_sha256);
	curl_slist_free_all(hdrs);
	put_handle(s, e);
	return rc;
}

static enum sym_code s3_stat(struct blob_store *b, const struct blob_key *k, uint64_t *size,
			     struct sym_err *err)
{
	return head_object((struct s3_store *)b, k, size, NULL, err);
}

enum sym_code blob_s3_head(struct blob_store *b, const char *debug_file, const char *debug_id,
			   uint64_t *size, char hash[65], struct sym_err *err)
{
	struct blob_key k = { NULL, debug_file, debug_id, 0 };

	if (!blob_part_ok(debug_file) || !blob_part_ok(debug_id))
		return sym_fail(err, SYM_EUSAGE, "not a blob key");
	return head_object((struct s3_store *)b, &k, size, hash, err);
}

static enum sym_code s3_remove(struct blob_store *b, const struct blob_key *k, struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	char key[2048];
	struct curl_slist *hdrs;
	enum sym_code rc;
	long status;
	CURL *e;

	/* S3 deletes answer 204 whether or not the object exists */
	if ((rc = s3_stat(b, k, NULL, err)) != SYM_OK)
		return rc;
	if (!(e = object_request(s, k, key, sizeof(key), &hdrs, err)))
		return err->code;
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	rc = perform(s, e, "delete", &status, NULL, NULL, NULL, err);
	if (rc == SYM_OK && status != 204 && status != 200)
		rc = sym_fail(err, SYM_EIO, "S3 delete of '%s': the gateway answered %ld", key, status);
	curl_slist_free_all(hdrs);
	put_handle(s, e);
	return rc;
}

struct list_ctx {
	struct s3_store *s;
	int (*fn)(void *ctx, const struct blob_key *k, uint64_t size);
	void *ctx;
	int stop;
};

/* One object of a listing: keys outside the layout are skipped. */
static int list_entry(void *ctx, const char *key, uint64_t size)
{
	struct list_ctx *L = ctx;
	size_t pl = strlen(L->s->prefix);
	char buf[2048], *file, *id, *name, *want;
	struct blob_key k;
	bool ok;

	if (strncmp(key, L->s->prefix, pl) != 0 || strlen(key + pl) >= sizeof(buf))
		return 0;
	strcpy(buf, key + pl);
	file = buf;
	if (!(id = strchr(file, '/')))
		return 0;
	*id++ = '\0';
	if (!(name = strchr(id, '/')))
		return 0;
	*name++ = '\0';
	want = sym_file_name(file);
	ok = want && strcmp(want, name) == 0 && blob_part_ok(file) && blob_part_ok(id);
	free(want);
	if (!ok)
		return 0;
	k.hash = NULL;
	k.debug_file = file;
	k.debug_id = id;
	return L->stop = L->fn(L->ctx, &k, size);
}

/* Lists the keys under PREFIX + sub (after start_after, a key relative
 * to PREFIX, when given), page by page: fn(ctx, key, size) with the key
 * as in the bucket; a non-zero return stops. */
static enum sym_code list_keys(struct s3_store *s, const char *sub, const char *start_after,
			       int (*fn)(void *ctx, const char *key, uint64_t size), void *ctx,
			       int *stop, struct sym_err *err)
{
	char token[sizeof(((struct s3_list_page *)0)->next_token)] = "";
	char query[16384], url[20480], q1[2048], q2[3 * sizeof(token)], q3[3072], page_size[16] = "";
	char full[2048];
	struct curl_slist *hdrs = NULL;
	struct body body = { NULL, 0, 16u << 20 };
	enum sym_code rc = SYM_OK;
	struct s3_list_page page;
	long status;
	size_t o;
	CURL *e = NULL;

	*stop = 0;
	if (s->list_page > 0)
		snprintf(page_size, sizeof(page_size), "%d", s->list_page);
	if (!(hdrs = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD")))
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	o = 0;
	q1[0] = q3[0] = '\0';
	if ((size_t)snprintf(full, sizeof(full), "%s%s", s->prefix, sub) >= sizeof(full) ||
	    !enc(q1, sizeof(q1), &o, full, false)) {
		curl_slist_free_all(hdrs);
		return sym_fail(err, SYM_EUSAGE, "prefix too long");
	}
	o = 0;
	if (start_after && ((size_t)snprintf(full, sizeof(full), "%s%s", s->prefix, start_after) >= sizeof(full) ||
			    !enc(q3, sizeof(q3), &o, full, false))) {
		curl_slist_free_all(hdrs);
		return sym_fail(err, SYM_EUSAGE, "start key too long");
	}
	do {
		/* the query as SigV4 wants it: sorted, every value encoded */
		o = 0;
		q2[0] = '\0';
		if (token[0] && !enc(q2, sizeof(q2), &o, token, false)) {
			rc = sym_fail(err, SYM_EIO, "S3 list: continuation token too long");
			break;
		}
		snprintf(query, sizeof(query), "%s%s%slist-type=2%s%s&prefix=%s%s%s",
			 token[0] ? "continuation-token=" : "", q2, token[0] ? "&" : "",
			 s->list_page > 0 ? "&max-keys=" : "", page_size, q1,
			 q3[0] ? "&start-after=" : "", q3);
		if (!make_url(s, NULL, query, url, sizeof(url)) || !(e = get_handle(s, url, s->timeout_ms))) {
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
			break;
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
		if ((rc = perform(s, e, "list", &status, &body, NULL, NULL, err)) != SYM_OK)
			break;
		if (status != 200) {
			char code[64];
			error_code(&body, code, sizeof(code));
			rc = sym_fail(err, status == 404 ? SYM_ENOTFOUND : SYM_EIO,
				      "S3 list of bucket '%s': the gateway answered %ld %s", s->bucket,
				      status, code);
			break;
		}
		if (s3_list_parse(body.p ? body.p : "", body.n, fn, ctx, &page) != 0) {
			rc = sym_fail(err, SYM_EFORMAT, "S3 list: the gateway's answer is not a listing");
			break;
		}
		if (page.truncated && strcmp(token, page.next_token) == 0) {
			rc = sym_fail(err, SYM_EFORMAT, "S3 list: the gateway gave the same page again");
			break;
		}
		snprintf(token, sizeof(token), "%s", page.next_token);
		put_handle(s, e);
		e = NULL;
		if (!*stop && page.truncated && !token[0]) {
			rc = sym_fail(err, SYM_EFORMAT, "S3 list: a page is cut without a continuation token");
			break;
		}
	} while (!*stop && page.truncated);
	if (e)
		put_handle(s, e);
	free(body.p);
	curl_slist_free_all(hdrs);
	return rc;
}

static enum sym_code s3_list(struct blob_store *b,
			     int (*fn)(void *ctx, const struct blob_key *k, uint64_t size), void *ctx,
			     struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	struct list_ctx L = { s, fn, ctx, 0 };

	return list_keys(s, "", NULL, list_entry, &L, &L.stop, err);
}

/* ---- small objects beside the layout (the change log) --------------------- */

struct raw_ctx {
	struct s3_store *s;
	int (*fn)(void *ctx, const char *name, uint64_t size);
	void *ctx;
	int stop;
};

static int raw_entry(void *ctx, const char *key, uint64_t size)
{
	struct raw_ctx *R = ctx;
	size_t pl = strlen(R->s->prefix);

	if (strncmp(key, R->s->prefix, pl) != 0)
		return 0;
	return R->stop = R->fn(R->ctx, key + pl, size);
}

enum sym_code blob_s3_list_names(struct blob_store *b, const char *sub, const char *start_after,
				 int (*fn)(void *ctx, const char *name, uint64_t size), void *ctx,
				 struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	struct raw_ctx R = { s, fn, ctx, 0 };

	return list_keys(s, sub, start_after, raw_entry, &R, &R.stop, err);
}

/* A request on the object name (relative to the prefix) with the one
 * header given: a handle (its header list in *hdrs), the key in
 * key[2048]; NULL with err set.  total_ms: as for get_handle(). */
static CURL *name_request(struct s3_store *s, const char *name, const char *header,
			  long total_ms, char key[2048], struct curl_slist **hdrs,
			  struct sym_err *err)
{
	char url[8192];
	CURL *e;

	*hdrs = NULL;
	if ((size_t)snprintf(key, 2048, "%s%s", s->prefix, name) >= 2048 ||
	    !make_url(s, key, NULL, url, sizeof(url))) {
		sym_fail(err, SYM_EUSAGE, "object name too long");
		return NULL;
	}
	if (!(e = get_handle(s, url, total_ms)) || !(*hdrs = curl_slist_append(NULL, header))) {
		put_handle(s, e);
		sym_fail(err, SYM_ENOMEM, "out of memory");
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
	return e;
}

enum sym_code blob_s3_put_data(struct blob_store *b, const char *name, const void *data,
			       size_t len, struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	char key[2048], hdr[128];
	struct curl_slist *hdrs;
	struct sha256 h;
	uint8_t d[32];
	char hex[65];
	enum sym_code rc;
	long status;
	CURL *e;

	/* the body is signed: a gateway that got other bytes refuses them */
	sha256_init(&h);
	sha256_update(&h, data, len);
	sha256_final(&h, d);
	sha256_hex(d, hex);
	snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", hex);
	if (!(e = name_request(s, name, hdr, len > 65536 ? 0 : s->timeout_ms, key, &hdrs, err)))
		return err->code;
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, len ? data : "");
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	rc = perform(s, e, "write", &status, NULL, NULL, NULL, err);
	if (rc == SYM_OK && status != 200)
		rc = sym_fail(err, SYM_EIO, "S3 write of '%s': the gateway answered %ld", key, status);
	curl_slist_free_all(hdrs);
	put_handle(s, e);
	return rc;
}

enum sym_code blob_s3_put_name(struct blob_store *b, const char *name, struct sym_err *err)
{
	return blob_s3_put_data(b, name, "", 0, err);
}

enum sym_code blob_s3_delete_name(struct blob_store *b, const char *name, struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	char key[2048];
	struct curl_slist *hdrs;
	enum sym_code rc;
	long status;
	CURL *e;

	if (!(e = name_request(s, name, "x-amz-content-sha256: UNSIGNED-PAYLOAD", s->timeout_ms, key,
			       &hdrs, err)))
		return err->code;
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	rc = perform(s, e, "delete", &status, NULL, NULL, NULL, err);
	if (rc == SYM_OK && status != 204 && status != 200 && status != 404)
		rc = sym_fail(err, SYM_EIO, "S3 delete of '%s': the gateway answered %ld", key, status);
	curl_slist_free_all(hdrs);
	put_handle(s, e);
	return rc;
}

enum sym_code blob_s3_get_data(struct blob_store *b, const char *name, size_t max, char **out,
			       size_t *len, struct sym_err *err)
{
	struct s3_store *s = (struct s3_store *)b;
	char key[2048];
	struct curl_slist *hdrs;
	struct body body = { NULL, 0, max + 1 };
	enum sym_code rc;
	long status;
	CURL *e;

	*out = NULL;
	*len = 0;
	if (!(e = name_request(s, name, "x-amz-content-sha256: UNSIGNED-PAYLOAD", 0, key, &hdrs, err)))
		return err->code;
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	rc = perform(s, e, "read", &status, &body, NULL, NULL, err);
	if (rc == SYM_OK && status == 404)
		rc = sym_fail(err, SYM_ENOTFOUND, "S3: no object '%s'", key);
	else if (rc == SYM_OK && status != 200)
		rc = sym_fail(err, SYM_EIO, "S3 read of '%s': the gateway answered %ld", key, status);
	else if (rc == SYM_OK && body.n > max)
		rc = sym_fail(err, SYM_EFORMAT, "S3 object '%s' is over %zu bytes", key, max);
	if (rc == SYM_OK) {
		*out = body.p ? body.p : strdup("");
		*len = body.n;
		body.p = NULL;
		if (!*out)
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	free(body.p);
	curl_slist_free_all(hdrs);
	put_handle(s, e);
	return rc;
}

static void s3_free(struct blob_store *b)
{
	struct s3_store *s = (struct s3_store *)b;
	int i;

	/* the handles first: a share in use cannot be freed */
	for (i = 0; i < s->npool; i++)
		curl_easy_cleanup(s->pool[i]);
	if (s->share)
		curl_share_cleanup(s->share);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_mutex_destroy(&s->st_mu);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->locks[i]);
	free(s->endpoint);
	free(s->vhost);
	free(s->bucket);
	free(s->prefix);
	free(s->scratch);
	free(s->sigv4);
	free(s->userpwd);
	free(s);
}

static const struct blob_ops s3_ops = {
	.name = "s3",
	.keyed = true,
	.begin = s3_begin,
	.write = s3_write,
	.commit = s3_commit,
	.abort = s3_abort,
	.open = s3_open,
	.read = s3_read,
	.close = s3_close,
	.stat = s3_stat,
	.remove = s3_remove,
	.list = s3_list,
	.free = s3_free,
};

static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum sym_code blob_s3_open(struct blob_store **out, const struct blob_s3_config *c,
			   struct sym_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct s3_store *s;
	struct curl_slist *hdrs = NULL;
	char url[4096];
	long status;
	enum sym_code rc;
	CURL *e = NULL;
	int i, n;

	*out = NULL;
	/* once, before any handle, rather than lazily on whichever
	 * request thread comes first */
	pthread_once(&once, global_init);
	if (global_rc != CURLE_OK)
		return sym_fail(err, SYM_EIO, "libcurl cannot start: %s", curl_easy_strerror(global_rc));
	if (!c->access_key || !*c->access_key || !c->secret_key || !*c->secret_key)
		return sym_fail(err, SYM_EUSAGE,
				"no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
	if (strchr(c->access_key, ':'))
		return sym_fail(err, SYM_EUSAGE, "the S3 access key cannot hold ':'");
	if (!(s = calloc(1, sizeof(*s))))
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	s->base.ops = &s3_ops;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->locks[i], NULL);
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_mutex_init(&s->st_mu, NULL);
	if ((rc = blob_s3_parse_url(c->url, &s->endpoint, &s->bucket, &s->prefix, err)) != SYM_OK) {
		s3_free(&s->base);
		return rc;
	}
	if (c->virtual_host) {
		/* scheme://host -> scheme://bucket.host */
		const char *h = strstr(s->endpoint, "://") + 3;
		if (h[0] == '[' || strspn(h, "0123456789.:") == strlen(h)) {
			s3_free(&s->base);
			return sym_fail(err, SYM_EUSAGE, "S3 URL '%.200s': virtual-host style needs a host "
					"name, not an address", c->url);
		}
		if (asprintf(&s->vhost, "%.*s%s.%s", (int)(h - s->endpoint), s->endpoint, s->bucket,
			     h) < 0) {
			s->vhost = NULL;
			s3_free(&s->base);
			return sym_fail(err, SYM_ENOMEM, "out of memory");
		}
	}
	s->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 10000;
	s->retries = c->retries >= 0 ? c->retries : 3;
	s->list_page = c->list_page;
	n = asprintf(&s->sigv4, "aws:amz:%s:s3", c->region && *c->region ? c->region : "us-east-1");
	if (n < 0)
		s->sigv4 = NULL;
	n = asprintf(&s->userpwd, "%s:%s", c->access_key, c->secret_key);
	if (n < 0)
		s->userpwd = NULL;
	if (!s->sigv4 || !s->userpwd || !(s->scratch = strdup(c->scratch_dir)) ||
	    !(s->share = curl_share_init())) {
		s3_free(&s->base);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);

	/* the bucket must exist and the credentials open it */
	if (!make_url(s, NULL, NULL, url, sizeof(url)) || !(e = get_handle(s, url, s->timeout_ms)) ||
	    !(hdrs = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD"))) {
		if (e)
			put_handle(s, e);
		s3_free(&s->base);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	rc = perform(s, e, "bucket check", &status, NULL, NULL, NULL, err);
	if (rc == SYM_OK && status == 404)
		rc = sym_fail(err, SYM_ENOTFOUND, "S3: no bucket '%s' at %s", s->bucket,
			      s->vhost ? s->vhost : s->endpoint);
	else if (rc == SYM_OK && status != 200)
		rc = sym_fail(err, SYM_EIO, "S3: bucket '%s' at %s: the gateway answered %ld", s->bucket,
			      s->vhost ? s->vhost : s->endpoint, status);
	else if (rc != SYM_OK) {
		char m[sizeof(err->msg)];
		snprintf(m, sizeof(m), "%s", err->msg);
		sym_err_clear(err);
		rc = sym_fail(err, rc, "%s (%s)", m, s->vhost ? s->vhost : s->endpoint);
	}
	curl_slist_free_all(hdrs);
	put_handle(s, e);
	if (rc != SYM_OK) {
		s3_free(&s->base);
		return rc;
	}
	*out = &s->base;
	return SYM_OK;
}
