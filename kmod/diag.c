// SPDX-License-Identifier: GPL-2.0
/*
 * sock_diag for AF_XTCP: SOCK_DIAG_BY_FAMILY dumps of every connection of
 * the caller's namespace, and the lookup of one. The message format is
 * documented in uapi/linux/xtcp_diag.h.
 *
 * A dump walks four tables in turn (the cursor in cb->ctx remembers where
 * it stopped): the listeners with their SYN queues, the established table,
 * the TIME-WAIT table, and (for CLOSED) the bind table. Hash buckets are
 * walked under their lock and each bucket is sent whole in one datagram
 * when it fits (otherwise the bucket is taken back and sent first in the
 * next one), so an entry present for the whole dump is listed exactly once.
 * Only a bucket too big for a datagram of its own is split, by position.
 *
 * Entries are filled under the bucket lock from fields read without the
 * socket lock, as /proc/net/tcp does: a snapshot of racing fields may be a
 * little inconsistent, never unsafe. The SYN queue of a listener is only
 * ever touched by its lock owner: the dump takes the listener with
 * lock_sock() (a dump runs in process context and may sleep), after
 * dropping the bucket lock, so softirq processing of that listener goes to
 * its backlog meanwhile and the queue cannot change under us.
 */
#include <linux/module.h>
#include <linux/sock_diag.h>
#include <linux/xtcp_diag.h>
#include <net/netlink.h>
#include <net/sock.h>
#include "hash.h"
#include "timewait.h"
#include "diag.h"

/* The parsed request. */
struct xtcp_diag_filter {
	u32	states;
	u8	ext;
	u8	has_sport:1,
		has_dport:1,
		has_src:1,
		has_dst:1;
	struct xtcp_diag_port_cond sport, dport;
	__be32	src, src_mask, dst, dst_mask;
	bool	src_not, dst_not;
};

enum {
	XTCP_DIAG_PHASE_LISTEN,		/* listeners and their SYN queues */
	XTCP_DIAG_PHASE_EHASH,		/* full sockets SYN-SENT .. LAST-ACK */
	XTCP_DIAG_PHASE_TW,		/* TIME-WAIT entries */
	XTCP_DIAG_PHASE_BOUND,		/* bound sockets in CLOSE */
	XTCP_DIAG_PHASE_DONE,
};

/* Where a dump resumes, in cb->ctx (zeroed by netlink before the first call). */
struct xtcp_diag_cursor {
	u32	phase;
	u32	bucket;
	u32	pos;	/* entries of the bucket already sent (split bucket) */
	u32	sub;	/* listener: 0 = nothing sent, n = its line and n-1 requests */
};

#define XTCP_DIAG_LISTEN_STATES	(XTCP_DIAG_STATE(XTCP_LISTEN) | \
				 XTCP_DIAG_STATE(XTCP_SYN_RECV))
#define XTCP_DIAG_EHASH_STATES	(XTCP_DIAG_STATES_ALL & \
				 ~(XTCP_DIAG_STATE(XTCP_LISTEN) | \
				   XTCP_DIAG_STATE(XTCP_TIME_WAIT) | \
				   XTCP_DIAG_STATE(XTCP_CLOSE)))

static const struct nla_policy xtcp_diag_req_policy[XTCP_DIAG_REQ_MAX + 1] = {
	[XTCP_DIAG_REQ_SPORT] = NLA_POLICY_EXACT_LEN(sizeof(struct xtcp_diag_port_cond)),
	[XTCP_DIAG_REQ_DPORT] = NLA_POLICY_EXACT_LEN(sizeof(struct xtcp_diag_port_cond)),
	[XTCP_DIAG_REQ_SRC] = NLA_POLICY_EXACT_LEN(sizeof(struct xtcp_diag_addr_cond)),
	[XTCP_DIAG_REQ_DST] = NLA_POLICY_EXACT_LEN(sizeof(struct xtcp_diag_addr_cond)),
};

static int xtcp_diag_port_cond(const struct nlattr *a,
			       struct xtcp_diag_port_cond *pc)
{
	memcpy(pc, nla_data(a), sizeof(*pc));
	if (pc->lo > pc->hi || (pc->flags & ~XTCP_DIAG_COND_NOT))
		return -EINVAL;
	return 0;
}

static int xtcp_diag_addr_cond(const struct nlattr *a, __be32 *addr,
			       __be32 *mask, bool *neg)
{
	struct xtcp_diag_addr_cond ac;

	memcpy(&ac, nla_data(a), sizeof(ac));
	if (ac.family != AF_INET || ac.prefixlen > 32 || ac.pad ||
	    (ac.flags & ~XTCP_DIAG_COND_NOT) ||
	    ac.addr[1] || ac.addr[2] || ac.addr[3])
		return -EINVAL;
	*mask = ac.prefixlen ? htonl(~0U << (32 - ac.prefixlen)) : 0;
	*addr = ac.addr[0] & *mask;
	*neg = ac.flags & XTCP_DIAG_COND_NOT;
	return 0;
}

static bool xtcp_diag_id_zero(const struct xtcp_diag_sockid *id)
{
	static const struct xtcp_diag_sockid zero;

	return !memcmp(id, &zero, sizeof(zero));
}

