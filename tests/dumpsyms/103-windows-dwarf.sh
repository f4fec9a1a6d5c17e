# PE images whose debug information is DWARF (mingw; clang's *-windows-gnu
# targets linked by ld.lld's PE flavour), built from the Windows fixture
# sources for x86_64, i686 and arm64 at -O2: they go through the DWARF
# reader, not the PDB one.  The MODULE record names the image with the
# GUID and age of its CodeView record (llvm-readobj), INFO CODE_ID is its
# time stamp and image size and its name; names, files and lines of
# sampled addresses, inline frames with -d, agree with llvm-symbolizer
# (which reads the DWARF of the image); STACK CFI comes from .pdata
# (x64/arm64): INIT addresses and sizes and the CFA after each prologue
# equal llvm-readobj --unwind's; -a keeps virtual addresses everywhere.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
for t in clang ld.lld llvm-readobj llvm-symbolizer python3; do
	command -v $t > /dev/null || fail "$t is missing (scripts/deps --test installs it)"
done
TOOLS=$TOP/tests/tools
SRC=$TOP/tests/fixtures/windows
nok() { echo "FAIL: $*" >&2; bad=$((bad + 1)); }
bad=0
# the entry point a DLL needs (no C runtime here)
cat > entry.c <<'C'
int __stdcall _DllMainCRTStartup(void *h, unsigned reason, void *reserved)
{
	(void)h;
	(void)reserved;
	return reason != 99;
}
C
for a in x86_64:i386pep i686:i386pe aarch64:arm64pe; do
	t=${a%%:*} emu=${a#*:} v=dwarf-$t
	for s in "$SRC/lib.c" "$SRC/widget.cpp" entry.c; do
		clang --target=$t-w64-windows-gnu -g -gdwarf-4 -O2 -funwind-tables -fno-exceptions -fno-rtti -ffreestanding \
			-fno-stack-protector -mno-stack-arg-probe -I"$SRC" -c "$s" -o $v-$(basename "${s%.*}").o \
			2>> build.err || fail "cannot compile $s for $t: $(tail -n 3 build.err)"
	done
	ld.lld -m $emu --build-id --shared --no-gc-sections -o $v.dll $v-*.o 2>> build.err ||
		fail "cannot link $v.dll: $(tail -n 3 build.err)"
	"$DUMPSYMS" $v.dll > $v.sym 2> $v.err || fail "dumpsyms failed on $v.dll: $(cat $v.err)"
	"$DUMPSYMS" -d $v.dll > $v.d.sym 2> $v.err || fail "dumpsyms -d failed on $v.dll: $(cat $v.err)"
	grep -q '^FUNC ' $v.sym || nok "$v: no FUNC records (the DWARF was not read)"

	# ids against llvm-readobj
	llvm-readobj --file-headers --coff-debug-directory $v.dll > $v.hdr
	python3 - $v.hdr $v.sym $v.dll <<'PY' || nok "$v: MODULE/INFO (above)"
import re, sys
hdr, sym, dll = open(sys.argv[1]).read(), open(sys.argv[2]).read().split('\n'), sys.argv[3]
guid = re.search(r'PDBGUID: \(([0-9A-F ]+)\)', hdr).group(1).split()
age = int(re.search(r'PDBAge: (\d+)', hdr).group(1))
g = ''.join(guid[3::-1] + guid[5:3:-1] + guid[7:5:-1] + guid[8:]) + '%X' % age
ts = int(re.search(r'TimeDateStamp: .*\(0x([0-9A-F]+)\)', hdr).group(1), 16)
size = int(re.search(r'SizeOfImage: (\d+)', hdr).group(1))
arch = {'AMD64': 'x86_64', 'I386': 'x86', 'ARM64': 'arm64'}[re.search(r'Machine: IMAGE_FILE_MACHINE_(\w+)', hdr).group(1)]
want = ['MODULE windows %s %s %s' % (arch, g, dll), 'INFO CODE_ID %08X%X %s' % (ts, size, dll)]
assert sym[:2] == want, (sym[:2], want)
PY
	base=$(awk '/ImageBase:/ { print $2; exit }' $v.hdr)
	python3 "$TOOLS/winsym-check.py" addrs $v.d.sym |
		python3 -c "import sys; b = int(sys.argv[1], 16); [print('0x%x' % (b + int(a, 16))) for a in sys.stdin.read().split()]" "$base" |
		llvm-symbolizer --obj=$v.dll --print-address --inlines > $v.llvm.raw || fail "llvm-symbolizer failed on $v"
	# llvm-symbolizer 14 names some i686 functions by their Itanium symbol
	# undemangled (the COFF symbol carries the extra leading underscore)
	c++filt < $v.llvm.raw > $v.llvm || fail "c++filt failed on $v"
	python3 "$TOOLS/winsym-check.py" check $v $v.sym $v.llvm "$base" 60 || nok "$v: names/lines (above)"
	python3 "$TOOLS/winsym-check.py" check $v-d $v.d.sym $v.llvm "$base" 60 --inlines || nok "$v -d: inline frames (above)"

	# -a: every address is a virtual address
	"$DUMPSYMS" -a $v.dll > $v.a.sym || fail "dumpsyms -a failed on $v.dll"
	python3 - $v.sym $v.a.sym "$base" <<'PY' || nok "$v: -a does not shift every address by the image base"
import sys
base = int(sys.argv[3], 16)
a, b = open(sys.argv[1]).read().split('\n'), open(sys.argv[2]).read().split('\n')
assert len(a) == len(b)
n = 0
for x, y in zip(a, b):
    fx, fy = x.split(), y.split()
    if x.startswith('FUNC ') or x.startswith('STACK CFI INIT '):
        i = 1 if x.startswith('FUNC') else 3
        assert int(fy[i], 16) == int(fx[i], 16) + base, (x, y); n += 1
    elif x.startswith('STACK CFI '):
        assert int(fy[2], 16) == int(fx[2], 16) + base, (x, y); n += 1
assert n > 10, n
PY
	# STACK CFI from .pdata (x64, arm64)
	if [ $t != i686 ]; then
		llvm-readobj --file-headers --unwind $v.dll > $v.unwind 2> /dev/null || fail "llvm-readobj --unwind failed on $v"
		python3 "$TOOLS/win-unwind-oracle.py" $v.unwind > $v.cfi-want || fail "win-unwind-oracle.py failed on $v"
		[ -s $v.cfi-want ] || nok "$v: llvm-readobj lists no unwind entries"
		python3 - $v.sym $v.cfi-want <<'PY' || nok "$v: STACK CFI against llvm-readobj (above)"
import sys
def cfa(rules):
    t = rules.split()
    i = t.index('.cfa:')
    return ' '.join(t[i + 1:i + 4])
ours, cur = {}, None
for l in open(sys.argv[1]):
    f = l.split()
    if l.startswith('STACK CFI INIT '):
        cur = int(f[3], 16); ours[cur] = [int(f[4], 16), cfa(' '.join(f[5:]))]
    elif l.startswith('STACK CFI ') and '.cfa:' in l:
        ours[cur][1] = cfa(' '.join(f[3:]))
want = {}
for l in open(sys.argv[2]):
    f = l.split()
    want[int(f[0], 16)] = [int(f[1], 16), ' '.join(f[2:])]
assert sorted(ours) == sorted(want), (sorted(ours), sorted(want))
bad = [(hex(k), ours[k], want[k]) for k in want if ours[k] != want[k]]
assert not bad, bad
print(len(want), 'functions')
PY
	fi
done
[ $bad -eq 0 ] || fail "$bad checks failed"
