/* upload.c - the write side: PUT, multipart POST (Breakpad's sym_upload v1
 * and archives in the store layout), Breakpad's sym-upload-v2 protocol,
 * and `symserver import`.  The only user of libarchive and jansson.
 *
 * Every body streams into a store upload (hashed, grammar-checked and
 * gzipped on the fly); nothing holds a whole symbol file in memory.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <zlib.h>

#include "fsutil.h"
#include "server.h"
#include "symbolicate.h"
#include "upload_parse.h"

struct up {
	struct server *srv;
	struct store_upload *u;
	bool gzip;		/* Content-Encoding: gzip */
	z_stream z;
	bool zinit;
	char who[128];
	bool force;		/* X-Symserver-Force: 1, or the form field force=1 */
	char expect_file[FIELD_MAX], expect_id[FIELD_MAX];
	struct sym_err err;
	bool failed;
	unsigned fail_status;
	/* multipart */
	bool is_form;
	bool saw_symbol_file;
	char f_debug_file[FIELD_MAX], f_debug_id[FIELD_MAX], f_force[8];
	int archive_fd;
	uint64_t archive_size;
	/* sym-upload-v2 */
	char v2_key[80];
	/* raw JSON bodies (v2 requests) */
	char *json;
	size_t json_len;
};

/* ---- sym-upload-v2 pending uploads ----------------------------------- */

struct v2_pending {
	struct v2_pending *next;
	char key[80];
	time_t created;
	struct store_upload *u;	/* filled by the PUT */
	bool received;
	bool force;		/* asked for by :create or the PUT */
};

