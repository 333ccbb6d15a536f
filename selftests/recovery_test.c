// SPDX-License-Identifier: GPL-2.0
/*
 * Loss recovery over time and reordering (docs/protocol.md §15, §17):
 * the RACK clock across hours and its wraps (moved by the module's
 * selftest_clock_skew), reordering detection raising DupThresh, the
 * retransmitted bytes in TCP_INFO, the sysctl bounds of the first RTO.
 * Each transfer is one connection from B to A, checked byte by byte, the
 * sender's TCP_INFO read before its FIN; both ends must see the other's FIN.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <linux/tcp.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define RC_SKEW "/sys/module/xtcp/parameters/selftest_clock_skew"

static int rc_skew_set(unsigned long s)
{
	return xt_run("echo %lu >" RC_SKEW, s);
}

struct rc_flow {
	int fd;
	uint64_t n;
	struct xtcp_info xi;
	struct tcp_info ti;
	int err;		/* 0, or errno of the sender */
	int eof;		/* the sender saw the receiver's FIN */
	long fast_ms, slow_ms;	/* the quickest and slowest part */
	long total_ms;		/* the whole transfer */
};

/* B's side: send n bytes of the pattern, read TCP_INFO, FIN, wait for FIN. */
static void *rc_sender(void *arg)
{
	struct rc_flow *f = arg;
	static uint8_t buf[65536];
	uint64_t off = 0;
	socklen_t len;
	char c;

	while (off < f->n) {
		size_t n = f->n - off < sizeof(buf) ? f->n - off : sizeof(buf);
		ssize_t w;

		xf_fill(0x5eed, off, buf, n);
		w = send(f->fd, buf, n, MSG_NOSIGNAL);
		if (w < 0) {
			f->err = errno;
			return NULL;
		}
		off += w;
	}
	/* Everything acknowledged, so the counters are final. */
	for (long t0 = xt_now_ms(); xt_now_ms() - t0 < 60000;) {
		len = sizeof(f->xi);
		getsockopt(f->fd, SOL_XTCP, XTCP_INFO, &f->xi, &len);
		if (!f->xi.xtcpi_unacked)
			break;
		xt_sleep_ms(10);
	}
	len = sizeof(f->ti);
	if (getsockopt(f->fd, IPPROTO_TCP, TCP_INFO, &f->ti, &len))
		f->err = errno;
	shutdown(f->fd, SHUT_WR);
	if (xt_wait_readable(f->fd, 60000) > 0 && read(f->fd, &c, 1) == 0)
		f->eof = 1;
	return NULL;
}

/*
 * One transfer of n bytes from B to A. Before 1/parts, 2/parts, ... of it
 * has arrived, step(k) runs (k = 1 .. parts-1); the time each part took is
 * logged. Returns the sender's state in *f.
 */
static int rc_sndbuf;		/* SO_SNDBUF of the sender, 0: autotuned */

static void rc_transfer(struct __test_metadata *_metadata, const char *a,
			const char *b, uint64_t n, int parts,
			void (*step)(int k), struct rc_flow *f)
{
	static uint8_t in[65536], want[65536];
	int lfd = xt_listen(a, IP_A, 5100, 4, 1), srv;
	long t0, tp, slow = 0, fast = -1;
	uint64_t got = 0, mark;
	pthread_t th;
	int k = 1;
	char c;

	ASSERT_LE(0, lfd);
	memset(f, 0, sizeof(*f));
	f->n = n;
	f->fd = xt_connect(b, IP_A, 5100);
	ASSERT_LE(0, f->fd);
	if (rc_sndbuf)
		ASSERT_EQ(0, xt_set_int(f->fd, SOL_SOCKET, SO_SNDBUF, rc_sndbuf));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(lfd);
	t0 = tp = xt_now_ms();
	mark = n / parts;
	ASSERT_EQ(0, pthread_create(&th, NULL, rc_sender, f));
	while (got < n) {
		ssize_t r;

		ASSERT_LT(0, xt_wait_readable(srv, 120000)) TH_LOG("stalled at %llu",
			  (unsigned long long)got);
		r = read(srv, in, sizeof(in));
		ASSERT_LT(0, r) TH_LOG("read at %llu: %zd", (unsigned long long)got, r);
		xf_fill(0x5eed, got, want, r);
		ASSERT_EQ(0, memcmp(in, want, r)) TH_LOG("data differs near %llu",
			  (unsigned long long)got);
		got += r;
		while (k < parts && got >= mark) {
			long now = xt_now_ms();

			if (now - tp > slow)
				slow = now - tp;
			if (fast < 0 || now - tp < fast)
				fast = now - tp;
			tp = now;
			if (step)
				step(k);
			k++;
			mark = n / parts * k;
		}
	}
	f->fast_ms = fast;
	f->slow_ms = slow;
	f->total_ms = xt_now_ms() - t0;
	TH_LOG("%llu bytes in %ld ms (%.1f Mbit/s); parts of %llu bytes took %ld .. %ld ms",
	       (unsigned long long)n, xt_now_ms() - t0,
	       n * 8.0 / (xt_now_ms() - t0 + 1) / 1000,
	       (unsigned long long)(n / parts), fast, slow);
	/* The sender's FIN, then ours. */
	ASSERT_LT(0, xt_wait_readable(srv, 60000));
	EXPECT_EQ(0, read(srv, &c, 1));
	close(srv);
	pthread_join(th, NULL);
	close(f->fd);
	EXPECT_EQ(0, f->err);
	EXPECT_EQ(1, f->eof);
	TH_LOG("sender: %u segments out, %u retransmitted, reordering %u, %llu bytes sent",
	       f->xi.xtcpi_segs_out, f->xi.xtcpi_total_retrans,
	       f->xi.xtcpi_reordering, (unsigned long long)f->xi.xtcpi_bytes_sent);
}

