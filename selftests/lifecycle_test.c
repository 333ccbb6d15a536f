// SPDX-License-Identifier: GPL-2.0
/*
 * Connection lifecycle tests: the handshake, every close path, the queues,
 * TIME-WAIT and ports, RST handling, and segments a hostile peer sends.
 * Each test gets two fresh network namespaces joined by a veth pair:
 * host A (10.0.0.1) and host B (10.0.0.2). Both ends are checked: socket
 * states (XTCP_INFO), errnos, and the namespace counters.
 */
#include "xtcp_lib.h"
#include "kselftest_harness.h"
#include "harness_scale.h"

FIXTURE(net)
{
	char a[32], b[32];
};

FIXTURE_SETUP(net)
{
	xt_ns_names(self->a, self->b, sizeof(self->a));
	ASSERT_EQ(0, xt_ns_pair_create(self->a, self->b));
	/* Short timers so close paths finish inside a test. */
	ASSERT_EQ(0, xt_sysctl(self->a, "tw_timeout_ms", "2000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_timeout_ms", "2000"));
	ASSERT_EQ(0, xt_sysctl(self->a, "fin_timeout_ms", "3000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "fin_timeout_ms", "3000"));
}

FIXTURE_TEARDOWN(net)
{
	xt_ns_pair_destroy(self->a, self->b);
}

/* An established pair: *srv and *cli, A listening on port. */
static void connect_pair(struct __test_metadata *_metadata, const char *a,
			 const char *b, int port, int *lfd, int *srv, int *cli)
{
	*lfd = xt_listen(a, IP_A, port, 16, 1);
	ASSERT_LE(0, *lfd);
	*cli = xt_connect(b, IP_A, port);
	ASSERT_LE(0, *cli);
	*srv = accept(*lfd, NULL, NULL);
	ASSERT_LE(0, *srv);
}

TEST_F(net, handshake)
{
	struct sockaddr_in s, p;
	socklen_t len = sizeof(s);
	int lfd, srv, cli;

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	EXPECT_EQ(XTCP_LISTEN, xt_state(lfd));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(srv));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));

	/* The 4-tuple, seen the same from both ends. */
	ASSERT_EQ(0, getsockname(cli, (struct sockaddr *)&s, &len));
	ASSERT_EQ(0, getpeername(srv, (struct sockaddr *)&p, &len));
	EXPECT_EQ(AF_INET, s.sin_family);
	EXPECT_EQ(s.sin_addr.s_addr, p.sin_addr.s_addr);
	EXPECT_EQ(s.sin_port, p.sin_port);
	EXPECT_EQ(5000, xt_getport(cli, 1));
	EXPECT_EQ(5000, xt_getport(srv, 0));
	EXPECT_EQ(0, strcmp(inet_ntoa(s.sin_addr), IP_B));

	/* Ephemeral port from the configured range. */
	EXPECT_GE(ntohs(s.sin_port), 32768);
	EXPECT_LE(ntohs(s.sin_port), 60999);

	EXPECT_EQ(1, xt_counter(self->b, "ActiveOpens"));
	EXPECT_EQ(1, xt_counter(self->a, "PassiveOpens"));
	EXPECT_EQ(1, xt_counter(self->a, "CurrEstab"));
	EXPECT_EQ(1, xt_counter(self->b, "CurrEstab"));

	/* Data both ways. */
	ASSERT_EQ(5, write(cli, "hello", 5));
	char buf[16] = {};
	ASSERT_EQ(5, read(srv, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(3, write(srv, "bye", 3));
	ASSERT_EQ(3, read(cli, buf, sizeof(buf)));
	close(srv);
	close(cli);
	close(lfd);
}

TEST_F(net, socket_options_and_errors)
{
	int fd = xt_xsock(self->a), v;
	socklen_t len = sizeof(v);
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = xt_sin(IP_A, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT_EQ(SOCK_STREAM, v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	EXPECT_EQ(AF_INET, v);	/* an IPv4 socket to the core (§27.4) */
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	EXPECT_EQ(253, v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
	EXPECT_EQ(0, v);
	EXPECT_EQ(XTCP_CLOSE, xt_state(fd));

	/* Wrong family, short length, foreign address. */
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin) - 1));
	EXPECT_EQ(EINVAL, errno);
	sin = xt_sin("10.9.9.9", 0);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(fd, SHUT_WR));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(fd, 7));
	EXPECT_EQ(EINVAL, errno);

	/* Options: unknown, bad length, bad value. */
	v = 1;
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, 999, &v, sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, XTCP_NODELAY, &v, 1));
	EXPECT_EQ(EINVAL, errno);
	v = 0;
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, XTCP_SYNCNT, &v, sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	v = 1;
	EXPECT_EQ(0, setsockopt(fd, IPPROTO_TCP, XTCP_NODELAY, &v, sizeof(v)));
	len = sizeof(v);
	v = 0;
	EXPECT_EQ(0, getsockopt(fd, IPPROTO_TCP, XTCP_NODELAY, &v, &len));
	EXPECT_EQ(1, v);

	/* listen() without bind() takes an ephemeral port. */
	ASSERT_EQ(0, listen(fd, 4));
	EXPECT_LT(0, xt_getport(fd, 0));
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
	EXPECT_EQ(1, v);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, accept4(fd, NULL, NULL, 0));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);

	/* Other socket types are not supported. */
	EXPECT_EQ(-1, xt_socket_in(self->a, AF_XTCP, SOCK_DGRAM, 0));
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
}

