# The first contact is retried: symupload started 3 s before the server
# (as when the server is restarting) waits for it with backoff and uploads;
# with --retries 0 it gives up at once and says what to check.  The bulk
# check is retried too: through a server failing every other request
# (dropped connections, 429, 500), runs of a file already held skip it
# after retrying the check, never falling back to a HEAD per file.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

make_sym libearly.so 0123456789ABCDEF0123456789ABCDEF0 early > early.sym
TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# -- nothing listening and --retries 0: one try, a message, exit 4, fast
start=$(date +%s)
"$SYMUPLOAD" --token-file token --retries 0 "http://127.0.0.1:$port" early.sym > r0.out 2> r0.err; rc=$?
[ $rc -eq 4 ] || fail "nothing listening, --retries 0: exit $rc (want 4): $(cat r0.err)"
grep -q "cannot reach http://127.0.0.1:$port (1 try).*check the URL and that the server is running" r0.err ||
	fail "nothing listening: $(cat r0.err)"
[ $(( $(date +%s) - start )) -le 5 ] || fail "--retries 0 took more than 5 s"

# -- the server starts 3 s after symupload
"$SYMUPLOAD" --token-file token -v "http://127.0.0.1:$port" early.sym > late.out 2> late.err &
up=$!
sleep 3
kill -0 $up 2>/dev/null || fail "symupload did not wait for the server: $(cat late.out late.err)"
"$SYMSERVER" serve --store "$STORE" --listen "127.0.0.1:$port" > "$T/server.out" 2> "$T/server.err" &
SERVER_PID=$!
URL=http://127.0.0.1:$port
wait $up; rc=$?
[ $rc -eq 0 ] || fail "server started late: exit $rc: $(cat late.out late.err)"
grep -q '^1 uploaded, 0 skipped, 0 failed' late.out || fail "server started late: $(cat late.out)"
grep -q 'retrying in' late.err || fail "no retry was reported under -v: $(cat late.err)"
[ "$(status GET /libearly.so/0123456789ABCDEF0123456789ABCDEF0/libearly.so.sym)" = 200 ] &&
	cmp -s body.out early.sym || fail "the file is not on the server"
stop_server

# -- the bulk check through faults: retried, not given up for HEADs
start_server --inject-faults 0.5
for i in 1 2 3 4; do
	"$SYMUPLOAD" --token-file token --retries 20 "$URL" early.sym > b$i.out 2> b$i.err ||
		fail "run $i through faults: $(cat b$i.out b$i.err)"
	grep -q '^0 uploaded, 1 skipped, 0 failed' b$i.out || fail "run $i: $(cat b$i.out)"
done
sleep 0.5	# the access log is written every 200 ms
for code in 429 500; do
	grep -q "^POST /v1/symbols:checkStatuses $code " server.out ||
		fail "no bulk check met a $code: the test does not cover it"
done
grep -q '^HEAD ' server.out && fail "the bulk check was given up for HEAD requests: $(grep '^HEAD' server.out | head -3)"
stop_server
exit 0
