# SPDX-License-Identifier: BSD-2-Clause
"""Shared harness of the attack tests (tests/interop/attack/): a private testbed, attacks from the
client namespace, and the figures every attack reports.

An attack test is a script that ends with

    if __name__ == "__main__":
        sys.exit(attacklib.main(attack, "what it shows", files={...}, httpd_args=[...]))

where attack(lab, args) runs in the root namespace with the lab up (files generated into a fresh
docroot) and uses lab.ns_call(fn, ...) to run a function of the same script inside the client
namespace (198.18.0.2), where it may open raw sockets (scapy, AF_PACKET). main() parses
--build, --mode (offload|copy) and the test's own options, needs root (else exit 77 with the
reason), always takes the lab down (also on SIGTERM from meson's timeout), and prints
PASS/FAIL/SKIP lines and the figures table:

    phase | host conns | host orphans | host RSS | NIC RSS | transfers | note

Host and NIC memory is VmRSS from /proc/PID/status of the lab's iotcp-httpd and iotcp-nicd;
connections are the host stack's counters (tcp_conns: every state, embryonic and orphans
included). Names are private (namespace iotcp-ak<pid>, interfaces ak<pid>-*, state
/run/iotcp-ak<pid>), so the attack never touches another lab. Traffic stays in 198.18.0.0/15.
"""
import argparse
import hashlib
import importlib
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB_TOOL = os.path.join(ROOT, "tools", "iotcp-lab")
SERVER_IP = "198.18.0.1"
CLIENT_IP = "198.18.0.2"
URL = "http://" + SERVER_IP
# Debian's interpreter carries python3-scapy (install-deps.sh); another python3 first on PATH
# (pyenv, venv) may not.
NS_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

_ID = "ak%d" % (os.getpid() % 1000000)
LAB_ENV = dict(os.environ, IOTCP_LAB_NS="iotcp-" + _ID, IOTCP_LAB_TAG=_ID,
               IOTCP_LAB_STATE="/run/iotcp-" + _ID, IOTCP_LAB_LOGROOT="/var/tmp/iotcp-attack")

_results = []


# ---- reporting --------------------------------------------------------------------------------

def report(name, ok, detail=""):
    """One PASS/FAIL line; the test fails if any check failed."""
    _results.append(bool(ok))
    print("%s %s%s" % ("PASS" if ok else "FAIL", name,
                       (" -- " + str(detail)) if detail and not ok else ""), flush=True)
    return bool(ok)


def skip(name, why):
    print("SKIP %s -- %s" % (name, why), flush=True)


def note(msg):
    print("  " + msg, flush=True)


def kib(n):
    return "-" if n is None else "%d KiB" % n


def print_figures(title, rows):
    """rows: [(phase, figures dict)] with the keys figures() returns, plus optional
    'transfers' (e.g. "8/8") and 'note'."""
    cols = [("phase", 26), ("host conns", 10), ("orphans", 8), ("host RSS", 12),
            ("NIC RSS", 12), ("transfers", 10), ("note", 0)]
    print("== figures: %s" % title)
    print("  " + " | ".join(c.ljust(w) for c, w in cols).rstrip())
    for phase, f in rows:
        vals = [phase, f.get("host_conns"), f.get("host_orphans"), kib(f.get("host_rss_kb")),
                kib(f.get("nic_rss_kb")), f.get("transfers", "-"), f.get("note", "")]
        print("  " + " | ".join(("-" if v is None else str(v)).ljust(w)
                                for v, (_, w) in zip(vals, cols)).rstrip())
    sys.stdout.flush()


# ---- processes --------------------------------------------------------------------------------

def run(cmd, timeout=600, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=LAB_ENV, **kw)


