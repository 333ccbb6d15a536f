// SPDX-License-Identifier: GPL-2.0
/*
 * The SYN queue. A SYN to a listener creates a small request entry, not a
 * socket (seed 002): the 4-tuple, both ISNs, the peer's options, and a
 * timer that retransmits the SYN-ACK with exponential backoff. The final
 * ACK turns the entry into a full socket in the accept queue.
 *
 * Entries live in a hash table of their listener and are only touched
 * under the listener's lock. Bounds: min(max(backlog, 1),
 * net.xtcp.max_syn_backlog) entries; beyond, SYNs get a cookie or are
 * dropped and counted (SynQueueDrops). A full
 * accept queue drops SYNs and final ACKs silently (ListenOverflows): never
 * an RST, so the client's retransmission succeeds once the application
 * calls accept() (seed 004).
 *
 * SYN cookies: when the SYN queue is full (net.xtcp.syncookies=1, the
 * default) or always (=2), xtcp_listen_syn() answers with a cookie
 * (syncookies.c) instead of keeping an entry (SyncookiesSent; only
 * with net.xtcp.syncookies=0 are they dropped: SynQueueDrops). The
 * final ACK of a cookie finds no entry and builds the child from the
 * cookie (xtcp_listen_cookie_ack()).
 *
 * References on an entry: the table's, the pending timer's. An entry pins
 * its listener and the module.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/jhash.h>
#include <net/route.h>
#include <linux/security.h>
#include <linux/cgroup.h>
#include "hash.h"
#include "diag.h"

struct xtcp_request {
	struct hlist_node	node;
	struct sock		*listener;
	struct timer_list	timer;
	refcount_t		refcnt;
	__be32			laddr;
	__be32			raddr;
	__be16			lport;
	__be16			rport;
	u32			iss;
	u32			irs;
	u16			peer_mss;
	u16			advmss;
	u16			peer_window;
	u8			snd_wscale;
	u8			rcv_wscale;
	u8			wscale_ok:1,
				sack_ok:1,
				ts_ok:1,	/* the SYN had timestamps, and we take them */
				dead:1,
				mss_opt:1,	/* the SYN had an MSS option */
				pending:1,	/* deferred: no verdict yet, no SYN-ACK sent */
				taken:1;	/* pending, and read by XTCP_ARRIVAL */
	u8			retrans;
	int			iif;
	u32			ts_recent;	/* the SYN's TSval */
	unsigned long		sent;	/* jiffies of the first SYN-ACK */
	/* XTCP_DEFER_HANDSHAKE (docs/protocol.md §30). */
	struct list_head	arrival_node;	/* lq.arrivals, while pending */
	u64			id;
	unsigned long		arrived;	/* jiffies of the SYN */
};

static struct kmem_cache *xtcp_req_cachep __read_mostly;

static void xtcp_req_put(struct xtcp_request *req)
{
	if (refcount_dec_and_test(&req->refcnt)) {
		sock_put(req->listener);
		kmem_cache_free(xtcp_req_cachep, req);
		module_put(THIS_MODULE);
	}
}

static struct hlist_head *xtcp_req_bucket(struct sock *sk, __be32 raddr,
					  __be16 rport)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;

	return &lq->req_hash[jhash_2words((__force u32)raddr,
					  (__force u32)rport,
					  (u32)xtcp_secret.key[1]) &
			     lq->req_mask];
}

int xtcp_synq_alloc(struct sock *sk, unsigned int backlog)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;
	unsigned int n = roundup_pow_of_two(clamp(backlog, 16U, 4096U));
	unsigned int i;

	lq->req_hash = kvmalloc_array(n, sizeof(*lq->req_hash), GFP_KERNEL);
	if (!lq->req_hash)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		INIT_HLIST_HEAD(&lq->req_hash[i]);
	lq->req_mask = n - 1;
	lq->syn_qlen = 0;
	INIT_LIST_HEAD(&lq->arrivals);
	WRITE_ONCE(lq->arrivals_untaken, 0);
	lq->arrivals_waiting = 0;
	return 0;
}

/* A deferred request leaves the arrivals list (verdict or its end). */
static void xtcp_arrival_unlist(struct sock *sk, struct xtcp_request *req)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;

	if (!req->pending)
		return;
	req->pending = 0;
	list_del_init(&req->arrival_node);
	lq->arrivals_waiting--;
	if (!req->taken)
		WRITE_ONCE(lq->arrivals_untaken, lq->arrivals_untaken - 1);
}

