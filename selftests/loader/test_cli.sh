#!/bin/bash
# The CLI's contract: exit codes, `--json` that parses, Prometheus text that
# parses, `explain` agreeing with what the dataplane does to real SYNs, the
# pin-dir lock.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
topo_policy >"$TS_TMP/p.policy"
topo_servers "$NS_S" 443 8443 80 || { ts_fail servers "echo server did not start"; ts_exit; }

# expect_exit NAME CODE CMD...: the command exits with CODE.
expect_exit() {
	local name=$1 want=$2; shift 2
	"$@" >"$TS_TMP/$name.out" 2>&1
	local rc=$?
	if [ "$rc" = "$want" ]; then ts_pass "$name"
	else ts_fail "$name" "exit $rc, want $want: $(head -c 300 "$TS_TMP/$name.out")"; fi
}

# ---- exit codes before anything is up ----
expect_exit exit_usage 2 ts_g up
expect_exit lock_wait_not_seconds_down 2 ts_g down --lock-wait soon
expect_exit lock_wait_not_seconds_up 2 ts_g up "$TS_TMP/p.policy" -i gc --lock-wait -1
expect_exit exit_not_loaded 12 ts_g status
expect_exit exit_no_iface 8 ts_g up "$TS_TMP/p.policy" -i nosuchif0
printf 'component a { 10.0.0.0/8 }\nrule: a -> nosuch tcp/443\n' >"$TS_TMP/bad.policy"
expect_exit exit_policy 3 ts_g up "$TS_TMP/bad.policy" -i gc
if grep -Eq "bad.policy:[0-9]+:[0-9]+: error" "$TS_TMP/exit_policy.out"; then ts_pass policy_errors_file_line_col
else ts_fail policy_errors_file_line_col "$(cat "$TS_TMP/exit_policy.out")"; fi
expect_exit exit_not_root 4 nsenter --net="/run/netns/$NS_G" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TS_BIN" status
# Native XDP on an interface whose driver has none (a bridge).
ip -n "$NS_G" link add gbr type bridge && ip -n "$NS_G" link set gbr up
expect_exit exit_xdp_native_unsupported 9 ts_g up "$TS_TMP/p.policy" -i gbr --xdp-mode native
[ -e /sys/fs/bpf/turnstile ] && ts_fail failed_up_unpinned "pin dir left after failed up" ||
	ts_pass failed_up_unpinned

# ---- up, then the read-only commands ----
expect_exit up 0 ts_g up "$TS_TMP/p.policy" -i gc -i gs --state-dir "$TS_TMP/state"

# status reports what is attached and how.
if ts_g status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
ifs = {i["name"]: i for i in d["interfaces"]}
assert set(ifs) == {"gc", "gs"}, ifs
assert all(i["xdp"] and i["xdp_attached"] and i["xdp_mode"] in ("native", "generic") for i in ifs.values()), ifs
assert d["mode"] == "enforce" and d["generation"] >= 1 and d["policy"].endswith("/p.policy"), d
assert d["tables"]["prefixes"]["used"] >= 2 and d["tables"]["flows"]["max"] > 0, d["tables"]
' 2>"$TS_TMP/status.err"; then ts_pass status_reports_interfaces_and_policy
else ts_fail status_reports_interfaces_and_policy "$(tail -3 "$TS_TMP/status.err")"; fi

# The lock: held by someone else -> exit 11 after --lock-wait.
# -o: flock itself holds the lock (not sleep), so killing it releases it.
flock -o /sys/fs/bpf/turnstile sleep 30 &
holder=$!
ts_on_exit "kill $holder"
ts_wait_for 5 sh -c "! flock -n /sys/fs/bpf/turnstile true"
expect_exit exit_locked 11 ts_g up "$TS_TMP/p.policy" -i gc -i gs --lock-wait 1
expect_exit down_locked 11 ts_g down --lock-wait 0
kill $(pgrep -P "$holder") "$holder"; wait "$holder" 2>/dev/null