def rss_kb(pid):
    """VmRSS of pid in KiB, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def sha256(data_or_path):
    h = hashlib.sha256()
    if isinstance(data_or_path, bytes):
        h.update(data_or_path)
        return h.hexdigest()
    with open(data_or_path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_counters(path):
    """{name: int} from a stats file of "name value" lines ({} when it cannot be read)."""
    vals = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.strip().partition(" ")
                if v.isdigit():
                    vals[k] = int(v)
    except OSError:
        pass
    return vals


class Lab:
    """A private testbed: up() with a generated docroot, down() whatever happens."""

    def __init__(self, build, mode, files, httpd_args=(), lab_args=()):
        """mode: offload, copy, or linux (the lab's --linux-server: the same attack against a
        Linux TCP stack, python3 http.server, for reference)."""
        self.build, self.mode, self.files = build, mode, files
        self.httpd_args = list(httpd_args) if mode != "linux" else []
        self.lab_args = list(lab_args)  # more options of iotcp-lab up (e.g. --wire tap)
        self.tmp = tempfile.mkdtemp(prefix="iotcp-attack-")
        os.chmod(self.tmp, 0o755)
        self.docroot = os.path.join(self.tmp, "docroot")
        self.state = LAB_ENV["IOTCP_LAB_STATE"]
        self.ns = LAB_ENV["IOTCP_LAB_NS"]
        self.iface = _ID + "-c"  # the client's interface (198.18.0.2) in the namespace
        self.children = []
        self.is_up = False

    # files: {name: size in bytes (random content) | bytes | callable(path)}
    def make_docroot(self):
        os.makedirs(self.docroot)
        for name, spec in self.files.items():
            path = os.path.join(self.docroot, name)
            if callable(spec):
                spec(path)
                continue
            with open(path, "wb") as f:
                if isinstance(spec, bytes):
                    f.write(spec)
                    continue
                left = spec
                while left:
                    n = min(left, 1 << 20)
                    f.write(os.urandom(n))
                    left -= n
        with open(os.path.join(self.docroot, "index.html"), "w") as f:
            f.write("<h1>iotcp attack test</h1>\n")

    def up(self):
        self.make_docroot()
        env = dict(LAB_ENV, IOTCP_LAB_HTTPD_ARGS=" ".join(self.httpd_args))
        subprocess.run([LAB_TOOL, "down"], capture_output=True, env=LAB_ENV, timeout=120)
        cmd = [LAB_TOOL, "up", "--docroot", self.docroot, "--build", self.build]
        cmd += ["--linux-server"] if self.mode == "linux" else ["--mode", self.mode]
        cmd += self.lab_args
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
        self.is_up = r.returncode == 0
        return r

    def down(self):
        for p in self.children:
            if p.poll() is None:
                p.kill()  # only processes this harness started, by their Popen
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        self.children = []
        if os.path.isdir(self.state) or self.is_up:
            subprocess.run([LAB_TOOL, "down"], capture_output=True, env=LAB_ENV, timeout=120)
        self.is_up = False
        shutil.rmtree(self.tmp, ignore_errors=True)

    def tool(self, *args, timeout=120):
        return run([LAB_TOOL] + list(args), timeout=timeout)

    # -- the lab's processes and counters --
    def pid(self, name):
        """PID of the lab's process name (httpd, nicd, linux-server), or None."""
        try:
            with open(os.path.join(self.state, "pids", name)) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def alive(self, name):
        pid = self.pid(name)
        return pid is not None and os.path.exists("/proc/%d" % pid)

    def stats(self, fresh=True):
        """{'host': {key: int}, 'nic': {key: int}} from the stats files the servers rewrite
        every second; fresh waits for a rewrite, so counters are at most ~1 s old."""
        out = {}
        for side in ("host", "nic"):
            path = os.path.join(self.state, side + ".stats")
            if fresh and os.path.exists(path):
                m0 = os.stat(path).st_mtime_ns
                end = time.time() + 3
                while time.time() < end and os.path.exists(path) and os.stat(path).st_mtime_ns == m0:
                    time.sleep(0.05)
            out[side] = read_counters(path)
        return out

    def figures(self, **extra):
        st = self.stats()
        f = {"host_conns": st["host"].get("tcp_conns"),
             "host_orphans": st["host"].get("tcp_orphans"),
             "host_rss_kb": rss_kb(self.pid("httpd")) if self.pid("httpd") else None,
             "nic_rss_kb": rss_kb(self.pid("nicd")) if self.pid("nicd") else None,
             "stats": st}
        f.update(extra)
        return f

    # -- the client namespace --
    def exec(self, cmd, timeout=600):
        return self.tool("exec", *cmd, timeout=timeout)

    def spawn(self, cmd, **kw):
        """Start cmd in the client namespace; killed at down() if still running."""
        p = subprocess.Popen([LAB_TOOL, "exec"] + list(cmd), env=LAB_ENV, **kw)
        self.children.append(p)
        return p

    def _ns_cmd(self, fn, args):
        script = os.path.abspath(sys.modules["__main__"].__file__)
        return [NS_PYTHON, script, "--ns-call", "%s:%s" % (fn.__module__, fn.__name__),
                json.dumps(args)]

    def ns_call(self, fn, *args, timeout=600):
        """Run fn(*args) of the test script in the client namespace; returns its JSON-able
        result (raises RuntimeError with its output on failure)."""
        r = self.exec(self._ns_cmd(fn, list(args)), timeout=timeout)
        return _ns_result(r.returncode, r.stdout, r.stderr, fn.__name__)

    def ns_start(self, fn, *args):
        """Start fn(*args) in the client namespace in the background; ns_wait() collects it."""
        return self.spawn(self._ns_cmd(fn, list(args)), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)

    def ns_wait(self, p, timeout=600):
        out, err = p.communicate(timeout=timeout)
        return _ns_result(p.returncode, out, err, "background call")

    def ns_signal(self, p, sig=signal.SIGTERM):
        """Signal a background ns_start call (it goes through iotcp-lab exec, which execs
        `ip netns exec`, which execs python: one PID)."""
        if p.poll() is None:
            p.send_signal(sig)

    # -- transfers from the client namespace --
    def fetch_start(self, name, limit_rate=None, max_time=600, local_port=None):
        """curl of /name in the background, written to a temporary file."""
        out = os.path.join(self.tmp, "fetch-%s-%d" % (name.replace("/", "_"), len(self.children)))
        cmd = ["curl", "-s", "-S", "-f", "--max-time", str(max_time), "-o", out]
        if limit_rate:
            cmd += ["--limit-rate", str(limit_rate)]
        if local_port:
            cmd += ["--local-port", str(local_port)]
        p = self.spawn(cmd + [URL + "/" + name], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
        return (p, name, out)

    def fetch_finish(self, handle, timeout=600):
        """(ok, detail): curl ended with 0 and the body is byte-exact."""
        p, name, out = handle
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return False, "%s: still running after %d s" % (name, timeout)
        if p.returncode != 0:
            return False, "%s: curl exit %d %s" % (name, p.returncode, (err or "").strip()[-200:])
        ok = os.path.exists(out) and sha256(out) == sha256(os.path.join(self.docroot, name))
        size = os.path.getsize(out) if os.path.exists(out) else 0
        if os.path.exists(out):
            os.unlink(out)
        return ok, "%s: %d bytes, %s" % (name, size, "byte-exact" if ok else "CONTENT DIFFERS")

    def fetch(self, name, timeout=120):
        return self.fetch_finish(self.fetch_start(name, max_time=timeout - 5), timeout=timeout)


def _ns_result(rc, out, err, what):
    for line in reversed((out or "").splitlines()):
        if line.startswith("NSRESULT "):
            if rc != 0:
                break
            return json.loads(line[len("NSRESULT "):])
    raise RuntimeError("%s in the client namespace failed (exit %s):\n%s\n%s" %
                       (what, rc, (out or "")[-1500:], (err or "")[-1500:]))


# ---- HTTP over kernel sockets ---------------------------------------------------------------------

def read_http_head(s, buf=b""):
    """(status, {lowercase name: value}, bytes after the head) of the next response on socket
    s, buf holding what was already received; ConnectionError on EOF or a head over 64 KiB."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("EOF before the response head")
        buf += d
        if len(buf) > 65536:
            raise ConnectionError("response head too long")
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return int(lines[0].split()[1]), hdrs, rest


# ---- inside the client namespace: raw frames ----------------------------------------------------

def client_iface():
    """The interface holding 198.18.0.2 in this namespace."""
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    m = re.search(r"^\d+:\s+(\S+)\s+inet %s/" % re.escape(CLIENT_IP), out, re.M)
    if not m:
        raise RuntimeError("no interface with %s: %s" % (CLIENT_IP, out))
    return m.group(1).split("@")[0]


def mac_of(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def neigh_mac(ip, iface):
    """The MAC of ip on iface, resolving it first (one TCP connection attempt does)."""
    for _ in range(50):
        out = subprocess.run(["ip", "neigh", "show", ip, "dev", iface], capture_output=True,
                             text=True).stdout
        m = re.search(r"lladdr ([0-9a-f:]{17})", out)
        if m and "FAILED" not in out and "INCOMPLETE" not in out:
            return m.group(1)
        try:
            socket.create_connection((ip, 80), timeout=0.5).close()
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("cannot resolve the MAC of %s on %s" % (ip, iface))


def inet_csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp_frame(src_mac, dst_mac, saddr, daddr, sport, dport, seq, ack, flags, win=65535,
              options=(), payload=b"", ip_id=0):
    """An Ethernet/IPv4/TCP frame built by scapy (options in scapy's form, e.g.
    [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("WScale", 7),
     ("SAck", (start, end, ...))])."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    pkt = (Ether(src=src_mac, dst=dst_mac) / IP(src=saddr, dst=daddr, id=ip_id) /
           TCP(sport=sport, dport=dport, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF, flags=flags,
               window=win, options=list(options)) / payload)
    return bytes(pkt)


