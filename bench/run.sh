#!/usr/bin/env bash
# run.sh: the pipeline benchmark, natively (ns per message) and under callgrind (instructions
# per message, deterministic), the dialog table (also at 10k, 1M and 10M dialogs) and Redis.
# Run alone: never two benchmarks at once on this machine.
#   bench/run.sh [build-dir]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
cd "$top"
[ -d "$B" ] || meson setup "$B" >/dev/null
ninja -C "$B" bench/bench_pipeline >/dev/null

for b in 1 32; do
	echo "== native: $B/bench/bench_pipeline -r 31 -c 4096 -b $b (pinned to CPU 1)"
	taskset -c 1 "$B/bench/bench_pipeline" -r 31 -c 4096 -b "$b"
	echo
done

ninja -C "$B" bench/bench_dialog >/dev/null
echo "== dialog table: $B/bench/bench_dialog 500000 (a second thread on the other CPU)"
"$B/bench/bench_dialog" 500000
echo

# short: one round (bench/dialog_scale.sh alone for the README's figures: three rounds)
SHORT=1 "$top/bench/dialog_scale.sh" "$B"
echo

ninja -C "$B" bench/bench_redis >/dev/null
echo "== Redis: $B/bench/bench_redis 1000000 (writer, loader and pub/sub alone, a redis-server of its own)"
"$B/bench/bench_redis" 1000000
echo

calls=1024
rounds=2
out=$(mktemp -d)
# set-up passes each call's INVITE and BYE through once: 2 more per call
msgs=$((calls * (7 * rounds + 2)))
for mode in "" -e; do
	what="dialog events not wanted"
	[ -n "$mode" ] && what="dialog events' details filled (-e: siplb-control listening)"
	echo "== callgrind: instructions inside slb_fwd_process, $calls calls x 7 messages x" \
		"$rounds rounds, $what"
	valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
		--toggle-collect=slb_fwd_process \
		"$B/bench/bench_pipeline" -r "$rounds" -c "$calls" $mode >/dev/null 2>"$out/vg.log"
	ir=$(grep -E '^(summary|totals):' "$out/cg.out" | head -n 1 | awk '{print $2}')
	echo "instructions: $ir over $msgs messages = $((ir / msgs)) per message (mix)"
	[ -z "$mode" ] && callgrind_annotate "$out/cg.out" 2>/dev/null | sed -n '/Ir/,$p' |
		head -n 25
	rm -f "$out/cg.out"
done
rm -rf "$out"
