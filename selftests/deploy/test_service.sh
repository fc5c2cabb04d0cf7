#!/bin/bash
# The real unit under a real systemd. This machine's init is not systemd,
# so the test boots one with systemd-nspawn (selftests/deploy/rootfs.sh):
# the host's root behind a tmpfs overlay, inside the gateway namespace of
# the loader tests' network (client C, gateway G, server S), with the
# test's bpffs. There, as an admin would: install the .deb, set the
# interfaces and the policy, `systemctl enable --now turnstile`. Then:
#   - the daemon runs hardened (no CAP_SYS_ADMIN, no new privileges,
#     `systemd-analyze security` exposure at most 2.5) and enforces
#     (C -> S tcp/443 opens, tcp/8443 is refused);
#   - drops reach the journal with structured fields, rate-limited; the
#     metrics endpoint answers;
#   - a member of the package's group `turnstile` reads status, stats and
#     flows without root and cannot write (down fails, the pins are 0640);
#     a non-member cannot read;
#   - `systemctl reload` of a broken policy FAILS, the journal shows the
#     policy error, the running policy stays;
#   - a valid reload switches (now 8443 opens and 443 is refused);
#   - `systemctl restart` comes back with a new pid, adopting the state;
#   - upgrading the package while it runs restarts the daemon (postinst);
#   - `systemctl stop` leaves enforcement in place;
#   - removing the package says that enforcement stays, and it does.
. "$(dirname "$0")/rootfs.sh"
deploy_private_mounts "$0" "$@"
. "$(dirname "$0")/../lib.sh"
. "$TS_ROOT/selftests/loader/topo.sh"
ts_require_root

for tool in systemd-nspawn dpkg-deb; do
	command -v $tool >/dev/null || { ts_skip service "$tool missing (scripts/install-deps.sh)"; exit 0; }
done
# a bpffs of our own, mounted as systemd mounts it (mode 0700)
mount -t bpf -o mode=0700 bpf /sys/fs/bpf || { ts_fail service_bpffs "cannot mount bpffs"; ts_exit; }

deb=$(deploy_build_deb 0.1.0 "$TS_TMP/deb")
deb2=$(deploy_build_deb 0.1.1 "$TS_TMP/deb2")
[ -f "$deb" ] && [ -f "$deb2" ] || { ts_fail service_deb "make deb: $deb $deb2"; ts_exit; }
topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
topo_servers "$NS_S" 443 8443 || { ts_fail servers "echo server did not start"; ts_exit; }
# whatever happens inside, nothing stays attached after the test
ts_on_exit "nsenter --net=/run/netns/$NS_G '$TS_BIN' down"

R=$TS_TMP/root
deploy_rootfs "$R" || { ts_fail service_rootfs "cannot mount the overlay root"; ts_exit; }
cp "$deb" "$R/root/turnstile.deb"
if ! deploy_boot "$R" "$NS_G"; then
	ts_fail service_boot "systemd did not come up: $(tail -5 "$TS_TMP/nspawn.log")"
	ts_exit
fi
ts_pass service_boot_systemd
C=in_container
journal() { $C journalctl -u turnstile --no-pager -o cat 2>/dev/null; }
main_pid() { $C systemctl show -p MainPID --value turnstile; }
passes() { topo_connect "$NS_C" 10.9.1.2 "$1"; }
refused() { ! topo_connect "$NS_C" 10.9.1.2 "$1"; }
# events-per-second raised: the daemon's own journal limit is what the
# flood below meets
policy_443() { topo_policy | sed 's|^settings {$|settings {\n    events-per-second 100000|'; }
policy_8443() {
	policy_443 | sed 's|^rule "C1": clients -> servers tcp/443$|rule "C1": clients -> servers tcp/8443|'
}

# ---- install, configure, enable --now ----
if ! out=$($C dpkg -i /root/turnstile.deb 2>&1); then
	ts_fail service_install "dpkg -i: $out"
	ts_exit
fi
if [ "$($C systemctl is-enabled turnstile 2>&1)" = disabled ] &&
   [ "$($C systemctl is-active turnstile 2>&1)" = inactive ]; then
	ts_pass service_installed_not_started
