# tests/symupload/stub-server.py - a stand-in symbol server for the
# symupload tests that need answers the real server does not give on
# demand.  Usage: python3 stub-server.py DIR [html|old]
#   Writes its port to DIR/port and one line per request to DIR/requests:
#   "<time> <method> <path> force=<X-Symserver-Force> auth=<yes|no> sha=<sha256 of the inflated body>".
#   GET /api/token answers as decision 4 of issue 17 says, by token:
#     none -> 401 "no token sent"; "good" -> 200 scopes ["upload"];
#     "reader" -> 200 scopes ["download"]; "revoked" / "expired" -> 401
#     "token revoked" / "token expired"; any other -> 401 "unknown token".
#   POST /v1/symbols:checkStatuses: every id MISSING.
#   PUT /<debug_file>/...: 409 with the refusal line for a debug_file
#     starting "refused" unless X-Symserver-Force: 1; for one starting
#     "later", 429 with Retry-After as an HTTP date 3 s ahead on its first
#     PUT; 400 for one starting "bad"; else 201.
#   With "html", every request gets 200 and an HTML page; with "old",
#   GET /api/token answers 404 (a server from before the check).
import email.utils
import gzip
import hashlib
import http.server
import json
import os
import sys
import threading
import time

DIR = sys.argv[1]
HTML = len(sys.argv) > 2 and sys.argv[2] == 'html'
OLD = len(sys.argv) > 2 and sys.argv[2] == 'old'
lock = threading.Lock()
seen = set()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            out = b''
            while True:
                n = int(self.rfile.readline().split(b';')[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get('Content-Length', 0)))

    def answer(self, code, text, ctype='application/json', extra=()):
        data = text.encode()
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, sha=''):
        auth = 'yes' if self.headers.get('Authorization') else 'no'
        with lock, open(os.path.join(DIR, 'requests'), 'a') as f:
            f.write('%.3f %s %s force=%s auth=%s sha=%s\n' % (time.time(), self.command, self.path,
                    self.headers.get('X-Symserver-Force', '-'), auth, sha))

    def token(self):
        a = self.headers.get('Authorization', '')
        return a[7:] if a.startswith('Bearer ') else None

    def do_GET(self):
        self.record()
        if HTML:
            return self.answer(200, '<html><body>a web page</body></html>\n', 'text/html')
        if self.path != '/api/token' or OLD:
            return self.answer(404, '{"error": "not found"}\n')
        t = self.token()
        if t is None:
            return self.answer(401, '{"error": "no token sent"}\n')
        if t == 'good':
            return self.answer(200, '{"name":"ci","scopes":["upload"],"expires":null}\n')
        if t == 'reader':
            return self.answer(200, '{"name":"reader","scopes":["download"],"expires":null}\n')
        if t in ('revoked', 'expired'):
            return self.answer(401, '{"error": "token %s"}\n' % t)
        return self.answer(401, '{"error": "unknown token"}\n')

    def do_POST(self):
        b = self.body()
        self.record()
        if HTML:
            return self.answer(200, '<html></html>\n', 'text/html')
        ids = json.loads(b)['symbol_ids']
        pairs = [{'symbol_id': i, 'status': 'MISSING'} for i in ids]
        self.answer(200, json.dumps({'pairs': pairs}))

    def do_PUT(self):
        b = self.body()
        if self.headers.get('Content-Encoding') == 'gzip':
            b = gzip.decompress(b)
        self.record(hashlib.sha256(b).hexdigest())
        name = self.path.split('/')[1]
        force = self.headers.get('X-Symserver-Force') == '1'
        if name.startswith('refused') and not force:
            return self.answer(409, 'refusing to replace %s: the upload is poorer than the stored '
                               'file (0 FUNC records against 1 FUNC held); send X-Symserver-Force: 1 '
                               '(symupload --force) to replace it anyway\n' % name, 'text/plain')
        if name.startswith('later'):
            with lock:
                first = self.path not in seen
                seen.add(self.path)
            if first:
                return self.answer(429, '{"error": "slow down"}\n', extra=[
                    ('Retry-After', email.utils.formatdate(time.time() + 3, usegmt=True))])
        if name.startswith('bad'):
            return self.answer(400, '{"error": "not a Breakpad symbol file"}\n')
        self.answer(201, '{"status": "stored"}\n')


srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
with open(os.path.join(DIR, 'port.tmp'), 'w') as f:
    f.write('%d\n' % srv.server_address[1])
os.rename(os.path.join(DIR, 'port.tmp'), os.path.join(DIR, 'port'))
srv.serve_forever()
