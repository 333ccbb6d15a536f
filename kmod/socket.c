// SPDX-License-Identifier: GPL-2.0
/*
 * The socket family: socket(AF_XTCP, SOCK_STREAM, 0), the proto_ops table,
 * and the calls that are not about connecting or listening: bind, getname,
 * poll, shutdown, close, ioctl. Addresses are plain struct sockaddr_in, as
 * AF_SMC does, so existing address code works unchanged.
 */
#include <linux/bpf-cgroup.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sockios.h>
#include <linux/termios.h>
#include <net/ip.h>
#include <net/route.h>
#include "hash.h"
#include "timewait.h"

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xtcp_sock),
	.backlog_rcv	= xtcp_backlog_rcv,
	.keepalive	= xtcp_set_keepalive,
	.diag_destroy	= xtcp_abort,
};

/*
 * The last thing before the memory goes (__sk_destruct()): what
 * inet_sock_destruct() releases for TCP and the core does not. The route
 * that connect() or the final ACK cached with sk_setup_caps(): without it
 * every connection leaked a reference on its route, which pinned the
 * rtable for good. And the ICMP errors that IP_RECVERR queued and the
 * application never read (xtcp_icmp_queue_err(): a clone of the ICMP
 * packet each). Both leaks were found by kmemleak in make check-debug.
 * (inet_opt stays NULL: IP_OPTIONS is refused, sockopt.c.)
 */
static void xtcp_sock_destruct(struct sock *sk)
{
	__skb_queue_purge(&sk->sk_error_queue);
	dst_release(rcu_dereference_protected(sk->sk_dst_cache, 1));
	RCU_INIT_POINTER(sk->sk_dst_cache, NULL);
}

void xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	INIT_HLIST_NODE(&xs->ehash_node);
	INIT_HLIST_NODE(&xs->bind_node);
	INIT_HLIST_NODE(&xs->listen_node);
	INIT_LIST_HEAD(&xs->accept_node);
	INIT_LIST_HEAD(&xs->lq.accept_q);
	sk->sk_state = TCP_CLOSE;
	/*
	 * An IPv4 socket to the core stack, as MPTCP's is: the family, like
	 * its addresses, is AF_INET, and XTCP is told apart by its protocol
	 * (253). cgroup-BPF (__cgroup_bpf_run_filter_skb() and the sock_addr
	 * runner return 0 for any other family) only sees sockets of AF_INET
	 * or AF_INET6, so with AF_XTCP here a CGROUP_SKB drop program
	 * (systemd's IPAddressDeny=) never saw our traffic. The socket is
	 * still made through AF_XTCP's net_proto_family with our own
	 * proto_ops; set here, after sk_alloc() and sock_init_data(), the
	 * lockdep classes and security_sk_alloc() keep AF_XTCP's family.
	 * What else reads sk_family and now behaves differently (SO_DOMAIN,
	 * SO_REUSEPORT, LSMs): docs/protocol.md §27.4.
	 */
	sk->sk_family = AF_INET;
	sk->sk_protocol = xtcp_ipproto;
	sk->sk_write_space = xtcp_write_space;
	sk->sk_backlog_rcv = xtcp_backlog_rcv;
	sk->sk_destruct = xtcp_sock_destruct;
	sk->sk_allocation = GFP_KERNEL;
	/* Sent segments are owned (skb_set_owner_w()): write space is
	 * announced when ACKs free the write queue, not at every skb the
	 * device frees (sock_wfree() would call sk_write_space each time). */
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	inet->uc_ttl = -1;
	inet->mc_ttl = 1;
	inet->mc_index = 0;
	inet->mc_list = NULL;
	/* DF on every segment, and the path MTU learned from ICMP (pmtu.c),
	 * as TCP's default (net.ipv4.ip_no_pmtu_disc 0). */
	inet->pmtudisc = READ_ONCE(sock_net(sk)->ipv4.sysctl_ip_no_pmtu_disc) ?
			 IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;
	/* Large segments (offload.c): sk_setup_caps() then tells whether
	 * the route takes them (sk_can_gso()). */
	sk->sk_gso_type = xtcp_gso_type();
	atomic_set(&inet->inet_id, get_random_u16());
	xs->advmss = XTCP_MSS_DEFAULT;
	xs->mss = XTCP_MSS_DEFAULT;
	xs->ooo_queue = RB_ROOT;
	xtcp_cc_init(sk);
	xtcp_rtt_init(sk);
	xtcp_init_timers(sk);
}

