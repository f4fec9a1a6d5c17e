# A short libFuzzer run of the PDB reader (MSF container, DBI, module
# streams, C13 lines, inline annotations, publics, TPI/IPI names, OMAP,
# FPO/FrameData, writer) under ASan+UBSan, seeded with our clang-built
# fixture PDBs and Breakpad's MSVC ones.  Fails on any crash, leak, hang
# or sanitizer report.  FUZZ_SECONDS (default 60) sets the length.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v clang >/dev/null || fail "clang is required (scripts/deps --test installs it)"
"$TOP/tests/fuzz/build.sh" fuzz_pdb "$TOP/tests/fuzz/fuzz_pdb.c" 2> build.err ||
	{ cat build.err; fail "cannot build the fuzzer"; }
FX=$FIXTURES/windows
"$TOP/tests/fixtures/windows/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 fixtures.err)"
mkdir -p corpus
cp "$FX"/*.pdb corpus/
cp "${TESTDATA:?}"/breakpad/windows-dump_syms/dump_syms_regtest.pdb \
	"$TESTDATA"/breakpad/windows-dump_syms/omap_reorder_funcs.pdb corpus/
[ "$(ls corpus | wc -l)" -ge 8 ] || fail "too few PDB files to seed the fuzzer"
ASAN_OPTIONS=detect_leaks=1 ./fuzz_pdb -seed=1 -max_total_time="${FUZZ_SECONDS:-60}" \
	-rss_limit_mb=2048 -timeout=20 -max_len=1200000 -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
[ $rc = 0 ] || { tail -n 40 fuzz.log; fail "the fuzzer found a problem (status $rc)"; }
grep -q 'stat::number_of_executed_units' fuzz.log || { tail -n 20 fuzz.log; fail "the fuzzer did not run"; }
exit 0
