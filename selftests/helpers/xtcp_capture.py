#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic and a capture for wireshark_test.sh, run in the client's netns.

    xtcp_capture.py IFACE SERVER OUT.pcap

Opens an AF_PACKET socket on IFACE first, then, as the client of SERVER:
  1. port 5000 (an echo server): "hello\\n", echoed back, both FINs;
  2. port 5001 (an echo server): 8000 bytes (the caller's iptables rule
     drops the first data segment, so the server SACKs), echoed back, then
     an XTCP_PROBE answered by a PROBE-ECHO, then both FINs;
  3. port 5999 (closed): the SYN draws an RST, connect() is refused.
Every segment sent or received has reached the packet socket by the time
the last connect() fails (the taps run before IP on receive and at
transmit), so the queue is drained without waiting and written as a pcap
(IPv4 protocol 253 only), followed by one copy of connection 1's first
data segment with a payload byte flipped: its checksum is wrong.
Prints one line per step; exits 1 when a step fails.
"""
import ctypes
import errno
import socket
import struct
import sys
import time

AF_XTCP, SOL_XTCP, XTCP_PROBE = 23, 290, 103
ETH_P_ALL, SO_RCVBUFFORCE, IPPROTO_XTCP = 0x0003, 33, 253

libc = ctypes.CDLL(None, use_errno=True)


def xconnect(addr, port):
    s = socket.socket(AF_XTCP, socket.SOCK_STREAM, 0)
    sin = struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + \
        socket.inet_aton(addr) + b"\0" * 8
    if libc.connect(s.fileno(), ctypes.c_char_p(sin), len(sin)) != 0:
        e = ctypes.get_errno()
        s.close()
        raise OSError(e, errno.errorcode.get(e, str(e)))
    return s


def exchange(s, data):
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        b = s.recv(65536)
        if not b:
            break
        got += b
    return got


def finish(s):
    s.shutdown(socket.SHUT_WR)
    rest = s.recv(65536)
    s.close()
    return rest


def main():
    iface, server, out = sys.argv[1:4]
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    cap.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    cap.bind((iface, 0))
    ok = True

    s = xconnect(server, 5000)
    got = exchange(s, b"hello\n")
    rest = finish(s)
    print("conn1: echo %s, EOF %s" % (got == b"hello\n", rest == b""))
    ok &= got == b"hello\n" and rest == b""

    s = xconnect(server, 5001)
    data = bytes(i % 251 for i in range(8000))
    got = exchange(s, data)
    print("conn2: echo of 8000 bytes %s" % (got == data))
    ok &= got == data
    try:
        s.setsockopt(SOL_XTCP, XTCP_PROBE, struct.pack("=I", 10000))
        print("conn2: probe answered")
    except OSError as e:
        print("conn2: probe failed: %s" % e)
        ok = False
    rest = finish(s)
    print("conn2: EOF %s" % (rest == b""))
    ok &= rest == b""

    try:
        xconnect(server, 5999).close()
        print("conn3: connect succeeded (expected ECONNREFUSED)")
        ok = False
    except OSError as e:
        print("conn3: connect refused %s" % (e.errno == errno.ECONNREFUSED))
        ok &= e.errno == errno.ECONNREFUSED

    cap.setblocking(False)
    pkts = []
    while True:
        try:
            p = cap.recv(262144)
        except BlockingIOError:
            break
        # Ethernet, IPv4, protocol 253.
        if len(p) >= 34 and p[12:14] == b"\x08\x00" and p[23] == IPPROTO_XTCP:
            pkts.append(p)
    # Connection 1's first data segment (6 bytes of payload to port 5000),
    # once more with its last payload byte flipped.
    for p in pkts:
        ihl = (p[14] & 0x0f) * 4
        th = 14 + ihl
        doff = (p[th + 12] >> 4) * 4
        if struct.unpack("!H", p[th + 2:th + 4])[0] == 5000 and len(p) - th - doff == 6:
            bad = bytearray(p)
            bad[-1] ^= 0xff
            pkts.append(bytes(bad))
            break
    with open(out, "wb") as f:
        f.write(struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        t = time.time()
        for i, p in enumerate(pkts):
            ts = t + i * 1e-6
            f.write(struct.pack("=IIII", int(ts), int((ts % 1) * 1e6), len(p), len(p)))
            f.write(p)
    print("captured %d XTCP packets" % len(pkts))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
