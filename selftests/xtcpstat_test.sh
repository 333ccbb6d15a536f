#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xtcpstat (sock_diag + generic netlink "xtcp") checked against connections
# in known states on both ends, through its JSON output:
#   LISTEN with its queues while clients wait in the accept queue,
#   SYN-SENT and SYN-RECV during a handshake slowed by netem,
#   ESTAB with non-zero Recv-Q and Send-Q,
#   FIN-WAIT-2/CLOSE-WAIT, FIN-WAIT-1/LAST-ACK and CLOSING on both ends,
#   -E: one connection's transitions in order on both ends,
#   TIME-WAIT with a remaining time that decreases, counters that move,
#   namespace scoping, malformed raw requests refused (helpers/xtcp_diag_raw.py),
#   usage errors, and a clear error when xtcp.ko is not loaded.
# Many entries (10000 TIME-WAIT): xtcpstat_scale_test.sh.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd jq python3 xtcpstat xtcpstat_helper

. "$XTCP_TOP/selftests/helpers/xtcpstat_lib.sh"

# The netem delays below hold connections in a state long enough to look
# at both ends (several xtcpstat runs); on the debug kernel, where each
# run is several times slower, they are twice as long. The deadlines of
# wait_until cost nothing when the state comes, so they are generous.
SLOW=1
[ "${XTCP_DEBUG_KERNEL:-0}" = 1 ] && SLOW=2
netns_setup

# ---- usage -------------------------------------------------------------------
check "--help exits 0 and explains filters" sh -c 'xtcpstat --help | grep -q "sport OP"'
rc=0; xtcpstat --bogus >/dev/null 2>&1 || rc=$?
check_eq "an unknown option exits 2" 2 "$rc"
rc=0; xtcpstat state nonsense >/dev/null 2>&1 || rc=$?
check_eq "an unknown state name exits 2" 2 "$rc"
rc=0; xtcpstat sport = :99999 >/dev/null 2>&1 || rc=$?
check_eq "a bad port exits 2" 2 "$rc"
rc=0; xtcpstat -N no-such-netns >/dev/null 2>&1 || rc=$?
check_eq "a missing netns exits 1" 1 "$rc"
check "an empty namespace lists nothing" jtest $XA '.connections == []' -a
check "the header has ss's columns" sh -c \
	"xtcpstat -N $XA | grep -Eq '^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port'"
check "-H drops the header" sh -c "[ -z \"\$(xtcpstat -N $XA -H -a)\" ]"

# ---- LISTEN with its queues ---------------------------------------------------
# listen(1), never accept: the accept queue takes backlog + 1 = 2; the
# third client's SYN is dropped silently, it stays in SYN-SENT.
bg_ns $XA $H listen 5001 1 600
lpid=$!
check "the listener appears" wait_until 30 jtest $XA \
	'[.connections[] | select(.state == "LISTEN" and .local_port == 5001)] | length == 1' -l
ovf0=$(ctr $XA ListenOverflows)
for i in 1 2 3; do
	bg_ns $XB $H connect $XA_ADDR 5001 600
	sleep 0.3
done
check "two clients wait in the accept queue" wait_until 45 jtest $XA \
	'.connections[] | select(.local_port == 5001) | .listen.accept_queue == 2' -l
check "LISTEN: Recv-Q 2, Send-Q 1 (backlog), accept_queue 2, backlog 1, syn_queue 0" jtest $XA \
	'.connections[] | select(.local_port == 5001) |
	 .state == "LISTEN" and .kind == "socket" and .recv_q == 2 and .send_q == 1 and
	 .listen.accept_queue == 2 and .listen.backlog == 1 and .listen.syn_queue == 0 and
	 .listen.syn_max == 1 and .local_address == "0.0.0.0" and .inode > 0' -l
check "-p: the listener's owner is $H, pid $lpid" jtest $XA \
	'.connections[] | select(.local_port == 5001 and .state == "LISTEN") |
	 .users | length == 1 and .[0].name == "'$H'" and .[0].pid == '$lpid' and .[0].fd >= 3' -l -p
