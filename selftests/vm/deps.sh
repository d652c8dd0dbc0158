#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [check|matrix|debug|pkg|demo|bench] - install what the tests, the
# kernel matrix, the debug kernel, the demo or the benchmark need, from Debian's archive, when it
# is missing.  Guest kernels are not installed here: selftests/vm/kernels.sh
# fetches them by package name into its own cache.
#
# Each need is "test:package": the test (a command name, or a path that
# must exist) decides whether the package is already there.  As root the
# missing packages are installed with apt-get; otherwise the exact command
# to run is printed and the script fails.
set -eu

purpose=${1:-check}

needs="
gcc:gcc
make:make
perl:perl
xz:xz-utils
cpio:cpio
qemu-system-x86_64:qemu-system-x86
/bin/busybox:busybox-static
/usr/src/linux-source-6.1.tar.xz:linux-source-6.1
sparse:sparse
python3:python3
dpkg-deb:dpkg
apt-get:apt
/usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
depmod:kmod
"

case $purpose in
check)
	needs="$needs
clang:clang
/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev
promtool:prometheus
dot:graphviz
groff:groff-base
mandoc:mandoc
strace:strace
setpriv:util-linux
script:bsdutils
"
	;;
matrix)
	needs="$needs
debootstrap:debootstrap
pahole:dwarves
"
	;;
debug)
	# What the debug kernel's build runs (debug-kernel.sh).
	needs="$needs
bc:bc
bison:bison
flex:flex
/usr/include/libelf.h:libelf-dev
"
	;;
demo)
	needs="$needs
dot:graphviz
"
	;;
pkg)
	needs="$needs
dpkg-buildpackage:dpkg-dev
dh:debhelper
/usr/share/perl5/Debian/Debhelper/Sequence/dkms.pm:dh-dkms
lintian:lintian
debootstrap:debootstrap
systemd-analyze:systemd
"
	;;
bench)
	needs="$needs
valgrind:valgrind
bpftrace:bpftrace
perf:linux-perf
"
	;;
*)
	echo "usage: $0 [check|matrix|debug|pkg|demo|bench]" >&2
	exit 2
	;;
esac

missing=""
for need in $needs; do
	test=${need%%:*}
	pkg=${need#*:}
	case $test in
	/*) [ -e "$test" ] && continue ;;
	*) command -v "$test" >/dev/null 2>&1 && continue ;;
	esac
	case " $missing " in
	*" $pkg "*) ;;
	*) missing="$missing $pkg" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "tcpfsm: installing missing packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "tcpfsm: not root; run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "tcpfsm: apt-get not found; install by hand:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || {
	echo "tcpfsm: apt-get update failed; check the network or the sources" >&2
	exit 1
}
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || {
	echo "tcpfsm: apt-get install failed for:$missing" >&2
	exit 1
}
