# tests/lib.sh - sourced by every black-box test.
#
# The runner (tests/run) exports TOP, BUILD, DUMPSYMS, BP (Breakpad's tools),
# FIXTURES (compiled fixtures) and T (a fresh temporary directory for this
# test).  A test exits 0 when it passes, 77 when it cannot run here (and
# says why), anything else when it fails.

set -u
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

need_bp() {
	[ -x "$BP/dump_syms" ] || fail "Breakpad's dump_syms is missing at $BP (scripts/deps --test installs it)"
}
