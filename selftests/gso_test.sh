#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Large segments (GSO, kmod/offload.c; GRO, kmod/gro.c): byte-exact
# transfers with the sender's GSO on and off, with the receiver's GRO on
# (alone, and under loss, duplication, reordering and corruption), and
# through a router (a forwarding namespace)
# where the large skbs must be cut in software by XTCP's callback: an
# egress device that takes one segment per skb (gso_max_segs 1), and an
# egress MTU 8 bytes smaller than the sender's (PPPoE's 1492 after 1500):
# without DF (the sender's net.ipv4.ip_no_pmtu_disc 1) the core must see
# the segments' exact length to cut (and fragment) instead of passing the
# skb on whole; with DF (the default) the sender learns the path MTU and
# nothing is fragmented. Each case checks the counters that
# prove what happened, not only that the bytes arrived:
#   OutGsoSkbs (sender), InGsoSkbs (receiver), GsoSegmented (router),
#   GroSkbs (where GRO merged), and IP packets per MB handed to IP by the
#   sender or received by the receiver.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd sha256sum xtcpcat xtcpstat timeout ethtool

W=$(mktemp -d)
on_exit "rm -rf $W"
# 8 MB a transfer; 2 on the debug kernel, where KASAN makes every byte
# slow: the per-MB counts and the cut paths are the same at 2.
MB=8
[ "${XTCP_DEBUG_KERNEL:-0}" = 1 ] && MB=1
head -c $((MB << 20)) /dev/urandom >"$W/data"
want=$(sha256sum <"$W/data" | cut -d' ' -f1)

# ctr NS NAME: an XTCP counter of the namespace (/proc/net/xtcp/snmp)
ctr() {
	$IP netns exec "$1" awk -v n="$2" '$1 == "Xtcp:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Xtcp:" { print (n in c) ? $c[n] : -1 }' /proc/net/xtcp/snmp
}
# ip_out NS: IP packets handed down (Ip: OutRequests)
ip_out() {
	$IP netns exec "$1" awk '$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) if ($i == "OutRequests") c = i; h = 1; next }
		$1 == "Ip:" { print $c }' /proc/net/snmp
}

# ip_in NS: IP packets received (Ip: InReceives; one per GRO packet)
ip_in() {
	$IP netns exec "$1" awk '$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) if ($i == "InReceives") c = i; h = 1; next }
		$1 == "Ip:" { print $c }' /proc/net/snmp
}

# ip_frags NS: IP fragments created (Ip: FragCreates)
ip_frags() {
	$IP netns exec "$1" awk '$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) if ($i == "FragCreates") c = i; h = 1; next }
		$1 == "Ip:" { print $c }' /proc/net/snmp
}

# xfer SRC_NS DST_NS DST_ADDR PORT: $MB MB from SRC to DST, byte-exact?
xfer() {
	local src=$1 dst=$2 addr=$3 port=$4 t srv got
	rm -f "$W/got"
	$IP netns exec "$dst" timeout 120 xtcpcat -q -l -s "$addr" "$port" >"$W/got" </dev/null 2>"$W/srv.err" &
	srv=$!
	for t in $(seq 1 100); do
		$IP netns exec "$dst" xtcpstat -ln 2>/dev/null | grep -q ":$port " && break
		sleep 0.1
	done
	if ! $IP netns exec "$src" timeout 120 xtcpcat -q -w 30 "$addr" "$port" <"$W/data" >/dev/null 2>"$W/cli.err"; then
		diag "client failed: $(cat "$W/cli.err" "$W/srv.err")"
		kill $srv 2>/dev/null; wait $srv 2>/dev/null
		return 1
	fi
	wait $srv
	got=$(sha256sum <"$W/got" | cut -d' ' -f1)
	[ "$got" = "$want" ] || { diag "got $(stat -c %s "$W/got") bytes, sha256 $got"; return 1; }
}

# ---- 1. Two hosts on a veth pair: the sender's GSO on, then off.
netns_setup
o0=$(ctr $XB OutGsoSkbs) i0=$(ctr $XA InGsoSkbs) p0=$(ip_out $XB)
check "GSO on: $MB MB byte-exact over veth" xfer $XB $XA $XA_ADDR 7101
o1=$(ctr $XB OutGsoSkbs) i1=$(ctr $XA InGsoSkbs) p1=$(ip_out $XB)
diag "GSO on: sender OutGsoSkbs +$((o1 - o0)), receiver InGsoSkbs +$((i1 - i0)), $(((p1 - p0) / MB)) IP packets per MB"
check "GSO on: the sender built large skbs (OutGsoSkbs moved)" test $((o1 - o0)) -gt 0
check "GSO on: veth passed them whole (InGsoSkbs moved)" test $((i1 - i0)) -gt 0
check "GSO on: under 200 IP packets per MB (one per MSS would be 720)" test $(((p1 - p0) / MB)) -lt 200

