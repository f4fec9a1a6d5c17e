/* blob_fs.c - blobs as files: DIR/blobs/ab/cdef..., written in DIR/tmp/
 * and renamed into place.  Durability is in the order of the system calls
 * (tests/symserver/102-durability.sh checks it under strace): the file is
 * fsynced before its rename, a new shard directory's name is fsynced in
 * blobs/ before the rename, and the shard is fsynced after it. */
#include "config.h"
#include "blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

struct fs_store {
	struct blob_store base;
	char *dir;			/* the store: blobs/ and tmp/ are in it */
};

struct fs_writer {
	struct blob_writer base;
	struct fs_store *s;
	int fd;
	char tmp[4096];			/* "" once renamed or removed */
};

struct fs_reader {
	struct blob_reader base;
	int fd;
};

static void blob_path(const struct fs_store *s, const char *hash, char *out, size_t cap)
{
	snprintf(out, cap, "%s/blobs/%.2s/%s", s->dir, hash, hash + 2);
}

static enum sym_code fs_begin(struct blob_store *b, struct blob_writer **out, struct sym_err *err)
{
	struct fs_store *s = (struct fs_store *)b;
	struct fs_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	w->base.ops = b->ops;
	w->s = s;
	snprintf(w->tmp, sizeof(w->tmp), "%s/tmp/upload.XXXXXX", s->dir);
	w->fd = mkstemp(w->tmp);
	if (w->fd < 0) {
		int e = errno;
		free(w);
		return sym_fail(err, sym_errno_code(e), "cannot create a temporary file in '%s/tmp': %s",
				s->dir, strerror(e));
	}
	*out = &w->base;
	return SYM_OK;
}

static enum sym_code fs_write(struct blob_writer *bw, const void *p, size_t n, struct sym_err *err)
{
	struct fs_writer *w = (struct fs_writer *)bw;
	const char *c = p;

	while (n) {
		ssize_t k = write(w->fd, c, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			return sym_fail(err, sym_errno_code(e), "cannot write to the store: %s", strerror(e));
		}
		c += k;
		n -= (size_t)k;
	}
	return SYM_OK;
}

static void fs_abort(struct blob_writer *bw)
{
	struct fs_writer *w = (struct fs_writer *)bw;

	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp[0])
		unlink(w->tmp);
	free(w);
}

static enum sym_code fs_commit(struct blob_writer *bw, const struct blob_key *k, uint64_t *size,
			       struct sym_err *err)
{
	const char *hash = k->hash;
	struct fs_writer *w = (struct fs_writer *)bw;
	struct fs_store *s = w->s;
	char path[4096], dir[4096];
	struct stat st;
	bool new_dir;
	int fd = w->fd;

	w->fd = -1;
	if (fstat(fd, &st) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		sym_fail(err, sym_errno_code(e), "cannot write the blob: %s", strerror(e));
		goto fail;
	}
	*size = (uint64_t)st.st_size;
	if (close(fd) != 0) {
		int e = errno;
		sym_fail(err, sym_errno_code(e), "cannot write the blob: %s", strerror(e));
		goto fail;
	}
	blob_path(s, hash, path, sizeof(path));
	snprintf(dir, sizeof(dir), "%s/blobs/%.2s", s->dir, hash);
	new_dir = stat(dir, &st) != 0;
	if (mkdir_p(dir, err) != SYM_OK)
		goto fail;
	if (new_dir) {
		/* the shard directory's own name, in blobs/ */
		char parent[sizeof(dir)];

		snprintf(parent, sizeof(parent), "%s/blobs", s->dir);
		if (fsync_dir(parent, err) != SYM_OK)
			goto fail;
	}
	if (stat(path, &st) == 0) {
		*size = (uint64_t)st.st_size;	/* identical content already stored */
	} else if (rename(w->tmp, path) != 0) {
		int e = errno;
		sym_fail(err, sym_errno_code(e), "cannot publish the blob: %s", strerror(e));
		goto fail;
	} else {
		/* renamed but maybe not durable if this fails: nothing refers
		 * to it yet, and the next commit of this content finds it */
		w->tmp[0] = '\0';
		if (fsync_dir(dir, err) != SYM_OK)
			goto fail;
	}
	fs_abort(bw);
	return SYM_OK;
fail:
	fs_abort(bw);
	return err->code ? err->code : SYM_EIO;
}

static enum sym_code fs_open(struct blob_store *b, const struct blob_key *k,
			     struct blob_reader **out, struct sym_err *err)
{
	const char *hash = k->hash;
	struct fs_store *s = (struct fs_store *)b;
	struct fs_reader *r;
	char path[4096];
	int fd;

