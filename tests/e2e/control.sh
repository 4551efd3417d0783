# control.sh: end-to-end tests of siplb-control and siplbctl (health checks over the data path,
# live backend changes, restarts, metrics). Sourced by run.sh, which has the dataplane running
# with write_conf's control section (probes every 500 ms, timeout 400 ms, fall 2, rise 2).

CTL_BIN=$BUILD/control/siplb-control
CTLCLI=$BUILD/control/siplbctl
CTL_SOCK=$OUT/control.sock
CTL_LOG=$OUT/control.log
CTL_PID=

# siplb-control in the balancer's namespace (its metrics listen on that loopback).
ctl_start() {
	spawn ip netns exec "$NS_LB" "$CTL_BIN" -c "$OUT/dp.conf"
	CTL_PID=$LAST_PID
	python3 "$E2E/ctl_wait.py" "$CTL_SOCK" running 10 >/dev/null
}

ctl_stop() {
	[ -n "$CTL_PID" ] || return 0
	kill -TERM "$CTL_PID" 2>/dev/null
	wait "$CTL_PID" 2>/dev/null
	CTL_PID=
}

ctl() { "$CTLCLI" -s "$CTL_SOCK" "$@"; }

# Seconds until backend $1 is in state $2 (exit 1 after $3 s).
ctl_until() { python3 "$E2E/ctl_wait.py" "$CTL_SOCK" state "$1" "$2" "$3"; }

# The three SIPp backends with scenario $1, logs in $2, and control seeing the backends named
# after that up (rise good probes): between tests, with no SIPp running, probes take them down.
backends_ready() {
	local scen=$1 dir=$2 name
	shift 2
	backends_up "$scen" "$dir"
	for name in "$@"; do
		ctl_until "$name" up 6 >/dev/null || return 1
	done
}

# ---- control: attach, read the running table, siplbctl's answers -----------------------------
t_control_attach() {
	local out d=$OUT/ctl_attach
	mkdir -p "$d"
	backends_up "$SCEN/uas.xml" "$d"
	if ! ctl_start; then
		backends_down
		fail control_attach "siplb-control did not attach: $(tail -n 3 "$OUT/control.log" 2>/dev/null)"
		return 1
	fi
	out=$(ctl status)
	if ! grep -q running <<<"$out"; then
		backends_down
		fail control_attach "status does not say running: $out"
		return 1
	fi
	# proxy3 was drained by the SIGHUP test: control takes the dataplane's table as it runs
	if ! ctl_until proxy3 draining 3 >/dev/null || ! ctl_until proxy1 up 3 >/dev/null; then
		backends_down
		fail control_attach "states not read back: $(ctl backends)"
		return 1
	fi
	# dialogs per backend, from the dataplane's sweep (every dialog.sweep_period seconds)
	if ! python3 "$E2E/ctl_wait.py" "$CTL_SOCK" get backends | python3 -c '
import json, sys
sys.exit(0 if all(isinstance(b.get("dialogs"), int) for b in json.load(sys.stdin)["backends"]) else 1)'; then
		backends_down
		fail control_attach "no dialog counts per backend: $(ctl backends)"
		return 1
	fi
	if ! ctl backend enable proxy3 >/dev/null || ! ctl_until proxy3 up 3 >/dev/null; then
		backends_down
		fail control_attach "enable proxy3: $(ctl backends)"
		return 1
	fi
	backends_down
	pass "control_attach (siplb-control attached, read proxy3 draining from the dataplane, enabled it by siplbctl)"
}