TEST_F(net, connection_refused)
{
	int fd = xt_connect(self->b, IP_A, 5001);

	EXPECT_EQ(-ECONNREFUSED, fd);
	EXPECT_EQ(1, xt_counter(self->a, "InNoSocket"));
	EXPECT_EQ(1, xt_counter(self->a, "OutRsts"));
	EXPECT_EQ(1, xt_counter(self->b, "AttemptFails"));
	EXPECT_EQ(0, xt_counter(self->b, "OutRsts"));	/* never RST an RST */
}

TEST_F(net, nonblocking_connect)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 4, 0);
	int fd = xt_xsock(self->b), r;
	struct pollfd p;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINPROGRESS, xt_connect_nb(fd, IP_A, 5000));
	p.fd = fd;
	p.events = POLLOUT;
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLOUT);
	EXPECT_EQ(0, xt_sock_error(fd));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(fd));
	/* The listener is readable with a connection to accept. */
	p.fd = lfd;
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, 5000));
	r = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, r);
	EXPECT_EQ(O_NONBLOCK, fcntl(r, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(FD_CLOEXEC, fcntl(r, F_GETFD) & FD_CLOEXEC);
	/* Nothing to read yet. */
	EXPECT_EQ(-1, read(r, &p, 1));
	EXPECT_EQ(EAGAIN, errno);
	close(r);
	close(fd);

	/* A refused non-blocking connect reports through SO_ERROR. */
	fd = xt_xsock(self->b);
	EXPECT_EQ(-EINPROGRESS, xt_connect_nb(fd, IP_A, 5009));
	p.fd = fd;
	p.events = POLLOUT;
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & (POLLERR | POLLHUP));
	EXPECT_EQ(ECONNREFUSED, xt_sock_error(fd));
	close(fd);
	close(lfd);
}

TEST_F_TIMEOUT(net, syn_retries_then_etimedout, 30)
{
	int fd = xt_xsock(self->b);
	struct sockaddr_in sin = xt_sin(IP_A, 5000);
	long t0;

	ASSERT_LE(0, fd);
	/* Host A silently drops everything. A's address is resolved for
	 * good first: a failed ARP would be an ICMP host unreachable for our
	 * SYN, and that (soft) error the connect's error (seams_test). */
	ASSERT_EQ(0, xt_run("/usr/sbin/ip -n %s neigh replace " IP_A " dev vb nud permanent "
			    "lladdr $(/usr/sbin/ip -n %s -br link show va | awk '{print $3}')",
			    self->b, self->a));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "loss 100%"));
	ASSERT_EQ(0, xt_set_int(fd, SOL_XTCP, XTCP_SYNCNT, 2));
	t0 = xt_now_ms();
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(ETIMEDOUT, errno);
	/* 1 s + 2 s + 4 s of exponential backoff. */
	EXPECT_GE(xt_now_ms() - t0, 6500);
	EXPECT_LE(xt_now_ms() - t0, 12000);
	EXPECT_EQ(2, xt_counter(self->b, "SynRetrans"));
	EXPECT_EQ(1, xt_counter(self->b, "AttemptFails"));
	EXPECT_EQ(XTCP_CLOSE, xt_state(fd));
	close(fd);
}

