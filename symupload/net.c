/* net.c - symupload's network side, the only user of libcurl: the token
 * check (GET /api/token), the bulk check (or HEAD per file), and parallel
 * uploads through the multi interface with gzip on the wire, retries with
 * backoff and jitter, and Retry-After. */
#include "config.h"
#include "symupload.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <zlib.h>

#include "fsutil.h"

json_t *json_str_safe(const char *s)
{
	json_t *j = json_string(s);
	char *c;
	size_t i;

	if (j)
		return j;
	c = strdup(s);
	if (!c)
		return json_string("");
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] >= 0x80)
			c[i] = '?';
	j = json_string(c);
	free(c);
	return j ? j : json_string("");
}

int net_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void net_cleanup(void)
{
	curl_global_cleanup();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* base URL without a trailing slash */
static void base_of(const char *url, char *out, size_t cap)
{
	size_t n;

	snprintf(out, cap, "%s", url);
	n = strlen(out);
	while (n && out[n - 1] == '/')
		out[--n] = '\0';
}

/* Percent-encodes one path component. */
static void path_enc(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~+", c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
	}
	out[o] = '\0';
}

static struct curl_slist *auth_headers(const struct net_config *cfg, struct curl_slist *h)
{
	char buf[600];

	if (cfg->token) {
		snprintf(buf, sizeof(buf), "Authorization: Bearer %s", cfg->token);
		h = curl_slist_append(h, buf);
	}
	return h;
}

/* A response body, grown as it arrives up to max bytes (the rest is
 * dropped and counted as cut). */
struct body {
	char *buf;
	size_t len, cap, max;
	bool cut;
};

static size_t body_write(char *p, size_t sz, size_t nm, void *ctx)
{
	struct body *b = ctx;
	size_t n = sz * nm, k = n;

	if (k > b->max - b->len) {
		k = b->max - b->len;
		b->cut = true;
	}
	if (b->len + k + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		char *q;
		while (nc < b->len + k + 1)
			nc *= 2;
		q = realloc(b->buf, nc);
		if (!q) {
			b->cut = true;
			return n;
		}
		b->buf = q;
		b->cap = nc;
	}
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	b->buf[b->len] = '\0';
	return n;
}

static void body_free(struct body *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* The server's message from a JSON {"error": ...} body, else the start of
 * the body. */
static void server_message(const struct body *b, char *out, size_t cap)
{
	json_t *j = b->len ? json_loadb(b->buf, b->len, 0, NULL) : NULL;
	const char *e = j ? json_string_value(json_object_get(j, "error")) : NULL;
	size_t i;

	if (e)
		snprintf(out, cap, "%s", e);
	else
		snprintf(out, cap, "%.*s", (int)(b->len < 200 ? b->len : 200), b->buf ? b->buf : "");
	json_decref(j);
	for (i = 0; out[i]; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = ' ';
	while (i && out[i - 1] == ' ')
		out[--i] = '\0';
}

/* ---- retries ---------------------------------------------------------
 * Every request (the token check, the bulk check, each upload) is tried at
 * most 1 + cfg->retries times (--retries, default 5) while it fails
 * transiently: a connection error, reset or timeout, or an answer 408, 429
 * or 5xx (but 501 and 505).  Before try k + 1 symupload waits
 * RETRY_BASE_S * 2^k seconds, at most RETRY_MAX_S, times a random factor
 * in [0.5, 1.5) so that parallel transfers spread out; a longer
 * Retry-After from the server (seconds or an HTTP date, at most
 * RETRY_AFTER_MAX_S) wins.  With the default 5 retries a request is given
 * up after 6 to 19 s of waiting (12.4 s on average). */
#define RETRY_BASE_S 0.2
#define RETRY_MAX_S 30.0
#define RETRY_AFTER_MAX_S 120

static bool transient_status(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
}

static bool transient_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT: case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE:
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_SSL_CONNECT_ERROR: case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: case CURLE_SEND_FAIL_REWIND:
		return true;
	default:
		return false;
	}
}

