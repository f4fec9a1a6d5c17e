# FUNC names from the symbol table: tests/fixtures/names-scopes/short.cc,
# built with gcc -g1 and clang -gline-tables-only (-O0 and -O2), where
# DWARF names a function by its bare name or (clang, a function without
# inlined calls) has no DW_TAG_subprogram for it.
#
# The FUNC names must be the "// EXPECT-SHORT: NAME" lines of the source,
# one FUNC each (compared sorted: the order is the linker's).  That says:
# a short DWARF name becomes the symbol's demangled name with parameters,
# not an alias of another base name at the same address that comes first
# in the symbol table (zz_folded), without clone suffixes (gcc's
# scale.constprop.0); clang's scale, which has no DIE, is a FUNC with its
# line records.  The gcc -g build keeps DWARF's names (EXPECT-FULL: no
# parameters where DWARF built the name).  With --breakpad-names, every
# build's FUNC records are Breakpad's dump_syms' (names, addresses, sizes).
# The same names for the clang build as a Mach-O program with a dSYM, and
# as 32-bit ARM Thumb code (symbol values with bit 0 set).  A name a later
# DIE of the unit gives through a forward reference stays DWARF's.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
src=$TOP/tests/fixtures/names-scopes/short.cc
[ -f "$src" ] || fail "no fixture source at $src"
expected() {
	sed -n "s|^[[:space:]]*// EXPECT-$1: \(.*\)\$|\1|p" "$src" | LC_ALL=C sort
}
funcs() {	# the FUNC names of a .sym, sorted, repeats kept
	sed -nE 's/^FUNC (m )?[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ //p' "$1" | LC_ALL=C sort
}
expected SHORT > short.want
expected FULL > full.want
[ "$(wc -l < short.want)" -ge 4 ] && [ "$(wc -l < full.want)" -ge 4 ] || fail "short.cc lacks EXPECT lines"
grep -q zz_folded "$src" || fail "short.cc lost its alias"

n=0
for b in "g++ -O0 -g1" "g++ -O2 -g1" "clang++ -O0 -gline-tables-only" "clang++ -O2 -gline-tables-only" \
	"g++ -O2 -g"; do
	v=$(echo "$b" | tr -d ' +' | tr '=' '-')
	$b -o $v "$src" || fail "$b failed"
	readelf -sW $v | grep ' zz_folded$' > /dev/null || fail "$v: no alias symbol zz_folded"
	run_dumpsyms $v > $v.sym 2> $v.err || fail "dumpsyms failed on $v: $(cat $v.err)"
	case $b in *" -g") want=full.want ;; *) want=short.want ;; esac
	funcs $v.sym > $v.names
	compare $want $v.names "[$b] FUNC names"
	# every FUNC has line records (clang's scale too: from the line table)
	awk '$1 == "FUNC" { if (f && !l) print f; f = $0; l = 0; next }
	     /^[0-9a-f]+ [0-9a-f]+ [0-9]+ [0-9]+$/ { l++ }
	     /^(PUBLIC|STACK)/ { if (f && !l) print f; f = "" }
	     END { if (f && !l) print f }' $v.sym > $v.nolines
	[ ! -s $v.nolines ] || fail "[$b] FUNC records without lines: $(cat $v.nolines)"
	# --breakpad-names: Breakpad's FUNC records exactly
	run_dumpsyms --breakpad-names $v > $v.bpn.sym || fail "dumpsyms --breakpad-names failed on $v"
	objcopy --add-section .debug_addr=/dev/null $v $v.bp 2> /dev/null || cp $v $v.bp
	"$BP/dump_syms" $v.bp > $v.bp.sym 2> /dev/null || fail "Breakpad's dump_syms failed on $v"
	grep '^FUNC' $v.bp.sym > $v.bp.funcs
	grep '^FUNC' $v.bpn.sym > $v.bpn.funcs
	[ -s $v.bp.funcs ] || fail "Breakpad wrote no FUNC for $v"
	compare $v.bp.funcs $v.bpn.funcs "[$b] FUNC records with --breakpad-names against Breakpad's"
	n=$((n + 1))
