#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Orphan FIN_WAIT_2 flood (issue 14 finding 2): N HTTP/1.0 clients read their response to EOF
and never close. The server closed each connection (it is an orphan in FIN_WAIT_2 once the
client acknowledged the FIN); Linux drops such orphans after tcp_fin_timeout (60 s), and so
must the host stack after its fin timeout, holding none of them afterwards.

The test runs the server with a short fin timeout (--fin-timeout S, default 10 s) and checks that
the connections are still held at half of it and gone after it; --fin-timeout 0 runs with the
server's default (60 s) instead. Transfers must all be byte-exact."""
import os
import selectors
import signal
import socket
import sys
import time

import attacklib as al

FILE = "f16k.bin"


def hold(n, name, want_sha, ready):
    """In the client namespace: n HTTP/1.0 fetches of name read to EOF, sockets kept open (no
    FIN) until SIGTERM. All connect first, then all send their requests, so that the EOFs come
    close together. Writes "eofs byte-exact first-EOF last-EOF" (CLOCK_MONOTONIC, the same in
    every namespace) to the file `ready`."""
    sel = selectors.DefaultSelector()
    bodies, done, socks = {}, 0, []
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((al.SERVER_IP, 80))
        socks.append(s)
        bodies[i] = b""
    for s in socks:
        sel.register(s, selectors.EVENT_WRITE)
    left, end = n, time.monotonic() + 60
    while left and time.monotonic() < end:
        for key, _ in sel.select(1.0):
            sel.unregister(key.fileobj)
            left -= 1
    for i, s in enumerate(socks):
        s.sendall(b"GET /%s HTTP/1.0\r\n\r\n" % name.encode())
        sel.register(s, selectors.EVENT_READ, i)
    ok, first, last, end = 0, None, None, time.monotonic() + 60
    while done < n and time.monotonic() < end:
        for key, _ in sel.select(1.0):
            try:
                data = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            if data:
                bodies[key.data] += data
                continue
            sel.unregister(key.fileobj)  # EOF: the server's FIN; we keep the socket open
            done += 1
            last = time.monotonic()
            first = first or last
            body = bodies[key.data].partition(b"\r\n\r\n")[2]
            ok += al.sha256(body) == want_sha
    with open(ready + ".tmp", "w") as f:
        f.write("%d %d %f %f\n" % (done, ok, first or 0, last or 0))
    os.rename(ready + ".tmp", ready)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    end = time.monotonic() + 600
    while not stop and time.monotonic() < end:
        time.sleep(0.2)
    return {"eof": done, "ok": ok}


def held(lab):
    f = lab.figures()
    return f["host_conns"] if f["host_conns"] is not None else -1, f


def attack(lab, args):
    n, tmo = args.clients, args.fin_timeout or 60
    before = lab.figures()
    ready = os.path.join(lab.tmp, "orphans-ready")
    p = lab.ns_start(hold, n, FILE, al.sha256(os.path.join(lab.docroot, FILE)), ready)
    t_end = time.monotonic() + 90
    while not os.path.exists(ready) and time.monotonic() < t_end and p.poll() is None:
        time.sleep(0.1)
    eof, ok, first, last = 0, 0, 0.0, 0.0
    if os.path.exists(ready):
        fields = open(ready).read().split()
        eof, ok, first, last = int(fields[0]), int(fields[1]), float(fields[2]), float(fields[3])
    al.report("%d clients read to EOF, %d byte-exact (EOFs within %.1f s)" % (eof, ok, last - first),
              eof == n and ok == n)
    t0 = last
    time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
    c_start, f_start = held(lab)
    al.report("host holds the %d orphans after EOF (FIN_WAIT_2): %d connections" % (n, c_start),
              c_start >= n * 0.9)
    time.sleep(max(0.0, first + tmo / 2 - time.monotonic()))
    c_half, f_half = held(lab)
    al.report("still held at half the fin timeout (%.0f s): %d" % (tmo / 2, c_half),
              c_half >= n * 0.9)
    deadline = t0 + tmo + args.slack
    c_after, f_after = held(lab)
    while c_after > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        c_after, f_after = held(lab)
    gone_at = time.monotonic() - t0
    al.report("none held %.1f s after EOF (fin timeout %d s): %d left" % (gone_at, tmo, c_after),
              c_after == 0)
    lab.ns_signal(p)
    res = lab.ns_wait(p, timeout=30)
    time.sleep(1.5)
    ok2, detail = lab.fetch(FILE)
    al.report("a normal fetch afterwards: " + detail, ok2)
    f_end = lab.figures()
    xf = "%d/%d" % (res["ok"], n)
    al.print_figures("orphan FIN_WAIT_2 flood, %d clients, fin timeout %d s" % (n, tmo), [
        ("before", before),
        ("after EOF", dict(f_start, transfers=xf, note="FIN_WAIT_2 orphans")),
        ("half the fin timeout", f_half),
        ("after the fin timeout", dict(f_after, note="%.1f s after EOF" % gone_at)),
        ("clients closed", dict(f_end, transfers="1/1" if ok2 else "0/1")),
    ])


def httpd_args(args):
    return ["--tcp-fin-timeout", str(args.fin_timeout * 1000)] if args.fin_timeout else []


def add_args(ap):
    ap.add_argument("--clients", type=int, default=300)
    ap.add_argument("--fin-timeout", type=int, default=10,
                    help="server fin timeout in s (0: the server's default, 60 s)")
    ap.add_argument("--slack", type=float, default=4.0, help="s allowed past the fin timeout")


if __name__ == "__main__":
    sys.exit(al.main(attack, "orphan FIN_WAIT_2 flood: clients read to EOF and never close",
                     files={FILE: 16384}, httpd_args=httpd_args, add_args=add_args))
