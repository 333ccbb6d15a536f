// SPDX-License-Identifier: GPL-2.0
/*
 * Scale: a 256 MB transfer, 100 connections driven by epoll, and 1000
 * concurrent connections each echoing verified data.
 * On the debug kernel (make check-debug, XTCP_DEBUG_KERNEL=1: ~3x slower per
 * byte, ~11x per connection set-up) the transfer is 16 MB (loss256_test
 * moves 64 MB byte-exact there already; make soak, XTCP_SOAK=1: 64 MB) and
 * the 1000 connections are 250; the 100 epoll connections stay.
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
#include "net_fixture.h"

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
	ASSERT_EQ(0, xt_sysctl(b, "local_port_range", "10000 60000"));
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

TEST_F_TIMEOUT(net, big_transfer_256mb, 600)
{
	two_way(_metadata, self->a, self->b,
		(!xt_debug_kernel() ? 256ULL : xt_soak() ? 64ULL : 16ULL) << 20, 0, 550000);
}

TEST_F_TIMEOUT(net, epoll_100_connections, 120)
{
	many(_metadata, self->a, self->b, 100, 256 << 10, 110000);
}

TEST_F_TIMEOUT(net, thousand_concurrent_connections, 240)
{
	many(_metadata, self->a, self->b, xt_debug_kernel() ? 250 : 1000, 8 << 10, 230000);
}

TEST_HARNESS_MAIN
