# symserver over an S3 bucket (issue 14) on a real Ceph RADOS Gateway
# with two gateways: node A on one, node B on the other.  What a user
# sees: uploads acknowledged only once their object is in the bucket, in
# the Breakpad layout another tool can read; a new node built from the
# bucket alone with `sync`; objects put and removed by other tools; two
# nodes creating the same key at once; a bounded cache; the gateway down
# (hits and misses still answered, uploads 503, health degraded) and back;
# wrong credentials, no bucket, a mute gateway.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

SYMSERVER=$BUILD/symserver/symserver
"$TOP/scripts/ceph-rgw" start "$T/ceph" 2 > s3.env 2> ceph.err ||
	fail "the Ceph gateway did not start: $(tail -n 20 ceph.err)"
pids=
cleanup() {
	local p
	for p in $pids; do kill "$p" 2> /dev/null; wait "$p" 2> /dev/null; done
	"$TOP/scripts/ceph-rgw" stop "$T/ceph" > /dev/null 2>&1
}
trap cleanup EXIT
. ./s3.env
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=$S3_REGION
set -- $S3_ENDPOINTS
E0=$1 E1=$2
s3() { curl -s --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
[ "$(s3 -o /dev/null -w '%{http_code}' -X PUT "$E0/syms")" = 200 ] || fail "cannot make the bucket"

# start NAME ENDPOINT [options]: a node over the bucket through ENDPOINT;
# sets PORT_<NAME> and PID_<NAME>
start() {
	local name=$1 ep=$2 i port=
	shift 2
	"$SYMSERVER" serve --store "$T/$name" --s3 "$ep/syms/pre" --listen 127.0.0.1:0 --quiet "$@" \
		> "$name.out" 2> "$name.err" &
	local pid=$!
	pids="$pids $pid"
	for i in $(seq 1 100); do
		port=$(sed -n 's/^listening on port //p' "$name.out")
		[ -n "$port" ] && break
		kill -0 $pid 2> /dev/null || fail "node $name exited at start: $(cat "$name.err")"
		sleep 0.1
	done
	[ -n "$port" ] || fail "node $name did not start"
	eval "PORT_$name=$port PID_$name=$pid"
}
stop() {	# stop NAME: a clean exit, no sanitizer report
	local pid
	eval "pid=\$PID_$1"
	kill "$pid"
	wait "$pid" || fail "node $1 exited with $? on SIGTERM: $(tail -n 5 "$1.err")"
	grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$1.err" && fail "sanitizer report from $1: $(cat "$1.err")"
	pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
}
get() {	# get NAME PATH [curl args]: prints the status, the body in get.out
	local port
	eval "port=\$PORT_$1"
	curl -s -o get.out -w '%{http_code}' "${@:3}" "http://127.0.0.1:$port$2"
}
# sym N: a .sym file for lib$N.so whose functions make it ~4 KB of gzip
sym() {
	local id
	id=$(printf '%032X0' "$1")
	python3 - "$1" "$id" <<'PY'
import random, sys
n, ident = int(sys.argv[1]), sys.argv[2]
r = random.Random(n)
print(f"MODULE Linux x86_64 {ident} lib{n}.so")
print(f"INFO CODE_ID {ident[:-1]}")
print("FILE 0 /src/a.c")
for i in range(300):
    print(f"FUNC {0x1000 + i * 16:x} 10 0 f_{r.getrandbits(64):016x}")
PY
}
ident() { printf '%032X0' "$1"; }

start A "$E0" --cache-size 20K
"$SYMSERVER" token add ci --store "$T/A" > token.txt || fail "token add"
mkdir up
for n in 1 2 3 4 5 6 7 8; do sym $n > up/lib$n.so.sym; done

# -- uploads through symupload: acknowledged means in the bucket, as a
# processor or another S3 client reads it
"$SYMUPLOAD" --token-file token.txt "http://127.0.0.1:$PORT_A" up > upload.txt 2>&1 ||
	fail "symupload to node A failed: $(cat upload.txt)"
s3 "$E0/syms?list-type=2&prefix=pre%2F" | grep -o '<Key>[^<]*</Key>' | sort > all.txt
grep -v -e '<Key>pre/_log/' -e '<Key>pre/_state/' all.txt > keys.txt
for n in 1 2 3 4 5 6 7 8; do echo "<Key>pre/lib$n.so/$(ident $n)/lib$n.so.sym</Key>"; done | sort > want.txt
compare want.txt keys.txt "the bucket after the uploads"
# and one change-log entry for each, naming its hash and key
for n in 1 2 3 4 5 6 7 8; do
	h=$(sha256sum < up/lib$n.so.sym | cut -d' ' -f1)
	grep -c "<Key>pre/_log/[0-9]\{20\}-[0-9a-f]\{16\}-[0-9]\{6\}/put/$h/lib$n.so/$(ident $n)</Key>" all.txt
done | tr '\n' ' ' > logged.txt
[ "$(cat logged.txt)" = "1 1 1 1 1 1 1 1 " ] || fail "change-log entries per upload: $(cat logged.txt)"
for n in 1 5; do
	s3 -D h.txt -o obj.gz "$E0/syms/pre/lib$n.so/$(ident $n)/lib$n.so.sym"
	gunzip -c obj.gz | cmp -s - up/lib$n.so.sym || fail "the object of lib$n.so is not the gzip of the upload"
	tr -d '\r' < h.txt | grep -qix "x-amz-meta-sha256: $(sha256sum < up/lib$n.so.sym | cut -d' ' -f1)" ||
		fail "the object of lib$n.so lacks its SHA-256"
done

# -- node A serves them all: the cache (20K) holds a few; the rest come
# from the bucket, and the cache stays in its budget
for round in 1 2; do
	for n in 1 2 3 4 5 6 7 8; do
		[ "$(get A /lib$n.so/$(ident $n)/lib$n.so.sym)" = 200 ] || fail "A: GET lib$n.so: $(cat get.out)"
		cmp -s get.out up/lib$n.so.sym || fail "A: lib$n.so differs from the upload"
	done
done
get A /_metrics > /dev/null
m() { awk -v k="$1" '$1 == k { print $2 }' get.out; }
[ "$(m symserver_cache_bytes)" -le 20480 ] || fail "the cache holds $(m symserver_cache_bytes) bytes, over its 20K"
[ "$(m symserver_cache_evictions_total)" -gt 0 ] || fail "8 files of ~4 KB gzip fit a 20K cache: no eviction"
[ "$(m 'symserver_cache_reads_total{result="miss"}')" -gt 0 ] || fail "no read went to the bucket"
[ "$(m symserver_s3_errors_total)" = 0 ] || fail "S3 errors while the gateway was up"
n_files=$(cd "$T/A/cache" && find . -type f -path './??/*' | wc -l)	# not ./tmp/
[ "$n_files" -ge 1 ] && [ "$n_files" -le 8 ] || fail "$n_files cached copies on disk"
[ "$(get A /libnone.so/$(ident 99)/libnone.so.sym)" = 404 ] || fail "A: a miss is not a 404"

# -- another tool's object, a stray that is no symbol file, one removed
# behind the nodes' back
sym 20 | gzip -c > other.gz
[ "$(s3 -o /dev/null -w '%{http_code}' -H 'Content-Encoding: gzip' -T other.gz \
	"$E1/syms/pre/lib20.so/$(ident 20)/lib20.so.sym")" = 200 ] || fail "cannot put an object with curl"
echo 'not gzip' > junk.txt
[ "$(s3 -o /dev/null -w '%{http_code}' -T junk.txt "$E1/syms/pre/lib21.so/$(ident 21)/lib21.so.sym")" = 200 ] ||
	fail "cannot put the stray"
# an object whose x-amz-meta-sha256 is not the hash of what it holds
sym 22 | gzip -c > lie.gz
[ "$(s3 -o /dev/null -w '%{http_code}' -H 'Content-Encoding: gzip' \
	-H "x-amz-meta-sha256: $(printf x | sha256sum | cut -d' ' -f1)" -T lie.gz \
	"$E1/syms/pre/lib22.so/$(ident 22)/lib22.so.sym")" = 200 ] || fail "cannot put the lying object"
[ "$(s3 -o /dev/null -w '%{http_code}' -X DELETE "$E1/syms/pre/lib8.so/$(ident 8)/lib8.so.sym")" = 204 ] ||
	fail "cannot remove lib8.so with curl"

# -- node B from the bucket alone: sync, then serve
"$SYMSERVER" sync --store "$T/B" --s3 "$E1/syms/pre" > sync.txt 2> sync.err || fail "sync: $(cat sync.err)"
grep -qx 'synced 10 objects: 8 taken, 0 unchanged, 2 not symbol files; 0 records dropped' sync.txt ||
	fail "sync of a new node: $(cat sync.txt)"
grep -q 'lib21.so' sync.err || fail "sync does not name the stray: $(cat sync.err)"
grep -q 'lib22.so.*says its sha256 is' sync.err || fail "sync does not name the lying object: $(cat sync.err)"
start B "$E1"
# tokens do not travel between nodes yet: B has its own
"$SYMSERVER" token add ci --store "$T/B" > tokenB.txt || fail "token add on B"
for n in 1 2 3 5 6 7 20; do	# not lib4.so: see below
	[ "$(get B /lib$n.so/$(ident $n)/lib$n.so.sym)" = 200 ] || fail "B: GET lib$n.so: $(cat get.out)"
	if [ $n = 20 ]; then sym 20 > want.sym; else cp up/lib$n.so.sym want.sym; fi
	cmp -s get.out want.sym || fail "B: lib$n.so differs"
done
[ "$(get B /lib21.so/$(ident 21)/lib21.so.sym)" = 404 ] || fail "B serves the stray"
[ "$(get B /lib22.so/$(ident 22)/lib22.so.sym)" = 404 ] || fail "B serves the lying object"
[ "$(get B /lib8.so/$(ident 8)/lib8.so.sym)" = 404 ] || fail "B serves lib8.so, removed before its sync"

# -- nodes learn of each other's changes through the bucket's change log:
# an upload acknowledged by A is served by B within 2 s
within2() {	# within2 NODE PATH STATUS: polls until NODE answers STATUS, at most 2 s
	local i
	for i in $(seq 1 20); do
		[ "$(get "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
serves2() {	# serves2 NODE PATH FILE: polls until NODE serves FILE's bytes, at most 2 s
	local i
	for i in $(seq 1 20); do
		[ "$(get "$1" "$2")" = 200 ] && cmp -s get.out "$3" && return 0
		sleep 0.1
	done
	return 1
}
sym 50 > up50.sym
[ "$(get A /lib50.so/$(ident 50)/lib50.so.sym -H "Authorization: Bearer $(cat token.txt)" -T up50.sym)" = 201 ] ||
	fail "upload of lib50.so to A: $(cat get.out)"
within2 B /lib50.so/$(ident 50)/lib50.so.sym 200 || fail "B does not serve A's upload within 2 s"
cmp -s get.out up50.sym || fail "B serves another lib50.so than A took"

# node A still indexes lib8.so; whether it still has a copy depends on
# its cache: sync makes it drop the record, after which it is a 404
"$SYMSERVER" sync --store "$T/A" --s3 "$E0/syms/pre" > syncA.txt 2>&1
grep -q '2 not symbol files; 1 records dropped' syncA.txt || fail "sync of A: $(cat syncA.txt)"
[ "$(get A /lib8.so/$(ident 8)/lib8.so.sym)" = 404 ] || fail "A serves lib8.so after its sync"
[ "$(get A /lib20.so/$(ident 20)/lib20.so.sym)" = 200 ] || fail "A does not serve lib20.so after its sync"

# removed behind B's back while B is up, never read by B (so not in its
# cache: a copy there would be served until the next sync): a clean 404,
# and the record is dropped (verify is clean afterwards)
[ "$(s3 -o /dev/null -w '%{http_code}' -X DELETE "$E0/syms/pre/lib4.so/$(ident 4)/lib4.so.sym")" = 204 ] ||
	fail "cannot remove lib4.so with curl"
[ "$(get B /lib4.so/$(ident 4)/lib4.so.sym)" = 404 ] || fail "B: a removed object gives $(cat get.out)"
[ "$(get B /lib4.so/$(ident 4)/lib4.so.sym)" = 404 ] || fail "B: a removed object, asked again"
"$SYMSERVER" verify --store "$T/B" --s3 "$E1/syms/pre" > verify.txt 2>&1 ||
	fail "verify of B after the removal: $(cat verify.txt)"
grep -qx 'verified 8 symbol files, 0 problems' verify.txt || fail "B's index: $(cat verify.txt)"

# -- the same new key created through A and B at once: one object wins,
# the other node takes it (same content: unchanged; poorer: refused),
# and both nodes serve what the bucket holds
for n in 30 31 32 33 34 35; do
	sym $n > full.sym
	head -n 100 full.sym > poor.sym	# fewer functions: a poorer build
	tok=$(cat token.txt)
	curl -s -o a.json -w '%{http_code}\n' -H "Authorization: Bearer $tok" -T full.sym \
		"http://127.0.0.1:$PORT_A/lib$n.so/$(ident $n)/lib$n.so.sym" > a.code &
	if [ $((n % 2)) = 0 ]; then src=full.sym; else src=poor.sym; fi
	curl -s -o b.json -w '%{http_code}\n' -H "Authorization: Bearer $(cat tokenB.txt)" -T $src \
		"http://127.0.0.1:$PORT_B/lib$n.so/$(ident $n)/lib$n.so.sym" > b.code
	wait $!
	codes="$(cat a.code) $(cat b.code)"
	case $codes in
	"201 201"|*5??*) fail "lib$n.so created by both nodes at once: $codes: $(cat a.json b.json)" ;;
	esac
	s3 -o obj.gz "$E0/syms/pre/lib$n.so/$(ident $n)/lib$n.so.sym"
	gunzip -c obj.gz > obj.sym
	cmp -s obj.sym full.sym || fail "lib$n.so: the bucket holds the poorer upload ($codes)"
	# both nodes serve the bucket's object within 2 s (through the log)
	for node in A B; do
		serves2 $node /lib$n.so/$(ident $n)/lib$n.so.sym obj.sym ||
			fail "$node serves another lib$n.so than the bucket's after 2 s ($codes)"
	done
done

# -- a file uploaded again with other cases in its names (the index folds
# case, object names do not): one object is left, under the new names,
# and both nodes serve it
CID=$(ident 70)
printf 'MODULE Linux x86_64 %s Case.so\nFILE 0 a.c\nFUNC 1000 10 0 f\n' $CID > c1.sym
printf 'MODULE Linux x86_64 %s case.so\nFILE 0 a.c\nFUNC 1000 10 0 f\nFUNC 2000 10 0 g\n' $CID > c2.sym
[ "$(get A /Case.so/$CID/Case.so.sym -H "Authorization: Bearer $(cat token.txt)" -T c1.sym)" = 201 ] ||
	fail "upload of Case.so: $(cat get.out)"
[ "$(get A /case.so/$CID/case.so.sym -H "Authorization: Bearer $(cat token.txt)" -T c2.sym)" = 200 ] ||
	fail "upload of case.so over Case.so: $(cat get.out)"
s3 "$E0/syms?list-type=2&prefix=pre%2F" | grep -o '<Key>pre/[Cc]ase[^<]*</Key>' > case.txt
[ "$(cat case.txt)" = "<Key>pre/case.so/$CID/case.so.sym</Key>" ] || fail "objects of Case.so/case.so: $(cat case.txt)"
for node in A B; do
	serves2 $node /case.so/$CID/case.so.sym c2.sym || fail "$node does not serve the new case.so within 2 s"
done

# -- CLI delete over the bucket removes the object
"$SYMSERVER" delete lib6.so "$(ident 6)" --store "$T/A" --s3 "$E0/syms/pre" > del.txt 2>&1 ||
	fail "delete: $(cat del.txt)"
[ "$(s3 -o /dev/null -w '%{http_code}' -I "$E0/syms/pre/lib6.so/$(ident 6)/lib6.so.sym")" = 404 ] ||
	fail "the object of a deleted file is still in the bucket"
[ "$(get A /lib6.so/$(ident 6)/lib6.so.sym)" = 404 ] || fail "A serves a deleted file"
within2 B /lib6.so/$(ident 6)/lib6.so.sym 404 || fail "B still serves lib6.so 2 s after its deletion"
get B /_metrics > /dev/null
[ "$(m symserver_sync_applied_total)" -ge 2 ] || fail "B took $(m symserver_sync_applied_total) changes from the log"

# -- the gateway of A down: cached hits and misses answered, uploads 503
# with Retry-After, health degraded; nothing acknowledged without its
# object; then back
[ "$(get A /lib5.so/$(ident 5)/lib5.so.sym)" = 200 ] || fail "A: lib5.so before the outage"
"$TOP/scripts/ceph-rgw" stop-gateway "$T/ceph" 0 || fail "cannot stop gateway 0"
[ "$(get A /lib5.so/$(ident 5)/lib5.so.sym)" = 200 ] || fail "A: a cached hit while the gateway is down: $(cat get.out)"
cmp -s get.out up/lib5.so.sym || fail "A: lib5.so differs while the gateway is down"
[ "$(get A /libnone.so/$(ident 99)/libnone.so.sym)" = 404 ] || fail "A: a miss while the gateway is down"
sym 40 > new40.sym
code=$(get A /lib40.so/$(ident 40)/lib40.so.sym -D h.txt -H "Authorization: Bearer $(cat token.txt)" -T new40.sym)
[ "$code" = 503 ] || fail "an upload while the gateway is down: $code $(cat get.out)"
tr -d '\r' < h.txt | grep -qi '^Retry-After: [0-9]' || fail "a 503 without Retry-After"
[ "$(get A /_health)" = 200 ] && grep -q '"degraded"' get.out || fail "health while the gateway is down: $(cat get.out)"
"$SYMUPLOAD" --retries 0 --token-file token.txt "http://127.0.0.1:$PORT_A" new40.sym > up40.txt 2>&1 &&
	fail "symupload succeeded while the bucket was unreachable"
[ "$(s3 -o /dev/null -w '%{http_code}' -I "$E1/syms/pre/lib40.so/$(ident 40)/lib40.so.sym")" = 404 ] ||
	fail "an object for an upload that was refused"
[ "$(get B /lib40.so/$(ident 40)/lib40.so.sym)" = 404 ] || fail "B serves lib40.so"
"$TOP/scripts/ceph-rgw" start-gateway "$T/ceph" 0 > /dev/null || fail "cannot start gateway 0 again"
"$SYMUPLOAD" --token-file token.txt "http://127.0.0.1:$PORT_A" new40.sym > up40.txt 2>&1 ||
	fail "symupload after the gateway came back: $(cat up40.txt)"
[ "$(s3 -o /dev/null -w '%{http_code}' -I "$E1/syms/pre/lib40.so/$(ident 40)/lib40.so.sym")" = 200 ] ||
	fail "no object after the upload"
[ "$(get A /_health)" = 200 ] && grep -q '"ok"' get.out || fail "health after the gateway came back: $(cat get.out)"
stop A
stop B

# -- what a user gets wrong: clear messages, no hang past the timeout
AWS_SECRET_ACCESS_KEY=wrong timeout 60 "$SYMSERVER" serve --store "$T/C" --s3 "$E0/syms" \
	--listen 127.0.0.1:0 > c.out 2> c.err
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "serve with a wrong secret: exit $rc"
grep -q 'access denied' c.err || fail "wrong secret: $(cat c.err)"
grep -q wrong c.err && fail "the secret is in the message: $(cat c.err)"
timeout 60 "$SYMSERVER" sync --store "$T/C" --s3 "$E0/nosuchbucket" > c.out 2> c.err
rc=$?
[ $rc -eq 1 ] && grep -q "no bucket 'nosuchbucket'" c.err || fail "a missing bucket: exit $rc: $(cat c.err)"
env -u AWS_ACCESS_KEY_ID timeout 60 "$SYMSERVER" sync --store "$T/C" --s3 "$E0/syms" > c.out 2> c.err
[ $? -eq 1 ] && grep -q 'AWS_ACCESS_KEY_ID' c.err || fail "no credentials: $(cat c.err)"
# the same credentials from a file, and from no environment
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" > creds
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY timeout 60 "$SYMSERVER" sync --store "$T/D" \
	--s3 "$E0/syms/pre" --s3-credentials creds > d.out 2>&1 || fail "--s3-credentials: $(cat d.out)"
grep -q '^synced ' d.out || fail "--s3-credentials: $(cat d.out)"
# a gateway that accepts and never answers: the bucket check gives up
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5); print(s.getsockname()[1], flush=True)
time.sleep(60)' > mute.port &
mute=$!
pids="$pids $mute"
for i in $(seq 1 50); do [ -s mute.port ] && break; sleep 0.1; done
start_t=$(date +%s)
timeout 60 "$SYMSERVER" sync --store "$T/C" --s3 "http://127.0.0.1:$(cat mute.port)/syms" --s3-timeout 500 \
	> c.out 2> c.err
rc=$?
[ $rc -eq 1 ] || fail "a mute gateway: exit $rc: $(cat c.err)"
[ $(( $(date +%s) - start_t )) -le 20 ] || fail "a mute gateway held sync for $(( $(date +%s) - start_t )) s"
grep -q 'S3' c.err || fail "a mute gateway: $(cat c.err)"
exit 0
