# SPDX-License-Identifier: BSD-2-Clause
"""What the nicd capture scripts share: an AF_PACKET socket in the client namespace and the TCP
segments 198.18.0.1:SPORT -> 198.18.0.2:40000 the daemon put on the wire, with their IPv4 and
TCP checksums verified."""
import socket
import struct

PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s  # 0xffff when the checksum inside is right


def open_capture(iface, ready):
    """A socket on iface; then the file `ready` tells the test the capture runs."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    # A SEND's segments arrive in one burst: room for all of them (SO_RCVBUFFORCE: root).
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind((iface, 0))
    s.settimeout(0.2)
    open(ready, "w").close()
    return s


def next_segment(s, sport, problems):
    """(seq, flags, payload) of the next segment from sport, or None (timeout, other traffic).
    Bad checksums are appended to problems."""
    try:
        frame, addr = s.recvfrom(65535)
    except socket.timeout:
        return None
    if addr[2] == PACKET_OUTGOING or len(frame) < 54:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    if ip[9] != 6 or ip[12:16] != bytes([198, 18, 0, 1]) or ip[16:20] != bytes([198, 18, 0, 2]):
        return None
    tcp = ip[ihl:tot]
    sp, dport, seq = struct.unpack("!HHI", tcp[:8])
    if sp != sport or dport != 40000:
        return None
    if csum(ip[:ihl]) != 0xFFFF:
        problems.append("bad IPv4 checksum at seq %#x" % seq)
    if csum(ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp)) + tcp) != 0xFFFF:
        problems.append("bad TCP checksum at seq %#x" % seq)
    return seq, tcp[13], tcp[(tcp[12] >> 4) * 4:]
