#!/bin/bash
# Every fuzz target (selftests/fuzz/fuzz_*.c) under libFuzzer + ASan +
# UBSan for a bounded time each (TS_FUZZ_SECONDS, default 30), as many at
# once as the machine has CPUs (TS_FUZZ_JOBS): each fuzzer keeps a core of
# its own for its whole time, and the test takes half as long on two.
. "$(dirname "$0")/../lib.sh"

secs=${TS_FUZZ_SECONDS:-30}
jobs=${TS_FUZZ_JOBS:-$(nproc)}
names=()
for src in "$TS_ROOT"/selftests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=$TS_ROOT/$BUILD/fuzz/$name
	if [ ! -x "$bin" ]; then
		ts_fail "$name" "$bin is not built (make BUILD=$BUILD $BUILD/fuzz/$name)"
		continue
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	("$TS_ROOT/selftests/fuzz/run" "$bin" "$secs" >"$TS_TMP/$name.out" 2>&1
	 echo $? >"$TS_TMP/$name.rc") &
	names+=("$name")
done
wait

for name in "${names[@]}"; do
	out=$(cat "$TS_TMP/$name.out")
	echo "$out"
	if [ "$(cat "$TS_TMP/$name.rc" 2>/dev/null)" != 0 ]; then
		ts_fail "${name}_${secs}s" "crash or sanitizer report (artifacts in $BUILD/fuzz/artifacts)"
		continue
	fi
	runs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
	if [ "${runs:-0}" -gt 0 ]; then
		ts_pass "${name}_${secs}s"
	else
		ts_fail "${name}_${secs}s" "the fuzzer executed no inputs"
	fi
done
ts_exit
