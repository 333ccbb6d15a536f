// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control: CUBIC (RFC 9438, the default) and NewReno ("reno"),
 * chosen per socket with TCP_CONGESTION and per namespace with
 * net.xtcp.congestion_control, and each one's window on a scripted loss.
 *
 * The loss: an iptables rule in host A drops exactly one data segment of
 * the connection (the statistic match's nth mode, one packet out of a
 * million; A's veth takes one segment per skb, gso_max_segs 1, so a packet
 * is a segment), and netem delays both directions. A sender thread keeps the
 * window full, a reader thread drains host B, and the test samples
 * XTCP_INFO every few ms. The assertions are about shapes, with wide
 * tolerances, and about acknowledgements rather than time where the RFC
 * speaks per ACK, so a slow and noisy emulated host does not move them:
 *   - NewReno: ssthresh is half the window at the loss, then the window
 *     grows by one segment per window of segments acknowledged;
 *   - CUBIC: ssthresh is 0.7 of the window; on a long path the window then
 *     climbs the cubic curve in time, concave up to the old maximum (a
 *     plateau near t = K), convex beyond; on a short path, where Reno
 *     would be ahead of the curve, it grows as W_est does: alpha = 0.53
 *     segment per window acknowledged, then 1 once past the old window.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <linux/tcp.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define CC_PORT		6000
#define NO_SSTHRESH	0x7fffffffU
#define MAX_SAMPLES	16384

static int cc_get(int fd, int level, char *name)
{
	socklen_t len = 16;

	memset(name, 0, 16);
	return getsockopt(fd, level, TCP_CONGESTION, name, &len) ? -errno : (int)len;
}

/* 0 or the errno of setsockopt(TCP_CONGESTION, name, len). */
static int cc_set_len(int fd, const char *name, socklen_t len)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, len) ? errno : 0;
}

static int cc_set(int fd, const char *name)
{
	return cc_set_len(fd, name, strlen(name));
}

/* The namespace's net.xtcp.congestion_control, newline stripped. */
static void cc_sysctl_read(const char *ns, char *out, size_t n)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "/usr/sbin/ip netns exec %s cat /proc/sys/net/xtcp/congestion_control", ns);
	out[0] = 0;
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(out, n, p))
		out[0] = 0;
	pclose(p);
	out[strcspn(out, "\n")] = 0;
}

static int cc_info(int fd, struct xtcp_info *x)
{
	socklen_t len = sizeof(*x);

	memset(x, 0, sizeof(*x));
	return getsockopt(fd, SOL_XTCP, XTCP_INFO, x, &len);
}

/* ---- selection ----------------------------------------------------------- */

