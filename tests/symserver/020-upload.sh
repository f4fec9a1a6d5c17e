# The upload API: tokens, PUT (plain and gzip), Breakpad's sym_upload v1
# form, archives in the store layout, the MODULE-line check, identical
# re-uploads, replacements, and `symserver import`.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

TOKEN=$(new_token ci) || fail "cannot create a token"
DL=$(new_token reader download)
start_server
A=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA0 B=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB0 C=CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC0
make_sym liba.so $A func_a > a.sym
make_sym libb.so $B func_b > b.sym
make_sym libc.so $C func_c > c.sym
auth=(-H "Authorization: Bearer $TOKEN")

# tokens: none or unknown -> 401, wrong scope -> 403; nothing is stored
[ "$(status PUT /liba.so/$A/liba.so.sym --data-binary @a.sym)" = 401 ] || fail "no token: want 401"
[ "$(status PUT /liba.so/$A/liba.so.sym -H "Authorization: Bearer $(printf 'f%.0s' $(seq 64))" --data-binary @a.sym)" = 401 ] ||
	fail "unknown token: want 401"
[ "$(status PUT /liba.so/$A/liba.so.sym -H "Authorization: Bearer $DL" --data-binary @a.sym)" = 403 ] ||
	fail "a download-only token uploaded"
