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
#     msvc-names-compare.py says what counts as equal);
#  4. a short libFuzzer run of tests/fuzz/fuzz_msvc_names.c under
#     ASan+UBSan, seeded with the table and the publics of step 3
#     (FUZZ_SECONDS, default 20).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
for tool in llvm-undname llvm-pdbutil python3 clang clang++; do
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

llvm_inc=$(llvm-config-14 --includedir 2> /dev/null || echo /usr/lib/llvm-14/include)
llvm_lib=$(llvm-config-14 --libdir 2> /dev/null || echo /usr/lib/llvm-14/lib)
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
clang++ -g -O1 $san -fsanitize=fuzzer-no-link -I"$BUILD" -I"$TOP/dumpsyms" -isystem "$llvm_inc" \
	-c "$TOP/dumpsyms/msvc_demangle.cc" -o msvc_demangle.o 2> build.err &&
clang -std=gnu11 -g -O1 $san -fsanitize=fuzzer -fsanitize-link-c++-runtime -I"$BUILD" \
	-I"$TOP/dumpsyms" "$TOP/tests/fuzz/fuzz_msvc_names.c" msvc_demangle.o \
	"$llvm_lib/libLLVMDemangle.a" -lstdc++ -o fuzz_msvc_names 2>> build.err ||
	{ cat build.err; fail "cannot build the fuzzer"; }
mkdir -p corpus
i=0
{ cut -f1 undname-want.txt; cat ./*.pub | cut -d' ' -f2-; } | sort -u | while IFS= read -r name; do
	i=$((i + 1))
	printf '%s' "$name" > "corpus/$i"
done
ASAN_OPTIONS=detect_leaks=1 ./fuzz_msvc_names -seed=1 -max_total_time="${FUZZ_SECONDS:-20}" \
	-max_len=4200 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 corpus > fuzz.log 2>&1 ||
	{ tail -n 40 fuzz.log; fail "the fuzzer found a problem"; }
echo "fuzz: $(ls corpus | wc -l) inputs in the corpus, $(grep -o 'stat::number_of_executed_units: [0-9]*' fuzz.log)"
exit 0
