#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""iotcp-httpd --workers N, its supervisor (issue 13 item 1), on kernel sockets: no root.

  workers_linux.py --launch BINARY      (iotcp-httpd-linux)

iotcp-httpd-linux --workers 2 on a free loopback port (SO_REUSEPORT: the kernel spreads the
connections, as the NIC's steering does for the IO-TCP build). Checks:
  * the parent starts 2 workers, each logs its index and pid, both listen on the one port;
  * 200 requests (one connection each) are answered byte-exact, and both workers' stats files
    (F and F.1) count requests, adding up to 200;
  * worker 1 SIGKILLed: the parent logs it ("killed by signal 9"), does not restart it, stays
    up with worker 0, and 50 more requests are all answered by worker 0;
  * SIGTERM to the parent: it forwards it, worker 0 exits 0, the parent exits non-zero (a
    worker died badly) within 10 s, and no worker is left.
Each check prints PASS/FAIL; exit 1 if any failed.
"""
import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

results = []


def report(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (" -- " + detail) if detail and not ok else ""),
          flush=True)
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(("GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
    buf = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0], body


def requests(path):
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.strip().partition(" ")
                if k == "httpd_requests":
                    return int(v)
    except OSError:
        pass
    return None


def stats_after(path, t0, timeout=5):
    """httpd_requests from a rewrite of path after t0 (the stats are rewritten once a second)."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            if os.stat(path).st_mtime > t0 + 1.1:
                v = requests(path)
                if v is not None:
                    return v
        except OSError:
            pass
        time.sleep(0.05)
    return requests(path)


def children(pid):
    kids = set()
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                kids |= {int(x) for x in f.read().split()}
    except OSError:
        pass
    return kids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--launch", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="iotcp-workers-")
    body = os.urandom(20000)
    with open(os.path.join(tmp, "f"), "wb") as f:
        f.write(body)
    want = hashlib.sha256(body).hexdigest()
    port = free_port()
    st = os.path.join(tmp, "stats")
    out = open(os.path.join(tmp, "out"), "w+")
    pids = {}
    p = subprocess.Popen([args.launch, "--mode", "copy", "--docroot", tmp, "--ip", "127.0.0.1/8",
                          "--ip6", "none", "--port", str(port), "--workers", "2",
                          "--stats-file", st], stdout=out, stderr=subprocess.STDOUT)
    try:
        end = time.time() + 10
        while time.time() < end and len(pids) < 2:
            out.seek(0)
            log = out.read()
            pids = {int(m.group(1)): int(m.group(2))
                    for m in re.finditer(r"worker (\d+) \(pid (\d+)\)", log)}
            if len(pids) == 2 and log.count("serving http://") < 2:
                pids = {}
            time.sleep(0.1)
        report("2 workers started and listening: %s" % pids,
               len(pids) == 2 and set(pids.values()) == children(p.pid))
        if len(pids) != 2:
            return 1
        t0 = time.time()
        ok = 0
        for _ in range(200):
            status, b = get(port, "f")
            ok += status.startswith(b"HTTP/1.1 200") and hashlib.sha256(b).hexdigest() == want
        report("200 requests answered byte-exact (%d)" % ok, ok == 200)
        r0, r1 = stats_after(st, t0), stats_after(st + ".1", t0)
        report("both workers served (worker 0: %s, worker 1: %s requests)" % (r0, r1),
               r0 is not None and r1 is not None and r0 > 0 and r1 > 0 and r0 + r1 == 200)

        os.kill(pids[1], signal.SIGKILL)
        time.sleep(0.5)
        out.seek(0)
        log = out.read()
        report("the parent logged the dead worker",
               "worker 1 (pid %d) killed by signal 9" % pids[1] in log, log[-300:])
        report("the parent and worker 0 run, worker 1 not restarted",
               p.poll() is None and children(p.pid) == {pids[0]}, str(children(p.pid)))
        t0 = time.time()
        ok = 0
        for _ in range(50):
            status, b = get(port, "f")
            ok += status.startswith(b"HTTP/1.1 200") and hashlib.sha256(b).hexdigest() == want
        report("50 requests after the kill answered by worker 0 (%d)" % ok, ok == 50)
        r0b = stats_after(st, t0)
        report("worker 0 counted them (%s -> %s)" % (r0, r0b), r0b is not None and r0b - r0 == 50)

        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        out.seek(0)
        log = out.read()
        report("SIGTERM: the parent exits (status %s: a worker died badly) and worker 0 exits 0"
               % rc, rc not in (None, 0) and "worker 0 (pid %d) exited with status 0" % pids[0] in log,
               log[-300:])
        report("no worker left", not any(os.path.exists("/proc/%d" % x) and
                                          "Z" not in open("/proc/%d/stat" % x).read().split()[2]
                                          for x in pids.values()))
    finally:
        if p.poll() is None:
            p.kill()  # only the process this test started
            p.wait()
        for x in pids.values():  # the workers of the server this test started
            try:
                os.kill(x, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
