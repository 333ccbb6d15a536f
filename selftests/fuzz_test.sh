#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The packet fuzzer (selftests/helpers/fuzz.c, docs/testing.md "Packet
# fuzzer") against XTCP in namespace xa, while a legitimate XTCP transfer
# from xb to xa over the veth pair runs alongside, again and again until the
# fuzzer is done.
#
# Pass when:
#   - the fuzzer reached every kind of endpoint and every malformed segment
#     it sent is accounted for by exactly one error counter (it checks the
#     deltas of InHdrErrors, InCsumErrors, InBadFlags, InBadOpts,
#     InAddrErrors and InErrs itself, and InSegs >= segments sent);
#   - every legitimate transfer arrived byte-exact (sha256);
#   - afterwards nothing is left in xa: no socket, request or TIME-WAIT
#     entry, CurrEstab and CurrTimeWait 0;
#   - once the namespaces are gone the module's reference count is back
#     where it was (every socket, request and TIME-WAIT entry pins it);
#   - the same when a second namespace is deleted right after the fuzzer
#     in it was killed mid-round (teardown while busy).
# Meanwhile the fuzzer's second thread reads, writes, changes buffers and
# options, and accepts and closes children, and xtcpstat dumps the tables.
# Splats are the runner's business (any WARN/BUG/KASAN fails the boot), and
# kmemleak's in the debug tier (kmemleak-check.sh).
#
# Scale: the fuzzer runs 2 injectors (fuzz -j 2, XTCP_FUZZ_JOBS), each on
# its own tun device, so the receive path runs on both vCPUs at once.
# 1000000 segments on the stock kernel (~14,000 segments/s: about a minute
# of fuzzing on an idle host), legitimate transfers of 4 MB back to back,
# dumps every second. With XTCP_DEBUG_KERNEL=1 (the KASAN tier): 10000
# segments over the same paths, every kind in every state still reached
# (the whole program took 322 s at 10^5 in CI, 174 s at 5*10^4 and 152 s
# at 2*10^4, set-up, transfers and checks included), transfers
# of 1 MB with 30 s pauses and dumps every 5 s, which would otherwise take
# the fuzzer's CPU; make soak runs 10^6 under KASAN (XTCP_FUZZ_N). Every
# segment asked for must be sent: XTCP_FUZZ_BUDGET (fuzz -t) only stops a
# run that would overrun, and that run fails. XTCP_FUZZ_N overrides the
# count (make fuzz N=...), and XTCP_FUZZ_SEED replays a run's mutations (the
# seed is always printed; replay with the same XTCP_FUZZ_JOBS).
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd sha256sum xtcpcat xtcpstat fuzz
modprobe tun 2>/dev/null || true
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun (CONFIG_TUN)"

if [ "${XTCP_DEBUG_KERNEL:-0}" = 1 ]; then
	N=${XTCP_FUZZ_N:-10000} deadline=300 budget=${XTCP_FUZZ_BUDGET:-}
	legit_mb=1 legit_pause=30 dump_pause=5
else
	N=${XTCP_FUZZ_N:-1000000} deadline=90 budget=${XTCP_FUZZ_BUDGET:-}
	legit_mb=4 legit_pause=0 dump_pause=1
fi
jobs=${XTCP_FUZZ_JOBS:-2}
fuzz_args=(-j "$jobs")
[ -n "${XTCP_FUZZ_SEED:-}" ] && fuzz_args+=(-s "$XTCP_FUZZ_SEED")
[ -n "$budget" ] && fuzz_args+=(-t "$budget")

W=$(mktemp -d)
on_exit "rm -rf $W"
# What holds the module before this test: normally 0, but a socket an
# earlier program left (an orphan still retransmitting, run-tests.sh names
# it) may die while this test runs, so "back" means at most this many.
refcnt0=$(cat /sys/module/xtcp/refcnt)
netns_setup

# Short timers so that whatever the fuzzer leaves behind (orphans, TIME-WAIT
# entries it did not reset) goes away within the deadlines below.
for s in tw_timeout_ms=10000 fin_timeout_ms=10000 orphan_retries=2; do
	in_xa sysctl -qw "net.xtcp.$s" || bail_out "sysctl net.xtcp.$s"
