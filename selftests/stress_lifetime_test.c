// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime stress (issue 7, "Syscall and lifetime stress"): what happens to
 * connections when their listener, their namespace or the module goes.
 *
 *   listener_close_full_queues  a listener whose SYN queue is full of
 *       half-open requests (spoofed SYNs from an address that never
 *       answers) and whose accept queue holds completed connections nobody
 *       accepted, plus clients still retrying, is closed; the requests and
 *       children are gone at once, the clients learn it (RST), and the
 *       module's reference count is back where it was. Stock 10 rounds,
 *       debug 5.
 *   netns_every_state  connections in every state (LISTEN, SYN-SENT,
 *       SYN-RECV, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT,
 *       CLOSE-WAIT, LAST-ACK; an orphan FIN-WAIT-2 among them, the rest
 *       orphaned by the teardown; each state checked with xtcpstat before
 *       anything is torn down), then both namespaces
 *       deleted: three ways, one per round: descriptors closed first, the
 *       namespaces deleted first, or the link cut first so that the
 *       orphans never hear from their peer again. Within 60 s every
 *       reference the module had for them is gone.
 *   rmmod_busy_then_clean  rmmod is refused (EWOULDBLOCK/EBUSY) again and
 *       again while connections carry data, the transfer is unharmed, and
 *       once everything is closed (TIME-WAIT drained) rmmod succeeds, the
 *       family is gone (EAFNOSUPPORT), and insmod brings it back. Needs
 *       $XTCP_KO (the module the runner loaded, the debug one in the
 *       debug tier); leaves the module loaded.
 *
 * What "nothing leaks" is checked by: /sys/module/xtcp/refcnt (every
 * socket, SYN-queue request and TIME-WAIT entry holds one module
 * reference), xtcpstat listing nothing, CurrEstab/CurrTimeWait; and the
 * unload itself: kmem_cache_destroy() of the XTCP, xtcp_request and
 * xtcp_timewait caches warns about any object left, which the VM's splat
 * scan turns into a failure.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "xtcp_lib.h"
#include "kselftest_harness.h"

#define IP_NOBODY	"10.0.0.77"	/* on the link, never answers ARP */
#define IP_SPOOF	"10.0.0.150"	/* the same: SYN-ACKs go nowhere */

/* Socket states as XTCP_INFO reports them (TCP's numbers). */
enum { ST_ESTAB = 1, ST_FIN_WAIT2 = 5, ST_CLOSE = 7, ST_CLOSE_WAIT = 8,
       ST_CLOSING = 11 };

static long getenv_long(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : dflt;
}

/* XTCP_STRESS_ONLY=name runs only that test (a manual aid). */
#define ONLY(name) do {							\
	const char *_o = getenv("XTCP_STRESS_ONLY");			\
	if (_o && *_o && strcmp(_o, name))				\
		SKIP(return, "XTCP_STRESS_ONLY=%s", _o);		\
} while (0)

static bool debug_kernel(void)
{
	return getenv_long("XTCP_DEBUG_KERNEL", 0) == 1;
}

/* Wait until the module's reference count is at most @want. */
static int wait_refs(int want, long ms)
{
	long end = xt_now_ms() + ms;
	int n;

	while ((n = xt_module_refs()) > want && xt_now_ms() < end)
		xt_sleep_ms(100);
	return n;
}

/*
 * How many entries xtcpstat -a shows in ns in each of the @n states @st
 * ("ESTAB", ...), into @cnt; -1 if xtcpstat fails. One xtcpstat run.
 */
static int count_states(const char *ns, const char *const *st, int *cnt, int n)
{
	char cmd[256], line[1024], key[64];
	FILE *f;
	int i;

	snprintf(cmd, sizeof(cmd), "xtcpstat -N %s -a -j 2>/dev/null", ns);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		cnt[i] = 0;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < n; i++) {
			char *p = line;

			snprintf(key, sizeof(key), "\"state\":\"%s\"", st[i]);
			while ((p = strstr(p, key))) {
				cnt[i]++;
				p += strlen(key);
			}
		}
	}
	return pclose(f) ? -1 : 0;
}

