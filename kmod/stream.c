// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream: sendmsg()/recvmsg(), the receive queue, and what an
 * acknowledgement releases from the write queue.
 *
 * Write queue: skbs in sequence order, each at most one MSS, holding its
 * data in page fragments; SEND.HEAD marks the first not yet sent. Data is
 * copied once from user space into the skb and never again: transmission
 * sends clones.
 *
 * Receive queue: in-order segments only, payload only (the header is
 * pulled). COPIED_SEQ is the next byte the reader gets.
 */
#include <linux/sched/signal.h>
#include <linux/splice.h>
#include <linux/pipe_fs_i.h>
#include "hash.h"

#define XTCP_MAX_HEADER	(XTCP_MAX_HDR_LEN + MAX_HEADER + 64)
#define XTCP_MAX_QUICKACKS	16	/* TCP_MAX_QUICKACKS */

void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * The peer acknowledged everything before @ack: free it, take an RTT
 * sample from a segment sent only once (Karn), restart the timer.
 * Returns the number of segments released.
 */
u32 xtcp_clean_rtx_queue(struct sock *sk, u32 ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	long rtt_us = -1;
	u32 acked = 0;

	while ((skb = skb_peek(&sk->sk_write_queue)) != NULL &&
	       skb != xs->send_head) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_after(cb->end_seq, ack))
			break;
		/* Karn: only a segment sent once, never presumed lost, and
		 * acked now for the first time measures the round trip; of
		 * several, the most recently sent (the smallest sample). */
		if (!cb->retrans &&
		    !(cb->sacked & (XTCP_SKB_SACKED | XTCP_SKB_LOST))) {
			long s = jiffies_to_usecs(xtcp_time() - cb->when);

			if (rtt_us < 0 || s < rtt_us)
				rtt_us = s;
		}
		if (!(cb->sacked & XTCP_SKB_SACKED)) {
			xtcp_frto_note_acked(xs, cb);
			xtcp_rack_delivered(sk, skb);
			xtcp_reorder_check(sk, skb);
		}
		if (cb->flags & XTCP_F_FIN)
			xs->fin_acked = 1;
		if (cb->sacked & XTCP_SKB_SACKED)
			xs->sacked_out--;
		if (cb->sacked & XTCP_SKB_LOST)
			xs->lost_out--;
		if (cb->sacked & XTCP_SKB_RETRANS)
			xs->retrans_out--;
		xs->packets_out--;
		xs->bytes_acked += skb->len;
		__skb_unlink(skb, &sk->sk_write_queue);
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
		acked++;
	}
	/* Karn has no sample (all retransmitted, or SACKed before): the
	 * timestamp echo has, unambiguously (RFC 7323 4.1). */
	if (rtt_us < 0 && acked)
		rtt_us = xtcp_ts_rtt_us(sk, xs->ack_tsecr);
	xs->ack_tsecr = 0;
	if (rtt_us >= 0)
		xtcp_rtt_sample(sk, rtt_us);
	if (!xs->packets_out)
		xs->rack_us = 0;	/* nothing in flight: no stale send time */
	/* Forward progress: the backoff and the give-up clock restart. */
	xs->retransmits = 0;
	xs->backoff = 0;
	xs->retrans_stamp = 0;
	xs->tlp_sent = 0;
	sk_stop_timer(sk, &xs->rtx_timer);
	xtcp_rearm_rtx(sk);
	if (acked) {
		xtcp_sndbuf_expand(sk);
		sk->sk_write_space(sk);
	}
	return acked;
}

/* The largest segment the peer sends, as tcp_measure_rcv_mss(): a large
 * (GSO) skb tells it by gso_size, which counts 8 bytes of the header
 * (xtcp_gso_size()). */
