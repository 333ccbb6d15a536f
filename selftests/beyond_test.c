// SPDX-License-Identifier: GPL-2.0
/*
 * Beyond TCP (issue 10 parts 1 and 2; docs/protocol.md §30 and §31).
 *
 * Arrival vs acceptance: a listener with XTCP_DEFER_HANDSHAKE sees each
 * connection request (XTCP_ARRIVAL, POLLPRI) before any SYN-ACK leaves,
 * and decides (XTCP_VERDICT): ACCEPT completes the handshake, REFUSE fails
 * the client's connect() with ECONNREFUSED, DROP forgets the SYN so that
 * its retransmission arrives again; no verdict within
 * net.xtcp.arrival_timeout_ms refuses. The SYN queue bounds hold, and a
 * deferring listener never answers with a cookie.
 *
 * Liveness probe: XTCP_PROBE answered on an idle connection, with data in
 * flight into a zero window, in CLOSE-WAIT; timed out on a cut path (netem
 * loss 100%) with the connection still ESTABLISHED, answered again once
 * the path heals.
 *
 * Host A 10.0.0.1 listens, host B 10.0.0.2 connects (net_fixture.h).
 * Every wait is on a condition with a deadline. Budget: the whole program
 * in at most 40 s on the stock kernel (arrival_timeout_ms 300, probe
 * timeouts of 500 ms).
 */
#include "xtcp_lib.h"
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define PORT 7300

