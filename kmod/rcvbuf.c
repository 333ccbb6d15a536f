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

/*
 * Compact receive memory, as Linux's tcp_collapse(). The window is half
 * the free buffer and in-order data may use twice SO_RCVBUF
 * (xtcp_data_queue()), so what the window admitted fits while truesize is
 * at most four times the payload: true of full-sized segments, not of
 * small ones (a 100-byte segment costs about 1 KiB). When in-order data
 * reaches the limit, the receive queue's small skbs that cost more than
 * twice what they carry are copied into linear skbs of a page each, and
 * the arriving segment joins the last one by copy if it fits there.
 */
#define XTCP_COLLAPSE_ROOM	SKB_WITH_OVERHEAD(PAGE_SIZE - MAX_HEADER)

static bool xtcp_collapsible(const struct sk_buff *skb)
{
	return skb->len && skb->len <= XTCP_COLLAPSE_ROOM / 2 &&
	       skb->truesize > 2 * skb->len;
}

/* A compact skb's bookkeeping: XTCP_SKB_CB seq and flags, owner. */
static struct sk_buff *xtcp_collapse_skb(struct sock *sk, u32 seq)
{
	struct sk_buff *n = alloc_skb(XTCP_COLLAPSE_ROOM, GFP_ATOMIC | __GFP_NOWARN);

	if (!n)
		return NULL;
	memset(XTCP_SKB_CB(n), 0, sizeof(struct xtcp_skb_cb));
	XTCP_SKB_CB(n)->seq = seq;
	skb_set_owner_r(n, sk);
	return n;
}

void xtcp_rcvq_collapse(struct sock *sk)
{
	struct sk_buff *skb, *n = NULL;
	struct sk_buff_head q;
	u32 copied = 0;

	__skb_queue_head_init(&q);
	while ((skb = __skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_collapsible(skb)) {
			n = NULL;
			__skb_queue_tail(&q, skb);
			continue;
		}
		if (!n || skb_tailroom(n) < skb->len) {
			n = xtcp_collapse_skb(sk, cb->seq);
			if (!n) {
				__skb_queue_tail(&q, skb);
				continue;
			}
			__skb_queue_tail(&q, n);
		}
		/* Cannot fail: 0 .. len lies inside @skb. */
		if (skb_copy_bits(skb, 0, skb_put(n, skb->len), skb->len))
			skb_trim(n, n->len - skb->len);
		copied += skb->len;
		XTCP_SKB_CB(n)->flags |= cb->flags & XTCP_F_FIN;
		if (cb->flags & XTCP_F_FIN)
			n = NULL;	/* nothing follows a FIN */
		consume_skb(skb);	/* copied, not dropped; its truesize leaves rmem */
	}
	skb_queue_splice(&q, &sk->sk_receive_queue);
	if (copied)
		XTCP_INC_STATS(xtcp_sk_net(sk), RCVCOLLAPSED);
}

/*
 * @skb, in order right after the receive queue's tail, small, and over the
 * limit as it is: its data joins the queue by copy, into the tail if that
 * is a compact skb with room (xtcp_rcvq_collapse()), else into a new
 * compact skb if one fits under @limit. True when @skb's data is queued:
 * the caller frees @skb.
 */
bool xtcp_rcvq_copy_in(struct sock *sk, struct sk_buff *skb, unsigned int limit)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (!xtcp_collapsible(skb))
		return false;
	if (!tail || skb_cloned(tail) || skb_is_nonlinear(tail) ||
	    (XTCP_SKB_CB(tail)->flags & XTCP_F_FIN) ||
	    XTCP_SKB_CB(tail)->seq + tail->len != cb->seq ||
	    skb_tailroom(tail) < skb->len) {
		if (atomic_read(&sk->sk_rmem_alloc) +
		    SKB_TRUESIZE(XTCP_COLLAPSE_ROOM) > limit)
			return false;
		tail = xtcp_collapse_skb(sk, cb->seq);
		if (!tail)
			return false;
		__skb_queue_tail(&sk->sk_receive_queue, tail);
	}
	if (skb_copy_bits(skb, 0, skb_put(tail, skb->len), skb->len)) {
		skb_trim(tail, tail->len - skb->len);	/* cannot happen */
		return false;
	}
	XTCP_SKB_CB(tail)->flags |= cb->flags & XTCP_F_FIN;
	return true;
}
