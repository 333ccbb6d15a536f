// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input at the socket API, differentially: every row makes the same
 * call on a Linux TCP socket (AF_INET, SOCK_STREAM) and on an XTCP socket
 * (AF_XTCP) prepared to the same state (fresh, bound, listening,
 * connecting, connected, shut down, closed by the peer, reset by the
 * peer, ...) and checks that
 *   - TCP gives the result written in the row (the table documents Linux),
 *   - XTCP gives the same result, or, for a row marked as a deliberate
 *     difference, the XTCP result written in the row with its reason.
 * A result is the call's return value or -errno; a SIGPIPE raised by the
 * call is part of it. Every row is one TAP case; no row is skipped.
 *
 * The rows are also the errno table of docs/errors.md:
 *   build/selftests/badinput_test --markdown
 * prints it, and the last case checks that the file holds exactly that
 * text between its "rows" markers, so the documentation cannot drift.
 *
 * Everything runs in a network namespace of its own: loopback for
 * connections, and a veth whose peer is down (with a permanent neighbour
 * entry) as a black hole that keeps a connect() in SYN-SENT without any
 * ICMP answer. Scale: the same in every tier, since no row may be left
 * out (about 300 rows, up to two connections per row and family): about
 * 10 s on the stock kernel under TCG on an idle host (up to ~50 s on a
 * loaded one); on the debug kernel (XTCP_DEBUG_KERNEL=1), where connection
 * setup is ~11x slower, about two minutes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <linux/xtcp.h>

#define VOID_IP		"10.9.0.2"	/* behind the veth whose peer is down */
#define BCAST_IP	"10.9.0.255"
#define LOCAL_IP	"127.0.0.1"

/* A result: the return value or -errno, plus this bit for a SIGPIPE. */
#define SIGP		(1L << 40)
#define E(x)		(-(long)(x))

enum st {
	ST_NONE,	/* no socket: the row creates one */
	ST_FRESH,	/* socket() */
	ST_BOUND,	/* bind(127.0.0.1:0) */
	ST_LISTEN,	/* bind + listen(1) */
	ST_PENDING,	/* listening, one connection waiting in the accept queue */
	ST_CONNECTING,	/* non-blocking connect() into the black hole: SYN-SENT */
	ST_CONNECTED,	/* ESTABLISHED to a listener, nothing queued */
	ST_DATA,	/* ESTABLISHED, "hello" (5 bytes) waiting to be read */
	ST_SHUT_WR,	/* connected, shutdown(SHUT_WR) */
	ST_SHUT_RD,	/* connected, shutdown(SHUT_RD) */
	ST_CLOSE_WAIT,	/* the peer closed (FIN): CLOSE-WAIT */
	ST_RESET,	/* the peer aborted (RST): CLOSE, ECONNRESET pending */
	ST_RESET_SEEN,	/* as ST_RESET, the error already taken by SO_ERROR */
	ST_MAX
};

static const char *const st_name[ST_MAX] = {
	"-", "fresh", "bound", "listening", "listening, 1 queued",
	"connecting", "connected", "connected, 5 bytes queued",
	"shut down (WR)", "shut down (RD)", "closed by peer (FIN)",
	"reset by peer (RST)", "reset, error read",
};

struct prep {
	int fam;
	int fd;
	int peer;	/* the other end, or the client of ST_PENDING */
	int extra;
};

struct ctx {
	int srv[2];		/* a listener per family: [0] TCP, [1] XTCP */
	int srv_port[2];
	int closed_port[2];	/* a bound, not listening, port per family */
	int closed_fd[2];
	void *hole;		/* an unmapped page */
	int xtcp_proto;		/* XTCP's IP protocol (SO_PROTOCOL) */
};

static struct ctx C;

static int fi(int fam)
{
	return fam == AF_INET ? 0 : 1;
}

static struct sockaddr_in sin_of(const char *ip, int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Wait up to ms for any of events on fd; the revents, 0 on timeout. */
static int wait_ev(int fd, short events, long ms)
{
	long end = now_ms() + ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long left = end - now_ms();
		int n = poll(&p, 1, left > 0 ? (int)left : 0);

		if (n > 0 && (p.revents & events))
			return p.revents;
		if (n < 0 && errno != EINTR)
			return 0;
		if (left <= 0)
			return 0;
		if (n > 0)	/* other bits (e.g. POLLOUT): not yet */
			usleep(2000);
	}
}

static int port_of(int fd, int peer)
{
	struct sockaddr_in s;
	socklen_t l = sizeof(s);

	if (peer ? getpeername(fd, (void *)&s, &l) : getsockname(fd, (void *)&s, &l))
		return -1;
	return ntohs(s.sin_port);
}

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 10 };

	/* A row that would block forever fails instead of hanging. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int sock_of(int fam)
{
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd >= 0)
		timeouts(fd);
	return fd;
}

static void abort_close(int fd)
{
	struct linger l = { 1, 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* A connected pair: *fd to the family's listener, *peer its accepted end. */
static int connect_pair(int fam, int *fd, int *peer)
{
	struct sockaddr_in a = sin_of(LOCAL_IP, C.srv_port[fi(fam)]);

	*fd = sock_of(fam);
	*peer = -1;
	if (*fd < 0 || connect(*fd, (void *)&a, sizeof(a)))
		return -1;
	/* The shared listeners are non-blocking (drain_listeners()). */
	if (!(wait_ev(C.srv[fi(fam)], POLLIN, 10000) & POLLIN))
		return -1;
	*peer = accept(C.srv[fi(fam)], NULL, NULL);
	if (*peer < 0)
		return -1;
	timeouts(*peer);
	return 0;
}

static int prepare(int fam, enum st st, struct prep *p, char *why, size_t n)
{
	struct sockaddr_in a;

	memset(p, 0, sizeof(*p));
	p->fam = fam;
	p->fd = p->peer = p->extra = -1;
#define FAIL(msg) do { snprintf(why, n, "prepare %s: %s: %s", st_name[st], \
				 msg, strerror(errno)); return -1; } while (0)
	switch (st) {
	case ST_NONE:
		return 0;
	case ST_FRESH:
	case ST_BOUND:
	case ST_LISTEN:
	case ST_PENDING:
		p->fd = sock_of(fam);
		if (p->fd < 0)
			FAIL("socket");
		if (st == ST_FRESH)
			return 0;
		a = sin_of(LOCAL_IP, 0);
		if (bind(p->fd, (void *)&a, sizeof(a)))
			FAIL("bind");
		if (st == ST_BOUND)
			return 0;
		if (listen(p->fd, 1))
			FAIL("listen");
		if (st == ST_LISTEN)
			return 0;
		a = sin_of(LOCAL_IP, port_of(p->fd, 0));
		p->peer = sock_of(fam);
		if (p->peer < 0 || connect(p->peer, (void *)&a, sizeof(a)))
			FAIL("connect to own listener");
		if (!(wait_ev(p->fd, POLLIN, 10000) & POLLIN))
			FAIL("no connection queued");
		return 0;
	case ST_CONNECTING:
		p->fd = sock_of(fam);
		if (p->fd < 0)
			FAIL("socket");
		fcntl(p->fd, F_SETFL, O_NONBLOCK);
		a = sin_of(VOID_IP, 9);
		if (!connect(p->fd, (void *)&a, sizeof(a)) || errno != EINPROGRESS)
			FAIL("connect into the black hole");
		return 0;
	default:
		break;
	}
	if (connect_pair(fam, &p->fd, &p->peer))
		FAIL("connect");
	switch (st) {
	case ST_DATA:
		if (send(p->peer, "hello", 5, 0) != 5)
			FAIL("peer send");
		if (!(wait_ev(p->fd, POLLIN, 10000) & POLLIN))
			FAIL("data did not arrive");
		/* All five bytes: the peer may have sent them in pieces. */
		for (long end = now_ms() + 10000; now_ms() < end; usleep(2000)) {
			int q = 0;

			if (!ioctl(p->fd, SIOCINQ, &q) && q == 5)
				return 0;
		}
		FAIL("5 bytes did not arrive");
	case ST_SHUT_WR:
		if (shutdown(p->fd, SHUT_WR))
			FAIL("shutdown");
		return 0;
	case ST_SHUT_RD:
		if (shutdown(p->fd, SHUT_RD))
			FAIL("shutdown");
		return 0;
	case ST_CLOSE_WAIT:
		close(p->peer);
		p->peer = -1;
		if (!(wait_ev(p->fd, POLLRDHUP, 10000) & POLLRDHUP))
			FAIL("no FIN");
		return 0;
	case ST_RESET:
	case ST_RESET_SEEN:
		abort_close(p->peer);
		p->peer = -1;
		if (!(wait_ev(p->fd, POLLERR, 10000) & POLLERR))
			FAIL("no RST");
		if (st == ST_RESET_SEEN) {
			int e = 0;
			socklen_t l = sizeof(e);

			if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &l) ||
			    e != ECONNRESET)
				FAIL("SO_ERROR is not ECONNRESET");
		}
		return 0;
	default:
		return 0;
	}
#undef FAIL
}

static void unprepare(struct prep *p)
{
	abort_close(p->fd);
	abort_close(p->peer);
	abort_close(p->extra);
}

/* Take whatever rows left in the shared listeners' queues. */
static void drain_listeners(void)
{
	for (int i = 0; i < 2; i++) {
		int fd;

		while ((fd = accept4(C.srv[i], NULL, NULL, SOCK_NONBLOCK)) >= 0)
			abort_close(fd);
	}
}

/* ---- the calls ---------------------------------------------------- */

/* A call's result: its return value, or -errno. */
static long R(long x)
{
	return x < 0 ? E(errno) : x;
}

#define OP(name) static long name(struct prep *p)

static int l4(struct prep *p)
{
	return p->fam == AF_INET ? IPPROTO_TCP : SOL_XTCP;
}

static long bind_addr(struct prep *p, const char *ip, int port)
{
	struct sockaddr_in a = sin_of(ip, port);

	return R(bind(p->fd, (void *)&a, sizeof(a)));
}

static long connect_addr(struct prep *p, const char *ip, int port)
{
	struct sockaddr_in a = sin_of(ip, port);

	return R(connect(p->fd, (void *)&a, sizeof(a)));
}

static long set_int(struct prep *p, int level, int opt, int val)
{
	return R(setsockopt(p->fd, level, opt, &val, sizeof(val)));
}

/* getsockopt of an int: the value, or -errno. */
static long get_int(struct prep *p, int level, int opt)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(p->fd, level, opt, &v, &l))
		return E(errno);
	return v;
}

/* socket() */
OP(sock_stream_udp) { return R(socket(p->fam, SOCK_STREAM, IPPROTO_UDP)); }
OP(sock_proto_neg) { return R(socket(p->fam, SOCK_STREAM, -1)); }
OP(sock_proto_huge) { return R(socket(p->fam, SOCK_STREAM, 1000)); }
OP(sock_type_garbage) { return R(socket(p->fam, 99, 0)); }
OP(sock_type_flags) { return R(socket(p->fam, SOCK_STREAM | 0x4000, 0)); }
OP(sock_rdm) { return R(socket(p->fam, SOCK_RDM, 0)); }
OP(sock_dgram) { return R(socket(p->fam, SOCK_DGRAM, 0)); }
OP(sock_tcp) { return R(socket(p->fam, SOCK_STREAM, IPPROTO_TCP)); }
OP(sock_253) { return R(socket(p->fam, SOCK_STREAM, 253)); }

/* bind() */
static long bind_raw(struct prep *p, const void *a, int len)
{
	return R(bind(p->fd, a, len));
}

OP(bind_null) { return bind_raw(p, NULL, sizeof(struct sockaddr_in)); }
OP(bind_len0) { struct sockaddr_in a = sin_of(LOCAL_IP, 0); return bind_raw(p, &a, 0); }
OP(bind_len8) { struct sockaddr_in a = sin_of(LOCAL_IP, 0); return bind_raw(p, &a, 8); }
OP(bind_len_huge)
{
	char big[4096] = { 0 };
	struct sockaddr_in a = sin_of(LOCAL_IP, 0);

	memcpy(big, &a, sizeof(a));
	return bind_raw(p, big, sizeof(big));
}
OP(bind_len_neg) { struct sockaddr_in a = sin_of(LOCAL_IP, 0); return bind_raw(p, &a, -1); }
OP(bind_len_storage)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in a = sin_of(LOCAL_IP, 0);

	memcpy(&ss, &a, sizeof(a));
	return bind_raw(p, &ss, sizeof(ss));
}
OP(bind_ptr1) { return bind_raw(p, (void *)1, sizeof(struct sockaddr_in)); }
OP(bind_unmapped) { return bind_raw(p, C.hole, sizeof(struct sockaddr_in)); }
OP(bind_unspec_any)
{
	struct sockaddr_in a = sin_of("0.0.0.0", 0);

	a.sin_family = AF_UNSPEC;
	return bind_raw(p, &a, sizeof(a));
}
OP(bind_unspec_addr)
{
	struct sockaddr_in a = sin_of(LOCAL_IP, 0);

	a.sin_family = AF_UNSPEC;
	return bind_raw(p, &a, sizeof(a));
}
OP(bind_inet6)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	return bind_raw(p, &a, sizeof(a));
}
OP(bind_garbage_family)
{
	struct sockaddr_in a = sin_of(LOCAL_IP, 0);

	a.sin_family = 0x4242;
	return bind_raw(p, &a, sizeof(a));
}
OP(bind_nonlocal) { return bind_addr(p, "10.99.0.1", 0); }
OP(bind_bcast) { return bind_addr(p, BCAST_IP, 0); }
OP(bind_mcast) { return bind_addr(p, "224.0.0.1", 0); }
OP(bind_inuse) { return bind_addr(p, LOCAL_IP, C.srv_port[fi(p->fam)]); }
OP(bind_again) { return bind_addr(p, LOCAL_IP, 0); }

