#!/usr/bin/env bash
# latency.sh: the latency siplb-dataplane adds to a SIP message, one datagram in to one out
# (issue 10, "Latency that does not wait for a timer"), in the end-to-end tests' network
# (tests/e2e/lib.sh): SIPp callers and three SIPp backends (uac.xml, uas.xml: INVITE, 180, 200,
# ACK, BYE, 200) at each of RATES calls/s for DURATION s.
#
# bench/latency.py takes every frame on the balancer's two links with the kernel's timestamp
# (a TPACKET_V3 ring per link): the callers' link is the dataplane's net_tap device, seen from
# its kernel side in the callers' namespace (CALLERS=tap, the tests' set-up), or with
# CALLERS=veth a veth pair the dataplane holds with net_af_packet as on the backend side; the
# backends' link is seen from the backends' end of its veth pair (what the dataplane sends
# through net_af_packet never shows on a packet socket on its own end: it bypasses the qdisc
# and the taps with it). A datagram to the balancer's address on a link enters it, one from it
# leaves; each message in is paired with the same message out on the other link (Call-ID,
# CSeq, first line, direction), and the table gives p50, p99, p99.9 and max of (out - in), for
# all messages and for each direction. Through net_tap the callers-to-backends direction also
# holds the tap PMD's own wait: it reads its file descriptor only once the realtime signal the
# kernel raises per packet has been handled by one of the process's threads.
#
# The dataplane runs write_conf's configuration (the tests' file) with WORKERS workers (1, the
# default config's), idle_sleep_us = IDLE_SLEEP_US (50, as the tests use it: a worker idle for
# 256 polls sleeps that long; 0 is the default config's pure polling), queues.tx_drain_us =
# TX_DRAIN_US (100, the default), and for each of VARIANTS:
#   noflush  queues.tx_flush_idle = false: tx buffers go out full or at the drain deadline, as
#            before the early flush
#   flush    queues.tx_flush_idle = true (the default): also as soon as a poll finds the rx
#            queues drained
#   base     the dataplane of build BASE (say, main built apart), with write_conf's file and
#            IDLE_SLEEP_US (its drain deadline the default)
# The worker lcores have their CPUs to themselves where the machine has enough (SIPp and the
# capture run on the others; PIN=0 lets them run anywhere); the backends keep no message
# traces. KEEP_FRAMES=1 keeps each run's frames (frames.pickle) for latency.py report.
#   sudo bench/latency.sh [build-dir]
#   RATES="1000 3000" DURATION=10 WORKERS=1 IDLE_SLEEP_US=50 TX_DRAIN_US=100 CALLERS=tap
#   VARIANTS="noflush flush" BASE= PIN=1 KEEP_FRAMES=
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$top/build}
[[ "$BUILD" = /* ]] || BUILD=$top/$BUILD
RATES=${RATES:-1000 3000}
DURATION=${DURATION:-10}
WORKERS=${WORKERS:-1}
IDLE_SLEEP_US=${IDLE_SLEEP_US:-50}
VARIANTS=${VARIANTS:-noflush flush}
BASE=${BASE:-}
CALLERS=${CALLERS:-tap}
TX_DRAIN_US=${TX_DRAIN_US:-100}
E2E=$top/tests/e2e
SCEN=$E2E/scenarios
PFX=slbl
# shellcheck source=../tests/e2e/lib.sh
source "$E2E/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "latency: run as root" >&2; exit 1; }
case $CALLERS in
tap) CALLER_IF=${PFX}tap ;;
veth) CALLER_IF="cal" ;;
*) echo "latency: CALLERS is tap or veth" >&2; exit 1 ;;
esac
case " $VARIANTS " in
*" base "*) [ -x "$BASE/dataplane/siplb-dataplane" ] ||
	{ echo "latency: variant base needs BASE=<build dir> with a dataplane" >&2; exit 1; } ;;
esac
OUT=$(mktemp -d /tmp/siplb-latency.XXXXXX)
DP_PID=
CAP_PID=
cleanup() {
	kill_all
	net_down
	rm -rf "/var/run/dpdk/${PFX}dp" /dev/hugepages/"${PFX}dp"map_* "/dev/shm/${PFX}dp" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPUs for everything but the dataplane: those of no worker lcore (write_conf puts lcore i on
# CPU i when there are enough), else all of them.
NCPU=$(nproc)
ALL_CPUS=0-$((NCPU - 1))
if [ "${PIN:-1}" = 1 ] && [ $((WORKERS + 1)) -le "$NCPU" ]; then
	GEN_CPUS=0
	[ $((WORKERS + 1)) -lt "$NCPU" ] && GEN_CPUS=0,$((WORKERS + 1))-$((NCPU - 1))
	CPU_NOTE="worker lcore(s) alone on CPU(s) 1-$WORKERS, SIPp and the capture on CPU(s) $GEN_CPUS"
elif [ $((WORKERS + 1)) -le "$NCPU" ]; then
	GEN_CPUS=$ALL_CPUS
	CPU_NOTE="lcores on CPUs 0-$WORKERS, SIPp and the capture on any CPU (PIN=0)"
else
	GEN_CPUS=$ALL_CPUS
	CPU_NOTE="$((WORKERS + 1)) lcores floating over $NCPU CPUs, shared with SIPp and the capture"
fi

# A SIPp backend per address, as lib.sh's backends_up, without message traces.
backends_quiet() {
	local i
	BACKEND_PIDS=()
	for i in 0 1 2; do
		spawn ip netns exec "$NS_B" sipp -sf "$SCEN/uas.xml" -i "${BACKEND_IPS[$i]}" -p 5060 \
			-aa "${SIPP_OPTS[@]}" >"$1/proxy$((i + 1)).out" 2>&1 </dev/null
		BACKEND_PIDS[$i]=$LAST_PID
	done
	sleep 0.5
}

# The dataplane of variant $1 on a fresh network, ARP settled on both sides.
dp_up() {
	local bin=$BUILD/dataplane/siplb-dataplane a q
	[ "$1" = base ] && bin=$BASE/dataplane/siplb-dataplane
	# all CPUs again first: write_conf maps the lcores onto the CPUs nproc reports
	taskset -pc "$ALL_CPUS" $$ >/dev/null
	net_up || return 1
	write_conf "$OUT/$1.conf" "$WORKERS" "1 1 1" true "${PFX}dp"
	sed -i "s/^idle_sleep_us = .*/idle_sleep_us = $IDLE_SLEEP_US;/" "$OUT/$1.conf"
	case $1 in
	noflush) q="tx_flush_idle = false; tx_drain_us = $TX_DRAIN_US;" ;;
	flush) q="tx_flush_idle = true; tx_drain_us = $TX_DRAIN_US;" ;;
	*) q= ;;
	esac
	[ -n "$q" ] && echo "queues: { $q };" >>"$OUT/$1.conf"
	if [ "$CALLERS" = tap ]; then
		dp_start "$bin" "$OUT/$1.conf" "$OUT/$1.log" || { tail "$OUT/$1.log"; return 1; }
	else
		# net_af_packet on the callers' veth too, which stays where net_up put it
		sed -i "s/\"net_tap0,iface=${PFX}tap\"/\"net_af_packet0,iface=$LBC,qpairs=$WORKERS\"/" \
			"$OUT/$1.conf"
		spawn ip netns exec "$NS_LB" "$bin" -c "$OUT/$1.conf" >"$OUT/$1.log" 2>&1
		DP_PID=$LAST_PID
		for _ in $(seq 1 40); do
			grep -q 'main: running' "$OUT/$1.log" && break
			kill -0 "$DP_PID" 2>/dev/null || break
			sleep 0.5
		done
		grep -q 'main: running' "$OUT/$1.log" || { tail "$OUT/$1.log"; return 1; }
	fi
	taskset -pc "$GEN_CPUS" $$ >/dev/null
	# the balancer learns every peer from its ARP, so no message waits for one
	ip netns exec "$NS_C" ping -c 1 -W 1 "$LB_CALLER_IP" >/dev/null || return 1
	for a in "${BACKEND_IPS[@]}"; do
		ip netns exec "$NS_B" ping -c 1 -W 1 -I "$a" "$LB_BACKEND_IP" >/dev/null || return 1
	done
}

