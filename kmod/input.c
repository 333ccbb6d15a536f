// SPDX-License-Identifier: GPL-2.0
/*
 * Segments from IP: validation, demultiplexing, and delivery to the socket
 * (or its backlog when the user holds it). Every malformed segment is
 * dropped and counted; nothing a peer sends can crash or leak.
 *
 * Demux order: established table, TIME-WAIT table, listeners. A segment
 * nobody owns is answered with RST (unless it is an RST).
 */
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <net/ip.h>
#include <net/icmp.h>
#include <net/route.h>
#include "hash.h"
#include "timewait.h"

static bool xtcp_flags_valid(u8 flags)
{
	if (flags & ~(XTCP_F_FIN | XTCP_F_SYN | XTCP_F_RST | XTCP_F_PSH |
		      XTCP_F_ACK))
		return false;
	if (!(flags & (XTCP_F_SYN | XTCP_F_RST | XTCP_F_ACK)))
		return false;		/* every segment carries one of these */
	if ((flags & XTCP_F_SYN) && (flags & (XTCP_F_FIN | XTCP_F_RST)))
		return false;
	if ((flags & XTCP_F_RST) && (flags & XTCP_F_FIN))
		return false;
	if ((flags & XTCP_F_FIN) && !(flags & XTCP_F_ACK))
		return false;
	return true;
}

/*
 * Options: well-formed TLVs only. MSS and window scale are read from SYNs;
 * unknown kinds are skipped. A malformed list drops the segment.
 */
int xtcp_parse_options(const struct sk_buff *skb, struct xtcp_opts *opts)
{
	const struct xtcphdr *th = (const struct xtcphdr *)skb_transport_header(skb);
	const u8 *p = (const u8 *)(th + 1);
	int len = xtcp_hdr_doff(th) * 4 - XTCP_HDR_LEN;

	memset(opts, 0, sizeof(*opts));
	while (len > 0) {
		u8 kind = p[0], olen;

		if (kind == XTCP_OPT_EOL)
			break;
		if (kind == XTCP_OPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2)
			return -EINVAL;
		olen = p[1];
		if (olen < 2 || olen > len)
			return -EINVAL;
		switch (kind) {
		case XTCP_OPT_MSS:
			if (olen != 4)
				return -EINVAL;
			if (th->flags & XTCP_F_SYN) {
				opts->mss = get_unaligned_be16(p + 2);
				if (opts->mss < 88)
					opts->mss = 88;
			}
			break;
		case XTCP_OPT_WSCALE:
			if (olen != 3)
				return -EINVAL;
			if (th->flags & XTCP_F_SYN) {
				opts->wscale = min_t(u8, p[2], XTCP_MAX_WSCALE);
				opts->wscale_ok = 1;
			}
			break;
		case XTCP_OPT_SACK_PERM:
			if (olen != 2)
				return -EINVAL;
			if (th->flags & XTCP_F_SYN)
				opts->sack_ok = 1;
			break;
		case XTCP_OPT_TIMESTAMP:
			if (olen != 10)
				return -EINVAL;
			opts->tstamp = 1;
			opts->tsval = get_unaligned_be32(p + 2);
			opts->tsecr = get_unaligned_be32(p + 6);
			break;
		case XTCP_OPT_PROBE:
		case XTCP_OPT_PROBE_ECHO:
			if (olen != 6)
				return -EINVAL;
			opts->probe_kind = kind;
			opts->probe_nonce = get_unaligned_be32(p + 2);
			break;
		case XTCP_OPT_SACK: {
			int i, n = (olen - 2) / 8;

			if ((olen - 2) % 8 || n < 1 || n > 4)
				return -EINVAL;
			for (i = 0; i < n; i++) {
				opts->sacks[i].start = get_unaligned_be32(p + 2 + 8 * i);
				opts->sacks[i].end = get_unaligned_be32(p + 6 + 8 * i);
			}
			opts->num_sacks = n;
			break;
		}
		default:
			break;
		}
		p += olen;
		len -= olen;
	}
	return 0;
}