# ---- a backend dies under load: detection, lost calls, return -------------------------------
t_control_kill() {
	local d=$OUT/ctl_kill n=600 rate=60 cpid t_kill det back ok failed spread
	mkdir -p "$d"
	backends_ready "$SCEN/uas.xml" "$d" proxy1 proxy2 proxy3 ||
		{ backends_down; fail control_kill "backends not up: $(ctl backends)"; return; }
	spawn callers_run "$SCEN/uac.xml" "$n" "$rate" "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep 3
	kill -KILL "${BACKEND_PIDS[1]}" 2>/dev/null
	t_kill=$(date +%s.%N)
	det=$(ctl_until proxy2 down 10)
	local rc=$?
	wait "$cpid"
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	failed=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	if [ $rc -ne 0 ]; then
		backends_down
		fail control_kill "proxy2 killed, still not down after 10 s: $(ctl backends)"
		return
	fi
	# back: a new SIPp on its address, up after rise good probes, then it takes calls again
	mkdir -p "$d/back"
	backend_up 1 "$SCEN/uas.xml" "$d/back"
	back=$(ctl_until proxy2 up 10) || { backends_down; fail control_kill "proxy2 not up again"; return; }
	callers_run "$SCEN/uac.xml" 90 45 "$d/after.csv" "$d/after.out"
	sleep 2.5
	backends_down
	spread=$(python3 "$E2E/sipp_log.py" p2="$d/back/proxy2.msg")
	if [ "$(sipp_stat "$d/after.csv" 'SuccessfulCall(C)')" != 90 ] ||
		! python3 -c 'import json,sys; sys.exit(0 if len([c for c in json.loads(sys.argv[1])["p2"] if not c.endswith("@siplb-probe")]) > 0 else 1)' "$spread"; then
		fail control_kill "after proxy2's return: $(sipp_stat "$d/after.csv" 'SuccessfulCall(C)') of 90 calls, proxy2 took $(python3 -c 'import json,sys; print(len([c for c in json.loads(sys.argv[1])["p2"] if not c.endswith("@siplb-probe")]))' "$spread")"
		return
	fi
	spread="proxy2 took $(python3 -c 'import json,sys; print(len([c for c in json.loads(sys.argv[1])["p2"] if not c.endswith("@siplb-probe")]))' "$spread") of 90 calls"
	echo "control_kill: proxy2 killed; detected down in ${det}s; $failed of $n calls failed ($ok completed); up again ${back}s after its restart"
	if [ "$failed" -gt 15 ]; then
		fail control_kill "$failed calls failed around the kill (detection ${det}s): more than 15"
		return
	fi
	pass "control_kill (down ${det}s after the kill, $failed of $n calls at ${rate}/s failed, up ${back}s after its return and taking calls: $spread)"
}

# ---- a backend that goes silent (no ICMP either: a dead host): probes alone find it -----------
t_control_silent() {
	local d=$OUT/ctl_silent n=300 rate=60 det back failed
	mkdir -p "$d"
	backends_ready "$SCEN/uas.xml" "$d" proxy1 proxy2 proxy3 ||
		{ backends_down; fail control_silent "backends not up: $(ctl backends)"; return; }
	spawn callers_run "$SCEN/uac.xml" "$n" "$rate" "$d/uac.csv" "$d/uac.out"
	local cpid=$LAST_PID
	sleep 2
	ip netns exec "$NS_B" nft -f - <<NFT
table ip ${PFX}silent {
	chain in {
		type filter hook input priority 0; policy accept;
		ip daddr ${BACKEND_IPS[1]} drop
	}
}
NFT
	det=$(ctl_until proxy2 down 10)
	local rc=$?
	wait "$cpid"
	ip netns exec "$NS_B" nft delete table ip "${PFX}silent"
	back=$(ctl_until proxy2 up 10)
	backends_down
	failed=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	if [ $rc -ne 0 ]; then
		fail control_silent "proxy2 silent, still not down after 10 s"
		return
	fi
	echo "control_silent: proxy2 silent (packets dropped, no ICMP); detected down in ${det}s (probes every 500 ms, timeout 400 ms, fall 2); $failed of $n calls failed; up again ${back}s after"
	pass "control_silent (a silent backend was down ${det}s after it went quiet, by probes alone; $failed of $n calls at ${rate}/s failed)"
}

# ---- a backend that answers OPTIONS but refuses INVITEs with 503 -----------------------------
t_control_503() {
	local d=$OUT/ctl_503 det name
	mkdir -p "$d"
	BACKEND_PIDS=()
	backend_up 0 "$SCEN/uas_503.xml" "$d"
	backend_up 1 "$SCEN/uas.xml" "$d"
	backend_up 2 "$SCEN/uas.xml" "$d"
	for name in proxy1 proxy2 proxy3; do
		ctl_until "$name" up 6 >/dev/null ||
			{ backends_down; fail control_503 "backends not up: $(ctl backends)"; return; }
	done
	# some calls meet proxy1's 503s (they fail, as the caller is told); proxy1 leaves the hash
	callers_run "$SCEN/uac.xml" 30 30 "$d/first.csv" "$d/first.out"
	det=$(ctl_until proxy1 down 5) || { backends_down; fail control_503 "proxy1 answered 503s, still up: $(ctl backends)"; return; }
	callers_run "$SCEN/uac.xml" 60 30 "$d/after.csv" "$d/after.out"
	sleep 1.5
	backends_down
	if [ "$(sipp_stat "$d/after.csv" 'SuccessfulCall(C)')" != 60 ]; then
		fail control_503 "after proxy1 left: $(sipp_stat "$d/after.csv" 'SuccessfulCall(C)') of 60 calls completed"
		return
	fi
	pass "control_503 (a backend answering INVITEs 503 was out of rotation ${det}s after the first calls; 60 calls afterwards all completed)"
}