TEST_F_TIMEOUT(net, default_cubic_and_per_socket_choice, 120)
{
	struct xtcp_info x;
	char name[16], sys[32];
	int fd = xt_xsock(self->a);

	ASSERT_LE(0, fd);
	cc_sysctl_read(self->a, sys, sizeof(sys));
	EXPECT_STREQ("cubic", sys);
	/* getsockopt copies min(len, 16) bytes, as TCP. */
	EXPECT_EQ(16, cc_get(fd, IPPROTO_TCP, name));
	EXPECT_STREQ("cubic", name);
	EXPECT_EQ(16, cc_get(fd, SOL_XTCP, name));
	EXPECT_STREQ("cubic", name);
	ASSERT_EQ(0, cc_info(fd, &x));
	EXPECT_EQ(XTCP_INFO_VERSION, x.xtcpi_version);
	EXPECT_LE(2, XTCP_INFO_VERSION);	/* only ever grows */
	EXPECT_STREQ("cubic", x.xtcpi_ca_name);

	EXPECT_EQ(0, cc_set(fd, "reno"));
	cc_get(fd, IPPROTO_TCP, name);
	EXPECT_STREQ("reno", name);
	ASSERT_EQ(0, cc_info(fd, &x));
	EXPECT_STREQ("reno", x.xtcpi_ca_name);
	/* The window is not reset by a switch. */
	EXPECT_EQ(10, x.xtcpi_snd_cwnd);

	/* Bad names: the errno Linux gives, and nothing changes. */
	EXPECT_EQ(ENOENT, cc_set(fd, "nosuchcc"));
	EXPECT_EQ(ENOENT, cc_set(fd, "Cubic"));
	EXPECT_EQ(ENOENT, cc_set_len(fd, "", 1));
	EXPECT_EQ(EINVAL, cc_set_len(fd, "cubic", 0));
	/* Cut at 15 bytes, as TCP: "cubicxxxxxxxxxx" is no name. */
	EXPECT_EQ(ENOENT, cc_set(fd, "cubicxxxxxxxxxxxxxxxx"));
	/* The length bounds the name: "cub" is not "cubic". */
	EXPECT_EQ(ENOENT, cc_set_len(fd, "cubic", 3));
	EXPECT_EQ(EFAULT, cc_set_len(fd, NULL, 5));
	cc_get(fd, IPPROTO_TCP, name);
	EXPECT_STREQ("reno", name);

	/* SOL_XTCP mirrors the option; a NUL inside the length ends it. */
	EXPECT_EQ(0, setsockopt(fd, SOL_XTCP, XTCP_CONGESTION, "cubic", 6));
	cc_get(fd, SOL_XTCP, name);
	EXPECT_STREQ("cubic", name);
	close(fd);
}

TEST_F_TIMEOUT(net, per_namespace_default_and_inheritance, 180)
{
	char name[16], sys[32], cmd[1024], exe[512];
	int lfd, cli, srv, old, fd;
	ssize_t n;

	old = xt_xsock(self->a);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, xt_sysctl_errno(self->a, "congestion_control", "reno"));
	cc_sysctl_read(self->a, sys, sizeof(sys));
	EXPECT_STREQ("reno", sys);
	/* Unknown names: ENOENT, as net.ipv4.tcp_congestion_control; the
	 * value stays. */
	EXPECT_EQ(ENOENT, xt_sysctl_errno(self->a, "congestion_control", "bogus"));
	EXPECT_EQ(ENOENT, xt_sysctl_errno(self->a, "congestion_control", "\n"));
	EXPECT_EQ(ENOENT, xt_sysctl_errno(self->a, "congestion_control", "renoo"));
	cc_sysctl_read(self->a, sys, sizeof(sys));
	EXPECT_STREQ("reno", sys);
	/* The other namespace is untouched. */
	cc_sysctl_read(self->b, sys, sizeof(sys));
	EXPECT_STREQ("cubic", sys);

	/* A socket takes the default when it is created. */
	fd = xt_xsock(self->a);
	ASSERT_LE(0, fd);
	cc_get(fd, IPPROTO_TCP, name);
	EXPECT_STREQ("reno", name);
	cc_get(old, IPPROTO_TCP, name);
	EXPECT_STREQ("cubic", name);
	close(fd);
	close(old);

	/* Children run their listener's algorithm, not the namespace's. */
	lfd = xt_xsock(self->b);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, cc_set(lfd, "reno"));
	ASSERT_EQ(0, xt_bind(lfd, IP_B, CC_PORT));
	ASSERT_EQ(0, listen(lfd, 4));
	ASSERT_EQ(0, xt_sysctl_errno(self->a, "congestion_control", "cubic"));
	cli = xt_connect(self->a, IP_B, CC_PORT);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	cc_get(srv, IPPROTO_TCP, name);
	EXPECT_STREQ("reno", name);
	cc_get(cli, IPPROTO_TCP, name);
	EXPECT_STREQ("cubic", name);

	/* sock_diag carries the name (XTCP_DIAG_CONG), as ss shows it. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(cmd, sizeof(cmd),
		 "/usr/sbin/ip netns exec %s %s/../tools/xtcpstat -i | grep -q ' reno wscale:'",
		 self->b, exe);
	EXPECT_EQ(0, xt_run("%s", cmd));
	snprintf(cmd, sizeof(cmd),
		 "/usr/sbin/ip netns exec %s %s/../tools/xtcpstat -i | grep -q ' cubic wscale:'",
		 self->a, exe);
	EXPECT_EQ(0, xt_run("%s", cmd));
	/* Switching a live connection keeps its window. */
	EXPECT_EQ(0, cc_set(cli, "reno"));
	cc_get(cli, SOL_XTCP, name);
	EXPECT_STREQ("reno", name);
	close(cli);
	close(srv);
	close(lfd);
}

