# The route table as a client sees it: every route's status for the
# methods it takes and for others (405 with its Allow header, or 404 where
# the path is not a route for that method), HEAD like GET, a malformed path
# (400) against an unknown one (404), the --private checks in their order
# (a malformed download path is a 400 before the 401; syminfo asks for the
# token first), and the route names /_metrics counts them under.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

TOKEN=$(new_token ci upload,download) || fail "cannot create a token"
READER=$(new_token reader download) || fail "cannot create a token"
ID=0123456789ABCDEF0123456789ABCDEF0
SYM=/libdemo.so/$ID/libdemo.so.sym
make_sym libdemo.so $ID demo_func > demo.sym

# check_table FILE [curl args...]: each line of FILE is METHOD PATH STATUS
# [ALLOW]; sends it and compares the status and the Allow header
check_table() {
	local file=$1 m p want allow got hdr
	shift
	while read -r m p want allow; do
		[ -n "$m" ] || continue
		p=${p//@ID/$ID}
		if [ "$m" = HEAD ]; then
			got=$(curl -s -o /dev/null -D h.out -w '%{http_code}' -I "$@" "$URL$p")
		else
			got=$(curl -s -o body.out -D h.out -w '%{http_code}' -X "$m" "$@" "$URL$p")
		fi
		hdr=$(tr -d '\r' < h.out | sed -n 's/^[Aa]llow: //p')
		[ "$got" = "$want" ] || fail "$m $p: want $want, got $got: $(cat body.out 2>/dev/null)"
		[ "$hdr" = "${allow:-}" ] || fail "$m $p: want Allow '${allow:-}', got '$hdr'"
		if [ "$m" != HEAD ] && [ "$got" -ge 400 ]; then
			python3 -c 'import json,sys; d=json.load(open("body.out")); sys.exit(0 if isinstance(d.get("error"), str) else 1)' ||
				fail "$m $p: the $got has no JSON error: $(cat body.out)"
		fi
	done < "$file"
}

start_server
[ "$(status PUT "$SYM" -H "Authorization: Bearer $TOKEN" --data-binary @demo.sym)" = 201 ] ||
	fail "upload failed: $(cat body.out)"

# anonymous, on a public server
cat > public.txt <<'EOF'
GET /_health 200
HEAD /_health 200
POST /_health 404
GET /_health/ 400
POST /_metrics 404
GET / 200
POST / 404
GET /missing 200
GET /missing/ 200
GET /missing.csv 200
HEAD /missing.csv 200
POST /missing 405 GET, HEAD
DELETE /missing.csv 405 GET, HEAD
PUT /missing/ 405 GET, HEAD
GET /minidump 405 POST
HEAD /minidump/ 405 POST
GET /upload 405 POST
PUT /upload/ 405 POST
POST /upload 401
POST /upload/ 401
GET /api/token 401
HEAD /api/token 401
POST /api/token 405 GET, HEAD
GET /api/token/ 400
GET /api/syminfo/libdemo.so/@ID 200
HEAD /api/syminfo/libdemo.so/@ID 200
POST /api/syminfo/libdemo.so/@ID 404
GET /api/syminfo/libdemo.so/XYZ 400
GET /api/syminfo/nothing.so/@ID 404
GET /libdemo.so/@ID/libdemo.so.sym 200
HEAD /libdemo.so/@ID/libdemo.so.sym 200
GET /LIBDEMO.SO/@ID/libdemo.so.sym 200
POST /libdemo.so/@ID/libdemo.so.sym 405 GET, HEAD, PUT
DELETE /libdemo.so/@ID/libdemo.so.sym 405 GET, HEAD, PUT
PUT /libdemo.so/@ID/libdemo.so.sym 401
GET /try/libdemo.so/@ID/libdemo.so.sym 200
POST /try/libdemo.so/@ID/libdemo.so.sym 405 GET, HEAD, PUT
PUT /try/libdemo.so/@ID/libdemo.so.sym 401
GET /lib%23odd.so/@ID/lib%23odd.so.sym 400
GET /libdemo.so/XYZ/libdemo.so.sym 400
GET /nothing.so/@ID/nothing.so.sym 404
GET /x 404
GET /a/b/c/d 404
GET /a/b/c/d/e 404
GET /a/b/c/d/e/f 400
GET //x 400
GET /a//b/c 400
GET /a%01b 400
GET /v1 404
GET /v1/ 401
POST /v1/uploads:create 401
EOF
check_table public.txt
long=$(head -c 9000 /dev/zero | tr '\0' a)
[ "$(status GET "/$long")" = 400 ] || fail "a 9000-byte path: want 400, got $(status GET "/$long")"

# the route names requests are counted under, with their status classes
curl -s "$URL/_metrics" | sed -n 's/^symserver_requests_total{\(.*\)} \([0-9]*\)$/\1 \2/p' | sort > routes.txt
sort > want-routes.txt <<'EOF'
route="download",status="2xx" 4
route="download",status="4xx" 6
route="health",status="2xx" 3
route="invalid",status="4xx" 7
route="minidump",status="4xx" 2
route="missing",status="2xx" 2
route="missing",status="4xx" 2
route="missing_csv",status="2xx" 2
route="missing_csv",status="4xx" 1
route="other",status="4xx" 8
route="page",status="2xx" 1
route="put",status="2xx" 1
route="put",status="4xx" 2
route="syminfo",status="2xx" 2
route="syminfo",status="4xx" 2
route="token",status="4xx" 3
route="upload",status="4xx" 4
route="v2",status="4xx" 2
EOF
compare want-routes.txt routes.txt "requests by route"
stop_server

# --private: anonymous clients get 401 wherever the store shows through,
# after the method check and, for downloads, after the path check
start_server --private
cat > private.txt <<'EOF'
GET /_health 200
GET /_metrics 200
GET / 401
GET /missing 401
GET /missing.csv 401
POST /missing 405 GET, HEAD
POST /minidump 401
GET /minidump 405 POST
GET /api/token 401
GET /api/syminfo/libdemo.so/@ID 401
GET /api/syminfo/libdemo.so/XYZ 401
GET /libdemo.so/@ID/libdemo.so.sym 401
HEAD /libdemo.so/@ID/libdemo.so.sym 401
GET /try/libdemo.so/@ID/libdemo.so.sym 401
GET /nothing.so/@ID/nothing.so.sym 401
GET /lib%23odd.so/@ID/lib%23odd.so.sym 400
GET /x 404
EOF
check_table private.txt
# with a download token, the same routes answer
cat > reader.txt <<'EOF'
GET / 200
GET /missing 200
GET /api/syminfo/libdemo.so/@ID 200
GET /api/syminfo/libdemo.so/XYZ 400
GET /libdemo.so/@ID/libdemo.so.sym 200
GET /nothing.so/@ID/nothing.so.sym 404
POST /upload 403
PUT /libdemo.so/@ID/libdemo.so.sym 403
EOF
check_table reader.txt -H "Authorization: Bearer $READER"
stop_server
echo PASS