# A device that takes one segment per skb: the route says no GSO.
in_xb $IP link set dev vb gso_max_segs 1
o0=$(ctr $XB OutGsoSkbs) p0=$(ip_out $XB)
check "GSO off: $MB MB byte-exact over veth" xfer $XB $XA $XA_ADDR 7102
o1=$(ctr $XB OutGsoSkbs) p1=$(ip_out $XB)
diag "GSO off: sender OutGsoSkbs +$((o1 - o0)), $(((p1 - p0) / MB)) IP packets per MB"
check_eq "GSO off: no large skb was built" 0 $((o1 - o0))
check "GSO off: one IP packet per segment (over 600 per MB)" test $(((p1 - p0) / MB)) -gt 600
in_xb $IP link set dev vb gso_max_segs 65535

# ---- 2. GRO on the receiver. `gro on` gives va a NAPI; veth hands it
# only skbs from a device without TSO; gso_max_segs 1 keeps XTCP's sender
# to one segment per skb. Large skbs at xa can then only be GRO's.
in_xa ethtool -K va gro on >/dev/null && in_xb ethtool -K vb tso off >/dev/null &&
	in_xb $IP link set dev vb gso_max_segs 1 || bail_out "cannot turn GRO on"
gro_xfer() {	# NAME PORT: a transfer xb -> xa and the counters that prove GRO
	local g0 i0 r0 g1 i1 r1
	g0=$(ctr $XA GroSkbs) i0=$(ctr $XA InGsoSkbs) r0=$(ip_in $XA)
	check "$1: $MB MB byte-exact over veth" xfer $XB $XA $XA_ADDR $2
	g1=$(ctr $XA GroSkbs) i1=$(ctr $XA InGsoSkbs) r1=$(ip_in $XA)
	diag "$1: receiver GroSkbs +$((g1 - g0)), InGsoSkbs +$((i1 - i0)), $(((r1 - r0) / MB)) IP packets per MB received"
	check "$1: the receiver merged segments (GroSkbs moved)" test $((g1 - g0)) -gt 0
	check "$1: the merged skbs reached XTCP whole (InGsoSkbs moved)" test $((i1 - i0)) -gt 0
	GRO_PER_MB=$(((r1 - r0) / MB))
}
# veth polls its NAPI on the sending CPU, once per segment when the sender
# sends from process context: there is nothing to merge. gro_flush_timeout
# (2 ms) keeps what GRO holds across polls, as a NIC's interrupt coalescing
# would: the chains then grow, whatever the rate.
in_xa sh -c 'echo 2000000 >/sys/class/net/va/gro_flush_timeout' ||
	bail_out "cannot set va's gro_flush_timeout"
gro_xfer "GRO" 7105
# How much GRO merges depends on how many segments arrive within one
# flush timeout: under KASAN the sender makes a few per 2 ms, so on the
# debug kernel the ratio is only shown (GroSkbs and InGsoSkbs above still
# prove that merging happens and reaches XTCP whole).
if [ "${XTCP_DEBUG_KERNEL:-0}" = 1 ]; then
	diag "GRO: $GRO_PER_MB IP packets per MB received (not checked on the debug kernel)"
else
	check "GRO: under half the IP packets per MB received (one per segment is 720)" test $GRO_PER_MB -lt 360
fi
# Every impairment at once: what GRO must never merge (a gap, a
# duplicate, a corrupted segment) still arrives right, alone.
netem $XB vb loss 1% duplicate 1% reorder 5% 50% corrupt 2% delay 1ms
c0=$(ctr $XA InCsumErrors)
gro_xfer "GRO under loss, duplication, reordering, corruption" 7106
c1=$(ctr $XA InCsumErrors)
diag "GRO under impairment: receiver InCsumErrors +$((c1 - c0))"
check "GRO under impairment: corrupted segments were caught, not merged (InCsumErrors moved)" test $((c1 - c0)) -gt 0
in_xb $TC qdisc del dev vb root
in_xa sh -c 'echo 0 >/sys/class/net/va/gro_flush_timeout'
in_xa ethtool -K va gro off >/dev/null; in_xb ethtool -K vb tso on >/dev/null
in_xb $IP link set dev vb gso_max_segs 65535

# ---- 3. Through a router: ga 10.9.1.1 -- gr (forwarding) -- gb 10.9.2.1
GA=gsoa GR=gsor GB=gsob
for n in $GA $GR $GB; do $IP netns del $n 2>/dev/null; done
on_exit "$IP netns del $GA; $IP netns del $GR; $IP netns del $GB"
$IP netns add $GA && $IP netns add $GR && $IP netns add $GB &&
$IP link add ra netns $GA type veth peer name r1 netns $GR &&
$IP link add rb netns $GB type veth peer name r2 netns $GR &&
$IP -n $GA addr add 10.9.1.1/24 dev ra && $IP -n $GR addr add 10.9.1.2/24 dev r1 &&
$IP -n $GB addr add 10.9.2.1/24 dev rb && $IP -n $GR addr add 10.9.2.2/24 dev r2 &&
for n in $GA $GR $GB; do $IP -n $n link set lo up || exit 1; done &&
$IP -n $GA link set ra up && $IP -n $GR link set r1 up &&
$IP -n $GR link set r2 up && $IP -n $GB link set rb up &&
$IP -n $GA route add default via 10.9.1.2 && $IP -n $GB route add default via 10.9.2.2 &&
$IP netns exec $GR sysctl -qw net.ipv4.ip_forward=1 ||
	bail_out "cannot build the routed network"
