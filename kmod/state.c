// SPDX-License-Identifier: GPL-2.0
/*
 * The connection state machine (RFC 9293 3.10.7.4, "Other states"), for
 * full sockets from SYN-RECEIVED (simultaneous open) to LAST-ACK. LISTEN
 * segments go to synqueue.c, SYN-SENT to connect.c, TIME-WAIT entries to
 * timewait.c. Called with the socket locked, in softirq context; consumes
 * the skb, whose data starts at the payload (the header is pulled).
 */
#include "hash.h"
#include "timewait.h"
#include "diag.h"
#include "xtcp_trace.h"

static const char *const xtcp_state_names[] = {
	[TCP_ESTABLISHED]	= "ESTAB",
	[TCP_SYN_SENT]		= "SYN-SENT",
	[TCP_SYN_RECV]		= "SYN-RECV",
	[TCP_FIN_WAIT1]		= "FIN-WAIT-1",
	[TCP_FIN_WAIT2]		= "FIN-WAIT-2",
	[TCP_TIME_WAIT]		= "TIME-WAIT",
	[TCP_CLOSE]		= "CLOSED",
	[TCP_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCP_LAST_ACK]		= "LAST-ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

const char *xtcp_state_name(int state)
{
	if (state <= 0 || state >= (int)ARRAY_SIZE(xtcp_state_names))
		return "UNKNOWN";
	return xtcp_state_names[state];
}

void xtcp_set_state(struct sock *sk, int state)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	int old = sk->sk_state;

	if (old == state)
		return;
	trace_xtcp_set_state(sk, old, state);
	xtcp_event_state(sk, old, state);
	if (state == TCP_ESTABLISHED)
		XTCP_INC_STATS(xn, CURRESTAB);
	else if (old == TCP_ESTABLISHED)
		XTCP_DEC_STATS(xn, CURRESTAB);

	if (state == TCP_CLOSE) {
		if (old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT)
			XTCP_INC_STATS(xn, ESTABRESETS);
		xtcp_unhash(sk);
		if (!xtcp_sk(sk)->user_bound)
			xtcp_put_port(sk);
	}
	/* Paired with inet_sk_state_load() in poll. */
	smp_store_release(&sk->sk_state, state);
}

/* The connection is over: no more segments, wake or free the owner. */
void xtcp_done(struct sock *sk)
{
	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_clear_timers(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		xtcp_destroy_sock(sk);
}

/* A valid RST arrived: report it to the application and close. */
void xtcp_reset(struct sock *sk, int err)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);

	if (!err) {
		switch (sk->sk_state) {
		case TCP_SYN_SENT:
			err = ECONNREFUSED;
			break;
		case TCP_CLOSE_WAIT:
			err = EPIPE;
			break;
		case TCP_CLOSE:
			return;
		default:
			err = ECONNRESET;
		}
	}
	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		XTCP_INC_STATS(xn, ATTEMPTFAILS);
	xtcp_sk(sk)->close_reason = err == ECONNREFUSED ?
		XTCP_CLOSE_REFUSED : XTCP_CLOSE_RESET_RCVD;
	WRITE_ONCE(sk->sk_err, err);
	smp_wmb();
	xtcp_write_queue_purge(sk);
	xtcp_ofo_purge(sk);
	xtcp_done(sk);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
}

/*
 * close()/shutdown(SHUT_WR): move to the state that follows our FIN.
 * Returns true when a FIN must be sent.
 */
bool xtcp_close_state(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		xtcp_set_state(sk, TCP_FIN_WAIT1);
		return true;
	case TCP_CLOSE_WAIT:
		xtcp_set_state(sk, TCP_LAST_ACK);
		return true;
	case TCP_SYN_SENT:
	case TCP_LISTEN:
		xtcp_set_state(sk, TCP_CLOSE);
		return false;
	default:
		return false;
	}
}

/* Both FINs are acknowledged: leave a TIME-WAIT entry and close. */
void xtcp_enter_time_wait(struct sock *sk)
{
	xtcp_tw_create(sk);
	xtcp_sk(sk)->close_reason = XTCP_CLOSE_NORMAL;
	xtcp_done(sk);
}

/* Right edge of what we advertised, minus RCV.NXT. */
static u32 xtcp_receive_window(const struct xtcp_sock *xs)
{
	s32 win = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;

	return win < 0 ? 0 : win;
}

/*
 * RFC 9293 3.10.7.4 first check, in the form Linux uses: the segment must
 * not end before the last window we advertised started, nor start beyond
 * its right edge. Stale duplicates fail and draw an ACK.
 */
