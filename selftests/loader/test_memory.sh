#!/bin/bash
# Table sizes and their memory (docs/policy.md "Table sizes",
# docs/dataplane.md "Memory"):
# - a five-rule policy with no `table` settings locks less than 64 MiB,
#   where the fixed defaults locked about 232 MiB (measured here too, with
#   those sizes written out). Why 64 MiB holds on any host up to 32 GiB of
#   MemTotal: the flow table is at most 262144 entries there (one per
#   128 KiB, rounded up to a power of two: 40.5 MiB with its tags), the
#   half-open table at most 32768 (5.1 MiB), the policy tables are at their
#   floors (0.7 MiB), the pass cache has a 64-byte line per four flows
#   (4 MiB), and the other maps take 1.3 MiB plus 96 KiB per possible CPU
#   for the rule counters (the bound holds up to 132 of them);
# - `status` reports each table's memory as the kernel's map info gives it
#   (bpftool agrees) and a total;
# - `up` refuses tables larger than MemAvailable allows (exit 14) before it
#   loads anything: nothing pinned, nothing attached; and tables larger than
#   the memory cgroup it runs in has room for (`run` too);
# - a finite RLIMIT_MEMLOCK does not refuse on a kernel that charges maps to
#   the memory cgroup (5.11 and later): it does not limit them there;
# - an `up` over pinned maps adopts them at their size, whatever the
#   policy now asks (the sizes change at `down` + `up`), and a policy that
#   outgrew them is refused with that reason while the running one stays.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
ts_on_exit "$TS_BIN down >/dev/null 2>&1"

five_rules() {
	cat <<EOF2
settings {
    scope tcp/443,8443,22
$1
}
component clients { 10.9.0.0/24 fd09::/64 }
component servers { 10.9.1.2 fd09:1::2 }
component admins { 10.9.2.7 }
component backup { 10.9.1.3 }
component monitor { 10.9.1.4 }
rule "R1": clients -> servers tcp/443
rule "R2": admins -> servers tcp/22
rule "R3": servers -> backup tcp/8443
rule "R4": monitor -> servers tcp/443
rule "R5": admins -> backup tcp/22
EOF2
}
# chk NAME CONDITION WHY: PASS when the shell condition holds, else FAIL with WHY.
chk() { if eval "$2"; then ts_pass "$1"; else ts_fail "$1" "$3"; fi; }
up() { ts_g up "$1" -i gc --state-dir "$TS_TMP/state" >"$TS_TMP/up.log" 2>&1; }
status_json() { ts_g status --json >"$TS_TMP/status.json" 2>"$TS_TMP/status.err"; }
py() { python3 -c "$1" "$TS_TMP/status.json" "${@:2}"; }
MIB=$((1024 * 1024))

