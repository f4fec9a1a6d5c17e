/* pdb_frame.c - STACK WIN records from the FPO and FrameData streams.
 *
 * SKELETON: adds no records yet; filled in by later commits.
 */
#include "config.h"
#include "pdb_frame.h"

enum sym_code pdb_frames_read(const char *path, const uint8_t *fpo, size_t fpo_len,
			      const uint8_t *framedata, size_t framedata_len, const char *names,
			      size_t names_len, const struct pdb_omap *omap, struct module *m,
			      bool verbose, struct sym_err *err)
{
	(void)path;
	(void)fpo;
	(void)fpo_len;
	(void)framedata;
	(void)framedata_len;
	(void)names;
	(void)names_len;
	(void)omap;
	(void)m;
	(void)verbose;
	(void)err;
	return SYM_OK;
}
