#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""iotcp-httpd's status page (--status ADDR:PORT, issue 12 item 6), fetched by real clients.

  status_page.py --launch BINARY
      iotcp-httpd-linux (the server on kernel sockets) with --status 127.0.0.1:P: the page is
      served there (nginx stub_status' lines, counters that follow the traffic), a connection
      to the same port on another local address (127.0.0.2) is refused, the HTTP port does not
      serve it, and without --status nothing listens on P;
  status_page.py --lab --build BUILD --mode offload|copy
      the testbed with --status 198.18.0.1:8080: curl from the client namespace gets the page,
      its byte counters show where the file bytes went (offload: all by the NIC, none touched
      by the host), and port 80 does not serve it.
Each check prints PASS/FAIL; exit 1 if any failed, 77 when skipped (with the reason).
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = re.compile(r"\AActive connections: (\d+) \n"
                  r"server accepts handled requests\n"
                  r" (\d+) (\d+) (\d+) \n"
                  r"Reading: (\d+) Writing: (\d+) Waiting: (\d+) \n"
                  r"File bytes offloaded: (\d+)\n"
                  r"File bytes host-touched: (\d+)\n"
                  r"Offloaded share: (-|[\d.]+%)\n\Z")
results = []


def report(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (" -- " + detail) if detail and not ok else ""),
          flush=True)


def parse(body):
    m = PAGE.match(body)
    if not m:
        return None
    keys = ("active", "accepts", "handled", "requests", "reading", "writing", "waiting",
            "offloaded", "host")
    return dict(zip(keys, (int(v) for v in m.groups()[:9])))


def http_get(addr, port, path="/", timeout=5):
    """(status, headers dict, body text) of a GET over a fresh connection."""
    s = socket.create_connection((addr, port), timeout=timeout)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n" % path).encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, v in (l.split(":", 1) for l in lines[1:]))
    return int(lines[0].split()[1]), headers, body.decode("latin-1")


def refused(addr, port):
    try:
        socket.create_connection((addr, port), timeout=3).close()
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_listen(addr, port):
    for _ in range(100):
        try:
            socket.create_connection((addr, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start(binary, docroot, port, extra):
    env = dict(os.environ, IOTCP_LINUX_DOCROOT=docroot)
    p = subprocess.Popen([binary, "--mode", "copy", "--docroot", docroot, "--port", str(port)] + extra,
                         env=env, stdout=subprocess.DEVNULL)
    wait_listen("127.0.0.1", port)
    return p


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def run_launch(binary):
    tmp = tempfile.mkdtemp(prefix="iotcp-status-")
    docroot = os.path.join(tmp, "root")
    os.makedirs(docroot)
    with open(os.path.join(docroot, "f.bin"), "wb") as f:
        f.write(os.urandom(100000))
    port, sport = free_port(), free_port()
    procs = []
    try:
        p = start(binary, docroot, port, [])
        procs.append(p)
        report("without --status nothing listens on the status port", refused("127.0.0.1", sport))
        stop(procs.pop())
        r = subprocess.run([binary, "--status", "127.0.0.1:99999"], capture_output=True, text=True)
        report("--status with a bad port: exit 2 with a message",
               r.returncode == 2 and "--status" in r.stderr, r.stderr)
        procs.append(start(binary, docroot, port, ["--status", "127.0.0.1:%d" % sport]))
        wait_listen("127.0.0.1", sport)
        st, hdr, body = http_get("127.0.0.1", sport)
        page = parse(body)
        report("status page: 200 text/plain in stub_status' format", st == 200 and page and
               hdr.get("content-type", "").startswith("text/plain"), "%d %r" % (st, body[:300]))
        for _ in range(3):
            http_get("127.0.0.1", port, "/f.bin")
        # a keep-alive client that stays idle: one 'Waiting' connection
        idle = socket.create_connection(("127.0.0.1", port))
        idle.sendall(b"GET /f.bin HTTP/1.1\r\nHost: s\r\n\r\n")
        got = b""
        while len(got) < 100000:
            got += idle.recv(65536)
            if b"\r\n\r\n" in got:
                got_body = got.split(b"\r\n\r\n", 1)[1]
                if len(got_body) >= 100000:
                    break
        time.sleep(0.2)
        st, _, body = http_get("127.0.0.1", sport, "/anything")
        after = parse(body)
        ok = after and page and after["requests"] == page["requests"] + 5 and \
            after["accepts"] == page["accepts"] + 5 and after["handled"] == after["accepts"] and \
            after["active"] == 2 and after["waiting"] == 1 and after["writing"] == 1 and \
            after["host"] >= 4 * 100000 and after["offloaded"] == 0
        report("counters follow the traffic (4 fetches + this one; 1 idle keep-alive waiting, "
               "this request writing; 400000 B host-touched in copy mode)", ok, "%s -> %s" % (page, after))
        idle.close()
        st, _, _ = http_get("127.0.0.1", port, "/status")
        report("the HTTP port does not serve the page (404)", st == 404, "status %d" % st)
        r = refused("127.0.0.2", sport)
        report("bound to 127.0.0.1: a connection to 127.0.0.2:%d is refused" % sport, r)
        st, _, body = http_get("127.0.0.1", sport)
        report("status page still served", st == 200 and parse(body))
        report("server still running", procs[-1].poll() is None)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)


def run_lab(build, mode):
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "testbed"))
    import interop
    tmp = tempfile.mkdtemp(prefix="iotcp-status-lab-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "docroot")
    os.makedirs(docroot)
    with open(os.path.join(docroot, "m1.bin"), "wb") as f:
        f.write(os.urandom(1 << 20))
    os.chmod(os.path.join(docroot, "m1.bin"), 0o644)
    env = interop.LAB_ENV
    env["IOTCP_LAB_HTTPD_ARGS"] = "--status 198.18.0.1:8080"
    try:
        interop.lab("down")
        r = interop.lab("up", "--docroot", docroot, "--mode", mode, "--build", build, timeout=180)
        report("testbed up (%s mode, --status 198.18.0.1:8080)" % mode, r.returncode == 0,
               r.stdout[-800:] + r.stderr[-800:])
        if r.returncode != 0:
            return
        for _ in range(3):
            interop.client(["curl", "-s", "-o", "/dev/null", "http://198.18.0.1/m1.bin"])
        r = interop.client(["curl", "-s", "-S", "-D", "-", "http://198.18.0.1:8080/"])
        head, _, body = r.stdout.replace("\r\n", "\n").partition("\n\n")
        page = parse(body)
        report("curl from the client namespace: 200 and the page", r.returncode == 0 and
               head.startswith("HTTP/1.1 200") and page, (r.stdout + r.stderr)[-400:])
        if page:
            want_off = (page["offloaded"] >= 3 << 20 and page["host"] == 0) if mode == "offload" \
                else page["host"] >= 3 << 20
            report("%s mode: file bytes %d offloaded, %d host-touched; %d requests" %
                   (mode, page["offloaded"], page["host"], page["requests"]),
                   want_off and page["requests"] >= 4 and page["writing"] >= 1, str(page))
        r = interop.client(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "http://198.18.0.1/status"])
        report("port 80 does not serve the page (404)", r.stdout == "404", r.stdout + r.stderr)
    finally:
        interop.lab("down")
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--launch")
    ap.add_argument("--lab", action="store_true")
    ap.add_argument("--build")
    ap.add_argument("--mode", default="offload")
    a = ap.parse_args()
    if a.lab:
        if os.geteuid() != 0:
            print("SKIP: needs root (network namespaces, DPDK)")
            return 77
        run_lab(a.build, a.mode)
    else:
        run_launch(a.launch)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
