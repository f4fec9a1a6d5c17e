/* symlookup.c - looks addresses up in a .sym file as a processor would.
 *
 *   symlookup FILE.sym ADDR...     (hex, module-relative)
 *
 * Prints "ADDR FUNCTION FILE:LINE" per address: the FUNC covering it and
 * its line record, or "ADDR PUBLIC ??:0" for the nearest PUBLIC at or
 * below it, or "ADDR ?? ??:0".  Lines it cannot parse are ignored.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct func { uint64_t a, s; char *name; size_t l0, nl; };
struct line { uint64_t a, s; unsigned long line; long file; };
struct pub { uint64_t a; char *name; };

static struct func *funcs; static size_t nf, cf;
static struct line *lines; static size_t nl, cl;
static struct pub *pubs; static size_t np, cp;
static char **files; static size_t nfiles;

static void *grow(void *p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 1024;
	p = realloc(p, *cap * sz);
	if (!p) {
		fprintf(stderr, "symlookup: out of memory\n");
		exit(2);
	}
	return p;
}

static int cmp_pub(const void *a, const void *b)
{
	const struct pub *x = a, *y = b;
	return x->a < y->a ? -1 : x->a > y->a;
}

int main(int argc, char **argv)
{
	FILE *f;
	char *buf = NULL;
	size_t bcap = 0;
	ssize_t len;
	int i;

	if (argc < 2 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: symlookup FILE.sym ADDR...\n");
		return 2;
	}
	while ((len = getline(&buf, &bcap, f)) > 0) {
		char *s = buf, *name;
		unsigned long long a, sz, ln;
		long id;
		int off = 0;

		if (buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (strncmp(s, "FILE ", 5) == 0 && sscanf(s + 5, "%ld %n", &id, &off) == 1 && id >= 0 && id < 10000000) {
			if ((size_t)id >= nfiles) {
				files = realloc(files, ((size_t)id + 1) * sizeof(*files));
				if (!files)
					return 2;
				memset(files + nfiles, 0, ((size_t)id + 1 - nfiles) * sizeof(*files));
				nfiles = (size_t)id + 1;
			}
			free(files[id]);
			files[id] = strdup(s + 5 + off);
		} else if (strncmp(s, "FUNC ", 5) == 0) {
			s += 5;
			if (strncmp(s, "m ", 2) == 0)
				s += 2;
			if (sscanf(s, "%llx %llx %*x %n", &a, &sz, &off) < 2 || !off)
				continue;
			name = s + off;
			funcs = grow(funcs, &cf, nf, sizeof(*funcs));
			funcs[nf].a = a;
			funcs[nf].s = sz;
			funcs[nf].name = strdup(name);
			funcs[nf].l0 = nl;
			funcs[nf].nl = 0;
			nf++;
		} else if (strncmp(s, "PUBLIC ", 7) == 0) {
			s += 7;
			if (strncmp(s, "m ", 2) == 0)
				s += 2;
			if (sscanf(s, "%llx %*x %n", &a, &off) < 1 || !off)
				continue;
			pubs = grow(pubs, &cp, np, sizeof(*pubs));
			pubs[np].a = a;
			pubs[np].name = strdup(s + off);
			np++;
		} else if (nf && sscanf(s, "%llx %llx %llu %ld", &a, &sz, &ln, &id) == 4) {
			lines = grow(lines, &cl, nl, sizeof(*lines));
			lines[nl].a = a;
			lines[nl].s = sz;
			lines[nl].line = (unsigned long)ln;
			lines[nl].file = id;
			nl++;
			funcs[nf - 1].nl++;
		}
	}
	fclose(f);
	free(buf);
	qsort(pubs, np, sizeof(*pubs), cmp_pub);
	for (i = 2; i < argc; i++) {
		uint64_t addr = strtoull(argv[i], NULL, 16);
		const struct func *fn = NULL;
		const struct line *ln = NULL;
		size_t k;

		for (k = 0; k < nf; k++)
			if (addr >= funcs[k].a && addr - funcs[k].a < funcs[k].s) {
				fn = &funcs[k];
				break;
			}
		if (fn) {
			for (k = fn->l0; k < fn->l0 + fn->nl; k++)
				if (addr >= lines[k].a && addr - lines[k].a < lines[k].s) {
					ln = &lines[k];
					break;
				}
			printf("%llx %s %s:%lu\n", (unsigned long long)addr, fn->name,
			       ln && ln->file >= 0 && (size_t)ln->file < nfiles && files[ln->file] ? files[ln->file] : "??",
			       ln ? ln->line : 0);
			continue;
		}
		for (k = np; k-- > 0;)
			if (pubs[k].a <= addr)
				break;
		if (k != (size_t)-1 && np)
			printf("%llx %s ??:0\n", (unsigned long long)addr, pubs[k].name);
		else
			printf("%llx ?? ??:0\n", (unsigned long long)addr);
	}
	return 0;
}
