# Hostile PE input: every variant tests/tools/pe-mutate.py makes of the x64,
# arm64 and i686 fixtures and of Breakpad's two images (truncated headers,
# e_lfanew past the end, absurd NumberOfSections and NumberOfRvaAndSizes,
# section and debug directories past the end, export tables with huge
# counts, unwind info chained to itself or in a loop, code counts past the
# data, bad arm64 codes...), plus seeded random byte flips.  pe-driver must
# end with status 0 or 1 within the time limit, never a signal or a
# sanitizer report (this suite also runs under ASan+UBSan); a failure must
# print one message naming the file.  Defects of the headers must fail.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v lld-link > /dev/null || skip "lld-link is missing"
PE=$BUILD/tests/tools/pe-driver
FX=$TOP/build/fixtures-pe
"$TOP/tests/fixtures/pe/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the PE fixtures: $(tail -n 5 fixtures.err)"
WD=${TESTDATA:?}/breakpad/windows-dump_syms
mkdir -p v
for f in "$FX/unwind-x86_64-O2.dll" "$FX/unwind-aarch64-O2.dll" "$FX/unwind-aarch64-O0.dll" \
	"$FX/unwind-i686-O2.dll" "$WD/pe_only_symbol_test.dll" "$WD/dump_syms_regtest64.exe"; do
	python3 "$TOP/tests/tools/pe-mutate.py" "$f" v >> variants.txt 2>> mutate.err ||
		fail "pe-mutate.py failed on $f: $(tail -n 3 mutate.err)"
done
nv=$(wc -l < variants.txt)
[ "$nv" -ge 300 ] || fail "only $nv hostile variants"
nfail=0
while read -r v; do
	name=$(basename "$v")
	timeout 60 "$PE" -v -e "$v" > out.txt 2> err.txt
	rc=$?
	[ $rc -gt 1 ] && { cat err.txt >&2; fail "pe-driver $name ended with status $rc"; }
	grep -q -E 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' err.txt &&
		{ cat err.txt >&2; fail "sanitizer report on $name"; }
	if [ $rc = 1 ]; then
		nfail=$((nfail + 1))
		[ "$(wc -l < err.txt)" = 1 ] && grep -q "^pe-driver: .*$name" err.txt ||
			fail "the failure on $name is not one message naming it: $(cat err.txt)"
	else
		head -n 1 out.txt | grep -q '^MODULE windows ' || fail "$name: no MODULE line"
		grep -v '^dumpsyms: warning: ' err.txt && fail "$name: stray output on stderr"
	fi
	case $name in
	*.trunc-*|*.lfanew-*|*.opt-magic-bad|*.opt-size-small|*.nsections-huge)
		[ $rc = 1 ] || fail "$name was accepted" ;;
	esac
done < variants.txt
echo "$nv variants, $nfail refused"
exit 0
