#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh - the kernel matrix: Debian kernels fetched by package name.
#
#   kernels.sh list          the names of the matrix, default first
#   kernels.sh env NAME      fetch NAME if needed, then print shell
#                            assignments: KNAME KVER KVERSION KDIR VMLINUZ
#                            KMODDIR KCHROOT KAPPEND (kernel command line
#                            the guest needs); NAME "debug" is the debug
#                            kernel that selftests/vm/debug-kernel.sh builds
#   kernels.sh run NAME CMD  run CMD in NAME's build environment (its
#                            chroot, with /proc and the clone mounted)
#   kernels.sh deb NAME PKG  download PKG from NAME's suites (once) and
#                            print the path of the .deb
#
# Every kernel comes from Debian's archive through a private apt
# configuration under build/apt/NAME (its own sources list and state; the
# machine's apt sources are never touched).  Packages are fetched with
# "apt-get download" into $TCPFSM_CACHE/debs and unpacked with "dpkg -x"
# into $TCPFSM_CACHE/kernels/ABI: nothing is installed into /boot.  A
# kernel whose build tools want another release (5.10: gcc-10 and
# libssl1.1; sid: gcc-16) is built in a debootstrap chroot of that
# release, $TCPFSM_CACHE/chroots/SUITE, with its headers installed there.
# Everything is keyed by package version, so a second run fetches nothing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/archive.sh"

# name: apt suites, headers flavour, chroot release ("-": the host's)
matrix() {
	cat <<-'EOF'
	6.1 bookworm,bookworm-updates,bookworm-security cloud-amd64 -
	5.10 bullseye-security cloud-amd64 bullseye
	6.12 bookworm-backports cloud-amd64 -
	6.12-rt bookworm-backports rt-amd64 -
	newest sid cloud-amd64 sid
	EOF
}

die() {
	echo "kernels.sh: $*" >&2
	exit 1
}

say() {
	echo "kernels.sh: $*" >&2
}

# Look NAME up in the matrix: sets suites, flavour, release.
lookup() {
	line=$(matrix | awk -v n="$1" '$1 == n')
	[ -n "$line" ] || die "unknown kernel '$1' (known: $(matrix | cut -d' ' -f1 | tr '\n' ' '))"
	# shellcheck disable=SC2086
	set -- $line
	suites=$(echo "$2" | tr ',' ' ')
	flavour=$3
	release=$4
}

# The private apt configuration of NAME, updated at most every 6 hours.
apt_setup() {
	aptdir=$top/build/apt/$1
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
		"$aptdir/state" "$aptdir/etc/preferences.d" "$aptdir/etc/sources.list.d"
	: > "$aptdir/sources.list"
	for s in $suites; do
		case $s in
		*-security) url=$security ;;
		*) url=$mirror ;;
		esac
		echo "deb [signed-by=$keyring] $url $s main" >> "$aptdir/sources.list"
	done
	set -- -o Dir::Etc::sourcelist="$aptdir/sources.list" \
		-o Dir::Etc::sourceparts="$aptdir/etc/sources.list.d" \
		-o Dir::Etc::preferencesparts="$aptdir/etc/preferences.d" \
		-o Dir::Etc::preferences="$aptdir/etc/preferences" \
		-o Dir::State="$aptdir/state" -o Dir::State::Lists="$aptdir/lists" \
		-o Dir::State::status="$aptdir/state/status" \
		-o Dir::Cache="$aptdir/cache" -o APT::Architecture=amd64 \
		-o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root -q
	aptopts="$*"
	touch "$aptdir/state/status"
	if [ -z "$(find "$aptdir/lists" -name '*Packages*' -mmin -360 2>/dev/null | head -n 1)" ]; then
		say "updating the package lists of $suites"
		# shellcheck disable=SC2086
		apt-get $aptopts update >/dev/null || die "apt-get update failed for $suites"
	fi
}

# The candidate version of a package, empty if the suites do not have it.
candidate() {
	# shellcheck disable=SC2086
	apt-cache $aptopts show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1
}

# The packages a package depends on, one per line, alternatives split.
depends() {
	# shellcheck disable=SC2086
	apt-cache $aptopts show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',|' '\n\n' |
		sed 's/^ *//; s/ .*//' | sed '/^$/d'
}

