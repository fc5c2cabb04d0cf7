#!/bin/bash
# The CLI as an operator uses it: one option parser for every command
# (every form of an option works, every option is documented), watch mode
# that writes no terminal codes into a pipe.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
topo_policy >"$TS_TMP/p.policy"
topo_servers "$NS_S" 443 8443 80 || { ts_fail servers "echo server did not start"; ts_exit; }
ts_g up "$TS_TMP/p.policy" -i gc -i gs --state-dir "$TS_TMP/state" >"$TS_TMP/up.log" 2>&1 ||
	{ ts_fail up "$(cat "$TS_TMP/up.log")"; ts_exit; }
ts_on_exit "ts_nsexec $NS_G $TS_BIN down >/dev/null 2>&1"
topo_connect "$NS_C" 10.9.1.2 443

# ---- one option parser: every spelling of --watch, values attached or not
watch_ok=1 why=""
for form in "--watch" "--watch 1" "--watch=1" "-w" "-w 2" "-w2" "--json --watch 1" "-jw 1"; do
	# shellcheck disable=SC2086
	timeout -s INT 1.5 "$TS_BIN" stats $form >"$TS_TMP/w.out" 2>"$TS_TMP/w.err"
	rc=$?
	# interrupted by timeout (124), never a usage error (2)
	if [ "$rc" != 124 ] || ! grep -q . "$TS_TMP/w.out"; then
		watch_ok=0 why+="'stats $form': exit $rc $(head -c 120 "$TS_TMP/w.err"); "
	fi
done
if [ $watch_ok = 1 ]; then ts_pass stats_watch_forms; else ts_fail stats_watch_forms "$why"; fi

why=""
for bad in "--watch 0" "--watch x" "-w -1" "--nosuch" "--json=1" "extra"; do
	# shellcheck disable=SC2086
	"$TS_BIN" stats $bad >/dev/null 2>"$TS_TMP/bad.err"
	rc=$?
	[ "$rc" = 2 ] && grep -q . "$TS_TMP/bad.err" || { watch_ok=0; why+="'stats $bad': exit $rc; "; }
done
if [ -z "$why" ]; then ts_pass stats_bad_options_usage_error; else ts_fail stats_bad_options_usage_error "$why"; fi

# watch mode into a pipe: no clear-screen or other escape codes
timeout -s INT 2.5 "$TS_BIN" stats --watch 1 | cat >"$TS_TMP/pipe.out"
if grep -q . "$TS_TMP/pipe.out" && ! grep -q $'\033' "$TS_TMP/pipe.out"; then ts_pass watch_pipe_plain
else ts_fail watch_pipe_plain "$(head -c 100 "$TS_TMP/pipe.out" | od -c | head -3)"; fi

# options after operands and `--` end the options, the same for every command
"$TS_BIN" check "$TS_TMP/p.policy" --json >"$TS_TMP/c.json" 2>&1 &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TS_TMP/c.json" &&
	ts_pass options_after_operands || ts_fail options_after_operands "$(head -c 200 "$TS_TMP/c.json")"

# ---- IPv6 endpoints as [ADDR]:PORT in flows and monitor; monitor lines
# carry wall-clock time
topo_long_client v6long "$NS_C" fd09:1::2 443
ts_wait_for 5 grep -q '^ok' "$TS_TMP/v6long.log"
"$TS_BIN" flows >"$TS_TMP/flows.txt" 2>&1
if grep -Eq '^tcp +\[fd09::2\]:[0-9]+ +\[fd09:1::2\]:443 ' "$TS_TMP/flows.txt"; then ts_pass flows_ipv6_brackets
else ts_fail flows_ipv6_brackets "$(tr '\n' '|' <"$TS_TMP/flows.txt")"; fi
kill "$LONG_PID" 2>/dev/null

ts_bg mon6 nsenter --net="/run/netns/$NS_G" "$TS_BIN" monitor
mon=$TS_BG_PID
sleep 0.5
topo_connect "$NS_C" fd09:1::2 8443
ts_wait_for 5 grep -q drop_no_rule "$TS_TMP/mon6.log"
kill "$mon"; wait "$mon" 2>/dev/null
if grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+.* \[fd09::2\]:[0-9]+ .*-> \[fd09:1::2\]:8443 ' "$TS_TMP/mon6.log"; then
	ts_pass monitor_ipv6_brackets_and_time
