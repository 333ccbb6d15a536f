// SPDX-License-Identifier: GPL-2.0
/*
 * The stream issue's bar: 256 MB across a link that loses 5 % of the
 * segments in each direction arrives byte-exact.
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
	long retrans;

	ASSERT_EQ(0, impair(self->a, self->b, "loss 5%"));
	two_way(_metadata, self->a, self->b,
		(xt_debug_kernel() ? 64ULL : 256ULL) << 20, 0, 280000);
	retrans = xt_counter(self->a, "RetransSegs");
	TH_LOG("%ld segments retransmitted, %ld fast retransmits, %ld RTOs, %ld tail loss probes",
	       retrans, xt_counter(self->a, "FastRetrans"),
	       xt_counter(self->a, "Timeouts"),
	       xt_counter(self->a, "TailLossProbes"));
	EXPECT_LT(0, retrans);
}

TEST_HARNESS_MAIN
