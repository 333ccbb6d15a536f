// SPDX-License-Identifier: GPL-2.0
/*
 * SO_REUSEPORT (issue 14; docs/protocol.md §10.4), with Linux TCP's rules.
 *
 *   two_listeners_share, four_listeners_share
 *        listeners that all set SO_REUSEPORT share IP_A:port; N connections
 *        from as many ephemeral ports spread over them (each gets some),
 *        and every accepted socket is its client's (ports match, a byte
 *        goes each way)
 *   same_tuple_same_listener
 *        a client bound to one source port reconnects: the same listener
 *        accepts every time, for each of several source ports
 *   syn_retransmissions_same_listener
 *        XTCP_DEFER_HANDSHAKE on both listeners, so each SYN waits and is
 *        retransmitted (every 300 ms): each client's request shows up on
 *        one listener only, its retransmissions add no arrival anywhere,
 *        and after the verdict its final ACK completes it on that listener
 *   cookies_find_the_listener
 *        net.xtcp.syncookies=2: every handshake completes by its cookie
 *        ACK, on a listener of the group, spread as without cookies
 *   uid_or_option_mismatch
 *        a socket without the option, or whose first listener lacks it, or
 *        of another uid: EADDRINUSE at bind(); the same other uid on both
 *        sides shares; the option set after bind() counts from then on, as
 *        TCP; an ANY listener and an exact one form no group (the exact
 *        one takes its address's connections)
 *   bind_without_listen
 *        bound-only sockets share too, and then listen together
 *   closing_listener_resets_its_queue
 *        the listener that closes resets the connections in its accept
 *        queue (their clients read ECONNRESET), hands none to the other,
 *        which keeps its own and accepts every new connection
 *   xtcpperf_reuseport
 *        xtcpperf -s --reuseport -w 2 (a listener per worker) against
 *        xtcpperf -m crr for a second: both listeners accept connections,
 *        and together every one the client made
 *
 * Host A 10.0.0.1 listens, host B 10.0.0.2 connects (net_fixture.h).
 * Every wait is on a condition with a deadline.
 */
#include "xtcp_lib.h"
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <signal.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define PORT 7500
#define MAXL 4

/* A SO_REUSEPORT socket of ns bound to ip:port, listening if backlog >= 0;
 * the fd or -errno. */
static int rp_sock(const char *ns, const char *ip, int port, int backlog,
		   int reuseport)
{
	int fd = xt_xsock(ns), err;

	if (fd < 0)
		return -errno;
	if (reuseport && xt_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1))
		goto fail;
	if (xt_bind(fd, ip, port))
		goto fail;
	if (backlog >= 0 && listen(fd, backlog))
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

/* The same, created with file-system uid @uid (the socket's owner). */
static int rp_sock_uid(const char *ns, uid_t uid, const char *ip, int port,
		       int backlog)
{
	int fd, err;

	xt_remember_home();
	if (xt_enter(ns))
		return -errno;
	setfsuid(uid);
	fd = socket(AF_XTCP, SOCK_STREAM, 0);
	err = errno;
	setfsuid(0);
	xt_leave();
	if (fd < 0)
		return -err;
	if (xt_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) ||
	    xt_bind(fd, ip, port) || (backlog >= 0 && listen(fd, backlog))) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* Wait for one of the n listeners to have a connection: its index, with
 * the accepted socket in *out; -1 after ms. */
static int rp_accept_any(const int *lfd, int n, int *out, long ms)
{
	struct pollfd p[MAXL];
	int i;

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
	if (poll(p, n, ms) <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		*out = accept(lfd[i], NULL, NULL);
		return *out < 0 ? -1 : i;
	}
	return -1;
}

/* A byte each way between client c and accepted s, ports checked. */
static int rp_exchange(int c, int s)
{
	char x = 'r', y = 0;

	if (xt_getport(c, 0) != xt_getport(s, 1) ||
	    xt_getport(s, 0) != xt_getport(c, 1))
		return -1;
	if (write(c, &x, 1) != 1 || read(s, &y, 1) != 1 || y != x ||
	    write(s, &y, 1) != 1 || read(c, &y, 1) != 1 || y != x)
		return -1;
	return 0;
}