# 1. the five-rule policy with the sizes of "Table sizes"
five_rules "" >"$TS_TMP/five.policy"
if up "$TS_TMP/five.policy" && status_json; then
	total=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["memory"]["total_bytes"])')
	chk five_rule_policy_under_64MiB "[ $total -gt 0 ] && [ $total -lt $((64 * MIB)) ]" \
		"total $total bytes"
	echo "five-rule policy: $((total / 1024)) KiB"
	# each table's memory is its maps' shape (bpftool) plus a tags word per
	# bucket; the established flows' row is both their tables
	bad=""
	for t in flows:ts_flows+ts_flows_small halfopen:ts_halfopen hosts:ts_hosts prefixes:ts_prefixes rules:ts_rules; do
		want=0
		for m in $(echo "${t#*:}" | tr + ' '); do
			info=$(bpftool -j map show pinned "/sys/fs/bpf/turnstile/$m")
			want=$((want + $(python3 -c 'import json,sys; m=json.loads(sys.argv[1]); print(m["max_entries"] * (m["bytes_value"] + 8))' "$info")))
		done
		got=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["tables"][sys.argv[2]]["memory_bytes"])' "${t%%:*}")
		[ "$want" = "$got" ] || bad="$bad ${t%%:*}: status $got, bpftool $want;"
	done
	chk status_table_memory_is_the_maps "[ -z '$bad' ]" "$bad"
	sum=$(py 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(t["memory_bytes"] for t in d["tables"].values()) + d["memory"]["other_bytes"] == d["memory"]["total_bytes"] and d["memory"]["other_bytes"] > 0)')
	chk status_total_adds_up "[ '$sum' = True ]" "$(cat "$TS_TMP/status.json")"
	ts_g status >"$TS_TMP/status.txt" 2>&1
	chk status_text_memory "grep -Eq '^  flows .* MiB$' '$TS_TMP/status.txt' && grep -q 'of them in the small table' '$TS_TMP/status.txt' && grep -Eq '^  total +[0-9.]+ MiB$' '$TS_TMP/status.txt'" \
		"$(grep -A8 '^tables' "$TS_TMP/status.txt")"

	# 2. pinned maps are adopted at their size, whatever the policy asks now
	five_rules "    table flows 1048576" >"$TS_TMP/five_big.policy"
	flows_before=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["flows"]["max"])')
	if up "$TS_TMP/five_big.policy" && status_json; then
		flows_after=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["flows"]["max"])')
		chk adopted_maps_keep_their_size "[ '$flows_before' = '$flows_after' ]" \
			"flows $flows_before before, $flows_after after"
	else
		ts_fail adopted_maps_keep_their_size "second up: $(tail -3 "$TS_TMP/up.log")"
	fi
else
	ts_fail five_rule_policy_under_64MiB "up or status: $(tail -3 "$TS_TMP/up.log" "$TS_TMP/status.err")"
fi
ts_g down >/dev/null 2>&1

# 2b. a policy that outgrew the pinned tables is refused with the reason,
#     and the running one stays
five_rules "    table hosts 16" >"$TS_TMP/five_small.policy"
{ five_rules ""; echo "component more { 10.9.3.1 10.9.3.2 10.9.3.3 10.9.3.4 10.9.3.5 10.9.3.6 10.9.3.7 10.9.3.8 10.9.3.9 10.9.3.10 10.9.3.11 10.9.3.12 }"
  echo 'rule "R6": more -> servers tcp/443'; } >"$TS_TMP/five_more.policy"
if up "$TS_TMP/five_small.policy" && status_json; then
	gen=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])')
	up "$TS_TMP/five_more.policy"
	rc=$?
	status_json
	gen2=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])')
	chk outgrown_tables_refused_with_reason "[ $rc != 0 ] && grep -q 'tables keep the size they were made with' '$TS_TMP/up.log' && [ '$gen' = '$gen2' ]" \
		"exit $rc, generation $gen -> $gen2: $(cat "$TS_TMP/up.log")"
else
	ts_fail outgrown_tables_refused_with_reason "first up: $(tail -3 "$TS_TMP/up.log")"
fi
ts_g down >/dev/null 2>&1

# 3. the old fixed defaults, written out: what every policy locked before
five_rules "    table flows 1048576
    table half-open 65536
    table hosts 262144
    table prefixes 262144
    table rules 262144" >"$TS_TMP/old.policy"
if up "$TS_TMP/old.policy" && status_json; then
	old=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["memory"]["total_bytes"])')
	echo "the old defaults: $((old / 1024)) KiB"
	chk old_defaults_lock_over_220MiB "[ $old -gt $((220 * MIB)) ]" "total $old bytes"
else
	ts_fail old_defaults_lock_over_220MiB "up: $(tail -3 "$TS_TMP/up.log")"
fi
ts_g down >/dev/null 2>&1

nothing_left() {
	! ls /sys/fs/bpf/turnstile/ts_* >/dev/null 2>&1 &&
		! ip -n "$NS_G" -d link show dev gc | grep -q 'prog/xdp'
}

# 4. more than MemAvailable: refused before loading anything
avail_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
five_rules "    table flows 67108864
    table half-open 67108864
    table hosts 67108864
    table prefixes 67108864
    table rules 67108864" >"$TS_TMP/huge.policy"
