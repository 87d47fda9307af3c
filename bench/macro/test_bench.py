#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Self-test of the macro benchmark's honesty (bench/macro/bench.py).

  test_bench.py --offline                 the run classification, point status, goals table,
                                          and the old reference run re-read (no root)
  test_bench.py --build BUILD             as root: `make bench-quick`'s script
                                          (scripts/run-bench.sh, QUICK=1) with servers broken
                                          on purpose must exit non-zero and show every point
                                          failed for its reason, while a working server passes

Exit 0 when every check holds, 1 otherwise, 77 (skip) for the second form without root.
"""
import argparse
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("bench", os.path.join(HERE, "bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

failed = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("PASS" if ok else "FAIL", what, (" -- %s" % detail) if detail and not ok
                       else ""), flush=True)
    if not ok:
        failed.append(what)


def wrk(requests=1000, nbytes=None, rc=0, **errs):
    s = {"requests": requests, "duration_us": 2000000, "connect": 0, "read": 0, "write": 0,
         "status": 0, "timeout": 0, "p50_us": 100, "p99_us": 900}
    s["bytes"] = requests * (4096 + 200) if nbytes is None else nbytes
    s.update(errs)
    return {"rc": rc, "wrk": s, "stderr": ""}


def offline():
    cr = bench.check_run
    check("a clean run succeeds", cr(wrk(), 4096, 8, 200) == [])
    check("a socket timeout fails the run", any("timeout 3" in w for w in cr(wrk(timeout=3), 4096, 8, 200)))
    check("a read error fails the run", any("read 1" in w for w in cr(wrk(read=1), 4096, 8, 200)))
    check("a non-2xx/3xx response fails the run",
          any("non-2xx" in w for w in cr(wrk(status=5), 4096, 8, 200)))
    check("a non-zero wrk exit fails the run", any("exit 1" in w for w in cr(wrk(rc=1), 4096, 8, 200)))
    check("no summary fails the run", cr({"rc": 0, "wrk": None, "stderr": ""}, 4096, 8, 200) != [])
    check("no completed request fails the run",
          any("no request" in w for w in cr(wrk(requests=0, nbytes=0), 4096, 8, 200)))
    check("fewer requests than connections fails the run",
          any("completed none" in w for w in cr(wrk(requests=3), 4096, 8, 200)))
    check("fewer body bytes than requests x size fails the run",
          any("body bytes" in w for w in cr(wrk(nbytes=1000 * (2048 + 200)), 4096, 8, 200)))
    check("wrk's timeout is shorter than the run",
          all(bench.wrk_timeout(s) < s for s in range(bench.MIN_SECONDS, 60)))

    def run(ok, rps):
        r = {m: 1.0 for m in bench.METRICS}
        r.update(rps=rps, failures=[] if ok else ["socket errors: timeout 2"])
        return r
    row = bench.finish_row({"server": "x", "size": "4k", "conns": 8, "stages": {},
                            "runs": [run(True, 100), run(False, 5), run(True, 300)]},
                           3, ["run 2: socket errors: timeout 2"])
    check("a point with one failed run of three is failed", row["status"] == "failed")
    check("its run count is the runs that succeeded", row["n"] == 2 and row["wanted"] == 3)
    check("its figures come from the successful runs only", row["sum"]["rps"][1] == 100)
    table = bench.main_table([row], False)
    check("the table shows a failed point as FAILED, not as a median",
          "**FAILED**" in table and "200" not in table.split("\n")[2], table)

    def point(server, size, conns, cpu, rpc, gbps=10.0, status="ok"):
        s = {m: (float("nan"),) * 3 for m in bench.METRICS}
        s.update(host_cpu_per_gb=(cpu,) * 3, rps_per_host_core=(rpc,) * 3, gbps=(gbps,) * 3,
                 nic_cpu_per_gb=(0.1,) * 3, machine_cpu_per_gb=(1.0,) * 3)
        return {"server": server, "size": size, "conns": conns, "status": status, "n": 3,
                "wanted": 3, "failures": "", "sum": s, "stages": {}}
    rows = [point("iotcp-offload", "1m", 16, 0.01, 50000), point("nginx-1w", "1m", 16, 0.40, 1),
            point("lighttpd", "1m", 16, 0.20, 1), point("nginx-2w", "1m", 16, 0.10, 1,
                                                        status="failed"),
            point("iotcp-offload", "4k", 64, 1.0, 250000), point("lighttpd", "4k", 64, 2.0, 100000),
            point("nginx-1w", "4k", 64, 3.0, 150000)]
    goals = bench.goals_table(rows)
    check("the goals table takes the best successful Linux server (lighttpd over nginx; a "
          "failed nginx-2w is not the best)", "0.2 (lighttpd)" in goals and "**20.0** (goal ≥ 25: "
          "not met)" in goals, goals)
    check("the req/s per core goal is against the best Linux server", "**1.67** (goal ≥ 2: not "
          "met) (nginx-1w)" in goals, goals)
    ref = os.path.join(ROOT, "bench", "reference", "2026-11-26")
    if os.path.isdir(ref):
        old = {(r["server"], r["size"], r["conns"]): r for r in bench.load_rows(ref)}
        check("the old reference run re-read: 256m x 256 of iotcp-offload (no request "
              "completed) is failed", old[("iotcp-offload", "256m", 256)]["status"] == "failed")
        check("... and 1m x 16 of nginx-1w is not",
              old[("nginx-1w", "1m", 16)]["status"] == "ok")


def broken(build):
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    out = tempfile.mkdtemp(prefix="iotcp-bench-selftest-")
    servers = "linux-httpd,broken-500,broken-short,broken-slow,broken-stall,broken-nostart"
    env = dict(os.environ, QUICK="1", BENCH_ARGS="--servers %s --sizes 4k --out %s" % (servers, out))
    r = subprocess.run(["bash", os.path.join(ROOT, "scripts", "run-bench.sh"), build], env=env,
                       capture_output=True, text=True, timeout=600)
    print(r.stderr[-3000:])
    check("bench-quick exits non-zero when a server or a point fails", r.returncode != 0,
          "exit %d" % r.returncode)
    try:
        with open(os.path.join(out, "results.csv")) as f:
            rows = {rec["server"]: rec for rec in csv.DictReader(f)}
    except OSError as e:
        check("results.csv written", False, str(e))
        return 1
    want = {"linux-httpd": ("ok", ""), "broken-500": ("failed", "non-2xx"),
            "broken-short": ("failed", "body bytes"), "broken-slow": ("failed", "timeout"),
            "broken-stall": ("failed", "completed none"),
            "broken-nostart": ("failed", "did not start")}
    for server, (status, why) in want.items():
        rec = rows.get(server)
        check("%s: %s%s" % (server, status, (" (%s)" % why) if why else ""),
              rec is not None and rec["status"] == status and why in rec["failures"],
              rec and "%s: %s" % (rec["status"], rec["failures"]))
    md = open(os.path.join(out, "results.md")).read()
    check("results.md lists the failed points", md.count("**FAILED**") == 5, md[-1500:])
    subprocess.run(["rm", "-rf", out])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--offline", action="store_true")
    ap.add_argument("--build")
    a = ap.parse_args()
    if a.offline:
        offline()
    elif a.build:
        rc = broken(os.path.abspath(a.build))
        if rc == 77:
            return 77
    else:
        ap.error("--offline or --build BUILD")
    print("%d check(s) failed" % len(failed) if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