/*
 * n listeners on IP_A:PORT, conns connections from B (each a fresh
 * ephemeral port); per[i] counts listener i's. Each connection is checked
 * end to end and closed by RST on both sides (no TIME-WAIT left).
 */
static void rp_spread(struct __test_metadata *_metadata, const char *a,
		      const char *b, int n, int conns, int *per)
{
	int lfd[MAXL], i, k;

	for (i = 0; i < n; i++) {
		lfd[i] = rp_sock(a, IP_A, PORT, 64, 1);
		ASSERT_LE(0, lfd[i]) TH_LOG("listener %d: %s", i, strerror(-lfd[i]));
		per[i] = 0;
	}
	for (k = 0; k < conns; k++) {
		int c = xt_connect(b, IP_A, PORT), s = -1, who;

		ASSERT_LE(0, c) TH_LOG("connection %d: %s", k, strerror(-c));
		who = rp_accept_any(lfd, n, &s, 5000);
		ASSERT_LE(0, who) TH_LOG("connection %d: no listener accepted", k);
		EXPECT_EQ(0, rp_exchange(c, s)) TH_LOG("connection %d", k);
		per[who]++;
		xt_abort(c);
		xt_abort(s);
	}
	for (i = 0; i < n; i++) {
		EXPECT_LT(0, per[i]) TH_LOG("listener %d got none of %d", i, conns);
		close(lfd[i]);
	}
}

TEST_F(net, two_listeners_share)
{
	int per[MAXL];

	rp_spread(_metadata, self->a, self->b, 2, 24, per);
	TH_LOG("24 connections over 2 listeners: %d + %d", per[0], per[1]);
	EXPECT_EQ(24, xt_counter(self->a, "PassiveOpens"));
}

TEST_F(net, four_listeners_share)
{
	int per[MAXL];

	rp_spread(_metadata, self->a, self->b, 4, 48, per);
	TH_LOG("48 connections over 4 listeners: %d %d %d %d",
	       per[0], per[1], per[2], per[3]);
}

/* Wait for an arrival on one of two listeners: its index, *xa filled. */
static int rp_take_arrival(const int *lfd, struct xtcp_arrival *xa, long ms)
{
	struct pollfd p[2] = { { .fd = lfd[0], .events = POLLPRI },
			       { .fd = lfd[1], .events = POLLPRI } };
	socklen_t len = sizeof(*xa);
	int i;

	if (poll(p, 2, ms) <= 0)
		return -1;
	for (i = 0; i < 2; i++)
		if ((p[i].revents & POLLPRI) &&
		    !getsockopt(lfd[i], SOL_XTCP, XTCP_ARRIVAL, xa, &len))
			return i;
	return -1;
}

static int rp_no_arrival(int lfd)
{
	struct xtcp_arrival xa;
	socklen_t len = sizeof(xa);

	return getsockopt(lfd, SOL_XTCP, XTCP_ARRIVAL, &xa, &len) ? errno : 0;
}

#define NR 4

