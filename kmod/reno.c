// SPDX-License-Identifier: GPL-2.0
/*
 * NewReno's window (RFC 5681 with RFC 6582's recovery, which is in
 * recovery.c): on loss ssthresh = FlightSize / 2 (beta 0.5), then one
 * segment per round trip. Linux calls it "reno".
 */
#include "xtcp.h"

/* Nothing of its own: the window is the common state. */
static void xtcp_reno_init(struct sock *sk)
{
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS). */
static u32 xtcp_reno_ssthresh(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 flight = min(xs->snd_cwnd, xs->packets_out - xs->sacked_out);

	return max(flight >> 1, 2U);
}

/* Congestion avoidance (RFC 5681 3.1): cwnd += 1 per cwnd segments acked. */
static void xtcp_reno_cong_avoid(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xtcp_cc_app_limited(xs, acked))
		return;
	if (xs->snd_cwnd < xs->snd_ssthresh) {
		xtcp_cc_slow_start(xs, acked);
		return;
	}
	xs->snd_cwnd_cnt += acked;
	if (xs->snd_cwnd_cnt >= xs->snd_cwnd) {
		xs->snd_cwnd_cnt -= xs->snd_cwnd;
		xs->snd_cwnd++;
	}
}

const struct xtcp_cc_ops xtcp_reno = {
	.name		= "reno",
	.init		= xtcp_reno_init,
	.ssthresh	= xtcp_reno_ssthresh,
	.cong_avoid	= xtcp_reno_cong_avoid,
};
