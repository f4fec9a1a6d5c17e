# The check before work: one GET /api/token before any file is read.  A
# missing, unknown, revoked or expired token, a token without the upload
# scope, a host that does not resolve and a URL that is not a symserver
# each end the run at once with exit 4 and a message saying what to do,
# with no input opened (a missing input would be reported; strace sees no
# access to the inputs); against the real server too (but an expired
# token, which it cannot be given).  A 404 from /api/token (an older
# server) is a warning and the upload goes on.  Against a stand-in
# server (stub-server.py): --force sends X-Symserver-Force: 1; a 409 is
# reported as refused with the server's message, failed and not retried; a
# 400 is not retried; a Retry-After given as an HTTP date is honoured.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

make_sym libgood.so 11111111111111111111111111111111A good > good.sym
mkdir stub
python3 "$TOP/tests/symupload/stub-server.py" "$T/stub" 2> stub.err &
stub=$!
for i in $(seq 1 100); do [ -f stub/port ] && break; sleep 0.05; done
[ -f stub/port ] || fail "the stub server did not start: $(cat stub.err)"
SURL=http://127.0.0.1:$(cat stub/port)
stub_exit() { local rc=$?; kill $stub 2>/dev/null; (exit $rc); on_exit; }
trap stub_exit EXIT

# pre TOKEN-OR-- EXPECTED-MESSAGE [URL]: the check fails, nothing is read
n=0
pre() {
	local tok=$1 want=$2 url=${3:-$SURL} rc
	n=$((n + 1))
	: > stub/requests
	if [ "$tok" = - ]; then
		env -u SYMUPLOAD_TOKEN "$SYMUPLOAD" --json "$url" missing-input.sym good.sym > p$n.json 2> p$n.err
	else
		printf '%s\n' "$tok" > tok$n
		"$SYMUPLOAD" --token-file tok$n --json "$url" missing-input.sym good.sym > p$n.json 2> p$n.err
	fi
	rc=$?
	[ $rc -eq 4 ] || fail "$tok at $url: exit $rc (want 4): $(cat p$n.err)"
	grep -q -- "$want" p$n.err || fail "$tok at $url: the message does not say '$want': $(cat p$n.err)"
	grep -q missing-input p$n.err p$n.json && fail "$tok at $url: an input was read: $(cat p$n.err)"
	py "import json; d=json.load(open('p$n.json')); assert d['exit_status'] == 4 and not d['uploaded'], d" ||
		fail "$tok at $url: --json: $(cat p$n.json)"
	grep -qE '^[0-9.]+ (PUT|POST)' stub/requests && fail "$tok at $url: something was sent: $(cat stub/requests)"
	return 0
}
pre - "none was sent: give it with --token-file FILE or SYMUPLOAD_TOKEN"
pre nosuchtoken "does not know this token (unknown token): check that --token-file or SYMUPLOAD_TOKEN"
pre revoked "token was revoked (token revoked): ask for a new upload token"
pre expired "token has expired (token expired): ask for a new upload token"
pre reader "token 'reader' lacks the upload scope: use a token with the upload scope"
grep -q ' auth=yes' stub/requests || fail "the token was not sent: $(cat stub/requests)"
grep -c '^[0-9.]* GET /api/token ' stub/requests | grep -qx 1 || fail "more than one check: $(cat stub/requests)"
start=$(date +%s)
pre good "check the host name in the URL" http://no-such-host.invalid
[ $(( $(date +%s) - start )) -le 10 ] || fail "a host that does not resolve was retried"
kill $stub; wait $stub 2>/dev/null
rm -f stub/port
python3 "$TOP/tests/symupload/stub-server.py" "$T/stub" html 2> stub.err &
stub=$!
for i in $(seq 1 100); do [ -f stub/port ] && break; sleep 0.05; done
[ -f stub/port ] || fail "the stub server did not start: $(cat stub.err)"
SURL=http://127.0.0.1:$(cat stub/port)
pre good "does not look like a symserver.*check the URL"

# no input is even looked at (strace)
command -v strace > /dev/null || fail "strace is missing (scripts/deps --test installs it)"
{
	printf 'good\n' > tokr
	strace -f -qq -e trace=%file -o trace.txt "$SYMUPLOAD" --token-file tokr "$SURL" good.sym > s.out 2>&1
	[ -s trace.txt ] || fail "strace wrote nothing"
	grep -v '^[0-9]* *execve(' trace.txt | grep 'good\.sym' > /dev/null &&
		fail "an input was looked at before the check: $(grep -v execve trace.txt | grep 'good\.sym')"
	grep -q 'tokr' trace.txt || fail "strace did not see the token file being read"
}
kill $stub; wait $stub 2>/dev/null

