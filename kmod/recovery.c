// SPDX-License-Identifier: GPL-2.0
/*
 * Loss detection and recovery on the sender.
 *
 * The scoreboard: each sent segment of the write queue carries SACKED,
 * LOST and RETRANS bits, and the socket counts them (packets_out,
 * sacked_out, lost_out, retrans_out). The peer's SACK blocks (RFC 2018)
 * mark what it holds; a segment with at least DupThresh SACKed
 * segments above it is lost (RFC 6675 IsLost; DupThresh is 3, raised to
 * the reordering seen: a segment sent once that arrives below a SACKed
 * one, xtcp_reorder_check()), and so is one sent a
 * reordering window before a segment that was delivered (RACK, RFC 8985),
 * which also finds lost retransmissions. Without SACK, three
 * duplicate ACKs mark the first unacknowledged segment lost (RFC 5681).
 *
 * Recovery (RFC 6582 NewReno, SACK-driven when SACK is on): on the first
 * loss, ssthresh is cut and cwnd set to it; every lost segment is resent
 * as the pipe allows; a partial ACK marks the next hole; recovery ends
 * when everything outstanding at its start (high_seq) is acknowledged.
 * An RTO marks all unSACKed segments lost and restarts from cwnd = 1.
 */
#include "hash.h"

#define XTCP_DUPTHRESH	3
#define XTCP_MAX_REORDERING	300	/* as Linux's tcp_max_reordering */

static void xtcp_retransmit_first_lost(struct sock *sk);


static bool xtcp_in_flight_skb(const struct xtcp_sock *xs,
			       const struct sk_buff *skb)
{
	return skb != xs->send_head;
}

static void xtcp_mark_skb_lost(struct xtcp_sock *xs, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->sacked & (XTCP_SKB_SACKED | XTCP_SKB_LOST))
		return;
	cb->sacked |= XTCP_SKB_LOST;
	xs->lost_out++;
}

/*
 * The path MTU fell (pmtu.c): every segment in flight longer than @mss is
 * lost, to be resent cut to size; a retransmission of one no longer
 * counts. Returns how many were marked.
 */
u32 xtcp_mark_lost_larger(struct sock *sk, u32 mss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	u32 n = 0;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_in_flight_skb(xs, skb))
			break;
		if (skb->len <= mss || (cb->sacked & XTCP_SKB_SACKED))
			continue;
		if (cb->sacked & XTCP_SKB_RETRANS) {
			cb->sacked &= ~XTCP_SKB_RETRANS;
			xs->retrans_out--;
		}
		if (!(cb->sacked & XTCP_SKB_LOST))
			n++;
		xtcp_mark_skb_lost(xs, skb);
	}
	return n;
}

/* DupThresh (RFC 6675 2): 3, or the reordering the path has shown. */
static u32 xtcp_dupthresh(const struct xtcp_sock *xs)
{
	return max_t(u32, xs->reordering, XTCP_DUPTHRESH);
}

/*
 * @skb, sent once, reached the peer (newly SACKed or cumulatively ACKed)
 * below a segment SACKed by an earlier ACK (the blocks of one ACK come in
 * any order, and the cumulative ACK that brings the first SACK says
 * nothing about what it covers): not a loss but reordering, by as many
 * segments as lie between. Raise DupThresh to that degree, as Linux's
 * tcp_check_sack_reordering(), so the same reordering does not trigger a
 * spurious fast retransmit again. A retransmitted segment says nothing:
 * the original or the copy may have arrived.
 */
void xtcp_reorder_check(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 degree;

	if (!xs->sack_ok || cb->retrans || (cb->flags & XTCP_F_SYN) ||
	    !xtcp_before(cb->seq, xs->prior_fack) || !xs->mss)
		return;
	degree = DIV_ROUND_UP(xs->prior_fack - cb->seq, xs->mss);
	xs->reord_seen++;
	XTCP_INC_STATS(xtcp_sk_net(sk), REORDERSEEN);
	if (degree > xs->reordering)
		xs->reordering = min_t(u32, degree, XTCP_MAX_REORDERING);
}

