// SPDX-License-Identifier: GPL-2.0
/*
 * CUBIC (RFC 9438), the default as in Linux. After a loss the window is
 * cut to beta = 0.7 of the flight and then follows, in time since the
 * start of congestion avoidance, the cubic curve
 *
 *	W_cubic(t) = C * (t - K)^3 + W_max,	K = cbrt((W_max - cwnd_epoch) / C)
 *
 * with C = 0.4: concave up to the old maximum W_max (reached at t = K),
 * a plateau there, then convex as it probes beyond. On short round trips
 * the curve grows slower than Reno would, so the window never falls below
 * W_est, an estimate of what Reno-with-beta-0.7 would have (the
 * "Reno-friendly region", RFC 9438 4.3): W_est grows by alpha = 3(1 - beta)
 * / (1 + beta) segments per window acknowledged, and by 1 once it passes
 * cwnd_prior, the window before the last reduction.
 *
 * Arithmetic is integer: windows inside the curve in 1/1024 of a segment
 * (CUBIC_SHIFT), times in ms. Slow start is the common one (cc.c); there
 * is no HyStart yet.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include "xtcp.h"

#define CUBIC_SHIFT	10
#define CUBIC_ONE	(1U << CUBIC_SHIFT)
#define CUBIC_BETA	717	/* 0.7 * 1024 */
#define CUBIC_FC	870	/* (1 + beta) / 2 = 0.85: fast convergence */
#define CUBIC_ALPHA	542	/* 3 * (1 - 0.7) / (1 + 0.7) = 0.529 */
#define CUBIC_MAX_DT_MS	65536	/* |t - K| bound: keeps dt^3 * 4 far inside a u64 */

/* The algorithm's own state, in xtcp_sock.cc_priv. */
struct xtcp_cubic {
	u32	w_max;		/* 1/1024 segments: the window at the last loss */
	u32	cwnd_prior;	/* segments: cwnd before the last reduction */
	u32	origin;		/* 1/1024 segments: the plateau of this epoch */
	u32	k_ms;		/* time from the epoch start to the plateau */
	u32	epoch_ms;	/* when congestion avoidance started */
	u32	w_est;		/* segments: the Reno-friendly estimate */
	u32	est_acc;	/* acks * alpha not yet turned into w_est */
	u32	cub_acc;	/* 1/1024-segment acks not yet turned into cwnd */
	u8	in_epoch;
};

static struct xtcp_cubic *xtcp_cubic_ca(struct sock *sk)
{
	BUILD_BUG_ON(sizeof(struct xtcp_cubic) >
		     sizeof(((struct xtcp_sock *)0)->cc_priv));
	return (struct xtcp_cubic *)xtcp_sk(sk)->cc_priv;
}