static void up_fail(struct up *p, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void up_fail(struct up *p, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->failed = true;
	p->fail_status = status;
	sym_fail(&p->err, SYM_EFORMAT, "%s", msg);
}

/* The HTTP status for an error of the store: 4xx only for the client's
 * mistakes; a full disk is 507, another I/O error 503. */
static unsigned store_status(enum sym_code c)
{
	switch (c) {
	case SYM_ELIMIT:
		return 413;
	case SYM_ENOSPC:
		return 507;
	case SYM_EIO:
		return 503;
	case SYM_ENOMEM:
	case SYM_EZLIB:
		return 500;
	default:
		return 400;
	}
}

/* p's store upload failed with p->err: sets the status; a full disk or
 * an I/O error is logged on stderr, counted, and told to the client with
 * what to do. */
static void up_store_fail(struct up *p)
{
	char msg[sizeof(p->err.msg)];
	unsigned status = store_status(p->err.code);

	if (p->failed)
		return;
	p->failed = true;
	p->fail_status = status;
	if (status != 507 && status != 503)
		return;
	server_store_error(p->srv, p->err.code == SYM_ENOSPC, p->err.msg);
	snprintf(msg, sizeof(msg), "%s", p->err.msg);
	snprintf(p->err.msg, sizeof(p->err.msg), "%.400s: %s", msg,
		 status == 507 ? "the symbol store is full; upload again once space is freed"
			       : "the symbol store failed; try again later");
}

/* As up_store_fail(), for a system call that failed with errno e. */
static void up_errno_fail(struct up *p, int e, const char *what)
{
	if (p->failed)
		return;
	sym_fail(&p->err, sym_errno_code(e), "%s: %s", what,
		 strerror(e));
	up_store_fail(p);
}

/* X-Symserver-Force: 1 */
static bool force_header(struct http_req *r)
{
	const char *h = http_header(r, "X-Symserver-Force");

	return h && strcmp(h, "1") == 0;
}

static void up_cleanup(void *st)
{
	struct up *p = st;

	if (!p)
		return;
	store_upload_abort(p->u);
	if (p->zinit)
		inflateEnd(&p->z);
	if (p->archive_fd >= 0)
		close(p->archive_fd);
	free(p->json);
	free(p);
}

static struct up *up_new(struct server *srv)
{
	struct up *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->srv = srv;
	p->archive_fd = -1;
	sym_err_clear(&p->err);
	return p;
}

/* Feeds symbol-file bytes (gunzipping when the body is gzip). */
static int up_feed(struct up *p, const char *data, size_t n)
{
	if (p->failed)
		return 0;
	if (!p->u) {
		if (store_upload_begin(p->srv->store, &p->u, &p->err) != SYM_OK) {
			up_store_fail(p);
			return 0;
		}
		store_upload_limit(p->u, p->srv->max_upload);
	}
	if (!p->gzip) {
		if (store_upload_write(p->u, data, n, &p->err) != SYM_OK)
			up_store_fail(p);
		return 0;
	}
	if (!p->zinit) {
		if (inflateInit2(&p->z, 15 + 32) != Z_OK) {
			up_fail(p, 500, "%s", "zlib cannot start");
			return 0;
		}
		p->zinit = true;
	}
	p->z.next_in = (Bytef *)data;
	p->z.avail_in = (uInt)n;
	while (p->z.avail_in && !p->failed) {
		unsigned char out[65536];
		int zr;

		p->z.next_out = out;
		p->z.avail_out = sizeof(out);
		zr = inflate(&p->z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			up_fail(p, 400, "%s", "the gzip body is corrupt");
			break;
		}
		if (store_upload_write(p->u, out, sizeof(out) - p->z.avail_out, &p->err) != SYM_OK)
			up_store_fail(p);
		if (zr == Z_STREAM_END) {
			if (p->z.avail_in)
				up_fail(p, 400, "%s", "data after the end of the gzip body");
			break;
		}
	}
	return 0;
}

static const char *outcome_name(enum store_outcome o)
{
	return o == STORE_NEW ? "new" : o == STORE_REPLACED ? "replaced" :
	       o == STORE_FORCED ? "forced" : o == STORE_REFUSED ? "refused" : "unchanged";
}

/* Publishes the upload in p; returns the HTTP status and fills rec. */
static unsigned up_commit(struct up *p, const char *file, const char *id,
			  struct sym_record *rec, enum store_outcome *out)
{
	struct sym_record old;

	if (p->failed)
		return p->fail_status ? p->fail_status : 400;
	if (!p->u) {
		up_fail(p, 400, "%s", "the body is empty");
		return 400;
	}
	if (p->gzip && p->zinit) {
		/* the gzip stream must have ended */
		if (inflate(&p->z, Z_FINISH) != Z_STREAM_END) {
			up_fail(p, 400, "%s", "the gzip body is truncated");
			return 400;
		}
	}
	store_upload_force(p->u, p->force);
	if (store_upload_commit(p->u, file, id, p->who, rec, out, &old, &p->err) != SYM_OK) {
		p->u = NULL;
		up_store_fail(p);
		server_count_upload(p->srv, -1, NULL, NULL);
		return p->fail_status;
	}
	p->u = NULL;
	server_count_upload(p->srv, (int)*out, rec,
			    *out == STORE_REPLACED || *out == STORE_FORCED ? &old : NULL);
	if (p->srv->sym && *out != STORE_REFUSED && *out != STORE_SAME) {
		/* the lookup table now, so the first request finds it ready;
		 * a failure only delays it to the first use */
		struct sym_err terr;

		sym_err_clear(&terr);
		if (symbolicator_prepare(p->srv->sym, rec, &terr) != SYM_OK)
			fprintf(stderr, "symserver: no lookup table for %s/%s yet: %s\n",
				rec->debug_file, rec->debug_id, terr.msg);
	}
	if (*out == STORE_REFUSED || *out == STORE_FORCED) {
		char why[300];

		symfile_compare(&old.stats, &rec->stats, why, sizeof(why));
		fprintf(stderr, "symserver: %s %s/%s from %s: the upload is poorer than the stored file (%s)\n",
			*out == STORE_REFUSED ? "refused" : "forced replacement of", old.debug_file,
			old.debug_id, p->who[0] ? p->who : "-", why);
		if (*out == STORE_REFUSED) {
			/* decision 2 of issue 17: the exact message */
			p->failed = true;
			p->fail_status = 409;
			sym_fail(&p->err, SYM_EEXIST,
				 "refusing to replace %.200s/%s: the upload is poorer than the stored "
				 "file (%s); send X-Symserver-Force: 1 (symupload --force) to replace it anyway",
				 old.debug_file, old.debug_id, why);
			return 409;
		}
	}
	return 200;
}

static void respond_error(struct http_req *r, unsigned status, const char *msg)
{
	if (status == 503)
		http_add_header(r, "Retry-After", "2");
	if (status == 409) {
		/* a refused downgrade: one line of text (issue 17) */
		http_respondf(r, status, "text/plain; charset=utf-8", "%s\n", msg);
		return;
	}
	respond_json_error(r, status, msg);
}

static void respond_stored(struct http_req *r, unsigned status, const struct sym_record *rec,
			   enum store_outcome o)
{
	respond_json(r, status, json_pack("{s:s, s:o, s:o, s:s, s:I}", "status", outcome_name(o),
					  "debug_file", json_text(rec->debug_file),
					  "debug_id", json_text(rec->debug_id), "sha256", rec->hash,
					  "size", (json_int_t)rec->size));
}

/* ---- PUT ------------------------------------------------------------- */

static int put_data(struct http_req *r, void *st, const char *data, size_t n)
{
	(void)r;
	return up_feed(st, data, n);
}

static struct v2_pending *v2_find(struct server *srv, const char *key, bool unlink_it);

static void put_end(struct http_req *r, void *st)
{
	struct up *p = st;
	struct sym_record rec;
	enum store_outcome o;
	unsigned status;

	if (p->v2_key[0]) {
		/* sym-upload-v2: keep the bytes until :complete names them */
		struct v2_pending *v;

		if (p->failed || !p->u) {
			respond_error(r, p->failed ? p->fail_status : 400,
				      p->failed ? p->err.msg : "the body is empty");
			return;
		}
		pthread_mutex_lock(&p->srv->mu);
		v = v2_find(p->srv, p->v2_key, false);
		if (v && !v->received) {
			v->u = p->u;
			v->received = true;
			v->force = v->force || p->force;
			p->u = NULL;
		}
		pthread_mutex_unlock(&p->srv->mu);
		if (p->u) {
			respond_error(r, 404, "unknown or already used upload key");
			return;
		}
		respond_json(r, 200, json_object());
		return;
	}
	status = up_commit(p, p->expect_file, p->expect_id, &rec, &o);
	if (status != 200) {
		respond_error(r, status, p->err.msg);
		return;
	}
	respond_stored(r, o == STORE_NEW ? 201 : 200, &rec, o);
}

void upload_route_put(struct server *srv, struct http_req *r, const char *file, const char *id,
		      const char *v2_key)
{
	struct http_body b = { 0 };
	struct up *p;
	const char *ce;
	char *want;

	if (!v2_key) {
		if (!store_name_ok(file) || !server_valid_id(id)) {
			respond_error(r, 400, "malformed symbol path");
			return;
		}
		want = sym_file_name(file);
		if (!want || strcasecmp(want, http_path(r) + strlen(http_path(r)) - strlen(want)) != 0) {
			free(want);
			respond_error(r, 400, "the file name must be the debug file's .sym name");
			return;
		}
		free(want);
	}
	p = up_new(srv);
	if (!p) {
		respond_error(r, 500, "out of memory");
		return;
	}
	if (!server_auth(srv, r, "upload", p->who)) {
		up_cleanup(p);
		return;
	}
	p->force = force_header(r);
	if (!v2_key) {
		snprintf(p->expect_file, sizeof(p->expect_file), "%s", file);
		snprintf(p->expect_id, sizeof(p->expect_id), "%s", id);
	} else {
		snprintf(p->v2_key, sizeof(p->v2_key), "%s", v2_key);
	}
	ce = http_header(r, "Content-Encoding");
	if (ce && strcasecmp(ce, "gzip") == 0)
		p->gzip = true;
	else if (ce && strcasecmp(ce, "identity") != 0) {
		up_cleanup(p);
		respond_error(r, 415, "unsupported Content-Encoding (use gzip or none)");
		return;
	}
	b.data = put_data;
	b.end = put_end;
	b.cleanup = up_cleanup;
	b.st = p;
	http_accept_body(r, &b, p->gzip ? srv->max_upload : srv->max_upload);
}

/* ---- multipart POST -------------------------------------------------- */

static void copy_field(char *dst, const char *data, uint64_t off, size_t n)
{
	if (off >= FIELD_MAX - 1)
		return;
	if (n > FIELD_MAX - 1 - off)
		n = (size_t)(FIELD_MAX - 1 - off);
	memcpy(dst + off, data, n);
	dst[off + n] = '\0';
}

static int form_field(struct http_req *r, void *st, const char *name, const char *filename,
		      const char *data, uint64_t off, size_t n)
{
	struct up *p = st;

	(void)r;
	if (strcmp(name, "symbol_file") == 0) {
		p->saw_symbol_file = true;
		return up_feed(p, data, n);
	}
	if (strcmp(name, "debug_file") == 0) {
		copy_field(p->f_debug_file, data, off, n);
		return 0;
	}
	if (strcmp(name, "debug_identifier") == 0) {
		copy_field(p->f_debug_id, data, off, n);
		return 0;
	}
	if (strcmp(name, "force") == 0 && !filename) {
		if (off < sizeof(p->f_force) - 1) {
			size_t k = n < sizeof(p->f_force) - 1 - off ? n : sizeof(p->f_force) - 1 - off;
			memcpy(p->f_force + off, data, k);
			p->f_force[off + k] = '\0';
		}
		return 0;
	}
	if (!filename)
		return 0;	/* other plain fields (os, cpu, version, product...) */
	/* any other file: an archive of .sym files in the store layout */
	if (p->archive_fd < 0 && !p->failed) {
		struct sym_err err;

		sym_err_clear(&err);
		p->archive_fd = store_scratch_open(p->srv->store, &err);
		if (p->archive_fd < 0) {
			sym_fail(&p->err, err.code, "cannot store the upload: %s", err.msg);
			up_store_fail(p);
			return 0;
		}
	}
	if (p->archive_fd >= 0 && n && !p->failed) {
		const char *c = data;
		size_t left = n;
		while (left) {
			ssize_t w = write(p->archive_fd, c, left);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				up_errno_fail(p, errno, "cannot store the upload");
				return 0;
			}
			c += w;
			left -= (size_t)w;
		}
		p->archive_size += n;
	}
	return 0;
}

