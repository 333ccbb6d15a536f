// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "xtcp": the per-namespace counters on request
 * (XTCP_CMD_GET_COUNTERS) and live connection events on the multicast group
 * "events" (XTCP_CMD_EVENT). Format in uapi/linux/xtcp_diag.h.
 *
 * Events come from xtcp_set_state(), the one place every state change goes
 * through, and from the TIME-WAIT table. They run in whatever context the
 * state changes in (softirq, socket locked, sometimes a bucket lock held),
 * so they allocate with GFP_ATOMIC and take no lock but, when a socket
 * hands over to a TIME-WAIT entry, a TIME-WAIT bucket lock (allowed after
 * a socket and a bind bucket lock). With nobody subscribed in the
 * namespace an event costs a flag and a bitmap test.
 *
 * The socket's own FIN-WAIT-2 (or CLOSING) -> CLOSED when a TIME-WAIT
 * entry takes over its 4-tuple is not reported: the entry reports
 * "-> TIME-WAIT" instead, and "TIME-WAIT -> CLOSED" when it ends, so a
 * subscriber sees one connection's life in order.
 */
#include <linux/module.h>
#include <linux/sock_diag.h>
#include <linux/xtcp_diag.h>
#include <net/genetlink.h>
#include "hash.h"
#include "timewait.h"
#include "diag.h"

enum {
	XTCP_MCGRP_EVENTS,
};

static const struct genl_multicast_group xtcp_genl_mcgrps[] = {
	[XTCP_MCGRP_EVENTS] = { .name = XTCP_GENL_MCGRP_EVENTS },
};

static int xtcp_genl_get_counters(struct sk_buff *skb, struct genl_info *info);

static const struct genl_small_ops xtcp_genl_ops[] = {
	{
		.cmd	= XTCP_CMD_GET_COUNTERS,
		.doit	= xtcp_genl_get_counters,
	},
};

static struct genl_family xtcp_genl_family __ro_after_init = {
	.name		= XTCP_GENL_NAME,
	.version	= XTCP_GENL_VERSION,
	.maxattr	= 0,		/* requests carry no attributes */
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= xtcp_genl_ops,
	.n_small_ops	= ARRAY_SIZE(xtcp_genl_ops),
	.mcgrps		= xtcp_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(xtcp_genl_mcgrps),
};

/* Set once the family (and so its multicast group offset) exists. */
static bool xtcp_genl_ready __read_mostly;

u64 xtcp_sock_cookie(struct sock *sk)
{
	u32 c[2];

	sock_diag_save_cookie(sk, c);	/* generates it on first use */
	return (u64)c[1] << 32 | c[0];
}

static int xtcp_genl_get_counters(struct sk_buff *skb, struct genl_info *info)
{
	struct xtcp_net *xn = xtcp_pernet(genl_info_net(info));
	struct nlattr *all, *one;
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new(XTCP_MIB_MAX * 64 + 64, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &xtcp_genl_family, 0,
				XTCP_CMD_GET_COUNTERS);
	if (!hdr)
		goto toobig;
	all = nla_nest_start(msg, XTCP_A_COUNTERS);
	if (!all)
		goto toobig;
	for (i = 0; i < XTCP_MIB_MAX; i++) {
		one = nla_nest_start(msg, XTCP_A_COUNTER);
		if (!one ||
		    nla_put_u32(msg, XTCP_A_CTR_ID, i) ||
		    nla_put_string(msg, XTCP_A_CTR_NAME, xtcp_mib_names[i]) ||
		    nla_put_u64_64bit(msg, XTCP_A_CTR_VALUE,
				      (u64)xtcp_mib_read(xn, i), XTCP_A_CTR_PAD))
			goto toobig;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, all);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

toobig:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static bool xtcp_event_wanted(struct net *net)
{
	return READ_ONCE(xtcp_genl_ready) &&
	       genl_has_listeners(&xtcp_genl_family, net, XTCP_MCGRP_EVENTS);
}

struct xtcp_event {
	u8	type;
	u8	old_state;
	u8	new_state;
	u8	reason;
	__be32	saddr;
	__be32	daddr;
	u16	sport;		/* host order */
	u16	dport;
	u64	cookie;
};

static void xtcp_event_send(struct net *net, const struct xtcp_event *ev)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(192, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &xtcp_genl_family, 0, XTCP_CMD_EVENT);
	if (!hdr)
		goto fail;
	if (nla_put_u8(skb, XTCP_A_EV_TYPE, ev->type) ||
	    nla_put_u8(skb, XTCP_A_EV_OLD_STATE, ev->old_state) ||
	    nla_put_u8(skb, XTCP_A_EV_NEW_STATE, ev->new_state) ||
	    nla_put_in_addr(skb, XTCP_A_EV_SADDR, ev->saddr) ||
	    nla_put_in_addr(skb, XTCP_A_EV_DADDR, ev->daddr) ||
	    nla_put_u16(skb, XTCP_A_EV_SPORT, ev->sport) ||
	    nla_put_u16(skb, XTCP_A_EV_DPORT, ev->dport) ||
	    nla_put_u64_64bit(skb, XTCP_A_EV_COOKIE, ev->cookie, XTCP_A_PAD) ||
	    (ev->type == XTCP_EV_CLOSE &&
	     nla_put_u8(skb, XTCP_A_EV_REASON, ev->reason)) ||
	    nla_put_u64_64bit(skb, XTCP_A_EV_TIME_NS, ktime_get_real_ns(),
			      XTCP_A_PAD))
		goto fail;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&xtcp_genl_family, net, skb, 0,
				XTCP_MCGRP_EVENTS, GFP_ATOMIC);
	return;