/* ---- a scripted loss ------------------------------------------------------ */

struct cc_sample {
	long	ms;
	uint32_t cwnd, ssthresh, ca_state, rtt_us, total_retrans;
	uint64_t acked_segs;
};

struct cc_run {
	int cli, srv;
	volatile int stop;
	struct cc_sample *s;
	int n;
	int loss;	/* first sample with ssthresh set */
	int open;	/* first sample back in Open after it */
	int end;	/* one past the last sample of the same epoch */
};

static void *cc_sender(void *arg)
{
	struct cc_run *r = arg;
	static char buf[16384];

	while (!r->stop)
		if (send(r->cli, buf, sizeof(buf), MSG_NOSIGNAL) < 0 && errno != EINTR)
			break;
	return NULL;
}

static void *cc_reader(void *arg)
{
	struct cc_run *r = arg;
	static char buf[65536];

	while (read(r->srv, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

/*
 * Connect A -> B with algorithm @cc, netem @delay each way, drop data
 * segments @drops[0..@ndrops) of A's (counted from 0), and sample until
 * @after_ms past the return to Open from the last of these losses.
 */
static void cc_loss_run_once(struct __test_metadata *_metadata, const char *a,
			     const char *b, const char *cc, const char *delay,
			     const int *drops, int ndrops, long after_ms,
			     int port, struct cc_run *r)
{
	/* The receiver's window far above what the test reaches; the
	 * sender's buffer big enough for the windows measured, and small
	 * enough that the writer sleeps in sendmsg() (releasing the socket
	 * lock) rather than starving the sampler. */
	int big = 16 << 20, sndbuf = 1 << 20, lfd, i, losses = 0;
	pthread_t ts, tr;
	struct sockaddr_in sin = xt_sin(IP_B, port);
	struct xtcp_info x;
	long t0, deadline;
	char name[16];

	memset(r, 0, sizeof(*r));
	r->s = calloc(MAX_SAMPLES, sizeof(*r->s));
	ASSERT_NE(NULL, r->s);
	ASSERT_EQ(0, impair(a, b, delay));
	/* One packet at OUTPUT must be one segment: a large (GSO) skb of A's
	 * would lose up to 44 at once. A's device takes one per skb. */
	ASSERT_EQ(0, xt_run("/usr/sbin/ip -n %s link set dev va gso_max_segs 1", a));
	/* And the path keeps order: netem hands va's segments to veth from
	 * either CPU (its timer, or the sender's own qdisc run), and veth
	 * queues each on the backlog of the CPU it runs on, so two CPUs'
	 * backlogs reorder them (ReorderSeen in the hundreds, and spurious
	 * fast retransmits that end the epoch measured here). RPS steers
	 * all that each end receives to one CPU's backlog. The reordering
	 * tests are impair_test's and recovery_test's; this one measures
	 * cwnd. */
	ASSERT_EQ(0, xt_run("/usr/sbin/ip netns exec %s sh -c 'echo 1 > /sys/class/net/vb/queues/rx-0/rps_cpus'", b));
	ASSERT_EQ(0, xt_run("/usr/sbin/ip netns exec %s sh -c 'echo 1 > /sys/class/net/va/queues/rx-0/rps_cpus'", a));
	/* Each rule counts the data segments itself: one drop each. */
	for (i = 0; i < ndrops; i++)
		ASSERT_EQ(0, xt_run("/usr/sbin/ip netns exec %s /usr/sbin/iptables -A OUTPUT "
				    "-p %d -m length --length 1000:65535 -m statistic --mode nth "
				    "--every 1000000 --packet %d -j DROP", a, 253, drops[i]))
			TH_LOG("iptables with the statistic and length matches is needed");

	lfd = xt_xsock(b);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)));
	ASSERT_EQ(0, xt_bind(lfd, IP_B, port));
	ASSERT_EQ(0, listen(lfd, 4));
	r->cli = xt_xsock(a);
	ASSERT_LE(0, r->cli);
	ASSERT_EQ(0, setsockopt(r->cli, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)));
	ASSERT_EQ(0, cc_set(r->cli, cc));
	cc_get(r->cli, IPPROTO_TCP, name);
	ASSERT_STREQ(cc, name);
	ASSERT_EQ(0, connect(r->cli, (struct sockaddr *)&sin, sizeof(sin)));
	r->srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, r->srv);
	close(lfd);
	ASSERT_EQ(0, pthread_create(&tr, NULL, cc_reader, r));
	ASSERT_EQ(0, pthread_create(&ts, NULL, cc_sender, r));

	t0 = xt_now_ms();
	deadline = t0 + 120000;
	r->loss = r->open = -1;
	while (r->n < MAX_SAMPLES && xt_now_ms() < deadline) {
		struct cc_sample *s = &r->s[r->n];

		if (cc_info(r->cli, &x))
			break;
		s->ms = xt_now_ms() - t0;
		s->cwnd = x.xtcpi_snd_cwnd;
		s->ssthresh = x.xtcpi_snd_ssthresh;
		s->ca_state = x.xtcpi_ca_state;
		s->rtt_us = x.xtcpi_rtt_us;
		s->total_retrans = x.xtcpi_total_retrans;
		s->acked_segs = x.xtcpi_bytes_acked / (x.xtcpi_snd_mss ?: 1);
		/* A loss is a new ssthresh; the last one is measured. */
		if (r->n && r->loss < 0 && s->ssthresh != s[-1].ssthresh &&
		    ++losses == ndrops)
			r->loss = r->n;
		if (r->loss >= 0 && r->open < 0 && s->ca_state <= 1)
			r->open = r->n;
		r->n++;
		if (r->open >= 0 && s->ms - r->s[r->open].ms > after_ms)
			break;
		xt_sleep_ms(2);
	}
	r->stop = 1;
	shutdown(r->cli, SHUT_RDWR);
	shutdown(r->srv, SHUT_RDWR);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	close(r->cli);
	close(r->srv);

	ASSERT_LE(1, r->loss) TH_LOG("%d of %d losses seen in %d samples",
				     losses, ndrops, r->n);
	ASSERT_LE(0, r->open) TH_LOG("no return to Open after the loss");
	/* The epoch lasts while nothing else is lost: no new retransmission,
	 * no new ssthresh, no other recovery. Disorder (1: SACKs seen, no
	 * loss) is part of it: the path reorders (netem on veth hands
	 * segments to either CPU's backlog) and cwnd grows there as in Open. */
	for (i = r->open; i < r->n; i++)
		if (r->s[i].ca_state > 1 || r->s[i].ssthresh != r->s[r->open].ssthresh ||
		    r->s[i].total_retrans != r->s[r->open].total_retrans)
			break;
	r->end = i;
	if (r->end < r->n) {
		const struct cc_sample *e = &r->s[r->end];

		TH_LOG("the epoch ended at %ld ms: ca_state %u, ssthresh %u, total_retrans %u (was %u), cwnd %u",
		       e->ms, e->ca_state, e->ssthresh, e->total_retrans,
		       r->s[r->open].total_retrans, e->cwnd);
		xt_log_counters(a);
		xt_log_counters(b);
	}
	TH_LOG("%s over \"%s\": before the loss cwnd %u at %ld ms; ssthresh %u at %ld ms; "
	       "Open again at %ld ms with cwnd %u; %d samples, epoch to %ld ms (cwnd %u)",
	       cc, delay, r->s[r->loss - 1].cwnd, r->s[r->loss - 1].ms,
	       r->s[r->loss].ssthresh, r->s[r->loss].ms, r->s[r->open].ms,
	       r->s[r->open].cwnd, r->n, r->s[r->end - 1].ms, r->s[r->end - 1].cwnd);
}

