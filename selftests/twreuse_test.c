// SPDX-License-Identifier: GPL-2.0
/*
 * Client ports in TIME-WAIT (issue 10 part 3; docs/protocol.md §32).
 *
 * Timestamps (RFC 7323) are negotiated (both ends report them, every
 * segment after the SYNs carries 12 bytes of them, the MSS makes room),
 * or not when either end's net.xtcp.timestamps is 0. With them, connect()
 * takes a local port whose 4-tuple is in TIME-WAIT (net.xtcp.tw_reuse):
 * a client that closes first cycles through a 20-port range hundreds of
 * times without one EADDRNOTAVAIL, where without timestamps, without
 * tw_reuse, or inside net.xtcp.tw_reuse_delay_ms it runs out after 20.
 * And the dangerous interleavings: an old incarnation's data segment and
 * its FIN, injected into the new incarnation with sequence numbers that
 * fit its window, are rejected by PAWS (counted PAWSEstab) on either end;
 * the same FIN with a current TSval is taken (the positive control: only
 * PAWS stood in the way).
 *
 * Host A 10.0.0.1 listens, host B 10.0.0.2 connects (net_fixture.h).
 * Every wait is on a condition with a deadline.
 */
#include "xtcp_lib.h"
#include <netinet/tcp.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define PORT 7400

static struct xtcp_info tr_info(int fd)
{
	struct xtcp_info x;
	socklen_t len = sizeof(x);

	memset(&x, 0, sizeof(x));
	getsockopt(fd, SOL_XTCP, XTCP_INFO, &x, &len);
	return x;
}

static int tr_accept(int lfd)
{
	if (!(xt_wait_readable(lfd, 10000) & POLLIN))
		return -1;
	return accept(lfd, NULL, NULL);
}

/*
 * One connection from B, closed by the client first: a byte each way,
 * the client's close, the server's EOF and close. 0, or the connect()'s
 * -errno; 1 when the exchange itself failed.
 */
static int tr_conn(const char *b, int lfd, int port)
{
	int c = xt_connect(b, IP_A, port), s;
	char x = 'q', y = 0;

	if (c < 0)
		return c;
	s = tr_accept(lfd);
	if (s < 0) {
		close(c);
		return 1;
	}
	if (write(c, &x, 1) != 1 || read(s, &y, 1) != 1 ||
	    write(s, &y, 1) != 1 || read(c, &y, 1) != 1 || y != x) {
		close(c);
		close(s);
		return 1;
	}
	close(c);
	xt_wait_readable(s, 10000);
	if (read(s, &y, 1) != 0) {
		close(s);
		return 1;
	}
	close(s);
	return 0;
}

/* Connections until one fails: how many succeeded; *err its result. */
static int tr_until_fail(const char *b, int lfd, int port, int max, int *err)
{
	int i;

	for (i = 0; i < max; i++) {
		*err = tr_conn(b, lfd, port);
		if (*err)
			break;
	}
	return i;
}

/* The data offset of the next segment from sport seen by raw. */
static int tr_sniff_doff(int raw, uint16_t sport)
{
	struct xtcphdr th;
	long end = xt_now_ms() + 5000;

	while (xt_now_ms() < end) {
		if (xt_raw_recv(raw, &th, NULL, 500))
			continue;
		if (ntohs(th.source) == sport && !(th.flags & XTCP_F_SYN))
			return th.doff_res >> 4;
	}
	return -1;
}