static int count_state(const char *ns, const char *st)
{
	int n;

	return count_states(ns, &st, &n, 1) ? -1 : n;
}

/* Entries other than TIME-WAIT (any state xtcpstat knows). */
static int count_live(const char *ns)
{
	static const char *const live[] = { "LISTEN", "SYN-SENT", "SYN-RECV",
		"ESTAB", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSING", "CLOSE-WAIT",
		"LAST-ACK", "CLOSED", "UNKNOWN" };
	int cnt[11], i, n = 0;

	if (count_states(ns, live, cnt, 11))
		return -1;
	for (i = 0; i < 11; i++)
		n += cnt[i];
	return n;
}

static void show(const char *ns)
{
	xt_run("echo '# xtcpstat -N %s -a:'; xtcpstat -N %s -a -n | sed 's/^/#   /'",
	       ns, ns);
}

static int accept_wait(int lfd, long ms)
{
	if (!(xt_wait_readable(lfd, ms) & POLLIN))
		return -1;
	return accept(lfd, NULL, NULL);
}

/* Send until the peer's window and our buffer are full. */
static long fill(int fd)
{
	static char buf[65536];
	long total = 0, idle_since = xt_now_ms();
	ssize_t n;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (xt_now_ms() - idle_since < 300) {
		n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n > 0) {
			total += n;
			idle_since = xt_now_ms();
		} else {
			xt_sleep_ms(20);
		}
	}
	return total;
}

static int spoof_syns(const char *ns, const char *from, int dport, int n,
		      int sport0)
{
	int raw = xt_socket_in(ns, AF_INET, SOCK_RAW, IPPROTO_RAW), i, rc = 0;
	uint8_t mss[4] = { XTCP_OPT_MSS, 4, 0x05, 0xb4 };
	struct xt_seg s = { .dport = dport, .flags = XTCP_F_SYN,
			    .window = 65535, .opts = mss, .optlen = 4,
			    .spoof = 1 };

	if (raw < 0)
		return -1;
	for (i = 0; i < n && !rc; i++) {
		s.sport = sport0 + i;
		s.seq = 7777 * (i + 1);
		rc = xt_raw_send(raw, from, IP_A, &s);
	}
	close(raw);
	return rc;
}

FIXTURE(ns)
{
	char a[32], b[32];
	int refs0;
};

FIXTURE_SETUP(ns)
{
	signal(SIGPIPE, SIG_IGN);
	self->refs0 = xt_module_refs();
	ASSERT_LE(0, self->refs0) TH_LOG("xtcp is not loaded");
	xt_ns_names(self->a, self->b, sizeof(self->a));
	ASSERT_EQ(0, xt_ns_pair_create(self->a, self->b));
}

FIXTURE_TEARDOWN(ns)
{
	const char *ko = getenv("XTCP_KO");

	xt_ns_pair_destroy(self->a, self->b);
	/* Whatever happened, leave the module loaded for the tests after. */
	if (xt_module_refs() < 0)
		xt_run("insmod %s", ko && *ko ? ko : "build/module/xtcp.ko");
}

static int both(const char *a, const char *b, const char *name,
		const char *val)
{
	return xt_sysctl_errno(a, name, val) ?: xt_sysctl_errno(b, name, val);
}