[ "$(status GET /liba.so/$A/liba.so.sym)" = 404 ] || fail "a refused upload was stored"
grep -q "$TOKEN" "$STORE"/index/*.mdb && fail "the token is stored in clear"

# PUT, plain; Tecken's Auth-Token header works too
[ "$(status PUT /liba.so/$A/liba.so.sym "${auth[@]}" --data-binary @a.sym)" = 201 ] || fail "PUT: $(cat body.out)"
grep -q '"status": "new"' body.out || fail "PUT result: $(cat body.out)"
[ "$(status PUT /liba.so/$A/liba.so.sym -H "Auth-Token: $TOKEN" --data-binary @a.sym)" = 200 ] || fail "identical re-upload"
grep -q '"status": "unchanged"' body.out || fail "an identical re-upload is not reported unchanged: $(cat body.out)"
# PUT with Content-Encoding: gzip
gzip -c b.sym > b.sym.gz
[ "$(status PUT /libb.so/$B/libb.so.sym "${auth[@]}" -H 'Content-Encoding: gzip' --data-binary @b.sym.gz)" = 201 ] ||
	fail "gzip PUT: $(cat body.out)"
[ "$(status GET /libb.so/$B/libb.so.sym)" = 200 ] && cmp -s body.out b.sym || fail "gzip PUT stored other bytes"

# the MODULE line is the truth: a file under the wrong key is refused
[ "$(status PUT /libc.so/$A/libc.so.sym "${auth[@]}" --data-binary @c.sym)" = 400 ] || fail "wrong id for the key: want 400"
grep -q "$C" body.out || fail "the error does not give the file's id: $(cat body.out)"
[ "$(status PUT /other.so/$C/other.so.sym "${auth[@]}" --data-binary @c.sym)" = 400 ] || fail "wrong name for the key: want 400"
printf 'NOT A SYM FILE\n' > junk.sym
[ "$(status PUT /libc.so/$C/libc.so.sym "${auth[@]}" --data-binary @junk.sym)" = 400 ] || fail "non-.sym content: want 400"
printf 'MODULE Linux x86_64 %s libc.so\nBOGUS record\n' $C > bad.sym
[ "$(status PUT /libc.so/$C/libc.so.sym "${auth[@]}" --data-binary @bad.sym)" = 400 ] || fail "unknown record type: want 400"
grep -q "line 2" body.out || fail "the grammar error does not name the line: $(cat body.out)"
[ "$(status GET /libc.so/$C/libc.so.sym)" = 404 ] || fail "a refused file was stored"

# Breakpad's sym_upload v1 form: 200 on success
[ "$(status POST /upload "${auth[@]}" -F symbol_file=@c.sym -F debug_file=libc.so -F debug_identifier=$C \
	-F code_file=libc.so -F os=Linux -F cpu=x86_64)" = 200 ] || fail "sym_upload v1: $(cat body.out)"
[ "$(status GET /libc.so/$C/libc.so.sym)" = 200 ] && cmp -s body.out c.sym || fail "v1 upload not served back"
# the v1 form with a debug_identifier that disagrees with the file
[ "$(status POST /upload "${auth[@]}" -F symbol_file=@c.sym -F debug_file=libc.so -F debug_identifier=$A)" = 400 ] ||
	fail "v1 with a wrong id: want 400"

# a replacement is stored and logged
make_sym liba.so $A func_a_v2 > a2.sym
[ "$(status PUT /liba.so/$A/liba.so.sym "${auth[@]}" --data-binary @a2.sym)" = 200 ] || fail "replacement"
grep -q '"status": "replaced"' body.out || fail "the replacement is not reported: $(cat body.out)"
[ "$(status GET /liba.so/$A/liba.so.sym)" = 200 ] && cmp -s body.out a2.sym || fail "the replacement is not served"
curl -s "$URL/_metrics" | grep 'symserver_uploads_total{outcome="replaced"} 1' > /dev/null || fail "replacement not counted"

# archives in the store layout (Tecken's format): zip, tar, tar.gz
D1=D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D10 D2=D2D2D2D2D2D2D2D2D2D2D2D2D2D2D2D20
mkdir -p tree/libd1.so/$D1 tree/libd2.so/$D2 tree/bad.so/$D1
make_sym libd1.so $D1 f1 > tree/libd1.so/$D1/libd1.so.sym
make_sym libd2.so $D2 f2 > tree/libd2.so/$D2/libd2.so.sym
make_sym other.so $D1 f3 > tree/bad.so/$D1/bad.so.sym	# MODULE disagrees with its path
( cd tree && zip -qr ../syms.zip . && tar cf ../syms.tar . && tar czf ../syms.tar.gz . )
for a in syms.zip syms.tar syms.tar.gz; do
	code=$(status POST /upload "${auth[@]}" -F "symbols=@$a")
	[ "$code" = 400 ] || fail "$a with one bad entry: want 400, got $code: $(cat body.out)"
	grep -q '"stored": 2, "failed": 1' body.out || fail "$a: per-entry results: $(cat body.out)"
	grep -q '"key": "bad.so/'"$D1"'/bad.so.sym", "status": "error"' body.out || fail "$a: the bad entry is not named: $(cat body.out)"
done
# an entry whose name holds a quote, a backslash and a byte that is not
# UTF-8: the answer must still be JSON that names it
python3 - "$T/odd.tar" tree/libd1.so/$D1/libd1.so.sym <<'EOF' || fail "cannot make odd.tar"
import io, sys, tarfile
data = open(sys.argv[2], "rb").read()
with tarfile.open(sys.argv[1], "w", encoding="utf-8", errors="surrogateescape") as t:
    for name in ('lib"q\\\udcff.so/X/lib.sym', "libd1.so/D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D10/libd1.so.sym"):
        i = tarfile.TarInfo(name)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
EOF
code=$(status POST /upload "${auth[@]}" -F "symbols=@odd.tar")
[ "$code" = 400 ] || fail "odd.tar: want 400, got $code: $(cat body.out)"
python3 - <<'EOF' || fail "odd.tar: the answer is not JSON naming the odd entry: $(cat -v body.out)"
import json
d = json.loads(open("body.out", "rb").read().decode("utf-8"))
keys = [f["key"] for f in d["files"]]
assert keys == ['lib"q\\\ufffd.so/X/lib.sym', "libd1.so/D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D10/libd1.so.sym"], keys
assert [f["status"] for f in d["files"]] == ["error", "unchanged"], d
assert (d["stored"], d["failed"], d["refused"]) == (1, 1, 0), d
EOF
[ "$(status GET /libd1.so/$D1/libd1.so.sym)" = 200 ] && cmp -s body.out tree/libd1.so/$D1/libd1.so.sym || fail "archive entry 1 not served"
[ "$(status GET /libd2.so/$D2/libd2.so.sym)" = 200 ] || fail "archive entry 2 not served"
[ "$(status GET /bad.so/$D1/bad.so.sym)" = 404 ] || fail "the bad archive entry was stored"

# symserver import: index an existing tree, idempotently
stop_server
"$SYMSERVER" import --store "$T/store2" tree > import1.txt 2> import1.err
[ $? -eq 1 ] || fail "import with a bad file must exit 1"
# over a bucket (tests/s3/030-symserver-suite.sh) store2 is a second node
# of the same bucket, which holds the two files already
want="imported 2 new, 0 replaced, 0 unchanged, 1 failed"
[ -n "${SYMSERVER_S3:-}" ] && want="imported 0 new, 0 replaced, 2 unchanged, 1 failed"
grep -q "$want" import1.txt || fail "import: $(cat import1.txt)"
grep -q "bad.so" import1.err || fail "import does not name the bad file"
"$SYMSERVER" import --store "$T/store2" tree > import2.txt 2>/dev/null
grep -q "imported 0 new, 0 replaced, 2 unchanged, 1 failed" import2.txt || fail "re-import is not idempotent: $(cat import2.txt)"
STORE=$T/store2 start_server
[ "$(status GET /libd2.so/$D2/libd2.so.sym)" = 200 ] || fail "imported file not served"
exit 0
