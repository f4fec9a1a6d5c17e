# Symbolication (issue 15): POST /symbolicate/v5 and `symserver
# symbolicate`, answered from lookup tables built when files are published.
#  - For every .sym of Breakpad's processor test data that the store takes
#    and for our own conversions (a C++ fixture and dumpsyms itself, built
#    -O2 so they have inline records): at every FUNC start and end - 1,
#    the first, middle and last byte of every line record and random
#    addresses (past the end too), the answer equals
#    tests/tools/symlookup's (an independent reading of the text, as
#    Breakpad's processor resolves it), frame for frame and in order,
#    inline frames included; function offsets checked against the text.
#  - Tables exist right after import and upload; a corrupted or truncated
#    table is detected and rebuilt, and the answers stay right.
#  - Over HTTP: Tecken's documented example, a job mixing found, missing
#    and corrupt modules, module_index -1, offsets past the end, found
#    modules true/false/null, the Debug header, misses counted, hostile
#    bodies answered 4xx with the reason, 1000 concurrent requests never
#    answered 5xx, the server unharmed.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMLOOKUP=$BUILD/tests/tools/symlookup
CHECK=$TOP/tests/tools/symbolicate-check.py
PROC=$TESTDATA/breakpad/processor/symbols
[ -d "$PROC" ] || fail "the shared Breakpad test data is missing ($PROC)"
py() { python3 -c "$@"; }

# -- our own conversions, in a tree of the store's layout
mkdir -p own
g++ -g -O2 -o cppfix "$TOP/tests/fixtures/cpp/"*.cc || fail "cannot build the C++ fixture"
for bin in cppfix "$DUMPSYMS"; do
	"$DUMPSYMS" -d "$bin" > one.sym || fail "dumpsyms $bin"
	read -r _ _ _ id name < one.sym
	mkdir -p "own/$name/$id"
	mv one.sym "own/$name/$id/$name.sym"
done
grep -q '^INLINE ' "own/dumpsyms/"*/dumpsyms.sym || fail "dumpsyms' own .sym has no INLINE records"
# and a file out of the order dumpsyms writes, with what Breakpad's rules
# settle: the C++ fixture's records with its FUNCs (and PUBLICs) in reverse,
# each FUNC's line records in reverse, overlapping FUNCs before and after
# the one they overlap, zero-size FUNCs, PUBLICs and FILE ids given twice
mkdir -p own/quirks.so/0123456789ABCDEF0123456789ABCDEF0
py "
import sys
rows = open(sys.argv[1]).read().split('\n')[1:]
head, funcs, pubs, cur = [], [], [], None
for r in rows:
    if not r: continue
    t = r.split(' ')[0]
    if t == 'FUNC': cur = [r, [], []]; funcs.append(cur)
    elif t == 'PUBLIC': cur = None; pubs.append(r)
    elif t in ('FILE', 'INLINE_ORIGIN', 'INFO'): head.append(r)
    elif t == 'INLINE': cur[2].append(r)
    elif t != 'STACK' and cur: cur[1].append(r)
out = ['MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 quirks.so']
for r in head:
    out.append(r)
    if r.startswith('FILE '): out.append(r + '_second')	# the first of an id wins
for i, (f, ls, ins) in enumerate(reversed(funcs)):
    p = f.split(' ')
    if p[1] == 'm': del p[1]
    a, sz = int(p[1], 16), int(p[2], 16)
    if i % 7 == 3: out.append('FUNC %x 0 0 zero_%d' % (a, i))
    if i % 5 == 1 and sz > 2:	# an overlap earlier in the file: it wins
        out += ['FUNC %x %x 0 early_%d' % (a + 1, sz, i), '%x 1 %d 0' % (a + 1, 9000 + i)]
    out.append(f)
    out += ins
    out += list(reversed(ls))
    if i % 5 == 2 and sz > 2:	# one later: it loses
        out += ['FUNC %x %x 0 late_%d' % (a + 1, sz, i), '%x 1 %d 0' % (a + 1, 9000 + i)]
for r in reversed(pubs):
    out += [r, r + '_second']
