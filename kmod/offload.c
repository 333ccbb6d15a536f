// SPDX-License-Identifier: GPL-2.0
/*
 * Large segments (GSO) for XTCP's IP protocol: the segmentation callback
 * the core calls (inet_gso_segment(), by IP protocol number) wherever a
 * large XTCP skb meets a device that cannot take it whole: a real NIC, a
 * device with a lower gso_max_segs, netem corrupting it, a forwarding path
 * whose egress MTU is smaller, nfqueue, ...
 *
 * The sender (output.c) marks its large skbs SKB_GSO_SCTP, a software-only
 * type (no hardware advertises NETIF_F_GSO_SCTP; veth, loopback, bridge and
 * macvlan carry it in NETIF_F_GSO_SOFTWARE and pass the skb on whole), so
 * hardware TSO is never asked to cut an XTCP packet: docs/protocol.md,
 * "Large segments (GSO)", says what borrowing that type costs.
 *
 * Each segment gets the header of the large one with its own sequence
 * number, FIN and PSH only on the last, and its own checksum. Anything that
 * does not look like one of our large skbs is refused (-EINVAL: the core
 * drops it), never guessed at.
 */
#include <linux/netdevice.h>
#include <net/protocol.h>
#include <net/ip.h>
#include <linux/sctp.h>
#include "xtcp.h"
#include "pernet.h"

/* What the core counts as the transport header of an SKB_GSO_SCTP skb. */
#define XTCP_GSO_CORE_HDR	sizeof(struct sctphdr)

/* The GSO type our large skbs carry (see the file comment). */
#define XTCP_GSO_TYPE	SKB_GSO_SCTP

static struct sk_buff *xtcp_gso_segment(struct sk_buff *skb,
					netdev_features_t features)
{
	struct sk_buff *segs = ERR_PTR(-EINVAL), *seg;
	unsigned int gso_type = skb_shinfo(skb)->gso_type;
	unsigned int thlen, mss, len;
	struct xtcphdr *th;
	u32 seq;
	u8 flags;

	/* Ours only: the type we send, maybe marked untrusted (DODGY) by
	 * the device it came from; a TCPv4 or UDP type on protocol 253 (a
	 * virtio header that lies) is not something we know how to cut. */
	if (!(gso_type & XTCP_GSO_TYPE) ||
	    (gso_type & ~(XTCP_GSO_TYPE | SKB_GSO_DODGY)))
		goto out;
	if (skb->encapsulation)
		goto out;
	if (!pskb_may_pull(skb, XTCP_HDR_LEN))
		goto out;
	th = (struct xtcphdr *)skb_transport_header(skb);
	thlen = xtcp_hdr_doff(th) * 4;
	if (thlen < XTCP_HDR_LEN || !pskb_may_pull(skb, thlen))
		goto out;
	th = (struct xtcphdr *)skb_transport_header(skb);
	/* A SYN or RST is never large; neither is a segment without data. */
	if (th->flags & (XTCP_F_SYN | XTCP_F_RST))
		goto out;
	/* gso_size counts the header beyond the 12 bytes the core counts
	 * for this type (xtcp_gso_size()): the payload is what is left. */
	mss = skb_shinfo(skb)->gso_size;
	if (mss == GSO_BY_FRAGS || mss + XTCP_GSO_CORE_HDR <= thlen ||
	    skb->len <= thlen)
		goto out;
	mss = mss + XTCP_GSO_CORE_HDR - thlen;
	__skb_pull(skb, thlen);

	if (skb_gso_ok(skb, features | NETIF_F_GSO_ROBUST)) {
		/* The device takes it whole; an untrusted count is redone. */
		skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(skb->len, mss);
		segs = NULL;
		goto out;
	}

	/* skb_segment() cuts at gso_size: give it the payload, in a shared
	 * info of this skb's own (a tap's clone may share the original). */
	if (skb_unclone(skb, GFP_ATOMIC)) {
		segs = ERR_PTR(-ENOMEM);
		goto out;
	}
	th = (struct xtcphdr *)skb_transport_header(skb);
	skb_shinfo(skb)->gso_size = mss;
	seq = ntohl(th->seq);
	flags = th->flags;
	/*
	 * The device computes each segment's sum only if it can sum any
	 * protocol (NETIF_F_HW_CSUM): an IP_CSUM-only NIC would take our
	 * checksum at offset 16 for TCP's and get it wrong. Otherwise
	 * skb_segment() leaves the segments CHECKSUM_NONE and we sum here.
	 * GSO_PARTIAL (a device that finishes the job) is TCP's business.
	 */
	if (!(features & NETIF_F_HW_CSUM))
		features &= ~NETIF_F_CSUM_MASK;
	features &= ~NETIF_F_GSO_PARTIAL;
	segs = skb_segment(skb, features);
	if (IS_ERR(segs))
		goto out;

	for (seg = segs; seg; seg = seg->next) {
		const struct iphdr *iph = ip_hdr(seg);

		th = (struct xtcphdr *)skb_transport_header(seg);
		len = seg->len - skb_transport_offset(seg);
		th->seq = htonl(seq);
		th->flags = seg->next ? flags & ~(XTCP_F_FIN | XTCP_F_PSH) :
					flags;
		seq += len - thlen;
		th->check = 0;
		if (seg->ip_summed == CHECKSUM_PARTIAL) {
			seg->csum_start = skb_transport_header(seg) - seg->head;
			seg->csum_offset = offsetof(struct xtcphdr, check);
			th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr,
						       len, xtcp_ipproto, 0);
		} else {
			seg->ip_summed = CHECKSUM_NONE;
			th->check = csum_tcpudp_magic(iph->saddr, iph->daddr,
						      len, xtcp_ipproto,
						      skb_checksum(seg,
						      skb_transport_offset(seg),
						      len, 0));
		}
	}
	if (skb->dev)
		XTCP_INC_STATS(xtcp_pernet(dev_net(skb->dev)), GSOSEGMENTED);