TEST_F(net, simultaneous_open)
{
	int fa = xt_xsock(self->a), fb = xt_xsock(self->b);
	char buf[8];

	/* Both SYNs must cross: each takes 300 ms to arrive. */
	ASSERT_EQ(0, xt_netem(self->a, "va", "delay 300ms"));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 300ms"));
	ASSERT_EQ(0, xt_bind(fa, IP_A, 6000));
	ASSERT_EQ(0, xt_bind(fb, IP_B, 7000));
	EXPECT_EQ(-EINPROGRESS, xt_connect_nb(fa, IP_B, 7000));
	EXPECT_EQ(-EINPROGRESS, xt_connect_nb(fb, IP_A, 6000));
	EXPECT_EQ(XTCP_SYN_SENT, xt_state(fa));
	EXPECT_EQ(XTCP_SYN_RECV, xt_wait_state(fa, XTCP_SYN_RECV, 2000));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_wait_state(fa, XTCP_ESTABLISHED, 5000));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_wait_state(fb, XTCP_ESTABLISHED, 5000));
	EXPECT_EQ(0, xt_sock_error(fa));
	EXPECT_EQ(0, xt_sock_error(fb));
	EXPECT_EQ(1, xt_counter(self->a, "ActiveOpens"));
	EXPECT_EQ(0, xt_counter(self->a, "PassiveOpens"));
	EXPECT_EQ(0, xt_counter(self->b, "PassiveOpens"));
	ASSERT_EQ(2, write(fa, "hi", 2));
	ASSERT_EQ(POLLIN, xt_wait_readable(fb, 3000) & POLLIN);
	ASSERT_EQ(2, read(fb, buf, sizeof(buf)));
	close(fa);
	close(fb);
}

TEST_F(net, self_connect)
{
	int fd = xt_xsock(self->a);
	struct sockaddr_in sin = xt_sin("127.0.0.1", 6100);
	char buf[8] = {};

	ASSERT_EQ(0, xt_bind(fd, "127.0.0.1", 6100));
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(fd));
	EXPECT_EQ(6100, xt_getport(fd, 1));
	ASSERT_EQ(4, write(fd, "ping", 4));
	ASSERT_EQ(4, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, strcmp(buf, "ping"));
	close(fd);
}

TEST_F(net, client_closes_first)
{
	struct sockaddr_in sin = xt_sin(IP_A, 5000);
	int lfd, srv, cli, port, fd;
	char c;

	/* TIME-WAIT as TCP has it: twreuse_test covers connect()'s
	 * take-over, which tw_reuse_delay_ms after the last timestamp
	 * would otherwise let the connect() below succeed on a slow
	 * kernel (the debug one). */
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_reuse", "0"));
	lfd = xt_listen(self->a, IP_A, 5000, 16, 1);
	ASSERT_LE(0, lfd);
	cli = xt_xsock(self->b);
	ASSERT_EQ(0, xt_set_int(cli, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&sin, sizeof(sin)));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	port = xt_getport(cli, 0);
	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	EXPECT_EQ(XTCP_FIN_WAIT2, xt_wait_state(cli, XTCP_FIN_WAIT2, 3000));
	EXPECT_EQ(XTCP_CLOSE_WAIT, xt_wait_state(srv, XTCP_CLOSE_WAIT, 3000));
	EXPECT_EQ(0, read(srv, &c, 1));	/* EOF */
	close(srv);
	/* Client: TIME-WAIT entry, socket CLOSED. Server: gone, no TW. */
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(cli, XTCP_CLOSE, 3000));
	EXPECT_EQ(0, read(cli, &c, 1));
	EXPECT_EQ(1, xt_counter(self->b, "TimeWait"));
	EXPECT_EQ(1, xt_counter(self->b, "CurrTimeWait"));
	EXPECT_EQ(0, xt_counter(self->a, "TimeWait"));
	EXPECT_EQ(0, xt_counter(self->a, "CurrEstab"));
	EXPECT_EQ(0, xt_counter(self->b, "CurrEstab"));
	close(cli);

	/* The port is held: without SO_REUSEADDR it cannot be bound... */
	fd = xt_xsock(self->b);
	EXPECT_EQ(-1, xt_bind(fd, IP_B, port));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);
	/* ...with it, it can, but the 4-tuple itself is still taken. */
	fd = xt_xsock(self->b);
	ASSERT_EQ(0, xt_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, xt_bind(fd, IP_B, port));
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(fd);

	/* After tw_timeout_ms the entry is gone (polled, 10 s at most). */
	EXPECT_EQ(0, xt_wait_counter(self->b, "CurrTimeWait", 0, 10000));
	fd = xt_xsock(self->b);
	ASSERT_EQ(0, xt_bind(fd, IP_B, port));
	EXPECT_EQ(0, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
	close(lfd);
}

