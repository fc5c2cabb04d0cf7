# shellcheck shell=bash
# selftests/lib.sh - shared helpers for shell tests (source it).
#
# Results use selftests/run's protocol: ts_pass NAME, ts_fail NAME WHY,
# ts_skip NAME WHY. Everything a test creates is registered for cleanup,
# which runs on any exit (success, failure, signal):
#   ts_netns NAME            create a network namespace, deleted on exit
#   ts_bg NAME CMD...        start a background process, killed on exit
#   ts_on_exit CMD...        run CMD on exit (last registered runs first)
# Namespaces get a per-run prefix so parallel runs never collide.

TS_ROOT=${TS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-build}
TS_BIN=${TS_BIN:-$TS_ROOT/$BUILD/turnstile}
TS_NS_PREFIX=${TS_NS_PREFIX:-ts$$-}
TS_TMP=$(mktemp -d /tmp/turnstile-test.XXXXXX)
_ts_failed=0

ts_pass() { echo "PASS: $1"; }
ts_fail() { echo "FAIL: $1: ${2:-failed}"; _ts_failed=1; }
ts_skip() { echo "SKIP: $1: ${2:-skipped}"; }

# ts_check NAME CMD... : PASS if CMD succeeds, FAIL otherwise.
ts_check() {
	local name=$1; shift
	if "$@"; then ts_pass "$name"; else ts_fail "$name" "command failed: $*"; fi
}

# ts_expect_eq NAME GOT WANT : PASS if the two strings are equal.
ts_expect_eq() {
	if [ "$2" = "$3" ]; then ts_pass "$1"; else ts_fail "$1" "got '$2', want '$3'"; fi
}

# Cleanups are lines of a file, not a shell array, so the ones registered
# in a subshell (NS=$(ts_netns x)) run too; only the main shell runs them.
_ts_cleanup_file=$TS_TMP/.cleanups
_ts_main_pid=$$
ts_on_exit() { printf '%s\n' "$*" >>"$_ts_cleanup_file"; }

_ts_cleanup() {
	[ "$BASHPID" = "$_ts_main_pid" ] || return 0
	local cmds=() cmd
	[ -f "$_ts_cleanup_file" ] && mapfile -t cmds < <(tac "$_ts_cleanup_file")
	for cmd in "${cmds[@]}"; do
		eval "$cmd" </dev/null >/dev/null 2>&1 || true
	done
	rm -rf "$TS_TMP"
}

# Kill PID and every process below it (a function run with & is a subshell
# whose children would otherwise outlive it).
_ts_kill_tree() {
	local child
	for child in $(pgrep -P "$1"); do
		_ts_kill_tree "$child"
	done
	kill -9 "$1" 2>/dev/null
}
trap _ts_cleanup EXIT
trap 'exit 130' INT TERM

# Skip the whole file (exit 0) unless root.
ts_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		ts_skip "${1:-$(basename "$0")}" "needs root"
		exit 0
	fi
}

# ts_netns NAME: create namespace $TS_NS_PREFIX$NAME with loopback up; prints its name.
ts_netns() {
	local ns="$TS_NS_PREFIX$1"
	ip netns add "$ns" || return 1
	ts_on_exit "ip netns pids $ns | xargs -r kill -9; ip netns del $ns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# ts_nsexec NS CMD...: run in NS without remounting /sys (keeps bpffs visible).
ts_nsexec() {
	local ns=$1; shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# ts_bg NAME CMD...: run CMD in the background, killed on exit; pid in $TS_BG_PID.
ts_bg() {
	local name=$1; shift
	"$@" >"$TS_TMP/$name.log" 2>&1 &
	TS_BG_PID=$!
	ts_on_exit "_ts_kill_tree $TS_BG_PID"
}

# shellcheck source=../scripts/poll.sh
. "$TS_ROOT/scripts/poll.sh"
# ts_wait_for TIMEOUT_S CMD...: poll CMD every 50 ms until it succeeds.
ts_wait_for() { poll_until "$@"; }

# Exit status for the end of a test file.
ts_exit() { exit $_ts_failed; }