/* A deferring listener on A:PORT. */
static int defer_listener(const char *ns, int backlog)
{
	int fd = xt_xsock(ns);

	if (fd < 0)
		return -1;
	xt_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (xt_set_int(fd, SOL_XTCP, XTCP_DEFER_HANDSHAKE, 1) ||
	    xt_bind(fd, IP_A, PORT) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A non-blocking connect() from B to A:PORT: the socket, in SYN-SENT. */
static int client(const char *ns)
{
	int fd = xt_xsock(ns);

	if (fd < 0)
		return -1;
	if (xt_connect_nb(fd, IP_A, PORT) != -EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The client's SYN retransmissions every 300 ms, not after 1, 2, 4 s
 * (the initial RTO is clamped to rto_max_ms), and enough of them: the
 * arrival cases that wait for a retransmitted SYN take a third of the
 * time. The behaviour under test does not depend on when the SYNs come.
 */
static int fast_syns(const char *b)
{
	return xt_sysctl(b, "rto_max_ms", "300") || xt_sysctl(b, "syn_retries", "30");
}

/*
 * The cases that do not test the verdict timeout give the application a
 * minute: on a loaded emulated host the default 5 s can pass between two
 * steps of a case (one run took 136 s instead of 27).
 */
static int patient(const char *a)
{
	return xt_sysctl(a, "arrival_timeout_ms", "60000");
}

/* Wait up to ms for POLLPRI, then take the arrival: 0 or -errno. */
static int take_arrival(int lfd, struct xtcp_arrival *xa, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLPRI };
	socklen_t len = sizeof(*xa);

	if (poll(&p, 1, ms) != 1 || !(p.revents & POLLPRI))
		return -ETIMEDOUT;
	memset(xa, 0xee, sizeof(*xa));
	if (getsockopt(lfd, SOL_XTCP, XTCP_ARRIVAL, xa, &len))
		return -errno;
	return len == sizeof(*xa) ? 0 : -EMSGSIZE;
}

static int verdict(int lfd, uint64_t id, uint32_t v)
{
	struct xtcp_verdict xv = { .xv_id = id, .xv_verdict = v };

	return setsockopt(lfd, SOL_XTCP, XTCP_VERDICT, &xv, sizeof(xv)) ? -errno : 0;
}

/* The connect() of a non-blocking client: 0, its errno, or -1 (no end). */
static int connect_result(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return xt_sock_error(fd);
}

static int arrival_none(int lfd)
{
	struct xtcp_arrival xa;
	socklen_t len = sizeof(xa);

	return getsockopt(lfd, SOL_XTCP, XTCP_ARRIVAL, &xa, &len) ? errno : 0;
}

/* The arrival names the client: its address and port, and ours. */
static void check_peer(struct __test_metadata *_metadata,
		       const struct xtcp_arrival *xa, int cli)
{
	const struct sockaddr_in *peer = (const void *)&xa->xa_peer;
	const struct sockaddr_in *local = (const void *)&xa->xa_local;
	struct sockaddr_in want = xt_sin(IP_B, xt_getport(cli, 0));

	EXPECT_EQ(AF_INET, peer->sin_family);
	EXPECT_EQ(want.sin_addr.s_addr, peer->sin_addr.s_addr);
	EXPECT_EQ(want.sin_port, peer->sin_port);
	want = xt_sin(IP_A, PORT);
	EXPECT_EQ(AF_INET, local->sin_family);
	EXPECT_EQ(want.sin_addr.s_addr, local->sin_addr.s_addr);
	EXPECT_EQ(want.sin_port, local->sin_port);
	EXPECT_NE(0, xa->xa_id);
	EXPECT_TRUE(xa->xa_flags & XTCP_ARRIVAL_F_MSS);
	EXPECT_LE(88, xa->xa_mss);
	EXPECT_GE(1460, xa->xa_mss);
	EXPECT_LT(xa->xa_age_ms, 5000);
}

/* xtcpstat lists the waiting arrival as SYN-RECV, verdict pending. */
static int xtcpstat_shows(const char *ns, const char *grep)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	return xt_run("/usr/sbin/ip netns exec %s %s/../tools/xtcpstat -n %s",
		      ns, exe, grep);
}

/*
 * ACCEPT: the arrival is seen with the client's address before any
 * SYN-ACK left (A sent nothing, the client is still SYN-SENT), it absorbs
 * the client's SYN retransmission (no second arrival, still nothing
 * sent), and the verdict completes the handshake: connect() succeeds and
 * accept() returns the connection.
 */
TEST_F_TIMEOUT(net, arrival_accept, 90)
{
	struct xtcp_arrival xa;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct pollfd p;
	long out0;
	int lfd, cli, srv;

	ASSERT_EQ(0, patient(self->a));
	ASSERT_EQ(0, fast_syns(self->b));
	lfd = defer_listener(self->a, 8);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(EAGAIN, arrival_none(lfd));
	out0 = xt_counter(self->a, "OutSegs");
	cli = client(self->b);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, take_arrival(lfd, &xa, 5000));
	check_peer(_metadata, &xa, cli);
	/* One arrival: taken, none other; POLLPRI is gone, POLLIN never was. */
	EXPECT_EQ(EAGAIN, arrival_none(lfd));
	p = (struct pollfd){ .fd = lfd, .events = POLLIN | POLLPRI };
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(out0, xt_counter(self->a, "OutSegs"));
	EXPECT_EQ(XTCP_SYN_SENT, xt_state(cli));
	EXPECT_EQ(0, xtcpstat_shows(self->a, "state syn-recv | grep -q 'verdict-pending age:'"));
	EXPECT_EQ(0, xtcpstat_shows(self->a, "-j state syn-recv | grep -q '\"verdict_pending\":true'"));

	/* The client's SYN retransmission (initial RTO 1 s) is absorbed. */
	EXPECT_LE(1, xt_wait_counter_ge(self->b, "SynRetrans", 1, 5000));
	EXPECT_LE(2, xt_wait_counter_ge(self->a, "InSegs", 2, 2000));
	EXPECT_EQ(EAGAIN, arrival_none(lfd));
	EXPECT_EQ(out0, xt_counter(self->a, "OutSegs"));
	EXPECT_EQ(XTCP_SYN_SENT, xt_state(cli));

	ASSERT_EQ(0, verdict(lfd, xa.xa_id, XTCP_VERDICT_ACCEPT));
	EXPECT_EQ(0, connect_result(cli, 5000));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_wait_state(cli, XTCP_ESTABLISHED, 2000));
	ASSERT_EQ(POLLIN, xt_wait_readable(lfd, 5000) & POLLIN);
	srv = accept(lfd, (struct sockaddr *)&sin, &sl);
	ASSERT_LE(0, srv);
	EXPECT_EQ(htons(xt_getport(cli, 0)), sin.sin_port);
	EXPECT_EQ(1, xt_counter(self->a, "ArrivalsAccepted"));
	EXPECT_EQ(1, xt_counter(self->a, "PassiveOpens"));
	EXPECT_EQ(0, xt_counter(self->a, "SyncookiesSent"));
	/* Answered: its id is no longer waiting. */
	EXPECT_EQ(-ENOENT, verdict(lfd, xa.xa_id, XTCP_VERDICT_ACCEPT));
	EXPECT_EQ(5, write(cli, "hello", 5));
	EXPECT_EQ(POLLIN, xt_wait_readable(srv, 5000) & POLLIN);
	close(srv);
	close(cli);
	close(lfd);
}

