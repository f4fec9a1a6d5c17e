/* minidump-writer.c - a test-only minidump writer for x86_64 Linux.
 *
 *   minidump-writer OUT.dmp PROGRAM [ARGS...]
 *
 * Runs PROGRAM under ptrace until a fatal signal stops it, then writes a
 * minidump of that moment: system info, the crashing thread's context and
 * stack memory, the exception, and the module list with build-id CodeView
 * records (the "BpEL" record Breakpad's client writes).  Exits 0 when a
 * dump was written, 1 when the program did not crash or anything failed.
 * Only what Breakpad's minidump_stackwalk needs to walk one thread is
 * written; this is a test tool, not a crash reporter.
 *
 *   minidump-writer --spec SPEC OUT.dmp
 *
 * Writes a dump with no threads from a text description instead, for
 * system infos and CodeView records no local crash produces.  SPEC has one
 * item a line (numbers in C syntax, "#" starts a comment):
 *   system PLATFORM_ID CPU_ARCH
 *   module BASE SIZE CHECKSUM TIMESTAMP NAME [CV]
 *   unloaded BASE SIZE CHECKSUM TIMESTAMP NAME
 * where CV is one of
 *   elf HEX                       'BpEL' record with these build-id bytes
 *   rsds HEX16 AGE PDBNAME        'RSDS' record, the GUID's 16 bytes as stored
 *   nb10 SIGNATURE AGE PDBNAME    'NB10' record (offset 0)
 *   misc NAME, miscw NAME         no CodeView record but an IMAGE_DEBUG_MISC
 *                                 record naming NAME (8-bit, UTF-16)
 * and no CV means neither record.  Names are ASCII without spaces.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MODULES 64
#define MAX_STACK (256 * 1024)

struct module {
	char path[512];
	uint64_t base, end;
	uint8_t build_id[64];
	size_t build_id_len;
};

static uint8_t out[8 << 20];
static size_t out_len;

static uint32_t put(const void *p, size_t n)
{
	uint32_t at = (uint32_t)out_len;

	if (out_len + n > sizeof(out)) {
		fprintf(stderr, "minidump-writer: dump too large\n");
		exit(1);
	}
	memcpy(out + out_len, p, n);
	out_len += n;
	return at;
}

static uint32_t put32(uint32_t v) { return put(&v, 4); }
static uint32_t put16(uint16_t v) { return put(&v, 2); }
static uint32_t put64(uint64_t v) { return put(&v, 8); }
static void set32(uint32_t at, uint32_t v) { memcpy(out + at, &v, 4); }

static void align(size_t a)
{
	static const uint8_t zero[16];
	if (out_len % a)
		put(zero, a - out_len % a);
}

/* an MDString: byte length, then UTF-16LE (ASCII here), then a NUL */
static uint32_t put_string(const char *s)
{
	size_t i, n = strlen(s);
	uint32_t at;

	align(4);
	at = put32((uint32_t)(2 * n));
	for (i = 0; i < n; i++)
		put16((uint16_t)(unsigned char)s[i]);
	put16(0);
	return at;
}

static void read_build_id(struct module *m)
{
	int fd = open(m->path, O_RDONLY);
	Elf64_Ehdr eh;
	int i;

	m->build_id_len = 0;
	if (fd < 0)
		return;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, 4) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t buf[4096];
		size_t off = 0, n;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) != (ssize_t)sizeof(ph))
			break;
		if (ph.p_type != PT_NOTE)
			continue;
		n = ph.p_filesz < sizeof(buf) ? ph.p_filesz : sizeof(buf);
		if (pread(fd, buf, n, (off_t)ph.p_offset) != (ssize_t)n)
			continue;
		while (off + 12 <= n) {
			uint32_t namesz, descsz, type;
			memcpy(&namesz, buf + off, 4);
			memcpy(&descsz, buf + off + 4, 4);
			memcpy(&type, buf + off + 8, 4);
			off += 12 + ((namesz + 3) & ~3u);
			if (type == NT_GNU_BUILD_ID && descsz <= sizeof(m->build_id) && off + descsz <= n) {
				memcpy(m->build_id, buf + off, descsz);
				m->build_id_len = descsz;
				close(fd);
				return;
			}
			off += (descsz + 3) & ~3u;
		}
	}
	close(fd);
}

