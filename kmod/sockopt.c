// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options at level SOL_XTCP, and the same options at level
 * IPPROTO_TCP with TCP's numbers so that existing programs work unchanged.
 * SOL_SOCKET options (SO_ERROR, SO_LINGER, SO_REUSEADDR, ...) are handled
 * by the socket core before they reach us.
 */
#include <linux/tcp.h>
#include <net/ip.h>
#include "xtcp.h"
#include "pernet.h"

static bool xtcp_our_level(int level)
{
	return level == SOL_XTCP || level == SOL_TCP;
}

/*
 * IPPROTO_IP options go to the IPv4 code, as TCP's do, but only those XTCP
 * honours or that cannot matter to a stream socket: output takes TOS and
 * TTL from the inet_sock (ip_queue_xmit()), the receive-side cmsg flags are
 * inert, and IP_HDRINCL, IP_NODEFRAG, IP_ROUTER_ALERT and the multicast
 * send options answer as they do for TCP (refused on a stream socket).
 * Group membership would hang a list on the socket that XTCP's close does
 * not drop: refused with TCP's EPROTO. IP_MTU_DISCOVER is honoured (pmtu.c).
 * The rest (IP_OPTIONS, freebind, transparent, IPsec policy, ...) would be accepted
 * but not honoured: ENOPROTOOPT, as docs/errors.md lists.
 */
