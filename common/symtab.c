/* symtab.c - lookup tables for symbolication: build, open, look up.
 *
 * The file (integers in the byte order of the machine that built it, which
 * the header records; a table from another order is refused and rebuilt):
 *
 *   header    magic "SYMTAB\r\n", version, byte-order mark, file size,
 *             CRC-32 of every byte after the header, record counts, and
 *             six sections (offset, count), each 8-byte aligned:
 *   DATA      pages, each compressed with zstd on its own (about 16 KB
 *             before compression): first the FUNC records in address
 *             order, then the names of publics, files and origins
 *   FUNCS     struct v_func: address, size and where its record starts
 *             (page, offset), sorted by address, overlaps settled
 *   PUBLICS   struct v_ref: address and name (page, offset), one per address
 *   FILES     struct v_ref: id and name, sorted by id, one per id
 *   ORIGINS   struct v_ref: the same for INLINE_ORIGIN records
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
 * Building appends each record to a temporary file per kind as it is read,
 * copies those into one scratch file, maps it and settles it there (sorting
 * only where the input was out of order, as dumpsyms' and Breakpad's output
 * is not), then writes the compressed table.  Memory stays at a few pages.
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

#define MAGIC "SYMTAB\r\n"
#define BOM 0x01020304u

enum { S_FUNCS, S_LINES, S_INLINES, S_RANGES, S_PUBLICS, S_FILES, S_ORIGINS, S_STRINGS, NSECT };

struct hdr {
	char magic[8];
	uint32_t version, bom;
	uint64_t file_size;
	uint32_t crc, nsect;
	struct { uint64_t off, count; } sect[NSECT];
};

enum { F_OVERLAP = 1 };		/* t_func.flags: its lines overlap */

struct t_func {
	uint64_t addr, size;
	uint32_t name, order, line0, nlines, inl0, ninl, flags, pad;
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
struct t_pub { uint64_t addr; uint32_t name, order; };
struct t_id { uint64_t id; uint32_t name, order; };

static const size_t entsize[NSECT] = {
	sizeof(struct t_func), sizeof(struct t_line), sizeof(struct t_inl), sizeof(struct t_rng),
	sizeof(struct t_pub), sizeof(struct t_id), sizeof(struct t_id), 1,
};
static const char *const sectname[NSECT] = {
	"functions", "lines", "inlines", "inline ranges", "publics", "files", "origins", "names",
};

/* ---- building ---- */

struct sect_tmp {
	FILE *f;
	uint64_t count;
};

struct symtab_builder {
	char tmpdir[PATH_MAX];
	struct sect_tmp s[NSECT];
	char *part;		/* a line carried between chunks */
	size_t plen, pcap;
	uint64_t order, skipped;
	/* the FUNC line and INLINE records attach to, written out when the
	 * next FUNC or PUBLIC comes, or at the end */
	bool have_cur;
	struct t_func cur;
	int64_t last_nest;
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
	int i;

	*out = NULL;
	if (!b)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	for (i = 0; i < NSECT; i++) {
		int fd = tmp_open(tmpdir);

		if (fd < 0 || !(b->s[i].f = fdopen(fd, "w+b")) ||
		    setvbuf(b->s[i].f, NULL, _IOFBF, 1 << 18) != 0) {
			int e = errno;

			if (fd >= 0 && !b->s[i].f)
				close(fd);
			symtab_build_abort(b);
			return sym_fail(err, sym_errno_code(e),
					"cannot create a temporary file in '%s': %s", tmpdir,
					strerror(e));
		}
	}
	snprintf(b->tmpdir, sizeof(b->tmpdir), "%s", tmpdir);
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
	free(b->part);
	free(b->rng);
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
	static const char omitted[] = "<name omitted>";

