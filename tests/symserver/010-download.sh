# The download API as processors use it: paths, case-insensitive lookup,
# gzip and identity bodies, validators, HEAD, /try/, the code-id redirect,
# syminfo, health, metrics and the access log.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server
ID=0123456789ABCDEF0123456789ABCDEF0
make_sym libdemo.so $ID demo_func > demo.sym
[ "$(status PUT /libdemo.so/$ID/libdemo.so.sym -H "Authorization: Bearer $TOKEN" --data-binary @demo.sym)" = 201 ] ||
	fail "upload failed: $(cat body.out)"

# identity body, exact bytes
[ "$(status GET /libdemo.so/$ID/libdemo.so.sym)" = 200 ] || fail "GET of a stored file"
cmp -s body.out demo.sym || fail "the downloaded file differs from the uploaded one"

# gzip straight from the blob
curl -s -D h.txt -H 'Accept-Encoding: gzip' -o gz.out "$URL/libdemo.so/$ID/libdemo.so.sym"
grep -qi '^Content-Encoding: gzip' h.txt || fail "no Content-Encoding: gzip for a gzip client"
gunzip -c gz.out | cmp -s - demo.sym || fail "the gzip body does not decompress to the file"
len=$(tr -d '\r' < h.txt | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
[ "$len" = "$(stat -c %s gz.out)" ] || fail "Content-Length $len does not match the gzip body"
# q=0 means no gzip
curl -s -D h0.txt -H 'Accept-Encoding: gzip;q=0' -o id.out "$URL/libdemo.so/$ID/libdemo.so.sym"
grep -qi '^Content-Encoding' h0.txt && fail "gzip sent to a client that refused it (q=0)"
cmp -s id.out demo.sym || fail "identity body differs"

# validators and caching headers
etag=$(tr -d '\r' < h.txt | awk -F': ' 'tolower($1) == "etag" { print $2 }')
sha=$(sha256sum demo.sym | cut -d' ' -f1)
[ "$etag" = "\"$sha\"" ] || fail "ETag '$etag' is not the quoted SHA-256 of the content"
grep -qi '^Last-Modified: ' h.txt || fail "no Last-Modified"
grep -qi '^Cache-Control: .*max-age' h.txt || fail "no Cache-Control max-age"
[ "$(status GET /libdemo.so/$ID/libdemo.so.sym -H "If-None-Match: $etag")" = 304 ] || fail "If-None-Match did not give 304"
[ "$(status GET /libdemo.so/$ID/libdemo.so.sym -H 'If-None-Match: "other"')" = 200 ] || fail "a different ETag must give 200"

# case-insensitive: file name, id, and rust-minidump's upper GUID + lower age
lowid=$(echo "$ID" | tr 'A-F' 'a-f')
for p in /LIBDEMO.SO/$ID/LIBDEMO.SO.SYM /libdemo.so/$lowid/libdemo.so.sym /try/libdemo.so/$ID/libdemo.so.sym \
	"/libdemo.so/$ID/libdemo.so.sym?code_file=libdemo.so&code_id=AB12"; do
	[ "$(status GET "$p")" = 200 ] || fail "GET $p"
	cmp -s body.out demo.sym || fail "GET $p gave other content"
done

# HEAD: headers without a body
curl -s -I "$URL/libdemo.so/$ID/libdemo.so.sym" > head.txt
grep -q '^HTTP/1.1 200' head.txt || fail "HEAD did not answer 200"
grep -qi '^Content-Length: [1-9]' head.txt || fail "HEAD has no Content-Length"
[ "$(curl -s -I -o /dev/null -w '%{http_code}' "$URL/libdemo.so/FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0/libdemo.so.sym")" = 404 ] ||
	fail "HEAD of a missing file"

# misses are 404 (never 403); malformed requests are 400
[ "$(status GET /libdemo.so/FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0/libdemo.so.sym)" = 404 ] || fail "miss: want 404"
[ "$(status GET /nothere.pdb/FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF1/nothere.sym)" = 404 ] || fail "pdb miss: want 404"
[ "$(status GET /libdemo.so/$ID/file.ptr)" = 404 ] || fail "file.ptr: want 404"
[ "$(status GET /libdemo.so/NOTHEX/libdemo.so.sym)" = 400 ] || fail "non-hex id: want 400"
[ "$(status GET /libdemo.so/12/libdemo.so.sym)" = 400 ] || fail "short id: want 400"
[ "$(status GET /nope)" = 404 ] || fail "unknown path: want 404"
[ "$(status POST /libdemo.so/$ID/libdemo.so.sym)" = 405 ] || fail "POST on a symbol path: want 405"

# code-id lookup: 302 whose Location ends in debug_file/debug_id/sym_file
curl -s -D r.txt -o /dev/null "$URL/libdemo.so/${ID%0}AABBCCDD/libdemo.so.sym"
head -n1 r.txt | grep -q ' 302' || fail "code-id lookup did not redirect: $(head -n1 r.txt)"
loc=$(tr -d '\r' < r.txt | awk -F': ' 'tolower($1) == "location" { print $2 }')
case $loc in */libdemo.so/$ID/libdemo.so.sym) ;; *) fail "Location '$loc' does not end in the symbol path" ;; esac
curl -s -L -o follow.out "$URL/libdemo.so/${ID%0}AABBCCDD/libdemo.so.sym" && cmp -s follow.out demo.sym ||
	fail "following the redirect does not give the file"

# syminfo
[ "$(status GET /api/syminfo/libdemo.so/$ID)" = 200 ] || fail "syminfo"
for k in "\"debug_file\": \"libdemo.so\"" "\"debug_id\": \"$ID\"" "\"code_id\": \"${ID%0}AABBCCDD\"" \
	"\"code_file\": \"libdemo.so\"" "\"url\": \"$URL/libdemo.so/$ID/libdemo.so.sym\"" "\"generator\": "; do
	grep -qF "$k" body.out || fail "syminfo lacks $k: $(cat body.out)"
done
[ "$(status GET /api/syminfo/libdemo.so/${ID%0}AABBCCDD)" = 200 ] || fail "syminfo by code id"
[ "$(status GET /api/syminfo/nothere/$ID)" = 404 ] || fail "syminfo miss: want 404"

# health and metrics
[ "$(status GET /_health)" = 200 ] || fail "health"
[ "$(status GET /_metrics)" = 200 ] || fail "metrics"
for m in 'symserver_requests_total{route="download",status="2xx"}' 'symserver_symbol_hits_total' \
	'symserver_symbol_misses_total' 'symserver_bytes_out_total' 'symserver_store_files 1' \
	'symserver_uploads_total{outcome="new"} 1' 'symserver_request_duration_seconds_bucket{route="download",le="+Inf"}'; do
	grep -qF "$m" body.out || fail "metrics lack $m"
done
misses=$(awk '/^symserver_symbol_misses_total/ { print $2 }' body.out)
[ "$misses" -ge 3 ] || fail "misses counted: $misses"

# the access log: method, path, status, bytes, microseconds (written within
# 200 ms)
for _ in $(seq 1 40); do grep -q '^GET /nope ' server.out && break; sleep 0.05; done
grep -qE "^GET /libdemo.so/$ID/libdemo.so.sym 200 [0-9]+ [0-9]+$" server.out || fail "no access-log line for a hit"
grep -qE "^GET /nope 404 [0-9]+ [0-9]+$" server.out || fail "no access-log line for a miss"
exit 0
