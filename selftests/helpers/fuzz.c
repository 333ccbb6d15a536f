// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: XTCP packet fuzzer. Plays a scripted XTCP peer behind a tun device
 * in the current network namespace and injects crafted and mutated segments
 * at every kind of endpoint, then checks that the module's error counters
 * account for every malformed segment.
 *
 *   fuzz [-n SEGMENTS] [-s SEED] [-j INJECTORS] [-r PER_ROUND] [-t SECONDS]
 *        [-U] [-q]
 *
 * The tun device "xfz0" gets 10.0.9.1/24; the peers are 10.0.9.2 .. .201.
 * With -j N, N injector processes run side by side, injector i with its
 * own tun "xfz<i>", subnet 10.0.<9+i>.0/24, ports 7001+10i.., endpoints,
 * seed (SEED + i) and 1/N of the segments: the receive path of each runs
 * on its own CPU, since a write into tun is processed in the writer's
 * context. The parent reads the counters before and after and checks the
 * sum of their models once.
 * What the fuzzer writes into tun reaches XTCP as if from a wire, and the
 * stack's replies come back out of tun to the fuzzer only: no real peer
 * stack ever sees them, and no peer stack's replies disturb the target.
 * The fuzzer itself owns the local XTCP sockets (listener, accepted and
 * connecting sockets), so it can drive each of them into the state it
 * wants before mutating segments at it.
 *
 * Each round builds a fresh set of endpoints:
 *   closed port, listener (random new 4-tuples), SYN-RECV request,
 *   SYN-SENT, ESTABLISHED (with unacknowledged data in flight), FIN-WAIT-1,
 *   FIN-WAIT-2, CLOSING, TIME-WAIT, CLOSE-WAIT, LAST-ACK
 * then sends PER_ROUND mutated segments spread over them, then tears them
 * down (RST with the learned sequence number, SO_LINGER 0 close, listener
 * close). Sequence and acknowledgment numbers are centred on what the
 * endpoint expects (learned from its replies), so many mutations pass the
 * window checks and reach the state machine, the reassembly queue and the
 * SACK scoreboard.
 *
 * Every segment is classified by a model of the validation rules of
 * docs/protocol.md §3 (length, data offset, checksum, source port, flags,
 * options). At the end the deltas of InHdrErrors, InCsumErrors, InBadFlags,
 * InBadOpts and InErrs of /proc/net/xtcp/snmp must equal the model's
 * counts exactly, and InSegs must have grown by at least the number of
 * segments injected; and exactly SEGMENTS must have been sent (a run
 * stopped at its -t budget fails). Exit status 0 when all hold, 1 when not,
 * 2 on a setup error. The seed is printed; -s SEED (with the same -j)
 * replays the same mutations (the kernel's own ISNs and timing still
 * differ from run to run).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>
#include <linux/xtcp.h>

#define PROTO		XTCP_IPPROTO_DEFAULT
#define MAXPKT		65535
#define MAX_JOBS	8

/*
 * Injector i (-j) has tun "xfz<i>", 10.0.<9+i>.1/24 with peers
 * 10.0.<9+i>.2 .. .201, and ports 7001+10i (listener), 7002+10i (closed),
 * 7003+10i (what its SYN-SENT sockets call): nothing it sends or is sent
 * can reach another injector's endpoints, and the directed broadcast it
 * uses is its own subnet's. Set by injector_addrs().
 */
static char tun_name[IFNAMSIZ];
static uint32_t local_addr, peer_net, bcast_addr;
static uint16_t listen_port, closed_port, connect_port;

static void injector_addrs(int idx)
{
	snprintf(tun_name, sizeof(tun_name), "xfz%d", idx);
	peer_net = 0x0a000900u + ((uint32_t)idx << 8);	/* 10.0.9+idx.0/24 */
	local_addr = peer_net + 1;
	bcast_addr = peer_net + 255;
	listen_port = 7001 + 10 * idx;
	closed_port = 7002 + 10 * idx;
	connect_port = 7003 + 10 * idx;
}

static int quiet;
static int tunfd;
static int ipproto = PROTO;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- PRNG: xorshift64*, seeded through splitmix64 ---------------------- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

static uint32_t rnd(uint32_t n)		/* 0 .. n-1 */
{
	return n ? (uint32_t)((rnd64() >> 32) % n) : 0;
}

static int chance(int percent)
{
	return (int)rnd(100) < percent;
}

static void seed_rng(uint64_t s)
{
	uint64_t z = s + 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	rng = (z ^ (z >> 31)) | 1;
}

/* ---- Counters ---------------------------------------------------------- */

enum { C_INSEGS, C_INERRS, C_CSUM, C_HDR, C_FLAGS, C_OPTS, C_ADDR, C_MAX };
static const char *const cnames[C_MAX] = {
	"InSegs", "InErrs", "InCsumErrors", "InHdrErrors", "InBadFlags",
	"InBadOpts", "InAddrErrors",
};

static void read_counters(long *v)
{
	char names[4096], vals[4096], *np, *vp, *sn, *sv, *n, *x;
	FILE *f = fopen("/proc/net/xtcp/snmp", "r");
	int i;

	if (!f || !fgets(names, sizeof(names), f) || !fgets(vals, sizeof(vals), f))
		die("cannot read /proc/net/xtcp/snmp: %s", strerror(errno));
	fclose(f);
	for (i = 0; i < C_MAX; i++)
		v[i] = -1;
	np = names;
	vp = vals;
	strtok_r(np, " \n", &sn);		/* "Xtcp:" */
	strtok_r(vp, " \n", &sv);
	while ((n = strtok_r(NULL, " \n", &sn)) && (x = strtok_r(NULL, " \n", &sv)))
		for (i = 0; i < C_MAX; i++)
			if (!strcmp(n, cnames[i]))
				v[i] = atol(x);
	for (i = 0; i < C_MAX; i++)
		if (v[i] < 0)
			die("counter %s missing from /proc/net/xtcp/snmp", cnames[i]);
}

/* ---- Checksums --------------------------------------------------------- */

static uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The XTCP checksum (pseudo-header + segment), host order result. */
static uint16_t xtcp_csum(uint32_t saddr, uint32_t daddr, const uint8_t *seg,
			  size_t len)
{
	uint32_t sum = 0;

	sum += saddr >> 16;
	sum += saddr & 0xffff;
	sum += daddr >> 16;
	sum += daddr & 0xffff;
	sum += ipproto;
	sum += len;
	return csum_fold(csum_add(sum, seg, len));
}

/* ---- tun --------------------------------------------------------------- */

static void tun_setup(void)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int s;

	tunfd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tunfd < 0)
		die("open /dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, tun_name);
	if (ioctl(tunfd, TUNSETIFF, &ifr))
		die("TUNSETIFF %s: %s", tun_name, strerror(errno));

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, tun_name);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(local_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr))
		die("SIOCSIFADDR: %s", strerror(errno));
	sin->sin_addr.s_addr = htonl(0xffffff00u);
	if (ioctl(s, SIOCSIFNETMASK, &ifr))
		die("SIOCSIFNETMASK: %s", strerror(errno));
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS: %s", strerror(errno));
	close(s);
}

/* ---- Endpoints --------------------------------------------------------- */

