# tests/symserver/server.sh - sourced by the symserver tests after
# tests/lib.sh: starts the real server on port 0 with a fresh store and
# waits for /_health; the log is dumped when the test fails.
SYMSERVER=$BUILD/symserver/symserver
STORE=$T/store
# Over a bucket (tests/s3/030-symserver-suite.sh sets SYMSERVER_S3 to its
# URL and the AWS_* credentials): every command that reads or writes
# symbol files is given --s3, so the test runs unchanged against a node
# whose files are in S3.
if [ -n "${SYMSERVER_S3:-}" ]; then
	cat > "$T/symserver-s3" <<EOF_WRAP
#!/bin/sh
case "\$1" in
serve|import|verify|delete|sync) exec "$SYMSERVER" "\$@" --s3 "$SYMSERVER_S3" ;;
*) exec "$SYMSERVER" "\$@" ;;
esac
EOF_WRAP
	chmod +x "$T/symserver-s3"
	SYMSERVER=$T/symserver-s3
fi

# start_server [extra serve options...]: sets PORT, URL, SERVER_PID
start_server() {
	: > "$T/server.out"
	"$SYMSERVER" serve --store "$STORE" --listen 127.0.0.1:0 "$@" \
		> "$T/server.out" 2> "$T/server.err" &
	SERVER_PID=$!
	local i
	for i in $(seq 1 100); do
		PORT=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$T/server.out" | head -n1)
		[ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/_health" > /dev/null && break
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$T/server.err" >&2; fail "the server exited at start"; }
		sleep 0.05
	done
	[ -n "$PORT" ] || { cat "$T/server.err" >&2; fail "the server did not start"; }
	URL=http://127.0.0.1:$PORT
}

# stop_server: a clean shutdown; fails on a non-zero exit or on any
# sanitizer report in the server's stderr (the suite also runs under ASan)
halt_server() {	# returns 0 when the shutdown was clean
	[ -n "${SERVER_PID:-}" ] || return 0
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	local rc=$?
	SERVER_PID=
	if grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$T/server.err"; then
		cat "$T/server.err" >&2
		echo "FAIL: sanitizer report from the server" >&2
		return 1
	fi
	[ $rc -eq 0 ] || { echo "FAIL: the server exited with status $rc on SIGTERM" >&2; return 1; }
}
stop_server() { halt_server || exit 1; }

on_exit() {
	local rc=$?
	trap - EXIT
	if [ $rc -ne 0 ] && [ -f "$T/server.err" ]; then
		echo "--- server stderr" >&2; tail -n 30 "$T/server.err" >&2
		echo "--- server log" >&2; tail -n 30 "$T/server.out" >&2
	fi
	halt_server || rc=1
	exit $rc
}
trap on_exit EXIT

# new_token NAME [SCOPE]
new_token() {
	"$SYMSERVER" token add "$1" --scope "${2:-upload}" --store "$STORE"
}

# status METHOD PATH [curl args...]: prints the HTTP status
status() {
	local m=$1 p=$2; shift 2
	curl -s -o "$T/body.out" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}

# make_sym NAME ID FUNCNAME: a small valid .sym file on stdout
make_sym() {
	printf 'MODULE Linux x86_64 %s %s\nINFO CODE_ID %s\nFILE 0 /src/%s.c\nFUNC 1000 20 0 %s\n1000 20 7 0\nPUBLIC 2000 0 %s_public\n' \
		"$2" "$1" "${4:-${2%0}AABBCCDD}" "$3" "$3" "$3"
}

# wait_missing QUERY CONDITION: polls GET /missing?QUERY (into missing.json)
# until the Python CONDITION on d, the parsed answer, holds; fails after
# about 10 s.  Misses reach the listing at the server's next flush.
wait_missing() {
	local i
	for i in $(seq 1 100); do
		curl -s "$URL/missing?$1" > "$T/missing.json"
		python3 -c "import json,sys; d=json.load(open('$T/missing.json')); sys.exit(0 if ($2) else 1)" 2>/dev/null && return 0
		sleep 0.1
	done
	head -c 3000 "$T/missing.json" >&2
	fail "GET /missing?$1 never satisfied: $2"
}