/*
 * The end of a socket that nobody will use again: called with the socket
 * locked, in CLOSE, orphaned. Drops the reference the user (or the accept
 * queue) held.
 */
void xtcp_destroy_sock(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->destroyed)
		return;
	xs->destroyed = 1;
	xtcp_clear_timers(sk);
	xtcp_write_queue_purge(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	xtcp_ofo_purge(sk);
	xtcp_unhash(sk);
	xtcp_put_port(sk);
	xtcp_synq_free(sk);
	if (xs->orphan_counted)
		atomic_dec(&xtcp_sk_net(sk)->orphan_count);
	sock_put(sk);
}

/*
 * A socket the application closed that must live on (its FIN, its data or
 * FIN-WAIT-2 still to come) is an orphan, and nobody will ever read its
 * errors. Like tcp_check_oom() (tcp_max_orphans), a namespace holds at
 * most net.xtcp.max_orphans of them: past that, a peer that never answers
 * could make the host keep any number of closed connections, so the new
 * orphan is reset and freed at once. True when @sk was aborted.
 */
static bool xtcp_orphan_too_many(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->orphan_counted = 1;
	if (atomic_inc_return(&xn->orphan_count) <=
	    READ_ONCE(xn->sysctl.max_orphans))
		return false;
	XTCP_INC_STATS(xn, ABORTONMEMORY);
	net_info_ratelimited("xtcp: too many orphaned sockets\n");
	if (sk->sk_state != TCP_SYN_SENT)
		xtcp_send_active_reset(sk, GFP_ATOMIC);
	xs->close_reason = XTCP_CLOSE_RESET_SENT;
	xtcp_done(sk);		/* SOCK_DEAD: destroys it */
	return true;
}

/*
 * SOCK_DESTROY (xtcpstat -K, through sock_diag_destroy(), which checked
 * CAP_NET_ADMIN): what tcp_abort() does for ss -K. The application sees
 * @err (ECONNABORTED) at its next call; the peer of a synchronized
 * connection gets an RST. A listener stops listening, and its queued
 * children are reset. An orphan (SOCK_DEAD) is left to its own end, as
 * TCP leaves it: nobody would read the error, and its timers finish it.
 */
int xtcp_abort(struct sock *sk, int err)
{
	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		xtcp_listen_stop(sk);
		xtcp_set_state(sk, TCP_CLOSE);
	}
	local_bh_disable();
	bh_lock_sock(sk);
	if (!sock_flag(sk, SOCK_DEAD) && sk->sk_state != TCP_CLOSE) {
		WRITE_ONCE(sk->sk_err, err);
		smp_wmb();	/* sk_err before the state, read in poll */
		sk_error_report(sk);
		if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
					   TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
					   TCPF_SYN_RECV | TCPF_CLOSING |
					   TCPF_LAST_ACK))
			xtcp_send_active_reset(sk, GFP_ATOMIC);
		xtcp_sk(sk)->close_reason = XTCP_CLOSE_RESET_SENT;
		xtcp_write_queue_purge(sk);
		xtcp_ofo_purge(sk);
		xtcp_done(sk);
	} else if (!sock_flag(sk, SOCK_DEAD)) {
		/* A listener just stopped, or a socket never connected. */
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	bh_unlock_sock(sk);
	local_bh_enable();
	release_sock(sk);
	return 0;
}

/* Segments that arrived while the user held the socket. */
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	/* The receive path expects softirq context, as from xtcp_v4_rcv(). */
	local_bh_disable();
	xtcp_rcv_state_process(sk, skb);
	local_bh_enable();
	return 0;
}

static int xtcp_check_sin(const struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)uaddr;

	if (addr_len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	if (sin->sin_family != AF_INET) {
		/* As inet_bind(): AF_UNSPEC passes only for INADDR_ANY. */
		if (sin->sin_family != AF_UNSPEC ||
		    sin->sin_addr.s_addr != htonl(INADDR_ANY))
			return -EAFNOSUPPORT;
	}
	return 0;
}

