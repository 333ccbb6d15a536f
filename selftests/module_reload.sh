#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rmmod with no socket open unloads xtcp cleanly (the family disappears), and
# insmod brings it back. Leaves the module loaded, as the other tests expect.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
[ -d /sys/module/xtcp ] || skip_all "xtcp is not loaded (XTCP_NOLOAD=1?)"
[ -f "$XTCP_KO" ] || skip_all "no $XTCP_KO"
on_exit "[ -d /sys/module/xtcp ] || insmod $XTCP_KO"

mksock='import socket, sys
try:
    socket.socket(23, socket.SOCK_STREAM, 0).close()
except OSError as e:
    print(e.strerror); sys.exit(e.errno)'

# Sockets of earlier tests (TIME-WAIT, orphans) may hold the module a while.
wait_refcnt0() {
	local i
	for i in $(seq 1 ${1:-60}); do
		[ "$(cat /sys/module/xtcp/refcnt)" = 0 ] && return 0
		sleep 1
	done
	echo "refcnt is still $(cat /sys/module/xtcp/refcnt) after ${1:-60}s: a socket or a module reference leaked?"
	echo "/proc/net/protocols:"; grep -E '^(protocol|XTCP)' /proc/net/protocols
	echo "network namespaces: $($IP netns list | tr '\n' ' ')"
	return 1
}

for round in 1 2; do
	check "round $round: refcnt drops to 0 with no socket open" wait_refcnt0 60 ||
		bail_out "the module stays in use, so unloading cannot be tested"
	check "round $round: rmmod xtcp succeeds" rmmod xtcp
	check "round $round: /sys/module/xtcp is gone" test ! -e /sys/module/xtcp
	rc=0; python3 -c "$mksock" >/dev/null 2>&1 || rc=$?
	check_eq "round $round: socket(AF_XTCP) now fails with EAFNOSUPPORT" 97 "$rc"
	check "round $round: insmod xtcp.ko succeeds" insmod "$XTCP_KO"
	check "round $round: socket(AF_XTCP) works again" python3 -c "$mksock"
done
check "dmesg shows the unload" sh -c 'dmesg | grep -q "xtcp: unloaded"'
tap_done