enum ep_kind {
	EP_CLOSED, EP_LISTEN, EP_SYNRECV, EP_SYNSENT, EP_EST, EP_FW1, EP_FW2,
	EP_CLOSING, EP_TW, EP_CW, EP_LASTACK, EP_STREAM, EP_KINDS
};
static const char *const kind_names[EP_KINDS] = {
	"closed", "listen", "syn-recv", "syn-sent", "established",
	"fin-wait-1", "fin-wait-2", "closing", "time-wait", "close-wait",
	"last-ack", "stream",
};
/* How many endpoints of each kind a round builds. */
static const int kind_count[EP_KINDS] = { 2, 2, 3, 2, 3, 2, 2, 2, 2, 2, 2, 2 };

struct ep {
	enum ep_kind kind;
	int ok;			/* reached its state */
	int fd;			/* local socket, or -1 */
	uint32_t paddr;		/* the peer (us): address and port */
	uint16_t pport, lport;
	uint32_t p_isn, p_nxt;	/* our sequence space: what local expects */
	uint32_t l_isn, l_nxt;	/* local's sequence space as seen */
	int have_l, fin_seen, synack_seen;
	uint32_t fin_seq;
	uint8_t last_flags;
	uint32_t s_base, s_read;	/* EP_STREAM: offset 0, bytes checked */
};

#define MAX_EPS 64
static struct ep eps[MAX_EPS];
static int neps;
static int listen_fd = -1;
static long kind_segs[EP_KINDS], kind_ok[EP_KINDS], kind_tried[EP_KINDS];
static long replies;

static int seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static struct ep *ep_find(uint32_t paddr, uint16_t pport, uint16_t lport)
{
	int i;

	for (i = 0; i < neps; i++)
		if (eps[i].paddr == paddr && eps[i].pport == pport &&
		    eps[i].lport == lport)
			return &eps[i];
	return NULL;
}

/* One packet from tun: a reply of the stack. Learn from it. */
static void on_reply(const uint8_t *p, ssize_t n)
{
	const struct xtcphdr *th;
	uint32_t daddr, seq, end;
	int ihl, doff, dlen;
	struct ep *e;

	if (n < 20 || (p[0] >> 4) != 4 || p[9] != ipproto)
		return;
	ihl = (p[0] & 15) * 4;
	if (n < ihl + XTCP_HDR_LEN)
		return;
	replies++;
	memcpy(&daddr, p + 16, 4);
	th = (const struct xtcphdr *)(p + ihl);
	doff = xtcp_hdr_doff(th) * 4;
	dlen = n - ihl - doff;
	if (dlen < 0)
		return;
	e = ep_find(ntohl(daddr), ntohs(th->dest), ntohs(th->source));
	if (!e)
		return;
	seq = ntohl(th->seq);
	e->last_flags = th->flags;
	if (th->flags & XTCP_F_RST)
		return;
	if (th->flags & XTCP_F_SYN) {
		if (!e->have_l) {
			e->l_isn = seq;
			e->l_nxt = seq + 1;
		}
		e->have_l = 1;
		if (th->flags & XTCP_F_ACK)
			e->synack_seen = 1;
	}
	end = seq + dlen + !!(th->flags & XTCP_F_SYN) + !!(th->flags & XTCP_F_FIN);
	if (e->have_l && seq_after(end, e->l_nxt))
		e->l_nxt = end;
	if (th->flags & XTCP_F_FIN) {
		e->fin_seen = 1;
		e->fin_seq = seq + dlen;
	}
	/* What the local side acknowledges is what it expects from us. */
	if ((th->flags & XTCP_F_ACK) && e->p_isn &&
	    seq_after(ntohl(th->ack_seq), e->p_nxt))
		e->p_nxt = ntohl(th->ack_seq);
}

static uint8_t rbuf[MAXPKT + 64];

/* Read every reply waiting in tun (after waiting up to ms for the first). */
static void pump(int ms)
{
	struct pollfd pfd = { .fd = tunfd, .events = POLLIN };
	ssize_t n;

	if (ms > 0 && poll(&pfd, 1, ms) <= 0)
		return;
	while ((n = read(tunfd, rbuf, sizeof(rbuf))) > 0)
		on_reply(rbuf, n);
}

/* ---- Building segments ------------------------------------------------- */

static uint8_t pkt[MAXPKT + 64];
static uint8_t noise[MAXPKT + 8192];
static uint16_t ip_id;

static void tun_write(const uint8_t *p, int len)
{
	for (;;) {
		if (write(tunfd, p, len) == len)
			return;
		if (errno != EINTR && errno != EAGAIN && errno != ENOBUFS)
			die("write to tun (%d bytes): %s", len, strerror(errno));
	}
}

/* An IPv4 header into h: payload len, fragment offset (bytes) and MF. */
static void ip_header(uint8_t *h, uint32_t saddr, uint32_t daddr, int proto,
		      int len, int off, int mf)
{
	int tot = 20 + len;
	uint16_t fo = off / 8 | (mf ? 0x2000 : 0) | (!off && !mf ? 0x4000 : 0);
	uint32_t sum;

	h[0] = 0x45;
	h[1] = 0;
	h[2] = tot >> 8;
	h[3] = tot;
	h[4] = ip_id >> 8;
	h[5] = ip_id;
	h[6] = fo >> 8;
	h[7] = fo;
	h[8] = 64;
	h[9] = proto;
	h[10] = h[11] = 0;
	h[12] = saddr >> 24; h[13] = saddr >> 16; h[14] = saddr >> 8; h[15] = saddr;
	h[16] = daddr >> 24; h[17] = daddr >> 16; h[18] = daddr >> 8; h[19] = daddr;
	sum = csum_fold(csum_add(0, h, 20));
	h[10] = sum >> 8;
	h[11] = sum;
}

static uint8_t fbuf[MAXPKT + 64];
static long fragmented, ipopts;

/*
 * Write one IPv4 packet carrying an XTCP segment of seglen bytes that
 * starts at pkt + 20; its checksum field must already be final. With
 * frag set the segment goes out as 2 .. 4 IP fragments in any order, so
 * that XTCP receives a reassembled, non-linear skb.
 */