# those tables take 34 GiB; on a host with more available the case is moot
if [ "$avail_kib" -gt $((30 * 1024 * 1024)) ]; then
	ts_skip refused_above_memavailable "MemAvailable is $((avail_kib / 1024)) MiB"
else
	up "$TS_TMP/huge.policy"
	rc=$?
	chk refused_above_memavailable "[ $rc = 14 ] && grep -q 'MemAvailable' '$TS_TMP/up.log' && grep -q 'table flows N' '$TS_TMP/up.log'" \
		"exit $rc: $(cat "$TS_TMP/up.log")"
	chk refused_leaves_nothing "nothing_left" "$(ls /sys/fs/bpf/turnstile 2>&1; ip -n "$NS_G" -d link show dev gc)"
	echo "message: $(cat "$TS_TMP/up.log")"
fi

# 5. more than the memory cgroup has room for (the kernel's own limit since 5.11)
five_rules "    table flows 1048576" >"$TS_TMP/flows1m.policy"
cg=""
if [ -d /sys/fs/cgroup/memory ] && [ -n "$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup)" ]; then
	parent=/sys/fs/cgroup/memory$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup | cut -d: -f3)
	cg="$parent/ts_memory_test_$$" limit=memory.limit_in_bytes
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cg="/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)/ts_memory_test_$$" limit=memory.max
fi
if [ -n "$cg" ] && mkdir "$cg" 2>/dev/null; then
	ts_on_exit "rmdir '$cg'"
	if echo $((64 * MIB)) >"$cg/$limit"; then
		nsenter --net="/run/netns/$NS_G" -- sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" up "$3" -i gc --state-dir "$4"' \
			sh "$cg" "$TS_BIN" "$TS_TMP/flows1m.policy" "$TS_TMP/state" >"$TS_TMP/up.log" 2>&1
		rc=$?
		chk refused_above_memory_cgroup "[ $rc = 14 ] && grep -q 'memory cgroup' '$TS_TMP/up.log'" \
			"exit $rc: $(cat "$TS_TMP/up.log")"
		chk refused_cgroup_leaves_nothing "nothing_left" "$(ls /sys/fs/bpf/turnstile 2>&1)"
		# the daemon refuses alike, before it starts anything
		timeout 30 nsenter --net="/run/netns/$NS_G" -- sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" run "$3" -i gc --state-dir "$4"' \
			sh "$cg" "$TS_BIN" "$TS_TMP/flows1m.policy" "$TS_TMP/state" >"$TS_TMP/run.log" 2>&1
		rc=$?
		chk run_refused_above_memory_cgroup "[ $rc = 14 ] && grep -q 'memory cgroup' '$TS_TMP/run.log' && nothing_left" \
			"exit $rc: $(cat "$TS_TMP/run.log")"
	else
		ts_skip refused_above_memory_cgroup "cannot set $cg/$limit"
	fi
else
	ts_skip refused_above_memory_cgroup "cannot make a memory cgroup here"
fi
ts_g down >/dev/null 2>&1

# 6. RLIMIT_MEMLOCK of 1 MiB: the kernel does not charge maps to it since
#    5.11, so it refuses nothing there; before, it is what refuses
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
prlimit --memlock=$MIB:$MIB nsenter --net="/run/netns/$NS_G" -- "$TS_BIN" up "$TS_TMP/five.policy" -i gc \
	--state-dir "$TS_TMP/state" >"$TS_TMP/up.log" 2>&1
rc=$?
if [ "$kmaj" -gt 5 ] || { [ "$kmaj" = 5 ] && [ "$kmin" -ge 11 ]; }; then
	chk memlock_not_applied_on_memcg_kernels "[ $rc = 0 ]" "exit $rc: $(cat "$TS_TMP/up.log")"
else
	chk memlock_refuses_on_old_kernels "[ $rc = 14 ] && grep -q RLIMIT_MEMLOCK '$TS_TMP/up.log'" \
		"exit $rc: $(cat "$TS_TMP/up.log")"
fi
ts_g down >/dev/null 2>&1
ts_exit
