#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# iotcp-netem-relay between two throwaway namespaces: corrupted frames are dropped by the
# receiver's checksum; reorder, loss and duplicate have their effect.
# usage: relay_impair.sh RELAY_BINARY
RELAY=${1:?usage: relay_impair.sh RELAY_BINARY}
. "$(dirname "$0")/common.sh"
mk_relay_topology

# N numbered UDP datagrams A -> B through the relay; prints the receiver's summary.
udp_run() { # N GAP_MS
	local port=$((9000 + RANDOM % 1000))
	ip netns exec "${T}b" "$PYTHON" "$HERE/udp_probe.py" recv $B_IP $port 1.0 >"$TMP/recv.out" &
	local rpid=$!
	PIDS+=("$rpid")
	# Python starts slowly on a loaded machine: wait up to 30 s for the receiver's socket.
	for _ in $(seq 600); do grep -q listening "$TMP/recv.out" && break; sleep 0.05; done
	grep -q listening "$TMP/recv.out" || fail "udp receiver did not start within 30 s"
	ip netns exec "${T}a" "$PYTHON" "$HERE/udp_probe.py" send $B_IP $port "$1" "$2"
	wait "$rpid"
	tail -n 1 "$TMP/recv.out"
}
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"; }

# Control: nothing asked, everything arrives in order (ARP resolved first by a ping).
start_relay --seed 1
ip netns exec "${T}a" ping -n -q -c 1 -W 2 $B_IP >/dev/null || fail "no path through the relay"
out=$(udp_run 50 1)
echo "no impairment: $out"
[ "$(field received "$out")" -eq 50 ] && [ "$(field inversions "$out")" -eq 0 ] || fail "control run: $out"

# Corrupt every a->b frame: none is delivered, the receiver counts checksum errors.
start_relay --corrupt 100%/0 --seed 2
csum0=$(snmp "${T}b" Udp InCsumErrors)
err0=$(snmp "${T}b" Udp InErrors)
icmp0=$(snmp "${T}b" Icmp InCsumErrors)
out=$(udp_run 50 1)
csum=$(($(snmp "${T}b" Udp InCsumErrors) - csum0))
err=$(($(snmp "${T}b" Udp InErrors) - err0))
echo "corrupt 100%: $out; receiver Udp InCsumErrors +$csum InErrors +$err"
[ "$(field received "$out")" -eq 0 ] || fail "corrupted datagrams were delivered: $out"
[ "$csum" -ge 40 ] && [ "$err" -ge 48 ] || fail "receiver checksum counters: +$csum/+$err of 50"
ip netns exec "${T}a" ping -n -q -c 3 -i 0.2 -W 1 $B_IP >/dev/null && fail "corrupted pings answered"
icmp=$(($(snmp "${T}b" Icmp InCsumErrors) - icmp0))
[ "$icmp" -ge 3 ] || fail "Icmp InCsumErrors +$icmp, want 3"
stop_relay || fail "relay exit status"
[ "$(relay_counter a2b.corrupted)" -ge 53 ] || fail "relay a2b.corrupted $(relay_counter a2b.corrupted)"

# Reorder: with a 20 ms delay, half the frames skip it and overtake the others.
start_relay --delay 20ms --reorder 50% --seed 3
out=$(udp_run 100 1)
echo "delay 20ms reorder 50%: $out"
[ "$(field unique "$out")" -eq 100 ] && [ "$(field inversions "$out")" -ge 10 ] || fail "reorder: $out"

# Loss 50% and duplicate 100%, a->b only.
start_relay --loss 50%/0 --seed 4
out=$(udp_run 200 0.5)
echo "loss 50%: $out"
r=$(field received "$out")
[ "$r" -ge 60 ] && [ "$r" -le 140 ] || fail "loss 50%: $r of 200 arrived"
start_relay --duplicate 100%/0 --seed 5
out=$(udp_run 100 1)
echo "duplicate 100%: $out"
[ "$(field received "$out")" -eq 200 ] && [ "$(field unique "$out")" -eq 100 ] || fail "duplicate: $out"
stop_relay || fail "relay exit status"
[ "$(relay_counter a2b.duplicated)" -ge 100 ] || fail "relay a2b.duplicated"
finish
