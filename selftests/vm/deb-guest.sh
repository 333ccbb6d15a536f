#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of make deb-test (scripts/deb-test.sh boots the VM with
# XTCP_NOLOAD=1 and runs this): the packages as a user gets them.
#   1. xtcp is not loaded and modprobe cannot find it;
#   2. dpkg -i xtcp-dkms xtcp-tools: DKMS builds xtcp.ko for the running
#      kernel (and the newest installed one, as Debian's DKMS does);
#   3. socket(AF_XTCP) by an unprivileged process (nobody, no
#      capabilities) loads the DKMS-built module; the installed xtcpstat
#      lists its listener; the installed xtcpize finds libxtcpize.so;
#      man xtcp, xtcpize, xtcpperf, xtcpcat, xtcpstat work;
#   4. rmmod, dpkg --purge: no file of either package, no DKMS tree, no
#      module file, no modules.alias entry, nothing new in the directories
#      the packages and DKMS write to.
# The guest's root is an overlay on a tmpfs: everything dpkg and DKMS
# write here is discarded at power-off; this script refuses to run on any
# other root. TAP output, "N passed, N failed" at the end.
set -u
. "$(dirname "$(readlink -f "$0")")/../lib.sh"

DEB=${XTCP_DEB_DIR:-$XTCP_TOP/build/deb}
PY=/usr/bin/python3
K=$(uname -r)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
t0=$SECONDS

[ "${XTCP_VM:-0}" = 1 ] && [ "$(findmnt -n -o FSTYPE /)" = overlay ] ||
	bail_out "not in the test VM with an overlay root: dpkg would write to this system"
debs=("$DEB"/xtcp-dkms_*_all.deb "$DEB"/xtcp-tools_*_*.deb)
for d in "${debs[@]}"; do [ -f "$d" ] || bail_out "no $d (make deb)"; done
diag "kernel $K; packages: ${debs[*]##*/}"

# What the packages and DKMS may touch, before anything is installed.
snapshot() {
	find /usr/bin /usr/sbin /usr/lib /usr/src /usr/share/man /usr/share/doc \
		/etc /var/lib/dkms /lib/modules -maxdepth 4 2>/dev/null |
		grep -v -e '^/etc/ld.so.cache$' | sort
}
snapshot >/tmp/before

# xtcp.ko is not loaded, and nothing under /lib/modules provides it yet.
check_fails "before: xtcp is not loaded" test -d /sys/module/xtcp
check_fails "before: modprobe finds no xtcp" modprobe -n xtcp
check_fails "before: socket(AF_XTCP) fails (EAFNOSUPPORT)" "$PY" -c 'import socket; socket.socket(23, socket.SOCK_STREAM)'

# Debian's DKMS builds for the running kernel and for the newest kernel
# in /boot. Each kernel has its own make deb-test run, and one module
# build under TCG takes minutes, so /boot is hidden (a tmpfs, in the guest
# only) unless XTCP_DEB_ALL_KERNELS=1.
if [ "${XTCP_DEB_ALL_KERNELS:-0}" != 1 ]; then
	mount -t tmpfs -o ro tmpfs /boot && diag "/boot hidden: DKMS builds for $K only"
fi
# Progress while DKMS compiles: objects built so far, once a minute.
( while sleep 60; do
	echo "# $((SECONDS - t0)) s: $(find /var/lib/dkms/xtcp -name '*.o' 2>/dev/null | wc -l) objects built"
done ) &
ticker=$!
t=$SECONDS
if out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" 2>&1); then
	ok "dpkg -i xtcp-dkms xtcp-tools ($((SECONDS - t)) s)"
