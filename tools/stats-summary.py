#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The operator's view of a running server: a short summary of the host's and the NIC's stats
files (`key value` lines, rewritten every second by iotcp-httpd --stats-file and iotcp-nicd
--stats-file). Two readings INTERVAL seconds apart give the current rates.

  tools/stats-summary.py HOST_STATS NIC_STATS [--interval S]

A missing file or counter shows as '-' (iotcp-httpd-linux has no NIC; an older daemon may lack
a counter): the summary never fails on what it cannot read.
"""
import argparse
import time


def read(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    try:
                        out[parts[0]] = int(parts[1])
                    except ValueError:
                        pass
    except OSError:
        pass
    return out


def human_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def summary(h0, n0, h1, n1, dt):
    def g(d, k):
        return d.get(k)

    def delta(d0, d1, k):
        a, b = g(d0, k), g(d1, k)
        return None if a is None or b is None else max(0, b - a)

    def show(v, fmt="{:d}"):
        return "-" if v is None else fmt.format(v)

    lines = []
    req = g(h1, "httpd_requests")
    dreq = delta(h0, h1, "httpd_requests")
    now = dt is not None
    lines.append(("requests", f"{show(req)} total"
                  + (f", {show(None if dreq is None else dreq / dt, '{:.0f}')}/s now" if now else "")))
    # bytes on the wire towards the clients: the NIC's wire port (every frame the server sends
    # leaves there), or the host's own tx without a NIC
    key = "wire_tx_bytes" if "wire_tx_bytes" in n1 else None
    src = (n0, n1) if key else (h0, h1)
    key = key or "host_tx_bytes"
    db = delta(src[0], src[1], key)
    up = g(n1, "uptime_s")
    avg = None if up in (None, 0) or g(src[1], key) is None else g(src[1], key) * 8 / up / 1e9
    lines.append(("throughput",
                  (f"{show(None if db is None else db * 8 / dt / 1e9, '{:.2f}')} Gb/s now, " if now else "")
                  + f"{show(avg, '{:.2f}')} Gb/s average since the NIC started"))
    lines.append(("connections", f"{show(g(h1, 'tcp_conns'))} open, "
                  f"{show(g(h1, 'httpd_accepted'))} accepted, "
                  f"{show(g(h1, 'httpd_active'))} active in the server"))
    off, host = g(h1, "host_offload_bytes"), g(h1, "host_file_payload_bytes")
    if off is not None and host is not None:
        tot = off + host
        pct = f" ({100 * off / tot:.1f}% offloaded)" if tot else ""
        lines.append(("file bytes", f"{human_bytes(off)} sent by the NIC, {human_bytes(host)} "
                      f"touched by the host{pct}"))
    hits, miss = g(n1, "nic_store_hits"), g(n1, "nic_store_misses")
    if hits is not None and miss is not None:
        rate = f"{100 * hits / (hits + miss):.1f}%" if hits + miss else "-"
        lines.append(("NIC store", f"hit rate {rate} ({hits} hits, {miss} misses, "
                      f"{show(g(n1, 'nic_store_evictions'))} evictions)"))
    errs = []
    for label, d, k in (("4xx", h1, "httpd_4xx"), ("5xx", h1, "httpd_5xx"),
                        ("503 refused", h1, "httpd_503"), ("timeouts", h1, "httpd_timeouts"),
                        ("rx dropped", h1, "host_rx_dropped"),
                        ("retransmitted segs", h1, "tcp_retrans_segs"),
                        ("RTOs", h1, "tcp_rto_timeouts"),
                        ("NIC errors sent", n1, "nic_errors_sent"),
                        ("NIC read errors", n1, "nic_read_errors"),
                        ("offloaded flows aborted", h1, "host_offload_flows_aborted")):
        if g(d, k) is not None:
            errs.append(f"{label} {g(d, k)}")
    lines.append(("errors", ", ".join(errs) if errs else "-"))
    nic = "-" if not n1 else ("up" if g(n1, "host_alive") else "not hearing the host")
    lines.append(("NIC", f"{nic}, uptime {show(up)} s, restarts seen by the host "
                  f"{show(g(h1, 'host_nic_restarts'))}"))
    w = max(len(k) for k, _ in lines)
    return "\n".join(f"{k:<{w}}  {v}" for k, v in lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("nic")
    ap.add_argument("--interval", type=float, default=2.0,
                    help="seconds between the two readings (the files change once a second); "
                    "0: one reading, no current rates")
    a = ap.parse_args()
    h0, n0 = read(a.host), read(a.nic)
    if a.interval <= 0:  # one reading: no current rates
        print(summary(h0, n0, h0, n0, None))
        return
    t0 = time.monotonic()
    time.sleep(a.interval)
    h1, n1 = read(a.host), read(a.nic)
    print(summary(h0, n0, h1, n1, max(1e-3, time.monotonic() - t0)))


if __name__ == "__main__":
    main()
