#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Blind in-window RST, SYN and data (RFC 5961; issue 14 finding 5) while transfers run.

The attacker knows the connections' addresses and ports and, as the strongest blind attacker,
where their windows are (it reads the client's own segments in the client namespace), but not
the exact next sequence number or an acceptable ACK: it sends RSTs in the window but never at
RCV.NXT (RFC 5961 3), SYNs in the window (4), and data in the window whose ACK is outside the
acceptable range (5), with the client's timestamps. Checks: every transfer finishes byte-exact;
the server answered with challenge ACKs at most once per connection per 500 ms (Linux >= 4.7,
CVE-2016-5696: a per-connection limit, no shared counter an off-path attacker could read);
no connection was reset; the figures show the frames sent and the counters."""
import random
import socket
import struct
import sys
import time

import attacklib as al

FILE = "f32m.bin"
PORT0 = 43000
MARK_TTL = 63  # our frames (the client's kernel sends TTL 64): the sniffer skips them


def build(src_mac, dst_mac, sport, seq, ack, flags, ts, payload=b""):
    """An Ethernet/IPv4/TCP frame from the client to the server (struct: fast enough for
    thousands per second)."""
    opts = b""
    if ts:
        opts = b"\x01\x01" + struct.pack("!BBII", 8, 10, ts[0], ts[1])
    src, dst = socket.inet_aton(al.CLIENT_IP), socket.inet_aton(al.SERVER_IP)
    tcp = struct.pack("!HHIIBBHHH", sport, 80, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (20 + len(opts)) // 4 << 4, flags, 2000, 0, 0) + opts + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", al.inet_csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, MARK_TTL, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", al.inet_csum(ip)) + ip[12:]
    eth = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
    return eth + b"\x08\x00" + ip + tcp


def inject(seconds, pps, ports):
    """In the client namespace: watch the client's segments of the given local ports, send
    blind RST / SYN / data at about pps for seconds. Returns the counts sent."""
    iface = al.client_iface()
    src_mac, dst_mac = al.mac_of(iface), al.neigh_mac(al.SERVER_IP, iface)
    # ETH_P_ALL: only sockets of every protocol see the frames this host sends
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.setblocking(False)
    rnd = random.Random(14)
    state, sent = {}, {"rst": 0, "syn": 0, "data": 0}

    def sniff():
        """The client's own segments: where the windows are."""
        while True:
            try:
                frame, addr = s.recvfrom(65535)
            except BlockingIOError:
                return
            if addr[2] != socket.PACKET_OUTGOING or frame[22:23] == bytes([MARK_TTL]):
                continue
            seg = al.parse_tcp(frame)
            if (seg and seg[0] == al.CLIENT_IP and seg[3] == 80 and seg[2] in ports and
                    not seg[6] & (al.RST | al.SYN | al.FIN)):
                state[seg[2]] = ((seg[4] + len(seg[9])) & 0xFFFFFFFF, seg[5], seg[8].get("ts"))

    warm = time.monotonic() + 5  # first every connection once
    while len(state) < len(ports) and time.monotonic() < warm:
        sniff()
        time.sleep(0.001)
    t0 = time.monotonic()
    end, nxt = t0 + seconds, t0
    while time.monotonic() < end:
        sniff()
        now = time.monotonic()
        if not state or now < nxt:
            time.sleep(0.0002)
            continue
        nxt += 1.0 / pps
        sport = rnd.choice(sorted(state))
        rcv_nxt, snd_una, ts = state[sport]
        kind = ("rst", "syn", "data")[rnd.randrange(3)]
        off = 1 + rnd.randrange(30000)  # in the window, never RCV.NXT itself
        if kind == "rst":
            f = build(src_mac, dst_mac, sport, rcv_nxt + off, 0, al.RST, ts)
        elif kind == "syn":
            f = build(src_mac, dst_mac, sport, rcv_nxt + off, 0, al.SYN, ts)
        else:
            # an ACK beyond SND.NXT or below SND.UNA - MAX.SND.WND (RFC 5961 5.2)
            bad = snd_una + (1 << 30) + rnd.randrange(1 << 29)
            if rnd.randrange(2):
                bad = snd_una - (1 << 30) - rnd.randrange(1 << 29)
            f = build(src_mac, dst_mac, sport, rcv_nxt + off - 1, bad, al.ACK | al.PSH, ts,
                      b"GET /evil HTTP/1.1\r\n\r\n")
        try:
            s.send(f)
            sent[kind] += 1
        except OSError:
            pass
    sent["seconds"] = round(time.monotonic() - t0, 2)
    sent["conns_seen"] = len(state)
    return sent


def attack(lab, args):
    before = lab.figures()
    ports = [PORT0 + i for i in range(args.transfers)]
    big = [lab.fetch_start(FILE, limit_rate=args.rate, local_port=p) for p in ports]
    time.sleep(1.0)
    res = lab.ns_call(inject, args.seconds, args.pps, ports, timeout=args.seconds + 120)
    peak = lab.figures()
    done = [lab.fetch_finish(h, timeout=300) for h in big]
    after = lab.figures()
    sb, sp = before["stats"]["host"], peak["stats"]["host"]

    def d(k):
        return sp.get(k, 0) - sb.get(k, 0)
    frames = res["rst"] + res["syn"] + res["data"]
    al.note("injected %d RST, %d SYN, %d data segments in %.1f s into %d connections" %
            (res["rst"], res["syn"], res["data"], res["seconds"], res["conns_seen"]))
    al.note("host: challenge ACKs %d, ACKs rate limited %d, drops bad_rst %d bad_ack %d "
            "paws %d, resets sent %d" % (d("tcp_challenge_acks"), d("tcp_acks_rate_limited"),
                                         d("tcp_drop_bad_rst"), d("tcp_drop_bad_ack"),
                                         d("tcp_drop_paws"), d("tcp_rsts_sent")))
    al.report("blind segments injected into every transfer", res["conns_seen"] == len(ports) and
              frames >= args.pps * args.seconds // 2, res)
    xok = sum(ok for ok, _ in done)
    al.report("transfers under injection: %d/%d byte-exact" % (xok, len(done)), xok == len(done),
              [x for _, x in done])
    cap = len(ports) * (2 * res["seconds"] + 2)
    al.report("challenge ACKs at most one per connection per 500 ms: %d (cap %d) for %d "
              "segments" % (d("tcp_challenge_acks"), cap, frames), d("tcp_challenge_acks") <= cap)
    al.print_figures("blind in-window RST/SYN/data, %d segments/s for %d s" %
                     (args.pps, args.seconds), [
        ("before", before),
        ("injection over", dict(peak, note="%d challenge ACKs" % d("tcp_challenge_acks"))),
        ("transfers done", dict(after, transfers="%d/%d" % (xok, len(done)))),
    ])


def add_args(ap):
    ap.add_argument("--pps", type=int, default=2000, help="blind segments per second")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--transfers", type=int, default=3, help="32 MiB transfers attacked")
    ap.add_argument("--rate", default="2M", help="their curl --limit-rate (so they span it)")


if __name__ == "__main__":
    sys.exit(al.main(attack, "blind in-window RST/SYN/data (RFC 5961) while transfers run",
                     files={FILE: 32 << 20}, add_args=add_args))
