// SPDX-License-Identifier: GPL-2.0
/*
 * The seams with the core stack (issue 16): what XTCP hands IP and
 * netfilter on output, what the socket filter sees on input, how ICMP
 * errors end or explain a connect(), SO_KEEPALIVE through the socket core,
 * a failed send() and a failed or abandoned connection leaving nothing
 * behind for the next one. Each case failed on the module before its fix
 * (docs/testing.md, "seams_test"). The cases that need the fix of
 * defect 1 to be safe on an unfixed module (every REJECT of our segments)
 * come last, so that a run on the unfixed module shows the others first.
 *
 * Host A 10.0.0.1 listens, host B 10.0.0.2 connects (net_fixture.h).
 * Netfilter rules are nft's (package nftables), in a table "xs" of the
 * namespace; a case that needs nft and finds none is skipped, not passed.
 */
#include "xtcp_lib.h"
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <netinet/tcp.h>	/* struct tcp_info */
#include <netinet/ip_icmp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define PORT 7100

static int have_nft(void)
{
	return xt_run("command -v nft >/dev/null 2>&1") == 0;
}

/* One output rule in namespace ns (table xs is made on first use). */
static int nft_out(const char *ns, const char *rule)
{
	return xt_run("ip netns exec %s nft 'add table ip xs; "
		      "add chain ip xs out { type filter hook output priority 0; }; "
		      "add rule ip xs out %s'", ns, rule);
}

/* One input rule in namespace ns (table xsi). */
static int nft_in(const char *ns, const char *rule)
{
	return xt_run("ip netns exec %s nft 'add table ip xsi; "
		      "add chain ip xsi in { type filter hook input priority 0; }; "
		      "add rule ip xsi in %s'", ns, rule);
}

static int nft_flush(const char *ns)
{
	return xt_run("ip netns exec %s nft 'delete table ip xs'", ns);
}

/* A listener on A, a connected client on B, and the accepted socket. */
static void pair(struct __test_metadata *_metadata, const char *a,
		 const char *b, int *lfd, int *srv, int *cli)
{
	*lfd = xt_listen(a, IP_A, PORT, 16, 1);
	ASSERT_LE(0, *lfd);
	*cli = xt_connect(b, IP_A, PORT);
	ASSERT_LE(0, *cli) TH_LOG("connect: %s", strerror(-*cli));
	*srv = accept(*lfd, NULL, NULL);
	ASSERT_LE(0, *srv);
}

static int xinfo(int fd, struct xtcp_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_XTCP, XTCP_INFO, info, &len);
}

/* connect() from B to A:PORT on fd; 0 or the errno, and how long it took. */
static int connect_errno(int fd, long *ms)
{
	struct sockaddr_in sin = xt_sin(IP_A, PORT);
	long t0 = xt_now_ms();
	int rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));

	*ms = xt_now_ms() - t0;
	return rc ? errno : 0;
}

/*
 * Defect 4: SO_KEEPALIVE set on a connected socket (as sshd does after
 * accept()) arms the keepalive timer. The socket core calls ->keepalive()
 * before it sets SOCK_KEEPOPEN, and the unfixed module looked at the flag:
 * nothing was ever probed. Both ends, idle 1 s.
 */