# -- against the stand-in server: --force, 409, 400, Retry-After (HTTP date)
rm -f stub/port
python3 "$TOP/tests/symupload/stub-server.py" "$T/stub" 2> stub.err &
stub=$!
for i in $(seq 1 100); do [ -f stub/port ] && break; sleep 0.05; done
[ -f stub/port ] || fail "the stub server did not start: $(cat stub.err)"
SURL=http://127.0.0.1:$(cat stub/port)
printf 'good\n' > tok
make_sym refused.so 22222222222222222222222222222222A r > refused.sym
make_sym badfile.so 33333333333333333333333333333333A b > bad.sym
make_sym later.so 44444444444444444444444444444444A l > later.sym
: > stub/requests
"$SYMUPLOAD" --token-file tok --json "$SURL" refused.sym bad.sym later.sym good.sym > a.json 2> a.err; rc=$?
[ $rc -eq 4 ] || fail "409 and 400 among good files: exit $rc (want 4): $(cat a.err)"
py "
import json; d=json.load(open('a.json'))
up = sorted(u['path'] for u in d['uploaded']); assert up == ['good.sym', 'later.sym'], up
fa = {f['path']: f for f in d['failed']}; assert sorted(fa) == ['bad.sym', 'refused.sym'], fa
r = fa['refused.sym']
assert r['reason'].startswith('refused by the server (HTTP 409): refusing to replace refused.so'), r
assert 'symupload --force' in r['reason'] and r['attempts'] == 1, r
assert fa['bad.sym']['attempts'] == 1, fa['bad.sym']
" || fail "409, 400: $(cat a.json)"
grep -q '^FAILED refused.so/.*refused by the server (HTTP 409): refusing to replace' a.err || fail "409 not shown: $(cat a.err)"
[ "$(grep -c ' PUT /refused.so/' stub/requests)" = 1 ] || fail "the 409 was retried: $(cat stub/requests)"
[ "$(grep -c ' PUT /badfile.so/' stub/requests)" = 1 ] || fail "the 400 was retried: $(cat stub/requests)"
grep ' PUT /later.so/' stub/requests | awk '{ print $1 }' > later.times
[ "$(wc -l < later.times)" = 2 ] || fail "the 429 was not retried once: $(cat stub/requests)"
py "
t = [float(x) for x in open('later.times')]
assert t[1] - t[0] >= 2.0, 'Retry-After (an HTTP date 3 s ahead) not honoured: %.2f s' % (t[1] - t[0])
" || fail "Retry-After"
want=$(sha256sum < later.sym | cut -c1-64)
[ "$(grep ' PUT /later.so/' stub/requests | sed -n '2s/.* sha=//p')" = "$want" ] || fail "the retried body differs"
grep -q 'force=1' stub/requests && fail "X-Symserver-Force sent without --force"
# --force: the header on every upload, and the refused file replaced
: > stub/requests
"$SYMUPLOAD" --token-file tok --force "$SURL" refused.sym good.sym > f.out 2> f.err || fail "--force: $(cat f.out f.err)"
grep -q '^2 uploaded, 0 skipped, 0 failed' f.out || fail "--force: $(cat f.out)"
[ "$(grep -c ' PUT .* force=1 ' stub/requests)" = 2 ] || fail "--force did not send X-Symserver-Force: 1: $(cat stub/requests)"
kill $stub; wait $stub 2>/dev/null

# -- an older server (no /api/token: 404): a warning, and the upload goes on
rm -f stub/port
python3 "$TOP/tests/symupload/stub-server.py" "$T/stub" old 2> stub.err &
stub=$!
for i in $(seq 1 100); do [ -f stub/port ] && break; sleep 0.05; done
[ -f stub/port ] || fail "the stub server did not start: $(cat stub.err)"
SURL=http://127.0.0.1:$(cat stub/port)
"$SYMUPLOAD" --token-file tok "$SURL" good.sym > o.out 2> o.err || fail "older server: $(cat o.out o.err)"
grep -q "warning: .*/api/token answered 404: an older symserver" o.err || fail "older server: no warning: $(cat o.err)"
grep -q '^1 uploaded' o.out || fail "older server: $(cat o.out)"
kill $stub; wait $stub 2>/dev/null

# -- the real server: a good token passes the check (no warning) and the
#    file is stored; a missing, unknown or revoked token and a token
#    without the upload scope stop the run before any file is read
TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
READER=$(new_token reader download) || fail "cannot create a download token"
RV=$(new_token gone) && "$SYMSERVER" token revoke gone --store "$STORE" > /dev/null || fail "cannot revoke a token"
start_server
"$SYMUPLOAD" --token-file token "$URL" good.sym > o.out 2> o.err || fail "real server: $(cat o.out o.err)"
grep -q '^1 uploaded' o.out || fail "real server: $(cat o.out)"
grep -q warning o.err && fail "real server: a warning: $(cat o.err)"
[ "$(status GET /libgood.so/11111111111111111111111111111111A/libgood.so.sym)" = 200 ] &&
	cmp -s body.out good.sym || fail "real server: the file is not stored"
: > stub/requests
pre - "none was sent: give it with --token-file FILE or SYMUPLOAD_TOKEN" "$URL"
pre "$(printf '%064d' 7)" "does not know this token (unknown token)" "$URL"
pre "$RV" "token was revoked (token revoked): ask for a new upload token" "$URL"
pre "$READER" "token 'reader' lacks the upload scope" "$URL"
sleep 0.5	# the access log is written every 200 ms
[ "$(grep -c '^GET /api/token 401 ' server.out)" = 3 ] || fail "real server: not three 401s: $(cat server.out)"
[ "$(grep -cE '^(PUT|POST) ' server.out)" = 2 ] ||	# the good upload's bulk check and PUT
	fail "real server: something was sent after a failed check: $(grep -E '^(PUT|POST)' server.out)"
stop_server
exit 0