static int xtcp_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	struct net *net = sock_net(sk);
	__be32 addr;
	u16 port;
	int err;

	err = xtcp_check_sin(uaddr, addr_len);
	if (err)
		return err;
	addr = sin->sin_addr.s_addr;
	port = ntohs(sin->sin_port);
	if (addr != htonl(INADDR_ANY) &&
	    inet_addr_type(net, addr) != RTN_LOCAL)
		return -EADDRNOTAVAIL;
	if (port && inet_port_requires_bind_service(net, port) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet_sk(sk)->inet_num)
		goto out;
	err = xtcp_bind_port(sk, addr, port);
	if (!err)
		sk_dst_reset(sk);
out:
	release_sock(sk);
	return err;
}

static int xtcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, uaddr);
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	int err = sizeof(*sin);

	lock_sock(sk);
	sin->sin_family = AF_INET;
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1)) {
			err = -ENOTCONN;
			goto out;
		}
		sin->sin_port = inet->inet_dport;
		sin->sin_addr.s_addr = inet->inet_daddr;
	} else {
		sin->sin_port = inet->inet_sport;
		sin->sin_addr.s_addr = inet->inet_rcv_saddr ?: inet->inet_saddr;
	}
	memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
out:
	release_sock(sk);
	return err;
}

/* Readiness as tcp_poll() reports it, state by state. */
static __poll_t xtcp_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN) {
		/* POLLIN: accept() will not block; POLLPRI: an arrival waits
		 * for XTCP_ARRIVAL (docs/protocol.md §30). */
		if (!list_empty_careful(&xs->lq.accept_q))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (READ_ONCE(xs->lq.arrivals_untaken))
			mask |= EPOLLPRI;
		return mask;
	}

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (READ_ONCE(xs->rcv_nxt) != READ_ONCE(xs->copied_seq) &&
		    !skb_queue_empty_lockless(&sk->sk_receive_queue))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* Re-check after publishing NOSPACE. */
				smp_mb__after_atomic();
				if (sk_stream_is_writeable(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int xtcp_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/* SHUT_RD (0) -> RCV_SHUTDOWN (1), SHUT_WR -> SEND_SHUTDOWN, both. */
	how++;
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		fallthrough;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if ((how & SEND_SHUTDOWN) &&
		    ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_SYN_RECV |
					    TCPF_CLOSE_WAIT)) &&
		    xtcp_close_state(sk))
			xtcp_send_fin(sk);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		/* Abort the attempt (or stop listening), as TCP does. */
		if (sk->sk_state == TCP_LISTEN)
			xtcp_listen_stop(sk);
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_clear_timers(sk);
		xtcp_write_queue_purge(sk);
		sock->state = SS_UNCONNECTED;
		break;
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

/* Bytes queued for the reader that it has not taken yet. */
static int xtcp_unread_bytes(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	int n = 0;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 start = XTCP_SKB_CB(skb)->seq;
		u32 end = start + skb->len;

		if (xtcp_before(start, xs->copied_seq))
			start = xs->copied_seq;
		if (xtcp_after(end, start))
			n += end - start;
	}
	return n;
}

static void xtcp_close(struct sock *sk, long timeout)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	int unread, state;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		xtcp_listen_stop(sk);
		xtcp_set_state(sk, TCP_CLOSE);
		goto adjudge_to_death;
	}

	unread = xtcp_unread_bytes(sk);
	__skb_queue_purge(&sk->sk_receive_queue);

	if (sk->sk_state == TCP_CLOSE)
		goto adjudge_to_death;

	if (unread) {
		/* RFC 2525 2.17: unread data is lost, tell the peer with RST. */
		XTCP_INC_STATS(xn, ABORTONCLOSE);
		xtcp_send_active_reset(sk, sk->sk_allocation);
		xtcp_sk(sk)->close_reason = XTCP_CLOSE_RESET_SENT;
		xtcp_set_state(sk, TCP_CLOSE);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* SO_LINGER {1, 0}: abort. */
		XTCP_INC_STATS(xn, ABORTONLINGER);
		if ((1 << sk->sk_state) & ~(TCPF_SYN_SENT | TCPF_CLOSE))
			xtcp_send_active_reset(sk, sk->sk_allocation);
		xtcp_sk(sk)->close_reason = XTCP_CLOSE_RESET_SENT;
		xtcp_set_state(sk, TCP_CLOSE);
	} else if (xtcp_close_state(sk)) {
		xtcp_send_fin(sk);
	}

	/* SO_LINGER {1, t}: wait until our FIN is acknowledged or t passes. */
	sk_stream_wait_close(sk, timeout);

