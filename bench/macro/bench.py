#!/usr/bin/env python3
"""Macro benchmark: the same docroot and the same wrk load against

  iotcp-offload   iotcp-httpd --mode offload on the IO-TCP host stack (tools/iotcp-lab)
  iotcp-copy      iotcp-httpd --mode copy (the host reads files itself)
  nginx-1w/2w     Debian nginx, sendfile on, 1 and 2 workers        (Linux kernel TCP)
  lighttpd        Debian lighttpd                                    (Linux kernel TCP)
  linux-httpd     iotcp-httpd's server code on kernel sockets + sendfile (Linux kernel TCP)

wrk runs in a client network namespace. The Linux servers run in a server namespace joined to
it by a veth (addresses 198.19.0.1 / 198.19.0.2, inside the RFC 2544 benchmarking range); the
iotcp servers are reached through the lab's testbed (198.18.0.1 from namespace iotcp-client).

Per run: requests/s, body Gb/s, p50/p99 latency (wrk --latency), CPU-seconds per GB for each
server process (from /proc/PID/stat; for the Linux servers the kernel's softirq time is reported
separately, from /proc/stat), and whole-machine busy CPU-seconds per GB (from /proc/stat).
Three runs per point (one in --quick), median and min-max. Output: CSV, a markdown table and
gnuplot PNGs under bench/results/ (or --out).
"""
import argparse
import csv
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLK_TCK = os.sysconf("SC_CLK_TCK")
SRV_NS, CLI_NS = "iotcp-bsrv%d" % os.getpid(), "iotcp-bcli%d" % os.getpid()
SRV_IF, CLI_IF = "ibs%d" % (os.getpid() % 1000000), "ibc%d" % (os.getpid() % 1000000)
SRV_IP, CLI_IP = "198.19.0.1", "198.19.0.2"
LAB = os.path.join(ROOT, "tools", "iotcp-lab")
# The benchmark's own lab (names, state, logs): it never touches a lab brought up by hand.
_ID = "ib%d" % (os.getpid() % 1000000)  # two runs at once never collide
LAB_NS = "iotcp-" + _ID
LAB_ENV = dict(os.environ, IOTCP_LAB_NS=LAB_NS, IOTCP_LAB_TAG=_ID,
               IOTCP_LAB_STATE="/run/iotcp-" + _ID, IOTCP_LAB_LOGROOT="/var/tmp/iotcp-bench")

SIZES = {"4k": 4096, "64k": 65536, "1m": 1 << 20, "16m": 16 << 20, "100m": 100 << 20,
         "256m": 256 << 20}


def sh(cmd, check=True, **kw):
    kw.setdefault("env", LAB_ENV)
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=check, capture_output=True,
                          text=True, **kw)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- measurements

def proc_cpu(pids):
    """utime + stime of the given processes and their threads, in seconds."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


def machine_cpu():
    """(busy, softirq) seconds of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = v[:7]
    steal = v[7] if len(v) > 7 else 0
    busy = user + nice + system + irq + softirq + steal
    return busy / CLK_TCK, softirq / CLK_TCK


def parse_size(s):
    m = re.match(r"([\d.]+)([KMGT]?)B?", s)
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2)]
    return float(m.group(1)) * mult


def parse_ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)", s)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


