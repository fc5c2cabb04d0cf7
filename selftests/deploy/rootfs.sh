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
	# the host's identity is not the container's; and this machine's
	# policy-rc.d (services never start on the build host) is not a
	# gateway's: without it the maintainer scripts act as on a real one
	rm -f "$dir/etc/machine-id" "$dir/usr/sbin/policy-rc.d"
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

# deploy_boot DIR NETNS: boots DIR's systemd with systemd-nspawn (no
# machined: not registered, run in the caller's cgroup) inside network
# namespace NETNS, with every capability, the bpf() system call (nspawn's
# seccomp filter refuses it to the container's services otherwise) and the
# caller's bpffs on /sys/fs/bpf; only basic.target is started (the host's
# own services stay off). Sets DEPLOY_INIT to the container's PID 1 (as
# seen from here) and returns once the manager is up, or 1 after 60 s.
# Powered off on exit.
deploy_boot() {
	local dir=$1 netns=$2 i state
	ts_bg nspawn systemd-nspawn -q --directory="$dir" --boot --register=no --keep-unit \
		--link-journal=no --console=passive --capability=all --system-call-filter=bpf \
		--network-namespace-path="/run/netns/$netns" --bind=/sys/fs/bpf \
		--machine="ts-deploy-$$" -- systemd.unit=basic.target
	DEPLOY_NSPAWN=$TS_BG_PID
	DEPLOY_INIT=""
	for i in $(seq 1 100); do
		DEPLOY_INIT=$(pgrep -P "$DEPLOY_NSPAWN" -x systemd) && break
		sleep 0.1
	done
	[ -n "$DEPLOY_INIT" ] || return 1
	ts_on_exit "nsenter -t $DEPLOY_INIT -a systemctl poweroff; timeout 20 tail --pid=$DEPLOY_NSPAWN -f /dev/null"
	for i in $(seq 1 300); do
		state=$(in_container systemctl is-system-running 2>/dev/null)
		case "$state" in running|degraded) return 0 ;; esac
		sleep 0.2
	done
	return 1
}

# in_container CMD...: CMD in the booted container (all its namespaces).
in_container() { nsenter -t "$DEPLOY_INIT" -a -- "$@"; }
