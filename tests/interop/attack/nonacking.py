#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Issue 14 findings 3 (NIC side) and 6, black-box: clients that stop acknowledging, and clients
that advertise a zero window, against the NIC's block store while normal clients download.
Each attacker (32 MiB receive window) reads the first MiBs of a big file normally, so the
server's congestion window opens, then stops: the non-ACKing ones (kernel sockets whose
outgoing segments are then dropped in the client namespace) never acknowledge again, so their
whole flight stays pinned in the NIC store until the server gives up; the zero-window ones (raw
frames) acknowledge with window 0 and answer every probe the same way. Normal curl downloads must finish byte-exact meanwhile (per-flow limits:
one flow holds at most --flow-pinned-kb of the store and --flow-jobs SENDs); once the attackers
reset, the NIC must hold no pinned block and no flow. Figures: store pinned bytes, NIC flows,
host connections, host and NIC RSS before, under attack and after."""
import signal
import sys
import time

import attacklib as al

BIG = 32 << 20
SPORT0 = 43000
NORMAL = 4  # normal downloads of 16 MiB during the attack


def rx(raw, timeout):
    """Next incoming TCP segment (GSO frames of the vtap wire are up to 64 KiB + headers)."""
    raw.s.settimeout(max(timeout, 0.001))
    while True:
        try:
            frame, addr = raw.s.recvfrom(1 << 17)
        except OSError:
            return None
        if addr[2] == al.socket.PACKET_OUTGOING:
            continue
        seg = al.parse_tcp(frame)
        if seg:
            return seg


def silence(ports):
    """Drop this namespace's outgoing segments from ports: those clients never ACK again."""
    t = "inet %s_mute" % al._ns_tag()
    rules = "add table %s\nadd chain %s out { type filter hook output priority 0; }\n" % (t, t)
    rules += "".join("add rule %s out tcp sport %d drop\n" % (t, p) for p in ports)
    al.subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True)
    return t


