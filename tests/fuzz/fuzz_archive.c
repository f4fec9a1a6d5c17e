/* fuzz_archive.c - libFuzzer entry point for the archives of POST /upload
 * (symserver/upload.c's archive_walk(): libarchive's zip, tar and tar.gz
 * readers, the entry type and path checks, archive_path_ok(), the
 * expansion budget).  One input is one archive, given through a memfd as
 * the server gives the temporary file the form's archive field went to.
 * Checked: an entry whose bytes are read has a path that is a store key
 * (<debug_file>/<debug_id>/<the debug file's .sym name>, each a valid
 * store name, no "." or ".." parts, not absolute), the bytes handed over never pass the
 * budget, and the walk stops after a bomb.  The bytes of each entry go
 * through the .sym grammar check, as the store's upload does.  The
 * header checksums of a plain tar are set right first (fix_tar()).  Any crash, hang, leak,
 * sanitizer report or broken property is a bug. */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fsutil.h"
#include "server.h"
#include "symfile.h"
#include "upload_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	struct archive_walker w;
	struct symcheck check;	/* what the store's upload does with the bytes */
	uint64_t fed;		/* bytes handed to data() */
	bool in_entry;		/* data() may be called */
	bool bombed;
};

static void on_data(void *ctx, const void *buf, size_t n)
{
	struct walk *k = ctx;

	k->fed += n;
	symcheck_feed(&k->check, buf, n);
	if (k->bombed || k->fed > k->w.budget)
		__builtin_trap();
}

static bool part_ok(const char *s)
{
	return *s && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && !strchr(s, '/') &&
	       store_name_ok(s);
}

static bool on_entry(void *ctx, const struct archive_item *it)
{
	struct walk *k = ctx;
	char mod[FIELD_MAX], id[FIELD_MAX], name[FIELD_MAX], *want;

	if (k->bombed || !it->path || (!it->read && !it->err) || (it->bomb && !it->read))
		__builtin_trap();
	if (it->read) {
		if (it->path[0] == '/' || !archive_path_ok(it->path, mod, id, name) || strcmp(mod, it->mod) != 0 ||
		    strcmp(id, it->id) != 0 || strcmp(name, it->name) != 0 || !part_ok(mod) ||
		    !part_ok(name) || !server_valid_id(id))
			__builtin_trap();
		want = sym_file_name(mod);
		if (!want || strcasecmp(want, name) != 0)
			__builtin_trap();
		free(want);
	}
	k->bombed = it->bomb;
	symcheck_release(&k->check);
	symcheck_init(&k->check);
	return true;
}

/* A tar's headers carry a checksum, which almost every mutation of a
 * path breaks: the checksums of an uncompressed tar's headers are set
 * right (in a copy), so that mutated paths reach the checks. */
static void fix_tar(uint8_t *d, size_t size)
{
	size_t off = 0;

	while (off + 512 <= size && memcmp(d + off + 257, "ustar", 5) == 0) {
		uint8_t *h = d + off;
		unsigned sum = 8 * ' ';
		uint64_t len = 0;
		int i;

		for (i = 0; i < 512; i++)
			if (i < 148 || i >= 156)
				sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum & 0777777);
		h[155] = ' ';
		for (i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
			len = len * 8 + (uint64_t)(h[i] - '0');
		if (len > size)
			break;
		off += 512 + (size_t)((len + 511) / 512 * 512);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	uint8_t *copy = malloc(size ? size : 1);
	struct walk k = { 0 };
	enum archive_walk_result res;

	if (fd < 0 && (fd = memfd_create("fuzz_archive", MFD_CLOEXEC)) < 0)
		abort();
	if (!copy)
		abort();
	memcpy(copy, data, size);
	fix_tar(copy, size);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, copy, size, 0) != (ssize_t)size)
		abort();
	free(copy);
	k.w.ctx = &k;
	k.w.data = on_data;
	k.w.entry = on_entry;
	/* upload.c's ratio, with a smaller floor so that bombs are quick */
	k.w.budget = (uint64_t)size * 200 < (1u << 20) ? 1u << 20 : (uint64_t)size * 200;
	symcheck_init(&k.check);
	res = archive_walk(fd, &k.w);
	symcheck_release(&k.check);
	if (k.w.total < k.fed || (res == WALK_STOPPED) != k.bombed || res == WALK_NOMEM)
		__builtin_trap();
	return 0;
}
