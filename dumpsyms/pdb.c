/* pdb.c - the PDB reader: container, PDB info stream, DBI, publics and the
 * order of work of pdb_read() (see pdb.h).  Module streams are read by
 * pdb_mod.c; type names, OMAP and STACK WIN by pdb_types.c, pdb_omap.c and
 * pdb_frame.c.
 */
#include "config.h"
#include "pdb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "msvc_demangle.h"
#include "ordered.h"
#include "pdb_frame.h"
#include "pdb_int.h"
#include "pool.h"
#include "vec.h"

#define PDB_STREAM_INFO	1
#define PDB_STREAM_TPI	2
#define PDB_STREAM_DBI	3
#define PDB_STREAM_IPI	4

#define DBI_HDR_SIZE	64
#define DBI_MODI_FIXED	64

/* optional debug header slots */
#define DBG_FPO		0
#define DBG_OMAP_TO	3
#define DBG_OMAP_FROM	4
#define DBG_SECHDR	5
#define DBG_FRAMEDATA	9
#define DBG_SECHDR_ORIG	10

#define NAMES_MAGIC	0xEFFEEFFEu
#define PDB_FEATURE_MINI 0x494E494Du	/* "MINI": /DEBUG:FASTLINK */

#define S_PUB32		0x110E

#define SCN_CNT_CODE	0x00000020u
#define SCN_MEM_EXECUTE	0x20000000u

/* OMAP targets at or past this are "removed" when the image size is
 * unknown (Syzygy writes 0x80000000 there). */
#define OMAP_DEFAULT_IMAGE_SIZE 0x80000000u

/* Sections past this many are not an image. */
#define MAX_SECTIONS	65535

bool pdb_is_pdb(const uint8_t *data, size_t size)
{
	return pdb_msf_is_msf(data, size);
}

