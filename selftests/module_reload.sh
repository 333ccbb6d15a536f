#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rmmod with no socket open unloads xtcp cleanly (the family disappears), and
# insmod brings it back. Leaves the module loaded, as the other tests expect.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
[ -d /sys/module/xtcp ] || skip_all "xtcp is not loaded (XTCP_NOLOAD=1?)"
[ -f "$XTCP_KO" ] || skip_all "no $XTCP_KO"
on_exit "[ -d /sys/module/xtcp ] || insmod $XTCP_KO"

mksock='import socket, sys
try:
    socket.socket(23, socket.SOCK_STREAM, 0).close()
except OSError as e:
    print(e.strerror); sys.exit(e.errno)'

# Sockets of earlier tests (TIME-WAIT, orphans) may hold the module a while.
wait_refcnt0() {
	local i
	for i in $(seq 1 ${1:-60}); do
		[ "$(cat /sys/module/xtcp/refcnt)" = 0 ] && return 0
		sleep 1
	done
	echo "refcnt is still $(cat /sys/module/xtcp/refcnt) after ${1:-60}s: a socket or a module reference leaked?"
	echo "/proc/net/protocols:"; grep -E '^(protocol|XTCP)' /proc/net/protocols
	echo "network namespaces: $($IP netns list | tr '\n' ' ')"
	return 1
}

for round in 1 2; do
	check "round $round: refcnt drops to 0 with no socket open" wait_refcnt0 60 ||
		bail_out "the module stays in use, so unloading cannot be tested"
	check "round $round: rmmod xtcp succeeds" rmmod xtcp
	check "round $round: /sys/module/xtcp is gone" test ! -e /sys/module/xtcp
	rc=0; python3 -c "$mksock" >/dev/null 2>&1 || rc=$?
	check_eq "round $round: socket(AF_XTCP) now fails with EAFNOSUPPORT" 97 "$rc"
	check "round $round: insmod xtcp.ko succeeds" insmod "$XTCP_KO"
	check "round $round: socket(AF_XTCP) works again" python3 -c "$mksock"
done
check "dmesg shows the unload" sh -c 'dmesg | grep -q "xtcp: unloaded"'

# Loading on demand: socket(AF_XTCP) with the module unloaded makes the
# kernel ask its modprobe helper for "net-pf-23" (__sock_create()), and
# the module carries that alias, which depmod puts in modules.alias once
# it is installed. The helper here is a stand-in for /sbin/modprobe (a
# depmod over the whole module tree through 9p took two minutes): it
# records what the kernel asked for, and loads $XTCP_KO when the name is
# one of its aliases, as modprobe would. /proc/sys/kernel/modprobe is put
# back afterwards.
check "the module's alias is net-pf-23" sh -c "modinfo -F alias $XTCP_KO | grep -qx net-pf-23"
T=$(mktemp -d)
on_exit "rm -rf $T"
cat >"$T/modprobe" <<EOS
#!/bin/sh
for a in "\$@"; do name=\$a; done
echo "\$name" >>$T/asked
modinfo -F alias $XTCP_KO | grep -qx "\$name" && exec insmod $XTCP_KO
exit 1
EOS
chmod +x "$T/modprobe"
old_mp=$(cat /proc/sys/kernel/modprobe)
on_exit "echo $old_mp >/proc/sys/kernel/modprobe"
echo "$T/modprobe" >/proc/sys/kernel/modprobe
check "autoload: refcnt drops to 0 with no socket open" wait_refcnt0 60 ||
	bail_out "the module stays in use, so autoloading cannot be tested"
check "autoload: rmmod xtcp" rmmod xtcp
check "autoload: socket(AF_XTCP) succeeds with the module unloaded" python3 -c "$mksock"
check "autoload: ... because the kernel asked for net-pf-23" grep -qx net-pf-23 "$T/asked"
check "autoload: ... and that loaded xtcp" test -d /sys/module/xtcp
echo "$old_mp" >/proc/sys/kernel/modprobe

# Unloading while NAPI holds a GRO chain of XTCP segments: with
# gro_flush_timeout (3 s) the last chain of a burst waits in va's GRO list
# until the timer. Deleting the offload under it would make
# inet_gro_complete() WARN when it leaves; the module first waits for it
# (kmod/gro.c, xtcp_gro_drain(), which says so in the kernel log). The
# burst is raw IP protocol 253 from xb: 8 in-order 1000-byte segments of
# one made-up connection, valid checksums, ACK only.
blast='import socket, struct, sys
src, dst = sys.argv[1], sys.argv[2]
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
data, seq, pkts = bytes(1000), 1000, []
for i in range(8):
    h = struct.pack("!HHIIBBHHH", 40000, 9, seq, 1, 5 << 4, 0x10, 1000, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 253, len(h) + len(data))
    pkts.append(h[:16] + struct.pack("!H", csum(ph + h + data)) + h[18:] + data)
    seq += len(data)
for p in pkts:
    s.sendto(p, (dst, 0))'
netns_setup
in_xa ethtool -K va gro on >/dev/null && in_xb ethtool -K vb tso off >/dev/null &&
	in_xa sh -c 'echo 3000000000 >/sys/class/net/va/gro_flush_timeout' ||
	bail_out "cannot turn GRO on"
# NAPI ends a chain at each jiffy, so the burst's last one can be a single
# segment, which is never completed and never waited for: up to 3 tries.
for try in 1 2 3; do
	wait_refcnt0 60 || break
	dmesg -C
	in_xb python3 -c "$blast" $XB_ADDR $XA_ADDR || break
	rmmod xtcp || break
	dmesg | grep -q "GRO held [1-9][0-9]* chain(s) at unload" && break
	insmod "$XTCP_KO"
done
diag "try $try, kernel log: $(dmesg | grep -E 'xtcp|WARN' | tr '\n' ' ')"
check "GRO drain: rmmod xtcp succeeded" test ! -e /sys/module/xtcp
check "GRO drain: the module waited for the held chain, and none was left" \
	sh -c 'dmesg | grep -q "GRO held [1-9][0-9]* chain(s) at unload; 0 left"'
check "GRO drain: no WARNING from inet_gro_complete()" sh -c '! dmesg | grep -qE "WARNING|inet_gro_complete"'
check "GRO drain: insmod xtcp.ko again" insmod "$XTCP_KO"
tap_done
