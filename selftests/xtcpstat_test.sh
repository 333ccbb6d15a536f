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
#   XTCPSTAT_TW_COUNT (default 10000) TIME-WAIT entries listed exactly once,
#   namespace scoping, malformed raw requests refused (helpers/xtcp_diag_raw.py),
#   usage errors, and a clear error when xtcp.ko is not loaded.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd jq python3 xtcpstat xtcpstat_helper

H=xtcpstat_helper
RAW=$XTCP_TOP/selftests/helpers/xtcp_diag_raw.py
TW_COUNT=${XTCPSTAT_TW_COUNT:-10000}
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
bg_ns $XA $H listen 5001 1 120
check "the listener appears" wait_until 10 jtest $XA \
	'[.connections[] | select(.state == "LISTEN" and .local_port == 5001)] | length == 1' -l
ovf0=$(ctr $XA ListenOverflows)
for i in 1 2 3; do
	bg_ns $XB $H connect $XA_ADDR 5001 120
	sleep 0.3
done
check "two clients wait in the accept queue" wait_until 15 jtest $XA \
	'.connections[] | select(.local_port == 5001) | .listen.accept_queue == 2' -l
check "LISTEN: Recv-Q 2, Send-Q 1 (backlog), accept_queue 2, backlog 1, syn_queue 0" jtest $XA \
	'.connections[] | select(.local_port == 5001) |
	 .state == "LISTEN" and .kind == "socket" and .recv_q == 2 and .send_q == 1 and
	 .listen.accept_queue == 2 and .listen.backlog == 1 and .listen.syn_queue == 0 and
	 .listen.syn_max == 1 and .local_address == "0.0.0.0" and .inode > 0' -l
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

# ---- SYN-SENT and SYN-RECV during a slowed handshake ---------------------------
bg_ns $XA $H server 5002 120
check "the server on 5002 listens" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 5002)] | length == 1' -l
check "netem delays xa's packets (its SYN-ACK) by 3 s" netem $XA va delay 3000ms
bg_ns $XB $H connect $XA_ADDR 5002 60
check "client: SYN-SENT with the retransmission timer" wait_until 2 jtest $XB \
	'[.connections[] | select(.peer_port == 5002 and .peer_address == "'$XA_ADDR'" and
	  .timer.kind == "on" and .timer.expires_ms > 0)] | length == 1' state syn-sent
check "server: a SYN-RECV request entry, counted in the listener's syn_queue" wait_until 2 jtest $XA \
	'([.connections[] | select(.local_port == 5002 and .state == "SYN-RECV" and
	   .kind == "request" and .peer_address == "'$XB_ADDR'" and .timer.kind == "on" and
	   .cookie == 0)] | length == 1) and
	 ([.connections[] | select(.local_port == 5002 and .state == "LISTEN" and
	   .listen.syn_queue == 1)] | length == 1)' \
	state listening state syn-recv
check "the handshake completes: client ESTAB" wait_until 10 jtest $XB \
	'[.connections[] | select(.peer_port == 5002)] | length == 1' state established
in_xa $TC qdisc del dev va root 2>/dev/null

# ---- ESTAB with non-zero queues -------------------------------------------------
bg_ns $XA $H server 5003 120 noread
check "the noread server listens" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 5003)] | length == 1' -l
bg_ns $XB $H connect $XA_ADDR 5003 120 3000
check "server: ESTAB with Recv-Q 3000 (unread)" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 5003 and .recv_q == 3000)] | length == 1' \
	state established
check "-i: the server received 3000 bytes" jtest $XA \
	'.connections[0].info.bytes_received == 3000' -i state established sport = :5003
check "-i: the client had 3000 bytes acknowledged" jtest $XB \
	'.connections[0].info.bytes_acked == 3000' -i state established dport = :5003
check "-m: the server's receive memory holds the data" jtest $XA \
	'.connections[0].skmem.rmem_alloc > 0' -m state established sport = :5003
