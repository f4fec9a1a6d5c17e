# The Windows fixtures (tests/fixtures/windows/build.sh: clang-14 +
# lld-link DLLs with PDBs for x86, x86_64 and arm64 at -O0 and -O2) through
# dumpsyms, each part against an independent oracle:
#   - MODULE id from llvm-readobj --coff-debug-directory (RSDS GUID, age,
#     PDB name) and llvm-pdbutil dump --summary (GUID, age), which must
#     agree; INFO CODE_ID = %08X TimeDateStamp + %X SizeOfImage from
#     llvm-readobj --file-headers, then the DLL's name;
#   - `dumpsyms X.dll` (X.pdb found beside it) = `dumpsyms X.dll X.pdb`;
#     `dumpsyms X.pdb` has the same MODULE line;
#   - names, files and lines (and with -d the inline frames: origins, call
#     sites) at every FUNC start, line record and INLINE range, every
#     export and a stride over .text, against llvm-symbolizer --obj=X.dll
#     (tests/tools/winsym-check.py); -d adds only INLINE/INLINE_ORIGIN;
#   - x86_64 and arm64: STACK CFI INIT address and size of every
#     RUNTIME_FUNCTION and the CFA after its prolog, against llvm-readobj
#     --unwind (tests/tools/win-unwind-oracle.py); x86: STACK WIN 4 against
#     llvm-pdbutil dump --fpo, and no STACK CFI;
#   - twin_a/twin_b folded by /opt:icf: one `FUNC m` named twin_a (all
#     runs but the refusals use -m; without it, the same without `m`);
#   - parameter sizes: x86 exported_std 8 (_exported_std@8), exported_fast
#     4 (@exported_fast@12, two register arguments), 0 elsewhere and on
#     64-bit; PUBLIC asm_plain 0 and asm_std 8 (x86) / 0, the assembly
#     functions known only by their S_PUB32;
#   - --store DIR writes DIR/X.pdb/<ID>/X.sym (the same text);
#   - a PDB of another build (X.dll with the O0 build's PDB renamed X.pdb)
#     is refused, exit 1, with both debug ids in the message and no output
#     file left by --output.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
FX=$FIXTURES/windows
"$TOP/tests/fixtures/windows/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 fixtures.err)"
for t in llvm-readobj llvm-pdbutil llvm-symbolizer python3; do
	command -v "$t" > /dev/null || fail "$t is missing (scripts/deps installs it)"
done
TOOLS=$TOP/tests/tools
bad=0
nok() { echo "FAIL: $*"; bad=$((bad + 1)); }

# ids VARIANT: prints "DEBUGID CODEID IMAGEBASE" from the llvm tools, or fails
ids() {
	local dll=$FX/$1.dll pdb=$FX/$1.pdb
	llvm-readobj --file-headers --coff-debug-directory "$dll" > "$1.hdr" || fail "llvm-readobj failed on $dll"
	llvm-pdbutil dump --summary "$pdb" > "$1.summary" || fail "llvm-pdbutil failed on $pdb"
	python3 - "$1.hdr" "$1.summary" "$1.pdb" 2> "$1.ids.err" <<'PY' || fail "the llvm tools disagree on $1's ids: $(tail -n 3 "$1.ids.err")"
import re, sys
hdr, summ, name = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
b = re.search(r'PDBGUID: \(([0-9A-F ]+)\)', hdr).group(1).split()
b = [int(x, 16) for x in b]
assert len(b) == 16
guid = '%08X%04X%04X' % (int.from_bytes(bytes(b[0:4]), 'little'), int.from_bytes(bytes(b[4:6]), 'little'),
                         int.from_bytes(bytes(b[6:8]), 'little')) + ''.join('%02X' % x for x in b[8:])
age = int(re.search(r'PDBAge: (\d+)', hdr).group(1))
pdbname = re.search(r'PDBFileName: (.*)', hdr).group(1).strip()
g2 = re.search(r'GUID: \{([0-9A-F-]+)\}', summ).group(1).replace('-', '')
a2 = int(re.search(r'Age: (\d+)', summ).group(1))
if (g2, a2) != (guid, age):
    sys.exit('RSDS %s age %d, PDB %s age %d' % (guid, age, g2, a2))
if re.split(r'[\\/]', pdbname)[-1] != name:
    sys.exit('RSDS names %s, not %s' % (pdbname, name))
ts = int(re.search(r'TimeDateStamp: .*\((0x[0-9A-Fa-f]+)\)', hdr).group(1), 16)
size = int(re.search(r'SizeOfImage: (\d+)', hdr).group(1))
base = int(re.search(r'ImageBase: (0x[0-9A-Fa-f]+)', hdr).group(1), 16)
print('%s%X %08X%X %x' % (guid, age, ts, size, base))
PY
}