else
	ts_fail monitor_ipv6_brackets_and_time "$(tr '\n' '|' <"$TS_TMP/mon6.log" | head -c 400)"
fi

# ---- flows filters, the rule's label and the interface; --kill cuts
topo_long_client v4long "$NS_C" 10.9.1.2 443
v4pid=$LONG_PID
ts_wait_for 5 grep -q '^ok' "$TS_TMP/v4long.log"
nflows() { "$TS_BIN" flows --json "$@" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["flows"]))'; }
all=$(nflows) est=$(nflows --state established --port 443 --addr 10.9.0.2 --rule C1)
none1=$(nflows --addr 10.9.9.9) none2=$(nflows --rule nosuch) none3=$(nflows --port 8443)
# in the gateway's namespace: interface indexes are its own
ts_g flows --state established >"$TS_TMP/fl.txt"
if [ "$est" -ge 1 ] && [ "$all" -ge "$est" ] && [ "$none1$none2$none3" = 000 ] &&
   grep -Eq '^tcp +10\.9\.0\.2:[0-9]+ +10\.9\.1\.2:443 +established .* gc +rule [0-9]+ "C1"' "$TS_TMP/fl.txt"; then
	ts_pass flows_filters_label_iface
else
	ts_fail flows_filters_label_iface "all $all est $est none $none1$none2$none3: $(tr '\n' '|' <"$TS_TMP/fl.txt")"
fi
"$TS_BIN" flows --kill >/dev/null 2>&1; kill_nofilter=$?
"$TS_BIN" flows --kill --addr 10.9.0.2 --port 443 --state established >"$TS_TMP/kill.out" 2>&1
left=$(nflows --addr 10.9.0.2 --port 443 --state established)
# the cut connection's next segments find no flow: the client stalls and fails
ts_wait_for 6 grep -q '^FAIL' "$TS_TMP/v4long.log"
if [ "$kill_nofilter" = 2 ] && grep -Eq '^[1-9][0-9]* flows removed' "$TS_TMP/kill.out" && [ "$left" = 0 ] &&
   grep -q '^FAIL' "$TS_TMP/v4long.log"; then
	ts_pass flows_kill
else
	ts_fail flows_kill "no filter: exit $kill_nofilter; $(cat "$TS_TMP/kill.out"); left $left; client: $(tail -1 "$TS_TMP/v4long.log")"
fi
kill "$v4pid" 2>/dev/null

# ---- one exit status and one message per cause: a policy that cannot be read
printf 'component a { 10.0.0.0/8 }\n' >"$TS_TMP/noread.policy"
chmod 000 "$TS_TMP/noread.policy"
mkdir -p "$TS_TMP/dir.policy"
codes_ok=1 why=""
for pol in "$TS_TMP/missing.policy" "$TS_TMP/noread.policy" "$TS_TMP/dir.policy"; do
	for cmd in check up run; do
		args=("$cmd" "$pol")
		[ "$cmd" = check ] || args+=(-i gc --lock-wait 0)
		# as nobody for the unreadable file (root reads anything)
		if [ "$pol" = "$TS_TMP/noread.policy" ] && [ "$cmd" = check ]; then
			setpriv --reuid=65534 --regid=65534 --clear-groups "$TS_BIN" "${args[@]}" \
				>"$TS_TMP/e.out" 2>&1
		elif [ "$pol" = "$TS_TMP/noread.policy" ]; then
			continue   # up/run need root, and root can read it
		else
			ts_nsexec "$NS_G" "$TS_BIN" "${args[@]}" >"$TS_TMP/e.out" 2>&1
		fi
		rc=$?
		n=$(grep -c . "$TS_TMP/e.out")
		if [ "$rc" != 13 ] || [ "$n" != 1 ] || ! grep -q "cannot read" "$TS_TMP/e.out"; then
			codes_ok=0 why+="$cmd $(basename "$pol"): exit $rc, $n lines: $(tr '\n' '|' <"$TS_TMP/e.out"); "
		fi
	done
done
if [ $codes_ok = 1 ]; then ts_pass unreadable_policy_one_status; else ts_fail unreadable_policy_one_status "$why"; fi

