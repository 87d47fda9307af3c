#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Macro benchmark: the same docroot and the same wrk load against

  iotcp-offload   iotcp-httpd --mode offload on the IO-TCP host stack (tools/iotcp-lab)
  iotcp-copy      iotcp-httpd --mode copy (the host reads files itself)
  nginx-1w/2w     Debian nginx: sendfile, tcp_nopush, open_file_cache; 1 and 2 workers
  lighttpd        Debian lighttpd: sendfile backend, stat cache with open fds (1 s)
  linux-httpd     iotcp-httpd's server code on kernel sockets + sendfile (Linux kernel TCP)

wrk runs in a client network namespace. The Linux servers run in a server namespace joined to
it by a veth (addresses 198.19.0.1 / 198.19.0.2, inside the RFC 2544 benchmarking range); the
iotcp servers are reached through the lab's testbed (198.18.0.1 from the lab's client namespace).

The CPU basis (docs/benchmarks.md): utime+stime of every process of a server, all threads and
reaped children included (/proc/PID/stat), and the whole machine's busy time (/proc/stat). No
softirq column is added to any server: on a kernel without IRQ time accounting (detected at
start) softirq work is already in the time of whatever process it interrupted.

A run fails on a wrk socket error or timeout, a non-2xx/3xx response, a non-zero exit, no
completed request, or fewer body bytes than requests x size; a point fails when any of its runs
fails, a server that does not start fails all its points, and the exit status is 1 then.
Output: results.csv, runs.csv, results.md, stages.csv, gnuplot PNGs under bench/results/ (--out).
"""
import argparse
import csv
import gzip
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

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
SRV_NS, CLI_NS = "iotcp-bsrv%d" % os.getpid(), "iotcp-bcli%d" % os.getpid()
SRV_IF, CLI_IF = "ibs%d" % (os.getpid() % 1000000), "ibc%d" % (os.getpid() % 1000000)
SRV_IP, CLI_IP = "198.19.0.1", "198.19.0.2"
LAB = os.path.join(ROOT, "tools", "iotcp-lab")
# The benchmark's own lab (names, state, logs): it never touches a lab brought up by hand.
_ID = "ib%d" % (os.getpid() % 1000000)  # two runs at once never collide
LAB_NS = "iotcp-" + _ID
LAB_ENV = dict(os.environ, IOTCP_LAB_NS=LAB_NS, IOTCP_LAB_TAG=_ID,
               IOTCP_LAB_STATE="/run/iotcp-" + _ID, IOTCP_LAB_LOGROOT="/var/tmp/iotcp-bench",
               # no server writes an access log here (nginx: access_log off; lighttpd: no
               # mod_accesslog): iotcp-httpd's cost 7-8% of its host's time at 4 KiB
               IOTCP_LAB_ACCESS_LOG="off")

SIZES = {"4k": 4096, "64k": 65536, "1m": 1 << 20, "16m": 16 << 20, "100m": 100 << 20,
         "256m": 256 << 20}
# Default matrix: points whose connections x file size exceed this are left out (a response
# would take longer than wrk's timeout at any rate this machine reaches); --max-inflight 0 keeps
# them, and they then show as failed.
MAX_INFLIGHT = 8 << 30


def sh(cmd, check=True, **kw):
    kw.setdefault("env", LAB_ENV)
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=check, capture_output=True,
                          text=True, **kw)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- CPU accounting

def proc_cpu(pids):
    """CPU seconds of the given processes: {"user", "system"}, each with all threads and the
    reaped children (utime+cutime, stime+cstime of /proc/PID/stat)."""
    user = system = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            # after the comm: state is fields[0]; utime, stime, cutime, cstime: fields 11..14
            user += int(fields[11]) + int(fields[13])
            system += int(fields[12]) + int(fields[14])
        except (OSError, IndexError, ValueError):
            pass
    return {"user": user / CLK_TCK, "system": system / CLK_TCK}


def machine_cpu():
    """Seconds of the whole machine from /proc/stat: busy (user, nice, system, irq, softirq;
    guest time is inside user) and softirq. Steal (another guest ran) is not this machine's
    work and is left out."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = v[:7]
    return {"busy": (user + nice + system + irq + softirq) / CLK_TCK, "softirq": softirq / CLK_TCK}


def ksoftirqd_pids():
    """The per-CPU softirq threads: network work deferred to them (when a CPU is busy) is
    charged to them, not to the server or client whose packets it processes."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().startswith("ksoftirqd/"):
                        out.append(int(d))
            except OSError:
                pass
    return out


def kernel_config():
    for path in ("/proc/config.gz", "/boot/config-" + platform.release()):
        try:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt") as f:
                return f.read(), path
        except OSError:
            pass
    return None, None


def irq_time_accounting():
    """(on, how): whether the kernel accounts irq/softirq time apart from the interrupted
    task. Off (CONFIG_IRQ_TIME_ACCOUNTING unset, or disabled at boot): softirq work is charged
    by ticks to the process it interrupts — it is already inside that process's stime, and
    adding /proc/stat's softirq on top would count it twice. None: unknown."""
    cfg, path = kernel_config()
    if cfg is None:
        return None, "kernel config not readable (/proc/config.gz, /boot/config-*)"
    if "CONFIG_IRQ_TIME_ACCOUNTING=y" not in cfg:
        return False, "CONFIG_IRQ_TIME_ACCOUNTING is not set (%s)" % path
    try:
        cmdline = open("/proc/cmdline").read().split()
    except OSError:
        cmdline = []
    for word in ("tsc=noirqtime", "tsc=unstable"):  # x86: irqtime needs a stable TSC
        if word in cmdline:
            return False, "CONFIG_IRQ_TIME_ACCOUNTING=y but disabled at boot (%s)" % word
    return True, "CONFIG_IRQ_TIME_ACCOUNTING=y (%s)" % path


# ---------------------------------------------------------------- the load: wrk

