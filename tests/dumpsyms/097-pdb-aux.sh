# The PDB type-name, OMAP and STACK WIN readers (dumpsyms/pdb_types.c,
# pdb_omap.c, pdb_frame.c) run by tests/tools/pdbaux-driver on streams
# exported with llvm-pdbutil:
# - STACK WIN of dump_syms_regtest.pdb equals Breakpad's 281 records (same
#   set; same order within each record type);
# - each omap_*.pdb: procedures mapped through OMAP give exactly Breakpad's
#   FUNC (address, size) pieces, and STACK WIN the same set of records;
# - C++ procedure names with argument lists equal Breakpad's FUNC names;
# - inlinee names of a clang-built PDB equal llvm-pdbutil's id records;
# - hostile streams (type cycles, deep chains, huge counts, bad record
#   lengths, damaged FPO/FrameData, unsorted or degenerate OMAP) and seeded
#   mutations of the real streams end with status 0 or 1, in time, without
#   a sanitizer report.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v llvm-pdbutil > /dev/null || skip "llvm-pdbutil is not installed"
command -v python3 > /dev/null || skip "python3 is not installed"
DATA=$TESTDATA/breakpad/windows-dump_syms
[ -f "$DATA/dump_syms_regtest.pdb" ] || skip "no Breakpad Windows test data at $DATA"
DRV=$BUILD/tests/tools/pdbaux-driver
[ -x "$DRV" ] || fail "$DRV is not built"

clang_pdb=
if command -v clang-14 > /dev/null && command -v lld-link > /dev/null; then
	clang-14 --target=x86_64-pc-windows-msvc -O2 -gcodeview -g -mno-stack-arg-probe \
		-c "$TOP/tests/fixtures/pdbaux/inlinees.cpp" -o inlinees.obj 2> clang.err ||
		fail "cannot compile the fixture: $(tail -n 5 clang.err)"
	lld-link /debug /nodefaultlib /entry:main /dll /out:inlinees.dll /pdb:inlinees.pdb \
		inlinees.obj > lld.out 2>&1 || fail "cannot link the fixture: $(tail -n 5 lld.out)"
	clang_pdb=$T/inlinees.pdb
else
	echo "note: clang-14 or lld-link missing; inlinee names not checked"
fi

mkdir -p work
python3 "$TOP/tests/tools/pdbaux-check.py" "$DRV" "$DATA" work $clang_pdb > check.txt 2>&1
rc=$?
cat check.txt
[ $rc -eq 0 ] || fail "reference checks failed"

python3 "$TOP/tests/tools/pdbaux-hostile.py" hostile work > /dev/null || fail "cannot write the hostile cases"
n=0
while read -r line; do
	n=$((n + 1))
	args=${line%%<*}
	input=/dev/null
	case $line in *'<'*) input=${line##*<} ;; esac
	# shellcheck disable=SC2086 # args are split on purpose
	(cd hostile && timeout 60 "$DRV" $args < "$input" > "out.$n" 2> "err.$n")
	rc=$?
	[ $rc -le 1 ] || { head -n 5 "hostile/err.$n" >&2; fail "driver ended with status $rc on: $line"; }
	if grep -q -E 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' "hostile/err.$n"; then
		head -n 20 "hostile/err.$n" >&2
		fail "sanitizer report on: $line"
	fi
	[ "$(wc -c < "hostile/out.$n")" -le 50000000 ] || fail "unbounded output on: $line"
done < hostile/cases.txt
[ $n -ge 140 ] || fail "only $n hostile cases"
# LF_STRUCTURE2 / LF_UNION2 names and an array of them.
got=$(cd hostile && "$DRV" names class2.tpi - < class2.in)
[ "$got" = "f(ns::S2 (&)[3], U2)" ] || fail "LF_STRUCTURE2 case named '$got'"
# Unsorted OMAP tables are an error, not a mapping.
grep -q "not sorted" hostile/err.* || fail "unsorted OMAP tables were accepted"
echo "hostile cases: $n"
