// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP_PROBE, the liveness probe (docs/protocol.md §31): is the peer
 * alive, now, without closing anything?
 *
 * The probe is a bare ACK one below SND.UNA, as a keepalive, that carries
 * the option XTCP_OPT_PROBE with a fresh random 32-bit nonce. Below the
 * window on purpose: it never carries data, never needs the peer's
 * receive window (a zero window does not stop it), and a peer that does
 * not know the option still drops it harmlessly. A peer that knows it
 * answers at once with a bare ACK at its SND.NXT carrying
 * XTCP_OPT_PROBE_ECHO and the same nonce, provided the probe's ACK field
 * is acceptable to it (RFC 5961 5.2): a blind attacker cannot make a peer
 * echo without knowing the connection's sequence space.
 *
 * The answer counts only if it echoes the outstanding nonce, its ACK is
 * acceptable (RFC 5961 5.2: within [SND.UNA - MAX.SND.WND, SND.NXT]) and
 * its sequence number passes the window check of every segment. A blind
 * attacker must therefore guess 32 random bits that never left the
 * connection's path, on top of an acceptable ACK and sequence number.
 *
 * The caller waits, interruptibly, up to its timeout; the probe is sent
 * again (the same nonce) every max(RTO, timeout / 4), at most 4 times in
 * all, so that one lost segment does not read as a dead peer. The RTT is
 * measured from the first send: an upper bound when a copy was lost.
 */
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <net/sock.h>
#include "xtcp.h"
#include "pernet.h"

#define XTCP_PROBE_MAX_MS	600000U	/* ten minutes */
#define XTCP_PROBE_SENDS	4

/* The states in which both ends are synchronized (RFC 9293). */
static bool xtcp_probe_state_ok(const struct sock *sk)
{
	return (1 << sk->sk_state) &
	       (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 |
		TCPF_FIN_WAIT2 | TCPF_CLOSING | TCPF_LAST_ACK);
}

static void xtcp_probe_xmit(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_send_probe_opt(sk, xs->snd_una - 1, XTCP_OPT_PROBE,
			    xs->probe_nonce);
}

/*
 * Receive side, before the sequence check (socket locked). A probe is
 * answered and consumed (true). An echo is marked on the skb; it is taken
 * as the answer only once the segment has passed the sequence check
 * (xtcp_probe_answered()), and goes on as the ACK it also is.
 */
bool xtcp_probe_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcphdr *th = (const struct xtcphdr *)skb_transport_header(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_opts opts;

	if (xtcp_hdr_doff(th) * 4 <= XTCP_HDR_LEN)
		return false;
	if (xtcp_parse_options(skb, &opts) || !opts.probe_kind)
		return false;
	if ((cb->flags & (XTCP_F_SYN | XTCP_F_RST | XTCP_F_ACK)) != XTCP_F_ACK ||
	    !xtcp_probe_state_ok(sk))
		return false;
	/* RFC 5961 5.2: only who knows our send sequence space. */
	if (xtcp_after(cb->ack_seq, xs->snd_nxt) ||
	    xtcp_before(cb->ack_seq, xs->snd_una - xs->max_snd_wnd))
		return false;

	if (opts.probe_kind == XTCP_OPT_PROBE) {
		if (cb->end_seq != cb->seq)
			return false;	/* a probe carries nothing */
		XTCP_INC_STATS(xtcp_sk_net(sk), LIVEPROBEECHOES);
		xtcp_send_probe_opt(sk, xs->snd_nxt, XTCP_OPT_PROBE_ECHO,
				    opts.probe_nonce);
		return true;
	}
	if (xs->probe_state == XTCP_PROBE_RESULT_PENDING &&
	    opts.probe_nonce == xs->probe_nonce)
		cb->sacked |= XTCP_SKB_PROBE_ECHO;
	return false;
}