/* Closing a listener with arrivals waiting frees them (nothing leaks). */
static void arrival_listener_close(struct __test_metadata *_metadata,
		FIXTURE_DATA(net) *self)
{
	struct xtcp_arrival xa;
	int lfd, cli;

	lfd = defer_listener(self->a, 8);
	ASSERT_LE(0, lfd);
	cli = client(self->b);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, take_arrival(lfd, &xa, 5000));
	close(lfd);
	/* The retransmitted SYN finds no listener: RST, refused. */
	EXPECT_EQ(ECONNREFUSED, connect_result(cli, 6000));
	close(cli);
}

/* REFUSE: an RST at once, connect() fails ECONNREFUSED. */
TEST_F_TIMEOUT(net, arrival_refuse, 90)
{
	struct xtcp_arrival xa;
	long t0;
	int lfd, cli;

	ASSERT_EQ(0, patient(self->a));
	ASSERT_EQ(0, fast_syns(self->b));
	lfd = defer_listener(self->a, 8);
	ASSERT_LE(0, lfd);
	cli = client(self->b);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, take_arrival(lfd, &xa, 5000));
	check_peer(_metadata, &xa, cli);
	t0 = xt_now_ms();
	ASSERT_EQ(0, verdict(lfd, xa.xa_id, XTCP_VERDICT_REFUSE));
	EXPECT_EQ(ECONNREFUSED, connect_result(cli, 5000));
	TH_LOG("refused %ld ms after the verdict", xt_now_ms() - t0);
	EXPECT_EQ(1, xt_counter(self->a, "ArrivalsRefused"));
	EXPECT_EQ(0, xt_counter(self->a, "PassiveOpens"));
	EXPECT_EQ(0, xt_counter(self->a, "SynAckRetrans"));
	EXPECT_EQ(-ENOENT, verdict(lfd, xa.xa_id, XTCP_VERDICT_REFUSE));
	close(cli);
	close(lfd);
	arrival_listener_close(_metadata, self);
}

/* DROP: nothing is sent; the retransmitted SYN is a new arrival. */
TEST_F_TIMEOUT(net, arrival_drop, 90)
{
	struct xtcp_arrival xa, xb;
	long out0;
	int lfd, cli;

	ASSERT_EQ(0, patient(self->a));
	ASSERT_EQ(0, fast_syns(self->b));
	lfd = defer_listener(self->a, 8);
	ASSERT_LE(0, lfd);
	out0 = xt_counter(self->a, "OutSegs");
	cli = client(self->b);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, take_arrival(lfd, &xa, 5000));
	ASSERT_EQ(0, verdict(lfd, xa.xa_id, XTCP_VERDICT_DROP));
	EXPECT_EQ(0, xt_counter(self->a, "SynQueueDrops"));
	ASSERT_EQ(0, take_arrival(lfd, &xb, 6000));
	check_peer(_metadata, &xb, cli);
	EXPECT_NE(xa.xa_id, xb.xa_id);
	EXPECT_LE(1, xt_counter(self->b, "SynRetrans"));
	EXPECT_EQ(out0, xt_counter(self->a, "OutSegs"));
	EXPECT_EQ(XTCP_SYN_SENT, xt_state(cli));
	EXPECT_EQ(1, xt_counter(self->a, "ArrivalsDropped"));
	EXPECT_EQ(-ENOENT, verdict(lfd, xa.xa_id, XTCP_VERDICT_ACCEPT));
	ASSERT_EQ(0, verdict(lfd, xb.xa_id, XTCP_VERDICT_ACCEPT));
	EXPECT_EQ(0, connect_result(cli, 5000));
	close(cli);
	close(lfd);
}

/*
 * No verdict within arrival_timeout_ms: refused, counted; taken or not.
 * The RST comes at the deadline, not before.
 */
