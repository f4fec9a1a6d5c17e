# Hostile clients (slowloris, idle connections, header floods, huge URLs,
# pipelining, chunked bodies that never end) do not keep a well-behaved
# client from its answers: while each attack runs, a client on another
# address gets a hit, a miss and an upload answered, each within 2 s; the
# server closes every attack connection itself (per-address limit, head
# deadline, minimum body rate, the upload limit for chunked bodies), and
# at the end it still answers, holds no more sockets than before and has
# not grown.
# The attacks come from 127.0.0.2 and up (tests/tools/hostile.py), the
# good client from 127.0.0.1.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

H="python3 $TOP/tests/tools/hostile.py"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "cannot bind 127.0.0.2 (no 127.0.0.0/8 loopback here)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 2>/dev/null ||
	skip "ulimit -n is $(ulimit -n) and cannot be raised to 4096"

TOKEN=$(new_token ci) || fail "cannot create a token"
# small limits: 300 connections, 40 per address, a head within 3 s, bodies
# at 2000 bytes/s after 3 s, 4 s idle, uploads up to 200 kB
start_server --threads 2 --max-connections 300 --max-per-client 40 --header-timeout 3 \
	--min-body-rate 2000 --idle-timeout 4 --max-upload 200000
ID=0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0
make_sym libh.so $ID hfunc > h.sym
[ "$(status PUT /libh.so/$ID/libh.so.sym -H "Authorization: Bearer $TOKEN" --data-binary @h.sym)" = 201 ] ||
	fail "setup upload"
fds() { ls "/proc/$SERVER_PID/fd" | wc -l; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"; }

# probe SECONDS NAME: the good client; fails unless every answer was right
# and none took 2 s or more
probe() {
	$H probe --port "$PORT" --seconds "$1" --hit /libh.so/$ID/libh.so.sym \
		--miss /libm.so/$ID/libm.so.sym --upload /libh.so/$ID/libh.so.sym \
		--upload-file h.sym --token "$TOKEN" --out "probe-$2.json" > /dev/null ||
		fail "$2: the probe failed to run"
	python3 - "probe-$2.json" "$2" <<'EOF' || fail "$2: the good client was not served: $(cat "probe-$2.json")"
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["failures"] == 0 and d["max_ms"] is not None and d["max_ms"] < 2000 and \
	all(d[k]["n"] > 0 for k in ("hit", "miss", "upload"))
sys.exit(0 if ok else 1)
EOF
}

# attack NAME PYTHON-CONDITION hostile.py-args...: runs the attack for its
# --seconds while the good client probes from the first second to the
# fifth, then checks the attack's summary (d) against the condition
attack() {
	local name=$1 cond=$2
	shift 2
	$H "$@" --port "$PORT" > "attack-$name.json" &
	local apid=$!
	sleep 1
	probe 4 "$name"
	wait $apid || fail "$name: the attack tool failed"
	python3 -c "import json, sys; d = json.load(open('attack-$name.json')); sys.exit(0 if ($cond) else 1)" ||
		fail "$name: $cond does not hold: $(cat "attack-$name.json")"
	curl -sf -m 5 "$URL/_health" > /dev/null || fail "$name: the server no longer answers"
}

probe 1 baseline
fd0=$(fds)
rss0=$(rss)

# slowloris: 1000 connections from two addresses, a header byte each every
# 0.5 s for 6.5 s.  40 per address are kept, the rest closed at once; the
# kept ones are closed when their head is 3 s late.
attack slowloris 'd["opened"] == 1000 and d["open"] == 0' \
	slowloris --conns 1000 --sources 2 --interval 0.5 --seconds 6.5
# 3000 idle connections from one address
attack idle 'd["open"] == 0' idle --conns 3000 --seconds 6.5
# many headers and one of 1 MB; a 1 MB URL: refused (431, 414) and closed
attack headers 'd["open"] == 0 and d["statuses"] == {"431": d["opened"]}' \
	headers --conns 100 --sources 3 --seconds 5.5
attack url 'd["open"] == 0 and d["statuses"] == {"414": d["opened"]}' \
	url --conns 100 --sources 3 --seconds 5.5
# 1000 pipelined requests on each of 20 connections, read slowly: answered
attack pipeline 'd["pipelined_answers"] > 0' pipeline --conns 20 --seconds 5.5
# uploads whose chunked body never ends: a 16-byte chunk every 0.5 s is
# under --min-body-rate and cut after the 3 s grace; a fast one is cut
# when it passes --max-upload
attack chunked 'd["open"] == 0' \
	chunked --conns 60 --sources 2 --interval 0.5 --seconds 6.5 --token "$TOKEN" \
	--path /libc.so/$ID/libc.so.sym
attack chunkedfast 'd["open"] == 0 and d["cut_max_s"] < 3' \
	chunkedfast --conns 10 --seconds 5.5 --token "$TOKEN" --path /libc.so/$ID/libc.so.sym

# the end: every attack connection is gone, the server answers and has
# not grown (ASan's quarantine is allowed for)
sleep 1
probe 1 after
fd1=$(fds)
[ "$fd1" -le $((fd0 + 4)) ] || fail "the server holds $fd1 descriptors, $fd0 before the attacks: $(ls -l /proc/$SERVER_PID/fd | tail -n 20)"
rss1=$(rss)
[ "$rss1" -lt $((rss0 * 2 + 300000)) ] || fail "the server grew from $rss0 KB to $rss1 KB"
[ "$(status GET /libc.so/$ID/libc.so.sym)" = 404 ] || fail "a cut upload was stored"
stop_server

# the options' values are checked
"$SYMSERVER" serve --store "$STORE" --listen 127.0.0.1:0 --trust-proxy 10.0.0.1,bogus > o.out 2> o.err
[ $? -eq 1 ] && grep -q "'bogus' is not an IP address" o.err || fail "--trust-proxy bogus: $(cat o.err)"
"$SYMSERVER" serve --store "$STORE" --listen 127.0.0.1:0 --max-per-client -1 > o.out 2> o.err
[ $? -eq 2 ] && grep -q "bad value '-1' for --max-per-client" o.err || fail "--max-per-client -1: $(cat o.err)"