/* Parse the SACK blocks of an ACK and tag what they cover. */
u32 xtcp_sacktag(struct sock *sk, const struct sk_buff *ack_skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_opts opts;
	long rtt_us = -1;
	u32 newly = 0;
	int i;

	/* Nothing SACKed: no highest SACK either (and none left stale). */
	if (!xs->sacked_out)
		xs->fack_seq = xs->snd_una;
	xs->prior_fack = xs->fack_seq;
	xs->ack_dsack = 0;
	xs->ack_orig = 0;
	if (!xs->sack_ok || xtcp_parse_options(ack_skb, &opts) ||
	    !opts.num_sacks)
		return 0;
	/* A first block that reports a duplicate (undo.c) tags nothing. */
	if (xtcp_dsack_rcv(sk, &opts, XTCP_SKB_CB(ack_skb)->ack_seq))
		xs->ack_dsack = 1;

	for (i = xs->ack_dsack; i < opts.num_sacks; i++) {
		u32 start = opts.sacks[i].start, end = opts.sacks[i].end;
		struct sk_buff *skb;

		/* Ignore blocks outside what we sent (a D-SACK among them). */
		if (!xtcp_after(end, start) ||
		    xtcp_before(start, xs->snd_una) ||
		    xtcp_after(end, xs->snd_nxt))
			continue;
		skb_queue_walk(&sk->sk_write_queue, skb) {
			struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

			if (!xtcp_in_flight_skb(xs, skb))
				break;
			if (!xtcp_before(cb->seq, end))
				break;
			if (xtcp_before(cb->seq, start) ||
			    xtcp_after(cb->end_seq, end) ||
			    (cb->sacked & XTCP_SKB_SACKED))
				continue;
			if (cb->sacked & XTCP_SKB_LOST)
				xs->lost_out--;
			if (cb->sacked & XTCP_SKB_RETRANS)
				xs->retrans_out--;
			/* Newly SACKed, sent once and never presumed lost: an
			 * RTT sample (the smallest of this ACK's). A segment
			 * SACKed again after an RTO forgot it is not one. */
			if (!cb->retrans && !(cb->sacked & XTCP_SKB_LOST)) {
				long s = jiffies_to_usecs(xtcp_time() - cb->when);

				if (rtt_us < 0 || s < rtt_us)
					rtt_us = s;
			}
			xtcp_rack_delivered(sk, skb);
			xtcp_reorder_check(sk, skb);
			if (xtcp_after(cb->end_seq, xs->fack_seq))
				xs->fack_seq = cb->end_seq;
			xtcp_frto_note_acked(xs, cb);
			cb->sacked = XTCP_SKB_SACKED | XTCP_SKB_EVER_SACKED;
			xs->sacked_out++;
			newly++;
		}
	}
	if (rtt_us >= 0)
		xtcp_rtt_sample(sk, rtt_us);
	return newly;
}

/*
 * RACK (RFC 8985), reduced: remember when the newest delivered segment was
 * sent. A retransmission counts only if it was not answered suspiciously
 * fast (then the ACK is probably for the original).
 */
void xtcp_rack_delivered(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->retrans && xtcp_clock_us() - cb->xmit_us < xs->srtt_us >> 4)
		return;
	if (cb->xmit_us > xs->rack_us)
		xs->rack_us = cb->xmit_us;
}

/*
 * RACK loss detection: a segment sent more than a reordering window
 * before one that was delivered is lost, retransmission or not. This is
 * what finds a lost retransmission without waiting for the RTO.
 */
static void xtcp_rack_mark_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u64 reo_wnd = xtcp_rack_reo_wnd(xs);
	struct sk_buff *skb;

	if (!xs->rack_us)
		return;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_in_flight_skb(xs, skb))
			break;
		if (cb->sacked & XTCP_SKB_SACKED)
			continue;
		/* 64-bit times: an unsigned difference cannot wrap. */
		if (xs->rack_us <= cb->xmit_us ||
		    xs->rack_us - cb->xmit_us <= reo_wnd)
			continue;
		if (cb->sacked & XTCP_SKB_RETRANS) {
			/* The retransmission itself was lost: send it again. */
			cb->sacked &= ~XTCP_SKB_RETRANS;
			xs->retrans_out--;
			if (cb->sacked & XTCP_SKB_LOST)
				continue;
		}
		xtcp_mark_skb_lost(xs, skb);
	}
}

