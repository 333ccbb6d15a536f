// SPDX-License-Identifier: GPL-2.0
/*
 * Connection shapes for the xtcpstat tests (xtcpstat_*.sh). Run it inside a
 * namespace (ip netns exec); every mode exits 0 on success, 1 on failure,
 * with a one-line reason on stderr.
 *
 *   listen PORT BACKLOG SECS       listen(BACKLOG) and never accept
 *   server PORT SECS [noread|closeon=FILE]
 *                                  accept everything; read each connection
 *                                  to EOF and close it (noread: keep it
 *                                  open, never read; closeon: never read,
 *                                  close them all as soon as FILE exists)
 *   connect ADDR PORT SECS [BYTES] connect, send BYTES, hold SECS, close
 *                                  (SECS "/FILE": hold until FILE exists)
 *   churn ADDR PORT N [PARALLEL]   N connections, each closed right after
 *                                  the handshake (the client closes first:
 *                                  it ends in TIME-WAIT), PARALLEL at a time
 *                                  (default 64); prints "churn N connections
 *                                  in MS ms" on stdout
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/xtcp.h>

static void fail(const char *what)
{
	fprintf(stderr, "xtcpstat_helper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void wait_for_file(const char *path)
{
	struct timespec ts = { 0, 2 * 1000000L };

	while (access(path, F_OK))
		nanosleep(&ts, NULL);
}

static struct sockaddr_in sin_of(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "xtcpstat_helper: bad address %s\n", addr);
		exit(1);
	}
	return sin;
}

static int xsocket(void)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);

	if (fd < 0)
		fail("socket(AF_XTCP)");
	return fd;
}

static int listener(int port, int backlog)
{
	struct sockaddr_in sin = sin_of("0.0.0.0", port);
	int fd = xsocket(), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fail("bind");
	if (listen(fd, backlog) < 0)
		fail("listen");
	return fd;
}

static int do_listen(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	listener(atoi(argv[0]), atoi(argv[1]));
	sleep(atoi(argv[2]));
	return 0;
}

#define MAXFDS 8192

static int do_server(int argc, char **argv)
{
	static struct pollfd pfd[MAXFDS];
	int lfd, n = 1, noread, i;
	const char *closeon = NULL;
	long end;

	if (argc < 2)
		return 2;
	noread = argc > 2 && !strcmp(argv[2], "noread");
	if (argc > 2 && !strncmp(argv[2], "closeon=", 8)) {
		closeon = argv[2] + 8;
		noread = 1;
	}
	lfd = listener(atoi(argv[0]), 4096);
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	end = now_ms() + atol(argv[1]) * 1000;
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	while (now_ms() < end) {
		if (closeon && !access(closeon, F_OK)) {
			for (i = 1; i < n; i++)
				close(pfd[i].fd);
			n = 1;
			closeon = NULL;
		}
		if (poll(pfd, n, closeon ? 2 : 200) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		if (pfd[0].revents & POLLIN) {
			int c;

			while (n < MAXFDS && (c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				pfd[n].fd = c;
				pfd[n].events = noread ? 0 : POLLIN;
				pfd[n].revents = 0;
				n++;
			}
		}
		for (i = 1; i < n; i++) {
			char buf[4096];
			ssize_t r;

			if (noread || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0 || (r < 0 && errno == EAGAIN))
				continue;
			close(pfd[i].fd);	/* EOF or error */
			pfd[i] = pfd[--n];
			i--;
		}
	}
	return 0;
}

static int do_connect(int argc, char **argv)
{
	struct sockaddr_in sin;
	int fd, bytes;

	if (argc < 3)
		return 2;
	sin = sin_of(argv[0], atoi(argv[1]));
	bytes = argc > 3 ? atoi(argv[3]) : 0;
	fd = xsocket();
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fail("connect");
	if (bytes > 0) {
		char *buf = calloc(1, bytes);
		int off = 0;

		if (!buf)
			fail("calloc");
		memset(buf, 'x', bytes);
		while (off < bytes) {
			ssize_t w = write(fd, buf + off, bytes - off);

			if (w < 0)
				fail("write");
			off += w;
		}
		free(buf);
	}
	if (argv[2][0] == '/')
		wait_for_file(argv[2]);
	else
		sleep(atoi(argv[2]));
	close(fd);
	return 0;
}

static int do_churn(int argc, char **argv)
{
	static struct pollfd pfd[1024];
	struct sockaddr_in sin;
	int total, par, started = 0, done = 0, n = 0, i;
	long t0;

	if (argc < 3)
		return 2;
	sin = sin_of(argv[0], atoi(argv[1]));
	total = atoi(argv[2]);
	par = argc > 3 ? atoi(argv[3]) : 64;
	if (par < 1 || par > 1024)
		par = 64;
	t0 = now_ms();
	while (done < total) {
		while (n < par && started < total) {
			int fd = socket(AF_XTCP, SOCK_STREAM | SOCK_NONBLOCK, 0);

			if (fd < 0)
				fail("socket(AF_XTCP)");
			if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
			    errno != EINPROGRESS) {
				fprintf(stderr, "xtcpstat_helper: connection %d: ", started);
				fail("connect");
			}
			pfd[n].fd = fd;
			pfd[n].events = POLLOUT;
			pfd[n].revents = 0;
			n++;
			started++;
		}
		if (poll(pfd, n, 10000) <= 0) {
			errno = errno ?: ETIMEDOUT;
			fail("poll (handshakes stalled)");
		}
		for (i = 0; i < n; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (!pfd[i].revents)
				continue;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				errno = err;
				fail("connect (SO_ERROR)");
			}
			close(pfd[i].fd);	/* we close first: TIME-WAIT here */
			pfd[i] = pfd[--n];
			i--;
			done++;
		}
	}
	printf("churn %d connections in %ld ms\n", total, now_ms() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "listen"))
		rc = do_listen(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "server"))
		rc = do_server(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "connect"))
		rc = do_connect(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "churn"))
		rc = do_churn(argc - 2, argv + 2);
	if (rc != 2)
		return rc;
usage:
	fprintf(stderr, "usage: xtcpstat_helper listen|server|connect|churn ARGS (see the source)\n");
	return 2;
}