static void xtcp_measure_rcv_mss(struct xtcp_sock *xs, const struct sk_buff *skb)
{
	u32 len = skb->len;

	if (skb_is_gso(skb)) {
		/* The header was the sender's usual one: timestamps, if on. */
		u32 extra = XTCP_GSO_HDR_EXTRA + (xs->ts_ok ? XTCP_TS_OPT_LEN : 0);

		len = skb_shinfo(skb)->gso_size > extra ?
		      skb_shinfo(skb)->gso_size - extra : 1;
	}

	if (len > xs->rcv_mss)
		xs->rcv_mss = min_t(u32, len, max_t(u32, xs->advmss,
						    XTCP_MSS_DEFAULT));
}

static u32 xtcp_rcv_mss(const struct xtcp_sock *xs)
{
	return xs->rcv_mss ?: min_t(u32, xs->advmss, XTCP_MSS_DEFAULT);
}

/* More than one full-sized segment arrived since our last ACK. */
static bool xtcp_unacked_full(const struct xtcp_sock *xs)
{
	return xs->rcv_nxt - xs->rcv_wup > xtcp_rcv_mss(xs);
}

/*
 * Queue received data. In order (0): to the receive queue, and whatever
 * the out-of-order queue now continues. Beyond a hole (1): to the
 * out-of-order queue. Negative: dropped, the caller frees the skb.
 * *@fin tells that the peer's FIN is now next in sequence.
 */
int xtcp_data_queue(struct sock *sk, struct sk_buff *skb, bool *fin)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool had_ooo;
	int err;

	*fin = false;
	if (skb->len) {
		/* Quick-ACK mode, as Linux's tcp_event_data_recv() and
		 * tcp_data_queue(): the first data of the connection, data
		 * after a silence longer than the RTO (the sender timed out
		 * and restarts from one segment), and out-of-order data are
		 * acknowledged at once for a while, so the sender's window
		 * opens (or its recovery proceeds) at the pace of the path,
		 * not of the delayed-ACK timer. */
		if (!xs->rcv_mss ||
		    time_after(jiffies, xs->last_data_recv + xs->rto) ||
		    xtcp_after(cb->seq, xs->rcv_nxt))
			xs->quickacks = XTCP_MAX_QUICKACKS;
		xtcp_measure_rcv_mss(xs, skb);
		xs->lrcvtime = jiffies;
	}
	if (xtcp_after(cb->seq, xs->rcv_nxt)) {
		err = xtcp_ofo_queue(sk, skb);
		if (err == -ENOBUFS)
			XTCP_INC_STATS(xtcp_sk_net(sk), OFODROP);
		return err ? err : 1;
	}
	if (cb->seq != xs->rcv_nxt)
		return -EINVAL;

	if (skb->len) {
		/*
		 * In-order data inside the window we advertised is a promise
		 * kept: the window is half the free buffer, and the other
		 * half covers skb overhead, so the hard limit is twice
		 * SO_RCVBUF. Out-of-order data gives way first; then small
		 * skbs, whose overhead is more than that half allows, are
		 * compacted (rcvbuf.c).
		 */
		unsigned int limit = 2 * READ_ONCE(sk->sk_rcvbuf);
		u32 len = skb->len;
		bool copied = false;

		if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize > limit)
			xtcp_ofo_prune(sk, skb->truesize, limit);
		if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize > limit) {
			xtcp_rcvq_collapse(sk);
			if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize > limit) {
				copied = xtcp_rcvq_copy_in(sk, skb, limit);
				if (!copied) {
					XTCP_INC_STATS(xtcp_sk_net(sk), RCVQDROP);
					return -ENOBUFS;
				}
			}
		}
		*fin = cb->flags & XTCP_F_FIN;
		xs->rcv_nxt = cb->seq + len;
		xs->bytes_received += len;
		if (copied) {
			consume_skb(skb);	/* its data is queued: not a drop */
		} else {
			skb_set_owner_r(skb, sk);
			__skb_queue_tail(&sk->sk_receive_queue, skb);
		}
		xtcp_rcv_rtt_measure(sk);
	} else {
		*fin = true;		/* a bare FIN, in order */
		kfree_skb(skb);
	}
	xs->last_data_recv = jiffies;
	had_ooo = !RB_EMPTY_ROOT(&xs->ooo_queue);
	if (had_ooo && !*fin)
		*fin = xtcp_ofo_drain(sk);
	else if (had_ooo)
		xtcp_ofo_purge(sk);	/* nothing can follow the FIN */
	if (had_ooo)
		xs->quickack = 1;	/* a hole was filled: ACK at once */
	sk->sk_data_ready(sk);
	return 0;
}