static unsigned long rc_skew;
static int rc_skew_failed;

/* 40 simulated minutes: more than the 2^31 us a signed 32-bit clock spans. */
static void rc_step_40min(int k)
{
	rc_skew += 2400;
	if (rc_skew_set(rc_skew) ||
	    xt_run("grep -qx %lu " RC_SKEW, rc_skew))
		rc_skew_failed++;
}

FIXTURE(rc)
{
	char a[32], b[32];
};

FIXTURE_SETUP(rc)
{
	xt_ns_names(self->a, self->b, sizeof(self->a));
	ASSERT_EQ(0, xt_ns_pair_create(self->a, self->b));
	ASSERT_EQ(0, xt_sysctl(self->a, "fin_timeout_ms", "3000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "fin_timeout_ms", "3000"));
	ASSERT_EQ(0, xt_sysctl(self->a, "tw_timeout_ms", "3000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_timeout_ms", "3000"));
	rc_skew = 0;
	rc_skew_failed = 0;
	rc_sndbuf = 0;
}

FIXTURE_TEARDOWN(rc)
{
	xt_ns_pair_destroy(self->a, self->b);
	rc_skew_set(0);
}

/*
 * A connection lives 3 h 20 min of the module's clock (five steps of
 * 40 minutes while data is in flight) through 1 % loss each way and
 * some reordering. RACK compares send times across each step: a 32-bit
 * microsecond clock compared as s32 sees every later transmission as
 * older than the last delivery, marks the whole flight lost and resends
 * it again and again. The retransmissions must stay near the loss rate,
 * and the throughput with them: the slowest 40-minute part takes at most
 * three times the mean part (measured 1.15-1.4x; the 32-bit clock: every
 * part after the first wrap crawls). Not the quickest part: with 1 %
 * loss one part can go through without a loss (1.1 s against 5-7 s).
 */
TEST_F_TIMEOUT(rc, three_simulated_hours_with_loss, 240)
{
	uint64_t n = (xt_debug_kernel() ? 3ULL : 8ULL) << 20;
	struct rc_flow f;

	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 40ms reorder 3% 25% loss 1%"));
	ASSERT_EQ(0, xt_netem(self->a, "va", "delay 40ms loss 1%"));
	rc_transfer(_metadata, self->a, self->b, n, 6, rc_step_40min, &f);
	EXPECT_GE(3 * f.total_ms / 6, f.slow_ms);
	EXPECT_EQ(12000, rc_skew);
	EXPECT_EQ(0, rc_skew_failed);
	/* 1 % loss, plus tail loss probes: under 4 % (measured 0.9-1.8 %;
	 * the 32-bit clock: 3-12 %). */
	EXPECT_GT(f.xi.xtcpi_segs_out / 25, f.xi.xtcpi_total_retrans);
	xt_log_counters(self->b);
}

/*
 * netem sends a quarter of the segments at once and delays the rest by
 * 10 ms: the early ones overtake several others. Segments sent once that
 * arrive below a SACKed one are reordering, not loss: the sender must
 * learn the degree (tcpi_reordering above 3, ReorderSeen counted).
 */
TEST_F_TIMEOUT(rc, reordering_is_measured, 180)
{
	uint64_t n = (xt_debug_kernel() ? 2ULL : 4ULL) << 20;
	struct rc_flow f;

	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 10ms reorder 25% 50%"));
	rc_transfer(_metadata, self->a, self->b, n, 1, NULL, &f);
	EXPECT_LT(3, f.xi.xtcpi_reordering);
	EXPECT_EQ(f.xi.xtcpi_reordering, f.ti.tcpi_reordering);
	EXPECT_LT(0, f.ti.tcpi_reord_seen);
	EXPECT_LT(0, xt_counter(self->b, "ReorderSeen"));
	TH_LOG("reordering %u, %u episodes, ReorderSeen %ld, FastRetrans %ld",
	       f.ti.tcpi_reordering, f.ti.tcpi_reord_seen,
	       xt_counter(self->b, "ReorderSeen"),
	       xt_counter(self->b, "FastRetrans"));
}

/*
 * The same reordering through D-SACK (RFC 2883): the fast retransmits it
 * provokes resend segments that arrive after all, so the receiver
 * reports each retransmission a duplicate, the sender hears it
 * (DSACKRecv, tcpi_dsack_dups) and undoes the reductions whose
 * retransmissions all proved spurious (DSACKUndo, or LossUndo after a
 * spurious RTO; xtcpi_undos). Without the undo each of them would have
 * cut cwnd for nothing.
 */
TEST_F_TIMEOUT(rc, dsack_undoes_spurious_retransmits, 180)
{
	uint64_t n = (xt_debug_kernel() ? 2ULL : 4ULL) << 20;
	long undo, sent;
	struct rc_flow f;

	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 10ms reorder 25% 50%"));
	rc_transfer(_metadata, self->a, self->b, n, 1, NULL, &f);
	undo = xt_counter(self->b, "DSACKUndo") + xt_counter(self->b, "LossUndo");
	sent = xt_counter(self->a, "DSACKOldSent") + xt_counter(self->a, "DSACKOfoSent");
	TH_LOG("%u retransmitted; receiver D-SACKs %ld; sender DSACKRecv %ld, "
	       "dsack_dups %u, FastRetrans %ld, Timeouts %ld, undone %ld (%u), reo_wnd %u us",
	       f.xi.xtcpi_total_retrans, sent, xt_counter(self->b, "DSACKRecv"),
	       f.ti.tcpi_dsack_dups, xt_counter(self->b, "FastRetrans"),
	       xt_counter(self->b, "Timeouts"), undo, f.xi.xtcpi_undos,
	       f.xi.xtcpi_rack_reo_wnd_us);
	ASSERT_LT(0, f.xi.xtcpi_total_retrans) TH_LOG("the reordering provoked no retransmission");
	EXPECT_LT(0, sent);
	EXPECT_LT(0, xt_counter(self->b, "DSACKRecv"));
	EXPECT_LT(0, f.ti.tcpi_dsack_dups);
	EXPECT_EQ(f.xi.xtcpi_dsack_dups, f.ti.tcpi_dsack_dups);
	EXPECT_LT(0, undo);
	EXPECT_EQ(undo, f.xi.xtcpi_undos);
	EXPECT_LE(2000, f.xi.xtcpi_rack_reo_wnd_us);
}

static const char *rc_ack_ns;	/* the receiver's namespace, for rc_step_spike */
static const char *rc_snd_ns;	/* the sender's */
static struct rc_flow *rc_spike_flow;
static int rc_spike_failed;

static int rc_ca_state(int fd)
{
	struct xtcp_info xi;
	socklen_t len = sizeof(xi);

	if (getsockopt(fd, SOL_XTCP, XTCP_INFO, &xi, &len))
		return -1;
	return xi.xtcpi_ca_state;
}

/*
 * After the first part: every ACK is held a second (a delay spike on the
 * ACK path), until the sender's RTO has fired and the held ACKs have
 * taken it out of Loss; then the path is quick again. A thread of its own
 * does it, so that the reader goes on reading: a reader held up by the tc
 * exec lets the window close, and the RTO then finds one small segment in
 * flight instead of a flight to judge.
 */
static pthread_t rc_spike_th;
static int rc_spike_started;

static void *rc_spike(void *arg)
{
	long t0 = xt_counter(rc_snd_ns, "Timeouts"), end = xt_now_ms() + 60000;

	if (xt_netem(rc_ack_ns, "va", "delay 1000ms")) {
		fprintf(stderr, "# rc_spike: tc failed\n");
		rc_spike_failed++;
		return NULL;
	}
	while (xt_now_ms() < end && xt_counter(rc_snd_ns, "Timeouts") == t0)
		xt_sleep_ms(10);
	while (xt_now_ms() < end && rc_ca_state(rc_spike_flow->fd) == 3)
		xt_sleep_ms(10);
	if (xt_now_ms() >= end) {
		fprintf(stderr, "# rc_spike: no RTO, or Loss for 60 s (Timeouts %ld, was %ld)\n",
			xt_counter(rc_snd_ns, "Timeouts"), t0);
		rc_spike_failed++;
	}
	if (xt_netem(rc_ack_ns, "va", "delay 0ms")) {
		fprintf(stderr, "# rc_spike: tc failed\n");
		rc_spike_failed++;
	}
	return NULL;
}

static void rc_step_spike(int k)
{
	if (k != 1)
		return;
	if (pthread_create(&rc_spike_th, NULL, rc_spike, NULL))
		rc_spike_failed++;
	else
		rc_spike_started = 1;
}

/* One transfer through the spike with net.xtcp.frto = @frto. */
static void rc_spike_run(struct __test_metadata *_metadata, const char *a,
			 const char *b, const char *frto, struct rc_flow *f,
			 long *timeouts, long *spurious)
{
	long t0 = xt_counter(b, "Timeouts"), s0 = xt_counter(b, "SpuriousRTOs");

	ASSERT_EQ(0, xt_sysctl(b, "frto", frto));
	ASSERT_EQ(0, xt_netem(a, "va", "delay 0ms"));
	rc_ack_ns = a;
	rc_snd_ns = b;
	rc_spike_flow = f;
	rc_spike_failed = 0;
	rc_spike_started = 0;
	/* Long enough that the spike, a thread and a tc exec away from the
	 * first 2 MB, still finds data to send on a fast run (16 MB went
	 * through in 0.3 s once, before the spike began). */
	rc_transfer(_metadata, a, b, 48ULL << 20, 24, rc_step_spike, f);
	if (rc_spike_started)
		pthread_join(rc_spike_th, NULL);
	ASSERT_EQ(0, rc_spike_failed);
	*timeouts = xt_counter(b, "Timeouts") - t0;
	*spurious = xt_counter(b, "SpuriousRTOs") - s0;
	TH_LOG("frto=%s: Timeouts %ld, SpuriousRTOs %ld, %u segments retransmitted, "
	       "LossUndo %ld, cwnd %u at the end", frto, *timeouts, *spurious,
	       f->xi.xtcpi_total_retrans, xt_counter(b, "LossUndo"),
	       f->xi.xtcpi_snd_cwnd);
}

/*
 * F-RTO (RFC 5682, kmod/frto.c). A one-second delay spike on the ACK
 * path: the sender's RTO fires although nothing is lost. When the held
 * ACKs arrive they acknowledge segments sent once, before the timeout:
 * the RTO was spurious. With F-RTO the sender says so (SpuriousRTOs),
 * undoes the reduction (LossUndo) and goes on with new data: it resends
 * only what the timers sent (the RTOs' heads and a loss probe). Without
 * it (frto=0, the same spike, first so that the counters compare) the
 * whole flight is resent once the first ACK opens cwnd.
 */
TEST_F_TIMEOUT(rc, frto_detects_a_spurious_rto, 180)
{
	long to0, sp0, to1, sp1;
	struct rc_flow f0, f1;

	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->b, "frto", "3"));
	EXPECT_EQ(EINVAL, xt_sysctl_errno(self->b, "frto", "-1"));
	rc_spike_run(_metadata, self->a, self->b, "0", &f0, &to0, &sp0);
	rc_spike_run(_metadata, self->a, self->b, "2", &f1, &to1, &sp1);
	ASSERT_LT(0, to0) TH_LOG("the spike fired no RTO: nothing was tested");
	ASSERT_LT(0, to1) TH_LOG("the spike fired no RTO: nothing was tested");
	EXPECT_EQ(0, sp0);
	EXPECT_LE(1, sp1);
	/* The control resends the flight; F-RTO the timers' segments and at
	 * most two loss probes. */
	EXPECT_LT(to0 + 2, f0.xi.xtcpi_total_retrans);
	EXPECT_GE(to1 + 2, f1.xi.xtcpi_total_retrans);
	EXPECT_LT(f1.xi.xtcpi_total_retrans, f0.xi.xtcpi_total_retrans);
	EXPECT_EQ(0, f1.xi.xtcpi_ca_state);
	xt_log_counters(self->b);
}

