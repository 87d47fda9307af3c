#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# iotcp-netem-relay between two throwaway namespaces: the configured delay shows in ping RTTs
# and TCP connect times, per direction; counters on SIGUSR1; clean exit on SIGTERM.
# usage: relay_delay.sh RELAY_BINARY
RELAY=${1:?usage: relay_delay.sh RELAY_BINARY}
. "$(dirname "$0")/common.sh"
mk_relay_topology

# 15 ms each way: the round trip takes at least 30 ms (and not much more on an idle path).
start_relay --delay 15ms --seed 1
rtt=$(min_rtt "${T}a" $B_IP 5)
echo "delay 15ms each way: min ping RTT ${rtt} ms"
[ -n "$rtt" ] || fail "no ping reply through the relay"
[ "$rtt" -ge 30 ] && [ "$rtt" -lt 60 ] || fail "RTT $rtt ms, want 30..60 ms"

bg ip netns exec "${T}b" "$PYTHON" -c '
import socket
s = socket.create_server(("'$B_IP'", 8080))
while True:
    s.accept()[0].close()'
sleep 0.5
ms=$(ip netns exec "${T}a" "$PYTHON" "$HERE/tcp_connect_ms.py" $B_IP 8080 3) ||
	fail "TCP connect through the relay failed"
echo "delay 15ms each way: min TCP connect ${ms} ms"
awk -v m="$ms" 'BEGIN { exit !(m >= 30 && m < 60) }' || fail "connect took $ms ms, want 30..60"

# Per direction: 20 ms a->b, none back.
start_relay --delay 20ms/0 --seed 2
rtt=$(min_rtt "${T}a" $B_IP 5)
echo "delay 20ms/0: min ping RTT ${rtt} ms"
[ -n "$rtt" ] && [ "$rtt" -ge 20 ] && [ "$rtt" -lt 35 ] || fail "RTT '$rtt' ms, want 20..35 ms"

# Jitter: delay 10ms +/- 5ms each way keeps every RTT within 10..30 ms (+ slack).
start_relay --delay 10ms --jitter 5ms --seed 3
out=$(ip netns exec "${T}a" ping -n -q -c 10 -i 0.1 -W 2 $B_IP | awk -F'[/ =]+' '/^rtt/ { print $6, $8 }')
echo "delay 10ms jitter 5ms: min/max RTT $out ms"
read -r lo hi <<<"$out"
awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo >= 10 && hi < 45) }' || fail "RTT range $out"

# Counters on SIGUSR1, and again at exit.
kill -USR1 "$RELAY_PID"
sleep 0.3
grep -q '^a2b.rx_frames' "$TMP/relay.log" || fail "no counters after SIGUSR1"
stop_relay || fail "relay exited with status $? on SIGTERM"
[ "$(grep -c '^b2a.delayed' "$TMP/relay.log")" -ge 2 ] || fail "no counters at exit"
[ "$(relay_counter b2a.delayed)" -ge 10 ] || fail "b2a.delayed $(relay_counter b2a.delayed) < 10"
[ "$(relay_counter a2b.tx_frames)" -ge 10 ] || fail "a2b.tx_frames too low"

# Bad options are refused with a usage error (exit 2), before touching any interface.
for bad in "--delay 10" "--loss 120%" "--reorder 5%" "--a a1 --b a1" "--jitter -1ms"; do
	# shellcheck disable=SC2086
	ip netns exec "${T}r" "$RELAY" --a a1 --b b1 $bad >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || fail "relay accepted '$bad' (exit $rc)"
done
ip netns exec "${T}r" "$RELAY" --a a1 --b nosuch0 >"$TMP/bad.out" 2>&1 && fail "relay ran without its interface"
grep -q nosuch0 "$TMP/bad.out" || fail "no clear error for a missing interface"
finish
