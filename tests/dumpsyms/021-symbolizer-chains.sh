# Inline chains against llvm-symbolizer.  For every names fixture
# (tests/fixtures/names, built by tests/fixtures/build.sh into
# $FIXTURES/names), dumpsyms -d writes a .sym; at least 500 code addresses
# are sampled (tests/tools/sample-addrs.py, seeded by the fixture's name)
# and looked up in it as Breakpad's processor does, INLINE records
# included (tests/tools/symlookup --inlines), and by llvm-symbolizer
# --inlines in the binary.  tests/tools/chain-check.py compares the
# outermost function name, the innermost file:line and the whole inline
# chain (depth; each frame's name, file and line), prints the first 30
# misses and the three percentages, and fails the fixture when one is below
# its floor in chain-floors.txt.
#
# Split-DWARF fixtures are converted with their .dwo files, but the
# reference is their non-split sibling (-full), whose .text must then be
# the same bytes at the same address: LLVM 14 cannot read every .dwo gcc
# writes.  The same for the dwz -m copies of the gcc -g builds (below),
# whose reference is the file before dwz.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v llvm-symbolizer > /dev/null || fail "llvm-symbolizer is required (Debian package llvm)"
command -v python3 > /dev/null || fail "python3 is required (Debian package python3)"
command -v c++filt > /dev/null || fail "c++filt is required (Debian package binutils)"
[ -x "$SYMLOOKUP" ] || fail "symlookup is missing at $SYMLOOKUP (built with the project)"
floors=$TOP/tests/dumpsyms/chain-floors.txt
tools=$TOP/tests/tools
[ -d "$FIXTURES/names" ] || fail "no names fixtures in $FIXTURES/names (tests/fixtures/build.sh builds them)"

text() {	# text ELF: the address and bytes of .text
	readelf -SW "$1" | awk '$2 == ".text" { print $4 }'
	objcopy -O binary --only-section=.text "$1" /dev/stdout | sha256sum
}

# The lookup itself first, on a .sym written by hand: a level-k record
# counts only under the chosen level-(k-1) one (inner's range reaches into
# outer_b's, but it is outer_a's child), a record two levels deeper than
# the last is dropped, outer frames take the next inner record's call file
# and line; without --inlines the answer is unchanged.
printf '%s\n' 'MODULE Linux x86_64 0 nest' 'FILE 0 a.cc' 'FILE 1 h.h' 'INLINE_ORIGIN 0 outer_a' \
	'INLINE_ORIGIN 1 outer_b' 'INLINE_ORIGIN 2 inner' 'FUNC 1000 100 0 f' 'INLINE 0 10 0 0 1000 20' \
	'INLINE 1 20 1 2 1000 40' 'INLINE 0 11 0 1 1020 20' 'INLINE 2 30 1 2 1020 10' '1000 100 5 1' > nest.sym
printf '%s\t%s\t%s\n' 1010 inner h.h:5 1010 outer_a h.h:20 1010 f a.cc:10 1025 outer_b h.h:5 \
	1025 f a.cc:11 1030 outer_b h.h:5 1030 f a.cc:11 1080 f h.h:5 > nest.want
"$SYMLOOKUP" --inlines nest.sym 1010 1025 1030 1080 > nest.got || fail "symlookup --inlines failed on nest.sym"
compare nest.want nest.got "symlookup --inlines on nest.sym"
"$SYMLOOKUP" nest.sym 1010 1030 > nest.plain || fail "symlookup failed on nest.sym"
printf '1010 f h.h:5\n1030 f h.h:5\n' > nest.plain.want
compare nest.plain.want nest.plain "symlookup without --inlines"

# dumpsyms on each, then one Python run to sample them all (starting
# Python is the slow part on a busy machine), then the lookups, then one
# run to compare them all
# The gcc -g builds also after dwz -m over the two programs (a and b
# share names.h and shared.cc): the DIEs they share move to a
# supplementary file (.gnu_debugaltlink for DWARF 4, .debug_sup with
# --dwarf-5), which LLVM 14 cannot follow, so their reference is the file
# before dwz.
command -v dwz > /dev/null || fail "dwz is required (Debian package dwz; scripts/deps --test installs it)"
for o in O0 O2; do
	for d in 4 5; do
		w=dwz/$o-dw$d
		mkdir -p $w
		for p in a b; do cp "$FIXTURES/names/$p-gcc-$o-dw$d-full" $w/dwz-$p-gcc-$o-dw$d; done
		fl=
		[ $d = 5 ] && fl=--dwarf-5
		( cd $w && dwz $fl -m common.dwz -M common.dwz dwz-a-gcc-$o-dw$d dwz-b-gcc-$o-dw$d ) ||
			fail "dwz -m failed on the gcc -$o -gdwarf-$d programs"
		readelf -SW $w/dwz-a-gcc-$o-dw$d | grep -Eq ' (\.gnu_debugaltlink|\.debug_sup) ' ||
			fail "dwz made no supplementary file link for gcc -$o -gdwarf-$d"
	done
