/* symtab.c - lookup tables for symbolication: build, open, look up.
 *
 * The file (integers in the byte order of the machine that built it, which
 * the header records; a table from another order is refused and rebuilt):
 *
 *   header    magic "SYMTAB\r\n", version, byte-order mark, file size,
 *             CRC-32 of every byte after the header, record counts, and
 *             the entry count of each of the six sections, which follow
 *             it in this order, each from the next 8-byte boundary after
 *             the one before (so their offsets are not stored: a small
 *             table's overhead is most of its size), the last ending
 *             the file:
 *   DATA      pages, each compressed with zstd on its own (about 16 KB
 *             before compression): first the FUNC records in the order of
 *             the text, then the names of publics, files and origins
 *   FUNCS     struct v_func: address, size and where its record starts
 *             (page, offset), sorted by address, overlaps settled
 *   PUBLICS   struct v_ref: address and name (page, offset), one per address
 *   FILES     struct v_group: the FILE records' struct v_ref (id and name),
 *             sorted by id, one per id, are in the pages too, in groups of
 *             GROUP_MAX (the last group holds the rest; the header has the
 *             total); a group is its first id and where it lies (page,
 *             offset) (a .sym of a PDB can have more FILE records than
 *             functions: this keeps their index small)
 *   ORIGINS   struct v_group: the same for INLINE_ORIGIN records
 *   PAGES     struct v_page: where each page lies, its sizes
 *
 * A FUNC record, in LEB128 numbers: its name (length, bytes), flags, its
 * line records (sorted by address, zero-size ones dropped; each the gap
 * from the end of the one before, size, line number as the signed change,
 * file id, and, when the FUNC's lines overlap, the record's position in
 * the file, since then the first in the file that holds an address wins),
 * and its INLINE records in file order (the nesting is read from that
 * order, as Breakpad reads it): nest level, call line, call file, origin,
 * and the ranges (start as a signed offset from the FUNC, size).
 *
 * Building is one pass over the text.  A FUNC's line and INLINE records
 * are held in memory until the next FUNC or PUBLIC ends it (at most
 * FUNC_MAX bytes of them), then encoded into the page being filled, which
 * is compressed and written to the table's temporary file when full.  The
 * index entries of FUNC and PUBLIC records and the FILE and INLINE_ORIGIN
 * records (with the names of the last three) go to a temporary file per
 * kind; at the end those are mapped, settled in place (sorted only where
 * the text was out of order, as dumpsyms' and Breakpad's output is not),
 * the names written as pages and the index sections appended.  Memory
 * stays at a few pages and one function's records.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <zlib.h>
#include <zstd.h>

#include "fsutil.h"
#include "symfile.h"
#include "symtab.h"
#include "testenv.h"

#define MAGIC "SYMTAB\r\n"
#define BOM 0x01020304u

/* ---- the table file ---- */

enum { V_DATA, V_FUNCS, V_PUBLICS, V_FILES, V_ORIGINS, V_PAGES, VSECT };
enum { PAGE_TARGET = 16 << 10, PAGE_MAX = 64 << 20, ZLEVEL = 3 };

struct vhdr {
	char magic[8];
	uint32_t version, bom;
	uint64_t file_size;
	uint32_t crc, nsect;
	uint64_t nlines, ninl;	/* records kept, for symtab_counts() */
	uint64_t nfiles, norigins;	/* FILE and INLINE_ORIGIN records, in groups */
	uint64_t count[VSECT];	/* each section's entries (DATA's bytes) */
};
_Static_assert(sizeof(struct vhdr) == SYMTAB_HEADER_SIZE && offsetof(struct vhdr, count) == 64,
	       "the header's layout is part of the format (tests/fuzz/fuzz_symtab.c knows it)");
struct v_func { uint64_t addr, size; uint32_t page, off; };
struct v_ref { uint64_t key; uint32_t page, off; };
struct v_page { uint64_t off; uint32_t clen, rlen; };
struct v_group { uint64_t key; uint32_t page, off; };
enum { GROUP_MAX = PAGE_TARGET / sizeof(struct v_ref) };

static const size_t ventsize[VSECT] = {
	1, sizeof(struct v_func), sizeof(struct v_ref), sizeof(struct v_group),
	sizeof(struct v_group), sizeof(struct v_page),
};

/* The table being written: pages go to out as they fill; their index is
 * kept in memory (16 bytes a page: 1 MB for a 1 GB table). */
struct writer {
	FILE *out;
	uint64_t data_len;
	unsigned char *page, *cbuf;
	size_t plen, pcap, ccap;
	struct v_page *pages;
	uint32_t npages, pages_cap;
	ZSTD_CCtx *cctx;
	/* sticky: a record that did not fit, or memory that ran out; either
	 * fails the build, never a table with bytes missing */
	bool io_error, too_big, nomem;
};

static bool w_grow(struct writer *w, size_t n)
{
	if (n > PAGE_MAX - w->plen) {
		w->too_big = true;
		return false;
	}
	if (w->plen + n > w->pcap) {
		size_t nc = w->pcap ? w->pcap : 2 * PAGE_TARGET;
		unsigned char *q;

		while (nc < w->plen + n)
			nc *= 2;
		if (!(q = realloc(w->page, nc))) {
			w->nomem = true;
			return false;
		}
		w->page = q;
		w->pcap = nc;
	}
	return true;
}

static void w_bytes(struct writer *w, const void *p, size_t n)
{
	if (w_grow(w, n)) {
		memcpy(w->page + w->plen, p, n);
		w->plen += n;
	}
}

static void w_uleb(struct writer *w, uint64_t v)
{
	unsigned char *p;

	if (w->plen + 10 > w->pcap && !w_grow(w, 10))
		return;
	p = w->page + w->plen;
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	w->plen = (size_t)(p - w->page);
}

static void w_sleb(struct writer *w, int64_t v)
{
	w_uleb(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));	/* zigzag */
}

/* Compresses the page filled so far into DATA. */
static bool w_flush(struct writer *w)
{
	size_t bound, c;

	if (w->too_big || w->nomem || w->io_error)
		return false;
	if (!w->plen)
		return true;
	if (w->npages == UINT32_MAX) {
		w->too_big = true;
		return false;
	}
	bound = ZSTD_compressBound(w->plen);
	if (bound > w->ccap) {
		unsigned char *q = realloc(w->cbuf, bound);

		if (!q) {
			w->nomem = true;
			return false;
		}
		w->cbuf = q;
		w->ccap = bound;
	}
	if (w->npages == w->pages_cap) {
		uint32_t nc = w->pages_cap ? (w->pages_cap > UINT32_MAX / 2 ? UINT32_MAX
									: w->pages_cap * 2)
					   : 64;
		void *q = realloc(w->pages, (size_t)nc * sizeof(*w->pages));

		if (!q) {
			w->nomem = true;
			return false;
		}
		w->pages = q;
		w->pages_cap = nc;
	}
	c = ZSTD_compressCCtx(w->cctx, w->cbuf, w->ccap, w->page, w->plen, ZLEVEL);
	if (ZSTD_isError(c)) {
		w->nomem = true;	/* (its only failure with a big enough buffer) */
		return false;
	}
	if (fwrite(w->cbuf, 1, c, w->out) != c) {
		w->io_error = true;
		return false;
	}
	w->pages[w->npages].off = w->data_len;
	w->pages[w->npages].clen = (uint32_t)c;
	w->pages[w->npages].rlen = (uint32_t)w->plen;
	w->data_len += c;
	w->plen = 0;
	w->npages++;
	if (w->pcap > 4 * PAGE_TARGET) {	/* a big record's room is not kept */
		free(w->page);
		free(w->cbuf);
		w->page = w->cbuf = NULL;
		w->pcap = w->ccap = 0;
	}
	return true;
}

/* Where the next record starts; flushes a full page first. */
static bool w_start(struct writer *w, uint32_t *page, uint32_t *off)
{
	if (w->plen >= PAGE_TARGET && !w_flush(w))
		return false;
	*page = w->npages;
	*off = (uint32_t)w->plen;
	return true;
}