/* Listener locked. Idempotent. */
static void xtcp_req_unlink(struct sock *sk, struct xtcp_request *req)
{
	if (req->dead)
		return;
	req->dead = 1;
	xtcp_arrival_unlist(sk, req);
	hlist_del_init(&req->node);
	xtcp_sk(sk)->lq.syn_qlen--;
	if (xtcp_timer_delete(&req->timer))
		xtcp_req_put(req);	/* the timer's */
	xtcp_req_put(req);		/* the table's */
}

void xtcp_synq_purge(struct sock *sk)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;
	unsigned int i;

	if (!lq->req_hash)
		return;
	for (i = 0; i <= lq->req_mask; i++) {
		struct xtcp_request *req;
		struct hlist_node *tmp;

		hlist_for_each_entry_safe(req, tmp, &lq->req_hash[i], node)
			xtcp_req_unlink(sk, req);
	}
}

static void xtcp_send_refusal(struct sock *sk, struct xtcp_request *req);

/*
 * The listener closes (listen.c): every request entry is reset rather
 * than forgotten, and none is handed to another listener, not even to a
 * SO_REUSEPORT group's (Linux TCP with net.ipv4.tcp_migrate_req=0 drops
 * them too). A request that had its SYN-ACK gets <SEQ=ISS+1><ACK=IRS+1>
 * <CTL=RST,ACK>, acceptable to its client in SYN-SENT or ESTABLISHED; one
 * still waiting for a verdict (§30) gets the refusal. Listener locked.
 */
void xtcp_synq_reset(struct sock *sk)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;
	unsigned int i;

	if (!lq->req_hash)
		return;
	for (i = 0; i <= lq->req_mask; i++) {
		struct xtcp_request *req;
		struct hlist_node *tmp;

		hlist_for_each_entry_safe(req, tmp, &lq->req_hash[i], node) {
			if (req->pending)
				xtcp_send_refusal(sk, req);
			else
				xtcp_send_ctl(sock_net(sk), req->laddr,
					      req->raddr, req->lport,
					      req->rport, req->iss + 1,
					      req->irs + 1,
					      XTCP_F_RST | XTCP_F_ACK, 0, NULL,
					      0, sk->sk_bound_dev_if);
			xtcp_req_unlink(sk, req);
		}
	}
}

void xtcp_synq_free(struct sock *sk)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;

	if (!lq->req_hash)
		return;
	xtcp_synq_purge(sk);
	kvfree(lq->req_hash);
	lq->req_hash = NULL;
}

static void xtcp_send_synack(struct sock *sk, struct xtcp_request *req)
{
	struct xtcp_opts opts = {
		.mss = req->advmss,
		.wscale = req->rcv_wscale,
		.wscale_ok = req->wscale_ok,
		.sack_ok = req->sack_ok,
		.tstamp = req->ts_ok,
		.tsecr = req->ts_recent,
	};
	u32 space = min_t(u32, xtcp_rcv_space(sk), 65535);

	if (req->ts_ok)	/* the child's clock (xtcp_ts_init()) */
		opts.tsval = xtcp_ts_now() +
			     xtcp_ts_offset(req->laddr, req->raddr, req->lport,
					    req->rport);

	xtcp_send_ctl(sock_net(sk), req->laddr, req->raddr, req->lport,
		      req->rport, req->iss, req->irs + 1,
		      XTCP_F_SYN | XTCP_F_ACK, space, &opts, 0,
		      sk->sk_bound_dev_if);
}

/* REFUSE, or no verdict in time: the RST a closed port sends to a SYN
 * (<SEQ=0><ACK=IRS+1><CTL=RST,ACK>), which fails the client's connect()
 * with ECONNREFUSED. */
static void xtcp_send_refusal(struct sock *sk, struct xtcp_request *req)
{
	xtcp_send_ctl(sock_net(sk), req->laddr, req->raddr, req->lport,
		      req->rport, 0, req->irs + 1, XTCP_F_RST | XTCP_F_ACK, 0,
		      NULL, 0, sk->sk_bound_dev_if);
}

