# The S3 blob backend (common/blob_s3.c) on a real Ceph RADOS Gateway
# (scripts/ceph-rgw): the blob contract of tests/unit/blob.c, then what
# another S3 client sees in the bucket (the Breakpad layout, the gzip
# encoding, the SHA-256 in the metadata; strays are not blobs), and the
# errors a user meets: wrong credentials, no bucket, no gateway, bad URLs.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

"$TOP/scripts/ceph-rgw" start "$T/ceph" 1 > s3.env 2> ceph.err ||
	fail "the Ceph gateway did not start: $(tail -n 20 ceph.err)"
trap '"$TOP/scripts/ceph-rgw" stop "$T/ceph" > /dev/null 2>&1' EXIT
. ./s3.env
export S3_ACCESS_KEY S3_SECRET_KEY S3_REGION
E=$S3_ENDPOINTS
s3() { curl -s --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }

[ "$(s3 -o /dev/null -w '%{http_code}' -X PUT "$E/syms")" = 200 ] || fail "cannot make the bucket"
# strays: outside the prefix, not in the layout, a name that is not the
# debug file's .sym
echo x > stray.txt
for k in other/a.so/0123/a.so.sym pre/fix/notes.txt pre/fix/a.so/0123/b.sym pre/fix/a.so/0123; do
	[ "$(s3 -o /dev/null -w '%{http_code}' -T stray.txt "$E/syms/$k")" = 200 ] || fail "cannot put $k"
done

"$BUILD/tests/unit/blob" --s3 "$E/syms/pre/fix/" > tap.txt 2>&1
rc=$?
cat tap.txt
grep -q '^1\.\.[1-9]' tap.txt || fail "the contract printed no plan"
grep -q '^not ok' tap.txt && fail "the S3 backend breaks the blob contract"
[ $rc -eq 0 ] || fail "the contract exited $rc"

# what another client sees: the one blob left, where a processor looks
left=$(sed -n 's/^# left: //p' tap.txt)
file=${left%/*} id=${left#*/}
[ -n "$file" ] && [ -n "$id" ] || fail "the contract did not say what it left"
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$file")
url="$E/syms/pre/fix/$enc/$id/$enc.sym"
s3 -D head.txt -o body.txt "$url" || fail "cannot read the blob with curl"
tr -d '\r' < head.txt > h.txt
grep -q '^HTTP/1.1 200' h.txt || fail "the blob is not at pre/fix/<debug_file>/<debug_id>/<sym_file>: $(head -n 1 h.txt)"
printf 'alpha alpha alpha\n' | cmp - body.txt || fail "the object does not hold the blob's bytes"
want=$(printf 'alpha alpha alpha\n' | sha256sum | cut -d' ' -f1)
grep -qx "x-amz-meta-sha256: $want" h.txt || fail "the object's metadata lacks its SHA-256: $(cat h.txt)"
grep -qx 'Content-Encoding: gzip' h.txt || fail "the object is not marked gzip: $(cat h.txt)"
# the removed blobs are gone; the strays are still there
s3 "$E/syms?list-type=2&prefix=pre%2Ffix%2F" | grep -o '<Key>[^<]*</Key>' | sort > keys.txt
printf '%s\n' "<Key>pre/fix/a.so/0123</Key>" "<Key>pre/fix/a.so/0123/b.sym</Key>" \
	"<Key>pre/fix/$file/$id/$file.sym</Key>" "<Key>pre/fix/notes.txt</Key>" | sort > want.txt
compare want.txt keys.txt "the objects under the prefix"

# read back through the backend; then behind its back: replaced by another
# client (other bytes, other SHA-256) it is refused as other content;
# removed, it is a clean "no object"
"$BUILD/tests/unit/blob" --s3-get "$E/syms/pre/fix" "$file" "$id" "$want" > got.txt ||
	fail "the blob does not read back: $(cat got.txt)"
printf 'alpha alpha alpha\n' | cmp - got.txt || fail "the blob reads back wrong"
printf 'beta\n' > other.txt
other=$(sha256sum < other.txt | cut -d' ' -f1)
[ "$(s3 -o /dev/null -w '%{http_code}' -H "x-amz-meta-sha256: $other" -T other.txt "$url")" = 200 ] ||
	fail "cannot replace the object with curl"
"$BUILD/tests/unit/blob" --s3-get "$E/syms/pre/fix" "$file" "$id" "$want" > got.txt &&
	fail "a replaced object was served as the blob: $(cat got.txt)"
grep -q "holds other content (sha256 $other, not $want)" got.txt || fail "replaced: $(cat got.txt)"
[ "$(s3 -o /dev/null -w '%{http_code}' -X DELETE "$url")" = 204 ] || fail "cannot remove the object with curl"
"$BUILD/tests/unit/blob" --s3-get "$E/syms/pre/fix" "$file" "$id" "$want" > got.txt &&
	fail "a removed object was served"
grep -q "code 8: S3: no object 'pre/fix/$file/$id/$file.sym'" got.txt || fail "removed: $(cat got.txt)"

# errors a user can act on, each well within 15 s
opens() {  # opens URL WANT-TEXT: --s3-open fails with WANT-TEXT
	local t0=$SECONDS
	"$BUILD/tests/unit/blob" --s3-open "$1" > open.out 2>&1 && fail "$1: opened"
	grep -q "$2" open.out || fail "$1: want '$2', got: $(cat open.out)"
	[ $((SECONDS - t0)) -le 15 ] || fail "$1: took $((SECONDS - t0)) s"
}
"$BUILD/tests/unit/blob" --s3-open "$E/syms" || fail "the bucket does not open"
S3_SECRET_KEY=wrong opens "$E/syms" "access denied"
opens "$E/nosuchbucket" "no bucket 'nosuchbucket'"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
opens "http://127.0.0.1:$port/syms" "Couldn't connect"
# a peer that takes the connection and never answers: the stall timeout
# (3 s in the test program, one retry) ends it
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)' > mute.port &
mute=$!
for _ in $(seq 50); do [ -s mute.port ] && break; sleep 0.1; done
opens "http://127.0.0.1:$(cat mute.port)/syms" "Timeout was reached"
kill $mute
opens "ftp://127.0.0.1/syms" "not http:// or https://"
opens "$E/" "a bucket name is 3 to 63 characters"
opens "$E/Upper" "only a-z"
S3_ACCESS_KEY= opens "$E/syms" "AWS_ACCESS_KEY_ID"
exit 0
