# Proven end to end: our own fixture (tests/fixtures/crash), built -O2
# without frame pointers, crashes inside an inlined function in a shared
# library; a minidump of that moment (tests/tools/minidump-writer, ptrace)
# is walked by Breakpad's minidump_stackwalk with the .sym files dumpsyms
# wrote.  Every frame must carry its function, file and line: the inlined
# frame from INLINE records, and every caller recovered by STACK CFI, not
# by stack scanning.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
[ "$(uname -m)" = x86_64 ] || skip "the test minidump writer is x86_64-only"
S=$TOP/tests/fixtures/crash
gcc -g -O2 -fomit-frame-pointer -fPIC -shared -Wl,-soname,libcrash.so -o libcrash.so "$S/crashlib.c" ||
	fail "cannot build libcrash.so"
gcc -g -O2 -fomit-frame-pointer -o crash "$S/crash.c" -L. -lcrash -Wl,-rpath,'$ORIGIN' || fail "cannot build crash"
"$BUILD/tests/tools/minidump-writer" crash.dmp ./crash || fail "no minidump was written"
run_dumpsyms -d --store syms crash > /dev/null || fail "dumpsyms crash"
run_dumpsyms -d --store syms libcrash.so > /dev/null || fail "dumpsyms libcrash.so"
"$BP/minidump_stackwalk" crash.dmp syms > walk.txt 2> walk.err || fail "minidump_stackwalk failed"
sed -n '/^Thread 0 (crashed)/,/^$/p' walk.txt > thread.txt
cat thread.txt

# the processor found our files by the ids it derived from the dump
for m in crash libcrash.so; do
	id=$(awk 'NR == 1 { print $4 }' syms/$m/*/$m.sym)
	"$BP/minidump_stackwalk" -m crash.dmp syms > modules.txt 2> /dev/null || fail "minidump_stackwalk -m failed"
	grep -q "^Module|$m|.*|$m|$id|" modules.txt ||
		fail "the dump's module $m does not carry our debug id $id"
done

frame() {	# frame N REGEX: the frame line must match
	grep -E "^ *$1  " thread.txt | head -n1 | grep -qE "$2" || fail "frame $1 is '$(grep -E "^ *$1  " thread.txt | head -n1)', want /$2/"
}
frame 0 'libcrash\.so!store_value \[crashlib\.c : 9 '
frame 1 'libcrash\.so!lib_fault \[crashlib\.c : 15 '
frame 2 'libcrash\.so!lib_recurse \[crashlib\.c : 2[0-9] '
grep -q 'crash!helper \[crash\.c : 9 ' thread.txt || fail "no frame for helper() in the executable"
grep -q 'crash!main \[crash\.c : 1[0-9] ' thread.txt || fail "no frame for main()"
# how each frame was found: the inline one from INLINE records, the
# callers from CFI, and nothing up to main by scanning
awk '/^ *[0-9]+  / { f = $0 } /Found by:/ { print f " => " $0 } /crash!main/ { exit }' thread.txt > found.txt
grep -q 'store_value.*=> *Found by: inline record' found.txt || fail "the inlined frame was not found by its INLINE record"
n_cfi=$(grep -c 'Found by: call frame info' found.txt)
[ "$n_cfi" -ge 4 ] || fail "only $n_cfi frames were recovered by CFI"
grep -q 'stack scanning' found.txt && fail "frames were recovered by stack scanning: $(grep scanning found.txt)"
exit 0
