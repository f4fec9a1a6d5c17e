# Missing symbols from download 404s: counted with the code file and id
# the client sends, exact under concurrent clients once flushed, flushed on
# shutdown, at most one flush interval lost to kill -9 and never a corrupt
# store; classified (never uploaded, id mismatch with the ids the store
# has, late upload resolved by the upload); listed as JSON with filters and
# cursor pagination, as CSV with Tecken's columns first, and offline by
# "symserver missing", with an ignore list.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

py() { python3 -c "$@"; }
TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --miss-flush-ms 100
ID_A=0123456789ABCDEF0123456789ABCDEF0
ID_B=FEDCBA9876543210FEDCBA98765432100
ID_C=11111111222233334444555555555555A
make_sym libdemo.so $ID_A f > a.sym
[ "$(status PUT /libdemo.so/$ID_A/libdemo.so.sym -H "Authorization: Bearer $TOKEN" --data-binary @a.sym)" = 201 ] ||
	fail "upload failed: $(cat body.out)"

entry() {	# entry FILE ID -> python expression for that entry (or None)
	echo "next((m for m in d['missing'] if m['debug_file'].lower() == '$1'.lower() and m['debug_id'].upper() == '$2'.upper()), None)"
}

# -- misses, with code file and id from the query (rust-minidump's spelling:
#    upper GUID, lower age)
lowage=${ID_B%0}0
for i in 1 2 3; do
	[ "$(status GET "/libdemo.so/$lowage/libdemo.so.sym?code_file=libdemo.so&code_id=a1b2c3")" = 404 ] || fail "miss $i was not a 404"
done
[ "$(curl -s -I -o /dev/null -w "%{http_code}" "$URL/libnever.so/$ID_C/libnever.so.sym")" = 404 ] || fail "HEAD miss"
[ "$(status GET /libnever.so/$ID_C/libnever.so.sym)" = 404 ] || fail "GET miss"
# not counted: hits, malformed ids, other file names than the .sym
[ "$(status GET /libdemo.so/$ID_A/libdemo.so.sym)" = 200 ] || fail "hit"
[ "$(status GET /libjunk.so/NOTANID/libjunk.so.sym)" = 400 ] || fail "a malformed id must be a 400"
[ "$(status GET /libjunk.so/$ID_C/libjunk.so.ptr)" = 404 ] || fail "a .ptr request"
B="$(entry libdemo.so $ID_B)"
N="$(entry libnever.so $ID_C)"
wait_missing "" "($B) and ($B)['misses'] == 3 and ($N) and ($N)['misses'] == 2"
py "
import json; d=json.load(open('missing.json')); b=$B; n=$N
assert b['code_file'] == 'libdemo.so' and b['code_id'] == 'a1b2c3', b
assert b['reason'] == 'id-mismatch' and b['other_ids'] == ['$ID_A'], b
assert b['status'] == 'open' and b['crashes'] == 0 and b['first_seen'] <= b['last_seen'], b
assert b['url'].endswith('/libdemo.so/$ID_B/libdemo.so.sym'), b
assert n['reason'] == 'never-uploaded' and n['other_ids'] == [], n
assert not any(m['debug_file'] == 'libjunk.so' for m in d['missing']), 'malformed or non-.sym requests were counted'
assert not any(m['debug_id'] == '$ID_A' for m in d['missing']), 'a hit was counted'
" || fail "the first misses are not listed right"

# -- concurrency: 8 clients, 4 keys, 1600 misses in all
for k in 1 2 3 4; do printf 'libconc%d.so\n' $k; done > keys.txt
for c in $(seq 1 8); do
	: > "cfg$c"
	for r in $(seq 1 50); do
		for k in 1 2 3 4; do
			printf 'url = "%s/libconc%d.so/%s/libconc%d.so.sym"\noutput = "/dev/null"\n' "$URL" $k $ID_C $k >> "cfg$c"
		done
	done
	curl -s -Z --parallel-max 4 -K "cfg$c" &
	pids="${pids:-} $!"
done
for p in $pids; do wait "$p" || fail "client $p failed"; done
cond="all(any(m['debug_file'] == 'libconc%d.so' % k and m['misses'] == 400 for m in d['missing']) for k in (1, 2, 3, 4))"
wait_missing "debug_file=libconc&limit=100" "$cond"
sleep 0.3
curl -s "$URL/missing?debug_file=libconc" > missing.json
py "
import json; d=json.load(open('missing.json'))
assert sorted(m['misses'] for m in d['missing']) == [400] * 4, [m['misses'] for m in d['missing']]
" || fail "concurrent misses were not counted exactly"
curl -s "$URL/_metrics" | grep '^symserver_missing_flushes_total [1-9]' > /dev/null || fail "no flushes in /_metrics"
flushes=$(curl -s "$URL/_metrics" | awk '$1 == "symserver_missing_flushes_total" { print $2 }')
[ "$flushes" -lt 200 ] || fail "$flushes flushes for 1605 misses: not batched"