TEST_F_TIMEOUT(net, keepalive_set_after_connect_probes, 90)
{
	long a0 = xt_counter(self->a, "KeepAliveProbes");
	long b0 = xt_counter(self->b, "KeepAliveProbes");
	int lfd, srv, cli;

	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	ASSERT_EQ(0, xt_set_int(srv, SOL_XTCP, XTCP_KEEPIDLE, 1));
	ASSERT_EQ(0, xt_set_int(srv, SOL_XTCP, XTCP_KEEPINTVL, 1));
	ASSERT_EQ(0, xt_set_int(cli, SOL_XTCP, XTCP_KEEPIDLE, 1));
	ASSERT_EQ(0, xt_set_int(cli, SOL_XTCP, XTCP_KEEPINTVL, 1));
	ASSERT_EQ(0, xt_set_int(srv, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, xt_set_int(cli, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(a0 + 1, xt_wait_counter(self->a, "KeepAliveProbes", a0 + 1, 8000));
	EXPECT_EQ(b0 + 1, xt_wait_counter(self->b, "KeepAliveProbes", b0 + 1, 8000));
	/* The probes were answered: both ends still established. */
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(srv));
	EXPECT_EQ(XTCP_ESTABLISHED, xt_state(cli));
	close(srv);
	close(cli);
	close(lfd);
}

/*
 * Defect 3: send() whose copy fails (EFAULT) must not leave an empty
 * segment in the write queue. The unfixed module sent it with the ACK of
 * the peer's byte, it was never acknowledged, and Nagle held the next
 * write until the connection died of retries2.
 */
TEST_F_TIMEOUT(net, failed_send_leaves_no_empty_segment, 90)
{
	struct xtcp_info info;
	int lfd, srv, cli;
	char c;
	long end;

	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	EXPECT_EQ(-1, send(cli, NULL, 10, 0));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(1, send(srv, "p", 1, 0));
	ASSERT_NE(0, xt_wait_readable(cli, 5000));
	ASSERT_EQ(1, recv(cli, &c, 1, 0));
	ASSERT_EQ(1, send(cli, "x", 1, 0));
	ASSERT_NE(0, xt_wait_readable(srv, 5000)) TH_LOG("the byte after EFAULT never arrived");
	ASSERT_EQ(1, recv(srv, &c, 1, 0));
	EXPECT_EQ('x', c);
	/* And nothing stays in flight. */
	end = xt_now_ms() + 5000;
	do {
		ASSERT_EQ(0, xinfo(cli, &info));
		if (!info.xtcpi_packets_out)
			break;
		xt_sleep_ms(10);
	} while (xt_now_ms() < end);
	EXPECT_EQ(0, info.xtcpi_packets_out);
	EXPECT_EQ(0, info.xtcpi_unacked);
	close(srv);
	close(cli);
	close(lfd);
}

/*
 * Defect 2, input: a drop-all classic BPF socket filter (SO_ATTACH_FILTER)
 * drops what the connection receives before it is queued (FilterDrop);
 * the unfixed module delivered it. Detached, the sender's retransmission
 * gets through.
 */
TEST_F_TIMEOUT(net, socket_filter_drops_input, 90)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };
	long d0 = xt_counter(self->a, "FilterDrop");
	int lfd, srv, cli, v = 0;
	char buf[16];

	ASSERT_LE(0, d0) TH_LOG("no FilterDrop counter");
	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	ASSERT_EQ(0, setsockopt(srv, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)));
	ASSERT_EQ(5, send(cli, "hello", 5, 0));
	EXPECT_LE(d0 + 1, xt_wait_counter(self->a, "FilterDrop", d0 + 1, 5000));
	EXPECT_EQ(-1, recv(srv, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, setsockopt(srv, SOL_SOCKET, SO_DETACH_FILTER, &v, sizeof(v)));
	ASSERT_NE(0, xt_wait_readable(srv, 10000));
	EXPECT_EQ(5, recv(srv, buf, sizeof(buf), 0));
	close(srv);
	close(cli);
	close(lfd);
}

/* The next segment from B's port cport seen by raw socket raw (in A). */
static int sniff_from(int raw, int cport, struct xtcphdr *th)
{
	long end = xt_now_ms() + 5000;

	while (xt_now_ms() < end)
		if (!xt_raw_recv(raw, th, NULL, 500) && ntohs(th->source) == cport)
			return 0;
	return -1;
}

/*
 * Defect 8: old SYNs at a TIME-WAIT entry draw at most one ACK per half
 * second (as TCP's tcp_oow_rate_limited()), the rest counted
 * (ACKSkippedTimeWait); the unfixed module answered each of them.
 */
