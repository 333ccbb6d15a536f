/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Introspection: the sock_diag handler (diag.c) and the generic netlink
 * family "xtcp" with the counters and the live events (events.c). The wire
 * format is uapi/linux/xtcp_diag.h.
 */
#ifndef _XTCP_DIAG_H
#define _XTCP_DIAG_H

#include "xtcp.h"

struct xtcp_tw;

/* main.c: registers / unregisters everything below. */
int xtcp_diag_init(void);
void xtcp_diag_exit(void);

/* diag.c */
int xtcp_sock_diag_init(void);
void xtcp_sock_diag_exit(void);

/* events.c */
int xtcp_genl_init(void);
void xtcp_genl_exit(void);
/*
 * The hooks. Callable in any context (softirq, socket locked, bucket locks
 * held); they only allocate with GFP_ATOMIC, and cost a flag test and a
 * bitmap test when nobody listens to the events of the namespace.
 */
void xtcp_event_state(struct sock *sk, int old, int state);	/* xtcp_set_state() */
void xtcp_event_tw_create(struct sock *sk, struct xtcp_tw *tw);	/* before hashing: also sets tw->cookie */
void xtcp_event_tw_gone(struct xtcp_tw *tw);			/* unhashed */
u64 xtcp_sock_cookie(struct sock *sk);

/* synqueue.c: a read-only view of the SYN queue. */
struct xtcp_req_diag {
	__be32		laddr;
	__be32		raddr;
	__be16		lport;
	__be16		rport;
	u8		retrans;
	bool		timer_pending;
	unsigned long	expires;	/* jiffies */
	int		iif;
	bool		pending;	/* XTCP_DEFER_HANDSHAKE: verdict awaited */
	bool		taken;		/* read by XTCP_ARRIVAL */
	u64		id;
	u32		age_ms;
};
int xtcp_synq_diag_walk(struct sock *sk, unsigned int *pos,
			int (*fn)(const struct xtcp_req_diag *rd, void *arg),
			void *arg);
unsigned int xtcp_synq_diag_limit(struct sock *sk);

#endif /* _XTCP_DIAG_H */
