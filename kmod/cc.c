// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control: slow start and congestion avoidance (RFC 5681) with
 * an initial window of 10 segments (RFC 6928), behind struct xtcp_cc_ops.
 * Loss recovery itself (fast retransmit, NewReno, RTO) is in recovery.c
 * and only asks the ops for a new ssthresh; a CUBIC would plug in here.
 */
#include "xtcp.h"

#define XTCP_INIT_CWND	10

/* Segments in the network, as the scoreboard sees them (RFC 6675 "pipe"). */
u32 xtcp_in_flight(const struct xtcp_sock *xs)
{
	u32 left = xs->sacked_out + xs->lost_out;

	return xs->packets_out > left ?
		xs->packets_out - left + xs->retrans_out : xs->retrans_out;
}

static void xtcp_reno_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_cwnd = XTCP_INIT_CWND;
	xs->snd_ssthresh = 0x7fffffff;
	xs->snd_cwnd_cnt = 0;
	xs->reordering = 3;
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS). */
static u32 xtcp_reno_ssthresh(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 flight = min(xs->snd_cwnd, xs->packets_out - xs->sacked_out);

	return max(flight >> 1, 2U);
}

/*
 * Slow start: cwnd grows by the segments acked, at most 2 per ACK
 * (RFC 3465, L = 2). Congestion avoidance: one segment per window.
 * An application-limited sender does not grow its window (RFC 7661).
 */
static void xtcp_reno_cong_avoid(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->packets_out + acked < xs->snd_cwnd / 2)
		return;
	if (xs->snd_cwnd < xs->snd_ssthresh) {
		xs->snd_cwnd += min(acked, 2U);
		if (xs->snd_cwnd > xs->snd_ssthresh)
			xs->snd_cwnd = xs->snd_ssthresh;
		return;
	}
	xs->snd_cwnd_cnt += acked;
	if (xs->snd_cwnd_cnt >= xs->snd_cwnd) {
		xs->snd_cwnd_cnt -= xs->snd_cwnd;
		xs->snd_cwnd++;
	}
}

static const struct xtcp_cc_ops xtcp_reno = {
	.name		= "reno",
	.init		= xtcp_reno_init,
	.ssthresh	= xtcp_reno_ssthresh,
	.cong_avoid	= xtcp_reno_cong_avoid,
};

void xtcp_cc_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->cc = &xtcp_reno;
	xs->cc->init(sk);
}
