// SPDX-License-Identifier: GPL-2.0
/*
 * GRO for XTCP's IP protocol: the receive half of large segments. Where a
 * NIC's NAPI (virtio-net, a physical NIC, veth with `gro on`) hands the
 * stack one wire segment at a time, in-order segments of one connection
 * are chained into one large skb before IP sees them, so routing, netfilter,
 * the demux and the receive path run once per up to 64 KB, as for TCP.
 *
 * The merged skb looks exactly like one of the sender's own large skbs
 * (offload.c): SKB_GSO_SCTP, gso_size in XTCP's convention, the first
 * segment's header with FIN/PSH of the last, CHECKSUM_PARTIAL. So it is
 * delivered locally as one, and a router that forwards it to a device that
 * cannot take it whole cuts it again with xtcp_gso_segment().
 *
 * What merges, as tcp_gro_receive() decides for TCP: the same four-tuple
 * (inet_gro_receive() matched the addresses, we match the ports), the next
 * sequence number, the same ACK, window, flags and options, no more payload
 * than the first segment carried; a short segment, PSH, FIN, SYN or RST ends
 * the chain. A segment that fails its checksum is never merged: it goes up
 * alone and is counted where a single segment is (InCsumErrors).
 *
 * The core's skb_gro_receive() is not exported, so the chaining (frag_list,
 * the way Linux's own fraglist GRO builds UDP trains) is written here.
 */
#include <linux/netdevice.h>
#include <linux/delay.h>
#include <net/gro.h>
#include <net/ip.h>
#include "xtcp.h"
#include "pernet.h"
#include "compat.h"

/* Merged packets still waiting in some NAPI's GRO list (see xtcp_gro_drain). */
static atomic_t xtcp_gro_held = ATOMIC_INIT(0);
static bool xtcp_gro_closing;

static struct sk_buff *xtcp_gro_lookup(struct list_head *head,
				       const struct xtcphdr *th)
{
	struct sk_buff *p;

	list_for_each_entry(p, head, list) {
		const struct xtcphdr *th2;

		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		th2 = (const struct xtcphdr *)skb_transport_header(p);
		if (th->source != th2->source || th->dest != th2->dest) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		return p;
	}
	return NULL;
}

/* Anything in @th that forbids putting it behind @th2 in one skb. */
static int xtcp_gro_differs(const struct xtcphdr *th,
			    const struct xtcphdr *th2, unsigned int thlen)
{
	int d;

	d = th->ack_seq != th2->ack_seq;
	d |= th->doff_res != th2->doff_res;
	d |= (th->flags ^ th2->flags) & ~(XTCP_F_FIN | XTCP_F_PSH);
	d |= th->window != th2->window;
	d |= th->reserved != th2->reserved;
	if (thlen > XTCP_HDR_LEN)
		d |= memcmp(th + 1, th2 + 1, thlen - XTCP_HDR_LEN) != 0;
	return d;
}

/*
 * Chain @skb (headers already pulled by skb_gro_pull()) behind @p. The
 * payload stays where it is; only the headers in front of it go.
 */
static int xtcp_gro_chain(struct sk_buff *p, struct sk_buff *skb)
{
	unsigned int offset = skb_gro_offset(skb);
	unsigned int headlen = skb_headlen(skb);
	unsigned int len = skb_gro_len(skb);
	unsigned int limit = min_t(unsigned int, READ_ONCE(p->dev->gro_max_size),
				   GRO_LEGACY_MAX_SIZE);

	/* Page-pool pages and zero-copy buffers keep their own references:
	 * never mix them into another skb's (skb_gro_receive() refuses too). */
	if (p->pp_recycle != skb->pp_recycle || skb_zcopy(p) || skb_zcopy(skb))
		return -ETOOMANYREFS;
	/* IP's total length is 16 bits. */
	if (p->len + len >= limit || NAPI_GRO_CB(skb)->flush)
		return -E2BIG;

	/* The merged skb owns the memory now. */
	skb->destructor = NULL;
	skb->sk = NULL;
	/* Headers that reach into the first page fragment (frag0 GRO). */
	if (offset > headlen) {
		unsigned int eat = offset - headlen;

		skb_frag_off_add(&skb_shinfo(skb)->frags[0], eat);
		skb_frag_size_sub(&skb_shinfo(skb)->frags[0], eat);
		skb->data_len -= eat;
		skb->len -= eat;
		offset = headlen;
	}
	__skb_pull(skb, offset);

	if (NAPI_GRO_CB(p)->last == p)
		skb_shinfo(p)->frag_list = skb;
	else
		NAPI_GRO_CB(p)->last->next = skb;
	NAPI_GRO_CB(p)->last = skb;
	__skb_header_release(skb);

	if (NAPI_GRO_CB(p)->count++ == 1)
		atomic_inc(&xtcp_gro_held);
	p->data_len += len;
	p->truesize += skb->truesize;
	p->len += len;
	NAPI_GRO_CB(skb)->same_flow = 1;
	return 0;
}

