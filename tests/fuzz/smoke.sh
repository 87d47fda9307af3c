#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# fuzz-smoke under libFuzzer: fuzz TARGET for a bounded time from the checked-in corpus, writing
# new inputs to a temporary directory (libFuzzer adds to its first corpus directory) so the
# source tree is never modified.
# usage: smoke.sh TARGET CORPUS_DIR RUNS SECONDS
set -eu
target=$1 corpus=$2 runs=$3 secs=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/new" "$tmp/art"
"$target" -runs="$runs" -max_total_time="$secs" -seed=1 -artifact_prefix="$tmp/art/" \
	"$tmp/new" "$corpus" 2>"$tmp/log" || {
	cat "$tmp/log" >&2
	for f in "$tmp"/art/*; do [ -e "$f" ] && { echo "crashing input:" >&2; od -An -tx1 "$f" | head -20 >&2; }; done
	exit 1
}
grep -E "^(#[0-9]+.*DONE|Done)" "$tmp/log" | tail -1
