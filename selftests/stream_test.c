// SPDX-License-Identifier: GPL-2.0
/*
 * The reliable byte stream: byte-exact transfers in both directions at
 * once over a clean link and through netem loss, reordering, duplication,
 * corruption and delay; flow control with a stalled reader; dead peers
 * (keepalive, user timeout); the socket calls and flags around the data
 * path; and the counters that must move when, and only when, they should.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include "xfer.h"
#include "kselftest_harness.h"

FIXTURE(net)
{
	char a[32], b[32];
};

FIXTURE_SETUP(net)
{
	xt_ns_names(self->a, self->b, sizeof(self->a));
	ASSERT_EQ(0, xt_ns_pair_create(self->a, self->b));
}

FIXTURE_TEARDOWN(net)
{
	xt_ns_pair_destroy(self->a, self->b);
}

/* netem on both directions of the link */
static int impair(const char *a, const char *b, const char *args)
{
	return xt_netem(a, "va", args) || xt_netem(b, "vb", args);
}

static void two_way(struct __test_metadata *_metadata, const char *a,
		    const char *b, uint64_t n1, uint64_t n2, long timeout_ms)
{
	struct xf_result r;
	char why[600] = "";
	int rc = xf_pair(a, b, 5000, n1, n2, timeout_ms, &r, why, sizeof(why));

	ASSERT_EQ(0, rc) TH_LOG("%s", why);
	EXPECT_EQ(n1, r.sent);
	EXPECT_EQ(n2, r.received);
	TH_LOG("%llu + %llu bytes byte-exact in %ld ms (%.1f Mbit/s), fnv %016llx/%016llx",
	       (unsigned long long)n1, (unsigned long long)n2, r.ms,
	       r.ms ? (n1 + n2) * 8.0 / r.ms / 1000 : 0.0,
	       (unsigned long long)r.hash_sent,
	       (unsigned long long)r.hash_received);
}

/*
 * One CPU for everything: veth hands packets to the backlog of the CPU
 * that sends them, so a sender that migrates between CPUs reorders its own
 * segments. Pinned, the link is truly clean and no repair may happen.
 */
static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

TEST_F_TIMEOUT(net, clean_link_sizes_and_counters, 120)
{
	static const uint64_t sizes[] = { 1, 1000, 65543, 1048589 };
	unsigned int i;

	pin_to_cpu0();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		two_way(_metadata, self->a, self->b, sizes[i], sizes[i] / 2 + 1,
			60000);
	two_way(_metadata, self->a, self->b, 16 << 20, 16 << 20, 100000);
	/* Nothing was lost, so nothing may have been repaired. */
	EXPECT_EQ(0, xt_counter(self->a, "RetransSegs"));
	EXPECT_EQ(0, xt_counter(self->b, "RetransSegs"));
	EXPECT_EQ(0, xt_counter(self->a, "FastRetrans"));
	EXPECT_EQ(0, xt_counter(self->b, "FastRetrans"));
	EXPECT_EQ(0, xt_counter(self->a, "Timeouts"));
	EXPECT_EQ(0, xt_counter(self->b, "Timeouts"));
	EXPECT_EQ(0, xt_counter(self->a, "OFOQueue"));
	EXPECT_EQ(0, xt_counter(self->b, "OFOQueue"));
	EXPECT_EQ(0, xt_counter(self->a, "InCsumErrors"));
}

TEST_F_TIMEOUT(net, big_transfer_256mb, 600)
{
	two_way(_metadata, self->a, self->b, 256ULL << 20, 0, 550000);
}

TEST_F_TIMEOUT(net, loss_1_percent, 180)
{
	ASSERT_EQ(0, impair(self->a, self->b, "loss 1%"));
	two_way(_metadata, self->a, self->b, 4 << 20, 4 << 20, 170000);
	EXPECT_LT(0, xt_counter(self->a, "RetransSegs"));
	EXPECT_LT(0, xt_counter(self->b, "RetransSegs"));
	EXPECT_LT(0, xt_counter(self->a, "FastRetrans") +
		     xt_counter(self->b, "FastRetrans"));
	EXPECT_LT(0, xt_counter(self->a, "OFOQueue") +
		     xt_counter(self->b, "OFOQueue"));
}

TEST_F_TIMEOUT(net, loss_5_percent, 180)
{
	ASSERT_EQ(0, impair(self->a, self->b, "loss 5%"));
	two_way(_metadata, self->a, self->b, 2 << 20, 2 << 20, 170000);
	EXPECT_LT(0, xt_counter(self->a, "RetransSegs"));
	EXPECT_LT(0, xt_counter(self->b, "RetransSegs"));
}

