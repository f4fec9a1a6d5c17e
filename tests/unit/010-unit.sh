# The C unit tests (tests/unit/unit.c), TAP output.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
"$BUILD/tests/unit/unit" > tap.txt 2>&1
rc=$?
cat tap.txt
grep -q '^1\.\.[1-9]' tap.txt || fail "the unit tests printed no plan"
grep -q '^not ok' tap.txt && fail "some unit tests failed"
[ $rc -eq 0 ] || fail "the unit tests exited $rc"
exit 0
