# dwz: partial units, DW_TAG_imported_unit and DW_FORM_ref_addr
# references into them, first in a single file (no -m).  dwz
# moves the DIEs several units share (class declarations, abstract
# instances of inline functions) into partial units and keeps the build
# id, so the .sym of the dwz'd copy must be byte for byte the one of the
# copy before dwz: plain and with -d, and also from an
# `objcopy --compress-debug-sections` copy of the dwz'd file (.debug_info
# is then a decompressed copy, whose released pages would read back as
# zeros: a partial unit imported late must not have been given back).
# Each partial unit is read once however often it is imported (-v counts
# them); its DIEs take the importer's language.  Hand-written DWARF then
# tries import cycles, chains deeper than 8, imports of a unit's middle,
# of a compile unit and past .debug_info, references past .debug_info,
# and a partial unit with code: each is a warning under -v, exit 0, no
# sanitizer report, no hang.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v dwz > /dev/null || fail "dwz is required (Debian package dwz; scripts/deps --test installs it)"
cp "$TOP"/tests/fixtures/cpp/*.cc "$TOP"/tests/fixtures/cpp/*.h .
# Two more units sharing a header the first ones do not include: dwz puts
# its DIEs in a partial unit that the fourth unit imports first, after
# more than 64 KiB of .debug_info have been read (and may be released).
cat > extra.h <<'SRC'
namespace extra {
struct Box {
	int v;
	explicit Box(int x);
	int get() const;
	int twice() const;
	static Box make(int x);
};
inline int peek(const Box &b) { return b.get() + 1; }
}
SRC
cat > x.cc <<'SRC'
#include "extra.h"
namespace extra {
Box::Box(int x) : v(x) {}
int Box::get() const { return v; }
}
int x_entry(int k) { extra::Box b(k); return extra::peek(b); }
SRC
cat > y.cc <<'SRC'
#include "extra.h"
namespace extra {
int Box::twice() const { return get() * 2; }
Box Box::make(int x) { return Box(x); }
}
int y_entry(int k) { return extra::Box::make(k).twice() + extra::peek(extra::Box(k)); }
SRC

# the offset of a section in the file, in decimal
sect_off() {
	local r
	r=$(readelf -SW "$1" | sed 's/\[ */[/' | awk -v n="$2" '$2 == n { print $5 }')
	[ -n "$r" ] || fail "$1 has no $2"
	echo $((16#$r))
}

# java IN OUT: OUT is IN with every compile unit's DW_AT_language (one
# byte, DW_FORM_data1) set to Java (0x0b), whose names are qualified with
# "." and whose linkage names are not demangled
java() {
	local in=$1 out=$2 base n=0 a
	base=$(sect_off "$in" .debug_info)
	cp "$in" "$out"
	for a in $(readelf --debug-dump=info "$in" |
		awk '/DW_AT_language *: (4|26|33)[ \t]/{ s = $1; gsub(/[<>]/, "", s); print s }'); do
		corrupt "$out" "$out.t" set $((base + 16#$a)) 0b
		mv "$out.t" "$out"
		n=$((n + 1))
	done
	[ $n -ge 5 ] || fail "$in: only $n DW_AT_language attributes to change"
}

late=0
for v in "-O0 -gdwarf-4" "-O0 -gdwarf-5" "-O2 -gdwarf-4" "-O2 -gdwarf-5"; do
	rm -rf pre post comp && mkdir pre post comp
	g++ -g $v -Wl,--build-id main.cc registry.cc shapes.cc x.cc y.cc -o pre/prog ||
		fail "[$v] cannot build"
	cp pre/prog post/prog
	dwz post/prog || fail "[$v] dwz failed"
	objcopy --compress-debug-sections post/prog comp/prog || fail "[$v] objcopy --compress-debug-sections failed"
	readelf -SW comp/prog | grep ' \.debug_info .* [A-Z]*C[A-Z]* ' > /dev/null ||
		fail "[$v] objcopy did not compress .debug_info"
	# what dwz made: partial units, imported by the compile units
	readelf --debug-dump=info post/prog > info.txt
	npu=$(grep -c '^ *<0><[0-9a-f]*>: .*(DW_TAG_partial_unit)' info.txt)
	nimp=$(grep -c '^ *<[0-9]*><[0-9a-f]*>: .*(DW_TAG_imported_unit)' info.txt)
	[ "$npu" -ge 3 ] && [ "$nimp" -gt "$npu" ] || fail "[$v] dwz made $npu partial units, $nimp imports"
	# a partial unit first imported by a compile unit past 68 KiB
	awk '/Compilation Unit @ offset/ { u = $NF; sub(/:$/, "", u); sub(/^0x/, "", u); next }
	     /<0><[0-9a-f]+>:/ { cu = $0 ~ /DW_TAG_compile_unit/; next }
	     /\(DW_TAG_imported_unit\)/ { imp = 1; next }
	     imp && /DW_AT_import/ { imp = 0; t = $0; sub(/.*<0x/, "", t); sub(/>.*/, "", t)
		if (!(t in seen)) { seen[t] = 1; if (cu) print u } next }
	     { imp = 0 }' info.txt > first.txt
	while read -r u; do
		[ $((16#$u)) -gt $((0x11000)) ] && late=$((late + 1))
	done < first.txt
	for fl in "" "-d"; do
		run_dumpsyms $fl pre/prog > pre.sym || fail "[$v $fl] conversion before dwz failed"
		run_dumpsyms -v $fl post/prog > post.sym 2> post.err || fail "[$v $fl] conversion after dwz failed: $(cat post.err)"
		run_dumpsyms $fl comp/prog > comp.sym 2> comp.err || fail "[$v $fl] conversion of the compressed copy failed: $(cat comp.err)"
		[ "$(grep -c '^FUNC' pre.sym)" -ge 50 ] || fail "[$v $fl] too few FUNC records before dwz"
		grep '^FUNC .* extra::Box::get() const$' pre.sym > /dev/null || fail "[$v $fl] no extra::Box::get() before dwz"
		compare pre.sym post.sym "[$v $fl] the dwz'd file's .sym"
		compare pre.sym comp.sym "[$v $fl] the compressed dwz'd file's .sym"
		# each partial unit read once, however often it is imported
		grep -F "dumpsyms: post/prog: $nimp imports of partial units (dwz), $npu partial units read" post.err > /dev/null ||
			fail "[$v $fl] expected $nimp imports and $npu partial units read: $(grep 'partial units' post.err)"
		if grep -v 'DW_CFA_def_cfa_expression' post.err | grep 'warning' > /dev/null; then
			fail "[$v $fl] warnings on dwz's output: $(cat post.err)"
		fi
	done
	if [ "$v" = "-O2 -gdwarf-4" ]; then
		# the partial units' DIEs are named in their importer's language
		java pre/prog pre/java && java post/prog post/java
		run_dumpsyms -d pre/java | sed 1d > pre-java.sym || fail "[$v] Java conversion before dwz failed"
		run_dumpsyms -d post/java | sed 1d > post-java.sym || fail "[$v] Java conversion after dwz failed"
		grep '^INLINE_ORIGIN [0-9]* extra\.Box\.make$' pre-java.sym > /dev/null || fail "[$v] the language change had no effect"
		compare pre-java.sym post-java.sym "[$v] the dwz'd file's .sym in Java"
	fi
done
[ "$late" -ge 1 ] || fail "no partial unit was first imported past 68 KiB: the compressed copies test no release"

# ---- dwz -m: the DIEs two programs share go to a supplementary file that
# .gnu_debugaltlink (DW_FORM_GNU_ref_alt, GNU_strp_alt; here with an
# absolute name) or, with --dwarf-5, .debug_sup (DW_FORM_ref_sup4,
# strp_sup; a name relative to the file) names.  Found there, in
# DIR/.dwz/ of a debug directory DIR, the .sym equals the one before dwz;
# one whose id is not the link's is skipped with a warning naming both;
# none found is a warning naming the file, exit 0.
cat > main2.cc <<'SRC'
#include "extra.h"
int x_entry(int k);
int y_entry(int k);
int main(int argc, char **) { return x_entry(argc) + y_entry(argc); }
SRC
for v in "-gdwarf-4" "-gdwarf-5"; do
	rm -rf m && mkdir -p m/pre m/post m/dbg/.dwz
	g++ -g -O2 $v -Wl,--build-id main.cc registry.cc shapes.cc x.cc y.cc -o m/pre/a &&
		g++ -g -O2 $v -Wl,--build-id main2.cc registry.cc shapes.cc x.cc y.cc -o m/pre/b ||
		fail "[-m $v] cannot build"
	cp m/pre/a m/pre/b m/post/
	if [ "$v" = "-gdwarf-5" ]; then
		( cd m/post && dwz --dwarf-5 -m common.dwz -M common.dwz a b ) || fail "[-m $v] dwz failed"
		link=.debug_sup
	else
		( cd m/post && dwz -m common.dwz -M "$T/m/post/common.dwz" a b ) || fail "[-m $v] dwz failed"
		link=.gnu_debugaltlink
	fi
	readelf -SW m/post/a | grep -F " $link " > /dev/null || fail "[-m $v] dwz wrote no $link"
	for x in a b; do
		for fl in "" "-d"; do
			run_dumpsyms $fl m/pre/$x > pre.sym || fail "[-m $v $x $fl] conversion before dwz failed"
			run_dumpsyms $fl m/post/$x > post.sym 2> post.err || fail "[-m $v $x $fl] conversion after dwz failed"
			compare pre.sym post.sym "[-m $v $x $fl] the .sym with a supplementary file"
			grep -v DW_CFA_def_cfa_expression post.err | grep warning > /dev/null &&
				fail "[-m $v $x $fl] warnings: $(cat post.err)"
		done
	done
	# a relative name is relative to the file, not to the working directory
	( cd / && "$DUMPSYMS" -d "$T/m/post/b" ) > rel.sym 2> rel.err || fail "[-m $v] conversion from / failed"
	run_dumpsyms -d m/pre/b > pre.sym
	compare pre.sym rel.sym "[-m $v] the .sym converted from another directory"
	# moved to DIR/.dwz/: found through the debug directory DIR
	mv m/post/common.dwz m/dbg/.dwz/common.dwz
	run_dumpsyms -d m/post/a m/dbg > moved.sym 2> moved.err || fail "[-m $v] conversion with the file in DIR/.dwz failed"
	run_dumpsyms -d m/pre/a > pre.sym
	compare pre.sym moved.sym "[-m $v] the .sym with the supplementary file in DIR/.dwz"
	# a link that wants another id (its last byte changed): skipped, named
	size=$(readelf -SW m/post/a | sed 's/\[ */[/' | awk -v n="$link" '$2 == n { print $5, $6 }')
	[ -n "$size" ] || fail "[-m $v] no $link in the section table"
	set -- $size
	corrupt m/post/a m/post/other set $((16#$1 + 16#$2 - 1)) 00
	run_dumpsyms m/post/other m/dbg > other.sym 2> other.err || fail "[-m $v] a wrong supplementary file failed the module"
	grep -F "skipped m/dbg/.dwz/common.dwz: build id" other.err > /dev/null ||
		fail "[-m $v] no warning naming the skipped file: $(cat other.err)"
	grep "build id [0-9a-f]*, the link wants [0-9a-f]*00$" other.err > /dev/null ||
		fail "[-m $v] the warning does not name both ids: $(cat other.err)"
	grep '^FUNC ' other.sym > /dev/null || fail "[-m $v] no FUNC records without the supplementary file"
	# missing: a warning naming it, the module written
	rm m/dbg/.dwz/common.dwz
	run_dumpsyms m/post/a > missing.sym 2> missing.err || fail "[-m $v] a missing supplementary file failed the module"
	grep -F "supplementary file '" missing.err | grep -F "common.dwz' (dwz -m, build id" > /dev/null ||
		fail "[-m $v] no warning naming the missing file: $(cat missing.err)"
	grep '^MODULE' missing.sym > /dev/null && grep '^FUNC ' missing.sym > /dev/null ||
		fail "[-m $v] the module lost its records without the supplementary file"
	# the names the supplementary file held come from the symbol table:
	# each FUNC is named as before dwz (a name the main file's DIEs
	# give) or as binutils' nm -C names a symbol at its address (clone
	# suffixes dropped), none "<name omitted>"
	nm -C --defined-only m/post/a | awk '$2 ~ /^[tTwW]$/ { a = $1; sub(/^[^ ]* [^ ]* /, ""); sub(/ \[clone .*$/, ""); print a, $0 }' > nm.txt
	run_dumpsyms m/pre/a | awk '$1 == "FUNC" { print $2, $0 }' | sed 's/ FUNC [0-9a-f]* [0-9a-f]* [0-9a-f]* \(m \)\{0,1\}/ /' > pre-names.txt
	awk 'FILENAME != ARGV[3] { s = $1; sub(/^0*/, "", s); $1 = ""; sub(/^ /, ""); n[s] = n[s] "|" $0 "|"; next }
	     $1 == "FUNC" { name = $0; sub(/^FUNC [0-9a-f]* [0-9a-f]* [0-9a-f]* (m )?/, "", name); k++
		if (index(n[$2], "|" name "|") == 0) { print "FUNC " $2 " " name " is neither: " n[$2]; bad++ } }
	     END { if (!k) print "no FUNC records"; exit (bad || !k) }' nm.txt pre-names.txt missing.sym > names.out ||
		fail "[-m $v] FUNC names without the supplementary file: $(head -n 5 names.out)"
	grep -F '<name omitted>' missing.sym && fail "[-m $v] functions without a name"
	# names are missing, which --strict refuses: exit 1, nothing written
	rc=0
	run_dumpsyms --strict m/post/a > strict.sym 2> strict.err || rc=$?
	[ $rc = 1 ] || fail "[-m $v] --strict with a missing supplementary file: exit $rc, not 1"
	[ ! -s strict.sym ] || fail "[-m $v] --strict wrote records despite the missing supplementary file"
	grep -F "supplementary file '" strict.err > /dev/null || fail "[-m $v] --strict: no warning: $(cat strict.err)"
done

# ---- hand-written DWARF 4: a compile unit imports partial unit 1, unit k
# imports k+1 (IMPORTS times), the last holds namespace deep with the
# declaration of target, which the unit's function (main) specifies.  A
# bad import is a warning; the specification still names main when the
# partial unit holding it is read on that reference.
# With LATE, the unit imports nothing and a second unit after it imports
# partial unit 1 (LTO after dwz: a reference before the import).
# gen_dwarf OUT NPU IMPORTS CYCLE IMPORT_TARGET SPEC_TARGET PUCODE [LATE]
gen_dwarf() {
	local out=$1 n=$2 imports=$3 cycle=$4 imp=$5 spec=$6 pucode=$7 late=${8:-0} k j
	{
		printf '\t.text\n\t.globl main\n\t.type main, @function\nmain:\n\txorl %%eax, %%eax\n\tret\n'
		printf '\t.size main, .-main\n\t.globl other\n\t.type other, @function\nother:\n\tret\n'
		printf '\t.size other, .-other\n\t.section .debug_abbrev,"",@progbits\n.Labbrev0:\n'
		# 1 compile_unit (language data1, name string), children
		# 2 partial_unit, children; 3 imported_unit (import ref_addr)
		# 4 subprogram (specification ref_addr, low_pc, high_pc data8)
		# 5 subprogram (name, declaration); 6 namespace (name), children
		# 7 subprogram (name, low_pc, high_pc data8)
		for b in 1 0x11 1 0x13 0x0b 3 8 0 0 2 0x3c 1 0 0 3 0x3d 0 0x18 0x10 0 0 \
			4 0x2e 0 0x47 0x10 0x11 1 0x12 7 0 0 5 0x2e 0 3 8 0x3c 0x19 0 0 \
			6 0x39 1 3 8 0 0 7 0x2e 0 3 8 0x11 1 0x12 7 0 0 0; do
			printf '\t.byte %s\n' $b
		done
		printf '\t.section .debug_info,"",@progbits\n'
		for ((k = 1; k <= n; k++)); do
			printf '.Lpu%d:\n\t.long .Lpu%d_end - .Lpu%d - 4\n\t.value 4\n\t.long .Labbrev0\n\t.byte 8\n' $k $k $k
			printf '.Lpu%d_die:\n\t.byte 2\n' $k
			if [ $k -lt $n ]; then
				for ((j = 0; j < imports; j++)); do
					printf '\t.byte 3\n\t.long .Lpu%d_die\n' $((k + 1))
				done
			else
				[ "$cycle" = 1 ] && printf '\t.byte 3\n\t.long .Lpu1_die\n'
				printf '\t.byte 6\n\t.string "deep"\n.Lns:\n\t.byte 5\n\t.string "target"\n\t.byte 0\n'
				[ "$pucode" = 1 ] && printf '\t.byte 7\n\t.string "coded"\n\t.quad other\n\t.quad 1\n'
			fi
			printf '\t.byte 0\n.Lpu%d_end:\n' $k
		done
		printf '.Lcu:\n\t.long .Lcu_end - .Lcu - 4\n\t.value 4\n\t.long .Labbrev0\n\t.byte 8\n'
		printf '.Lcu_die:\n\t.byte 1\n\t.byte 0x21\n\t.string "hostile.cc"\n'
		[ "$late" = 1 ] || printf '\t.byte 3\n\t.long %s\n' "$imp"
		printf '\t.byte 4\n\t.long %s\n\t.quad main\n\t.quad 3\n\t.byte 0\n.Lcu_end:\n' "$spec"
		if [ "$late" = 1 ]; then
			printf '.Lcu2:\n\t.long .Lcu2_end - .Lcu2 - 4\n\t.value 4\n\t.long .Labbrev0\n\t.byte 8\n'
			printf '\t.byte 1\n\t.byte 0x21\n\t.string "late.cc"\n\t.byte 3\n\t.long %s\n\t.byte 0\n.Lcu2_end:\n' "$imp"
		fi
		printf '\t.section .note.GNU-stack,"",@progbits\n'
	} > "$out.s"
	gcc -o "$out" "$out.s" || fail "cannot assemble $out"
}

# hostile NAME FUNCNAME WARNING: dumpsyms -v NAME exits 0 within 30 s, has
# FUNC main named FUNCNAME, and prints WARNING (when not empty)
hostile() {
	local rc
	timeout 30 "$DUMPSYMS" -v "$1" > "$1.sym" 2> "$1.err"
	rc=$?
	[ $rc = 0 ] || { head -n 20 "$1.err" >&2; fail "$1: exit $rc"; }
	grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$1.err" > /dev/null && { cat "$1.err" >&2; fail "$1: sanitizer report"; }
	grep -x "FUNC [0-9a-f]* 3 0 $2" "$1.sym" > /dev/null || fail "$1: no 'FUNC ... $2': $(grep FUNC "$1.sym")"
	[ -z "$3" ] || grep -F -- "$3" "$1.err" > /dev/null || fail "$1: no warning '$3': $(cat "$1.err")"
}
gen_dwarf chain8 8 1 0 .Lpu1_die .Lns 0
hostile chain8 deep::target ""
grep -F 'chain8: 8 imports of partial units (dwz), 8 partial units read' chain8.err > /dev/null || fail "chain8: $(cat chain8.err)"
gen_dwarf chain9 9 1 0 .Lpu1_die .Lns 0
hostile chain9 deep::target "partial units imported more than 8 deep"
# each unit imports the next one twice: read once each, not 2^k times
gen_dwarf diamond 8 2 0 .Lpu1_die .Lns 0
hostile diamond deep::target ""
grep -F 'diamond: 15 imports of partial units (dwz), 8 partial units read' diamond.err > /dev/null || fail "diamond: $(cat diamond.err)"
gen_dwarf cycle 3 1 1 .Lpu1_die .Lns 0
hostile cycle deep::target "is imported again while it is read"
gen_dwarf self 2 1 0 .Lcu_die .Lns 0
hostile self deep::target "which is not a partial unit"
gen_dwarf past 2 1 0 0x7ffffff0 .Lns 0
hostile past deep::target "refers to 0x7ffffff0, which is not the first DIE of a unit"
gen_dwarf middle 2 1 0 .Lns .Lns 0
hostile middle deep::target "which is not the first DIE of a unit"
gen_dwarf specpast 2 1 0 .Lpu1_die 0x7ffffff0 0
# no name from DWARF: the symbol table's (not "<name omitted>")
hostile specpast main "refers to 0x7ffffff0, outside .debug_info"
gen_dwarf code 2 1 0 .Lpu1_die .Lns 1
hostile code deep::target "in a partial unit has code"
grep '^FUNC .* coded$' code.sym > /dev/null && fail "code: the partial unit's function became a FUNC"
# referred to before any unit imports it: read at the reference
gen_dwarf late 2 1 0 .Lpu1_die .Lns 0 1
hostile late deep::target ""
grep -F 'late: 2 imports of partial units (dwz), 2 partial units read (1 on a reference before their import)' late.err > /dev/null ||
	fail "late: $(cat late.err)"
true
