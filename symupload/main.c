/* main.c - symupload: find symbol files, binaries and archives, convert
 * what needs converting in process, skip what the server already has,
 * upload the rest in parallel, and say exactly what happened.
 *
 *   symupload [options] URL PATH...
 *   symupload check [options] FILE...
 *
 * Exit status: 0 every input is on the server; 2 bad usage; 3 an input
 * could not be read or converted (the others were still uploaded), or
 * nothing to upload was found (without --allow-empty); 4 an upload failed
 * (this wins over 3), or the check of the URL and the token before any
 * file is read failed.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
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
#include "ordered.h"
#include "pool.h"
#include "obj.h"
#include "outbuf.h"
#include "sha256.h"
#include "symupload.h"

enum { EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_UPLOAD = 4 };

static const char usage_text[] =
	"usage: symupload [options] URL PATH...\n"
	"       symupload check [--json] [--debug-dir DIR] FILE...\n"
	"PATH: .sym files, ELF binaries or debug files (converted in process), zip\n"
	"archives of .sym files, or directories (walked, symbolic links followed; files\n"
	"recognised by content; separate debug files paired with their binaries).\n"
	"  --token-file FILE    the upload token (else $SYMUPLOAD_TOKEN)\n"
	"  -j, --jobs N         parallel uploads (default 4)\n"
	"  --protocol P         symserver (default: PUT, bulk check) or breakpad-v1\n"
	"                       (Breakpad's sym_upload form posted to URL)\n"
	"  --force              upload even what the server already has, and replace\n"
	"                       what it would refuse as poorer (X-Symserver-Force: 1)\n"
	"  --dry-run            list what would be uploaded, contact nothing\n"
	"  --json               a machine-readable summary on standard output\n"
	"  --exclude GLOB       skip matching paths (repeatable)\n"
	"  --allow-empty        exit 0 when nothing to upload is found\n"
	"  --debug-dir DIR      where separate debug files are looked for (repeatable)\n"
	"  --retries N          retries of each request failing transiently (default 5;\n"
	"                       backoff 0.2 s * 2^try, at most 30 s, jittered; Retry-After)\n"
	"  --timeout SECONDS    per transfer (default 0: none)\n"
	"  --max-memory MB      converted symbols kept in memory (default 1024); past\n"
	"                       it, binaries are converted again just before upload\n"
	"  --convert-jobs N     binaries converted at once, each on one thread (default:\n"
	"                       one per CPU; one alone takes every CPU, as dumpsyms)\n"
	"  --breakpad-names     name functions as Breakpad's dump_syms does (see\n"
	"                       dumpsyms --breakpad-names)\n"
	"  -v, --verbose        say more (retries)\n"
	"  --version            print the version and exit\n"
	"Exit status: 0 all on the server, 2 usage, 3 an input failed or nothing to upload\n"
	"was found, 4 an upload failed (or the check of the URL and the token, made\n"
	"before any file is read).\n";

struct input_error {
	char *path;
	char reason[400];
};

/* Why a file found is not uploaded (the JSON summary's "kind"). */
enum ign_kind {
	IGN_NOT_SYMBOLS,	/* not a .sym, object or debug file, or archive */
	IGN_SPECIAL,		/* a pipe, socket or device */
	IGN_RELOCATABLE,	/* a .o in a walked tree */
	IGN_SAME_FILE,		/* a file reached twice (links) */
	IGN_SAME_DIR,		/* a directory reached twice (links) */
	IGN_LOOP,		/* a symbolic link leading back up the tree */
	IGN_DANGLING,		/* a symbolic link to nothing */
	IGN_DUPLICATE,		/* another input gives the same module, no poorer */
	IGN_POORER,		/* another input gives a richer conversion of it */
	IGN_PAIRED,		/* a debug file converted with its binary */
	IGN_NO_BINARY,		/* a debug file named by build id, binary not given */
	IGN_NKINDS
};

static const char *const ign_names[IGN_NKINDS] = {
	"not_symbols", "special", "relocatable", "same_file", "same_directory", "loop",
	"dangling_link", "duplicate", "poorer", "debug_file_of_binary", "debug_file_without_binary",
};

static const char *const ign_text[IGN_NKINDS] = {
	"not symbols", "pipes, sockets or devices", "relocatable objects", "files reached twice",
	"directories reached twice", "symbolic link loops", "dangling symbolic links",
	"duplicate modules", "poorer conversions", "debug files converted with their binary",
	"debug files without their binary",
};

struct ignored {
	char *path;
	enum ign_kind kind;
	char reason[600];
};

/* A file or directory already met, by device and inode. */
struct seen {
	dev_t dev;
	ino_t ino;
	char *path;		/* owned; NULL: a free slot */
};

struct seenset {
	struct seen *v;
	size_t n, cap;		/* cap: 0 or a power of two */
};

/* An ELF file found, held back until every input is known so that
 * separate debug files are paired with their binaries by build id. */
struct elf_in {
	char *path;
	char build_id[2 * OBJ_MAX_ID + 1];	/* hex; "" without a GNU build-id note */
	int machine;
	bool dwarf;		/* has debug information */
	bool debug_only;	/* DWARF without code: a separate debug file */
	bool own_name;		/* names itself (DT_SONAME) */
	char *debuglink;	/* a binary without DWARF: its .gnu_debuglink
				 * name (owned), or NULL */
	size_t debug;		/* a binary: 1 + index of its debug file, or 0 */
	size_t binary;		/* a debug file: 1 + index of its binary, or 0 */
	bool by_link;		/* a debug file: its binary names it by
				 * .gnu_debuglink (no build id to pair by) */
};

/* A binary or debug file to convert (with its separate debug file, or a
 * slice of a universal Mach-O file): queued as the inputs are found, and
 * converted, several at once, once all are known (run_conversions()). */
struct conv {
	char *path;
	char *dsym;			/* owned, or NULL */
	size_t slice;
	/* the conversion's result, from its thread to the merge: a job,
	 * hashed and counted there, or why not */
	struct job *job;
	uint64_t held;			/* its bytes, counted in pending; 0
					 * when it was given back at once */
	char *why;			/* owned; NULL when out of memory */
};

