/* main.c - symupload: find symbol files, binaries and archives, convert
 * what needs converting in process, skip what the server already has,
 * upload the rest in parallel, and say exactly what happened.
 *
 *   symupload [options] URL PATH...
 *
 * Exit status: 0 every input is on the server; 2 bad usage; 3 an input
 * could not be read or converted (the others were still uploaded); 4 an
 * upload failed (this wins over 3), or the check of the URL and the token
 * before any file is read failed.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "convert.h"
#include "obj.h"
#include "outbuf.h"
#include "sha256.h"
#include "symupload.h"

enum { EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_UPLOAD = 4 };

static const char usage_text[] =
	"usage: symupload [options] URL PATH...\n"
	"PATH: .sym files, ELF binaries or debug files (converted in process), zip\n"
	"archives of .sym files, or directories (walked; files recognised by content).\n"
	"  --token-file FILE    the upload token (else $SYMUPLOAD_TOKEN)\n"
	"  -j, --jobs N         parallel uploads (default 4)\n"
	"  --protocol P         symserver (default: PUT, bulk check) or breakpad-v1\n"
	"                       (Breakpad's sym_upload form posted to URL)\n"
	"  --force              upload even what the server already has, and replace\n"
	"                       what it would refuse as poorer (X-Symserver-Force: 1)\n"
	"  --dry-run            list what would be uploaded, contact nothing\n"
	"  --json               a machine-readable summary on standard output\n"
	"  --exclude GLOB       skip matching paths (repeatable)\n"
	"  --debug-dir DIR      where separate debug files are looked for (repeatable)\n"
	"  --retries N          retries of each request failing transiently (default 5;\n"
	"                       backoff 0.2 s * 2^try, at most 30 s, jittered; Retry-After)\n"
	"  --timeout SECONDS    per transfer (default 0: none)\n"
	"  --max-memory MB      converted symbols kept in memory (default 1024); past\n"
	"                       it, binaries are converted again just before upload\n"
	"  -v, --verbose        say more (retries)\n"
	"  --version            print the version and exit\n"
	"Exit status: 0 all on the server, 2 usage, 3 an input failed, 4 an upload failed\n"
	"(or the check of the URL and the token, made before any file is read).\n";

struct input_error {
	char *path;
	char reason[400];
};

struct state {
	struct job **jobs;
	size_t n, cap;
	struct input_error *bad;
	size_t nbad, capbad;
	size_t ignored;			/* files in directories that are not symbols */
	uint64_t budget, resident;	/* bytes of converted symbols kept in memory */
	const char *const *exclude;
	size_t nexclude;
	struct convert_options copt;
	/* reporting */
	bool json, tty;
	FILE *out;			/* human lines */
	size_t done, total;
	uint64_t bytes_total;
	double t0;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bad_input(struct state *st, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bad_input(struct state *st, const char *path, const char *fmt, ...)
{
	struct input_error *e;
	va_list ap;

	if (st->nbad == st->capbad) {
		size_t nc = st->capbad ? st->capbad * 2 : 16;
		void *p = realloc(st->bad, nc * sizeof(*st->bad));
		if (!p)
			return;
		st->bad = p;
		st->capbad = nc;
	}
	e = &st->bad[st->nbad++];
	e->path = strdup(path);
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	fprintf(stderr, "symupload: %s: %s\n", path, e->reason);
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	if (j->malloced)
		free(j->map);
	else if (j->map)
		munmap(j->map, j->maplen);
	free(j->path);
	free(j);
}

/* Reads the MODULE and INFO CODE_ID lines; false when it is not a .sym. */
static bool parse_header(struct job *j)
{
	const char *p = (const char *)j->data, *end = p + j->size, *nl;
	char line[2048];
	int k;

	if (j->size < 7 || memcmp(p, "MODULE ", 7) != 0)
		return false;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl || (size_t)(nl - p) >= sizeof(line))
		return false;
	memcpy(line, p, (size_t)(nl - p));
	line[nl - p] = '\0';
	if (nl > p && line[nl - p - 1] == '\r')
		line[nl - p - 1] = '\0';
	/* MODULE os arch id name (the name may hold spaces) */
	k = -1;
	if (sscanf(line, "MODULE %31s %31s %79s %n", j->os, j->arch, j->debug_id, &k) < 3 ||
	    k < 0 || !line[k])
		return false;
	if (strlen(line + k) >= sizeof(j->debug_file))
		return false;
	snprintf(j->debug_file, sizeof(j->debug_file), "%s", line + k);
	snprintf(j->code_file, sizeof(j->code_file), "%s", j->debug_file);
	p = nl + 1;
	if ((size_t)(end - p) > 13 && memcmp(p, "INFO CODE_ID ", 13) == 0) {
		const char *e2 = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((e2 ? e2 : end) - (p + 13));
		char tmp[600];
		if (l < sizeof(tmp)) {
			memcpy(tmp, p + 13, l);
			tmp[l] = '\0';
			if (l && tmp[l - 1] == '\r')
				tmp[--l] = '\0';
			/* INFO CODE_ID <id> [<code_file>] */
			char cf[256];
			if (sscanf(tmp, "%159s %255[^\n]", j->code_id, cf) == 2)
				snprintf(j->code_file, sizeof(j->code_file), "%s", cf);
		}
	}
	return true;
}

