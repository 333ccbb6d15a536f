// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies (RFC 4987 3.6): when a listener's SYN queue is full
 * (net.xtcp.syncookies=1, the default) or always (=2), the SYN-ACK's
 * initial sequence number carries everything the listener needs to build
 * the connection from the final ACK, and no state is kept for the SYN.
 *
 * The cookie, before an offset hides it:
 *
 *   31 30 29    27 26    23 22 21                                    0
 *  +-----+--------+--------+--+---------------------------------------+
 *  |  T  | MSS ix | WSCALE |SK|          MAC (22 bits)                |
 *  +-----+--------+--------+--+---------------------------------------+
 *
 *   T       the low 2 bits of a clock that ticks every 32 s;
 *   MSS ix  the peer's MSS, rounded down to an entry of xtcp_cookie_mss;
 *   WSCALE  the peer's window scale shift, 15: the peer offered none;
 *   SK      the peer sent SACK-permitted;
 *   MAC     SipHash under a key drawn once per module load, over the 4-tuple,
 *           the peer's ISN, the full clock value, the 8 option bits and
 *           the namespace.
 *
 * The ISN sent is cookie + F(4-tuple), F another keyed hash, so the clock
 * and option bits are not readable off the wire.
 *
 * The final ACK acknowledges ISN + 1: subtracting F gives the cookie, T
 * names the most recent clock value with those low bits (0 to 3 ticks
 * ago: a cookie lives 96 to 128 s), and the MAC recomputed over that value
 * must match. A forged ACK passes with probability 2^-22.
 *
 * XTCP has no timestamp option in which TCP hides the window scale and
 * SACK bits; they take 5 bits of the sequence number here instead, at the
 * cost of a shorter MAC than a TCP cookie has.
 */
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/siphash.h>
#include <linux/net.h>
#include <net/netns/hash.h>
#include "xtcp.h"

/* The MSS values a cookie can carry: common MTUs minus IP and XTCP headers. */
static const u16 xtcp_cookie_mss[8] = {
	XTCP_MSS_DEFAULT,	/* 536: RFC 9293's default */
	1220,			/* IPv6-sized paths, tunnels */
	1400,			/* VPN / PPPoE-ish paths */
	1440,
	1460,			/* Ethernet */
	4312,
	8960,			/* jumbo frames */
	65495,			/* loopback */
};

#define XTCP_COOKIE_TICK_SHIFT	5	/* a clock tick is 32 s */
#define XTCP_COOKIE_MAX_AGE	3	/* ticks: 96 to 128 s */
#define XTCP_COOKIE_MAC_BITS	22
#define XTCP_COOKIE_MAC_MASK	((1U << XTCP_COOKIE_MAC_BITS) - 1)
#define XTCP_COOKIE_NO_WSCALE	15

static siphash_key_t xtcp_cookie_key __read_mostly;

/* The key is drawn on first use, once per module load (a static branch
 * after that). */
static const siphash_key_t *xtcp_cookie_secret(void)
{
	net_get_random_once(&xtcp_cookie_key, sizeof(xtcp_cookie_key));
	return &xtcp_cookie_key;
}

/*
 * Test-only: seconds added to the cookie clock, so a selftest can age the
 * cookies it holds past XTCP_COOKIE_MAX_AGE without waiting two minutes.
 * Global (a module parameter, root only), 0 to one hour.
 */
static unsigned int xtcp_cookie_skew;

static int xtcp_cookie_skew_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 3600);
}

static const struct kernel_param_ops xtcp_cookie_skew_ops = {
	.set = xtcp_cookie_skew_set,
	.get = param_get_uint,
};
module_param_cb(selftest_cookie_skew, &xtcp_cookie_skew_ops, &xtcp_cookie_skew, 0600);
MODULE_PARM_DESC(selftest_cookie_skew, "test only: seconds added to the SYN cookie clock (0-3600)");

static u32 xtcp_cookie_clock(void)
{
	u64 t = ktime_get_boottime_seconds() + READ_ONCE(xtcp_cookie_skew);

	return (u32)(t >> XTCP_COOKIE_TICK_SHIFT);
}

