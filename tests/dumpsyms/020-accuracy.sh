# Accuracy against an independent symbolizer: for sampled code addresses of
# every x86 fixture (every FUNC start, every line record start, and the last
# byte of every line record), the function and file:line our .sym gives
# (looked up the way a processor does, tests/tools/symlookup) equal what
# llvm-symbolizer reads from the binary's DWARF: the innermost file:line
# exactly, and the outermost (non-inlined) function's name, compared
# without parameters.  (binutils 2.40's addr2line misreads some clang
# DWARF 5 file tables, so it is not the reference.)
. "$TOP/tests/lib.sh"
command -v llvm-symbolizer >/dev/null || fail "llvm-symbolizer is required (Debian package llvm)"
n=0
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	case "$(readelf -h "$f" 2>/dev/null | awk -F: '/Machine/ { print $2 }')" in
	*X86-64*|*80386*) ;;
	*) continue ;;
	esac
	readelf -S "$f" | grep -q '\.debug_info' || continue
	b=$(basename "$f")
	run_dumpsyms -c "$f" > "$b.sym" || fail "dumpsyms failed on $b"
	load=$(readelf -lW "$f" | awk '$1 == "LOAD" { print $3; exit }')
	# sample: FUNC starts, line starts, and the last byte of each line
	python3 - "$b.sym" > "$b.addrs" <<'PY'
import sys
out = set()
for row in open(sys.argv[1]):
    p = row.split()
    if row.startswith('FUNC '):
        out.add(int(p[2] if p[1] == 'm' else p[1], 16))
    elif len(p) == 4 and all(c in '0123456789abcdef' for c in p[0] + p[1]) and p[2].isdigit():
        a, s = int(p[0], 16), int(p[1], 16)
        out.add(a)
        out.add(a + s - 1)
for a in sorted(out):
    print('%x' % a)
PY
	[ -s "$b.addrs" ] || fail "$b: no addresses to sample"
	"$SYMLOOKUP" "$b.sym" $(cat "$b.addrs") > "$b.ours"
	python3 - "$b.addrs" "$load" > "$b.vma" <<'PY'
import sys
load = int(sys.argv[2], 16)
for a in open(sys.argv[1]):
    print('%x' % (int(a, 16) + load))
PY
	sed 's/^/0x/' "$b.vma" | llvm-symbolizer --obj="$f" --inlines --demangle --print-address > "$b.a2l"
	python3 - "$b.ours" "$b.a2l" "$load" "$b" <<'PY' || fail "$b: llvm-symbolizer disagrees (see above)"
import re, sys
ours_file, a2l_file, load, name = sys.argv[1], sys.argv[2], int(sys.argv[3], 16), sys.argv[4]

def norm_path(p):
    p = re.sub(r' \(discriminator \d+\)$', '', p)
    p = re.sub(r':\?$', ':0', p)
    while '/./' in p:
        p = p.replace('/./', '/')
    return re.sub('/+', '/', p)

def split(fn):
    """(scope, base) of a function name without its parameters; spaces
    are dropped, since demanglers differ on "> >" against ">>"."""
    fn = fn.replace(' ', '')
    for suffix in ('const', '&', '&&', 'volatile'):
        while fn.endswith(suffix) and not fn.endswith('operator' + suffix):
            fn = fn[:-len(suffix)]
    if fn.endswith(')') and not fn.endswith('operator()'):
        depth = 0
        for i in range(len(fn) - 1, -1, -1):
            depth += {')': 1, '(': -1}.get(fn[i], 0)
            if depth == 0:
                fn = fn[:i]
                break
    depth, last = 0, 0
    for i, c in enumerate(fn):
        if c in '<(':
            depth += 1
        elif c in '>)':
            depth -= 1
        elif depth == 0 and fn.startswith('::', i):
            last = i + 2
    return fn[:last], fn[last:]

def untemplate(b):
    """f<int, 3> -> f: demanglers spell template arguments differently"""
    if b.endswith('>') and (not b.startswith('operator') or
                            b.startswith(('operator()<', 'operator[]<'))):
        depth = 0
        for i in range(len(b) - 1, -1, -1):
            depth += {'>': 1, '<': -1}.get(b[i], 0)
            if depth == 0:
                return b[:i]
    return b

def same_function(ours, want):
    if want.startswith('_Z'):
        # LLVM 14's demangler gives up on some names (e.g. "sr" in
        # enable_if); binutils' c++filt is the tie-breaker
        import subprocess
        want = subprocess.run(['c++filt', want], capture_output=True, text=True).stdout.strip()
    # gcc's clone suffixes that llvm-symbolizer prints from the symbol
    # table: "f(int) (.cold)", "f(int) [clone .isra.0]"
    want = re.sub(r'\s*(\(\.[a-z]+(\.\d+)?\)|\[clone [^]]*\])', '', want)
    so, bo = split(ours)
    sw, bw = split(want)
    if untemplate(bo) == untemplate(bw):
        return True
    # an inheriting constructor: one demangler names the base class, the
    # other the derived one; the scope still has to agree
    cls = sw[:-2]
    if cls.endswith('>'):
        depth = 0
        for i in range(len(cls) - 1, -1, -1):
            depth += {'>': 1, '<': -1}.get(cls[i], 0)
            if depth == 0:
                cls = cls[:i]
                break
    cls = cls.rsplit('::', 1)[-1]
    return so == sw and bw == cls

frames = {}
cur = None
lines = open(a2l_file).read().splitlines()
i = 0
while i < len(lines):
    if not lines[i]:
        i += 1
        continue
    if lines[i].startswith('0x'):
        cur = int(lines[i], 16) - load
        frames[cur] = []
        i += 1
        continue
    loc = re.sub(r':\d+$', '', lines[i + 1])    # drop the column
    frames[cur].append((lines[i], loc))
    i += 2
bad = checked = 0
for row in open(ours_file):
    addr_s, rest = row.split(' ', 1)
    fn, loc = rest.rstrip('\n').rsplit(' ', 1)
    addr = int(addr_s, 16)
    fr = frames.get(addr)
    if not fr or fr[0][1].startswith('??'):
        continue
    checked += 1
    want_loc = norm_path(fr[0][1])
    want_fn = fr[-1][0]
    if norm_path(loc) != want_loc or not same_function(fn, want_fn):
        bad += 1
        if bad <= 10:
            print('%s 0x%x: ours %s %s, llvm-symbolizer %s %s' % (name, addr, fn, loc, want_fn, want_loc))
print('%s: %d addresses checked, %d disagree' % (name, checked, bad))
if checked < 20 or bad:
    sys.exit(1)
PY
	n=$((n + 1))
done
[ $n -ge 20 ] || fail "only $n fixtures checked"
