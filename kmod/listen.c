// SPDX-License-Identifier: GPL-2.0
/*
 * listen(), accept() and the accept queue: connections whose handshake is
 * complete, waiting for the application (seed 002). The queue holds
 * backlog + 1 connections, as Linux's does; when it is full the listener
 * drops new SYNs and final ACKs silently (synqueue.c), so clients retry
 * instead of being refused (seed 004).
 */
#include <linux/sched/signal.h>
#include "hash.h"

int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct xtcp_net *xn = xtcp_sk_net(sk);
	int somaxconn = READ_ONCE(xn->sysctl.somaxconn);
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;

	if (backlog > somaxconn)
		backlog = somaxconn;
	if (backlog < 0)
		backlog = 0;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state == TCP_LISTEN) {
		err = 0;	/* only the backlog changes */
		goto out;
	}

	if (!inet_sk(sk)->inet_num) {
		/* listen() without bind(): an ephemeral port, as TCP does. */
		err = xtcp_bind_port(sk, htonl(INADDR_ANY), 0);
		if (err)
			goto out;
	}
	err = xtcp_synq_alloc(sk, backlog);
	if (err)
		goto out;
	/* Its share of a SO_REUSEPORT group's 4-tuples (hash.c). */
	xtcp_sk(sk)->lq.reuseport_key = get_random_u32();
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	err = xtcp_listen_port_check(sk);	/* enters LISTEN */
	if (err) {
		xtcp_synq_free(sk);
		goto out;
	}
	xtcp_lhash_insert(sk);
out:
	release_sock(sk);
	return err;
}

/* Softirq, listener locked: a child finished its handshake. */
void xtcp_acceptq_add(struct sock *parent, struct sock *child)
{
	xtcp_sk(child)->parent = parent;
	list_add_tail(&xtcp_sk(child)->accept_node, &xtcp_sk(parent)->lq.accept_q);
	sk_acceptq_added(parent);
	parent->sk_data_ready(parent);
}

static long xtcp_wait_for_child(struct sock *sk, long timeo, int *err)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	DEFINE_WAIT(wait);

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty(&xs->lq.accept_q))
			timeo = schedule_timeout(timeo);
		sched_annotate_sleep();
		lock_sock(sk);
		*err = 0;
		if (!list_empty(&xs->lq.accept_q))
			break;
		*err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		*err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		*err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return timeo;
}

int xtcp_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sock *child;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	if (list_empty(&xs->lq.accept_q)) {
		long timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);

		err = -EAGAIN;
		if (!timeo)
			goto out;
		xtcp_wait_for_child(sk, timeo, &err);
		if (err)
			goto out;
	}
	child = &list_first_entry(&xs->lq.accept_q, struct xtcp_sock,
				  accept_node)->inet.sk;
	list_del_init(&xtcp_sk(child)->accept_node);
	sk_acceptq_removed(sk);
	release_sock(sk);

	/* The accept queue's reference becomes the new socket's. */
	lock_sock(child);
	xtcp_sk(child)->parent = NULL;
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	return 0;
out:
	release_sock(sk);
	return err;
}

/*
 * The listener closes: it leaves the listener table first (new SYNs go to
 * the rest of its SO_REUSEPORT group, or find the port closed), then
 * every half-open request and every child still waiting in the accept
 * queue is reset, so its client learns at once instead of talking to
 * nobody. Nothing moves to another listener (docs/protocol.md §10.4).
 */
void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_lhash_remove(sk);
	xtcp_synq_reset(sk);
	while (!list_empty(&xs->lq.accept_q)) {
		struct sock *child =
			&list_first_entry(&xs->lq.accept_q, struct xtcp_sock,
					  accept_node)->inet.sk;

		list_del_init(&xtcp_sk(child)->accept_node);
		sk_acceptq_removed(sk);

		local_bh_disable();
		bh_lock_sock_nested(child);
		sock_hold(child);
		xtcp_sk(child)->parent = NULL;
		sock_orphan(child);
		if ((1 << child->sk_state) & ~(TCPF_CLOSE | TCPF_SYN_SENT)) {
			xtcp_send_active_reset(child, GFP_ATOMIC);
			xtcp_sk(child)->close_reason = XTCP_CLOSE_LISTENER;
		}
		if (child->sk_state != TCP_CLOSE)
			xtcp_done(child);	/* dead: destroys it */
		else
			xtcp_destroy_sock(child);
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);
	}
	xtcp_synq_free(sk);
}