done

# InSegs of xa counts the fuzzer's segments and the legitimate transfers'
# (from xb, xa's only other XTCP peer): xb's OutSegs is subtracted. Both
# are read before anything runs and once the namespace is quiet (below), so
# that nothing is in flight at either edge.
insegs0=$(in_xa awk '/^Xtcp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "InSegs") c = i; h = 1 } else print $c }' /proc/net/xtcp/snmp)
outsegs0=$(in_xb awk '/^Xtcp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "OutSegs") c = i; h = 1 } else print $c }' /proc/net/xtcp/snmp)

# The legitimate transfers: 4 MB from xb to xa (1 MB and a 30 s pause after
# each on the debug kernel, where they would take a vCPU from the fuzzer),
# one after the other, until the fuzzer is done (and one more if none
# finished before).
head -c $((legit_mb * 1048576)) /dev/urandom >"$W/data"
want=$(sha256sum <"$W/data" | cut -d' ' -f1)
legit() {
	local i=0 got t port t0
	while [ $i = 0 ] || [ ! -e "$W/stop" ]; do
		if [ $i != 0 ] && [ "$legit_pause" -gt 0 ]; then
			# the pause, cut short when the fuzzer is done
			for t in $(seq 1 $((legit_pause * 10))); do
				[ -e "$W/stop" ] && break
				sleep 0.1
			done
			[ -e "$W/stop" ] && break
		fi
		i=$((i + 1)) port=$((5000 + i)) t0=$(date +%s)
		rm -f "$W/got"
		in_xa xtcpcat -q -l -s $XA_ADDR $port >"$W/got" </dev/null 2>"$W/srv.err" &
		local srv=$!
		for t in $(seq 1 300); do
			in_xa xtcpstat -ln 2>/dev/null | grep -q ":$port " && break
			sleep 0.1
		done
		if ! in_xb xtcpcat -q -w 60 $XA_ADDR $port <"$W/data" >/dev/null 2>"$W/cli.err"; then
			echo "transfer $i: client failed: $(cat "$W/cli.err" "$W/srv.err")" >>"$W/legit"
			kill $srv 2>/dev/null
			wait $srv 2>/dev/null
			continue
		fi
		wait $srv
		got=$(sha256sum <"$W/got" | cut -d' ' -f1)
		if [ "$got" = "$want" ]; then
			echo "transfer $i: $(($(date +%s) - t0)) s, ok" >>"$W/legit"
		else
			echo "transfer $i: $(stat -c %s "$W/got") bytes, sha256 $got (want $want)" >>"$W/legit"
		fi
	done
}
legit &
legit_pid=$!
on_exit "touch $W/stop; kill $legit_pid"

# Socket dumps (sock_diag and netlink) of the churning tables, meanwhile
# (every second; every 5 s on the debug kernel, where each costs the
# fuzzer a vCPU for a while): each dump's exit status is kept, and every
# dump must succeed. And an events listener for the whole run, without a
# timeout: it must still be following when the fuzzer is done.
(while [ ! -e "$W/stop" ]; do
	r=0; in_xa xtcpstat -aeimo >/dev/null 2>"$W/dump.err" || r=$?
	echo "$r" >>"$W/dumps"
	[ "$r" = 0 ] || cat "$W/dump.err" >>"$W/dumps.err"
	sleep $dump_pause
done) &
dumper=$!
on_exit "kill $dumper"
in_xa xtcpstat -E >"$W/events" 2>"$W/events.err" &
events_pid=$!
on_exit "kill $events_pid"

rc=0
t0=$(date +%s)
in_xa fuzz -q -n "$N" "${fuzz_args[@]}" >"$W/fuzz.out" 2>&1 || rc=$?
touch "$W/stop"
diag "$(cat "$W/fuzz.out")" "fuzzer: $(($(date +%s) - t0)) s"
sent=$(sed -n 's/^fuzz: \([0-9]*\) segments in .*/\1/p' "$W/fuzz.out")
check_eq "fuzzer ($jobs injectors): ${sent:-?} of $N segments at every kind of endpoint, every drop counted (exit status)" 0 "$rc"
check_eq "the fuzzer sent every one of the $N segments asked for" "$N" "${sent:-none}"