TEST_F(net, syn_retransmissions_same_listener)
{
	int lfd[2], c[NR], who[NR], k, i;
	struct xtcp_arrival xa[NR];
	long retrans0;

	/* SYNs again every 300 ms, verdicts may take a minute. */
	ASSERT_EQ(0, xt_sysctl(self->b, "rto_max_ms", "300"));
	ASSERT_EQ(0, xt_sysctl(self->b, "syn_retries", "30"));
	ASSERT_EQ(0, xt_sysctl(self->a, "arrival_timeout_ms", "60000"));
	for (i = 0; i < 2; i++) {
		lfd[i] = xt_xsock(self->a);
		ASSERT_LE(0, lfd[i]);
		ASSERT_EQ(0, xt_set_int(lfd[i], SOL_SOCKET, SO_REUSEPORT, 1));
		ASSERT_EQ(0, xt_set_int(lfd[i], SOL_XTCP, XTCP_DEFER_HANDSHAKE, 1));
		ASSERT_EQ(0, xt_bind(lfd[i], IP_A, PORT));
		ASSERT_EQ(0, listen(lfd[i], 8));
	}
	retrans0 = xt_counter(self->b, "SynRetrans");
	for (k = 0; k < NR; k++) {
		c[k] = xt_xsock(self->b);
		ASSERT_LE(0, c[k]);
		ASSERT_EQ(-EINPROGRESS, xt_connect_nb(c[k], IP_A, PORT));
		who[k] = rp_take_arrival(lfd, &xa[k], 5000);
		ASSERT_LE(0, who[k]) TH_LOG("client %d: no arrival", k);
		EXPECT_EQ(xt_getport(c[k], 0),
			  ntohs(((struct sockaddr_in *)&xa[k].xa_peer)->sin_port));
	}
	/* Every client retransmits its SYN twice more (at least)... */
	EXPECT_LE(retrans0 + 2 * NR,
		  xt_wait_counter_ge(self->b, "SynRetrans", retrans0 + 2 * NR, 10000));
	/* ... and no listener has a second arrival for any of them. */
	EXPECT_EQ(EAGAIN, rp_no_arrival(lfd[0]));
	EXPECT_EQ(EAGAIN, rp_no_arrival(lfd[1]));
	for (k = 0; k < NR; k++) {
		struct pollfd p = { .fd = c[k], .events = POLLOUT };
		int s;

		ASSERT_EQ(0, setsockopt(lfd[who[k]], SOL_XTCP, XTCP_VERDICT,
					&(struct xtcp_verdict){ .xv_id = xa[k].xa_id,
								.xv_verdict = XTCP_VERDICT_ACCEPT },
					sizeof(struct xtcp_verdict)));
		ASSERT_EQ(1, poll(&p, 1, 5000));
		EXPECT_EQ(0, xt_sock_error(c[k]));
		/* The final ACK found the request on the same listener. */
		ASSERT_TRUE(xt_wait_readable(lfd[who[k]], 5000) & POLLIN);
		s = accept(lfd[who[k]], NULL, NULL);
		ASSERT_LE(0, s);
		fcntl(c[k], F_SETFL, fcntl(c[k], F_GETFL) & ~O_NONBLOCK);
		EXPECT_EQ(0, rp_exchange(c[k], s));
		xt_abort(s);
		xt_abort(c[k]);
	}
	EXPECT_EQ(NR, xt_counter(self->a, "ArrivalsAccepted"));
	TH_LOG("%d deferred requests: listeners %d %d %d %d; %ld SYN retransmissions absorbed",
	       NR, who[0], who[1], who[2], who[3],
	       xt_counter(self->b, "SynRetrans") - retrans0);
	close(lfd[0]);
	close(lfd[1]);
}

/* syncookies=2: every SYN is answered by a cookie, no entry is kept. */
TEST_F(net, cookies_find_the_listener)
{
	int per[MAXL];

	ASSERT_EQ(0, xt_sysctl(self->a, "syncookies", "2"));
	rp_spread(_metadata, self->a, self->b, 2, 16, per);
	TH_LOG("16 cookie connections over 2 listeners: %d + %d", per[0], per[1]);
	EXPECT_EQ(16, xt_counter(self->a, "SyncookiesRecv"));
	EXPECT_EQ(0, xt_counter(self->a, "SyncookiesFailed"));
}

TEST_F(net, same_tuple_same_listener)
{
	int lfd[2], sport, round, first, seen[2] = { 0, 0 };

	lfd[0] = rp_sock(self->a, IP_A, PORT, 8, 1);
	lfd[1] = rp_sock(self->a, IP_A, PORT, 8, 1);
	ASSERT_LE(0, lfd[0]);
	ASSERT_LE(0, lfd[1]);
	for (sport = 41000; sport < 41012; sport++) {
		first = -1;
		for (round = 0; round < 3; round++) {
			struct sockaddr_in sin = xt_sin(IP_A, PORT);
			int c = xt_xsock(self->b), s = -1, who;

			ASSERT_LE(0, c);
			ASSERT_EQ(0, xt_set_int(c, SOL_SOCKET, SO_REUSEADDR, 1));
			ASSERT_EQ(0, xt_bind(c, IP_B, sport));
			ASSERT_EQ(0, connect(c, (struct sockaddr *)&sin,
					     sizeof(sin))) TH_LOG("%s", strerror(errno));
			who = rp_accept_any(lfd, 2, &s, 5000);
			ASSERT_LE(0, who);
			EXPECT_EQ(sport, xt_getport(s, 1));
			EXPECT_EQ(0, rp_exchange(c, s));
			if (first < 0)
				first = who;
			EXPECT_EQ(first, who)
				TH_LOG("source port %d: listener %d, then %d",
				       sport, first, who);
			/* RST both ways: the 4-tuple is free at once. */
			xt_abort(c);
			xt_abort(s);
		}
		seen[first]++;
	}
	TH_LOG("12 source ports x 3 connections: %d ports on listener 0, %d on 1",
	       seen[0], seen[1]);
	close(lfd[0]);
	close(lfd[1]);
}