TEST_F(net, server_closes_first_client_reuses_port)
{
	int lfd, srv, cli, port, fd;
	struct sockaddr_in sin = xt_sin(IP_A, 5000);
	char c;

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	port = xt_getport(cli, 0);
	close(srv);
	EXPECT_EQ(XTCP_CLOSE_WAIT, xt_wait_state(cli, XTCP_CLOSE_WAIT, 3000));
	EXPECT_EQ(0, read(cli, &c, 1));
	close(cli);
	/* The server holds the TIME-WAIT entry; the client nothing. */
	EXPECT_EQ(1, xt_wait_counter(self->a, "CurrTimeWait", 1, 5000));
	EXPECT_EQ(0, xt_counter(self->b, "CurrTimeWait"));

	/* Seed 000: the client comes back from the same port at once and
	 * the server accepts it (the SYN is above the old sequence space). */
	fd = xt_xsock(self->b);
	ASSERT_EQ(0, xt_bind(fd, IP_B, port));
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_EQ(port, xt_getport(srv, 1));
	EXPECT_EQ(1, xt_counter(self->a, "TimeWaitRecycled"));
	EXPECT_EQ(0, xt_counter(self->a, "CurrTimeWait"));
	close(srv);
	close(fd);
	close(lfd);
}

TEST_F(net, close_race_both_closing)
{
	int lfd, srv, cli, saw_a = 0, saw_b = 0;
	long end;

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	/* Slow link: both FINs are in flight at the same time. */
	ASSERT_EQ(0, xt_netem(self->a, "va", "delay 200ms"));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 200ms"));
	ASSERT_EQ(0, shutdown(srv, SHUT_WR));
	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	EXPECT_EQ(XTCP_FIN_WAIT1, xt_state(srv));
	EXPECT_EQ(XTCP_FIN_WAIT1, xt_state(cli));
	end = xt_now_ms() + 3000;
	while (xt_now_ms() < end && !(saw_a && saw_b)) {
		saw_a |= xt_state(srv) == XTCP_CLOSING;
		saw_b |= xt_state(cli) == XTCP_CLOSING;
		xt_sleep_ms(5);
	}
	EXPECT_TRUE(saw_a);
	EXPECT_TRUE(saw_b);
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(srv, XTCP_CLOSE, 3000));
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(cli, XTCP_CLOSE, 3000));
	/* Both ends are active closers: both keep TIME-WAIT. */
	EXPECT_EQ(1, xt_counter(self->a, "CurrTimeWait"));
	EXPECT_EQ(1, xt_counter(self->b, "CurrTimeWait"));
	close(srv);
	close(cli);
	close(lfd);
}

TEST_F(net, rst_on_linger_zero)
{
	int lfd, srv, cli;
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	char c;

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	ASSERT_EQ(0, setsockopt(cli, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	close(cli);
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(srv, XTCP_CLOSE, 3000));
	EXPECT_EQ(-1, read(srv, &c, 1));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(1, xt_counter(self->b, "AbortOnLinger"));
	EXPECT_EQ(1, xt_counter(self->b, "OutRsts"));
	EXPECT_EQ(1, xt_counter(self->a, "EstabResets"));
	EXPECT_EQ(0, xt_counter(self->b, "CurrTimeWait"));
	EXPECT_EQ(0, xt_counter(self->a, "CurrTimeWait"));
	close(srv);
	close(lfd);
}

TEST_F(net, rst_on_close_with_unread_data)
{
	int lfd, srv, cli;
	char c;

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	ASSERT_EQ(4, write(srv, "data", 4));
	ASSERT_EQ(POLLIN, xt_wait_readable(cli, 3000) & POLLIN);
	close(cli);	/* four bytes never read */
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(srv, XTCP_CLOSE, 3000));
	EXPECT_EQ(-1, read(srv, &c, 1));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(1, xt_counter(self->b, "AbortOnClose"));
	close(srv);
	close(lfd);
}