# explain vs the dataplane: the verdict explain computes from the maps is
# what a real SYN gets. Each case: client ns, src, dst, port.
cases=(
	"$NS_C 10.9.0.2 10.9.1.2 443"
	"$NS_C 10.9.0.2 10.9.1.2 8443"
	"$NS_C 10.9.0.2 10.9.1.2 80"
	"$NS_C fd09::2 fd09:1::2 443"
	"$NS_C fd09::2 fd09:1::2 8443"
	"$NS_S 10.9.1.2 10.9.0.2 443"
)
topo_servers "$NS_C" 443 || ts_fail servers "client-side server did not start"
agree=1 allowed=0 refused=0 why=""
for c in "${cases[@]}"; do
	read -r ns src dst port <<<"$c"
	verdict=$(ts_g explain --json "$src" "$dst" "tcp/$port" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')
	if topo_connect "$ns" "$dst" "$port"; then got=pass; else got=refuse; fi
	case "$verdict" in allow|pass) want=pass ;; *) want=refuse ;; esac
	[ "$got" = pass ] && allowed=$((allowed + 1)) || refused=$((refused + 1))
	[ "$want" = "$got" ] || { agree=0; why+="$src->$dst:$port explain=$verdict dataplane=$got; "; }
done
if [ $agree = 1 ] && [ $allowed -ge 2 ] && [ $refused -ge 2 ]; then ts_pass explain_agrees_with_dataplane
else ts_fail explain_agrees_with_dataplane "${why:-only $allowed allowed / $refused refused}"; fi

ts_g explain 10.9.0.2 10.9.1.2 tcp/443 >"$TS_TMP/explain.txt" 2>&1
if grep -q 'clients via cidr 10.9.0.0/24' "$TS_TMP/explain.txt" &&
   grep -q 'servers via address 10.9.1.2' "$TS_TMP/explain.txt" &&
   grep -q 'allow by rule .*"C1"' "$TS_TMP/explain.txt"; then
	ts_pass explain_names_members_and_rule
else
	ts_fail explain_names_members_and_rule "$(tr '\n' '|' <"$TS_TMP/explain.txt")"
fi

# Every --json output parses as JSON (one document, or one per line).
json_ok=1 why=""
for cmd in "status --json" "stats --json" "flows --json" "explain --json 10.9.0.2 10.9.1.2 tcp/443" \
	   "explain --json fd09:1::2 fd09::2"; do
	# shellcheck disable=SC2086
	ts_g $cmd >"$TS_TMP/j.out" 2>"$TS_TMP/j.err" &&
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TS_TMP/j.out" 2>>"$TS_TMP/j.err" ||
		{ json_ok=0; why+="$cmd: $(head -c 200 "$TS_TMP/j.err"); "; }
done
# monitor --json: one object per event line; provoke refused SYNs while it runs.
# nsenter execs turnstile: $! is the monitor itself (a function in the
# background would be a subshell, and killing it would leave the monitor).
ts_bg monitor nsenter --net="/run/netns/$NS_G" "$TS_BIN" monitor --json
mon=$TS_BG_PID
sleep 0.5
topo_connect "$NS_C" 10.9.1.2 8443
topo_connect "$NS_S" 10.9.0.2 443
ts_wait_for 5 grep -q drop_no_rule "$TS_TMP/monitor.log"
kill "$mon"; wait "$mon" 2>/dev/null
python3 - "$TS_TMP/monitor.log" <<'EOF2' || { json_ok=0; why+="monitor --json: $(head -c 200 "$TS_TMP/monitor.log"); "; }
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert any(e["reason"] == "drop_no_rule" and e["dst_components"] == "servers" and e["dport"] == 8443
           for e in events), events
EOF2
if [ $json_ok = 1 ]; then ts_pass json_outputs_parse; else ts_fail json_outputs_parse "$why"; fi

# Readers open the pinned maps only: no program load, no map created, and
# (but for monitor's reset of the suppressed-events counter) nothing written.
# explain loads its judging program (never attached, nothing pinned): it
# writes only the maps it created itself (the program's .rodata), never a
# pinned one.
if command -v strace >/dev/null; then
	ro_ok=1 why=""
	for cmd in "status" "stats" "flows" "explain 10.9.0.2 10.9.1.2" "monitor"; do
		# shellcheck disable=SC2086
		timeout -s INT 1 strace -f -qq -e trace=bpf -o "$TS_TMP/ro.strace" \
			nsenter --net="/run/netns/$NS_G" "$TS_BIN" $cmd >/dev/null 2>&1
		bad='BPF_PROG_LOAD|BPF_MAP_CREATE|BPF_OBJ_PIN|BPF_LINK'
		case "$cmd" in
		monitor) ;;
		explain*)
			bad='BPF_OBJ_PIN|BPF_LINK'
			python3 - "$TS_TMP/ro.strace" <<'EOF2' || { ro_ok=0; why+="explain wrote a map it did not create; "; }