/* The offset that hides the cookie's plain bits. */
static u32 xtcp_cookie_offset(const struct net *net, __be32 laddr,
			      __be32 raddr, __be16 lport, __be16 rport)
{
	return siphash_4u32((__force u32)laddr, (__force u32)raddr,
			    (__force u32)lport << 16 | (__force u32)rport,
			    net_hash_mix(net), xtcp_cookie_secret());
}

static u32 xtcp_cookie_mac(const struct net *net, __be32 laddr, __be32 raddr,
			   __be16 lport, __be16 rport, u32 irs, u32 clock,
			   u32 optbits)
{
	u64 in[4] = {
		(u64)(__force u32)laddr << 32 | (__force u32)raddr,
		(u64)(__force u32)lport << 48 | (u64)(__force u32)rport << 32 | irs,
		(u64)clock << 32 | optbits,
		/* 0x584b: a tag, so this hash never equals the offset's. */
		(u64)net_hash_mix(net) << 32 | 0x584b,
	};

	return (u32)siphash(in, sizeof(in), xtcp_cookie_secret()) &
	       XTCP_COOKIE_MAC_MASK;
}

static u32 xtcp_cookie_optbits(struct xtcp_cookie_opts *co)
{
	u32 ix = 0, i;

	/* The largest table entry the peer accepts (536 always fits). */
	for (i = 0; i < ARRAY_SIZE(xtcp_cookie_mss); i++)
		if (xtcp_cookie_mss[i] <= co->mss)
			ix = i;
	co->mss = xtcp_cookie_mss[ix];
	return ix << 5 |
	       (co->wscale_ok ? min_t(u32, co->wscale, XTCP_MAX_WSCALE) :
				XTCP_COOKIE_NO_WSCALE) << 1 |
	       co->sack_ok;
}

/*
 * The ISN for a SYN answered with a cookie. @co holds the peer's options;
 * its MSS comes back rounded down to what the cookie carries.
 */
u32 xtcp_syncookie_make(const struct net *net, __be32 laddr, __be32 raddr,
			__be16 lport, __be16 rport, u32 irs,
			struct xtcp_cookie_opts *co)
{
	u32 clock = xtcp_cookie_clock();
	u32 optbits = xtcp_cookie_optbits(co);
	u32 cookie;

	cookie = (clock & 3) << 30 | optbits << XTCP_COOKIE_MAC_BITS |
		 xtcp_cookie_mac(net, laddr, raddr, lport, rport, irs, clock,
				 optbits);
	return cookie + xtcp_cookie_offset(net, laddr, raddr, lport, rport);
}

/*
 * Is @iss (the ACK's acknowledgment number - 1) a cookie we sent for
 * this 4-tuple and the peer ISN @irs (its sequence number - 1) no more than
 * XTCP_COOKIE_MAX_AGE ticks ago? 0 and the options it carries, or
 * -EINVAL.
 */
int xtcp_syncookie_check(const struct net *net, __be32 laddr, __be32 raddr,
			 __be16 lport, __be16 rport, u32 irs, u32 iss,
			 struct xtcp_cookie_opts *co)
{
	u32 cookie = iss - xtcp_cookie_offset(net, laddr, raddr, lport, rport);
	u32 now = xtcp_cookie_clock();
	u32 clock = now - ((now - (cookie >> 30)) & 3);
	u32 optbits = (cookie >> XTCP_COOKIE_MAC_BITS) & 0xff;
	u32 ws = (optbits >> 1) & 0xf;

	BUILD_BUG_ON(XTCP_COOKIE_MAX_AGE != 3);	/* all of T's values */
	if ((cookie & XTCP_COOKIE_MAC_MASK) !=
	    xtcp_cookie_mac(net, laddr, raddr, lport, rport, irs, clock,
			    optbits))
		return -EINVAL;
	if (ws != XTCP_COOKIE_NO_WSCALE && ws > XTCP_MAX_WSCALE)
		return -EINVAL;		/* we never mint this */
	co->mss = xtcp_cookie_mss[optbits >> 5];
	co->wscale_ok = ws != XTCP_COOKIE_NO_WSCALE;
	co->wscale = co->wscale_ok ? ws : 0;
	co->sack_ok = optbits & 1;
	return 0;
}