/* The limits an archive must stay within: a bomb has a huge ratio. */
#define ARCHIVE_MAX_RATIO 200
#define ARCHIVE_MIN_BUDGET ((uint64_t)64 << 20)

bool archive_path_ok(const char *path, char *mod, char *id, char *name)
{
	char copy[4096], *parts[4], *s, *save = NULL;
	int n = 0;

	if (!path || !*path || path[0] == '/' || strlen(path) >= sizeof(copy))
		return false;
	while (path[0] == '.' && path[1] == '/')
		path += 2;	/* tar's "./" prefix */
	strcpy(copy, path);
	for (s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == 3 || !store_name_ok(s))
			return false;
		parts[n++] = s;
	}
	if (n != 3 || !server_valid_id(parts[1]))
		return false;
	snprintf(mod, FIELD_MAX, "%s", parts[0]);
	snprintf(id, FIELD_MAX, "%s", parts[1]);
	snprintf(name, FIELD_MAX, "%s", parts[2]);
	return true;
}

enum archive_walk_result archive_walk(int fd, struct archive_walker *w)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc;

	w->total = 0;
	if (!a)
		return WALK_NOMEM;
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	lseek(fd, 0, SEEK_SET);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		archive_read_free(a);
		return WALK_UNREADABLE;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *path = archive_entry_pathname(e);
		struct archive_item it;
		char *want;

		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (path && (strstr(path, "-symbols.txt") || strstr(path, ".DS_Store")))
			continue;
		while (path && path[0] == '.' && path[1] == '/')
			path += 2;
		it.path = path ? path : "";
		it.err = NULL;
		it.read = it.bomb = false;
		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
		    archive_entry_symlink(e))
			it.err = "not a regular file (links are refused)";
		else if (!archive_path_ok(path, it.mod, it.id, it.name))
			it.err = "the path is not <debug_file>/<debug_id>/<file>.sym";
		else if (!(want = sym_file_name(it.mod)) || strcasecmp(want, it.name) != 0) {
			it.err = "the file name is not the debug file's .sym name";
			free(want);
		} else {
			const void *buf;
			size_t len;
			la_int64_t off;

			free(want);
			it.read = true;
			while ((rc = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
				w->total += len;
				if (w->total > w->budget) {
					it.err = "the archive expands past its size limit (decompression bomb?)";
					it.bomb = true;
					break;
				}
				w->data(w->ctx, buf, len);
			}
			if (!it.err && rc != ARCHIVE_EOF)
				it.err = "the archive entry is corrupt";
		}
		if (!w->entry(w->ctx, &it) || it.bomb) {
			archive_read_free(a);
			return WALK_STOPPED;
		}
	}
	archive_read_free(a);
	return rc == ARCHIVE_EOF ? WALK_END : WALK_CORRUPT;
}