# expected FUNC parameter sizes and PUBLICs of a variant, from the PDB
expect_py=$T/expect.py
cat > "$expect_py" <<'PY'
import re, subprocess, sys
variant, arch, pdb, dll, sym = sys.argv[1:6]
x86 = arch == 'x86'
secs = subprocess.run(['llvm-readobj', '--sections', dll], capture_output=True, text=True, check=True).stdout
va = [int(v, 16) for v in re.findall(r'VirtualAddress: (0x[0-9A-Fa-f]+)', secs)]
pub = subprocess.run(['llvm-pdbutil', 'dump', '--publics', pdb], capture_output=True, text=True, check=True).stdout
publics = {}
for m in re.finditer(r'S_PUB32 \[size = \d+\] `([^`]*)`\s*\n\s*flags = [^,]*, addr = ([0-9A-F]{4}):([0-9]+)', pub):
    publics[m.group(1)] = va[int(m.group(2), 16) - 1] + int(m.group(3))
funcs, pubs, errs = {}, {}, []
for row in open(sym):
    t = row.rstrip('\n').split(' ')
    if t[0] in ('FUNC', 'PUBLIC'):
        kind, m = t[0], t[1] == 'm'
        if m:
            t = t[1:]
        if kind == 'FUNC':
            name = ' '.join(t[4:])
            funcs.setdefault(re.sub(r'\(.*$', '', name), []).append((int(t[1], 16), int(t[3], 16), m, name))
        else:
            pubs.setdefault(' '.join(t[3:]), []).append((int(t[1], 16), int(t[2], 16), m))
def want_func(name, params, m=False):
    got = funcs.get(name)
    if not got:
        errs.append('no FUNC %s' % name)
        return
    for a, p, mm, full in got:
        if p != params:
            errs.append('FUNC %s at %x: parameter size %x, want %x' % (full, a, p, params))
        if mm != m:
            errs.append('FUNC %s at %x: %s' % (full, a, "no 'm'" if m else "'m' but nothing is folded there"))
p = lambda n: n if x86 else 0
want_func('exported_c', 0)
want_func('exported_std', p(8))
want_func('exported_fast', p(4))
for f in ('dyn', 'big_frame', 'many_saved', 'inline_user', 'widget_entry', 'call_asm',
          'ns::detail::scale', 'ns::Widget::combine', 'ns::Widget::get', 'ns::Widget::set'):
    want_func(f, 0)
# /opt:icf: twin_a and twin_b at one address -> one FUNC m, the smaller name
twin = publics.get(('_' if x86 else '') + 'twin_a')
if twin is None or publics.get(('_' if x86 else '') + 'twin_b') != twin:
    errs.append('fixture: twin_a and twin_b are not at one address')
want_func('twin_a', 0, True)
if 'twin_b' in funcs:
    errs.append('FUNC twin_b written besides twin_a: %s' % funcs['twin_b'])
if funcs.get('twin_a') and funcs['twin_a'][0][0] != twin:
    errs.append('FUNC twin_a at %x, the PDB says %x' % (funcs['twin_a'][0][0], twin))
# the assembly functions: PUBLIC only, undecorated, stdcall size
for name, dec, params in (('asm_plain', '_asm_plain' if x86 else 'asm_plain', 0),
                          ('asm_std', '_asm_std@8' if x86 else 'asm_std', p(8))):
    got = pubs.get(name)
    if got != [(publics[dec], params, False)]:
        errs.append('PUBLIC %s: %s, want [(%x, %d)] from S_PUB32 %s' % (name, got, publics[dec], params, dec))
