#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: the xtcp-dkms and xtcp-tools packages, built with Debian's own
# tooling (dpkg-buildpackage, debhelper, dh_dkms) from a copy of the source
# tree in build/deb/, so that the tree itself stays clean; then lintian.
#   build/deb/xtcp-dkms_<version>_all.deb
#   build/deb/xtcp-tools_<version>_<arch>.deb
#   build/deb/lintian.txt        lintian's report (errors fail make deb)
# The copy is what git tracks plus untracked files not ignored, as they are
# in the working tree (uncommitted edits included).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${XTCP_DEB_DIR:-$TOP/build/deb}
version=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -SVersion)
src=$OUT/xtcp-$version

rm -rf "$OUT"
mkdir -p "$src"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z -co --exclude-standard |
		grep -zv '^build/' | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$src"
else
	(cd "$TOP" && tar -cf - --exclude=./build .) | tar -xf - -C "$src"
fi

echo "deb: dpkg-buildpackage in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc)

changes=$(ls "$OUT"/xtcp_"$version"_*.changes)
echo "deb: lintian $(basename "$changes")"
rc=0
lintian --display-info --pedantic --fail-on error "$changes" >"$OUT/lintian.txt" 2>&1 || rc=$?
cat "$OUT/lintian.txt"
echo "deb: lintian: $(grep -c '^E:' "$OUT/lintian.txt" || true) errors," \
	"$(grep -c '^W:' "$OUT/lintian.txt" || true) warnings," \
	"$(grep -c '^[IP]:' "$OUT/lintian.txt" || true) notes (build/deb/lintian.txt)"
[ "$rc" = 0 ] || { echo "deb: lintian reports errors (exit $rc)" >&2; exit 1; }
ls -l "$OUT"/*.deb
