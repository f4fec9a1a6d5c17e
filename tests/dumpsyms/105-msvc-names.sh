# MSVC name undecoration for PUBLIC records (dumpsyms/msvc_demangle.h):
#
#  1. the table test tests/unit/msvc-names ({decorated, name, param size});
#  2. what the table says LLVM's demangler prints for each C++ case is what
#     llvm-undname prints with the same flags (so a change of LLVM's output
#     shows up here, not as a puzzling table failure);
#  3. against Breakpad's Windows dump_syms: every PUBLIC record of the
#     reference .sym files next to the PDBs of windows-dump_syms/ (name and
#     parameter size from the code publics llvm-pdbutil lists, at the same
#     RVA), and every FUNC record at the address of a public, whose name
#     and parameter size Breakpad took from DIA (tests/tools/
#     msvc-names-compare.py says what counts as equal).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
for tool in llvm-undname llvm-pdbutil python3; do
	command -v $tool > /dev/null || fail "$tool is required (scripts/deps --test installs it)"
done
NAMES=$BUILD/tests/unit/msvc-names

"$NAMES" > tap.txt 2>&1
rc=$?
grep '^not ok' tap.txt
grep -q '^1\.\.[1-9]' tap.txt || fail "the table test printed no plan"
grep -q '^not ok' tap.txt && fail "some table cases failed"
[ $rc -eq 0 ] || fail "the table test exited $rc"
echo "table: $(grep -c '^ok' tap.txt) cases pass"

"$NAMES" --undname > undname-want.txt || fail "msvc-names --undname failed"
[ -s undname-want.txt ] || fail "the table has no C++ cases"
while IFS=$'\t' read -r dec want; do
	got=$(llvm-undname --no-calling-convention --no-access-specifier \
		--no-member-type --no-return-type "$dec" 2> /dev/null | sed -n 2p)
	printf '%s\t%s\n' "$dec" "$got"
done < undname-want.txt > undname-got.txt
compare undname-want.txt undname-got.txt "llvm-undname's output"
echo "llvm-undname: $(wc -l < undname-got.txt) C++ cases as the table says"

dir=${TESTDATA:?}/breakpad/windows-dump_syms
n=0
for pdb in "$dir"/*.pdb; do
	base=$(basename "$pdb" .pdb)
	[ -f "$dir/$base.sym" ] || continue
	python3 "$TOP/tests/tools/pdb-publics.py" "$pdb" > "$base.pub" ||
		fail "cannot list the publics of $pdb"
	cut -d' ' -f2- "$base.pub" | "$NAMES" --names > "$base.names" ||
		fail "msvc-names --names failed on $base"
	python3 "$TOP/tests/tools/msvc-names-compare.py" "$dir/$base.sym" \
		"$base.pub" "$base.names" > "$base.cmp"
	rc=$?
	echo "$base: $(tail -n 1 "$base.cmp")"
	[ $rc -eq 0 ] || { cat "$base.cmp"; fail "names of $base differ from Breakpad's"; }
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no PDB with a reference .sym in $dir"
exit 0
