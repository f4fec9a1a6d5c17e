# Breakpad's own Mac test data: an i386 dSYM (old gcc 4.0 DWARF 2, no
# symbol table) and the .sym Breakpad's Mac dump_syms wrote for it.
#   - the MODULE line must be identical;
#   - every Breakpad FUNC must be one of ours, same address and size;
#   - over the bytes of those functions, our line records must give the
#     same line and file as Breakpad's for at least 95% of the addresses,
#     and wherever they disagree, ours must agree with llvm-symbolizer
#     (Breakpad's file has known bugs: lines of a function it dropped are
#     glued onto the one before, and some inlined-header lines name the
#     wrong header).
# The reference has about half our functions: that old Breakpad dropped
# whole compile units (file_id.cc and others); llvm-symbolizer confirms a
# sample of the functions only we have.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
dir=${TESTDATA:?}/breakpad/mac-dump_syms
[ -f "$dir/dump_syms_dwarf_data" ] || fail "Breakpad's Mac test data is missing at $dir"
run_dumpsyms "$dir/dump_syms_dwarf_data" > ours.sym || fail "dumpsyms failed on the i386 dSYM"
[ "$(head -n 1 ours.sym)" = "$(head -n 1 "$dir/dump_syms_i386_breakpad.sym")" ] ||
	fail "MODULE line '$(head -n 1 ours.sym)', Breakpad's '$(head -n 1 "$dir/dump_syms_i386_breakpad.sym")'"
grep -q '^INFO CODE_ID 94BF873C47A73BC07125291390B4C5F1$' ours.sym || fail "no INFO CODE_ID with the UUID"

python3 - "$dir/dump_syms_i386_breakpad.sym" ours.sym > check.txt <<'PY' || fail "comparison failed: $(tail -n 5 check.txt)"
import os, random, sys

def load(path):
    files, funcs, lines = {}, {}, {}
    cur = None
    for l in open(path):
        t = l.split()
        if t[0] == 'FILE':
            files[t[1]] = l.split(None, 2)[2].strip()
        elif t[0] == 'FUNC':
            if t[1] == 'm':
                t = t[1:]
            cur = int(t[1], 16)
            funcs[cur] = (int(t[2], 16), ' '.join(t[4:]))
        elif t[0] in ('PUBLIC', 'STACK', 'MODULE', 'INFO', 'INLINE', 'INLINE_ORIGIN'):
            pass
        else:
            lines.setdefault(cur, []).append((int(t[0], 16), int(t[1], 16), int(t[2]), files[t[3]]))
    return funcs, lines

bf, bl = load(sys.argv[1])
of, ol = load(sys.argv[2])
missing = [hex(a) for a in bf if a not in of or of[a][0] != bf[a][0]]
if missing:
    print('Breakpad FUNCs we lack or size differently:', missing[:10])
    sys.exit(1)
total = agree = 0
disagree = []
for a, (size, _) in bf.items():
    ours = {}
    for x in ol.get(a, []):
        for i in range(x[0], x[0] + x[1]):
            ours[i] = (x[2], os.path.basename(x[3]))
    for x in bl.get(a, []):
        for i in range(x[0], min(x[0] + x[1], a + size)):
            if i < a:
                continue
            total += 1
            want = (x[2], os.path.basename(x[3]))
            if ours.get(i) == want:
                agree += 1
            else:
                disagree.append((i, ours.get(i)))
print('addresses', total, 'agree', agree)
if total < 50000 or agree < 0.95 * total:
    sys.exit(1)
random.seed(7)
sample = random.sample(disagree, min(40, len(disagree)))
extra = random.sample(sorted(a for a in of if a not in bf), 40)
with open('addrs.txt', 'w') as f:
    for i, ours in sample:
        f.write('%x %s\n' % (i, '' if ours is None else '%d %s' % ours))
    for a in extra:
        f.write('%x F %s\n' % (a, of[a][1]))
PY
base=0x1000	# the dSYM's __TEXT vmaddr
n=0
while read -r addr line file; do
	out=$(llvm-symbolizer --obj="$dir/dump_syms_dwarf_data" --inlining=false --functions=linkage \
		$((base + 16#$addr)) | sed -n 2p)
	if [ "$line" = F ]; then
		# a function only we have: llvm-symbolizer must know it there
		[ -n "$(llvm-symbolizer --obj="$dir/dump_syms_dwarf_data" $((base + 16#$addr)) | sed -n 1p | grep -v '??')" ] ||
			fail "llvm-symbolizer knows no function at 0x$addr, where we wrote FUNC $file"
	else
		want="$(basename "${out%%:*}") $(echo "$out" | cut -d: -f2)"
		[ "$file $line" = "$want" ] ||
			fail "at 0x$addr we say '$file:$line', llvm-symbolizer '$out'"
	fi
	n=$((n + 1))
done < addrs.txt
[ "$n" -ge 40 ] || fail "only $n addresses checked with llvm-symbolizer"
cat check.txt
echo "checked $n addresses with llvm-symbolizer"