def parse_tcp(frame):
    """(saddr, daddr, sport, dport, seq, ack, flags, win, options dict, payload) of an IPv4/TCP
    Ethernet frame, or None. options: 'mss', 'wscale', 'sackok', 'ts' (val, ecr), 'sack' [(l, r)]."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    if ip[9] != 6:
        return None
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:tot]
    if len(tcp) < 20:
        return None
    sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH", tcp[:16])
    hl = (off >> 4) * 4
    opts, i, raw = {}, 20, tcp[20:hl]
    i = 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(raw):
            break
        ln = raw[i + 1]
        body = raw[i + 2:i + ln]
        if kind == 2 and ln == 4:
            opts["mss"] = struct.unpack("!H", body)[0]
        elif kind == 3 and ln == 3:
            opts["wscale"] = body[0]
        elif kind == 4:
            opts["sackok"] = True
        elif kind == 8 and ln == 10:
            opts["ts"] = struct.unpack("!II", body)
        elif kind == 5:
            opts["sack"] = [struct.unpack("!II", body[k:k + 8]) for k in range(0, len(body) - 7, 8)]
        i += max(ln, 2)
    return (socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]), sport, dport, seq, ack,
            flags, win, opts, tcp[hl:])


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class RawSocket:
    """AF_PACKET on iface: send whole frames, receive IPv4/TCP frames (incoming only)."""

    def __init__(self, iface):
        self.iface = iface
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        try:
            self.s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE (root)
        except OSError:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
        self.s.bind((iface, 0))

    def send(self, frame):
        self.s.send(frame)

    def recv(self, timeout):
        """Next incoming TCP segment as parse_tcp() returns it, or None after timeout s."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                frame, addr = self.s.recvfrom(65535)
            except socket.timeout:
                return None
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            seg = parse_tcp(frame)
            if seg:
                return seg

    def close(self):
        self.s.close()


