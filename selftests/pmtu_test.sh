#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Path MTU discovery (kmod/pmtu.c, docs/protocol.md §33), on a routed path
# whose MIDDLE link is the narrow one, so that the MSS option cannot hide it:
#
#   h1 --1500-- r1 --1280-- r2 --1500-- h2
#   10.11.1.1   .2    10.11.2.x     .2  10.11.3.1
#
# 1. With ICMP: r1 (or r2, for the way back) answers a 1500-byte DF segment
#    with fragmentation needed; the sender lowers the route's PMTU and its
#    MSS, resends, and the transfer (both ways) ends byte-exact with no IP
#    fragment created or reassembled anywhere. A connection made after
#    that starts at the learned PMTU (xtcpstat -i: pmtu:1280).
# 2. A black hole: the same, the topology rebuilt (nothing learned) and a
#    tc filter on both routers dropping exactly those ICMP messages (type 3
#    code 4; neighbour resolution, ARP, is not touched). The senders must
#    find the size themselves after repeated timeouts (net.xtcp.mtu_probing
#    1, the default): done within 60 s, byte-exact, still no fragment.
# Each transfer is 16 MB (1 on the debug kernel) each way, xtcpcat.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd sha256sum xtcpcat xtcpstat timeout

W=$(mktemp -d)
on_exit "rm -rf $W"
MB=16
[ "${XTCP_DEBUG_KERNEL:-0}" = 1 ] && MB=1
head -c $((MB << 20)) /dev/urandom >"$W/data"
want=$(sha256sum <"$W/data" | cut -d' ' -f1)
NS="pm-h1 pm-r1 pm-r2 pm-h2"
H1=pm-h1 R1=pm-r1 R2=pm-r2 H2=pm-h2
H1_ADDR=10.11.1.1 H2_ADDR=10.11.3.1

# The counters are read through /proc/PID/net of a process that lives in
# each namespace (a sleep, started by topology()): an `ip netns exec` per
# read costs seconds on the debug kernel.
declare -A NSPID
# ctr NS NAME: an XTCP counter (/proc/net/xtcp/snmp)
ctr() {
	awk -v n="$2" '$1 == "Xtcp:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Xtcp:" { print (n in c) ? $c[n] : -1 }' /proc/${NSPID[$1]}/net/xtcp/snmp
}
# all_frags: IP fragments created plus reassemblies asked for, in every
# namespace (/proc/net/snmp)
all_frags() {
	local ns f=()
	for ns in $NS; do f+=(/proc/${NSPID[$ns]}/net/snmp); done
	awk '$1 == "Ip:" && !h[FILENAME] { for (i = 2; i <= NF; i++) c[$i] = i; h[FILENAME] = 1; next }
		$1 == "Ip:" { n += $c["FragCreates"] + $c["ReasmReqds"] } END { print n + 0 }' "${f[@]}"
}

