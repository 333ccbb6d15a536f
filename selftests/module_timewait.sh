#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A TIME-WAIT entry is not a socket, but it still pins the module: rmmod is
# refused while one lives and succeeds once it has expired. Deleting a
# namespace frees its entries at once. Leaves the module loaded.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
[ -d /sys/module/xtcp ] || skip_all "xtcp is not loaded (XTCP_NOLOAD=1?)"
[ -f "$XTCP_KO" ] || skip_all "no $XTCP_KO"
on_exit "[ -d /sys/module/xtcp ] || insmod $XTCP_KO"

refcnt() { cat /sys/module/xtcp/refcnt; }
wait_refcnt0() {
	local i
	for i in $(seq 1 $(($1 * 10))); do	# polled every 0.1 s
		[ "$(refcnt)" = 0 ] && return 0
		sleep 0.1
	done
	echo "refcnt still $(refcnt) after $1 s"; return 1
}
tw_entries() { # namespace
	awk 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "CurrTimeWait") c = i }
	     NR==2 { print $c }' <($IP netns exec "$1" cat /proc/net/xtcp/snmp)
}
# One short connection from xb to xa; the side that closes first keeps
# the TIME-WAIT entry. The server echoes and closes only after the
# client's FIN: a server that closed at once (stdin at EOF) could race
# the client's FIN, a simultaneous close leaves TIME-WAIT on both sides.
one_connection() {
	in_xa timeout 30 xtcpcat -q -r -e -l 5000 >/dev/null &
	local srv=$! i
	# Connect only once the server listens (a slow VM starts it late).
	for i in $(seq 1 100); do
		in_xa xtcpstat -l -n -H 2>/dev/null | grep -q ':5000 ' && break
		sleep 0.1
	done
	echo hello | in_xb timeout 30 xtcpcat -q 10.0.0.1 5000 >/dev/null
	wait $srv
}

check "no module users before we start" wait_refcnt0 60 ||
	bail_out "an earlier test left sockets behind"
netns_setup
for ns in $XA $XB; do
	# Long enough that a loaded VM still finds the entry alive (the
	# three checks below take well under a second, a few on the debug
	# kernel), short enough to wait out.
	$IP netns exec $ns sysctl -qw net.xtcp.tw_timeout_ms=6000
done

check "a connection opens and closes" one_connection
tw=$(( $(tw_entries $XA) + $(tw_entries $XB) ))
check_eq "one TIME-WAIT entry is left" 1 "$tw"
check "it holds a module reference" test "$(refcnt)" -gt 0
check_fails "rmmod is refused while it lives" rmmod xtcp
check "the entry expires after tw_timeout_ms" wait_refcnt0 40
check_eq "no TIME-WAIT entry is left" 0 "$(( $(tw_entries $XA) + $(tw_entries $XB) ))"
check "rmmod succeeds then" rmmod xtcp
check "insmod brings the module back" insmod "$XTCP_KO"

# Deleting the namespaces frees their entries without waiting.
netns_setup
in_xa sysctl -qw net.xtcp.tw_timeout_ms=60000
in_xb sysctl -qw net.xtcp.tw_timeout_ms=60000
check "a connection opens and closes" one_connection
check "its TIME-WAIT entry pins the module" test "$(refcnt)" -gt 0
$IP netns del $XA; $IP netns del $XB
check "deleting the namespaces releases it" wait_refcnt0 10
check "rmmod succeeds at once" rmmod xtcp
check "insmod brings the module back" insmod "$XTCP_KO"
tap_done