# wrk's done() hook prints exact totals (its text summary rounds bytes to 0.01 GB).
WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("IOTCP_WRK requests=%d bytes=%d duration_us=%d connect=%d read=%d " ..
    "write=%d status=%d timeout=%d p50_us=%d p99_us=%d\n", summary.requests, summary.bytes,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


# wrk (4.1) counts a timeout when a response completes later than --timeout after its request;
# a response that never completes is not counted: it shows as a connection that completed
# nothing (fewer requests than connections) or in the point's post-flight request.
MIN_SECONDS = 2


def wrk_timeout(seconds):
    """wrk's --timeout: shorter than the run, so that a late response is counted."""
    return max(1, seconds // 2)


def parse_wrk(out):
    """wrk's IOTCP_WRK line as a dict of ints, or None."""
    m = re.search(r"^IOTCP_WRK (.*)$", out, re.M)
    if not m:
        return None
    return {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def run_wrk(ns, url, conns, seconds, script):
    threads = max(1, min(2, conns))
    cmd = ["ip", "netns", "exec", ns, "wrk", "-t%d" % threads, "-c%d" % conns,
           "-d%ds" % seconds, "--latency", "--timeout", "%ds" % wrk_timeout(seconds),
           "-s", script, url]
    try:
        r = sh(cmd, check=False, timeout=seconds + 60)
        rc, out, err = r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = -1, "", "wrk did not finish within %d s" % (seconds + 60)
    return {"rc": rc, "wrk": parse_wrk(out), "stderr": err.strip()[-300:]}


def check_run(w, size, conns, hdr_len):
    """The reasons a wrk run failed (empty: it succeeded). w: run_wrk()'s result; size: the
    file's size; hdr_len: the response header's length (from the point's preflight)."""
    why = []
    if w["rc"] != 0:
        why.append("wrk exit %d%s" % (w["rc"], (": " + w["stderr"]) if w["stderr"] else ""))
    s = w["wrk"]
    if s is None:
        return why or ["wrk printed no summary"]
    socket_errs = ["%s %d" % (k, s[k]) for k in ("connect", "read", "write", "timeout") if s[k]]
    if socket_errs:
        why.append("socket errors: " + ", ".join(socket_errs))
    if s["status"]:
        why.append("%d non-2xx/3xx responses" % s["status"])
    if s["requests"] == 0:
        why.append("no request completed")
    elif s["requests"] < conns:
        why.append("%d requests completed by %d connections: one completed none" % (
            s["requests"], conns))
    elif not s["status"] and s["bytes"] - s["requests"] * hdr_len < s["requests"] * size:
        why.append("body bytes %d < %d requests x %d" % (s["bytes"] - s["requests"] * hdr_len,
                                                         s["requests"], size))
    return why


def preflight(ns, url, size):
    """One request before the runs: (reasons it failed, the response header's length)."""
    r = sh(["ip", "netns", "exec", ns, "curl", "-s", "-k", "-o", "/dev/null", "--max-time", "10",
            "-w", "%{http_code} %{size_header} %{size_download}", url], check=False)
    parts = r.stdout.split()
    if r.returncode != 0 or len(parts) != 3:
        return ["preflight: curl exit %d" % r.returncode], 0
    code, hdr, got = (int(x) for x in parts)
    if code != 200 or got != size:
        return ["preflight: HTTP %d with %d body bytes (want 200 with %d)" % (code, got, size)], hdr
    return [], hdr


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


def wait_http(ns, url, timeout=15, alive=lambda: True):
    t0 = time.time()
    while time.time() - t0 < timeout and alive():
        r = sh(["ip", "netns", "exec", ns, "curl", "-s", "-k", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "2", url], check=False)
        if r.stdout.strip() == "200":
            return True
        time.sleep(0.2)
    return False


class NsServer:
    """A Linux server process started in the server namespace (kernel TCP)."""
    client_ns = CLI_NS
    kernel_stack = True

    def __init__(self, name, argv, env=None, scheme="http"):
        self.name, self.argv, self.env = name, argv, env
        self.url = "%s://%s" % (scheme, SRV_IP)
        self.proc = None

    def start(self, tmp):
        self.log = open(os.path.join(tmp, self.name + ".log"), "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", SRV_NS] + self.argv,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env, start_new_session=True)
        return wait_http(CLI_NS, self.url + "/4k.bin", alive=lambda: self.proc.poll() is None)

    def pids(self):
        """{"host": every process of the server (master and workers: its process group)}."""
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if os.getpgid(int(d)) == self.proc.pid:
                        out.append(int(d))
                except OSError:
                    pass
        return {"host": out, "nic": []}

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


class LabServer:
    """iotcp-httpd on the IO-TCP stack, through tools/iotcp-lab."""
    client_ns = LAB_NS
    kernel_stack = False

    def __init__(self, name, mode, ctx, scheme="http"):
        self.name, self.mode, self.ctx, self.scheme = name, mode, ctx, scheme
        self.url = "%s://198.18.0.1" % scheme

    def start(self, tmp):
        args = [LAB, "up", "--docroot", self.ctx.docroot, "--mode", self.mode, "--build",
                self.ctx.build, "--wire", self.ctx.wire] + (["--tls"] if self.scheme == "https" else [])
        r = sh(args, check=False, timeout=120)
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
        return {"host": [pids["httpd"]] if "httpd" in pids else [],
                "nic": [pids["nicd"]] if "nicd" in pids else []}

    def stop(self):
        sh([LAB, "down"], check=False)


# HTTPS points: every server with OpenSSL, TLS 1.3 TLS_AES_128_GCM_SHA256 (iotcp-httpd's first
# preference), one self-signed P-256 certificate (the lab makes its own the same way).
TLS_SUITE = "TLS_AES_128_GCM_SHA256"


def tls_cert(ctx):
    crt, key = os.path.join(ctx.tmp, "bench-tls.crt"), os.path.join(ctx.tmp, "bench-tls.key")
    if not os.path.exists(crt):
        sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "2", "-subj", "/CN=198.18.0.1", "-keyout", key, "-out", crt])
    return crt, key


