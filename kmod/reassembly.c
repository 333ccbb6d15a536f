// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-order queue: segments that arrived beyond a hole wait here,
 * in an rbtree by sequence number, trimmed so that no two overlap, charged
 * to the receive buffer like in-order data (so the queue is bounded by
 * SO_RCVBUF). When the hole is filled they move to the receive queue in
 * one go, and a single retransmission repairs the stream.
 *
 * The same tree is what our SACK blocks (RFC 2018) describe. A segment
 * that brings only what we hold already is reported once as a D-SACK
 * (RFC 2883), the first block of the next ACK: the sender learns from it
 * that its retransmission was spurious (undo.c).
 */
#include <linux/rbtree.h>
#include "hash.h"

static inline u32 xtcp_skb_end(const struct sk_buff *skb)
{
	return XTCP_SKB_CB(skb)->seq + skb->len;
}

static inline struct sk_buff *xtcp_rb_skb(struct rb_node *n)
{
	return n ? rb_entry(n, struct sk_buff, rbnode) : NULL;
}

/*
 * Out of the queue. The count is kept for xtcp_get_info(), which diag
 * calls without the socket lock: it must never walk the tree.
 */
static void xtcp_ofo_erase(struct xtcp_sock *xs, struct sk_buff *skb)
{
	rb_erase(&skb->rbnode, &xs->ooo_queue);
	WRITE_ONCE(xs->ooo_segs, xs->ooo_segs - 1);
}

/*
 * Insert @skb (seq > RCV.NXT). Returns 0 when queued, -EEXIST when it
 * brought nothing new, -ENOBUFS when the receive buffer is full. The
 * caller frees the skb on error.
 */
int xtcp_ofo_queue(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct rb_node **p = &xs->ooo_queue.rb_node, *parent = NULL;
	struct sk_buff *prev = NULL, *next;
	u32 seq = cb->seq, end = xtcp_skb_end(skb);

	/* Find the last segment starting at or before us. */
	while (*p) {
		struct sk_buff *cur = xtcp_rb_skb(*p);

		parent = *p;
		if (xtcp_before(seq, XTCP_SKB_CB(cur)->seq)) {
			p = &parent->rb_left;
		} else {
			prev = cur;
			p = &parent->rb_right;
		}
	}
	/* Trim what the predecessor already holds. */
	if (prev && xtcp_after(xtcp_skb_end(prev), seq)) {
		u32 dup = xtcp_skb_end(prev) - seq;

		if (!xtcp_after(end, xtcp_skb_end(prev)) &&
		    (!(cb->flags & XTCP_F_FIN) ||
		     (XTCP_SKB_CB(prev)->flags & XTCP_F_FIN))) {
			xtcp_dsack_set(sk, seq, end, true);
			return -EEXIST;
		}
		xtcp_dsack_set(sk, seq, min(end, xtcp_skb_end(prev)), true);
		if (dup >= skb->len)
			dup = skb->len;
		if (!pskb_pull(skb, dup))
			return -ENOMEM;
		cb->seq += dup;
		seq = cb->seq;
	}
	/* Drop successors we cover entirely; trim against the first we don't. */
	next = prev ? xtcp_rb_skb(rb_next(&prev->rbnode)) :
		      xtcp_rb_skb(rb_first(&xs->ooo_queue));
	while (next && !xtcp_before(end, xtcp_skb_end(next)) &&
	       !xtcp_after(seq, XTCP_SKB_CB(next)->seq) &&
	       !(XTCP_SKB_CB(next)->flags & XTCP_F_FIN)) {
		struct sk_buff *victim = next;

		next = xtcp_rb_skb(rb_next(&victim->rbnode));
		xtcp_ofo_erase(xs, victim);
		kfree_skb(victim);
	}
	if (next && xtcp_after(end, XTCP_SKB_CB(next)->seq)) {
		if (pskb_trim(skb, XTCP_SKB_CB(next)->seq - seq))
			return -ENOMEM;
		cb->flags &= ~XTCP_F_FIN;
		end = xtcp_skb_end(skb);
	}
	if (!skb->len && !(cb->flags & XTCP_F_FIN))
		return -EEXIST;

	if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    (unsigned int)READ_ONCE(sk->sk_rcvbuf))
		return -ENOBUFS;

	/* The tree may have changed below prev: find our place again. */
	p = &xs->ooo_queue.rb_node;
	parent = NULL;
	while (*p) {
		parent = *p;
		if (xtcp_before(seq, XTCP_SKB_CB(xtcp_rb_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	skb_set_owner_r(skb, sk);
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &xs->ooo_queue);
	WRITE_ONCE(xs->ooo_segs, xs->ooo_segs + 1);
	xs->ooo_last_seq = seq;
	XTCP_INC_STATS(xtcp_sk_net(sk), OFOQUEUE);
	return 0;
}

/*
 * RCV.NXT moved: whatever now follows it in order goes to the receive
 * queue. Returns true if the peer's FIN is now next (the caller processes
 * it). Everything queued beyond a FIN is discarded.
 */
bool xtcp_ofo_drain(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = xtcp_rb_skb(rb_first(&xs->ooo_queue))) != NULL) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_after(cb->seq, xs->rcv_nxt))
			break;
		xtcp_ofo_erase(xs, skb);
		if (xtcp_before(cb->seq, xs->rcv_nxt)) {
			u32 dup = xs->rcv_nxt - cb->seq;

			if (dup >= skb->len && !(cb->flags & XTCP_F_FIN)) {
				kfree_skb(skb);
				continue;
			}
			if (dup > skb->len)
				dup = skb->len;
			if (!pskb_pull(skb, dup)) {
				kfree_skb(skb);
				continue;
			}
			cb->seq += dup;
		}
		if (skb->len) {
			xs->rcv_nxt = cb->seq + skb->len;
			xs->bytes_received += skb->len;
		}
		if (cb->flags & XTCP_F_FIN) {
			if (skb->len)
				__skb_queue_tail(&sk->sk_receive_queue, skb);
			else
				kfree_skb(skb);
			xtcp_ofo_purge(sk);
			return true;
		}
		__skb_queue_tail(&sk->sk_receive_queue, skb);
	}
	return false;
}