def block_kernel_rst(sport_lo, sport_hi):
    """Keep this namespace's kernel from answering, with RST, the segments that come back to
    connections driven by raw frames from local ports [sport_lo, sport_hi]. The table goes
    away with the namespace."""
    t = "inet %s_raw" % _ns_tag()
    rules = ("add table %s\nadd chain %s out { type filter hook output priority 0; }\n"
             "add rule %s out tcp sport %d-%d tcp flags & rst == rst drop\n"
             % (t, t, t, sport_lo, sport_hi))
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True)


def _ns_tag():
    return re.sub(r"[^a-z0-9]", "", os.environ.get("IOTCP_LAB_TAG", "ak"))


class RawTcp:
    """A TCP client driven frame by frame from 198.18.0.2 (the kernel's RSTs for its port are
    blocked with block_kernel_rst): handshake with chosen options, then whatever the attack
    sends. Sequence numbers are absolute; rcv_nxt tracks in-order data received."""

    def __init__(self, raw, sport, dport=80, mss=1460, wscale=7, sack=True, ts=True, win=65535):
        self.raw, self.sport, self.dport = raw, sport, dport
        self.src_mac = mac_of(raw.iface)
        self.dst_mac = neigh_mac(SERVER_IP, raw.iface)
        self.mss, self.wscale, self.sack, self.ts, self.win = mss, wscale, sack, ts, win
        self.iss = random.getrandbits(32)
        self.snd_nxt = self.iss
        self.irs = self.rcv_nxt = None
        self.ts_recent = 0
        self.peer_wscale = 0
        self.t0 = time.monotonic()

    def tsval(self):
        return int((time.monotonic() - self.t0) * 1000) + 1

    def frame(self, flags, seq=None, ack=None, payload=b"", options=None, win=None):
        opts = [] if options is None else list(options)
        if self.ts and not any(o[0] == "Timestamp" for o in opts):
            opts = [("NOP", None), ("NOP", None), ("Timestamp", (self.tsval(), self.ts_recent))] + opts
        return tcp_frame(self.src_mac, self.dst_mac, CLIENT_IP, SERVER_IP, self.sport, self.dport,
                         self.snd_nxt if seq is None else seq,
                         (self.rcv_nxt or 0) if ack is None else ack, flags,
                         self.win if win is None else win, opts, payload)

    def send(self, flags, **kw):
        self.raw.send(self.frame(flags, **kw))

    def mine(self, seg):
        return seg and seg[0] == SERVER_IP and seg[2] == self.dport and seg[3] == self.sport

    def recv(self, timeout):
        """Next segment of this connection, or None."""
        end = time.monotonic() + timeout
        while True:
            seg = self.raw.recv(max(0.0, end - time.monotonic()))
            if seg is None:
                return None
            if self.mine(seg):
                if "ts" in seg[8]:
                    self.ts_recent = seg[8]["ts"][0]
                return seg

    def connect(self, timeout=3.0):
        opts = [("MSS", self.mss)]
        if self.wscale is not None:
            opts.append(("WScale", self.wscale))
        if self.sack:
            opts.append(("SAckOK", b""))
        if self.ts:
            opts.append(("Timestamp", (self.tsval(), 0)))
        self.raw.send(self.frame(SYN, options=opts))
        self.snd_nxt = (self.iss + 1) & 0xFFFFFFFF
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            seg = self.recv(end - time.monotonic())
            if seg and seg[6] & SYN and seg[6] & ACK and seg[5] == self.snd_nxt:
                self.irs = seg[4]
                self.rcv_nxt = (seg[4] + 1) & 0xFFFFFFFF
                self.peer_wscale = seg[8].get("wscale", 0)
                self.send(ACK)
                return seg
        raise RuntimeError("no SYN-ACK from %s:%d to port %d" % (SERVER_IP, self.dport, self.sport))

    def send_data(self, payload, flags=PSH | ACK):
        self.send(flags, payload=payload)
        self.snd_nxt = (self.snd_nxt + len(payload)) & 0xFFFFFFFF