static int read_maps(pid_t pid, struct module *mods, int *nmods, uint64_t sp,
		     uint64_t *stack_lo, uint64_t *stack_hi)
{
	char path[64], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	*nmods = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off;
		char perms[8], file[512] = "";
		int i;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %511s", &lo, &hi, perms, &off, file) < 4)
			continue;
		if (sp >= lo && sp < hi) {
			*stack_lo = lo;
			*stack_hi = hi;
		}
		if (file[0] != '/')
			continue;
		for (i = 0; i < *nmods; i++)
			if (strcmp(mods[i].path, file) == 0)
				break;
		if (i == *nmods) {
			if (off != 0 || *nmods == MAX_MODULES)
				continue;
			snprintf(mods[i].path, sizeof(mods[i].path), "%s", file);
			mods[i].base = lo;
			mods[i].end = hi;
			(*nmods)++;
		} else if (hi > mods[i].end) {
			mods[i].end = hi;
		}
	}
	fclose(f);
	return 0;
}

/* ---- --spec: a dump from a text description ---- */

enum cv_kind { CV_NONE, CV_ELF, CV_RSDS, CV_NB10, CV_MISC, CV_MISCW };

struct spec_module {
	uint64_t base;
	uint32_t size, checksum, timestamp, age, nb10_sig;
	char name[256], pdb[256];
	enum cv_kind cv;
	uint8_t bytes[256];
	size_t nbytes;
	uint32_t name_rva, cv_rva, cv_size, misc_rva, misc_size;
};

