#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""HTTP/1.1 conformance checks for iotcp-httpd, over real TCP sockets.

Two ways to run:
  conformance.py --launch BINARY [--mode copy|offload]
      starts BINARY (iotcp-httpd-linux: the server code on kernel sockets) on 127.0.0.1 with
      a generated docroot and checks it;
  conformance.py --host 198.18.0.1 --port 80 --docroot DIR [--tls] [--access-log FILE]
      checks a server that is already running (e.g. from the iotcp-lab client namespace);
      --tls speaks HTTPS to it (any certificate), --access-log checks the lines the checks'
      requests left in the server's access log (tests/interop/tls/https_conformance.py).
Each check prints one line; the exit status is 1 if any failed.
"""
import argparse
import hashlib
import io
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

FILES = {"empty.txt": 0, "one.bin": 1, "mss.bin": 1460, "k64.bin": 65536, "m1.bin": 1 << 20}
# issue 14 finding 8: directories whose redirect fits the response head or not, one whose name
# must be percent-encoded in Location, and a FIFO (opening it must not block the server)
LONG_DIR = "/".join(["L" * 200] * 4 + ["M" * 100])
MID_DIR = "/".join(["m" * 200] * 2 + ["n" * 100])
SPACE_DIR = "a b"
LAUNCH_MAX_HEADER = 4096


def make_docroot(d):
    rnd = random.Random(1)
    for name, size in FILES.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(rnd.getrandbits(8) for _ in range(min(size, 4096))) * (size // 4096) +
                    bytes(rnd.getrandbits(8) for _ in range(size % 4096)))
    os.makedirs(os.path.join(d, "dir"), exist_ok=True)
    with open(os.path.join(d, "dir", "index.html"), "w") as f:
        f.write("<h1>dir</h1>\n")
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write("<h1>iotcp</h1>\n")
    with open(os.path.join(d, "style.css"), "w") as f:
        f.write("body{}\n")
    for sub_dir in (LONG_DIR, MID_DIR, SPACE_DIR):
        os.makedirs(os.path.join(d, sub_dir), exist_ok=True)
    fifo = os.path.join(d, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


def read_response(f, head_only=False):
    line = f.readline()
    if not line:
        raise EOFError("connection closed before a response")
    parts = line.decode("latin-1").split(" ", 2)
    status = int(parts[1])
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, v = h.decode("latin-1").split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = b""
    if not head_only and status not in (204, 304) and status >= 200:
        n = int(headers.get("content-length", "0"))
        body = f.read(n)
        if len(body) != n:
            raise EOFError("short body: %d of %d" % (len(body), n))
    return Resp(status, headers, body)


TLS = None  # an ssl.SSLContext when the server speaks HTTPS (--tls)


def connect(host, port, timeout=10):
    s = socket.create_connection((host, port), timeout=timeout)
    return TLS.wrap_socket(s, server_hostname="iotcp.test") if TLS else s


def request(host, port, raw, n=1, head_only=False, timeout=10):
    s = connect(host, port, timeout=timeout)
    try:
        try:
            s.sendall(raw)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            # the server answered an oversized request and closed before reading it all (a
            # reset, RFC 9293 3.10.4 / RFC 2525 2.17): its answer is still in our receive queue
            pass
        f = s.makefile("rb")
        return [read_response(f, head_only) for _ in range(n)]
    finally:
        s.close()


def get(host, port, path, extra="", method="GET"):
    raw = ("%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n" % (method, path, extra)).encode()
    return request(host, port, raw, head_only=(method == "HEAD"))[0]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def run_checks(host, port, docroot, launched=False):
    results = []

    def check(name, cond, detail=""):
        results.append(bool(cond))
        print("%s %s%s" % ("PASS" if cond else "FAIL", name, (": " + detail) if detail and not cond else ""))

    def attempt(name, fn):
        try:
            fn()
        except Exception as e:  # a failure to talk counts as a failed check, not a crash
            check(name, False, repr(e))

    def body_of(name):
        with open(os.path.join(docroot, name), "rb") as f:
            return f.read()

    def t_files():
        for name in FILES:
            r = get(host, port, "/" + name)
            want = body_of(name)
            check("GET /%s (%d B) byte-exact" % (name, len(want)),
                  r.status == 200 and sha(r.body) == sha(want), "status %d len %d" % (r.status, len(r.body)))
    attempt("files", t_files)

    def t_head():
        r = get(host, port, "/m1.bin", method="HEAD")
        check("HEAD has length, no body", r.status == 200 and r.headers.get("content-length") == str(1 << 20) and r.body == b"")
    attempt("head", t_head)

    def t_types():
        check("Content-Type html", get(host, port, "/index.html").headers.get("content-type", "").startswith("text/html"))
        check("Content-Type css", get(host, port, "/style.css").headers.get("content-type", "").startswith("text/css"))
        check("Content-Type unknown", get(host, port, "/m1.bin").headers.get("content-type") == "application/octet-stream")
    attempt("types", t_types)

    def t_dirs():
        r = get(host, port, "/dir")
        check("directory without slash -> 301", r.status == 301 and r.headers.get("location") == "/dir/")
        r = get(host, port, "/dir/")
        check("directory -> index.html", r.status == 200 and r.body == b"<h1>dir</h1>\n")
        r = get(host, port, "/")
        check("/ -> index.html", r.status == 200 and r.body == b"<h1>iotcp</h1>\n")
    attempt("dirs", t_dirs)

    def t_ranges():
        want = body_of("m1.bin")
        r = get(host, port, "/m1.bin", "Range: bytes=1000-1999\r\n")
        check("Range a-b -> 206 byte-exact", r.status == 206 and r.body == want[1000:2000] and
              r.headers.get("content-range") == "bytes 1000-1999/%d" % len(want))
        r = get(host, port, "/m1.bin", "Range: bytes=-500\r\n")
        check("Range suffix -> 206", r.status == 206 and r.body == want[-500:])
        r = get(host, port, "/m1.bin", "Range: bytes=1048000-\r\n")
        check("Range open -> 206", r.status == 206 and r.body == want[1048000:])
        r = get(host, port, "/m1.bin", "Range: bytes=2000000-\r\n")
        check("Range unsatisfiable -> 416", r.status == 416 and r.headers.get("content-range") == "bytes */%d" % len(want))
        r = get(host, port, "/m1.bin", "Range: bytes=0-1,5-6\r\n")
        check("multi-range -> 200 whole", r.status == 200 and len(r.body) == len(want))
        r = get(host, port, "/m1.bin", "Range: bytes=0-9\r\nIf-Range: \"nope\"\r\n")
        check("If-Range mismatch -> 200", r.status == 200 and len(r.body) == len(want))
    attempt("ranges", t_ranges)

    def t_conditional():
        r = get(host, port, "/k64.bin")
        etag, lm = r.headers.get("etag"), r.headers.get("last-modified")
        check("ETag and Last-Modified present", bool(etag) and bool(lm))
        r = get(host, port, "/k64.bin", "If-None-Match: %s\r\n" % etag)
        check("If-None-Match -> 304", r.status == 304 and r.body == b"")
        r = get(host, port, "/k64.bin", "If-None-Match: \"other\"\r\n")
        check("If-None-Match other -> 200", r.status == 200)
        r = get(host, port, "/k64.bin", "If-Modified-Since: %s\r\n" % lm)
        check("If-Modified-Since -> 304", r.status == 304)
        r = get(host, port, "/k64.bin", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
        check("If-Modified-Since old -> 200", r.status == 200)
    attempt("conditional", t_conditional)

    def t_errors():
        check("404", get(host, port, "/missing").status == 404)
        check("traversal %2e%2e -> 403", get(host, port, "/%2e%2e/etc/passwd").status == 403)
        check("traversal .. -> 403", get(host, port, "/dir/../../etc/passwd").status == 403)
        check("POST -> 405", get(host, port, "/", method="POST").status == 405)
        r = request(host, port, b"GARBAGE\r\n\r\n")[0]
        check("bad request line -> 400", r.status == 400)
        r = request(host, port, b"GET / HTTP/1.1\r\n\r\n")[0]
        check("missing Host -> 400", r.status == 400)
        r = request(host, port, b"GET / HTTP/3.0\r\nHost: t\r\n\r\n")[0]
        check("HTTP/3.0 -> 505", r.status == 505)
        r = request(host, port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")[0]
        check("long URI -> 414", r.status == 414)
        r = request(host, port, b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X-Pad: " + b"v" * 20000 + b"\r\n\r\n")[0]
        check("huge header -> 431", r.status == 431)
        r = request(host, port, b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n")[0]
        check("huge body -> 413", r.status == 413)
    attempt("errors", t_errors)

    def t_keepalive():
        raw = b"".join(b"GET /%s HTTP/1.1\r\nHost: t\r\n\r\n" % n.encode() for n in ("one.bin", "missing", "mss.bin"))
        rs = request(host, port, raw + b"HEAD /k64.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", n=3)
        check("pipelined responses in order", [r.status for r in rs] == [200, 404, 200] and
              rs[0].body == body_of("one.bin") and rs[2].body == body_of("mss.bin"))
        s = connect(host, port)
        f = s.makefile("rb")
        ok = True
        for i in range(5):
            s.sendall(b"GET /k64.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            r = read_response(f)
            ok = ok and r.status == 200 and len(r.body) == 65536
        s.close()
        check("keep-alive: 5 requests on one connection", ok)
        r = request(host, port, b"GET /one.bin HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /mss.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", n=2)
        check("request body discarded, next request served", r[0].status == 200 and r[1].status == 200 and len(r[1].body) == 1460)
        r = request(host, port, b"GET /one.bin HTTP/1.0\r\n\r\n")[0]
        check("HTTP/1.0 closes", r.status == 200 and r.headers.get("connection", "").lower() == "close")
        rs = request(host, port, b"GET /one.bin HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                     b"GET /mss.bin HTTP/1.0\r\n\r\n", n=2)
        check("HTTP/1.0 keep-alive is confirmed and honoured",
              rs[0].headers.get("connection", "").lower() == "keep-alive" and rs[1].status == 200 and
              len(rs[1].body) == 1460)
    attempt("keepalive", t_keepalive)

    def t_hardening():
        # issue 14 finding 8: a redirect too long for the response head is refused cleanly
        # (the head used to be written past its buffer), one that fits is exact and encoded
        r = get(host, port, "/" + LONG_DIR)
        check("redirect too long for the head -> 414", r.status == 414, "status %d" % r.status)
        r = get(host, port, "/" + MID_DIR)
        check("long redirect -> 301 with the whole Location",
              r.status == 301 and r.headers.get("location") == "/" + MID_DIR + "/")
        r = get(host, port, "/a%20b")
        check("Location percent-encoded", r.status == 301 and r.headers.get("location") == "/a%20b/",
              "%d %s" % (r.status, r.headers.get("location")))
        t0 = time.time()
        r = get(host, port, "/fifo")
        check("FIFO -> 403 at once (the open does not wait for a writer)",
              r.status == 403 and time.time() - t0 < 3, "status %d" % r.status)
        check("served after all that", get(host, port, "/one.bin").status == 200)
        if launched:
            pad = b"X-Pad: " + b"v" * (LAUNCH_MAX_HEADER + 100) + b"\r\n"
            r = request(host, port, b"GET / HTTP/1.1\r\nHost: t\r\n" + pad + b"\r\n")[0]
            check("header past --max-header-bytes -> 431", r.status == 431, "status %d" % r.status)
            pad = b"X-Pad: " + b"v" * (LAUNCH_MAX_HEADER - 200) + b"\r\n"
            r = request(host, port, b"GET /one.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + pad + b"\r\n")[0]
            check("header within --max-header-bytes -> 200", r.status == 200, "status %d" % r.status)
    attempt("hardening", t_hardening)

    def t_range_edges():
        # RFC 9110 14.2: first and last byte, an end past the length (clamped), a range across
        # a 16 KiB record boundary (TLS records are cut at file offsets), an invalid spec
        # (ignored: 200 whole), If-Range with the current validators (206)
        want = body_of("m1.bin")
        n = len(want)
        for spec, lo, hi in (("0-0", 0, 0), ("%d-" % (n - 1), n - 1, n - 1),
                             ("1048000-9999999", 1048000, n - 1), ("16383-16384", 16383, 16384),
                             ("16384-32767", 16384, 32767)):
            r = get(host, port, "/m1.bin", "Range: bytes=%s\r\n" % spec)
            check("Range %s -> 206 byte-exact" % spec, r.status == 206 and r.body == want[lo:hi + 1] and
                  r.headers.get("content-range") == "bytes %d-%d/%d" % (lo, hi, n),
                  "status %d len %d %s" % (r.status, len(r.body), r.headers.get("content-range")))
        r = get(host, port, "/m1.bin", "Range: bytes=9-5\r\n")
        check("Range last < first -> 200 whole", r.status == 200 and r.body == want, "status %d" % r.status)
        r = get(host, port, "/empty.txt", "Range: bytes=0-\r\n")
        check("Range on an empty file -> 416", r.status == 416, "status %d" % r.status)
        r = get(host, port, "/m1.bin")
        etag, lm = r.headers.get("etag"), r.headers.get("last-modified")
        r = get(host, port, "/m1.bin", "Range: bytes=100-199\r\nIf-Range: %s\r\n" % etag)
        check("If-Range current ETag -> 206", r.status == 206 and r.body == want[100:200], "status %d" % r.status)
        r = get(host, port, "/m1.bin", "Range: bytes=100-199\r\nIf-Range: %s\r\n" % lm)
        check("If-Range current Last-Modified -> 206", r.status == 206 and r.body == want[100:200],
              "status %d" % r.status)
        r = get(host, port, "/m1.bin", "Range: bytes=100-199\r\nIf-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
        check("If-Range old date -> 200 whole", r.status == 200 and r.body == want, "status %d" % r.status)
        r = get(host, port, "/m1.bin", "Range: bytes=0-9\r\n", method="HEAD")
        check("HEAD with Range -> 206 head, no body", r.status == 206 and r.body == b"" and
              r.headers.get("content-length") == "10", "status %d" % r.status)
        r = get(host, port, "/m1.bin", "If-None-Match: %s\r\n" % etag, method="HEAD")
        check("HEAD If-None-Match -> 304", r.status == 304, "status %d" % r.status)
    attempt("range_edges", t_range_edges)

    def t_inflight():
        # a second request sent while the first body (on the NIC: a sealed, offloaded body) is
        # still on its way: both responses arrive whole, in order, byte-exact
        s = connect(host, port, timeout=20)
        try:
            f = s.makefile("rb")
            s.sendall(b"GET /m1.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            first = f.readline()
            s.sendall(b"GET /k64.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                      b"GET /mss.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            rest = f.read()
        finally:
            s.close()
        g = io.BufferedReader(io.BytesIO(first + rest))
        rs = [read_response(g) for _ in range(3)]
        check("requests sent while a body is in flight: 3 responses byte-exact, in order",
              [r.status for r in rs] == [200, 200, 200] and rs[0].body == body_of("m1.bin") and
              rs[1].body == body_of("k64.bin") and rs[2].body == body_of("mss.bin") and g.read() == b"",
              str([(r.status, len(r.body)) for r in rs]))
    attempt("inflight", t_inflight)

    def t_linger():
        # lingering close: a request whose header block is too large, followed by more bytes
        # than the server reads before it answers. The server must answer 431, shut its write
        # side (HTTPS: close_notify, then FIN), drop what still comes, then close: the client
        # reads the whole response and a clean end -- not a reset, which the client's stack may
        # take as the end of the response too (RFC 9293 3.10.4 resets on a close with unread
        # data). 50 KB in all: the server's budget (64 KiB after what it read) takes it.
        raw = (b"GET / HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"v" * 20000 + b"\r\nX-More: " +
               b"w" * 30000 + b"\r\n\r\n")
        s = connect(host, port, timeout=10)
        try:
            s.sendall(raw)
            f = s.makefile("rb")
            r = read_response(f)
            try:
                rest, end = f.read(), "clean end"
            except (ConnectionResetError, ssl.SSLError) as e:
                rest, end = b"", "reset: %r" % e
        finally:
            s.close()
        check("oversized header + more bytes: whole 431, then a clean close (lingering close)",
              r.status == 431 and r.body.startswith(b"431") and rest == b"" and end == "clean end",
              "status %d, %s, %d bytes after the response" % (r.status, end, len(rest)))

        # ... and bounded: a client that keeps sending after the 431 is cut off after the
        # server's linger time or byte budget (2 s / 64 KiB), not held open forever
        s = connect(host, port, timeout=10)
        sent, t0, ended = 0, None, None
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"v" * 20000 + b"\r\n\r\n")
            r = read_response(s.makefile("rb"))
            t0 = time.time()
            while time.time() - t0 < 10:
                try:
                    s.sendall(b"x" * 2048)
                    sent += 2048
                except (OSError, ssl.SSLError) as e:
                    ended = e
                    break
                time.sleep(0.02)
        finally:
            s.close()
        took = time.time() - t0 if t0 else -1
        check("a client that keeps sending after the 431 is cut off within the linger bounds",
              r.status == 431 and ended is not None and took < 6 and (sent >= 32768 or took >= 1.0),
              "status %d, ended %r after %.1f s and %d bytes" % (r.status, ended, took, sent))
    attempt("linger", t_linger)

    return results


def check_access_log(path, results):
    """The access log holds the checks' requests in common log format with their status and
    body bytes (the log is flushed about once a second)."""
    want = ['"GET /m1.bin HTTP/1.1" 200 1048576', '"GET /m1.bin HTTP/1.1" 206 1000',
            '"GET /k64.bin HTTP/1.1" 304 -', '"GET /missing HTTP/1.1" 404',
            '"POST / HTTP/1.1" 405', '"HEAD /m1.bin HTTP/1.1" 200', '"GET /m1.bin HTTP/1.1" 416']
    missing = want
    for _ in range(50):
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except OSError:
            text = ""
        missing = [w for w in want if w not in text]
        if not missing:
            break
        time.sleep(0.1)
    ok = not missing and re.search(r'^\S+ - - \[[^]]+\] "GET /mss.bin HTTP/1.1" 200 1460$', text, re.M)
    print("%s access log: the requests in common log format%s" %
          ("PASS" if ok else "FAIL", "" if ok else " -- missing %s" % missing))
    results.append(bool(ok))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--launch")
    ap.add_argument("--mode", default="copy")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--docroot")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--access-log")
    ap.add_argument("--make-docroot", help="only write the docroot's files into this directory")
    a = ap.parse_args()
    if a.make_docroot:
        make_docroot(a.make_docroot)
        return 0
    proc = None
    tmp = None
    try:
        if a.launch:
            tmp = tempfile.mkdtemp(prefix="iotcp-http-")
            docroot = os.path.join(tmp, "root")
            os.makedirs(docroot)
            make_docroot(docroot)
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            env = dict(os.environ, IOTCP_LINUX_DOCROOT=docroot)
            log = os.path.join(tmp, "access.log")
            proc = subprocess.Popen([a.launch, "--mode", a.mode, "--docroot", docroot, "--port", str(port),
                                     "--access-log", log, "--request-timeout", "1000",
                                     "--max-header-bytes", str(LAUNCH_MAX_HEADER)], env=env)
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            host = "127.0.0.1"
        else:
            host, port, docroot = a.host, a.port or 80, a.docroot
            if not docroot:
                ap.error("--docroot is needed with --host")
        if a.tls:
            global TLS
            TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            TLS.check_hostname = False
            TLS.verify_mode = ssl.CERT_NONE
        results = run_checks(host, port, docroot, launched=bool(a.launch))
        if a.access_log:
            check_access_log(a.access_log, results)
        if a.launch:
            # request timeout: a partial request is answered with 408 and closed
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\n")
            t0 = time.time()
            data = s.recv(4096)
            ok = data.startswith(b"HTTP/1.1 408") and time.time() - t0 < 4
            print("%s slow request -> 408 after the request timeout" % ("PASS" if ok else "FAIL"))
            results.append(ok)
            s.close()
            check_access_log(log, results)
            alive = proc.poll() is None
            print("%s server still running after all checks" % ("PASS" if alive else "FAIL"))
            results.append(alive)
        print("%d passed, %d failed" % (results.count(True), results.count(False)))
        return 0 if all(results) else 1
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
