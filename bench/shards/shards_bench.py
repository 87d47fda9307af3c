#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Host shards' scaling (issue 13 item 1): requests/s at 4 KiB x 256 connections with 1 and 2
shards (iotcp-lab up --workers N: iotcp-nicd --shards N, iotcp-httpd --workers N), wrk from the
client namespace, host CPU per worker and NIC CPU over the run.

  bench/shards/run.sh [BUILD] [SECS] [RUNS]   (root; a private lab, offload mode by default)
  shards_bench.py --build BUILD [--mode offload|copy] [--secs S] [--runs R] [--conns C]

Prints one line per run and a table (median of the runs). On a machine with fewer cores than
workers + NIC + wrk the figure says what the cores allow, not what the shards do: see the
note it prints.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(ROOT, "tools", "iotcp-lab")
_ID = "sb%d" % (os.getpid() % 100000)
ENV = dict(os.environ, IOTCP_LAB_NS="iotcp-" + _ID, IOTCP_LAB_TAG=_ID,
           IOTCP_LAB_STATE="/run/iotcp-" + _ID, IOTCP_LAB_LOGROOT="/var/tmp/iotcp-bench-shards")
TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return 0


def lab_pid(name):
    try:
        with open(os.path.join(ENV["IOTCP_LAB_STATE"], "pids", name)) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def workers(parent, n):
    """The worker processes: the parent itself with one worker, else its children."""
    if n == 1:
        return [parent]
    kids = []
    for task in os.listdir("/proc/%d/task" % parent):
        with open("/proc/%d/task/%s/children" % (parent, task)) as f:
            kids += [int(x) for x in f.read().split()]
    return sorted(kids)


def lab(*args, check=True):
    r = subprocess.run([LAB] + list(args), env=ENV, capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise RuntimeError("iotcp-lab %s: %s" % (" ".join(args), (r.stdout + r.stderr)[-1500:]))
    return r


def wrk(conns, secs, url):
    cmd = ["exec", "wrk", "-t", "2", "-c", str(conns), "-d", "%ds" % secs, "--timeout", "5s", url]
    r = lab(*cmd)
    m = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    errs = re.search(r"Socket errors: (.*)", r.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
    return (float(m.group(1)) if m else 0.0, (errs.group(1) if errs else ""),
            int(non2xx.group(1)) if non2xx else 0)


def one_config(args, n, docroot):
    lab("down", check=False)
    lab("up", "--docroot", docroot, "--build", args.build, "--mode", args.mode,
        "--workers", str(n))
    try:
        url = "http://198.18.0.1/f4k"
        wrk(args.conns, 2, url)  # warm-up: connections, ARP, the NIC's store
        res = []
        for _ in range(args.runs):
            ws = workers(lab_pid("httpd"), n)
            nic = lab_pid("nicd")
            t0 = time.time()
            c0 = [cpu_ticks(p) for p in ws]
            n0 = cpu_ticks(nic)
            rps, errs, non2xx = wrk(args.conns, args.secs, url)
            dt = time.time() - t0
            cpu = [(cpu_ticks(p) - c) / TCK / dt * 100 for p, c in zip(ws, c0)]
            ncpu = (cpu_ticks(nic) - n0) / TCK / dt * 100
            print("  %d shard(s): %.0f req/s, host CPU %s, NIC CPU %.0f%%%s%s" % (
                n, rps, " + ".join("%.0f%%" % c for c in cpu), ncpu,
                ", socket errors: " + errs if errs else "",
                ", non-2xx: %d" % non2xx if non2xx else ""), flush=True)
            res.append((rps, cpu, ncpu, bool(errs) or non2xx > 0))
        return res
    finally:
        lab("down", check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--mode", default="offload", choices=["offload", "copy"])
    ap.add_argument("--secs", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--conns", type=int, default=256)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (the lab)")
        return 77
    tmp = tempfile.mkdtemp(prefix="iotcp-bench-shards-")
    os.chmod(tmp, 0o755)
    with open(os.path.join(tmp, "f4k"), "wb") as f:
        f.write(os.urandom(4096))
    print("host shards: wrk -t2 -c%d -d%ds http://198.18.0.1/f4k from the client namespace, "
          "%s mode, %d runs each; %d CPUs here" % (args.conns, args.secs, args.mode, args.runs,
                                                  os.cpu_count()), flush=True)
    table = {}
    try:
        for n in (1, 2):
            table[n] = one_config(args, n, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("| shards | req/s (median of %d) | host CPU per worker | NIC CPU | runs with errors |"
          % args.runs)
    print("|---|---|---|---|---|")
    med = {}
    for n, res in table.items():
        rps = statistics.median(r[0] for r in res)
        med[n] = rps
        cpu = [statistics.median(r[1][i] for r in res) for i in range(len(res[0][1]))]
        print("| %d | %.0f | %s | %.0f%% | %d |" % (
            n, rps, " + ".join("%.0f%%" % c for c in cpu),
            statistics.median(r[2] for r in res), sum(r[3] for r in res)))
    if med.get(1):
        print("\n2 shards / 1 shard: %.2fx" % (med[2] / med[1]))
    print("note: with %d CPUs the workers, iotcp-nicd and wrk share them; the issue's goal "
          "(2 shards >= 1.8x one, with the NIC not the bottleneck) needs a core per worker, "
          "one for the NIC and the load generator elsewhere: it cannot be shown here."
          % os.cpu_count())
    return 0


if __name__ == "__main__":
    sys.exit(main())
