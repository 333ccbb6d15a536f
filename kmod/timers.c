// SPDX-License-Identifier: GPL-2.0
/*
 * Per-socket timers.
 *  rtx_timer:  retransmission of SYN, data and FIN (RFC 6298 backoff), the
 *              persist probe of a zero window, and giving up (ETIMEDOUT).
 *  sk_timer:   keepalive (dead-peer detection), and the reaper of an
 *              orphaned FIN-WAIT-2 after net.xtcp.fin_timeout_ms.
 * A pending timer holds a socket reference (sk_reset_timer). When the user
 * holds the socket, the timer retries a moment later.
 */
#include "hash.h"

static bool xtcp_timer_defer(struct sock *sk, struct timer_list *t)
{
	if (!sock_owned_by_user(sk))
		return false;
	sk_reset_timer(sk, t, jiffies + XTCP_TIMER_DEFER);
	return true;
}

void xtcp_arm_rtx(struct sock *sk, unsigned long when)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	/* Never sleep past the user timeout (RFC 5482): wake to give up. */
	if (xs->user_timeout && xs->retrans_stamp) {
		s32 left = xs->retrans_stamp + msecs_to_jiffies(xs->user_timeout) -
			   xtcp_time();
		unsigned long deadline = jiffies + max(left, 1);

		if (time_before(deadline, when))
			when = deadline;
	}

	xs->rtx_expires = when;
	sk_reset_timer(sk, &xs->rtx_timer, when);
}

/* The current retransmission timeout: RTO << backoff, capped by rto_max_ms. */
static unsigned long xtcp_rto_backoff(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long max = msecs_to_jiffies(READ_ONCE(xtcp_sk_net(sk)->sysctl.rto_max_ms));
	unsigned long rto = xs->rto;

	if (xs->backoff >= BITS_PER_LONG - 1 || rto > (max >> xs->backoff))
		return max(max, 1UL);
	return rto << xs->backoff;
}

/* A tail loss probe first, when data is in flight and all is well. */
static bool xtcp_tlp_eligible(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	return ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				       TCPF_FIN_WAIT1 | TCPF_LAST_ACK |
				       TCPF_CLOSING)) &&
	       xs->sack_ok && xs->ca_state == XTCP_CA_OPEN &&
	       xs->packets_out && xs->srtt_us && !xs->tlp_sent &&
	       !xs->backoff && skb_peek(&sk->sk_write_queue) != xs->send_head;
}

/*
 * Probe timeout: two smoothed RTTs plus room for the peer's delayed ACK:
 * delack_ms for a flight (its last odd segment waits for it), and, as
 * Linux does, the minimum RTO for a lone segment, so that a lone FIN or
 * request is not probed (and the peer's socket, gone by then, does not
 * answer the probe with an RST that ends our TIME-WAIT).
 */
static unsigned long xtcp_pto(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	u32 pto_us = 2 * (xs->srtt_us >> 3) +
		     (xs->packets_out == 1 ?
		      READ_ONCE(xn->sysctl.rto_min_ms) :
		      READ_ONCE(xn->sysctl.delack_ms)) * 1000;
	unsigned long pto;

	pto = max_t(unsigned long, usecs_to_jiffies(pto_us), msecs_to_jiffies(10));
	return min_t(unsigned long, pto, xs->rto);
}

/*
 * Keep the retransmission timer consistent with the queue: running while
 * anything is unacknowledged (or unsent data waits for a window), stopped
 * otherwise. Does not restart a running timer.
 */
void xtcp_rearm_rtx(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (skb_queue_empty(&sk->sk_write_queue)) {
		sk_stop_timer(sk, &xs->rtx_timer);
		return;
	}
	if (timer_pending(&xs->rtx_timer))
		return;
	if (xtcp_tlp_eligible(sk)) {
		xs->tlp_armed = 1;
		xtcp_arm_rtx(sk, jiffies + xtcp_pto(sk));
		return;
	}
	xs->tlp_armed = 0;
	xtcp_arm_rtx(sk, jiffies + xtcp_rto_backoff(sk));
}

/*
 * XTCP_USER_TIMEOUT (RFC 5482): give up when data has been unacknowledged
 * that long, whatever the retry count says.
 */
static bool xtcp_user_timed_out(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	return xs->user_timeout && xs->retrans_stamp &&
	       (s32)(xtcp_time() - xs->retrans_stamp -
		     msecs_to_jiffies(xs->user_timeout)) >= 0;
}