/* Validate a request and parse it into @f. Anything unexpected: -EINVAL. */
static int xtcp_diag_parse(const struct nlmsghdr *nlh,
			   struct xtcp_diag_filter *f)
{
	struct nlattr *tb[XTCP_DIAG_REQ_MAX + 1];
	const struct xtcp_diag_req *req;
	const struct nlattr *a;
	unsigned int seen = 0;
	int rem, err;

	if (nlmsg_len(nlh) < (int)sizeof(*req))
		return -EINVAL;
	req = nlmsg_data(nlh);
	if (req->sdiag_family != xtcp_family || req->sdiag_protocol ||
	    req->xdiag_pad || (req->xdiag_ext & ~XTCP_DIAG_EXT_ALL) ||
	    (req->xdiag_states & ~XTCP_DIAG_STATES_ALL))
		return -EINVAL;
	if (nlh->nlmsg_flags & NLM_F_DUMP) {
		if (!xtcp_diag_id_zero(&req->id))
			return -EINVAL;
	} else if (req->id.xdiag_src[1] || req->id.xdiag_src[2] ||
		   req->id.xdiag_src[3] || req->id.xdiag_dst[1] ||
		   req->id.xdiag_dst[2] || req->id.xdiag_dst[3]) {
		return -EINVAL;
	}

	/* Each condition at most once. */
	nlmsg_for_each_attr(a, nlh, sizeof(*req), rem) {
		unsigned int t = nla_type(a);

		if (t <= XTCP_DIAG_REQ_MAX) {
			if (seen & (1U << t))
				return -EINVAL;
			seen |= 1U << t;
		}
	}
	/* Strict: unknown types, wrong sizes, trailing bytes. Whatever the
	 * policy says (ERANGE, ...), a malformed request is EINVAL. */
	if (nlmsg_parse(nlh, sizeof(*req), tb, XTCP_DIAG_REQ_MAX,
			xtcp_diag_req_policy, NULL))
		return -EINVAL;

	memset(f, 0, sizeof(*f));
	f->states = req->xdiag_states;
	f->ext = req->xdiag_ext;
	if (tb[XTCP_DIAG_REQ_SPORT]) {
		f->has_sport = 1;
		err = xtcp_diag_port_cond(tb[XTCP_DIAG_REQ_SPORT], &f->sport);
		if (err)
			return err;
	}
	if (tb[XTCP_DIAG_REQ_DPORT]) {
		f->has_dport = 1;
		err = xtcp_diag_port_cond(tb[XTCP_DIAG_REQ_DPORT], &f->dport);
		if (err)
			return err;
	}
	if (tb[XTCP_DIAG_REQ_SRC]) {
		f->has_src = 1;
		err = xtcp_diag_addr_cond(tb[XTCP_DIAG_REQ_SRC], &f->src,
					  &f->src_mask, &f->src_not);
		if (err)
			return err;
	}
	if (tb[XTCP_DIAG_REQ_DST]) {
		f->has_dst = 1;
		err = xtcp_diag_addr_cond(tb[XTCP_DIAG_REQ_DST], &f->dst,
					  &f->dst_mask, &f->dst_not);
		if (err)
			return err;
	}
	return 0;
}

static bool xtcp_diag_port_ok(const struct xtcp_diag_port_cond *pc, u16 port)
{
	bool in = port >= pc->lo && port <= pc->hi;

	return (pc->flags & XTCP_DIAG_COND_NOT) ? !in : in;
}

/* Ports in host order. */
static bool xtcp_diag_match(const struct xtcp_diag_filter *f, int state,
			    __be32 laddr, u16 lport, __be32 raddr, u16 rport)
{
	if (!(f->states & XTCP_DIAG_STATE(state)))
		return false;
	if (f->has_sport && !xtcp_diag_port_ok(&f->sport, lport))
		return false;
	if (f->has_dport && !xtcp_diag_port_ok(&f->dport, rport))
		return false;
	if (f->has_src && ((laddr & f->src_mask) == f->src) == f->src_not)
		return false;
	if (f->has_dst && ((raddr & f->dst_mask) == f->dst) == f->dst_not)
		return false;
	return true;
}

static bool xtcp_diag_match_sk(const struct xtcp_diag_filter *f,
			       struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	return xtcp_diag_match(f, inet_sk_state_load(sk),
			       READ_ONCE(inet->inet_rcv_saddr),
			       READ_ONCE(inet->inet_num),
			       READ_ONCE(inet->inet_daddr),
			       ntohs(READ_ONCE(inet->inet_dport)));
}

/* Where a message goes and whose view of uids it gets. */
struct xtcp_diag_dest {
	u32			portid;
	u32			seq;
	u16			flags;
	struct user_namespace	*user_ns;
};

static u32 xtcp_diag_ms(unsigned long expires, unsigned long now)
{
	return time_after(expires, now) ? jiffies_to_msecs(expires - now) : 0;
}

