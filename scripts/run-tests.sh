#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs the test suites of each build directory given and prints one closing line:
#   "N passed, N failed, N skipped"
# usage: run-tests.sh BUILD [ASAN_BUILD [FUZZ_BUILD [CROSS_BUILD]]]   ("" skips one)
# BUILD runs every suite (interop too); ASAN_BUILD the unit and simulator suites under
# ASan+UBSan; FUZZ_BUILD (clang, -Dfuzz=true) the libFuzzer smoke runs; CROSS_BUILD (arm64) the
# unit, simulator and fuzz-replay suites under qemu-user, without sim-heavy unless CROSS_FULL=1.
set -uo pipefail
pass=0 fail=0 skip=0
run() {
	local dir=$1; shift
	local log="$dir/meson-logs/testlog.txt"
	echo "=== meson test -C $dir $*"
	rm -f "$log"
	meson test -C "$dir" --print-errorlogs "$@"
	local rc=$?
	# meson prints "Ok: N", "Fail: N", "Skipped: N", "Timeout: N" in its summary.
	local ok f s t ef up
	[ -f "$log" ] || { echo "(no tests ran in $dir)"; [ $rc -eq 0 ] || fail=$((fail + 1)); return; }
	ok=$(awk '/^Ok:/{print $2}' "$log" | tail -1)
	f=$(awk '/^Fail:/{print $2}' "$log" | tail -1)
	s=$(awk '/^Skipped:/{print $2}' "$log" | tail -1)
	t=$(awk '/^Timeout:/{print $2}' "$log" | tail -1)
	ef=$(awk '/^Expected Fail:/{print $3}' "$log" | tail -1)
	up=$(awk '/^Unexpected Pass:/{print $3}' "$log" | tail -1)
	# the skipped tests by name (their result line says exit status 77)
	awk '/^test:/ { sub(/^test: */, ""); name = $0 }
	     /^result:/ && /(status 77|[Ss]kip)/ { print name }' "$log" >>"$skipped_list"
	pass=$((pass + ${ok:-0} + ${ef:-0}))
	fail=$((fail + ${f:-0} + ${t:-0} + ${up:-0}))
	skip=$((skip + ${s:-0}))
	if [ $rc -ne 0 ] && [ $((${f:-0} + ${t:-0} + ${up:-0})) -eq 0 ]; then
		fail=$((fail + 1)) # meson itself failed
	fi
}
main=$1 asan=${2:-} fuzz=${3:-}
skipped_list=$(mktemp)
cross=${4:-}
trap 'rm -f "$skipped_list"' EXIT
[ -n "$main" ] && run "$main" --num-processes 2
[ -n "$asan" ] && run "$asan" --no-suite interop --no-suite fuzz-smoke --no-suite sim-heavy \
	--timeout-multiplier 4
[ -n "$fuzz" ] && run "$fuzz" --suite fuzz-smoke
heavy=(--no-suite sim-heavy)
[ "${CROSS_FULL:-0}" = 1 ] && heavy=()
if [ -n "$cross" ]; then
	echo "$cross: interop suite skipped: it needs the lab's namespaces, DPDK ports and Linux" \
		"clients on this machine, and arm64 binaries run only under qemu-user here"
	run "$cross" --suite unit --suite sim --suite fuzz-smoke "${heavy[@]}" \
		--timeout-multiplier 4 --num-processes 2
fi
echo
if [ -s "$skipped_list" ]; then
	echo "skipped:"
	sed 's/^/  /' "$skipped_list"
fi
# No silent skips in CI: a test skips only for a missing tool, permission or device, and CI
# (.ci/run sets CI=1) is the place that must have them all.
if [ -n "${CI:-}" ] && [ "$skip" -gt 0 ]; then
	echo "CI=$CI: ${skip} skipped test(s) count as failures here (install-deps or the CI machine lacks what they need)"
	fail=$((fail + skip))
fi
echo "${pass} passed, ${fail} failed, ${skip} skipped"
[ $fail -eq 0 ]
