#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""HTTPS interop tests (issue 9) against real clients over the netns testbed (iotcp-lab --tls).

  tls_interop.py --build BUILD --mode copy|offload [--only NAME,...] [--big-mb N]

Brings the testbed up with TLS (a self-signed certificate the lab makes) and a generated
docroot, then from the client namespace:
  * clients: curl --tlsv1.3 and --tlsv1.2 --tls-max 1.2, AES-128-GCM and AES-256-GCM, files of
    0, 1, 16383, 16384, 16385 B, 1 MiB + 7 and 100 MiB, compared by SHA-256; Python's ssl
    module (ALPN http/1.1, two requests on one keep-alive connection, 1.2 and 1.3); wrk over
    https (no socket error, no non-2xx);
  * ranges: Range over TLS (record-unaligned starts and ends, 206 byte-exact), 416 past the end;
  * keyupdate: openssl s_client sends a KeyUpdate with update_requested ('K'): the server
    answers with its own and the next response arrives intact;
  * malformed: garbage instead of a ClientHello, a truncated ClientHello, a TLS 1.1-only client,
    plain HTTP on the TLS port: the server answers with an alert (or closes) and never hangs;
    a client that stalls mid-handshake is dropped after the handshake timeout;
  * pcap: a capture of HTTPS fetches holds no 16-byte piece of the files (searched at many
    offsets); the same search on a plain HTTP capture finds them (the detector works);
  * loss: 100 MiB under 5% loss both ways, byte-exact (nftables in the client namespace);
  * proof (offload mode): the server's mount namespace cannot see the docroot, the host
    handled no file byte (host_file_payload_bytes 0) and the NIC sealed records
    (host_tls_records_nic > 0);
  * serverupdate: a second lab with --key-update-records 48: TLS 1.3 bodies cross many server
    KeyUpdates (TLS_KEY epochs with START on the NIC), byte-exact.
Each case prints PASS/FAIL/SKIP; the testbed is always taken down. Needs root (exit 77).
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "testbed"))
import interop  # noqa: E402  (lab, client, report, skip, sha_file, stats_value, lab_pid)
from interop import client, lab, report, sha_file, skip, stats_value  # noqa: E402

URL = "https://198.18.0.1"
HTTP_URL = "http://198.18.0.1"
FILES = [("0b.bin", 0), ("1b.bin", 1), ("16383b.bin", 16383), ("16384b.bin", 16384),
         ("16385b.bin", 16385), ("1m7.bin", (1 << 20) + 7)]
