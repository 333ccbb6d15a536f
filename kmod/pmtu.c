// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU (docs/protocol.md §33). Every segment carries DF (IP_PMTUDISC_WANT
 * by default, IP_MTU_DISCOVER changes it as for TCP), so a router with a
 * smaller next hop drops it and says so with ICMP fragmentation needed
 * (RFC 1191): we lower the route's PMTU, and with it the MSS, after RFC
 * 5927's checks (the quoted segment is ours and in flight, xtcp_v4_err();
 * a smaller MTU only; the route's floor, net.ipv4.route.min_pmtu), then
 * resend what no longer fits, at the new size.
 *
 * Where the ICMP never comes (a filtering middlebox: a "black hole"), the
 * full-sized segments time out again and again. After XTCP_BLACKHOLE_RTOS
 * consecutive timeouts the MSS drops to net.xtcp.base_mss, and halves
 * after each further XTCP_BLACKHOLE_RTOS in a row (RFC 4821's
 * packetization-layer search, downward half, as Linux's tcp_mtu_probing());
 * net.xtcp.mtu_probing 0 never does, 2 starts every connection there.
 * Random loss also makes timeouts in a row (a retransmission lost again):
 * Linux halves at every further timeout, which under 5 % loss took the
 * MSS down to its floor within a minute (loss256_test, 20 times slower);
 * here a step needs XTCP_BLACKHOLE_RTOS timeouts in a row, and a further
 * step also needs that nothing was acknowledged since the last one: once
 * data gets through at the lowered size, later timeouts are loss, not the
 * path's MTU. Upward probing is not done:
 * a route's learned PMTU expires (net.ipv4.route.mtu_expires) and the MSS
 * follows it back up; a black-hole limit lasts for the connection.
 */
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/route.h>

#include "xtcp.h"
#include "pernet.h"

/* Timeouts in a row before a full-sized segment is suspected too big:
 * TCP's tcp_retries1 (3). */
#define XTCP_BLACKHOLE_RTOS	3

static u32 xtcp_mss_to_mtu(u32 mss)
{
	return mss + sizeof(struct iphdr) + XTCP_HDR_LEN;
}

/*
 * The MTU the MSS is bounded by: the route's (xs->pmtu_cookie), or lower
 * when black-hole detection lowered it (xs->mtu_probe_low); 0: unknown.
 */
u32 xtcp_path_mtu(const struct xtcp_sock *xs)
{
	u32 mtu = xs->pmtu_cookie;

	if (xs->mtu_probe_low && (!mtu || xs->mtu_probe_low < mtu))
		mtu = xs->mtu_probe_low;
	return mtu;
}

/* mtu_probing 2: every connection starts at base_mss (and stays there). */
void xtcp_pmtu_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);

	xs->mtu_probe_una = 0;	/* no step taken yet */
	xs->mtu_probe_low = READ_ONCE(xn->sysctl.mtu_probing) == 2 ?
			    xtcp_mss_to_mtu(READ_ONCE(xn->sysctl.base_mss)) : 0;
}

/*
 * Segments in flight that the new MSS no longer takes are lost; resend
 * them now (tcp_simple_retransmit()): not a congestion signal, so cwnd and
 * ssthresh stay. The Loss state keeps the ACKs of the old flight from
 * starting a fast recovery on top.
 */
static void xtcp_pmtu_retransmit(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_mark_lost_larger(sk, xs->mss))
		return;
	if (xs->ca_state != XTCP_CA_LOSS) {
		xs->high_seq = xs->snd_nxt;
		xs->ca_state = XTCP_CA_LOSS;
		xs->frto = 0;
		xs->undo_armed = 0;	/* nothing was reduced */
	}
	xtcp_push(sk);
}

/* The route now says @mtu (a smaller one): the MSS follows. */
static void xtcp_pmtu_apply(struct sock *sk, u32 mtu)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u16 old = xs->mss;

	xs->pmtu_cookie = mtu;
	xtcp_sync_mss(sk);
	if (xs->mss < old)
		xtcp_pmtu_retransmit(sk);
}

/*
 * ICMP fragmentation needed for a segment of ours, under the socket's
 * lock, owned by nobody (else xtcp_pmtu_check() does it later): what
 * tcp_v4_mtu_reduced() does.
 */