open('own/quirks.so/0123456789ABCDEF0123456789ABCDEF0/quirks.so.sym', 'w').write('\n'.join(out) + '\n')
" "$(ls own/cppfix/*/cppfix.sym)"

"$SYMSERVER" import --store "$STORE" "$PROC" > import.out 2> import.err
# exactly one file of the test data is refused: linux_inline.old.sym, the
# older INLINE syntax the store's grammar check does not take
grep -c "^symserver: skipped" import.err | grep -qx 1 && grep -q "linux_inline.old.sym" import.err ||
	fail "import of the processor symbols: $(cat import.err)"
"$SYMSERVER" import --store "$STORE" own > import2.out 2>&1 || fail "import own: $(cat import2.out)"
ntables=$(find "$STORE/tables" -name '*.symt' | wc -l)
[ "$ntables" -eq 11 ] || fail "$ntables lookup tables after importing 11 files"
# import --no-tables: none now, built on first use
"$SYMSERVER" import --store notab --no-tables own > import-nt.out 2>&1 || fail "import --no-tables: $(cat import-nt.out)"
[ "$(find notab -name '*.symt' | wc -l)" -eq 0 ] || fail "import --no-tables built tables"
read -r _ _ _ NTID _ < "$(ls own/dumpsyms/*/dumpsyms.sym)"
echo "{\"memoryMap\": [[\"dumpsyms\", \"$NTID\"]], \"stacks\": [[[0, 4096]]]}" > nt.json
"$SYMSERVER" symbolicate --store notab nt.json > nt.out 2>&1 && grep -q '"dumpsyms/'"$NTID"'": true' nt.out ||
	fail "symbolicate after import --no-tables: $(cat nt.out)"
[ "$(find notab -name '*.symt' | wc -l)" -eq 1 ] || fail "no table built on first use after import --no-tables"
rm -rf notab

# -- every file: addresses, the reference, our answer
# (the processor's tree in the store's layout: microdump/ is not)
syms=$( (find "$PROC" -mindepth 3 -maxdepth 3 -name '*.sym' ! -name linux_inline.old.sym; find own -name '*.sym') | sort)
[ "$(echo "$syms" | wc -l)" -eq 11 ] || fail "expected 11 .sym files: $syms"
for sym in $syms; do
	read -r _ _ _ id name < "$sym"
	python3 "$TOP/tests/tools/sym-addrs.py" "$sym" > addrs
	py "
import random, sys
rnd = random.Random(15)
hi = 0
out = [l.strip() for l in open('addrs')]
for row in open(sys.argv[1]):
    p = row.split()
    if p and p[0] == 'FUNC':
        if p[1] == 'm': p = p[1:]
        a, s = int(p[1], 16), int(p[2], 16)
        if s: out.append('%x' % (a + s - 1))
        hi = max(hi, a + s)
out += ['%x' % rnd.randrange(0, hi + 0x10000) for _ in range(300)]
out += ['%x' % (hi + 1), 'ffffffffffff']
out = list(dict.fromkeys(out))	# once each, in order
if len(out) > 90000:	# one request holds 100000 frames: a sample, in order
    keep = set(rnd.sample(range(len(out)), 90000))
    out = [a for i, a in enumerate(out) if i in keep]
open('addrs', 'w').write('\n'.join(out) + '\n')
" "$sym"
	xargs "$SYMLOOKUP" --inlines "$sym" < addrs > ref.txt 2> /dev/null || fail "symlookup $sym"
	py "
import json
addrs = [int(l, 16) for l in open('addrs')]
json.dump({'memoryMap': [['$name', '$id']], 'stacks': [[[0, a] for a in addrs]]}, open('req.json', 'w'))
"
	"$SYMSERVER" symbolicate --store "$STORE" req.json > ans.json 2> ans.err ||
		fail "symbolicate for $sym: $(cat ans.err)"
	python3 "$CHECK" "$sym" ref.txt ans.json > check.out || { cat check.out >&2; fail "answers for $sym differ from symlookup's"; }
	echo "$name: $(cat check.out)"
	# the same with a page cache of one set (two pages): every few
	# lookups evict pages a lookup before used (ASan sees a use after free)
	if [ "$name" = dumpsyms ] || [ "$name" = quirks.so ]; then
		SYM_TEST_CACHE_SETS=1 "$SYMSERVER" symbolicate --store "$STORE" req.json > ans1.json 2> ans.err ||
			fail "symbolicate for $sym with one cache set: $(cat ans.err)"
		cmp -s ans.json ans1.json || fail "answers for $sym differ with one cache set"
		# and with no room for pages at all: each through the scratch
		# buffer, for the one use
		SYM_TEST_CACHE_BYTES=0 "$SYMSERVER" symbolicate --store "$STORE" req.json > ans0.json 2> ans.err ||
			fail "symbolicate for $sym with no cache: $(cat ans.err)"
		cmp -s ans.json ans0.json || fail "answers for $sym differ with no cache"
	fi
done