/*
 * In-order data arrived. TCP's policy (__tcp_ack_snd_check()): at once
 * when more than one full-sized segment (rcv_mss) is unacknowledged, in
 * quick-ACK mode (xtcp_data_queue()), or when a hole was just filled
 * (quickack; an out-of-order arrival is ACKed at once by the caller);
 * else within net.xtcp.delack_ms (RFC 1122 4.2.3.2, RFC 9293 3.8.6.3), or
 * when the reader makes room (xtcp_cleanup_rbuf()). One large (GSO) skb
 * is many segments: counting skbs ("every second segment") would delay
 * the ACK of each 64 KB by 40 ms. Linux also waits while the window's
 * right edge would not move; measured on loss256 (5 % loss, RTO floor
 * 50 ms) that condition alone made it 40 % slower with 5 times the RTOs
 * (the delayed ACK held the last segments of a flight), so XTCP does not.
 *
 * Interactive (pingpong, as TCP's): when our data follows the peer's
 * within delack_ms (xtcp_pingpong_sent()), the quick-ACK mode is off: the
 * ACK of a request rides on its answer, that of an answer on the FIN or
 * the next request, instead of a bare ACK each. A delayed ACK that had to
 * go alone ends the mode (timers.c), as does TCP_QUICKACK 1.
 */
void xtcp_ack_schedule(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->segs_unacked < U8_MAX)
		xs->segs_unacked++;
	if (xs->quickack || (xs->quickacks && !xs->pingpong) ||
	    xtcp_unacked_full(xs)) {
		if (xs->quickacks)
			xs->quickacks--;
		xs->quickack = 0;
		xtcp_send_ack(sk);
		return;
	}
	if (!xs->ack_pending) {
		xs->ack_pending = 1;
		sk_reset_timer(sk, &xs->delack_timer, jiffies +
			       msecs_to_jiffies(READ_ONCE(xtcp_sk_net(sk)->sysctl.delack_ms)));
	}
}

/* New data left: an answer to the peer's data if within delack_ms of it. */
void xtcp_pingpong_sent(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long ato = msecs_to_jiffies(READ_ONCE(xtcp_sk_net(sk)->sysctl.delack_ms));

	if (!xs->pingpong && time_before(jiffies, xs->lrcvtime + ato))
		xs->pingpong = 1;
}

/* After reading: announce the window if it opened by a useful amount. */
void xtcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s32 cur = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;
	u32 now = xtcp_rcv_space(sk);

	if (copied <= 0 || (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN |
						   TCPF_SYN_SENT))
		return;
	if (cur < 0)
		cur = 0;
	/* An ACK owed for more than a full segment goes now: the delayed
	 * ACK hit a socket the reader held (tcp_cleanup_rbuf()). */
	if (xs->ack_pending && xtcp_unacked_full(xs)) {
		xtcp_send_ack(sk);
		return;
	}
	if (now <= (u32)cur)
		return;
	if (now >= 2 * (u32)cur || now - cur >= 2U * xs->mss)
		xtcp_send_ack(sk);
}

static bool xtcp_can_send(struct sock *sk)
{
	return (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT);
}