fail:
	nlmsg_free(skb);
}

/* Did a TIME-WAIT entry just take over this socket's 4-tuple? */
static bool xtcp_event_tw_took_over(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	u64 cookie = atomic64_read(&sk->sk_cookie);
	struct xtcp_tw *tw;
	bool ret;

	if (!cookie || !inet->inet_num)
		return false;
	tw = xtcp_tw_lookup(xtcp_sk_net(sk), inet->inet_daddr, inet->inet_dport,
			    inet->inet_rcv_saddr, inet->inet_num);
	if (!tw)
		return false;
	ret = tw->cookie == cookie;
	xtcp_tw_put(tw);
	return ret;
}

void xtcp_event_state(struct sock *sk, int old, int state)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_event ev;

	if (!xtcp_event_wanted(sock_net(sk)))
		return;
	if (state == TCP_CLOSE &&
	    ((1 << old) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | TCPF_CLOSING)) &&
	    xtcp_event_tw_took_over(sk))
		return;

	if (state == TCP_CLOSE)
		ev.type = XTCP_EV_CLOSE;
	else if (old == TCP_CLOSE ||
		 /* a child of a listener: created in SYN-RECV, not yet queued */
		 (old == TCP_SYN_RECV && state == TCP_ESTABLISHED &&
		  !sk->sk_socket && !sock_flag(sk, SOCK_DEAD)))
		ev.type = XTCP_EV_NEW;
	else
		ev.type = XTCP_EV_STATE;
	ev.old_state = old;
	ev.new_state = state;
	ev.reason = state == TCP_CLOSE ? xtcp_sk(sk)->close_reason : 0;
	ev.saddr = inet->inet_rcv_saddr ?: inet->inet_saddr;
	ev.daddr = inet->inet_daddr;
	ev.sport = inet->inet_num;
	ev.dport = ntohs(inet->inet_dport);
	ev.cookie = xtcp_sock_cookie(sk);
	xtcp_event_send(sock_net(sk), &ev);
}

void xtcp_event_tw_create(struct sock *sk, struct xtcp_tw *tw)
{
	struct xtcp_event ev;

	tw->cookie = xtcp_sock_cookie(sk);
	if (!xtcp_event_wanted(sock_net(sk)))
		return;
	ev.type = XTCP_EV_STATE;
	ev.old_state = sk->sk_state;
	ev.new_state = TCP_TIME_WAIT;
	ev.reason = 0;
	ev.saddr = tw->laddr;
	ev.daddr = tw->raddr;
	ev.sport = tw->lport;
	ev.dport = ntohs(tw->rport);
	ev.cookie = tw->cookie;
	xtcp_event_send(sock_net(sk), &ev);
}

void xtcp_event_tw_gone(struct xtcp_tw *tw)
{
	struct net *net = read_pnet(&tw->net);
	struct xtcp_event ev;

	if (!xtcp_event_wanted(net))
		return;
	ev.type = XTCP_EV_CLOSE;
	ev.old_state = TCP_TIME_WAIT;
	ev.new_state = TCP_CLOSE;
	/* The timer function runs at or after the expiry; a kill is early. */
	ev.reason = time_before(jiffies, READ_ONCE(tw->timer.expires)) ?
		XTCP_DIAG_CLOSE_TW_KILLED : XTCP_DIAG_CLOSE_NORMAL;
	ev.saddr = tw->laddr;
	ev.daddr = tw->raddr;
	ev.sport = tw->lport;
	ev.dport = ntohs(tw->rport);
	ev.cookie = tw->cookie;
	xtcp_event_send(net, &ev);
}

int xtcp_genl_init(void)
{
	int err;

	err = genl_register_family(&xtcp_genl_family);
	if (err) {
		pr_err("xtcp: cannot register generic netlink family \"%s\" (%d)\n",
		       XTCP_GENL_NAME, err);
		return err;
	}
	WRITE_ONCE(xtcp_genl_ready, true);
	return 0;
}

void xtcp_genl_exit(void)
{
	WRITE_ONCE(xtcp_genl_ready, false);
	genl_unregister_family(&xtcp_genl_family);
}
