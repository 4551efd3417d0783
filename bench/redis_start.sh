#!/usr/bin/env bash
# redis_start.sh: a dataplane started in front of a Redis that holds N dialogs, the whole way:
# redis-server (a loopback port and directory of its own, killed by PID at the end) filled with N
# keys as siplb-control writes them (48-byte Call-IDs), then siplb-control and siplb-dataplane
# (net_null ports that receive nothing, redis.enabled). Prints the dataplane's own line ("loaded
# N dialogs from Redis in X ms": from its start in LOADING to the end of the load), control's
# time for SCAN + MGET + pins, and Redis's memory per dialog. Needs root (hugepages). Run alone:
# never two benchmarks at once here.
#   bench/redis_start.sh [build-dir] [N]      (default build, 1000000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
N=${2:-1000000}
ninja -C "$B" dataplane/siplb-dataplane control/siplb-control control/siplbctl >/dev/null
pfx=slbrs$$
port=$((17000 + $$ % 1000))
dir=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$dir" "/var/run/dpdk/$pfx" /dev/hugepages/"${pfx}"map_* "/dev/shm/$pfx"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 256 ] || echo 512 >/proc/sys/vm/nr_hugepages
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages

redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
	--daemonize no --logfile "$dir/redis.log" &
pids+=($!)
for _ in $(seq 1 50); do
	[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
mem0=$(redis-cli -p "$port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
echo "== filling Redis with $N dialogs (redis-cli --pipe)"
python3 - "$N" <<'PY' | redis-cli -p "$port" --pipe | tail -n 1
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    key = "siplb:dlg:%08x-4f1c-49b2-a7d1-%012x@198.18.1.2" % (i, i * 2654435761 % (1 << 48))
    val = "%d confirmed other" % (1 + i % 3)
    out.write("*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$4\r\n7210\r\n"
              % (len(key), key, len(val), val))
PY
mem1=$(redis-cli -p "$port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
echo "Redis memory: $(( (mem1 - mem0) / N )) bytes per dialog (INFO used_memory, $N keys)"

cap=$((N + N / 2 + 8))
cat >"$dir/dp.conf" <<CONF
eal = [ "--lcores", "(0-1)@(0-$(($(nproc) - 1)))", "--file-prefix=$pfx", "--no-pci",
	"-m", "256", "--log-level=user*:info" ];
workers = 1;
stats_interval = 1;
idle_sleep_us = 200;
hash_secret = "0123456789abcdeffedcba9876543210";
control: { shm = "$pfx"; socket = "$dir/control.sock"; metrics = ""; };
mempool: { size = 8191; big_size = 255; indirect_size = 1023; };
dialog: { capacity = $cap; };
redis: { enabled = true; address = "127.0.0.1:$port"; instance = "bench";
	attach_wait_ms = 10000; load_wait_ms = 600000; };
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

echo "== siplb-control, then siplb-dataplane (dialog.capacity $cap): the start"
"$B/control/siplb-control" -c "$dir/dp.conf" >"$dir/control.log" 2>&1 &
pids+=($!)
"$B/dataplane/siplb-dataplane" -c "$dir/dp.conf" >"$dir/dp.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 1200); do
	grep -q 'main: running' "$dir/dp.log" && break
	sleep 0.1
done
grep -E 'ctl: (loaded|starting)' "$dir/dp.log" || { tail -n 20 "$dir/dp.log"; exit 1; }
sleep 1.5 # the live count is published with the stats, once a second
"$B/control/siplbctl" -s "$dir/control.sock" --json dialogs | python3 -c '
import json, sys
d = json.load(sys.stdin)
l = d.get("redis", {}).get("load", {})
print("control: %s dialogs read from Redis and pinned in %.0f ms; the table holds %s live" %
      (l.get("dialogs"), l.get("ms", -1), d.get("live")))'
