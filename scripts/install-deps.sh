#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs every Debian package iotcp needs to build, test, fuzz, benchmark and demo.
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

BUILD_PKGS=(build-essential meson ninja-build pkg-config clang libclang-rt-14-dev llvm clang-format
            libdpdk-dev dpdk liburing-dev libssl-dev libpcap-dev)
RUN_PKGS=(iproute2 nftables curl wget wrk apache2-utils tshark iputils-ping openssl
          procps psmisc python3 gnuplot-nox python3-scapy hping3 python3-cryptography
          netbase) # /etc/services: wrk and other getaddrinfo users resolve "http" with it
BENCH_PKGS=(nginx-light lighttpd lighttpd-mod-openssl linux-perf)
# The aarch64 cross build (make cross-aarch64; its quick form runs in make test): the cross
# toolchain and qemu-user here; arm64 DPDK, liburing and OpenSSL in a sysroot that
# scripts/cross-sysroot.sh unpacks from Debian's arm64 packages (needs the arm64 package lists).
CROSS_PKGS=(crossbuild-essential-arm64 qemu-user)
SYSROOT=/opt/iotcp/sysroot-aarch64

# The benchmark's Linux servers too: `make bench` and its quick run in `make test` use them.
want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${BENCH_PKGS[@]}" "${CROSS_PKGS[@]}")
case "${1:-}" in
  ""|--with-bench) ;; # --with-bench: accepted for compatibility, everything is installed
  *) echo "usage: $0" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
need_arch=0
dpkg --print-foreign-architectures | grep -qx arm64 || need_arch=1
need_sysroot=0
[ -f "$SYSROOT/.iotcp-sysroot" ] || need_sysroot=1
[ ${#missing[@]} -eq 0 ] && [ $need_arch -eq 0 ] && [ $need_sysroot -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]:-none}, arm64 sysroot $SYSROOT" \
    "$([ $need_sysroot -eq 1 ] && echo missing || echo present); run as root: $0" >&2
  exit 1
fi
[ $need_arch -eq 1 ] && dpkg --add-architecture arm64
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# Packaged servers (nginx, lighttpd) must not start on install: the benchmarks start their own.
# policy-rc.d answering 101 tells invoke-rc.d not to start services; removed afterwards.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
trap '[ $own_policy -eq 1 ] && rm -f "$policy"' EXIT
apt-get -o DPkg::Lock::Timeout=600 update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ $need_sysroot -eq 1 ] && "$(dirname "$0")/cross-sysroot.sh" "$SYSROOT"
echo "install-deps: done"
