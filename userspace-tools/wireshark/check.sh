#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side check of xtcp.lua on hand-made segments (make check runs it;
# selftests/wireshark_test.sh decodes real traffic in the VM). What the
# kernel never sends: another IP protocol number (the xtcp.ipproto
# preference, whose number also enters the checksum's pseudo-header), the
# three preferences, malformed headers, flags and options, a checksum left
# partial by offload, unknown and reserved options, four SACK blocks.
# Prints "ok"/"not ok" per case; exits 1 if any failed, 4 without tshark.
set -u
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
LUA=$HERE/xtcp.lua
command -v tshark >/dev/null || { echo "tshark is not installed (make deps)"; exit 4; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
eq() {
	if [ "$2" = "$3" ]; then echo "ok - $1"; else
		echo "not ok - $1"; echo "#   expected: $2"; echo "#   actual:   $3"; fails=$((fails + 1)); fi
}

# The capture (LINKTYPE_RAW: bare IPv4).
python3 - "$tmp" <<'EOF'
import struct, sys
d = sys.argv[1]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s > 0xffff:
        s = (s & 0xffff) + (s >> 16)
    return s

def seg(proto=253, flags=0x02, seq=1000, ack=0, opts=b"", data=b"", doff=None,
        sport=40000, dport=5000, check="good"):
    src, dst = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])
    hl = 20 + len(opts)
    doff = hl // 4 if doff is None else doff
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 512, 0, 0)
    x = bytearray(h + opts + data)
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(x))
    if check == "good":
        c = 0xffff - csum(pseudo + bytes(x))
    elif check == "partial":
        c = csum(pseudo)
    else:
        c = check
    x[16:18] = struct.pack("!H", c)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(x), 1, 0, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", 0xffff - csum(ip)) + ip[12:]
    return ip + bytes(x)

synopts = b"\x02\x04\x05\xb4\x01\x03\x03\x07\x01\x01\x04\x02"
# One file, one packet per case, each on a 4-tuple of its own (frame N
# from port 40000 + N), so that no case sees another's ISN.
cases = [
    dict(proto=200, opts=synopts),                                  # 1
    dict(flags=0x10, ack=1, opts=b"\x01\x01\x09\x05\0\0\0\0"),        # 2 PROBE len 5
    dict(flags=0x01, ack=1),                                        # 3 bare FIN
    dict(flags=0x30, ack=1),                                        # 4 reserved bit
    dict(flags=0x10, ack=1, doff=4),                                # 5 doff 4
    dict(flags=0x10, ack=1, data=b"abc", check="partial"),          # 6
    dict(flags=0x10, seq=7, ack=2000, opts=b"\x01\x01\x05\x22" +   # 7 4 SACK blocks
         struct.pack("!8I", 2100, 2200, 2300, 2400, 2500, 2600, 2700, 2800)),
    dict(flags=0x10, ack=1, opts=b"\x08\x0a" + b"\0" * 8 +            # 8 TS, kind 99,
         b"\x63\x04\xab\xcd" + b"\x01\x01\x0a\x06\x12\x34\x56\x78\x00\x00"),  # PROBE-ECHO
]
with open("%s/all.pcap" % d, "wb") as f:
    f.write(struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    for i, c in enumerate(cases):
        p = seg(sport=40001 + i, **c)
        f.write(struct.pack("=IIII", 1, i, len(p), len(p)) + p)
EOF
[ -f "$tmp/all.pcap" ] || { echo "not ok - python3 could not write the test capture"; exit 1; }

# fields "FIELD..." [TSHARK-OPTION...]: one line per frame, "|" between
# the fields, "," between occurrences.
fields() { local x a=(); for x in $1; do a+=(-e "$x"); done; shift
	tshark -n -X lua_script:"$LUA" -r "$tmp/all.pcap" -T fields -E separator='|' \
		-E occurrence=a "${a[@]}" "$@" 2>/dev/null; }
F="xtcp.srcport xtcp.seq xtcp.ack xtcp.ack_raw xtcp.flags xtcp.flags.res
   xtcp.checksum.status xtcp.options.mss_val xtcp.options.wscale.shift
   xtcp.option_kind xtcp.options.sack.count xtcp.options.sack_le
   xtcp.options.unknown xtcp.options.probe_echo.nonce xtcp.options.malformed
   xtcp.flags.invalid xtcp.hdr.malformed xtcp.checksum_partial"
fields "$F" >"$tmp/default"
fields "$F" -o xtcp.ipproto:200 >"$tmp/p200"
fields "$F" -o xtcp.ipproto:200 -o xtcp.relative:FALSE -o xtcp.check_checksum:FALSE >"$tmp/raw"
# row FILE N: frame N's line.
row() { sed -n "${2}p" "$tmp/$1"; }

eq "protocol 253 by default: the protocol 200 segment is not XTCP" "|||||||||||||||||" "$(row default 1)"
eq "-o xtcp.ipproto:200: decoded, checksum good over PTCL 200, MSS 1460, shift 7" \
	"40001|0||0|0x02|0x00|1|1460|7|2,3,4||||||||" "$(row p200 1)"
eq "... and the protocol 253 segments are not XTCP then" "|||||||||||||||||" "$(row p200 2)"
eq "-o xtcp.relative:FALSE -o xtcp.check_checksum:FALSE: raw seq, unverified" \
	"40001|1000||0|0x02|0x00|2|1460|7|2,3,4||||||||" "$(row raw 1)"
eq "PROBE of length 5: a malformed option (the kernel's InBadOpts)" \
	"40002|1|1|1|0x10|0x00|1|||9|||||1|||" "$(row default 2)"
eq "a bare FIN: an invalid flag combination (InBadFlags), no ack field" \
	"40003|1||1|0x01|0x00|1|||||||||1||" "$(row default 3)"
eq "reserved flag 0x20: flags.res 0x01 (the bits shifted down), invalid" \
	"40004|1|1|1|0x30|0x01|1|||||||||1||" "$(row default 4)"
eq "data offset 4: a malformed header (InHdrErrors)" \
	"40005|1|1|1|0x10|0x00|1||||||||||1|" "$(row default 5)"
eq "a checksum holding only the pseudo-header sum: unverified, flagged as offload" \
	"40006|1|1|1|0x10|0x00|2|||||||||||1" "$(row default 6)"
eq "four SACK blocks, relative to the ack base (ack 2000 is relative 1)" \
	"40007|1|1|2000|0x10|0x00|1|||5|4|101,301,501,701||||||" "$(row default 7)"
eq "Timestamps, an unknown kind 99 and PROBE-ECHO: decoded, nothing malformed" \
	"40008|1|1|1|0x10|0x00|1|||8,99,10|||abcd|0x12345678||||" "$(row default 8)"
out=$(tshark -n -X lua_script:"$LUA" -r "$tmp/all.pcap" -V 2>&1)
eq "no Lua error or dissector bug in the verbose decode (7 XTCP frames)" "0 7" \
	"$(grep -c 'Lua Error\|Dissector bug' <<<"$out") $(grep -c '^XTCP (' <<<"$out")"
[ "$fails" = 0 ]