/* The echo passed the sequence check: the probe is answered. */
void xtcp_probe_answered(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->probe_state != XTCP_PROBE_RESULT_PENDING)
		return;
	if (time_after(jiffies, xs->probe_deadline)) {
		xs->probe_state = XTCP_PROBE_RESULT_TIMEDOUT;	/* too late */
		return;
	}
	xs->probe_rtt_us = (u32)min_t(u64, xtcp_clock_us() - xs->probe_sent_us,
				      U32_MAX);
	WRITE_ONCE(xs->probe_state, XTCP_PROBE_RESULT_ANSWERED);
	XTCP_INC_STATS(xtcp_sk_net(sk), LIVEPROBESANSWERED);
	sk->sk_state_change(sk);	/* wakes the caller */
}

/* A later XTCP_PROBE on the socket takes over: its result is ours too. */
static bool xtcp_probe_done(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	return READ_ONCE(xs->probe_state) != XTCP_PROBE_RESULT_PENDING ||
	       READ_ONCE(sk->sk_err) || !xtcp_probe_state_ok(sk);
}

/*
 * setsockopt(XTCP_PROBE, &timeout_ms, 4). Blocking: 0 when answered,
 * -ETIMEDOUT, -EINTR on a signal, the socket's error (ECONNRESET, ...) or
 * -ENOTCONN if the connection ends meanwhile. O_NONBLOCK: -EINPROGRESS at
 * once; the result appears in xtcp_info (PENDING until answered or the
 * timeout passes).
 */
int xtcp_set_probe(struct socket *sock, sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	unsigned long deadline, slice_len;
	int err = 0, sends = 1;
	u32 ms, nonce;

	if (optlen != sizeof(ms))
		return -EINVAL;
	if (copy_from_sockptr(&ms, optval, sizeof(ms)))
		return -EFAULT;
	if (!ms || ms > XTCP_PROBE_MAX_MS)
		return -EINVAL;

	lock_sock(sk);
	if (!xtcp_probe_state_ok(sk)) {
		err = -ENOTCONN;
		goto out;
	}
	/* A probe of its own: an earlier caller's ends (its nonce is gone). */
	do {
		nonce = get_random_u32();
	} while (nonce == xs->probe_nonce);
	WRITE_ONCE(xs->probe_nonce, nonce);
	xs->probe_sent_us = xtcp_clock_us();
	deadline = jiffies + msecs_to_jiffies(ms);
	xs->probe_deadline = deadline;
	WRITE_ONCE(xs->probe_state, XTCP_PROBE_RESULT_PENDING);
	XTCP_INC_STATS(xn, LIVEPROBES);
	xtcp_probe_xmit(sk);
	if (sock->file && (sock->file->f_flags & O_NONBLOCK)) {
		err = -EINPROGRESS;
		goto out;
	}

	slice_len = max_t(unsigned long, xs->rto, msecs_to_jiffies(ms) / 4);
	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		long left = (long)(deadline - jiffies), timeo;

		if (xs->probe_state == XTCP_PROBE_RESULT_ANSWERED) {
			err = 0;
			break;
		}
		if (sk->sk_err) {
			err = -sock_error(sk);
			break;
		}
		if (!xtcp_probe_state_ok(sk)) {
			err = -ENOTCONN;
			break;
		}
		if (left <= 0 || xs->probe_state == XTCP_PROBE_RESULT_TIMEDOUT) {
			if (xs->probe_nonce == nonce) {
				xs->probe_state = XTCP_PROBE_RESULT_TIMEDOUT;
				XTCP_INC_STATS(xn, LIVEPROBESTIMEDOUT);
			}
			err = -ETIMEDOUT;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(left);
			break;
		}
		timeo = min_t(long, left, slice_len);
		sk_wait_event(sk, &timeo, xtcp_probe_done(sk), &wait);
		if (!timeo && xs->probe_nonce == nonce &&
		    xs->probe_state == XTCP_PROBE_RESULT_PENDING &&
		    sends < XTCP_PROBE_SENDS &&
		    time_before(jiffies, deadline) && xtcp_probe_state_ok(sk)) {
			xtcp_probe_xmit(sk);
			sends++;
		}
	}
	remove_wait_queue(sk_sleep(sk), &wait);
out:
	release_sock(sk);
	return err;
}
