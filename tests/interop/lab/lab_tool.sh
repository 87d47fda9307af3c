#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tools/iotcp-lab itself, end to end, with a Linux server standing in for iotcp-nicd and
# iotcp-httpd (up --linux-server) and names of its own (never the real lab's): up, exec,
# every impairment mode, bad arguments, recovery after a crash, down and what it removes.
# usage: lab_tool.sh LAB_SCRIPT BUILD_DIR
LAB=${1:?usage: lab_tool.sh LAB_SCRIPT BUILD_DIR}
BUILD=${2:?usage: lab_tool.sh LAB_SCRIPT BUILD_DIR}
. "$(dirname "$0")/common.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
export IOTCP_LAB_NS="${T}c" IOTCP_LAB_TAG="l$$" IOTCP_LAB_STATE="$TMP/state" \
	IOTCP_LAB_LOGROOT="$TMP/logs" IOTCP_LAB_SEED=7
NSES+=("${T}c" "${T}c-srv")
cleanup_hook() { [ -d "$TMP/state" ] && "$LAB" down >/dev/null 2>&1; }
lab() { "$LAB" "$@" >"$TMP/lab.out" 2>&1; }
ns_there() { ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; }

mkdir -p "$TMP/doc"
head -c 1048576 /dev/urandom >"$TMP/doc/big.bin"
echo hello >"$TMP/doc/index.html"
want=$(sha256sum <"$TMP/doc/big.bin" | cut -d' ' -f1)
fetch() { "$LAB" exec curl -sf -m 20 -o - http://198.18.0.1/big.bin | sha256sum | cut -d' ' -f1; }

# A missing server binary: a clear error, nothing created.
lab up --build "$TMP/nobuild" --docroot "$TMP/doc" && fail "up without binaries succeeded"
grep -q "not found" "$TMP/lab.out" || fail "no clear error for missing binaries: $(cat "$TMP/lab.out")"
ns_there "${T}c" && fail "failed up left namespace ${T}c"

lab up --linux-server --docroot "$TMP/doc" --build "$BUILD" || fail "up: $(cat "$TMP/lab.out")"
grep -q "http://198.18.0.1/" "$TMP/lab.out" && grep -q "logs:" "$TMP/lab.out" || fail "up did not print the URL and logs"
[ "$(fetch)" = "$want" ] || fail "download differs"
echo "up: 1 MiB fetched from the client namespace, sha256 matches"

# loss + duplicate: the relay, in both directions, with an effect; netem's correlations.
lab netem 'loss 30% 25% duplicate 50%' || fail "netem loss: $(cat "$TMP/lab.out")"
grep -q 'loss=0.3/0.3 duplicate=0.5/0.5' "$TMP/logs/latest/relay.log" ||
	fail "relay settings: $(head -1 "$TMP/logs/latest/relay.log")"
grep -q 'corr(delay,loss,dup,reorder,corrupt)=0,0.25,0,0,0/0,0.25,0,0,0' "$TMP/logs/latest/relay.log" ||
	fail "relay correlations: $(head -1 "$TMP/logs/latest/relay.log")"
out=$("$LAB" exec ping -n -q -c 40 -i 0.05 -W 1 198.18.0.1 | grep transmitted)
echo "loss 30% 25% duplicate 50%: $out"
grep -q duplicates <<<"$out" || fail "no duplicates seen"
grep -q ' 0% packet loss' <<<"$out" && fail "no loss seen"
"$LAB" stats >"$TMP/stats.out" || fail "stats failed"
for k in a2b.lost b2a.lost a2b.duplicated b2a.duplicated; do
	n=$(awk -v k=$k '$1 == k { print $2 }' "$TMP/stats.out")
	[ "${n:-0}" -gt 0 ] || fail "stats: $k is '${n}'"
done
# The Linux server sends 64 KiB GSO frames: the relay cuts those it must, byte-exact.
lab netem 'loss 3% duplicate 3%' || fail "netem loss 3%"
[ "$(fetch)" = "$want" ] || fail "download differs under 3% loss and duplication"
"$LAB" stats >"$TMP/stats.out"
n=$(awk '$1 == "a2b.gso_split" { print $2 }' "$TMP/stats.out")
[ "${n:-0}" -gt 0 ] || fail "no GSO frame was cut (a2b.gso_split '${n}')"
echo "loss 3% duplicate 3%: 1 MiB byte-exact, $n GSO frames cut into segments"

# delay: the relay replaces the bridge.
lab netem 'delay 10ms 1ms' || fail "netem delay: $(cat "$TMP/lab.out")"
relay_pid=$(cut -d' ' -f1 "$TMP/state/pids/relay")
kill -0 "$relay_pid" || fail "relay not running"
# The median of 7 pings, each shown: two CI runs saw a 9 ms minimum (one ping in five whose
# reply took no delay; not reproduced on a quiet or a loaded machine), so one odd sample is
# reported, not failed on; each direction's delayed counter is checked below.
samples=$(rtt_samples "${T}c" 198.18.0.1 7 | tr '\n' ' ')
rtt=$(tr ' ' '\n' <<<"$samples" | grep . | median_int)
echo "delay 10ms 1ms: median RTT $rtt ms (samples: $samples)"
[ -n "$rtt" ] && [ "$rtt" -ge 18 ] && [ "$rtt" -lt 40 ] || fail "RTT '$rtt' with delay 10ms each way"
"$LAB" stats >"$TMP/stats.out"
for k in a2b.delayed b2a.delayed; do
	grep -q "^$k [1-9]" "$TMP/stats.out" || fail "stats: no $k ($(grep delayed "$TMP/stats.out" | tr '\n' ' '))"
done

# rate: tbf on both ports; the relay is stopped, the bridge is back.
lab netem 'rate 20mbit' || fail "netem rate: $(cat "$TMP/lab.out")"
kill -0 "$relay_pid" 2>/dev/null && fail "relay still running after netem changed"
[ "$("$LAB" exec tc qdisc show | grep -c 'tbf .* rate 20Mbit')" -eq 2 ] || fail "tbf not on both ports"
# The rate is asserted on a whole download only: an ipv6-helper run saw "1 MiB in 0.008 s" twice
# in ~12 runs, not reproduced, with the fetch's result unchecked; a fetch that does not bring
# the whole MiB is shown (curl's exit, HTTP status, bytes) and tried once more.
rate_fetch() {
	"$LAB" exec curl -s -m 20 -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
		http://198.18.0.1/big.bin
	echo " $?"
}
read -r code size t rc <<<"$(rate_fetch)"
if [ "$code" != 200 ] || [ "$size" != 1048576 ]; then
	echo "rate 20mbit: incomplete fetch (curl exit $rc, HTTP $code, $size bytes in $t s); once more"
	sleep 1
	read -r code size t rc <<<"$(rate_fetch)"
fi
[ "$code" = 200 ] && [ "$size" = 1048576 ] || fail "rate 20mbit: curl exit $rc, HTTP $code, $size bytes"
echo "rate 20mbit: 1 MiB in $t s"
awk -v t="$t" 'BEGIN { exit !(t >= 0.3) }' || fail "1 MiB in $t s through 20 Mbit/s"

# Bad arguments: usage error, exit 2, nothing changed.
for bad in "" "loss" "loss 5%% " "loss 120%" "delay 10" "delay fast" "reorder 10%" \
	"corrupt -1%" "rate 10" "jitter 5ms" "clear loss 1%" "loss 1% loss 2%" "loss 5% 120%" \
	"loss 5% 25% 3%" "delay 10ms 1ms 200%"; do
	"$LAB" netem $bad >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || fail "netem '$bad' gave exit $rc, want 2"
done
[ "$("$LAB" exec tc qdisc show | grep -c tbf)" -eq 2 ] || fail "a bad netem changed the path"

# clear: everything off.
lab netem clear || fail "netem clear"
[ "$("$LAB" exec tc qdisc show | grep -c tbf)" -eq 0 ] || fail "tbf left after clear"
[ "$(fetch)" = "$want" ] || fail "download differs after clear"

# A crash: the server dies, a relay is left running; up again cleans up and works.
lab netem 'delay 1ms' || fail "netem delay 1ms"
relay_pid=$(cut -d' ' -f1 "$TMP/state/pids/relay")
kill -KILL "$(cut -d' ' -f1 "$TMP/state/pids/linux-server")"
lab up --linux-server --docroot "$TMP/doc" --build "$BUILD" || fail "up after a crash: $(cat "$TMP/lab.out")"
grep -q "cleaning up" "$TMP/lab.out" || fail "up did not clean the stale state"
kill -0 "$relay_pid" 2>/dev/null && fail "stale relay survived"
[ "$(fetch)" = "$want" ] || fail "download differs after recovery"
echo "recovery after a crash: ok"

# down: stops only what it started, removes what it created.
lab netem 'delay 1ms' || fail "netem delay 1ms"
pids=$(cat "$TMP"/state/pids/* | cut -d' ' -f1)
lab down || fail "down: $(cat "$TMP/lab.out")"
for p in $pids; do kill -0 "$p" 2>/dev/null && fail "pid $p survived down"; done
ns_there "${T}c" && fail "namespace ${T}c left"
ns_there "${T}c-srv" && fail "namespace ${T}c-srv left"
[ -e "$TMP/state" ] && fail "state dir left"
lab down || fail "second down failed"
grep -q "nothing to stop" "$TMP/lab.out" || fail "second down: $(cat "$TMP/lab.out")"
lab exec true && fail "exec worked with the lab down"
grep -q "not up" "$TMP/lab.out" || fail "exec: no clear error when down"
lab status && grep -q down "$TMP/lab.out" || fail "status when down"
finish