/* connect() */
static long connect_raw(struct prep *p, const void *a, int len)
{
	return R(connect(p->fd, a, len));
}

OP(conn_null) { return connect_raw(p, NULL, sizeof(struct sockaddr_in)); }
OP(conn_len0) { struct sockaddr_in a = sin_of(LOCAL_IP, 9); return connect_raw(p, &a, 0); }
OP(conn_len1) { struct sockaddr_in a = sin_of(LOCAL_IP, 9); return connect_raw(p, &a, 1); }
OP(conn_len8) { struct sockaddr_in a = sin_of(LOCAL_IP, 9); return connect_raw(p, &a, 8); }
OP(conn_len_huge)
{
	char big[4096] = { 0 };
	struct sockaddr_in a = sin_of(LOCAL_IP, 9);

	memcpy(big, &a, sizeof(a));
	return connect_raw(p, big, sizeof(big));
}
OP(conn_len_neg) { struct sockaddr_in a = sin_of(LOCAL_IP, 9); return connect_raw(p, &a, -1); }
OP(conn_ptr1) { return connect_raw(p, (void *)1, sizeof(struct sockaddr_in)); }
OP(conn_unmapped) { return connect_raw(p, C.hole, sizeof(struct sockaddr_in)); }
OP(conn_inet6)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	return connect_raw(p, &a, sizeof(a));
}
OP(conn_garbage_family)
{
	struct sockaddr_in a = sin_of(LOCAL_IP, 9);

	a.sin_family = 0x4242;
	return connect_raw(p, &a, sizeof(a));
}
OP(conn_bcast) { return connect_addr(p, BCAST_IP, 9); }
OP(conn_lbcast) { return connect_addr(p, "255.255.255.255", 9); }
OP(conn_mcast) { return connect_addr(p, "224.0.0.1", 9); }
OP(conn_refused) { return connect_addr(p, LOCAL_IP, C.closed_port[fi(p->fam)]); }
OP(conn_port0) { return connect_addr(p, LOCAL_IP, 0); }
/* 0.0.0.0 means this host: the peer must then read as 127.0.0.1. */
OP(conn_any)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	long r = connect_addr(p, "0.0.0.0", C.srv_port[fi(p->fam)]);

	if (r)
		return r;
	if (getpeername(p->fd, (void *)&a, &l))
		return E(errno);
	return a.sin_addr.s_addr == htonl(INADDR_LOOPBACK) ? 0 : 1;
}
OP(conn_port0_nb)
{
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	return connect_addr(p, LOCAL_IP, 0);
}
OP(conn_void_nb)
{
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	return connect_addr(p, VOID_IP, 9);
}
OP(conn_void) { return connect_addr(p, VOID_IP, 9); }
/*
 * Sequences on a non-blocking socket: connect() (EINPROGRESS), wait until
 * it is writable, then connect() again @extra more times; the result of
 * the last call. An earlier step that differs returns 9000 + its number.
 */
static long conn_seq(struct prep *p, int port, int extra)
{
	long r;

	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	r = connect_addr(p, LOCAL_IP, port);
	if (r != E(EINPROGRESS))
		return 9001;
	if (!wait_ev(p->fd, POLLOUT | POLLERR, 10000))
		return 9002;
	for (int i = 0; i < extra; i++)
		r = connect_addr(p, LOCAL_IP, port);
	return r;
}
OP(conn_seq_again) { return conn_seq(p, C.srv_port[fi(p->fam)], 1); }
OP(conn_seq_twice) { return conn_seq(p, C.srv_port[fi(p->fam)], 2); }
OP(conn_seq_refused) { return conn_seq(p, C.closed_port[fi(p->fam)], 1); }
OP(conn_seq_refused_retry) { return conn_seq(p, C.closed_port[fi(p->fam)], 2); }
OP(conn_seq_refused_so_error)
{
	long r = conn_seq(p, C.closed_port[fi(p->fam)], 0);

	return r != E(EINPROGRESS) ? r : get_int(p, SOL_SOCKET, SO_ERROR);
}
OP(conn_srv) { return connect_addr(p, LOCAL_IP, C.srv_port[fi(p->fam)]); }
OP(conn_unspec)
{
	struct sockaddr a = { .sa_family = AF_UNSPEC };

	return connect_raw(p, &a, sizeof(a));
}
OP(conn_unspec_short)
{
	struct sockaddr a = { .sa_family = AF_UNSPEC };

	return connect_raw(p, &a, sizeof(a.sa_family));
}
/* Disconnect with AF_UNSPEC, then connect again: the socket is reusable. */
OP(conn_unspec_reconnect)
{
	long r = conn_unspec(p);

	return r ? r : conn_srv(p);
}

/* listen() */
OP(listen_1) { return R(listen(p->fd, 1)); }
OP(listen_neg) { return R(listen(p->fd, -5)); }
OP(listen_huge) { return R(listen(p->fd, INT_MAX)); }

/* accept() */
OP(acc_plain) { int fd = accept(p->fd, NULL, NULL); if (fd >= 0) close(fd); return fd < 0 ? E(errno) : 0; }
OP(acc_nb)
{
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	return acc_plain(p);
}
OP(acc_bad_flags) { return R(accept4(p->fd, NULL, NULL, 0x1234)); }
static long acc_with(struct prep *p, void *addr, socklen_t *lenp)
{
	int fd = accept(p->fd, addr, lenp);

	if (fd < 0)
		return E(errno);
	close(fd);
	return 0;
}
OP(acc_addr_ptr1) { socklen_t l = 16; return acc_with(p, (void *)1, &l); }
OP(acc_len_ptr1) { struct sockaddr_in a; return acc_with(p, &a, (void *)1); }
OP(acc_len_neg) { struct sockaddr_in a; socklen_t l = -1; return acc_with(p, &a, &l); }
/* A short buffer: the address is cut, *addrlen tells the full length. */
OP(acc_len_short)
{
	struct sockaddr_in a;
	socklen_t l = 4;
	long r;

	memset(&a, 0xee, sizeof(a));
	r = acc_with(p, &a, &l);
	if (r)
		return r;
	if (a.sin_family != AF_INET || ((unsigned char *)&a)[4] != 0xee)
		return 999;
	return l;
}
OP(acc_len_zero) { struct sockaddr_in a; socklen_t l = 0; long r = acc_with(p, &a, &l); return r ? r : l; }
OP(acc_addr_null) { socklen_t l = 16; long r = acc_with(p, NULL, &l); return r ? r : l; }
OP(acc_after_shut_rd)
{
	if (shutdown(p->fd, SHUT_RD))
		return 1000 + errno;
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	return acc_plain(p);
}

/* send() and friends */
static char buf[65536];

OP(send_1) { return R(send(p->fd, "x", 1, MSG_NOSIGNAL)); }
OP(send_1_sig) { return R(send(p->fd, "x", 1, 0)); }
OP(send_1_dontwait) { return R(send(p->fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL)); }
OP(send_null_10) { return R(send(p->fd, NULL, 10, MSG_NOSIGNAL)); }
OP(send_null_0) { return R(send(p->fd, NULL, 0, MSG_NOSIGNAL)); }
OP(send_unmapped_1m) { return R(send(p->fd, C.hole, 1 << 20, MSG_DONTWAIT | MSG_NOSIGNAL)); }
OP(send_twice_sig) { send(p->fd, "x", 1, 0); return R(send(p->fd, "x", 1, 0)); }
OP(send_oob) { return R(send(p->fd, "x", 1, MSG_OOB | MSG_NOSIGNAL)); }
OP(send_more) { return R(send(p->fd, "x", 1, MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL)); }
OP(send_unknown_flags) { return R(send(p->fd, "x", 1, 0x08000000 | MSG_NOSIGNAL)); }
OP(sendto_other_addr)
{
	struct sockaddr_in a = sin_of(VOID_IP, 9);

	return R(sendto(p->fd, "x", 1, MSG_NOSIGNAL, (void *)&a, sizeof(a)));
}
OP(sendto_addr_ptr1) { return R(sendto(p->fd, "x", 1, MSG_NOSIGNAL, (void *)1, 16)); }
OP(sendto_addrlen_huge)
{
	struct sockaddr_in a = sin_of(VOID_IP, 9);

	return R(sendto(p->fd, "x", 1, MSG_NOSIGNAL, (void *)&a, 4096));
}
OP(sendto_addrlen_neg)
{
	struct sockaddr_in a = sin_of(VOID_IP, 9);

	return R(sendto(p->fd, "x", 1, MSG_NOSIGNAL, (void *)&a, -1));
}
/* 64 KiB of good memory, then a hole, and a length of SIZE_MAX: whatever
 * fits is taken (> 0, normalised to 1), nothing past the hole. */
OP(send_huge_len)
{
	char *m = mmap(NULL, 65536 + 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long r;

	if (m == MAP_FAILED)
		return 9000;
	munmap(m + 65536, 4096);
	memset(m, 'x', 65536);
	r = R(send(p->fd, m, SIZE_MAX, MSG_DONTWAIT | MSG_NOSIGNAL));
	munmap(m, 65536);
	return r > 0 && r <= 65536 ? 1 : r;
}
OP(sendto_srv)
{
	struct sockaddr_in a = sin_of(LOCAL_IP, C.srv_port[fi(p->fam)]);

	return R(sendto(p->fd, "x", 1, MSG_NOSIGNAL, (void *)&a, sizeof(a)));
}
OP(sendto_fastopen)
{
	struct sockaddr_in a = sin_of(LOCAL_IP, C.srv_port[fi(p->fam)]);

	return R(sendto(p->fd, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (void *)&a, sizeof(a)));
}
OP(sendmsg_iov_many)
{
	static struct iovec iov[1025];
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 1025 };

	for (int i = 0; i < 1025; i++)
		iov[i] = (struct iovec){ buf, 1 };
	return R(sendmsg(p->fd, &m, MSG_NOSIGNAL));
}
OP(sendmsg_iov_ptr1)
{
	struct msghdr m = { .msg_iov = (void *)1, .msg_iovlen = 1 };

	return R(sendmsg(p->fd, &m, MSG_NOSIGNAL));
}
OP(sendmsg_msghdr_ptr1) { return R(sendmsg(p->fd, (void *)1, MSG_NOSIGNAL)); }
/* A control message whose cmsg_len is larger than the buffer. */
OP(sendmsg_bad_cmsg)
{
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr h; } u;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = sizeof(u.b) };

	memset(&u, 0, sizeof(u));
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = 0x7777;
	u.h.cmsg_len = CMSG_LEN(sizeof(int));
	return R(sendmsg(p->fd, &m, MSG_NOSIGNAL));
}

/* recv() and friends */
OP(recv_10) { return R(recv(p->fd, buf, 10, MSG_DONTWAIT)); }
OP(recv_10_block) { return R(recv(p->fd, buf, 10, 0)); }
OP(recv_twice) { recv(p->fd, buf, 10, MSG_DONTWAIT); return recv_10(p); }
OP(recv_null_10) { return R(recv(p->fd, NULL, 10, MSG_DONTWAIT)); }
OP(recv_ptr1_10) { return R(recv(p->fd, (void *)1, 10, MSG_DONTWAIT)); }
OP(recv_huge_len) { return R(recv(p->fd, buf, SIZE_MAX, MSG_DONTWAIT)); }
OP(recv_trunc_null) { return R(recv(p->fd, NULL, 5, MSG_TRUNC | MSG_DONTWAIT)); }
/* MSG_TRUNC discards: after dropping 2 bytes, "llo" is what is left. */
OP(recv_trunc_discards)
{
	long r = R(recv(p->fd, NULL, 2, MSG_TRUNC | MSG_DONTWAIT));

	if (r != 2)
		return r < 0 ? r : 1000 + r;
	r = R(recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT));
	return r == 3 && !memcmp(buf, "llo", 3) ? 3 : 2000 + r;
}
/* MSG_PEEK leaves the data: peek 5, then read the same 5. */
OP(recv_peek)
{
	long a = R(recv(p->fd, buf, 10, MSG_PEEK | MSG_DONTWAIT));
	long b = R(recv(p->fd, buf + 100, 10, MSG_DONTWAIT));

	if (a < 0)
		return a;
	return a == 5 && b == 5 && !memcmp(buf, buf + 100, 5) ? 10 : 1000 + a * 10 + b;
}
OP(recv_oob) { return R(recv(p->fd, buf, 10, MSG_OOB | MSG_DONTWAIT)); }
OP(recv_errqueue) { return R(recv(p->fd, buf, 10, MSG_ERRQUEUE | MSG_DONTWAIT)); }
OP(recv_waitall_dontwait) { return R(recv(p->fd, buf, 10, MSG_WAITALL | MSG_DONTWAIT)); }
/* recvfrom() on a stream: no source address, *addrlen becomes 0. */
OP(recvfrom_addr)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	long r = R(recvfrom(p->fd, buf, 10, MSG_DONTWAIT, (void *)&a, &l));

	return r < 0 ? r : r * 100 + l;
}
OP(recvfrom_len_ptr1)
{
	struct sockaddr_in a;

	return R(recvfrom(p->fd, buf, 10, MSG_DONTWAIT, (void *)&a, (void *)1));
}
OP(recvfrom_len_neg)
{
	struct sockaddr_in a;
	socklen_t l = -1;

	return R(recvfrom(p->fd, buf, 10, MSG_DONTWAIT, (void *)&a, &l));
}
OP(recvmsg_iov_ptr1)
{
	struct msghdr m = { .msg_iov = (void *)1, .msg_iovlen = 1 };

	return R(recvmsg(p->fd, &m, MSG_DONTWAIT));
}

