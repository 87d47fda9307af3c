#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The attack harness checks itself: the lab comes up with a generated docroot, a transfer is
byte-exact, a function runs in the client namespace with raw frames (a handshake and a request
driven by RawTcp, a few flood frames), the figures are read, and the lab goes down."""
import sys
import time

import attacklib as al


def raw_get(name):
    """In the client namespace: an HTTP/1.0 GET over a raw-frame TCP connection."""
    al.block_kernel_rst(41000, 41000)
    raw = al.RawSocket(al.client_iface())
    c = al.RawTcp(raw, 41000)
    synack = c.connect()
    c.send_data(b"GET /%s HTTP/1.0\r\n\r\n" % name.encode())
    body, fin, end = b"", False, time.monotonic() + 10
    while time.monotonic() < end and not fin:
        seg = c.recv(1.0)
        if not seg:
            continue
        if seg[4] == c.rcv_nxt and seg[9]:
            body += seg[9]
            c.rcv_nxt = (c.rcv_nxt + len(seg[9])) & 0xFFFFFFFF
        if seg[6] & al.FIN and seg[4] + len(seg[9]) == c.rcv_nxt:
            c.rcv_nxt = (c.rcv_nxt + 1) & 0xFFFFFFFF
            fin = True
        c.send(al.ACK)
    c.send(al.FIN | al.ACK)
    frames = al.syn_flood_frames(50, c.src_mac, c.dst_mac, dport=9)
    sent = al.flood(raw.iface, frames, 1000, 0.05)
    head, _, payload = body.partition(b"\r\n\r\n")
    return {"synack_opts": sorted(synack[8]), "status": head.split(b"\r\n")[0].decode(),
            "sha": al.sha256(payload), "fin": fin, "flood_sent": sent}


def attack(lab, args):
    before = lab.figures()
    ok, detail = lab.fetch("f64k.bin")
    al.report("curl from the client namespace: " + detail, ok)
    r = lab.ns_call(raw_get, "f64k.bin", timeout=60)
    want = al.sha256(lab.docroot + "/f64k.bin")
    al.report("raw-frame client: handshake options %s, %s, body byte-exact, FIN"
              % (",".join(r["synack_opts"]), r["status"]),
              r["status"].endswith("200 OK") and r["sha"] == want and r["fin"], r)
    al.report("flood frames sent", r["flood_sent"] >= 45, r["flood_sent"])
    after = lab.figures(transfers="2/2")
    al.report("figures read (host conns, RSS of httpd and nicd)",
              before["host_conns"] is not None and before["host_rss_kb"] and before["nic_rss_kb"],
              before)
    al.print_figures("harness", [("before", before), ("after", after)])


if __name__ == "__main__":
    sys.exit(al.main(attack, "attack harness self-check", files={"f64k.bin": 65536}))
