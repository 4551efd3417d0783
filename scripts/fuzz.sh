#!/usr/bin/env bash
# fuzz.sh: build the libFuzzer targets with clang (ASan + UBSan) and run each one.
#   scripts/fuzz.sh --seconds 20           every target for 20 s (what the test command does)
#   scripts/fuzz.sh --seconds 14400 --jobs 2 sip   the parser alone for four hours, 2 workers
# Crashes are written to build-fuzz/artifacts/; the corpus grows in build-fuzz/corpus-<target>/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

seconds=20
jobs=1
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(sip rewrite fwd)

B=$top/build-fuzz
if [ ! -d "$B" ]; then
	CC=clang meson setup "$B" -Dfuzz=true -Dbuildtype=debugoptimized -Db_lundef=false >/dev/null
fi
ninja -C "$B" >"$B/ninja.log" 2>&1 || { cat "$B/ninja.log"; exit 1; }
mkdir -p "$B/artifacts"
cd "$B" # libFuzzer writes fuzz-N.log into the current directory when it runs jobs

rc=0
for t in "${targets[@]}"; do
	corpus="$B/corpus-$t"
	mkdir -p "$corpus"
	echo "fuzz: $t for ${seconds}s"
	par=()
	[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$B/tests/fuzz/fuzz_$t" -max_total_time="$seconds" "${par[@]}" \
		-print_final_stats=1 -max_len=8192 -dict="$top/tests/fuzz/sip.dict" \
		-artifact_prefix="$B/artifacts/$t-" "$corpus" "$top/tests/fuzz/seeds" \
		>"$B/fuzz-$t.log" 2>&1; then
		tail -n 60 "$B/fuzz-$t.log"
		rc=1
	else
		grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$B/fuzz-$t.log" | tail -n 2
	fi
done
exit $rc
