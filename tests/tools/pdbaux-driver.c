/* pdbaux-driver.c - runs the PDB type-name, OMAP and STACK WIN readers on
 * raw streams extracted with `llvm-pdbutil export`, for tests.
 *
 *   pdbaux-driver names TPI IPI          stdin: "<type index> <name>" lines;
 *                                        prints pdb_types_func_name()
 *   pdbaux-driver inlinees TPI IPI       stdin: id lines (hex or decimal);
 *                                        prints pdb_types_inlinee_name()
 *   pdbaux-driver omap TO FROM ORIGLEN IMAGESIZE
 *                                        stdin: "<rva> <len>" lines (hex);
 *                                        prints "<rva> <len>" pieces (hex),
 *                                        one input line per output line
 *   pdbaux-driver frames FPO FRAMEDATA NAMES [TO FROM ORIGLEN IMAGESIZE]
 *                                        prints the STACK WIN records as
 *                                        module_write() writes them
 *
 * A stream argument of "-" is absent.  NAMES is the whole /names stream
 * (its 12-byte header is skipped here).  Exit status 0, or 1 on an error.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "module.h"
#include "outbuf.h"
#include "pdb_frame.h"
#include "pdb_omap.h"
#include "pdb_types.h"

static uint8_t *load(const char *path, size_t *len)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *f;

	*len = 0;
	if (!strcmp(path, "-"))
		return NULL;
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "pdbaux-driver: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "pdbaux-driver: out of memory\n");
				exit(1);
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int run_names(int argc, char **argv, bool inlinees)
{
	struct pdb_types *t;
	struct sym_err err;
	uint8_t *tpi, *ipi;
	size_t tpi_len, ipi_len;
	char line[4096];

	if (argc != 4)
		return 2;
	tpi = load(argv[2], &tpi_len);
	ipi = load(argv[3], &ipi_len);
	sym_err_clear(&err);
	if (pdb_types_open(&t, "test.pdb", tpi, tpi_len, ipi, ipi_len, &err)) {
		fprintf(stderr, "pdbaux-driver: %s\n", err.msg);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *end, *s;
		unsigned long ti;

		line[strcspn(line, "\n")] = '\0';
		ti = strtoul(line, &end, 0);
		if (inlinees) {
			s = pdb_types_inlinee_name(t, (uint32_t)ti);
			printf("%s\n", s ? s : "<none>");
		} else {
			while (*end == ' ')
				end++;
			s = pdb_types_func_name(t, end, (uint32_t)ti);
			printf("%s\n", s ? s : "<nomem>");
		}
		free(s);
	}
	pdb_types_free(t);
	free(tpi);
	free(ipi);
	return 0;
}

static struct pdb_omap *open_omap(char **argv)
{
	struct pdb_omap *o = NULL;
	struct sym_err err;
	uint8_t *to, *from;
	size_t to_len, from_len;

	to = load(argv[0], &to_len);
	from = load(argv[1], &from_len);
	sym_err_clear(&err);
	if (pdb_omap_open(&o, "test.pdb", to, to_len, from, from_len,
			  (uint32_t)strtoul(argv[2], NULL, 0), (uint32_t)strtoul(argv[3], NULL, 0),
			  &err)) {
		fprintf(stderr, "pdbaux-driver: %s\n", err.msg);
		exit(1);
	}
	free(to);
	free(from);
	return o;
}

static int print_piece(void *ctx, uint32_t rva, uint32_t len)
{
	int *first = ctx;

	printf("%s%" PRIx32 " %" PRIx32, *first ? "" : " ", rva, len);
	*first = 0;
	return 0;
}

static int run_omap(int argc, char **argv)
{
	struct pdb_omap *o;
	char line[256];

	if (argc != 6)
		return 2;
	o = open_omap(argv + 2);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long rva, len;
		char *end;
		int first = 1;

		rva = strtoul(line, &end, 16);
		len = strtoul(end, NULL, 16);
		if (pdb_omap_range(o, (uint32_t)rva, (uint32_t)len, print_piece, &first) < 0)
			return 1;
		printf("\n");
	}
	pdb_omap_free(o);
	return 0;
}

static int run_frames(int argc, char **argv)
{
	struct pdb_omap *o = NULL;
	struct module m;
	struct outbuf out;
	struct sym_err err;
	uint8_t *fpo, *fd, *names;
	size_t fpo_len, fd_len, names_len;
	const char *nbuf = NULL;
	size_t nlen = 0;
	int result = 0;

	if (argc != 5 && argc != 9)
		return 2;
	fpo = load(argv[2], &fpo_len);
	fd = load(argv[3], &fd_len);
	names = load(argv[4], &names_len);
	if (names && names_len >= 12) {
		uint32_t blen = (uint32_t)names[8] | (uint32_t)names[9] << 8 |
				(uint32_t)names[10] << 16 | (uint32_t)names[11] << 24;

		nbuf = (const char *)names + 12;
		nlen = blen < names_len - 12 ? blen : names_len - 12;
	}
	if (argc == 9)
		o = open_omap(argv + 5);
	module_init(&m);
	m.name = "test.pdb";
	m.os = "windows";
	m.arch = "x86";
	sym_err_clear(&err);
	if (pdb_frames_read("test.pdb", fpo, fpo_len, fd, fd_len, nbuf, nlen, o, &m, true,
			    &err) ||
	    module_finish(&m, &err)) {
		fprintf(stderr, "pdbaux-driver: %s\n", err.msg);
		result = 1;
		goto out;
	}
	if (outbuf_init(&out, STDOUT_FILENO) < 0) {
		result = 1;
		goto out;
	}
	module_write(&m, &out);
	if (outbuf_finish(&out) < 0)
		result = 1;
out:
	module_release(&m);
	pdb_omap_free(o);
	free(fpo);
	free(fd);
	free(names);
	return result;
}

int main(int argc, char **argv)
{
	int r = 2;

	if (argc >= 2 && !strcmp(argv[1], "names"))
		r = run_names(argc, argv, false);
	else if (argc >= 2 && !strcmp(argv[1], "inlinees"))
		r = run_names(argc, argv, true);
	else if (argc >= 2 && !strcmp(argv[1], "omap"))
		r = run_omap(argc, argv);
	else if (argc >= 2 && !strcmp(argv[1], "frames"))
		r = run_frames(argc, argv);
	if (r == 2)
		fprintf(stderr, "usage: pdbaux-driver names|inlinees TPI IPI\n"
			"       pdbaux-driver omap TO FROM ORIGLEN IMAGESIZE\n"
			"       pdbaux-driver frames FPO FRAMEDATA NAMES [TO FROM ORIGLEN IMAGESIZE]\n");
	return r == 0 ? 0 : 1;
}
