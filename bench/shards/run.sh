#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Host shards' scaling (issue 13 item 1): requests/s at 4 KiB x 256 connections with 1 and 2
# shards, host CPU per worker, NIC CPU (bench/shards/shards_bench.py; root, a private lab).
#   bench/shards/run.sh [BUILD] [SECS] [RUNS] [MODE]   (default build/, 10 s, 3 runs, offload)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 "$REPO/bench/shards/shards_bench.py" --build "${1:-$REPO/build}" \
	--secs "${2:-10}" --runs "${3:-3}" --mode "${4:-offload}"
