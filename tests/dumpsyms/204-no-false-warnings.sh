# No noise: every fixture with its debug information (ELF with DWARF, a
# stripped binary with its debug file found by build id or
# .gnu_debuglink, Windows DLLs with their PDBs and the PDBs alone, Mach-O
# binaries with their dSYMs, each slice of the universal ones) converts
# with --strict, exit 0 and nothing at all on stderr; and --strict does not
# change a byte of the output.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
WX=$FIXTURES/windows
"$TOP/tests/fixtures/windows/build.sh" "$WX" > wfixtures.txt 2> wfixtures.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 wfixtures.err)"
MX=$TOP/build/fixtures-macho
"$TOP/tests/fixtures/macho/build.sh" "$MX" > mfixtures.txt 2> mfixtures.err ||
	fail "cannot build the Mach-O fixtures: $(tail -n 5 mfixtures.err)"

n=0
# quiet LABEL ARGS...: dumpsyms --strict ARGS must succeed silently, with
# the same output as without --strict
quiet() {
	local label=$1 rc
	shift
	rm -rf s1 s2
	"$DUMPSYMS" --strict --store s1 "$@" > /dev/null 2> err.txt
	rc=$?
	[ $rc = 0 ] || fail "$label: --strict exit $rc: $(cat err.txt)"
	[ -s err.txt ] && fail "$label: stderr is not empty: $(cat err.txt)"
	"$DUMPSYMS" --store s2 "$@" > /dev/null 2> err.txt || fail "$label: failed without --strict: $(cat err.txt)"
	[ -s err.txt ] && fail "$label: stderr is not empty without --strict: $(cat err.txt)"
	diff -r s1 s2 > /dev/null || fail "$label: --strict changed the output"
	[ -n "$(find s1 -name '*.sym')" ] || fail "$label: nothing written"
	n=$((n + 1))
}

# ELF fixtures (with their DWARF)
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	quiet "$(basename "$f")" "$f"
	quiet "$(basename "$f") -d" -d "$f"
done
[ $n -ge 20 ] || fail "only $n ELF fixture runs: are the fixtures built?"

# a stripped ELF with its debug file, by build id and by .gnu_debuglink
f=$FIXTURES/cprog-gcc-O2-dw5
cp "$f" bid && strip -g bid
id=$(readelf -n bid | awk '/Build ID/ { print $3 }')
mkdir -p dbg/.build-id/${id:0:2}
objcopy --only-keep-debug "$f" dbg/.build-id/${id:0:2}/${id:2}.debug
quiet "build-id debug file" bid dbg
grep -q '^FUNC ' s1/*/*/*.sym || fail "the build-id debug file was not read"
cp "$f" link
objcopy --only-keep-debug link link.debug
objcopy --strip-debug --add-gnu-debuglink=link.debug link
quiet "debuglink file" link
grep -q '^FUNC ' s1/*/*/*.sym || fail "the .gnu_debuglink file was not read"
mkdir other
quiet "debuglink file with an unrelated debug directory" link other

# Windows: each DLL finds its PDB beside it; each PDB alone
for dll in "$WX"/*.dll; do
	quiet "$(basename "$dll")" "$dll"
	quiet "$(basename "${dll%.dll}.pdb")" "${dll%.dll}.pdb"
done

# Mach-O: each binary with a dSYM beside it (--store: every slice)
for f in "$MX"/*; do
	[ -f "$f" ] && [ -d "$f.dSYM" ] || continue
	quiet "$(basename "$f")" "$f"
done
[ $n -ge 40 ] || fail "only $n runs in all: are the fixtures built?"
echo "$n runs, all quiet"
exit 0