	if (n == 0) {
		s = omitted;
		n = sizeof(omitted) - 1;
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

static bool flush_cur(struct symtab_builder *b)
{
	bool ok = true;

	if (b->have_cur)
		ok = put(b, S_FUNCS, &b->cur);
	b->have_cur = false;
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
	for (; s < end && (d = hexval((unsigned char)*s)) >= 0 && d < base; s++) {
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
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
	struct t_inl in;

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
	if (b->s[S_RANGES].count + nr >= UINT32_MAX) {
		b->failed = sym_fail(&b->err, SYM_ELIMIT, "too many inline ranges for a lookup table");
		return true;
	}
	memset(&in, 0, sizeof(in));
	in.call_file = file;
	in.origin = origin;
	in.call_line = line;
	in.nest = (uint32_t)nest;
	in.r0 = (uint32_t)b->s[S_RANGES].count;
	in.nr = (uint32_t)nr;
	for (i = 0; i < nr; i++)
		if (!put(b, S_RANGES, &b->rng[i]))
			return true;
	if (put(b, S_INLINES, &in))
		b->cur.ninl++;
	return true;
}

/* One line of text, without its line ending. */
static void record(struct symtab_builder *b, const char *s, const char *end)
{
	uint64_t a, sz, n, id, param;

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
	if (starts(s, end, "FILE ")) {
		struct t_id f = { 0 };

		s += 5;
		if (!num(&s, end, 10, &id) || s == end) {
			b->skipped++;
			return;
		}
		f.id = id;
		f.order = (uint32_t)b->order;
		if (put_name(b, s, (size_t)(end - s), &f.name))
			put(b, S_FILES, &f);
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
		b->cur.line0 = (uint32_t)b->s[S_LINES].count;
		b->cur.inl0 = (uint32_t)b->s[S_INLINES].count;
		if (!put_name(b, s, (size_t)(end - s), &b->cur.name))
			return;
		b->have_cur = true;
		b->last_nest = -1;
	} else if (starts(s, end, "PUBLIC ")) {
		struct t_pub p = { 0 };

		s += 7;
		if (starts(s, end, "m "))
			s += 2;
		if (!flush_cur(b))
			return;
		if (!num(&s, end, 16, &a) || !num(&s, end, 16, &param)) {
			b->skipped++;
			return;
		}
		p.addr = a;
		p.order = (uint32_t)b->order;
		if (put_name(b, s, (size_t)(end - s), &p.name))
			put(b, S_PUBLICS, &p);
	} else if (starts(s, end, "INLINE_ORIGIN ")) {
		struct t_id o = { 0 };

		s += 14;
		if (!num(&s, end, 10, &id)) {
			b->skipped++;
			return;
		}
		o.id = id;
		o.order = (uint32_t)b->order;
		if (put_name(b, s, (size_t)(end - s), &o.name))
			put(b, S_ORIGINS, &o);
	} else if (starts(s, end, "INLINE ")) {
		if (!b->have_cur || !parse_inline(b, s + 7, end))
			b->skipped++;
	} else if (starts(s, end, "MODULE ") || starts(s, end, "INFO ") ||
		   starts(s, end, "INLINE") || starts(s, end, "STACK ") || s == end) {
		return;
	} else if (num(&s, end, 16, &a) && num(&s, end, 16, &sz) && num(&s, end, 10, &n) &&
		   num(&s, end, 10, &id) && s == end && n <= 0xffffffffu) {
		struct t_line l;

		if (!b->have_cur) {
			b->skipped++;
			return;
		}
		memset(&l, 0, sizeof(l));
		l.addr = a;
		l.size = sz;
		l.file = id;
		l.line = (uint32_t)n;
		l.order = (uint32_t)b->order;
		if (put(b, S_LINES, &l))
			b->cur.nlines++;
	} else {
		b->skipped++;
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

/* Sorting, on the mapped table. */
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

static int cmp_pub(const void *x, const void *y)
{
	const struct t_pub *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int cmp_id(const void *x, const void *y)
{
	const struct t_id *a = x, *b = y;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
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
static void settle_lines(struct t_func *f, struct t_line *ls)
{
	struct t_line *l = ls + f->line0;
	uint32_t i, k = 0;
	uint64_t reach = 0;

	sort_if_needed(l, f->nlines, sizeof(*l), cmp_line);
	for (i = 0; i < f->nlines; i++) {
		if (l[i].size == 0)
			continue;
		if (k && l[i].addr < reach)
			f->flags |= F_OVERLAP;
		if (end_of(l[i].addr, l[i].size) > reach || !k)
			reach = end_of(l[i].addr, l[i].size);
		l[k++] = l[i];
	}
	f->nlines = k;
}

/* Of overlapping or empty FUNCs, what Breakpad keeps; returns the count. */
static uint64_t settle_funcs(struct t_func *fs, uint64_t n)
{
	uint64_t i, k = 0;

	sort_if_needed(fs, n, sizeof(*fs), cmp_func);
	for (i = 0; i < n; i++) {
		if (fs[i].size == 0 || fs[i].addr + fs[i].size < fs[i].addr)
			continue;
		if (k && fs[i].addr - fs[k - 1].addr < fs[k - 1].size) {
			if (fs[i].order < fs[k - 1].order)	/* the earlier record wins */
				fs[k - 1] = fs[i];
			continue;
		}
		fs[k++] = fs[i];
	}
	return k;
}

static uint64_t settle_pubs(struct t_pub *ps, uint64_t n)
{
	uint64_t i, k = 0;

	sort_if_needed(ps, n, sizeof(*ps), cmp_pub);
	for (i = 0; i < n; i++)
		if (!k || ps[i].addr != ps[k - 1].addr)
			ps[k++] = ps[i];
	return k;
}

static uint64_t settle_ids(struct t_id *v, uint64_t n)
{
	uint64_t i, k = 0;

	sort_if_needed(v, n, sizeof(*v), cmp_id);
	for (i = 0; i < n; i++)
		if (!k || v[i].id != v[k - 1].id)
			v[k++] = v[i];
	return k;
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

static bool copy_section(FILE *f, int fd, uint64_t off, uint64_t len)
{
	char buf[1 << 16];

	if (fflush(f) != 0 || fseeko(f, 0, SEEK_SET) != 0)
		return false;
	while (len) {
		size_t want = len > sizeof(buf) ? sizeof(buf) : (size_t)len;
		size_t got = fread(buf, 1, want, f);
		size_t done = 0;

		if (got != want) {
			if (!ferror(f))
				errno = EIO;
			return false;
		}
		while (done < got) {
			ssize_t w = pwrite(fd, buf + done, got - done, (off_t)(off + done));

			if (w < 0) {
				if (errno == EINTR)
					continue;
				return false;
			}
			done += (size_t)w;
		}
		off += got;
		len -= got;
	}
	return true;
}

/* ---- the table file ---- */

enum { V_DATA, V_FUNCS, V_PUBLICS, V_FILES, V_ORIGINS, V_PAGES, VSECT };
enum { PAGE_TARGET = 16 << 10, PAGE_MAX = 64 << 20, ZLEVEL = 3 };

struct vhdr {
	char magic[8];
	uint32_t version, bom;
	uint64_t file_size;
	uint32_t crc, nsect;
	uint64_t nlines, ninl;	/* records kept, for symtab_counts() */
	struct { uint64_t off, count; } sect[VSECT];
};
_Static_assert(sizeof(struct vhdr) == 144, "the header's layout is part of the format");
struct v_func { uint64_t addr, size; uint32_t page, off; };
struct v_ref { uint64_t key; uint32_t page, off; };
struct v_page { uint64_t off; uint32_t clen, rlen; };

static const size_t ventsize[VSECT] = {
	1, sizeof(struct v_func), sizeof(struct v_ref), sizeof(struct v_ref), sizeof(struct v_ref),
	sizeof(struct v_page),
};

/* The table being written: pages go to out as they fill, the index
 * sections to temporary files appended at the end. */
struct writer {
	FILE *out;
	FILE *idx[VSECT];
	uint64_t count[VSECT];
	uint64_t data_len;
	unsigned char *page, *cbuf;
	size_t plen, pcap, ccap;
	uint32_t npages;
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
	unsigned char b[10];
	size_t n = 0;

	do {
		b[n] = v & 0x7f;
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	w_bytes(w, b, n);
}

static void w_sleb(struct writer *w, int64_t v)
{
	w_uleb(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));	/* zigzag */
}

static bool w_index(struct writer *w, int k, const void *e)
{
	if (fwrite(e, ventsize[k], 1, w->idx[k]) != 1) {
		w->io_error = true;
		return false;
	}
	w->count[k]++;
	return true;
}

/* Compresses the page filled so far into DATA. */
static bool w_flush(struct writer *w)
{
	struct v_page pg;
	size_t bound, c;

	if (w->too_big || w->nomem)
		return false;
	if (!w->plen)
		return true;
	bound = ZSTD_compressBound(w->plen);
	if (bound > w->ccap) {
		unsigned char *q = realloc(w->cbuf, bound);

		if (!q)
			return false;
		w->cbuf = q;
		w->ccap = bound;
	}
	c = ZSTD_compressCCtx(w->cctx, w->cbuf, w->ccap, w->page, w->plen, ZLEVEL);
	if (ZSTD_isError(c))
		return false;
	if (fwrite(w->cbuf, 1, c, w->out) != c) {
		w->io_error = true;
		return false;
	}
	pg.off = w->data_len;
	pg.clen = (uint32_t)c;
	pg.rlen = (uint32_t)w->plen;
	w->data_len += c;
	w->plen = 0;
	w->npages++;
	return w_index(w, V_PAGES, &pg);
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

static bool w_name(struct writer *w, const char *str, uint64_t nstr, uint32_t at, uint32_t *page,
		   uint32_t *off)
{
	size_t n;

	if (at >= nstr)
		return false;
	n = strnlen(str + at, (size_t)(nstr - at));
	if (!w_start(w, page, off))
		return false;
	w_bytes(w, str + at, n);
	w_bytes(w, "", 1);
	return !w->too_big && !w->nomem;
}

/* Writes the settled scratch tables (sect/h) as the table file. */
static enum sym_code transcode(unsigned char *map, uint64_t total, const struct hdr *h,
			       const char *tmpdir, int fd, struct vhdr *vh, struct sym_err *err)
{
	const struct t_func *fs = (const void *)(map + h->sect[S_FUNCS].off);
	const struct t_line *ls = (const void *)(map + h->sect[S_LINES].off);
	const struct t_inl *is = (const void *)(map + h->sect[S_INLINES].off);
	const struct t_rng *rs = (const void *)(map + h->sect[S_RANGES].off);
	const struct t_pub *ps = (const void *)(map + h->sect[S_PUBLICS].off);
	const struct t_id *ids[2] = { (const void *)(map + h->sect[S_FILES].off),
				      (const void *)(map + h->sect[S_ORIGINS].off) };
	const char *str = (const char *)(map + h->sect[S_STRINGS].off);
	uint64_t nstr = h->sect[S_STRINGS].count, i, off;
	struct writer w;
	enum sym_code rc = SYM_OK;
	int k, dfd = -1;

	memset(&w, 0, sizeof(w));
	memset(vh, 0, sizeof(*vh));
	if ((dfd = dup(fd)) < 0 || !(w.out = fdopen(dfd, "wb")) || !(w.cctx = ZSTD_createCCtx())) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	dfd = -1;
	for (k = V_FUNCS; k < VSECT; k++) {
		int t = tmp_open(tmpdir);

		if (t < 0 || !(w.idx[k] = fdopen(t, "w+b"))) {
			if (t >= 0)
				close(t);
			w.io_error = true;
			goto io;
		}
	}
	if (fseeko(w.out, (off_t)sizeof(*vh), SEEK_SET) != 0)
		goto io;
	for (i = 0; i < h->sect[S_FUNCS].count; i++) {
		const struct t_func *f = &fs[i];
		struct v_func vf;
		uint64_t prev_end = f->addr;
		int64_t prev_line = 0;
		uint32_t j, r;

		if (i % 8192 == 8191)
			drop(map, total);
		vf.addr = f->addr;
		vf.size = f->size;
		if (!w_start(&w, &vf.page, &vf.off))
			goto fail;
		if (f->name >= nstr)
			goto fail;
		{
			size_t n = strnlen(str + f->name, (size_t)(nstr - f->name));

			w_uleb(&w, n);
			w_bytes(&w, str + f->name, n);
		}
		w_uleb(&w, f->flags);
		w_uleb(&w, f->nlines);
		for (j = 0; j < f->nlines; j++) {
			const struct t_line *l = &ls[f->line0 + j];

			if (f->flags & F_OVERLAP)
				w_uleb(&w, l->order);
			w_sleb(&w, (int64_t)(l->addr - prev_end));
			w_uleb(&w, l->size);
			w_sleb(&w, (int64_t)l->line - prev_line);
			w_uleb(&w, l->file);
			prev_end = l->addr + l->size;
			prev_line = l->line;
		}
		w_uleb(&w, f->ninl);
		for (j = 0; j < f->ninl; j++) {
			const struct t_inl *in = &is[f->inl0 + j];

			w_uleb(&w, in->nest);
			w_uleb(&w, in->call_line);
			w_uleb(&w, in->call_file);
			w_uleb(&w, in->origin);
			w_uleb(&w, in->nr);
			for (r = 0; r < in->nr; r++) {
				w_sleb(&w, (int64_t)(rs[in->r0 + r].addr - f->addr));
				w_uleb(&w, rs[in->r0 + r].size);
			}
		}
		vh->nlines += f->nlines;
		vh->ninl += f->ninl;
		if (w.too_big || w.nomem || !w_index(&w, V_FUNCS, &vf))
			goto fail;
	}
	if (!w_flush(&w))
		goto fail;
	for (i = 0; i < h->sect[S_PUBLICS].count; i++) {
		struct v_ref v = { ps[i].addr, 0, 0 };

		if (!w_name(&w, str, nstr, ps[i].name, &v.page, &v.off) || !w_index(&w, V_PUBLICS, &v))
			goto fail;
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < h->sect[k ? S_ORIGINS : S_FILES].count; i++) {
			struct v_ref v = { ids[k][i].id, 0, 0 };

			if (!w_name(&w, str, nstr, ids[k][i].name, &v.page, &v.off) ||
			    !w_index(&w, k ? V_ORIGINS : V_FILES, &v))
				goto fail;
		}
	if (!w_flush(&w))
		goto fail;
	/* the index sections after the pages */
	off = sizeof(*vh) + w.data_len;
	vh->sect[V_DATA].off = sizeof(*vh);
	vh->sect[V_DATA].count = w.data_len;
	for (k = V_FUNCS; k < VSECT; k++) {
		char buf[1 << 16];
		uint64_t left = w.count[k] * ventsize[k], pad = (8 - off % 8) % 8;

		if (pad && fwrite("\0\0\0\0\0\0\0", 1, pad, w.out) != pad)
			goto io;
		off += pad;
		vh->sect[k].off = off;
		vh->sect[k].count = w.count[k];
		if (fflush(w.idx[k]) != 0 || fseeko(w.idx[k], 0, SEEK_SET) != 0)
			goto io;
		while (left) {
			size_t n = left > sizeof(buf) ? sizeof(buf) : (size_t)left;

			if (fread(buf, 1, n, w.idx[k]) != n || fwrite(buf, 1, n, w.out) != n)
				goto io;
			left -= n;
			off += n;
		}
	}
	if (fflush(w.out) != 0)
		goto io;
	vh->file_size = off;
	goto out;
fail:
	if (w.too_big) {
		rc = sym_fail(err, SYM_ELIMIT, "a function's records take more than %d MB",
			      PAGE_MAX >> 20);
		goto out;
	}
	if (!w.io_error) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory (or a malformed scratch table)");
		goto out;
	}
io:
	{
		int e = errno ? errno : EIO;

		rc = sym_fail(err, sym_errno_code(e), "cannot write the lookup table: %s",
			      strerror(e));
	}
out:
	if (dfd >= 0 && !w.out)
		close(dfd);
	if (w.out)
		fclose(w.out);
	for (k = 0; k < VSECT; k++)
		if (w.idx[k])
			fclose(w.idx[k]);
	ZSTD_freeCCtx(w.cctx);
	free(w.page);
	free(w.cbuf);
	return rc;
}

enum sym_code symtab_build_finish(struct symtab_builder *b, const char *path,
				  struct sym_err *err)
{
	enum sym_code rc = SYM_OK;
	char tmp[PATH_MAX];
	struct hdr h;
	struct vhdr vh;
	uint64_t off, total;
	unsigned char *map = MAP_FAILED;
	int sfd = -1, fd = -1, i;

	tmp[0] = '\0';
	if (b->failed || (b->plen && (record(b, b->part, b->part + b->plen), b->failed)) ||
	    !flush_cur(b)) {
		rc = sym_fail(err, b->failed, "%s", b->err.msg);
		goto out;
	}
	/* the scratch: every kind of record in one mapped file, settled */
	memset(&h, 0, sizeof(h));
	off = 0;
	for (i = 0; i < NSECT; i++) {
		h.sect[i].off = off;
		h.sect[i].count = b->s[i].count;
		off += (b->s[i].count * entsize[i] + 7) & ~(uint64_t)7;
	}
	total = off ? off : 8;
	if ((sfd = tmp_open(b->tmpdir)) < 0 || ftruncate(sfd, (off_t)total) != 0)
		goto io;
	for (i = 0; i < NSECT; i++)
		if (!copy_section(b->s[i].f, sfd, h.sect[i].off, b->s[i].count * entsize[i]))
			goto io;
	map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	if (map == MAP_FAILED)
		goto io;
	{
		struct t_func *fs = (struct t_func *)(void *)(map + h.sect[S_FUNCS].off);
		struct t_line *ls = (struct t_line *)(void *)(map + h.sect[S_LINES].off);
		uint64_t k;

		for (k = 0; k < h.sect[S_FUNCS].count; k++) {
			settle_lines(&fs[k], ls);
			if (k % 8192 == 8191)
				drop(map, total);
		}
		h.sect[S_FUNCS].count = settle_funcs(fs, h.sect[S_FUNCS].count);
		h.sect[S_PUBLICS].count = settle_pubs(
			(struct t_pub *)(void *)(map + h.sect[S_PUBLICS].off),
			h.sect[S_PUBLICS].count);
		h.sect[S_FILES].count = settle_ids(
			(struct t_id *)(void *)(map + h.sect[S_FILES].off), h.sect[S_FILES].count);
		h.sect[S_ORIGINS].count = settle_ids(
			(struct t_id *)(void *)(map + h.sect[S_ORIGINS].off),
			h.sect[S_ORIGINS].count);
	}
	/* the table: written in tmpdir (where a build killed midway leaves it
	 * to be swept, see store_sweep_tmp) and renamed into place */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/" SYMTAB_TMP_PREFIX "XXXXXX", b->tmpdir) >=
	    sizeof(tmp)) {
		tmp[0] = '\0';
		rc = sym_fail(err, SYM_EUSAGE, "lookup table path too long");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		tmp[0] = '\0';
		rc = sym_fail(err, sym_errno_code(e), "cannot create '%s': %s", path, strerror(e));
		goto out;
	}
	if ((rc = transcode(map, total, &h, b->tmpdir, fd, &vh, err)) != SYM_OK)
		goto out;
	memcpy(vh.magic, MAGIC, 8);
	vh.version = SYMTAB_VERSION;
	vh.bom = BOM;
	vh.nsect = VSECT;
	if (!crc_fd(fd, sizeof(vh), vh.file_size - sizeof(vh), &vh.crc))
		goto io;
	/* readable as the store's other files are (mkostemp made it 0600) */
	if (pwrite(fd, &vh, sizeof(vh), 0) != (ssize_t)sizeof(vh) || fchmod(fd, 0644) != 0 ||
	    fsync(fd) != 0)
		goto io;
	if (rename(tmp, path) != 0)
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
io:
	{
		int e = errno;

		rc = sym_fail(err, sym_errno_code(e), "cannot write '%s': %s", path, strerror(e));
	}
out:
	if (map != MAP_FAILED)
		munmap(map, total);
	if (sfd >= 0)
		close(sfd);
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	symtab_build_abort(b);
	return rc;
}

/* ---- reading ---- */

/* Decompressed pages are kept per table in CACHE_SLOTS slots, page p in
 * slot p % CACHE_SLOTS, while all tables together keep at most
 * CACHE_BYTES; past that a page is decompressed for the one lookup. */
enum { CACHE_SLOTS = 512 };
#define CACHE_BYTES ((uint64_t)256 << 20)
static uint64_t cached_bytes;	/* atomic, over all tables */

struct symtab {
	unsigned char *map;
	uint64_t size;
	struct vhdr h;
	const struct v_func *funcs;
	const struct v_ref *pubs, *files, *origins;
	const struct v_page *pages;
	const unsigned char *data;
	uint64_t n[VSECT];
	/* decompressed pages, most recently used kept */
	pthread_mutex_t mu;
	ZSTD_DCtx *dctx;
	struct { uint32_t page; uint32_t len; unsigned char *buf; } slot[CACHE_SLOTS];
	unsigned char *scratch;	/* a page not kept */
	size_t scratch_cap;
};

static enum sym_code bad(struct sym_err *err, const char *path, const char *why)
{
	return sym_fail(err, SYM_EFORMAT, "'%s' is not a valid lookup table: %s", path, why);
}

/* Every page and every reference to one lies inside the table. */
static const char *check(const struct symtab *t)
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
	for (k = V_PUBLICS; k <= V_ORIGINS; k++) {
		const struct v_ref *v = k == V_PUBLICS ? t->pubs : k == V_FILES ? t->files : t->origins;

		for (i = 0; i < t->n[k]; i++)
			if (v[i].page >= t->n[V_PAGES] || v[i].off >= t->pages[v[i].page].rlen)
				return "a name lies outside the pages";
	}
	return NULL;
}

enum sym_code symtab_open(struct symtab **out, const char *path, struct sym_err *err)
{
	struct symtab *t = NULL;
	struct stat st;
	const char *why = NULL;
	enum sym_code rc = SYM_OK;
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
	for (i = 0; !why && i < VSECT; i++) {
		uint64_t off = t->h.sect[i].off, n = t->h.sect[i].count;

		if ((i != V_DATA && off % 8) || off < sizeof(t->h) || off > t->size ||
		    n > (t->size - off) / ventsize[i])
			why = "a section lies outside the file";
		t->n[i] = n;
	}
	if (!why && crc_of(t->map + sizeof(t->h), t->size - sizeof(t->h)) != t->h.crc)
		why = "checksum mismatch (corrupted)";
	drop(t->map, t->size);	/* pages come back as lookups touch them */
	if (why) {
		rc = bad(err, path, why);
		goto out;
	}
	t->data = t->map + t->h.sect[V_DATA].off;
	t->funcs = (const void *)(t->map + t->h.sect[V_FUNCS].off);
	t->pubs = (const void *)(t->map + t->h.sect[V_PUBLICS].off);
	t->files = (const void *)(t->map + t->h.sect[V_FILES].off);
	t->origins = (const void *)(t->map + t->h.sect[V_ORIGINS].off);
	t->pages = (const void *)(t->map + t->h.sect[V_PAGES].off);
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
	c->files = t->n[V_FILES];
	c->origins = t->n[V_ORIGINS];
	c->pages = t->n[V_PAGES];
}

/* Page p, decompressed (under t->mu), valid until the next call; NULL
 * when it does not decompress or memory is short. */
static const unsigned char *page(struct symtab *t, uint32_t p)
{
	unsigned i = p % CACHE_SLOTS;
	uint32_t len = t->pages[p].rlen;
	unsigned char *buf;
	size_t n;

	if (t->slot[i].buf && t->slot[i].page == p)
		return t->slot[i].buf;
	if (!t->dctx && !(t->dctx = ZSTD_createDCtx()))	/* on first use: opens stay cheap */
		return NULL;
	if (t->slot[i].buf) {
		__atomic_fetch_sub(&cached_bytes, t->slot[i].len, __ATOMIC_RELAXED);
		free(t->slot[i].buf);
		t->slot[i].buf = NULL;
	}
	if (__atomic_add_fetch(&cached_bytes, len, __ATOMIC_RELAXED) <= CACHE_BYTES &&
	    (buf = malloc(len ? len : 1)) != NULL) {
		t->slot[i].buf = buf;
		t->slot[i].page = p;
		t->slot[i].len = len;
	} else {
		__atomic_fetch_sub(&cached_bytes, len, __ATOMIC_RELAXED);
		if (len > t->scratch_cap) {
			unsigned char *q = realloc(t->scratch, len);

			if (!q)
				return NULL;
			t->scratch = q;
			t->scratch_cap = len;
		}
		buf = t->scratch;
	}
	n = ZSTD_decompressDCtx(t->dctx, buf, len, t->data + t->pages[p].off, t->pages[p].clen);
	if (ZSTD_isError(n) || n != len) {
		if (t->slot[i].buf == buf) {
			__atomic_fetch_sub(&cached_bytes, len, __ATOMIC_RELAXED);
			free(buf);
			t->slot[i].buf = NULL;
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
	const unsigned char *pg = page(t, v->page);
	size_t room = t->pages[v->page].rlen - v->off;

	if (!pg)
		return 0;
	return keep(res, (const char *)pg + v->off, strnlen((const char *)pg + v->off, room));
}

/* The name of id among v (files or origins), kept in res; 0 when none. */
static size_t id_name(struct symtab *t, const struct v_ref *v, uint64_t n, uint64_t id,
		      struct symtab_result *res)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (v[mid].key < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].key == id ? keep_ref(t, &v[lo], res) : 0;
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
		int64_t ln = prev_line + r_sleb(&r);
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
			file = id_name(t, t->files, t->n[V_FILES], in[depth].call_file, res);
			line = in[depth].call_line;
		} else {
			file = have_line ? id_name(t, t->files, t->n[V_FILES], lfile, res) : 0;
		}
		for (j = depth; j-- > 0;) {
			const struct inl_rec *x = &in[j];
			size_t o = id_name(t, t->origins, t->n[V_ORIGINS], x->origin, res);

			fname[res->ninlines] = o ? o : keep(res, "<name omitted>", 14);
			ffile[res->ninlines] = file;
			res->inlines[res->ninlines].line = line;
			res->ninlines++;
			file = id_name(t, t->files, t->n[V_FILES], x->call_file, res);
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
