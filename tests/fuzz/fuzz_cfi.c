/* fuzz_cfi.c - libFuzzer entry point for the DWARF call-frame reader
 * alone (dumpsyms/cfi.c: CIEs, FDEs, augmentations, pointer encodings,
 * the CFA program and its expressions), on one .eh_frame or .debug_frame
 * section without an ELF file around it.
 *
 * One input is a flags byte, then the section.  Flags: bit 0, .eh_frame
 * (else .debug_frame); bit 1, big-endian; bits 2-3, the machine (x86_64,
 * x86, arm64, arm); bit 4, 4-byte addresses (else 8).  The section sits at
 * 0x10000, .text at 0x1000, .got at 0x20000, one load range [0, 2^40).
 * Any crash, hang, leak or sanitizer report is a bug.
 *
 * The section is read a second time as dumpsyms reads it with threads
 * (cfi_start(), cut into chunks of 16 bytes, on a pool whose tasks this
 * thread runs): records, count and result must be the first read's, or
 * the target aborts. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cfi.h"
#include "module.h"
#include "outbuf.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The module's STACK CFI text (malloc'ed, *n bytes). */
static char *cfi_text(struct module *m, size_t *n)
{
	long len;
	char *t;

	*n = 0;
	if (!m->cfi)
		return calloc(1, 1);
	fflush(m->cfi);
	len = ftell(m->cfi);
	if (len < 0 || !(t = malloc((size_t)len + 1)))
		abort();
	rewind(m->cfi);
	if (fread(t, 1, (size_t)len, m->cfi) != (size_t)len)
		abort();
	*n = (size_t)len;
	return t;
}

static void module_for(struct module *m, const char *arch)
{
	module_init(m);
	m->name = "fuzz";
	m->os = "Linux";
	m->arch = arch;
}

/* The chunked read of in agrees with cfi_write()'s (rc1, records1, text1). */
static void chunked_agrees(const struct cfi_input *in, const char *arch, enum sym_code rc1,
			   uint64_t records1, const char *text1, size_t n1)
{
	static struct pool *p;
	const char *note = NULL;
	struct cfi_job *j;
	struct sym_err err;
	struct module m;
	uint64_t records = 0;
	char *text;
	size_t n;
	enum sym_code rc;

	if (!p) {
		setenv("SYM_TEST_CFI_CHUNK", "16", 1);
		p = pool_create(0);
		if (!p)
			abort();
	}
	sym_err_clear(&err);
	module_for(&m, arch);
	j = cfi_start(p, &m, false, in, &note, 1);
	if (!j)
		abort();
	rc = cfi_finish(j, &records, &err);
	text = cfi_text(&m, &n);
	if (rc != rc1 || (rc == SYM_OK && (records != records1 || n != n1 || memcmp(text, text1, n) != 0))) {
		fprintf(stderr, "fuzz_cfi: the chunked read differs: rc %d/%d, records %llu/%llu, %zu/%zu bytes\n",
			(int)rc, (int)rc1, (unsigned long long)records, (unsigned long long)records1, n, n1);
		abort();
	}
	free(text);
	module_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum obj_arch machines[] = { OBJ_ARCH_X86_64, OBJ_ARCH_X86, OBJ_ARCH_ARM64,
						  OBJ_ARCH_ARM };
	static const char *const archs[] = { "x86_64", "x86", "arm64", "arm" };
	static const struct obj_range load = { 0, (uint64_t)1 << 40 };
	static int devnull = -1;
	struct cfi_input in;
	struct sym_err err;
	struct module m;
	uint64_t records = 0;
	enum sym_code rc;
	char *text;
	size_t n;

	if (size < 1)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	memset(&in, 0, sizeof(in));
	in.path = "fuzz";
	in.data = data + 1;
	in.size = size - 1;
	in.eh = data[0] & 1;
	in.be = data[0] & 2;
	in.machine = machines[(data[0] >> 2) & 3];
	in.addr_size = data[0] & 16 ? 4 : 8;
	in.section_addr = 0x10000;
	in.text_addr = 0x1000;
	in.got_addr = 0x20000;
	in.loads = &load;
	in.nloads = 1;
	sym_err_clear(&err);
	module_for(&m, archs[(data[0] >> 2) & 3]);
	rc = cfi_write(&in, &m, false, &records, &err);
	text = cfi_text(&m, &n);
	chunked_agrees(&in, m.arch, rc, records, text, n);
	free(text);
	if (rc == SYM_OK && module_finish(&m, &err) == SYM_OK) {
		struct outbuf ob;

		if (outbuf_init(&ob, devnull) == 0) {
			module_write(&m, &ob);
			outbuf_finish(&ob);
		}
	}
	module_release(&m);
	return 0;
}
