#!/bin/bash
# `make install` / `make uninstall` with DESTDIR and PREFIX: every file
# where the FHS and the unit expect it; the admin's policy and settings
# installed only when absent (an edited one survives a second install)
# and kept by uninstall, which removes everything else.
. "$(dirname "$0")/../lib.sh"

R=$TS_TMP/root
mk() { make -s -C "$TS_ROOT" BUILD="$BUILD" "$@" DESTDIR="$R" 2>&1; }

if ! out=$(mk install); then
	ts_fail install "make install: $out"
	ts_exit
fi
missing=""
for f in usr/sbin/turnstile usr/share/man/man8/turnstile.8 lib/systemd/system/turnstile.service \
	 etc/turnstile/turnstile.policy etc/default/turnstile var/lib/turnstile \
	 usr/share/doc/turnstile/examples/seed.policy; do
	[ -e "$R/$f" ] || missing+=" $f"
done
if [ -f "$TS_ROOT/scripts/turnstile.bash-completion" ] &&
   [ ! -e "$R/usr/share/bash-completion/completions/turnstile" ]; then
	missing+=" bash-completion"
fi
if [ -z "$missing" ]; then ts_pass install_layout; else ts_fail install_layout "missing:$missing"; fi

if cmp -s "$R/etc/turnstile/turnstile.policy" "$TS_ROOT/policies/seed.policy" &&
   "$R/usr/sbin/turnstile" check "$R/etc/turnstile/turnstile.policy" >/dev/null 2>&1; then
	ts_pass install_policy_is_seed
else
	ts_fail install_policy_is_seed "/etc/turnstile/turnstile.policy is not the seed policy, or does not check"
fi

# The settings file parses as the EnvironmentFile= systemd reads (plain
# VAR=value lines) and names every variable the unit uses.
unit_vars=$(grep -o '\${\?TURNSTILE_[A-Z]*' "$R/lib/systemd/system/turnstile.service" | tr -d '${' | sort -u)
bad=""
for v in $unit_vars; do
	grep -q "^$v=" "$R/etc/default/turnstile" || bad+=" $v"
done
if [ -n "$unit_vars" ] && [ -z "$bad" ]; then
	ts_pass install_settings_vars
else
	ts_fail install_settings_vars "/etc/default/turnstile lacks:$bad"
fi

# An admin's edits survive a second install.
echo "# edited by the admin" >>"$R/etc/turnstile/turnstile.policy"
echo 'TURNSTILE_INTERFACES="-i eth9"' >>"$R/etc/default/turnstile"
mk install >/dev/null
if grep -q 'edited by the admin' "$R/etc/turnstile/turnstile.policy" &&
   grep -q 'eth9' "$R/etc/default/turnstile"; then
	ts_pass install_keeps_admin_files
else
	ts_fail install_keeps_admin_files "a second make install overwrote /etc/turnstile or /etc/default"
fi

# PREFIX moves the program, not /etc; the unit runs the binary where it is.
P=$TS_TMP/prefix
if make -s -C "$TS_ROOT" BUILD="$BUILD" install DESTDIR="$P" PREFIX=/usr/local >/dev/null 2>&1 &&
   [ -x "$P/usr/local/sbin/turnstile" ] && [ -e "$P/etc/turnstile/turnstile.policy" ] &&
   grep -q '^ExecStart=/usr/local/sbin/turnstile run' "$P/lib/systemd/system/turnstile.service"; then
	ts_pass install_prefix
else
	ts_fail install_prefix "PREFIX=/usr/local: binary, /etc or the unit's ExecStart not where expected"
fi
# the unit generated for /usr/local must not be left for the next install
make -s -C "$TS_ROOT" BUILD="$BUILD" install DESTDIR="$P" >/dev/null 2>&1
if grep -q '^ExecStart=/usr/sbin/turnstile run' "$P/lib/systemd/system/turnstile.service"; then
	ts_pass install_prefix_regenerates_unit
else
	ts_fail install_prefix_regenerates_unit "the unit kept /usr/local after an install with PREFIX=/usr"
fi

out=$(mk uninstall)
left=$(cd "$R" && find . -type f | sort | tr '\n' ' ')
want="./etc/default/turnstile ./etc/turnstile/turnstile.policy "
if [ "$left" = "$want" ] && echo "$out" | grep -q 'kept.*turnstile.policy'; then
	ts_pass uninstall_keeps_only_admin_files
else
	ts_fail uninstall_keeps_only_admin_files "left: $left; said: $out"
fi
ts_exit