/* How long to wait after tries failed tries (>= 1). */
static double retry_delay(unsigned tries, long retry_after, unsigned *seed)
{
	double d = RETRY_BASE_S * (double)(1u << (tries < 8 ? tries : 8));

	if (d > RETRY_MAX_S)
		d = RETRY_MAX_S;
	d *= 0.5 + (double)rand_r(seed) / ((double)RAND_MAX + 1);
	if (retry_after > 0 && d < (double)retry_after)
		d = (double)retry_after;
	return d;
}

static void sleep_s(double d)
{
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec > 999999999L)
		ts.tv_nsec = 999999999L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A header line; *ctx (a long) gets the seconds a Retry-After asks for:
 * delay-seconds or an HTTP date, capped at RETRY_AFTER_MAX_S. */
static size_t retry_header(char *p, size_t sz, size_t nm, void *ctx)
{
	long *ra = ctx;
	size_t n = sz * nm, s = 12, e = n;
	char v[100];

	if (n <= 12 || strncasecmp(p, "Retry-After:", 12) != 0)
		return n;
	while (s < e && (p[s] == ' ' || p[s] == '\t'))
		s++;
	while (e > s && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
		e--;
	if (e == s || e - s >= sizeof(v))
		return n;
	memcpy(v, p + s, e - s);
	v[e - s] = '\0';
	if (isdigit((unsigned char)v[0])) {
		char *end;
		unsigned long long secs = strtoull(v, &end, 10);
		if (!*end)
			*ra = secs > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (long)secs;
	} else {
		time_t t = curl_getdate(v, NULL), now = time(NULL);
		if (t != (time_t)-1 && t > now)
			*ra = t - now > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (long)(t - now);
	}
	return n;
}

/* Performs c (set up by the caller to write its answer into *b) until it
 * succeeds, fails for good, or 1 + cfg->retries tries were made.  Returns
 * the last try's result; *status is its HTTP status (0: no answer), *tries
 * the number of tries.  first: this is the first contact with the server,
 * where a host name that does not resolve is a wrong URL, not retried.
 * what names the request in -v messages. */
static CURLcode perform_retried(const struct net_config *cfg, CURL *c, struct body *b,
				long *status, unsigned *tries, bool first, const char *what)
{
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)c;
	size_t max = b->max;
	long ra = 0;
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, retry_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &ra);
	for (*tries = 1;; (*tries)++) {
		char why[300];
		double d;

		body_free(b);
		b->max = max;
		ra = 0;
		*status = 0;
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK) {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
			if (!transient_status(*status))
				break;
			server_message(b, why, sizeof(why));
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " (HTTP %ld)", *status);
		} else {
			if (!transient_curl(rc) || (first && rc == CURLE_COULDNT_RESOLVE_HOST))
				break;
			snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
		}
		if (*tries > cfg->retries)
			break;
		d = retry_delay(*tries, ra, &seed);
		if (cfg->verbose)
			fprintf(stderr, "symupload: %s: %s; retrying in %.1f s\n", what, why, d);
		sleep_s(d);
	}
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, NULL);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, NULL);
	return rc;
}

/* ---- check ----------------------------------------------------------- */

static void common_opts(CURL *c, const struct net_config *cfg)
{
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	if (cfg->timeout)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->timeout);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "symupload/" PACKAGE_VERSION);
}

/* POST /v1/symbols:checkStatuses for jobs [from, to): 1 when the server
 * answered, 0 when it does not speak it, -1 when unreachable. */
