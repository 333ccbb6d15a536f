#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The XTCP demo, run inside the test VM by `make demo` (xtcp.ko is already
# loaded there, build/tools is on PATH): two hosts (network namespaces
# joined by a veth pair), an XTCP server on one, a client on the other, and
# xtcpstat showing every step of the connection's life, from LISTEN to the
# client's TIME-WAIT. Exits non-zero when a step that must work fails
# (make check runs it too).
XTCP_NO_TAP=1
. "$(dirname "$(readlink -f "$0")")/../selftests/lib.sh"

step() { printf '\n== %s\n' "$*"; }
run()  { printf '$ %s\n' "$*"; "$@"; }
die()  { echo "demo: $*" >&2; exit 1; }

step "1. The module is loaded"
echo '$ lsmod | grep xtcp'
lsmod | grep -E '^(Module|xtcp) '
[ -d /sys/module/xtcp ] || die "xtcp is not loaded"

step "2. Two hosts: xa (10.0.0.1) and xb (10.0.0.2), joined by a veth pair"
netns_setup
run in_xa $IP -4 -brief addr show dev va
run in_xb $IP -4 -brief addr show dev vb
# Short TIME-WAIT, so the demo can show it end (the default is 60 s).
in_xb sh -c 'echo 5000 > /proc/sys/net/xtcp/tw_timeout_ms'
echo '$ ip netns exec xb sysctl net.xtcp.tw_timeout_ms=5000'

step "3. xa runs an XTCP echo server on port 7000"
in_xa xtcpcat -q -k -e -l 7000 &
server=$!
on_exit "kill $server"
# Wait until it listens (programs start slowly in an emulated VM).
for i in $(seq 1 100); do
	xtcpstat -N xa -l -n -H 2>/dev/null | grep -q ':7000 ' && break
	sleep 0.1
done
run xtcpstat -N xa -l -n -i

step "4. xb connects; both ends are ESTABLISHED"
coproc CLIENT { in_xb xtcpcat -q 10.0.0.1 7000; }
sleep 0.5
run xtcpstat -N xb -n -e -i -o
run xtcpstat -N xa -n -e

step "5. Messages go over XTCP and come back"
for msg in "hello over XTCP" "the 4-tuple is 10.0.0.2:$(xtcpstat -N xb -n -H -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"][0]["local_port"])') -> 10.0.0.1:7000"; do
	printf 'xb sends:    %s\n' "$msg"
	printf '%s\n' "$msg" >&"${CLIENT[1]}"
	read -r -t 5 reply <&"${CLIENT[0]}" || die "no echo"
	printf 'xb receives: %s\n' "$reply"
	[ "$reply" = "$msg" ] || die "the echo differs"
done

step "6. The client closes first: it goes through FIN-WAIT and ends in TIME-WAIT"
exec {CLIENT[1]}>&-	# EOF on the client's stdin: it shuts down, reads EOF, closes
wait "$CLIENT_PID" 2>/dev/null
sleep 0.3
run xtcpstat -N xb -a -n -o
run xtcpstat -N xa -a -n
echo "(the server, which closed second, keeps nothing: only the active closer waits)"

step "7. 10 MB each way at once, byte-exact (sha256), then the counters"
head -c 10000000 /dev/urandom > /tmp/demo.in
in_xa xtcpcat -q -r -l 7001 < /tmp/demo.in > /tmp/demo.at-xa &
for i in $(seq 1 100); do
	xtcpstat -N xa -l -n -H 2>/dev/null | grep -q ':7001 ' && break
	sleep 0.1
done
in_xb xtcpcat -q 10.0.0.1 7001 < /tmp/demo.in > /tmp/demo.at-xb
wait $!
sha256sum /tmp/demo.in /tmp/demo.at-xa /tmp/demo.at-xb | sed 's|/tmp/||'
[ "$(sha256sum < /tmp/demo.in)" = "$(sha256sum < /tmp/demo.at-xa)" ] &&
	[ "$(sha256sum < /tmp/demo.in)" = "$(sha256sum < /tmp/demo.at-xb)" ] ||
	die "transfer corrupted"
run xtcpstat -N xb -s

step "8. TIME-WAIT ends after net.xtcp.tw_timeout_ms"
sleep 5
run xtcpstat -N xb -a -n state time-wait
left=$(xtcpstat -N xb -a -n -j state time-wait |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)["connections"]))')
[ "$left" = 0 ] || die "$left TIME-WAIT entries are still there"
echo "(none left)"
exit 0