TEST_F_TIMEOUT(ns, listener_close_full_queues, 600)
{
	int rounds = getenv_long("XTCP_STRESS_LISTENER_ROUNDS",
				 debug_kernel() ? 5 : 10);
	const int backlog = 8;
	long t0 = xt_now_ms();
	int round;

	ONLY("listener_close_full_queues");

	/* Without cookies a full SYN queue keeps its requests and drops the
	 * rest: the write must work, or the case tests the cookie path. */
	ASSERT_EQ(0, xt_sysctl_errno(self->a, "syncookies", "0"));
	ASSERT_EQ(0, xt_sysctl(self->b, "syn_retries", "3"));

	for (round = 0; round < rounds; round++) {
		static const char *const qstates[] = { "SYN-RECV", "ESTAB" };
		int lfd, cl[backlog + 4], i, n, err, refused = 0, reset = 0;
		int qn[2];
		long rsts;

		lfd = xt_listen(self->a, IP_A, 9000, backlog, 1);
		ASSERT_LE(0, lfd);
		/* The accept queue: completed, never accepted. */
		for (i = 0; i < backlog; i++) {
			cl[i] = xt_connect(self->b, IP_A, 9000);
			ASSERT_LE(0, cl[i]) TH_LOG("round %d: client %d: %s",
						   round, i, strerror(-cl[i]));
		}
		/* The SYN queue: half-open requests that never complete. */
		ASSERT_EQ(0, spoof_syns(self->b, IP_SPOOF, 9000, backlog,
					20000 + 100 * (round % 100)));
		/* Clients still trying: their SYNs find both queues full. */
		for (i = backlog; i < backlog + 4; i++) {
			cl[i] = xt_xsock(self->b);
			ASSERT_LE(0, cl[i]);
			ASSERT_EQ(-EINPROGRESS, xt_connect_nb(cl[i], IP_A, 9000));
		}
		/* Both queues are full before the listener goes. */
		for (i = 0; i < 50; i++) {
			ASSERT_EQ(0, count_states(self->a, qstates, qn, 2));
			if (qn[0] == backlog && qn[1] == backlog)
				break;
			xt_sleep_ms(50);
		}
		EXPECT_EQ(backlog, qn[0]) show(self->a);
		EXPECT_EQ(backlog, qn[1]) show(self->a);
		if (!_metadata->passed)
			return;

		rsts = xt_counter(self->a, "OutRsts");
		close(lfd);
		/* Nothing of the listener is left in its namespace ... */
		EXPECT_EQ(0, count_live(self->a)) show(self->a);
		/* ... and each queued child told its client. */
		EXPECT_LE(rsts + backlog, xt_counter(self->a, "OutRsts"));
		for (i = 0; i < backlog; i++) {
			xt_wait_readable(cl[i], 3000);
			err = xt_sock_error(cl[i]);
			if (err == ECONNRESET)
				reset++;
			close(cl[i]);
		}
		EXPECT_EQ(backlog, reset);
		/* The retrying clients are refused once the port is closed
		 * (their next SYN draws an RST), or still trying. */
		for (i = backlog; i < backlog + 4; i++) {
			if (xt_wait_readable(cl[i], 0) &&
			    xt_sock_error(cl[i]) == ECONNREFUSED)
				refused++;
			xt_abort(cl[i]);
		}
		if (!_metadata->passed)
			return;
		n = wait_refs(self->refs0, 10000);
		ASSERT_LE(n, self->refs0) TH_LOG("round %d: module refcnt %d, %d before",
						 round, n, self->refs0);
		if (round == rounds - 1)
			TH_LOG("last round: %d of 4 retrying clients already refused",
			       refused);
	}
	EXPECT_EQ(0, xt_counter(self->a, "CurrEstab"));
	EXPECT_EQ(0, xt_counter(self->b, "CurrEstab"));
	TH_LOG("%d rounds of %d requests + %d queued children + 4 retrying clients in %ld ms",
	       rounds, backlog, backlog, xt_now_ms() - t0);
}

/* The descriptors of one every-state build. */
struct zoo {
	int fds[48];
	int n;
};

static void keep(struct zoo *z, int fd)
{
	if (fd >= 0 && z->n < 48)
		z->fds[z->n++] = fd;
}

static void wait_for_state(int fd, int state)
{
	xt_wait_state(fd, state, 5000);
}

/* Connect b -> a:port and accept; the client and the server socket. */
static int pair(struct __test_metadata *_metadata, const char *b, int lfd,
		int port, int *srv)
{
	int c = xt_connect(b, IP_A, port);

	if (c < 0)
		return c;
	*srv = accept_wait(lfd, 5000);
	return c;
}

