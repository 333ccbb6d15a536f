// SPDX-License-Identifier: GPL-2.0
/*
 * The TIME-WAIT hash. The active closer turns its socket into a small
 * entry keyed by the 4-tuple that lives net.xtcp.tw_timeout_ms (2*MSL) so
 * that a retransmitted FIN is still answered and old duplicates cannot
 * land in a new incarnation of the connection. An entry also occupies its
 * local port in the bind bucket, which is what makes a client that opens
 * and closes quickly run out of ports (seed 000).
 *
 * References: one while hashed, one while the timer is pending, one per
 * lookup in progress. Each entry pins the module.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include "hash.h"
#include "timewait.h"
#include "diag.h"

static struct kmem_cache *xtcp_tw_cachep __read_mostly;

static struct xtcp_hbucket *xtcp_tw_bucket(struct xtcp_net *xn,
					   __be32 laddr, u16 lport,
					   __be32 raddr, __be16 rport)
{
	return xtcp_hbucket(&xn->twhash,
			    xtcp_tuple_hash(xn->net, laddr, lport, raddr, rport));
}

void xtcp_tw_put(struct xtcp_tw *tw)
{
	if (refcount_dec_and_test(&tw->refcnt)) {
		kmem_cache_free(xtcp_tw_cachep, tw);
		module_put(THIS_MODULE);
	}
}

/* Out of both tables; drops the tables' reference. Idempotent. */
static void xtcp_tw_unhash(struct xtcp_tw *tw)
{
	struct xtcp_net *xn = xtcp_pernet(read_pnet(&tw->net));
	struct xtcp_bbucket *bb = xtcp_bbucket(xn, tw->lport);
	struct xtcp_hbucket *b = xtcp_tw_bucket(xn, tw->laddr, tw->lport,
						tw->raddr, tw->rport);
	bool was_hashed;

	spin_lock_bh(&bb->lock);
	spin_lock(&b->lock);
	was_hashed = tw->hashed;
	if (was_hashed) {
		hlist_del_init(&tw->node);
		hlist_del_init(&tw->bind_node);
		tw->hashed = 0;
	}
	spin_unlock(&b->lock);
	spin_unlock_bh(&bb->lock);
	if (was_hashed) {
		xtcp_event_tw_gone(tw);
		atomic_dec(&xn->tw_count);
		xtcp_tw_put(tw);
	}
}

static void xtcp_tw_timer_fn(struct timer_list *t)
{
	struct xtcp_tw *tw = xtcp_timer_container(tw, t, timer);

	xtcp_tw_unhash(tw);
	xtcp_tw_put(tw);	/* the timer's reference */
}

/* Remove an entry before its time; the caller holds a reference. */
void xtcp_tw_kill(struct xtcp_tw *tw)
{
	if (xtcp_timer_delete(&tw->timer))
		xtcp_tw_put(tw);
	xtcp_tw_unhash(tw);
}

unsigned long xtcp_tw_remaining(const struct xtcp_tw *tw)
{
	long left = (long)(READ_ONCE(tw->timer.expires) - jiffies);

	return left > 0 ? left : 0;
}

/*
 * Called with the socket locked as it enters TIME-WAIT. Inserts the entry
 * before the caller unhashes the socket, so the 4-tuple is never seen free.
 * Returns false (the socket simply closes) when max_tw_buckets is reached.
 */