TEST_F(net, half_close)
{
	int lfd, srv, cli;
	char buf[16] = {};

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	/* The passive side reads EOF and can still send... */
	EXPECT_EQ(0, read(srv, buf, sizeof(buf)));
	EXPECT_EQ(XTCP_CLOSE_WAIT, xt_state(srv));
	ASSERT_EQ(5, write(srv, "after", 5));
	/* ...and the active side still reads. */
	ASSERT_EQ(5, read(cli, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "after", 5));
	EXPECT_EQ(XTCP_FIN_WAIT2, xt_state(cli));
	/* Writing after SHUT_WR: EPIPE. */
	EXPECT_EQ(-1, send(cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(srv);
	EXPECT_EQ(0, read(cli, buf, sizeof(buf)));
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(cli, XTCP_CLOSE, 3000));
	EXPECT_EQ(1, xt_counter(self->b, "CurrTimeWait"));
	close(cli);
	close(lfd);
}

TEST_F(net, listener_close_resets_queued_children)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 4, 0);
	int c1, c2;
	char c;

	ASSERT_LE(0, lfd);
	c1 = xt_connect(self->b, IP_A, 5000);
	c2 = xt_connect(self->b, IP_A, 5000);
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	close(lfd);	/* two children never accepted */
	ASSERT_TRUE(xt_wait_readable(c1, 3000));
	EXPECT_EQ(-1, read(c1, &c, 1));
	EXPECT_EQ(ECONNRESET, errno);
	ASSERT_TRUE(xt_wait_readable(c2, 3000));
	EXPECT_EQ(-1, read(c2, &c, 1));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(2, xt_counter(self->a, "OutRsts"));
	EXPECT_EQ(0, xt_counter(self->a, "CurrEstab"));
	close(c1);
	close(c2);
}

TEST_F_TIMEOUT(net, port_exhaustion_and_recovery, 40)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 64, 0);
	int lfd2 = xt_listen(self->a, IP_A, 5001, 64, 0);
	int i, fd, srv;
	char c;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, lfd2);
	ASSERT_EQ(0, xt_sysctl(self->b, "local_port_range", "40000 40009"));
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_timeout_ms", "3000"));
	/* Exhaustion as TCP has it, without connect()'s TIME-WAIT
	 * take-over: with it (twreuse_test), entries older than
	 * tw_reuse_delay_ms would be taken over and no port run out. */
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_reuse", "0"));
	/* Ten connect/close cycles, the client closing first each time. */
	for (i = 0; i < 10; i++) {
		fd = xt_connect(self->b, IP_A, 5000);
		ASSERT_LE(0, fd) TH_LOG("connection %d: %s", i, strerror(-fd));
		srv = accept(lfd, NULL, NULL);
		ASSERT_LE(0, srv);
		shutdown(fd, SHUT_WR);
		EXPECT_EQ(0, read(srv, &c, 1));
		close(srv);
		EXPECT_EQ(XTCP_CLOSE, xt_wait_state(fd, XTCP_CLOSE, 3000));
		close(fd);
	}
	EXPECT_EQ(10, xt_counter(self->b, "CurrTimeWait"));
	/* Every port of the range is in TIME-WAIT towards A:5000. */
	EXPECT_EQ(-EADDRNOTAVAIL, xt_connect(self->b, IP_A, 5000));
	/* Another destination is another 4-tuple: it still works. */
	fd = xt_connect(self->b, IP_A, 5001);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	/* When the entries expire the ports come back (polled). */
	EXPECT_EQ(0, xt_wait_counter(self->b, "CurrTimeWait", 0, 10000));
	fd = xt_connect(self->b, IP_A, 5000);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	close(lfd);
	close(lfd2);
}

TEST_F(net, bind_over_time_wait)
{
	int lfd, srv, cli, fd;
	char c;

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	close(lfd);
	close(srv);		/* server side active close: TW on port 5000 */
	EXPECT_EQ(0, read(cli, &c, 1));
	close(cli);
	ASSERT_EQ(1, xt_wait_counter(self->a, "CurrTimeWait", 1, 5000));

	fd = xt_xsock(self->a);
	EXPECT_EQ(-1, xt_bind(fd, IP_A, 5000));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);
	fd = xt_xsock(self->a);
	ASSERT_EQ(0, xt_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(0, xt_bind(fd, IP_A, 5000));
	EXPECT_EQ(0, listen(fd, 4));
	close(fd);
}

