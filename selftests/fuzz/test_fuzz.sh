#!/bin/bash
# Every fuzz target (selftests/fuzz/fuzz_*.c) under libFuzzer + ASan +
# UBSan for a bounded time each (TS_FUZZ_SECONDS, default 30).
. "$(dirname "$0")/../lib.sh"

secs=${TS_FUZZ_SECONDS:-30}
for src in "$TS_ROOT"/selftests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=$TS_ROOT/$BUILD/fuzz/$name
	if [ ! -x "$bin" ]; then
		ts_fail "$name" "$bin is not built (make BUILD=$BUILD $BUILD/fuzz/$name)"
		continue
	fi
	if out=$("$TS_ROOT/selftests/fuzz/run" "$bin" "$secs" 2>&1); then
		runs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
		echo "$out"
		if [ "${runs:-0}" -gt 0 ]; then
			ts_pass "${name}_${secs}s"
		else
			ts_fail "${name}_${secs}s" "the fuzzer executed no inputs"
		fi
	else
		echo "$out"
		ts_fail "${name}_${secs}s" "crash or sanitizer report (artifacts in $BUILD/fuzz/artifacts)"
	fi
done
ts_exit