def nginx_server(ctx, workers, tls=False):
    """nginx as operators run it for static files: sendfile, tcp_nopush (TCP_CORK), and an
    open-file cache like iotcp-httpd's (descriptors and stat results, revalidated every 1 s).
    tls: HTTPS on 443 (no kTLS on this kernel: nginx encrypts in user space, no sendfile)."""
    tmp = ctx.tmp
    listen = "listen 80 reuseport;"
    if tls:
        crt, key = tls_cert(ctx)
        listen = ("listen 443 ssl reuseport; ssl_certificate %s; ssl_certificate_key %s; "
                  "ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites %s; "
                  "ssl_session_cache shared:SSL:10m;" % (crt, key, TLS_SUITE))
    conf = os.path.join(tmp, "nginx-%d%s.conf" % (workers, "-tls" if tls else ""))
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
  open_file_cache max=1024 inactive=60s;
  open_file_cache_valid 1s;
  open_file_cache_min_uses 1;
  open_file_cache_errors on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path %s;
  proxy_temp_path %s; fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;
  server { %s root %s; }
}
""" % (workers, tmp, workers, tmp, tmp, tmp, tmp, tmp, tmp, listen, ctx.docroot))
    return NsServer("nginx-%dw%s" % (workers, "-https" if tls else ""),
                    ["/usr/sbin/nginx", "-c", conf, "-p", tmp], scheme="https" if tls else "http")


def lighttpd_server(ctx, tls=False):
    """lighttpd 1.4 with its equivalents: the sendfile network backend, the stat cache (which
    also keeps the files' open descriptors; 'simple' revalidates every 1 s) — lighttpd sets
    TCP_CORK itself when headers precede a file body. tls: mod_openssl on 443."""
    conf = os.path.join(ctx.tmp, "lighttpd%s.conf" % ("-tls" if tls else ""))
    extra = ""
    if tls:
        crt, key = tls_cert(ctx)
        extra = """server.modules += ("mod_openssl")
ssl.engine = "enable"
ssl.pemfile = "%s"
ssl.privkey = "%s"
ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.3", "Ciphersuites" => "%s")
""" % (crt, key, TLS_SUITE)
    with open(conf, "w") as f:
        f.write(extra + """server.document-root = "%s"
server.port = %d

server.bind = "0.0.0.0"
server.network-backend = "sendfile"
server.stat-cache-engine = "simple"
server.max-connections = 4096
server.max-fds = 16384
server.max-keep-alive-requests = 1000000
mimetype.assign = ("" => "application/octet-stream")
""" % (ctx.docroot, 443 if tls else 80))
    return NsServer("lighttpd-https" if tls else "lighttpd", ["/usr/sbin/lighttpd", "-D", "-f", conf],
                    scheme="https" if tls else "http")


def linux_httpd_server(ctx):
    env = dict(os.environ, IOTCP_LINUX_DOCROOT=ctx.docroot)
    return NsServer("linux-httpd", [os.path.join(ctx.build, "apps/httpd/iotcp-httpd-linux"),
                                    "--mode", "offload", "--port", "80", "--max-conns", "8192"],
                    env=env)


def broken_server(ctx, name, how):
    """A server that fails on purpose (bench/macro/broken_server.py): the self-test of the
    failure detection (bench/macro/test_bench.py)."""
    return NsServer(name, ["python3", os.path.join(HERE, "broken_server.py"), "--docroot",
                           ctx.docroot, "--port", "80", "--fail", how])


# Every server the benchmark knows: name -> a factory taking the context (build, docroot, tmp,
# wire). A new server or protocol is one entry here (and in DEFAULT_SERVERS to run by default).
SERVERS = {
    "iotcp-offload": lambda c: LabServer("iotcp-offload", "offload", c),
    "iotcp-copy": lambda c: LabServer("iotcp-copy", "copy", c),
    "nginx-1w": lambda c: nginx_server(c, 1),
    "nginx-2w": lambda c: nginx_server(c, 2),
    "lighttpd": lighttpd_server,
    "linux-httpd": linux_httpd_server,
    # HTTPS (issue 9): the same servers with OpenSSL, TLS 1.3 TLS_AES_128_GCM_SHA256; iotcp
    # offload = file records sealed on the NIC, copy = sealed by the host
    "iotcp-offload-https": lambda c: LabServer("iotcp-offload-https", "offload", c, scheme="https"),
    "iotcp-copy-https": lambda c: LabServer("iotcp-copy-https", "copy", c, scheme="https"),
    "nginx-1w-https": lambda c: nginx_server(c, 1, tls=True),
    "nginx-2w-https": lambda c: nginx_server(c, 2, tls=True),
    "lighttpd-https": lambda c: lighttpd_server(c, tls=True),
    # broken on purpose: answers 500, serves a short body, answers late, stalls, never starts
    "broken-500": lambda c: broken_server(c, "broken-500", "500"),
    "broken-short": lambda c: broken_server(c, "broken-short", "short"),
    "broken-slow": lambda c: broken_server(c, "broken-slow", "slow"),
    "broken-stall": lambda c: broken_server(c, "broken-stall", "stall"),
    "broken-nostart": lambda c: broken_server(c, "broken-nostart", "nostart"),
}
DEFAULT_SERVERS = "iotcp-offload,iotcp-copy,nginx-1w,nginx-2w,lighttpd,linux-httpd"
# The servers the goals table compares iotcp-offload against: the best of them at each point.
IOTCP = "iotcp-offload"


class Ctx:
    def __init__(self, build, docroot, tmp, wire):
        self.build, self.docroot, self.tmp, self.wire = build, docroot, tmp, wire


# ---------------------------------------------------------------- the benchmark

def make_docroot(d, sizes):
    os.makedirs(d, exist_ok=True)
    chunk = os.urandom(1 << 20)
    for name in ["4k"] + [s for s in sizes if s != "4k"]:  # 4k.bin: the servers' start probe
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
    second): {"host": {stage: cycles}, "nic": {stage: cycles}, "hz": {side: counts/s}}."""
    state = LAB_ENV["IOTCP_LAB_STATE"]
    out = {"host": {}, "nic": {}, "hz": {}, "events": {}}
    for side, fname, prefix in (("host", "host.stats", "host_cycles_"), ("nic", "nic.stats", "cycles_")):
        try:
            with open(os.path.join(state, fname)) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == prefix + "hz":
                        out["hz"][side] = int(v)
                    elif k.startswith(prefix):
                        out[side][k[len(prefix):]] = int(v)
                    elif k in EVENTS and EVENTS[k][0] == side:
                        out["events"][k] = int(v)
        except (OSError, ValueError):
            pass
    return out


# Counts per GB that explain the host's CPU without depending on how busy the machine is:
# frames the host received (client ACKs, after the NIC's ACK coalescing), its sleeps (each one
# a wakeup), and the pure ACKs the NIC merged away (src/nic/ackcoal.h).
# {stats key: (the stats file's side, label)}; nic.stats has a host_rx_frames of its own.
EVENTS = {"host_rx_frames": ("host", "host frames in"),
          "host_idle_sleeps": ("host", "host wakeups"),
          "nic_ackc_superseded": ("nic", "ACKs merged on the NIC"),
          # HTTPS: TLS_KEY commands (a key installed on the NIC); per connection and key
          # epoch, not per response (HOST_OFF_TLS_IDLE)
          "host_tls_keys_sent": ("host", "TLS keys sent to the NIC"),
          # HTTPS: record bytes the NIC sealed a second time (AES-CTR at the record's counter):
          # retransmissions, and pieces of records whose whole was no longer cached
          "nic_tls_range_bytes": ("nic", "NIC bytes sealed again (AES-CTR)")}

# Wall time spent asleep is not CPU time: left out of the per-GB breakdown.
NOT_CPU = {"idle_sleep"}


def stage_seconds(c0, c1):
    """Seconds each stage ran between two read_cycles() snapshots, per side (sleep excluded)."""
    out = {}
    for side in ("host", "nic"):
        hz = c1["hz"].get(side) or 0
        if not hz:
            continue
        out[side] = {k: max(0, c1[side].get(k, 0) - c0[side].get(k, 0)) / hz
                     for k in c1[side] if k not in NOT_CPU}
    return out


def measure(server, size_name, conns, seconds, script, hdr_len):
    """One wrk run: its metrics and "failures" (empty when it succeeded)."""
    url = "%s/%s.bin" % (server.url, size_name)
    lab = isinstance(server, LabServer)
    pids = server.pids()
    ksoft = ksoftirqd_pids()
    h0, n0, k0, m0 = (proc_cpu(pids["host"]), proc_cpu(pids["nic"]), proc_cpu(ksoft),
                      machine_cpu())
    c0 = read_cycles() if lab else None
    w = run_wrk(server.client_ns, url, conns, seconds, script)
    h1, n1, k1, m1 = (proc_cpu(pids["host"]), proc_cpu(pids["nic"]), proc_cpu(ksoft),
                      machine_cpu())
    c1 = None
    if lab:
        time.sleep(1.1)  # the stats files are rewritten once a second
        c1 = read_cycles()
    res = {"failures": check_run(w, SIZES[size_name], conns, hdr_len)}
    s = w["wrk"] or {}
    dur = s.get("duration_us", 0) / 1e6
    body = max(0, s.get("bytes", 0) - s.get("requests", 0) * hdr_len)
    gb = body / 1e9
    hu, hs = h1["user"] - h0["user"], h1["system"] - h0["system"]
    h, n = hu + hs, (n1["user"] - n0["user"]) + (n1["system"] - n0["system"])
    busy, soft = m1["busy"] - m0["busy"], m1["softirq"] - m0["softirq"]
    ks = (k1["user"] + k1["system"]) - (k0["user"] + k0["system"])
    per = (lambda x: x / gb) if gb > 0 else (lambda x: float("nan"))
    res.update({
        "rps": s.get("requests", 0) / dur if dur else 0.0,
        "gbps": body * 8 / 1e9 / dur if dur else 0.0,
        "p50_ms": s["p50_us"] / 1000.0 if s else float("nan"),
        "p99_ms": s["p99_us"] / 1000.0 if s else float("nan"),
        "host_cpu_per_gb": per(h), "nic_cpu_per_gb": per(n) if pids["nic"] else float("nan"),
        "machine_cpu_per_gb": per(busy), "softirq_per_gb": per(soft),
        "ksoftirqd_cpu_per_gb": per(ks),
        # requests per busy core of the server (iotcp: the host): requests / its CPU-seconds
        "rps_per_host_core": s.get("requests", 0) / h if h > 0 else float("nan"),
        "requests": s.get("requests", 0), "gb": gb,
    })
    # Where the CPU goes, CPU-seconds per GB: the lab's host and NIC by their own per-stage
    # counters (stats files one second apart: the window is a little wider than the run);
    # user / kernel from /proc for the Linux servers.
    if lab and c0 and c1:
        st = stage_seconds(c0, c1)
        res["stages"] = {side: {k: per(v) for k, v in d.items()} for side, d in st.items()}
        # CPU time the stage counters do not see: going to sleep and waking up (kernel),
        # stats files. /proc's figure for the process minus the stages' sum.
        for side, total in (("host", h), ("nic", n)):
            if side in res["stages"]:
                res["stages"][side]["other"] = max(0.0, per(total) -
                                                   sum(res["stages"][side].values()))
        res["events"] = {k: per(c1["events"][k] - c0["events"].get(k, 0))
                         for k in c1["events"]}
    elif not lab:
        res["stages"] = {"host": {"user": per(hu), "kernel": per(hs)}}
    return res


def run_point(srv, size, conns, a, script):
    """A point: the preflight, then a.runs wrk runs. A row for the tables."""
    row = {"server": srv.name, "size": size, "conns": conns, "runs": [], "stages": {}}
    why, hdr = preflight(srv.client_ns, "%s/%s.bin" % (srv.url, size), SIZES[size])
    if why:
        return finish_row(row, a.runs, why)
    for _ in range(a.runs):
        row["runs"].append(measure(srv, size, conns, a.seconds, script, hdr))
    ok = [r for r in row["runs"] if not r["failures"]]
    if ok:
        row["stages"] = ok[-1].get("stages") or {}
        evs = [r["events"] for r in ok if r.get("events")]
        row["events"] = {k: statistics.median(e[k] for e in evs if k in e)
                         for k in (evs[0] if evs else {})}
    why = ["run %d: %s" % (i + 1, "; ".join(r["failures"]))
           for i, r in enumerate(row["runs"]) if r["failures"]]
    # the server still answers correctly after the load (a stall wrk cannot count shows here)
    why += [w.replace("preflight", "post-flight") for w in
            preflight(srv.client_ns, "%s/%s.bin" % (srv.url, size), SIZES[size])[0]]
    return finish_row(row, a.runs, why)


def finish_row(row, wanted, why):
    """Status and summary of a point: failed when any run (or the preflight, or the server's
    start) failed; the run count is the number of runs that succeeded."""
    ok = [r for r in row["runs"] if not r["failures"]]
    row["n"] = len(ok)
    row["wanted"] = wanted
    row["failures"] = " | ".join(why)
    row["status"] = "failed" if why or not ok else "ok"
    row["sum"] = summarize(ok)
    return row


def log_row(row):
    s = row["sum"]
    if row["status"] != "ok":
        log("%-14s %5s c=%-4d FAILED (%d of %d runs ok): %s" % (
            row["server"], row["size"], row["conns"], row["n"], row["wanted"], row["failures"]))
        return
    log("%-14s %5s c=%-4d %10.0f req/s %7.2f Gb/s  host %.3f NIC %.3f machine %.3f CPU-s/GB" % (
        row["server"], row["size"], row["conns"], s["rps"][0], s["gbps"][0],
        s["host_cpu_per_gb"][0], s["nic_cpu_per_gb"][0], s["machine_cpu_per_gb"][0]))
    for side in sorted(row["stages"]):
        log("    %s CPU-s/GB by stage: %s" % (side, " ".join(
            "%s %.3g" % (k, v) for k, v in
            sorted(row["stages"][side].items(), key=lambda kv: -kv[1]) if v > 0)))
    if row.get("events"):
        log("    per GB (median): %s" % ", ".join(
            "%s %.0f" % (EVENTS[k][1], v) for k, v in sorted(row["events"].items())))


# ---------------------------------------------------------------- perf profile (Figure 1 style)

IDLE_SYMS = ("default_idle", "arch_cpu_idle", "cpu_idle_poll", "native_safe_halt", "do_idle",
             "cpuidle_", "acpi_idle", "intel_idle", "mwait_idle", "poll_idle",
             "pv_native_safe_halt", "default_idle_call", "cpu_startup_entry")
# Kernel symbol prefixes by what the work is for (first match wins).
CATEGORIES = (
    ("copy+csum", ("copy_user", "copy_to_user", "copy_from_user", "memcpy", "memmove",
                   "__memcpy", "__memmove", "csum", "copy_page", "rep_movs", "_copy_to_iter",
                   "_copy_from_iter", "copyin", "copyout", "skb_copy", "clear_page",
                   "memset", "__memset")),
    ("file/sendfile", ("filemap_", "__filemap", "generic_file", "splice", "do_splice",
                       "iter_file_splice", "pipe_", "folio", "xas_", "page_cache", "do_sendfile",
                       "shmem_", "ext4_", "touch_atime", "file_", "vfs_", "rw_verify",
                       "generic_perform", "mark_page_accessed", "filemap")),
    ("tcp/ip/device", ("tcp_", "__tcp", "ip_", "__ip", "inet_", "__inet", "sk_", "__sk",
                       "sock_", "__sock", "skb_", "__skb", "kfree_skb", "consume_skb",
                       "dev_", "__dev", "netif_", "__netif", "napi_", "__napi", "net_", "veth_",
                       "nf_", "__nf", "br_", "tun_", "eth_", "validate_xmit", "sch_", "qdisc",
                       "release_sock", "lock_sock", "__release_sock", "raw_", "udp_", "neigh_",
                       "fib_", "process_backlog", "gro_", "dst_", "ipv4_", "ipv6_", "packet_",
                       "tpacket", "tso_", "__build_skb", "build_skb", "page_frag", "bpf_")),
    ("syscalls/epoll/sched", ("entry_", "syscall", "do_syscall", "__x64_sys", "__do_sys",
                              "ep_", "epoll", "do_epoll", "schedule", "__schedule",
                              "finish_task_switch", "try_to_wake_up", "futex", "hrtimer",
                              "ktime", "__fget", "fget", "fput", "__fput", "do_nanosleep",
                              "poll", "do_poll", "do_sys_poll", "__switch", "switch_", "psi_",
                              "update_", "dequeue_", "enqueue_", "pick_", "irq", "__irq",
                              "apic", "asm_", "timer", "exit_to_user", "syscall_exit",
                              "_raw_spin", "raw_spin", "native_", "rcu_", "__rcu", "ttwu",
                              "select_task", "resched", "wake_up", "__wake_up", "eventfd",
                              "clock_", "__x86", "read_tsc", "kvm_", "pvclock",
                              "__softirqentry", "__do_softirq", "do_softirq", "run_ksoftirqd",
                              "handle_softirqs", "sysvec", "__sysvec", "cpuacct", "account_")),
    ("memory", ("kmem_cache", "__alloc", "kfree", "__kmalloc", "kmalloc", "get_page_from",
                "free_unref", "__free_pages", "__page", "mem_cgroup", "__mod_", "alloc_pages",
                "__get_free", "free_pcp", "rmqueue", "slab", "__slab", "___slab", "kmalloc_",
                "refill_obj", "obj_cgroup", "page_counter", "drain_obj", "__put_page",
                "put_page")),
)


def classify(dso, sym):
    if "[kernel" not in dso:
        return "user"
    for cat, prefixes in CATEGORIES:
        if sym.startswith(prefixes):
            return cat
    return "kernel other"


# Process names per side ("server" includes the kernel threads that run softirq work).
SERVER_COMMS = ("nginx", "lighttpd", "iotcp-httpd", "iotcp-httpd-lin", "iotcp-nicd")
KERNEL_COMMS = ("swapper", "ksoftirqd", "kworker", "migration", "rcu_")


# In a guest, the software clock's sample lands where interrupts come back on: these frames
# stand for the work of their caller (the leaf is skipped). A sample in handle_softirqs is
# softirq work — on these paths, the network's.
IRQ_ON_SYMS = ("_raw_spin_unlock_irqrestore", "_raw_spin_unlock_irq", "_raw_spin_unlock_bh",
               "__raw_callee_save___pv_queued_spin_unlock", "__local_bh_enable_ip",
               "local_bh_enable", "__irq_exit_rcu", "irq_exit_rcu", "sysvec_", "asm_sysvec_",
               "__sysvec_", "asm_common_interrupt", "common_interrupt")


def sample_category(frames):
    """frames: [(sym, dso)] leaf first. The category of the work the sample stands for."""
    for sym, dso in frames:
        if sym.startswith("handle_softirqs") or sym.startswith("__do_softirq"):
            return "tcp/ip/device"
        if sym.startswith(IRQ_ON_SYMS):
            continue
        return classify(dso, sym)
    return classify(frames[0][1], frames[0][0]) if frames else "kernel other"


def perf_profile(server, size_name, conns, seconds, tmp, script):
    """One extra wrk run under `perf record -a -g` (software clock, 999 Hz per CPU): CPU-s
    per GB by process group and by what the work is for. None when perf does not work here."""
    if not shutil.which("perf"):
        return None
    data = os.path.join(tmp, "perf.data")
    freq = 999
    rec = subprocess.Popen(["perf", "record", "-a", "-g", "-F", str(freq), "-o", data, "--",
                            "sleep", str(seconds + 1)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    res = run_wrk(server.client_ns, "%s/%s.bin" % (server.url, size_name), conns, seconds,
                  script)
    rec.wait()
    if rec.returncode != 0 or not res["wrk"] or res["wrk"]["bytes"] <= 0:
        return None
    r = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    # bytes over the recording (what wrk read in its seconds; nothing outside them)
    gb = res["wrk"]["bytes"] / 1e9
    prof = {}

    def add(comm, frames):
        if not frames or frames[0][0].startswith(IDLE_SYMS):
            return
        if comm.startswith("iotcp-nicd"):
            group = "nic"
        elif comm.startswith(SERVER_COMMS):
            group = "server"
        elif comm.startswith(KERNEL_COMMS):
            group = "kernel threads"
        elif comm.startswith("wrk"):
            group = "client"
        else:
            group = "other"
        cat = sample_category(frames)
        d = prof.setdefault(group, {})
        d[cat] = d.get(cat, 0.0) + 1.0 / freq / gb

    comm, frames = None, []
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        if not line.startswith("\t"):  # a sample's header (comm, right-aligned); frames: tab
            add(comm or "", frames)
            comm, frames = line.strip(), []
            continue
        parts = line.strip().split(None, 1)  # address, "sym+off (dso)"
        rest = parts[1] if len(parts) > 1 else ""
        sym, _, dso = rest.rpartition(" (")
        frames.append((sym.split("+0x")[0], dso.rstrip(")")))
    add(comm or "", frames)
    return prof


def write_profiles(profiles, out):
    """perf.csv and perf.png: CPU-s per GB by process group and by what the work is for."""
    if not profiles:
        return
    with open(os.path.join(out, "perf.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns", "group", "category", "cpu_s_per_gb"])
        for (server, size, conns), prof in profiles:
            for group, d in sorted(prof.items()):
                for cat, v in sorted(d.items()):
                    w.writerow([server, size, conns, group, cat, "%.6g" % v])
    if not shutil.which("gnuplot"):
        return
    for size, conns in sorted({(k[1], k[2]) for k, _ in profiles}):
        bars = []
        for (server, sz, c), prof in profiles:
            if (sz, c) != (size, conns):
                continue
            for group in ("server", "nic", "kernel threads"):
                if group in prof:
                    label = {"server": "host" if server.startswith("iotcp-") else "server",
                             "kernel threads": "kthreads"}.get(group, group)
                    bars.append(("%s/%s" % (server, label), prof[group]))
        stacked_plot(out, "perf_%s_c%d" % (size, conns),
                     "perf: server-side CPU-s per GB by what it is for, %s files, %d conns"
                     % (size, conns), bars)


METRICS = ["rps", "gbps", "p50_ms", "p99_ms", "host_cpu_per_gb", "nic_cpu_per_gb",
           "machine_cpu_per_gb", "softirq_per_gb", "ksoftirqd_cpu_per_gb", "rps_per_host_core"]


def summarize(runs):
    """Median, min and max of each metric over the given (successful) runs."""
    out = {}
    for k in METRICS:
        vals = [r[k] for r in runs if k in r and r[k] == r[k]]  # drop NaN
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


def is_linux(server):
    """A server on the kernel's TCP stack (the baselines)."""
    return not server.startswith("iotcp-")


def write_stages(rows, out):
    """stages.csv: where the host's and the NIC's cycles went, CPU-seconds per GB (last
    successful run of each point)."""
    with open(os.path.join(out, "stages.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns", "side", "stage", "cpu_s_per_gb"])
        for r in rows:
            for side, d in sorted((r.get("stages") or {}).items()):
                for stage, v in sorted(d.items()):
                    w.writerow([r["server"], r["size"], r["conns"], side, stage, "%.6g" % v])


def write_runs(rows, out):
    """runs.csv: every run, failed ones too, with the reasons."""
    with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns", "run", "status", "failures", "requests", "gb"] +
                   METRICS)
        for r in rows:
            for i, run in enumerate(r.get("runs") or []):
                w.writerow([r["server"], r["size"], r["conns"], i + 1,
                            "failed" if run["failures"] else "ok", "; ".join(run["failures"]),
                            run.get("requests", 0), "%.6g" % run.get("gb", 0)] +
                           ["%.6g" % run.get(m, float("nan")) for m in METRICS])


def main_table(rows, irq_acct):
    soft = irq_acct is True  # softirq in no process's time: a column of its own
    head = ["server", "size", "conns", "runs ok", "req/s", "Gb/s", "p50 ms", "p99 ms",
            "process CPU-s/GB (iotcp: host)", "NIC CPU-s/GB", "machine CPU-s/GB",
            "req/s per server (host) core", "ksoftirqd CPU-s/GB"] + \
        (["softirq CPU-s/GB (machine)"] if soft else [])
    cols = ["rps", "gbps", "p50_ms", "p99_ms", "host_cpu_per_gb", "nic_cpu_per_gb",
            "machine_cpu_per_gb", "rps_per_host_core", "ksoftirqd_cpu_per_gb"] + \
        (["softirq_per_gb"] if soft else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        s = r["sum"]
        if r["status"] != "ok":
            cells = ["**FAILED**"] + ["-"] * (len(cols) - 1)
        else:
            cells = [("%s (%s–%s)" % tuple(fmt(x) for x in s[m])
                      if r["n"] > 1 and s[m][0] == s[m][0] else fmt(s[m][0])) for m in cols]
        lines.append("| %s | %s | %d | %d/%d | %s |" % (r["server"], r["size"], r["conns"], r["n"],
                                                       r["wanted"], " | ".join(cells)))
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        lines += ["", "Failed points (a point fails when any of its runs fails):", ""]
        lines += ["- %s %s × %d: %s" % (r["server"], r["size"], r["conns"], r["failures"])
                  for r in failed]
    return "\n".join(lines) + "\n"


# The goals (issue 10), on the process-CPU basis, against the best Linux server at each point.
# (metric, the direction in which "best" lies, which points the goal applies to, goal)
GOAL_CPU = 25.0       # best Linux process CPU-s/GB ÷ iotcp host CPU-s/GB, files ≥ 1 MiB, 16/64
GOAL_RPS_CORE = 2.0   # iotcp req/s per host core ÷ best Linux req/s per core, 4 KiB files


def cpu_goal_applies(size, conns):
    return SIZES[size] >= (1 << 20) and conns in (16, 64)


def rps_goal_applies(size, conns):
    return size == "4k"


def best_linux(rows, size, conns, metric, lowest):
    """(value, server) of the best successful Linux server at a point, or (nan, None)."""
    cand = [(r["sum"][metric][0], r["server"]) for r in rows
            if is_linux(r["server"]) and r["size"] == size and r["conns"] == conns
            and r["status"] == "ok" and r["sum"][metric][0] == r["sum"][metric][0]]
    if not cand:
        return float("nan"), None
    return (min if lowest else max)(cand)


def goals_table(rows):
    """iotcp-offload against the best Linux server at each point (lighttpd included)."""
    def ratio(a, b):
        return a / b if a == a and b == b and b > 0 else float("nan")

    def mark(v, goal, applies):
        if not applies:
            return fmt(v)
        if v != v:
            return "%s (goal ≥ %g: not met)" % (fmt(v), goal)
        return "**%s** (goal ≥ %g: %s)" % (fmt(v), goal, "met" if v >= goal else "not met")

    lines = ["| size | conns | best Linux process CPU-s/GB (server) | iotcp host CPU-s/GB | "
             "best Linux ÷ iotcp host (goal ≥ %g: ≥ 1 MiB × 16, 64) | iotcp NIC CPU-s/GB | "
             "Gb/s iotcp ÷ best Linux (server) | req/s per core iotcp host ÷ best Linux "
             "(server) (goal ≥ %g: 4 KiB) | machine CPU-s/GB best Linux ÷ iotcp | "
             "best Linux process + ksoftirqd CPU-s/GB ÷ iotcp host (upper bound) |"
             % (GOAL_CPU, GOAL_RPS_CORE), "|---|---|---|---|---|---|---|---|---|---|"]
    tally = {"cpu": [0, 0], "rps": [0, 0]}
    for r in rows:
        if r["server"] != IOTCP:
            continue
        size, conns = r["size"], r["conns"]
        cpu, cpu_srv = best_linux(rows, size, conns, "host_cpu_per_gb", True)
        gbps, gbps_srv = best_linux(rows, size, conns, "gbps", False)
        rpc, rpc_srv = best_linux(rows, size, conns, "rps_per_host_core", False)
        mach, _ = best_linux(rows, size, conns, "machine_cpu_per_gb", True)
        with_ks = [r2 for r2 in rows if is_linux(r2["server"]) and r2["size"] == size
                   and r2["conns"] == conns and r2["status"] == "ok"]
        upper = min((r2["sum"]["host_cpu_per_gb"][0] + r2["sum"]["ksoftirqd_cpu_per_gb"][0]
                     for r2 in with_ks), default=float("nan"))
        if cpu_srv is None:
            continue
        cpu_goal, rps_goal = cpu_goal_applies(size, conns), rps_goal_applies(size, conns)
        if r["status"] != "ok":
            lines.append("| %s | %d | %s (%s) | **FAILED** | - | - | - | - | - | - |" % (
                size, conns, fmt(cpu), cpu_srv))
            tally["cpu"][1] += cpu_goal
            tally["rps"][1] += rps_goal
            continue
        io = r["sum"]
        c = ratio(cpu, io["host_cpu_per_gb"][0])
        q = ratio(io["rps_per_host_core"][0], rpc)
        for key, applies, v, goal in (("cpu", cpu_goal, c, GOAL_CPU),
                                      ("rps", rps_goal, q, GOAL_RPS_CORE)):
            if applies:
                tally[key][1] += 1
                tally[key][0] += v == v and v >= goal
        lines.append("| %s | %d | %s (%s) | %s | %s | %s | %s (%s) | %s (%s) | %s | %s |" % (
            size, conns, fmt(cpu), cpu_srv, fmt(io["host_cpu_per_gb"][0]),
            mark(c, GOAL_CPU, cpu_goal), fmt(io["nic_cpu_per_gb"][0]),
            fmt(ratio(io["gbps"][0], gbps)), gbps_srv, mark(q, GOAL_RPS_CORE, rps_goal), rpc_srv,
            fmt(ratio(mach, io["machine_cpu_per_gb"][0])),
            fmt(ratio(upper, io["host_cpu_per_gb"][0]))))
    if len(lines) == 2:
        return ""
    lines.append("")
    lines.append("Host CPU goal met at %d of %d points (files ≥ 1 MiB, 16 and 64 connections); "
                 "req/s per core goal met at %d of %d points (4 KiB)."
                 % (tally["cpu"][0], tally["cpu"][1], tally["rps"][0], tally["rps"][1]))
    return "\n".join(lines) + "\n"


def git_commit():
    """The commit measured (with -dirty when the tree has changes). Without a git binary (a
    minimal root that got the tree some other way) it is read from .git itself."""
    try:
        r = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty", "--abbrev=12"],
                           capture_output=True, text=True)
        return r.stdout.strip() or "unknown"
    except OSError:
        pass
    try:
        gitdir = os.path.join(ROOT, ".git")
        if os.path.isfile(gitdir):  # a worktree: "gitdir: PATH"
            gitdir = open(gitdir).read().split(":", 1)[1].strip()
        head = open(os.path.join(gitdir, "HEAD")).read().strip()
        if not head.startswith("ref: "):
            return head[:12] + " (git not installed: dirty state unknown)"
        ref = head[5:]
        common = gitdir
        if os.path.isfile(os.path.join(gitdir, "commondir")):
            common = os.path.join(gitdir, open(os.path.join(gitdir, "commondir")).read().strip())
        for d in (gitdir, common):
            if os.path.isfile(os.path.join(d, ref)):
                return open(os.path.join(d, ref)).read().strip()[:12] + \
                    " (git not installed: dirty state unknown)"
        for line in open(os.path.join(common, "packed-refs")):
            if line.rstrip().endswith(" " + ref):
                return line.split()[0][:12] + " (git not installed: dirty state unknown)"
    except (OSError, IndexError):
        pass
    return "unknown"


def basis_text(irq):
    on, how = irq
    if on is True:
        soft = ("IRQ time accounting is on (%s): softirq time is in no process's time; the "
                "softirq column is the machine's, shown apart and never added to a server." % how)
    elif on is False:
        soft = ("IRQ time accounting is off (%s): softirq work is charged by ticks to the "
                "process it interrupts, so a server's time already holds the network work it "
                "triggers; no softirq figure is added to any server." % how)
    else:
        soft = "IRQ time accounting: unknown (%s); no softirq figure is added to any server." % how
    return ("CPU basis: utime+stime of every process of a server (all threads, reaped children "
            "included; iotcp: host = iotcp-httpd, NIC = iotcp-nicd) and the machine's busy time "
            "(/proc/stat, client included), per GB of response body. " + soft)


def write_outputs(rows, out, meta):
    """results.csv, runs.csv, stages.csv, results.md, meta.txt and the plots."""
    os.makedirs(out, exist_ok=True)
    write_stages(rows, out)
    write_runs(rows, out)
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns", "status", "runs", "runs_wanted", "failures"] +
                   ["%s_%s" % (m, s) for m in METRICS for s in ("median", "min", "max")])
        for r in rows:
            w.writerow([r["server"], r["size"], r["conns"], r["status"], r["n"], r["wanted"],
                        r["failures"]] + ["%.6g" % x for m in METRICS for x in r["sum"][m]])
    with open(os.path.join(out, "meta.txt"), "w") as f:
        for k, v in meta.items():
            f.write("%s: %s\n" % (k, v))
    table = main_table(rows, meta.get("irq_on"))
    goals = goals_table(rows)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("# iotcp macro benchmark\n\n")
        f.write("Commit %s, %s; `%s`.\n\n" % (meta.get("commit"), meta.get("date"),
                                              meta.get("command")))
        f.write("%s, median (min–max) of the runs that succeeded; a point with any failed run "
                "shows as FAILED.\n\n" % ("%s s per run" % meta["seconds"] if meta.get("seconds")
                                            else "Runs as recorded"))
        f.write(meta.get("basis", "") + "\n\n")
        f.write(table)
        if goals:
            f.write("\n## Goals: iotcp-offload against the best Linux server at each point\n\n")
            f.write(goals)
    print(table)
    if goals:
        print(goals)
    plot(rows, out)


def gnuplot(script, what):
    r = subprocess.run(["gnuplot"], input="\n".join(script), text=True, capture_output=True)
    if r.returncode:
        log("gnuplot failed (%s): %s" % (what, r.stderr))


def plot(rows, out):
    if not shutil.which("gnuplot"):
        log("gnuplot not found: no plots")
        return
    servers = sorted({r["server"] for r in rows})
    sizes = [s for s in SIZES if any(r["size"] == s for r in rows)]
    for conns in sorted({r["conns"] for r in rows}):
        for metric, title, ylabel, logscale in (
                ("gbps", "Throughput vs file size", "Gb/s of body", False),
                ("host_cpu_per_gb", "Process CPU per GB (iotcp: host; Linux: all the "
                 "processes of the server)", "CPU-s per GB", True),
                ("nic_cpu_per_gb", "NIC daemon CPU per GB (iotcp)", "CPU-s per GB", True),
                ("machine_cpu_per_gb", "Whole-machine CPU per GB", "CPU-s per GB", True)):
            name = "%s_c%d" % (metric, conns)
            vals = {}
            for sv in servers:
                for sz in sizes:
                    m = [r for r in rows if r["server"] == sv and r["size"] == sz
                         and r["conns"] == conns and r["status"] == "ok"]
                    v = m[0]["sum"][metric][0] if m else float("nan")
                    if v == v and not (logscale and v <= 0):
                        vals[sv, sz] = v
            shown = [sv for sv in servers if any((sv, sz) in vals for sz in sizes)]
            if not shown:
                continue  # nothing measured (or every point failed): no plot
            dat = os.path.join(out, name + ".dat")
            with open(dat, "w") as f:
                f.write("size " + " ".join(shown) + "\n")
                for sz in sizes:
                    f.write(sz + " " + " ".join("%g" % vals[sv, sz] if (sv, sz) in vals else "NaN"
                                                for sv in shown) + "\n")
            script = ["set terminal png size 1000,560", "set output '%s'" % os.path.join(out, name + ".png"),
                      "set title '%s, %d connections'" % (title, conns), "set ylabel '%s'" % ylabel,
                      "set xlabel 'file size'", "set style data histogram",
                      "set style histogram cluster gap 1", "set style fill solid 0.8 border -1",
                      "set key outside right", "set grid ytics"]
            if logscale:
                script.append("set logscale y")
            script.append("plot " + ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, i + 2, sv)
                                              for i, sv in enumerate(shown)))
            gnuplot(script, name)
    plot_stages(rows, out)


