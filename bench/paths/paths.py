#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Path benchmark: iotcp against Linux TCP on the same impaired lab path (issue 11).

  iotcp    iotcp-httpd --mode offload on the lab's default wire (tools/iotcp-lab up)
  iotcp-copy  the same in copy mode (not in the default set)
  linux    nginx + sendfile on the kernel's TCP (tools/iotcp-lab up --linux-server), with
           --linux-cc (default cubic: Linux's default algorithm and iotcp's)

Both sit behind the same client namespace, bridge and relay; `iotcp-lab netem` sets the path's
impairment on both directions. A point is (RTT, loss, reorder, rate): delay = RTT/2 each way,
loss and reorder in % each way (netem's meaning: reordered frames skip the delay, so reorder
needs RTT > 0), rate a tbf on each direction. Every point gets a freshly started lab (no state
carried over from the previous point). Each run is one keep-alive GET of a --size-mb
(32) MiB file from a fresh connection, timed by the client from the request to the last byte,
the body checked against the file (sha256).

Matrices (--matrix):
  full     RTT 0,10,50,100 ms x loss 0,0.1,1,5 % x reorder 0,5,25 % x rate 100mbit,1gbit,
           unlimited (reorder > 0 needs RTT > 0: 120 points); long: set --timeout high
  default  (make bench) 14 points: each factor alone around RTT 10 ms (RTT 0/10/50/100;
           loss 0.1/1/5 %; reorder 5/25 %; rate 100mbit/1gbit), and three mixes of an internet
           path (50 ms + 1 % loss at 1gbit, 100 ms + 0.1 % loss + 5 % reorder at 100mbit,
           10 ms + 1 % loss + 25 % reorder)
  quick    (make bench-quick, CI) 3 points, one run: RTT 0; 10 ms + 25 % reorder; 10 ms + 1 % loss
--points 'RTT/LOSS/REORDER/RATE,...' gives the points by hand (e.g. 10/0/25/unlimited).
--jobs N runs N points at once, each in its own lab (its own child paths.py, namespaces and
relay), the slowest-looking points first. Only for the full matrix: most of its points are bound
by delay, loss or rate, not by CPU, and 32 MiB at 100 ms RTT with 5 % loss takes minutes, so one
point after another takes hours. The points bound by CPU (no loss, rate unlimited or 1gbit, short
RTT) share the cores with the others then: read those from a run without --jobs.

