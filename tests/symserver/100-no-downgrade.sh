# No downgrade (issue 17): after a program's full conversion, the same
# build after `objcopy --strip-debug` and a .sym cut short are refused with
# 409 on every upload route (PUT, the v1 form, an archive, sym-upload-v2,
# `symserver import`), the full file stays served byte for byte, and the
# refusal is logged, counted and shown on the page.  X-Symserver-Force: 1
# (or the form field force=1, or import --force) replaces it; a richer
# file replaces a poorer one without force.  A record written before the
# index kept stats gets them from its blob, once.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

# the program, built with -g; its stripped twin keeps the same name
cat > prog.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int add(int a, int b) { return a + b; }
int mul(int a, int b) { int r = 0; for (int i = 0; i < b; i++) r = add(r, a); return r; }
int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
void greet(const char *who) { printf("hello, %s\n", who); }
int main(int argc, char **argv)
{
	greet(argc > 1 ? argv[1] : "world");
	printf("%d %d\n", mul(3, 4), fib(10));
	return EXIT_SUCCESS;
}
EOF
mkdir -p full stripped
gcc -g -O1 -o full/prog prog.c || fail "cannot compile the test program"
cp full/prog stripped/prog
objcopy --strip-debug stripped/prog || fail "objcopy --strip-debug failed"
run_dumpsyms full/prog > full.sym || fail "dumpsyms on the full build"
run_dumpsyms stripped/prog > stripped.sym || fail "dumpsyms on the stripped build"
# cut short at a record boundary: the first FUNC records only
n=$(grep -n '^FUNC ' full.sym | sed -n 3p | cut -d: -f1)
[ -n "$n" ] || fail "the full conversion has fewer than 3 FUNC records"
head -n $((n - 1)) full.sym > cut.sym
ID=$(head -n1 full.sym | cut -d' ' -f4)
[ "$(head -n1 stripped.sym)" = "$(head -n1 full.sym)" ] || fail "the stripped build has another MODULE line"
grep -q '^FUNC ' stripped.sym && fail "the stripped conversion still has FUNC records"

# the message of the refusal, with the counts of each side
counts() {	# FILE -> "N FUNC, N line, N INLINE, N STACK"
	echo "$(grep -c '^FUNC ' "$1") FUNC, $(grep -c '^[0-9a-f]' "$1") line, $(grep -c '^INLINE ' "$1") INLINE, $(grep -c '^STACK ' "$1") STACK"
}
refusal() {	# CANDIDATE HELD
	echo "refusing to replace prog/$ID: the upload is poorer than the stored file ($(counts "$1") records against $(counts "$2") held); send X-Symserver-Force: 1 (symupload --force) to replace it anyway"
}
refusal stripped.sym full.sym > want-stripped.txt
refusal cut.sym full.sym > want-cut.txt

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server
auth=(-H "Authorization: Bearer $TOKEN")
P=/prog/$ID/prog.sym
metric() { curl -s "$URL/_metrics" | sed -n "s/^symserver_uploads_total{outcome=\"$1\"} //p"; }
# the full file is served, byte for byte, under the record it was stored with
still_full() {
	[ "$(status GET $P)" = 200 ] && cmp -s body.out full.sym || fail "$1: the full file is no longer served as uploaded"
	curl -s "$URL/api/syminfo/prog/$ID" > info.json
	grep -q "\"sha256\": \"$(sha256sum < full.sym | cut -c1-64)\"" info.json || fail "$1: the index record changed: $(cat info.json)"
}
# refused CODE LABEL WANT: the answer was 409 with the message of WANT
refused() {
	[ "$1" = 409 ] || fail "$2: want 409, got $1: $(cat body.out)"
	compare "$3" body.out "$2: the refusal"
	still_full "$2"
}

[ "$(status PUT $P "${auth[@]}" --data-binary @full.sym)" = 201 ] || fail "PUT of the full file: $(cat body.out)"

