// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpcat: netcat for XTCP.
 *
 *   xtcpcat -l [-s ADDR] PORT     listen, accept one connection, copy it to
 *                                 stdout and stdin to it (-k: keep accepting,
 *                                 -e: echo what arrives back to the sender)
 *   xtcpcat HOST PORT             connect, copy stdin to the connection
 *                                 (then shut down writing) and the
 *                                 connection to stdout until EOF
 * Options: -q quiet, -w SECONDS connect timeout, -p PORT local port,
 *          -r SO_REUSEADDR, -L close with RST (SO_LINGER {1,0}),
 *          -H half-close only: do not read after stdin ends.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/xtcp.h>

static int quiet, keep, echo_back, reuse, linger0;
static int local_port;
static const char *local_addr;

static void note(const char *fmt, const char *a, int port)
{
	if (!quiet) {
		fprintf(stderr, fmt, a, port);
		fputc('\n', stderr);
	}
}

static int xsocket(void)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);

	if (fd < 0) {
		if (errno == EAFNOSUPPORT)
			fprintf(stderr, "xtcpcat: AF_XTCP not available (is xtcp.ko loaded?)\n");
		else
			perror("xtcpcat: socket");
		exit(2);
	}
	if (reuse) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	return fd;
}

static int parse_addr(const char *host, int port, struct sockaddr_in *sin)
{
	struct addrinfo hints = { .ai_family = AF_INET }, *res;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (!host || !*host)
		return 0;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1)
		return 0;
	if (getaddrinfo(host, NULL, &hints, &res))
		return -1;
	sin->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

/*
 * Copy both ways until both are done: the peer's EOF, and ours (stdin at
 * EOF, then shutdown(SHUT_WR)). An echoing server has no stdin.
 */
static int pump(int fd, int in)
{
	char buf[65536];
	int in_open = in >= 0, peer_open = 1;
	struct pollfd p[2];

	while (peer_open || in_open) {
		int n = 0;

		if (peer_open) {
			p[n].fd = fd;
			p[n].events = POLLIN;
			n++;
		}
		if (in_open) {
			p[n].fd = in;
			p[n].events = POLLIN;
			n++;
		}
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (peer_open && p[0].revents) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r < 0) {
				fprintf(stderr, "xtcpcat: read: %s\n", strerror(errno));
				return -1;
			}
			if (r == 0) {
				peer_open = 0;
				if (echo_back)
					return 0;
				continue;
			}
			if (write_all(echo_back ? fd : 1, buf, r)) {
				fprintf(stderr, "xtcpcat: write: %s\n", strerror(errno));
				return -1;
			}
		}
		if (in_open && p[n - 1].revents) {
			ssize_t r = read(in, buf, sizeof(buf));

			if (r <= 0) {
				in_open = 0;
				shutdown(fd, SHUT_WR);
				continue;
			}
			if (write_all(fd, buf, r)) {
				fprintf(stderr, "xtcpcat: write: %s\n", strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

static void finish(int fd)
{
	if (linger0) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(fd);
}

static int do_listen(int port)
{
	struct sockaddr_in sin, peer;
	socklen_t len = sizeof(peer);
	int lfd = xsocket(), fd, rc = 0;
	char a[INET_ADDRSTRLEN];

	if (parse_addr(local_addr, port, &sin)) {
		fprintf(stderr, "xtcpcat: bad address %s\n", local_addr);
		return 2;
	}
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 128)) {
		perror("xtcpcat: bind/listen");
		return 1;
	}
	note("listening on %s:%d", local_addr ? local_addr : "0.0.0.0", port);
	do {
		fd = accept(lfd, (struct sockaddr *)&peer, &len);
		if (fd < 0) {
			perror("xtcpcat: accept");
			return 1;
		}
		inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
		note("connection from %s:%d", a, ntohs(peer.sin_port));
		rc = pump(fd, echo_back || keep ? -1 : 0) ? 1 : 0;
		finish(fd);
	} while (keep);
	close(lfd);
	return rc;
}

static int do_connect(const char *host, int port, int timeout)
{
	struct sockaddr_in sin;
	int fd = xsocket(), rc;

	if (parse_addr(host, port, &sin)) {
		fprintf(stderr, "xtcpcat: cannot resolve %s\n", host);
		return 2;
	}
	if (local_port || local_addr) {
		struct sockaddr_in me;

		parse_addr(local_addr, local_port, &me);
		if (bind(fd, (struct sockaddr *)&me, sizeof(me))) {
			perror("xtcpcat: bind");
			return 1;
		}
	}
	if (timeout) {
		struct timeval tv = { .tv_sec = timeout };

		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		fprintf(stderr, "xtcpcat: connect to %s:%d: %s\n", host, port,
			strerror(errno));
		return 1;
	}
	note("connected to %s:%d", host, port);
	rc = pump(fd, 0) ? 1 : 0;
	finish(fd);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xtcpcat [-qrLk] [-w SECONDS] [-p LPORT] [-s LADDR] HOST PORT\n"
		"       xtcpcat -l [-qrkeL] [-s LADDR] PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int opt, listen_mode = 0, timeout = 0;

	while ((opt = getopt(argc, argv, "lkeqrLw:p:s:h")) != -1) {
		switch (opt) {
		case 'l': listen_mode = 1; break;
		case 'k': keep = 1; break;
		case 'e': echo_back = 1; break;
		case 'q': quiet = 1; break;
		case 'r': reuse = 1; break;
		case 'L': linger0 = 1; break;
		case 'w': timeout = atoi(optarg); break;
		case 'p': local_port = atoi(optarg); break;
		case 's': local_addr = optarg; break;
		default: usage();
		}
	}
	if (listen_mode) {
		if (optind + 1 != argc)
			usage();
		return do_listen(atoi(argv[optind]));
	}
	if (optind + 2 != argc)
		usage();
	return do_connect(argv[optind], atoi(argv[optind + 1]), timeout);
}