TEST_F_TIMEOUT(net, arrival_timeout, 90)
{
	struct xtcp_arrival xa;
	int lfd, c1, c2, rc;
	long t0;

	ASSERT_EQ(0, xt_sysctl(self->a, "arrival_timeout_ms", "300"));
	lfd = defer_listener(self->a, 8);
	ASSERT_LE(0, lfd);
	t0 = xt_now_ms();
	c1 = client(self->b);
	ASSERT_LE(0, c1);
	ASSERT_EQ(0, take_arrival(lfd, &xa, 5000));
	c2 = client(self->b);	/* never taken */
	ASSERT_LE(0, c2);
	EXPECT_EQ(ECONNREFUSED, connect_result(c1, 5000));
	EXPECT_LE(250, xt_now_ms() - t0);
	EXPECT_EQ(ECONNREFUSED, connect_result(c2, 5000));
	EXPECT_EQ(2, xt_wait_counter(self->a, "ArrivalsTimedOut", 2, 2000));
	EXPECT_EQ(-ENOENT, verdict(lfd, xa.xa_id, XTCP_VERDICT_ACCEPT));
	EXPECT_EQ(0, xt_counter(self->a, "ArrivalsRefused"));
	/* Nothing waits any more: no POLLPRI, the queue is empty. */
	rc = arrival_none(lfd);
	EXPECT_EQ(EAGAIN, rc);
	EXPECT_EQ(0, xtcpstat_shows(self->a, "-i state listening | grep -q 'syn_queue:0/8'"));
	close(c1);
	close(c2);
	close(lfd);
}

/*
 * Bounds: waiting arrivals fill the SYN queue (backlog 2); a third SYN is
 * dropped silently and counted, even with net.xtcp.syncookies=2: no cookie
 * can carry a deferred request. Its client stays in SYN-SENT, and once the
 * queue has room its retransmission arrives.
 */
TEST_F_TIMEOUT(net, arrival_bounds, 90)
{
	struct xtcp_arrival xa[3];
	int lfd, c[3], i;

	ASSERT_EQ(0, patient(self->a));
	ASSERT_EQ(0, fast_syns(self->b));
	ASSERT_EQ(0, xt_sysctl(self->a, "syncookies", "2"));
	lfd = defer_listener(self->a, 2);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 2; i++) {
		c[i] = client(self->b);
		ASSERT_LE(0, c[i]);
		ASSERT_EQ(0, take_arrival(lfd, &xa[i], 5000));
	}
	EXPECT_EQ(0, xtcpstat_shows(self->a, "-i state listening | grep -q 'syn_queue:2/2'"));
	c[2] = client(self->b);
	ASSERT_LE(0, c[2]);
	EXPECT_LE(1, xt_wait_counter_ge(self->a, "SynQueueDrops", 1, 5000));
	EXPECT_EQ(EAGAIN, arrival_none(lfd));
	EXPECT_EQ(0, xt_counter(self->a, "SyncookiesSent"));
	EXPECT_EQ(XTCP_SYN_SENT, xt_state(c[2]));
	ASSERT_EQ(0, verdict(lfd, xa[0].xa_id, XTCP_VERDICT_REFUSE));
	EXPECT_EQ(ECONNREFUSED, connect_result(c[0], 3000));
	/* Room again: the third client's next SYN is an arrival. A SYN of
	 * the first that crossed our RST may come first: refuse it (its
	 * client is gone) and look again. */
	for (i = 0; i < 5; i++) {
		const struct sockaddr_in *pe = (const void *)&xa[2].xa_peer;

		ASSERT_EQ(0, take_arrival(lfd, &xa[2], 6000));
		if (pe->sin_port == htons(xt_getport(c[2], 0)))
			break;
		ASSERT_EQ(0, verdict(lfd, xa[2].xa_id, XTCP_VERDICT_REFUSE));
	}
	check_peer(_metadata, &xa[2], c[2]);
	ASSERT_EQ(0, verdict(lfd, xa[2].xa_id, XTCP_VERDICT_ACCEPT));
	ASSERT_EQ(0, verdict(lfd, xa[1].xa_id, XTCP_VERDICT_ACCEPT));
	EXPECT_EQ(0, connect_result(c[1], 5000));
	EXPECT_EQ(0, connect_result(c[2], 5000));
	EXPECT_EQ(0, xt_counter(self->a, "SyncookiesSent"));
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
}

