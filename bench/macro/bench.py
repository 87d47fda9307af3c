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
    """(user, system) seconds of the given processes and their threads."""
    user = system = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            user += int(fields[11])
            system += int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return user / CLK_TCK, system / CLK_TCK


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
    out = {"host": {}, "nic": {}, "hz": {}}
    for side, fname, prefix in (("host", "host.stats", "host_cycles_"), ("nic", "nic.stats", "cycles_")):
        try:
            with open(os.path.join(state, fname)) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == prefix + "hz":
                        out["hz"][side] = int(v)
                    elif k.startswith(prefix):
                        out[side][k[len(prefix):]] = int(v)
        except (OSError, ValueError):
            pass
    return out


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


def measure(server, size_name, conns, seconds):
    url = "%s/%s.bin" % (server.url, size_name)
    if isinstance(server, LabServer):
        pidmap = server.pids()
        host_pids, nic_pids = [pidmap.get("httpd", 0)], [pidmap.get("nicd", 0)]
    else:
        host_pids, nic_pids = server.pids(), []
    lab = isinstance(server, LabServer)
    (hu0, hs0), (nu0, ns0) = proc_cpu(host_pids), proc_cpu(nic_pids)
    b0, s0 = machine_cpu()
    c0 = read_cycles() if lab else None
    t0 = time.time()
    res = run_wrk(server.client_ns, url, conns, seconds)
    (hu1, hs1), (nu1, ns1) = proc_cpu(host_pids), proc_cpu(nic_pids)
    b1, s1 = machine_cpu()
    t1 = time.time()
    c1 = None
    if lab:
        time.sleep(1.1)  # the stats files are rewritten once a second
        c1 = read_cycles()
    h, n = (hu1 - hu0) + (hs1 - hs0), (nu1 - nu0) + (ns1 - ns0)
    gb = res["bytes_per_s"] * seconds / 1e9
    res.update({
        "gbps": res["bytes_per_s"] * 8 / 1e9,
        "host_cpu_s": h, "nic_cpu_s": n,
        "softirq_s": s1 - s0, "machine_cpu_s": b1 - b0, "gb": gb,
    })
    per = (lambda x: x / gb) if gb > 0 else (lambda x: float("nan"))
    res["host_cpu_per_gb"] = per(h)
    res["nic_cpu_per_gb"] = per(n)
    res["softirq_per_gb"] = per(s1 - s0)
    # For kernel-stack servers the network processing runs as softirq, attributed to no process
    # (and it includes the client's receive processing: an upper bound of the server's share).
    res["server_cpu_per_gb"] = per(h + (s1 - s0 if server.kernel_stack else 0))
    res["machine_cpu_per_gb"] = per(b1 - b0)
    # Requests per second per busy host core: requests / host CPU-seconds.
    res["rps_per_host_core"] = res["rps"] * (t1 - t0) / h if h > 0 else float("nan")
    # Where the cycles go, CPU-seconds per GB: the stacks' own per-stage counters for the
    # lab's host and NIC (stats files, one second apart: the window is a little wider than
    # the run); user / kernel / softirq from /proc for the Linux servers.
    if lab and c0 and c1:
        st = stage_seconds(c0, c1)
        res["stages"] = {side: {k: per(v) for k, v in d.items()} for side, d in st.items()}
        # CPU time the stage counters do not see: going to sleep and waking up (kernel),
        # stats files. /proc's figure for the process minus the stages' sum.
        for side, total in (("host", h), ("nic", n)):
            if side in res["stages"]:
                res["stages"][side]["other"] = max(0.0, per(total) -
                                                   sum(res["stages"][side].values()))
    elif not lab:
        res["stages"] = {"host": {"user": per(hu1 - hu0), "kernel": per(hs1 - hs0),
                                  "softirq": per(s1 - s0)}}
    return res


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


def perf_profile(server, size_name, conns, seconds, tmp):
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
    res = run_wrk(server.client_ns, "%s/%s.bin" % (server.url, size_name), conns, seconds)
    rec.wait()
    if rec.returncode != 0 or res["bytes_per_s"] <= 0:
        return None
    r = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    # bytes over the recording (wrk's rate for its seconds; nothing outside them)
    gb = res["bytes_per_s"] * seconds / 1e9
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
           "softirq_per_gb", "server_cpu_per_gb", "machine_cpu_per_gb", "rps_per_host_core",
           "errors"]


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
    """stages.csv: where the host's and the NIC's cycles went, CPU-seconds per GB (last run of
    each point)."""
    with open(os.path.join(out, "stages.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns", "side", "stage", "cpu_s_per_gb"])
        for r in rows:
            for side, d in sorted((r.get("stages") or {}).items()):
                for stage, v in sorted(d.items()):
                    w.writerow([r["server"], r["size"], r["conns"], side, stage, "%.6g" % v])


