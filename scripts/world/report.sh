# shellcheck shell=bash
# report.sh - what the demo prints: the topology, the seed pairs with their
# expected and observed outcomes and counters, the full matrix as a grid, a
# summary, and a check that nothing of the world is left on the host.
#
# The expected outcome of a cell comes from the seed table itself
# (world_seed_verdict: the rows' directions), not from the product; a cell
# is as expected when the table, `turnstile explain` and the observed
# outcome all agree.
#
# Inputs are the files the world writes:
#   verdicts  "src dst family allow RULE_ID LABEL" | "src dst family refuse REASON"
#             (world_ts_verdicts: turnstile explain per cell)
#   observed  "src dst family ok|timeout|wrong|error:N" (world_matrix)
#   stats     `turnstile stats --json`

# _world_cell FILE SRC DST FAMILY: the rest of FILE's line for that cell.
_world_cell() {
	awk -v s="$2" -v d="$3" -v f="$4" '$1 == s && $2 == d && $3 == f {
		$1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' "$1"
}

# _world_word VERDICT_OR_OUTCOME: open (allowed / completed) or drop.
_world_word() {
	case "$1" in
	allow* | ok) echo open ;;
	refuse* | timeout) echo drop ;;
	*) echo "$1" ;;
	esac
}

# _world_agree VERDICTS SRC DST FAMILY OBSERVED_WORD: the seed table's word
# for the cell (world_seed_verdict), with "!" appended when the table,
# explain (VERDICTS) and the observed outcome do not all agree.
_world_agree() {
	local t x
	t=$(_world_word "$(world_seed_verdict "$2" "$3")")
	x=$(_world_word "$(_world_cell "$1" "$2" "$3" "$4")")
	if [ "$t" = "$5" ] && [ "$x" = "$5" ]; then echo "$t"; else echo "$t!"; fi
}

world_report_topology() {
	local key a
	printf '   %-6s %-16s %-36s %s\n' host component "name (DNS)" addresses
	for key in "${WORLD_HOSTS[@]}"; do
		a="${WORLD_V4[$key]} ${WORLD_V6[$key]}"
		printf '   %-6s %-16s %-36s %s\n' "$key" "${WORLD_COMPONENT[$key]:-(none)}" \
			"${WORLD_NAME[$key]:--}" "$a"
	done
	printf '   %-6s %-16s %-36s %s\n' dns "(resolver)" - "$WORLD_RESOLVER4 $WORLD_RESOLVER6"
	echo "   every host reaches the others only through the gateway ($(world_gw_ifaces | wc -l) NICs);"
	echo "   clients resolve names through it too (dnsmasq, TTL ${WORLD_DNS_TTL}s)."
}

# world_report_pairs VERDICTS OBSERVED STATS: one line per seed pair.
world_report_pairs() {
	local verdicts=$1 observed=$2 stats=$3
	local rows a b who opener cells cell dir fam src dst exp obs e o ids allowed opened bad=0
	echo "== the seed table, enforced   (each cell: the table's answer -> observed; open ="
	echo "   TLS handshake completed, drop = SYN dropped, nothing answered within 2 s)"
	printf '   %-34s %-6s %-15s %-23s %-23s %s\n' "pair (a / b)" rows "may open" \
		"a opens b: IPv4, IPv6" "b opens a: IPv4, IPv6" "opened/allowed"
	while IFS='|' read -r rows a b who; do
		if [ "$who" = both ]; then opener=either; else opener=${WORLD_COMPONENT[$who]}; fi
		cells="" ids="" allowed=0
		for dir in ab ba; do
			if [ $dir = ab ]; then src=$a dst=$b; else src=$b dst=$a; fi
			for fam in 4 6; do
				exp=$(_world_cell "$verdicts" "$src" "$dst" "$fam")
				obs=$(_world_cell "$observed" "$src" "$dst" "$fam")
				o=$(_world_word "$obs")
				e=$(_world_agree "$verdicts" "$src" "$dst" "$fam" "$o")
				case "$e" in
				*!) printf -v cell '%-12s' "${e%!}->$o!"; bad=1 ;;
				*) printf -v cell '%-12s' "$e->$o" ;;
				esac
				cells+=$cell
				case "$exp" in allow*)
					ids+=" $(awk '{ print $2 }' <<<"$exp")"
					allowed=$((allowed + 1)) ;;
				esac
			done
			cells+=" "
		done
		opened=$(jq -r --arg ids "$ids" '($ids | split(" ") | map(select(. != "") | tonumber) | unique) as $want
			| [.rules[] | select(.id as $i | $want | index($i)) | .opened] | add // 0' "$stats")
		printf '   %-34s %-6s %-15s %s%s/%s\n' "${WORLD_COMPONENT[$a]} / ${WORLD_COMPONENT[$b]}" \
			"$rows" "$opener" "$cells" "$opened" "$allowed"
	done <<<"$WORLD_SEED_PAIRS"
	[ $bad = 0 ] || echo "   ! marks a cell where the seed table, \`turnstile explain\` and the outcome disagree"
}