/* process_archive()'s state between archive_walk()'s calls */
struct archive_run {
	struct up *p;
	struct up one;		/* the entry being stored */
	json_t *files;		/* the answer's "files" list */
	int nok, nbad, nrefused;
	unsigned store_fail;	/* 507 or 503 when the store failed */
	bool nomem;		/* an entry could not be added to the answer */
};

static void archive_one_init(struct archive_run *ar)
{
	memset(&ar->one, 0, sizeof(ar->one));
	ar->one.srv = ar->p->srv;
	ar->one.archive_fd = -1;
	ar->one.force = ar->p->force;
	snprintf(ar->one.who, sizeof(ar->one.who), "%s", ar->p->who);
	sym_err_clear(&ar->one.err);
}

static void archive_data(void *ctx, const void *buf, size_t n)
{
	struct archive_run *ar = ctx;

	up_feed(&ar->one, buf, n);
}

static bool archive_entry_done(void *ctx, const struct archive_item *it)
{
	struct archive_run *ar = ctx;
	const char *err = it->err;
	struct sym_record rec;
	json_t *e;
	enum store_outcome o = STORE_NEW;
	bool go_on = true;

	if (it->read) {
		unsigned status;

		if (!err) {
			status = up_commit(&ar->one, it->mod, it->id, &rec, &o);
			if (status != 200)
				err = ar->one.err.msg[0] ? ar->one.err.msg : "rejected";
		} else if (ar->one.failed) {
			status = ar->one.fail_status;
		} else {
			status = 400;
		}
		if (status == 507 || status == 503) {
			ar->store_fail = status;
			err = ar->one.err.msg;
		}
	}
	store_upload_abort(ar->one.u);
	if (ar->one.zinit)
		inflateEnd(&ar->one.z);
	if (err && o == STORE_REFUSED) {
		ar->nrefused++;
		e = json_pack("{s:o,s:s,s:o}", "key", json_text(it->path), "status", "refused",
			      "error", json_text(err));
	} else if (err) {
		ar->nbad++;
		e = json_pack("{s:o,s:s,s:o}", "key", json_text(it->path), "status", "error",
			      "error", json_text(err));
		if (it->bomb || ar->store_fail)
			go_on = false;	/* a bomb, or the store failed: stop reading it */
	} else {
		ar->nok++;
		e = json_pack("{s:o,s:s,s:s}", "key", json_text(it->path), "status", outcome_name(o),
			      "sha256", rec.hash);
	}
	if (!e || json_array_append_new(ar->files, e) != 0)
		ar->nomem = true;
	archive_one_init(ar);
	return go_on;
}

