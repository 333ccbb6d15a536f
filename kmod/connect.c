// SPDX-License-Identifier: GPL-2.0
/*
 * The active open: connect() and the SYN-SENT state, including the
 * simultaneous open (crossed SYNs) and a socket connecting to itself.
 */
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <net/route.h>
#include "hash.h"
#include "timewait.h"
#include "xtcp_trace.h"

/* Our window shift: enough for the largest receive buffer allowed, the
 * one autotuning may grow to (rcvbuf.c) included. */
u8 xtcp_choose_wscale(const struct sock *sk)
{
	u32 space = max_t(u32, READ_ONCE(sysctl_rmem_max),
			  xtcp_rcvbuf_max(sk));
	u8 ws = 0;

	while (space > 65535 && ws < XTCP_MAX_WSCALE) {
		space >>= 1;
		ws++;
	}
	return ws;
}

/* MSS we announce, from the route's MTU. */
u16 xtcp_mss_for_mtu(u32 mtu)
{
	u32 mss = mtu > sizeof(struct iphdr) + XTCP_HDR_LEN ?
		  mtu - sizeof(struct iphdr) - XTCP_HDR_LEN : 0;

	return clamp_t(u32, mss, XTCP_MIN_MSS, 65535 - 40);
}

/* Send MSS: the smaller of the peer's and ours, and the user's clamp. */
void xtcp_sync_mss(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u16 mss = min(xs->peer_mss ?: XTCP_MSS_DEFAULT, xs->advmss);
	u32 pmtu = xtcp_path_mtu(xs);

	/* What the path takes (pmtu.c), IP and XTCP headers off. */
	if (pmtu)
		mss = min(mss, xtcp_mss_for_mtu(pmtu));
	if (xs->user_mss && xs->user_mss < mss)
		mss = xs->user_mss;
	/* Every segment carries timestamps: the payload makes room (the MSS
	 * option counts none, RFC 9293 3.7.1, as tcp_sync_mss()). */
	if (xs->ts_ok && mss > 88 + XTCP_TS_OPT_LEN)
		mss -= XTCP_TS_OPT_LEN;
	xs->mss = mss;
}

/*
 * Forget everything an earlier connection (or connection attempt) of this
 * socket left behind, so the next connect() starts as a fresh socket
 * would: called by connect() and by connect(AF_UNSPEC). Without it a
 * stale retrans_stamp ends a new handshake at once under
 * XTCP_USER_TIMEOUT, a stale soft error becomes the next timeout's errno,
 * and loss-recovery state (ca_state, high_seq, RACK/TLP) lets a new
 * connection start in Recovery. The queues are emptied by the callers'
 * paths (xtcp_write_queue_purge(), xtcp_ofo_purge()); this resets what
 * lives in struct xtcp_sock and the socket's error state.
 */
void xtcp_reset_conn_state(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	WRITE_ONCE(sk->sk_err, 0);
	WRITE_ONCE(sk->sk_err_soft, 0);
	xs->retrans_stamp = 0;
	xs->probes_out = 0;
	xs->total_retrans = 0;
	/* Loss recovery and its clocks (recovery.c). */
	xs->ca_state = XTCP_CA_OPEN;
	xs->high_seq = 0;
	xs->dupacks = 0;
	xs->rack_us = 0;
	xs->tlp_armed = 0;
	xs->tlp_sent = 0;
	xs->packets_out = 0;
	xs->sacked_out = 0;
	xs->lost_out = 0;
	xs->retrans_out = 0;
	xs->undo_armed = 0;
	xs->undo_retrans = 0;
	xs->undo_rto = 0;
	xs->frto = 0;
	xs->frto_new = 0;
	xs->rack_reo_steps = 1;
	xs->rack_reo_persist = 0;
	xs->rack_dsack_wait = 0;
	xs->dsack_dups = 0;
	xs->undos = 0;
	xs->reord_seen = 0;
	/* The receive side: SACK blocks, ACK bookkeeping. */
	xs->num_sacks = 0;
	xs->dsack = 0;
	xs->ooo_last_seq = 0;
	xs->segs_unacked = 0;
	xs->rcv_mss = 0;
	xs->quickacks = 0;
	xs->pingpong = 0;
	xs->rcv_rtt_us = 0;
	xs->rcv_rtt_time = 0;
	xs->rcvq_time = 0;
	xs->rcvq_space = 0;
	xs->quickack = 0;
	xs->corked = 0;
	/* Sequence-space leftovers the handshake does not overwrite. */
	xs->snd_wnd = 0;
	xs->max_snd_wnd = 0;
	xs->fin_queued = 0;
	xs->fin_acked = 0;
	xs->close_reason = XTCP_CLOSE_NONE;
	xs->bytes_sent = 0;
	xs->bytes_acked = 0;
	xs->bytes_received = 0;
	xs->segs_in = 0;
	xs->segs_out = 0;
	xtcp_rtt_init(sk);	/* srtt, rto, retransmits, backoff */
	xtcp_cc_init(sk);	/* cwnd, ssthresh, reordering */
}