/* ---- building ---- */

/* The temporary files of a build: index entries and names. */
enum { S_FUNCS, S_PUBLICS, S_FILES, S_ORIGINS, S_STRINGS, NSECT };

/* the most a FUNC's line and INLINE records may take in memory (a
 * million line records; the largest function of libjvm.so has 23 000),
 * and the most kept from one function for the next */
#define FUNC_MAX ((size_t)SYMTAB_FUNC_MAX_MB << 20)
#define CUR_KEEP ((size_t)1 << 20)

struct t_func {
	uint64_t addr, size;
	uint32_t page, off, order, nlines, ninl, flags;
};
struct t_line {
	uint64_t addr, size, file;
	uint32_t line, order;
};
struct t_inl {
	uint64_t call_file, origin, call_line;
	uint32_t nest, r0, nr, pad;
};
struct t_rng { uint64_t addr, size; };
/* a PUBLIC, FILE or INLINE_ORIGIN: key (address or id), its name in the
 * names file, its position in the text; then where the name was written */
struct t_ref { uint64_t key; uint32_t name, order, page, off; };

enum { F_OVERLAP = 1 };		/* t_func.flags: its lines overlap */

static const size_t entsize[NSECT] = {
	sizeof(struct t_func), sizeof(struct t_ref), sizeof(struct t_ref), sizeof(struct t_ref), 1,
};
static const char *const sectname[NSECT] = {
	"functions", "publics", "files", "origins", "names",
};

struct sect_tmp {
	FILE *f;
	uint64_t count;
};

struct symtab_builder {
	char tmpdir[PATH_MAX];
	int fd;			/* the table being written (unnamed) */
	struct writer w;
	struct sect_tmp s[NSECT];
	char *part;		/* a line carried between chunks */
	size_t plen, pcap;
	uint64_t order, skipped;
	/* the FUNC line and INLINE records attach to, encoded when the next
	 * FUNC or PUBLIC comes, or at the end; its records meanwhile */
	bool have_cur;
	struct t_func cur;
	int64_t last_nest;
	char *name;
	size_t nname, name_cap;
	struct t_line *lines;
	size_t nlines, lines_cap;
	struct t_inl *inls;
	size_t ninls, inls_cap;
	struct t_rng *rngs;
	size_t nrngs, rngs_cap;
	size_t cur_cap;		/* bytes the three arrays hold room for, <= FUNC_MAX */
	bool cur_dead;		/* the FUNC is one no lookup finds: its records are not kept */
	struct t_rng *rng;	/* an INLINE record's ranges, while it is parsed */
	size_t rcap;
	enum sym_code failed;	/* sticky */
	struct sym_err err;
};

static enum sym_code fail_io(struct symtab_builder *b, const char *what)
{
	int e = errno;

	b->failed = sym_fail(&b->err, sym_errno_code(e), "cannot write the lookup table's %s: %s",
			     what, strerror(e));
	return b->failed;
}