import re, sys
made, ok = set(), True
for line in open(sys.argv[1]):
    m = re.search(r"BPF_MAP_CREATE.*= (\d+)$", line)
    if m:
        made.add(m.group(1))
    m = re.search(r"BPF_MAP_(?:UPDATE|DELETE)_(?:ELEM|BATCH), \{map_fd=(\d+)", line)
    if m and m.group(1) not in made:
        ok = False
sys.exit(0 if ok else 1)
EOF2
			;;
		*) bad+='|BPF_MAP_UPDATE|BPF_MAP_DELETE' ;;
		esac
		grep -q BPF_OBJ_GET "$TS_TMP/ro.strace" && ! grep -Eq "$bad" "$TS_TMP/ro.strace" ||
			{ ro_ok=0; why+="$cmd: $(grep -Eo "$bad" "$TS_TMP/ro.strace" | sort | uniq -c | tr '\n' ' '); "; }
	done
	if [ $ro_ok = 1 ]; then ts_pass readers_open_maps_only; else ts_fail readers_open_maps_only "$why"; fi
else
	ts_skip readers_open_maps_only "strace not installed"
fi

# stats --prometheus parses as the text exposition format, and counts
# what happened (the rule opened connections, refused SYNs counted).
ts_g stats --prometheus >"$TS_TMP/prom.txt" 2>&1
if python3 - "$TS_TMP/prom.txt" <<'EOF2'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{%s(?:,%s)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?$' % (name, label, label))
typed, helped, seen = {}, set(), {}
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if not line:
        continue
    if line.startswith("# HELP "):
        m = re.match(r'^# HELP (%s) .*$' % name, line); assert m, (n, line)
        assert m.group(1) not in helped, ("HELP twice", line); helped.add(m.group(1)); continue
    if line.startswith("# TYPE "):
        m = re.match(r'^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$' % name, line)
        assert m and m.group(1) not in typed, (n, line); typed[m.group(1)] = m.group(2); continue
    assert not line.startswith("#"), (n, line)
    m = sample.match(line); assert m, ("bad sample", n, line)
    assert m.group(1) in typed, ("sample before TYPE", line)
    key = (m.group(1), m.group(2)); assert key not in seen, ("duplicate", line); seen[key] = float(m.group(3))
opened = [v for (k, l), v in seen.items() if k == "turnstile_rule_opened_total" and 'label="C1"' in l]
norule = [v for (k, l), v in seen.items() if k == "turnstile_reason_packets_total" and 'reason="drop_no_rule"' in l]
assert opened and opened[0] >= 2, ("C1 opened", opened)
assert norule and norule[0] >= 2, ("drop_no_rule", norule)
EOF2
then ts_pass stats_prometheus_parses
else ts_fail stats_prometheus_parses "$(head -c 400 "$TS_TMP/prom.txt")"; fi

# Pinned state of another schema version is never adopted.
cfg=/sys/fs/bpf/turnstile/ts_config
set_schema() {
	local v
	v=$(bpftool -j map lookup pinned "$cfg" key 0 0 0 0 | python3 -c '
import json, sys
val = [int(b, 16) for b in json.load(sys.stdin)["value"]]
val[0:4] = int(sys.argv[1]).to_bytes(4, "little")
print(" ".join(str(b) for b in val))' "$1") && bpftool map update pinned "$cfg" key 0 0 0 0 value $v
}
if set_schema 99; then
	expect_exit exit_schema_mismatch 1 ts_g up "$TS_TMP/p.policy" -i gc -i gs
	grep -q "schema 99" "$TS_TMP/exit_schema_mismatch.out" ||
		ts_fail schema_mismatch_says_why "$(cat "$TS_TMP/exit_schema_mismatch.out")"
	set_schema 1
else
	ts_fail exit_schema_mismatch "cannot rewrite ts_config with bpftool"
fi

expect_exit down 0 ts_g down
expect_exit status_after_down 12 ts_g status
ts_exit