else
	ts_fail service_installed_not_started "after install: $($C systemctl is-enabled turnstile 2>&1) $($C systemctl is-active turnstile 2>&1)"
fi
policy_443 >"$R/etc/turnstile/turnstile.policy"
sed -i -e 's/^TURNSTILE_INTERFACES=.*/TURNSTILE_INTERFACES="-i gc -i gs"/' \
	-e 's/^TURNSTILE_OPTIONS=.*/TURNSTILE_OPTIONS="--log-events --metrics 127.0.0.1:9464"/' "$R/etc/default/turnstile"
out=$($C systemctl enable --now turnstile 2>&1)
rc=$?
ts_wait_for 20 sh -c "nsenter -t $DEPLOY_INIT -a turnstile status --json 2>/dev/null | grep -q '\"daemon_running\":true'"
pid1=$(main_pid)
if [ $rc = 0 ] && [ "$($C systemctl is-active turnstile)" = active ] && [ "$pid1" -gt 0 ] &&
   $C turnstile status | grep -q "^daemon *running (pid $pid1)"; then
	ts_pass service_enable_now_runs
else
	ts_fail service_enable_now_runs "rc $rc: $out; $(journal | tail -5)"
	ts_exit
fi
# the hardening is in force: no CAP_SYS_ADMIN in the daemon's bounding
# set, no new privileges, and systemd's own exposure score
capbnd=$($C sh -c "sed -n 's/^CapBnd:\t//p' /proc/$pid1/status")
nnp=$($C sh -c "sed -n 's/^NoNewPrivs:\t//p' /proc/$pid1/status")
score=$($C systemd-analyze security turnstile 2>/dev/null | sed -n 's/.*exposure level for turnstile.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security turnstile (running, in the container): $score"
if [ -n "$capbnd" ] && [ $(( 0x$capbnd & (1 << 21) )) = 0 ] && [ "$nnp" = 1 ] &&
   python3 -c "import sys; sys.exit(not float('$score') <= 2.5)" 2>/dev/null; then
	ts_pass service_hardened
else
	ts_fail service_hardened "CapBnd $capbnd (bit 21 = CAP_SYS_ADMIN), NoNewPrivs $nnp, exposure '$score' (want <= 2.5)"
fi
if passes 443 && refused 8443; then
	ts_pass service_enforces_policy
else
	ts_fail service_enforces_policy "443 must open and 8443 be refused"
fi

# ---- drops in the journal, with fields; metrics under the hardened unit ----
jq_drop='select(.TURNSTILE_DPORT=="8443" and .TURNSTILE_VERDICT=="drop" and .TURNSTILE_REASON=="drop_no_rule" and .TURNSTILE_SRC=="10.9.0.2" and .TURNSTILE_DST=="10.9.1.2" and .TURNSTILE_IFACE=="gc" and .TURNSTILE_HOOK=="xdp")'
drops() { $C journalctl -u turnstile -o json --no-pager 2>/dev/null | jq -c "$jq_drop" 2>/dev/null | wc -l; }
ts_wait_for 5 sh -c "[ \$(nsenter -t $DEPLOY_INIT -a journalctl -u turnstile -o json --no-pager | jq -c '$jq_drop' | wc -l) -ge 1 ]"
if [ "$(drops)" -ge 1 ] && journal | grep -q 'drop drop_no_rule gc/xdp 10.9.0.2:[0-9]* -> 10.9.1.2:8443'; then
	ts_pass service_drops_in_journal
else
	ts_fail service_drops_in_journal "no journal entry with the drop's fields: $(journal | tail -3)"
fi
# a flood of 1000 refused SYNs: at most TS_EVENT_LOG_PER_SEC (200) entries
# in each second of the daemon's monotonic clock, the rest counted and
# said. Checked three ways once the daemon has said what it left out:
# every event is either logged or counted as left out (1000 in all); no
# second of the journal's clock holds more than two of the daemon's
# seconds' worth (400: an entry reaches the journal within a second of
# its window; CLOCK_MONOTONIC is the host's in the container too); and
# the total is at most 200 for each second the entries span, plus one.
# On a loaded host the flood's entries can span several seconds, so the
# bound follows the span rather than assuming one second.
before=$(drops)
left_out() { # events the daemon said it left out, both limits, so far
	journal | sed -n 's/.*events not logged (rate limits: \([0-9]*\) here, \([0-9]*\) in the dataplane).*/\1 \2/p' |
		awk '{ s += $1 + $2 } END { print s + 0 }'
}
flood_seconds() { # of the last $1 drops: the seconds spanned and the most in one second
	$C journalctl -u turnstile -o json --no-pager 2>/dev/null | jq -r "$jq_drop | .__MONOTONIC_TIMESTAMP" |
		tail -n "$1" | awk '{ s = int($1 / 1000000); c[s]++; if (!n++) lo = s; hi = s }
			END { for (k in c) if (c[k] > m) m = c[k]; print (n ? hi - lo + 1 : 0), m + 0 }'
}
left_before=$(left_out)
ts_nsexec "$NS_C" python3 -c '
import socket
for _ in range(1000):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("10.9.1.2", 8443))
    except BlockingIOError: pass
    s.close()'
