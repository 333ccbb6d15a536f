#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of make check-debug: kmemleak around the selftest suite, and
# the module's unload at its end. Each check prints one line the host counts:
#   xtcp-debug: ok - TEXT       or       xtcp-debug: not ok - TEXT
#
#   kmemleak-check.sh start     scan once and forget what the boot left
#                               (the suite's leaks are what is asked about)
#   kmemleak-check.sh end [MOD] rmmod MOD (default xtcp; "-" keeps it) once
#                               its refcount drops to 0 (sockets in
#                               TIME-WAIT hold it up to their timeout), then
#                               scan twice, 6 s apart (kmemleak reports an
#                               object only when it is older than 5 s and
#                               found unreferenced), print the report and
#                               fail when it names any object
# Exit status: 0 when every check passed.
set -u
KL=/sys/kernel/debug/kmemleak
rc=0
ok() { echo "xtcp-debug: ok - $*"; }
notok() { echo "xtcp-debug: not ok - $*"; rc=1; }

[ -e "$KL" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ ! -w "$KL" ]; then
	notok "kmemleak is available ($KL; a kernel without CONFIG_DEBUG_KMEMLEAK or booted with kmemleak=off?)"
	exit 1
fi

case "${1:-}" in
start)
	t0=$(date +%s)
	# The automatic scan (every 10 min, over all of memory) would take a
	# vCPU from the suite for tens of seconds each time on a KASAN
	# kernel; "end" scans on demand, which is all the verdict needs.
	echo scan=off >"$KL" && echo scan >"$KL" && echo clear >"$KL" ||
		{ notok "kmemleak: scan and clear before the suite"; exit 1; }
	echo "xtcp-debug: kmemleak: boot-time suspects forgotten ($(($(date +%s) - t0)) s)"
	;;
end)
	mod=${2:-xtcp} what=
	if [ "$mod" != - ] && [ -d "/sys/module/$mod" ]; then
		t0=$(date +%s) left=
		while :; do
			left=$(cat "/sys/module/$mod/refcnt" 2>/dev/null || echo 0)
			[ "$left" = 0 ] && break
			[ $(($(date +%s) - t0)) -ge 180 ] && break
			sleep 1
		done
		if [ "$left" != 0 ]; then
			notok "$mod.ko unloads after the suite: its refcount is still $left after 180 s (a socket or module reference leaked?)"
			grep -E '^(protocol|XTCP)' /proc/net/protocols
			cat /proc/net/xtcp/snmp 2>/dev/null | head -n 4
		elif out=$(rmmod "$mod" 2>&1); then
			ok "$mod.ko unloads after the suite (refcount 0 after $(($(date +%s) - t0)) s)"
			what=" and rmmod $mod"
		else
			notok "$mod.ko unloads after the suite: rmmod: $out"
		fi
	fi
	echo scan >"$KL"
	sleep 6
	echo scan >"$KL"
	report=$(cat "$KL")
	n=$(grep -c '^unreferenced object' <<<"$report")
	if [ "$n" = 0 ]; then
		ok "kmemleak: no leak suspected after the suite$what"
	else
		echo "$report" | head -n 400
		notok "kmemleak: $n unreferenced object(s) after the suite (report above)"
	fi
	;;
*)
	echo "usage: kmemleak-check.sh start | end [MODULE|-]" >&2
	exit 2
	;;
esac
exit $rc