static void xtcp_req_timer_fn(struct timer_list *t)
{
	struct xtcp_request *req = xtcp_timer_container(req, t, timer);
	struct sock *sk = req->listener;
	struct xtcp_net *xn = xtcp_sk_net(sk);
	unsigned long timeout, max_rto;

	bh_lock_sock(sk);
	if (req->dead)
		goto out;
	if (sock_owned_by_user(sk)) {
		if (!mod_timer(&req->timer, jiffies + XTCP_TIMER_DEFER))
			refcount_inc(&req->refcnt);
		goto out;
	}
	if (req->pending) {
		/* No verdict within net.xtcp.arrival_timeout_ms: refused. */
		XTCP_INC_STATS(xn, ARRIVALSTIMEDOUT);
		xtcp_send_refusal(sk, req);
		xtcp_req_unlink(sk, req);
		goto out;
	}
	if (req->retrans >= READ_ONCE(xn->sysctl.synack_retries)) {
		xtcp_req_unlink(sk, req);
		goto out;
	}
	req->retrans++;
	XTCP_INC_STATS(xn, SYNACKRETRANS);
	xtcp_send_synack(sk, req);
	/* RFC 6298 5.5 backoff, within net.xtcp.rto_max_ms. */
	timeout = xtcp_initial_rto(xn);
	max_rto = max(msecs_to_jiffies(READ_ONCE(xn->sysctl.rto_max_ms)), timeout);
	timeout = req->retrans >= BITS_PER_LONG - 1 ||
		  timeout > (max_rto >> req->retrans) ?
		  max_rto : timeout << req->retrans;
	if (!mod_timer(&req->timer, jiffies + timeout))
		refcount_inc(&req->refcnt);
out:
	bh_unlock_sock(sk);
	xtcp_req_put(req);	/* this expiry's reference */
}

static struct xtcp_request *xtcp_req_find(struct sock *sk, __be32 raddr,
					  __be16 rport, __be32 laddr)
{
	struct xtcp_request *req;

	if (!xtcp_sk(sk)->lq.req_hash)
		return NULL;
	hlist_for_each_entry(req, xtcp_req_bucket(sk, raddr, rport), node)
		if (req->raddr == raddr && req->rport == rport &&
		    req->laddr == laddr)
			return req;
	return NULL;
}

static unsigned int xtcp_synq_limit(struct sock *sk)
{
	unsigned int backlog = max_t(u32, READ_ONCE(sk->sk_max_ack_backlog), 1);

	return min_t(unsigned int, backlog,
		     READ_ONCE(xtcp_sk_net(sk)->sysctl.max_syn_backlog));
}

/* What a request entry holds of a SYN, from the SYN itself. */
static void xtcp_req_fill(struct sock *sk, struct xtcp_request *req,
			  const struct sk_buff *skb,
			  const struct xtcp_opts *opts)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct xtcphdr *th = (const struct xtcphdr *)skb_transport_header(skb);

	req->laddr = iph->daddr;
	req->raddr = iph->saddr;
	req->lport = th->dest;
	req->rport = th->source;
	req->irs = cb->seq;
	req->peer_mss = opts->mss ?: XTCP_MSS_DEFAULT;
	req->advmss = cb->advmss;
	req->mss_opt = !!opts->mss;
	req->peer_window = cb->window;
	req->wscale_ok = opts->wscale_ok;
	req->sack_ok = opts->sack_ok;
	req->snd_wscale = opts->wscale_ok ? min_t(u8, opts->wscale, XTCP_MAX_WSCALE) : 0;
	req->rcv_wscale = opts->wscale_ok ? xtcp_choose_wscale(sk) : 0;
	req->ts_ok = opts->tstamp &&
		     READ_ONCE(xtcp_sk_net(sk)->sysctl.timestamps);
	req->ts_recent = opts->tsval;
	req->iif = cb->iif;
}

/*
 * No room (or net.xtcp.syncookies=2): answer with a SYN-ACK whose ISN is
 * a cookie (syncookies.c) and keep nothing. The entry on the stack only
 * carries the values to xtcp_send_synack().
 */
static void xtcp_listen_syn_cookie(struct sock *sk, struct sk_buff *skb,
				   const struct xtcp_opts *opts)
{
	struct xtcp_request req = { };
	struct xtcp_cookie_opts co;

	xtcp_req_fill(sk, &req, skb, opts);
	/* A cookie keeps nothing to check TSvals against: no timestamps
	 * (docs/protocol.md §32). */
	req.ts_ok = 0;
	co.mss = req.peer_mss;
	co.wscale = req.snd_wscale;
	co.wscale_ok = req.wscale_ok;
	co.sack_ok = req.sack_ok;
	req.iss = xtcp_syncookie_make(sock_net(sk), req.laddr, req.raddr,
				      req.lport, req.rport, req.irs, &co);
	/* Cookie ACKs are checked for a while after this (xtcp_listen_rcv). */
	WRITE_ONCE(xtcp_sk(sk)->lq.cookie_stamp, jiffies | 1);
	XTCP_INC_STATS(xtcp_sk_net(sk), SYNCOOKIESSENT);
	xtcp_send_synack(sk, &req);
}

/*
 * A SYN for a listener: keep a request entry and answer SYN-ACK; or a
 * cookie when the SYN queue is full (net.xtcp.syncookies=1) or always
 * (=2). A full accept queue still drops the SYN, cookie or not: the
 * client retries, and is never refused (seed 004).
 */
