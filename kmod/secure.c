// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers an off-path attacker must not guess: initial sequence numbers
 * (RFC 6528) and the ephemeral port offset (RFC 6056). Both are a keyed
 * hash of the connection's addresses under a secret drawn at module load.
 */
#include <linux/ktime.h>
#include "xtcp.h"

siphash_key_t xtcp_secret __read_mostly;

/*
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where
 * M ticks every 64 ns (as Linux does), wrapping in about 274 s: faster than
 * RFC 9293's 4 us clock, so a reincarnated connection starts above the
 * sequence space of the old one.
 */
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 f = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			     (__force u32)sport << 16 | (__force u32)dport,
			     &xtcp_secret);

	return f + (u32)(ktime_get_real_ns() >> 6);
}

/* RFC 6056 3.3.4 (algorithm 4): F(local addr, remote addr, remote port). */
u32 xtcp_port_offset(__be32 saddr, __be32 daddr, __be16 dport)
{
	return siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)dport ^ 0x58544350, &xtcp_secret);
}