/*
 * cc_loss_run_once(), until the epoch after the scripted loss is clean: a
 * noisy emulated host can add a loss of its own (a spurious timeout, a
 * retransmission) that ends the epoch before the sampling does, and then
 * the curve cannot be measured. At most three runs, each on a port and with
 * drop rules of its own; the last one is measured whatever it holds.
 */
static void cc_loss_run(struct __test_metadata *_metadata, const char *a,
			const char *b, const char *cc, const char *delay,
			const int *drops, int ndrops, long after_ms,
			struct cc_run *r)
{
	int attempt;

	for (attempt = 0; ; attempt++) {
		cc_loss_run_once(_metadata, a, b, cc, delay, drops, ndrops,
				 after_ms, CC_PORT + attempt, r);
		if (r->end >= r->n || attempt == 2)
			return;
		TH_LOG("run %d: the epoch ended %ld ms after the return to Open "
		       "(another loss on a noisy host): again", attempt + 1,
		       r->s[r->end - 1].ms - r->s[r->open].ms);
		free(r->s);
		ASSERT_EQ(0, xt_run("/usr/sbin/ip netns exec %s /usr/sbin/iptables -F OUTPUT", a));
	}
}

/* The window at the loss: the last sample before ssthresh was set. */
static uint32_t cc_w_loss(const struct cc_run *r)
{
	return r->s[r->loss - 1].cwnd;
}