TEST_F_TIMEOUT(net, loss_20_percent, 300)
{
	ASSERT_EQ(0, impair(self->a, self->b, "loss 20%"));
	two_way(_metadata, self->a, self->b, 256 << 10, 256 << 10, 280000);
	EXPECT_LT(0, xt_counter(self->a, "Timeouts") +
		     xt_counter(self->b, "Timeouts"));
}

TEST_F_TIMEOUT(net, reorder_25_percent, 180)
{
	ASSERT_EQ(0, impair(self->a, self->b, "delay 10ms reorder 25% 50%"));
	two_way(_metadata, self->a, self->b, 2 << 20, 2 << 20, 170000);
	EXPECT_LT(0, xt_counter(self->a, "OFOQueue") +
		     xt_counter(self->b, "OFOQueue"));
}

TEST_F_TIMEOUT(net, duplicate_5_percent, 180)
{
	ASSERT_EQ(0, impair(self->a, self->b, "duplicate 5%"));
	two_way(_metadata, self->a, self->b, 2 << 20, 2 << 20, 170000);
	EXPECT_EQ(0, xt_counter(self->a, "Timeouts"));
	EXPECT_EQ(0, xt_counter(self->b, "Timeouts"));
}

TEST_F_TIMEOUT(net, corrupt_1_percent, 180)
{
	long bad;

	ASSERT_EQ(0, impair(self->a, self->b, "corrupt 1%"));
	two_way(_metadata, self->a, self->b, 2 << 20, 2 << 20, 170000);
	/* Every corrupted segment is caught by the checksum, none
	 * delivered (the transfer was byte-exact). */
	bad = xt_counter(self->a, "InCsumErrors") +
	      xt_counter(self->b, "InCsumErrors");
	EXPECT_LT(0, bad);
	TH_LOG("%ld segments failed the checksum", bad);
}

TEST_F_TIMEOUT(net, delay_50ms_with_loss, 240)
{
	struct xtcp_info info;
	socklen_t len = sizeof(info);
	int lfd, srv, cli;
	char c = 'x';

	ASSERT_EQ(0, impair(self->a, self->b, "delay 50ms loss 1%"));
	two_way(_metadata, self->a, self->b, 1 << 20, 1 << 20, 230000);

	/* The RTT estimate follows the path: ~100 ms round trip. */
	lfd = xt_listen(self->a, IP_A, 5001, 4, 1);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, impair(self->a, self->b, "delay 50ms"));
	cli = xt_connect(self->b, IP_A, 5001);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(1, write(cli, &c, 1));
		ASSERT_EQ(1, read(srv, &c, 1));
		ASSERT_EQ(1, write(srv, &c, 1));
		ASSERT_EQ(1, read(cli, &c, 1));
	}
	ASSERT_EQ(0, getsockopt(cli, SOL_XTCP, XTCP_INFO, &info, &len));
	TH_LOG("rtt %u us rttvar %u us rto %u us", info.xtcpi_rtt_us,
	       info.xtcpi_rttvar_us, info.xtcpi_rto_us);
	EXPECT_LE(90000, info.xtcpi_rtt_us);
	EXPECT_GE(400000, info.xtcpi_rtt_us);
	EXPECT_LE(info.xtcpi_rtt_us, info.xtcpi_rto_us);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F_TIMEOUT(net, zero_window_persist, 60)
{
	int lfd = xt_listen(self->a, IP_A, 5000, 4, 1), srv, cli;
	int small = 4096, status;
	const uint64_t n = 1 << 20;
	struct xf_result r;
	pid_t pid;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	pid = fork();
	if (pid == 0) {
		cli = xt_connect(self->b, IP_A, 5000);
		if (cli < 0 || xf_run(cli, n, 77, 0, 0, 50000, &r))
			_exit(1);
		_exit(0);
	}
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	/* The reader sleeps: the window closes and the sender probes it. */
	xt_sleep_ms(3000);
	EXPECT_LT(0, xt_counter(self->b, "ZeroWindowProbes"));
	ASSERT_EQ(0, xf_run(srv, 0, 0, n, 77, 50000, &r)) TH_LOG("%s", r.err);
	waitpid(pid, &status, 0);
	EXPECT_EQ(0, WEXITSTATUS(status));
	TH_LOG("%ld zero-window probes", xt_counter(self->b, "ZeroWindowProbes"));
	close(srv);
	close(lfd);
}