# PUT, plain and gzip
refused "$(status PUT $P "${auth[@]}" --data-binary @stripped.sym)" "PUT stripped" want-stripped.txt
gzip -c cut.sym > cut.sym.gz
refused "$(status PUT $P "${auth[@]}" -H 'Content-Encoding: gzip' --data-binary @cut.sym.gz)" "PUT cut, gzip" want-cut.txt
# Breakpad's sym_upload v1 form
refused "$(status POST /upload "${auth[@]}" -F symbol_file=@stripped.sym -F debug_file=prog -F debug_identifier=$ID)" \
	"v1 form, stripped" want-stripped.txt
refused "$(status POST /upload "${auth[@]}" -F symbol_file=@cut.sym -F force=0)" "v1 form, cut, force=0" want-cut.txt
# sym-upload-v2
v2() {	# FILE [curl args for :complete]: prints the :complete status;
	# V2_FORCE_PUT=1 sends X-Symserver-Force: 1 with the PUT instead
	local f=$1 url key put=(); shift
	[ -n "${V2_FORCE_PUT:-}" ] && put=(-H 'X-Symserver-Force: 1')
	curl -s -X POST -d '' "$URL/v1/uploads:create?key=$TOKEN" > create.json
	url=$(sed -n 's/.*"uploadUrl": "\([^"]*\)".*/\1/p' create.json)
	key=$(sed -n 's/.*"uploadKey": "\([^"]*\)".*/\1/p' create.json)
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "${put[@]}" --data-binary @"$f" "$url?key=$TOKEN")" = 200 ] ||
		fail "v2 PUT of $f"
	curl -s -o body.out -w '%{http_code}' -X POST "$@" \
		--data "{\"symbol_id\": {\"debug_file\": \"prog\", \"debug_id\": \"$ID\"}}" \
		"$URL/v1/uploads/$key:complete?key=$TOKEN"
}
refused "$(v2 stripped.sym)" "sym-upload-v2, stripped" want-stripped.txt
# an archive in the store layout: the entry is refused, the answer is 409
mkdir -p tree/prog/$ID
cp stripped.sym tree/prog/$ID/prog.sym
( cd tree && zip -qr ../stripped.zip . )
code=$(status POST /upload "${auth[@]}" -F "symbols=@stripped.zip")
[ "$code" = 409 ] || fail "archive with a poorer entry: want 409, got $code: $(cat body.out)"
grep -q '"status": "refused", "error": "refusing to replace prog/'"$ID"': the upload is poorer' body.out ||
	fail "the archive entry is not reported refused: $(cat body.out)"
grep -q '"stored": 0, "failed": 0, "refused": 1' body.out || fail "archive totals: $(cat body.out)"
still_full "archive"

# counted, logged, shown
[ "$(metric refused)" = 6 ] || fail "want 6 refusals counted, got '$(metric refused)'"
[ "$(metric replaced)" = 0 ] && [ "$(metric forced)" = 0 ] || fail "a refusal was counted as a replacement"
[ "$(grep -c "refused prog/$ID from ci: the upload is poorer" "$T/server.err")" = 6 ] ||
	fail "the refusals are not logged on stderr: $(cat "$T/server.err")"
curl -s "$URL/" > page.html
[ "$(grep -o '<td>refused</td>' page.html | wc -l)" = 6 ] || fail "the page does not show the 6 refusals"
grep -q '<td>replaced</td>' page.html && fail "the page shows a replacement"

