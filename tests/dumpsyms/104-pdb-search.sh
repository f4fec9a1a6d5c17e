# Where `dumpsyms X.dll` looks for the image's PDB (pe_find_pdb): under
# the CodeView name and under the image's stem, beside the image and in
# each debug directory given after it, then the same as CAB-compressed
# symbol-server files (.pd_, made by gcab), then at the CodeView path
# itself.  A PDB of another build met on the way is passed over with a
# warning naming both ids, and the search goes on.  Each found conversion
# must equal `dumpsyms X.dll X.pdb` (the pair named explicitly); when no
# PDB is found the output is the image-only conversion (no FUNC record).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
FX=$FIXTURES/windows
"$TOP/tests/fixtures/windows/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 fixtures.err)"
command -v gcab > /dev/null || fail "gcab is missing (scripts/deps --test installs it)"
V=win-x86_64-O2
bad=0
nok() { echo "FAIL: $*"; bad=$((bad + 1)); }

run_dumpsyms "$FX/$V.dll" "$FX/$V.pdb" > ref.sym 2> ref.err || fail "dumpsyms X.dll X.pdb failed: $(cat ref.err)"
grep -q '^FUNC ' ref.sym || fail "the explicit pair gives no FUNC record"

# found CASE ARGS...: the conversion must equal the explicit pair's ($REF)
REF=ref.sym
found() {
	local what=$1
	shift
	if ! run_dumpsyms "$@" > "out.sym" 2> "out.err"; then
		nok "$what: dumpsyms failed: $(cat out.err)"
	elif ! cmp -s "$REF" out.sym; then
		nok "$what: the PDB was not used ($(grep -c '^FUNC ' out.sym) FUNC records, $(grep -c '^FUNC ' "$REF") expected)"
	else
		echo "ok: $what"
	fi
}

# a copy of the DLL whose CodeView path is replaced by $2 (same length)
cv_patch() {
	python3 - "$FX/$V.dll" "$1" "$2" <<'PY' || fail "cannot patch the CodeView path"
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
out, new = sys.argv[2], sys.argv[3].encode()
i = data.find(b'RSDS')
assert i > 0
p = i + 24
end = data.index(b'\0', p)
assert len(new) == end - p, (len(new), end - p)
data[p:end] = new
open(out, 'wb').write(data)
PY
}

mkdir -p img dbg
cp "$FX/$V.dll" img/
cp "$FX/$V.pdb" dbg/
found "beside the image" "$FX/$V.dll"
found "in a debug directory" img/$V.dll dbg
rm dbg/$V.pdb

# the image renamed: its stem no longer names the PDB; the CodeView name does
cp "$FX/$V.dll" img/renamed.dll
run_dumpsyms img/renamed.dll "$FX/$V.pdb" > ref-renamed.sym || fail "dumpsyms renamed.dll X.pdb failed"
REF=ref-renamed.sym
cp "$FX/$V.pdb" img/$V.pdb
found "under the CodeView name" img/renamed.dll
rm img/$V.pdb
cp "$FX/$V.pdb" img/renamed.pdb
found "under the image's stem" img/renamed.dll
rm img/renamed.pdb img/renamed.dll
REF=ref.sym

# a symbol-server CAB (foo.pd_) in the debug directory
( mkdir -p cabsrc && cp "$FX/$V.pdb" cabsrc/ && cd cabsrc && gcab -c -z ../dbg/$V.pd_ $V.pdb ) ||
	fail "gcab failed"
found "as a .pd_ in a debug directory" img/$V.dll dbg
rm dbg/$V.pd_

# a PDB of another build first (beside), the right one later (debug dir)
cp "$FX/win-x86_64-O0.pdb" img/$V.pdb
cp "$FX/$V.pdb" dbg/
found "past a PDB of another build" img/$V.dll dbg
grep -q "is not the PDB of" out.err || nok "no warning about the PDB of another build: $(cat out.err)"
rm img/$V.pdb dbg/$V.pdb

# the CodeView path itself: point it at a directory of ours of the same length
cvlen=$(python3 -c "
import sys
d = open('$FX/$V.dll', 'rb').read(); i = d.find(b'RSDS') + 24
print(d.index(b'\0', i) - i)")
name=/$V.pdb
pad=$((cvlen - 5 - ${#name}))
[ "$pad" -gt 8 ] || fail "the CodeView path is too short to patch ($cvlen bytes)"
cvdir=/tmp/$(printf 's%.0s' $(seq "$pad"))
[ -e "$cvdir" ] && fail "$cvdir exists already"
trap 'rm -rf "$cvdir"' EXIT
mkdir "$cvdir"
cp "$FX/$V.pdb" "$cvdir/"
mkdir -p cv
cv_patch cv/$V.dll "$cvdir$name"
found "at the CodeView path" cv/$V.dll
rm -rf "$cvdir"

# nowhere: the image-only conversion, no FUNC, the same MODULE line
run_dumpsyms cv/$V.dll > none.sym 2> none.err || nok "no PDB: dumpsyms failed: $(cat none.err)"
[ "$(head -n 1 none.sym)" = "$(head -n 1 ref.sym)" ] || nok "no PDB: MODULE $(head -n 1 none.sym)"
grep -q '^FUNC ' none.sym && nok "no PDB: FUNC records written"
grep -q '^STACK CFI INIT ' none.sym || nok "no PDB: no STACK CFI from the image"
[ "$bad" = 0 ] || fail "$bad checks failed"