static const char *const every_state[] = {
	"LISTEN", "SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSING", "TIME-WAIT", "CLOSE-WAIT", "LAST-ACK",
};
#define NSTATES ((int)(sizeof(every_state) / sizeof(every_state[0])))

static void build_zoo(struct __test_metadata *_metadata, const char *a,
		      const char *b, struct zoo *z)
{
	struct sockaddr_in sin = xt_sin(IP_A, 8000);
	int l1, l2, c, s, small = 4096, i;

	z->n = 0;
	l1 = xt_listen(a, IP_A, 8000, 16, 1);
	ASSERT_LE(0, l1);
	keep(z, l1);
	/* Children of this one advertise a small window. */
	l2 = xt_xsock(a);
	ASSERT_LE(0, l2);
	ASSERT_EQ(0, xt_set_int(l2, SOL_SOCKET, SO_RCVBUF, small));
	ASSERT_EQ(0, xt_bind(l2, IP_A, 8001));
	ASSERT_EQ(0, listen(l2, 16));
	keep(z, l2);

	/* SYN-RECV: a request from an address that never answers. */
	ASSERT_EQ(0, spoof_syns(b, IP_SPOOF, 8000, 2, 30000));
	/* ESTABLISHED, with data queued both ways. */
	c = pair(_metadata, b, l1, 8000, &s);
	ASSERT_LE(0, c);
	ASSERT_LE(0, s);
	ASSERT_EQ(5, send(c, "hello", 5, 0));
	ASSERT_EQ(5, send(s, "world", 5, 0));
	keep(z, c);
	keep(z, s);
	/* FIN-WAIT-2 (b) and CLOSE-WAIT (a). */
	c = pair(_metadata, b, l1, 8000, &s);
	ASSERT_LE(0, c);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	wait_for_state(s, ST_CLOSE_WAIT);
	wait_for_state(c, ST_FIN_WAIT2);
	keep(z, c);
	keep(z, s);
	/* TIME-WAIT on b: b closes first, then a. */
	for (i = 0; i < 2; i++) {
		c = pair(_metadata, b, l1, 8000, &s);
		ASSERT_LE(0, c);
		ASSERT_LE(0, s);
		ASSERT_EQ(0, shutdown(c, SHUT_WR));
		wait_for_state(s, ST_CLOSE_WAIT);
		close(s);
		wait_for_state(c, ST_CLOSE);
		close(c);
	}
	/* FIN-WAIT-1: b's FIN waits behind data a's full window does not
	 * take. Not an orphan until the teardown: an orphan whose probe
	 * backoff is past orphan_retries is given up on at once. */
	c = pair(_metadata, b, l2, 8001, &s);
	ASSERT_LE(0, c);
	ASSERT_LE(0, s);
	fill(c);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	keep(z, c);
	keep(z, s);
	/* CLOSING: the same, then a's FIN crosses b's stuck one. */
	c = pair(_metadata, b, l2, 8001, &s);
	ASSERT_LE(0, c);
	ASSERT_LE(0, s);
	fill(c);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	ASSERT_EQ(0, shutdown(s, SHUT_WR));
	wait_for_state(c, ST_CLOSING);
	keep(z, c);
	keep(z, s);
	/* LAST-ACK (a): b's window is full, b sends FIN, a answers with a
	 * FIN stuck behind its data. */
	c = xt_xsock(b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xt_set_int(c, SOL_SOCKET, SO_RCVBUF, small));
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&sin, sizeof(sin)));
	s = accept_wait(l1, 5000);
	ASSERT_LE(0, s);
	fill(s);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	wait_for_state(s, ST_CLOSE_WAIT);
	ASSERT_EQ(0, shutdown(s, SHUT_WR));
	keep(z, s);
	keep(z, c);
	/* Last, the states with a clock (fin_timeout, syn_retries): a slow
	 * debug kernel takes long over the rest. */
	/* An orphan FIN-WAIT-2 too. */
	c = pair(_metadata, b, l1, 8000, &s);
	ASSERT_LE(0, c);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	wait_for_state(c, ST_FIN_WAIT2);
	close(c);
	keep(z, s);
	/* SYN-SENT: nobody answers ARP for this one. */
	c = xt_xsock(b);
	ASSERT_LE(0, c);
	ASSERT_EQ(-EINPROGRESS, xt_connect_nb(c, IP_NOBODY, 8000));
	keep(z, c);
}

