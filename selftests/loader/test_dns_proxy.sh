#!/bin/bash
# `run --dns-listen`: the names library's DNS proxy in the daemon. A client
# asks the proxy for a name only a wildcard of the policy covers, then
# connects at once: the real XDP program on the gateway's veth must let
# that very first SYN through (BRIEF lesson 6), with outside-scope traffic
# dropped (so the client's DNS to the proxy passes only as a resolver's).
#
#   C (10.9.0.2) --c0|gc-- G: turnstile run, proxy on 10.9.0.1:53 --gs|s0-- S
#   S: dnsmasq on 10.9.1.53 (the upstream), TCP echo on 10.9.1.2 / .3, fd09:1::2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root
command -v dnsmasq >/dev/null || { ts_skip dns_proxy "dnsmasq not installed"; ts_exit; }

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
ip -n "$NS_S" addr add 10.9.1.53/24 dev s0
ip -n "$NS_S" addr add fd09:1::53/64 dev s0 nodad
ip -n "$NS_S" addr add 10.9.1.3/24 dev s0
ip -n "$NS_S" addr add 10.9.1.4/24 dev s0
ip -n "$NS_S" addr add fd09:1::4/64 dev s0 nodad
topo_servers "$NS_S" 443 || { ts_fail servers "echo server did not start"; ts_exit; }

# One label under blob.test is the wildcard's; two labels are not.
cat >"$TS_TMP/hosts" <<EOF
10.9.1.2 acct.blob.test
fd09:1::2 acct.blob.test
10.9.1.3 a.b.blob.test
10.9.1.4 acct2.blob.test
fd09:1::4 acct2.blob.test
EOF
ts_bg dnsmasq ts_nsexec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --addn-hosts="$TS_TMP/hosts" --local=/test/ --local-ttl=60 \
	--user=root --pid-file= --listen-address=10.9.1.53 --listen-address=fd09:1::53 \
	--bind-interfaces
ts_wait_for 5 sh -c "ss -N '$NS_S' -lun 2>/dev/null | grep -q 10.9.1.53:53" ||
	{ ts_fail dnsmasq "dnsmasq did not start: $(cat "$TS_TMP/dnsmasq.log")"; ts_exit; }

policy="$TS_TMP/p.policy"
cat >"$policy" <<EOF
settings {
    scope tcp/443
    outside-scope drop
}
component clients { 10.9.0.0/24 fd09::/64 }
component blob { *.blob.test }
rule "B1": clients -> blob tcp/443
EOF

ts_bg run nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$policy" -i gc -i gs \
	--resolver 10.9.1.53 --dns-listen 10.9.0.1 --state-dir "$TS_TMP/state"
RUN_PID=$TS_BG_PID
ts_wait_for 20 sh -c "'$TS_BIN' status --json 2>/dev/null | grep -q '\"daemon_pid\":$RUN_PID'" &&
	ts_wait_for 5 sh -c "ss -N '$NS_G' -lun | grep -q 10.9.0.1:53" ||
	{ ts_fail run_starts "$(tail -5 "$TS_TMP/run.log")"; ts_exit; }

# resolve_connect QTYPE NAME [SERVER]: ask SERVER (default: the proxy at
# 10.9.0.1) over plain UDP with a hand-made query,
# then at once open TCP/443 to the first address of the answer and echo a
# line. Prints "ADDR MS" (ms from the query to the echo) or "FAIL why".
# The connect timeout is 0.9 s: a dropped first SYN (retransmitted after
# 1 s) fails it.
resolve_connect() {
	ts_nsexec "$NS_C" python3 - "$1" "$2" "${3:-10.9.0.1}" <<'EOF'
import socket, struct, sys, time
qtype = {"A": 1, "AAAA": 28}[sys.argv[1]]
name, server = sys.argv[2], sys.argv[3]
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q += struct.pack(">HH", qtype, 1)
t0 = time.monotonic()
s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
try:
    s.sendto(q, (server, 53))
    a, _ = s.recvfrom(4096)
except OSError as e:
    print("FAIL dns:", e); sys.exit(0)
if a[:2] != q[:2] or a[3] & 0xf:
    print("FAIL dns rcode", a[3] & 0xf); sys.exit(0)
off = len(q)
addr = None
for _ in range(struct.unpack(">H", a[6:8])[0]):
    while a[off] and a[off] < 0xc0:
        off += a[off] + 1
    off += 2 if a[off] >= 0xc0 else 1
    t, _, _, rdlen = struct.unpack(">HHIH", a[off:off + 10])
    off += 10
    if t == qtype:
        addr = socket.inet_ntop(socket.AF_INET if t == 1 else socket.AF_INET6, a[off:off + rdlen])
        break
    off += rdlen
if not addr:
    print("FAIL no address in the answer"); sys.exit(0)
try:
    c = socket.create_connection((addr, 443), timeout=0.9)
    c.sendall(b"hi\n")
    ok = c.recv(16) == b"hi\n"
except OSError as e:
    print("FAIL", addr, e); sys.exit(0)
print(addr, int((time.monotonic() - t0) * 1000) if ok else "FAIL bad echo")
EOF
}