static int tmp_open(const char *dir)
{
	int fd;
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	{
		char path[PATH_MAX];

		if ((size_t)snprintf(path, sizeof(path), "%s/symtab.XXXXXX", dir) >= sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	return fd;
}

enum sym_code symtab_build_begin(struct symtab_builder **out, const char *tmpdir,
				 struct sym_err *err)
{
	struct symtab_builder *b = calloc(1, sizeof(*b));
	int i, dfd = -1;

	*out = NULL;
	if (!b)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	b->fd = -1;
	snprintf(b->tmpdir, sizeof(b->tmpdir), "%s", tmpdir);
	for (i = 0; i < NSECT; i++) {
		int fd = tmp_open(tmpdir);

		if (fd < 0 || !(b->s[i].f = fdopen(fd, "w+b")) ||
		    setvbuf(b->s[i].f, NULL, _IOFBF, 1 << 16) != 0) {
			int e = errno;

			if (fd >= 0 && !b->s[i].f)
				close(fd);
			symtab_build_abort(b);
			return sym_fail(err, sym_errno_code(e),
					"cannot create a temporary file in '%s': %s", tmpdir,
					strerror(e));
		}
	}
	/* the table itself: an unnamed file until it is whole (a build
	 * killed midway leaves nothing); finish copies it to a named one */
	if (!(b->w.cctx = ZSTD_createCCtx())) {
		symtab_build_abort(b);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	if ((b->fd = tmp_open(tmpdir)) < 0 || (dfd = dup(b->fd)) < 0 ||
	    !(b->w.out = fdopen(dfd, "wb")) ||
	    fseeko(b->w.out, (off_t)sizeof(struct vhdr), SEEK_SET) != 0) {
		int e = errno;

		if (dfd >= 0 && !b->w.out)
			close(dfd);
		symtab_build_abort(b);
		return sym_fail(err, sym_errno_code(e), "cannot create a temporary file in '%s': %s",
				tmpdir, strerror(e));
	}
	b->last_nest = -1;
	*out = b;
	return SYM_OK;
}

void symtab_build_abort(struct symtab_builder *b)
{
	int i;

	if (!b)
		return;
	for (i = 0; i < NSECT; i++)
		if (b->s[i].f)
			fclose(b->s[i].f);
	if (b->w.out)
		fclose(b->w.out);
	if (b->fd >= 0)
		close(b->fd);
	ZSTD_freeCCtx(b->w.cctx);
	free(b->w.page);
	free(b->w.cbuf);
	free(b->w.pages);
	free(b->part);
	free(b->rng);
	free(b->name);
	free(b->lines);
	free(b->inls);
	free(b->rngs);
	free(b);
}

uint64_t symtab_build_skipped(const struct symtab_builder *b)
{
	return b->skipped;
}

/* Appends one entry to section k. */
static bool put(struct symtab_builder *b, int k, const void *e)
{
	if (b->s[k].count >= UINT32_MAX) {
		b->failed = sym_fail(&b->err, SYM_ELIMIT,
				     "too many %s for a lookup table (at most %u)", sectname[k],
				     UINT32_MAX - 1);
		return false;
	}
	if (fwrite_unlocked(e, entsize[k], 1, b->s[k].f) != 1) {	/* one thread */
		fail_io(b, sectname[k]);
		return false;
	}
	b->s[k].count++;
	return true;
}

/* Appends a name; *off gets its offset. */
static bool put_name(struct symtab_builder *b, const char *s, size_t n, uint32_t *off)
{
	if (n == 0) {
		s = "<name omitted>";
		n = 14;
	}
	if (b->s[S_STRINGS].count + n + 1 > UINT32_MAX) {
		b->failed = sym_fail(&b->err, SYM_ELIMIT,
				     "the names take more than 4 GB: too many for a lookup table");
		return false;
	}
	*off = (uint32_t)b->s[S_STRINGS].count;
	if (fwrite_unlocked(s, 1, n, b->s[S_STRINGS].f) != n ||
	    putc_unlocked('\0', b->s[S_STRINGS].f) == EOF) {
		fail_io(b, "names");
		return false;
	}
	b->s[S_STRINGS].count += n + 1;
	return true;
}

/* Room for one more of a FUNC's records in *v (n used of *cap, each size
 * bytes): the three arrays' room together stays within FUNC_MAX. */
static bool cur_grow(struct symtab_builder *b, void **v, size_t n, size_t *cap, size_t size)
{
	if (n == *cap) {
		size_t room = (FUNC_MAX - b->cur_cap) / size;	/* more entries allowed */
		size_t nc = *cap ? *cap * 2 : 64;
		void *q;

		if (nc - *cap > room)
			nc = *cap + room;
		if (nc == *cap) {
			b->failed = sym_fail(&b->err, SYM_ELIMIT,
					     "a function's records take more than %d MB in a lookup table",
					     SYMTAB_FUNC_MAX_MB);
			return false;
		}
		if (!(q = realloc(*v, nc * size))) {
			b->failed = sym_fail(&b->err, SYM_ENOMEM, "out of memory");
			return false;
		}
		b->cur_cap += (nc - *cap) * size;
		*v = q;
		*cap = nc;
	}
	return true;
}

/* Sorting. */
static int cmp_func(const void *x, const void *y)
{
	const struct t_func *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int cmp_line(const void *x, const void *y)
{
	const struct t_line *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int cmp_ref(const void *x, const void *y)
{
	const struct t_ref *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* qsort() unless already in order (the usual case: no copy, no heap). */
static void sort_if_needed(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp((char *)base + (i - 1) * size, (char *)base + i * size) > 0)
			break;
	if (i < n)
		qsort(base, n, size, cmp);
}

/* The end of [addr, addr + size), saturated. */
static uint64_t end_of(uint64_t addr, uint64_t size)
{
	return addr + size < addr ? UINT64_MAX : addr + size;
}

/* A FUNC's lines: sorted, zero-size ones dropped, overlaps noted. */
static void settle_lines(struct t_func *f, struct t_line *l, size_t n)
{
	size_t i, k = 0;
	uint64_t reach = 0;

	sort_if_needed(l, n, sizeof(*l), cmp_line);
	for (i = 0; i < n; i++) {
		if (l[i].size == 0)
			continue;
		if (k && l[i].addr < reach)
			f->flags |= F_OVERLAP;
		if (end_of(l[i].addr, l[i].size) > reach || !k)
			reach = end_of(l[i].addr, l[i].size);
		if (k != i)
			l[k] = l[i];
		k++;
	}
	f->nlines = (uint32_t)k;
}

/* Encodes the current FUNC and its records into the page being filled
 * and appends its index entry.  A FUNC no lookup can find (size 0, or
 * past the end of the address space) is left out here already. */
static bool flush_cur(struct symtab_builder *b)
{
	struct writer *w = &b->w;
	struct t_func *f = &b->cur;
	uint64_t prev_end = f->addr;
	int64_t prev_line = 0;
	size_t j, r;
	bool ok = true;

	if (!b->have_cur)
		return true;
	b->have_cur = false;
	if (b->cur_dead)
		goto done;
	settle_lines(f, b->lines, b->nlines);
	f->ninl = (uint32_t)b->ninls;
	if (!w_start(w, &f->page, &f->off))
		goto fail;
	w_uleb(w, b->nname);
	w_bytes(w, b->name, b->nname);
	w_uleb(w, f->flags);
	w_uleb(w, f->nlines);
	for (j = 0; j < f->nlines; j++) {
		const struct t_line *l = &b->lines[j];

		if (f->flags & F_OVERLAP)
			w_uleb(w, l->order);
		w_sleb(w, (int64_t)(l->addr - prev_end));
		w_uleb(w, l->size);
		w_sleb(w, (int64_t)l->line - prev_line);
		w_uleb(w, l->file);
		prev_end = l->addr + l->size;
		prev_line = l->line;
	}
	w_uleb(w, f->ninl);
	for (j = 0; j < f->ninl; j++) {
		const struct t_inl *in = &b->inls[j];

		w_uleb(w, in->nest);
		w_uleb(w, in->call_line);
		w_uleb(w, in->call_file);
		w_uleb(w, in->origin);
		w_uleb(w, in->nr);
		for (r = 0; r < in->nr; r++) {
			w_sleb(w, (int64_t)(b->rngs[in->r0 + r].addr - f->addr));
			w_uleb(w, b->rngs[in->r0 + r].size);
		}
	}
	if (w->too_big || w->nomem)
		goto fail;
	ok = put(b, S_FUNCS, f);
	goto done;
fail:
	if (w->too_big)
		b->failed = sym_fail(&b->err, SYM_ELIMIT, "a function's records take more than %d MB",
				     PAGE_MAX >> 20);
	else if (w->nomem)
		b->failed = sym_fail(&b->err, SYM_ENOMEM, "out of memory");
	else
		fail_io(b, "pages");
	ok = false;
done:
	b->nname = b->nlines = b->ninls = b->nrngs = 0;
	if (b->cur_cap > CUR_KEEP) {	/* a big function's room is not kept for the rest */
		free(b->lines);
		free(b->inls);
		free(b->rngs);
		b->lines = NULL;
		b->inls = NULL;
		b->rngs = NULL;
		b->lines_cap = b->inls_cap = b->rngs_cap = b->cur_cap = 0;
	}
	return ok;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}
/* One hex (base 16) or decimal number at *p, followed by a space or the
 * end; advances past the space.  As strtoull() reads it: a hex number may
 * start "0x".  False on anything malformed or over 64 bits. */
static bool num(const char **p, const char *end, int base, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int d;

	if (s >= end || (d = hexval((unsigned char)*s)) < 0 || d >= base)
		return false;
	if (base == 16 && end - s > 2 && s[0] == '0' && (s[1] | 0x20) == 'x' &&
	    hexval((unsigned char)s[2]) >= 0)
		s += 2;
	/* (no division per digit: this is most of what a build parses) */
	if (base == 16) {
		for (; s < end && (d = hexval((unsigned char)*s)) >= 0; s++) {
			if (v >> 60)
				return false;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		for (; s < end && *s >= '0' && *s <= '9'; s++)
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
				return false;
	}
	if (s < end && *s != ' ')
		return false;
	*out = v;
	*p = s < end ? s + 1 : s;
	return true;
}

static bool starts(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - s) >= n && memcmp(s, word, n) == 0;
}

/* INLINE <nest> <call line> <call file> <origin> (<addr> <size>)+ */
static bool parse_inline(struct symtab_builder *b, const char *s, const char *end)
{
	uint64_t nest, line, file, origin, a, sz;
	size_t nr = 0, i;
	struct t_inl *in;

	if (!num(&s, end, 10, &nest) || !num(&s, end, 10, &line) || !num(&s, end, 10, &file) ||
	    !num(&s, end, 10, &origin))
		return false;
	while (s < end) {
		if (!num(&s, end, 16, &a) || !num(&s, end, 16, &sz))
			return false;
		if (nr == b->rcap) {
			size_t nc = b->rcap ? b->rcap * 2 : 64;
			void *q = realloc(b->rng, nc * sizeof(*b->rng));

			if (!q) {
				b->failed = sym_fail(&b->err, SYM_ENOMEM, "out of memory");
				return true;
			}
			b->rng = q;
			b->rcap = nc;
		}
		b->rng[nr].addr = a;
		b->rng[nr].size = sz;
		nr++;
	}
	if (!nr)
		return false;
	if (nest > (uint64_t)(b->last_nest + 1))	/* no parent: dropped, as Breakpad drops it */
		return true;
	b->last_nest = (int64_t)nest;
	if (b->cur_dead)
		return true;
	if (!cur_grow(b, (void **)&b->inls, b->ninls, &b->inls_cap, sizeof(*b->inls)))
		return true;
	for (i = 0; i < nr; i++) {
		if (!cur_grow(b, (void **)&b->rngs, b->nrngs, &b->rngs_cap, sizeof(*b->rngs)))
			return true;
		b->rngs[b->nrngs++] = b->rng[i];
	}
	in = &b->inls[b->ninls++];
	memset(in, 0, sizeof(*in));
	in->call_file = file;
	in->origin = origin;
	in->call_line = line;
	in->nest = (uint32_t)nest;
	in->r0 = (uint32_t)(b->nrngs - nr);
	in->nr = (uint32_t)nr;
	return true;
}

/* A PUBLIC, FILE or INLINE_ORIGIN record: key, then its name. */
static void put_ref(struct symtab_builder *b, int k, uint64_t key, const char *s, const char *end)
{
	struct t_ref r;

	memset(&r, 0, sizeof(r));
	r.key = key;
	r.order = (uint32_t)b->order;
	if (put_name(b, s, (size_t)(end - s), &r.name))
		put(b, k, &r);
}

/* One line of text, without its line ending. */
static void record(struct symtab_builder *b, const char *s, const char *end)
{
	uint64_t a, sz, n, id, param;
	const char *q;

	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (memchr(s, '\0', (size_t)(end - s))) {
		b->skipped++;
		return;
	}
	b->order++;
	if (b->order >= UINT32_MAX) {
		b->failed = sym_fail(&b->err, SYM_ELIMIT, "too many records for a lookup table");
		return;
	}
	/* line records first: most of a file */
	if (b->have_cur && (q = s) < end && hexval((unsigned char)*q) >= 0 &&
	    num(&q, end, 16, &a) && num(&q, end, 16, &sz) && num(&q, end, 10, &n) &&
	    num(&q, end, 10, &id) && q == end && n <= 0xffffffffu) {
		struct t_line *l;

		if (b->cur_dead || sz == 0)
			return;	/* (settle_lines would drop it) */
		if (!cur_grow(b, (void **)&b->lines, b->nlines, &b->lines_cap, sizeof(*b->lines)))
			return;
		l = &b->lines[b->nlines++];
		l->addr = a;
		l->size = sz;
		l->file = id;
		l->line = (uint32_t)n;
		l->order = (uint32_t)b->order;
	} else if (starts(s, end, "FILE ")) {
		s += 5;
		if (!num(&s, end, 10, &id) || s == end) {
			b->skipped++;
			return;
		}
		put_ref(b, S_FILES, id, s, end);
	} else if (starts(s, end, "FUNC ")) {
		s += 5;
		if (starts(s, end, "m "))
			s += 2;
		if (!flush_cur(b))
			return;
		if (!num(&s, end, 16, &a) || !num(&s, end, 16, &sz) || !num(&s, end, 16, &param)) {
			b->skipped++;
			return;
		}
		memset(&b->cur, 0, sizeof(b->cur));
		b->cur.addr = a;
		b->cur.size = sz;
		b->cur.order = (uint32_t)b->order;
		/* empty, or past the end of the address space: no lookup finds
		 * it (settle_funcs would drop it), so its records are not kept */
		b->cur_dead = sz == 0 || a + sz < a;
		if (s == end) {
			s = "<name omitted>";
			end = s + 14;
		}
		if ((size_t)(end - s) > b->name_cap) {
			char *nb = realloc(b->name, (size_t)(end - s));

			if (!nb) {
				b->failed = sym_fail(&b->err, SYM_ENOMEM, "out of memory");
				return;
			}
			b->name = nb;
			b->name_cap = (size_t)(end - s);
		}
		memcpy(b->name, s, (size_t)(end - s));
		b->nname = (size_t)(end - s);
		b->have_cur = true;
		b->last_nest = -1;
	} else if (starts(s, end, "PUBLIC ")) {
		s += 7;
		if (starts(s, end, "m "))
			s += 2;
		if (!flush_cur(b))
			return;
		if (!num(&s, end, 16, &a) || !num(&s, end, 16, &param)) {
			b->skipped++;
			return;
		}
		put_ref(b, S_PUBLICS, a, s, end);
	} else if (starts(s, end, "INLINE_ORIGIN ")) {
		s += 14;
		if (!num(&s, end, 10, &id)) {
			b->skipped++;
			return;
		}
		put_ref(b, S_ORIGINS, id, s, end);
	} else if (starts(s, end, "INLINE ")) {
		if (!b->have_cur || !parse_inline(b, s + 7, end))
			b->skipped++;
	} else if (starts(s, end, "MODULE ") || starts(s, end, "INFO ") ||
		   starts(s, end, "INLINE") || starts(s, end, "STACK ") || s == end) {
		return;
	} else {
		b->skipped++;	/* (a line record with no FUNC, or malformed) */
	}
}

enum sym_code symtab_build_feed(struct symtab_builder *b, const void *data, size_t n,
				struct sym_err *err)
{
	const char *p = data, *end = p + n;

	while (p < end && !b->failed) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t take = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		/* the limit the upload check applies (symcheck_feed): the
		 * newline is not counted, so every file it accepts builds */
		if (b->plen + take - (nl != NULL) > SYMFILE_MAX_LINE) {
			b->failed = sym_fail(&b->err, SYM_EFORMAT,
					     "a line of the symbol file is longer than %u bytes",
					     (unsigned)SYMFILE_MAX_LINE);
			break;
		}
		if (nl && b->plen == 0) {
			record(b, p, nl);	/* whole in this chunk: no copy */
		} else {
			if (b->plen + take > b->pcap) {
				size_t nc = b->pcap ? b->pcap : 4096;
				void *q;

				while (nc < b->plen + take)
					nc *= 2;
				if (!(q = realloc(b->part, nc))) {
					b->failed = sym_fail(&b->err, SYM_ENOMEM, "out of memory");
					break;
				}
				b->part = q;
				b->pcap = nc;
			}
			memcpy(b->part + b->plen, p, take);
			b->plen += take;
			if (nl) {
				record(b, b->part, b->part + b->plen - 1);
				b->plen = 0;
			}
		}
		p += take;
	}
	if (b->failed)
		return sym_fail(err, b->failed, "%s", b->err.msg);
	return SYM_OK;
}

static uint32_t crc_of(const unsigned char *p, uint64_t n)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	while (n) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;

		crc = crc32(crc, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return (uint32_t)crc;
}

/* Takes the pages of a shared file mapping out of this process (they stay
 * in the page cache, faulted back in when touched again): what keeps the
 * memory of a build, and of a table's first check, bounded. */
static void drop(void *map, uint64_t len)
{
	if (len)
		madvise(map, len, MADV_DONTNEED);
}

/* Copies the first len bytes of from to to (both at offset 0). */
static bool copy_fd(int from, int to, uint64_t len)
{
	char buf[1 << 16];
	off_t in = 0, out = 0;

	while ((uint64_t)in < len) {
		uint64_t left = len - (uint64_t)in;
		size_t want = left > sizeof(buf) ? sizeof(buf) : (size_t)left;
		ssize_t n = copy_file_range(from, &in, to, &out,
					    left > (1u << 30) ? (1u << 30) : (size_t)left, 0);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP &&
			       errno != EINVAL)) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		/* no copy_file_range here: read and write */
		n = pread(from, buf, want, in);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			if (n < 0 && errno == EINTR)
				continue;
			return false;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = pwrite(to, buf + done, (size_t)(n - done), out);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				return false;
			}
			done += w;
			out += w;
		}
		in += n;
	}
	return true;
}

