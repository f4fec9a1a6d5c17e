# The PE reader (tests/tools/pe-driver until dumpsyms reads PE itself):
# MODULE and INFO lines and STACK CFI of Breakpad's two test images against
# Breakpad's .sym files, and the STACK CFI of clang/lld-link fixtures and a
# synthetic arm64 image of packed .pdata entries against llvm-readobj
# --unwind (tests/tools/pe-unwind-oracle.py replays what llvm-readobj
# prints).  Exports: decorated names, forwarders left out.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
command -v llvm-readobj > /dev/null || skip "llvm-readobj is missing"
command -v lld-link > /dev/null || skip "lld-link is missing"
PE=$BUILD/tests/tools/pe-driver
ORACLE=$TOP/tests/tools/pe-unwind-oracle.py
FX=$TOP/build/fixtures-pe
"$TOP/tests/fixtures/pe/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the PE fixtures: $(tail -n 5 fixtures.err)"
WD=${TESTDATA:?}/breakpad/windows-dump_syms

# Breakpad's images: every INIT address and size, and the CFA after each
# function's prologue, as Breakpad has them.  Known, deliberate differences:
#   pe_only_symbol_test 1940: a 7-byte function whose last prologue
#     instruction (sub rsp, 40) ends at the function's end: inside the
#     function the CFA is rsp+24, which we say; Breakpad gives rsp+64.
#   dump_syms_regtest64 5e68 and 61ec: after SET_FPREG we give the CFA
#     from rbp (rbp = rsp + 16 * FrameOffset: 64 and 48 below the CFA's
#     rsp+128 and rsp+112), Breakpad from rsp.
cat > bp-compare.py <<'PY'
import re, sys
allowed = {int(a, 16): (r, int(k)) for a, r, k in (x.split(':') for x in sys.argv[3].split(','))}
def load(path):
    funcs, cur = {}, None
    for line in open(path):
        if line.startswith('STACK CFI INIT '):
            p = line.split(None, 5)
            cur = int(p[3], 16)
            funcs[cur] = [int(p[4], 16), None]
            rules = p[5]
        elif line.startswith('STACK CFI '):
            rules = line.split(None, 3)[3]
        else:
            continue
        m = re.search(r'\.cfa: (\S+) (-?\d+) \+', rules)
        if m:
            funcs[cur][1] = (m.group(1), int(m.group(2)))
    return funcs
ref, ours = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for a in sorted(set(ref) | set(ours)):
    r, o = ref.get(a), ours.get(a)
    if r and o and r[0] == o[0] and (r[1] == o[1] or allowed.get(a) == o[1]):
        continue
    bad += 1
    print('differs at %x: Breakpad %s, ours %s' % (a, r, o))
print('%d INIT records, %d differ' % (len(ref), bad))
sys.exit(1 if bad or not ref else 0)
PY
check_bp() {	# check_bp IMAGE SYM ALLOWED
	"$PE" "$WD/$1" > "$1.out" 2> "$1.err" || fail "pe-driver $1: $(cat "$1.err")"
	[ -s "$1.err" ] && fail "pe-driver $1 printed: $(cat "$1.err")"
	head -n 2 "$WD/$2" | tr -d '\r' > "$1.head.exp"
	head -n 2 "$1.out" > "$1.head"
	compare "$1.head.exp" "$1.head" "MODULE/INFO of $1"
	python3 bp-compare.py "$WD/$2" "$1.out" "$3" > "$1.cmp" || { cat "$1.cmp" >&2; fail "STACK CFI of $1"; }
	# PE-only: nothing but MODULE, INFO and STACK CFI, as Breakpad
	grep -v -E '^(MODULE|INFO CODE_ID|STACK CFI) ' "$1.out" && fail "$1: records other than STACK CFI"
	return 0
}
check_bp pe_only_symbol_test.dll pe_only_symbol_test.sym 1940:\$rsp:24
check_bp dump_syms_regtest64.exe dump_syms_regtest64.sym 5e68:\$rbp:64,61ec:\$rbp:64

# every function's rows against llvm-readobj's decoding
oracle() {	# oracle FILE [MIN_AGREE]
	local b
	b=$(basename "$1")
	llvm-readobj --file-headers --unwind "$1" > "$b.ro" || fail "llvm-readobj $1"
	"$PE" "$1" > "$b.out" 2> "$b.err" || fail "pe-driver $1: $(cat "$b.err")"
	python3 "$ORACLE" "$b.ro" "$b.out" > "$b.oracle" || { tail -n 40 "$b.oracle" >&2; fail "STACK CFI of $b differs from llvm-readobj"; }
	local n
	n=$(tail -n 1 "$b.oracle" | awk '{ print $1 }')
	[ "$n" -ge "${2:-1}" ] || fail "$b: only $n functions checked"
}
oracle "$WD/pe_only_symbol_test.dll" 100
oracle "$WD/dump_syms_regtest64.exe" 190
for t in x86_64 aarch64; do
	for o in O0 O2; do
		oracle "$FX/unwind-$t-$o.dll" 9
	done
done
oracle "$FX/packed-arm64.dll" 3900
oracle "$FX/seh-x64.dll" 3
oracle "$FX/seh-arm64.dll" 3
grep -q 'STACK CFI INIT [0-9a-f]* [0-9a-f]* .cfa: \$rsp 48 + .ra: .cfa -48 + ^ \$rsp: .cfa -24 + ^$' seh-x64.dll.out ||
	fail "no machine frame INIT"
grep -q 'STACK CFI [0-9a-f]* .cfa: \$rbp' unwind-x86_64-O2.dll.out || fail "no SET_FPREG row"
grep -q 'STACK CFI [0-9a-f]* .cfa: \$rsp 600048 +' unwind-x86_64-O2.dll.out || fail "no ALLOC_LARGE info 1 row"
grep -q 'STACK CFI [0-9a-f]* .cfa: x29 16 +' unwind-aarch64-O2.dll.out || fail "no add_fp row"

# ids: the PDB's GUID and age, the image's timestamp and size
"$PE" "$FX/unwind-i686-O2.dll" > i686.out || fail "pe-driver i686"
guid=$(llvm-pdbutil dump --summary "$FX/unwind-i686-O2.pdb" | sed -n 's/.*GUID: {\(.*\)}.*/\1/p' | tr -d -)
age=$(llvm-pdbutil dump --summary "$FX/unwind-i686-O2.pdb" | sed -n 's/.*Age: \([0-9]*\).*/\1/p')
head -n 1 i686.out | grep -q "^MODULE windows x86 $guid$age unwind-i686-O2.pdb\$" ||
	fail "MODULE line $(head -n 1 i686.out), GUID $guid age $age"
grep -q STACK i686.out && fail "STACK CFI for an x86 image"

# exports: as stored, in the export table, no forwarders
"$PE" -e "$FX/unwind-i686-O2.dll" | grep '^PUBLIC' | awk '{ print $4 }' | sort > exp-i686
printf '%s\n' _exported_std@8 big_frame chained dyn fp_regs leaf many_regs medium_frame var_sum > exp-i686.exp
compare exp-i686.exp exp-i686 "i686 exports"
"$PE" -e "$FX/unwind-fwd.dll" > fwd.out || fail "pe-driver unwind-fwd.dll"
grep -q fwd_sleep fwd.out && fail "the forwarder export became a PUBLIC"
[ "$(grep -c '^PUBLIC' fwd.out)" = 9 ] || fail "unwind-fwd.dll: $(grep -c '^PUBLIC' fwd.out) exports"
exit 0