static int bulk_check(const struct net_config *cfg, CURL *c, struct job **jobs, size_t from,
		      size_t to, char *msg, size_t cap)
{
	json_t *root = json_object(), *ids = json_array(), *ans, *pairs;
	struct curl_slist *h = NULL;
	struct body b = { .max = 64u << 20 };
	char url[4096], base[2048], *req;
	long status = 0;
	unsigned tries = 0;
	CURLcode rc;
	size_t i;
	int ret = 1;

	for (i = from; i < to; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "debug_file", json_str_safe(jobs[i]->debug_file));
		json_object_set_new(o, "debug_id", json_str_safe(jobs[i]->debug_id));
		json_array_append_new(ids, o);
	}
	json_object_set_new(root, "symbol_ids", ids);
	req = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!req)
		return -1;
	base_of(cfg->url, base, sizeof(base));
	snprintf(url, sizeof(url), "%s/v1/symbols:checkStatuses", base);
	h = curl_slist_append(auth_headers(cfg, NULL), "Content-Type: application/json");
	curl_easy_reset(c);
	common_opts(c, cfg);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	/* the check is idempotent: retried like an upload */
	rc = perform_retried(cfg, c, &b, &status, &tries, false, "the bulk check");
	curl_slist_free_all(h);
	free(req);
	if (rc != CURLE_OK) {
		snprintf(msg, cap, "cannot reach %s (%u %s): %s; check the URL and that the server "
			 "is running", base, tries, tries == 1 ? "try" : "tries", curl_easy_strerror(rc));
		body_free(&b);
		return -1;
	}
	if (status == 401 || status == 403 || transient_status(status)) {
		char m[300];
		server_message(&b, m, sizeof(m));
		if (transient_status(status))
			snprintf(msg, cap, "the server answered the bulk check with HTTP %ld %u times "
				 "(%s); try again later", status, tries, m);
		else
			snprintf(msg, cap, "the server refused the token (%ld: %s)", status, m);
		body_free(&b);
		return -1;
	}
	if (status != 200 || b.cut) {
		body_free(&b);
		return 0;
	}
	ans = json_loadb(b.buf ? b.buf : "", b.len, 0, NULL);
	body_free(&b);
	pairs = ans ? json_object_get(ans, "pairs") : NULL;
	if (!json_is_array(pairs) || json_array_size(pairs) != to - from) {
		json_decref(ans);
		return 0;
	}
	for (i = from; i < to; i++) {
		json_t *p = json_array_get(pairs, i - from);
		const char *st = json_string_value(json_object_get(p, "status"));
		const char *sha = json_string_value(json_object_get(p, "sha256"));
		if (st && strcmp(st, "FOUND") == 0 && (!sha || strcmp(sha, jobs[i]->sha256) == 0)) {
			jobs[i]->state = J_SKIPPED;
			snprintf(jobs[i]->reason, sizeof(jobs[i]->reason), "already on the server");
		}
	}
	json_decref(ans);
	return ret;
}

struct head_ctx {
	struct job *j;
	char etag[100];
};

static size_t head_header(char *p, size_t sz, size_t nm, void *ctx)
{
	struct head_ctx *h = ctx;
	size_t n = sz * nm;

	if (n > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		size_t s = 5, e = n;
		while (s < n && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
			e--;
		snprintf(h->etag, sizeof(h->etag), "%.*s", (int)(e - s), p + s);
	}
	return n;
}

/* HEAD on each download path, in parallel; ETag "<sha256>" = same bytes. */
static void head_check(const struct net_config *cfg, struct job **jobs, size_t n)
{
	CURLM *m = curl_multi_init();
	struct head_ctx *hc = calloc(n ? n : 1, sizeof(*hc));
	CURL **easy = calloc(n ? n : 1, sizeof(*easy));
	struct curl_slist *h = auth_headers(cfg, NULL);
	char base[2048];
	size_t next = 0, active = 0, i;
	int running;

	if (!m || !hc || !easy) {
		curl_multi_cleanup(m);
		free(hc);
		free(easy);
		curl_slist_free_all(h);
		return;
	}
	base_of(cfg->url, base, sizeof(base));
	for (;;) {
		CURLMsg *msg;
		int left;
		while (next < n && active < (cfg->jobs ? cfg->jobs : 4)) {
			char url[4096], f[800], id[300], sf[800], *sn;
			CURL *c = curl_easy_init();
			i = next++;
			if (!c)
				continue;
			hc[i].j = jobs[i];
			sn = sym_file_name(jobs[i]->debug_file);
			path_enc(jobs[i]->debug_file, f, sizeof(f));
			path_enc(jobs[i]->debug_id, id, sizeof(id));
			path_enc(sn ? sn : "", sf, sizeof(sf));
			free(sn);
			snprintf(url, sizeof(url), "%s/%s/%s/%s", base, f, id, sf);
			common_opts(c, cfg);
			curl_easy_setopt(c, CURLOPT_URL, url);
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, head_header);
			curl_easy_setopt(c, CURLOPT_HEADERDATA, &hc[i]);
			curl_easy_setopt(c, CURLOPT_PRIVATE, &hc[i]);
			easy[i] = c;
			curl_multi_add_handle(m, c);
			active++;
		}
		if (!active)
			break;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct head_ctx *x;
			long status = 0;
			char want[80];
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			snprintf(want, sizeof(want), "\"%s\"", x->j->sha256);
			if (msg->data.result == CURLE_OK && status == 200 && strcmp(x->etag, want) == 0) {
				x->j->state = J_SKIPPED;
				snprintf(x->j->reason, sizeof(x->j->reason), "already on the server");
			}
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			active--;
		}
		if (active)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	free(hc);
	free(easy);
}

