// SPDX-License-Identifier: GPL-2.0
/*
 * Building and sending segments. A full socket sends through
 * ip_queue_xmit() with its cached route; replies that have no socket (RST
 * for a closed port, SYN-ACK of a request entry, ACK of a TIME-WAIT entry)
 * are routed one by one and sent with ip_local_out(). Either way they go
 * through the kernel's routing and netfilter, exactly as TCP's do.
 *
 * The checksum covers a pseudo-header as TCP's does; full sockets leave the
 * sum to the device or the stack (CHECKSUM_PARTIAL), replies compute it.
 */
#include <net/ip.h>
#include <net/route.h>
#include <net/checksum.h>
#include "hash.h"
#include "xtcp_trace.h"

#define XTCP_MAX_HEADER	(XTCP_MAX_HDR_LEN + MAX_HEADER + 64)
#define XTCP_SYN_OPT_LEN 8	/* MSS (4) + NOP + WSCALE (3) */

/* What the receive buffer still holds room for, as a window. */
u32 xtcp_rcv_space(const struct sock *sk)
{
	int free = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);

	/* Half of the free space: skb overhead (truesize) eats the rest. */
	return free > 0 ? free / 2 : 0;
}

/*
 * The window to advertise now. Never shrinks what we offered before
 * (RFC 9293 3.8.6.2.2); remembers it as RCV.WUP + RCV.WND.
 */
u16 xtcp_select_window(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s32 cur = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;
	u32 space = xtcp_rcv_space(sk);
	u32 max = 65535U << xs->rcv_wscale;

	if (cur < 0)
		cur = 0;
	if (space < (u32)cur)
		space = cur;
	if (space > max)
		space = max;
	/* Round up to the scale unit, so the right edge never moves left. */
	space = ALIGN(space, 1U << xs->rcv_wscale);
	if (space > max)
		space = max;
	xs->rcv_wnd = space;
	xs->rcv_wup = xs->rcv_nxt;
	return space >> xs->rcv_wscale;
}

/* Bytes the options of @o take on the wire (a multiple of 4). */
static int xtcp_options_len(const struct xtcp_opts *o)
{
	return (o->mss ? 4 : 0) + (o->wscale_ok ? 4 : 0) +
	       (o->sack_ok ? 4 : 0) + (o->num_sacks ? 4 + 8 * o->num_sacks : 0) +
	       (o->probe_kind ? 8 : 0) + (o->tstamp ? XTCP_TS_OPT_LEN : 0);
}

static int xtcp_write_options(u8 *p, const struct xtcp_opts *o)
{
	int len = 0, i;

	if (o->mss) {
		p[0] = XTCP_OPT_MSS;
		p[1] = 4;
		put_unaligned_be16(o->mss, p + 2);
		len += 4;
	}
	if (o->wscale_ok) {
		p[len] = XTCP_OPT_NOP;
		p[len + 1] = XTCP_OPT_WSCALE;
		p[len + 2] = 3;
		p[len + 3] = o->wscale;
		len += 4;
	}
	if (o->sack_ok) {
		p[len] = XTCP_OPT_NOP;
		p[len + 1] = XTCP_OPT_NOP;
		p[len + 2] = XTCP_OPT_SACK_PERM;
		p[len + 3] = 2;
		len += 4;
	}
	if (o->tstamp) {	/* RFC 7323 appendix A's layout */
		p[len] = XTCP_OPT_NOP;
		p[len + 1] = XTCP_OPT_NOP;
		p[len + 2] = XTCP_OPT_TIMESTAMP;
		p[len + 3] = 10;
		put_unaligned_be32(o->tsval, p + len + 4);
		put_unaligned_be32(o->tsecr, p + len + 8);
		len += XTCP_TS_OPT_LEN;
	}
	if (o->num_sacks) {
		p[len] = XTCP_OPT_NOP;
		p[len + 1] = XTCP_OPT_NOP;
		p[len + 2] = XTCP_OPT_SACK;
		p[len + 3] = 2 + 8 * o->num_sacks;
		len += 4;
		for (i = 0; i < o->num_sacks; i++) {
			put_unaligned_be32(o->sacks[i].start, p + len);
			put_unaligned_be32(o->sacks[i].end, p + len + 4);
			len += 8;
		}
	}
	if (o->probe_kind) {	/* XTCP_PROBE (probe.c) */
		p[len] = XTCP_OPT_NOP;
		p[len + 1] = XTCP_OPT_NOP;
		p[len + 2] = o->probe_kind;
		p[len + 3] = 6;
		put_unaligned_be32(o->probe_nonce, p + len + 4);
		len += 8;
	}
	return len;
}

/* An ACK goes out: nothing is owed any more. */
static void xtcp_ack_sent(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->segs_unacked = 0;
	if (xs->ack_pending) {
		xs->ack_pending = 0;
		sk_stop_timer(sk, &xs->delack_timer);
	}
}