TEST_F_TIMEOUT(net, timewait_acks_rate_limited, 90)
{
	struct xt_seg s = { .dport = 0, .window = 1000 };
	struct xtcphdr th;
	long out0, skip0, sent, skipped, end;
	int lfd, srv, cli, raw, cport, i;
	char c;

	/* B keeps the entry, and ignores the RSTs A answers its ACKs with. */
	ASSERT_EQ(0, xt_sysctl(self->b, "tw_timeout_ms", "30000"));
	ASSERT_EQ(0, xt_sysctl(self->b, "rfc1337", "1"));
	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	cport = xt_getport(cli, 0);
	close(cli);
	ASSERT_NE(0, xt_wait_readable(srv, 5000));
	ASSERT_EQ(0, recv(srv, &c, 1, 0));
	close(srv);
	ASSERT_EQ(1, xt_wait_counter(self->b, "CurrTimeWait", 1, 5000));
	raw = xt_socket_in(self->a, AF_INET, SOCK_RAW, XTCP_IPPROTO_DEFAULT);
	ASSERT_LE(0, raw);
	/* A byte of data draws the entry's ACK (never limited): RCV.NXT. */
	s.sport = PORT;
	s.dport = cport;
	s.flags = XTCP_F_ACK;
	s.seq = 12345;
	s.data = "d";
	s.datalen = 1;
	ASSERT_EQ(0, xt_raw_send(raw, IP_A, IP_B, &s));
	ASSERT_EQ(0, sniff_from(raw, cport, &th));
	out0 = xt_counter(self->b, "OutSegs");
	skip0 = xt_counter(self->b, "ACKSkippedTimeWait");
	ASSERT_LE(0, skip0) TH_LOG("no ACKSkippedTimeWait counter");
	/* Ten old SYNs, back to back. */
	s.flags = XTCP_F_SYN;
	s.seq = ntohl(th.ack_seq) - 1000;
	s.datalen = 0;
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, xt_raw_send(raw, IP_A, IP_B, &s));
	end = xt_now_ms() + 5000;
	do {
		sent = xt_counter(self->b, "OutSegs") - out0;
		skipped = xt_counter(self->b, "ACKSkippedTimeWait") - skip0;
		if (sent + skipped >= 10)
			break;
		xt_sleep_ms(20);
	} while (xt_now_ms() < end);
	EXPECT_EQ(10, sent + skipped);
	EXPECT_GE(3, sent);	/* one per 500 ms; the burst takes less */
	EXPECT_LE(1, sent);
	close(raw);
	close(lfd);
}

/*
 * Defect 8, the orphan limit: a namespace keeps at most max_orphans
 * sockets that their application closed (tcp_max_orphans). B allows none:
 * its close() resets the connection at once, after the FIN it had sent,
 * as Linux (A reads EPIPE), and counts AbortOnMemory. Allowed one, the
 * close is an ordinary FIN and the orphan is counted in CurrOrphans until
 * TIME-WAIT takes over. The module before the fix had no limit (and no
 * such sysctl).
 */
TEST_F_TIMEOUT(net, orphan_limit_resets_the_extra_orphan, 90)
{
	int lfd, srv, cli, r;
	long ab0, end;
	char c;

	ASSERT_EQ(0, xt_sysctl(self->b, "max_orphans", "0"));
	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	ab0 = xt_counter(self->b, "AbortOnMemory");
	ASSERT_LE(0, ab0) TH_LOG("no AbortOnMemory counter");
	close(cli);
	/* B's FIN went first, as Linux's tcp_close() sends it before its
	 * tcp_check_oom(): A may read the EOF, then the RST's error (EPIPE
	 * in CLOSE-WAIT, as Linux). */
	end = xt_now_ms() + 5000;
	do {
		ASSERT_NE(0, xt_wait_readable(srv, 5000));
		r = recv(srv, &c, 1, MSG_DONTWAIT);
	} while (r >= 0 && xt_now_ms() < end);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(ab0 + 1, xt_counter(self->b, "AbortOnMemory"));
	EXPECT_EQ(0, xt_counter(self->b, "CurrOrphans"));
	EXPECT_EQ(0, xt_counter(self->b, "CurrTimeWait"));
	close(srv);

	/* One allowed: B's FIN-WAIT-2 orphan lives, A reads the FIN. */
	ASSERT_EQ(0, xt_sysctl(self->b, "max_orphans", "1"));
	cli = xt_connect(self->b, IP_A, PORT);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(cli);
	ASSERT_NE(0, xt_wait_readable(srv, 5000));
	EXPECT_EQ(0, recv(srv, &c, 1, 0));
	EXPECT_EQ(1, xt_wait_counter(self->b, "CurrOrphans", 1, 5000));
	EXPECT_EQ(ab0 + 1, xt_counter(self->b, "AbortOnMemory"));
	close(srv);
	EXPECT_EQ(0, xt_wait_counter(self->b, "CurrOrphans", 0, 5000));
	EXPECT_EQ(1, xt_wait_counter(self->b, "CurrTimeWait", 1, 5000));
	close(lfd);
}

/*
 * Defect 2, output: our segments carry their socket, so netfilter's owner
 * match sees them. A rule that rejects uid 0's protocol-253 packets stops
 * this connect() at once; the unfixed module's SYN matched no owner rule
 * and connected.
 */
