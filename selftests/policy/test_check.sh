#!/bin/bash
# `turnstile check`: the seed passes with the ShareFile warning, a typo is
# an error at file:line:col with exit 3, --json is one valid document.
. "$(dirname "$0")/../lib.sh"

seed=$TS_ROOT/policies/seed.policy

out=$("$TS_BIN" check "$seed" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "seed.policy:[0-9]*:[0-9]*: warning: conflicting directions for device-manager and sharefile: rule \"S1\" .* rule \"D3\""; then
	ts_pass check_seed_warns_sharefile
else
	ts_fail check_seed_warns_sharefile "exit $rc, output: $out"
fi
if echo "$out" | grep -q "ok: 7 components, 10 rules (16 directed)"; then
	ts_pass check_seed_summary
else
	ts_fail check_seed_summary "no summary line: $out"
fi

out=$("$TS_BIN" check "$TS_ROOT/policies/examples/site.policy" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "ok: 3 components, 3 rules (3 directed), 3 names (1 wildcard), 1 hosts, 5 prefixes.* 0 errors, 0 warnings"; then
	ts_pass check_example_with_feed
else
	ts_fail check_example_with_feed "exit $rc, output: $out"
fi

cat >"$TS_TMP/typo.policy" <<'POLICY'
component waf { acme.x.incapdns.net }
component device-manager { 203.0.113.10 }
rule "W3": waf <-> device-manger tcp/443
POLICY
out=$("$TS_BIN" check "$TS_TMP/typo.policy" 2>&1); rc=$?
if [ $rc -eq 3 ] && echo "$out" | grep -q "^$TS_TMP/typo.policy:3:20: error: unknown component 'device-manger'; did you mean 'device-manager'?"; then
	ts_pass check_typo_exit3_with_location
else
	ts_fail check_typo_exit3_with_location "exit $rc, output: $out"
fi

json=$("$TS_BIN" check --json "$seed" 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && echo "$json" | python3 -m json.tool >/dev/null &&
   echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = [x for x in d["findings"] if x["code"] == "conflicting-direction"]
assert d["ok"] and d["errors"] == 0 and len(f) == 1, d
assert f[0]["severity"] == "warning" and f[0]["line"] > 0 and f[0]["col"] == 1, f
assert d["summary"]["rules"] == 10 and d["summary"]["directed_rules"] == 16, d["summary"]
'; then
	ts_pass check_json_seed
else
	ts_fail check_json_seed "exit $rc, json: $json"
fi

json=$("$TS_BIN" check --json "$TS_TMP/typo.policy" 2>/dev/null); rc=$?
if [ $rc -eq 3 ] && echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
e = [x for x in d["findings"] if x["severity"] == "error"]
assert not d["ok"] and len(e) == 1, d
# a summary also when there are errors: the counts, nothing compiled
assert d["summary"]["errors"] == 1 and d["summary"]["compiled"] is False, d["summary"]
assert (e[0]["line"], e[0]["col"], e[0]["code"]) == (3, 20, "unknown-component"), e
'; then
	ts_pass check_json_errors
else
	ts_fail check_json_errors "exit $rc, json: $json"
fi

"$TS_BIN" check >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ts_pass check_usage_exit2 || ts_fail check_usage_exit2 "no policy: exit $rc"
"$TS_BIN" check --bogus "$seed" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ts_pass check_unknown_option_exit2 || ts_fail check_unknown_option_exit2 "exit $rc"
if "$TS_BIN" check --help | grep -q "usage: turnstile check \[OPTIONS\] POLICY"; then
	ts_pass check_help
else
	ts_fail check_help "no usage on --help"
fi
"$TS_BIN" check "$TS_TMP/missing.policy" >/dev/null 2>&1; rc=$?
[ $rc -eq 13 ] && ts_pass check_unreadable_exit13 || ts_fail check_unreadable_exit13 "exit $rc"

# --json is JSON whatever happens: a missing file is one error finding
json=$("$TS_BIN" check --json "$TS_TMP/missing.policy" 2>/dev/null); rc=$?
if [ $rc -eq 13 ] && echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert not d["ok"] and d["errors"] == 1 and d["summary"]["compiled"] is False, d
f = d["findings"]
assert len(f) == 1 and f[0]["code"] == "unreadable" and f[0]["severity"] == "error", f
assert "No such file" in f[0]["message"], f
'; then
	ts_pass check_json_missing_file
else
	ts_fail check_json_missing_file "exit $rc, json: $json"
fi

# no root needed: run as nobody when we are root
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	cp "$seed" "$TS_TMP/seed.policy" && chmod 0644 "$TS_TMP/seed.policy" && chmod 0755 "$TS_TMP"
	if setpriv --reuid=65534 --regid=65534 --clear-groups "$TS_BIN" check "$TS_TMP/seed.policy" >/dev/null 2>&1; then
		ts_pass check_without_root
	else
		ts_fail check_without_root "check failed as nobody"
	fi
else
	ts_skip check_without_root "needs root to drop to nobody"
fi
ts_exit