# no PUBLIC where a FUNC starts
starts = {a for v in funcs.values() for a, _, _, _ in v}
for name, v in pubs.items():
    for a, _, _ in v:
        if a in starts:
            errs.append('PUBLIC %s at %x, where a FUNC starts' % (name, a))
for e in errs:
    print('%s: %s' % (variant, e))
sys.exit(1 if errs else 0)
PY

# STACK CFI of ours against the oracle's lines (RVA SIZE CFA)
cfi_py=$T/cfi.py
cat > "$cfi_py" <<'PY'
import re, sys
name, oracle, sym = sys.argv[1:4]
want = {}
for l in open(oracle):
    a, s, c = l.rstrip('\n').split(' ', 2)
    want[int(a, 16)] = (int(s, 16), c)
ours, cur = {}, None
for l in open(sym):
    if l.startswith('STACK CFI INIT '):
        t = l.split(' ', 5)
        cur = int(t[3], 16)
        ours[cur] = [int(t[4], 16), [t[5].strip()]]
    elif l.startswith('STACK CFI '):
        ours[cur][1].append(l.split(' ', 3)[3].strip())
errs = []
for a in sorted(set(want) | set(ours)):
    if a not in ours:
        errs.append('no STACK CFI INIT for the RUNTIME_FUNCTION at %x' % a)
        continue
    if a not in want:
        errs.append('STACK CFI INIT %x matches no RUNTIME_FUNCTION' % a)
        continue
    if ours[a][0] != want[a][0]:
        errs.append('STACK CFI INIT %x size %x, .pdata says %x' % (a, ours[a][0], want[a][0]))
    cfa = None
    for rules in ours[a][1]:
        m = re.search(r'(?:^| )\.cfa: (.*?)(?= \S+:|$)', rules)
        if m:
            cfa = ' '.join(m.group(1).split())
    if want[a][1] != '-' and cfa != want[a][1]:
        errs.append('STACK CFI %x: CFA after the prolog %s, the unwind codes say %s' % (a, cfa, want[a][1]))
for e in errs[:30]:
    print('%s: %s' % (name, e))
print('%s: %d RUNTIME_FUNCTIONs, %d STACK CFI INITs, %d disagree' % (name, len(want), len(ours), len(errs)))
sys.exit(1 if errs or not want else 0)
PY

# STACK WIN of ours against llvm-pdbutil dump --fpo (x86 FrameData)
win_py=$T/win.py
cat > "$win_py" <<'PY'
import sys
name, fpo, sym = sys.argv[1:4]
want, prev = [], None
for l in open(fpo):
    t = [x.strip() for x in l.split('|')]
    if len(t) != 11 or not all(c in '0123456789ABCDEFabcdef' for c in t[0]) or not t[0]:
        continue
    rva, code, loc, par, stk, pro, regs = int(t[0], 16), *(int(x) for x in t[1:7])
    key = (4, rva, code, pro)
    if key == prev:
        continue        # Breakpad and symbolic skip a repeat of the entry before
    prev = key
    want.append('STACK WIN 4 %x %x %x 0 %x %x %x %x 1 %s' % (rva, code, pro, par, regs, loc, stk, t[10].strip()))
ours = [l.rstrip() for l in open(sym) if l.startswith('STACK WIN ')]
errs = []
if ours != want:
    import difflib
    errs = [d for d in difflib.unified_diff(want, ours, 'llvm-pdbutil', 'ours', lineterm='', n=0)][2:]
for e in errs[:30]:
    print('%s: %s' % (name, e))
print('%s: %d FrameData records, %d STACK WIN, %d diff lines' % (name, len(want), len(ours), len(errs)))
sys.exit(1 if errs or not want else 0)
PY

