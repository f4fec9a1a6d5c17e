# The change log does not grow for ever (issue 14): entries older than
# --s3-log-retention are removed from the bucket; a node stopped for
# longer than that finds what it missed (its entries gone) by syncing
# from the bucket when it starts, and serves it at once.  On a real Ceph
# RADOS Gateway.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/s3/nodes.sh"
s3_up 1
URL=$E0/syms/pre
start() { node_start "$1" "$URL" --s3-log-retention 6; }	# a 6 s retention
stop() { node_stop "$1"; }
put() {	# put NODE N
	printf 'MODULE Linux x86_64 %s lib%s.so\nFUNC 1000 10 0 f%s\n' "$(ident "$2")" "$2" "$2" > "up$2.sym"
	code "$1" "/lib$2.so/$(ident "$2")/lib$2.so.sym" -H "Authorization: Bearer $TOK" -T "up$2.sym"
}
log_entries() { s3 "$E0/syms?list-type=2&prefix=pre%2F_log%2F" | grep -o '<Key>[^<]*</Key>'; }

TOK=$("$SYMSERVER" token add ci --store "$T/A" --s3 "$URL") || fail "token add"
"$SYMSERVER" sync --store "$T/B" --s3 "$URL" > /dev/null || fail "sync of B"
start A
start B
for n in 1 2; do [ "$(put A $n)" = 201 ] || fail "upload $n: $(cat body.out)"; done
for _ in $(seq 1 30); do [ "$(code B "/lib2.so/$(ident 2)/lib2.so.sym")" = 200 ] && break; sleep 0.1; done
cmp -s body.out up2.sym || fail "B does not follow A's uploads"
log_entries | grep -q "/put/[0-9a-f]*/lib2.so/" || fail "no change-log entry for lib2.so: $(log_entries)"

# B stopped; lib3 uploaded to A; its entry is removed once older than 6 s
stop B
[ "$(put A 3)" = 201 ] || fail "upload 3: $(cat body.out)"
log_entries | grep -q "/lib3.so/" || fail "no change-log entry for lib3.so"
for _ in $(seq 1 200); do log_entries | grep -q "/lib3.so/" || break; sleep 0.1; done
log_entries | grep -q "/lib3.so/" && fail "lib3.so's change-log entry outlived the 6 s retention: $(log_entries)"
log_entries | grep -q "/lib[12].so/" && fail "older entries outlived the retention"
code A /_metrics > /dev/null
n=$(sed -n 's/^symserver_sync_log_compacted_total //p' body.out)
[ "${n:-0}" -ge 3 ] || fail "A's metrics say $n entries removed (want at least 3)"
# the objects themselves stay
s3 -o /dev/null -w '%{http_code}' "$URL/lib3.so/$(ident 3)/lib3.so.sym" | grep -qx 200 ||
	fail "the object of lib3.so went with its log entry"

# B starts again: stopped for longer than the retention, it syncs first
# and serves lib3 at once
start B
[ "$(code B "/lib3.so/$(ident 3)/lib3.so.sym")" = 200 ] && cmp -s body.out up3.sym ||
	fail "B does not serve what was uploaded while it was stopped"
grep -q "stopped before the oldest change-log entry kept: syncing" B.err ||
	fail "B did not say it syncs: $(cat B.err)"
# and follows the log again
[ "$(put A 4)" = 201 ] || fail "upload 4"
for _ in $(seq 1 30); do [ "$(code B "/lib4.so/$(ident 4)/lib4.so.sym")" = 200 ] && break; sleep 0.1; done
cmp -s body.out up4.sym || fail "B does not follow A after its sync"
# the totals count what a node took from the bucket (sync, the log) and
# its own uploads (counted again at most once a second)
files_on() { code "$1" /_metrics > /dev/null; sed -n 's/^symserver_store_files //p' body.out; }
for node in A B; do
	for _ in $(seq 1 30); do [ "$(files_on $node)" = 4 ] && break; sleep 0.1; done
	[ "$(files_on $node)" = 4 ] || fail "$node's metrics count $(files_on $node) files, it serves 4"
done
code B / > /dev/null
grep -q '<b id="files">4</b>' body.out || fail "B's page does not count 4 files"
stop A
stop B
exit 0
