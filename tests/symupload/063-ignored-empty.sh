# symupload lists every file it does not upload with the reason in --json
# (not symbols, a relocatable object, a named pipe, a file reached twice)
# and counts them in the text summary; a run that finds nothing to upload
# says so and exits 3 (also with --dry-run), contacting nothing, unless
# --allow-empty, which exits 0.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

mkdir -p out/sub
echo "not symbols" > out/README
printf 'int f(void) { return 1; }\n' > o.c && gcc -c -o out/sub/f.o o.c || fail "cannot compile"
mkfifo out/sub/pipe
head -c 3000 /dev/urandom > out/blob.bin
ln out/README out/sub/README.hard	# one file, two names

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server

# -- nothing to upload: said, exit 3, nothing sent
timeout 60 "$SYMUPLOAD" --token-file token --json "$URL" out > e.json 2> e.err; rc=$?
[ $rc -eq 3 ] || fail "nothing to upload: exit $rc (want 3): $(cat e.err)"
grep -q '^symupload: nothing to upload' e.err || fail "nothing to upload is not said: $(cat e.err)"
grep -q -- '--allow-empty' e.err || fail "the way out is not said: $(cat e.err)"
py "
import json; d=json.load(open('e.json'))
assert d['exit_status'] == 3 and not d['uploaded'] and not d['failed'], d
ign = sorted((i['path'], i['kind']) for i in d['ignored'])
assert ign == [('out/README', 'not_symbols'), ('out/blob.bin', 'not_symbols'),
               ('out/sub/README.hard', 'same_file'), ('out/sub/f.o', 'relocatable'),
               ('out/sub/pipe', 'special')], ign
assert all(len(i['reason']) > 10 for i in d['ignored']), d['ignored']
assert d['ignored_files'] == 5
" || fail "ignored files: $(cat e.json)"
sleep 0.5
grep -qE '^(PUT|POST|HEAD) ' server.out && fail "an empty run contacted the server: $(cat server.out)"
# the text summary counts them by reason
timeout 60 "$SYMUPLOAD" --token-file token "$URL" out > t.out 2> t.err; rc=$?
[ $rc -eq 3 ] || fail "nothing to upload (text): exit $rc"
grep -q '^ignored 5 files: 2 not symbols, 1 pipes, sockets or devices, 1 relocatable objects, 1 files reached twice' t.out ||
	fail "text summary: $(cat t.out)"
timeout 60 "$SYMUPLOAD" --dry-run "$URL" out > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ] || fail "nothing to upload (--dry-run): exit $rc (want 3)"
# an empty directory too
mkdir void
"$SYMUPLOAD" --token-file token "$URL" void > /dev/null 2> v.err; rc=$?
[ $rc -eq 3 ] || fail "an empty directory: exit $rc (want 3)"
grep -q 'nothing to upload' v.err || fail "an empty directory: $(cat v.err)"

# -- --allow-empty: the same runs end 0
timeout 60 "$SYMUPLOAD" --token-file token --allow-empty --json "$URL" out > a.json 2> a.err; rc=$?
[ $rc -eq 0 ] || fail "--allow-empty: exit $rc: $(cat a.err)"
py "
import json; d=json.load(open('a.json'))
assert d['exit_status'] == 0 and d['ignored_files'] == 5, d
" || fail "--allow-empty: $(cat a.json)"
"$SYMUPLOAD" --token-file token --allow-empty "$URL" void > /dev/null 2>&1 || fail "--allow-empty, an empty directory: exit $?"

# -- something to upload among them: exit 0, the ignored still listed
"$DUMPSYMS" "$FIXTURES/cprog-gcc-O2-dw5" > out/sub/cprog.sym
"$SYMUPLOAD" --token-file token --json "$URL" out > u.json 2> u.err || fail "with a .sym: $(cat u.err)"
py "
import json; d=json.load(open('u.json'))
assert len(d['uploaded']) == 1 and d['ignored_files'] == 5 and len(d['ignored']) == 5, d
" || fail "with a .sym: $(cat u.json)"
stop_server
exit 0
