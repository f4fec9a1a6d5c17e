# tests/lib.sh - sourced by every black-box test.
#
# The runner (tests/run) exports TOP, BUILD, DUMPSYMS, BP (Breakpad's tools),
# FIXTURES (compiled fixtures) and T (a fresh temporary directory for this
# test).  A test exits 0 when it passes, 77 when it cannot run here (and
# says why), anything else when it fails.

# pipefail: a pipeline fails when any command of it fails, so a producer
# that dies is not hidden by the grep or awk after it.  Not -e: tests run
# commands that must fail and then look at $? and their messages
# ("cmd; [ $? -eq 2 ]", hostile_run's "rc=$?"), which -e would end early,
# and -e is not applied in functions called from "||" anyway; every check
# says "|| fail" instead.  With pipefail, a pipeline whose status is
# tested must not end in a reader that stops early (grep -q, head) after a
# producer that may still write: the producer then dies of SIGPIPE and the
# check fails (or a "&& fail" passes) at random.  Write "grep P > /dev/null"
# or go through a file.
set -uo pipefail
: "${TOP:?run tests through tests/run}"
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# compare EXPECTED ACTUAL [LABEL]: diff -u, failing with the diff.
compare() {
	if ! diff -u "$1" "$2" > "$T/diff.out"; then
		head -n 60 "$T/diff.out" >&2
		fail "${3:-output} differs from expected ($1 vs $2)"
	fi
}

# Runs dumpsyms under valgrind when TEST_VALGRIND=1.
run_dumpsyms() {
	if [ "${TEST_VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=no "$DUMPSYMS" "$@"
	else
		"$DUMPSYMS" "$@"
	fi
}

# corrupt ARGS...: tests/tools/corrupt (a damage tool), failing the test
# when it fails: a damaged file that was never written checks nothing.
corrupt() {
	"$BUILD/tests/tools/corrupt" "$@" || fail "tests/tools/corrupt $* failed"
}

need_bp() {
	[ -x "$BP/dump_syms" ] || fail "Breakpad's dump_syms is missing at $BP (scripts/deps --test installs it)"
}

# hostile_run OS NAMED SECONDS ARGS...: dumpsyms ARGS --output out.sym on a
# damaged input; prints its exit status (0 or 1).  Fails the test when
# dumpsyms crashes, hangs past SECONDS, prints a sanitizer report, leaves
# its temporary file, fails without a "dumpsyms: " message (that names
# NAMED, when NAMED is not empty) or with out.sym written, or succeeds
# without a "MODULE OS" first line.
hostile_run() {
	local os=$1 named=$2 secs=$3 rc
	shift 3
	rm -f out.sym .out.sym.*
	timeout "$secs" "$DUMPSYMS" "$@" --output out.sym > /dev/null 2> err.txt
	rc=$?
	if [ $rc -gt 1 ]; then
		head -n 20 err.txt >&2
		fail "dumpsyms $* ended with status $rc"
	fi
	if grep -q -E 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' err.txt; then
		cat err.txt >&2
		fail "sanitizer report on dumpsyms $*"
	fi
	ls .out.sym.* > /dev/null 2>&1 && fail "dumpsyms $* left a temporary file"
	if [ $rc -eq 1 ]; then
		[ -e out.sym ] && fail "dumpsyms $* failed but wrote out.sym"
		grep -q 'dumpsyms: ' err.txt || fail "dumpsyms $* failed without a message"
		[ -z "$named" ] || grep -q -F "$named" err.txt ||
			fail "the message for $* does not name $named: $(cat err.txt)"
	else
		[ -s out.sym ] && head -n 1 out.sym | grep -q "^MODULE $os " ||
			fail "dumpsyms $* succeeded without a MODULE $os line"
	fi
	echo $rc
}

# small_prog: writes prog.c (main, work, a static helper) and compiles it
# with -g -O1 into ./prog.
small_prog() {
	cat > prog.c <<'SRC'
#include <stdio.h>
static int helper(int x) { return x * 3; }
int work(int n) { int s = 0; for (int i = 0; i < n; i++) s += helper(i); return s; }
int main(int argc, char **argv) { printf("%d\n", work(argc)); return 0; }
SRC
	gcc -g -O1 -o prog prog.c || fail "cannot compile the test program"
}

# hello_prog: writes hello.c (main, sum_squares, a static square) and
# compiles it with -g -O1 and a GNU build id into ./hello.
hello_prog() {
	cat > hello.c <<'C'
#include <stdio.h>
static int square(int x) { return x * x; }
int sum_squares(int n) { int s = 0; for (int i = 0; i < n; i++) s += square(i); return s; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", sum_squares(argc + 3)); return 0; }
C
	gcc -g -O1 -Wl,--build-id -o hello hello.c || fail "cannot compile"
}

# strict_fails NAME ARGS...: dumpsyms --strict ARGS --output NAME-strict.sym
# must exit 1, say "--strict: nothing written" and leave no output file.
strict_fails() {
	local name=$1 rc
	shift
	rm -f "$name-strict.sym"
	"$DUMPSYMS" --strict --output "$name-strict.sym" "$@" 2> "$name-strict.err"
	rc=$?
	[ $rc = 1 ] || fail "$name: --strict exit $rc, expected 1: $(cat "$name-strict.err")"
	[ -e "$name-strict.sym" ] && fail "$name: --strict wrote its output file"
	grep -q -- "--strict: nothing written" "$name-strict.err" ||
		fail "$name: --strict gave no reason: $(cat "$name-strict.err")"
}

# mdi BIN OUT: OUT is BIN with MiniDebugInfo, made as Fedora's
# find-debuginfo (add_minidebug) makes it: the function symbols of the
# debug file that .dynsym lacks, in a copy of the debug file without the
# debug sections (objcopy -S --keep-symbols), xz-compressed into section
# .gnu_debugdata of the binary stripped of everything.
mdi() {
	local bin=$1 out=$2 rm
	objcopy --only-keep-debug "$bin" "$out.debug" || fail "objcopy --only-keep-debug $bin"
	cp "$bin" "$out" && strip --strip-all "$out" || fail "strip --strip-all $bin"
	nm -D "$out" --format=posix --defined-only | awk '{ print $1 }' | sort > "$out.dynsyms"
	nm "$out.debug" --format=sysv --defined-only | awk -F '|' '{ if ($4 ~ "FUNC") print $1 }' |
		sed 's/ *$//' | sort > "$out.funcsyms"
	comm -13 "$out.dynsyms" "$out.funcsyms" > "$out.keep"
	rm=$(readelf -W -S "$out.debug" 2> /dev/null | awk '{ if (index($2, ".debug_") != 1 &&
		($3 == "PROGBITS" || $3 == "NOTE" || $3 == "NOBITS") && index($8, "A") == 0)
		printf "--remove-section " $2 " " }')
	objcopy -S $rm --keep-symbols="$out.keep" "$out.debug" "$out.mini" || fail "objcopy -S $out.debug"
	xz --threads=0 -f "$out.mini" || fail "xz $out.mini"
	objcopy --add-section .gnu_debugdata="$out.mini.xz" "$out" || fail "objcopy --add-section $out"
}