struct sk_buff *xtcp_gro_receive(struct list_head *head, struct sk_buff *skb)
{
	unsigned int off, thlen, len, mss = 1;
	struct sk_buff *pp = NULL, *p;
	struct xtcphdr *th, *th2;
	int flush = 1;

	/* A bad checksum is never merged; the receive path counts it. */
	if (!NAPI_GRO_CB(skb)->flush &&
	    skb_gro_checksum_validate(skb, xtcp_ipproto,
				      inet_gro_compute_pseudo)) {
		NAPI_GRO_CB(skb)->flush = 1;
		return NULL;
	}

	off = skb_gro_offset(skb);
	th = skb_gro_header(skb, off + sizeof(*th), off);
	if (unlikely(!th))
		goto out;
	thlen = xtcp_hdr_doff(th) * 4;
	if (thlen < sizeof(*th))
		goto out;
	th = skb_gro_header(skb, off + thlen, off);
	if (unlikely(!th))
		goto out;
	skb_gro_pull(skb, thlen);
	len = skb_gro_len(skb);

	/* XTCP inside a tunnel goes up segment by segment: the segmentation
	 * callback does not cut encapsulated skbs. */
	if (NAPI_GRO_CB(skb)->encap_mark)
		goto out;

	p = xtcp_gro_lookup(head, th);
	if (!p)
		goto out_check_final;
	th2 = (struct xtcphdr *)skb_transport_header(p);

	flush = xtcp_gro_network_flush(th, th2, p);
	flush |= xtcp_gro_differs(th, th2, thlen);
	/* A segment larger than the first, or an empty one, cannot follow
	 * it (gso_size, set by the core when p was held, is p's payload);
	 * a large skb is never merged. */
	mss = skb_shinfo(p)->gso_size;
	flush |= skb_is_gso(skb) || (len - 1) >= mss;
	flush |= ntohl(th2->seq) + skb_gro_len(p) != ntohl(th->seq);
	flush |= READ_ONCE(xtcp_gro_closing);

	if (flush || xtcp_gro_chain(p, skb)) {
		mss = 1;
		goto out_check_final;
	}
	th2->flags |= th->flags & (XTCP_F_FIN | XTCP_F_PSH);

out_check_final:
	/* A short segment ends the chain, and so do the flags that ask for
	 * delivery now or change the connection. */
	flush = len < mss;
	flush |= !!(th->flags & (XTCP_F_PSH | XTCP_F_FIN | XTCP_F_SYN |
				 XTCP_F_RST));
	flush |= READ_ONCE(xtcp_gro_closing);
	if (p && (!NAPI_GRO_CB(skb)->same_flow || flush))
		pp = p;
out:
	NAPI_GRO_CB(skb)->flush |= (flush != 0);
	return pp;
}

/*
 * A chain of more than one segment leaves GRO: make it one of our large
 * skbs (the header at @thoff; inet_gro_complete() fixed IP's length).
 */
int xtcp_gro_complete(struct sk_buff *skb, int thoff)
{
	const struct iphdr *iph = (const struct iphdr *)(skb->data + thoff -
							 sizeof(struct iphdr));
	struct xtcphdr *th = (struct xtcphdr *)(skb->data + thoff);
	struct skb_shared_info *si = skb_shinfo(skb);

	/* The payload's sum was checked per segment: the device (or
	 * skb_checksum_help()) sums the merged one if it ever leaves. */
	th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr,
				       skb->len - thoff, xtcp_ipproto, 0);
	skb->csum_start = (unsigned char *)th - skb->head;
	skb->csum_offset = offsetof(struct xtcphdr, check);
	skb->ip_summed = CHECKSUM_PARTIAL;

	si->gso_type |= xtcp_gso_type();
	si->gso_segs = NAPI_GRO_CB(skb)->count;
	si->gso_size = xtcp_gso_size(si->gso_size, xtcp_hdr_doff(th) * 4);

	if (skb->dev)
		XTCP_INC_STATS(xtcp_pernet(dev_net(skb->dev)), GROSKBS);
	atomic_dec(&xtcp_gro_held);
	return 0;
}

/*
 * Before the offload goes away (module unload): inet_gro_complete() WARNs
 * when a merged packet of a protocol without a callback leaves GRO. So
 * first nothing new is merged or held, then the merged packets still held
 * leave: NAPI flushes them at the end of a poll, a jiffy later under load,
 * or at gro_flush_timeout. A chain freed without completing (its device
 * went away) is never counted down, hence the bound.
 */
void xtcp_gro_drain(void)
{
	int held;
	unsigned int ms;

	WRITE_ONCE(xtcp_gro_closing, true);
	synchronize_net();
	held = atomic_read(&xtcp_gro_held);
	for (ms = 0; atomic_read(&xtcp_gro_held) > 0 && ms < 5000; ms += 10)
		msleep(10);
	if (held > 0)
		pr_info("xtcp: GRO held %d chain(s) at unload; %d left after %u ms\n",
			held, atomic_read(&xtcp_gro_held), ms);
}
