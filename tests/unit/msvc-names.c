/* msvc-names.c - table test of msvc_public_name() (dumpsyms/msvc_demangle.h).
 *
 *   msvc-names            runs the table, prints TAP, exits non-zero when a
 *                         check fails;
 *   msvc-names --undname  prints, for each C++ case of the table, the
 *                         decorated name, a tab and what llvm-undname
 *                         --no-calling-convention --no-access-specifier
 *                         --no-member-type --no-return-type prints for it
 *                         according to the table (tests/dumpsyms/
 *                         105-msvc-names.sh checks that against the tool);
 *   msvc-names --names    reads decorated names, one a line, from stdin and
 *                         prints "<param size in hex> <name>" for each. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msvc_demangle.h"

static const struct {
	const char *decorated;
	const char *name;	/* what msvc_public_name() gives */
	uint32_t param_size;
	const char *undname;	/* llvm-undname's output, NULL: not C++ */
} cases[] = {
	/* C names, as in the reference .sym files and pdb-pe-notes.md 7 */
	{ "_RtlUnwind@16", "RtlUnwind", 16, NULL },
	{ "__NLG_Return2", "_NLG_Return2", 0, NULL },
	{ "__NLG_Dispatch", "_NLG_Dispatch", 0, NULL },
	{ "__alloca_probe_8", "_alloca_probe_8", 0, NULL },
	{ "RtlUnwindEx", "RtlUnwindEx", 0, NULL },
	{ "___crtTlsAlloc@4", "__crtTlsAlloc", 4, NULL },
	{ "@_EH4_LocalUnwind@16", "_EH4_LocalUnwind", 8, NULL },
	{ "@f@8", "f", 0, NULL },
	{ "@f@4", "f", 0, NULL },
	{ "@f@12", "f", 4, NULL },
	{ "f@@24", "f", 24, NULL },
	{ "f@@0", "f", 0, NULL },
	{ "f@@", "f@@", 0, NULL },
	{ "f@@08", "f@@08", 0, NULL },
	{ "f@g@@8", "f@g@@8", 0, NULL },
	{ "_f", "f", 0, NULL },
	{ "_f@0", "f", 0, NULL },
	{ "_f@", "f", 0, NULL },		/* Breakpad reads "" as 0 */
	{ "_f@08", "f@08", 0, NULL },		/* a leading zero is no size */
	{ "_f@x", "f@x", 0, NULL },
	{ "_f@2147483647", "f", 2147483647, NULL },
	{ "_f@2147483648", "f@2147483648", 0, NULL },
	{ "_f@g@4", "f@g", 4, NULL },		/* the last '@' counts */
	{ "@f", "@f", 0, NULL },
	{ "@f@x", "@f@x", 0, NULL },
	{ "@", "@", 0, NULL },
	{ "_", "", 0, NULL },
	{ "main", "main", 0, NULL },
	{ "", "", 0, NULL },
	{ "_a::b@4", "_a::b@4", 0, NULL },	/* ':' or '(': not a C name */
	{ "_f(int)@4", "_f(int)@4", 0, NULL },
	/* LLVM uniquing suffixes */
	{ "_f.llvm.1234567", "f", 0, NULL },
	{ "_f@8.llvm.99", "f", 8, NULL },
	{ "_f.llvm.", "f.llvm.", 0, NULL },
	{ ".llvm.5", ".llvm.5", 0, NULL },
	{ "_f$0123456789abcdef0123456789ABCDEF", "f", 0, NULL },
	{ "_f$0123456789abcdef0123456789abcdeg", "f$0123456789abcdef0123456789abcdeg", 0, NULL },
	{ "_f$0123456789abcdef0123456789abcde", "f$0123456789abcdef0123456789abcde", 0, NULL },
	{ "?f@@YAXXZ.llvm.13040715209719948753", "f()", 0, NULL },
	{ "?f@@YAXXZ$5520c83448162c04f2b239db4b5a2c61", "f()", 0, NULL },
	{ "?f@@YAXXZ.llvm.x", "?f@@YAXXZ.llvm.x", 0, NULL },
	/* C++: the public names behind the reference FUNC records */
	{ "?f@C@google_breakpad@@QAEHXZ", "google_breakpad::C::f()", 0,
	  "google_breakpad::C::f(void)" },
	{ "?h@C@google_breakpad@@QAEXABV12@@Z", "google_breakpad::C::h(google_breakpad::C const &)", 0,
	  "google_breakpad::C::h(class google_breakpad::C const &)" },
	{ "??_GC@google_breakpad@@UAEPAXI@Z",
	  "google_breakpad::C::`scalar deleting destructor'(unsigned int)", 0,
	  "google_breakpad::C::`scalar deleting dtor'(unsigned int)" },
	{ "??3@YAXPAX@Z", "operator delete(void *)", 0, "operator delete(void *)" },
	{ "?_Type_info_dtor@type_info@@CAXPAV1@@Z", "type_info::_Type_info_dtor(type_info *)", 0,
	  "type_info::_Type_info_dtor(class type_info *)" },
	{ "??0_LocaleUpdate@@QAE@PAUlocaleinfo_struct@@@Z",
	  "_LocaleUpdate::_LocaleUpdate(localeinfo_struct *)", 0,
	  "_LocaleUpdate::_LocaleUpdate(struct localeinfo_struct *)" },
	{ "?__CxxUnhandledExceptionFilter@@YGJPAU_EXCEPTION_POINTERS@@@Z",
	  "__CxxUnhandledExceptionFilter(_EXCEPTION_POINTERS *)", 0,
	  "__CxxUnhandledExceptionFilter(struct _EXCEPTION_POINTERS *)" },
	{ "?terminate@@YAXXZ", "terminate()", 0, "terminate(void)" },
	/* C++: what the flags and rewrites drop */
	{ "??1C@@UAE@XZ", "C::~C()", 0, "C::~C(void)" },
	{ "??_EC@@UAEPAXI@Z", "C::`vector deleting destructor'(unsigned int)", 0,
	  "C::`vector deleting dtor'(unsigned int)" },
	{ "?f@C@@QEBAHXZ", "C::f()", 0, "C::f(void) const" },
	{ "?f@C@@QEHAAHXZ", "C::f()", 0, "C::f(void) &&" },
	{ "?f@C@@QEGBAHXZ", "C::f()", 0, "C::f(void) const &" },
	{ "?f@C@@SAHH@Z", "C::f(int)", 0, "C::f(int)" },
	{ "?f@C@@UAEHH@Z", "C::f(int)", 0, "C::f(int)" },
	{ "?f@C@@AAGHH@Z", "C::f(int)", 0, "C::f(int)" },
	{ "?g@@YAXPEAPEAD@Z", "g(char * *)", 0, "g(char **)" },
	{ "?f@@YAXHH@Z", "f(int,int)", 0, "f(int, int)" },
	{ "?f@@YAXHZZ", "f(int,...)", 0, "f(int, ...)" },
	{ "?f@@YAXP6AHH@Z@Z", "f(int (*)(int))", 0, "f(int (__cdecl *)(int))" },
	{ "?f@@YAXP6GHH@Z@Z", "f(int (*)(int))", 0, "f(int (__stdcall *)(int))" },
	{ "??$max@H@std@@YAABHABH0@Z", "std::max<int>(int const &,int const &)", 0,
	  "std::max<int>(int const &, int const &)" },
	{ "?set@?$vector@HV?$allocator@H@std@@@std@@QAEXH@Z",
	  "std::vector<int,std::allocator<int> >::set(int)", 0,
	  "std::vector<int, class std::allocator<int>>::set(int)" },
	{ "?f@?A0x1234@@YAXXZ", "`anonymous namespace'::f()", 0,
	  "`anonymous namespace'::f(void)" },
	{ "??H@YA?AUS@@U0@0@Z", "operator+(S,S)", 0, "operator+(struct S, struct S)" },
	{ "??_C@_03IOFIKPDN@Thu?$AA@", "`string'", 0, "\"Thu\"" },
	/* C++: MSVC undname's spacing, operators kept */
	{ "?f@@YAXPBQAD@Z", "f(char * const *)", 0, "f(char *const *)" },
	{ "?f@@YAXQAD@Z", "f(char * const)", 0, "f(char *const)" },
	{ "?f@@YAXAAPAH@Z", "f(int * &)", 0, "f(int *&)" },
	{ "?f@@YAXPAY02H@Z", "f(int (*)[3])", 0, "f(int (*)[3])" },
	{ "?f@@YAX$$QAH@Z", "f(int &&)", 0, "f(int &&)" },
	{ "?f@@YAXP8C@@AEXXZ@Z", "f(void (C::*)(void))", 0, "f(void (__thiscall C::*)(void))" },
	{ "??$f@V?$A@V?$B@H@@@@@@YAXXZ", "f<A<B<int> > >()", 0, "f<class A<class B<int>>>(void)" },
	{ "??5@YAAAVistream@@AAV0@AAH@Z", "operator>>(istream &,int &)", 0,
	  "operator>>(class istream &, int &)" },
	{ "??D@YAHXZ", "operator*()", 0, "operator*(void)" },
	{ "??$?5DU?$char_traits@D@std@@@std@@YAAAV?$basic_istream@DU?$char_traits@D@std@@@0@AAV10@AAD@Z",
	  "std::operator>><char,std::char_traits<char> >(std::basic_istream<char,std::char_traits<char> > &,char &)", 0,
	  "std::operator>><char, struct std::char_traits<char>>(class std::basic_istream<char, struct std::char_traits<char>> &, char &)" },
	{ "?insert@?$_Tree@V?$_Tmap_traits@V?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@HU?$less@V?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@@2@V?$allocator@U?$pair@$$CBV?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@H@std@@@2@$0A@@std@@@std@@QAE?AU?$pair@V?$_Tree_iterator@V?$_Tree_val@U?$_Tree_simple_types@U?$pair@$$CBV?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@H@std@@@std@@@std@@@std@@_N@2@ABU?$pair@$$CBV?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@H@std@@@Z",
	  "std::_Tree<std::_Tmap_traits<std::basic_string<char,std::char_traits<char>,std::allocator<char> >,int,std::less<std::basic_string<char,std::char_traits<char>,std::allocator<char> > >,std::allocator<std::pair<std::basic_string<char,std::char_traits<char>,std::allocator<char> > const,int> >,0> >::insert(std::pair<std::basic_string<char,std::char_traits<char>,std::allocator<char> > const,int> const &)", 0,
	  "std::_Tree<class std::_Tmap_traits<class std::basic_string<char, struct std::char_traits<char>, class std::allocator<char>>, int, struct std::less<class std::basic_string<char, struct std::char_traits<char>, class std::allocator<char>>>, class std::allocator<struct std::pair<class std::basic_string<char, struct std::char_traits<char>, class std::allocator<char>> const, int>>, 0>>::insert(struct std::pair<class std::basic_string<char, struct std::char_traits<char>, class std::allocator<char>> const, int> const &)" },
	{ "??_R1A@?0A@EA@type_info@@8", "type_info::`RTTI Base Class Descriptor at (0,-1,0,64)'", 0,
	  "type_info::`RTTI Base Class Descriptor at (0, -1, 0, 64)'" },
	{ "??__CC@@QAEXPAXIIP6EX0@Z@Z",
	  "C::`eh vector copy constructor iterator'(void *,unsigned int,unsigned int,void (*)(void *))", 0,
	  "C::`EH vector copy ctor iterator'(void *, unsigned int, unsigned int, void (__thiscall *)(void *))" },
	{ "??__MC@@QAEHAAV0@@Z", "C::operator<=>(C &)", 0, "C::operator<=>(class C &)" },
	{ "?f@@YAXPAVclassy@@PAUstructure@@W4enumeration@@@Z", "f(classy *,structure *,enumeration)", 0,
	  "f(class classy *, struct structure *, enum enumeration)" },
	{ "?x@@3HA", "int x", 0, "int x" },
	/* not demanglable by LLVM: unchanged */
	{ "?", "?", 0, NULL },
	{ "?bad", "?bad", 0, NULL },
	{ "?f@@YAX", "?f@@YAX", 0, NULL },
	{ "??@8c5ba9f3c54a9a7d5d1b2f8a1a0e2c4d@", "??@8c5ba9f3c54a9a7d5d1b2f8a1a0e2c4d@", 0, NULL },
};

