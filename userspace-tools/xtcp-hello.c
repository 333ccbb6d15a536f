// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-hello: the smallest AF_XTCP program. Creates an XTCP socket, says
 * which fd and network namespace it got, and, given an address and a port,
 * tries to connect and reports exactly what the kernel answered.
 *
 *   xtcp-hello [ADDR PORT]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/xtcp.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char ns[64] = "?";
	ssize_t n;
	int fd, err;

	n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	if (n > 0)
		ns[n] = '\0';

	fd = socket(AF_XTCP, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "xtcp-hello: socket(AF_XTCP=%d, SOCK_STREAM, 0): %s%s\n",
			AF_XTCP, strerror(errno),
			errno == EAFNOSUPPORT ? " (is xtcp.ko loaded?)" : "");
		return 1;
	}
	printf("xtcp-hello: socket(AF_XTCP=%d, SOCK_STREAM, 0) = fd %d in %s\n",
	       AF_XTCP, fd, ns);
	if (argc < 3) {
		close(fd);
		return 0;
	}

	sin.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "xtcp-hello: bad IPv4 address %s\n", argv[1]);
		return 2;
	}
	/* Non-blocking, so that a peer that never answers costs 3 s at most. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	err = 0;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		err = errno;
		if (err == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			socklen_t len = sizeof(err);

			if (poll(&p, 1, 3000) == 0)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
		}
	}
	if (err)
		printf("xtcp-hello: connect(%s:%s) failed: %s (errno %d)\n",
		       argv[1], argv[2], strerror(err), err);
	else
		printf("xtcp-hello: connect(%s:%s) succeeded\n", argv[1], argv[2]);
	close(fd);
	return err ? 3 : 0;
}
