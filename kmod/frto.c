// SPDX-License-Identifier: GPL-2.0
/*
 * F-RTO (RFC 5682, the SACK-enhanced algorithm of its section 3, in the
 * form of Linux's tcp_process_loss()): was the RTO spurious?
 *
 * A path whose delay jumps (a radio link's retries, a route change, a
 * host that stalls) holds every ACK longer than the RTO. The timer fires
 * although nothing was lost, and the conventional response, every
 * segment in flight marked lost and sent again from a window of one, sends
 * the whole window twice once the held ACKs arrive. F-RTO looks at the
 * ACKs that follow the timeout:
 *
 *  - An ACK that cumulatively acknowledges or SACKs data sent before the
 *    timeout and never sent again (step 3b) proves that the original
 *    transmissions got through: the RTO was spurious. cwnd and ssthresh
 *    return to what they were (undo.c), the loss marks go, and the
 *    connection goes on with new data. SpuriousRTOs and LossUndo count it.
 *  - The first ACK that advances SND.UNA and acknowledges only
 *    retransmitted data proves nothing yet (step 2b): the next
 *    transmission is new data, not the rest of the window again, so that
 *    the ACK after tells.
 *  - A duplicate ACK or SACK of that new data (step 3a) shows the
 *    originals are still missing: the loss was real, and the conventional
 *    recovery goes on from there.
 *
 * "Sent once" excludes segments SACKed before the timeout (XTCP_SKB_EVER_
 * SACKED): the RTO forgets SACK marks (RFC 6675 5.1, recovery.c), and the
 * cumulative ACK that a retransmitted head draws covers what the receiver
 * held beyond it; that is not a sign of a spurious timeout. Without SACK
 * there is no such memory, so F-RTO needs SACK (as RFC 5682's variant
 * does); a connection without it recovers conventionally.
 *
 * net.xtcp.frto: 0 off; 1 and 2 on (Linux's tcp_frto values; both mean
 * the SACK-enhanced variant here, as they do in Linux today).
 */
#include "hash.h"

/*
 * An RTO (recovery.c's xtcp_enter_loss(), before it marks the window
 * lost). F-RTO judges a timeout that starts an episode, and the repeated
 * timeouts of one it already judges; not one that interrupts a fast
 * recovery, whose losses SACK has shown.
 */
void xtcp_frto_enter(struct sock *sk, bool new_episode)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->frto_new = 0;
	xs->frto = READ_ONCE(xtcp_sk_net(sk)->sysctl.frto) && xs->sack_ok &&
		   (new_episode || (xs->ca_state == XTCP_CA_LOSS && xs->frto));
}

/* Per segment the ACK in hand releases or newly SACKs. */
void xtcp_frto_note_acked(struct xtcp_sock *xs, const struct xtcp_skb_cb *cb)
{
	if (xs->frto && !cb->retrans && !(cb->sacked & XTCP_SKB_EVER_SACKED) &&
	    !xtcp_after(cb->end_seq, xs->high_seq))
		xs->ack_orig = 1;
}

/*
 * An ACK in Loss. Returns true when it proved the RTO spurious (the
 * connection is Open or in Disorder again, recovery.c has nothing left to
 * do for it).
 */
bool xtcp_frto_ack(struct sock *sk, bool progress, u32 sacked, bool dupack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->frto)
		return false;
	if (xs->ack_orig) {			/* step 3b */
		xs->frto = 0;
		XTCP_INC_STATS(xtcp_sk_net(sk), SPURIOUSRTOS);
		xtcp_undo_spurious_rto(sk);
		return true;
	}
	if (xtcp_after(xs->snd_nxt, xs->high_seq)) {
		/* New data went out after the first ACK: */
		if (sacked || dupack)
			xs->frto = 0;		/* step 3a: the loss is real */
	} else if (progress && xtcp_before(xs->snd_una, xs->high_seq)) {
		/* Step 2b: the retransmission arrived; send new data (if
		 * there is any and the window takes it) and judge by the
		 * ACK it draws. Otherwise the conventional recovery. */
		xs->high_seq = xs->snd_nxt;
		if (xs->send_head &&
		    xtcp_before(XTCP_SKB_CB(xs->send_head)->seq,
				xs->snd_una + xs->snd_wnd))
			xs->frto_new = 1;
		else
			xs->frto = 0;
	}
	return false;
}
