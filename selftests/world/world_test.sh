# shellcheck shell=bash
# world_test.sh - shared set-up for the seed-world tests (source it): the
# test protocol (selftests/lib.sh), the world (scripts/world/world.sh) with
# this test's namespace prefix, torn down on any exit.

TS_ROOT=${TS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=../lib.sh
. "$TS_ROOT/selftests/lib.sh"
# shellcheck source=../../scripts/world/world.sh
. "$TS_ROOT/scripts/world/world.sh"
# shellcheck source=../../scripts/world/turnstile.sh
. "$TS_ROOT/scripts/world/turnstile.sh"

WORLD_PREFIX=$TS_NS_PREFIX
WORLD_DIR=$TS_TMP/world
WORLD_POLICY=${WORLD_POLICY:-$TS_ROOT/policies/seed.policy}
ts_require_root
ts_on_exit world_down
ts_on_exit world_ts_stop

# world_test_up NAME: the world, or FAIL NAME and exit.
world_test_up() {
	mkdir -p "$WORLD_DIR"
	world_up || { ts_fail "$1" "the world did not come up"; ts_exit; }
}

# world_test_need_turnstile NAME...: SKIP every NAME and exit unless the
# turnstile CLI can run the daemon and the seed policy exists.
world_test_need_turnstile() {
	local why="" n
	[ -f "$WORLD_POLICY" ] || why="no $WORLD_POLICY yet"
	for n in run down status stats explain; do
		world_ts_has "$n" || why="turnstile $n is not built yet ($TS_BIN)"
	done
	[ -z "$why" ] && return 0
	for n in "$@"; do ts_skip "$n" "$why"; done
	ts_exit
}

# world_test_start NAME [ARGS...]: turnstile run on the gateway, or FAIL.
world_test_start() {
	local name=$1; shift
	world_ts_start "$WORLD_POLICY" "$@" || { ts_fail "$name" "turnstile did not start"; ts_exit; }
}
