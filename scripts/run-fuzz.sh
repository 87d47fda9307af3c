#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make fuzz: run every libFuzzer target for SECONDS each (from the checked-in corpus; new
# inputs go to a temporary directory) and print a table of executions per target.
# usage: run-fuzz.sh FUZZ_BUILD_DIR SECONDS
set -euo pipefail
build=$1 secs=$2
cd "$(dirname "$0")/.."
printf '%-18s %12s %10s %s\n' target executions exec/s result
status=0
for exe in "$build"/tests/fuzz/fuzz_*; do
	[ -x "$exe" ] && [ -f "$exe" ] || continue
	name=$(basename "$exe")
	tmp=$(mktemp -d)
	mkdir -p "$tmp/new" "$tmp/art"
	if "$exe" -max_total_time="$secs" -artifact_prefix="$tmp/art/" -print_final_stats=1 \
		"$tmp/new" "tests/fuzz/corpus/$name" >"$tmp/log" 2>&1; then
		result=ok
	else
		result="CRASH (see $tmp)"
		status=1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/log" | tail -1)
	printf '%-18s %12s %10s %s\n' "$name" "${runs:-?}" "${rate:-?}" "$result"
	[ "$result" = ok ] && rm -rf "$tmp"
done
exit $status