link() {	# NS1 DEV1 ADDR1 NS2 DEV2 ADDR2 MTU
	$IP link add $2 netns $1 mtu $7 type veth peer name $5 netns $4 mtu $7 &&
	$IP -n $1 addr add $3/24 dev $2 && $IP -n $4 addr add $6/24 dev $5 &&
	$IP -n $1 link set $2 up && $IP -n $4 link set $5 up
}
topology() {
	local ns
	for ns in $NS; do
		[ -n "${NSPID[$ns]:-}" ] && kill ${NSPID[$ns]} 2>/dev/null
		$IP netns del $ns 2>/dev/null; $IP netns add $ns || return 1
		$IP -n $ns link set lo up
		$IP netns exec $ns sleep 3600 &
		NSPID[$ns]=$!
	done
	for ns in $NS; do	# each sleep in its namespace before /proc/PID/net is read
		wait_until 10 test "$(readlink /proc/${NSPID[$ns]}/ns/net)" != "$(readlink /proc/self/ns/net)" ||
			return 1
	done
	link $H1 e0 10.11.1.1 $R1 e0 10.11.1.2 1500 &&
	link $R1 e1 10.11.2.1 $R2 e1 10.11.2.2 1280 &&
	link $R2 e0 10.11.3.2 $H2 e0 10.11.3.1 1500 || return 1
	$IP netns exec $R1 sysctl -qw net.ipv4.ip_forward=1 &&
	$IP netns exec $R2 sysctl -qw net.ipv4.ip_forward=1 &&
	$IP -n $H1 route add default via 10.11.1.2 &&
	$IP -n $R1 route add 10.11.3.0/24 via 10.11.2.2 &&
	$IP -n $R2 route add 10.11.1.0/24 via 10.11.2.1 &&
	$IP -n $H2 route add default via 10.11.3.2 || return 1
	# Each router rate-limits the ICMP it sends (net.ipv4.icmp_ratelimit,
	# 1 s a burst): a path MTU drop costs one ICMP per connection, fine.
	wait_until 10 $IP netns exec $H1 ping -c1 -W1 -M do -s 1200 $H2_ADDR >/dev/null
}
on_exit 'for ns in $NS; do kill ${NSPID[$ns]:-} 2>/dev/null; $IP netns del $ns 2>/dev/null; done'

