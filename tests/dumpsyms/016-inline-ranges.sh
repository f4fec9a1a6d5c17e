# Inlined calls whose ranges reach beyond their caller's.  gcc -O2 builds a
# program with always_inline calls three deep; its assembly (gcc -S -dA)
# is edited so that every call of inner (made from middle, at line 11)
# ends 2 bytes later than gcc said, past the end of middle and outer, and
# assembled.  Breakpad's dump_syms writes such ranges as they are, and
# Breakpad's processor, which nests INLINE records by their ranges
# (ContainedRangeMap), drops a range that overlaps its parent's only in
# part, so the inline frames vanish over the whole call.  Checked:
#
#  - the fixture does what it should: Breakpad's output has INLINE ranges
#    outside their parent's;
#  - ours has none: every range of every INLINE lies inside a range of
#    the INLINE it is nested in;
#  - at every byte of every function with inlines, in the edited and the
#    unedited program, the inline chain read from our records the way
#    Breakpad's processor reads them equals llvm-symbolizer's (each
#    frame's function name, innermost first).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
[ "$(uname -m)" = x86_64 ] || skip "the edited assembly is x86_64 gcc output"
command -v gcc > /dev/null || fail "gcc is required"
command -v llvm-symbolizer > /dev/null || fail "llvm-symbolizer is required (Debian package llvm)"
command -v python3 > /dev/null || fail "python3 is required (Debian package python3)"

cat > inl.c <<'C'
int *volatile sink;

static inline __attribute__((always_inline)) void inner(int v)
{
	sink[v] = v;
}

static inline __attribute__((always_inline)) void middle(int v)
{
	inner(v + 1);	/* line 10 */
}

static inline __attribute__((always_inline)) void outer(int v)
{
	middle(v * 2);
}

__attribute__((noinline)) void two_deep(int v)
{
	middle(v + 3);
}

__attribute__((noinline)) void three_deep(int v)
{
	outer(v + 5);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		two_deep(argc);
	else
		three_deep(argc);
	return 0;
}
C
grep -q 'line 10' <(sed -n 10p inl.c) || fail "the source's line numbers moved"
gcc -g -gdwarf-4 -O2 -fomit-frame-pointer -S -dA -o inl.s inl.c || fail "gcc -S failed"
gcc -o plain inl.s || fail "cannot assemble inl.s"

# every DW_TAG_inlined_subroutine called from line 10 (0xa) gets 2 bytes
# more in its DW_AT_high_pc (a length: .LBEn-.LBBn)
cat > widen.py <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split('\n')
n = 0
for i, l in enumerate(lines):
    if 'DW_TAG_inlined_subroutine)' not in l:
        continue
    hp = None
    for j in range(i + 1, len(lines)):
        if '(DIE ' in lines[j]:
            break
        if lines[j].endswith('# DW_AT_high_pc') and re.search(r'\.LBE\d+-\.LBB\d+\t', lines[j]):
            hp = j
        if lines[j].endswith('# DW_AT_call_line') and re.search(r'\t0xa\t', lines[j]) and hp is not None:
            lines[hp] = lines[hp].replace('\t# DW_AT_high_pc', '+2\t# DW_AT_high_pc')
            n += 1
open(sys.argv[2], 'w').write('\n'.join(lines))
print(n)
PY
n=$(python3 widen.py inl.s wide.s) || fail "cannot edit inl.s"
[ "$n" -ge 2 ] || fail "found $n calls of inner to widen in gcc's assembly (want 2 or more)"
gcc -o wide wide.s || fail "cannot assemble wide.s"

cat > chains.py <<'PY'
# chains.py SYM ELF: inline chains from SYM, read as Breakpad's processor
# reads them, against llvm-symbolizer's, at every byte of every FUNC that
# has INLINE records; prints the misses, exits 1 on any
import json, subprocess, sys
sym, elf = sys.argv[1], sys.argv[2]
origins, funcs, cur = {}, [], None
for l in open(sym):
    p = l.split()
    if p[0] == 'INLINE_ORIGIN':
        origins[p[1]] = ' '.join(p[2:])
    elif p[0] == 'FUNC':
        if p[1] == 'm':
            p.pop(1)
        cur = {'a': int(p[1], 16), 's': int(p[2], 16), 'name': ' '.join(p[4:]), 'inl': []}
        funcs.append(cur)
    elif p[0] in ('PUBLIC', 'STACK'):
        cur = None
    elif p[0] == 'INLINE' and cur:
        rs = [(int(p[i], 16), int(p[i + 1], 16)) for i in range(5, len(p), 2)]
        cur['inl'].append((int(p[1]), p[4], rs))
