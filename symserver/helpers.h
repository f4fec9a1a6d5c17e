/* helpers.h - what every symserver route shares: auth, validation, URLs,
 * dates, content negotiation and the one JSON writer.  Nothing here keeps
 * state of its own. */
#ifndef SYM_HELPERS_H
#define SYM_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http.h"

struct server;

/* ---- auth ---- */

/* Token from Authorization: Bearer, Auth-Token, or ?key=; checks scope.
 * Answers 401 ("no token sent", "unknown token", "token revoked", "token
 * expired") or 403 ("token 'NAME' lacks the SCOPE scope") and returns
 * false when it is missing or wrong; who[128] (may be NULL) gets the
 * token's name. */
bool server_auth(struct server *srv, struct http_req *r, const char *scope, char *who);
/* GET /api/token: the name, scopes and expiry of the token sent; 401
 * when it is not valid, never 403. */
void token_route(struct server *srv, struct http_req *r);

/* ---- validation and names ---- */

/* A debug or code id: 8 to 64 hex digits.  (File names: store_name_ok(),
 * the one rule shared with the store and import.) */
bool server_valid_id(const char *s);
/* The last component of a path written with '/' or '\' (a Windows
 * module's debug_file is often the linker's full path); p itself when it
 * ends in a separator.  Points into p. */
const char *server_basename(const char *p);

/* ---- URLs, dates, negotiation ---- */

/* The one builder of the base URL for links we hand out: --public-url,
 * else http://<Host> (localhost when Host is missing or not a plain
 * name), without a trailing slash.  Written to out[cap]; returns out. */
const char *server_base_url(struct server *srv, struct http_req *r, char *out, size_t cap);
/* t (seconds since the epoch) as an HTTP date into out[cap]. */
void server_http_date(uint64_t t, char *out, size_t cap);
/* Whether the request's Accept-Encoding takes gzip (not with q=0). */
bool server_accepts_gzip(struct http_req *r);

/* ---- JSON output ---- */

/* A JSON string from bytes that may not be UTF-8 (invalid sequences
 * become U+FFFD); never NULL but when out of memory.  New reference. */
json_t *json_text(const char *s);
json_t *json_text_n(const char *s, size_t n);
/* j (its reference is taken) as text ending in a newline, n bytes, not
 * NUL-terminated; the caller free()s it.  flags: jansson's dump flags (0:
 * one line, ": " and ", " between items).  NULL when j is NULL or out of
 * memory. */
char *json_line(json_t *j, size_t flags, size_t *n);
/* The one JSON writer: answers status with j (its reference is taken;
 * NULL answers 500) as application/json, one line with ": " and ", "
 * between items, then a newline. */
void respond_json(struct http_req *r, unsigned status, json_t *j);
/* As respond_json() with jansson's dump flags (JSON_COMPACT for the
 * documented token answer, JSON_INDENT(1) for /minidump). */
void respond_json_flags(struct http_req *r, unsigned status, json_t *j, size_t flags);
/* {"error": msg} */
void respond_json_error(struct http_req *r, unsigned status, const char *msg);

#endif
