/* fuzz_pdb.c - libFuzzer entry point for the PDB reader: one input is one
 * PDB, opened (MSF container, PDB info, DBI) and read whole (module
 * streams, C13 lines, inline sites with -d, publics, type names, OMAP,
 * FPO and FrameData), then written.  Any crash, hang, leak or sanitizer
 * report is a bug.
 *
 * The PDB is read a second time as dumpsyms reads it with threads (the
 * module streams through the ordered job, on a pool whose tasks this
 * thread runs, so that streams are read out of order): the result and the
 * .sym text must be the first read's, or the target aborts. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "module_text.h"
#include "pdb.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One read: the result, and the text in *text when it is SYM_OK. */
static enum sym_code read_pdb(const uint8_t *data, size_t size, struct pool *p, char **text,
			      size_t *n)
{
	struct pdb_read_options opt = { true, false, NULL, 0, p };
	struct sym_err err;
	struct module m;
	struct pdb *pdb = NULL;
	enum sym_code rc;

	*text = NULL;
	*n = 0;
	sym_err_clear(&err);
	module_init(&m);
	m.inline_records = true;
	m.multiple = true;
	m.os = "windows";
	m.arch = "x86";
	m.name = "fuzz.pdb";
	rc = pdb_open(&pdb, "fuzz.pdb", data, size, &err);
	if (rc == SYM_OK)
		rc = pdb_read(pdb, &m, &opt, &err);
	if (rc == SYM_OK)
		rc = module_finish(&m, &err);
	if (rc == SYM_OK)
		*text = module_text(&m, n);
	pdb_close(pdb);
	module_release(&m);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *p;
	char *t1, *t2;
	size_t n1, n2;
	enum sym_code rc1, rc2;

	if (!p && !(p = pool_create(0)))
		abort();
	rc1 = read_pdb(data, size, NULL, &t1, &n1);
	rc2 = read_pdb(data, size, p, &t2, &n2);
	if (rc1 != rc2 || n1 != n2 || (n1 && memcmp(t1, t2, n1) != 0)) {
		fprintf(stderr, "fuzz_pdb: the read on a pool differs: rc %d/%d, %zu/%zu bytes\n",
			(int)rc1, (int)rc2, n1, n2);
		abort();
	}
	free(t1);
	free(t2);
	return 0;
}
