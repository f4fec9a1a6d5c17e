/* xz.c - xz decoding for MiniDebugInfo.  The format is liblzma's (a
 * well-kept library, Debian's liblzma-dev): this file only drives it over
 * a buffer and caps what comes out, so that an xz bomb costs at most the
 * cap in memory and the time to produce it.
 *
 * The caller owns the output buffer; the decoder state is freed here on
 * every path. */
#include "config.h"
#include "xz.h"

#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>

/* What the decoder itself may allocate (the dictionary: xz -9 uses 64 MiB). */
#define XZ_MEMLIMIT ((uint64_t)256 << 20)

/* The first output buffer: symbol tables compress about 4 to 1. */
#define XZ_FIRST_OUT ((size_t)64 << 10)

/* The uncompressed size the index of the last stream in the n bytes at in
 * declares, or 0 when it cannot be read (decoding then says what is
 * wrong).  A first look, to refuse a bomb before decoding it: an index
 * may lie, so the decoder's output stays capped. */
static uint64_t xz_declared_size(const uint8_t *in, size_t n)
{
	lzma_stream_flags f;
	lzma_index *idx = NULL;
	uint64_t memlimit = (uint64_t)16 << 20, size;
	size_t pos = 0;

	/* stream padding: zero bytes, four at a time */
	while (n >= 4 && !in[n - 1] && !in[n - 2] && !in[n - 3] && !in[n - 4])
		n -= 4;
	if (n < 2 * LZMA_STREAM_HEADER_SIZE ||
	    lzma_stream_footer_decode(&f, in + n - LZMA_STREAM_HEADER_SIZE) != LZMA_OK ||
	    f.backward_size > n - 2 * LZMA_STREAM_HEADER_SIZE)
		return 0;
	if (lzma_index_buffer_decode(&idx, &memlimit, NULL, in + n - LZMA_STREAM_HEADER_SIZE - f.backward_size,
				     &pos, (size_t)f.backward_size) != LZMA_OK)
		return 0;
	size = lzma_index_uncompressed_size(idx);
	lzma_index_end(idx, NULL);
	return size;
}

enum sym_code xz_decode(const uint8_t *in, size_t n, size_t max, const char *what,
			uint8_t **out, size_t *len, struct sym_err *err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	enum sym_code rc = SYM_OK;
	uint8_t *buf = NULL, spare;
	size_t cap = 0, used = 0;
	bool past_cap = false;	/* the decoder writes into spare: buf is full */
	uint64_t declared;
	lzma_ret r;

	*out = NULL;
	*len = 0;
	declared = xz_declared_size(in, n);
	if (declared > max)
		return sym_fail(err, SYM_ELIMIT, "%s declares %llu bytes uncompressed, more than the %zu %s "
				"a symbol table can be (an xz bomb?)", what, (unsigned long long)declared,
				max % ((size_t)1 << 20) ? max : max >> 20,
				max % ((size_t)1 << 20) ? "bytes" : "MiB");
	r = lzma_stream_decoder(&s, XZ_MEMLIMIT, LZMA_CONCATENATED);
	if (r != LZMA_OK)
		return sym_fail(err, r == LZMA_MEM_ERROR ? SYM_ENOMEM : SYM_EFORMAT,
				"cannot start the xz decoder for %s (liblzma error %d)", what, (int)r);
	s.next_in = in;
	s.avail_in = n;
	for (;;) {
		if (s.avail_out == 0) {
			if (past_cap)
				goto too_big;
			used = buf ? (size_t)(s.next_out - buf) : 0;
			if (buf && used == max) {
				/* full at the cap: one more byte says the data
				 * goes on */
				s.next_out = &spare;
				s.avail_out = 1;
				past_cap = true;
			} else {
				/* first what the index says, if it says */
				size_t ncap = !cap ? (declared ? (size_t)declared
							  : XZ_FIRST_OUT < max ? XZ_FIRST_OUT : max)
					     : cap > max / 2 ? max : cap * 2;
				uint8_t *nb = realloc(buf, ncap ? ncap : 1);

				if (!nb) {
					rc = sym_fail(err, SYM_ENOMEM, "out of memory decompressing %s", what);
					goto out;
				}
				buf = nb;
				cap = ncap;
				s.next_out = buf + used;
				s.avail_out = cap - used;
			}
		}
		r = lzma_code(&s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		switch (r) {
		case LZMA_BUF_ERROR:
			rc = sym_fail(err, SYM_ETRUNC, "%s is a truncated xz stream", what);
			break;
		case LZMA_MEM_ERROR:
			rc = sym_fail(err, SYM_ENOMEM, "out of memory decompressing %s", what);
			break;
		case LZMA_MEMLIMIT_ERROR:
			rc = sym_fail(err, SYM_ELIMIT, "%s needs more than %llu MiB to decompress",
				      what, (unsigned long long)(XZ_MEMLIMIT >> 20));
			break;
		case LZMA_FORMAT_ERROR:
			rc = sym_fail(err, SYM_EFORMAT, "%s is not xz data", what);
			break;
		case LZMA_OPTIONS_ERROR:
			rc = sym_fail(err, SYM_EUNSUP, "%s uses xz options liblzma does not support", what);
			break;
		case LZMA_UNSUPPORTED_CHECK:
			rc = sym_fail(err, SYM_EUNSUP, "%s uses an xz integrity check liblzma does not support", what);
			break;
		default:
			rc = sym_fail(err, SYM_EFORMAT, "%s is corrupt xz data (liblzma error %d)", what, (int)r);
			break;
		}
		goto out;
	}
	if (past_cap && s.avail_out == 0)
		goto too_big;
	*len = past_cap ? used : (size_t)(s.next_out - buf);
	*out = buf;
	buf = NULL;
	goto out;
too_big:
	if (max % ((size_t)1 << 20) == 0)
		rc = sym_fail(err, SYM_ELIMIT, "%s decompresses to more than %zu MiB, more than a symbol "
			      "table can be (an xz bomb?)", what, max >> 20);
	else
		rc = sym_fail(err, SYM_ELIMIT, "%s decompresses to more than %zu bytes (an xz bomb?)",
			      what, max);
out:
	lzma_end(&s);
	free(buf);
	return rc;
}
