#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Path MTU discovery against a real smaller path (RFC 1191, RFC 8201; issue 13 item 2).

The lab's bridge port towards the client gets an MTU of 1280: the Linux bridge drops every frame
from the server that does not fit, silently, as a link with a smaller MTU behind a router would.
The lab runs with --wire tap (DPDK's net_tap: frames of the link's MTU): the default vtap hands
the kernel TSO frames, which a Linux bridge forwards whatever their segment size.
A "router" in the client namespace watches the server's frames on the bridge's server-side port
and answers each one too big for the path with an ICMP "fragmentation needed" (IPv4) or ICMPv6
Packet Too Big (IPv6) from an address of the benchmarking range, quoting the frame, rate
limited as routers do. Without Path MTU discovery the downloads stall (the client advertised a
1460-byte MSS and every full segment is dropped); with it they finish byte-exact, over IPv4 and
IPv6, and the host counts the lowered MSS.

First, forged errors: while a transfer runs, Packet Too Big messages quoting the connection's
addresses and ports but a sequence number that is not in flight (a blind attacker's guess) must
all be ignored (RFC 5927 section 5.1): the MSS stays and the transfer is byte-exact."""
import os
import socket
import struct
import sys
import time

import attacklib as al

FILE = "f4m.bin"
SLOW = "f8m.bin"
PATH_MTU = 1280
SERVER_IP6 = "2001:2::1"
ROUTER_IP = "198.18.0.254"
ROUTER_IP6 = "2001:2::fe"
ETH_P_ALL = 0x0003


def icmp4_frag_needed(frame, mtu):
    """Ethernet/IPv4/ICMP type 3 code 4 to the frame's sender, quoting its IP header and 8
    bytes of TCP (RFC 792), next-hop MTU in the low 16 bits (RFC 1191 section 4)."""
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    quote = ip[:ihl + 8]
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
    icmp = icmp[:2] + struct.pack("!H", al.inet_csum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0,
                      socket.inet_aton(ROUTER_IP), ip[12:16])
    hdr = hdr[:10] + struct.pack("!H", al.inet_csum(hdr)) + hdr[12:]
    return frame[6:12] + frame[0:6] + b"\x08\x00" + hdr + icmp


def icmp6_too_big(frame, mtu):
    """Ethernet/IPv6/ICMPv6 Packet Too Big (RFC 4443 3.2) to the frame's sender, quoting as
    much of the packet as keeps the error within 1280 bytes."""
    ip = frame[14:]
    quote = ip[:PATH_MTU - 40 - 8]
    src = socket.inet_pton(socket.AF_INET6, ROUTER_IP6)
    dst = ip[8:24]
    body = struct.pack("!BBHI", 2, 0, 0, mtu) + quote
    pseudo = src + dst + struct.pack("!IxxxB", len(body), 58)
    body = body[:2] + struct.pack("!H", al.inet_csum(pseudo + body)) + body[4:]
    hdr = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
    return frame[6:12] + frame[0:6] + b"\x86\xdd" + hdr + body


def server_tcp(frame):
    """(version, sport, dport, seq, ip length) of a TCP frame from the server, else None."""
    et = frame[12:14]
    if et == b"\x08\x00" and len(frame) >= 54 and frame[23] == 6 and \
            socket.inet_ntoa(frame[26:30]) == al.SERVER_IP:
        ihl = (frame[14] & 15) * 4
        t = frame[14 + ihl:]
        return (4,) + struct.unpack("!HHI", t[:8]) + (len(frame) - 14,)
    if et == b"\x86\xdd" and len(frame) >= 74 and frame[20] == 6 and \
            frame[22:38] == socket.inet_pton(socket.AF_INET6, SERVER_IP6):
        return (6,) + struct.unpack("!HHI", frame[54:62]) + (len(frame) - 14,)
    return None


def router(iface, stop_file, seconds, forge):
    """In the client namespace, on the bridge's server-side port: answer the server's frames
    longer than the path MTU with ICMP errors (forge=False), or send forged errors with a
    sequence number half the space away from what is in flight (forge=True). Runs until
    stop_file exists or seconds pass; returns the counts."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.05)
    sent = {"v4": 0, "v6": 0, "too_big_seen": 0, "frames": 0}
    last = {4: 0.0, 6: 0.0}  # per family: one family's error never holds back the other's
    end = time.monotonic() + seconds
    while time.monotonic() < end and not os.path.exists(stop_file):
        try:
            frame, addr = s.recvfrom(70000)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue  # our own errors, and the client's frames towards the server
        seg = server_tcp(frame)
        if not seg:
            continue
        sent["frames"] += 1
        ver, _, _, seq, iplen = seg
        if forge:
            if time.monotonic() - last[ver] < 0.001:
                continue
            bad = bytearray(frame)
            off = 14 + (((frame[14] & 15) * 4) if ver == 4 else 40)
            bad[off + 4:off + 8] = struct.pack("!I", (seq + (1 << 31)) & 0xFFFFFFFF)
            frame = bytes(bad)
        elif iplen <= PATH_MTU:
            continue
        else:
            sent["too_big_seen"] += 1
            if time.monotonic() - last[ver] < 0.002:  # at most ~500 errors a second
                continue
        last[ver] = time.monotonic()
        err = icmp4_frag_needed(frame, PATH_MTU) if ver == 4 else icmp6_too_big(frame, PATH_MTU)
        s.send(err)
        sent["v4" if ver == 4 else "v6"] += 1
    return sent


def fetch6_start(lab, name):
    out = os.path.join(lab.tmp, "fetch6-" + name)
    p = lab.spawn(["curl", "-s", "-S", "-f", "-g", "--max-time", "100", "-o", out,
                   "http://[%s]/%s" % (SERVER_IP6, name)], stdout=al.subprocess.DEVNULL,
                  stderr=al.subprocess.PIPE, text=True)
    return (p, name, out)


def attack(lab, args):
    sport = None
    with open(os.path.join(lab.state, "env")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k == "sport":
                sport = v
    cport = al.LAB_ENV["IOTCP_LAB_TAG"] + "-p"
    if not al.report("the lab names its bridge ports (%s, %s)" % (sport, cport), sport, sport):
        return
    stop = os.path.join(lab.tmp, "router.stop")

    # 1. forged errors while a transfer runs: all ignored
    st0 = lab.stats()["host"]
    big = lab.fetch_start(SLOW, limit_rate="2M")
    r = lab.ns_start(router, sport, stop, 3.0, True)
    forged = lab.ns_wait(r, timeout=60)
    ok, detail = lab.fetch_finish(big, timeout=120)
    st1 = lab.stats()["host"]
    d = {k: st1.get(k, 0) - st0.get(k, 0)
         for k in ("tcp_pmtu_lowered", "tcp_pmtu_ignored", "host_icmp_too_big",
                   "host_drop_icmp_quote", "host_drop_icmp_other")}
    al.note("forged: %s; host %s" % (forged, d))
    al.report("forged Packet Too Big errors (sequence number not in flight) sent", forged["v4"] > 10,
              forged)
    al.report("... the host took them to TCP (host_icmp_too_big %d of %d sent)"
              % (d["host_icmp_too_big"], forged["v4"]),
              d["host_icmp_too_big"] >= forged["v4"] * 0.9, d)
    al.report("... all ignored (RFC 5927 5.1): tcp_pmtu_ignored %d, tcp_pmtu_lowered %d"
              % (d["tcp_pmtu_ignored"], d["tcp_pmtu_lowered"]),
              d["tcp_pmtu_lowered"] == 0 and d["tcp_pmtu_ignored"] == d["host_icmp_too_big"], d)
    al.report("... the transfer under them: " + detail, ok)

    # 2. a 1280-byte path: the downloads need Path MTU discovery
    r = al.run(["ip", "-n", lab.ns, "link", "set", cport, "mtu", str(PATH_MTU)])
    if not al.report("bridge port towards the client at MTU %d" % PATH_MTU, r.returncode == 0,
                     r.stderr):
        return
    st0 = lab.stats()["host"]
    rt = lab.ns_start(router, sport, stop, 100.0, False)
    time.sleep(0.5)
    t0 = time.monotonic()
    h4, h6 = lab.fetch_start(FILE, max_time=100), fetch6_start(lab, FILE)
    ok4, det4 = lab.fetch_finish(h4, timeout=110)
    ok6, det6 = lab.fetch_finish(h6, timeout=110)
    secs = time.monotonic() - t0
    open(stop, "w").close()
    res = lab.ns_wait(rt, timeout=30)
    st1 = lab.stats()["host"]
    low = st1.get("tcp_pmtu_lowered", 0) - st0.get("tcp_pmtu_lowered", 0)
    al.note("router: %s; both downloads in %.1f s; tcp_pmtu_lowered %d" % (res, secs, low))
    al.report("IPv4 over the 1280-byte path: " + det4, ok4)
    al.report("IPv6 over the 1280-byte path: " + det6, ok6)
    al.report("the router answered too-big frames of both families", res["v4"] and res["v6"], res)
    al.report("the host lowered the MSS of both connections (tcp_pmtu_lowered %d)" % low, low >= 2,
              low)
    lab.figures()


if __name__ == "__main__":
    sys.exit(al.main(attack, "Path MTU discovery over a 1280-byte path",
                     files={FILE: 4 << 20, SLOW: 8 << 20}, lab_args=["--wire", "tap"]))