TEST_F_TIMEOUT(net, owner_match_sees_our_segments, 90)
{
	long ms;
	int lfd, fd;

	if (!have_nft())
		SKIP(return, "nft not installed (scripts/deps.sh)");
	ASSERT_EQ(0, getuid());
	lfd = xt_listen(self->a, IP_A, PORT, 16, 1);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, nft_out(self->b, "meta skuid 0 ip protocol 253 "
			     "reject with icmp type admin-prohibited"));
	fd = xt_xsock(self->b);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EHOSTUNREACH, connect_errno(fd, &ms));
	close(fd);
	close(lfd);
}

/* ---- cgroup-BPF (issue 16, defect 2, and §27) ------------------------- */

/*
 * A CGROUP_SKB program of two instructions (r0 = verdict; exit) loaded with
 * the raw bpf() call, a child cgroup of our own under cgroup2, and the two
 * stacks side by side: what TCP does there, XTCP must do.
 */
#define CG_ROOT "/sys/fs/cgroup"

struct cg {
	char dir[160];		/* our child cgroup */
	char home[300];		/* the cgroup we came from */
	int fd, prog, type, attached;
};

static int cg_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int cg_write(const char *dir, const char *file, long v)
{
	char path[400];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (!f)
		return -1;
	rc = fprintf(f, "%ld\n", v) < 0;
	return fclose(f) || rc ? -1 : 0;
}

/* Our child cgroup (cgroup2 mounted if it is not), not yet entered. */
static int cg_make(struct cg *c)
{
	char line[256] = "";
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->fd = c->prog = -1;
	if (access(CG_ROOT "/cgroup.procs", F_OK) &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
		return -1;
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && strncmp(line, "0::", 3))
		;
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	if (strncmp(line, "0::", 3))
		return -1;
	snprintf(c->home, sizeof(c->home), CG_ROOT "%s", line + 3);
	snprintf(c->dir, sizeof(c->dir), CG_ROOT "/xtcp-seams-%d", getpid());
	if (mkdir(c->dir, 0755) && errno != EEXIST)
		return -1;
	c->fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return c->fd < 0 ? -1 : 0;
}

/* This process into our cgroup (in = 1) or back home: sockets made after
 * it belong there (sk_alloc() takes the creator's cgroup). */
static int cg_enter(struct cg *c, int in)
{
	return cg_write(in ? c->dir : c->home, "cgroup.procs", getpid());
}

/* A verdict-0 program of prog_type on our cgroup at attach type type:
 * CGROUP_SKB drops every packet, CGROUP_SOCK refuses every socket. */
static int cg_attach_prog(struct cg *c, int prog_type, int type)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[512] = "";
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = prog_type;
	a.expected_attach_type = type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	c->prog = cg_bpf(BPF_PROG_LOAD, &a);
	if (c->prog < 0) {
		fprintf(stderr, "# BPF_PROG_LOAD: %s %s\n", strerror(errno), log);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.target_fd = c->fd;
	a.attach_bpf_fd = c->prog;
	a.attach_type = type;
	if (cg_bpf(BPF_PROG_ATTACH, &a))
		return -1;
	c->type = type;
	c->attached = 1;
	return 0;
}

static int cg_attach_drop(struct cg *c, int type)
{
	return cg_attach_prog(c, BPF_PROG_TYPE_CGROUP_SKB, type);
}

static int cg_detach(struct cg *c)
{
	union bpf_attr a;

	if (!c->attached)
		return 0;
	memset(&a, 0, sizeof(a));
	a.target_fd = c->fd;
	a.attach_bpf_fd = c->prog;
	a.attach_type = c->type;
	c->attached = 0;
	return cg_bpf(BPF_PROG_DETACH, &a);
}

/* Detached, home again, the cgroup removed (sockets still in it keep it
 * alive until they go, as the kernel's references do). */
static void cg_done(struct cg *c)
{
	cg_detach(c);
	cg_enter(c, 0);
	if (c->prog >= 0)
		close(c->prog);
	if (c->fd >= 0)
		close(c->fd);
	rmdir(c->dir);
}

static const char *stack_name(int xtcp)
{
	return xtcp ? "XTCP" : "TCP";
}

static int stack_sock(const char *ns, int xtcp)
{
	return xtcp ? xt_xsock(ns) : xt_socket_in(ns, AF_INET, SOCK_STREAM, 0);
}

static int stack_listen(const char *ns, int xtcp, int port)
{
	int fd = stack_sock(ns, xtcp);

	if (fd < 0)
		return -1;
	xt_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (xt_bind(fd, IP_A, port) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) ? -errno : v;
}