check "netem delays xb's packets by 2 s" netem $XB vb delay 2000ms
bg_ns $XB $H connect $XA_ADDR 5003 120 2000
check "client: ESTAB with a non-zero Send-Q (2000 bytes in flight)" wait_until 10 jtest $XB \
	'[.connections[] | select(.peer_port == 5003 and .send_q > 0 and .send_q <= 2000)] | length == 1' \
	state established
in_xb $TC qdisc del dev vb root 2>/dev/null

# ---- -E: one connection's life, in order ---------------------------------------
in_xb sysctl -qw net.xtcp.tw_timeout_ms=3000
bg_ns $XA $H server 5004 120
check "the server on 5004 listens" wait_until 10 jtest $XA \
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
check "its TIME-WAIT entry has the cookie its events carry" wait_until 2 tw_has_event_cookie
# evtest FILE JQ: the events in FILE (one JSON per line), as an array, satisfy JQ.
evtest() { jq -se "$2" "$1" >/dev/null && return 0; cat "$1"; return 1; }
check "the client's TIME-WAIT ends (tw_timeout_ms 3000)" wait_until 15 evtest $T/ev_b \
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
check "client: one TIME-WAIT entry to :5004" wait_until 10 jtest $XB \
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
	"xtcpstat -N $XB -o state time-wait dport = :5004 | grep -q 'timer:(timewait,5[0-9]sec,0)'"
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
check "--counters equals /proc/net/xtcp/snmp" counters_match_proc
check "text --counters: one 'Name value' line per counter" sh -c \
	"xtcpstat -N $XB --counters | grep -Eq '^ActiveOpens +[0-9]+$'"

# ---- the close states ----------------------------------------------------------
# From here on xb's TIME-WAIT entries outlive the test (nothing expires during
# the counts below); deleting the namespace frees them.
in_xb sysctl -qw net.xtcp.tw_timeout_ms=600000
real_ms() { date +%s%3N; }

# FIN-WAIT-2 / CLOSE-WAIT: the client closes, the noread server neither
# reads nor closes.
check "a client of the noread server closes at once" in_xb $H connect $XA_ADDR 5003 0
check "client: FIN-WAIT-2, orphaned (finwait2 timer)" wait_until 5 jtest $XB \
	'[.connections[] | select(.peer_port == 5003 and .timer.kind == "finwait2" and
	  .inode == 0)] | length == 1' state fin-wait-2
check "server: CLOSE-WAIT, the unread FIN in Recv-Q, shut down for reading" wait_until 5 jtest $XA \
	'[.connections[] | select(.local_port == 5003 and .recv_q == 1 and .shutdown.read and
	  (.shutdown.write | not))] | length == 1' state close-wait

# FIN-WAIT-1 / LAST-ACK: xa's packets delayed 2 s once established; the
# client closes; the server reads EOF and closes at once: its ACK and its
# FIN are both in flight.
bg_ns $XA $H server 5005 120
check "the server on 5005 listens" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 5005)] | length == 1' -l
at=$(($(real_ms) + 4000))
bg_ns $XB $H connect $XA_ADDR 5005 @$at
check "client ESTAB to 5005" wait_until 5 jtest $XB \
	'[.connections[] | select(.peer_port == 5005)] | length == 1' state established
check "netem delays xa's packets by 2 s" netem $XA va delay 2000ms
check "client: FIN-WAIT-1, its FIN unacknowledged, retransmission timer on" wait_until 8 jtest $XB \
	'[.connections[] | select(.peer_port == 5005 and .send_q == 1 and .timer.kind == "on")] | length == 1' \
	state fin-wait-1
check "server: LAST-ACK, its FIN in flight" wait_until 3 jtest $XA \
	'[.connections[] | select(.local_port == 5005 and .send_q == 1 and .shutdown.read and
	  .shutdown.write)] | length == 1' state last-ack
