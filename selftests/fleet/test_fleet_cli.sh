#!/bin/bash
# The fleet's command line: --etcd and --fleet go together and replace
# POLICY, names and URLs are checked before anything starts, and an etcd
# that cannot be reached is a clear failure of `fleet status` (no etcd
# needed here).
. "$(dirname "$0")/../lib.sh"

in_ns=(env) # the command prefix: a namespace for the last case
# usage CASE WANT_STATUS WANT_TEXT ARGS...: turnstile ARGS exits WANT_STATUS saying WANT_TEXT.
usage() {
	local name=$1 want=$2 text=$3 out rc
	shift 3
	out=$("${in_ns[@]}" "$TS_BIN" "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$text" <<<"$out"; then
		ts_pass "$name"
	else
		ts_fail "$name" "exit $rc, want $want saying '$text': $out"
	fi
}
usage fleet_without_etcd 2 "go together" run -i lo --fleet f
usage etcd_without_fleet 2 "go together" run -i lo --etcd https://192.0.2.1:2379
usage fleet_and_policy 2 "no POLICY argument" run -i lo --fleet f --etcd https://192.0.2.1:2379 p.policy
usage fleet_name_checked 2 "1 to 63 bytes" run -i lo --fleet 'F/x' --etcd https://192.0.2.1:2379
usage gateway_name_checked 2 "1 to 63 bytes" run -i lo --fleet f --fleet-gateway .. --etcd https://192.0.2.1:2379
usage url_checked 2 "not an http:// or https:// URL" fleet status --fleet f --etcd ftp://192.0.2.1
usage user_needs_password 2 "needs --etcd-password-file" fleet status --fleet f --etcd https://192.0.2.1:2379 --etcd-user gw1
usage status_needs_etcd 2 "needs --etcd and --fleet" fleet status --fleet f
usage unknown_subcommand 2 "only: status" fleet list --fleet f --etcd https://192.0.2.1:2379
# nothing listens on port 1 of a private namespace's loopback: refused at once
if [ "$(id -u)" = 0 ] && NS=$(ts_netns cli); then
	in_ns=(nsenter --net="/run/netns/$NS" --)
	usage etcd_unreachable 1 "cannot read etcd: http://127.0.0.1:1" fleet status --fleet f --etcd http://127.0.0.1:1
else
	ts_skip etcd_unreachable "needs root for a network namespace"
fi
ts_exit
