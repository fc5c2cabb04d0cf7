# shellcheck shell=bash
# turnstile.sh - the world's gateway running turnstile: start the daemon on
# every gateway NIC, kill/restart it, take it down, and read the product's
# own views (explain, stats) through its CLI. Needs TS_BIN (the turnstile
# binary) and world.sh sourced first.

WORLD_TS_PID=""

_world_ts_log() { echo "$WORLD_DIR/turnstile.log"; }

# world_ts_cli ARGS...: the turnstile CLI, run in the gateway namespace.
world_ts_cli() { world_nsenter gw "$TS_BIN" "$@"; }

# True when the CLI has COMMAND built in (not a "not built yet" stub).
world_ts_has() {
	[ -x "${TS_BIN:-}" ] && "$TS_BIN" "$1" --help >/dev/null 2>&1
}

_world_ts_iface_args() {
	local i
	for i in $(world_gw_ifaces); do printf -- '-i %s ' "$i"; done
}

_world_ts_loaded() { world_ts_cli status --json >/dev/null 2>&1; }

# world_ts_start POLICY [ARGS...]: `turnstile run` (the daemon) in the
# gateway on every NIC, the world's resolvers given; waits until it reports
# a loaded state. ARGS go to `run` (e.g. --audit). WORLD_TS_PID is the
# daemon's pid (nsenter execs turnstile: no subshell in between).
world_ts_start() {
	local policy=$1; shift
	# shellcheck disable=SC2046
	nsenter --net="/run/netns/$(world_ns gw)" -- "$TS_BIN" run "$policy" \
		$(_world_ts_iface_args) \
		--resolver "$WORLD_RESOLVER4" --resolver "$WORLD_RESOLVER6" \
		--state-dir "$WORLD_DIR/state" "$@" \
		>>"$(_world_ts_log)" 2>&1 &
	WORLD_TS_PID=$!
	disown
	world_wait 20 _world_ts_loaded || {
		echo "world: turnstile did not come up; its log:" >&2
		tail -n 20 "$(_world_ts_log)" >&2
		return 1
	}
}

# world_ts_kill: SIGKILL the daemon (pinned programs and maps stay).
world_ts_kill() {
	[ -n "$WORLD_TS_PID" ] || return 0
	kill -9 "$WORLD_TS_PID" 2>/dev/null
	world_wait 5 _world_ts_gone "$WORLD_TS_PID"
	WORLD_TS_PID=""
}

_world_ts_gone() { ! kill -0 "$1" 2>/dev/null; }

# world_ts_stop: stop the daemon and take turnstile down (detach, unpin).
world_ts_stop() {
	if [ -n "$WORLD_TS_PID" ]; then
		kill "$WORLD_TS_PID" 2>/dev/null
		world_wait 5 _world_ts_gone "$WORLD_TS_PID" || world_ts_kill
		WORLD_TS_PID=""
	fi
	world_ts_cli down >>"$(_world_ts_log)" 2>&1
}

# world_ts_verdict SRC_ADDR DST_ADDR: the product's verdict for a SYN from
# SRC to DST:443 (`turnstile explain --json`): "allow RULE_ID LABEL" or
# "refuse REASON".
world_ts_verdict() {
	world_ts_cli explain --json "$1" "$2" tcp/443 | jq -r '
		if .verdict == "allow" then "allow \(.rule_id) \(.rule_label)"
		else "refuse \(.reason)" end'
}

# world_ts_opened: "RULE_ID=OPENED" per rule of `turnstile stats --json`.
world_ts_opened() {
	world_ts_cli stats --json | jq -r '.rules[] | "\(.id)=\(.opened)"'
}

# world_ts_reason NAME: packets counted under reason NAME (e.g. pass_audit).
world_ts_reason() {
	world_ts_cli stats --json | jq -r --arg r "$1" \
		'[.reasons[] | select(.reason == $r) | .packets] | add // 0'
}

# world_ts_verdicts OUT: the product's verdict for every cell of the matrix
# as "src dst family verdict..." lines (world_ts_verdict), sorted. One at a
# time: each explain loads the BPF object, and parallel loads only contend.
world_ts_verdicts() {
	local out=$1 fam src dst
	for fam in 4 6; do
		for src in "${WORLD_HOSTS[@]}"; do
			for dst in "${WORLD_HOSTS[@]}"; do
				[ "$src" = "$dst" ] && continue
				echo "$src $dst $fam $(world_ts_verdict \
					"$(world_cell_addr "$src" "$dst" "$fam")" "$(world_cell_addr "$dst" "$src" "$fam")")"
			done
		done
	done | sort >"$out"
}

# world_ts_monitor_start FILE: `turnstile monitor --json` into FILE, in the
# background, until world_ts_monitor_stop.
WORLD_TS_MON_PID=""
world_ts_monitor_start() {
	nsenter --net="/run/netns/$(world_ns gw)" -- "$TS_BIN" monitor --json >"$1" 2>"$1.err" &
	WORLD_TS_MON_PID=$!
	disown
}

world_ts_monitor_stop() {
	[ -n "$WORLD_TS_MON_PID" ] || return 0
	kill "$WORLD_TS_MON_PID" 2>/dev/null
	world_wait 5 _world_ts_gone "$WORLD_TS_MON_PID"
	WORLD_TS_MON_PID=""
}
