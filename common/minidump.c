/* minidump.c - minidump header, stream directory, system info, module and
 * unloaded-module lists, CodeView records (RSDS, NB10, BpEL), the
 * IMAGE_DEBUG_MISC record. */
#include "config.h"
#include "minidump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

enum {
	MD_THREAD_LIST = 3, MD_MODULE_LIST = 4, MD_SYSTEM_INFO = 7,
	MD_UNLOADED_MODULE_LIST = 14,
	CV_PDB70 = 0x53445352, CV_PDB20 = 0x3031424e, CV_ELF = 0x4270454c,
	MAX_MODULES = 2048,	/* per list, as Breakpad's processor */
};

/* n bytes of UTF-16LE at p, up to the first NUL, as UTF-8 into out[cap]. */
static void utf16_to_utf8(const uint8_t *p, uint32_t n, char *out, size_t cap)
{
	struct cursor c = cursor_make(p, n, false);
	uint32_t i;
	size_t o = 0;

	for (i = 0; i < n / 2; i++) {
		uint32_t u = cursor_u16(&c);
		if (u >= 0xd800 && u < 0xdc00 && i + 1 < n / 2) {
			uint32_t lo = cursor_u16(&c);
			i++;
			if (lo >= 0xdc00 && lo < 0xe000)
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (u == 0)
			break;
		if (o + 5 >= cap)
			break;
		if (u < 0x80) {
			out[o++] = (char)u;
		} else if (u < 0x800) {
			out[o++] = (char)(0xc0 | (u >> 6));
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			out[o++] = (char)(0xe0 | (u >> 12));
			out[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | (u >> 18));
			out[o++] = (char)(0x80 | ((u >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		}
	}
	out[o] = '\0';
}

/* An MDString (UTF-16LE with a byte length) as UTF-8 into out[cap]. */
static bool read_string(const uint8_t *d, size_t len, uint32_t rva, char *out, size_t cap)
{
	struct cursor c = cursor_make(d, len, false);
	uint32_t n;

	out[0] = '\0';
	if (!cursor_seek(&c, rva))
		return false;
	n = cursor_u32(&c);
	if (c.bad || n % 2 || n > cursor_left(&c))
		return false;
	utf16_to_utf8(c.base + c.pos, n, out, cap);
	return true;
}

static void os_name(uint32_t p, char *out, size_t cap)
{
	const char *s = "";

	switch (p) {
	case 1: case 2: s = "windows"; break;
	case 0x8101: s = "mac"; break;
	case 0x8102: s = "ios"; break;
	case 0x8201: s = "linux"; break;
	case 0x8202: s = "solaris"; break;
	case 0x8203: s = "android"; break;
	case 0x8204: s = "ps3"; break;
	case 0x8205: s = "nacl"; break;
	case 0x8206: s = "fuchsia"; break;
	}
	snprintf(out, cap, "%s", s);
}

static void cpu_name(uint16_t a, char *out, size_t cap)
{
	const char *s = "";

	switch (a) {
	case 0: case 10: s = "x86"; break;	/* 10: x86 on Win64 (WOW64) */
	case 1: s = "mips"; break;
	case 3: s = "ppc"; break;
	case 5: s = "arm"; break;
	case 9: s = "amd64"; break;
	case 12: case 0x8003: s = "arm64"; break;
	case 0x8001: s = "sparc"; break;
	case 0x8002: s = "ppc64"; break;
	case 0x8004: s = "mips64"; break;
	case 0x8005: s = "riscv"; break;
	case 0x8006: s = "riscv64"; break;
	}
	snprintf(out, cap, "%s", s);
}

/* The identifiers of one module from its CodeView record, as Breakpad's
 * MinidumpModule::{code,debug}_{file,identifier} compute them. */
static void module_ids(const uint8_t *d, size_t len, uint32_t platform, uint32_t cv_size,
		       uint32_t cv_rva, uint32_t timestamp, struct md_module *m)
{
	struct cursor c = cursor_make(d, len, false);
	uint32_t sig;

	m->debug_file[0] = m->debug_id[0] = m->code_id[0] = '\0';
	if (platform == 1 || platform == 2)
		snprintf(m->code_id, sizeof(m->code_id), "%08X%x", timestamp, m->size);
	else if (platform == 0x8101 || platform == 0x8102 || platform == 0x8201 ||
		 platform == 0x8202 || platform == 0x8203 || platform == 0x8204 ||
		 platform == 0x8205 || (platform == 0x8206 && !m->unloaded))
		/* Breakpad's placeholder; Linux, Android and Fuchsia replace it
		 * with the build id below when the dump carries one.  For an
		 * unloaded module Breakpad knows no Fuchsia: no code id. */
		snprintf(m->code_id, sizeof(m->code_id), "id");
	/* Breakpad reads the signature only when there is more after it */
	if (!cv_rva || cv_size <= 4 || !cursor_seek(&c, cv_rva) || cv_size > cursor_left(&c))
		return;
	c.len = c.pos + cv_size;
	sig = cursor_u32(&c);
	/* PDB records: a name of at least the NUL, and the NUL last */
	if ((sig == CV_PDB70 && cv_size < 25) || (sig == CV_PDB20 && cv_size < 17) ||
	    ((sig == CV_PDB70 || sig == CV_PDB20) && c.base[c.pos - 4 + cv_size - 1] != 0))
		return;
	if (sig == CV_PDB70) {
		const uint8_t *g = cursor_bytes(&c, 16);
		uint32_t age = cursor_u32(&c);
		const char *name = (const char *)(c.base + c.pos);
		size_t nl = strnlen(name, cursor_left(&c));
		if (!g || c.bad)
			return;
		snprintf(m->debug_id, sizeof(m->debug_id),
			 "%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%x",
			 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11],
			 g[12], g[13], g[14], g[15], age);
		snprintf(m->debug_file, sizeof(m->debug_file), "%.*s", (int)nl, name);
	} else if (sig == CV_PDB20) {
		uint32_t s2, age;
		const char *name;
		cursor_u32(&c);		/* offset */
		s2 = cursor_u32(&c);
		age = cursor_u32(&c);
		name = (const char *)(c.base + c.pos);
		if (c.bad)
			return;
		snprintf(m->debug_id, sizeof(m->debug_id), "%08X%x", s2, age);
		snprintf(m->debug_file, sizeof(m->debug_file), "%.*s",
			 (int)strnlen(name, cursor_left(&c)), name);
	} else if (sig == CV_ELF) {
		uint8_t g[16] = { 0 };
		size_t n = cv_size - 4, i;
		const uint8_t *b = cursor_bytes(&c, n);
		if (!b)
			return;
		memcpy(g, b, n < 16 ? n : 16);
		snprintf(m->debug_id, sizeof(m->debug_id),
			 "%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X0",
			 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11],
			 g[12], g[13], g[14], g[15]);
		snprintf(m->debug_file, sizeof(m->debug_file), "%s", m->code_file);
		if (platform == 0x8201 || platform == 0x8203 || platform == 0x8206) {
			m->code_id[0] = '\0';
			for (i = 0; i < n && 2 * i + 2 < sizeof(m->code_id); i++)
				snprintf(m->code_id + 2 * i, 3, "%02x", b[i]);
		}
	}
}

/* The debug file of an IMAGE_DEBUG_MISC record: Breakpad's fallback when
 * the CodeView record names none.  Its length field must be its size. */
static void misc_debug_file(const uint8_t *d, size_t len, uint32_t size, uint32_t rva,
			    struct md_module *m)
{
	struct cursor c = cursor_make(d, len, false);
	uint32_t length, n;
	uint8_t unicode;
	const char *s;

	if (size < 12 || size > 32768 || !cursor_seek(&c, rva) || size > cursor_left(&c))
		return;
	cursor_u32(&c);		/* data_type */
	length = cursor_u32(&c);
	unicode = cursor_u8(&c);
	cursor_skip(&c, 3);
	if (c.bad || length != size)
		return;
	n = size - 12;
	s = (const char *)(c.base + c.pos);
	if (!unicode)
		snprintf(m->debug_file, sizeof(m->debug_file), "%.*s", (int)strnlen(s, n), s);
	else if (n % 2 == 0)
		utf16_to_utf8(c.base + c.pos, n, m->debug_file, sizeof(m->debug_file));
}

static enum sym_code read_modules(const uint8_t *d, size_t len, uint32_t rva, uint32_t size,
				  bool unloaded, struct md_info *info, struct sym_err *err)
{
	struct cursor c = cursor_make(d, len, false);
	uint32_t n, entry = 108, i, hdr = 4;
	void *p;

	if (!cursor_seek(&c, rva) || size > cursor_left(&c))
		return sym_fail(err, SYM_ETRUNC, "the module list lies past the end of the dump");
	c.len = c.pos + size;
	if (unloaded) {
		hdr = cursor_u32(&c);
		entry = cursor_u32(&c);
		n = cursor_u32(&c);
		if (c.bad || hdr < 12 || entry < 24 || !cursor_seek(&c, rva + (size_t)hdr))
			return sym_fail(err, SYM_EFORMAT, "malformed unloaded-module list header");
	} else {
		n = cursor_u32(&c);
	}
	if (c.bad || n > MAX_MODULES || (uint64_t)n * entry > cursor_left(&c))
		return sym_fail(err, SYM_EFORMAT, "the module list claims %u modules in %u bytes", n, size);
	p = realloc(info->modules, (info->nmodules + n + 1) * sizeof(*info->modules));
	if (!p)
		return sym_fail(err, SYM_ENOMEM, "out of memory");
	info->modules = p;
	for (i = 0; i < n; i++) {
		struct md_module *m = &info->modules[info->nmodules];
		size_t start = c.pos;
		uint32_t timestamp, name_rva, cv_size = 0, cv_rva = 0, misc_size = 0, misc_rva = 0;

		memset(m, 0, sizeof(*m));
		m->unloaded = unloaded;
		m->base = cursor_u64(&c);
		m->size = cursor_u32(&c);
		cursor_u32(&c);		/* checksum */
		timestamp = cursor_u32(&c);
		name_rva = cursor_u32(&c);
		if (!unloaded) {
			cursor_skip(&c, 52);	/* VS_FIXEDFILEINFO */
			cv_size = cursor_u32(&c);
			cv_rva = cursor_u32(&c);
			misc_size = cursor_u32(&c);
			misc_rva = cursor_u32(&c);
		}
		if (c.bad)
			return sym_fail(err, SYM_ETRUNC, "module %u is truncated", i);
		if (!read_string(d, len, name_rva, m->code_file, sizeof(m->code_file)))
			return sym_fail(err, SYM_EFORMAT, "module %u has a bad name at 0x%x", i, name_rva);
		module_ids(d, len, info->platform_id, cv_size, cv_rva, timestamp, m);
		if (!m->debug_file[0] && misc_size)
			misc_debug_file(d, len, misc_size, misc_rva, m);
		cursor_seek(&c, start + entry);
		info->nmodules++;
	}
	return SYM_OK;
}

enum sym_code md_parse(const uint8_t *d, size_t len, struct md_info *info, struct sym_err *err)
{
	struct cursor c = cursor_make(d, len, false);
	uint32_t sig, version, nstreams, dir, i;
	uint32_t mod_rva = 0, mod_size = 0, unl_rva = 0, unl_size = 0;
	bool have_mod = false, have_unl = false, have_sys = false;
	enum sym_code rc;

	memset(info, 0, sizeof(*info));
	sig = cursor_u32(&c);
	version = cursor_u32(&c);
	nstreams = cursor_u32(&c);
	dir = cursor_u32(&c);
	if (c.bad)
		return sym_fail(err, SYM_ETRUNC, "the minidump header is truncated");
	if (sig != 0x504d444d)
		return sym_fail(err, SYM_EFORMAT, "not a minidump (no MDMP signature)");
	if ((version & 0xffff) != 0xa793)
		return sym_fail(err, SYM_EFORMAT, "unknown minidump version 0x%x", version);
	if (nstreams > 4096 || !cursor_seek(&c, dir) || (uint64_t)nstreams * 12 > cursor_left(&c))
		return sym_fail(err, SYM_EFORMAT, "the stream directory (%u streams at 0x%x) lies past the end",
				nstreams, dir);
	for (i = 0; i < nstreams; i++) {
		uint32_t type = cursor_u32(&c), size = cursor_u32(&c), rva = cursor_u32(&c);

		if ((uint64_t)rva + size > len)
			return sym_fail(err, SYM_EFORMAT, "stream %u (type %u) lies past the end of the dump",
					i, type);
		if (type == MD_SYSTEM_INFO && !have_sys) {
			struct cursor s = cursor_make(d, (size_t)rva + size, false);
			uint16_t arch;
			cursor_seek(&s, rva);
			arch = cursor_u16(&s);
			cursor_skip(&s, 18);	/* to platform_id at offset 20 */
			info->platform_id = cursor_u32(&s);
			if (s.bad)
				return sym_fail(err, SYM_ETRUNC, "the system info stream is truncated");
			cpu_name(arch, info->cpu, sizeof(info->cpu));
			os_name(info->platform_id, info->os, sizeof(info->os));
			have_sys = true;
		} else if (type == MD_MODULE_LIST && !have_mod) {
			mod_rva = rva;
			mod_size = size;
			have_mod = true;
		} else if (type == MD_UNLOADED_MODULE_LIST && !have_unl) {
			unl_rva = rva;
			unl_size = size;
			have_unl = true;
		}
	}
	if (have_mod && (rc = read_modules(d, len, mod_rva, mod_size, false, info, err)) != SYM_OK)
		goto fail;
	if (have_unl && (rc = read_modules(d, len, unl_rva, unl_size, true, info, err)) != SYM_OK)
		goto fail;
	return SYM_OK;
fail:
	md_free(info);
	return rc;
}

void md_free(struct md_info *info)
{
	free(info->modules);
	info->modules = NULL;
	info->nmodules = 0;
}