/*
 * In-order data must never starve behind data beyond a hole: give back the
 * out-of-order segments, highest first, until @need bytes fit in @limit. They will
 * be retransmitted (we SACKed them, but a SACK is not a promise: RFC 2018
 * 8 allows reneging, and the sender's RTO copes).
 */
void xtcp_ofo_prune(struct sock *sk, unsigned int need, unsigned int limit)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct rb_node *n;

	while ((n = rb_last(&xs->ooo_queue)) != NULL &&
	       atomic_read(&sk->sk_rmem_alloc) + need > limit) {
		struct sk_buff *skb = xtcp_rb_skb(n);

		xtcp_ofo_erase(xs, skb);
		kfree_skb(skb);
		XTCP_INC_STATS(xtcp_sk_net(sk), OFODROP);
	}
}

void xtcp_ofo_purge(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct rb_node *n = rb_first(&xs->ooo_queue);

	while (n) {
		struct sk_buff *skb = xtcp_rb_skb(n);

		n = rb_next(n);
		xtcp_ofo_erase(xs, skb);
		kfree_skb(skb);
	}
	xs->num_sacks = 0;
}

/*
 * [@start, @end) arrived again: below RCV.NXT (@ofo false), or already in
 * the out-of-order queue. Linux's tcp_dsack_set(): the next ACK reports
 * it in its first block; a second duplicate before that ACK extends the
 * block if it touches it, or replaces it (the latest is what the sender
 * wants to hear about).
 */
void xtcp_dsack_set(struct sock *sk, u32 start, u32 end, bool ofo)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->sack_ok || !xtcp_after(end, start))
		return;
	if (xs->dsack && !xtcp_after(start, xs->dsack_blk.end) &&
	    !xtcp_before(end, xs->dsack_blk.start)) {
		if (xtcp_before(start, xs->dsack_blk.start))
			xs->dsack_blk.start = start;
		if (xtcp_after(end, xs->dsack_blk.end))
			xs->dsack_blk.end = end;
	} else {
		xs->dsack_blk.start = start;
		xs->dsack_blk.end = end;
	}
	xs->dsack = 1;
	if (ofo)
		XTCP_INC_STATS(xtcp_sk_net(sk), DSACKOFOSENT);
	else
		XTCP_INC_STATS(xtcp_sk_net(sk), DSACKOLDSENT);
}

/*
 * The SACK blocks to announce: contiguous runs of the out-of-order queue,
 * the run holding the latest arrival first (RFC 2018 4), then the others
 * in sequence order, at most XTCP_MAX_SACKS.
 */
void xtcp_build_sacks(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_sack_block runs[16];
	struct rb_node *n;
	int nr = 0, i, first = -1, out = 0;

	for (n = rb_first(&xs->ooo_queue); n; n = rb_next(n)) {
		struct sk_buff *skb = xtcp_rb_skb(n);
		u32 s = XTCP_SKB_CB(skb)->seq, e = xtcp_skb_end(skb);

		if (XTCP_SKB_CB(skb)->flags & XTCP_F_FIN)
			e++;
		if (nr && runs[nr - 1].end == s) {
			runs[nr - 1].end = e;
			continue;
		}
		if (nr == ARRAY_SIZE(runs))
			break;
		runs[nr].start = s;
		runs[nr].end = e;
		nr++;
	}
	for (i = 0; i < nr; i++)
		if (!xtcp_before(xs->ooo_last_seq, runs[i].start) &&
		    xtcp_before(xs->ooo_last_seq, runs[i].end))
			first = i;
	if (first >= 0)
		xs->sacks[out++] = runs[first];
	for (i = 0; i < nr && out < XTCP_MAX_SACKS; i++)
		if (i != first)
			xs->sacks[out++] = runs[i];
	xs->num_sacks = out;
}
