#!/bin/bash
# A fleet of 3 gateways on a real 3-member etcd cluster (docs/fleet.md),
# with TLS and etcd auth on: the policy written with etcdctl reaches all 3
# (median and worst over 20 changes printed), a broken one is refused by
# all and reported in etcd and by `fleet status`, a name learned through
# one gateway is allowed through the others (and a forged one is not),
# the roles keep a gateway to its own keys, one member killed changes
# nothing, all members stopped leave enforcement and names as they were
# (a gateway restarted then starts from its cache), changes flow again
# when the members return, a gateway stopped leaves the fleet's list at
# once and one killed vanishes with its lease. Topology: fleet_topo.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../loader/topo.sh"
. "$(dirname "$0")/fleet_topo.sh"
ts_require_root
for tool in etcd etcdctl dnsmasq openssl; do
	command -v $tool >/dev/null || { ts_skip fleet "$tool not installed (scripts/install-deps.sh)"; ts_exit; }
done

fleet_topo_up || { ts_fail topology "cannot build the namespaces or the etcd cluster: $(tail -3 "$TS_TMP"/etcd*.log)"; ts_exit; }
fleet_policy >"$TS_TMP/base.policy"
policy_put "$(cat "$TS_TMP/base.policy")"
for i in 1 2 3; do
	args=()
	[ $i = 1 ] && args=(--metrics "$(gw_inside 1):9100") # gw1 also serves metrics
	gw_start $i "${args[@]}" ||
		{ ts_fail "gateway_$i" "did not start: $(tail -5 "$TS_TMP/gw$i.log")"; ts_exit; }
