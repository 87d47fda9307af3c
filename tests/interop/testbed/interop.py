#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Interop tests against real Linux clients over the netns testbed (tools/iotcp-lab).

  interop.py --build BUILD --mode copy|offload [--wire tap|vtap|afpacket] [--only NAME,...]
             [--big-mb N] [--netem 'SPEC;SPEC...'] [--ipv6]

Brings the testbed up with a generated docroot, then, from the client namespace:
  * curl, wget, ab and wrk fetch files of 0 B, 1 B, 1460 B, 64 KiB, 1 MiB and 100 MiB
    (curl and wget bodies are compared by SHA-256; ab and wrk must report no failed request
    and the exact document length / byte count);
  * Range requests come back byte-exact (206) and 416 past the end;
  * with impairments in both directions (loss 1%, loss 5%, delay 20 ms, reorder, duplicate,
    corrupt) the 100 MiB file still arrives byte-exact;
  * wrk holds 1000 concurrent keep-alive connections for 10 s without a socket error;
  * a capture of the client side analysed by tshark has no malformed or error-level packet:
    display filter `_ws.malformed || _ws.expert.severity == error` must match nothing.
--wire picks the lab's wire port (default: the lab's own, vtap: 64 KiB TSO frames); every
impairment works on every wire (the lab's relay cuts GSO frames into their segments).
--ipv6: every client speaks to http://[2001:2::1] (curl -6, wget -6, wrk; ab is left out),
and a first case proves it: curl reports 2001:2::1 as the address it used, the server logged
2001:2::2 as the peer, and the host answered Neighbor Solicitations.
Each case prints PASS/FAIL/SKIP; the testbed is always taken down. Needs root (exit 77).
"""
import argparse
import hashlib
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB = os.path.join(ROOT, "tools", "iotcp-lab")
URL = "http://198.18.0.1"
URL6 = "http://[2001:2::1]"
IPV6 = False  # --ipv6: clients over IPv6 only (curl -6, wget -6)
FILES = [("0b.bin", 0), ("1b.bin", 1), ("1460b.bin", 1460), ("64k.bin", 65536),
         ("1m.bin", 1 << 20)]

# The tests run a lab of their own (names, state, logs), so they never touch a lab someone
# brought up by hand with the default names; the same topology and addresses otherwise.
# Names carry our pid, so two runs at once (two checkouts, two engineers) never collide.
_ID = "it%d" % (os.getpid() % 1000000)
LAB_ENV = dict(os.environ, IOTCP_LAB_NS="iotcp-" + _ID, IOTCP_LAB_TAG=_ID,
               IOTCP_LAB_STATE="/run/iotcp-" + _ID, IOTCP_LAB_LOGROOT="/var/tmp/iotcp-itest")

results = []
# Impairments: every kind, on any wire (the lab's relay decides per segment, cutting GSO frames).
NETEM_ALL = "loss 1%;loss 5%;delay 20ms;delay 10ms reorder 25%;duplicate 5%;corrupt 1%"


def report(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (" -- " + detail) if detail and not ok else ""),
          flush=True)


def skip(name, why):
    print("SKIP %s -- %s" % (name, why), flush=True)


def run(cmd, timeout=600, check=False):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=check,
                          env=LAB_ENV)


def lab(*args, timeout=120):
    return run([LAB] + list(args), timeout=timeout)


def client(cmd, timeout=600):
    return run([LAB, "exec"] + cmd, timeout=timeout)


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_docroot(d, files, title, data=os.urandom):
    """d with each (name, size) of files, data(n) written 1 MiB at a time, and an index.html."""
    os.makedirs(d)
    for name, size in files:
        with open(os.path.join(d, name), "wb") as f:
            left = size
            while left:
                n = min(left, 1 << 20)
                f.write(data(n))
                left -= n
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write("<h1>%s</h1>\n" % title)


def make_docroot(d, big_mb):
    write_docroot(d, FILES + [("big.bin", big_mb << 20)], "iotcp interop")


def curl_get(name, out, extra=(), timeout=600):
    r = client(["curl"] + (["-6"] if IPV6 else []) +
               ["-s", "-S", "-f", "--max-time", str(timeout - 10), "-o", out] + list(extra) +
               ["%s/%s" % (URL, name)], timeout=timeout)
    return r


def check_download(docroot, tmp, name, label, get):
    """get(name, out) fetches docroot's name into out on the client; reports whether the copy is
    byte-exact (SHA-256), with the time and rate."""
    out = os.path.join(tmp, "dl-" + name)
    t0 = time.time()
    r = get(name, out)
    dt = time.time() - t0
    ok = r.returncode == 0 and os.path.exists(out) and sha_file(out) == sha_file(os.path.join(docroot, name))
    size = os.path.getsize(os.path.join(docroot, name))
    detail = r.stderr.strip()[-300:] if r.returncode else "sha256 mismatch"
    report("%s: curl %s (%d B) byte-exact [%.1fs, %.1f Mb/s]" % (label, name, size, dt,
                                                                  size * 8 / 1e6 / max(dt, 1e-6)),
           ok, detail)
    if os.path.exists(out):
        os.unlink(out)
    return ok


def check_curl(docroot, tmp, name, label=None, timeout=600):
    return check_download(docroot, tmp, name, label or "plain",
                          lambda n, out: curl_get(n, out, timeout=timeout))


def test_clients(docroot, tmp):
    for name, size in FILES + [("big.bin", None)]:
        check_curl(docroot, tmp, name)
    for name, size in FILES:
        out = os.path.join(tmp, "wget-" + name)
        r = client(["wget"] + (["-6"] if IPV6 else []) + ["-q", "-O", out, "%s/%s" % (URL, name)])
        ok = r.returncode == 0 and sha_file(out) == sha_file(os.path.join(docroot, name))
        report("wget %s byte-exact" % name, ok, r.stderr[-200:])
    if IPV6:
        skip("ab", "not in the IPv6 set (curl -6, wget -6, wrk)")
    elif shutil.which("ab"):
        for name, size in FILES:
            r = client(["ab", "-q", "-n", "200", "-c", "8", "-k", "%s/%s" % (URL, name)])
            m = re.search(r"Document Length:\s+(\d+)", r.stdout)
            f = re.search(r"Failed requests:\s+(\d+)", r.stdout)
            ok = r.returncode == 0 and m and int(m.group(1)) == size and f and int(f.group(1)) == 0
            report("ab %s: 200 requests, length %d, no failure" % (name, size), ok,
                   (r.stdout + r.stderr)[-300:])
    else:
        skip("ab", "ab (apache2-utils) not installed")
    for name, size in FILES:
        r = client(["wrk", "-t1", "-c4", "-d2s", "%s/%s" % (URL, name)], timeout=60)
        m = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(\w+) read", r.stdout)
        ok = r.returncode == 0 and m and int(m.group(1)) > 0 and "Socket errors" not in r.stdout \
            and "Non-2xx" not in r.stdout
        report("wrk %s: no errors" % name, ok, r.stdout[-300:])


def test_ranges(docroot, tmp):
    want = open(os.path.join(docroot, "1m.bin"), "rb").read()
    for rng, lo, hi in (("0-0", 0, 0), ("1000-65535", 1000, 65535), ("1048000-", 1048000, len(want) - 1),
                        ("-1460", len(want) - 1460, len(want) - 1)):
        out = os.path.join(tmp, "range.bin")
        r = client(["curl", "-s", "-f", "-r", rng, "-o", out, "-w", "%{http_code}", URL + "/1m.bin"])
        ok = r.returncode == 0 and r.stdout == "206" and open(out, "rb").read() == want[lo:hi + 1]
        report("Range %s -> 206 byte-exact" % rng, ok, r.stdout + r.stderr)
    r = client(["curl", "-s", "-o", "/dev/null", "-r", "2000000-", "-w", "%{http_code}", URL + "/1m.bin"])
    report("Range past the end -> 416", r.stdout == "416", r.stdout)
    big = os.path.getsize(os.path.join(docroot, "big.bin"))
    lo = big - 3 * 1000 * 1000 - 7
    out = os.path.join(tmp, "range-big.bin")
    r = client(["curl", "-s", "-f", "-r", "%d-" % lo, "-o", out, URL + "/big.bin"])
    with open(os.path.join(docroot, "big.bin"), "rb") as f:
        f.seek(lo)
        ok = r.returncode == 0 and open(out, "rb").read() == f.read()
    report("Range at an odd offset of big.bin byte-exact", ok, r.stderr)


def test_netem(docroot, tmp, cases):
    for spec in cases:
        r = lab("netem", spec)
        if r.returncode != 0:
            report("netem '%s' applied" % spec, False, r.stdout + r.stderr)
            continue
        try:
            check_curl(docroot, tmp, "big.bin", label="netem '%s'" % spec, timeout=900)
        finally:
            lab("netem", "clear")


def test_ipv6_proof():
    """--ipv6: the fetches really go over IPv6, to the host stack's own address."""
    r = client(["curl", "-6", "-s", "-o", "/dev/null", "-w", "%{remote_ip} %{http_code}",
                URL + "/1460b.bin"], timeout=60)
    report("ipv6: curl -6 reaches 2001:2::1 (200)", r.stdout.strip() == "2001:2::1 200",
           r.stdout + r.stderr[-200:])
    time.sleep(1.5)  # the stats file and the access log are written about once a second
    st = lab("stats").stdout
    ns = stats_value(st, "host_nd_solicits_rx")
    report("ipv6: the host answered Neighbor Solicitations (host_nd_solicits_rx > 0)",
           ns is not None and ns > 0, "host_nd_solicits_rx=%s" % ns)
    m = re.search(r"^  logs: (\S+)$", lab("status").stdout, re.M)
    log = os.path.join(m.group(1), "access.log") if m else ""
    text = open(log).read() if log and os.path.exists(log) else ""
    report("ipv6: the server logged the client as 2001:2::2",
           re.search(r"^2001:2::2 - - .*GET /1460b\.bin", text, re.M) is not None, text[-300:])


def test_many_conns():
    r = client(["sh", "-c", "ulimit -n 65536; exec wrk -t2 -c1000 -d10s --timeout 10s %s/1460b.bin" % URL],
               timeout=120)
    m = re.search(r"(\d+) requests in", r.stdout)
    errs = re.search(r"Socket errors: (.*)", r.stdout)
    ok = r.returncode == 0 and m and int(m.group(1)) > 1000 and not errs and "Non-2xx" not in r.stdout
    report("wrk 1000 keep-alive connections for 10 s without socket errors", ok, r.stdout[-400:])


def tshark_capture(iface, cap, port, fetch):
    """Capture TCP port `port` on the client's iface into cap while fetch() runs: fetch starts
    once tshark captures (it starts slowly on a busy machine), the capture ends 1 s after."""
    p = subprocess.Popen([LAB, "exec", "tshark", "-q", "-i", iface, "-w", cap, "-f",
                          "tcp port %d" % port], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=LAB_ENV, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if not select.select([p.stderr], [], [], 1)[0]:
            continue
        line = p.stderr.readline()
        if not line or "Capturing on" in line:
            break
    time.sleep(0.5)
    fetch()
    time.sleep(1)
    p.terminate()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()


def test_pcap(tmp, min_packets=100):
    if not shutil.which("tshark"):
        skip("pcap analysis", "tshark not installed")
        return
    r = lab("stats")
    m = re.search(r"== client interface (\S+)", r.stdout)
    iface = m.group(1) if m else None
    if not iface:
        # the lab names the client-side interface in its status; fall back to the default route's
        r2 = client(["ip", "-o", "-4", "addr", "show"])
        m = re.search(r"\d+: (\S+)\s+inet 198\.18\.0\.2/", r2.stdout)
        iface = m.group(1) if m else None
    if not iface:
        report("pcap: client interface found", False, r.stdout)
        return
    cap = os.path.join(tmp, "wire.pcap")
    out = os.path.join(tmp, "pcap-dl.bin")

    def fetch():
        # the default (vtap) wire delivers GSO frames: up to 64 KiB per captured packet
        for _ in range(4):
            client(["curl", "-s", "-o", out, URL + "/1m.bin"])
        client(["curl", "-s", "-o", out, "-r", "5-7000", URL + "/64k.bin"])
    tshark_capture(iface, cap, 80, fetch)
    flt = "_ws.malformed || _ws.expert.severity == error"
    r = run(["tshark", "-r", cap, "-Y", flt])
    n = run(["tshark", "-r", cap, "-Y", "tcp"])
    total = len(n.stdout.splitlines())
    bad = [l for l in r.stdout.splitlines() if l.strip()]
    report("pcap: %d TCP packets, none matching '%s'" % (total, flt), total > min_packets and not bad,
           "\n".join(bad[:5]) or "only %d packets captured" % total)


def lab_pid(name):
    m = re.search(r"%s: running \(pid (\d+)\)" % name, lab("status").stdout)
    return int(m.group(1)) if m else None


def stats_value(text, key):
    m = re.search(r"^%s (\d+)$" % re.escape(key), text, re.M)
    return int(m.group(1)) if m else None


def check_docroot_hidden(docroot):
    """Offload mode: the server's mount namespace shows the docroot empty. False if the server's
    pid is unknown (reported)."""
    pid = lab_pid("httpd")
    if not pid:
        report("offload proof: httpd pid known", False, lab("status").stdout)
        return False
    # --root: the server's root directory (a chroot or container root), so that the path
    # resolves as the server sees it, not against the mount namespace's own root
    r = run(["nsenter", "-t", str(pid), "-m", "--root", "ls", "-A", docroot])
    report("offload proof: the docroot is empty inside the server's mount namespace",
           r.returncode == 0 and r.stdout.strip() == "" and os.listdir(docroot),
           "ls -> rc %d: %r" % (r.returncode, r.stdout[:200] + r.stderr[:200]))
    return True


def test_no_file_bytes_on_host(docroot):
    """Offload mode: the server cannot see the docroot and handled no file byte itself."""
    if not check_docroot_hidden(docroot):
        return
    time.sleep(1.5)  # the stats file is rewritten every second
    st = lab("stats").stdout
    fb, ob = stats_value(st, "host_file_payload_bytes"), stats_value(st, "host_offload_bytes")
    report("offload proof: host_file_payload_bytes == 0 and host_offload_bytes > 0",
           fb == 0 and ob is not None and ob > 0, "file_payload_bytes=%s offload_bytes=%s" % (fb, ob))


def test_file_bytes_on_host_copy():
    """Copy mode: the server read and sent every file byte itself, the NIC none."""
    time.sleep(1.5)  # the stats file is rewritten every second
    st = lab("stats").stdout
    fb, ob = stats_value(st, "host_file_payload_bytes"), stats_value(st, "host_offload_bytes")
    report("copy proof: host_file_payload_bytes > 0 and host_offload_bytes == 0",
           fb is not None and fb > 0 and ob == 0,
           "file_payload_bytes=%s offload_bytes=%s" % (fb, ob))


def preflight(build, tools):
    """None when the tests can run: root, the tools, the built server and NIC daemon; else the
    exit status of a skip (77), said why."""
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, DPDK)")
        return 77
    for tool in tools:
        if not shutil.which(tool):
            print("SKIP: %s not installed (scripts/install-deps.sh installs it)" % tool)
            return 77
    for b in ("apps/nicd/iotcp-nicd", "apps/httpd/iotcp-httpd"):
        if not os.path.exists(os.path.join(build, b)):
            print("SKIP: %s not built" % b)
            return 77
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--mode", default="copy")
    ap.add_argument("--only", default="clients,ranges,netem,conns,pcap")
    ap.add_argument("--big-mb", type=int, default=100)
    ap.add_argument("--wire", choices=["tap", "vtap", "afpacket"],
                    help="the lab's wire port (default: the lab's default)")
    ap.add_argument("--netem", default=NETEM_ALL,
                    help="impairments, ';'-separated (default: %(default)r)")
    ap.add_argument("--ipv6", action="store_true",
                    help="clients over IPv6 to http://[2001:2::1] (default: IPv4)")
    a = ap.parse_args()
    global URL, IPV6
    if a.ipv6:
        URL, IPV6 = URL6, True
    rc = preflight(a.build, ("curl", "wget", "wrk"))
    if rc is not None:
        return rc
    tmp = tempfile.mkdtemp(prefix="iotcp-interop-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "docroot")
    make_docroot(docroot, a.big_mb)
    only = a.only.split(",")
    try:
        lab("down")
        wire = ["--wire", a.wire] if a.wire else []
        r = lab("up", "--docroot", docroot, "--mode", a.mode, "--build", a.build, *wire,
                timeout=180)
        report("testbed up (%s mode%s%s)" % (a.mode, ", wire " + a.wire if a.wire else "",
                                             ", IPv6" if IPV6 else ""),
               r.returncode == 0, r.stdout[-800:] + r.stderr[-800:])
        if r.returncode != 0:
            return 1
        if IPV6:
            test_ipv6_proof()
        if "clients" in only:
            test_clients(docroot, tmp)
        if "ranges" in only:
            test_ranges(docroot, tmp)
        if a.mode == "offload" and "clients" in only:
            test_no_file_bytes_on_host(docroot)
        if a.mode == "copy" and "clients" in only:
            test_file_bytes_on_host_copy()
        if "conns" in only:
            test_many_conns()
        if "pcap" in only:
            # on vtap 1 MiB leaves in 64 KiB TSO frames: 16 data frames, not ~720
            test_pcap(tmp, 40 if (a.wire or "vtap") == "vtap" else 100)
        if "netem" in only:
            test_netem(docroot, tmp, [c.strip() for c in a.netem.split(";") if c.strip()])
        st = lab("stats")
        print(st.stdout)
    finally:
        lab("down")
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
