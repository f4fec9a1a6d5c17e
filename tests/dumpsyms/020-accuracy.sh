# Accuracy against an independent symbolizer.  For every x86 fixture, code
# addresses are sampled from our .sym (every FUNC start, and the first,
# middle and last byte of every line record), from the binary's own symbol
# table (first, middle and last byte of every sized function symbol) and by
# a stride through every executable section, at least 400 per fixture.
# Each is looked up in our .sym the way a processor does
# (tests/tools/symlookup) and by llvm-symbolizer in the binary's DWARF:
#
#  - where llvm-symbolizer knows a source location, ours must give the
#    same innermost file:line, exactly, and the name of the same outermost
#    (non-inlined) function, compared without parameter lists and
#    template arguments, since demanglers spell those differently;
#  - where it knows none, ours must not claim a line either.
#
# llvm-symbolizer is the reference rather than addr2line because its
# function names come, like Breakpad's, from DW_AT_linkage_name demangled
# with parameters, and because binutils 2.40's addr2line misreads some of
# clang's DWARF 5 file tables.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v llvm-symbolizer > /dev/null || fail "llvm-symbolizer is required (Debian package llvm)"
command -v python3 > /dev/null || fail "python3 is required (Debian package python3)"
[ -x "$SYMLOOKUP" ] || fail "symlookup is missing at $SYMLOOKUP (built with the project)"

cat > sample.py <<'PY'
# sample.py SYM ELF: module-relative hex addresses to check, one a line
import re, subprocess, sys
sym, elf = sys.argv[1], sys.argv[2]
tools = __import__('os').environ['TOP'] + '/tests/tools'
out = set(int(a, 16) for a in subprocess.run([sys.executable, tools + '/sym-addrs.py', sym],
                                              capture_output=True, text=True, check=True).stdout.split())
ph = subprocess.run(['readelf', '-lW', elf], capture_output=True, text=True, check=True).stdout
load = min(int(l.split()[2], 16) for l in ph.splitlines() if l.split()[:1] == ['LOAD'])
sh = subprocess.run(['readelf', '-SW', elf], capture_output=True, text=True, check=True).stdout
execs = []
for l in sh.splitlines():
    m = re.match(r'\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*X\S*)\s', l)
    if m and int(m.group(3), 16):
        execs.append((int(m.group(2), 16) - load, int(m.group(3), 16)))
for l in subprocess.run(['readelf', '-sW', elf], capture_output=True, text=True, check=True).stdout.splitlines():
    p = l.split()
    if len(p) >= 8 and p[3] == 'FUNC' and p[6] != 'UND' and int(p[2], 0):
        a, s = int(p[1], 16) - load, int(p[2], 0)
        out.update((a, a + s // 2, a + s - 1))
total = sum(s for _, s in execs)
stride = max(1, total // 400)
for a, s in execs:
    out.update(range(a, a + s, stride))
for a in sorted(out):
    print('%x' % a)
PY

n=0 failed=0
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	case "$(readelf -h "$f" 2> /dev/null | awk -F: '/Machine/ { print $2 }')" in
	*X86-64* | *80386*) ;;
	*) continue ;;
	esac
	b=$(basename "$f")
	run_dumpsyms -c "$f" > "$b.sym" || fail "dumpsyms failed on $b"
	load=$(readelf -lW "$f" | awk '$1 == "LOAD" { print $3 }' | sort | head -n 1)
	python3 sample.py "$b.sym" "$f" > "$b.addrs" || fail "$b: cannot sample addresses"
	"$SYMLOOKUP" "$b.sym" $(cat "$b.addrs") > "$b.ours" || fail "symlookup failed on $b.sym"
	[ "$(wc -l < "$b.ours")" -eq "$(wc -l < "$b.addrs")" ] || fail "$b: symlookup answered $(wc -l < "$b.ours") of $(wc -l < "$b.addrs") addresses"
	python3 -c 'import sys
load = int(sys.argv[2], 16)
for a in open(sys.argv[1]):
    print("0x%x" % (int(a, 16) + load))' "$b.addrs" "$load" |
		llvm-symbolizer --obj="$f" --inlines --demangle --print-address > "$b.llvm" ||
		fail "llvm-symbolizer failed on $b"
	python3 "$TOP/tests/tools/symbolizer-check.py" "$b" "$b.ours" "$b.llvm" "$load" || failed=$((failed + 1))
	n=$((n + 1))
done
[ $n -ge 20 ] || fail "only $n fixtures checked"
[ $failed -eq 0 ] || fail "$failed of $n fixtures disagree with llvm-symbolizer (addresses above)"
echo "$n fixtures agree with llvm-symbolizer"
