# A short libFuzzer run of the PE reader (headers, debug directory,
# exports, x64 and arm64 unwind tables, writer) under ASan+UBSan, seeded
# with the PE fixtures and Breakpad's two images.  Fails on any crash,
# leak, hang or sanitizer report.  FUZZ_SECONDS (default 60) sets the
# length.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v clang >/dev/null || fail "clang is required (scripts/deps --test installs it)"
command -v lld-link > /dev/null || fail "lld-link is missing (scripts/deps --test installs lld)"
"$TOP/tests/fuzz/build.sh" fuzz_pe "$TOP/tests/fuzz/fuzz_pe.c" 2> build.err ||
	{ cat build.err; fail "cannot build the fuzzer"; }
FX=$TOP/build/fixtures-pe
"$TOP/tests/fixtures/pe/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the PE fixtures: $(tail -n 5 fixtures.err)"
mkdir -p corpus
grep '\.dll$' fixtures.txt | grep -v packed-arm64 | xargs -I{} cp {} corpus/
cp "${TESTDATA:?}"/breakpad/windows-dump_syms/*.exe "$TESTDATA"/breakpad/windows-dump_syms/*.dll corpus/
[ "$(ls corpus | wc -l)" -ge 8 ] || fail "too few PE files to seed the fuzzer"
ASAN_OPTIONS=detect_leaks=1 ./fuzz_pe -seed=1 -max_total_time="${FUZZ_SECONDS:-60}" \
	-rss_limit_mb=2048 -timeout=20 -max_len=200000 -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
[ $rc = 0 ] || { tail -n 40 fuzz.log; fail "the fuzzer found a problem (status $rc)"; }
grep -q 'stat::number_of_executed_units' fuzz.log || { tail -n 20 fuzz.log; fail "the fuzzer did not run"; }
exit 0