wait_until() {	# SECONDS CMD...: poll every 0.1 s
	local end=$(($(date +%s) + $1)); shift
	while ! "$@" 2>/dev/null; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# xfer SRC DST DST_ADDR PORT: $MB MB, byte-exact, within 60 s
xfer() {
	local src=$1 dst=$2 addr=$3 port=$4 srv got
	rm -f "$W/got"
	$IP netns exec "$dst" timeout 90 xtcpcat -q -l -s "$addr" "$port" >"$W/got" </dev/null 2>"$W/srv.err" &
	srv=$!
	wait_until 10 sh -c "$IP netns exec $dst xtcpstat -Hln | grep -q ':$port '"
	if ! $IP netns exec "$src" timeout 60 xtcpcat -q -w 10 "$addr" "$port" <"$W/data" >/dev/null 2>"$W/cli.err"; then
		diag "client failed or took over 60 s: $(cat "$W/cli.err" "$W/srv.err")"
		kill $srv 2>/dev/null; wait $srv 2>/dev/null
		return 1
	fi
	wait $srv
	got=$(sha256sum <"$W/got" | cut -d' ' -f1)
	[ "$got" = "$want" ] || { diag "got $(stat -c %s "$W/got") bytes, sha256 $got"; return 1; }
}

# Both ways with the counters that say how: PMTUDecreased/PMTUBlackhole on
# each sender, fragments everywhere.
both_ways() {	# LABEL COUNTER-THAT-MUST-MOVE COUNTER-THAT-MUST-NOT
	local label=$1 up=$2 still=$3 f0 a0 b0 c0 d0 t0 t1
	f0=$(all_frags) a0=$(ctr $H1 $up) b0=$(ctr $H2 $up) c0=$(ctr $H1 $still) d0=$(ctr $H2 $still)
	t0=$(date +%s)
	check "$label: $MB MB h1 -> h2 byte-exact (through the 1280 link)" xfer $H1 $H2 $H2_ADDR 7400
	check "$label: $MB MB h2 -> h1 byte-exact" xfer $H2 $H1 $H1_ADDR 7401
	t1=$(date +%s)
	diag "$label: $((t1 - t0)) s for both; h1 $up +$(($(ctr $H1 $up) - a0)), h2 $up +$(($(ctr $H2 $up) - b0)); fragments +$(($(all_frags) - f0))"
	check "$label: h1 (sender one way) counted $up" test "$(ctr $H1 $up)" -gt "$a0"
	check "$label: h2 (sender the other way) counted $up" test "$(ctr $H2 $up)" -gt "$b0"
	check_eq "$label: h1 counted no $still" "$c0" "$(ctr $H1 $still)"
	check_eq "$label: h2 counted no $still" "$d0" "$(ctr $H2 $still)"
	check_eq "$label: no IP fragment created or reassembled in any namespace" "$f0" "$(all_frags)"
}

# ---- 1. ICMP fragmentation needed reaches the senders
topology || bail_out "cannot build the routed topology"
# (A larger ping would teach h1's route the PMTU before XTCP could.)
check "the path takes 1280 with DF (ping -M do -s 1252)" \
	$IP netns exec $H1 ping -c1 -W2 -M do -s 1252 $H2_ADDR
both_ways "ICMP" PMTUDecreased PMTUBlackhole
check "h1's route to h2 learned the PMTU (ip route get: mtu 1280)" sh -c \
	"$IP -n $H1 route get $H2_ADDR | grep -q 'mtu 1280'"
# A connection opened now starts at the learned PMTU: no loss at all.
# Both ends hold their side open (stdin a sleep) while xtcpstat looks.
sleep 30 | $IP netns exec $H2 timeout 60 xtcpcat -q -l -s $H2_ADDR 7402 >/dev/null &
spid=$!
wait_until 10 sh -c "$IP netns exec $H2 xtcpstat -Hln | grep -q ':7402 '"
sleep 30 | $IP netns exec $H1 timeout 60 xtcpcat -q $H2_ADDR 7402 >/dev/null &
cpid=$!
new_conn() {
	$IP netns exec $H1 xtcpstat -Hni dport = :7402 >$W/new 2>&1
	grep -q 'mss:1228 .* pmtu:1280' $W/new
}
if wait_until 20 new_conn; then
	ok "a new connection starts at the learned PMTU: xtcpstat -i shows mss:1228 (1280 - 40 - 12 of timestamps) and pmtu:1280"
else
	not_ok "a new connection starts at the learned PMTU (mss:1228, pmtu:1280)"
	diag "xtcpstat -ni in h1:" "$(cat $W/new)"
fi
kill $cpid $spid 2>/dev/null

# ---- 2. A black hole: the routers' fragmentation-needed messages dropped
topology || bail_out "cannot rebuild the routed topology"
# blackhole NS: drop what NS sends of ICMP type 3 code 4, counted. A tc
# flower filter on the egress of e0 (towards the host); on a kernel without
# the classifier (the debug kernel: tinyconfig), an nftables output rule.
BH_HOW=
blackhole() {
	if $IP netns exec $1 $TC qdisc add dev e0 clsact 2>/dev/null &&
	   $IP netns exec $1 $TC filter add dev e0 egress protocol ip pref 1 flower \
		ip_proto icmp type 3 code 4 action drop 2>/dev/null; then
		BH_HOW=tc
	elif $IP netns exec $1 nft -f - <<-EOF
		table ip bh {
			chain out {
				type filter hook output priority 0;
				icmp type destination-unreachable icmp code frag-needed counter drop
			}
		}
		EOF
	then
		BH_HOW=nft
	else
		return 1
	fi
}
# dropped NS: how many the filter dropped
dropped() {
	if [ "$BH_HOW" = tc ]; then
		$IP netns exec $1 $TC -s filter show dev e0 egress | awk '/Sent .* pkt/ { print $4; exit }'
	else
		$IP netns exec $1 nft list chain ip bh out | awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1); exit }'
	fi
}
if ! blackhole $R1 || ! blackhole $R2; then
	not_ok "black hole: cannot drop the routers' fragmentation-needed (tc flower, nft)"
else
	diag "black hole made with $BH_HOW"
	both_ways "black hole" PMTUBlackhole PMTUDecreased
	for r in $R1 $R2; do
		n=$(dropped $r)
		check "black hole: $r's filter dropped the fragmentation-needed it sent (${n:-0})" test "${n:-0}" -gt 0
	done
fi
tap_done