# -- inline chains deeper than the answer keeps (SYMTAB_MAX_INLINE, 256):
# the outermost 256 inline frames and the function, each at the location
# symlookup gives it (the deepest kept one at the call of the first one
# left out); shallower chains whole
mkdir -p deep/deep.so/0123456789ABCDEF0123456789ABCDEF0
py "
out = ['MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 deep.so', 'FILE 0 a.c', 'FILE 1 b.c']
out += ['INLINE_ORIGIN %d in%d' % (k, k) for k in range(300)]
out += ['FUNC 1000 1000 0 outer']
out += ['INLINE %d %d %d %d %x %x' % (k, k + 1, k % 2, k, 0x1000 + k, 0x1000 - k) for k in range(300)]
out += ['1000 1000 9999 1']
open('deep/deep.so/0123456789ABCDEF0123456789ABCDEF0/deep.so.sym', 'w').write('\n'.join(out) + '\n')
"
# (and a name of 1 MB: 140 frames at it would answer 140 MB, past the
# 128 MiB an answer may take: refused with the reason; 120 are answered)
mkdir -p deep/big.so/0123456789ABCDEF0123456789ABCDEF0
py "
open('deep/big.so/0123456789ABCDEF0123456789ABCDEF0/big.so.sym', 'w').write(
    'MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 big.so\nFUNC 1000 10 0 ' + 'n' * 1000000 + '\n')
for n in (120, 140):
    s = ', '.join(['[0, 4096]'] * n)
    open('big%d.json' % n, 'w').write('{\"memoryMap\": [[\"big.so\", \"0123456789ABCDEF0123456789ABCDEF0\"]], \"stacks\": [[%s]]}' % s)
"

printf x > "$STORE/tmp/table.old123"; touch -d '2 hours ago' "$STORE/tmp/table.old123"
printf x > "$STORE/tmp/table.new123"; printf x > "$STORE/tmp/other.old123"; touch -d '2 hours ago' "$STORE/tmp/other.old123"
"$SYMSERVER" import --store "$STORE" deep > import3.out 2>&1 || fail "import deep: $(cat import3.out)"
[ ! -e "$STORE/tmp/table.old123" ] && [ -e "$STORE/tmp/table.new123" ] && [ -e "$STORE/tmp/other.old123" ] ||
	fail "the sweep of tmp/: $(ls "$STORE/tmp")"
