/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A TIME-WAIT entry: what is left of a connection after the active close,
 * kept small (<= 128 bytes) so that tens of thousands cost little.
 */
#ifndef _XTCP_TIMEWAIT_H
#define _XTCP_TIMEWAIT_H

#include "xtcp.h"
#include "pernet.h"
#include "hash.h"

struct xtcp_tw {
	struct hlist_node	node;		/* twhash, by 4-tuple */
	struct hlist_node	bind_node;	/* bhash, by local port */
	struct timer_list	timer;
	possible_net_t		net;
	u64			cookie;		/* the socket's, for diag and events */
	__be32			laddr;
	__be32			raddr;
	u16			lport;		/* host order */
	__be16			rport;
	u32			snd_nxt;
	u32			rcv_nxt;
	refcount_t		refcnt;
	u16			rcv_wnd;	/* unscaled, as advertised */
	u8			reuse:1,
				reuseport:1,	/* the socket had SO_REUSEPORT */
				hashed:1,
				ts_ok:1;	/* the connection had timestamps */
	int			bound_dev_if;
	/* Two 16-bit millisecond stamps (xtcp_ts_now()), spanning 65.5 s:
	 * an entry lives tw_timeout_ms (60 s unless raised). */
	u16			last_oow_ack;	/* the last rate-limited ACK, 0: none */
	u16			ts_stamp;	/* the last segment either way (§32) */
	u32			ts_recent;	/* the peer's last TSval */
};

struct xtcp_tw *xtcp_tw_lookup(struct xtcp_net *xn, __be32 raddr,
			       __be16 rport, __be32 laddr, u16 lport);
void xtcp_tw_put(struct xtcp_tw *tw);
enum xtcp_tw_verdict {
	XTCP_TW_DONE,		/* segment consumed */
	XTCP_TW_SYN,		/* a new SYN may reuse the 4-tuple: give it to the listener */
};
enum xtcp_tw_verdict xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb,
				 u32 *isn_hint);
bool xtcp_tw_create(struct sock *sk);
void xtcp_tw_recycle(struct xtcp_tw *tw);
void xtcp_tw_refuse_syn(struct xtcp_tw *tw);
void xtcp_tw_kill(struct xtcp_tw *tw);
bool xtcp_tw_reusable(const struct xtcp_tw *tw, struct xtcp_net *xn);
void xtcp_tw_reuse_unlink(struct xtcp_tw *tw, struct xtcp_tw_inherit *inh);
void xtcp_tw_reuse_finish(struct xtcp_tw *tw);
void xtcp_tw_purge(struct xtcp_net *xn);
unsigned long xtcp_tw_remaining(const struct xtcp_tw *tw);
int xtcp_tw_cache_init(void);
void xtcp_tw_cache_exit(void);

#endif
