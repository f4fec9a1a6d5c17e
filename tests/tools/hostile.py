#!/usr/bin/env python3
"""hostile.py - hostile HTTP clients for testing symserver (stdlib only).

  hostile.py ATTACK --port P [--host H] [--conns N] [--seconds S]
                    [--sources K] [--path PATH] [--token T]
  hostile.py probe  --port P [--seconds S] --hit PATH --miss PATH
                    [--upload PATH --token T] [--out FILE]

ATTACK is one of
  slowloris  N connections each sending a request head one byte at a time
             (a byte per connection every --interval s, headers forever)
  idle       N connections that send nothing
  headers    N connections each sending a head of many small headers and
             then one huge header, as fast as the server takes them
  url        N connections each sending a request line with a ~1 MB URL
  pipeline   N connections each sending 1000 pipelined GETs at once and
             reading the answers slowly
  chunked    N uploads (PUT PATH, Transfer-Encoding: chunked, the head at
             once) whose body never ends: a 16-byte chunk per connection
             every --interval s
  chunkedfast  the same, as fast as the server reads

Attack connections come from 127.0.0.2 ... 127.0.0.(1+K) (--sources K,
default 1) so that a client on 127.0.0.1 is a different address to the
server.  The attack runs for --seconds, reopening nothing: a connection
the server closes stays closed.  At the end every socket is closed and
one JSON line is printed: opened, refused (connect failed or reset before
any answer), cut (closed by the server), open (still open at the end),
the answer status lines seen, and when the server cut connections
(seconds after the start, as percentiles).

probe is a well-behaved client on 127.0.0.1: for --seconds it fetches
--hit (want 200), --miss (want 404) and, with --upload, PUTs a small
.sym there (want 201), one after the other, each on a new connection with
a 10 s timeout; it prints one JSON line with the count, failures and the
latency percentiles and maximum of each kind.
"""
import argparse
import errno
import json
import selectors
import socket
import sys
import time


def pct(v, p):
    if not v:
        return None
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))]


class Conn:
    __slots__ = ("sock", "out", "pos", "opened", "status", "closed_at", "inbuf", "answers",
                 "connected", "next_send")

    def __init__(self, sock):
        self.sock = sock
        self.out = b""
        self.pos = 0
        self.opened = time.monotonic()
        self.status = None
        self.closed_at = None
        self.inbuf = b""
        self.answers = 0
        self.connected = False
        self.next_send = 0.0


def slowloris_head(a):
    # a head that never ends: after the request line, headers forever
    head = ("GET %s HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris\r\n" % a.path).encode()
    return head + b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(100000))


def attack_payload(a):
    if a.attack == "slowloris":
        return slowloris_head(a), 1, 0
    if a.attack == "idle":
        return b"", 0, 0
    if a.attack == "headers":
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(20000))
        huge = b"X-Huge: " + b"a" * (1 << 20) + b"\r\n"
        return b"GET " + a.path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + many + huge + b"\r\n", -1, 0
    if a.attack == "url":
        return b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n", -1, 0
    if a.attack == "pipeline":
        one = b"GET " + a.path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        return one * 1000, -1, 0
    if a.attack in ("chunked", "chunkedfast"):
        head = ("PUT %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: application/octet-stream\r\n" % a.path)
        if a.token:
            head += "Authorization: Bearer %s\r\n" % a.token
        head = (head + "\r\n").encode()
        chunk = b"10\r\n" + b"PUBLIC 1000 0 x\n" + b"\r\n"
        # the head at once, then chunks: forever
        return head + chunk * 200000, (len(chunk) if a.attack == "chunked" else -1), len(head)
    raise SystemExit("unknown attack " + a.attack)


