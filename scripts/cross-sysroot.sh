#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the arm64 sysroot that `make cross-aarch64` compiles and links against, and that
# qemu-user runs the tests in: Debian's arm64 libdpdk-dev, liburing-dev and libssl-dev with
# everything they depend on, unpacked with dpkg-deb -x (nothing is installed on this machine).
# Why a sysroot: libdpdk-dev:arm64 does not co-install with the amd64 one through multiarch
# (rdma-core and libfdt-dev are not Multi-Arch: same; apt would remove the amd64 DPDK), and a
# sysroot also keeps the host's amd64 libssl out of multiarch version lockstep.
# usage: cross-sysroot.sh [DIR]   (default /opt/iotcp/sysroot-aarch64; root; needs the arm64
# package lists: dpkg --add-architecture arm64 && apt-get update). Does nothing if DIR is made.
set -euo pipefail

dir=${1:-/opt/iotcp/sysroot-aarch64}
pkgs=(libdpdk-dev:arm64 liburing-dev:arm64 libssl-dev:arm64)
stamp="$dir/.iotcp-sysroot"

[ -f "$stamp" ] && exit 0
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock" # several engineers may run install-deps at once: one builds, the others wait
flock 9
[ -f "$stamp" ] && exit 0
work=$(mktemp -d /tmp/iotcp-sysroot.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt downloads as _apt
: >"$work/status"
# The closure as apt sees it on an empty system (an empty dpkg status file): every arm64 and
# arch-independent package the three need. amd64 entries (tools that satisfy Multi-Arch: foreign
# dependencies) are not wanted in an arm64 sysroot.
apt-get install -s -qq --no-install-recommends -o Debug::NoLocking=1 \
	-o Dir::State::status="$work/status" "${pkgs[@]}" >"$work/plan"
# "Inst NAME[:ARCH] (VERSION SOURCE [ARCH])" -> NAME:arm64=VERSION or NAME=VERSION (all)
mapfile -t want < <(sed -nE \
	-e 's/^Inst ([^ :]+)(:arm64)? \(([^ ]+) .*\[arm64\]\).*$/\1:arm64=\3/p' \
	-e 's/^Inst ([^ :]+) \(([^ ]+) .*\[all\]\).*$/\1=\2/p' "$work/plan")
[ ${#want[@]} -gt 0 ] || { echo "cross-sysroot: apt found nothing for ${pkgs[*]}" >&2; exit 1; }
echo "cross-sysroot: downloading ${#want[@]} packages for $dir"
(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "${want[@]}" >/dev/null)
rm -rf "$dir.new"
mkdir -p "$dir.new"
for deb in "$work"/*.deb; do
	dpkg-deb -x "$deb" "$dir.new"
done
# Absolute symlinks (e.g. lib*.so -> /lib/...) must point inside the sysroot.
find "$dir.new" -type l -lname '/*' | while read -r l; do
	ln -sfn "$dir$(readlink "$l")" "$l"
done
printf '%s\n' "${want[@]}" >"$dir.new/.iotcp-sysroot"
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "cross-sysroot: $dir ready ($(du -sh "$dir" | cut -f1))"