# Distinct colours for stacked stages (gnuplot's default cycle repeats after 8).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#e7ba52",
           "#843c39", "#7b4173", "#3182bd", "#31a354", "#756bb1", "#636363"]


def stacked_plot(out, name, title, bars, xlabel="", percent=False):
    """A stacked histogram: bars = [(label, {stage: value})]; percent: each bar as shares."""
    if percent:
        bars = [(label, {k: 100 * v / (sum(d.values()) or 1) for k, v in d.items()})
                for label, d in bars]
    stages = []
    for _, d in bars:
        for k in d:
            if k not in stages:
                stages.append(k)
    if not bars or not stages:
        return
    dat = os.path.join(out, name + ".dat")
    with open(dat, "w") as f:
        f.write("# bar " + " ".join(stages) + "\n")
        for label, d in bars:
            f.write(label.replace(" ", "_") + " " +
                    " ".join("%g" % d.get(k, 0) for k in stages) + "\n")
    script = ["set terminal png size 1100,600 noenhanced",
              "set output '%s'" % os.path.join(out, name + ".png"),
              "set title '%s'" % title, "set xlabel '%s'" % xlabel,
              "set ylabel '%s'" % ("% of the CPU time" if percent else "CPU-s per GB"),
              "set style data histogram", "set style histogram rowstacked",
              "set style fill solid 0.85 border -1", "set boxwidth 0.7", "set key outside right",
              "set grid ytics", "set xtics rotate by -30", "set yrange [0:*]"]
    script.append("plot " + ", ".join("'%s' using %d%s title '%s' lc rgb '%s'" % (
        dat, i + 2, ":xtic(1)" if i == 0 else "", k, PALETTE[i % len(PALETTE)])
        for i, k in enumerate(stages)))
    gnuplot(script, name)