static int ntest, nfail;

static void ok(int cond, const char *what, const char *detail)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s%s%s\n", cond ? "" : "not ", ntest, what,
	       detail ? " # got " : "", detail ? detail : "");
}

/* The "(" of a long nesting: "?f@@YAX" "PA"*n "H@Z" is f(int **...*). */
static void test_long(void)
{
	size_t n, i, len;
	char *s, *got;
	uint32_t ps = 1;

	for (n = 1000; n <= 3000; n += 2000) {
		len = 7 + 2 * n + 3;
		s = malloc(len + 1);
		if (s == NULL) {
			ok(0, "out of memory", NULL);
			return;
		}
		memcpy(s, "?f@@YAX", 7);
		for (i = 0; i < n; i++)
			memcpy(s + 7 + 2 * i, "PA", 2);
		memcpy(s + 7 + 2 * n, "H@Z", 4);
		got = msvc_public_name(s, &ps);
		if (len <= MSVC_DEMANGLE_MAX)
			ok(got && strncmp(got, "f(int *", 7) == 0 && ps == 0,
			   "a deep pointer nesting demangles", NULL);
		else
			ok(got && strcmp(got, s) == 0 && ps == 0,
			   "a name longer than MSVC's limit stays as it is", NULL);
		free(got);
		free(s);
	}
}

