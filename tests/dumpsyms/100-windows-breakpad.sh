# Breakpad's Windows test data (shared/testdata/breakpad/windows-dump_syms/):
# MSVC PDBs and two PE images with the .sym Breakpad's Windows dump_syms
# wrote for each.  Every one through dumpsyms, compared with
# tests/tools/wincompare.py:
#   - MODULE and INFO lines identical;
#   - FUNC (address, size, parameter size, name), line records in order,
#     PUBLIC, STACK WIN, STACK CFI INIT address and size and the CFA after
#     each prolog equal, FILE by path; differences only as listed, with
#     exact counts, in tests/dumpsyms/windows-allow.txt;
#   - OMAP PDBs: Breakpad writes them in original-address order, so line
#     records are compared sorted there (ours must still be in order).
# First the comparator itself: each reference against itself passes (with
# the self: entries of the allow-list), and planted bugs -- a dropped line
# record, a changed line, a reversed pair of FUNCs, a wrong parameter
# size, a changed STACK WIN field, a changed CFI INIT size and CFA, an
# INFO line, a missing FUNC -- each make it fail.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
[ -n "${TESTDATA:-}" ] || fail "no shared test data found (tests/run looks beside the checkout; SYM_TESTDATA=DIR sets it)"
dir=$TESTDATA/breakpad/windows-dump_syms
[ -f "$dir/dump_syms_regtest.pdb" ] || fail "Breakpad's Windows test data is missing at $dir"
CMP=$TOP/tests/tools/wincompare.py
ALLOW=$TOP/tests/dumpsyms/windows-allow.txt

unsorted() {	# the options for reference $1
	case $1 in omap_*) echo --unsorted-reference ;; esac
}

