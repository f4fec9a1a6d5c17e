/* symname.h - comparing a function's DWARF name with its symbol's.
 *
 * Under -gline-tables-only (clang) or -g1 (gcc) DWARF names a function by
 * its bare name ("run"), and some functions have no name at all; the
 * symbol table knows "(anonymous namespace)::RestockCommand::run()".  A
 * FUNC takes the symbol's demangled name when the two agree on the base
 * name: the last scope component without parameters, cv and ref
 * qualifiers, ABI tags, return type, template arguments and clone
 * suffixes (so an identical-code-folding alias of another name is not
 * taken). */
#ifndef SYM_SYMNAME_H
#define SYM_SYMNAME_H

#include <stdbool.h>
#include <stddef.h>

/* The length of s[0..n) without the compiler's clone suffixes: demangled
 * " [clone .cold]" / " [clone .constprop.0]" (any number of them), or on a
 * raw name ".cold", ".part.N", ".isra.N", ".constprop.N", ".lto_priv.N",
 * ".llvm.N", ".localalias" and the like. */
size_t symname_unclone(const char *s, size_t n);

/* The base name of the function name s[0..n), as a slice of s: *len gets
 * its length.  params: s ends in a parameter list (a demangled C++ symbol),
 * which is removed with what follows it; without it, a DWARF name such as
 * "operator()" is taken as it is. */
const char *symname_base(const char *s, size_t n, bool params, size_t *len);

/* Whether the DWARF name dw and the demangled (or raw) symbol sym name the
 * same function by the rule above. */
bool symname_agree(const char *dw, const char *sym);

#endif