/* A new, empty data segment at the tail of the write queue. */
static struct sk_buff *xtcp_new_segment(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	skb = alloc_skb(XTCP_MAX_HEADER, sk->sk_allocation);
	if (!skb)
		return NULL;
	skb_reserve(skb, XTCP_MAX_HEADER);
	/* The checksum is computed at transmit time (or by the device). */
	skb->ip_summed = CHECKSUM_PARTIAL;
	memset(XTCP_SKB_CB(skb), 0, sizeof(struct xtcp_skb_cb));
	XTCP_SKB_CB(skb)->seq = xs->write_seq;
	XTCP_SKB_CB(skb)->end_seq = xs->write_seq;
	sk_wmem_queued_add(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!xs->send_head)
		xs->send_head = skb;
	return skb;
}

/*
 * Copy up to @copy bytes from the user into the page fragment of the
 * socket and attach them to @skb (the one copy of the data path).
 * Returns the bytes copied, 0 when the skb has no room for another
 * fragment, or a negative errno.
 */
static int xtcp_append(struct sock *sk, struct sk_buff *skb,
		       struct msghdr *msg, int copy)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;
	int err;

	if (!sk_page_frag_refill(sk, pfrag))
		return -ENOMEM;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	if (!merge && i >= MAX_SKB_FRAGS)
		return 0;
	copy = min_t(int, copy, pfrag->size - pfrag->offset);
	err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb, pfrag->page,
				       pfrag->offset, copy);
	if (err)
		return err;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
		get_page(pfrag->page);
	}
	pfrag->offset += copy;
	XTCP_SKB_CB(skb)->end_seq += copy;
	xtcp_sk(sk)->write_seq += copy;
	return copy;
}

/*
 * Zero copy (sendfile, splice; docs/protocol.md 11.10): attach up to @copy
 * bytes of the pages @msg's iterator names to @skb, as TCP's
 * MSG_SPLICE_PAGES path does, each fragment holding a reference on its
 * page. The pages belong to the page cache (or a pipe), not to the
 * socket: SKBFL_SHARED_FRAG tells the stack so, and whoever must compute
 * a checksum in software (skb_checksum_help(), skb_segment()) copies the
 * data first, so the sum covers the bytes that are sent. A retransmission
 * sends what the page holds then, as TCP's does. Returns the bytes
 * attached, 0 when the skb has no fragment slot left, or a negative errno.
 */
static int xtcp_append_pages(struct sock *sk, struct sk_buff *skb,
			     struct msghdr *msg, int copy)
{
	ssize_t n = xtcp_skb_splice(skb, &msg->msg_iter, copy);

	if (n == -EMSGSIZE)
		return 0;
	if (n < 0)
		return n;
	if (!(msg->msg_flags & MSG_NO_SHARED_FRAGS))
		skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
	sk_wmem_queued_add(sk, n);
	sk_mem_charge(sk, n);
	XTCP_SKB_CB(skb)->end_seq += n;
	xtcp_sk(sk)->write_seq += n;
	XTCP_ADD_STATS(xtcp_sk_net(sk), OUTZEROCOPYBYTES, n);
	return n;
}

/*
 * A copy that failed (EFAULT, or no memory for a page fragment) can leave
 * the segment just queued for it empty. Take it out again, as TCP's
 * tcp_remove_empty_skb() does: sent, an empty segment is never ACKed and
 * holds Nagle and cwnd for every later write.
 */
static void xtcp_remove_empty_tail(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !xs->send_head || skb->len ||
	    XTCP_SKB_CB(skb)->seq != XTCP_SKB_CB(skb)->end_seq)
		return;
	/* Unsent (send_head is at or before the tail), so not in flight. */
	if (xs->send_head == skb)
		xs->send_head = NULL;
	__skb_unlink(skb, &sk->sk_write_queue);
	sk_wmem_queued_add(sk, -skb->truesize);
	kfree_skb(skb);
}

/*
 * PSH on the segment that ends a write, as tcp_mark_push(): the peer's GRO
 * ends its chain there (gro.c); the segments of a bulk stream before it
 * carry none and merge. Not while the application corks (MSG_MORE,
 * XTCP_CORK): more of the same message follows.
 */
static void xtcp_mark_push(struct sock *sk)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (tail && tail->len && !xtcp_sk(sk)->corked)
		XTCP_SKB_CB(tail)->flags |= XTCP_F_PSH;
}