else
	not_ok "dpkg -i xtcp-dkms xtcp-tools"
	for l in /var/lib/dkms/xtcp/*/build/make.log; do [ -f "$l" ] && diag "$l:" "$(tail -n 30 "$l")"; done
fi
kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null
diag "dpkg -i said:" "$out"
diag "dkms status: $(dkms status xtcp 2>&1 | tr '\n' ';')"
check "dkms: xtcp installed for $K" grep -q "^xtcp/.*, $K, .*: installed" <(dkms status xtcp 2>&1)
ko=$(modinfo -n xtcp 2>/dev/null)
diag "modinfo -n xtcp: ${ko:-none}"
case "$ko" in
/lib/modules/$K/updates/dkms/xtcp.ko*) ok "the module is DKMS's, in /lib/modules/$K/updates/dkms" ;;
*) not_ok "the module is DKMS's, in /lib/modules/$K/updates/dkms (modinfo -n: ${ko:-none})" ;;
esac
check_eq "its vermagic is the running kernel's" "$K" "$(modinfo -F vermagic xtcp 2>/dev/null | cut -d' ' -f1)"
check "modules.alias maps net-pf-23 to xtcp" grep -q '^alias net-pf-23 xtcp$' "/lib/modules/$K/modules.alias"
# Debian's DKMS builds for the running kernel and the newest installed one.
newest=$(ls -v /lib/modules | tail -n 1)
if [ "$newest" != "$K" ] && [ -e "/lib/modules/$newest/build" ]; then
	check "dkms: xtcp also built and installed for the newest kernel, $newest" \
		grep -q "^xtcp/.*, $newest, .*: installed" <(dkms status xtcp 2>&1)
fi

# An unprivileged socket(AF_XTCP) loads it (__sock_create() asks modprobe
# for net-pf-23 on anyone's behalf), and the installed tools work.
check_fails "still not loaded before the socket() call" test -d /sys/module/xtcp
unpriv=$("${NOBODY[@]}" "$PY" - 2>&1 <<'EOF'
import os, socket, subprocess
print("uid", os.getuid(), "CapEff", [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0])
s = socket.socket(23, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 7123))
s.listen()
print("listening; SO_PROTOCOL", s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL))
print(subprocess.run(["/usr/bin/xtcpstat", "-l", "-n"], capture_output=True, text=True).stdout)
EOF
)
diag "$unpriv"
check "nobody with no capabilities: socket(AF_XTCP) succeeded" grep -q '^listening; SO_PROTOCOL 253$' <<<"$unpriv"
check "it ran as uid 65534 with CapEff 0" grep -q '^uid 65534 CapEff 0000000000000000$' <<<"$unpriv"
check "xtcp is loaded now" test -d /sys/module/xtcp
check_eq "the loaded module is the DKMS one (srcversion)" "$(modinfo -F srcversion xtcp 2>/dev/null)" \
	"$(cat /sys/module/xtcp/srcversion 2>/dev/null)"
check "/usr/bin/xtcpstat (as nobody) listed the listener on 127.0.0.1:7123" grep -q 'LISTEN .*127.0.0.1:7123' <<<"$unpriv"
proto=$(env -u XTCPIZE_LIB /usr/bin/xtcpize run "$PY" -c 'import socket; print(socket.socket().getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL))' 2>&1)
check_eq "/usr/bin/xtcpize finds /usr/lib/xtcp/libxtcpize.so: a TCP socket() is XTCP (protocol 253)" 253 "$proto"
for p in xtcp:7 xtcpize:8 xtcpstat:8 xtcpperf:1 xtcpcat:1; do
	check_eq "man -w ${p%:*} is the package's page" "/usr/share/man/man${p#*:}/${p%:*}.${p#*:}.gz" "$(man -w "${p%:*}" 2>&1)"
done
check "man xtcp renders (AF_XTCP in the text)" grep -q AF_XTCP <(MANPAGER=cat MANWIDTH=80 man xtcp 2>&1)
dpkg -L xtcp-dkms xtcp-tools 2>/dev/null | sort -u >/tmp/pkgfiles
diag "the packages own $(wc -l </tmp/pkgfiles) paths"

# Unload, purge: nothing left.
check "rmmod xtcp (the listener is closed)" rmmod xtcp
mountpoint -q /boot && umount /boot
t=$SECONDS
if out=$(DEBIAN_FRONTEND=noninteractive dpkg --purge xtcp-tools xtcp-dkms 2>&1); then
	ok "dpkg --purge xtcp-tools xtcp-dkms ($((SECONDS - t)) s)"
else
	not_ok "dpkg --purge xtcp-tools xtcp-dkms"
	diag "$out"
fi
check_eq "dpkg knows neither package" "" "$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' xtcp-dkms xtcp-tools 2>/dev/null | grep -v ' not-installed$')"
left=()
while read -r f; do
	# Directories the system shares (/usr/bin, ...) stay; a file, or a
	# directory of ours, must be gone.
	if [ -e "$f" ] && ! grep -qxF "$f" /tmp/before; then left+=("$f"); fi
done </tmp/pkgfiles
check_eq "no path the packages installed is left" "" "${left[*]}"
check_eq "no DKMS tree for xtcp" "" "$(ls -d /var/lib/dkms/xtcp /usr/src/xtcp-* 2>/dev/null)"
check_eq "no xtcp module file under /lib/modules" "" "$(find /lib/modules -name 'xtcp.ko*' 2>/dev/null)"
check_eq "no modules.alias entry for xtcp" "" "$(grep -l ' xtcp$' /lib/modules/*/modules.alias 2>/dev/null)"
check_fails "modprobe finds no xtcp" modprobe -n xtcp
snapshot >/tmp/after
# DKMS's own signing key (/var/lib/dkms/mok.*, made at its first build,
# kept for every DKMS module) is not ours.
new=$(comm -13 /tmp/before /tmp/after | grep -v -e '^/var/lib/dkms$' -e '^/var/lib/dkms/mok\.\(key\|pub\)$')
[ -z "$(comm -13 /tmp/before /tmp/after | grep '^/var/lib/dkms/mok')" ] || diag "DKMS made its signing key: $(comm -13 /tmp/before /tmp/after | grep '^/var/lib/dkms' | tr '\n' ' ')"
check_eq "nothing new in /usr, /etc, /lib/modules, /var/lib/dkms after the purge" "" "$new"
gone=$(comm -23 /tmp/before /tmp/after)
check_eq "nothing that was there before is gone" "" "$gone"

diag "deb-test took $((SECONDS - t0)) s in the guest"
passed=$((_tap_n - _tap_fail))
tap_done_rc=0
[ "$_tap_fail" = 0 ] || tap_done_rc=1
echo "1..$_tap_n"
echo "$passed passed, $_tap_fail failed"
exit $tap_done_rc
