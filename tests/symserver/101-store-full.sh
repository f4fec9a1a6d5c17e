# A full disk is the server's trouble, not the client's (issue 17): on a
# 2 MB tmpfs store, an upload that fills it mid-body answers 507 on every
# upload route, leaves no temporary file and no partial blob, is logged
# and counted, and the server goes on serving what it has and taking
# uploads that fit.  Another I/O error answers 503.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

MNT=$T/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=2m tmpfs "$MNT" 2>mount.err || skip "cannot mount a tmpfs here: $(cat mount.err)"
# stop the server before unmounting its store
on_exit_tmpfs() {
	local rc=$?
	trap - EXIT
	if [ $rc -ne 0 ] && [ -f "$T/server.err" ]; then
		echo "--- server stderr" >&2; tail -n 30 "$T/server.err" >&2
	fi
	halt_server || rc=1
	umount "$MNT" || { echo "FAIL: cannot unmount $MNT" >&2; rc=1; }
	exit $rc
}
trap on_exit_tmpfs EXIT

STORE=$MNT/store
TOKEN=$(new_token ci) || fail "cannot create a token"
start_server
auth=(-H "Authorization: Bearer $TOKEN")
A=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA0 B=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB0 C=CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC0
make_sym liba.so $A func_a > a.sym
make_sym libb.so $B func_b > b.sym
make_sym libc.so $C func_c > c.sym
[ "$(status PUT /liba.so/$A/liba.so.sym "${auth[@]}" --data-binary @a.sym)" = 201 ] || fail "PUT a: $(cat body.out)"
[ "$(status PUT /libb.so/$B/libb.so.sym "${auth[@]}" --data-binary @b.sym)" = 201 ] || fail "PUT b: $(cat body.out)"

# 4 MB of symbol names that do not compress much: more than the disk holds
BIG=BB16BB16BB16BB16BB16BB16BB16BB160
syms() {	# ID SIZE: names that do not compress much
	python3 - "$@" <<'EOF'
import base64, os, sys
out = sys.stdout
out.write("MODULE Linux x86_64 %s libbig.so\n" % sys.argv[1])
addr = 0x1000
while out.tell() < int(sys.argv[2]):
    name = base64.b64encode(os.urandom(45)).decode().replace("/", "_").replace("+", "_")
    out.write("PUBLIC %x 0 %s\n" % (addr, name))
    addr += 16
EOF
}
syms $BIG $((4 << 20)) > big.sym
gzip -c big.sym > big.sym.gz
mkdir -p tree/libbig.so/$BIG
cp big.sym tree/libbig.so/$BIG/libbig.so.sym
( cd tree && zip -q0r ../big.zip . )
# an archive that fits on the disk, but not with its entry's blob beside it
syms $BIG $((1600 << 10)) > tree/libbig.so/$BIG/libbig.so.sym
( cd tree && zip -qr ../mid.zip . )

# nothing half-written: no temporary file, only the blobs of a and b
nothing_left() {
	[ -z "$(ls -A "$STORE/tmp")" ] || fail "$1: temporary files left: $(ls -la "$STORE/tmp")"
	[ "$(find "$STORE/blobs" -type f | wc -l)" = 2 ] || fail "$1: a blob was left: $(find "$STORE/blobs" -type f)"
	[ "$(status GET /libbig.so/$BIG/libbig.so.sym)" = 404 ] || fail "$1: the big file is served"
}
# the server still answers and serves what it held
still_serving() {
	[ "$(status GET /_health)" = 200 ] || fail "$1: /_health"
	[ "$(status GET /liba.so/$A/liba.so.sym)" = 200 ] && cmp -s body.out a.sym || fail "$1: a is not served"
	[ "$(status GET /libb.so/$B/libb.so.sym)" = 200 ] && cmp -s body.out b.sym || fail "$1: b is not served"
}
full() {	# CODE LABEL
	cp body.out full.out
	[ "$1" = 507 ] || fail "$2: want 507, got $1: $(cat full.out)"
	grep -q "No space left on device" full.out && grep -q "full" full.out || fail "$2: the message: $(cat full.out)"
	nothing_left "$2"
	still_serving "$2"
}

full "$(status PUT /libbig.so/$BIG/libbig.so.sym "${auth[@]}" --data-binary @big.sym)" "PUT"
full "$(status PUT /libbig.so/$BIG/libbig.so.sym "${auth[@]}" -H 'Content-Encoding: gzip' --data-binary @big.sym.gz)" "PUT, gzip"
full "$(status POST /upload "${auth[@]}" -F symbol_file=@big.sym -F debug_file=libbig.so -F debug_identifier=$BIG)" "v1 form"
full "$(status POST /upload "${auth[@]}" -F symbols=@big.zip)" "archive"
full "$(status POST /upload "${auth[@]}" -F symbols=@mid.zip)" "archive entry"
grep -q '"status": "error", "error": "cannot write to the store: No space left on device' full.out ||
	fail "the archive entry does not say why: $(cat full.out)"
curl -s -X POST -d '' "$URL/v1/uploads:create?key=$TOKEN" > create.json
url=$(sed -n 's/.*"uploadUrl": "\([^"]*\)".*/\1/p' create.json)
full "$(curl -s -o body.out -w '%{http_code}' -X PUT --data-binary @big.sym "$url?key=$TOKEN")" "sym-upload-v2 PUT"

curl -s "$URL/_metrics" > metrics.txt
grep -qx 'symserver_store_errors_total{kind="nospace"} 6' metrics.txt ||
	fail "the full disk is not counted 6 times: $(grep store_errors metrics.txt)"
[ "$(grep -c 'store error (disk full).*No space left on device' "$T/server.err")" = 6 ] ||
	fail "the full disk is not logged on stderr: $(cat "$T/server.err")"

# what fits still goes in
[ "$(status PUT /libc.so/$C/libc.so.sym "${auth[@]}" --data-binary @c.sym)" = 201 ] || fail "a small upload after the full disk: $(cat body.out)"
[ "$(status GET /libc.so/$C/libc.so.sym)" = 200 ] && cmp -s body.out c.sym || fail "c is not served"

# another I/O error: the store's tmp/ is not a directory any more
rmdir "$STORE/tmp" && touch "$STORE/tmp" || fail "cannot replace tmp/ by a file"
code=$(status PUT /libbig.so/$BIG/libbig.so.sym "${auth[@]}" --data-binary @a.sym)
rm "$STORE/tmp" && mkdir "$STORE/tmp" || fail "cannot restore tmp/"
[ "$code" = 503 ] || fail "tmp/ not a directory: want 503, got $code: $(cat body.out)"
grep -q "Not a directory" body.out && grep -q "try again later" body.out || fail "the 503 does not say why: $(cat body.out)"
curl -s "$URL/_metrics" | grep -x 'symserver_store_errors_total{kind="io"} 1' > /dev/null || fail "the I/O error is not counted"
grep -q 'store error (I/O).*Not a directory' "$T/server.err" || fail "the I/O error is not logged"
still_serving "after the I/O error"
stop_server

"$SYMSERVER" verify --store "$STORE" > verify.txt 2>&1 || fail "verify: $(cat verify.txt)"
grep -q "verified 3 symbol files, 0 problems" verify.txt || fail "verify: $(cat verify.txt)"
exit 0