TEST_F_TIMEOUT(ns, netns_every_state, 900)
{
	static const char *const how[] = {
		"close the descriptors, then delete the namespaces",
		"delete the namespaces, then close the descriptors",
		"cut the link, close the descriptors, delete the namespaces",
	};
	int rounds = getenv_long("XTCP_STRESS_NETNS_ROUNDS", 3), round, i, n;
	long t0, t1, t2;

	ONLY("netns_every_state");

	for (round = 0; round < rounds; round++) {
		struct zoo z;
		char missing[256] = "";
		int ca[NSTATES], cb[NSTATES];

		t0 = xt_now_ms();
		if (round) {
			xt_ns_names(self->a, self->b, sizeof(self->a));
			ASSERT_EQ(0, xt_ns_pair_create(self->a, self->b));
		}
		/* TIME-WAIT must outlive the namespace; orphans whose peer
		 * is gone must give up within the deadline (FIN-WAIT-2 after
		 * fin_timeout, the others after orphan_retries). The
		 * FIN-WAIT-2 orphan is built last and must live until the
		 * states are counted (two xtcpstat runs): 8 s is plenty even
		 * on the debug kernel, and the cut-link round waits it out. */
		ASSERT_EQ(0, both(self->a, self->b, "tw_timeout_ms", "600000"));
		ASSERT_EQ(0, both(self->a, self->b, "fin_timeout_ms", "8000"));
		ASSERT_EQ(0, both(self->a, self->b, "orphan_retries", "2"));
		ASSERT_EQ(0, both(self->a, self->b, "rto_max_ms", "1000"));
		ASSERT_EQ(0, both(self->a, self->b, "syn_retries", "8"));
		build_zoo(_metadata, self->a, self->b, &z);
		if (!_metadata->passed)
			return;
		t1 = xt_now_ms();

		/* One xtcpstat run per namespace for all the states. */
		ASSERT_EQ(0, count_states(self->a, every_state, ca, NSTATES));
		ASSERT_EQ(0, count_states(self->b, every_state, cb, NSTATES));
		for (i = 0; i < NSTATES; i++) {
			n = ca[i] + cb[i];
			if (n <= 0)
				snprintf(missing + strlen(missing),
					 sizeof(missing) - strlen(missing), " %s",
					 every_state[i]);
		}
		if (missing[0]) {
			show(self->a);
			show(self->b);
		}
		ASSERT_EQ(0, missing[0]) TH_LOG("round %d: no connection in:%s",
						round, missing);

		switch (round % 3) {
		case 0:
			for (i = 0; i < z.n; i++)
				close(z.fds[i]);
			xt_ns_pair_destroy(self->a, self->b);
			break;
		case 1:
			xt_ns_pair_destroy(self->a, self->b);
			for (i = 0; i < z.n; i++)
				close(z.fds[i]);
			break;
		default:
			ASSERT_EQ(0, xt_run("/usr/sbin/ip -n %s link del va", self->a));
			for (i = 0; i < z.n; i++)
				close(z.fds[i]);
			/* The orphans never hear from their peer again: they
			 * must give up by themselves (orphan_retries). */
			t2 = xt_now_ms();
			do {
				n = count_live(self->a) + count_live(self->b);
				if (!n)
					break;
				xt_sleep_ms(200);
			} while (xt_now_ms() - t2 < 90000);
			TH_LOG("round %d: %d connections left %ld ms after the link was cut",
			       round, n, xt_now_ms() - t2);
			if (n) {
				show(self->a);
				show(self->b);
			}
			EXPECT_EQ(0, n) TH_LOG("round %d: connections left 90 s after the link was cut",
					       round);
			xt_ns_pair_destroy(self->a, self->b);
			break;
		}
		t2 = xt_now_ms();
		n = wait_refs(self->refs0, 60000);
		ASSERT_LE(n, self->refs0) TH_LOG("round %d (%s): module refcnt %d 60 s later, %d before",
						 round, how[round % 3], n, self->refs0);
		TH_LOG("round %d: all %d states built in %ld ms and checked; %s: references gone %ld ms later",
		       round, NSTATES,
		       t1 - t0, how[round % 3], xt_now_ms() - t2);
	}
}

