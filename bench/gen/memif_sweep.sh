#!/usr/bin/env bash
# memif_sweep.sh: siplb-dataplane (1 worker) driven by siplb-gen over net_memif at each call rate
# given, SECONDS_EACH s per rate, one dataplane for all (the first rate warms it up); one line per
# rate: calls started/completed/failed, messages lost, retransmissions, messages/s, INVITE latency.
#   sudo nice -n -15 bench/gen/memif_sweep.sh BUILD 5000 20000 30000 40000
# Env: SECONDS_EACH (3), HOLD ms (0), GEN_RSIZE (log2 memif ring, 12), GEN_DP_LCORES, GEN_LCORES.
# Needs root (hugepages). Never run two benchmarks at once: both processes poll a vCPU each.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?usage: memif_sweep.sh BUILD RATE...}
shift
[[ "$BUILD" = /* ]] || BUILD=$top/$BUILD
OUT=$(mktemp -d /tmp/slbg-sweep.XXXXXX)
PIDS=()
spawn() {
	"$@" &
	PIDS+=($!)
	LAST_PID=$! # gen.sh reads it
	export LAST_PID
}
# shellcheck source=tests/e2e/gen.sh
source "$top/tests/e2e/gen.sh"
trap 'gen_dp_stop' EXIT
secs=${SECONDS_EACH:-3}
echo "siplb-gen sweep: $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)," \
	"load $(cut -d' ' -f1-3 /proc/loadavg); logs in $OUT"
if ! gen_dp_start "$OUT"; then
	tail -n 5 "$OUT/dataplane.log"
	exit 1
fi
for r in "$@"; do
	gen_run "$OUT" --calls $((r * secs)) --rate "$r" --max-calls 200000 --hold "${HOLD:-0}" \
		--quiet
	rc=$?
	cp "$OUT/gen.json" "$OUT/gen-$r.json" 2>/dev/null
	python3 - "$OUT/gen-$r.json" "$r" "$rc" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print('rate %s: siplb-gen exit %s, no summary' % (sys.argv[2], sys.argv[3]))
    sys.exit(0)
c, m, inv = j['calls'], j['messages'], j['latency_us'].get('INVITE', {})
print('rate %6s: started %6.0f/s, completed %d/%d, failed %d, lost %d (%.4f%%), retrans %d, '
      '%.0f msgs/s, INVITE p50/p99 %.0f/%.0f us, gen pause max %.1f ms' % (
          sys.argv[2], c['attempted'] / j['send_seconds'], c['completed'], c['attempted'],
          c['failed'], m['lost'], 100.0 * m['lost'] / max(m['sent'], 1), m['retransmissions'],
          m['received'] / j['send_seconds'], inv.get('p50', -1), inv.get('p99', -1),
          j['max_poll_gap_us'] / 1000))
PY
done
