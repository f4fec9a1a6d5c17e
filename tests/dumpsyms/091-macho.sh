# Mach-O: thin, universal (FAT_MAGIC and FAT_MAGIC_64) and dSYM inputs
# built here by tests/fixtures/macho/build.sh (clang, ld64.lld-14,
# dsymutil, llvm-lipo-14), checked against independent tools:
#   - ids: MODULE and INFO CODE_ID of every slice against llvm-dwarfdump
#     --uuid; --list-arch; a universal file without --arch is refused with
#     its slices named; --arch picks each slice; --store writes them all;
#   - dSYM pairing: binary alone (finds X.dSYM beside it), -g, two
#     arguments, the bundle alone, a stripped binary with its dSYM, a fat
#     binary with its fat dSYM; a dSYM of another build is refused with
#     both UUIDs;
#   - names and lines against llvm-symbolizer on the dSYM, at FUNC starts,
#     line records, nlist symbols and a stride through __text;
#   - STACK CFI against tests/tools/macho-unwind-oracle.py, which decodes
#     the encodings llvm-objdump --unwind-info lists (the rules after a
#     function's prologue rows), the prologue rows against the code as
#     llvm-objdump disassembles it, and, without the
#     table, against llvm-dwarfdump's __eh_frame FDEs;
#   - PUBLIC records against llvm-nm when there is no DWARF.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
for t in llvm-dwarfdump llvm-symbolizer llvm-objdump llvm-nm python3; do
	command -v $t > /dev/null || fail "$t is required"
done
[ -x "$SYMLOOKUP" ] || fail "symlookup is missing at $SYMLOOKUP"
FX=$TOP/build/fixtures-macho
"$TOP/tests/fixtures/macho/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Mach-O fixtures: $(tail -n 5 fixtures.err)"
ORACLE=$TOP/tests/tools/macho-unwind-oracle.py

# ---- ids ---------------------------------------------------------------
# uuids FILE: "arch UUID-without-dashes" per slice, from llvm-dwarfdump
uuids() {
	llvm-dwarfdump --uuid "$1" | awk '{ gsub("-", "", $2); gsub("[()]", "", $3); print $3, $2 }'
}
nid=0
for f in macho-x86_64-O0 macho-x86_64-O2 macho-x86_64-O2-nofp macho-arm64-O0 macho-arm64-O2 \
	libmacho-x86_64-O2.dylib macho-fat macho-fat4 macho-x86_64-O2-stripped; do
	uuids "$FX/$f" > "$f.uuids"
	[ -s "$f.uuids" ] || fail "llvm-dwarfdump gives no UUID for $f"
	run_dumpsyms --list-arch "$FX/$f" > "$f.list" || fail "--list-arch failed on $f"
	awk '{ print $1, $2 "0" }' "$f.uuids" > "$f.want"
	compare "$f.want" "$f.list" "--list-arch of $f"
	# the dSYM's slices carry the binary's UUIDs
	d=$FX/$f.dSYM
	[ "$f" = macho-x86_64-O2-stripped ] && d=$FX/macho-x86_64-O2.dSYM
	run_dumpsyms --list-arch "$d" > "$f.dlist" || fail "--list-arch failed on $d"
	compare "$f.want" "$f.dlist" "--list-arch of $d"
	nslices=$(wc -l < "$f.uuids")
	while read -r arch uuid; do
		args=()
		[ "$nslices" -gt 1 ] && args=(--arch "$arch")
		run_dumpsyms -i "${args[@]}" "$FX/$f" > "$f.$arch.i" || fail "dumpsyms -i ${args[*]} $f failed"
		printf 'MODULE mac %s %s0 %s\nINFO CODE_ID %s\n' "$arch" "$uuid" "$f" "$uuid" > "$f.$arch.want"
		compare "$f.$arch.want" "$f.$arch.i" "MODULE/INFO of $f $arch"
		nid=$((nid + 1))
	done < "$f.uuids"
