# symupload pairs a .build-id tree with its binaries: a C program compiled
# here, its debug information moved out with objcopy --only-keep-debug,
# --strip-debug and --add-gnu-debuglink, the debug file put where
# distributions put it (.build-id/xx/yyyy.debug).  One module is uploaded,
# under the binary's name, with FUNC, line and STACK records (what dumpsyms
# gives for the binary with its debug file), nothing named *.debug; the same
# with the debug tree as a second argument; a debug file named by build id
# whose binary is not given is listed as ignored, not uploaded as a module
# named after the build id.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

hello_prog
id=$(readelf -n hello | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
[ ${#id} -ge 16 ] || fail "no build id in the compiled program"
mkdir -p root/usr/bin root/usr/lib/debug/.build-id/"${id:0:2}"
objcopy --only-keep-debug hello hello.debug || fail "objcopy --only-keep-debug"
objcopy --strip-debug hello root/usr/bin/hello && objcopy --add-gnu-debuglink=hello.debug root/usr/bin/hello ||
	fail "objcopy --strip-debug"
mv hello.debug root/usr/lib/debug/.build-id/"${id:0:2}/${id:2}.debug"
# what the module must hold: dumpsyms' conversion of the binary with its debug file
"$DUMPSYMS" hello > want.sym || fail "dumpsyms hello"
"$DUMPSYMS" root/usr/bin/hello > stripped.sym || fail "dumpsyms of the stripped binary"
read -r _ _ _ mid mname < want.sym
[ "$mname" = hello ] || fail "module name $mname"
grep -q '^FUNC ' stripped.sym && fail "the stripped binary still has FUNC records: the test proves nothing"
has_records() {	# FILE: FUNC, line and STACK records
	grep -q '^FUNC .* sum_squares$' "$1" && grep -qE '^[0-9a-f]+ [0-9a-f]+ [0-9]+ [0-9]+$' "$1" &&
		grep -q '^STACK CFI' "$1"
}
has_records want.sym || fail "dumpsyms' own conversion lacks FUNC, line or STACK records"

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
puts() { sleep 0.5; grep '^PUT ' server.out; }	# the access log is written every 200 ms

# -- the whole root: one module, the binary's, with its debug information
"$SYMUPLOAD" --token-file token --json "$URL" root > s1.json 2> s1.err; rc=$?
[ $rc -eq 0 ] || fail "the root: exit $rc: $(cat s1.err)"
py "
import json; d=json.load(open('s1.json'))
up = [(u['debug_file'], u['debug_id'], u['path']) for u in d['uploaded']]
assert up == [('hello', '$mid', 'root/usr/bin/hello')], up
ign = [(i['kind'], i['path']) for i in d['ignored']]
assert ign == [('debug_file_of_binary', 'root/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug')], ign
" || fail "the root: $(cat s1.json)"
[ "$(status GET "/hello/$mid/hello.sym")" = 200 ] || fail "hello/$mid is not on the server"
cp body.out got.sym
has_records got.sym || fail "the uploaded module lacks FUNC, line or STACK records: $(head -n 5 got.sym)"
cmp -s got.sym want.sym || fail "the uploaded module differs from dumpsyms' conversion of the unstripped binary"
[ "$(puts | wc -l)" = 1 ] || fail "not one upload: $(puts)"
puts | grep -q '\.debug/' && fail "a module named *.debug was uploaded: $(puts)"

# -- the binary and the debug tree as two arguments, on a fresh store
stop_server
rm -rf "$STORE"
TOKEN=$(new_token ci) && printf '%s\n' "$TOKEN" > token
start_server
"$SYMUPLOAD" --token-file token "$URL" root/usr/bin root/usr/lib/debug > s2.out 2> s2.err || fail "two arguments: $(cat s2.err)"
grep -q '^1 uploaded, 0 skipped, 0 failed' s2.out || fail "two arguments: $(cat s2.out)"
grep -q '^ignored 1 file: 1 debug files converted with their binary' s2.out || fail "two arguments: $(cat s2.out)"
[ "$(status GET "/hello/$mid/hello.sym")" = 200 ] && cmp -s body.out want.sym || fail "two arguments: not the rich module"
[ "$(puts | wc -l)" = 1 ] || fail "two arguments: not one upload: $(puts)"

# -- the debug tree alone: nothing named after the build id is uploaded;
#    the file is listed with the reason, and the run found nothing: exit 3
"$SYMUPLOAD" --token-file token --force --json "$URL" root/usr/lib/debug > s3.json 2> s3.err; rc=$?
[ $rc -eq 3 ] || fail "the debug tree alone: exit $rc (want 3): $(cat s3.err)"
py "
import json; d=json.load(open('s3.json'))
assert not d['uploaded'] and not d['failed'], d
ign = [(i['kind'], i['path']) for i in d['ignored']]
assert ign == [('debug_file_without_binary', 'root/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug')], ign
assert 'give the binary' in d['ignored'][0]['reason'], d['ignored']
" || fail "the debug tree alone: $(cat s3.json)"
grep -q 'nothing to upload' s3.err || fail "the debug tree alone: no word of nothing to upload: $(cat s3.err)"
[ "$(puts | wc -l)" = 1 ] || fail "the debug tree alone uploaded something: $(puts)"
stop_server
exit 0