void pdb_warn(const struct pdb_ctx *c, const char *fmt, ...)
{
	va_list ap;

	FILE *f = c->warn_to ? c->warn_to : stderr;

	if (!c->opt->verbose)
		return;
	fprintf(f, "dumpsyms: warning: %s: ", c->path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* ---- opening --------------------------------------------------------- */

/* The PDB info stream: ids, then the named stream map, of which only
 * "/names" is kept. */
static enum sym_code pdb_read_info(struct pdb *p, struct sym_err *err)
{
	struct pdb_stream st;
	const uint8_t *buf;
	size_t len;
	struct cursor c;
	const uint8_t *strings, *guid;
	uint32_t nstr, nwords, ndel, w, bit;
	enum sym_code result;

	result = pdb_msf_stream(&p->msf, PDB_STREAM_INFO, "PDB info", &st, err);
	if (result != SYM_OK)
		return result;
	buf = st.data;
	len = st.len;
	c = cursor_make(buf, len, false);
	cursor_u32(&c);		/* version */
	cursor_u32(&c);		/* signature (time stamp) */
	p->info_age = cursor_u32(&c);
	guid = cursor_bytes(&c, 16);
	if (c.bad) {
		result = sym_fail(err, SYM_ETRUNC,
				  "cannot read PDB '%s': stream 1 (PDB info) truncated at 0x%zx",
				  p->path, len);
		goto out;
	}
	memcpy(p->guid, guid, 16);

	/* the named stream map; damage here only loses "/names" */
	nstr = cursor_u32(&c);
	strings = cursor_bytes(&c, nstr);
	cursor_u32(&c);		/* size */
	cursor_u32(&c);		/* capacity */
	nwords = cursor_u32(&c);
	if (c.bad || nwords > cursor_left(&c) / 4)
		goto out;
	{
		size_t words_at = c.pos;
		cursor_skip(&c, (size_t)nwords * 4);
		ndel = cursor_u32(&c);
		if (c.bad || ndel > cursor_left(&c) / 4)
			goto out;
		cursor_skip(&c, (size_t)ndel * 4);
		for (w = 0; w < nwords && !c.bad; w++) {
			struct cursor wc = cursor_make(buf + words_at + 4 * (size_t)w, 4, false);
			uint32_t word = cursor_u32(&wc);
			for (bit = 0; bit < 32 && !c.bad; bit++) {
				uint32_t key, val;
				const char *name;
				if (!(word & (1u << bit)))
					continue;
				key = cursor_u32(&c);
				val = cursor_u32(&c);
				if (c.bad)
					break;
				name = strsec_at(strings, nstr, key);
				if (name && !strcmp(name, "/names"))
					p->names_stream = val;
			}
		}
	}
	/* niMac, then feature codes to the end */
	cursor_u32(&c);
	while (!c.bad && cursor_left(&c) >= 4)
		if (cursor_u32(&c) == PDB_FEATURE_MINI)
			p->fastlink = true;
out:
	pdb_stream_release(&st);
	return result;
}

/* The DBI header and the bounds of the substreams used later. */
static enum sym_code pdb_read_dbi(struct pdb *p, struct sym_err *err)
{
	struct cursor c;
	int32_t sizes[5], ec_size, opt_size, vsig;
	size_t off, i;
	enum sym_code result;

	result = pdb_msf_stream(&p->msf, PDB_STREAM_DBI, "DBI", &p->dbi_stream, err);
	if (result != SYM_OK)
		return result;
	p->dbi = p->dbi_stream.data;
	p->dbi_len = p->dbi_stream.len;
	if (!p->dbi)
		return SYM_OK;		/* no DBI: ids only */
	c = cursor_make(p->dbi, p->dbi_len, false);
	vsig = (int32_t)cursor_u32(&c);
	cursor_u32(&c);		/* version header */
	p->dbi_age = cursor_u32(&c);
	cursor_u16(&c);		/* global stream */
	cursor_u16(&c);		/* build number */
	cursor_u16(&c);		/* public stream */
	cursor_u16(&c);		/* pdb dll version */
	p->sym_record_stream = cursor_u16(&c);
	cursor_u16(&c);		/* pdb dll rebuild */
	for (i = 0; i < 5; i++)
		sizes[i] = (int32_t)cursor_u32(&c);
	cursor_u32(&c);		/* MFC type server */
	opt_size = (int32_t)cursor_u32(&c);
	ec_size = (int32_t)cursor_u32(&c);
	cursor_u16(&c);		/* flags */
	p->machine = cursor_u16(&c);
	cursor_u32(&c);
	if (c.bad)
		return sym_fail(err, SYM_ETRUNC,
				"cannot read PDB '%s': stream 3 (DBI) header truncated at 0x%zx",
				p->path, p->dbi_len);
	if (vsig != -1)
		return sym_fail(err, SYM_EUNSUP,
				"cannot read PDB '%s': stream 3 (DBI) has a pre-VC4 layout (%d)",
				p->path, vsig);
	for (i = 0; i < 5; i++)
		if (sizes[i] < 0)
			return sym_fail(err, SYM_EFORMAT,
					"cannot read PDB '%s': stream 3 (DBI) substream %zu has size %d",
					p->path, i, sizes[i]);
	if (ec_size < 0 || opt_size < 0)
		return sym_fail(err, SYM_EFORMAT,
				"cannot read PDB '%s': stream 3 (DBI) has a negative substream size",
				p->path);
	/* ModInfo, SectionContrib, SectionMap, FileInfo, TypeServerMap, EC,
	 * OptionalDbgHeader */
	off = DBI_HDR_SIZE;
	p->modi_off = off;
	p->modi_len = (size_t)sizes[0];
	if (p->modi_len > p->dbi_len - off)
		goto trunc;
	off += p->modi_len;
	if ((size_t)sizes[1] > p->dbi_len - off)
		goto trunc;
	off += (size_t)sizes[1];
	p->secmap_off = off;
	p->secmap_len = (size_t)sizes[2];
	if (p->secmap_len > p->dbi_len - off)
		goto trunc;
	off += p->secmap_len;
	if ((size_t)sizes[3] > p->dbi_len - off)
		goto trunc;
	off += (size_t)sizes[3];
	if ((size_t)sizes[4] > p->dbi_len - off)
		goto trunc;
	off += (size_t)sizes[4];
	if ((size_t)ec_size > p->dbi_len - off)
		goto trunc;
	off += (size_t)ec_size;
	p->opt_off = off;
	p->opt_len = (size_t)opt_size;
	if (p->opt_len > p->dbi_len - off)
		goto trunc;
	p->has_dbi = true;
	return SYM_OK;
trunc:
	return sym_fail(err, SYM_ETRUNC,
			"cannot read PDB '%s': stream 3 (DBI) truncated at 0x%zx (substreams need more)",
			p->path, p->dbi_len);
}

enum sym_code pdb_open(struct pdb **out, const char *path, const uint8_t *data, size_t size,
		       struct sym_err *err)
{
	struct pdb *p;
	enum sym_code result;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
	p->path = strdup(path ? path : "");
	p->names_stream = PDB_NO_STREAM;
	if (!p->path) {
		free(p);
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
	}
	result = pdb_msf_open(&p->msf, p->path, data, size, err);
	if (result != SYM_OK) {
		free((char *)p->path);
		free(p);
		return result;
	}
	result = pdb_read_info(p, err);
	if (result == SYM_OK)
		result = pdb_read_dbi(p, err);
	if (result != SYM_OK) {
		pdb_close(p);
		return result;
	}
	*out = p;
	return SYM_OK;
}

void pdb_close(struct pdb *p)
{
	if (!p)
		return;
	pdb_msf_release(&p->msf);
	pdb_stream_release(&p->dbi_stream);
	free((char *)p->path);
	free(p);
}

void pdb_set_file_mapped(struct pdb *p, bool mapped)
{
	p->msf.drop_pages = mapped;
}

void pdb_ident(const struct pdb *p, uint8_t guid[16], uint32_t *age)
{
	memcpy(guid, p->guid, 16);
	*age = p->has_dbi ? p->dbi_age : p->info_age;
}

const char *pdb_arch(const struct pdb *p)
{
	switch (p->machine) {
	case 0x14C:
		return "x86";
	case 0x8664:
		return "x86_64";
	case 0xAA64:
		return "arm64";
	case 0x1C0:
	case 0x1C2:
	case 0x1C4:
		return "arm";
	default:
		return NULL;
	}
}

/* ---- addresses ------------------------------------------------------- */

bool pdb_rva(const struct pdb_ctx *c, uint16_t seg, uint32_t off, uint32_t *rva)
{
	uint32_t va;

	if (seg == 0 || seg > c->nsecs)
		return false;
	va = c->secs[seg - 1].va;
	if (off > UINT32_MAX - va)
		return false;
	*rva = va + off;
	return true;
}

struct map_acc {
	struct pdb_piece **v;
	size_t *n, *cap;
};

static int pdb_map_piece(void *ctx, uint32_t rva, uint32_t len)
{
	struct map_acc *a = ctx;
	size_t ncap;
	struct pdb_piece *nv;

	if (!len)
		return 0;
	if (*a->n == *a->cap) {
		ncap = *a->cap ? *a->cap * 2 : 16;
		nv = realloc(*a->v, ncap * sizeof(**a->v));
		if (!nv)
			return -1;
		*a->v = nv;
		*a->cap = ncap;
	}
	(*a->v)[*a->n].lo = rva;
	(*a->v)[*a->n].hi = len > UINT32_MAX - rva ? UINT32_MAX : rva + len;
	(*a->n)++;
	return 0;
}

int pdb_map_range(const struct pdb_ctx *c, uint32_t rva, uint32_t len,
		  struct pdb_piece **v, size_t *n, size_t *cap)
{
	struct map_acc a = { v, n, cap };

	if (!c->omap)
		return pdb_map_piece(&a, rva, len);
	return pdb_omap_range(c->omap, rva, len, pdb_map_piece, &a);
}

static int cmp_param(const void *a, const void *b)
{
	const struct pdb_param *x = a, *y = b;

	return x->rva < y->rva ? -1 : x->rva > y->rva;
}

uint32_t pdb_param_size(const struct pdb_ctx *c, uint32_t rva)
{
	struct pdb_param key = { rva, 0 }, *hit;

	if (!c->nparams)
		return 0;
	hit = bsearch(&key, c->params, c->nparams, sizeof(key), cmp_param);
	return hit ? hit->size : 0;
}

/* Publics by original RVA, then decorated name. */
static int cmp_pub_rva(const void *a, const void *b)
{
	const struct pdb_pub *x = a, *y = b;

	if (x->rva != y->rva)
		return x->rva < y->rva ? -1 : 1;
	return strcmp(x->decorated, y->decorated);
}

const char *pdb_c_name(const struct pdb_ctx *c, uint32_t rva, const char *raw, const char *plain)
{
	size_t lo = 0, hi = c->npubs;

	if (c->pubs_by_rva != c->npubs)		/* not sorted yet (no publics read) */
		return NULL;
	while (lo < hi) {			/* the first public at rva */
		size_t mid = lo + (hi - lo) / 2;
		if (c->pubs[mid].rva < rva)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->npubs && c->pubs[lo].rva == rva; lo++) {
		const struct pdb_pub *pub = &c->pubs[lo];
		if (pub->decorated[0] == '?')
			continue;
		if (strcmp(pub->decorated, raw) && strcmp(pub->name, plain))
			continue;
		return c->x86 ? pub->name : plain;
	}
	return NULL;
}

/* ---- sections, names, OMAP ------------------------------------------ */

/* IMAGE_SECTION_HEADERs of stream s (40 bytes each). */
static enum sym_code pdb_read_sections(struct pdb_ctx *c, uint32_t s, const char *what,
				       struct pdb_section **out, size_t *nout, struct sym_err *err)
{
	struct pdb_stream st;
	const uint8_t *buf;
	size_t len, n, i;
	struct pdb_section *v;
	enum sym_code result;

	*out = NULL;
	*nout = 0;
	result = pdb_msf_stream(&c->p->msf, s, what, &st, err);
	if (result != SYM_OK)
		return result;
	buf = st.data;
	len = st.len;
	n = len / 40;
	if (n > MAX_SECTIONS)
		n = MAX_SECTIONS;
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		pdb_stream_release(&st);
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
	}
	for (i = 0; i < n; i++) {
		struct cursor cur = cursor_make(buf + 40 * i, 40, false);
		memcpy(v[i].name, cursor_bytes(&cur, 8), 8);
		v[i].name[8] = 0;
		v[i].vsize = cursor_u32(&cur);
		v[i].va = cursor_u32(&cur);
		cursor_skip(&cur, 16);	/* raw size and pointers */
		cursor_skip(&cur, 4);	/* relocation and line counts */
		v[i].characteristics = cursor_u32(&cur);
	}
	pdb_stream_release(&st);
	*out = v;
	*nout = n;
	return SYM_OK;
}

/* The original image length (notes §8): the largest end of a section-map
 * entry with a frame, with frames read against c->secs. */
static uint32_t pdb_orig_image_len(const struct pdb_ctx *c)
{
	struct cursor cur = cursor_make(c->p->dbi + c->p->secmap_off, c->p->secmap_len, false);
	uint32_t count, i, best = 0;

	count = cursor_u16(&cur);
	cursor_u16(&cur);
	for (i = 0; i < count && !cur.bad; i++) {
		uint16_t frame;
		uint32_t off, len;
		uint64_t end;
		cursor_skip(&cur, 6);	/* flags, ovl, group */
		frame = cursor_u16(&cur);
		cursor_skip(&cur, 4);	/* names */
		off = cursor_u32(&cur);
		len = cursor_u32(&cur);
		if (cur.bad || frame == 0 || frame > c->nsecs)
			continue;
		end = (uint64_t)c->secs[frame - 1].va + off + len;
		if (end > UINT32_MAX)
			end = UINT32_MAX;
		if (end > best)
			best = (uint32_t)end;
	}
	return best;
}

static uint16_t pdb_dbg_stream(const struct pdb *p, size_t slot)
{
	struct cursor cur = cursor_make(p->dbi + p->opt_off, p->opt_len, false);

	if (!p->dbi || slot >= p->opt_len / 2)
		return 0xFFFF;
	cursor_skip(&cur, slot * 2);
	return cursor_u16(&cur);
}

static bool pdb_dbg_has(const struct pdb *p, size_t slot)
{
	uint16_t s = pdb_dbg_stream(p, slot);

	return s != 0xFFFF && pdb_msf_has(&p->msf, s);
}

static void pdb_read_names(struct pdb_ctx *c)
{
	struct sym_err e;
	size_t len;
	struct cursor cur;
	uint32_t blen;
	const uint8_t *b;

	if (c->p->names_stream == PDB_NO_STREAM)
		return;
	sym_err_clear(&e);
	if (pdb_msf_stream(&c->p->msf, c->p->names_stream, "/names", &c->names_stream,
			   &e) != SYM_OK) {
		if (e.code == SYM_ENOMEM)
			c->nomem = true;
		pdb_warn(c, "%s", e.msg);
		return;
	}
	len = c->names_stream.len;
	cur = cursor_make(c->names_stream.data, len, false);
	if (cursor_u32(&cur) != NAMES_MAGIC) {
		pdb_warn(c, "/names string table has a bad signature");
		return;
	}
	cursor_u32(&cur);	/* hash version */
	blen = cursor_u32(&cur);
	if (blen > cursor_left(&cur))
		blen = (uint32_t)cursor_left(&cur);
	b = cursor_bytes(&cur, blen);
	if (b) {
		c->names = (const char *)b;
		c->names_len = blen;
	}
}

static uint32_t pdb_max_end(const struct pdb_section *s, size_t n)
{
	uint64_t best = 0, end;
	size_t i;

	for (i = 0; i < n; i++) {
		end = (uint64_t)s[i].va + s[i].vsize;
		if (end > best)
			best = end;
	}
	return best > UINT32_MAX ? UINT32_MAX : (uint32_t)best;
}

/* Section headers and OMAP: [10] + OMAP, else [5], else the PE's. */
static enum sym_code pdb_setup_addresses(struct pdb_ctx *c, struct sym_err *err)
{
	struct pdb *p = c->p;
	bool omap = pdb_dbg_has(p, DBG_OMAP_TO) && pdb_dbg_has(p, DBG_OMAP_FROM);
	struct pdb_section *final = NULL;
	size_t nfinal = 0;
	struct pdb_stream to = { 0 }, from = { 0 };
	uint32_t image_size;
	enum sym_code result = SYM_OK;

	if (omap && pdb_dbg_has(p, DBG_SECHDR_ORIG))
		result = pdb_read_sections(c, pdb_dbg_stream(p, DBG_SECHDR_ORIG),
					   "original section headers", &c->secs, &c->nsecs, err);
	else if (pdb_dbg_has(p, DBG_SECHDR))
		result = pdb_read_sections(c, pdb_dbg_stream(p, DBG_SECHDR), "section headers",
					   &c->secs, &c->nsecs, err);
	if (result != SYM_OK)
		goto out;
	if (!c->nsecs && c->opt->npe_sections) {
		free(c->secs);
		c->secs = calloc(c->opt->npe_sections, sizeof(*c->secs));
		if (!c->secs) {
			result = sym_fail(err, SYM_ENOMEM,
					  "cannot read PDB '%s': out of memory", c->path);
			goto out;
		}
		memcpy(c->secs, c->opt->pe_sections, c->opt->npe_sections * sizeof(*c->secs));
		c->nsecs = c->opt->npe_sections;
	}
	if (!c->nsecs)
		pdb_warn(c, "no section headers in the PDB and no PE: addresses are unknown");
	if (!omap)
		goto out;

	/* the final image's size: the PE's, else the final headers [5] when
	 * [10] holds the original ones */
	if (c->opt->npe_sections) {
		image_size = pdb_max_end(c->opt->pe_sections, c->opt->npe_sections);
	} else if (pdb_dbg_has(p, DBG_SECHDR_ORIG) && pdb_dbg_has(p, DBG_SECHDR)) {
		result = pdb_read_sections(c, pdb_dbg_stream(p, DBG_SECHDR), "section headers",
					   &final, &nfinal, err);
		if (result != SYM_OK)
			goto out;
		image_size = nfinal ? pdb_max_end(final, nfinal) : OMAP_DEFAULT_IMAGE_SIZE;
	} else {
		image_size = OMAP_DEFAULT_IMAGE_SIZE;
	}
	result = pdb_msf_stream(&p->msf, pdb_dbg_stream(p, DBG_OMAP_TO), "OMAP to source", &to,
				err);
	if (result == SYM_OK)
		result = pdb_msf_stream(&p->msf, pdb_dbg_stream(p, DBG_OMAP_FROM),
					"OMAP from source", &from, err);
	if (result == SYM_OK)
		result = pdb_omap_open(&c->omap, c->path, to.data, to.len, from.data, from.len,
				       pdb_orig_image_len(c), image_size, err);
	if (result != SYM_OK && result != SYM_ENOMEM) {
		/* addresses are then those of the original image */
		pdb_warn(c, "OMAP unusable (%s)", err->msg);
		sym_err_clear(err);
		c->omap = NULL;
		result = SYM_OK;
	}
out:
	free(final);
	pdb_stream_release(&to);
	pdb_stream_release(&from);
	return result;
}

/* ---- publics --------------------------------------------------------- */

/* S_PUB32 records of the symbol record stream in executable sections,
 * kept in c->pubs (and their parameter sizes in c->params). */
static enum sym_code pdb_read_publics(struct pdb_ctx *c, struct sym_err *err)
{
	struct pdb_stream st;
	const uint8_t *buf;
	size_t len, pos = 0, cap = 0, pcap = 0;
	enum sym_code result;
	struct sym_err e;

	if (c->p->sym_record_stream == 0xFFFF)
		return SYM_OK;
	sym_err_clear(&e);
	result = pdb_msf_stream(&c->p->msf, c->p->sym_record_stream, "symbol records", &st, &e);
	if (result == SYM_ENOMEM)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
	if (result != SYM_OK) {
		pdb_warn(c, "%s", e.msg);
		return SYM_OK;
	}
	buf = st.data;
	len = st.len;
	while (len - pos >= 4) {
		struct cursor cur = cursor_make(buf + pos, len - pos, false);
		uint16_t reclen = cursor_u16(&cur), kind;
		uint32_t flags, off, rva, params;
		uint16_t seg;
		const char *name;
		char *pub;

		if (reclen < 2 || reclen > len - pos - 2) {
			pdb_warn(c, "symbol record stream: bad record length %u at 0x%zx", reclen,
				 pos);
			break;
		}
		cur.len = (size_t)reclen + 2;
		pos += (size_t)reclen + 2;
		kind = cursor_u16(&cur);
		if (kind != S_PUB32)
			continue;
		flags = cursor_u32(&cur);
		off = cursor_u32(&cur);
		seg = cursor_u16(&cur);
		name = cursor_cstr(&cur);
		(void)flags;
		if (cur.bad || !name[0] || !pdb_rva(c, seg, off, &rva))
			continue;
		if (!(c->secs[seg - 1].characteristics & (SCN_CNT_CODE | SCN_MEM_EXECUTE)))
			continue;
		pub = msvc_public_name(name, &params);
		if (!pub)
			goto nomem;
		if (!pub[0]) {
			free(pub);
			continue;
		}
		if (params && c->x86) {
			if (c->nparams == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct pdb_param *nv = realloc(c->params, ncap * sizeof(*nv));
				if (!nv) {
					free(pub);
					goto nomem;
				}
				c->params = nv;
				cap = ncap;
			}
			c->params[c->nparams].rva = rva;
			c->params[c->nparams].size = params;
			c->nparams++;
		}
		if (c->npubs == pcap) {
			size_t ncap = pcap ? pcap * 2 : 64;
			struct pdb_pub *nv = realloc(c->pubs, ncap * sizeof(*nv));
			if (!nv) {
				free(pub);
				goto nomem;
			}
			c->pubs = nv;
			pcap = ncap;
		}
		c->pubs[c->npubs].rva = rva;
		c->pubs[c->npubs].params = params;
		c->pubs[c->npubs].name = module_intern(c->m, pub, strlen(pub));
		c->pubs[c->npubs].decorated = module_intern(c->m, name, strlen(name));
		free(pub);
		if (!c->pubs[c->npubs].name || !c->pubs[c->npubs].decorated)
			goto nomem;
		c->npubs++;
	}
	pdb_stream_release(&st);
	if (c->nparams)
		qsort(c->params, c->nparams, sizeof(*c->params), cmp_param);
	if (c->npubs)
		qsort(c->pubs, c->npubs, sizeof(*c->pubs), cmp_pub_rva);
	c->pubs_by_rva = c->npubs;
	return SYM_OK;
nomem:
	pdb_stream_release(&st);
	return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
}

/* Publics by mapped address, dropped ones last; at one address by
 * decorated name. */
static int cmp_pub(const void *a, const void *b)
{
	const struct pdb_pub *x = a, *y = b;

	if (x->mapped != y->mapped)
		return x->mapped ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return strcmp(x->decorated, y->decorated);
}

/* Adds the publics, except those where a FUNC starts: the FUNC has the
 * better name (the public's is decorated).  Of several at one address the
 * module keeps the first added: as Breakpad, the one whose decorated name
 * is smallest ("__NLG_Dispatch" before "__NLG_Dispatch2"). */
static enum sym_code pdb_add_publics(struct pdb_ctx *c, struct sym_err *err)
{
	uint64_t *starts;
	size_t n = c->m->groups.n, i;
	enum sym_code result = SYM_OK;

	starts = malloc((n + 1) * sizeof(*starts));
	if (!starts)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
	for (i = 0; i < n; i++)
		starts[i] = c->m->groups.v[i].faddr;
	qsort(starts, n, sizeof(*starts), cmp_u64);
	for (i = 0; i < c->npubs; i++) {
		c->pubs[i].to = c->pubs[i].rva;
		c->pubs[i].mapped = !c->omap || pdb_omap_addr(c->omap, c->pubs[i].rva,
							      &c->pubs[i].to);
	}
	c->pubs_by_rva = SIZE_MAX;
	if (c->npubs)
		qsort(c->pubs, c->npubs, sizeof(*c->pubs), cmp_pub);
	for (i = 0; i < c->npubs && c->pubs[i].mapped; i++) {
		uint64_t key = c->pubs[i].to;
		if (n && bsearch(&key, starts, n, sizeof(*starts), cmp_u64))
			continue;
		if (module_add_public_params(c->m, key, c->pubs[i].name, c->pubs[i].params) < 0) {
			result = sym_fail(err, SYM_ENOMEM,
					  "cannot read PDB '%s': out of memory", c->path);
			break;
		}
	}
	free(starts);
	return result;
}

/* ---- modules ---------------------------------------------------------
 *
 * The DBI's module list is read first; then each module stream is read
 * into a log of its own (pdb_mod_read()), on the pool's workers when it has
 * any, with its warnings kept beside it, and the logs are added to the
 * module in module order (pdb_mod_apply()), each after its warnings, by
 * whichever thread ends the next one in that order (ordered.h): so the
 * output and the warnings are those of reading the streams one after the
 * other. */

struct modpiece {
	uint32_t stream, sym_bytes, c11_bytes, c13_bytes;
	const char *modname;		/* in the DBI stream */
	bool again;			/* the stream of a module before */
	struct pdb_modlog *log;
	char *warns;			/* open_memstream() */
	size_t nwarns;
	enum sym_code rc;
	struct sym_err err;
};

struct modjob {
	struct pdb_ctx *c;
	/* what the readers copy: *c as it was before the job, which they
	 * cannot read while merges change it (inline origins, folded
	 * functions) */
	struct pdb_ctx readers;
	struct modpiece *v;
	size_t n, cap;
	bool keep_warns;		/* warnings kept in the pieces (on a pool) */
	enum sym_code rc;		/* of the piece that stopped the job */
	struct sym_err err;
};

static void modpiece_run(void *ctx, size_t i)
{
	struct modjob *j = ctx;
	struct modpiece *pc = &j->v[i];
	struct pdb_ctx c = j->readers;	/* warnings and nomem of its own */
	FILE *w = NULL;

	sym_err_clear(&pc->err);
	if (pc->again)
		return;
	if (!(pc->log = pdb_modlog_new()) ||
	    (j->keep_warns && !(w = open_memstream(&pc->warns, &pc->nwarns)))) {
		pc->rc = sym_fail(&pc->err, SYM_ENOMEM, "cannot read PDB '%s': out of memory",
				  c.path);
		return;
	}
	c.warn_to = w;
	pc->rc = pdb_mod_read(&c, pc->stream, pc->modname, pc->sym_bytes, pc->c11_bytes,
			      pc->c13_bytes, pc->log, &pc->err);
	if (w && fclose(w) != 0 && !pc->rc)
		pc->rc = sym_fail(&pc->err, SYM_ENOMEM, "cannot read PDB '%s': out of memory",
				  c.path);
}

static bool modpiece_merge(void *ctx, size_t i)
{
	struct modjob *j = ctx;
	struct modpiece *pc = &j->v[i];

	if (pc->again)
		pdb_warn(j->c, "module '%s': stream %u already read for another module",
			 pc->modname, pc->stream);
	if (pc->warns)
		fwrite(pc->warns, 1, pc->nwarns, stderr);
	if (!pc->rc && !pc->again)
		pc->rc = pdb_mod_apply(j->c, pc->log, &pc->err);
	pdb_modlog_free(pc->log);
	pc->log = NULL;
	free(pc->warns);
	pc->warns = NULL;
	if (pc->rc) {
		j->rc = pc->rc;
		j->err = pc->err;
		return false;
	}
	return true;
}

static const struct ordered_ops modpiece_ops = { modpiece_run, modpiece_merge };

static enum sym_code pdb_read_modules(struct pdb_ctx *c, struct sym_err *err)
{
	struct pdb *p = c->p;
	struct cursor cur = cursor_make(p->dbi + p->modi_off, p->modi_len, false);
	struct modjob j;
	struct pool *pool = c->opt->pool;
	size_t i, by_worker = 0;
	bool truncated = false;
	uint8_t *seen;	/* streams already read: a damaged DBI may repeat one */

	memset(&j, 0, sizeof(j));
	j.c = c;
	j.readers = *c;
	j.readers.m = NULL;		/* pdb_mod_apply()'s */
	j.readers.nomem = false;
	seen = calloc(p->msf.nstreams / 8 + 1, 1);
	if (!seen)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);

	while (cursor_left(&cur) >= DBI_MODI_FIXED) {
		struct modpiece pc;
		size_t start = cur.pos;

		memset(&pc, 0, sizeof(pc));
		cursor_skip(&cur, 4 + 28 + 2);	/* unused, section contribution, flags */
		pc.stream = cursor_u16(&cur);
		pc.sym_bytes = cursor_u32(&cur);
		pc.c11_bytes = cursor_u32(&cur);
		pc.c13_bytes = cursor_u32(&cur);
		cursor_skip(&cur, 2 + 2 + 4 + 4 + 4);
		pc.modname = cursor_cstr(&cur);
		cursor_cstr(&cur);	/* object file */
		if (cur.bad) {
			/* said after the modules before it are read */
			truncated = true;
			cur.pos = start;
			break;
		}
		cursor_skip(&cur, (4 - cur.pos % 4) % 4);
		if (pc.stream == 0xFFFF || !pdb_msf_has(&p->msf, pc.stream))
			continue;
		pc.again = (seen[pc.stream / 8] & (1u << (pc.stream % 8))) != 0;
		seen[pc.stream / 8] |= (uint8_t)(1u << (pc.stream % 8));
		if (vec_push(j, pc) < 0) {
			j.rc = sym_fail(&j.err, SYM_ENOMEM, "cannot read PDB '%s': out of memory",
					c->path);
			goto out;
		}
	}
	if (pool) {
		struct ordered *o;

		j.keep_warns = c->opt->verbose;
		o = ordered_start(pool, j.n, ordered_window(pool), &modpiece_ops, &j);
		if (!o) {
			j.rc = sym_fail(&j.err, SYM_ENOMEM, "cannot read PDB '%s': out of memory",
					c->path);
			goto out;
		}
		ordered_drain(o);
		by_worker = ordered_by_worker(o);
		ordered_free(o);
	} else {
		/* what a job does on a pool without workers */
		for (i = 0; i < j.n; i++) {
			modpiece_run(&j, i);
			if (!modpiece_merge(&j, i))
				break;
		}
	}
	if (truncated && !j.rc)
		pdb_warn(c, "DBI module info truncated at 0x%zx", cur.pos);
	if (getenv("SYM_TEST_PDB_STATS"))
		fprintf(stderr, "dumpsyms: stats: PDB: %zu module streams, %zu read by a worker\n",
			j.n, by_worker);
out:
	for (i = 0; i < j.n; i++) {
		pdb_modlog_free(j.v[i].log);
		free(j.v[i].warns);
	}
	free(j.v);
	free(seen);
	if (j.rc)
		sym_fail(err, j.rc, "%s", j.err.msg);
	return j.rc;
}