done
rev0=$(ectl get /turnstile/$FLEET/policy -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')
ok=1
for i in 1 2 3; do [ "$(gw_revision $i)" = "$rev0" ] || ok=0; done
[ $ok = 1 ] && ts_pass start_from_etcd || ts_fail start_from_etcd "not every gateway runs revision $rev0"
all_connected() { gw_connected 1 && gw_connected 2 && gw_connected 3; }
ts_wait_for 10 all_connected && ts_pass status_etcd_connected ||
	ts_fail status_etcd_connected "a gateway's status does not say etcd connected"

# ---- propagation: 20 changes, each active on all 3 -------------------------
extra='component extra { 198.51.100.11 }
rule "X1": clients -> extra tcp/443'
for i in 1 2 3; do
	[ "$(client_connect $i 198.51.100.11)" != ok ] || { ts_fail before_change "198.51.100.11 open before any rule"; break; }
done
fleet_policy "$extra" >"$TS_TMP/extra.policy"
if out=$(python3 "$TS_ROOT/selftests/fleet/measure_propagation.py" 20 "$TS_TMP/extra.policy" \
	"$TS_TMP/gw1.log" "$TS_TMP/gw2.log" "$TS_TMP/gw3.log" -- \
	nsenter --net="/run/netns/$NS_E" etcdctl --endpoints "$ETCD_URLS" --cacert "$PKI/ca.crt" \
	--cert "$PKI/client.crt" --key "$PKI/client.key" --user "$ETCD_AS"); then
	echo "$out"
	ts_pass "propagation_20_changes ($(echo "$out" | tail -1), etcdctl put to active on all 3)"
else
	echo "$out"
	ts_fail propagation_20_changes "$(echo "$out" | tail -1)"
fi
ok=1
for i in 1 2 3; do [ "$(client_connect $i 198.51.100.11)" = ok ] || ok=0; done
[ $ok = 1 ] && ts_pass change_enforced || ts_fail change_enforced "the new rule X1 does not let 198.51.100.11 through everywhere"
good_rev=$(gw_revision 1)
if ts_nsexec "$NS_G1" curl -s "http://$(gw_inside 1):9100/metrics" |
	grep -qx "turnstile_fleet_revision{fleet=\"$FLEET\",gateway=\"gw1\"} $good_rev"; then
	ts_pass fleet_revision_metric
else
	ts_fail fleet_revision_metric "no turnstile_fleet_revision $good_rev at gw1's /metrics"
fi

# ---- a broken policy: refused by all 3, reported ---------------------------
policy_put "$(fleet_policy "$extra
rule \"X2\": clients -> nowhere tcp/443")"
bad_rev=$(ectl get /turnstile/$FLEET/policy -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')
refused_all() {
	fleet_status_json | python3 -c '
import json, re, sys
d = json.load(sys.stdin); bad = int(sys.argv[1]); good = int(sys.argv[2])
gws = {g["gateway"]: g for g in d["gateways"]}
assert sorted(gws) == ["gw1", "gw2", "gw3"], gws
for g in gws.values():
    r = g["last_reload"]
    assert r["result"] == "invalid" and r["revision"] == bad, g
    assert re.search(r"fleet\.candidate:\d+:\d+: error: unknown component .nowhere.", r["error"]), g
    assert g["revision"] == good and g["health"] == "refusing" and not g["current"], g
' "$bad_rev" "$good_rev"
}
if ts_wait_for 10 refused_all; then
	ts_pass broken_policy_refused_and_reported
else
	ts_fail broken_policy_refused_and_reported "$(fleet_status_json)"
fi
ok=1
for i in 1 2 3; do
	[ "$(gw_revision $i)" = "$good_rev" ] && [ "$(client_connect $i 198.51.100.11)" = ok ] || ok=0
done
[ $ok = 1 ] && ts_pass broken_policy_keeps_running || ts_fail broken_policy_keeps_running "a gateway left revision $good_rev"
text=$(ts_nsexec "$NS_E" "$TS_BIN" fleet status --etcd "$ETCD_URLS" --fleet "$FLEET" --etcd-cacert "$PKI/ca.crt" \
	--etcd-cert "$PKI/client.crt" --etcd-key "$PKI/client.key" --etcd-user root --etcd-password-file <(echo rootpw))
echo "$text"
[ "$(echo "$text" | grep -cE "refusing +invalid +revision $bad_rev: .*error: unknown component")" = 3 ] &&
	ts_pass fleet_status_text || ts_fail fleet_status_text "expected 3 refusing gateways"
# An emptied key is refused too, not applied as "allow nothing".
ectl put "/turnstile/$FLEET/policy" "" >/dev/null
emptied() {
	fleet_status_json | python3 -c '
import json, sys
gws = json.load(sys.stdin)["gateways"]
assert len(gws) == 3 and all(g["last_reload"]["error"] == "the policy key is empty" and
                             g["revision"] == int(sys.argv[1]) for g in gws), gws' "$good_rev"
}
if ts_wait_for 10 emptied && [ "$(client_connect 1 198.51.100.11)" = ok ]; then
	ts_pass empty_policy_refused
else
	ts_fail empty_policy_refused "$(fleet_status_json)"
fi
# A policy from etcd stands alone: an include would make every gateway read
# a local file and report its lines back to etcd.
echo "s3cr3t-line" >"$TS_TMP/secret"
policy_put "$(fleet_policy "component leak { include \"$TS_TMP/secret\" }")"
included() {
	fleet_status_json | python3 -c '
import json, sys
gws = json.load(sys.stdin)["gateways"]
assert len(gws) == 3 and all("Operation not permitted" in g["last_reload"]["error"] and
                             g["revision"] == int(sys.argv[1]) for g in gws), gws' "$good_rev"
}
if ts_wait_for 10 included && ! fleet_status_json | grep -q s3cr3t && ! grep -q s3cr3t "$TS_TMP"/gw?.log; then
	ts_pass include_refused
else
	ts_fail include_refused "$(fleet_status_json)"
fi
policy_put "$(cat "$TS_TMP/extra.policy")"

# ---- shared names: learned through gw1, allowed through gw2 and gw3 --------
[ "$(client_connect 2 198.51.100.10)" != ok ] && [ "$(client_connect 3 198.51.100.10)" != ok ] ||
	ts_fail shared_name_before "198.51.100.10 open through gw2/gw3 before any gateway learned it"
got=$(client_resolve 1 acct.blob.test)
case "$got" in *connect=ok*) ;; *) ts_fail learn_through_gw1 "$got" ;; esac
shared() { [ "$(client_connect 2 198.51.100.10)" = ok ] && [ "$(client_connect 3 198.51.100.10)" = ok ]; }
if ts_wait_for 10 shared; then ts_pass shared_name_allowed_elsewhere; else ts_fail shared_name_allowed_elsewhere "gw2/gw3 still refuse acct.blob.test's address"; fi