# settled: every event logged or said to be left out (what was left out
# is said when the daemon's loop next sees a new second, which an idle
# loop may take a few seconds to do); 30 s at most
for _ in $(seq 1 60); do
	[ $(( $(drops) - before + $(left_out) - left_before )) -ge 1000 ] && break
	sleep 0.5
done
logged=$(( $(drops) - before ))
left=$(( $(left_out) - left_before ))
read -r span most <<<"$(flood_seconds "$logged")"
echo "# event log: $logged of 1000 refused SYNs logged, $left left out; over $span s of the journal's clock, at most $most in one"
if [ "$logged" -ge 1 ] && [ "$left" -ge 1 ] && [ $((logged + left)) -eq 1000 ] &&
   [ "$most" -le 400 ] && [ "$logged" -le $(( 200 * (span + 1) )) ]; then
	ts_pass service_event_log_rate_limited
else
	ts_fail service_event_log_rate_limited "$logged logged + $left left out of 1000 over $span s (at most $most in one); $(journal | grep 'not logged' | tail -2)"
fi
if page=$($C curl -sf -m 3 http://127.0.0.1:9464/metrics) &&
   echo "$page" | grep -q '^turnstile_reason_packets_total{reason="drop_no_rule",verdict="drop"} [1-9]'; then
	ts_pass service_metrics_served
else
	ts_fail service_metrics_served "GET /metrics from the hardened service failed: $(journal | tail -2)"
fi

# ---- readers: the package's group reads without root, others cannot ----
$C useradd -M -N -G turnstile ts-reader
$C useradd -M -N ts-outsider
as() { local u=$1; shift; $C runuser -u "$u" -- "$@"; }
start=$(date +%s%N)
as ts-reader turnstile status >/dev/null 2>&1
echo "turnstile status as a reader (table snapshot): $(( ($(date +%s%N) - start) / 1000000 )) ms"
if as ts-reader turnstile status >"$TS_TMP/reader.out" 2>&1 &&
   grep -q "^daemon *running (pid $pid1)" "$TS_TMP/reader.out" &&
   as ts-reader turnstile stats --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not d["rules"])' &&
   as ts-reader turnstile flows >/dev/null 2>&1; then
	ts_pass service_group_reads_without_root
else
	ts_fail service_group_reads_without_root "$(cat "$TS_TMP/reader.out")"
fi
as ts-reader turnstile down >"$TS_TMP/reader_down.out" 2>&1
rc=$?
modes=$($C stat -c '%a %G' /sys/fs/bpf/turnstile /sys/fs/bpf/turnstile/ts_config | tr '\n' ' ')
if [ $rc != 0 ] && [ -e /sys/fs/bpf/turnstile/ts_config ] && [ "$modes" = "750 turnstile 640 turnstile " ] &&
   refused 8443; then
	ts_pass service_group_cannot_write
else
	ts_fail service_group_cannot_write "down as a reader: exit $rc; pin modes: $modes"
fi
as ts-outsider turnstile status >"$TS_TMP/outsider.out" 2>&1
rc=$?
if [ $rc = 4 ]; then
	ts_pass service_others_cannot_read