/* epoll: EPOLLPRI while an arrival waits untaken, EPOLLIN once accepted. */
TEST_F_TIMEOUT(net, arrival_epoll, 90)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLPRI }, out;
	struct xtcp_arrival xa;
	socklen_t len = sizeof(xa);
	int lfd, cli, ep;

	ASSERT_EQ(0, patient(self->a));
	lfd = defer_listener(self->a, 8);
	ASSERT_LE(0, lfd);
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	cli = client(self->b);
	ASSERT_LE(0, cli);
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_EQ(EPOLLPRI, out.events);
	ASSERT_EQ(0, getsockopt(lfd, SOL_XTCP, XTCP_ARRIVAL, &xa, &len));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(0, verdict(lfd, xa.xa_id, XTCP_VERDICT_ACCEPT));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_EQ(EPOLLIN, out.events);
	close(ep);
	close(cli);
	close(lfd);
}

/* The errors of docs/errors.md, on the options of part 1. */
TEST_F_TIMEOUT(net, arrival_bad_input, 90)
{
	struct xtcp_verdict xv = { .xv_id = 1, .xv_verdict = XTCP_VERDICT_ACCEPT };
	char big[sizeof(xv) + 8] = { 0 };
	struct xtcp_arrival xa;
	socklen_t len;
	int plain, fresh, lfd, cli, v;

	ASSERT_EQ(0, patient(self->a));
	plain = xt_listen(self->a, IP_A, PORT + 1, 8, 1);
	ASSERT_LE(0, plain);
	fresh = xt_xsock(self->a);
	ASSERT_LE(0, fresh);
	lfd = defer_listener(self->a, 8);
	ASSERT_LE(0, lfd);

	/* Not a deferring listener / not a listener. */
	EXPECT_EQ(-1, setsockopt(plain, SOL_XTCP, XTCP_VERDICT, &xv, sizeof(xv)));
	EXPECT_EQ(EINVAL, errno);
	len = sizeof(xa);
	EXPECT_EQ(-1, getsockopt(plain, SOL_XTCP, XTCP_ARRIVAL, &xa, &len));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, xt_set_int(fresh, SOL_XTCP, XTCP_DEFER_HANDSHAKE, 1));
	EXPECT_EQ(-1, setsockopt(fresh, SOL_XTCP, XTCP_VERDICT, &xv, sizeof(xv)));
	EXPECT_EQ(EINVAL, errno);
	/* The option itself: 0 or 1, readable back. */
	EXPECT_EQ(-1, xt_set_int(fresh, SOL_XTCP, XTCP_DEFER_HANDSHAKE, 2));
	EXPECT_EQ(EINVAL, errno);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(lfd, SOL_XTCP, XTCP_DEFER_HANDSHAKE, &v, &len));
	EXPECT_EQ(1, v);
	/* Not at IPPROTO_TCP: TCP's number space. */
	EXPECT_EQ(-1, xt_set_int(fresh, IPPROTO_TCP, XTCP_DEFER_HANDSHAKE, 1));
	EXPECT_EQ(ENOPROTOOPT, errno);

	/* Lengths, values, padding, ids. */
	EXPECT_EQ(-1, setsockopt(lfd, SOL_XTCP, XTCP_VERDICT, &xv, sizeof(xv) - 1));
	EXPECT_EQ(EINVAL, errno);
	memcpy(big, &xv, sizeof(xv));
	EXPECT_EQ(-1, setsockopt(lfd, SOL_XTCP, XTCP_VERDICT, big, sizeof(big)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(lfd, SOL_XTCP, XTCP_VERDICT, NULL, sizeof(xv)));
	EXPECT_EQ(EFAULT, errno);
	xv.xv_verdict = 0;
	EXPECT_EQ(-EINVAL, verdict(lfd, 1, 0));
	EXPECT_EQ(-EINVAL, verdict(lfd, 1, 4));
	EXPECT_EQ(-EINVAL, verdict(lfd, 1, 0xffffffff));
	xv = (struct xtcp_verdict){ .xv_id = 1, .xv_verdict = 1, .xv_pad = 1 };
	EXPECT_EQ(-1, setsockopt(lfd, SOL_XTCP, XTCP_VERDICT, &xv, sizeof(xv)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENOENT, verdict(lfd, 1, XTCP_VERDICT_ACCEPT));
	EXPECT_EQ(-ENOENT, verdict(lfd, ~0ULL, XTCP_VERDICT_DROP));
	len = sizeof(xa) - 1;
	EXPECT_EQ(-1, getsockopt(lfd, SOL_XTCP, XTCP_ARRIVAL, &xa, &len));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(EAGAIN, arrival_none(lfd));

	/* Switching deferral off strands nobody: EBUSY while one waits. */
	cli = client(self->b);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, take_arrival(lfd, &xa, 5000));
	EXPECT_EQ(-1, xt_set_int(lfd, SOL_XTCP, XTCP_DEFER_HANDSHAKE, 0));
	EXPECT_EQ(EBUSY, errno);
	/* A bad verdict leaves the arrival waiting; a good one answers it. */
	EXPECT_EQ(-EINVAL, verdict(lfd, xa.xa_id, 7));
	EXPECT_EQ(0, verdict(lfd, xa.xa_id, XTCP_VERDICT_REFUSE));
	EXPECT_EQ(0, xt_set_int(lfd, SOL_XTCP, XTCP_DEFER_HANDSHAKE, 0));
	EXPECT_EQ(ECONNREFUSED, connect_result(cli, 3000));
	close(cli);
	close(lfd);
	close(fresh);
	close(plain);
}

