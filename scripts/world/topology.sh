# shellcheck shell=bash
# topology.sh - the world's namespaces, veth links and routes (plan.sh).
#
#   endpoints (ep) -- site router -+
#   dm, waf, agg, blob, sf, redir, +-- gw (routes IPv4 + IPv6 between its NICs)
#   rogue, dns --------------------+
#
# The gateway has one veth NIC per neighbour, named to-<key>; every other
# namespace reaches the world through its eth0. Addresses of the plan are
# host addresses (/32, /128) on eth0; links use 169.254/16 and fe80::/64.

WORLD_PREFIX=${WORLD_PREFIX:-tsw$$-}

world_ns() { echo "$WORLD_PREFIX$1"; }

# world_nsenter KEY CMD...: CMD in KEY's network namespace, /sys untouched
# (bpffs stays visible: this is how turnstile runs in the gateway).
world_nsenter() {
	local key=$1; shift
	nsenter --net="/run/netns/$(world_ns "$key")" -- "$@"
}

# world_exec KEY CMD...: CMD as a host of the world: its network namespace
# and its /etc/resolv.conf (ip netns exec bind-mounts /etc/netns/<ns>/*).
world_exec() {
	local key=$1; shift
	ip netns exec "$(world_ns "$key")" "$@"
}

_world_sysctls() {
	local key=$1 forward=$2 s
	for s in net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.default.arp_announce=2 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv4.ip_forward="$forward" net.ipv6.conf.all.forwarding="$forward" \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0; do
		world_nsenter "$key" sysctl -qw "$s" || return 1
	done
}

_world_add_ns() {
	local key=$1 forward=${2:-0} ns
	ns=$(world_ns "$key")
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up || return 1
	_world_sysctls "$key" "$forward"
}

# _world_link UP DOWN INDEX: veth UP:to-DOWN <-> DOWN:eth0; UP is the router
# side (.1, fe80::1), DOWN routes everything through it.
_world_link() {
	local up=$1 down=$2 idx=$3 a
	local upns downns
	upns=$(world_ns "$up") downns=$(world_ns "$down")
	ip -n "$upns" link add "to-$down" type veth peer name eth0 netns "$downns" || return 1
	ip -n "$upns" addr add "169.254.$idx.1/24" dev "to-$down" &&
	ip -n "$upns" addr add fe80::1/64 dev "to-$down" nodad &&
	ip -n "$downns" addr add "169.254.$idx.2/24" dev eth0 &&
	ip -n "$downns" addr add fe80::2/64 dev eth0 nodad &&
	ip -n "$upns" link set "to-$down" up &&
	ip -n "$downns" link set eth0 up || return 1
	for a in ${WORLD_V4[$down]}; do
		ip -n "$downns" addr add "$a/32" dev eth0 || return 1
	done
	for a in ${WORLD_V6[$down]}; do
		ip -n "$downns" addr add "$a/128" dev eth0 nodad || return 1
	done
	ip -n "$downns" route add default via "169.254.$idx.1" dev eth0 \
		src "${WORLD_V4[$down]%% *}" &&
	ip -n "$downns" -6 route add default via fe80::1 dev eth0 \
		src "${WORLD_V6[$down]%% *}"
}

# _world_route_via ROUTER KEY VIA_KEY: ROUTER reaches KEY's addresses over
# its link to VIA_KEY.
_world_route_via() {
	local router=$1 key=$2 via=$3 a ns
	ns=$(world_ns "$router")
	for a in ${WORLD_V4[$key]}; do
		ip -n "$ns" route add "$a/32" via "169.254.${WORLD_LINK_INDEX[$via]}.2" \
			dev "to-$via" || return 1
	done
	for a in ${WORLD_V6[$key]}; do
		ip -n "$ns" -6 route add "$a/128" via fe80::2 dev "to-$via" || return 1
	done
}

# A host's resolver configuration: the world's dnsmasq, through the gateway.
_world_resolv_conf() {
	local dir
	dir="/etc/netns/$(world_ns "$1")"
	mkdir -p "$dir" || return 1
	printf 'nameserver %s\nnameserver %s\noptions timeout:1 attempts:2\n' \
		"$WORLD_RESOLVER4" "$WORLD_RESOLVER6" >"$dir/resolv.conf" &&
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$dir/hosts"
}

world_topology_up() {
	local key
	_world_add_ns gw 1 && _world_add_ns site 1 || return 1
	ip -n "$(world_ns gw)" addr add "$WORLD_GW_SERVICE4/32" dev lo || return 1
	for key in "${WORLD_HOSTS[@]}" dns; do
		_world_add_ns "$key" 0 || return 1
	done
	for key in "${WORLD_HOSTS[@]}" dns; do
		[ "$key" = ep ] && continue
		_world_link gw "$key" "${WORLD_LINK_INDEX[$key]}" &&
		_world_route_via gw "$key" "$key" || return 1
	done
	_world_link gw site "${WORLD_LINK_INDEX[site]}" &&
	_world_link site ep "${WORLD_LINK_INDEX[ep]}" &&
	_world_route_via site ep ep &&
	_world_route_via gw ep site || return 1
	for key in "${WORLD_HOSTS[@]}" site; do
		_world_resolv_conf "$key" || return 1
	done
}

# The gateway's NICs (where turnstile attaches).
world_gw_ifaces() {
	local key
	for key in site dm waf agg blob sf redir rogue dns; do
		echo "to-$key"
	done
}

# Remove every namespace of this world (killing what runs in it) and its
# /etc/netns directory. Safe to call twice and on a half-built world.
world_topology_down() {
	local ns pid
	while read -r ns _; do
		case "$ns" in "$WORLD_PREFIX"*) ;; *) continue ;; esac
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done < <(ip netns list 2>/dev/null)
	for ns in /etc/netns/"$WORLD_PREFIX"*; do
		[ -e "$ns" ] && rm -rf "$ns"
	done
	return 0
}