/*
 * Sockets made in a cgroup whose drop-all program sits at type: for TCP
 * the SYN (egress) or the SYN at the listener (ingress) is dropped, so
 * nothing is accepted within 3 s and connect() is still in progress
 * (TCP's tcp_connect() ignores the transmit error); detached, a SYN
 * retransmission connects. XTCP's sockets must fare the same.
 */
static void cg_drop_blocks_connect(struct __test_metadata *_metadata,
				   const char *a, const char *b, int xtcp,
				   int type)
{
	struct pollfd p;
	struct cg c;
	int lfd, cli, srv, port = PORT + 30 + xtcp;
	long in0 = xtcp ? xt_counter(a, "InSegs") : 0;

	ASSERT_EQ(0, cg_make(&c)) TH_LOG("cgroup: %s", strerror(errno));
	ASSERT_EQ(0, cg_enter(&c, 1)) TH_LOG("cgroup.procs: %s", strerror(errno));
	lfd = stack_listen(a, xtcp, port);
	cli = stack_sock(b, xtcp);
	if (lfd < 0 || cli < 0)
		cg_done(&c);
	ASSERT_LE(0, lfd);
	ASSERT_LE(0, cli);
	if (cg_attach_drop(&c, type)) {
		cg_done(&c);
		ASSERT_TRUE(0) TH_LOG("attach: %s", strerror(errno));
	}
	EXPECT_EQ(-EINPROGRESS, xt_connect_nb(cli, IP_A, port));
	/* The SYN and its first retransmissions (1 s, 3 s) are dropped. */
	EXPECT_EQ(0, xt_wait_readable(lfd, 3000) & POLLIN)
		TH_LOG("%s: a connection got through the drop-all program",
		       stack_name(xtcp));
	p = (struct pollfd){ .fd = cli, .events = POLLOUT };
	EXPECT_EQ(0, poll(&p, 1, 0)) TH_LOG("%s: connect() ended: %s",
					     stack_name(xtcp),
					     strerror(so_error(cli)));
	if (xtcp && type == BPF_CGROUP_INET_EGRESS)
		EXPECT_EQ(in0, xt_counter(a, "InSegs"));
	ASSERT_EQ(0, cg_detach(&c));
	/* Detached: a retransmitted SYN connects (TCP's next at 7 s). */
	EXPECT_NE(0, xt_wait_readable(lfd, 20000) & POLLIN)
		TH_LOG("%s: no connection after the detach", stack_name(xtcp));
	srv = accept(lfd, NULL, NULL);
	EXPECT_LE(0, srv);
	p = (struct pollfd){ .fd = cli, .events = POLLOUT };
	EXPECT_EQ(1, poll(&p, 1, 10000));
	EXPECT_EQ(0, so_error(cli));
	if (srv >= 0)
		close(srv);
	close(cli);
	close(lfd);
	cg_done(&c);
}

TEST_F_TIMEOUT(net, cgroup_egress_drop_blocks_connect, 120)
{
	cg_drop_blocks_connect(_metadata, self->a, self->b, 0, BPF_CGROUP_INET_EGRESS);
	cg_drop_blocks_connect(_metadata, self->a, self->b, 1, BPF_CGROUP_INET_EGRESS);
}

TEST_F_TIMEOUT(net, cgroup_ingress_drop_blocks_connect, 120)
{
	long d0 = xt_counter(self->a, "FilterDrop");

	cg_drop_blocks_connect(_metadata, self->a, self->b, 0, BPF_CGROUP_INET_INGRESS);
	cg_drop_blocks_connect(_metadata, self->a, self->b, 1, BPF_CGROUP_INET_INGRESS);
	/* XTCP's listener dropped the SYNs in xtcp_filter(). */
	EXPECT_LT(d0, xt_counter(self->a, "FilterDrop"));
}

/*
 * cgroup/sock (BPF_CGROUP_INET_SOCK_CREATE), run by inet_create() for user
 * sockets: a program that returns 0 makes socket() fail with EPERM, for
 * TCP and (since xtcp_create() runs it) XTCP alike; detached, both work.
 * The module's refcount check after the program sees a leaked sock.
 */
