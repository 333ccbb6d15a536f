#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the newest installed Debian kernel version of a series, so that the
# build and the test VM follow Debian's point releases (make deps installs
# the newest one the archive has).
#
#   scripts/kver.sh 6.1     -> e.g. 6.1.0-57-amd64
#   scripts/kver.sh 6.12    -> e.g. 6.12.117+deb12-amd64
#
# "Installed" means /boot/vmlinuz-<version> exists. The flavour is amd64
# (KVER_FLAVOUR=cloud-amd64, rt-amd64, ... picks another). Exit 1, with a
# message on stderr, when no kernel of the series is installed.
set -euo pipefail

series=${1:-}
if ! [[ $series =~ ^[0-9]+\.[0-9]+$ ]]; then
	echo "usage: $0 SERIES   (e.g. 6.1 or 6.12)" >&2
	exit 2
fi
flavour=${KVER_FLAVOUR:-amd64}

# Debian's two naming schemes: 6.1.0-57-amd64 (ABI number) and
# 6.12.117+deb12-amd64 (backport). "6.1." never matches 6.12's names, and
# amd64 never matches rt-amd64 or cloud-amd64.
re="^${series//./\\.}\.[0-9]+(-[0-9]+|\+deb[0-9]+)-${flavour//./\\.}\$"
newest=$(for f in /boot/vmlinuz-"$series".*; do
		[ -f "$f" ] && echo "${f#/boot/vmlinuz-}"
	 done | grep -E "$re" | sort -V | tail -n1 || true)
if [ -z "$newest" ]; then
	echo "kver: no $flavour kernel of series $series in /boot (run 'make deps')" >&2
	exit 1
fi
echo "$newest"