/* RFC 6675 IsLost(): DupThresh SACKed segments above an unSACKed one. */
static void xtcp_mark_lost_sack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	u32 above = 0;

	if (!xs->sacked_out)
		return;
	skb = xs->send_head ? xs->send_head->prev :
			      skb_peek_tail(&sk->sk_write_queue);
	for (; skb && skb != (struct sk_buff *)&sk->sk_write_queue;
	     skb = skb->prev) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (cb->sacked & XTCP_SKB_SACKED) {
			above++;
			continue;
		}
		if (above < xtcp_dupthresh(xs))
			continue;
		if (cb->sacked & XTCP_SKB_LOST)
			break;	/* everything below is marked already */
		xtcp_mark_skb_lost(xs, skb);
	}
}

/* NewReno without SACK: the first unacknowledged segment is the hole. */
static void xtcp_mark_head_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (skb && xtcp_in_flight_skb(xs, skb) &&
	    !(XTCP_SKB_CB(skb)->sacked & XTCP_SKB_RETRANS))
		xtcp_mark_skb_lost(xs, skb);
}

static void xtcp_enter_recovery(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	XTCP_INC_STATS(xtcp_sk_net(sk), FASTRETRANS);
	xtcp_undo_init(sk);
	xs->high_seq = xs->snd_nxt;
	xs->snd_ssthresh = xs->cc->ssthresh(sk);
	xs->snd_cwnd = xs->snd_ssthresh;
	xs->snd_cwnd_cnt = 0;
	xs->ca_state = XTCP_CA_RECOVERY;
	if (!xs->sack_ok)
		xtcp_mark_head_lost(sk);
	/* RFC 6675 4.3 / RFC 5681 3.2: the first loss goes out at once,
	 * whatever the pipe says. */
	xtcp_retransmit_first_lost(sk);
}

/*
 * After the cumulative ACK and SACK tags of one ACK: move the recovery
 * state machine. @acked: segments the ACK released; @sacked: segments it
 * newly SACKed; @dupack: it carried nothing new (no data, same ACK, same
 * window) while data is outstanding.
 */
void xtcp_ack_recovery(struct sock *sk, u32 prior_una, u32 acked, u32 sacked,
		       bool dupack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool progress = xtcp_after(xs->snd_una, prior_una);

	if (progress)
		xs->dupacks = 0;
	else if (dupack)
		xs->dupacks++;
	/* A reduction whose retransmissions all arrived twice is undone
	 * first, so that the end of Recovery below keeps the window. */
	if (xs->ack_dsack)
		xtcp_try_undo(sk);

	switch (xs->ca_state) {
	case XTCP_CA_OPEN:
	case XTCP_CA_DISORDER:
		if (xs->sack_ok) {
			xtcp_mark_lost_sack(sk);
			if (xs->sacked_out)
				xtcp_rack_mark_lost(sk);
		}
		if (xs->lost_out || xs->dupacks >= xtcp_dupthresh(xs)) {
			xtcp_enter_recovery(sk);
			break;
		}
		/* Disorder (SACKs or duplicate ACKs, no loss yet) is not a
		 * reduction: cwnd grows on what the ACK released as in Open,
		 * as Linux's tcp_cong_control() does outside CWR and
		 * Recovery. On a path that reorders, Disorder is most of the
		 * time, and a window frozen there would never grow. */
		xs->ca_state = xs->sacked_out || xs->dupacks ?
			       XTCP_CA_DISORDER : XTCP_CA_OPEN;
		if (acked)
			xs->cc->cong_avoid(sk, acked);
		break;
	case XTCP_CA_RECOVERY:
		if (!xtcp_before(xs->snd_una, xs->high_seq)) {
			xs->ca_state = XTCP_CA_OPEN;
			/* Undone (undo.c): the window stays as restored. */
			if (xs->undo_armed) {
				xs->snd_cwnd = max(xs->snd_ssthresh, 2U);
				xtcp_rack_recovery_ended(xs);
			}
			xs->dupacks = 0;
			break;
		}
		if (xs->sack_ok) {
			xtcp_mark_lost_sack(sk);
			xtcp_rack_mark_lost(sk);
		} else if (progress) {
			/* RFC 6582 3.2 (3): a partial ACK reveals the next hole;
			 * resend it at once. */
			xtcp_mark_head_lost(sk);
			xtcp_retransmit_first_lost(sk);
		}
		break;
	case XTCP_CA_LOSS:
		/* F-RTO first: a spurious timeout is undone, not recovered. */
		if (xtcp_frto_ack(sk, progress, sacked, dupack))
			break;
		if (!xtcp_before(xs->snd_una, xs->high_seq)) {
			xs->ca_state = XTCP_CA_OPEN;
			xs->dupacks = 0;
			xs->frto = 0;
		} else if (xs->sack_ok) {
			xtcp_rack_mark_lost(sk);
		}
		if (acked)
			xs->cc->cong_avoid(sk, acked);
		break;
	}
}