# ---- drain by siplbctl during load; add a backend during load ---------------------------------
t_control_drain() {
	local d=$OUT/ctl_drain n=30 res cpid ok
	mkdir -p "$d"
	# proxy1 may still be out after its 503s (Retry-After 20): the drain is proxy3's
	backends_ready "$SCEN/uas.xml" "$d" proxy2 proxy3 ||
		{ backends_down; fail control_drain "backends not up: $(ctl backends)"; return; }
	spawn callers_run "$SCEN/uac_hold.xml" "$n" 15 "$d/uac.csv" "$d/uac.out" "$NS_C" \
		"$CALLER_IP" 5062 -cid_str 'held-%u-%p@%s'
	cpid=$LAST_PID
	sleep 2.5
	if ! ctl backend drain proxy3 >/dev/null; then
		fail control_drain "siplbctl backend drain proxy3: exit $?"
	fi
	# a backend added during load (weight 0: the table changes, no call moves)
	ctl backend add 9 198.18.2.14:5060 --weight 0 --name proxy9 >/dev/null ||
		fail control_drain "siplbctl backend add: exit $?"
	callers_run "$SCEN/uac.xml" 60 30 "$d/new.csv" "$d/new.out"
	wait "$cpid"
	sleep 2.5
	backends_down
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	if [ "$ok" != "$n" ] || [ "$(sipp_stat "$d/new.csv" 'SuccessfulCall(C)')" != 60 ]; then
		fail control_drain "calls failed: held $ok of $n, new $(sipp_stat "$d/new.csv" 'SuccessfulCall(C)') of 60"
		return
	fi
	res=$(python3 "$E2E/sipp_log.py" p1="$d/proxy1.msg" p2="$d/proxy2.msg" p3="$d/proxy3.msg")
	if ! python3 - "$res" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
where = {}
for be, calls in d.items():
    for cid, kinds in calls.items():
        if not cid.endswith('@siplb-probe'):  # siplb-control's OPTIONS
            where.setdefault(cid, []).append((be, kinds))
split = [c for c, w in where.items() if len(w) != 1]
held3 = [c for c, w in where.items() if c.startswith('held-') and w[0][0] == 'p3']
new3 = [c for c, w in where.items() if not c.startswith('held-') and w[0][0] == 'p3']
ends = [c for c, w in where.items() if c.startswith('held-') and 'BYE' not in w[0][1]]
print(json.dumps({'split': len(split), 'held_on_p3': len(held3), 'new_on_p3': len(new3), 'held_without_bye': len(ends)}))
sys.exit(0 if not split and held3 and not new3 and not ends else 1)
PY
	then
		fail control_drain "drained proxy3: $res"
		return
	fi
	ctl backend remove proxy9 >/dev/null
	ctl backend enable proxy3 >/dev/null
	pass "control_drain (siplbctl drained proxy3 during 30 held calls: its held calls ended on it, no new call went there; a backend added under load broke no call)"
}

# ---- siplb-control restarted under load ---------------------------------------------------------
t_control_restart() {
	local d=$OUT/ctl_restart n=200 cpid ok
	mkdir -p "$d"
	ctl backend disable proxy1 >/dev/null
	backends_ready "$SCEN/uas.xml" "$d" proxy2 proxy3 ||
		{ backends_down; fail control_restart "backends not up: $(ctl backends)"; return; }
	spawn callers_run "$SCEN/uac.xml" "$n" 50 "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep 1.5
	ctl_stop
	sleep 1
	if ! ctl_start; then
		wait "$cpid"
		backends_down
		fail control_restart "siplb-control did not come back"
		return
	fi
	wait "$cpid"
	sleep 1.5
	backends_down
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	if [ "$ok" != "$n" ]; then
		fail control_restart "$ok of $n calls completed across the restart"
		return
	fi
	if ! ctl_until proxy1 disabled 3 >/dev/null; then
		fail control_restart "proxy1's disable was not read back: $(ctl backends)"
		return
	fi
	ctl backend enable proxy1 >/dev/null
	pass "control_restart (siplb-control stopped and started during $n calls: all completed; proxy1's disable read back)"
}

