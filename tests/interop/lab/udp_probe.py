#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""UDP probe for the relay tests: `send ADDR PORT N [GAP_MS]` sends N numbered datagrams;
`recv ADDR PORT QUIET_S` counts what arrives until QUIET_S seconds pass without a datagram and
prints "received R unique U inversions I" (I: datagrams that arrived after a higher number)."""
import socket
import struct
import sys
import time


def send(addr, port, n, gap_ms):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(struct.pack("!I", i) + bytes(96), (addr, port))
        time.sleep(gap_ms / 1000.0)


def recv(addr, port, quiet):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("listening", flush=True)
    # The first datagram (none may come): the sender is another python that starts slowly on a
    # loaded machine (seconds through a pyenv shim), so wait longer for it than between datagrams.
    s.settimeout(quiet + 10.0)
    got, seen, inversions, top = 0, set(), 0, -1
    while True:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        s.settimeout(quiet)
        if len(data) < 4:
            continue
        (seq,) = struct.unpack("!I", data[:4])
        got += 1
        seen.add(seq)
        if seq < top:
            inversions += 1
        top = max(top, seq)
    print("received %d unique %d inversions %d" % (got, len(seen), inversions), flush=True)


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "send":
        gap = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), gap)
    elif len(sys.argv) == 5 and sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
