#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make soak (issue 14; not in CI): a private testbed with the ASan+UBSan builds of iotcp-httpd
# and iotcp-nicd (offload mode), a mixed load from the client namespace (scripts/soak_load.py:
# plain fetches, Range requests, resets in the middle of bodies, 200 mostly idle keep-alive
# connections; every body byte checked against its file's pattern) for SOAK_MINUTES, and
# impairments (iotcp-lab netem) that change every SOAK_IMPAIR_SECONDS. Every minute one line:
# RSS of the host (iotcp-httpd) and the NIC (iotcp-nicd), connections, NIC flows and pinned
# store bytes, requests, errors, wrong bytes. At the end: the start and end figures, what the
# servers still hold once the load stopped (waited for up to 90 s), sanitizer reports and
# crashes; exit 1 on a wrong byte, a crash or a sanitizer report.
#
# usage: scripts/soak.sh [BUILD_DIR]   (default build-asan; run as root)
#   SOAK_MINUTES (default 30), SOAK_IMPAIR_SECONDS (default 120), SOAK_MODE (offload|copy)
set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=$(readlink -f "${1:-$REPO/build-asan}")
MINUTES=${SOAK_MINUTES:-30}
IMPAIR_SECONDS=${SOAK_IMPAIR_SECONDS:-120}
MODE=${SOAK_MODE:-offload}
LAB=$REPO/tools/iotcp-lab
IMPAIRMENTS=("clear" "delay 2ms 1ms loss 1%" "loss 2% 25% duplicate 1%" "delay 5ms reorder 10%"
	"corrupt 0.5% rate 500mbit")

[ "$(id -u)" = 0 ] || { echo "soak: needs root (network namespaces, DPDK)"; exit 77; }
for b in apps/nicd/iotcp-nicd apps/httpd/iotcp-httpd tools/iotcp-netem-relay; do
	[ -x "$BUILD/$b" ] || { echo "soak: $BUILD/$b not built (make soak builds it)"; exit 1; }
done

# Private names (pid-derived): never another engineer's lab or the default one.
id=sk$(($$ % 1000000))
export IOTCP_LAB_NS=iotcp-$id IOTCP_LAB_TAG=$id IOTCP_LAB_STATE=/run/iotcp-$id
export IOTCP_LAB_LOGROOT=/var/tmp/iotcp-soak/$id
# A small quarantine: ASan's default (256 MiB of freed memory held back) would make the RSS
# climb for the first minutes of any run and hide a real growth.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
tmp=$(mktemp -d /tmp/iotcp-soak-XXXXXX)
chmod 755 "$tmp"
docroot=$tmp/docroot
status=$tmp/load.json
load_pid=

