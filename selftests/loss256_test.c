// SPDX-License-Identifier: GPL-2.0
/*
 * The stream issue's bar: 256 MB across a link that loses 5 % of the
 * segments in each direction arrives byte-exact, with an RTO floor of
 * 50 ms; the repair counters must agree with the loss (below).
 * Scale: 256 MB on the stock kernel; 64 MB on the debug kernel (make
 * check-debug, XTCP_DEBUG_KERNEL=1), ~3x slower per byte under KASAN.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

TEST_F_TIMEOUT(net, transfer_256mb_through_5_percent_loss, 290)
{
	long retrans, out, fast, rtos, tlp;

	ASSERT_EQ(0, loss_rto_min(self->a, self->b));
	ASSERT_EQ(0, impair(self->a, self->b, "loss 5%"));
	two_way(_metadata, self->a, self->b,
		(xt_debug_kernel() ? 64ULL : 256ULL) << 20, 0, 280000);
	retrans = xt_counter(self->a, "RetransSegs");
	out = xt_counter(self->a, "OutSegs");
	fast = xt_counter(self->a, "FastRetrans");
	rtos = xt_counter(self->a, "Timeouts");
	tlp = xt_counter(self->a, "TailLossProbes");
	TH_LOG("%ld segments sent, %ld retransmitted, %ld fast retransmits, %ld RTOs, %ld tail loss probes",
	       out, retrans, fast, rtos, tlp);
	/* 5 % of the data is lost: it is resent (2 % at least), with no
	 * storm (a quarter at most); fast retransmit repairs losses, and
	 * each fast retransmit and each RTO resends at least one segment.
	 * (A tail loss probe may send new data: no bound from it.) */
	EXPECT_LT(out / 50, retrans);
	EXPECT_GT(out / 4, retrans);
	EXPECT_LT(0, fast);
	EXPECT_GE(retrans, fast);
	EXPECT_GE(retrans, rtos);
}

TEST_HARNESS_MAIN
