#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the XTCP debug kernel (make debug-kernel, make check-debug), once.
#
#   debug-kernel.sh [--force]
#
# From Debian's /usr/src/linux-source-6.1.tar.xz, built OUTSIDE the clone in
# a cache keyed by the stamp (below), so that every clone and every CI run
# on this machine reuses it while a fresh machine builds it once:
#   $XTCP_CACHE/debug-kernel-<key>/   (XTCP_CACHE=/var/cache/xtcp; when it
#                      cannot be created, build/cache/ of this clone)
#     linux/           the unpacked source tree, configured and built; the
#                      debug xtcp.ko is built against it (make -C linux M=...)
#     bzImage config build.log config.log stamp
# build/debug-kernel/ (what the rest of the tree reads) then holds links to
# the cache's linux/ and bzImage, and copies of its config and stamp:
#   bzImage            the image the VM boots (KERNEL_IMAGE=)
#   config             the final .config
#   stamp              what the build was made from (see below)
# Config: make tinyconfig + kernel/configs/kvm_guest.config +
# selftests/vm/debug.config, make olddefconfig, then scripts/kconfig-verify.sh
# fails the build if any option of the fragment was dropped.
#
# Rebuilt only when the fragment's options, the linux-source package version
# or this recipe change (the stamp holds their hash, and names the cache
# directory); after a successful build, cache directories of other keys that
# no build holds are removed (one debug kernel is ~3 GB).
#
# Environment: JOBS=2 (make -j), NICE=10 (its niceness), LINUX_SOURCE_TAR=path,
# XTCP_BUILD=dir, XTCP_CACHE=dir.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${XTCP_BUILD:-$TOP/build}
DK=$B/debug-kernel
FRAG=$TOP/selftests/vm/debug.config
TAR=${LINUX_SOURCE_TAR:-/usr/src/linux-source-6.1.tar.xz}
JOBS=${JOBS:-2}
RECIPE=1	# bump when the way the kernel is configured or built changes
force=0
[ "${1:-}" = --force ] && force=1

msg() { echo "debug-kernel: $*"; }
die() { echo "debug-kernel: error: $*" >&2; exit 1; }

[ -f "$TAR" ] || die "no kernel source tarball $TAR (run 'make deps': linux-source-6.1)"
[ -f "$FRAG" ] || die "no config fragment $FRAG"
for t in gcc make bc bison flex xz; do
	command -v $t >/dev/null || die "'$t' not found: run 'make deps'"
done
[ -f /usr/include/libelf.h ] || die "libelf headers not found (objtool needs them): run 'make deps' (libelf-dev)"

# What the tree is unpacked from: the package version when dpkg knows the
# tarball, else its size and time.
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$srcver" ] && [ "$TAR" = /usr/src/linux-source-6.1.tar.xz ] ||
	srcver="$(stat -c '%s %Y' "$TAR") $TAR"
# Only the fragment's option lines count: editing a comment rebuilds nothing.
key=$({ echo "recipe $RECIPE"; echo "source $srcver"; grep -E '^(CONFIG_|# CONFIG_)' "$FRAG"; } |
	sha256sum | cut -d' ' -f1)

CACHE=${XTCP_CACHE:-/var/cache/xtcp}
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
	msg "cannot write $CACHE: caching in $B/cache instead (set XTCP_CACHE)"
	CACHE=$B/cache
	mkdir -p "$CACHE"
fi
C=$CACHE/debug-kernel-${key:0:16}
TREE=$C/linux
mkdir -p "$C" "$DK"
exec 9>"$C/.lock"
flock 9	# one build of a key at a time

# build/debug-kernel/ points at the cache's build of this key.
publish() {
	ln -sfn "$TREE" "$DK/linux"
	ln -sfn "$C/bzImage" "$DK/bzImage"
	cp -p "$C/config" "$DK/config"
	cp -p "$C/stamp" "$DK/stamp.tmp" && mv "$DK/stamp.tmp" "$DK/stamp"
}

if [ "$force" = 0 ] && [ -f "$C/stamp" ] && [ "$(cat "$C/stamp")" = "$key" ] &&
   [ -f "$C/bzImage" ] && [ -f "$TREE/Module.symvers" ]; then
	publish
	msg "up to date: $C/bzImage ($(cat "$TREE/include/config/kernel.release" 2>/dev/null); cached, key ${key:0:16})"
	exit 0
fi
rm -f "$DK/stamp"

t0=$(date +%s)
if [ ! -f "$TREE/Makefile" ] || [ "$(cat "$C/source-version" 2>/dev/null)" != "$srcver" ]; then
	msg "unpacking $TAR ($srcver) into $TREE"
	rm -rf "$TREE" "$C/stamp" "$C/bzImage" "$C"/.unpack.*
	tmp=$(mktemp -d "$C/.unpack.XXXXXX")
	tar -xJf "$TAR" -C "$tmp"
	top=$(echo "$tmp"/*)
	[ -f "$top/Makefile" ] || die "$TAR does not hold a kernel tree"
	mv "$top" "$TREE"
	rmdir "$tmp"
	echo "$srcver" >"$C/source-version"
fi
rm -f "$C/stamp"

msg "configuring: tinyconfig + kvm_guest.config + $(basename "$FRAG")"
kmake() { nice -n "${NICE:-10}" make -C "$TREE" -j"$JOBS" "$@"; }
{
	kmake tinyconfig
	(cd "$TREE" && scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config "$FRAG")
	kmake olddefconfig
} >"$C/config.log" 2>&1 || { tail -n 30 "$C/config.log"; die "configuring failed (log: $C/config.log)"; }
"$TOP/scripts/kconfig-verify.sh" "$FRAG" "$TREE/.config" "$TREE" ||
	die "the config lacks options of $FRAG (above): fix their dependencies in the fragment"
cp "$TREE/.config" "$C/config"

msg "building bzImage (make -j$JOBS; log: $C/build.log; ~7 min on 2 idle cores, from scratch)"
if ! kmake bzImage modules >"$C/build.log" 2>&1; then
	grep -E 'error|Error' "$C/build.log" | head -n 20
	tail -n 20 "$C/build.log"
	die "the kernel build failed (log: $C/build.log)"
fi
cp "$TREE/arch/x86/boot/bzImage" "$C/bzImage.tmp"
mv "$C/bzImage.tmp" "$C/bzImage"
echo "$key" >"$C/stamp"
publish
# Other keys' builds (an older fragment or source) go, unless one is in use.
for d in "$CACHE"/debug-kernel-*; do
	[ "$d" = "$C" ] || [ ! -d "$d" ] && continue
	( flock -n 9 && rm -rf "$d" ) 9>"$d/.lock" || true
done
msg "built $C/bzImage ($(cat "$TREE/include/config/kernel.release")) in $(($(date +%s) - t0)) s"
