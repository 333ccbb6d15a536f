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
#include "hash.h"

#define XTCP_MAX_HEADER	(XTCP_MAX_HDR_LEN + MAX_HEADER + 64)

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
 */
void xtcp_clean_rtx_queue(struct sock *sk, u32 ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	long rtt_us = -1;
	bool freed = false;

	while ((skb = skb_peek(&sk->sk_write_queue)) != NULL &&
	       skb != xs->send_head) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_after(cb->end_seq, ack))
			break;
		if (!cb->retrans)
			rtt_us = jiffies_to_usecs(jiffies - cb->when);
		if (cb->flags & XTCP_F_FIN)
			xs->fin_acked = 1;
		xs->bytes_acked += skb->len;
		__skb_unlink(skb, &sk->sk_write_queue);
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
		freed = true;
	}
	if (rtt_us >= 0)
		xtcp_rtt_sample(sk, rtt_us);
	xs->retransmits = 0;
	xs->backoff = 0;
	sk_stop_timer(sk, &xs->rtx_timer);
	xtcp_rearm_rtx(sk);
	if (freed)
		sk->sk_write_space(sk);
}

/*
 * In-order data goes to the receive queue (0). Anything else is dropped
 * and counted; the caller answers with an immediate duplicate ACK so the
 * sender repairs the hole.
 */
int xtcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->seq != xs->rcv_nxt) {
		XTCP_INC_STATS(xtcp_sk_net(sk), OFODROP);
		return -EAGAIN;
	}
	if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    (unsigned int)READ_ONCE(sk->sk_rcvbuf)) {
		XTCP_INC_STATS(xtcp_sk_net(sk), OFODROP);
		return -ENOBUFS;
	}
	skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	xs->rcv_nxt = cb->seq + skb->len;
	xs->bytes_received += skb->len;
	xs->last_data_recv = jiffies;
	sk->sk_data_ready(sk);
	return 0;
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
	if (now >= 2 * (u32)cur || now - cur >= 2U * xs->mss ||
	    (cur == 0 && now > 0))
		xtcp_send_ack(sk);
}

static bool xtcp_can_send(struct sock *sk)
{
	return (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT);
}

int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int flags = msg->msg_flags;
	size_t copied = 0;
	long timeo;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if (!xtcp_can_send(sk)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}

	while (msg_data_left(msg)) {
		struct sk_buff *skb;
		size_t seg;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto do_error;
		if (!xtcp_can_send(sk))
			goto do_error;
		if (!sk_stream_memory_free(sk)) {
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			xtcp_push(sk);
			err = sk_stream_wait_memory(sk, &timeo);
			if (err)
				goto do_error;
			continue;
		}

		seg = min_t(size_t, msg_data_left(msg), xs->mss);
		skb = alloc_skb_with_frags(XTCP_MAX_HEADER, seg, 0, &err,
					   sk->sk_allocation);
		if (!skb) {
			err = sk_stream_wait_memory(sk, &timeo);
			if (err)
				goto do_error;
			continue;
		}
		skb_reserve(skb, XTCP_MAX_HEADER);
		skb->data_len = seg;
		skb->len = seg;
		if (skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter, seg)) {
			kfree_skb(skb);
			err = -EFAULT;
			goto do_error;
		}
		memset(XTCP_SKB_CB(skb), 0, sizeof(struct xtcp_skb_cb));
		XTCP_SKB_CB(skb)->seq = xs->write_seq;
		XTCP_SKB_CB(skb)->end_seq = xs->write_seq + seg;
		xs->write_seq += seg;
		sk_wmem_queued_add(sk, skb->truesize);
		__skb_queue_tail(&sk->sk_write_queue, skb);
		if (!xs->send_head)
			xs->send_head = skb;
		copied += seg;
		if (!(flags & MSG_MORE))
			xtcp_push(sk);
	}
	xtcp_push(sk);
	release_sock(sk);
	return copied;

do_error:
	if (copied) {
		xtcp_push(sk);
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 peek_seq, *seq;
	int copied = 0, target;
	long timeo;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return -EOPNOTSUPP;
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
		xtcp_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, last);
		continue;

found:
		used = min_t(size_t, skb->len - offset, len - copied);
		err = skb_copy_datagram_msg(skb, offset, msg, used);
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
	if (copied > 0 && !(flags & MSG_PEEK))
		xtcp_cleanup_rbuf(sk, copied);
out:
	release_sock(sk);
	return copied;
}