done
[ $nid -ge 13 ] || fail "only $nid slices checked"
# FAT_MAGIC_64: the same slices and ids as the FAT_MAGIC file
[ "$(od -An -tx1 -N4 "$FX/macho-fat64" | tr -d ' ')" = cafebabf ] || fail "macho-fat64 is not FAT_MAGIC_64"
run_dumpsyms --list-arch "$FX/macho-fat64" > fat64.list || fail "--list-arch failed on macho-fat64"
compare macho-fat.want fat64.list "--list-arch of the FAT_MAGIC_64 file"
for arch in x86_64 arm64; do
	run_dumpsyms --arch $arch "$FX/macho-fat64" -g "$FX/macho-fat.dSYM" > fat64.$arch.sym ||
		fail "dumpsyms --arch $arch macho-fat64 failed"
	run_dumpsyms --arch $arch "$FX/macho-fat" > fat.$arch.sym || fail "dumpsyms --arch $arch macho-fat failed"
	sed 1s/macho-fat64/macho-fat/ fat64.$arch.sym > fat64.$arch.cmp
	compare fat.$arch.sym fat64.$arch.cmp "macho-fat64 against macho-fat ($arch)"
done
# --store without --arch writes every slice under its own id
run_dumpsyms --store st "$FX/macho-fat4" > st.paths || fail "dumpsyms --store on a universal file failed"
[ "$(wc -l < st.paths)" -eq 4 ] || fail "--store wrote $(wc -l < st.paths) files for 4 slices"
while read -r arch uuid; do
	[ -f "st/macho-fat4/${uuid}0/macho-fat4.sym" ] || fail "no stored file for the $arch slice"
	run_dumpsyms --arch "$arch" "$FX/macho-fat4" > "st.$arch" || fail "dumpsyms --arch $arch failed"
	compare "st.$arch" "st/macho-fat4/${uuid}0/macho-fat4.sym" "the stored $arch slice"
done < macho-fat4.uuids
# two slices with one arch name (arm64 subtypes 0 and 1): --store writes
# both, and a slice no reader supports (a PowerPC one, big-endian) is
# listed, skipped by --store with a warning, and does not stop --arch
python3 - "$FX/macho-fat4" dup "$FX/macho-fat" ppc <<'PY' || fail "cannot patch the fat files"
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
off = struct.unpack_from('>I', d, 8 + 3 * 20 + 8)[0]		# arm64e, the 4th slice
struct.pack_into('>I', d, 8 + 3 * 20 + 4, 1)
struct.pack_into('<I', d, off + 8, 1)
open(sys.argv[2], 'wb').write(d)
d = bytearray(open(sys.argv[3], 'rb').read())
off = struct.unpack_from('>I', d, 8 + 20 + 8)[0]		# arm64, the 2nd slice
struct.pack_into('>I', d, 8 + 20, 18)
struct.pack_into('>II', d, off, 0xfeedface, 18)
open(sys.argv[4], 'wb').write(d)
PY
run_dumpsyms --store dupst dup > dup.paths || fail "--store on two arm64 slices failed"
[ "$(sort -u dup.paths | wc -l)" -eq 4 ] || fail "--store wrote $(sort -u dup.paths | wc -l) distinct files for 4 slices"
run_dumpsyms --list-arch ppc > ppc.list || fail "--list-arch with a PowerPC slice failed"
printf '%s\nppc unreadable\n' "$(head -n 1 macho-fat.want)" > ppc.want
compare ppc.want ppc.list "--list-arch with a PowerPC slice"
run_dumpsyms --arch x86_64 -i ppc > /dev/null || fail "--arch x86_64 failed beside a PowerPC slice"
run_dumpsyms --store ppcst ppc > ppc.paths 2> ppc.err || fail "--store failed beside a PowerPC slice"
[ "$(wc -l < ppc.paths)" -eq 1 ] && grep -q 'ppc slice cannot be read' ppc.err ||
	fail "--store beside a PowerPC slice: $(cat ppc.paths ppc.err)"