static u32 xtcp_cubic_now_ms(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/* floor(cbrt(x)), digit by digit (three bits of x per bit of the root). */
static u32 xtcp_cbrt(u64 x)
{
	u64 y = 0, b;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (u32)y;
}

/*
 * K in ms for a window @below segments/1024 under the plateau:
 * K^3 = below / C s^3 = below / 1024 * 2.5e9 ms^3.
 */
static u32 xtcp_cubic_k_ms(u32 below)
{
	return xtcp_cbrt((u64)below * 2441406ULL);
}

/* W_cubic(t) in 1/1024 segments, t in ms since the epoch started. */
static u64 xtcp_cubic_w(const struct xtcp_cubic *ca, u32 t)
{
	u64 dt = t > ca->k_ms ? t - ca->k_ms : ca->k_ms - t;
	u64 delta;

	dt = min_t(u64, dt, CUBIC_MAX_DT_MS);
	/* C * dt^3 with dt in ms: 0.4 * dt^3 / 1e9 segments, * 1024,
	 * which is dt^3 * 4 / 5^10. */
	delta = div_u64(dt * dt * dt * 4, 9765625);
	if (t >= ca->k_ms)
		return ca->origin + delta;
	return delta < ca->origin ? ca->origin - delta : 0;
}

static void xtcp_cubic_init(struct sock *sk)
{
	memset(xtcp_cubic_ca(sk), 0, sizeof(struct xtcp_cubic));
}

/*
 * RFC 9438 4.6 and 4.7: remember the window at the loss (lowered by fast
 * convergence when it did not reach the previous maximum, to leave room
 * to new flows), end the epoch, and cut to beta times the flight.
 */
static u32 xtcp_cubic_ssthresh(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_cubic *ca = xtcp_cubic_ca(sk);
	u32 flight = min(xs->snd_cwnd, xs->packets_out - xs->sacked_out);
	u64 cwnd = (u64)xs->snd_cwnd << CUBIC_SHIFT;

	if (cwnd < ca->w_max)
		cwnd = (cwnd * CUBIC_FC) >> CUBIC_SHIFT;
	ca->w_max = min_t(u64, cwnd, U32_MAX);
	ca->cwnd_prior = xs->snd_cwnd;
	ca->in_epoch = 0;
	return max_t(u32, ((u64)flight * CUBIC_BETA) >> CUBIC_SHIFT, 2U);
}

/* The first ACK of congestion avoidance starts the curve from this cwnd. */
static void xtcp_cubic_epoch_start(struct xtcp_sock *xs, struct xtcp_cubic *ca)
{
	u32 cwnd = min_t(u32, xs->snd_cwnd, U32_MAX >> CUBIC_SHIFT);

	ca->in_epoch = 1;
	ca->epoch_ms = xtcp_cubic_now_ms();
	ca->cub_acc = 0;
	ca->est_acc = 0;
	ca->w_est = xs->snd_cwnd;
	if (ca->w_max > (cwnd << CUBIC_SHIFT)) {
		ca->origin = ca->w_max;
		ca->k_ms = xtcp_cubic_k_ms(ca->w_max - (cwnd << CUBIC_SHIFT));
	} else {
		/* Already at or past the old maximum: probe from here. */
		ca->origin = cwnd << CUBIC_SHIFT;
		ca->k_ms = 0;
	}
}

/*
 * RFC 9438 4.3: W_est += alpha * acked / cwnd; alpha becomes 1 once W_est
 * has reached the window before the reduction.
 */
static void xtcp_cubic_reno_friendly(struct xtcp_sock *xs,
				     struct xtcp_cubic *ca, u32 acked)
{
	u32 alpha = ca->w_est >= ca->cwnd_prior ? CUBIC_ONE : CUBIC_ALPHA;
	u64 per_seg = (u64)xs->snd_cwnd << CUBIC_SHIFT;
	u64 acc = ca->est_acc + (u64)acked * alpha;
	u64 inc = div64_u64(acc, per_seg);

	ca->w_est += (u32)inc;
	ca->est_acc = (u32)(acc - inc * per_seg);
}

/*
 * RFC 9438 4.4 and 4.5: aim at W_cubic(t + RTT), at most 1.5 cwnd and
 * never below cwnd, and close (target - cwnd) / cwnd per acked segment.
 */
static void xtcp_cubic_grow(struct xtcp_sock *xs, struct xtcp_cubic *ca,
			    u32 t, u32 acked)
{
	u64 cwnd = (u64)xs->snd_cwnd << CUBIC_SHIFT;
	u64 target = xtcp_cubic_w(ca, t + (xs->srtt_us >> 3) / 1000);
	u64 acc, inc;

	if (target <= cwnd)
		return;
	target = min(target, cwnd + cwnd / 2);
	acc = ca->cub_acc + (u64)acked * (target - cwnd);
	inc = div64_u64(acc, cwnd);
	xs->snd_cwnd += (u32)inc;
	ca->cub_acc = (u32)(acc - inc * cwnd);
}

static void xtcp_cubic_cong_avoid(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_cubic *ca = xtcp_cubic_ca(sk);
	u32 t;

	if (xtcp_cc_app_limited(xs, acked))
		return;
	if (xs->snd_cwnd < xs->snd_ssthresh) {
		xtcp_cc_slow_start(xs, acked);
		return;
	}
	if (!ca->in_epoch)
		xtcp_cubic_epoch_start(xs, ca);
	t = min_t(u32, xtcp_cubic_now_ms() - ca->epoch_ms, U32_MAX / 2);
	xtcp_cubic_reno_friendly(xs, ca, acked);
	if (xtcp_cubic_w(ca, t) < ((u64)ca->w_est << CUBIC_SHIFT)) {
		/* Reno-friendly region: Reno would be ahead of the curve. */
		xs->snd_cwnd = max(xs->snd_cwnd, ca->w_est);
		return;
	}
	xtcp_cubic_grow(xs, ca, t, acked);
}

const struct xtcp_cc_ops xtcp_cubic = {
	.name		= "cubic",
	.init		= xtcp_cubic_init,
	.ssthresh	= xtcp_cubic_ssthresh,
	.cong_avoid	= xtcp_cubic_cong_avoid,
};