# Resolve the newest kernel of NAME: sets abi, version, header_pkgs.
resolve() {
	meta=linux-headers-$flavour
	abi=$(depends "$meta" | sed -n 's/^linux-headers-//p' | head -n 1)
	[ -n "$abi" ] || die "$meta not found in $suites"
	version=$(candidate "linux-headers-$abi")
	# The headers and what they need of the kernel's own packages.
	header_pkgs=""
	todo="linux-headers-$abi"
	while [ -n "$todo" ]; do
		set -- $todo
		p=$1
		shift
		todo="$*"
		case " $header_pkgs " in *" $p "*) continue ;; esac
		header_pkgs="$header_pkgs $p"
		for d in $(depends "$p"); do
			case $d in
			linux-headers-*|linux-kbuild-*) todo="$todo $d" ;;
			esac
		done
	done
}

# The .deb of a package in the cache, downloaded once per version; its path
# is left in $deb.  Fails (without exiting) if the archive does not serve it.
download() {
	v=$(candidate "$1")
	[ -n "$v" ] || return 1
	pattern="$cache/debs/${1}_$(echo "$v" | sed 's/:/%3a/')_*.deb"
	deb=$(ls $pattern 2>/dev/null | head -n 1 || true)
	[ -n "$deb" ] && return 0
	mkdir -p "$cache/debs"
	say "downloading $1 $v"
	# shellcheck disable=SC2086
	(cd "$cache/debs" && apt-get $aptopts download "$1=$v" >/dev/null 2>&1) ||
		return 1
	deb=$(ls $pattern 2>/dev/null | head -n 1 || true)
	[ -n "$deb" ]
}

# The image: the unsigned kernel where the archive serves it, else the
# signed one (the same kernel); since 7.x the modules come apart.  Sets
# image_debs.
image_debs() {
	image_debs=""
	for p in "linux-image-$abi-unsigned" "linux-binary-unsigned-$abi" \
		"linux-image-$abi" "linux-binary-$abi"; do
		if download "$p"; then
			image_debs=$deb
			break
		fi
	done
	[ -n "$image_debs" ] || die "no kernel image of $abi could be downloaded from $suites"
	if [ -n "$(candidate "linux-modules-$abi")" ]; then
		download "linux-modules-$abi" || die "cannot download linux-modules-$abi"
		image_debs="$image_debs $deb"
	fi
}

# Unpack .debs into a directory, once.
unpack() {
	dir=$1
	shift
	[ -e "$dir/.unpacked" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in "$@"; do
		dpkg -x "$f" "$dir" || die "dpkg -x $f failed"
	done
	touch "$dir/.unpacked"
}

# A debootstrap chroot of RELEASE with the kernel's headers installed by
# apt inside it, so that its own compiler and libraries come along.
chroot_setup() {
	root=$cache/chroots/$release
	if [ ! -e "$root/.tcpfsm-ready" ]; then
		command -v debootstrap >/dev/null || die "debootstrap is not installed"
		say "creating a $release chroot in $root (about a minute)"
		rm -rf "$root"
		mkdir -p "$root"
		debootstrap --variant=minbase --keyring="$keyring" "$release" \
			"$root" "$mirror" > "$cache/chroots/$release.log" 2>&1 ||
			die "debootstrap $release failed (see $cache/chroots/$release.log)"
		: > "$root/etc/apt/sources.list"
		for s in $suites; do
			case $s in
			*-security) echo "deb $security $s main" ;;
			*) echo "deb $mirror $s main" ;;
			esac >> "$root/etc/apt/sources.list"
		done
		case " $suites " in
		*" $release "*) ;;
		*) echo "deb $mirror $release main" >> "$root/etc/apt/sources.list" ;;
		esac
		echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99tcpfsm"
		touch "$root/.tcpfsm-ready"
	fi
	if [ ! -e "$root/usr/src/linux-headers-$abi/.tcpfsm-installed" ]; then
		say "installing linux-headers-$abi $version in the $release chroot"
		in_chroot "$root" sh -c "
			export DEBIAN_FRONTEND=noninteractive
			apt-get -q update >/dev/null &&
			apt-get -q install -y --no-install-recommends \
				linux-headers-$abi=$version make sparse >/dev/null" ||
			die "cannot install linux-headers-$abi in the $release chroot"
		touch "$root/usr/src/linux-headers-$abi/.tcpfsm-installed"
	fi
}

