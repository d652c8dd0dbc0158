#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# install-test.sh - the Debian packages installed as a server installs them.
#
#   1. dpkg-buildpackage -us -uc -b on a copy of the tree (the tracked and
#      untracked files, nothing ignored): tcpfsm-dkms and tcpfsm.
#   2. A clean debootstrap --variant=minbase bookworm chroot, unpacked from
#      a cached tarball (built once, under $TCPFSM_CACHE/pkgtest).
#   3. In it, by apt: the headers of the first kernel of PKGTEST_KERNELS,
#      then "apt-get install ./*.deb" (DKMS builds the module at install),
#      then the headers of the other kernels (DKMS builds it from the
#      kernel's hooks, as on a kernel upgrade).  Checks "dkms status", the
#      installed module of each kernel, its signature, the units, the
#      timer's enablement, the service's command and the rules file.  Then
#      the package is configured again as on a host that runs the first
#      kernel, where DKMS builds for the running kernel only and the
#      package's postinst must build for every other kernel with headers.
#   4. For each kernel, a QEMU guest of that kernel (selftests/vm/kernels.sh)
#      boots an initramfs holding the module DKMS built in the chroot, the
#      packaged tool and the shared libraries it needs from the chroot; the
#      job selftests/vm/jobs/pkg loads the module and reads it with the tool.
#   5. apt-get purge of both packages; checks that "dkms status" is empty
#      and that no file of either package, no module and no DKMS tree is left.
#
# "install-test.sh deb" stops after 1 (the packages, in build/pkg, and
# lintian); "install-test.sh base" only makes the cached base chroot.
#
# Environment: PKGTEST_KERNELS (default "6.1 6.12": names of kernels.sh),
# PKGTEST_KEEP=1 keeps the chroot, TCPFSM_CACHE (default /var/cache/tcpfsm),
# TCPFSM_MIRROR.
# Needs root, debootstrap, dpkg-dev, debhelper, dh-dkms, qemu.  Prints
# "N passed, N failed" and exits non-zero if anything failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/vm/archive.sh"
kernels=${PKGTEST_KERNELS:-6.1 6.12}
out=$top/build/pkg
suite=bookworm
# Bump when the base recipe below changes: part of the cache key.
base_rev=1
# A base older than this is rebuilt (apt upgrades it in between).
base_max_days=30

pass=0
fail=0
start_all=$(date +%s)

