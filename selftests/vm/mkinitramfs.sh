#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT KVER FILE... - build the guest's initramfs.
#
# FILE arguments are "source=destination" pairs copied into the image
# (destination is an absolute path inside the guest).  The image always
# holds busybox, /init and the jobs.  Kernel modules named in EXTRA_KMODS
# (e.g. "veth dccp_ipv4") are taken from KMODDIR (default
# /lib/modules/KVER) with the modules they depend on, uncompressed, and
# listed in /lib/modules/load.order for /init to load at boot; a module
# the kernel does not have is skipped (it may be built in, or gone).
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

# The modules.dep path of a module by name, and those it needs, needed first.
kmoddir=${KMODDIR:-/lib/modules/$kver}
mod_deps() {
	line=$(awk -v m="$1" '{
		f = $1; sub(/:$/, "", f); n = f; sub(/.*\//, "", n); sub(/\.ko.*/, "", n)
		gsub(/-/, "_", n)
		if (n == m) { print; exit }
	}' "$kmoddir/modules.dep")
	[ -n "$line" ] || return 0
	for dep in ${line#*:}; do
		echo "$dep"
	done | tac
	echo "${line%%:*}"
}

if [ -n "${EXTRA_KMODS:-}" ]; then
	[ -r "$kmoddir/modules.dep" ] || {
		echo "mkinitramfs: no modules.dep in $kmoddir" >&2
		exit 1
	}
	mkdir -p "$root/lib/modules"
	: > "$root/lib/modules/load.order"
	for mod in $EXTRA_KMODS; do
		for path in $(mod_deps "$(echo "$mod" | tr - _)"); do
			name=$(basename "$path" | sed 's/\.ko.*//')
			grep -qx "$name" "$root/lib/modules/load.order" && continue
			case $path in
			*.ko.xz) xz -dc "$kmoddir/$path" ;;
			*.ko.zst) zstd -qdc "$kmoddir/$path" ;;
			*.ko.gz) gzip -dc "$kmoddir/$path" ;;
			*) cat "$kmoddir/$path" ;;
			esac > "$root/lib/modules/$name.ko"
			echo "$name" >> "$root/lib/modules/load.order"
		done
	done
fi

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