struct state {
	struct job **jobs;
	size_t n, cap;
	struct input_error *bad;
	size_t nbad, capbad;
	struct ignored *ign;		/* files found and not uploaded */
	size_t nign, capign, nign_kind[IGN_NKINDS];
	struct seenset files, dirs;	/* met so far, by device and inode */
	struct elf_in *elves;		/* ELF files, converted once all are known */
	size_t nelves, capelves;
	size_t links;			/* symbolic links followed */
	bool verbose;
	uint64_t budget, resident;	/* bytes of converted symbols kept in memory */
	uint64_t pending;		/* of those, in conversions not yet taken */
	size_t given_back;		/* conversions given back at once */
	pthread_mutex_t mem_mu;		/* resident and pending, while
					 * conversions run */
	const char *const *exclude;
	size_t nexclude;
	struct convert_options copt;
	struct conv *convs;		/* conversions to make, in input order */
	size_t nconvs, capconvs;
	unsigned conv_threads;		/* --convert-jobs: conversions at once */
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

/* Notes a file found and not uploaded; the kinds a user should hear
 * about are said on stderr at once, the rest (-v) too. */
static void ignore(struct state *st, const char *path, enum ign_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void ignore(struct state *st, const char *path, enum ign_kind kind, const char *fmt, ...)
{
	struct ignored *e;
	va_list ap;

	st->nign_kind[kind]++;
	if (st->nign == st->capign) {
		size_t nc = st->capign ? st->capign * 2 : 16;
		void *p = realloc(st->ign, nc * sizeof(*st->ign));
		if (!p)
			return;
		st->ign = p;
		st->capign = nc;
	}
	e = &st->ign[st->nign++];
	e->path = strdup(path);
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	if (st->verbose || kind == IGN_LOOP || kind == IGN_DANGLING || kind == IGN_POORER ||
	    kind == IGN_NO_BINARY)
		fprintf(stderr, "symupload: %s: ignored: %s\n", path, e->reason);
}

static size_t hash_inode(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)dev * 0x9E3779B97F4A7C15u ^ (uint64_t)ino;

	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9u;
	return (size_t)(h ^ (h >> 32));
}

/* The path under which dev/ino was met first, or NULL after noting it
 * under path (also when out of memory: the file is then taken as new). */
static const char *seen_add(struct seenset *s, dev_t dev, ino_t ino, const char *path)
{
	size_t i;

	if (s->n + 1 > s->cap / 2) {
		size_t nc = s->cap ? s->cap * 2 : 64, k;
		struct seen *v = calloc(nc, sizeof(*v));
		if (!v)
			return NULL;
		for (k = 0; k < s->cap; k++) {
			if (!s->v[k].path)
				continue;
			for (i = hash_inode(s->v[k].dev, s->v[k].ino) & (nc - 1); v[i].path; i = (i + 1) & (nc - 1))
				;
			v[i] = s->v[k];
		}
		free(s->v);
		s->v = v;
		s->cap = nc;
	}
	for (i = hash_inode(dev, ino) & (s->cap - 1); s->v[i].path; i = (i + 1) & (s->cap - 1))
		if (s->v[i].dev == dev && s->v[i].ino == ino)
			return s->v[i].path;
	s->v[i].path = strdup(path);
	if (!s->v[i].path)
		return NULL;
	s->v[i].dev = dev;
	s->v[i].ino = ino;
	s->n++;
	return NULL;
}

static void seen_free(struct seenset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->v[i].path);
	free(s->v);
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
	free(j->debug_path);
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

/* Counts j's records by kind, as the server does. */
static void count_records(struct job *j)
{
	struct symcheck c;

	symcheck_init(&c);
	if (symcheck_feed(&c, j->data, j->size))
		symcheck_finish(&c);
	j->stats = c.stats;
	symcheck_release(&c);
}

/* Adds j (hashed and counted: make_job()); returns j when it is kept (as
 * a new entry or in place of an earlier one with its key), NULL when it
 * was dropped. */
static struct job *add_job(struct state *st, struct job *j)
{
	size_t i;