def run_wrk(ns, url, conns, seconds):
    threads = max(1, min(2, conns))
    cmd = ["ip", "netns", "exec", ns, "wrk", "-t%d" % threads, "-c%d" % conns,
           "-d%ds" % seconds, "--latency", "--timeout", "10s", url]
    r = sh(cmd, check=False, timeout=seconds + 60)
    out = r.stdout
    res = {"rps": 0.0, "bytes_per_s": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan"),
           "errors": 0, "requests": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+\w+)", out)
    if m:
        res["bytes_per_s"] = parse_size(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(r"\s%s(?:\.000)?%%\s+([\d.]+\w+)" % pct, out)
        if m:
            res[key] = parse_ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["errors"] += int(m.group(1))
    return res


# ---------------------------------------------------------------- servers

class LinuxNet:
    """Server and client namespaces joined by a veth, for the kernel-stack servers."""

    def up(self):
        self.down()
        sh(["ip", "netns", "add", SRV_NS])
        sh(["ip", "netns", "add", CLI_NS])
        sh(["ip", "link", "add", SRV_IF, "type", "veth", "peer", "name", CLI_IF])
        sh(["ip", "link", "set", SRV_IF, "netns", SRV_NS])
        sh(["ip", "link", "set", CLI_IF, "netns", CLI_NS])
        for ns, dev, ip in ((SRV_NS, SRV_IF, SRV_IP), (CLI_NS, CLI_IF, CLI_IP)):
            sh(["ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev])
            sh(["ip", "-n", ns, "link", "set", dev, "up"])
            sh(["ip", "-n", ns, "link", "set", "lo", "up"])

    def down(self):
        for ns in (SRV_NS, CLI_NS):
            sh(["ip", "netns", "del", ns], check=False)


def wait_http(ns, url, timeout=15):
    t0 = time.time()
    while time.time() - t0 < timeout:
        r = sh(["ip", "netns", "exec", ns, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "2", url], check=False)
        if r.stdout.strip() == "200":
            return True
        time.sleep(0.2)
    return False


class NsServer:
    """A Linux server process started in the server namespace."""

    def __init__(self, name, argv, env=None):
        self.name, self.argv, self.env = name, argv, env
        self.proc = None

    def start(self, tmp):
        self.log = open(os.path.join(tmp, self.name + ".log"), "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", SRV_NS] + self.argv,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env, start_new_session=True)
        return wait_http(CLI_NS, "http://%s/4k.bin" % SRV_IP)

    def pids(self):
        """Every process of the server (master and workers): the process group."""
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if os.getpgid(int(d)) == self.proc.pid:
                        out.append(int(d))
                except OSError:
                    pass
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    client_ns = CLI_NS
    url = "http://%s" % SRV_IP
    kernel_stack = True


def nginx_server(docroot, tmp, workers):
    conf = os.path.join(tmp, "nginx-%d.conf" % workers)
    with open(conf, "w") as f:
        f.write("""worker_processes %d;
daemon off;
master_process on;
pid %s/nginx-%d.pid;
error_log %s/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path %s;
  proxy_temp_path %s; fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;
  server { listen 80 reuseport; root %s; }
}
""" % (workers, tmp, workers, tmp, tmp, tmp, tmp, tmp, tmp, docroot))
    return NsServer("nginx-%dw" % workers, ["/usr/sbin/nginx", "-c", conf, "-p", tmp])


def lighttpd_server(docroot, tmp):
    conf = os.path.join(tmp, "lighttpd.conf")
    with open(conf, "w") as f:
        f.write("""server.document-root = "%s"
server.port = 80
server.bind = "0.0.0.0"
server.max-connections = 4096
server.max-fds = 16384
server.max-keep-alive-requests = 1000000
mimetype.assign = ("" => "application/octet-stream")
""" % docroot)
    return NsServer("lighttpd", ["/usr/sbin/lighttpd", "-D", "-f", conf])


def linux_httpd_server(build, docroot):
    env = dict(os.environ, IOTCP_LINUX_DOCROOT=docroot)
    return NsServer("linux-httpd", [os.path.join(build, "apps/httpd/iotcp-httpd-linux"),
                                    "--mode", "offload", "--port", "80", "--max-conns", "8192"],
                    env=env)


class LabServer:
    """iotcp-httpd on the IO-TCP stack, through tools/iotcp-lab."""
    client_ns = LAB_NS
    url = "http://198.18.0.1"
    kernel_stack = False

    def __init__(self, name, mode, build, docroot, wire="vtap"):
        self.name, self.mode, self.build, self.docroot = name, mode, build, docroot
        self.wire = wire

    def start(self, tmp):
        r = sh([LAB, "up", "--docroot", self.docroot, "--mode", self.mode, "--build", self.build,
                "--wire", self.wire], check=False)
        if r.returncode != 0:
            log(r.stdout + r.stderr)
            return False
        return wait_http(self.client_ns, self.url + "/4k.bin")

    def pids(self):
        r = sh([LAB, "status"], check=False)
        pids = {}
        for line in r.stdout.splitlines():
            m = re.match(r"\s*(nicd|httpd): running \(pid (\d+)\)", line)
            if m:
                pids[m.group(1)] = int(m.group(2))
        return pids

    def stop(self):
        sh([LAB, "down"], check=False)


# ---------------------------------------------------------------- the benchmark

def make_docroot(d, sizes):
    os.makedirs(d, exist_ok=True)
    chunk = os.urandom(1 << 20)
    for name in sizes:
        size = SIZES[name]
        path = os.path.join(d, name + ".bin")
        if os.path.exists(path) and os.path.getsize(path) == size:
            continue
        with open(path, "wb") as f:
            left = size
            while left:
                n = min(left, len(chunk))
                f.write(chunk[:n])
                left -= n


def read_cycles():
    """The per-stage cycle counters of the lab's host and NIC (stats files, rewritten every
    second): {"host": {stage: cycles}, "nic": {stage: cycles}}."""
    state = LAB_ENV["IOTCP_LAB_STATE"]
    out = {"host": {}, "nic": {}}
    for side, fname, prefix in (("host", "host.stats", "host_cycles_"), ("nic", "nic.stats", "cycles_")):
        try:
            with open(os.path.join(state, fname)) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k.startswith(prefix) and k != prefix + "hz":
                        out[side][k[len(prefix):]] = int(v)
        except (OSError, ValueError):
            pass
    return out


def stage_shares(c0, c1):
    """Each stage's share of the cycles between two read_cycles() snapshots, per side."""
    shares = {}
    for side in ("host", "nic"):
        d = {k: c1[side].get(k, 0) - c0[side].get(k, 0) for k in c1[side]}
        total = sum(v for v in d.values() if v > 0)
        shares[side] = {k: v / total for k, v in d.items() if total > 0}
    return shares


def measure(server, size_name, conns, seconds):
    url = "%s/%s.bin" % (server.url, size_name)
    if isinstance(server, LabServer):
        pidmap = server.pids()
        host_pids, nic_pids = [pidmap.get("httpd", 0)], [pidmap.get("nicd", 0)]
    else:
        host_pids, nic_pids = server.pids(), []
    h0, n0 = proc_cpu(host_pids), proc_cpu(nic_pids)
    b0, s0 = machine_cpu()
    lab = isinstance(server, LabServer)
    c0 = read_cycles() if lab else None
    res = run_wrk(server.client_ns, url, conns, seconds)
    h1, n1 = proc_cpu(host_pids), proc_cpu(nic_pids)
    b1, s1 = machine_cpu()
    if lab:
        time.sleep(1.1)  # the stats files are rewritten once a second
        res["stages"] = stage_shares(c0, read_cycles())
    gb = res["bytes_per_s"] * seconds / 1e9
    res.update({
        "gbps": res["bytes_per_s"] * 8 / 1e9,
        "host_cpu_s": h1 - h0, "nic_cpu_s": n1 - n0,
        "softirq_s": s1 - s0, "machine_cpu_s": b1 - b0, "gb": gb,
    })
    per = (lambda x: x / gb) if gb > 0 else (lambda x: float("nan"))
    res["host_cpu_per_gb"] = per(h1 - h0)
    res["nic_cpu_per_gb"] = per(n1 - n0)
    # For kernel-stack servers the network processing runs as softirq, attributed to no process.
    res["server_cpu_per_gb"] = per((h1 - h0) + (s1 - s0 if server.kernel_stack else 0))
    res["machine_cpu_per_gb"] = per(b1 - b0)
    return res


METRICS = ["rps", "gbps", "p50_ms", "p99_ms", "host_cpu_per_gb", "nic_cpu_per_gb",
           "server_cpu_per_gb", "machine_cpu_per_gb", "errors"]


def summarize(runs):
    out = {}
    for k in METRICS:
        vals = [r[k] for r in runs if r[k] == r[k]]  # drop NaN
        if not vals:
            out[k] = (float("nan"),) * 3
        else:
            out[k] = (statistics.median(vals), min(vals), max(vals))
    return out


def fmt(v):
    if v != v:
        return "-"
    if abs(v) >= 1000:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.3g" % v


def write_stages(rows, out):
    """stages.csv: where the host's and the NIC's cycles went (last run of each point)."""
    with open(os.path.join(out, "stages.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns", "side", "stage", "share"])
        for r in rows:
            for side, shares in sorted((r.get("stages") or {}).items()):
                for stage, v in sorted(shares.items()):
                    w.writerow([r["server"], r["size"], r["conns"], side, stage, "%.4f" % v])


def write_outputs(rows, out):
    os.makedirs(out, exist_ok=True)
    write_stages(rows, out)
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns"] + ["%s_%s" % (m, s) for m in METRICS
                                                   for s in ("median", "min", "max")])
        for r in rows:
            w.writerow([r["server"], r["size"], r["conns"]] +
                       [x for m in METRICS for x in r["sum"][m]])
    lines = ["| server | size | conns | req/s | Gb/s | p50 ms | p99 ms | host CPU-s/GB | "
             "NIC CPU-s/GB | server CPU-s/GB (+softirq) | machine CPU-s/GB | errors |",
             "|" + "---|" * 12]
    for r in rows:
        s = r["sum"]
        cell = lambda m: "%s (%s–%s)" % tuple(fmt(x) for x in s[m]) if r["n"] > 1 else fmt(s[m][0])
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["server"], r["size"], r["conns"], cell("rps"), cell("gbps"), cell("p50_ms"),
            cell("p99_ms"), cell("host_cpu_per_gb"), cell("nic_cpu_per_gb"),
            cell("server_cpu_per_gb"), cell("machine_cpu_per_gb"), fmt(s["errors"][0])))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(table)
    print(table)
    plot(rows, out)