/* ---- part 2: the liveness probe ----------------------------------------- */

/* A plain listener on A, a connected client on B, the accepted socket. */
static void pair(struct __test_metadata *_metadata, const char *a,
		 const char *b, int *lfd, int *srv, int *cli)
{
	*lfd = xt_listen(a, IP_A, PORT, 8, 1);
	ASSERT_LE(0, *lfd);
	*cli = xt_connect(b, IP_A, PORT);
	ASSERT_LE(0, *cli) TH_LOG("connect: %s", strerror(-*cli));
	*srv = accept(*lfd, NULL, NULL);
	ASSERT_LE(0, *srv);
}

/* XTCP_PROBE: 0 or the errno. */
static int probe(int fd, uint32_t ms)
{
	return setsockopt(fd, SOL_XTCP, XTCP_PROBE, &ms, sizeof(ms)) ? errno : 0;
}

static struct xtcp_info info(int fd)
{
	struct xtcp_info x;
	socklen_t len = sizeof(x);

	memset(&x, 0, sizeof(x));
	getsockopt(fd, SOL_XTCP, XTCP_INFO, &x, &len);
	return x;
}

/* CLOSE-WAIT: the peer has closed its side but is alive. */
static void probe_close_wait(struct __test_metadata *_metadata,
		FIXTURE_DATA(net) *self)
{
	int lfd, srv, cli;

	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	ASSERT_EQ(0, shutdown(srv, SHUT_WR));
	ASSERT_EQ(XTCP_CLOSE_WAIT, xt_wait_state(cli, XTCP_CLOSE_WAIT, 5000));
	EXPECT_EQ(0, probe(cli, 3000));
	EXPECT_EQ(XTCP_CLOSE_WAIT, xt_state(cli));
	EXPECT_EQ(XTCP_FIN_WAIT2, xt_state(srv));
	EXPECT_EQ(0, probe(srv, 3000));	/* and FIN-WAIT-2 */
	close(cli);
	close(srv);
	close(lfd);
}

/* Idle: answered at once, both ways; its RTT and result in xtcp_info. */
TEST_F_TIMEOUT(net, probe_idle, 90)
{
	struct xtcp_info x;
	int lfd, srv, cli;
	long t0;

	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	EXPECT_EQ(XTCP_PROBE_RESULT_NONE, info(cli).xtcpi_probe_result);
	t0 = xt_now_ms();
	EXPECT_EQ(0, probe(cli, 3000));
	TH_LOG("answered in %ld ms", xt_now_ms() - t0);
	x = info(cli);
	EXPECT_LE(3, x.xtcpi_version);	/* the probe fields are v3 */
	EXPECT_EQ(XTCP_PROBE_RESULT_ANSWERED, x.xtcpi_probe_result);
	EXPECT_LT(0, x.xtcpi_probe_rtt_us);
	EXPECT_GT(3000000, x.xtcpi_probe_rtt_us);
	EXPECT_EQ(0, probe(srv, 3000));
	EXPECT_EQ(1, xt_counter(self->b, "LiveProbesAnswered"));
	EXPECT_EQ(1, xt_counter(self->a, "LiveProbesAnswered"));
	EXPECT_LE(1, xt_counter(self->a, "LiveProbeEchoes"));
	EXPECT_LE(1, xt_counter(self->b, "LiveProbeEchoes"));
	EXPECT_EQ(0, xt_counter(self->b, "LiveProbesTimedOut"));
	EXPECT_EQ(0, xtcpstat_shows(self->b, "-i state established | grep -q ' probe:answered probe_rtt:'"));
	EXPECT_EQ(0, xtcpstat_shows(self->b, "-i -j | grep -q '\"probe_result\":\"answered\"'"));
	/* The probe is not data: nothing to read on either side. */
	EXPECT_EQ(0, xt_wait_readable(srv, 0));
	EXPECT_EQ(0, xt_wait_readable(cli, 0));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));
	/* O_NONBLOCK: EINPROGRESS, the answer shows in xtcp_info. */
	fcntl(cli, F_SETFL, fcntl(cli, F_GETFL) | O_NONBLOCK);
	EXPECT_EQ(EINPROGRESS, probe(cli, 3000));
	t0 = xt_now_ms();
	while (info(cli).xtcpi_probe_result == XTCP_PROBE_RESULT_PENDING &&
	       xt_now_ms() - t0 < 5000)
		xt_sleep_ms(5);
	EXPECT_EQ(XTCP_PROBE_RESULT_ANSWERED, info(cli).xtcpi_probe_result);
	close(cli);
	close(srv);
	close(lfd);
	probe_close_wait(_metadata, self);
}

