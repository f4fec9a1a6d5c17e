/* minidump_route.c - POST /minidump: checks a crash report's modules
 * against the store.
 *
 * The body is multipart/form-data as crash reporters send it (Breakpad,
 * Crashpad, sentry-native, Electron): the dump in upload_file_minidump,
 * other fields are attributes of the report (the "sentry" field is JSON).
 * The dump is parsed in memory and never stored.  Each loaded module
 * without symbols counts one crash for its key, once per dump.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsutil.h"
#include "minidump.h"
#include "server.h"

enum { MAX_FIELDS = 256, MAX_FIELD = 64 * 1024, MAX_ATTR_TOTAL = 1 << 20, MAX_CONCURRENT = 4 };

struct md_state {
	struct server *srv;
	unsigned char *dump;
	size_t len, cap;
	bool have_dump;
	const char *error;	/* a fixed reason to refuse the request */
	json_t *attrs;		/* plain fields */
	json_t *attachments;	/* other file fields: name, filename, size */
	size_t nfields, attr_total;
	/* the plain field being received */
	char name[256];
	char *val;
	size_t vlen;
	bool in_field;
};

static void finish_field(struct md_state *st)
{
	json_t *v = NULL;

	if (!st->in_field)
		return;
	st->in_field = false;
	if (strcmp(st->name, "sentry") == 0)
		v = json_loadb(st->val ? st->val : "", st->vlen, 0, NULL);
	if (!v)
		v = json_text_n(st->val ? st->val : "", st->vlen);
	json_object_set_new(st->attrs, st->name, v);
	free(st->val);
	st->val = NULL;
	st->vlen = 0;
}

static int on_field(struct http_req *r, void *p, const char *name, const char *filename,
		    const char *data, uint64_t off, size_t n)
{
	struct md_state *st = p;

	(void)r;
	if (st->error)
		return 0;
	if (strcmp(name, "upload_file_minidump") == 0) {
		finish_field(st);
		if (off == 0 && st->have_dump) {
			st->error = "more than one upload_file_minidump field";
			return 0;
		}
		st->have_dump = true;
		if (st->len + n > st->srv->max_minidump) {
			st->error = "the minidump is larger than this server accepts (--max-minidump)";
			return 0;
		}
		if (st->len + n > st->cap) {
			size_t nc = st->cap ? st->cap : 1 << 20;
			void *q;
			while (nc < st->len + n)
				nc *= 2;
			q = realloc(st->dump, nc);
			if (!q) {
				st->error = "out of memory";
				return 0;
			}
			st->dump = q;
			st->cap = nc;
		}
		memcpy(st->dump + st->len, data, n);
		st->len += n;
		return 0;
	}
	if (filename) {
		/* an attachment: noted, not kept */
		json_t *last;
		finish_field(st);
		if (off == 0) {
			if (json_array_size(st->attachments) >= MAX_FIELDS) {
				st->error = "too many form fields";
				return 0;
			}
			json_array_append_new(st->attachments,
					      json_pack("{s:o, s:o, s:I}", "name", json_text(name),
							"filename", json_text(filename), "size",
							(json_int_t)0));
		}
		last = json_array_get(st->attachments, json_array_size(st->attachments) - 1);
		if (last)
			json_object_set_new(last, "size",
					    json_integer((json_int_t)(off + n)));
		return 0;
	}
	if (off == 0 || !st->in_field || strcmp(st->name, name) != 0) {
		finish_field(st);
		if (++st->nfields > MAX_FIELDS) {
			st->error = "too many form fields";
			return 0;
		}
		snprintf(st->name, sizeof(st->name), "%s", name);
		st->in_field = true;
	}
	if (st->vlen + n > MAX_FIELD || st->attr_total + n > MAX_ATTR_TOTAL) {
		st->error = "a form field is too large";
		return 0;
	}
	{
		char *q = realloc(st->val, st->vlen + n + 1);
		if (!q) {
			st->error = "out of memory";
			return 0;
		}
		st->val = q;
		memcpy(st->val + st->vlen, data, n);
		st->vlen += n;
		st->attr_total += n;
	}
	return 0;
}

static void respond_error(struct http_req *r, unsigned status, const char *msg)
{
	/* as the other /minidump answers: indented */
	respond_json_flags(r, status, json_pack("{s:o}", "error", json_text(msg)), JSON_INDENT(1));
}