say() { echo "install-test: $*"; }
ok() {
	pass=$((pass + 1))
	echo "ok: $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
die() {
	echo "install-test: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
need="dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian cpio:cpio"
[ "${1:-}" = deb ] || need="$need debootstrap:debootstrap qemu-system-x86_64:qemu-system-x86 \
	systemd-analyze:systemd xz:xz-utils"
for n in $need; do
	command -v "${n%%:*}" >/dev/null || die "${n%%:*} is not installed (Debian package ${n#*:})"
done
[ -e /usr/share/perl5/Debian/Debhelper/Sequence/dkms.pm ] ||
	die "dh-dkms is not installed (Debian package dh-dkms)"

mkdir -p "$out" "$cache/pkgtest/archives/partial"

# The base chroot, cached as a tarball: sets $base.
make_base() {
	# Keyed by what makes it: suite, variant, architecture, debootstrap's
	# version, the mirror and this recipe's revision.
	dbver=$(dpkg-query -W -f='${Version}' debootstrap)
	key=$(printf '%s\n' "$suite" minbase amd64 "$dbver" "$mirror" "$base_rev" |
		sha256sum | cut -c1-16)
	base=$cache/pkgtest/$suite-minbase-amd64-$key.tar
	if [ -e "$base" ] && [ -n "$(find "$base" -mtime +"$base_max_days")" ]; then
		say "$base is older than $base_max_days days: rebuilding it"
		rm -f "$base"
	fi
	if [ ! -e "$base" ]; then
		t0=$(date +%s)
		say "debootstrap --variant=minbase $suite (once; cached as $base)"
		staging=$cache/pkgtest/staging.$$
		rm -rf "$staging"
		mkdir -p "$staging"
		debootstrap --variant=minbase --arch=amd64 --keyring="$keyring" "$suite" \
			"$staging" "$mirror" >"$cache/pkgtest/debootstrap.log" 2>&1 ||
			die "debootstrap failed (see $cache/pkgtest/debootstrap.log)"
		cat >"$staging/etc/apt/sources.list" <<-EOF
		deb $mirror $suite main
		deb $mirror $suite-updates main
		deb $security $suite-security main
		deb $mirror $suite-backports main
		EOF
		# No daemon starts in the chroot.
		printf '#!/bin/sh\nexit 101\n' >"$staging/usr/sbin/policy-rc.d"
		chmod 755 "$staging/usr/sbin/policy-rc.d"
		rm -rf "$staging"/var/cache/apt/archives/*.deb
		tar -C "$staging" -cf "$base.tmp" .
		mv "$base.tmp" "$base"
		rm -rf "$staging"
		say "base chroot made in $(($(date +%s) - t0)) s"
	fi
}

# "install-test.sh base": only make the cached base.
if [ "${1:-}" = base ]; then
	make_base
	echo "$base"
	exit 0
fi

work=$(mktemp -d "$out/run.XXXXXX")
root=$work/chroot
mounted=""
cleanup() {
	for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
	mounted=""
	if [ "${PKGTEST_KEEP:-0}" = 1 ]; then
		say "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the packages -------------------------------------------------------
t0=$(date +%s)
say "building the packages (dpkg-buildpackage -us -uc -b) in a copy of the tree"
mkdir -p "$work/src/tcpfsm"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	cpio -0 -pdm --quiet "$work/src/tcpfsm")
if (cd "$work/src/tcpfsm" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
else
	tail -n 30 "$out/build.log"
	die "dpkg-buildpackage failed (log: $out/build.log)"
fi
debs=$(ls "$work"/src/tcpfsm-dkms_*_all.deb "$work"/src/tcpfsm_*_amd64.deb)
rm -f "$out"/*.deb
cp $debs "$out/"
say "built: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
if lintian --fail-on error,warning "$work"/src/tcpfsm_*.changes >"$out/lintian.log" 2>&1; then
	ok "lintian: no error, no warning"
else
	bad "lintian: $(head -n 20 "$out/lintian.log")"
fi
# "install-test.sh deb": the packages and lintian only.
if [ "${1:-}" = deb ]; then
	echo "install-test: the packages are in $out"
	echo "deb: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

# --- 2. a fresh chroot from the base ----------------------------------------------
make_base
mkdir -p "$root"
tar -C "$root" -xf "$base"

# Mount what apt, dpkg and DKMS need; the downloaded .debs are kept across
# runs in $cache/pkgtest/archives (the chroot itself is new each run).
mkdir -p "$root/proc" "$root/dev" "$root/var/cache/apt/archives" "$root/debs"
mount -t proc proc "$root/proc" && mounted="$root/proc $mounted"
mount --bind /dev "$root/dev" && mounted="$root/dev $mounted"
mount --bind "$cache/pkgtest/archives" "$root/var/cache/apt/archives" &&
	mounted="$root/var/cache/apt/archives $mounted"
cp "$out"/*.deb "$root/debs/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# in_root CMD...: run a shell command line in the chroot, non-interactive.
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/sh -c "$*"
}

# --- 3. install ---------------------------------------------------------------
# The kernels: their release and exact headers version, from kernels.sh
# (which also fetches the guest image).
for k in $kernels; do
	eval "$("$top/selftests/vm/kernels.sh" env "$k" | sed "s/^/K_/")"
	name=$(echo "$k" | tr -c 'A-Za-z0-9\n' _)
	eval "kver_$name=\$K_KVER kversion_$name=\$K_KVERSION vmlinuz_$name=\$K_VMLINUZ"
	eval "kmoddir_$name=\$K_KMODDIR kappend_$name=\$K_KAPPEND"
done
kv() { eval "echo \"\${$1_$(echo "$2" | tr -c 'A-Za-z0-9\n' _)}\""; }

t0=$(date +%s)
in_root "apt-get -q update" >"$work/apt-update.log" 2>&1 ||
	die "apt-get update in the chroot failed: $(tail -n 5 "$work/apt-update.log")"
first=${kernels%% *}
rest=${kernels#"$first"}
say "installing linux-headers-$(kv kver "$first") in the chroot"
in_root "apt-get -q install -y linux-headers-$(kv kver "$first")=$(kv kversion "$first")" \
	>"$out/apt-headers-$first.log" 2>&1 ||
	die "cannot install the $first headers: $(tail -n 5 "$out/apt-headers-$first.log")"

say "apt-get install ./*.deb (DKMS builds for $(kv kver "$first"))"
status=0
in_root "cd /debs && apt-get -q install -y ./*.deb" >"$out/apt-install.log" 2>&1 || status=$?
sed -n '/tcpfsm-dkms/,$p' "$out/apt-install.log" | grep -E 'DKMS|Building|Done|Signing|Error|tcpfsm' |
	head -n 20 | sed 's/^/  | /'
if [ $status = 0 ]; then
	ok "apt-get install ./tcpfsm-dkms_*.deb ./tcpfsm_*.deb"
else
	bad "apt-get install ./*.deb: exit $status (log: $out/apt-install.log)"
	exit 1
fi

# The other kernels arrive after the package, like a kernel upgrade: the
# headers' postinst runs /etc/kernel/header_postinst.d/dkms.
for k in $rest; do
	say "installing linux-headers-$(kv kver "$k") (DKMS builds from the kernel hook)"
	status=0
	in_root "apt-get -q install -y linux-headers-$(kv kver "$k")=$(kv kversion "$k")" \
		>"$out/apt-headers-$k.log" 2>&1 || status=$?
	grep -E 'dkms|DKMS|Error' "$out/apt-headers-$k.log" | head -n 10 | sed 's/^/  | /'
	if [ $status = 0 ]; then
		ok "linux-headers-$(kv kver "$k") installed"
	else
		bad "apt-get install linux-headers-$(kv kver "$k"): exit $status (log: $out/apt-headers-$k.log)"
	fi
done
say "packages and headers installed in $(($(date +%s) - t0)) s"

# check_modules WHEN: every kernel of the test has the module, installed by
# DKMS, in modules.dep, for its release, signed with DKMS's key.
check_modules() {
	in_root "dkms status" >"$work/dkms-status" 2>"$work/dkms-status.err" || true
	sed "s/^/  dkms status ($1) | /" "$work/dkms-status"
	for k in $kernels; do
		kver=$(kv kver "$k")
		mod=$(in_root "ls /lib/modules/$kver/updates/dkms/tcpfsm.ko* 2>/dev/null" || true)
		if grep -q "^tcpfsm/$version, $kver, [^,]*: installed" "$work/dkms-status"; then
			ok "dkms status ($1): tcpfsm/$version, $kver: installed"
		else
			bad "dkms status ($1) has no installed tcpfsm/$version for $kver"
			in_root "cat /var/lib/dkms/tcpfsm/$version/build/make.log" 2>/dev/null | tail -n 15
			continue
		fi
		if [ -n "$mod" ] && in_root "grep -q '^updates/dkms/tcpfsm.ko.*:' /lib/modules/$kver/modules.dep"; then
			ok "$kver: $mod is in modules.dep (depmod ran)"
		else
			bad "$kver: no tcpfsm module in /lib/modules/$kver/updates/dkms or modules.dep"
			continue
		fi
		info=$(in_root "modinfo -F version $mod; modinfo -F vermagic $mod; modinfo -F signer $mod")
		mver=$(echo "$info" | sed -n 1p)
		vermagic=$(echo "$info" | sed -n 2p)
		signer=$(echo "$info" | sed -n 3p)
		case $vermagic in
		"$kver "*) ok "$kver: module $mver, vermagic '$vermagic'" ;;
		*) bad "$kver: vermagic '$vermagic' is not for $kver" ;;
		esac
		# DKMS signs with /var/lib/dkms/mok.key, which it makes with
		# openssl (a Recommends of tcpfsm-dkms) when it is missing.
		if [ "$signer" = "DKMS module signing key" ]; then
			ok "$kver: module signed by '$signer' (/var/lib/dkms/mok.pub)"
		else
			bad "$kver: module not signed by DKMS's key (signer '$signer')"
		fi
	done
	# and every other kernel with headers (apt brings the generic
	# flavour's along: dkms recommends linux-headers-amd64)
	for kver in $(in_root "ls /lib/modules"); do
		in_root "test -d /lib/modules/$kver/build/include" || continue
		if grep -q "^tcpfsm/$version, $kver, [^,]*: installed" "$work/dkms-status"; then
			ok "dkms status ($1): every kernel with headers, $kver included"
		else
			bad "dkms status ($1): no module for $kver, whose headers are installed"
		fi
	done
}
version=$(in_root "dpkg-query -W -f='\${Version}' tcpfsm-dkms")
check_modules install
if in_root "test -s /var/lib/dkms/mok.key && test -s /var/lib/dkms/mok.pub"; then
	ok "DKMS's MOK key pair is /var/lib/dkms/mok.key and mok.pub"
else
	bad "no DKMS MOK key pair in /var/lib/dkms"
fi

# The tool's package: binary, man page, units (enabled), rules.
for f in /usr/sbin/tcpfsm /usr/share/man/man8/tcpfsm.8.gz \
	/lib/systemd/system/tcpfsm-metrics.service /lib/systemd/system/tcpfsm-metrics.timer \
	/usr/share/tcpfsm/prometheus/tcpfsm.rules.yml /usr/share/tcpfsm/prometheus/tcpfsm.rules.test.yml; do
	if in_root "test -s $f"; then ok "installed: $f"; else bad "missing: $f"; fi
done
if in_root "test -L /etc/systemd/system/timers.target.wants/tcpfsm-metrics.timer"; then
	ok "tcpfsm-metrics.timer is enabled (timers.target.wants)"
else
	bad "tcpfsm-metrics.timer is not enabled"
fi
if in_root "/usr/sbin/tcpfsm --version" | grep -q '^tcpfsm '; then
	ok "the packaged tool runs in the chroot"
else
	bad "the packaged tool does not run in the chroot"
fi
# The service's own command line, as systemd would run it, in the chroot:
# no module there, so the file must say tcpfsm_up 0 (the directory is the
# one Debian's prometheus-node-exporter creates).
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/tcpfsm-metrics.service")
in_root "mkdir -p /var/lib/prometheus/node-exporter"
if in_root "$exec_start" && in_root "grep -qx 'tcpfsm_up 0' /var/lib/prometheus/node-exporter/tcpfsm.prom"; then
	ok "ExecStart ($exec_start) wrote tcpfsm.prom with tcpfsm_up 0"
else
	bad "ExecStart '$exec_start' did not write tcpfsm_up 0"
fi
# The installed units, as systemd reads them (the binary and the man page
# of the chroot).
mkdir -p "$work/units"
cp "$root/lib/systemd/system/tcpfsm-metrics.service" \
	"$root/lib/systemd/system/tcpfsm-metrics.timer" "$work/units/"
sed -i "s|/usr/sbin/tcpfsm|$root/usr/sbin/tcpfsm|" "$work/units/tcpfsm-metrics.service"
if MANPATH=$root/usr/share/man systemd-analyze verify \
	"$work/units/tcpfsm-metrics.timer" "$work/units/tcpfsm-metrics.service" \
	>"$work/verify" 2>&1 && [ ! -s "$work/verify" ]; then
	ok "systemd-analyze verify: the installed units are clean"
else
	bad "systemd-analyze verify: $(cat "$work/verify")"
fi

# As on a host that runs the first kernel: there DKMS's common.postinst
# removes the module from every kernel and builds it again only for the
# running and the newest kernel; the package's postinst must give every
# other kernel with headers its module (here the generic flavour's, which
# apt brought along).  uname -r is made to answer the first kernel.
mkdir -p "$root/tmp/host-uname"
printf '#!/bin/sh\n[ "$*" = -r ] && exec echo %s\nexec /bin/uname "$@"\n' \
	"$(kv kver "$first")" >"$root/tmp/host-uname/uname"
chmod 755 "$root/tmp/host-uname/uname"
status=0
in_root "PATH=/tmp/host-uname:\$PATH dpkg-reconfigure tcpfsm-dkms" >"$out/reconfigure.log" 2>&1 ||
	status=$?
rm -rf "$root/tmp/host-uname"
building=$(sed -n 's/^Building for //p' "$out/reconfigure.log")
left_out=""
for kver in $(in_root "ls /lib/modules"); do
	in_root "test -d /lib/modules/$kver/build/include" || continue
	case " $building " in *" $kver "*) ;; *) left_out="$left_out $kver" ;; esac
done
if [ $status = 0 ] && grep -q "^Deleting module tcpfsm-$version completely" "$out/reconfigure.log" &&
	[ -n "$building" ] && [ -n "$left_out" ]; then
	ok "dpkg-reconfigure tcpfsm-dkms as a host running $(kv kver "$first"): DKMS built for $building, the package's postinst for$left_out"
else
	bad "dpkg-reconfigure tcpfsm-dkms: exit $status, DKMS built for '$building', left to the postinst: '$left_out'"
fi
check_modules reconfigure

# --- 4. the guests -------------------------------------------------------------
for k in $kernels; do
	kver=$(kv kver "$k")
	mod=$(in_root "ls /lib/modules/$kver/updates/dkms/tcpfsm.ko* 2>/dev/null" || true)
	[ -n "$mod" ] || {
		bad "$k guest: no module to boot with"
		continue
	}
	vm=$work/vm-$k
	mkdir -p "$vm"
	case $mod in
	*.xz) xz -dc "$root$mod" ;;
	*.zst) zstd -qdc "$root$mod" ;;
	*.gz) gzip -dc "$root$mod" ;;
	*) cat "$root$mod" ;;
	esac >"$vm/tcpfsm.ko"
	# The packaged (dynamic) tool and the libraries ldd names in the chroot.
	files="$vm/tcpfsm.ko=/lib/tcpfsm/tcpfsm.ko $root/usr/sbin/tcpfsm=/usr/sbin/tcpfsm"
	for lib in $(in_root "ldd /usr/sbin/tcpfsm" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		files="$files $root$lib=$lib"
	done
	# shellcheck disable=SC2086
	EXTRA_KMODS="" KMODDIR="$(kv kmoddir "$k")" \
		"$top/selftests/vm/mkinitramfs.sh" "$vm/initramfs.cpio.gz" "$kver" $files
	t0=$(date +%s)
	if VM_QUIET=1 VM_TIMEOUT=600 VM_APPEND="$(kv kappend "$k") tcpfsm.expect=$kver" \
		"$top/selftests/vm/run-vm.sh" "$(kv vmlinuz "$k")" "$vm/initramfs.cpio.gz" pkg "$vm" \
		>"$vm/run.log" 2>&1; then
		ok "$k guest: the DKMS-built module loads and the packaged tool reads it ($(($(date +%s) - t0)) s)"
	else
		bad "$k guest: $(cat "$vm/run.log")"
		[ -f "$vm/console.log" ] && tail -n 20 "$vm/console.log"
	fi
	sed -e 's/\r$//' -e '/^TCPFSM-VM-EXIT/d' "$vm/pkg.out" 2>/dev/null | sed "s/^/  $k guest | /"
	cp "$vm/pkg.out" "$out/guest-$k.out" 2>/dev/null || true
done

# --- 5. purge -------------------------------------------------------------------
# What the packages put on disk, to check that none of it stays.
in_root "dpkg -L tcpfsm tcpfsm-dkms" | sort -u >"$work/files"
status=0
in_root "apt-get -q purge -y tcpfsm tcpfsm-dkms" >"$out/apt-purge.log" 2>&1 || status=$?
if [ $status = 0 ]; then ok "apt-get purge tcpfsm tcpfsm-dkms"; else bad "apt-get purge: exit $status"; fi
if [ -z "$(in_root "dkms status" 2>&1)" ]; then
	ok "dkms status is empty after the purge"
else
	bad "dkms status after the purge: $(in_root "dkms status" 2>&1)"
fi
left=""
while read -r f; do
	case $f in
	'') continue ;;
	/. | /etc | /lib | /lib/systemd | /lib/systemd/system | /usr | /usr/sbin | /usr/share | \
		/usr/share/doc | /usr/share/man | /usr/share/man/man8 | /usr/src) continue ;;
	esac
	[ -e "$root$f" ] || [ -L "$root$f" ] && left="$left $f"
done <"$work/files"
for f in /var/lib/dkms/tcpfsm /usr/src/tcpfsm-"$version" \
	/etc/systemd/system/timers.target.wants/tcpfsm-metrics.timer \
	/var/lib/systemd/deb-systemd-helper-enabled/tcpfsm-metrics.timer.dsh-also \
	/var/lib/prometheus/node-exporter/tcpfsm.prom; do
	[ -e "$root$f" ] || [ -L "$root$f" ] && left="$left $f"
done
# every kernel of the chroot, those that apt brought along included
for f in $(cd "$root" && find lib/modules -name 'tcpfsm.ko*'); do
	left="$left /$f"
done
for dep in "$root"/lib/modules/*/modules.dep; do
	grep -q tcpfsm "$dep" && left="$left ${dep#"$root"}(tcpfsm)"
done
if [ -z "$left" ]; then
	ok "nothing of tcpfsm is left after the purge ($(wc -l <"$work/files") paths checked)"
else
	bad "left after the purge:$left"
fi

echo "install-test took $(($(date +%s) - start_all)) s"
echo "install-test: $pass passed, $fail failed"
[ "$fail" = 0 ]