/* One connection's view from both ends: timestamps, MSS, and the wire. */
static void tr_check_conn(struct __test_metadata *_metadata, const char *a,
			  const char *b, int lfd, int want_ts)
{
	int raw = xt_socket_in(a, AF_INET, SOCK_RAW, XTCP_IPPROTO_DEFAULT);
	int c = xt_connect(b, IP_A, PORT), s;
	struct xtcp_info ci, si;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	char buf[64] = "timestamps", back[64];

	ASSERT_LE(0, raw);
	ASSERT_LE(0, c);
	s = tr_accept(lfd);
	ASSERT_LE(0, s);
	ASSERT_EQ(sizeof(buf), write(c, buf, sizeof(buf)));
	ASSERT_EQ(sizeof(buf), read(s, back, sizeof(back)));
	ASSERT_EQ(sizeof(buf), write(s, back, sizeof(back)));
	ASSERT_EQ(sizeof(buf), read(c, back, sizeof(back)));
	ci = tr_info(c);
	si = tr_info(s);
	TH_LOG("ts %u/%u, mss %u/%u, ts_recent %u/%u, rtt %u us", ci.xtcpi_ts_ok,
	       si.xtcpi_ts_ok, ci.xtcpi_snd_mss, si.xtcpi_snd_mss,
	       ci.xtcpi_ts_recent, si.xtcpi_ts_recent, ci.xtcpi_rtt_us);
	EXPECT_LE(5, ci.xtcpi_version);
	EXPECT_EQ(want_ts, ci.xtcpi_ts_ok);
	EXPECT_EQ(want_ts, si.xtcpi_ts_ok);
	/* 1500-byte veth: 1460, less the 12 bytes every segment carries. */
	EXPECT_EQ(want_ts ? 1448 : 1460, ci.xtcpi_snd_mss);
	EXPECT_EQ(want_ts ? 1448 : 1460, si.xtcpi_snd_mss);
	EXPECT_EQ(1460, ci.xtcpi_advmss);
	if (want_ts) {
		EXPECT_NE(0, ci.xtcpi_ts_recent);
		EXPECT_NE(0, si.xtcpi_ts_recent);
	}
	ASSERT_EQ(0, getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(want_ts ? TCPI_OPT_TIMESTAMPS : 0,
		  ti.tcpi_options & TCPI_OPT_TIMESTAMPS);
	/* On the wire: the client's next segment has a 32-byte header with
	 * timestamps (20 without). */
	ASSERT_EQ(sizeof(buf), write(c, buf, sizeof(buf)));
	EXPECT_EQ(want_ts ? 8 : 5, tr_sniff_doff(raw, xt_getport(c, 0)));
	ASSERT_EQ(sizeof(buf), read(s, back, sizeof(back)));
	close(c);
	close(s);
	close(raw);
}

TEST_F(net, timestamps_negotiated)
{
	int lfd = xt_listen(self->a, IP_A, PORT, 16, 1);

	ASSERT_LE(0, lfd);
	tr_check_conn(_metadata, self->a, self->b, lfd, 1);
	/* Either end off: neither uses them. */
	ASSERT_EQ(0, xt_sysctl(self->a, "timestamps", "0"));
	tr_check_conn(_metadata, self->a, self->b, lfd, 0);
	ASSERT_EQ(0, xt_sysctl(self->a, "timestamps", "1"));
	ASSERT_EQ(0, xt_sysctl(self->b, "timestamps", "0"));
	tr_check_conn(_metadata, self->a, self->b, lfd, 0);
	close(lfd);
}

/*
 * 20 client ports, TIME-WAIT lasting a minute: without timestamps the
 * 21st connect() fails, without tw_reuse too; with both, 200 more run
 * through the same 20 ports, each taking a TIME-WAIT entry over; inside
 * tw_reuse_delay_ms none may.
 */
TEST_F_TIMEOUT(net, tw_reuse_small_port_range, 300)
{
	int lfd = xt_listen(self->a, IP_A, PORT + 1, 64, 1);
	long reused0, tw;
	int n, err;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_timeout_ms", "60000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_reuse_delay_ms", "1"));
	ASSERT_EQ(0, xt_sysctl(self->b, "local_port_range", "41000 41019"));

	/* Timestamps off at the server: the entries cannot be reused. */
	ASSERT_EQ(0, xt_sysctl(self->a, "timestamps", "0"));
	n = tr_until_fail(self->b, lfd, PORT + 1, 40, &err);
	TH_LOG("no timestamps: %d connections, then %d", n, err);
	EXPECT_EQ(20, n);
	EXPECT_EQ(-EADDRNOTAVAIL, err);
	ASSERT_EQ(0, xt_sysctl(self->a, "timestamps", "1"));

	/* Timestamps on, tw_reuse off: the same, on 20 fresh ports. */
	ASSERT_EQ(0, xt_sysctl(self->b, "local_port_range", "41020 41039"));
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_reuse", "0"));
	n = tr_until_fail(self->b, lfd, PORT + 1, 40, &err);
	TH_LOG("tw_reuse 0: %d connections, then %d", n, err);
	EXPECT_EQ(20, n);
	EXPECT_EQ(-EADDRNOTAVAIL, err);
	tw = xt_wait_counter(self->b, "CurrTimeWait", 40, 10000);
	EXPECT_EQ(40, tw);

	/* Both on: 200 connections through the 20 ports of TIME-WAIT. */
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_reuse", "1"));
	reused0 = xt_counter(self->b, "TimeWaitReused");
	n = tr_until_fail(self->b, lfd, PORT + 1, 200, &err);
	TH_LOG("tw_reuse 1: %d connections (%d), TimeWaitReused +%ld, CurrTimeWait %ld",
	       n, err, xt_counter(self->b, "TimeWaitReused") - reused0,
	       xt_counter(self->b, "CurrTimeWait"));
	EXPECT_EQ(200, n);
	EXPECT_EQ(0, err);
	/* Every port was used before, less than a minute ago: each
	 * connect() took an entry over, or skipped a port still closing. */
	EXPECT_LE(180, xt_counter(self->b, "TimeWaitReused") - reused0);
	EXPECT_GE(40, xt_counter(self->b, "CurrTimeWait"));

	/* Entries younger than the delay stay: out of ports at once. */
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_reuse_delay_ms", "60000"));
	xt_wait_counter(self->b, "CurrTimeWait", 40, 10000);
	err = tr_conn(self->b, lfd, PORT + 1);
	EXPECT_EQ(-EADDRNOTAVAIL, err);
	if (_metadata->passed == 0)
		xt_log_counters(self->b);
	close(lfd);
}

/* NOP, NOP, Timestamps(tsval, tsecr). */
static void tr_ts_opt(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = XTCP_OPT_NOP;
	o[1] = XTCP_OPT_NOP;
	o[2] = XTCP_OPT_TIMESTAMP;
	o[3] = 10;
	tsval = htonl(tsval);
	tsecr = htonl(tsecr);
	memcpy(o + 4, &tsval, 4);
	memcpy(o + 8, &tsecr, 4);
}

/* The next segment from sport to dport seen by raw: seq and ack. */
static int tr_sniff(int raw, uint16_t sport, uint16_t dport, uint32_t *seq,
		    uint32_t *ack)
{
	struct xtcphdr th;
	long end = xt_now_ms() + 5000;

	while (xt_now_ms() < end) {
		if (xt_raw_recv(raw, &th, NULL, 500))
			continue;
		if (ntohs(th.source) != sport || ntohs(th.dest) != dport)
			continue;
		*seq = ntohl(th.seq);
		*ack = ntohl(th.ack_seq);
		return 0;
	}
	return -1;
}

static void tr_drain(int raw)
{
	struct xtcphdr th;

	while (!xt_raw_recv(raw, &th, NULL, 0))
		;
}

/*
 * Two incarnations of one 4-tuple (the client's only port): the old one's
 * last TSvals are kept, the new one takes the TIME-WAIT entry over, and
 * segments of the old one, made to fit the new one's window exactly, are
 * injected from the wire into each end.
 */
TEST_F_TIMEOUT(net, old_duplicates_rejected, 120)
{
	int lfd = xt_listen(self->a, IP_A, PORT + 2, 16, 1);
	int rawb = xt_socket_in(self->b, AF_INET, SOCK_RAW, XTCP_IPPROTO_DEFAULT);
	int rawa = xt_socket_in(self->a, AF_INET, SOCK_RAW, XTCP_IPPROTO_DEFAULT);
	uint32_t old_srv_ts, old_cli_ts, seq, ack, cseq, cack;
	uint8_t opt[12];
	char buf[16];
	int c, s, cport;
	long paws_b, paws_a;
	struct xt_seg seg = { .flags = XTCP_F_ACK | XTCP_F_PSH,
			      .window = 4096, .opts = opt, .optlen = 12 };

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, rawb);
	ASSERT_LE(0, rawa);
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_timeout_ms", "60000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_reuse_delay_ms", "1"));
	ASSERT_EQ(0, xt_sysctl(self->b, "local_port_range", "41100 41100"));

	/* Incarnation 1: some data each way, then the client closes first. */
	c = xt_connect(self->b, IP_A, PORT + 2);
	ASSERT_LE(0, c);
	s = tr_accept(lfd);
	ASSERT_LE(0, s);
	cport = xt_getport(c, 0);
	ASSERT_EQ(41100, cport);
	ASSERT_EQ(5, write(c, "hello", 5));
	ASSERT_EQ(5, read(s, buf, sizeof(buf)));
	ASSERT_EQ(5, write(s, "world", 5));
	ASSERT_EQ(5, read(c, buf, sizeof(buf)));
	old_srv_ts = tr_info(c).xtcpi_ts_recent;	/* the server's last TSval */
	old_cli_ts = tr_info(s).xtcpi_ts_recent;	/* the client's */
	ASSERT_NE(0, old_srv_ts);
	ASSERT_NE(0, old_cli_ts);
	close(c);
	xt_wait_readable(s, 10000);
	ASSERT_EQ(0, read(s, buf, sizeof(buf)));
	close(s);
	ASSERT_EQ(1, xt_wait_counter(self->b, "CurrTimeWait", 1, 10000));

	/* Incarnation 2 on the same 4-tuple, through the entry. */
	c = xt_connect(self->b, IP_A, PORT + 2);
	ASSERT_LE(0, c) TH_LOG("connect: %s", strerror(-c));
	ASSERT_EQ(41100, xt_getport(c, 0));
	EXPECT_EQ(1, xt_counter(self->b, "TimeWaitReused"));
	s = tr_accept(lfd);
	ASSERT_LE(0, s);
	/* Both ends' next sequence numbers, off the wire: the client's
	 * byte and the server's ACK of it. */
	tr_drain(rawb);
	tr_drain(rawa);
	ASSERT_EQ(1, write(c, "x", 1));
	ASSERT_EQ(1, read(s, buf, 1));
	ASSERT_EQ(0, tr_sniff(rawa, cport, PORT + 2, &cseq, &cack));
	cseq += 1;		/* past the byte */
	ASSERT_EQ(0, tr_sniff(rawb, PORT + 2, cport, &seq, &ack));
	TH_LOG("new: server seq %u, client seq %u; old TSvals %u (server), %u (client); now %u, %u",
	       seq, cseq, old_srv_ts, old_cli_ts, tr_info(c).xtcpi_ts_recent,
	       tr_info(s).xtcpi_ts_recent);

	/* An old data segment of the server, exactly at the client's
	 * RCV.NXT: PAWS drops it; the real bytes there arrive intact. */
	paws_b = xt_counter(self->b, "PAWSEstab");
	seg.sport = PORT + 2;
	seg.dport = cport;
	seg.seq = seq;
	seg.ack = ack;
	seg.data = "EVIL";
	seg.datalen = 4;
	tr_ts_opt(opt, old_srv_ts, old_cli_ts);
	ASSERT_EQ(0, xt_raw_send(rawa, IP_A, IP_B, &seg));
	EXPECT_EQ(paws_b + 1, xt_wait_counter(self->b, "PAWSEstab", paws_b + 1, 5000));
	ASSERT_EQ(4, write(s, "good", 4));
	xt_wait_readable(c, 5000);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, read(c, buf, sizeof(buf)));
	EXPECT_STREQ("good", buf);

	/* The old FIN, at the new RCV.NXT: PAWS again; no EOF. */
	seg.flags = XTCP_F_ACK | XTCP_F_FIN;
	seg.seq = seq + 4;
	seg.datalen = 0;
	ASSERT_EQ(0, xt_raw_send(rawa, IP_A, IP_B, &seg));
	EXPECT_EQ(paws_b + 2, xt_wait_counter(self->b, "PAWSEstab", paws_b + 2, 5000));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(c));
	EXPECT_FALSE(xt_wait_readable(c, 200) & POLLIN);

	/* An old data segment of the client, at the server's RCV.NXT. */
	paws_a = xt_counter(self->a, "PAWSEstab");
	seg.flags = XTCP_F_ACK | XTCP_F_PSH;
	seg.sport = cport;
	seg.dport = PORT + 2;
	seg.seq = cseq;
	seg.ack = seq + 4;
	seg.data = "EVIL";
	seg.datalen = 4;
	tr_ts_opt(opt, old_cli_ts, old_srv_ts);
	ASSERT_EQ(0, xt_raw_send(rawb, IP_B, IP_A, &seg));
	EXPECT_EQ(paws_a + 1, xt_wait_counter(self->a, "PAWSEstab", paws_a + 1, 5000));
	ASSERT_EQ(4, write(c, "fine", 4));
	xt_wait_readable(s, 5000);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, read(s, buf, sizeof(buf)));
	EXPECT_STREQ("fine", buf);

	/* The positive control: that FIN with the server's current TSval
	 * is the server's own as far as anyone can tell, and ends the
	 * client's reading. */
	seg.sport = PORT + 2;
	seg.dport = cport;
	seg.flags = XTCP_F_ACK | XTCP_F_FIN;
	seg.seq = seq + 4;
	seg.ack = cseq + 4;
	seg.datalen = 0;
	tr_ts_opt(opt, tr_info(c).xtcpi_ts_recent, 0);
	ASSERT_EQ(0, xt_raw_send(rawa, IP_A, IP_B, &seg));
	EXPECT_TRUE(xt_wait_readable(c, 5000) & POLLIN);
	EXPECT_EQ(0, read(c, buf, sizeof(buf)));
	EXPECT_EQ(paws_b + 2, xt_counter(self->b, "PAWSEstab"));
	if (_metadata->passed == 0) {
		xt_log_counters(self->a);
		xt_log_counters(self->b);
	}
	close(c);
	close(s);
	close(rawa);
	close(rawb);
	close(lfd);
}

TEST_HARNESS_MAIN