static u32 xtcp_retry_limit(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		return xs->syn_retries ?: READ_ONCE(xn->sysctl.syn_retries);
	case TCP_SYN_RECV:
		return READ_ONCE(xn->sysctl.synack_retries);
	default:
		/* Nobody waits for an orphan's data: give up sooner (as
		 * Linux's tcp_orphan_retries), so a dead peer cannot pin
		 * memory, the namespace and the module for many minutes. */
		if (sock_flag(sk, SOCK_DEAD))
			return min(READ_ONCE(xn->sysctl.orphan_retries),
				   READ_ONCE(xn->sysctl.retries2));
		return READ_ONCE(xn->sysctl.retries2);
	}
}

/* Give up on the peer: ETIMEDOUT to the application. */
static void xtcp_write_timeout(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		XTCP_INC_STATS(xn, ATTEMPTFAILS);
	XTCP_INC_STATS(xn, ABORTONTIMEOUT);
	xtcp_sk(sk)->close_reason = XTCP_CLOSE_TIMEOUT;
	WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ?: ETIMEDOUT);
	xtcp_write_queue_purge(sk);
	xtcp_done(sk);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
}

static void xtcp_retransmit_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);

	if (!head || (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;

	if (xs->tlp_armed) {
		xs->tlp_armed = 0;
		if (head != xs->send_head) {
			xtcp_tail_loss_probe(sk);
			xtcp_arm_rtx(sk, jiffies + xtcp_rto_backoff(sk));
			return;
		}
	}

	if (head == xs->send_head && xs->snd_wnd >= head->len) {
		/* Nothing in flight and the window is open: the data was held
		 * by MSG_MORE (or Nagle). Hold it no longer (as TCP_CORK's
		 * 200 ms). */
		xs->corked = 0;
		xtcp_push(sk);
		return;
	}
	if (head == xs->send_head) {
		/* Nothing in flight, data waiting: the window is closed.
		 * Probe it (persist timer), backing off like RTO. A peer that
		 * answers no probe is given up on like one that acks no
		 * retransmission: otherwise an orphan behind a shut window
		 * lives forever and pins the module. Any in-window segment
		 * resets probes_out (xtcp_rcv_state_process()). */
		if (xs->probes_out >= xtcp_retry_limit(sk)) {
			xtcp_write_timeout(sk);
			return;
		}
		/* An orphan also goes when a peer that answers every probe
		 * keeps its window shut that long (as TCP): nobody will read
		 * what it holds, and a peer could pin any memory that way. */
		if (sock_flag(sk, SOCK_DEAD) && xs->backoff >= xtcp_retry_limit(sk)) {
			xtcp_write_timeout(sk);
			return;
		}
		if (xs->probes_out < U8_MAX)
			xs->probes_out++;
		XTCP_INC_STATS(xn, ZEROWINDOWPROBES);
		xtcp_send_probe(sk);
		if (xs->backoff < 15)
			xs->backoff++;
		xtcp_arm_rtx(sk, jiffies + xtcp_rto_backoff(sk));
		return;
	}

	/* The give-up clock starts at the first transmission of the oldest
	 * unacknowledged segment. */
	if (!xs->retrans_stamp)
		xs->retrans_stamp = XTCP_SKB_CB(head)->when ?: 1;
	if (xs->retransmits >= xtcp_retry_limit(sk) || xtcp_user_timed_out(sk)) {
		xtcp_write_timeout(sk);
		return;
	}
	XTCP_INC_STATS(xn, TIMEOUTS);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (sk->sk_state == TCP_SYN_SENT)
			XTCP_INC_STATS(xn, SYNRETRANS);
		xtcp_retransmit_head(sk);
	} else {
		/* RFC 6298 5.4-5.6 and RFC 5681 3.1: everything outstanding is
		 * lost, cwnd is one segment, the oldest goes out again; if
		 * it timed out too often, smaller (a PMTU black hole). */
		xtcp_pmtu_rto(sk);
		xtcp_enter_loss(sk);
		xtcp_push(sk);
	}
	xs->retransmits++;
	if (xs->backoff < 15)
		xs->backoff++;
	xtcp_arm_rtx(sk, jiffies + xtcp_rto_backoff(sk));
}