# ---- inside the client namespace: fast frame floods -----------------------------------------------

def syn_flood_frames(n, src_mac, dst_mac, dport=80, net="198.18.0.0/15", seed=1):
    """n SYN frames to 198.18.0.1:dport from random addresses of net (never .0.1 or .0.2),
    random ports and sequence numbers: built once, sent many times by flood()."""
    rnd = random.Random(seed)
    base, bits = net.split("/")
    base = struct.unpack("!I", socket.inet_aton(base))[0]
    span = 1 << (32 - int(bits))
    dst = socket.inet_aton(SERVER_IP)
    eth = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00"
    avoid = {struct.unpack("!I", socket.inet_aton(a))[0] for a in (SERVER_IP, CLIENT_IP)}
    frames = []
    for _ in range(n):
        while True:
            a = base + rnd.randrange(1, span - 1)
            if a not in avoid and (a & 0xFF) not in (0, 255):
                break
        src = struct.pack("!I", a)
        # MSS 1460, SACK permitted, timestamps, window scale: what a Linux client sends
        opts = (struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" +
                struct.pack("!BBII", 8, 10, rnd.getrandbits(32), 0) + b"\x01" + struct.pack("!BBB", 3, 3, 7))
        tcp = struct.pack("!HHIIBBHHH", rnd.randrange(1024, 65535), dport, rnd.getrandbits(32), 0,
                          (20 + len(opts)) // 4 << 4, SYN, 64240, 0, 0) + opts
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", inet_csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.getrandbits(16), 0, 64, 6, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", inet_csum(ip)) + ip[12:]
        frames.append(eth + ip + tcp)
    return frames


