#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the XTCP test VM's initramfs: busybox-static, the modules needed to
# mount the host root (9p over virtio-pci, overlayfs) and initramfs-init.
#
#   mkinitramfs.sh KVER MODDIR OUTPUT
#
# MODDIR is the kernel's module tree (/lib/modules/KVER for Debian kernels).
# Modules built into the kernel are skipped; .ko.xz/.ko.zst are decompressed.
set -euo pipefail

kver=$1 moddir=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}

[ -x "$busybox" ] || { echo "mkinitramfs: no $busybox (make deps installs busybox-static)" >&2; exit 1; }
file -L "$busybox" | grep -q 'statically linked' ||
	{ echo "mkinitramfs: $busybox is not static (install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,modules}
cp "$busybox" "$tmp/bin/busybox"
cp "$here/initramfs-init" "$tmp/init"
chmod 755 "$tmp/init"

# The module chain, in load order, without duplicates.
: >"$tmp/modules.list"
if [ "$moddir" != none ] && [ -d "$moddir" ]; then
	# modprobe -d wants the directory that holds lib/modules/KVER.
	base=${moddir%/lib/modules/$kver}
	[ "$base" != "$moddir" ] ||
		{ echo "mkinitramfs: module tree must be <dir>/lib/modules/$kver, not $moddir" >&2; exit 1; }
	base=${base:-/}
	deps=$(modprobe -d "$base" -S "$kver" -a --show-depends \
		virtio_pci 9pnet_virtio 9p overlay 2>&1) || {
		echo "mkinitramfs: modprobe --show-depends failed:" >&2
		echo "$deps" >&2
		exit 1
	}
	echo "$deps" | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r ko; do
		name=$(basename "$ko")
		case "$name" in
		*.ko.xz)  xz -dc "$ko" >"$tmp/modules/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$ko" >"$tmp/modules/${name%.zst}"; name=${name%.zst} ;;
		*.ko.gz)  gzip -dc "$ko" >"$tmp/modules/${name%.gz}"; name=${name%.gz} ;;
		*)        cp "$ko" "$tmp/modules/$name" ;;
		esac
		echo "$name" >>"$tmp/modules.list"
	done
else
	[ "$moddir" = none ] ||
		echo "mkinitramfs: no module tree at $moddir: assuming 9p/virtio/overlay are built in" >&2
fi

(cd "$tmp" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
