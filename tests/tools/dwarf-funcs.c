/* dwarf-funcs.c - an independent oracle for the DWARF tests, built on
 * libdwarf (not on our reader): prints "LOW HIGH" in hex for every
 * DW_TAG_subprogram with DW_AT_low_pc and DW_AT_high_pc, and for every
 * range of a DW_TAG_subprogram with DW_AT_ranges (DWARF 4 .debug_ranges,
 * DWARF 5 .debug_rnglists), anywhere in the DIE tree of every compilation
 * unit.  Tests compare this list with our FUNC records. */
#include <stdio.h>
#include <stdlib.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

static unsigned long depth_limit = 512;
static Dwarf_Addr cu_base;	/* the unit's DW_AT_low_pc: base of DWARF 4 ranges */

static void print_range(Dwarf_Addr lo, Dwarf_Addr hi)
{
	if (hi > lo && lo != 0)
		printf("%llx %llx\n", (unsigned long long)lo, (unsigned long long)hi);
}

/* Prints the ranges DW_AT_ranges of DIE names; an attribute libdwarf
 * cannot read is an error (exit 1): the oracle must not skip functions. */
static void print_ranges(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Attribute attr)
{
	Dwarf_Error err = NULL;
	Dwarf_Half form = 0, version = 0, offset_size = 0;
	Dwarf_Unsigned value = 0;
	Dwarf_Off off = 0;

	if (dwarf_whatform(attr, &form, &err) != DW_DLV_OK ||
	    dwarf_get_version_of_die(die, &version, &offset_size) != DW_DLV_OK)
		goto bad;
	if (version >= 5) {
		Dwarf_Rnglists_Head head = NULL;
		Dwarf_Unsigned n = 0, global = 0, i;

		if (form == DW_FORM_rnglistx) {
			if (dwarf_formudata(attr, &value, &err) != DW_DLV_OK)
				goto bad;
		} else if (dwarf_global_formref(attr, &off, &err) == DW_DLV_OK) {
			value = off;
		} else {
			goto bad;
		}
		if (dwarf_rnglists_get_rle_head(attr, form, value, &head, &n, &global, &err) != DW_DLV_OK)
			goto bad;
		for (i = 0; i < n; i++) {
			unsigned len = 0, code = 0;
			Dwarf_Unsigned r1 = 0, r2 = 0, c1 = 0, c2 = 0;
			Dwarf_Bool noaddr = 0;

			if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &r1, &r2, &noaddr,
							      &c1, &c2, &err) != DW_DLV_OK || noaddr) {
				dwarf_dealloc_rnglists_head(head);
				goto bad;
			}
			if (code == DW_RLE_offset_pair || code == DW_RLE_startx_endx ||
			    code == DW_RLE_startx_length || code == DW_RLE_start_end ||
			    code == DW_RLE_start_length)
				print_range(c1, c2);
		}
		dwarf_dealloc_rnglists_head(head);
	} else {
		Dwarf_Ranges *r = NULL;
		Dwarf_Signed n = 0, i;
		Dwarf_Unsigned bytes = 0;
		Dwarf_Off real = 0;
		Dwarf_Addr base = cu_base;

		if (dwarf_global_formref(attr, &off, &err) != DW_DLV_OK ||
		    dwarf_get_ranges_b(dbg, off, die, &real, &r, &n, &bytes, &err) != DW_DLV_OK)
			goto bad;
		for (i = 0; i < n; i++) {
			if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
				base = r[i].dwr_addr2;
			else if (r[i].dwr_type == DW_RANGES_ENTRY)
				print_range(base + r[i].dwr_addr1, base + r[i].dwr_addr2);
		}
		dwarf_ranges_dealloc(dbg, r, n);
	}
	return;
bad:
	fprintf(stderr, "dwarf-funcs: libdwarf cannot read the DW_AT_ranges of a function\n");
	exit(1);
}

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
			Dwarf_Attribute ranges = NULL;

			if (dwarf_lowpc(die, &lo, &err) == DW_DLV_OK &&
			    dwarf_highpc_b(die, &hi, &form, &cls, &err) == DW_DLV_OK) {
				if (cls == DW_FORM_CLASS_CONSTANT)
					hi += lo;
				if (hi > lo)
					printf("%llx %llx\n", (unsigned long long)lo, (unsigned long long)hi);
			} else if (dwarf_attr(die, DW_AT_ranges, &ranges, &err) == DW_DLV_OK) {
				print_ranges(dbg, die, ranges);
				dwarf_dealloc(dbg, ranges, DW_DLA_ATTR);
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
		if (dwarf_siblingof_b(dbg, NULL, 1, &cu, &err) == DW_DLV_OK) {
			cu_base = 0;
			if (dwarf_lowpc(cu, &cu_base, &err) != DW_DLV_OK)
				cu_base = 0;
			walk(dbg, cu, 0);
		}
	}
	dwarf_finish(dbg, &err);
	return 0;
}
