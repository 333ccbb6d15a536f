// SPDX-License-Identifier: GPL-2.0
/*
 * The stream through a bad network (tc netem on both directions): loss of
 * 1, 5 and 20 %, reordering, duplication, corruption, delay with loss.
 * Every transfer is checked byte by byte, and the counters of the repair
 * (retransmissions, fast retransmits, timeouts, out-of-order segments,
 * checksum errors) must have moved.
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

TEST_F_TIMEOUT(net, loss_1_percent, 180)
{
	ASSERT_EQ(0, loss_rto_min(self->a, self->b));
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
	ASSERT_EQ(0, loss_rto_min(self->a, self->b));
	ASSERT_EQ(0, impair(self->a, self->b, "loss 5%"));
	two_way(_metadata, self->a, self->b, 2 << 20, 2 << 20, 170000);
	EXPECT_LT(0, xt_counter(self->a, "RetransSegs"));
	EXPECT_LT(0, xt_counter(self->b, "RetransSegs"));
}

TEST_F_TIMEOUT(net, loss_20_percent, 300)
{
	ASSERT_EQ(0, loss_rto_min(self->a, self->b));
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
	long out, in;

	ASSERT_EQ(0, impair(self->a, self->b, "duplicate 5%"));
	two_way(_metadata, self->a, self->b, 2 << 20, 2 << 20, 170000);
	/* A duplicate is not a loss: no duplicate ACK it causes brings new
	 * SACK information, so no recovery starts (RFC 6675 2). An RTO can
	 * still fire when the emulator stalls the guest past it (seen: 1 and
	 * 3 with five VMs on the 2-core host); it stays rare. */
	EXPECT_EQ(0, xt_counter(self->a, "FastRetrans"));
	EXPECT_EQ(0, xt_counter(self->b, "FastRetrans"));
	if (xt_counter(self->a, "FastRetrans") || xt_counter(self->b, "FastRetrans")) {
		xt_log_counters(self->a);	/* what made a hole: drops, PAWS, ... */
		xt_log_counters(self->b);
	}
	EXPECT_GE(5, xt_counter(self->a, "Timeouts"));
	EXPECT_GE(5, xt_counter(self->b, "Timeouts"));
	/* netem really duplicated: with no loss, each end received more
	 * segments than the other sent (about 5 % more; 1 % at least). */
	out = xt_counter(self->a, "OutSegs") + xt_counter(self->b, "OutSegs");
	in = xt_counter(self->a, "InSegs") + xt_counter(self->b, "InSegs");
	TH_LOG("%ld segments sent, %ld received: %ld duplicates", out, in, in - out);
	EXPECT_LT(out + out / 100, in);
	/* Each duplicated data segment is reported once (a D-SACK, RFC
	 * 2883, below RCV.NXT) and heard; there was no fast recovery to undo
	 * (an RTO of a stall is undone as LossUndo). */
	TH_LOG("DSACKOldSent %ld + %ld, DSACKRecv %ld + %ld",
	       xt_counter(self->a, "DSACKOldSent"), xt_counter(self->b, "DSACKOldSent"),
	       xt_counter(self->a, "DSACKRecv"), xt_counter(self->b, "DSACKRecv"));
	EXPECT_LT(0, xt_counter(self->a, "DSACKOldSent"));
	EXPECT_LT(0, xt_counter(self->b, "DSACKOldSent"));
	EXPECT_LT(0, xt_counter(self->a, "DSACKRecv"));
	EXPECT_LT(0, xt_counter(self->b, "DSACKRecv"));
	EXPECT_EQ(0, xt_counter(self->a, "DSACKUndo") + xt_counter(self->b, "DSACKUndo"));
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

TEST_HARNESS_MAIN
