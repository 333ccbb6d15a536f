#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb-test (after make deb): boot the test VM without xtcp.ko loaded
# and run selftests/vm/deb-guest.sh there: install both packages with dpkg,
# DKMS builds the module, an unprivileged socket(AF_XTCP) loads it, the
# installed tools and man pages work, purge leaves nothing. The guest's
# root is a tmpfs overlay over the host's read-only /: nothing it installs
# reaches this machine (docs/vm.md). KERNEL=<version> picks the kernel.
# Ends with "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
t=$(date +%s)
echo "=== VM (${KVER:-default kernel}): make deb-test (selftests/vm/deb-guest.sh)"
XTCP_NOLOAD=1 VM_TIMEOUT=${VM_TIMEOUT:-1500} "$TOP/selftests/vm/run-vm.sh" \
	"$TOP/selftests/vm/deb-guest.sh" 2>&1 </dev/null | tee "$tmp"
rc=${PIPESTATUS[0]}
echo "make deb-test took $(($(date +%s) - t)) s (VM exit $rc)"
sum=$(tr -d '\r' <"$tmp" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
if [ -z "$sum" ]; then
	echo "0 passed, 1 failed"
	exit 1
fi
[ "$rc" = 0 ] || { p=${sum%% passed*}; echo "$p passed, 1 failed"; exit 1; }
exit 0
