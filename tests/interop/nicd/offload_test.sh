#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The offload engine inside iotcp-nicd, end to end with real DPDK processes:
#   offload_peer (memif client, a minimal host) <-> iotcp-nicd --docroot <-> tap in namespace
# The peer OPENs a file of a temporary docroot and SENDs a range with a header template towards
# the namespace's kernel MAC; an AF_PACKET capture inside the namespace checks the segments (count,
# sequence numbers, checksums, PSH, payload bytes against the file). The peer checks OPEN_DONE,
# ECHO, ERROR for a missing file / traversal / unknown fid / bad range, and that ACKD unpins the
# store (stats file). Then: a new host boot id resets the engine (open files forgotten), and a
# daemon without --docroot answers offload commands ERROR(unsupported). TLS: the peer installs a
# key and sends a TLS_SEND and a mid-stream retransmission; capture_tls.py opens the records as a
# client would (byte-exact plaintext, no plaintext on the wire).
# Usage: offload_test.sh NICD PEER CAPTURE_PY CAPTURE_TLS_PY.  Exit 77 (skip) when not root or DPDK cannot start.
set -u
NICD=$1
PEER=$2
CAPTURE=$3
CAPTURE_TLS=$4
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (namespaces, tap, /var/run/dpdk)"
	exit 77
fi
for tool in ip python3; do
	command -v $tool >/dev/null || { echo "SKIP: $tool not found"; exit 77; }
done

. "$(dirname "$0")/nicd_lib.sh"

ID=$$
NS=iotcp-o-$ID
TAP=iotcpo$ID
TAP=${TAP:0:15}
NPFX=iotcp-o-nicd-$ID
PPFX=iotcp-o-peer-$ID
DIR=$(mktemp -d /tmp/iotcp-offload-XXXXXX)
WWW=$DIR/www
CAP_PID=
KMAC=$(random_kmac)
OFFSET=1000
LEN=200000
MSS=1448
SEQ0=0xfff00000 # as in offload_peer.c