TEST_F(net, two_listeners_never)
{
	int l1 = xt_xsock(self->a), l2 = xt_xsock(self->a), fd;

	ASSERT_EQ(0, xt_set_int(l1, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, xt_set_int(l2, SOL_SOCKET, SO_REUSEADDR, 1));
	/* Both SO_REUSEADDR, neither listening: bind may share... */
	EXPECT_EQ(0, xt_bind(l1, IP_A, 5000));
	EXPECT_EQ(0, xt_bind(l2, IP_A, 5000));
	/* ...listen may not. */
	EXPECT_EQ(0, listen(l1, 4));
	EXPECT_EQ(-1, listen(l2, 4));
	EXPECT_EQ(EADDRINUSE, errno);
	/* Nor may anyone bind over a listener, SO_REUSEADDR or not. */
	fd = xt_xsock(self->a);
	ASSERT_EQ(0, xt_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(-1, xt_bind(fd, "0.0.0.0", 5000));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);
	fd = xt_xsock(self->a);
	EXPECT_EQ(-1, xt_bind(fd, IP_A, 5000));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);
	close(l2);
	close(l1);
}

TEST_F_TIMEOUT(net, backlog_full_no_rst, 40)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 1, 0);
	int c[3], i, acc;
	long t0;

	ASSERT_LE(0, lfd);
	for (i = 0; i < 3; i++) {
		c[i] = xt_xsock(self->b);
		ASSERT_LE(0, c[i]);
		EXPECT_EQ(-EINPROGRESS, xt_connect_nb(c[i], IP_A, 5000));
		/* in order: each handshake done (or dropped) before the next */
		if (i < 2)
			EXPECT_EQ(XTCP_ESTABLISHED,
				  xt_wait_state(c[i], XTCP_ESTABLISHED, 5000));
	}
	/* listen(1) holds 2 (backlog + 1); the third SYN is dropped, not
	 * refused: it stays in SYN-SENT and retries. */
	EXPECT_LE(1, xt_wait_counter_ge(self->a, "ListenDrops", 1, 5000));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(c[0]));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(c[1]));
	EXPECT_EQ(XTCP_SYN_SENT, xt_state(c[2]));
	EXPECT_EQ(0, xt_counter(self->a, "OutRsts"));
	EXPECT_LE(1, xt_counter(self->a, "ListenOverflows"));
	EXPECT_LE(1, xt_counter(self->a, "ListenDrops"));
	EXPECT_EQ(0, xt_sock_error(c[2]));

	/* Make room: the third completes on its next SYN retransmission. */
	t0 = xt_now_ms();
	acc = accept(lfd, NULL, NULL);
	ASSERT_LE(0, acc);
	close(acc);
	EXPECT_EQ(XTCP_ESTABLISHED, xt_wait_state(c[2], XTCP_ESTABLISHED, 10000));
	TH_LOG("third client established %ld ms after accept()",
	       xt_now_ms() - t0);
	for (i = 0; i < 2; i++) {
		acc = accept(lfd, NULL, NULL);
		EXPECT_LE(0, acc);
		close(acc);
	}
	EXPECT_LE(1, xt_counter(self->b, "SynRetrans"));
	EXPECT_EQ(0, xt_counter(self->b, "InRsts"));
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
}

TEST_F(net, syn_queue_overflow)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 4, 0);
	int raw = xt_socket_in(self->b, AF_INET, SOCK_RAW, IPPROTO_RAW);
	uint8_t mss[4] = { XTCP_OPT_MSS, 4, 0x05, 0xb4 };
	struct xt_seg s = { .dport = 5000, .flags = XTCP_F_SYN,
			    .window = 65535, .opts = mss, .optlen = 4,
			    .spoof = 1 };
	int i;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, raw);
	/* The old behaviour, without SYN cookies (synflood_test covers
	 * the cookies a full queue answers with by default). */
	ASSERT_EQ(0, xt_sysctl(self->a, "syncookies", "0"));
	/* Ten half-open connections from a spoofed address that will never
	 * answer the SYN-ACK (no host has 10.0.0.3). */
	for (i = 0; i < 10; i++) {
		s.sport = 20000 + i;
		s.seq = 1000 * i;
		ASSERT_EQ(0, xt_raw_send(raw, "10.0.0.3", IP_A, &s));
	}
	/* The queue holds min(backlog, max_syn_backlog) = 4. */
	EXPECT_EQ(6, xt_wait_counter(self->a, "SynQueueDrops", 6, 5000));
	EXPECT_EQ(6, xt_counter(self->a, "ListenDrops"));
	/* A real client still gets no RST and no connection while full. */
	EXPECT_EQ(0, xt_counter(self->a, "OutRsts"));
	EXPECT_EQ(0, xt_counter(self->a, "SyncookiesSent"));
	/* The four entries retransmit their SYN-ACK (after 1 s). */
	EXPECT_LE(4, xt_wait_counter_ge(self->a, "SynAckRetrans", 4, 5000));
	close(raw);
	close(lfd);
}

