# shellcheck shell=bash
# dns.sh - the world's DNS server: dnsmasq in namespace "dns", answering the
# plan's names from one hosts file with a 2 s TTL. world_dns_set rewrites an
# answer at runtime (rewrite the file, SIGHUP: dnsmasq rereads it).

WORLD_DNS_TTL=${WORLD_DNS_TTL:-2}

_world_dns_hosts() { echo "$WORLD_DIR/dns/hosts"; }

world_dns_up() {
	local name v4 v6 hosts
	mkdir -p "$WORLD_DIR/dns" || return 1
	hosts=$(_world_dns_hosts)
	: >"$hosts"
	while read -r name v4 v6; do
		printf '%s %s\n%s %s\n' "$v4" "$name" "$v6" "$name" >>"$hosts"
	done <<<"$WORLD_DNS_RECORDS"
	world_exec dns dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --addn-hosts="$hosts" \
		--local-ttl="$WORLD_DNS_TTL" --user=root \
		--listen-address="$WORLD_RESOLVER4" --listen-address="$WORLD_RESOLVER6" \
		--bind-interfaces --pid-file="$WORLD_DIR/dns/pid" \
		--log-queries --log-facility="$WORLD_DIR/dns/log" \
		>"$WORLD_DIR/dns/stderr" 2>&1 & disown
	world_wait 5 _world_dns_answers ep "${WORLD_NAME[dm]}" "${WORLD_V4[dm]}"
}

# _world_dns_answers KEY NAME ADDR: KEY's resolver answers NAME with ADDR.
_world_dns_answers() {
	world_exec "$1" getent ahosts "$2" 2>/dev/null | grep -qw -- "$3"
}

# world_dns_set NAME V4 V6: from now on DNS answers NAME with V4 and V6.
# Returns once a client (in ep) sees the new IPv4 answer.
world_dns_set() {
	local name=$1 v4=$2 v6=$3 hosts
	hosts=$(_world_dns_hosts)
	grep -vw -- "$name" "$hosts" >"$hosts.new"
	printf '%s %s\n%s %s\n' "$v4" "$name" "$v6" "$name" >>"$hosts.new"
	mv "$hosts.new" "$hosts" || return 1
	kill -HUP "$(cat "$WORLD_DIR/dns/pid")" || return 1
	world_wait 5 _world_dns_answers ep "$name" "$v4"
}

# world_dns_redirect PORT: the gateway answers the clients' DNS itself: an
# IPv4 query to the world's resolver that enters the gateway is sent to
# WORLD_GW_SERVICE4:PORT on the gateway, where a DNS proxy such as
# turnstile's listens (clients ask the IPv4 resolver first). The gateway's
# own queries to the resolver are not redirected. world_dns_direct undoes it.
world_dns_redirect() {
	world_nsenter gw nft -f - <<NFT
table ip world_dns {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		ip daddr $WORLD_RESOLVER4 meta l4proto { udp, tcp } th dport 53 dnat to $WORLD_GW_SERVICE4:$1
	}
}
NFT
}

world_dns_direct() { world_nsenter gw nft delete table ip world_dns 2>/dev/null; return 0; }