adjudge_to_death:
	state = sk->sk_state;
	sock_hold(sk);
	sock_orphan(sk);
	release_sock(sk);	/* runs the backlog: may close and destroy */

	local_bh_disable();
	bh_lock_sock(sk);
	if (state != TCP_CLOSE && sk->sk_state == TCP_CLOSE)
		goto out;	/* destroyed while processing the backlog */
	if (sk->sk_state != TCP_CLOSE && xtcp_orphan_too_many(sk))
		goto out;
	if (sk->sk_state == TCP_FIN_WAIT2)
		xtcp_arm_fin_wait2(sk);
	if (sk->sk_state == TCP_CLOSE)
		xtcp_destroy_sock(sk);
out:
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

static int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	long timeout = 0;

	if (!sk)
		return 0;
	if (sock_flag(sk, SOCK_LINGER) && !(current->flags & PF_EXITING))
		timeout = sk->sk_lingertime;
	xtcp_close(sk, timeout);
	sock->sk = NULL;
	return 0;
}

static int xtcp_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = xtcp_unread_bytes(sk);
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una);
		if (xs->fin_queued && answ > 0)
			answ--;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_CLOSE))
			answ = 0;
		break;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_nxt);
		if (answ < 0)
			answ = 0;
		break;
	case SIOCATMARK:
		/* No urgent data in XTCP: never at a mark (TCP's answer when
		 * none is pending). */
		answ = 0;
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

static int xtcp_ops_listen(struct socket *sock, int backlog)
{
	return xtcp_listen(sock, backlog);
}

XTCP_ACCEPT_OP(xtcp_ops_accept, xtcp_accept)

static struct proto_ops xtcp_stream_ops = {
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= xtcp_bind,
	.connect	= xtcp_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= xtcp_ops_accept,
	.getname	= xtcp_getname,
	.poll		= xtcp_poll,
	.ioctl		= xtcp_ioctl,
	.listen		= xtcp_ops_listen,
	.shutdown	= xtcp_shutdown,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	XTCP_SENDPAGE_OP(xtcp_sendpage)
	.splice_read	= xtcp_splice_read,
	.read_sock	= xtcp_read_sock,
	.mmap		= sock_no_mmap,
	.gettstamp	= sock_gettstamp,	/* SIOCGSTAMP: ENOENT, as TCP */
};

static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	/* As inet_create(): a protocol no IP header can carry is EINVAL. */
	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != IPPROTO_TCP &&
	    protocol != xtcp_ipproto)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, xtcp_family, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOBUFS;
	sock->ops = &xtcp_stream_ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	xtcp_init_sock(sk);
	/* As inet_create(): a user socket meets the cgroup's INET_SOCK_CREATE
	 * programs (cgroup/sock: they may set the bound device, mark and
	 * priority, or refuse, EPERM). __cgroup_bpf_run_filter_sk() checks
	 * no family; the static key and it are exported. */
	if (!kern) {
		int err = BPF_CGROUP_RUN_PROG_INET_SOCK(sk);

		if (err) {
			/* __sock_create() drops sock->ops on an error and
			 * so never calls our release: free the sock here. */
			xtcp_release(sock);
			return err;
		}
	}
	return 0;
}

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

int xtcp_socket_init(void)
{
	int err;

	err = proto_register(&xtcp_prot, 1);
	if (err)
		return err;
	xtcp_stream_ops.family = xtcp_family;
	xtcp_family_ops.family = xtcp_family;
	err = sock_register(&xtcp_family_ops);
	if (err) {
		proto_unregister(&xtcp_prot);
		return err;
	}
	return 0;
}

void xtcp_socket_exit(void)
{
	sock_unregister(xtcp_family);
	proto_unregister(&xtcp_prot);
}
