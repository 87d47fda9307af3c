#!/usr/bin/env python3
"""Capture the TCP segments iotcp-nicd cut from a SEND, inside the client namespace (AF_PACKET),
and check them against the file: exactly ceil(len/mss) segments 198.18.0.1:80 -> 198.18.0.2:40000,
sequence numbers from SEQ0 in MSS steps, valid IPv4 and TCP checksums, PSH only on the last one,
and payload bytes equal to file[offset:offset+len].
usage: capture_segments.py IFACE FILE OFFSET LEN MSS SEQ0 READY_FILE TIMEOUT_S"""
import socket
import struct
import sys
import time

PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s  # 0xffff when the checksum inside is right


def main():
    iface, path = sys.argv[1], sys.argv[2]
    off, length, mss, seq0 = (int(x, 0) for x in sys.argv[3:7])
    ready, timeout = sys.argv[7], float(sys.argv[8])
    with open(path, "rb") as f:
        want = f.read()[off:off + length]
    nseg = (length + mss - 1) // mss
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    # A SEND's segments arrive in one burst: room for all of them (SO_RCVBUFFORCE: root).
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind((iface, 0))
    s.settimeout(0.2)
    open(ready, "w").close()
    got, problems, dups = {}, [], 0
    deadline = time.monotonic() + timeout
    linger = None
    while time.monotonic() < deadline:
        if len(got) >= nseg and linger is None:
            linger = time.monotonic() + 0.5  # look for extra segments a little longer
        if linger is not None and time.monotonic() > linger:
            break
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING or len(frame) < 54:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != 6 or ip[12:16] != bytes([198, 18, 0, 1]) or ip[16:20] != bytes([198, 18, 0, 2]):
            continue
        tcp = ip[ihl:tot]
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        if sport != 80 or dport != 40000:
            continue
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        payload = tcp[doff:]
        if csum(ip[:ihl]) != 0xFFFF:
            problems.append("bad IPv4 checksum at seq %#x" % seq)
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
        if csum(pseudo + tcp) != 0xFFFF:
            problems.append("bad TCP checksum at seq %#x" % seq)
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
