#!/usr/bin/env bash
# e2e.sh: issue 9's end-to-end benchmarks in one run, as one table (bench/e2e_report.py), each
# figure the median of RUNS runs, with the machine and the versions:
#   memif    siplb-dataplane (1 worker) back to back with siplb-gen over net_memif: the highest
#            call rate with no failed call and loss < 0.01%, searched two ways: open loop (a
#            fixed rate: a ladder x1.25 up to the first failure, then two bisections) and
#            closed loop (W calls in progress, W doubled from 500 up to the first failure);
#            the message rates; latency at half the higher rate; perf of both vCPUs
#   testpmd  the same searches with dpdk-testpmd (io forwarding) in the balancer's place: the
#            link's ceiling, a forwarder that does no work
#   veth     Kamailio's dispatcher and siplb-dataplane (polling, and with idle_sleep_us) each in
#            a namespace behind veth pairs, siplb-gen on net_af_packet at VETH_RATE calls/s:
#            messages forwarded per CPU-second of the balancer's processes (bench/e2e_veth.sh)
#   gen      siplb-gen's own ceiling on one core (closed loop over a net_ring loopback, both
#            ends) beside SIPp's uac (the highest rate with no failed call, a ladder)
#   pipeline bench_pipeline (bursts of 32, one core, no I/O): what one worker's core could do
#   dialog   bench/dialog_scale.sh's table (10k, 1M, 10M dialogs in progress)
#   sudo bench/e2e.sh BUILD    (alone on the machine: never two benchmarks at once)
# Env: RUNS (3), PARTS ("memif testpmd veth gen pipeline dialog"), SECS per ladder step (3), START
# (first rate of the first ladder, 20000 calls/s), VETH_RATE (calls/s, 4000), VETH_SECS (8),
# IDLE_SLEEP (50), SIPP_START (8000). Needs root (hugepages, namespaces). Each DPDK process on a
# vCPU of its own: the balancer's (or testpmd's) lcores on CPU 1, siplb-gen's on CPU 0. Run
# nothing else meanwhile: every process here polls a vCPU.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:?usage: e2e.sh BUILD}
[[ "$BUILD" = /* ]] || BUILD=$top/$BUILD
RUNS=${RUNS:-3}
PARTS=${PARTS:-memif testpmd veth gen pipeline dialog}
SECS=${SECS:-3}
START=${START:-20000}
SIPP_START=${SIPP_START:-8000}
REPORT=$top/bench/e2e_report.py
[ "$(id -u)" -eq 0 ] || { echo "e2e.sh: run as root (hugepages, namespaces)" >&2; exit 1; }
OUT=$(mktemp -d /tmp/slbk-e2e.XXXXXX)
RES=$OUT/results
PIDS=()
spawn() {
	"$@" &
	PIDS+=($!)
	LAST_PID=$! # gen.sh reads it
	export LAST_PID
}
# shellcheck source=tests/e2e/gen.sh
source "$top/tests/e2e/gen.sh"
GEN_PFX=slbk- # gen.sh's functions read it when called: this script's runtime files
# shellcheck source=bench/e2e_veth.sh
source "$top/bench/e2e_veth.sh"
TPMD_PID=
GEN_DP_PID=
KIND=
cleanup() {
	stop_pid "$TPMD_PID"
	stop_pid "$GEN_DP_PID"
	gen_cleanup
	rm -rf /var/run/dpdk/slbk-tpmd /dev/hugepages/slbk-tpmdmap_* 2>/dev/null
	veth_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stop one process this script started, by its PID, and reap it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
put() { echo "$1 $2" >>"$RES"; }
log() { echo "[$(date -u +%H:%M:%S)] $*"; }

# ---- the machine and the versions ------------------------------------------------------------
put info.cpu "$(lscpu | sed -n 's/^Model name: *//p')"
put info.vcpus "$(nproc)"
put info.kernel "$(uname -r)"
put info.siplb "$("$BUILD/dataplane/siplb-dataplane" --version 2>/dev/null | awk '{print $2}')\
 ($(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'))"
put info.dpdk "$(pkg-config --modversion libdpdk 2>/dev/null || echo '?')"
put info.kamailio "$(kamailio -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p')"
put info.sipp "$(sipp -v 2>&1 | sed -n 's/.*SIPp \(v[^ ,-]*\).*/\1/p' | head -n 1)"
put info.runs "$RUNS"
put info.when "$(date -u '+%Y-%m-%d %H:%M UTC'), load before $(cut -d' ' -f1-3 /proc/loadavg)"
# 1 GB of 2 MB pages: the dataplane's 160 MB, siplb-gen's 96, testpmd's 256 (dialog_scale.sh
# reserves what 10M dialogs need itself)
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 512 ] || echo 512 >/proc/sys/vm/nr_hugepages
log "e2e: $(nproc) vCPUs, results and logs in $OUT"

# ---- a rate search over memif ------------------------------------------------------------------
# One step: siplb-gen at $2 calls/s for SECS s against whatever serves the memif sockets of dir
# $1, further options after; 0 when it passes. Keeps the step's JSON as step-RATE.json.
memif_step() {
	local d=$1 r=$2 res rc t=$SECONDS
	shift 2
	rm -f "$d/gen.json"
	if [ "$KIND" = tpmd ]; then
		tpmd_start "$d" || log "testpmd did not start: $(tail -n 3 "$d/testpmd.log")"
	fi
	gen_run "$d" --calls $((r * SECS)) --rate "$r" --max-calls 200000 --hold 0 --quiet "$@"
	[ "$KIND" = tpmd ] && tpmd_stop
	cp "$d/gen.json" "$d/step-$r.json" 2>/dev/null || rm -f "$d/step-$r.json"
	cp "$d/gen.out" "$d/step-$r.out"
	res=$(python3 "$REPORT" step "$d/step-$r.json" "$r")
	rc=$?
	log "  $r calls/s: $res (started/s msgs/s loss% failed) $([ $rc = 0 ] && echo pass || echo FAIL)," \
		"$((SECONDS - t)) s"
	return $rc
}

# The highest passing rate from $2 up: x1.25 until a step fails, then two bisections (down by
# halves if $2 itself fails). $1 dir; the gen's options after. Sets BEST (0: none passed).
ladder() {
	local d=$1 r=$2 lo=0 hi=0 mid
	shift 2
	while memif_step "$d" "$r" "$@"; do
		lo=$r
		r=$((r * 5 / 4))
		[ "$r" -gt 2000000 ] && break
	done
	[ "$lo" != "$r" ] && hi=$r
	while [ "$lo" = 0 ] && [ "$r" -gt 1000 ]; do
		r=$((r / 2))
		memif_step "$d" "$r" "$@" && lo=$r || hi=$r
	done
	for _ in 1 2; do
		if [ "$lo" = 0 ] || [ "$hi" = 0 ]; then break; fi
		mid=$(((lo + hi) / 2))
		if memif_step "$d" "$mid" "$@"; then lo=$mid; else hi=$mid; fi
	done
	BEST=$lo
}

# dpdk-testpmd, io forwarding between two memif servers on dir $1's sockets, on CPU 1 as the
# dataplane would be. siplb-gen's ports then reach each other unchanged: it asks ARP for the
# "balancer" 198.18.1.10 (a backend it plays) and its backends side for 198.18.0.10 (a caller),
# so each side learns the other's MAC, and every message goes straight to the peer it names.
# One testpmd per siplb-gen run: testpmd 22.11 forwarding on a memif server crashes (SIGSEGV)
# when its client goes and another connects.
tpmd_start() {
	local d=$1
	rm -f "$d/testpmd.log"
	spawn dpdk-testpmd --lcores '(0-1)@1' --file-prefix=slbk-tpmd --no-pci -m 256 \
		--vdev="net_memif0,role=server,socket=$d/c.sock,id=0,rsize=$GEN_RSIZE" \
		--vdev="net_memif1,role=server,socket=$d/b.sock,id=0,rsize=$GEN_RSIZE" \
		-- --forward-mode=io --nb-cores=1 --total-num-mbufs=32768 --no-mlockall \
		--disable-link-check --stats-period 10 </dev/null >"$d/testpmd.log" 2>&1
	TPMD_PID=$LAST_PID
	for _ in $(seq 1 40); do
		grep -q 'Start automatic packet forwarding\|io packet forwarding' "$d/testpmd.log" &&
			return 0
		kill -0 "$TPMD_PID" 2>/dev/null || return 1
		sleep 0.25
	done
	return 1
}
tpmd_stop() {
	stop_pid "$TPMD_PID"
	TPMD_PID=
	rm -rf /var/run/dpdk/slbk-tpmd 2>/dev/null
}
TPMD_ARGS=(--lb 198.18.1.10 --lb-backend 198.18.0.10)

# The closed loop: as fast as the path takes with W calls in progress, W = 500, 1000, ... up to
# the first window that fails (a failed call, loss >= 0.01%); no rate to keep, so no burst of
# catching up after a pause of siplb-gen's own. $1 dir, the gen's options after. Sets CBEST (the
# highest passing calls/s, 0: none) and CBEST_W (its window), puts KIND.closed_calls_s/msgs_s.
closed_ladder() {
	local d=$1 w=500 res rc cs ms
	shift
	CBEST=0 CBEST_W=0
	while [ $w -le 16000 ]; do
		rm -f "$d/gen.json"
		[ "$KIND" = tpmd ] && tpmd_start "$d"
		gen_run "$d" --rate 0 --max-calls $w --duration "$SECS" --hold 0 --quiet "$@"
		[ "$KIND" = tpmd ] && tpmd_stop
		cp "$d/gen.json" "$d/closed-$w.json" 2>/dev/null || rm -f "$d/closed-$w.json"
		res=$(python3 "$REPORT" step "$d/closed-$w.json")
		rc=$?
		log "  closed loop, $w in progress: $res $([ $rc = 0 ] && echo pass || echo FAIL)"
		[ $rc = 0 ] || break
		read -r cs ms _ <<<"$res"
		if [ "${cs%.*}" -gt "$CBEST" ]; then
			CBEST=${cs%.*} CBEST_W=$w CBEST_MS=$ms
		fi
		w=$((w * 2))
	done
	if [ "$CBEST" -gt 0 ]; then
		put "$KIND.closed_calls_s" "$CBEST"
		put "$KIND.closed_msgs_s" "$CBEST_MS"
		put "$KIND.closed_window" "$CBEST_W"
	fi
}

# Where the time goes at the highest rate: perf samples each vCPU (0: siplb-gen, 1: the
# dataplane) for 2 s of the closed loop with $2 calls in progress; the top symbols of each into
# $OUT/perf.txt.
perf_step() {
	local d=$1 r=$2 c
	rm -f "$d/gen.json"
	gen_run "$d" --rate 0 --max-calls "$r" --duration $((SECS + 3)) --hold 0 --quiet &
	local g=$!
	sleep 2.5
	local pp=()
	for c in 0 1; do
		perf record -q -C "$c" -o "$d/perf$c.data" -- sleep 2 >/dev/null 2>&1 &
		pp+=($!)
	done
	wait "$g" "${pp[@]}"
	for c in 0 1; do
		echo "== perf, vCPU $c ($([ $c = 0 ] && echo siplb-gen || echo siplb-dataplane))," \
			"2 s of the closed loop, $r calls in progress: top symbols"
		perf report -i "$d/perf$c.data" --stdio --sort comm,dso,sym 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 25
	done >"$OUT/perf.txt"
	log "  perf, closed loop with $r in progress: $OUT/perf.txt"
}

# Latency through the dataplane of dir $1 at $3 calls/s, open loop, SECS + 1 s; keys lat.$2.*.
lat_at() {
	local d=$1 tag=$2 r=$3 loss
	[ "$r" -gt 0 ] || return 0
	rm -f "$d/gen.json"
	gen_run "$d" --calls $((r * (SECS + 1))) --rate "$r" --max-calls 200000 --hold 0 --quiet
	cp "$d/gen.json" "$d/lat-$tag.json" || return 0
	log "  latency at $r calls/s: $(python3 "$REPORT" step "$d/lat-$tag.json")"
	python3 "$REPORT" lat "$d/lat-$tag.json" | sed "s/^lat\./lat.$tag./" >>"$RES"
	read -r _ _ loss _ < <(python3 "$REPORT" step "$d/lat-$tag.json")
	put "lat.$tag.loss_pct" "$loss"
	put "lat.$tag.rate" "$r"
}

# One run of the search for $1 (memif: the dataplane; tpmd: testpmd), its closed loop, and for
# the dataplane the latency at half the rate found. $2 the run's number, $3 the first rate.
memif_run() {
	local kind=$1 i=$2 d=$OUT/$1-$2 extra=() res
	mkdir -p "$d"
	KIND=$kind
	if [ "$kind" = memif ]; then
		gen_dp_start "$d" || { log "dataplane did not start: $(tail -n 3 "$d/dataplane.log")"; return 1; }
	else
		extra=("${TPMD_ARGS[@]}")
	fi
	log "$kind run $i: ladder from $3 calls/s, $SECS s a step"
	ladder "$d" "$3" "${extra[@]}"
	if [ "$BEST" -gt 0 ]; then
		read -r cs ms _ < <(python3 "$REPORT" step "$d/step-$BEST.json")
		put "$kind.calls_s" "$cs"
		put "$kind.msgs_s" "$ms"
	fi
	closed_ladder "$d" "${extra[@]}"
	# latency, open loop: at half the higher of the two rates found (the issue's figure), and at
	# half the open loop's (where siplb-gen's own pauses burst less)
	if [ "$kind" = memif ]; then
		lat_at "$d" hi $(((BEST > CBEST ? BEST : CBEST) / 2))
		lat_at "$d" lo $((BEST / 2))
	fi
	if [ "$kind" = memif ] && [ "$CBEST_W" -gt 0 ] && [ "$i" = "$RUNS" ] && [ "${PERF:-1}" = 1 ]; then
		perf_step "$d" "$CBEST_W"
	fi
	if [ "$kind" = memif ]; then
		gen_dp_stop
		GEN_DP_PID=
	fi
	# the next run starts a little below this one's result: two or three steps, not eight
	NEXT_START=$((BEST > 0 ? BEST * 3 / 4 : START))
}

for kind in memif tpmd; do
	[ $kind = memif ] && ! has memif && continue
	[ $kind = tpmd ] && ! has testpmd && continue
	NEXT_START=$START
	for i in $(seq 1 "$RUNS"); do
		memif_run $kind "$i" "$NEXT_START"
	done
done

# ---- siplb-gen's own ceiling, and SIPp's ----------------------------------------------------
# siplb-gen alone: one net_ring port is a loopback (what it sends, it reads), so with the
# "balancer" one of its own backends, it plays caller and callee of every call on one core.
gen_alone() {
	local d=$1
	timeout 60 "$GEN_BIN" --lb 198.18.1.10 --backends "$GEN_BACKENDS" \
		--callers 198.18.0.10+200 --caller-ports 5060+20 --rate 0 --max-calls 2000 \
		--duration 5 --hold 0 --quiet --json "$d/gen.json" -- --lcores '(0-1)@0' --main-lcore 1 \
		--in-memory --no-pci -m 96 --vdev=net_ring0 >"$d/gen.out" 2>&1
}

# SIPp's uac (CPU 0) against its uas (CPU 1) on loopback at $2 calls/s for 5 s, in dir $1;
# 0 when every call completed. -timeout 12s: a call still open then (lost, retransmitting) fails
# the step without waiting for its timer B.
sipp_step() {
	local d=$1 r=$2 n=$(($2 * 5)) res rc
	rm -f "$d"/uac*.csv
	taskset -c 1 sipp -sn uas -i 127.0.0.1 -p 5090 -buff_size 2097152 -nostdin \
		>"$d/uas.out" 2>&1 &
	local uas=$!
	sleep 0.5
	(cd "$d" && timeout 60 taskset -c 0 sipp -sn uac 127.0.0.1:5090 -i 127.0.0.1 -p 5091 \
		-r "$r" -m "$n" -l 200000 -buff_size 2097152 -nostdin -timeout 12s -trace_stat -stf uac.csv \
		-fd 1 >uac.out 2>&1)
	stop_pid "$uas"
	res=$(python3 "$REPORT" sipp "$d/uac.csv" "$n" 2>/dev/null)
	rc=$?
	log "  SIPp $r calls/s: $res (successful failed retransmissions) $([ $rc = 0 ] && echo pass || echo FAIL)"
	return $rc
}

if has gen; then
	for i in $(seq 1 "$RUNS"); do
		d=$OUT/gen-$i
		mkdir -p "$d"
		gen_alone "$d"
		read -r cs _ loss failed < <(python3 "$REPORT" step "$d/gen.json")
		log "siplb-gen alone run $i: $cs calls/s, loss $loss%, failed $failed"
		# calls completed per second of the run
		put gen.calls_s "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.0f" % (j["calls"]["completed"] / j["seconds"]))' "$d/gen.json")"
	done
	start=$SIPP_START
	for i in $(seq 1 "$RUNS"); do
		d=$OUT/sipp-$i
		mkdir -p "$d"
		log "SIPp run $i: ladder from $start calls/s"
		r=$start lo=0 hi=0
		while sipp_step "$d" "$r"; do
			lo=$r
			r=$((r * 5 / 4))
		done
		hi=$r
		while [ "$lo" = 0 ] && [ "$r" -gt 500 ]; do
			r=$((r / 2))
			sipp_step "$d" "$r" && lo=$r || hi=$r
		done
		for _ in 1 2; do
			[ "$lo" -gt 0 ] || break
			mid=$(((lo + hi) / 2))
			if sipp_step "$d" "$mid"; then lo=$mid; else hi=$mid; fi
		done
		put sipp.calls_s "$lo"
		start=$((lo > 0 ? lo * 3 / 4 : SIPP_START))
	done
