/* SPDX-License-Identifier: GPL-2.0 */
/* Connection tables: established (4-tuple), listeners, bind buckets. */
#ifndef _XTCP_HASH_H
#define _XTCP_HASH_H

#include "xtcp.h"
#include "pernet.h"

u32 xtcp_tuple_hash(const struct net *net, __be32 laddr, u16 lport,
		    __be32 raddr, __be16 rport);

static inline struct xtcp_hbucket *xtcp_hbucket(struct xtcp_htable *t, u32 h)
{
	return &t->buckets[h & t->mask];
}

void xtcp_ehash_insert(struct sock *sk);
void xtcp_ehash_remove(struct sock *sk);
struct sock *xtcp_ehash_lookup(struct xtcp_net *xn, __be32 raddr,
			       __be16 rport, __be32 laddr, u16 lport, int dif);

void xtcp_lhash_insert(struct sock *sk);
void xtcp_lhash_remove(struct sock *sk);
struct sock *xtcp_lhash_lookup(struct xtcp_net *xn, __be32 laddr, u16 lport,
			       __be32 raddr, __be16 rport, int dif);
struct sock *xtcp_lhash_lookup_cookie(struct xtcp_net *xn, __be32 laddr,
				      u16 lport, u64 cookie);

/* ports.c */
struct xtcp_bbucket *xtcp_bbucket(struct xtcp_net *xn, u16 port);
int xtcp_bind_port(struct sock *sk, __be32 addr, u16 port);
/* What connect() takes over from a TIME-WAIT entry whose 4-tuple it
 * reuses (docs/protocol.md §32); isn 0: none was. */
struct xtcp_tw_inherit {
	u32	isn;
	u32	ts_recent;
};
int xtcp_hash_connect(struct sock *sk, struct xtcp_tw_inherit *inh);
void xtcp_put_port(struct sock *sk);
int xtcp_listen_port_check(struct sock *sk);
void xtcp_inherit_port(struct sock *child, struct sock *parent);
void xtcp_unhash(struct sock *sk);

#endif
