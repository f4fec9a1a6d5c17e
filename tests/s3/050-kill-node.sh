# A node over a bucket killed (kill -9) in the middle of an upload burst
# (issue 14): restarted on the same directory, its index verifies clean;
# every upload it acknowledged is in the bucket, served by it and by a
# node built from the bucket with sync; what it did not acknowledge is
# either wholly there or not at all.  On a real Ceph RADOS Gateway.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/s3/nodes.sh"
s3_up 1
URL=$E0/syms/pre

TOK=$("$SYMSERVER" token add ci --store "$T/A" --s3 "$URL") || fail "token add"
mkdir up
python3 - <<'PY'
import random
for n in range(1, 241):
    r = random.Random(n)
    with open('up/%d.sym' % n, 'w') as f:
        f.write('MODULE Linux x86_64 %032X0 lib%d.so\n' % (n, n))
        for i in range(400):
            f.write('FUNC %x 10 0 f_%016x\n' % (0x1000 + 16 * i, r.getrandbits(64)))
PY
node_start A "$URL"
# 6 clients, 40 uploads each; each line of acked.N: an upload answered 201
for c in 0 1 2 3 4 5; do
	(
		for i in $(seq 1 40); do
			n=$((c * 40 + i))
			s=$(curl -s -o /dev/null -w '%{http_code}' -m 20 -H "Authorization: Bearer $TOK" \
				-T "up/$n.sym" "http://127.0.0.1:$PORT_A/lib$n.so/$(ident $n)/lib$n.so.sym")
			[ "$s" = 201 ] && echo "$n"
		done > "acked.$c"
	) &
done
# kill the node once some uploads are through, with more in flight
for _ in $(seq 1 200); do
	[ "$(cat acked.* 2> /dev/null | wc -l)" -ge 40 ] && break
	sleep 0.05
done
kill -9 "$PID_A"
wait "$PID_A" 2> /dev/null
wait
sort -n acked.* > acked.txt
nack=$(wc -l < acked.txt)
[ "$nack" -ge 40 ] || fail "only $nack uploads were acknowledged before the kill"
[ "$nack" -lt 240 ] || fail "every upload was through before the kill: the test proves nothing"

# restarted on the same directory: the index verifies clean and serves
# every acknowledged upload as sent
node_start A "$URL"
"$SYMSERVER" verify --store "$T/A" --s3 "$URL" > verify.txt 2>&1 || fail "verify after the kill: $(cat verify.txt)"
grep -q ', 0 problems$' verify.txt || fail "verify after the kill: $(cat verify.txt)"
for n in $(cat acked.txt); do
	[ "$(code A "/lib$n.so/$(ident $n)/lib$n.so.sym")" = 200 ] ||
		fail "acknowledged upload $n is not served after the restart"
	cmp -s body.out "up/$n.sym" || fail "acknowledged upload $n is served with other content"
	s3 -o obj.gz "$URL/lib$n.so/$(ident $n)/lib$n.so.sym"
	gunzip -c obj.gz 2> /dev/null | cmp -s - "up/$n.sym" || fail "acknowledged upload $n is not in the bucket as sent"
done
# every object in the bucket is a whole upload; a node built from the
# bucket alone serves every acknowledged one
"$SYMSERVER" sync --store "$T/B" --s3 "$URL" > sync.txt 2>&1 || fail "sync: $(cat sync.txt)"
grep -q ' 0 not symbol files' sync.txt || fail "the bucket holds broken objects after the kill: $(cat sync.txt)"
"$SYMSERVER" verify --store "$T/B" --s3 "$URL" > verifyB.txt 2>&1 || fail "verify of B: $(cat verifyB.txt)"
grep -q ', 0 problems$' verifyB.txt || fail "verify of B: $(cat verifyB.txt)"
taken=$(sed -n 's/^synced \([0-9]*\) objects.*/\1/p' sync.txt)
[ "$taken" -ge "$nack" ] || fail "the bucket holds $taken objects, fewer than the $nack acknowledged"
node_stop A
node_start B "$URL"
for n in $(cat acked.txt); do
	[ "$(code B "/lib$n.so/$(ident $n)/lib$n.so.sym")" = 200 ] && cmp -s body.out "up/$n.sym" ||
		fail "node B (from sync) does not serve acknowledged upload $n"
done
node_stop B
exit 0