check "-p text: users:((\"$H\",pid=$lpid,fd=N))" sh -c \
	"xtcpstat -N $XA -l -p -H sport = :5001 | grep -Eq 'users:\(\(\"$H\",pid=$lpid,fd=[0-9]+\)\)'"
check "-p: the queued children, not accepted yet, have no owner" jtest $XA \
	'[.connections[] | select(.local_port == 5001) | .users | length] == [0, 0]' state established -p
check "without -p there is no users field" jtest $XA '.connections[0] | has("users") | not' -l
check "the two queued children are ESTAB on the server, without a file yet" jtest $XA \
	'[.connections[] | select(.local_port == 5001 and .state == "ESTAB" and .inode == 0)] | length == 2' \
	state established
check "the clients: two ESTAB" jtest $XB \
	'[.connections[] | select(.peer_port == 5001)] | length == 2' state established
check "the clients: one SYN-SENT, retransmitting" jtest $XB \
	'[.connections[] | select(.peer_port == 5001 and .timer.kind == "on")] | length == 1' state syn-sent
check "ListenOverflows counted the dropped SYNs" \
	test "$(ctr $XA ListenOverflows)" -gt "$ovf0"
check "text: 'LISTEN 2 1 0.0.0.0:5001 0.0.0.0:*'" sh -c \
	"xtcpstat -N $XA -l -H | grep -Eq '^LISTEN +2 +1 +0\.0\.0\.0:5001 +0\.0\.0\.0:\*'"
check "text -i: accept_queue:2/1 syn_queue:0/1" sh -c \
	"xtcpstat -N $XA -l -i | grep -q 'accept_queue:2/1 syn_queue:0/1'"
check "filter: sport = :5001 keeps only that listener" jtest $XA \
	'[.connections[].local_port] | unique == [5001]' -a sport = :5001
check "filter: dst $XA_ADDR dport = :5001 on the client side" jtest $XB \
	'(.connections | length) == 3 and ([.connections[].peer_address] | unique == ["'$XA_ADDR'"])' \
	-a dst $XA_ADDR dport = :5001
check "filter: exclude listening" jtest $XA \
	'[.connections[] | select(.state == "LISTEN")] == []' exclude listening

# ---- service names, as ss: without -n a port is its /etc/services tcp name ------
# (6379 is "redis" in Debian's /etc/services; the name is looked up, not assumed)
svc=$(getent services 6379/tcp | awk '{ print $1 }')
if [ -z "$svc" ]; then
	skip "service names" "/etc/services names no tcp service on 6379"
else
	bg_ns $XA $H listen 6379 4 600
	spid=$!
	check "a listener on 6379 appears" wait_until 30 jtest $XA \
		'[.connections[] | select(.state == "LISTEN" and .local_port == 6379)] | length == 1' -l
	check "without -n the port is named: 0.0.0.0:$svc" sh -c \
		"xtcpstat -N $XA -l -H | grep -Eq '^LISTEN .* 0\.0\.0\.0:$svc +0\.0\.0\.0:\*'"
	check "-n keeps it numeric: 0.0.0.0:6379" sh -c \
		"xtcpstat -N $XA -l -H -n | grep -Eq '^LISTEN .* 0\.0\.0\.0:6379 +0\.0\.0\.0:\*'"
	check "a filter takes the name (sport = :$svc) and selects that listener only" jtest $XA \
		'[.connections[].local_port] == [6379]' -l sport = :$svc
	kill $spid 2>/dev/null
	check "the 6379 listener is gone" wait_until 30 jtest $XA \
		'[.connections[] | select(.local_port == 6379)] | length == 0' -l
fi