for t in $(seq 1 50); do
	$IP -n $GA -o link show ra | grep -q 'state UP' &&
		$IP -n $GB -o link show rb | grep -q 'state UP' && break
	sleep 0.1
done

# routed NAME: a transfer ga -> gb; the router must cut, gb gets no large skb
routed() {
	local o0 s0 i0 o1 s1 i1
	o0=$(ctr $GA OutGsoSkbs) s0=$(ctr $GR GsoSegmented) i0=$(ctr $GB InGsoSkbs)
	check "$1: $MB MB byte-exact through the router" xfer $GA $GB 10.9.2.1 $2
	o1=$(ctr $GA OutGsoSkbs) s1=$(ctr $GR GsoSegmented) i1=$(ctr $GB InGsoSkbs)
	diag "$1: sender OutGsoSkbs +$((o1 - o0)), router GsoSegmented +$((s1 - s0)), receiver InGsoSkbs +$((i1 - i0))"
	if [ "${3:-}" = gro ]; then
		check_eq "$1: the sender built no large skb" 0 $((o1 - o0))
	else
		check "$1: the sender built large skbs" test $((o1 - o0)) -gt 0
	fi
	check "$1: the router cut them in software (GsoSegmented moved)" test $((s1 - s0)) -gt 0
	check_eq "$1: the receiver got wire-sized segments only" 0 $((i1 - i0))
}
$IP -n $GR link set dev r2 gso_max_segs 1
routed "egress gso_max_segs 1" 7103
$IP -n $GR link set dev r2 gso_max_segs 65535
# Only the router's egress: gb's own MTU stays 1500, so both ends agree
# on an MSS of 1460 and every 1500-byte segment is 8 bytes too big there.
$IP -n $GR link set dev r2 mtu 1492
# Without DF (the sender's net.ipv4.ip_no_pmtu_disc 1: its sockets start
# with IP_PMTUDISC_DONT, as TCP's): the router cuts and fragments.
$IP netns exec $GA sysctl -qw net.ipv4.ip_no_pmtu_disc=1
routed "egress MTU 1492 (8 bytes under the sender's), no DF" 7104
$IP netns exec $GA sysctl -qw net.ipv4.ip_no_pmtu_disc=0
# With DF, the default (kmod/pmtu.c, pmtu_test.sh): the router's
# fragmentation needed teaches the sender the PMTU, nothing is fragmented.
fr0=$(ip_frags $GR) p0=$(ctr $GA PMTUDecreased)
check "egress MTU 1492, DF: $MB MB byte-exact through the router" xfer $GA $GB 10.9.2.1 7109
check "egress MTU 1492, DF: the sender learned the path MTU (PMTUDecreased moved)" \
	test "$(ctr $GA PMTUDecreased)" -gt "$p0"
check_eq "egress MTU 1492, DF: the router fragmented nothing" "$fr0" "$(ip_frags $GR)"

# GRO on the router's ingress, the sender one segment per skb: the router
# merges, then cuts again where its egress takes one segment per skb, or
# passes the merged skb on whole where it can.
$IP netns exec $GR ethtool -K r1 gro on >/dev/null && $IP netns exec $GA ethtool -K ra tso off >/dev/null &&
	$IP -n $GA link set dev ra gso_max_segs 1 || bail_out "cannot turn GRO on at the router"
$IP -n $GR link set dev r2 mtu 1500 gso_max_segs 1
g0=$(ctr $GR GroSkbs)
routed "router GRO, egress gso_max_segs 1" 7107 gro
g1=$(ctr $GR GroSkbs)
diag "router GRO: GroSkbs +$((g1 - g0))"
check "router GRO: the router merged segments (GroSkbs moved)" test $((g1 - g0)) -gt 0
$IP -n $GR link set dev r2 gso_max_segs 65535
g0=$(ctr $GR GroSkbs) i0=$(ctr $GB InGsoSkbs)
check "router GRO, egress takes it whole: $MB MB byte-exact" xfer $GA $GB 10.9.2.1 7108
g1=$(ctr $GR GroSkbs) i1=$(ctr $GB InGsoSkbs)
diag "router GRO, whole: router GroSkbs +$((g1 - g0)), receiver InGsoSkbs +$((i1 - i0))"
check "router GRO, whole: the router merged segments" test $((g1 - g0)) -gt 0
check "router GRO, whole: the receiver got the merged skbs (InGsoSkbs moved)" test $((i1 - i0)) -gt 0

check "the router counted no XTCP input error" test "$(ctr $GR InErrs)" -le 0
tap_done