/*
 * Put the header in front of @skb (whose data is the payload) and send it.
 * With @clone the skb stays in the write queue for retransmission and a
 * clone (or a copy, if an earlier clone is still in flight and shares the
 * header room) goes out.
 */
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb, bool clone)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_opts opts = { };
	struct xtcphdr *th;
	u8 flags = cb->flags;
	int optlen, hlen, err;
	u16 window;

	if (clone) {
		cb->when = xtcp_time();
		cb->xmit_us = xtcp_clock_us();
		struct sk_buff *orig = skb;

		skb = skb_cloned(skb) ? pskb_copy(skb, GFP_ATOMIC) :
					skb_clone(skb, GFP_ATOMIC);
		if (!skb)
			return -ENOBUFS;
		/* A copy's shinfo is its own: page-cache fragments stay
		 * marked (a clone shares the mark). */
		xtcp_skb_shared_frag_copy(skb, orig);
	}

	if (sk->sk_state != TCP_SYN_SENT)
		flags |= XTCP_F_ACK;
	if (flags & XTCP_F_SYN) {
		opts.mss = xs->advmss;
		opts.wscale_ok = xs->wscale_ok;
		opts.wscale = xs->rcv_wscale;
		opts.sack_ok = xs->sack_ok;
		/* The window of a SYN is never scaled (RFC 7323 2.2). */
		window = min_t(u32, xtcp_rcv_space(sk), 65535);
		xs->rcv_wnd = window;
		xs->rcv_wup = xs->rcv_nxt;
	} else {
		/* 40 option bytes: SACK blocks get what timestamps and a
		 * liveness probe leave (3 beside timestamps, as TCP). */
		int max_sacks = min_t(int, ARRAY_SIZE(opts.sacks),
				      (40 - 4 - (xs->ts_ok ? XTCP_TS_OPT_LEN : 0) -
				       (xs->tx_probe_kind ? 8 : 0)) / 8);

		window = xtcp_select_window(sk);
		if (xs->sack_ok && xs->dsack) {
			/* RFC 2883: the duplicate first, sent once. */
			opts.sacks[0].start = xs->dsack_blk.start;
			opts.sacks[0].end = xs->dsack_blk.end;
			opts.num_sacks = 1;
			xs->dsack = 0;
		}
		if (xs->sack_ok && !RB_EMPTY_ROOT(&xs->ooo_queue)) {
			int i;

			xtcp_build_sacks(sk);
			for (i = 0; i < xs->num_sacks &&
				    opts.num_sacks < max_sacks; i++) {
				opts.sacks[opts.num_sacks].start = xs->sacks[i].start;
				opts.sacks[opts.num_sacks].end = xs->sacks[i].end;
				opts.num_sacks++;
			}
		}
		if (xs->tx_probe_kind) {
			opts.probe_kind = xs->tx_probe_kind;
			opts.probe_nonce = xs->tx_probe_nonce;
		}
	}
	if (!(flags & XTCP_F_RST))
		xtcp_ts_fill_opts(sk, &opts);

	optlen = xtcp_options_len(&opts);
	hlen = XTCP_HDR_LEN + optlen;
	/* gso_size counts the header beyond what the core assumes
	 * (xtcp_gso_size()): xtcp_gso_build() counted a bare one. */
	if (skb_is_gso(skb) && optlen)
		skb_shinfo(skb)->gso_size += optlen;
	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	th->source = inet->inet_sport;
	th->dest = inet->inet_dport;
	th->seq = htonl(cb->seq);
	th->ack_seq = (flags & XTCP_F_ACK) ? htonl(xs->rcv_nxt) : 0;
	th->doff_res = (hlen / 4) << 4;
	th->flags = flags;
	th->window = htons(window);
	th->check = 0;
	th->reserved = 0;
	if (optlen)
		xtcp_write_options((u8 *)(th + 1), &opts);

	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct xtcphdr, check);
	th->check = ~csum_tcpudp_magic(inet->inet_saddr, inet->inet_daddr,
				       skb->len, xtcp_ipproto, 0);

	if (flags & XTCP_F_ACK)
		xtcp_ack_sent(sk);
	if (skb_is_gso(skb)) {
		/* One large skb, gso_segs segments on the wire. */
		u32 segs = skb_shinfo(skb)->gso_segs;

		xs->segs_out += segs;
		XTCP_ADD_STATS(xtcp_sk_net(sk), OUTSEGS, segs);
		XTCP_INC_STATS(xtcp_sk_net(sk), OUTGSOSKBS);
	} else {
		xs->segs_out++;
		XTCP_INC_STATS(xtcp_sk_net(sk), OUTSEGS);
	}
	skb->priority = READ_ONCE(sk->sk_priority);
	skb->mark = READ_ONCE(sk->sk_mark);
	/* Owned, as TCP's: cgroup-BPF egress, netfilter's owner and cgroup
	 * matches and the LSM see the socket, and sk_wmem_alloc counts the
	 * skb until the device is done with it. */
	skb_set_owner_w(skb, sk);
	/*
	 * skb->cb is IP's from here (IPCB): our xtcp_skb_cb left in it reads
	 * as IP options, flags and frag_max_size. An icmp_send() on this skb
	 * (a REJECT rule) echoed those "options" into a 40-byte stack buffer,
	 * and ip_options_fragment() wrote NOPs past the header into the skb's
	 * shared info (a panic on 6.12). Clear it, as tcp_transmit_skb() does;
	 * the segment in the write queue keeps its own cb.
	 */
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

