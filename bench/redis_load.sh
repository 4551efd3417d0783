#!/usr/bin/env bash
# redis_load.sh: how long a starting dataplane takes to take in N dialogs from siplb-control
# (SLB_CTL_REQ_DLG pins, then SLB_CTL_REQ_LOADED), Redis left out: tests/tools/ctl_pin plays
# control. The dataplane runs on two net_null ports that receive nothing (no namespaces), with
# redis.enabled. Needs root (hugepages). Run alone: never two benchmarks at once here.
#   bench/redis_load.sh [build-dir] [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
N=${2:-1000000}
ninja -C "$B" dataplane/siplb-dataplane tests/tools/ctl_pin >/dev/null
pfx=slbrl$$
dir=$(mktemp -d)
dp_pid=
cleanup() {
	[ -n "$dp_pid" ] && kill "$dp_pid" 2>/dev/null && wait "$dp_pid" 2>/dev/null
	rm -rf "$dir" "/var/run/dpdk/$pfx" /dev/hugepages/"${pfx}"map_* "/dev/shm/$pfx"
}
trap cleanup EXIT

cap=$((N + N / 2 + 8))
cat >"$dir/dp.conf" <<CONF
eal = [ "--lcores", "(0-1)@(0-$(($(nproc) - 1)))", "--file-prefix=$pfx", "--no-pci",
	"-m", "256", "--log-level=user*:info" ];
workers = 1;
stats_interval = 0;
idle_sleep_us = 200;
control: { shm = "$pfx"; socket = "$dir/control.sock"; };
mempool: { size = 8191; big_size = 255; indirect_size = 1023; };
dialog: { capacity = $cap; };
redis: { enabled = true; attach_wait_ms = 10000; load_wait_ms = 600000; };
ports = (
	{ name = "callers"; device = "net_null0,no-rx=1"; addresses = [ "198.18.1.1/24" ];
	  role = "caller"; },
	{ name = "backends"; device = "net_null1,no-rx=1"; addresses = [ "198.18.2.1/24" ];
	  role = "backend"; }
);
backends = (
	{ id = 1; name = "proxy1"; address = "198.18.2.11"; },
	{ id = 2; name = "proxy2"; address = "198.18.2.12"; },
	{ id = 3; name = "proxy3"; address = "198.18.2.13"; }
);
CONF

echo "== $N dialogs into a starting dataplane (dialog.capacity $cap), ctl_pin as siplb-control"
"$B/dataplane/siplb-dataplane" -c "$dir/dp.conf" >"$dir/dp.log" 2>&1 &
dp_pid=$!
"$B/tests/tools/ctl_pin" "$pfx" load "$N" 1000
for _ in $(seq 1 50); do
	grep -q 'main: running' "$dir/dp.log" && break
	sleep 0.1
done
grep -E 'ctl: (loaded|starting)' "$dir/dp.log"