/*
 * tcpi_bytes_sent counts retransmitted bytes too (as Linux's, RFC 4898
 * tcpEStatsPerfHCDataOctetsOut), and tcpi_bytes_retrans those alone;
 * xtcpi_bytes_sent keeps counting each byte once.
 */
TEST_F_TIMEOUT(rc, tcp_info_counts_retransmitted_bytes, 180)
{
	uint64_t n = 2ULL << 20;
	struct rc_flow f;

	ASSERT_EQ(0, xt_netem(self->b, "vb", "loss 2%"));
	rc_transfer(_metadata, self->a, self->b, n, 1, NULL, &f);
	EXPECT_EQ(n, f.xi.xtcpi_bytes_sent);
	EXPECT_EQ(n, f.ti.tcpi_bytes_acked);
	EXPECT_LT(0, f.ti.tcpi_bytes_retrans);
	EXPECT_EQ(n + f.ti.tcpi_bytes_retrans, f.ti.tcpi_bytes_sent);
	TH_LOG("tcpi_bytes_sent %llu tcpi_bytes_retrans %llu",
	       (unsigned long long)f.ti.tcpi_bytes_sent,
	       (unsigned long long)f.ti.tcpi_bytes_retrans);
}

/*
 * The first RTO (1 s, RFC 6298) is bounded by the sysctls as every later
 * one: with rto_min_ms 1500 the first SYN retransmission comes no sooner
 * than 1.5 s.
 */
