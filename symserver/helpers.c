/* helpers.c - what the routes share: auth, validation, URLs, dates,
 * content negotiation and the one JSON writer (see helpers.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fsutil.h"
#include "server.h"

/* ---- JSON output ----------------------------------------------------- */

json_t *json_text_n(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char *o;
	size_t i = 0, k = 0;

	if (j)
		return j;
	o = malloc(n * 3 + 1);
	if (!o)
		return json_string("");
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
			     (c & 0xf8) == 0xf0 ? 4 : 0;
		json_t *t = NULL;
		if (len && i + len <= n && c != 0)
			t = json_stringn(s + i, len);
		if (t) {
			memcpy(o + k, s + i, len);
			k += len;
			i += len;
			json_decref(t);
		} else {
			memcpy(o + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		}
	}
	j = json_stringn(o, k);
	free(o);
	return j ? j : json_string("");
}

json_t *json_text(const char *s)
{
	return json_text_n(s, strlen(s));
}

char *json_line(json_t *j, size_t flags, size_t *n)
{
	char *s = j ? json_dumps(j, flags | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	if (!s)
		return NULL;
	*n = strlen(s);
	s[(*n)++] = '\n';	/* over the NUL: the text is counted, not terminated */
	return s;
}

void respond_json_flags(struct http_req *r, unsigned status, json_t *j, size_t flags)
{
	size_t n;
	char *s = json_line(j, flags, &n);

	if (!s) {
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	http_respond(r, status, "application/json", s, n);
	free(s);
}

void respond_json(struct http_req *r, unsigned status, json_t *j)
{
	respond_json_flags(r, status, j, 0);
}

void respond_json_error(struct http_req *r, unsigned status, const char *msg)
{
	json_t *j = json_object();

	if (j && json_object_set_new(j, "error", json_text(msg)) != 0) {
		json_decref(j);
		j = NULL;
	}
	respond_json(r, status, j);
}

/* ---- validation and names -------------------------------------------- */

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

/* ---- URLs, dates, negotiation ---------------------------------------- */

bool server_accepts_gzip(struct http_req *r)
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

void server_http_date(uint64_t t, char *out, size_t cap)
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
	respond_json_error(r, 401, why);
	return false;
}

bool server_auth(struct server *srv, struct http_req *r, const char *scope, char *who)
{
	struct store_token t;
	enum store_token_status st = TOKEN_UNKNOWN;
	char buf[65], msg[400];
	const char *tok = request_token(r, buf);

	if (tok)
		st = store_token_lookup(srv->store, tok, scope, (uint64_t)time(NULL), &t);
	if (!auth_valid(r, tok, st))
		return false;
	if (st != TOKEN_OK) {
		snprintf(msg, sizeof(msg), "token '%s' lacks the %s scope", t.name, scope);
		respond_json_error(r, 403, msg);
		return false;
	}
	if (who)
		snprintf(who, 128, "%s", t.name);
	return true;
}

void token_route(struct server *srv, struct http_req *r)
{
	struct store_token t;
	enum store_token_status st = TOKEN_UNKNOWN;
	char buf[65], exp[64];
	const char *tok = request_token(r, buf), *p;
	json_t *j, *scopes;
	size_t l;

	if (tok)
		st = store_token_lookup(srv->store, tok, NULL, (uint64_t)time(NULL), &t);
	if (!auth_valid(r, tok, st))
		return;
	/* "upload,download" -> ["upload", "download"] */
	scopes = json_array();
	for (p = t.scopes; scopes && *p; p += l + (p[l] == ',')) {
		l = strcspn(p, ",");
		json_array_append_new(scopes, json_text_n(p, l));
	}
	if (t.expires)
		missing_iso_time(t.expires, exp, sizeof(exp));
	j = json_pack("{s:o, s:o?, s:o}", "name", json_text(t.name), "scopes", scopes,
		      "expires", t.expires ? json_string(exp) : json_null());
	http_add_header(r, "Cache-Control", "no-store");
	/* compact, as the manual shows it */
	respond_json_flags(r, 200, j, JSON_COMPACT);
}