/* Learn the peer's next sequence numbers from a copy of its segments. */
static int sniff(int raw, uint16_t sport, uint32_t *seq, uint32_t *ack)
{
	struct xtcphdr th;
	long end = xt_now_ms() + 3000;

	while (xt_now_ms() < end) {
		if (xt_raw_recv(raw, &th, NULL, 500))
			continue;
		if (ntohs(th.source) != sport)
			continue;
		*seq = ntohl(th.seq);
		*ack = ntohl(th.ack_seq);
		return 0;
	}
	return -1;
}

TEST_F(net, blind_rst_and_syn_draw_challenge_acks)
{
	int lfd, srv, cli, raw_a, raw_b, cport;
	uint32_t seq = 0, ack = 0;
	struct xt_seg s = { .dport = 5000, .window = 1000 };
	char buf[8];

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	cport = xt_getport(cli, 0);
	raw_a = xt_socket_in(self->a, AF_INET, SOCK_RAW, XTCP_IPPROTO_DEFAULT);
	raw_b = xt_socket_in(self->b, AF_INET, SOCK_RAW, XTCP_IPPROTO_DEFAULT);
	ASSERT_LE(0, raw_a);
	ASSERT_LE(0, raw_b);
	/* The attacker in B spoofs the client; to aim in-window it reads
	 * the client's sequence numbers off the wire at A. */
	ASSERT_EQ(1, write(cli, "x", 1));
	ASSERT_EQ(0, sniff(raw_a, cport, &seq, &ack));
	ASSERT_EQ(1, read(srv, buf, 1));
	seq += 1;	/* past the byte just sent: RCV.NXT at A */

	s.sport = cport;
	/* In window but not exactly RCV.NXT: challenge ACK, no reset. */
	s.flags = XTCP_F_RST;
	s.seq = seq + 100;
	ASSERT_EQ(0, xt_raw_send(raw_b, IP_B, IP_A, &s));
	/* Far outside the window: silently ignored. */
	s.seq = seq + 0x40000000;
	ASSERT_EQ(0, xt_raw_send(raw_b, IP_B, IP_A, &s));
	/* A SYN on the established connection: challenge ACK. */
	s.flags = XTCP_F_SYN;
	s.seq = seq + 5;
	ASSERT_EQ(0, xt_raw_send(raw_b, IP_B, IP_A, &s));
	/* The segments are taken in order: once the SYN's challenge ACK
	 * is counted, the far one was handled too. */
	EXPECT_EQ(2, xt_wait_counter(self->a, "ChallengeACKs", 2, 5000));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(srv));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));
	/* The connection still carries data. */
	ASSERT_EQ(2, write(cli, "ok", 2));
	ASSERT_EQ(2, read(srv, buf, sizeof(buf)));

	/* Positive control: an RST exactly at RCV.NXT does reset. */
	s.flags = XTCP_F_RST;
	s.seq = seq + 2;
	ASSERT_EQ(0, xt_raw_send(raw_b, IP_B, IP_A, &s));
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(srv, XTCP_CLOSE, 2000));
	EXPECT_EQ(-1, read(srv, buf, 1));
	EXPECT_EQ(ECONNRESET, errno);
	close(raw_a);
	close(raw_b);
	close(srv);
	close(cli);
	close(lfd);
}

TEST_F(net, malformed_segments_are_counted_and_dropped)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 4, 0);
	int raw = xt_socket_in(self->b, AF_INET, SOCK_RAW, XTCP_IPPROTO_DEFAULT);
	uint8_t badopt[4] = { XTCP_OPT_MSS, 9, 0, 0 };
	struct xt_seg s = { .sport = 30000, .dport = 5000,
			    .flags = XTCP_F_SYN, .window = 100 };
	struct xt_seg t;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, raw);
	t = s; t.bad_csum = 1;
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	t = s; t.trunc = 10;			/* short header */
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	t = s; t.doff_words = 3;		/* offset below 20 bytes */
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	t = s; t.doff_words = 15;		/* offset past the end */
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	t = s; t.flags = XTCP_F_SYN | XTCP_F_FIN;
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	t = s; t.flags = 0;			/* no flags at all */
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	t = s; t.flags = 0xe0 | XTCP_F_ACK;	/* undefined bits */
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	t = s; t.opts = badopt; t.optlen = 4;	/* option runs past header */
	ASSERT_EQ(0, xt_raw_send(raw, IP_B, IP_A, &t));
	/* all eight counted (polled), then which counter each went to */
	EXPECT_EQ(8, xt_wait_counter(self->a, "InErrs", 8, 5000));
	EXPECT_EQ(1, xt_counter(self->a, "InCsumErrors"));
	EXPECT_EQ(3, xt_counter(self->a, "InHdrErrors"));
	EXPECT_EQ(3, xt_counter(self->a, "InBadFlags"));
	EXPECT_EQ(1, xt_counter(self->a, "InBadOpts"));
	EXPECT_EQ(8, xt_counter(self->a, "InErrs"));
	/* None of them reached the listener or drew an answer. */
	EXPECT_EQ(0, xt_counter(self->a, "OutSegs"));
	EXPECT_EQ(0, xt_counter(self->a, "OutRsts"));
	/* The listener still works. */
	int fd = xt_connect(self->b, IP_A, 5000);

	EXPECT_LE(0, fd);
	close(fd);
	close(raw);
	close(lfd);
}

