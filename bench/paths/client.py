#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""One timed HTTP/1.1 fetch for bench/paths (run inside the lab's client namespace).

  client.py HOST PATH SIZE SHA256 TIMEOUT

Sends one keep-alive GET, receives the body into memory, and prints one JSON line: bytes,
seconds (request sent to last body byte), the failures found (status, length, digest, time
limit), and this namespace's D-SACK counters over the fetch (RFC 2883: a Linux receiver sends
one for every segment it already had, so they count the sender's spurious retransmissions the
same way for every server). Then it keeps the connection open until a line arrives on stdin,
so that the caller can read the sender's per-connection counters before the close.
"""
import hashlib
import json
import socket
import sys
import time

DSACK_SENT = ("TCPDSACKOldSent", "TCPDSACKOfoSent")


def netstat():
    """{name: value} of /proc/net/netstat's TcpExt lines (this network namespace's)."""
    out = {}
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[0::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            out.update(zip(names.split()[1:], (int(v) for v in values.split()[1:])))
    return out


def fetch(host, path, size, deadline):
    """(body bytes received, seconds, failures, socket, buffer holding the body)"""
    buf = bytearray(size + 65536)
    view = memoryview(buf)
    s = socket.create_connection((host, 80), timeout=max(1.0, deadline - time.monotonic()))
    t0 = time.monotonic()
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n"
               % (path, host)).encode())
    got, head = 0, None
    while head is None:
        n = s.recv_into(view[got:got + 65536])
        if n == 0:
            return 0, time.monotonic() - t0, ["closed before the header"], s, buf
        got += n
        end = bytes(view[:got]).find(b"\r\n\r\n")
        if end >= 0:
            head = bytes(view[:end]).decode("latin-1")
            body_start = end + 4
    failures = []
    status = head.split("\r\n")[0]
    if " 200 " not in status + " ":
        failures.append("status '%s'" % status)
    length = None
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    if length != size:
        failures.append("Content-Length %s, want %d" % (length, size))
    # the body goes to the start of the buffer
    body = got - body_start
    view[:body] = view[body_start:got]
    while body < size:
        left = deadline - time.monotonic()
        if left <= 0:
            failures.append("time limit: %d of %d bytes" % (body, size))
            break
        s.settimeout(left)
        try:
            n = s.recv_into(view[body:size])
        except socket.timeout:
            continue
        if n == 0:
            failures.append("closed after %d of %d bytes" % (body, size))
            break
        body += n
    seconds = time.monotonic() - t0
    return body, seconds, failures, s, buf


def main():
    host, path, size, digest, timeout = sys.argv[1:6]
    size, timeout = int(size), float(timeout)
    before = netstat()
    res = {"bytes": 0, "seconds": 0.0, "failures": []}
    sock = None
    try:
        got, seconds, failures, sock, buf = fetch(host, path, size, time.monotonic() + timeout)
        if not failures and hashlib.sha256(memoryview(buf)[:size]).hexdigest() != digest:
            failures.append("body differs from the file (sha256)")
        res.update(bytes=got, seconds=seconds, failures=failures)
    except (OSError, ValueError) as e:
        res["failures"].append("client: %s" % e)
    after = netstat()
    res["dsacks_sent"] = sum(after.get(k, 0) - before.get(k, 0) for k in DSACK_SENT)
    print(json.dumps(res), flush=True)
    sys.stdin.readline()
    if sock:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
