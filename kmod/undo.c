// SPDX-License-Identifier: GPL-2.0
/*
 * D-SACK on the sender (RFC 2883, RFC 3708): what a segment the peer
 * received twice teaches.
 *
 * The peer reports a duplicate in the first SACK block of its ACK
 * (reassembly.c sends them). A duplicate of a retransmission means the
 * original arrived after all: it was reordered or delayed, not lost. Two
 * things follow, as in Linux:
 *
 *  - Undo. Each reduction of cwnd (fast recovery, RTO) remembers cwnd and
 *    ssthresh from before it and counts its retransmissions; each D-SACK
 *    above its start takes one back. When none is left, every
 *    retransmission of the reduction was spurious, and cwnd and ssthresh
 *    return to what they were (Linux's tcp_try_undo_dsack() and
 *    tcp_try_undo_loss(); the DSACKUndo and LossUndo counters).
 *
 *  - A wider reordering window. RACK's window starts at a quarter of the
 *    RTT; each round trip that brings a D-SACK adds a quarter, up to one
 *    RTT, and sixteen recoveries without one bring it back (Linux's
 *    tcp_rack_update_reo_wnd(), RFC 8985 6.2 step 4).
 *
 * A D-SACK is believed only inside what was sent and the window it could
 * cover ([SND.UNA - MAX.SND.WND, SND.NXT]), and it takes back at most the
 * segments it spans: a forged one can at most undo a reduction, as a
 * blind attacker who guesses the window can already do with plain ACKs.
 */
#include "hash.h"

#define XTCP_RACK_MAX_STEPS		4	/* quarters of the RTT: one RTT */
#define XTCP_RACK_RECOVERY_THRESH	16	/* recoveries a widening lasts */

/* A reduction begins (fast recovery, or an RTO that starts an episode). */
void xtcp_undo_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->undo_armed = 1;
	xs->undo_rto = 0;
	xs->undo_sent = 0;
	xs->undo_marker = xs->snd_una;
	xs->undo_retrans = 0;
	xs->prior_cwnd = xs->snd_cwnd;
	/* As tcp_current_ssthresh(): in congestion avoidance the window was
	 * at least three quarters of cwnd whatever ssthresh says. */
	xs->prior_ssthresh = max(xs->snd_ssthresh,
				 (xs->snd_cwnd >> 1) + (xs->snd_cwnd >> 2));
}

/* A segment was sent again while a reduction may still be undone. */
void xtcp_undo_retransmitted(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->undo_armed) {
		xs->undo_retrans++;
		xs->undo_sent = 1;
	}
}

/* RACK's reordering window, in µs: steps quarters of the RTT, at most one. */
u64 xtcp_rack_reo_wnd(const struct xtcp_sock *xs)
{
	u32 srtt = xs->srtt_us >> 3;
	u32 steps = clamp_t(u32, xs->rack_reo_steps, 1, XTCP_RACK_MAX_STEPS);

	return max_t(u32, min(srtt / 4 * steps, srtt), 2000);
}

/* A D-SACK arrived: widen the window, once per round trip. */
static void xtcp_rack_dsack_seen(struct xtcp_sock *xs)
{
	if (xs->rack_dsack_wait && xtcp_before(xs->snd_una, xs->rack_dsack_seq))
		return;
	xs->rack_reo_steps = min_t(u32, max_t(u32, xs->rack_reo_steps, 1) + 1,
				   XTCP_RACK_MAX_STEPS);
	xs->rack_dsack_seq = xs->snd_nxt;
	xs->rack_dsack_wait = 1;
	xs->rack_reo_persist = XTCP_RACK_RECOVERY_THRESH;
}

/* A recovery ended without an undo: a widening lasts so many of them. */
void xtcp_rack_recovery_ended(struct xtcp_sock *xs)
{
	if (xs->rack_reo_persist && !--xs->rack_reo_persist)
		xs->rack_reo_steps = 1;
}

