#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Wireshark dissector (userspace-tools/wireshark/xtcp.lua) on a capture
# of real XTCP traffic: helpers/xtcp_capture.py, in xb, captures on vb
# while it runs three connections to xa (an echo of "hello", 8000 bytes
# with the first data segment dropped by iptables so xa SACKs, then an
# XTCP_PROBE; a closed port's RST), and appends a copy of a data segment
# with a payload byte flipped. tshark then decodes it and the test checks
# the decoded values: relative seq/ack, flags, options, SACK edges against
# the hole, the probe nonce echoed, checksum status good on every segment
# and bad on the corrupted copy, one stream index per connection. (The
# preferences and malformed segments: userspace-tools/wireshark/check.sh,
# on the host, in make check.) Checksums are filled in before the capture
# taps them (tx checksum offload off on both veths); vb takes one segment
# per skb (gso_max_segs 1) so iptables sees, and drops, one segment.
# (6.1 tier only: it tests userspace decoding; docs/testing.md.)
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd xtcpcat xtcpstat tshark python3 iptables ethtool

LUA=$XTCP_TOP/userspace-tools/wireshark/xtcp.lua
W=$(mktemp -d /tmp/wireshark_test.XXXXXX) || bail_out "mktemp"
on_exit "rm -rf $W"
netns_setup
in_xa ethtool -K va tx off >/dev/null 2>&1 || bail_out "ethtool -K va tx off"
in_xb ethtool -K vb tx off >/dev/null 2>&1 || bail_out "ethtool -K vb tx off"
in_xb $IP link set dev vb gso_max_segs 1 || bail_out "gso_max_segs 1 on vb"
in_xb iptables -A OUTPUT -p 253 -m length --length 1000:65535 -m statistic \
	--mode nth --every 1000000 --packet 0 -j DROP ||
	bail_out "iptables with the statistic and length matches is needed"

for p in 5000 5001; do
	in_xa timeout 60 xtcpcat -q -e -l $p >/dev/null 2>&1 &
done
for i in $(seq 1 100); do
	[ "$(in_xa xtcpstat -l -n -H 2>/dev/null | grep -c ':500[01] ')" = 2 ] && break
	sleep 0.1
done
check "traffic: echo, 8000 bytes with a loss, a probe, a refused connect" \
	in_xb timeout 60 python3 $XTCP_TOP/selftests/helpers/xtcp_capture.py vb $XA_ADDR $W/cap.pcap
wait

# One row per packet; the columns, numbered as awk numbers them:
#  1 frame  2 stream  3 sport  4 dport  5 flags  6 seq  7 ack  8 len
#  9 nxtseq  10 checksum status (1 good, 0 bad)  11 MSS  12 wscale shift
#  13 option kinds  14 SACK left edges  15 right edges  16 PROBE nonce
#  17 PROBE-ECHO nonce  18 window value  19 window size  20 scale factor
F="frame.number xtcp.stream xtcp.srcport xtcp.dstport xtcp.flags xtcp.seq xtcp.ack
   xtcp.len xtcp.nxtseq xtcp.checksum.status xtcp.options.mss_val
   xtcp.options.wscale.shift xtcp.option_kind xtcp.options.sack_le
   xtcp.options.sack_re xtcp.options.probe.nonce xtcp.options.probe_echo.nonce
   xtcp.window_size_value xtcp.window_size xtcp.window_size_scalefactor"
args=()
for f in $F; do args+=(-e "$f"); done
t0=$(date +%s)
tshark -n -r $W/cap.pcap -X lua_script:$LUA -T fields -E separator='|' -E occurrence=a \
	"${args[@]}" >$W/fields 2>$W/err
rc=$?
t1=$(date +%s)
check_eq "tshark -X lua_script:xtcp.lua reads the capture (exit status)" 0 $rc
# q CONDITION COLUMN: that column of the first row matching the awk condition.
q() { awk -F'|' "($1) { print \$$2; exit }" $W/fields; }
# n CONDITION: how many rows match.
n() { awk -F'|' "($1) { c++ } END { print c + 0 }" $W/fields; }
rows=$(wc -l <$W/fields)
last=$rows
check "tshark decodes every captured packet as XTCP ($rows)" \
	test "$rows" -gt 30 -a "$(n '$3 != "" && $5 != ""')" = "$rows"

# Connection 1: the handshake, 6 bytes each way, both FINs.
syn='$4 == 5000 && $5 == "0x02"'
check_eq "SYN: relative seq 0, stream 0" "0 0" "$(q "$syn" 6) $(q "$syn" 2)"
check_eq "SYN: MSS 1460, options MSS, WSCALE, SACK-permitted" "1460 2,3,4" \
	"$(q "$syn" 11) $(q "$syn" 13)"