/* The unsent tail segment, if more data may join it. */
static struct sk_buff *xtcp_open_tail(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (!tail || !xs->send_head || tail->len >= xs->mss ||
	    (XTCP_SKB_CB(tail)->flags & (XTCP_F_SYN | XTCP_F_FIN)))
		return NULL;
	return tail;
}

/*
 * The send path of sendmsg() and of the zero-copy callers: with @splice
 * the iterator's pages are attached (xtcp_append_pages()), else its bytes
 * are copied (xtcp_append()). The caller holds the socket lock.
 */
static int xtcp_sendmsg_locked(struct sock *sk, struct msghdr *msg,
			       bool splice)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int flags = msg->msg_flags;
	size_t copied = 0;
	long timeo;
	int err;

	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if (!xtcp_can_send(sk)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}
	xs->corked = (flags & MSG_MORE) || xs->user_cork;
	xs->zc_more = 0;
	xs->zc_notlast = 0;

	while (msg_data_left(msg)) {
		struct sk_buff *skb;
		int copy;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN) ||
		    !xtcp_can_send(sk))
			goto do_error;

		skb = xtcp_open_tail(sk);
		if (!skb) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_memory;
			skb = xtcp_new_segment(sk);
			if (!skb)
				goto wait_for_memory;
		}
		copy = min_t(size_t, msg_data_left(msg), xs->mss - skb->len);
		copy = splice ? xtcp_append_pages(sk, skb, msg, copy) :
				xtcp_append(sk, skb, msg, copy);
		if (copy < 0) {
			err = copy;
			if (err == -ENOMEM)
				goto wait_for_memory;
			goto do_error;
		}
		if (!copy) {
			/* Out of fragment slots: close this segment. */
			skb = xtcp_new_segment(sk);
			if (!skb)
				goto wait_for_memory;
			continue;
		}
		copied += copy;
		if (skb->len >= xs->mss &&
		    xs->write_seq - xs->snd_nxt >= xtcp_push_goal(sk)) {
			xtcp_push(sk);
			/* Let the segments that queued up behind our lock in
			 * (ACKs, the peer's data) through now and then. */
			if (sk->sk_backlog.tail && (copied & ~0xffffUL) !=
			    ((copied - copy) & ~0xffffUL))
				sk_flush_backlog(sk);
		}
		continue;

wait_for_memory:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		xtcp_remove_empty_tail(sk);
		xtcp_mark_push(sk);
		xtcp_push(sk);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
	}
	xtcp_mark_push(sk);
	/* sendfile() and splice() hand over a page (6.1) or a pipe's worth
	 * (6.12) per call, MSG_MORE while more of the transfer follows: the
	 * scheduler then waits for a large skb's worth (xtcp_gso_defer()). */
	xs->zc_more = splice && (flags & MSG_MORE);
	xs->zc_notlast = splice && xtcp_msg_notlast(flags);
	xtcp_push(sk);
	return copied;

do_error:
	xs->zc_more = 0;
	xs->zc_notlast = 0;
	xtcp_remove_empty_tail(sk);
	if (copied) {
		xtcp_mark_push(sk);
		xtcp_push(sk);
		return copied;
	}
	return sk_stream_error(sk, flags, err);
}

int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	int ret;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;	/* no urgent pointer in XTCP */
	if (msg->msg_controllen) {
		struct sockcm_cookie sockc;

		/* Malformed control messages fail as on TCP; the valid
		 * ones (SO_MARK, timestamping, ...) have no effect here. */
		sockcm_init(&sockc, sk);
		if (sock_cmsg_send(sk, msg, &sockc))
			return -EINVAL;
	}
	lock_sock(sk);
	/* Since 6.5 sendfile() and splice() come here (MSG_SPLICE_PAGES,
	 * which user space cannot set). */
	ret = xtcp_sendmsg_locked(sk, msg, xtcp_msg_splice(msg));
	release_sock(sk);
	return ret;
}