static void process_archive(struct up *p, struct http_req *r)
{
	struct archive_run ar = { .p = p };
	struct archive_walker w = { .ctx = &ar, .data = archive_data, .entry = archive_entry_done };
	enum archive_walk_result res;

	w.budget = p->archive_size * ARCHIVE_MAX_RATIO;
	if (w.budget < ARCHIVE_MIN_BUDGET)
		w.budget = ARCHIVE_MIN_BUDGET;
	if (w.budget > p->srv->max_upload * 4)
		w.budget = p->srv->max_upload * 4;
	ar.files = json_array();
	if (!ar.files) {
		respond_error(r, 500, "out of memory");
		return;
	}
	archive_one_init(&ar);
	res = archive_walk(p->archive_fd, &w);
	if (res == WALK_NOMEM || ar.nomem) {
		respond_error(r, 500, "out of memory");
		goto out;
	}
	if (res == WALK_UNREADABLE) {
		respond_error(r, 400, "the upload is neither a .sym file nor a zip, tar or tar.gz archive");
		goto out;
	}
	if (res == WALK_CORRUPT && ar.nok + ar.nbad == 0) {
		respond_error(r, 400, "the upload is neither a .sym file nor a readable zip, tar or tar.gz archive");
		goto out;
	}
	if (ar.store_fail == 503)
		http_add_header(r, "Retry-After", "2");
	respond_json(r, ar.store_fail ? ar.store_fail : ar.nbad || res != WALK_END ? 400 : ar.nrefused ? 409 : 200,
		     json_pack("{s:O,s:i,s:i,s:i}", "files", ar.files, "stored", ar.nok, "failed", ar.nbad,
			       "refused", ar.nrefused));
out:
	json_decref(ar.files);
}

static void form_end(struct http_req *r, void *st)
{
	struct up *p = st;
	struct sym_record rec;
	enum store_outcome o;
	unsigned status;

	if (strcmp(p->f_force, "1") == 0)
		p->force = true;
	if (p->saw_symbol_file) {
		/* Breakpad's sym_upload v1: its client wants 200 */
		status = up_commit(p, p->f_debug_file[0] ? p->f_debug_file : NULL,
				   p->f_debug_id[0] ? p->f_debug_id : NULL, &rec, &o);
		if (status != 200) {
			respond_error(r, status, p->err.msg);
			return;
		}
		respond_stored(r, 200, &rec, o);
		return;
	}
	if (p->failed) {
		respond_error(r, p->fail_status ? p->fail_status : 400, p->err.msg);
		return;
	}
	if (p->archive_fd < 0) {
		respond_error(r, 400, "no symbol_file field and no archive in the form");
		return;
	}
	process_archive(p, r);
}

void upload_route_post(struct server *srv, struct http_req *r)
{
	struct http_body b = { 0 };
	struct up *p = up_new(srv);
	const char *ct = http_header(r, "Content-Type");

	if (!p) {
		respond_error(r, 500, "out of memory");
		return;
	}
	if (!server_auth(srv, r, "upload", p->who)) {
		up_cleanup(p);
		return;
	}
	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0) {
		up_cleanup(p);
		respond_error(r, 415, "POST /upload takes multipart/form-data");
		return;
	}
	p->is_form = true;
	p->force = force_header(r);
	b.field = form_field;
	b.end = form_end;
	b.cleanup = up_cleanup;
	b.st = p;
	http_accept_body(r, &b, srv->max_upload);
}

/* ---- sym-upload-v2 --------------------------------------------------- */

static struct v2_pending *v2_find(struct server *srv, const char *key, bool unlink_it)
{
	struct v2_pending **pp;