/* A segment that carries no data and is not retransmitted (ACK, probe). */
static void xtcp_send_bare(struct sock *sk, u32 seq, u8 flags, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(XTCP_MAX_HEADER, gfp);

	if (!skb)
		return;
	skb_reserve(skb, XTCP_MAX_HEADER);
	memset(XTCP_SKB_CB(skb), 0, sizeof(struct xtcp_skb_cb));
	XTCP_SKB_CB(skb)->seq = seq;
	XTCP_SKB_CB(skb)->end_seq = seq;
	XTCP_SKB_CB(skb)->flags = flags;
	xtcp_transmit_skb(sk, skb, false);
}

void xtcp_send_ack(struct sock *sk)
{
	if (sk->sk_state == TCP_CLOSE)
		return;
	xtcp_send_bare(sk, xtcp_sk(sk)->snd_nxt, XTCP_F_ACK, GFP_ATOMIC);
}

/* A zero-window probe or keepalive: one below SND.UNA draws an ACK. */
void xtcp_send_probe(struct sock *sk)
{
	if (sk->sk_state == TCP_CLOSE)
		return;
	xtcp_send_bare(sk, xtcp_sk(sk)->snd_una - 1, XTCP_F_ACK, GFP_ATOMIC);
}

/* A bare ACK at @seq carrying a liveness probe option (probe.c). */
void xtcp_send_probe_opt(struct sock *sk, u32 seq, u8 kind, u32 nonce)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (sk->sk_state == TCP_CLOSE)
		return;
	xs->tx_probe_kind = kind;
	xs->tx_probe_nonce = nonce;
	xtcp_send_bare(sk, seq, XTCP_F_ACK, GFP_ATOMIC);
	xs->tx_probe_kind = 0;
}

/*
 * RFC 5961: a rate-limited ACK that tells a blind attacker nothing.
 * First a budget per socket and second (net.xtcp.challenge_ack_sock_limit):
 * a flood at one connection cannot spend the challenge ACKs of the
 * others, and no connection's budget can be observed from another (the
 * side channel of CVE-2016-5696 was one counter shared by all). Then the
 * namespace's cap (net.xtcp.challenge_ack_limit), randomised for the same
 * reason, bounds what a flood at many connections sends. Every challenge
 * ACK not sent is counted (ACKSkippedChallenge).
 */
void xtcp_send_challenge_ack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	unsigned long now = jiffies / HZ;
	u32 limit = READ_ONCE(xn->sysctl.challenge_ack_limit);
	bool ok;

	/* Socket lock held (softirq or owner): no other lock needed. */
	if ((u32)now != xs->challenge_sec) {
		xs->challenge_sec = (u32)now;
		xs->challenge_left =
			READ_ONCE(xn->sysctl.challenge_ack_sock_limit);
	}
	if (!xs->challenge_left) {
		XTCP_INC_STATS(xn, ACKSKIPPEDCHALLENGE);
		return;
	}
	spin_lock_bh(&xn->challenge_lock);
	if (now != xn->challenge_stamp) {
		/* A randomised budget, so the count is no side channel
		 * (CVE-2016-5696). */
		xn->challenge_stamp = now;
		xn->challenge_count = limit ?
			limit / 2 + xtcp_random_below(limit) : 0;
	}
	ok = xn->challenge_count > 0;
	if (ok)
		xn->challenge_count--;
	spin_unlock_bh(&xn->challenge_lock);
	if (ok) {
		xs->challenge_left--;
		XTCP_INC_STATS(xn, CHALLENGEACKS);
		xtcp_send_ack(sk);
	} else {
		XTCP_INC_STATS(xn, ACKSKIPPEDCHALLENGE);
	}
}

/* Queue a control segment (SYN or FIN) that must be retransmitted. */
static struct sk_buff *xtcp_queue_ctl(struct sock *sk, u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = alloc_skb(XTCP_MAX_HEADER, sk->sk_allocation | __GFP_NOWARN);

	if (!skb)
		skb = alloc_skb(XTCP_MAX_HEADER, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, XTCP_MAX_HEADER);
	skb->ip_summed = CHECKSUM_PARTIAL;
	memset(XTCP_SKB_CB(skb), 0, sizeof(struct xtcp_skb_cb));
	XTCP_SKB_CB(skb)->seq = xs->write_seq;
	XTCP_SKB_CB(skb)->end_seq = xs->write_seq + 1;
	XTCP_SKB_CB(skb)->flags = flags;
	xs->write_seq++;
	sk_wmem_queued_add(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!xs->send_head)
		xs->send_head = skb;
	return skb;
}