/*
 * With data in flight (100 ms each way: an ACK is 200 ms off) and into a
 * zero window (the server reads nothing into a 4 KB buffer): answered,
 * and the stream is intact afterwards.
 */
TEST_F_TIMEOUT(net, probe_in_flight_and_zero_window, 90)
{
	static char buf[65536];
	struct xtcp_info x;
	long sent = 0, got = 0, t0;
	int lfd, srv, cli, n;

	ASSERT_EQ(0, impair(self->a, self->b, "delay 100ms"));
	lfd = xt_xsock(self->a);
	ASSERT_LE(0, lfd);
	xt_set_int(lfd, SOL_SOCKET, SO_RCVBUF, 4096);
	xt_set_int(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
	ASSERT_EQ(0, xt_bind(lfd, IP_A, PORT));
	ASSERT_EQ(0, listen(lfd, 8));
	cli = xt_connect(self->b, IP_A, PORT);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);

	/* In flight: 16 KB just written, unacknowledged while probing. */
	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ(16384, write(cli, buf, 16384));
	sent += 16384;
	x = info(cli);
	EXPECT_LT(0, x.xtcpi_unacked);
	EXPECT_EQ(0, probe(cli, 3000));
	EXPECT_EQ(XTCP_PROBE_RESULT_ANSWERED, info(cli).xtcpi_probe_result);

	/* Zero window: fill until the peer's window closes. */
	fcntl(cli, F_SETFL, fcntl(cli, F_GETFL) | O_NONBLOCK);
	t0 = xt_now_ms();
	do {
		n = write(cli, buf, sizeof(buf));
		if (n > 0)
			sent += n;
		else
			xt_sleep_ms(10);
		x = info(cli);
	} while (!(x.xtcpi_snd_wnd == 0 && n < 0) && xt_now_ms() - t0 < 8000);
	ASSERT_EQ(0, x.xtcpi_snd_wnd) TH_LOG("the window never closed");
	fcntl(cli, F_SETFL, fcntl(cli, F_GETFL) & ~O_NONBLOCK);
	EXPECT_EQ(0, probe(cli, 3000));
	EXPECT_EQ(0, info(cli).xtcpi_snd_wnd);
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));

	/* Drain: every byte arrives, nothing of the probe among them. */
	shutdown(cli, SHUT_WR);
	while ((n = read(srv, buf, sizeof(buf))) > 0)
		got += n;
	EXPECT_EQ(sent, got);
	close(cli);
	close(srv);
	close(lfd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	int ms;
	volatile int stop;
};

/* A signal every k->ms until stopped: one lands while the probe waits,
 * however late a loaded host lets the caller reach the call. */
