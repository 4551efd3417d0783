#!/usr/bin/env bash
# test.sh: install what is missing, build with warnings as errors, run every test, and end with
# one line "N passed, N failed". FUZZ_SECONDS (default 20) bounds each fuzz target's run;
# SKIP_E2E=1 leaves out the end-to-end tests (they need root, hugepages and namespaces).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD=${BUILD:-build}
passed=0
failed=0
failures=()

pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + $1)); failures+=("$2"); }

finish() {
	echo
	if [ ${#failures[@]} -gt 0 ]; then
		printf 'failed: %s\n' "${failures[@]}"
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

./scripts/setup.sh || { fail 1 "setup"; finish; }

# 1. Build with gcc, warnings as errors.
if [ ! -d "$BUILD" ]; then
	meson setup "$BUILD" -Dwerror=true >/dev/null || { fail 1 "meson setup"; finish; }
fi
if ! ninja -C "$BUILD" >"$BUILD/ninja.log" 2>&1; then
	cat "$BUILD/ninja.log"
	fail 1 "build"
	finish
fi
pass 1

# 2. CUnit suites: each prints "RESULT <suite>: N passed, N failed".
for t in "$BUILD"/tests/unit/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^RESULT ' | tail -n 1)
	if [ -z "$line" ] || [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | grep -vE '^\s*(Test:|Suite:).*passed$' | tail -n 40
	fi
	if [ -z "$line" ]; then
		fail 1 "$(basename "$t") (no result, exit $rc)"
		continue
	fi
	echo "$line"
	p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/' <<<"$line")
	f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/' <<<"$line")
	pass "$p"
	if [ "$f" -gt 0 ] || [ $rc -ne 0 ]; then
		fail "$((f > 0 ? f : 1))" "$(basename "$t")"
	fi
done

# siplb-parse answers with valid JSON for any file (a python check, same RESULT line)
python3 tests/tools/test_siplb_parse.py "$BUILD" | tee "$BUILD/siplb_parse.log"
line=$(grep -E '^RESULT ' "$BUILD/siplb_parse.log" | tail -n 1)
if [ -n "$line" ]; then
	pass "$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/' <<<"$line")"
	f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/' <<<"$line")
	[ "$f" -gt 0 ] && fail "$f" "siplb-parse"
else
	fail 1 "siplb-parse (no result)"
fi

# every program's -h/--help, --version and an unknown option (same RESULT line)
python3 tests/tools/test_cli.py "$BUILD" | tee "$BUILD/cli.log"
line=$(grep -E '^RESULT ' "$BUILD/cli.log" | tail -n 1)
if [ -n "$line" ]; then
	pass "$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/' <<<"$line")"
	f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/' <<<"$line")
	[ "$f" -gt 0 ] && fail "$f" "cli"
else
	fail 1 "cli (no result)"
fi

# siplb-control against a faked dataplane end of the control segment (same RESULT line)
if [ -x "$BUILD/tests/tools/ctl_fakedp" ]; then
	python3 tests/tools/ctl_smoke.py "$BUILD" >"$BUILD/ctl_smoke.log" 2>&1
	grep -E '^(FAIL|RESULT)' "$BUILD/ctl_smoke.log"
	line=$(grep -E '^RESULT ' "$BUILD/ctl_smoke.log" | tail -n 1)
	if [ -n "$line" ]; then
		pass "$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/' <<<"$line")"
		f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/' <<<"$line")
		[ "$f" -gt 0 ] && fail "$f" "ctl_smoke (see $BUILD/ctl_smoke.log)"
	else
		tail -n 20 "$BUILD/ctl_smoke.log"
		fail 1 "ctl_smoke (no result)"
	fi
fi

# siplb-control with Redis, against the fake dataplane and a redis-server of its own
if [ -x "$BUILD/tests/tools/ctl_fakedp" ]; then
	python3 tests/tools/ctl_redis_smoke.py "$BUILD" >"$BUILD/ctl_redis_smoke.log" 2>&1
	grep -E '^(FAIL|RESULT)' "$BUILD/ctl_redis_smoke.log"
	line=$(grep -E '^RESULT ' "$BUILD/ctl_redis_smoke.log" | tail -n 1)
	if [ -n "$line" ]; then
		pass "$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/' <<<"$line")"
		f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/' <<<"$line")
		[ "$f" -gt 0 ] && fail "$f" "ctl_redis_smoke (see $BUILD/ctl_redis_smoke.log)"
	else
		tail -n 20 "$BUILD/ctl_redis_smoke.log"
		fail 1 "ctl_redis_smoke (no result)"
	fi
fi

# 3. Fuzz targets, built with clang (libFuzzer, ASan, UBSan), each run for FUZZ_SECONDS.
if [ "$FUZZ_SECONDS" -gt 0 ]; then
	if ./scripts/fuzz.sh --seconds "$FUZZ_SECONDS"; then pass 1; else fail 1 "fuzz"; fi
fi

# 4. End-to-end tests through real DPDK ports.
if [ "${SKIP_E2E:-0}" != 1 ] && [ -x tests/e2e/run.sh ]; then
	tests/e2e/run.sh "$BUILD" 2>&1 | tee "$BUILD/e2e.log"
	out=$(grep -E '^E2E-RESULT ' "$BUILD/e2e.log" | tail -n 1)
	if [ -n "$out" ]; then
		p=$(sed -E 's/E2E-RESULT ([0-9]+) ([0-9]+)/\1/' <<<"$out")
		f=$(sed -E 's/E2E-RESULT ([0-9]+) ([0-9]+)/\2/' <<<"$out")
		pass "$p"
		[ "$f" -gt 0 ] && fail "$f" "end-to-end"
	else
		fail 1 "end-to-end (no result)"
	fi
fi

finish
