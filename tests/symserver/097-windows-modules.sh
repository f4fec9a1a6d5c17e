# Windows modules as processors ask for them: the PDB named by the image's
# full path ("c:\build\app.pdb", percent-encoded, as some processors send
# the CodeView path) is found by its last component, in downloads and in
# the missing-symbol listing; the code id of a Windows upload
# (INFO CODE_ID <TIMESTAMP><SIZEOFIMAGE> app.dll) redirects
# app.dll/<code id>/app.sym to the PDB's file.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server
ID=72E103A85CB249078B76B2E7C06257B1A
CODE=589DFD111A000
printf 'MODULE windows x86_64 %s app.pdb\nINFO CODE_ID %s app.dll\nFILE 0 c:\\src\\app.cc\nFUNC 1000 20 0 main\n1000 20 7 0\n' \
	"$ID" "$CODE" > app.sym
[ "$(status PUT /app.pdb/$ID/app.sym -H "Authorization: Bearer $TOKEN" --data-binary @app.sym)" = 201 ] ||
	fail "upload failed: $(cat body.out)"
[ "$(status GET /app.pdb/$ID/app.sym)" = 200 ] && cmp -s body.out app.sym || fail "GET by the PDB name"

# the debug file as a Windows path, percent-encoded (%5C is '\', %3A ':')
for p in "/c%3A%5Cbuild%5Capp.pdb/$ID/app.sym" "/c%3A%5Cbuild%5Capp.pdb/$ID/c%3A%5Cbuild%5Capp.sym" \
	"/try/C%3A%5CBUILD%5CAPP.PDB/$ID/APP.SYM"; do
	[ "$(status GET "$p")" = 200 ] || fail "GET $p: $(cat body.out)"
	cmp -s body.out app.sym || fail "GET $p gave other content"
done

# the code-id form of a Windows module: image name + timestamp/size
curl -s -D r.txt -o /dev/null "$URL/app.dll/$CODE/app.sym"
head -n1 r.txt | grep -q ' 302' || fail "the Windows code id did not redirect: $(head -n1 r.txt)"
loc=$(tr -d '\r' < r.txt | awk -F': ' 'tolower($1) == "location" { print $2 }')
case $loc in */app.pdb/$ID/app.sym) ;; *) fail "Location '$loc' is not the PDB's file" ;; esac
[ "$(status GET /other.dll/$CODE/other.sym)" = 404 ] || fail "a code id under another image name must not redirect"

# a miss asked for by Windows path is listed under the PDB's own name
MISS=0123456789ABCDEF0123456789ABCDEF2
[ "$(status GET "/d%3A%5Cout%5Cgone.pdb/$MISS/gone.sym")" = 404 ] || fail "miss by Windows path: want 404"
wait_missing "" "any(m['debug_file'] == 'gone.pdb' and m['debug_id'] == '$MISS' for m in d['missing'])"
python3 - "$MISS" <<'PY' || fail "the miss was listed under a Windows path: $(cat missing.json)"
import json, sys
d = json.load(open('missing.json'))
assert not any('\\' in m['debug_file'] or ':' in m['debug_file'] for m in d['missing']), d
PY
stop_server