static void xtcp_rtx_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = xtcp_timer_container(xs, t, rtx_timer);
	struct sock *sk = xtcp_to_sk(xs);

	bh_lock_sock(sk);
	if (!xtcp_timer_defer(sk, t))
		xtcp_retransmit_timer(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static unsigned long xtcp_keepidle(const struct xtcp_sock *xs)
{
	return (xs->keepidle ?: 7200) * HZ;
}

static void xtcp_keepalive_arm(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		sk_reset_timer(sk, &sk->sk_timer,
			       jiffies + xtcp_keepidle(xtcp_sk(sk)));
}

void xtcp_keepalive_start(struct sock *sk)
{
	if (sock_flag(sk, SOCK_KEEPOPEN))
		xtcp_keepalive_arm(sk);
}

/*
 * SO_KEEPALIVE, from the socket core, which calls this before it sets or
 * clears SOCK_KEEPOPEN: @on decides, not the flag. Turning it on again
 * while on does not push the timer back (as TCP).
 */
void xtcp_set_keepalive(struct sock *sk, int on)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (on && !sock_flag(sk, SOCK_KEEPOPEN))
		xtcp_keepalive_arm(sk);
	else if (!on && sk->sk_state != TCP_FIN_WAIT2)
		sk_stop_timer(sk, &sk->sk_timer);
}

void xtcp_arm_fin_wait2(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);

	sk_reset_timer(sk, &sk->sk_timer, jiffies +
		       msecs_to_jiffies(READ_ONCE(xn->sysctl.fin_timeout_ms)));
}

/*
 * RFC 9293 3.8.4 / RFC 1122 4.2.3.6: after keepidle without a segment
 * from the peer, probe every keepintvl; keepcnt unanswered probes and the
 * peer is declared dead.
 */
static void xtcp_keepalive(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long idle = jiffies - xs->rcv_tstamp;
	unsigned long intvl = (xs->keepintvl ?: 75) * HZ;

	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				     TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	if (idle < xtcp_keepidle(xs) && !xs->probes_out) {
		sk_reset_timer(sk, &sk->sk_timer,
			       jiffies + xtcp_keepidle(xs) - idle);
		return;
	}
	/* With XTCP_USER_TIMEOUT set, it decides when the peer is dead. */
	if ((xs->user_timeout && xs->probes_out &&
	     idle >= msecs_to_jiffies(xs->user_timeout)) ||
	    (!xs->user_timeout && xs->probes_out >= (xs->keepcnt ?: 9))) {
		xtcp_write_timeout(sk);
		return;
	}
	xs->probes_out++;
	XTCP_INC_STATS(xtcp_sk_net(sk), KEEPALIVEPROBES);
	xtcp_send_probe(sk);
	sk_reset_timer(sk, &sk->sk_timer, jiffies + intvl);
}

static void xtcp_sk_timer_fn(struct timer_list *t)
{
	struct sock *sk = xtcp_timer_container(sk, t, sk_timer);

	bh_lock_sock(sk);
	if (xtcp_timer_defer(sk, t))
		goto out;
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		/* An orphan whose peer never sent its FIN. */
		XTCP_INC_STATS(xtcp_sk_net(sk), FINWAIT2TIMEOUT);
		xtcp_send_active_reset(sk, GFP_ATOMIC);
		xtcp_sk(sk)->close_reason = XTCP_CLOSE_TIMEOUT;
		xtcp_done(sk);
		goto out;
	}
	xtcp_keepalive(sk);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* The delayed ACK is due. */
static void xtcp_delack_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = xtcp_timer_container(xs, t, delack_timer);
	struct sock *sk = xtcp_to_sk(xs);

	bh_lock_sock(sk);
	if (xtcp_timer_defer(sk, t))
		goto out;
	if (xs->ack_pending && sk->sk_state != TCP_CLOSE) {
		XTCP_INC_STATS(xtcp_sk_net(sk), DELAYEDACKS);
		/* Nothing of ours took it along: not interactive after all
		 * (tcp_delack_timer_handler()). */
		xs->pingpong = 0;
		xtcp_send_ack(sk);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

void xtcp_init_timers(struct sock *sk)
{
	timer_setup(&xtcp_sk(sk)->rtx_timer, xtcp_rtx_timer_fn, 0);
	timer_setup(&xtcp_sk(sk)->delack_timer, xtcp_delack_timer_fn, 0);
	timer_setup(&sk->sk_timer, xtcp_sk_timer_fn, 0);
}

void xtcp_clear_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sk_stop_timer(sk, &xs->rtx_timer);
	sk_stop_timer(sk, &xs->delack_timer);
	xs->ack_pending = 0;
	sk_stop_timer(sk, &sk->sk_timer);
}
