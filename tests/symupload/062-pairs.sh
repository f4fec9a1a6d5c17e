# symupload and a binary with its debug file side by side: hello and
# hello.debug (with a .gnu_debuglink), and hello and hello.dbg (no debuglink:
# paired by build id only) each give one upload, the conversion with FUNC
# and line records, under the binary's name; so does a binary without a
# build id and the debug file its .gnu_debuglink names.  Two inputs with one key (an
# unstripped and a stripped copy of one build): the richer is uploaded
# whatever the order, the poorer is listed in --json with counts of both.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

hello_prog
"$DUMPSYMS" hello > want.sym || fail "dumpsyms hello"
read -r _ _ _ mid _ < want.sym
mkdir -p link dbg dup/a dup/b
objcopy --only-keep-debug hello link/hello.debug &&
	objcopy --strip-debug --add-gnu-debuglink=link/hello.debug hello link/hello || fail "objcopy (link)"
objcopy --only-keep-debug hello dbg/hello.dbg && objcopy --strip-debug hello dbg/hello || fail "objcopy (dbg)"
cp hello dup/a/hello && objcopy --strip-debug hello dup/b/hello || fail "objcopy (dup)"
"$DUMPSYMS" dup/b/hello > poor.sym
grep -q '^FUNC ' poor.sym && fail "the stripped copy has FUNC records: the test proves nothing"
rich() { grep -q '^FUNC .* sum_squares$' "$1" && grep -qE '^[0-9a-f]+ [0-9a-f]+ [0-9]+ [0-9]+$' "$1"; }
rich want.sym || fail "dumpsyms' conversion has no FUNC or line records"

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
got() {	# what the server holds for the module
	[ "$(status GET "/hello/$mid/hello.sym")" = 200 ] || fail "$1: hello/$mid is not on the server"
	rich body.out || fail "$1: the module uploaded has no FUNC or line records: $(head -n 3 body.out)"
}
for d in link dbg; do
	"$SYMUPLOAD" --token-file token --force --json "$URL" $d > $d.json 2> $d.err || fail "$d: $(cat $d.err)"
	py "
import json; d=json.load(open('$d.json'))
up = [(u['debug_file'], u['debug_id'], u['path']) for u in d['uploaded']]
assert up == [('hello', '$mid', '$d/hello')], up
assert [(i['kind'], i['path']) for i in d['ignored']] == [('debug_file_of_binary', '$d/hello.$d' if '$d' == 'dbg' else '$d/hello.debug')], d['ignored']
" || fail "$d: $(cat $d.json)"
	got $d
done

# -- no build id (clang's default): the debug file the binary names by
#    .gnu_debuglink, beside it or in .debug/, goes with it; alone it could
#    not be converted (nothing identifies it)
gcc -g -O1 -Wl,--build-id=none -o nb hello.c || fail "cannot compile without a build id"
readelf -n nb | grep 'Build ID' > /dev/null && fail "a build id despite --build-id=none"
"$DUMPSYMS" nb > nb.sym && read -r _ _ _ nbid _ < nb.sym
mkdir -p nobid/side nobid/sub/.debug
objcopy --only-keep-debug nb nobid/side/nb.debug &&
	objcopy --strip-debug --add-gnu-debuglink=nobid/side/nb.debug nb nobid/side/nb || fail "objcopy (no build id)"
cp nobid/side/nb nobid/sub/nb && cp nobid/side/nb.debug nobid/sub/.debug/nb.debug
for d in side sub; do
	"$SYMUPLOAD" --token-file token --force --json "$URL" nobid/$d > nb.json 2> nb.err || fail "no build id ($d): exit $?: $(cat nb.err)"
	py "
import json; d=json.load(open('nb.json'))
assert [(u['debug_file'], u['debug_id']) for u in d['uploaded']] == [('nb', '$nbid')] and not d['failed'], d
assert [i['kind'] for i in d['ignored']] == ['debug_file_of_binary'], d['ignored']
" || fail "no build id ($d): $(cat nb.json)"
	[ "$(status GET "/nb/$nbid/nb.sym")" = 200 ] && rich body.out || fail "no build id ($d): not the rich module"
done

# -- two copies of one build: the full one wins, first or second
stop_server
for order in "dup" "dup/b/hello dup/a/hello"; do
	rm -rf "$STORE"
	TOKEN=$(new_token ci) && printf '%s\n' "$TOKEN" > token
	start_server
	"$SYMUPLOAD" --token-file token --json "$URL" $order > dup.json 2> dup.err || fail "copies ($order): $(cat dup.err)"
	py "
import json; d=json.load(open('dup.json'))
assert [u['path'] for u in d['uploaded']] == ['dup/a/hello'], d['uploaded']
ign = d['ignored']
assert [(i['kind'], i['path']) for i in ign] == [('poorer', 'dup/b/hello')], ign
assert 'dup/a/hello' in ign[0]['reason'] and '0 FUNC, 0 line' in ign[0]['reason'], ign
" || fail "copies ($order): $(cat dup.json)"
	grep -q 'dup/b/hello: ignored: a poorer conversion' dup.err || fail "copies ($order): the poorer is not said: $(cat dup.err)"
	got "copies ($order)"
	stop_server
done
exit 0
