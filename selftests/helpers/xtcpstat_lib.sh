#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sourced by the xtcpstat shell tests (after lib.sh): a scratch directory,
# background helpers, and assertions over xtcpstat's JSON output.
H=xtcpstat_helper
RAW=$XTCP_TOP/selftests/helpers/xtcp_diag_raw.py
T=$(mktemp -d)
on_exit "rm -rf $T"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# bg CMD...: an external command in the background, killed at exit.
bg() { "$@" & on_exit "kill $!"; }
# bg_ns NS CMD...: the same in a namespace (ip netns exec keeps the pid).
bg_ns() { local ns=$1; shift; $IP netns exec "$ns" "$@" & on_exit "kill $!"; }

# jtest NS JQ [XTCPSTAT ARGS...]: the JSON dump of NS satisfies JQ.
jtest() {
	local ns=$1 q=$2 out; shift 2
	out=$(xtcpstat -N "$ns" -j "$@") || return 1
	printf '%s' "$out" | jq -e "$q" >/dev/null && return 0
	echo "xtcpstat -N $ns -j $*:"; printf '%s\n' "$out" | head -c 3000
	return 1
}
# jval NS JQ [ARGS...]: print JQ's value over the dump.
jval() { local ns=$1 q=$2; shift 2; xtcpstat -N "$ns" -j "$@" | jq -r "$q"; }
# ctr NS NAME: one counter through netlink.
ctr() { xtcpstat -N "$1" --counters -j | jq -r ".counters.$2"; }
# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() {
	local end=$(($(now_ms) + $1 * 1000)); shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
