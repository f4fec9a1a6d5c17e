# Breakpad's sym-upload-v2 protocol as its real clients speak it: the key
# in the query, response spacing the clients scrape with regexes, and the
# relaxed JSON (unquoted keys, Content-Type: application/son) of the Linux
# and Windows clients.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

KEY=$(new_token ci) || fail "cannot create a token"
start_server
ID=5555555555555555555555555555555550
make_sym libv2.so $ID v2func > v2.sym
V1=$URL/v1

[ "$(status GET "/v1/symbols/libv2.so/$ID:checkStatus")" = 401 ] || fail "checkStatus without a key: want 401"
[ "$(status GET "/v1/symbols/libv2.so/$ID:checkStatus?key=$KEY")" = 200 ] || fail "checkStatus"
grep -q '"status": "MISSING"' body.out || fail "checkStatus of a missing file: $(cat body.out)"

# uploads:create (empty body) -> uploadUrl, uploadKey with one space after ':'
curl -s -X POST -d '' "$V1/uploads:create?key=$KEY" > create.json
url=$(sed -n 's/.*"uploadUrl": "\([^"]*\)".*/\1/p' create.json)
ukey=$(sed -n 's/.*"uploadKey": "\([^"]*\)".*/\1/p' create.json)
[ -n "$url" ] && [ -n "$ukey" ] || fail "uploads:create answer not in the clients' format: $(cat create.json)"
case $url in "$URL/v1/uploads/$ukey") ;; *) fail "uploadUrl '$url' is not ours" ;; esac

# the client PUTs to the URL (it requires 200), then completes with relaxed JSON
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @v2.sym "$url?key=$KEY")" = 200 ] || fail "PUT to uploadUrl"
[ "$(status GET /libv2.so/$ID/libv2.so.sym)" = 404 ] || fail "served before :complete"
body="{ symbol_id: {debug_file: \"libv2.so\", debug_id: \"$ID\" }, symbol_upload_type: \"BREAKPAD\", use_async_processing: true }"
curl -s -X POST -H 'Content-Type: application/son' --data "$body" "$V1/uploads/$ukey:complete?key=$KEY" > complete.json
grep -q '"result": "OK"' complete.json || fail ":complete: $(cat complete.json)"
[ "$(status GET /libv2.so/$ID/libv2.so.sym)" = 200 ] && cmp -s body.out v2.sym || fail "v2 upload not served"
[ "$(status GET "/v1/symbols/libv2.so/$ID:checkStatus?key=$KEY")" = 200 ] && grep -q '"status": "FOUND"' body.out ||
	fail "checkStatus after the upload: $(cat body.out)"

# the same content again: DUPLICATE_DATA (strict JSON this time)
curl -s -X POST -d '' "$V1/uploads:create?key=$KEY" > c2.json
url2=$(sed -n 's/.*"uploadUrl": "\([^"]*\)".*/\1/p' c2.json); k2=$(sed -n 's/.*"uploadKey": "\([^"]*\)".*/\1/p' c2.json)
curl -s -o /dev/null -X PUT --data-binary @v2.sym "$url2?key=$KEY"
curl -s -X POST --data "{\"symbol_id\": {\"debug_file\": \"libv2.so\", \"debug_id\": \"$ID\"}, \"symbol_upload_type\": \"BREAKPAD\"}" \
	"$V1/uploads/$k2:complete?key=$KEY" > dup.json
grep -q '"result": "DUPLICATE_DATA"' dup.json || fail "duplicate upload: $(cat dup.json)"

# a :complete naming another module is refused and nothing is stored
curl -s -X POST -d '' "$V1/uploads:create?key=$KEY" > c3.json
url3=$(sed -n 's/.*"uploadUrl": "\([^"]*\)".*/\1/p' c3.json); k3=$(sed -n 's/.*"uploadKey": "\([^"]*\)".*/\1/p' c3.json)
curl -s -o /dev/null -X PUT --data-binary @v2.sym "$url3?key=$KEY"
code=$(curl -s -o bad.json -w '%{http_code}' -X POST --data '{ symbol_id: {debug_file: "other.so", debug_id: "ABABABABABABABABABABABABABABABAB0" } }' \
	"$V1/uploads/$k3:complete?key=$KEY")
[ "$code" = 400 ] || fail ":complete with the wrong module: want 400, got $code"
[ "$(status GET /other.so/ABABABABABABABABABABABABABABABAB0/other.so.sym)" = 404 ] || fail "a mismatched v2 upload was stored"
# unknown upload keys
[ "$(status POST "/v1/uploads/nope:complete?key=$KEY" --data '{}')" = 404 ] || fail "unknown upload key: want 404"

# the bulk check the ChromeOS uploader uses
curl -s -X POST --data "{\"symbol_ids\": [{\"debug_file\": \"libv2.so\", \"debug_id\": \"$ID\"}, {\"debug_file\": \"x.so\", \"debug_id\": \"ABCDEF0123456789ABCDEF01234567890\"}]}" \
	"$V1/symbols:checkStatuses?key=$KEY" > bulk.json
grep -q "\"symbolId\": {\"debugFile\": \"libv2.so\", \"debugId\": \"$ID\"}, \"status\": \"FOUND\"" bulk.json || fail "checkStatuses FOUND: $(cat bulk.json)"
grep -q '"debugFile": "x.so", "debugId": "ABCDEF0123456789ABCDEF01234567890"}, "status": "MISSING"' bulk.json || fail "checkStatuses MISSING: $(cat bulk.json)"
[ "$(status POST "/v1/symbols:checkStatuses?key=$KEY" --data 'not json')" = 400 ] || fail "malformed checkStatuses: want 400"
exit 0