static void xtcp_listen_syn(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	int cookies = READ_ONCE(xn->sysctl.syncookies);
	bool defer = xtcp_sk(sk)->defer_handshake;
	struct xtcp_request *req;
	struct xtcp_opts opts;

	if (sk_acceptq_is_full(sk)) {
		XTCP_INC_STATS(xn, LISTENOVERFLOWS);
		XTCP_INC_STATS(xn, LISTENDROPS);
		return;
	}
	if (xtcp_parse_options(skb, &opts))
		return;
	/* A cookie cannot carry a deferred request: a deferring listener
	 * never sends one, and a full SYN queue drops (docs/protocol.md §30). */
	if (defer)
		cookies = 0;
	if (cookies == 2) {
		xtcp_listen_syn_cookie(sk, skb, &opts);
		return;
	}
	if (xtcp_sk(sk)->lq.syn_qlen >= xtcp_synq_limit(sk)) {
		if (cookies) {
			xtcp_listen_syn_cookie(sk, skb, &opts);
			return;
		}
		XTCP_INC_STATS(xn, SYNQUEUEDROPS);
		XTCP_INC_STATS(xn, LISTENDROPS);
		return;
	}
	req = kmem_cache_zalloc(xtcp_req_cachep, GFP_ATOMIC);
	if (!req) {
		XTCP_INC_STATS(xn, LISTENDROPS);
		return;
	}
	__module_get(THIS_MODULE);
	sock_hold(sk);
	req->listener = sk;
	xtcp_req_fill(sk, req, skb, &opts);
	req->iss = cb->isn_hint ?: xtcp_isn(req->laddr, req->raddr,
					    req->lport, req->rport);
	req->sent = jiffies;
	timer_setup(&req->timer, xtcp_req_timer_fn, 0);
	refcount_set(&req->refcnt, 2);	/* table + timer */
	INIT_LIST_HEAD(&req->arrival_node);
	hlist_add_head(&req->node, xtcp_req_bucket(sk, req->raddr, req->rport));
	xtcp_sk(sk)->lq.syn_qlen++;
	if (defer) {
		struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;

		/* An arrival: no SYN-ACK until the verdict (§30). */
		req->pending = 1;
		req->id = ++lq->arrival_seq;
		req->arrived = jiffies;
		list_add_tail(&req->arrival_node, &lq->arrivals);
		lq->arrivals_waiting++;
		WRITE_ONCE(lq->arrivals_untaken, lq->arrivals_untaken + 1);
		mod_timer(&req->timer, jiffies +
			  msecs_to_jiffies(READ_ONCE(xn->sysctl.arrival_timeout_ms)));
		sk->sk_data_ready(sk);	/* EPOLLPRI */
		return;
	}
	mod_timer(&req->timer, jiffies + xtcp_initial_rto(xtcp_sk_net(sk)));
	xtcp_send_synack(sk, req);
}

/*
 * XTCP_ARRIVAL: the oldest arrival not yet read. Listener locked by the
 * caller (lock_sock). -EAGAIN when none waits.
 */
int xtcp_arrival_take(struct sock *sk, struct xtcp_arrival *xa)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;
	struct sockaddr_in *sin;
	struct xtcp_request *req;

	if (sk->sk_state != TCP_LISTEN || !xtcp_sk(sk)->defer_handshake)
		return -EINVAL;
	list_for_each_entry(req, &lq->arrivals, arrival_node) {
		if (req->taken)
			continue;
		req->taken = 1;
		WRITE_ONCE(lq->arrivals_untaken, lq->arrivals_untaken - 1);
		memset(xa, 0, sizeof(*xa));
		xa->xa_id = req->id;
		xa->xa_age_ms = jiffies_to_msecs(jiffies - req->arrived);
		xa->xa_mss = req->peer_mss;
		xa->xa_wscale = req->snd_wscale;
		xa->xa_flags = (req->wscale_ok ? XTCP_ARRIVAL_F_WSCALE : 0) |
			       (req->sack_ok ? XTCP_ARRIVAL_F_SACK : 0) |
			       (req->mss_opt ? XTCP_ARRIVAL_F_MSS : 0);
		sin = (struct sockaddr_in *)&xa->xa_peer;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = req->raddr;
		sin->sin_port = req->rport;
		sin = (struct sockaddr_in *)&xa->xa_local;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = req->laddr;
		sin->sin_port = req->lport;
		return 0;
	}
	return -EAGAIN;
}