fi

# ---- Kamailio and siplb behind veth pairs ----------------------------------------------------
has veth && veth_all

# ---- the pipeline alone: siplb's per-core cost without I/O (bench/run.sh's first figure) ----
if has pipeline; then
	for i in $(seq 1 "$RUNS"); do
		taskset -c 1 "$BUILD/bench/bench_pipeline" -r 31 -c 4096 -b 32 >"$OUT/pipeline-$i.out" 2>&1
		ms=$(awk '$1 == "mix" {print $5}' "$OUT/pipeline-$i.out")
		log "pipeline run $i: $ms msgs/s (mix, bursts of 32, no I/O)"
		[ -n "$ms" ] && put pipeline.msgs_s "$ms"
	done
fi

# ---- the dialog table ----------------------------------------------------------------------
if has dialog; then
	log "dialog table: bench/dialog_scale.sh"
	"$top/bench/dialog_scale.sh" "$BUILD" >"$OUT/dialog.out" 2>&1
fi

echo
log "e2e: done; logs in $OUT"
echo
python3 "$REPORT" table "$RES"
if has dialog; then
	echo
	echo "The dialog table (bench/dialog_scale.sh):"
	grep -E '^\||^\(each' "$OUT/dialog.out"
fi
if [ -s "$OUT/perf.txt" ]; then
	echo
	cat "$OUT/perf.txt"
fi
