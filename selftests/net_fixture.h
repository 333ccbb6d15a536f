/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two-host fixture of the stream tests (include after
 * kselftest_harness.h): host A 10.0.0.1 and host B 10.0.0.2 in fresh
 * network namespaces, netem on both directions, and a checked two-way
 * transfer.
 */
#ifndef XTCP_NET_FIXTURE_H
#define XTCP_NET_FIXTURE_H

#include "harness_scale.h"	/* longer harness time limits on the debug kernel */

FIXTURE(net)
{
	char a[32], b[32];
};

FIXTURE_SETUP(net)
{
	xt_ns_names(self->a, self->b, sizeof(self->a));
	ASSERT_EQ(0, xt_ns_pair_create(self->a, self->b));
	/* Connections end within a test: nothing should wait a minute. */
	ASSERT_EQ(0, xt_sysctl(self->a, "fin_timeout_ms", "3000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "fin_timeout_ms", "3000"));
	ASSERT_EQ(0, xt_sysctl(self->a, "tw_timeout_ms", "3000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_timeout_ms", "3000"));
}

FIXTURE_TEARDOWN(net)
{
	xt_ns_pair_destroy(self->a, self->b);
}

/*
 * The loss tests: an RTO floor of 50 ms, not 200 (both ends). Their RTOs
 * are real losses, and the veth RTT is far below 50 ms even under TCG;
 * the recovery paths are the same, the waiting a quarter.
 */
#define XT_LOSS_RTO_MIN_MS "50"
static inline int loss_rto_min(const char *a, const char *b)
{
	return xt_sysctl(a, "rto_min_ms", XT_LOSS_RTO_MIN_MS) ||
	       xt_sysctl(b, "rto_min_ms", XT_LOSS_RTO_MIN_MS);
}

/* netem on both directions of the link */
static inline int impair(const char *a, const char *b, const char *args)
{
	return xt_netem(a, "va", args) || xt_netem(b, "vb", args);
}

static inline void two_way(struct __test_metadata *_metadata, const char *a,
		    const char *b, uint64_t n1, uint64_t n2, long timeout_ms)
{
	struct xf_result r;
	char why[600] = "";
	int rc = xf_pair(a, b, 5000, n1, n2, timeout_ms, &r, why, sizeof(why));

	ASSERT_EQ(0, rc) TH_LOG("%s", why);
	EXPECT_EQ(n1, r.sent);
	EXPECT_EQ(n2, r.received);
	TH_LOG("%llu + %llu bytes byte-exact in %ld ms (%.1f Mbit/s), fnv %016llx/%016llx",
	       (unsigned long long)n1, (unsigned long long)n2, r.ms,
	       r.ms ? (n1 + n2) * 8.0 / r.ms / 1000 : 0.0,
	       (unsigned long long)r.hash_sent,
	       (unsigned long long)r.hash_received);
}

#endif
