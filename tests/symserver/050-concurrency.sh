# Parallel uploads of the same and of different keys, with downloads
# running at the same time: afterwards every key serves one complete
# version that some client uploaded, and the store verifies.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --quiet --threads 4
N=8
for i in $(seq 1 $N); do
	id=$(printf '%032X0' "$i")
	for v in 1 2 3; do make_sym lib$i.so "$id" "f${i}_v$v" > s$i.$v.sym; done
done
SHARED=ABCDABCDABCDABCDABCDABCDABCDABCD0
for v in $(seq 1 6); do make_sym shared.so $SHARED "shared_v$v" > shared.$v.sym; done

uploader() {
	local w=$1 i v code
	for round in 1 2 3; do
		for i in $(seq 1 $N); do
			v=$(( (w + round + i) % 3 + 1 ))
			code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
				--data-binary @s$i.$v.sym "$URL/lib$i.so/$(printf '%032X0' $i)/lib$i.so.sym")
			case $code in 200|201) ;; *) echo "worker $w: PUT lib$i v$v -> $code" ;; esac
			v=$(( (w * 7 + round + i) % 6 + 1 ))
			code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
				--data-binary @shared.$v.sym "$URL/shared.so/$SHARED/shared.so.sym")
			case $code in 200|201) ;; *) echo "worker $w: PUT shared v$v -> $code" ;; esac
		done
	done
}
downloader() {
	local w=$1 i code
	for round in $(seq 1 20); do
		for i in $(seq 1 $N); do
			code=$(curl -s --compressed -o dl.$w -w '%{http_code}' "$URL/lib$i.so/$(printf '%032X0' $i)/lib$i.so.sym")
			case $code in
			404) ;;
			200) grep -q "^MODULE Linux x86_64 $(printf '%032X0' $i) lib$i.so$" dl.$w && tail -n1 dl.$w | grep -q _public ||
				echo "reader $w: a torn or wrong lib$i.so" ;;
			*) echo "reader $w: GET lib$i -> $code" ;;
			esac
		done
	done
}
pids=()
for w in 1 2 3 4 5 6; do uploader $w > up.$w.log 2>&1 & pids+=($!); done
for w in 1 2 3; do downloader $w > down.$w.log 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
cat up.*.log down.*.log > problems.txt
[ -s problems.txt ] && { head problems.txt >&2; fail "errors under concurrency"; }

# every key serves exactly one of its uploaded versions
for i in $(seq 1 $N); do
	[ "$(status GET /lib$i.so/$(printf '%032X0' $i)/lib$i.so.sym)" = 200 ] || fail "lib$i.so missing afterwards"
	cmp -s body.out s$i.1.sym || cmp -s body.out s$i.2.sym || cmp -s body.out s$i.3.sym || fail "lib$i.so is no uploaded version"
done
[ "$(status GET /shared.so/$SHARED/shared.so.sym)" = 200 ] || fail "shared.so missing"
ok=0; for v in $(seq 1 6); do cmp -s body.out shared.$v.sym && ok=1; done
[ $ok = 1 ] || fail "shared.so is no uploaded version"
files=$(curl -s "$URL/_metrics" | awk '/^symserver_store_files/ { print $2 }')
[ "$files" = $((N + 1)) ] || fail "the store counts $files files, want $((N + 1))"
stop_server
"$SYMSERVER" verify --store "$STORE" > verify.txt 2>&1 || { cat verify.txt >&2; fail "the store does not verify"; }
grep -q "verified $((N + 1)) symbol files, 0 problems" verify.txt || fail "verify: $(cat verify.txt)"
exit 0