TEST_F_TIMEOUT(net, keepalive_detects_dead_peer, 30)
{
	int lfd, srv, cli, v;
	long t0, took;
	char c;

	lfd = xt_listen(self->a, IP_A, 5000, 4, 1);
	ASSERT_LE(0, lfd);
	cli = xt_connect(self->b, IP_A, 5000);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	/* A proxy cuts the path silently (seed 003). */
	ASSERT_EQ(0, impair(self->a, self->b, "loss 100%"));
	v = 1;
	ASSERT_EQ(0, xt_set_int(cli, IPPROTO_TCP, TCP_KEEPINTVL, 1));
	ASSERT_EQ(0, xt_set_int(cli, IPPROTO_TCP, TCP_KEEPCNT, 3));
	ASSERT_EQ(0, setsockopt(cli, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)));
	t0 = xt_now_ms();
	ASSERT_EQ(0, xt_set_int(cli, IPPROTO_TCP, TCP_KEEPIDLE, 1));
	EXPECT_EQ(-1, read(cli, &c, 1));
	EXPECT_EQ(ETIMEDOUT, errno);
	took = xt_now_ms() - t0;
	TH_LOG("peer declared dead after %ld ms", took);
	/* idle 1 s + 3 probes 1 s apart, within one probe interval. */
	EXPECT_GE(took, 3000);
	EXPECT_LE(took, 5500);
	EXPECT_EQ(3, xt_counter(self->b, "KeepAliveProbes"));
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F_TIMEOUT(net, user_timeout_detects_dead_peer, 30)
{
	int lfd, srv, cli;
	long t0, took;
	char c = 'x';

	lfd = xt_listen(self->a, IP_A, 5000, 4, 1);
	ASSERT_LE(0, lfd);
	cli = xt_connect(self->b, IP_A, 5000);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_EQ(0, xt_set_int(cli, SOL_XTCP, XTCP_USER_TIMEOUT, 2000));
	ASSERT_EQ(0, impair(self->a, self->b, "loss 100%"));
	t0 = xt_now_ms();
	ASSERT_EQ(1, write(cli, &c, 1));
	EXPECT_EQ(-1, read(cli, &c, 1));
	EXPECT_EQ(ETIMEDOUT, errno);
	took = xt_now_ms() - t0;
	TH_LOG("gave up after %ld ms", took);
	EXPECT_GE(took, 1800);
	EXPECT_LE(took, 3500);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(net, socket_calls_and_flags)
{
	int lfd, srv, cli, n, v;
	char buf[64];
	struct timeval tv = { 0, 300000 };
	struct pollfd p;
	long t0;

	lfd = xt_listen(self->a, IP_A, 5000, 4, 1);
	ASSERT_LE(0, lfd);
	cli = xt_connect(self->b, IP_A, 5000);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);

	/* MSG_DONTWAIT and SO_RCVTIMEO on an empty queue. */
	EXPECT_EQ(-1, recv(srv, buf, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = xt_now_ms();
	EXPECT_EQ(-1, recv(srv, buf, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_GE(xt_now_ms() - t0, 250);

	/* MSG_PEEK leaves data; SIOCINQ counts it; MSG_WAITALL waits. */
	ASSERT_EQ(6, send(cli, "abcdef", 6, 0));
	ASSERT_TRUE(xt_wait_readable(srv, 3000) & POLLIN);
	EXPECT_EQ(3, recv(srv, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, ioctl(srv, SIOCINQ, &n));
	EXPECT_EQ(6, n);
	ASSERT_EQ(0, ioctl(cli, SIOCOUTQ, &n));
	EXPECT_LE(0, n);
	ASSERT_EQ(6, send(cli, "ghij", 4, 0) + 2);
	EXPECT_EQ(10, recv(srv, buf, 10, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "abcdefghij", 10));

	/* MSG_MORE holds a partial segment; the next send releases it. */
	EXPECT_EQ(2, send(cli, "kl", 2, MSG_MORE));
	EXPECT_EQ(0, xt_wait_readable(srv, 300) & POLLIN);
	EXPECT_EQ(2, send(cli, "mn", 2, 0));
	EXPECT_EQ(4, recv(srv, buf, 4, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "klmn", 4));

	/* TCP_INFO at IPPROTO_TCP, for programs written for TCP. */
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	ASSERT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(XTCP_ESTABLISHED, ti.tcpi_state);
	EXPECT_EQ(1460, ti.tcpi_snd_mss);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_MAXSEG, &v, &len));
	EXPECT_EQ(1460, v);

	/* Peer closes: POLLRDHUP, EOF; writing to a reset peer: EPIPE. */
	close(srv);
	p.fd = cli;
	p.events = POLLIN | POLLRDHUP;
	ASSERT_EQ(1, poll(&p, 1, 3000));
	EXPECT_TRUE(p.revents & POLLRDHUP);
	EXPECT_EQ(0, recv(cli, buf, 1, 0));
	/* The server's socket is gone: data draws an RST. */
	send(cli, "x", 1, MSG_NOSIGNAL);
	xt_sleep_ms(300);
	EXPECT_EQ(-1, send(cli, "y", 1, MSG_NOSIGNAL));
	EXPECT_TRUE(errno == EPIPE || errno == ECONNRESET) TH_LOG("%s", strerror(errno));
	/* Without MSG_NOSIGNAL: SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	EXPECT_EQ(-1, send(cli, "z", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	close(cli);
	close(lfd);
}

TEST_F(net, nagle_coalesces_and_nodelay_does_not)
{
	int lfd, srv, cli, i, v = 1;
	struct xtcp_info a, b;
	socklen_t len = sizeof(a);
	char buf[4096];

	lfd = xt_listen(self->a, IP_A, 5000, 4, 1);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, impair(self->a, self->b, "delay 20ms"));
	cli = xt_connect(self->b, IP_A, 5000);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);

	/* Eight writes of 10 bytes, 2 ms apart, on a 40 ms round trip. With
	 * Nagle the first goes alone and the rest wait for its ACK. */
	getsockopt(cli, SOL_XTCP, XTCP_INFO, &a, &len);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(10, write(cli, "0123456789", 10));
		xt_sleep_ms(2);
	}
	EXPECT_EQ(80, recv(srv, buf, 80, MSG_WAITALL));
	getsockopt(cli, SOL_XTCP, XTCP_INFO, &b, &len);
	TH_LOG("Nagle: 8 writes -> %u segments", b.xtcpi_segs_out - a.xtcpi_segs_out);
	EXPECT_GE(3, b.xtcpi_segs_out - a.xtcpi_segs_out);
	xt_sleep_ms(200);

	/* Without Nagle each write is a segment (cwnd is 10). */
	ASSERT_EQ(0, setsockopt(cli, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)));
	getsockopt(cli, SOL_XTCP, XTCP_INFO, &a, &len);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(10, write(cli, "0123456789", 10));
		xt_sleep_ms(2);
	}
	EXPECT_EQ(80, recv(srv, buf, 80, MSG_WAITALL));
	getsockopt(cli, SOL_XTCP, XTCP_INFO, &b, &len);
	TH_LOG("NODELAY: 8 writes -> %u segments", b.xtcpi_segs_out - a.xtcpi_segs_out);
	EXPECT_LE(8, b.xtcpi_segs_out - a.xtcpi_segs_out);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(net, stalled_reader_blocks_sender)
{
	int lfd, srv, cli, n, sndbuf;
	socklen_t len = sizeof(sndbuf);
	static char buf[65536];
	long total = 0;

	lfd = xt_listen(self->a, IP_A, 5000, 4, 1);
	ASSERT_LE(0, lfd);
	cli = xt_connect(self->b, IP_A, 5000);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	fcntl(cli, F_SETFL, O_NONBLOCK);
	/* The reader never reads: the sender must hit EAGAIN, not grow. */
	for (;;) {
		ssize_t w = send(cli, buf, sizeof(buf), 0);

		if (w < 0) {
			ASSERT_EQ(EAGAIN, errno);
			xt_sleep_ms(200);
			w = send(cli, buf, sizeof(buf), 0);
			if (w < 0)
				break;
		}
		total += w;
		ASSERT_GT(64L << 20, total);
	}
	getsockopt(cli, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len);
	ASSERT_EQ(0, ioctl(cli, SIOCOUTQ, &n));
	TH_LOG("accepted %ld bytes before blocking; %d queued, sndbuf %d",
	       total, n, sndbuf);
	EXPECT_GE(sndbuf, n);
	EXPECT_EQ(0, ioctl(srv, SIOCINQ, &n));
	EXPECT_LT(0, n);
	close(cli);
	close(srv);
	close(lfd);
}

/* Many connections at once from one epoll loop per side, each verified. */
static int echo_server(int lfd, int nconn, long timeout_ms)
{
	int ep = epoll_create1(0), done = 0, fd;
	struct epoll_event ev, evs[64];
	static char buf[65536];
	long t0 = xt_now_ms();

	fcntl(lfd, F_SETFL, O_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (done < nconn && xt_now_ms() - t0 < timeout_ms) {
		int n = epoll_wait(ep, evs, 64, 500), i;

		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			for (;;) {
				ssize_t r = recv(fd, buf, sizeof(buf), 0);

				if (r > 0) {
					/* Echo back, blocking briefly if needed. */
					ssize_t off = 0;

					while (off < r) {
						ssize_t w = send(fd, buf + off, r - off, MSG_NOSIGNAL);

						if (w < 0 && errno == EAGAIN) {
							xt_wait_readable(fd, 1);
							continue;
						}
						if (w < 0)
							return -1;
						off += w;
					}
					continue;
				}
				if (r == 0) {
					epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
					close(fd);
					done++;
				} else if (errno != EAGAIN) {
					return -1;
				}
				break;
			}
		}
	}
	close(ep);
	return done == nconn ? 0 : -1;
}

struct cstate {
	int fd;
	uint32_t sent, got;
	int shut;
};

static int echo_clients(const char *ns, int nconn, uint32_t bytes,
			long timeout_ms, int *verified)
{
	struct cstate *c = calloc(nconn, sizeof(*c));
	int ep = epoll_create1(0), i, done = 0, opened = 0;
	struct epoll_event ev, evs[64];
	static uint8_t buf[16384], want[16384];
	long t0 = xt_now_ms();

	*verified = 0;
	for (i = 0; i < nconn; i++) {
		c[i].fd = xt_xsock(ns);
		if (c[i].fd < 0)
			return -1;
		if (xt_connect_nb(c[i].fd, IP_A, 5000) != -EINPROGRESS)
			return -1;
		ev.events = EPOLLIN | EPOLLOUT;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
		opened++;
	}
	while (done < nconn && xt_now_ms() - t0 < timeout_ms) {
		int n = epoll_wait(ep, evs, 64, 500);

		for (int k = 0; k < n; k++) {
			struct cstate *s = &c[evs[k].data.u32];
			uint32_t id = evs[k].data.u32;

			if ((evs[k].events & EPOLLOUT) && !s->shut) {
				if (xt_sock_error(s->fd))
					return -1;
				while (s->sent < bytes) {
					uint32_t chunk = bytes - s->sent < sizeof(buf) ?
							 bytes - s->sent : sizeof(buf);
					ssize_t w;

					xf_fill(id, s->sent, buf, chunk);
					w = send(s->fd, buf, chunk, MSG_NOSIGNAL);
					if (w <= 0)
						break;
					s->sent += w;
				}
				if (s->sent == bytes) {
					shutdown(s->fd, SHUT_WR);
					s->shut = 1;
					ev.events = EPOLLIN;
					ev.data.u32 = id;
					epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
				}
			}
			if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
				for (;;) {
					ssize_t r = recv(s->fd, buf, sizeof(buf), 0);

					if (r > 0) {
						xf_fill(id, s->got, want, r);
						if (memcmp(buf, want, r))
							return -2;
						s->got += r;
						continue;
					}
					if (r == 0) {
						if (s->got == bytes)
							(*verified)++;
						epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
						close(s->fd);
						done++;
					} else if (errno != EAGAIN) {
						return -3;
					}
					break;
				}
			}
		}
	}
	close(ep);
	free(c);
	return done == nconn ? 0 : -4;
}