static bool xtcp_sequence_ok(const struct xtcp_sock *xs, u32 seq, u32 end_seq)
{
	return !xtcp_before(end_seq, xs->rcv_wup) &&
	       !xtcp_after(seq, xs->rcv_nxt + xtcp_receive_window(xs));
}

/* ACK of out-of-window segments: at most ten per 100 ms per socket. */
static void xtcp_send_dupack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (time_before(jiffies, xs->last_challenge + HZ / 10) &&
	    xs->challenge_count++ > 8)
		return;
	if (time_after_eq(jiffies, xs->last_challenge + HZ / 10)) {
		xs->last_challenge = jiffies;
		xs->challenge_count = 0;
	}
	xtcp_send_ack(sk);
}

/* Send-window update rule of RFC 9293 3.10.7.4 (SND.WL1/SND.WL2). */
static void xtcp_update_window(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xtcp_before(xs->snd_wl1, cb->seq) ||
	    (xs->snd_wl1 == cb->seq && !xtcp_before(cb->ack_seq, xs->snd_wl2))) {
		xs->snd_wnd = (u32)cb->window << xs->snd_wscale;
		xs->snd_wl1 = cb->seq;
		xs->snd_wl2 = cb->ack_seq;
		if (xs->snd_wnd > xs->max_snd_wnd)
			xs->max_snd_wnd = xs->snd_wnd;
	}
}

/*
 * The ACK field. Returns false when the segment must be dropped (after
 * answering it). RFC 5961 5.2: acceptable acks lie in
 * [SND.UNA - MAX.SND.WND, SND.NXT]. Then the scoreboard: SACK blocks,
 * the cumulative ACK, the window, and loss recovery (recovery.c).
 */
static bool xtcp_ack(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 ack = cb->ack_seq, prior_una = xs->snd_una;
	u32 prior_wnd = xs->snd_wnd, acked = 0, sacked;
	bool dupack;

	if (xtcp_after(ack, xs->snd_nxt)) {
		xtcp_send_dupack(sk);
		return false;
	}
	if (xtcp_before(ack, xs->snd_una - xs->max_snd_wnd)) {
		xtcp_send_challenge_ack(sk);
		return false;
	}
	sacked = xtcp_sacktag(sk, skb);
	if (xtcp_after(ack, xs->snd_una)) {
		xs->snd_una = ack;
		acked = xtcp_clean_rtx_queue(sk, ack);
	}
	/* RFC 9293: only an ACK at or above SND.UNA updates the window. */
	if (!xtcp_before(ack, prior_una))
		xtcp_update_window(sk, cb);
	if (xs->snd_wnd > prior_wnd && !xs->packets_out && xs->backoff) {
		/* The window reopened: the persist backoff is over. */
		xs->backoff = 0;
		sk_stop_timer(sk, &xs->rtx_timer);
	}
	/* RFC 5681 2: a duplicate ACK acknowledges nothing new, carries no
	 * data and no window change, while data is outstanding. */
	dupack = ack == prior_una && !skb->len &&
		 !(cb->sacked & XTCP_SKB_PROBE_ECHO) &&
		 !(cb->flags & (XTCP_F_SYN | XTCP_F_FIN)) &&
		 xs->snd_wnd == prior_wnd && xs->packets_out;
	/* RFC 6675 2: with SACK, a duplicate ACK must bring new SACK
	 * information (a duplicated segment's ACK does not). */
	if (xs->sack_ok && !sacked)
		dupack = false;
	xtcp_ack_recovery(sk, prior_una, acked, sacked, dupack);
	trace_xtcp_probe(sk, xs->snd_nxt, xs->snd_una, xs->snd_cwnd,
			 xs->snd_ssthresh, xs->snd_wnd, xs->rcv_wnd,
			 xs->srtt_us >> 3, xs->packets_out);
	return true;
}

/* After the ACK: the state changes an acknowledged FIN causes. */
static bool xtcp_ack_state(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		if (!xs->fin_acked)
			break;
		xtcp_set_state(sk, TCP_FIN_WAIT2);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		if (sock_flag(sk, SOCK_DEAD))
			xtcp_arm_fin_wait2(sk);
		else
			sk->sk_state_change(sk);
		break;
	case TCP_CLOSING:
		if (xs->fin_acked) {
			xtcp_enter_time_wait(sk);
			return false;
		}
		break;
	case TCP_LAST_ACK:
		if (xs->fin_acked) {
			xs->close_reason = XTCP_CLOSE_NORMAL;
			xtcp_done(sk);
			return false;
		}
		break;
	}
	return true;
}