/*
 * XTCP_VERDICT on arrival @id. Listener locked by the caller (lock_sock):
 * segments for it wait in the backlog and the request timers defer, so
 * the entry cannot change under us. -ENOENT when no arrival of that id
 * waits (never given, already answered, or timed out).
 */
int xtcp_arrival_verdict(struct sock *sk, u64 id, u32 verdict)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_request *req, *found = NULL;

	if (sk->sk_state != TCP_LISTEN || !xtcp_sk(sk)->defer_handshake)
		return -EINVAL;
	list_for_each_entry(req, &xtcp_sk(sk)->lq.arrivals, arrival_node)
		if (req->id == id) {
			found = req;
			break;
		}
	if (!found)
		return -ENOENT;
	req = found;
	local_bh_disable();
	switch (verdict) {
	case XTCP_VERDICT_ACCEPT:
		XTCP_INC_STATS(xn, ARRIVALSACCEPTED);
		xtcp_arrival_unlist(sk, req);
		/* From here on an ordinary request entry: its SYN-ACK, its
		 * retransmissions, its RTT sample from now. */
		req->sent = jiffies;
		req->retrans = 0;
		if (!mod_timer(&req->timer, jiffies + xtcp_initial_rto(xn)))
			refcount_inc(&req->refcnt);
		xtcp_send_synack(sk, req);
		break;
	case XTCP_VERDICT_REFUSE:
		XTCP_INC_STATS(xn, ARRIVALSREFUSED);
		xtcp_send_refusal(sk, req);
		xtcp_req_unlink(sk, req);
		break;
	default:	/* XTCP_VERDICT_DROP, checked by the caller */
		XTCP_INC_STATS(xn, ARRIVALSDROPPED);
		xtcp_req_unlink(sk, req);
		break;
	}
	local_bh_enable();
	return 0;
}

/*
 * The cgroup of a child made in softirq: sk_alloc() gave it the root
 * cgroup (cgroup_sk_alloc() in interrupt), with a reference on it and on
 * its BPF programs; the child belongs to its listener's cgroup, as TCP's
 * sk_clone_lock() copies it with cgroup_sk_clone(), which is not
 * exported. The same references are dropped and taken here, in the same
 * way, with the inline helpers of <linux/cgroup.h> (cgroup_get() is
 * css_get(): the listener's cgroup may be removed already, as there). The
 * v1 classid and prioidx, which sk_alloc() leaves 0 in softirq, are the
 * listener's too (the same on 6.1 and 6.12); __sk_destruct()'s
 * cgroup_sk_free() puts what is here.
 */
static void xtcp_sk_cgroup_inherit(struct sock *child,
				   const struct sock *parent)
{
#ifdef CONFIG_SOCK_CGROUP_DATA
	struct sock_cgroup_data *skcd = &child->sk_cgrp_data;
	struct cgroup *from = sock_cgroup_ptr(skcd);
	struct cgroup *to = sock_cgroup_ptr(
		(struct sock_cgroup_data *)&parent->sk_cgrp_data);

	if (from != to) {
		cgroup_get(to);
		cgroup_bpf_get(to);
		skcd->cgroup = to;
		cgroup_bpf_put(from);
		cgroup_put(from);
	}
	sock_cgroup_set_classid(skcd, sock_cgroup_classid(&parent->sk_cgrp_data));
	sock_cgroup_set_prioidx(skcd, sock_cgroup_prioidx(&parent->sk_cgrp_data));
#endif
}