int net_check(const struct net_config *cfg, struct job **jobs, size_t n, char *msg, size_t cap)
{
	CURL *c;
	size_t i;
	int r = 0;

	msg[0] = '\0';
	if (!n || cfg->protocol != PROTO_SYMSERVER)
		return 0;
	c = curl_easy_init();
	if (!c) {
		snprintf(msg, cap, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i += 500) {
		size_t to = i + 500 < n ? i + 500 : n;
		r = bulk_check(cfg, c, jobs, i, to, msg, cap);
		if (r == 0)
			break;	/* no bulk check here: HEAD each file */
		if (r < 0) {
			curl_easy_cleanup(c);
			return -1;
		}
	}
	curl_easy_cleanup(c);
	if (r == 0)
		head_check(cfg, jobs, n);
	return 0;
}

/* ---- token check --------------------------------------------------------- */

/* Whether the JSON array a holds the string v. */
static bool json_array_has(json_t *a, const char *v)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		const char *e = json_string_value(json_array_get(a, i));
		if (e && strcmp(e, v) == 0)
			return true;
	}
	return false;
}

int net_precheck(const struct net_config *cfg, char *msg, size_t cap)
{
	struct curl_slist *h = NULL;
	struct body b = { .max = 64 * 1024 };
	char url[4096], base[2048], m[300];
	long status = 0;
	unsigned tries = 0;
	json_t *ans = NULL, *scopes;
	const char *name;
	CURLcode rc;
	CURL *c;
	int result = -1;

	msg[0] = '\0';
	if (cfg->protocol != PROTO_SYMSERVER)
		return 0;
	c = curl_easy_init();
	if (!c) {
		snprintf(msg, cap, "out of memory");
		return -1;
	}
	base_of(cfg->url, base, sizeof(base));
	snprintf(url, sizeof(url), "%s/api/token", base);
	h = auth_headers(cfg, NULL);
	common_opts(c, cfg);
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = perform_retried(cfg, c, &b, &status, &tries, true, "GET /api/token");
	if (rc == CURLE_COULDNT_RESOLVE_HOST) {
		snprintf(msg, cap, "cannot reach %s: %s; check the host name in the URL", base,
			 curl_easy_strerror(rc));
		goto out;
	}
	if (rc != CURLE_OK) {
		snprintf(msg, cap, "cannot reach %s (%u %s): %s; check the URL and that the server is "
			 "running", base, tries, tries == 1 ? "try" : "tries", curl_easy_strerror(rc));
		goto out;
	}
	server_message(&b, m, sizeof(m));
	if (status == 401) {
		if (!cfg->token || strstr(m, "no token"))
			snprintf(msg, cap, "the server wants a token and none was sent: give it with "
				 "--token-file FILE or SYMUPLOAD_TOKEN (symserver token add NAME --scope "
				 "upload creates one)");
		else if (strstr(m, "revoked"))
			snprintf(msg, cap, "the server says the token was revoked (%s): ask for a new "
				 "upload token (symserver token add NAME --scope upload)", m);
		else if (strstr(m, "expired"))
			snprintf(msg, cap, "the server says the token has expired (%s): ask for a new "
				 "upload token (symserver token add NAME --scope upload)", m);
		else
			snprintf(msg, cap, "the server does not know this token (%s): check that "
				 "--token-file or SYMUPLOAD_TOKEN holds a token of the server at %s", m, base);
		goto out;
	}
	if (status == 403) {
		snprintf(msg, cap, "the server refused the token (%s): use a token with the upload "
			 "scope (symserver token add NAME --scope upload)", m);
		goto out;
	}
	if (status == 404 || status == 405 || status == 501) {
		/* an older symserver, or another server speaking the same
		 * uploads: the token is checked by the uploads */
		snprintf(msg, cap, "%s answered %ld: an older symserver without the token check, "
			 "another kind of symbol server, or a wrong URL; going on", url, status);
		result = 1;
		goto out;
	}
	if (transient_status(status)) {
		snprintf(msg, cap, "the server answered GET /api/token with HTTP %ld %u times (%s); "
			 "try again later", status, tries, m);
		goto out;
	}
	if (status != 200) {
		snprintf(msg, cap, "%s answered HTTP %ld (%s): check the URL (the base of a symserver)",
			 url, status, m);
		goto out;
	}
	ans = b.len && !b.cut ? json_loadb(b.buf, b.len, 0, NULL) : NULL;
	scopes = json_object_get(ans, "scopes");
	name = json_string_value(json_object_get(ans, "name"));
	if (!json_is_array(scopes)) {
		snprintf(msg, cap, "%s does not look like a symserver (GET /api/token answered 200 "
			 "without a token description): check the URL", base);
		goto out;
	}
	if (!json_array_has(scopes, "upload")) {
		snprintf(msg, cap, "token '%s' lacks the upload scope: use a token with the upload "
			 "scope (symserver token add NAME --scope upload)", name ? name : "?");
		goto out;
	}
	result = 0;
out:
	json_decref(ans);
	body_free(&b);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return result;
}