rm -f "$STORE/tmp/table.new123" "$STORE/tmp/other.old123"
"$SYMSERVER" symbolicate --store "$STORE" big120.json > big120.out 2> big120.err || fail "120 frames at a 1 MB name: $(cat big120.err)"
[ "$(grep -o 'nnnnnnnnnn"' big120.out | wc -l)" -eq 120 ] || fail "120 frames at a 1 MB name: not 120 names"
"$SYMSERVER" symbolicate --store "$STORE" big140.json > big140.out 2> big140.err && fail "an answer of 140 MB was given"
grep -q "the answer would be larger than 134217728 bytes" big140.err || fail "140 frames at a 1 MB name: $(cat big140.err)"
[ -s big140.out ] && fail "a refused answer wrote output"
rm -f big120.out big140.out
deep_addrs="1050 10ff 1100 1101 1200"
"$SYMLOOKUP" --inlines deep/deep.so/*/deep.so.sym $deep_addrs > deepref.txt 2> /dev/null || fail "symlookup deep.sym"
py "
import json
print(json.dumps({'memoryMap': [['deep.so', '0123456789ABCDEF0123456789ABCDEF0']], 'stacks': [[[0, int(a, 16)] for a in '$deep_addrs'.split()]]}))
" > deepreq.json
"$SYMSERVER" symbolicate --store "$STORE" deepreq.json > deep.json 2> deep.err || fail "symbolicate deep: $(cat deep.err)"
py "
import json
ref = {}
for l in open('deepref.txt'):
    a, name, loc = l.rstrip('\n').split('\t')
    ref.setdefault(int(a, 16), []).append((name, loc))
depths = {0x1050: 81, 0x10ff: 256, 0x1100: 257, 0x1101: 258, 0x1200: 300}
for f in json.load(open('deep.json'))['results'][0]['stacks'][0]:
    a = int(f['module_offset'], 16)
    want = ref[a]
    assert len(want) == depths[a] + 1, (hex(a), len(want))
    got = [(i['function'], '%s:%d' % (i['file'], i['line'])) for i in f.get('inlines', [])]
    got.append((f['function'], '%s:%d' % (f['file'], f['line'])))
    assert got == want[-257:], (hex(a), got[:3], want[-257:][:3])
" || fail "deep inline chains: $(head -c 600 deep.json)"

# -- linux_inline's crash: the inline frames Breakpad's minidump_stackwalk
# prints (run here, and its reference output in the shared data) for the
# crash address, against ours for the same module offset
need_bp
mkdir -p bpsyms/linux_inline/BBA6FA10B8AAB33D00000000000000000
cp "$PROC/linux_inline/BBA6FA10B8AAB33D00000000000000000/linux_inline.new.sym" \
	bpsyms/linux_inline/BBA6FA10B8AAB33D00000000000000000/linux_inline.sym
"$BP/minidump_stackwalk" "$TESTDATA/breakpad/processor/linux_inline.dmp" bpsyms > bp.out 2> /dev/null ||
	fail "minidump_stackwalk linux_inline.dmp"
"$BP/minidump_stackwalk" -m "$TESTDATA/breakpad/processor/linux_inline.dmp" bpsyms > bpm.out 2> /dev/null ||
	fail "minidump_stackwalk -m linux_inline.dmp"
base=$(awk -F'|' '$1=="Module" && $2=="linux_inline" {print $6}' bpm.out)
crash=$(sed -n 's/^Crash address: //p' bp.out)
[ -n "$base" ] && [ -n "$crash" ] || fail "no base or crash address from minidump_stackwalk"
off=$(( crash - base ))
frames() {	# the crashed thread's frames in linux_inline, up to the first not from an inline record
	awk '/^Thread 0 \(crashed\)/ {on = 1; next} on && /^ *[0-9]+  / {
		if ($2 !~ /^linux_inline!/) exit
		sub(/^ *[0-9]+  linux_inline!/, ""); sub(/ \+ 0x[0-9a-f]+\]$/, "]"); print
	}' "$1"
}
frames bp.out > bp.frames
frames "$TESTDATA/breakpad/reference-output/linux_inline.new-sym.stackwalk.out" > ref.frames
[ "$(wc -l < bp.frames)" -eq 4 ] || fail "minidump_stackwalk printed $(wc -l < bp.frames) linux_inline frames: $(cat bp.out | head -30)"
echo "{\"memoryMap\": [[\"linux_inline\", \"BBA6FA10B8AAB33D00000000000000000\"]], \"stacks\": [[[0, $off]]]}" > crash.json
"$SYMSERVER" symbolicate --store "$STORE" crash.json > crash.ans || fail "symbolicate the crash address"
py "
import json
f = json.load(open('crash.ans'))['results'][0]['stacks'][0][0]
for i in f.get('inlines', []):
    print('%s [%s : %d]' % (i['function'], i['file'], i['line']))
print('%s [%s : %d]' % (f['function'], f['file'], f['line']))
" > ours.frames
compare bp.frames ours.frames "minidump_stackwalk's inline frames"
compare ref.frames ours.frames "the reference output's inline frames"

# -- a corrupted table and a truncated one are rebuilt
DI=$(find own/dumpsyms -name '*.sym')
read -r _ _ _ DID _ < "$DI"
tab=$(ls "$STORE"/tables/*/*.symt | xargs ls -S | head -n1)
cp "$tab" tab.good
size=$(stat -c %s "$tab")
printf '\377' | dd of="$tab" bs=1 seek=$((size / 2)) conv=notrunc status=none
ans_all() {	# ans_all OUT: every module asked at a few addresses
	py "
import json
mods = []
for l in open('mods'):
    n, i = l.split()
    mods.append([n, i])
json.dump({'memoryMap': mods, 'stacks': [[[k, a] for k in range(len(mods)) for a in (0x1000, 0x2345, 0x15b90)]]}, open('all.json', 'w'))
"
	"$SYMSERVER" symbolicate --store "$STORE" all.json > "$1" 2> "$1.err" || fail "symbolicate all: $(cat "$1.err")"
}
for sym in $syms; do read -r _ _ _ id name < "$sym"; echo "$name $id"; done > mods
rm "$tab"; cp tab.good "$tab"
ans_all good.json
printf '\377' | dd of="$tab" bs=1 seek=$((size / 2)) conv=notrunc status=none
ans_all after-corrupt.json
grep -q "not a valid lookup table: checksum mismatch (corrupted); rebuilding it" after-corrupt.json.err ||
	fail "a corrupted table was not reported: $(cat after-corrupt.json.err)"
cmp -s "$tab" tab.good || fail "the corrupted table was not rebuilt as it was"
cmp -s good.json after-corrupt.json || fail "answers changed after a corrupted table"
truncate -s $((size - 100)) "$tab"
ans_all after-trunc.json
grep -q "its size is not the one its header records" after-trunc.json.err || fail "a truncated table was not reported: $(cat after-trunc.json.err)"
cmp -s good.json after-trunc.json || fail "answers changed after a truncated table"
# a table of the format before (version 3: section offsets stored, groups
# with their counts) is rebuilt in this one's
printf '\003' | dd of="$tab" bs=1 seek=8 conv=notrunc status=none
ans_all after-v3.json
grep -q "not a valid lookup table: another version of the format; rebuilding it" after-v3.json.err ||
	fail "a table of version 3 was not reported: $(cat after-v3.json.err)"
