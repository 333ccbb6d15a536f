/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP's tracepoints, the counterparts of Linux TCP's tcp:tcp_probe,
 * tcp:tcp_retransmit_skb, tcp:tcp_send_reset, tcp:tcp_receive_reset and
 * sock:inet_sock_set_state, with the same field names where they exist,
 * so that perf, trace-cmd and bpftrace scripts for TCP read them alike:
 *
 *	perf record -e 'xtcp:*' -a -- xtcpperf -c 10.0.0.1
 *	bpftrace -e 'tracepoint:xtcp:xtcp_probe { @cwnd = hist(args->snd_cwnd); }'
 *
 * Disabled tracepoints cost a static branch each. docs/protocol.md,
 * "Tracepoints", has a worked example.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp

#if !defined(_XTCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XTCP_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/tcp_states.h>

#define xtcp_show_state(s)					\
	__print_symbolic(s,					\
		{ TCP_ESTABLISHED,	"ESTAB" },		\
		{ TCP_SYN_SENT,		"SYN-SENT" },		\
		{ TCP_SYN_RECV,		"SYN-RECV" },		\
		{ TCP_FIN_WAIT1,	"FIN-WAIT-1" },		\
		{ TCP_FIN_WAIT2,	"FIN-WAIT-2" },		\
		{ TCP_TIME_WAIT,	"TIME-WAIT" },		\
		{ TCP_CLOSE,		"CLOSED" },		\
		{ TCP_CLOSE_WAIT,	"CLOSE-WAIT" },		\
		{ TCP_LAST_ACK,		"LAST-ACK" },		\
		{ TCP_LISTEN,		"LISTEN" },		\
		{ TCP_CLOSING,		"CLOSING" })

/* The 4-tuple of a socket, in every event that has one. */
#define XTCP_TP_TUPLE_FIELDS				\
	__field(const void *, skaddr)			\
	__field(__u16, sport)				\
	__field(__u16, dport)				\
	__array(__u8, saddr, 4)				\
	__array(__u8, daddr, 4)

#define XTCP_TP_TUPLE_ASSIGN(sk) do {					\
	const struct inet_sock *__inet = inet_sk(sk);			\
	__entry->skaddr = (sk);						\
	__entry->sport = ntohs(__inet->inet_sport);			\
	__entry->dport = ntohs(__inet->inet_dport);			\
	memcpy(__entry->saddr, &__inet->inet_saddr, 4);		\
	memcpy(__entry->daddr, &__inet->inet_daddr, 4);		\
} while (0)

#define XTCP_TP_TUPLE_FMT	"saddr=%pI4 sport=%u daddr=%pI4 dport=%u"
#define XTCP_TP_TUPLE_ARGS	__entry->saddr, __entry->sport,	\
				__entry->daddr, __entry->dport

TRACE_EVENT(xtcp_set_state,
	TP_PROTO(const struct sock *sk, int oldstate, int newstate),
	TP_ARGS(sk, oldstate, newstate),
	TP_STRUCT__entry(
		XTCP_TP_TUPLE_FIELDS
		__field(int, oldstate)
		__field(int, newstate)
	),
	TP_fast_assign(
		XTCP_TP_TUPLE_ASSIGN(sk);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
	),
	TP_printk(XTCP_TP_TUPLE_FMT " oldstate=%s newstate=%s",
		  XTCP_TP_TUPLE_ARGS, xtcp_show_state(__entry->oldstate),
		  xtcp_show_state(__entry->newstate))
);