# ---- SYN-SENT and SYN-RECV during a slowed handshake ---------------------------
bg_ns $XA $H server 5002 600
check "the server on 5002 listens" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5002)] | length == 1' -l
# The SYN reaches xa at once, the SYN-ACK takes 6 s: both ends sit in
# their half-open state all that time (the window is wide for slow VMs).
check "netem delays xa's packets (its SYN-ACK) by 6 s (x$SLOW)" netem $XA va delay $((6000 * SLOW))ms
bg_ns $XB $H connect $XA_ADDR 5002 600
syn_sent_and_recv() {
	jtest $XB '[.connections[] | select(.peer_port == 5002 and .peer_address == "'$XA_ADDR'" and
		    .timer.kind == "on" and .timer.expires_ms > 0)] | length == 1' \
		state syn-sent &&
	jtest $XA '([.connections[] | select(.local_port == 5002 and .state == "SYN-RECV" and
		     .kind == "request" and .peer_address == "'$XB_ADDR'" and
		     .timer.kind == "on" and .cookie == 0)] | length == 1) and
		   ([.connections[] | select(.local_port == 5002 and .state == "LISTEN" and
		     .listen.syn_queue == 1)] | length == 1)' \
		state listening state syn-recv
}
check "client SYN-SENT (timer on) while the server holds a SYN-RECV request (syn_queue 1)" \
	wait_until 15 syn_sent_and_recv
check "the handshake completes: client ESTAB" wait_until 45 jtest $XB \
	'[.connections[] | select(.peer_port == 5002)] | length == 1' state established
in_xa $TC qdisc del dev va root 2>/dev/null

# ---- ESTAB with non-zero queues -------------------------------------------------
bg_ns $XA $H server 5003 600 noread
check "the noread server listens" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5003)] | length == 1' -l
bg_ns $XB $H connect $XA_ADDR 5003 600 3000
check "server: ESTAB with Recv-Q 3000 (unread)" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5003 and .recv_q == 3000)] | length == 1' \
	state established
check "-i: the server received 3000 bytes" jtest $XA \
	'.connections[0].info.bytes_received == 3000' -i state established sport = :5003
check "-i: the client had 3000 bytes acknowledged" jtest $XB \
	'.connections[0].info.bytes_acked == 3000' -i state established dport = :5003
check "-m: the server's receive memory holds the data" jtest $XA \
	'.connections[0].skmem.rmem_alloc > 0' -m state established sport = :5003
check "netem delays xb's packets by 3 s (x$SLOW)" netem $XB vb delay $((3000 * SLOW))ms
bg_ns $XB $H connect $XA_ADDR 5003 600 2000
check "client: ESTAB with a non-zero Send-Q (2000 bytes in flight)" wait_until 45 jtest $XB \
	'[.connections[] | select(.peer_port == 5003 and .send_q > 0 and .send_q <= 2000)] | length == 1' \
	state established
in_xb $TC qdisc del dev vb root 2>/dev/null

# ---- -E: one connection's life, in order ---------------------------------------
in_xb sysctl -qw net.xtcp.tw_timeout_ms=3000
bg_ns $XA $H server 5004 600
check "the server on 5004 listens" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5004)] | length == 1' -l
xtcpstat -N $XB -E -j dport = :5004 >$T/ev_b & evb=$!
xtcpstat -N $XA -E -j sport = :5004 >$T/ev_a & eva=$!
on_exit "kill $evb $eva"
sleep 1
check "a client connects, sends, closes first" in_xb $H connect $XA_ADDR 5004 0 10
tw_has_event_cookie() {
	local c; c=$(jq -s '.[0].cookie' $T/ev_b)
	jtest $XB "[.connections[] | select(.peer_port == 5004 and .cookie == $c)] | length == 1" \
		state time-wait
}
check "its TIME-WAIT entry has the cookie its events carry" wait_until 6 tw_has_event_cookie
# evtest FILE JQ: the events in FILE (one JSON per line), as an array, satisfy JQ.
evtest() { jq -se "$2" "$1" >/dev/null && return 0; cat "$1"; return 1; }
check "the client's TIME-WAIT ends (tw_timeout_ms 3000)" wait_until 45 evtest $T/ev_b \
	'any(.[]; .old_state == "TIME-WAIT" and .event == "close")'
