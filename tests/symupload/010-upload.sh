# symupload against the real symserver: a directory of fixture binaries,
# .sym files and a zip archive (files recognised by content; text, .o and
# excluded paths ignored) converted in process and uploaded, each stored
# file equal to what dumpsyms writes; a second run skips everything; a file
# changed on the server is the only one uploaded again; --force; uploads
# through a server injecting 500s, 429s and dropped connections end
# complete and correct; a wrong token; unreadable and unconvertible inputs
# among good ones; --dry-run, --json, Breakpad's v1 form; usage errors.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

mkdir -p in/sub in/skipme out
for f in cprog-gcc-O2-dw5 cprog-clang-O0-dw4 cppapp-gcc-O2-dw4 bare-aarch64; do cp "$FIXTURES/$f" in/; done
cp "$FIXTURES/libgeom-gcc-O2-dw5.so" in/sub/
"$DUMPSYMS" "$FIXTURES/cprog-gcc-O0-dw4" > in/sub/cprog.sym
"$DUMPSYMS" "$FIXTURES/cppapp-clang-O2-dw5" > out/a.sym
"$DUMPSYMS" "$FIXTURES/libgeom-clang-O2-dw4.so" > out/b.sym
(cd out && zip -q ../in/sub/syms.zip a.sym b.sym) || fail "cannot zip"
echo "not symbols" > in/README
printf 'int f(void) { return 1; }\n' > o.c && gcc -c -o in/sub/o.o o.c
cp "$FIXTURES/cprog-clang-O2-dw5" in/skipme/
# what each key must hold: dumpsyms' own output
for f in in/cprog-gcc-O2-dw5 in/cprog-clang-O0-dw4 in/cppapp-gcc-O2-dw4 in/bare-aarch64 in/sub/libgeom-gcc-O2-dw5.so; do
	"$DUMPSYMS" "$f" > "want.$(basename "$f").sym"
