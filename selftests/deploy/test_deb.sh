#!/bin/bash
# `make deb`: lintian reports no error and no warning; install, upgrade to
# a higher version, remove and purge in a throwaway root (the host's own
# root behind an overlay, selftests/deploy/rootfs.sh), never on the host.
# An edited conffile survives the upgrade and the remove; purge takes it.
. "$(dirname "$0")/rootfs.sh"
deploy_private_mounts "$0" "$@"
. "$(dirname "$0")/../lib.sh"
ts_require_root

for tool in dpkg-deb dpkg-shlibdeps lintian; do
	command -v $tool >/dev/null || { ts_skip deb "$tool missing (scripts/install-deps.sh)"; exit 0; }
done

out=$TS_TMP/debs
mkdir -p "$out"
v1=$(deploy_build_deb 0.1.0 "$out/v1")
v2=$(deploy_build_deb 0.1.1 "$out/v2")
if [ ! -f "$v1" ] || [ ! -f "$v2" ]; then
	ts_fail deb_build "make deb: $v1 $v2"
	ts_exit
fi
ts_pass deb_build

# lintian: errors, warnings and a missing hardening flag fail; the other
# informational tags are listed and justified in docs/deploy.md.
lint=$(lintian -I "$v1" 2>/dev/null)
if echo "$lint" | grep -qE '^[EW]: |hardening-'; then
	ts_fail deb_lintian "$(echo "$lint" | grep -E '^[EW]: |hardening-' | tr '\n' ';')"
else
	ts_pass deb_lintian
fi

R=$TS_TMP/root
if ! deploy_rootfs "$R"; then
	ts_fail deb_rootfs "cannot mount the overlay root"
	ts_exit
fi
cp "$v1" "$R/root/v1.deb"
cp "$v2" "$R/root/v2.deb"
in_root() { deploy_chroot "$R" "$@"; }
pkg_version() { in_root dpkg-query -W -f='${Version} ${Status}' turnstile 2>/dev/null; }

# install
if ! log=$(in_root dpkg -i /root/v1.deb 2>&1); then
	ts_fail deb_install "dpkg -i: $log"
	ts_exit
fi
bad=""
[ "$(pkg_version)" = "0.1.0 install ok installed" ] || bad+=" status '$(pkg_version)'"
[ -x "$R/usr/sbin/turnstile" ] || bad+=" binary"
[ -f "$R/lib/systemd/system/turnstile.service" ] || bad+=" unit"
[ -f "$R/usr/share/man/man8/turnstile.8.gz" ] || bad+=" man"
cmp -s "$R/etc/turnstile/turnstile.policy" "$TS_ROOT/policies/seed.policy" || bad+=" policy"
[ -f "$R/etc/default/turnstile" ] || bad+=" settings"
in_root getent group turnstile >/dev/null || bad+=" group"
[ "$(stat -c %a "$R/var/lib/turnstile" 2>/dev/null)" = 700 ] || bad+=" /var/lib/turnstile"
conff=$(in_root dpkg-query -W -f='${Conffiles}' turnstile)
for f in /etc/turnstile/turnstile.policy /etc/default/turnstile; do
	echo "$conff" | grep -q " $f " || bad+=" conffile $f"
done
# installed, not enabled: no unit link anywhere under /etc/systemd
[ -z "$(find "$R/etc/systemd" -name turnstile.service 2>/dev/null)" ] || bad+=" enabled"
if [ -z "$bad" ]; then ts_pass deb_install; else ts_fail deb_install "wrong:$bad"; fi
if in_root turnstile check /etc/turnstile/turnstile.policy >/dev/null 2>&1; then
	ts_pass deb_installed_binary_runs
else
	ts_fail deb_installed_binary_runs "turnstile check of the installed policy failed"
fi

# upgrade: the admin's edits to both conffiles survive
echo "# edited by the admin" >>"$R/etc/turnstile/turnstile.policy"
sed -i 's/^TURNSTILE_INTERFACES=.*/TURNSTILE_INTERFACES="-i eth7"/' "$R/etc/default/turnstile"
if ! log=$(in_root dpkg -i /root/v2.deb 2>&1); then
	ts_fail deb_upgrade "dpkg -i v2: $log"
elif [ "$(pkg_version)" != "0.1.1 install ok installed" ]; then
	ts_fail deb_upgrade "after upgrade: '$(pkg_version)'"
elif ! grep -q 'edited by the admin' "$R/etc/turnstile/turnstile.policy" ||
     ! grep -q 'eth7' "$R/etc/default/turnstile"; then
	ts_fail deb_upgrade "an edited conffile was replaced"
else
	ts_pass deb_upgrade_keeps_conffiles
fi

# remove: program gone, the admin's files and state stay
in_root dpkg -r turnstile >/dev/null 2>&1
if [ ! -e "$R/usr/sbin/turnstile" ] && [ ! -e "$R/lib/systemd/system/turnstile.service" ] &&
   grep -q 'edited by the admin' "$R/etc/turnstile/turnstile.policy" && [ -d "$R/var/lib/turnstile" ] &&
   [ "$(pkg_version)" = "0.1.1 deinstall ok config-files" ]; then
	ts_pass deb_remove
else
	ts_fail deb_remove "after dpkg -r: status '$(pkg_version)', files: $(ls "$R/usr/sbin/turnstile" "$R/etc/turnstile" 2>&1 | tr '\n' ' ')"
fi

# purge: nothing of turnstile left but its group
in_root dpkg --purge turnstile >/dev/null 2>&1
if [ ! -e "$R/etc/turnstile" ] && [ ! -e "$R/etc/default/turnstile" ] && [ ! -e "$R/var/lib/turnstile" ] &&
   [ -z "$(pkg_version)" ]; then
	ts_pass deb_purge
else
	ts_fail deb_purge "left: $(ls -d "$R/etc/turnstile" "$R/etc/default/turnstile" "$R/var/lib/turnstile" 2>/dev/null | tr '\n' ' ') status '$(pkg_version)'"
fi
ts_exit
