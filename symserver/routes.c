/* routes.c - the dispatcher: every request head comes here and goes to
 * its handler. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "server.h"

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
		metrics_route(srv, r);
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
		http_set_route(r, "token");
		token_route(srv, r);
		return;
	}
	strcpy(copy, path);
	n = split(copy, parts, 5);
	if (n == 4 && strcmp(parts[0], "api") == 0 && strcmp(parts[1], "syminfo") == 0 && get) {
		syminfo_route(srv, r, parts[2], parts[3]);
		return;
	}
	if (n == 4 && strcmp(parts[0], "try") == 0) {
		parts[0] = parts[1];
		parts[1] = parts[2];
		parts[2] = parts[3];
		n = 3;
	}
	if (n == 3 && get) {
		download_route(srv, r, parts[0], parts[1], parts[2]);
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