/* ---- STACK WIN ------------------------------------------------------- */

static enum sym_code pdb_read_frames(struct pdb_ctx *c, struct sym_err *err)
{
	struct pdb_stream fpo = { 0 }, fd = { 0 };
	struct sym_err e;
	enum sym_code result = SYM_OK;

	sym_err_clear(&e);
	if (pdb_dbg_has(c->p, DBG_FPO))
		result = pdb_msf_stream(&c->p->msf, pdb_dbg_stream(c->p, DBG_FPO), "FPO", &fpo,
					&e);
	if (result == SYM_OK && pdb_dbg_has(c->p, DBG_FRAMEDATA))
		result = pdb_msf_stream(&c->p->msf, pdb_dbg_stream(c->p, DBG_FRAMEDATA),
					"FrameData", &fd, &e);
	if (result == SYM_ENOMEM) {
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", c->path);
		goto out;
	}
	if (result != SYM_OK) {
		pdb_warn(c, "%s", e.msg);
		result = SYM_OK;
		goto out;
	}
	if (fpo.len || fd.len)
		result = pdb_frames_read(c->path, fpo.data, fpo.len, fd.data, fd.len, c->names,
					 c->names_len, c->omap, c->m, c->opt->verbose, err);
out:
	pdb_stream_release(&fpo);
	pdb_stream_release(&fd);
	return result;
}

