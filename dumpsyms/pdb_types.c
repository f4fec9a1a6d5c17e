/* pdb_types.c - names from a PDB's TPI and IPI streams.
 *
 * SKELETON: returns names unchanged and no inlinee names; filled in below
 * in later commits.
 */
#include "config.h"
#include "pdb_types.h"

#include <stdlib.h>
#include <string.h>

struct pdb_types {
	const char *path;
};

enum sym_code pdb_types_open(struct pdb_types **out, const char *path, const uint8_t *tpi,
			     size_t tpi_len, const uint8_t *ipi, size_t ipi_len,
			     struct sym_err *err)
{
	struct pdb_types *t;

	(void)tpi;
	(void)tpi_len;
	(void)ipi;
	(void)ipi_len;
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
	t->path = path;
	*out = t;
	return SYM_OK;
}

void pdb_types_free(struct pdb_types *t)
{
	free(t);
}

char *pdb_types_func_name(const struct pdb_types *t, const char *name, uint32_t ti)
{
	(void)t;
	(void)ti;
	return strdup(name);
}

char *pdb_types_inlinee_name(const struct pdb_types *t, uint32_t id)
{
	(void)t;
	(void)id;
	return NULL;
}
