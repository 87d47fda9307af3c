#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Issue 14 finding 7, black-box: a host paused for 4 s (SIGSTOP/SIGCONT of iotcp-httpd) while
downloads run through a 50 Mb/s path (so they have data in flight on the NIC); during the pause
the clients go away and frames from the client side (a SYN flood to a closed port) pile up in
the host's receive ring ahead of the NIC's heartbeats. On resume the host finds no recent
heartbeat and takes the NIC link for lost; while it thinks so it skips ACKD and CLOSE, and
before 83504ee nothing resynchronised when the link came back with the same boot id: the NIC
kept the flows, their SENDs and pinned store blocks for good. Now the host sends SYNC when the
link returns and the NIC releases what the host no longer has. Passes when the host lost and
regained the link, resynchronised, and the NIC then holds no flow, no job and no pinned block
(open files: at most the docroot's, which httpd's 1 s open-file cache may keep), and a new
download is byte-exact."""
import os
import signal
import sys
import time

import attacklib as al

NFILES = 4


def clean(s):
    return all(v == 0 for k, v in s.items() if k != "files_open") and 0 <= s["files_open"] <= NFILES + 1


def nic_state(st):
    nic = st["nic"]
    return {k: nic.get("nic_" + k, -1) for k in
            ("flows", "jobs_pending", "jobs_pinned", "store_pinned_bytes", "files_open")}


def flood_for(seconds, pps):
    """In the client namespace: SYNs from random addresses to a closed port of the server."""
    iface = al.client_iface()
    frames = al.syn_flood_frames(2000, al.mac_of(iface), al.neigh_mac(al.SERVER_IP, iface), dport=9)
    print("FLOODING", flush=True)
    return al.flood(iface, frames, pps, seconds)


def pause_once(lab, args):
    """Downloads, then the host stopped for args.pause s while the clients go away and the
    flood fills its receive ring. Returns (NIC state before the pause, figures with the
    downloads running, seconds paused, flood frames sent)."""
    handles = [lab.fetch_start("f%d.bin" % i, max_time=120) for i in range(args.clients)]
    time.sleep(3)
    loaded = lab.figures()
    flooder = lab.ns_start(flood_for, args.pause, args.pps)
    flooder.stdout.readline()  # FLOODING: the frames are on their way
    pid = lab.pid("httpd")
    os.kill(pid, signal.SIGSTOP)
    t_stop = time.monotonic()
    try:
        time.sleep(1)
        # the clients go away while the host cannot see it
        for p, _, _ in handles:
            p.kill()
            p.wait()
        time.sleep(max(0.0, args.pause - (time.monotonic() - t_stop)))
    finally:
        os.kill(pid, signal.SIGCONT)
    paused = time.monotonic() - t_stop
    flooded = lab.ns_wait(flooder, timeout=60)
    return nic_state(loaded["stats"]), loaded, paused, flooded


def attack(lab, args):
    before = lab.figures()
    r = lab.tool("netem", "rate %s" % args.rate)
    al.report("netem rate %s" % args.rate, r.returncode == 0, r.stdout + r.stderr)
    # Downloads through the slow path keep SENDs and pinned blocks on the NIC. The link is
    # taken for lost only when no heartbeat is among the first frames the host reads after the
    # resume (a heartbeat the NIC sent just after the stop may be): up to 3 pauses.
    for attempt in range(1, 4):
        st_loaded, loaded, paused, flooded = pause_once(lab, args)
        time.sleep(2)
        if lab.stats()["host"].get("host_nic_link_lost", 0) >= 1:
            break
        al.note("pause %d: the host read a heartbeat in time (link not lost): again" % attempt)
    lab.tool("netem", "clear")
    # the host sees the resets, times out what it must, and resynchronises the NIC
    deadline, after = time.time() + args.settle, None
    while time.time() < deadline:
        time.sleep(1)
        after = lab.figures()
        s = nic_state(after["stats"])
        if clean(s):
            break
    s = nic_state(after["stats"])
    host = after["stats"]["host"]
    nic = after["stats"]["nic"]
    al.note("host paused %.1f s, %d flood frames sent meanwhile; NIC before the pause: %s"
            % (paused, flooded, st_loaded))
    al.note("after: NIC %s; host syncs %d (flows released %d, files released %d), NIC syncs %d "
            "(flows released %d, files released %d), host nic_up %s"
            % (s, host.get("host_offload_syncs", 0), host.get("host_offload_sync_flows_released", 0),
               host.get("host_offload_sync_files_released", 0), nic.get("nic_syncs", 0),
               nic.get("nic_sync_flows_released", 0), nic.get("nic_sync_files_released", 0),
               host.get("host_nic_up")))
    al.note("NIC: forwarded to host %d, dropped to host %d, control frames dropped %d; host: "
            "rx frames %d, tcp_drop_no_conn %d"
            % (nic.get("forwarded_to_host", -1), nic.get("dropped_to_host", -1),
               nic.get("ctl_tx_dropped", -1), host.get("host_rx_frames", -1),
               host.get("tcp_drop_no_conn", -1)))
    al.report("the downloads had flows and pinned blocks on the NIC before the pause (%s)"
              % st_loaded, st_loaded["flows"] >= args.clients and st_loaded["jobs_pinned"] > 0,
              st_loaded)
    al.report("the host took the NIC link for lost after the pause (link_lost %d)"
              % host.get("host_nic_link_lost", 0), host.get("host_nic_link_lost", 0) >= 1)
    al.report("the host resynchronised the NIC when the link returned (host syncs %d, NIC "
              "syncs %d)" % (host.get("host_offload_syncs", 0), nic.get("nic_syncs", 0)),
              host.get("host_offload_syncs", 0) >= 1 and nic.get("nic_syncs", 0) >= 1)
    al.report("the NIC holds nothing of the vanished clients (flows, jobs, pinned bytes 0; open "
              "files at most the docroot's) within %d s" % args.settle, clean(s), s)
    al.report("the NIC link is up again", host.get("host_nic_up") == 1, host.get("host_nic_up"))
    ok, detail = lab.fetch("f0.bin")
    al.report("a new download after the pause: " + detail, ok)
    al.print_figures("host paused %.1f s (SIGSTOP/SIGCONT of iotcp-httpd)" % paused,
                     [("before", before),
                      ("downloads running", dict(loaded, note="NIC flows %d, pinned %d KiB" % (
                          st_loaded["flows"], st_loaded["store_pinned_bytes"] >> 10))),
                      ("after the resume", dict(after, transfers="1/1" if ok else "0/1",
                                                note="NIC flows %d, pinned %d KiB, files %d" % (
                                                    s["flows"], s["store_pinned_bytes"] >> 10,
                                                    s["files_open"])))])


def add_args(ap):
    ap.add_argument("--clients", type=int, default=NFILES)
    ap.add_argument("--rate", default="50mbit", help="the path's rate (netem rate)")
    ap.add_argument("--pps", type=int, default=20000, help="flood frames per second in the pause")
    ap.add_argument("--pause", type=float, default=4.0, help="seconds the host is stopped")
    ap.add_argument("--settle", type=int, default=30,
                    help="seconds the NIC may take to be clean after the resume")


if __name__ == "__main__":
    sys.exit(al.main(attack, "host paused 4 s: the NIC releases the state of vanished clients",
                     files={"f%d.bin" % i: 32 << 20 for i in range(NFILES)}, add_args=add_args,
                     modes=("offload",)))
