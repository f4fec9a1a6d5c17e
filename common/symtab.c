/* symtab.c - lookup tables for symbolication: build, open, look up.
 *
 * The file (all integers in the byte order of the machine that built it,
 * which the header records; a table from another order is refused and
 * rebuilt):
 *
 *   header    magic "SYMTAB\r\n", version, byte-order mark, file size,
 *             CRC-32 of every byte after the header, and eight sections
 *             (offset, count), each 8-byte aligned:
 *   FUNCS     struct t_func, sorted by address, overlaps settled
 *   LINES     struct t_line; a FUNC's own run, sorted by address, with
 *             zero-size records dropped (the FUNC says whether any of its
 *             lines overlap: then the first in the file that holds an
 *             address wins, found by a scan)
 *   INLINES   struct t_inl; a FUNC's own run, in file order (the nesting
 *             is read from that order, as Breakpad reads it)
 *   RANGES    struct t_rng; an INLINE record's own run
 *   PUBLICS   struct t_pub, sorted by address, one per address
 *   FILES     struct t_id, sorted by id, one per id
 *   ORIGINS   struct t_id, the same for INLINE_ORIGIN records
 *   STRINGS   NUL-terminated names; the count is in bytes
 *
 * Building appends each record to a temporary file per section as it is
 * read, then copies the sections into the table file, maps it and sorts
 * in place.  Sorting is skipped where the input was already in order, as
 * dumpsyms' and Breakpad's output is.
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
#include <zlib.h>

#include "symtab.h"

#define MAGIC "SYMTAB\r\n"
#define BOM 0x01020304u
#define MAX_LINE (1u << 20)

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

		if (fd < 0 || !(b->s[i].f = fdopen(fd, "w+b"))) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			symtab_build_abort(b);
			return sym_fail(err, sym_errno_code(e),
					"cannot create a temporary file in '%s': %s", tmpdir,
					strerror(e));
		}
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
	if (fwrite(e, entsize[k], 1, b->s[k].f) != 1) {
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
	if (fwrite(s, 1, n, b->s[S_STRINGS].f) != n || putc('\0', b->s[S_STRINGS].f) == EOF) {
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

		if (b->plen + take > MAX_LINE) {
			b->failed = sym_fail(&b->err, SYM_EFORMAT,
					     "a line of the symbol file is longer than %u bytes",
					     MAX_LINE);
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

enum sym_code symtab_build_finish(struct symtab_builder *b, const char *path,
				  struct sym_err *err)
{
	enum sym_code rc = SYM_OK;
	char tmp[PATH_MAX];
	struct hdr h;
	uint64_t off, total;
	unsigned char *map = MAP_FAILED;
	int fd = -1, i;

	tmp[0] = '\0';
	if (b->failed || (b->plen && (record(b, b->part, b->part + b->plen), b->failed)) ||
	    !flush_cur(b)) {
		rc = sym_fail(err, b->failed, "%s", b->err.msg);
		goto out;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, 8);
	h.version = SYMTAB_VERSION;
	h.bom = BOM;
	h.nsect = NSECT;
	off = sizeof(h);
	for (i = 0; i < NSECT; i++) {
		h.sect[i].off = off;
		h.sect[i].count = b->s[i].count;
		off += (b->s[i].count * entsize[i] + 7) & ~(uint64_t)7;
	}
	total = off;
	h.file_size = total;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
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
	if ((errno = posix_fallocate(fd, 0, (off_t)total)) != 0) {
		int e = errno;

		/* some file systems cannot: the writes below still tell */
		if (e != EOPNOTSUPP && e != EINVAL) {
			rc = sym_fail(err, sym_errno_code(e), "cannot write '%s': %s", path,
				      strerror(e));
			goto out;
		}
		if (ftruncate(fd, (off_t)total) != 0)
			goto io;
	}
	for (i = 0; i < NSECT; i++)
		if (!copy_section(b->s[i].f, fd, h.sect[i].off, b->s[i].count * entsize[i]))
			goto io;
	map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto io;
	{
		struct t_func *fs = (struct t_func *)(void *)(map + h.sect[S_FUNCS].off);
		struct t_line *ls = (struct t_line *)(void *)(map + h.sect[S_LINES].off);
		uint64_t k;

		for (k = 0; k < h.sect[S_FUNCS].count; k++)
			settle_lines(&fs[k], ls);
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
	h.crc = crc_of(map + sizeof(h), total - sizeof(h));
	memcpy(map, &h, sizeof(h));
	if (msync(map, total, MS_SYNC) != 0 || fsync(fd) != 0)
		goto io;
	if (rename(tmp, path) != 0)
		goto io;
	tmp[0] = '\0';
	goto out;
io:
	{
		int e = errno;

		rc = sym_fail(err, sym_errno_code(e), "cannot write '%s': %s", path, strerror(e));
	}
out:
	if (map != MAP_FAILED)
		munmap(map, total);
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	symtab_build_abort(b);
	return rc;
}