static void hash_job(struct job *j)
{
	struct sha256 h;
	uint8_t d[32];

	sha256_init(&h);
	sha256_update(&h, j->data, j->size);
	sha256_final(&h, d);
	sha256_hex(d, j->sha256);
}

/* Adds j (hashing it); returns j when it is kept as a new entry, NULL when
 * it was dropped or replaced an earlier one's content. */
static struct job *add_job(struct state *st, struct job *j)
{
	size_t i;

	hash_job(j);
	/* one upload per key: a binary and its debug file name the same
	 * module; the richer conversion wins */
	for (i = 0; i < st->n; i++) {
		struct job *o = st->jobs[i];
		if (strcasecmp(o->debug_id, j->debug_id) == 0 &&
		    strcasecmp(o->debug_file, j->debug_file) == 0) {
			if (j->size > o->size) {
				st->jobs[i] = j;
				job_free(o);
				return j;
			}
			job_free(j);
			return NULL;
		}
	}
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 64;
		void *p = realloc(st->jobs, nc * sizeof(*st->jobs));
		if (!p) {
			job_free(j);
			return NULL;
		}
		st->jobs = p;
		st->cap = nc;
	}
	st->jobs[st->n++] = j;
	return j;
}

static struct job *add_sym_mem(struct state *st, const char *path, void *buf, size_t len,
				bool malloced)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		if (malloced)
			free(buf);
		else
			munmap(buf, len);
		bad_input(st, path, "%s", "out of memory");
		return NULL;
	}
	j->path = strdup(path);
	j->map = buf;
	j->maplen = len;
	j->malloced = malloced;
	j->data = buf;
	j->size = len;
	if (!parse_header(j)) {
		bad_input(st, path, "%s", "not a Breakpad .sym file (bad MODULE line)");
		job_free(j);
		return NULL;
	}
	return add_job(st, j);
}

/* Converts a binary or debug file in process into an anonymous mapping
 * (a memfd: no file on disk).  -1 with why[] on failure. */
static int convert_to_map(struct state *st, const char *path, void **out, size_t *len,
			  char *why, size_t cap)
{
	struct module m;
	struct sym_err err;
	struct outbuf ob;
	struct stat sb;
	void *map;
	int fd, e;

	sym_err_clear(&err);
	module_init(&m);
	if (convert_file(path, &st->copt, &m, &err) != SYM_OK) {
		snprintf(why, cap, "cannot convert: %s", err.msg);
		module_release(&m);
		return -1;
	}
	fd = memfd_create("sym", MFD_CLOEXEC);
	if (fd < 0 || outbuf_init(&ob, fd) < 0) {
		snprintf(why, cap, "out of memory");
		if (fd >= 0)
			close(fd);
		module_release(&m);
		return -1;
	}
	module_write(&m, &ob);
	e = outbuf_finish(&ob);
	module_release(&m);
	if (e || fstat(fd, &sb) < 0 || sb.st_size == 0) {
		snprintf(why, cap, "cannot write the symbols: %s", strerror(e ? e : errno));
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(why, cap, "cannot map the symbols: %s", strerror(errno));
		return -1;
	}
	*out = map;
	*len = (size_t)sb.st_size;
	return 0;
}

