/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XTCP: a reliable, connection-oriented transport over IPv4, as a socket
 * family of its own. Applications include this header and then use the usual
 * socket calls with plain struct sockaddr_in addresses:
 *
 *	int fd = socket(AF_XTCP, SOCK_STREAM, 0);
 *	struct sockaddr_in sin = { .sin_family = AF_INET, ... };
 *	connect(fd, (struct sockaddr *)&sin, sizeof(sin));
 *
 * The wire format and the state machine are described in docs/protocol.md.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

#include <linux/types.h>
#include <linux/socket.h>	/* struct __kernel_sockaddr_storage */
#include <asm/byteorder.h>

/*
 * Address family. 23 was AF_IRDA, removed from Linux in 4.17 and unused by
 * both 6.1 and 6.12. The module's "family" parameter can move it.
 */
#ifndef AF_XTCP
#define AF_XTCP		23
#endif
#ifndef PF_XTCP
#define PF_XTCP		AF_XTCP
#endif

/* IP protocol number XTCP segments travel in (RFC 3692 experimental). */
#define XTCP_IPPROTO_DEFAULT	253

/* Connection states: the same numbers as Linux TCP's, so tools map 1:1. */
enum {
	XTCP_ESTABLISHED = 1,
	XTCP_SYN_SENT,
	XTCP_SYN_RECV,
	XTCP_FIN_WAIT1,
	XTCP_FIN_WAIT2,
	XTCP_TIME_WAIT,
	XTCP_CLOSE,
	XTCP_CLOSE_WAIT,
	XTCP_LAST_ACK,
	XTCP_LISTEN,
	XTCP_CLOSING,
	XTCP_MAX_STATES
};

/*
 * The segment header, 20 bytes followed by options (doff * 4 bytes in all).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |          Source Port          |       Destination Port        |
 *  +-------------------------------+-------------------------------+
 *  |                        Sequence Number                        |
 *  +---------------------------------------------------------------+
 *  |                    Acknowledgment Number                      |
 *  +-------+-------+---------------+-------------------------------+
 *  |  Data |  Rsvd |     Flags     |            Window             |
 *  | Offset|       |   (XTCP_F_*)  |                               |
 *  +-------+-------+---------------+-------------------------------+
 *  |           Checksum            |         Reserved (0)          |
 *  +-------------------------------+-------------------------------+
 *  |                    Options (0-40 bytes)                       |
 *  +---------------------------------------------------------------+
 */
struct xtcphdr {
	__be16	source;
	__be16	dest;
	__be32	seq;
	__be32	ack_seq;
	__u8	doff_res;	/* data offset in the high nibble */
	__u8	flags;
	__be16	window;
	__sum16	check;
	__be16	reserved;
};

#define XTCP_HDR_LEN		20
#define XTCP_MAX_HDR_LEN	60
#define xtcp_hdr_doff(th)	((th)->doff_res >> 4)

#define XTCP_F_FIN	0x01
#define XTCP_F_SYN	0x02
#define XTCP_F_RST	0x04
#define XTCP_F_PSH	0x08
#define XTCP_F_ACK	0x10

/* Option kinds (TLV, as TCP's: kind, length, value). */
#define XTCP_OPT_EOL		0
#define XTCP_OPT_NOP		1
#define XTCP_OPT_MSS		2	/* len 4, SYN only */
#define XTCP_OPT_WSCALE		3	/* len 3, SYN only */
#define XTCP_OPT_SACK_PERM	4	/* len 2, SYN only */
#define XTCP_OPT_SACK		5	/* len 2 + 8n, n <= 4 (RFC 2018) */
#define XTCP_OPT_TIMESTAMP	8	/* len 10: TSval, TSecr (RFC 7323), every segment once agreed */
#define XTCP_OPT_PROBE		9	/* len 6: a 32-bit nonce; answer at once (XTCP_PROBE) */
#define XTCP_OPT_PROBE_ECHO	10	/* len 6: the nonce of the probe answered */

/*
 * Socket options at level SOL_XTCP. The numbers are TCP's, and the same
 * options are accepted at level IPPROTO_TCP so existing programs work.
 */
#ifndef SOL_XTCP
#define SOL_XTCP		290
#endif
#define XTCP_NODELAY		1	/* int: disable Nagle */
#define XTCP_MAXSEG		2	/* int: clamp the send MSS */
#define XTCP_KEEPIDLE		4	/* int seconds */
#define XTCP_KEEPINTVL		5	/* int seconds */
#define XTCP_KEEPCNT		6	/* int */
#define XTCP_SYNCNT		7	/* int: SYN retransmissions before ETIMEDOUT */
#define XTCP_INFO		11	/* struct xtcp_info (struct tcp_info at IPPROTO_TCP) */
#define XTCP_CONGESTION		13	/* char[16]: "cubic" (default) or "reno" */
#define XTCP_USER_TIMEOUT	18	/* unsigned int ms */

/*
 * Beyond TCP (docs/protocol.md §30, §31).
 * Arrival vs acceptance: a listener with XTCP_DEFER_HANDSHAKE set sends no
 * SYN-ACK until the application has given a verdict on the request.
 */
#define XTCP_DEFER_HANDSHAKE	100	/* int, on a listener: 1 = every SYN waits for a verdict */
#define XTCP_ARRIVAL		101	/* getsockopt on a listener: take the oldest waiting arrival
					   (struct xtcp_arrival); EAGAIN when none waits */
