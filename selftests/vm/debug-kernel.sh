#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - the test guest's debug kernel: KASAN, lockdep,
# kmemleak, UBSAN, debug objects, KFENCE and fault injection, built from
# Debian's kernel source.
#
#   debug-kernel.sh build   build the kernel unless the cache has it
#   debug-kernel.sh env     build it if needed, then print the shell
#                           assignments "kernels.sh env NAME" prints:
#                           KNAME KVER KVERSION KDIR VMLINUZ KMODDIR
#                           KCHROOT KAPPEND
#
# The source is linux-source-6.12 from bookworm-backports, fetched with
# "kernels.sh deb" like every kernel of the matrix.  6.12 rather than
# bookworm's 6.1: it is the kernel of the matrix's 6.12 and 6.12-rt, the
# first LTS with PREEMPT_RT on x86, whose lock nesting rules
# PROVE_RAW_LOCK_NESTING proves (6.1 has the option, but no RT kernel to
# hold it to); with SLUB_RCU_DEBUG, which 6.1 lacks, KASAN also catches a
# use after free of a SLAB_TYPESAFE_BY_RCU object, a socket for one; and
# its UBSAN checks bounds with gcc's stricter -fsanitize=bounds-strict.
#
# The configuration is "make allnoconfig" plus two fragments kept here:
# debug/guest.config (what the QEMU guest and the tests need) and
# debug/debug.config (the checkers), merged with the kernel's
# merge_config.sh; every line of both must be in the final .config, or
# the build stops and names what Kconfig dropped.  Nothing is a module
# (veth included), so KMODDIR holds no module, only an empty modules.dep.
#
# The build is cached under $TCPFSM_CACHE/debug-kernel (default
# /var/cache/tcpfsm), once per machine:
#   source/VERSION/linux-source-6.12   the unpacked source
#   VERSION-HASH/                      one build: HASH covers the two
#                                      fragments, the recipe below and
#                                      the compiler
#     build/     KDIR: the O= tree, "make clean"ed (the kernel's own
#                clean, which keeps what external modules need)
#     vmlinuz, vmlinux, System.map, build.log, the two fragments
#     modules/lib/modules/KVER/        KMODDIR
# A build runs in .partial and is renamed when complete, so an
# interrupted or failed build never looks done (a failed one leaves
# VERSION-HASH.failed.log); a lock lets one build run at a time.  Host
# packages: see need() below.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${TCPFSM_CACHE:-/var/cache/tcpfsm}
base=$cache/debug-kernel
guest_config=$here/debug/guest.config
debug_config=$here/debug/debug.config
srcpkg=linux-source-6.12

die() {
	echo "debug-kernel.sh: $*" >&2
	exit 1
}

say() {
	echo "debug-kernel.sh: $*" >&2
}

# The tools the kernel build runs, as "command-or-path:package".
need() {
	missing=""
	for n in make:make gcc:gcc bc:bc bison:bison flex:flex \
		/usr/include/libelf.h:libelf-dev depmod:kmod xz:xz-utils \
		dpkg-deb:dpkg flock:util-linux sha256sum:coreutils; do
		what=${n%%:*}
		case $what in
		/*) [ -e "$what" ] && continue ;;
		*) command -v "$what" >/dev/null 2>&1 && continue ;;
		esac
		missing="$missing ${n#*:}"
	done
	[ -z "$missing" ] ||
		die "missing build tools; install them with: apt-get install -y$missing"
}

# The source package's .deb (cached by kernels.sh) and its version.
source_deb() {
	deb=$("$here/kernels.sh" deb 6.12 "$srcpkg") ||
		die "cannot download $srcpkg"
	version=$(dpkg-deb -f "$deb" Version)
	[ -n "$version" ] || die "cannot read the version of $deb"
	# A directory name for it (an epoch's colon is no good in paths).
	vdir=$(echo "$version" | tr ':' '_')
}

# --- the build recipe: part of the cache key ---------------------------

# make in the kernel source, out of tree, into the log.
kmake() {
	make -C "$src" O="$obj" ARCH=x86_64 "$@" >> "$log" 2>&1
}

# Where Kconfig defines SYMBOL (without CONFIG_), with its "depends on"
# lines: why it may have been dropped.
kconfig_why() {
	grep -rn --include='Kconfig*' -E "^(menu)?config $1\$" "$src" |
	while IFS=: read -r file line _; do
		awk -v n="$line" -v where="${file#"$src"/}:$line" '
			NR == n { printf "    defined in %s", where; next }
			NR > n && /^(menu)?config |^(end)?choice|^(end)?if|^(end)?menu|^source / { exit }
			NR > n && /^[ \t]+depends on / { sub(/^[ \t]+/, ""); printf "; %s", $0 }
			END { print "" }' "$file"
	done
}

# Every line of every fragment must be in the final .config: "CONFIG_X=v"
# exactly, "# CONFIG_X is not set" as not set.  Kconfig silently drops
# what its dependencies refuse; this names each one.
verify_config() {
	dropped=""
	for frag in "$guest_config" "$debug_config"; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*)
				grep -qxF -- "$line" "$obj/.config" && continue
				sym=${line%%=*}
				;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }
				sym=${sym%% *}
				grep -q "^$sym=" "$obj/.config" || continue
				;;
			*)
				continue
				;;
			esac
			got=$(grep -E "^$sym=|^# $sym is not set" "$obj/.config" ||
				echo "absent")
			dropped="$dropped
  ${frag##*/}: asked '$line', got '$got'