/* shutdown() */
OP(shut_3) { return R(shutdown(p->fd, 3)); }
OP(shut_neg) { return R(shutdown(p->fd, -1)); }
OP(shut_rd) { return R(shutdown(p->fd, SHUT_RD)); }
OP(shut_wr) { return R(shutdown(p->fd, SHUT_WR)); }
OP(shut_rdwr) { return R(shutdown(p->fd, SHUT_RDWR)); }

/* getsockname() / getpeername(): the returned length, or -errno. */
static long getname(struct prep *p, int peer, void *addr, socklen_t *lenp)
{
	int rc = peer ? getpeername(p->fd, addr, lenp) : getsockname(p->fd, addr, lenp);

	if (rc)
		return E(errno);
	return *lenp;
}
OP(gsn_null_addr) { socklen_t l = 16; return getname(p, 0, NULL, &l); }
OP(gsn_null_len) { struct sockaddr_in a; return R(getsockname(p->fd, (void *)&a, NULL)); }
OP(gsn_ptr1_addr) { socklen_t l = 16; return getname(p, 0, (void *)1, &l); }
OP(gsn_len_neg) { struct sockaddr_in a; socklen_t l = -1; return getname(p, 0, &a, &l); }
OP(gsn_len_zero) { struct sockaddr_in a; socklen_t l = 0; return getname(p, 0, &a, &l); }
/* Cut to 4 bytes: family and port only, the rest untouched. */
static long name_short(struct prep *p, int peer)
{
	struct sockaddr_in a;
	socklen_t l = 4;
	long r;

	memset(&a, 0xee, sizeof(a));
	r = getname(p, peer, &a, &l);
	if (r < 0)
		return r;
	if (a.sin_family != AF_INET || ((unsigned char *)&a)[4] != 0xee)
		return 999;
	return r;
}
OP(gsn_short) { return name_short(p, 0); }
OP(gsn_big) { struct sockaddr_storage a; socklen_t l = sizeof(a); return getname(p, 0, &a, &l); }
OP(gpn_plain) { struct sockaddr_in a; socklen_t l = sizeof(a); return getname(p, 1, &a, &l); }
OP(gpn_short) { return name_short(p, 1); }
OP(gpn_ptr1_addr) { socklen_t l = 16; return getname(p, 1, (void *)1, &l); }
OP(gpn_len_neg) { struct sockaddr_in a; socklen_t l = -1; return getname(p, 1, &a, &l); }

/* Options at SOL_SOCKET */
OP(so_rcvbuf) { return set_int(p, SOL_SOCKET, SO_RCVBUF, 65536); }
OP(so_keepalive) { return set_int(p, SOL_SOCKET, SO_KEEPALIVE, 1); }
OP(so_optlen0) { int v = 1; return R(setsockopt(p->fd, SOL_SOCKET, SO_KEEPALIVE, &v, 0)); }
OP(so_optlen_neg) { int v = 1; return R(setsockopt(p->fd, SOL_SOCKET, SO_KEEPALIVE, &v, -1)); }
OP(so_unknown) { return set_int(p, SOL_SOCKET, 9999, 1); }
OP(so_null) { return R(setsockopt(p->fd, SOL_SOCKET, SO_KEEPALIVE, NULL, 4)); }
OP(so_ptr1) { return R(setsockopt(p->fd, SOL_SOCKET, SO_KEEPALIVE, (void *)1, 4)); }
OP(so_linger_short) { int v = 1; return R(setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &v, sizeof(v))); }
OP(so_reuseport) { return set_int(p, SOL_SOCKET, SO_REUSEPORT, 1); }

/*
 * SO_REUSEPORT, then listen on 127.0.0.1:0; a second socket (with the
 * option if @with) binds to that port and listens: its result.
 */
static long reuseport_second(struct prep *p, int with)
{
	struct sockaddr_in a = sin_of(LOCAL_IP, 0);
	int one = 1;

	if (setsockopt(p->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(p->fd, (void *)&a, sizeof(a)) || listen(p->fd, 1))
		return -1000;
	p->extra = sock_of(p->fam);
	if (p->extra < 0)
		return -1000;
	if (with && setsockopt(p->extra, SOL_SOCKET, SO_REUSEPORT, &one,
			       sizeof(one)))
		return -1000;
	a = sin_of(LOCAL_IP, port_of(p->fd, 0));
	if (bind(p->extra, (void *)&a, sizeof(a)))
		return R(-1);
	return R(listen(p->extra, 1));
}
OP(so_reuseport_share) { return reuseport_second(p, 1); }
OP(so_reuseport_without) { return reuseport_second(p, 0); }
OP(so_get_error_neg)
{
	int v;
	socklen_t l = -1;

	return R(getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &v, &l));
}
OP(so_get_type_short)
{
	int v = 0;
	socklen_t l = 2;
	long r = R(getsockopt(p->fd, SOL_SOCKET, SO_TYPE, &v, &l));

	return r < 0 ? r : l;
}
OP(so_get_len_null) { int v; return R(getsockopt(p->fd, SOL_SOCKET, SO_TYPE, &v, NULL)); }
OP(so_get_unknown) { return get_int(p, SOL_SOCKET, 9999); }
OP(so_get_protocol) { return get_int(p, SOL_SOCKET, SO_PROTOCOL); }
OP(so_get_domain) { return get_int(p, SOL_SOCKET, SO_DOMAIN); }
OP(so_get_acceptconn) { return get_int(p, SOL_SOCKET, SO_ACCEPTCONN); }
OP(so_get_error) { return get_int(p, SOL_SOCKET, SO_ERROR); }

/* Unknown levels */
OP(lvl_unknown_set) { return set_int(p, 12345, 1, 1); }
OP(lvl_unknown_get) { return get_int(p, 12345, 1); }

/* IPPROTO_IP */
OP(ip_tos_set) { return set_int(p, IPPROTO_IP, IP_TOS, 0x10); }
OP(ip_tos_roundtrip)
{
	long r = set_int(p, IPPROTO_IP, IP_TOS, 0x10);

	return r ? r : get_int(p, IPPROTO_IP, IP_TOS);
}
OP(ip_tos_optlen1) { char v = 0x10; return R(setsockopt(p->fd, IPPROTO_IP, IP_TOS, &v, 1)); }
OP(ip_tos_null) { return R(setsockopt(p->fd, IPPROTO_IP, IP_TOS, NULL, 4)); }
OP(ip_ttl_set) { return set_int(p, IPPROTO_IP, IP_TTL, 33); }
OP(ip_ttl_0) { return set_int(p, IPPROTO_IP, IP_TTL, 0); }
OP(ip_ttl_256) { return set_int(p, IPPROTO_IP, IP_TTL, 256); }
OP(ip_ttl_default) { long r = set_int(p, IPPROTO_IP, IP_TTL, -1); return r ? r : get_int(p, IPPROTO_IP, IP_TTL); }
OP(ip_ttl_get) { return get_int(p, IPPROTO_IP, IP_TTL); }
OP(ip_hdrincl) { return set_int(p, IPPROTO_IP, IP_HDRINCL, 1); }
OP(ip_mcast_ttl) { return set_int(p, IPPROTO_IP, IP_MULTICAST_TTL, 2); }
OP(ip_add_membership)
{
	struct ip_mreq m = { .imr_multiaddr.s_addr = htonl(0xe0000001) };

	return R(setsockopt(p->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)));
}
OP(ip_mcast_join_group)
{
	struct group_req g = { .gr_interface = 1 };	/* lo */
	struct sockaddr_in *a = (struct sockaddr_in *)&g.gr_group;

	*a = sin_of("224.0.0.251", 0);
	return R(setsockopt(p->fd, IPPROTO_IP, MCAST_JOIN_GROUP, &g, sizeof(g)));
}
OP(ip_mcast_if) { struct in_addr a = { htonl(INADDR_LOOPBACK) }; return R(setsockopt(p->fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a))); }
OP(ip_options)
{
	unsigned char o[4] = { 1, 1, 1, 0 };	/* NOP NOP NOP EOL */

	return R(setsockopt(p->fd, IPPROTO_IP, IP_OPTIONS, o, sizeof(o)));
}
OP(ip_mtu_discover) { return set_int(p, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO); }
OP(ip_mtu_discover_bad) { return set_int(p, IPPROTO_IP, IP_MTU_DISCOVER, 99); }
OP(ip_freebind) { return set_int(p, IPPROTO_IP, IP_FREEBIND, 1); }
OP(ip_recverr) { return set_int(p, IPPROTO_IP, IP_RECVERR, 1); }
OP(ip_unknown) { return set_int(p, IPPROTO_IP, 9999, 1); }
OP(ip_get_unknown) { return get_int(p, IPPROTO_IP, 9999); }
OP(ip_get_mtu) { return get_int(p, IPPROTO_IP, IP_MTU); }
OP(ip_get_tos_neg)
{
	int v;
	socklen_t l = -1;

	return R(getsockopt(p->fd, IPPROTO_IP, IP_TOS, &v, &l));
}
/*
 * TTL 33 and TOS 0x28 on a connected socket, then one byte: the packet
 * seen by a raw socket of the protocol (TCP or XTCP) carries both.
 * Result: ttl * 1000 + tos.
 */
OP(ip_ttl_tos_on_wire)
{
	int proto = p->fam == AF_INET ? IPPROTO_TCP : C.xtcp_proto;
	int raw = socket(AF_INET, SOCK_RAW, proto);
	int sport = port_of(p->fd, 0);
	long r, end;

	if (raw < 0)
		return 1000000 + errno;
	timeouts(raw);
	p->extra = raw;
	r = set_int(p, IPPROTO_IP, IP_TTL, 33);
	if (!r)
		r = set_int(p, IPPROTO_IP, IP_TOS, 0x28);
	if (r)
		return r;
	if (send(p->fd, "x", 1, MSG_NOSIGNAL) != 1)
		return 2000000 + errno;
	for (end = now_ms() + 10000; now_ms() < end;) {
		unsigned char pkt[2048];
		struct iphdr *ip = (void *)pkt;
		ssize_t n;

		if (!(wait_ev(raw, POLLIN, 1000) & POLLIN))
			continue;
		n = recv(raw, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n < (ssize_t)sizeof(*ip) + 4)
			continue;
		if (ntohs(*(uint16_t *)(pkt + ip->ihl * 4)) != sport)
			continue;
		return ip->ttl * 1000L + ip->tos;
	}
	return 3000000;
}

/* The transport's own level (IPPROTO_TCP; SOL_XTCP for XTCP) and
 * IPPROTO_TCP on both. */
