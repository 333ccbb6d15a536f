// SPDX-License-Identifier: GPL-2.0
/*
 * Local ports: bind(), the ephemeral choice for connect() (RFC 6056), and
 * the rules for sharing a port. Every socket and TIME-WAIT entry using a
 * local port sits in that port's bind bucket, and every decision about the
 * port is taken under the bucket's lock, so two connect()s can never pick
 * the same 4-tuple and a TIME-WAIT entry can never be overlooked.
 */
#include "hash.h"
#include "timewait.h"

struct xtcp_bbucket *xtcp_bbucket(struct xtcp_net *xn, u16 port)
{
	return &xn->bhash.buckets[port & xn->bhash.mask];
}

static bool xtcp_addr_overlap(__be32 a, __be32 b)
{
	return a == htonl(INADDR_ANY) || b == htonl(INADDR_ANY) || a == b;
}

static bool xtcp_dev_overlap(int a, int b)
{
	return !a || !b || a == b;
}

/*
 * SO_REUSEPORT (docs/protocol.md §10.4), as Linux TCP: two sockets share
 * an address and port, listening or not, when both set the option before
 * bind() and have the same owner (sk_uid, the effective uid that created
 * them). Caller holds the bucket lock.
 */
static bool xtcp_reuseport_ok(struct sock *sk, struct sock *sk2)
{
	return sk->sk_reuseport && sk2->sk_reuseport &&
	       uid_eq(sock_i_uid(sk), sock_i_uid(sk2));
}

/*
 * May @sk bind @addr:@port? As Linux TCP: two sockets share a port only if
 * both asked for SO_REUSEADDR and the other one is not listening, or both
 * asked for SO_REUSEPORT under the same uid. A TIME-WAIT entry yields when
 * both the binder and the socket it came from had SO_REUSEADDR (the usual
 * server restart), or both had SO_REUSEPORT (TCP checks no uid there).
 */
static bool xtcp_bind_conflict(struct xtcp_bbucket *bb, struct sock *sk,
			       __be32 addr, u16 port)
{
	struct xtcp_sock *xs;
	struct xtcp_tw *tw;

	hlist_for_each_entry(xs, &bb->socks, bind_node) {
		struct sock *sk2 = xtcp_to_sk(xs);

		if (sk2 == sk || xs->inet.inet_num != port)
			continue;
		if (!xtcp_addr_overlap(addr, xs->inet.inet_rcv_saddr) ||
		    !xtcp_dev_overlap(sk->sk_bound_dev_if, sk2->sk_bound_dev_if))
			continue;
		if (sk->sk_reuse && sk2->sk_reuse && sk2->sk_state != TCP_LISTEN)
			continue;
		if (xtcp_reuseport_ok(sk, sk2))
			continue;
		return true;
	}
	hlist_for_each_entry(tw, &bb->tws, bind_node) {
		if (tw->lport != port || !xtcp_addr_overlap(addr, tw->laddr))
			continue;
		if (sk->sk_reuse && tw->reuse)
			continue;
		if (sk->sk_reuseport && tw->reuseport)
			continue;
		return true;
	}
	return false;
}

static bool xtcp_port_unused(struct xtcp_bbucket *bb, u16 port)
{
	struct xtcp_sock *xs;
	struct xtcp_tw *tw;

	hlist_for_each_entry(xs, &bb->socks, bind_node)
		if (xs->inet.inet_num == port)
			return false;
	hlist_for_each_entry(tw, &bb->tws, bind_node)
		if (tw->lport == port)
			return false;
	return true;
}

/* Caller holds the bucket lock. */
static void xtcp_bhash_add(struct xtcp_bbucket *bb, struct sock *sk, u16 port)
{
	struct inet_sock *inet = inet_sk(sk);

	inet->inet_num = port;
	inet->inet_sport = htons(port);
	sock_hold(sk);
	hlist_add_head(&xtcp_sk(sk)->bind_node, &bb->socks);
	xtcp_sk(sk)->in_bhash = 1;
}

