/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel versions XTCP builds against lives
 * here, so the logic files never carry a version #if.
 * Supported: 6.1 (Debian bookworm's default) and 6.12 (bookworm's
 * backport, Debian trixie's default).
 */
#ifndef _XTCP_COMPAT_H
#define _XTCP_COMPAT_H

#include <linux/version.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/timer.h>
#include <linux/net.h>
#include <linux/sysctl.h>
#include <linux/uio.h>
#include <linux/skbuff.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include <net/gro.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

/* timer_container_of() replaced from_timer() in 6.16. */
#ifndef timer_container_of
#define xtcp_timer_container(var, t, field) from_timer(var, t, field)
#else
#define xtcp_timer_container(var, t, field) timer_container_of(var, t, field)
#endif

/* del_timer*() became timer_delete*() in 6.2; both exist until 6.15. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define xtcp_timer_delete(t)		del_timer(t)
#define xtcp_timer_delete_sync(t)	del_timer_sync(t)
#else
#define xtcp_timer_delete(t)		timer_delete(t)
#define xtcp_timer_delete_sync(t)	timer_delete_sync(t)
#endif

static inline u32 xtcp_random_below(u32 ceil)
{
	return get_random_u32_below(ceil);
}

/* register_net_sysctl() became register_net_sysctl_sz() in 6.6. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define xtcp_register_net_sysctl(net, path, table, n) \
	register_net_sysctl(net, path, table)
#else
#define xtcp_register_net_sysctl(net, path, table, n) \
	register_net_sysctl_sz(net, path, table, n)
#endif

/*
 * proc_handler's table argument became const in 6.11; a handler names its
 * table type through this so one definition fits both.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
typedef struct ctl_table xtcp_ctl_table_t;
#else
typedef const struct ctl_table xtcp_ctl_table_t;
#endif

/*
 * proto_ops->accept takes its flags in a struct proto_accept_arg since
 * 6.10. XTCP_ACCEPT_OP(name, fn) defines the op @name, with the signature
 * this kernel wants, around int fn(sock, newsock, flags, kern).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#define XTCP_ACCEPT_OP(name, fn)					\
static int name(struct socket *sock, struct socket *newsock,		\
		int flags, bool kern)					\
{									\
	return fn(sock, newsock, flags, kern);				\
}
#else
#define XTCP_ACCEPT_OP(name, fn)					\
static int name(struct socket *sock, struct socket *newsock,		\
		struct proto_accept_arg *arg)				\
{									\
	return fn(sock, newsock, arg->flags, arg->kern);		\
}
#endif

/* Route for a connection; the TOS argument became a DSCP in 6.13. */
static inline struct rtable *xtcp_route_output(struct net *net,
					       struct flowi4 *fl4,
					       struct sock *sk,
					       __be32 daddr, __be32 saddr,
					       __be16 dport, __be16 sport,
					       int oif)
{
	return ip_route_output_ports(net, fl4, sk, daddr, saddr, dport, sport,
				     sk->sk_protocol, 0, oif);
}

/* IP_RECVERR: a bitfield of inet_sock until inet->inet_flags (6.6). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define xtcp_ip_recverr(sk)	(inet_sk(sk)->recverr)
#else
#define xtcp_ip_recverr(sk)	inet_test_bit(RECVERR, sk)
#endif

/*
 * GRO: whether a held packet's IP header forbids merging another behind
 * it (TTL, TOS, DF, IP ID). Up to 6.9 inet_gro_receive() worked it out
 * into the held packet's flush and flush_id; since 6.10 the transport asks
 * gro_receive_network_flush(), as tcp_gro_receive() does.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
static inline int xtcp_gro_network_flush(const void *th, const void *th2,
					 struct sk_buff *p)
{
	int flush = NAPI_GRO_CB(p)->flush;

	/* The second packet decides between a fixed and an incrementing
	 * IP ID, as tcp_gro_receive() of these kernels. */
	if (NAPI_GRO_CB(p)->flush_id != 1 || NAPI_GRO_CB(p)->count != 1 ||
	    !NAPI_GRO_CB(p)->is_atomic)
		flush |= NAPI_GRO_CB(p)->flush_id;
	else
		NAPI_GRO_CB(p)->is_atomic = false;
	return flush;
}
#else
#define xtcp_gro_network_flush(th, th2, p) gro_receive_network_flush(th, th2, p)
#endif

/*
 * Zero-copy transmit (docs/protocol.md 11.10). sendfile(2) and splice(2)
 * to a socket hand it page-cache pages: through proto_ops->sendpage up to
 * 6.4, as sendmsg() with MSG_SPLICE_PAGES and a bvec iterator since 6.5
 * (sendpage is gone in 6.5). XTCP_HAVE_SENDPAGE says which; the send path
 * is one (stream.c), fed either way.
 *
 * xtcp_skb_splice() attaches up to @maxsize bytes of the iterator's pages
 * to @skb as fragments, taking a page reference each, and accounts them in
 * len, data_len and truesize: the bytes attached, or -EMSGSIZE when the
 * skb has no fragment slot left (nothing attached). Since 6.5 this is the
 * core's skb_splice_from_iter(). On 6.1 the iterator is the one-page bvec
 * that xtcp_sendpage() built around the page it was given.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define XTCP_HAVE_SENDPAGE	1
/* sendpage: more pages of this same splice follow at once. */
#define xtcp_msg_notlast(flags)	(!!((flags) & MSG_SENDPAGE_NOTLAST))
#define XTCP_SENDPAGE_OP(fn)	.sendpage = fn,
#define xtcp_msg_splice(msg)	false
static inline ssize_t xtcp_skb_splice(struct sk_buff *skb,
				      struct iov_iter *iter, ssize_t maxsize)
{
	const struct bio_vec *bv = iter->bvec;
	struct page *page;
	size_t off, len;
	int i = skb_shinfo(skb)->nr_frags;

	if (!iov_iter_is_bvec(iter) || !iov_iter_count(iter) || maxsize <= 0)
		return -EIO;
	page = bv->bv_page;
	off = bv->bv_offset + iter->iov_offset;
	len = min_t(size_t, bv->bv_len - iter->iov_offset, maxsize);
	len = min_t(size_t, len, iov_iter_count(iter));
	if (skb_can_coalesce(skb, i, page, off)) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], len);
	} else {
		if (i >= MAX_SKB_FRAGS)
			return -EMSGSIZE;
		get_page(page);
		skb_fill_page_desc(skb, i, page, off, len);
	}
	skb->len += len;
	skb->data_len += len;
	skb->truesize += len;
	iov_iter_advance(iter, len);
	return len;
}
#else
#define XTCP_SENDPAGE_OP(fn)
#define xtcp_msg_notlast(flags)	false
#define xtcp_msg_splice(msg)	(!!((msg)->msg_flags & MSG_SPLICE_PAGES))
static inline ssize_t xtcp_skb_splice(struct sk_buff *skb,
				      struct iov_iter *iter, ssize_t maxsize)
{
	return skb_splice_from_iter(skb, iter, maxsize, GFP_KERNEL);
}
#endif

#endif /* _XTCP_COMPAT_H */