synack='$3 == 5000 && $5 == "0x12"'
check_eq "SYN-ACK: seq 0, ack 1, MSS 1460" "0 1 1460" \
	"$(q "$synack" 6) $(q "$synack" 7) $(q "$synack" 11)"
data1='$4 == 5000 && $8 > 0'
check_eq "first data segment: seq 1, ack 1, len 6, PSH|ACK" "1 1 6 0x18" \
	"$(q "$data1" 6) $(q "$data1" 7) $(q "$data1" 8) $(q "$data1" 5)"
check_eq "the echo: seq 1, ack 7, len 6" "1 7 6" \
	"$(q '$3 == 5000 && $8 > 0' 6) $(q '$3 == 5000 && $8 > 0' 7) $(q '$3 == 5000 && $8 > 0' 8)"
check_eq "FINs: the client's at seq 7, the server's at 7 acking 8" "7 7 8" \
	"$(q '$4 == 5000 && $5 == "0x11"' 6) $(q '$3 == 5000 && $5 == "0x11"' 6) $(q '$3 == 5000 && $5 == "0x11"' 7)"
cshift=$(q "$syn" 12)
ack1='$4 == 5000 && $5 == "0x10"'
check_eq "window: value << the SYN's shift ($cshift), factor $((1 << cshift))" \
	"$(( $(q "$ack1" 18) << cshift )) $((1 << cshift))" "$(q "$ack1" 19) $(q "$ack1" 20)"

# Checksums: good on everything the kernel sent, bad on the flipped copy.
check_eq "checksum status good on all $((rows - 1)) captured segments" "$((rows - 1))" \
	"$(n "NR < $last && \$10 == 1")"
check_eq "the corrupted copy: checksum bad, stream 0, seq 1, len 6" "0 0 1 6" \
	"$(q "NR == $last" 10) $(q "NR == $last" 2) $(q "NR == $last" 6) $(q "NR == $last" 8)"

# Connection 2: the first data segment was dropped; xa SACKs the rest.
st2=$(q '$4 == 5001 && $5 == "0x02"' 2)
st3=$(q '$4 == 5999 && $5 == "0x02"' 2)
check_eq "one stream index per connection" "0 1 2" "$(q "$syn" 2) $st2 $st3"
check_eq "every segment of a connection carries its stream index" "0 0 0" \
	"$(n '($3 == 5000 || $4 == 5000) && $2 != 0 && NR < '$last) $(n '($3 == 5001 || $4 == 5001) && $2 != '$st2) $(n '($3 == 5999 || $4 == 5999) && $2 != '$st3)"
sack='$3 == 5001 && $14 != ""'
first2='$4 == 5001 && $8 > 0'
check "xa sends SACK blocks" test "$(n "$sack")" -gt 0
check_eq "the first SACK: ack 1 (the hole), left edge = the first data segment seen" \
	"1 $(q "$first2" 6)" "$(q "$sack" 7) $(q "$sack" 14)"
check "the hole is [1, left edge): the first captured data segment starts beyond 1" \
	test "$(q "$first2" 6)" -gt 1
rtx='$4 == 5001 && $6 == 1 && $8 > 0'
check_eq "the retransmission: seq 1 and it ends at the SACK's left edge" "1 $(q "$sack" 14)" \
	"$(q "$rtx" 6) $(q "$rtx" 9)"
check_eq "every SACK right edge ends a segment xb sent" "0" \
	"$(awk -F'|' '$4 == 5001 && $8 > 0 { end[$9] = 1 } $3 == 5001 && $15 != "" { if (!($15 in end)) bad++ } END { print bad + 0 }' $W/fields)"
nonce=$(q '$4 == 5001 && $16 != ""' 16)
check "the client's PROBE carries a nonce ($nonce)" test -n "$nonce"
check_eq "xa's PROBE-ECHO carries the same nonce" "$nonce" "$(q '$3 == 5001 && $17 != ""' 17)"

# Connection 3: a closed port's RST|ACK answers the SYN.
check_eq "the RST: RST|ACK from port 5999, ack 1" "0x14 1" \
	"$(q '$3 == 5999' 5) $(q '$3 == 5999' 7)"

diag "tshark: $((t1 - t0)) s"
[ "$_tap_fail" = 0 ] || diag "$(cat $W/fields)" "$(grep -v 'Running as user' $W/err)"
tap_done
