#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kver.sh SERIES: the newest installed Debian kernel of that series, e.g.
#   scripts/kver.sh 6.12  ->  6.12.117+deb12-amd64
# (from /boot/vmlinuz-SERIES.*-amd64, version-sorted). Exit 1 when none is.
# Minimal version for CI (.ci/run); helper k612's fuller one replaces it.
set -euo pipefail
[ $# = 1 ] || { echo "usage: kver.sh SERIES (e.g. 6.12)" >&2; exit 2; }
v=$(ls /boot/vmlinuz-"$1".*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$v" ] || { echo "kver.sh: no installed kernel of series $1 (/boot/vmlinuz-$1.*-amd64)" >&2; exit 1; }
echo "${v#/boot/vmlinuz-}"