def run_attack(a):
    payload, step, first = attack_payload(a)
    sel = selectors.DefaultSelector()
    conns = []
    refused = 0
    t0 = time.monotonic()
    end = t0 + a.seconds
    for i in range(a.conns):
        src = "127.0.0.%d" % (2 + i % a.sources)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        try:
            s.bind((src, 0))
        except OSError as e:
            s.close()
            raise SystemExit("cannot bind %s: %s" % (src, e))
        s.setblocking(False)
        e = s.connect_ex((a.host, a.port))
        if e not in (0, errno.EINPROGRESS):
            refused += 1
            s.close()
            continue
        c = Conn(s)
        c.out = payload
        conns.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
        # open quickly but let the server accept
        if i % 200 == 199:
            time.sleep(0.01)
    opened = len(conns)
    statuses = {}
    cut_times = []
    reset_before_answer = 0

    def close(c, now, reset=False):
        nonlocal reset_before_answer
        if c.closed_at is None:
            c.closed_at = now
            if reset and c.status is None and c.answers == 0:
                reset_before_answer += 1
            cut_times.append(now - t0)
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()

    while True:
        now = time.monotonic()
        if now >= end:
            break
        events = sel.select(timeout=min(0.05, end - now))
        now = time.monotonic()
        for key, mask in events:
            c = key.data
            if c.closed_at is not None:
                continue
            if mask & selectors.EVENT_READ:
                try:
                    # pipeline reads slowly: a little at a time
                    data = c.sock.recv(4096 if a.attack == "pipeline" else 65536)
                except (ConnectionResetError, BrokenPipeError):
                    close(c, now, reset=True)
                    continue
                except BlockingIOError:
                    data = None
                except OSError:
                    close(c, now, reset=True)
                    continue
                if data == b"":
                    close(c, now)
                    continue
                if data:
                    c.inbuf = (c.inbuf + data)[-8192:]
                    if data.startswith(b"HTTP/1.") and c.status is None:
                        c.status = data[9:12].decode("ascii", "replace")
                        statuses[c.status] = statuses.get(c.status, 0) + 1
                    c.answers += data.count(b"HTTP/1.1 ")
            if mask & selectors.EVENT_WRITE and c.closed_at is None:
                c.connected = True
                if a.attack.startswith("chunked") and c.pos >= len(c.out):
                    c.pos = first  # the body never ends: the chunks again
                if c.pos >= len(c.out) or step == 0:
                    sel.modify(c.sock, selectors.EVENT_READ, c)
                    continue
                if step > 0 and now < c.next_send:
                    continue
                n = step if step > 0 else len(c.out) - c.pos
                if c.pos == 0 and first:
                    n = first
                try:
                    w = c.sock.send(c.out[c.pos:c.pos + n])
                    c.pos += w
                    c.next_send = now + a.interval
                except BlockingIOError:
                    pass
                except OSError:
                    close(c, now, reset=True)
        # paced senders: sleep between bytes without spinning on EVENT_WRITE
        if step > 0:
            for c in conns:
                if c.closed_at is None and c.connected:
                    want = selectors.EVENT_READ | (selectors.EVENT_WRITE if now >= c.next_send else 0)
                    try:
                        if sel.get_key(c.sock).events != want:
                            sel.modify(c.sock, want, c)
                    except (KeyError, ValueError):
                        pass
    now = time.monotonic()
    still = sum(1 for c in conns if c.closed_at is None)
    cut = sum(1 for c in conns if c.closed_at is not None)
    for c in conns:
        if c.closed_at is None:
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
    sel.close()
    pipelined = sum(c.answers for c in conns) if a.attack == "pipeline" else None
    out = {"attack": a.attack, "conns": a.conns, "sources": a.sources, "opened": opened,
           "refused": refused + reset_before_answer, "cut": cut, "open": still,
           "statuses": statuses,
           "cut_p50_s": round(pct(cut_times, 50), 2) if cut_times else None,
           "cut_max_s": round(max(cut_times), 2) if cut_times else None}
    if pipelined is not None:
        out["pipelined_answers"] = pipelined
    print(json.dumps(out), flush=True)


def one_request(host, port, method, path, body=None, headers=None, timeout=10.0):
    t = time.monotonic()
    s = socket.create_connection((host, port), timeout=timeout, source_address=("127.0.0.1", 0))
    try:
        h = "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n" % (method, path, host)
        for k, v in (headers or {}).items():
            h += "%s: %s\r\n" % (k, v)
        if body is not None:
            h += "Content-Length: %d\r\n" % len(body)
        s.sendall(h.encode() + b"\r\n" + (body or b""))
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    finally:
        s.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
    return status, time.monotonic() - t


def run_probe(a):
    kinds = [("hit", "GET", a.hit, None, 200), ("miss", "GET", a.miss, None, 404)]
    if a.upload:
        body = open(a.upload_file, "rb").read() if a.upload_file else b""
        kinds.append(("upload", "PUT", a.upload, body, (200, 201)))
    lat = {k[0]: [] for k in kinds}
    fails = []
    end = time.monotonic() + a.seconds
    n = 0
    while time.monotonic() < end or n < len(kinds):
        name, method, path, body, want = kinds[n % len(kinds)]
        hdr = {"Authorization": "Bearer " + a.token} if body is not None and a.token else None
        try:
            st, dt = one_request(a.host, a.port, method, path, body, hdr)
        except OSError as e:
            st, dt = 0, None
            fails.append("%s: %s" % (name, e))
        if dt is not None:
            lat[name].append(dt)
            if st not in (want if isinstance(want, tuple) else (want,)):
                fails.append("%s: status %d, want %s" % (name, st, want))
        n += 1
        time.sleep(a.pause)
    out = {"requests": n, "failures": len(fails), "first_failures": fails[:5]}
    for k, v in lat.items():
        out[k] = {"n": len(v), "p50_ms": round(pct(v, 50) * 1000, 1) if v else None,
                  "max_ms": round(max(v) * 1000, 1) if v else None}
    allv = [x for v in lat.values() for x in v]
    out["max_ms"] = round(max(allv) * 1000, 1) if allv else None
    line = json.dumps(out)
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")
    print(line, flush=True)


def main():
    p = argparse.ArgumentParser(description="hostile HTTP clients for symserver tests")
    p.add_argument("attack", choices=["slowloris", "idle", "headers", "url", "pipeline", "chunked",
                                      "chunkedfast", "probe"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--sources", type=int, default=1)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--path", default="/x/0/x.sym")
    p.add_argument("--token", default=None)
    p.add_argument("--hit")
    p.add_argument("--miss")
    p.add_argument("--upload")
    p.add_argument("--upload-file")
    p.add_argument("--pause", type=float, default=0.05)
    p.add_argument("--out")
    a = p.parse_args()
    if not 1 <= a.sources <= 250:
        raise SystemExit("--sources is 1..250")
    if a.attack == "probe":
        run_probe(a)
    else:
        run_attack(a)


if __name__ == "__main__":
    main()