done
# Mach-O (clang -gline-tables-only, ld64.lld, a dSYM from dsymutil): the
# same names from the nlist symbol table (without the ELF-only alias)
for t in ld64.lld-14 dsymutil; do command -v $t > /dev/null || fail "$t is required (Debian packages lld, llvm)"; done
sed '/^asm(/d' "$src" > short-macho.cc
clang++ --target=x86_64-apple-macos11 -Wno-stdlibcxx-not-found -O2 -gline-tables-only -c short-macho.cc -o m.o &&
	ld64.lld-14 -arch x86_64 -platform_version macos 11.0 11.0 -e _main -o macho m.o &&
	dsymutil macho 2> dsymutil.err || fail "cannot build the Mach-O program: $(cat dsymutil.err)"
run_dumpsyms macho macho.dSYM > macho.sym 2> macho.err || fail "dumpsyms failed on the Mach-O program: $(cat macho.err)"
funcs macho.sym > macho.names
compare short.want macho.names "[Mach-O] FUNC names"
n=$((n + 1))
# 32-bit ARM Thumb (clang -mthumb, ld.lld): a Thumb function symbol's
# value has bit 0 set, DWARF's low_pc does not; the same names, and FUNCs
# made from symbols start at the even address
clang++ --target=armv7a-linux-gnueabihf -mthumb -O2 -gline-tables-only -fno-exceptions -c short-macho.cc -o t.o &&
	ld.lld -e main -o thumb t.o 2> ld.err || fail "cannot build the Thumb program: $(cat ld.err)"
readelf -sW thumb | awk '$4 == "FUNC" && $2 ~ /[13579bdf]$/' | grep -q . || fail "no Thumb symbol (odd value) in the program"
run_dumpsyms thumb > thumb.sym 2> thumb.err || fail "dumpsyms failed on the Thumb program: $(cat thumb.err)"
funcs thumb.sym > thumb.names
compare short.want thumb.names "[Thumb] FUNC names"
grep -E '^FUNC [0-9a-f]*[13579bdf] ' thumb.sym && fail "[Thumb] a FUNC at an odd address"
n=$((n + 1))
# A name that a DIE later in the unit gives (main's DW_AT_specification
# refers forward to deep::target's declaration) is DWARF's, not the
# symbol's: the function had no name when it was read, and must not keep
# that mark once named (hand-written DWARF 4: compile unit; subprogram
# with specification ref_addr, low_pc, high_pc; namespace; declaration)
{
	printf '\t.text\n\t.globl main\n\t.type main, @function\nmain:\n\txorl %%eax, %%eax\n\tret\n\t.size main, .-main\n'
	printf '\t.section .debug_abbrev,"",@progbits\n.Labbrev0:\n'
	for b in 1 0x11 1 0x13 0x0b 3 8 0 0 4 0x2e 0 0x47 0x10 0x11 1 0x12 7 0 0 \
		5 0x2e 0 3 8 0x3c 0x19 0 0 6 0x39 1 3 8 0 0 0; do
		printf '\t.byte %s\n' $b
	done
	printf '\t.section .debug_info,"",@progbits\n.Lcu:\n\t.long .Lcu_end - .Lcu - 4\n\t.value 4\n'
	printf '\t.long .Labbrev0\n\t.byte 8\n\t.byte 1\n\t.byte 0x21\n\t.string "fwd.cc"\n'
	printf '\t.byte 4\n\t.long .Ltarget\n\t.quad main\n\t.quad 3\n'
	printf '\t.byte 6\n\t.string "deep"\n.Ltarget:\n\t.byte 5\n\t.string "target"\n\t.byte 0\n\t.byte 0\n.Lcu_end:\n'
	printf '\t.section .note.GNU-stack,"",@progbits\n'
} > fwd.s
gcc -o fwd fwd.s || fail "cannot assemble fwd.s"
run_dumpsyms fwd > fwd.sym 2> fwd.err || fail "dumpsyms failed on fwd: $(cat fwd.err)"
grep -x 'FUNC [0-9a-f]* 3 0 deep::target' fwd.sym > /dev/null ||
	fail "the forward specification's name was not kept: $(grep '^FUNC' fwd.sym)"
n=$((n + 1))
# the option must change something, or the comparison above says nothing
cmp -s g-O2-g1.names <(funcs g-O2-g1.bpn.sym) && fail "--breakpad-names changes nothing on gcc -g1"
echo "$n builds: FUNC names from the symbol table as expected; Breakpad's with --breakpad-names"