static int xtcp_v4_connect(struct sock *sk, struct sockaddr *uaddr,
			   int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	struct xtcp_tw_inherit tw = { };
	struct rtable *rt;
	int err;

	if (addr_len < (int)sizeof(*usin))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	/* Nobody listens on port 0, and the answer to a SYN sent there would
	 * come from port 0, which input drops: refuse now, as TCP's RST
	 * would a round trip later. */
	if (!usin->sin_port)
		return -ECONNREFUSED;

	rt = xtcp_route_output(sock_net(sk), fl4, sk, usin->sin_addr.s_addr,
			       inet->inet_saddr, usin->sin_port,
			       inet->inet_sport, sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4->saddr;
	/* The route's destination: 0.0.0.0 means this host (127.0.0.1). */
	inet->inet_daddr = fl4->daddr;
	inet->inet_dport = usin->sin_port;
	sk_setup_caps(sk, &rt->dst);

	xs->advmss = xtcp_mss_for_mtu(dst_mtu(&rt->dst));
	xs->peer_mss = 0;
	xs->pmtu_cookie = dst_mtu(&rt->dst);
	xs->mtu_info = 0;
	xtcp_pmtu_init(sk);
	xs->ts_ok = !!READ_ONCE(xn->sysctl.timestamps);	/* offered */
	xtcp_sync_mss(sk);
	xs->rcv_wscale = xtcp_choose_wscale(sk);
	xs->snd_wscale = 0;
	xs->wscale_ok = 1;	/* offered; the SYN-ACK decides */
	xs->sack_ok = 1;

	/* Port first, then the state: the SYN-SENT event carries the port.
	 * Segments racing in meanwhile wait in the backlog (we hold the
	 * socket). */
	err = xtcp_hash_connect(sk, &tw);
	if (err)
		goto failure;
	xtcp_set_state(sk, TCP_SYN_SENT);

	xtcp_ts_init(sk, xs->ts_ok);
	if (tw.isn) {
		/* The 4-tuple was a TIME-WAIT entry's (§32): sequence numbers
		 * above the old incarnation's, and its TS.Recent for PAWS. */
		xs->iss = tw.isn;
		xs->ts_recent = tw.ts_recent;
		xs->ts_recent_stamp = (u32)ktime_get_seconds() ?: 1;
	} else {
		xs->iss = xtcp_isn(inet->inet_saddr, inet->inet_daddr,
				   inet->inet_sport, inet->inet_dport);
	}
	xs->snd_una = xs->iss;
	xs->snd_nxt = xs->iss;
	xs->write_seq = xs->iss;
	xs->snd_wl2 = xs->iss;
	xtcp_reset_conn_state(sk);
	XTCP_INC_STATS(xn, ACTIVEOPENS);

	err = xtcp_send_syn(sk);
	if (err)
		goto failure;
	return 0;

failure:
	xtcp_set_state(sk, TCP_CLOSE);
	sk_dst_reset(sk);
	inet->inet_dport = 0;
	inet->inet_daddr = 0;
	if (!xs->user_bound)
		inet->inet_saddr = 0;
	return err;
}

/* Sleep until the handshake ends one way or the other. */
static long xtcp_wait_for_connect(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
		if (signal_pending(current) || !timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return timeo;
}

static int xtcp_disconnect(struct sock *sk)
{
	int old = sk->sk_state;

	if (old == TCP_LISTEN)
		xtcp_listen_stop(sk);
	else if ((1 << old) & ~(TCPF_CLOSE | TCPF_SYN_SENT))
		xtcp_send_active_reset(sk, sk->sk_allocation);
	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_clear_timers(sk);
	xtcp_write_queue_purge(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	xtcp_ofo_purge(sk);
	xtcp_reset_conn_state(sk);
	inet_sk(sk)->inet_dport = 0;
	inet_sk(sk)->inet_daddr = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	sk_dst_reset(sk);
	return 0;
}

/* The same contract as inet_stream_connect(). */
int xtcp_connect(struct socket *sock, struct sockaddr *uaddr, int addr_len,
		 int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;

	lock_sock(sk);
	if (uaddr->sa_family == AF_UNSPEC) {
		err = xtcp_disconnect(sk);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		goto out;
	}

	switch (sock->state) {
	default:
		err = -EINVAL;
		goto out;
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE)
			goto out;
		err = xtcp_v4_connect(sk, uaddr, addr_len);
		if (err < 0)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!timeo)
			goto out;
		timeo = xtcp_wait_for_connect(sk, timeo);
		if (!timeo && ((1 << sk->sk_state) &
			       (TCPF_SYN_SENT | TCPF_SYN_RECV)))
			goto out;	/* SO_SNDTIMEO: still -EINPROGRESS */
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			goto out;
	}

	if (sk->sk_state == TCP_CLOSE)
		goto sock_error;

	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;

sock_error:
	err = sock_error(sk) ? : -ECONNABORTED;
	sock->state = SS_UNCONNECTED;
	goto out;
}

/* Options of the peer's SYN: MSS and window scale (RFC 7323 2.2). */
static void xtcp_take_syn_options(struct sock *sk, const struct xtcp_opts *o)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->peer_mss = o->mss ?: XTCP_MSS_DEFAULT;
	if (o->wscale_ok) {
		xs->snd_wscale = min_t(u8, o->wscale, XTCP_MAX_WSCALE);
	} else {
		xs->snd_wscale = 0;
		xs->rcv_wscale = 0;
		xs->wscale_ok = 0;
	}
	xs->sack_ok = o->sack_ok;
	xtcp_sync_mss(sk);
}