Columns, the same basis for both servers:
  Mb/s        body bits / the client's time, median (min–max) of the runs
  retx bytes  bytes the sender retransmitted (iotcp: its tcp_retrans_bytes counter; Linux:
              tcp_info's bytes_retrans, read with ss while the connection is still open)
  spurious    retransmitted segments the client already had: D-SACKs the Linux client sent
              (TCPDSACKOldSent + TCPDSACKOfoSent in its namespace; RFC 2883: one per duplicate)
  D-SACKs     D-SACK blocks the sender received (iotcp: tcp_dsacks_rcvd; Linux: TCPDSACKRecv
              + TCPDSACKOfoRecv in the server's namespace)
A run fails on a bad status, length or digest, a closed connection, or the time limit
(--timeout); a point with any failed run shows as FAILED with its reasons (the figures of its
good runs, if any, beside). Exit status 1 when any point failed.
Output under --out (bench/results/paths): results.md, results.csv, runs.csv, meta.txt,
throughput.png, ratio.png (gnuplot). --from DIR re-renders a previous run's runs.csv.
"""
import argparse
import csv
import hashlib
import itertools
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(ROOT, "tools", "iotcp-lab")
CLIENT = os.path.join(HERE, "client.py")
SERVER_IP = "198.18.0.1"
# The benchmark's own lab (names, state, logs): it never touches a lab brought up by hand.
_ID = "ip%d" % (os.getpid() % 1000000)
LAB_NS = "iotcp-" + _ID
LAB_STATE = "/run/iotcp-" + _ID
LAB_ENV = dict(os.environ, IOTCP_LAB_NS=LAB_NS, IOTCP_LAB_TAG=_ID, IOTCP_LAB_STATE=LAB_STATE,
               IOTCP_LAB_LOGROOT="/var/tmp/iotcp-bench-paths")

RTTS, LOSSES, REORDERS, RATES = (0, 10, 50, 100), (0, 0.1, 1, 5), (0, 5, 25), \
    ("100mbit", "1gbit", "unlimited")
DEFAULT_POINTS = ("0/0/0/unlimited,10/0/0/unlimited,50/0/0/unlimited,100/0/0/unlimited,"
                  "10/0.1/0/unlimited,10/1/0/unlimited,10/5/0/unlimited,"
                  "10/0/5/unlimited,10/0/25/unlimited,10/0/0/100mbit,10/0/0/1gbit,"
                  "50/1/0/1gbit,100/0.1/5/100mbit,10/1/25/unlimited")
QUICK_POINTS = "0/0/0/unlimited,10/0/25/unlimited,10/1/0/unlimited"
SERVERS = ("iotcp", "iotcp-copy", "linux")
GOAL_RATIO = 0.9  # issue 11: iotcp >= 0.9x Linux at every point
METRICS = ("mbps", "retx_bytes", "spurious", "dsacks")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def lab(*args, check=True, timeout=120):
    r = subprocess.run([LAB] + list(args), env=LAB_ENV, capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("iotcp-lab %s: %s" % (" ".join(args), (r.stdout + r.stderr).strip()))
    return r


# ---------------------------------------------------------------- points

def parse_point(text):
    """'RTT/LOSS/REORDER/RATE' -> (rtt_ms, loss_pct, reorder_pct, rate)"""
    parts = text.strip().split("/")
    if len(parts) != 4:
        raise ValueError("point '%s': want RTT/LOSS/REORDER/RATE (e.g. 10/0/25/unlimited)" % text)
    rtt, loss, reo = float(parts[0]), float(parts[1]), float(parts[2])
    rate = parts[3]
    if rate != "unlimited" and not re.fullmatch(r"[0-9.]+[kmg]bit", rate):
        raise ValueError("point '%s': rate must be like 100mbit, 1gbit or unlimited" % text)
    if rtt < 0 or not 0 <= loss <= 100 or not 0 <= reo <= 100:
        raise ValueError("point '%s': out of range" % text)
    if reo > 0 and rtt == 0:
        raise ValueError("point '%s': reorder needs a delay (netem's meaning)" % text)
    return (num(rtt), num(loss), num(reo), rate)


def num(x):
    return int(x) if x == int(x) else x


def full_matrix():
    return [(d, l, r, rate) for d, l, r, rate in itertools.product(RTTS, LOSSES, REORDERS, RATES)
            if not (r > 0 and d == 0)]


def point_name(p):
    rtt, loss, reo, rate = p
    return "%sms/%s%%/%s%%/%s" % (rtt, loss, reo, rate)


def netem_args(p):
    """The `iotcp-lab netem` words of a point ('clear' for a clean path)."""
    rtt, loss, reo, rate = p
    w = []
    if rtt:
        w.append("delay %gms" % (rtt / 2))
    if reo:
        w.append("reorder %g%%" % reo)
    if loss:
        w.append("loss %g%%" % loss)
    if rate != "unlimited":
        w.append("rate " + rate)
    return " ".join(w) or "clear"


# ---------------------------------------------------------------- counters

def proc_netstat(ns):
    """TcpExt and Tcp counters of namespace NS."""
    r = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/netstat", "/proc/net/snmp"],
                       capture_output=True, text=True, check=True)
    out = {}
    lines = r.stdout.splitlines()
    for names, values in zip(lines[0::2], lines[1::2]):
        pre = names.split(":")[0]
        if pre in ("TcpExt", "Tcp"):
            out.update(("%s.%s" % (pre, k), int(v))
                       for k, v in zip(names.split()[1:], values.split()[1:]))
    return out


def linux_conn_counters(ns):
    """bytes_retrans of the server's established connection (tcp_info, via ss)."""
    r = subprocess.run(["ip", "netns", "exec", ns, "ss", "-tinH", "state", "established",
                        "( sport = :80 )"], capture_output=True, text=True)
    m = re.findall(r"bytes_retrans:(\d+)", r.stdout)
    return sum(int(x) for x in m) if m else 0


def host_stats(path, newer_than=0.0, wait=3.0):
    """iotcp-httpd's counters (written once a second) from a write after NEWER_THAN."""
    t0 = time.time()
    while True:
        try:
            st = os.stat(path)
            if st.st_mtime > newer_than:
                with open(path) as f:
                    return {k: int(v) for k, v in (l.split() for l in f if len(l.split()) == 2)}
        except (OSError, ValueError):
            pass
        if time.time() - t0 > wait:
            raise RuntimeError("no fresh counters in %s" % path)
        time.sleep(0.05)


class Server:
    def __init__(self, name, a, docroot):
        self.name, self.a, self.docroot = name, a, docroot

    def up(self):
        args = ["up", "--docroot", self.docroot, "--build", self.a.build]
        if self.name == "linux":
            args += ["--linux-server", "--linux-cc", self.a.linux_cc]
        else:
            args += ["--mode", "copy" if self.name == "iotcp-copy" else "offload"]
        lab("down", check=False)
        lab(*args)

    def down(self):
        lab("down", check=False)

    def before(self):
        if self.name == "linux":
            return proc_netstat(LAB_NS + "-srv")
        return host_stats(os.path.join(LAB_STATE, "host.stats"), time.time())

    def during(self, t_end):
        """Counters while the connection is still open, after the transfer."""
        if self.name == "linux":
            return {"bytes_retrans": linux_conn_counters(LAB_NS + "-srv"),
                    "net": proc_netstat(LAB_NS + "-srv")}
        return host_stats(os.path.join(LAB_STATE, "host.stats"), t_end)

    def deltas(self, b, d):
        if self.name == "linux":
            n = d["net"]
            return {"retx_bytes": d["bytes_retrans"],
                    "dsacks": sum(n.get(k, 0) - b.get(k, 0) for k in
                                  ("TcpExt.TCPDSACKRecv", "TcpExt.TCPDSACKOfoRecv"))}
        return {"retx_bytes": d.get("tcp_retrans_bytes", 0) - b.get("tcp_retrans_bytes", 0),
                "dsacks": d.get("tcp_dsacks_rcvd", 0) - b.get("tcp_dsacks_rcvd", 0)}


def failed_run(*why):
    """A run with no figures yet (failed when WHY is given)."""
    nan = float("nan")
    return {"mbps": nan, "seconds": nan, "retx_bytes": nan, "spurious": nan, "dsacks": nan,
            "failures": list(why)}


def run_once(srv, size, digest, timeout):
    """One fetch: {mbps, seconds, retx_bytes, spurious, dsacks, failures}"""
    b = srv.before()
    p = subprocess.Popen(["ip", "netns", "exec", LAB_NS, "python3", CLIENT, SERVER_IP,
                          "/path.bin", str(size), digest, str(timeout)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=LAB_ENV)
    run = failed_run()
    try:
        line = p.stdout.readline()
        t_end = time.time()
        try:
            res = json.loads(line)
        except ValueError:
            run["failures"].append("client: %s" % (p.stderr.read().strip()[-300:] or "no result"))
            return run
        run["failures"] += res["failures"]
        run["seconds"] = res["seconds"]
        if res["seconds"] > 0 and not res["failures"]:
            run["mbps"] = res["bytes"] * 8 / res["seconds"] / 1e6
        run["spurious"] = res["dsacks_sent"]
        try:
            run.update(srv.deltas(b, srv.during(t_end)))
        except (RuntimeError, subprocess.CalledProcessError) as e:
            run["failures"].append("counters: %s" % e)
    finally:
        try:
            p.stdin.write("\n")
            p.stdin.close()
        except OSError:
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return run


# ---------------------------------------------------------------- summary

def summarize(runs):
    ok = [r for r in runs if not r["failures"]]
    out = {"n": len(ok), "wanted": len(runs),
           "failures": " | ".join(sorted({f for r in runs for f in r["failures"]}))}
    out["status"] = "ok" if ok and len(ok) == len(runs) else "failed"
    for k in METRICS:
        vals = [r[k] for r in ok if r[k] == r[k]]
        out[k] = (statistics.median(vals), min(vals), max(vals)) if vals else (float("nan"),) * 3
    return out


def fmt(v):
    if v != v:
        return "-"
    return "%.0f" % v if abs(v) >= 100 else "%.3g" % v


def fmt_ratio(r):
    return fmt(r) + "x" if r == r else "-"


def fmt_range(t):
    med, lo, hi = t
    if med != med:
        return "-"
    return "%s (%s–%s)" % (fmt(med), fmt(lo), fmt(hi)) if hi > lo else fmt(med)


def cell(s, k):
    if s is None:
        return "not run"
    if s["status"] != "ok":
        good = "; good runs: %s" % fmt_range(s[k]) if s["n"] and k == "mbps" else ""
        return "**FAILED** %d/%d: %s%s" % (s["wanted"] - s["n"], s["wanted"], s["failures"], good) \
            if k == "mbps" else "-"
    return fmt_range(s[k])


def ratio(res, p, srv, base):
    a, b = res.get((srv, p)), res.get((base, p))
    if not a or not b or a["status"] != "ok" or b["status"] != "ok" or not b["mbps"][0] > 0:
        return float("nan")
    return a["mbps"][0] / b["mbps"][0]


def tables(res, points, servers):
    """The markdown table and the goals section."""
    iot = [s for s in servers if s != "linux"]
    hdr = ["RTT", "loss", "reorder", "rate"]
    for k, title in (("mbps", "Mb/s"), ("retx_bytes", "retx bytes"), ("spurious", "spurious"),
                     ("dsacks", "D-SACKs")):
        hdr += ["%s %s" % (s, title) for s in servers]
        if k == "mbps" and "linux" in servers:
            hdr += ["%s / linux" % s for s in iot]
    lines = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    for p in points:
        rtt, loss, reo, rate = p
        row = ["%s ms" % rtt, "%s%%" % loss, "%s%%" % reo, rate]
        for k in METRICS:
            row += [cell(res.get((s, p)), k) for s in servers]
            if k == "mbps" and "linux" in servers:
                row += [fmt_ratio(ratio(res, p, s, "linux")) for s in iot]
        lines.append("| " + " | ".join(row) + " |")
    table = "\n".join(lines) + "\n"
    goals = []
    if "linux" in servers and "iotcp" in servers:
        rs = [(p, ratio(res, p, "iotcp", "linux")) for p in points]
        met = [p for p, r in rs if r >= GOAL_RATIO]
        goals.append("- iotcp >= %.1fx Linux: %d of %d points%s" % (
            GOAL_RATIO, len(met), len(points), "; below: " + ", ".join(
                "%s (%s)" % (point_name(p), fmt_ratio(r)) for p, r in rs if not r >= GOAL_RATIO)
            if len(met) < len(points) else ""))
        head = (10, 0, 25, "unlimited")
        if head in points:
            a, b = res.get(("iotcp", head)), res.get(("linux", head))
            r = ratio(res, head, "iotcp", "linux")
            if a and b and a["status"] == b["status"] == "ok":
                goals.append("- reorder 25%% + 10 ms: %s Linux (goal >= %.1fx: %s); spurious "
                             "retransmissions %s vs Linux %s (goal <=: %s)" % (
                                 fmt_ratio(r), GOAL_RATIO, "met" if r >= GOAL_RATIO else "NOT met",
                                 fmt(a["spurious"][0]), fmt(b["spurious"][0]),
                                 "met" if a["spurious"][0] <= b["spurious"][0] else "NOT met"))
            else:
                goals.append("- reorder 25% + 10 ms: a server failed there")
    return table, "\n".join(goals) + ("\n" if goals else "")


# ---------------------------------------------------------------- output

RUN_FIELDS = ["server", "rtt_ms", "loss_pct", "reorder_pct", "rate", "run", "status", "mbps",
              "seconds", "retx_bytes", "spurious", "dsacks", "failures"]


def write_runs(out, runs):
    with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(RUN_FIELDS)
        for (srv, p, i, r) in runs:
            w.writerow([srv, *p, i, "failed" if r["failures"] else "ok"] +
                       ["%.6g" % r[k] for k in ("mbps", "seconds", "retx_bytes", "spurious",
                                                "dsacks")] + [" | ".join(r["failures"])])


def read_runs(d):
    runs = []
    with open(os.path.join(d, "runs.csv")) as f:
        for rec in csv.DictReader(f):
            p = (num(float(rec["rtt_ms"])), num(float(rec["loss_pct"])),
                 num(float(rec["reorder_pct"])), rec["rate"])
            r = {k: float(rec[k]) for k in ("mbps", "seconds", "retx_bytes", "spurious", "dsacks")}
            r["failures"] = [x for x in rec["failures"].split(" | ") if x] or \
                ([] if rec["status"] == "ok" else ["failed"])
            runs.append((rec["server"], p, int(rec["run"]), r))
    return runs


def gnuplot(script, what):
    r = subprocess.run(["gnuplot"], input="\n".join(script), text=True, capture_output=True)
    if r.returncode:
        log("gnuplot failed (%s): %s" % (what, r.stderr))


def plot(res, points, servers, out):
    if not shutil.which("gnuplot"):
        log("gnuplot not found: no plots")
        return
    dat = os.path.join(out, "throughput.dat")
    with open(dat, "w") as f:
        f.write("# point " + " ".join("%s %s_min %s_max" % (s, s, s) for s in servers) + "\n")
        for p in points:
            vals = []
            for s in servers:
                r = res.get((s, p))
                t = r["mbps"] if r and r["status"] == "ok" else (float("nan"),) * 3
                vals += ["%g" % v if v == v else "NaN" for v in t]
            f.write('"%s" %s\n' % (point_name(p), " ".join(vals)))
    common = ["set terminal png size 1400,600", "set style fill solid 0.8 border -1",
              "set key outside right", "set grid ytics", "set xtics rotate by -40",
              "set xlabel 'RTT / loss / reorder / rate (failed points: no bar)'"]
    gnuplot(common + [
        "set output '%s'" % os.path.join(out, "throughput.png"),
        "set title 'Throughput of one 32 MiB fetch, median and min-max of the runs'",
        "set ylabel 'Mb/s (log)'", "set logscale y", "set style data histogram",
        "set style histogram errorbars gap 1 lw 1",
        "plot " + ", ".join("'%s' using %d:%d:%d:xtic(1) title '%s'" % (
            dat, 2 + 3 * i, 3 + 3 * i, 4 + 3 * i, s) for i, s in enumerate(servers))],
        "throughput")
    iot = [s for s in servers if s != "linux"]
    if "linux" not in servers or not iot:
        return
    rdat = os.path.join(out, "ratio.dat")
    with open(rdat, "w") as f:
        f.write("# point " + " ".join(iot) + "\n")
        for p in points:
            f.write('"%s" %s\n' % (point_name(p), " ".join(
                "%g" % ratio(res, p, s, "linux") if ratio(res, p, s, "linux") == ratio(
                    res, p, s, "linux") else "NaN" for s in iot)))
    gnuplot(common + [
        "set output '%s'" % os.path.join(out, "ratio.png"),
        "set title 'iotcp throughput / Linux throughput (median runs); goal >= %.1f'" % GOAL_RATIO,
        "set ylabel 'ratio'", "set yrange [0:*]", "set style data histogram",
        "set style histogram cluster gap 1",
        "plot " + ", ".join("'%s' using %d:xtic(1) title '%s'" % (rdat, i + 2, s)
                            for i, s in enumerate(iot)) +
        ", %g with lines lw 2 lc rgb 'red' title 'goal'" % GOAL_RATIO], "ratio")


def render(runs, out, meta):
    servers = [s for s in SERVERS if any(r[0] == s for r in runs)]
    points = []
    for _, p, _, _ in runs:
        if p not in points:
            points.append(p)
    res = {}
    for s in servers:
        for p in points:
            rs = [r for (sv, pp, _, r) in runs if sv == s and pp == p]
            if rs:
                res[(s, p)] = summarize(rs)
    os.makedirs(out, exist_ok=True)
    write_runs(out, runs)
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "rtt_ms", "loss_pct", "reorder_pct", "rate", "status", "runs",
                    "runs_wanted", "failures"] +
                   ["%s_%s" % (k, x) for k in METRICS for x in ("median", "min", "max")])
        for (s, p), r in res.items():
            w.writerow([s, *p, r["status"], r["n"], r["wanted"], r["failures"]] +
                       ["%.6g" % v for k in METRICS for v in r[k]])
    table, goals = tables(res, points, servers)
    with open(os.path.join(out, "meta.txt"), "w") as f:
        for k, v in meta.items():
            f.write("%s: %s\n" % (k, v))
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("# iotcp path benchmark\n\nCommit %s, %s; `%s`.\n\n" % (
            meta.get("commit", "?"), meta.get("date", "?"), meta.get("command", "?")))
        f.write("One %s MiB fetch per run, %s runs per point; median (min–max) of the runs; a "
                "point with any failed run shows as FAILED. Impairments on both directions "
                "(delay = RTT/2 each way). Linux: nginx + sendfile, congestion control %s. "
                "Columns: bench/paths/paths.py.\n\n" % (
                    meta.get("size_mb", "?"), meta.get("runs", "?"), meta.get("linux_cc", "?")))
        f.write(table)
        if goals:
            f.write("\n## Goals (issue 11)\n\n" + goals)
    print(table)
    if goals:
        print(goals)
    plot(res, points, servers, out)
    return [k for k, r in res.items() if r["status"] != "ok"]


def estimated_seconds(p):
    """A rough guess of one run's time at point P (both servers): the order --jobs starts in."""
    rtt, loss, reo, rate = p
    mbps = 10000.0 if rate == "unlimited" else float(rate[:-4]) * {
        "k": 1e-3, "m": 1.0, "g": 1e3}[rate[-4]]
    rtt_s = max(rtt, 1) / 1000.0
    if loss:  # Mathis et al.: MSS / RTT * 1.22 / sqrt(p)
        mbps = min(mbps, 1448 * 8 / rtt_s * 1.22 / (loss / 100.0) ** 0.5 / 1e6)
    if reo:  # a reordering path costs Linux about a tenth of its rate (the default matrix)
        mbps = min(mbps, 1448 * 8 / rtt_s * 2 / 1e6)
    return 268.0 / mbps


def run_jobs(a, points, runs_n, timeout, servers, meta):
    """--jobs: each point in a child paths.py of its own; the runs of all, rendered together."""
    out = os.path.abspath(a.out)
    os.makedirs(os.path.join(out, "points"), exist_ok=True)
    todo = sorted(points, key=estimated_seconds, reverse=True)
    running, runs = [], []

    def reap(block):
        for job in list(running):
            proc, p, d, logf = job
            if proc.poll() is None and not block:
                continue
            proc.wait()
            logf.close()
            running.remove(job)
            try:
                got = read_runs(d)
            except (OSError, KeyError, ValueError):
                got = []
            have = {(s, i) for (s, _, i, _) in got}
            got += [(s, p, i, failed_run("the point's paths.py exited %d with no result "
                                         "(see %s/paths.log)" % (proc.returncode, d)))
                    for s in servers for i in range(runs_n) if (s, i) not in have]
            runs.extend(got)
            log("paths: %s done (%d left, %d running)" % (point_name(p), len(todo),
                                                          len(running)))
            return True
        return False

    try:
        while todo or running:
            while todo and len(running) < a.jobs:
                p = todo.pop(0)
                d = os.path.join(out, "points", point_name(p).replace("/", "_").replace("%", ""))
                os.makedirs(d, exist_ok=True)
                logf = open(os.path.join(d, "paths.log"), "w")
                cmd = [sys.executable, os.path.abspath(__file__), "--build", a.build,
                       "--points", "%s/%s/%s/%s" % p, "--runs", str(runs_n), "--size-mb",
                       str(a.size_mb), "--timeout", str(timeout), "--linux-cc", a.linux_cc,
                       "--servers", ",".join(servers), "--out", d]
                running.append((subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT),
                                p, d, logf))
            if not reap(False):
                time.sleep(1)
    finally:
        for proc, _, _, _ in running:  # stopped early: each child takes its lab down
            proc.terminate()
        for proc, _, _, logf in running:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
            logf.close()
    order = {p: i for i, p in enumerate(points)}
    runs.sort(key=lambda r: (SERVERS.index(r[0]), order[r[1]], r[2]))
    failed = render(runs, out, meta)
    if failed:
        log("paths: %d point(s) FAILED (see %s/results.md)" % (len(failed), out))
        return 1
    log("paths: all points succeeded; results in %s" % out)
    return 0