TEST_F(net, namespaces_are_isolated)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 4, 0);
	int fd;

	ASSERT_LE(0, lfd);
	/* A socket in A cannot reach A's listener through B's address. */
	EXPECT_EQ(-ECONNREFUSED, xt_connect(self->a, IP_B, 5000));
	/* B can bind the port A listens on: tables are per namespace. */
	fd = xt_listen(self->b, IP_B, 5000, 4, 0);
	EXPECT_LE(0, fd);
	close(fd);
	/* Sysctls too. */
	ASSERT_EQ(0, xt_sysctl(self->a, "somaxconn", "7"));
	EXPECT_EQ(0, xt_run("test \"$(/usr/sbin/ip netns exec %s cat /proc/sys/net/xtcp/somaxconn)\" = 4096",
			    self->b));
	EXPECT_EQ(0, xt_counter(self->b, "PassiveOpens"));
	close(lfd);
}

TEST_F(net, sysctl_rejects_invalid_writes)
{
	/* Each bad write fails with EINVAL and leaves the value as it was. */
	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->a, "local_port_range", "5000 4000"));
	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->a, "local_port_range", "0 100"));
	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->a, "rfc1337", "2"));
	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->a, "syn_retries", "0"));
	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->a, "tw_timeout_ms", "-5"));
	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->a, "somaxconn", "lots"));
	EXPECT_EQ(0, xt_run("test \"$(/usr/sbin/ip netns exec %s cat /proc/sys/net/xtcp/local_port_range)\" = \"$(printf '32768\\t60999')\"",
			    self->a));
	EXPECT_EQ(0, xt_run("test \"$(/usr/sbin/ip netns exec %s cat /proc/sys/net/xtcp/syn_retries)\" = 6",
			    self->a));
	EXPECT_EQ(0, xt_sysctl(self->a, "local_port_range", "40000 40010"));
}

TEST_F_TIMEOUT(net, orphan_fin_wait2_reaped, 20)
{
	int lfd, srv, cli;

	ASSERT_EQ(0, xt_sysctl(self->b, "fin_timeout_ms", "1000"));
	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	close(cli);	/* orphan: FIN-WAIT-1, then FIN-WAIT-2 */
	EXPECT_EQ(XTCP_CLOSE_WAIT, xt_wait_state(srv, XTCP_CLOSE_WAIT, 3000));
	/* The server never closes; the orphan gives up after 1 s. */
	EXPECT_EQ(1, xt_wait_counter(self->b, "FinWait2Timeout", 1, 5000));
	EXPECT_EQ(XTCP_CLOSE, xt_wait_state(srv, XTCP_CLOSE, 3000));
	close(srv);
	close(lfd);
}

TEST_F(net, linger_with_timeout_waits_for_ack)
{
	int lfd, srv, cli;
	struct linger l = { .l_onoff = 1, .l_linger = 5 };
	long t0;

	connect_pair(_metadata, self->a, self->b, 5000, &lfd, &srv, &cli);
	ASSERT_EQ(0, xt_netem(self->a, "va", "delay 300ms"));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 300ms"));
	ASSERT_EQ(0, setsockopt(cli, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	t0 = xt_now_ms();
	close(cli);	/* returns when the FIN is acked: ~2 x 300 ms */
	EXPECT_GE(xt_now_ms() - t0, 500);
	EXPECT_LE(xt_now_ms() - t0, 4000);
	close(srv);
	close(lfd);
}

TEST_HARNESS_MAIN