/* cwnd of the last sample at or before @ms (within the epoch). */
static uint32_t cc_cwnd_at(const struct cc_run *r, long ms)
{
	int i = r->open;

	while (i + 1 < r->end && r->s[i + 1].ms <= ms)
		i++;
	return r->s[i].cwnd;
}

/*
 * Growth per ACK as the RFCs write it: sum over sample intervals of
 * (segments newly acknowledged) / cwnd, between samples @i and @j. A
 * Reno-like increase of @alpha per window acknowledged predicts
 * alpha * that sum.
 */
static double cc_windows_acked(const struct cc_run *r, int i, int j)
{
	double w = 0;
	int k;

	for (k = i; k < j; k++)
		w += (double)(r->s[k + 1].acked_segs - r->s[k].acked_segs) /
		     r->s[k].cwnd;
	return w;
}

/* The last sample of the epoch with cwnd below @limit. */
static int cc_last_below(const struct cc_run *r, uint32_t limit)
{
	int i = r->open;

	while (i + 1 < r->end && r->s[i + 1].cwnd < limit)
		i++;
	return i;
}

static void cc_log_curve(struct __test_metadata *_metadata,
			 const struct cc_run *r, long step)
{
	long t0 = r->s[r->open].ms, t;
	char line[1024];
	int n = 0;

	for (t = 0; t0 + t <= r->s[r->end - 1].ms && n < (int)sizeof(line) - 16; t += step)
		n += snprintf(line + n, sizeof(line) - n, " %u", cc_cwnd_at(r, t0 + t));
	TH_LOG("cwnd every %ld ms from the return to Open:%s", step, line);
}

