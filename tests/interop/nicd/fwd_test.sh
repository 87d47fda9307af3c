#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Forwarding through iotcp-nicd with real DPDK processes, both ways:
#   memif_peer (memif client, "host") <-> iotcp-nicd <-> tap in namespace iotcp-t-<pid>
# The peer does the HELLO exchange, then an ARP request for 198.18.0.2 must reach the namespace's
# kernel and its reply come back. Also checks that no 0x88B5 frame reached the wire, that
# malformed commands were counted, and that SIGTERM leaves nothing behind.
# Usage: fwd_test.sh NICD_BINARY PEER_BINARY.  Exit 77 (skip) when not root or DPDK cannot start.
set -u
NICD=$1
PEER=$2
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (namespaces, tap, /var/run/dpdk)"
	exit 77
fi
for tool in ip; do
	command -v $tool >/dev/null || { echo "SKIP: $tool not found"; exit 77; }
done

ID=$$
NS=iotcp-t-$ID
TAP=iotcpt$ID
TAP=${TAP:0:15}
NPFX=iotcp-t-nicd-$ID
PPFX=iotcp-t-peer-$ID
DIR=$(mktemp -d /tmp/iotcp-fwd-XXXXXX)
NICD_PID=
# A locally administered unicast MAC for the kernel side, unlike the DPDK port's random one.
KMAC=$(printf '02:%02x:%02x:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) \
	$((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))

cleanup() {
	if [ -n "$NICD_PID" ] && kill -0 "$NICD_PID" 2>/dev/null; then
		kill -TERM "$NICD_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$NICD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$NICD_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	ip link del "$TAP" 2>/dev/null
	rm -rf "/var/run/dpdk/$NPFX" "/var/run/dpdk/$PPFX" "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	echo "--- nicd log"; cat "$DIR/nicd.log" 2>/dev/null
	echo "--- nicd stats"; cat "$DIR/stats" 2>/dev/null
	exit 1
}

stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$DIR/stats"; }

# 1. The NIC daemon (daemon mode: returns once its ports are up).
if ! "$NICD" --host-socket "$DIR/host.sock" --wire "tap:$TAP" --lcore 0 --file-prefix "$NPFX" \
	--stats-file "$DIR/stats" --log-file "$DIR/nicd.log" --pid-file "$DIR/nicd.pid" \
	--docroot "$DIR"; then
	echo "--- nicd log"; cat "$DIR/nicd.log"
	if grep -q "rte_eal_init failed" "$DIR/nicd.log"; then
		echo "SKIP: DPDK cannot start here"
		exit 77
	fi
	fail "iotcp-nicd did not start"
fi
NICD_PID=$(cat "$DIR/nicd.pid")
echo "nicd running as $NICD_PID"

# 2. The wire: move the tap into a fresh namespace as 198.18.0.2/24.
ip netns add "$NS" || fail "cannot create namespace $NS"
ip link set "$TAP" netns "$NS" || fail "cannot move $TAP into $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link set "$TAP" address "$KMAC" || fail "cannot set the kernel-side MAC"
ip -n "$NS" addr add 198.18.0.2/24 dev "$TAP"
ip -n "$NS" link set "$TAP" up || fail "cannot bring $TAP up"
# The kernel's own traffic (IPv6 router solicitations) would be counted on the wire; turn it off.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null

# 3. The host side: HELLO, heartbeat, bad commands, ARP through the NIC.
RX0=$(ip netns exec "$NS" cat "/sys/class/net/$TAP/statistics/rx_packets")
"$PEER" --socket "$DIR/host.sock" --file-prefix "$PPFX" --lcore 1 --timeout 10 \
	>"$DIR/peer.out" 2>&1
PEER_RC=$?
cat "$DIR/peer.out"
[ $PEER_RC = 77 ] && { echo "SKIP: DPDK cannot start the peer"; exit 77; }
[ $PEER_RC = 0 ] || fail "memif peer failed (rc $PEER_RC)"
RX1=$(ip netns exec "$NS" cat "/sys/class/net/$TAP/statistics/rx_packets")
SENT_WIRE=$(awk '$1 == "sent_wire_frames" { print $2 }' "$DIR/peer.out")
SENT_PROTO=$(awk '$1 == "sent_proto_frames" { print $2 }' "$DIR/peer.out")

# 4. What reached the wire: exactly the peer's non-command frames, none of its commands.
sleep 1.2 # one stats period
echo "kernel received $((RX1 - RX0)) frames; peer sent $SENT_WIRE wire frames, $SENT_PROTO commands"
[ $((RX1 - RX0)) = "$SENT_WIRE" ] || fail "the wire saw $((RX1 - RX0)) frames, expected $SENT_WIRE"
[ "$(stat_of malformed)" -ge 1 ] || fail "malformed command not counted"
[ "$(stat_of unknown_cmds)" -ge 1 ] || fail "unknown command not counted"
[ "$(stat_of hello_rx)" -ge 1 ] || fail "hello_rx not counted"
[ "$(stat_of forwarded_to_host)" -ge 1 ] || fail "nothing forwarded to the host"
[ "$(stat_of forwarded_to_wire)" -ge "$SENT_WIRE" ] || fail "forwarded_to_wire too small"

# 5. Clean shutdown on SIGTERM: process gone, runtime dir and socket removed, stats written.
kill -TERM "$NICD_PID"
for _ in $(seq 100); do kill -0 "$NICD_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$NICD_PID" 2>/dev/null && fail "nicd still running 10 s after SIGTERM"
NICD_PID=
[ -e "/var/run/dpdk/$NPFX" ] && fail "/var/run/dpdk/$NPFX left behind"
grep -q "shutting down" "$DIR/nicd.log" || fail "no clean shutdown logged"
echo "--- nicd stats at exit"
cat "$DIR/stats"
echo PASS
