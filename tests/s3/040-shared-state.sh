# What nodes over one bucket share besides the symbol files (issue 14):
# a token made on one node is accepted by the others, and a revocation
# reaches every node; the ignore list is the same on every node; the
# missing-symbol listing merges every node's counts, without counting a
# restarted node twice; one key replaced through both nodes at once ends
# the same on both and in the bucket; a node built with `sync` gets the
# tokens and the ignore list; both nodes symbolicate with the bucket's
# version of a file replaced through both; virtual-host-style addressing.  On a real
# Ceph RADOS Gateway, two gateways.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/s3/nodes.sh"
s3_up 2
U0=$E0/syms/pre U1=$E1/syms/pre
start() { node_start "$@" --miss-flush-ms 100; }
stop() { node_stop "$1"; }
sym() { printf 'MODULE Linux x86_64 %s lib%s.so\nFUNC 1000 10 0 f%s\n' "$(ident "$1")" "$1" "$1"; }
put() {	# put NODE N TOKEN: the status of an upload of lib$N.so
	sym "$2" > "up$2.sym"
	code "$1" "/lib$2.so/$(ident "$2")/lib$2.so.sym" -H "Authorization: Bearer $3" -T "up$2.sym"
}

start A "$U0"
start B "$U1"

# -- a token made on A (by the command, over the bucket) is accepted by B
"$SYMSERVER" token add ci --store "$T/A" --s3 "$U0" > tok.txt 2> tok.err || fail "token add: $(cat tok.err)"
TOK=$(cat tok.txt)
[ "$(put A 1 "$TOK")" = 201 ] || fail "A refuses its own token: $(cat body.out)"
accepted_by_B() { [ "$(put B 2 "$TOK")" = 201 ]; }
until_ok 3 accepted_by_B || fail "B does not accept A's token within 3 s: $(cat body.out)"
# the bucket holds the token's hash, never the token
s3 "$E0/syms?list-type=2&prefix=pre%2F_state%2Ftokens%2F" > tokens.xml
grep -q "<Key>pre/_state/tokens/$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)/" tokens.xml ||
	fail "the bucket does not hold the token's record: $(cat tokens.xml)"
grep -q "$TOK" tokens.xml && fail "the bucket holds the token itself"
# a name in force on another node is refused, as on one node
"$SYMSERVER" token add ci --store "$T/B" --s3 "$U1" > /dev/null 2> dup.err &&
	fail "a second token named ci was made on B"
grep -q "exists already" dup.err || fail "the duplicate name is not explained: $(cat dup.err)"

# -- revoked on B: A refuses it within 3 s
"$SYMSERVER" token revoke ci --store "$T/B" --s3 "$U1" 2> rev.err || fail "revoke: $(cat rev.err)"
refused_by_A() { c=$(put A 3 "$TOK"); [ "$c" = 401 ] || [ "$c" = 403 ]; }
until_ok 3 refused_by_A || fail "A still accepts the token revoked on B: $(cat body.out)"
"$SYMSERVER" token list --store "$T/A" --json > list.json
python3 -c "
import json
v = json.load(open('list.json'))
assert len(v) == 1 and v[0]['name'] == 'ci' and v[0]['revoked'], v
" || fail "A's token list: $(cat list.json)"

# -- misses counted on both nodes: each node's /missing gives the sum
miss() {	# miss NODE N TIMES
	local i
	for i in $(seq 1 "$3"); do
		[ "$(code "$1" "/libm$2.so/$(ident "$2")/libm$2.so.sym")" = 404 ] || fail "miss on $1"
	done
}
miss A 10 3
miss B 10 2
miss B 11 1
miss A 12 1
# merged: 10 -> 5, 11 -> 1, 12 -> 1, on either node
counts() {	# counts NODE: "file:misses ..." for libm*.so, sorted, into counts.txt
	code "$1" "/missing?status=all" > /dev/null
	python3 -c "
import json
d = json.load(open('body.out'))
print(' '.join(sorted('%s:%d' % (m['debug_file'], m['misses']) for m in d['missing'] if m['debug_file'].startswith('libm'))))
" > counts.txt
}
merged() { counts "$1"; [ "$(cat counts.txt)" = "libm10.so:5 libm11.so:1 libm12.so:1" ]; }
until_ok 20 merged A || fail "A's /missing does not merge B's counts: $(cat counts.txt)"
until_ok 20 merged B || fail "B's /missing does not merge A's counts: $(cat counts.txt)"
code A /missing.csv > /dev/null
grep -q "^libm10\.so,$(ident 10),[^,]*,[^,]*,0,5," body.out ||
	fail "A's /missing.csv does not show the merged count: $(cat body.out)"