def plot_stages(rows, out):
    """Where the CPU goes per GB, like the paper's Figures 1-3: the iotcp host and NIC by their
    own per-stage cycle counters, the Linux servers by user / kernel / softirq from /proc.
    cycles.png compares every server at one point (1 MiB files, or the largest measured, at the
    most connections); host_cycles.png and nic_cycles.png follow iotcp-offload across sizes."""
    with_st = [r for r in rows if r.get("stages")]
    if not with_st:
        return
    sizes = [s for s in SIZES if any(r["size"] == s for r in with_st)]
    size = "1m" if "1m" in sizes else sizes[-1]
    conns = max(r["conns"] for r in with_st if r["size"] == size)
    bars = []
    for r in with_st:
        if r["size"] == size and r["conns"] == conns:
            for side in sorted(r["stages"]):
                bars.append(("%s/%s" % (r["server"], side),
                             {"%s:%s" % (side, k): v for k, v in r["stages"][side].items()}))
    stacked_plot(out, "cycles", "Where the CPU goes: CPU-s per GB, %s files, %d connections"
                 % (size, conns), bars)
    for side in ("host", "nic"):
        for server in ("iotcp-offload", "iotcp-copy"):
            mine = [r for r in with_st if r["server"] == server and side in r["stages"]]
            if not mine:
                continue
            c = max(r["conns"] for r in mine)
            bars = [(r["size"], r["stages"][side]) for sz in SIZES for r in mine
                    if r["size"] == sz and r["conns"] == c]
            stacked_plot(out, "%s_cycles_%s" % (side, server.split("-")[1]),
                         "%s %s: where its CPU time goes, %d connections" % (server, side, c),
                         bars, "file size", percent=True)


