#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Many idle connections (issue 13 item 3), the figures of the closing note:
#   bench/scale/run.sh [BUILD] [N]      (default build/, 100000; root for the lab part)
# 1. the TCP core alone (bench_conns): bytes per idle connection, timer costs at N;
# 2. the whole system on the lab (tests/interop/scale/many_conns.py, offload mode): N idle
#    keep-alive connections held from the client namespace, host and NIC bytes per connection,
#    CPU while idle, refusal beyond --max-conns, the held ones still answering.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$REPO/build}
N=${2:-100000}
"$BUILD/bench/scale/bench_conns" "$N"
echo
python3 "$REPO/tests/interop/scale/many_conns.py" --build "$BUILD" --mode offload --conns "$N" \
	--extra 500 --idle-secs 10