TEST_F(net, uid_or_option_mismatch)
{
	int l1, l2, fd;

	/* The first has it, the second does not. */
	l1 = rp_sock(self->a, IP_A, PORT, 8, 1);
	ASSERT_LE(0, l1);
	EXPECT_EQ(-EADDRINUSE, rp_sock(self->a, IP_A, PORT, -1, 0));
	EXPECT_EQ(-EADDRINUSE, rp_sock(self->a, "0.0.0.0", PORT, -1, 0));
	/* Another uid, with the option. */
	EXPECT_EQ(-EADDRINUSE, rp_sock_uid(self->a, 65534, IP_A, PORT, -1));
	EXPECT_EQ(-EADDRINUSE, rp_sock_uid(self->a, 65534, "0.0.0.0", PORT, 8));
	/* The same uid, again: shares. */
	l2 = rp_sock(self->a, IP_A, PORT, 8, 1);
	EXPECT_LE(0, l2);
	close(l2);
	close(l1);

	/* The first lacks it: nobody joins, with or without. */
	l1 = rp_sock(self->a, IP_A, PORT + 1, 8, 0);
	ASSERT_LE(0, l1);
	EXPECT_EQ(-EADDRINUSE, rp_sock(self->a, IP_A, PORT + 1, 8, 1));
	EXPECT_EQ(-EADDRINUSE, rp_sock(self->a, IP_A, PORT + 1, -1, 1));
	close(l1);

	/* Two sockets of one other uid share; root's does not join them. */
	l1 = rp_sock_uid(self->a, 65534, IP_A, PORT + 2, 8);
	ASSERT_LE(0, l1) TH_LOG("%s", strerror(-l1));
	l2 = rp_sock_uid(self->a, 65534, IP_A, PORT + 2, 8);
	EXPECT_LE(0, l2) TH_LOG("%s", strerror(-l2));
	EXPECT_EQ(-EADDRINUSE, rp_sock(self->a, IP_A, PORT + 2, 8, 1));
	fd = xt_connect(self->b, IP_A, PORT + 2);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	close(l1);
	if (l2 >= 0)
		close(l2);

	/* As TCP, every check reads the option as it is then: one set after
	 * bind() lets a later socket share... */
	fd = rp_sock(self->a, IP_A, PORT + 3, -1, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xt_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1));
	/* ... and the first one's listen() then finds a sharer bound. */
	l2 = rp_sock(self->a, IP_A, PORT + 3, -1, 1);
	EXPECT_LE(0, l2);
	EXPECT_EQ(0, listen(fd, 8));
	EXPECT_EQ(0, listen(l2, 8));
	close(fd);
	if (l2 >= 0)
		close(l2);

	/* An ANY listener and an exact one: both bind (all have the option),
	 * and the exact one takes IP_A's connections. */
	l1 = rp_sock(self->a, "0.0.0.0", PORT + 4, 8, 1);
	l2 = rp_sock(self->a, IP_A, PORT + 4, 8, 1);
	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	for (int k = 0; k < 6; k++) {
		int c = xt_connect(self->b, IP_A, PORT + 4), s = -1;
		int l[2] = { l1, l2 };

		ASSERT_LE(0, c);
		EXPECT_EQ(1, rp_accept_any(l, 2, &s, 5000));
		xt_abort(c);
		if (s >= 0)
			xt_abort(s);
	}
	close(l1);
	close(l2);
}