int xtcp_bind_port(struct sock *sk, __be32 addr, u16 port)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_bbucket *bb;
	int low, high, n, i, start;

	if (port) {
		bb = xtcp_bbucket(xn, port);
		spin_lock_bh(&bb->lock);
		if (xtcp_bind_conflict(bb, sk, addr, port)) {
			spin_unlock_bh(&bb->lock);
			return -EADDRINUSE;
		}
		goto take;
	}

	/* Port 0: a random free port of the ephemeral range. */
	xtcp_local_port_range(xn, &low, &high);
	n = high - low + 1;
	start = xtcp_random_below(n);
	for (i = 0; i < n; i++) {
		port = low + (start + i) % n;
		bb = xtcp_bbucket(xn, port);
		spin_lock_bh(&bb->lock);
		if (xtcp_port_unused(bb, port))
			goto take;
		spin_unlock_bh(&bb->lock);
		cond_resched();
	}
	return -EADDRINUSE;

take:
	inet_sk(sk)->inet_rcv_saddr = addr;
	inet_sk(sk)->inet_saddr = addr;
	xtcp_bhash_add(bb, sk, port);
	xtcp_sk(sk)->user_bound = 1;
	spin_unlock_bh(&bb->lock);
	return 0;
}

/*
 * Is the 4-tuple (@laddr:@lport, @raddr:@rport) in use by another? A
 * TIME-WAIT entry connect() may take over (xtcp_tw_reusable()) is not,
 * and is left in *@reuse.
 */
static bool xtcp_tuple_busy(struct xtcp_bbucket *bb, struct sock *sk,
			    __be32 laddr, u16 lport, __be32 raddr,
			    __be16 rport, struct xtcp_tw **reuse)
{
	struct xtcp_sock *xs;
	struct xtcp_tw *tw;

	hlist_for_each_entry(xs, &bb->socks, bind_node) {
		struct inet_sock *i2 = &xs->inet;

		if (xtcp_to_sk(xs) == sk || i2->inet_num != lport)
			continue;
		if (xs->in_ehash && i2->inet_rcv_saddr == laddr &&
		    i2->inet_daddr == raddr && i2->inet_dport == rport)
			return true;
	}
	*reuse = NULL;
	hlist_for_each_entry(tw, &bb->tws, bind_node) {
		if (tw->lport == lport && tw->laddr == laddr &&
		    tw->raddr == raddr && tw->rport == rport) {
			if (!xtcp_tw_reusable(tw, xtcp_sk_net(sk)))
				return true;
			*reuse = tw;
			return false;
		}
	}
	return false;
}

/* Connecting: out of the bucket's TIME-WAIT list, into the tables. */
static void xtcp_connect_hash(struct xtcp_bbucket *bb, struct sock *sk,
			      struct xtcp_tw *tw, struct xtcp_tw_inherit *inh)
{
	if (tw)
		xtcp_tw_reuse_unlink(tw, inh);
	inet_sk(sk)->inet_rcv_saddr = inet_sk(sk)->inet_saddr;
	xtcp_ehash_insert(sk);
}

/* A port someone bound or listens on is not lent to connect(). */
static bool xtcp_port_reserved(struct xtcp_bbucket *bb, u16 port)
{
	struct xtcp_sock *xs;

	hlist_for_each_entry(xs, &bb->socks, bind_node)
		if (xs->inet.inet_num == port &&
		    (xs->user_bound || xs->inet.sk.sk_state == TCP_LISTEN))
			return true;
	return false;
}

/*
 * Give a connecting socket its local port (if it has none) and enter it in
 * the established table, atomically with the check that its 4-tuple is
 * unique. Ports follow RFC 6056 algorithm 4: a keyed hash of the
 * destination picks the starting point, a perturbation table indexed by
 * other bits of that hash moves it on after every use. Returns -EADDRNOTAVAIL when
 * every port of the range is taken for this destination.
 */