def stall_clients(n_silent, n_zero, read_bytes, hold):
    """In the client namespace: n_silent kernel-socket clients (32 MiB receive buffers) and
    n_zero raw-frame clients (32 MiB window) each GET /big.bin and read read_bytes; then the
    silent ones stop ACKing (their segments are dropped on the way out, so the server's whole
    flight stays unacknowledged) and the zero-window ones ACK with window 0 and answer every
    probe so. They hold until SIGUSR1 or hold seconds, then reset. Returns figures."""
    released = []
    signal.signal(signal.SIGUSR1, lambda sig, frame: released.append(1))
    silent_ports = [SPORT0 + 100 + i for i in range(n_silent)]
    socks = []
    for port in silent_ports:
        k = al.socket.socket()
        k.setsockopt(al.socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE (root)
        k.bind((al.CLIENT_IP, port))
        k.connect((al.SERVER_IP, 80))
        k.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
        socks.append(k)
    got = [0] * n_silent
    end = time.monotonic() + 60
    while time.monotonic() < end and min(got) < read_bytes:
        for i, k in enumerate(socks):
            if got[i] < read_bytes:
                d = k.recv(1 << 20)
                got[i] += len(d) if d else read_bytes
    table = silence(silent_ports)
    n = n_zero
    al.block_kernel_rst(SPORT0, SPORT0 + n - 1)
    raw = al.RawSocket(al.client_iface())
    conns = []
    for i in range(n):
        c = al.RawTcp(raw, SPORT0 + i, wscale=9)
        c.connect()
        c.send_data(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
        c.got, c.stopped, c.last_zero_ack = 0, False, 0.0
        conns.append(c)
    by_port = {c.sport: c for c in conns}
    probes = 0
    t_end_read = time.monotonic() + 30
    t_hold_end = None
    while True:
        now = time.monotonic()
        if t_hold_end is None and (all(c.stopped for c in conns) or now > t_end_read):
            t_hold_end = now + hold
            print("STOPPED", flush=True)  # the test's cue: the flights sit in the store now
        if t_hold_end is not None and (now >= t_hold_end or released):
            break
        seg = rx(raw, 0.2)
        if not seg or seg[0] != al.SERVER_IP or seg[3] not in by_port:
            continue
        c = by_port[seg[3]]
        if "ts" in seg[8]:
            c.ts_recent = seg[8]["ts"][0]
        if c.stopped:
            probes += 1
            if now - c.last_zero_ack > 0.2:  # answer probes: still no room
                c.send(al.ACK, win=0)
                c.last_zero_ack = now
            continue
        if seg[4] == c.rcv_nxt and seg[9]:
            c.rcv_nxt = (c.rcv_nxt + len(seg[9])) & 0xFFFFFFFF
            c.got += len(seg[9])
        if c.got >= read_bytes:
            c.stopped = True
            c.send(al.ACK, win=0)
            c.last_zero_ack = now
            continue
        c.send(al.ACK)
    for c in conns:
        c.send(al.RST | al.ACK)
    raw.close()
    al.subprocess.run(["nft", "delete", "table"] + table.split(), check=True)
    for k in socks:
        k.setsockopt(al.socket.SOL_SOCKET, al.socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        k.close()  # RST
    return {"read": got + [c.got for c in conns],
            "stopped": sum(1 for g in got if g >= read_bytes) + sum(c.stopped for c in conns),
            "zero_window_segments": probes}


def attack(lab, args):
    before = lab.figures()
    store = 64 << 20  # iotcp-nicd's default --store-mb
    flow_limit = store // 8  # its default --flow-pinned-kb
    p = lab.ns_start(stall_clients, args.silent, args.zero, args.read_mb << 20, args.hold)
    # wait until the attackers have stopped and their flights sit in the store
    while True:
        line = p.stdout.readline()
        if not line or line.strip() == "STOPPED":
            break
    time.sleep(2)
    under = lab.figures()
    under_pinned = under["stats"]["nic"].get("nic_store_pinned_bytes", 0)
    # normal clients while the attackers hold their flights
    names = ["n%d.bin" % i for i in range(NORMAL)]
    handles = [lab.fetch_start(nm, max_time=150) for nm in names]
    res = [lab.fetch_finish(h, timeout=160) for h in handles]
    done = sum(1 for ok, _ in res if ok)
    during = lab.figures(transfers="%d/%d" % (done, len(names)))
    lab.ns_signal(p, signal.SIGUSR1)  # the attackers reset now
    r = lab.ns_wait(p, timeout=args.hold + 120)
    # the attackers reset: everything they held is released
    for _ in range(20):
        time.sleep(1)
        after = lab.figures()
        nic = after["stats"]["nic"]
        if nic.get("nic_store_pinned_bytes", 1) == 0 and nic.get("nic_flows", 1) == 0:
            break
    nic_u = under["stats"]["nic"]
    al.note("attackers: %d silent + %d zero-window, read %s bytes each before stopping; %d "
            "segments reached the zero-window ones after they stopped"
            % (args.silent, args.zero, r["read"], r["zero_window_segments"]))
    al.note("under attack: store pinned %d KiB (peak), NIC flows %d, jobs pinned %d, "
            "flow-limited SENDs so far %d" % (under_pinned >> 10, nic_u.get("nic_flows", -1),
                                              nic_u.get("nic_jobs_pinned", -1),
                                              during["stats"]["nic"].get("nic_flow_limited", 0)))
    al.report("every attacker read its first %d MiB and stopped" % args.read_mb,
              r["stopped"] == args.silent + args.zero, r)
    for ok, detail in res:
        al.report("normal download under attack: " + detail, ok)
    al.report("store pinned under attack (%d KiB) within the per-flow limits (%d flows x %d KiB)"
              % (under_pinned >> 10, args.silent + args.zero, flow_limit >> 10),
              args.mode != "offload" or under_pinned <= (args.silent + args.zero) * flow_limit
              + (2 << 20), under_pinned)
    nic = after["stats"]["nic"]
    al.report("after the attackers reset: NIC store pinned bytes %d, NIC flows %d, host "
              "connections %s" % (nic.get("nic_store_pinned_bytes", -1), nic.get("nic_flows", -1),
                                  after["host_conns"]),
              args.mode != "offload" or (nic.get("nic_store_pinned_bytes", -1) == 0 and
                                         nic.get("nic_flows", -1) == 0))
    al.report("host connections back to 0", after["host_conns"] == 0, after["host_conns"])
    if before["nic_rss_kb"] and after["nic_rss_kb"]:
        al.report("NIC RSS grew by at most the store (+32 MiB): %d -> %d KiB"
                  % (before["nic_rss_kb"], after["nic_rss_kb"]),
                  after["nic_rss_kb"] - before["nic_rss_kb"] <= (store >> 10) + (32 << 10))
    al.print_figures("non-ACKing and zero-window clients vs the NIC store",
                     [("before", before),
                      ("attackers stopped", dict(under, note="pinned %d KiB" % (under_pinned >> 10))),
                      ("normal downloads done", dict(during, note="pinned %d KiB" % (
                          during["stats"]["nic"].get("nic_store_pinned_bytes", 0) >> 10))),
                      ("attackers reset", dict(after, note="pinned %d KiB" % (
                          nic.get("nic_store_pinned_bytes", 0) >> 10)))])


def add_args(ap):
    ap.add_argument("--silent", type=int, default=6, help="clients that stop ACKing")
    ap.add_argument("--zero", type=int, default=2, help="clients that advertise a zero window")
    ap.add_argument("--read-mb", type=int, default=16)
    ap.add_argument("--hold", type=int, default=120,
                    help="seconds the attackers hold at most (they reset once the downloads end)")


if __name__ == "__main__":
    sys.exit(al.main(attack, "non-ACKing and zero-window clients vs the NIC store",
                     files=dict({"big.bin": BIG}, **{"n%d.bin" % i: 16 << 20 for i in range(NORMAL)}),
                     add_args=add_args))