/* ---- reading --------------------------------------------------------- */

enum sym_code pdb_read(struct pdb *p, struct module *m, const struct pdb_read_options *opt,
		       struct sym_err *err)
{
	struct pdb_ctx c;
	struct pdb_stream tpi = { 0 }, ipi = { 0 };
	struct sym_err e;
	enum sym_code result;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.m = m;
	c.opt = opt;
	c.path = p->path;
	c.x86 = p->machine == 0x14C;
	if (!p->has_dbi)
		return sym_fail(err, SYM_EFORMAT, "cannot read PDB '%s': no DBI stream", p->path);

	if (p->fastlink)
		pdb_warn(&c, "linked with /DEBUG:FASTLINK: types and lines are in the object files, not here");
	pdb_read_names(&c);
	result = pdb_setup_addresses(&c, err);
	if (result != SYM_OK)
		goto out;

	/* types: damage loses only argument lists */
	sym_err_clear(&e);
	if (pdb_msf_stream(&p->msf, PDB_STREAM_TPI, "TPI", &tpi, &e) != SYM_OK ||
	    pdb_msf_stream(&p->msf, PDB_STREAM_IPI, "IPI", &ipi, &e) != SYM_OK) {
		if (e.code == SYM_ENOMEM) {
			result = sym_fail(err, SYM_ENOMEM,
					  "cannot read PDB '%s': out of memory", p->path);
			goto out;
		}
		pdb_warn(&c, "%s", e.msg);
	}
	result = pdb_types_open(&c.types, c.path, tpi.data, tpi.len, ipi.data, ipi.len, err);
	if (result != SYM_OK)
		goto out;

	result = pdb_read_publics(&c, err);
	if (result == SYM_OK)
		result = pdb_read_modules(&c, err);
	if (result == SYM_OK)
		result = pdb_add_publics(&c, err);
	if (result == SYM_OK)
		result = pdb_read_frames(&c, err);
	if (result == SYM_OK && c.nomem)
		result = sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", p->path);
out:
	pdb_types_free(c.types);
	pdb_omap_free(c.omap);
	pdb_stream_release(&tpi);
	pdb_stream_release(&ipi);
	free(c.secs);
	pdb_stream_release(&c.names_stream);
	free(c.params);
	free(c.pubs);
	free(c.origins.keys);
	free(c.origins.vals);
	free(c.starts.keys);
	free(c.starts.vals);
	return result;
}