/* After every acceptable ACK: what tcp_probe shows for TCP. */
TRACE_EVENT(xtcp_probe,
	TP_PROTO(const struct sock *sk, __u32 snd_nxt, __u32 snd_una,
		 __u32 snd_cwnd, __u32 ssthresh, __u32 snd_wnd,
		 __u32 rcv_wnd, __u32 srtt_us, __u32 packets_out),
	TP_ARGS(sk, snd_nxt, snd_una, snd_cwnd, ssthresh, snd_wnd, rcv_wnd,
		srtt_us, packets_out),
	TP_STRUCT__entry(
		XTCP_TP_TUPLE_FIELDS
		__field(__u32, snd_nxt)
		__field(__u32, snd_una)
		__field(__u32, snd_cwnd)
		__field(__u32, ssthresh)
		__field(__u32, snd_wnd)
		__field(__u32, rcv_wnd)
		__field(__u32, srtt)
		__field(__u32, packets_out)
	),
	TP_fast_assign(
		XTCP_TP_TUPLE_ASSIGN(sk);
		__entry->snd_nxt = snd_nxt;
		__entry->snd_una = snd_una;
		__entry->snd_cwnd = snd_cwnd;
		__entry->ssthresh = ssthresh;
		__entry->snd_wnd = snd_wnd;
		__entry->rcv_wnd = rcv_wnd;
		__entry->srtt = srtt_us;
		__entry->packets_out = packets_out;
	),
	TP_printk(XTCP_TP_TUPLE_FMT " snd_nxt=%#x snd_una=%#x snd_cwnd=%u ssthresh=%u snd_wnd=%u rcv_wnd=%u srtt=%u packets_out=%u",
		  XTCP_TP_TUPLE_ARGS, __entry->snd_nxt, __entry->snd_una,
		  __entry->snd_cwnd, __entry->ssthresh, __entry->snd_wnd,
		  __entry->rcv_wnd, __entry->srtt, __entry->packets_out)
);

/* A segment sent again: by the RTO, fast recovery or a loss probe. */
TRACE_EVENT(xtcp_retransmit,
	TP_PROTO(const struct sock *sk, __u32 seq, __u32 len, int why),
	TP_ARGS(sk, seq, len, why),
	TP_STRUCT__entry(
		XTCP_TP_TUPLE_FIELDS
		__field(__u32, seq)
		__field(__u32, len)
		__field(int, state)
		__field(int, why)
	),
	TP_fast_assign(
		XTCP_TP_TUPLE_ASSIGN(sk);
		__entry->seq = seq;
		__entry->len = len;
		__entry->state = sk->sk_state;
		__entry->why = why;
	),
	TP_printk(XTCP_TP_TUPLE_FMT " seq=%#x len=%u state=%s why=%s",
		  XTCP_TP_TUPLE_ARGS, __entry->seq, __entry->len,
		  xtcp_show_state(__entry->state),
		  __print_symbolic(__entry->why, { 0, "rto" }, { 1, "lost" },
				   { 2, "tlp" }))
);

/* An RST leaves: an abort (sk set) or the answer of no socket (sk NULL). */
TRACE_EVENT(xtcp_send_reset,
	TP_PROTO(const struct sock *sk, __be32 saddr, __be32 daddr,
		 __be16 sport, __be16 dport, __u32 seq),
	TP_ARGS(sk, saddr, daddr, sport, dport, seq),
	TP_STRUCT__entry(
		XTCP_TP_TUPLE_FIELDS
		__field(int, state)
		__field(__u32, seq)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->sport = ntohs(sport);
		__entry->dport = ntohs(dport);
		memcpy(__entry->saddr, &saddr, 4);
		memcpy(__entry->daddr, &daddr, 4);
		__entry->state = sk ? sk->sk_state : TCP_CLOSE;
		__entry->seq = seq;
	),
	TP_printk(XTCP_TP_TUPLE_FMT " state=%s seq=%#x",
		  XTCP_TP_TUPLE_ARGS, xtcp_show_state(__entry->state),
		  __entry->seq)
);

/* An acceptable RST arrived: the connection ends with @err. */
TRACE_EVENT(xtcp_receive_reset,
	TP_PROTO(const struct sock *sk, int err),
	TP_ARGS(sk, err),
	TP_STRUCT__entry(
		XTCP_TP_TUPLE_FIELDS
		__field(int, state)
		__field(int, err)
	),
	TP_fast_assign(
		XTCP_TP_TUPLE_ASSIGN(sk);
		__entry->state = sk->sk_state;
		__entry->err = err;
	),
	TP_printk(XTCP_TP_TUPLE_FMT " state=%s err=%d",
		  XTCP_TP_TUPLE_ARGS, xtcp_show_state(__entry->state),
		  __entry->err)
);

#endif /* _XTCP_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xtcp_trace
#include <trace/define_trace.h>
