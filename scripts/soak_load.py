#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The soak's mixed load (scripts/soak.sh runs it in the client namespace): plain fetches,
Range requests, resets in the middle of a body, and many mostly idle keep-alive connections,
against docroot files whose byte k is pattern(file, k), so every body byte is checked. Counters
go to --status as JSON every 5 s and at the end (SIGTERM or --seconds)."""
import argparse
import json
import os
import random
import signal
import socket
import threading
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "interop", "attack"))
from attacklib import read_http_head  # noqa: E402

SERVER = ("198.18.0.1", 80)
LINGER_RST = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # struct linger {1, 0}: close sends RST


def pattern_byte(n):
    """File n (soak-NN.bin) is filled with byte 1 + n % 255 (never 0)."""
    return 1 + n % 255


class Load:
    def __init__(self, files, stop):
        self.files, self.stop = files, stop  # files: [(name, size, byte)]
        self.lock = threading.Lock()
        self.c = {k: 0 for k in ("requests", "fetches", "ranges", "resets", "body_bytes",
                                 "wrong_bytes", "bad_status", "short_bodies", "conn_errors",
                                 "timeouts", "idle_conns", "idle_requests")}

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                self.c[k] += v

    def snapshot(self):
        with self.lock:
            return dict(self.c)


def read_body(s, buf, length, want, load, limit=None):
    """Read length body bytes (or only limit of them), counting those that are not want.
    Returns (bytes read, leftover buffer)."""
    target = length if limit is None else min(limit, length)
    got, wrong = 0, 0
    chunk, buf = buf[:target], buf[target:]
    while True:
        got += len(chunk)
        wrong += len(chunk) - chunk.count(want)
        if got >= target:
            break
        chunk = s.recv(min(1 << 20, target - got))
        if not chunk:
            load.add(body_bytes=got, wrong_bytes=wrong, short_bodies=1)
            raise ConnectionError("EOF in the body")
    load.add(body_bytes=got, wrong_bytes=wrong)
    return got, buf


def connect():
    s = socket.create_connection(SERVER, timeout=30)
    return s


def worker(load, kind, seed):
    rnd = random.Random(seed)
    s, buf = None, b""
    while not load.stop.is_set():
        try:
            name, size, byte = rnd.choice(load.files)
            want = bytes([byte])
            if s is None or kind == "reset":
                s, buf = connect(), b""
            if kind == "range" and size > 1:
                first = rnd.randrange(0, size)
                last = min(size - 1, first + rnd.choice([0, 99, 1459, 4095, 65535, 262143, 1 << 20]))
                extra = b"Range: bytes=%d-%d\r\n" % (first, last)
                expect, length = 206, last - first + 1
            else:
                extra, expect, length = b"", 200, size
            s.sendall(b"GET /%s HTTP/1.1\r\nHost: soak\r\n%s\r\n" % (name.encode(), extra))
            status, hdrs, buf = read_http_head(s, buf)
            load.add(requests=1)
            clen = int(hdrs.get("content-length", "-1"))
            if status != expect or clen != length:
                load.add(bad_status=1)
                s.close()
                s = None
                continue
            if kind == "reset":
                # part of the body, then RST in the middle of the transfer
                read_body(s, buf, length, want, load, limit=rnd.randrange(0, max(1, length // 2)))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
                s.close()
                s = None
                load.add(resets=1)
                continue
            _, buf = read_body(s, buf, length, want, load)
            load.add(**{"ranges" if kind == "range" else "fetches": 1})
        except socket.timeout:
            load.add(timeouts=1)
            if s is not None:
                s.close()
            s = None
        except (OSError, ValueError, IndexError):
            load.add(conn_errors=1)
            if s is not None:
                s.close()
            s = None
            time.sleep(0.05)
    if s is not None:
        s.close()


def idle_conns(load, n, seed):
    """n keep-alive connections, each asking for a small file now and then (every ~n/20 s)."""
    rnd = random.Random(seed)
    small = [f for f in load.files if f[1] <= 16384] or load.files[:1]
    conns = [None] * n
    while not load.stop.is_set():
        i = rnd.randrange(n)
        try:
            if conns[i] is None:
                conns[i] = connect()
            s = conns[i]
            name, size, byte = rnd.choice(small)
            s.sendall(b"GET /%s HTTP/1.1\r\nHost: soak\r\n\r\n" % name.encode())
            status, hdrs, rest = read_http_head(s)
            load.add(requests=1, idle_requests=1)
            if status != 200 or int(hdrs.get("content-length", "-1")) != size:
                load.add(bad_status=1)
                raise ConnectionError("status %d" % status)
            _, left = read_body(s, rest, size, bytes([byte]), load)
            if left:
                raise ConnectionError("bytes after the body")
        except (OSError, ValueError, IndexError):
            # the server closes idle keep-alive connections (30 s): not an error
            if conns[i] is not None:
                conns[i].close()
            conns[i] = None
        with load.lock:
            load.c["idle_conns"] = sum(1 for c in conns if c is not None)
        load.stop.wait(0.05)
    for c in conns:
        if c is not None:
            c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docroot", required=True)
    ap.add_argument("--status", required=True)
    ap.add_argument("--seconds", type=float, default=1e9)
    ap.add_argument("--fetchers", type=int, default=3)
    ap.add_argument("--rangers", type=int, default=3)
    ap.add_argument("--resetters", type=int, default=2)
    ap.add_argument("--idle", type=int, default=200)
    args = ap.parse_args()
    files = []
    for name in sorted(os.listdir(args.docroot)):
        if name.startswith("soak-") and name.endswith(".bin"):
            n = int(name[5:-4])
            files.append((name, os.path.getsize(os.path.join(args.docroot, name)), pattern_byte(n)))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda sig, frame: stop.set())
    load = Load(files, stop)
    threads = [threading.Thread(target=worker, args=(load, kind, 100 * j + i), daemon=True)
               for j, (kind, k) in enumerate([("fetch", args.fetchers), ("range", args.rangers),
                                              ("reset", args.resetters)]) for i in range(k)]
    threads.append(threading.Thread(target=idle_conns, args=(load, args.idle, 7), daemon=True))
    for t in threads:
        t.start()
    end = time.monotonic() + args.seconds

    def write_status(final):
        tmp = args.status + ".tmp"
        with open(tmp, "w") as f:
            json.dump(dict(load.snapshot(), final=final, time=time.time()), f)
        os.replace(tmp, args.status)

    while not stop.wait(5.0):
        write_status(False)
        if time.monotonic() >= end:
            stop.set()
    for t in threads:
        t.join(timeout=60)
    write_status(True)


if __name__ == "__main__":
    main()