def write_outputs(rows, out, seconds):
    os.makedirs(out, exist_ok=True)
    write_stages(rows, out)
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["server", "size", "conns", "runs"] + ["%s_%s" % (m, s) for m in METRICS
                                                           for s in ("median", "min", "max")])
        for r in rows:
            w.writerow([r["server"], r["size"], r["conns"], r["n"]] +
                       [x for m in METRICS for x in r["sum"][m]])
    lines = ["| server | size | conns | req/s | Gb/s | p50 ms | p99 ms | host CPU-s/GB | "
             "NIC CPU-s/GB | softirq CPU-s/GB | server CPU-s/GB (+softirq) | machine CPU-s/GB | "
             "req/s per host core | errors |",
             "|" + "---|" * 14]
    for r in rows:
        s = r["sum"]
        cell = lambda m: "%s (%s–%s)" % tuple(fmt(x) for x in s[m]) if r["n"] > 1 else fmt(s[m][0])
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["server"], r["size"], r["conns"], cell("rps"), cell("gbps"), cell("p50_ms"),
            cell("p99_ms"), cell("host_cpu_per_gb"), cell("nic_cpu_per_gb"),
            cell("softirq_per_gb"), cell("server_cpu_per_gb"), cell("machine_cpu_per_gb"),
            cell("rps_per_host_core"), fmt(s["errors"][0])))
    table = "\n".join(lines) + "\n"
    goals = goals_table(rows)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("# iotcp macro benchmark\n\n%d s per run, median (min–max) of %d run(s); "
                "generated by bench/macro/bench.py.\n\n" % (seconds, max(r["n"] for r in rows)))
        f.write(table)
        if goals:
            f.write("\n## Goals: iotcp-offload against nginx\n\n" + goals)
    print(table)
    if goals:
        print(goals)
    plot(rows, out)