static void *kick(void *arg)
{
	struct kicker *k = arg;

	while (!k->stop) {
		xt_sleep_ms(k->ms);
		if (!k->stop)
			pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

/* A signal ends the wait with EINTR; the connection is untouched. */
static void probe_signal(struct __test_metadata *_metadata,
		FIXTURE_DATA(net) *self)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	struct kicker k = { .target = pthread_self(), .ms = 200 };
	pthread_t th;
	int lfd, srv, cli;
	long t0, ms;

	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, impair(self->a, self->b, "loss 100%"));
	t0 = xt_now_ms();
	ASSERT_EQ(0, pthread_create(&th, NULL, kick, &k));
	EXPECT_EQ(EINTR, probe(cli, 20000));
	ms = xt_now_ms() - t0;
	k.stop = 1;
	pthread_join(th, NULL);
	EXPECT_LE(150, ms);
	EXPECT_GT(15000, ms);
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));
	ASSERT_EQ(0, impair(self->a, self->b, "loss 0%"));
	EXPECT_EQ(0, probe(cli, 3000));
	close(cli);
	close(srv);
	close(lfd);
}

/*
 * A cut path (netem loss 100% both ways): ETIMEDOUT after the timeout,
 * the connection still ESTABLISHED; answered again once healed, and the
 * stream still works.
 */
TEST_F_TIMEOUT(net, probe_cut_path, 90)
{
	char c = 0;
	int lfd, srv, cli;
	long t0, ms, out0;

	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	ASSERT_EQ(0, impair(self->a, self->b, "loss 100%"));
	out0 = xt_counter(self->b, "OutSegs");
	t0 = xt_now_ms();
	EXPECT_EQ(ETIMEDOUT, probe(cli, 500));
	ms = xt_now_ms() - t0;
	EXPECT_LE(480, ms);
	EXPECT_GT(10000, ms);
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));
	EXPECT_EQ(XTCP_PROBE_RESULT_TIMEDOUT, info(cli).xtcpi_probe_result);
	EXPECT_EQ(0, xt_sock_error(cli));
	EXPECT_EQ(1, xt_counter(self->b, "LiveProbesTimedOut"));
	EXPECT_EQ(0, xt_counter(self->b, "LiveProbesAnswered"));
	/* Sent, and sent again within the timeout: nothing answered them. */
	EXPECT_LE(1, xt_counter(self->b, "OutSegs") - out0);
	EXPECT_GE(4, xt_counter(self->b, "OutSegs") - out0);
	EXPECT_EQ(0, xt_counter(self->a, "LiveProbeEchoes"));

	ASSERT_EQ(0, impair(self->a, self->b, "loss 0%"));
	EXPECT_EQ(0, probe(cli, 3000));
	EXPECT_EQ(XTCP_PROBE_RESULT_ANSWERED, info(cli).xtcpi_probe_result);
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(srv));
	EXPECT_EQ(1, write(cli, "z", 1));
	ASSERT_EQ(POLLIN, xt_wait_readable(srv, 5000) & POLLIN);
	EXPECT_EQ(1, read(srv, &c, 1));
	EXPECT_EQ('z', c);
	close(cli);
	close(srv);
	close(lfd);
	probe_signal(_metadata, self);
}

/* The errors of docs/errors.md for XTCP_PROBE. */
TEST_F_TIMEOUT(net, probe_bad_input, 90)
{
	uint32_t ms = 500;
	uint64_t big = 500;
	int lfd, srv, cli, fresh;
	socklen_t len = sizeof(ms);

	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	fresh = xt_xsock(self->b);
	ASSERT_LE(0, fresh);
	EXPECT_EQ(-1, setsockopt(cli, SOL_XTCP, XTCP_PROBE, &ms, 3));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(cli, SOL_XTCP, XTCP_PROBE, &big, sizeof(big)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(cli, SOL_XTCP, XTCP_PROBE, NULL, 4));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(EINVAL, probe(cli, 0));
	EXPECT_EQ(EINVAL, probe(cli, 600001));
	EXPECT_EQ(ENOTCONN, probe(fresh, 500));
	EXPECT_EQ(ENOTCONN, probe(lfd, 500));
	EXPECT_EQ(-1, setsockopt(cli, IPPROTO_TCP, XTCP_PROBE, &ms, 4));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, getsockopt(cli, SOL_XTCP, XTCP_PROBE, &ms, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	/* Reset by the peer: no connection to probe. */
	xt_abort(srv);
	ASSERT_EQ(XTCP_CLOSE, xt_wait_state(cli, XTCP_CLOSE, 5000));
	EXPECT_EQ(ENOTCONN, probe(cli, 500));
	EXPECT_EQ(0, xt_counter(self->b, "LiveProbes"));
	close(fresh);
	close(cli);
	close(lfd);
}

TEST_HARNESS_MAIN
