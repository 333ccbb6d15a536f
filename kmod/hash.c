// SPDX-License-Identifier: GPL-2.0
/*
 * The established table (full sockets by 4-tuple, from SYN-SENT until the
 * socket closes or becomes a TIME-WAIT entry) and the listener table (by
 * local port). Each table holds a reference on the sockets it contains, so
 * a lookup can take its own reference under the bucket lock and drop it.
 */
#include <linux/jhash.h>
#include "hash.h"

u32 xtcp_tuple_hash(const struct net *net, __be32 laddr, u16 lport,
		    __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    ((u32)lport << 16) | (__force u16)rport,
			    (u32)xtcp_secret.key[0] ^ net_hash_mix(net));
}

static struct xtcp_hbucket *xtcp_ehash_bucket_sk(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);

	return xtcp_hbucket(&xtcp_sk_net(sk)->ehash,
			    xtcp_tuple_hash(sock_net(sk), inet->inet_rcv_saddr,
					    inet->inet_num, inet->inet_daddr,
					    inet->inet_dport));
}

void xtcp_ehash_insert(struct sock *sk)
{
	struct xtcp_hbucket *b = xtcp_ehash_bucket_sk(sk);

	sock_hold(sk);
	spin_lock_bh(&b->lock);
	hlist_add_head(&xtcp_sk(sk)->ehash_node, &b->chain);
	xtcp_sk(sk)->in_ehash = 1;
	spin_unlock_bh(&b->lock);
}

void xtcp_ehash_remove(struct sock *sk)
{
	struct xtcp_hbucket *b;

	if (!xtcp_sk(sk)->in_ehash)
		return;
	b = xtcp_ehash_bucket_sk(sk);
	spin_lock_bh(&b->lock);
	hlist_del_init(&xtcp_sk(sk)->ehash_node);
	xtcp_sk(sk)->in_ehash = 0;
	spin_unlock_bh(&b->lock);
	sock_put(sk);
}

static bool xtcp_dev_match(const struct sock *sk, int dif)
{
	return !sk->sk_bound_dev_if || sk->sk_bound_dev_if == dif;
}

struct sock *xtcp_ehash_lookup(struct xtcp_net *xn, __be32 raddr,
			       __be16 rport, __be32 laddr, u16 lport, int dif)
{
	struct xtcp_hbucket *b;
	struct xtcp_sock *xs;
	struct sock *found = NULL;

	b = xtcp_hbucket(&xn->ehash,
			 xtcp_tuple_hash(xn->net, laddr, lport, raddr, rport));
	spin_lock_bh(&b->lock);
	hlist_for_each_entry(xs, &b->chain, ehash_node) {
		struct inet_sock *inet = &xs->inet;

		if (inet->inet_num == lport && inet->inet_dport == rport &&
		    inet->inet_daddr == raddr &&
		    inet->inet_rcv_saddr == laddr &&
		    xtcp_dev_match(&inet->sk, dif)) {
			found = &inet->sk;
			sock_hold(found);
			break;
		}
	}
	spin_unlock_bh(&b->lock);
	return found;
}

static struct xtcp_hbucket *xtcp_lhash_bucket(struct xtcp_net *xn, u16 port)
{
	return xtcp_hbucket(&xn->lhash, port);
}

void xtcp_lhash_insert(struct sock *sk)
{
	struct xtcp_hbucket *b =
		xtcp_lhash_bucket(xtcp_sk_net(sk), inet_sk(sk)->inet_num);

	sock_hold(sk);
	spin_lock_bh(&b->lock);
	hlist_add_head(&xtcp_sk(sk)->listen_node, &b->chain);
	xtcp_sk(sk)->in_lhash = 1;
	spin_unlock_bh(&b->lock);
}

void xtcp_lhash_remove(struct sock *sk)
{
	struct xtcp_hbucket *b;

	if (!xtcp_sk(sk)->in_lhash)
		return;
	b = xtcp_lhash_bucket(xtcp_sk_net(sk), inet_sk(sk)->inet_num);
	spin_lock_bh(&b->lock);
	hlist_del_init(&xtcp_sk(sk)->listen_node);
	xtcp_sk(sk)->in_lhash = 0;
	spin_unlock_bh(&b->lock);
	sock_put(sk);
}