int xtcp_send_syn(struct sock *sk)
{
	if (!xtcp_queue_ctl(sk, XTCP_F_SYN))
		return -ENOBUFS;
	xtcp_push(sk);
	return 0;
}

/*
 * FIN: rides on the last unsent data segment when there is one, else it is
 * a segment of its own. Either way it is retransmitted until acknowledged.
 */
void xtcp_send_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (xs->fin_queued)
		return;
	xs->fin_queued = 1;
	xs->corked = 0;
	if (tail && xs->send_head && !(XTCP_SKB_CB(tail)->flags & XTCP_F_SYN)) {
		XTCP_SKB_CB(tail)->flags |= XTCP_F_FIN;
		XTCP_SKB_CB(tail)->end_seq++;
		xs->write_seq++;
	} else if (!xtcp_queue_ctl(sk, XTCP_F_FIN)) {
		/* No memory for a FIN: the connection cannot end cleanly. */
		xtcp_send_active_reset(sk, GFP_ATOMIC);
		xtcp_done(sk);
		return;
	}
	xtcp_push(sk);
}

/*
 * Split an unsent segment at @len bytes: the tail becomes a new skb right
 * after it. Used when the peer's window takes only part of a segment.
 */
static int xtcp_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 nlen = skb->len - len;
	struct sk_buff *nskb;

	nskb = alloc_skb(XTCP_MAX_HEADER, GFP_ATOMIC);
	if (!nskb)
		return -ENOMEM;
	skb_reserve(nskb, XTCP_MAX_HEADER);
	nskb->ip_summed = CHECKSUM_PARTIAL;
	sk_wmem_queued_add(sk, nskb->truesize);
	skb_split(skb, nskb, len);
	xtcp_skb_shared_frag_copy(nskb, skb);
	nskb->truesize += nlen;
	skb->truesize -= nlen;
	*XTCP_SKB_CB(nskb) = *cb;
	XTCP_SKB_CB(nskb)->seq = cb->seq + len;
	cb->end_seq = cb->seq + len;
	cb->flags &= ~(XTCP_F_FIN | XTCP_F_PSH);
	__skb_queue_after(&sk->sk_write_queue, skb, nskb);
	return 0;
}

/*
 * A segment queued or sent for a larger MSS than the path takes now
 * (pmtu.c): cut at the MSS before it goes (again); the tail, a segment of
 * its own with the same marks, is cut in its turn. A sent one may still
 * be referenced by a clone in a device queue: unshared first, as
 * tcp_fragment(), and counted in the scoreboard like any segment.
 */
static int xtcp_fit_mss(struct sock *sk, struct sk_buff *skb, bool sent)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u8 sacked = XTCP_SKB_CB(skb)->sacked;
	unsigned int truesize = skb->truesize;

	if (skb->len <= xs->mss)
		return 0;
	/* The write queue's accounting (sk_wmem_queued) counted this
	 * truesize: keep it (skb_unclone_keeptruesize() is not exported). */
	if (sent && skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	skb->truesize = truesize;
	if (xtcp_split(sk, skb, xs->mss))
		return -ENOMEM;
	if (sent) {
		xs->packets_out++;
		if (sacked & XTCP_SKB_LOST)
			xs->lost_out++;
		if (sacked & XTCP_SKB_RETRANS)
			xs->retrans_out++;
	}
	return 0;
}

/*
 * May the unsent segment at SEND.HEAD go now? Checks the peer's window
 * (splitting the segment when only a useful part fits) and Nagle.
 */
static bool xtcp_may_send_new(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	s32 avail = xs->snd_una + xs->snd_wnd - cb->seq;

	if (skb->len > (u32)max(avail, 0)) {
		/* Sender SWS avoidance (RFC 9293 3.8.6.2.1): split only for
		 * a sizeable part, or when nothing is in flight at all. */
		if (avail <= 0 ||
		    (avail < xs->mss / 2 && xs->packets_out) ||
		    xtcp_split(sk, skb, avail))
			return false;
	}
	/* Nagle (RFC 896) and MSG_MORE: a partial last segment waits while
	 * data is unacknowledged, or while the application says more comes. */
	if (skb->len < xs->mss && !(cb->flags & XTCP_F_FIN) &&
	    skb_queue_is_last(&sk->sk_write_queue, skb)) {
		if (xs->corked)
			return false;
		if (!xs->nodelay && xs->packets_out)
			return false;
	}
	return true;
}

void xtcp_retransmit_lost(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	/* The give-up clock starts when the oldest unacknowledged segment
	 * was first sent (its time before this retransmission overwrites
	 * it), not now: the user timeout counts from there. */
	if (!xs->retrans_stamp)
		xs->retrans_stamp =
			XTCP_SKB_CB(skb_peek(&sk->sk_write_queue))->when ?: 1;
	if (xtcp_fit_mss(sk, skb, true) || xtcp_transmit_skb(sk, skb, true))
		return;
	trace_xtcp_retransmit(sk, cb->seq, skb->len, 1);
	cb->retrans++;
	cb->sacked |= XTCP_SKB_RETRANS;
	xs->retrans_out++;
	xs->total_retrans++;
	xs->bytes_retrans += skb->len;
	XTCP_INC_STATS(xtcp_sk_net(sk), RETRANSSEGS);
	xtcp_undo_retransmitted(sk);
}