def goals_table(rows):
    """iotcp-offload against nginx-1w (and the better nginx for throughput), point by point."""
    def get(server, size, conns):
        m = [r for r in rows if r["server"] == server and r["size"] == size and r["conns"] == conns]
        return m[0]["sum"] if m else None
    # nginx's server CPU is its processes plus the kernel's softirq work for its connections;
    # /proc/stat's softirq also holds the client's receive processing, which the iotcp run
    # has too: "estimate" subtracts the iotcp run's softirq from nginx's.
    lines = ["| size | conns | nginx-1w server CPU/GB ÷ iotcp host CPU/GB (goal ≥ 25): process "
             "only · estimate · process+all softirq | Gb/s iotcp ÷ best nginx (goal ≥ 1) | NIC "
             "CPU/GB ≤ nginx-1w server estimate | req/s per host core iotcp ÷ nginx-1w (goal ≥ 1) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        if r["server"] != "iotcp-offload":
            continue
        io = r["sum"]
        ng = get("nginx-1w", r["size"], r["conns"])
        if not ng:
            continue
        ng2 = get("nginx-2w", r["size"], r["conns"])
        best = max(ng["gbps"][0], ng2["gbps"][0] if ng2 else 0)
        h = io["host_cpu_per_gb"][0]
        ratio = lambda a, b: fmt(a / b) if b and b == b and a == a else "-"
        proc = ng["host_cpu_per_gb"][0]
        est = proc + max(0.0, ng["softirq_per_gb"][0] - io["softirq_per_gb"][0])
        lines.append("| %s | %d | %s · %s · %s | %s | %s (%s vs %s) | %s |" % (
            r["size"], r["conns"], ratio(proc, h), ratio(est, h),
            ratio(ng["server_cpu_per_gb"][0], h), ratio(io["gbps"][0], best),
            "yes" if io["nic_cpu_per_gb"][0] <= est else "no",
            fmt(io["nic_cpu_per_gb"][0]), fmt(est),
            ratio(io["rps_per_host_core"][0], ng["rps_per_host_core"][0])))
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


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
                ("server_cpu_per_gb", "Server CPU per GB (iotcp: host only; Linux: "
                 "process + softirq)", "CPU-s per GB", True),
                ("host_cpu_per_gb", "Host CPU per GB (Linux servers: process only)",
                 "CPU-s per GB", True),
                ("machine_cpu_per_gb", "Whole-machine CPU per GB", "CPU-s per GB", True)):
            name = "%s_c%d" % (metric, conns)
            dat = os.path.join(out, name + ".dat")
            with open(dat, "w") as f:
                f.write("size " + " ".join(servers) + "\n")
                for sz in sizes:
                    vals = []
                    for sv in servers:
                        m = [r for r in rows if r["server"] == sv and r["size"] == sz and r["conns"] == conns]
                        v = m[0]["sum"][metric][0] if m else float("nan")
                        vals.append("NaN" if v != v or (logscale and v <= 0) else "%g" % v)
                    f.write(sz + " " + " ".join(vals) + "\n")
            script = ["set terminal png size 1000,560", "set output '%s'" % os.path.join(out, name + ".png"),
                      "set title '%s, %d connections'" % (title, conns), "set ylabel '%s'" % ylabel,
                      "set xlabel 'file size'", "set style data histogram",
                      "set style histogram cluster gap 1", "set style fill solid 0.8 border -1",
                      "set key outside right", "set grid ytics"]
            if logscale:
                script.append("set logscale y")
            script.append("plot " + ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, i + 2, sv)
                                              for i, sv in enumerate(servers)))
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
    """The rows of an earlier run, from its results.csv and stages.csv."""
    rows = []
    with open(os.path.join(d, "results.csv")) as f:
        for rec in csv.DictReader(f):
            summ = {}
            for m in METRICS:
                summ[m] = tuple(float(rec.get("%s_%s" % (m, k)) or "nan")
                                for k in ("median", "min", "max"))
            # runs: written since 2026-11-26; the reference run before it had 3
            n = int(rec.get("runs") or 3)
            rows.append({"server": rec["server"], "size": rec["size"], "conns": int(rec["conns"]),
                         "n": n, "sum": summ, "stages": {}})
    try:
        with open(os.path.join(d, "stages.csv")) as f:
            for rec in csv.DictReader(f):
                for r in rows:
                    if (r["server"], r["size"], r["conns"]) == (rec["server"], rec["size"],
                                                                int(rec["conns"])):
                        r["stages"].setdefault(rec["side"], {})[rec["stage"]] = \
                            float(rec["cpu_s_per_gb"])
    except OSError:
        pass
    return rows


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
    ap.add_argument("--profile", default="1m:16,4k:64", metavar="SIZE:CONNS,...",
                    help="after the measured runs, one more run per point under perf record -a "
                         "(not counted in the table): perf.csv, perf_*.png; '' = none")
    ap.add_argument("--from", dest="from_dir", metavar="DIR",
                    help="no measurement: rebuild the table and plots from DIR/results.csv "
                         "and DIR/stages.csv of earlier runs (DIR,DIR,...: a later one's "
                         "points replace an earlier one's) into --out")
    a = ap.parse_args()
    # SIGTERM, and SIGINT even when started in the background (where the shell ignores it),
    # unwind through the finally blocks: servers stopped, namespaces removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if a.from_dir:
        rows = []
        for d in a.from_dir.split(","):
            new = load_rows(d)
            keys = {(r["server"], r["size"], r["conns"]) for r in new}
            rows = [r for r in rows if (r["server"], r["size"], r["conns"]) not in keys] + new
        order = []
        for r in rows:
            if r["server"] not in order:
                order.append(r["server"])
        rows.sort(key=lambda r: (order.index(r["server"]), list(SIZES).index(r["size"]),
                                 r["conns"]))
        if not rows:
            log("no results in " + a.from_dir)
            return 1
        write_outputs(rows, a.out, a.seconds)
        return 0
    if os.geteuid() != 0:
        log("bench: needs root (network namespaces)")
        return 77
    if a.quick:
        a.sizes, a.conns, a.runs, a.seconds, a.profile = "4k,1m", "8", 1, 2, ""
    points = []
    for p in filter(None, a.profile.split(",")):
        sz, _, c = p.partition(":")
        if sz not in SIZES or not c.isdigit():
            log("bad --profile point " + p)
            return 2
        points.append((sz, int(c)))
    profiles = []
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
                        st = rows[-1]["stages"] or {}
                        for side in sorted(st):
                            log("    %s CPU-s/GB by stage: %s" % (side, " ".join(
                                "%s %.3g" % (k, v) for k, v in
                                sorted(st[side].items(), key=lambda kv: -kv[1]) if v > 0)))
                for sz, c in points:
                    make_docroot(docroot, [sz])
                    prof = perf_profile(srv, sz, c, a.seconds, tmp)
                    if prof is None:
                        log("perf profile of %s %s c=%d: perf did not work, skipped" % (name, sz, c))
                        continue
                    profiles.append(((name, sz, c), prof))
                    log("    perf %s c=%d: %s" % (sz, c, " ".join(
                        "%s %.3g" % (g, sum(d.values())) for g, d in sorted(prof.items()))))
            finally:
                srv.stop()
        if rows:
            write_outputs(rows, a.out, a.seconds)
            write_profiles(profiles, a.out)
    finally:
        net.down()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
