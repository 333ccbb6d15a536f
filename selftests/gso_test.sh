#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Large segments (GSO, kmod/offload.c): byte-exact transfers with the
# sender's GSO on and off, and through a router (a forwarding namespace)
# where the large skbs must be cut in software by XTCP's callback: an
# egress device that takes one segment per skb (gso_max_segs 1), and an
# egress MTU 8 bytes smaller than the sender's (PPPoE's 1492 after 1500),
# where the core must see the segments' exact length to cut (and fragment)
# instead of passing the skb on whole. Each case checks the counters that
# prove what happened, not only that the bytes arrived:
#   OutGsoSkbs (sender), InGsoSkbs (receiver), GsoSegmented (router),
#   and IP packets per MB handed to IP by the sender.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd sha256sum xtcpcat xtcpstat timeout

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

# xfer SRC_NS DST_NS DST_ADDR PORT: $MB MB from SRC to DST, byte-exact?
xfer() {
	local src=$1 dst=$2 addr=$3 port=$4 t srv got
	rm -f "$W/got"
	$IP netns exec "$dst" timeout 120 xtcpcat -q -l -s "$addr" "$port" >"$W/got" </dev/null 2>"$W/srv.err" &
	srv=$!
	for t in $(seq 1 100); do
		$IP netns exec "$dst" xtcpstat -l 2>/dev/null | grep -q ":$port " && break
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

# ---- 2. Through a router: ga 10.9.1.1 -- gr (forwarding) -- gb 10.9.2.1
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
	check "$1: the sender built large skbs" test $((o1 - o0)) -gt 0
	check "$1: the router cut them in software (GsoSegmented moved)" test $((s1 - s0)) -gt 0
	check_eq "$1: the receiver got wire-sized segments only" 0 $((i1 - i0))
}
$IP -n $GR link set dev r2 gso_max_segs 1
routed "egress gso_max_segs 1" 7103
$IP -n $GR link set dev r2 gso_max_segs 65535
# Only the router's egress: gb's own MTU stays 1500, so both ends agree
# on an MSS of 1460 and every 1500-byte segment is 8 bytes too big there.
$IP -n $GR link set dev r2 mtu 1492
routed "egress MTU 1492 (8 bytes under the sender's)" 7104

check "the router counted no XTCP input error" test "$(ctr $GR InErrs)" -le 0
tap_done
