#!/usr/bin/env bash
# dialog_scale.sh: the dialog table at 10 thousand, 1 million and 10 million dialogs in progress
# (issue 9): ns per lookup, miss and create + end, and memory per dialog, as one table.
#   bench/dialog_scale.sh [build-dir]      SHORT=1: one round of 3 x 262144 keys (for run.sh)
# Each size runs in a process of its own (bench_dialog --live N, pinned to CPU 1), three rounds
# over the sizes, and each figure is the median of the rounds' (each a median of 5 repetitions):
# on a shared machine a moment of load then spoils one round of one size, not a column. Tables in
# 2 MB hugetlbfs pages as the dataplane's is: 10M dialogs need 129 free pages. Run as root, it
# reserves the pages that are missing and gives them back at the end; otherwise bench_dialog
# falls back to transparent huge pages and says so. CALLGRIND=1 adds instructions per lookup at
# the smallest and largest size (deterministic; about a minute for 10M). Run alone: never two
# benchmarks at once.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
cd "$top"
[ -d "$B" ] || meson setup "$B" >/dev/null
ninja -C "$B" bench/bench_dialog >/dev/null

read -r -a sizes <<<"${SIZES:-10000 1000000 10000000}" # SIZES: other sizes, smallest first
rounds=3 reps=5 ops=1000000
if [ "${SHORT:-0}" = 1 ]; then
	rounds=1 reps=3 ops=262144
fi

# 10M dialogs: 2^21 buckets of 128 B = 256 MB, 128 pages, one more for the header
need=129
free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
nr_before=$(cat /proc/sys/vm/nr_hugepages)
if [ "$free" -lt "$need" ] && [ "$(id -u)" = 0 ]; then
	echo $((nr_before + need - free)) >/proc/sys/vm/nr_hugepages
fi

out=$(mktemp)
trap 'rm -f "$out"; [ "$(id -u)" = 0 ] && echo "$nr_before" >/proc/sys/vm/nr_hugepages' EXIT
echo "== dialog table at scale: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs," \
	"Linux $(uname -r), $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
for round in $(seq "$rounds"); do
	for n in "${sizes[@]}"; do
		echo "== round $round: taskset -c 1 $B/bench/bench_dialog --live $n --reps $reps" \
			"--ops $ops"
		taskset -c 1 "$B/bench/bench_dialog" --live "$n" --reps "$reps" --ops "$ops" |
			tee -a "$out" | sed -n "$([ "$round" = 1 ] && echo 1,5p || echo 4,5p)"
	done
done
echo

# The SCALE lines as one table: a row per figure, a column per size (the median of its
# rounds), and 10M over 10k.
awk '
/^SCALE / {
	split($2, kv, "=")
	if (!(kv[2] in col)) {
		col[kv[2]] = ++c
	}
	j = col[kv[2]]
	r = ++nr[j]
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		all[j, kv[1], r] = kv[2]
	}
}
function median(j, k,   n, i, a, b, t) {
	n = nr[j]
	for (i = 1; i <= n; i++)
		a[i] = all[j, k, i] + 0
	for (i = 2; i <= n; i++)
		for (b = i; b > 1 && a[b - 1] > a[b]; b--) {
			t = a[b]; a[b] = a[b - 1]; a[b - 1] = t
		}
	return a[int((n + 1) / 2)]
}
function row(label, k, fmt, ratio,   i, s) {
	for (i = 1; i <= c; i++)
		v[i, k] = median(i, k)
	s = sprintf("| %s |", label)
	for (i = 1; i <= c; i++)
		s = s sprintf(" " fmt " |", v[i, k])
	if (ratio && v[1, k] > 0)
		s = s sprintf(" %.2f |", v[c, k] / v[1, k])
	else
		s = s " |"
	print s
}
END {
	for (i = 1; i <= c; i++)
		v[i, "live"] = median(i, "live")
	s = "| dialogs in progress |"
	for (i = 1; i <= c; i++)
		s = s sprintf(" %d |", v[i, "live"])
	print s " last / first |"
	print "|---|" substr("---|---|---|---|---|---|", 1, 4 * c) "---|"
	row("table slots (capacity 1.4 x live, rounded up)", "slots", "%d", 0)
	row("table bytes per live dialog", "per_dialog", "%.1f", 0)
	row("resident memory, MB (RSS + hugetlbfs)", "resident_mb", "%.1f", 0)
	row("lookup hit, one at a time, ns", "hit_one", "%.1f", 1)
	row("lookup hit, bursts of 32 prefetched, ns", "hit_burst", "%.1f", 1)
	row("lookup hit, prefetched a burst ahead, ns", "hit_ahead", "%.1f", 1)
	row("lookup miss, one at a time, ns", "miss_one", "%.1f", 1)
	row("lookup miss, bursts of 32 prefetched, ns", "miss_burst", "%.1f", 1)
	row("lookup miss, prefetched a burst ahead, ns", "miss_ahead", "%.1f", 1)
	row("create + end, one at a time, ns", "ce_one", "%.1f", 1)
	row("create + end, bursts of 32 prefetched, ns", "ce_burst", "%.1f", 1)
	row("create + end, prefetched a burst ahead, ns", "ce_ahead", "%.1f", 1)
	row("fill: create into the growing table, ns", "fill", "%.1f", 1)
	row("slb_dlg_count(): one scan of the whole table, ms", "scan_ms", "%.2f", 1)
	row("floor: one random line read, bursts of 32 prefetched, ns", "line_burst", "%.1f", 1)
	row("key hash alone (in every row), ns", "hash", "%.1f", 1)
}' "$out"
echo "(each figure the median of $rounds round(s), each the median of $reps repetitions of $ops" \
	"random keys)"

if [ "${CALLGRIND:-0}" = 1 ]; then
	# --reps 1 --ops 32768: 6 x 32768 lookups (hit and miss, three ways each)
	for n in "${sizes[0]}" "${sizes[-1]}"; do
		valgrind --tool=callgrind --callgrind-out-file="$out.cg" \
			--toggle-collect=slb_dlg_lookup "$B/bench/bench_dialog" --live "$n" --reps 1 \
			--ops 32768 --pages 4k >/dev/null 2>&1
		ir=$(grep -E '^(summary|totals):' "$out.cg" | head -n 1 | awk '{print $2}')
		echo "callgrind: $n dialogs: $((ir / (6 * 32768))) instructions per lookup" \
			"(hits and misses alike)"
		rm -f "$out.cg"
	done
fi