TEST_F(net, bind_without_listen)
{
	int b1, b2, b3, lfd[2], per[2] = { 0, 0 }, k;

	b1 = rp_sock(self->a, IP_A, PORT, -1, 1);
	b2 = rp_sock(self->a, IP_A, PORT, -1, 1);
	ASSERT_LE(0, b1);
	ASSERT_LE(0, b2);
	EXPECT_EQ(-EADDRINUSE, rp_sock(self->a, IP_A, PORT, -1, 0));
	/* A third shares, then leaves: the port stays the others'. */
	b3 = rp_sock(self->a, IP_A, PORT, -1, 1);
	EXPECT_LE(0, b3);
	close(b3);
	/* Nobody listens yet: refused. */
	EXPECT_EQ(-ECONNREFUSED, xt_connect(self->b, IP_A, PORT));
	ASSERT_EQ(0, listen(b1, 8));
	ASSERT_EQ(0, listen(b2, 8));
	lfd[0] = b1;
	lfd[1] = b2;
	for (k = 0; k < 16; k++) {
		int c = xt_connect(self->b, IP_A, PORT), s = -1, who;

		ASSERT_LE(0, c);
		who = rp_accept_any(lfd, 2, &s, 5000);
		ASSERT_LE(0, who);
		EXPECT_EQ(0, rp_exchange(c, s));
		per[who]++;
		xt_abort(c);
		xt_abort(s);
	}
	EXPECT_LT(0, per[0]);
	EXPECT_LT(0, per[1]);
	close(b1);
	close(b2);
}

#define NQ 16

TEST_F(net, closing_listener_resets_its_queue)
{
	int lfd[2], c[NQ], cport[NQ], fate[NQ], k, accepted = 0, reset = 0;
	long end;

	lfd[0] = rp_sock(self->a, IP_A, PORT, 64, 1);
	lfd[1] = rp_sock(self->a, IP_A, PORT, 64, 1);
	ASSERT_LE(0, lfd[0]);
	ASSERT_LE(0, lfd[1]);
	for (k = 0; k < NQ; k++) {
		c[k] = xt_connect(self->b, IP_A, PORT);
		ASSERT_LE(0, c[k]);
		cport[k] = xt_getport(c[k], 0);
		fate[k] = 0;	/* 1: accepted by listener 1, 2: reset */
	}
	/* Every handshake is over on A: NQ children in the accept queues. */
	ASSERT_EQ(NQ, xt_wait_counter(self->a, "PassiveOpens", NQ, 5000));
	ASSERT_TRUE(xt_wait_readable(lfd[0], 0) & POLLIN)
		TH_LOG("listener 0 got none of %d", NQ);
	ASSERT_TRUE(xt_wait_readable(lfd[1], 0) & POLLIN)
		TH_LOG("listener 1 got none of %d", NQ);

	close(lfd[0]);

	/* Each client is either listener 1's (accepted, talks) or reset. */
	end = xt_now_ms() + 5000;
	while (accepted + reset < NQ && xt_now_ms() < end) {
		int s = -1;

		if (rp_accept_any(&lfd[1], 1, &s, 0) == 0) {
			int port = xt_getport(s, 1);

			for (k = 0; k < NQ; k++)
				if (cport[k] == port)
					break;
			ASSERT_GT(NQ, k) TH_LOG("accepted peer port %d is no client's", port);
			EXPECT_EQ(0, fate[k]);
			EXPECT_EQ(0, rp_exchange(c[k], s));
			fate[k] = 1;
			accepted++;
			xt_abort(s);
			continue;
		}
		for (k = 0; k < NQ; k++) {
			char x;

			if (fate[k] || !(xt_wait_readable(c[k], 0) & (POLLIN | POLLERR)))
				continue;
			EXPECT_EQ(-1, read(c[k], &x, 1));
			EXPECT_EQ(ECONNRESET, errno);
			fate[k] = 2;
			reset++;
		}
		xt_sleep_ms(10);
	}
	EXPECT_EQ(NQ, accepted + reset)
		TH_LOG("%d accepted by the other listener, %d reset", accepted, reset);
	EXPECT_LT(0, accepted);
	EXPECT_LT(0, reset);
	TH_LOG("listener 0 closed: %d of its clients reset, listener 1 served its %d",
	       reset, accepted);
	for (k = 0; k < NQ; k++)
		xt_abort(c[k]);

	/* Listener 1 alone now takes every connection. */
	for (k = 0; k < 8; k++) {
		int cc = xt_connect(self->b, IP_A, PORT), s = -1;

		ASSERT_LE(0, cc);
		ASSERT_EQ(0, rp_accept_any(&lfd[1], 1, &s, 5000));
		EXPECT_EQ(0, rp_exchange(cc, s));
		xt_abort(cc);
		xt_abort(s);
	}
	close(lfd[1]);
}

