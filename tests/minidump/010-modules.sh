# The minidump reader (common/minidump.c) against Breakpad's minidump_dump:
# for every minidump of Breakpad's processor test data and for a dump of
# our own crashed fixture, the module list (code file, code id, debug file,
# debug id, in order) equals what minidump_dump prints.  Then hostile
# dumps: truncations and seeded damage give a clean error or a result,
# never a crash.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
MDINFO=$BUILD/tests/tools/mdinfo
TD=$TESTDATA/breakpad/processor
[ -d "$TD" ] || fail "the shared Breakpad test data is missing at $TD"

extract() {	# minidump_dump output -> code_file|code_id|debug_file|debug_id
	awk -F' = ' '
		/^MDRawModule$/ { inmod = 1; next }
		/^MDRaw/ && !/^MDRawModule/ { inmod = 0 }
		!inmod { next }
		/^  \(code_file\)/ { cf = $2 } /^  \(code_identifier\)/ { ci = $2 }
		/^  \(debug_file\)/ { df = $2 }
		/^  \(debug_identifier\)/ { di = $2; gsub(/^"|"$/, "", cf); gsub(/^"|"$/, "", ci);
			gsub(/^"|"$/, "", df); gsub(/^"|"$/, "", di); print cf "|" ci "|" df "|" di }'
}

# our own crash dump joins the test data
S=$TOP/tests/fixtures/crash
gcc -g -O2 -fPIC -shared -Wl,-soname,libcrash.so -o libcrash.so "$S/crashlib.c" &&
gcc -g -O2 -o crash "$S/crash.c" -L. -lcrash -Wl,-rpath,'$ORIGIN' &&
"$BUILD/tests/tools/minidump-writer" own.dmp ./crash || fail "cannot make our own dump"

n=0
for d in "$TD"/*.dmp own.dmp; do
	[ "$(head -c 4 "$d")" = MDMP ] || continue
	b=$(basename "$d")
	"$BP/minidump_dump" "$d" 2>/dev/null | extract > "$b.want"
	"$MDINFO" "$d" > "$b.got" 2> "$b.err" || fail "$b: the reader refused a real dump: $(cat "$b.err")"
	grep -v '^unloaded ' "$b.got" | sed 1d > "$b.loaded"
	compare "$b.want" "$b.loaded" "$b module list"
	n=$((n + 1))
done
[ $n -ge 40 ] || fail "only $n dumps compared"
grep -q "^linux amd64$" own.dmp.got || fail "our dump's system info: $(head -n1 own.dmp.got)"
bid=$(readelf -n libcrash.so | awk '/Build ID/ { print $3 }')
grep -q "/libcrash.so|$bid|.*/libcrash.so|[0-9A-F]\{32\}0\$" own.dmp.got ||
	fail "libcrash.so with code id $bid missing from our dump's modules: $(grep libcrash own.dmp.got)"
# the debug id a processor derives from the dump is the one dumpsyms writes
mid=$("$DUMPSYMS" -i libcrash.so | awk '/^MODULE/ { print $4 }')
grep -q "/libcrash.so|$bid|.*/libcrash.so|$mid\$" own.dmp.got ||
	fail "the dump's debug id for libcrash.so is not dumpsyms' $mid"

# hostile dumps
CORRUPT=$BUILD/tests/tools/corrupt
size=$(stat -c %s "$TD/minidump2.dmp")
for cut in 0 3 16 31 32 40 100 1000 $((size / 2)) $((size - 1)); do
	"$CORRUPT" "$TD/minidump2.dmp" t.dmp truncate $cut
	timeout 20 "$MDINFO" t.dmp > /dev/null 2> err.txt
	rc=$?
	[ $rc -le 1 ] || fail "truncation at $cut: exit $rc"
	[ $rc -eq 0 ] || [ -s err.txt ] || fail "truncation at $cut: no message"
done
# stream directory past the end, absurd counts, CodeView sizes
dir=$(od -An -t u4 -j 12 -N 4 "$TD/minidump2.dmp" | tr -d ' ')
"$CORRUPT" "$TD/minidump2.dmp" t1.dmp set 12 ffffff7f
"$CORRUPT" "$TD/minidump2.dmp" t2.dmp set 8 ffff0000
"$CORRUPT" "$TD/minidump2.dmp" t3.dmp set $((dir + 4)) ffffff7f
for t in t1 t2 t3; do
	"$MDINFO" $t.dmp > /dev/null 2> err.txt && fail "$t: a hostile dump was accepted"
	grep -q '^mdinfo: ' err.txt || fail "$t: no message"
done
for seed in $(seq 1 400); do
	"$CORRUPT" "$TD/minidump2.dmp" f.dmp flip $seed 10
	timeout 20 "$MDINFO" f.dmp > /dev/null 2>&1
	[ $? -le 1 ] || fail "seed $seed: crash"
done
exit 0
