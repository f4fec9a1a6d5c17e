/* pe-driver.c - prints what the PE reader finds in one image, as a .sym
 * would hold it, until dumpsyms reads PE itself.
 *
 *   pe-driver [-v] [-e] FILE
 *
 * Prints "MODULE windows <arch> <GUID+age> <pdb basename>", "INFO CODE_ID
 * <TIMESTAMP><SIZEOFIMAGE> <pe basename>", with -e the exports as PUBLIC
 * records (decorated names, as stored), then the STACK CFI records of the
 * exception directory.  -v prints the readers' warnings.  Exit status 0,
 * or 1 with "pe-driver: <message>" when the image cannot be read.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"
#include "outbuf.h"
#include "pe.h"

static int read_all(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	if (!f)
		return -1;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f) || len == cap) {
		/* a read error, or no memory to grow */
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	*data = buf;
	*size = len;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s;

	for (s = p; *s; s++)
		if (*s == '/' || *s == '\\')
			p = s + 1;
	return p;
}

static int add_export(void *ctx, uint32_t rva, const char *name)
{
	struct module *m = ctx;
	const char *n = module_intern(m, name, strlen(name));

	if (!n || module_add_public(m, rva, n) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sym_err err;
	struct pe_image pe;
	struct module m;
	struct outbuf ob;
	uint8_t *data = NULL;
	size_t size = 0;
	bool verbose = false, exports = false;
	const char *path = NULL, *arch, *pdb;
	int i, rc = 1, e;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "-e") == 0)
			exports = true;
		else if (!path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fprintf(stderr, "usage: pe-driver [-v] [-e] FILE\n");
		return 2;
	}
	if (read_all(path, &data, &size) < 0) {
		fprintf(stderr, "pe-driver: cannot read '%s'\n", path);
		return 1;
	}
	sym_err_clear(&err);
	module_init(&m);
	if (pe_parse(&pe, path, data, size, &err) != SYM_OK) {
		fprintf(stderr, "pe-driver: %s\n", err.msg);
		goto out;
	}
	arch = pe_arch(&pe);
	m.os = "windows";
	m.arch = arch ? arch : "unknown";
	if (pe.has_codeview && !pe.nb10)
		snprintf(m.debug_id, sizeof(m.debug_id),
			 "%08" PRIX32 "%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%" PRIX32,
			 (uint32_t)pe.guid[0] | (uint32_t)pe.guid[1] << 8 |
				 (uint32_t)pe.guid[2] << 16 | (uint32_t)pe.guid[3] << 24,
			 pe.guid[4] | pe.guid[5] << 8, pe.guid[6] | pe.guid[7] << 8,
			 pe.guid[8], pe.guid[9], pe.guid[10], pe.guid[11], pe.guid[12],
			 pe.guid[13], pe.guid[14], pe.guid[15], pe.age);
	else if (pe.has_codeview)
		snprintf(m.debug_id, sizeof(m.debug_id), "%08" PRIX32 "%" PRIx32,
			 pe.nb10_signature, pe.age);
	else
		snprintf(m.debug_id, sizeof(m.debug_id), "%s", "000000000000000000000000000000000");
	pdb = pe.pdb_path ? base_name(pe.pdb_path) : base_name(path);
	m.name = module_intern(&m, pdb, strlen(pdb));
	snprintf(m.code_id, sizeof(m.code_id), "%08" PRIX32 "%" PRIX32, pe.timestamp,
		 pe.size_of_image);
	m.code_file = base_name(path);
	if (!m.name) {
		fprintf(stderr, "pe-driver: out of memory\n");
		goto out;
	}
	if (exports && pe_exports(&pe, verbose, add_export, &m) != 0) {
		fprintf(stderr, "pe-driver: out of memory\n");
		goto out;
	}
	if (pe_unwind_read(&pe, &m, verbose, &err) != SYM_OK ||
	    module_finish(&m, &err) != SYM_OK) {
		fprintf(stderr, "pe-driver: %s\n", err.msg);
		goto out;
	}
	if (outbuf_init(&ob, STDOUT_FILENO) < 0) {
		fprintf(stderr, "pe-driver: out of memory\n");
		goto out;
	}
	module_write(&m, &ob);
	e = outbuf_finish(&ob);
	if (e) {
		fprintf(stderr, "pe-driver: cannot write the output: %s\n", strerror(e));
		goto out;
	}
	rc = 0;
out:
	module_release(&m);
	pe_free(&pe);
	free(data);
	return rc;
}
