#!/usr/bin/env python3
# seed-server.py MODE OUTDIR [MINIDUMP...] - seeds for the server's fuzz
# targets (scripts/fuzz):
#   http     raw requests for fuzz_http: downloads (hits of the symbol file
#            fuzz_http stores at start, misses, HEAD, gzip), PUT, multipart
#            POST /upload with a .sym and with zip, tar and tar.gz
#            archives, gzip forms, chunked bodies, sym-upload-v2 requests,
#            POST /minidump with each MINIDUMP, /missing, /_metrics,
#            /api/token, pipelined requests.  "$TOKEN" stands for the
#            token fuzz_http makes (it replaces it).
#   archive  zip, tar and tar.gz archives of .sym trees for fuzz_archive
#   v2json   sym-upload-v2 bodies for fuzz_v2json
import gzip, io, os, sys, tarfile, zipfile

MOD, ID = "libfuzz.so", "0123456789ABCDEF0123456789ABCDEF0"


def sym(mod, ident, funcs=2):
    out = "MODULE Linux x86_64 %s %s\nFILE 0 /src/%s.c\n" % (ident, mod, mod)
    for i in range(funcs):
        out += "FUNC %x 10 0 f%d\n%x 10 %d 0\n" % (0x1000 + 16 * i, i, 0x1000 + 16 * i, i + 1)
    out += "PUBLIC 1000 0 f0\nSTACK CFI INIT 1000 10 .cfa: $rsp 8 + .ra: .cfa -8 + ^\n"
    return out.encode()


def tree(n=2):
    # (path, bytes) of a store-layout tree, with the junk archives hold
    files = [("%s/%s/%s.sym" % (MOD, ID, MOD), sym(MOD, ID, 3))]
    for i in range(1, n):
        m, d = "lib%d.so" % i, "%032X0" % (i * 0x1111)
        files.append(("%s/%s/%s.sym" % (m, d, m), sym(m, d)))
    files.append(("app.pdb/%s/app.sym" % ("ABCDEF" * 5 + "AB1"), sym("app.pdb", "ABCDEF" * 5 + "AB1")))
    files.append(("bad/path.sym", b"MODULE x\n"))
    files.append(("lib1.so/00/wrong-name.sym", sym("lib1.so", "00")))
    return files


def zip_of(files, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for p, d in files:
            z.writestr(p, d)
    return b.getvalue()


def tar_of(files, mode="w", dot=False, link=False):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode) as t:
        seen = set()
        for p, d in files:
            parts = p.split("/")
            for k in range(1, len(parts)):
                dp = "/".join(parts[:k])
                if dp not in seen:
                    seen.add(dp)
                    ti = tarfile.TarInfo(("./" if dot else "") + dp)
                    ti.type = tarfile.DIRTYPE
                    t.addfile(ti)
            ti = tarfile.TarInfo(("./" if dot else "") + p)
            ti.size = len(d)
            t.addfile(ti, io.BytesIO(d))
        if link:
            ti = tarfile.TarInfo("%s/%s/x.sym" % (MOD, ID))
            ti.type = tarfile.SYMTYPE
            ti.linkname = "/etc/passwd"
            t.addfile(ti)
    return b.getvalue()


def archives():
    t = tree(3)
    return {
        "zip": zip_of(t), "tar": tar_of(t), "tgz": tar_of(t, "w:gz"), "dot-tar": tar_of(t, dot=True),
        "link-tar": tar_of(t[:1], link=True), "one-zip": zip_of(t[:1]),
        "stored-zip": zip_of(t[:2], zipfile.ZIP_STORED),
        "abs-tar": tar_of([("/" + t[0][0], t[0][1]), ("//" + t[0][0], t[0][1]),
                           ("../%s/%s/..sym" % (ID, ID), t[0][1]), ("./../" + t[0][0], t[0][1])]),
    }


