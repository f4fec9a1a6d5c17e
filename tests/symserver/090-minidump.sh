# POST /minidump: a crash report's modules checked against the store.  Our
# own crashed fixture (with its shared library's symbols uploaded) and a
# Breakpad Windows dump: system info, every module with the ids
# minidump_dump derives (through mdinfo, checked against minidump_dump in
# tests/minidump), whether the store has symbols and where; form fields
# kept as attributes (sentry parsed as JSON); a gzip-encoded body as
# Crashpad sends it; crash-weighted counting (once per dump); hostile dumps
# and bodies answered 400/413/415 with the reason, the server unharmed.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
MDINFO=$BUILD/tests/tools/mdinfo
CORRUPT=$BUILD/tests/tools/corrupt
WIN=$TESTDATA/breakpad/processor/minidump2.dmp
[ -f "$WIN" ] || fail "the shared Breakpad test data is missing ($WIN)"
py() { python3 -c "$@"; }

S=$TOP/tests/fixtures/crash
gcc -g -O2 -fPIC -shared -Wl,-soname,libcrash.so -o libcrash.so "$S/crashlib.c" &&
gcc -g -O2 -o crash "$S/crash.c" -L. -lcrash -Wl,-rpath,'$ORIGIN' || fail "cannot build the crash fixture"
"$BUILD/tests/tools/minidump-writer" own.dmp ./crash || fail "cannot make our own dump"
"$DUMPSYMS" libcrash.so > libcrash.so.sym || fail "dumpsyms libcrash.so"
read -r _ _ _ LIBID _ < libcrash.so.sym

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --miss-flush-ms 100
[ "$(status PUT /libcrash.so/$LIBID/libcrash.so.sym -H "Authorization: Bearer $TOKEN" --data-binary @libcrash.so.sym)" = 201 ] ||
	fail "upload of libcrash.so.sym: $(cat body.out)"

post() {	# post OUT [curl args]: POST /minidump, prints the status
	local out=$1; shift
	curl -s -o "$out" -w '%{http_code}' "$@" "$URL/minidump"
}

# -- our own dump, with the fields crash reporters send
printf 'attachment bytes' > log.txt
[ "$(post own.json -F upload_file_minidump=@own.dmp -F prod=crashfixture -F ver=1.2.3 \
	-F 'sentry={"release":"crash@1.2.3","tags":{"k":"v"}}' -F attachment_log=@log.txt)" = 200 ] ||
	fail "POST of our own dump: $(cat own.json)"
"$MDINFO" own.dmp > own.mdinfo || fail "mdinfo own.dmp"
py "
import json
d = json.load(open('own.json'))
assert d['os'] == 'linux' and d['cpu'] == 'amd64', (d['os'], d['cpu'])
got = ['%s|%s|%s|%s' % (m['code_file'], m['code_id'], m['debug_file'], m['debug_id']) for m in d['modules']]
want = [l.rstrip('\n').replace('unloaded ', '') for l in open('own.mdinfo')][1:]
assert got == want, (got, want)
lib = [m for m in d['modules'] if m['code_file'].endswith('/libcrash.so')]
assert len(lib) == 1 and lib[0]['symbols'] is True, lib
assert lib[0]['debug_id'] == '$LIBID' and lib[0]['url'].endswith('/libcrash.so/$LIBID/libcrash.so.sym'), lib
exe = [m for m in d['modules'] if m['code_file'].endswith('/crash')]
assert len(exe) == 1 and exe[0]['symbols'] is False and 'url' not in exe[0], exe
assert int(exe[0]['base_address'], 16) > 0 and exe[0]['size'] > 0, exe
assert d['missing'] == sum(1 for m in d['modules'] if m['symbols'] is False and not m['unloaded']), d['missing']
assert d['with_symbols'] == 1
a = d['attributes']
assert a['prod'] == 'crashfixture' and a['ver'] == '1.2.3', a
assert a['sentry'] == {'release': 'crash@1.2.3', 'tags': {'k': 'v'}}, a['sentry']
assert 'upload_file_minidump' not in a
assert d['attachments'] == [{'name': 'attachment_log', 'filename': 'log.txt', 'size': 16}], d['attachments']
open('liburl', 'w').write(lib[0]['url'])
open('exe', 'w').write(exe[0]['debug_file'].rsplit('/', 1)[-1] + ' ' + exe[0]['debug_id'])
" || fail "the answer for our own dump is wrong: $(head -c 3000 own.json)"
curl -sf "$(cat liburl)" -o got.sym || fail "the module's download URL does not work"
cmp -s got.sym libcrash.so.sym || fail "the module's URL gives another file"
read -r EXE EXEID < exe

# crash-weighted: one crash per dump per module, no misses
E="next((m for m in d['missing'] if m['debug_file'] == '$EXE' and m['debug_id'] == '$EXEID'), None)"
wait_missing "status=all&limit=1000" "($E) and ($E)['crashes'] == 1 and ($E)['misses'] == 0"
[ "$(post own2.json -F upload_file_minidump=@own.dmp)" = 200 ] || fail "second POST"
wait_missing "status=all&limit=1000" "($E) and ($E)['crashes'] == 2"
py "import json; d=json.load(open('missing.json')); assert not any(m['debug_file'] == 'libcrash.so' for m in d['missing'])" ||
	fail "a module with symbols was counted as missing"

