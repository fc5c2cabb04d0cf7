#!/bin/bash
# demo.sh - `make demo`: the seed deployment in network namespaces, enforced
# by turnstile running policies/seed.policy on the gateway; every host opens
# TLS to every other host on 443 over IPv4 and IPv6, and the outcome is
# printed per seed pair (who may open, expected and observed, counters) and
# as a full matrix. Then everything is torn down, also on failure or Ctrl-C.
#
# Needs root. Runs in a private mount namespace with its own bpffs and
# /run/netns, so turnstile's pins and the namespaces die with the demo; the
# only host paths it writes are /etc/netns/<prefix>* (removed on exit).
#
# Exit status: 0 when every cell is as the seed table says (the rows'
# directions, scripts/world/plan.sh), and `turnstile explain` says the same.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) TS_BIN=$BUILD/turnstile ;; *) TS_BIN=$ROOT/$BUILD/turnstile ;; esac
POLICY=policies/seed.policy
cd "$ROOT" || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, XDP)" >&2
	exit 1
fi
for tool in ip nsenter unshare dnsmasq openssl curl jq; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing" >&2; exit 1; }
done

# Re-enter in a private mount namespace (fresh bpffs, private /run/netns).
if [ -z "${TS_DEMO_INSIDE:-}" ]; then
	if [ ! -x "$TS_BIN" ]; then
		make -C "$ROOT" --no-print-directory BUILD="$BUILD" all || exit 1
	fi
	TS_DEMO_INSIDE=1 exec unshare --mount --propagation private -- bash -c \
		'mount -t bpf bpf /sys/fs/bpf && mkdir -p /run/netns &&
		 mount -t tmpfs tmpfs /run/netns && exec "$0" "$@"' "$0" "$@"
fi

export TS_BIN
WORLD_PREFIX=tsdemo$$-
# shellcheck source=world/world.sh
. "$ROOT/scripts/world/world.sh"
# shellcheck source=world/turnstile.sh
. "$ROOT/scripts/world/turnstile.sh"
# shellcheck source=world/report.sh
. "$ROOT/scripts/world/report.sh"

teardown() {
	trap - EXIT INT TERM
	echo
	echo "== teardown"
	world_ts_stop
	local dir=$WORLD_DIR
	world_down
	world_report_leftovers "$WORLD_PREFIX" "$dir" || exit 1
}
trap teardown EXIT
trap 'echo "demo: interrupted"; exit 130' INT TERM

echo "== the seed world: 7 components, a rogue host, dnsmasq, a site router, one gateway"
world_up || { echo "demo: the world did not come up" >&2; exit 1; }
world_report_topology

echo
echo "== turnstile check $POLICY"
"$TS_BIN" check "$POLICY"

echo
echo "== turnstile run: XDP on every gateway NIC, resolvers $WORLD_RESOLVER4 $WORLD_RESOLVER6"
world_ts_start "$POLICY" || exit 1
world_ts_cli status --json | jq -r '"   mode \(.mode), generation \(.generation), NICs: \([.interfaces[] | "\(.name) (\(.xdp_mode))"] | join(" "))"'

echo
echo "== expected: the seed table's rows; \`turnstile explain SRC DST tcp/443\` for each of the 112 cells"
world_ts_verdicts "$WORLD_DIR/verdicts"

echo "== observed: every host opens TLS to every other host on 443 (curl, 2 s timeout)"
world_matrix "$WORLD_DIR/observed"
world_ts_cli stats --json >"$WORLD_DIR/stats.json"

echo
world_report_pairs "$WORLD_DIR/verdicts" "$WORLD_DIR/observed" "$WORLD_DIR/stats.json"
echo
world_report_grid "$WORLD_DIR/verdicts" "$WORLD_DIR/observed"
echo
echo "== turnstile stats"
world_ts_cli stats
echo
world_report_summary "$WORLD_DIR/verdicts" "$WORLD_DIR/observed"
