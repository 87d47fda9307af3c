#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The HTTP conformance suite (tests/interop/http/conformance.py) over HTTPS on the testbed.

  https_conformance.py --build BUILD --mode copy|offload

Brings the testbed up with --tls and the conformance suite's docroot, then runs the whole
suite from the client namespace over TLS on port 443 (in offload mode the bodies are records
sealed on the NIC), then again over plain HTTP on port 80 of the same server (no case is
TLS-specific). The suite is the one the plain-HTTP server passes; TLS changes only the
transport: every case (files byte-exact, HEAD, types,
redirects, Range and its edges, If-Range, 304s, errors 400/403/404/405/413/414/416/431/505,
pipelining, keep-alive, a request sent while a body is in flight, lingering close after a 431)
must give the same answer.
Then the lab's access log must hold the HTTPS requests in common log format.
Needs root (exit 77); the testbed is always taken down.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "testbed"))
import interop  # noqa: E402
from interop import lab, report  # noqa: E402

CONFORMANCE = os.path.join(os.path.dirname(HERE), "http", "conformance.py")


def suite(docroot, port, tls, access_log=None):
    cmd = ["python3", CONFORMANCE, "--host", "198.18.0.1", "--port", str(port), "--docroot", docroot]
    if tls:
        cmd.append("--tls")
    if access_log:
        cmd += ["--access-log", access_log]
    r = interop.client(cmd, timeout=600)
    label = "HTTPS" if tls else "HTTP"
    for line in r.stdout.splitlines():
        if line.startswith(("PASS ", "FAIL ")):
            print("%s %s: %s" % (line[:4], label, line[5:]), flush=True)
    report("conformance over %s (port %d): every case passed" % (label, port), r.returncode == 0,
           (r.stdout.splitlines() or [""])[-1] + r.stderr[-300:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(interop.ROOT, "build"))
    ap.add_argument("--mode", default="offload")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, DPDK)")
        return 77
    for b in ("apps/nicd/iotcp-nicd", "apps/httpd/iotcp-httpd"):
        if not os.path.exists(os.path.join(a.build, b)):
            print("SKIP: %s not built" % b)
            return 77
    if not shutil.which("openssl"):
        print("SKIP: openssl not installed (scripts/install-deps.sh installs it)")
        return 77
    tmp = tempfile.mkdtemp(prefix="iotcp-https-conf-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "docroot")
    os.makedirs(docroot)
    subprocess.run(["python3", CONFORMANCE, "--make-docroot", docroot], check=True)
    try:
        lab("down")
        r = lab("up", "--tls", "--docroot", docroot, "--mode", a.mode, "--build", a.build, timeout=180)
        report("testbed up with --tls (%s mode)" % a.mode, r.returncode == 0,
               r.stdout[-800:] + r.stderr[-800:])
        if r.returncode != 0:
            return 1
        logdir = next((l.split(":", 1)[1].strip() for l in r.stdout.splitlines()
                       if l.strip().startswith("logs:")), None)
        suite(docroot, 443, True, os.path.join(logdir, "access.log") if logdir else "/nonexistent")
        # the same cases over plain HTTP on port 80 of the same server: none of them is
        # TLS-specific (they are HTTP semantics), so an HTTPS-only failure shows as a difference
        # between the two runs. After the HTTPS run: its access-log check must not be satisfied
        # by the HTTP requests.
        suite(docroot, 80, False)
        print(lab("stats", "--summary").stdout)
    finally:
        lab("down")
        shutil.rmtree(tmp, ignore_errors=True)
    res = interop.results
    print("%d passed, %d failed" % (res.count(True), res.count(False)))
    return 0 if res and all(res) else 1


if __name__ == "__main__":
    sys.exit(main())
