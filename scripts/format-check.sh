#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make format-check: the C files already in .clang-format's style must stay so (clang-format
# --dry-run -Werror), and every source file carries an SPDX-License-Identifier line.
# FORMATTED lists what has been reformatted; the rest of the tree joins it directory by
# directory (reformatting a directory others are editing only makes their merges hard).
# `scripts/format-check.sh --fix` reformats the listed files in place.
set -euo pipefail
cd "$(dirname "$0")/.."

FORMATTED=(src/util src/wire src/http src/proto src/port src/tls src/nic tests/fuzz tests/unit/util tests/unit/port tests/sim/lib
	tests/sim/tcp)
# single files in style whose directory has not joined yet (apps/httpd: the files split out of
# server.c, issue 12)
FORMATTED_FILES=(apps/httpd/access_log.c apps/httpd/access_log.h apps/httpd/conn.c apps/httpd/conn.h
	apps/httpd/file_response.c apps/httpd/file_response.h apps/httpd/linger.c apps/httpd/linger.h
	apps/httpd/request.c apps/httpd/request.h apps/httpd/response.c apps/httpd/response.h)
# files inside FORMATTED that wait for their owners' pending work to land
PENDING=()

if ! command -v clang-format >/dev/null; then
	echo "format-check: clang-format is missing (scripts/install-deps.sh installs it)" >&2
	exit 1
fi
for f in "${FORMATTED_FILES[@]}"; do
	if [ ! -f "$f" ]; then
		echo "format-check: $f is listed in FORMATTED_FILES but missing" >&2
		exit 1
	fi
done
files=()
while IFS= read -r f; do
	skip=0
	for p in "${PENDING[@]}"; do [ "$f" = "$p" ] && skip=1; done
	[ $skip -eq 0 ] && files+=("$f")
done < <(git ls-files -- "${FORMATTED_FILES[@]}" "${FORMATTED[@]/%//*.c}" "${FORMATTED[@]/%//*.h}")

if [ "${1:-}" = "--fix" ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
rc=0
clang-format --dry-run -Werror "${files[@]}" || rc=1

missing=$(git ls-files -- '*.c' '*.h' '*.py' '*.sh' '*meson.build' Makefile meson_options.txt \
	tools/iotcp-lab .ci/run | xargs grep -L 'SPDX-License-Identifier' || true)
if [ -n "$missing" ]; then
	echo "format-check: no SPDX-License-Identifier line in:" >&2
	echo "$missing" >&2
	rc=1
fi
[ $rc -eq 0 ] && echo "format-check: ${#files[@]} files formatted, every source file has an SPDX line"
exit $rc
