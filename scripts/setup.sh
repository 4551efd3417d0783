#!/usr/bin/env bash
# setup.sh: install the Debian packages siplb needs to build, test and run its demo.
# Idempotent, and quiet when everything is already there. Needs root (or sudo) for apt-get.
set -euo pipefail

PKGS=(
	build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
	dpdk dpdk-dev libdpdk-dev libconfig-dev libhiredis-dev libcunit1-dev libxxhash-dev libsodium-dev libpcap-dev libjansson-dev
	sip-tester redis-server redis-sentinel iproute2 iputils-ping ethtool procps kmod valgrind python3 ca-certificates
	nftables libjansson-dev libmicrohttpd-dev
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