for arch in x86 x86_64 arm64; do
	for opt in O0 O2; do
		v=win-$arch-$opt
		dll=$FX/$v.dll
		pdb=$FX/$v.pdb
		read -r id code base <<< "$(ids $v)"
		[ -n "$base" ] || fail "no ids for $v"
		if ! run_dumpsyms -m "$dll" > $v.sym 2> $v.err; then
			nok "dumpsyms $v.dll: $(head -n 3 $v.err)"
			continue
		fi
		[ "$(head -n 1 $v.sym)" = "MODULE windows $arch $id $v.pdb" ] ||
			nok "$v: '$(head -n 1 $v.sym)', want 'MODULE windows $arch $id $v.pdb'"
		[ "$(grep '^INFO CODE_ID ' $v.sym)" = "INFO CODE_ID $code $v.dll" ] ||
			nok "$v: '$(grep '^INFO CODE_ID ' $v.sym)', want 'INFO CODE_ID $code $v.dll'"
		run_dumpsyms -m "$dll" "$pdb" > $v.pair.sym 2> $v.pair.err || nok "dumpsyms $v.dll $v.pdb: $(head -n 3 $v.pair.err)"
		cmp -s $v.sym $v.pair.sym || nok "$v: dumpsyms X.dll differs from dumpsyms X.dll X.pdb"
		run_dumpsyms -m "$pdb" > $v.pdbonly.sym 2> $v.pdbonly.err || nok "dumpsyms $v.pdb: $(head -n 3 $v.pdbonly.err)"
		[ "$(head -n 1 $v.pdbonly.sym)" = "$(head -n 1 $v.sym)" ] ||
			nok "$v: dumpsyms X.pdb writes '$(head -n 1 $v.pdbonly.sym)'"

		# parameter sizes, FUNC m, PUBLICs; without -m only the m goes
		python3 "$expect_py" $v $arch "$pdb" "$dll" $v.sym || nok "$v: FUNC/PUBLIC records (above)"
		run_dumpsyms "$dll" > $v.nom.sym 2> $v.nom.err || nok "dumpsyms $v.dll (no -m): $(head -n 3 $v.nom.err)"
		sed -e 's/^FUNC m /FUNC /' -e 's/^PUBLIC m /PUBLIC /' $v.sym | cmp -s - $v.nom.sym ||
			nok "$v: without -m, more changes than the m marks"

		# names and lines, then inline frames with -d
		run_dumpsyms -m -d "$dll" > $v.d.sym 2> $v.d.err || nok "dumpsyms -d $v.dll: $(head -n 3 $v.d.err)"
		grep -v -E '^INLINE(_ORIGIN)? ' $v.d.sym | cmp -s - $v.sym || nok "$v: -d changes more than INLINE records"
		grep -q '^INLINE ' $v.d.sym || nok "$v: -d wrote no INLINE record (chain.h is always_inline)"
		python3 - "$dll" "$base" $v.d.sym > $v.addrs <<'PY' || fail "cannot sample $v"
import re, subprocess, sys
dll, base, sym = sys.argv[1], int(sys.argv[2], 16), sys.argv[3]
tools = __import__('os').environ['TOP'] + '/tests/tools'
out = set(int(a, 16) for a in subprocess.run([sys.executable, tools + '/winsym-check.py', 'addrs', sym],
                                              capture_output=True, text=True, check=True).stdout.split())
