#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xtcpstat at scale: XTCPSTAT_TW_COUNT (default below) short connections
# leave as many TIME-WAIT entries; one dump (over many netlink messages)
# lists each exactly once, as many as the kernel counts (CurrTimeWait), in
# JSON and in text; filters and -s agree; the other namespace sees none.
# Prints how long making and dumping them took.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd jq python3 xtcpstat xtcpstat_helper
. "$XTCP_TOP/selftests/helpers/xtcpstat_lib.sh"
# 10000 on the stock kernel; 2000 on the debug kernel (still a dump over
# many netlink messages, the same paths under KASAN), 10000 in make soak.
TW_COUNT=10000
[ "${XTCP_DEBUG_KERNEL:-0}" = 1 ] && [ "${XTCP_SOAK:-0}" != 1 ] && TW_COUNT=2000
TW_COUNT=${XTCPSTAT_TW_COUNT:-$TW_COUNT}

netns_setup
# Entries live longer than the test: none expires during the counts.
in_xb sysctl -qw net.xtcp.tw_timeout_ms=600000
# ---- many TIME-WAIT entries, each listed once ---------------------------------------
in_xb sysctl -qw net.xtcp.local_port_range="1024 65535"
bg_ns $XA $H server 6000 600
check "the churn server listens" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 6000)] | length == 1' -l
# Nothing left between connect and TIME-WAIT.
churn_quiet() {
	[ -z "$(xtcpstat -N $XB -H state syn-sent state fin-wait-1 state fin-wait-2 dport = :6000)" ]
}
base=$(ctr $XB CurrTimeWait)
t0=$(now_ms)
for round in 1 2 3; do
	have=$(($(ctr $XB CurrTimeWait) - base))
	[ "$have" -ge "$TW_COUNT" ] && break
	out=$(in_xb $H churn $XA_ADDR 6000 $((TW_COUNT - have)) 128 2>&1) || diag "$out"
	diag "round $round: $out"
	wait_until 30 churn_quiet
done
t1=$(now_ms)
# The kernel's own count before and after the dumps: equal unless an entry
# came or went meanwhile (then measure again; not a dump error).
for try in 1 2 3; do
	g1=$(ctr $XB CurrTimeWait)
	d0=$(now_ms)
	xtcpstat -N $XB -j state time-wait >$T/tw.json
	d1=$(now_ms)
	xtcpstat -N $XB -H state time-wait >$T/tw.txt
	d2=$(now_ms)
	g2=$(ctr $XB CurrTimeWait)
	[ "$g1" = "$g2" ] && break
	diag "CurrTimeWait moved during the dumps ($g1 -> $g2), again"
done
n=$(jq '.connections | length' $T/tw.json)
u=$(jq '[.connections[] | "\(.local_address):\(.local_port)-\(.peer_address):\(.peer_port)"] | unique | length' $T/tw.json)
diag "$((g1 - base)) TIME-WAIT entries made in $((t1 - t0)) ms; JSON dump of $n entries: $((d1 - d0)) ms; text: $((d2 - d1)) ms"
check "at least $TW_COUNT new TIME-WAIT entries exist" test $((g1 - base)) -ge "$TW_COUNT"
check_eq "the dump lists as many TIME-WAIT entries as the kernel holds (CurrTimeWait)" "$g1" "$n"
check_eq "the kernel's count did not change during the dumps" "$g1" "$g2"
check_eq "each entry exactly once (distinct 4-tuples)" "$n" "$u"
check_eq "the text listing has the same number of lines" "$n" "$(wc -l <$T/tw.txt)"
check_eq "dport = :6000 selects the churned ones" "$(jq '[.connections[] | select(.peer_port == 6000)] | length' $T/tw.json)" \
	"$(jval $XB '.connections | length' state time-wait dport = :6000)"
check "-s: the summary counts them as the kernel does" jtest $XB \
	'.summary.states["TIME-WAIT"] == .summary.counters.CurrTimeWait and
	 .summary.states["TIME-WAIT"] >= '"$TW_COUNT" -s
check "xa sees none of xb's TIME-WAIT entries" jtest $XA \
	'[.connections[] | select(.local_address == "'$XB_ADDR'" or .state == "TIME-WAIT")] == []' -a
check "xb's namespace has them, init_net none" jtest $XB '.connections | length >= '"$TW_COUNT" state time-wait
check "the initial namespace lists none of them" sh -c \
	"xtcpstat -j state time-wait dport = :6000 | jq -e '.connections == []'"
tap_done
