#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw netlink requests to the XTCP sock_diag handler and the "xtcp" generic
netlink family: malformed ones must get an error (never a crash, never a
partial answer), well-formed lookups must answer exactly.

    xtcp_diag_raw.py [LISTEN_PORT]

Run in a network namespace where a listener on 0.0.0.0:LISTEN_PORT exists
(for the lookup cases). Prints one line per case, "PASS name" or
"FAIL name: why"; exits 1 if any failed.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_SOCK_DIAG = 4
NETLINK_GENERIC = 16
SOCK_DIAG_BY_FAMILY = 20
SOCK_DESTROY = 21
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

# uapi/linux/xtcp_diag.h
XTCP_DIAG_REQ_SPORT, XTCP_DIAG_REQ_DPORT, XTCP_DIAG_REQ_SRC, XTCP_DIAG_REQ_DST = 1, 2, 3, 4
XTCP_DIAG_KIND = 1
XTCP_CMD_GET_COUNTERS = 2
XTCP_LISTEN = 10
NOCOOKIE = 0xFFFFFFFF
REQ_LEN = 56
MSG_LEN = 72

try:
    with open("/sys/module/xtcp/parameters/family") as f:
        FAMILY = int(f.read())
except OSError:
    FAMILY = 23

results = []


def report(name, ok, why=""):
    results.append(ok)
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)), flush=True)


def attr(atype, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, atype) + payload + b"\0" * ((4 - n % 4) % 4)


def sockid(sport=0, dport=0, src=b"\0" * 16, dst=b"\0" * 16, ifindex=0,
           cookie=(NOCOOKIE, NOCOOKIE)):
    return struct.pack("!HH", sport, dport) + src + dst + \
        struct.pack("=III", ifindex, cookie[0], cookie[1])


def diag_req(family=None, proto=0, ext=0, pad=0, states=0xffe, sid=None):
    if sid is None:
        sid = b"\0" * 48
    return struct.pack("=BBBBI", FAMILY if family is None else family,
                       proto, ext, pad, states) + sid


class NL:
    def __init__(self, proto):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        self.s.bind((0, 0))
        self.s.settimeout(10)
        self.seq = 100

    def talk(self, mtype, flags, payload, raw_len=None):
        """Send one message; return (errno or 0, [(type, payload), ...])."""
        self.seq += 1
        n = 16 + len(payload) if raw_len is None else raw_len
        self.s.send(struct.pack("=IHHII", n, mtype, flags, self.seq, 0) + payload)
        msgs = []
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                ln, t, fl, seq, pid = struct.unpack_from("=IHHII", data, off)
                if ln < 16:
                    return -1, msgs
                body = data[off + 16:off + ln]
                off += (ln + 3) & ~3
                if seq != self.seq:
                    continue
                if t == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", body)[0]
                    return err, msgs
                if t == NLMSG_DONE:
                    err = struct.unpack_from("=i", body)[0] if len(body) >= 4 else 0
                    return -err, msgs
                msgs.append((t, body))
                if not flags & NLM_F_DUMP and not flags & NLM_F_ACK:
                    return 0, msgs


diag = NL(NETLINK_SOCK_DIAG)


def expect_err(name, want, payload, mtype=SOCK_DIAG_BY_FAMILY,
               flags=NLM_F_REQUEST | NLM_F_DUMP, raw_len=None):
    try:
        err, msgs = diag.talk(mtype, flags, payload, raw_len)
    except socket.timeout:
        report(name, False, "no answer")
        return
    if err == want and not msgs:
        report(name, True)
    else:
        report(name, False, "got %s (%d) and %d entries, want %s" % (
            errno.errorcode.get(err, err), err, len(msgs), errno.errorcode.get(want, want)))


def port_cond(lo, hi, flags=0):
    return struct.pack("=HHI", lo, hi, flags)


def addr_cond(fam=socket.AF_INET, plen=32, flags=0, pad=0, addr=b"\x0a\0\0\x01" + b"\0" * 12):
    return struct.pack("=BBBB", fam, plen, flags, pad) + addr


D = NLM_F_REQUEST | NLM_F_DUMP
G = NLM_F_REQUEST

# ---- malformed requests: EINVAL, no entries ---------------------------------
expect_err("payload of 2 bytes (only family, protocol)", errno.EINVAL,
           struct.pack("=BB", FAMILY, 0))