# the command over the bucket merges too
"$SYMSERVER" missing --store "$T/A" --s3 "$U0" --format json > cli.json 2> cli.err || fail "missing: $(cat cli.err)"
python3 -c "
import json
d = json.load(open('cli.json'))
m = {x['debug_file']: x['misses'] for x in d['missing']}
assert m.get('libm10.so') == 5 and m.get('libm11.so') == 1, m
" || fail "'symserver missing --s3' does not merge: $(cat cli.json)"

# -- B restarted: it keeps its name in the bucket, so its counts are not
# counted twice
stop B
start B "$U1"
miss B 10 1
sleep 1
merged6() { counts A; [ "$(cat counts.txt)" = "libm10.so:6 libm11.so:1 libm12.so:1" ]; }
until_ok 20 merged6 || fail "after B's restart, A's merged counts are $(cat counts.txt)"
[ "$(s3 "$E0/syms?list-type=2&prefix=pre%2F_state%2Fmissing%2F" | grep -o '<Key>' | wc -l)" = 2 ] ||
	fail "not one counts object per node"

# -- the ignore list: a pattern added on A hides those misses on B;
# removed on B, they are back on A
"$SYMSERVER" missing ignore 'libm1[01].so' --store "$T/A" --s3 "$U0" 2> ign.err || fail "ignore: $(cat ign.err)"
open_on() {	# open_on NODE WANT: the open misses of libm*.so on NODE are WANT
	code "$1" /missing > /dev/null
	python3 -c "
import json
d = json.load(open('body.out'))
print(' '.join(sorted(m['debug_file'] for m in d['missing'] if m['debug_file'].startswith('libm'))))
" > open.txt
	[ "$(cat open.txt)" = "$2" ]
}
until_ok 3 open_on B "libm12.so" || fail "B does not follow A's ignore list: $(cat open.txt)"
"$SYMSERVER" missing ignored --store "$T/B" > ignored.txt
[ "$(cat ignored.txt)" = 'libm1[01].so' ] || fail "B's ignore list: $(cat ignored.txt)"
"$SYMSERVER" missing unignore 'libm1[01].so' --store "$T/B" --s3 "$U1" 2> un.err || fail "unignore: $(cat un.err)"
until_ok 3 open_on A "libm10.so libm11.so libm12.so" || fail "A does not follow B's unignore: $(cat open.txt)"
"$SYMSERVER" missing ignore 'libkept*' --store "$T/B" --s3 "$U1" 2> ign.err || fail "ignore: $(cat ign.err)"

# -- an upload resolves the merged record on every node
TOK2=$("$SYMSERVER" token add ci2 --store "$T/A" --s3 "$U0") || fail "token add ci2"
resolved_on_B() {
	code B "/missing?status=all" > /dev/null
	python3 -c "
import json, sys
d = json.load(open('body.out'))
m = [x for x in d['missing'] if x['debug_file'] == 'libm10.so']
sys.exit(0 if m and m[0]['status'] == 'resolved' else 1)
"
}
resolved_on_B && fail "libm10.so is resolved before its upload"
sym 10 | sed 's/lib10\.so/libm10.so/' > m10.sym
[ "$(code A "/libm10.so/$(ident 10)/libm10.so.sym" -H "Authorization: Bearer $TOK2" -T m10.sym)" = 201 ] ||
	fail "upload of libm10.so failed: $(cat body.out)"
until_ok 3 resolved_on_B || fail "B does not show libm10.so resolved: $(cat body.out)"

# -- a node built from the bucket with sync has the tokens and the list
"$SYMSERVER" sync --store "$T/C" --s3 "$U0" > sync.out 2> sync.err || fail "sync: $(cat sync.err)"
"$SYMSERVER" token list --store "$T/C" --json > listC.json
python3 -c "
import json
v = sorted((t['name'], bool(t['revoked'])) for t in json.load(open('listC.json')))
assert v == [('ci', True), ('ci2', False)], v
" || fail "C's tokens after sync: $(cat listC.json)"
"$SYMSERVER" missing ignored --store "$T/C" > ignoredC.txt
[ "$(cat ignoredC.txt)" = 'libkept*' ] || fail "C's ignore list after sync: $(cat ignoredC.txt)"
start C "$U0"
[ "$(put C 20 "$TOK2")" = 201 ] || fail "C refuses a token made on A: $(cat body.out)"
[ "$(put C 21 "$TOK")" = 201 ] && fail "C accepts the token revoked on B"