# -- a Breakpad Windows dump: PDB names and ids, paths reduced to the file
[ "$(post win.json -F upload_file_minidump=@"$WIN")" = 200 ] || fail "POST of the Windows dump: $(cat win.json)"
"$MDINFO" "$WIN" > win.mdinfo
py "
import json
d = json.load(open('win.json'))
assert d['os'] == 'windows' and d['cpu'] == 'x86', d
got = ['%s|%s|%s|%s' % (m['code_file'], m['code_id'], m['debug_file'], m['debug_id']) for m in d['modules']]
want = [l.rstrip('\n').replace('unloaded ', '') for l in open('win.mdinfo')][1:]
assert got == want, (got, want)
assert all(m['symbols'] is False for m in d['modules'] if m['debug_id'])
" || fail "the answer for the Windows dump is wrong"
wait_missing "status=all&limit=1000" "any(m['debug_file'] == 'test_app.pdb' and m['debug_id'] == '5A9832E5287241C1838ED98914E9B7FF1' and m['code_file'] == 'test_app.exe' and m['crashes'] == 1 for m in d['missing'])"

# -- Crashpad gzips the whole multipart body
py "
import gzip
b = b'----crashpad-boundary'
dump = open('own.dmp', 'rb').read()
body = (b'--' + b + b'\r\nContent-Disposition: form-data; name=\"prod\"\r\n\r\ncrashpad\r\n'
        b'--' + b + b'\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"a.dmp\"\r\n'
        b'Content-Type: application/octet-stream\r\n\r\n' + dump + b'\r\n--' + b + b'--\r\n')
open('body.gz', 'wb').write(gzip.compress(body))
open('body.bad', 'wb').write(gzip.compress(body)[:-40])
"
H='Content-Type: multipart/form-data; boundary=----crashpad-boundary'
[ "$(post gz.json -H "$H" -H 'Content-Encoding: gzip' --data-binary @body.gz)" = 200 ] || fail "gzip body: $(cat gz.json)"
py "
import json
a, b = json.load(open('gz.json')), json.load(open('own.json'))
assert a['modules'] == b['modules'] and a['attributes'] == {'prod': 'crashpad'}, a
" || fail "the gzip-encoded body gives another answer"
[ "$(post bad.json -H "$H" -H 'Content-Encoding: gzip' --data-binary @body.bad)" = 400 ] || fail "a truncated gzip body must be a 400"
grep -q gzip bad.json || fail "no reason for the truncated gzip body: $(cat bad.json)"
[ "$(post br.json -H "$H" -H 'Content-Encoding: br' --data-binary @body.gz)" = 415 ] || fail "an unknown encoding must be a 415"

# -- hostile dumps and requests
size=$(stat -c %s "$WIN")
modrva=$(py "
import struct
d = open('$WIN', 'rb').read()
n, dr = struct.unpack_from('<II', d, 8)
for i in range(n):
    t, s, r = struct.unpack_from('<III', d, dr + 12 * i)
    if t == 4: print(r, dr + 12 * i)
")
set -- $modrva; MODRVA=$1; MODDIR=$2
"$CORRUPT" "$WIN" h1.dmp truncate 1000                                     # module list cut
"$CORRUPT" "$WIN" h2.dmp set 12 ffffff7f                                  # directory past the end
"$CORRUPT" "$WIN" h3.dmp set $((MODRVA)) ffffff00                          # absurd module count
"$CORRUPT" "$WIN" h4.dmp set $((MODDIR + 4)) 00000100                      # module list larger than the dump
"$CORRUPT" "$WIN" h5.dmp set $((MODDIR + 8)) 00000000                      # module list overlapping the header
"$CORRUPT" "$WIN" h6.dmp set $((MODRVA + 4 + 76)) ffffff7f                 # CodeView size past the end
"$CORRUPT" "$WIN" h7.dmp set $((MODRVA + 4 + 80)) 10000000                 # CodeView inside the header
head -c 100000 /dev/urandom > h8.dmp
for h in h1 h2 h3 h4 h5 h8; do
	[ "$(post $h.json -F upload_file_minidump=@$h.dmp)" = 400 ] || fail "$h: a hostile dump was not refused: $(head -c 300 $h.json)"
	grep -q '"error": "not a usable minidump: ' $h.json || fail "$h: no reason: $(cat $h.json)"
done
for h in h6 h7; do
	[ "$(post $h.json -F upload_file_minidump=@$h.dmp)" = 200 ] || fail "$h: $(cat $h.json)"
	py "import json; d=json.load(open('$h.json')); m=d['modules'][0]; assert m['debug_id'] == '' and m['symbols'] is None and m['reason'], m" ||
		fail "$h: a module with a bad CodeView record: $(head -c 600 $h.json)"
done
for seed in $(seq 1 40); do
	"$CORRUPT" "$WIN" f.dmp flip $seed 20
	code=$(post f.json -F upload_file_minidump=@f.dmp)
	[ "$code" = 200 ] || [ "$code" = 400 ] || fail "seed $seed: status $code"
done
[ "$(post none.json -F prod=x)" = 400 ] || fail "a form without the dump must be a 400"
grep -q upload_file_minidump none.json || fail "no reason for a form without the dump"
[ "$(post two.json -F upload_file_minidump=@own.dmp -F upload_file_minidump=@own.dmp)" = 400 ] || fail "two dumps in one form"
[ "$(status GET /minidump)" = 405 ] || fail "GET /minidump must be a 405"
[ "$(post raw.json --data-binary @own.dmp -H 'Content-Type: application/octet-stream')" = 415 ] || fail "a raw body must be a 415"
curl -sf "$URL/_health" > /dev/null || fail "the server is down after the hostile dumps"
stop_server

start_server --max-minidump 4096
[ "$(post big.json -F upload_file_minidump=@own.dmp)" = 413 ] || fail "a dump over --max-minidump must be a 413: $(cat big.json)"
stop_server
exit 0
