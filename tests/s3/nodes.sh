# Sourced by the S3 tests (after tests/lib.sh): a real Ceph RADOS
# Gateway and symserver nodes over one bucket.
#
#   s3_up N            starts Ceph with N gateways under $T/ceph (stopped,
#                      with every node, at exit), exports the AWS_*
#                      credentials, sets E0 E1 ... (the gateways' URLs),
#                      defines s3 (curl, signed) and makes the bucket syms
#   node_start NAME URL [serve options]
#                      a node on $T/NAME over URL; sets PORT_NAME, PID_NAME
#   node_stop NAME     SIGTERM: a clean exit, no sanitizer report
#   code NAME PATH [curl args]
#                      the status of a request to the node; the body in body.out
#   until_ok SECONDS CMD...
#                      runs CMD every 0.1 s until it succeeds; false after SECONDS
#   ident N            a debug id for lib$N.so
SYMSERVER=$BUILD/symserver/symserver
pids=
s3_cleanup() {
	local p
	for p in $pids; do kill -9 "$p" 2> /dev/null; wait "$p" 2> /dev/null; done
	"$TOP/scripts/ceph-rgw" stop "$T/ceph" > /dev/null 2>&1
}
s3() { curl -s --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
s3_up() {
	"$TOP/scripts/ceph-rgw" start "$T/ceph" "$1" > s3.env 2> ceph.err ||
		fail "the Ceph gateway did not start: $(tail -n 20 ceph.err)"
	trap s3_cleanup EXIT
	. ./s3.env
	export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=$S3_REGION
	local i=0 e
	for e in $S3_ENDPOINTS; do eval "E$i=\$e"; i=$((i + 1)); done
	[ "$(s3 -o /dev/null -w '%{http_code}' -X PUT "$E0/syms")" = 200 ] || fail "cannot make the bucket"
}
node_start() {
	local name=$1 url=$2 i port=
	shift 2
	: > "$name.out"
	"$SYMSERVER" serve --store "$T/$name" --s3 "$url" --listen 127.0.0.1:0 --quiet "$@" \
		>> "$name.out" 2>> "$name.err" &
	local pid=$!
	pids="$pids $pid"
	for i in $(seq 1 200); do
		port=$(sed -n 's/^listening on port //p' "$name.out")
		[ -n "$port" ] && break
		kill -0 $pid 2> /dev/null || fail "node $name exited at start: $(cat "$name.err")"
		sleep 0.1
	done
	[ -n "$port" ] || fail "node $name did not start"
	eval "PORT_$name=$port PID_$name=$pid"
}
node_stop() {
	local pid
	eval "pid=\$PID_$1"
	kill "$pid"
	wait "$pid" || fail "node $1 exited with $? on SIGTERM: $(tail -n 5 "$1.err")"
	grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$1.err" && fail "sanitizer report from $1: $(cat "$1.err")"
	pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
}
code() {
	local port
	eval "port=\$PORT_$1"
	curl -s -o body.out -w '%{http_code}' "${@:3}" "http://127.0.0.1:$port$2"
}
until_ok() {
	local end=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	while ! "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}
ident() { printf '%032X0' "$1"; }