static void send_ip_frag(uint32_t saddr, uint32_t daddr, int seglen, int frag)
{
	int cut[5], n, i, order[4];

	ip_id++;
	if (!frag && chance(3) && seglen <= MAXPKT - 60) {
		/* IP options (NOPs, a record-route with room, EOL): XTCP must
		 * find its header at the transport offset, not at 20. */
		int k = 1 + rnd(10), olen = 4 * k, i = 0;
		uint8_t *o = fbuf + 20;

		if (olen >= 8 && chance(50)) {
			int m = (olen - 3) / 4;

			o[0] = 7;			/* record route */
			o[1] = 3 + 4 * m;
			o[2] = 4;
			memset(o + 3, 0, 4 * m);
			i = 3 + 4 * m;
		}
		for (; i < olen; i++)
			o[i] = chance(90) ? 1 : 0;	/* NOP, EOL */
		ip_header(fbuf, saddr, daddr, ipproto, olen + seglen, 0, 0);
		fbuf[0] = 0x40 | (5 + k);
		fbuf[10] = fbuf[11] = 0;
		{
			uint16_t sum = csum_fold(csum_add(0, fbuf, 20 + olen));

			fbuf[10] = sum >> 8;
			fbuf[11] = sum;
		}
		memcpy(fbuf + 20 + olen, pkt + 20, seglen);
		tun_write(fbuf, 20 + olen + seglen);
		ipopts++;
		return;
	}
	if (!frag || seglen < 16) {
		ip_header(pkt, saddr, daddr, ipproto, seglen, 0, 0);
		tun_write(pkt, 20 + seglen);
		return;
	}
	/* Cut points on 8-byte boundaries; the first piece may end inside
	 * the XTCP header. */
	n = 2 + rnd(3);
	if (n > seglen / 8)
		n = seglen / 8;
	cut[0] = 0;
	cut[n] = seglen;
	for (i = 1; i < n; i++) {
		int lo = cut[i - 1] + 8, hi = seglen - 8 * (n - i);
		cut[i] = lo + (hi > lo ? rnd(hi - lo + 1) : 0);
		cut[i] &= ~7;
		if (cut[i] < lo)
			cut[i] = lo;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		int j = rnd(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {
		int k = order[i], len = cut[k + 1] - cut[k];

		ip_header(fbuf, saddr, daddr, ipproto, len, cut[k], k < n - 1);
		memcpy(fbuf + 20, pkt + 20 + cut[k], len);
		tun_write(fbuf, 20 + len);
	}
	fragmented++;
}

/* Handshakes and teardown: one plain packet, never options. */
static void send_ip(uint32_t saddr, uint32_t daddr, int seglen)
{
	ip_id++;
	ip_header(pkt, saddr, daddr, ipproto, seglen, 0, 0);
	tun_write(pkt, 20 + seglen);
}

/* A plain, valid segment from endpoint e's peer (handshakes, teardown). */
static void send_plain(struct ep *e, uint8_t flags, uint32_t seq, uint32_t ack,
		       int syn_opts)
{
	struct xtcphdr *th = (struct xtcphdr *)(pkt + 20);
	uint8_t *o = (uint8_t *)(th + 1);
	int olen = 0;
	uint16_t c;

	memset(th, 0, sizeof(*th));
	if (syn_opts) {
		/* MSS 1400, NOP WSCALE 7, NOP NOP SACK-PERM */
		o[0] = XTCP_OPT_MSS; o[1] = 4; o[2] = 1400 >> 8; o[3] = 1400 & 255;
		o[4] = XTCP_OPT_NOP; o[5] = XTCP_OPT_WSCALE; o[6] = 3; o[7] = 7;
		o[8] = XTCP_OPT_NOP; o[9] = XTCP_OPT_NOP;
		o[10] = XTCP_OPT_SACK_PERM; o[11] = 2;
		olen = 12;
	}
	th->source = htons(e->pport);
	th->dest = htons(e->lport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(flags & XTCP_F_ACK ? ack : 0);
	th->doff_res = ((XTCP_HDR_LEN + olen) / 4) << 4;
	th->flags = flags;
	th->window = htons(65535);
	c = xtcp_csum(e->paddr, local_addr, (uint8_t *)th, XTCP_HDR_LEN + olen);
	th->check = htons(c);
	send_ip(e->paddr, local_addr, XTCP_HDR_LEN + olen);
}

/* ---- The model of docs/protocol.md §3 ---------------------------------- */

enum verdict { V_PASS, V_HDR, V_CSUM, V_FLAGS, V_OPTS, V_ADDR, V_NVERDICTS };
static long verdicts[V_NVERDICTS];

static int model_flags_valid(uint8_t f)
{
	if (f & ~(XTCP_F_FIN | XTCP_F_SYN | XTCP_F_RST | XTCP_F_PSH | XTCP_F_ACK))
		return 0;
	if (!(f & (XTCP_F_SYN | XTCP_F_RST | XTCP_F_ACK)))
		return 0;
	if ((f & XTCP_F_SYN) && (f & (XTCP_F_FIN | XTCP_F_RST)))
		return 0;
	if ((f & XTCP_F_RST) && (f & XTCP_F_FIN))
		return 0;
	if ((f & XTCP_F_FIN) && !(f & XTCP_F_ACK))
		return 0;
	return 1;
}

static int model_opts_valid(const uint8_t *p, int len)
{
	while (len > 0) {
		uint8_t kind = p[0], olen;

		if (kind == XTCP_OPT_EOL)
			return 1;
		if (kind == XTCP_OPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2)
			return 0;
		olen = p[1];
		if (olen < 2 || olen > len)
			return 0;
		if (kind == XTCP_OPT_MSS && olen != 4)
			return 0;
		if (kind == XTCP_OPT_WSCALE && olen != 3)
			return 0;
		if (kind == XTCP_OPT_SACK_PERM && olen != 2)
			return 0;
		if (kind == XTCP_OPT_TIMESTAMP && olen != 10)
			return 0;
		/* The liveness probe and its echo: a 32-bit nonce. */
		if ((kind == XTCP_OPT_PROBE || kind == XTCP_OPT_PROBE_ECHO) &&
		    olen != 6)
			return 0;
		if (kind == XTCP_OPT_SACK &&
		    ((olen - 2) % 8 || olen < 10 || olen > 34))
			return 0;
		p += olen;
		len -= olen;
	}
	return 1;
}

static enum verdict model(uint32_t daddr, const uint8_t *seg, int len,
			  int csum_ok)
{
	const struct xtcphdr *th = (const struct xtcphdr *)seg;
	int doff;

	if (daddr != local_addr)	/* broadcast or multicast */
		return V_ADDR;
	if (len < XTCP_HDR_LEN)
		return V_HDR;
	doff = xtcp_hdr_doff(th) * 4;
	if (doff < XTCP_HDR_LEN || doff > len)
		return V_HDR;
	if (!csum_ok)
		return V_CSUM;
	if (!th->source)
		return V_HDR;
	if (!model_flags_valid(th->flags))
		return V_FLAGS;
	if (!model_opts_valid(seg + XTCP_HDR_LEN, doff - XTCP_HDR_LEN))
		return V_OPTS;
	return V_PASS;
}

/* ---- Mutation ---------------------------------------------------------- */

static uint32_t pick_seq(struct ep *e)
{
	switch (rnd(10)) {
	case 0: case 1: case 2:
		return e->p_nxt;
	case 3: case 4:
		return e->p_nxt + rnd(65536);
	case 5:
		return e->p_nxt - 1 - rnd(65536);
	case 6:
		return e->p_nxt + (1u << rnd(31)) - rnd(3);	/* window edges */
	case 7:
		return e->p_isn;
	default:
		return (uint32_t)rnd64();
	}
}

static uint32_t pick_ack(struct ep *e)
{
	uint32_t span = e->l_nxt - e->l_isn;

	switch (rnd(10)) {
	case 0: case 1: case 2:
		return e->l_nxt;
	case 3: case 4:
		return e->l_isn + 1 + (span ? rnd(span) : 0);
	case 5:
		return e->l_nxt + 1 + rnd(65536);
	case 6:
		return e->l_isn;
	case 7:
		return e->l_nxt - (1u << rnd(31));
	default:
		return (uint32_t)rnd64();
	}
}

static uint8_t pick_flags(void)
{
	static const uint8_t valid[] = {
		XTCP_F_ACK, XTCP_F_ACK, XTCP_F_ACK, XTCP_F_ACK | XTCP_F_FIN,
		XTCP_F_SYN, XTCP_F_SYN | XTCP_F_ACK, XTCP_F_RST,
		XTCP_F_RST | XTCP_F_ACK,
	};
	uint8_t f;

	if (chance(25))
		return (uint8_t)rnd(256);	/* every combination */
	f = valid[rnd(sizeof(valid))];
	if (chance(50))
		f |= XTCP_F_PSH;
	return f;
}

static void put_sack_block(uint8_t *o, struct ep *e)
{
	uint32_t span = e->l_nxt - e->l_isn + 1, a, b;

	switch (rnd(4)) {
	case 0:		/* inside what local sent */
		a = e->l_isn + rnd(span);
		b = a + 1 + rnd(span);
		break;
	case 1:		/* reversed */
		b = e->l_isn + rnd(span);
		a = b + 1 + rnd(4000);
		break;
	case 2:		/* around the edges, sometimes empty */
		a = e->l_nxt - rnd(3000);
		b = a + rnd(6000);
		break;
	default:
		a = (uint32_t)rnd64();
		b = chance(50) ? a + rnd(100000) : (uint32_t)rnd64();
	}
	o[0] = a >> 24; o[1] = a >> 16; o[2] = a >> 8; o[3] = a;
	o[4] = b >> 24; o[5] = b >> 16; o[6] = b >> 8; o[7] = b;
}

/* Options into o (at most 40 bytes); returns their length. */
static int pick_opts(uint8_t *o, struct ep *e)
{
	int len = 0, n, i, r = rnd(100);

	if (r < 45)
		return 0;
	if (r < 60) {			/* the SYN set, odd values included */
		uint16_t mss = chance(30) ? rnd(3) * 44 : rnd(65536);

		o[len++] = XTCP_OPT_MSS; o[len++] = 4;
		o[len++] = mss >> 8; o[len++] = mss;
		if (chance(70)) {
			o[len++] = XTCP_OPT_NOP;
			o[len++] = XTCP_OPT_WSCALE; o[len++] = 3;
			o[len++] = chance(50) ? rnd(15) : 14 + rnd(242);
		}
		if (chance(70)) {
			o[len++] = XTCP_OPT_NOP; o[len++] = XTCP_OPT_NOP;
			o[len++] = XTCP_OPT_SACK_PERM; o[len++] = 2;
		}
		return len;
	}
	if (r < 80) {			/* SACK blocks */
		n = 1 + rnd(4);
		if (chance(50)) {
			o[len++] = XTCP_OPT_NOP; o[len++] = XTCP_OPT_NOP;
		}
		if (len + 2 + 8 * n > 40)
			n = (40 - len - 2) / 8;
		o[len++] = XTCP_OPT_SACK;
		o[len++] = 2 + 8 * n;
		for (i = 0; i < n; i++, len += 8)
			put_sack_block(o + len, e);
		return len;
	}
	if (r < 95) {			/* a list of odd elements */
		n = 1 + rnd(6);
		for (i = 0; i < n && len < 40; i++) {
			int room = 40 - len, k;

			switch (rnd(12)) {
			case 0: o[len++] = XTCP_OPT_NOP; break;
			case 1: o[len++] = XTCP_OPT_EOL; break;
			case 2:		/* length 0 or 1 */
				if (room < 2)
					break;
				o[len++] = rnd(256);
				o[len++] = rnd(2);
				break;
			case 3:		/* overlong: beyond the header */
				if (room < 2)
					break;
				o[len++] = 2 + rnd(254);
				o[len++] = room + 1 + rnd(40);
				break;
			case 4:		/* MSS with a wrong length, or MSS 0 */
				if (room < 4)
					break;
				o[len++] = XTCP_OPT_MSS;
				k = chance(50) ? 4 : 2 + rnd(3) * 1 + (chance(50) ? 3 : 0);
				if (k > room)
					k = 4;
				o[len++] = k;
				memset(o + len, 0, k - 2);
				len += k - 2;
				break;
			case 5:		/* window scale > 14, or a wrong length */
				if (room < 4)
					break;
				o[len++] = XTCP_OPT_WSCALE;
				k = chance(60) ? 3 : 2 + rnd(3);
				o[len++] = k;
				for (; k > 2; k--)
					o[len++] = 15 + rnd(241);
				break;
			case 6:		/* SACK-permitted, length 2..4 */
				if (room < 4)
					break;
				o[len++] = XTCP_OPT_SACK_PERM;
				k = 2 + rnd(3);
				o[len++] = k;
				memset(o + len, 0, k - 2);
				len += k - 2;
				break;
			case 7:		/* SACK with any length */
				if (room < 3)
					break;
				k = 2 + rnd(room - 1);
				o[len++] = XTCP_OPT_SACK;
				o[len++] = k;
				memcpy(o + len, noise + rnd(4096), k - 2);
				len += k - 2;
				break;
			case 8:		/* timestamps: TSval, TSecr of noise */
				if (room < 10)
					break;
				o[len++] = 8; o[len++] = 10;
				memcpy(o + len, noise + rnd(4096), 8);
				len += 8;
				break;
			default:	/* unknown kind, valid length */
				if (room < 2)
					break;
				k = 2 + rnd(room - 1);
				o[len++] = 9 + rnd(247);
				o[len++] = k;
				memcpy(o + len, noise + rnd(4096), k - 2);
				len += k - 2;
			}
		}
		return len;
	}
	len = 1 + rnd(40);		/* noise */
	memcpy(o, noise + rnd(4096), len);
	return len;
}

static int pick_dlen(void)
{
	int r = rnd(100);

	if (r < 50)
		return 0;
	if (r < 75)
		return 1 + rnd(100);
	if (r < 95)
		return 100 + rnd(1400);
	if (r < 99)
		return 1500 + rnd(8000);
	return 9500 + rnd(MAXPKT - 20 - 60 - 9500);	/* oversize */
}

static long injected;

/*
 * EP_STREAM: an ESTABLISHED connection that only ever gets consistent
 * data: byte k of the stream is noise[k % PATLEN], sent in pieces of any
 * size, overlapping, duplicated, out of order, IP-fragmented, some with
 * odd options; and copies with a flipped byte whose checksum must drop
 * them. The fuzzer reads the socket and checks every byte, so the
 * reassembly is proven exact under abuse, not only crash-free.
 */
#define PATLEN 65521
static long stream_bytes, stream_bad;

static void fuzz_stream(struct ep *e)
{
	struct xtcphdr *th = (struct xtcphdr *)(pkt + 20);
	uint8_t *seg = pkt + 20, *d;
	uint32_t acked = e->p_nxt - e->s_base, off, i;
	int olen = 0, hlen, dlen, len, bad = chance(8);

	switch (rnd(4)) {
	case 0:
		off = acked;
		break;
	case 1:
		off = acked + rnd(30000);
		break;
	case 2:
		off = acked - rnd(acked < 3000 ? acked + 1 : 3000);
		break;
	default:
		off = acked + rnd(3000);
	}
	dlen = 1 + rnd(chance(20) ? 8000 : 1460);
	memset(th, 0, sizeof(*th));
	th->source = htons(e->pport);
	th->dest = htons(e->lport);
	th->seq = htonl(e->s_base + off);
	th->ack_seq = htonl(e->l_nxt);
	th->flags = XTCP_F_ACK | (chance(50) ? XTCP_F_PSH : 0);
	th->window = htons(65535);
	if (chance(30))
		olen = pick_opts(seg + XTCP_HDR_LEN, e);
	hlen = XTCP_HDR_LEN + ((olen + 3) & ~3);
	memset(seg + XTCP_HDR_LEN + olen, 0, hlen - XTCP_HDR_LEN - olen);
	th->doff_res = (hlen / 4) << 4;
	d = seg + hlen;
	for (i = 0; i < (uint32_t)dlen; i++)
		d[i] = noise[(off + i) % PATLEN];
	len = hlen + dlen;
	th->check = htons(xtcp_csum(e->paddr, local_addr, seg, len));
	if (bad)	/* one byte changed: the sum can no longer match */
		d[rnd(dlen)] ^= 1 + rnd(255);
	verdicts[model(local_addr, seg, len, !bad)]++;
	send_ip_frag(e->paddr, local_addr, len, chance(5));
	injected++;
	kind_segs[EP_STREAM]++;
}

static void stream_check(struct ep *e)
{
	static uint8_t b[65536];
	ssize_t n, i;

	if (e->fd < 0)
		return;
	while ((n = recv(e->fd, b, sizeof(b), MSG_DONTWAIT)) > 0) {
		for (i = 0; i < n; i++) {
			if (b[i] != noise[(e->s_read + i) % PATLEN]) {
				if (!stream_bad++)
					printf("fuzz: stream %u -> %u: byte %u is 0x%02x, sent 0x%02x\n",
					       e->pport, e->lport, (unsigned)(e->s_read + i),
					       b[i], noise[(e->s_read + i) % PATLEN]);
				break;
			}
		}
		e->s_read += n;
		stream_bytes += n;
	}
}

/* One mutated segment at endpoint e. */
static void fuzz_one(struct ep *e)
{
	struct xtcphdr *th = (struct xtcphdr *)(pkt + 20);
	uint8_t *seg = pkt + 20;
	uint32_t saddr = e->paddr, daddr = local_addr;
	int olen, hlen, dlen, len, csum_ok = 1, doff, r;
	uint16_t c, bad;

	memset(th, 0, sizeof(*th));
	th->source = htons(e->pport);
	th->dest = htons(e->lport);
	if (e->kind == EP_LISTEN || e->kind == EP_CLOSED) {
		/* New 4-tuples: fill the SYN queue, draw RSTs. */
		if (chance(70))
			th->source = htons(1024 + rnd(64000));
		if (chance(30))
			saddr = peer_net + 2 + rnd(200);
	}
	th->seq = htonl(pick_seq(e));
	th->ack_seq = htonl(pick_ack(e));
	th->flags = pick_flags();
	th->window = htons(chance(15) ? 0 : chance(15) ? 65535 : rnd(65536));
	if (chance(5))
		th->reserved = htons(rnd(65536));
	olen = pick_opts(seg + XTCP_HDR_LEN, e);
	hlen = XTCP_HDR_LEN + ((olen + 3) & ~3);
	memset(seg + XTCP_HDR_LEN + olen, 0, hlen - XTCP_HDR_LEN - olen);
	doff = hlen / 4;
	th->doff_res = doff << 4 | (chance(5) ? rnd(16) : 0);
	dlen = pick_dlen();
	memcpy(seg + hlen, noise + rnd(4096), dlen);
	len = hlen + dlen;

	r = rnd(100);
	if (r < 3) {
		th->source = 0;
	} else if (r < 6) {				/* data offset below 5 */
		th->doff_res = (rnd(5) << 4) | (th->doff_res & 15);
	} else if (r < 9) {				/* data offset beyond the end */
		len = XTCP_HDR_LEN + rnd(40);
		th->doff_res = ((len / 4 + 1 + rnd(15 - len / 4)) << 4);
		if ((th->doff_res >> 4) * 4 <= len)
			th->doff_res = 15 << 4;
	} else if (r < 12) {			/* truncated below the header */
		len = rnd(XTCP_HDR_LEN);
	} else if (r < 14 && (e->kind == EP_LISTEN || e->kind == EP_CLOSED)) {
		/* A directed or limited broadcast, all-hosts multicast. */
		const uint32_t odd[] = { bcast_addr, 0xffffffffu, 0xe0000001u };

		daddr = odd[rnd(3)];
	}

	c = xtcp_csum(saddr, daddr, seg, len);
	if (len >= 18) {
		if (chance(10)) {
			/* Any value not equivalent to c in ones' complement. */
			do {
				bad = rnd(65536);
			} while (bad == c || (bad == 0 && c == 0xffff) ||
				 (bad == 0xffff && c == 0));
			th->check = htons(bad);
			csum_ok = 0;
		} else {
			th->check = htons(c);
		}
	} else {
		/* Too short to hold a checksum field: the header check fires
		 * first, whatever the sum. */
		csum_ok = 0;
	}
	verdicts[model(daddr, seg, len, csum_ok)]++;
	send_ip_frag(saddr, daddr, len, chance(4));
	injected++;
	kind_segs[e->kind]++;
}

static long icmps;

/*
 * An ICMP error about a segment the local side sent to e's peer: protocol
 * and port unreachable (the SYN-SENT refusal path), fragmentation needed,
 * time exceeded, parameter problem, with the quoted XTCP header's sequence
 * number right or wrong and the quote sometimes cut short.
 */
static void fuzz_icmp(struct ep *e)
{
	static const uint8_t types[][2] = {
		{ 3, 2 }, { 3, 2 }, { 3, 3 }, { 3, 3 }, { 3, 4 }, { 3, 1 },
		{ 3, 0 }, { 3, 13 }, { 11, 0 }, { 12, 0 },
	};
	uint8_t *ic = pkt + 20, *in = ic + 8, *x = in + 20;
	int t = rnd(sizeof(types) / 2), qlen, len;
	uint32_t seq = chance(50) ? e->l_isn : chance(50) ? e->l_nxt - rnd(2000) :
		       (uint32_t)rnd64();
	uint16_t c;

	memset(ic, 0, 8);
	ic[0] = types[t][0];
	ic[1] = types[t][1];
	if (ic[0] == 3 && ic[1] == 4) {
		uint16_t mtu = rnd(1600);

		ic[6] = mtu >> 8;
		ic[7] = mtu;
	}
	if (ic[0] == 12)
		ic[4] = rnd(40);
	qlen = chance(80) ? 8 : chance(50) ? rnd(8) : 8 + rnd(40);
	ip_header(in, local_addr, e->paddr, chance(95) ? ipproto : rnd(256),
		  XTCP_HDR_LEN + rnd(1400), 0, 0);
	memcpy(x, noise + rnd(4096), qlen);
	if (qlen >= 8) {
		x[0] = e->lport >> 8; x[1] = e->lport;
		x[2] = e->pport >> 8; x[3] = e->pport;
		x[4] = seq >> 24; x[5] = seq >> 16; x[6] = seq >> 8; x[7] = seq;
	}
	len = 8 + 20 + qlen;
	c = csum_fold(csum_add(0, ic, len));
	ic[2] = c >> 8;
	ic[3] = c;
	ip_id++;
	ip_header(pkt, chance(70) ? e->paddr : peer_net + 250, local_addr,
		  IPPROTO_ICMP, len, 0, 0);
	tun_write(pkt, 20 + len);
	icmps++;
}

/* ---- Driving endpoints into their states ------------------------------- */

static double step_timeout = 30;	/* seconds, for any one wait */

static int wait_for(struct ep *e, int (*cond)(struct ep *))
{
	double end = now() + step_timeout;

	while (!cond(e)) {
		if (now() > end)
			return 0;
		pump(20);
	}
	return 1;
}

static int has_synack(struct ep *e) { return e->synack_seen; }
static int has_syn(struct ep *e) { return e->have_l; }
static int has_fin(struct ep *e) { return e->fin_seen; }

static void ep_new(struct ep *e, enum ep_kind kind)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->fd = -1;
	do {
		e->paddr = peer_net + 2 + rnd(200);
		e->pport = 1024 + rnd(64000);
	} while (ep_find(e->paddr, e->pport, listen_port));
	e->lport = kind == EP_CLOSED ? closed_port : listen_port;
	e->p_isn = (uint32_t)rnd64() | 1;
	e->p_nxt = e->p_isn;
	e->l_isn = (uint32_t)rnd64();
	e->l_nxt = e->l_isn;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* SYN, SYN-ACK, ACK, accept(): an ESTABLISHED socket in e->fd. */
static int handshake(struct ep *e)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	double end;

	send_plain(e, XTCP_F_SYN, e->p_isn, 0, 1);
	e->p_nxt = e->p_isn + 1;
	if (!wait_for(e, has_synack))
		return 0;
	send_plain(e, XTCP_F_ACK, e->p_nxt, e->l_nxt, 0);
	end = now() + step_timeout;
	for (;;) {
		struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };

		if (now() > end)
			return 0;
		if (poll(&pfd, 1, 20) == 1)
			break;
		pump(0);
	}
	e->fd = accept4(listen_fd, (struct sockaddr *)&sin, &sl, SOCK_NONBLOCK);
	if (e->fd < 0)
		return 0;
	if (sin.sin_addr.s_addr != htonl(e->paddr) || sin.sin_port != htons(e->pport)) {
		/* A child that a fuzzed ACK completed: not ours. */
		close(e->fd);
		e->fd = -1;
		return 0;
	}
	return 1;
}

static uint8_t wbuf[65536];

static int ep_setup(struct ep *e)
{
	struct sockaddr_in sin;
	int fd, n;

	switch (e->kind) {
	case EP_CLOSED:
	case EP_LISTEN:
		return 1;
	case EP_SYNRECV:
		send_plain(e, XTCP_F_SYN, e->p_isn, 0, 1);
		e->p_nxt = e->p_isn + 1;
		return wait_for(e, has_synack);
	case EP_SYNSENT:
		fd = socket(AF_XTCP, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket(AF_XTCP): %s", strerror(errno));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(e->paddr);
		sin.sin_port = htons(connect_port);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS)
			die("connect: %s", strerror(errno));
		e->fd = fd;
		e->pport = connect_port;
		{
			socklen_t sl = sizeof(sin);

			getsockname(fd, (struct sockaddr *)&sin, &sl);
			e->lport = ntohs(sin.sin_port);
		}
		/* We never sent anything: our ISN is whatever we choose. */
		return wait_for(e, has_syn);
	default:
		break;
	}
	if (!handshake(e))
		return 0;
	switch (e->kind) {
	case EP_EST:
		/* Unacknowledged data in flight, for the ACK and SACK paths. */
		n = write(e->fd, wbuf, 16384 + rnd(32768));
		(void)n;
		pump(0);
		return 1;
	case EP_STREAM:
		e->s_base = e->p_isn + 1;
		return 1;
	case EP_CW:
	case EP_LASTACK:
		send_plain(e, XTCP_F_FIN | XTCP_F_ACK, e->p_nxt, e->l_nxt, 0);
		e->p_nxt++;
		if (e->kind == EP_LASTACK) {
			close(e->fd);		/* orphan: FIN goes out */
			e->fd = -1;
			return wait_for(e, has_fin);
		}
		return 1;
	default:
		break;
	}
	/* FIN-WAIT-1 and what follows from it: the local side closes. */
	shutdown(e->fd, SHUT_WR);
	if (!wait_for(e, has_fin))
		return 0;
	switch (e->kind) {
	case EP_FW2:
		send_plain(e, XTCP_F_ACK, e->p_nxt, e->fin_seq + 1, 0);
		break;
	case EP_CLOSING:
		send_plain(e, XTCP_F_FIN | XTCP_F_ACK, e->p_nxt, e->fin_seq, 0);
		e->p_nxt++;
		break;
	case EP_TW:
		send_plain(e, XTCP_F_FIN | XTCP_F_ACK, e->p_nxt, e->fin_seq + 1, 0);
		e->p_nxt++;
		break;
	default:
		break;
	}
	pump(0);
	return 1;
}

static void ep_teardown(struct ep *e)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (e->fd >= 0) {
		setsockopt(e->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(e->fd);
		e->fd = -1;
	}
	/* Requests, orphans and TIME-WAIT entries: an exact RST. */
	if (e->kind != EP_CLOSED && e->kind != EP_LISTEN)
		send_plain(e, XTCP_F_RST, e->p_nxt, 0, 0);
}

static void listener_open(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(listen_port) };
	int one = 1;

	listen_fd = socket(AF_XTCP, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		die("socket(AF_XTCP): %s", strerror(errno));
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind port %d: %s", listen_port, strerror(errno));
	if (listen(listen_fd, 64))
		die("listen: %s", strerror(errno));
	set_nonblock(listen_fd);
}

/*
 * The user side, in a second thread while segments arrive: reads, writes,
 * XTCP_INFO, buffer and option changes, accept() and close() of children
 * that fuzzed ACKs completed. So segments also meet sockets a user holds
 * (the backlog path) and windows that move under them. The main thread
 * stops it (user_run = 0, then waits for user_idle) before it closes the
 * round's sockets.
 *
 * Its pace follows the injection: 8 calls per 16 segments injected (the
 * main thread publishes its count in injected_pub). Free-running, it made
 * 3-4 calls per segment, and with -j 2 on 2 vCPUs those took 30% of the
 * CPU time from the receive path on the debug kernel.
 */
#define USER_OPS	8	/* calls per USER_EVERY segments */
#define USER_EVERY	16
static long injected_pub;
static int user_run, user_idle = 1, user_quit, no_user;
static int user_fds[MAX_EPS + 1], user_nfds;
static long user_ops, user_accepts;
static uint64_t user_rng;

static uint32_t urnd(uint32_t n)
{
	user_rng ^= user_rng >> 12;
	user_rng ^= user_rng << 25;
	user_rng ^= user_rng >> 27;
	return (uint32_t)((user_rng * 0x2545F4914F6CDD1Dull) >> 32) % n;
}

static void user_op(int fd)
{
	static uint8_t buf[65536];
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	socklen_t sl;
	int v, c;
	ssize_t r;

	switch (urnd(12)) {
	case 0: case 1: case 2:
		r = recv(fd, buf, 1 + urnd(sizeof(buf)), MSG_DONTWAIT |
			 (urnd(4) ? 0 : MSG_PEEK));
		break;
	case 3:
		r = send(fd, buf, 1 + urnd(urnd(2) ? 100 : 20000), MSG_DONTWAIT |
			 MSG_NOSIGNAL | (urnd(3) ? 0 : MSG_MORE));
		break;
	case 4: {
		uint8_t info[512];

		sl = sizeof(info);
		getsockopt(fd, SOL_XTCP, XTCP_INFO, info, &sl);
		break;
	}
	case 5:
		v = urnd(2) ? 256 + urnd(4096) : 1 << (12 + urnd(10));
		setsockopt(fd, SOL_SOCKET, urnd(2) ? SO_RCVBUF : SO_SNDBUF, &v, sizeof(v));
		break;
	case 6:
		v = urnd(2);
		setsockopt(fd, SOL_XTCP, XTCP_NODELAY, &v, sizeof(v));
		v = 64 + urnd(1500);
		if (!urnd(4))
			setsockopt(fd, SOL_XTCP, XTCP_MAXSEG, &v, sizeof(v));
		break;
	case 7:
		ioctl(fd, urnd(2) ? FIONREAD : SIOCOUTQ, &v);
		poll(&pfd, 1, 0);
		sl = sizeof(v);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &sl);
		break;
	case 8:
		v = 1;
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
		v = 1 + urnd(3);
		setsockopt(fd, SOL_XTCP, XTCP_KEEPIDLE, &v, sizeof(v));
		break;
	default:
		/* The listener: take a child a fuzzed ACK completed, and
		 * close it (orphan FIN, or RST with SO_LINGER 0). */
		c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
		if (c >= 0) {
			user_accepts++;
			if (urnd(2))
				setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			else if (urnd(2))
				r = send(c, buf, 1 + urnd(3000), MSG_DONTWAIT | MSG_NOSIGNAL);
			close(c);
		}
	}
	(void)r;
	user_ops++;
}

