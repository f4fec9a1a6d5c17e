/* routes.c - the dispatcher: every request head comes here, is matched
 * against the route table (router.c) and goes to its handler. */
#include "config.h"

#include "router.h"
#include "server.h"

void server_route(struct http_req *r, void *app)
{
	struct server *srv = app;
	struct route_args a;
	const struct route *rt = route_match(http_method(r), http_path(r), &a);

	http_set_route(r, rt->name);
	if (rt->auth_first && rt->scope &&
	    (rt->auth == AUTH_ALWAYS || (rt->auth == AUTH_PRIVATE && srv->private_downloads)) &&
	    !server_auth(srv, r, rt->scope, NULL))
		return;
	switch (rt->handler) {
	case ROUTE_INVALID:
		respond_json_error(r, 400, "malformed path");
		break;
	case ROUTE_NOT_FOUND:
		respond_json_error(r, 404, "not found");
		break;
	case ROUTE_REFUSE:
		http_add_header(r, "Allow", rt->allow);
		respond_json_error(r, 405, rt->refusal);
		break;
	case ROUTE_HEALTH: {
		struct blob_s3_stats st;
		/* over a bucket that stopped answering: still up (hits from
		 * the cache, all misses), but uploads fail */
		if (store_remote_stats(srv->store, &st) && st.failing)
			respond_json(r, 200, json_pack("{s:s,s:o}", "status", "degraded", "s3",
						       json_text(st.last_error)));
		else
			respond_json(r, 200, json_pack("{s:s}", "status", "ok"));
		break;
	}
	case ROUTE_METRICS:
		metrics_route(srv, r);
		break;
	case ROUTE_PAGE:
		page_route(srv, r);
		break;
	case ROUTE_MISSING:
	case ROUTE_MISSING_CSV:
		missing_route(srv, r, rt->handler == ROUTE_MISSING_CSV);
		break;
	case ROUTE_MINIDUMP:
		minidump_route(srv, r);
		break;
	case ROUTE_SYMBOLICATE:
		symbolicate_route(srv, r);
		break;
	case ROUTE_V2:
		v2_route(srv, r, a.rest);
		break;
	case ROUTE_UPLOAD:
		upload_route_post(srv, r);
		break;
	case ROUTE_TOKEN:
		token_route(srv, r);
		break;
	case ROUTE_SYMINFO:
		syminfo_route(srv, r, a.arg[0], a.arg[1]);
		break;
	case ROUTE_DOWNLOAD:
		download_route(srv, r, a.arg[0], a.arg[1], a.arg[2]);
		break;
	case ROUTE_PUT:
		upload_route_put(srv, r, a.arg[0], a.arg[1], NULL);
		break;
	}
}