static void many(struct __test_metadata *_metadata, const char *a,
		 const char *b, int nconn, uint32_t bytes, long timeout_ms)
{
	int lfd = xt_listen(a, IP_A, 5000, 4096, 1), status, verified = 0;
	long t0 = xt_now_ms();
	pid_t pid;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xt_sysctl(b, "local_port_range", "\"10000 60000\""));
	pid = fork();
	if (pid == 0)
		_exit(echo_server(lfd, nconn, timeout_ms) ? 1 : 0);
	close(lfd);
	EXPECT_EQ(0, echo_clients(b, nconn, bytes, timeout_ms, &verified));
	EXPECT_EQ(nconn, verified);
	waitpid(pid, &status, 0);
	EXPECT_EQ(0, WEXITSTATUS(status));
	TH_LOG("%d connections x %u bytes echoed and verified in %ld ms",
	       verified, bytes, xt_now_ms() - t0);
}

TEST_F_TIMEOUT(net, epoll_100_connections, 120)
{
	many(_metadata, self->a, self->b, 100, 256 << 10, 110000);
}

TEST_F_TIMEOUT(net, thousand_concurrent_connections, 240)
{
	many(_metadata, self->a, self->b, 1000, 8 << 10, 230000);
}

TEST_HARNESS_MAIN
