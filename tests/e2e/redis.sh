# redis.sh: dialog state in Redis, end to end (sourced by run.sh; uses lib.sh and control.sh).
# Each test starts its own redis-server (in the balancer's namespace, on its loopback, port and
# directory of its own), dataplane and siplb-control, and stops them by PID.

REDIS_PORT=6391
REDIS_PIDS=()

# redis-server on 127.0.0.1:$1 in the balancer's namespace, files in $2; extra arguments after.
redis_up() {
	local port=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	spawn ip netns exec "$NS_LB" redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
		--save '' --appendonly no --daemonize no --logfile "$dir/redis.log" "$@"
	REDIS_PIDS+=("$LAST_PID")
	for _ in $(seq 1 50); do
		[ "$(rcli "$port" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	return 1
}

rcli() {
	local port=$1
	shift
	ip netns exec "$NS_LB" redis-cli -p "$port" "$@"
}

redis_down() {
	local p
	for p in "${REDIS_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	REDIS_PIDS=()
}

# Append a redis section to config $1: server port $2, instance $3, then more settings ($4).
conf_redis() {
	cat >>"$1" <<CONF
redis: { enabled = true; address = "127.0.0.1:$2"; prefix = "${PFX}:"; instance = "$3";
	attach_wait_ms = 5000; load_wait_ms = 20000; ${4:-} };
CONF
}

# Every call at one backend only, with each of the kinds in $2 (default "INVITE ACK BYE") there:
# prints a JSON summary, exit 1 when a call reached two backends or missed one of them. $1: log
# dir with proxyN.msg. The health probes (a Call-ID each, OPTIONS only) are left out.
affinity() {
	python3 "$E2E/sipp_log.py" p1="$1/proxy1.msg" p2="$1/proxy2.msg" p3="$1/proxy3.msg" |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
need = set(sys.argv[1].split())
where = {}
for be, calls in d.items():
    for cid, kinds in calls.items():
        if set(kinds) != {"OPTIONS"}:  # the health probes: a Call-ID each
            where.setdefault(cid, []).append((be, kinds))
split = [c for c, w in where.items() if len(w) > 1]
short = [c for c, w in where.items() if len(w) == 1 and not need <= set(w[0][1])]
per_be = {be: sum(1 for w in where.values() if w[0][0] == be) for be in d}
print(json.dumps({"calls": len(where), "per_backend": per_be, "on_two_backends": len(split),
                  "incomplete": len(short), "examples": (split + short)[:3]}))
sys.exit(1 if split or short else 0)' "${2:-INVITE ACK BYE}"
}

# The tests' config with Redis, one worker, weights 1:1:1: $1 file, $2 port, $3 instance, $4 more
# redis settings. Control's socket is $CTL_SOCK (ctl and ctl_wait.py find it).
redis_conf_write() {
	write_conf "$1" 1 "1 1 1" true "${PFX}dp"
	sed -i "s|socket = \"[^\"]*\"|socket = \"$CTL_SOCK\"|" "$1"
	conf_redis "$1" "$2" "$3" "${4:-}"
}

# siplb-control, then the dataplane (which waits for control's load from Redis), then the three
# SIPp backends with uas.xml, each seen up: $1 config, $2 dataplane log, $3 log dir.
redis_lb_start() {
	spawn ip netns exec "$NS_LB" "$CTL_BIN" -c "$1"
	CTL_PID=$LAST_PID
	dp_start "$BUILD/dataplane/siplb-dataplane" "$1" "$2" &&
		python3 "$E2E/ctl_wait.py" "$CTL_SOCK" running 10 >/dev/null &&
		backends_ready "$SCEN/uas.xml" "$3" proxy1 proxy2 proxy3
}

# Stop everything a Redis test started.
redis_test_down() {
	backends_down
	ctl_stop
	dp_stop
	redis_down
}

# ---- restart the dataplane during load, weights changed while it is down ----------------------
# Long calls (8 s hold) at 20 calls/s over three proxies at weights 1:1:1. The dataplane stops
# 4 s in; while it is down proxy3's weight goes to 0 (siplbctl), so that hashing alone would send
# every call in progress on proxy3 (a third) elsewhere. The restarted dataplane is loaded from
# Redis before it takes traffic: every call finishes on the proxy it began on.
t_redis_restart() {
	local d=$OUT/redis_restart cpid ok nfail loaded aff
	mkdir -p "$d"
	redis_conf_write "$d/dp.conf" "$REDIS_PORT" A
	if ! redis_up "$REDIS_PORT" "$d/redis"; then
		redis_test_down
		fail redis_restart "redis-server did not start"
		return
	fi
	if ! redis_lb_start "$d/dp.conf" "$d/dataplane1.log" "$d"; then
		redis_test_down
		fail redis_restart "dataplane, control or backends not up: $(ctl backends 2>&1)"
		return
	fi
	callers_hold_route || { redis_test_down; fail redis_restart "no fallback route"; return; }
	spawn callers_run "$SCEN/uac_hold8.xml" 300 20 "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep 4
	dp_stop
	ctl backend weight proxy3 0 >"$d/weight.out" 2>&1
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$d/dp.conf" "$d/dataplane2.log"; then
		wait "$cpid"
		redis_test_down
		fail redis_restart "the dataplane did not start again"
		return
	fi
	wait "$cpid"
	sleep 1
	loaded=$(grep -oE 'loaded [0-9]+ dialogs from Redis in [0-9.]+ ms' "$d/dataplane2.log" | head -n 1)
	redis_test_down
	callers_hold_route_del
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	nfail=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	if ! aff=$(affinity "$d"); then
		fail redis_restart "a call moved across the restart: $aff ($ok completed, $nfail failed; $loaded)"
		return
	fi
	if [ "$ok" != 300 ] || [ "$nfail" != 0 ] || [ -z "$loaded" ]; then
		fail redis_restart "$ok of 300 calls completed, $nfail failed; load: '${loaded:-none}' (see $d)"
		return
	fi
	pass "redis_restart (the restarted dataplane $loaded; proxy3 at weight 0 meanwhile; 300 of 300 calls completed, each on one proxy: $aff)"
}

# The callers' fallback route while the dataplane (and its tap) is away: see
# t_dataplane_restart_load.
callers_hold_route() {
	ip -n "$NS_C" link del "${PFX}hold" 2>/dev/null
	ip -n "$NS_C" link add "${PFX}hold" type veth peer name "${PFX}hold2" &&
		ip -n "$NS_C" addr add "$CALLER_IP/32" dev "${PFX}hold" &&
		ip -n "$NS_C" link set "${PFX}hold" up &&
		ip -n "$NS_C" link set "${PFX}hold2" up &&
		ip -n "$NS_C" route add "${LB_CALLER_IP%.*}.0/24" dev "${PFX}hold" metric 1000 &&
		ip -n "$NS_C" neigh replace "$LB_CALLER_IP" lladdr 02:00:00:00:00:01 \
			dev "${PFX}hold" nud permanent
}

callers_hold_route_del() {
	ip -n "$NS_C" link del "${PFX}hold" 2>/dev/null
}

# ---- Redis stopped during load, then started again ---------------------------------------------
# Calls go on with the local table while Redis is away; the events beyond redis.buffer (64 here)
# are counted as lost; when Redis is back, control writes the whole live state again: every live
# dialog has its key.
t_redis_stop() {
	local d=$OUT/redis_stop cpid ok nfail lost keys live st
	mkdir -p "$d"
	redis_conf_write "$d/dp.conf" "$REDIS_PORT" A "buffer = 64;"
	if ! redis_up "$REDIS_PORT" "$d/redis"; then
		redis_test_down
		fail redis_stop "redis-server did not start"
		return
	fi
	if ! redis_lb_start "$d/dp.conf" "$d/dataplane.log" "$d"; then
		redis_test_down
		fail redis_stop "dataplane, control or backends not up: $(ctl backends 2>&1)"
		return
	fi
	spawn callers_run "$SCEN/uac_hold8.xml" 400 20 "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep 3
	redis_down
	sleep 6
	redis_up "$REDIS_PORT" "$d/redis" || { wait "$cpid"; redis_test_down; fail redis_stop "redis-server did not start again"; return; }
	# control reconnects and writes the live state again; compare while calls are still up
	sleep 3
	st=$(ctl --json dialogs 2>&1)
	keys=$(rcli "$REDIS_PORT" --scan --pattern "${PFX}:dlg:*" | wc -l)
	wait "$cpid"
	sleep 1
	redis_test_down
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	nfail=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	read -r lost live < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
r, m = d.get("redis", {}), d.get("mirror", {})
print(r.get("lost", -1), m.get("own", -1))' "$st" 2>/dev/null || echo "-1 -1")
	if [ "$ok" != 400 ] || [ "$nfail" != 0 ]; then
		fail redis_stop "$ok of 400 calls completed, $nfail failed with Redis stopped (see $d)"
		return
	fi
	if [ "${lost:--1}" -le 0 ]; then
		fail redis_stop "Redis away for 6 s with a buffer of 64 events: lost counted '$lost' ($st)"
		return
	fi
	# the two counts are read a moment apart while calls start and end: within 10%
	if [ "${live:--1}" -lt 20 ] || [ $((keys * 10)) -lt $((live * 9)) ]; then
		fail redis_stop "after Redis came back: $keys keys for $live live dialogs ($st)"
		return
	fi
	pass "redis_stop (Redis stopped 6 s under 20 calls/s: 400 of 400 calls completed, 0 failed; $lost events lost beyond a buffer of 64; back: $keys keys for $live live dialogs)"
}

# ---- two balancers, one Redis: a call started through the first ends through the second --------
# Instance A (weights 1:1:1) carries the calls; instance B (weights 4:1:1, so that hashing alone
# would move calls) runs beside it on the same addresses, its ports unplugged, and learns A's
# dialogs by Redis pub/sub. 6 s in, A stops and B takes its place (the callers' tap, the backends'
# link: what a VRRP or ECMP failover does to the wire). Every call then sends an in-dialog INFO
# (routed by its pin: B must know the call) and the callee hangs up, both through B, and all of
# it reaches the proxy the call began on.
t_redis_two() {
	local d=$OUT/redis_two cpid ok nfail aff pinned fwd a_pid b_pid b_log ip
	mkdir -p "$d"
	write_conf "$d/a.conf" 1 "1 1 1" true "${PFX}dp"
	sed -i "s|socket = \"[^\"]*\"|socket = \"$CTL_SOCK\"|" "$d/a.conf"
	conf_redis "$d/a.conf" "$REDIS_PORT" A
	write_conf "$d/b.conf" 1 "4 1 1" true "${PFX}dp2"
	sed -i "s|socket = \"[^\"]*\"|socket = \"$d/b.sock\"|; s|127.0.0.1:9490|127.0.0.1:9491|;
		s|iface=${PFX}tap|iface=${PFX}tap2|; s|iface=$LBB|iface=${LBB}2|" "$d/b.conf"
	conf_redis "$d/b.conf" "$REDIS_PORT" B
	# the backends on a bridge, so that B's link can replace A's; B's link unplugged for now
	ip link add "${LBB}2" type veth peer name "${PFX}bal2" &&
		ip link set "${LBB}2" netns "$NS_LB" && ip link set "${PFX}bal2" netns "$NS_B" &&
		ip -n "$NS_LB" link set "${LBB}2" up &&
		ip -n "$NS_B" link add br0 type bridge &&
		ip -n "$NS_B" link set bal master br0 && ip -n "$NS_B" link set br0 up ||
		{ fail redis_two "cannot build the bridge"; redis_two_net_undo; return; }
	for ip in "${BACKEND_IPS[@]}"; do
		ip -n "$NS_B" addr del "$ip/24" dev bal
		ip -n "$NS_B" addr add "$ip/24" dev br0
	done
	ip -n "$NS_B" route replace 198.18.1.0/24 via "$LB_BACKEND_IP" dev br0
	ip netns exec "$NS_LB" ethtool -K "${LBB}2" tx off rx off gro off >/dev/null 2>&1 || true
	ip netns exec "$NS_B" ethtool -K "${PFX}bal2" tx off rx off >/dev/null 2>&1 || true

	if ! redis_up "$REDIS_PORT" "$d/redis"; then
		redis_test_down; redis_two_net_undo
		fail redis_two "redis-server did not start"
		return
	fi
	spawn ip netns exec "$NS_LB" "$CTL_BIN" -c "$d/a.conf"
	CTL_PID=$LAST_PID
	a_pid=$CTL_PID
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$d/a.conf" "$d/dataplane_a.log" ||
		! python3 "$E2E/ctl_wait.py" "$CTL_SOCK" running 10 >/dev/null ||
		! backends_ready "$SCEN/uas_info_bye.xml" "$d" proxy1 proxy2 proxy3; then
		redis_test_down; redis_two_net_undo
		fail redis_two "instance A not up: $(ctl backends 2>&1)"
		return
	fi
	# B: its own dataplane (its tap stays in the lb namespace for now) and control
	b_log=$d/dataplane_b.log
	spawn ip netns exec "$NS_LB" "$BUILD/dataplane/siplb-dataplane" -c "$d/b.conf" >"$b_log" 2>&1
	B_DP_PID=$LAST_PID
	spawn ip netns exec "$NS_LB" "$CTL_BIN" -c "$d/b.conf"
	b_pid=$LAST_PID
	if ! python3 "$E2E/ctl_wait.py" "$d/b.sock" running 20 >/dev/null; then
		kill -TERM "$B_DP_PID" "$b_pid" 2>/dev/null
		redis_test_down; redis_two_net_undo
		fail redis_two "instance B not up"
		return
	fi
	callers_hold_route || { kill -TERM "$B_DP_PID" "$b_pid"; redis_test_down; redis_two_net_undo; fail redis_two "no fallback route"; return; }
	spawn callers_run "$SCEN/uac_info_calleebye.xml" 100 20 "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep 6
	# B knows every call A carries (pub/sub), before the switch
	pinned=$("$CTLCLI" -s "$d/b.sock" --json dialogs 2>&1 | python3 -c '
import json, sys
print(json.load(sys.stdin).get("mirror", {}).get("other", 0))' 2>/dev/null)
	# the switch: A goes, B's tap goes to the callers, B's link to the backends' bridge
	dp_stop
	ip -n "$NS_LB" link set "${PFX}tap2" netns "$NS_C" &&
		ip -n "$NS_C" addr add "$CALLER_IP/24" dev "${PFX}tap2" &&
		ip -n "$NS_C" link set "${PFX}tap2" up
	ip netns exec "$NS_C" ethtool -K "${PFX}tap2" tx off >/dev/null 2>&1 || true
	ip -n "$NS_B" link set bal nomaster
	ip -n "$NS_B" link set "${PFX}bal2" master br0
	ip -n "$NS_B" link set "${PFX}bal2" up
	ip -n "$NS_B" neigh flush dev br0
	ip -n "$NS_C" neigh flush dev "${PFX}tap2" 2>/dev/null
	wait "$cpid"
	sleep 1
	kill -TERM "$b_pid" 2>/dev/null
	wait "$b_pid" 2>/dev/null
	kill -TERM "$B_DP_PID" 2>/dev/null
	wait "$B_DP_PID" 2>/dev/null
	redis_test_down
	callers_hold_route_del
	redis_two_net_undo
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	nfail=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	if ! aff=$(affinity "$d" "INVITE ACK INFO"); then
		fail redis_two "a call reached two proxies: $aff"
		return
	fi
	if [ "${pinned:-0}" -lt 100 ]; then
		fail redis_two "before the switch B knew ${pinned:-0} of A's 100 live dialogs (see $d)"
		return
	fi
	fwd=$(grep -oE 'sip [0-9]+ in, [0-9]+ to backends' "$b_log" | tail -n 1)
	if [ "$ok" != 100 ] || [ "$nfail" != 0 ]; then
		fail redis_two "$ok of 100 calls completed, $nfail failed across the switch to B (see $d)"
		return
	fi
	pass "redis_two (B learnt all $pinned of A's live dialogs by pub/sub; B: $fwd; after the switch every INFO and callee BYE went through B to the call's proxy: 100 of 100 calls completed; $aff)"
}

# Undo t_redis_two's bridge: the backends' addresses back on bal.
redis_two_net_undo() {
	local ip
	ip -n "$NS_B" link del "${PFX}bal2" 2>/dev/null
	ip -n "$NS_B" link set bal nomaster 2>/dev/null
	ip -n "$NS_B" link del br0 2>/dev/null
	for ip in "${BACKEND_IPS[@]}"; do
		ip -n "$NS_B" addr replace "$ip/24" dev bal
	done
	ip -n "$NS_B" link set bal up
	ip -n "$NS_B" route replace 198.18.1.0/24 via "$LB_BACKEND_IP" dev bal
	ip -n "$NS_C" link del "${PFX}tap2" 2>/dev/null
}

# ---- the Redis master killed under Sentinel during load ----------------------------------------
# A master, its replica and a sentinel (quorum 1, down after 1 s), all on the balancer's loopback.
# Control asks the sentinel for the master; 4 s into the load the master is killed (SIGKILL):
# the sentinel promotes the replica, control follows it, no call fails, and the dialogs live
# after the failover are keys on the new master.
t_redis_sentinel() {
	local d=$OUT/redis_sentinel cpid ok nfail st master failovers keys own
	local mport=$((REDIS_PORT + 1)) rport=$((REDIS_PORT + 2)) sport=$((REDIS_PORT + 20000))
	mkdir -p "$d/master" "$d/replica" "$d/sentinel"
	redis_conf_write "$d/dp.conf" "$mport" A "sentinels = [ \"127.0.0.1:$sport\" ]; master = \"slbm\";"
	cat >"$d/sentinel/sentinel.conf" <<CONF
port $sport
bind 127.0.0.1
dir $d/sentinel
logfile $d/sentinel/sentinel.log
sentinel monitor slbm 127.0.0.1 $mport 1
sentinel down-after-milliseconds slbm 1000
sentinel failover-timeout slbm 5000
CONF
	if ! redis_up "$mport" "$d/master" || ! redis_up "$rport" "$d/replica" --replicaof 127.0.0.1 "$mport"; then
		redis_test_down
		fail redis_sentinel "redis-server did not start"
		return
	fi
	local mpid=${REDIS_PIDS[0]}
	spawn ip netns exec "$NS_LB" redis-server "$d/sentinel/sentinel.conf" --sentinel
	REDIS_PIDS+=("$LAST_PID")
	for _ in $(seq 1 50); do
		rcli "$sport" sentinel get-master-addr-by-name slbm 2>/dev/null | grep -q "$mport" && break
		sleep 0.1
	done
	if ! redis_lb_start "$d/dp.conf" "$d/dataplane.log" "$d"; then
		redis_test_down
		fail redis_sentinel "dataplane, control or backends not up: $(ctl backends 2>&1)"
		return
	fi
	spawn callers_run "$SCEN/uac_hold8.xml" 300 20 "$d/uac.csv" "$d/uac.out"
	cpid=$LAST_PID
	sleep 4
	kill -KILL "$mpid"
	# the failover (about 1 s to see it down, then the promotion), then calls on the new master
	sleep 8
	st=$(ctl --json dialogs 2>&1)
	keys=$(rcli "$rport" --scan --pattern "${PFX}:dlg:*" | wc -l)
	wait "$cpid"
	sleep 1
	redis_test_down
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	nfail=$(sipp_stat "$d/uac.csv" 'FailedCall(C)')
	read -r master failovers own < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
r, m = d.get("redis", {}), d.get("mirror", {})
print(r.get("master", "-"), r.get("failovers", -1), m.get("own", -1))' "$st" 2>/dev/null || echo "- -1 -1")
	if [ "$ok" != 300 ] || [ "$nfail" != 0 ]; then
		fail redis_sentinel "$ok of 300 calls completed, $nfail failed across the failover (see $d)"
		return
	fi
	if [ "$master" != "127.0.0.1:$rport" ] || [ "${failovers:-0}" -lt 1 ]; then
		fail redis_sentinel "control's master after the failover: '$master', failovers '$failovers' ($st)"
		return
	fi
	if [ "${own:--1}" -lt 20 ] || [ $((keys * 10)) -lt $((own * 9)) ]; then
		fail redis_sentinel "on the new master: $keys keys for $own live dialogs ($st)"
		return
	fi
	pass "redis_sentinel (master killed under 20 calls/s; control followed the sentinel to $master; $keys keys there for $own live dialogs; 300 of 300 calls completed, 0 failed)"
}