check "then the client is in TIME-WAIT" wait_until 10 jtest $XB \
	'[.connections[] | select(.peer_port == 5005)] | length == 1' state time-wait
check "and the server's side is gone (passive close: no TIME-WAIT)" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 5005 and .state != "LISTEN")] == []' -a
in_xa $TC qdisc del dev va root 2>/dev/null

# CLOSING: both ends close at the same instant while each direction is
# delayed 2 s; the FINs cross, each end gets the other's FIN before the ACK
# of its own, then both end in TIME-WAIT (the seeds' close race).
at=$(($(real_ms) + 5000))
bg_ns $XA $H server 5006 120 closeat=$at
check "the server on 5006 listens" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 5006)] | length == 1' -l
bg_ns $XB $H connect $XA_ADDR 5006 @$at
check "both ends ESTAB on 5006" wait_until 5 sh -c "
	xtcpstat -N $XB -H state established dport = :5006 | grep -q . &&
	xtcpstat -N $XA -H state established sport = :5006 | grep -q ."
check "netem delays xa's packets by 2 s" netem $XA va delay 2000ms
check "netem delays xb's packets by 2 s" netem $XB vb delay 2000ms
check "client: CLOSING" wait_until 10 jtest $XB \
	'[.connections[] | select(.peer_port == 5006)] | length == 1' state closing
check "server: CLOSING" wait_until 3 jtest $XA \
	'[.connections[] | select(.local_port == 5006)] | length == 1' state closing
check "client: then TIME-WAIT" wait_until 10 jtest $XB \
	'[.connections[] | select(.peer_port == 5006)] | length == 1' state time-wait
check "server: then TIME-WAIT too" wait_until 10 jtest $XA \
	'[.connections[] | select(.local_port == 5006)] | length == 1' state time-wait
in_xa $TC qdisc del dev va root 2>/dev/null
in_xb $TC qdisc del dev vb root 2>/dev/null

# ---- many TIME-WAIT entries, each listed once ---------------------------------------
in_xb sysctl -qw net.xtcp.local_port_range="1024 65535"
bg_ns $XA $H server 6000 240
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

# ---- namespace scoping -----------------------------------------------------------------
$IP netns add xtcpstat-xc && on_exit "$IP netns del xtcpstat-xc"
check "a third namespace sees no entry" jtest xtcpstat-xc '.connections == []' -a
check "a third namespace's counters are zero" sh -c \
	"xtcpstat -N xtcpstat-xc --counters -j | jq -e '.counters.ActiveOpens == 0 and .counters.CurrTimeWait == 0'"
check "xb sees none of xa's entries" jtest $XB \
	'[.connections[] | select(.local_address == "'$XA_ADDR'" or .state == "LISTEN")] == []' -a
check "xa sees none of xb's entries" jtest $XA \
	'[.connections[] | select(.local_address == "'$XB_ADDR'" or .peer_port == 6000)] == []' -a

# ---- raw requests: malformed ones refused, lookups exact --------------------------------
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "raw: ${line#PASS }" ;;
	FAIL\ *) not_ok "raw: ${line#FAIL }" ;;
	*) diag "$line" ;;
	esac
done < <(in_xa python3 "$RAW" 6000 2>&1)
check "the handler still answers after the malformed requests" jtest $XA \
	'[.connections[] | select(.local_port == 6000)] | length == 1' -l

# ---- without the module ------------------------------------------------------------------
# Only possible once no XTCP socket or TIME-WAIT entry is left anywhere.
for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
wait 2>/dev/null
$IP netns del $XA 2>/dev/null; $IP netns del $XB 2>/dev/null; $IP netns del xtcpstat-xc 2>/dev/null
if ! wait_until 30 test "$(cat /sys/module/xtcp/refcnt 2>/dev/null)" = 0; then
	skip "xtcpstat without xtcp.ko" "xtcp is still in use (refcnt $(cat /sys/module/xtcp/refcnt))"
elif [ ! -f "$XTCP_KO" ]; then
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