static void *user_thread(void *arg)
{
	long done = 0;
	int i;

	(void)arg;
	while (!__atomic_load_n(&user_quit, __ATOMIC_SEQ_CST)) {
		if (!__atomic_load_n(&user_run, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&user_idle, 1, __ATOMIC_SEQ_CST);
			done = __atomic_load_n(&injected_pub, __ATOMIC_SEQ_CST);
			usleep(200);
			continue;
		}
		__atomic_store_n(&user_idle, 0, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&user_run, __ATOMIC_SEQ_CST))
			continue;
		if (__atomic_load_n(&injected_pub, __ATOMIC_SEQ_CST) - done < USER_EVERY) {
			usleep(100 + urnd(400));
			continue;
		}
		done += USER_EVERY;
		for (i = 0; i < USER_OPS && user_nfds; i++)
			user_op(user_fds[urnd(user_nfds)]);
		usleep(urnd(500));
	}
	return NULL;
}

static void user_start(void)
{
	int i;

	user_nfds = 0;
	for (i = 0; i < neps; i++)
		if (eps[i].fd >= 0)
			if (eps[i].kind != EP_STREAM)
				user_fds[user_nfds++] = eps[i].fd;
	user_fds[user_nfds++] = listen_fd;
	if (!no_user)
		__atomic_store_n(&user_run, 1, __ATOMIC_SEQ_CST);
}