check "-E client: SYN-SENT ESTAB FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED, one cookie" evtest $T/ev_b \
	'(map(.cookie) | unique | length) == 1 and
	 map(.new_state) == ["SYN-SENT","ESTAB","FIN-WAIT-1","FIN-WAIT-2","TIME-WAIT","CLOSED"] and
	 .[0].event == "new" and .[-1].reason == "normal" and .[-1].event == "close"'
check "-E server: ESTAB (new) CLOSE-WAIT LAST-ACK CLOSED (normal)" evtest $T/ev_a \
	'(map(.cookie) | unique | length) == 1 and
	 map(.new_state) == ["ESTAB","CLOSE-WAIT","LAST-ACK","CLOSED"] and
	 .[0].event == "new" and .[0].old_state == "SYN-RECV" and .[-1].reason == "normal"'

in_xb sysctl -qw net.xtcp.tw_timeout_ms=60000
kill $evb $eva 2>/dev/null

# ---- TIME-WAIT remaining time, counters -----------------------------------------
ao0=$(ctr $XB ActiveOpens) po0=$(ctr $XA PassiveOpens)
tw0=$(ctr $XB TimeWait) ctw0=$(ctr $XB CurrTimeWait)
check "a client connects and closes first" in_xb $H connect $XA_ADDR 5004 0
check "client: one TIME-WAIT entry to :5004" wait_until 30 jtest $XB \
	'[.connections[] | select(.peer_port == 5004)] | length == 1' state time-wait
e1=$(jval $XB '.connections[] | select(.peer_port == 5004) | .timer.expires_ms' state time-wait)
sleep 1.5
e2=$(jval $XB '.connections[] | select(.peer_port == 5004) | .timer.expires_ms' state time-wait)
check "TIME-WAIT: kind timewait, entry of kind timewait, cookie kept" jtest $XB \
	'.connections[] | select(.peer_port == 5004) | .timer.kind == "timewait" and
	 .kind == "timewait" and .cookie > 0 and .inode == 0' state time-wait
check "TIME-WAIT remaining time is <= 60 s and decreases ($e1 ms, then $e2 ms)" \
	awk -v a="$e1" -v b="$e2" 'BEGIN { exit !(a > 50000 && a <= 60000 && b < a - 1000) }'
check "text -o: timer:(timewait,...)" sh -c \
	"xtcpstat -N $XB -o state time-wait dport = :5004 | grep -Eq 'timer:\(timewait,[0-9]{1,2}sec,0\)'"
check_eq "counters: ActiveOpens +1 in xb" $((ao0 + 1)) "$(ctr $XB ActiveOpens)"
check_eq "counters: PassiveOpens +1 in xa" $((po0 + 1)) "$(ctr $XA PassiveOpens)"
check_eq "counters: TimeWait +1 in xb" $((tw0 + 1)) "$(ctr $XB TimeWait)"
check_eq "counters: CurrTimeWait +1 in xb" $((ctw0 + 1)) "$(ctr $XB CurrTimeWait)"
counters_match_proc() {
	xtcpstat -N $XB --counters -j |
		jq -r '.counters | to_entries[] | "\(.key) \(.value)"' | sort >$T/c1
	in_xb awk 'NR == 1 { for (i = 2; i <= NF; i++) n[i] = $i }
		   NR == 2 { for (i = 2; i <= NF; i++) print n[i], $i }' \
		/proc/net/xtcp/snmp | sort >$T/c2
	diff $T/c1 $T/c2
}
# The counters are live: a late segment to the TIME-WAIT entry (the peer's
# retransmitted FIN or a loss probe) may land between the two reads. The two
# readers must agree on one of five tries; the last diff is shown if not.
counters_match_proc_retry() {
	local i
	for i in 1 2 3 4; do
		counters_match_proc >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	counters_match_proc
}
check "--counters equals /proc/net/xtcp/snmp" counters_match_proc_retry
check "text --counters: one 'Name value' line per counter" sh -c \
	"xtcpstat -N $XB --counters | grep -Eq '^ActiveOpens +[0-9]+$'"