TEST_F_TIMEOUT(net, reno_halves_then_one_segment_per_window, 240)
{
	/* The first loss ends slow start, where the window moves too fast
	 * between two samples to be known at the loss; the second one comes
	 * in congestion avoidance, where it moves by one per round trip. */
	static const int drops[] = { 60, 1500 };
	struct cc_run r;
	uint32_t w, ss;
	double ratio, windows;
	int j;

	cc_loss_run(_metadata, self->a, self->b, "reno", "delay 10ms", drops, 2,
		    2500, &r);
	w = cc_w_loss(&r);
	ss = r.s[r.loss].ssthresh;
	/* beta = 0.5 of the flight at the loss (RFC 5681 (4)). */
	ratio = (double)ss / w;
	TH_LOG("ssthresh / cwnd at the loss = %u / %u = %.3f", ss, w, ratio);
	EXPECT_LE(0.42, ratio);
	EXPECT_GE(0.58, ratio);
	EXPECT_LE(ss, r.s[r.open].cwnd);
	EXPECT_GE(ss + 3, r.s[r.open].cwnd);

	/* Congestion avoidance: +1 per window acknowledged (RFC 5681 3.1). */
	j = r.end - 1;
	windows = cc_windows_acked(&r, r.open, j);
	TH_LOG("cwnd %u -> %u over %.1f windows acknowledged in %ld ms",
	       r.s[r.open].cwnd, r.s[j].cwnd, windows, r.s[j].ms - r.s[r.open].ms);
	cc_log_curve(_metadata, &r, 250);
	ASSERT_LE(8.0, windows) TH_LOG("too short an epoch to measure");
	ratio = ((double)r.s[j].cwnd - r.s[r.open].cwnd) / windows;
	TH_LOG("growth per window acknowledged %.2f (NewReno: 1)", ratio);
	EXPECT_LE(0.75, ratio);
	EXPECT_GE(1.25, ratio);
	free(r.s);
}

TEST_F_TIMEOUT(net, cubic_beta_then_concave_plateau_convex, 240)
{
	static const int drops[] = { 40 };
	uint32_t ss, c0, ch, ck, cp1, cm1, cp3;
	double ratio, k_s, windows, w_max;
	struct cc_run r;
	long t0, k_ms;

	/* 200 ms round trips: Reno's estimate W_est grows ~2.6 segments/s,
	 * far below the curve, which is then what cwnd follows. The loss
	 * ends slow start, whose window moves too fast to be sampled at
	 * the loss: W_max is where the curve flattens. */
	cc_loss_run(_metadata, self->a, self->b, "cubic", "delay 100ms", drops, 1,
		    12000, &r);
	ss = r.s[r.loss].ssthresh;
	t0 = r.s[r.open].ms;
	c0 = r.s[r.open].cwnd;
	EXPECT_LE(ss, c0);
	EXPECT_GE(ss + 3, c0);
	/* RFC 9438: ssthresh = 0.7 W_max, K = cbrt((W_max - cwnd_epoch) / C). */
	w_max = ss / 0.7;
	k_s = cbrt((w_max - c0) / 0.4);
	k_ms = (long)(k_s * 1000);
	TH_LOG("ssthresh %u, cwnd_epoch %u: W_max = ssthresh / 0.7 = %.1f, K = %.2f s",
	       ss, c0, w_max, k_s);
	cc_log_curve(_metadata, &r, 500);
	ASSERT_LE(t0 + k_ms + 3000, r.s[r.end - 1].ms)
		TH_LOG("the epoch ended (another loss?) before K + 3 s");

	ch = cc_cwnd_at(&r, t0 + k_ms / 2);
	ck = cc_cwnd_at(&r, t0 + k_ms);
	cm1 = cc_cwnd_at(&r, t0 + k_ms - 1000);
	cp1 = cc_cwnd_at(&r, t0 + k_ms + 1000);
	cp3 = cc_cwnd_at(&r, t0 + k_ms + 3000);
	TH_LOG("cwnd at 0, K/2, K-1s, K, K+1s, K+3s: %u %u %u %u %u %u",
	       c0, ch, cm1, ck, cp1, cp3);
	/* The plateau at K: the window before the loss, of which ssthresh
	 * is 0.7 (NewReno's 0.5 would put it at twice ssthresh). */
	ratio = ss / (double)ck;
	TH_LOG("ssthresh / cwnd at K = %.3f (beta 0.7)", ratio);
	EXPECT_LE(0.62, ratio);
	EXPECT_GE(0.78, ratio);
	/* Concave: most of the way back in the first half of K. */
	EXPECT_LT(2.0 * ((double)ck - ch), (double)ch - c0);
	/* Convex: beyond K growth speeds up. */
	EXPECT_LT(2.0 * ((double)cp1 - cm1), (double)cp3 - cp1);
	/* And it is the curve, not Reno: the first half of K grew far more
	 * than alpha = 0.53 per window acknowledged would give. */
	windows = cc_windows_acked(&r, r.open, cc_last_below(&r, ch + 1));
	TH_LOG("first half of K: +%u over %.1f windows acknowledged (W_est: +%.1f)",
	       ch - c0, windows, 0.529 * windows);
	EXPECT_LT(2 * 0.529 * windows, (double)ch - c0);
	free(r.s);
}

