#!/bin/bash
# build.sh BUILD VERSION [OUT] - the Debian binary package from a staged
# tree: `make install-files` (from BUILD) into OUT/deb/root, the Debian files beside it
# (stripped binary, gzipped man page and changelog, copyright, maintainer
# scripts, conffiles, md5sums), then dpkg-deb into OUT (default BUILD).
# Prints the .deb's path.
# Run by `make deb`, after the binary and the man page are built.
set -euo pipefail
build=${1:?usage: build.sh BUILD VERSION [OUT]}
version=${2:?usage: build.sh BUILD VERSION [OUT]}
out=${3:-$build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
arch=$(dpkg --print-architecture)
work=$out/deb
root=$work/root
doc=$root/usr/share/doc/turnstile

rm -rf "$work"
mkdir -p "$root"
make -s -C "$top" BUILD="$build" install-files DESTDIR="$(cd "$root" && pwd)" PREFIX=/usr
# postinst creates it (mode 0700): a directory shipped would be dpkg's to remove
rmdir "$root/var/lib/turnstile" "$root/var/lib" "$root/var"

strip --remove-section=.comment --remove-section=.note --strip-unneeded "$root/usr/sbin/turnstile"
gzip -9n "$root/usr/share/man/man8/turnstile.8"
install -m 0644 "$here/copyright" "$here/README.Debian" "$doc/"
# one changelog entry for this version (changelog.gz: a native package), dated by the last commit
date=$(date -R -u -d "@$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)")
printf 'turnstile (%s) unstable; urgency=medium\n\n  * Built from the turnstile tree at %s.\n\n -- turnstile maintainers <turnstile@example.org>  %s\n' \
	"$version" "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$date" \
	| gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# Depends from the libraries the binary links (dpkg-shlibdeps wants a
# debian/control beside it: give it a minimal one in the work dir)
mkdir -p "$work/debian"
printf 'Source: turnstile\n\nPackage: turnstile\nArchitecture: any\n' >"$work/debian/control"
deps=$(cd "$work" && dpkg-shlibdeps -O root/usr/sbin/turnstile 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$deps" ] || { echo "build.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$deps|" \
	"$here/control.in" >"$root/DEBIAN/control"
install -m 0644 "$here/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' \
	| sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

deb=$out/turnstile_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