expect_err("payload one byte short of struct xtcp_diag_req", errno.EINVAL,
           diag_req()[:REQ_LEN - 1])
expect_err("sdiag_protocol 6", errno.EINVAL, diag_req(proto=6))
expect_err("non-zero xdiag_pad", errno.EINVAL, diag_req(pad=1))
expect_err("unknown extension bit 0x80", errno.EINVAL, diag_req(ext=0x80))
expect_err("state bit 0", errno.EINVAL, diag_req(states=0xfff))
expect_err("state bit 12 (no such state)", errno.EINVAL, diag_req(states=0x1ffe))
expect_err("dump with a non-zero id", errno.EINVAL, diag_req(sid=sockid(sport=5000)))
expect_err("unknown attribute type 99", errno.EINVAL, diag_req() + attr(99, b"\0" * 4))
expect_err("attribute type 0", errno.EINVAL, diag_req() + attr(0, b"\0" * 4))
expect_err("sport condition of 4 bytes", errno.EINVAL,
           diag_req() + attr(XTCP_DIAG_REQ_SPORT, b"\0" * 4))
expect_err("sport condition twice", errno.EINVAL,
           diag_req() + attr(XTCP_DIAG_REQ_SPORT, port_cond(1, 2)) +
           attr(XTCP_DIAG_REQ_SPORT, port_cond(1, 2)))
expect_err("port range lo > hi", errno.EINVAL,
           diag_req() + attr(XTCP_DIAG_REQ_DPORT, port_cond(10, 9)))
expect_err("unknown condition flag", errno.EINVAL,
           diag_req() + attr(XTCP_DIAG_REQ_SPORT, port_cond(1, 2, 2)))
expect_err("address condition of family AF_INET6", errno.EINVAL,
           diag_req() + attr(XTCP_DIAG_REQ_SRC, addr_cond(fam=socket.AF_INET6)))
expect_err("prefix length 33", errno.EINVAL,
           diag_req() + attr(XTCP_DIAG_REQ_DST, addr_cond(plen=33)))
expect_err("address condition with addr[1] set", errno.EINVAL,
           diag_req() + attr(XTCP_DIAG_REQ_SRC, addr_cond(addr=b"\x0a\0\0\x01\0\0\0\x01" + b"\0" * 8)))
bad = diag_req() + struct.pack("=HH", 200, XTCP_DIAG_REQ_SPORT) + port_cond(1, 2)
expect_err("attribute longer than the message", errno.EINVAL, bad)
expect_err("family number >= AF_MAX", errno.EINVAL, diag_req(family=255))
expect_err("get: all-zero id and no cookie", errno.EINVAL,
           diag_req(sid=sockid()), flags=G)
expect_err("get: IPv6-sized source (src[1] set)", errno.EINVAL,
           diag_req(sid=sockid(sport=1, src=b"\x0a\0\0\x01\0\0\0\x01" + b"\0" * 8)), flags=G)
expect_err("get: no such 4-tuple", errno.ENOENT,
           diag_req(sid=sockid(sport=1, dport=2, src=socket.inet_aton("10.9.9.9") + b"\0" * 12,
                                dst=socket.inet_aton("10.9.9.8") + b"\0" * 12)), flags=G)
expect_err("get: no such cookie", errno.ENOENT,
           diag_req(sid=sockid(cookie=(0x7fffffff, 0x7fffffff))), flags=G)
# SOCK_DESTROY (xtcpstat -K) names one socket exactly: never a dump, never
# a zero port, never a 4-tuple nobody has.
expect_err("SOCK_DESTROY as a dump: EINVAL", errno.EINVAL,
           diag_req(), mtype=SOCK_DESTROY, flags=D)
expect_err("SOCK_DESTROY of local port 0: EINVAL", errno.EINVAL,
           diag_req(), mtype=SOCK_DESTROY, flags=G)
expect_err("SOCK_DESTROY of a 4-tuple nobody has: ENOENT", errno.ENOENT,
           diag_req(sid=sockid(sport=1, dport=2, src=socket.inet_aton("10.9.9.9") + b"\0" * 12,
                               dst=socket.inet_aton("10.9.9.8") + b"\0" * 12)),
           mtype=SOCK_DESTROY, flags=G)
expect_err("SOCK_DESTROY of a malformed request (family 99): EINVAL", errno.EINVAL,
           diag_req(family=99, sid=sockid(sport=1)), mtype=SOCK_DESTROY, flags=G)