cmp -s "$tab" tab.good || fail "the version 3 table was not rebuilt as this version's"
cmp -s good.json after-v3.json || fail "answers changed after a version 3 table"
grep -q '"function"' good.json || fail "no frame resolved in the all-modules request"
# one table kept open, eleven needed at once: the same answer
"$SYMSERVER" symbolicate --store "$STORE" --open-tables 1 all.json > one-open.json 2> one-open.err ||
	fail "symbolicate --open-tables 1: $(cat one-open.err)"
cmp -s good.json one-open.json || fail "answers changed with --open-tables 1"

# -- over HTTP
TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --miss-flush-ms 100 --open-tables 2
# two tables kept open, eleven needed by each of four requests at once
for i in 1 2 3 4; do
	curl -s -o allhttp$i.json --data-binary @all.json "$URL/symbolicate/v5" &
	allpids="${allpids:-} $!"
done
wait $allpids
for i in 1 2 3 4; do
	cmp -s good.json allhttp$i.json || fail "the all-modules request over HTTP (2 tables open, 4 at once): $(head -c 300 allhttp$i.json)"
done
post() {	# post OUT BODY [curl args]: prints the status
	local out=$1 body=$2; shift 2
	curl -s -o "$out" -w '%{http_code}' "$@" --data-binary "$body" "$URL/symbolicate/v5"
}
# Tecken's documented example: neither module is held
[ "$(post ex.json '{"jobs": [{"memoryMap": [["xul.pdb", "44E4EC8C2F41492B9369D6B9A059577C2"], ["wntdll.pdb", "D74F79EB1F8D4A45ABCD2F476CCABACC2"]], "stacks": [[[0, 11723767], [1, 65802]]]}]}')" = 200 ] ||
	fail "the documented example: $(cat ex.json)"
py "
import json
r = json.load(open('ex.json'))
assert r == {'results': [{'stacks': [[{'frame': 0, 'module': 'xul.pdb', 'module_offset': '0xb2e3f7'},
                                      {'frame': 1, 'module': 'wntdll.pdb', 'module_offset': '0x1010a'}]],
                          'found_modules': {'xul.pdb/44E4EC8C2F41492B9369D6B9A059577C2': False,
                                            'wntdll.pdb/D74F79EB1F8D4A45ABCD2F476CCABACC2': False}}]}, r
" || fail "the documented example's answer"