bool xtcp_tw_create(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_bbucket *bb;
	struct xtcp_hbucket *b;
	struct xtcp_tw *tw;

	if (atomic_read(&xn->tw_count) >= READ_ONCE(xn->sysctl.max_tw_buckets))
		goto overflow;
	tw = kmem_cache_alloc(xtcp_tw_cachep, GFP_ATOMIC);
	if (!tw)
		goto overflow;
	__module_get(THIS_MODULE);

	write_pnet(&tw->net, sock_net(sk));
	tw->laddr = inet->inet_rcv_saddr;
	tw->raddr = inet->inet_daddr;
	tw->lport = inet->inet_num;
	tw->rport = inet->inet_dport;
	tw->snd_nxt = xs->snd_nxt;
	tw->rcv_nxt = xs->rcv_nxt;
	tw->rcv_wnd = xtcp_select_window(sk);
	tw->last_oow_ack = 0;
	tw->ts_ok = xs->ts_ok;
	tw->ts_recent = xs->ts_recent;
	tw->ts_stamp = (u16)xtcp_ts_now();
	tw->reuse = sk->sk_reuse;
	tw->reuseport = sk->sk_reuseport;
	tw->bound_dev_if = sk->sk_bound_dev_if;
	refcount_set(&tw->refcnt, 2);	/* tables + timer */
	timer_setup(&tw->timer, xtcp_tw_timer_fn, 0);
	xtcp_event_tw_create(sk, tw);	/* sets tw->cookie */

	bb = xtcp_bbucket(xn, tw->lport);
	b = xtcp_tw_bucket(xn, tw->laddr, tw->lport, tw->raddr, tw->rport);
	spin_lock_bh(&bb->lock);
	spin_lock(&b->lock);
	hlist_add_head(&tw->bind_node, &bb->tws);
	hlist_add_head(&tw->node, &b->chain);
	tw->hashed = 1;
	atomic_inc(&xn->tw_count);
	mod_timer(&tw->timer, jiffies +
		  msecs_to_jiffies(READ_ONCE(xn->sysctl.tw_timeout_ms)));
	spin_unlock(&b->lock);
	spin_unlock_bh(&bb->lock);
	XTCP_INC_STATS(xn, TIMEWAIT);
	return true;

overflow:
	XTCP_INC_STATS(xn, TIMEWAITOVERFLOW);
	return false;
}

struct xtcp_tw *xtcp_tw_lookup(struct xtcp_net *xn, __be32 raddr,
			       __be16 rport, __be32 laddr, u16 lport)
{
	struct xtcp_hbucket *b = xtcp_tw_bucket(xn, laddr, lport, raddr, rport);
	struct xtcp_tw *tw, *found = NULL;

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(tw, &b->chain, node) {
		if (tw->lport == lport && tw->rport == rport &&
		    tw->laddr == laddr && tw->raddr == raddr) {
			refcount_inc(&tw->refcnt);
			found = tw;
			break;
		}
	}
	spin_unlock_bh(&b->lock);
	return found;
}

static void xtcp_tw_send_ack(struct xtcp_tw *tw)
{
	struct xtcp_opts opts = { };
	u32 now = xtcp_ts_now();

	if (tw->ts_ok) {
		/* The socket's clock: the same offset, the same 4-tuple. */
		opts.tstamp = 1;
		opts.tsval = now + xtcp_ts_offset(tw->laddr, tw->raddr,
						  htons(tw->lport), tw->rport);
		opts.tsecr = tw->ts_recent;
	}
	WRITE_ONCE(tw->ts_stamp, (u16)now);
	xtcp_send_ctl(read_pnet(&tw->net), tw->laddr, tw->raddr,
		      htons(tw->lport), tw->rport, tw->snd_nxt, tw->rcv_nxt,
		      XTCP_F_ACK, tw->rcv_wnd, tw->ts_ok ? &opts : NULL, 0,
		      tw->bound_dev_if);
}

/*
 * An old SYN (at or below RCV.NXT) draws at most one ACK per half second
 * and entry, as TCP's tcp_oow_rate_limited() with its default
 * tcp_invalid_ratelimit: a flood of them at a TIME-WAIT entry must not make
 * the host send one ACK each. The rest are counted (ACKSkippedTimeWait).
 * Retransmitted FINs and data are answered every time, as by TCP. Racing
 * softirqs at worst both send: the field needs no lock.
 */
#define XTCP_OOW_RATELIMIT_MS	500

static bool xtcp_tw_oow_limited(struct xtcp_tw *tw, struct xtcp_net *xn)
{
	u16 now = (u16)xtcp_ts_now(), last = READ_ONCE(tw->last_oow_ack);

	if (last && (u16)(now - last) < XTCP_OOW_RATELIMIT_MS) {
		XTCP_INC_STATS(xn, ACKSKIPPEDTIMEWAIT);
		return true;
	}
	WRITE_ONCE(tw->last_oow_ack, now ?: 1);
	return false;
}

