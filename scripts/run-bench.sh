#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make bench: micro-benchmarks of the TCP core, the macro comparison (bench/macro/bench.py)
# of iotcp-httpd against nginx and lighttpd, then the path benchmark (bench/paths/paths.py:
# iotcp against Linux TCP on impaired lab paths). QUICK=1 runs tiny matrices (make test runs
# them: they fail when a server does not start or a point fails).
# Results: bench/results/ (results.md, results.csv, runs.csv, meta.txt with the commit, *.png),
# the path benchmark's in bench/results/paths/. BENCH_ARGS go to bench.py, PATHS_ARGS to
# paths.py.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
quick=()
[ "${QUICK:-0}" = 1 ] && quick=(--quick)

echo "== micro-benchmarks"
for b in "$build"/bench/*/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	echo "-- $b"
	if [ "${QUICK:-0}" = 1 ]; then "$b" --quick; else "$b"; fi
done

echo "== macro benchmark (servers over network namespaces)"
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: the macro benchmark needs root for network namespaces"
	exit 0
fi
python3 bench/macro/bench.py --build "$build" "${quick[@]}" ${BENCH_ARGS:-}

echo "== path benchmark (iotcp vs Linux TCP on impaired lab paths)"
python3 bench/paths/paths.py --build "$build" "${quick[@]}" ${PATHS_ARGS:-}