h = subprocess.run(['llvm-readobj', '--sections', '--coff-exports', dll], capture_output=True, text=True, check=True).stdout
out.update(int(x, 16) for x in re.findall(r'RVA: (0x[0-9A-Fa-f]+)', h) if int(x, 16))
m = re.search(r'Name: \.text .*\n(?:.*\n)*?\s*VirtualSize: (0x[0-9A-Fa-f]+)\n\s*VirtualAddress: (0x[0-9A-Fa-f]+)', h)
size, va = int(m.group(1), 16), int(m.group(2), 16)
out.update(range(va, va + size, max(1, size // 300)))
for a in sorted(out):
    print('0x%x' % (a + base))
PY
		llvm-symbolizer --obj="$dll" --print-address --inlines < $v.addrs > $v.llvm ||
			fail "llvm-symbolizer failed on $v.dll"
		python3 "$TOOLS/winsym-check.py" check $v $v.sym $v.llvm "$base" 100 || nok "$v: names/lines (above)"
		python3 "$TOOLS/winsym-check.py" check $v-d $v.d.sym $v.llvm "$base" 100 --inlines ||
			nok "$v -d: inline frames (above)"

		# unwind
		case $arch in
		x86)
			grep -q '^STACK CFI' $v.sym && nok "$v: STACK CFI in an x86 image"
			llvm-pdbutil dump --fpo "$pdb" > $v.fpo || fail "llvm-pdbutil --fpo failed on $v.pdb"
			python3 "$win_py" $v $v.fpo $v.sym || nok "$v: STACK WIN (above)" ;;
		*)
			grep -q '^STACK WIN' $v.sym && nok "$v: STACK WIN in a 64-bit image"
			llvm-readobj --file-headers --unwind "$dll" > $v.unwind || fail "llvm-readobj --unwind failed on $v.dll"
			python3 "$TOOLS/win-unwind-oracle.py" $v.unwind > $v.cfi-want || fail "win-unwind-oracle.py failed on $v"
			python3 "$cfi_py" $v $v.cfi-want $v.sym || nok "$v: STACK CFI (above)" ;;
		esac

		# --store
		rm -rf st
		run_dumpsyms -m --store st "$dll" > /dev/null 2> $v.st.err || nok "dumpsyms --store $v.dll: $(head -n 3 $v.st.err)"
		if [ -f "st/$v.pdb/$id/$v.sym" ]; then
			cmp -s "st/$v.pdb/$id/$v.sym" $v.sym || nok "$v: the stored file differs from standard output"
		else
			nok "$v: --store wrote $(cd st 2>/dev/null && find . -type f | head -n 3), not $v.pdb/$id/$v.sym"
		fi
	done
done

# a PDB of another build: the O2 DLL with the O0 build's PDB
for arch in x86 x86_64 arm64; do
	v=win-$arch-O2
	read -r id2 _ <<< "$(ids $v)"
	read -r id0 _ <<< "$(ids win-$arch-O0)"
	[ "$id2" != "$id0" ] || fail "the O0 and O2 builds of $arch share a debug id"
	rm -rf mm
	mkdir mm
	cp "$FX/$v.dll" mm/
	cp "$FX/win-$arch-O0.pdb" mm/$v.pdb
	rc=0
	timeout 60 "$DUMPSYMS" mm/$v.dll mm/$v.pdb --output mm.sym > /dev/null 2> mm.err || rc=$?
	if [ $rc != 1 ]; then
		nok "$v with the O0 PDB: exit status $rc, want 1"
	else
		grep -q "$id2" mm.err && grep -q "$id0" mm.err ||
			nok "$v with the O0 PDB: the message does not name both ids ($id2, $id0): $(cat mm.err)"
		grep -q "$v" mm.err || nok "$v with the O0 PDB: the message names no file: $(cat mm.err)"
	fi
	[ -e mm.sym ] && nok "$v with the O0 PDB: --output left mm.sym"
	ls .mm.sym.* > /dev/null 2>&1 && nok "$v with the O0 PDB: --output left a temporary file"
	rm -f mm.sym .mm.sym.*
	# the wrong PDB found beside the image: refused the same way, or
	# ignored with a warning naming both ids (no FUNC from it)
	rc=0
	timeout 60 "$DUMPSYMS" mm/$v.dll > mm2.sym 2> mm2.err || rc=$?
	case $rc in
	0) ! grep -q '^FUNC ' mm2.sym && grep -q "$id2" mm2.err && grep -q "$id0" mm2.err ||
		nok "$v beside the O0 PDB: used it, or no warning with both ids: $(cat mm2.err)" ;;
	1) grep -q "$id2" mm2.err && grep -q "$id0" mm2.err ||
		nok "$v beside the O0 PDB: the message does not name both ids: $(cat mm2.err)" ;;
	*) nok "$v beside the O0 PDB: exit status $rc" ;;
	esac
done
[ "$bad" = 0 ] || fail "$bad checks failed"
echo "all Windows fixture checks passed"