def form(fields, boundary=b"fuzzBOUNDARY"):
    # fields: (name, filename or None, bytes)
    out = b""
    for name, filename, data in fields:
        out += b"--" + boundary + b"\r\n"
        out += b'Content-Disposition: form-data; name="' + name.encode() + b'"'
        if filename:
            out += b'; filename="' + filename.encode() + b'"\r\nContent-Type: application/octet-stream'
        out += b"\r\n\r\n" + data + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def req(method, path, headers=(), body=None, chunked=False):
    out = ("%s %s HTTP/1.1\r\nHost: symbols.example\r\n" % (method, path)).encode()
    for h in headers:
        out += h.encode() + b"\r\n"
    if body is not None:
        if chunked:
            out += b"Transfer-Encoding: chunked\r\n\r\n"
            for i in range(0, len(body), 700):
                c = body[i:i + 700]
                out += b"%x\r\n" % len(c) + c + b"\r\n"
            return out + b"0\r\n\r\n"
        out += b"Content-Length: %d\r\n" % len(body)
    return out + b"\r\n" + (body or b"")


AUTH = "Authorization: Bearer $TOKEN"
FORM = "Content-Type: multipart/form-data; boundary=fuzzBOUNDARY"
HIT = "/%s/%s/%s.sym" % (MOD, ID, MOD)


def http(minidumps):
    s = {}
    s["get-hit"] = req("GET", HIT)
    s["get-hit-gzip"] = req("GET", HIT, ["Accept-Encoding: gzip"])
    s["get-etag"] = req("GET", HIT, ['If-None-Match: "x"', "If-Modified-Since: Sat, 05 Dec 2026 00:00:00 GMT"])
    s["head-hit"] = req("HEAD", HIT)
    s["get-miss"] = req("GET", "/libmiss.so/0000000000000000000000000000000A0/libmiss.so.sym")
    s["get-miss-pdb"] = req("GET", "/app.pdb/ABCDEFABCDEFABCDEFABCDEFABCDEF011/app.sym?code_file=app.exe&code_id=5F00AA001000")
    s["get-bad"] = req("GET", "/a/../b/c.sym")
    s["get-percent"] = req("GET", "/lib%2Ffuzz.so/%00/x%zz.sym")
    s["health-pipelined"] = req("GET", "/_health") + req("HEAD", "/_health") + req("GET", "/_metrics")
    s["page"] = req("GET", "/")
    s["metrics"] = req("GET", "/_metrics")
    s["missing"] = req("GET", "/missing?since=7d&min_count=1", [AUTH])
    s["missing-csv"] = req("GET", "/missing.csv?since=2026-01-01", [AUTH])
    s["missing-json"] = req("GET", "/missing/?format=json", [AUTH])
    s["token"] = req("GET", "/api/token", [AUTH])
    s["token-key"] = req("GET", "/api/token?key=$TOKEN")
    s["token-bad"] = req("GET", "/api/token", ["Authorization: Bearer 1234"])
    s["syminfo"] = req("GET", "/api/syminfo/%s/%s" % (MOD, ID), [AUTH])
    body = sym("libput.so", "11111111111111111111111111111111A")
    s["put"] = req("PUT", "/libput.so/11111111111111111111111111111111A/libput.so.sym", [AUTH], body)
    s["put-force"] = req("PUT", HIT, [AUTH, "X-Symserver-Force: 1"], sym(MOD, ID, 1))
    s["put-gzip"] = req("PUT", "/libput.so/11111111111111111111111111111111A/libput.so.sym",
                        [AUTH, "Content-Encoding: gzip"], gzip.compress(body))
    s["put-chunked"] = req("PUT", "/libput.so/11111111111111111111111111111111A/libput.so.sym", [AUTH], sym("libput.so", "11111111111111111111111111111111A", 80),
                           chunked=True)
    s["put-noauth"] = req("PUT", HIT, [], body)
    s["put-expect"] = req("PUT", HIT, [AUTH, "Expect: 100-continue"], sym(MOD, ID, 3))
    f = form([("symbol_file", "libform.so.sym", sym("libform.so", "22222222222222222222222222222222B")),
              ("debug_file", None, b"libform.so"), ("debug_identifier", None, b"22222222222222222222222222222222B"),
              ("os", None, b"Linux"), ("cpu", None, b"x86_64"), ("force", None, b"1")])
    s["upload-sym"] = req("POST", "/upload", [AUTH, FORM], f)
    s["upload-sym-key"] = req("POST", "/upload?key=$TOKEN", [FORM], f)
    s["upload-sym-chunked"] = req("POST", "/upload", [AUTH, FORM], f, chunked=True)
    s["upload-sym-gzip"] = req("POST", "/upload", [AUTH, FORM, "Content-Encoding: gzip"], gzip.compress(f))
    for name, data in archives().items():
        s["upload-" + name] = req("POST", "/upload", [AUTH, FORM], form([("archive", "syms." + name, data)]))
    s["upload-not-form"] = req("POST", "/upload", [AUTH, "Content-Type: text/plain"], b"hello")
    s["v2-create"] = req("POST", "/v1/uploads:create?key=$TOKEN", [], b"")
    s["v2-put"] = req("PUT", "/v1/uploads/0123456789abcdef0123456789abcdef?key=$TOKEN", [], body)
    s["v2-complete"] = req("POST", "/v1/uploads/0123456789abcdef0123456789abcdef:complete?key=$TOKEN",
                           ["Content-Type: application/json"], v2json()["complete"])
    s["v2-complete-relaxed"] = req("POST", "/v1/uploads/0123456789abcdef0123456789abcdef:complete?key=$TOKEN",
                                   [], v2json()["complete-relaxed"])
    s["v2-statuses"] = req("POST", "/v1/symbols:checkStatuses?key=$TOKEN", ["Content-Type: application/json"],
                           v2json()["statuses"])
    s["v2-status"] = req("GET", "/v1/symbols/%s/%s:checkStatus?key=$TOKEN" % (MOD, ID))
    s["v2-create-put-complete"] = (req("POST", "/v1/uploads:create?key=$TOKEN", [], b"") +
                                   req("PUT", "/v1/uploads/x?key=$TOKEN", [], body))
    for i, md in enumerate(minidumps):
        data = open(md, "rb").read()
        fm = form([("upload_file_minidump", "crash.dmp", data), ("prod", None, b"fuzz"), ("ver", None, b"1.0"),
                   ("sentry", None, b'{"release": "1.0"}')])
        s["minidump-%d" % i] = req("POST", "/minidump", [FORM], fm)
        if i == 0:
            s["minidump-gzip"] = req("POST", "/minidump", [FORM, "Content-Encoding: gzip"], gzip.compress(fm))
            s["minidump-raw"] = req("POST", "/minidump", ["Content-Type: application/octet-stream"], data)
    s["bad-version"] = b"GET / HTTP/2.7\r\nHost: x\r\n\r\n"
    s["http10"] = b"GET /_health HTTP/1.0\r\n\r\n"
    s["no-host"] = b"GET /_health HTTP/1.1\r\n\r\n"
    s["huge-cl"] = req("PUT", HIT, [AUTH, "Content-Length: 99999999999999"], None)
    s["delete"] = req("DELETE", HIT, [AUTH])
    s["options"] = req("OPTIONS", "*")
    return s