/* ---- upload ------------------------------------------------------------ */

struct xfer {
	struct job *j;
	CURL *c;
	struct curl_slist *h;
	curl_mime *mime;
	struct body b;
	/* gzip of j->data, produced as curl reads */
	z_stream z;
	bool zinit, zend;
	size_t pos;
	double retry_at;
	long retry_after;
	bool active;
};

static size_t gz_read(char *buf, size_t sz, size_t nm, void *ctx)
{
	struct xfer *x = ctx;
	size_t cap = sz * nm;
	int zr;

	if (x->zend)
		return 0;
	x->z.next_out = (Bytef *)buf;
	x->z.avail_out = (uInt)cap;
	while (x->z.avail_out) {
		if (!x->z.avail_in && x->pos < x->j->size) {
			size_t k = x->j->size - x->pos;
			if (k > (1u << 20))
				k = 1u << 20;
			x->z.next_in = (Bytef *)(uintptr_t)(x->j->data + x->pos);
			x->z.avail_in = (uInt)k;
			x->pos += k;
		}
		zr = deflate(&x->z, x->pos >= x->j->size && !x->z.avail_in ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			x->zend = true;
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return CURL_READFUNC_ABORT;
		if (zr == Z_BUF_ERROR && x->z.avail_out)
			break;
	}
	x->j->sent += cap - x->z.avail_out;
	return cap - x->z.avail_out;
}

static size_t raw_read(char *buf, size_t sz, size_t nm, void *ctx)
{
	struct xfer *x = ctx;
	size_t k = sz * nm;

	if (k > x->j->size - x->pos)
		k = x->j->size - x->pos;
	memcpy(buf, x->j->data + x->pos, k);
	x->pos += k;
	x->j->sent += k;
	return k;
}

/* curl rewinds when it resends on a fresh connection */
static int body_seek(void *ctx, curl_off_t off, int origin)
{
	struct xfer *x = ctx;

	if (off != 0 || origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	x->pos = 0;
	x->j->sent = 0;
	if (x->zinit) {
		if (deflateReset(&x->z) != Z_OK)
			return CURL_SEEKFUNC_FAIL;
		x->z.avail_in = 0;
		x->zend = false;
	}
	return CURL_SEEKFUNC_OK;
}

static void xfer_reset(struct xfer *x)
{
	if (x->c)
		curl_easy_cleanup(x->c);
	curl_slist_free_all(x->h);
	curl_mime_free(x->mime);
	if (x->zinit)
		deflateEnd(&x->z);
	/* the next try starts the gzip stream again from the first byte: no
	 * input left over from this one */
	memset(&x->z, 0, sizeof(x->z));
	x->c = NULL;
	x->h = NULL;
	x->mime = NULL;
	x->zinit = x->zend = false;
	x->pos = 0;
	body_free(&x->b);
	x->b.max = 64 * 1024;
	x->retry_after = 0;
}

static void mime_field(curl_mime *mime, const char *name, const char *value)
{
	curl_mimepart *p = curl_mime_addpart(mime);

	curl_mime_name(p, name);
	curl_mime_data(p, value, CURL_ZERO_TERMINATED);
}

static bool xfer_start(const struct net_config *cfg, struct xfer *x)
{
	struct job *j = x->j;
	char url[4096], base[2048];

	xfer_reset(x);
	j->sent = 0;
	x->c = curl_easy_init();
	if (!x->c)
		return false;
	common_opts(x->c, cfg);
	base_of(cfg->url, base, sizeof(base));
	x->h = auth_headers(cfg, NULL);
	if (cfg->force)
		x->h = curl_slist_append(x->h, "X-Symserver-Force: 1");
	curl_easy_setopt(x->c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(x->c, CURLOPT_WRITEDATA, &x->b);
	curl_easy_setopt(x->c, CURLOPT_HEADERFUNCTION, retry_header);
	curl_easy_setopt(x->c, CURLOPT_HEADERDATA, &x->retry_after);
	curl_easy_setopt(x->c, CURLOPT_PRIVATE, x);
	if (cfg->protocol == PROTO_SYMSERVER) {
		char f[800], id[300], sf[800], *sn = sym_file_name(j->debug_file);
		path_enc(j->debug_file, f, sizeof(f));
		path_enc(j->debug_id, id, sizeof(id));
		path_enc(sn ? sn : "", sf, sizeof(sf));
		free(sn);
		snprintf(url, sizeof(url), "%s/%s/%s/%s", base, f, id, sf);
		if (deflateInit2(&x->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return false;
		x->zinit = true;
		x->h = curl_slist_append(x->h, "Content-Encoding: gzip");
		x->h = curl_slist_append(x->h, "Content-Type: text/plain");
		x->h = curl_slist_append(x->h, "Expect:");
		curl_easy_setopt(x->c, CURLOPT_URL, url);
		curl_easy_setopt(x->c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(x->c, CURLOPT_READFUNCTION, gz_read);
		curl_easy_setopt(x->c, CURLOPT_READDATA, x);
		curl_easy_setopt(x->c, CURLOPT_SEEKFUNCTION, body_seek);
		curl_easy_setopt(x->c, CURLOPT_SEEKDATA, x);
	} else {
		/* Breakpad's sym_upload v1 form */
		curl_mimepart *p;
		x->mime = curl_mime_init(x->c);
		mime_field(x->mime, "code_file", j->code_file);
		mime_field(x->mime, "debug_file", j->debug_file);
		mime_field(x->mime, "debug_identifier", j->debug_id);
		mime_field(x->mime, "os", j->os);
		mime_field(x->mime, "cpu", j->arch);
		p = curl_mime_addpart(x->mime);
		curl_mime_name(p, "symbol_file");
		curl_mime_filename(p, "symbol.sym");
		curl_mime_type(p, "application/octet-stream");
		curl_mime_data_cb(p, (curl_off_t)j->size, raw_read, body_seek, NULL, x);
		x->h = curl_slist_append(x->h, "Expect:");
		curl_easy_setopt(x->c, CURLOPT_URL, cfg->url);
		curl_easy_setopt(x->c, CURLOPT_MIMEPOST, x->mime);
	}
	curl_easy_setopt(x->c, CURLOPT_HTTPHEADER, x->h);
	return true;
}

/* Starts x's transfer (its next attempt); a job that cannot start fails. */
static void launch(const struct net_config *cfg, CURLM *m, struct xfer *x, size_t *active,
		   size_t *finished, void (*done)(void *ctx, struct job *j), void *ctx)
{
	x->j->attempts++;
	if (!xfer_start(cfg, x)) {
		x->j->state = J_FAILED;
		snprintf(x->j->reason, sizeof(x->j->reason), "out of memory");
		(*finished)++;
		done(ctx, x->j);
		return;
	}
	x->active = true;
	curl_multi_add_handle(m, x->c);
	(*active)++;
}

void net_upload(const struct net_config *cfg, struct job **jobs, size_t n,
		void (*done)(void *ctx, struct job *j), void (*tick)(void *ctx), void *ctx)
{
	CURLM *m = curl_multi_init();
	struct xfer *xs = calloc(n ? n : 1, sizeof(*xs));
	size_t *queue = calloc(n ? n : 1, sizeof(*queue));
	size_t *waiting = calloc(n ? n : 1, sizeof(*waiting));	/* due for a retry later */
	size_t nq = 0, qhead = 0, nretry = 0, active = 0, finished = 0, total = 0, i;
	unsigned limit = cfg->jobs ? cfg->jobs : 4;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)xs;
	int running;

	if (!m || !xs || !queue || !waiting) {
		for (i = 0; i < n; i++)
			if (jobs[i]->state == J_PENDING) {
				jobs[i]->state = J_FAILED;
				snprintf(jobs[i]->reason, sizeof(jobs[i]->reason), "out of memory");
				done(ctx, jobs[i]);
			}
		curl_multi_cleanup(m);
		free(xs);
		free(queue);
		free(waiting);
		return;
	}
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)limit);
	for (i = 0; i < n; i++)
		if (jobs[i]->state == J_PENDING) {
			xs[i].j = jobs[i];
			queue[nq++] = i;
			total++;
		}
	while (finished < total) {
		double t = now_s(), wait_until = 0;
		CURLMsg *msg;
		int left;
		size_t k;

		/* start what is queued, then what is due for a retry */
		while (active < limit && qhead < nq)
			launch(cfg, m, &xs[queue[qhead++]], &active, &finished, done, ctx);
		for (k = 0; k < nretry && active < limit;) {
			struct xfer *x = &xs[waiting[k]];
			if (x->retry_at > t) {
				if (!wait_until || x->retry_at < wait_until)
					wait_until = x->retry_at;
				k++;
				continue;
			}
			waiting[k] = waiting[--nretry];
			x->retry_at = 0;
			launch(cfg, m, x, &active, &finished, done, ctx);
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct xfer *x;
			long status = 0;
			bool retry = false;
			char smsg[300];

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			curl_multi_remove_handle(m, msg->easy_handle);
			x->active = false;
			active--;
			if (msg->data.result != CURLE_OK) {
				retry = transient_curl(msg->data.result);
				snprintf(x->j->reason, sizeof(x->j->reason), "%s",
					 curl_easy_strerror(msg->data.result));
			} else if (status >= 200 && status < 300) {
				x->j->state = J_UPLOADED;
				server_message(&x->b, smsg, sizeof(smsg));
				snprintf(x->j->reason, sizeof(x->j->reason), "%ld", status);
			} else if (status == 409) {
				/* a refused downgrade: the message says how to force it */
				server_message(&x->b, smsg, sizeof(smsg));
				snprintf(x->j->reason, sizeof(x->j->reason), "refused by the server (HTTP 409): %s",
					 smsg);
			} else {
				server_message(&x->b, smsg, sizeof(smsg));
				snprintf(x->j->reason, sizeof(x->j->reason), "HTTP %ld: %s", status, smsg);
				retry = transient_status(status);
			}
			if (x->j->state == J_PENDING && retry && x->j->attempts <= cfg->retries) {
				/* backoff with jitter; Retry-After wins (see retry_delay) */
				double d = retry_delay(x->j->attempts, x->retry_after, &seed);
				x->retry_at = now_s() + d;
				waiting[nretry++] = (size_t)(x - xs);
				if (cfg->verbose)
					fprintf(stderr, "symupload: %s/%s: %s; retrying in %.1f s\n",
						x->j->debug_file, x->j->debug_id, x->j->reason, d);
			} else {
				if (x->j->state == J_PENDING)
					x->j->state = J_FAILED;
				finished++;
				xfer_reset(x);
				done(ctx, x->j);
			}
		}
		if (tick)
			tick(ctx);
		if (finished < total) {
			int ms = 100;
			if (!active && wait_until) {
				double d = wait_until - now_s();
				ms = d <= 0 ? 0 : d > 1 ? 1000 : (int)(d * 1000);
			}
			curl_multi_poll(m, NULL, 0, ms, NULL);
		}
	}
	for (i = 0; i < n; i++)
		if (xs[i].j)
			xfer_reset(&xs[i]);
	curl_multi_cleanup(m);
	free(xs);
	free(queue);
	free(waiting);
}