static void xtcp_fill_cb(struct sk_buff *skb, const struct xtcphdr *th,
			 int doff)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 datalen = skb->len - doff;

	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + datalen + !!(th->flags & XTCP_F_SYN) +
		      !!(th->flags & XTCP_F_FIN);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = th->flags;
	cb->window = ntohs(th->window);
	cb->iif = inet_iif(skb);
	cb->advmss = skb->dev ? xtcp_mss_for_mtu(READ_ONCE(skb->dev->mtu)) :
				XTCP_MSS_DEFAULT;
}

/*
 * Run the socket filter. It may trim the payload, so the sequence space
 * of the segment is taken again from what is left.
 */
static int xtcp_filter(struct sock *sk, struct sk_buff *skb, int doff)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 hint = cb->isn_hint, len = skb->len;
	u32 tsval = cb->tsval, tsecr = cb->tsecr;
	u8 ts = cb->sacked & XTCP_SKB_TSTAMP;
	int err = sk_filter_trim_cap(sk, skb, doff);

	if (err || skb->len == len)
		return err;
	xtcp_fill_cb(skb, (const struct xtcphdr *)skb->data, doff);
	cb->isn_hint = hint;
	cb->sacked |= ts;
	cb->tsval = tsval;
	cb->tsecr = tsecr;
	return 0;
}

/* Hand the segment to its socket, now or through the backlog. */
static int xtcp_deliver(struct xtcp_net *xn, struct sock *sk,
			struct sk_buff *skb)
{
	int ret = 0;

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_rcv_state_process(sk, skb);
	} else if (sk_add_backlog(sk, skb, 2 * READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf) + 65536)) {
		/* The limit covers what the receive queue may hold (twice
		 * SO_RCVBUF, see xtcp_data_queue()) plus ACK-carried data. */
		XTCP_INC_STATS(xn, BACKLOGDROP);
		kfree_skb(skb);
		ret = -ENOBUFS;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return ret;
}

int xtcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	struct xtcp_net *xn = xtcp_pernet(net);
	const struct xtcphdr *th;
	const struct iphdr *iph;
	struct xtcp_opts opts;
	struct xtcp_tw *tw;
	struct rtable *rt;
	struct sock *sk;
	u32 isn_hint = 0;
	int doff, dif;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	/* A large skb from a sender's GSO that veth or loopback passed on
	 * whole counts as the segments it carries. */
	XTCP_ADD_STATS(xn, INSEGS, xtcp_skb_segs(skb));
	if (skb_is_gso(skb))
		XTCP_INC_STATS(xn, INGSOSKBS);

	/* A host-addressed frame can still carry a broadcast or multicast IP
	 * destination (a directed broadcast through tun, a unicast MAC):
	 * never answer it nor let it make a SYN-RECV request whose local
	 * address is not ours (RFC 1122 4.2.3.10). */
	rt = skb_rtable(skb);
	if (rt && (rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))) {
		XTCP_INC_STATS(xn, INADDRERRORS);
		goto error;
	}

	if (!pskb_may_pull(skb, XTCP_HDR_LEN))
		goto hdr_error;
	th = (const struct xtcphdr *)skb->data;
	doff = xtcp_hdr_doff(th) * 4;
	if (doff < XTCP_HDR_LEN || doff > skb->len)
		goto hdr_error;
	if (!pskb_may_pull(skb, doff))
		goto hdr_error;
	if (skb_checksum_init(skb, xtcp_ipproto, inet_compute_pseudo) ||
	    skb_checksum_complete(skb))
		goto csum_error;

	th = (const struct xtcphdr *)skb->data;
	iph = ip_hdr(skb);
	if (!th->source)
		goto hdr_error;
	if (!xtcp_flags_valid(th->flags)) {
		XTCP_INC_STATS(xn, INBADFLAGS);
		goto error;
	}
	if (xtcp_parse_options(skb, &opts)) {
		XTCP_INC_STATS(xn, INBADOPTS);
		goto error;
	}
	xtcp_fill_cb(skb, th, doff);
	if (opts.tstamp) {
		XTCP_SKB_CB(skb)->sacked |= XTCP_SKB_TSTAMP;
		XTCP_SKB_CB(skb)->tsval = opts.tsval;
		XTCP_SKB_CB(skb)->tsecr = opts.tsecr;
	}
	dif = XTCP_SKB_CB(skb)->iif;

	sk = xtcp_ehash_lookup(xn, iph->saddr, th->source, iph->daddr,
			       ntohs(th->dest), dif);
	if (sk)
		goto process;

	tw = xtcp_tw_lookup(xn, iph->saddr, th->source, iph->daddr,
			    ntohs(th->dest));
	if (tw) {
		enum xtcp_tw_verdict v = xtcp_tw_rcv(tw, skb, &isn_hint);

		if (v == XTCP_TW_SYN) {
			/* A new incarnation, if someone listens for it. */
			sk = xtcp_lhash_lookup(xn, iph->daddr, ntohs(th->dest),
					       iph->saddr, th->source, dif);
			if (sk) {
				xtcp_tw_recycle(tw);
				XTCP_SKB_CB(skb)->isn_hint = isn_hint;
			} else {
				xtcp_tw_refuse_syn(tw);
			}
		}
		xtcp_tw_put(tw);
		if (sk)
			goto process;
		goto discard;
	}

	sk = xtcp_lhash_lookup(xn, iph->daddr, ntohs(th->dest), iph->saddr,
			       th->source, dif);
	if (sk)
		goto process;

	XTCP_INC_STATS(xn, INNOSOCK);
	xtcp_send_reset_reply(net, skb);
	goto discard;

