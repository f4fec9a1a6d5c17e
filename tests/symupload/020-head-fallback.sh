# symupload against a server without the bulk check (a small stand-in
# written here in Python, speaking only HEAD with an ETag and PUT): a HEAD
# per file decides, by content hash, what is skipped; a file the server
# holds with other content is uploaded again; gzip bodies arrive intact.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
SYMUPLOAD=$BUILD/symupload/symupload
for f in cprog-gcc-O2-dw5 cprog-clang-O0-dw4 cppapp-gcc-O2-dw4; do "$DUMPSYMS" "$FIXTURES/$f" > "$f.sym"; done
cat > stub.py <<'PY'
import gzip, hashlib, http.server, os, sys, threading
store, log = {}, open('requests.log', 'w')
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def note(self, code):
        log.write('%s %s %d\n' % (self.command, self.path, code)); log.flush()
    def reply(self, code, body=b'', headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header('Content-Length', str(len(body))); self.end_headers()
        if self.command != 'HEAD': self.wfile.write(body)
        self.note(code)
    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0)); self.rfile.read(n)
        self.reply(404, b'{"error": "no such route"}')
    def do_HEAD(self):
        body = store.get(self.path)
        if body is None: return self.reply(404)
        self.send_response(200); self.send_header('ETag', '"%s"' % hashlib.sha256(body).hexdigest())
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.note(200)
    def do_PUT(self):
        if self.headers.get('Transfer-Encoding') == 'chunked':
            data = b''
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0: self.rfile.readline(); break
                data += self.rfile.read(size); self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        if self.headers.get('Content-Encoding') == 'gzip': data = gzip.decompress(data)
        if self.headers.get('Authorization') != 'Bearer sekrit': return self.reply(401, b'{"error": "bad token"}')
        store[self.path] = data
        open('stored' + self.path.replace('/', '_'), 'wb').write(data)
        self.reply(201, b'{"status": "new"}')
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
for name in sys.argv[1:]:	# preload: path=file
    path, f = name.split('=', 1); store[path] = open(f, 'rb').read()
open('port', 'w').write(str(srv.server_address[1]))
srv.serve_forever()
PY
key() { head -n1 "$1" | awk '{ print "/" $5 "/" $4 "/" $5 ".sym" }'; }
A=$(key cprog-gcc-O2-dw5.sym) B=$(key cprog-clang-O0-dw4.sym) C=$(key cppapp-gcc-O2-dw4.sym)
sed '$d' cppapp-gcc-O2-dw4.sym > other.sym
python3 stub.py "$A=cprog-gcc-O2-dw5.sym" "$C=other.sym" &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
for i in $(seq 1 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || fail "the stand-in server did not start"
URL=http://127.0.0.1:$(cat port)
SYMUPLOAD_TOKEN=sekrit "$SYMUPLOAD" --json "$URL" cprog-gcc-O2-dw5.sym cprog-clang-O0-dw4.sym cppapp-gcc-O2-dw4.sym > s.json 2> s.err ||
	fail "upload through HEAD checks: $(cat s.err)"
python3 -c "
import json; d=json.load(open('s.json'))
up = sorted(u['path'] for u in d['uploaded']); sk = [u['path'] for u in d['skipped']]
assert up == ['cppapp-gcc-O2-dw4.sym', 'cprog-clang-O0-dw4.sym'], up
assert sk == ['cprog-gcc-O2-dw5.sym'], sk
" || fail "what was skipped: $(cat s.json)"
[ "$(grep -c '^POST /v1/symbols:checkStatuses 404' requests.log)" = 1 ] || fail "the bulk check was not tried exactly once: $(cat requests.log)"
[ "$(grep -c '^HEAD ' requests.log)" = 3 ] || fail "not one HEAD per file: $(cat requests.log)"
cmp -s "stored${B//\//_}" cprog-clang-O0-dw4.sym || fail "the gzip upload did not arrive intact"
cmp -s "stored${C//\//_}" cppapp-gcc-O2-dw4.sym || fail "the changed file was not replaced"
# a 401 is not retried and says why
SYMUPLOAD_TOKEN=wrong "$SYMUPLOAD" --force "$URL" cprog-gcc-O2-dw5.sym > w.out 2>&1; rc=$?
[ $rc -eq 4 ] || fail "wrong token: exit $rc"
grep -q 'HTTP 401: bad token' w.out || fail "the server's message is not shown: $(cat w.out)"
[ "$(grep -c '^PUT .* 401' requests.log)" = 1 ] || fail "a 401 was retried"
exit 0
