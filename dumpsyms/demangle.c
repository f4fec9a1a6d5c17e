#include "config.h"
#include "demangle.h"

#include <string.h>
#include <libiberty/demangle.h>

char *demangle_cxx(const char *s)
{
	return cplus_demangle_v3(s, DMGL_PARAMS | DMGL_ANSI | DMGL_TYPES);
}

char *demangle_rust(const char *s)
{
	if (strncmp(s, "_R", 2) != 0 && strncmp(s, "_ZN", 3) != 0)
		return NULL;
	return rust_demangle(s, DMGL_PARAMS | DMGL_ANSI);
}

char *demangle_symbol(const char *s)
{
	char *d = demangle_rust(s);

	return d ? d : demangle_cxx(s);
}
