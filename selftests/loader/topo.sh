# shellcheck shell=bash
# topo.sh - the loader tests' network: a client, a gateway running
# turnstile on both of its NICs, a server (source it after lib.sh).
#
#   C (10.9.0.2, fd09::2) --c0|gc-- G --gs|s0-- S (10.9.1.2, fd09:1::2)
#
# Policy: clients (10.9.0.0/24, fd09::/64) may open tcp/443 to servers
# (10.9.1.2, fd09:1::2); the scope is tcp/443 and tcp/8443, so 8443 is
# refused and port 80 is outside the scope (passes).

topo_up() {
	NS_C=$(ts_netns c) && NS_G=$(ts_netns g) && NS_S=$(ts_netns s) || return 1
	ip link add c0 netns "$NS_C" type veth peer name gc netns "$NS_G" || return 1
	ip link add s0 netns "$NS_S" type veth peer name gs netns "$NS_G" || return 1
	ip -n "$NS_C" addr add 10.9.0.2/24 dev c0
	ip -n "$NS_C" addr add fd09::2/64 dev c0 nodad
	ip -n "$NS_G" addr add 10.9.0.1/24 dev gc
	ip -n "$NS_G" addr add fd09::1/64 dev gc nodad
	ip -n "$NS_G" addr add 10.9.1.1/24 dev gs
	ip -n "$NS_G" addr add fd09:1::1/64 dev gs nodad
	ip -n "$NS_S" addr add 10.9.1.2/24 dev s0
	ip -n "$NS_S" addr add fd09:1::2/64 dev s0 nodad
	local ns
	for ns in "$NS_C:c0" "$NS_G:gc" "$NS_G:gs" "$NS_S:s0"; do
		ip -n "${ns%%:*}" link set "${ns#*:}" up
	done
	ip -n "$NS_C" route add default via 10.9.0.1
	ip -n "$NS_C" -6 route add default via fd09::1
	ip -n "$NS_S" route add default via 10.9.1.1
	ip -n "$NS_S" -6 route add default via fd09:1::1
	ts_nsexec "$NS_G" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# The policy file of the tests; $1 = extra ports allowed for clients->servers.
topo_policy() {
	cat <<EOF2
settings {
    scope tcp/443,8443
    outside-scope pass
    timeout closing 2s
}
component clients { 10.9.0.0/24 fd09::/64 }
component servers { 10.9.1.2 fd09:1::2 }
rule "C1": clients -> servers tcp/443${1:+,$1}
EOF2
}

# In-namespace TCP servers on both addresses of S: echo lines back.
topo_servers() {
	cat >"$TS_TMP/echo_server.py" <<'EOF2'
import socket, sys, threading
def serve(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
def echo(c):
    with c:
        while True:
            d = c.recv(4096)
            if not d:
                return
            c.sendall(d)
for port in map(int, sys.argv[1:]):
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port)); s.listen(64)
        threading.Thread(target=serve, args=(s,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
EOF2
	ts_bg "srv_$1" ts_nsexec "$1" python3 "$TS_TMP/echo_server.py" "${@:2}"
	ts_wait_for 5 grep -q ready "$TS_TMP/srv_$1.log"
}

# topo_connect NS ADDR PORT: 0 if a TCP connection opens and echoes within 2 s.
topo_connect() {
	ts_nsexec "$1" python3 - "$2" "$3" <<'EOF2'
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    c.sendall(b"hi\n")
    sys.exit(0 if c.recv(16) == b"hi\n" else 1)
except OSError:
    sys.exit(1)
EOF2
}

# topo_long_client NAME NS ADDR PORT: a long-lived connection in the
# background that sends a line every 100 ms and prints "ok N" each echo,
# "FAIL ..." and exits on the first error or a 2 s stall.
topo_long_client() {
	cat >"$TS_TMP/long_client.py" <<'EOF2'
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
n = 0
try:
    while True:
        c.sendall(b"ping\n")
        if c.recv(16) != b"ping\n":
            print("FAIL bad echo", flush=True); sys.exit(1)
        n += 1
        print("ok", n, flush=True)
        time.sleep(0.1)
except OSError as e:
    print("FAIL", e, flush=True); sys.exit(1)
EOF2
	ts_bg "$1" ts_nsexec "$2" python3 "$TS_TMP/long_client.py" "$3" "$4"
	LONG_PID=$TS_BG_PID
}

# Echoes the long client has seen so far.
topo_long_count() { grep -c '^ok' "$TS_TMP/$1.log"; }
# True while the long client runs and has no failure.
topo_long_alive() { kill -0 "$2" 2>/dev/null && ! grep -q '^FAIL' "$TS_TMP/$1.log"; }

# turnstile in the gateway namespace (bpffs stays visible through nsenter).
ts_g() { ts_nsexec "$NS_G" "$TS_BIN" "$@"; }
