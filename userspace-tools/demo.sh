#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The XTCP demo, run inside the test VM by `make demo` (xtcp.ko is already
# loaded there, build/tools is on PATH). It shows what exists today, honestly:
# the module, two "hosts" (network namespaces joined by a veth pair), an
# AF_XTCP socket in each, and what the kernel answers to a connect().
XTCP_NO_TAP=1
. "$(dirname "$(readlink -f "$0")")/../selftests/lib.sh"
set -e

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run()  { printf '$ %s\n' "$*"; "$@"; }

step "1. The module is loaded"
run lsmod | sed -n '1p;/^xtcp /p'
dmesg | grep -E 'xtcp: loaded' | tail -n1
echo "AF_XTCP family number: $(cat /sys/module/xtcp/parameters/family 2>/dev/null || echo 23)"

step "2. Two hosts: namespaces xa (10.0.0.1) and xb (10.0.0.2), joined by a veth pair"
netns_setup
run in_xa $IP -brief addr show dev va
run in_xb $IP -brief addr show dev vb

step "3. An AF_XTCP socket in each namespace"
run in_xa xtcp-hello
run in_xb xtcp-hello

step "4. xb connects to 10.0.0.1 port 7, where nothing listens"
set +e
run in_xb xtcp-hello 10.0.0.1 7
set -e

echo
echo "The XTCP client/server exchange and xtcpstat come with the protocol work;"
echo "this demo grows with them."