def flood(iface, frames, pps, seconds):
    """Send frames round robin at about pps for seconds; returns frames sent."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    sent, i, n = 0, 0, len(frames)
    start = time.monotonic()
    batch = max(1, pps // 1000)
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) * pps)
        if sent >= due:
            time.sleep(min(0.001, (sent - due + batch) / pps))
            continue
        for _ in range(min(batch, due - sent)):
            try:
                s.send(frames[i])
            except OSError:  # a full queue: the frame is lost, as on a real wire
                pass
            i = i + 1 if i + 1 < n else 0
            sent += 1
    s.close()
    return sent


# ---- entry point --------------------------------------------------------------------------------

def main(attack, title, files, httpd_args=(), add_args=None, modes=("offload", "copy"),
         lab_args=()):
    """Run attack(lab, args) against a fresh lab; see the module docstring."""
    if len(sys.argv) >= 2 and sys.argv[1] == "--ns-call":
        return _ns_dispatch()
    ap = argparse.ArgumentParser(description=title)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--mode", default=modes[0], choices=modes,
                    help="linux: against the lab's Linux server, for reference")
    if add_args:
        add_args(ap)
    args = ap.parse_args()
    print("== %s (%s mode)" % (title, args.mode), flush=True)
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, raw sockets, DPDK)")
        return 77
    for b in ("apps/nicd/iotcp-nicd", "apps/httpd/iotcp-httpd"):
        if not os.path.exists(os.path.join(args.build, b)):
            print("SKIP: %s not built" % b)
            return 77
    for tool in ("curl", "nft"):
        if not shutil.which(tool):
            print("SKIP: %s not installed (scripts/install-deps.sh installs it)" % tool)
            return 77
    if subprocess.run([NS_PYTHON, "-c", "import scapy"], capture_output=True).returncode != 0:
        print("SKIP: python3-scapy not installed for %s (scripts/install-deps.sh)" % NS_PYTHON)
        return 77
    ha = httpd_args(args) if callable(httpd_args) else httpd_args
    lab = Lab(args.build, args.mode, files, ha, lab_args)

    def on_signal(sig, frame):
        raise SystemExit(128 + sig)  # unwinds through the finally below: the lab goes down
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        r = lab.up()
        if not report("testbed up (%s mode%s)" % (args.mode, (", httpd " + " ".join(lab.httpd_args))
                                                   if lab.httpd_args else ""),
                      r.returncode == 0, (r.stdout + r.stderr)[-1500:]):
            return 1
        attack(lab, args)
        for name in ("httpd", "nicd"):
            if lab.pid(name):
                report("%s still running after the attack" % name, lab.alive(name))
    except Exception as e:  # a harness or ns-call failure is a test failure, with the reason
        import traceback
        traceback.print_exc()
        report("attack ran to the end", False, repr(e)[:500])
    finally:
        lab.down()
    print("%d passed, %d failed" % (_results.count(True), _results.count(False)), flush=True)
    return 0 if _results and all(_results) else 1


def _ns_dispatch():
    mod, _, name = sys.argv[2].rpartition(":")
    fn = getattr(sys.modules["__main__"] if mod == "__main__" else importlib.import_module(mod), name)
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
    res = fn(*args)
    print("NSRESULT " + json.dumps(res), flush=True)
    return 0