# found, missing, corrupt (its blob truncated, its table gone), not needed;
# module_index -1; offset -1; an offset past the end; no "jobs": one job
KID=$(awk '$1=="kernel32.pdb"{print $2}' mods)
krec=$(curl -s "$URL/api/syminfo/kernel32.pdb/$KID")
khash=$(echo "$krec" | py "import json,sys; print(json.load(sys.stdin)['sha256'])") || fail "syminfo kernel32: $krec"
rm -f "$STORE"/tables/*/"$khash".symt
kblob=$(find "$STORE/blobs" -name "*${khash:2}*" | head -n1)
[ -n "$kblob" ] || fail "no blob for kernel32's hash $khash"
truncate -s 1000 "$kblob"
[ "$(post mix.json "{\"memoryMap\": [[\"linux_inline\", \"BBA6FA10B8AAB33D00000000000000000\"], [\"gone.so\", \"00112233445566778899AABBCCDDEEFF0\"], [\"kernel32.pdb\", \"$KID\"], [\"unused.so\", \"FFFF0000FFFF0000FFFF0000FFFF00000\"]], \"stacks\": [[[0, 88976], [1, 4096], [2, 4096], [-1, 12], [0, -1], [0, 1000000000]], [[0, 88977]]]}" -H 'Debug: true')" = 200 ] ||
	fail "the mixed job: $(cat mix.json)"
py "
import json
r = json.load(open('mix.json'))
res = r['results'][0]
assert res['found_modules'] == {'linux_inline/BBA6FA10B8AAB33D00000000000000000': True,
    'gone.so/00112233445566778899AABBCCDDEEFF0': False, 'kernel32.pdb/$KID': False,
    'unused.so/FFFF0000FFFF0000FFFF0000FFFF00000': None}, res['found_modules']
s0, s1 = res['stacks']
assert s0[0]['function'] == 'main' and s0[0]['function_offset'] == '0x60' and s0[0]['file'] == 'a.cpp' and s0[0]['line'] == 42, s0[0]
assert [i['function'] for i in s0[0]['inlines']] == ['func()', 'bar()', 'foo()'], s0[0]
assert [(i['file'], i['line']) for i in s0[0]['inlines']] == [('linux_inline.cpp', 9), ('c.cpp', 32), ('b.cpp', 39)], s0[0]
assert s0[1] == {'frame': 1, 'module': 'gone.so', 'module_offset': '0x1000'}, s0[1]
assert s0[2] == {'frame': 2, 'module': 'kernel32.pdb', 'module_offset': '0x1000'}, s0[2]
assert s0[3] == {'frame': 3, 'module': '<unknown>', 'module_offset': '0xc'}, s0[3]
assert s0[4] == {'frame': 4, 'module': 'linux_inline', 'module_offset': '-0x1'}, s0[4]
assert s0[5] == {'frame': 5, 'module': 'linux_inline', 'module_offset': '0x3b9aca00'}, s0[5]
assert s1[0]['frame'] == 0 and s1[0]['function'] == 'main', s1
d = r['debug']
assert d['frames'] == 7 and 'total_ms' in d and 'lookup_ms' in d, d
assert d['modules']['kernel32.pdb/$KID']['table'] == 'error', d
assert d['modules']['gone.so/00112233445566778899AABBCCDDEEFF0']['table'] == 'missing', d
" || fail "the mixed job's answer: $(cat mix.json)"
grep -q "no lookup table for kernel32.pdb/$KID" "$T/server.err" || fail "the corrupt blob was not logged"
# the corrupt module again, each module listed twice: a table that could
# not be built is not rebuilt for every request (remembered for a minute),
# and a module listed twice is looked up once and answered once
[ "$(post dup.json "{\"memoryMap\": [[\"linux_inline\", \"BBA6FA10B8AAB33D00000000000000000\"], [\"kernel32.pdb\", \"$KID\"], [\"linux_inline\", \"BBA6FA10B8AAB33D00000000000000000\"], [\"kernel32.pdb\", \"$KID\"], [\"unused.so\", \"FFFF0000FFFF0000FFFF0000FFFF00000\"], [\"unused.so\", \"FFFF0000FFFF0000FFFF0000FFFF00000\"]], \"stacks\": [[[0, 88976], [2, 88976], [1, 4096], [3, 4096]]]}" -H 'Debug: true')" = 200 ] ||
	fail "the job listing modules twice: $(cat dup.json)"
py "
import json
def pairs(kv):
    keys = [k for k, _ in kv]
    assert len(keys) == len(set(keys)), ('a key twice', keys)
    return dict(kv)
r = json.load(open('dup.json'), object_pairs_hook=pairs)
res = r['results'][0]
assert list(res['found_modules'].items()) == [('linux_inline/BBA6FA10B8AAB33D00000000000000000', True),
    ('kernel32.pdb/$KID', False), ('unused.so/FFFF0000FFFF0000FFFF0000FFFF00000', None)], res['found_modules']
f = res['stacks'][0]
assert f[0]['function'] == 'main' and dict(f[0], frame=1) == f[1], f
assert f[2] == {'frame': 2, 'module': 'kernel32.pdb', 'module_offset': '0x1000'} and dict(f[2], frame=3) == f[3], f
assert r['debug']['modules']['kernel32.pdb/$KID']['table'] == 'failed before', r['debug']
# (two tables kept open: it may have been closed since)
assert r['debug']['modules']['linux_inline/BBA6FA10B8AAB33D00000000000000000']['table'] in ('cached', 'opened'), r['debug']
" || fail "the job listing modules twice: $(cat dup.json)"
# eight requests at once for a module whose table is gone: built once,
# the others wait for it
DSYM=$(ls own/dumpsyms/*/dumpsyms.sym)
read -r _ _ _ DID _ < "$DSYM"
DH=$(sha256sum "$DSYM" | cut -c1-64)
rm "$STORE/tables/${DH:0:2}/$DH.symt" || fail "no table for dumpsyms' .sym"
for i in 1 2 3 4 5 6 7 8; do
	post sf$i.json "{\"memoryMap\": [[\"dumpsyms\", \"$DID\"]], \"stacks\": [[[0, 4096]]]}" -H 'Debug: true' > sf$i.code &
	sfpids="${sfpids:-} $!"
done
wait $sfpids
py "
import json
how = [json.load(open('sf%d.json' % i))['debug']['modules']['dumpsyms/$DID']['table'] for i in range(1, 9)]
assert sorted(how) == ['built'] + ['cached'] * 7, how
" || fail "concurrent requests for one table: $(cat sf*.code) $(head -c 300 sf1.json)"
# no Debug header: no debug member
[ "$(post plain.json '{"memoryMap": [["linux_inline", "BBA6FA10B8AAB33D00000000000000000"]], "stacks": [[[0, 88976]]]}')" = 200 ] &&
	! grep -q '"debug"' plain.json || fail "an answer without Debug: $(cat plain.json)"
# the missing module counts as a miss
sleep 0.5
curl -s "$URL/missing" | grep -q "gone.so" || fail "the module not found was not counted as missing"

