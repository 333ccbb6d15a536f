// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control: the algorithms behind struct xtcp_cc_ops, how a
 * socket gets one (the namespace's net.xtcp.congestion_control when it is
 * created, a listener's for its children, TCP_CONGESTION at any time), and
 * the window rules they share: the initial window of 10 segments
 * (RFC 6928), slow start (RFC 5681, RFC 3465) and the application-limited
 * test. NewReno is in reno.c, CUBIC (RFC 9438) in cubic.c. Loss recovery
 * (fast retransmit, RTO) is in recovery.c and only asks the ops for a new
 * ssthresh.
 */
#include "xtcp.h"
#include "pernet.h"

#define XTCP_INIT_CWND	10

/* Every algorithm the module has, by name. */
static const struct xtcp_cc_ops *const xtcp_cc_all[] = {
	&xtcp_cubic,
	&xtcp_reno,
};

/* Segments in the network, as the scoreboard sees them (RFC 6675 "pipe"). */
u32 xtcp_in_flight(const struct xtcp_sock *xs)
{
	u32 left = xs->sacked_out + xs->lost_out;

	return xs->packets_out > left ?
		xs->packets_out - left + xs->retrans_out : xs->retrans_out;
}

const struct xtcp_cc_ops *xtcp_cc_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(xtcp_cc_all); i++)
		if (!strcmp(xtcp_cc_all[i]->name, name))
			return xtcp_cc_all[i];
	return NULL;
}

/*
 * A fresh window (socket creation, connect(), disconnect): IW10 and no
 * ssthresh yet, with the algorithm the socket has or, for a new socket
 * (zeroed by sk_alloc()), the namespace's default.
 */
void xtcp_cc_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->cc)
		xs->cc = READ_ONCE(xtcp_sk_net(sk)->sysctl.congestion_control);
	xs->snd_cwnd = XTCP_INIT_CWND;
	xs->snd_ssthresh = 0x7fffffff;
	xs->snd_cwnd_cnt = 0;
	xs->reordering = 3;
	xs->cc->init(sk);
}

/* A listener's child runs the listener's algorithm, as in TCP. */
void xtcp_cc_inherit(struct sock *child, const struct sock *parent)
{
	xtcp_sk(child)->cc = xtcp_sk(parent)->cc;
	xtcp_sk(child)->cc->init(child);
}

/*
 * TCP_CONGESTION (socket locked). The window is kept: the new algorithm
 * starts its own state from the current cwnd and ssthresh, as
 * tcp_reinit_congestion_control() does. Unknown names are ENOENT, TCP's
 * answer for a name it has no module for.
 */
int xtcp_cc_set(struct sock *sk, const char *name)
{
	const struct xtcp_cc_ops *ops = xtcp_cc_find(name);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!ops)
		return -ENOENT;
	if (ops == xs->cc)
		return 0;
	WRITE_ONCE(xs->cc, ops);
	xs->snd_cwnd_cnt = 0;
	ops->init(sk);
	return 0;
}

/*
 * A sender that does not use its window does not grow it (in the spirit
 * of RFC 7661): the flight before this ACK (packets_out + acked) was
 * below half of cwnd.
 */
bool xtcp_cc_app_limited(const struct xtcp_sock *xs, u32 acked)
{
	return xs->packets_out + acked < xs->snd_cwnd / 2;
}

/*
 * Slow start: cwnd grows by every segment acked, and stops at ssthresh,
 * as Linux's tcp_slow_start(). RFC 3465's L = 2 assumed an ACK per one
 * or two segments; with large segments one ACK covers up to 44 (a 64 KB
 * skb, or a GRO chain), and L = 2 made slow start grow cwnd by 5 % per
 * round trip instead of doubling it: on a 50 ms path the window had not
 * opened after 10 s.
 */
void xtcp_cc_slow_start(struct xtcp_sock *xs, u32 acked)
{
	xs->snd_cwnd = min(xs->snd_cwnd + acked, xs->snd_ssthresh);
}