# ---- stats --reset counts from now on; --prometheus stays monotonic;
# --watch shows per-second rates
c1_opened() {
	"$TS_BIN" stats --json "$@" | python3 -c '
import json, sys
print([r["opened"] for r in json.load(sys.stdin)["rules"] if r["label"] == "C1"][0])'
}
c1_prom() {
	"$TS_BIN" stats --prometheus | sed -n 's/^turnstile_rule_opened_total{.*label="C1".*} //p'
}
before=$(c1_opened); prom_before=$(c1_prom)
"$TS_BIN" stats --reset >"$TS_TMP/reset.out" 2>&1
after_reset=$(c1_opened)
topo_connect "$NS_C" 10.9.1.2 443
after_one=$(c1_opened); prom_after=$(c1_prom)
if [ "$before" -ge 1 ] && [ "$after_reset" = 0 ] && [ "$after_one" = 1 ] &&
   [ "$prom_after" = $((prom_before + 1)) ] && "$TS_BIN" stats | grep -q '^counted since .* (stats --reset)'; then
	ts_pass stats_reset
else
	ts_fail stats_reset "before $before, after reset $after_reset, after one $after_one, prometheus $prom_before -> $prom_after: $(cat "$TS_TMP/reset.out")"
fi
( for _ in 1 2 3 4 5 6; do topo_connect "$NS_C" 10.9.1.2 443; sleep 0.2; done ) &
load=$!
timeout -s INT 3.5 "$TS_BIN" stats --json --watch 1 >"$TS_TMP/rates.json"
wait $load
if python3 - "$TS_TMP/rates.json" <<'EOF2'
import json, sys
dec, text, docs = json.JSONDecoder(), open(sys.argv[1]).read(), []
i = 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    d, i = dec.raw_decode(text, i)
    docs.append(d)
assert len(docs) >= 3, len(docs)
assert "packets_per_s" not in docs[0]["rules"][0], docs[0]   # no rate before a second round
rates = [r["opened_per_s"] for d in docs[1:] for r in d["rules"] if r["label"] == "C1"]
assert any(x > 0 for x in rates), rates
EOF2
then ts_pass stats_watch_rates; else ts_fail stats_watch_rates "$(head -c 300 "$TS_TMP/rates.json")"; fi

# ---- --version, and the version in status
ver=$("$TS_BIN" --version)
if [[ "$ver" =~ ^turnstile\ [0-9]+\.[0-9]+- ]] &&
   "$TS_BIN" status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert "turnstile " + d["version"] == sys.argv[1] and d["installed_by_version"] == d["version"], d
' "$ver"; then ts_pass version_everywhere
else ts_fail version_everywhere "'$ver'"; fi

# ---- show: the policy as installed; diff: what a reload would change
"$TS_BIN" show >"$TS_TMP/show.txt" 2>&1
sum=$(sha256sum "$TS_TMP/p.policy" | cut -d' ' -f1)
if grep -q "^sha256 *$sum\$" "$TS_TMP/show.txt" && grep -q '^  clients$' "$TS_TMP/show.txt" &&
   grep -q '^    10.9.0.0/24$' "$TS_TMP/show.txt" && grep -Eq '^  [0-9]+ +"C1": clients -> servers tcp/443$' "$TS_TMP/show.txt" &&
   grep -q '^  outside-scope pass$' "$TS_TMP/show.txt" &&
   "$TS_BIN" show --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
comps = {c["name"]: [m["member"] for m in c["members"]] for c in d["components"]}
assert comps == {"clients": ["10.9.0.0/24", "fd09::/64"], "servers": ["10.9.1.2", "fd09:1::2"]}, comps
assert [r["label"] for r in d["rules"]] == ["C1"] and d["settings"]["scope"] == "tcp/443,8443", d
assert d["file_changed"] is False, d
'; then ts_pass show_installed_policy
else ts_fail show_installed_policy "$(tr '\n' '|' <"$TS_TMP/show.txt" | head -c 600)"; fi

"$TS_BIN" diff "$TS_TMP/p.policy" >"$TS_TMP/diff0.txt" 2>&1
topo_policy 8080 | sed 's/^component servers {/component admins { 10.9.0.5 }\ncomponent servers {/' >"$TS_TMP/p2.policy"
"$TS_BIN" diff "$TS_TMP/p2.policy" >"$TS_TMP/diff1.txt" 2>&1
if grep -q '^no change' "$TS_TMP/diff0.txt" &&
   grep -qx '+ component admins' "$TS_TMP/diff1.txt" && grep -qx '+ member admins 10.9.0.5' "$TS_TMP/diff1.txt" &&
   grep -qx '+ rule "C1": clients -> servers tcp/443,8080' "$TS_TMP/diff1.txt" &&
   grep -qx -- '- rule "C1": clients -> servers tcp/443' "$TS_TMP/diff1.txt" &&
   [ "$(grep -c '^[-+] ' "$TS_TMP/diff1.txt")" = 4 ]; then
	ts_pass diff_shows_changes
