# Token errors over HTTP: 401 says whether the token is missing, unknown,
# revoked or expired; 403 names the token and the scope it lacks;
# GET /api/token describes a valid token and is never 403; a token's last
# use is recorded.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

CI=$(new_token ci) || fail "cannot create a token"
DL=$(new_token reader download) || fail "cannot create a token"
RV=$(new_token gone) && "$SYMSERVER" token revoke gone --store "$STORE" || fail "cannot revoke a token"
EX=$("$SYMSERVER" token add brief --expires 1s --store "$STORE") || fail "--expires 1s"
LATER=$("$SYMSERVER" token add later --scope upload,download --expires 2099-01-01 --store "$STORE") ||
	fail "--expires 2099-01-01"
UNKNOWN=$(printf 'f%.0s' $(seq 64))
start_server --private
sleep 1.2	# brief has expired
ID=1111111111111111111111111111111110
make_sym libt.so $ID tfunc > t.sym

# expect STATUS MESSAGE METHOD PATH [curl args]: the status and the JSON error
expect() {
	local want=$1 msg=$2 got; shift 2
	got=$(status "$@")
	[ "$got" = "$want" ] || fail "$*: HTTP $got, want $want: $(cat body.out)"
	python3 -c "import json,sys; e=json.load(open('body.out'))['error']; sys.exit(e != sys.argv[1])" "$msg" ||
		fail "$*: error $(cat body.out), want '$msg'"
}
put=(PUT /libt.so/$ID/libt.so.sym --data-binary @t.sym)
expect 401 "no token sent" "${put[@]}"
expect 401 "unknown token" "${put[@]}" -H "Authorization: Bearer $UNKNOWN"
expect 401 "unknown token" "${put[@]}" -H "Authorization: Bearer nonsense"
expect 401 "token revoked" "${put[@]}" -H "Authorization: Bearer $RV"
expect 401 "token expired" "${put[@]}" -H "Authorization: Bearer $EX"
expect 403 "token 'reader' lacks the upload scope" "${put[@]}" -H "Authorization: Bearer $DL"
expect 401 "token revoked" POST /upload -F symbol_file=@t.sym -H "Authorization: Bearer $RV"
expect 403 "token 'reader' lacks the upload scope" POST /upload -F symbol_file=@t.sym -H "Auth-Token: $DL"
[ "$(status "${put[@]}" -H "Authorization: Bearer $CI")" = 201 ] || fail "upload with a good token: $(cat body.out)"
# downloads of a private store, same texts
get=(GET /libt.so/$ID/libt.so.sym)
expect 401 "no token sent" "${get[@]}"
expect 401 "token expired" "${get[@]}" -H "Authorization: Bearer $EX"
expect 403 "token 'ci' lacks the download scope" "${get[@]}" -H "Authorization: Bearer $CI"
[ "$(status "${get[@]}" -H "Authorization: Bearer $DL")" = 200 ] && cmp -s body.out t.sym ||
	fail "download with a good token"
grep -q '^WWW-Authenticate: Bearer' <(curl -s -D - -o /dev/null "$URL/libt.so/$ID/libt.so.sym") ||
	fail "a 401 without WWW-Authenticate"

# GET /api/token
[ "$(status GET /api/token -H "Authorization: Bearer $CI")" = 200 ] || fail "/api/token: $(cat body.out)"
python3 -c "import json,sys; d=json.load(open('body.out')); sys.exit(d != {'name': 'ci', 'scopes': ['upload'], 'expires': None})" ||
	fail "/api/token for ci: $(cat body.out)"
[ "$(status GET /api/token -H "Authorization: Bearer $LATER")" = 200 ] || fail "/api/token: $(cat body.out)"
python3 -c "import json,sys; d=json.load(open('body.out')); sys.exit(d != {'name': 'later', 'scopes': ['upload', 'download'], 'expires': '2099-01-01T00:00:00Z'})" ||
	fail "/api/token for later: $(cat body.out)"
[ "$(status GET /api/token -H "Authorization: Bearer $DL")" = 200 ] || fail "/api/token is not 200 for a download-only token"
expect 401 "no token sent" GET /api/token
expect 401 "unknown token" GET /api/token -H "Authorization: Bearer $UNKNOWN"
expect 401 "token revoked" GET /api/token -H "Authorization: Bearer $RV"
expect 401 "token expired" GET /api/token -H "Authorization: Bearer $EX"
[ "$(status POST /api/token -H "Authorization: Bearer $CI")" = 405 ] || fail "POST /api/token is not 405"

# last use: ci and reader were used, the others not
"$SYMSERVER" token list --json --store "$STORE" > list.json || fail "token list"
python3 - "$T/list.json" <<'EOF' || fail "last use: $(cat list.json)"
import json, sys, time, calendar
d = {t['name']: t for t in json.load(open(sys.argv[1]))}
for n in ('ci', 'reader', 'later'):
    t = calendar.timegm(time.strptime(d[n]['last_used'], '%Y-%m-%dT%H:%M:%SZ'))
    assert abs(t - time.time()) < 120, d[n]
for n in ('gone', 'brief'):
    assert d[n]['last_used'] is None, d[n]
EOF
exit 0