/*
 * May connect() take this entry's 4-tuple (docs/protocol.md §32)? Only
 * when timestamps were on in the old incarnation and are offered in the
 * new one, so that PAWS rejects whatever of the old one is still on the
 * wire, and net.xtcp.tw_reuse_delay_ms after the entry's last segment
 * either way, so that both ends' timestamp clocks have ticked past
 * every TSval the old incarnation sent. Read under the bucket lock.
 */
bool xtcp_tw_reusable(const struct xtcp_tw *tw, struct xtcp_net *xn)
{
	u16 age = (u16)xtcp_ts_now() - READ_ONCE(tw->ts_stamp);

	return tw->ts_ok && READ_ONCE(xn->sysctl.tw_reuse_ok) &&
	       READ_ONCE(xn->sysctl.timestamps) &&
	       age >= READ_ONCE(xn->sysctl.tw_reuse_delay_ms);
}

/*
 * connect() takes the 4-tuple: out of both tables at once, under the
 * bind bucket's lock the caller holds (the order of xtcp_tw_unhash()),
 * so that the new socket enters the established table in the same
 * critical section and the 4-tuple is never seen free nor twice. The
 * tables' reference passes to xtcp_tw_reuse_finish().
 */
void xtcp_tw_reuse_unlink(struct xtcp_tw *tw, struct xtcp_tw_inherit *inh)
{
	struct xtcp_net *xn = xtcp_pernet(read_pnet(&tw->net));
	struct xtcp_hbucket *b = xtcp_tw_bucket(xn, tw->laddr, tw->lport,
						tw->raddr, tw->rport);

	spin_lock(&b->lock);
	hlist_del_init(&tw->node);
	hlist_del_init(&tw->bind_node);
	tw->hashed = 0;
	spin_unlock(&b->lock);
	/* As the server's recycling does (§9.4): past all the old
	 * incarnation sent or could have been acknowledged for. */
	inh->isn = (tw->snd_nxt + 65535 + 2) ?: 1;
	inh->ts_recent = tw->ts_recent;
}

/* ... and, the bucket lock dropped, the rest of its end. */
void xtcp_tw_reuse_finish(struct xtcp_tw *tw)
{
	struct xtcp_net *xn = xtcp_pernet(read_pnet(&tw->net));

	XTCP_INC_STATS(xn, TIMEWAITREUSED);
	xtcp_event_tw_gone(tw);
	atomic_dec(&xn->tw_count);
	if (xtcp_timer_delete(&tw->timer))
		xtcp_tw_put(tw);	/* the timer's reference */
	xtcp_tw_put(tw);		/* the tables' */
}

/* A new SYN for the 4-tuple found a listener: the entry makes way. */
void xtcp_tw_recycle(struct xtcp_tw *tw)
{
	XTCP_INC_STATS(xtcp_pernet(read_pnet(&tw->net)), TIMEWAITRECYCLED);
	xtcp_tw_kill(tw);
}

/* ... or found none: the entry stays and answers with an ACK. */
void xtcp_tw_refuse_syn(struct xtcp_tw *tw)
{
	xtcp_tw_send_ack(tw);
}

/*
 * A segment for a TIME-WAIT entry (RFC 9293 3.10.7.4 in TIME-WAIT, with
 * Linux's choices where the RFC leaves room):
 *  - a retransmitted FIN is acknowledged again and restarts the 2*MSL wait;
 *  - RST ends the entry exactly at RCV.NXT, unless net.xtcp.rfc1337 is set
 *    (RFC 1337: TIME-WAIT assassination), then it is ignored;
 *  - a new SYN above RCV.NXT reuses the 4-tuple (RFC 6191 without
 *    timestamps): the entry goes and the listener gets the SYN, with an ISN
 *    past everything the old incarnation sent;
 *  - an old SYN draws an ACK, at most one per half second (as TCP);
 *  - anything else that occupies sequence space draws an ACK.
 */