# a universal file needs --arch; the message names every slice
if run_dumpsyms "$FX/macho-fat4" > /dev/null 2> noarch.err; then fail "a fat file without --arch was accepted"; fi
grep -q 'x86_64, x86_64h, arm64, arm64e' noarch.err || fail "no slice list in: $(cat noarch.err)"
grep -q -- '--arch' noarch.err || fail "the message does not point to --arch: $(cat noarch.err)"
if run_dumpsyms --arch armv7 "$FX/macho-fat" > /dev/null 2> badarch.err; then fail "--arch armv7 was accepted"; fi
grep -q 'no armv7 slice; it has: x86_64, arm64' badarch.err || fail "bad message: $(cat badarch.err)"
# i386 is accepted as Breakpad's x86, and x86_64h / arm64e are slices of their own
run_dumpsyms --arch x86_64h -i "$FX/macho-fat4" > x86_64h.sym || fail "--arch x86_64h failed"
head -n 1 x86_64h.sym | grep -q '^MODULE mac x86_64h ' ||
	fail "--arch x86_64h did not pick the x86_64h slice"

# ---- dSYM pairing --------------------------------------------------------
mkdir -p alone
cp "$FX/macho-x86_64-O2" alone/
run_dumpsyms "$FX/macho-x86_64-O2" > auto.sym || fail "dumpsyms on a binary beside its dSYM failed"
run_dumpsyms -g "$FX/macho-x86_64-O2.dSYM" alone/macho-x86_64-O2 > g.sym || fail "dumpsyms -g failed"
run_dumpsyms alone/macho-x86_64-O2 "$FX/macho-x86_64-O2.dSYM/" > two.sym || fail "dumpsyms BINARY DSYM failed"
run_dumpsyms alone/macho-x86_64-O2 "$FX/macho-x86_64-O2.dSYM/Contents/Resources/DWARF/macho-x86_64-O2" > file.sym ||
	fail "dumpsyms BINARY DWARF-FILE failed"
compare auto.sym g.sym "-g against the dSYM found beside the binary"
compare auto.sym two.sym "BINARY DSYM against the dSYM found beside the binary"
compare auto.sym file.sym "BINARY DWARF-FILE against the dSYM found beside the binary"
grep -q '^FUNC ' auto.sym || fail "no FUNC records from the dSYM"
grep -q '^STACK CFI INIT ' auto.sym || fail "no STACK CFI from the binary with its dSYM"
# stripped binary + dSYM: the same records but PUBLIC (names from the dSYM)
run_dumpsyms "$FX/macho-x86_64-O2-stripped" -g "$FX/macho-x86_64-O2.dSYM" > stripped.sym ||
	fail "dumpsyms on the stripped binary with its dSYM failed"
sed 1s/macho-x86_64-O2-stripped/macho-x86_64-O2/ stripped.sym > stripped.cmp
compare auto.sym stripped.cmp "stripped binary + dSYM against binary + dSYM"
# the bundle alone: FUNC, lines and PUBLIC, but no CFI (a dSYM has no code)
run_dumpsyms "$FX/macho-x86_64-O2.dSYM" > bundle.sym || fail "dumpsyms on the dSYM bundle failed"
grep -v '^STACK ' auto.sym > auto.nocfi
compare auto.nocfi bundle.sym "the dSYM alone against binary + dSYM without CFI"
# a fat binary with its fat dSYM: each slice finds its own by UUID
for arch in x86_64 arm64; do
	grep -q '^FUNC ' fat.$arch.sym || fail "no FUNC records for the $arch slice of macho-fat"
	grep -q '^STACK CFI INIT ' fat.$arch.sym || fail "no STACK CFI for the $arch slice of macho-fat"
