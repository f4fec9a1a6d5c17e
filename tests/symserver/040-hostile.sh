# Hostile requests get the right 4xx and change nothing in the store.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --max-upload 20000000
auth=(-H "Authorization: Bearer $TOKEN")
ID=0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0
make_sym libh.so $ID hfunc > h.sym
[ "$(status PUT /libh.so/$ID/libh.so.sym "${auth[@]}" --data-binary @h.sym)" = 201 ] || fail "setup upload"

snapshot() {
	( cd "$STORE" && find blobs -type f | sort ) > "$1.blobs"
	curl -s "$URL/_metrics" | grep -E '^symserver_(store_files|uploads_total\{outcome="(new|replaced)"\})' > "$1.metrics"
}
snapshot before

# paths: traversal (raw and encoded), NUL, control bytes, over-long parts
for p in '/../libh.so/'$ID'/libh.so.sym' '/libh.so/%2e%2e/libh.so.sym' '/libh.so/'$ID'/%2e%2e' \
	'/%2e%2e/%2e%2e/etc/passwd' '/libh.so%00/'$ID'/libh.so.sym' '/libh.so/'$ID'%00/libh.so.sym' \
	'/li%01bh.so/'$ID'/libh.so.sym' "/$(printf 'a%.0s' $(seq 300))/$ID/x.sym" '/libh.so//'$ID'/libh.so.sym' \
	'/libh.so/'$ID'/libh.so.sym/extra/more/parts' '/a\b/'$ID'/a\b.sym'; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$URL$p")
	case $code in 400|404) ;; *) fail "GET $p answered $code" ;; esac
	code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -X PUT "${auth[@]}" --data-binary @h.sym "$URL$p")
	case $code in 400|404|405) ;; *) fail "PUT $p answered $code" ;; esac
done
[ "$(status GET /libh.so/$ID/libh.so.sym --path-as-is -H 'X: y')" = 200 ] || fail "the good file is gone"
for id in XYZ 0F0F-0F0F "$(printf 'A%.0s' $(seq 100))"; do
	[ "$(status GET /libh.so/$id/libh.so.sym)" = 400 ] || fail "id '$id': want 400"
done

# bodies: bad multipart, truncated gzip, gzip garbage, oversize, empty
[ "$(status POST /upload "${auth[@]}" -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary $'--XX\r\nbroken')" = 400 ] ||
	fail "broken multipart: want 400"
[ "$(status POST /upload "${auth[@]}" -H 'Content-Type: application/json' --data '{}')" = 415 ] || fail "non-form POST: want 415"
gzip -c h.sym | head -c 40 > trunc.gz
[ "$(status PUT /libh.so/$ID/libh.so.sym "${auth[@]}" -H 'Content-Encoding: gzip' --data-binary @trunc.gz)" = 400 ] ||
	fail "truncated gzip: want 400"
head -c 1000 /dev/urandom > garbage.gz
[ "$(status PUT /libh.so/$ID/libh.so.sym "${auth[@]}" -H 'Content-Encoding: gzip' --data-binary @garbage.gz)" = 400 ] ||
	fail "garbage gzip: want 400"
[ "$(status PUT /libh.so/$ID/libh.so.sym "${auth[@]}" --data-binary '')" = 400 ] || fail "empty body: want 400"
head -c 25000000 /dev/zero > big.bin
[ "$(status PUT /libh.so/$ID/libh.so.sym "${auth[@]}" --data-binary @big.bin)" = 413 ] || fail "oversize body: want 413"
# a gzip bomb within the wire limit: 30 MB of valid records in ~30 KB
{ printf 'MODULE Linux x86_64 %s libh.so\n' $ID; yes 'PUBLIC 1000 0 x' | head -c 30000000; } | gzip -9 > bomb.gz
[ "$(status PUT /libh.so/$ID/libh.so.sym "${auth[@]}" -H 'Content-Encoding: gzip' --data-binary @bomb.gz)" = 413 ] ||
	fail "gzip bomb: want 413, got $(cat body.out)"

# archives: zip slip, absolute paths, links, a zip bomb
mkdir -p t/libz.so/$ID
make_sym libz.so $ID z > t/libz.so/$ID/libz.so.sym
( cd t && bsdtar --format zip -cf ../slip.zip -s ',^,../../,' libz.so/$ID/libz.so.sym &&
  bsdtar -cf ../abs.tar -P -s ',^,/tmp/,' libz.so/$ID/libz.so.sym &&
  ln -s /etc/passwd libz.so/$ID/link.sym && bsdtar -cf ../link.tar libz.so/$ID/link.sym )
for a in slip.zip abs.tar link.tar; do
	[ "$(status POST /upload "${auth[@]}" -F "f=@$a")" = 400 ] || fail "$a: want 400, got $(cat body.out)"
	grep -q '"stored": 0, "failed": 1' body.out || fail "$a: $(cat body.out)"
done
[ -e "$T/../../libz.so" ] || [ -e /tmp/libz.so ] && fail "an archive entry escaped the store"
mkdir -p b/libb.so/$ID
{ printf 'MODULE Linux x86_64 %s libb.so\n' $ID; yes 'PUBLIC 1000 0 x' | head -c 150000000; } > b/libb.so/$ID/libb.so.sym
( cd b && zip -q -9 ../bomb.zip libb.so/$ID/libb.so.sym )
rm -rf b
[ "$(stat -c %s bomb.zip)" -lt 1000000 ] || fail "the zip bomb is not small"
[ "$(status POST /upload "${auth[@]}" -F "f=@bomb.zip")" = 400 ] || fail "zip bomb: want 400, got $(cat body.out)"
grep -q "bomb" body.out || fail "the zip bomb is not named as such: $(cat body.out)"
[ "$(status POST /upload "${auth[@]}" -F "f=@h.sym;filename=notanarchive.bin")" = 400 ] || fail "a non-archive file part: want 400"

# wrong MODULE for the key; missing and wrong tokens
make_sym other.so $ID o > o.sym
[ "$(status PUT /libh.so/$ID/libh.so.sym "${auth[@]}" --data-binary @o.sym)" = 400 ] || fail "wrong MODULE: want 400"
[ "$(status PUT /libh.so/$ID/libh.so.sym --data-binary @h.sym)" = 401 ] || fail "no token: want 401"
[ "$(status PUT /libh.so/$ID/libh.so.sym -H 'Authorization: Bearer nonsense' --data-binary @h.sym)" = 401 ] || fail "bad token: want 401"
[ "$(status POST /upload -F symbol_file=@h.sym)" = 401 ] || fail "v1 without a token: want 401"

snapshot after
cmp -s before.blobs after.blobs || fail "hostile requests changed the blobs: $(diff before.blobs after.blobs)"
cmp -s before.metrics after.metrics || fail "hostile requests changed the index: $(diff before.metrics after.metrics)"
[ -z "$(ls "$STORE/tmp")" ] || fail "temporary files were left behind: $(ls "$STORE/tmp")"
kill -0 "$SERVER_PID" || fail "the server died"
exit 0