/* Gives back a converted file's memory; reload() converts it again. */
static void unload(struct job *j)
{
	if (j->map && !j->malloced)
		munmap(j->map, j->maplen);
	j->map = NULL;
	j->data = NULL;
}

static void add_object(struct state *st, const char *path)
{
	char why[600];
	void *map;
	size_t len;
	struct job *j;

	if (convert_to_map(st, path, &map, &len, why, sizeof(why)) < 0) {
		bad_input(st, path, "%s", why);
		return;
	}
	j = add_sym_mem(st, path, map, len, false);
	if (!j)
		return;
	j->object = true;
	j->slice = st->copt.slice;
	/* past the memory budget, conversions are hashed, given back, and
	 * converted again just before their upload */
	if (st->resident + len > st->budget)
		unload(j);
	else
		st->resident += len;
}

/* Each slice of a Mach-O file (one for a thin file) is a job of its own,
 * picked by index: two slices may share an arch name. */
static void add_macho(struct state *st, const char *path)
{
	struct convert_slice sl[32];
	struct sym_err err;
	size_t n = 0, i;

	sym_err_clear(&err);
	if (convert_slices(path, sl, 32, &n, &err) != SYM_OK) {
		bad_input(st, path, "cannot convert: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!sl[i].usable) {
			bad_input(st, path, "the %s slice cannot be read", sl[i].arch);
			continue;
		}
		st->copt.slice = sl[i].index;
		add_object(st, path);
	}
	st->copt.slice = 0;
}

static int reload(struct state *st, struct job *j)
{
	char sha[65];
	void *map;
	size_t len;
	int r;

	st->copt.slice = j->slice;	/* the same slice of a universal file */
	r = convert_to_map(st, j->path, &map, &len, j->reason, sizeof(j->reason));
	st->copt.slice = 0;
	if (r < 0)
		return -1;
	j->map = map;
	j->maplen = len;
	j->data = map;
	memcpy(sha, j->sha256, sizeof(sha));
	j->size = len;
	hash_job(j);
	if (strcmp(sha, j->sha256) != 0) {
		unload(j);
		snprintf(j->reason, sizeof(j->reason), "the file changed while symupload ran");
		return -1;
	}
	return 0;
}

static void add_zip(struct state *st, const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r;

	archive_read_support_format_zip(a);
	archive_read_support_filter_none(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		bad_input(st, path, "cannot read the archive: %s", archive_error_string(a));
		archive_read_free(a);
		return;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		int64_t size = archive_entry_size(e);
		char where[4096];
		char *buf;
		la_ssize_t got;

		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		snprintf(where, sizeof(where), "%s:%s", path, name ? name : "?");
		if (size <= 0 || size > ((int64_t)4 << 30)) {
			if (size != 0)
				bad_input(st, where, "%s", "entry size out of range");
			continue;
		}
		buf = malloc((size_t)size);
		if (!buf) {
			bad_input(st, where, "%s", "out of memory");
			continue;
		}
		got = archive_read_data(a, buf, (size_t)size);
		if (got != (la_ssize_t)size) {
			bad_input(st, where, "cannot read the entry: %s",
				  got < 0 ? archive_error_string(a) : "short read");
			free(buf);
			continue;
		}
		if (size < 7 || memcmp(buf, "MODULE ", 7) != 0) {
			free(buf);
			st->ignored++;
			continue;
		}
		add_sym_mem(st, where, buf, (size_t)size, true);
	}
	if (r != ARCHIVE_EOF)
		bad_input(st, path, "the archive is damaged: %s", archive_error_string(a));
	archive_read_free(a);
}

enum kind { K_NONE, K_SYM, K_ELF, K_ELF_REL, K_ZIP, K_MACHO, K_WIN, K_CAB };

/* .sym files and zip archives here; object files as the object layer
 * tells them: PE images and PDBs are converted as one module (an image
 * and its PDB give the same key, so one upload), CAB files only when
 * named as a symbol server stores them (foo.pd_, foo.dl_). */