/* @skb, the segment at SEND.HEAD, left: it is in flight now. */
static void xtcp_new_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->packets_out++;
	if (xtcp_after(XTCP_SKB_CB(skb)->end_seq, xs->snd_nxt))
		xs->snd_nxt = XTCP_SKB_CB(skb)->end_seq;
	if (skb->len) {
		xs->bytes_sent += skb->len;
		xs->last_data_sent = jiffies;
		xtcp_pingpong_sent(sk);
	}
	xs->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
			NULL : skb->next;
}

/*
 * Large segments (GSO, offload.c). The write queue stays in segments of
 * one MSS, so the scoreboard, SACK and RACK see what they always saw; only
 * the transmission of new data joins consecutive full segments into one
 * skb of up to 64 KB whose fragments are those of the queued segments
 * (page references, no copy), cut into wire segments again by the device
 * path only where it must be (a real NIC, a smaller MTU, netem). A
 * retransmission is always one segment.
 *
 * How many segments from @skb (SEND.HEAD, already allowed by the window
 * and Nagle) may go as one: all but the last exactly one MSS, the last a
 * full one or carrying the FIN (or any size under TCP_NODELAY and no
 * cork), all inside the peer's window and cwnd, within the route's GSO
 * limits, with no options to carry (SACK blocks would have to ride on
 * every segment and grow them past the MTU), and with fragments that fit
 * one skb, and a quarter of what cwnd and the window allow at most (so
 * none below a cwnd of 8) and only in the Open state: a flight of a few
 * large skbs draws a few ACKs, and the loss of one of them (netem and an
 * overflowing queue drop whole skbs) or of its ACK leaves too little
 * behind to reveal it, the RTO does (this bound and the Open state took
 * the 5 % loss test from 2.5 times slower back to faster than before).
 * Returns the count (1: send it alone) and the payload in *@len.
 */
#define XTCP_GSO_MAX_PAYLOAD	(65535 - 60 - XTCP_MAX_HDR_LEN)

/* The route takes large skbs of ours (sk_setup_caps()), of two segments
 * at least (a device's gso_max_segs may say 1). */
static bool xtcp_can_gso(const struct sock *sk)
{
	return sk_can_gso(sk) && READ_ONCE(sk->sk_gso_max_segs) >= 2;
}

/* The most segments one large skb may carry now: a quarter of what cwnd
 * and the peer's window allow (none below 8), within the route's limits. */
static u32 xtcp_gso_goal(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 mss = xs->mss;

	return min3(min(xs->snd_cwnd, xs->snd_wnd / mss) / 4,
		    (u32)READ_ONCE(sk->sk_gso_max_segs),
		    min_t(u32, READ_ONCE(sk->sk_gso_max_size),
			  XTCP_GSO_MAX_PAYLOAD) / mss);
}

static u32 xtcp_gso_count(struct sock *sk, struct sk_buff *skb, u32 *len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 right = xs->snd_una + xs->snd_wnd, mss = xs->mss;
	u32 room, max_segs, n = 0, bytes = 0, frags = 0;
	struct page *last_page = NULL;
	u32 last_end = 0;

	*len = skb->len;
	if (!xtcp_can_gso(sk) || skb->len != mss ||
	    xs->ca_state != XTCP_CA_OPEN || xs->dsack ||
	    (xs->sack_ok && !RB_EMPTY_ROOT(&xs->ooo_queue)))
		return 1;
	room = xs->snd_cwnd > xtcp_in_flight(xs) ?
	       xs->snd_cwnd - xtcp_in_flight(xs) : 0;
	max_segs = min3(room, (u32)READ_ONCE(sk->sk_gso_max_segs),
			min_t(u32, READ_ONCE(sk->sk_gso_max_size),
			      XTCP_GSO_MAX_PAYLOAD) / mss);
	max_segs = min(max_segs, xtcp_gso_goal(sk));
	if (max_segs < 2)
		return 1;

	for (;;) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		const struct skb_shared_info *si = skb_shinfo(skb);
		bool last_one = false;
		int i;

		if (skb_headlen(skb) || !skb->len || skb->len > mss ||
		    (cb->flags & XTCP_F_SYN) || cb->sacked ||
		    xtcp_after(cb->seq + skb->len, right))
			break;
		if (skb->len < mss) {
			/* A partial tail joins only if it would go now by
			 * itself after the others: FIN, or no Nagle and no
			 * cork (Nagle holds it while they are in flight). */
			if (!(cb->flags & XTCP_F_FIN) &&
			    (xs->corked || !xs->nodelay ||
			     !skb_queue_is_last(&sk->sk_write_queue, skb)))
				break;
			last_one = true;
		}
		for (i = 0; i < si->nr_frags; i++) {
			const skb_frag_t *f = &si->frags[i];

			if (skb_frag_page(f) != last_page ||
			    skb_frag_off(f) != last_end)
				frags++;
			last_page = skb_frag_page(f);
			last_end = skb_frag_off(f) + skb_frag_size(f);
		}
		if (frags > MAX_SKB_FRAGS)
			break;
		n++;
		bytes += skb->len;
		if (last_one || (cb->flags & XTCP_F_FIN) || n >= max_segs ||
		    skb_queue_is_last(&sk->sk_write_queue, skb))
			break;
		skb = skb->next;
	}
	if (n < 2)
		return 1;
	*len = bytes;
	return n;
}

