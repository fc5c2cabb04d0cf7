#!/bin/bash
# The policy parser under libFuzzer + ASan + UBSan for a bounded time.
. "$(dirname "$0")/../lib.sh"

bin=$TS_ROOT/$BUILD/fuzz/fuzz_policy
secs=${TS_FUZZ_SECONDS:-30}
if [ ! -x "$bin" ]; then
	ts_fail fuzz_policy "$bin is not built (make BUILD=$BUILD $BUILD/fuzz/fuzz_policy)"
	ts_exit
fi
if out=$("$TS_ROOT/selftests/fuzz/run" "$bin" "$secs" 2>&1); then
	runs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
	echo "$out"
	if [ "${runs:-0}" -gt 0 ]; then
		ts_pass "fuzz_policy_${secs}s"
	else
		ts_fail "fuzz_policy_${secs}s" "the fuzzer executed no inputs"
	fi
else
	echo "$out"
	ts_fail "fuzz_policy_${secs}s" "crash or sanitizer report (artifacts in $BUILD/fuzz/artifacts)"
fi
ts_exit
