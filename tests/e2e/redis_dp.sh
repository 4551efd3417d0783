# redis_dp.sh: the dataplane's side of dialog state in Redis, with tests/tools/ctl_pin playing
# siplb-control (no Redis here: control's own tests bring redis-server). Sourced by run.sh; runs
# after the control tests, with no dataplane and no siplb-control running.

PIN_BIN=$BUILD/tests/tools/ctl_pin

# $1 file: the suite's config with redis.enabled, $2 attach_wait_ms, and quick dialog timers
# (early dialogs expire 3 s after their last message, the sweep passes every second).
redis_conf() {
	sed -e 's/^dialog: { capacity = \([0-9]*\); };/dialog: { capacity = \1; early_timeout = 3; sweep_period = 1; };/' \
		"$OUT/dp.conf" >"$1"
	echo "redis: { enabled = true; attach_wait_ms = $2; load_wait_ms = 20000; };" >>"$1"
}

# ---- 15. a starting dataplane takes control's dialogs before any packet, then reports its own --
# ctl_pin attaches to the LOADING dataplane, pins 5,000 dialogs (a third of them confirmed) and
# looks 300 of them up; then it listens while 30 calls go through backends that answer INVITE
# only after 700 ms (the caller retransmits once): each call is created, confirmed and ended
# once on the rings, the retransmissions say INVITE_UNANSWERED (at most one per backend per
# 100 ms), and the 3,333 pins that were not confirmed expire 3 s on, as hashes.
t_redis_dataplane() {
	local d=$OUT/redis_dp pins=5000 n=30 pin_pid rc ok out want_exp
	mkdir -p "$d"
	if [ ! -x "$PIN_BIN" ]; then
		fail redis_dataplane "no $PIN_BIN (built with librte_ring only)"
		return
	fi
	redis_conf "$d/dp.conf" 10000
	"$PIN_BIN" "$DP_PREFIX" load "$pins" 300 20 >"$d/pin.out" 2>&1 &
	pin_pid=$!
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$d/dp.conf" "$d/dataplane.log"; then
		kill "$pin_pid" 2>/dev/null
		fail redis_dataplane "the dataplane did not start: $(tail -n 3 "$d/dataplane.log")"
		return
	fi
	backends_up "$SCEN/uas_slow.xml" "$d"
	callers_run "$SCEN/uac.xml" "$n" 10 "$d/uac.csv" "$d/uac.out"
	rc=$?
	wait "$pin_pid"
	backends_down
	dp_stop
	ok=$(sipp_stat "$d/uac.csv" 'SuccessfulCall(C)')
	out=$(grep -E '^(dataplane|lookups|events)' "$d/pin.out" | tr '\n' ';')
	if ! grep -q "ctl: loaded $pins dialogs from Redis in" "$d/dataplane.log"; then
		fail redis_dataplane "no load: $(grep 'ctl:' "$d/dataplane.log" | tr '\n' ';') $out"
		return
	fi
	if ! grep -q "lookups: 300 of 300 answered as pinned, one never pinned: absent" \
		"$d/pin.out"; then
		fail redis_dataplane "lookups: $out"
		return
	fi
	if [ "$rc" -ne 0 ] || [ "$ok" != "$n" ]; then
		fail redis_dataplane "calls: SIPp exit $rc, $ok of $n succeeded (see $d)"
		return
	fi
	# pins i % 3 != 0 are answered or early: they expire
	want_exp=$((pins - (pins + 2) / 3))
	if ! python3 - "$d/pin.out" "$n" "$want_exp" <<'PY'
import re, sys
line = [l for l in open(sys.argv[1]) if l.startswith('events ')][-1]
v = {k: int(x) for k, x in re.findall(r'(\w+) (\d+)', line)}
n, exp = int(sys.argv[2]), int(sys.argv[3])
ok = (v['created'] == n and v['confirmed'] == n and v['ended'] == n and v['lost'] == 0 and
      1 <= v['unanswered'] <= n and v['expired'] == exp and "sample '" in line and
      "sample ''" not in line)
sys.exit(0 if ok else 1)
PY
	then
		fail redis_dataplane "events: $out (want $n created, confirmed, ended; $want_exp expired)"
		return
	fi
	pass "redis_dataplane ($(grep -oE 'loaded [0-9]+ dialogs from Redis in [0-9]+ ms' \
		"$d/dataplane.log") before the first packet; $n calls: $out)"
}

# ---- 16. a dataplane starts without what Redis holds when it cannot have it, and says why ------
t_redis_start_without() {
	local d=$OUT/redis_without why="" pin_pid
	mkdir -p "$d"
	redis_conf "$d/dp.conf" 1000
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$d/dp.conf" "$d/alone.log"; then
		fail redis_start_without "no start without control: $(tail -n 3 "$d/alone.log")"
		return
	fi
	dp_stop
	grep -q 'no siplb-control (no heartbeat in 1000 ms)' "$d/alone.log" || why="no control;"
	redis_conf "$d/dp.conf" 10000
	"$PIN_BIN" "$DP_PREFIX" refuse >"$d/refuse.out" 2>&1 &
	pin_pid=$!
	if ! dp_start "$BUILD/dataplane/siplb-dataplane" "$d/dp.conf" "$d/refused.log"; then
		kill "$pin_pid" 2>/dev/null
		fail redis_start_without "no start after a refused load: $(tail -n 3 "$d/refused.log")"
		return
	fi
	wait "$pin_pid"
	dp_stop
	grep -q 'Redis unreachable (siplb-control: Connection refused)' "$d/refused.log" ||
		why="$why Redis unreachable;"
	if [ -n "$why" ]; then
		fail redis_start_without "not said: $why (see $d)"
		return
	fi
	pass "redis_start_without ($(grep -ohE 'starting without[^;]*' "$d/alone.log" \
		"$d/refused.log" | tr '\n' ';'))"
}