# -- the bucket unreachable: token add and ignore fail, and change nothing
stop C
"$TOP/scripts/ceph-rgw" stop-gateway "$T/ceph" 0 > /dev/null 2>&1
"$SYMSERVER" token add offline --store "$T/C" --s3 "$U0" --s3-timeout 1000 > off.txt 2> off.err &&
	fail "a token was made with the bucket unreachable"
[ -s off.txt ] && fail "a token was printed though not made: $(cat off.txt)"
"$SYMSERVER" token list --store "$T/C" --json | grep -q '"offline"' &&
	fail "the token that did not reach the bucket is on C's list"
"$SYMSERVER" missing ignore 'libx*' --store "$T/C" --s3 "$U0" --s3-timeout 1000 2> offi.err &&
	fail "an ignore pattern was added with the bucket unreachable"
"$SYMSERVER" missing ignored --store "$T/C" | grep -q 'libx' && fail "the pattern is on C's list though not in the bucket"
"$TOP/scripts/ceph-rgw" start-gateway "$T/ceph" 0 > /dev/null 2>&1 || fail "gateway 0 did not restart"

# -- one held key replaced through A and B at once with different
# content, ten times: each time, both nodes end serving the bucket's
# object within 2 s
rsym() {	# rsym NAME COUNT: lib90.so with COUNT functions named NAME_i
	printf 'MODULE Linux x86_64 %s lib90.so\n' "$(ident 90)"
	for i in $(seq 1 "$2"); do printf 'FUNC %x 10 0 %s_%d\n' $((4096 + 16 * i)) "$1" "$i"; done
}
rsym base 1 > r.sym
[ "$(code A "/lib90.so/$(ident 90)/lib90.so.sym" -H "Authorization: Bearer $TOK2" -T r.sym)" = 201 ] ||
	fail "upload of lib90.so: $(cat body.out)"
for r in $(seq 1 10); do
	rsym a$r $((10 * r + 1)) > ra.sym
	rsym b$r $((10 * r + 2)) > rb.sym
	eval "pa=\$PORT_A pb=\$PORT_B"
	curl -s -o ra.out -w '%{http_code}' -H "Authorization: Bearer $TOK2" -T ra.sym \
		"http://127.0.0.1:$pa/lib90.so/$(ident 90)/lib90.so.sym" > ra.code &
	curl -s -o rb.out -w '%{http_code}' -H "Authorization: Bearer $TOK2" -T rb.sym \
		"http://127.0.0.1:$pb/lib90.so/$(ident 90)/lib90.so.sym" > rb.code
	wait $!
	case "$(cat ra.code) $(cat rb.code)" in
	*5??*|*000*) fail "round $r: $(cat ra.code) $(cat rb.code): $(cat ra.out rb.out)" ;;
	esac
	s3 -o obj90.gz "$E0/syms/pre/lib90.so/$(ident 90)/lib90.so.sym"
	gunzip -c obj90.gz > obj90.sym || fail "round $r: the bucket's lib90.so is not gzip"
	cmp -s obj90.sym rb.sym || cmp -s obj90.sym ra.sym || fail "round $r: the bucket holds neither upload"
	agree() { [ "$(code "$1" "/lib90.so/$(ident 90)/lib90.so.sym")" = 200 ] && cmp -s body.out obj90.sym; }
	for node in A B; do
		until_ok 2 agree $node || fail "round $r: $node does not serve the bucket's lib90.so within 2 s"
	done
	# symbolication (issue 15) on both nodes answers from the bucket's
	# version too: each node's lookup table follows the content it serves
	want=$(sed -n 's/^FUNC 1010 10 0 //p' obj90.sym)
	symb() {
		[ "$(code "$1" /symbolicate/v5 --data-binary "{\"memoryMap\": [[\"lib90.so\", \"$(ident 90)\"]], \"stacks\": [[[0, 4112]]]}")" = 200 ] &&
			grep -q "\"function\": \"$want\"" body.out
	}
	for node in A B; do
		until_ok 2 symb $node || fail "round $r: $node does not symbolicate with the bucket's lib90.so ($want): $(cat body.out)"
	done
done

# -- the bucket refuses writes under _state/ (a bucket policy): a token
# is not made (the one made here is revoked at once and never printed),
# an ignore-list change is not made, and a revocation that the bucket did
# not take says so and works when run again
cat > deny.json <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
 "Action": "s3:PutObject", "Resource": "arn:aws:s3:::syms/pre/_state/*"}]}
