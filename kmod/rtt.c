// SPDX-License-Identifier: GPL-2.0
/*
 * Round-trip time estimation and the retransmission timeout (RFC 6298).
 * SRTT is kept scaled by 8 and RTTVAR by 4, so the updates are shifts:
 * SRTT <- 7/8 SRTT + 1/8 R, RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R|.
 * Samples come only from segments sent once (Karn's rule, see stream.c).
 * The floor is 200 ms as Linux's, not RFC 6298's 1 s.
 */
#include "xtcp.h"
#include "pernet.h"

/*
 * The RTO before any sample (RFC 6298 2.1: 1 s), held to the same
 * net.xtcp.rto_min_ms .. rto_max_ms bounds as every later one. Also the
 * SYN-ACK's (synqueue.c).
 */
unsigned long xtcp_initial_rto(struct xtcp_net *xn)
{
	unsigned long lo = msecs_to_jiffies(READ_ONCE(xn->sysctl.rto_min_ms));
	unsigned long hi = msecs_to_jiffies(READ_ONCE(xn->sysctl.rto_max_ms));

	return clamp_t(unsigned long, XTCP_INIT_RTO, lo, max(lo, hi));
}

void xtcp_rtt_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->srtt_us = 0;
	xs->rttvar_us = 0;
	xs->rto = xtcp_initial_rto(xtcp_sk_net(sk));
	xs->retransmits = 0;
	xs->backoff = 0;
}

static void xtcp_set_rto(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 granularity = jiffies_to_usecs(1);
	u32 rto_us = (xs->srtt_us >> 3) + max(granularity, xs->rttvar_us);

	struct xtcp_net *xn = xtcp_sk_net(sk);
	unsigned long lo = msecs_to_jiffies(READ_ONCE(xn->sysctl.rto_min_ms));
	unsigned long hi = msecs_to_jiffies(READ_ONCE(xn->sysctl.rto_max_ms));

	xs->rto = clamp_t(unsigned long, usecs_to_jiffies(rto_us), lo,
			  max(lo, hi));
}

void xtcp_rtt_sample(struct sock *sk, long rtt_us)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	long m = rtt_us > 0 ? rtt_us : 1;

	if (!xs->srtt_us) {
		xs->srtt_us = m << 3;		/* SRTT = R */
		xs->rttvar_us = m << 1;		/* RTTVAR = R/2, scaled by 4 */
	} else {
		m -= xs->srtt_us >> 3;
		xs->srtt_us += m;
		if (m < 0)
			m = -m;
		m -= xs->rttvar_us >> 2;
		xs->rttvar_us += m;
	}
	xtcp_set_rto(sk);
}
