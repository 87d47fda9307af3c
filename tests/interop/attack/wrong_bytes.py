#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Issue 14 finding 1 (the wrong-bytes race), black-box: many files, each filled with its own
byte value (file N with byte N), random Range requests from several clients while others reset
right after the response headers (their SENDs are released while the NIC still waits for cold
reads), the page cache dropped every 2 s so reads stay cold, every body byte checked against
its file's value. On the code before f9e36fe a block whose read was still in flight was
reused for another file and served its bytes (the review counted 587,312 wrong bytes in 40 s).
Passes when no body byte is wrong, every checked response is complete, and the server lives."""
import os
import random
import socket
import sys
import threading
import time

import attacklib as al

NFILES = 40
FILE_SIZE = 4 << 20  # 160 MiB in all: more than the NIC's 64 MiB store, so blocks are reused


def fill(n):
    def make(path):
        chunk = bytes([n]) * (1 << 20)
        with open(path, "wb") as f:
            for _ in range(FILE_SIZE >> 20):
                f.write(chunk)
    return make


def name_of(n):
    return "f%02d.bin" % n


def range_client(seconds, seed):
    """In the client namespace: keep-alive HTTP/1.1 Range requests of random files and ranges
    for `seconds`; every body byte compared with the file's byte value."""
    rnd = random.Random(seed)
    st = {"requests": 0, "bytes": 0, "wrong": 0, "bad_status": 0, "short": 0, "conn_errors": 0}
    end = time.monotonic() + seconds
    s, buf = None, b""
    while time.monotonic() < end:
        try:
            if s is None:
                s = socket.create_connection((al.SERVER_IP, 80), timeout=20)
                buf = b""
            n = rnd.randrange(1, NFILES + 1)
            length = rnd.choice([1, 100, 1460, 4096, 65536, 100000, 300000, 1 << 20])
            first = rnd.randrange(0, FILE_SIZE - length + 1)
            s.sendall(b"GET /%s HTTP/1.1\r\nHost: a\r\nRange: bytes=%d-%d\r\n\r\n"
                      % (name_of(n).encode(), first, first + length - 1))
            status, hdrs, buf = al.read_http_head(s, buf)
            st["requests"] += 1
            clen = int(hdrs.get("content-length", "-1"))
            if status != 206 or clen != length:
                st["bad_status"] += 1
                s.close()
                s = None
                continue
            want = bytes([n])
            got = 0
            body = buf[:clen]
            buf = buf[clen:]
            while True:
                got += len(body)
                st["bytes"] += len(body)
                st["wrong"] += len(body) - body.count(want)
                if got >= clen:
                    break
                body = s.recv(min(1 << 20, clen - got))
                if not body:
                    st["short"] += 1
                    raise OSError("EOF in the body")
        except (OSError, ValueError, IndexError):
            st["conn_errors"] += 1
            if s is not None:
                s.close()
            s = None
    if s is not None:
        s.close()
    return st


def reset_client(seconds, seed):
    """In the client namespace: request a file (whole or a range) and reset the connection as
    soon as the response head arrives (SO_LINGER 0: RST), over and over."""
    rnd = random.Random(seed)
    st = {"resets": 0, "errors": 0}
    end = time.monotonic() + seconds
    linger = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # struct linger {1, 0}
    while time.monotonic() < end:
        try:
            s = socket.create_connection((al.SERVER_IP, 80), timeout=10)
        except OSError:
            st["errors"] += 1
            time.sleep(0.05)
            continue
        try:
            n = rnd.randrange(1, NFILES + 1)
            rng = b""
            if rnd.random() < 0.5:
                first = rnd.randrange(0, FILE_SIZE - 1)
                rng = b"Range: bytes=%d-\r\n" % first
            s.sendall(b"GET /%s HTTP/1.1\r\nHost: a\r\n%s\r\n" % (name_of(n).encode(), rng))
            al.read_http_head(s)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            st["resets"] += 1
        except (OSError, ValueError, IndexError):
            st["errors"] += 1
        finally:
            s.close()
    return st


def drop_caches(stop, counter):
    while not stop.wait(2.0):
        try:
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("1\n")
            counter[0] += 1
        except OSError:
            pass


def attack(lab, args):
    before = lab.figures()
    stop, drops = threading.Event(), [0]
    dropper = threading.Thread(target=drop_caches, args=(stop, drops), daemon=True)
    dropper.start()
    t0 = time.monotonic()
    rangers = [lab.ns_start(range_client, args.seconds, 1000 + i) for i in range(args.range_clients)]
    resetters = [lab.ns_start(reset_client, args.seconds, 2000 + i)
                 for i in range(args.reset_clients)]
    time.sleep(args.seconds / 2)
    during = lab.figures()
    tot = {}
    for p in rangers + resetters:
        for k, v in lab.ns_wait(p, timeout=args.seconds + 120).items():
            tot[k] = tot.get(k, 0) + v
    elapsed = time.monotonic() - t0
    stop.set()
    dropper.join()
    time.sleep(2)
    after = lab.figures()
    nic = after["stats"]["nic"]
    al.note("%.0f s: %d Range requests, %d body bytes checked, %d resets after the head, "
            "page cache dropped %d times; NIC: %d reads, %d store evictions, %d stale reads"
            % (elapsed, tot["requests"], tot["bytes"], tot["resets"], drops[0],
               nic.get("nic_reads", 0), nic.get("nic_store_evictions", 0),
               nic.get("nic_stale_reads", 0)))
    al.report("wrong body bytes = %d (of %d checked in %d requests)"
              % (tot["wrong"], tot["bytes"], tot["requests"]), tot["wrong"] == 0)
    al.report("Range requests answered 206 with the asked length (%d bad, %d short, %d "
              "connection errors)" % (tot["bad_status"], tot["short"], tot["conn_errors"]),
              tot["bad_status"] == 0 and tot["short"] == 0 and tot["conn_errors"] == 0)
    al.report("load ran: >= 1000 Range requests, >= 100 resets, page cache dropped",
              tot["requests"] >= 1000 and tot["resets"] >= 100 and drops[0] >= 1,
              (tot["requests"], tot["resets"], drops[0]))
    al.report("the NIC read from disk and reused store blocks (reads %d, evictions %d)"
              % (nic.get("nic_reads", 0), nic.get("nic_store_evictions", 0)),
              args.mode != "offload" or (nic.get("nic_reads", 0) > 0 and
                                         nic.get("nic_store_evictions", 0) > 0))
    ok, detail = lab.fetch(name_of(7))
    al.report("a whole file afterwards: " + detail, ok)
    al.print_figures("wrong-bytes race (%d range + %d reset clients, %d s)"
                     % (args.range_clients, args.reset_clients, args.seconds),
                     [("before", before), ("during", during),
                      ("after", dict(after, transfers="%d requests" % tot["requests"],
                                     note="wrong bytes %d" % tot["wrong"]))])


def add_args(ap):
    ap.add_argument("--seconds", type=int, default=40)
    ap.add_argument("--range-clients", type=int, default=6)
    ap.add_argument("--reset-clients", type=int, default=4)


if __name__ == "__main__":
    sys.exit(al.main(attack, "wrong-bytes race: Range load, resets after the head, cold reads",
                     files={name_of(n): fill(n) for n in range(1, NFILES + 1)},
                     add_args=add_args))
