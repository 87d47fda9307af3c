# SPDX-License-Identifier: BSD-2-Clause
# Sourced by fwd_test.sh and offload_test.sh: iotcp-nicd with its wire tap moved into a
# namespace of the test's own, its stats file, and failing with its log. The test sets NICD, DIR,
# NS (created), TAP, NPFX and KMAC first and calls start_nicd/stop_nicd; NICD_PID is the daemon.
NICD_PID=

# A locally administered unicast MAC for the kernel side, unlike the DPDK port's random one.
random_kmac() {
	printf '02:%02x:%02x:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) \
		$((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256))
}

stop_nicd() {
	if [ -n "$NICD_PID" ] && kill -0 "$NICD_PID" 2>/dev/null; then
		kill -TERM "$NICD_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$NICD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$NICD_PID" 2>/dev/null
	fi
	NICD_PID=
}

fail() {
	echo "FAIL: $*"
	echo "--- nicd log"; cat "$DIR/nicd.log" 2>/dev/null
	echo "--- nicd stats"; cat "$DIR/stats" 2>/dev/null
	exit 1
}

stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$DIR/stats"; }

# Wait up to 3 s for stats key $1 to satisfy test operator $2 against $3.
wait_stat() {
	for _ in $(seq 30); do
		v=$(stat_of "$1")
		[ -n "$v" ] && [ "$v" "$2" "$3" ] && return 0
		sleep 0.1
	done
	fail "stats: $1 = ${v:-missing}, expected $2 $3"
}

# The daemon (daemon mode: returns once its ports are up) with the extra options given; exit 77
# when DPDK cannot start. Then the wire: the (new) tap into the namespace as 198.18.0.2/24 with
# the kernel-side MAC.
start_nicd() {
	if ! "$NICD" --host-socket "$DIR/host.sock" --wire "tap:$TAP" --lcore 0 \
		--file-prefix "$NPFX" --stats-file "$DIR/stats" --log-file "$DIR/nicd.log" \
		--pid-file "$DIR/nicd.pid" "$@"; then
		echo "--- nicd log"; cat "$DIR/nicd.log"
		if grep -q "rte_eal_init failed" "$DIR/nicd.log"; then
			echo "SKIP: DPDK cannot start here"
			exit 77
		fi
		fail "iotcp-nicd did not start"
	fi
	NICD_PID=$(cat "$DIR/nicd.pid")
	ip link set "$TAP" netns "$NS" || fail "cannot move $TAP into $NS"
	ip -n "$NS" link set "$TAP" address "$KMAC" || fail "cannot set the kernel-side MAC"
	ip -n "$NS" addr add 198.18.0.2/24 dev "$TAP"
	ip -n "$NS" link set "$TAP" up || fail "cannot bring $TAP up"
}

# A namespace of our own for the wire, without IPv6: the kernel's own traffic (router
# solicitations) would be counted on the wire.
make_ns() {
	ip netns add "$NS" || fail "cannot create namespace $NS"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
}