done
cp in/sub/cprog.sym want.cprog.sym; cp out/a.sym want.a.sym; cp out/b.sym want.b.sym
keys() { for w in want.*.sym; do head -n1 "$w" | awk -v w="$w" '{ print $5 "/" $4 " " w }'; done; }
keys > keys.txt
[ "$(wc -l < keys.txt)" = 8 ] || fail "expected 8 distinct modules: $(cat keys.txt)"

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
check_store() {	# every key holds exactly dumpsyms' output
	local k w
	while read -r k w; do
		local n=${k%%/*}
		local sn=$n.sym
		[ "$(status GET "/$k/$sn")" = 200 ] || fail "$k is not on the server"
		cmp -s body.out "$w" || fail "$k on the server differs from dumpsyms' output"
	done < keys.txt
}

# -- first upload
"$SYMUPLOAD" --token-file token --exclude skipme --json "$URL" in > s1.json 2> s1.err; rc=$?
[ $rc -eq 0 ] || fail "first upload: exit $rc: $(cat s1.err)"
py "
import json; d=json.load(open('s1.json'))
assert len(d['uploaded']) == 8 and d['skipped'] == [] and d['failed'] == [], d
assert d['ignored_files'] == 2, d['ignored_files']	# README and o.o
assert all(u['path'].startswith('in/') for u in d['uploaded'])
" || fail "first summary: $(cat s1.json)"
check_store
grep -q "$TOKEN" s1.json s1.err && fail "the token was printed"

# -- second run: everything skipped, nothing sent
"$SYMUPLOAD" --token-file token --exclude skipme "$URL" in > s2.out 2> s2.err || fail "second run failed: $(cat s2.err)"
grep -q '^0 uploaded, 8 skipped, 0 failed' s2.out || fail "second run: $(tail -n1 s2.out)"

# -- one file changed on the server: exactly that one goes up again
# (the change drops a record: forced, or the server refuses the poorer file)
k1=$(awk 'NR == 1 { print $1 }' keys.txt)
sed '$d' "$(awk 'NR == 1 { print $2 }' keys.txt)" > changed.sym
code=$(status PUT "/$k1/${k1%%/*}.sym" -H "Authorization: Bearer $TOKEN" -H 'X-Symserver-Force: 1' \
	--data-binary @changed.sym)
[ "$code" = 200 ] || [ "$code" = 201 ] || fail "cannot change $k1 on the server: $code $(cat body.out)"
[ "$(status GET "/$k1/${k1%%/*}.sym")" = 200 ] && cmp -s body.out changed.sym || fail "the change did not land"
"$SYMUPLOAD" --token-file token --exclude skipme --json "$URL" in > s3.json 2> s3.err || fail "third run: $(cat s3.err)"
py "
import json; d=json.load(open('s3.json'))
assert [u['debug_file'] + '/' + u['debug_id'] for u in d['uploaded']] == ['$k1'], d['uploaded']
assert len(d['skipped']) == 7, d
" || fail "after a change on the server: $(cat s3.json)"
check_store
# -- one file deleted on the server: exactly that one goes up again
k2=$(awk 'NR == 2 { print $1 }' keys.txt)
"$SYMSERVER" delete "${k2%%/*}" "${k2#*/}" --store "$STORE" > del.out || fail "symserver delete"
[ "$(status GET "/$k2/${k2%%/*}.sym")" = 404 ] || fail "the deleted file is still served"
"$SYMUPLOAD" --token-file token --exclude skipme --json "$URL" in > s5.json 2> s5.err || fail "after delete: $(cat s5.err)"
py "
import json; d=json.load(open('s5.json'))
assert [u['debug_file'] + '/' + u['debug_id'] for u in d['uploaded']] == ['$k2'], d['uploaded']
assert len(d['skipped']) == 7, d
" || fail "after a delete on the server: $(cat s5.json)"
check_store
"$SYMSERVER" delete "${k2%%/*}" "${k2#*/}" --store "$STORE" > /dev/null
"$SYMSERVER" delete "${k2%%/*}" "${k2#*/}" --store "$STORE" 2> del.err && fail "deleting an absent file succeeded"
grep -q 'no symbol file' del.err || fail "delete of an absent file: $(cat del.err)"
"$SYMUPLOAD" --token-file token --exclude skipme "$URL" in > /dev/null 2>&1 || fail "re-upload after the second delete"

# --force: everything again
"$SYMUPLOAD" --token-file token --exclude skipme --force -j 8 "$URL" in > s4.out 2>&1 || fail "--force: $(cat s4.out)"
grep -q '^8 uploaded, 0 skipped' s4.out || fail "--force: $(tail -n1 s4.out)"

# a progress line on a terminal, none when the output is not one
script -qec "$SYMUPLOAD --token-file token --force -j 2 $URL in/sub" tty.out > /dev/null 2>&1 ||
	fail "under a terminal: $(cat tty.out)"
grep -aqE '\[[0-9]+/4\] [0-9.]+ [KMG]?i?B sent, [0-9.]+ [KMG]?i?B/s, ETA [0-9]+ s' tty.out ||
	fail "no progress line on a terminal: $(cat -v tty.out | head -5)"
grep -q $'\033' s4.out s2.out && fail "terminal escapes written to a file"

# a memory budget of 0: every binary is converted, hashed, given back, and
# converted again just before its own upload; the result is the same
"$SYMUPLOAD" --token-file token --exclude skipme --force --max-memory 0 -j 3 "$URL" in > m0.out 2>&1 ||
	fail "--max-memory 0: $(cat m0.out)"
grep -q '^8 uploaded, 0 skipped, 0 failed' m0.out || fail "--max-memory 0: $(tail -n1 m0.out)"
check_store

# -- wrong token: exit 4, the server's reason, the token never shown
echo "0000000000000000000000000000000000000000000000000000000000000000" > badtoken
"$SYMUPLOAD" --token-file badtoken --force "$URL" in/sub/cprog.sym > w.out 2> w.err; rc=$?
[ $rc -eq 4 ] || fail "wrong token: exit $rc"
grep -qi 'token' w.out w.err || fail "wrong token: no reason given: $(cat w.out w.err)"
grep -q 00000000000000000000 w.out w.err && fail "the wrong token was printed"
SYMUPLOAD_TOKEN=$TOKEN "$SYMUPLOAD" --force "$URL" in/sub/cprog.sym > e.out 2>&1 || fail "token from SYMUPLOAD_TOKEN: $(cat e.out)"

# -- bad inputs among good ones: reported, the good ones still uploaded, exit 3
head -c 200 "$FIXTURES/cprog-gcc-O2-dw5" > broken.elf
printf 'MODULE Linux\n' > broken.sym
ln -s /nonexistent dangling
"$SYMUPLOAD" --token-file token --force --json "$URL" broken.elf broken.sym dangling in/sub/cprog.sym > b.json 2> b.err; rc=$?
[ $rc -eq 3 ] || fail "bad inputs: exit $rc (want 3): $(cat b.err)"
py "
import json; d=json.load(open('b.json'))
assert len(d['uploaded']) == 1, d
paths = sorted(f['path'] for f in d['failed'])
assert paths == ['broken.elf', 'broken.sym', 'dangling'], paths
assert all(f['reason'] for f in d['failed'])
" || fail "bad inputs summary: $(cat b.json)"

# an unreadable file among good ones (as an unprivileged user when we are root)
cp in/sub/cprog.sym secret.sym && chmod 000 secret.sym
as_user=
[ "$(id -u)" = 0 ] && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
$as_user "$SYMUPLOAD" --token-file token --force --json "$URL" secret.sym in/sub/cprog.sym > u.json 2> u.err; rc=$?
[ $rc -eq 3 ] || fail "an unreadable file: exit $rc (want 3): $(cat u.err)"
py "
import json; d=json.load(open('u.json'))
assert len(d['uploaded']) == 1 and d['uploaded'][0]['path'] == 'in/sub/cprog.sym', d
assert [f['path'] for f in d['failed']] == ['secret.sym'] and 'Permission denied' in d['failed'][0]['reason'], d['failed']
" || fail "an unreadable file: $(cat u.json)"

# many files already on the server: the bulk check answers for all of them
# (no HEAD fallback), so a re-run sends nothing
mkdir many
python3 -c "
import random
r = random.Random(7)
for i in range(450):
    mid = '%032X0' % r.getrandbits(128)
    open('many/m%03d.sym' % i, 'w').write('MODULE Linux x86_64 %s libmany%03d_with_a_longer_name.so\nFUNC 1000 10 0 f%d\n' % (mid, i, i))
"
"$SYMUPLOAD" --token-file token -j 8 "$URL" many > many1.out 2>&1 || fail "450 files: $(tail -n 3 many1.out)"
grep -q '^450 uploaded, 0 skipped' many1.out || fail "450 files: $(tail -n1 many1.out)"
"$SYMUPLOAD" --token-file token "$URL" many > many2.out 2>&1 || fail "450 files again: $(tail -n 3 many2.out)"
grep -q '^0 uploaded, 450 skipped' many2.out || fail "450 files again: $(tail -n1 many2.out)"
sleep 0.5	# the access log is written every 200 ms
[ "$(grep -c '^HEAD /libmany' server.out)" = 0 ] || fail "the bulk check was given up for HEAD requests"
# a named pipe in a walked tree is passed over, not opened
mkfifo in/sub/pipe
timeout 60 "$SYMUPLOAD" --dry-run --exclude skipme http://127.0.0.1:9 in > fifo.out 2>&1 || fail "a named pipe in the tree: $(tail -n 3 fifo.out)"
rm -f in/sub/pipe

# -- dry run: nothing contacted, every module listed with its ids
"$SYMUPLOAD" --dry-run --exclude skipme http://127.0.0.1:9 in > d.out 2>&1 || fail "--dry-run: $(cat d.out)"
[ "$(grep -c '^would upload ' d.out)" = 8 ] || fail "--dry-run: $(cat d.out)"
while read -r k w; do grep -q "^would upload $k " d.out || fail "--dry-run does not list $k"; done < keys.txt

# -- usage errors
"$SYMUPLOAD" > /dev/null 2>&1; [ $? -eq 2 ] || fail "no arguments: not exit 2"
"$SYMUPLOAD" -j 0 "$URL" in > /dev/null 2>&1; [ $? -eq 2 ] || fail "-j 0: not exit 2"
"$SYMUPLOAD" --protocol ftp "$URL" in > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad protocol: not exit 2"
"$SYMUPLOAD" --token-file token ftp://x in > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad URL: not exit 2"
stop_server

# -- Breakpad's sym_upload v1 form, to the v1 endpoint, on a fresh store
rm -rf "$STORE"
TOKEN=$(new_token ci) && printf '%s\n' "$TOKEN" > token
start_server
"$SYMUPLOAD" --token-file token --protocol breakpad-v1 "$URL/upload" in/sub/cprog.sym > v1.out 2>&1 || fail "v1: $(cat v1.out)"
k=$(head -n1 in/sub/cprog.sym | awk '{ print $5 "/" $4 }')
[ "$(status GET "/$k/${k%%/*}.sym")" = 200 ] && cmp -s body.out in/sub/cprog.sym || fail "v1 upload not stored"
stop_server

# -- a server that fails half of all requests (500, 429 + Retry-After,
#    dropped connections): the upload still completes, every file correct
rm -rf "$STORE"
TOKEN=$(new_token ci) && printf '%s\n' "$TOKEN" > token
start_server --inject-faults 0.5
"$SYMUPLOAD" --token-file token --exclude skipme --retries 30 -j 4 --json "$URL" in > f.json 2> f.err; rc=$?
[ $rc -eq 0 ] || fail "through faults: exit $rc: $(tail -n 5 f.err)"
py "
import json; d=json.load(open('f.json'))
assert len(d['uploaded']) == 8 and not d['failed'], d
assert sum(u['attempts'] for u in d['uploaded']) > 8, 'no retries happened: the faults did not bite'
" || fail "through faults: $(cat f.json)"
stop_server
[ "$(grep -cE ' (429|500|499) ' server.out)" -ge 3 ] || fail "the server injected fewer than 3 faults"
start_server
check_store
stop_server
exit 0