cleanup() {
	[ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null
	stop_nicd
	ip netns del "$NS" 2>/dev/null
	ip link del "$TAP" 2>/dev/null
	rm -rf "/var/run/dpdk/$NPFX" "/var/run/dpdk/$PPFX" "/var/run/dpdk/$PPFX-2" \
		"/var/run/dpdk/$PPFX-3" "/var/run/dpdk/$PPFX-4" "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

run_peer() { # PREFIX ARGS...
	local pfx=$1
	shift
	"$PEER" --socket "$DIR/host.sock" --file-prefix "$pfx" --lcore 1 "$@" >"$DIR/peer.out" 2>&1
	local rc=$?
	cat "$DIR/peer.out"
	[ $rc = 77 ] && { echo "SKIP: DPDK cannot start the peer"; exit 77; }
	return $rc
}

mkdir -p "$WWW"
head -c 300000 /dev/urandom >"$WWW/file.bin"
make_ns

# 0. A docroot that is not a directory is refused.
if "$NICD" --host-socket "$DIR/x.sock" --docroot "$WWW/file.bin" --foreground \
	>"$DIR/bad.out" 2>&1; then
	fail "iotcp-nicd accepted a file as --docroot"
fi
grep -q "not a directory" "$DIR/bad.out" || fail "no clear error for a bad --docroot"

# 1. The daemon with the offload engine; the capture in the namespace.
start_nicd --docroot "$WWW" --store-mb 4 --block-kb 64 --max-files 64
grep "wire port\|wire tx\|offload engine" "$DIR/nicd.log"
# net_tap reports TSO and checksum offload; its TSO is software in the PMD: the engine cuts.
grep -q "wire tx: TCP checksums by the port, segmentation by software" "$DIR/nicd.log" ||
	fail "the wire tx mode is not logged as expected"
ip netns exec "$NS" python3 "$CAPTURE" "$TAP" "$WWW/file.bin" $OFFSET $LEN $MSS $SEQ0 \
	"$DIR/ready" 20 >"$DIR/capture.out" 2>&1 &
CAP_PID=$!
for _ in $(seq 50); do [ -e "$DIR/ready" ] && break; sleep 0.1; done
[ -e "$DIR/ready" ] || fail "capture did not start: $(cat "$DIR/capture.out")"

# 2. The host: OPEN, SEND, ECHO, ERRORs, ACKD, CLOSE (checked by the peer).
run_peer "$PPFX" --mode full --dst-mac "$KMAC" --path file.bin --offset $OFFSET --len $LEN \
	--mss $MSS --stats-file "$DIR/stats" || fail "offload peer failed"

# 3. The segments seen in the namespace.
wait "$CAP_PID"
CAP_RC=$?
CAP_PID=
cat "$DIR/capture.out"
[ $CAP_RC = 0 ] || fail "segments captured in the namespace are wrong"
NSEG=$(((LEN + MSS - 1) / MSS))
wait_stat nic_segments -eq $NSEG
wait_stat wire_seg_frames -eq $NSEG
wait_stat nic_echoes -ge 1
wait_stat nic_error_unknown_fid -ge 1
wait_stat nic_error_range -ge 1
wait_stat nic_open_errors -ge 2
wait_stat nic_store_pinned_blocks -eq 0
for k in dropped_wire_proto wire_seg_bad_send wire_seg_oversize_frames cmd_tx_dropped; do
	wait_stat $k -eq 0
done

# 4. A host restart (new boot id) makes the engine forget the file left open.
wait_stat nic_files_open -eq 1
run_peer "$PPFX-2" --mode hello || fail "second peer failed"
wait_stat engine_resets -ge 1
wait_stat nic_files_open -eq 0
grep -q "offload state reset" "$DIR/nicd.log" || fail "host restart not logged"

# 4b. TLS offload: TLS_KEY + TLS_SEND, records opened in the namespace like a client would.
ip netns exec "$NS" python3 "$CAPTURE_TLS" "$TAP" "$WWW/file.bin" $OFFSET $LEN $SEQ0 \
	"$DIR/ready-tls" 20 >"$DIR/capture-tls.out" 2>&1 &
CAP_PID=$!
for _ in $(seq 50); do [ -e "$DIR/ready-tls" ] && break; sleep 0.1; done
if [ -e "$DIR/ready-tls" ]; then
	run_peer "$PPFX-4" --mode tls --dst-mac "$KMAC" --path file.bin --offset $OFFSET \
		--len $LEN --mss $MSS --stats-file "$DIR/stats" || fail "TLS offload peer failed"
	wait "$CAP_PID"
	CAP_RC=$?
	CAP_PID=
	cat "$DIR/capture-tls.out"
	[ $CAP_RC = 0 ] || fail "the TLS records captured in the namespace are wrong"
	wait_stat nic_tls_key_errors -eq 0
else
	wait "$CAP_PID"
	CAP_PID=
	cat "$DIR/capture-tls.out"
	grep -q SKIP "$DIR/capture-tls.out" || fail "TLS capture did not start"
fi

# 5. Without --docroot: offload commands are answered ERROR(unsupported).
stop_nicd
rm -f "$DIR/stats"
ip -n "$NS" link del "$TAP" 2>/dev/null
start_nicd
run_peer "$PPFX-3" --mode nooffload --path file.bin || fail "peer without offload failed"
wait_stat offload_rejected -ge 1
wait_stat nic_error_unsupported -ge 1
wait_stat offload_enabled -eq 0

# 6. Clean shutdown.
PID=$NICD_PID
stop_nicd
kill -0 "$PID" 2>/dev/null && fail "nicd still running after SIGTERM"
[ -e "/var/run/dpdk/$NPFX" ] && fail "/var/run/dpdk/$NPFX left behind"
echo PASS