/*
 * An orphan whose FIN waits behind data that a live peer never reads: the
 * peer answers every window probe (zero window), so unanswered probes
 * never add up; still the orphan must not live for ever (a peer could pin
 * any amount of memory that way): as TCP, it gives up once its probe
 * backoff reaches the orphan retry limit. orphan_retries 2, rto_max 1 s:
 * gone within seconds; allowed 60 s.
 */
TEST_F_TIMEOUT(ns, orphan_behind_live_zero_window, 120)
{
	int l2, c, s, n = 1;
	long t0, aborts;

	ONLY("orphan_behind_live_zero_window");
	ASSERT_EQ(0, both(self->a, self->b, "orphan_retries", "2"));
	ASSERT_EQ(0, both(self->a, self->b, "rto_max_ms", "1000"));
	l2 = xt_xsock(self->a);
	ASSERT_LE(0, l2);
	ASSERT_EQ(0, xt_set_int(l2, SOL_SOCKET, SO_RCVBUF, 4096));
	ASSERT_EQ(0, xt_bind(l2, IP_A, 8001));
	ASSERT_EQ(0, listen(l2, 4));
	c = xt_connect(self->b, IP_A, 8001);
	ASSERT_LE(0, c);
	s = accept_wait(l2, 5000);
	ASSERT_LE(0, s);
	fill(c);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	ASSERT_EQ(1, count_state(self->b, "FIN-WAIT-1")) show(self->b);
	aborts = xt_counter(self->b, "AbortOnTimeout");
	close(c);
	t0 = xt_now_ms();
	while (xt_now_ms() - t0 < 60000 &&
	       (n = count_state(self->b, "FIN-WAIT-1")) > 0)
		xt_sleep_ms(500);
	if (n)
		show(self->b);
	EXPECT_EQ(0, n) TH_LOG("the orphan still probes the live zero window after 60 s");
	/* It was given up on, not reset by the peer. */
	EXPECT_EQ(aborts + 1, xt_counter(self->b, "AbortOnTimeout"));
	TH_LOG("orphan gone after %ld ms; the peer never read (ZeroWindowProbes %ld)",
	       xt_now_ms() - t0, xt_counter(self->b, "ZeroWindowProbes"));
	close(s);
	close(l2);
}

/* One side of the rmmod traffic: a child process sending or receiving. */
static pid_t traffic(const char *a, const char *b, int port, long bytes)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid) {
		/* Back once the connection is up (or the child is gone). */
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			c = 0;
		close(ready[0]);
		return pid;
	}
	close(ready[0]);
	{
		static char buf[65536];
		int lfd = xt_listen(a, IP_A, port, 4, 1), c, s;
		long got = 0, sent = 0;
		ssize_t n;

		if (lfd < 0)
			_exit(2);
		c = xt_connect(b, IP_A, port);
		s = accept_wait(lfd, 5000);
		if (c < 0 || s < 0)
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(6);
		close(ready[1]);
		if (fork() == 0) {
			while (sent < bytes) {
				n = send(c, buf, sizeof(buf) < (size_t)(bytes - sent) ?
					 sizeof(buf) : bytes - sent, MSG_NOSIGNAL);
				if (n <= 0)
					_exit(4);
				sent += n;
			}
			close(c);
			_exit(0);
		}
		close(c);
		while ((n = recv(s, buf, sizeof(buf), 0)) > 0)
			got += n;
		_exit(got == bytes ? 0 : 5);
	}
}