#define XTCPPERF "build/tools/xtcpperf"

/* Run xtcpperf in ns with args; its stdout (out = 1) or stderr in *fd. */
static pid_t rp_spawn(const char *ns, int out, int *fd, char *const argv[])
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], out ? 1 : 2);
		close(p[0]);
		close(p[1]);
		if (xt_enter(ns))
			_exit(126);
		execv(XTCPPERF, argv);
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/* Read from fd into buf (appending) until it holds @want or ms pass. */
static int rp_read_until(int fd, char *buf, size_t n, const char *want, long ms)
{
	long end = xt_now_ms() + ms;
	size_t len = strlen(buf);

	while (!strstr(buf, want) && xt_now_ms() < end && len + 1 < n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		r = read(fd, buf + len, n - 1 - len);
		if (r <= 0)
			break;
		len += r;
		buf[len] = 0;
	}
	return strstr(buf, want) ? 0 : -1;
}

TEST_F(net, xtcpperf_reuseport)
{
	char *const sargv[] = { XTCPPERF, "-s", "-f", "xtcp", "--reuseport",
				"-w", "2", "-B", IP_A, "-p", "7600", NULL };
	char *const cargv[] = { XTCPPERF, "-c", IP_A, "-p", "7600", "-f",
				"xtcp", "-m", "crr", "-l", "1", "-t", "1", "-q",
				"--json", NULL };
	char serr[4096] = "", cout[4096] = "", *t;
	unsigned long acc[2] = { 0, 0 }, trans = 0;
	int sfd, cfd, w, st = -1;
	pid_t srv, cli;
	long end;

	ASSERT_EQ(0, access(XTCPPERF, X_OK)) TH_LOG("%s is not built (make tools)", XTCPPERF);
	xt_remember_home();
	srv = rp_spawn(self->a, 0, &sfd, sargv);
	ASSERT_LT(0, srv);
	ASSERT_EQ(0, rp_read_until(sfd, serr, sizeof(serr), "2 listener(s)", 10000))
		TH_LOG("server: %s", serr);

	cli = rp_spawn(self->b, 1, &cfd, cargv);
	ASSERT_LT(0, cli);
	EXPECT_EQ(0, rp_read_until(cfd, cout, sizeof(cout), "]}", 20000))
		TH_LOG("client: %s", cout);
	for (end = xt_now_ms() + 10000; xt_now_ms() < end; xt_sleep_ms(20))
		if (waitpid(cli, &st, WNOHANG) == cli)
			break;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("client status %#x", st);
	t = strstr(cout, "\"transactions\": ");
	ASSERT_NE(NULL, t) TH_LOG("client: %s", cout);
	trans = strtoul(t + strlen("\"transactions\": "), NULL, 10);
	EXPECT_LT(0, trans);

	kill(srv, SIGUSR1);
	EXPECT_EQ(0, rp_read_until(sfd, serr, sizeof(serr), "worker 1 accepted", 5000))
		TH_LOG("server: %s", serr);
	for (w = 0; w < 2; w++) {
		char key[64];

		snprintf(key, sizeof(key), "listener 7600 worker %d accepted ", w);
		t = strstr(serr, key);
		if (t)
			acc[w] = strtoul(t + strlen(key), NULL, 10);
	}
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);
	close(sfd);
	close(cfd);
	TH_LOG("xtcpperf crr: %lu transactions; the two listeners accepted %lu + %lu",
	       trans, acc[0], acc[1]);
	EXPECT_LT(0, acc[0]);
	EXPECT_LT(0, acc[1]);
	EXPECT_LE(trans, acc[0] + acc[1]);
	EXPECT_EQ((long)(acc[0] + acc[1]), xt_counter(self->a, "PassiveOpens"));
}

TEST_HARNESS_MAIN
