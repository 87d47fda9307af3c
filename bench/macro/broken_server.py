#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""An HTTP/1.1 file server that fails on purpose, for the benchmark's self-test
(bench/macro/test_bench.py): the benchmark must mark its points failed.

  broken_server.py --docroot DIR --port N --fail 500|short|slow|stall|nostart [--good N]

The first --good requests (default 4: the benchmark's start probe and preflight) are served
correctly; after them:
  500      every response is "500 Internal Server Error"
  short    200 with a Content-Length and body half the file's size
  slow     each response is sent 1.5 s late (later than the benchmark's wrk timeout of 1 s)
  stall    the request is read and never answered
  nostart  the process exits at once (status 1) without listening
"""
import argparse
import http.server
import os
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docroot", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--fail", required=True, choices=["500", "short", "slow", "stall", "nostart"])
    ap.add_argument("--good", type=int, default=4)
    a = ap.parse_args()
    if a.fail == "nostart":
        print("broken_server: exiting without listening (--fail nostart)", file=sys.stderr)
        return 1
    served = [0]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            with lock:
                served[0] += 1
                good = served[0] <= a.good
            path = os.path.join(a.docroot, os.path.basename(self.path))
            try:
                with open(path, "rb") as f:
                    body = f.read()
            except OSError:
                self.send_error(404)
                return
            if not good and a.fail == "500":
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if not good and a.fail == "stall":
                while True:
                    time.sleep(3600)
            if not good and a.fail == "slow":
                time.sleep(1.5)
            if not good and a.fail == "short":
                body = body[:len(body) // 2]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("0.0.0.0", a.port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