/* ---- reading ---- */

struct symtab {
	unsigned char *map;
	uint64_t size;
	const struct t_func *funcs;
	const struct t_line *lines;
	const struct t_inl *inls;
	const struct t_rng *rngs;
	const struct t_pub *pubs;
	const struct t_id *files, *origins;
	const char *str;
	uint64_t n[NSECT];
};

static enum sym_code bad(struct sym_err *err, const char *path, const char *why)
{
	return sym_fail(err, SYM_EFORMAT, "'%s' is not a valid lookup table: %s", path, why);
}

static bool name_ok(const struct symtab *t, uint32_t off)
{
	return off < t->n[S_STRINGS];
}

/* Every index and name in t lies inside it. */
static const char *check(const struct symtab *t)
{
	uint64_t i;

	if (t->n[S_STRINGS] && t->str[t->n[S_STRINGS] - 1] != '\0')
		return "the names do not end in a NUL";
	for (i = 0; i < t->n[S_FUNCS]; i++) {
		const struct t_func *f = &t->funcs[i];

		if (!name_ok(t, f->name) || (uint64_t)f->line0 + f->nlines > t->n[S_LINES] ||
		    (uint64_t)f->inl0 + f->ninl > t->n[S_INLINES])
			return "a function's name, lines or inlines lie outside the table";
	}
	for (i = 0; i < t->n[S_INLINES]; i++)
		if ((uint64_t)t->inls[i].r0 + t->inls[i].nr > t->n[S_RANGES])
			return "an inline's ranges lie outside the table";
	for (i = 0; i < t->n[S_PUBLICS]; i++)
		if (!name_ok(t, t->pubs[i].name))
			return "a public symbol's name lies outside the table";
	for (i = 0; i < t->n[S_FILES]; i++)
		if (!name_ok(t, t->files[i].name))
			return "a file name lies outside the table";
	for (i = 0; i < t->n[S_ORIGINS]; i++)
		if (!name_ok(t, t->origins[i].name))
			return "an inline origin's name lies outside the table";
	return NULL;
}

enum sym_code symtab_open(struct symtab **out, const char *path, struct sym_err *err)
{
	struct symtab *t = NULL;
	struct hdr h;
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
	if ((uint64_t)st.st_size < sizeof(h)) {
		rc = bad(err, path, "shorter than its header");
		goto out;
	}
	if (!(t = calloc(1, sizeof(*t)))) {
		rc = sym_fail(err, SYM_ENOMEM, "out of memory");
		goto out;
	}
	t->size = (uint64_t)st.st_size;
	t->map = mmap(NULL, t->size, PROT_READ, MAP_SHARED, fd, 0);
	if (t->map == MAP_FAILED) {
		t->map = NULL;
		rc = sym_fail(err, SYM_EIO, "cannot map '%s': %s", path, strerror(errno));
		goto out;
	}
	memcpy(&h, t->map, sizeof(h));
	if (memcmp(h.magic, MAGIC, 8) != 0)
		why = "wrong magic";
	else if (h.version != SYMTAB_VERSION)
		why = "another version of the format";
	else if (h.bom != BOM)
		why = "built on a machine of another byte order";
	else if (h.file_size != t->size)
		why = "its size is not the one its header records (truncated?)";
	else if (h.nsect != NSECT)
		why = "wrong number of sections";
	for (i = 0; !why && i < NSECT; i++) {
		uint64_t off = h.sect[i].off, n = h.sect[i].count;

		if (off % 8 || off < sizeof(h) || off > t->size ||
		    n > (t->size - off) / entsize[i])
			why = "a section lies outside the file";
		t->n[i] = n;
	}
	if (!why && crc_of(t->map + sizeof(h), t->size - sizeof(h)) != h.crc)
		why = "checksum mismatch (corrupted)";
	if (why) {
		rc = bad(err, path, why);
		goto out;
	}
	t->funcs = (const void *)(t->map + h.sect[S_FUNCS].off);
	t->lines = (const void *)(t->map + h.sect[S_LINES].off);
	t->inls = (const void *)(t->map + h.sect[S_INLINES].off);
	t->rngs = (const void *)(t->map + h.sect[S_RANGES].off);
	t->pubs = (const void *)(t->map + h.sect[S_PUBLICS].off);
	t->files = (const void *)(t->map + h.sect[S_FILES].off);
	t->origins = (const void *)(t->map + h.sect[S_ORIGINS].off);
	t->str = (const char *)(t->map + h.sect[S_STRINGS].off);
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
	if (!t)
		return;
	if (t->map)
		munmap(t->map, t->size);
	free(t);
}

