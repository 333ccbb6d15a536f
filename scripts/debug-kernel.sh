#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the XTCP debug kernel (make debug-kernel, make check-debug), once.
#
#   debug-kernel.sh [--force]
#
# From Debian's /usr/src/linux-source-6.1.tar.xz, in build/debug-kernel/:
#   linux/             the unpacked source tree, configured and built; the
#                      debug xtcp.ko is built against it (make -C linux M=...)
#   bzImage            the image the VM boots (KERNEL_IMAGE=)
#   config             the final .config
#   build.log          the last build's output
#   stamp              what the build was made from (see below)
# Config: make tinyconfig + kernel/configs/kvm_guest.config +
# selftests/vm/debug.config, make olddefconfig, then scripts/kconfig-verify.sh
# fails the build if any option of the fragment was dropped.
#
# Rebuilt only when the fragment's options, the linux-source package version
# or this recipe change (the stamp holds their hash); a config change rebuilds
# incrementally, a new source version unpacks a fresh tree.
#
# Environment: JOBS=2 (make -j), NICE=10 (its niceness), LINUX_SOURCE_TAR=path,
# XTCP_BUILD=dir.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${XTCP_BUILD:-$TOP/build}
DK=$B/debug-kernel
TREE=$DK/linux
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

mkdir -p "$DK"
exec 9>"$DK/.lock"
flock 9	# one build at a time

# What the tree is unpacked from: the package version when dpkg knows the
# tarball, else its size and time.
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$srcver" ] && [ "$TAR" = /usr/src/linux-source-6.1.tar.xz ] ||
	srcver="$(stat -c '%s %Y' "$TAR") $TAR"
# Only the fragment's option lines count: editing a comment rebuilds nothing.
key=$({ echo "recipe $RECIPE"; echo "source $srcver"; grep -E '^(CONFIG_|# CONFIG_)' "$FRAG"; } |
	sha256sum | cut -d' ' -f1)

if [ "$force" = 0 ] && [ -f "$DK/stamp" ] && [ "$(cat "$DK/stamp")" = "$key" ] &&
   [ -f "$DK/bzImage" ] && [ -f "$TREE/Module.symvers" ]; then
	msg "up to date: $DK/bzImage ($(cat "$TREE/include/config/kernel.release" 2>/dev/null))"
	exit 0
fi

t0=$(date +%s)
if [ ! -f "$TREE/Makefile" ] || [ "$(cat "$DK/source-version" 2>/dev/null)" != "$srcver" ]; then
	msg "unpacking $TAR ($srcver) into $TREE"
	rm -rf "$TREE" "$DK/stamp" "$DK/bzImage" "$DK"/.unpack.*
	tmp=$(mktemp -d "$DK/.unpack.XXXXXX")
	tar -xJf "$TAR" -C "$tmp"
	top=$(echo "$tmp"/*)
	[ -f "$top/Makefile" ] || die "$TAR does not hold a kernel tree"
	mv "$top" "$TREE"
	rmdir "$tmp"
	echo "$srcver" >"$DK/source-version"
fi
rm -f "$DK/stamp"

msg "configuring: tinyconfig + kvm_guest.config + $(basename "$FRAG")"
kmake() { nice -n "${NICE:-10}" make -C "$TREE" -j"$JOBS" "$@"; }
{
	kmake tinyconfig
	(cd "$TREE" && scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config "$FRAG")
	kmake olddefconfig
} >"$DK/config.log" 2>&1 || { tail -n 30 "$DK/config.log"; die "configuring failed (log: $DK/config.log)"; }
"$TOP/scripts/kconfig-verify.sh" "$FRAG" "$TREE/.config" "$TREE" ||
	die "the config lacks options of $FRAG (above): fix their dependencies in the fragment"
cp "$TREE/.config" "$DK/config"

msg "building bzImage (make -j$JOBS; log: $DK/build.log; ~7 min on 2 idle cores, from scratch)"
if ! kmake bzImage modules >"$DK/build.log" 2>&1; then
	grep -E 'error|Error' "$DK/build.log" | head -n 20
	tail -n 20 "$DK/build.log"
	die "the kernel build failed (log: $DK/build.log)"
fi
cp "$TREE/arch/x86/boot/bzImage" "$DK/bzImage.tmp"
mv "$DK/bzImage.tmp" "$DK/bzImage"
echo "$key" >"$DK/stamp"
msg "built $DK/bzImage ($(cat "$TREE/include/config/kernel.release")) in $(($(date +%s) - t0)) s"