# ---- the close states ----------------------------------------------------------
# From here on xb's TIME-WAIT entries outlive the test (nothing expires during
# the counts below); deleting the namespace frees them.
in_xb sysctl -qw net.xtcp.tw_timeout_ms=600000

# FIN-WAIT-2 / CLOSE-WAIT: the client closes, the noread server neither
# reads nor closes.
check "a client of the noread server closes at once" in_xb $H connect $XA_ADDR 5003 0
check "client: FIN-WAIT-2, orphaned (finwait2 timer)" wait_until 15 jtest $XB \
	'[.connections[] | select(.peer_port == 5003 and .timer.kind == "finwait2" and
	  .inode == 0)] | length == 1' state fin-wait-2
check "server: CLOSE-WAIT, the unread FIN in Recv-Q, shut down for reading" wait_until 15 jtest $XA \
	'[.connections[] | select(.local_port == 5003 and .recv_q == 1 and .shutdown.read and
	  (.shutdown.write | not))] | length == 1' state close-wait

# FIN-WAIT-1 / LAST-ACK: xa's packets delayed 3 s once established; the
# client closes; the server reads EOF and closes at once: its ACK and its
# FIN are both in flight. The ends retransmit meanwhile, and the server,
# closed, answers the late copies with RST: rfc1337 keeps the client's
# TIME-WAIT from being killed by them.
in_xb sysctl -qw net.xtcp.rfc1337=1
bg_ns $XA $H server 5005 600
check "the server on 5005 listens" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5005)] | length == 1' -l
bg_ns $XB $H connect $XA_ADDR 5005 $T/close-5005
check "client ESTAB to 5005" wait_until 15 jtest $XB \
	'[.connections[] | select(.peer_port == 5005)] | length == 1' state established
check "netem delays xa's packets by 3 s (x$SLOW)" netem $XA va delay $((3000 * SLOW))ms
touch $T/close-5005	# the client closes now
fw1_and_last_ack() {
	jtest $XB '[.connections[] | select(.peer_port == 5005 and .send_q == 1 and
		    .timer.kind == "on")] | length == 1' state fin-wait-1 &&
	jtest $XA '[.connections[] | select(.local_port == 5005 and .send_q == 1 and
		    .shutdown.read and .shutdown.write)] | length == 1' state last-ack
}
check "client FIN-WAIT-1 (FIN unacknowledged, timer on) while the server is in LAST-ACK" \
	wait_until 27 fw1_and_last_ack
check "then the client is in TIME-WAIT" wait_until 30 jtest $XB \
	'[.connections[] | select(.peer_port == 5005)] | length == 1' state time-wait
check "and the server's side is gone (passive close: no TIME-WAIT)" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5005 and .state != "LISTEN")] == []' -a
in_xa $TC qdisc del dev va root 2>/dev/null
in_xb sysctl -qw net.xtcp.rfc1337=0

# CLOSING: both ends close at the same moment while each direction is
# delayed 4 s; the FINs cross, each end gets the other's FIN before the ACK
# of its own (CLOSING for 4 s), then both end in TIME-WAIT (the seeds'
# close race).
bg_ns $XA $H server 5006 600 closeon=$T/close-5006
check "the server on 5006 listens" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5006)] | length == 1' -l
bg_ns $XB $H connect $XA_ADDR 5006 $T/close-5006
check "both ends ESTAB on 5006" wait_until 15 sh -c "
	xtcpstat -N $XB -H state established dport = :5006 | grep -q . &&
	xtcpstat -N $XA -H state established sport = :5006 | grep -q ."
check "netem delays xa's packets by 4 s (x$SLOW)" netem $XA va delay $((4000 * SLOW))ms
check "netem delays xb's packets by 4 s (x$SLOW)" netem $XB vb delay $((4000 * SLOW))ms
touch $T/close-5006	# both ends close now
both_closing() {
	jtest $XB '[.connections[] | select(.peer_port == 5006)] | length == 1' state closing &&
	jtest $XA '[.connections[] | select(.local_port == 5006)] | length == 1' state closing
}
check "both ends in CLOSING" wait_until 36 both_closing
check "client: then TIME-WAIT" wait_until 30 jtest $XB \
	'[.connections[] | select(.peer_port == 5006)] | length == 1' state time-wait
