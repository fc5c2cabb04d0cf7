# shellcheck shell=bash
# plan.sh - the seed deployment's addressing plan (docs/DESIGN.md, "The seed
# deployment"), as data. Sourced by world.sh; defines nothing else.
#
# Every host of the world is one network namespace, named by a short key.
# Hosts that run an HTTPS server and clients (the seven seed components and
# the rogue host) are in WORLD_HOSTS; the gateway (gw), the DNS server (dns)
# and the endpoints' site router (site) are infrastructure.

WORLD_HOSTS=(ep dm waf agg blob sf redir rogue)

# The policy's component name of each host ("" = belongs to none).
declare -gA WORLD_COMPONENT=(
	[ep]=endpoints [dm]=device-manager [waf]=waf [agg]=aggregator
	[blob]=azure-blob [sf]=sharefile [redir]=redirect-server [rogue]=""
)

# Addresses each host owns. The first of each family is its source address.
# azure-blob also owns the addresses its storage accounts move to (.67/::67).
declare -gA WORLD_V4=(
	[ep]="198.51.100.11 198.51.100.12 198.51.100.13"
	[dm]="203.0.113.10" [waf]="192.0.2.33" [agg]="192.0.2.49"
	[blob]="192.0.2.65 192.0.2.66 192.0.2.67"
	[sf]="192.0.2.81" [redir]="192.0.2.97" [rogue]="198.51.100.200"
	[dns]="192.0.2.2" [site]="198.51.100.1"
)
declare -gA WORLD_V6=(
	[ep]="2001:db8:100::11 2001:db8:100::12 2001:db8:100::13"
	[dm]="2001:db8:200::10" [waf]="2001:db8:300::33" [agg]="2001:db8:400::49"
	[blob]="2001:db8:500::65 2001:db8:500::66 2001:db8:500::67"
	[sf]="2001:db8:600::81" [redir]="2001:db8:700::97" [rogue]="2001:db8:666::200"
	[dns]="2001:db8:53::2" [site]="2001:db8:100::1"
)

# The name a client uses to reach each host ("" = by address).
declare -gA WORLD_NAME=(
	[ep]="" [dm]=sandbox3.finebak.com [waf]=acme.x.incapdns.net
	[agg]=acme-aggregator.azurewebsites.net
	[blob]=acmefirmware.blob.core.windows.net
	[sf]=acme.sharefile.com [redir]=redirect.audiocodes.com [rogue]=""
)

# What the world's DNS answers at start: "name v4 v6" per line.
WORLD_DNS_RECORDS="\
sandbox3.finebak.com 203.0.113.10 2001:db8:200::10
acme.x.incapdns.net 192.0.2.33 2001:db8:300::33
acme-aggregator.azurewebsites.net 192.0.2.49 2001:db8:400::49
acmefirmware.blob.core.windows.net 192.0.2.65 2001:db8:500::65
acmeconfig.blob.core.windows.net 192.0.2.66 2001:db8:500::66
acme.sharefile.com 192.0.2.81 2001:db8:600::81
redirect.audiocodes.com 192.0.2.97 2001:db8:700::97"

WORLD_RESOLVER4=192.0.2.2
WORLD_RESOLVER6=2001:db8:53::2
# The gateway's own service address (on its loopback), where a DNS proxy on
# the gateway can listen (world_dns_redirect).
WORLD_GW_SERVICE4=169.254.53.53

# Link addressing (link-local only): the gateway's link to neighbour N is
# 169.254.<index>.1 / fe80::1 on its side and .2 / fe80::2 on N's side. The
# endpoints sit behind a site router (an internet hop beyond the gateway,
# which is where path-MTU errors come from); their link is index 100.
declare -gA WORLD_LINK_INDEX=(
	[site]=1 [dm]=2 [waf]=3 [agg]=4 [blob]=5 [sf]=6 [redir]=7 [rogue]=8 [dns]=9
	[ep]=100
)

# The seed's nine component pairs (shared/seed/README.md) as the world's own
# reading, independent of the product's policy code: "rows|a|b|who opens",
# who opens = both, or the one host that may initiate. D3 (<->) and S1 (->)
# disagree about ShareFile; DESIGN.md ships both rules, so both may open.
WORLD_SEED_PAIRS="\
E1 D1|ep|dm|both
E2 W1|ep|waf|ep
E3 B1|ep|blob|both
W2 A1|waf|agg|both
W3|waf|dm|both
D2 B2|dm|blob|dm
D3 S1|dm|sf|both
D4 R1|dm|redir|dm
A2|agg|dm|both"

# world_addr KEY FAMILY: KEY's first (source, and by-name target) address.
world_addr() {
	local a
	if [ "$2" = 4 ]; then a=${WORLD_V4[$1]}; else a=${WORLD_V6[$1]}; fi
	echo "${a%% *}"
}

# world_cell_addr KEY PEER FAMILY: the address KEY uses with PEER in a
# matrix cell (as source or destination). A host reached by address with
# several of them (the endpoints) spreads its peers over all of them; a
# host with a name uses its first address (what DNS answers).
world_cell_addr() {
	local key=$1 peer=$2 fam=$3 i=0 h
	local -a addrs
	if [ "$fam" = 4 ]; then read -ra addrs <<<"${WORLD_V4[$key]}"; else read -ra addrs <<<"${WORLD_V6[$key]}"; fi
	if [ -n "${WORLD_NAME[$key]:-}" ]; then echo "${addrs[0]}"; return; fi
	for h in "${WORLD_HOSTS[@]}"; do
		[ "$h" = "$peer" ] && break
		i=$((i + 1))
	done
	echo "${addrs[i % ${#addrs[@]}]}"
}