/* Back references nest: each of the ten function pointer parameters (or
 * template arguments) takes the previous one twice, and LLVM prints a
 * shared node at every reference.  The first name (224 bytes) would print
 * 26 MB, the third (504 bytes) gigabytes while it is parsed. */
static void test_backref_bomb(void)
{
	char name[1024], args[1024];
	size_t levels, i;

	strcpy(args, "PAH");
	for (levels = 1; levels <= 3; levels++) {
		char *got;
		uint32_t ps = 1;

		/* a template whose arguments double, used as a parameter */
		snprintf(name, sizeof(name), "V?$A%zu@P6AX%s@Z", levels, args);
		for (i = 1; i <= 9; i++)
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 "P6AXP6AX%zu%zu@Z@Z", i - 1, i - 1);
		strcat(name, "@@");
		/* the parameters of the function double once more */
		snprintf(args, sizeof(args), "%s", name);
		snprintf(name, sizeof(name), "?f@@YAX%s", args);
		for (i = 1; i <= 9; i++)
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 "P6AX%zu%zu@Z", i - 1, i - 1);
		strcat(name, "@Z");
		got = msvc_public_name(name, &ps);
		ok(got && strcmp(got, name) == 0 && ps == 0,
		   "a back-reference bomb stays as it is", NULL);
		free(got);
	}
}