# forced: the header on PUT
code=$(status PUT $P "${auth[@]}" -H 'X-Symserver-Force: 1' --data-binary @stripped.sym)
[ "$code" = 200 ] && grep -q '"status": "forced"' body.out || fail "a forced PUT: want 200 forced, got $code: $(cat body.out)"
[ "$(status GET $P)" = 200 ] && cmp -s body.out stripped.sym || fail "the forced file is not served"
[ "$(metric forced)" = 1 ] || fail "the forced replacement is not counted"
grep -q "forced replacement of prog/$ID from ci" "$T/server.err" || fail "the forced replacement is not logged"
curl -s "$URL/" | grep '<td>forced</td>' > /dev/null || fail "the page does not show the forced replacement"
# a richer file replaces a poorer one without force
code=$(status PUT $P "${auth[@]}" --data-binary @full.sym)
[ "$code" = 200 ] && grep -q '"status": "replaced"' body.out || fail "richer after poorer: want 200 replaced, got $code: $(cat body.out)"
still_full "richer after poorer"
# forced: the form field, the header on the form, on v2
code=$(status POST /upload "${auth[@]}" -F symbol_file=@cut.sym -F force=1)
[ "$code" = 200 ] && grep -q '"status": "forced"' body.out || fail "v1 form with force=1: got $code: $(cat body.out)"
[ "$(status GET $P)" = 200 ] && cmp -s body.out cut.sym || fail "the form's forced file is not served"
[ "$(status PUT $P "${auth[@]}" --data-binary @full.sym)" = 200 ] || fail "restoring the full file"
code=$(status POST /upload "${auth[@]}" -H 'X-Symserver-Force: 1' -F symbol_file=@stripped.sym)
[ "$code" = 200 ] && grep -q '"status": "forced"' body.out || fail "v1 form with the header: got $code: $(cat body.out)"
[ "$(status PUT $P "${auth[@]}" --data-binary @full.sym)" = 200 ] || fail "restoring the full file"
code=$(v2 stripped.sym -H 'X-Symserver-Force: 1')
[ "$code" = 200 ] && grep -q '"result": "OK"' body.out || fail "forced v2: got $code: $(cat body.out)"
[ "$(status GET $P)" = 200 ] && cmp -s body.out stripped.sym || fail "the forced v2 file is not served"
[ "$(status PUT $P "${auth[@]}" --data-binary @full.sym)" = 200 ] || fail "restoring the full file"
code=$(V2_FORCE_PUT=1 v2 cut.sym)
[ "$code" = 200 ] && grep -q '"result": "OK"' body.out || fail "v2 forced on the PUT: got $code: $(cat body.out)"
[ "$(status GET $P)" = 200 ] && cmp -s body.out cut.sym || fail "the v2 file forced on the PUT is not served"
[ "$(status PUT $P "${auth[@]}" --data-binary @full.sym)" = 200 ] || fail "restoring the full file"
[ "$(metric forced)" = 5 ] && [ "$(metric refused)" = 6 ] || fail "counts after the forced uploads: $(curl -s "$URL/_metrics" | grep uploads_total)"
stop_server

# symserver import: refused without --force, replaced with it
"$SYMSERVER" import --store "$STORE" tree > import1.txt 2> import1.err
[ $? -eq 1 ] || fail "an import with a refused file must exit 1"
grep -q "imported 0 new, 0 replaced, 0 unchanged, 0 failed, 1 refused" import1.txt || fail "import: $(cat import1.txt)"
grep -q "refusing to replace prog/$ID" import1.err || fail "import does not say why: $(cat import1.err)"
"$SYMSERVER" import --store "$STORE" --force tree > import2.txt 2> import2.err ||
	fail "import --force: $(cat import2.txt import2.err)"
grep -q "imported 0 new, 1 replaced, 0 unchanged, 0 failed, 0 refused" import2.txt || fail "import --force: $(cat import2.txt)"

# a store written before records kept stats: hide them (the tag "s1"
# becomes "x1", which readers skip) and put the full file back in place
start_server
[ "$(status PUT $P "${auth[@]}" --data-binary @full.sym)" = 200 ] || fail "restoring the full file: $(cat body.out)"
stop_server
python3 - "$STORE/index/data.mdb" <<'EOF' || fail "cannot hide the stats"
import sys
p = sys.argv[1]
d = open(p, 'rb').read()
n = d.count(b'\0s1\0')
if n == 0:
    sys.exit("no stats in the index")
open(p, 'wb').write(d.replace(b'\0s1\0', b'\0x1\0'))
EOF
start_server
refused "$(status PUT $P "${auth[@]}" --data-binary @stripped.sym)" "PUT stripped over a record without stats" want-stripped.txt
# the stats were computed from the blob and kept in the record: with the
# blob gone, the record alone still refuses
H=$(sha256sum < full.sym | cut -c1-64)
mv "$STORE/blobs/${H:0:2}/${H:2}" blob.saved
[ "$(status PUT $P "${auth[@]}" --data-binary @cut.sym)" = 409 ] ||
	fail "the stats computed from the blob were not kept in the record: $(cat body.out)"
mv blob.saved "$STORE/blobs/${H:0:2}/${H:2}"
still_full "old record"
exit 0