VERSIONS = [("TLS 1.3", ["--tlsv1.3"], "--tls13-ciphers", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"),
            ("TLS 1.2", ["--tlsv1.2", "--tls-max", "1.2"], "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
             "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384")]


def make_docroot(d, big_mb):
    interop.write_docroot(d, FILES + [("big.bin", big_mb << 20)], "iotcp https interop",
                          random.Random(9).randbytes)


def curl(name, out, extra=(), timeout=600, url=URL):
    return client(["curl", "-k", "-s", "-S", "-f", "--max-time", str(timeout - 10), "-o", out] +
                  list(extra) + ["%s/%s" % (url, name)], timeout=timeout)


def check_fetch(docroot, tmp, name, label, extra=(), timeout=600):
    return interop.check_download(docroot, tmp, name, label,
                                  lambda n, out: curl(n, out, extra, timeout))


PY_CLIENT = r"""
import socket, ssl, sys, hashlib
ver = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[sys.argv[1]]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.minimum_version = ctx.maximum_version = ver
ctx.set_alpn_protocols(["h2", "http/1.1"])
s = ctx.wrap_socket(socket.create_connection(("198.18.0.1", 443), timeout=30), server_hostname="iotcp.test")
f = s.makefile("rb")
out = []
for path in sys.argv[2:]:
    s.sendall(("GET /%s HTTP/1.1\r\nHost: iotcp.test\r\n\r\n" % path).encode())
    status = f.readline().split()[1].decode()
    length = None
    while True:
        line = f.readline().strip()
        if not line:
            break
        k, v = line.split(b":", 1)
        if k.lower() == b"content-length":
            length = int(v)
    body = f.read(length)
    out.append("%s %d %s" % (status, len(body), hashlib.sha256(body).hexdigest()))
print(s.version(), s.selected_alpn_protocol(), s.cipher()[0], ";".join(out))
"""


def test_clients(docroot, tmp):
    for label, vargs, copt, c128, c256 in VERSIONS:
        for name, _ in FILES + [("big.bin", None)]:
            check_fetch(docroot, tmp, name, label, vargs)
        check_fetch(docroot, tmp, "1m7.bin", label + " AES-256-GCM", vargs + [copt, c256])
        check_fetch(docroot, tmp, "16385b.bin", label + " AES-128-GCM", vargs + [copt, c128])
    names = ["1m7.bin", "16384b.bin"]
    want = ";".join("200 %d %s" % (os.path.getsize(os.path.join(docroot, n)),
                                    sha_file(os.path.join(docroot, n))) for n in names)
    for v in ("1.3", "1.2"):
        r = client(["python3", "-c", PY_CLIENT, v] + names, timeout=120)
        f = r.stdout.split(None, 3)
        ok = r.returncode == 0 and len(f) == 4 and f[0] == "TLSv" + v and f[1] == "http/1.1" and \
            "GCM" in f[2] and f[3].strip() == want
        report("python ssl TLS %s: ALPN http/1.1, 2 requests on one connection byte-exact" % v, ok,
               (r.stdout + r.stderr)[-400:])
    for name in ("16385b.bin", "1m7.bin"):
        r = client(["wrk", "-t1", "-c4", "-d3s", "--timeout", "3s", "%s/%s" % (URL, name)], timeout=60)
        m = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(\w+) read", r.stdout)
        ok = r.returncode == 0 and m and int(m.group(1)) > 0 and "Socket errors" not in r.stdout \
            and "Non-2xx" not in r.stdout
        report("wrk https %s: %s requests, no errors" % (name, m.group(1) if m else "?"), ok,
               (r.stdout + r.stderr)[-300:])


def test_ranges(docroot, tmp):
    want = open(os.path.join(docroot, "1m7.bin"), "rb").read()
    n = len(want)
    for vlabel, vargs, *_ in VERSIONS:
        for rng, lo, hi in (("0-0", 0, 0), ("1000-65535", 1000, 65535), ("16383-16384", 16383, 16384),
                            ("16384-49151", 16384, 49151), ("77777-", 77777, n - 1),
                            ("-20000", n - 20000, n - 1)):
            out = os.path.join(tmp, "range.bin")
            r = client(["curl", "-k", "-s", "-f", "-r", rng, "-o", out, "-w", "%{http_code}"] + vargs +
                       [URL + "/1m7.bin"])
            ok = r.returncode == 0 and r.stdout == "206" and open(out, "rb").read() == want[lo:hi + 1]
            report("%s: Range %s -> 206 byte-exact" % (vlabel, rng), ok, r.stdout + r.stderr)
    r = client(["curl", "-k", "-s", "-o", "/dev/null", "-r", "2000000-", "-w", "%{http_code}",
                URL + "/1m7.bin"])
    report("Range past the end over TLS -> 416", r.stdout == "416", r.stdout + r.stderr)
    big = os.path.getsize(os.path.join(docroot, "big.bin"))
    lo = big - 3 * 1000 * 1000 - 7
    out = os.path.join(tmp, "range-big.bin")
    r = client(["curl", "-k", "-s", "-f", "-r", "%d-" % lo, "-o", out, URL + "/big.bin"])
    with open(os.path.join(docroot, "big.bin"), "rb") as f:
        f.seek(lo)
        ok = r.returncode == 0 and open(out, "rb").read() == f.read()
    report("Range at an odd offset of big.bin over TLS byte-exact", ok, r.stderr)


# openssl s_client: a request, 'K' (KeyUpdate, update_requested), a second request; both
# responses must come back whole (the second one under the server's next key).
S_CLIENT = r"""
import subprocess, sys, time
want = open(sys.argv[1], "rb").read()
p = subprocess.Popen(["openssl", "s_client", "-connect", "198.18.0.1:443", "-tls1_3"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
req = b"GET /16385b.bin HTTP/1.1\r\nHost: x\r\n\r\n"
p.stdin.write(req); p.stdin.flush(); time.sleep(1)
p.stdin.write(b"K\n"); p.stdin.flush(); time.sleep(1)
p.stdin.write(req.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")); p.stdin.flush()
time.sleep(2)
try:
    out, _ = p.communicate(timeout=20)
except subprocess.TimeoutExpired:
    p.kill(); out, _ = p.communicate()
print(out.count(want), out.count(b"KEYUPDATE"))
"""


def test_keyupdate(docroot):
    before = stats_value(lab("stats", "--all").stdout, "host_tls_key_updates") or 0
    r = client(["python3", "-c", S_CLIENT, os.path.join(docroot, "16385b.bin")], timeout=60)
    ok = r.returncode == 0 and r.stdout.split() == ["2", "1"]
    report("openssl s_client KeyUpdate (update_requested): both responses byte-exact", ok,
           (r.stdout + r.stderr)[-400:])
    time.sleep(1.5)
    after = stats_value(lab("stats", "--all").stdout, "host_tls_key_updates") or 0
    report("the server answered the client's KeyUpdate with its own (host_tls_key_updates %d -> %d)"
           % (before, after), after > before)


# A raw TCP client: send `data`, then (optionally) stall or close; report what came back and how.
RAW = r"""
import socket, sys, time
data = bytes.fromhex(sys.argv[1]); mode = sys.argv[2]
s = socket.create_connection(("198.18.0.1", 443), timeout=30)
s.sendall(data)
if mode == "close":
    s.shutdown(socket.SHUT_WR)
t0 = time.time(); got = b""; how = "eof"
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
except ConnectionResetError:
    how = "rst"
except socket.timeout:
    how = "timeout"
print(how, got[:7].hex() or "-", "%.1f" % (time.time() - t0))
"""


def client_hello():
    """A real ClientHello (Python's ssl module's first flight), hex."""
    p = subprocess.run(["python3", "-c", "import ssl,sys;c=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT);"
                        "c.check_hostname=False;c.verify_mode=ssl.CERT_NONE;i=ssl.MemoryBIO();o=ssl.MemoryBIO();"
                        "s=c.wrap_bio(i,o,server_hostname='x');\ntry: s.do_handshake()\nexcept ssl.SSLWantReadError: pass\n"
                        "sys.stdout.write(o.read().hex())"], capture_output=True, text=True)
    return p.stdout


def test_malformed():
    hello = client_hello()
    cases = [  # (label, bytes, then, an alert required)
        ("garbage instead of a ClientHello", os.urandom(300).hex(), "wait", False),
        ("a handshake record of garbage", "1603010005ffffffffff", "wait", True),
        ("plain HTTP on the TLS port", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".hex(), "wait", False),
        ("a truncated ClientHello, then EOF", hello[:120], "close", False),
    ]
    for label, data, mode, alert in cases:
        r = client(["python3", "-c", RAW, data, mode], timeout=60)
        f = r.stdout.split()
        got = f[1] if len(f) == 3 and f[1] != "-" else ""
        ok = r.returncode == 0 and len(f) >= 2 and f[0] == "eof" and float(f[-1]) < 5 and \
            (got.startswith("15") if alert else got in ("",) or got.startswith("15"))
        report("malformed: %s -> %s, then FIN (no reset, no hang)" % (label, "alert" if got else "close"),
               ok, (r.stdout + r.stderr)[-300:])
    r = client(["openssl", "s_client", "-connect", "198.18.0.1:443", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
               timeout=30)
    err = r.stdout + r.stderr
    report("malformed: a TLS 1.1-only client gets protocol_version", r.returncode != 0 and
           ("protocol version" in err or "unsupported protocol" in err or "no protocols available" in err),
           err[-300:])
    # stalled: half a ClientHello and nothing more; the lab's httpd has a 2 s handshake timeout
    r = client(["python3", "-c", RAW, hello[:120], "wait"], timeout=60)
    f = r.stdout.split()
    ok = r.returncode == 0 and len(f) >= 2 and f[0] == "eof" and 1.5 <= float(f[-1]) < 10
    report("malformed: a client that stalls mid-handshake is dropped after the timeout (%ss)"
           % (f[-1] if f else "?"), ok, (r.stdout + r.stderr)[-300:])
    # the server still serves
    r = client(["curl", "-k", "-s", "-o", "/dev/null", "-w", "%{http_code}", URL + "/1b.bin"])
    report("the server serves HTTPS after the malformed handshakes", r.stdout == "200", r.stdout + r.stderr)
    # httpd rewrites its stats file once a second: read until it shows the stalled client's end
    for _ in range(5):
        st = lab("stats", "--all").stdout
        fails, tos = stats_value(st, "host_tls_handshake_failures"), stats_value(st, "host_tls_handshake_timeouts")
        if (fails or 0) >= 5 and (tos or 0) >= 1:
            break
        time.sleep(1)
    report("host counted the failed handshakes (%s) and the timeout (%s)" % (fails, tos),
           (fails or 0) >= 5 and (tos or 0) >= 1)


def capture(tmp, name, port, fetches):
    r = client(["ip", "-o", "-4", "addr", "show"])
    m = re.search(r"\d+: (\S+?)(@\S+)?\s+inet 198\.18\.0\.2/", r.stdout)
    if not m:
        return None
    cap = os.path.join(tmp, name)

    def fetch():
        for args in fetches:
            client(["curl", "-k", "-s", "-o", "/dev/null"] + args)
    interop.tshark_capture(m.group(1), cap, port, fetch)
    return open(cap, "rb").read() if os.path.exists(cap) else None


def leaks(raw, data, n=200):
    rnd = random.Random(1)
    found = 0
    for _ in range(n):
        off = rnd.randrange(0, len(data) - 16)
        if raw.find(data[off:off + 16]) >= 0:
            found += 1
    return found


def test_pcap(docroot, tmp):
    if not shutil.which("tshark"):
        skip("pcap", "tshark not installed")
        return
    data = open(os.path.join(docroot, "1m7.bin"), "rb").read()
    small = open(os.path.join(docroot, "16385b.bin"), "rb").read()
    raw = capture(tmp, "https.pcap", 443, [[URL + "/1m7.bin"], ["--tlsv1.2", "--tls-max", "1.2", URL + "/1m7.bin"],
                                          ["-r", "5-70000", URL + "/1m7.bin"], [URL + "/16385b.bin"]])
    if raw is None:
        report("pcap: HTTPS capture made", False)
        return
    n, m = leaks(raw, data), leaks(raw, small, 50)
    report("pcap: %d B of HTTPS captured, no file plaintext (%d + %d of 250 probes found)"
           % (len(raw), n, m), len(raw) > 2 * len(data) and n == 0 and m == 0)
    if a_mode_has_http:
        raw = capture(tmp, "http.pcap", 80, [[HTTP_URL + "/1m7.bin"]])
        n = leaks(raw or b"", data)
        report("pcap: the same probes find the plaintext of an HTTP fetch (%d of 200)" % n, n > 150)


def test_loss(docroot, tmp):
    r = lab("netem", "loss 5%")
    if r.returncode != 0:
        report("netem 'loss 5%' applied", False, r.stdout + r.stderr)
        return
    try:
        check_fetch(docroot, tmp, "big.bin", "TLS 1.3 loss 5%", ["--tlsv1.3"], timeout=900)
    finally:
        lab("netem", "clear")


def test_proof(docroot):
    if not interop.check_docroot_hidden(docroot):
        return
    time.sleep(1.5)
    st = lab("stats", "--all").stdout
    fb = stats_value(st, "host_file_payload_bytes")
    nic = stats_value(st, "host_tls_records_nic")
    report("offload proof: host_file_payload_bytes == 0, host_tls_records_nic %s > 0" % nic,
           fb == 0 and nic is not None and nic > 0, "file_payload_bytes=%s" % fb)


def lab_up(a, docroot, extra_args=""):
    env = interop.LAB_ENV
    env["IOTCP_LAB_HTTPD_ARGS"] = ("--tls-handshake-timeout 2000 " + extra_args).strip()
    lab("down")
    r = lab("up", "--tls", "--docroot", docroot, "--mode", a.mode, "--build", a.build, timeout=180)
    report("testbed up with --tls (%s mode%s)" % (a.mode, ", " + extra_args if extra_args else ""),
           r.returncode == 0, r.stdout[-800:] + r.stderr[-800:])
    return r.returncode == 0


a_mode_has_http = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(interop.ROOT, "build"))
    ap.add_argument("--mode", default="offload")
    ap.add_argument("--only", default="clients,ranges,keyupdate,malformed,pcap,proof,loss,serverupdate")
    ap.add_argument("--big-mb", type=int, default=100)
    a = ap.parse_args()
    rc = interop.preflight(a.build, ("curl", "wrk", "openssl"))
    if rc is not None:
        return rc
    tmp = tempfile.mkdtemp(prefix="iotcp-tls-interop-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "docroot")
    make_docroot(docroot, a.big_mb)
    only = a.only.split(",")
    try:
        if not lab_up(a, docroot):
            return 1
        if "clients" in only:
            test_clients(docroot, tmp)
        if "ranges" in only:
            test_ranges(docroot, tmp)
        if "keyupdate" in only:
            test_keyupdate(docroot)
        if "malformed" in only:
            test_malformed()
        if "pcap" in only:
            test_pcap(docroot, tmp)
        if "proof" in only and a.mode == "offload":
            test_proof(docroot)
        if "loss" in only:
            test_loss(docroot, tmp)
        print(lab("stats").stdout)
        if "serverupdate" in only and lab_up(a, docroot, "--key-update-records 48"):
            check_fetch(docroot, tmp, "big.bin", "TLS 1.3, server KeyUpdate every 48 records", ["--tlsv1.3"])
            check_fetch(docroot, tmp, "1m7.bin", "TLS 1.3, server KeyUpdate every 48 records", ["--tlsv1.3"])
            time.sleep(1.5)
            ku = stats_value(lab("stats", "--all").stdout, "host_tls_key_updates") or 0
            report("server KeyUpdates happened (%d)" % ku, ku >= 100)
    finally:
        lab("down")
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (results().count(True), results().count(False)))
    return 0 if results() and all(results()) else 1


def results():
    return interop.results


if __name__ == "__main__":
    sys.exit(main())