static void user_stop(void)
{
	__atomic_store_n(&user_run, 0, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&user_idle, __ATOMIC_SEQ_CST))
		usleep(100);
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz [-n SEGMENTS] [-s SEED] [-j INJECTORS] [-r PER_ROUND] [-T STEP_TIMEOUT] [-t SECONDS] [-U] [-q]\n"
		"  -j  N injector processes (1..%d), each with its own tun device,\n"
		"      subnet, ports and endpoints and 1/N of the segments\n"
		"  -t  stop starting rounds after SECONDS (the count done is printed)\n"
		"  -U  no user-side thread\n", MAX_JOBS);
	exit(2);
}

/* "injector i: " in the progress lines of -j N > 1. */
static char who[32];

/* What one injector did: summed by the parent over all of them. */
struct result {
	long injected, rounds, replies, fragmented, ipopts, icmps;
	long user_ops, user_accepts, stream_bytes, stream_bad, out_of_time;
	long kind_segs[EP_KINDS], kind_ok[EP_KINDS], kind_tried[EP_KINDS];
	long verdicts[V_NVERDICTS];
	double tfuzz;
};

/*
 * Injector idx: its own tun device, subnet and ports, n_target segments
 * from its own seed in rounds of per_round, no new round once budget
 * seconds have passed since t0. Fills r.
 */