/*
 * One skb holding the data of @n segments from @first, for
 * xtcp_transmit_skb(): the header fields come from the first (SEQ) and the
 * last (FIN), the data are references to their page fragments.
 */
static struct sk_buff *xtcp_gso_build(struct sock *sk, struct sk_buff *first,
				      u32 n, u32 len)
{
	struct sk_buff *nskb, *skb = first;
	struct skb_shared_info *nsi;
	u32 k;

	nskb = alloc_skb(XTCP_MAX_HEADER, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, XTCP_MAX_HEADER);
	nsi = skb_shinfo(nskb);
	*XTCP_SKB_CB(nskb) = *XTCP_SKB_CB(first);
	for (k = 0; k < n; k++, skb = skb->next) {
		const struct skb_shared_info *si = skb_shinfo(skb);
		int i;

		for (i = 0; i < si->nr_frags; i++) {
			const skb_frag_t *f = &si->frags[i];
			int j = nsi->nr_frags;

			if (skb_can_coalesce(nskb, j, skb_frag_page(f),
					     skb_frag_off(f))) {
				skb_frag_size_add(&nsi->frags[j - 1],
						  skb_frag_size(f));
			} else {
				/* xtcp_gso_count() counted them; never trust
				 * that with the array's end. */
				if (j >= MAX_SKB_FRAGS) {
					kfree_skb(nskb);
					return NULL;
				}
				skb_fill_page_desc(nskb, j, skb_frag_page(f),
						   skb_frag_off(f),
						   skb_frag_size(f));
				get_page(skb_frag_page(f));
			}
		}
		xtcp_skb_shared_frag_copy(nskb, skb);
		XTCP_SKB_CB(nskb)->end_seq = XTCP_SKB_CB(skb)->end_seq;
		/* FIN comes with the last part; a PSH of any part stays. */
		XTCP_SKB_CB(nskb)->flags = XTCP_SKB_CB(skb)->flags |
			(XTCP_SKB_CB(nskb)->flags & XTCP_F_PSH);
	}
	nskb->len = len;
	nskb->data_len = len;
	nskb->truesize += len;
	nskb->ip_summed = CHECKSUM_PARTIAL;
	nsi->gso_size = xtcp_gso_size(xtcp_sk(sk)->mss, XTCP_HDR_LEN);
	nsi->gso_segs = n;
	nsi->gso_type = xtcp_gso_type();
	return nskb;
}

/* Send the segment at SEND.HEAD if the window and Nagle allow: 0 if sent. */
int xtcp_send_new(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = xs->send_head, *nskb;
	u32 n, len, k;
	u32 now;
	u64 now_us;

	if (!skb)
		return -EAGAIN;
	if (xtcp_fit_mss(sk, skb, false))
		return -ENOBUFS;
	if (!xtcp_may_send_new(sk, skb))
		return -EAGAIN;
	n = xtcp_gso_count(sk, skb, &len);
	if (n < 2) {
		if (xtcp_transmit_skb(sk, skb, true) == -ENOBUFS)
			return -ENOBUFS;
		xtcp_new_sent(sk, skb);
		return 0;
	}
	nskb = xtcp_gso_build(sk, skb, n, len);
	if (!nskb) {
		/* No memory for the large skb: this segment alone. */
		if (xtcp_transmit_skb(sk, skb, true) == -ENOBUFS)
			return -ENOBUFS;
		xtcp_new_sent(sk, skb);
		return 0;
	}
	now = xtcp_time();
	now_us = xtcp_clock_us();
	if (xtcp_transmit_skb(sk, nskb, false) == -ENOBUFS)
		return -ENOBUFS;
	for (k = 0; k < n; k++) {
		struct sk_buff *next = skb->next;

		XTCP_SKB_CB(skb)->when = now;
		XTCP_SKB_CB(skb)->xmit_us = now_us;
		xtcp_new_sent(sk, skb);
		skb = next;
	}
	return 0;
}

/*
 * Tail loss probe (RFC 8985 7): when a flight goes unanswered for about
 * two round trips, send one segment (new data if there is any, else the
 * last one again) so that SACK, not the RTO, repairs a lost tail.
 */