OP(tcp_nodelay) { return set_int(p, IPPROTO_TCP, TCP_NODELAY, 1); }
OP(l4_nodelay) { return set_int(p, l4(p), TCP_NODELAY, 1); }
OP(tcp_nodelay_optlen0) { int v = 1; return R(setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &v, 0)); }
OP(tcp_nodelay_optlen2) { int v = 1; return R(setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &v, 2)); }
OP(tcp_nodelay_optlen_huge) { return R(setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, buf, sizeof(buf))); }
OP(tcp_nodelay_optlen_neg) { int v = 1; return R(setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &v, -1)); }
OP(tcp_nodelay_null) { return R(setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, NULL, 4)); }
OP(tcp_nodelay_ptr1) { return R(setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, (void *)1, 4)); }
OP(tcp_unknown) { return set_int(p, IPPROTO_TCP, 9999, 1); }
OP(l4_unknown) { return set_int(p, l4(p), 9999, 1); }
OP(tcp_unknown_optlen0) { int v = 1; return R(setsockopt(p->fd, IPPROTO_TCP, 9999, &v, 0)); }
OP(tcp_maxseg_10) { return set_int(p, IPPROTO_TCP, TCP_MAXSEG, 10); }
OP(tcp_maxseg_40000) { return set_int(p, IPPROTO_TCP, TCP_MAXSEG, 40000); }
OP(tcp_maxseg_0) { return set_int(p, IPPROTO_TCP, TCP_MAXSEG, 0); }
OP(tcp_keepidle_0) { return set_int(p, IPPROTO_TCP, TCP_KEEPIDLE, 0); }
OP(tcp_keepidle_big) { return set_int(p, IPPROTO_TCP, TCP_KEEPIDLE, 32768); }
OP(tcp_keepintvl_0) { return set_int(p, IPPROTO_TCP, TCP_KEEPINTVL, 0); }
OP(tcp_keepintvl_big) { return set_int(p, IPPROTO_TCP, TCP_KEEPINTVL, 32768); }
OP(tcp_keepcnt_0) { return set_int(p, IPPROTO_TCP, TCP_KEEPCNT, 0); }
OP(tcp_keepcnt_big) { return set_int(p, IPPROTO_TCP, TCP_KEEPCNT, 128); }
OP(tcp_syncnt_0) { return set_int(p, IPPROTO_TCP, TCP_SYNCNT, 0); }
OP(tcp_syncnt_big) { return set_int(p, IPPROTO_TCP, TCP_SYNCNT, 128); }
OP(tcp_user_timeout_neg) { return set_int(p, IPPROTO_TCP, TCP_USER_TIMEOUT, -1); }
static long get_len(struct prep *p, int level, int opt, socklen_t len)
{
	char v[512];
	socklen_t l = len;

	if (getsockopt(p->fd, level, opt, v, &l))
		return E(errno);
	return l;
}
static long set_cc(struct prep *p, const void *name, int len)
{
	return R(setsockopt(p->fd, IPPROTO_TCP, TCP_CONGESTION, name, len));
}
OP(tcp_cc_reno) { return set_cc(p, "reno", 4); }
OP(tcp_cc_cubic) { return set_cc(p, "cubic", 5); }
OP(tcp_cc_bogus) { return set_cc(p, "nosuchcc", 8); }
OP(tcp_cc_empty) { return set_cc(p, "", 1); }
OP(tcp_cc_short) { return set_cc(p, "cubic", 3); }
OP(tcp_cc_long) { return set_cc(p, "cubicxxxxxxxxxxxxxxx", 20); }
/* Set, then read back: the name and its 16-byte length. */
OP(tcp_cc_reno_get)
{
	char v[16] = "";
	socklen_t l = sizeof(v);
	long r = tcp_cc_reno(p);

	if (r)
		return r;
	if (getsockopt(p->fd, IPPROTO_TCP, TCP_CONGESTION, v, &l))
		return E(errno);
	return strcmp(v, "reno") ? -1000 : l;
}
OP(tcp_cc_optlen0) { return set_cc(p, "reno", 0); }
OP(tcp_cc_null) { return set_cc(p, NULL, 4); }
OP(tcp_cc_get) { return get_len(p, IPPROTO_TCP, TCP_CONGESTION, 100); }
OP(tcp_cork) { return set_int(p, IPPROTO_TCP, TCP_CORK, 1); }
OP(tcp_cork_get) { long r = tcp_cork(p); return r ? r : get_int(p, IPPROTO_TCP, TCP_CORK); }
OP(tcp_cork_optlen0) { int v = 1; return R(setsockopt(p->fd, IPPROTO_TCP, TCP_CORK, &v, 0)); }
/* Corked, 10 bytes, uncorked: the peer gets the 10 bytes. */
OP(tcp_cork_uncork)
{
	long r = tcp_cork(p);

	if (r)
		return r;
	if (send(p->fd, "0123456789", 10, MSG_NOSIGNAL) != 10)
		return 9001;
	r = set_int(p, IPPROTO_TCP, TCP_CORK, 0);
	if (r)
		return r;
	if (!(wait_ev(p->peer, POLLIN, 10000) & POLLIN))
		return 9002;
	for (long got = 0, end = now_ms() + 10000; now_ms() < end;) {
		long n = recv(p->peer, buf + got, sizeof(buf) - got, MSG_DONTWAIT);

		if (n > 0)
			got += n;
		if (got >= 10)
			return got == 10 && !memcmp(buf, "0123456789", 10) ? 10 : 9003;
		usleep(2000);
	}
	return 9004;
}
OP(tcp_quickack) { return set_int(p, IPPROTO_TCP, TCP_QUICKACK, 1); }
OP(tcp_get_quickack) { return get_int(p, IPPROTO_TCP, TCP_QUICKACK); }
OP(tcp_quickack_optlen0) { int v = 1; return R(setsockopt(p->fd, IPPROTO_TCP, TCP_QUICKACK, &v, 0)); }
OP(tcp_get_nodelay_len2) { return get_len(p, IPPROTO_TCP, TCP_NODELAY, 2); }
OP(tcp_get_nodelay_len0) { return get_len(p, IPPROTO_TCP, TCP_NODELAY, 0); }
OP(tcp_get_nodelay_len_neg) { return get_len(p, IPPROTO_TCP, TCP_NODELAY, -1); }
OP(tcp_get_nodelay_len_big) { return get_len(p, IPPROTO_TCP, TCP_NODELAY, 100); }
OP(tcp_get_len_null) { int v; return R(getsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &v, NULL)); }
OP(tcp_get_len_ptr1)
{
	volatile uintptr_t bad = 1;	/* hidden from gcc's aliasing check */
	int v;

	return R(getsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &v, (socklen_t *)bad));
}
OP(tcp_get_val_null) { socklen_t l = 4; return R(getsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, NULL, &l)); }
OP(tcp_get_unknown) { return get_int(p, IPPROTO_TCP, 9999); }
OP(l4_get_unknown) { return get_int(p, l4(p), 9999); }
OP(tcp_get_info_len0) { return get_len(p, IPPROTO_TCP, TCP_INFO, 0); }
OP(tcp_get_info_len8) { return get_len(p, IPPROTO_TCP, TCP_INFO, 8); }
OP(l4_get_info_len0) { return get_len(p, l4(p), TCP_INFO, 0); }
OP(tcp_get_info_len_neg) { return get_len(p, IPPROTO_TCP, TCP_INFO, -1); }

/* ioctl() */
OP(io_unknown) { int v = 0; return R(ioctl(p->fd, _IOR(0xee, 0x42, int), &v)); }
static long io_int(struct prep *p, unsigned long cmd)
{
	int v = -1;

	if (ioctl(p->fd, cmd, &v))
		return E(errno);
	return v;
}
OP(io_inq) { return io_int(p, SIOCINQ); }
OP(io_outq) { return io_int(p, SIOCOUTQ); }
OP(io_outqnsd) { return io_int(p, SIOCOUTQNSD); }
OP(io_inq_ptr1) { return R(ioctl(p->fd, SIOCINQ, (void *)1)); }
OP(io_atmark) { return io_int(p, SIOCATMARK); }
OP(io_gstamp) { struct timeval tv; return R(ioctl(p->fd, SIOCGSTAMP, &tv)); }
OP(io_fionbio) { int on = 1; return R(ioctl(p->fd, FIONBIO, &on)); }

/* poll(): the revents of a zero-timeout poll */
OP(poll_now)
{
	struct pollfd pf = { .fd = p->fd,
			     .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP };

	if (poll(&pf, 1, 0) < 0)
		return E(errno);
	return pf.revents;
}

/* Issue 10: XTCP's own options (numbers TCP does not have: ENOPROTOOPT). */
OP(x_defer_1) { return set_int(p, l4(p), XTCP_DEFER_HANDSHAKE, 1); }
OP(x_defer_2) { return set_int(p, l4(p), XTCP_DEFER_HANDSHAKE, 2); }
OP(x_defer_get) { return get_int(p, l4(p), XTCP_DEFER_HANDSHAKE); }
static long x_arrival_len(struct prep *p, bool defer, socklen_t len)
{
	struct xtcp_arrival xa;
	long r = defer ? set_int(p, l4(p), XTCP_DEFER_HANDSHAKE, 1) : 0;

	if (r)
		return r;
	return R(getsockopt(p->fd, l4(p), XTCP_ARRIVAL, &xa, &len));
}
OP(x_arrival) { return x_arrival_len(p, false, sizeof(struct xtcp_arrival)); }
OP(x_arrival_none) { return x_arrival_len(p, true, sizeof(struct xtcp_arrival)); }
OP(x_arrival_short) { return x_arrival_len(p, true, sizeof(struct xtcp_arrival) - 1); }
static long x_verdict_raw(struct prep *p, bool defer, const void *v, socklen_t len)
{
	long r = defer ? set_int(p, l4(p), XTCP_DEFER_HANDSHAKE, 1) : 0;

	if (r)
		return r;
	return R(setsockopt(p->fd, l4(p), XTCP_VERDICT, v, len));
}
static const struct xtcp_verdict xv_ok = { .xv_id = 1, .xv_verdict = XTCP_VERDICT_ACCEPT };
static const struct xtcp_verdict xv_bad = { .xv_id = 1, .xv_verdict = 4 };
static const struct xtcp_verdict xv_pad = { .xv_id = 1, .xv_verdict = XTCP_VERDICT_DROP, .xv_pad = 1 };
OP(x_verdict_plain) { return x_verdict_raw(p, false, &xv_ok, sizeof(xv_ok)); }
OP(x_verdict_noid) { return x_verdict_raw(p, true, &xv_ok, sizeof(xv_ok)); }
OP(x_verdict_len15) { return x_verdict_raw(p, true, &xv_ok, sizeof(xv_ok) - 1); }
OP(x_verdict_bad) { return x_verdict_raw(p, true, &xv_bad, sizeof(xv_bad)); }
OP(x_verdict_pad) { return x_verdict_raw(p, true, &xv_pad, sizeof(xv_pad)); }
OP(x_verdict_null) { return x_verdict_raw(p, true, NULL, sizeof(xv_ok)); }
static long x_probe_len(struct prep *p, uint32_t ms, socklen_t len)
{
	return R(setsockopt(p->fd, l4(p), XTCP_PROBE, &ms, len));
}
OP(x_probe) { return x_probe_len(p, 3000, 4); }
OP(x_probe_len3) { return x_probe_len(p, 500, 3); }
OP(x_probe_0) { return x_probe_len(p, 0, 4); }
OP(x_probe_tcp_level) { uint32_t ms = 500; return R(setsockopt(p->fd, IPPROTO_TCP, XTCP_PROBE, &ms, 4)); }
OP(x_probe_get) { return get_int(p, l4(p), XTCP_PROBE); }

/* ---- the table ---------------------------------------------------- */

struct row {
	const char *id;
	enum st st;
	long (*op)(struct prep *p);
	long tcp;		/* Linux TCP's result */
	long xtcp;		/* XTCP's: the same unless why says otherwise */
	const char *why;	/* a deliberate difference, and its reason */
	const char *call;
	char fmt;		/* 'p': a poll mask */
};

#define ROW(id, st, op, res, call)	{ id, st, op, res, res, NULL, call, 0 }
#define POLLROW(id, st, res)		{ id, st, poll_now, res, res, NULL, \
					  "poll(IN \\| PRI \\| OUT \\| RDHUP, 0)", 'p' }
#define DIFF(id, st, op, tres, xres, why, call)	{ id, st, op, tres, xres, why, call, 0 }

#define XOWN	"XTCP's own option (docs/protocol.md §30, §31): TCP has no such number"
#define NO_URG	"XTCP has no urgent pointer in its header, so no out-of-band data"

