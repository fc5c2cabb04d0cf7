#!/bin/bash
# `up` then `down` leaves the gateway exactly as before; `down` twice is
# fine; a foreign XDP program elsewhere is untouched, and `up` refuses an
# interface that carries one (leaving nothing half-attached); pins are
# root-only; a second `up` adopts.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
topo_policy >"$TS_TMP/p.policy"

# A foreign XDP program (not turnstile's) on a third interface of G.
ip -n "$NS_G" link add fx type veth peer name fy && ip -n "$NS_G" link set fx up && ip -n "$NS_G" link set fy up
cat >"$TS_TMP/foreign.c" <<'EOF2'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int foreign_pass(struct xdp_md *ctx) { return XDP_PASS; }
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF2
clang -O2 --target=bpf -idirafter "/usr/include/$(gcc -print-multiarch)" \
	-c "$TS_TMP/foreign.c" -o "$TS_TMP/foreign.o" &&
	ip -n "$NS_G" link set dev fx xdpgeneric obj "$TS_TMP/foreign.o" sec xdp ||
	{ ts_fail foreign_setup "cannot attach the foreign XDP program"; ts_exit; }
foreign_id() { ip -n "$NS_G" -d link show dev "$1" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1; }
fid=$(foreign_id fx)

snapshot() {
	local d
	for d in gc gs fx; do
		ip -n "$NS_G" -d link show dev "$d" | sed 's/ link-netns [^ ]*//'
		ts_nsexec "$NS_G" tc qdisc show dev "$d"
		ts_nsexec "$NS_G" tc filter show dev "$d" ingress
		ts_nsexec "$NS_G" tc filter show dev "$d" egress
	done
	find /sys/fs/bpf -printf '%p %m\n' | sort
}
snapshot >"$TS_TMP/before"

if ts_g up "$TS_TMP/p.policy" -i gc -i gs --egress gs --state-dir "$TS_TMP/state" >"$TS_TMP/up.log" 2>&1; then
	ts_pass up
	up_ok=1
else
	ts_fail up "exit $?: $(tail -3 "$TS_TMP/up.log")"
fi
xid=$(foreign_id gc)
tc_id() { ts_nsexec "$NS_G" tc filter show dev gs egress | sed -n 's/.* id \([0-9]*\) name ts_tc_egress.*/\1/p'; }
tid=$(tc_id)
name=$(ip -n "$NS_G" -d link show dev gc | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p')
if [ "$name" = ts_xdp ] && ts_nsexec "$NS_G" tc filter show dev gs egress | grep -q ts_tc_egress; then
	ts_pass up_attaches_xdp_and_tc
else
	ts_fail up_attaches_xdp_and_tc "gc runs '${name:-nothing}', gs egress: $(ts_nsexec "$NS_G" tc filter show dev gs egress)"
fi

bad=$(find /sys/fs/bpf/turnstile \( -type d ! -perm 0700 \) -o \( ! -type d ! -perm 0600 \) )
if [ -d /sys/fs/bpf/turnstile ] && [ -z "$bad" ]; then ts_pass pins_root_only
else ts_fail pins_root_only "not 0600/0700: $bad"; fi

# A second up adopts: same XDP program (unchanged object), same pins.
ts_g up "$TS_TMP/p.policy" -i gc -i gs --egress gs --state-dir "$TS_TMP/state" >"$TS_TMP/up2.log" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q adopted "$TS_TMP/up2.log" && [ -n "$xid" ] && [ "$(foreign_id gc)" = "$xid" ] &&
   [ -n "$tid" ] && [ "$(tc_id)" = "$tid" ]; then
	ts_pass second_up_adopts_and_keeps_programs
else
	ts_fail second_up_adopts_and_keeps_programs "exit $rc, xdp $xid -> $(foreign_id gc), tc $tid -> $(tc_id): $(cat "$TS_TMP/up2.log")"
fi

# Two `up`s at once: the lock serializes them, both succeed, one XDP link each.
ts_g up "$TS_TMP/p.policy" -i gc -i gs --egress gs --state-dir "$TS_TMP/state" >"$TS_TMP/c1.log" 2>&1 &
p1=$!
ts_g up "$TS_TMP/p.policy" -i gc -i gs --egress gs --state-dir "$TS_TMP/state" >"$TS_TMP/c2.log" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
nlinks=$(find /sys/fs/bpf/turnstile/links -name 'xdp-*' | wc -l)
nfilt=$(ts_nsexec "$NS_G" tc filter show dev gs egress | grep -c ts_tc_egress)
if [ $r1 = 0 ] && [ $r2 = 0 ] && [ "$nlinks" = 2 ] && [ "$nfilt" = 1 ]; then
	ts_pass concurrent_ups_serialize
else
	ts_fail concurrent_ups_serialize "exits $r1/$r2, $nlinks links, $nfilt tc filters: $(cat "$TS_TMP/c1.log" "$TS_TMP/c2.log")"
fi

# An `up` that no longer lists an interface takes turnstile off it.
ts_g up "$TS_TMP/p.policy" -i gc --state-dir "$TS_TMP/state" >"$TS_TMP/up4.log" 2>&1
rc=$?
if [ $rc = 0 ] && [ "$(foreign_id gc)" = "$xid" ] && [ -z "$(foreign_id gs)" ] &&
   ! ts_nsexec "$NS_G" tc filter show dev gs egress | grep -q ts_tc_egress; then
	ts_pass up_detaches_unlisted_interfaces
else
	ts_fail up_detaches_unlisted_interfaces "exit $rc, gc $(foreign_id gc), gs '$(foreign_id gs)': $(cat "$TS_TMP/up4.log")"
fi

ts_g down >"$TS_TMP/down.log" 2>&1 || ts_fail down "exit $?: $(cat "$TS_TMP/down.log")"
snapshot >"$TS_TMP/after"
if [ -z "${up_ok:-}" ]; then
	ts_fail down_restores_everything "up failed, nothing to compare"
elif diff -u "$TS_TMP/before" "$TS_TMP/after" >"$TS_TMP/diff"; then
	ts_pass down_restores_everything
else
	ts_fail down_restores_everything "$(head -20 "$TS_TMP/diff" | tr '\n' '|')"
fi
if ts_g down >/dev/null 2>&1; then ts_pass down_twice; else ts_fail down_twice "second down exited $?"; fi
[ "$(foreign_id fx)" = "$fid" ] && ts_pass foreign_xdp_untouched ||
	ts_fail foreign_xdp_untouched "fx program $fid -> $(foreign_id fx)"

# up on an interface with a foreign program: exit 10, nothing half-attached
# (gc, listed first, attached fine and must be rolled back).
snapshot >"$TS_TMP/before2"
ts_g up "$TS_TMP/p.policy" -i gc -i fx --state-dir "$TS_TMP/state" >"$TS_TMP/up3.log" 2>&1
rc=$?
snapshot >"$TS_TMP/after2"
if [ $rc = 10 ] && grep -q "fx: XDP already runs another program" "$TS_TMP/up3.log"; then
	ts_pass up_refuses_foreign_xdp
else
	ts_fail up_refuses_foreign_xdp "exit $rc: $(cat "$TS_TMP/up3.log")"
fi
if diff -u "$TS_TMP/before2" "$TS_TMP/after2" >"$TS_TMP/diff2"; then
	ts_pass failed_up_leaves_nothing
else
	ts_fail failed_up_leaves_nothing "$(head -20 "$TS_TMP/diff2" | tr '\n' '|')"
fi
ts_exit