	for (pp = &srv->pending; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->key, key) == 0) {
			struct v2_pending *v = *pp;
			if (unlink_it)
				*pp = v->next;
			return v;
		}
	return NULL;
}

void v2_free_all(struct server *srv)
{
	while (srv->pending) {
		struct v2_pending *v = srv->pending;
		srv->pending = v->next;
		store_upload_abort(v->u);
		free(v);
	}
}

/* Finds `"name"` or `name` followed by ':' and a quoted string in a relaxed
 * JSON body (Breakpad's Linux and Windows clients send unquoted keys). */
bool relaxed_string(const char *body, const char *name, char *out, size_t cap)
{
	const char *p = body;
	size_t nl = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		const char *q = p + nl;
		bool quoted = p > body && p[-1] == '"';
		bool word = p == body || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));
		if (quoted && *q == '"')
			q++;
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if ((quoted || word) && *q == ':') {
			const char *s, *e;
			q++;
			while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
				q++;
			if (*q != '"')
				return false;
			s = q + 1;
			e = strchr(s, '"');
			if (!e || (size_t)(e - s) >= cap)
				return false;
			memcpy(out, s, (size_t)(e - s));
			out[e - s] = '\0';
			return true;
		}
		p += nl;
	}
	return false;
}

bool v2_complete_body(const char *body, char *file, char *id)
{
	return body && relaxed_string(body, "debug_file", file, FIELD_MAX) &&
	       relaxed_string(body, "debug_id", id, FIELD_MAX);
}

bool v2_statuses_body(const char *body, size_t len,
		      void (*pair)(void *ctx, size_t i, const char *df, const char *di), void *ctx)
{
	json_t *root, *ids, *it;
	json_error_t jerr;
	size_t i;

	root = body ? json_loadb(body, len, 0, &jerr) : NULL;
	ids = root ? json_object_get(root, "symbol_ids") : NULL;
	if (!json_is_array(ids)) {
		json_decref(root);
		return false;
	}
	json_array_foreach(ids, i, it)
		pair(ctx, i, json_string_value(json_object_get(it, "debug_file")),
		     json_string_value(json_object_get(it, "debug_id")));
	json_decref(root);
	return true;
}

static int json_data(struct http_req *r, void *st, const char *data, size_t n)
{
	struct up *p = st;
	char *j;

	(void)r;
	if (p->failed)
		return 0;
	if (p->json_len + n > (16u << 20)) {
		up_fail(p, 413, "%s", "the request body is too large");
		return 0;
	}
	j = realloc(p->json, p->json_len + n + 1);
	if (!j) {
		up_fail(p, 500, "%s", "out of memory");
		return 0;
	}
	p->json = j;
	memcpy(p->json + p->json_len, data, n);
	p->json_len += n;
	p->json[p->json_len] = '\0';
	return 0;
}

static void v2_complete_end(struct http_req *r, void *st)
{
	struct up *p = st;
	struct v2_pending *v;
	struct sym_record rec;
	enum store_outcome o;
	char file[FIELD_MAX], id[FIELD_MAX];
	unsigned status;

	if (p->failed) {
		respond_error(r, p->fail_status, p->err.msg);
		return;
	}
	pthread_mutex_lock(&p->srv->mu);
	v = v2_find(p->srv, p->v2_key, false);
	if (v && !v->received)
		v = NULL;
	pthread_mutex_unlock(&p->srv->mu);
	if (!v) {
		respond_error(r, 404, "unknown upload key, or nothing was uploaded to it");
		return;
	}
	if (!v2_complete_body(p->json, file, id)) {
		respond_error(r, 400, "the body must name symbol_id.debug_file and symbol_id.debug_id");
		return;
	}
	pthread_mutex_lock(&p->srv->mu);
	v = v2_find(p->srv, p->v2_key, true);
	pthread_mutex_unlock(&p->srv->mu);
	if (!v) {
		respond_error(r, 404, "unknown upload key, or nothing was uploaded to it");
		return;
	}
	p->u = v->u;
	p->force = p->force || v->force;
	free(v);
	status = up_commit(p, file, id, &rec, &o);
	if (status != 200) {
		respond_error(r, status, p->err.msg);
		return;
	}
	/* Breakpad's clients scrape `"result": "..."` with one space */
	respond_json(r, 200, json_pack("{s:s}", "result", o == STORE_SAME ? "DUPLICATE_DATA" : "OK"));
}

/* v2_statuses_end()'s answer, one pair at a time */
struct statuses_out {
	struct server *srv;
	json_t *pairs;
	bool nomem;
};

