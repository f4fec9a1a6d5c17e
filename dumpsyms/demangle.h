/* demangle.h - symbol demangling, the only user of libiberty. */
#ifndef SYM_DEMANGLE_H
#define SYM_DEMANGLE_H

/* Itanium C++ demangling as abi::__cxa_demangle does it (parameters
 * included; a bare type code such as "i" demangles too).  Returns a
 * malloc'd string the caller frees, or NULL when s is not demanglable. */
char *demangle_cxx(const char *s);

/* Rust (legacy and v0) demangling without the hash suffix; NULL when s is
 * not a Rust symbol. */
char *demangle_rust(const char *s);

/* Demangles a symbol-table name: Rust first, then C++.  NULL when it is
 * neither. */
char *demangle_symbol(const char *s);

#endif
