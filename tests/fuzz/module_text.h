/* module_text.h - the .sym text a module writes, for the fuzz targets
 * that compare two reads of one input. */
#ifndef SYM_FUZZ_MODULE_TEXT_H
#define SYM_FUZZ_MODULE_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "module.h"
#include "outbuf.h"

/* module_write()'s text (malloc'ed, *n bytes); aborts when it cannot be
 * had, so that a comparison never passes by default. */
static char *module_text(struct module *m, size_t *n)
{
	struct outbuf ob;
	int fd = memfd_create("fuzz-sym", 0);
	off_t len;
	char *t;

	if (fd < 0 || outbuf_init(&ob, fd) != 0)
		abort();
	module_write(m, &ob);
	if (outbuf_finish(&ob) != 0)
		abort();
	len = lseek(fd, 0, SEEK_END);
	if (len < 0 || !(t = malloc((size_t)len + 1)) ||
	    pread(fd, t, (size_t)len, 0) != (ssize_t)len)
		abort();
	close(fd);
	*n = (size_t)len;
	return t;
}

#endif