	/* one upload per key (two inputs may give the same module: a binary
	 * and its debug file, two copies of a binary, a stripped one): the
	 * richer conversion by the server's rule wins, else the larger file,
	 * else the first; the other is listed as ignored */
	for (i = 0; i < st->n; i++) {
		struct job *o = st->jobs[i], *keep, *drop;
		char why[300];
		int c;

		if (strcasecmp(o->debug_id, j->debug_id) != 0 ||
		    strcasecmp(o->debug_file, j->debug_file) != 0)
			continue;
		c = symfile_compare(&o->stats, &j->stats, NULL, 0);
		keep = c > 0 || (c == 0 && j->size > o->size) ? j : o;
		drop = keep == j ? o : j;
		symfile_compare(&keep->stats, &drop->stats, why, sizeof(why));
		if (c != 0)
			ignore(st, drop->path, IGN_POORER, "a poorer conversion of %s/%s than %s, "
			       "which is uploaded: %s", j->debug_file, j->debug_id, keep->path, why);
		else
			ignore(st, drop->path, IGN_DUPLICATE, "the same module %s/%s as %s, which "
			       "is uploaded (%s)", j->debug_file, j->debug_id, keep->path, why);
		if (keep == j) {
			st->jobs[i] = j;
			job_free(o);
			return j;
		}
		job_free(j);
		return NULL;
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

/* A job of the .sym text buf (which it owns from here on, even when it
 * fails), its header read, hashed and its records counted: on any thread.
 * NULL with *why on failure. */
static struct job *make_job(const char *path, void *buf, size_t len, bool malloced,
			    const char **why)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		if (malloced)
			free(buf);
		else
			munmap(buf, len);
		*why = "out of memory";
		return NULL;
	}
	j->path = strdup(path);
	j->map = buf;
	j->maplen = len;
	j->malloced = malloced;
	j->data = buf;
	j->size = len;
	if (!parse_header(j)) {
		*why = "not a Breakpad .sym file (bad MODULE line)";
		job_free(j);
		return NULL;
	}
	hash_job(j);
	count_records(j);
	return j;
}

static struct job *add_sym_mem(struct state *st, const char *path, void *buf, size_t len,
				bool malloced)
{
	const char *why = NULL;
	struct job *j = make_job(path, buf, len, malloced, &why);

	if (!j) {
		bad_input(st, path, "%s", why);
		return NULL;
	}
	return add_job(st, j);
}

/* Converts a binary or debug file in process into an anonymous mapping
 * (a memfd: no file on disk).  -1 with why[] on failure.  On any thread:
 * it touches nothing but its arguments. */
static int convert_to_map(const struct convert_options *opt, const char *path, void **out,
			  size_t *len, char *why, size_t cap)
{
	struct module m;
	struct sym_err err;
	struct outbuf ob;
	struct stat sb;
	void *map;
	int fd, e;

	sym_err_clear(&err);
	module_init(&m);
	if (convert_file(path, opt, &m, &err) != SYM_OK) {
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

/* Queues the conversion of path (with st->copt.dsym, its separate debug
 * file, when set, and st->copt.slice). */
static void add_object(struct state *st, const char *path)
{
	struct conv *c;

	if (st->nconvs == st->capconvs) {
		size_t nc = st->capconvs ? st->capconvs * 2 : 64;
		void *p = realloc(st->convs, nc * sizeof(*st->convs));

		if (!p) {
			bad_input(st, path, "%s", "out of memory");
			return;
		}
		st->convs = p;
		st->capconvs = nc;
	}
	c = &st->convs[st->nconvs];
	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	c->dsym = st->copt.dsym ? strdup(st->copt.dsym) : NULL;
	c->slice = st->copt.slice;
	if (!c->path || (st->copt.dsym && !c->dsym)) {
		free(c->path);
		free(c->dsym);
		bad_input(st, path, "%s", "out of memory");
		return;
	}
	st->nconvs++;
}

/* Takes a conversion's result, in queue order: the job it gives, or why
 * it failed. */
static void add_converted(struct state *st, struct conv *c)
{
	struct job *j = c->job;

	c->job = NULL;
	if (!j) {
		bad_input(st, c->path, "%s", c->why ? c->why : "out of memory");
		return;
	}
	pthread_mutex_lock(&st->mem_mu);
	st->pending -= c->held;
	pthread_mutex_unlock(&st->mem_mu);
	j = add_job(st, j);
	if (!j)
		return;
	j->object = true;
	j->slice = c->slice;
	/* the job owns the name of its debug file now: it is converted
	 * with it again */
	j->debug_path = c->dsym;
	c->dsym = NULL;
	pthread_mutex_lock(&st->mem_mu);
	st->resident += c->held;
	pthread_mutex_unlock(&st->mem_mu);
}

/* One conversion, on any of the conversions' threads. */
static void conv_run(void *ctx, size_t i)
{
	struct state *st = ctx;
	struct conv *c = &st->convs[i];
	struct convert_options o = st->copt;
	const char *why = NULL;
	char msg[600];
	bool keep;
	void *map;
	size_t len;

	o.slice = c->slice;
	o.dsym = c->dsym;
	/* several at once: each on its thread alone (a conversion's own
	 * workers would mostly wait for the others') */
	if (st->conv_threads > 1 && st->nconvs > 1)
		o.jobs = 1;
	if (convert_to_map(&o, c->path, &map, &len, msg, sizeof(msg)) < 0) {
		c->why = strdup(msg);
		return;
	}
	/* hashed and counted here, not in the merge, which runs one at a time */
	c->job = make_job(c->path, map, len, false, &why);
	if (!c->job) {
		c->why = strdup(why);
		return;
	}
	/* past the memory budget (the symbols kept and those waiting for
	 * their turn), a conversion is hashed, given back, and made again
	 * just before its upload */
	pthread_mutex_lock(&st->mem_mu);
	keep = st->resident + st->pending + len <= st->budget;
	if (keep)
		st->pending += len;
	else
		st->given_back++;
	pthread_mutex_unlock(&st->mem_mu);
	if (keep)
		c->held = len;
	else
		unload(c->job);
}

static bool conv_merge(void *ctx, size_t i)
{
	add_converted(ctx, &((struct state *)ctx)->convs[i]);
	return true;
}

/* Makes the queued conversions, st->conv_threads at once (each on one
 * thread; a conversion alone, or with --convert-jobs 1, on every CPU, as
 * dumpsyms), and takes their results in the order they were queued, so
 * that the jobs kept and every message are those of one conversion after
 * another.  All are queued at once, so that a long one does not hold the
 * threads idle behind it: the memory budget counts those waiting for
 * their turn, and gives back what does not fit. */
static void run_conversions(struct state *st)
{
	static const struct ordered_ops ops = { conv_run, conv_merge };
	struct pool *threads;
	struct ordered *o = NULL;
	size_t i, by_worker = 0;

	if (!st->nconvs)
		return;
	/* the conversions' threads: this one, and as many more as asked */
	threads = pool_create(st->nconvs > 1 ? st->conv_threads - 1 : 0);
	if (threads)
		o = ordered_start(threads, st->nconvs, st->nconvs, &ops, st);
	if (o) {
		ordered_drain(o);
		by_worker = ordered_by_worker(o);
		ordered_free(o);
	} else {
		/* out of memory for the job: one after another */
		for (i = 0; i < st->nconvs; i++) {
			conv_run(st, i);
			conv_merge(st, i);
		}
	}
	pool_destroy(threads);
	if (getenv("SYM_TEST_CONVERT_STATS"))
		fprintf(stderr, "symupload: stats: %zu conversions, %zu made by another thread, "
			"%zu given back to be made again\n", st->nconvs, by_worker, st->given_back);
	for (i = 0; i < st->nconvs; i++) {
		free(st->convs[i].path);
		free(st->convs[i].dsym);
		free(st->convs[i].why);
		if (st->convs[i].job)	/* not taken: only if the job stopped */
			job_free(st->convs[i].job);
	}
	free(st->convs);
	st->convs = NULL;
	st->nconvs = st->capconvs = 0;
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
	struct convert_options o = st->copt;
	char sha[65];
	void *map;
	size_t len;
	int r;

	o.slice = j->slice;		/* the same slice of a universal file */
	o.dsym = j->debug_path;		/* with the same debug file */
	r = convert_to_map(&o, j->path, &map, &len, j->reason, sizeof(j->reason));
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
			ignore(st, where, IGN_NOT_SYMBOLS, "%s", "not a .sym file");
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

/* An ELF file is held back (see struct elf_in); what it is comes from its
 * headers: a binary, or a separate debug file (DWARF, no code). */
static void note_elf(struct state *st, const char *path)
{
	struct obj o;
	struct sym_err err;
	struct elf_in *e;

	sym_err_clear(&err);
	if (obj_open(&o, path, &err) != SYM_OK) {
		bad_input(st, path, "cannot convert: %s", err.msg);
		obj_close(&o);
		return;
	}
	if (st->nelves == st->capelves) {
		size_t nc = st->capelves ? st->capelves * 2 : 16;
		void *p = realloc(st->elves, nc * sizeof(*st->elves));
		if (!p) {
			bad_input(st, path, "%s", "out of memory");
			obj_close(&o);
			return;
		}
		st->elves = p;
		st->capelves = nc;
	}
	e = &st->elves[st->nelves];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path) {
		bad_input(st, path, "%s", "out of memory");
		obj_close(&o);
		return;
	}
	st->nelves++;
	e->machine = (int)o.machine;
	e->dwarf = obj_has_section_data(&o, ".debug_info");
	e->debug_only = e->dwarf && !obj_has_section_data(&o, ".text");
	e->own_name = o.own_name != NULL;
	if (o.ident_len && obj_find_section(&o, ".note.gnu.build-id"))
		obj_code_id(&o, e->build_id);
	if (!e->dwarf) {
		const struct obj_section *l = obj_section(&o, ".gnu_debuglink", &err);
		size_t n = l && l->size > 4 ? strnlen((const char *)l->data, l->size) : 0;

		if (n && n < l->size && !memchr(l->data, '/', n))
			e->debuglink = strndup((const char *)l->data, n);
	}
	obj_close(&o);
}

/* True when dbg is where the conversion of bin looks for the file its
 * .gnu_debuglink names: beside it, or in .debug/ beside it. */
static bool link_names(const struct elf_in *bin, const struct elf_in *dbg)
{
	const char *bs = strrchr(bin->path, '/'), *ds = strrchr(dbg->path, '/');
	size_t bl = bs ? (size_t)(bs - bin->path) : 0, dl = ds ? (size_t)(ds - dbg->path) : 0;

	if (strcmp(ds ? ds + 1 : dbg->path, bin->debuglink) != 0)
		return false;
	if (dl == bl)
		return memcmp(bin->path, dbg->path, bl) == 0;
	if (!bs)
		return dl == 6 && memcmp(dbg->path, ".debug", 6) == 0;
	return dl == bl + 7 && memcmp(bin->path, dbg->path, bl + 1) == 0 &&
	       memcmp(dbg->path + bl + 1, ".debug", 6) == 0;
}

/* A name like .build-id/ab/cdef0123.debug: the debug file names nothing
 * but its build id. */
static bool build_id_name(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	return n > 6 && strcmp(b + n - 6, ".debug") == 0 &&
	       strspn(b, "0123456789abcdefABCDEF") == n - 6;
}

/* Pairs each separate debug file with the binaries of its build id, then
 * converts: a binary without DWARF with its (first) debug file, a debug
 * file alone only when no binary was found for it and it has a name of
 * its own. */
static struct state *sort_state;

/* By build id, then by order found. */
static int cmp_elf(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_state->elves[x].build_id, sort_state->elves[y].build_id);

	return c ? c : x < y ? -1 : x > y;
}

static void convert_elves(struct state *st)
{
	size_t *ord = calloc(st->nelves ? st->nelves : 1, sizeof(*ord));
	size_t i, k, r, end;

	/* the files of one build id are neighbours in ord: pairing looks at
	 * each run of them, not at every file for every debug file */
	for (i = 0; ord && i < st->nelves; i++)
		ord[i] = i;
	sort_state = st;
	if (ord && st->nelves > 1)
		qsort(ord, st->nelves, sizeof(*ord), cmp_elf);
	for (r = 0; ord && r < st->nelves; r = end) {
		for (end = r + 1; end < st->nelves &&
		     strcmp(st->elves[ord[end]].build_id, st->elves[ord[r]].build_id) == 0; end++)
			;
		if (!st->elves[ord[r]].build_id[0])
			continue;
		for (i = r; i < end; i++) {
			struct elf_in *d = &st->elves[ord[i]];
			if (!d->debug_only)
				continue;
			for (k = r; k < end; k++) {
				struct elf_in *b = &st->elves[ord[k]];
				if (b->debug_only || b->machine != d->machine)
					continue;
				if (!b->dwarf && !b->debug)
					b->debug = ord[i] + 1;
				if (!d->binary)
					d->binary = ord[k] + 1;
			}
		}
	}
	if (!ord && st->nelves)
		fprintf(stderr, "symupload: out of memory: separate debug files are not paired\n");
	free(ord);
	/* without a build id, a debug file the binary names by .gnu_debuglink
	 * is found by the conversion of the binary (which checks its CRC);
	 * alone it could not be converted (nothing identifies it) */
	for (i = 0; i < st->nelves; i++) {
		struct elf_in *d = &st->elves[i];
		if (!d->debug_only || d->binary || d->build_id[0])
			continue;
		for (k = 0; k < st->nelves; k++) {
			struct elf_in *b = &st->elves[k];
			if (b->debuglink && !b->debug && !b->build_id[0] && link_names(b, d)) {
				d->binary = k + 1;
				d->by_link = true;
				break;
			}
		}
	}
	for (i = 0; i < st->nelves; i++) {
		struct elf_in *e = &st->elves[i];
		if (e->binary) {
			const struct elf_in *b = &st->elves[e->binary - 1];

			if (e->by_link)
				ignore(st, e->path, IGN_PAIRED, "the separate debug file %s names by its "
				       ".gnu_debuglink: converted with it (when its CRC matches), uploaded "
				       "under the binary's name", b->path);
			else if (b->debug == i + 1)
				ignore(st, e->path, IGN_PAIRED, "the separate debug file of %s (build id "
				       "%s): converted with it, uploaded under the binary's name",
				       b->path, e->build_id);
			else if (b->dwarf)
				ignore(st, e->path, IGN_PAIRED, "a separate debug file of %s (build id "
				       "%s), which has debug information of its own", b->path, e->build_id);
			else if (b->debug)
				ignore(st, e->path, IGN_PAIRED, "a separate debug file of %s (build id "
				       "%s), which is converted with %s", b->path, e->build_id,
				       st->elves[b->debug - 1].path);
			else
				ignore(st, e->path, IGN_PAIRED, "a separate debug file of %s (build id "
				       "%s)", b->path, e->build_id);
			continue;
		}
		if (e->debug_only && build_id_name(e->path) && !e->own_name) {
			ignore(st, e->path, IGN_NO_BINARY, "a debug file named by its build id and no "
			       "binary with build id %s among the inputs: alone it would be a module "
			       "named after its build id that no crash report asks for; give the binary "
			       "(or the directory that holds it) too", e->build_id[0] ? e->build_id : "?");
			continue;
		}
		st->copt.dsym = e->debug ? st->elves[e->debug - 1].path : NULL;
		add_object(st, e->path);
		st->copt.dsym = NULL;
	}
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
	case K_ELF: note_elf(st, path); break;
	case K_MACHO: add_macho(st, path); break;
	case K_WIN: add_object(st, path); break;
	case K_CAB:
		/* a CAB is a compressed image or PDB when named like one */
		if (explicit || cab_symbol_name(path))
			add_object(st, path);
		else
			ignore(st, path, IGN_NOT_SYMBOLS, "%s", "a CAB archive not named like a "
			       "compressed PDB or image (foo.pd_, foo.dl_)");
		break;
	case K_ZIP: add_zip(st, path); break;
	case K_ELF_REL:
		if (explicit)
			bad_input(st, path, "%s", "a relocatable object (.o) has no load addresses; "
				  "give the linked binary");
		else
			ignore(st, path, IGN_RELOCATABLE, "%s", "a relocatable object (.o): the linked "
			       "binary is what crash reports name");
		break;
	default:
		if (explicit)
			bad_input(st, path, "%s", "not a .sym file, an ELF, Mach-O or PE file, a PDB "
				  "or a zip archive");
		else
			ignore(st, path, IGN_NOT_SYMBOLS, "%s", "not a .sym file, an ELF, Mach-O or PE "
			       "file, a PDB or a zip archive");
	}
}

/* A regular file, unless it was met already (a link to it, a hard link). */
static void add_file(struct state *st, const char *path, const struct stat *sb, bool explicit)
{
	const char *first = seen_add(&st->files, sb->st_dev, sb->st_ino, path);

	if (first)
		ignore(st, path, IGN_SAME_FILE, "the same file as %s", first);
	else
		add_path(st, path, explicit);
}

/* The directories being walked, from the argument down: a directory met
 * again among them is a loop. */
struct walk {
	struct {
		dev_t dev;
		ino_t ino;
		const char *path;
	} up[256];
	size_t depth;
};

static void walk_dir(struct state *st, struct walk *w, const char *dir, const struct stat *sb);

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One entry of a walked directory; symbolic links are followed. */
static void walk_entry(struct state *st, struct walk *w, const char *path)
{
	struct stat sb;

	if (excluded(st, path))
		return;
	if (lstat(path, &sb) < 0) {
		bad_input(st, path, "cannot read: %s", strerror(errno));
		return;
	}
	if (S_ISLNK(sb.st_mode)) {
		char to[1024];
		ssize_t n = readlink(path, to, sizeof(to) - 1);
		int e = 0;

		to[n > 0 ? n : 0] = '\0';
		if (stat(path, &sb) < 0)
			e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			ignore(st, path, IGN_DANGLING, "a dangling symbolic link: '%s' does not exist", to);
			return;
		}
		if (e == ELOOP) {
			ignore(st, path, IGN_LOOP, "a loop of symbolic links ('%s')", to);
			return;
		}
		if (e) {
			bad_input(st, path, "cannot follow the symbolic link to '%s': %s", to, strerror(e));
			return;
		}
		st->links++;
	}
	if (S_ISDIR(sb.st_mode))
		walk_dir(st, w, path, &sb);
	else if (S_ISREG(sb.st_mode))
		add_file(st, path, &sb, false);
	else
		ignore(st, path, IGN_SPECIAL, "%s", "not a regular file (a pipe, socket or device)");
}