out:
	return segs;
}

static const struct net_offload xtcp_offload = {
	.callbacks = {
		.gso_segment	= xtcp_gso_segment,
		.gro_receive	= xtcp_gro_receive,	/* gro.c */
		.gro_complete	= xtcp_gro_complete,
	},
};

int xtcp_offload_init(void)
{
	return inet_add_offload(&xtcp_offload, xtcp_ipproto) ? -EBUSY : 0;
}

/*
 * After the protocol handler is gone and no socket is left. GRO first
 * lets go of what it holds (gro.c). A forwarded large skb still queued
 * somewhere then finds no callback and is dropped by inet_gso_segment();
 * none can be inside ours after synchronize_net().
 */
void xtcp_offload_exit(void)
{
	xtcp_gro_drain();
	inet_del_offload(&xtcp_offload, xtcp_ipproto);
	synchronize_net();
}

/* The GSO type output.c gives sockets and their large skbs. */
unsigned int xtcp_gso_type(void)
{
	return XTCP_GSO_TYPE;
}

/*
 * gso_size of a large skb whose segments carry @mss bytes of payload
 * behind a header of @thlen bytes. The core takes a segment's length on
 * the wire to be gso_size plus the transport header it knows for the GSO
 * type, 12 bytes (struct sctphdr) for ours (skb_gso_transport_seglen(),
 * behind skb_gso_validate_network_len() in ip_forward() and
 * ip_finish_output_gso(), and the mac length qdiscs use): counting the
 * rest of our header in gso_size makes that length exact, so a router
 * whose egress MTU is smaller (PPPoE's 1492 after 1500 is 8 bytes)
 * segments and fragments instead of sending segments too big for it.
 */
unsigned int xtcp_gso_size(unsigned int mss, unsigned int thlen)
{
	return mss + thlen - XTCP_GSO_CORE_HDR;
}