/* RFC 9293 3.10.7.3: a segment arrives in SYN-SENT. */
int xtcp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_opts opts;

	if (cb->flags & XTCP_F_ACK) {
		if (!xtcp_after(cb->ack_seq, xs->iss) ||
		    xtcp_after(cb->ack_seq, xs->snd_nxt)) {
			if (!(cb->flags & XTCP_F_RST))
				xtcp_send_ctl(sock_net(sk), inet_sk(sk)->inet_saddr,
					      inet_sk(sk)->inet_daddr,
					      inet_sk(sk)->inet_sport,
					      inet_sk(sk)->inet_dport,
					      cb->ack_seq, 0, XTCP_F_RST, 0,
					      NULL, 0, sk->sk_bound_dev_if);
			goto discard;
		}
	}
	if (cb->flags & XTCP_F_RST) {
		/* Only an RST that acknowledges our SYN refuses us. */
		if (cb->flags & XTCP_F_ACK) {
			XTCP_INC_STATS(xtcp_sk_net(sk), INRSTS);
			trace_xtcp_receive_reset(sk, ECONNREFUSED);
			xtcp_reset(sk, ECONNREFUSED);
		}
		goto discard;
	}
	if (!(cb->flags & XTCP_F_SYN))
		goto discard;
	if (xtcp_parse_options(skb, &opts))
		goto discard;
	/* No PAWS here, even on a 4-tuple taken from TIME-WAIT (Linux has
	 * one, PAWSActive): the ACK checked above covers our new ISS, which
	 * lies beyond all the old incarnation sent, so this SYN-ACK answers
	 * our SYN; a peer whose clock went back (a module reloaded) is then
	 * reached at once, not after the SYN retries (§32). Its TSval
	 * becomes TS.Recent. */
	xs->irs = cb->seq;
	xs->rcv_nxt = cb->seq + 1;
	xs->copied_seq = xs->rcv_nxt;
	xs->rcv_wup = xs->rcv_nxt;
	xtcp_ts_take_syn(sk, skb);	/* before the MSS: it makes room */
	xtcp_take_syn_options(sk, &opts);
	/* The window of a SYN is never scaled (RFC 7323 2.2). */
	xs->snd_wnd = cb->window;
	xs->max_snd_wnd = xs->snd_wnd;
	xs->snd_wl1 = cb->seq;

	if (cb->flags & XTCP_F_ACK) {
		xs->snd_wl2 = cb->ack_seq;
		xs->snd_una = cb->ack_seq;
		/* A retransmitted SYN's round trip, from the echo. */
		if (cb->sacked & XTCP_SKB_TSTAMP)
			xs->ack_tsecr = cb->tsecr;
		xtcp_clean_rtx_queue(sk, cb->ack_seq);
		xtcp_set_state(sk, TCP_ESTABLISHED);
		/* The LSM labels the connection from the SYN-ACK, as for
		 * TCP's tcp_finish_connect(). */
		security_inet_conn_established(sk, skb);
		xs->rcv_tstamp = jiffies;
		xs->lrcvtime = jiffies;	/* for the pingpong test (stream.c) */
		xtcp_send_ack(sk);
		xtcp_keepalive_start(sk);
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		xtcp_push(sk);
	} else {
		/* Crossed SYNs: answer with SYN-ACK and wait for its ACK.
		 * The SYN still queued goes out again, now with ACK set. */
		xtcp_set_state(sk, TCP_SYN_RECV);
		xs->retransmits = 0;
		xtcp_retransmit_head(sk);
	}
discard:
	kfree_skb(skb);
	return 0;
}