done
# a dSYM of another build: refused, both UUIDs in the message
x=$(awk '{ print $2 }' macho-x86_64-O2.uuids)
a=$(awk '{ print $2 }' macho-arm64-O2.uuids)
if run_dumpsyms "$FX/macho-arm64-O2" -g "$FX/macho-x86_64-O2.dSYM" > /dev/null 2> mismatch.err; then
	fail "a dSYM with another UUID was accepted"
fi
dashed() { echo "${1:0:8}-${1:8:4}-${1:12:4}-${1:16:4}-${1:20:12}"; }
grep -q "$(dashed "$x")" mismatch.err && grep -q "$(dashed "$a")" mismatch.err ||
	fail "the mismatch message lacks a UUID: $(cat mismatch.err)"
if run_dumpsyms --arch arm64 "$FX/macho-fat" -g "$FX/macho-x86_64-O2.dSYM" > /dev/null 2> mismatch2.err; then
	fail "a thin dSYM of the other slice was accepted"
fi

# ---- names and lines against llvm-symbolizer -----------------------------
# sample SYM MACHO TEXTBASE: module-relative addresses to check
cat > sample.py <<'PY'
import re, subprocess, sys
sym, macho, arch = sys.argv[1], sys.argv[2], sys.argv[3]
tools = __import__('os').environ['TOP'] + '/tests/tools'
out = set(int(a, 16) for a in subprocess.run([sys.executable, tools + '/sym-addrs.py', sym],
                                              capture_output=True, text=True, check=True).stdout.split())
hdr = subprocess.run(['llvm-objdump', '--macho', '--arch=' + arch, '--private-headers', macho],
                     capture_output=True, text=True, check=True).stdout
base, text, seg = None, None, None
lines = hdr.splitlines()
for i, l in enumerate(lines):
    t = l.split()
    if t[:1] == ['segname']:
        seg = t[1]
    if t[:1] == ['vmaddr'] and seg == '__TEXT' and base is None:
        base = int(t[1], 16)
    if t[:2] == ['sectname', '__text']:
        addr = int(lines[i + 2].split()[1], 16)
        size = int(lines[i + 3].split()[1], 16)
        text = (addr, size)
nm = subprocess.run(['llvm-nm', '--arch=' + arch, '--defined-only', macho],
                    capture_output=True, text=True, check=True).stdout
for l in nm.splitlines():
    p = l.split()
    if len(p) == 3 and p[1] in 'tT':
        out.add(int(p[0], 16) - base)