#ifdef XTCP_HAVE_SENDPAGE
/*
 * proto_ops->sendpage (up to 6.4): sendfile() and splice() give one page
 * (part) at a time; MSG_SENDPAGE_NOTLAST says more of the same transfer
 * follows, as MSG_MORE. A page that may not be referenced (slab memory)
 * is copied, as kernel_sendpage() would.
 */
ssize_t xtcp_sendpage(struct socket *sock, struct page *page, int offset,
		      size_t size, int flags)
{
	struct sock *sk = sock->sk;
	struct bio_vec bvec = {
		.bv_page = page, .bv_offset = offset, .bv_len = size,
	};
	struct msghdr msg = { };
	int ret;

	if (!sendpage_ok(page))
		return sock_no_sendpage(sock, page, offset, size, flags);
	if (flags & MSG_SENDPAGE_NOTLAST)
		flags |= MSG_MORE;
	msg.msg_flags = flags & (MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL |
				 MSG_EOR | MSG_NO_SHARED_FRAGS |
				 MSG_SENDPAGE_NOTLAST);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bvec, 1, size);
	lock_sock(sk);
	ret = xtcp_sendmsg_locked(sk, &msg, true);
	release_sock(sk);
	return ret;
}
#endif

int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 peek_seq, *seq;
	int copied = 0, target;
	long timeo;

	/* The error queue as TCP reads it (EAGAIN when empty). */
	if (flags & MSG_ERRQUEUE)
		return sock_recv_errqueue(sk, msg, len, SOL_IP, IP_RECVERR);
	/* No urgent data in XTCP: TCP's answer when none is pending. */
	if (flags & MSG_OOB)
		return -EINVAL;
	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		copied = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	peek_seq = xs->copied_seq;
	seq = (flags & MSG_PEEK) ? &peek_seq : &xs->copied_seq;

	while ((size_t)copied < len) {
		struct sk_buff *skb, *last;
		u32 offset;
		int used, err;

		last = skb_peek_tail(&sk->sk_receive_queue);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			offset = *seq - XTCP_SKB_CB(skb)->seq;
			if (offset < skb->len)
				goto found;
		}

		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				/* Never connected: as TCP, ENOTCONN. */
				if (!sock_flag(sk, SOCK_DONE))
					copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		if (copied >= target) {
			/* Only the backlog is left to take in: do it without
			 * letting go of the socket, or another reader could
			 * take the next bytes and ours would not be one run. */
			sk_flush_backlog(sk);
			continue;
		}
		xtcp_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, last);
		continue;

found:
		used = min_t(size_t, skb->len - offset, len - copied);
		/* MSG_TRUNC: the bytes are consumed (or peeked) uncopied. */
		err = (flags & MSG_TRUNC) ? 0 :
		      skb_copy_datagram_msg(skb, offset, msg, used);
		if (err) {
			if (!copied)
				copied = -EFAULT;
			break;
		}
		*seq += used;
		copied += used;
		if (!(flags & MSG_PEEK) && offset + used == skb->len) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			kfree_skb(skb);
		}
	}
	if (copied > 0 && !(flags & MSG_PEEK)) {
		/* A grown buffer first, so the ACK can offer it. */
		xtcp_rcv_space_adjust(sk);
		xtcp_cleanup_rbuf(sk, copied);
	}
out:
	release_sock(sk);
	return copied;
}

/*
 * proto_ops->read_sock: hand the in-order data, from COPIED_SEQ on, to
 * @recv_actor, which consumes what it can and says how much (it may take
 * part of an skb, or nothing: then the walk stops). What it consumed
 * leaves the receive queue and the window reopens as after recvmsg(): the
 * buffer autotuning sees it, and the ACK goes when the window grew by a
 * useful amount (xtcp_cleanup_rbuf()). The caller holds the socket lock.
 */
