#!/bin/bash
# UDP and ICMP echo rules end to end, in the seed world with the seed
# policy plus three rules: endpoints -> device-manager udp/443 (a
# QUIC-like exchange with socat), udp/123 (NTP: chronyd serving on the
# device manager, `chronyd -Q` asking from an endpoint) and icmp/echo
# (ping). Short flow timeouts (unreplied 3 s, replied 4 s) so expiry is
# seen within the test. Both families.
. "$(dirname "$0")/world_test.sh"

NAMES="udp_exchange_one_way udp_reverse_first_refused udp_reply_after_idle_timeout_refused
udp_flows_explain_stats udp_monitor_prometheus ntp_through_gateway ping_one_way"
world_test_need_turnstile $NAMES
for t in socat chronyd ping jq; do
	command -v $t >/dev/null || { for n in $NAMES; do ts_skip "$n" "$t is not installed"; done; ts_exit; }
done

WORLD_POLICY=$TS_TMP/udp.policy
sed 's|^\( *\)scope tcp/443 |\1scope tcp/443 udp/123,443 icmp/echo |' "$TS_ROOT/policies/seed.policy" >"$WORLD_POLICY"
cat >>"$WORLD_POLICY" <<'EOF'
settings {
    timeout unreplied 3s
    timeout replied 4s
}
rule "Q1": endpoints -> device-manager udp/443
rule "N1": endpoints -> device-manager udp/123
rule "P1": endpoints -> device-manager icmp/echo
EOF
grep -q 'scope tcp/443 udp/123,443 icmp/echo' "$WORLD_POLICY" ||
	{ ts_fail udp_exchange_one_way "the seed policy's scope line changed: $(grep scope "$WORLD_POLICY")"; ts_exit; }

world_test_up udp_exchange_one_way
world_test_start udp_exchange_one_way

ep4=$(world_addr ep 4) dm4=$(world_addr dm 4) ep6=$(world_addr ep 6) dm6=$(world_addr dm 6)
target() { [ "$2" = 4 ] && echo "$1" || echo "[$1]"; }

# The device manager answers each datagram "re:REQ" at once, then "late"
# after as many seconds as REQ says (a server speaking after a silence).
for fam in 4 6; do
	ts_bg "srv$fam" world_nsenter dm socat -T 30 "UDP$fam-LISTEN:443,reuseaddr,fork" \
		SYSTEM:'read l; echo "re:$l"; sleep "${l#*:}"; echo late'
done

# ask FAM SPORT REQ: the endpoint's exchange; prints what came back.
ask() {
	local dm; dm=$([ "$1" = 4 ] && echo "$dm4" || echo "$dm6")
	echo "$3" | world_nsenter ep timeout 25 socat -t 12 -T 10 - "UDP$1:$(target "$dm" "$1"):443,sourceport=$2" 2>&1
}

# ---- requests and replies flow; the server's late datagram arrives
# within the replied timeout and is refused after it
pids=()
for fam in 4 6; do
	ask "$fam" 4100"$fam" "q$fam:1" >"$TS_TMP/soon$fam" &
	pids+=($!)
	# socat's forking UDP server takes its next peer once it has forked
	sleep 0.5
	ask "$fam" 4200"$fam" "q$fam:7" >"$TS_TMP/late$fam" &
	pids+=($!)
done
sleep 1
flows=$(world_ts_cli flows --json --state replied --proto udp)
wait "${pids[@]}"
bad=""
for fam in 4 6; do
	grep -qx "re:q$fam:1" "$TS_TMP/soon$fam" && grep -qx late "$TS_TMP/soon$fam" ||
		bad+="ipv$fam: $(tr '\n' ' ' <"$TS_TMP/soon$fam"); "
done
[ -z "$bad" ] && ts_pass udp_exchange_one_way || ts_fail udp_exchange_one_way "$bad"

bad=""
for fam in 4 6; do
	grep -qx "re:q$fam:7" "$TS_TMP/late$fam" || bad+="ipv$fam: no answer: $(tr '\n' ' ' <"$TS_TMP/late$fam"); "
	grep -qx late "$TS_TMP/late$fam" && bad+="ipv$fam: the answer after 7 s idle passed; "
done
[ -z "$bad" ] && ts_pass udp_reply_after_idle_timeout_refused || ts_fail udp_reply_after_idle_timeout_refused "$bad"

# ---- flows, explain and stats name the protocol and the rule
explain_fwd=$(world_ts_cli explain --json "$ep4" "$dm4" udp/443 | jq -r '"\(.verdict) \(.rule_label) \(.ports)"')
explain_rev=$(world_ts_cli explain --json "$dm6" "$ep6" udp/443 | jq -r '"\(.verdict) \(.reason)"')
explain_ping=$(world_ts_cli explain --json "$ep6" "$dm6" icmp/echo | jq -r '"\(.verdict) \(.rule_label)"')
nflows=$(jq '[.flows[] | select(.dport == 443 and .rule_label == "Q1")] | length' <<<"$flows")
others=$(jq '[.flows[] | select(.proto != "udp")] | length' <<<"$flows")
opened=$(world_ts_cli stats --json | jq '[.rules[] | select(.label == "Q1") | .opened] | add // 0')
if [ "$explain_fwd" = "allow Q1 udp/443" ] && [ "$explain_rev" = "refuse drop_no_rule_udp" ] &&
   [ "$explain_ping" = "allow P1" ] && [ "$nflows" -ge 2 ] && [ "$others" = 0 ] && [ "$opened" -ge 4 ]; then
	ts_pass udp_flows_explain_stats
