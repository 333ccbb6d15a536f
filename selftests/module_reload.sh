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

# Installed where modprobe looks, the module loads itself at the first
# socket(AF_XTCP) (its alias net-pf-23, as other families'): the guest's
# root is a writable overlay, so the host's /lib/modules is untouched.
mods=/lib/modules/$(uname -r)
check "the module's alias is net-pf-23" sh -c "modinfo -F alias $XTCP_KO | grep -qx net-pf-23"
# depmod's indexes are saved and put back afterwards (cheaper than a
# second depmod over the whole tree).
saved=$(mktemp -d)
on_exit "rm -rf $saved"
t0=$(date +%s)
if mkdir -p "$mods/updates" && { cp -a "$mods"/modules.* "$saved"/ 2>/dev/null; :; } &&
   cp "$XTCP_KO" "$mods/updates/xtcp.ko" && depmod -a 2>/dev/null; then
	diag "depmod -a took $(($(date +%s) - t0)) s"
	on_exit "rm -f $mods/updates/xtcp.ko $mods/modules.*; cp -a $saved/. $mods/"
	check "autoload: refcnt drops to 0 with no socket open" wait_refcnt0 60 ||
		bail_out "the module stays in use, so autoloading cannot be tested"
	check "autoload: rmmod xtcp" rmmod xtcp
	check "autoload: socket(AF_XTCP) succeeds with the module unloaded" python3 -c "$mksock"
	check "autoload: ... because it loaded xtcp" test -d /sys/module/xtcp
	# The rest of the suite runs the module it was given, with its
	# parameters: put that one back.
	check "autoload: the autoloaded module's refcnt drops to 0" wait_refcnt0 30
	check "autoload: rmmod the autoloaded xtcp" rmmod xtcp
	check "autoload: insmod $XTCP_KO again" insmod "$XTCP_KO"
else
	not_ok "autoload: could not install xtcp.ko into $mods/updates (a read-only root?)"
fi
tap_done
