#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT KVER FILE... - build the guest's initramfs.
#
# FILE arguments are "source=destination" pairs copied into the image
# (destination is an absolute path inside the guest).  The image always
# holds busybox, /init and the jobs; kernel modules from
# /lib/modules/KVER named in EXTRA_KMODS (e.g. "veth") are added too.
set -eu

out=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
kver=$2
shift 2

here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
	"$root/jobs" "$root/tests" "$root/lib/tcpfsm" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"
cp "$here"/jobs/* "$root/jobs/"
chmod 755 "$root/init" "$root"/jobs/*
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> "$root/etc/passwd"

for pair in "$@"; do
	src=${pair%%=*}
	dst=${pair#*=}
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
done

for mod in ${EXTRA_KMODS:-}; do
	path=$(find "/lib/modules/$kver/kernel" -name "$mod.ko*" | head -n 1)
	if [ -z "$path" ]; then
		echo "mkinitramfs: kernel module $mod not found for $kver" >&2
		exit 1
	fi
	mkdir -p "$root/lib/modules"
	case $path in
	*.ko.xz) xz -dc "$path" > "$root/lib/modules/$mod.ko" ;;
	*) cp "$path" "$root/lib/modules/$mod.ko" ;;
	esac
done

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