# One rate on the running dataplane: $1 variant, $2 calls/s. Prints the table's rows.
run_rate() {
	local d=$OUT/$1-$2 n=$(($2 * DURATION)) ok p
	mkdir -p "$d"
	backends_quiet "$d"
	spawn python3 "$top/bench/latency.py" capture "$d/frames.pickle" \
		"$NS_C:$CALLER_IF:$LB_CALLER_IP" "$NS_B:bal:$LB_BACKEND_IP" >"$d/capture.out" 2>&1
	CAP_PID=$LAST_PID
	for _ in $(seq 1 50); do
		grep -q ready "$d/capture.out" && break
		sleep 0.1
	done
	callers_run "$SCEN/uac.xml" "$n" "$2" "$d/uac.csv" "$d/uac.out" "$NS_C" "$CALLER_IP" 5060 \
		-l $(($2 * 2))
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	sleep 0.5
	kill -INT "$CAP_PID"
	wait "$CAP_PID"
	forget_pid "$CAP_PID"
	CAP_PID=
	for p in "${BACKEND_PIDS[@]}"; do
		forget_pid "$p"
	done
	backends_down
	python3 "$top/bench/latency.py" report "$d/frames.pickle" "$1 at $2 calls/s ($ok/$n calls)" \
		"callers ($CALLERS)" "backends (veth)"
	[ -n "${KEEP_FRAMES:-}" ] || rm -f "$d/frames.pickle"
}

hugepages_up 512 || exit 1
echo "latency: the time a message spends in siplb-dataplane ($BUILD), one datagram in to one"
echo "out, from kernel timestamps on its two links; $WORKERS worker(s), idle_sleep_us =" \
	"$IDLE_SLEEP_US, queues.tx_drain_us = $TX_DRAIN_US; $CPU_NOTE; $DURATION s a rate; logs in $OUT"
printf '%-40s %8s %8s %8s %8s %8s %9s\n' variant 'msgs in' paired 'p50 us' 'p99 us' \
	'p99.9 us' 'max us'
for v in $VARIANTS; do
	if ! dp_up "$v"; then
		echo "latency: variant $v: the dataplane did not come up (see $OUT)" >&2
		exit 1
	fi
	for r in $RATES; do
		run_rate "$v" "$r"
	done
	stop_pid "$DP_PID"
	DP_PID=
	net_down
	rm -rf "/var/run/dpdk/${PFX}dp" /dev/hugepages/"${PFX}dp"map_* "/dev/shm/${PFX}dp" 2>/dev/null
done
