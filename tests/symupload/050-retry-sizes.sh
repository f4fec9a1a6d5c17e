# Retries that send the whole body again: .sym files of 1 KB, ~1 MB,
# ~30 MB and 300 MB (the last one not under ASan, where it takes minutes)
# uploaded through `symserver serve --inject-faults 0.5`, which fails every
# other request by turns with a dropped connection (logged 499), a 429
# with Retry-After and a 500, answered as soon as the request line and
# headers arrive, while symupload is still sending the gzip body.  Every
# file ends uploaded after at least one failed try, and every byte the
# server serves afterwards equals the file given.  Then the same files
# (but the 300 MB one) and more, in parallel (-j 4) with --force, through
# the same faults.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

# under ASan (gcc links libasan; clang puts __asan_init in the binary) the
# 300 MB file would take minutes: it is left out there
asan=0
if ldd "$SYMUPLOAD" 2>/dev/null | grep -q libasan || nm "$SYMUPLOAD" 2>/dev/null | grep __asan_init > /dev/null; then
	asan=1
fi
sizes="1000 1000000 30000000 3000000"
[ $asan = 1 ] || sizes="$sizes 300000000"

# gen SIZE NAME SEED: a valid .sym file of about SIZE bytes (FILE, FUNC and
# line records) on standard output
cat > gen.py <<'EOF'
import sys
size, name, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
w = sys.stdout.write
mid = '%08X%024X0' % (seed, size)
w('MODULE Linux x86_64 %s %s\nINFO CODE_ID %s\n' % (mid, name, mid[:32]))
w(''.join('FILE %d /src/dir%d/file%d.c\n' % (i, i % 7, i) for i in range(100)))
acc, addr, n = 0, 0x1000, 0
while acc < size:
    buf = []
    for k in range(2000 if size > 100000 else 5):
        buf.append('FUNC %x 30 0 f%d_%d\n%x 10 %d %d\n%x 20 %d %d\n' % (addr, seed, n,
                   addr, n % 9973 + 1, n % 100, addr + 16, n % 991 + 2, (n * 7) % 100))
        addr += 0x30
        n += 1
    s = ''.join(buf)
    w(s)
    acc += len(s)
EOF
mkdir in
i=0
for s in $sizes; do
	i=$((i + 1))
	python3 gen.py "$s" "lib$i-$s.so" "$i" > "in/lib$i-$s.sym" || fail "cannot generate a $s-byte file"
done
for i in 1 2 3 4 5 6; do python3 gen.py 1000000 "libpar$i.so" "$((i + 10))" > "in/par$i.sym"; done
ls -l in >&2

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server --inject-faults 0.5

# GET with retries: the downloads go through the faults too
fetch() {	# fetch PATH OUT
	local k
	for k in $(seq 1 20); do
		[ "$(curl -s -o "$2" -w '%{http_code}' "$URL$1")" = 200 ] && return 0
		sleep 0.2
	done
	fail "GET $1 did not answer 200 in 20 tries"
}
check_served() {	# every file named is served byte for byte
	local f key
	for f in "$@"; do
		key=$(head -n1 "$f" | awk '{ print $5 "/" $4 "/" $5 ".sym" }')
		fetch "/$key" got.sym
		[ "$(sha256sum < got.sym)" = "$(sha256sum < "$f")" ] ||
			fail "$f: the server serves other bytes ($(stat -c %s got.sym) of $(stat -c %s "$f"))"
	done
	rm -f got.sym
}

# -- one file per run: the server fails every other request, so once a
#    request has succeeded the first try of the next one fails; the first
#    try of each upload (after the token check and the bulk check) fails,
#    with the three faults by turns
start=$(date +%s)
for f in in/lib*; do
	"$SYMUPLOAD" --token-file token --retries 20 --json -v "$URL" "$f" > s1.json 2> s1.err; rc=$?
	[ $rc -eq 0 ] || fail "$f through faults: exit $rc: $(grep -v retrying s1.err | tail -n 5)"
	py "
import json; d=json.load(open('s1.json'))
assert not d['failed'] and len(d['uploaded']) == 1, d
assert d['uploaded'][0]['attempts'] >= 2, 'no failed try: the faults did not bite'
" || fail "$f through faults: $(cat s1.json)"
	check_served "$f"
done
echo "one file per run: $(( $(date +%s) - start )) s" >&2
sleep 0.5	# the access log is written every 200 ms
for code in 499 429 500; do
	grep -qE "^PUT /lib[0-9]+-[0-9]{7,}\.so/.* $code " server.out ||
		fail "no upload of 1 MB or more met a $code: the test does not cover that fault"
done

# -- in parallel, everything again (--force) and six more 1 MB files
start=$(date +%s)
"$SYMUPLOAD" --token-file token -j 4 --retries 20 --force --json "$URL" in/lib[1-4]-* in/par* \
	> s2.json 2> s2.err; rc=$?
echo "parallel run: $(( $(date +%s) - start )) s" >&2
[ $rc -eq 0 ] || fail "parallel upload through faults: exit $rc: $(tail -n 5 s2.err)"
py "
import json; d=json.load(open('s2.json'))
assert not d['failed'] and len(d['uploaded']) == 4 + 6, d
assert sum(u['attempts'] for u in d['uploaded']) > len(d['uploaded']), 'no retries: the faults did not bite'
" || fail "parallel upload: $(cat s2.json)"
check_served in/lib[1-4]-* in/par*
stop_server
exit 0
