# Connections reset in the middle of a body: a proxy in front of the real
# server forwards the first two upload connections for 2 MB of their body,
# then resets them (TCP RST) while symupload is still sending, after the
# server has read part of the body.  The upload of a ~20 MB .sym file ends
# after three tries with every byte on the server.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

python3 - > big.sym <<'EOF'
import sys
w = sys.stdout.write
w('MODULE Linux x86_64 5555AAAA5555AAAA5555AAAA5555AAAA0 libreset.so\nFILE 0 /src/reset.c\n')
addr, n, acc = 0x1000, 0, 0
while acc < 20000000:
    s = ''.join('FUNC %x 30 0 reset_%d\n%x 30 %d 0\n' % (addr + 0x30 * k, n + k, addr + 0x30 * k, (n + k) % 9973 + 1)
                for k in range(2000))
    w(s); acc += len(s); addr += 0x30 * 2000; n += 2000
EOF
cat > proxy.py <<'EOF'
import socket, struct, sys, threading
upstream = ('127.0.0.1', int(sys.argv[1]))
resets = [0]
lock = threading.Lock()
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(('127.0.0.1', 0)); ls.listen(16)
open('proxy.port', 'w').write(str(ls.getsockname()[1]))
def rst(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close()
    except OSError:
        pass
def pump(a, b, cut):
    n, put = 0, None
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            if put is None:
                put = d.startswith(b'PUT ')
                if put and cut:
                    with lock:
                        cut = resets[0] < 2
                        resets[0] += cut
            n += len(d)
            if put and cut and n > 2000000:
                with open('proxy.log', 'a') as f:
                    f.write('reset after %d bytes\n' % n)
                rst(a); rst(b)
                return
            b.sendall(d)
        b.shutdown(socket.SHUT_WR)
    except OSError:
        rst(a); rst(b)
def serve(c):
    u = socket.create_connection(upstream)
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()
    pump(c, u, True)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
python3 proxy.py "$PORT" 2> proxy.err &
proxy=$!
proxy_exit() { local rc=$?; kill $proxy 2>/dev/null; (exit $rc); on_exit; }
trap proxy_exit EXIT
for i in $(seq 1 100); do [ -s proxy.port ] && break; sleep 0.05; done
[ -s proxy.port ] || fail "the proxy did not start: $(cat proxy.err)"

"$SYMUPLOAD" --token-file token --json -v "http://127.0.0.1:$(cat proxy.port)" big.sym > up.json 2> up.err; rc=$?
[ $rc -eq 0 ] || fail "upload through resets: exit $rc: $(grep -v retrying up.err | tail -n 5)"
[ "$(grep -c '^reset after' proxy.log)" = 2 ] || fail "the proxy did not reset two uploads: $(cat proxy.log proxy.err)"
py "
import json; d=json.load(open('up.json'))
assert not d['failed'] and len(d['uploaded']) == 1 and d['uploaded'][0]['attempts'] == 3, d
" || fail "upload through resets: $(cat up.json)"
[ "$(status GET /libreset.so/5555AAAA5555AAAA5555AAAA5555AAAA0/libreset.so.sym)" = 200 ] || fail "not on the server"
[ "$(sha256sum < body.out)" = "$(sha256sum < big.sym)" ] || fail "the server serves other bytes"
stop_server
exit 0