/* Walks dir (its stat in sb): its entries in name order, each path built
 * here; the directory is read whole and closed before going down, so no
 * descriptors pile up. */
static void walk_dir(struct state *st, struct walk *w, const char *dir, const struct stat *sb)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i, dl = strlen(dir);
	const char *first;
	struct dirent *de;
	DIR *d;

	for (i = 0; i < w->depth; i++)
		if (w->up[i].dev == sb->st_dev && w->up[i].ino == sb->st_ino) {
			ignore(st, dir, IGN_LOOP, "a symbolic link loop: this is %s again, which is "
			       "being walked", w->up[i].path);
			return;
		}
	first = seen_add(&st->dirs, sb->st_dev, sb->st_ino, dir);
	if (first) {
		ignore(st, dir, IGN_SAME_DIR, "the same directory as %s, walked there", first);
		return;
	}
	if (w->depth == sizeof(w->up) / sizeof(w->up[0])) {
		bad_input(st, dir, "deeper than %zu directories: not walked", w->depth);
		return;
	}
	d = opendir(dir);
	if (!d) {
		bad_input(st, dir, "cannot read the directory: %s", strerror(errno));
		return;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			void *p = realloc(names, nc * sizeof(*names));
			if (!p)
				break;
			names = p;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	if (errno)
		bad_input(st, dir, "cannot read the whole directory: %s", strerror(errno));
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	w->up[w->depth].dev = sb->st_dev;
	w->up[w->depth].ino = sb->st_ino;
	w->up[w->depth].path = dir;
	w->depth++;
	for (i = 0; i < n; i++) {
		size_t len = dl + strlen(names[i]) + 2;
		char *p = malloc(len);

		if (p) {
			snprintf(p, len, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i]);
			walk_entry(st, w, p);
		} else {
			bad_input(st, dir, "%s", "out of memory");
		}
		free(p);
		free(names[i]);
	}
	w->depth--;
	free(names);
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
	json_t *ign = json_array();
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
	for (i = 0; i < st->nign; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "path", json_str_safe(st->ign[i].path ? st->ign[i].path : ""));
		json_object_set_new(o, "kind", json_string(ign_names[st->ign[i].kind]));
		json_object_set_new(o, "reason", json_str_safe(st->ign[i].reason));
		json_array_append_new(ign, o);
	}
	json_object_set_new(root, "ignored", ign);
	json_object_set_new(root, "ignored_files", json_integer((json_int_t)st->nign));
	json_object_set_new(root, "symlinks_followed", json_integer((json_int_t)st->links));
	json_object_set_new(root, "exit_status", json_integer(rc));
	s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(root);
}

