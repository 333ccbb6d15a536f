#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract the few files XTCP uses from Debian's kernel source tarball into the
# build folder, once (again only when the tarball is newer):
#   B/kselftest/kselftest_harness.h, B/kselftest/kselftest.h   (selftests)
#   B/scripts/extract-vmlinux                                 (VM runner)
# Nothing else of the kernel source is unpacked; no kernel code is committed.
#
#   linux-src-files.sh BUILD_DIR [TARBALL]
set -euo pipefail

B=$1
TAR=${2:-${LINUX_SOURCE_TAR:-/usr/src/linux-source-6.1.tar.xz}}
FILES=(
	kselftest/kselftest_harness.h:tools/testing/selftests/kselftest_harness.h
	kselftest/kselftest.h:tools/testing/selftests/kselftest.h
	scripts/extract-vmlinux:scripts/extract-vmlinux
)

uptodate=1
for f in "${FILES[@]}"; do
	dst=$B/${f%%:*}
	[ -f "$dst" ] && [ "$dst" -nt "$TAR" ] || uptodate=0
done
[ "$uptodate" = 1 ] && exit 0

[ -f "$TAR" ] || { echo "error: no kernel source tarball $TAR (run 'make deps': linux-source-6.1)" >&2; exit 1; }

tmp=$(mktemp -d "$B/.linux-src.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
members=()
for f in "${FILES[@]}"; do members+=("*/${f#*:}"); done
echo "  EXTRACT ${FILES[*]//*:/} from $TAR"
tar -xJf "$TAR" -C "$tmp" --wildcards "${members[@]}"
for f in "${FILES[@]}"; do
	dst=$B/${f%%:*}
	src=$(echo "$tmp"/*/"${f#*:}")
	[ -f "$src" ] || { echo "error: $TAR has no ${f#*:}" >&2; exit 1; }
	mkdir -p "$(dirname "$dst")"
	cp "$src" "$dst.tmp"
	touch "$dst.tmp"
	mv "$dst.tmp" "$dst"
done