# Forged names, written with gw1's own credentials (its role may write
# names/gw1/): a name no wildcard covers, bytes no DNS name has, and an
# exact name of the policy (each gateway resolves those itself). No other
# gateway may let their address through.
ETCD_AS=gw1:gw1pw ectl put "/turnstile/$FLEET/names/gw1/evil.example/198.51.100.14" 60 >/dev/null
ETCD_AS=gw1:gw1pw ectl put "/turnstile/$FLEET/names/gw1/A B.blob.test/198.51.100.14" 60 >/dev/null
ETCD_AS=gw1:gw1pw ectl put "/turnstile/$FLEET/names/gw1/exact.any.test/198.51.100.14" 60 >/dev/null
refused_counted() {
	fleet_status_json | python3 -c '
import json, sys
gws = {g["gateway"]: g for g in json.load(sys.stdin)["gateways"]}
assert gws["gw2"]["names_refused"] >= 3 and gws["gw3"]["names_refused"] >= 3, gws'
}
if ts_wait_for 10 refused_counted && [ "$(client_connect 2 198.51.100.14)" != ok ] &&
	[ "$(client_connect 3 198.51.100.14)" != ok ]; then
	ts_pass forged_names_refused
else
	ts_fail forged_names_refused "a forged name's address passes, or it was not seen: $(fleet_status_json)"
fi

# ---- the names publish rate of one gateway ----------------------------------
names_count() {
	ectl get --prefix --keys-only -w json "/turnstile/$FLEET/names/gw1/" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("count", 0))'
}
before=$(names_count)
start=$(date +%s.%N)
ts_nsexec "$NS_C1" python3 "$TS_ROOT/selftests/loader/dnsprobe.py" flood "$(gw_inside 1)" any.test \
	--count 400 --seconds 20 --window 32 >"$TS_TMP/flood.out"
all_published() {
	n=$(names_count)
	[ $((n - before)) -ge 400 ]
}
if ts_wait_for 30 all_published; then
	end=$(date +%s.%N)
	rate=$(python3 -c "print('%.0f' % (400 / ($end - $start)))")
	ts_pass "names_publish_rate ($rate names/s: gw1, 400 fresh names through its DNS proxy, $(cat "$TS_TMP/flood.out"))"
else
	ts_fail names_publish_rate "only $((n - before)) of 400 names published ($(cat "$TS_TMP/flood.out"))"
fi

# ---- TLS and roles -----------------------------------------------------------
fs_with() { ts_nsexec "$NS_E" "$TS_BIN" fleet status --etcd "$ETCD_URLS" --fleet "$FLEET" --etcd-cacert "$PKI/ca.crt" "$@" \
	--etcd-user gw1 --etcd-password-file "$PKI/gw1.password" >/dev/null 2>"$TS_TMP/fs.err"; }
fs_with --etcd-cert "$PKI/client.crt" --etcd-key "$PKI/client.key" || ts_fail tls_valid_cert "$(cat "$TS_TMP/fs.err")"
if ! fs_with --etcd-cert "$PKI/stranger.crt" --etcd-key "$PKI/stranger.key" && ! fs_with; then
	ts_pass tls_invalid_cert_refused
else
	ts_fail tls_invalid_cert_refused "etcd answered a client with another CA's certificate or none"
fi
rev_before=$(ectl get "/turnstile/$FLEET/policy" -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')
if ! ETCD_AS=gw1:gw1pw ectl put "/turnstile/$FLEET/policy" x 2>"$TS_TMP/put.err" && grep -q "permission denied" "$TS_TMP/put.err" &&
	! ETCD_AS=gw1:gw1pw ectl put "/turnstile/$FLEET/gateways/gw2/status" x 2>/dev/null &&
	! ETCD_AS=gw1:gw1pw ectl put "/turnstile/$FLEET/names/gw2/x.blob.test/198.51.100.14" 60 2>/dev/null &&
	[ "$(ectl get "/turnstile/$FLEET/policy" -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')" = "$rev_before" ]; then
	ts_pass role_limits_gateway_writes
else
	ts_fail role_limits_gateway_writes "gw1's user wrote the policy or another gateway's keys"
fi

active_everywhere() {
	local r=$1 i
	for i in 1 2 3; do [ "$(gw_revision $i)" = "$r" ] || return 1; done
}
policy_rev() {
	ectl get /turnstile/$FLEET/policy -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])'
}

# ---- gw1 cut off from etcd: the others go on, gw1 catches up ----------------
before=$(gw_revision 1)
ip -n "$NS_G1" link set ge down
policy_put "$(fleet_policy "$extra
# gw1 partitioned")"
r=$(policy_rev)
others() { [ "$(gw_revision 2)" = "$1" ] && [ "$(gw_revision 3)" = "$1" ]; }
if ts_wait_for 15 others "$r" && [ "$(gw_revision 1)" = "$before" ] &&
	[ "$(client_connect 1 198.51.100.11)" = ok ] && [ "$(client_connect 1 198.51.100.10)" = ok ]; then
	ts_pass partitioned_gateway_keeps_enforcing