/*
 * RFC 2883 4: the first block of @o reports a duplicate if it lies below
 * the cumulative ACK @ack, or inside the second block. Account for it and
 * return true; the caller then leaves it out of the scoreboard.
 */
bool xtcp_dsack_rcv(struct sock *sk, const struct xtcp_opts *o, u32 ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 start = o->sacks[0].start, end = o->sacks[0].end, segs;

	if (!o->num_sacks || !xtcp_after(end, start))
		return false;
	if (!xtcp_before(start, ack) &&
	    (o->num_sacks < 2 || xtcp_before(start, o->sacks[1].start) ||
	     xtcp_after(end, o->sacks[1].end)))
		return false;
	/* Only what we sent, and no older than the window could be. */
	if (xtcp_after(end, xs->snd_nxt) ||
	    xtcp_before(start, xs->snd_una - max(xs->max_snd_wnd, xs->mss)))
		return false;
	segs = max_t(u32, DIV_ROUND_UP(end - start, max_t(u32, xs->mss, 1)), 1);
	xs->dsack_dups += segs;
	XTCP_INC_STATS(xtcp_sk_net(sk), DSACKRECV);
	if (xs->undo_armed && xtcp_after(end, xs->undo_marker))
		xs->undo_retrans -= min(xs->undo_retrans, segs);
	xtcp_rack_dsack_seen(xs);
	return true;
}

/* After an RTO proved spurious nothing is lost: forget the marks. */
static void xtcp_unmark_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == xs->send_head)
			break;
		XTCP_SKB_CB(skb)->sacked &= ~XTCP_SKB_LOST;
	}
	xs->lost_out = 0;
}

/*
 * Undo the reduction: cwnd and ssthresh as before. In Recovery that is
 * all (what is still marked lost may be); after an RTO everything was
 * marked lost by the timer alone, so the marks go and the connection is
 * Open again (tcp_try_undo_loss()).
 */
static void xtcp_undo(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_cwnd = max(xs->snd_cwnd, xs->prior_cwnd);
	xs->snd_ssthresh = max(xs->snd_ssthresh, xs->prior_ssthresh);
	xs->snd_cwnd_cnt = 0;
	xs->undo_armed = 0;
	xs->undos++;
	/* Counted by what was cut, not by the state now: an RTO's D-SACKs
	 * often come back after Loss has ended. */
	if (xs->undo_rto)
		XTCP_INC_STATS(xtcp_sk_net(sk), LOSSUNDO);
	else
		XTCP_INC_STATS(xtcp_sk_net(sk), DSACKUNDO);
	if (xs->ca_state == XTCP_CA_LOSS) {
		xtcp_unmark_lost(sk);
		xs->ca_state = xs->sacked_out ? XTCP_CA_DISORDER : XTCP_CA_OPEN;
		xs->dupacks = 0;
	}
}

/*
 * The ACK in hand brought a D-SACK. If every retransmission of the
 * reduction has now been reported a duplicate, undo it.
 */
void xtcp_try_undo(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->undo_armed && xs->undo_sent && !xs->undo_retrans)
		xtcp_undo(sk);
}

/*
 * F-RTO proved the RTO spurious (frto.c): undo it now, whatever D-SACKs
 * may say later (tcp_try_undo_loss(sk, true)). The retransmission count
 * that gives up on the peer restarts too: the peer answered.
 */
void xtcp_undo_spurious_rto(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->undo_rto = 1;
	if (!xs->undo_armed) {
		/* Nothing remembered (cannot happen: F-RTO judges only an
		 * episode's RTOs): the marks go, the window stays. */
		xtcp_unmark_lost(sk);
		xs->ca_state = xs->sacked_out ? XTCP_CA_DISORDER : XTCP_CA_OPEN;
		xs->dupacks = 0;
		XTCP_INC_STATS(xtcp_sk_net(sk), LOSSUNDO);
	} else {
		xtcp_undo(sk);
	}
	xs->retransmits = 0;
}
