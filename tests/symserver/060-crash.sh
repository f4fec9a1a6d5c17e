# Crash safety: kill -9 the server in the middle of an upload burst, start
# it again, and check that every indexed blob exists and matches its hash
# and that every upload the server acknowledged is there.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --quiet
for i in $(seq 1 120); do
	make_sym libk$i.so "$(printf '%032X0' $((i + 1000)))" "k$i" > k$i.sym
	# some bigger files, so that a kill can land inside a body
	[ $((i % 10)) = 0 ] && yes "PUBLIC 3000 0 filler_$i" | head -n 20000 >> k$i.sym
done
burst() {
	local w=$1 i id code
	for i in $(seq "$w" 4 120); do
		id=$(printf '%032X0' $((i + 1000)))
		code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
			--data-binary @k$i.sym "$URL/libk$i.so/$id/libk$i.so.sym")
		[ "$code" = 201 ] && echo "$i"
	done
}
for w in 1 2 3 4; do burst $w > acked.$w & done
# kill once a quarter of the burst is acknowledged: mid-burst, whatever
# the machine's speed
for _ in $(seq 1 2000); do
	[ "$(cat acked.* 2>/dev/null | wc -l)" -ge 30 ] && break
	sleep 0.005
done
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
wait
cat acked.* | sort -n > acked.txt
n=$(wc -l < acked.txt)
echo "acknowledged before the kill: $n"
[ "$n" -gt 0 ] || fail "no upload was acknowledged before the kill"
[ "$n" -lt 120 ] || fail "the kill came after the whole burst"

"$SYMSERVER" verify --store "$STORE" > verify.txt 2>&1 || { cat verify.txt >&2; fail "the store is inconsistent after kill -9"; }
start_server --quiet
while read -r i; do
	[ "$(status GET /libk$i.so/$(printf '%032X0' $((i + 1000)))/libk$i.so.sym)" = 200 ] || fail "acknowledged upload $i is lost"
	cmp -s body.out k$i.sym || fail "acknowledged upload $i has other content"
done < acked.txt
# the store still takes uploads, and leftovers in tmp/ do not matter
[ "$(status PUT /libk120.so/$(printf '%032X0' 1120)/libk120.so.sym -H "Authorization: Bearer $TOKEN" --data-binary @k120.sym)" = 201 ] ||
	[ "$(cat body.out | grep -c unchanged)" = 1 ] || fail "uploads fail after the restart: $(cat body.out)"
exit 0