stride = max(1, text[1] // 400)
out.update(range(text[0] - base, text[0] - base + text[1], stride))
print('%x' % base)
for a in sorted(out):
    print('%x' % a)
PY
nacc=0
while read -r bin arch dsym; do
	b=$(basename "$bin")-$arch
	run_dumpsyms -c --arch "$arch" "$FX/$bin" > "$b.sym" || fail "dumpsyms failed on $bin ($arch)"
	python3 sample.py "$b.sym" "$FX/$bin" "$arch" > "$b.addrs" || fail "cannot sample $bin"
	base=$(head -n 1 "$b.addrs")
	tail -n +2 "$b.addrs" > "$b.a"
	"$SYMLOOKUP" "$b.sym" $(cat "$b.a") > "$b.ours" || fail "symlookup failed on $b.sym"
	python3 -c 'import sys
base = int(sys.argv[2], 16)
for a in open(sys.argv[1]):
    print("0x%x" % (int(a, 16) + base))' "$b.a" "$base" |
		llvm-symbolizer --obj="$FX/$dsym" --default-arch="$arch" --inlines --demangle --print-address > "$b.llvm" ||
		fail "llvm-symbolizer failed on $dsym"
	python3 "$TOP/tests/tools/symbolizer-check.py" "$b" "$b.ours" "$b.llvm" "$base" 200 ||
		fail "$bin ($arch) disagrees with llvm-symbolizer"
	nacc=$((nacc + 1))
done <<EOF
macho-x86_64-O0 x86_64 macho-x86_64-O0.dSYM/Contents/Resources/DWARF/macho-x86_64-O0
macho-x86_64-O2 x86_64 macho-x86_64-O2.dSYM/Contents/Resources/DWARF/macho-x86_64-O2
macho-x86_64-O2-nofp x86_64 macho-x86_64-O2-nofp.dSYM/Contents/Resources/DWARF/macho-x86_64-O2-nofp
macho-arm64-O0 arm64 macho-arm64-O0.dSYM/Contents/Resources/DWARF/macho-arm64-O0
macho-arm64-O2 arm64 macho-arm64-O2.dSYM/Contents/Resources/DWARF/macho-arm64-O2
libmacho-x86_64-O2.dylib x86_64 libmacho-x86_64-O2.dylib.dSYM/Contents/Resources/DWARF/libmacho-x86_64-O2.dylib
macho-fat arm64 macho-fat.dSYM/Contents/Resources/DWARF/macho-fat
macho-fat4 x86_64h macho-fat4.dSYM/Contents/Resources/DWARF/macho-fat4
EOF
# -d: INLINE records at -O2 (shared.h's static inlines)
run_dumpsyms -d "$FX/macho-arm64-O2" > inl.sym || fail "dumpsyms -d failed"
grep -q '^INLINE_ORIGIN ' inl.sym && grep -q '^INLINE ' inl.sym || fail "no INLINE records at -O2"

# ---- STACK CFI against the compact-unwind oracle -------------------------
ncfi=0
for spec in macho-x86_64-O0:x86_64 macho-x86_64-O2:x86_64 macho-x86_64-O2-nofp:x86_64 \
	macho-arm64-O0:arm64 macho-arm64-O2:arm64 libmacho-x86_64-O2.dylib:x86_64 \
	macho-fat:x86_64 macho-fat:arm64 macho-fat64:arm64 macho-fat4:x86_64h; do
	f=${spec%:*} arch=${spec#*:}
	python3 "$ORACLE" --arch "$arch" "$FX/$f" > "$f.$arch.oracle" || fail "the oracle failed on $f"
	grep -v ' DWARF ' "$f.$arch.oracle" | sort > "$f.$arch.cfiwant"
	run_dumpsyms --arch "$arch" "$FX/$f" > "$f.$arch.full" || fail "dumpsyms --arch $arch $f failed"
	python3 "$ORACLE" --normalize "$f.$arch.full" | sort > "$f.$arch.cfigot"
	compare "$f.$arch.cfiwant" "$f.$arch.cfigot" "STACK CFI of $f ($arch)"
	ncfi=$((ncfi + $(wc -l < "$f.$arch.cfiwant")))
done
# the prologue rows: at each row of a function the CFA rule must be the
# one llvm-objdump's disassembly gives when followed from the entry
# (push, mov %rsp,%rbp and sub on x86_64; stp pre-index, sub sp, mov/add
# x29 on arm64)
cat > prologue.py <<'PY'
import re, subprocess, sys
sym, binary, arch = sys.argv[1], sys.argv[2], sys.argv[3]
base = 0x100000000 if 'dylib' not in binary else 0
dis = subprocess.run(['llvm-objdump', '-d', '--no-show-raw-insn', '--arch=' + arch, binary],
                     capture_output=True, text=True, check=True).stdout
insns = {}
for l in dis.splitlines():
    m = re.match(r'\s*([0-9a-f]+):\s+(\S+)\s*(.*)', l)
    if m:
        insns[int(m.group(1), 16) - base] = (m.group(2), m.group(3).split('##')[0].strip())
addrs = sorted(insns)
nxt = {a: b for a, b in zip(addrs, addrs[1:])}
funcs, cur = [], None
for l in open(sym):
    w = l.split()
    if w[:3] == ['STACK', 'CFI', 'INIT']:
        cur = [(int(w[3], 16), l)]
        funcs.append(cur)
    elif w[:2] == ['STACK', 'CFI'] and cur:
        cur.append((int(w[2], 16), l))
def cfa_of(line):
    m = re.search(r'\.cfa: (\S+) (\d+) \+', line)
    return (m.group(1), int(m.group(2))) if m else None
checked = bad = 0
for f in funcs:
    if len(f) < 2:
        continue
    x86 = arch.startswith('x86')
    state = ('$rsp', 8) if x86 else ('sp', 0)
    a, rows = f[0][0], dict(f)
    checked += 1
    while a is not None and a <= f[-1][0]:
        if a in rows:
            got = cfa_of(rows[a])
            if got is not None and got != state:
                bad += 1
                print('0x%x: ours %s, the code says %s' % (a, got, state))
        op, args = insns[a]
        reg, off = state
        if x86:
            if op == 'pushq' and reg == '$rsp':
                state = (reg, off + 8)
            elif op == 'movq' and args == '%rsp, %rbp':
                state = ('$rbp', off)
            elif op == 'subq' and args.endswith(', %rsp') and reg == '$rsp':
                state = (reg, off + int(args.split(',')[0].lstrip('$'), 0))
        else:
            m = re.match(r'x\d+, x\d+, \[sp, #-(\d+)\]!', args)
            if op == 'stp' and m:
                state = (reg, off + int(m.group(1)))
            elif op == 'sub' and args.startswith('sp, sp, #'):
                state = (reg, off + int(args.split('#')[1].split(',')[0], 0))
            elif op == 'mov' and args == 'x29, sp':
                state = ('x29', off)
            elif op == 'add' and args.startswith('x29, sp, #'):
                state = ('x29', off - int(args.split('#')[1], 0))
        a = nxt.get(a)
print('%d functions with prologue rows checked, %d rows disagree' % (checked, bad))
sys.exit(1 if bad else 0)
PY
nprol=0
for spec in macho-x86_64-O2:x86_64 macho-x86_64-O2-nofp:x86_64 macho-arm64-O0:arm64 macho-arm64-O2:arm64 \
	libmacho-x86_64-O2.dylib:x86_64; do
	f=${spec%:*} arch=${spec#*:}
	python3 prologue.py "$f.$arch.full" "$FX/$f" "$arch" > "$f.prologue" || { cat "$f.prologue"; fail "prologue rows of $f disagree with its code"; }
	nprol=$((nprol + $(awk '{ print $1 }' "$f.prologue")))
done
[ $nprol -ge 40 ] || fail "only $nprol functions with prologue rows"
# every mode the fixtures hold was seen: x86_64 1, 2 and 3; arm64 2 and 4
for want in '\$rbp 16 + .* \$rbx: ' '\$rsp [0-9]* + .ra: .cfa -8 + ^ \$r' '\$rsp 9[0-9][0-9][0-9] +' \
	'x29 16 + .* x19: ' 'sp [0-9]* + .ra: x30'; do
	cat ./*.cfigot | grep -- "$want" > /dev/null || fail "no STACK CFI record matching '$want'"
done
[ $ncfi -ge 60 ] || fail "only $ncfi compact-unwind records compared"

# ---- __eh_frame without a compact unwind table ----------------------------
# With __unwind_info renamed away, every __eh_frame FDE whose pc lies in
# a code section is read.  ld64.lld-14 copies FDEs without relocating them, so their
# pcs are shifted (see the fixtures' build.sh), but they are what
# llvm-dwarfdump reads too: our INIT records must be exactly its FDEs that
# start in a code section, and the records of a file with the table must be the
# table's alone (checked above against the oracle).
python3 - "$FX/macho-x86_64-O0" nounwind <<'PY' || fail "cannot rename __unwind_info"
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'__unwind_info\0', 0, 8192)
assert i > 0
d[i:i + 13] = b'__unwind_infx'
open(sys.argv[2], 'wb').write(d)
PY
run_dumpsyms nounwind > nounwind.sym || fail "dumpsyms failed without __unwind_info"
# a table that cannot be read (an unknown version) counts as none
python3 - "$FX/macho-x86_64-O0" badtable <<'PY' || fail "cannot patch __unwind_info"
import struct, subprocess, sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'__unwind_info\0', 0, 8192)
off = struct.unpack_from('<I', d, i + 32 + 16)[0]	# section_64: addr, size, then offset
struct.pack_into('<I', d, off, 2)
open(sys.argv[2], 'wb').write(d)
PY
run_dumpsyms badtable | sed 1s/badtable/nounwind/ > badtable.sym || fail "dumpsyms failed on a damaged table"
compare nounwind.sym badtable.sym "a damaged __unwind_info against none"
# the code sections (llvm-objdump's type TEXT: __text, __stubs)
llvm-objdump --macho --section-headers nounwind | awk '$5 == "TEXT" { print $3, $4 }' > code.ranges
llvm-dwarfdump --eh-frame nounwind | sed -n 's/.* FDE .*pc=\([0-9a-f]*\)\.\.\.\([0-9a-f]*\).*/\1 \2/p' |
	while read -r lo hi; do
		while read -r size addr; do
			if [ $((16#$lo)) -ge $((16#$addr)) ] && [ $((16#$lo)) -lt $((16#$addr + 16#$size)) ]; then
				printf '%x %x\n' $((16#$lo - 0x100000000)) $((16#$hi - 16#$lo))
			fi
		done < code.ranges
	done | sort > eh.want
awk '$1 == "STACK" && $3 == "INIT" { print $4, $5 }' nounwind.sym | sort > eh.got
compare eh.want eh.got "FDEs read without __unwind_info"
[ "$(wc -l < eh.want)" -ge 10 ] || fail "only $(wc -l < eh.want) FDEs start in code"
grep -q '^STACK CFI [0-9a-f]* .cfa: \$rbp 16 +' nounwind.sym || fail "no rbp-based rows from the FDEs"

# ---- PUBLIC from the symbol table, without DWARF -------------------------
run_dumpsyms alone/macho-x86_64-O2 > nodwarf.sym || fail "dumpsyms on a binary without its dSYM failed"
grep -q '^FUNC ' nodwarf.sym && fail "FUNC records without DWARF"
sed -n 's/^PUBLIC \([0-9a-f]*\) [0-9a-f]* /\1 /p' nodwarf.sym | sort > pub.got
# llvm-nm's code symbols, less the leading underscore, demangled by c++filt
# (binutils; dumpsyms uses libiberty's demangler, so names match exactly)
python3 - alone/macho-x86_64-O2 > pub.want <<'PY' || fail "cannot list the symbols"
import subprocess, sys
nm = subprocess.run(['llvm-nm', '--defined-only', sys.argv[1]], capture_output=True, text=True,
                    check=True).stdout
syms = {}
for l in nm.splitlines():
    p = l.split()
    if len(p) == 3 and p[1] in 'tT' and p[2] != '__mh_execute_header':
        syms.setdefault(int(p[0], 16) - 0x100000000, p[2][1:])
names = list(syms.values())
dem = subprocess.run(['c++filt'], input='\n'.join(names) + '\n', capture_output=True, text=True,
                     check=True).stdout.splitlines()
for (a, _), d in sorted(zip(syms.items(), dem)):
    print('%x %s' % (a, d))
PY
sort -o pub.want pub.want
compare pub.want pub.got "PUBLIC records against llvm-nm"
[ "$(wc -l < pub.want)" -ge 10 ] || fail "only $(wc -l < pub.want) symbols"
grep -q '^STACK CFI INIT ' nodwarf.sym || fail "no STACK CFI without the dSYM"
# the stripped binary alone: no names at all, but still an id and CFI
run_dumpsyms "$FX/macho-x86_64-O2-stripped" > stripped-alone.sym 2> /dev/null ||
	fail "dumpsyms on the stripped binary failed"

echo "$nid slices, $nacc symbolizer comparisons, $ncfi compact-unwind records, $nprol functions with prologue rows"
