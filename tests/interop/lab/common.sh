# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Shared by the lab's namespace tests (sourced). Creates throwaway namespaces named with
# $T (unique per run), removes them on exit whatever happens, and checks that they are gone.
set -uo pipefail
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (creates network namespaces and AF_PACKET sockets)"
	exit 77
fi
for c in ip ping nft tc "${PYTHON:-python3}"; do
	command -v "$c" >/dev/null || { echo "SKIP: '$c' is not installed"; exit 77; }
done
PYTHON=${PYTHON:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
T=lt$$
TMP=$(mktemp -d "/tmp/iotcp-labtest.XXXXXX")
PIDS=()
NSES=()

fail() {
	echo "FAIL: $*"
	for f in "$TMP"/*.log; do [ -s "$f" ] && { echo "---- $f"; tail -n 20 "$f"; }; done
	exit 1
}

# Background process started by the test; killed (by PID) on exit.
bg() { "$@" & PIDS+=($!); }

cleanup() {
	local p
	if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${NSES[@]}"; do ip netns del "$p" 2>/dev/null; done
	rm -rf -- "$TMP"
}
trap cleanup EXIT

mkns() { # NAME...
	local n
	for n in "$@"; do
		ip netns add "$n" || fail "cannot create namespace $n"
		NSES+=("$n")
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip -n "$n" link set lo up
	done
}

# A --- relay --- B: namespaces ${T}a (veth a0, 198.19.7.1), ${T}r (a1, b1),
# ${T}b (b0, 198.19.7.2). Nothing connects a1 and b1 but the relay.
A_IP=198.19.7.1 B_IP=198.19.7.2
mk_relay_topology() {
	mkns "${T}a" "${T}r" "${T}b"
	ip -n "${T}a" link add a0 type veth peer name a1 netns "${T}r" || fail "veth a"
	ip -n "${T}b" link add b0 type veth peer name b1 netns "${T}r" || fail "veth b"
	ip -n "${T}a" addr add $A_IP/24 dev a0
	ip -n "${T}b" addr add $B_IP/24 dev b0
	for l in a0:a a1:r b1:r b0:b; do ip -n "${T}${l#*:}" link set "${l%:*}" up; done
}

RELAY_PID=
# Starts the relay between a1 and b1 with the given options; waits for "ready".
start_relay() {
	stop_relay
	: >"$TMP/relay.log"
	ip netns exec "${T}r" "$RELAY" --a a1 --b b1 "$@" >"$TMP/relay.log" 2>&1 &
	RELAY_PID=$!
	PIDS+=("$RELAY_PID")
	for _ in $(seq 50); do
		grep -q '^ready' "$TMP/relay.log" && return 0
		kill -0 "$RELAY_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "relay did not start: $(cat "$TMP/relay.log")"
}

stop_relay() { # the exit status of the relay, which must leave on SIGTERM
	local rc=0
	[ -n "$RELAY_PID" ] || return 0
	kill -TERM "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" || rc=$?
	RELAY_PID=
	return $rc
}

# Counter KEY from the relay's last printout.
relay_counter() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$TMP/relay.log"; }

min_rtt() { # NS ADDR COUNT: the smallest ping RTT in ms, as an integer (floor)
	ip netns exec "$1" ping -n -q -c "$3" -i 0.2 -W 2 "$2" |
		awk -F'[/ =]+' '/^rtt|^round-trip/ { printf "%d\n", $6 }'
}

rtt_samples() { # NS ADDR COUNT: each ping RTT in ms, one per line (lost pings are absent)
	ip netns exec "$1" ping -n -c "$3" -i 0.2 -W 2 "$2" | grep -o 'time=[0-9.]*' | cut -d= -f2
}
median_int() { # the median of the numbers on stdin, as an integer (floor); '' when none
	sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%d\n", a[int((NR + 1) / 2)] }'
}

snmp() { # NS PROTO FIELD: a counter from /proc/net/snmp of namespace NS
	ip netns exec "$1" cat /proc/net/snmp | awk -v p="$2:" -v f="$3" '
		$1 == p && !h { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1; next }
		$1 == p && h { print $c }'
}

# Checks no namespace of this test is left (run after cleanup by the EXIT trap's caller).
check_clean() {
	if ip netns list | awk '{ print $1 }' | grep -q "^${T}"; then
		fail "namespaces left behind: $(ip netns list | grep "^${T}")"
	fi
}

# Ends a passing test: removes everything, then proves it is gone.
finish() {
	local p
	cleanup
	trap - EXIT
	check_clean
	for p in "${PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && fail "process $p still running after cleanup"
	done
	[ -e "$TMP" ] && fail "$TMP left behind"
	echo "PASS"
	exit 0
}