def load_rows(d):
    """The rows of an earlier run, from its results.csv and stages.csv. Runs written before
    the status column: a point with no completed request or a counted error is failed, and the
    process CPU column is read on the same basis (process utime+stime; their softirq-added
    columns are ignored)."""
    rows = []
    with open(os.path.join(d, "results.csv")) as f:
        for rec in csv.DictReader(f):
            summ = {}
            for m in METRICS:
                summ[m] = tuple(float(rec.get("%s_%s" % (m, k)) or "nan")
                                for k in ("median", "min", "max"))
            n = int(rec.get("runs") or 3)  # the first reference run (2026-11-26) had 3
            wanted = int(rec.get("runs_wanted") or n)
            status, failures = rec.get("status"), rec.get("failures") or ""
            if status is None:
                why = []
                if float(rec.get("rps_median") or 0) == 0:
                    why.append("no request completed (median)")
                if float(rec.get("errors_max") or 0) > 0:
                    why.append("wrk counted errors")
                status, failures = ("failed" if why else "ok"), "; ".join(why)
            rows.append({"server": rec["server"], "size": rec["size"], "conns": int(rec["conns"]),
                         "n": n, "wanted": wanted, "status": status, "failures": failures,
                         "sum": summ, "stages": {}, "runs": []})
    try:
        with open(os.path.join(d, "stages.csv")) as f:
            for rec in csv.DictReader(f):
                for r in rows:
                    if (r["server"], r["size"], r["conns"]) == (rec["server"], rec["size"],
                                                                int(rec["conns"])):
                        if rec["side"] == "host" and rec["stage"] == "softirq":
                            continue  # the old basis's machine softirq: not the server's
                        r["stages"].setdefault(rec["side"], {})[rec["stage"]] = \
                            float(rec["cpu_s_per_gb"])
    except OSError:
        pass
    return rows


