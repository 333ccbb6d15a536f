#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xtcp's tracepoints (kmod/xtcp_trace.h), read through tracefs the way
# perf, trace-cmd and bpftrace read them. One connection from xb to xa:
# its states in order on both ends (xtcp:xtcp_set_state), an xtcp_probe
# event per ACK with a window and cwnd, then a closed port's RST sent by
# one end and received by the other, then a SYN sent again while netem
# drops everything (xtcp_retransmit, why=rto). Tracing is per kernel, not
# per namespace: each check selects its own 4-tuple.
# (Not on the debug kernel: it is built from tinyconfig, without ftrace.)
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd xtcpcat xtcpstat

TR=/sys/kernel/tracing
[ -d $TR/events ] || mount -t tracefs nodev $TR 2>/dev/null
[ -f $TR/trace ] || bail_out "no tracefs at $TR (a kernel without CONFIG_EVENT_TRACING?)"
EV="xtcp_set_state xtcp_probe xtcp_retransmit xtcp_send_reset xtcp_receive_reset"
for e in $EV; do
	check "the event xtcp:$e exists" test -f $TR/events/xtcp/$e/format
done
check "xtcp_probe carries tcp_probe's fields" sh -c \
	"grep -q 'field:__u32 snd_cwnd;' $TR/events/xtcp/xtcp_probe/format &&
	 grep -q 'field:__u32 srtt;' $TR/events/xtcp/xtcp_probe/format"

echo 0 >$TR/tracing_on
echo >$TR/trace
echo 1 >$TR/events/xtcp/enable
on_exit "echo 0 >$TR/events/xtcp/enable; echo >$TR/trace"
echo 1 >$TR/tracing_on

netns_setup
# tr_has REGEX: a line of the trace buffer matches.
tr_has() { grep -Eq "$1" $TR/trace; }

in_xa timeout 30 xtcpcat -q -r -e -l 5000 >/dev/null &
srv=$!
for i in $(seq 1 100); do
	in_xa xtcpstat -l -n -H 2>/dev/null | grep -q ':5000 ' && break
	sleep 0.1
done
check "a connection opens, carries data and closes" sh -c \
	"echo hello | $IP netns exec $XB timeout 30 xtcpcat -q $XA_ADDR 5000 >/dev/null"
wait $srv
client="saddr=$XB_ADDR sport=[0-9]+ daddr=$XA_ADDR dport=5000 "
server="saddr=$XA_ADDR sport=5000 daddr=$XB_ADDR dport=[0-9]+ "
# The event follows the full socket, as sock:inet_sock_set_state does for
# TCP: the active closer's socket ends FIN-WAIT-2 -> CLOSED, handing over
# to its TIME-WAIT entry (which is not a socket; xtcpstat -E shows it).
check "client: SYN-SENT ESTAB FIN-WAIT-1 FIN-WAIT-2 CLOSED, in order" sh -c \
	"s=\"\$(grep -E 'xtcp_set_state: .*$client' $TR/trace | sed -n 's/.*newstate=\([A-Z0-9-]*\).*/\1/p' | tr '\n' ' ')\";
	 echo \"\$s\"; [ \"\$s\" = 'SYN-SENT ESTAB FIN-WAIT-1 FIN-WAIT-2 CLOSED ' ]"
check "client: its TIME-WAIT entry lives on" sh -c \
	"$IP netns exec $XB xtcpstat -H state time-wait dport = :5000 | grep -q ."
check "server child: ... CLOSE-WAIT LAST-ACK CLOSED, from ESTAB" sh -c \
	"s=\"\$(grep -E 'xtcp_set_state: .*$server' $TR/trace | sed -n 's/.*newstate=\([A-Z0-9-]*\).*/\1/p' | tr '\n' ' ')\";
	 echo \"\$s\"; case \"\$s\" in *'ESTAB CLOSE-WAIT LAST-ACK CLOSED ') ;; *) exit 1 ;; esac"
check "xtcp_probe: the client's ACKs, with a cwnd and a peer window" \
	tr_has "xtcp_probe: ${client}.* snd_cwnd=[1-9][0-9]* ssthresh=[0-9]+ snd_wnd=[1-9][0-9]*"
check "xtcp_probe: the server's ACKs too" tr_has "xtcp_probe: ${server}"

# A closed port: xa answers the SYN with RST (no socket: state CLOSED),
# the client's connect() is refused (SYN-SENT, err 111 ECONNREFUSED).
check_fails "a connect to a closed port is refused" in_xb timeout 10 xtcpcat -q $XA_ADDR 5999 </dev/null
check "xtcp_send_reset: xa's answer from the closed port" \
	tr_has "xtcp_send_reset: saddr=$XA_ADDR sport=5999 daddr=$XB_ADDR dport=[0-9]+ state=CLOSED"
check "xtcp_receive_reset: the client, in SYN-SENT, ECONNREFUSED" \
	tr_has "xtcp_receive_reset: saddr=$XB_ADDR sport=[0-9]+ daddr=$XA_ADDR dport=5999 state=SYN-SENT err=111"

# Everything xb sends is lost: the SYN goes again after the RTO.
check "netem drops all of xb's packets" netem $XB vb loss 100%
in_xb timeout 20 xtcpcat -q $XA_ADDR 5998 </dev/null >/dev/null 2>&1 &
cl=$!
rtx() { tr_has "xtcp_retransmit: saddr=$XB_ADDR sport=[0-9]+ daddr=$XA_ADDR dport=5998 seq=0x[0-9a-f]+ len=0 state=SYN-SENT why=rto"; }
wait_rtx() { local i; for i in $(seq 1 150); do rtx && return 0; sleep 0.1; done; return 1; }
check "xtcp_retransmit: the SYN, sent again by the RTO" wait_rtx
kill $cl 2>/dev/null; wait $cl 2>/dev/null
in_xb $TC qdisc del dev vb root 2>/dev/null
grep -q xtcp_ $TR/trace || diag "the trace buffer holds no xtcp event"
[ "$_tap_fail" = 0 ] || diag "the trace buffer:" "$(grep xtcp_ $TR/trace | tail -n 40)"
tap_done
