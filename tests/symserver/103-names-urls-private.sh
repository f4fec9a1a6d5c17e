# Three bugs of issue 12, each as a user meets it:
#  - --private covers every route that tells anything about the store:
#    /api/syminfo (code id, sha256, size) and the code-id form of a
#    download answer 401 without a token, and the same for a code id the
#    store holds as for one it does not (no existence oracle);
#  - --public-url with a trailing slash gives URLs without "//" (the
#    sym-upload-v2 uploadUrl, the code-id redirect);
#  - one name rule (common/fsutil.c store_name_ok) for upload, download,
#    syminfo and import: a MODULE name every download would refuse
#    (lib#odd.so) is refused at upload on every route, and is not stored.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
trap 'halt_server' EXIT

UP=$(new_token uploader) || fail "cannot create a token"
DL=$(new_token reader download) || fail "cannot create a token"
start_server --private --public-url "http://symbols.example/"
ID=7777777777777777777777777777777770
make_sym libp.so $ID pfunc 0A0B0C0D1000 > p.sym
[ "$(status PUT /libp.so/$ID/libp.so.sym -H "Authorization: Bearer $UP" --data-binary @p.sym)" = 201 ] ||
	fail "upload: $(cat body.out)"
sha=$(sha256sum < p.sym | cut -c1-64)

# syminfo: the store's content, so private
[ "$(status GET /api/syminfo/libp.so/$ID)" = 401 ] || fail "anonymous syminfo under --private: $(cat body.out)"
grep -q -i -e "$sha" -e 0A0B0C0D1000 body.out && fail "syminfo leaked the file's hash or code id: $(cat body.out)"
[ "$(status GET /api/syminfo/libp.so/0A0B0C0D1000)" = 401 ] || fail "anonymous syminfo by code id under --private"
[ "$(status GET /api/syminfo/libp.so/$ID -H "Authorization: Bearer $DL")" = 200 ] ||
	fail "syminfo with a download token: $(cat body.out)"
grep -q "$sha" body.out || fail "syminfo with a token does not give the hash: $(cat body.out)"

# the code-id form: 401 whether or not the code id is held
[ "$(status GET /libp.so/0A0B0C0D1000/libp.so.sym)" = 401 ] || fail "anonymous code-id download of a held code id"
[ "$(status GET /libp.so/0A0B0C0DFFFF/libp.so.sym)" = 401 ] || fail "anonymous code-id download of an unknown code id"
[ "$(status GET /libp.so/0A0B0C0D1000/other.sym)" = 401 ] || fail "anonymous code-id form with another name"
[ "$(status GET /libp.so/0A0B0C0DFFFF/other.sym)" = 401 ] || fail "anonymous code-id form with another name, unknown id"
# with a token: the redirect, to the public URL without "//"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Authorization: Bearer $DL" \
	"$URL/libp.so/0A0B0C0D1000/libp.so.sym")
[ "$code" = "302 http://symbols.example/libp.so/$ID/libp.so.sym" ] || fail "code-id redirect: $code"

# sym-upload-v2: the upload URL under the public URL, without "//"
curl -s -X POST -d '' "$URL/v1/uploads:create?key=$UP" > create.json
grep -q '"uploadUrl": "http://symbols.example/v1/uploads/' create.json ||
	fail "uploadUrl not under the public URL with one slash: $(cat create.json)"

# one name rule: lib#odd.so is refused on every upload route, not stored
ODD=8888888888888888888888888888888880
make_sym 'lib#odd.so' $ODD oddfunc > odd.sym
[ "$(status POST /upload -H "Authorization: Bearer $UP" -F symbol_file=@odd.sym)" = 400 ] ||
	fail "POST /upload of lib#odd.so: want 400: $(cat body.out)"
[ "$(status POST /upload -H "Authorization: Bearer $UP" -F symbol_file=@odd.sym -F 'debug_file=lib#odd.so' \
	-F debug_identifier=$ODD)" = 400 ] || fail "POST /upload (v1 fields) of lib#odd.so: want 400"
[ "$(status PUT '/lib%23odd.so/'$ODD'/lib%23odd.so.sym' -H "Authorization: Bearer $UP" --data-binary @odd.sym)" = 400 ] ||
	fail "PUT of lib#odd.so: want 400: $(cat body.out)"
mkdir -p tree/lib#odd.so/$ODD
cp odd.sym "tree/lib#odd.so/$ODD/lib#odd.so.sym"
( cd tree && zip -qr ../odd.zip . )
[ "$(status POST /upload -H "Authorization: Bearer $UP" -F symbols=@odd.zip)" = 400 ] ||
	fail "an archive holding lib#odd.so: want 400: $(cat body.out)"
stop_server
if [ -z "${SYMSERVER_S3:-}" ]; then
	find "$STORE/blobs" -type f > blobs.txt
	[ "$(wc -l < blobs.txt)" = 1 ] || fail "lib#odd.so was stored: $(cat blobs.txt)"
else	# over a bucket (tests/s3/030-symserver-suite.sh): its objects
	"$SYMSERVER" sync --store "$STORE" > sync.txt 2>&1 || fail "sync: $(cat sync.txt)"
	grep -q '^synced 1 objects' sync.txt || fail "lib#odd.so was stored: $(cat sync.txt)"
fi
"$SYMSERVER" import --store "$STORE" tree > import.out 2>&1
grep -q 'imported 0 new' import.out || fail "import stored lib#odd.so: $(cat import.out)"
exit 0