static int try_rmmod(void)
{
	return syscall(SYS_delete_module, "xtcp", O_NONBLOCK) ? errno : 0;
}

TEST_F_TIMEOUT(ns, rmmod_busy_then_clean, 600)
{
	const char *ko = getenv("XTCP_KO");
	long bytes = debug_kernel() ? (8L << 20) : (32L << 20), t0;
	int i, n, refused = 0, st, fd, busy_err = 0;
	pid_t p[2];

	ONLY("rmmod_busy_then_clean");
	if (!ko || !*ko)
		ko = "build/module/xtcp.ko";
	if (access(ko, R_OK))
		SKIP(return, "no module file %s to load again", ko);

	/* Long enough that the entries surely outlive the check below. */
	ASSERT_EQ(0, both(self->a, self->b, "tw_timeout_ms", "10000"));
	p[0] = traffic(self->a, self->b, 9100, bytes);
	p[1] = traffic(self->a, self->b, 9101, bytes);
	ASSERT_LT(0, p[0]);
	ASSERT_LT(0, p[1]);
	/* Refused, every time, while the transfers run. */
	t0 = xt_now_ms();
	for (i = 0; i < 200; i++) {
		if (waitpid(p[0], &st, WNOHANG) == p[0]) {
			ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
				TH_LOG("transfer 1 failed: status %d", st);
			p[0] = 0;
		}
		if (!p[0] || xt_module_refs() <= 0)
			break;
		n = try_rmmod();
		ASSERT_TRUE(n == EWOULDBLOCK || n == EBUSY)
			TH_LOG("rmmod during traffic: %s", n ? strerror(n) : "it unloaded");
		busy_err = n;
		refused++;
		ASSERT_EQ(0, access("/sys/module/xtcp", F_OK));
		xt_sleep_ms(10);
	}
	TH_LOG("rmmod refused %d times (%s) in %ld ms of traffic", refused,
	       strerror(busy_err), xt_now_ms() - t0);
	EXPECT_LE(1, refused);
	for (i = 0; i < 2; i++) {
		if (!p[i])
			continue;
		ASSERT_EQ(p[i], waitpid(p[i], &st, 0));
		ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
			TH_LOG("transfer %d failed: status %d", i + 1, st);
	}
	/* Every socket is closed: the TIME-WAIT entries still hold it. */
	t0 = xt_now_ms();
	n = count_state(self->a, "TIME-WAIT") + count_state(self->b, "TIME-WAIT");
	ASSERT_LE(1, n) TH_LOG("no TIME-WAIT entry after the transfers");
	n = try_rmmod();
	EXPECT_TRUE(n == EWOULDBLOCK || n == EBUSY)
		TH_LOG("rmmod with only TIME-WAIT entries: %s",
		       n ? strerror(n) : "it unloaded");
	if (n == 0)
		return;		/* the teardown loads it again */

	/* They drain (10 s), the namespaces go. */
	for (i = 0; i < 300 && count_state(self->a, "TIME-WAIT") +
				count_state(self->b, "TIME-WAIT") > 0; i++)
		xt_sleep_ms(100);
	xt_ns_pair_destroy(self->a, self->b);
	n = wait_refs(0, 60000);
	ASSERT_EQ(0, n) TH_LOG("module refcnt %d 60 s after the last close (%d before the test)",
			       n, self->refs0);
	TH_LOG("refcnt 0 %ld ms after the transfers ended (TIME-WAIT: 10 s)",
	       xt_now_ms() - t0);
	ASSERT_EQ(0, try_rmmod());
	EXPECT_NE(0, access("/sys/module/xtcp", F_OK));
	fd = socket(AF_XTCP, SOCK_STREAM, 0);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EAFNOSUPPORT, errno);
	ASSERT_EQ(0, xt_run("insmod %s", ko));
	fd = socket(AF_XTCP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_HARNESS_MAIN
