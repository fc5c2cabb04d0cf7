#!/bin/bash
# A single-NIC host: turnstile on the server's own NIC, XDP on ingress and
# tc on egress. Locally originated traffic is judged on the way out, and a
# bulk transfer (large, non-linear GSO packets on egress) passes whole,
# also with BIG TCP on (GSO packets past 64 KiB, whose IP length is 0).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root
topo_up || { ts_fail egress_topology "could not build the namespaces"; ts_exit; }

ts_s() { ts_nsexec "$NS_S" "$TS_BIN" "$@"; }
topo_policy >"$TS_TMP/p.policy"
if ! ts_s up "$TS_TMP/p.policy" -i s0 --egress s0 --state-dir "$TS_TMP/state" >"$TS_TMP/up.log" 2>&1; then
	ts_fail egress_up "$(cat "$TS_TMP/up.log")"
	ts_exit
fi
ts_on_exit "ts_nsexec $NS_S $TS_BIN down"
topo_servers "$NS_S" 443
topo_servers "$NS_C" 443

# bulk ADDR: send 8 MiB to the echo server on ADDR:443 and read it all back.
bulk() {
	ts_nsexec "$NS_C" python3 - "$1" <<'EOF2'
import socket, sys, threading
data = bytes(range(256)) * (8 * 4096)
c = socket.create_connection((sys.argv[1], 443), timeout=5)
threading.Thread(target=lambda: c.sendall(data), daemon=True).start()
got = 0
while got < len(data):
    d = c.recv(1 << 16)
    if not d:
        break
    got += len(d)
sys.exit(0 if got == len(data) else 1)
EOF2
}

for addr in 10.9.1.2 fd09:1::2; do
	if bulk "$addr"; then ts_pass "egress_bulk_transfer_$addr"
	else ts_fail "egress_bulk_transfer_$addr" "8 MiB echo through XDP+tc on the server did not complete"; fi
done

# BIG TCP on the server's NIC: its echo leaves in GSO packets of up to
# 185000 bytes, IPv4 with a total length of 0, IPv6 with a payload length
# of 0 (and a jumbo hop-by-hop option on kernels that still add one).
ts_nsexec "$NS_S" python3 "$(dirname "$0")/big_tcp.py" s0 185000
case $? in
0)
	for addr in 10.9.1.2 fd09:1::2; do
		if bulk "$addr"; then ts_pass "egress_big_tcp_transfer_$addr"
		else ts_fail "egress_big_tcp_transfer_$addr" "8 MiB echo with BIG TCP on the server's NIC did not complete"; fi
	done ;;
3) ts_skip egress_big_tcp_transfer "the kernel or veth does not take a GSO size of 185000" ;;
*) ts_fail egress_big_tcp_transfer "could not set the GSO sizes" ;;
esac

# reason_count NAME: packets counted under a reason, from stats --json.
reason_count() {
	ts_s stats --json | python3 -c '
import json, sys
name = sys.argv[1]
for r in json.load(sys.stdin)["reasons"]:
    if r["reason"] == name:
        print(r["packets"]); break
else:
    print(0)' "$1"
}
malformed=$(( $(reason_count drop_malformed_ip) + $(reason_count drop_malformed_tcp) ))
if [ "$malformed" -eq 0 ]; then ts_pass egress_no_malformed_drops
else ts_fail egress_no_malformed_drops "$malformed packets of the transfer were called malformed"; fi

# The server may not open connections to clients: its SYN stops at its own egress.
before=$(reason_count drop_no_rule)
if topo_connect "$NS_S" 10.9.0.2 443; then
	ts_fail egress_local_syn_refused "the server opened a connection no rule allows"
elif [ "$(reason_count drop_no_rule)" -gt "$before" ]; then
	ts_pass egress_local_syn_refused
else
	ts_fail egress_local_syn_refused "refused, but not counted as drop_no_rule"
fi
ts_exit
