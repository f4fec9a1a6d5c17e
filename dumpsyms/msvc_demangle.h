/* msvc_demangle.h - MSVC name undecoration for PUBLIC records.
 *
 * The only wrapper of LLVM's Microsoft demangler (libLLVMDemangle, C++):
 * msvc_demangle.cc is the one file that includes an LLVM header.  This
 * interface is plain C; no C++ type or exception crosses it. */
#ifndef SYM_MSVC_DEMANGLE_H
#define SYM_MSVC_DEMANGLE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The name and parameter size Breakpad's Windows dump_syms prints for a
 * decorated public symbol (S_PUB32 or PE export name):
 *  - an LLVM uniquing suffix (".llvm.<digits>", or "$" and 32 hex digits at
 *    the end) is removed first;
 *  - C++ names ("?...") are undecorated without access specifier, calling
 *    convention, return type, member type (static/virtual), class/struct/
 *    union/enum keywords, "this" qualifiers (const, volatile, &, &&) and
 *    noexcept; "(void)" at the end becomes "()"; LLVM's short spellings of
 *    the special members ("`scalar deleting dtor'") become DbgHelp's
 *    ("`scalar deleting destructor'"); spacing as MSVC's undname prints it
 *    ("f(int,char * *)", "A<B<int> >", where LLVM has "f(int, char **)"
 *    and "A<B<int>>"); a string literal is "`string'";
 *  - C names (no ':' or '(') have their decoration removed and *param_size
 *    set: "_f@N" (stdcall) -> "f", N; "@f@N" (fastcall) -> "f", max(N-8, 0);
 *    "f@@N" (vectorcall) -> "f", N; "_f" (cdecl) -> "f", 0;
 *  - anything else, including a C++ name the demangler rejects, is
 *    returned unchanged (suffix included) with *param_size 0.
 * Returns a malloc'd string the caller frees, or NULL when out of memory
 * (*param_size is then 0).  param_size may be NULL. */
char *msvc_public_name(const char *decorated, uint32_t *param_size);

/* The bare C++ undecoration msvc_public_name() uses (the flags and
 * rewrites above, no suffix stripping, no C rules).  Returns a malloc'd
 * string the caller frees, or NULL when decorated is not a C++ name LLVM's
 * demangler accepts in full, is longer than MSVC_DEMANGLE_MAX, nests back
 * references so deeply that parsing or printing it could take more than
 * about 64 MB (then msvc_public_name() leaves it decorated), or memory runs
 * out. */
char *msvc_demangle(const char *decorated);

/* MSVC itself never emits a decorated name longer than 4096 characters
 * (longer ones become "??@<md5>@"); longer input is not demangled, which
 * also bounds the demangler's recursion on hostile input. */
#define MSVC_DEMANGLE_MAX 4096

#ifdef __cplusplus
}
#endif

#endif