if kill -0 $events_pid 2>/dev/null; then
	kill $events_pid; r=0; wait $events_pid || r=$?
	ev=$(($(wc -l <"$W/events") - 1))
	diag "xtcpstat -E: $ev event lines$([ -s "$W/events.err" ] && echo "; $(head -n 3 "$W/events.err" | tr '\n' ' ')")"
	if [ "$r" = 143 ] && [ "$ev" -gt 0 ]; then
		ok "xtcpstat -E followed events for the whole run ($ev lines) and ended only at SIGTERM"
	else
		not_ok "xtcpstat -E followed events for the whole run (exit $r at SIGTERM, $ev event lines)"
	fi
else
	r=0; wait $events_pid || r=$?
	not_ok "xtcpstat -E followed events for the whole run: it exited early (status $r)"
	diag "$(cat "$W/events.err")"
fi
wait $dumper
n_dumps=$(wc -l <"$W/dumps" 2>/dev/null || echo 0)
bad_dumps=$(grep -vc '^0$' "$W/dumps" 2>/dev/null)
if [ "$n_dumps" -gt 0 ] && [ "${bad_dumps:-0}" = 0 ]; then
	ok "every xtcpstat -aeimo dump during the run succeeded ($n_dumps)"
else
	not_ok "every xtcpstat -aeimo dump during the run succeeded ($bad_dumps of $n_dumps failed)"
	diag "$(head -n 10 "$W/dumps.err" 2>/dev/null)"
fi

wait $legit_pid
diag "the last transfer ended after $(($(date +%s) - t0)) s"
n_ok=$(grep -c ', ok$' "$W/legit")
n_all=$(wc -l <"$W/legit")
diag "legitimate transfers alongside: $n_ok of $n_all byte-exact" "$(cat "$W/legit")"
if [ "$n_all" -gt 0 ] && [ "$n_ok" = "$n_all" ]; then
	ok "every legitimate $legit_mb MB transfer alongside the fuzzer was byte-exact ($n_ok)"
else
	not_ok "every legitimate $legit_mb MB transfer alongside the fuzzer was byte-exact"
	diag "$(grep -v ', ok$' "$W/legit")"
fi

# snmp NAME: one counter of xa.
snmp() {
	in_xa awk -v n="$1" '/^Xtcp:/ { if (!h) { for (i = 2; i <= NF; i++) c[i] = $i; h = 1 }
		else for (i = 2; i <= NF; i++) if (c[i] == n) print $i }' /proc/net/xtcp/snmp
}
left= end=$((SECONDS + deadline))
while [ $SECONDS -lt $end ]; do
	left=$(in_xa xtcpstat -a 2>&1 | tail -n +2)
	[ -z "$left" ] && [ "$(snmp CurrEstab)" = 0 ] && [ "$(snmp CurrTimeWait)" = 0 ] && break
	sleep 0.5
done
diag "namespace empty after $(($(date +%s) - t0)) s"
if [ -z "$left" ] && [ "$(snmp CurrEstab)" = 0 ] && [ "$(snmp CurrTimeWait)" = 0 ]; then
	ok "nothing left in the namespace: no socket, request or TIME-WAIT entry"
else
	not_ok "nothing left in the namespace: no socket, request or TIME-WAIT entry"
	diag "after ${deadline} s: CurrEstab $(snmp CurrEstab), CurrTimeWait $(snmp CurrTimeWait)" "$left"
fi
# Quiet now: xa's InSegs beyond what xb sent it are the fuzzer's.
d_in=$(($(snmp InSegs) - insegs0))
d_xb=$(($(in_xb awk '/^Xtcp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "OutSegs") c = i; h = 1 } else print $c }' /proc/net/xtcp/snmp) - outsegs0))
diag "InSegs of xa +$d_in, of which +$d_xb sent by xb (the legitimate transfers)"
if [ -n "$sent" ] && [ $((d_in - d_xb)) -ge "$sent" ]; then
	ok "InSegs of xa grew by the $sent fuzzed segments, not counting the legitimate transfers' ($((d_in - d_xb)) >= $sent)"