# hostile requests: 4xx with the reason
bad() {	# bad STATUS REASON BODY
	local st
	st=$(post bad.json "$3")
	[ "$st" = "$1" ] && grep -q "$2" bad.json || fail "body ${3:0:80}: $st $(cat bad.json), expected $1 '$2'"
}
bad 400 "not valid JSON" '{"jobs": ['
bad 400 "not valid JSON" ''
bad 400 "must be a JSON object" '[1, 2]'
bad 400 "at most 10 jobs" "{\"jobs\": [$(for i in $(seq 11); do printf '{"memoryMap": [], "stacks": [[]]},'; done | sed 's/,$//')]}"
bad 400 "memoryMap must be a list" '{"memoryMap": {}, "stacks": [[]]}'
bad 400 "module index 0 does not have a debug_filename and debug_id" '{"memoryMap": [["a"]], "stacks": [[]]}'
bad 400 "module index 0 has an invalid debug_filename" '{"memoryMap": [["../x", "AB"]], "stacks": [[]]}'
bad 400 "module index 0 has an invalid debug_id" '{"memoryMap": [["x.so", "XYZ"]], "stacks": [[]]}'
bad 400 "module index 0 has an invalid debug_id" '{"memoryMap": [["x.so", 12]], "stacks": [[]]}'
bad 400 "no stacks specified" '{"memoryMap": [], "stacks": []}'
bad 400 "frame 0 is not a list of two items" '{"memoryMap": [], "stacks": [[[0]]]}'
bad 400 "module_index that isn't in modules" '{"memoryMap": [], "stacks": [[[0, 1]]]}'
bad 400 "module_index that isn't in modules" '{"memoryMap": [["x.so", "AB"]], "stacks": [[[-2, 1]]]}'
bad 400 "invalid module_offset" '{"memoryMap": [["x.so", "AB"]], "stacks": [[[0, -2]]]}'
bad 400 "invalid module_offset" '{"memoryMap": [["x.so", "AB"]], "stacks": [[[0, 1.5]]]}'
bad 400 "invalid module_offset" '{"memoryMap": [["x.so", "AB"]], "stacks": [[[0, "12"]]]}'
bad 400 "not valid JSON" '{"memoryMap": [["x.so", "AB"]], "stacks": [[[0, 123456789012345678901234567890]]]}'
bad 400 "not valid JSON" '{"memoryMap": [], "memoryMap": [], "stacks": [[]]}'
py "
import json
open('deep.json', 'w').write('[' * 100000 + ']' * 100000)
json.dump({'memoryMap': [['x.so', 'AB']], 'stacks': [[[0, i] for i in range(100001)]]}, open('many.json', 'w'))
json.dump({'memoryMap': [['x.so', 'AB']], 'stacks': [[[0, i] for i in range(1000000)]]}, open('huge.json', 'w'))
"
bad 400 "not valid JSON" @deep.json
bad 400 "more than 100000 frames" @many.json
bad 413 "the body exceeds 8388608 bytes" @huge.json
[ "$(status GET /symbolicate/v5)" = 405 ] || fail "GET /symbolicate/v5 was not refused"

# 1000 concurrent requests: each answered 200 or 429, never 5xx
py "
import json
body = json.dumps({'memoryMap': [['linux_inline', 'BBA6FA10B8AAB33D00000000000000000']], 'stacks': [[[0, 88976 + i] for i in range(200)]]})
open('conc.json', 'w').write(body)
for k in range(4):
    with open('conc%d.cfg' % k, 'w') as f:
        for i in range(250):
            f.write('%surl = \"$URL/symbolicate/v5\"\ndata-binary = \"@conc.json\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\\\n\"\n' % ('next\n' if i else ''))
"
# four clients of 250 parallel requests each (curl runs at most 300)
pids=
for k in 0 1 2 3; do
	curl -s --no-progress-meter --parallel --parallel-max 250 -K conc$k.cfg > codes$k.txt &
	pids="$pids $!"
done
wait $pids
cat codes0.txt codes1.txt codes2.txt codes3.txt > codes.txt
sort codes.txt | uniq -c
[ "$(wc -l < codes.txt)" -eq 1000 ] || fail "$(wc -l < codes.txt) answers to 1000 requests"
! grep -qvE '^(200|429)$' codes.txt || fail "answers other than 200 and 429: $(sort codes.txt | uniq -c)"
[ "$(grep -c '^200$' codes.txt)" -ge 900 ] || fail "fewer than 900 of 1000 concurrent requests answered"
[ "$(post plain2.json '{"memoryMap": [["linux_inline", "BBA6FA10B8AAB33D00000000000000000"]], "stacks": [[[0, 88976]]]}')" = 200 ] &&
	cmp -s plain.json plain2.json || fail "the server's answer changed after the hostile requests"