def stored(inl):
    """the (lo, hi, record) ranges a ContainedRangeMap keeps: each range is
    stored in file order unless it overlaps a stored one only in part"""
    kept = []
    for rec in inl:
        for a, s in rec[2]:
            lo, hi = a, a + s
            if s and not any(lo < h and l < hi and not (l <= lo and hi <= h) and not (lo <= l and h <= hi)
                             for l, h, _ in kept):
                kept.append((lo, hi, rec))
    return kept
addrs, want_f = [], []
for f in funcs:
    if not f['inl']:
        continue
    kept = stored(f['inl'])
    for a in range(f['a'], f['a'] + f['s']):
        # outermost first: larger ranges hold smaller ones; equal ranges
        # nest in file order
        hold = sorted(((l, h, i) for i, (l, h, r) in enumerate(kept) if l <= a < h),
                      key=lambda x: (-(x[1] - x[0]), x[2]))
        names = [origins.get(kept[i][2][1], '?') for _, _, i in reversed(hold)] + [f['name']]
        addrs.append(a)
        want_f.append(names)
if len(addrs) < 30:
    sys.exit('only %d addresses in functions with inlines' % len(addrs))
load = 0
for l in subprocess.run(['readelf', '-lW', elf], capture_output=True, text=True, check=True).stdout.splitlines():
    if l.split()[:1] == ['LOAD']:
        load = int(l.split()[2], 16)
        break
out = subprocess.run(['llvm-symbolizer', '--obj=' + elf, '--inlines', '--output-style=JSON'],
                     input='\n'.join('0x%x' % (a + load) for a in addrs), capture_output=True, text=True,
                     check=True).stdout.splitlines()
miss = 0
for a, ours, line in zip(addrs, want_f, out):
    theirs = [fr['FunctionName'] for fr in json.loads(line)['Symbol']]
    if [n.split('(')[0] for n in ours] != [n.split('(')[0] for n in theirs]:
        miss += 1
        if miss <= 20:
            print('%x: ours %s, llvm-symbolizer %s' % (a, ours, theirs))
print('%s: %d addresses, %d differ' % (elf, len(addrs), miss))
sys.exit(1 if miss else 0)
PY

cat > contained.py <<'PY'
# contained.py SYM: INLINE records with a range outside every range of the
# INLINE they are nested in (the previous record one level up)
import sys
bad, up = 0, {}
for l in open(sys.argv[1]):
    p = l.split()
    if p[0] == 'FUNC':
        up = {}
    elif p[0] == 'INLINE':
        k = int(p[1])
        rs = [(int(p[i], 16), int(p[i + 1], 16)) for i in range(5, len(p), 2)]
        up[k] = rs
        if k and k - 1 in up and any(not any(b <= a and a + s <= b + t for b, t in up[k - 1]) for a, s in rs):
            bad += 1
            print(l.rstrip())
print(bad)
PY

"$BP/dump_syms" -d wide > wide.bp 2> /dev/null || fail "Breakpad's dump_syms -d failed on wide"
nbp=$(python3 contained.py wide.bp | tail -n 1)
[ "$nbp" -ge 2 ] || fail "Breakpad's output has $nbp INLINE ranges outside their parent's: the edit did not take"
echo "Breakpad: $nbp INLINE records reach outside their parent"

for b in plain wide; do
	run_dumpsyms -d "$b" > "$b.sym" || fail "dumpsyms -d $b failed"
	python3 contained.py "$b.sym" > "$b.out" || fail "contained.py failed on $b.sym"
	[ "$(tail -n 1 "$b.out")" = 0 ] || { cat "$b.out" >&2; fail "$b: INLINE ranges outside their parent's"; }
	python3 chains.py "$b.sym" "$b" || fail "$b: inline chains differ from llvm-symbolizer's"
done
exit 0