/* The pending timers of a full socket, the active one first. */
static int xtcp_diag_sk_timers(struct sock *sk, struct xtcp_diag_timer *t)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long now = jiffies;
	int n = 0;

	if (timer_pending(&xs->rtx_timer)) {
		const void *send_head = READ_ONCE(xs->send_head);
		bool persist = send_head &&
			send_head == (const void *)READ_ONCE(sk->sk_write_queue.next);

		t[n].kind = persist ? XTCP_DIAG_TIMER_PERSIST :
				      XTCP_DIAG_TIMER_RETRANS;
		t[n].count = persist ? READ_ONCE(xs->backoff) :
				       READ_ONCE(xs->retransmits);
		t[n].pad = 0;
		t[n].expires_ms = xtcp_diag_ms(READ_ONCE(xs->rtx_timer.expires), now);
		n++;
	}
	if (timer_pending(&sk->sk_timer)) {
		bool fw2 = inet_sk_state_load(sk) == TCP_FIN_WAIT2 &&
			   sock_flag(sk, SOCK_DEAD);

		t[n].kind = fw2 ? XTCP_DIAG_TIMER_FINWAIT2 :
				  XTCP_DIAG_TIMER_KEEPALIVE;
		t[n].count = fw2 ? 0 : READ_ONCE(xs->probes_out);
		t[n].pad = 0;
		t[n].expires_ms = xtcp_diag_ms(READ_ONCE(sk->sk_timer.expires), now);
		n++;
	}
	return n;
}

static struct xtcp_diag_msg *xtcp_diag_put_hdr(struct sk_buff *skb,
					       const struct xtcp_diag_dest *d,
					       struct nlmsghdr **nlhp)
{
	struct xtcp_diag_msg *r;

	*nlhp = nlmsg_put(skb, d->portid, d->seq, SOCK_DIAG_BY_FAMILY,
			  sizeof(*r), d->flags);
	if (!*nlhp)
		return NULL;
	r = nlmsg_data(*nlhp);
	memset(r, 0, sizeof(*r));
	r->xdiag_family = AF_INET;
	return r;
}

static int xtcp_diag_fill_sk(struct sk_buff *skb, struct sock *sk, u8 ext,
			     const struct xtcp_diag_dest *d)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_diag_timer timers[2];
	struct xtcp_diag_msg *r;
	struct nlmsghdr *nlh;
	int state = inet_sk_state_load(sk);
	int ntimers;
	u8 reason;

	r = xtcp_diag_put_hdr(skb, d, &nlh);
	if (!r)
		return -EMSGSIZE;
	r->xdiag_state = state;
	r->id.xdiag_sport = htons(READ_ONCE(inet->inet_num));
	r->id.xdiag_dport = READ_ONCE(inet->inet_dport);
	r->id.xdiag_src[0] = READ_ONCE(inet->inet_rcv_saddr);
	r->id.xdiag_dst[0] = READ_ONCE(inet->inet_daddr);
	r->id.xdiag_if = READ_ONCE(sk->sk_bound_dev_if);
	sock_diag_save_cookie(sk, r->id.xdiag_cookie);
	r->xdiag_uid = from_kuid_munged(d->user_ns, sk->sk_uid);
	r->xdiag_inode = sock_i_ino(sk);

	ntimers = xtcp_diag_sk_timers(sk, timers);
	if (ntimers) {
		r->xdiag_timer = timers[0].kind;
		r->xdiag_retrans = timers[0].count;
		r->xdiag_expires = timers[0].expires_ms;
	}

	if (state == TCP_LISTEN) {
		struct xtcp_diag_listen l = {
			.accept_qlen = READ_ONCE(sk->sk_ack_backlog),
			.accept_max = READ_ONCE(sk->sk_max_ack_backlog),
			.syn_qlen = READ_ONCE(xs->lq.syn_qlen),
			.syn_max = xtcp_synq_diag_limit(sk),
		};

		r->xdiag_rqueue = l.accept_qlen;
		r->xdiag_wqueue = l.accept_max;
		if (nla_put(skb, XTCP_DIAG_LISTEN, sizeof(l), &l))
			goto fail;
	} else if (state != TCP_CLOSE) {
		s32 rq = READ_ONCE(xs->rcv_nxt) - READ_ONCE(xs->copied_seq);
		s32 wq = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una);

		r->xdiag_rqueue = max(rq, 0);
		r->xdiag_wqueue = max(wq, 0);
	}

	if (nla_put_u8(skb, XTCP_DIAG_KIND, XTCP_DIAG_KIND_SOCK) ||
	    nla_put_u8(skb, XTCP_DIAG_SHUTDOWN,
		       READ_ONCE(sk->sk_shutdown) & SHUTDOWN_MASK))
		goto fail;
	reason = READ_ONCE(xs->close_reason);
	if (reason && nla_put_u8(skb, XTCP_DIAG_CLOSE_REASON, reason))
		goto fail;
	if (ext & XTCP_DIAG_EXT_INFO) {
		struct xtcp_info info;

		xtcp_get_info(sk, &info);
		if (nla_put_64bit(skb, XTCP_DIAG_INFO, sizeof(info), &info,
				  XTCP_DIAG_PAD) ||
		    nla_put_string(skb, XTCP_DIAG_CONG, info.xtcpi_ca_name))
			goto fail;
	}
	if ((ext & XTCP_DIAG_EXT_MEMINFO) &&
	    sock_diag_put_meminfo(sk, skb, XTCP_DIAG_MEMINFO))
		goto fail;
	if ((ext & XTCP_DIAG_EXT_TIMERS) &&
	    nla_put(skb, XTCP_DIAG_TIMERS, ntimers * sizeof(timers[0]), timers))
		goto fail;
	nlmsg_end(skb, nlh);
	return 0;
fail:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