cleanup() {
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
	"$LAB" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Docroot: soak-NN.bin of sizes 1 KiB .. 16 MiB, file NN filled with byte 1 + NN % 255
# (soak_load.py's pattern_byte), 120 MiB in all: more than the NIC's 64 MiB store.
mkdir -p "$docroot"
python3 - "$docroot" <<'EOF'
import os, sys
sizes = [1024, 4096, 16384, 65536, 100000, 262144, 1 << 20, 3 << 20, 8 << 20, 16 << 20]
n = 0
for rep in range(4):
    for size in sizes:
        if size >= (8 << 20) and rep >= 2:
            continue
        with open(os.path.join(sys.argv[1], "soak-%02d.bin" % n), "wb") as f:
            f.write(bytes([1 + n % 255]) * size)
        n += 1
with open(os.path.join(sys.argv[1], "index.html"), "w") as f:
    f.write("<h1>iotcp soak</h1>\n")
EOF

echo "soak: $MINUTES min, $MODE mode, builds from $BUILD, impairments change every ${IMPAIR_SECONDS}s"
if ! "$LAB" up --docroot "$docroot" --build "$BUILD" --mode "$MODE" >"$tmp/up.log" 2>&1; then
	cat "$tmp/up.log"
	echo "soak: the testbed did not come up"
	exit 1
fi
logdir=$(readlink -f "$(ls -d "$IOTCP_LAB_LOGROOT"/*/ 2>/dev/null | tail -1)")
pid_of() { awk '{print $1; exit}' "$IOTCP_LAB_STATE/pids/$1" 2>/dev/null; }
httpd_pid=$(pid_of httpd) nicd_pid=$(pid_of nicd)
rss() { awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null || echo -; }
stat_of() { awk -v k="$2" '$1 == k {print $2; exit}' "$IOTCP_LAB_STATE/$1.stats" 2>/dev/null; }
load_of() {
	python3 -c 'import json,sys
try: d = json.load(open(sys.argv[1]))
except Exception: d = {}
print(" ".join(str(d.get(k, 0)) for k in sys.argv[2:]))' "$status" "$@"
}

"$LAB" exec python3 "$REPO/scripts/soak_load.py" --docroot "$docroot" --status "$status" \
	>"$tmp/load.out" 2>&1 &
load_pid=$!

printf '%-5s %-26s %10s %10s %6s %5s %9s %9s %7s %7s %6s %5s\n' min impairment host_rss_kb \
	nic_rss_kb conns flows pinned_kb requests resets errors wrong idle
row() { # minute impairment -> prints one line, sets the row_* variables
	local req res err wrong idle cerr bad short tmo
	read -r req res cerr bad short tmo wrong idle < <(load_of requests resets conn_errors \
		bad_status short_bodies timeouts wrong_bytes idle_conns)
	err=$((cerr + bad + short + tmo))
	row_host=$(rss "$httpd_pid") row_nic=$(rss "$nicd_pid")
	row_conns=$(stat_of host tcp_conns) row_flows=$(stat_of nic nic_flows)
	local pinned
	pinned=$(stat_of nic nic_store_pinned_bytes)
	row_pinned=$((${pinned:-0} / 1024))
	row_req=$req row_err=$err row_wrong=$wrong
	printf '%-5s %-26s %10s %10s %6s %5s %9s %9s %7s %7s %6s %5s\n' "$1" "$2" "$row_host" \
		"$row_nic" "$row_conns" "$row_flows" "$row_pinned" "$req" "$res" "$err" "$wrong" "$idle"
}

start=$(date +%s)
end=$((start + MINUTES * 60))
next_impair=$start next_row=$((start + 60)) k=0 minute=0 imp=clear crashed=
start_row=
while [ "$(date +%s)" -lt "$end" ]; do
	now=$(date +%s)
	if [ "$now" -ge "$next_impair" ]; then
		imp=${IMPAIRMENTS[$((k % ${#IMPAIRMENTS[@]}))]}
		"$LAB" netem "$imp" >/dev/null 2>&1 || echo "soak: netem '$imp' failed"
		k=$((k + 1)) next_impair=$((now + IMPAIR_SECONDS))
	fi
	if [ "$now" -ge "$next_row" ]; then
		minute=$((minute + 1))
		row "$minute" "$imp"
		[ -z "$start_row" ] && start_row="$row_host $row_nic $row_conns $row_req $row_err $row_wrong"
		next_row=$((next_row + 60))
	fi
	for p in "$httpd_pid" "$nicd_pid"; do
		[ -d "/proc/$p" ] || crashed="$crashed $p"
	done
	[ -n "$crashed" ] && break
	kill -0 "$load_pid" 2>/dev/null || { echo "soak: the load generator stopped"; cat "$tmp/load.out"; break; }
	sleep 2
done
row end "$imp"
end_row="$row_host $row_nic $row_conns $row_req $row_err $row_wrong"
kill "$load_pid" 2>/dev/null
wait "$load_pid" 2>/dev/null
load_pid=
"$LAB" netem clear >/dev/null 2>&1
# Whatever the host still holds must drain: the keep-alive idle timeout is 30 s, a Linux
# server drops orphaned FIN_WAIT_2 connections after 60 s. Wait up to 90 s.
idle_start=$(date +%s)
while [ -z "$crashed" ] && [ $(($(date +%s) - idle_start)) -lt 90 ]; do
	sleep 5
	[ "$(stat_of host tcp_conns)" = 0 ] && [ "$(stat_of nic nic_flows)" = 0 ] && break
done
idle_after=$(($(date +%s) - idle_start))
row "+${idle_after}s" clear
idle_row="$row_host $row_nic $row_conns"
idle_flows=$row_flows idle_pinned=$row_pinned
read -r total_req total_wrong total_bytes fetches ranges resets < <(load_of requests wrong_bytes \
	body_bytes fetches ranges resets)
alive=yes
for p in "$httpd_pid" "$nicd_pid"; do [ -d "/proc/$p" ] || alive=no; done

"$LAB" down >/dev/null 2>&1 # SIGTERM: LeakSanitizer reports at exit
sleep 1
# sanitizer reports, and the invariant checks' aborts (util/invariant.h) of these builds
san=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|invariant broken' \
	"$logdir"/*.out "$logdir"/*.log 2>/dev/null)

set -- ${start_row:-$end_row}
s_host=$1 s_nic=$2 s_conns=$3
set -- $end_row
e_host=$1 e_nic=$2 e_conns=$3 e_err=$5
set -- $idle_row
echo
echo "== soak figures ($MINUTES min, $MODE mode, ASan build $BUILD)"
echo "  host RSS (iotcp-httpd): start (1 min) ${s_host} KiB, end ${e_host} KiB, ${idle_after} s after the load ${1} KiB"
echo "  NIC RSS (iotcp-nicd):   start (1 min) ${s_nic} KiB, end ${e_nic} KiB, ${idle_after} s after the load ${2} KiB"
echo "  host connections: start ${s_conns}, end ${e_conns}, ${idle_after} s after the load ${3}; NIC flows then ${idle_flows}, pinned ${idle_pinned} KiB"
echo "  requests ${total_req} (fetches ${fetches}, ranges ${ranges}, resets ${resets}), body bytes checked ${total_bytes}"
echo "  errors (connection errors, timeouts, bad status, short bodies) ${e_err}"
echo "  wrong bytes ${total_wrong}"
echo "  crashes: $([ "$alive" = yes ] && echo 0 || echo "server died:$crashed")"
echo "  sanitizer reports and broken invariants: $([ -z "$san" ] && echo 0 ||
	grep -h -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|invariant broken' $san | head -5)"
echo "  logs: $logdir"
[ "$alive" = yes ] && [ -z "$san" ] && [ "${total_wrong:-1}" = 0 ]
