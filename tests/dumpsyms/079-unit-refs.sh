# Units forgotten at their end: the output does not depend on it, and
# memory stays within a cap that the whole file would exceed.
#
# When no abbreviation of a file refers across units (no DW_FORM_ref_addr:
# not gcc -flto, not dwz), dumpsyms names each unit's inline origins at the
# unit's end and forgets its declarations, abstract instances and unused
# naming inputs (dwarf.c, local_refs).  SYM_TEST_FILE_REFS=1 keeps them
# all to the end of the file instead, as for references across units: the
# two must give byte-identical .sym files and warnings, on every ELF
# fixture, on C++ programs of many units built by gcc (DWARF 5 and 4) and
# clang, and on generated inputs (tests/tools/gen-dwarf.py).
# SYM_TEST_UNIT_STATS says which way a file was read, so that the test
# knows both ways were taken.
#
# The cap: a generated debug file of 1000 units (100 MB of .debug_info,
# 20 million declarations) converted in a memory cgroup limited to 64 MB,
# plain and zlib-compressed (-j 2 and -j 1); and, so that the cap binds,
# the same conversion keeping the whole file's declarations is killed under
# it.  Not under the sanitizers (their shadow memory is not ours), and it
# needs a memory cgroup it may create (cgroup v1 or v2, as root): without
# one, the test ends as skipped after the checks of output.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

gen() { python3 "$TOP/tests/tools/gen-dwarf.py" "$@" || fail "gen-dwarf.py $* failed"; }
is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; }
has_info() { readelf -SW "$1" 2> /dev/null | grep ' \.z\{0,1\}debug_info ' > /dev/null; }

# both LABEL FILE: the same output and warnings read either way; prints
# the way SYM_TEST_UNIT_STATS reported ("unit-local N" or "across")
both() {
	local label=$1 f=$2 line
	SYM_TEST_UNIT_STATS=1 timeout 300 "$DUMPSYMS" -d -m "$f" > unit.sym 2> unit.err ||
		{ cat unit.err >&2; fail "$label: dumpsyms failed"; }
	SYM_TEST_FILE_REFS=1 SYM_TEST_UNIT_STATS=1 timeout 300 "$DUMPSYMS" -d -m "$f" > file.sym 2> file.err ||
		{ cat file.err >&2; fail "$label: dumpsyms failed (SYM_TEST_FILE_REFS)"; }
	[ -s unit.sym ] || fail "$label: no output"
	cmp -s unit.sym file.sym || {
		diff unit.sym file.sym | head -n 20 >&2
		fail "$label: forgetting units changes the output"
	}
	line=$(grep -c 'dumpsyms: stats: ' file.err) && [ "$line" -ge 1 ] || fail "$label: no stats line"
	grep -v 'dumpsyms: stats: ' unit.err > unit.w
	grep -v 'dumpsyms: stats: ' file.err > file.w
	cmp -s unit.w file.w || { diff unit.w file.w >&2; fail "$label: forgetting units changes the warnings"; }
	grep -q 'references across units; 0 units forgotten' file.err ||
		fail "$label: SYM_TEST_FILE_REFS still forgot units: $(grep stats: file.err)"
	line=$(grep 'dumpsyms: stats: ' unit.err | tail -n 1)
	if [[ $line =~ references\ unit-local\;\ ([0-9]+)\ units\ forgotten ]]; then
		echo "unit-local ${BASH_REMATCH[1]}"
	elif [[ $line =~ references\ across\ units\;\ 0\ units ]]; then
		echo across
	else
		fail "$label: unexpected stats line: $line"
	fi
}

