/* pdb_omap.c - OMAP address translation.
 *
 * SKELETON: the identity mapping; filled in by later commits.
 */
#include "config.h"
#include "pdb_omap.h"

#include <stdlib.h>

struct pdb_omap {
	uint32_t image_size;
};

enum sym_code pdb_omap_open(struct pdb_omap **out, const char *path, const uint8_t *to_src,
			    size_t to_len, const uint8_t *from_src, size_t from_len,
			    uint32_t orig_image_len, uint32_t image_size, struct sym_err *err)
{
	struct pdb_omap *o;

	(void)to_src;
	(void)to_len;
	(void)from_src;
	(void)from_len;
	(void)orig_image_len;
	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return sym_fail(err, SYM_ENOMEM, "cannot read PDB '%s': out of memory", path);
	o->image_size = image_size;
	*out = o;
	return SYM_OK;
}

void pdb_omap_free(struct pdb_omap *o)
{
	free(o);
}

int pdb_omap_range(const struct pdb_omap *o, uint32_t rva, uint32_t len,
		   int (*fn)(void *ctx, uint32_t rva, uint32_t len), void *ctx)
{
	(void)o;
	if (len == 0)
		return 0;
	return fn(ctx, rva, len);
}

bool pdb_omap_addr(const struct pdb_omap *o, uint32_t rva, uint32_t *out)
{
	(void)o;
	*out = rva;
	return true;
}