# ---- siplbctl's exit codes; the metrics endpoint --------------------------------------------
t_control_cli_metrics() {
	local out rc
	out=$(ip netns exec "$NS_LB" python3 - "$top/include/slb_stats.h" <<'PY'
import re, sys, urllib.request
names = re.findall(r'^\tSLB_STATS_FIELD\((\w+),', open(sys.argv[1]).read(), re.M)
text = urllib.request.urlopen('http://127.0.0.1:9490/metrics', timeout=5).read().decode()
vals = {}
for line in text.splitlines():
    if line and not line.startswith('#'):
        k, v = line.rsplit(' ', 1)
        vals[k] = float(v)
missing = [n for n in names if 'siplb_%s_total' % n not in vals]
ups = [k for k in vals if k.startswith('siplb_backend_up{')]
print('%d counters, %d missing %s, %d backends' % (len(names), len(missing), missing[:3], len(ups)))
sys.exit(0 if not missing and len(ups) >= 3 and vals.get('siplb_sip_rx_total', 0) > 0 else 1)
PY
	)
	rc=$?
	[ $rc -eq 0 ] || { fail control_metrics "$out"; }
	[ $rc -eq 0 ] && pass "control_metrics (GET /metrics: $out)"

	ctl weight-of-nothing >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || { fail control_cli "an unknown command gave exit $rc, not 2"; return; }
	ctl backend weight proxy1 70000 >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || { fail control_cli "weight 70000 gave exit $rc, not 2"; return; }
	ctl_stop
	out=$(ctl status 2>&1)
	rc=$?
	if [ $rc -ne 1 ] || ! grep -q "no siplb-control" <<<"$out"; then
		fail control_cli "against a stopped control: exit $rc, '$out'"
		return
	fi
	pass "control_cli (bad usage exit 2; with control stopped: exit 1, '$out')"
}

t_control() {
	t_control_attach || { ctl_stop; return; }
	t_control_kill
	t_control_silent
	t_control_503
	t_control_drain
	t_control_restart
	t_control_cli_metrics
	ctl_stop
}

# Stop the dataplane running as DP_PID (SIGTERM), within 15 s.
dp_stop() {
	kill -TERM "$DP_PID" 2>/dev/null
	for _ in $(seq 1 30); do
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.5
	done
	wait "$DP_PID" 2>/dev/null
}

