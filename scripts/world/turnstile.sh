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
# a loaded state. ARGS go to `run` (e.g. --audit).
world_ts_start() {
	local policy=$1; shift
	# shellcheck disable=SC2046
	world_nsenter gw "$TS_BIN" run "$policy" $(_world_ts_iface_args) \
		--resolver "$WORLD_RESOLVER4" --resolver "$WORLD_RESOLVER6" "$@" \
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
