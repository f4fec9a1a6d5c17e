# A short libFuzzer run of the whole converter (ELF, Mach-O, DWARF, CFI,
# compact unwind, writer) under ASan+UBSan, seeded with our ELF and Mach-O
# fixtures.  Fails on any crash, leak, hang or
# sanitizer report.  FUZZ_SECONDS (default 60) sets the length.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v clang >/dev/null || fail "clang is required (scripts/deps --test installs it)"
"$TOP/tests/fuzz/build.sh" fuzz_dumpsyms "$TOP/tests/fuzz/fuzz_dumpsyms.c" 2> build.err ||
	{ cat build.err; fail "cannot build the fuzzer"; }
mkdir -p corpus
n=0
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	case "$(head -c 4 "$f" | od -An -c | tr -d ' ')" in *ELF*) ;; *) continue ;; esac
	[ "$(stat -c %s "$f")" -lt 400000 ] || continue
	cp "$f" corpus/; n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no ELF fixtures to seed the fuzzer"
"$TOP/tests/fixtures/macho/build.sh" "$TOP/build/fixtures-macho" > macho.txt 2> macho.err ||
	fail "cannot build the Mach-O fixtures: $(tail -n 5 macho.err)"
m=0
while read -r f; do
	[ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 400000 ] || continue
	case $f in *.o) continue ;; esac
	cp "$f" "corpus/macho-$m"; m=$((m + 1))
done < <(cat macho.txt; find "$TOP/build/fixtures-macho" -path '*.dSYM/Contents/Resources/DWARF/*' -type f)
[ "$m" -ge 10 ] || fail "only $m Mach-O fixtures to seed the fuzzer"
ASAN_OPTIONS=detect_leaks=1 ./fuzz_dumpsyms -seed=1 -max_total_time="${FUZZ_SECONDS:-60}" \
	-rss_limit_mb=2048 -timeout=20 -max_len=400000 -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
tail -n 15 fuzz.log
[ $rc -eq 0 ] || { grep -m5 -E "ERROR|SUMMARY|runtime error" fuzz.log; fail "the fuzzer found a failure (exit $rc)"; }
grep -q "Done [0-9]* runs" fuzz.log || fail "the fuzzer did not finish its run"