static int xtcp_diag_fill_tw(struct sk_buff *skb, struct xtcp_tw *tw, u8 ext,
			     const struct xtcp_diag_dest *d)
{
	struct xtcp_diag_timer t = { .kind = XTCP_DIAG_TIMER_TIMEWAIT };
	struct xtcp_diag_msg *r;
	struct nlmsghdr *nlh;

	r = xtcp_diag_put_hdr(skb, d, &nlh);
	if (!r)
		return -EMSGSIZE;
	t.expires_ms = jiffies_to_msecs(xtcp_tw_remaining(tw));
	r->xdiag_state = TCP_TIME_WAIT;
	r->id.xdiag_sport = htons(tw->lport);
	r->id.xdiag_dport = tw->rport;
	r->id.xdiag_src[0] = tw->laddr;
	r->id.xdiag_dst[0] = tw->raddr;
	r->id.xdiag_if = tw->bound_dev_if;
	r->id.xdiag_cookie[0] = (u32)tw->cookie;
	r->id.xdiag_cookie[1] = (u32)(tw->cookie >> 32);
	r->xdiag_timer = t.kind;
	r->xdiag_expires = t.expires_ms;
	if (nla_put_u8(skb, XTCP_DIAG_KIND, XTCP_DIAG_KIND_TIMEWAIT) ||
	    ((ext & XTCP_DIAG_EXT_TIMERS) &&
	     nla_put(skb, XTCP_DIAG_TIMERS, sizeof(t), &t))) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

static int xtcp_diag_fill_req(struct sk_buff *skb,
			      const struct xtcp_req_diag *rd, u8 ext,
			      const struct xtcp_diag_dest *d)
{
	struct xtcp_diag_timer t = { .kind = XTCP_DIAG_TIMER_NONE };
	struct xtcp_diag_arrival ar = { };
	struct xtcp_diag_msg *r;
	struct nlmsghdr *nlh;

	r = xtcp_diag_put_hdr(skb, d, &nlh);
	if (!r)
		return -EMSGSIZE;
	if (rd->timer_pending) {
		t.kind = XTCP_DIAG_TIMER_RETRANS;
		t.count = rd->retrans;
		t.expires_ms = xtcp_diag_ms(rd->expires, jiffies);
	}
	r->xdiag_state = TCP_SYN_RECV;
	r->id.xdiag_sport = rd->lport;
	r->id.xdiag_dport = rd->rport;
	r->id.xdiag_src[0] = rd->laddr;
	r->id.xdiag_dst[0] = rd->raddr;
	r->id.xdiag_if = rd->iif;
	r->xdiag_timer = t.kind;
	r->xdiag_retrans = rd->retrans;
	r->xdiag_expires = t.expires_ms;
	if (rd->pending) {
		ar.id = rd->id;
		ar.age_ms = rd->age_ms;
		ar.taken = rd->taken;
	}
	if (nla_put_u8(skb, XTCP_DIAG_KIND, XTCP_DIAG_KIND_REQUEST) ||
	    ((ext & XTCP_DIAG_EXT_TIMERS) && rd->timer_pending &&
	     nla_put(skb, XTCP_DIAG_TIMERS, sizeof(t), &t)) ||
	    (rd->pending &&
	     nla_put_64bit(skb, XTCP_DIAG_ARRIVAL, sizeof(ar), &ar,
			   XTCP_DIAG_PAD))) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

static void xtcp_diag_dest_dump(struct xtcp_diag_dest *d,
				struct netlink_callback *cb)
{
	d->portid = NETLINK_CB(cb->skb).portid;
	d->seq = cb->nlh->nlmsg_seq;
	d->flags = NLM_F_MULTI;
	d->user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
}

/* ---- dump --------------------------------------------------------------- */

struct xtcp_diag_walk {
	struct sk_buff			*skb;
	const struct xtcp_diag_filter	*f;
	const struct xtcp_diag_dest	*d;
	/* get: the request entry wanted */
	__be32				laddr;
	__be32				raddr;
	__be16				rport;
	bool				found;
};

static int xtcp_diag_req_cb(const struct xtcp_req_diag *rd, void *arg)
{
	struct xtcp_diag_walk *w = arg;

	if (!xtcp_diag_match(w->f, TCP_SYN_RECV, rd->laddr, ntohs(rd->lport),
			     rd->raddr, ntohs(rd->rport)))
		return 0;
	return xtcp_diag_fill_req(w->skb, rd, w->f->ext, w->d);
}

/* The skb could not take the next entry: 1 (send, then resume), or an error
 * if it could not take even one. */
static int xtcp_diag_full(struct sk_buff *skb)
{
	return skb->len ? 1 : -EMSGSIZE;
}

/* One listener, owned by us: its line, then its SYN queue. */
static int xtcp_diag_dump_listener(struct sk_buff *skb, struct sock *sk,
				   struct xtcp_diag_cursor *cur,
				   const struct xtcp_diag_filter *f,
				   const struct xtcp_diag_dest *d)
{
	struct xtcp_diag_walk w = { .skb = skb, .f = f, .d = d };
	int ret = 0;

	lock_sock(sk);
	if (sk->sk_state != TCP_LISTEN)
		goto out;	/* closed meanwhile */
	if (!cur->sub) {
		if (xtcp_diag_match_sk(f, sk) &&
		    xtcp_diag_fill_sk(skb, sk, f->ext, d)) {
			ret = xtcp_diag_full(skb);
			goto out;
		}
		cur->sub = 1;
	}
	if (f->states & XTCP_DIAG_STATE(XTCP_SYN_RECV)) {
		unsigned int pos = cur->sub - 1;

		ret = xtcp_synq_diag_walk(sk, &pos, xtcp_diag_req_cb, &w);
		cur->sub = pos + 1;
		if (ret)
			ret = xtcp_diag_full(skb);
	}
out:
	release_sock(sk);
	return ret;
}

static int xtcp_diag_dump_listeners(struct sk_buff *skb, struct xtcp_net *xn,
				    struct xtcp_diag_cursor *cur,
				    const struct xtcp_diag_filter *f,
				    const struct xtcp_diag_dest *d)
{
	for (; cur->bucket <= xn->lhash.mask;
	     cur->bucket++, cur->pos = 0, cur->sub = 0) {
		struct xtcp_hbucket *b = &xn->lhash.buckets[cur->bucket];

		for (;;) {
			struct sock *sk = NULL;
			struct xtcp_sock *xs;
			unsigned int idx = 0;
			int ret;

			if (hlist_empty(&b->chain))
				break;
			spin_lock_bh(&b->lock);
			hlist_for_each_entry(xs, &b->chain, listen_node) {
				if (idx++ == cur->pos) {
					sk = xtcp_to_sk(xs);
					sock_hold(sk);
					break;
				}
			}
			spin_unlock_bh(&b->lock);
			if (!sk)
				break;
			ret = xtcp_diag_dump_listener(skb, sk, cur, f, d);
			sock_put(sk);
			if (ret)
				return ret;
			cur->pos++;
			cur->sub = 0;
		}
		cond_resched();
	}
	return 0;
}

/*
 * The entries of one locked bucket of a table, from the @skip-th on.
 * Returns 0, or -EMSGSIZE with *idx at the entry that did not fit.
 */
static int xtcp_diag_bucket(struct sk_buff *skb, int phase, void *bucket,
			    const struct xtcp_diag_filter *f,
			    const struct xtcp_diag_dest *d,
			    unsigned int skip, unsigned int *idx)
{
	struct xtcp_sock *xs;
	struct xtcp_tw *tw;

	switch (phase) {
	case XTCP_DIAG_PHASE_EHASH:
		hlist_for_each_entry(xs, &((struct xtcp_hbucket *)bucket)->chain,
				     ehash_node) {
			if (*idx >= skip && xtcp_diag_match_sk(f, xtcp_to_sk(xs)) &&
			    xtcp_diag_fill_sk(skb, xtcp_to_sk(xs), f->ext, d))
				return -EMSGSIZE;
			(*idx)++;
		}
		break;
	case XTCP_DIAG_PHASE_TW:
		hlist_for_each_entry(tw, &((struct xtcp_hbucket *)bucket)->chain,
				     node) {
			if (*idx >= skip &&
			    xtcp_diag_match(f, TCP_TIME_WAIT, tw->laddr, tw->lport,
					    tw->raddr, ntohs(tw->rport)) &&
			    xtcp_diag_fill_tw(skb, tw, f->ext, d))
				return -EMSGSIZE;
			(*idx)++;
		}
		break;
	case XTCP_DIAG_PHASE_BOUND:
		hlist_for_each_entry(xs, &((struct xtcp_bbucket *)bucket)->socks,
				     bind_node) {
			struct sock *sk = xtcp_to_sk(xs);

			if (*idx >= skip &&
			    inet_sk_state_load(sk) == TCP_CLOSE &&
			    xtcp_diag_match_sk(f, sk) &&
			    xtcp_diag_fill_sk(skb, sk, f->ext, d))
				return -EMSGSIZE;
			(*idx)++;
		}
		break;
	}
	return 0;
}

static int xtcp_diag_dump_table(struct sk_buff *skb, struct xtcp_net *xn,
				struct xtcp_diag_cursor *cur,
				const struct xtcp_diag_filter *f,
				const struct xtcp_diag_dest *d)
{
	unsigned int nbuckets;

	switch (cur->phase) {
	case XTCP_DIAG_PHASE_EHASH:
		nbuckets = xn->ehash.mask + 1;
		break;
	case XTCP_DIAG_PHASE_TW:
		nbuckets = xn->twhash.mask + 1;
		break;
	default:
		nbuckets = xn->bhash.mask + 1;
		break;
	}

	for (; cur->bucket < nbuckets; cur->bucket++, cur->pos = 0) {
		unsigned int start = skb->len, idx = 0;
		struct hlist_head *head;
		spinlock_t *lock;
		void *bucket;
		int err;

		if (cur->phase == XTCP_DIAG_PHASE_BOUND) {
			struct xtcp_bbucket *bb = &xn->bhash.buckets[cur->bucket];

			bucket = bb;
			lock = &bb->lock;
			head = &bb->socks;
		} else {
			struct xtcp_hbucket *b = cur->phase == XTCP_DIAG_PHASE_EHASH ?
				&xn->ehash.buckets[cur->bucket] :
				&xn->twhash.buckets[cur->bucket];

			bucket = b;
			lock = &b->lock;
			head = &b->chain;
		}
		if (hlist_empty(head))
			continue;
		spin_lock_bh(lock);
		err = xtcp_diag_bucket(skb, cur->phase, bucket, f, d, cur->pos,
				       &idx);
		spin_unlock_bh(lock);
		if (!(cur->bucket & 255))
			cond_resched();
		if (!err)
			continue;

		/* The bucket did not fit. */
		if (!cur->pos && start) {
			/* Others precede it here: take it back, send it
			 * whole at the head of the next datagram. */
			nlmsg_trim(skb, skb->data + start);
			return 1;
		}
		if (skb->len == start)
			return xtcp_diag_full(skb);
		/* Alone and still too big: split it by position. */
		cur->pos = idx;
		return 1;
	}
	return 0;
}

static int xtcp_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xtcp_diag_cursor *cur = (struct xtcp_diag_cursor *)cb->ctx;
	struct xtcp_net *xn = xtcp_pernet(sock_net(skb->sk));
	struct xtcp_diag_filter f;
	struct xtcp_diag_dest d;
	int ret = 0;

	ret = xtcp_diag_parse(cb->nlh, &f);	/* checked at the start */
	if (ret)
		return ret;
	xtcp_diag_dest_dump(&d, cb);

	while (cur->phase < XTCP_DIAG_PHASE_DONE) {
		switch (cur->phase) {
		case XTCP_DIAG_PHASE_LISTEN:
			if (f.states & XTCP_DIAG_LISTEN_STATES)
				ret = xtcp_diag_dump_listeners(skb, xn, cur, &f, &d);
			break;
		case XTCP_DIAG_PHASE_EHASH:
			if (f.states & XTCP_DIAG_EHASH_STATES)
				ret = xtcp_diag_dump_table(skb, xn, cur, &f, &d);
			break;
		case XTCP_DIAG_PHASE_TW:
			if (f.states & XTCP_DIAG_STATE(XTCP_TIME_WAIT))
				ret = xtcp_diag_dump_table(skb, xn, cur, &f, &d);
			break;
		case XTCP_DIAG_PHASE_BOUND:
			if (f.states & XTCP_DIAG_STATE(XTCP_CLOSE))
				ret = xtcp_diag_dump_table(skb, xn, cur, &f, &d);
			break;
		}
		if (ret < 0)
			return ret;
		if (ret > 0)
			return skb->len;
		cur->phase++;
		cur->bucket = 0;
		cur->pos = 0;
		cur->sub = 0;
	}
	return skb->len;
}

/* ---- get ---------------------------------------------------------------- */

static bool xtcp_diag_cookie_given(const struct xtcp_diag_sockid *id)
{
	return !(id->xdiag_cookie[0] == XTCP_DIAG_NOCOOKIE &&
		 id->xdiag_cookie[1] == XTCP_DIAG_NOCOOKIE);
}

static u64 xtcp_diag_id_cookie(const struct xtcp_diag_sockid *id)
{
	return (u64)id->xdiag_cookie[1] << 32 | id->xdiag_cookie[0];
}

/* Find a socket or TIME-WAIT entry by cookie alone, and fill it. */
static int xtcp_diag_get_by_cookie(struct sk_buff *rep, struct xtcp_net *xn,
				   u64 cookie, u8 ext,
				   const struct xtcp_diag_dest *d)
{
	unsigned int i;
	int err = -ENOENT;

	if (!cookie)
		return -ENOENT;	/* requests: no cookie, name them by 4-tuple */
	for (i = 0; i <= xn->ehash.mask && err == -ENOENT; i++) {
		struct xtcp_hbucket *b = &xn->ehash.buckets[i];
		struct xtcp_sock *xs;

		spin_lock_bh(&b->lock);
		hlist_for_each_entry(xs, &b->chain, ehash_node)
			if (atomic64_read(&xs->inet.sk.sk_cookie) == cookie) {
				err = xtcp_diag_fill_sk(rep, xtcp_to_sk(xs), ext, d);
				break;
			}
		spin_unlock_bh(&b->lock);
	}
	for (i = 0; i <= xn->twhash.mask && err == -ENOENT; i++) {
		struct xtcp_hbucket *b = &xn->twhash.buckets[i];
		struct xtcp_tw *tw;

		spin_lock_bh(&b->lock);
		hlist_for_each_entry(tw, &b->chain, node)
			if (tw->cookie == cookie) {
				err = xtcp_diag_fill_tw(rep, tw, ext, d);
				break;
			}
		spin_unlock_bh(&b->lock);
	}
	for (i = 0; i <= xn->lhash.mask && err == -ENOENT; i++) {
		struct xtcp_hbucket *b = &xn->lhash.buckets[i];
		struct xtcp_sock *xs;

		spin_lock_bh(&b->lock);
		hlist_for_each_entry(xs, &b->chain, listen_node)
			if (atomic64_read(&xs->inet.sk.sk_cookie) == cookie) {
				err = xtcp_diag_fill_sk(rep, xtcp_to_sk(xs), ext, d);
				break;
			}
		spin_unlock_bh(&b->lock);
	}
	for (i = 0; i <= xn->bhash.mask && err == -ENOENT; i++) {
		struct xtcp_bbucket *bb = &xn->bhash.buckets[i];
		struct xtcp_sock *xs;

		spin_lock_bh(&bb->lock);
		hlist_for_each_entry(xs, &bb->socks, bind_node)
			if (atomic64_read(&xs->inet.sk.sk_cookie) == cookie &&
			    inet_sk_state_load(xtcp_to_sk(xs)) == TCP_CLOSE) {
				err = xtcp_diag_fill_sk(rep, xtcp_to_sk(xs), ext, d);
				break;
			}
		spin_unlock_bh(&bb->lock);
	}
	return err;
}

static int xtcp_diag_get_req_cb(const struct xtcp_req_diag *rd, void *arg)
{
	struct xtcp_diag_walk *w = arg;

	if (rd->raddr != w->raddr || rd->rport != w->rport ||
	    rd->laddr != w->laddr)
		return 0;
	w->found = true;
	return xtcp_diag_fill_req(w->skb, rd, w->f->ext, w->d) ?: 1;
}

/* Find the entry for a 4-tuple (rport 0: a listener), and fill it. */
static int xtcp_diag_get_by_tuple(struct sk_buff *rep, struct xtcp_net *xn,
				  const struct xtcp_diag_sockid *id,
				  const struct xtcp_diag_filter *f,
				  const struct xtcp_diag_dest *d)
{
	__be32 laddr = id->xdiag_src[0], raddr = id->xdiag_dst[0];
	u16 lport = ntohs(id->xdiag_sport);
	__be16 rport = id->xdiag_dport;
	bool check = xtcp_diag_cookie_given(id);
	struct xtcp_tw *tw;
	struct sock *sk;
	int err;

	if (rport) {
		sk = xtcp_ehash_lookup(xn, raddr, rport, laddr, lport,
				       id->xdiag_if);
		if (sk) {
			err = check ? sock_diag_check_cookie(sk, id->xdiag_cookie) : 0;
			if (!err)
				err = xtcp_diag_fill_sk(rep, sk, f->ext, d);
			sock_put(sk);
			return err;
		}
		tw = xtcp_tw_lookup(xn, raddr, rport, laddr, lport);
		if (tw) {
			err = check && tw->cookie != xtcp_diag_id_cookie(id) ?
				-ESTALE : xtcp_diag_fill_tw(rep, tw, f->ext, d);
			xtcp_tw_put(tw);
			return err;
		}
	}

	/* A listener, or a request entry in its SYN queue (of the
	 * SO_REUSEPORT group's member the 4-tuple picks). */
	sk = xtcp_lhash_lookup(xn, laddr, lport, raddr, rport, id->xdiag_if);
	if (!sk)
		return -ENOENT;
	err = -ENOENT;
	lock_sock(sk);
	if (sk->sk_state != TCP_LISTEN) {
		/* closed meanwhile */
	} else if (!rport) {
		if (inet_sk(sk)->inet_rcv_saddr != laddr)
			err = -ENOENT;	/* only an exact match names a listener */
		else if (check && sock_diag_check_cookie(sk, id->xdiag_cookie))
			err = -ESTALE;
		else
			err = xtcp_diag_fill_sk(rep, sk, f->ext, d);
	} else {
		struct xtcp_diag_walk w = {
			.skb = rep, .f = f, .d = d,
			.laddr = laddr, .raddr = raddr, .rport = rport,
		};
		unsigned int pos = 0;

		err = xtcp_synq_diag_walk(sk, &pos, xtcp_diag_get_req_cb, &w);
		if (!w.found)
			err = -ENOENT;
		else if (err > 0)
			err = 0;
		if (!err && check && xtcp_diag_id_cookie(id))
			err = -ESTALE;	/* requests have cookie 0 */
	}
	release_sock(sk);
	sock_put(sk);
	return err;
}

static int xtcp_diag_get_exact(struct sk_buff *in_skb,
			       const struct nlmsghdr *nlh,
			       const struct xtcp_diag_filter *f)
{
	const struct xtcp_diag_req *req = nlmsg_data(nlh);
	const struct xtcp_diag_sockid *id = &req->id;
	struct net *net = sock_net(in_skb->sk);
	struct xtcp_net *xn = xtcp_pernet(net);
	struct xtcp_diag_dest d = {
		.portid = NETLINK_CB(in_skb).portid,
		.seq = nlh->nlmsg_seq,
		.user_ns = sk_user_ns(NETLINK_CB(in_skb).sk),
	};
	struct sk_buff *rep;
	int err;

	rep = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rep)
		return -ENOMEM;
	if (!id->xdiag_sport && !id->xdiag_dport && !id->xdiag_src[0] &&
	    !id->xdiag_dst[0]) {
		err = xtcp_diag_cookie_given(id) ?
			xtcp_diag_get_by_cookie(rep, xn, xtcp_diag_id_cookie(id),
						f->ext, &d) : -EINVAL;
	} else {
		err = xtcp_diag_get_by_tuple(rep, xn, id, f, &d);
	}
	if (err) {
		kfree_skb(rep);
		return err;
	}
	return nlmsg_unicast(net->diag_nlsk, rep, NETLINK_CB(in_skb).portid);
}

