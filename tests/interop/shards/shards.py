#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Host shards (issue 13 item 1): iotcp-nicd --shards 2, iotcp-httpd --workers 2.

  shards.py --build BUILD [--mode offload|copy] [--conns N] [--conns6 M]

On a private lab (`iotcp-lab up --workers 2`):
  * N IPv4 and M IPv6 connections (one request each, Connection: close, 32 at a time) all
    answered byte-exact (SHA-256), and spread over both shards: each worker's request count
    and each NIC shard's frame counters show a share of at least 20%;
  * 40 slow downloads of a 1 MiB file (curl --limit-rate 200k, receive buffers of 128 KiB: the
    server is still sending seconds later) run while worker 1 is SIGKILLed:
    every download that completes is byte-exact, some complete (worker 0's) and some fail
    (worker 1's: once the NIC sees shard 1's host gone it steers their segments to shard 0,
    whose host answers with RST), and worker 0's request count grows by exactly the completed
    ones;
  * after the kill, 100 new connections: all answered byte-exact by worker 0 (the NIC steers
    what hashed to the dead shard to the live one; the live shard's connections never move);
  * the parent logged the dead worker and did not restart it; worker 0, the parent and
    iotcp-nicd still run; the NIC released shard 1's offload state (shard1_host_link_up 0,
    shard1_engine_resets >= 1, shard1_nic_flows 0) and shard 0 kept its own (no reset).
"""
import concurrent.futures
import hashlib
import os
import re
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "attack"))
import attacklib as al  # noqa: E402

SERVER6 = "2001:2::1"
FILES = {"f4k": 4096, "f64k": 65536, "f1m": 1 << 20}


def get_one(family, addr, path, want):
    """One HTTP/1.1 request on a new connection; 'ok', 'bad' (wrong answer) or 'fail:...'."""
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((addr, 80))
        s.sendall(("GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        buf = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            buf += b
        s.close()
    except OSError as e:
        return "fail:" + type(e).__name__
    head, _, body = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") or hashlib.sha256(body).hexdigest() != want:
        return "bad"
    return "ok"


def many(family_name, addr, path, want, n):
    """n connections, 32 at a time, in the client namespace: counts by outcome."""
    fam = socket.AF_INET6 if family_name == "ipv6" else socket.AF_INET
    out = {}
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        for r in ex.map(lambda _: get_one(fam, addr, path, want), range(n)):
            out[r] = out.get(r, 0) + 1
    return out


def worker_stats(lab, i):
    return al.read_counters(os.path.join(lab.state, "host.stats" + ("" if i == 0 else ".%d" % i)))


def fresh_worker_stats(lab, i):
    """Worker i's stats, rewritten after this call with the server's lines: the stack and the
    server both rewrite the file once a second, the stack without the httpd_ lines."""
    path = os.path.join(lab.state, "host.stats" + ("" if i == 0 else ".%d" % i))
    t0 = time.time()
    while time.time() < t0 + 10:
        try:
            fresh = os.stat(path).st_mtime > t0 + 1.1
        except OSError:
            fresh = False
        vals = worker_stats(lab, i)
        if fresh and "httpd_requests" in vals:
            return vals
        time.sleep(0.05)
    return worker_stats(lab, i)


def small_rcvbuf():
    """In the client namespace: receive buffers of at most 128 KiB, so that a rate-limited
    download is still being sent by the server seconds later."""
    with open("/proc/sys/net/ipv4/tcp_rmem", "w") as f:
        f.write("4096 65536 131072\n")
    return True


def logdir(lab):
    with open(os.path.join(lab.state, "env")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k == "logdir":
                return v
    return ""


def children(pid):
    kids = set()
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, task)) as f:
            kids |= {int(x) for x in f.read().split()}
    return kids


def httpd_out(lab):
    with open(os.path.join(logdir(lab), "httpd.out"), errors="replace") as f:
        return f.read()


def worker_pids(lab):
    """{index: pid} from the parent's lines 'worker I (pid P): ...', P one of its children."""
    kids = children(lab.pid("httpd"))
    out = {}
    for m in re.finditer(r"worker (\d+) \(pid (\d+)\): NIC socket", httpd_out(lab)):
        if int(m.group(2)) in kids:
            out[int(m.group(1))] = int(m.group(2))
    return out, kids


def attack(lab, args):
    sha = {n: al.sha256(os.path.join(lab.docroot, n)) for n in FILES}
    nic = lab.stats()["nic"]
    al.report("both NIC shards have their host (shard0/1_host_alive)",
              nic.get("shard0_host_alive") == 1 and nic.get("shard1_host_alive") == 1,
              {k: v for k, v in nic.items() if k.startswith("shard")})
    pids, kids = worker_pids(lab)
    al.report("the parent runs 2 workers: %s" % pids, len(pids) == 2 and len(kids) == 2,
              "children %s" % sorted(kids))
    if len(pids) != 2:
        return

    # 1. connections spread over both shards, byte-exact, IPv4 and IPv6
    w0, w1 = fresh_worker_stats(lab, 0), fresh_worker_stats(lab, 1)
    n0 = lab.stats()["nic"]
    t0 = time.time()
    r4 = lab.ns_call(many, "ipv4", al.SERVER_IP, "f64k", sha["f64k"], args.conns, timeout=900)
    r6 = lab.ns_call(many, "ipv6", SERVER6, "f4k", sha["f4k"], args.conns6, timeout=900)
    secs = time.time() - t0
    al.report("%d IPv4 connections (64 KiB each) byte-exact: %s" % (args.conns, r4),
              r4.get("ok") == args.conns, r4)
    al.report("%d IPv6 connections (4 KiB each) byte-exact: %s" % (args.conns6, r6),
              r6.get("ok") == args.conns6, r6)
    a0, a1 = fresh_worker_stats(lab, 0), fresh_worker_stats(lab, 1)
    n1 = lab.stats()["nic"]
    total = args.conns + args.conns6
    d0 = a0.get("httpd_requests", 0) - w0.get("httpd_requests", 0)
    d1 = a1.get("httpd_requests", 0) - w1.get("httpd_requests", 0)
    al.note("requests: worker 0 %d, worker 1 %d of %d (%.1f s)" % (d0, d1, total, secs))
    al.report("both workers served a share >= 20%% (worker 0 %d, worker 1 %d of %d)"
              % (d0, d1, total), d0 + d1 == total and min(d0, d1) >= total // 5)
    f = {}
    for s in (0, 1):
        for k in ("forwarded_to_host", "host_rx_frames", "nic_sends"):
            key = "shard%d_%s" % (s, k)
            f[key] = n1.get(key, 0) - n0.get(key, 0)
    al.note("NIC shard counters during the connections: %s" % f)
    ok = all(f["shard%d_forwarded_to_host" % s] > total * 2 for s in (0, 1))
    if args.mode == "offload":
        ok = ok and all(f["shard%d_nic_sends" % s] >= total // 5 for s in (0, 1))
    al.report("both NIC shards carried frames%s" % (" and SENDs" if args.mode == "offload" else ""),
              ok, f)

    # 2. SIGKILL worker 1 during slow downloads
    lab.ns_call(small_rcvbuf)
    before0 = fresh_worker_stats(lab, 0).get("httpd_requests", 0)
    handles = [lab.fetch_start("f1m", limit_rate="200k", max_time=20) for _ in range(40)]
    time.sleep(1.5)
    os.kill(pids[1], signal.SIGKILL)
    al.note("SIGKILLed worker 1 (pid %d)" % pids[1])
    done = [lab.fetch_finish(h, timeout=60) for h in handles]
    exact = sum(1 for ok, d in done if ok)
    wrong = sum(1 for ok, d in done if "CONTENT DIFFERS" in d)
    al.report("downloads during the kill: %d complete byte-exact, %d failed, %d wrong bodies"
              % (exact, len(done) - exact, wrong),
              wrong == 0 and exact > 0 and exact < len(done),
              [d for ok, d in done if not ok][:3])
    after0 = fresh_worker_stats(lab, 0).get("httpd_requests", 0)
    al.report("worker 0 served exactly the completed downloads (%d requests, %d complete)"
              % (after0 - before0, exact), after0 - before0 == exact)

    # 3. new connections after the kill
    before0 = after0
    r = lab.ns_call(many, "ipv4", al.SERVER_IP, "f4k", sha["f4k"], 100, timeout=600)
    fails = sum(v for k, v in r.items() if k.startswith("fail"))
    al.report("100 new connections after the kill: %s (all answered by the live shard, those "
              "that hashed to the dead one too)" % r,
              r.get("bad", 0) == 0 and r.get("ok", 0) == 100 and fails == 0, r)
    after0 = fresh_worker_stats(lab, 0).get("httpd_requests", 0)
    al.report("worker 0 answered exactly the ones that succeeded (%d)" % (after0 - before0),
              after0 - before0 == r.get("ok", 0))

    # 4. the survivors
    time.sleep(1.5)
    kids_now = children(lab.pid("httpd"))
    al.report("worker 0 runs, worker 1 was not restarted (children now %s)" % sorted(kids_now),
              kids_now == {pids[0]})
    out = httpd_out(lab)
    al.report("the parent logged the dead worker", "worker 1 (pid %d) killed by signal 9" % pids[1]
              in out, out[-400:])
    nic = lab.stats()["nic"]
    sh = {k: v for k, v in nic.items() if k.startswith("shard")}
    al.report("the NIC released shard 1 and kept shard 0",
              nic.get("shard1_host_link_up") == 0 and nic.get("shard1_engine_resets", 0) >= 1
              and nic.get("shard1_nic_flows") == 0 and nic.get("shard0_engine_resets") == 0
              and nic.get("shard0_host_alive") == 1, sh)


def add_args(ap):
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--conns6", type=int, default=200)


if __name__ == "__main__":
    sys.exit(al.main(attack, "host shards: 2 workers on 2 NIC shards", files=FILES,
                     add_args=add_args, lab_args=["--workers", "2"]))