/* The final ACK: a full socket, ESTABLISHED, for the accept queue. */
static struct sock *xtcp_create_child(struct sock *sk,
				      struct xtcp_request *req,
				      struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs;
	struct inet_sock *inet;
	struct flowi4 *fl4;
	struct rtable *rt;
	struct sock *child;

	child = sk_alloc(sock_net(sk), xtcp_family, GFP_ATOMIC, &xtcp_prot, 0);
	if (!child)
		return NULL;
	/* The listener's cgroup, before anything is sent (cgroup-BPF egress,
	 * netfilter's cgroup matches). */
	xtcp_sk_cgroup_inherit(child, sk);
	sock_init_data(NULL, child);
	child->sk_type = SOCK_STREAM;
	xtcp_init_sock(child);
	xs = xtcp_sk(child);
	inet = inet_sk(child);

	/* What the listener's owner set applies to its children. */
	child->sk_reuse = sk->sk_reuse;
	child->sk_reuseport = sk->sk_reuseport;
	child->sk_rcvbuf = sk->sk_rcvbuf;
	child->sk_sndbuf = sk->sk_sndbuf;
	child->sk_userlocks = sk->sk_userlocks & ~SOCK_BINDPORT_LOCK;
	child->sk_bound_dev_if = sk->sk_bound_dev_if;
	child->sk_mark = sk->sk_mark;
	child->sk_priority = sk->sk_priority;
	child->sk_uid = sk->sk_uid;
	child->sk_lingertime = sk->sk_lingertime;
	if (sock_flag(sk, SOCK_LINGER))
		sock_set_flag(child, SOCK_LINGER);
	if (sock_flag(sk, SOCK_KEEPOPEN))
		sock_set_flag(child, SOCK_KEEPOPEN);
	/* The LSM's label of the listener goes to the child (TCP's
	 * sk_clone_lock() does this). */
	security_sk_clone(sk, child);
	xs->nodelay = xtcp_sk(sk)->nodelay;
	xs->user_mss = xtcp_sk(sk)->user_mss;
	xs->keepidle = xtcp_sk(sk)->keepidle;
	xs->keepintvl = xtcp_sk(sk)->keepintvl;
	xs->keepcnt = xtcp_sk(sk)->keepcnt;
	xs->user_timeout = xtcp_sk(sk)->user_timeout;
	xtcp_cc_inherit(child, sk);

	inet->inet_saddr = req->laddr;
	inet->inet_rcv_saddr = req->laddr;
	inet->inet_daddr = req->raddr;
	inet->inet_dport = req->rport;

	fl4 = &inet->cork.fl.u.ip4;
	rt = xtcp_route_output(sock_net(child), fl4, child, req->raddr,
			       req->laddr, req->rport, req->lport,
			       child->sk_bound_dev_if);
	if (IS_ERR(rt))
		goto fail;
	sk_setup_caps(child, &rt->dst);

	xs->iss = req->iss;
	xs->snd_una = req->iss + 1;
	xs->snd_nxt = req->iss + 1;
	xs->write_seq = req->iss + 1;
	xs->irs = req->irs;
	xs->rcv_nxt = req->irs + 1;
	xs->copied_seq = xs->rcv_nxt;
	xs->rcv_wup = xs->rcv_nxt;
	xs->rcv_wscale = req->rcv_wscale;
	xs->snd_wscale = req->snd_wscale;
	xs->wscale_ok = req->wscale_ok;
	xs->sack_ok = req->sack_ok;
	xs->rcv_wnd = min_t(u32, xtcp_rcv_space(sk), 65535);
	xs->snd_wnd = (u32)cb->window << xs->snd_wscale;
	xs->max_snd_wnd = xs->snd_wnd;
	xs->snd_wl1 = cb->seq;
	xs->snd_wl2 = cb->ack_seq;
	xs->peer_mss = req->peer_mss;
	xs->advmss = req->advmss;
	xtcp_ts_init(child, req->ts_ok);
	/* The port is the listener's, not yet the child's: the offset the
	 * SYN-ACK used. */
	xs->ts_offset = xtcp_ts_offset(req->laddr, req->raddr, req->lport,
				       req->rport);
	if (req->ts_ok) {
		xs->ts_recent = req->ts_recent;
		xs->ts_recent_stamp = (u32)ktime_get_seconds() ?: 1;
		xtcp_ts_update_recent(child, skb);	/* the final ACK's */
	}
	xs->pmtu_cookie = 0;	/* the route's, at the first transmission */
	xs->mtu_info = 0;
	xtcp_pmtu_init(child);
	xtcp_sync_mss(child);
	if (!req->retrans)	/* Karn: no sample from a retransmitted SYN-ACK */
		xtcp_rtt_sample(child, jiffies_to_usecs(jiffies - req->sent));
	else if ((cb->sacked & XTCP_SKB_TSTAMP) &&	/* ... but the echo has one */
		 xtcp_ts_rtt_us(child, cb->tsecr) >= 0)
		xtcp_rtt_sample(child, xtcp_ts_rtt_us(child, cb->tsecr));

	child->sk_state = TCP_SYN_RECV;
	xtcp_inherit_port(child, sk);
	xtcp_set_state(child, TCP_ESTABLISHED);
	xtcp_ehash_insert(child);
	xs->rcv_tstamp = jiffies;
	xs->lrcvtime = jiffies;
	xtcp_keepalive_start(child);
	XTCP_INC_STATS(xtcp_sk_net(sk), PASSIVEOPENS);
	return child;

fail:
	/* Never hashed nor bound: only the allocation's reference. */
	sock_orphan(child);
	xs->destroyed = 1;
	sk_free(child);
	return NULL;
}

/* A new child into the accept queue; it takes @skb if that carries data
 * or FIN, else @skb is freed. */