/* ---- SOCK_DESTROY (xtcpstat -K) ------------------------------------------ */

/*
 * As inet_diag's SOCK_DESTROY: one socket named exactly, by its 4-tuple
 * (a listener: remote port 0) and, when given, its cookie; never a dump.
 * A full socket is aborted by sock_diag_destroy() (CAP_NET_ADMIN in the
 * socket's namespace, else EPERM; xtcp_abort()), a TIME-WAIT entry is
 * removed as tcp_abort() deschedules one. A request entry in a SYN queue
 * has no socket to abort: ENOENT, as for a tuple nobody has.
 */
static int xtcp_diag_destroy_tuple(struct net *net,
				   const struct xtcp_diag_sockid *id)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	__be32 laddr = id->xdiag_src[0], raddr = id->xdiag_dst[0];
	u16 lport = ntohs(id->xdiag_sport);
	bool check = xtcp_diag_cookie_given(id);
	struct xtcp_tw *tw;
	struct sock *sk;
	int err;

	if (!lport)
		return -EINVAL;
	if (id->xdiag_dport) {
		sk = xtcp_ehash_lookup(xn, raddr, id->xdiag_dport, laddr, lport,
				       id->xdiag_if);
		if (sk) {
			err = check ? sock_diag_check_cookie(sk, id->xdiag_cookie) : 0;
			if (!err)
				err = sock_diag_destroy(sk, ECONNABORTED);
			sock_put(sk);
			return err;
		}
		tw = xtcp_tw_lookup(xn, raddr, id->xdiag_dport, laddr, lport);
		if (!tw)
			return -ENOENT;
		if (check && tw->cookie != xtcp_diag_id_cookie(id))
			err = -ESTALE;
		else if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
			err = -EPERM;
		else
			err = 0;
		if (!err)
			xtcp_tw_kill(tw);
		xtcp_tw_put(tw);
		return err;
	}
	/* A SO_REUSEPORT group's members share the address: the cookie
	 * names one of them. */
	sk = check ? xtcp_lhash_lookup_cookie(xn, laddr, lport,
					      xtcp_diag_id_cookie(id)) :
		     xtcp_lhash_lookup(xn, laddr, lport, 0, 0, id->xdiag_if);
	if (!sk)
		return -ENOENT;
	if (inet_sk(sk)->inet_rcv_saddr != laddr)
		err = -ENOENT;	/* only an exact match names a listener */
	else if (check && sock_diag_check_cookie(sk, id->xdiag_cookie))
		err = -ESTALE;
	else
		err = sock_diag_destroy(sk, ECONNABORTED);
	sock_put(sk);
	return err;
}