/* A template doubled by its back references, wrapped in template after
 * template: each wrapper prints it again while it is parsed. */
static void test_wrapped_bomb(void)
{
	char name[MSVC_DEMANGLE_MAX + 1];
	size_t i, w, n;
	char *got;
	uint32_t ps = 1;

	n = (size_t)snprintf(name, sizeof(name), "?f@@YAXV");
	for (w = 0; w < 300; w++)
		n += (size_t)snprintf(name + n, sizeof(name) - n, "?$W@V");
	n += (size_t)snprintf(name + n, sizeof(name) - n, "?$A@P6AXPAH@Z");
	for (i = 1; i <= 9; i++)
		n += (size_t)snprintf(name + n, sizeof(name) - n, "P6AXP6AX%zu%zu@Z@Z", i - 1, i - 1);
	n += (size_t)snprintf(name + n, sizeof(name) - n, "@@");
	for (w = 0; w < 300 && n + 3 < sizeof(name); w++)
		n += (size_t)snprintf(name + n, sizeof(name) - n, "@@");
	snprintf(name + n, sizeof(name) - n, "@Z");
	got = msvc_public_name(name, &ps);
	ok(got && strcmp(got, name) == 0 && ps == 0,
	   "a back-reference bomb wrapped in 300 templates stays as it is", NULL);
	free(got);
}

static int run_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t ps = 12345;
		char *got = msvc_public_name(cases[i].decorated, &ps);
		char what[512];
		int good = got && strcmp(got, cases[i].name) == 0 &&
			   ps == cases[i].param_size;

		snprintf(what, sizeof(what), "'%s' -> '%s' %u", cases[i].decorated,
			 cases[i].name, (unsigned)cases[i].param_size);
		if (good) {
			ok(1, what, NULL);
		} else {
			char detail[512];

			snprintf(detail, sizeof(detail), "'%s' %u", got ? got : "(null)",
				 (unsigned)ps);
			ok(0, what, detail);
		}
		free(got);
	}
	{
		char *a = msvc_demangle("?f@@YAXXZ");
		char *b = msvc_demangle("_f@4");
		char *c = msvc_demangle("?f@@YAXXZ.llvm.1");

		ok(a && strcmp(a, "f()") == 0, "msvc_demangle of a C++ name", NULL);
		ok(b == NULL, "msvc_demangle of a C name is NULL", NULL);
		ok(c == NULL, "msvc_demangle keeps no suffix", NULL);
		free(a);
		free(b);
		free(c);
	}
	{
		char *d = msvc_public_name("_g@4", NULL);

		ok(d && strcmp(d, "g") == 0, "param_size may be NULL", NULL);
		free(d);
	}
	test_long();
	test_backref_bomb();
	test_wrapped_bomb();
	printf("1..%d\n", ntest);
	if (nfail)
		printf("# %d of %d failed\n", nfail, ntest);
	return nfail ? 1 : 0;
}

static int run_names(void)
{
	char line[70000];

	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strcspn(line, "\r\n");
		uint32_t ps;
		char *name;

		line[n] = '\0';
		name = msvc_public_name(line, &ps);
		if (name == NULL) {
			fprintf(stderr, "msvc-names: out of memory\n");
			return 1;
		}
		printf("%x %s\n", (unsigned)ps, name);
		free(name);
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 2 && strcmp(argv[1], "--names") == 0)
		return run_names();
	if (argc == 2 && strcmp(argv[1], "--undname") == 0) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (cases[i].undname)
				printf("%s\t%s\n", cases[i].decorated, cases[i].undname);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: msvc-names [--names | --undname]\n");
		return 2;
	}
	return run_table();
}