/* "ignored: 3 not symbols, 1 symbolic link loops" when files were; and the
 * links followed. */
static void ignored_line(const struct state *st)
{
	size_t k;
	const char *sep = "";

	if (st->links)
		fprintf(st->out, "followed %zu symbolic link%s\n", st->links, st->links == 1 ? "" : "s");
	if (!st->nign)
		return;
	fprintf(st->out, "ignored %zu file%s:", st->nign, st->nign == 1 ? "" : "s");
	for (k = 0; k < IGN_NKINDS; k++)
		if (st->nign_kind[k]) {
			fprintf(st->out, "%s %zu %s", sep, st->nign_kind[k], ign_text[k]);
			sep = ",";
		}
	fprintf(st->out, "%s\n", st->json ? "" : " (--json lists them with the reasons)");
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

/* ---- symupload check ---------------------------------------------------- */

static const char check_usage[] =
	"usage: symupload check [options] FILE...\n"
	"Converts each FILE as an upload would (contacting nothing) and prints what it\n"
	"gives: format, arch, debug_file, debug_id, code_id, and how many functions,\n"
	"line records, inline records and CFI records; warns about files with only a\n"
	"symbol table and binaries whose separate debug file is not found.\n"
	"  --json               one JSON array on standard output\n"
	"  --debug-dir DIR      where separate debug files are looked for (repeatable)\n"
	"  -v, --verbose        say more\n"
	"Exit status: 0 every file converts, 2 usage, 3 a file cannot be read or converted.\n";

static void warn_add(json_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn_add(json_t *o, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(json_object_get(o, "warnings"), json_str_safe(msg));
}

/* What the .sym text of len bytes at p holds, into o; false (with
 * o.error) when it is not a valid .sym file. */
static bool check_sym_text(json_t *o, const void *p, size_t len)
{
	struct symcheck c;
	bool ok;

	symcheck_init(&c);
	ok = symcheck_feed(&c, p, len) && symcheck_finish(&c);
	if (!ok) {
		char msg[400];
		snprintf(msg, sizeof(msg), "not a valid Breakpad .sym file: %s", c.error);
		json_object_set_new(o, "error", json_str_safe(msg));
	} else {
		json_object_set_new(o, "os", json_str_safe(c.hdr.os));
		json_object_set_new(o, "arch", json_str_safe(c.hdr.arch));
		json_object_set_new(o, "debug_file", json_str_safe(c.hdr.name));
		json_object_set_new(o, "debug_id", json_str_safe(c.hdr.debug_id));
		json_object_set_new(o, "code_id", json_str_safe(c.hdr.code_id));
		if (c.hdr.code_file[0])
			json_object_set_new(o, "code_file", json_str_safe(c.hdr.code_file));
		json_object_set_new(o, "functions", json_integer((json_int_t)c.stats.funcs));
		json_object_set_new(o, "lines", json_integer((json_int_t)c.stats.lines));
		json_object_set_new(o, "inlines", json_integer((json_int_t)c.stats.inlines));
		json_object_set_new(o, "cfi", json_integer((json_int_t)(c.stats.stack_cfi +
									c.stats.stack_win)));
		json_object_set_new(o, "publics", json_integer((json_int_t)c.stats.publics));
		if (!c.stats.funcs && !c.stats.lines) {
			if (c.stats.publics)
				warn_add(o, "only a symbol table (%" PRIu64 " PUBLIC records), no debug "
					 "information: crash reports get function names at best, no source "
					 "lines; give the unstripped binary or its debug file", c.stats.publics);
			else
				warn_add(o, "%s", "no functions and no symbols: crash reports get nothing "
					 "from it; give the unstripped binary or its debug file");
		}
	}
	symcheck_release(&c);
	return ok;
}

/* For an ELF file: what it is and, for a binary without DWARF, whether
 * its separate debug file is found (as the conversion looks for it). */
static void check_elf(struct state *st, const char *path, json_t *o)
{
	struct obj b, dbg;
	struct sym_err err;
	bool dwarf, code;

	sym_err_clear(&err);
	if (obj_open(&b, path, &err) != SYM_OK) {
		obj_close(&b);
		return;
	}
	dwarf = obj_has_section_data(&b, ".debug_info");
	code = obj_has_section_data(&b, ".text");
	json_object_set_new(o, "format", json_string(dwarf && !code ? "ELF debug file" :
						     dwarf ? "ELF with debug information" :
						     "ELF without debug information"));
	if (dwarf && !code) {
		if (build_id_name(path) && !b.own_name)
			warn_add(o, "%s", "a debug file named by its build id: its module would be named "
				 "after the build id; upload its binary with it (a walk of both pairs them)");
		else
			warn_add(o, "%s", "a separate debug file: the binary's unwind information "
				 "(.eh_frame) is missing; upload the binary with it (a walk of both "
				 "pairs them)");
	} else if (!dwarf) {
		struct obj_find f = { NULL, st->copt.debug_dirs, st->copt.ndebug_dirs, false, false, NULL };
		const struct obj_section *link = obj_section(&b, ".gnu_debuglink", &err);
		char id[2 * OBJ_MAX_ID + 1] = "", ln[256] = "";
		enum sym_code rc;

		if (b.ident_len && obj_find_section(&b, ".note.gnu.build-id"))
			obj_code_id(&b, id);
		if (link && link->size)
			snprintf(ln, sizeof(ln), "%.*s", (int)strnlen((const char *)link->data,
							    link->size < 255 ? link->size : 255),
				 (const char *)link->data);
		sym_err_clear(&err);
		rc = obj_find_debug(&b, &f, &dbg, &err);
		if (rc == SYM_OK) {
			json_object_set_new(o, "separate_debug_file", json_str_safe(dbg.path));
			json_object_set_new(o, "format", json_string("ELF with a separate debug file"));
			obj_close(&dbg);
		} else if (id[0] || ln[0]) {
			warn_add(o, "its separate debug file was not found (%s%s%s%s%s): put it next "
				 "to the binary, or give the directory that holds it (or its .build-id/ "
				 "tree) with --debug-dir",
				 id[0] ? "build id " : "", id, id[0] && ln[0] ? ", " : "",
				 ln[0] ? ".gnu_debuglink " : "", ln);
		}
	}
	obj_close(&b);
}

/* Checks one file (one slice of a universal Mach-O file when slice is
 * not 0) into a new object appended to out; false when it fails. */
static bool check_one(struct state *st, const char *path, size_t slice, const char *format,
		      json_t *out)
{
	json_t *o = json_object();
	char why[600];
	void *map;
	size_t len;
	bool ok;

	json_object_set_new(o, "path", json_str_safe(path));
	json_object_set_new(o, "format", json_string(format));
	if (slice)
		json_object_set_new(o, "slice", json_integer((json_int_t)slice));
	json_object_set_new(o, "warnings", json_array());
	json_array_append_new(out, o);
	st->copt.slice = slice;
	ok = convert_to_map(&st->copt, path, &map, &len, why, sizeof(why)) == 0;
	st->copt.slice = 0;
	if (!ok) {
		json_object_set_new(o, "error", json_str_safe(why));
		return false;
	}
	ok = check_sym_text(o, map, len);
	munmap(map, len);
	if (strcmp(format, "ELF") == 0)
		check_elf(st, path, o);
	return ok;
}

/* Each slice of a Mach-O file or dSYM bundle (a thin one: one). */
static bool check_slices(struct state *st, const char *path, const char *thin,
			 const char *universal, json_t *out)
{
	struct convert_slice sl[32];
	struct sym_err se;
	size_t n = 0, i;
	bool ok = true;

	sym_err_clear(&se);
	if (convert_slices(path, sl, 32, &n, &se) != SYM_OK) {
		json_t *o = json_object();
		char msg[600];

		snprintf(msg, sizeof(msg), "cannot convert: %s", se.msg);
		json_object_set_new(o, "path", json_str_safe(path));
		json_object_set_new(o, "warnings", json_array());
		json_object_set_new(o, "error", json_str_safe(msg));
		json_array_append_new(out, o);
		return false;
	}
	for (i = 0; i < n; i++)
		ok &= check_one(st, path, n > 1 ? sl[i].index : 0, n > 1 ? universal : thin, out);
	return ok;
}

/* "PE" or "PDB" as the first bytes of path say. */
static const char *win_format(const char *path)
{
	uint8_t b[4096];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0) {
		n = read(fd, b, sizeof(b));
		close(fd);
	}
	return n > 0 && obj_sniff(b, (size_t)n) == OBJ_KIND_PDB ? "PDB" : "PE";
}

/* One path of the command line; false when something in it fails. */
static bool check_path(struct state *st, const char *path, json_t *out)
{
	struct stat sb;
	json_t *o;
	int e;
	enum kind k;
	const char *format = NULL, *err = NULL;
	char msg[600];

	if (stat(path, &sb) < 0) {
		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
		err = msg;
	} else if (S_ISDIR(sb.st_mode)) {
		size_t n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			n--;
		if (n > 5 && strncasecmp(path + n - 5, ".dSYM", 5) == 0)
			return check_slices(st, path, "Mach-O dSYM", "Mach-O universal dSYM", out);
		err = "a directory: give the files to check (symupload URL DIR walks it)";
	} else if (!S_ISREG(sb.st_mode)) {
		err = "not a regular file";
	} else {
		k = sniff(path, &e);
		if (e) {
			snprintf(msg, sizeof(msg), "cannot read: %s", strerror(e));
			err = msg;
		}
		switch (e ? K_NONE : k) {
		case K_SYM: {
			void *map;
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			bool ok;

			map = fd < 0 || sb.st_size <= 0 ? MAP_FAILED :
			      mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (fd >= 0)
				close(fd);
			if (map == MAP_FAILED) {
				snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
				err = msg;
				break;
			}
			o = json_object();
			json_object_set_new(o, "path", json_str_safe(path));
			json_object_set_new(o, "format", json_string("Breakpad .sym"));
			json_object_set_new(o, "warnings", json_array());
			json_array_append_new(out, o);
			ok = check_sym_text(o, map, (size_t)sb.st_size);
			munmap(map, (size_t)sb.st_size);
			return ok;
		}
		case K_ELF: format = "ELF"; break;
		case K_WIN: format = win_format(path); break;
		case K_CAB: format = "CAB (a compressed PE or PDB)"; break;
		case K_MACHO: return check_slices(st, path, "Mach-O", "Mach-O universal", out);
		case K_ZIP: err = "a zip archive: check the .sym files in it"; break;
		case K_ELF_REL: err = "a relocatable object (.o): check the linked binary"; break;
		default:
			if (!err)
				err = "not a .sym file, an ELF, Mach-O or PE file or a PDB";
		}
	}
	if (format)
		return check_one(st, path, 0, format, out);
	o = json_object();
	json_object_set_new(o, "path", json_str_safe(path));
	json_object_set_new(o, "warnings", json_array());
	json_object_set_new(o, "error", json_str_safe(err));
	json_array_append_new(out, o);
	return false;
}

static void yes_no(const json_t *o, const char *key, const char *label, const char *unit)
{
	json_int_t n = json_integer_value(json_object_get(o, key));

	if (n)
		printf("  %-11s yes (%" JSON_INTEGER_FORMAT " %s)\n", label, n, unit);
	else
		printf("  %-11s no\n", label);
}

static void check_print(const json_t *o)
{
	const char *path = json_string_value(json_object_get(o, "path"));
	const char *error = json_string_value(json_object_get(o, "error"));
	const json_t *w = json_object_get(o, "warnings"), *v;
	size_t i;

	if (json_object_get(o, "debug_id")) {
		const char *code_id = json_string_value(json_object_get(o, "code_id"));
		const char *dbg = json_string_value(json_object_get(o, "separate_debug_file"));

		printf("%s: %s, %s, %s", path, json_string_value(json_object_get(o, "format")),
		       json_string_value(json_object_get(o, "os")),
		       json_string_value(json_object_get(o, "arch")));
		if (json_object_get(o, "slice"))
			printf(" (slice %" JSON_INTEGER_FORMAT ")",
			       json_integer_value(json_object_get(o, "slice")));
		printf("\n  debug_file  %s\n  debug_id    %s\n  code_id     %s\n",
		       json_string_value(json_object_get(o, "debug_file")),
		       json_string_value(json_object_get(o, "debug_id")),
		       code_id && *code_id ? code_id : "(none)");
		if (dbg)
			printf("  debug info  from %s\n", dbg);
		yes_no(o, "functions", "functions", "FUNC records");
		yes_no(o, "lines", "lines", "line records");
		yes_no(o, "inlines", "inlines", "INLINE records");
		yes_no(o, "cfi", "CFI", "STACK records");
		printf("  %-11s %" JSON_INTEGER_FORMAT "\n", "PUBLIC",
		       json_integer_value(json_object_get(o, "publics")));
	} else {
		printf("%s:\n", path);
	}
	json_array_foreach(w, i, v)
		printf("  warning: %s\n", json_string_value(v));
	if (error)
		printf("  error: %s\n", error);
}

static int check_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct state st;
	const char **ddirs = calloc((size_t)argc + 1, sizeof(*ddirs));
	json_t *out = json_array();
	size_t nddirs = 0, i;
	bool json = false, ok = true;
	int c, rc = 0;

	memset(&st, 0, sizeof(st));
	if (!ddirs || !out) {
		rc = 1;
		goto out;
	}
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': json = true; break;
		case 'D': ddirs[nddirs++] = optarg; break;
		case 'v': st.copt.verbose = true; break;
		case 'h': fputs(check_usage, stdout); goto out;
		default: fputs(check_usage, stderr); rc = EXIT_USAGE; goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "symupload check: no FILE given\n");
		fputs(check_usage, stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	st.copt.debug_dirs = ddirs;
	st.copt.ndebug_dirs = nddirs;
	st.copt.jobs = pool_cpus();	/* decompression on every core, as dumpsyms */
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		size_t before = json_array_size(out), k;

		ok &= check_path(&st, argv[i], out);
		if (!json)
			for (k = before; k < json_array_size(out); k++)
				check_print(json_array_get(out, k));
	}
	if (json) {
		char *s = json_dumps(out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		if (s)
			printf("%s\n", s);
		free(s);
	}
	rc = ok ? 0 : EXIT_INPUT;
out:
	json_decref(out);
	free(ddirs);
	return rc;
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
		{ "allow-empty", no_argument, NULL, 'E' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "retries", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "max-memory", required_argument, NULL, 'M' },
		{ "convert-jobs", required_argument, NULL, 'C' },
		{ "breakpad-names", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct state st;
	struct net_config cfg;
	const char *token_file = NULL, **excl = NULL, **ddirs = NULL;
	size_t nexcl = 0, nddirs = 0, i, nskip = 0, nup = 0, nfail = 0;
	bool force = false, dry = false, allow_empty = false, net_up = false;
	char *token = NULL, msg[500], *end;
	int c, rc = 0;

	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return check_main(argc - 1, argv + 1);
	memset(&st, 0, sizeof(st));
	memset(&cfg, 0, sizeof(cfg));
	cfg.jobs = 4;
	cfg.retries = 5;
	st.conv_threads = pool_cpus();
	pthread_mutex_init(&st.mem_mu, NULL);
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
		case 'E': allow_empty = true; break;
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
		case 'B': st.copt.breakpad_names = true; break;
		case 'C':
			st.conv_threads = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || st.conv_threads < 1 || st.conv_threads > 1024) {
				fprintf(stderr, "symupload: --convert-jobs takes 1 to 1024\n");
				goto usage_error;
			}
			break;
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
	st.copt.jobs = pool_cpus();	/* decompression on every core, as dumpsyms */
	st.out = st.json ? stderr : stdout;
	st.tty = isatty(STDERR_FILENO) && !st.json;
	st.verbose = cfg.verbose;
	cfg.force = force;

	/* the URL, the token and its scope are checked before any file is read */
	if (!dry) {
		int pr;
		if (net_init() < 0) {
			fprintf(stderr, "symupload: cannot initialise libcurl\n");
			rc = 1;
			goto out;
		}
		net_up = true;
		pr = net_precheck(&cfg, msg, sizeof(msg));
		if (pr < 0) {
			fprintf(stderr, "symupload: %s\n", msg);
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
		struct walk w;

		/* a symbolic link given is followed, to a directory too */
		if (stat(argv[i], &sb) < 0) {
			bad_input(&st, argv[i], "cannot read: %s", strerror(errno));
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			w.depth = 0;
			walk_dir(&st, &w, argv[i], &sb);
		} else if (!S_ISREG(sb.st_mode)) {
			bad_input(&st, argv[i], "%s", "not a regular file");
		} else {
			add_file(&st, argv[i], &sb, true);
		}
	}
	convert_elves(&st);
	run_conversions(&st);
	if (!st.n) {
		ignored_line(&st);
		fprintf(stderr, "symupload: nothing to upload: no .sym file, binary, debug file or "
			"archive of symbols found in the inputs (%zu files ignored, %zu unreadable)%s\n",
			st.nign, st.nbad, allow_empty ? "" : "; give the build's output directory, "
			"or --allow-empty when that can happen");
		rc = st.nbad || !allow_empty ? EXIT_INPUT : 0;
		if (st.json)
			json_summary(&st, rc);
		goto out;
	}
	if (st.n)
		qsort(st.jobs, st.n, sizeof(*st.jobs), cmp_job);
	for (i = 0; i < st.n; i++)
		st.bytes_total += st.jobs[i]->size;

	if (dry) {
		ignored_line(&st);
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
		ignored_line(&st);
		fprintf(st.out, "%zu uploaded, %zu skipped, %zu failed, %zu inputs unreadable; %s sent in %.1f s\n",
			nup, nskip, nfail, st.nbad, a, st.t0 ? now_s() - st.t0 : 0.0);
	}
	if (st.json)
		json_summary(&st, rc);
	goto out;
usage_error:
	rc = EXIT_USAGE;
out:
	if (net_up)
		net_cleanup();
	for (i = 0; i < st.n; i++)
		job_free(st.jobs[i]);
	for (i = 0; i < st.nbad; i++)
		free(st.bad[i].path);
	free(st.bad);
	for (i = 0; i < st.nign; i++)
		free(st.ign[i].path);
	free(st.ign);
	for (i = 0; i < st.nelves; i++) {
		free(st.elves[i].path);
		free(st.elves[i].debuglink);
	}
	free(st.elves);
	pthread_mutex_destroy(&st.mem_mu);
	seen_free(&st.files);
	seen_free(&st.dirs);
	free(st.jobs);
	free(excl);
	free(ddirs);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	return rc;
}