# every ELF fixture
nlocal=0 nacross=0
for f in "$FIXTURES"/* "$FIXTURES"/names/*; do
	[ -f "$f" ] && is_elf "$f" && has_info "$f" || continue
	case $f in *.dwo | *.o) continue ;; esac
	way=$(both "${f#"$FIXTURES"/}" "$f") || exit 1
	# the -flto fixtures (gcc and clang) refer across units, no other
	case $way,$f in
	unit-local*,*-lto) fail "${f#"$FIXTURES"/}: -flto, read unit by unit" ;;
	across,*-lto) nacross=$((nacross + 1)) ;;
	across,*) fail "${f#"$FIXTURES"/}: read as referring across units" ;;
	*) nlocal=$((nlocal + 1)) ;;
	esac
done
echo "fixtures: $nlocal read unit by unit, $nacross with references across units; the same output"
[ $nlocal -ge 70 ] || fail "only $nlocal fixtures were read unit by unit"
[ $nacross = 4 ] || fail "$nacross -flto fixtures, not 4"

# C++ programs of many units: members declared in a class template and
# defined out of line, static inline helpers inlined at -O2
python3 "$TOP/tests/fixtures/macho/gen-big.py" src 8 30 || fail "gen-big.py failed"
flags="-g -O2 -ffreestanding -fno-stack-protector -fno-exceptions -fno-rtti -nostdinc++"
build() {	# build OUT COMPILER FLAGS...: links the program with ld.lld
	local out=$1 cc=$2 u
	shift 2
	mkdir -p "o-$out"
	for u in src/*.cc; do
		"$cc" $flags "$@" -c "$u" -o "o-$out/$(basename "$u" .cc).o" &
	done
	wait
	ld.lld -e main -o "$out" "o-$out"/*.o || fail "cannot link $out"
}
build gcc5 g++
build gcc4 g++ -gdwarf-4
build clang5 clang++
for p in gcc5 gcc4 clang5; do
	way=$(both "$p" "$p") || exit 1
	[ "$way" = "unit-local 9" ] || fail "$p: read $way, not unit-local 9 (8 units and main)"
	grep -q '^INLINE_ORIGIN [0-9]* big::Acc<' unit.sym || fail "$p: no inline origin named in its unit"
	grep -q '^INLINE ' unit.sym || fail "$p: no INLINE records"
done
mkdir -p o-lto
for u in src/*.cc; do g++ $flags -flto -c "$u" -o "o-lto/$(basename "$u" .cc).o" & done
wait
g++ -g -O2 -flto -nostdlib -e main -o lto o-lto/*.o || fail "cannot link lto"
way=$(both lto lto) || exit 1
[ "$way" = across ] || fail "gcc -flto: read $way, not across units"

# generated: several units of declarations, as built and compressed
gen small 40 300 10
way=$(both small small) || exit 1
[ "$way" = "unit-local 40" ] || fail "generated: read $way, not unit-local 40"
[ "$(grep -c '^FUNC ' unit.sym)" = 400 ] || fail "generated: $(grep -c '^FUNC ' unit.sym) FUNC records, not 400"
gen --zlib small.z 40 300 10
way=$(both small.z small.z) || exit 1
[ "$way" = "unit-local 40" ] || fail "generated, zlib: read $way"
echo "programs and generated files: the same output either way"

# the compressed bytes are given back as they are decompressed: madvise
# (MADV_DONTNEED) covers all of the compressed .debug_info in the file's
# mapping but its last MB, with -j 1 and -j 2
gen --zlib mid.z 200 20000 20
read -r ioff isize <<< "$(readelf -SW mid.z | sed 's/^ *\[ *[0-9]*\] *//' | awk '$1 == ".debug_info" { print $4, $5 }')"
ioff=$((16#${ioff:-x})) isize=$((16#${isize:-0}))
[ -n "$isize" ] && [ "$isize" -gt $((4 << 20)) ] || fail "mid.z: a compressed .debug_info of ${isize:-no} bytes"
for j in 1 2; do
	# a file per thread (-ff): no call is split by another thread's;
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -ff -qq -e trace=mmap,madvise -o trace.$j "$DUMPSYMS" -j $j -d mid.z > mid.$j.sym ||
		fail "strace dumpsyms -j $j mid.z failed"
	covered=$(python3 - "$(stat -c %s mid.z)" "$ioff" "$isize" trace.$j.* << 'PY'
import re, sys
lines = [l for t in sys.argv[4:] for l in open(t).read().splitlines()]
fsize, off, size = (int(x) for x in sys.argv[1:4])
base = [int(m.group(1), 16) for l in lines
        for m in [re.search(r'mmap\(NULL, %d, PROT_READ, MAP_PRIVATE, \d+, 0\) = (0x[0-9a-f]+)' % fsize, l)] if m]
if len(base) != 1:
    sys.exit('the file was mapped %d times' % len(base))
lo, hi, got = base[0] + off, base[0] + off + size, set()
for l in lines:
    m = re.search(r'madvise\((0x[0-9a-f]+), (\d+), MADV_DONTNEED\) = 0', l)
    if m:
        a, n = int(m.group(1), 16), int(m.group(2))
        got.update(p for p in range(max(a, lo) >> 12, (min(a + n, hi) + 4095) >> 12))
print(len(got) * 4096)
PY
) || fail "-j $j: cannot read the trace"
	[ "$covered" -ge $((isize - (1 << 20) - 8192)) ] ||
		fail "-j $j: $covered of the $isize compressed bytes given back"
done
cmp -s mid.1.sym mid.2.sym || fail "mid.z: -j 1 and -j 2 differ"
echo "compressed .debug_info given back: $covered of $isize bytes"

# ---- the cap ---------------------------------------------------------
if ldd "$DUMPSYMS" 2> /dev/null | grep 'libasan\|libtsan' > /dev/null ||
	nm "$DUMPSYMS" 2> /dev/null | grep '__asan_init\|__tsan_init' > /dev/null; then
	echo "the memory cap is not checked under the sanitizers"
	exit 0
fi
cg=
v1=/sys/fs/cgroup/memory
if [ -d "$v1" ] && [ -w "$v1" ] && mkdir "$v1/symtest-$$" 2> /dev/null; then
	cg=$v1/symtest-$$ limit=memory.limit_in_bytes peak=memory.max_usage_in_bytes
elif [ -w /sys/fs/cgroup/cgroup.subtree_control ] && mkdir /sys/fs/cgroup/symtest-$$ 2> /dev/null; then
	cg=/sys/fs/cgroup/symtest-$$ limit=memory.max peak=memory.peak
	[ -f "$cg/$limit" ] || { rmdir "$cg"; cg=; }
fi
[ -n "$cg" ] || skip "no memory cgroup can be made here: the cap is not checked"
trap 'rmdir "$cg" 2> /dev/null' EXIT
cap=$((64 << 20))
echo $cap > "$cg/$limit" || fail "cannot set $cg/$limit"
[ -f "$cg/memory.swappiness" ] && echo 0 > "$cg/memory.swappiness"
capped() {	# capped ARGS...: dumpsyms ARGS in the cgroup; its exit status
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		timeout 600 "$DUMPSYMS" "$@"
}

gen big 1000 20000 20
gen --zlib big.z 1000 20000 20
capped -d big > big.sym 2> big.err
rc=$?
[ $rc = 0 ] || { cat big.err >&2; fail "1000 units did not convert in 64 MB (exit $rc)"; }
[ "$(grep -c '^FUNC ' big.sym)" = 20000 ] || fail "$(grep -c '^FUNC ' big.sym) FUNC records, not 20000"
[ "$(grep -c '^INLINE ' big.sym)" = 0 ] && fail "no INLINE records"
grep -q '^FUNC 4e1f0 10 0 ns000999::Widget::method19000$' big.sym || fail "the last unit's last function is missing"
capped -j 2 -d big.z > bigz.sym 2> bigz.err
rc=$?
[ $rc = 0 ] || { cat bigz.err >&2; fail "compressed: did not convert in 64 MB with -j 2 (exit $rc)"; }
sed 1d big.sym > a; sed 1d bigz.sym > b
cmp -s a b || fail "the compressed file converts otherwise"
# with -j 1 too: the reader decompresses .debug_info as far as it reads
capped -j 1 -d big.z > bigz1.sym 2> bigz1.err
rc=$?
[ $rc = 0 ] || { cat bigz1.err >&2; fail "compressed: did not convert in 64 MB with -j 1 (exit $rc)"; }
cmp -s bigz.sym bigz1.sym || fail "compressed: -j 1 and -j 2 differ"
echo "peak in the cgroup: $(( $(cat "$cg/$peak") >> 20 )) MB of a cap of 64 MB"
# the cap binds: keeping every unit's declarations does not fit
SYM_TEST_FILE_REFS=1 capped -d big > /dev/null 2> keep.err &&
	fail "keeping the whole file's declarations fits in 64 MB: the cap checks nothing"
echo ok
