#!/usr/bin/env bash
# demo.sh: siplb in front of three SIP proxies, with live figures. On a fresh Debian machine it
# installs what it needs, builds, reserves hugepages, builds a small network of namespaces
# (callers, the balancer on DPDK ports, three SIPp backends with weights 1:1:2), sends calls
# through the balancer, shows what happens each second, then the result, and cleans up.
#   sudo scripts/demo.sh            DEMO_CALLS=3000 DEMO_RATE=150 by default
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
CALLS=${DEMO_CALLS:-3000}
RATE=${DEMO_RATE:-150}
WEIGHTS="1 1 2"
PFX=slbd

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (namespaces, hugepages): sudo $0" >&2
	exit 1
fi

echo "== setting up (packages, build)"
./scripts/setup.sh || exit 1
if [ ! -d build ]; then
	meson setup build >/dev/null || exit 1
fi
ninja -C build >/dev/null || { ninja -C build; exit 1; }

# shellcheck source=../tests/e2e/lib.sh
source tests/e2e/lib.sh
# shellcheck source=../tests/e2e/redis.sh
source tests/e2e/redis.sh
OUT=$(mktemp -d /tmp/siplb-demo.XXXXXX)
DP_LOG=$OUT/dataplane.log
cleanup() {
	kill_all
	net_down
	rm -rf "/var/run/dpdk/${PFX}dp" /dev/hugepages/"${PFX}dp"map_* 2>/dev/null
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, cleaning up"; exit 130' INT TERM

echo "== network: callers $CALLER_IP | siplb $LB_CALLER_IP / $LB_BACKEND_IP | proxies ${BACKEND_IPS[*]}"
hugepages_up 512 || exit 1
net_up || exit 1
write_conf "$OUT/siplb.conf" 2 "$WEIGHTS" true "${PFX}dp"
# dialogs in Redis: a redis-server of the demo's own in the balancer's namespace
REDIS_PORT=6399
conf_redis "$OUT/siplb.conf" "$REDIS_PORT" demo
echo "== starting redis-server on 127.0.0.1:$REDIS_PORT in the balancer's namespace (dialog state)"
redis_up "$REDIS_PORT" "$OUT/redis" || { echo "demo: redis-server did not start" >&2; exit 1; }
CTL_SOCK=$OUT/control.sock
echo "== starting siplb-control (health checks every 500 ms, down after 2 failures, dialogs to"
echo "   Redis; log $OUT/control.log)"
spawn ip netns exec "$NS_LB" "$top/build/control/siplb-control" -c "$OUT/siplb.conf" \
	>"$OUT/control.log" 2>&1
CTL_PID=$LAST_PID
echo "== starting siplb-dataplane (2 workers; config $OUT/siplb.conf, log $DP_LOG)"
if ! dp_start "$top/build/dataplane/siplb-dataplane" "$OUT/siplb.conf" "$DP_LOG"; then
	tail -n 20 "$DP_LOG"
	echo "demo: the dataplane did not start" >&2
	exit 1
fi
grep -E 'ctl: (loaded|starting)' "$DP_LOG"
backends_up "$top/tests/e2e/scenarios/uas.xml" "$OUT"
if ! python3 tests/e2e/ctl_wait.py "$CTL_SOCK" running 10 >/dev/null; then
	tail -n 5 "$OUT/control.log"
	echo "demo: siplb-control did not attach" >&2
	exit 1
fi
for b in proxy1 proxy2 proxy3; do
	python3 tests/e2e/ctl_wait.py "$CTL_SOCK" state "$b" up 10 >/dev/null
done
build/control/siplbctl -s "$CTL_SOCK" backends
# the script of events, in seconds into the calls: 1/10 and 1/5 of the way proxy3 is drained and
# enabled by siplbctl, at 1/3 proxy2 stops, at 1/2 siplb-control restarts, at 2/3 proxy2 is back
DUR=$((CALLS / RATE))
DRAIN_AT=$((DUR / 10))
ENABLE_AT=$((DUR / 5))
KILL_AT=$((DUR / 3))
RESTART_AT=$((DUR / 2))
BACK_AT=$((2 * DUR / 3))
echo "== while the calls run: proxy3 drained at ${DRAIN_AT}s and enabled at ${ENABLE_AT}s (siplbctl);"
echo "   proxy2 stopped at ${KILL_AT}s; siplb-control restarted at ${RESTART_AT}s; proxy2 back at ${BACK_AT}s"
ctl() { build/control/siplbctl -s "$CTL_SOCK" "$@"; }

echo "== $CALLS calls at $RATE per second from SIPp (INVITE, 180, 200, ACK, BYE, 200)"
callers_run "$top/tests/e2e/scenarios/uac.xml" "$CALLS" "$RATE" "$OUT/calls.csv" \
	"$OUT/calls.out" &
CALLER_PID=$!
PIDS+=("$CALLER_PID")

# one line a second: the callers' progress (SIPp's statistics file) and the balancer's own
# figures (its per-second stats log)
live() {
	local t=$1 ok failed rate be dl
	ok=$(sipp_stat "$OUT/calls.csv" 'SuccessfulCall(C)' 2>/dev/null || echo 0)
	failed=$(sipp_stat "$OUT/calls.csv" 'FailedCall(C)' 2>/dev/null || echo 0)
	rate=$(grep -E '^stats: [0-9]+ rx/s' "$DP_LOG" | tail -n 1 | sed -E 's/^stats: //; s/; mempool.*//')
	dl=$(grep -E '^stats: dialogs live' "$DP_LOG" | tail -n 1 | grep -oE 'live [0-9]+' )
	be=$(grep -E '^stats: backends:' "$DP_LOG" | tail -n 1 | sed -E 's/^stats: backends: //; s/ \(table.*//')
	st=$(python3 tests/e2e/ctl_wait.py "$CTL_SOCK" get backends 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s" % (b["name"], b["state"]) for b in d.get("backends", [])))' 2>/dev/null)
	keys=$(rcli "$REDIS_PORT" dbsize 2>/dev/null)
	printf '%4ss  calls ok %-5s failed %-3s | siplb %s, dialogs %s (in Redis %s) | to proxies: %s | %s\n' \
		"$t" "${ok:-0}" "${failed:-0}" "${rate:-?}" "${dl#live }" "${keys:-?}" "${be:-?}" \
		"${st:-control?}"
}
start=$(date +%s)
stage=0 # how far the script of events has gone
limit=$((CALLS / RATE + 60))
while kill -0 "$CALLER_PID" 2>/dev/null; do
	sleep 1
	now=$(($(date +%s) - start))
	[ -s "$OUT/calls.csv" ] && live "$now"
	if [ "$now" -ge "$DRAIN_AT" ] && [ "$stage" = 0 ]; then
		stage=1
		echo "== siplbctl backend drain proxy3: its calls carry on, new calls go elsewhere"
		ctl backend drain proxy3 >/dev/null
	elif [ "$now" -ge "$ENABLE_AT" ] && [ "$stage" = 1 ]; then
		stage=2
		echo "== siplbctl backend enable proxy3"
		ctl backend enable proxy3 >/dev/null
	elif [ "$now" -ge "$KILL_AT" ] && [ "$stage" = 2 ]; then
		stage=3
		echo "== proxy2 stopped (its SIPp killed): watch it leave"
		kill -KILL "${BACKEND_PIDS[1]}" 2>/dev/null
	elif [ "$now" -ge "$RESTART_AT" ] && [ "$stage" = 3 ]; then
		stage=4
		echo "== siplb-control restarted: the dataplane forwards on, control reads the state back"
		kill -TERM "$CTL_PID"
		wait "$CTL_PID" 2>/dev/null
		spawn ip netns exec "$NS_LB" "$top/build/control/siplb-control" -c "$OUT/siplb.conf" \
			>>"$OUT/control.log" 2>&1
		CTL_PID=$LAST_PID
	elif [ "$now" -ge "$BACK_AT" ] && [ "$stage" = 4 ]; then
		stage=5
		echo "== proxy2 started again: watch it come back after 2 good probes"
		mkdir -p "$OUT/back"
		backend_up 1 "$top/tests/e2e/scenarios/uas.xml" "$OUT/back"
	fi
	if [ "$now" -gt "$limit" ]; then
		echo "demo: callers still running after ${limit}s, stopping them"
		kill "$CALLER_PID"
		break
	fi
done
wait "$CALLER_PID"
rc=$?
sleep 2.5 # the backends keep each call 2 s for a retransmitted BYE
echo
ctl backends
echo
ctl dialogs
kill -TERM "$CTL_PID"
wait "$CTL_PID" 2>/dev/null
backends_down

echo
echo "== result"
ok=$(sipp_stat "$OUT/calls.csv" 'SuccessfulCall(C)')
failed=$(sipp_stat "$OUT/calls.csv" 'FailedCall(C)')
echo "calls: $ok of $CALLS completed, $failed failed (SIPp exit $rc): calls fail only in the"
echo "       detection window after proxy2's stop (calls it had answered), none after"
mkdir -p "$OUT/back" && touch "$OUT/back/proxy2.msg"
python3 tests/e2e/sipp_log.py proxy1="$OUT/proxy1.msg" proxy2="$OUT/proxy2.msg" \
	proxy2b="$OUT/back/proxy2.msg" proxy3="$OUT/proxy3.msg" | python3 -c '
import json, sys
d = json.load(sys.stdin); w = [int(x) for x in sys.argv[1].split()]
d["proxy2"].update(d.pop("proxy2b"))  # the same proxy before its stop and after its return
where = {}
for be, calls in d.items():
    for cid in calls:
        if not cid.endswith("@siplb-probe"):  # siplb-control health checks
            where.setdefault(cid, set()).add(be)
total = len(where) or 1
split = sum(1 for s in where.values() if len(s) > 1)
print("spread over the proxies (weights %s):" % ":".join(map(str, w)))
for be, wt in zip(sorted(d), w):
    n = sum(1 for s in where.values() if be in s)
    print("  %-7s %5d calls  %5.1f%%  (weight share %4.1f%%)" % (be, n, 100.0 * n / total, 100.0 * wt / sum(w)))
print("calls whose messages reached more than one proxy: %d" % split)
' "$WEIGHTS"

kill -TERM "$DP_PID"
for _ in $(seq 1 30); do
	kill -0 "$DP_PID" 2>/dev/null || break
	sleep 0.5
done
wait "$DP_PID" 2>/dev/null
echo
echo "== siplb-dataplane's final counters"
sed -n '/^final counters/,$p' "$DP_LOG"
echo
echo "demo: logs kept in $OUT"