# -- late upload: the upload resolves the entry, kept with its history
[ "$(status GET /liblate.so/$ID_C/liblate.so.sym)" = 404 ] || fail "late miss"
L="$(entry liblate.so $ID_C)"
wait_missing "" "($L) is not None"
sleep 1.1	# the upload lands in a later second than the miss
make_sym liblate.so $ID_C g > late.sym
[ "$(status PUT /liblate.so/$ID_C/liblate.so.sym -H "Authorization: Bearer $TOKEN" --data-binary @late.sym)" = 201 ] ||
	fail "late upload failed: $(cat body.out)"
curl -s "$URL/missing" > missing.json
py "import json; d=json.load(open('missing.json')); assert $L is None" || fail "a resolved entry is still listed as open"
curl -s "$URL/missing?status=resolved" > missing.json
py "
import json; d=json.load(open('missing.json')); l=$L
assert l and l['status'] == 'resolved' and l['reason'] == 'late-upload' and l['misses'] == 1, l
assert l['resolved_at'] > l['first_seen'], l
" || fail "the late upload is not listed as resolved: $(cat missing.json)"

# -- filters
curl -s "$URL/missing?min_count=3" > missing.json
py "import json; d=json.load(open('missing.json')); assert {m['debug_file'] for m in d['missing']} == {'libdemo.so', 'libconc1.so', 'libconc2.so', 'libconc3.so', 'libconc4.so'}, d" ||
	fail "min_count filter"
curl -s "$URL/missing?since=2999-01-01" > missing.json
py "import json; d=json.load(open('missing.json')); assert d['missing'] == []" || fail "since in the future still lists entries"
curl -s "$URL/missing?since=1h&status=all" > missing.json
py "import json; d=json.load(open('missing.json')); assert len(d['missing']) == 7, len(d['missing'])" || fail "since=1h&status=all"
[ "$(status GET '/missing?status=bogus')" = 400 ] || fail "a bad status must be a 400"
[ "$(status GET '/missing?since=yesterday')" = 400 ] || fail "a bad since must be a 400"
[ "$(status GET '/missing?cursor=zz')" = 400 ] || fail "a bad cursor must be a 400"
# sorted by crashes, then misses: libconc* (400) before libdemo (3) before libnever (2)
curl -s "$URL/missing" > all.json
py "
import json; d=json.load(open('all.json')); k=[(-m['crashes'], -m['misses']) for m in d['missing']]
assert k == sorted(k), k
assert [m['debug_file'] for m in d['missing']][-2:] == ['libdemo.so', 'libnever.so'], d
" || fail "the listing is not sorted by crashes then misses"
# cursor pagination: pages of 2 give every entry once, in order
cur= ; : > pages.txt
for i in $(seq 1 10); do
	curl -s "$URL/missing?limit=2${cur:+&cursor=$cur}" > page.json
	py "import json; d=json.load(open('page.json')); print('\n'.join(m['debug_file'] for m in d['missing']))" >> pages.txt
	cur=$(py "import json; d=json.load(open('page.json')); print(d['next_cursor'] or '')")
	[ -n "$cur" ] || break
done
py "import json; d=json.load(open('all.json')); print('\n'.join(m['debug_file'] for m in d['missing']))" > all.txt
compare all.txt pages.txt "pages of /missing"
curl -s "$URL/missing?limit=2" > page.json
py "
import json; d=json.load(open('page.json')); a=json.load(open('all.json'))
assert d['count'] == 2 and d['total'] == len(a['missing']) == a['total'], (d['count'], d['total'], a['total'])
" || fail "count and total of a page"

# -- CSV: Tecken's columns first
curl -s -D csvh.txt "$URL/missing.csv" > missing.csv
grep -qi '^Content-Type: text/csv' csvh.txt || fail "missing.csv is not text/csv"
head -n1 missing.csv | tr -d '\r' | grep '^debug_file,debug_id,code_file,code_id,crashes,misses,first_seen,last_seen,' > /dev/null ||
	fail "CSV header: $(head -n1 missing.csv)"
grep -q "^libdemo.so,$ID_B,libdemo.so,a1b2c3,0,3," missing.csv || fail "CSV row for libdemo.so: $(cat missing.csv)"
[ "$(wc -l < missing.csv)" = 7 ] || fail "CSV rows: $(wc -l < missing.csv)"