else
	ts_fail service_others_cannot_read "status as a non-member: exit $rc: $(cat "$TS_TMP/outsider.out")"
fi

# ---- reload: broken file fails visibly, valid file switches ----
gen0=$($C turnstile status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
printf 'component clients { 10.9.0.0/24 }\nrule "X": clients -> nowhere tcp/443\n' >"$R/etc/turnstile/turnstile.policy"
out=$($C systemctl reload turnstile 2>&1)
rc=$?
gen1=$($C turnstile status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
if [ $rc != 0 ] && journal | grep -q 'reload refused: /etc/turnstile/turnstile.policy:2:[0-9]*: error' &&
   [ "$gen1" = "$gen0" ] && [ "$($C systemctl is-active turnstile)" = active ] && passes 443 && refused 8443; then
	ts_pass service_reload_broken_policy_fails
else
	ts_fail service_reload_broken_policy_fails "systemctl reload rc $rc ($out), generation $gen0 -> $gen1; journal: $(journal | tail -3)"
fi
policy_8443 >"$R/etc/turnstile/turnstile.policy"
out=$($C systemctl reload turnstile 2>&1)
rc=$?
if [ $rc = 0 ] && passes 8443 && refused 443; then
	ts_pass service_reload_valid_policy_switches
else
	ts_fail service_reload_valid_policy_switches "systemctl reload rc $rc ($out); journal: $(journal | tail -3)"
fi

# ---- restart: a new daemon adopts the pinned state ----
$C systemctl restart turnstile
ts_wait_for 20 sh -c "nsenter -t $DEPLOY_INIT -a turnstile status --json 2>/dev/null | grep -q '\"daemon_running\":true'"
pid2=$(main_pid)
if [ "$($C systemctl is-active turnstile)" = active ] && [ "$pid2" -gt 0 ] && [ "$pid2" != "$pid1" ] &&
   journal | grep -q 'adopted pinned state' && passes 8443 && refused 443; then
	ts_pass service_restart_adopts
else
	ts_fail service_restart_adopts "pid $pid1 -> $pid2; journal: $(journal | tail -3)"
fi

# ---- upgrade while running: postinst restarts the daemon, which adopts ----
cp "$deb2" "$R/root/turnstile2.deb"
out=$($C dpkg -i /root/turnstile2.deb 2>&1)
rc=$?
ts_wait_for 20 sh -c "nsenter -t $DEPLOY_INIT -a turnstile status --json 2>/dev/null | grep -q '\"daemon_running\":true'"
pid3=$(main_pid)
if [ $rc = 0 ] && [ "$($C dpkg-query -W -f='${Version}' turnstile)" = 0.1.1 ] &&
   [ "$($C systemctl is-active turnstile)" = active ] && [ "$pid3" -gt 0 ] && [ "$pid3" != "$pid2" ] &&
   passes 8443 && refused 443; then
	ts_pass service_upgrade_restarts_daemon
else
	ts_fail service_upgrade_restarts_daemon "dpkg -i 0.1.1: rc $rc, pid $pid2 -> $pid3: $out"
fi
pid2=$pid3

# ---- stop: enforcement stays ----
$C systemctl stop turnstile
if [ "$($C systemctl is-active turnstile)" != active ] && ! kill -0 "$pid2" 2>/dev/null &&
   $C turnstile status | grep -q '^daemon *not running' && passes 8443 && refused 443; then
	ts_pass service_stop_keeps_enforcement
else
	ts_fail service_stop_keeps_enforcement "after stop: $($C systemctl is-active turnstile); $($C turnstile status 2>&1 | head -5)"
fi

# ---- remove the package: it says enforcement stays, and it does ----
out=$($C dpkg -r turnstile 2>&1)
if echo "$out" | grep -q 'enforcement stays in place' && [ ! -e "$R/usr/sbin/turnstile" ] &&
   [ -e /sys/fs/bpf/turnstile/ts_config ] && refused 443; then
	ts_pass service_remove_leaves_enforcement
else
	ts_fail service_remove_leaves_enforcement "dpkg -r said: $out"
fi
ts_exit