# Run a command in a chroot with /proc, /dev and the clone mounted; the
# clone keeps its path, so build logs name the same files inside and out.
in_chroot() {
	root=$1
	shift
	mounted=""
	cleanup() {
		for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
	}
	trap cleanup EXIT INT TERM
	mkdir -p "$root/proc" "$root/dev" "$root$top"
	mount -t proc proc "$root/proc" && mounted="$root/proc $mounted"
	mount --bind /dev "$root/dev" && mounted="$root/dev $mounted"
	mount --bind "$top" "$root$top" && mounted="$root$top $mounted"
	status=0
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 "$@" || status=$?
	cleanup
	mounted=""
	trap - EXIT INT TERM
	return $status
}

# Fetch NAME and set: kver kdir vmlinuz kmoddir kchroot.
fetch() {
	lookup "$1"
	apt_setup "$1"
	resolve
	kroot=$cache/kernels/$abi-$version
	if [ ! -e "$kroot/.unpacked" ]; then
		image_debs
		unpack "$kroot" $image_debs
	fi
	kmoddir=$kroot/lib/modules/$abi
	[ -d "$kmoddir" ] || kmoddir=$kroot/usr/lib/modules/$abi
	[ -d "$kmoddir" ] || die "no modules directory for $abi"
	# What a package's installation would have generated.
	if [ ! -e "$kmoddir/modules.dep" ]; then
		depmod -b "${kmoddir%/lib/modules/*}" "$abi" ||
			die "depmod failed for $kmoddir"
	fi
	vmlinuz=$kroot/boot/vmlinuz-$abi
	[ -r "$vmlinuz" ] || vmlinuz=$(ls "$kmoddir"/vmlinuz* 2>/dev/null | head -n 1)
	[ -r "$vmlinuz" ] || die "no kernel image for $abi"
	if [ "$release" = - ]; then
		hroot=$cache/kernels/headers-$abi-$version
		if [ ! -e "$hroot/.unpacked" ]; then
			debs=""
			for p in $header_pkgs; do
				download "$p" || die "cannot download $p"
				debs="$debs $deb"
			done
			unpack "$hroot" $debs
		fi
		kdir=$hroot/usr/src/linux-headers-$abi
		# The flavour's Makefile includes the common one by its
		# installed path: point it at the unpacked one.
		sed -i "s|^include /usr/src/|include $hroot/usr/src/|" "$kdir/Makefile"
		kchroot=""
	else
		chroot_setup
		kdir=/usr/src/linux-headers-$abi
		kchroot=$root
	fi
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		"${kchroot}$kdir/include/generated/utsrelease.h")
	[ -n "$kver" ] || die "cannot read the release of $kdir"
}

cmd=${1:-}
case $cmd in
list)
	matrix | cut -d' ' -f1
	;;
env)
	[ $# = 2 ] || die "usage: kernels.sh env NAME"
	[ "$2" = debug ] && exec "$here/debug-kernel.sh" env
	fetch "$2"
	echo "KNAME='$2'"
	echo "KVER='$kver'"
	echo "KVERSION='$version'"
	echo "KDIR='$kdir'"
	echo "VMLINUZ='$vmlinuz'"
	echo "KMODDIR='$kmoddir'"
	echo "KCHROOT='$kchroot'"
	# Under TCG the RT kernel's threaded serial IRQ looks stuck to the
	# spurious-IRQ detector, which disables it: the console goes quiet.
	case $flavour in
	rt-*) echo "KAPPEND='noirqdebug'" ;;
	*) echo "KAPPEND=''" ;;
	esac
	;;
deb)
	[ $# = 3 ] || die "usage: kernels.sh deb NAME PKG"
	lookup "$2"
	apt_setup "$2"
	download "$3" || die "cannot download $3 from $suites"
	echo "$deb"
	;;
run)
	[ $# -ge 3 ] || die "usage: kernels.sh run NAME CMD..."
	name=$2
	shift 2
	[ "$name" = debug ] && exec "$@"
	lookup "$name"
	if [ "$release" = - ]; then
		exec "$@"
	fi
	in_chroot "$cache/chroots/$release" "$@"
	;;
*)
	echo "usage: kernels.sh list | env NAME | run NAME CMD... | deb NAME PKG" >&2
	exit 2
	;;
esac
