#!/bin/bash
# The systemd unit as `make install` puts it into a root: `systemd-analyze
# verify` has nothing to say about it. An unquoted Environment= that
# systemd ignores, a missing executable, a bad directive: each prints.
# (That the unit really starts, reloads and stops: test_service.sh, under
# a booted systemd.)
. "$(dirname "$0")/../lib.sh"

if ! command -v systemd-analyze >/dev/null; then
	ts_skip unit_verify "systemd-analyze missing"
	exit 0
fi

R=$TS_TMP/root
if ! out=$(make -s -C "$TS_ROOT" BUILD="$BUILD" install DESTDIR="$R" 2>&1); then
	ts_fail unit_install "make install: $out"
	ts_exit
fi
unit=$R/lib/systemd/system/turnstile.service

# verify resolves the units ours names (targets) and the executables it
# runs inside the root: give it the host's systemd units.
mkdir -p "$R/usr/lib/systemd/system"
cp -a /usr/lib/systemd/system/. "$R/usr/lib/systemd/system/"

out=$(systemd-analyze verify --man=no --root="$R" turnstile.service 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	ts_pass unit_verify_clean
else
	ts_fail unit_verify_clean "systemd-analyze verify (status $rc): $out"
fi

ts_exit
