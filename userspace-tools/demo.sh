#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The XTCP demo, run inside the test VM by `make demo` (xtcp.ko is already
# loaded there, build/tools is on PATH). It shows what exists today, honestly:
# the module, two "hosts" (network namespaces joined by a veth pair), an
# AF_XTCP socket in each, and what the kernel answers to a connect().
# Exits non-zero when a step that must work fails (make check runs it too).
XTCP_NO_TAP=1
. "$(dirname "$(readlink -f "$0")")/../selftests/lib.sh"

step() { printf '\n== %s\n' "$*"; }
run()  { printf '$ %s\n' "$*"; "$@"; }

step "1. The module is loaded"
echo '$ lsmod | grep xtcp'
lsmod | grep -E '^(Module|xtcp) '
echo '$ dmesg | grep xtcp:'
dmesg | grep -E 'xtcp: ' | tail -n3
[ -d /sys/module/xtcp ] || { echo "xtcp is not loaded"; exit 1; }

step "2. Two hosts: namespaces xa (10.0.0.1) and xb (10.0.0.2), joined by a veth pair"
netns_setup
run in_xa $IP -4 -brief addr show dev va
run in_xb $IP -4 -brief addr show dev vb
run in_xb ping -c 1 -W 5 -q $XA_ADDR || exit 1

step "3. An AF_XTCP socket in each namespace"
run in_xa xtcp-hello || exit 1
run in_xb xtcp-hello || exit 1

step "4. xb connects to 10.0.0.1 port 7, where nothing listens"
run in_xb xtcp-hello 10.0.0.1 7

echo
echo "The XTCP client/server exchange and xtcpstat come with the protocol work;"
echo "this demo grows with them."
exit 0