TEST_F_TIMEOUT(net, cgroup_sock_create_program_refuses_socket, 60)
{
	struct cg c;
	int fd, err, i;

	ASSERT_EQ(0, cg_make(&c)) TH_LOG("cgroup: %s", strerror(errno));
	ASSERT_EQ(0, cg_enter(&c, 1)) TH_LOG("cgroup.procs: %s", strerror(errno));
	if (cg_attach_prog(&c, BPF_PROG_TYPE_CGROUP_SOCK,
			   BPF_CGROUP_INET_SOCK_CREATE)) {
		cg_done(&c);
		ASSERT_TRUE(0) TH_LOG("attach: %s", strerror(errno));
	}
	for (i = 0; i < 2; i++) {
		fd = socket(i ? AF_XTCP : AF_INET, SOCK_STREAM, 0);
		err = errno;
		EXPECT_EQ(-1, fd) TH_LOG("%s: socket() in spite of the program",
					 stack_name(i));
		EXPECT_EQ(EPERM, err);
		if (fd >= 0)
			close(fd);
	}
	ASSERT_EQ(0, cg_detach(&c));
	fd = socket(AF_XTCP, SOCK_STREAM, 0);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	cg_done(&c);
}

/*
 * Task 3 of issue 16: an accepted connection belongs to its listener's
 * cgroup (TCP's sk_clone_lock() copies it). The listener is made in our
 * cgroup, the client back home; once the pair is up a drop-all egress
 * program goes on our cgroup: the accepted socket's data is dropped, the
 * client's still arrives; detached, the retransmission arrives.
 */