static int xtcp_diag_handler_destroy(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct xtcp_diag_filter f;
	int err;

	err = xtcp_diag_parse(nlh, &f);
	if (err)
		return err;
	if (nlh->nlmsg_flags & NLM_F_DUMP)
		return -EINVAL;		/* one socket at a time, as TCP */
	return xtcp_diag_destroy_tuple(sock_net(skb->sk),
				       &((const struct xtcp_diag_req *)nlmsg_data(nlh))->id);
}

/* ---- registration ------------------------------------------------------- */

static int xtcp_diag_handler_dump(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct net *net = sock_net(skb->sk);
	struct xtcp_diag_filter f;
	int err;

	err = xtcp_diag_parse(nlh, &f);
	if (err)
		return err;
	if (nlh->nlmsg_flags & NLM_F_DUMP) {
		struct netlink_dump_control c = {
			.dump = xtcp_diag_dump,
		};

		return netlink_dump_start(net->diag_nlsk, skb, nlh, &c);
	}
	return xtcp_diag_get_exact(skb, nlh, &f);
}

static struct sock_diag_handler xtcp_diag_handler = {
	.owner	= THIS_MODULE,
	.dump	= xtcp_diag_handler_dump,
	.destroy = xtcp_diag_handler_destroy,
};

int xtcp_sock_diag_init(void)
{
	BUILD_BUG_ON(sizeof(struct xtcp_diag_cursor) >
		     sizeof_field(struct netlink_callback, ctx));
	BUILD_BUG_ON(sizeof(struct xtcp_diag_req) != 56);
	BUILD_BUG_ON(sizeof(struct xtcp_diag_msg) != 72);
	BUILD_BUG_ON((int)XTCP_DIAG_CLOSE_NORMAL != (int)XTCP_CLOSE_NORMAL);
	BUILD_BUG_ON((int)XTCP_DIAG_CLOSE_RESET_RCVD != (int)XTCP_CLOSE_RESET_RCVD);
	BUILD_BUG_ON((int)XTCP_DIAG_CLOSE_RESET_SENT != (int)XTCP_CLOSE_RESET_SENT);
	BUILD_BUG_ON((int)XTCP_DIAG_CLOSE_TIMEOUT != (int)XTCP_CLOSE_TIMEOUT);
	BUILD_BUG_ON((int)XTCP_DIAG_CLOSE_REFUSED != (int)XTCP_CLOSE_REFUSED);
	BUILD_BUG_ON((int)XTCP_DIAG_CLOSE_LISTENER != (int)XTCP_CLOSE_LISTENER);
	xtcp_diag_handler.family = xtcp_family;
	return sock_diag_register(&xtcp_diag_handler);
}

void xtcp_sock_diag_exit(void)
{
	sock_diag_unregister(&xtcp_diag_handler);
}

int xtcp_diag_init(void)
{
	int err;

	err = xtcp_genl_init();
	if (err)
		return err;
	err = xtcp_sock_diag_init();
	if (err) {
		pr_err("xtcp: sock_diag for family %d is taken (%d)\n",
		       xtcp_family, err);
		xtcp_genl_exit();
	}
	return err;
}

void xtcp_diag_exit(void)
{
	xtcp_sock_diag_exit();
	xtcp_genl_exit();
}
