// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_XTCP socket family as applications see it: which socket() calls
 * succeed, which fail and with what errno, and that open sockets pin the
 * module (rmmod is refused while one is open; the refcount drops on close).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/xtcp.h>

#include "kselftest_harness.h"

/* The module's reference count, or -1 when the module is not loaded. */
static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/xtcp/refcnt", "r");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* Wait (up to 2 s) for the refcount to reach want: socket freeing may lag. */
static long wait_refcnt(long want)
{
	long n = module_refcnt();

	for (int i = 0; i < 200 && n != want; i++) {
		usleep(10000);
		n = module_refcnt();
	}
	return n;
}

static int module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/xtcp", &st) == 0;
}

TEST(stream_socket_is_created)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);

	ASSERT_LE(0, fd) TH_LOG("socket(AF_XTCP, SOCK_STREAM, 0): %s", strerror(errno));
	EXPECT_EQ(0, close(fd));
}

TEST(dgram_socket_is_refused)
{
	int fd = socket(AF_XTCP, SOCK_DGRAM, 0);

	if (fd >= 0)
		close(fd);
	ASSERT_EQ(-1, fd);
	EXPECT_EQ(ESOCKTNOSUPPORT, errno) TH_LOG("errno %d (%s)", errno, strerror(errno));
}

TEST(seqpacket_socket_is_refused)
{
	int fd = socket(AF_XTCP, SOCK_SEQPACKET, 0);

	if (fd >= 0)
		close(fd);
	ASSERT_EQ(-1, fd);
	EXPECT_EQ(ESOCKTNOSUPPORT, errno) TH_LOG("errno %d (%s)", errno, strerror(errno));
}

TEST(udp_protocol_is_refused)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, IPPROTO_UDP);

	if (fd >= 0)
		close(fd);
	ASSERT_EQ(-1, fd);
	EXPECT_EQ(EPROTONOSUPPORT, errno) TH_LOG("errno %d (%s)", errno, strerror(errno));
}

/*
 * Open sockets hold module references and closing them gives them back.
 * With nothing else open the count is 0; earlier tests may leave sockets
 * behind for a while (TIME-WAIT and such), so the count before is the base.
 */
TEST(module_refcount_follows_sockets)
{
	long base;
	int fd[3];

	if (!module_loaded())
		SKIP(return, "xtcp is not loaded (XTCP_NOLOAD=1?)");
	base = wait_refcnt(0);
	ASSERT_LE(0, base);
	if (base)
		TH_LOG("refcnt is %ld before the test: earlier sockets still hold the module", base);
	for (int i = 0; i < 3; i++) {
		fd[i] = socket(AF_XTCP, SOCK_STREAM, 0);
		ASSERT_LE(0, fd[i]) TH_LOG("socket: %s", strerror(errno));
	}
	/* Two references per socket, exactly, as for any Linux protocol
	 * module: __sock_create() keeps one on the proto_ops' owner, and
	 * sk_alloc() takes one on the struct proto's owner. */
	EXPECT_EQ(base + 2 * 3, module_refcnt()) TH_LOG("refcnt with 3 sockets open");
	for (int i = 0; i < 3; i++)
		close(fd[i]);
	EXPECT_EQ(base, wait_refcnt(base)) TH_LOG("refcnt after closing them");
}

TEST(rmmod_is_refused_while_a_socket_is_open)
{
	const char *ko = getenv("XTCP_KO");
	long base;
	int fd, rc;

	if (!module_loaded())
		SKIP(return, "xtcp is not loaded (XTCP_NOLOAD=1?)");
	base = wait_refcnt(0);
	fd = socket(AF_XTCP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_LT(0, module_refcnt());

	rc = system("rmmod xtcp 2>/dev/null");
	if (!module_loaded()) {
		/* A bug: put the module back so the later tests have it. */
		TH_LOG("rmmod unloaded xtcp with a socket open");
		if (ko) {
			char cmd[512];

			snprintf(cmd, sizeof(cmd), "insmod '%s'", ko);
			if (system(cmd))
				TH_LOG("reloading %s failed", ko);
		}
	}
	EXPECT_NE(0, rc) TH_LOG("rmmod xtcp succeeded with a socket open");
	EXPECT_TRUE(module_loaded());

	close(fd);
	EXPECT_EQ(base, wait_refcnt(base)) TH_LOG("refcnt after close");
}

TEST_HARNESS_MAIN