else
	ts_fail udp_flows_explain_stats "explain '$explain_fwd' / '$explain_rev' / '$explain_ping', $nflows replied udp/443 flows of Q1 ($others not udp), Q1 opened $opened"
fi

# ---- the reverse direction's first datagram is dropped
ts_on_exit world_ts_monitor_stop
world_ts_monitor_start "$TS_TMP/monitor.json"
sleep 0.5
for fam in 4 6; do
	ts_bg "eprx$fam" world_nsenter ep socat -u "UDP$fam-RECV:443" "OPEN:$TS_TMP/eprx$fam,creat,append"
done
sleep 0.5
before=$(world_ts_reason drop_no_rule_udp)
for fam in 4 6; do
	ep=$([ "$fam" = 4 ] && echo "$ep4" || echo "$ep6")
	echo "from-dm" | world_nsenter dm socat -u - "UDP$fam-SENDTO:$(target "$ep" "$fam"):443"
done
sleep 1
after=$(world_ts_reason drop_no_rule_udp)
if [ ! -s "$TS_TMP/eprx4" ] && [ ! -s "$TS_TMP/eprx6" ] && [ "$((after - before))" -ge 2 ]; then
	ts_pass udp_reverse_first_refused
else
	ts_fail udp_reverse_first_refused "endpoint got '$(cat "$TS_TMP"/eprx* 2>/dev/null | tr '\n' ' ')', drop_no_rule_udp +$((after - before))"
fi

# ---- monitor and Prometheus name the protocol: the reverse datagrams'
# events, the UDP reasons and the rule's text
ts_wait_for 5 grep -q '"reason":"drop_no_rule_udp"' "$TS_TMP/monitor.json"
world_ts_monitor_stop
events=$(jq -c 'select(.reason == "drop_no_rule_udp" and .protocol == "udp" and .dport == 443)' \
	"$TS_TMP/monitor.json" 2>/dev/null | wc -l)
prom=$(world_ts_cli stats --prometheus)
if [ "$events" -ge 2 ] &&
   grep -Eq '^turnstile_reason_packets_total\{reason="pass_new_udp",verdict="pass"\} [1-9]' <<<"$prom" &&
   grep -Eq '^turnstile_rule_opened_total\{rule_id="[0-9]+",label="Q1",rule="endpoints -> device-manager udp/443"\} [1-9]' <<<"$prom"; then
	ts_pass udp_monitor_prometheus
else
	ts_fail udp_monitor_prometheus "$events udp events; $(grep -E 'udp' <<<"$prom" | head -4 | tr '\n' ' ')"
fi

# ---- NTP: chronyd on the device manager, asked from an endpoint (allowed)
# and from the rogue host (no rule: refused)
ntp=$TS_TMP/ntp
mkdir -p "$ntp"
printf 'local stratum 8\nallow all\ncmdport 0\nbindcmdaddress /\npidfile %s/srv.pid\n' "$ntp" >"$ntp/srv.conf"
ts_bg chronyd_srv world_nsenter dm chronyd -d -x -u root -f "$ntp/srv.conf"
ntp_ask() {   # ntp_ask HOST SERVER TAG: chronyd -Q's verdict on SERVER's time
	printf 'server %s iburst maxsamples 1\ncmdport 0\nbindcmdaddress /\npidfile %s/%s.pid\n' \
		"$2" "$ntp" "$3" >"$ntp/$3.conf"
	world_nsenter "$1" timeout 20 chronyd -Q -u root -t 8 -f "$ntp/$3.conf" >"$ntp/$3.out" 2>&1
	grep -q "System clock wrong by" "$ntp/$3.out"
}
sleep 1
ok4=no ok6=no rogue=no
ntp_ask ep "$dm4" ep4 && ok4=yes
ntp_ask ep "$dm6" ep6 && ok6=yes
ntp_ask rogue "$dm4" rogue && rogue=yes
if [ $ok4 = yes ] && [ $ok6 = yes ] && [ $rogue = no ]; then
	ts_pass ntp_through_gateway
else
	ts_fail ntp_through_gateway "endpoint ipv4 $ok4 ($(tail -1 "$ntp/ep4.out")), ipv6 $ok6 ($(tail -1 "$ntp/ep6.out")), rogue $rogue ($(tail -1 "$ntp/rogue.out"))"
fi

# ---- ping: the endpoint may, the device manager may not
pfwd4=no pfwd6=no prev4=no prev6=no
world_nsenter ep ping -4 -c 2 -W 2 "$dm4" >/dev/null 2>&1 && pfwd4=yes
world_nsenter ep ping -6 -c 2 -W 2 "$dm6" >/dev/null 2>&1 && pfwd6=yes
world_nsenter dm ping -4 -c 2 -W 2 "$ep4" >/dev/null 2>&1 && prev4=yes
world_nsenter dm ping -6 -c 2 -W 2 "$ep6" >/dev/null 2>&1 && prev6=yes
if [ "$pfwd4$pfwd6$prev4$prev6" = yesyesnono ]; then
	ts_pass ping_one_way
else
	ts_fail ping_one_way "endpoint -> device manager: ipv4 $pfwd4 ipv6 $pfwd6; back: ipv4 $prev4 ipv6 $prev6"
fi
ts_exit
