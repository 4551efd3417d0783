#!/usr/bin/env bash
# failover.sh: one of three proxies fails under load; how fast siplb-control takes it out and how
# many calls fail. Through namespaces (tests/e2e/lib.sh), SIPp at RATE calls/s (300) for DURATION s
# (20), health checks as configured by default (OPTIONS every 1000 ms, timeout 800 ms, fall 2).
# Two failures, one run each, in one run of the script:
#   kill    proxy2's SIPp is killed: its host answers ICMP port unreachable
#   silent  proxy2's host drops everything (no ICMP): only the probes can tell
# Prints, per failure: when control marked it down after the failure (seconds) and the calls
# that failed (in progress on proxy2 at the failure, or caught before the detection).
#   sudo bench/failover.sh [build-dir]      RATE=300 DURATION=20 KILL_AT=5
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$top/build}
[[ "$BUILD" = /* ]] || BUILD=$top/$BUILD
RATE=${RATE:-300}
DURATION=${DURATION:-20}
KILL_AT=${KILL_AT:-5}
E2E=$top/tests/e2e
SCEN=$E2E/scenarios
PFX=slbf
# shellcheck source=../tests/e2e/lib.sh
source "$E2E/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "failover: run as root" >&2; exit 1; }
OUT=$(mktemp -d /tmp/siplb-failover.XXXXXX)
cleanup() {
	kill_all
	net_down
	rm -rf "/var/run/dpdk/${PFX}dp" /dev/hugepages/"${PFX}dp"map_* "/dev/shm/${PFX}dp" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hugepages_up 512 || exit 1
net_up || exit 1
write_conf "$OUT/dp.conf" 2 "1 1 1" true "${PFX}dp"
# the default health checks, not the tests' faster ones
sed -i 's/probe_interval_ms = 500; probe_timeout_ms = 400;/probe_interval_ms = 1000; probe_timeout_ms = 800;/' \
	"$OUT/dp.conf"
dp_start "$BUILD/dataplane/siplb-dataplane" "$OUT/dp.conf" "$OUT/dataplane.log" ||
	{ tail "$OUT/dataplane.log"; exit 1; }
spawn ip netns exec "$NS_LB" "$BUILD/control/siplb-control" -c "$OUT/dp.conf" >"$OUT/control.log" 2>&1
SOCK=$OUT/control.sock
python3 "$E2E/ctl_wait.py" "$SOCK" running 10 >/dev/null || { tail "$OUT/control.log"; exit 1; }

echo "siplb failover: $RATE calls/s for ${DURATION}s, proxy2 of 3 fails at ${KILL_AT}s;" \
	"probes every 1000 ms, timeout 800 ms, down after 2 failures"
echo "$(uname -r), $(nproc) CPUs, $(sipp -v 2>/dev/null | grep -oE 'v[0-9.]+' | head -n 1)"
printf '%-8s %12s %10s %10s\n' failure detected_s calls failed
for mode in kill silent; do
	d=$OUT/$mode
	mkdir -p "$d"
	backends_up "$SCEN/uas.xml" "$d"
	for b in proxy1 proxy2 proxy3; do
		python3 "$E2E/ctl_wait.py" "$SOCK" state "$b" up 10 >/dev/null
	done
	n=$((RATE * DURATION))
	spawn callers_run "$SCEN/uac.xml" "$n" "$RATE" "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep "$KILL_AT"
	if [ "$mode" = kill ]; then
		kill -KILL "${BACKEND_PIDS[1]}"
	else
		ip netns exec "$NS_B" nft -f - <<NFT
table ip ${PFX}silent {
	chain in {
		type filter hook input priority 0; policy accept;
		ip daddr ${BACKEND_IPS[1]} drop
	}
}
NFT
	fi
	det=$(python3 "$E2E/ctl_wait.py" "$SOCK" state proxy2 down 30)
	wait "$cpid"
	[ "$mode" = silent ] && ip netns exec "$NS_B" nft delete table ip "${PFX}silent"
	sleep 2.5
	backends_down
	failed=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	printf '%-8s %12s %10s %10s\n' "$mode" "$det" "$n" "$failed"
done
echo "logs in $OUT"
