# shellcheck shell=bash
# selftests/deploy/rootfs.sh - a throwaway Debian root for the package and
# service tests (source it after lib.sh): this machine's own root, seen
# through an overlay whose writes go to a tmpfs. dpkg, adduser and systemd
# are the host's; whatever the test installs, edits or removes dies with
# the tmpfs. No debootstrap, no download.
#
# Must run in a private mount namespace (deploy_private_mounts below).

# deploy_private_mounts "$0" "$@": first thing in a test, before lib.sh:
# re-runs the test in its own mount namespace, so its mounts never reach
# the host's, whoever runs it.
deploy_private_mounts() {
	[ -n "${TS_DEPLOY_PRIVATE:-}" ] && return 0
	[ "$(id -u)" = 0 ] || return 0
	TS_DEPLOY_PRIVATE=1 exec unshare --mount --propagation private -- "$@"
}

# deploy_rootfs DIR: DIR becomes the overlay root; prints nothing. The
# upper layer is a tmpfs of its own mounted at DIR.layers.
deploy_rootfs() {
	local dir=$1 layers=$1.layers
	mkdir -p "$dir" "$layers" || return 1
	mount -t tmpfs -o mode=0755 tmpfs "$layers" || return 1
	ts_on_exit "umount -l '$layers'"
	mkdir -p "$layers/up" "$layers/work" || return 1
	mount -t overlay overlay -o "lowerdir=/,upperdir=$layers/up,workdir=$layers/work" "$dir" || return 1
	ts_on_exit "umount -l '$dir'"
	# the host's identity and the test tree are not the container's
	rm -f "$dir/etc/machine-id"
	return 0
}

# deploy_chroot DIR CMD...: CMD inside DIR with /proc, /dev and /tmp of its
# own (a tmpfs /dev with the few nodes dpkg uses, never a bind of the
# host's: the cleanup's rm -rf must not reach it).
deploy_chroot() {
	local dir=$1; shift
	if ! mountpoint -q "$dir/proc"; then
		mount -t proc proc "$dir/proc" && ts_on_exit "umount -l '$dir/proc'"
		mount -t tmpfs -o mode=0755 tmpfs "$dir/dev" && ts_on_exit "umount -l '$dir/dev'"
		mknod -m 0666 "$dir/dev/null" c 1 3
		mknod -m 0666 "$dir/dev/zero" c 1 5
		mknod -m 0666 "$dir/dev/urandom" c 1 9
		mount -t tmpfs tmpfs "$dir/tmp" && ts_on_exit "umount -l '$dir/tmp'"
	fi
	chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"
}

# deploy_build_deb VERSION OUT: `make deb` of this tree; prints the .deb path.
deploy_build_deb() {
	make -s -C "$TS_ROOT" BUILD="$BUILD" deb DEB_VERSION="$1" DEB_OUT="$2" 2>&1 | tail -n 1
}