	blob_path(s, hash, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return sym_fail(err, e == ENOENT ? SYM_ENOTFOUND : SYM_EIO, "cannot open blob %s: %s",
				hash, strerror(e));
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		close(fd);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	r->base.ops = b->ops;
	r->fd = fd;
	*out = &r->base;
	return SYM_OK;
}

static ssize_t fs_read(struct blob_reader *br, void *buf, size_t n)
{
	struct fs_reader *r = (struct fs_reader *)br;
	ssize_t k;

	do
		k = read(r->fd, buf, n);
	while (k < 0 && errno == EINTR);
	return k;
}

static void fs_close(struct blob_reader *br)
{
	struct fs_reader *r = (struct fs_reader *)br;

	close(r->fd);
	free(r);
}

static enum sym_code fs_stat(struct blob_store *b, const struct blob_key *k, uint64_t *size,
			     struct sym_err *err)
{
	const char *hash = k->hash;
	char path[4096];
	struct stat st;

	blob_path((struct fs_store *)b, hash, path, sizeof(path));
	if (stat(path, &st) != 0) {
		int e = errno;
		return sym_fail(err, e == ENOENT ? SYM_ENOTFOUND : SYM_EIO, "cannot read blob %s: %s",
				hash, strerror(e));
	}
	*size = (uint64_t)st.st_size;
	return SYM_OK;
}

static enum sym_code fs_remove(struct blob_store *b, const struct blob_key *k, struct sym_err *err)
{
	const char *hash = k->hash;
	struct fs_store *s = (struct fs_store *)b;
	char path[4096], dir[4096];

	blob_path(s, hash, path, sizeof(path));
	if (unlink(path) != 0) {
		int e = errno;
		return sym_fail(err, e == ENOENT ? SYM_ENOTFOUND : SYM_EIO, "cannot remove blob %s: %s",
				hash, strerror(e));
	}
	snprintf(dir, sizeof(dir), "%s/blobs/%.2s", s->dir, hash);
	return fsync_dir(dir, err);
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* a shard directory's name: two lower-case hex digits */
static bool shard_name(const char *n)
{
	return is_hex(n[0]) && is_hex(n[1]) && n[2] == '\0';
}

static enum sym_code fs_list(struct blob_store *b,
			     int (*fn)(void *ctx, const struct blob_key *k, uint64_t size), void *ctx,
			     struct sym_err *err)
{
	struct fs_store *s = (struct fs_store *)b;
	char path[4096], hash[65];
	struct dirent *de, *fe;
	DIR *top, *shard;
	enum sym_code rc = SYM_OK;
	int stop = 0;

	snprintf(path, sizeof(path), "%s/blobs", s->dir);
	if (!(top = opendir(path)))
		return sym_fail(err, SYM_EIO, "cannot list '%s': %s", path, strerror(errno));
	while (!stop && (de = readdir(top))) {
		if (!shard_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/blobs/%s", s->dir, de->d_name);
		if (!(shard = opendir(path))) {
			rc = sym_fail(err, SYM_EIO, "cannot list '%s': %s", path, strerror(errno));
			break;
		}
		while (!stop && (fe = readdir(shard))) {
			struct stat st;
			if (strlen(fe->d_name) != 62)
				continue;
			memcpy(hash, de->d_name, 2);
			memcpy(hash + 2, fe->d_name, 63);
			if (!blob_hash_ok(hash) || fstatat(dirfd(shard), fe->d_name, &st, 0) != 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			stop = fn(ctx, &(struct blob_key){ hash, NULL, NULL, 0 }, (uint64_t)st.st_size);
		}
		closedir(shard);
	}
	closedir(top);
	return rc;
}

static void fs_free(struct blob_store *b)
{
	struct fs_store *s = (struct fs_store *)b;

	free(s->dir);
	free(s);
}

static const struct blob_ops fs_ops = {
	.name = "fs",
	.begin = fs_begin,
	.write = fs_write,
	.commit = fs_commit,
	.abort = fs_abort,
	.open = fs_open,
	.read = fs_read,
	.close = fs_close,
	.stat = fs_stat,
	.remove = fs_remove,
	.list = fs_list,
	.free = fs_free,
};

enum sym_code blob_fs_open(struct blob_store **out, const char *dir, bool create,
			   struct sym_err *err)
{
	struct fs_store *s;
	char path[4096];

	*out = NULL;
	if (strlen(dir) > 3000)
		return sym_fail(err, SYM_EUSAGE, "store path too long");
	if (create) {
		snprintf(path, sizeof(path), "%s/blobs", dir);
		if (mkdir_p(path, err) != SYM_OK)
			return err->code;
		snprintf(path, sizeof(path), "%s/tmp", dir);
		if (mkdir_p(path, err) != SYM_OK)
			return err->code;
	}
	if (!(s = calloc(1, sizeof(*s))) || !(s->dir = strdup(dir))) {
		free(s);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	s->base.ops = &fs_ops;
	*out = &s->base;
	return SYM_OK;
}
