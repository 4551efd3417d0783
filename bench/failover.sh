#!/usr/bin/env bash
# failover.sh: one of three proxies fails under load, behind siplb and behind Kamailio's stateless
# dispatcher on the same test: how fast each takes it out and which calls fail (issue 7, "Calls
# caught by the failure"). Through namespaces (tests/e2e/lib.sh), SIPp at RATE calls/s (300) for
# DURATION s (20), proxy2 failing KILL_AT s (5) into the calls. Two failures:
#   kill    proxy2's SIPp is killed: its host answers ICMP port unreachable
#   silent  proxy2's host drops everything (nft, no ICMP): only the probes can tell
# Balancers, each with the same health checks (OPTIONS every 1 s, 800 ms timeout, down after 2
# failures, up after 2 successes):
#   siplb             siplb-dataplane with siplb-control (its defaults)
#   kamailio          Kamailio's dispatcher, stateless (bench/kamailio/dispatcher.cfg), in the
#                     balancer's namespace on the same addresses
#   siplb-nochecks    siplb-dataplane alone (kill only): no health checks at all
#   kamailio-nochecks the dispatcher without keepalives (kill only)
# Prints one row per balancer and failure (medians over RUNS runs, each run in parentheses):
#   detected_s            failure to the balancer marking proxy2 down (control's log line;
#                         the dispatcher's dst-down event route)
#   last_new_s            failure to the start of the last call whose first INVITE went to
#                         proxy2 (a call started after the failure left unanswered, or answered
#                         only after an INVITE retransmission)
#   failed_after_failure  calls started after the failure that failed (the issue's target for
#                         siplb: under 10)
#   failed_in_progress    calls started before it that failed (in progress on proxy2)
#   rescued               calls started after it whose first INVITE was lost on proxy2 and whose
#                         retransmission completed on a live proxy
# bench/failover_calls.py classifies the calls from the caller SIPp's per-call log (each call's
# start, its 200 and which backend sent it, its end, on SIPp's wall clock) against the failure's
# time, read by bash ($EPOCHREALTIME, the same clock) as the kill or the nft rule returns; see
# there. Below the table, one line per run says how the failed calls got lost. Without health
# checks a call sent to proxy2 is retransmitted for 64 s and SIPp's global timeout (calls/rate
# + 30 s) ends the run: it counts those calls as failed, SIPp's own count does not.
#   sudo bench/failover.sh [build-dir]
#   RATE=300 DURATION=20 KILL_AT=5 RUNS=1 BALANCERS="siplb kamailio" MODES="kill silent" NOCHECKS=1
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$top/build}
[[ "$BUILD" = /* ]] || BUILD=$top/$BUILD
RATE=${RATE:-300}
DURATION=${DURATION:-20}
KILL_AT=${KILL_AT:-5}
RUNS=${RUNS:-1}
BALANCERS=${BALANCERS:-siplb kamailio}
MODES=${MODES:-kill silent}
NOCHECKS=${NOCHECKS:-1}
E2E=$top/tests/e2e
SCEN=$E2E/scenarios
UAC=$top/bench/failover_uac.xml
CALLS=$top/bench/failover_calls.py
KAM_CFG=$top/bench/kamailio/dispatcher.cfg
KAM_LIST=$top/bench/kamailio/dispatcher.list
PFX=slbf
# shellcheck source=../tests/e2e/lib.sh
source "$E2E/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "failover: run as root" >&2; exit 1; }
case " $BALANCERS " in
*" kamailio "*) command -v kamailio >/dev/null ||
	{ echo "failover: no kamailio (apt-get install kamailio)" >&2; exit 1; } ;;
esac
OUT=$(mktemp -d /tmp/siplb-failover.XXXXXX)
FAILED_IP=${BACKEND_IPS[1]}
DP_PID=
CTL_PID=
KAM_PID=
cleanup() {
	kill_all
	net_down
	rm -rf "/var/run/dpdk/${PFX}dp" /dev/hugepages/"${PFX}dp"map_* "/dev/shm/${PFX}dp" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- siplb ------------------------------------------------------------------------------------
# The dataplane (and, unless $1 is nochecks, siplb-control) on a fresh network.
siplb_up() {
	net_up || return 1
	write_conf "$OUT/dp.conf" 2 "1 1 1" true "${PFX}dp"
	# the default health checks, not the tests' faster ones
	sed -i 's/probe_interval_ms = 500; probe_timeout_ms = 400;/probe_interval_ms = 1000; probe_timeout_ms = 800;/' \
		"$OUT/dp.conf"
	dp_start "$BUILD/dataplane/siplb-dataplane" "$OUT/dp.conf" "$OUT/dataplane.log" ||
		{ tail "$OUT/dataplane.log"; return 1; }
	[ "$1" = nochecks ] && return 0
	spawn ip netns exec "$NS_LB" "$BUILD/control/siplb-control" -c "$OUT/dp.conf" \
		>"$OUT/control.log" 2>&1
	CTL_PID=$LAST_PID
	python3 "$E2E/ctl_wait.py" "$OUT/control.sock" running 10 >/dev/null ||
		{ tail "$OUT/control.log"; return 1; }
}

siplb_down() {
	stop_pid "$CTL_PID"
	CTL_PID=
	stop_pid "$DP_PID"
	DP_PID=
	rm -rf "/var/run/dpdk/${PFX}dp" /dev/hugepages/"${PFX}dp"map_* "/dev/shm/${PFX}dp" 2>/dev/null
}

# ---- Kamailio ---------------------------------------------------------------------------------
# The dispatcher in the balancer's namespace, on the addresses siplb's ports have: lib.sh's
# network with the kernel owning them. $1: nochecks for no keepalives. Its own runtime directory,
# in the foreground (-DD -E), stopped by its PID.
kamailio_up() {
	local run=$OUT/kamailio-$1 def=()
	net_up || return 1
	ip -n "$NS_LB" addr add "$LB_CALLER_IP/24" dev "$LBC" || return 1
	ip -n "$NS_LB" addr add "$LB_BACKEND_IP/24" dev "$LBB" || return 1
	mkdir -p "$run"
	[ "$1" = nochecks ] && def=(-A NO_PING)
	KAM_LOG=$run/kamailio.log
	spawn ip netns exec "$NS_LB" kamailio -f "$KAM_CFG" -A "DS_LIST=\"$KAM_LIST\"" "${def[@]}" \
		-Y "$run" -P "$run/kamailio.pid" -DD -E >"$KAM_LOG" 2>&1
	KAM_PID=$LAST_PID
	for _ in $(seq 1 40); do
		[ -s "$run/kamailio.pid" ] && return 0
		kill -0 "$KAM_PID" 2>/dev/null || break
		sleep 0.25
	done
	tail "$KAM_LOG"
	return 1
}

kamailio_down() {
	stop_pid "$KAM_PID"
	KAM_PID=
}

# Every proxy active in the dispatcher: no DS-DOWN for it since its last DS-UP (all start active;
# between runs, with no SIPp answering, the keepalives take them down). $1 timeout in seconds.
kamailio_all_up() {
	for _ in $(seq 1 $(($1 * 10))); do
		python3 - "$KAM_LOG" "${BACKEND_IPS[@]}" <<'PY' && return 0
import sys
last = {}
for line in open(sys.argv[1], errors='replace'):
    for w in ('DS-DOWN', 'DS-UP'):
        i = line.find(w + ' sip:')
        if i >= 0:
            last[line[i:].split()[1]] = w
sys.exit(0 if all(last.get('sip:%s:5060' % ip, 'DS-UP') == 'DS-UP' for ip in sys.argv[2:]) else 1)
PY
		sleep 0.1
	done
	return 1
}

# The balancer passes calls at all: 60 calls at 60/s all complete, or the script stops. $1 kind
# (as run_one's), $2 its name in the table.
smoke() {
	local d=$OUT/$1-smoke ok
	mkdir -p "$d"
	backends_up "$SCEN/uas.xml" "$d"
	wait_ready "$1"
	callers_run "$UAC" 60 60 "$d/uac.csv" "$d/uac.out"
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	sleep 2.5
	backends_down
	[ "$ok" = 60 ] && return 0
	echo "failover: $2 completed $ok of 60 calls before any failure (logs in $d)" >&2
	return 1
}

# Every proxy in the balancer's rotation ($1 kind, as run_one's), after backends_up.
wait_ready() {
	local b
	case $1 in
	siplb)
		for b in proxy1 proxy2 proxy3; do
			python3 "$E2E/ctl_wait.py" "$OUT/control.sock" state "$b" up 10 >/dev/null ||
				echo "failover: $b not up before the run" >&2
		done
		;;
	kamailio) kamailio_all_up 10 || echo "failover: a proxy not active before the run" >&2 ;;
	esac
}

# ---- one run ----------------------------------------------------------------------------------
# $1 balancer, $2 failure mode, $3 run number. Leaves $OUT/<balancer>-<mode>-<n>/result.json.
run_one() {
	local bal=$1 mode=$2 i=$3 d=$OUT/$1-$2-$3 n=$((RATE * DURATION)) cpid t_start t_fail t_down='' det
	mkdir -p "$d"
	backends_up "$SCEN/uas.xml" "$d"
	wait_ready "$bal"
	t_start=$EPOCHREALTIME
	# -l: no cap on calls in progress, which calls stuck on the failed proxy would reach and
	# SIPp would then slow the call rate for (lib.sh's 200 suits its tests, not this)
	spawn callers_run "$UAC" "$n" "$RATE" "$d/uac.csv" "$d/uac.out" "$NS_C" "$CALLER_IP" 5060 \
		-l $((n + 1000)) -trace_logs -log_file "$d/uac.log"
	cpid=$LAST_PID
	sleep "$KILL_AT"
	# the failure's time: bash's own clock read (gettimeofday, as SIPp's log), no fork in between
	if [ "$mode" = kill ]; then
		kill -KILL "${BACKEND_PIDS[1]}"
		t_fail=$EPOCHREALTIME
		wait "${BACKEND_PIDS[1]}" 2>/dev/null
	else
		# the rule is in force when nft returns
		ip netns exec "$NS_B" nft -f - <<NFT
table ip ${PFX}silent {
	chain in {
		type filter hook input priority 0; policy accept;
		ip daddr $FAILED_IP drop
	}
}
NFT
		t_fail=$EPOCHREALTIME
	fi
	det=-
	case $bal in
	siplb)
		# proxy2 was up when the calls started: its first "down" since then is the detection
		if python3 "$E2E/ctl_wait.py" "$OUT/control.sock" state proxy2 down 30 >/dev/null; then
			t_down=$(python3 "$CALLS" logtime "$OUT/control.log" '(proxy2): down' "$t_start")
			det=$(python3 -c 'import sys; print("%.3f" % (float(sys.argv[1]) - float(sys.argv[2])))' \
				"$t_down" "$t_fail")
		fi
		;;
	kamailio)
		for _ in $(seq 1 300); do
			t_down=$(python3 "$CALLS" logtime "$KAM_LOG" "DS-DOWN sip:$FAILED_IP:" "$t_start") &&
				break
			sleep 0.1
		done
		[ -n "$t_down" ] && det=$(python3 -c \
			'import sys; print("%.3f" % (float(sys.argv[1]) - float(sys.argv[2])))' \
			"$t_down" "$t_fail")
		;;
	esac
	wait "$cpid"
	[ "$mode" = silent ] && ip netns exec "$NS_B" nft delete table ip "${PFX}silent"
	sleep 2.5
	backends_down
	python3 "$CALLS" run "$d/uac.log" --fail "$t_fail" --proxy "$FAILED_IP" --detected "$det" \
		--label balancer="$4" --label failure="$mode" \
		--label sipp_failed="$(sipp_stat "$d/uac.csv" 'FailedCall(C)')" >"$d/result.json"
	python3 "$CALLS" line "$d/result.json"
}

# ---- the whole test ---------------------------------------------------------------------------
hugepages_up 512 || exit 1
echo "failover: $RATE calls/s for ${DURATION}s, proxy2 of 3 fails at ${KILL_AT}s;" \
	"probes every 1000 ms, timeout 800 ms, down after 2 failures; $RUNS run(s) each"
echo "$(uname -r), $(nproc) CPUs, $(sipp -v 2>/dev/null | grep -oE 'v[0-9.]+' | head -n 1)," \
	"$(kamailio -v 2>/dev/null | head -n 1)"
results=()
for bal in $BALANCERS; do
	case $bal in
	siplb)
		if [ "$NOCHECKS" = 1 ]; then
			siplb_up nochecks && smoke nochecks siplb-nochecks || exit 1
			for i in $(seq 1 "$RUNS"); do
				run_one nochecks kill "$i" siplb-nochecks
				results+=("$OUT/nochecks-kill-$i/result.json")
			done
			siplb_down
		fi
		siplb_up checks && smoke siplb siplb || exit 1
		for mode in $MODES; do
			for i in $(seq 1 "$RUNS"); do
				run_one siplb "$mode" "$i" siplb
				results+=("$OUT/siplb-$mode-$i/result.json")
			done
		done
		siplb_down
		;;
	kamailio)
		if [ "$NOCHECKS" = 1 ]; then
			kamailio_up nochecks && smoke kamailio-nochecks kamailio-nochecks || exit 1
			for i in $(seq 1 "$RUNS"); do
				run_one kamailio-nochecks kill "$i" kamailio-nochecks
				results+=("$OUT/kamailio-nochecks-kill-$i/result.json")
			done
			kamailio_down
		fi
		kamailio_up checks && smoke kamailio kamailio || exit 1
		for mode in $MODES; do
			for i in $(seq 1 "$RUNS"); do
				run_one kamailio "$mode" "$i" kamailio
				results+=("$OUT/kamailio-$mode-$i/result.json")
			done
		done
		kamailio_down
		;;
	*) echo "failover: unknown balancer $bal" >&2; exit 2 ;;
	esac
done
echo
python3 "$CALLS" table "${results[@]}"
echo "logs in $OUT"
