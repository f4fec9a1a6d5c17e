/* mdinfo.c - prints what common/minidump.c reads from a minidump, one
 * module a line: code_file|code_id|debug_file|debug_id, after an
 * "os cpu" line.  Exits 1 with the reader's message on a bad dump. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "minidump.h"

int main(int argc, char **argv)
{
	struct md_info info;
	struct sym_err err;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: mdinfo FILE.dmp\n");
		return 2;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				return 2;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	sym_err_clear(&err);
	if (md_parse(buf, len, &info, &err) != SYM_OK) {
		fprintf(stderr, "mdinfo: %s\n", err.msg);
		free(buf);
		return 1;
	}
	printf("%s %s\n", info.os, info.cpu);
	for (n = 0; n < info.nmodules; n++)
		printf("%s%s|%s|%s|%s\n", info.modules[n].unloaded ? "unloaded " : "",
		       info.modules[n].code_file, info.modules[n].code_id,
		       info.modules[n].debug_file, info.modules[n].debug_id);
	md_free(&info);
	free(buf);
	return 0;
}