def v2json():
    return {
        "complete": b'{"symbol_id": {"debug_file": "%s", "debug_id": "%s"}, "symbol_upload_type": "BREAKPAD"}'
        % (MOD.encode(), ID.encode()),
        "complete-relaxed": b'{symbol_id: {debug_file: "%s", debug_id: "%s"}, symbol_upload_type: "BREAKPAD"}'
        % (MOD.encode(), ID.encode()),
        "complete-spaces": b'{ "symbol_id" : { "debug_file" :\n "a.pdb" ,\t"debug_id" : "%s" } }' % ID.encode(),
        "statuses": b'{"symbol_ids": [{"debug_file": "%s", "debug_id": "%s"}, {"debug_file": "x.so", '
        b'"debug_id": "00"}, {"debug_file": 3}, {}, "s"]}' % (MOD.encode(), ID.encode()),
        "statuses-empty": b'{"symbol_ids": []}',
        "statuses-escapes": b'{"symbol_ids": [{"debug_file": "a\\u0000b\\"c\\ud83d\\ude00", "debug_id": "\\u00e9"}]}',
        "not-object": b'[1, 2.5e300, null, true, "x"]',
    }


def main():
    mode, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seeds = {"http": lambda: http(sys.argv[3:]), "archive": archives, "v2json": v2json}[mode]()
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


main()
