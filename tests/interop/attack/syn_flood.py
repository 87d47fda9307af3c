#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""SYN flood (issue 14 finding 4): tens of thousands of SYN/s from random sources in
198.18.0.0/15 (only there: the project's addresses) while established transfers run.

Checks: the transfers started before the flood finish byte-exact; new connections made during
the flood work (SYN cookies, RFC 4987, accepted while the queue overflows recently); the host
holds at most the listen backlog of embryonic connections (the rest get cookies and no state);
the figures show the SYN rate reached, cookies sent, connections held and memory."""
import sys
import time

import attacklib as al

BIG, SMALL = "f32m.bin", "f64k.bin"
BACKLOG = 1024  # iotcp-httpd's listen backlog (apps/httpd/server.c)


def syn_flood(pps, seconds, seed):
    """In the client namespace: SYNs to port 80 from random 198.18.0.0/15 sources."""
    iface = al.client_iface()
    frames = al.syn_flood_frames(20000, al.mac_of(iface), al.neigh_mac(al.SERVER_IP, iface),
                                 seed=seed)
    t0 = time.monotonic()
    sent = al.flood(iface, frames, pps, seconds)
    return {"sent": sent, "seconds": round(time.monotonic() - t0, 2)}


def attack(lab, args):
    before = lab.figures()
    big = [lab.fetch_start(BIG, limit_rate=args.rate) for _ in range(args.transfers)]
    time.sleep(1.0)
    floods = [lab.ns_start(syn_flood, args.pps // args.flooders, args.seconds, 1 + i)
              for i in range(args.flooders)]
    t0 = time.monotonic()
    news, during = [], None
    for k in range(args.new_conns):
        time.sleep(max(0.0, t0 + (k + 1) * args.seconds / (args.new_conns + 1) - time.monotonic()))
        news.append(lab.fetch(SMALL, timeout=30))
        if k == args.new_conns // 2:
            during = lab.figures()
    res = [lab.ns_wait(p, timeout=args.seconds + 120) for p in floods]
    sent = sum(r["sent"] for r in res)
    secs = max(r["seconds"] for r in res)
    peak = lab.figures()
    done = [lab.fetch_finish(h, timeout=300) for h in big]
    after = lab.figures()
    sb, sp = before["stats"]["host"], peak["stats"]["host"]
    cookies = sp.get("tcp_cookies_sent", 0) - sb.get("tcp_cookies_sent", 0)
    al.note("flood: %d SYNs in %.1f s (%d SYN/s) from %d processes; cookies sent %d, cookie "
            "connections %d" % (sent, secs, sent / max(secs, 0.1), args.flooders, cookies,
                                sp.get("tcp_cookies_ok", 0) - sb.get("tcp_cookies_ok", 0)))
    al.report("flood rate at least %d SYN/s" % args.min_pps, sent / max(secs, 0.1) >= args.min_pps,
              "%d in %.1f s" % (sent, secs))
    nok = sum(ok for ok, _ in news)
    al.report("new connections during the flood: %d/%d byte-exact" % (nok, len(news)),
              nok == len(news), [d for _, d in news])
    xok = sum(ok for ok, _ in done)
    al.report("transfers established before the flood: %d/%d byte-exact" % (xok, len(done)),
              xok == len(done), [d for _, d in done])
    held = max(f["host_conns"] or 0 for f in (during or peak, peak))
    al.report("host connections held during the flood: %d (at most the backlog %d + %d)" %
              (held, BACKLOG, args.transfers + args.new_conns + 16),
              held <= BACKLOG + args.transfers + args.new_conns + 16)
    al.report("SYN cookies answered the overflow", cookies > 0, cookies)
    al.report("the servers are alive", lab.alive("httpd") and lab.alive("nicd"))
    al.print_figures("SYN flood, %d SYN/s for %d s" % (sent / max(secs, 0.1), args.seconds), [
        ("before", before),
        ("during the flood", dict(during or peak, transfers="%d/%d new" % (nok, len(news)))),
        ("flood over", dict(peak, note="%d cookies" % cookies)),
        ("transfers done", dict(after, transfers="%d/%d" % (xok, len(done)))),
    ])


def add_args(ap):
    ap.add_argument("--pps", type=int, default=30000, help="SYN/s, all flooders together")
    ap.add_argument("--min-pps", type=int, default=10000, help="fail below this rate reached")
    ap.add_argument("--flooders", type=int, default=2, help="sender processes")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--transfers", type=int, default=2, help="32 MiB transfers under the flood")
    ap.add_argument("--rate", default="2M", help="their curl --limit-rate (so they span it)")
    ap.add_argument("--new-conns", type=int, default=4, help="new fetches during the flood")


if __name__ == "__main__":
    sys.exit(al.main(attack, "SYN flood from 198.18.0.0/15 while transfers run",
                     files={BIG: 32 << 20, SMALL: 65536}, add_args=add_args))