process:
	/* The socket's filter (SO_ATTACH_FILTER/BPF, cgroup-BPF ingress) and
	 * the LSM's per-packet hook, before the socket or its backlog takes
	 * the segment, as tcp_filter(): the header is never trimmed. */
	if (xtcp_filter(sk, skb, doff)) {
		XTCP_INC_STATS(xn, FILTERDROP);
		sock_put(sk);
		goto discard;
	}
	/* From here on the skb's data is the payload. */
	__skb_pull(skb, doff);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	return xtcp_deliver(xn, sk, skb) ? NET_RX_DROP : NET_RX_SUCCESS;

csum_error:
	XTCP_INC_STATS(xn, INCSUMERRORS);
	goto error;
hdr_error:
	XTCP_INC_STATS(xn, INHDRERRORS);
error:
	XTCP_INC_STATS(xn, INERRS);
discard:
	kfree_skb(skb);
	return NET_RX_DROP;
}

/*
 * IP_RECVERR: queue the ICMP error on the socket's error queue, as
 * ip_icmp_error() does for TCP (which the kernel does not export): the
 * quoted packet, the error, and where the ICMP came from.
 */
static void xtcp_icmp_queue_err(struct sock *sk, struct sk_buff *skb,
				int err, __be16 port, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	struct sock_exterr_skb *serr;
	struct sk_buff *c = skb_clone(skb, GFP_ATOMIC);

	if (!c)
		return;
	serr = SKB_EXT_ERR(c);
	memset(serr, 0, sizeof(*serr));
	serr->ee.ee_errno = err;
	serr->ee.ee_origin = SO_EE_ORIGIN_ICMP;
	serr->ee.ee_type = icmp_hdr(skb)->type;
	serr->ee.ee_code = icmp_hdr(skb)->code;
	serr->ee.ee_info = info;
	serr->addr_offset = (u8 *)&iph->daddr - skb_network_header(c);
	serr->port = port;
	/* The payload is the offending XTCP header (8 bytes were pulled). */
	if (!skb_pull(c, iph->ihl * 4))
		goto drop;
	skb_reset_transport_header(c);
	if (!sock_queue_err_skb(sk, c))
		return;
drop:
	kfree_skb(c);
}