TEST_F_TIMEOUT(net, cubic_reno_friendly_follows_w_est, 240)
{
	static const int drops[] = { 60 };
	double windows, ratio, prior;
	struct cc_run r;
	uint32_t ss, c0;
	int i, j;

	/* 10 ms round trips: W_est (alpha 0.53 per window, ~50 segments/s)
	 * is ahead of the curve (~15 segments/s at its steepest here). */
	cc_loss_run(_metadata, self->a, self->b, "cubic", "delay 5ms", drops, 1,
		    3000, &r);
	ss = r.s[r.loss].ssthresh;
	c0 = r.s[r.open].cwnd;
	EXPECT_LE(ss, c0);
	EXPECT_GE(ss + 3, c0);
	/* cwnd_prior, the window before the reduction: ssthresh / 0.7 (the
	 * other test checks beta on the curve's plateau). */
	prior = ss / 0.7;
	TH_LOG("ssthresh %u: cwnd_prior = %.1f", ss, prior);
	cc_log_curve(_metadata, &r, 100);

	/* Below cwnd_prior: alpha = 3(1-b)/(1+b) = 0.53 per window. */
	j = cc_last_below(&r, prior * 0.95);
	windows = cc_windows_acked(&r, r.open, j);
	ASSERT_LE(6.0, windows) TH_LOG("too short a climb to measure");
	ratio = ((double)r.s[j].cwnd - c0) / windows;
	TH_LOG("cwnd %u -> %u over %.1f windows: %.2f per window (alpha 0.53)",
	       c0, r.s[j].cwnd, windows, ratio);
	EXPECT_LE(0.529 * 0.7, ratio);
	EXPECT_GE(0.529 * 1.35, ratio);

	/* Past it: alpha = 1, as Reno, while the curve stays below. */
	for (i = j; i < r.end - 1 && r.s[i].cwnd < prior * 1.05 + 1; i++)
		;
	j = cc_last_below(&r, r.s[i].cwnd + 25);
	windows = cc_windows_acked(&r, i, j);
	ASSERT_LE(6.0, windows) TH_LOG("too few windows past cwnd_prior");
	ratio = ((double)r.s[j].cwnd - r.s[i].cwnd) / windows;
	TH_LOG("cwnd %u -> %u over %.1f windows: %.2f per window (alpha 1)",
	       r.s[i].cwnd, r.s[j].cwnd, windows, ratio);
	EXPECT_LE(0.75, ratio);
	EXPECT_GE(1.3, ratio);
	free(r.s);
}

TEST_HARNESS_MAIN