JSON
TOK3=$("$SYMSERVER" token add ci3 --store "$T/A" --s3 "$U0") || fail "token add ci3"
[ "$(s3 -o /dev/null -w '%{http_code}' -X PUT -T deny.json "$E0/syms?policy=")" = 204 ] ||
	fail "cannot set the bucket policy"
"$SYMSERVER" token add denied --store "$T/A" --s3 "$U0" > den.txt 2> den.err &&
	fail "a token was made though the bucket refused its record"
[ -s den.txt ] && fail "a token was printed though not made"
grep -q "bucket did not take the token" den.err || fail "token add refused: $(cat den.err)"
"$SYMSERVER" token list --store "$T/A" --json > listD.json
python3 -c "
import json
v = [t for t in json.load(open('listD.json')) if t['name'] == 'denied']
assert len(v) == 1 and v[0]['status'] == 'revoked', v
" || fail "the token the bucket refused is not revoked here: $(cat listD.json)"
"$SYMSERVER" missing ignore 'libdenied*' --store "$T/A" --s3 "$U0" 2> deni.err &&
	fail "an ignore pattern was added though the bucket refused it"
"$SYMSERVER" missing ignored --store "$T/A" | grep -q libdenied && fail "the refused pattern is on A's list"
"$SYMSERVER" missing unignore 'libkept*' --store "$T/A" --s3 "$U0" 2> denu.err &&
	fail "a pattern was removed though the bucket refused it"
"$SYMSERVER" missing ignored --store "$T/A" | grep -qx 'libkept\*' || fail "the refused removal was made on A"
"$SYMSERVER" token revoke ci3 --store "$T/A" --s3 "$U0" 2> denr.err && fail "a revocation the bucket refused succeeded"
grep -q "revoked on this node only" denr.err || fail "the refused revocation: $(cat denr.err)"
[ "$(put B 40 "$TOK3")" = 201 ] || fail "B refuses ci3, whose revocation did not reach the bucket"
case $(s3 -o pol.out -w '%{http_code}' -X DELETE "$E0/syms?policy=") in
200|204) ;; *) fail "cannot remove the policy: $(cat pol.out)" ;; esac
"$SYMSERVER" token revoke ci3 --store "$T/A" --s3 "$U0" 2> denr2.err || fail "revoke again: $(cat denr2.err)"
refused3_by_B() { c=$(put B 41 "$TOK3"); [ "$c" = 401 ] || [ "$c" = 403 ]; }
until_ok 3 refused3_by_B || fail "B accepts ci3 after it was revoked again"

stop A
stop B

# -- virtual-host-style addressing (AWS's default): node D sends its
# requests to syms.localhost (the gateway's rgw_dns_name is localhost;
# libcurl resolves *.localhost to loopback); it serves what A uploaded,
# and its uploads are in the bucket as the others read it
P1=${E1##*:}
"$SYMSERVER" sync --store "$T/D" --s3 "http://127.0.0.1:$P1/syms/pre" --s3-virtual-host \
	> vh0.out 2> vh0.err && fail "virtual-host style to an address was taken"
grep -q "needs a host name" vh0.err || fail "virtual-host style to an address: $(cat vh0.err)"
# the bucket is asked for at BUCKET.HOST (the answer names it)
"$SYMSERVER" sync --store "$T/D" --s3 "http://localhost:$P1/nosuch/pre" --s3-virtual-host \
	> vh1.out 2> vh1.err && fail "a missing bucket was found"
grep -q "no bucket 'nosuch' at http://nosuch.localhost:$P1" vh1.err ||
	fail "virtual-host style does not ask BUCKET.HOST: $(cat vh1.err)"
"$SYMSERVER" sync --store "$T/D" --s3 "http://localhost:$P1/syms/pre" --s3-virtual-host > vh.out 2> vh.err ||
	fail "sync over virtual-host style: $(cat vh.err)"
grep -q "^synced [1-9]" vh.out || fail "sync over virtual-host style: $(cat vh.out)"
start D "http://localhost:$P1/syms/pre" --s3-virtual-host
[ "$(code D "/lib1.so/$(ident 1)/lib1.so.sym")" = 200 ] && cmp -s body.out up1.sym || fail "D does not serve lib1.so"
[ "$(put D 30 "$TOK2")" = 201 ] || fail "upload to D: $(cat body.out)"
s3 -o obj30.gz "$E0/syms/pre/lib30.so/$(ident 30)/lib30.so.sym"
gunzip -c obj30.gz | cmp -s - up30.sym || fail "D's upload is not in the bucket"
stop D
exit 0