static void cg_child_in_listener_cgroup(struct __test_metadata *_metadata,
					const char *a, const char *b, int xtcp)
{
	struct cg c;
	int lfd, cli, srv, port = PORT + 40 + xtcp;
	char buf[16];

	ASSERT_EQ(0, cg_make(&c)) TH_LOG("cgroup: %s", strerror(errno));
	ASSERT_EQ(0, cg_enter(&c, 1)) TH_LOG("cgroup.procs: %s", strerror(errno));
	lfd = stack_listen(a, xtcp, port);
	ASSERT_EQ(0, cg_enter(&c, 0));
	if (lfd < 0)
		cg_done(&c);
	ASSERT_LE(0, lfd);
	cli = stack_sock(b, xtcp);
	ASSERT_LE(0, cli);
	EXPECT_EQ(-EINPROGRESS, xt_connect_nb(cli, IP_A, port));
	ASSERT_NE(0, xt_wait_readable(lfd, 10000) & POLLIN);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	if (cg_attach_drop(&c, BPF_CGROUP_INET_EGRESS)) {
		cg_done(&c);
		ASSERT_TRUE(0) TH_LOG("attach: %s", strerror(errno));
	}
	ASSERT_EQ(5, send(srv, "hello", 5, 0));
	EXPECT_EQ(0, xt_wait_readable(cli, 3000) & POLLIN)
		TH_LOG("%s: the accepted socket's data passed its listener's "
		       "drop-all egress program", stack_name(xtcp));
	/* The client is not in that cgroup: its byte arrives. */
	ASSERT_EQ(1, send(cli, "x", 1, 0));
	EXPECT_NE(0, xt_wait_readable(srv, 10000) & POLLIN);
	EXPECT_EQ(1, recv(srv, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(0, cg_detach(&c));
	EXPECT_NE(0, xt_wait_readable(cli, 30000) & POLLIN);
	EXPECT_EQ(5, recv(cli, buf, sizeof(buf), MSG_DONTWAIT));
	close(srv);
	close(cli);
	close(lfd);
	cg_done(&c);
}

TEST_F_TIMEOUT(net, cgroup_of_accepted_child_is_the_listener_s, 120)
{
	cg_child_in_listener_cgroup(_metadata, self->a, self->b, 0);
	cg_child_in_listener_cgroup(_metadata, self->a, self->b, 1);
}

/*
 * Defect 5: after a connect() that timed out under XTCP_USER_TIMEOUT, the
 * next connect() of the same fd over a link slower than a jiffy must not
 * fail at once (the stale retrans_stamp made the first RTO the deadline).
 */
TEST_F_TIMEOUT(net, connect_after_user_timeout, 90)
{
	struct xtcp_info info;
	long ms;
	int lfd, fd, srv;

	if (!have_nft())
		SKIP(return, "nft not installed (scripts/deps.sh)");
	lfd = xt_listen(self->a, IP_A, PORT, 16, 1);
	ASSERT_LE(0, lfd);
	fd = xt_xsock(self->b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xt_set_int(fd, SOL_XTCP, XTCP_USER_TIMEOUT, 1000));
	ASSERT_EQ(0, nft_out(self->b, "ip protocol 253 drop"));
	EXPECT_EQ(ETIMEDOUT, connect_errno(fd, &ms));
	ASSERT_EQ(0, nft_flush(self->b));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 30ms"));
	ASSERT_EQ(0, connect_errno(fd, &ms)) TH_LOG("second connect: after %ld ms", ms);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, xinfo(fd, &info));
	EXPECT_EQ(XTCP_ESTABLISHED, info.xtcpi_state);
	EXPECT_EQ(0, info.xtcpi_backoff);
	close(srv);
	close(fd);
	close(lfd);
}

/*
 * Issue 13 with defect 5: connect(AF_UNSPEC) on a connection in loss
 * recovery, then connect() again: the new connection starts fresh (no
 * retransmission count, ca_state Open, the initial window), and the
 * abandoned connection's retransmission clock does not end it under
 * XTCP_USER_TIMEOUT.
 */
TEST_F_TIMEOUT(net, af_unspec_reconnect_starts_fresh, 90)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct xtcp_info info;
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	int lfd, srv, cli, srv2;
	char buf[1000] = { 0 };
	long t0, end, ms;

	if (!have_nft())
		SKIP(return, "nft not installed (scripts/deps.sh)");
	pair(_metadata, self->a, self->b, &lfd, &srv, &cli);
	ASSERT_EQ(0, xt_set_int(cli, SOL_XTCP, XTCP_USER_TIMEOUT, 2500));
	/* Lost on the way (a local drop would fail the transmission and
	 * count no retransmission). */
	ASSERT_EQ(0, nft_in(self->a, "ip protocol 253 drop"));
	t0 = xt_now_ms();
	ASSERT_EQ((ssize_t)sizeof(buf), send(cli, buf, sizeof(buf), 0));
	end = xt_now_ms() + 10000;
	do {
		ASSERT_EQ(0, xinfo(cli, &info));
		if (info.xtcpi_total_retrans >= 1 && info.xtcpi_ca_state == 3)
			break;
		xt_sleep_ms(10);
	} while (xt_now_ms() < end);
	ASSERT_LE(1, info.xtcpi_total_retrans);
	ASSERT_EQ(3, info.xtcpi_ca_state);	/* Loss, after the RTO */
	/* TCP_INFO speaks Linux's numbering, which ss and tools read:
	 * TCP_CA_Loss is 4 (Linux has CWR at 2). */
	ASSERT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_INFO, &ti, &tl));
	EXPECT_EQ(4, ti.tcpi_ca_state);
	ASSERT_EQ(0, xt_run("ip netns exec %s nft 'delete table ip xsi'", self->a));
	ASSERT_EQ(0, connect(cli, &unspec, sizeof(unspec)));
	ASSERT_EQ(0, xt_netem(self->b, "vb", "delay 30ms"));
	/* Past the abandoned connection's user timeout. */
	while (xt_now_ms() - t0 < 2700)
		xt_sleep_ms(20);
	ASSERT_EQ(0, connect_errno(cli, &ms)) TH_LOG("reconnect: after %ld ms", ms);
	srv2 = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv2);
	ASSERT_EQ(0, xinfo(cli, &info));
	EXPECT_EQ(XTCP_ESTABLISHED, info.xtcpi_state);
	EXPECT_EQ(0, info.xtcpi_total_retrans);
	EXPECT_EQ(0, info.xtcpi_retransmits);
	EXPECT_EQ(0, info.xtcpi_backoff);
	EXPECT_EQ(0, info.xtcpi_ca_state);
	EXPECT_EQ(0, info.xtcpi_packets_out);
	EXPECT_EQ(10, info.xtcpi_snd_cwnd);
	/* And it carries data. */
	ASSERT_EQ(5, send(cli, "hello", 5, 0));
	ASSERT_NE(0, xt_wait_readable(srv2, 5000));
	EXPECT_EQ(5, recv(srv2, buf, sizeof(buf), 0));
	close(srv2);
	close(srv);
	close(cli);
	close(lfd);
}

/*
 * Defects 7 and 5: a soft ICMP error (net unreachable) does not end the
 * handshake but is the error reported when it times out; and it is
 * forgotten by the next connect() of the same socket, whose own timeout
 * (the SYNs now silently dropped) is ETIMEDOUT, not the stale error.
 */
