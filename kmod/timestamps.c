// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 7323 timestamps (docs/protocol.md §32): the option on every segment
 * of a connection whose two ends offered it in SYN and SYN-ACK, PAWS
 * (old duplicates carry an older TSval and are dropped), TS.Recent, and
 * RTT samples from the echo where Karn's rule has none (an ACK of a
 * retransmission). What makes it worth the 12 bytes here is that PAWS
 * lets connect() take a 4-tuple still in TIME-WAIT (timewait.c, ports.c).
 *
 * The clock ticks every millisecond (xtcp_ts_now()); TSval adds an offset
 * that is a keyed hash of the 4-tuple, so that it tells nothing about the
 * host's uptime but every incarnation of one 4-tuple reads one clock:
 * a new one's TSvals are above all an older one sent.
 */
#include "xtcp.h"
#include "pernet.h"

/* RFC 7323 5.5: a TS.Recent idle this long is no longer a valid bound. */
#define XTCP_PAWS_24DAYS	(60 * 60 * 24 * 24)

u32 xtcp_ts_offset(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	return siphash_4u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    0x54537672 /* "TSvr" */, &xtcp_secret);
}

/* The 4-tuple is known (connect() chose the port, or a child was made). */
void xtcp_ts_init(struct sock *sk, bool offer)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	xs->ts_ok = offer;
	xs->ts_offset = xtcp_ts_offset(inet->inet_saddr, inet->inet_daddr,
				       inet->inet_sport, inet->inet_dport);
	xs->ts_recent = 0;
	xs->ts_recent_stamp = 0;
}

u32 xtcp_tsval(const struct sock *sk)
{
	return xtcp_ts_now() + xtcp_sk(sk)->ts_offset;
}

/* The option of a segment @sk sends (SYN, SYN-ACK of a crossed open, any
 * other): TSecr is TS.Recent, 0 before the peer's first TSval. */
void xtcp_ts_fill_opts(const struct sock *sk, struct xtcp_opts *o)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->ts_ok)
		return;
	o->tstamp = 1;
	o->tsval = xtcp_tsval(sk);
	o->tsecr = xs->ts_recent;
}

static void xtcp_ts_store(struct xtcp_sock *xs, u32 tsval)
{
	xs->ts_recent = tsval;
	xs->ts_recent_stamp = (u32)ktime_get_seconds() ?: 1;
}

/* The peer's SYN or SYN-ACK: timestamps are on if both ends sent them. */
void xtcp_ts_take_syn(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (!xs->ts_ok || !(cb->sacked & XTCP_SKB_TSTAMP)) {
		xs->ts_ok = 0;
		return;
	}
	xtcp_ts_store(xs, cb->tsval);
}

static bool xtcp_ts_stale(const struct xtcp_sock *xs)
{
	return (u32)ktime_get_seconds() - xs->ts_recent_stamp >=
	       XTCP_PAWS_24DAYS;
}

/*
 * An ACK that only came late (reordering of pure ACKs), as Linux's
 * tcp_disordered_ack(): nothing but the ACK of SND.UNA at RCV.NXT, the
 * window as before, and a TSval no more than an RTO behind. Dropping it
 * would cost nothing, but the duplicate ACK PAWS answers with would.
 */
static bool xtcp_disordered_ack(const struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	return !skb->len && (cb->flags & ~XTCP_F_PSH) == XTCP_F_ACK &&
	       cb->seq == xs->rcv_nxt && cb->ack_seq == xs->snd_una &&
	       ((u32)cb->window << xs->snd_wscale) == xs->snd_wnd &&
	       (s32)(xs->ts_recent - cb->tsval) <=
		       (s32)jiffies_to_msecs(xs->rto);
}

/*
 * PAWS (RFC 7323 5.3 R1): a segment whose TSval is older than TS.Recent
 * is an old duplicate. An RST is exempt (R1 says so: it may be the answer
 * of a host that lost its state), and so is a TS.Recent 24 days idle.
 */
bool xtcp_paws_reject(const struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (!xs->ts_ok || !(cb->sacked & XTCP_SKB_TSTAMP) ||
	    (cb->flags & XTCP_F_RST))
		return false;
	if ((s32)(cb->tsval - xs->ts_recent) >= 0 || xtcp_ts_stale(xs))
		return false;
	return !xtcp_disordered_ack(sk, skb);
}

/*
 * RFC 7323 4.3: once the segment is acceptable, its TSval becomes
 * TS.Recent if the segment covers the left edge of the window we last
 * advertised (SEG.SEQ <= Last.ACK.sent, which rcv_wup is), so that the
 * echo of a delayed ACK is the oldest unacknowledged segment's TSval.
 */
void xtcp_ts_update_recent(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (!xs->ts_ok || !(cb->sacked & XTCP_SKB_TSTAMP) ||
	    xtcp_after(cb->seq, xs->rcv_wup))
		return;
	if ((s32)(cb->tsval - xs->ts_recent) >= 0 || xtcp_ts_stale(xs))
		xtcp_ts_store(xs, cb->tsval);
}

/*
 * RTTM (RFC 7323 4.1): the round trip of the segment whose TSval this ACK
 * echoes, in microseconds; -1 without one. 0 is never a TSecr we take: it
 * is what a SYN carries before there is anything to echo.
 */
long xtcp_ts_rtt_us(const struct sock *sk, u32 tsecr)
{
	s32 ms;

	if (!xtcp_sk(sk)->ts_ok || !tsecr)
		return -1;
	ms = (s32)(xtcp_tsval(sk) - tsecr);
	/* A future echo, or one older than a minute, is not ours to trust. */
	if (ms < 0 || ms > 60000)
		return -1;
	return ms ? (long)ms * USEC_PER_MSEC : USEC_PER_MSEC / 2;
}
