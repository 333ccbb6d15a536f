// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer autotuning (kmod/rcvbuf.c, docs/protocol.md §12.8): over a path
 * with 10 ms of delay each way, a reader that keeps up makes its receive
 * buffer grow past the default (and the writer's send buffer grows with
 * cwnd); SO_RCVBUF / SO_SNDBUF set by the application, or
 * net.xtcp.moderate_rcvbuf=0, keep them where they were. Each transfer is
 * checked byte by byte.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define PORT	5300
#define NBYTES	(8 << 20)

static unsigned char pattern(uint64_t i)
{
	return (unsigned char)(i * 2654435761u >> 13);
}

/* One connection B -> A of NBYTES; the buffers at the end, both ends. */
static int transfer(struct __test_metadata *_metadata, const char *a,
		    const char *b, int port, int lock_rcv, int lock_snd,
		    int *rcvbuf0, int *rcvbuf, int *sndbuf0, int *sndbuf)
{
	static unsigned char buf[65536];
	socklen_t len = sizeof(int);
	uint64_t got = 0;
	int lfd, cli, srv, status = 0;
	pid_t pid;
	ssize_t n;

	lfd = xt_xsock(a);
	ASSERT_LE(0, lfd);
	if (lock_rcv)
		ASSERT_EQ(0, xt_set_int(lfd, SOL_SOCKET, SO_RCVBUF, lock_rcv));
	ASSERT_EQ(0, xt_bind(lfd, IP_A, port));
	ASSERT_EQ(0, listen(lfd, 4));
	cli = xt_xsock(b);
	ASSERT_LE(0, cli);
	if (lock_snd)
		ASSERT_EQ(0, xt_set_int(cli, SOL_SOCKET, SO_SNDBUF, lock_snd));
	getsockopt(cli, SOL_SOCKET, SO_SNDBUF, sndbuf0, &len);
	{
		struct sockaddr_in sin = xt_sin(IP_A, port);

		ASSERT_EQ(0, connect(cli, (struct sockaddr *)&sin, sizeof(sin)));
	}
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	getsockopt(srv, SOL_SOCKET, SO_RCVBUF, rcvbuf0, &len);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t sent = 0;

		close(srv);
		while (sent < NBYTES) {
			size_t k = sizeof(buf), i;

			if (k > NBYTES - sent)
				k = NBYTES - sent;
			for (i = 0; i < k; i++)
				buf[i] = pattern(sent + i);
			n = write(cli, buf, k);
			if (n <= 0)
				_exit(1);
			sent += n;
			/* what the writer's buffer came to, once all is queued */
			if (sent == NBYTES) {
				int v = 0;
				socklen_t l = sizeof(v);

				getsockopt(cli, SOL_SOCKET, SO_SNDBUF, &v, &l);
				shutdown(cli, SHUT_WR);
				/* the exit status carries sndbuf / 64 KB */
				_exit(2 + (v >> 16 > 200 ? 200 : v >> 16));
			}
		}
		_exit(1);
	}
	close(cli);
	while ((n = read(srv, buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < n; i++)
			if (buf[i] != pattern(got + i)) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				ASSERT_EQ(pattern(got + i), buf[i])
					TH_LOG("byte %llu differs",
					       (unsigned long long)(got + i));
			}
		got += n;
	}
	getsockopt(srv, SOL_SOCKET, SO_RCVBUF, rcvbuf, &len);
	waitpid(pid, &status, 0);
	close(srv);
	close(lfd);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_LE(2, WEXITSTATUS(status));
	*sndbuf = (WEXITSTATUS(status) - 2) << 16;
	EXPECT_EQ((uint64_t)NBYTES, got);
	return 0;
}

TEST_F_TIMEOUT(net, autotuning_grows_the_buffers, 120)
{
	int r0, r1, s0, s1;

	ASSERT_EQ(0, impair(self->a, self->b, "delay 10ms limit 10000"));
	transfer(_metadata, self->a, self->b, PORT, 0, 0, &r0, &r1, &s0, &s1);
	TH_LOG("receive buffer %d -> %d bytes; send buffer %d -> about %d",
	       r0, r1, s0, s1);
	EXPECT_LT(r0, r1);
	EXPECT_LT(s0, s1);
}

TEST_F_TIMEOUT(net, so_rcvbuf_and_so_sndbuf_stay_put, 120)
{
	int r0, r1, s0, s1;

	ASSERT_EQ(0, impair(self->a, self->b, "delay 10ms limit 10000"));
	transfer(_metadata, self->a, self->b, PORT + 1, 150000, 150000,
		 &r0, &r1, &s0, &s1);
	TH_LOG("receive buffer %d -> %d bytes; send buffer %d -> about %d",
	       r0, r1, s0, s1);
	EXPECT_EQ(r0, r1);
	EXPECT_GE(s0, s1);	/* s1 is rounded down to 64 KB */
}

TEST_F_TIMEOUT(net, moderate_rcvbuf_0_keeps_the_receive_buffer, 120)
{
	int r0, r1, s0, s1;

	ASSERT_EQ(0, xt_sysctl(self->a, "moderate_rcvbuf", "0"));
	ASSERT_EQ(0, impair(self->a, self->b, "delay 10ms limit 10000"));
	transfer(_metadata, self->a, self->b, PORT + 2, 0, 0, &r0, &r1, &s0, &s1);
	TH_LOG("receive buffer %d -> %d bytes", r0, r1);
	EXPECT_EQ(r0, r1);
}

TEST_HARNESS_MAIN