static enum kind sniff(const char *path, int *err)
{
	unsigned char b[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return K_NONE;
	}
	n = read(fd, b, sizeof(b));
	if (n < 0)
		*err = errno;
	close(fd);
	if (n <= 0)
		return K_NONE;
	if (n >= 7 && memcmp(b, "MODULE ", 7) == 0)
		return K_SYM;
	if (n >= 4 && memcmp(b, "PK\003\004", 4) == 0)
		return K_ZIP;
	switch (obj_sniff(b, (size_t)n)) {
	case OBJ_KIND_ELF:
		return K_ELF;
	case OBJ_KIND_ELF_REL:
	case OBJ_KIND_MACHO_OBJECT:
		return K_ELF_REL;
	case OBJ_KIND_MACHO:
	case OBJ_KIND_UNIVERSAL:
		return K_MACHO;
	case OBJ_KIND_PE:
	case OBJ_KIND_PDB:
		return K_WIN;
	case OBJ_KIND_CAB:
		return K_CAB;
	default:
		return K_NONE;
	}
}

static void add_sym_file(struct state *st, const char *path)
{
	struct stat sb;
	void *map;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) < 0) {
		bad_input(st, path, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		bad_input(st, path, "cannot read: %s", strerror(errno));
		return;
	}
	add_sym_mem(st, path, map, (size_t)sb.st_size, false);
}

static bool excluded(const struct state *st, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i < st->nexclude; i++)
		if (fnmatch(st->exclude[i], path, 0) == 0 || fnmatch(st->exclude[i], base, 0) == 0)
			return true;
	return false;
}

/* foo.pd_, foo.dl_, foo.ex_, foo.sy_: how a symbol server stores a
 * CAB-compressed PDB or image */
static bool cab_symbol_name(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && path[n - 4] == '.' && path[n - 1] == '_' &&
	       (strncasecmp(path + n - 3, "pd", 2) == 0 || strncasecmp(path + n - 3, "dl", 2) == 0 ||
		strncasecmp(path + n - 3, "ex", 2) == 0 || strncasecmp(path + n - 3, "sy", 2) == 0);
}

static void add_path(struct state *st, const char *path, bool explicit)
{
	int e;
	enum kind k;

	if (excluded(st, path))
		return;
	k = sniff(path, &e);
	if (e) {
		bad_input(st, path, "cannot read: %s", strerror(e));
		return;
	}
	switch (k) {
	case K_SYM: add_sym_file(st, path); break;
	case K_ELF: add_object(st, path); break;
	case K_MACHO: add_macho(st, path); break;
	case K_WIN: add_object(st, path); break;
	case K_CAB:
		/* a CAB is a compressed image or PDB when named like one */
		if (explicit || cab_symbol_name(path))
			add_object(st, path);
		else
			st->ignored++;
		break;
	case K_ZIP: add_zip(st, path); break;
	case K_ELF_REL:
		if (explicit)
			bad_input(st, path, "%s", "a relocatable object (.o) has no load addresses; "
				  "give the linked binary");
		else
			st->ignored++;
		break;
	default:
		if (explicit)
			bad_input(st, path, "%s", "not a .sym file, an ELF, Mach-O or PE file, a PDB "
				  "or a zip archive");
		else
			st->ignored++;
	}
}

static struct state *walk_state;

static int walk_cb(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	if (flag == FTW_D && f->level > 0 && excluded(walk_state, path))
		return FTW_SKIP_SUBTREE;
	if (flag == FTW_F && !S_ISREG(sb->st_mode))
		walk_state->ignored++;	/* pipes, sockets, devices */
	else if (flag == FTW_F)
		add_path(walk_state, path, false);
	else if (flag == FTW_DNR || flag == FTW_NS)
		bad_input(walk_state, path, "cannot read: %s", strerror(errno ? errno : EACCES));
	return FTW_CONTINUE;
}

static int cmp_job(const void *a, const void *b)
{
	const struct job *x = *(struct job *const *)a, *y = *(struct job *const *)b;
	int c = strcmp(x->debug_file, y->debug_file);

	return c ? c : strcmp(x->debug_id, y->debug_id);
}

/* ---- reporting --------------------------------------------------------- */

static void human_bytes(uint64_t b, char *out, size_t cap)
{
	if (b >= (1u << 30))
		snprintf(out, cap, "%.1f GiB", (double)b / (1u << 30));
	else if (b >= (1u << 20))
		snprintf(out, cap, "%.1f MiB", (double)b / (1u << 20));
	else if (b >= 1024)
		snprintf(out, cap, "%.1f KiB", (double)b / 1024);
	else
		snprintf(out, cap, "%" PRIu64 " B", b);
}