# ---- siplb-control before the dataplane, and a dataplane restarted under control --------------
# Runs after the dataplane's shutdown test: control waits for a dataplane and says so, attaches
# when one starts, and gives a restarted dataplane the backend set it had (a drain included).
t_dataplane_restart() {
	local d=$OUT/dp_restart out
	mkdir -p "$d"
	spawn ip netns exec "$NS_LB" "$CTL_BIN" -c "$OUT/dp.conf"
	CTL_PID=$LAST_PID
	sleep 1
	out=$(ctl status 2>&1)
	if ! grep -q absent <<<"$out"; then
		ctl_stop
		fail dataplane_restart "control without a dataplane: status '$out'"
		return
	fi
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$OUT/dp.conf" "$OUT/dataplane2.log" ||
		! python3 "$E2E/ctl_wait.py" "$CTL_SOCK" running 10 >/dev/null; then
		ctl_stop
		fail dataplane_restart "control did not attach to a new dataplane"
		return
	fi
	# proxy3 is "drain" in the file since the SIGHUP test: control starts from the file
	backends_ready "$SCEN/uas.xml" "$d" proxy1 proxy2 ||
		{ backends_down; ctl_stop; fail dataplane_restart "backends not up: $(ctl backends)"; return; }
	ctl backend drain proxy2 >/dev/null
	dp_stop
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$OUT/dp.conf" "$OUT/dataplane3.log" ||
		! python3 "$E2E/ctl_wait.py" "$CTL_SOCK" running 10 >/dev/null; then
		backends_down
		ctl_stop
		fail dataplane_restart "control did not attach to the restarted dataplane"
		return
	fi
	# the new dataplane runs control's set: proxy2 draining there too
	for _ in $(seq 1 40); do
		out=$(python3 "$E2E/ctl_wait.py" "$CTL_SOCK" get backends | python3 -c '
import json, sys
print(" ".join("%s:%s" % (b["name"], b["dataplane"]) for b in json.load(sys.stdin)["backends"]))')
		grep -q "proxy2:drain" <<<"$out" && break
		sleep 0.25
	done
	callers_run "$SCEN/uac.xml" 60 30 "$d/uac.csv" "$d/uac.out"
	sleep 1.5
	backends_down
	ctl_stop
	dp_stop
	if ! grep -q "proxy2:drain" <<<"$out"; then
		fail dataplane_restart "the restarted dataplane does not run control's set: $out"
		return
	fi
	if [ "$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')" != 60 ]; then
		fail dataplane_restart "$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)') of 60 calls after the restart"
		return
	fi
	pass "dataplane_restart (control waited for a dataplane, attached to it, and gave the restarted one its set: $out; 60 calls completed)"
}

# ---- the dataplane restarted under load, control attached -------------------------------------
# Long calls (6 s hold) at 20 calls/s; the dataplane is stopped 4 s in and started again: calls
# whose messages meet the gap are retransmitted by SIPp (INVITE, BYE, the 200 until its ACK) and
# complete late; the same hash_secret and backends keep every call on its proxy (without Redis,
# only an unchanged backend set does). Control re-attaches and the new dataplane runs its set.
t_dataplane_restart_load() {
	local d=$OUT/dp_restart_load cpid t0 t1 ok nfail
	mkdir -p "$d"
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$OUT/dp.conf" "$OUT/dataplane4.log"; then
		fail dataplane_restart_load "dataplane did not start"
		return
	fi
	spawn ip netns exec "$NS_LB" "$CTL_BIN" -c "$OUT/dp.conf"
	CTL_PID=$LAST_PID
	if ! python3 "$E2E/ctl_wait.py" "$CTL_SOCK" running 10 >/dev/null ||
		! backends_ready "$SCEN/uas.xml" "$d" proxy1 proxy2; then
		backends_down; ctl_stop; dp_stop
		fail dataplane_restart_load "control or backends not up: $(ctl backends 2>&1)"
		return
	fi
	# The callers' tap goes with the dataplane, and SIPp crashes on the send errors that follow
	# (no route to the balancer): a link holding the callers' address and a worse route
	# swallows what they send meanwhile, as a network outage would.
	# (a veth whose other end drops them: the dummy driver may be missing)
	ip -n "$NS_C" link add "${PFX}hold" type veth peer name "${PFX}hold2" &&
		ip -n "$NS_C" addr add "$CALLER_IP/32" dev "${PFX}hold" &&
		ip -n "$NS_C" link set "${PFX}hold" up &&
		ip -n "$NS_C" link set "${PFX}hold2" up &&
		ip -n "$NS_C" route add "${LB_CALLER_IP%.*}.0/24" dev "${PFX}hold" metric 1000 &&
		ip -n "$NS_C" neigh replace "$LB_CALLER_IP" lladdr 02:00:00:00:00:01 dev "${PFX}hold" \
			nud permanent ||
		{ backends_down; ctl_stop; dp_stop; ip -n "$NS_C" link del "${PFX}hold" 2>/dev/null
		  fail dataplane_restart_load "cannot add the callers' fallback route"; return; }
	spawn callers_run "$SCEN/uac_hold.xml" 300 20 "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep 4
	t0=$(date +%s.%N)
	dp_stop
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$OUT/dp.conf" "$OUT/dataplane5.log"; then
		wait "$cpid"; backends_down; ctl_stop; ip -n "$NS_C" link del "${PFX}hold" 2>/dev/null
		fail dataplane_restart_load "the dataplane did not start again"
		return
	fi
	t1=$(date +%s.%N)
	python3 "$E2E/ctl_wait.py" "$CTL_SOCK" running 10 >/dev/null ||
		{ wait "$cpid"; backends_down; ctl_stop; dp_stop
		  ip -n "$NS_C" link del "${PFX}hold" 2>/dev/null
		  fail dataplane_restart_load "control did not attach again"; return; }
	wait "$cpid"
	sleep 1
	backends_down
	ctl_stop
	dp_stop
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	nfail=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	ip -n "$NS_C" link del "${PFX}hold" 2>/dev/null
	if [ "$ok" != 300 ] || [ "$nfail" != 0 ]; then
		fail dataplane_restart_load "$ok of 300 calls completed, $nfail failed across the restart (see $d)"
		return
	fi
	pass "dataplane_restart_load (stopped and started again under 20 calls/s of 6 s calls, $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s without a dataplane; control attached again; 300 of 300 calls completed, 0 failed)"
}