static const struct row rows[] = {
	/* socket() */
	ROW("socket-stream-udp", ST_NONE, sock_stream_udp, E(EPROTONOSUPPORT), "socket(F, SOCK_STREAM, IPPROTO_UDP)"),
	ROW("socket-proto-neg", ST_NONE, sock_proto_neg, E(EINVAL), "socket(F, SOCK_STREAM, -1)"),
	ROW("socket-proto-huge", ST_NONE, sock_proto_huge, E(EINVAL), "socket(F, SOCK_STREAM, 1000)"),
	ROW("socket-type-garbage", ST_NONE, sock_type_garbage, E(EINVAL), "socket(F, 99, 0)"),
	ROW("socket-type-flags", ST_NONE, sock_type_flags, E(EINVAL), "socket(F, SOCK_STREAM \\| 0x4000, 0)"),
	ROW("socket-rdm", ST_NONE, sock_rdm, E(ESOCKTNOSUPPORT), "socket(F, SOCK_RDM, 0)"),
	ROW("socket-stream-tcp", ST_NONE, sock_tcp, 0, "socket(F, SOCK_STREAM, IPPROTO_TCP)"),
	DIFF("socket-dgram", ST_NONE, sock_dgram, 0, E(ESOCKTNOSUPPORT),
	     "XTCP is a stream service only; AF_INET gives SOCK_DGRAM to UDP", "socket(F, SOCK_DGRAM, 0)"),
	DIFF("socket-proto-253", ST_NONE, sock_253, E(EPROTONOSUPPORT), 0,
	     "XTCP also takes its own IP protocol number (253, module parameter ipproto)", "socket(F, SOCK_STREAM, 253)"),

	/* bind() */
	ROW("bind-null", ST_FRESH, bind_null, E(EFAULT), "bind(NULL, 16)"),
	ROW("bind-len0", ST_FRESH, bind_len0, E(EINVAL), "bind(&sin, 0)"),
	ROW("bind-len8", ST_FRESH, bind_len8, E(EINVAL), "bind(&sin, 8)"),
	ROW("bind-len-huge", ST_FRESH, bind_len_huge, E(EINVAL), "bind(&sin, 4096)"),
	ROW("bind-len-neg", ST_FRESH, bind_len_neg, E(EINVAL), "bind(&sin, -1)"),
	ROW("bind-len-storage", ST_FRESH, bind_len_storage, 0, "bind(&sockaddr_storage, 128)"),
	ROW("bind-ptr1", ST_FRESH, bind_ptr1, E(EFAULT), "bind((void *)1, 16)"),
	ROW("bind-unmapped", ST_FRESH, bind_unmapped, E(EFAULT), "bind(unmapped page, 16)"),
	ROW("bind-unspec-any", ST_FRESH, bind_unspec_any, 0, "bind(AF_UNSPEC 0.0.0.0)"),
	ROW("bind-unspec-addr", ST_FRESH, bind_unspec_addr, E(EAFNOSUPPORT), "bind(AF_UNSPEC 127.0.0.1)"),
	ROW("bind-inet6", ST_FRESH, bind_inet6, E(EAFNOSUPPORT), "bind(AF_INET6 ::1, 28)"),
	ROW("bind-family-garbage", ST_FRESH, bind_garbage_family, E(EAFNOSUPPORT), "bind(family 0x4242)"),
	ROW("bind-nonlocal", ST_FRESH, bind_nonlocal, E(EADDRNOTAVAIL), "bind(10.99.0.1, not local)"),
	DIFF("bind-broadcast", ST_FRESH, bind_bcast, 0, E(EADDRNOTAVAIL),
	     "TCP takes it and then connects from the address routing picks (measured); XTCP keeps one source address and refuses one no connection can use",
	     "bind(10.9.0.255, subnet broadcast)"),
	DIFF("bind-multicast", ST_FRESH, bind_mcast, 0, E(EADDRNOTAVAIL),
	     "as bind-broadcast: XTCP refuses an address no connection can use",
	     "bind(224.0.0.1)"),
	ROW("bind-in-use", ST_FRESH, bind_inuse, E(EADDRINUSE), "bind(a listener's address)"),
	ROW("bind-bound", ST_BOUND, bind_again, E(EINVAL), "bind() again"),
	ROW("bind-listening", ST_LISTEN, bind_again, E(EINVAL), "bind()"),
	ROW("bind-connected", ST_CONNECTED, bind_again, E(EINVAL), "bind()"),
	ROW("bind-reset", ST_RESET, bind_again, 0, "bind(127.0.0.1:0)"),

	/* connect() */
	ROW("connect-null", ST_FRESH, conn_null, E(EFAULT), "connect(NULL, 16)"),
	ROW("connect-len0", ST_FRESH, conn_len0, E(EINVAL), "connect(&sin, 0)"),
	ROW("connect-len1", ST_FRESH, conn_len1, E(EINVAL), "connect(&sin, 1)"),
	ROW("connect-len8", ST_FRESH, conn_len8, E(EINVAL), "connect(&sin, 8)"),
	ROW("connect-len-huge", ST_FRESH, conn_len_huge, E(EINVAL), "connect(&sin, 4096)"),
	ROW("connect-len-neg", ST_FRESH, conn_len_neg, E(EINVAL), "connect(&sin, -1)"),
	ROW("connect-ptr1", ST_FRESH, conn_ptr1, E(EFAULT), "connect((void *)1, 16)"),
	ROW("connect-unmapped", ST_FRESH, conn_unmapped, E(EFAULT), "connect(unmapped page, 16)"),
	ROW("connect-inet6", ST_FRESH, conn_inet6, E(EAFNOSUPPORT), "connect(AF_INET6 ::1, 28)"),
	ROW("connect-family-garbage", ST_FRESH, conn_garbage_family, E(EAFNOSUPPORT), "connect(family 0x4242)"),
	ROW("connect-broadcast", ST_FRESH, conn_bcast, E(ENETUNREACH), "connect(10.9.0.255, subnet broadcast)"),
	ROW("connect-limited-bcast", ST_FRESH, conn_lbcast, E(ENETUNREACH), "connect(255.255.255.255)"),
	ROW("connect-multicast", ST_FRESH, conn_mcast, E(ENETUNREACH), "connect(224.0.0.1)"),
	ROW("connect-refused", ST_FRESH, conn_refused, E(ECONNREFUSED), "connect(a port with no listener)"),
	ROW("connect-port0", ST_FRESH, conn_port0, E(ECONNREFUSED), "connect(127.0.0.1:0)"),
	DIFF("connect-port0-nonblock", ST_FRESH, conn_port0_nb, E(EINPROGRESS), E(ECONNREFUSED),
	     "XTCP refuses port 0 at once; input drops segments from port 0, so no RST could come back",
	     "non-blocking connect(127.0.0.1:0)"),
	ROW("connect-any-addr", ST_FRESH, conn_any, 0, "connect(0.0.0.0:listener), peer reads 127.0.0.1"),
	ROW("connect-nonblock", ST_FRESH, conn_void_nb, E(EINPROGRESS), "non-blocking connect()"),
	ROW("connect-connecting", ST_CONNECTING, conn_void, E(EALREADY), "connect() again"),
	ROW("connect-nonblock-done-again", ST_FRESH, conn_seq_again, 0, "non-blocking connect(), writable, connect() again"),
	ROW("connect-nonblock-done-twice", ST_FRESH, conn_seq_twice, E(EISCONN), "non-blocking connect(), writable, connect() twice: the second"),
	ROW("connect-nonblock-refused-again", ST_FRESH, conn_seq_refused, E(ECONNREFUSED), "non-blocking connect() to no listener, connect() again"),
	ROW("connect-nonblock-refused-retry", ST_FRESH, conn_seq_refused_retry, E(EINPROGRESS), "non-blocking connect() to no listener, connect() twice: a new attempt"),
	ROW("connect-nonblock-refused-so-error", ST_FRESH, conn_seq_refused_so_error, ECONNREFUSED, "non-blocking connect() to no listener, getsockopt(SO_ERROR)"),
	ROW("connect-connected", ST_CONNECTED, conn_srv, E(EISCONN), "connect() again, same address"),
	ROW("connect-connected-other", ST_CONNECTED, conn_void, E(EISCONN), "connect() to another address"),
	ROW("connect-listening", ST_LISTEN, conn_srv, E(EISCONN), "connect()"),
	ROW("connect-shut-wr", ST_SHUT_WR, conn_srv, E(EISCONN), "connect()"),
	ROW("connect-close-wait", ST_CLOSE_WAIT, conn_srv, E(EISCONN), "connect()"),
	ROW("connect-reset", ST_RESET, conn_srv, E(EISCONN), "connect()"),
	ROW("connect-unspec-fresh", ST_FRESH, conn_unspec, 0, "connect(AF_UNSPEC)"),
	ROW("connect-unspec-short", ST_FRESH, conn_unspec_short, 0, "connect(AF_UNSPEC, 2)"),
	ROW("connect-unspec-listening", ST_LISTEN, conn_unspec, 0, "connect(AF_UNSPEC)"),
	ROW("connect-unspec-connecting", ST_CONNECTING, conn_unspec, 0, "connect(AF_UNSPEC)"),
	ROW("connect-unspec-connected", ST_CONNECTED, conn_unspec_reconnect, 0, "connect(AF_UNSPEC), then connect() again"),

	/* listen() */
	ROW("listen-fresh", ST_FRESH, listen_1, 0, "listen(1) (binds a port)"),
	ROW("listen-backlog-neg", ST_BOUND, listen_neg, 0, "listen(-5)"),
	ROW("listen-backlog-huge", ST_BOUND, listen_huge, 0, "listen(INT_MAX)"),
	ROW("listen-again", ST_LISTEN, listen_neg, 0, "listen(-5) again"),
	ROW("listen-connecting", ST_CONNECTING, listen_1, E(EINVAL), "listen(1)"),
	ROW("listen-connected", ST_CONNECTED, listen_1, E(EINVAL), "listen(1)"),
	ROW("listen-shut-wr", ST_SHUT_WR, listen_1, E(EINVAL), "listen(1)"),
	ROW("listen-close-wait", ST_CLOSE_WAIT, listen_1, E(EINVAL), "listen(1)"),
	ROW("listen-reset", ST_RESET, listen_1, E(EINVAL), "listen(1)"),

	/* accept() */
	ROW("accept-fresh", ST_FRESH, acc_plain, E(EINVAL), "accept()"),
	ROW("accept-bound", ST_BOUND, acc_plain, E(EINVAL), "accept()"),
	ROW("accept-connecting", ST_CONNECTING, acc_plain, E(EINVAL), "accept()"),
	ROW("accept-connected", ST_CONNECTED, acc_plain, E(EINVAL), "accept()"),
	ROW("accept-reset", ST_RESET, acc_plain, E(EINVAL), "accept()"),
	ROW("accept-empty-nonblock", ST_LISTEN, acc_nb, E(EAGAIN), "non-blocking accept(), queue empty"),
	ROW("accept-bad-flags", ST_PENDING, acc_bad_flags, E(EINVAL), "accept4(flags 0x1234)"),
	ROW("accept-addr-ptr1", ST_PENDING, acc_addr_ptr1, E(EFAULT), "accept((void *)1, &16)"),
	ROW("accept-addrlen-ptr1", ST_PENDING, acc_len_ptr1, E(EFAULT), "accept(&sin, (void *)1)"),
	ROW("accept-addrlen-neg", ST_PENDING, acc_len_neg, E(EINVAL), "accept(&sin, &-1)"),
	ROW("accept-addrlen-short", ST_PENDING, acc_len_short, 16, "accept(&sin, &4): 4 bytes written, *addrlen = 16"),
	ROW("accept-addrlen-zero", ST_PENDING, acc_len_zero, 16, "accept(&sin, &0): *addrlen = 16"),
	ROW("accept-addr-null", ST_PENDING, acc_addr_null, 16, "accept(NULL, &16): address ignored"),
	ROW("accept-after-shut-rd", ST_LISTEN, acc_after_shut_rd, E(EINVAL), "shutdown(SHUT_RD), then accept()"),

	/* send() */
	ROW("send-fresh", ST_FRESH, send_1, E(EPIPE), "send(1, MSG_NOSIGNAL)"),
	ROW("send-fresh-sigpipe", ST_FRESH, send_1_sig, E(EPIPE) + SIGP, "send(1)"),
	ROW("send-listening", ST_LISTEN, send_1, E(EPIPE), "send(1, MSG_NOSIGNAL)"),
	ROW("send-connecting", ST_CONNECTING, send_1_dontwait, E(EAGAIN), "send(1, MSG_DONTWAIT)"),
	ROW("send-null-10", ST_CONNECTED, send_null_10, E(EFAULT), "send(NULL, 10)"),
	ROW("send-null-0", ST_CONNECTED, send_null_0, 0, "send(NULL, 0)"),
	ROW("send-unmapped-1m", ST_CONNECTED, send_unmapped_1m, E(EFAULT), "send(unmapped page, 1 MB, MSG_DONTWAIT)"),
	ROW("send-unknown-flags", ST_CONNECTED, send_unknown_flags, 1, "send(1, flags 0x08000000)"),
	ROW("send-more", ST_CONNECTED, send_more, 1, "send(1, MSG_MORE \\| MSG_DONTWAIT)"),
	DIFF("send-oob", ST_CONNECTED, send_oob, 1, E(EOPNOTSUPP), NO_URG, "send(1, MSG_OOB)"),
	ROW("send-shut-wr", ST_SHUT_WR, send_1_sig, E(EPIPE) + SIGP, "send(1)"),
	ROW("send-close-wait", ST_CLOSE_WAIT, send_1, 1, "send(1)"),
	ROW("send-reset", ST_RESET, send_1_sig, E(ECONNRESET), "send(1): the pending error, no SIGPIPE"),
	ROW("send-reset-twice", ST_RESET, send_twice_sig, E(EPIPE) + SIGP, "send(1) twice: the second"),
	ROW("send-reset-seen", ST_RESET_SEEN, send_1, E(EPIPE), "send(1, MSG_NOSIGNAL)"),
	ROW("sendto-addr-connected", ST_CONNECTED, sendto_other_addr, 1, "sendto(1, another address): ignored"),
	ROW("sendto-addr-ptr1", ST_CONNECTED, sendto_addr_ptr1, E(EFAULT), "sendto(1, (void *)1, 16)"),
	ROW("sendto-addrlen-huge", ST_CONNECTED, sendto_addrlen_huge, E(EINVAL), "sendto(1, &sin, 4096)"),
	ROW("sendto-addrlen-neg", ST_CONNECTED, sendto_addrlen_neg, E(EINVAL), "sendto(1, &sin, -1)"),
	ROW("send-huge-len", ST_CONNECTED, send_huge_len, 1, "send(64 KiB then a hole, SIZE_MAX, MSG_DONTWAIT): 1 .. 65536 bytes (shown as 1)"),
	ROW("sendto-addr-fresh", ST_FRESH, sendto_srv, E(EPIPE), "sendto(1, a listener's address)"),
	DIFF("sendto-fastopen", ST_FRESH, sendto_fastopen, 1, E(EPIPE),
	     "XTCP has no Fast Open: the data needs a connect() first",
	     "sendto(1, MSG_FASTOPEN, a listener's address)"),
	ROW("sendmsg-iov-1025", ST_CONNECTED, sendmsg_iov_many, E(EMSGSIZE), "sendmsg(1025 iovecs)"),
	ROW("sendmsg-iov-ptr1", ST_CONNECTED, sendmsg_iov_ptr1, E(EFAULT), "sendmsg(msg_iov (void *)1)"),
	ROW("sendmsg-msghdr-ptr1", ST_CONNECTED, sendmsg_msghdr_ptr1, E(EFAULT), "sendmsg((void *)1)"),
	ROW("sendmsg-bad-cmsg", ST_CONNECTED, sendmsg_bad_cmsg, E(EINVAL), "sendmsg(SOL_SOCKET cmsg of unknown type)"),

	/* recv() */
	ROW("recv-fresh", ST_FRESH, recv_10, E(ENOTCONN), "recv(10, MSG_DONTWAIT)"),
	ROW("recv-fresh-block", ST_FRESH, recv_10_block, E(ENOTCONN), "recv(10)"),
	ROW("recv-listening", ST_LISTEN, recv_10, E(ENOTCONN), "recv(10, MSG_DONTWAIT)"),
	ROW("recv-connecting", ST_CONNECTING, recv_10, E(EAGAIN), "recv(10, MSG_DONTWAIT)"),
	ROW("recv-empty", ST_CONNECTED, recv_10, E(EAGAIN), "recv(10, MSG_DONTWAIT)"),
	ROW("recv-waitall-dontwait", ST_CONNECTED, recv_waitall_dontwait, E(EAGAIN), "recv(10, MSG_WAITALL \\| MSG_DONTWAIT)"),
	ROW("recv-null-10", ST_DATA, recv_null_10, E(EFAULT), "recv(NULL, 10)"),
	ROW("recv-ptr1-10", ST_DATA, recv_ptr1_10, E(EFAULT), "recv((void *)1, 10)"),
	ROW("recv-huge-len", ST_DATA, recv_huge_len, 5, "recv(buf, SIZE_MAX)"),
	ROW("recv-trunc-null", ST_DATA, recv_trunc_null, 5, "recv(NULL, 5, MSG_TRUNC): discards 5"),
	ROW("recv-trunc-discards", ST_DATA, recv_trunc_discards, 3, "recv(NULL, 2, MSG_TRUNC), then recv(): \"llo\""),
	ROW("recv-peek", ST_DATA, recv_peek, 10, "recv(MSG_PEEK) then recv(): 5 + 5, same bytes"),
	ROW("recv-oob", ST_DATA, recv_oob, E(EINVAL), "recv(10, MSG_OOB), no urgent data"),
	ROW("recv-errqueue", ST_CONNECTED, recv_errqueue, E(EAGAIN), "recv(10, MSG_ERRQUEUE), queue empty"),
	ROW("recvfrom-addr", ST_DATA, recvfrom_addr, 500, "recvfrom(10, &sin, &16): 5 bytes, *addrlen = 0"),
	ROW("recvfrom-addrlen-ptr1", ST_DATA, recvfrom_len_ptr1, E(EFAULT), "recvfrom(10, &sin, (void *)1)"),
	ROW("recvfrom-addrlen-neg", ST_DATA, recvfrom_len_neg, E(EINVAL), "recvfrom(10, &sin, &-1)"),
	ROW("recvmsg-iov-ptr1", ST_DATA, recvmsg_iov_ptr1, E(EFAULT), "recvmsg(msg_iov (void *)1)"),
	ROW("recv-shut-rd", ST_SHUT_RD, recv_10, 0, "recv(10, MSG_DONTWAIT)"),
	ROW("recv-close-wait", ST_CLOSE_WAIT, recv_10, 0, "recv(10, MSG_DONTWAIT)"),
	ROW("recv-reset", ST_RESET, recv_10, E(ECONNRESET), "recv(10, MSG_DONTWAIT)"),
	ROW("recv-reset-twice", ST_RESET, recv_twice, 0, "recv(10, MSG_DONTWAIT) twice: the second"),
	ROW("recv-reset-seen", ST_RESET_SEEN, recv_10, 0, "recv(10, MSG_DONTWAIT)"),

	/* shutdown() */
	ROW("shutdown-how-3", ST_CONNECTED, shut_3, E(EINVAL), "shutdown(3)"),
	ROW("shutdown-how-neg", ST_CONNECTED, shut_neg, E(EINVAL), "shutdown(-1)"),
	ROW("shutdown-fresh", ST_FRESH, shut_rdwr, E(ENOTCONN), "shutdown(SHUT_RDWR)"),
	ROW("shutdown-bound", ST_BOUND, shut_wr, E(ENOTCONN), "shutdown(SHUT_WR)"),
	ROW("shutdown-listening-rd", ST_LISTEN, shut_rd, 0, "shutdown(SHUT_RD) (stops listening)"),
	ROW("shutdown-listening-wr", ST_LISTEN, shut_wr, 0, "shutdown(SHUT_WR)"),
	ROW("shutdown-connecting", ST_CONNECTING, shut_rdwr, 0, "shutdown(SHUT_RDWR) (aborts)"),
	ROW("shutdown-twice", ST_SHUT_WR, shut_wr, 0, "shutdown(SHUT_WR) again"),
	ROW("shutdown-close-wait", ST_CLOSE_WAIT, shut_rdwr, 0, "shutdown(SHUT_RDWR)"),
	ROW("shutdown-reset", ST_RESET, shut_rdwr, E(ENOTCONN), "shutdown(SHUT_RDWR)"),

	/* getsockname() / getpeername() */
	ROW("getsockname-fresh", ST_FRESH, gsn_big, 16, "getsockname(&storage, &128)"),
	ROW("getsockname-null-addr", ST_CONNECTED, gsn_null_addr, E(EFAULT), "getsockname(NULL, &16)"),
	ROW("getsockname-ptr1-addr", ST_CONNECTED, gsn_ptr1_addr, E(EFAULT), "getsockname((void *)1, &16)"),
	ROW("getsockname-null-len", ST_CONNECTED, gsn_null_len, E(EFAULT), "getsockname(&sin, NULL)"),
	ROW("getsockname-len-neg", ST_CONNECTED, gsn_len_neg, E(EINVAL), "getsockname(&sin, &-1)"),
	ROW("getsockname-len-zero", ST_CONNECTED, gsn_len_zero, 16, "getsockname(&sin, &0): *len = 16"),
	ROW("getsockname-short", ST_CONNECTED, gsn_short, 16, "getsockname(&sin, &4): 4 bytes written, *len = 16"),
	ROW("getpeername-fresh", ST_FRESH, gpn_plain, E(ENOTCONN), "getpeername()"),
	ROW("getpeername-bound", ST_BOUND, gpn_plain, E(ENOTCONN), "getpeername()"),
	ROW("getpeername-listening", ST_LISTEN, gpn_plain, E(ENOTCONN), "getpeername()"),
	ROW("getpeername-connecting", ST_CONNECTING, gpn_plain, E(ENOTCONN), "getpeername()"),
	ROW("getpeername-connected", ST_CONNECTED, gpn_plain, 16, "getpeername()"),
	ROW("getpeername-short", ST_CONNECTED, gpn_short, 16, "getpeername(&sin, &4): 4 bytes written, *len = 16"),
	ROW("getpeername-ptr1-addr", ST_CONNECTED, gpn_ptr1_addr, E(EFAULT), "getpeername((void *)1, &16)"),
	ROW("getpeername-len-neg", ST_CONNECTED, gpn_len_neg, E(EINVAL), "getpeername(&sin, &-1)"),
	ROW("getpeername-shut-wr", ST_SHUT_WR, gpn_plain, 16, "getpeername()"),
	ROW("getpeername-close-wait", ST_CLOSE_WAIT, gpn_plain, 16, "getpeername()"),
	ROW("getpeername-reset", ST_RESET, gpn_plain, E(ENOTCONN), "getpeername()"),

	/* SOL_SOCKET options */
	ROW("so-rcvbuf", ST_FRESH, so_rcvbuf, 0, "setsockopt(SOL_SOCKET, SO_RCVBUF, 65536)"),
	ROW("so-keepalive", ST_CONNECTED, so_keepalive, 0, "setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1)"),
	ROW("so-optlen0", ST_FRESH, so_optlen0, E(EINVAL), "setsockopt(SOL_SOCKET, SO_KEEPALIVE, &1, 0)"),
	ROW("so-optlen-neg", ST_FRESH, so_optlen_neg, E(EINVAL), "setsockopt(SOL_SOCKET, SO_KEEPALIVE, &1, -1)"),
	ROW("so-unknown", ST_FRESH, so_unknown, E(ENOPROTOOPT), "setsockopt(SOL_SOCKET, 9999)"),
	ROW("so-null", ST_FRESH, so_null, E(EFAULT), "setsockopt(SOL_SOCKET, SO_KEEPALIVE, NULL, 4)"),
	ROW("so-ptr1", ST_FRESH, so_ptr1, E(EFAULT), "setsockopt(SOL_SOCKET, SO_KEEPALIVE, (void *)1, 4)"),
	ROW("so-linger-short", ST_FRESH, so_linger_short, E(EINVAL), "setsockopt(SOL_SOCKET, SO_LINGER, &int, 4)"),
	ROW("so-reuseport", ST_FRESH, so_reuseport, 0,
	    "setsockopt(SOL_SOCKET, SO_REUSEPORT, 1)"),
	ROW("so-reuseport-share", ST_FRESH, so_reuseport_share, 0,
	    "SO_REUSEPORT, bind, listen; a second socket with it: bind + listen on the same port"),
	ROW("so-reuseport-without", ST_FRESH, so_reuseport_without, E(EADDRINUSE),
	    "SO_REUSEPORT, bind, listen; a second socket without it: bind to the same port"),
	ROW("so-get-error-len-neg", ST_FRESH, so_get_error_neg, E(EINVAL), "getsockopt(SOL_SOCKET, SO_ERROR, &-1)"),
	ROW("so-get-type-short", ST_FRESH, so_get_type_short, 2, "getsockopt(SOL_SOCKET, SO_TYPE, &2): *len = 2"),
	ROW("so-get-len-null", ST_FRESH, so_get_len_null, E(EFAULT), "getsockopt(SOL_SOCKET, SO_TYPE, &v, NULL)"),
	ROW("so-get-unknown", ST_FRESH, so_get_unknown, E(ENOPROTOOPT), "getsockopt(SOL_SOCKET, 9999)"),
	ROW("so-get-acceptconn", ST_LISTEN, so_get_acceptconn, 1, "getsockopt(SOL_SOCKET, SO_ACCEPTCONN)"),
	ROW("so-get-error-reset", ST_RESET, so_get_error, ECONNRESET, "getsockopt(SOL_SOCKET, SO_ERROR) = ECONNRESET"),
	ROW("so-get-error-seen", ST_RESET_SEEN, so_get_error, 0, "getsockopt(SOL_SOCKET, SO_ERROR) = 0"),
	DIFF("so-get-protocol", ST_FRESH, so_get_protocol, IPPROTO_TCP, 253,
	     "the socket's protocol is XTCP's IP protocol", "getsockopt(SOL_SOCKET, SO_PROTOCOL)"),
	ROW("so-get-domain", ST_FRESH, so_get_domain, AF_INET,
	    "getsockopt(SOL_SOCKET, SO_DOMAIN) (an IPv4 socket, told apart by SO_PROTOCOL)"),

	/* unknown level */
	ROW("level-unknown-set", ST_FRESH, lvl_unknown_set, E(ENOPROTOOPT), "setsockopt(12345, 1)"),
	ROW("level-unknown-get", ST_FRESH, lvl_unknown_get, E(EOPNOTSUPP), "getsockopt(12345, 1)"),

	/* IPPROTO_IP */
	ROW("ip-tos", ST_FRESH, ip_tos_set, 0, "setsockopt(IPPROTO_IP, IP_TOS, 0x10)"),
	ROW("ip-tos-roundtrip", ST_CONNECTED, ip_tos_roundtrip, 0x10, "IP_TOS 0x10, then getsockopt"),
	ROW("ip-tos-optlen1", ST_FRESH, ip_tos_optlen1, 0, "setsockopt(IPPROTO_IP, IP_TOS, &char, 1)"),
	ROW("ip-tos-null", ST_FRESH, ip_tos_null, E(EFAULT), "setsockopt(IPPROTO_IP, IP_TOS, NULL, 4)"),
	ROW("ip-ttl", ST_FRESH, ip_ttl_set, 0, "setsockopt(IPPROTO_IP, IP_TTL, 33)"),
	ROW("ip-ttl-0", ST_FRESH, ip_ttl_0, E(EINVAL), "setsockopt(IPPROTO_IP, IP_TTL, 0)"),
	ROW("ip-ttl-256", ST_FRESH, ip_ttl_256, E(EINVAL), "setsockopt(IPPROTO_IP, IP_TTL, 256)"),
	ROW("ip-ttl-default", ST_FRESH, ip_ttl_default, 64, "IP_TTL -1, then getsockopt: the default"),
	ROW("ip-ttl-get", ST_CONNECTED, ip_ttl_get, 64, "getsockopt(IPPROTO_IP, IP_TTL)"),
	ROW("ip-ttl-tos-on-wire", ST_CONNECTED, ip_ttl_tos_on_wire, 33040, "IP_TTL 33, IP_TOS 0x28, send: ttl*1000+tos of the packet"),
	ROW("ip-hdrincl", ST_FRESH, ip_hdrincl, E(ENOPROTOOPT), "setsockopt(IPPROTO_IP, IP_HDRINCL, 1)"),
	ROW("ip-multicast-ttl", ST_FRESH, ip_mcast_ttl, E(EINVAL), "setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 2)"),
	ROW("ip-add-membership", ST_FRESH, ip_add_membership, E(EPROTO), "setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, 224.0.0.1)"),
	DIFF("ip-mcast-join-group", ST_FRESH, ip_mcast_join_group, 0, E(EPROTO),
	     "a stream socket never receives multicast; XTCP refuses every membership option with the EPROTO TCP gives to IP_ADD_MEMBERSHIP",
	     "setsockopt(IPPROTO_IP, MCAST_JOIN_GROUP, 224.0.0.251 on lo)"),
	ROW("ip-multicast-if", ST_FRESH, ip_mcast_if, E(EINVAL), "setsockopt(IPPROTO_IP, IP_MULTICAST_IF, 127.0.0.1)"),
	ROW("ip-get-mtu-connected", ST_CONNECTED, ip_get_mtu, 65535, "getsockopt(IPPROTO_IP, IP_MTU): the loopback route's"),
	ROW("ip-recverr", ST_FRESH, ip_recverr, 0, "setsockopt(IPPROTO_IP, IP_RECVERR, 1)"),
	DIFF("ip-options", ST_FRESH, ip_options, 0, E(ENOPROTOOPT),
	     "IP options would lengthen every header; XTCP sizes segments without them",
	     "setsockopt(IPPROTO_IP, IP_OPTIONS, NOP NOP NOP EOL)"),
	ROW("ip-mtu-discover", ST_FRESH, ip_mtu_discover, 0,
	    "setsockopt(IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)"),
	ROW("ip-mtu-discover-bad", ST_FRESH, ip_mtu_discover_bad, E(EINVAL),
	    "setsockopt(IPPROTO_IP, IP_MTU_DISCOVER, 99)"),
	DIFF("ip-freebind", ST_FRESH, ip_freebind, 0, E(ENOPROTOOPT),
	     "XTCP's bind() only takes local addresses",
	     "setsockopt(IPPROTO_IP, IP_FREEBIND, 1)"),
	ROW("ip-unknown", ST_FRESH, ip_unknown, E(ENOPROTOOPT), "setsockopt(IPPROTO_IP, 9999)"),
	ROW("ip-get-unknown", ST_FRESH, ip_get_unknown, E(ENOPROTOOPT), "getsockopt(IPPROTO_IP, 9999)"),
	ROW("ip-get-mtu-fresh", ST_FRESH, ip_get_mtu, E(ENOTCONN), "getsockopt(IPPROTO_IP, IP_MTU)"),
	ROW("ip-get-tos-len-neg", ST_FRESH, ip_get_tos_neg, E(EINVAL), "getsockopt(IPPROTO_IP, IP_TOS, &-1)"),

	/* IPPROTO_TCP (XTCP takes TCP's numbers there) and SOL_XTCP */
	ROW("tcp-nodelay", ST_CONNECTED, tcp_nodelay, 0, "setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)"),
	ROW("own-level-nodelay", ST_CONNECTED, l4_nodelay, 0, "setsockopt(L, TCP_NODELAY, 1)"),
	ROW("tcp-optlen0", ST_FRESH, tcp_nodelay_optlen0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_NODELAY, &1, 0)"),
	ROW("tcp-optlen2", ST_FRESH, tcp_nodelay_optlen2, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_NODELAY, &1, 2)"),
	ROW("tcp-optlen-huge", ST_FRESH, tcp_nodelay_optlen_huge, 0, "setsockopt(IPPROTO_TCP, TCP_NODELAY, buf, 65536)"),
	ROW("tcp-optlen-neg", ST_FRESH, tcp_nodelay_optlen_neg, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_NODELAY, &1, -1)"),
	ROW("tcp-optval-null", ST_FRESH, tcp_nodelay_null, E(EFAULT), "setsockopt(IPPROTO_TCP, TCP_NODELAY, NULL, 4)"),
	ROW("tcp-optval-ptr1", ST_FRESH, tcp_nodelay_ptr1, E(EFAULT), "setsockopt(IPPROTO_TCP, TCP_NODELAY, (void *)1, 4)"),
	ROW("tcp-unknown", ST_FRESH, tcp_unknown, E(ENOPROTOOPT), "setsockopt(IPPROTO_TCP, 9999, 1)"),
	ROW("tcp-unknown-optlen0", ST_FRESH, tcp_unknown_optlen0, E(EINVAL), "setsockopt(IPPROTO_TCP, 9999, &1, 0)"),
	ROW("own-level-unknown", ST_FRESH, l4_unknown, E(ENOPROTOOPT), "setsockopt(L, 9999, 1)"),
	ROW("tcp-maxseg-10", ST_FRESH, tcp_maxseg_10, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_MAXSEG, 10)"),
	ROW("tcp-maxseg-40000", ST_FRESH, tcp_maxseg_40000, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_MAXSEG, 40000)"),
	ROW("tcp-maxseg-0", ST_FRESH, tcp_maxseg_0, 0, "setsockopt(IPPROTO_TCP, TCP_MAXSEG, 0) (no clamp)"),
	ROW("tcp-keepidle-0", ST_FRESH, tcp_keepidle_0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, 0)"),
	ROW("tcp-keepidle-32768", ST_FRESH, tcp_keepidle_big, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, 32768)"),
	ROW("tcp-keepintvl-0", ST_FRESH, tcp_keepintvl_0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_KEEPINTVL, 0)"),
	ROW("tcp-keepintvl-32768", ST_FRESH, tcp_keepintvl_big, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_KEEPINTVL, 32768)"),
	ROW("tcp-keepcnt-0", ST_FRESH, tcp_keepcnt_0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_KEEPCNT, 0)"),
	ROW("tcp-keepcnt-128", ST_FRESH, tcp_keepcnt_big, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_KEEPCNT, 128)"),
	ROW("tcp-syncnt-0", ST_FRESH, tcp_syncnt_0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_SYNCNT, 0)"),
	ROW("tcp-syncnt-128", ST_FRESH, tcp_syncnt_big, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_SYNCNT, 128)"),
	ROW("tcp-user-timeout-neg", ST_FRESH, tcp_user_timeout_neg, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_USER_TIMEOUT, -1)"),
	ROW("tcp-congestion-reno", ST_FRESH, tcp_cc_reno, 0, "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"reno\", 4)"),
	ROW("tcp-congestion-cubic", ST_FRESH, tcp_cc_cubic, 0, "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"cubic\", 5)"),
	ROW("tcp-congestion-reno-get", ST_CONNECTED, tcp_cc_reno_get, 16, "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"reno\", 4) then getsockopt: \"reno\", *len = 16"),
	ROW("tcp-congestion-unknown", ST_FRESH, tcp_cc_bogus, E(ENOENT), "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"nosuchcc\", 8)"),
	ROW("tcp-congestion-empty", ST_FRESH, tcp_cc_empty, E(ENOENT), "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"\", 1)"),
	ROW("tcp-congestion-prefix", ST_FRESH, tcp_cc_short, E(ENOENT), "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"cubic\", 3)"),
	ROW("tcp-congestion-long", ST_FRESH, tcp_cc_long, E(ENOENT), "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"cubicxxxxxxxxxxxxxxx\", 20)"),
	ROW("tcp-congestion-optlen0", ST_FRESH, tcp_cc_optlen0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_CONGESTION, \"reno\", 0)"),
	ROW("tcp-congestion-null", ST_FRESH, tcp_cc_null, E(EFAULT), "setsockopt(IPPROTO_TCP, TCP_CONGESTION, NULL, 4)"),
	ROW("tcp-congestion-get", ST_CONNECTED, tcp_cc_get, 16, "getsockopt(IPPROTO_TCP, TCP_CONGESTION, &100): *len = 16"),
	ROW("tcp-cork", ST_FRESH, tcp_cork, 0, "setsockopt(IPPROTO_TCP, TCP_CORK, 1)"),
	ROW("tcp-cork-get", ST_FRESH, tcp_cork_get, 1, "TCP_CORK 1, then getsockopt"),
	ROW("tcp-cork-optlen0", ST_FRESH, tcp_cork_optlen0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_CORK, &1, 0)"),
	ROW("tcp-cork-uncork", ST_CONNECTED, tcp_cork_uncork, 10, "TCP_CORK 1, send(10), TCP_CORK 0: the peer reads the 10 bytes"),
	ROW("tcp-quickack", ST_FRESH, tcp_quickack, 0, "setsockopt(IPPROTO_TCP, TCP_QUICKACK, 1)"),
	ROW("tcp-quickack-connected", ST_DATA, tcp_quickack, 0, "setsockopt(IPPROTO_TCP, TCP_QUICKACK, 1)"),
	ROW("tcp-quickack-get", ST_CONNECTED, tcp_get_quickack, 1, "getsockopt(IPPROTO_TCP, TCP_QUICKACK)"),
	ROW("tcp-quickack-optlen0", ST_FRESH, tcp_quickack_optlen0, E(EINVAL), "setsockopt(IPPROTO_TCP, TCP_QUICKACK, &1, 0)"),
	ROW("tcp-get-len2", ST_FRESH, tcp_get_nodelay_len2, 2, "getsockopt(IPPROTO_TCP, TCP_NODELAY, &2): *len = 2"),
	ROW("tcp-get-len0", ST_FRESH, tcp_get_nodelay_len0, 0, "getsockopt(IPPROTO_TCP, TCP_NODELAY, &0): *len = 0"),
	ROW("tcp-get-len-neg", ST_FRESH, tcp_get_nodelay_len_neg, E(EINVAL), "getsockopt(IPPROTO_TCP, TCP_NODELAY, &-1)"),
	ROW("tcp-get-len-big", ST_FRESH, tcp_get_nodelay_len_big, 4, "getsockopt(IPPROTO_TCP, TCP_NODELAY, &100): *len = 4"),
	ROW("tcp-get-len-null", ST_FRESH, tcp_get_len_null, E(EFAULT), "getsockopt(IPPROTO_TCP, TCP_NODELAY, &v, NULL)"),
	ROW("tcp-get-len-ptr1", ST_FRESH, tcp_get_len_ptr1, E(EFAULT), "getsockopt(IPPROTO_TCP, TCP_NODELAY, &v, (void *)1)"),
	ROW("tcp-get-optval-null", ST_FRESH, tcp_get_val_null, E(EFAULT), "getsockopt(IPPROTO_TCP, TCP_NODELAY, NULL, &4)"),
	ROW("tcp-get-unknown", ST_FRESH, tcp_get_unknown, E(ENOPROTOOPT), "getsockopt(IPPROTO_TCP, 9999)"),
	ROW("own-level-get-unknown", ST_FRESH, l4_get_unknown, E(ENOPROTOOPT), "getsockopt(L, 9999)"),
	ROW("tcp-get-info-len0", ST_CONNECTED, tcp_get_info_len0, 0, "getsockopt(IPPROTO_TCP, TCP_INFO, &0): *len = 0"),
	ROW("tcp-get-info-len8", ST_CONNECTED, tcp_get_info_len8, 8, "getsockopt(IPPROTO_TCP, TCP_INFO, &8): *len = 8"),
	ROW("tcp-get-info-len-neg", ST_CONNECTED, tcp_get_info_len_neg, E(EINVAL), "getsockopt(IPPROTO_TCP, TCP_INFO, &-1)"),
	ROW("own-level-get-info-len0", ST_CONNECTED, l4_get_info_len0, 0, "getsockopt(L, TCP_INFO / XTCP_INFO, &0): *len = 0"),

	/* XTCP's own options (issue 10; docs/protocol.md §30, §31) */
	DIFF("xtcp-defer", ST_FRESH, x_defer_1, E(ENOPROTOOPT), 0, XOWN, "setsockopt(L, XTCP_DEFER_HANDSHAKE, 1)"),
	DIFF("xtcp-defer-2", ST_FRESH, x_defer_2, E(ENOPROTOOPT), E(EINVAL), XOWN, "setsockopt(L, XTCP_DEFER_HANDSHAKE, 2)"),
	DIFF("xtcp-defer-get", ST_LISTEN, x_defer_get, E(ENOPROTOOPT), 0, XOWN, "getsockopt(L, XTCP_DEFER_HANDSHAKE)"),
	DIFF("xtcp-arrival-not-deferring", ST_LISTEN, x_arrival, E(ENOPROTOOPT), E(EINVAL), XOWN, "getsockopt(L, XTCP_ARRIVAL, &sizeof) on a listener without XTCP_DEFER_HANDSHAKE"),
	DIFF("xtcp-arrival-fresh", ST_FRESH, x_arrival_none, E(ENOPROTOOPT), E(EINVAL), XOWN, "XTCP_DEFER_HANDSHAKE 1, then getsockopt(L, XTCP_ARRIVAL, &sizeof): not a listener"),
	DIFF("xtcp-arrival-none", ST_LISTEN, x_arrival_none, E(ENOPROTOOPT), E(EAGAIN), XOWN, "XTCP_DEFER_HANDSHAKE 1, then getsockopt(L, XTCP_ARRIVAL, &sizeof): none waits"),
	DIFF("xtcp-arrival-short", ST_LISTEN, x_arrival_short, E(ENOPROTOOPT), E(EINVAL), XOWN, "XTCP_DEFER_HANDSHAKE 1, then getsockopt(L, XTCP_ARRIVAL, &(sizeof - 1))"),
	DIFF("xtcp-verdict-not-deferring", ST_LISTEN, x_verdict_plain, E(ENOPROTOOPT), E(EINVAL), XOWN, "setsockopt(L, XTCP_VERDICT, {1, ACCEPT, 0}, 16) on a listener without XTCP_DEFER_HANDSHAKE"),
	DIFF("xtcp-verdict-connected", ST_CONNECTED, x_verdict_noid, E(ENOPROTOOPT), E(EINVAL), XOWN, "XTCP_DEFER_HANDSHAKE 1, then setsockopt(L, XTCP_VERDICT, {1, ACCEPT, 0}, 16): not a listener"),
	DIFF("xtcp-verdict-unknown-id", ST_LISTEN, x_verdict_noid, E(ENOPROTOOPT), E(ENOENT), XOWN, "XTCP_DEFER_HANDSHAKE 1, then setsockopt(L, XTCP_VERDICT, {1, ACCEPT, 0}, 16): no such arrival"),
	DIFF("xtcp-verdict-len15", ST_LISTEN, x_verdict_len15, E(ENOPROTOOPT), E(EINVAL), XOWN, "XTCP_DEFER_HANDSHAKE 1, then setsockopt(L, XTCP_VERDICT, &v, 15)"),
	DIFF("xtcp-verdict-bad", ST_LISTEN, x_verdict_bad, E(ENOPROTOOPT), E(EINVAL), XOWN, "XTCP_DEFER_HANDSHAKE 1, then setsockopt(L, XTCP_VERDICT, {1, 4, 0}, 16)"),
	DIFF("xtcp-verdict-pad", ST_LISTEN, x_verdict_pad, E(ENOPROTOOPT), E(EINVAL), XOWN, "XTCP_DEFER_HANDSHAKE 1, then setsockopt(L, XTCP_VERDICT, {1, DROP, 1}, 16)"),
	DIFF("xtcp-verdict-null", ST_LISTEN, x_verdict_null, E(ENOPROTOOPT), E(EFAULT), XOWN, "XTCP_DEFER_HANDSHAKE 1, then setsockopt(L, XTCP_VERDICT, NULL, 16)"),
	DIFF("xtcp-probe", ST_CONNECTED, x_probe, E(ENOPROTOOPT), 0, XOWN, "setsockopt(L, XTCP_PROBE, &3000, 4): answered"),
	DIFF("xtcp-probe-close-wait", ST_CLOSE_WAIT, x_probe, E(ENOPROTOOPT), 0, XOWN, "setsockopt(L, XTCP_PROBE, &3000, 4): answered"),
	DIFF("xtcp-probe-fresh", ST_FRESH, x_probe, E(ENOPROTOOPT), E(ENOTCONN), XOWN, "setsockopt(L, XTCP_PROBE, &3000, 4)"),
	DIFF("xtcp-probe-listening", ST_LISTEN, x_probe, E(ENOPROTOOPT), E(ENOTCONN), XOWN, "setsockopt(L, XTCP_PROBE, &3000, 4)"),
	DIFF("xtcp-probe-connecting", ST_CONNECTING, x_probe, E(ENOPROTOOPT), E(ENOTCONN), XOWN, "setsockopt(L, XTCP_PROBE, &3000, 4)"),
	DIFF("xtcp-probe-reset", ST_RESET, x_probe, E(ENOPROTOOPT), E(ENOTCONN), XOWN, "setsockopt(L, XTCP_PROBE, &3000, 4)"),
	ROW("xtcp-probe-len3", ST_CONNECTED, x_probe_len3, E(EINVAL), "setsockopt(L, XTCP_PROBE, &500, 3): TCP checks the length first too"),
	DIFF("xtcp-probe-0", ST_CONNECTED, x_probe_0, E(ENOPROTOOPT), E(EINVAL), XOWN, "setsockopt(L, XTCP_PROBE, &0, 4)"),
	ROW("xtcp-probe-tcp-level", ST_CONNECTED, x_probe_tcp_level, E(ENOPROTOOPT), "setsockopt(IPPROTO_TCP, XTCP_PROBE, &500, 4): XTCP's own numbers only at SOL_XTCP"),
	ROW("xtcp-probe-get", ST_CONNECTED, x_probe_get, E(ENOPROTOOPT), "getsockopt(L, XTCP_PROBE): not readable"),

	/* Options and calls on a connection the peer ended */
	ROW("tcp-nodelay-reset", ST_RESET, tcp_nodelay, 0, "setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)"),
	ROW("tcp-nodelay-close-wait", ST_CLOSE_WAIT, tcp_nodelay, 0, "setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)"),
	ROW("tcp-get-info-reset", ST_RESET, tcp_get_info_len8, 8, "getsockopt(IPPROTO_TCP, TCP_INFO, &8): *len = 8"),
	ROW("so-keepalive-reset", ST_RESET, so_keepalive, 0, "setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1)"),
	ROW("ip-tos-reset", ST_RESET, ip_tos_set, 0, "setsockopt(IPPROTO_IP, IP_TOS, 0x10)"),
	ROW("ip-ttl-close-wait", ST_CLOSE_WAIT, ip_ttl_set, 0, "setsockopt(IPPROTO_IP, IP_TTL, 33)"),
	ROW("tcp-optval-null-reset", ST_RESET, tcp_nodelay_null, E(EFAULT), "setsockopt(IPPROTO_TCP, TCP_NODELAY, NULL, 4)"),
	ROW("send-null-10-close-wait", ST_CLOSE_WAIT, send_null_10, E(EFAULT), "send(NULL, 10)"),
	ROW("recv-null-10-close-wait", ST_CLOSE_WAIT, recv_null_10, 0, "recv(NULL, 10): end of stream, nothing copied"),
	ROW("recv-null-10-reset", ST_RESET, recv_null_10, E(ECONNRESET), "recv(NULL, 10)"),
	ROW("shutdown-how-3-reset", ST_RESET, shut_3, E(EINVAL), "shutdown(3)"),
	ROW("shutdown-how-3-close-wait", ST_CLOSE_WAIT, shut_3, E(EINVAL), "shutdown(3)"),
	ROW("getsockname-reset", ST_RESET, gsn_big, 16, "getsockname(&storage, &128)"),
	ROW("getsockname-null-addr-reset", ST_RESET, gsn_null_addr, E(EFAULT), "getsockname(NULL, &16)"),
	ROW("accept-close-wait", ST_CLOSE_WAIT, acc_plain, E(EINVAL), "accept()"),
	ROW("sendto-addr-close-wait", ST_CLOSE_WAIT, sendto_other_addr, 1, "sendto(1, another address): ignored"),
	ROW("ioctl-outq-reset", ST_RESET, io_outq, 0, "ioctl(SIOCOUTQ)"),
	ROW("ioctl-unknown-reset", ST_RESET, io_unknown, E(ENOTTY), "ioctl(_IOR(0xee, 0x42, int))"),

	/* ioctl() */
	ROW("ioctl-unknown", ST_CONNECTED, io_unknown, E(ENOTTY), "ioctl(_IOR(0xee, 0x42, int))"),
	ROW("ioctl-inq-fresh", ST_FRESH, io_inq, 0, "ioctl(SIOCINQ)"),
	ROW("ioctl-inq-listening", ST_LISTEN, io_inq, E(EINVAL), "ioctl(SIOCINQ)"),
	ROW("ioctl-outq-listening", ST_LISTEN, io_outq, E(EINVAL), "ioctl(SIOCOUTQ)"),
	ROW("ioctl-outqnsd-listening", ST_LISTEN, io_outqnsd, E(EINVAL), "ioctl(SIOCOUTQNSD)"),
	ROW("ioctl-inq-data", ST_DATA, io_inq, 5, "ioctl(SIOCINQ)"),
	ROW("ioctl-inq-ptr1", ST_DATA, io_inq_ptr1, E(EFAULT), "ioctl(SIOCINQ, (void *)1)"),
	ROW("ioctl-outq-connected", ST_CONNECTED, io_outq, 0, "ioctl(SIOCOUTQ)"),
	ROW("ioctl-inq-close-wait", ST_CLOSE_WAIT, io_inq, 0, "ioctl(SIOCINQ)"),
	ROW("ioctl-inq-reset", ST_RESET, io_inq, 0, "ioctl(SIOCINQ)"),
	ROW("ioctl-atmark", ST_DATA, io_atmark, 0, "ioctl(SIOCATMARK): never at an urgent mark"),
	ROW("ioctl-gstamp", ST_DATA, io_gstamp, E(ENOENT), "ioctl(SIOCGSTAMP): no timestamp"),
	ROW("ioctl-fionbio", ST_FRESH, io_fionbio, 0, "ioctl(FIONBIO, 1)"),

	/* poll() */
	POLLROW("poll-fresh", ST_FRESH, POLLOUT | POLLHUP),
	POLLROW("poll-bound", ST_BOUND, POLLOUT | POLLHUP),
	POLLROW("poll-listening", ST_LISTEN, 0),
	POLLROW("poll-listening-queued", ST_PENDING, POLLIN),
	POLLROW("poll-connecting", ST_CONNECTING, 0),
	POLLROW("poll-connected", ST_CONNECTED, POLLOUT),
	POLLROW("poll-data", ST_DATA, POLLIN | POLLOUT),
	POLLROW("poll-shut-wr", ST_SHUT_WR, POLLOUT),
	POLLROW("poll-shut-rd", ST_SHUT_RD, POLLIN | POLLOUT | POLLRDHUP),
	POLLROW("poll-close-wait", ST_CLOSE_WAIT, POLLIN | POLLOUT | POLLRDHUP),
	POLLROW("poll-reset", ST_RESET, POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP),
	POLLROW("poll-reset-seen", ST_RESET_SEEN, POLLIN | POLLOUT | POLLHUP | POLLRDHUP),
};

