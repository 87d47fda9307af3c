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
BENCH_PKGS=(nginx-light lighttpd linux-perf)

# The benchmark's Linux servers too: `make bench` and its quick run in `make test` use them.
want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${BENCH_PKGS[@]}")
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
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root: $0" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
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
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