TEST_F_TIMEOUT(net, soft_icmp_error_reported_on_timeout_once, 90)
{
	long ms;
	int lfd, fd;

	if (!have_nft())
		SKIP(return, "nft not installed (scripts/deps.sh)");
	lfd = xt_listen(self->a, IP_A, PORT, 16, 1);
	ASSERT_LE(0, lfd);
	fd = xt_xsock(self->b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xt_set_int(fd, SOL_XTCP, XTCP_SYNCNT, 1));
	ASSERT_EQ(0, nft_out(self->b,
			     "ip protocol 253 reject with icmp type net-unreachable"));
	EXPECT_EQ(ENETUNREACH, connect_errno(fd, &ms));
	EXPECT_LE(900, ms);	/* not at once: the SYN was retransmitted */
	ASSERT_EQ(0, nft_flush(self->b));
	ASSERT_EQ(0, nft_out(self->b, "ip protocol 253 drop"));
	EXPECT_EQ(ETIMEDOUT, connect_errno(fd, &ms));
	ASSERT_EQ(0, nft_flush(self->b));
	close(fd);
	close(lfd);
}

/*
 * Defect 7: a hard ICMP error ends SYN-SENT at once with its errno
 * (icmp_err_convert): host-prohibited and admin-prohibited (a firewall's
 * REJECT) are EHOSTUNREACH. The unfixed module retried into the REJECT
 * for its whole SYN budget and said ETIMEDOUT. With IP_RECVERR the error
 * is also on the error queue, with its ICMP type and code.
 */
TEST_F_TIMEOUT(net, hard_icmp_error_aborts_connect, 90)
{
	static const struct { const char *nft; int code; } rej[] = {
		{ "host-prohibited", ICMP_HOST_ANO },
		{ "admin-prohibited", 13 /* ICMP_PKT_FILTERED */ },
	};
	int lfd, i;

	if (!have_nft())
		SKIP(return, "nft not installed (scripts/deps.sh)");
	lfd = xt_listen(self->a, IP_A, PORT, 16, 1);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 2; i++) {
		char rule[128], ctl[512];
		struct sock_extended_err *ee = NULL;
		struct msghdr mh = { .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;
		long ms;
		int fd = xt_xsock(self->b);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, xt_set_int(fd, SOL_XTCP, XTCP_SYNCNT, 2));
		ASSERT_EQ(0, xt_set_int(fd, SOL_IP, IP_RECVERR, 1));
		snprintf(rule, sizeof(rule),
			 "ip protocol 253 reject with icmp type %s", rej[i].nft);
		ASSERT_EQ(0, nft_out(self->b, rule));
		EXPECT_EQ(EHOSTUNREACH, connect_errno(fd, &ms)) TH_LOG("%s", rej[i].nft);
		/* The SYN budget (1 + 2 + 4 s) is not waited out. */
		EXPECT_GT(6000, ms) TH_LOG("%s", rej[i].nft);
		ASSERT_LE(0, recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT))
			TH_LOG("error queue: %s", strerror(errno));
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR)
				ee = (struct sock_extended_err *)CMSG_DATA(c);
		ASSERT_NE(NULL, ee);
		EXPECT_EQ(EHOSTUNREACH, ee->ee_errno);
		EXPECT_EQ(SO_EE_ORIGIN_ICMP, ee->ee_origin);
		EXPECT_EQ(ICMP_DEST_UNREACH, ee->ee_type);
		EXPECT_EQ(rej[i].code, ee->ee_code);
		close(fd);
		ASSERT_EQ(0, nft_flush(self->b));
	}
	close(lfd);
}

/*
 * Defect 1: a REJECT of our SYN runs icmp_send() on the skb we gave IP,
 * which reads skb->cb as IP's inet_skb_parm. With our control block still
 * there it took our bytes for IP options and overran a stack buffer
 * (the unfixed module crashed the VM here). Now IP gets a clean cb, the
 * ICMP port unreachable comes back, and connect() is refused at once.
 * Ten attempts: the stale bytes were a jiffies value, so each one
 * differed.
 */
TEST_F_TIMEOUT(net, reject_of_our_segment_is_safe, 90)
{
	int lfd, i;

	if (!have_nft())
		SKIP(return, "nft not installed (scripts/deps.sh)");
	lfd = xt_listen(self->a, IP_A, PORT, 16, 1);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, nft_out(self->b, "ip protocol 253 reject"));
	for (i = 0; i < 10; i++) {
		int fd = xt_xsock(self->b);
		long ms;

		ASSERT_LE(0, fd);
		EXPECT_EQ(ECONNREFUSED, connect_errno(fd, &ms));
		EXPECT_GT(5000, ms);
		close(fd);
	}
	close(lfd);
}

TEST_HARNESS_MAIN