TEST_F_TIMEOUT(rc, initial_rto_respects_rto_min, 90)
{
	long t0, took;
	int fd;

	ASSERT_EQ(0, xt_sysctl(self->b, "rto_min_ms", "1500"));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "loss 100%"));
	fd = xt_xsock(self->b);
	ASSERT_LE(0, fd);
	t0 = xt_now_ms();
	xt_connect_nb(fd, IP_A, 5100);
	ASSERT_EQ(1, xt_wait_counter(self->b, "SynRetrans", 1, 10000));
	took = xt_now_ms() - t0;
	TH_LOG("first SYN retransmission after %ld ms", took);
	EXPECT_LE(1450, took);
	close(fd);
}

/*
 * The user timeout counts from the first transmission of the oldest
 * unacknowledged data (RFC 5482), also when a tail loss probe resends it
 * first: with an 800 ms RTT the lone segment is probed after ~1.8 s, and
 * the connection must give up then (the 1.5 s have passed), not 1.5 s
 * after the probe.
 */
TEST_F_TIMEOUT(rc, user_timeout_counts_from_first_send, 90)
{
	int lfd, srv, cli;
	long t0, took;
	char c = 'x';

	ASSERT_EQ(0, xt_netem(self->a, "va", "delay 400ms"));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 400ms"));
	lfd = xt_listen(self->a, IP_A, 5100, 4, 1);
	ASSERT_LE(0, lfd);
	cli = xt_connect(self->b, IP_A, 5100);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	for (int i = 0; i < 3; i++) {	/* RTT samples */
		ASSERT_EQ(1, write(cli, &c, 1));
		ASSERT_EQ(1, read(srv, &c, 1));
		ASSERT_EQ(1, write(srv, &c, 1));
		ASSERT_EQ(1, read(cli, &c, 1));
	}
	ASSERT_EQ(0, xt_set_int(cli, SOL_XTCP, XTCP_USER_TIMEOUT, 1500));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "loss 100%"));
	t0 = xt_now_ms();
	ASSERT_EQ(1, write(cli, &c, 1));
	EXPECT_EQ(-1, read(cli, &c, 1));
	EXPECT_EQ(ETIMEDOUT, errno);
	took = xt_now_ms() - t0;
	TH_LOG("gave up after %ld ms, %ld tail loss probes", took,
	       xt_counter(self->b, "TailLossProbes"));
	EXPECT_LE(1, xt_counter(self->b, "TailLossProbes"));
	EXPECT_GE(took, 1450);
	EXPECT_LE(took, 2700);
	xt_abort(srv);
	close(cli);
	close(lfd);
}

TEST_HARNESS_MAIN