/*
 * SO_REUSEPORT (docs/protocol.md §10.4): the listeners on one address,
 * port and device that all set SO_REUSEPORT form a group (bind() and
 * listen() let no other socket in, ports.c). A connection request picks
 * one member by rendezvous hashing: each member scores
 * hash(4-tuple, its own random key) and the highest wins. The same
 * 4-tuple picks the same member as long as the group is unchanged, so a
 * SYN's retransmissions, its final ACK and a cookie's ACK all reach the
 * listener that holds (or sent) it; a member leaving moves only the
 * 4-tuples that were its own, a member joining takes only the ones it now
 * wins. Called under the bucket lock.
 */
static struct sock *xtcp_reuseport_pick(struct xtcp_hbucket *b,
					struct sock *first, u32 thash)
{
	struct inet_sock *i1 = inet_sk(first);
	struct sock *best = first;
	u32 best_score = jhash_1word(thash, xtcp_sk(first)->lq.reuseport_key);
	struct xtcp_sock *xs;

	hlist_for_each_entry(xs, &b->chain, listen_node) {
		struct sock *sk2 = &xs->inet.sk;
		u32 score;

		if (sk2 == first || !sk2->sk_reuseport ||
		    xs->inet.inet_num != i1->inet_num ||
		    xs->inet.inet_rcv_saddr != i1->inet_rcv_saddr ||
		    sk2->sk_bound_dev_if != first->sk_bound_dev_if)
			continue;
		score = jhash_1word(thash, xs->lq.reuseport_key);
		/* Ties (1 in 2^32) go to the lower key: still stable. */
		if (score > best_score ||
		    (score == best_score &&
		     xs->lq.reuseport_key < xtcp_sk(best)->lq.reuseport_key)) {
			best = sk2;
			best_score = score;
		}
	}
	return best;
}

/*
 * A listener bound to the exact address wins over one bound to ANY; among
 * a SO_REUSEPORT group's members, the 4-tuple (@raddr, @rport) chooses.
 * diag.c, which has no 4-tuple, passes 0, 0: the choice is still one of
 * the group.
 */
struct sock *xtcp_lhash_lookup(struct xtcp_net *xn, __be32 laddr, u16 lport,
			       __be32 raddr, __be16 rport, int dif)
{
	struct xtcp_hbucket *b = xtcp_lhash_bucket(xn, lport);
	struct sock *best = NULL;
	struct xtcp_sock *xs;

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(xs, &b->chain, listen_node) {
		struct inet_sock *inet = &xs->inet;

		if (inet->inet_num != lport || !xtcp_dev_match(&inet->sk, dif))
			continue;
		if (inet->inet_rcv_saddr == laddr) {
			best = &inet->sk;
			break;
		}
		if (inet->inet_rcv_saddr == htonl(INADDR_ANY) && !best)
			best = &inet->sk;
	}
	if (best && best->sk_reuseport)
		best = xtcp_reuseport_pick(b, best,
					   xtcp_tuple_hash(xn->net, laddr,
							   lport, raddr,
							   rport));
	if (best)
		sock_hold(best);
	spin_unlock_bh(&b->lock);
	return best;
}

/* The listener on @laddr:@lport whose socket cookie is @cookie. */
struct sock *xtcp_lhash_lookup_cookie(struct xtcp_net *xn, __be32 laddr,
				      u16 lport, u64 cookie)
{
	struct xtcp_hbucket *b = xtcp_lhash_bucket(xn, lport);
	struct sock *found = NULL;
	struct xtcp_sock *xs;

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(xs, &b->chain, listen_node) {
		if (xs->inet.inet_num == lport &&
		    xs->inet.inet_rcv_saddr == laddr &&
		    atomic64_read(&xs->inet.sk.sk_cookie) == cookie) {
			found = &xs->inet.sk;
			sock_hold(found);
			break;
		}
	}
	spin_unlock_bh(&b->lock);
	return found;
}

/* Take a socket out of every table: it no longer receives segments. */
void xtcp_unhash(struct sock *sk)
{
	xtcp_lhash_remove(sk);
	xtcp_ehash_remove(sk);
}
