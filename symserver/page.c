/* page.c - GET /: one server-rendered page for people: store totals,
 * recent uploads, and the missing symbols that hurt the most crashes. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "server.h"

enum { RECENT = 20, TOP_MISSING = 50 };

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void human(uint64_t b, char *out, size_t cap)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i)
		snprintf(out, cap, "%.1f %s", v, u[i]);
	else
		snprintf(out, cap, "%" PRIu64 " B", b);
}

static void when(FILE *f, uint64_t t)
{
	char iso[32];

	missing_iso_time(t, iso, sizeof(iso));
	fprintf(f, "<time datetime=\"%s\">%.10s %.8s</time>", iso, iso, iso[0] ? iso + 11 : "");
}

static void copyable(FILE *f, const char *id)
{
	fputs("<span class=\"idc\"><code class=\"id\">", f);
	esc(f, id);
	fputs("</code> <button type=\"button\" class=\"copy\" data-copy=\"", f);
	esc(f, id);
	fputs("\" title=\"copy the debug id\">copy</button></span>", f);
}

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1b1f24;background:#fff}"
	"h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em}"
	"table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3em .6em;"
	"border-bottom:1px solid #d8dee4;vertical-align:top}th{background:#f3f5f7}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"code{font:12px ui-monospace,monospace;user-select:all}"
	".totals{display:flex;gap:2em;margin:1em 0}.totals div{background:#f3f5f7;padding:.6em 1em;"
	"border-radius:6px}.totals b{display:block;font-size:1.4em}"
	".reason{font-size:12px;padding:.1em .4em;border-radius:4px;background:#fff1e5}"
	".reason.id-mismatch{background:#ffe3e3}.reason.never-uploaded{background:#eef}"
	"button.copy{font-size:11px;padding:0 .4em}.muted{color:#57606a}"
	"time,.idc{white-space:nowrap}.muted code{word-break:break-all}";

static const char script[] =
	"document.addEventListener('click',function(e){var b=e.target;"
	"if(!b.classList||!b.classList.contains('copy'))return;var t=b.getAttribute('data-copy');"
	"function done(){b.textContent='copied';setTimeout(function(){b.textContent='copy'},1500)}"
	"if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t).then(done)}"
	"else{var a=document.createElement('textarea');a.value=t;document.body.appendChild(a);"
	"a.select();try{document.execCommand('copy');done()}catch(x){}a.remove()}});";

void page_route(struct server *srv, struct http_req *r)
{
	struct store_log_entry *log = NULL;
	struct missing_query q;
	struct store_miss *mv = NULL;
	struct store_stats stats;
	struct sym_err err;
	size_t nlog = 0, nm = 0, nopen = 0, i;
	char next[2048], a[32], b[32];
	char *body = NULL;
	size_t blen = 0;
	FILE *f;

	/* the router checked the token under --private */
	server_refresh_stats(srv);
	pthread_mutex_lock(&srv->mu);
	stats = srv->stats;
	pthread_mutex_unlock(&srv->mu);
	sym_err_clear(&err);
	log = calloc(RECENT, sizeof(*log));
	if (log)
		store_log_recent(srv->store, log, RECENT, &nlog, &err);
	memset(&q, 0, sizeof(q));
	q.status = MISS_OPEN;
	q.limit = TOP_MISSING;
	if (missing_list(srv->store, &q, &mv, &nm, &nopen, next, sizeof(next), &err) != SYM_OK)
		nm = nopen = 0;
	f = open_memstream(&body, &blen);
	if (!f) {
		free(log);
		free(mv);
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		"<title>symserver</title><style>%s</style></head><body>\n", style);
	fputs("<h1>symserver</h1><p class=\"muted\">Breakpad symbol files for minidump "
	      "processors at <code>/&lt;debug_file&gt;/&lt;debug_id&gt;/&lt;sym_file&gt;</code>. "
	      "<a href=\"/missing\">/missing</a> (JSON) &middot; <a href=\"/missing.csv\">"
	      "/missing.csv</a> &middot; <a href=\"/_metrics\">/_metrics</a></p>\n", f);
	human(stats.bytes, a, sizeof(a));
	human(stats.gz_bytes, b, sizeof(b));
	fprintf(f, "<section class=\"totals\" id=\"totals\"><div><b id=\"files\">%" PRIu64 "</b>"
		"symbol files</div><div><b id=\"bytes\">%s</b>uncompressed</div><div><b>%s</b>"
		"stored (gzip)</div><div><b id=\"open-missing\">%zu</b>missing symbols</div></section>\n",
		stats.files, a, b, nopen);

	fputs("<h2>Top missing symbols</h2>\n", f);
	if (!nm) {
		fputs("<p id=\"no-missing\">No missing symbols: every module processors asked "
		      "for was found.</p>\n", f);
	} else {
		fputs("<table id=\"missing\"><thead><tr><th>Crashes</th><th>Misses</th>"
		      "<th>Debug file</th><th>Debug id</th><th>Code file</th><th>First seen (UTC)</th>"
		      "<th>Last seen (UTC)</th><th>Reason</th></tr></thead><tbody>\n", f);
		for (i = 0; i < nm; i++) {
			const struct store_miss *m = &mv[i];
			fprintf(f, "<tr><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
				"</td><td>", m->crashes, m->misses);
			esc(f, m->debug_file);
			fputs("</td><td>", f);
			copyable(f, m->debug_id);
			fputs("</td><td>", f);
			esc(f, m->code_file);
			if (m->code_id[0]) {
				fputs("<br><code>", f);
				esc(f, m->code_id);
				fputs("</code>", f);
			}
			fputs("</td><td>", f);
			when(f, m->first_seen);
			fputs("</td><td>", f);
			when(f, m->last_seen);
			fprintf(f, "</td><td><span class=\"reason %s\">%s</span>", m->reason,
				m->reason);
			if (m->other_ids[0]) {
				fputs("<br><span class=\"muted\">in the store as <code>", f);
				esc(f, m->other_ids);
				fputs("</code></span>", f);
			}
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
		if (nopen > nm)
			fprintf(f, "<p class=\"muted\">%zu more in <a href=\"/missing\">/missing</a>.</p>\n",
				nopen - nm);
	}

	fputs("<h2>Recent uploads</h2>\n", f);
	if (!nlog) {
		fputs("<p id=\"no-uploads\">Nothing uploaded yet.</p>\n", f);
	} else {
		fputs("<table id=\"uploads\"><thead><tr><th>Time (UTC)</th><th>Debug file</th>"
		      "<th>Debug id</th><th>Size</th><th>Change</th><th>By</th></tr></thead><tbody>\n", f);
		for (i = 0; i < nlog; i++) {
			char *sn = sym_file_name(log[i].debug_file);
			fputs("<tr><td>", f);
			when(f, log[i].time);
			fputs("</td><td><a href=\"/", f);
			esc(f, log[i].debug_file);
			fputc('/', f);
			esc(f, log[i].debug_id);
			fputc('/', f);
			esc(f, sn ? sn : "");
			fputs("\">", f);
			esc(f, log[i].debug_file);
			fputs("</a></td><td>", f);
			copyable(f, log[i].debug_id);
			human(log[i].size, a, sizeof(a));
			fprintf(f, "</td><td class=\"n\">%s</td><td>%s</td><td>", a,
				strcmp(log[i].action, "replace") == 0 ? "replaced" :
				strcmp(log[i].action, "force") == 0 ? "forced" :
				strcmp(log[i].action, "refuse") == 0 ? "refused" :
				strcmp(log[i].action, "delete") == 0 ? "deleted" : "new");
			esc(f, strcmp(log[i].uploader, "-") ? log[i].uploader : "");
			fputs("</td></tr>\n", f);
			free(sn);
		}
		fputs("</tbody></table>\n", f);
	}
	fprintf(f, "<script>%s</script>\n</body></html>\n", script);
	fclose(f);
	free(log);
	free(mv);
	http_add_header(r, "Cache-Control", "no-store");
	http_add_header(r, "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
	http_respond(r, 200, "text/html; charset=utf-8", body, blen);
	free(body);
}