# ---- well-formed requests ----------------------------------------------------
err, msgs = diag.talk(SOCK_DIAG_BY_FAMILY, D, diag_req())
ok = err == 0 and all(t == SOCK_DIAG_BY_FAMILY and len(b) >= MSG_LEN for t, b in msgs)
report("a valid dump succeeds (%d entries)" % len(msgs), ok, "error %d" % err)

port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
if port:
    err, msgs = diag.talk(SOCK_DIAG_BY_FAMILY, D, diag_req(states=1 << XTCP_LISTEN) +
                          attr(XTCP_DIAG_REQ_SPORT, port_cond(port, port)))
    if err or len(msgs) != 1:
        report("dump finds the one listener on port %d" % port, False,
               "error %d, %d entries" % (err, len(msgs)))
    else:
        body = msgs[0][1]
        fam, state = body[0], body[1]
        sport, dport = struct.unpack_from("!HH", body, 4)
        src, dst = body[8:24], body[24:40]
        ifindex, c0, c1 = struct.unpack_from("=III", body, 40)
        report("dump finds the one listener on port %d" % port,
               fam == socket.AF_INET and state == XTCP_LISTEN and sport == port,
               "family %d state %d sport %d" % (fam, state, sport))
        cookie = (c0, c1)
        err, got = diag.talk(SOCK_DIAG_BY_FAMILY, G, diag_req(sid=sockid(cookie=cookie)))
        report("get by cookie alone answers that listener",
               err == 0 and len(got) == 1 and got[0][1][40:52] == body[40:52]
               and got[0][1][1] == XTCP_LISTEN, "error %d, %d entries" % (err, len(got)))
        err, got = diag.talk(SOCK_DIAG_BY_FAMILY, G,
                             diag_req(sid=sockid(sport=port, src=src, cookie=cookie)))
        report("get by address:port and cookie answers it",
               err == 0 and len(got) == 1 and got[0][1][1] == XTCP_LISTEN,
               "error %d, %d entries" % (err, len(got)))
        expect_err("get by address:port with a wrong cookie: ESTALE", errno.ESTALE,
                   diag_req(sid=sockid(sport=port, src=src, cookie=(c0 ^ 1, c1))), flags=G)
        expect_err("SOCK_DESTROY of that listener with a wrong cookie: ESTALE", errno.ESTALE,
                   diag_req(sid=sockid(sport=port, src=src, cookie=(c0 ^ 1, c1))),
                   mtype=SOCK_DESTROY, flags=G)

# ---- generic netlink ---------------------------------------------------------
gen = NL(NETLINK_GENERIC)
payload = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + \
    attr(CTRL_ATTR_FAMILY_NAME, b"xtcp\0")
err, msgs = gen.talk(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, payload)
fid = None
if not err and msgs:
    body = msgs[0][1][4:]
    off = 0
    while off + 4 <= len(body):
        ln, t = struct.unpack_from("=HH", body, off)
        if t == CTRL_ATTR_FAMILY_ID:
            fid = struct.unpack_from("=H", body, off + 4)[0]
        off += (ln + 3) & ~3
report("generic netlink family \"xtcp\" exists", fid is not None, "error %d" % err)
if fid is not None:
    hdr = struct.pack("=BBH", XTCP_CMD_GET_COUNTERS, 1, 0)
    err, msgs = gen.talk(fid, NLM_F_REQUEST | NLM_F_ACK, hdr)
    report("GET_COUNTERS answers", err == 0 and len(msgs) == 1, "error %d" % err)
    err, msgs = gen.talk(fid, NLM_F_REQUEST | NLM_F_ACK, hdr + attr(13, b"\0" * 4))
    report("GET_COUNTERS with an attribute: EINVAL", err == errno.EINVAL and not msgs,
           "error %d" % err)
    err, msgs = gen.talk(fid, NLM_F_REQUEST | NLM_F_ACK, struct.pack("=BBH", 99, 1, 0))
    report("unknown command 99: EOPNOTSUPP", err == errno.EOPNOTSUPP and not msgs,
           "error %d" % err)
    err, msgs = gen.talk(fid, NLM_F_REQUEST | NLM_F_ACK, struct.pack("=BBH", 1, 1, 0))
    report("the EVENT command cannot be requested", err != 0 and not msgs, "error %d" % err)

sys.exit(0 if all(results) else 1)
