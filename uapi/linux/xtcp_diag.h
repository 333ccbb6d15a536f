/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XTCP introspection over netlink: what xtcpstat(8) speaks.
 *
 * 1. Connection dumps, over NETLINK_SOCK_DIAG (the channel ss uses for TCP,
 *    UNIX, packet, vsock and SMC sockets). Send a SOCK_DIAG_BY_FAMILY
 *    message whose payload is a struct xtcp_diag_req (sdiag_family =
 *    AF_XTCP, i.e. the module's "family" parameter), optionally followed by
 *    filter attributes (XTCP_DIAG_REQ_*):
 *      - with NLM_F_DUMP: every entry of the caller's network namespace
 *        that matches the state mask and the filters, one
 *        SOCK_DIAG_BY_FAMILY message each (struct xtcp_diag_msg +
 *        XTCP_DIAG_* attributes), over as many datagrams as needed, then
 *        NLMSG_DONE;
 *      - without NLM_F_DUMP: the one entry named by req.id (a 4-tuple, or
 *        only a cookie), or an error (ENOENT; ESTALE when the 4-tuple exists
 *        with another cookie).
 *    A malformed request is answered with an error (EINVAL), never a
 *    partial answer: payload shorter than struct xtcp_diag_req, a protocol
 *    other than 0, unknown state or extension bits, non-zero reserved
 *    fields, a non-zero id in a dump, unknown or mis-sized attributes.
 *    ENOENT from the request itself means no handler: xtcp.ko is not
 *    loaded.
 *
 *    The dump covers four kinds of entries (XTCP_DIAG_KIND):
 *      - full sockets, from SYN-SENT to LAST-ACK (the established table);
 *      - listeners (LISTEN), with their queues (XTCP_DIAG_LISTEN);
 *      - SYN-RECV request entries of the listeners' SYN queues;
 *      - TIME-WAIT entries, with the time they have left;
 *    and, when XTCP_CLOSE is in the mask, bound sockets that neither listen
 *    nor connect (CLOSED, "bound-inactive" in ss's words).
 *
 *    Resuming: a dump that spans datagrams remembers the table, the bucket
 *    and the position in the bucket. A bucket is sent whole in one datagram
 *    whenever it fits, so an entry that exists for the whole dump is listed
 *    exactly once; entries created or removed during the dump may or may not
 *    appear (as with every netlink dump).
 *
 * 2. Counters and live events, over the generic netlink family "xtcp"
 *    (XTCP_GENL_NAME), see the end of this file.
 */
#ifndef _UAPI_LINUX_XTCP_DIAG_H
#define _UAPI_LINUX_XTCP_DIAG_H

#include <linux/types.h>
#include <linux/sock_diag.h>

/* ---- NETLINK_SOCK_DIAG ------------------------------------------------- */

/*
 * The connection an entry is about. Addresses are IPv4 in src[0]/dst[0]
 * (network order), the rest zero: the layout leaves room for IPv6. Ports in
 * network order. Same layout as struct inet_diag_sockid.
 */
struct xtcp_diag_sockid {
	__be16	xdiag_sport;
	__be16	xdiag_dport;
	__be32	xdiag_src[4];
	__be32	xdiag_dst[4];
	__u32	xdiag_if;		/* bound device, 0: any */
	__u32	xdiag_cookie[2];	/* low, high 32 bits of the cookie */
};

/* Both halves of xdiag_cookie in a get request: do not check the cookie. */
#define XTCP_DIAG_NOCOOKIE	(~0U)

/* Extension bits of xtcp_diag_req.xdiag_ext: optional attributes. */
#define XTCP_DIAG_EXT_INFO	0x01	/* XTCP_DIAG_INFO: struct xtcp_info */
#define XTCP_DIAG_EXT_MEMINFO	0x02	/* XTCP_DIAG_MEMINFO */
#define XTCP_DIAG_EXT_TIMERS	0x04	/* XTCP_DIAG_TIMERS: every pending timer */
#define XTCP_DIAG_EXT_ALL	0x07

/* States for xdiag_states: XTCP_DIAG_STATE(XTCP_ESTABLISHED) | ... */
#define XTCP_DIAG_STATE(s)	(1U << (s))
#define XTCP_DIAG_STATES_ALL	(((1U << XTCP_MAX_STATES) - 1) & ~1U)

/*
 * The request (56 bytes, the layout of struct inet_diag_req_v2).
 * Followed by optional XTCP_DIAG_REQ_* attributes, each at most once; an
 * entry must satisfy all of them (AND).
 */
struct xtcp_diag_req {
	__u8	sdiag_family;		/* AF_XTCP */
	__u8	sdiag_protocol;		/* 0 */
	__u8	xdiag_ext;		/* XTCP_DIAG_EXT_* */
	__u8	xdiag_pad;		/* 0 */
	__u32	xdiag_states;		/* XTCP_DIAG_STATE() bits */
	struct xtcp_diag_sockid id;	/* get: the entry; dump: all zero */
};

/* Filter attributes of a request. */
enum {
	XTCP_DIAG_REQ_NONE,
	XTCP_DIAG_REQ_SPORT,	/* struct xtcp_diag_port_cond: local port */
	XTCP_DIAG_REQ_DPORT,	/* struct xtcp_diag_port_cond: peer port */
	XTCP_DIAG_REQ_SRC,	/* struct xtcp_diag_addr_cond: local address */
	XTCP_DIAG_REQ_DST,	/* struct xtcp_diag_addr_cond: peer address */
	__XTCP_DIAG_REQ_MAX,
};
#define XTCP_DIAG_REQ_MAX (__XTCP_DIAG_REQ_MAX - 1)

/* Condition flag: the entry must NOT match. */
#define XTCP_DIAG_COND_NOT	0x1

/* lo <= port <= hi (host order, lo <= hi), negated by XTCP_DIAG_COND_NOT. */
struct xtcp_diag_port_cond {
	__u16	lo;
	__u16	hi;
	__u32	flags;			/* XTCP_DIAG_COND_* */
};

/*
 * The address lies in addr/prefixlen. family AF_INET, prefixlen 0..32,
 * addr[0] the IPv4 address (bits beyond the prefix ignored), addr[1..3] 0.
 */
struct xtcp_diag_addr_cond {
	__u8	family;
	__u8	prefixlen;
	__u8	flags;			/* XTCP_DIAG_COND_* */
	__u8	pad;			/* 0 */
	__be32	addr[4];
};

/*
 * One entry (72 bytes, the layout of struct inet_diag_msg), in a message of
 * type SOCK_DIAG_BY_FAMILY, followed by XTCP_DIAG_* attributes.
 *
 * xdiag_rqueue/xdiag_wqueue: for a listener the accept queue length and the
 * backlog (as ss shows them); for a connection the bytes received and not
 * yet read (RCV.NXT - copied; a received FIN counts 1 until read, as in TCP)
 * and the bytes queued and not yet acknowledged (write_seq - SND.UNA; SYN
 * and FIN count 1); 0 for request and TIME-WAIT entries.
 * xdiag_uid: the owner (the socket's sk_uid; children inherit their
 * listener's), in the caller's user namespace; 0 for requests and TIME-WAIT.
 * xdiag_inode: the socket inode, 0 when no file refers to the socket
 * (not yet accepted, orphaned), requests and TIME-WAIT.
 * Cookie: the kernel socket cookie (the value of getsockopt SO_COOKIE). A
 * TIME-WAIT entry keeps the cookie of the socket it replaced. Request
 * entries have no cookie: 0.
 */
struct xtcp_diag_msg {
	__u8	xdiag_family;		/* AF_INET: the family of the addresses */
	__u8	xdiag_state;		/* XTCP_ESTABLISHED ... XTCP_CLOSING */
	__u8	xdiag_timer;		/* XTCP_DIAG_TIMER_*: the active timer */
	__u8	xdiag_retrans;		/* its retransmissions / probes so far */
	struct xtcp_diag_sockid id;
	__u32	xdiag_expires;		/* ms until the timer fires, 0: none */
	__u32	xdiag_rqueue;
	__u32	xdiag_wqueue;
	__u32	xdiag_uid;
	__u32	xdiag_inode;
};

/* Timer kinds (xdiag_timer, struct xtcp_diag_timer). ss's names in quotes. */
enum {
	XTCP_DIAG_TIMER_NONE,		/* "off" */
	XTCP_DIAG_TIMER_RETRANS,	/* "on": SYN, SYN-ACK, data or FIN */
	XTCP_DIAG_TIMER_KEEPALIVE,	/* "keepalive" */
	XTCP_DIAG_TIMER_TIMEWAIT,	/* "timewait": TIME-WAIT entry expiry */
	XTCP_DIAG_TIMER_PERSIST,	/* "persist": zero-window probe */
	XTCP_DIAG_TIMER_FINWAIT2,	/* "finwait2": orphan FIN-WAIT-2 reaper */
	__XTCP_DIAG_TIMER_MAX,
};

/* What an entry is (XTCP_DIAG_KIND). */
enum {
	XTCP_DIAG_KIND_SOCK,		/* a full socket (listeners included) */
	XTCP_DIAG_KIND_REQUEST,		/* a SYN-queue entry of a listener */
	XTCP_DIAG_KIND_TIMEWAIT,	/* a TIME-WAIT entry */
};

/* Why a connection ended (XTCP_DIAG_CLOSE_REASON, XTCP_A_EV_REASON). */
enum {
	XTCP_DIAG_CLOSE_NONE,		/* not closed, or closed by the user before any exchange */
	XTCP_DIAG_CLOSE_NORMAL,		/* FIN exchange completed (or TIME-WAIT expired) */
	XTCP_DIAG_CLOSE_RESET_RCVD,	/* the peer sent RST */
	XTCP_DIAG_CLOSE_RESET_SENT,	/* we aborted: unread data, SO_LINGER 0, data after close */
	XTCP_DIAG_CLOSE_TIMEOUT,	/* retransmissions, keepalive or FIN-WAIT-2 timed out */
	XTCP_DIAG_CLOSE_REFUSED,	/* RST answered our SYN */
	XTCP_DIAG_CLOSE_LISTENER,	/* the listener closed while we waited for accept() */
	XTCP_DIAG_CLOSE_TW_KILLED,	/* a TIME-WAIT entry ended early: RST, reuse by a new SYN, netns exit */
	__XTCP_DIAG_CLOSE_MAX,
};

/* Listener queues (XTCP_DIAG_LISTEN). */
struct xtcp_diag_listen {
	__u32	accept_qlen;		/* established, waiting for accept() */
	__u32	accept_max;		/* the backlog (the queue holds backlog + 1) */
	__u32	syn_qlen;		/* SYN-RECV request entries */
	__u32	syn_max;		/* min(backlog, net.xtcp.max_syn_backlog) */
};

/* A request entry of an XTCP_DEFER_HANDSHAKE listener that waits for its
 * verdict (XTCP_DIAG_ARRIVAL): no SYN-ACK has left for it yet. */
struct xtcp_diag_arrival {
	__u64	id;			/* xa_id, as XTCP_ARRIVAL gives it */
	__u32	age_ms;			/* since its SYN arrived */
	__u8	taken;			/* 1: read by XTCP_ARRIVAL, verdict awaited */
	__u8	pad[3];
};

/* A pending timer (XTCP_DIAG_TIMERS carries an array of them). */
struct xtcp_diag_timer {
	__u8	kind;			/* XTCP_DIAG_TIMER_* */
	__u8	count;			/* retransmissions / probes so far */
	__u16	pad;
	__u32	expires_ms;		/* from now */
};

/* Attributes after struct xtcp_diag_msg. */
enum {
	XTCP_DIAG_NONE,
	XTCP_DIAG_KIND,		/* u8 XTCP_DIAG_KIND_*: always */
	XTCP_DIAG_LISTEN,	/* struct xtcp_diag_listen: listeners, always */
	XTCP_DIAG_SHUTDOWN,	/* u8: 1 receive, 2 send shut down; full sockets */
	XTCP_DIAG_CLOSE_REASON,	/* u8 XTCP_DIAG_CLOSE_*: when not NONE */
	XTCP_DIAG_INFO,		/* struct xtcp_info (linux/xtcp.h): EXT_INFO, full sockets */
	XTCP_DIAG_MEMINFO,	/* __u32[SK_MEMINFO_VARS] (linux/sock_diag.h): EXT_MEMINFO, full sockets */
	XTCP_DIAG_TIMERS,	/* struct xtcp_diag_timer[]: EXT_TIMERS, pending timers only */
	XTCP_DIAG_PAD,		/* alignment padding for 64-bit attributes, ignore */
	XTCP_DIAG_CONG,		/* NUL-terminated string, the congestion control ("cubic", "reno"), as INET_DIAG_CONG: EXT_INFO, full sockets */
	XTCP_DIAG_ARRIVAL,	/* struct xtcp_diag_arrival: request entries waiting for an XTCP_VERDICT */
	__XTCP_DIAG_MAX,
};
#define XTCP_DIAG_MAX (__XTCP_DIAG_MAX - 1)

/* ---- Generic netlink family "xtcp" -------------------------------------- */

#define XTCP_GENL_NAME		"xtcp"
#define XTCP_GENL_VERSION	1
#define XTCP_GENL_MCGRP_EVENTS	"events"

/*
 * Commands.
 * XTCP_CMD_GET_COUNTERS (request, no attributes): the counters of the
 *   caller's network namespace, the ones /proc/net/xtcp/snmp shows, in one
 *   reply with XTCP_A_COUNTERS.
 * XTCP_CMD_EVENT (multicast on group "events", never a request): one event
 *   of the namespace the listening socket lives in. Sent from the state
 *   machine with GFP_ATOMIC: under memory pressure events can be lost
 *   (the socket then sees ENOBUFS), never the connection.
 */
enum {
	XTCP_CMD_UNSPEC,
	XTCP_CMD_EVENT,
	XTCP_CMD_GET_COUNTERS,
	__XTCP_CMD_MAX,
};
#define XTCP_CMD_MAX (__XTCP_CMD_MAX - 1)

/* Event types (XTCP_A_EV_TYPE). */
enum {
	XTCP_EV_NONE,
	XTCP_EV_NEW,		/* CLOSED -> SYN-SENT (connect), CLOSED -> LISTEN,
				 * SYN-RECV -> ESTAB of a passively opened child */
	XTCP_EV_STATE,		/* any other transition, TIME-WAIT entry creation included */
	XTCP_EV_CLOSE,		/* -> CLOSED, with XTCP_A_EV_REASON; for a TIME-WAIT
				 * entry: when it expires or is killed */
};

/* Top-level attributes. */
enum {
	XTCP_A_UNSPEC,
	XTCP_A_PAD,
	XTCP_A_EV_TYPE,		/* u8 XTCP_EV_* */
	XTCP_A_EV_OLD_STATE,	/* u8 XTCP_* state */
	XTCP_A_EV_NEW_STATE,	/* u8 XTCP_* state */
	XTCP_A_EV_SADDR,	/* be32: local IPv4 address */
	XTCP_A_EV_DADDR,	/* be32: peer IPv4 address */
	XTCP_A_EV_SPORT,	/* u16 host order: local port (0 in the SYN-SENT
				 * event of connect() without bind(): the port is
				 * chosen right after) */
	XTCP_A_EV_DPORT,	/* u16 host order: peer port */
	XTCP_A_EV_COOKIE,	/* u64: socket cookie (see struct xtcp_diag_msg) */
	XTCP_A_EV_REASON,	/* u8 XTCP_DIAG_CLOSE_*: close events */
	XTCP_A_EV_TIME_NS,	/* u64: CLOCK_REALTIME of the event, ns */
	XTCP_A_COUNTERS,	/* nest of XTCP_A_COUNTER */
	XTCP_A_COUNTER,		/* nest of XTCP_A_CTR_* */
	__XTCP_A_MAX,
};
#define XTCP_A_MAX (__XTCP_A_MAX - 1)

/*
 * One counter. The name is the stable key (the /proc/net/xtcp/snmp
 * column); the id is its position there, stable within one module build.
 * Gauges (CurrEstab, CurrTimeWait) are current values, the rest only grow.
 */
enum {
	XTCP_A_CTR_UNSPEC,
	XTCP_A_CTR_PAD,
	XTCP_A_CTR_ID,		/* u32 */
	XTCP_A_CTR_NAME,	/* NUL-terminated string */
	XTCP_A_CTR_VALUE,	/* u64, a signed 64-bit value */
	__XTCP_A_CTR_MAX,
};
#define XTCP_A_CTR_MAX (__XTCP_A_CTR_MAX - 1)

#endif /* _UAPI_LINUX_XTCP_DIAG_H */