# names that are not plain ASCII: escaped, invalid UTF-8 as U+FFFD
printf 'MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 odd.so\nFILE 0 d\303\251j\303\240/\342\202\254.c\nFUNC 1000 10 0 we"ird\\na\001me\377\376 \360\237\230\200 end\n1000 10 7 0\n' > odd.sym
st=$(status PUT /odd.so/0123456789ABCDEF0123456789ABCDEF0/odd.so.sym -H "Authorization: Bearer $TOKEN" --data-binary @odd.sym)
[ "$st" = 201 ] || fail "upload of odd.sym: $st $(cat "$T/body.out")"
[ "$(post odd.json '{"memoryMap": [["odd.so", "0123456789ABCDEF0123456789ABCDEF0"]], "stacks": [[[0, 4100]]]}')" = 200 ] ||
	fail "odd names: $(cat odd.json)"
py "
import json
f = json.load(open('odd.json'))['results'][0]['stacks'][0][0]
assert f['function'] == 'we\"ird\\\\na\x01me\ufffd\ufffd \U0001F600 end', repr(f['function'])
assert f['file'] == 'd\u00e9j\u00e0/\u20ac.c' and f['line'] == 7, f
" || fail "odd names: $(cat odd.json)"

# an upload builds its table at once
"$DUMPSYMS" -d cppfix > up.sym
read -r _ _ _ UID_ UNAME < up.sym
sed -i 's/^FUNC \([0-9a-f]*\) \([0-9a-f]*\) \([0-9a-f]*\) \(.*\)$/FUNC \1 \2 \3 \4_v2/' up.sym
UH=$(sha256sum up.sym | cut -d' ' -f1)
st=$(status PUT "/$UNAME/$UID_/$UNAME.sym" -H "Authorization: Bearer $TOKEN" --data-binary @up.sym)
[ "$st" = 200 ] || [ "$st" = 201 ] || fail "upload: $st $(cat "$T/body.out")"
[ -f "$STORE/tables/${UH:0:2}/$UH.symt" ] || fail "no lookup table right after the upload ($UH)"
# the same file again, its table gone meanwhile: unchanged, and its table back
rm "$STORE/tables/${UH:0:2}/$UH.symt"
st=$(status PUT "/$UNAME/$UID_/$UNAME.sym" -H "Authorization: Bearer $TOKEN" --data-binary @up.sym)
[ "$st" = 200 ] || fail "the same upload again: $st $(cat "$T/body.out")"
[ -f "$STORE/tables/${UH:0:2}/$UH.symt" ] || fail "no lookup table after the same file was uploaded again"
stop_server

# -- a file whose table cannot be built (one function's line records past
# SYMTAB_FUNC_MAX_MB, 32 MB at 32 bytes a record): published all the same,
# the import says why, and a request is answered without its frames
HID=0123456789ABCDEF0123456789ABCDEF0
mkdir -p "huge/huge.so/$HID"
py "
n = (32 << 20) // 32 + 1000
with open('huge/huge.so/$HID/huge.so.sym', 'w') as f:
    f.write('MODULE Linux x86_64 $HID huge.so\nFILE 0 h.c\nFUNC 1000 %x 0 huge\n' % n)
    f.write(''.join('%x 1 5 0\n' % (0x1000 + i) for i in range(n)))
"
HH=$(sha256sum "huge/huge.so/$HID/huge.so.sym" | cut -d' ' -f1)
"$SYMSERVER" import --store "$STORE" huge > import-huge.out 2> import-huge.err ||
	fail "import of the file of a huge function: $(cat import-huge.out import-huge.err)"
grep -q "^imported 1 new" import-huge.out || fail "the file of a huge function was not imported: $(cat import-huge.out)"
grep -qF "symserver: no lookup table for huge.so/$HID yet: a function's records take more than 32 MB in a lookup table" import-huge.err ||
	fail "the import did not say why the file has no table: $(cat import-huge.err)"
[ ! -e "$STORE/tables/${HH:0:2}/$HH.symt" ] || fail "a table was written for the file of a huge function"
echo "{\"memoryMap\": [[\"huge.so\", \"$HID\"]], \"stacks\": [[[0, 4100]]]}" > huge.json
"$SYMSERVER" symbolicate --store "$STORE" huge.json > huge-ans.json 2> huge-ans.err ||
	fail "symbolicate of the file of a huge function: $(cat huge-ans.err)"
grep -q '"found_modules": {"huge.so/'"$HID"'": false}' huge-ans.json ||
	fail "the file without a table was answered as found: $(cat huge-ans.json)"
grep -q "no lookup table for huge.so/$HID" huge-ans.err || fail "symbolicate did not say why: $(cat huge-ans.err)"