# -- offline, while the server runs
"$SYMSERVER" missing --store "$STORE" --format csv > cli.csv || fail "symserver missing --format csv"
tr -d '\r' < cli.csv > a.txt; tr -d '\r' < missing.csv > b.txt
compare b.txt a.txt "symserver missing --format csv against GET /missing.csv"
"$SYMSERVER" missing --store "$STORE" > table.txt || fail "symserver missing"
grep -q "id-mismatch .*$ID_B *libdemo.so" table.txt || fail "table: $(cat table.txt)"
grep -q "the store has libdemo.so under $ID_A" table.txt || fail "table does not name the ids the store has"
"$SYMSERVER" missing --store "$STORE" --min-count 5 --format json > cli.json || fail "--format json"
py "import json; d=json.load(open('cli.json')); assert len(d['missing']) == 4, d" || fail "--min-count 5"
"$SYMSERVER" missing --store "$STORE" --since bogus > /dev/null 2>&1 && fail "a bad --since was accepted"

# -- ignore list
"$SYMSERVER" missing ignore 'libNEVER*' --store "$STORE" || fail "missing ignore"
"$SYMSERVER" missing ignored --store "$STORE" | grep -x 'libNEVER\*' > /dev/null || fail "missing ignored does not list the pattern"
curl -s "$URL/missing" > missing.json
py "import json; d=json.load(open('missing.json')); assert $N is None" || fail "an ignored entry is listed as open"
curl -s "$URL/missing?status=ignored" > missing.json
py "import json; d=json.load(open('missing.json')); n=$N; assert n and n['reason'] == 'ignored'" || fail "status=ignored"
"$SYMSERVER" missing unignore 'libNEVER*' --store "$STORE" || fail "missing unignore"
"$SYMSERVER" missing unignore 'libNEVER*' --store "$STORE" 2> err.txt && fail "unignore of an absent pattern succeeded"
grep -q 'not on the ignore list' err.txt || fail "unignore message: $(cat err.txt)"

# -- shutdown flushes what is pending (a flush interval far away)
stop_server
start_server --miss-flush-ms 3600000
for i in 1 2 3 4 5; do status GET /libshut.so/$ID_C/libshut.so.sym > /dev/null; done
stop_server
"$SYMSERVER" missing --store "$STORE" --prefix libshut --format csv > shut.csv
grep -q "^libshut.so,$ID_C,,,0,5," shut.csv || fail "the misses pending at shutdown were lost: $(cat shut.csv)"

# -- kill -9: at most the last interval is lost, the store stays sound
start_server --miss-flush-ms 200
: > k1; : > k2
for i in $(seq 1 50); do
	printf 'url = "%s/libkill.so/%s/libkill.so.sym"\noutput = "/dev/null"\n' "$URL" $ID_C >> k1
	printf 'url = "%s/libkill.so/%s/libkill.so.sym"\noutput = "/dev/null"\n' "$URL" $ID_C >> k2
done
curl -s -K k1
K="$(entry libkill.so $ID_C)"
wait_missing "debug_file=libkill" "($K) and ($K)['misses'] == 50"
curl -s -K k2
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
"$SYMSERVER" verify --store "$STORE" > verify.txt 2>&1 || fail "the store is damaged after kill -9: $(cat verify.txt)"
n=$("$SYMSERVER" missing --store "$STORE" --prefix libkill --format csv | awk -F, 'NR == 2 { print $6 }')
[ -n "$n" ] && [ "$n" -ge 50 ] && [ "$n" -le 100 ] || fail "after kill -9: $n misses (want 50 to 100)"
start_server --miss-flush-ms 100
[ "$(status GET /libdemo.so/$ID_A/libdemo.so.sym)" = 200 ] || fail "the store does not serve after kill -9"
[ "$(status GET /libkill.so/$ID_C/libkill.so.sym)" = 404 ] || fail "miss after restart"
wait_missing "debug_file=libkill" "($K) and ($K)['misses'] == $((n + 1))"
# a delete opens the resolved entry again, and new misses count there
"$SYMSERVER" delete liblate.so $ID_C --store "$STORE" > /dev/null || fail "symserver delete"
[ "$(status GET /liblate.so/$ID_C/liblate.so.sym)" = 404 ] || fail "a deleted file is still served"
wait_missing "debug_file=liblate" "($L) and ($L)['status'] == 'open' and ($L)['misses'] == 2 and ($L)['resolved_at'] is None"
stop_server
exit 0
