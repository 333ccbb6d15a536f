// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer autotuning: the receive buffer grows to what the reader consumes
 * per round trip (the idea of Linux's tcp_rcv_space_adjust()), so the
 * window we offer can fill a long or fast path; the send buffer grows with
 * cwnd (tcp_sndbuf_expand()), so the writer keeps the pipe full. Neither
 * ever shrinks, neither passes its namespace's cap (net.xtcp.rmem_max,
 * net.xtcp.wmem_max), and neither touches a buffer the application sized
 * itself (SO_RCVBUF / SO_SNDBUF lock it). net.xtcp.moderate_rcvbuf=0 turns
 * the receive side off.
 *
 * The receiver's RTT: there are no timestamps in XTCP, so, as Linux without
 * them (tcp_rcv_rtt_measure()), the time one window of data takes to
 * arrive: an upper bound of the round trip, taken as its minimum over the
 * samples.
 */
#include "xtcp.h"
#include "pernet.h"

#define XTCP_RCV_RTT_MAX_US	(10 * USEC_PER_SEC)

static u32 xtcp_now_us32(void)
{
	return (u32)xtcp_clock_us();
}

/* In-order data arrived (socket locked): one more sample when the window
 * offered at the start of the last one is used up. */
void xtcp_rcv_rtt_measure(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = xtcp_now_us32();

	if (xs->rcv_rtt_time) {
		u32 m;

		if (xtcp_before(xs->rcv_nxt, xs->rcv_rtt_seq))
			return;
		m = now - xs->rcv_rtt_time;
		if (m && m < XTCP_RCV_RTT_MAX_US &&
		    (!xs->rcv_rtt_us || m < xs->rcv_rtt_us))
			xs->rcv_rtt_us = m;
	}
	xs->rcv_rtt_seq = xs->rcv_nxt + max_t(u32, xs->rcv_wnd, xs->advmss);
	xs->rcv_rtt_time = now ?: 1;
}

/*
 * After recvmsg() copied data (socket locked). Once per receiver RTT: if
 * the reader took more than in the RTT before, make room for twice that
 * plus 16 segments (and more when it grows fast), as a window; the window
 * is half the free buffer (xtcp_rcv_space()), so the buffer is twice it.
 */
void xtcp_rcv_space_adjust(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	u32 now = xtcp_now_us32(), rtt, copied, space;
	u64 rcvwin;
	int cap;

	if (!xs->rcvq_time) {
		xs->rcvq_time = now ?: 1;
		xs->rcvq_seq = xs->copied_seq;
		xs->rcvq_space = min_t(u32, xs->rcv_wnd ?: 65535,
				       10U * max_t(u32, xs->advmss, 536));
		return;
	}
	rtt = xs->rcv_rtt_us ?: xs->srtt_us >> 3;
	if (!rtt || now - xs->rcvq_time < rtt)
		return;
	copied = xs->copied_seq - xs->rcvq_seq;
	space = max_t(u32, xs->rcvq_space, 1);
	if (copied > space) {
		if (READ_ONCE(xn->sysctl.moderate_rcvbuf) &&
		    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
			rcvwin = 2ULL * copied + 16ULL * xs->advmss;
			/* Growing by a quarter or more per RTT (slow start
			 * on the other side): allow for the next step. */
			if (copied >= space + (space >> 2))
				rcvwin += div_u64(rcvwin * (copied - space),
						  space) * 2;
			cap = READ_ONCE(xn->sysctl.rmem_max);
			rcvwin = min_t(u64, 2 * rcvwin, cap);
			if (rcvwin > (u64)READ_ONCE(sk->sk_rcvbuf))
				WRITE_ONCE(sk->sk_rcvbuf, (int)rcvwin);
		}
		xs->rcvq_space = copied;
	}
	xs->rcvq_seq = xs->copied_seq;
	xs->rcvq_time = now ?: 1;
}

/*
 * An ACK released data (socket locked): room in the send buffer for twice
 * the segments cwnd (or the reordering) lets fly, each with its skb's
 * overhead: one half in flight, the other queued behind it.
 */
void xtcp_sndbuf_expand(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 segs, per_mss;
	u64 sndmem;
	int cap;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	segs = max3(xs->snd_cwnd, xs->reordering + 1, 10U);
	per_mss = SKB_TRUESIZE(XTCP_MAX_HDR_LEN + MAX_HEADER + 64) + xs->mss;
	sndmem = 2ULL * segs * per_mss;
	cap = READ_ONCE(xtcp_sk_net(sk)->sysctl.wmem_max);
	sndmem = min_t(u64, sndmem, cap);
	if (sndmem > (u64)READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, (int)sndmem);
}

/* The largest receive buffer this socket may come to have, for its
 * window scale (connect.c, synqueue.c). */
u32 xtcp_rcvbuf_max(const struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	u32 max = READ_ONCE(sk->sk_rcvbuf);

	if (READ_ONCE(xn->sysctl.moderate_rcvbuf) &&
	    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		max = max_t(u32, max, READ_ONCE(xn->sysctl.rmem_max));
	return max;
}
