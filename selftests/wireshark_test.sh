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
   xtcp.window_size_value xtcp.window_size xtcp.window_size_scalefactor
   xtcp.options.timestamp.tsval xtcp.options.timestamp.tsecr"
args=()
for f in $F; do args+=(-e "$f"); done
t0=$(date +%s)
tshark -n -r $W/cap.pcap -X lua_script:$LUA -T fields -E separator='|' -E occurrence=a \
	"${args[@]}" >$W/fields 2>$W/err
rc=$?
t1=$(date +%s)
check_eq "tshark -X lua_script:xtcp.lua reads the capture (exit status)" 0 $rc
# The checks, in one python3 run over the rows (a process per check costs
# seconds under TCG): one "description<TAB>expected<TAB>actual" line each.
python3 - $W/fields >$W/checks <<'PY'
import sys
R = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
C = ["frame", "stream", "sport", "dport", "flags", "seq", "ack", "len", "nxt",
     "csum", "mss", "shift", "kinds", "sle", "sre", "probe", "echo", "wval",
     "wsize", "wfactor", "tsval", "tsecr"]
R = [dict(zip(C, r)) for r in R]
real, bad = R[:-1], R[-1]		# the flipped copy is the last row
def num(v):
    return int(v) if v not in ("", None) else -1
def first(cond, *cols):
    for r in real:
        if cond(r):
            return " ".join(r.get(c, "") for c in cols)
    return "(none)"
def out(desc, exp, act):
    print("%s\t%s\t%s" % (desc, exp, act))
c2s = lambda r: r["dport"] == "5000"
s2c = lambda r: r["sport"] == "5000"
out("tshark decodes every captured packet as XTCP (%d)" % len(R), "%d yes" % len(R),
    "%d %s" % (sum(1 for r in R if r["sport"] and r["flags"]), "yes" if len(R) > 30 else "no"))
syn = lambda r: c2s(r) and r["flags"] == "0x02"
out("SYN: relative seq 0, stream 0", "0 0", first(syn, "seq", "stream"))
out("SYN: MSS 1460, options MSS, WSCALE, SACK-permitted, Timestamps", "1460 2,3,4,8",
    first(syn, "mss", "kinds"))
out("SYN-ACK: its TSecr echoes the SYN's TSval", first(syn, "tsval"),
    first(lambda r: s2c(r) and r["flags"] == "0x12", "tsecr"))
out("every segment but RSTs carries timestamps (RFC 7323 on by default)", "0",
    str(sum(1 for r in real if r["tsval"] == "" and not int(r["flags"] or "0", 16) & 0x04)))
out("SYN-ACK: seq 0, ack 1, MSS 1460", "0 1 1460",
    first(lambda r: s2c(r) and r["flags"] == "0x12", "seq", "ack", "mss"))
out("first data segment: seq 1, ack 1, len 6, PSH|ACK", "1 1 6 0x18",
    first(lambda r: c2s(r) and num(r["len"]) > 0, "seq", "ack", "len", "flags"))
out("the echo: seq 1, ack 7, len 6", "1 7 6",
    first(lambda r: s2c(r) and num(r["len"]) > 0, "seq", "ack", "len"))
out("FINs: the client's at seq 7, the server's at 7 acking 8", "7 7 8",
    first(lambda r: c2s(r) and r["flags"] == "0x11", "seq") + " " +
    first(lambda r: s2c(r) and r["flags"] == "0x11", "seq", "ack"))
sh = num(first(syn, "shift"))
ack1 = first(lambda r: c2s(r) and r["flags"] == "0x10", "wval").split()
out("window: value << the SYN's shift (%d)" % sh,
    "%d %d" % (num(ack1[0] if ack1 else "") << max(sh, 0), 1 << max(sh, 0)),
    first(lambda r: c2s(r) and r["flags"] == "0x10", "wsize", "wfactor"))
out("checksum status good on all %d captured segments" % len(real), str(len(real)),
    str(sum(1 for r in real if r["csum"] == "1")))
out("the corrupted copy: checksum bad, stream 0, seq 1, len 6", "0 0 1 6",
    " ".join(bad.get(c, "") for c in ("csum", "stream", "seq", "len")))
p2 = lambda r: "5001" in (r["sport"], r["dport"])
p3 = lambda r: "5999" in (r["sport"], r["dport"])
st2 = first(lambda r: r["dport"] == "5001" and r["flags"] == "0x02", "stream")
st3 = first(lambda r: r["dport"] == "5999" and r["flags"] == "0x02", "stream")
out("one stream index per connection", "0 1 2", " ".join((first(syn, "stream"), st2, st3)))
out("every segment of a connection carries its stream index", "0 0 0", "%d %d %d" % (
    sum(1 for r in R if (c2s(r) or s2c(r)) and r["stream"] != "0"),
    sum(1 for r in R if p2(r) and r["stream"] != st2),
    sum(1 for r in R if p3(r) and r["stream"] != st3)))
sacks = [r for r in real if r["sport"] == "5001" and r["sle"]]
out("xa sends SACK blocks", "yes", "yes" if sacks else "no")
d2 = [r for r in real if r["dport"] == "5001" and num(r["len"]) > 0]
s1 = sacks[0] if sacks else {"ack": "", "sle": ""}
f2 = d2[0]["seq"] if d2 else ""
out("the first SACK: ack 1 (the hole), left edge = the first data segment seen (%s)" % f2,
    "1 %s" % f2, "%s %s" % (s1["ack"], s1["sle"].split(",")[0]))
out("the hole is [1, left edge): the first captured data segment starts beyond 1",
    "yes", "yes" if num(f2) > 1 else "no")
rtx = [r for r in d2 if r["seq"] == "1"]
out("the retransmission: seq 1 and it ends at the SACK's left edge",
    "1 %s" % s1["sle"].split(",")[0], "%s %s" % ((rtx[0]["seq"], rtx[0]["nxt"]) if rtx else ("", "")))
ends = set(r["nxt"] for r in d2)
out("every SACK right edge ends a segment xb sent", "0",
    str(sum(1 for r in sacks for e in r["sre"].split(",") if e not in ends)))
nonce = first(lambda r: r["dport"] == "5001" and r["probe"] != "", "probe")
out("the client's PROBE carries a nonce (%s)" % nonce, "yes", "yes" if nonce.startswith("0x") else "no")
out("xa's PROBE-ECHO carries the same nonce", nonce,
    first(lambda r: r["sport"] == "5001" and r["echo"] != "", "echo"))
out("the RST: RST|ACK from port 5999, ack 1", "0x14 1",
    first(lambda r: r["sport"] == "5999", "flags", "ack"))
PY
rc=$?
while IFS=$'\t' read -r desc exp act; do
	check_eq "$desc" "$exp" "$act"
done <$W/checks
check_eq "the checks ran to the end (python3's exit status)" 0 $rc

diag "tshark: $((t1 - t0)) s"
[ "$_tap_fail" = 0 ] || diag "$(cat $W/fields)" "$(grep -v 'Running as user' $W/err)"
tap_done