static void statuses_pair(void *ctx, size_t i, const char *df, const char *di)
{
	struct statuses_out *so = ctx;
	struct sym_record rec;
	struct sym_err e;
	json_t *pair;
	bool found;

	sym_err_clear(&e);
	found = df && di && store_name_ok(df) && server_valid_id(di) &&
		store_get(so->srv->store, df, di, &rec, &e) == SYM_OK;
	/* "sha256" (of the stored content) is our extension: symupload
	 * skips a file only when the server holds these very bytes */
	(void)i;
	pair = json_pack("{s:{s:o,s:o},s:s}", "symbolId", "debugFile", json_text(df ? df : ""),
			 "debugId", json_text(di ? di : ""), "status", found ? "FOUND" : "MISSING");
	if (pair && found && json_object_set_new(pair, "sha256", json_string(rec.hash)) != 0) {
		json_decref(pair);
		pair = NULL;
	}
	if (!pair || json_array_append_new(so->pairs, pair) != 0)
		so->nomem = true;
}

static void v2_statuses_end(struct http_req *r, void *st)
{
	struct up *p = st;
	struct statuses_out so = { .srv = p->srv };

	if (p->failed) {
		respond_error(r, p->fail_status, p->err.msg);
		return;
	}
	so.pairs = json_array();
	if (!so.pairs) {
		respond_error(r, 500, "out of memory");
		return;
	}
	if (!v2_statuses_body(p->json, p->json_len, statuses_pair, &so)) {
		json_decref(so.pairs);
		respond_error(r, 400, "the body must be {\"symbol_ids\": [{\"debug_file\": ..., \"debug_id\": ...}]}");
		return;
	}
	if (so.nomem) {
		json_decref(so.pairs);
		respond_error(r, 500, "out of memory");
		return;
	}
	respond_json(r, 200, json_pack("{s:o}", "pairs", so.pairs));
}

void v2_route(struct server *srv, struct http_req *r, const char *rest)
{
	const char *m = http_method(r);
	struct http_body b = { 0 };
	struct up *p;
	char who[128];

	http_set_route(r, "v2");
	if (!server_auth(srv, r, "upload", who))
		return;
	if (strncmp(rest, "symbols/", 8) == 0 && strcmp(m, "GET") == 0) {
		/* symbols/<debug_file>/<debug_id>:checkStatus */
		char file[FIELD_MAX], id[FIELD_MAX];
		const char *s = rest + 8, *slash = strchr(s, '/'), *colon;
		struct sym_record rec;
		struct sym_err e;

		colon = slash ? strstr(slash, ":checkStatus") : NULL;
		if (!slash || !colon || colon[12] || (size_t)(slash - s) >= sizeof(file) ||
		    (size_t)(colon - slash - 1) >= sizeof(id)) {
			respond_error(r, 404, "not found");
			return;
		}
		memcpy(file, s, (size_t)(slash - s));
		file[slash - s] = '\0';
		memcpy(id, slash + 1, (size_t)(colon - slash - 1));
		id[colon - slash - 1] = '\0';
		if (!store_name_ok(file) || !server_valid_id(id)) {
			respond_error(r, 400, "malformed debug file or id");
			return;
		}
		sym_err_clear(&e);
		respond_json(r, 200, json_pack("{s:s}", "status",
					       store_get(srv->store, file, id, &rec, &e) == SYM_OK ?
					       "FOUND" : "MISSING"));
		return;
	}
	if (strcmp(rest, "symbols:checkStatuses") == 0 && strcmp(m, "POST") == 0) {
		if (!(p = up_new(srv)))
			goto nomem;
		b.data = json_data;
		b.end = v2_statuses_end;
		b.cleanup = up_cleanup;
		b.st = p;
		http_accept_body(r, &b, 16u << 20);
		return;
	}
	if (strcmp(rest, "uploads:create") == 0 && strcmp(m, "POST") == 0) {
		struct v2_pending *v = calloc(1, sizeof(*v)), **pp;
		uint8_t raw[16];
		char url[4200], base[2048];
		time_t now = time(NULL);
		int i;

		if (!v || getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
			free(v);
			goto nomem;
		}
		for (i = 0; i < 16; i++)
			snprintf(v->key + 2 * i, 3, "%02x", raw[i]);
		v->created = now;
		v->force = force_header(r);
		pthread_mutex_lock(&srv->mu);
		/* forget uploads nobody completed within an hour */
		for (pp = &srv->pending; *pp;) {
			if (now - (*pp)->created > 3600) {
				struct v2_pending *old = *pp;
				*pp = old->next;
				store_upload_abort(old->u);
				free(old);
			} else {
				pp = &(*pp)->next;
			}
		}
		v->next = srv->pending;
		srv->pending = v;
		pthread_mutex_unlock(&srv->mu);
		snprintf(url, sizeof(url), "%s/v1/uploads/%s", server_base_url(srv, r, base, sizeof(base)),
			 v->key);
		/* Breakpad's clients scrape these with exactly one space */
		respond_json(r, 200, json_pack("{s:o, s:s}", "uploadUrl", json_text(url),
					       "uploadKey", v->key));
		return;
	}
	if (strncmp(rest, "uploads/", 8) == 0) {
		const char *key = rest + 8;
		const char *colon = strchr(key, ':');
		char k[80];
		size_t kl = colon ? (size_t)(colon - key) : strlen(key);

		if (kl == 0 || kl >= sizeof(k)) {
			respond_error(r, 404, "not found");
			return;
		}
		memcpy(k, key, kl);
		k[kl] = '\0';
		if (!colon && strcmp(m, "PUT") == 0) {
			upload_route_put(srv, r, NULL, NULL, k);
			return;
		}
		if (colon && strcmp(colon, ":complete") == 0 && strcmp(m, "POST") == 0) {
			if (!(p = up_new(srv)))
				goto nomem;
			snprintf(p->v2_key, sizeof(p->v2_key), "%s", k);
			snprintf(p->who, sizeof(p->who), "%s", who);
			p->force = force_header(r);
			b.data = json_data;
			b.end = v2_complete_end;
			b.cleanup = up_cleanup;
			b.st = p;
			http_accept_body(r, &b, 16u << 20);
			return;
		}
	}
	respond_error(r, 404, "not found");
	return;
nomem:
	respond_error(r, 500, "out of memory");
}

