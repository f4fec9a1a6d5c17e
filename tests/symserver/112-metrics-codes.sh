# /_metrics counts every response by its status code,
# symserver_responses_total{code="NNN"}: the routes' answers, the HTTP
# layer's own (413) and injected faults (429, 500) alike; the counts add
# up to the requests made.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

CI=$(new_token ci) || fail "cannot create a token"
DL=$(new_token reader download) || fail "cannot create a token"
ID=2222222222222222222222222222222220
make_sym libm.so $ID mfunc > m.sym

# codes CODE=N...: the scrape's responses_total matches; a request is
# counted when the server has finished with it, just after the client got
# its answer, so this polls; scrapes are 200s too, so 200 is at least N-1
codes() {
	local i
	for i in $(seq 1 30); do
		curl -s "$URL/_metrics" > metrics.txt || fail "GET /_metrics"
		python3 - "$T/metrics.txt" "$@" <<'EOF' 2> codes.err && return 0
import re, sys
got = {}
for line in open(sys.argv[1]):
    m = re.match(r'symserver_responses_total\{code="([0-9]+)"\} ([0-9]+)$', line)
    if m:
        got[m.group(1)] = int(m.group(2))
    elif line.startswith('symserver_responses_total'):
        sys.exit('unexpected line: ' + line)
want = {k: int(v) for k, v in (a.split('=') for a in sys.argv[2:])}
ok200 = got.pop('200', 0) >= want.pop('200', 0) - 1
if got != want or not ok200:
    sys.exit('got %s, want %s' % (got, want))
EOF
		sleep 0.1
	done
	fail "responses_total: $(cat codes.err)"
}

start_server --max-upload 1000
codes 200=1	# start_server's /_health
status GET /_health > /dev/null
status GET /libm.so/$ID/libm.so.sym > /dev/null				# 404
status PUT /libm.so/$ID/libm.so.sym --data-binary @m.sym > /dev/null	# 401
status PUT /libm.so/$ID/libm.so.sym --data-binary @m.sym -H "Authorization: Bearer $DL" > /dev/null	# 403
[ "$(status PUT /libm.so/$ID/libm.so.sym --data-binary @m.sym -H "Authorization: Bearer $CI")" = 201 ] ||
	fail "upload: $(cat body.out)"
status GET /libm.so/$ID/libm.so.sym > /dev/null				# 200
status GET /libm.so/$ID/libm.so.sym -H "If-None-Match: \"$(sha256sum < m.sym | cut -c1-64)\"" > /dev/null	# 304
status POST /api/token > /dev/null					# 405
status GET /a/b/c/d/e/f/g > /dev/null					# 400
head -c 5000 /dev/zero > big.bin
[ "$(status PUT /libm.so/$ID/libm.so.sym --data-binary @big.bin -H "Authorization: Bearer $CI")" = 413 ] ||
	fail "a body past --max-upload: $(cat body.out)"
# a scrape is counted once it was sent: 200s are two /_health, the
# first scrape and the download
codes 200=4 201=1 304=1 400=1 401=1 403=1 404=1 405=1 413=1
codes 200=5 201=1 304=1 400=1 401=1 403=1 404=1 405=1 413=1
stop_server

# injected faults: 9 of 30 requests, in turn dropped (499: no answer
# reached the client), 429 and 500; the other 21 are 404s
start_server --inject-faults 0.3
for i in $(seq 1 30); do curl -s -o /dev/null "$URL/nothere/$ID/nothere.sym"; done
codes 200=1 404=21 429=3 500=3 499=3
exit 0