/*
 * The errno of an ICMP error about our segment, as TCP maps it
 * (icmp_err_convert for unreachables); 0 for what is not an error of the
 * connection. *@fatal: RFC 1122 4.2.3.9 hard errors, which end an opening
 * connection at once; the soft ones only say why, if it times out.
 */
static int xtcp_icmp_errno(int type, int code, bool *fatal)
{
	*fatal = false;
	switch (type) {
	case ICMP_DEST_UNREACH:
		/* FRAG_NEEDED: EMSGSIZE, for xtcp_pmtu_icmp() (pmtu.c). */
		if (code > NR_ICMP_UNREACH)
			return 0;
		*fatal = icmp_err_convert[code].fatal;
		/* A host without XTCP answers with protocol unreachable
		 * (ENOPROTOOPT to TCP, where it cannot happen): to an
		 * application that is the refusal of a closed port. */
		if (code == ICMP_PROT_UNREACH)
			return ECONNREFUSED;
		return icmp_err_convert[code].errno;
	case ICMP_TIME_EXCEEDED:
		return EHOSTUNREACH;
	case ICMP_PARAMETERPROB:
		*fatal = true;
		return EPROTO;
	default:
		/* Source quench is deprecated (RFC 6633); redirects are the
		 * routing code's. */
		return 0;
	}
}

/*
 * ICMP about a segment we sent, handled as TCP does (tcp_v4_err()): only
 * for a sequence number we have in flight. In SYN-SENT a hard error
 * (protocol or port unreachable from a host without XTCP, "administratively
 * prohibited" from a REJECT rule, ...) ends the connect() at once with its
 * errno; a soft one (net or host unreachable, TTL exceeded) is remembered
 * and reported if the handshake times out. Linux TCP aborts SYN-SENT on
 * soft errors too; XTCP follows RFC 1122 4.2.3.9 there, see
 * docs/protocol.md. On a synchronized connection every error is soft,
 * unless IP_RECVERR asks for it at once.
 */
int xtcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	struct net *net = dev_net(skb->dev);
	struct xtcp_net *xn = xtcp_pernet(net);
	const struct xtcphdr *th;
	struct xtcp_sock *xs;
	struct sock *sk;
	bool fatal;
	int err;
	u32 seq;

	err = xtcp_icmp_errno(icmp_hdr(skb)->type, icmp_hdr(skb)->code, &fatal);
	if (!err || !pskb_may_pull(skb, iph->ihl * 4 + 8))
		return 0;
	iph = (const struct iphdr *)skb->data;
	th = (const struct xtcphdr *)(skb->data + iph->ihl * 4);
	sk = xtcp_ehash_lookup(xn, iph->daddr, th->dest, iph->saddr,
			       ntohs(th->source), inet_iif(skb));
	if (!sk)
		return 0;
	bh_lock_sock(sk);
	xs = xtcp_sk(sk);
	seq = ntohl(th->seq);
	if (!xtcp_between(seq, xs->snd_una, xs->snd_nxt)) {
		XTCP_INC_STATS(xn, OUTOFWINDOWICMPS);
		goto out;
	}
	/* RFC 1191 / RFC 5927: a smaller path MTU for a segment in flight,
	 * not an error of the connection. */
	if (icmp_hdr(skb)->type == ICMP_DEST_UNREACH &&
	    icmp_hdr(skb)->code == ICMP_FRAG_NEEDED) {
		xtcp_pmtu_icmp(sk, info);
		goto out;
	}
	if (sk->sk_state == TCP_SYN_SENT) {
		if (xtcp_ip_recverr(sk))
			xtcp_icmp_queue_err(sk, skb, err, th->dest, info);
		if (fatal && !sock_owned_by_user(sk))
			xtcp_reset(sk, err);
		else
			WRITE_ONCE(sk->sk_err_soft, err);
	} else if (!sock_owned_by_user(sk) && xtcp_ip_recverr(sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
