#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Capture the TCP segments iotcp-nicd cut from a SEND, inside the client namespace (AF_PACKET),
and check them against the file: exactly ceil(len/mss) segments 198.18.0.1:80 -> 198.18.0.2:40000,
sequence numbers from SEQ0 in MSS steps, valid IPv4 and TCP checksums, PSH only on the last one,
and payload bytes equal to file[offset:offset+len].
usage: capture_segments.py IFACE FILE OFFSET LEN MSS SEQ0 READY_FILE TIMEOUT_S"""
import sys
import time

from wirecap import next_segment, open_capture


def main():
    iface, path = sys.argv[1], sys.argv[2]
    off, length, mss, seq0 = (int(x, 0) for x in sys.argv[3:7])
    ready, timeout = sys.argv[7], float(sys.argv[8])
    with open(path, "rb") as f:
        want = f.read()[off:off + length]
    nseg = (length + mss - 1) // mss
    s = open_capture(iface, ready)
    got, problems, dups = {}, [], 0
    deadline = time.monotonic() + timeout
    linger = None
    while time.monotonic() < deadline:
        if len(got) >= nseg and linger is None:
            linger = time.monotonic() + 0.5  # look for extra segments a little longer
        if linger is not None and time.monotonic() > linger:
            break
        seg = next_segment(s, 80, problems)
        if seg is None:
            continue
        seq, flags, payload = seg
        rel = (seq - seq0) & 0xFFFFFFFF
        if rel in got:
            dups += 1
            continue
        got[rel] = (payload, flags)
    pos, segs = 0, 0
    for rel in sorted(got):
        payload, flags = got[rel]
        if rel != pos:
            problems.append("segment at offset %d, expected %d" % (rel, pos))
            break
        last = pos + len(payload) == length
        if len(payload) != (length - pos if last else mss):
            problems.append("segment at %d carries %d bytes" % (pos, len(payload)))
        if bool(flags & 0x08) != last:
            problems.append("PSH %s at offset %d" % ("missing" if last else "set", pos))
        if payload != want[pos:pos + len(payload)]:
            problems.append("payload differs from the file at offset %d" % pos)
        pos += len(payload)
        segs += 1
    if len(got) != nseg or dups:
        problems.append("%d distinct segments (%d duplicates), expected %d" % (len(got), dups, nseg))
    if pos != length:
        problems.append("reassembled %d of %d bytes" % (pos, length))
    print("capture: %d segments, %d payload bytes checked against the file" % (segs, pos))
    for p in problems[:10]:
        print("capture: FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
