# The C unit tests (tests/unit/unit.c, and blob.c for the store's blob
# backend), TAP output.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
for t in unit blob; do
	"$BUILD/tests/unit/$t" > tap.txt 2>&1
	rc=$?
	cat tap.txt
	grep -q '^1\.\.[1-9]' tap.txt || fail "$t: the unit tests printed no plan"
	grep -q '^not ok' tap.txt && fail "$t: some unit tests failed"
	[ $rc -eq 0 ] || fail "$t: the unit tests exited $rc"
done
exit 0