static void tick(void *ctx)
{
	struct state *st = ctx;
	static double last;
	double t = now_s(), rate, eta;
	uint64_t sent = 0, raw_done = 0;
	size_t i;
	char a[32], b[32];

	if (!st->tty || t - last < 0.1)
		return;
	last = t;
	for (i = 0; i < st->n; i++) {
		sent += st->jobs[i]->sent;
		if (st->jobs[i]->state == J_UPLOADED || st->jobs[i]->state == J_FAILED)
			raw_done += st->jobs[i]->size;
	}
	rate = t > st->t0 ? (double)sent / (t - st->t0) : 0;
	eta = raw_done && st->bytes_total > raw_done ?
	      (t - st->t0) * (double)(st->bytes_total - raw_done) / (double)raw_done : 0;
	human_bytes(sent, a, sizeof(a));
	human_bytes((uint64_t)rate, b, sizeof(b));
	fprintf(stderr, "\r\033[K[%zu/%zu] %s sent, %s/s, ETA %.0f s", st->done, st->total, a, b, eta);
	fflush(stderr);
}

static void job_done(void *ctx, struct job *j)
{
	struct state *st = ctx;

	st->done++;
	if (st->tty)
		fprintf(stderr, "\r\033[K");
	if (j->state == J_UPLOADED)
		fprintf(st->out, "uploaded %s/%s (%s)\n", j->debug_file, j->debug_id, j->path);
	else
		fprintf(st->out, "FAILED %s/%s (%s): %s\n", j->debug_file, j->debug_id, j->path,
			j->reason);
	fflush(st->out);
	tick(st);
}

static void json_summary(const struct state *st, int rc)
{
	json_t *root = json_object(), *up = json_array(), *sk = json_array(), *fa = json_array();
	json_t *would = json_array();	/* --dry-run: not sent */
	size_t i;
	char *s;

	for (i = 0; i < st->n; i++) {
		const struct job *j = st->jobs[i];
		json_t *o = json_object();
		if (!o)
			continue;
		json_object_set_new(o, "debug_file", json_str_safe(j->debug_file));
		json_object_set_new(o, "debug_id", json_str_safe(j->debug_id));
		json_object_set_new(o, "path", json_str_safe(j->path));
		json_object_set_new(o, "size", json_integer((json_int_t)j->size));
		json_object_set_new(o, "sha256", json_string(j->sha256));
		if (j->state == J_UPLOADED) {
			json_object_set_new(o, "attempts", json_integer(j->attempts));
			json_array_append_new(up, o);
		} else if (j->state == J_SKIPPED) {
			json_array_append_new(sk, o);
		} else if (j->state == J_PENDING) {
			json_array_append_new(would, o);
		} else {
			json_object_set_new(o, "reason", json_str_safe(j->reason));
			json_object_set_new(o, "attempts", json_integer(j->attempts));
			json_array_append_new(fa, o);
		}
	}
	for (i = 0; i < st->nbad; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "path", json_str_safe(st->bad[i].path ? st->bad[i].path : ""));
		json_object_set_new(o, "reason", json_str_safe(st->bad[i].reason));
		json_array_append_new(fa, o);
	}
	json_object_set_new(root, "uploaded", up);
	json_object_set_new(root, "skipped", sk);
	json_object_set_new(root, "failed", fa);
	if (json_array_size(would))
		json_object_set_new(root, "would_upload", would);
	else
		json_decref(would);
	json_object_set_new(root, "ignored_files", json_integer((json_int_t)st->ignored));
	json_object_set_new(root, "exit_status", json_integer(rc));
	s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(root);
}

/* Uploads the pending jobs, converting again what was given back, so that
 * at most about the memory budget of reconverted symbols is held at once. */
static void upload_batches(struct state *st, const struct net_config *cfg)
{
	struct job **batch = calloc(st->n ? st->n : 1, sizeof(*batch));
	size_t i = 0, k;

	if (!batch) {
		net_upload(cfg, st->jobs, st->n, job_done, tick, st);
		return;
	}
	while (i < st->n) {
		size_t nb = 0;
		uint64_t loaded = 0;
		for (; i < st->n; i++) {
			struct job *j = st->jobs[i];
			if (j->state != J_PENDING)
				continue;
			if (!j->data) {
				if (loaded && loaded + j->size > st->budget)
					break;
				if (reload(st, j) < 0) {
					j->state = J_FAILED;
					job_done(st, j);
					continue;
				}
				j->reloaded = true;
				loaded += j->size;
			}
			batch[nb++] = j;
		}
		if (nb)
			net_upload(cfg, batch, nb, job_done, tick, st);
		for (k = 0; k < nb; k++)
			if (batch[k]->reloaded) {
				unload(batch[k]);
				batch[k]->reloaded = false;
			}
	}
	free(batch);
}

