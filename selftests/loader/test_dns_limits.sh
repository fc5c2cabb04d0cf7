#!/bin/bash
# The DNS proxy's bounds (issue 12, "Bounded work"; docs/names.md "Trust"):
# over each one the client gets the documented answer and a counter moves.
#
# dns_limit_answer_records: an upstream answer of 300 A records (over the
#   256-record bound) is not relayed: SERVFAIL over TCP, nothing learned,
#   refused "answer-limits" with answer_errors "records".
# dns_limit_client_inflight: one client with 200 queries in flight to a
#   zone that never answers gets REFUSED past its 64; another client is
#   answered at once meanwhile.
# dns_limit_malformed: a query with two questions gets FORMERR.
# dns_limit_udp_cap: `--dns-udp-max 600`: a client advertising 4096 gets
#   a 671-byte answer truncated; one at 512 without EDNS0 too.
# dns_limit_not_a_query: a DNS UPDATE is answered NOTIMP, never relayed.
# dns_limit_tcp_stream: one TCP client streaming messages that are answered
#   at once (FORMERR) without reading holds nobody up: another client's
#   UDP queries are answered meanwhile; a message too short to be DNS
#   closes the connection.
# dns_limit_fair_share: 16 clients with 64 queries each in flight to a zone
#   that never answers: a 17th client is still answered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/dns_topo.sh"
ts_require_root
for tool in dnsmasq dig jq; do
	command -v $tool >/dev/null || { ts_skip dns_limits "$tool not installed"; ts_exit; }
done

dns_topo_up || { ts_fail topology "cannot build namespaces or servers"; ts_exit; }
dns_upstream_start || { ts_fail dnsmasq "dnsmasq did not start: $(cat "$TS_TMP/dnsmasq.log")"; ts_exit; }
# 300 A records for many.blob.test (dnsmasq rereads its hosts file on HUP)
for i in $(seq 0 299); do echo "198.51.$((101 + i / 250)).$((i % 250 + 1)) many.blob.test"; done >>"$TS_TMP/hosts"
pkill -HUP -x dnsmasq -P "$DNSMASQ_PID" 2>/dev/null; kill -HUP "$DNSMASQ_PID"
upstream_many() { ts_nsexec "$NS_S" dig +tcp +short @$DNS_UPSTREAM many.blob.test | wc -l; }
for _ in 1 2 3 4 5; do [ "$(upstream_many)" -eq 300 ] && break; sleep 0.5; done
[ "$(upstream_many)" -eq 300 ] ||
	{ ts_fail dns_limit_precondition "the upstream gives $(upstream_many) records, not 300"; ts_exit; }
dns_run run "$TS_TMP/state" --dns-udp-max 600 || { ts_fail run_starts "$(tail -5 "$TS_TMP/run.log")"; ts_exit; }

proxy_json() { ts_g status --json | jq -c ".proxy$1"; }
# wait_counter JQ_PATH MIN: the counters file catches up within a second
wait_counter() { ts_wait_for 3 sh -c "'$TS_BIN' status --json | jq -e '.proxy$1 >= $2' >/dev/null"; }

out=$(ts_nsexec "$NS_C" dig +tcp +tries=1 +time=3 @$DNS_PROXY many.blob.test 2>&1)
if [[ "$out" == *"status: SERVFAIL"* ]] && wait_counter '.refused."answer-limits"' 1 &&
   wait_counter '.answer_errors.records' 1 &&
   ! ts_g status --json | jq -e '.names[] | select(.name == "many.blob.test")' >/dev/null; then
	ts_pass dns_limit_answer_records
else
	ts_fail dns_limit_answer_records "$(grep status: <<<"$out"); proxy $(proxy_json)"
fi

# 200 queries in flight from one client: 64 relayed, the rest REFUSED.
refused=$(ts_nsexec "$NS_C" python3 - "$DNS_PROXY" "$CLIENT1" <<'EOF'
import random, socket, struct, sys, time
server, src = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
for i in range(200):
    name = b"".join(bytes([len(l)]) + l for l in [b"q%d" % i, b"%08x" % random.getrandbits(32), b"slow", b"test"])
    s.sendto(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + b"\0\0\1\0\1", (server, 53))
s.settimeout(0.5)
refused = 0
end = time.monotonic() + 2
while time.monotonic() < end:
    try:
        m = s.recv(4096)
    except socket.timeout:
        break
    refused += (m[3] & 0xf) == 5
print(refused)
EOF
)
other=$(dnsprobe resolve $DNS_PROXY acct.blob.test --src $CLIENT2 --timeout 1)
if [ "${refused:-0}" -ge 100 ] && [[ "$other" == rcode=0* ]] && wait_counter '.refused."client-inflight"' 100; then
	ts_pass dns_limit_client_inflight
else
	ts_fail dns_limit_client_inflight "refused $refused of 200 (want >= 100); other client: $other; proxy $(proxy_json .refused)"
fi

# raw_reply MESSAGE: a hand-made message (a Python bytes expression, with
# struct at hand) sent over UDP from 192.0.2.3; prints "id=N rcode=R" or
# "no answer"
raw_reply() {
	ts_nsexec "$NS_C" python3 - "$DNS_PROXY" "$1" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.3", 0))
s.sendto(eval(sys.argv[2], {"struct": struct}), (sys.argv[1], 53))
s.settimeout(2)
try:
    m = s.recv(4096)
    print("id=%d rcode=%d" % (struct.unpack(">H", m[:2])[0], m[3] & 0xf))
except socket.timeout:
    print("no answer")
EOF
}