def git_commit():
    """The commit measured: bench/macro/bench.py's reader (it reads .git where git is not
    installed, as on a minimal Debian root)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "iotcp_bench_macro", os.path.join(ROOT, "bench", "macro", "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.git_commit()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true", help="the CI matrix (3 points, 1 run)")
    ap.add_argument("--matrix", choices=["default", "full", "quick"])
    ap.add_argument("--points", help="RTT/LOSS/REORDER/RATE,... (overrides --matrix)")
    ap.add_argument("--servers", default="iotcp,linux", help="of: " + ",".join(SERVERS))
    ap.add_argument("--runs", type=int)
    ap.add_argument("--size-mb", type=int, default=32)
    ap.add_argument("--timeout", type=float, help="seconds per fetch before it fails "
                    "(default 180; quick 60)")
    ap.add_argument("--linux-cc", default="cubic")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "paths"))
    ap.add_argument("--from", dest="from_dir", help="re-render DIR/runs.csv into --out")
    ap.add_argument("--jobs", type=int, default=1, help="points run at once, each in its own "
                    "lab (for the full matrix; see above)")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if a.from_dir:
        meta = {"commit": "as recorded in %s" % a.from_dir, "command": "paths.py --from"}
        try:
            with open(os.path.join(a.from_dir, "meta.txt")) as f:
                meta = dict(l.rstrip("\n").split(": ", 1) for l in f if ": " in l)
        except OSError:
            pass
        return 1 if render(read_runs(a.from_dir), a.out, meta) else 0
    matrix = a.matrix or ("quick" if a.quick else "default")
    runs_n = a.runs or (1 if matrix == "quick" else 3)
    timeout = a.timeout or (60 if matrix == "quick" else 180)
    try:
        if a.points:
            points = [parse_point(t) for t in a.points.split(",") if t.strip()]
        elif matrix == "full":
            points = full_matrix()
        else:
            points = [parse_point(t) for t in (QUICK_POINTS if matrix == "quick"
                                               else DEFAULT_POINTS).split(",")]
        servers = a.servers.split(",")
        bad = [s for s in servers if s not in SERVERS]
        if bad or not servers:
            raise ValueError("unknown server: %s" % ", ".join(bad))
        if not 1 <= a.jobs <= 16:
            raise ValueError("--jobs: 1 to 16")
    except ValueError as e:
        log("paths: %s" % e)
        return 2
    if os.geteuid() != 0:
        log("paths: needs root (network namespaces)")
        return 77
    a.build = os.path.abspath(a.build)
    if a.jobs > 1 and len(points) > 1:
        meta = {"commit": git_commit(), "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                "kernel": platform.release(), "command": " ".join(["paths.py"] + sys.argv[1:]),
                "matrix": "by hand" if a.points else matrix, "runs": runs_n,
                "size_mb": a.size_mb, "timeout_s": timeout, "linux_cc": a.linux_cc,
                "servers": ",".join(servers), "jobs": a.jobs}
        log("paths: %d points x %d runs x %s, %d at once" % (len(points), runs_n,
                                                             ",".join(servers), a.jobs))
        return run_jobs(a, points, runs_n, timeout, servers, meta)
    size = a.size_mb << 20
    tmp = tempfile.mkdtemp(prefix="iotcp-paths-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "docroot")
    os.mkdir(docroot)
    os.chmod(docroot, 0o755)
    body = os.urandom(size)
    digest = hashlib.sha256(body).hexdigest()
    with open(os.path.join(docroot, "path.bin"), "wb") as f:
        f.write(body)
    with open(os.path.join(docroot, "index.html"), "w") as f:
        f.write("paths\n")
    del body
    meta = {"commit": git_commit(), "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "kernel": platform.release(), "command": " ".join(["paths.py"] + sys.argv[1:]),
            "matrix": "by hand" if a.points else matrix, "runs": runs_n, "size_mb": a.size_mb,
            "timeout_s": timeout, "linux_cc": a.linux_cc, "servers": ",".join(servers)}
    os.makedirs(a.out, exist_ok=True)
    log("paths: %d points x %d runs x %s, %d MiB per fetch, %g s limit" % (
        len(points), runs_n, ",".join(servers), a.size_mb, timeout))
    runs = []
    try:
        for name in servers:
            srv = Server(name, a, docroot)
            log("== %s" % name)
            for p in points:
                # A fresh lab for every point: nothing carried over from the previous one
                # (a lab kept up across netem changes gave iotcp implausible loss points).
                try:
                    srv.up()
                    lab("netem", netem_args(p))
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    log("%s %s: the server or the path did not start (%s)" % (
                        name, point_name(p), e))
                    runs += [(name, p, i, failed_run("the server or the path did not start"))
                             for i in range(runs_n)]
                    srv.down()
                    continue
                try:
                    for i in range(runs_n):
                        r = run_once(srv, size, digest, timeout)
                        runs.append((name, p, i, r))
                        write_runs(a.out, runs)  # so far: a stopped run can be re-rendered
                        log("%-10s %-28s run %d: %s" % (name, point_name(p), i + 1, (
                            "FAILED: " + " | ".join(r["failures"])) if r["failures"] else
                            "%8.1f Mb/s  retx %d B  spurious %d  D-SACKs %d" % (
                                r["mbps"], r["retx_bytes"], r["spurious"], r["dsacks"])))
                finally:
                    srv.down()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    failed = render(runs, a.out, meta) if runs else ["nothing ran"]
    if failed:
        log("paths: %d point(s) FAILED (see %s/results.md)" % (len(failed), a.out))
        return 1
    log("paths: all points succeeded; results in %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
