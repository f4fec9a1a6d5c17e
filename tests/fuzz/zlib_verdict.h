/* zlib_verdict.h - zlib's own verdict on a compressed section, the
 * reference that obj_inflate_whole() (libdeflate) is checked against by
 * tests/unit/unit.c and fuzz_inflate.c. */
#ifndef ZLIB_VERDICT_H
#define ZLIB_VERDICT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

/* 0 when inflate ends the stream in[0..in_size) with exactly out_size
 * bytes (into out) and no more, -1 otherwise, -3 when zlib cannot start. */
static inline int zlib_verdict(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size)
{
	z_stream zs;
	uint8_t extra;
	int r;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -3;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)in_size;
	zs.next_out = out;
	zs.avail_out = (uInt)out_size;
	r = inflate(&zs, Z_FINISH);
	if (r == Z_BUF_ERROR && zs.avail_out == 0 && zs.avail_in) {
		/* full: the stream must end here, without another byte */
		zs.next_out = &extra;
		zs.avail_out = 1;
		r = inflate(&zs, Z_FINISH);
		if (zs.avail_out == 0)
			r = Z_DATA_ERROR;
	}
	r = r == Z_STREAM_END && zs.total_out == out_size ? 0 : -1;
	inflateEnd(&zs);
	return r;
}

#endif