int xtcp_hash_connect(struct sock *sk, struct xtcp_tw_inherit *inh)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_bbucket *bb;
	struct xtcp_tw *tw;
	int low, high, n, i;
	u32 offset, idx;
	u16 port;

	inh->isn = 0;
	if (inet->inet_num) {
		port = inet->inet_num;
		bb = xtcp_bbucket(xn, port);
		spin_lock_bh(&bb->lock);
		if (xtcp_tuple_busy(bb, sk, inet->inet_saddr, port,
				    inet->inet_daddr, inet->inet_dport, &tw)) {
			spin_unlock_bh(&bb->lock);
			return -EADDRNOTAVAIL;
		}
		xtcp_connect_hash(bb, sk, tw, inh);
		spin_unlock_bh(&bb->lock);
		if (tw)
			xtcp_tw_reuse_finish(tw);
		return 0;
	}

	xtcp_local_port_range(xn, &low, &high);
	n = high - low + 1;
	offset = xtcp_port_offset(inet->inet_saddr, inet->inet_daddr,
				  inet->inet_dport);
	idx = (offset >> 16) & (ARRAY_SIZE(xn->port_perturb) - 1);
	offset += READ_ONCE(xn->port_perturb[idx]);

	for (i = 0; i < n; i++) {
		port = low + (offset + i) % n;
		bb = xtcp_bbucket(xn, port);
		spin_lock_bh(&bb->lock);
		if (xtcp_port_reserved(bb, port) ||
		    xtcp_tuple_busy(bb, sk, inet->inet_saddr, port,
				    inet->inet_daddr, inet->inet_dport, &tw)) {
			spin_unlock_bh(&bb->lock);
			if (!(i & 63))
				cond_resched();
			continue;
		}
		xtcp_bhash_add(bb, sk, port);
		xtcp_connect_hash(bb, sk, tw, inh);
		spin_unlock_bh(&bb->lock);
		if (tw)
			xtcp_tw_reuse_finish(tw);
		WRITE_ONCE(xn->port_perturb[idx],
			   READ_ONCE(xn->port_perturb[idx]) + i + 2);
		return 0;
	}
	return -EADDRNOTAVAIL;
}

void xtcp_put_port(struct sock *sk)
{
	struct xtcp_bbucket *bb;

	if (!xtcp_sk(sk)->in_bhash)
		return;
	bb = xtcp_bbucket(xtcp_sk_net(sk), inet_sk(sk)->inet_num);
	spin_lock_bh(&bb->lock);
	hlist_del_init(&xtcp_sk(sk)->bind_node);
	xtcp_sk(sk)->in_bhash = 0;
	spin_unlock_bh(&bb->lock);
	xtcp_sk(sk)->user_bound = 0;
	inet_sk(sk)->inet_num = 0;
	inet_sk(sk)->inet_sport = 0;
	sock_put(sk);
}

/*
 * listen(): bind() let SO_REUSEADDR sockets share a port; two listeners on
 * overlapping addresses never may, unless both have SO_REUSEPORT and the
 * same uid (they then form a group, hash.c). Checked and entered into LISTEN under
 * the bucket lock so that two racing listen() calls cannot both win.
 */
int xtcp_listen_port_check(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_bbucket *bb = xtcp_bbucket(xtcp_sk_net(sk), inet->inet_num);
	struct xtcp_sock *xs;
	int err = 0;

	spin_lock_bh(&bb->lock);
	hlist_for_each_entry(xs, &bb->socks, bind_node) {
		struct sock *sk2 = xtcp_to_sk(xs);

		if (sk2 == sk || xs->inet.inet_num != inet->inet_num)
			continue;
		if (!xtcp_addr_overlap(inet->inet_rcv_saddr,
				       xs->inet.inet_rcv_saddr) ||
		    !xtcp_dev_overlap(sk->sk_bound_dev_if, sk2->sk_bound_dev_if))
			continue;
		if (xtcp_reuseport_ok(sk, sk2))
			continue;
		if (sk2->sk_state == TCP_LISTEN || !sk->sk_reuse ||
		    !sk2->sk_reuse) {
			err = -EADDRINUSE;
			break;
		}
	}
	if (!err)
		xtcp_set_state(sk, TCP_LISTEN);
	spin_unlock_bh(&bb->lock);
	return err;
}

/* An accepted child shares its listener's port. */
void xtcp_inherit_port(struct sock *child, struct sock *parent)
{
	u16 port = inet_sk(parent)->inet_num;
	struct xtcp_bbucket *bb = xtcp_bbucket(xtcp_sk_net(parent), port);

	spin_lock_bh(&bb->lock);
	xtcp_bhash_add(bb, child, port);
	spin_unlock_bh(&bb->lock);
}