def parse_points(spec):
    """'SIZE:CONNS,...' -> [(size, conns)]; raises ValueError."""
    points = []
    for p in filter(None, spec.split(",")):
        sz, _, c = p.partition(":")
        if sz not in SIZES or not c.isdigit():
            raise ValueError("bad point %r (want SIZE:CONNS, SIZE one of %s)" % (p, ",".join(SIZES)))
        points.append((sz, int(c)))
    return points


def rerender(a, irq):
    rows = []
    for d in a.from_dir.split(","):
        new = load_rows(d)
        keys = {(r["server"], r["size"], r["conns"]) for r in new}
        rows = [r for r in rows if (r["server"], r["size"], r["conns"]) not in keys] + new
    order = []
    for r in rows:
        if r["server"] not in order:
            order.append(r["server"])
    rows.sort(key=lambda r: (order.index(r["server"]), list(SIZES).index(r["size"]), r["conns"]))
    if not rows:
        log("no results in " + a.from_dir)
        return 1
    meta = {"commit": "of the runs in " + a.from_dir, "date": time.strftime("%Y-%m-%d"),
            "command": " ".join(["bench.py"] + sys.argv[1:]), "seconds": None,
            "basis": basis_text(irq), "irq_on": irq[0]}
    write_outputs(rows, a.out, meta)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--quick", action="store_true", help="CI mode: tiny matrix, 1 run, 3 s")
    ap.add_argument("--servers", default=DEFAULT_SERVERS,
                    help="comma-separated, from: " + ",".join(SERVERS))
    ap.add_argument("--sizes", help="default 4k,64k,1m,16m,256m (--quick: 4k,1m)")
    ap.add_argument("--conns", help="default 1,16,64,256 (--quick: 8)")
    ap.add_argument("--max-inflight", type=int, default=MAX_INFLIGHT, metavar="BYTES",
                    help="leave out points whose connections x file size exceed BYTES "
                         "(default 8 GiB; 0: keep every point)")
    ap.add_argument("--runs", type=int, help="runs per point (default 3; --quick: 1)")
    ap.add_argument("--seconds", type=int, help="seconds per run (default 10; --quick: 3)")
    ap.add_argument("--wire", default="vtap", choices=["vtap", "tap", "afpacket"],
                    help="the lab's wire port (vtap: the NIC hands 64 KiB TSO frames to the kernel)")
    ap.add_argument("--profile", metavar="SIZE:CONNS,...",
                    help="after the measured runs, one more run per point under perf record -a "
                         "(not counted in the table): perf.csv, perf_*.png; '' = none; default "
                         "1m:16,4k:64 (--quick: none)")
    ap.add_argument("--from", dest="from_dir", metavar="DIR",
                    help="no measurement: rebuild the tables and plots from DIR/results.csv "
                         "and DIR/stages.csv of earlier runs (DIR,DIR,...: a later one's "
                         "points replace an earlier one's) into --out")
    a = ap.parse_args()
    # SIGTERM, and SIGINT even when started in the background (where the shell ignores it),
    # unwind through the finally blocks: servers stopped, namespaces removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    irq = irq_time_accounting()
    if a.from_dir:
        return rerender(a, irq)
    if os.geteuid() != 0:
        log("bench: needs root (network namespaces)")
        return 77
    # --quick: a tiny matrix; options given explicitly still win
    for k, full, quick in (("sizes", "4k,64k,1m,16m,256m", "4k,1m"), ("conns", "1,16,64,256", "8"),
                           ("runs", 3, 1), ("seconds", 10, 3), ("profile", "1m:16,4k:64", "")):
        if getattr(a, k) is None:
            setattr(a, k, quick if a.quick else full)
    if a.seconds < MIN_SECONDS:
        log("bench: --seconds must be at least %d (wrk's timeout is half the run)" % MIN_SECONDS)
        return 2
    try:
        profile_points = parse_points(a.profile)
        sizes = a.sizes.split(",")
        conns = [int(c) for c in a.conns.split(",")]
        bad = [s for s in sizes if s not in SIZES] + [s for s in a.servers.split(",")
                                                      if s not in SERVERS]
        if bad:
            raise ValueError("unknown size or server: " + ", ".join(bad))
    except ValueError as e:
        log("bench: %s" % e)
        return 2
    points = [(sz, c) for sz in sizes for c in conns
              if not a.max_inflight or SIZES[sz] * c <= a.max_inflight]
    left_out = [(sz, c) for sz in sizes for c in conns if (sz, c) not in points]
    if left_out:
        log("left out (connections x size > %d bytes): %s" % (a.max_inflight, " ".join(
            "%s×%d" % p for p in left_out)))
    log(basis_text(irq))
    script_dir = tempfile.mkdtemp(prefix="iotcp-bench-")
    os.chmod(script_dir, 0o755)
    script = os.path.join(script_dir, "summary.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    docroot = os.path.join(script_dir, "docroot")
    make_docroot(docroot, sizes)
    ctx = Ctx(a.build, docroot, script_dir, a.wire)
    meta = {"commit": git_commit(), "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "kernel": platform.release(), "command": " ".join(["bench.py"] + sys.argv[1:]),
            "seconds": a.seconds, "runs": a.runs, "wrk_timeout_s": wrk_timeout(a.seconds),
            "wire": a.wire, "basis": basis_text(irq), "irq_on": irq[0],
            "left_out": " ".join("%s×%d" % p for p in left_out) or "none"}
    net = LinuxNet()
    rows, profiles = [], []
    try:
        net.up()
        for name in a.servers.split(","):
            srv = SERVERS[name](ctx)
            log("== %s" % name)
            try:
                if not srv.start(script_dir):
                    log("%s did not start: its points fail" % name)
                    for sz, c in points:
                        rows.append(finish_row({"server": name, "size": sz, "conns": c,
                                                "runs": [], "stages": {}}, a.runs,
                                               ["the server did not start"]))
                    continue
                for sz, c in points:
                    rows.append(run_point(srv, sz, c, a, script))
                    log_row(rows[-1])
                for sz, c in profile_points:
                    make_docroot(docroot, [sz])
                    prof = perf_profile(srv, sz, c, a.seconds, script_dir, script)
                    if prof is None:
                        log("perf profile of %s %s c=%d: perf did not work, skipped" % (name, sz, c))
                        continue
                    profiles.append(((name, sz, c), prof))
                    log("    perf %s c=%d: %s" % (sz, c, " ".join(
                        "%s %.3g" % (g, sum(d.values())) for g, d in sorted(prof.items()))))
            finally:
                srv.stop()
        if rows:
            write_outputs(rows, a.out, meta)
            write_profiles(profiles, a.out)
    finally:
        net.down()
        shutil.rmtree(script_dir, ignore_errors=True)
    failed = [r for r in rows if r["status"] != "ok"]
    if failed or not rows:
        log("bench: %d of %d points FAILED (see %s/results.md)" % (len(failed), len(rows), a.out))
        return 1
    log("bench: %d points, all succeeded; results in %s (commit %s)" % (len(rows), a.out,
                                                                        meta["commit"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