static void injector(int idx, uint64_t seed, long n_target, long per_round,
		     double t0, double budget, struct result *r)
{
	pthread_t uthr;
	int i, k;
	double tfuzz = 0;

	injector_addrs(idx);
	seed_rng(seed);
	for (i = 0; i < (int)sizeof(noise); i++)
		noise[i] = rnd(256);

	tun_setup();
	user_rng = seed ^ 0x5DEECE66Dull;
	if (pthread_create(&uthr, NULL, user_thread, NULL))
		die("pthread_create failed");
	memset(r, 0, sizeof(*r));
	while (injected < n_target) {
		long goal = injected + per_round;
		double tr;

		if (budget > 0 && now() - t0 > budget) {
			r->out_of_time = 1;
			break;
		}
		if (goal > n_target)
			goal = n_target;
		listener_open();
		neps = 0;
		for (k = 0; k < EP_KINDS; k++) {
			for (i = 0; i < kind_count[k]; i++) {
				struct ep *e = &eps[neps];

				ep_new(e, k);
				neps++;
				kind_tried[k]++;
				e->ok = ep_setup(e);
				if (e->ok)
					kind_ok[k]++;
			}
		}
		pump(0);
		tr = now();
		user_start();
		while (injected < goal) {
			if (budget > 0 && now() - t0 > budget + 30)
				goal = injected;	/* the round ends now */
			for (i = 0; i < 32 && injected < goal; i++) {
				struct ep *e = &eps[rnd(neps)];

				if (e->kind == EP_STREAM)
					fuzz_stream(e);
				else
					fuzz_one(e);
				if (chance(1))
					fuzz_icmp(&eps[rnd(neps)]);
			}
			__atomic_store_n(&injected_pub, injected, __ATOMIC_SEQ_CST);
			pump(0);
			for (i = 0; i < neps; i++)
				if (eps[i].kind == EP_STREAM)
					stream_check(&eps[i]);
		}
		user_stop();
		pump(0);
		for (i = 0; i < neps; i++)
			if (eps[i].kind == EP_STREAM)
				stream_check(&eps[i]);
		tfuzz += now() - tr;
		for (i = 0; i < neps; i++)
			ep_teardown(&eps[i]);
		close(listen_fd);
		listen_fd = -1;
		pump(0);
		r->rounds++;
		if (!(r->rounds % 25))
			say("fuzz: %s%ld segments, %.0f segments/s\n", who,
			    injected, tfuzz > 0 ? (injected / tfuzz) : 0);
	}
	__atomic_store_n(&user_quit, 1, __ATOMIC_SEQ_CST);
	pthread_join(uthr, NULL);
	/* The last replies: whatever they trigger is counted before the
	 * parent reads the counters. */
	pump(100);
	close(tunfd);

	r->injected = injected;
	r->replies = replies;
	r->fragmented = fragmented;
	r->ipopts = ipopts;
	r->icmps = icmps;
	r->user_ops = user_ops;
	r->user_accepts = user_accepts;
	r->stream_bytes = stream_bytes;
	r->stream_bad = stream_bad;
	r->tfuzz = tfuzz;
	memcpy(r->kind_segs, kind_segs, sizeof(kind_segs));
	memcpy(r->kind_ok, kind_ok, sizeof(kind_ok));
	memcpy(r->kind_tried, kind_tried, sizeof(kind_tried));
	memcpy(r->verdicts, verdicts, sizeof(verdicts));
}