int xtcp_read_sock(struct sock *sk, read_descriptor_t *desc,
		   sk_read_actor_t recv_actor)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb, *tmp;
	u32 seq = xs->copied_seq;
	int copied = 0;

	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;
	skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
		u32 offset = seq - XTCP_SKB_CB(skb)->seq;
		size_t len;
		int used;

		if (offset >= skb->len)
			continue;	/* as recvmsg(): not the next bytes */
		len = skb->len - offset;
		used = recv_actor(desc, skb, offset, len);
		if (used <= 0) {
			if (!copied)
				copied = used;
			break;
		}
		if ((size_t)used > len)
			used = len;
		seq += used;
		copied += used;
		/* The actor may sleep or let the lock go (splice does
		 * not): the queue is re-read from COPIED_SEQ each time. */
		xs->copied_seq = seq;
		if ((size_t)used < len)
			break;
		__skb_unlink(skb, &sk->sk_receive_queue);
		kfree_skb(skb);
		if (!desc->count)
			break;
	}
	if (copied > 0) {
		xtcp_rcv_space_adjust(sk);
		xtcp_cleanup_rbuf(sk, copied);
	}
	return copied;
}

struct xtcp_splice_state {
	struct sock		*sk;
	struct pipe_inode_info	*pipe;
	size_t			len;
	unsigned int		flags;
};

static int xtcp_splice_actor(read_descriptor_t *desc, struct sk_buff *skb,
			     unsigned int offset, size_t len)
{
	struct xtcp_splice_state *st = desc->arg.data;
	int ret;

	ret = skb_splice_bits(skb, st->sk, offset, st->pipe,
			      min(desc->count, len), st->flags);
	if (ret > 0)
		desc->count -= ret;
	return ret;
}

/*
 * proto_ops->splice_read: splice(xtcp_fd, NULL, pipe, ...) moves the
 * received data into the pipe without a copy through user space: the
 * pipe takes references on the skbs' page fragments (skb_splice_bits()),
 * the linear part only is copied. Blocking, EOF, errors and signals as
 * recvmsg() has them; O_NONBLOCK on the socket or SPLICE_F_NONBLOCK makes
 * an empty queue EAGAIN.
 */
ssize_t xtcp_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags)
{
	struct sock *sk = sock->sk;
	struct xtcp_splice_state st = {
		.sk = sk, .pipe = pipe, .len = len, .flags = flags,
	};
	ssize_t spliced = 0;
	long timeo;
	int ret = 0;

	if (unlikely(*ppos))
		return -ESPIPE;
	lock_sock(sk);
	/* As tcp_splice_read(): the socket's O_NONBLOCK decides whether
	 * to wait for data; SPLICE_F_NONBLOCK is about the pipe (a full
	 * one is -EAGAIN from skb_splice_bits()). */
	timeo = sock_rcvtimeo(sk, sock->file->f_flags & O_NONBLOCK);
	while (st.len) {
		read_descriptor_t desc = {
			.arg.data = &st, .count = st.len,
		};

		ret = xtcp_read_sock(sk, &desc, xtcp_splice_actor);
		if (ret < 0)
			break;
		if (!ret) {
			if (spliced)
				break;
			if (sk->sk_err) {
				ret = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				/* Never connected: as TCP, ENOTCONN. */
				if (!sock_flag(sk, SOCK_DONE))
					ret = -ENOTCONN;
				break;
			}
			if (!timeo) {
				ret = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				ret = sock_intr_errno(timeo);
				break;
			}
			sk_wait_data(sk, &timeo, NULL);
			continue;
		}
		st.len -= ret;
		spliced += ret;
		XTCP_ADD_STATS(xtcp_sk_net(sk), INSPLICEDBYTES, ret);
		if (!st.len || !timeo)
			break;
		/* Let the backlog in between rounds. */
		release_sock(sk);
		lock_sock(sk);
		if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
		    (sk->sk_shutdown & RCV_SHUTDOWN) ||
		    signal_pending(current))
			break;
	}
	release_sock(sk);
	return spliced ? spliced : ret;
}