uint64_t symtab_size(const struct symtab *t)
{
	return t->size;
}

void symtab_counts(const struct symtab *t, struct symtab_counts *c)
{
	c->funcs = t->n[S_FUNCS];
	c->lines = t->n[S_LINES];
	c->inlines = t->n[S_INLINES];
	c->publics = t->n[S_PUBLICS];
	c->files = t->n[S_FILES];
	c->origins = t->n[S_ORIGINS];
	c->string_bytes = t->n[S_STRINGS];
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

static const char *id_name(const struct symtab *t, const struct t_id *v, uint64_t n, uint64_t id)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].id == id ? t->str + v[lo].name : NULL;
}

static bool holds(uint64_t a, uint64_t size, uint64_t addr)
{
	return size && addr >= a && addr - a < size;
}

static bool inl_holds(const struct symtab *t, const struct t_inl *in, uint64_t addr)
{
	uint32_t k;

	for (k = 0; k < in->nr; k++)
		if (holds(t->rngs[in->r0 + k].addr, t->rngs[in->r0 + k].size, addr))
			return true;
	return false;
}

static const struct t_line *find_line(const struct symtab *t, const struct t_func *f,
				      uint64_t addr)
{
	const struct t_line *l = t->lines + f->line0, *best = NULL;
	uint32_t i;
	int64_t j;

	if (f->flags & F_OVERLAP) {
		/* the first in the file that holds it */
		for (i = 0; i < f->nlines; i++)
			if (holds(l[i].addr, l[i].size, addr) && (!best || l[i].order < best->order))
				best = &l[i];
		return best;
	}
	j = below(l, f->nlines, sizeof(*l), addr);
	return j >= 0 && holds(l[j].addr, l[j].size, addr) ? &l[j] : NULL;
}

void symtab_lookup(const struct symtab *t, uint64_t addr, struct symtab_result *res)
{
	int64_t fi = below(t->funcs, t->n[S_FUNCS], sizeof(*t->funcs), addr);
	int64_t pi;

	res->kind = SYMTAB_NONE;
	res->function = NULL;
	res->function_addr = 0;
	res->file = NULL;
	res->line = 0;
	res->ninlines = 0;
	if (fi >= 0 && holds(t->funcs[fi].addr, t->funcs[fi].size, addr)) {
		const struct t_func *f = &t->funcs[fi];
		const struct t_line *ln = find_line(t, f, addr);
		const struct t_inl *in = t->inls + f->inl0;
		uint32_t chain[SYMTAB_MAX_INLINE];
		uint32_t lo = 0, hi = f->ninl, depth = 0, hit, j;
		const char *file = ln ? id_name(t, t->files, t->n[S_FILES], ln->file) : NULL;
		uint64_t line = ln ? ln->line : 0;

		res->kind = SYMTAB_FUNC;
		res->function = t->str + f->name;
		res->function_addr = f->addr;
		/* the chain, outermost first: at each level the first record of
		 * that level among the chosen parent's children that holds addr */
		while (depth < SYMTAB_MAX_INLINE) {
			for (hit = lo; hit < hi; hit++)
				if (in[hit].nest == depth && inl_holds(t, &in[hit], addr))
					break;
			if (hit >= hi)
				break;
			chain[depth++] = hit;
			lo = hit + 1;
			for (j = lo; j < f->ninl && in[j].nest > in[hit].nest; j++)
				;
			hi = j;
		}
		for (j = depth; j-- > 0;) {
			const struct t_inl *x = &in[chain[j]];
			struct symtab_frame *fr = &res->inlines[res->ninlines++];
			const char *o = id_name(t, t->origins, t->n[S_ORIGINS], x->origin);

			fr->function = o ? o : "<name omitted>";
			fr->file = file;
			fr->line = line;
			file = id_name(t, t->files, t->n[S_FILES], x->call_file);
			line = x->call_line;
		}
		res->file = file;
		res->line = line;
		return;
	}
	pi = below(t->pubs, t->n[S_PUBLICS], sizeof(*t->pubs), addr);
	if (pi >= 0 && (fi < 0 || t->pubs[pi].addr > t->funcs[fi].addr)) {
		res->kind = SYMTAB_PUBLIC;
		res->function = t->str + t->pubs[pi].name;
		res->function_addr = t->pubs[pi].addr;
	}
}