#define XTCP_VERDICT		102	/* setsockopt on a listener: struct xtcp_verdict */
#define XTCP_PROBE		103	/* setsockopt, __u32 timeout_ms: see part 2 */
#define XTCP_VERDICT_ACCEPT	1	/* answer the SYN now: the handshake completes, accept() gets it */
#define XTCP_VERDICT_REFUSE	2	/* answer with RST: the client's connect() fails ECONNREFUSED */
#define XTCP_VERDICT_DROP	3	/* forget it silently: the client's retransmitted SYN arrives again */

/* xa_flags */
#define XTCP_ARRIVAL_F_WSCALE	0x01	/* the SYN offered window scaling (xa_wscale) */
#define XTCP_ARRIVAL_F_SACK	0x02	/* the SYN offered SACK */
#define XTCP_ARRIVAL_F_MSS	0x04	/* the SYN carried an MSS option (else xa_mss is 536) */

struct xtcp_arrival {
	__u64	xa_id;		/* names this arrival in the verdict */
	__u32	xa_age_ms;	/* how long it has waited */
	__u16	xa_mss;		/* from the SYN's options */
	__u8	xa_wscale;
	__u8	xa_flags;
	struct __kernel_sockaddr_storage xa_peer;	/* sockaddr_in (sockaddr_in6 when IPv6 lands) */
	struct __kernel_sockaddr_storage xa_local;
};

struct xtcp_verdict {
	__u64	xv_id;
	__u32	xv_verdict;
	__u32	xv_pad;		/* 0 */
};

#define XTCP_INFO_VERSION	6

/* xtcpi_probe_result: the last XTCP_PROBE of the socket. */
#define XTCP_PROBE_RESULT_NONE		0	/* never probed */
#define XTCP_PROBE_RESULT_PENDING	1	/* sent, neither answered nor timed out yet */
#define XTCP_PROBE_RESULT_ANSWERED	2	/* xtcpi_probe_rtt_us is its RTT */
#define XTCP_PROBE_RESULT_TIMEDOUT	3	/* no answer within its timeout */

/* getsockopt(fd, SOL_XTCP, XTCP_INFO): a versioned snapshot. Fields are
 * only ever appended; a shorter buffer gets the first bytes. */
struct xtcp_info {
	__u32	xtcpi_version;
	__u8	xtcpi_state;		/* XTCP_ESTABLISHED ... */
	__u8	xtcpi_retransmits;	/* consecutive, current backoff */
	__u8	xtcpi_snd_wscale;
	__u8	xtcpi_rcv_wscale;
	__u32	xtcpi_rto_us;
	__u32	xtcpi_rtt_us;		/* smoothed */
	__u32	xtcpi_rttvar_us;
	__u32	xtcpi_snd_mss;
	__u32	xtcpi_advmss;
	__u32	xtcpi_snd_cwnd;		/* segments */
	__u32	xtcpi_snd_ssthresh;
	__u32	xtcpi_snd_wnd;		/* bytes, peer's window */
	__u32	xtcpi_rcv_wnd;		/* bytes, as advertised */
	__u32	xtcpi_unacked;		/* bytes in flight */
	__u32	xtcpi_total_retrans;
	__u32	xtcpi_segs_in;
	__u32	xtcpi_segs_out;
	__u32	xtcpi_pad0;		/* 64-bit alignment, same on 32-bit */
	__u64	xtcpi_bytes_sent;
	__u64	xtcpi_bytes_acked;
	__u64	xtcpi_bytes_received;
	__u32	xtcpi_last_data_sent_ms;	/* ago */
	__u32	xtcpi_last_data_recv_ms;	/* ago */
	/* The sender's scoreboard and recovery state. */
	__u8	xtcpi_ca_state;		/* 0 open, 1 disorder, 2 recovery, 3 loss */
	__u8	xtcpi_backoff;
	__u8	xtcpi_sack_ok;
	__u8	xtcpi_pad;
	__u32	xtcpi_packets_out;
	__u32	xtcpi_sacked_out;
	__u32	xtcpi_lost_out;
	__u32	xtcpi_retrans_out;
	__u32	xtcpi_reordering;
	__u32	xtcpi_rcv_ooo_segs;	/* segments waiting beyond a hole */
	__u32	xtcpi_pad1;
	/* Version 2: the congestion control, as TCP_CONGESTION names it. */
	char	xtcpi_ca_name[16];
	/* Version 3: the last liveness probe (XTCP_PROBE). */
	__u32	xtcpi_probe_rtt_us;	/* of the last answered probe, from its first send */
	__u8	xtcpi_probe_result;	/* XTCP_PROBE_RESULT_* of the last probe */
	__u8	xtcpi_pad2[3];
	/* Version 4: what D-SACK (RFC 2883) taught the sender. */
	__u32	xtcpi_dsack_dups;	/* segments the peer reported received twice */
	__u32	xtcpi_reord_seen;	/* reordering events (tcpi_reord_seen) */
	__u32	xtcpi_undos;		/* reductions undone: all their retransmissions were spurious */
	__u32	xtcpi_rack_reo_wnd_us;	/* RACK's reordering window now */
	/* Version 5: RFC 7323 timestamps. */
	__u8	xtcpi_ts_ok;		/* both ends sent them in the handshake */
	__u8	xtcpi_pad3[3];
	__u32	xtcpi_ts_recent;	/* TS.Recent: the peer's TSval we echo */
	/* Version 6: the path MTU (docs/protocol.md §33). */
	__u32	xtcpi_pmtu;		/* the MTU the send MSS follows, 0: not known yet */
	__u32	xtcpi_blackhole_mtu;	/* the limit black-hole detection set, 0: none */
};

#endif /* _UAPI_LINUX_XTCP_H */