/* The peer's FIN is next in sequence (RFC 9293 3.10.7.4, eighth). */
static void xtcp_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rcv_nxt++;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		xtcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		/* Our FIN is not acked yet: both FINs crossed (the close race). */
		xtcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		xtcp_send_ack(sk);
		xtcp_enter_time_wait(sk);
		return;
	default:
		break;
	}
	xtcp_send_ack(sk);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk->sk_data_ready(sk);
	}
}

/*
 * Trim what we already have from the front and what does not fit the
 * window from the back. Returns the bytes of new data left.
 */
static int xtcp_trim(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 right = xs->rcv_nxt + xtcp_receive_window(xs);

	if (xtcp_before(cb->seq, xs->rcv_nxt)) {
		u32 dup = xs->rcv_nxt - cb->seq;

		xtcp_dsack_set(sk, cb->seq, cb->seq + min_t(u32, dup, skb->len),
			       false);
		if (dup >= skb->len) {
			/* Nothing new but maybe the FIN: keep only that. */
			cb->seq += skb->len;
			if (pskb_trim(skb, 0))
				return -ENOMEM;
		} else if (pskb_pull(skb, dup)) {
			cb->seq += dup;
		} else {
			return -ENOMEM;
		}
	}
	if (skb->len && xtcp_after(cb->seq + skb->len, right)) {
		u32 keep = xtcp_after(right, cb->seq) ? right - cb->seq : 0;

		if (pskb_trim(skb, keep))
			return -ENOMEM;
		cb->flags &= ~XTCP_F_FIN;	/* the FIN lies beyond too */
	}
	return skb->len;
}

int xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool had_data = skb->len > 0;
	bool need_ack = false;

	xs->segs_in += xtcp_skb_segs(skb);
	switch (sk->sk_state) {
	case TCP_CLOSE:
		goto discard;
	case TCP_LISTEN:
		return xtcp_listen_rcv(sk, skb);
	case TCP_SYN_SENT:
		return xtcp_rcv_synsent(sk, skb);
	}

	/*
	 * Simultaneous open: the peer's SYN-ACK repeats its SYN, which we
	 * already took. Take it as the ACK it also is (as Linux does).
	 */
	if (sk->sk_state == TCP_SYN_RECV &&
	    (cb->flags & (XTCP_F_SYN | XTCP_F_ACK | XTCP_F_RST)) ==
		    (XTCP_F_SYN | XTCP_F_ACK) &&
	    cb->seq == xs->irs && cb->ack_seq == xs->snd_nxt && !skb->len) {
		cb->flags &= ~XTCP_F_SYN;
		cb->seq = cb->end_seq;
	}

	/* A liveness probe lies below the window on purpose (probe.c). */
	if (xtcp_probe_rcv(sk, skb))
		goto discard;

	/* PAWS (RFC 7323 5.3 R1), before the window: an old duplicate
	 * whose sequence numbers happen to fit must not get in. */
	if (xtcp_paws_reject(sk, skb)) {
		XTCP_INC_STATS(xn, PAWSESTAB);
		/* A duplicate of data we have: say so with a D-SACK, as
		 * below the window (tcp_send_dupack() does it for PAWS too). */
		if (skb->len && xtcp_before(cb->seq, xs->rcv_nxt))
			xtcp_dsack_set(sk, cb->seq,
				       xtcp_before(cb->seq + skb->len, xs->rcv_nxt) ?
				       cb->seq + skb->len : xs->rcv_nxt, false);
		xtcp_send_dupack(sk);
		goto discard;
	}

	/* First: is the segment acceptable? */
	if (!xtcp_sequence_ok(xs, cb->seq, cb->end_seq)) {
		XTCP_INC_STATS(xn, OUTOFWINDOW);
		/* RFC 5961 4.2: a SYN draws a challenge ACK wherever its
		 * sequence number lies; an RST outside the window nothing. */
		if (cb->flags & XTCP_F_SYN) {
			xtcp_send_challenge_ack(sk);
		} else if (!(cb->flags & XTCP_F_RST)) {
			/* Data we had entirely: a D-SACK says so (as
			 * tcp_send_dupack()). */
			if (skb->len && xtcp_before(cb->seq, xs->rcv_nxt))
				xtcp_dsack_set(sk, cb->seq,
					       xtcp_before(cb->seq + skb->len, xs->rcv_nxt) ?
					       cb->seq + skb->len : xs->rcv_nxt, false);
			xtcp_send_dupack(sk);
		}
		goto discard;
	}

	/* The peer is alive (for keepalive), as far as it is in window. */
	xs->rcv_tstamp = jiffies;
	xs->probes_out = 0;
	if (cb->sacked & XTCP_SKB_PROBE_ECHO)
		xtcp_probe_answered(sk);

	/* Second: RST. RFC 5961 3.2: exactly at RCV.NXT, or a challenge. */
	if (cb->flags & XTCP_F_RST) {
		XTCP_INC_STATS(xn, INRSTS);
		if (cb->seq == xs->rcv_nxt) {
			trace_xtcp_receive_reset(sk, sk->sk_state == TCP_SYN_RECV ?
						 ECONNREFUSED : 0);
			/* SYN-RECV of a simultaneous open: the peer refused. */
			xtcp_reset(sk, sk->sk_state == TCP_SYN_RECV ?
				   ECONNREFUSED : 0);
		} else {
			xtcp_send_challenge_ack(sk);
		}
		goto discard;
	}

	/* Fourth: SYN. A retransmitted SYN in SYN-RECV gets our SYN-ACK
	 * again; any other SYN on a synchronized connection a challenge
	 * ACK (RFC 5961 4.2). */
	if (cb->flags & XTCP_F_SYN) {
		if (sk->sk_state == TCP_SYN_RECV && cb->seq == xs->irs)
			xtcp_retransmit_head(sk);
		else
			xtcp_send_challenge_ack(sk);
		goto discard;
	}

	/* Fifth: the ACK field. */
	if (!(cb->flags & XTCP_F_ACK))
		goto discard;
	if (sk->sk_state == TCP_SYN_RECV) {
		if (!xtcp_between(cb->ack_seq, xs->snd_una + 1, xs->snd_nxt)) {
			xtcp_send_ctl(sock_net(sk), inet_sk(sk)->inet_saddr,
				      inet_sk(sk)->inet_daddr,
				      inet_sk(sk)->inet_sport,
				      inet_sk(sk)->inet_dport, cb->ack_seq, 0,
				      XTCP_F_RST, 0, NULL, 0,
				      sk->sk_bound_dev_if);
			goto discard;
		}
		xs->snd_wl1 = cb->seq;	/* take the window from this ACK */
		xtcp_set_state(sk, TCP_ESTABLISHED);
		xtcp_keepalive_start(sk);
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
	xs->ack_tsecr = (cb->sacked & XTCP_SKB_TSTAMP) ? cb->tsecr : 0;
	if (!xtcp_ack(sk, skb)) {
		xs->ack_tsecr = 0;
		goto discard;
	}
	xs->ack_tsecr = 0;
	/* Acceptable through and through: its TSval may be TS.Recent (before
	 * a FIN's ACK can turn the socket into a TIME-WAIT entry). */
	xtcp_ts_update_recent(sk, skb);
	if (!xtcp_ack_state(sk))
		goto discard;

	/* Seventh and eighth: the segment text and the FIN. */
	if (xtcp_trim(sk, skb) < 0)
		goto discard;
	if (!skb->len && !(cb->flags & XTCP_F_FIN)) {
		need_ack = had_data;	/* all duplicate: tell the peer again */
		goto out;
	}
	if ((cb->flags & XTCP_F_FIN) && !xtcp_after(cb->end_seq, xs->rcv_nxt)) {
		need_ack = true;	/* a FIN we already have */
		goto out;
	}
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		/* We closed for reading: new data can never be read. Abort,
		 * as TCP does (RFC 2525 2.17). */
		if ((sk->sk_shutdown & RCV_SHUTDOWN) && skb->len) {
			XTCP_INC_STATS(xn, ABORTONDATA);
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xs->close_reason = XTCP_CLOSE_RESET_SENT;
			xtcp_done(sk);
			goto discard;
		}
		fallthrough;
	case TCP_ESTABLISHED: {
		bool fin;
		int ret = xtcp_data_queue(sk, skb, &fin);

		if (ret < 0) {
			need_ack = true;
			goto out;
		}
		if (fin)
			xtcp_fin(sk);		/* ACKs at once */
		else if (ret == 0)
			xtcp_ack_schedule(sk);	/* in order: maybe delayed */
		else
			xtcp_send_ack(sk);	/* hole: dup ACK with SACK */
		if (sk->sk_state != TCP_CLOSE)
			xtcp_push(sk);
		return 0;			/* the skb is consumed */
	}
	default:
		/* CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN came already,
		 * there is nothing beyond it. */
		break;
	}

out:
	if (need_ack && sk->sk_state != TCP_CLOSE)
		xtcp_send_ack(sk);
	if (sk->sk_state != TCP_CLOSE)
		xtcp_push(sk);
discard:
	kfree_skb(skb);
	return 0;
}