static void xtcp_mtu_reduced(struct sock *sk, u32 mtu)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct dst_entry *dst;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	dst = inet_csk_update_pmtu(sk, mtu);
	if (!dst)
		return;
	/* Not recoverable if the socket insists on DF and the route will
	 * not go as low as the ICMP asked (min_pmtu): say why, if it dies. */
	if (mtu < dst_mtu(dst) && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	mtu = dst_mtu(dst);
	if (inet->pmtudisc == IP_PMTUDISC_DONT || !ip_sk_accept_pmtu(sk) ||
	    (xs->pmtu_cookie && xs->pmtu_cookie <= mtu)) {
		XTCP_INC_STATS(xtcp_sk_net(sk), PMTUIGNORED);
		return;
	}
	XTCP_INC_STATS(xtcp_sk_net(sk), PMTUDECREASED);
	xtcp_pmtu_apply(sk, mtu);
}

/* From xtcp_v4_err(), bh_lock_sock() held, the quoted segment checked. */
void xtcp_pmtu_icmp(struct sock *sk, u32 mtu)
{
	if (sk->sk_state == TCP_LISTEN)
		return;
	if (!sock_owned_by_user(sk)) {
		xtcp_mtu_reduced(sk, mtu);
		return;
	}
	/* The owner's next transmission (or the RTO) takes it. */
	WRITE_ONCE(xtcp_sk(sk)->mtu_info, mtu);
}

/*
 * Before sending: an ICMP that came while the socket was owned, and the
 * route's MTU against the one the MSS was computed for (a PMTU learned by
 * another socket to the same destination, or one that expired), as
 * tcp_current_mss() does.
 */
void xtcp_pmtu_check(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 mtu = READ_ONCE(xs->mtu_info);
	struct dst_entry *dst;

	if (mtu) {
		WRITE_ONCE(xs->mtu_info, 0);
		xtcp_mtu_reduced(sk, mtu);
	}
	dst = __sk_dst_get(sk);
	if (!dst || inet_sk(sk)->pmtudisc == IP_PMTUDISC_DONT)
		return;
	mtu = dst_mtu(dst);
	if (mtu == xs->pmtu_cookie)
		return;
	if (!xs->pmtu_cookie || mtu > xs->pmtu_cookie) {
		/* First look, or the route's PMTU expired: grow back. */
		xs->pmtu_cookie = mtu;
		xtcp_sync_mss(sk);
		return;
	}
	xtcp_pmtu_apply(sk, mtu);
}

/*
 * The retransmission timer fired again for a connection's data: after
 * XTCP_BLACKHOLE_RTOS in a row, a full-sized segment may be the problem.
 * Called before the timeout is counted (xs->retransmits is the run so far).
 */
void xtcp_pmtu_rto(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	u32 base = READ_ONCE(xn->sysctl.base_mss), mss;
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);

	/* This timeout is the run's (retransmits + 1)th: a step at the 3rd,
	 * the 6th, ... */
	if (!READ_ONCE(xn->sysctl.mtu_probing) ||
	    (xs->retransmits + 1) % XTCP_BLACKHOLE_RTOS || !head ||
	    head->len <= XTCP_MIN_MSS)
		return;
	/* Only if the segment that keeps timing out is one the path may not
	 * take: the largest it could be, a full one. */
	if (head->len < xs->mss)
		return;
	/* The last step worked: data went through at this size since. */
	if (xs->mtu_probe_low && xs->mtu_probe_una &&
	    xs->snd_una != xs->mtu_probe_una)
		return;
	if (!xs->mtu_probe_low)
		mss = base;
	else
		mss = xtcp_mss_for_mtu(xs->mtu_probe_low) / 2;
	mss = max_t(u32, min(mss, (u32)xs->mss - 1), XTCP_MIN_MSS);
	if (xs->mtu_probe_low && xtcp_mss_to_mtu(mss) >= xs->mtu_probe_low)
		return;		/* at the floor already */
	xs->mtu_probe_low = xtcp_mss_to_mtu(mss);
	xs->mtu_probe_una = xs->snd_una;
	XTCP_INC_STATS(xn, PMTUBLACKHOLE);
	xtcp_sync_mss(sk);
	/* xtcp_enter_loss() marks everything lost next; the resent
	 * segments are cut to the new size (xtcp_fit_mss()). */
}
