// SPDX-License-Identifier: GPL-2.0
/*
 * pin_keys: hold the core stack's receive-path static keys on while the
 * suite runs, so that no test flips them.
 *
 * Why: flipping a static key rewrites kernel text live (text_poke_bp: an
 * int3 first, then the new bytes, with IPIs between). Under QEMU TCG the
 * other vCPU can still execute the int3 after the patch completed, and the
 * kernel dies with "Oops: int3" in whatever function holds the site (one
 * CI run died so in netif_rx_internal, on netstamp_needed_key, when
 * badinput_test's SIOCGSTAMP socket closed and the key was switched off
 * from a workqueue). Real hardware does not do this; the suite need not
 * depend on it. A key held at one by this process only counts up and down
 * beneath it and is never patched.
 *
 *   netstamp_needed_key  a socket with SO_TIMESTAMP (what SIOCGSTAMP and
 *                        SO_TIMESTAMP* sockets take and give back)
 *   rps_needed           done by the caller: an RPS map on a dummy device
 *                        (cc_test's RPS on veth then only counts)
 *
 * Prints "pinned" once the socket holds its reference, then sleeps until
 * killed.
 */
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

int main(void)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one))) {
		perror("pin_keys: SO_TIMESTAMP");
		return 1;
	}
	printf("pinned\n");
	fflush(stdout);
	for (;;)
		pause();
}