static int xtcp_ip_setsockopt(struct sock *sk, int level, int optname,
			      sockptr_t optval, unsigned int optlen)
{
	switch (optname) {
	case IP_TOS:
	case IP_TTL:
	case IP_RECVERR:
	case IP_RECVERR_RFC4884:
	case IP_PKTINFO:
	case IP_RECVTTL:
	case IP_RECVTOS:
	case IP_RECVOPTS:
	case IP_RETOPTS:
	case IP_PASSSEC:
	case IP_RECVORIGDSTADDR:
	case IP_CHECKSUM:
	case IP_RECVFRAGSIZE:
	case IP_HDRINCL:
	case IP_NODEFRAG:
	case IP_ROUTER_ALERT:
	case IP_MULTICAST_TTL:
	case IP_MULTICAST_LOOP:
	case IP_MULTICAST_IF:
	case IP_MULTICAST_ALL:
	case IP_MTU_DISCOVER:	/* DF and PMTU discovery (pmtu.c) */
		return ip_setsockopt(sk, level, optname, optval, optlen);
	case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP:
	case IP_ADD_SOURCE_MEMBERSHIP:
	case IP_DROP_SOURCE_MEMBERSHIP:
	case IP_BLOCK_SOURCE:
	case IP_UNBLOCK_SOURCE:
	case IP_MSFILTER:
	case MCAST_JOIN_GROUP:
	case MCAST_LEAVE_GROUP:
	case MCAST_JOIN_SOURCE_GROUP:
	case MCAST_LEAVE_SOURCE_GROUP:
	case MCAST_BLOCK_SOURCE:
	case MCAST_UNBLOCK_SOURCE:
	case MCAST_MSFILTER:
		return -EPROTO;
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * TCP_CONGESTION: "cubic" or "reno" (cc.c), read as TCP reads the name
 * (at most 15 bytes, NUL-terminated here). ENOENT for any other name, as
 * TCP for a name it has no module for; both are allowed to every user, as
 * Linux's default tcp_allowed_congestion_control.
 */
static int xtcp_set_congestion(struct sock *sk, sockptr_t optval,
			       unsigned int optlen)
{
	char name[XTCP_CA_NAME_MAX];
	long n;
	int err;

	if (optlen < 1)
		return -EINVAL;
	n = strncpy_from_sockptr(name, optval,
				 min_t(long, XTCP_CA_NAME_MAX - 1, optlen));
	if (n < 0)
		return -EFAULT;
	name[n] = 0;
	lock_sock(sk);
	err = xtcp_cc_set(sk, name);
	release_sock(sk);
	return err;
}

/*
 * XTCP_VERDICT (docs/protocol.md §30): exactly a struct xtcp_verdict, a
 * known verdict and xv_pad 0, or EINVAL; on a deferring listener, or
 * EINVAL; for an arrival that waits, or ENOENT.
 */
static int xtcp_set_verdict(struct sock *sk, sockptr_t optval,
			    unsigned int optlen)
{
	struct xtcp_verdict v;
	int err;

	if (optlen != sizeof(v))
		return -EINVAL;
	if (copy_from_sockptr(&v, optval, sizeof(v)))
		return -EFAULT;
	if (v.xv_pad || v.xv_verdict < XTCP_VERDICT_ACCEPT ||
	    v.xv_verdict > XTCP_VERDICT_DROP)
		return -EINVAL;
	lock_sock(sk);
	err = xtcp_arrival_verdict(sk, v.xv_id, v.xv_verdict);
	release_sock(sk);
	return err;
}

int xtcp_setsockopt(struct socket *sock, int level, int optname,
		    sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int val, err = 0;

	if (level == SOL_IP)
		return xtcp_ip_setsockopt(sk, level, optname, optval, optlen);
	if (!xtcp_our_level(level))
		return -ENOPROTOOPT;
	if (optname == TCP_CONGESTION)
		return xtcp_set_congestion(sk, optval, optlen);
	if (level == SOL_XTCP && optname == XTCP_VERDICT)
		return xtcp_set_verdict(sk, optval, optlen);
	if (level == SOL_XTCP && optname == XTCP_PROBE)
		return xtcp_set_probe(sock, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	/* XTCP's own numbers mean nothing at IPPROTO_TCP: TCP's answer to
	 * an unknown option, after its length check. */
	if (optname >= XTCP_DEFER_HANDSHAKE && level != SOL_XTCP)
		return -ENOPROTOOPT;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case XTCP_NODELAY:
		xs->nodelay = !!val;
		if (val)
			xtcp_push(sk);
		break;
	case XTCP_MAXSEG:
		/* TCP's bounds: TCP_MIN_MSS and MAX_TCP_WINDOW. */
		if (val && (val < 88 || val > 32767))
			err = -EINVAL;
		else
			xs->user_mss = val;
		break;
	case XTCP_KEEPIDLE:
		if (val < 1 || val > 32767) {
			err = -EINVAL;
			break;
		}
		xs->keepidle = val;
		xtcp_keepalive_start(sk);	/* re-arm with the new idle time */
		break;
	case XTCP_KEEPINTVL:
		if (val < 1 || val > 32767)
			err = -EINVAL;
		else
			xs->keepintvl = val;
		break;
	case XTCP_KEEPCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			xs->keepcnt = val;
		break;
	case XTCP_SYNCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			xs->syn_retries = val;
		break;
	case XTCP_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			xs->user_timeout = val;
		break;
	case TCP_CORK:
		/* MSG_MORE on every send until cleared; clearing sends what
		 * waits (Nagle permitting), as TCP. The cork timeout that
		 * bounds MSG_MORE (timers.c) bounds this too, like TCP's
		 * 200 ms. */
		xs->user_cork = !!val;
		xs->corked = xs->user_cork;
		if (!val)
			xtcp_push(sk);
		break;
	case TCP_QUICKACK:
		/* As TCP: 1 leaves the interactive (pingpong) mode, sends an
		 * ACK owed and acknowledges the next segment at once; 0 enters
		 * the mode (stream.c). */
		if (val & 1) {
			xs->pingpong = 0;
			xs->quickack = 1;
			if (xs->ack_pending)
				xtcp_send_ack(sk);
		} else {
			xs->pingpong = 1;
		}
		break;
	case XTCP_DEFER_HANDSHAKE:
		/* 0 or 1, before or after listen(). Switching it off while
		 * arrivals wait for a verdict would strand them: EBUSY. */
		if (val != 0 && val != 1)
			err = -EINVAL;
		else if (!val && sk->sk_state == TCP_LISTEN &&
			 xs->lq.arrivals_waiting)
			err = -EBUSY;
		else
			xs->defer_handshake = val;
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

void xtcp_get_info(struct sock *sk, struct xtcp_info *info)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long now = jiffies;

	memset(info, 0, sizeof(*info));
	info->xtcpi_version = XTCP_INFO_VERSION;
	info->xtcpi_state = inet_sk_state_load(sk);
	info->xtcpi_retransmits = xs->retransmits;
	info->xtcpi_snd_wscale = xs->snd_wscale;
	info->xtcpi_rcv_wscale = xs->rcv_wscale;
	info->xtcpi_rto_us = jiffies_to_usecs(xs->rto);
	info->xtcpi_rtt_us = xs->srtt_us >> 3;
	info->xtcpi_rttvar_us = xs->rttvar_us >> 2;
	info->xtcpi_snd_mss = xs->mss;
	info->xtcpi_advmss = xs->advmss;
	info->xtcpi_snd_cwnd = xs->snd_cwnd;
	info->xtcpi_snd_ssthresh = xs->snd_ssthresh;
	info->xtcpi_snd_wnd = xs->snd_wnd;
	info->xtcpi_rcv_wnd = xs->rcv_wnd;
	info->xtcpi_unacked = xs->snd_nxt - xs->snd_una;
	info->xtcpi_total_retrans = xs->total_retrans;
	info->xtcpi_segs_in = xs->segs_in;
	info->xtcpi_segs_out = xs->segs_out;
	info->xtcpi_bytes_sent = xs->bytes_sent;
	info->xtcpi_bytes_acked = xs->bytes_acked;
	info->xtcpi_bytes_received = xs->bytes_received;
	if (xs->last_data_sent)
		info->xtcpi_last_data_sent_ms =
			jiffies_to_msecs(now - xs->last_data_sent);
	if (xs->last_data_recv)
		info->xtcpi_last_data_recv_ms =
			jiffies_to_msecs(now - xs->last_data_recv);
	info->xtcpi_ca_state = xs->ca_state;
	info->xtcpi_backoff = xs->backoff;
	info->xtcpi_sack_ok = xs->sack_ok;
	info->xtcpi_packets_out = xs->packets_out;
	info->xtcpi_sacked_out = xs->sacked_out;
	info->xtcpi_lost_out = xs->lost_out;
	info->xtcpi_retrans_out = xs->retrans_out;
	info->xtcpi_reordering = xs->reordering;
	/* Never walk the queue here: diag calls this without the lock. */
	info->xtcpi_rcv_ooo_segs = READ_ONCE(xs->ooo_segs);
	/* Version 2. The ops are static: a racing TCP_CONGESTION gives one
	 * name or the other, whole. */
	memcpy(info->xtcpi_ca_name, READ_ONCE(xs->cc)->name,
	       sizeof(info->xtcpi_ca_name));
	/* Version 3: the last XTCP_PROBE; one nobody waits for (O_NONBLOCK)
	 * reads as timed out once its deadline has passed. */
	info->xtcpi_probe_result = READ_ONCE(xs->probe_state);
	if (info->xtcpi_probe_result == XTCP_PROBE_RESULT_PENDING &&
	    time_after(now, READ_ONCE(xs->probe_deadline)))
		info->xtcpi_probe_result = XTCP_PROBE_RESULT_TIMEDOUT;
	info->xtcpi_probe_rtt_us = READ_ONCE(xs->probe_rtt_us);
	/* Version 4: D-SACK and undo (undo.c). */
	info->xtcpi_dsack_dups = READ_ONCE(xs->dsack_dups);
	info->xtcpi_reord_seen = READ_ONCE(xs->reord_seen);
	info->xtcpi_undos = READ_ONCE(xs->undos);
	info->xtcpi_rack_reo_wnd_us = xtcp_rack_reo_wnd(xs);
	/* Version 5: timestamps (RFC 7323, timestamps.c). */
	info->xtcpi_ts_ok = xs->ts_ok && inet_sk_state_load(sk) != TCP_SYN_SENT;
	info->xtcpi_ts_recent = READ_ONCE(xs->ts_recent);
	/* Version 6: the path MTU (pmtu.c). */
	info->xtcpi_pmtu = xtcp_path_mtu(xs);
	info->xtcpi_blackhole_mtu = xs->mtu_probe_low;
}

/* struct tcp_info: the fields that mean the same thing. */
static void xtcp_get_tcp_info(struct sock *sk, struct tcp_info *ti)
{
	struct xtcp_info xi;

	xtcp_get_info(sk, &xi);
	memset(ti, 0, sizeof(*ti));
	ti->tcpi_state = xi.xtcpi_state;
	ti->tcpi_retransmits = xi.xtcpi_retransmits;
	ti->tcpi_snd_wscale = xi.xtcpi_snd_wscale;
	ti->tcpi_rcv_wscale = xi.xtcpi_rcv_wscale;
	ti->tcpi_options = (xtcp_sk(sk)->wscale_ok ? TCPI_OPT_WSCALE : 0) |
			   (xi.xtcpi_sack_ok ? TCPI_OPT_SACK : 0) |
			   (xi.xtcpi_ts_ok ? TCPI_OPT_TIMESTAMPS : 0);
	ti->tcpi_pmtu = xi.xtcpi_pmtu;
	/* Linux numbers its states with CWR (2) among them, which XTCP has
	 * not: Recovery is TCP_CA_Recovery and Loss TCP_CA_Loss to a TCP
	 * program. */
	ti->tcpi_ca_state = xi.xtcpi_ca_state == XTCP_CA_LOSS ? TCP_CA_Loss :
			    xi.xtcpi_ca_state == XTCP_CA_RECOVERY ? TCP_CA_Recovery :
			    xi.xtcpi_ca_state;
	ti->tcpi_backoff = xi.xtcpi_backoff;
	ti->tcpi_sacked = xi.xtcpi_sacked_out;
	ti->tcpi_lost = xi.xtcpi_lost_out;
	ti->tcpi_retrans = xi.xtcpi_retrans_out;
	ti->tcpi_reordering = xi.xtcpi_reordering;
	ti->tcpi_rto = xi.xtcpi_rto_us;
	ti->tcpi_snd_mss = xi.xtcpi_snd_mss;
	ti->tcpi_advmss = xi.xtcpi_advmss;
	ti->tcpi_rtt = xi.xtcpi_rtt_us;
	ti->tcpi_rttvar = xi.xtcpi_rttvar_us;
	ti->tcpi_snd_cwnd = xi.xtcpi_snd_cwnd;
	ti->tcpi_snd_ssthresh = xi.xtcpi_snd_ssthresh;
	ti->tcpi_unacked = DIV_ROUND_UP(xi.xtcpi_unacked, max_t(u32, 1, xi.xtcpi_snd_mss));
	ti->tcpi_total_retrans = xi.xtcpi_total_retrans;
	ti->tcpi_segs_in = xi.xtcpi_segs_in;
	ti->tcpi_segs_out = xi.xtcpi_segs_out;
	ti->tcpi_bytes_acked = xi.xtcpi_bytes_acked;
	ti->tcpi_bytes_received = xi.xtcpi_bytes_received;
	/* Linux's counts retransmissions too (RFC 4898 HCDataOctetsOut). */
	ti->tcpi_bytes_sent = xi.xtcpi_bytes_sent + xtcp_sk(sk)->bytes_retrans;
	ti->tcpi_bytes_retrans = xtcp_sk(sk)->bytes_retrans;
	ti->tcpi_reord_seen = xi.xtcpi_reord_seen;
	ti->tcpi_dsack_dups = xi.xtcpi_dsack_dups;
	ti->tcpi_last_data_sent = xi.xtcpi_last_data_sent_ms;
	ti->tcpi_last_data_recv = xi.xtcpi_last_data_recv_ms;
	ti->tcpi_snd_wnd = xi.xtcpi_snd_wnd;
}

int xtcp_getsockopt(struct socket *sock, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	int len, val;

	/* Reading is harmless at any IP option; other levels get the IPv4
	 * code's answer (EOPNOTSUPP), as from TCP. */
	if (!xtcp_our_level(level))
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	if (optname == TCP_CONGESTION) {
		/* The ops never go away: no lock needed for their name. */
		const struct xtcp_cc_ops *cc = READ_ONCE(xs->cc);

		len = min_t(unsigned int, len, XTCP_CA_NAME_MAX);
		if (put_user(len, optlen) ||
		    copy_to_user(optval, cc->name, len))
			return -EFAULT;
		return 0;
	}
	if (optname >= XTCP_DEFER_HANDSHAKE && level != SOL_XTCP)
		return -ENOPROTOOPT;
	if (optname == XTCP_ARRIVAL) {
		struct xtcp_arrival xa;
		int err;

		/* Exactly the struct, or more (only sizeof is written). */
		if (len < sizeof(xa))
			return -EINVAL;
		lock_sock(sk);
		err = xtcp_arrival_take(sk, &xa);
		release_sock(sk);
		if (err)
			return err;
		len = sizeof(xa);
		if (put_user(len, optlen) || copy_to_user(optval, &xa, len))
			return -EFAULT;
		return 0;
	}
	if (optname == XTCP_INFO) {
		union {
			struct xtcp_info x;
			struct tcp_info t;
		} u;
		size_t n;

		lock_sock(sk);
		if (level == SOL_XTCP) {
			xtcp_get_info(sk, &u.x);
			n = min_t(size_t, len, sizeof(u.x));
		} else {
			xtcp_get_tcp_info(sk, &u.t);
			n = min_t(size_t, len, sizeof(u.t));
		}
		release_sock(sk);
		if (put_user(n, optlen) || copy_to_user(optval, &u, n))
			return -EFAULT;
		return 0;
	}

	switch (optname) {
	case XTCP_NODELAY:
		val = xs->nodelay;
		break;
	case XTCP_MAXSEG:
		val = xs->user_mss ?: xs->mss;
		break;
	case XTCP_KEEPIDLE:
		val = xs->keepidle ?: 7200;
		break;
	case XTCP_KEEPINTVL:
		val = xs->keepintvl ?: 75;
		break;
	case XTCP_KEEPCNT:
		val = xs->keepcnt ?: 9;
		break;
	case XTCP_SYNCNT:
		val = xs->syn_retries ?: READ_ONCE(xn->sysctl.syn_retries);
		break;
	case XTCP_USER_TIMEOUT:
		val = xs->user_timeout;
		break;
	case TCP_CORK:
		val = xs->user_cork;
		break;
	case TCP_QUICKACK:
		val = !xs->pingpong;	/* as TCP */
		break;
	case XTCP_DEFER_HANDSHAKE:
		val = xs->defer_handshake;
		break;
	default:
		return -ENOPROTOOPT;
	}
	/* As TCP: a shorter buffer gets the first bytes of the int. */
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}