def plot(rows, out):
    if not shutil.which("gnuplot"):
        log("gnuplot not found: no plots")
        return
    servers = sorted({r["server"] for r in rows})
    sizes = [s for s in SIZES if any(r["size"] == s for r in rows)]
    conns = max(r["conns"] for r in rows)
    for metric, title, ylabel, logscale in (
            ("gbps", "Throughput vs file size (%d connections)" % conns, "Gb/s", False),
            ("server_cpu_per_gb", "Host/server CPU per GB vs file size", "CPU-s per GB", True),
            ("machine_cpu_per_gb", "Whole-machine CPU per GB vs file size", "CPU-s per GB", True)):
        dat = os.path.join(out, metric + ".dat")
        with open(dat, "w") as f:
            f.write("size " + " ".join(servers) + "\n")
            for sz in sizes:
                vals = []
                for sv in servers:
                    m = [r for r in rows if r["server"] == sv and r["size"] == sz and r["conns"] == conns]
                    v = m[0]["sum"][metric][0] if m else float("nan")
                    vals.append("NaN" if v != v or (logscale and v <= 0) else "%g" % v)
                f.write(sz + " " + " ".join(vals) + "\n")
        png = os.path.join(out, metric + ".png")
        script = ["set terminal png size 900,540", "set output '%s'" % png,
                  "set title '%s'" % title, "set ylabel '%s'" % ylabel, "set xlabel 'file size'",
                  "set style data histogram", "set style histogram cluster gap 1",
                  "set style fill solid 0.8 border -1", "set key outside right", "set grid ytics"]
        if logscale:
            script.append("set logscale y")
        script.append("plot " + ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, i + 2, sv)
                                          for i, sv in enumerate(servers)))
        r = subprocess.run(["gnuplot"], input="\n".join(script), text=True, capture_output=True)
        if r.returncode:
            log("gnuplot failed: " + r.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--quick", action="store_true", help="CI mode: tiny matrix, 1 run, 2 s")
    ap.add_argument("--servers", default="iotcp-offload,iotcp-copy,nginx-1w,nginx-2w,lighttpd,linux-httpd")
    ap.add_argument("--sizes", default="4k,64k,1m,16m,256m")
    ap.add_argument("--conns", default="1,16,64,256")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--wire", default="vtap", choices=["vtap", "tap", "afpacket"],
                    help="the lab's wire port (vtap: the NIC hands 64 KiB TSO frames to the kernel)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        log("bench: needs root (network namespaces)")
        return 77
    if a.quick:
        a.sizes, a.conns, a.runs, a.seconds = "4k,1m", "8", 1, 2
    sizes = a.sizes.split(",")
    conns = [int(c) for c in a.conns.split(",")]
    tmp = tempfile.mkdtemp(prefix="iotcp-bench-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "docroot")
    make_docroot(docroot, sizes)
    net = LinuxNet()
    rows = []
    try:
        net.up()
        for name in a.servers.split(","):
            if name == "iotcp-offload":
                srv = LabServer(name, "offload", a.build, docroot, a.wire)
            elif name == "iotcp-copy":
                srv = LabServer(name, "copy", a.build, docroot, a.wire)
            elif name.startswith("nginx-"):
                srv = nginx_server(docroot, tmp, int(name[6:-1]))
            elif name == "lighttpd":
                srv = lighttpd_server(docroot, tmp)
            elif name == "linux-httpd":
                srv = linux_httpd_server(a.build, docroot)
            else:
                log("unknown server " + name)
                continue
            log("== %s" % name)
            try:
                if not srv.start(tmp):
                    log("%s did not start: skipped" % name)
                    continue
                for sz in sizes:
                    for c in conns:
                        runs = [measure(srv, sz, c, a.seconds) for _ in range(a.runs)]
                        rows.append({"server": name, "size": sz, "conns": c, "n": len(runs),
                                     "sum": summarize(runs), "stages": runs[-1].get("stages")})
                        s = rows[-1]["sum"]
                        log("%-14s %5s c=%-4d %10.0f req/s %7.2f Gb/s  host %.3f NIC %.3f CPU-s/GB" % (
                            name, sz, c, s["rps"][0], s["gbps"][0], s["host_cpu_per_gb"][0],
                            s["nic_cpu_per_gb"][0]))
                        st = rows[-1]["stages"]
                        for side in ("host", "nic") if st else ():
                            log("    %s cycles: %s" % (side, " ".join(
                                "%s %.1f%%" % (k, 100 * v) for k, v in
                                sorted(st[side].items(), key=lambda kv: -kv[1]) if v >= 0.001)))
            finally:
                srv.stop()
        if rows:
            write_outputs(rows, a.out)
    finally:
        net.down()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