enum xtcp_tw_verdict xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb,
				 u32 *isn_hint)
{
	struct xtcp_net *xn = xtcp_pernet(read_pnet(&tw->net));
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool ts = tw->ts_ok && (cb->sacked & XTCP_SKB_TSTAMP);
	bool paws_reject = ts && (s32)(cb->tsval - tw->ts_recent) < 0;

	if (cb->flags & XTCP_F_RST) {
		if (READ_ONCE(xn->sysctl.rfc1337)) {
			XTCP_INC_STATS(xn, RSTIGNORED);
		} else if (cb->seq == tw->rcv_nxt) {
			XTCP_INC_STATS(xn, TIMEWAITKILLED);
			xtcp_tw_kill(tw);
		}
		return XTCP_TW_DONE;
	}
	if ((cb->flags & (XTCP_F_SYN | XTCP_F_ACK)) == XTCP_F_SYN) {
		/* RFC 6191: with timestamps, a newer TSval says "new
		 * incarnation" whatever its sequence number; an older one
		 * says "old duplicate" whatever its sequence number. */
		if (!paws_reject &&
		    (xtcp_after(cb->seq, tw->rcv_nxt) ||
		     (ts && (s32)(cb->tsval - tw->ts_recent) > 0))) {
			/* The caller recycles the entry only if a listener
			 * takes the SYN; otherwise it ACKs (as Linux). */
			*isn_hint = tw->snd_nxt + 65535 + 2;
			return XTCP_TW_SYN;
		}
		if (!xtcp_tw_oow_limited(tw, xn))
			xtcp_tw_send_ack(tw);
		return XTCP_TW_DONE;
	}
	if (paws_reject) {
		/* RFC 7323 5.3: an old duplicate, ACKed (at the old-SYN rate). */
		XTCP_INC_STATS(xn, PAWSTIMEWAIT);
		if (!xtcp_tw_oow_limited(tw, xn))
			xtcp_tw_send_ack(tw);
		return XTCP_TW_DONE;
	}
	if (ts && !xtcp_after(cb->seq, tw->rcv_nxt))
		WRITE_ONCE(tw->ts_recent, cb->tsval);
	WRITE_ONCE(tw->ts_stamp, (u16)xtcp_ts_now());
	if ((cb->flags & XTCP_F_FIN) && cb->end_seq == tw->rcv_nxt) {
		mod_timer_pending(&tw->timer, jiffies +
			msecs_to_jiffies(READ_ONCE(xn->sysctl.tw_timeout_ms)));
		xtcp_tw_send_ack(tw);
		return XTCP_TW_DONE;
	}
	if (cb->end_seq != cb->seq || (cb->flags & XTCP_F_SYN))
		xtcp_tw_send_ack(tw);
	return XTCP_TW_DONE;
}

/* Namespace exit: no socket is left, kill every entry and wait for timers. */
void xtcp_tw_purge(struct xtcp_net *xn)
{
	unsigned int i;

	for (i = 0; i <= xn->twhash.mask; i++) {
		struct xtcp_hbucket *b = &xn->twhash.buckets[i];

		for (;;) {
			struct xtcp_tw *tw = NULL;

			spin_lock_bh(&b->lock);
			if (!hlist_empty(&b->chain)) {
				tw = hlist_entry(b->chain.first, struct xtcp_tw,
						 node);
				refcount_inc(&tw->refcnt);
			}
			spin_unlock_bh(&b->lock);
			if (!tw)
				break;
			if (xtcp_timer_delete_sync(&tw->timer))
				xtcp_tw_put(tw);
			xtcp_tw_unhash(tw);
			xtcp_tw_put(tw);
		}
	}
}

int xtcp_tw_cache_init(void)
{
	/* Two cache lines per TIME-WAIT entry; on a lockdep kernel (make
	 * check-debug) the timer alone carries a lockdep map larger than that. */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_LOCKDEP) && sizeof(struct xtcp_tw) > 128);
	xtcp_tw_cachep = kmem_cache_create("xtcp_timewait",
					   sizeof(struct xtcp_tw), 0,
					   SLAB_HWCACHE_ALIGN, NULL);
	return xtcp_tw_cachep ? 0 : -ENOMEM;
}

void xtcp_tw_cache_exit(void)
{
	kmem_cache_destroy(xtcp_tw_cachep);
}