check "server: then TIME-WAIT too" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5006)] | length == 1' state time-wait
in_xa $TC qdisc del dev va root 2>/dev/null
in_xb $TC qdisc del dev vb root 2>/dev/null

# ---- -K: abort what the filter selects (SOCK_DESTROY) ---------------------------------
# A client in xb (xtcpcat, its stdin held open) waits to read; -K in xb
# aborts its connection: its read fails with ECONNABORTED, xa's end is
# reset.
bg_ns $XA $H server 5007 600
ksrv=$!
check "the server on 5007 listens" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5007)] | length == 1' -l
sleep 600 | { in_xb xtcpcat $XA_ADDR 5007 >/dev/null 2>$T/kerr; echo $? >$T/krc; } &
kcli=$!
check "both ends ESTAB on 5007" wait_until 30 sh -c "
	xtcpstat -N $XB -H state established dport = :5007 | grep -q . &&
	xtcpstat -N $XA -H state established sport = :5007 | grep -q ."
rst0=$(ctr $XB OutRsts)
check "-K lists the one connection it killed" sh -c \
	"out=\$(xtcpstat -N $XB -H -K dport = :5007); echo \"\$out\";
	 [ \"\$(echo \"\$out\" | grep -c .)\" = 1 ] && echo \"\$out\" | grep -q '^ESTAB .*:5007'"
check "the client's read failed with ECONNABORTED" wait_until 30 grep -q 'read: Software caused connection abort' $T/kerr
check "... and it exited non-zero" wait_until 10 sh -c "test -s $T/krc && ! grep -qx 0 $T/krc"
pkill -f "sleep 600" 2>/dev/null; wait $kcli 2>/dev/null
# The abort's RST, and maybe one more for a segment of xa's that crossed it.
check "xb sent the RST" test "$(ctr $XB OutRsts)" -gt "$rst0"
check "xa's end was reset: no connection on 5007 left" wait_until 30 jtest $XA \
	'[.connections[] | select(.local_port == 5007 and .state != "LISTEN")] == []' -a
check "xb has none left either" jtest $XB '[.connections[] | select(.peer_port == 5007)] == []' -a
# A TIME-WAIT entry is removed, as ss -K removes TCP's.
check "a client of 5007 connects and closes first" in_xb $H connect $XA_ADDR 5007 0
check "client: a TIME-WAIT entry to :5007" wait_until 30 jtest $XB \
	'[.connections[] | select(.peer_port == 5007)] | length == 1' state time-wait
ctw=$(ctr $XB CurrTimeWait)
check "-K removes the TIME-WAIT entry" sh -c \
	"xtcpstat -N $XB -H -K state time-wait dport = :5007 | grep -q '^TIME-WAIT '"
check "... and it is gone" jtest $XB '[.connections[] | select(.peer_port == 5007)] == []' -a
check_eq "... CurrTimeWait one less" $((ctw - 1)) "$(ctr $XB CurrTimeWait)"
# Without CAP_NET_ADMIN: refused, said, exit 1, nothing killed.
rc=0; out=$(in_xa setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	xtcpstat -H -K -l sport = :5007 2>&1) || rc=$?
check_eq "-K without CAP_NET_ADMIN exits 1" 1 "$rc"
check "... and says why: $out" grep -q 'cannot kill LISTEN .*CAP_NET_ADMIN' <<<"$out"
check "... the listener lives" jtest $XA '[.connections[] | select(.local_port == 5007)] | length == 1' -l
check "-K on the listener: it stops listening" sh -c \
	"xtcpstat -N $XA -H -K -l sport = :5007 | grep -q '^LISTEN '"
# It stays what it is without listening: a closed socket bound to the port,
# until its owner closes it.
check "... no LISTEN on 5007 is left; the socket is CLOSED, still bound" jtest $XA \
	'[.connections[] | select(.local_port == 5007) | .state] == ["CLOSED"]' -a
kill $ksrv 2>/dev/null
rc=0; xtcpstat -N $XA -K -E >/dev/null 2>&1 || rc=$?
check_eq "-K with -E is a usage error" 2 "$rc"

# ---- namespace scoping -----------------------------------------------------------------
$IP netns add xtcpstat-xc && on_exit "$IP netns del xtcpstat-xc"
check "a third namespace sees no entry" jtest xtcpstat-xc '.connections == []' -a
check "a third namespace's counters are zero" sh -c \
	"xtcpstat -N xtcpstat-xc --counters -j | jq -e '.counters.ActiveOpens == 0 and .counters.CurrTimeWait == 0'"
check "xb sees none of xa's entries" jtest $XB \
	'[.connections[] | select(.local_address == "'$XA_ADDR'" or .state == "LISTEN")] == []' -a
check "xa sees none of xb's entries" jtest $XA \
	'[.connections[] | select(.local_address == "'$XB_ADDR'")] == []' -a
# ---- raw requests: malformed ones refused, lookups exact --------------------------------
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "raw: ${line#PASS }" ;;
	FAIL\ *) not_ok "raw: ${line#FAIL }" ;;
	*) diag "$line" ;;
	esac
