#!/usr/bin/env bash
# run.sh: end-to-end tests of siplb-dataplane through real DPDK ports, with SIPp callers and
# backends in network namespaces. Prints PASS/FAIL per test and "E2E-RESULT <passed> <failed>".
#   tests/e2e/run.sh [build-dir]
# Needs root. Cleans up its namespaces, interfaces, processes and hugepage files, also on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$top/build}
[[ "$BUILD" = /* ]] || BUILD=$top/$BUILD
E2E=$top/tests/e2e
SCEN=$E2E/scenarios
PFX=slbt
# shellcheck source=lib.sh
source "$E2E/lib.sh"

OUT=$(mktemp -d /tmp/siplb-e2e.XXXXXX)
DP_PREFIX=${PFX}dp
DP_LOG=$OUT/dataplane.log
DP_PID=
passed=0
failed=0

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

cleanup() {
	kill_all
	net_down
	rm -rf "/var/run/dpdk/$DP_PREFIX" /dev/hugepages/"${DP_PREFIX}"map_* 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: needs root (namespaces, hugepages)"
	echo "E2E-RESULT 0 1"
	exit 1
fi
echo "e2e: logs in $OUT"

# ---- set-up: hugepages, namespaces, the dataplane with 2 workers, weights 1:2:3 -------------
WEIGHTS="1 2 3"
hugepages_up 512 || { echo "E2E-RESULT 0 1"; exit 1; }
net_up || { echo "e2e: cannot build the namespaces"; echo "E2E-RESULT 0 1"; exit 1; }
write_conf "$OUT/dp.conf" 2 "$WEIGHTS" true "$DP_PREFIX"
if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$OUT/dp.conf" "$DP_LOG"; then
	tail -n 30 "$DP_LOG"
	fail "dataplane start" "see $DP_LOG"
	echo "E2E-RESULT $passed $failed"
	exit 1
fi

# The counter value from the dataplane's final report: $1 a regular expression with one group.
final_ctr() {
	sed -n '/^final counters/,$p' "$DP_LOG" | grep -oE "$1" | head -n 1 | grep -oE '[0-9]+$' ||
		echo 0
}

# Every call's received messages at exactly one backend; prints per-backend call counts.
# $1 dir, $2 python expression over `kinds` (the message list of one call at its backend).
check_affinity() {
	python3 "$E2E/sipp_log.py" p1="$1/proxy1.msg" p2="$1/proxy2.msg" p3="$1/proxy3.msg" \
		>"$1/received.json" || return 1
	python3 - "$1/received.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
where = {}
for be, calls in d.items():
    for cid, kinds in calls.items():
        where.setdefault(cid, []).append((be, kinds))
split = [c for c, w in where.items() if len(w) != 1]
bad = [c for c, w in where.items() if len(w) == 1 and not eval(sys.argv[2], {}, {'kinds': w[0][1]})]
counts = {be: len(calls) for be, calls in d.items()}
print(json.dumps({'calls': len(where), 'split': len(split), 'bad': len(bad), 'per_backend': counts}))
sys.exit(1 if split or bad else 0)
PY
}

# One batch of calls: $1 test name, $2 log dir, $3 backend scenario, $4 caller scenario,
# $5 calls, $6 rate, $7 seconds the backends keep a call after it ended. Fails the test (and
# returns 1) unless every call completed; sets RETR to the callers' retransmissions.
call_phase() {
	local name=$1 d=$2 uas=$3 uac=$4 n=$5 rate=$6 linger=$7 rc ok
	mkdir -p "$d"
	backends_up "$SCEN/$uas" "$d"
	callers_run "$SCEN/$uac" "$n" "$rate" "$d/uac.csv" "$d/uac.out"
	rc=$?
	sleep "$linger"
	backends_down
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	RETR=$(sipp_stat "$d/uac.csv" 'Retransmissions(C)')
	if [ "$rc" -ne 0 ] || [ "$ok" != "$n" ]; then
		fail "$name" "SIPp exit $rc, $ok of $n calls succeeded (see $d)"
		return 1
	fi
}

# ---- 1. ARP and ping ------------------------------------------------------------------------
t_arp_ping() {
	if ! ip netns exec "$NS_C" ping -c 3 -i 0.2 -W 1 "$LB_CALLER_IP" >"$OUT/ping_c.out" 2>&1; then
		fail arp_ping "no echo reply from $LB_CALLER_IP"
		return
	fi
	if ! ip netns exec "$NS_B" ping -c 3 -i 0.2 -W 1 "$LB_BACKEND_IP" >"$OUT/ping_b.out" 2>&1; then
		fail arp_ping "no echo reply from $LB_BACKEND_IP"
		return
	fi
	local mac_c mac_b
	mac_c=$(ip -n "$NS_C" neigh show "$LB_CALLER_IP" | grep -oE 'lladdr [0-9a-f:]+')
	mac_b=$(ip -n "$NS_B" neigh show "$LB_BACKEND_IP" | grep -oE 'lladdr [0-9a-f:]+')
	if [ -z "$mac_c" ] || [ -z "$mac_b" ]; then
		fail arp_ping "ARP for our addresses not answered (callers: '$mac_c', backends: '$mac_b')"
		return
	fi
	pass "arp_ping (callers see $LB_CALLER_IP at ${mac_c#lladdr }, backends $LB_BACKEND_IP at ${mac_b#lladdr })"
}

# ---- 2. 1,000 calls over three weighted backends, with garbage alongside --------------------
GARBAGE_SENT=0
t_calls() {
	local d=$OUT/calls n=1000 gpid spread
	mkdir -p "$d"
	# junk alongside the first seconds of the calls (garbage.py paces itself over ~2 s)
	ip netns exec "$NS_C" python3 "$E2E/garbage.py" "$LB_CALLER_IP" 5060 200 >"$d/garbage.out" \
		2>&1 &
	gpid=$!
	PIDS+=("$gpid")
	# the backends keep each call 2 s (their timewait)
	call_phase calls "$d" uas.xml uac.xml "$n" 100 2.5 || return
	wait "$gpid"
	GARBAGE_SENT=$(cat "$d/garbage.out" 2>/dev/null || echo 0)
	if [ "$RETR" != 0 ]; then
		fail calls "$RETR retransmissions (expected none)"
		return
	fi
	if ! spread=$(check_affinity "$d" "kinds.count('INVITE') >= 1 and 'ACK' in kinds and 'BYE' in kinds"); then
		fail calls "affinity broken: $spread"
		return
	fi
	# the spread follows the weights 1:2:3 within 4 points (sampling noise at 1,000 calls is ~1.5)
	if ! python3 - "$spread" "$WEIGHTS" "$n" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); w = [int(x) for x in sys.argv[2].split()]; n = int(sys.argv[3])
got = [s['per_backend'].get('p%d' % (i + 1), 0) for i in range(3)]
want = [x / sum(w) for x in w]
ok = sum(got) == n and all(abs(g / n - f) <= 0.04 for g, f in zip(got, want))
print('spread', got, 'expected', [round(f * n) for f in want])
sys.exit(0 if ok else 1)
PY
	then
		fail calls "spread does not follow the weights: $spread"
		return
	fi
	pass "calls ($n calls, 0 failed, 0 retransmissions, every call at one backend: $spread; $GARBAGE_SENT junk datagrams alongside)"
}

# ---- 3. the callee hangs up: BYE from the backend side, by Record-Route --------------------
t_callee_bye() {
	local n=100

	call_phase callee_bye "$OUT/callee_bye" uas_bye.xml uac_calleebye.xml "$n" 50 1.5 || return
	pass "callee_bye ($n calls hung up by the callee through Record-Route)"
}

# ---- 4. a retransmitted INVITE reaches the same backend ------------------------------------
t_retransmission() {
	local d=$OUT/retrans n=50 res

	call_phase retransmission "$d" uas_slow.xml uac.xml "$n" 25 2.5 || return
	if ! res=$(check_affinity "$d" "kinds.count('INVITE') >= 2"); then
		fail retransmission "retransmitted INVITEs split or missing: $res (caller retransmissions $RETR)"
		return
	fi
	pass "retransmission ($n calls, each INVITE sent twice, both copies at one backend: $res)"
}

# ---- 5. CANCEL reaches the INVITE's backend -------------------------------------------------
t_cancel() {
	local d=$OUT/cancel n=100 res

	call_phase cancel "$d" uas_cancel.xml uac_cancel.xml "$n" 50 1.5 || return
	if ! res=$(check_affinity "$d" "'INVITE' in kinds and 'CANCEL' in kinds and 'ACK' in kinds"); then
		fail cancel "CANCEL not with its INVITE: $res"
		return
	fi
	pass "cancel ($n calls cancelled while ringing, INVITE/CANCEL/ACK at one backend: $res)"
}

# ---- 6. INVITEs larger than the MTU, in fragments -------------------------------------------
t_big_invite() {
	local n=100

	call_phase big_invite "$OUT/big" uas.xml uac_big.xml "$n" 50 2.5 || return
	pass "big_invite ($n calls with a 3.4 KB INVITE)"
}

# ---- 7. fragments that never complete give their mbufs back when reassembly times out ----
t_lost_fragments() {
	local n=200 before after i
	# the reassembly-drop counter from the dataplane's latest per-second stats log
	reasm_now() {
		local v
		v=$(grep -E '^stats: drops:' "$DP_LOG" | tail -n 1 | grep -oE ' reasm [0-9]+' |
			grep -oE '[0-9]+')
		echo "${v:-0}"
	}
	before=$(reasm_now)
	if ! ip netns exec "$NS_C" python3 "$E2E/lost_frags.py" "$CALLER_IP" "$LB_CALLER_IP" "$n" \
		>"$OUT/lost_frags.out" 2>&1; then
		fail lost_fragments "could not send ($(tail -n 1 "$OUT/lost_frags.out"))"
		return
	fi
	# frag.timeout_ms is 2 s; the sweep runs on every drain tick; the stats log every second
	for i in $(seq 1 16); do
		sleep 0.5
		after=$(reasm_now)
		[ "$((after - before))" -ge "$n" ] && break
	done
	if [ "$((after - before))" -ge "$n" ]; then
		pass "lost_fragments ($n first fragments never completed: $((after - before)) mbufs freed by the reassembly timeout)"
	else
		fail lost_fragments "$n lone fragments sent, only $((after - before)) freed after 8 s"
	fi
}

# ---- 8. a live backend change: SIGHUP swaps the table under running workers ----------------
t_reload() {
	local d=$OUT/reload n=150 res
	# proxy3 drains: it keeps its dialogs but takes no new call
	sed -i 's/\(name = "proxy3";.*weight = [0-9]*;\) }/\1 state = "drain"; }/' "$OUT/dp.conf"
	kill -HUP "$DP_PID"
	for _ in $(seq 1 20); do
		grep -q 'backend table v2' "$DP_LOG" && break
		sleep 0.25
	done
	if ! grep -q 'backend table v2' "$DP_LOG"; then
		fail reload "no table v2 after SIGHUP: $(grep -E 'be:|cfg' "$DP_LOG" | tail -n 2)"
		return
	fi
	call_phase reload "$d" uas.xml uac.xml "$n" 50 2.5 || return
	if ! res=$(check_affinity "$d" "'INVITE' in kinds and 'BYE' in kinds"); then
		fail reload "affinity broken after the swap: $res"
		return
	fi
	if ! python3 -c 'import json,sys; d=json.loads(sys.argv[1])["per_backend"]; sys.exit(0 if d.get("p3", 0) == 0 and d.get("p1", 0) > 0 and d.get("p2", 0) > 0 else 1)' "$res"; then
		fail reload "the drained backend still took new calls: $res"
		return
	fi
	pass "reload (SIGHUP set proxy3 to drain without stopping a worker; $n new calls, none to proxy3: $res)"
}

# ---- 9. SIGTERM: clean exit, every mbuf back, counters agree with what was sent -------------
t_shutdown() {
	local rc=0 i reasm frag_out junk pools full
	kill -TERM "$DP_PID"
	for i in $(seq 1 30); do
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$DP_PID" 2>/dev/null; then
		fail shutdown "still running 15 s after SIGTERM"
		return
	fi
	wait "$DP_PID"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail shutdown "exit status $rc"
		return
	fi
	pools=$(grep -cE '^mempool: [0-9]+ of [0-9]+ mbufs free' "$DP_LOG")
	full=$(grep -E '^mempool: ([0-9]+) of \1 mbufs free' -c "$DP_LOG")
	if [ "$pools" -lt 1 ] || [ "$pools" != "$full" ]; then
		fail shutdown "mbufs missing: $(grep '^mempool:' "$DP_LOG" | tr '\n' ';')"
		return
	fi
	pass "shutdown (exit 0 on SIGTERM; $(grep '^mempool:' "$DP_LOG" | tr '\n' ' '))"

	reasm=$(final_ctr 'reassembled [0-9]+')
	frag_out=$(final_ctr 'tx fragmented [0-9]+')
	if [ "$reasm" -ge 100 ] && [ "$frag_out" -ge 100 ]; then
		pass "fragments (reassembled $reasm datagrams, fragmented $frag_out on the way out)"
	else
		fail fragments "reassembled $reasm, fragmented $frag_out (expected >= 100 each)"
	fi
	junk=$(($(final_ctr 'sip\.not_sip [0-9]+') + $(final_ctr 'sip\.malformed [0-9]+')))
	if [ "$GARBAGE_SENT" -gt 0 ] && [ "$junk" -ge "$GARBAGE_SENT" ]; then
		pass "garbage ($GARBAGE_SENT junk datagrams sent, $junk counted as not SIP or malformed and dropped)"
	else
		fail garbage "sent $GARBAGE_SENT junk datagrams, counted $junk"
	fi
}

t_arp_ping
t_calls
t_callee_bye
t_retransmission
t_cancel
t_big_invite
t_lost_fragments
t_reload
t_shutdown

echo "--- dataplane final counters ---"
sed -n '/^final counters/,$p' "$DP_LOG"
echo "E2E-RESULT $passed $failed"
[ "$failed" -eq 0 ]
