/* main.c - the dumpsyms command line.
 *
 *   dumpsyms [options] <binary> [<debug-dir>...]
 *   dumpsyms [options] <mach-o binary> [<dSYM>]
 *
 * Options overlap Breakpad's dump_syms (-i -c -d -n -o -v -m -a) and add
 * --output and --store.  Output files are written through a temporary file
 * and renamed into place, so a failure never leaves a partial .sym behind.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert.h"
#include "fsutil.h"
#include "outbuf.h"
#include "pool.h"

static const char usage_text[] =
	"usage: dumpsyms [options] <binary> [<debug-dir>...]\n"
	"       dumpsyms [options] <mach-o binary or dSYM> [<dSYM>]\n"
	"\n"
	"Converts the debug information of an ELF or Mach-O file (thin, universal,\n"
	"or a .dSYM bundle) to a Breakpad .sym file.  Separate ELF debug files are\n"
	"looked for by build id and .gnu_debuglink in the debug directories; a\n"
	"Mach-O binary's dSYM is the one given, else <binary>.dSYM beside it.\n"
	"\n"
	"  -i             write only the MODULE and INFO records\n"
	"  -c             do not write STACK CFI records\n"
	"  -d             write INLINE and INLINE_ORIGIN records\n"
	"  -m             mark code shared by several functions with 'm'\n"
	"  -a             keep link-time addresses (do not subtract the load address)\n"
	"  -n NAME        use NAME as the module name\n"
	"  -o OS          use OS as the MODULE operating system (default: Linux,\n"
	"                 or mac for Mach-O)\n"
	"  -g DEBUGFILE   read DWARF from DEBUGFILE (a dSYM, or an ELF debug file);\n"
	"                 its UUID or build id must match the binary's\n"
	"  --arch ARCH    the slice of a universal Mach-O file to read (x86_64,\n"
	"                 x86_64h, arm64, arm64e, x86 or i386, armv7, ...);\n"
	"                 with --store and no --arch, every slice is written\n"
	"  --list-arch    print each slice's architecture and debug id, and exit\n"
	"  -j, --jobs N   use N threads (default: one per online CPU); the output\n"
	"                 is the same for every N\n"
	"  -v             also print warnings about malformed input to stderr\n"
	"  --breakpad-names  name functions as Breakpad's dump_syms does: drop\n"
	"                 unnamed namespaces and classes, and every scope around\n"
	"                 them, instead of writing \"(anonymous namespace)\"\n"
	"  --strict       fail (exit 1, write nothing) when a warning about missing\n"
	"                 debug information is printed\n"
	"  --output FILE  write the .sym to FILE instead of standard output\n"
	"  --store DIR    write DIR/<debug_file>/<debug_id>/<debug_file>.sym\n"
	"  -h, --help     show this help\n"
	"  --version      show the version\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* Converts path into the store, the output file or standard output;
 * returns the exit status.  With strict, a warning about the input is a
 * failure and nothing is written. */