static void xtcp_child_ready(struct sock *sk, struct sock *child,
			     struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	bh_lock_sock_nested(child);
	xtcp_acceptq_add(sk, child);
	if (skb->len || (cb->flags & XTCP_F_FIN)) {
		/* The final ACK carried data or FIN: the child takes it. */
		xtcp_rcv_state_process(child, skb);
		bh_unlock_sock(child);
		return;
	}
	bh_unlock_sock(child);
	kfree_skb(skb);
}

/* A segment for an entry in the SYN queue (RFC 9293 SYN-RECEIVED). */
static void xtcp_req_rcv(struct sock *sk, struct xtcp_request *req,
			 struct sk_buff *skb)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sock *child;

	if (cb->flags & XTCP_F_RST) {
		XTCP_INC_STATS(xn, INRSTS);
		if (cb->seq == req->irs + 1) {
			XTCP_INC_STATS(xn, ATTEMPTFAILS);
			xtcp_req_unlink(sk, req);
		}
		goto discard;
	}
	if (cb->flags & XTCP_F_SYN) {
		/* SYN repeated: answered again, or absorbed while the
		 * arrival waits for its verdict (no second arrival). */
		if (cb->seq == req->irs && (cb->sacked & XTCP_SKB_TSTAMP))
			req->ts_recent = cb->tsval;	/* echo the latest */
		if (cb->seq == req->irs && !(cb->flags & XTCP_F_ACK) &&
		    !req->pending)
			xtcp_send_synack(sk, req);
		goto discard;
	}
	/* No SYN-ACK left for a waiting arrival: nothing to acknowledge. */
	if (!(cb->flags & XTCP_F_ACK) || req->pending)
		goto discard;
	if (cb->ack_seq != req->iss + 1) {
		xtcp_send_reset_reply(sock_net(sk), skb);
		goto discard;
	}
	if (!xtcp_between(cb->seq, req->irs + 1, req->irs + 1 + 65535 * 2))
		goto discard;

	if (sk_acceptq_is_full(sk)) {
		/* Keep the entry: our SYN-ACK retransmission will draw the
		 * ACK again once accept() has made room. */
		XTCP_INC_STATS(xn, LISTENOVERFLOWS);
		XTCP_INC_STATS(xn, LISTENDROPS);
		goto discard;
	}
	child = xtcp_create_child(sk, req, skb);
	if (!child) {
		XTCP_INC_STATS(xn, LISTENDROPS);
		goto discard;
	}
	xtcp_req_unlink(sk, req);
	xtcp_child_ready(sk, child, skb);
	return;
discard:
	kfree_skb(skb);
}

/*
 * An ACK for a listener without a request entry while cookies are in use:
 * a connection if ack - 1 is a cookie we sent. Otherwise dropped and
 * counted (SyncookiesFailed), without RST: under a flood, answering every
 * forged ACK would only add to it (Linux drops them too).
 */
static void xtcp_listen_cookie_ack(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct xtcphdr *th = (const struct xtcphdr *)skb_transport_header(skb);
	struct xtcp_request req = { };
	struct xtcp_cookie_opts co;
	struct sock *child;

	if (xtcp_syncookie_check(sock_net(sk), iph->daddr, iph->saddr,
				 th->dest, th->source, cb->seq - 1,
				 cb->ack_seq - 1, &co)) {
		XTCP_INC_STATS(xn, SYNCOOKIESFAILED);
		XTCP_INC_STATS(xn, LISTENDROPS);
		kfree_skb(skb);
		return;
	}
	XTCP_INC_STATS(xn, SYNCOOKIESRECV);
	if (sk_acceptq_is_full(sk)) {
		/* As for a request entry: silence, the peer's retransmitted
		 * data (or nothing, see docs/protocol.md) comes back. */
		XTCP_INC_STATS(xn, LISTENOVERFLOWS);
		XTCP_INC_STATS(xn, LISTENDROPS);
		kfree_skb(skb);
		return;
	}
	req.laddr = iph->daddr;
	req.raddr = iph->saddr;
	req.lport = th->dest;
	req.rport = th->source;
	req.iss = cb->ack_seq - 1;
	req.irs = cb->seq - 1;
	req.peer_mss = co.mss;
	req.advmss = cb->advmss;
	req.wscale_ok = co.wscale_ok;
	req.sack_ok = co.sack_ok;
	req.snd_wscale = co.wscale;
	req.rcv_wscale = co.wscale_ok ? xtcp_choose_wscale(sk) : 0;
	req.iif = cb->iif;
	req.retrans = 1;	/* when the SYN-ACK left is unknown: no RTT sample */
	child = xtcp_create_child(sk, &req, skb);
	if (!child) {
		XTCP_INC_STATS(xn, LISTENDROPS);
		kfree_skb(skb);
		return;
	}
	xtcp_child_ready(sk, child, skb);
}

