#!/bin/bash
# Counters per interface (issue 13): the dataplane counts every packet it
# judges per interface, hook and verdict (ts_iface_stats); `stats` shows
# them in text, --json and --prometheus, and `stats --reset` starts them
# from 0 like the others.
#
#   C --c0|gc-- G (XDP on gc and gs, tc egress on gs) --gs|s0-- S
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root
command -v jq >/dev/null || { ts_skip iface_stats "jq not installed"; ts_exit; }

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
topo_policy >"$TS_TMP/p.policy"
topo_servers "$NS_S" 443 8443 || { ts_fail servers "echo server did not start"; ts_exit; }
ts_g up "$TS_TMP/p.policy" -i gc -i gs --egress gs --state-dir "$TS_TMP/state" >"$TS_TMP/up.log" 2>&1 ||
	{ ts_fail up "$(cat "$TS_TMP/up.log")"; ts_exit; }
ts_on_exit "ts_nsexec $NS_G $TS_BIN down >/dev/null 2>&1"

topo_connect "$NS_C" 10.9.1.2 443 || ts_fail iface_precondition "tcp/443 refused"
topo_connect "$NS_C" 10.9.1.2 8443 && ts_fail iface_precondition "tcp/8443 allowed"
# field FILTER: one interface's counter from stats --json
field() { ts_g stats --json | jq -r ".interfaces[] | select(.iface == \"$1\") | .$2"; }

gc_in_pass=$(field gc in_pass_packets) gc_in_drop=$(field gc in_drop_packets)
gs_in_pass=$(field gs in_pass_packets) gs_out_pass=$(field gs out_pass_packets)
# the allowed connection: SYN, ACK, data, FIN... in on gc, replies in on gs,
# the forwarded client packets out on gs; the refused SYN (and its
# retransmissions) dropped in on gc
if [ "${gc_in_pass:-0}" -ge 3 ] && [ "${gc_in_drop:-0}" -ge 1 ] && [ "${gs_in_pass:-0}" -ge 2 ] &&
   [ "${gs_out_pass:-0}" -ge 3 ]; then
	ts_pass iface_counts_per_hook_and_verdict
else
	ts_fail iface_counts_per_hook_and_verdict "gc in pass $gc_in_pass drop $gc_in_drop; gs in pass $gs_in_pass out pass $gs_out_pass"
fi

ts_g stats >"$TS_TMP/stats.txt"
if grep -Eq '^gc +xdp-in +[0-9]+ +[0-9]+ +[1-9]' "$TS_TMP/stats.txt" &&
   grep -Eq '^gs +tc-out +[1-9]' "$TS_TMP/stats.txt"; then
	ts_pass iface_stats_text
else
	ts_fail iface_stats_text "$(grep -A6 '^interface' "$TS_TMP/stats.txt" | tr '\n' '|')"
fi

if ts_g stats --prometheus | grep -Eq '^turnstile_iface_packets_total\{iface="gc",direction="in",verdict="drop"\} [1-9]'; then
	ts_pass iface_stats_prometheus
else
	ts_fail iface_stats_prometheus "$(ts_g stats --prometheus | grep turnstile_iface | head -4 | tr '\n' '|')"
fi

# --reset: from 0, then one refused SYN more counts as such
ts_g stats --reset >/dev/null
before=$(field gc in_drop_packets)
ts_nsexec "$NS_C" python3 -c "
import socket
s = socket.socket(); s.settimeout(0.3)
try: s.connect(('10.9.1.2', 8443))
except OSError: pass"
after=$(field gc in_drop_packets)
if [ "${before:-x}" = 0 ] && [ "${after:-0}" -ge 1 ]; then
	ts_pass iface_stats_reset
else
	ts_fail iface_stats_reset "gc in drop after --reset: $before, after a refused SYN: $after"
fi
ts_exit
