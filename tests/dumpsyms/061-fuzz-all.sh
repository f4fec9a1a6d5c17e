# Every libFuzzer target (tests/fuzz/fuzz_*.c: the converter, DWARF, CFI,
# compact unwind, PE, PDB, CAB, MSVC names, minidump, .sym check, and the
# server's: whole HTTP requests, upload archives, sym-upload-v2 bodies), built
# with clang, ASan and UBSan by scripts/fuzz, seeded from the fixtures,
# every saved finding under tests/fuzz/regressions/TARGET/ replayed once,
# then run for FUZZ_SECONDS (default 12) each, two at a time.  Fails when
# a target does not build, does not run (libFuzzer printed no final
# stats), or crashes, leaks, hangs or trips a sanitizer; a finding is
# saved under $T/found for the log to name.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v clang > /dev/null || fail "clang is required (scripts/deps --test installs it)"
SYM_TESTDATA=${TESTDATA:?} FIXTURES=$FIXTURES "$TOP/scripts/fuzz" --build "$BUILD" \
	--seconds "${FUZZ_SECONDS:-12}" --jobs 2 --corpus "$T/corpus" --save "$T/found" > fuzz.txt 2>&1
rc=$?
cat fuzz.txt
[ $rc -eq 0 ] || fail "scripts/fuzz failed (status $rc): a target did not build or run, or found a failure"
saved=0
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	line=$(grep -E "^$t +[0-9]+ " fuzz.txt) || fail "$t did not report a run"
	read -r _ cpu execs _ _ corpus found replayed <<< "$line"
	[ "$cpu" -gt 0 ] && [ "$execs" -gt 0 ] && [ "$corpus" -gt 0 ] || fail "$t ran nothing: $line"
	[ "$found" -eq 0 ] || fail "$t found a failure: $line"
	want=$(ls "$TOP/tests/fuzz/regressions/$t" 2> /dev/null | wc -l)
	[ "$replayed" -eq "$want" ] || fail "$t replayed $replayed saved inputs of $want"
	saved=$((saved + want))
done
echo "every target ran; $saved saved findings replayed"
# a second run in the same build directory, while one runs, is refused
# (it would clear the first's logs and findings): the lock held here
# stands for the first
mkdir -p "$BUILD/fuzz"
flock "$BUILD/fuzz/.lock" "$TOP/scripts/fuzz" --build "$BUILD" --seconds 0 --corpus "$T/corpus" \
	--save "$T/found" xz > second.txt 2>&1 && fail "a second scripts/fuzz in $BUILD ran: $(cat second.txt)"
grep -q "another scripts/fuzz is running in" second.txt || fail "the second run did not say why: $(cat second.txt)"
[ -f "$BUILD/fuzz/work/build.log" ] || fail "the second run cleared the first's work directory"
