#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sourced by the shell selftests (selftests/*.sh): TAP output and a two-host
# network made of namespaces. A test reads like a story:
#
#   . "$(dirname "$(readlink -f "$0")")/lib.sh"
#   require_module xtcp
#   netns_setup                       # xa 10.0.0.1 <-veth-> xb 10.0.0.2
#   check "xb reaches xa" in_xb ping -c1 -W2 10.0.0.1
#   check_fails "nothing listens on 9" in_xb xtcpcat -w 2 10.0.0.1 9
#   tap_done                          # prints the plan, sets the exit status
#
# TAP: ok/not_ok/skip print one result line each; diagnostics start with "# ".
# The exit status is 0 if nothing failed, 1 otherwise, 4 (kselftest's SKIP)
# when every result was a skip. Cleanup (namespaces) runs on any exit.

set -u

IP=/usr/sbin/ip		# never a busybox applet
[ -x "$IP" ] || IP=/sbin/ip
TC=/usr/sbin/tc
[ -x "$TC" ] || TC=/sbin/tc

XTCP_TOP=${XTCP_TOP:-$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)}
XTCP_KO=${XTCP_KO:-$XTCP_TOP/build/module/xtcp.ko}
export PATH="$XTCP_TOP/build/tools:$XTCP_TOP/build/selftests/helpers:$PATH"

_tap_n=0 _tap_fail=0 _tap_skip=0
_cleanups=()

# XTCP_NO_TAP=1 before sourcing: use only the helpers (e.g. the demo).
[ "${XTCP_NO_TAP:-0}" = 1 ] || echo "TAP version 13"

diag() { local l; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
ok()     { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n $1"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n $1"; }
# skip DESCRIPTION REASON: the reason is printed, so a skip is always explained.
skip()   { _tap_n=$((_tap_n + 1)); _tap_skip=$((_tap_skip + 1)); echo "ok $_tap_n $1 # SKIP ${2:-no reason given}"; }

# check DESCRIPTION CMD...: ok when CMD succeeds; its output is shown on failure.
check() {
	local desc=$1 out rc=0; shift
	out=$("$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then ok "$desc"; else
		not_ok "$desc"; diag "command: $*" "exit status: $rc"; [ -z "$out" ] || diag "$out"
	fi
	return $rc
}

# check_fails DESCRIPTION CMD...: ok when CMD fails.
check_fails() {
	local desc=$1 out rc=0; shift
	out=$("$@" 2>&1) || rc=$?
	if [ $rc != 0 ]; then ok "$desc"; return 0; fi
	not_ok "$desc"; diag "command: $*" "succeeded, but it should have failed"; [ -z "$out" ] || diag "$out"
	return 1
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; return 0; fi
	not_ok "$1"; diag "expected: $2" "actual:   $3"; return 1
}

# bail_out REASON: abort the whole test (counted as a failure).
bail_out() { echo "Bail out! $*"; _tap_fail=$((_tap_fail + 1)); exit 1; }

# skip_all REASON: nothing in this file can run here.
skip_all() { echo "1..0 # SKIP $*"; exit 4; }

tap_done() {
	echo "1..$_tap_n"
	if [ $_tap_fail -gt 0 ]; then exit 1; fi
	if [ $_tap_n -gt 0 ] && [ $_tap_skip = $_tap_n ]; then exit 4; fi
	exit 0
}

# Run CMD at exit (in reverse order of registration).
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[i]}" >/dev/null 2>&1 || true; done
}
trap _run_cleanups EXIT

require_root()   { [ "$(id -u)" = 0 ] || skip_all "needs root"; }
require_cmd()    { local c; for c in "$@"; do command -v "$c" >/dev/null || skip_all "needs $c"; done; }
require_module() { local m; for m in "$@"; do [ -d "/sys/module/$m" ] || modprobe "$m" 2>/dev/null || skip_all "module $m is not loaded"; done; }

# netns_setup: two namespaces joined by a veth pair.
#   xa: veth "va" 10.0.0.1/24        xb: veth "vb" 10.0.0.2/24
# Both have lo up. Removed at exit. XA_ADDR/XB_ADDR name the addresses.
XA=xa XB=xb XA_ADDR=10.0.0.1 XB_ADDR=10.0.0.2
netns_setup() {
	modprobe veth 2>/dev/null || true
	$IP netns del $XA 2>/dev/null || true
	$IP netns del $XB 2>/dev/null || true
	on_exit "$IP netns del $XA; $IP netns del $XB"
	$IP netns add $XA && $IP netns add $XB &&
	$IP link add va netns $XA type veth peer name vb netns $XB &&
	$IP -n $XA addr add $XA_ADDR/24 dev va &&
	$IP -n $XB addr add $XB_ADDR/24 dev vb &&
	$IP -n $XA link set lo up && $IP -n $XB link set lo up &&
	$IP -n $XA link set va up && $IP -n $XB link set vb up ||
		bail_out "netns_setup: cannot build the xa/xb veth network"
	# Wait (5 s at most) until both ends report carrier.
	local i
	for i in $(seq 1 50); do
		$IP -n $XA -o link show va | grep -q 'state UP' &&
			$IP -n $XB -o link show vb | grep -q 'state UP' && return 0
		sleep 0.1
	done
	diag "netns_setup: the veth pair is not UP after 5 s"
}
in_xa() { $IP netns exec $XA "$@"; }
in_xb() { $IP netns exec $XB "$@"; }

# netem IFACE_NS IFACE ARGS...: e.g. netem xa va loss 5% delay 10ms
netem() {
	local ns=$1 dev=$2; shift 2
	modprobe sch_netem 2>/dev/null || true
	$IP netns exec "$ns" $TC qdisc replace dev "$dev" root netem "$@"
}