# Before any answer the address is in no component: refused.
if ! topo_connect "$NS_C" 10.9.1.2 443 && ! topo_connect "$NS_C" fd09:1::2 443; then
	ts_pass unlearned_address_refused
else
	ts_fail unlearned_address_refused "10.9.1.2/fd09:1::2 accepted before any DNS answer"
fi

for qt in A AAAA; do
	got=$(resolve_connect "$qt" acct.blob.test)
	if [[ "$got" =~ ^(10\.9\.1\.2|fd09:1::2)\ [0-9]+$ ]] && [ "${got#* }" -lt 1000 ]; then
		ts_pass "proxy_first_syn_passes_$qt"
	else
		ts_fail "proxy_first_syn_passes_$qt" "$got; $(tail -3 "$TS_TMP/run.log")"
	fi
done

# `*.blob.test` is one label: a.b.blob.test is answered, not learned.
got=$(resolve_connect A a.b.blob.test)
if [[ "$got" == "FAIL 10.9.1.3 "* ]]; then
	ts_pass two_labels_not_learned
else
	ts_fail two_labels_not_learned "a.b.blob.test: $got (expected the SYN to 10.9.1.3 refused)"
fi

# status shows the learned name with its wildcard, and the names metrics.
st=$(ts_g status --json)
if python3 -c '
import json, sys
d = json.loads(sys.argv[1])
n = [x for x in d["names"] if x["name"] == "acct.blob.test"]
m = d["names_metrics"]
assert n and n[0]["wildcard"] == "*.blob.test", n
assert {a["address"] for a in n[0]["addresses"]} == {"10.9.1.2", "fd09:1::2"}, n
assert m["learned_names"] == 1 and m["map_updates"] >= 2, m
assert d["dns_listen"] == "10.9.0.1", d["dns_listen"]
' "$st" && ts_g status | grep -q 'acct.blob.test.*learned via \*\.blob\.test'; then
	ts_pass status_shows_learned_name
else
	ts_fail status_shows_learned_name "$(echo "$st" | head -c 600)"
fi

# A reload keeps the learned address (installed with the new slot, from
# the cache), and the proxy serves again afterwards.
gen0=$(ts_g status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
kill -HUP "$RUN_PID"
ts_wait_for 5 sh -c "'$TS_BIN' status --json | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)[\"generation\"] <= $gen0)'"
if topo_connect "$NS_C" 10.9.1.2 443 &&
   ts_wait_for 5 sh -c "ss -N '$NS_G' -lun | grep -q 10.9.0.1:53" &&
   [[ "$(resolve_connect A acct.blob.test)" =~ ^10\.9\.1\.2\ [0-9]+$ ]]; then
	ts_pass reload_keeps_learned_address
else
	ts_fail reload_keeps_learned_address "$(tail -5 "$TS_TMP/run.log")"
fi

# `up` exits, so it has no proxy: a usage error.
ts_g up "$policy" -i gc --dns-listen 10.9.0.1 >/dev/null 2>&1
rc=$?
if [ $rc = 2 ]; then ts_pass up_refuses_dns_listen; else ts_fail up_refuses_dns_listen "exit $rc"; fi

# A wildcard listener behind a redirect, as on a gateway whose clients keep
# their resolvers: their queries to the upstream (let through as
# resolvers) are redirected to [::]:5353. Replies must come from the
# address the query was redirected to (else conntrack cannot map them back
# and the client drops them), for both families on the one socket.
kill -TERM "$RUN_PID"
wait "$RUN_PID"
ts_nsexec "$NS_G" nft -f - <<EOF
table inet ts_test_dns {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		iifname "gc" ip daddr 10.9.1.53 udp dport 53 redirect to :5353
		iifname "gc" ip6 daddr fd09:1::53 udp dport 53 redirect to :5353
	}
}
EOF
ts_bg run2 nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$policy" -i gc -i gs \
	--resolver 10.9.1.53 --resolver fd09:1::53 --dns-listen '[::]:5353' --state-dir "$TS_TMP/state"
RUN_PID=$TS_BG_PID
ts_wait_for 20 sh -c "'$TS_BIN' status --json 2>/dev/null | grep -q '\"daemon_pid\":$RUN_PID'" &&
	ts_wait_for 5 sh -c "ss -N '$NS_G' -lun | grep -q ':5353'" || ts_fail run_wildcard_listen "$(tail -3 "$TS_TMP/run2.log")"
got4=$(resolve_connect A acct2.blob.test 10.9.1.53)
got6=$(resolve_connect AAAA acct2.blob.test fd09:1::53)
if [[ "$got4" =~ ^10\.9\.1\.4\ [0-9]+$ ]] && [ "${got4#* }" -lt 1000 ] &&
   [[ "$got6" =~ ^fd09:1::4\ [0-9]+$ ]] && [ "${got6#* }" -lt 1000 ]; then
	ts_pass redirected_to_wildcard_listener
else
	ts_fail redirected_to_wildcard_listener "v4: $got4; v6: $got6; $(tail -3 "$TS_TMP/run2.log")"
fi

kill -TERM "$RUN_PID"
wait "$RUN_PID"
ts_g down >/dev/null 2>&1 || ts_fail down "exit $?"
ts_exit
