# shellcheck shell=bash
# matrix.sh - every ordered pair of hosts (seven components and the rogue
# host) tries a TLS connection to 443 over IPv4 and IPv6; attempts run in
# parallel (a refused one costs the connect timeout).

# world_matrix OUT [FAMILY...]: write "src dst family outcome" lines
# (outcome as world_attempt prints it) to OUT, sorted.
world_matrix() {
	local out=$1 fam src dst dir pids
	shift
	[ $# -gt 0 ] || set -- 4 6
	dir=$(mktemp -d "$WORLD_DIR/matrix.XXXXXX") || return 1
	for fam in "$@"; do
		pids=()
		for src in "${WORLD_HOSTS[@]}"; do
			for dst in "${WORLD_HOSTS[@]}"; do
				[ "$src" = "$dst" ] && continue
				echo "$src $dst $fam $(world_attempt "$src" "$dst" "$fam")" \
					>"$dir/$src.$dst.$fam" &
				pids+=($!)
			done
		done
		# Only our attempts: the caller may have other children running.
		wait "${pids[@]}"
	done
	cat "$dir"/* | sort >"$out"
	rm -rf "$dir"
}

# world_seed_verdict SRC DST: "allow ROWS" when the seed table lets SRC open
# connections to DST, else "refuse".
world_seed_verdict() {
	local src=$1 dst=$2 rows a b who
	while IFS='|' read -r rows a b who; do
		if { [ "$src" = "$a" ] && [ "$dst" = "$b" ]; } ||
		   { [ "$src" = "$b" ] && [ "$dst" = "$a" ] && [ "$who" = both ]; }; then
			echo "allow $rows"
			return 0
		fi
	done <<<"$WORLD_SEED_PAIRS"
	echo refuse
}

# world_labels_within LABEL ROWS: every word of LABEL (a rule's label, e.g.
# "D3") is one of ROWS (e.g. "D3 S1").
world_labels_within() {
	local w
	for w in $1; do
		case " $2 " in *" $w "*) ;; *) return 1 ;; esac
	done
}
