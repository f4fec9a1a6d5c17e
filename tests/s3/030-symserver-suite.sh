# The symserver tests of downloads, uploads and missing symbols, run
# unchanged against a node whose symbol files are in an S3 bucket on a
# real Ceph RADOS Gateway (scripts/ceph-rgw): each in a fresh bucket,
# with --s3 given to every command that reads or writes symbol files
# (tests/symserver/server.sh).  Left out, and why: those that look at the
# local blob files or the disk (060-crash, 101-store-full, 102-durability,
# 113-readonly-store); those of the HTTP layer, the page, the tokens or
# the command line, which read no symbol file (040, 095, 110, 111, 112,
# 114, 115, 120, 125, 130): the suite runs twice (plain and ASan) and each
# test here costs a minute of CI.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

SUITE="010-download 015-private 020-upload 030-sym-upload-v2 050-concurrency 070-stackwalk
080-missing 090-minidump 097-windows-modules 100-no-downgrade 103-names-urls-private"

"$TOP/scripts/ceph-rgw" start "$T/ceph" 1 > s3.env 2> ceph.err ||
	fail "the Ceph gateway did not start: $(tail -n 20 ceph.err)"
trap '"$TOP/scripts/ceph-rgw" stop "$T/ceph" > /dev/null 2>&1' EXIT
. ./s3.env
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=$S3_REGION
E=$S3_ENDPOINTS
s3() { curl -s --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }

failed= n=0
for t in $SUITE; do
	[ -f "$TOP/tests/symserver/$t.sh" ] || fail "no test tests/symserver/$t.sh"
	bucket=suite-$t
	[ "$(s3 -o /dev/null -w '%{http_code}' -X PUT "$E/$bucket")" = 200 ] || fail "cannot make the bucket $bucket"
	mkdir -p "$T/sub/$t"
	start=$(date +%s)
	(T=$T/sub/$t SYMSERVER_S3=$E/$bucket/symbols; export T SYMSERVER_S3
	 timeout 600 bash "$TOP/tests/symserver/$t.sh") > "$t.log" 2>&1
	rc=$?
	# the test ran over the bucket: its uploads are objects there
	objs=$(s3 "$E/$bucket?list-type=2" | grep -o '<Key>symbols/' | wc -l)
	echo "$t: exit $rc, $(( $(date +%s) - start )) s, $objs objects in the bucket"
	n=$((n + 1))
	if [ $rc -ne 0 ]; then
		tail -n 30 "$t.log"
		failed="$failed $t"
	elif [ "$objs" -eq 0 ] && grep -q 'start_server' "$TOP/tests/symserver/$t.sh"; then
		failed="$failed $t(no-objects)"
	fi
done
[ -z "$failed" ] || fail "over S3:$failed"
echo "all $n tests passed over S3"