void xtcp_tail_loss_probe(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *last;

	xs->tlp_sent = 1;
	XTCP_INC_STATS(xtcp_sk_net(sk), TAILLOSSPROBES);
	if (!xtcp_send_new(sk))
		return;
	last = xs->send_head ? xs->send_head->prev :
			       skb_peek_tail(&sk->sk_write_queue);
	if (!last || last == (struct sk_buff *)&sk->sk_write_queue)
		return;
	/* Sent for a larger MSS than the path takes now: the RTO resends
	 * it cut to size (pmtu.c). */
	if (last->len > xs->mss)
		return;
	/* As any retransmission: the give-up clock starts at the head's
	 * first transmission, before the probe can move its time. */
	if (!xs->retrans_stamp)
		xs->retrans_stamp =
			XTCP_SKB_CB(skb_peek(&sk->sk_write_queue))->when ?: 1;
	if (!xtcp_transmit_skb(sk, last, true)) {
		trace_xtcp_retransmit(sk, XTCP_SKB_CB(last)->seq, last->len, 2);
		XTCP_SKB_CB(last)->retrans++;	/* Karn: no RTT from it */
		xs->total_retrans++;
		xs->bytes_retrans += last->len;
		XTCP_INC_STATS(xtcp_sk_net(sk), RETRANSSEGS);
		xtcp_undo_retransmitted(sk);
	}
}

/*
 * Hold new data back for a larger skb (tcp_tso_should_defer()'s idea, in
 * its simplest form)? Only while segments are in flight, whose ACKs will
 * call us again, and only when cwnd and the peer's window let go less
 * than the skb size xtcp_gso_count() aims at (a quarter of what they
 * allow) while more is queued: a pipe refilled a segment or two per ACK
 * would otherwise stay in skbs of a segment or two for ever.
 */
static bool xtcp_gso_defer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 mss = xs->mss, room, wnd_room, unsent, goal;
	s32 wnd_left;

	/* The next page of this sendfile()/splice() call is on its way
	 * (6.1's sendpage: MSG_SENDPAGE_NOTLAST, §11.10): wait for it. */
	if (xs->zc_notlast && xtcp_can_gso(sk) &&
	    xs->write_seq - xs->snd_nxt < xtcp_push_goal(sk))
		return true;
	if (!xs->packets_out || !xtcp_can_gso(sk) || !mss ||
	    xs->ca_state != XTCP_CA_OPEN)
		return false;
	/*
	 * sendfile()/splice() said more follows (xs->zc_more, §11.10): the
	 * call ended with less than a large skb's worth unsent. Sent now, on
	 * every page's call or on the ACK the lock's release lets in, it went
	 * as small skbs of a few segments (measured on 6.1: 5-7 KB each, and
	 * twice write()'s CPU per MB). Wait for the next call, as TCP's
	 * corking and TSO deferral do; an ACK that empties the pipe
	 * (packets_out 0) ends the wait, so nothing waits more than a round
	 * trip if the rest never comes.
	 */
	if (xs->zc_more &&
	    xs->write_seq - xs->snd_nxt < xtcp_push_goal(sk))
		return true;
	room = xs->snd_cwnd > xtcp_in_flight(xs) ?
	       xs->snd_cwnd - xtcp_in_flight(xs) : 0;
	wnd_left = xs->snd_una + xs->snd_wnd - xs->snd_nxt;
	wnd_room = wnd_left > 0 ? (u32)wnd_left / mss : 0;
	room = min(room, wnd_room);
	unsent = (xs->write_seq - xs->snd_nxt) / mss;
	if (!room || room >= unsent)
		return false;	/* nothing may go, or all of it goes */
	goal = xtcp_gso_goal(sk);
	return goal >= 2 && room < goal;
}

/*
 * The transmit scheduler. While the pipe (segments in flight) is below
 * cwnd: first segments marked lost, then new data from SEND.HEAD within
 * the peer's window. With nothing in flight and data held back by a closed
 * window, the retransmission timer becomes the persist timer.
 */
void xtcp_push(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	/* F-RTO step 2b (frto.c): new data now, the lost marks wait. */
	bool new_only = xs->frto_new;
	struct sk_buff *skb;

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	xtcp_pmtu_check(sk);
	xs->frto_new = 0;
	while (xtcp_in_flight(xs) < xs->snd_cwnd) {
		skb = new_only ? NULL : xtcp_next_lost(sk);
		if (skb) {
			xtcp_retransmit_lost(sk, skb);
			if (!(XTCP_SKB_CB(skb)->sacked & XTCP_SKB_RETRANS))
				break;	/* could not send: try later */
			continue;
		}
		if (xtcp_gso_defer(sk) || xtcp_send_new(sk))
			break;
	}
	xtcp_rearm_rtx(sk);
}

/*
 * How much unsent data sendmsg() gathers before it pushes: a large skb's
 * worth where the route takes them (and half the peer's largest window
 * at most, as TCP's forced push), else every segment as it fills.
 */
u32 xtcp_push_goal(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 goal;

	if (!xtcp_can_gso(sk))
		return xs->mss;
	goal = min_t(u32, READ_ONCE(sk->sk_gso_max_size), XTCP_GSO_MAX_PAYLOAD);
	goal = min(goal, max_t(u32, xs->max_snd_wnd / 2, xs->mss));
	return max_t(u32, goal, xs->mss);
}