done < <(in_xa python3 "$RAW" 5004 2>&1)
check "the handler still answers after the malformed requests" jtest $XA \
	'[.connections[] | select(.local_port == 5004)] | length == 1' -l

# ---- without the module ------------------------------------------------------------------
# Only possible once no XTCP socket or TIME-WAIT entry is left anywhere.
for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
wait 2>/dev/null
# What the two namespaces still hold once every program is gone: orphans
# (closed, their FIN or data not yet acknowledged) live on as TCP's do,
# and TIME-WAIT entries until the namespace goes. Printed if the module
# stays in use.
left() { for ns in $XA $XB; do echo "== $ns"; xtcpstat -N $ns -a -e -i -o -n; done; }
no_orphans() { [ -z "$(xtcpstat -N $XA -H -a exclude time-wait)$(xtcpstat -N $XB -H -a exclude time-wait)" ]; }
wait_until 60 no_orphans
left >$T/left 2>&1
$IP netns del $XA 2>/dev/null; $IP netns del $XB 2>/dev/null; $IP netns del xtcpstat-xc 2>/dev/null
# The namespaces go in the kernel's cleanup_net worker, after RCU grace
# periods: seen taking about 90 s under TCG late in a full make check.
t0=$(date +%s)
if ! wait_until 240 test "$(cat /sys/module/xtcp/refcnt 2>/dev/null)" = 0; then
	diag "what the namespaces held before they were deleted:" "$(cat $T/left)"
	not_ok "xtcpstat without xtcp.ko: xtcp is still in use (refcnt $(cat /sys/module/xtcp/refcnt))"
elif diag "the module's last user went $(($(date +%s) - t0)) s after the namespaces were deleted" &&
     [ ! -f "$XTCP_KO" ]; then
	skip "xtcpstat without xtcp.ko" "no $XTCP_KO to load it again"
elif ! rmmod xtcp; then
	skip "xtcpstat without xtcp.ko" "rmmod xtcp failed"
else
	on_exit "[ -d /sys/module/xtcp ] || insmod $XTCP_KO"
	rc=0; out=$(xtcpstat -a 2>&1) || rc=$?
	check_eq "listing without the module exits 1" 1 "$rc"
	check "... and asks whether xtcp.ko is loaded: $out" grep -q 'xtcp.ko loaded' <<<"$out"
	rc=0; out=$(xtcpstat --counters 2>&1) || rc=$?
	check_eq "--counters without the module exits 1" 1 "$rc"
	rc=0; out=$(timeout 10 xtcpstat -E 2>&1) || rc=$?
	check_eq "-E without the module exits 1 (at once)" 1 "$rc"
	check "insmod xtcp.ko again" insmod "$XTCP_KO"
	check "xtcpstat works again" xtcpstat -a
fi
tap_done