# world_report_grid VERDICTS OBSERVED: every ordered pair per family.
world_report_grid() {
	local verdicts=$1 observed=$2 fam src dst e o line
	echo "== every pair (row opens column): O opened, . dropped, as the seed table and explain"
	echo "   say; X: the table, explain and the outcome disagree"
	for fam in 4 6; do
		line=$(printf '   IPv%s  %-6s' "$fam" "")
		for dst in "${WORLD_HOSTS[@]}"; do line+=$(printf '%-6s' "$dst"); done
		echo "$line"
		for src in "${WORLD_HOSTS[@]}"; do
			line=$(printf '         %-6s' "$src")
			for dst in "${WORLD_HOSTS[@]}"; do
				if [ "$src" = "$dst" ]; then line+=$(printf '%-6s' -); continue; fi
				o=$(_world_word "$(_world_cell "$observed" "$src" "$dst" "$fam")")
				e=$(_world_agree "$verdicts" "$src" "$dst" "$fam" "$o")
				if [ "$e" != "$o" ]; then line+=$(printf '%-6s' X)
				elif [ "$o" = open ]; then line+=$(printf '%-6s' O)
				else line+=$(printf '%-6s' .); fi
			done
			echo "$line"
		done
	done
	echo "   (ep endpoints, dm device-manager, agg aggregator, blob azure-blob, sf sharefile,"
	echo "    redir redirect-server, rogue: a host in no component)"
}

# world_report_summary VERDICTS OBSERVED: one line; fails if any cell differs.
world_report_summary() {
	local verdicts=$1 observed=$2 total=0 same=0 opened=0 dropped=0 src dst fam rest e o
	while read -r src dst fam rest; do
		total=$((total + 1))
		o=$(_world_word "$rest")
		e=$(_world_agree "$verdicts" "$src" "$dst" "$fam" "$o")
		[ "$e" = "$o" ] && same=$((same + 1))
		[ "$o" = open ] && opened=$((opened + 1))
		[ "$o" = drop ] && dropped=$((dropped + 1))
	done <"$observed"
	echo "== $total attempts: $same as the seed table and turnstile explain say ($opened opened, $dropped dropped)"
	[ "$total" -gt 0 ] && [ "$same" = "$total" ]
}

# world_report_leftovers PREFIX DIR: say whether anything of the world
# (namespaces, /etc/netns directories, processes, pins) is left.
world_report_leftovers() {
	local prefix=$1 dir=$2 left=""
	ip netns list 2>/dev/null | grep -q "^$prefix" && left+=" namespaces"
	compgen -G "/etc/netns/$prefix*" >/dev/null && left+=" /etc/netns"
	# Killed processes take a moment to go.
	[ -n "$dir" ] && ! world_wait 3 eval '! pgrep -f -- "$dir" >/dev/null' && left+=" processes"
	[ -e /sys/fs/bpf/turnstile ] && left+=" pins"
	if [ -z "$left" ]; then
		echo "   host as before: no namespaces, /etc/netns entries, processes or pins left"
	else
		echo "   left behind:$left" >&2
		return 1
	fi
}
