# --private: downloads need a token with the download scope; without one
# the answer is 401 (no token) or 403 (wrong token), never the file.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

UP=$(new_token uploader) || fail "cannot create a token"
DL=$(new_token reader download) || fail "cannot create a token"
start_server --private
ID=7777777777777777777777777777777770
make_sym libp.so $ID pfunc > p.sym
[ "$(status PUT /libp.so/$ID/libp.so.sym -H "Authorization: Bearer $UP" --data-binary @p.sym)" = 201 ] || fail "upload"
[ "$(status GET /libp.so/$ID/libp.so.sym)" = 401 ] || fail "anonymous download of a private store: want 401"
grep -q pfunc body.out && fail "the file leaked without a token"
[ "$(status GET /libp.so/$ID/libp.so.sym -H "Authorization: Bearer $UP")" = 403 ] || fail "upload-only token downloading: want 403"
[ "$(status GET /libp.so/$ID/libp.so.sym -H "Authorization: Bearer $DL")" = 200 ] || fail "download token: want 200"
cmp -s body.out p.sym || fail "private download gave other content"
[ "$(status GET /_health)" = 200 ] || fail "health must stay public"
"$SYMSERVER" token revoke reader --store "$STORE" || fail "revoke"
[ "$(status GET /libp.so/$ID/libp.so.sym -H "Authorization: Bearer $DL")" = 401 ] || fail "a revoked token still works"
exit 0