static int convert_one(const char *file, const struct convert_options *base, const char *output,
		       const char *store, bool strict)
{
	struct convert_options opt_copy = *base, *opt = &opt_copy;
	struct sym_err err;
	struct module m;
	struct outbuf ob;
	char *path = NULL;
	unsigned warnings = 0;
	int rc = 1;

	opt->warnings = &warnings;
	sym_err_clear(&err);
	module_init(&m);
	if (convert_file(file, opt, &m, &err) != SYM_OK) {
		fprintf(stderr, "dumpsyms: %s\n", err.msg);
		goto out;
	}
	if (strict && warnings) {
		fprintf(stderr, "dumpsyms: '%s': %u warning%s and --strict: nothing written\n",
			file, warnings, warnings == 1 ? "" : "s");
		goto out;
	}

	if (store) {
		if (store_path(store, m.name, m.debug_id, &path, &err) != SYM_OK ||
		    write_atomic(path, &m, &err) != SYM_OK) {
			fprintf(stderr, "dumpsyms: %s\n", err.msg);
			goto out;
		}
		printf("%s\n", path);
	}
	if (output) {
		if (write_atomic(output, &m, &err) != SYM_OK) {
			fprintf(stderr, "dumpsyms: %s\n", err.msg);
			goto out;
		}
	}
	if (!store && !output) {
		int e;

		if (outbuf_init(&ob, STDOUT_FILENO) < 0) {
			fprintf(stderr, "dumpsyms: out of memory\n");
			goto out;
		}
		module_write(&m, &ob);
		e = outbuf_finish(&ob);
		if (e) {
			fprintf(stderr, "dumpsyms: cannot write the output: %s\n", strerror(e));
			goto out;
		}
	}
	rc = 0;
out:
	free(path);
	module_release(&m);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'O' },
		{ "store", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "inlines", no_argument, NULL, 'd' },
		{ "arch", required_argument, NULL, 'A' },
		{ "list-arch", no_argument, NULL, 'L' },
		{ "strict", no_argument, NULL, 'T' },
		{ "breakpad-names", no_argument, NULL, 'B' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct convert_options opt;
	const char *output = NULL, *store = NULL;
	struct sym_err err;
	int c;
	bool list_arch = false, strict = false;
	struct stat st;

	memset(&opt, 0, sizeof(opt));
	opt.warn = true;
	opt.jobs = pool_cpus();
	opterr = 0;	/* sym_bad_option() says what was wrong */
	while ((c = getopt_long(argc, argv, ":icdmavn:o:g:rhj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': opt.header_only = true; break;
		case 'c': opt.no_cfi = true; break;
		case 'd': opt.inlines = true; break;
		case 'm': opt.multiple = true; break;
		case 'a': opt.keep_addresses = true; break;
		case 'v': opt.verbose = true; break;
		case 'n': opt.name = optarg; break;
		case 'o': opt.os = optarg; break;
		case 'g': opt.dsym = optarg; break;
		case 'A': opt.arch = optarg; break;
		case 'L': list_arch = true; break;
		case 'T': strict = true; break;
		case 'B': opt.breakpad_names = true; break;
		case 'j': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || n < 1 || n > 1024) {
				fprintf(stderr, "dumpsyms: -j takes a number of threads from 1 to 1024, not '%s'\n",
					optarg);
				return 2;
			}
			opt.jobs = (unsigned)n;
			break;
		}
		case 'r': break;	/* Breakpad's -r: accepted, references are always followed */
		case 'O': output = optarg; break;
		case 'S': store = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("dumpsyms %s\n", PACKAGE_VERSION); return 0;
		default:
			sym_bad_option("dumpsyms", c, argv);
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs("dumpsyms: missing the binary to convert\n", stderr);
		usage(stderr);
		return 2;
	}
	sym_err_clear(&err);
	if (list_arch) {
		if (convert_list_arch(argv[optind], stdout, &err) != SYM_OK) {
			fprintf(stderr, "dumpsyms: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	opt.debug_dirs = (const char *const *)argv + optind + 1;
	opt.ndebug_dirs = (size_t)(argc - optind - 1);
	/* "dumpsyms BINARY DSYM": a second argument that is a file or a .dSYM
	 * bundle is the debug file, not a directory to search */
	if (!opt.dsym && opt.ndebug_dirs == 1) {
		const char *a = opt.debug_dirs[0];
		size_t n = strlen(a);

		while (n > 1 && a[n - 1] == '/')
			n--;
		if ((stat(a, &st) == 0 && S_ISREG(st.st_mode)) ||
		    (n > 5 && strncmp(a + n - 5, ".dSYM", 5) == 0)) {
			opt.dsym = a;
			opt.ndebug_dirs = 0;
		}
	}

	if (store && !opt.arch) {
		/* a universal file into a store: every slice, each under its
		 * own debug id (two slices may share an arch name, so they are
		 * picked by index); unreadable slices are passed over */
		struct convert_slice sl[32];
		size_t n = 0, i;
		int rc = 0;

		if (convert_slices(argv[optind], sl, 32, &n, &err) != SYM_OK) {
			fprintf(stderr, "dumpsyms: %s\n", err.msg);
			return 1;
		}
		if (n > 1) {
			/* --strict writes all slices or none */
			for (i = 0; strict && i < n; i++)
				if (!sl[i].usable) {
					fprintf(stderr, "dumpsyms: warning: '%s': the %s slice cannot be read\n"
						"dumpsyms: '%s': --strict: nothing written\n",
						argv[optind], sl[i].arch, argv[optind]);
					return 1;
				}
			for (i = 0; i < n; i++) {
				if (!sl[i].usable) {
					fprintf(stderr, "dumpsyms: warning: '%s': the %s slice cannot be read; skipped\n",
						argv[optind], sl[i].arch);
					continue;
				}
				opt.slice = sl[i].index;
				if (convert_one(argv[optind], &opt, NULL, store, strict))
					rc = 1;
			}
			return rc;
		}
	}
	return convert_one(argv[optind], &opt, output, store, strict);
}