static int parse_hex(const char *h, uint8_t *b, size_t cap, size_t *n)
{
	size_t len = strlen(h), i;

	if (len % 2 || len / 2 > cap)
		return -1;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)h[i]))
			return -1;
	for (i = 0; i < len / 2; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		b[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

static int parse_spec_line(char *line, struct spec_module *m, bool unloaded)
{
	char *tok[10];
	int n = 0;
	char *p, *save = NULL;

	for (p = strtok_r(line, " \t\n", &save); p && n < 10; p = strtok_r(NULL, " \t\n", &save))
		tok[n++] = p;
	if (n < 6 || (unloaded && n != 6) || strlen(tok[5]) >= sizeof(m->name))
		return -1;
	memset(m, 0, sizeof(*m));
	m->base = strtoull(tok[1], NULL, 0);
	m->size = (uint32_t)strtoul(tok[2], NULL, 0);
	m->checksum = (uint32_t)strtoul(tok[3], NULL, 0);
	m->timestamp = (uint32_t)strtoul(tok[4], NULL, 0);
	snprintf(m->name, sizeof(m->name), "%s", tok[5]);
	if (n == 6)
		return 0;
	if ((strcmp(tok[6], "misc") == 0 || strcmp(tok[6], "miscw") == 0) && n == 8 &&
	    strlen(tok[7]) < sizeof(m->pdb)) {
		m->cv = tok[6][4] ? CV_MISCW : CV_MISC;
		snprintf(m->pdb, sizeof(m->pdb), "%s", tok[7]);
		return 0;
	}
	if (strcmp(tok[6], "elf") == 0 && n == 8) {
		m->cv = CV_ELF;
		return parse_hex(tok[7], m->bytes, sizeof(m->bytes), &m->nbytes);
	}
	if ((strcmp(tok[6], "rsds") == 0 || strcmp(tok[6], "nb10") == 0) && n == 10 &&
	    strlen(tok[9]) < sizeof(m->pdb)) {
		m->age = (uint32_t)strtoul(tok[8], NULL, 0);
		snprintf(m->pdb, sizeof(m->pdb), "%s", tok[9]);
		if (tok[6][0] == 'n') {
			m->cv = CV_NB10;
			m->nb10_sig = (uint32_t)strtoul(tok[7], NULL, 0);
			return 0;
		}
		m->cv = CV_RSDS;
		return parse_hex(tok[7], m->bytes, 16, &m->nbytes) == 0 && m->nbytes == 16 ? 0 : -1;
	}
	return -1;
}

/* MDRawSystemInfo, 56 bytes */
static uint32_t put_system_info(uint16_t arch, uint32_t platform, uint32_t csd)
{
	uint32_t at;
	int i;

	align(8);
	at = put16(arch);
	put16(6);
	put16(0);
	put(&(uint8_t){ 1 }, 1);
	put(&(uint8_t){ 1 }, 1);
	put32(0);
	put32(0);
	put32(0);
	put32(platform);
	put32(csd);
	put16(0);
	put16(0);
	for (i = 0; i < 6; i++)
		put32(0);
	return at;
}

static int write_spec(const char *spec, const char *path)
{
	static struct spec_module mods[MAX_MODULES], unl[MAX_MODULES];
	int nmods = 0, nunl = 0, i, lineno = 0, have_sys = 0;
	uint32_t platform = 0, dir, threads, modlist, unllist, memlist, sys, csd;
	uint16_t arch = 0;
	char line[2048];
	FILE *f = fopen(spec, "r"), *of;

	if (!f) {
		fprintf(stderr, "minidump-writer: cannot read %s: %s\n", spec, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *h = strchr(line, '#'), kw[16] = "";
		int bad = 0;

		lineno++;
		if (h)
			*h = '\0';
		if (sscanf(line, "%15s", kw) != 1)
			continue;
		if (strcmp(kw, "system") == 0) {
			long long p, a;
			bad = sscanf(line, "%*s %lli %lli", &p, &a) != 2;
			platform = (uint32_t)p;
			arch = (uint16_t)a;
			have_sys = 1;
		} else if (strcmp(kw, "module") == 0 && nmods < MAX_MODULES) {
			bad = parse_spec_line(line, &mods[nmods++], false) != 0;
		} else if (strcmp(kw, "unloaded") == 0 && nunl < MAX_MODULES) {
			bad = parse_spec_line(line, &unl[nunl++], true) != 0;
		} else {
			bad = 1;
		}
		if (bad) {
			fprintf(stderr, "minidump-writer: %s:%d: cannot parse this line\n", spec, lineno);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	if (!have_sys) {
		fprintf(stderr, "minidump-writer: %s: no system line\n", spec);
		return 1;
	}

	/* header, then a directory of five streams filled in below */
	put32(0x504d444d);
	put32(0xa793);
	put32(5);
	put32(32);
	put32(0);
	put32(0);
	put64(0);
	dir = (uint32_t)out_len;
	for (i = 0; i < 5 * 3; i++)
		put32(0);

	for (i = 0; i < nmods + nunl; i++) {
		struct spec_module *m = i < nmods ? &mods[i] : &unl[i - nmods];
		m->name_rva = put_string(m->name);
		align(4);
		if (m->cv == CV_ELF) {
			m->cv_rva = put32(0x4270454c);		/* BpEL */
			put(m->bytes, m->nbytes);
		} else if (m->cv == CV_RSDS) {
			m->cv_rva = put32(0x53445352);		/* RSDS */
			put(m->bytes, 16);
			put32(m->age);
			put(m->pdb, strlen(m->pdb) + 1);
		} else if (m->cv == CV_NB10) {
			m->cv_rva = put32(0x3031424e);		/* NB10 */
			put32(0);
			put32(m->nb10_sig);
			put32(m->age);
			put(m->pdb, strlen(m->pdb) + 1);
		}
		if (m->cv == CV_MISC || m->cv == CV_MISCW) {
			size_t k, nl = strlen(m->pdb) + 1;
			uint32_t size = 12 + (uint32_t)(m->cv == CV_MISCW ? 2 * nl : nl);
			m->misc_rva = put32(1);		/* data_type: exe name */
			put32(size);			/* length */
			put(&(uint8_t){ m->cv == CV_MISCW }, 1);
			put("\0\0\0", 3);
			for (k = 0; k < nl; k++) {
				if (m->cv == CV_MISCW)
					put16((uint16_t)(unsigned char)m->pdb[k]);
				else
					put(&m->pdb[k], 1);
			}
			m->misc_size = size;
		} else if (m->cv != CV_NONE) {
			m->cv_size = (uint32_t)out_len - m->cv_rva;
		}
	}
	csd = put_string("");

	align(8);
	threads = put32(0);
	memlist = put32(0);
	modlist = put32((uint32_t)nmods);
	for (i = 0; i < nmods; i++) {
		int k;
		put64(mods[i].base);
		put32(mods[i].size);
		put32(mods[i].checksum);
		put32(mods[i].timestamp);
		put32(mods[i].name_rva);
		for (k = 0; k < 13; k++)
			put32(k == 0 ? 0xfeef04bd : 0);	/* VS_FIXEDFILEINFO */
		put32(mods[i].cv_size);
		put32(mods[i].cv_rva);
		put32(mods[i].misc_size);
		put32(mods[i].misc_rva);
		put64(0);
		put64(0);
	}
	align(8);
	unllist = put32(12);	/* MDRawUnloadedModuleList: header and entry sizes, count */
	put32(24);
	put32((uint32_t)nunl);
	for (i = 0; i < nunl; i++) {
		put64(unl[i].base);
		put32(unl[i].size);
		put32(unl[i].checksum);
		put32(unl[i].timestamp);
		put32(unl[i].name_rva);
	}
	sys = put_system_info(arch, platform, csd);
	{
		const uint32_t types[5] = { 3, 4, 5, 7, 14 };
		const uint32_t rvas[5] = { threads, modlist, memlist, sys, unllist };
		const uint32_t sizes[5] = { 4, 4 + 108 * (uint32_t)nmods, 4, 56, 12 + 24 * (uint32_t)nunl };
		for (i = 0; i < 5; i++) {
			set32(dir + (uint32_t)i * 12, types[i]);
			set32(dir + (uint32_t)i * 12 + 4, sizes[i]);
			set32(dir + (uint32_t)i * 12 + 8, rvas[i]);
		}
	}
	of = fopen(path, "wb");
	if (!of || fwrite(out, 1, out_len, of) != out_len || fclose(of) != 0) {
		fprintf(stderr, "minidump-writer: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct user_regs_struct regs;
	struct module mods[MAX_MODULES];
	uint64_t stack_lo = 0, stack_hi = 0, mem_lo, mem_hi;
	static uint8_t stack[MAX_STACK];
	siginfo_t si;
	int nmods = 0, status, sig = 0, i, memfd;
	uint32_t dir, ctx_rva, stack_rva, ctx_size = 1232, mod_names[MAX_MODULES], cvs[MAX_MODULES];
	uint32_t thread_rva, module_rva, memory_rva, exc_rva, sys_rva, csd;
	uint8_t ctx[1232];
	char mempath[64];
	pid_t pid;
	FILE *of;

	if (argc == 4 && strcmp(argv[1], "--spec") == 0)
		return write_spec(argv[2], argv[3]);
	if (argc < 3) {
		fprintf(stderr, "usage: minidump-writer OUT.dmp PROGRAM [ARGS...]\n"
			"       minidump-writer --spec SPEC OUT.dmp\n");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		return 1;
	for (;;) {
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(intptr_t)sig) != 0)
			return 1;
		if (waitpid(pid, &status, 0) < 0)
			return 1;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			fprintf(stderr, "minidump-writer: %s ended without a fatal signal\n", argv[2]);
			return 1;
		}
		sig = WSTOPSIG(status);
		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT)
			break;
		if (sig == SIGTRAP)
			sig = 0;
	}
	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0 ||
	    ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) != 0) {
		perror("minidump-writer: ptrace");
		return 1;
	}
	if (read_maps(pid, mods, &nmods, regs.rsp, &stack_lo, &stack_hi) != 0 || !stack_hi) {
		fprintf(stderr, "minidump-writer: no stack mapping\n");
		return 1;
	}
	for (i = 0; i < nmods; i++)
		read_build_id(&mods[i]);
	mem_lo = (regs.rsp - 128) & ~(uint64_t)15;
	if (mem_lo < stack_lo)
		mem_lo = stack_lo;
	mem_hi = stack_hi - mem_lo > MAX_STACK ? mem_lo + MAX_STACK : stack_hi;
	snprintf(mempath, sizeof(mempath), "/proc/%d/mem", (int)pid);
	memfd = open(mempath, O_RDONLY);
	if (memfd < 0 || pread(memfd, stack, mem_hi - mem_lo, (off_t)mem_lo) != (ssize_t)(mem_hi - mem_lo)) {
		perror("minidump-writer: reading the stack");
		return 1;
	}
	close(memfd);

	/* MDRawContextAMD64 */
	memset(ctx, 0, sizeof(ctx));
#define CTX64(off, v) do { uint64_t x_ = (v); memcpy(ctx + (off), &x_, 8); } while (0)
#define CTX32(off, v) do { uint32_t x_ = (v); memcpy(ctx + (off), &x_, 4); } while (0)
#define CTX16(off, v) do { uint16_t x_ = (v); memcpy(ctx + (off), &x_, 2); } while (0)
	CTX32(48, 0x00100000 | 0x1 | 0x2 | 0x4);	/* AMD64: control, integer, segments */
	CTX16(56, (uint16_t)regs.cs);
	CTX16(58, (uint16_t)regs.ds);
	CTX16(60, (uint16_t)regs.es);
	CTX16(62, (uint16_t)regs.fs);
	CTX16(64, (uint16_t)regs.gs);
	CTX16(66, (uint16_t)regs.ss);
	CTX32(68, (uint32_t)regs.eflags);
	CTX64(120, regs.rax); CTX64(128, regs.rcx); CTX64(136, regs.rdx); CTX64(144, regs.rbx);
	CTX64(152, regs.rsp); CTX64(160, regs.rbp); CTX64(168, regs.rsi); CTX64(176, regs.rdi);
	CTX64(184, regs.r8); CTX64(192, regs.r9); CTX64(200, regs.r10); CTX64(208, regs.r11);
	CTX64(216, regs.r12); CTX64(224, regs.r13); CTX64(232, regs.r14); CTX64(240, regs.r15);
	CTX64(248, regs.rip);

	/* header; the directory follows, filled in below */
	put32(0x504d444d);	/* MDMP */
	put32(0xa793);
	put32(5);
	put32(32);
	put32(0);
	put32(0);
	put64(0);
	dir = (uint32_t)out_len;
	for (i = 0; i < 5 * 3; i++)
		put32(0);

	align(16);
	ctx_rva = put(ctx, sizeof(ctx));
	align(16);
	stack_rva = put(stack, mem_hi - mem_lo);
	for (i = 0; i < nmods; i++) {
		const char *slash = mods[i].path;
		mod_names[i] = put_string(slash);
		align(4);
		cvs[i] = put32(0x4270454c);	/* BpEL */
		put(mods[i].build_id, mods[i].build_id_len);
	}
	csd = put_string("");

	/* thread list */
	align(8);
	thread_rva = put32(1);
	put32((uint32_t)pid);	/* thread id */
	put32(0);
	put32(0);
	put32(0);
	put64(0);		/* teb */
	put64(mem_lo);
	put32((uint32_t)(mem_hi - mem_lo));
	put32(stack_rva);
	put32(ctx_size);
	put32(ctx_rva);

	/* module list */
	align(8);
	module_rva = put32((uint32_t)nmods);
	for (i = 0; i < nmods; i++) {
		int k;
		put64(mods[i].base);
		put32((uint32_t)(mods[i].end - mods[i].base));
		put32(0);
		put32(0);
		put32(mod_names[i]);
		for (k = 0; k < 13; k++)
			put32(k == 0 ? 0xfeef04bd : 0);	/* VS_FIXEDFILEINFO */
		put32((uint32_t)(4 + mods[i].build_id_len));
		put32(cvs[i]);
		put32(0);
		put32(0);
		put64(0);
		put64(0);
	}

	/* memory list */
	align(8);
	memory_rva = put32(1);
	put64(mem_lo);
	put32((uint32_t)(mem_hi - mem_lo));
	put32(stack_rva);

	/* exception */
	align(8);
	exc_rva = put32((uint32_t)pid);
	put32(0);
	put32((uint32_t)sig);	/* Linux signal numbers are the exception codes */
	put32(0);
	put64(0);
	put64((uint64_t)(uintptr_t)si.si_addr);
	put32(0);
	put32(0);
	for (i = 0; i < 15; i++)
		put64(0);
	put32(ctx_size);
	put32(ctx_rva);

	/* system info: AMD64, Linux */
	sys_rva = put_system_info(9, 0x8201, csd);

	{
		const uint32_t types[5] = { 3, 4, 5, 6, 7 };
		const uint32_t rvas[5] = { thread_rva, module_rva, memory_rva, exc_rva, sys_rva };
		const uint32_t sizes[5] = { 4 + 48, 4 + 108 * (uint32_t)nmods, 4 + 16, 168, 56 };
		for (i = 0; i < 5; i++) {
			set32(dir + (uint32_t)i * 12, types[i]);
			set32(dir + (uint32_t)i * 12 + 4, sizes[i]);
			set32(dir + (uint32_t)i * 12 + 8, rvas[i]);
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	of = fopen(argv[1], "wb");
	if (!of || fwrite(out, 1, out_len, of) != out_len || fclose(of) != 0) {
		fprintf(stderr, "minidump-writer: cannot write %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
