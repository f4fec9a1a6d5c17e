/* pdb-driver.c - runs the PDB reader alone: pdb-driver [-d] [-v] FILE.pdb
 * writes the .sym text (MODULE line from the PDB's ids) to stdout.  Exits
 * 1 with the reader's message when the PDB cannot be read.  A test tool
 * until dumpsyms reads PDBs itself. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "outbuf.h"
#include "pdb.h"

static unsigned char *slurp(const char *path, size_t *lenp)
{
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	*lenp = len;
	return buf ? buf : malloc(1);
}

int main(int argc, char **argv)
{
	struct pdb_read_options opt = { false, false, NULL, 0, NULL };
	struct module m;
	struct outbuf ob;
	struct sym_err err;
	struct pdb *p = NULL;
	const char *path = NULL, *base, *arch;
	unsigned char *buf;
	uint8_t guid[16];
	uint32_t age;
	size_t len = 0;
	int i, rc = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-d"))
			opt.inlines = true;
		else if (!strcmp(argv[i], "-v"))
			opt.verbose = true;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: pdb-driver [-d] [-v] FILE.pdb\n");
		return 2;
	}
	buf = slurp(path, &len);
	if (!buf) {
		fprintf(stderr, "pdb-driver: cannot read '%s'\n", path);
		return 2;
	}
	sym_err_clear(&err);
	module_init(&m);
	if (pdb_open(&p, path, buf, len, &err) != SYM_OK)
		goto out;
	pdb_ident(p, guid, &age);
	snprintf(m.debug_id, sizeof(m.debug_id), "%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%X",
		 (unsigned)(guid[0] | guid[1] << 8 | guid[2] << 16 | (uint32_t)guid[3] << 24),
		 (unsigned)(guid[4] | guid[5] << 8), (unsigned)(guid[6] | guid[7] << 8), guid[8],
		 guid[9], guid[10], guid[11], guid[12], guid[13], guid[14], guid[15], age);
	base = strrchr(path, '/');
	m.name = base ? base + 1 : path;
	m.os = "windows";
	arch = pdb_arch(p);
	m.arch = arch ? arch : "unknown";
	m.multiple = true;
	m.inline_records = opt.inlines;
	if (pdb_read(p, &m, &opt, &err) != SYM_OK || module_finish(&m, &err) != SYM_OK)
		goto out;
	if (outbuf_init(&ob, 1) < 0)
		goto out;
	module_write(&m, &ob);
	rc = outbuf_finish(&ob) ? 1 : 0;
out:
	if (rc && err.code != SYM_OK)
		fprintf(stderr, "pdb-driver: %s\n", err.msg);
	pdb_close(p);
	module_release(&m);
	free(buf);
	return rc;
}