done
# And with MiniDebugInfo as Fedora makes it (tests/lib.sh mdi): no DWARF,
# only the symbols in .gnu_debugdata, so only the outermost name is
# compared (the floors' '-'), against llvm-symbolizer on the file before.
mkdir -p mdi
for v in a-gcc-O2-dw4 a-gcc-O2-dw5 a-clang-O2-dw5 b-gcc-O2-dw4 b-gcc-O2-dw5 b-clang-O2-dw5; do
	mdi "$FIXTURES/names/$v-full" mdi/mdi-$v
	readelf -SW mdi/mdi-$v | grep ' \.symtab ' > /dev/null && fail "mdi-$v still has a .symtab"
done
list=()
for f in "$FIXTURES"/names/[ab]-* dwz/*/dwz-* mdi/mdi-*; do
	case $f in *.dwo | mdi/*.*) continue ;; esac
	b=$(basename "$f")
	ref=
	case $b in
	*-split) ref=${f%-split}-full ;;
	dwz-*) ref=$FIXTURES/names/${b#dwz-}-full ;;
	mdi-*) ref=$FIXTURES/names/${b#mdi-}-full ;;
	esac
	if [ -n "$ref" ]; then
		[ -f "$ref" ] || fail "$b: no reference $(basename "$ref")"
		[ "$(text "$f")" = "$(text "$ref")" ] ||
			fail "$b: .text differs from $(basename "$ref")'s, which cannot stand in for it"
	fi
	run_dumpsyms -d "$f" > "$b.sym" 2> "$b.err" || fail "dumpsyms -d failed on $b: $(cat "$b.err")"
	grep -Eq 'not found|supplementary' "$b.err" && fail "$b: dumpsyms missed a file: $(cat "$b.err")"
	list+=("$f")
done
args=()
for f in "${list[@]}"; do
	b=$(basename "$f")
	# a MiniDebugInfo copy has no .symtab to sample: its original's
	case $b in mdi-*) f=$FIXTURES/names/${b#mdi-}-full ;; esac
	args+=("$f" "$b.sym" "$b" "$b.addrs")
done
python3 "$tools/sample-addrs.py" "${args[@]}" || fail "cannot sample addresses"
args=()
for f in "${list[@]}"; do
	b=$(basename "$f")
	case $b in
	*-split) ref=${f%-split}-full ;;
	dwz-*) ref=$FIXTURES/names/${b#dwz-}-full ;;
	mdi-*) ref=$FIXTURES/names/${b#mdi-}-full ;;
	*) ref=$f ;;
	esac
	"$SYMLOOKUP" --inlines "$b.sym" $(cat "$b.addrs") > "$b.ours" || fail "symlookup failed on $b.sym"
	[ "$(cut -f1 "$b.ours" | uniq | wc -l)" -eq "$(wc -l < "$b.addrs")" ] ||
		fail "$b: symlookup answered $(cut -f1 "$b.ours" | uniq | wc -l) of $(wc -l < "$b.addrs") addresses"
	load=$(readelf -lW "$f" | awk '$1 == "LOAD" { print $3 }' | sort | head -n 1)
	while read -r a; do printf '0x%x\n' $((0x$a + load)); done < "$b.addrs" |
		llvm-symbolizer --obj="$ref" --inlines --demangle --output-style=JSON > "$b.llvm" ||
		fail "llvm-symbolizer failed on $(basename "$ref")"
	args+=("$b" "$b.ours" "$b.llvm" "$load")
done
python3 "$tools/chain-check.py" "$floors" "${args[@]}" > check.out
rc=$?
cat check.out
# every fixture with a floor was checked, and only those
n=${#list[@]}
want=$(grep -c '^[a-z]' "$floors")
[ "$n" -eq "$want" ] || fail "$n names fixtures checked, $want have floors in $floors: fixtures missing?"
[ $rc -eq 0 ] || fail "names fixtures below their floors (misses above)"
grep -q "^${list[0]##*/}: [0-9]* addresses compared" check.out || fail "chain-check.py checked nothing"
echo "$n names fixtures at or above their floors"