/* The CRC-32 of len bytes of fd from off, read in chunks. */
static bool crc_fd(int fd, uint64_t off, uint64_t len, uint32_t *out)
{
	unsigned char buf[1 << 16];
	uLong crc = crc32(0L, Z_NULL, 0);

	while (len) {
		size_t want = len > sizeof(buf) ? sizeof(buf) : (size_t)len;
		ssize_t n = pread(fd, buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		crc = crc32(crc, buf, (uInt)n);
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	*out = (uint32_t)crc;
	return true;
}


/* Of overlapping FUNCs, what Breakpad keeps (empty ones were never
 * written); returns the count. */
static uint64_t settle_funcs(struct t_func *fs, uint64_t n)
{
	uint64_t i, k = 0;

	sort_if_needed(fs, n, sizeof(*fs), cmp_func);
	for (i = 0; i < n; i++) {
		if (k && fs[i].addr - fs[k - 1].addr < fs[k - 1].size) {
			if (fs[i].order < fs[k - 1].order)	/* the earlier record wins */
				fs[k - 1] = fs[i];
			continue;
		}
		if (k != i)	/* (a store dirties a page of the file) */
			fs[k] = fs[i];
		k++;
	}
	return k;
}

/* Publics, files, origins: sorted by key, the first in the text of each
 * key kept. */
static uint64_t settle_refs(struct t_ref *v, uint64_t n)
{
	uint64_t i, k = 0;

	sort_if_needed(v, n, sizeof(*v), cmp_ref);
	for (i = 0; i < n; i++)
		if (!k || v[i].key != v[k - 1].key) {
			if (k != i)
				v[k] = v[i];
			k++;
		}
	return k;
}

/* The mapped temporary files of a build, at its end. */
struct scratch {
	unsigned char *map[NSECT];
	uint64_t len[NSECT];
};

static void drop_scratch(struct scratch *sc)
{
	int i;

	for (i = 0; i < NSECT; i++)
		drop(sc->map[i], sc->len[i]);
}

/* Writes the names of n refs as pages, noting where each went. */
static bool write_names(struct writer *w, struct scratch *sc, struct t_ref *v, uint64_t n)
{
	const char *str = (const char *)sc->map[S_STRINGS];
	uint64_t nstr = sc->len[S_STRINGS], i;

	for (i = 0; i < n; i++) {
		size_t len;

		if (i % 65536 == 65535)
			drop_scratch(sc);
		if (v[i].name >= nstr)
			return false;
		len = strnlen(str + v[i].name, (size_t)(nstr - v[i].name));
		if (!w_start(w, &v[i].page, &v[i].off))
			return false;
		w_bytes(w, str + v[i].name, len);
		w_bytes(w, "", 1);
		if (w->too_big || w->nomem)
			return false;
	}
	return true;
}

/* Appends an index section: n entries of ventsize[k] made by conv from
 * the settled entries at src (each size bytes). */
static bool write_index(FILE *out, struct scratch *sc, uint64_t *off, int k, const void *src,
			size_t size, uint64_t n, void (*conv)(void *dst, const void *src))
{
	unsigned char buf[4096 * 16];
	size_t per = sizeof(buf) / ventsize[k], m;
	uint64_t pad = (8 - *off % 8) % 8, i = 0;

	if (pad && fwrite("\0\0\0\0\0\0\0", 1, pad, out) != pad)
		return false;
	*off += pad;
	while (i < n) {
		for (m = 0; m < per && i < n; m++, i++)
			conv(buf + m * ventsize[k], (const unsigned char *)src + i * size);
		if (fwrite(buf, ventsize[k], m, out) != m)
			return false;
		*off += m * ventsize[k];
		if (sc)
			drop_scratch(sc);
	}
	return true;
}

static void conv_func(void *dst, const void *src)
{
	const struct t_func *f = src;
	struct v_func v = { f->addr, f->size, f->page, f->off };

	memcpy(dst, &v, sizeof(v));
}

static void conv_ref(void *dst, const void *src)
{
	const struct t_ref *r = src;
	struct v_ref v = { r->key, r->page, r->off };

	memcpy(dst, &v, sizeof(v));
}

static void conv_page(void *dst, const void *src)
{
	memcpy(dst, src, sizeof(struct v_page));
}

static void conv_group(void *dst, const void *src)
{
	memcpy(dst, src, sizeof(struct v_group));
}

/* Writes the struct v_ref of n settled refs into the pages in groups of
 * GROUP_MAX (the last may hold fewer), each in one page; *out gets the
 * groups (malloc()ed), *ngroups their count. */
static bool write_groups(struct writer *w, struct scratch *sc, const struct t_ref *v, uint64_t n,
			 struct v_group **out, uint64_t *ngroups)
{
	uint64_t i, ng = (n + GROUP_MAX - 1) / GROUP_MAX, g;
	struct v_group *gs = malloc((size_t)(ng ? ng : 1) * sizeof(*gs));

	*out = gs;
	*ngroups = ng;
	if (!gs) {
		w->nomem = true;
		return false;
	}
	for (g = 0, i = 0; g < ng; g++) {
		uint64_t end = i + GROUP_MAX < n ? i + GROUP_MAX : n;

		memset(&gs[g], 0, sizeof(gs[g]));
		gs[g].key = v[i].key;
		if (!w_start(w, &gs[g].page, &gs[g].off))
			return false;
		for (; i < end; i++) {
			struct v_ref r = { v[i].key, v[i].page, v[i].off };

			w_bytes(w, &r, sizeof(r));
		}
		if (w->too_big || w->nomem)
			return false;
		drop_scratch(sc);
	}
	return true;
}

enum sym_code symtab_build_finish(struct symtab_builder *b, const char *path,
				  struct sym_err *err)
{
	enum sym_code rc = SYM_OK;
	struct writer *w = &b->w;
	struct scratch sc;
	struct vhdr vh;
	char tmp[PATH_MAX];
	int nfd = -1;
	struct t_func *fs;
	struct t_ref *refs[3];
	struct v_group *groups[3] = { NULL, NULL, NULL };
	uint64_t nf, nref[3], ngroups[3] = { 0, 0, 0 }, off, i;
	int k;

	memset(&sc, 0, sizeof(sc));
	memset(&vh, 0, sizeof(vh));
	tmp[0] = '\0';
	if (b->failed || (b->plen && (record(b, b->part, b->part + b->plen), b->failed)) ||
	    !flush_cur(b)) {
		rc = sym_fail(err, b->failed, "%s", b->err.msg);
		goto out;
	}
	/* the index entries and names, mapped where they lie, settled there */
	for (k = 0; k < NSECT; k++) {
		sc.len[k] = b->s[k].count * entsize[k];
		if (fflush(b->s[k].f) != 0)
			goto io;
		if (!sc.len[k])
			continue;
		sc.map[k] = mmap(NULL, sc.len[k], PROT_READ | PROT_WRITE, MAP_SHARED,
				 fileno(b->s[k].f), 0);
		if (sc.map[k] == MAP_FAILED) {
			sc.map[k] = NULL;
			sc.len[k] = 0;
			goto io;
		}
	}
	fs = (struct t_func *)(void *)sc.map[S_FUNCS];
	nf = settle_funcs(fs, b->s[S_FUNCS].count);
	for (i = 0; i < nf; i++) {
		vh.nlines += fs[i].nlines;
		vh.ninl += fs[i].ninl;
	}
	for (k = 0; k < 3; k++) {
		refs[k] = (struct t_ref *)(void *)sc.map[S_PUBLICS + k];
		nref[k] = settle_refs(refs[k], b->s[S_PUBLICS + k].count);
	}
	drop_scratch(&sc);
	/* the names after the FUNC records */
	for (k = 0; k < 3; k++)
		if (!write_names(w, &sc, refs[k], nref[k]))
			goto fail;
	/* then the index of files and origins, in groups of pages */
	for (k = 1; k < 3; k++)
		if (!write_groups(w, &sc, refs[k], nref[k], &groups[k], &ngroups[k]))
			goto fail;
	if (!w_flush(w))
		goto fail;
	/* the index sections after the pages, each from the next 8-byte
	 * boundary (write_index pads), where symtab_open() finds them */
	off = sizeof(vh) + w->data_len;
	vh.count[V_DATA] = w->data_len;
	vh.count[V_FUNCS] = nf;
	if (!write_index(w->out, &sc, &off, V_FUNCS, fs, sizeof(*fs), nf, conv_func))
		goto io;
	vh.count[V_PUBLICS] = nref[0];
	if (!write_index(w->out, &sc, &off, V_PUBLICS, refs[0], sizeof(struct t_ref), nref[0],
			 conv_ref))
		goto io;
	vh.nfiles = nref[1];
	vh.norigins = nref[2];
	for (k = 1; k < 3; k++) {
		vh.count[V_PUBLICS + k] = ngroups[k];
		if (!write_index(w->out, NULL, &off, V_PUBLICS + k, groups[k], sizeof(struct v_group),
				 ngroups[k], conv_group))
			goto io;
	}
	vh.count[V_PAGES] = w->npages;
	if (!write_index(w->out, NULL, &off, V_PAGES, w->pages, sizeof(*w->pages), w->npages,
			 conv_page) ||
	    fflush(w->out) != 0)
		goto io;
	vh.file_size = off;
	memcpy(vh.magic, MAGIC, 8);
	vh.version = SYMTAB_VERSION;
	vh.bom = BOM;
	vh.nsect = VSECT;
	if (!crc_fd(b->fd, sizeof(vh), vh.file_size - sizeof(vh), &vh.crc) ||
	    pwrite(b->fd, &vh, sizeof(vh), 0) != (ssize_t)sizeof(vh))
		goto io;
	/* the table named in tmpdir (where a process killed in these few
	 * steps leaves it to be swept, see store_sweep_tmp), readable as the
	 * store's other files are (mkostemp made it 0600), fsynced and
	 * renamed into place */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/" SYMTAB_TMP_PREFIX "XXXXXX", b->tmpdir) >=
	    sizeof(tmp)) {
		tmp[0] = '\0';
		rc = sym_fail(err, SYM_EUSAGE, "lookup table path too long");
		goto out;
	}
	if ((nfd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		tmp[0] = '\0';
		goto io;
	}
	if (!copy_fd(b->fd, nfd, vh.file_size) || fchmod(nfd, 0644) != 0 || fsync(nfd) != 0 ||
	    rename(tmp, path) != 0)
		goto io;
	tmp[0] = '\0';
	{
		/* the new name, too, lasts through a crash */
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		rc = fsync_dir(dir, err);
	}
	goto out;
fail:
	if (w->too_big) {
		rc = sym_fail(err, SYM_ELIMIT, "the lookup table takes more than the format allows");
		goto out;
	}
	if (!w->io_error) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory (or a malformed scratch table)");
		goto out;
	}
io:
	{
		int e = errno ? errno : EIO;

		rc = sym_fail(err, sym_errno_code(e), "cannot write '%s': %s", path, strerror(e));
	}
out:
	for (k = 0; k < NSECT; k++)
		if (sc.map[k])
			munmap(sc.map[k], sc.len[k]);
	for (k = 0; k < 3; k++)
		free(groups[k]);
	if (nfd >= 0)
		close(nfd);
	if (tmp[0])
		unlink(tmp);
	symtab_build_abort(b);
	return rc;
}

/* ---- reading ---- */

/* Decompressed pages are kept per table in CACHE_SETS sets of two slots,
 * page p in set p % CACHE_SETS (the one used last first), while all
 * tables together keep at most CACHE_BYTES; past that a page is
 * decompressed into the table's scratch buffer for the one use (room
 * counts the bytes the set's older page would give back; when even that
 * is not enough, the set's pages stay).  Two ways: a request's few
 * hundred pages of one table rarely need three slots of a set, where one
 * way made every other request decompress some of them again. */
enum { CACHE_SETS = 2048, CACHE_SLOTS = 2 * CACHE_SETS };
/* SYM_TEST_CACHE_SETS=N (1 to CACHE_SETS) uses only N sets: tests make
 * pages evict each other with it. */
static unsigned cache_sets(void)
{
	return (unsigned)testenv_num("SYM_TEST_CACHE_SETS", 1, CACHE_SETS, CACHE_SETS);
}
#define CACHE_BYTES ((uint64_t)256 << 20)
static uint64_t cached_bytes;	/* atomic, over all tables */
/* SYM_TEST_CACHE_BYTES=N (0 to CACHE_BYTES) keeps at most N bytes of
 * pages: with 0, tests send every page through the scratch buffer. */
static uint64_t cache_bytes(void)
{
	return testenv_num("SYM_TEST_CACHE_BYTES", 0, CACHE_BYTES, CACHE_BYTES);
}
/* the scratch buffer kept from one use to the next: a bigger page's is
 * shrunk to this at the next use that needs less (until then it stays,
 * uncounted in the cache's bytes) */
#define SCRATCH_KEEP ((size_t)4 * PAGE_TARGET)

struct symtab {
	unsigned char *map;
	uint64_t size;
	struct vhdr h;
	const struct v_func *funcs;
	const struct v_ref *pubs;
	const struct v_group *files, *origins;
	const struct v_page *pages;
	const unsigned char *data;
	uint64_t n[VSECT];
	/* decompressed pages, most recently used kept */
	pthread_mutex_t mu;
	ZSTD_DCtx *dctx;
	unsigned sets;
	uint64_t cache_max;	/* CACHE_BYTES, or less in tests */
	struct cslot { uint32_t page; uint32_t len; unsigned char *buf; } slot[CACHE_SLOTS];
	unsigned char *scratch;	/* a page not kept */
	size_t scratch_cap;
};

static enum sym_code bad(struct sym_err *err, const char *path, const char *why)
{
	return sym_fail(err, SYM_EFORMAT, "'%s' is not a valid lookup table: %s", path, why);
}

/* How many of total records group gi of ngroups holds (checked at open
 * to be GROUP_MAX but in the last, which holds 1 to GROUP_MAX). */
static uint64_t group_len(uint64_t ngroups, uint64_t total, uint64_t gi)
{
	return gi + 1 < ngroups ? GROUP_MAX : total - gi * GROUP_MAX;
}

/* Every page and every reference to one lies inside the table (those in
 * the pages of groups are checked as they are used). */
static const char *check(struct symtab *t)
{
	uint64_t i;
	int k;

	for (i = 0; i < t->n[V_PAGES]; i++) {
		const struct v_page *p = &t->pages[i];

		if (p->off > t->n[V_DATA] || p->clen > t->n[V_DATA] - p->off || p->rlen > PAGE_MAX ||
		    ZSTD_getFrameContentSize(t->data + p->off, p->clen) != p->rlen)
			return "a page lies outside the data or is not what the index says";
	}
	for (i = 0; i < t->n[V_FUNCS]; i++)
		if (t->funcs[i].page >= t->n[V_PAGES] || t->funcs[i].off >= t->pages[t->funcs[i].page].rlen)
			return "a function's record lies outside the pages";
	for (i = 0; i < t->n[V_PUBLICS]; i++)
		if (t->pubs[i].page >= t->n[V_PAGES] || t->pubs[i].off >= t->pages[t->pubs[i].page].rlen)
			return "a name lies outside the pages";
	/* the groups; the references in their pages are checked as used */
	for (k = V_FILES; k <= V_ORIGINS; k++) {
		const struct v_group *g = k == V_FILES ? t->files : t->origins;
		uint64_t total = k == V_FILES ? t->h.nfiles : t->h.norigins;

		if (t->n[k] != total / GROUP_MAX + (total % GROUP_MAX != 0))
			return "the count of groups of names is not the one their records need";
		for (i = 0; i < t->n[k]; i++) {
			uint64_t len = group_len(t->n[k], total, i);

			if (g[i].page >= t->n[V_PAGES] || g[i].off > t->pages[g[i].page].rlen ||
			    len * sizeof(struct v_ref) > t->pages[g[i].page].rlen - g[i].off)
				return "a group of names lies outside its page";
			if (i && g[i].key <= g[i - 1].key)
				return "groups of names out of order";
		}
	}
	return NULL;
}

enum sym_code symtab_open(struct symtab **out, const char *path, struct sym_err *err)
{
	struct symtab *t = NULL;
	struct stat st;
	const char *why = NULL;
	enum sym_code rc = SYM_OK;
	uint64_t sect[VSECT], off;
	int fd, i;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return sym_fail(err, SYM_ENOTFOUND, "no lookup table '%s'", path);
		return sym_fail(err, sym_errno_code(e), "cannot open '%s': %s", path, strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		rc = sym_fail(err, SYM_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size < sizeof(struct vhdr)) {
		rc = bad(err, path, "shorter than its header");
		goto out;
	}
	if (!(t = calloc(1, sizeof(*t)))) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&t->mu, NULL);	/* before anything symtab_close() undoes */
	t->sets = cache_sets();
	t->cache_max = cache_bytes();
	t->size = (uint64_t)st.st_size;
	t->map = mmap(NULL, t->size, PROT_READ, MAP_SHARED, fd, 0);
	if (t->map == MAP_FAILED) {
		t->map = NULL;
		rc = sym_fail(err, SYM_EIO, "cannot map '%s': %s", path, strerror(errno));
		goto out;
	}
	memcpy(&t->h, t->map, sizeof(t->h));
	if (memcmp(t->h.magic, MAGIC, 8) != 0)
		why = "wrong magic";
	else if (t->h.version != SYMTAB_VERSION)
		why = "another version of the format";
	else if (t->h.bom != BOM)
		why = "built on a machine of another byte order";
	else if (t->h.file_size != t->size)
		why = "its size is not the one its header records (truncated?)";
	else if (t->h.nsect != VSECT)
		why = "wrong number of sections";
	/* the sections, one after the other from the next 8-byte boundary,
	 * the last ending the file */
	for (i = 0, off = sizeof(t->h); !why && i < VSECT; i++) {
		uint64_t n = t->h.count[i];

		if (i != V_DATA)
			off = (off + 7) & ~(uint64_t)7;	/* (off <= size: no overflow) */
		if (off > t->size || n > (t->size - off) / ventsize[i])
			break;
		sect[i] = off;
		t->n[i] = n;
		off += n * ventsize[i];
	}
	if (!why && (i < VSECT || off != t->size))
		why = "its sections do not fill the file as its header says";
	if (!why && crc_of(t->map + sizeof(t->h), t->size - sizeof(t->h)) != t->h.crc)
		why = "checksum mismatch (corrupted)";
	drop(t->map, t->size);	/* pages come back as lookups touch them */
	if (why) {
		rc = bad(err, path, why);
		goto out;
	}
	t->data = t->map + sect[V_DATA];
	t->funcs = (const void *)(t->map + sect[V_FUNCS]);
	t->pubs = (const void *)(t->map + sect[V_PUBLICS]);
	t->files = (const void *)(t->map + sect[V_FILES]);
	t->origins = (const void *)(t->map + sect[V_ORIGINS]);
	t->pages = (const void *)(t->map + sect[V_PAGES]);
	if ((why = check(t)) != NULL) {
		rc = bad(err, path, why);
		goto out;
	}
	*out = t;
	t = NULL;
out:
	close(fd);
	symtab_close(t);
	return rc;
}

void symtab_close(struct symtab *t)
{
	int i;

	if (!t)
		return;
	if (t->map)
		munmap(t->map, t->size);
	for (i = 0; i < CACHE_SLOTS; i++)
		if (t->slot[i].buf) {
			__atomic_fetch_sub(&cached_bytes, t->slot[i].len, __ATOMIC_RELAXED);
			free(t->slot[i].buf);
		}
	free(t->scratch);
	ZSTD_freeDCtx(t->dctx);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

uint64_t symtab_size(const struct symtab *t)
{
	return t->size;
}

void symtab_counts(const struct symtab *t, struct symtab_counts *c)
{
	c->funcs = t->n[V_FUNCS];
	c->lines = t->h.nlines;
	c->inlines = t->h.ninl;
	c->publics = t->n[V_PUBLICS];
	c->files = t->h.nfiles;
	c->origins = t->h.norigins;
	c->pages = t->n[V_PAGES];
}

/* Page p, decompressed (under t->mu), valid until the next call; NULL
 * when it does not decompress or memory is short. */
static const unsigned char *page(struct symtab *t, uint32_t p)
{
	struct cslot *set = &t->slot[(p % t->sets) * 2], *slot = &set[0], tmp;
	uint32_t len = t->pages[p].rlen;
	unsigned char *buf;
	size_t n;

	if (set[0].buf && set[0].page == p)
		return set[0].buf;
	if (set[1].buf && set[1].page == p) {	/* now the one used last */
		tmp = set[0];
		set[0] = set[1];
		set[1] = tmp;
		return set[0].buf;
	}
	if (!t->dctx && !(t->dctx = ZSTD_createDCtx()))	/* on first use: opens stay cheap */
		return NULL;
	/* room, counting what the set's older page gives back */
	if (__atomic_add_fetch(&cached_bytes, len, __ATOMIC_RELAXED) -
			(set[1].buf ? set[1].len : 0) <= t->cache_max &&
	    (buf = malloc(len ? len : 1)) != NULL) {
		/* the set's older page goes; its newer one becomes the older */
		if (set[1].buf) {
			__atomic_fetch_sub(&cached_bytes, set[1].len, __ATOMIC_RELAXED);
			free(set[1].buf);
		}
		set[1] = set[0];
		slot->buf = buf;
		slot->page = p;
		slot->len = len;
	} else {
		/* no room: the scratch buffer, at least SCRATCH_KEEP, no more
		 * than this page needs when that is more */
		size_t want = len > SCRATCH_KEEP ? len : SCRATCH_KEEP;

		__atomic_fetch_sub(&cached_bytes, len, __ATOMIC_RELAXED);
		if (want > t->scratch_cap || (t->scratch_cap > SCRATCH_KEEP && want < t->scratch_cap)) {
			unsigned char *q = realloc(t->scratch, want);

			if (q) {
				t->scratch = q;
				t->scratch_cap = want;
			} else if (want > t->scratch_cap) {
				return NULL;
			}
		}
		buf = t->scratch;
	}
	n = ZSTD_decompressDCtx(t->dctx, buf, len, t->data + t->pages[p].off, t->pages[p].clen);
	if (ZSTD_isError(n) || n != len) {
		if (slot->buf == buf) {
			__atomic_fetch_sub(&cached_bytes, len, __ATOMIC_RELAXED);
			free(buf);
			slot->buf = NULL;
		}
		return NULL;
	}
	return buf;
}

/* A bounds-checked reader over one decompressed page. */
struct rd {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t r_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (r->p < r->end) {
		unsigned char b = *r->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static int64_t r_sleb(struct rd *r)
{
	uint64_t u = r_uleb(r);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Copies a string into res's buffer; returns its offset there + 1 (0: none). */
static size_t keep(struct symtab_result *res, const char *s, size_t n)
{
	size_t at;

	if (res->len + n + 1 > res->cap) {
		size_t nc = res->cap ? res->cap : 4096;
		char *q;

		while (nc < res->len + n + 1)
			nc *= 2;
		if (!(q = realloc(res->buf, nc)))
			return 0;
		res->buf = q;
		res->cap = nc;
	}
	at = res->len;
	memcpy(res->buf + at, s, n);
	res->buf[at + n] = '\0';
	res->len += n + 1;
	return at + 1;
}

/* The name at (page, off), kept in res; 0 when it is not readable. */
static size_t keep_ref(struct symtab *t, const struct v_ref *v, struct symtab_result *res)
{
	const unsigned char *pg;
	size_t room;

	if (v->page >= t->n[V_PAGES] || v->off >= t->pages[v->page].rlen)
		return 0;	/* (from a group's page: not checked at open) */
	if (!(pg = page(t, v->page)))
		return 0;
	room = t->pages[v->page].rlen - v->off;
	return keep(res, (const char *)pg + v->off, strnlen((const char *)pg + v->off, room));
}

static int64_t below(const void *base, uint64_t n, size_t size, uint64_t addr);

/* The name of id among the groups of section k (V_FILES or V_ORIGINS),
 * kept in res; 0 when none. */
static size_t id_name(struct symtab *t, int k, uint64_t id, struct symtab_result *res)
{
	const struct v_group *g = k == V_FILES ? t->files : t->origins;
	uint64_t n = t->n[k], total = k == V_FILES ? t->h.nfiles : t->h.norigins;
	int64_t gi = below(g, n, sizeof(*g), id);
	const unsigned char *pg;
	struct v_ref v;
	uint64_t lo = 0, hi, len;

	if (gi < 0 || !(pg = page(t, g[gi].page)))
		return 0;
	pg += g[gi].off;
	/* the page holds them all (checked at open) */
	hi = len = group_len(n, total, (uint64_t)gi);
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		memcpy(&v, pg + mid * sizeof(v), sizeof(v));
		if (v.key < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == len)
		return 0;
	memcpy(&v, pg + lo * sizeof(v), sizeof(v));	/* (the page may go in keep_ref) */
	return v.key == id ? keep_ref(t, &v, res) : 0;
}

/* The last of n entries (each starting with a uint64_t address) whose
 * address is <= addr, or -1. */
static int64_t below(const void *base, uint64_t n, size_t size, uint64_t addr)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		uint64_t a;

		memcpy(&a, (const char *)base + mid * size, sizeof(a));
		if (a <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int64_t)lo - 1;
}

static bool holds(uint64_t a, uint64_t size, uint64_t addr)
{
	return size && addr >= a && addr - a < size;
}

struct inl_rec { uint64_t nest, call_line, call_file, origin; };

/* The FUNC record of f at addr: its name, the line record holding addr,
 * and the chain of INLINE records holding it, outermost first (into res's
 * scratch, at most SYMTAB_MAX_INLINE + 1: one past the limit says the
 * chain was cut there).  The chain is Breakpad's: at each level, the first
 * record of that level among the chosen parent's children that holds
 * addr.  It is found in one pass over the records, keeping none but the
 * chain, and the pass stops where the last chosen record's children end.
 * False when unreadable. */
static bool read_func(struct symtab *t, const struct v_func *f, uint64_t addr,
		      struct symtab_result *res, size_t *name, bool *have_line, uint64_t *line,
		      uint64_t *file, size_t *ninl)
{
	const unsigned char *pg = page(t, f->page);
	struct inl_rec *chain;
	struct rd r;
	uint64_t n, i, k, flags, prev_end = f->addr, best_order = UINT64_MAX;
	int64_t prev_line = 0;

	*have_line = false;
	*ninl = 0;
	if (!pg)
		return false;
	if (res->icap < SYMTAB_MAX_INLINE + 1) {
		void *q = realloc(res->inl, (SYMTAB_MAX_INLINE + 1) * sizeof(struct inl_rec));

		if (!q)
			return false;
		res->inl = q;
		res->icap = SYMTAB_MAX_INLINE + 1;
	}
	chain = res->inl;
	r.p = pg + f->off;
	r.end = pg + t->pages[f->page].rlen;
	r.bad = false;
	n = r_uleb(&r);
	if (r.bad || n > (uint64_t)(r.end - r.p))
		return false;
	if (!(*name = keep(res, (const char *)r.p, (size_t)n)))
		return false;
	r.p += n;
	flags = r_uleb(&r);
	n = r_uleb(&r);
	for (i = 0; i < n && !r.bad; i++) {
		uint64_t order = flags & F_OVERLAP ? r_uleb(&r) : 0;
		uint64_t a = prev_end + (uint64_t)r_sleb(&r), size = r_uleb(&r);
		/* (wraps, as a hostile table may make it: no signed overflow) */
		int64_t ln = (int64_t)((uint64_t)prev_line + (uint64_t)r_sleb(&r));
		uint64_t fl = r_uleb(&r);

		prev_end = a + size;
		prev_line = ln;
		if (!(flags & F_OVERLAP) && a > addr)
			break;	/* sorted: none further holds it */
		if (holds(a, size, addr) && (!(flags & F_OVERLAP) || order < best_order)) {
			best_order = order;
			*have_line = true;
			*line = (uint64_t)ln & 0xffffffffu;
			*file = fl;
		}
		if (!(flags & F_OVERLAP) && holds(a, size, addr))
			break;
	}
	if (r.bad)
		return false;
	if (i < n) {
		/* skip the rest of the lines */
		for (i++; i < n && !r.bad; i++) {
			if (flags & F_OVERLAP)
				r_uleb(&r);
			r_sleb(&r);
			r_uleb(&r);
			r_sleb(&r);
			r_uleb(&r);
		}
	}
	n = r_uleb(&r);
	for (i = 0; i < n && !r.bad; i++) {
		struct inl_rec in;
		uint64_t nr;
		bool in_holds = false;

		in.nest = r_uleb(&r);
		in.call_line = r_uleb(&r);
		in.call_file = r_uleb(&r);
		in.origin = r_uleb(&r);
		nr = r_uleb(&r);
		for (k = 0; k < nr && !r.bad; k++) {
			uint64_t a = f->addr + (uint64_t)r_sleb(&r), size = r_uleb(&r);

			if (holds(a, size, addr))
				in_holds = true;
		}
		if (*ninl && in.nest <= chain[*ninl - 1].nest)
			break;	/* past the children of the last chosen record */
		if (in.nest == *ninl && in_holds) {
			chain[(*ninl)++] = in;
			if (*ninl > SYMTAB_MAX_INLINE)
				break;	/* one past the limit: the cut */
		}
	}
	return !r.bad;
}

void symtab_lookup(struct symtab *t, uint64_t addr, struct symtab_result *res)
{
	int64_t fi = below(t->funcs, t->n[V_FUNCS], sizeof(*t->funcs), addr);
	int64_t pi;
	size_t name = 0, file = 0, ninl = 0, fname[SYMTAB_MAX_INLINE], ffile[SYMTAB_MAX_INLINE];
	uint64_t line = 0, lfile = 0;
	bool have_line = false;
	uint32_t j;

	res->kind = SYMTAB_NONE;
	res->function = NULL;
	res->function_addr = 0;
	res->file = NULL;
	res->line = 0;
	res->ninlines = 0;
	res->len = 0;
	pthread_mutex_lock(&t->mu);
	if (fi >= 0 && holds(t->funcs[fi].addr, t->funcs[fi].size, addr)) {
		const struct v_func *f = &t->funcs[fi];
		const struct inl_rec *in;
		uint32_t depth;

		if (!read_func(t, f, addr, res, &name, &have_line, &line, &lfile, &ninl))
			goto out;
		in = res->inl;
		depth = (uint32_t)ninl;
		res->kind = SYMTAB_FUNC;
		res->function_addr = f->addr;
		if (depth > SYMTAB_MAX_INLINE) {
			/* cut: the deepest frame reported is at the call of the
			 * first one left out, as Breakpad would report it */
			depth = SYMTAB_MAX_INLINE;
			file = id_name(t, V_FILES, in[depth].call_file, res);
			line = in[depth].call_line;
		} else {
			file = have_line ? id_name(t, V_FILES, lfile, res) : 0;
		}
		for (j = depth; j-- > 0;) {
			const struct inl_rec *x = &in[j];
			size_t o = id_name(t, V_ORIGINS, x->origin, res);

			fname[res->ninlines] = o ? o : keep(res, "<name omitted>", 14);
			ffile[res->ninlines] = file;
			res->inlines[res->ninlines].line = line;
			res->ninlines++;
			file = id_name(t, V_FILES, x->call_file, res);
			line = x->call_line;
		}
		res->line = line;
		goto out;
	}
	pi = below(t->pubs, t->n[V_PUBLICS], sizeof(*t->pubs), addr);
	if (pi >= 0 && (fi < 0 || t->pubs[pi].key > t->funcs[fi].addr) &&
	    (name = keep_ref(t, &t->pubs[pi], res)) != 0) {
		res->kind = SYMTAB_PUBLIC;
		res->function_addr = t->pubs[pi].key;
	}
out:
	pthread_mutex_unlock(&t->mu);
	/* pointers only now: the buffer may have moved while it grew */
	if (res->kind != SYMTAB_NONE && !name)
		res->kind = SYMTAB_NONE;
	if (res->kind == SYMTAB_NONE) {
		res->ninlines = 0;
		return;
	}
	res->function = res->buf + name - 1;
	res->file = file ? res->buf + file - 1 : NULL;
	for (j = 0; j < res->ninlines; j++) {
		res->inlines[j].function = fname[j] ? res->buf + fname[j] - 1 : "<name omitted>";
		res->inlines[j].file = ffile[j] ? res->buf + ffile[j] - 1 : NULL;
	}
}

void symtab_result_release(struct symtab_result *res)
{
	free(res->buf);
	free(res->inl);
	res->buf = NULL;
	res->inl = NULL;
	res->len = res->cap = res->icap = 0;
}
