/* dwarf-funcs.c - an independent oracle for the DWARF tests, built on
 * libdwarf (not on our reader): prints "LOW HIGH" in hex for every
 * DW_TAG_subprogram with DW_AT_low_pc and DW_AT_high_pc, anywhere in the
 * DIE tree of every compilation unit.  Tests compare this list with our
 * FUNC records. */
#include <stdio.h>
#include <stdlib.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

static unsigned long depth_limit = 512;

static void walk(Dwarf_Debug dbg, Dwarf_Die die, unsigned long depth)
{
	Dwarf_Error err = NULL;

	while (die) {
		Dwarf_Half tag = 0;
		Dwarf_Die child = NULL, next = NULL;

		if (dwarf_tag(die, &tag, &err) == DW_DLV_OK && tag == DW_TAG_subprogram) {
			Dwarf_Addr lo = 0, hi = 0;
			Dwarf_Half form = 0;
			enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;

			if (dwarf_lowpc(die, &lo, &err) == DW_DLV_OK &&
			    dwarf_highpc_b(die, &hi, &form, &cls, &err) == DW_DLV_OK) {
				if (cls == DW_FORM_CLASS_CONSTANT)
					hi += lo;
				if (hi > lo)
					printf("%llx %llx\n", (unsigned long long)lo, (unsigned long long)hi);
			}
		}
		if (depth < depth_limit && dwarf_child(die, &child, &err) == DW_DLV_OK)
			walk(dbg, child, depth + 1);
		if (dwarf_siblingof_b(dbg, die, 1, &next, &err) != DW_DLV_OK)
			next = NULL;
		dwarf_dealloc(dbg, die, DW_DLA_DIE);
		die = next;
	}
}

int main(int argc, char **argv)
{
	Dwarf_Debug dbg = NULL;
	Dwarf_Error err = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: dwarf-funcs FILE\n");
		return 2;
	}
	if (dwarf_init_path(argv[1], NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL,
			    &dbg, NULL, 0, NULL, &err) != DW_DLV_OK) {
		fprintf(stderr, "dwarf-funcs: libdwarf cannot open %s\n", argv[1]);
		return 1;
	}
	for (;;) {
		Dwarf_Unsigned next = 0;
		Dwarf_Half type = 0;
		Dwarf_Die cu = NULL;
		int r = dwarf_next_cu_header_d(dbg, 1, NULL, NULL, NULL, NULL, NULL, NULL,
					       NULL, NULL, &next, &type, &err);
		if (r != DW_DLV_OK)
			break;
		if (dwarf_siblingof_b(dbg, NULL, 1, &cu, &err) == DW_DLV_OK)
			walk(dbg, cu, 0);
	}
	dwarf_finish(dbg, &err);
	return 0;
}