else
	not_ok "InSegs of xa grew by the fuzzed segments, not counting the legitimate transfers' ($((d_in - d_xb)) < ${sent:-?})"
fi

$IP netns del $XA
$IP netns del $XB
refcnt= end=$((SECONDS + deadline))
while [ $SECONDS -lt $end ]; do
	refcnt=$(cat /sys/module/xtcp/refcnt)
	[ "$refcnt" -le "$refcnt0" ] && break
	sleep 0.5
done
diag "reference count $refcnt after $(($(date +%s) - t0)) s"
check "module reference count back to $refcnt0 or less once the namespaces are gone (now $refcnt)" [ "$refcnt" -le "$refcnt0" ]

# Teardown while busy: the fuzzer in a fresh namespace with one long round
# (its endpoints, requests, children and orphans pile up), killed with
# SIGKILL in the middle, and the namespace deleted at once. Five loopback
# connections closed before leave TIME-WAIT entries that live 10 minutes
# here, so only the namespace's exit can free them in time; orphans end
# by orphan_retries and fin_timeout_ms.
XF=xfz$$ t1=$(date +%s)
$IP netns add $XF || bail_out "ip netns add $XF"
on_exit "$IP netns del $XF"
$IP -n $XF link set lo up
for s in tw_timeout_ms=600000 fin_timeout_ms=5000 orphan_retries=2; do
	$IP netns exec $XF sysctl -qw "net.xtcp.$s" || bail_out "sysctl net.xtcp.$s in $XF"
done
for p in 1 2 3 4 5; do
	$IP netns exec $XF xtcpcat -q -l -s 127.0.0.1 $((6000 + p)) </dev/null >/dev/null 2>&1 &
	for t in $(seq 1 100); do
		$IP netns exec $XF xtcpstat -ln 2>/dev/null | grep -q ":$((6000 + p)) " && break
		sleep 0.1
	done
	echo hello | $IP netns exec $XF xtcpcat -q -w 30 127.0.0.1 $((6000 + p)) >/dev/null 2>&1
	wait $!
done
tw=$($IP netns exec $XF xtcpstat -aH state time-wait 2>/dev/null | wc -l)
$IP netns exec $XF fuzz -q -n 100000000 -r 100000000 >"$W/fuzz2.out" 2>&1 &
fpid=$!
busy=0 end=$((SECONDS + deadline))
while [ $SECONDS -lt $end ] && kill -0 $fpid 2>/dev/null; do
	busy=$($IP netns exec $XF xtcpstat -aH 2>/dev/null | wc -l)
	[ "$busy" -ge 20 ] && break
	sleep 0.5
done
sleep 2
states() { $IP netns exec $XF xtcpstat -aH 2>/dev/null | awk '{ print $1 }' | sort | uniq -c | tr -s '\n ' ' '; }
diag "before the kill: $(states)"
kill -9 $fpid 2>/dev/null
wait $fpid 2>/dev/null
diag "after it: $(states)"
$IP netns del $XF
refcnt= end=$((SECONDS + deadline))
while [ $SECONDS -lt $end ]; do
	refcnt=$(cat /sys/module/xtcp/refcnt)
	[ "$refcnt" -le "$refcnt0" ] && break
	sleep 0.5
done
diag "teardown while busy: $(($(date +%s) - t1)) s"
if [ "$busy" -ge 20 ] && [ "$tw" -ge 5 ]; then
	check "namespace deleted under load ($busy entries, $tw TIME-WAIT of 10 min): module reference count back to $refcnt0 or less (now $refcnt)" [ "$refcnt" -le "$refcnt0" ]
else
	not_ok "namespace deleted under load: not 20 entries alive ($busy) or not 5 TIME-WAIT entries ($tw)"
	diag "$(cat "$W/fuzz2.out")"
fi
tap_done
