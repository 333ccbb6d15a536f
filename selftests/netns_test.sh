#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test network itself: two namespaces joined by veth (lib.sh), with
# netem available. Later XTCP tests stand on this.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root

netns_setup
check "xa has 10.0.0.1 on va" in_xa $IP -4 addr show dev va to $XA_ADDR/32
check "xb has 10.0.0.2 on vb" in_xb $IP -4 addr show dev vb to $XB_ADDR/32
check "xb pings xa over the veth pair" in_xb ping -c 1 -W 5 $XA_ADDR
check "netem adds 100ms delay on va" netem $XA va delay 100ms
rtt=$(in_xb ping -c 1 -W 5 $XA_ADDR | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p')
check "the ping round trip is now >= 100 ms (${rtt:-none} ms)" awk -v r="${rtt:-0}" 'BEGIN { exit !(r >= 100) }'
check "an AF_XTCP socket can be created in xa" in_xa python3 -c 'import socket; socket.socket(23, socket.SOCK_STREAM, 0).close()'
tap_done