/* Are cookie ACKs to be checked: mode 2, or a cookie sent lately? */
static bool xtcp_cookies_in_use(struct sock *sk)
{
	unsigned long stamp = READ_ONCE(xtcp_sk(sk)->lq.cookie_stamp);

	if (READ_ONCE(xtcp_sk_net(sk)->sysctl.syncookies) == 2)
		return true;
	/* A cookie lives at most 128 s (syncookies.c). */
	return stamp && time_before(jiffies, stamp + 130 * HZ);
}

/* LISTEN: RFC 9293 3.10.7.2, plus the SYN queue entries. */
int xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct xtcphdr *th = (const struct xtcphdr *)skb_transport_header(skb);
	struct xtcp_request *req;

	req = xtcp_req_find(sk, ip_hdr(skb)->saddr, th->source,
			    ip_hdr(skb)->daddr);
	if (req) {
		xtcp_req_rcv(sk, req, skb);
		return 0;
	}
	/*
	 * Segments that waited in the listener's backlog behind the final
	 * ACK (while accept() held the listener) belong to the child that
	 * ACK created: hand them over instead of answering RST.
	 */
	if (!(cb->flags & XTCP_F_SYN)) {
		struct sock *child = xtcp_ehash_lookup(xtcp_sk_net(sk),
						       ip_hdr(skb)->saddr,
						       th->source,
						       ip_hdr(skb)->daddr,
						       ntohs(th->dest), cb->iif);

		if (child) {
			bh_lock_sock_nested(child);
			if (!sock_owned_by_user(child))
				xtcp_rcv_state_process(child, skb);
			else if (sk_add_backlog(child, skb,
						2 * READ_ONCE(child->sk_rcvbuf) +
						READ_ONCE(child->sk_sndbuf) + 65536))
				kfree_skb(skb);
			bh_unlock_sock(child);
			sock_put(child);
			return 0;
		}
	}
	if (cb->flags & XTCP_F_RST)
		goto discard;
	if ((cb->flags & XTCP_F_ACK) && !(cb->flags & XTCP_F_SYN) &&
	    xtcp_cookies_in_use(sk)) {
		xtcp_listen_cookie_ack(sk, skb);
		return 0;
	}
	if (cb->flags & XTCP_F_ACK) {
		xtcp_send_reset_reply(sock_net(sk), skb);
		goto discard;
	}
	if (cb->flags & XTCP_F_SYN)
		xtcp_listen_syn(sk, skb);
discard:
	kfree_skb(skb);
	return 0;
}

/*
 * diag.c: visit the SYN queue of a listener read-only, skipping the first
 * *pos entries. The caller owns the listener (lock_sock). *pos counts the
 * entries @fn accepted (returned 0); a non-zero return stops the walk and
 * is returned.
 */
int xtcp_synq_diag_walk(struct sock *sk, unsigned int *pos,
			int (*fn)(const struct xtcp_req_diag *rd, void *arg),
			void *arg)
{
	struct xtcp_listen_state *lq = &xtcp_sk(sk)->lq;
	unsigned int i, n = 0;
	int err;

	if (!lq->req_hash)
		return 0;
	for (i = 0; i <= lq->req_mask; i++) {
		struct xtcp_request *req;

		hlist_for_each_entry(req, &lq->req_hash[i], node) {
			struct xtcp_req_diag rd = {
				.laddr = req->laddr,
				.raddr = req->raddr,
				.lport = req->lport,
				.rport = req->rport,
				.retrans = req->retrans,
				.timer_pending = timer_pending(&req->timer),
				.expires = READ_ONCE(req->timer.expires),
				.iif = req->iif,
				.pending = req->pending,
				.taken = req->taken,
				.id = req->id,
				.age_ms = req->pending ?
					jiffies_to_msecs(jiffies - req->arrived) : 0,
			};

			if (n++ < *pos)
				continue;
			err = fn(&rd, arg);
			if (err)
				return err;
			(*pos)++;
		}
	}
	return 0;
}

unsigned int xtcp_synq_diag_limit(struct sock *sk)
{
	return xtcp_synq_limit(sk);
}

int xtcp_synq_init(void)
{
	xtcp_req_cachep = kmem_cache_create("xtcp_request",
					    sizeof(struct xtcp_request), 0,
					    SLAB_HWCACHE_ALIGN, NULL);
	return xtcp_req_cachep ? 0 : -ENOMEM;
}

void xtcp_synq_exit(void)
{
	kmem_cache_destroy(xtcp_req_cachep);
}