/* ---- main -------------------------------------------------------------- */

/* The token from file, else $SYMUPLOAD_TOKEN (*out NULL when neither);
 * -1 when the file cannot be used. */
static int read_token(const char *file, char **out)
{
	char buf[1024];
	size_t n;
	FILE *f;

	*out = NULL;
	if (!file) {
		const char *e = getenv("SYMUPLOAD_TOKEN");
		if (e && *e)
			*out = strdup(e);
		return 0;
	}
	f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "symupload: cannot read the token file %s: %s\n", file, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		fprintf(stderr, "symupload: the token file %s is empty\n", file);
		return -1;
	}
	*out = strdup(buf);
	memset(buf, 0, sizeof(buf));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "token-file", required_argument, NULL, 't' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "protocol", required_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "retries", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "max-memory", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct state st;
	struct net_config cfg;
	const char *token_file = NULL, **excl = NULL, **ddirs = NULL;
	size_t nexcl = 0, nddirs = 0, i, nskip = 0, nup = 0, nfail = 0;
	bool force = false, dry = false;
	char *token = NULL, msg[500], *end;
	int c, rc = 0;

	memset(&st, 0, sizeof(st));
	memset(&cfg, 0, sizeof(cfg));
	cfg.jobs = 4;
	cfg.retries = 5;
	st.budget = (uint64_t)1024 << 20;
	excl = calloc((size_t)argc, sizeof(*excl));
	ddirs = calloc((size_t)argc, sizeof(*ddirs));
	if (!excl || !ddirs)
		return 1;
	opterr = 0;	/* sym_bad_option() says what was wrong */
	while ((c = getopt_long(argc, argv, ":j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 't': token_file = optarg; break;
		case 'j':
			cfg.jobs = (unsigned)strtoul(optarg, &end, 10);
			if (*end || cfg.jobs < 1 || cfg.jobs > 64) {
				fprintf(stderr, "symupload: -j takes 1 to 64\n");
				goto usage_error;
			}
			break;
		case 'P':
			if (strcmp(optarg, "symserver") == 0)
				cfg.protocol = PROTO_SYMSERVER;
			else if (strcmp(optarg, "breakpad-v1") == 0)
				cfg.protocol = PROTO_BREAKPAD_V1;
			else {
				fprintf(stderr, "symupload: --protocol is symserver or breakpad-v1\n");
				goto usage_error;
			}
			break;
		case 'f': force = true; break;
		case 'n': dry = true; break;
		case 'J': st.json = true; break;
		case 'x': excl[nexcl++] = optarg; break;
		case 'D': ddirs[nddirs++] = optarg; break;
		case 'r':
			cfg.retries = (unsigned)strtoul(optarg, &end, 10);
			if (*end || cfg.retries > 100) {
				fprintf(stderr, "symupload: --retries takes 0 to 100\n");
				goto usage_error;
			}
			break;
		case 'T': cfg.timeout = strtol(optarg, NULL, 10); break;
		case 'v': cfg.verbose = true; break;
		case 'M':
			st.budget = (uint64_t)strtoull(optarg, &end, 10) << 20;
			if (*end || !*optarg) {
				fprintf(stderr, "symupload: --max-memory takes megabytes\n");
				goto usage_error;
			}
			break;
		case 'h': fputs(usage_text, stdout); goto out;
		case 'V': printf("symupload %s\n", PACKAGE_VERSION); goto out;
		default:
			sym_bad_option("symupload", c, argv);
			fputs(usage_text, stderr);
			goto usage_error;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "symupload: missing %s\n", argc == optind ? "URL and PATH" : "PATH after the URL");
		fputs(usage_text, stderr);
		goto usage_error;
	}
	cfg.url = argv[optind];
	if (strncmp(cfg.url, "http://", 7) != 0 && strncmp(cfg.url, "https://", 8) != 0) {
		fprintf(stderr, "symupload: the URL must start with http:// or https://\n");
		goto usage_error;
	}
	token = NULL;
	if (!dry && read_token(token_file, &token) < 0)
		goto usage_error;
	cfg.token = token;
	st.exclude = excl;
	st.nexclude = nexcl;
	st.copt.os = NULL;	/* Linux for ELF, mac for Mach-O */
	st.copt.debug_dirs = ddirs;
	st.copt.ndebug_dirs = nddirs;
	st.out = st.json ? stderr : stdout;
	st.tty = isatty(STDERR_FILENO) && !st.json;
	cfg.force = force;

	/* the URL, the token and its scope are checked before any file is read */
	if (!dry) {
		int pr;
		if (net_init() < 0) {
			fprintf(stderr, "symupload: cannot initialise libcurl\n");
			rc = 1;
			goto out;
		}
		pr = net_precheck(&cfg, msg, sizeof(msg));
		if (pr < 0) {
			fprintf(stderr, "symupload: %s\n", msg);
			net_cleanup();
			rc = EXIT_UPLOAD;
			if (st.json)
				json_summary(&st, rc);
			goto out;
		}
		if (pr > 0)
			fprintf(stderr, "symupload: warning: %s\n", msg);
	}

	for (i = (size_t)optind + 1; i < (size_t)argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) < 0) {
			bad_input(&st, argv[i], "cannot read: %s", strerror(errno));
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			walk_state = &st;
			if (nftw(argv[i], walk_cb, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0)
				bad_input(&st, argv[i], "cannot walk the directory: %s", strerror(errno));
		} else if (!S_ISREG(sb.st_mode)) {
			bad_input(&st, argv[i], "%s", "not a regular file");
		} else {
			add_path(&st, argv[i], true);
		}
	}
	if (st.n)
		qsort(st.jobs, st.n, sizeof(*st.jobs), cmp_job);
	for (i = 0; i < st.n; i++)
		st.bytes_total += st.jobs[i]->size;

	if (dry) {
		for (i = 0; i < st.n; i++)
			fprintf(st.out, "would upload %s/%s %zu bytes (%s)\n", st.jobs[i]->debug_file,
				st.jobs[i]->debug_id, st.jobs[i]->size, st.jobs[i]->path);
		rc = st.nbad ? EXIT_INPUT : 0;
		if (st.json)
			json_summary(&st, rc);
		goto out;
	}
	if (!force && net_check(&cfg, st.jobs, st.n, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "symupload: %s\n", msg);
		for (i = 0; i < st.n; i++) {
			st.jobs[i]->state = J_FAILED;
			snprintf(st.jobs[i]->reason, sizeof(st.jobs[i]->reason), "%s", msg);
		}
	} else {
		for (i = 0; i < st.n; i++)
			if (st.jobs[i]->state == J_SKIPPED) {
				nskip++;
				fprintf(st.out, "skipped %s/%s (%s): already on the server\n",
					st.jobs[i]->debug_file, st.jobs[i]->debug_id, st.jobs[i]->path);
			} else {
				st.total++;
			}
		st.t0 = now_s();
		upload_batches(&st, &cfg);
	}
	net_cleanup();
	for (i = 0; i < st.n; i++) {
		if (st.jobs[i]->state == J_UPLOADED)
			nup++;
		else if (st.jobs[i]->state == J_FAILED)
			nfail++;
	}
	rc = nfail ? EXIT_UPLOAD : st.nbad ? EXIT_INPUT : 0;
	{
		char a[32];
		uint64_t sent = 0;
		for (i = 0; i < st.n; i++)
			sent += st.jobs[i]->sent;
		human_bytes(sent, a, sizeof(a));
		fprintf(st.out, "%zu uploaded, %zu skipped, %zu failed, %zu inputs unreadable; %s sent in %.1f s\n",
			nup, nskip, nfail, st.nbad, a, st.t0 ? now_s() - st.t0 : 0.0);
	}
	if (st.json)
		json_summary(&st, rc);
	goto out;
usage_error:
	rc = EXIT_USAGE;
out:
	for (i = 0; i < st.n; i++)
		job_free(st.jobs[i]);
	for (i = 0; i < st.nbad; i++)
		free(st.bad[i].path);
	free(st.bad);
	free(st.jobs);
	free(excl);
	free(ddirs);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	return rc;
}