/*
 * -j N: N processes, so that N CPUs run the receive path (a write into tun
 * is processed in the writer's context, on its CPU). Each gets seed + i
 * and its share of the segments, and sends its result back over a pipe;
 * the parent does the counter check once, for all of them. A child dies
 * with its parent (PR_SET_PDEATHSIG), so killing the fuzzer kills all.
 */
static int run_children(int jobs, uint64_t seed, long n_target, long per_round,
			double t0, double budget, struct result *res)
{
	int fds[MAX_JOBS], i, st, bad = 0;
	pid_t pids[MAX_JOBS], parent = getpid();

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < jobs; i++) {
		int p[2];
		long share = n_target / jobs + (i < n_target % jobs);

		if (pipe2(p, O_CLOEXEC))
			die("pipe: %s", strerror(errno));
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork: %s", strerror(errno));
		if (!pids[i]) {
			struct result r;
			ssize_t w;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(2);
			close(p[0]);
			snprintf(who, sizeof(who), "injector %d: ", i);
			injector(i, seed + i, share, per_round, t0, budget, &r);
			w = write(p[1], &r, sizeof(r));
			fflush(stdout);
			_exit(w == (ssize_t)sizeof(r) ? 0 : 2);
		}
		close(p[1]);
		fds[i] = p[0];
	}
	for (i = 0; i < jobs; i++) {
		ssize_t n = read(fds[i], &res[i], sizeof(res[i]));

		close(fds[i]);
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) ||
		    n != (ssize_t)sizeof(res[i])) {
			fprintf(stderr, "fuzz: injector %d (xfz%d) failed (status 0x%x)\n",
				i, i, st);
			bad = 1;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	long n_target = 100000, per_round = 4000, before[C_MAX], after[C_MAX];
	long expect[C_MAX];
	struct result res[MAX_JOBS], sum;
	uint64_t seed = 0;
	int opt, i, j, k, fails = 0, have_seed = 0, jobs = 1;
	double t0, t1, budget = 0, rate = 0;

	while ((opt = getopt(argc, argv, "n:s:j:r:T:t:qp:U")) != -1) {
		switch (opt) {
		case 'n': n_target = strtol(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = 1; break;
		case 'j': jobs = atoi(optarg); break;
		case 'r': per_round = strtol(optarg, NULL, 0); break;
		case 'T': step_timeout = atof(optarg); break;
		case 'p': ipproto = atoi(optarg); break;
		case 'q': quiet = 1; break;
		case 'U': no_user = 1; break;
		case 't': budget = atof(optarg); break;
		default: usage();
		}
	}
	if (n_target < 1 || per_round < 1 || jobs < 1 || jobs > MAX_JOBS ||
	    n_target < jobs)
		usage();
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000003u ^ ts.tv_nsec ^ getpid();
	}
	if (jobs == 1)
		printf("fuzz: seed %llu (replay with -s %llu), %ld segments, %ld per round\n",
		       (unsigned long long)seed, (unsigned long long)seed, n_target,
		       per_round);
	else
		printf("fuzz: seed %llu (replay with -s %llu -j %d), %ld segments, %ld per round, %d injectors (xfz0..xfz%d, seeds %llu..%llu)\n",
		       (unsigned long long)seed, (unsigned long long)seed, jobs,
		       n_target, per_round, jobs, jobs - 1,
		       (unsigned long long)seed, (unsigned long long)(seed + jobs - 1));
	fflush(stdout);

	read_counters(before);
	t0 = now();
	if (jobs == 1)
		injector(0, seed, n_target, per_round, t0, budget, &res[0]);
	else if (run_children(jobs, seed, n_target, per_round, t0, budget, res))
		return 2;
	t1 = now();
	read_counters(after);

	memset(&sum, 0, sizeof(sum));
	for (j = 0; j < jobs; j++) {
		struct result *r = &res[j];

		if (jobs > 1)
			printf("fuzz: injector %d (xfz%d, seed %llu): %ld segments, %.0f segments/s while fuzzing, %ld rounds%s\n",
			       j, j, (unsigned long long)(seed + j), r->injected,
			       r->tfuzz > 0 ? r->injected / r->tfuzz : 0, r->rounds,
			       r->out_of_time ? ", stopped at the time budget" : "");
		sum.injected += r->injected;
		sum.rounds += r->rounds;
		sum.replies += r->replies;
		sum.fragmented += r->fragmented;
		sum.ipopts += r->ipopts;
		sum.icmps += r->icmps;
		sum.user_ops += r->user_ops;
		sum.user_accepts += r->user_accepts;
		sum.stream_bytes += r->stream_bytes;
		sum.stream_bad += r->stream_bad;
		sum.out_of_time |= r->out_of_time;
		for (k = 0; k < EP_KINDS; k++) {
			sum.kind_segs[k] += r->kind_segs[k];
			sum.kind_ok[k] += r->kind_ok[k];
			sum.kind_tried[k] += r->kind_tried[k];
		}
		for (k = 0; k < V_NVERDICTS; k++)
			sum.verdicts[k] += r->verdicts[k];
		/* The injectors ran side by side: their rates add up. */
		if (r->tfuzz > 0)
			rate += r->injected / r->tfuzz;
	}

	printf("fuzz: %ld segments in %.1f s (%.0f segments/s while fuzzing, %.0f overall), %ld rounds, %ld replies read\n",
	       sum.injected, t1 - t0, rate, sum.injected / (t1 - t0), sum.rounds,
	       sum.replies);
	if (sum.out_of_time)
		printf("fuzz: stopped at the time budget (-t %.0f) after %ld of %ld segments\n",
		       budget, sum.injected, n_target);
	printf("fuzz: also %ld segments sent as IP fragments, %ld with IP options, %ld ICMP errors; user thread: %ld calls, %ld children accepted\n",
	       sum.fragmented, sum.ipopts, sum.icmps, sum.user_ops, sum.user_accepts);
	printf("fuzz: endpoints reached/tried and segments per kind:\n");
	for (k = 0; k < EP_KINDS; k++)
		printf("fuzz:   %-12s %5ld/%-5ld %9ld\n", kind_names[k], sum.kind_ok[k],
		       sum.kind_tried[k], sum.kind_segs[k]);
	printf("fuzz: model: pass %ld, header %ld, checksum %ld, flags %ld, options %ld, address %ld\n",
	       sum.verdicts[V_PASS], sum.verdicts[V_HDR], sum.verdicts[V_CSUM],
	       sum.verdicts[V_FLAGS], sum.verdicts[V_OPTS], sum.verdicts[V_ADDR]);

	expect[C_HDR] = sum.verdicts[V_HDR];
	expect[C_CSUM] = sum.verdicts[V_CSUM];
	expect[C_FLAGS] = sum.verdicts[V_FLAGS];
	expect[C_OPTS] = sum.verdicts[V_OPTS];
	expect[C_ADDR] = sum.verdicts[V_ADDR];
	expect[C_INERRS] = sum.verdicts[V_HDR] + sum.verdicts[V_CSUM] +
			   sum.verdicts[V_FLAGS] + sum.verdicts[V_OPTS] +
			   sum.verdicts[V_ADDR];
	for (i = C_INERRS; i < C_MAX; i++) {
		long d = after[i] - before[i];
		int good = d == expect[i];

		printf("fuzz: %-13s delta %9ld, expected %9ld: %s\n", cnames[i], d,
		       expect[i], good ? "ok" : "MISMATCH");
		fails += !good;
	}
	{
		long d = after[C_INSEGS] - before[C_INSEGS];
		int good = d >= sum.injected;

		printf("fuzz: %-13s delta %9ld, at least %9ld: %s\n", cnames[C_INSEGS],
		       d, sum.injected, good ? "ok" : "MISMATCH");
		fails += !good;
	}
	/* A run cut short by its time budget checked less than asked: fail. */
	printf("fuzz: segments sent %ld of %ld: %s\n", sum.injected, n_target,
	       sum.injected == n_target ? "ok" : "MISMATCH");
	fails += sum.injected != n_target;
	printf("fuzz: stream: %ld bytes read back in order, %ld wrong: %s\n",
	       sum.stream_bytes, sum.stream_bad,
	       sum.stream_bytes && !sum.stream_bad ? "ok" : "MISMATCH");
	fails += !sum.stream_bytes || sum.stream_bad;
	for (k = 0; k < EP_KINDS; k++) {
		if (!sum.kind_ok[k]) {
			printf("fuzz: no %s endpoint was ever reached\n", kind_names[k]);
			fails++;
		}
	}
	return fails ? 1 : 0;
}