else
	ts_fail partitioned_gateway_keeps_enforcing "revisions $(for i in 1 2 3; do gw_revision $i; done | xargs), expected $before $r $r"
fi
ip -n "$NS_G1" link set ge up
ip -n "$NS_G1" route replace 203.0.113.96/28 via 203.0.113.18
if ts_wait_for 40 active_everywhere "$r"; then
	ts_pass partitioned_gateway_catches_up
else
	ts_fail partitioned_gateway_catches_up "gw1 runs $(gw_revision 1), not $r: $(tail -5 "$TS_TMP/gw1.log")"
fi

# ---- one member killed: nothing changes, changes still flow ----------------
etcd_stop 1 KILL
policy_put "$(fleet_policy "$extra
# one member down")"
r=$(ectl get /turnstile/$FLEET/policy -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')
if ts_wait_for 15 active_everywhere "$r" && [ "$(client_connect 2 198.51.100.10)" = ok ]; then
	ts_pass one_member_killed
else
	ts_fail one_member_killed "revision $r not active everywhere: $(for i in 1 2 3; do gw_revision $i; done | xargs)"
fi

# ---- all members stopped: enforcement and names unchanged ------------------
etcd_stop 2
etcd_stop 3
sleep 1
check_enforcement() {
	local i
	for i in 1 2 3; do
		[ "$(client_connect $i 198.51.100.11)" = ok ] || { echo "gw$i: policy rule X1"; return 1; }
		[ "$(client_connect $i 198.51.100.10)" = ok ] || { echo "gw$i: shared name"; return 1; }
		[ "$(client_connect $i 198.51.100.14)" != ok ] || { echo "gw$i: forged name passes"; return 1; }
		[ "$(gw_revision $i)" = "$r" ] || { echo "gw$i: revision moved"; return 1; }
	done
}
if why=$(check_enforcement); then ts_pass etcd_down_enforcement_kept; else ts_fail etcd_down_enforcement_kept "$why"; fi
gw1_cut_off() { ! gw_connected 1; }
if ts_wait_for 20 gw1_cut_off; then
	ts_pass status_etcd_unreachable
else
	ts_fail status_etcd_unreachable "gw1's status still says etcd connected with every member stopped"
fi
got=$(client_resolve 1 later.blob.test)
case "$got" in *connect=ok*) ts_pass etcd_down_learns_locally ;; *) ts_fail etcd_down_learns_locally "$got" ;; esac
gw_stop 3
if gw_start 3 && grep -q "etcd unreachable" "$TS_TMP/gw3.log" && why=$(check_enforcement); then
	ts_pass restart_without_etcd_from_cache
else
	ts_fail restart_without_etcd_from_cache "${why:-did not start: $(tail -5 "$TS_TMP/gw3.log")}"
fi

# ---- members back: changes flow again ----------------------------------------
for i in 1 2 3; do etcd_start $i; done
ts_wait_for 20 etcd_healthy || ts_fail etcd_back "the cluster did not come back"
policy_put "$(fleet_policy "$extra
# members back")"
r=$(ectl get /turnstile/$FLEET/policy -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')
if ts_wait_for 30 active_everywhere "$r" && ts_wait_for 10 all_connected; then
	ts_pass etcd_back_changes_flow
else
	ts_fail etcd_back_changes_flow "revision $r not active everywhere: $(for i in 1 2 3; do gw_revision $i; done | xargs)"
fi

# ---- a gateway stopped cleanly leaves the fleet at once ---------------------
gw_stop 3
gone3() { ! fleet_status_json | grep -q '"gateway":"gw3"'; }
# 3 s: well under the 10 s lease, which would take gw3 away anyway
if ts_wait_for 3 gone3; then
	ts_pass stopped_gateway_leaves
else
	ts_fail stopped_gateway_leaves "gw3's status is still in etcd 3 s after SIGTERM: $(fleet_status_json)"
fi

# ---- a gateway that dies disappears from the fleet with its lease ---------
kill -9 "${GW_PIDS[2]}"
gone() { ! fleet_status_json | grep -q '"gateway":"gw2"'; }
if fleet_status_json | grep -q '"gateway":"gw2"' && ts_wait_for 20 gone; then
	ts_pass dead_gateway_disappears
else
	ts_fail dead_gateway_disappears "gw2's status is still in etcd: $(fleet_status_json)"
fi
ts_exit