/* ---- import ---------------------------------------------------------- */

/* counts: new, replaced, unchanged, failed, refused (forced ones count as
 * replaced) */
static int import_file(struct server *srv, const char *path, const char *mod, const char *id,
		       bool force, uint64_t *counts)
{
	struct up p;
	struct sym_record rec;
	enum store_outcome o;
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	memset(&p, 0, sizeof(p));
	p.srv = srv;
	p.archive_fd = -1;
	snprintf(p.who, sizeof(p.who), "import");
	p.force = force;
	sym_err_clear(&p.err);
	if (fd < 0) {
		fprintf(stderr, "symserver: cannot read '%s': %s\n", path, strerror(errno));
		counts[3]++;
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		up_feed(&p, buf, (size_t)n);
	close(fd);
	if (n < 0)
		up_fail(&p, 500, "read error: %s", strerror(errno));
	if (up_commit(&p, mod, id, &rec, &o) != 200) {
		fprintf(stderr, "symserver: skipped '%s': %s\n", path, p.err.msg);
		store_upload_abort(p.u);
		counts[o == STORE_REFUSED ? 4 : 3]++;
		return -1;
	}
	counts[o == STORE_FORCED ? STORE_REPLACED : o]++;
	return 0;
}

static char *join(const char *a, const char *b)
{
	char *s = NULL;

	return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

int import_tree(struct server *srv, const char *dir, bool force)
{
	DIR *d1 = opendir(dir), *d2, *d3;
	struct dirent *e1, *e2, *e3;
	uint64_t counts[5] = { 0, 0, 0, 0, 0 };	/* new, replaced, same, failed, refused */
	char *p1, *p2, *p3;
	struct stat st;

	if (!d1) {
		fprintf(stderr, "symserver: cannot read '%s': %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e1 = readdir(d1))) {
		if (e1->d_name[0] == '.' || !store_name_ok(e1->d_name))
			continue;
		p1 = join(dir, e1->d_name);
		if (!p1 || lstat(p1, &st) != 0 || !S_ISDIR(st.st_mode) || !(d2 = opendir(p1))) {
			free(p1);
			continue;
		}
		while ((e2 = readdir(d2))) {
			if (!server_valid_id(e2->d_name))
				continue;
			p2 = join(p1, e2->d_name);
			if (!p2 || lstat(p2, &st) != 0 || !S_ISDIR(st.st_mode) || !(d3 = opendir(p2))) {
				free(p2);
				continue;
			}
			while ((e3 = readdir(d3))) {
				size_t l = strlen(e3->d_name);
				if (e3->d_name[0] == '.' || l < 5 || strcmp(e3->d_name + l - 4, ".sym") != 0)
					continue;
				p3 = join(p2, e3->d_name);
				if (p3 && lstat(p3, &st) == 0 && S_ISREG(st.st_mode))
					import_file(srv, p3, e1->d_name, e2->d_name, force, counts);
				free(p3);
			}
			closedir(d3);
			free(p2);
		}
		closedir(d2);
		free(p1);
	}
	closedir(d1);
	printf("imported %llu new, %llu replaced, %llu unchanged, %llu failed, %llu refused\n",
	       (unsigned long long)counts[0], (unsigned long long)counts[1],
	       (unsigned long long)counts[2], (unsigned long long)counts[3],
	       (unsigned long long)counts[4]);
	return counts[3] || counts[4] ? 1 : 0;
}