# --- the comparator on the references themselves ---
for ref in "$dir"/*.sym; do
	b=$(basename "$ref")
	python3 "$CMP" $(unsorted "$b") --allow "$ALLOW" --name "self:$b" "$ref" "$ref" > "self.$b.txt" ||
		{ cat "self.$b.txt" >&2; fail "wincompare.py: $b against itself does not pass"; }
done

# plant NAME REF PYTHON-EXPR: a copy of REF with one bug; wincompare must fail
plant() {
	local name=$1 ref=$2 b
	b=$(basename "$ref")
	python3 - "$ref" "planted.$name.sym" "$3" <<'PY' || fail "cannot plant $name"
import sys
rows = open(sys.argv[1]).read().split('\n')
def first(pred, start=0):
    for i in range(start, len(rows)):
        if pred(rows[i]):
            return i
    raise SystemExit('nothing to plant into')
def is_line(r):
    t = r.split(' ')
    return len(t) == 4 and t[0] not in ('FILE', 'FUNC', 'INFO', 'PUBLIC', 'STACK')
def set_field(i, k, v):
    t = rows[i].split(' ')
    t[k] = v
    rows[i] = ' '.join(t)
exec(sys.argv[3])
open(sys.argv[2], 'w').write('\n'.join(rows))
PY
	if python3 "$CMP" $(unsorted "$b") --allow "$ALLOW" --name "self:$b" "planted.$name.sym" "$ref" \
		> "planted.$name.txt"; then
		cat "planted.$name.txt" >&2
		fail "wincompare.py did not notice the planted bug '$name'"
	fi
	grep -q 'NOT ALLOWED\|^ALLOW line' "planted.$name.txt" || fail "planted bug '$name': no reason printed"
}
r32=$dir/dump_syms_regtest.sym
r64=$dir/dump_syms_regtest64.sym
plant dropped-line "$r32" 'i = first(is_line, first(lambda r: r.startswith("FUNC 1000 "))); del rows[i + 2]'
plant changed-line "$r32" 'i = first(is_line); set_field(i, 2, str(int(rows[i].split()[2]) + 1))'
plant line-file "$r32" '
i = first(is_line)
j = first(lambda r: is_line(r) and r.split()[3] != rows[i].split()[3])
set_field(i, 3, rows[j].split()[3])'
plant reversed-funcs "$r32" '
a = first(lambda r: r.startswith("FUNC 10c0 "))
b = first(lambda r: r.startswith("FUNC 10e0 "))
c = first(lambda r: r.startswith("FUNC 1100 "))
rows[a:c] = rows[b:c] + rows[a:b]'
plant param-size "$r32" 'i = first(lambda r: r.startswith("FUNC 2147 ")); set_field(i, 3, "8")'
plant func-size "$r32" 'i = first(lambda r: r.startswith("FUNC 1060 ")); set_field(i, 2, "b")'
plant func-name "$r32" 'i = first(lambda r: r.startswith("FUNC 1070 ")); rows[i] = rows[i].replace("C::C", "C::D")'
plant missing-func "$r32" '
a = first(lambda r: r.startswith("FUNC 10a0 ")); b = first(lambda r: r.startswith("FUNC 10c0 ")); del rows[a:b]'
plant stackwin-field "$r32" 'i = first(lambda r: r.startswith("STACK WIN 4 1070 ")); set_field(i, 9, "8")'
plant stackwin-program "$r32" 'i = first(lambda r: r.startswith("STACK WIN 4 1000 ")); rows[i] = rows[i].replace("$T0 8 +", "$T0 12 +")'
plant stackwin-dropped "$r32" 'del rows[first(lambda r: r.startswith("STACK WIN 0 "))]'
plant public-param "$r32" 'i = first(lambda r: r.startswith("PUBLIC 57b2 ")); set_field(i, 2, "c")'
plant module-age "$r32" 'rows[0] = rows[0].replace("1 dump_syms_regtest.pdb", "2 dump_syms_regtest.pdb")'
plant cfi-size "$r64" 'i = first(lambda r: r.startswith("STACK CFI INIT 1010 ")); set_field(i, 4, "6b")'
plant cfi-cfa "$r64" 'i = first(lambda r: r == "STACK CFI 1010 .cfa: $rsp 80 +"); rows[i] = "STACK CFI 1010 .cfa: $rsp 88 +"'
plant cfi-dropped "$r64" 'i = first(lambda r: r.startswith("STACK CFI INIT 10d0 ")); del rows[i:i + 2]'
plant info "$r64" 'i = first(lambda r: r.startswith("INFO CODE_ID ")); rows[i] = rows[i].replace("1A000", "1B000")'
plant omap-line "$dir/omap_reorder_funcs.sym" 'i = first(is_line, 500); set_field(i, 1, "%x" % (int(rows[i].split()[1], 16) + 1))'
echo "the comparator passed its self-test and caught every planted bug"

# --- dumpsyms against the references ---
# run NAME ARGS...: dumpsyms ARGS > NAME.sym, then compare with REF.sym
bad=0
check() {
	local ref=$1 name=$2
	shift 2
	if ! run_dumpsyms -m "$@" > "$name.sym" 2> "$name.err"; then
		echo "FAIL: dumpsyms $* failed: $(head -n 3 "$name.err")"
		bad=$((bad + 1))
		return
	fi
	local want got
	want=$(grep -E '^(MODULE|INFO) ' "$dir/$ref")
	got=$(grep -E '^(MODULE|INFO) ' "$name.sym")
	if [ "$want" != "$got" ]; then
		echo "FAIL: $name: MODULE/INFO lines"
		diff <(echo "$want") <(echo "$got") | head -n 10
		bad=$((bad + 1))
	fi
	if ! python3 "$CMP" $(unsorted "$ref") --allow "$ALLOW" "$name.sym" "$dir/$ref" > "$name.cmp"; then
		echo "FAIL: $name against $ref:"
		sed 's/^/    /' "$name.cmp" | head -n 80
		bad=$((bad + 1))
	else
		echo "ok: $name"
		grep -E '^[A-Z]+ +equal' "$name.cmp" | sed 's/^/    /'
	fi
}
for p in dump_syms_regtest omap_reorder_bbs omap_reorder_funcs omap_stretched omap_stretched_filled; do
	check $p.sym $p "$dir/$p.pdb"
done
# the 64-bit PDB alone gives no STACK CFI (that needs the image) and no INFO:
# the PDB with its image, the image alone (it finds the PDB beside it)
check dump_syms_regtest64.sym regtest64-pair "$dir/dump_syms_regtest64.exe" "$dir/dump_syms_regtest64.pdb"
check dump_syms_regtest64.sym regtest64-exe "$dir/dump_syms_regtest64.exe"
# the PDB alone: the same MODULE line, FUNC/lines/PUBLIC, but no STACK CFI
# and no INFO CODE_ID; everything else as with the image
if run_dumpsyms -m "$dir/dump_syms_regtest64.pdb" > regtest64-pdb.sym 2> regtest64-pdb.err; then
	[ "$(head -n 1 regtest64-pdb.sym)" = "$(head -n 1 "$dir/dump_syms_regtest64.sym")" ] ||
		{ echo "FAIL: the MODULE line of dump_syms_regtest64.pdb alone: $(head -n 1 regtest64-pdb.sym)"; bad=$((bad + 1)); }
	if [ -s regtest64-pair.sym ] && ! diff <(grep -v -E '^(STACK CFI|INFO CODE_ID) ' regtest64-pair.sym) \
		<(grep -v -E '^(STACK CFI|INFO CODE_ID) ' regtest64-pdb.sym) > regtest64-pdb.diff; then
		echo "FAIL: dump_syms_regtest64.pdb alone differs from it with its image beyond STACK CFI and INFO"
		head -n 20 regtest64-pdb.diff
		bad=$((bad + 1))
	fi
else
	echo "FAIL: dumpsyms dump_syms_regtest64.pdb failed: $(head -n 3 regtest64-pdb.err)"
	bad=$((bad + 1))
fi
# an image without a PDB: MODULE from its RSDS entry, INFO, STACK CFI
mkdir -p peonly
cp "$dir/pe_only_symbol_test.dll" peonly/
check pe_only_symbol_test.sym pe-only peonly/pe_only_symbol_test.dll
[ "$bad" = 0 ] || fail "$bad of the Breakpad comparisons failed"
