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

. "$(dirname "$0")/nicd_lib.sh"

ID=$$
NS=iotcp-t-$ID
TAP=iotcpt$ID
TAP=${TAP:0:15}
NPFX=iotcp-t-nicd-$ID
PPFX=iotcp-t-peer-$ID
DIR=$(mktemp -d /tmp/iotcp-fwd-XXXXXX)
KMAC=$(random_kmac)

cleanup() {
	stop_nicd
	ip netns del "$NS" 2>/dev/null
	ip link del "$TAP" 2>/dev/null
	rm -rf "/var/run/dpdk/$NPFX" "/var/run/dpdk/$PPFX" "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. The wire's namespace; 2. the NIC daemon, its tap moved into the namespace as 198.18.0.2/24.
make_ns
start_nicd --docroot "$DIR"
echo "nicd running as $NICD_PID"

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