/* Retransmit the oldest unacknowledged segment (SYN, SYN-ACK, RTO). */
int xtcp_retransmit_head(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	int err;

	if (!skb || skb == xs->send_head)
		return -EAGAIN;
	if (!xs->retrans_stamp)
		xs->retrans_stamp = XTCP_SKB_CB(skb)->when ?: 1;
	err = xtcp_transmit_skb(sk, skb, true);
	if (!err) {
		trace_xtcp_retransmit(sk, XTCP_SKB_CB(skb)->seq, skb->len, 0);
		XTCP_SKB_CB(skb)->retrans++;
		xs->total_retrans++;
		xs->bytes_retrans += skb->len;
		XTCP_INC_STATS(xtcp_sk_net(sk), RETRANSSEGS);
		xtcp_undo_retransmitted(sk);
	}
	return err;
}

void xtcp_write_queue_purge(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)) != NULL) {
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
	}
	xs->send_head = NULL;
	xs->packets_out = 0;
	xs->sacked_out = 0;
	xs->lost_out = 0;
	xs->retrans_out = 0;
}

/*
 * A reply without a socket: route it, put an IP header on, send it.
 * Used for RSTs to closed ports, SYN-ACKs of request entries and ACKs of
 * TIME-WAIT entries.
 */
void xtcp_send_ctl(struct net *net, __be32 saddr, __be32 daddr,
		   __be16 sport, __be16 dport, u32 seq, u32 ack, u8 flags,
		   u16 window, const struct xtcp_opts *opts, u8 tos, int oif)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct flowi4 fl4;
	struct rtable *rt;
	struct sk_buff *skb;
	struct xtcphdr *th;
	struct iphdr *iph;
	int optlen = 0, hlen;

	skb = alloc_skb(XTCP_MAX_HEADER, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, XTCP_MAX_HEADER);
	if (opts)
		optlen = xtcp_options_len(opts);
	hlen = XTCP_HDR_LEN + optlen;
	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = (flags & XTCP_F_ACK) ? htonl(ack) : 0;
	th->doff_res = (hlen / 4) << 4;
	th->flags = flags;
	th->window = htons(window);
	th->check = 0;
	th->reserved = 0;
	if (optlen)
		xtcp_write_options((u8 *)(th + 1), opts);
	th->check = csum_tcpudp_magic(saddr, daddr, hlen, xtcp_ipproto,
				      csum_partial(th, hlen, 0));

	flowi4_init_output(&fl4, oif, 0, RT_TOS(tos), RT_SCOPE_UNIVERSE,
			   xtcp_ipproto, 0, daddr, saddr, dport, sport,
			   sock_net_uid(net, NULL));
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return;
	}
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = tos;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = xtcp_ipproto;
	iph->saddr = fl4.saddr;
	iph->daddr = fl4.daddr;
	iph->tot_len = htons(skb->len);
	__ip_select_ident(net, iph, 1);
	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, &rt->dst);

	XTCP_INC_STATS(xn, OUTSEGS);
	if (flags & XTCP_F_RST)
		XTCP_INC_STATS(xn, OUTRSTS);
	ip_local_out(net, NULL, skb);
}

/* Abort a connection: RST at SND.NXT (RFC 9293 3.10.7.4, ABORT call). */
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	trace_xtcp_send_reset(sk, inet->inet_saddr, inet->inet_daddr,
			      inet->inet_sport, inet->inet_dport, xs->snd_nxt);
	xtcp_send_ctl(sock_net(sk), inet->inet_saddr, inet->inet_daddr,
		      inet->inet_sport, inet->inet_dport, xs->snd_nxt,
		      xs->rcv_nxt, XTCP_F_RST | XTCP_F_ACK, 0, NULL, 0,
		      sk->sk_bound_dev_if);
}

/*
 * The answer of a closed port (RFC 9293 3.10.7.1): RST, never in reply to
 * an RST. With ACK: <SEQ=SEG.ACK><CTL=RST>; without:
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 */
void xtcp_send_reset_reply(struct net *net, struct sk_buff *skb)
{
	const struct xtcphdr *th = (const struct xtcphdr *)skb_transport_header(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->flags & XTCP_F_RST)
		return;
	trace_xtcp_send_reset(NULL, iph->daddr, iph->saddr, th->dest,
			      th->source, cb->flags & XTCP_F_ACK ? cb->ack_seq : 0);
	if (cb->flags & XTCP_F_ACK)
		xtcp_send_ctl(net, iph->daddr, iph->saddr, th->dest, th->source,
			      cb->ack_seq, 0, XTCP_F_RST, 0, NULL, 0, 0);
	else
		xtcp_send_ctl(net, iph->daddr, iph->saddr, th->dest, th->source,
			      0, cb->end_seq, XTCP_F_RST | XTCP_F_ACK, 0, NULL,
			      0, 0);
}
