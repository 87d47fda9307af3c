#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Offline self-test of the path benchmark's bookkeeping (bench/paths/paths.py), no root:
points and netem words, the full matrix, and that a re-rendered run shows a point with one
failed run as FAILED (with its reason), keeps medians of the good points and exits 1."""
import csv
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("paths", os.path.join(HERE, "paths.py"))
paths = importlib.util.module_from_spec(spec)
spec.loader.exec_module(paths)
failed = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("PASS" if ok else "FAIL", what, " -- %s" % detail if not ok else ""))
    if not ok:
        failed.append(what)


def refused(text):
    try:
        paths.parse_point(text)
    except ValueError:
        return True
    return False


def main():
    check("a point parses", paths.parse_point("10/0.1/25/1gbit") == (10, 0.1, 25, "1gbit"))
    check("netem words: delay is half the RTT, each impairment named",
          paths.netem_args((10, 1, 25, "100mbit")) == "delay 5ms reorder 25% loss 1% rate 100mbit")
    check("a clean point clears the path", paths.netem_args((0, 0, 0, "unlimited")) == "clear")
    check("reorder without delay is refused", refused("0/0/5/unlimited"))
    check("a bad rate is refused", refused("10/0/0/fast"))
    check("the full matrix has 120 points (reorder needs RTT > 0)",
          len(paths.full_matrix()) == 120, str(len(paths.full_matrix())))
    tmp = tempfile.mkdtemp(prefix="iotcp-paths-test-")
    try:
        src, out = os.path.join(tmp, "src"), os.path.join(tmp, "out")
        os.mkdir(src)
        with open(os.path.join(src, "runs.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(paths.RUN_FIELDS)
            for srv, mbps in (("iotcp", (90, 100, 110)), ("linux", (100, 100, 100))):
                for i, m in enumerate(mbps):
                    w.writerow([srv, 10, 0, 25, "unlimited", i, "ok", m, 3, 1000, 2, 2, ""])
            w.writerow(["iotcp", 0, 0, 0, "unlimited", 0, "ok", 500, 1, 0, 0, 0, ""])
            w.writerow(["iotcp", 0, 0, 0, "unlimited", 1, "failed", "nan", "nan", "nan", "nan",
                        "nan", "time limit: 5 of 10 bytes"])
            w.writerow(["linux", 0, 0, 0, "unlimited", 0, "ok", 400, 1, 0, 0, 0, ""])
        r = subprocess.run([sys.executable, os.path.join(HERE, "paths.py"), "--from", src,
                            "--out", out], capture_output=True, text=True)
        md = open(os.path.join(out, "results.md")).read()
        check("a point with a failed run makes the exit status 1", r.returncode == 1,
              "exit %d" % r.returncode)
        check("... and shows as FAILED with its reason",
              "**FAILED** 1/2: time limit: 5 of 10 bytes" in md, md)
        check("the good point shows median (min–max) and the ratio",
              "| 100 (90–110) | 100 | 1x |" in md, md)
        check("the reorder goal is evaluated", "reorder 25% + 10 ms: 1x Linux" in md, md)
    finally:
        shutil.rmtree(tmp)
    print("%d check(s) failed" % len(failed) if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
