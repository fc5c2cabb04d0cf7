# shellcheck shell=bash
# poll.sh - the one polling loop of the shell scripts (tests, the world).

# poll_until SECONDS CMD...: run CMD every 50 ms until it succeeds; 1 if it
# has not succeeded after SECONDS.
poll_until() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}