static void on_end(struct http_req *r, void *p)
{
	struct md_state *st = p;
	struct md_info info;
	struct sym_err err;
	json_t *out, *mods;
	char base[2048];
	size_t i, missing = 0, found = 0;
	char (*seen)[600] = NULL;
	size_t nseen = 0;

	finish_field(st);
	if (st->error) {
		respond_error(r, strstr(st->error, "larger") ? 413 : 400, st->error);
		return;
	}
	if (!st->have_dump) {
		respond_error(r, 400, "no upload_file_minidump field in the form");
		return;
	}
	sym_err_clear(&err);
	if (md_parse(st->dump, st->len, &info, &err) != SYM_OK) {
		char msg[600];
		snprintf(msg, sizeof(msg), "not a usable minidump: %s", err.msg);
		respond_error(r, 400, msg);
		return;
	}
	server_base_url(st->srv, r, base, sizeof(base));
	out = json_object();
	mods = json_array();
	seen = calloc(info.nmodules + 1, sizeof(*seen));
	for (i = 0; i < info.nmodules; i++) {
		const struct md_module *m = &info.modules[i];
		const char *df = server_basename(m->debug_file), *cf = server_basename(m->code_file);
		json_t *jm = json_object();
		char addr[32], key[600];
		struct sym_record rec;
		bool ok = false, keyed;

		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)m->base);
		json_object_set_new(jm, "base_address", json_string(addr));
		json_object_set_new(jm, "size", json_integer((json_int_t)m->size));
		json_object_set_new(jm, "code_file", json_text(m->code_file));
		json_object_set_new(jm, "code_id", json_text(m->code_id));
		json_object_set_new(jm, "debug_file", json_text(m->debug_file));
		json_object_set_new(jm, "debug_id", json_text(m->debug_id));
		json_object_set_new(jm, "unloaded", json_boolean(m->unloaded));
		keyed = df[0] && m->debug_id[0] && store_name_ok(df) &&
			server_valid_id(m->debug_id);
		sym_err_clear(&err);
		if (keyed && store_get(st->srv->store, df, m->debug_id, &rec, &err) == SYM_OK)
			ok = true;
		sym_err_clear(&err);
		if (!ok && cf[0] && m->code_id[0] && strcmp(m->code_id, "id") != 0 &&
		    store_name_ok(cf) && store_name_ok(m->code_id) &&
		    store_get_by_code(st->srv->store, cf, m->code_id, &rec, &err) == SYM_OK)
			ok = true;
		if (ok) {
			char url[4096], *sn = sym_file_name(rec.debug_file);
			snprintf(url, sizeof(url), "%s/%s/%s/%s", base, rec.debug_file, rec.debug_id,
				 sn ? sn : "");
			free(sn);
			json_object_set_new(jm, "symbols", json_true());
			json_object_set_new(jm, "url", json_text(url));
			found++;
		} else if (!keyed) {
			/* nothing a processor could look up */
			json_object_set_new(jm, "symbols", json_null());
			json_object_set_new(jm, "reason", json_string(
				m->debug_id[0] ? "malformed debug file or id" : "no debug id in the dump"));
		} else {
			json_object_set_new(jm, "symbols", json_false());
			if (!m->unloaded) {
				size_t k;
				missing++;
				if (seen && store_key(df, m->debug_id, key, sizeof(key))) {
					for (k = 0; k < nseen && strcmp(seen[k], key) != 0; k++)
						;
					if (k == nseen) {
						memcpy(seen[nseen++], key, sizeof(key));
						miss_acc_note(st->srv->acc, df, m->debug_id,
							      cf[0] && store_name_ok(cf) ? cf : NULL,
							      strcmp(m->code_id, "id") != 0 &&
							      store_name_ok(m->code_id) ? m->code_id : NULL,
							      0, 1);
					}
				}
			}
		}
		json_array_append_new(mods, jm);
	}
	free(seen);
	json_object_set_new(out, "os", json_string(info.os));
	json_object_set_new(out, "cpu", json_string(info.cpu));
	json_object_set_new(out, "modules", mods);
	json_object_set_new(out, "with_symbols", json_integer((json_int_t)found));
	json_object_set_new(out, "missing", json_integer((json_int_t)missing));
	json_object_set(out, "attributes", st->attrs);
	json_object_set(out, "attachments", st->attachments);
	respond_json_flags(r, 200, out, JSON_INDENT(1));
	md_free(&info);
}

static void on_cleanup(void *p)
{
	struct md_state *st = p;

	__atomic_fetch_sub(&st->srv->md_active, 1, __ATOMIC_RELAXED);
	free(st->dump);
	free(st->val);
	json_decref(st->attrs);
	json_decref(st->attachments);
	free(st);
}

void minidump_route(struct server *srv, struct http_req *r)
{
	struct md_state *st;
	struct http_body b;

	/* the router checked the method and, under --private, the token */
	/* each one holds its dump in memory: a few at a time */
	if (__atomic_add_fetch(&srv->md_active, 1, __ATOMIC_RELAXED) > MAX_CONCURRENT) {
		__atomic_fetch_sub(&srv->md_active, 1, __ATOMIC_RELAXED);
		http_add_header(r, "Retry-After", "1");
		respond_json_error(r, 503, "too many minidumps at once; retry");
		return;
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->attrs = json_object()) || !(st->attachments = json_array())) {
		__atomic_fetch_sub(&srv->md_active, 1, __ATOMIC_RELAXED);
		if (st)
			json_decref(st->attrs);
		free(st);
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	st->srv = srv;
	memset(&b, 0, sizeof(b));
	b.field = on_field;
	b.end = on_end;
	b.cleanup = on_cleanup;
	b.st = st;
	/* the dump, attachments and form overhead */
	http_accept_body(r, &b, srv->max_minidump + (64u << 20));
}