$(kconfig_why "${sym#CONFIG_}")"
		done < "$frag"
	done
	[ -z "$dropped" ] && return 0
	echo "debug-kernel.sh: Kconfig did not take these options:$dropped" >> "$log"
	return 1
}

# Configure, check the configuration, build, install the (absent)
# modules for depmod's files, keep the images and clean the objects.
# Called as a condition, where "set -e" does not apply: each step
# returns on failure.
recipe() {
	(cd "$obj" && KCONFIG_CONFIG=fragments.config \
		"$src/scripts/kconfig/merge_config.sh" -m "$guest_config" \
		"$debug_config") >> "$log" 2>&1 || return
	kmake KCONFIG_ALLCONFIG="$obj/fragments.config" allnoconfig || return
	verify_config || return
	kmake -j"$(nproc)" all || return
	kmake INSTALL_MOD_PATH="$dir/modules" modules_install || return
	# Its "build" link names this temporary directory: make it relative.
	ln -sfn ../../../../build \
		"$dir/modules/lib/modules/$(cat "$obj/include/config/kernel.release")/build" ||
		return
	cp "$obj/arch/x86/boot/bzImage" "$dir/vmlinuz" || return
	cp "$obj/vmlinux" "$obj/System.map" "$dir/" || return
	kmake clean
}

# --- end of the build recipe -------------------------------------------

# The hash of what decides the kernel: the fragments, the recipe above
# and the compiler that runs it.
build_key() {
	{
		cat "$guest_config" "$debug_config"
		sed -n '/^# --- the build recipe/,/^# --- end of the build recipe/p' "$0"
		gcc --version | head -n 1
	} | sha256sum | cut -c 1-12
}

# Unpack the source once per version, under the lock.
unpack_source() {
	srcroot=$base/source/$vdir
	src=$srcroot/$srcpkg
	[ -e "$srcroot/.unpacked" ] && return 0
	partial=$base/source/.$vdir.partial
	rm -rf "$partial" "$srcroot"
	mkdir -p "$partial"
	say "unpacking $srcpkg $version"
	dpkg -x "$deb" "$partial/deb" || die "dpkg -x $deb failed"
	tar -xJf "$partial/deb/usr/src/$srcpkg.tar.xz" -C "$partial" ||
		die "cannot unpack $srcpkg.tar.xz"
	rm -rf "$partial/deb"
	touch "$partial/.unpacked"
	mv "$partial" "$srcroot"
}

# Build unless the cache has this key; sets dir (the cache entry).
build() {
	need
	source_deb
	key=$vdir-$(build_key)
	dir=$base/$key
	if [ -e "$dir/.complete" ]; then
		[ "$cmd" = build ] && say "up to date: $dir"
		return 0
	fi

	mkdir -p "$base"
	exec 9> "$base/.lock"
	if ! flock -n 9; then
		say "another build is running; waiting for it"
		flock 9
	fi
	unpack_source

	# The build works on copies of the fragments, kept with it, and its
	# key is theirs: an edit made meanwhile cannot slip into a kernel
	# filed under the old key.
	dir=$base/.partial
	obj=$dir/build
	log=$dir/build.log
	rm -rf "$dir"
	mkdir -p "$obj"
	trap 'rm -rf "$dir"' EXIT
	trap 'exit 130' INT TERM
	cp "$guest_config" "$debug_config" "$dir/"
	guest_config=$dir/guest.config
	debug_config=$dir/debug.config
	key=$vdir-$(build_key)
	final=$base/$key
	if [ -e "$final/.complete" ]; then
		rm -rf "$dir"
		trap - EXIT INT TERM
		exec 9>&-
		dir=$final
		return 0
	fi

	say "building the debug kernel $key with $(nproc) jobs (log: $log)"
	start=$(date +%s)
	if ! recipe; then
		failed=$base/$key.failed.log
		cp "$log" "$failed"
		tail -n 40 "$log" >&2
		die "the build failed; the whole log is $failed"
	fi
	end=$(date +%s)
	echo "debug-kernel.sh: built in $((end - start)) s" >> "$log"
	touch "$dir/.complete"
	rm -rf "$final"
	mv "$dir" "$final"
	trap - EXIT INT TERM
	exec 9>&-
	dir=$final
	rm -f "$base/$key.failed.log"
	say "built in $((end - start)) s: $dir"
}

cmd=${1:-}
case $cmd in
build)
	[ $# = 1 ] || die "usage: debug-kernel.sh build"
	build
	;;
env)
	[ $# = 1 ] || die "usage: debug-kernel.sh env"
	build
	kver=$(cat "$dir/build/include/config/kernel.release")
	[ -n "$kver" ] || die "cannot read the release of $dir/build"
	echo "KNAME='debug'"
	echo "KVER='$kver'"
	echo "KVERSION='$version'"
	echo "KDIR='$dir/build'"
	echo "VMLINUZ='$dir/vmlinuz'"
	echo "KMODDIR='$dir/modules/lib/modules/$kver'"
	echo "KCHROOT=''"
	# The checkers' reports (KERN_WARNING and above) on the console too,
	# where the guest's loglevel=3 would hide them; every KASAN report,
	# not only the first; a kernel log that holds a whole run.  Under
	# TCG this kernel makes connections about ten times slower than
	# Debian's: the tests' waits and time limits are stretched as much
	# (TCPFSM_SLOW, which the kernel hands to init's environment).
	echo "KAPPEND='loglevel=5 kasan_multi_shot log_buf_len=4M TCPFSM_SLOW=10'"
	;;
*)
	echo "usage: debug-kernel.sh build | env" >&2
	exit 2
	;;
esac
