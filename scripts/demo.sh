#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The demo behind `make demo` (after deps and build): a sample docroot, the testbed up, one
# file fetched with curl from the client namespace over HTTP and over HTTPS (TLS 1.3, file
# records sealed by the NIC), each checked against the original.
# usage: scripts/demo.sh BUILD_DIR      (as root; leaves the testbed running)
set -euo pipefail
BUILD=${1:?usage: scripts/demo.sh BUILD_DIR}
REPO=$(cd "$(dirname "$0")/.." && pwd)
LAB="$REPO/tools/iotcp-lab"
DOCROOT=${IOTCP_DEMO_DOCROOT:-/var/tmp/iotcp-demo-docroot}

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo make demo): the testbed creates namespaces and runs DPDK"
for b in apps/nicd/iotcp-nicd apps/httpd/iotcp-httpd; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b does not exist: the server is not built (DPDK missing? see 'make deps' and the meson setup output)"
done

say "sample docroot in $DOCROOT"
mkdir -p "$DOCROOT"
cat >"$DOCROOT/index.html" <<'EOF'
<!doctype html><title>iotcp</title><p>Served by iotcp-httpd; file bodies sent by the NIC.</p>
EOF
echo "hello from iotcp" >"$DOCROOT/hello.txt"
head -c 65536 /dev/urandom >"$DOCROOT/64k.bin"
head -c 1048576 /dev/urandom >"$DOCROOT/1m.bin"
ls -l "$DOCROOT"

say "starting the testbed: $LAB up --tls --docroot $DOCROOT --build $BUILD"
"$LAB" up --tls --docroot "$DOCROOT" --build "$BUILD"

say "fetching /1m.bin from the client namespace (198.18.0.2) with curl"
out=$(mktemp /tmp/iotcp-demo.XXXXXX)
trap 'rm -f "$out"' EXIT
"$LAB" exec curl -sS --fail -m 30 -o "$out" \
	-w 'HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' http://198.18.0.1/1m.bin ||
	die "the download failed (logs: $("$LAB" status | awk '/logs:/ { print $2 }'))"
want=$(sha256sum <"$DOCROOT/1m.bin" | cut -d' ' -f1)
got=$(sha256sum <"$out" | cut -d' ' -f1)
echo "sha256 original   $want"
echo "sha256 downloaded $got"
[ "$want" = "$got" ] || die "the downloaded file differs from the original"
echo "identical"

say "the same file over HTTPS (TLS 1.3; the NIC seals the file's records, the host the header)"
"$LAB" exec curl -sS --fail -k --tlsv1.3 -m 30 -o "$out" \
	-w 'HTTP %{http_code}, %{size_download} bytes in %{time_total} s, TLS 1.3\n' \
	https://198.18.0.1/1m.bin || die "the HTTPS download failed"
got=$(sha256sum <"$out" | cut -d' ' -f1)
echo "sha256 downloaded $got"
[ "$want" = "$got" ] || die "the HTTPS download differs from the original"
echo "identical"

say "summary (every counter: $LAB stats)"
"$LAB" stats --summary || true

say "the testbed is still running"
cat <<EOF
  more:  $LAB exec curl -s http://198.18.0.1/hello.txt
         $LAB exec curl -sk https://198.18.0.1/hello.txt   (self-signed certificate)
         $LAB netem 'delay 10ms loss 1%'     (impair both directions; 'clear' to undo)
         $LAB stats [--summary] | $LAB status
  stop:  make down   (or: $LAB down)
EOF