#define NROWS	(sizeof(rows) / sizeof(rows[0]))

/* ---- formatting --------------------------------------------------- */

static const char *fmt_res(const struct row *r, long v, char *out, size_t n)
{
	bool sig = false;

	if (v > SIGP / 2) {
		sig = true;
		v -= SIGP;
	}
	if (v < 0 && v > -4096) {
		const char *name = strerrorname_np(-v);

		snprintf(out, n, "%s", name ? name : "?");
	} else if (r->fmt == 'p') {
		static const struct { short bit; const char *name; } b[] = {
			{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" },
			{ POLLERR, "ERR" }, { POLLHUP, "HUP" }, { POLLRDHUP, "RDHUP" },
			{ POLLNVAL, "NVAL" },
		};
		size_t k = 0;

		out[0] = 0;
		for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
			if (v & b[i].bit)
				k += snprintf(out + k, n - k, "%s%s", k ? "\\|" : "", b[i].name);
		if (!k)
			snprintf(out, n, "none");
	} else if (r->st == ST_NONE) {
		snprintf(out, n, v >= 0 ? "fd" : "%ld", v);
	} else {
		snprintf(out, n, "%ld", v);
	}
	if (sig)
		snprintf(out + strlen(out), n - strlen(out), " + SIGPIPE");
	return out;
}

static void print_markdown(FILE *f)
{
	char t[128], x[128];

	fprintf(f, "| row | state | call | Linux TCP | XTCP | difference |\n");
	fprintf(f, "| --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];

		fprintf(f, "| %s | %s | %s | %s | %s | %s |\n", r->id,
			st_name[r->st], r->call, fmt_res(r, r->tcp, t, sizeof(t)),
			fmt_res(r, r->xtcp, x, sizeof(x)), r->why ? r->why : "");
	}
}

/* docs/errors.md holds the table between these two lines. */
#define BEGIN_MARK "<!-- badinput_test rows begin -->\n"
#define END_MARK "<!-- badinput_test rows end -->\n"

static int check_docs(char *why, size_t n)
{
	char *doc = NULL, *want = NULL, *b, *e;
	size_t dl = 0, wl = 0;
	FILE *f = fopen("docs/errors.md", "r"), *m;
	int ok = 0;

	if (!f) {
		snprintf(why, n, "docs/errors.md: %s (run from the project)", strerror(errno));
		return 0;
	}
	m = open_memstream(&doc, &dl);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(f);
	fclose(m);
	m = open_memstream(&want, &wl);
	print_markdown(m);
	fclose(m);
	b = strstr(doc, BEGIN_MARK);
	e = b ? strstr(b, END_MARK) : NULL;
	if (!b || !e) {
		snprintf(why, n, "docs/errors.md has no rows markers");
	} else {
		b += strlen(BEGIN_MARK);
		ok = (size_t)(e - b) == wl && !memcmp(b, want, wl);
		if (!ok)
			snprintf(why, n, "docs/errors.md differs from the rows: "
				 "regenerate with badinput_test --markdown");
	}
	free(doc);
	free(want);
	return ok;
}

/* ---- running ------------------------------------------------------ */

static long run_one(const struct row *r, int fam, char *why, size_t n)
{
	struct prep p;
	sigset_t pipe_set;
	struct timespec zero = { 0, 0 };
	long v;

	if (prepare(fam, r->st, &p, why, n)) {
		unprepare(&p);
		return LONG_MIN;
	}
	errno = 0;
	v = r->op(&p);
	/* Creating rows return an fd: close it, keep "success". */
	if (r->st == ST_NONE && v >= 0) {
		close((int)v);
		v = 0;
	}
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		v += SIGP;
	unprepare(&p);
	drain_listeners();
	return v;
}

static int setup(void)
{
	sigset_t set;

	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	if (system("set -e; IP=/usr/sbin/ip; $IP link set lo up; "
		   "$IP link add bi0 type veth peer name bi1; "
		   "$IP addr add 10.9.0.1/24 brd + dev bi0; $IP link set bi0 up; "
		   "$IP neigh add " VOID_IP " lladdr 02:00:00:00:00:02 dev bi0 nud permanent")) {
		fprintf(stderr, "network setup failed\n");
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);

	C.hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (C.hole == MAP_FAILED || munmap(C.hole, 4096))
		return -1;
	for (int i = 0; i < 2; i++) {
		int fam = i ? AF_XTCP : AF_INET;
		struct sockaddr_in a = sin_of(LOCAL_IP, 0);

		C.srv[i] = sock_of(fam);
		if (C.srv[i] < 0 || bind(C.srv[i], (void *)&a, sizeof(a)) ||
		    listen(C.srv[i], 64)) {
			fprintf(stderr, "listener %d: %s\n", fam, strerror(errno));
			return -1;
		}
		fcntl(C.srv[i], F_SETFL, O_NONBLOCK);
		C.srv_port[i] = port_of(C.srv[i], 0);
		C.closed_fd[i] = sock_of(fam);
		if (C.closed_fd[i] < 0 || bind(C.closed_fd[i], (void *)&a, sizeof(a)))
			return -1;
		C.closed_port[i] = port_of(C.closed_fd[i], 0);
	}
	{
		int fd = socket(AF_XTCP, SOCK_STREAM, 0);
		socklen_t l = sizeof(C.xtcp_proto);

		if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &C.xtcp_proto, &l))
			return -1;
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int failed = 0, n = 0;
	char why[256];

	if (argc > 1 && !strcmp(argv[1], "--markdown")) {
		print_markdown(stdout);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "-r"))
		only = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (setup()) {
		printf("Bail out! setup failed (root, the xtcp module, veth)\n");
		return 1;
	}
	printf("1..%zu\n", only ? 1 : NROWS + 1);
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		char a[128], b[128], c[128], d[128];
		long t, x;
		bool ok;

		if (only && strcmp(only, r->id))
			continue;
		why[0] = 0;
		t = run_one(r, AF_INET, why, sizeof(why));
		x = t == LONG_MIN ? LONG_MIN : run_one(r, AF_XTCP, why, sizeof(why));
		ok = t == r->tcp && x == r->xtcp;
		n++;
		if (t == LONG_MIN || x == LONG_MIN) {
			printf("not ok %d %s # %s\n", n, r->id, why);
			failed++;
			continue;
		}
		printf("%sok %d %s%s%s\n", ok ? "" : "not ", n, r->id,
		       r->why ? " # deliberate difference: " : "", r->why ? r->why : "");
		if (!ok) {
			printf("# %s [%s] %s: TCP %s (want %s), XTCP %s (want %s)\n",
			       r->id, st_name[r->st], r->call,
			       fmt_res(r, t, a, sizeof(a)), fmt_res(r, r->tcp, b, sizeof(b)),
			       fmt_res(r, x, c, sizeof(c)), fmt_res(r, r->xtcp, d, sizeof(d)));
			failed++;
		}
	}
	if (!only) {
		n++;
		why[0] = 0;
		if (check_docs(why, sizeof(why))) {
			printf("ok %d docs-errors-md-matches-rows\n", n);
		} else {
			printf("not ok %d docs-errors-md-matches-rows # %s\n", n, why);
			failed++;
		}
	}
	printf("# %d of %d failed\n", failed, n);
	return failed ? 1 : 0;
}
