# symupload with Windows inputs: a tree holding a DLL with its PDB beside
# it (one module, one upload: the image's conversion and the PDB's have
# the same key and the fuller one goes), a PDB alone, and a CAB-compressed
# PDB as a symbol server stores it (foo.pd_, made by gcab).  What reaches
# the server is byte for byte what dumpsyms writes for each; the image's
# code id then redirects to its PDB's file; a CAB without a symbol-server
# name inside a walked tree is not read.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
FX=$FIXTURES/windows
"$TOP/tests/fixtures/windows/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 fixtures.err)"
command -v gcab > /dev/null || fail "gcab is missing (scripts/deps --test installs it)"

mkdir -p in/app in/lib in/cab cabsrc
cp "$FX/win-x86_64-O2.dll" "$FX/win-x86_64-O2.pdb" in/app/
cp "$FX/win-x86-O0.pdb" in/lib/
cp "$FX/win-arm64-O2.pdb" cabsrc/
( cd cabsrc && gcab -c -z ../in/cab/win-arm64-O2.pd_ win-arm64-O2.pdb ) || fail "gcab failed"
cp in/cab/win-arm64-O2.pd_ in/cab/other.cab	# not a symbol-server name: ignored in a walk

"$DUMPSYMS" in/app/win-x86_64-O2.dll > want.app.sym || fail "dumpsyms failed on the DLL"
"$DUMPSYMS" in/lib/win-x86-O0.pdb > want.lib.sym || fail "dumpsyms failed on the PDB"
"$DUMPSYMS" cabsrc/win-arm64-O2.pdb > want.cab.sym || fail "dumpsyms failed on the arm64 PDB"
"$DUMPSYMS" in/cab/win-arm64-O2.pd_ > cab-direct.sym || fail "dumpsyms failed on the .pd_"
compare want.cab.sym cab-direct.sym "dumpsyms on the CAB-compressed PDB"
grep -q '^STACK CFI' want.app.sym && grep -q '^FUNC ' want.app.sym || fail "the DLL's conversion lacks FUNC or CFI"
grep -q '^INFO CODE_ID [0-9A-F]* win-x86_64-O2.dll$' want.app.sym || fail "no code id with the image name"
for w in want.*.sym; do head -n1 "$w" | awk -v w="$w" '{ print $5 "/" $4 " " w }'; done > keys.txt

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
"$SYMUPLOAD" --token-file token --json "$URL" in > s1.json 2> s1.err || fail "upload failed: $(cat s1.err)"
python3 - <<'PY' || fail "summary: $(cat s1.json)"
import json
d = json.load(open('s1.json'))
assert len(d['uploaded']) == 3 and d['failed'] == [], d
keys = sorted((u['debug_file'], u['debug_id']) for u in d['uploaded'])
assert len(set(keys)) == 3, keys
# other.cab, and the one of the image and its PDB not uploaded (the same module)
assert d['ignored_files'] == 2, d
assert sorted(i['kind'] for i in d['ignored']) == ['duplicate', 'not_symbols'], d['ignored']
PY
while read -r k w; do
	[ "$(status GET "/$k/${k%%.pdb/*}.sym")" = 200 ] || fail "$k is not on the server: $(cat body.out)"
	cmp -s body.out "$w" || fail "$k on the server differs from dumpsyms' output ($w)"
done < keys.txt

# the DLL's code id redirects to its PDB's file
code=$(awk '/^INFO CODE_ID/ { print $3; exit }' want.app.sym)
curl -s -D r.txt -o /dev/null "$URL/win-x86_64-O2.dll/$code/win-x86_64-O2.sym"
head -n1 r.txt | grep -q ' 302' || fail "the DLL's code id did not redirect: $(head -n1 r.txt)"

# given by name, a CAB of any name is read
"$SYMUPLOAD" --token-file token --dry-run --json "$URL" in/cab/other.cab > s2.json 2> s2.err ||
	fail "a CAB given by name was refused: $(cat s2.err)"
stop_server