Q_ACCT='b"\4acct\4blob\4test\0\0\1\0\1"'
formerr=$(raw_reply "struct.pack('>HHHHHH', 7, 0x0100, 2, 0, 0, 0) + $Q_ACCT + $Q_ACCT")
if [ "$formerr" = "id=7 rcode=1" ] && wait_counter '.refused.malformed' 1; then
	ts_pass dns_limit_malformed
else
	ts_fail dns_limit_malformed "two questions: $formerr; proxy $(proxy_json .refused)"
fi

big4096=$(ts_nsexec "$NS_C" dig -b $CLIENT2 +bufsize=4096 +ignore +tries=1 +time=2 @$DNS_PROXY big.blob.test 2>&1)
big512=$(ts_nsexec "$NS_C" dig -b $CLIENT2 +noedns +ignore +tries=1 +time=2 @$DNS_PROXY big.blob.test 2>&1)
if grep -q 'flags:.* tc' <<<"$big4096" && grep -q 'flags:.* tc' <<<"$big512" &&
   grep -q 'udp: 600' <<<"$big4096"; then
	ts_pass dns_limit_udp_cap
else
	ts_fail dns_limit_udp_cap "4096 asked: $(grep -E 'flags:|udp:' <<<"$big4096" | tr '\n' ' ')"
fi

# a DNS UPDATE: zone blob.test SOA IN, one record evil.blob.test A 203.0.113.66
update=$(raw_reply "struct.pack('>HHHHHH', 9, 5 << 11, 1, 0, 1, 0) + b'\4blob\4test\0\0\6\0\1' + b'\4evil\4blob\4test\0\0\1\0\1\0\0\0\x3c\0\4' + bytes([203, 0, 113, 66])")
if [ "$update" = "id=9 rcode=4" ] && ! grep -q 'evil.blob.test' "$DNS_QLOG" && wait_counter '.refused."not-a-query"' 1; then
	ts_pass dns_limit_not_a_query
else
	ts_fail dns_limit_not_a_query "UPDATE: $update; upstream saw: $(grep -c 'evil.blob.test' "$DNS_QLOG")"
fi

stream=$(ts_nsexec "$NS_C" python3 - "$DNS_PROXY" <<'EOF'
import socket, struct, sys, threading, time
server = sys.argv[1]
stop = time.monotonic() + 3
def streamer():
    t = socket.create_connection((server, 53), source_address=("192.0.2.2", 0))
    msg = struct.pack(">H", 14) + struct.pack(">HHHHHH", 1, 0x0100, 2, 0, 0, 0) + b"\0\0"
    t.setblocking(False)
    buf = msg * 512
    while time.monotonic() < stop:
        try:
            t.send(buf)
        except BlockingIOError:
            time.sleep(0.001)
        except OSError:
            break
threading.Thread(target=streamer, daemon=True).start()
time.sleep(0.3)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("192.0.2.3", 0))
u.settimeout(1)
ok = 0
for i in range(20):
    q = struct.pack(">HHHHHH", 100 + i, 0x0100, 1, 0, 0, 0) + b"\4acct\4blob\4test\0\0\1\0\1"
    u.sendto(q, (server, 53))
    try:
        ok += u.recv(4096)[:2] == q[:2]
    except socket.timeout:
        pass
    time.sleep(0.05)
short = socket.create_connection((server, 53), source_address=("192.0.2.3", 0))
short.sendall(b"\0\0")
short.settimeout(2)
try:
    closed = short.recv(16) == b""
except OSError:
    closed = True
print(ok, "closed" if closed else "open")
EOF
)
if [ "$stream" = "20 closed" ]; then
	ts_pass dns_limit_tcp_stream
else
	ts_fail dns_limit_tcp_stream "UDP answers during the stream, and the short message's connection: $stream (want 20 closed)"
fi

# 17 clients: 16 hold 64 queries each to a zone that never answers
for i in $(seq 10 26); do ip -n "$NS_C" addr add "192.0.2.$i/24" dev c0; done
fair=$(ts_nsexec "$NS_C" python3 - "$DNS_PROXY" <<'EOF'
import random, socket, struct, sys, time
server = sys.argv[1]
socks = []
for c in range(10, 26):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.%d" % c, 0))
    for i in range(64):
        name = b"".join(bytes([len(l)]) + l for l in [b"%08x" % random.getrandbits(32), b"slow", b"test"])
        s.sendto(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1", (server, 53))
    socks.append(s)
time.sleep(0.3)
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
v.bind(("192.0.2.26", 0))
v.settimeout(2)
q = struct.pack(">HHHHHH", 77, 0x0100, 1, 0, 0, 0) + b"\4acct\4blob\4test\0\0\1\0\1"
v.sendto(q, (server, 53))
try:
    m = v.recv(4096)
    print("rcode=%d" % (m[3] & 0xf))
except socket.timeout:
    print("no answer")
EOF
)
if [ "$fair" = "rcode=0" ]; then
	ts_pass dns_limit_fair_share
else
	ts_fail dns_limit_fair_share "a 17th client beside 16 holding 64 queries each: $fair"
fi

dns_stop
ts_g down >/dev/null 2>&1 || ts_fail down "exit $?"
ts_exit
