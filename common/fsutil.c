#include "config.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum sym_code mkdir_p(const char *dir, struct sym_err *err)
{
	char *p = strdup(dir), *s;
	struct stat st;

	if (!p)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char save = *s;
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				int e = errno;
				/* a full disk is told apart: servers answer it with 507 */
				enum sym_code c = sym_errno_code(e);
				sym_fail(err, c, "cannot create directory '%s': %s", p, strerror(e));
				free(p);
				return c;
			}
			*s = save;
			if (!save)
				break;
		}
	}
	if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
		sym_fail(err, SYM_EIO, "'%s' is not a directory", p);
		free(p);
		return SYM_EIO;
	}
	free(p);
	return SYM_OK;
}

enum sym_code fsync_dir(const char *dir, struct sym_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e;

	if (fd >= 0 && fsync(fd) == 0) {
		close(fd);
		return SYM_OK;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	return sym_fail(err, sym_errno_code(e),
			"cannot sync directory '%s': %s", dir, strerror(e));
}

enum sym_code atomic_open(struct atomic_file *af, const char *path, struct sym_err *err)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;

	af->fd = -1;
	af->path = strdup(path);
	af->tmp = malloc(dirlen + strlen(base) + 16);
	if (!af->path || !af->tmp) {
		free(af->path);
		free(af->tmp);
		af->path = af->tmp = NULL;
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	memcpy(af->tmp, path, dirlen);
	snprintf(af->tmp + dirlen, strlen(base) + 16, ".%s.XXXXXX", base);
	af->fd = mkstemp(af->tmp);
	if (af->fd < 0) {
		sym_fail(err, SYM_EIO, "cannot create a temporary file next to '%s': %s",
			 path, strerror(errno));
		free(af->path);
		free(af->tmp);
		af->path = af->tmp = NULL;
		return SYM_EIO;
	}
	fchmod(af->fd, 0644);
	return SYM_OK;
}

enum sym_code atomic_commit(struct atomic_file *af, struct sym_err *err)
{
	enum sym_code rc = SYM_OK;

	if (fsync(af->fd) != 0)
		rc = sym_fail(err, SYM_EIO, "cannot write '%s': %s", af->path, strerror(errno));
	if (close(af->fd) != 0 && rc == SYM_OK)
		rc = sym_fail(err, SYM_EIO, "cannot write '%s': %s", af->path, strerror(errno));
	af->fd = -1;
	if (rc == SYM_OK && rename(af->tmp, af->path) != 0)
		rc = sym_fail(err, SYM_EIO, "cannot rename the output into '%s': %s",
			      af->path, strerror(errno));
	if (rc != SYM_OK)
		unlink(af->tmp);
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	return rc;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp)
		unlink(af->tmp);
	free(af->path);
	free(af->tmp);
	af->fd = -1;
	af->path = af->tmp = NULL;
}

bool store_name_ok(const char *name)
{
	const unsigned char *p;

	if (!name || !*name || strlen(name) > 255 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || strchr("\\^`<>{}[]#%\"'|/", *p))
			return false;
	return true;
}

char *sym_file_name(const char *debug_file)
{
	size_t n = strlen(debug_file);
	char *s = malloc(n + 5);

	if (!s)
		return NULL;
	if (n >= 4 && strcasecmp(debug_file + n - 4, ".pdb") == 0) {
		memcpy(s, debug_file, n - 4);
		memcpy(s + n - 4, ".sym", 5);
	} else {
		memcpy(s, debug_file, n);
		memcpy(s + n, ".sym", 5);
	}
	return s;
}

enum sym_code store_path(const char *root, const char *debug_file,
			 const char *debug_id, char **out, struct sym_err *err)
{
	char *dir, *name;
	size_t n;
	enum sym_code rc;

	*out = NULL;
	if (!store_name_ok(debug_file))
		return sym_fail(err, SYM_EFORMAT, "module name '%s' cannot be stored as a directory name",
				debug_file);
	if (!store_name_ok(debug_id))
		return sym_fail(err, SYM_EFORMAT, "debug id '%s' cannot be stored as a directory name",
				debug_id);
	name = sym_file_name(debug_file);
	n = strlen(root) + strlen(debug_file) + strlen(debug_id) + 4;
	dir = malloc(n);
	if (!name || !dir) {
		free(name);
		free(dir);
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	snprintf(dir, n, "%s/%s/%s", root, debug_file, debug_id);
	rc = mkdir_p(dir, err);
	if (rc == SYM_OK) {
		n = strlen(dir) + strlen(name) + 2;
		*out = malloc(n);
		if (*out)
			snprintf(*out, n, "%s/%s", dir, name);
		else
			rc = sym_fail(err, SYM_ENOMEM, "out of memory");
	}
	free(name);
	free(dir);
	return rc;
}