/* RTO: everything not SACKed is lost; restart from one segment. */
void xtcp_enter_loss(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	/* A new episode (not an RTO inside a recovery, whose undo
	 * bookkeeping goes on) remembers what an undo restores. */
	bool new_episode = xs->ca_state <= XTCP_CA_DISORDER ||
			   !xtcp_after(xs->high_seq, xs->snd_una);

	xtcp_frto_enter(sk, new_episode);
	if (new_episode)
		xtcp_undo_init(sk);
	xs->undo_rto = 1;
	if (xs->ca_state != XTCP_CA_LOSS || xs->snd_una == xs->high_seq)
		xs->snd_ssthresh = xs->cc->ssthresh(sk);
	/* An RTO while enough was SACKed for a fast retransmit at DupThresh
	 * 3: the learnt reordering held it back, so forget it (as Linux). */
	if (xs->ca_state <= XTCP_CA_DISORDER &&
	    xs->sacked_out >= XTCP_DUPTHRESH)
		xs->reordering = min_t(u32, xs->reordering, XTCP_DUPTHRESH);
	xs->snd_cwnd = 1;
	xs->snd_cwnd_cnt = 0;
	xs->ca_state = XTCP_CA_LOSS;
	xs->high_seq = xs->snd_nxt;
	xs->dupacks = 0;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_in_flight_skb(xs, skb))
			break;
		if (cb->sacked & XTCP_SKB_RETRANS) {
			cb->sacked &= ~XTCP_SKB_RETRANS;
			xs->retrans_out--;
		}
		/* RFC 6675 5.1: after an RTO the SACK information may be
		 * stale (the receiver may have dropped what it SACKed, see
		 * xtcp_ofo_prune()): everything unacknowledged is resent. */
		if (cb->sacked & XTCP_SKB_SACKED) {
			cb->sacked &= ~XTCP_SKB_SACKED;
			xs->sacked_out--;
		}
		xtcp_mark_skb_lost(xs, skb);
	}
	xs->rack_us = 0;
}

/* Resend the first segment marked lost, ignoring cwnd (once). */
static void xtcp_retransmit_first_lost(struct sock *sk)
{
	struct sk_buff *skb = xtcp_next_lost(sk);

	if (skb)
		xtcp_retransmit_lost(sk, skb);
}

/* The first segment marked lost and not yet retransmitted since. */
struct sk_buff *xtcp_next_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	if (!xs->lost_out)
		return NULL;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		u8 sacked = XTCP_SKB_CB(skb)->sacked;

		if (!xtcp_in_flight_skb(xs, skb))
			break;
		if ((sacked & XTCP_SKB_LOST) && !(sacked & XTCP_SKB_RETRANS))
			return skb;
	}
	return NULL;
}