else
	ts_fail diff_shows_changes "$(tr '\n' '|' <"$TS_TMP/diff0.txt") // $(tr '\n' '|' <"$TS_TMP/diff1.txt")"
fi
# the installed policy's file edited in place: show says so, diff compares with what runs
cp "$TS_TMP/p.policy" "$TS_TMP/p.orig"
cp "$TS_TMP/p2.policy" "$TS_TMP/p.policy"
if "$TS_BIN" show | grep -q 'the file has changed since' &&
   [ "$("$TS_BIN" diff "$TS_TMP/p.policy" 2>/dev/null | grep -c '^[-+] ')" = 4 ]; then ts_pass diff_after_edit_in_place
else ts_fail diff_after_edit_in_place "$("$TS_BIN" diff "$TS_TMP/p.policy" 2>&1 | tr '\n' '|')"; fi
cp "$TS_TMP/p.orig" "$TS_TMP/p.policy"

# ---- on-revoke cut: a reload removes the flows the new policy refuses,
# and leaves the others (the default, keep, is test_daemon.sh's)
ts_bg run nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$TS_TMP/p.policy" -i gc -i gs \
	--state-dir "$TS_TMP/state"
run_pid=$TS_BG_PID
ts_wait_for 20 sh -c "'$TS_BIN' status --json 2>/dev/null | grep -q '\"daemon_pid\":$run_pid'"
topo_long_client cut443 "$NS_C" 10.9.1.2 443
cut_pid=$LONG_PID
topo_long_client keep8443 "$NS_C" 10.9.1.2 8443 2>/dev/null
ts_wait_for 5 grep -q '^ok' "$TS_TMP/cut443.log"
# 8443 is refused by the first policy: allow it, then remove 443
topo_policy 8443 >"$TS_TMP/p.policy"
kill -HUP "$run_pid"
ts_wait_for 5 grep -q 'generation' "$TS_TMP/run.log"
keep_pid=""
topo_long_client keep8443 "$NS_C" 10.9.1.2 8443 && keep_pid=$LONG_PID
ts_wait_for 5 grep -q '^ok' "$TS_TMP/keep8443.log"
{ printf 'settings {\n    on-revoke cut\n}\n'; topo_policy | sed 's|tcp/443$|tcp/8443|'; } >"$TS_TMP/p.policy"
kill -HUP "$run_pid"
ts_wait_for 8 grep -q 'on-revoke cut: [1-9][0-9]* flows' "$TS_TMP/run.log"
ts_wait_for 6 grep -q '^FAIL' "$TS_TMP/cut443.log"
if grep -q 'on-revoke cut: [1-9][0-9]* flows' "$TS_TMP/run.log" && grep -q '^FAIL' "$TS_TMP/cut443.log" &&
   [ -n "$keep_pid" ] && topo_long_alive keep8443 "$keep_pid"; then
	ts_pass on_revoke_cut
else
	ts_fail on_revoke_cut "$(grep -i 'revoke\|error' "$TS_TMP/run.log" | tail -3 | tr '\n' '|') 443: $(tail -1 "$TS_TMP/cut443.log") 8443: $(tail -1 "$TS_TMP/keep8443.log")"
fi
kill "$cut_pid" "$keep_pid" 2>/dev/null
kill "$run_pid"; wait "$run_pid" 2>/dev/null
cp "$TS_TMP/p.orig" "$TS_TMP/p.policy"

# every option each command's --help lists is in its section of docs/cli.md
undoc=""
for cmd in $("$TS_BIN" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
	# run takes the options of up, documented there
	section=$(awk -v c="$cmd" '/^### / { on = ($2 == c || (c == "run" && $2 == "up")) } on' \
		"$TS_ROOT/docs/cli.md")
	for opt in $("$TS_BIN" "$cmd" --help | grep -oE '^  (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
		[ "$opt" = --help ] && continue
		grep -q -- "$opt" <<<"$section" || undoc+=" $cmd $opt;"
	done
done
if [ -z "$undoc" ]; then ts_pass every_option_documented; else ts_fail every_option_documented "$undoc"; fi
ts_exit
