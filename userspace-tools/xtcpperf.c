// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpperf: one benchmark for XTCP and Linux TCP. The family only picks the
 * socket() domain; every other line of code is the same for both.
 *
 *   xtcpperf -s [-f xtcp|tcp|both] [-B ADDR] [-p PORT] [--nports N] [-w THREADS]
 *            [--reuseport]
 *   xtcpperf -c HOST [-f xtcp|tcp] -m MODE [options] [--json]
 *
 * Modes (client):
 *   stream  bulk data client -> server over -P connections for -t seconds
 *           (or -n bytes); throughput counts until the server has read
 *           everything (the client waits for its close after SHUT_WR).
 *   rr      request/response of -l bytes each way (a list: -l 1,1024),
 *           -P connections; transactions/s and latency p50/p99.
 *   crr     connect, one -l byte request/response, close, repeated for -t
 *           seconds; the server closes first (HTTP/1.0 style), so
 *           TIME-WAIT entries accumulate on the server; with --close
 *           client the client does, and they accumulate here (the
 *           port-reuse figure of make bench).
 *   conns   open -N connections (at most 256 connecting at a time, in
 *           batches of --batch), measure kernel memory (/proc/slabinfo
 *           objects in use, /sys/kernel/slab) per connection, close them
 *           (--close client: TIME-WAIT here; server: on the server) and
 *           count TIME-WAIT. --close now: the server closes each one as
 *           soon as it is accepted (a fast TIME-WAIT fill).
 *
 * stream --sendfile: the client sends a file with sendfile(2) instead of
 *   write(2) (a temporary file of --sendfile-size bytes, 16 MB, written
 *   first so its pages are in the page cache, sent round and round from
 *   offset 0, -l bytes a call): with XTCP, as with TCP, the pages are
 *   attached to the socket, not copied. Stream mode reports the CPU time
 *   per megabyte: of the whole machine (/proc/stat, both ends when they
 *   share it, as in make bench) and of this process (getrusage).
 *
 * Options: -t SECONDS (2), -n BYTES (stream: total instead of time),
 *   -P N parallel connections (1), -l SIZES (stream: write size, 131072;
 *   rr/crr: 1,1024), -N CONNS (conns: 2000), --batch N, --close
 *   client|server|now, --src ADDR[,ADDR...] and --src-port PORT (conns: bind
 *   the connections to these addresses and consecutive ports), -i SECONDS
 *   (stream: one line per interval: throughput acknowledged, and the
 *   first connection's cwnd, ssthresh, srtt and retransmissions from
 *   XTCP_INFO, or TCP_INFO for -f tcp), --json, -q (no table).
 * Server: --reuseport gives each worker a SO_REUSEPORT listener of its own
 *   per port (the kernel spreads connections over them by 4-tuple);
 *   SIGUSR1 prints how many connections each listener accepted.
 *
 * Wire: each connection starts with a 16-byte hello (magic, mode, size).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/xtcp.h>

#define XTCP_FAMILY_DEFAULT	23
#define HELLO_MAGIC		0x58505246u	/* "XPRF" */
#define MAX_MSG			(1 << 20)
#define IOBUF			(256 << 10)
#define MAX_SIZES		8
#define CONNS_INFLIGHT		256

enum mode { M_NONE, M_STREAM, M_RR, M_CRR, M_CONNS };
static const char *const mode_names[] = { "", "stream", "rr", "crr", "conns" };

#define HF_SERVER_CLOSE	1	/* conns: the server closes when it reads 'C' */
#define HF_CLOSE_NOW	2	/* conns: the server closes as soon as it has the hello */
#define HF_CLIENT_CLOSE	4	/* crr: the client closes first, the server on its EOF */

struct hello {
	uint32_t magic;
	uint8_t mode;
	uint8_t flags;
	uint16_t reserved;
	uint32_t size;
	uint32_t reserved2;
};

static struct {
	bool server, json, quiet, server_close, close_now, client_close;
	bool sendfile;
	uint64_t sendfile_size;
	int sendfile_fd;
	bool reuseport;
	const char *host, *bind_addr, *src;
	int family_tcp, family_xtcp;	/* which families (server: both) */
	int port, nports, workers;
	enum mode mode;
	double secs;
	uint64_t bytes;
	int par;
	uint32_t sizes[MAX_SIZES];
	int nsizes;
	long conns, batch;
	int src_port;
	double interval;
} o = {
	.port = 5201, .nports = 1, .workers = 2, .secs = 2, .par = 1,
	.conns = 2000, .sendfile_size = 16 << 20, .sendfile_fd = -1,
};

static int af_xtcp = XTCP_FAMILY_DEFAULT;
static long read_long(const char *path);
static char zeros[MAX_MSG];

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("xtcpperf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int family_of(bool xtcp)
{
	return xtcp ? af_xtcp : AF_INET;
}

static const char *family_name(int af)
{
	return af == AF_INET ? "tcp" : "xtcp";
}

static int new_socket(int af, int flags)
{
	int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	if (fd < 0 && errno == EAFNOSUPPORT && af != AF_INET)
		die("socket(AF_XTCP=%d): %s (is xtcp.ko loaded?)", af, strerror(errno));
	return fd;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static struct sockaddr_in resolve(const char *host, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct addrinfo hints = { .ai_family = AF_INET }, *ai;

	if (!host || !*host)
		return sin;
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1)
		return sin;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		die("cannot resolve %s", host);
	sin.sin_addr = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	freeaddrinfo(ai);
	return sin;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* 1: all read, 0: EOF first, -1: error. */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

static struct hello make_hello(enum mode m, uint32_t size, uint8_t flags)
{
	return (struct hello){ .magic = htonl(HELLO_MAGIC), .mode = m,
			       .flags = flags, .size = htonl(size) };
}

/* As many descriptors as the system allows (conns holds thousands). */
static void raise_nofile(void)
{
	long max = read_long("/proc/sys/fs/nr_open");
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return;
	if (max > (long)r.rlim_max) {
		struct rlimit big = { max, max };

		if (!setrlimit(RLIMIT_NOFILE, &big))
			return;
	}
	r.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_NOFILE, &r);
}

/* ------------------------------------------------------------------ */
/* System figures: CPU, memory, TIME-WAIT counts                       */

struct cpu { unsigned long long busy, total; };

static struct cpu cpu_now(void)
{
	unsigned long long v[10] = { 0 };
	struct cpu c = { 0, 0 };
	FILE *f = fopen("/proc/stat", "re");
	int i;

	if (!f)
		return c;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (i = 0; i < 8; i++)
			c.total += v[i];
		c.busy = c.total - v[3] - v[4];	/* minus idle, iowait */
	}
	fclose(f);
	return c;
}

/* This process's user + system CPU time, in microseconds. */
static double self_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

/* Busy CPU time between a and b (all CPUs), in microseconds. */
static double cpu_busy_us(struct cpu a, struct cpu b)
{
	long hz = sysconf(_SC_CLK_TCK);

	return b.busy > a.busy && hz > 0 ? (b.busy - a.busy) * 1e6 / hz : 0;
}

static double cpu_busy_pct(struct cpu a, struct cpu b)
{
	return b.total > a.total ? 100.0 * (b.busy - a.busy) / (b.total - a.total) : 0;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Bytes per object of a slab cache (object plus its metadata/alignment). */
static long slab_size(const char *cache)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/slab_size", cache);
	return read_long(path);
}

/* /proc/slabinfo (root only): objects in use per cache. */
struct slabcache {
	char name[40];
	long active, objsize;
};
struct slabsnap {
	struct slabcache *c;
	int n;
};

static struct slabsnap slab_snap(void)
{
	struct slabsnap s = { NULL, 0 };
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "re");

	if (!f)
		return s;
	while (fgets(line, sizeof(line), f)) {
		struct slabcache c;
		long total;

		if (sscanf(line, "%39s %ld %ld %ld", c.name, &c.active, &total, &c.objsize) != 4)
			continue;
		s.c = realloc(s.c, (s.n + 1) * sizeof(c));
		s.c[s.n++] = c;
	}
	fclose(f);
	return s;
}

static long slab_bytes(const struct slabsnap *s)
{
	long b = 0;
	int i;

	for (i = 0; i < s->n; i++)
		b += s->c[i].active * s->c[i].objsize;
	return b;
}

static long slab_active(const struct slabsnap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return s->c[i].active;
	return -1;
}

/* "cache objsize x objects-per-unit" for the caches that grew most. */
static void slab_top(const struct slabsnap *a, const struct slabsnap *b, long units,
		     char *out, size_t size)
{
	bool used[512] = { false };
	size_t len = 0;
	int k, i;

	out[0] = '\0';
	for (k = 0; k < 6 && units > 0; k++) {
		long best = 0;
		int bi = -1;

		for (i = 0; i < b->n && i < 512; i++) {
			long d = (b->c[i].active - (slab_active(a, b->c[i].name) > 0 ?
				  slab_active(a, b->c[i].name) : 0)) * b->c[i].objsize;

			if (!used[i] && d > best) {
				best = d;
				bi = i;
			}
		}
		if (bi < 0 || best < units * 16)
			break;
		used[bi] = true;
		len += snprintf(out + len, len < size ? size - len : 0, "%s%s %ldx%.2f",
				k ? ", " : "", b->c[bi].name, b->c[bi].objsize,
				(double)best / b->c[bi].objsize / units);
	}
}

/* A counter from an snmp-style file: "Prefix: names" / "Prefix: values". */
static long snmp_get(const char *path, const char *prefix, const char *name)
{
	char names[4096], values[4096], *sn, *sv, *n, *v;
	size_t plen = strlen(prefix);
	long r = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, prefix, plen) || names[plen] != ':')
			continue;
		if (!fgets(values, sizeof(values), f))
			break;
		n = strtok_r(names + plen + 1, " \n", &sn);
		v = strtok_r(values + plen + 1, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, name)) {
				r = atol(v);
				break;
			}
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
	return r;
}

/* TIME-WAIT entries in this network namespace. */
static long tw_count(int af)
{
	char line[256];
	long tw = -1;
	FILE *f;

	if (af != AF_INET)
		return snmp_get("/proc/net/xtcp/snmp", "Xtcp", "CurrTimeWait");
	f = fopen("/proc/net/sockstat", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " tw ");

		if (!strncmp(line, "TCP:", 4) && p) {
			tw = atol(p + 4);
			break;
		}
	}
	fclose(f);
	return tw;
}

static long tw_limit(int af)
{
	return read_long(af == AF_INET ? "/proc/sys/net/ipv4/tcp_max_tw_buckets"
				       : "/proc/sys/net/xtcp/max_tw_buckets");
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

enum sstate { S_HELLO, S_DISCARD, S_REQ, S_RESP, S_HOLD };

struct sconn {
	bool listener;
	int fd;
	int worker, port;	/* listener: its worker (--reuseport) and port */
	unsigned long accepted;	/* listener: connections it gave */
	enum sstate st;
	struct hello h;
	uint32_t got, size, out;
};

static int *worker_ep;

static void sconn_close(int ep, struct sconn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static void want(int ep, struct sconn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* The response is out: what comes next. Returns false if c was closed. */
static bool response_done(int ep, struct sconn *c)
{
	if (c->h.mode == M_CRR && (c->h.flags & HF_CLIENT_CLOSE)) {
		c->st = S_DISCARD;	/* until the client's FIN */
		return true;
	}
	if (c->h.mode == M_CRR) {
		sconn_close(ep, c);	/* the server closes first */
		return false;
	}
	c->st = S_REQ;
	c->got = 0;
	return true;
}

static bool send_response(int ep, struct sconn *c)
{
	while (c->out < c->size) {
		ssize_t n = write(c->fd, zeros, c->size - c->out);

		if (n < 0 && errno == EAGAIN) {
			if (c->st != S_RESP)
				want(ep, c, EPOLLOUT);
			c->st = S_RESP;
			return true;
		}
		if (n <= 0) {
			sconn_close(ep, c);
			return false;
		}
		c->out += n;
	}
	if (c->st == S_RESP)
		want(ep, c, EPOLLIN);
	return response_done(ep, c);
}

static void on_readable(int ep, struct sconn *c, char *buf)
{
	for (;;) {
		ssize_t n;

		switch (c->st) {
		case S_HELLO:
			n = read(c->fd, (char *)&c->h + c->got, sizeof(c->h) - c->got);
			break;
		case S_REQ:
			n = read(c->fd, buf, c->size - c->got < IOBUF ? c->size - c->got : IOBUF);
			break;
		case S_RESP:
			return;	/* the client does not pipeline */
		default:
			n = read(c->fd, buf, IOBUF);
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sconn_close(ep, c);
			return;
		}
		switch (c->st) {
		case S_HELLO:
			c->got += n;
			if (c->got < sizeof(c->h))
				break;
			c->size = ntohl(c->h.size);
			if (ntohl(c->h.magic) != HELLO_MAGIC || c->size > MAX_MSG ||
			    c->h.mode < M_STREAM || c->h.mode > M_CONNS) {
				sconn_close(ep, c);
				return;
			}
			c->got = 0;
			/* stream, rr: say "ready", so that the client knows
			 * its connection works before it starts the clock. */
			if ((c->h.mode == M_STREAM || c->h.mode == M_RR) &&
			    write(c->fd, "A", 1) != 1) {
				sconn_close(ep, c);
				return;
			}
			if (c->h.mode == M_STREAM) {
				c->st = S_DISCARD;
			} else if (c->h.mode == M_CONNS) {
				if (c->h.flags & HF_CLOSE_NOW) {
					sconn_close(ep, c);
					return;
				}
				c->st = S_HOLD;
				if (write(c->fd, "A", 1) != 1) {
					sconn_close(ep, c);
					return;
				}
			} else {
				nodelay(c->fd);
				c->st = S_REQ;
				if (!c->size) {
					c->out = 0;
					if (!send_response(ep, c))
						return;
				}
			}
			break;
		case S_REQ:
			c->got += n;
			if (c->got == c->size) {
				c->out = 0;
				if (!send_response(ep, c) || c->st == S_RESP)
					return;
			}
			break;
		case S_HOLD:
			if ((c->h.flags & HF_SERVER_CLOSE) && memchr(buf, 'C', n)) {
				sconn_close(ep, c);
				return;
			}
			break;
		default:
			break;
		}
	}
}

static void on_accept(int ep, struct sconn *l)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct sconn *c;
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				usleep(1000);
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		__atomic_add_fetch(&l->accepted, 1, __ATOMIC_RELAXED);
	}
}

/* SIGUSR1: one line per listener, "listener PORT worker W accepted N". */
#define MAX_LISTENERS	1024
static struct sconn *listeners[MAX_LISTENERS];
static int nlisteners;

static char *put_ulong(char *p, unsigned long v)
{
	char t[24];
	int n = 0;

	do
		t[n++] = '0' + v % 10;
	while ((v /= 10));
	while (n)
		*p++ = t[--n];
	return p;
}

static void on_sigusr1(int sig)
{
	int i, saved = errno;

	(void)sig;
	for (i = 0; i < nlisteners; i++) {
		char line[96], *p = line;
		const char *a = "xtcpperf: listener ", *b = " worker ", *c = " accepted ";

		p = stpcpy(p, a);
		p = put_ulong(p, listeners[i]->port);
		p = stpcpy(p, b);
		p = put_ulong(p, listeners[i]->worker);
		p = stpcpy(p, c);
		p = put_ulong(p, __atomic_load_n(&listeners[i]->accepted, __ATOMIC_RELAXED));
		*p++ = '\n';
		if (write(STDERR_FILENO, line, p - line) < 0)
			break;
	}
	errno = saved;
}

static void *server_worker(void *arg)
{
	int ep = *(int *)arg;
	struct epoll_event evs[64];
	char *buf = malloc(IOBUF);

	if (!buf)
		die("out of memory");
	for (;;) {
		int i, n = epoll_wait(ep, evs, 64, -1);

		for (i = 0; i < n; i++) {
			struct sconn *c = evs[i].data.ptr;

			if (c->listener)
				on_accept(ep, c);
			else if (c->st == S_RESP && (evs[i].events & EPOLLOUT))
				send_response(ep, c);
			else
				on_readable(ep, c, buf);
		}
	}
	return NULL;
}

static void run_server(void)
{
	struct sockaddr_in sin;
	pthread_t *th;
	int i, p, f, nl = 0;

	worker_ep = calloc(o.workers, sizeof(int));
	th = calloc(o.workers, sizeof(*th));
	if (!worker_ep || !th)
		die("out of memory");
	for (i = 0; i < o.workers; i++)
		if ((worker_ep[i] = epoll_create1(EPOLL_CLOEXEC)) < 0)
			die("epoll_create1: %s", strerror(errno));

	for (f = 0; f < 2; f++) {
		int af = family_of(f == 0);

		if ((f == 0 && !o.family_xtcp) || (f == 1 && !o.family_tcp))
			continue;
		for (p = o.port; p < o.port + o.nports; p++) {
		    /* --reuseport: one listener per worker, else one for all. */
		    for (int w = 0; w < (o.reuseport ? o.workers : 1); w++) {
			struct sconn *l = calloc(1, sizeof(*l));
			int one = 1;

			if (!l || nlisteners == MAX_LISTENERS)
				die("too many listeners");
			sin = resolve(o.bind_addr, p);
			l->listener = true;
			l->port = p;
			l->worker = w;
			l->fd = new_socket(af, SOCK_NONBLOCK);
			if (l->fd < 0)
				die("socket(%s): %s", family_name(af), strerror(errno));
			setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (o.reuseport &&
			    setsockopt(l->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
				die("SO_REUSEPORT: %s", strerror(errno));
			if (bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)) ||
			    listen(l->fd, 4096))
				die("%s %s:%d: %s", family_name(af),
				    o.bind_addr ? o.bind_addr : "0.0.0.0", p, strerror(errno));
			for (i = 0; i < o.workers; i++) {
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };

				if (o.reuseport && i != w)
					continue;
				epoll_ctl(worker_ep[i], EPOLL_CTL_ADD, l->fd, &ev);
			}
			listeners[nlisteners++] = l;
			nl++;
		    }
		}
	}
	if (!o.quiet)
		fprintf(stderr, "xtcpperf: server: %d listener(s) on %s ports %d-%d (%s%s%s), %d workers\n",
			nl, o.bind_addr ? o.bind_addr : "0.0.0.0", o.port, o.port + o.nports - 1,
			o.family_xtcp ? "xtcp" : "", o.family_xtcp && o.family_tcp ? "+" : "",
			o.family_tcp ? "tcp" : "", o.workers);
	signal(SIGUSR1, on_sigusr1);
	for (i = 1; i < o.workers; i++)
		pthread_create(&th[i], NULL, server_worker, &worker_ep[i]);
	server_worker(&worker_ep[0]);
}

/* ------------------------------------------------------------------ */
/* Client: one thread per connection for stream, rr and crr            */

struct result {
	enum mode mode;
	int af;
	uint32_t size;
	int par;
	double secs;
	double cpu_pct;
	/* stream */
	uint64_t bytes;
	bool sendfile;
	double cpu_us, self_cpu_us;	/* busy CPU (all CPUs), this process */
	/* rr, crr */
	uint64_t count;
	double p50_us, p99_us, mean_us;
	long errors;
	int first_errno;
	uint64_t first_error_at;	/* crr: transactions before the first error */
	/* conns */
	long target, established, tw, tw_limit;
	double establish_s, slab_per_conn, sock_objs_per_conn, tw_slab_per_entry;
	long sock_obj, tw_obj, memavail_kb;
	char slab_top[256];
	/* stream -i */
	struct sample *iv;
	int niv;
};

/*
 * -i: what one interval saw. Throughput is the bytes the peer acknowledged
 * in it (every connection), which is what reached the receiver, not what
 * sat in a send buffer; the window, RTT and retransmissions are the first
 * connection's, from the family's own info struct.
 */
struct sample {
	double t;		/* end of the interval, seconds from the start */
	double mbit_s;
	uint32_t cwnd, ssthresh, rtt_us, retrans, ca_state;
};

struct worker {
	pthread_t th;
	int af;
	uint32_t size;
	struct sockaddr_in dst;
	uint64_t deadline, bytes_target;
	/* out */
	uint64_t bytes, count, t_end;
	uint64_t *lat;
	size_t nlat, caplat;
	long errors;
	int first_errno;
	uint64_t first_error_at;
	/* -i: the sampler reads the socket under the lock; fd -1 once closed */
	pthread_mutex_t lock;
	int fd;
	bool done;
	struct sample *final;	/* the socket's last snapshot, taken before close */
	uint64_t final_acked;
};

static pthread_barrier_t start_line;
static uint64_t t_start;

static void note_error(struct worker *w, int err)
{
	if (!w->errors++) {
		w->first_errno = err;
		w->first_error_at = w->count;
	}
}

static void add_sample(struct worker *w, uint64_t ns)
{
	if (w->nlat == w->caplat) {
		size_t n = w->caplat ? 2 * w->caplat : 4096;
		uint64_t *p = realloc(w->lat, n * sizeof(*p));

		if (!p)
			return;
		w->lat = p;
		w->caplat = n;
	}
	w->lat[w->nlat++] = ns;
}

static int connect_to(struct worker *w)
{
	int fd = new_socket(w->af, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&w->dst, sizeof(w->dst))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * A connection for stream or rr: hello sent and the server's "ready" byte
 * back. A failed attempt is counted as an error and retried (3 times).
 */
static int connect_ready(struct worker *w, enum mode m)
{
	struct hello h = make_hello(m, w->size, 0);
	int i, fd;
	char a;

	for (i = 0; i < 3; i++) {
		fd = connect_to(w);
		if (fd >= 0) {
			if (m == M_RR)
				nodelay(fd);
			if (!write_full(fd, &h, sizeof(h)) && read_full(fd, &a, 1) == 1 && a == 'A')
				return fd;
			close(fd);
		}
		note_error(w, errno ?: ECONNRESET);
	}
	return -1;
}

/* All threads start together, once their connections are up. */
static void start(void)
{
	if (pthread_barrier_wait(&start_line) == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_store_n(&t_start, now_ns(), __ATOMIC_RELEASE);
	pthread_barrier_wait(&start_line);
}

/*
 * The file --sendfile sends: @size bytes in a temporary file (unlinked at
 * once), written here so that every page is in the page cache.
 */
static int sendfile_file(uint64_t size)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	static char buf[1 << 16];
	char path[512];
	uint64_t off = 0;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/xtcpperf-sendfile.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		die("--sendfile: mkstemp %s: %s", path, strerror(errno));
	unlink(path);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 131 + 7);
	while (off < size) {
		size_t k = size - off < sizeof(buf) ? size - off : sizeof(buf);

		if (write_full(fd, buf, k))
			die("--sendfile: writing the file: %s", strerror(errno));
		off += k;
	}
	return fd;
}

/* glibc's struct tcp_info ends before the 64-bit counters. */
struct tcp_info_full {
	struct tcp_info base;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked;
};

/* Snapshot of one socket, the caller holding w->lock: 0, or -1. */
static int sock_sample_locked(struct worker *w, uint64_t *acked, struct sample *s)
{
	int ret = -1;

	if (w->fd < 0 && w->final) {	/* closed: what it had at the end */
		*acked = w->final_acked;
		*s = *w->final;
		ret = 0;
	} else if (w->fd >= 0 && w->af == AF_INET) {
		struct tcp_info_full ti;
		socklen_t len = sizeof(ti);

		memset(&ti, 0, sizeof(ti));
		if (!getsockopt(w->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) &&
		    len >= sizeof(ti)) {
			*acked = ti.bytes_acked;
			s->cwnd = ti.base.tcpi_snd_cwnd;
			s->ssthresh = ti.base.tcpi_snd_ssthresh;
			s->rtt_us = ti.base.tcpi_rtt;
			s->retrans = ti.base.tcpi_total_retrans;
			s->ca_state = ti.base.tcpi_ca_state;
			ret = 0;
		}
	} else if (w->fd >= 0) {
		struct xtcp_info xi;
		socklen_t len = sizeof(xi);

		memset(&xi, 0, sizeof(xi));
		if (!getsockopt(w->fd, SOL_XTCP, XTCP_INFO, &xi, &len) &&
		    len >= offsetof(struct xtcp_info, xtcpi_rcv_ooo_segs)) {
			*acked = xi.xtcpi_bytes_acked;
			s->cwnd = xi.xtcpi_snd_cwnd;
			s->ssthresh = xi.xtcpi_snd_ssthresh;
			s->rtt_us = xi.xtcpi_rtt_us;
			s->retrans = xi.xtcpi_total_retrans;
			s->ca_state = xi.xtcpi_ca_state;
			ret = 0;
		}
	}
	return ret;
}

static int sock_sample(struct worker *w, uint64_t *acked, struct sample *s)
{
	int ret;

	pthread_mutex_lock(&w->lock);
	ret = sock_sample_locked(w, acked, s);
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static void *stream_thread(void *arg)
{
	struct worker *w = arg;
	char *buf = calloc(1, w->size);
	char tmp[64];
	int fd = connect_ready(w, M_STREAM);

	if (fd < 0 || !buf) {
		start();
		goto out;
	}
	pthread_mutex_lock(&w->lock);
	w->fd = fd;
	pthread_mutex_unlock(&w->lock);
	start();
	while (!w->bytes_target || w->bytes < w->bytes_target) {
		size_t len = w->size;
		ssize_t n;

		if (w->bytes_target && w->bytes_target - w->bytes < len)
			len = w->bytes_target - w->bytes;
		if (o.sendfile) {
			/* round and round the file, from offset 0 */
			off_t off = w->bytes % o.sendfile_size;

			if (len > o.sendfile_size - off)
				len = o.sendfile_size - off;
			n = sendfile(fd, o.sendfile_fd, &off, len);
		} else {
			n = write(fd, buf, len);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			note_error(w, errno);
			break;
		}
		w->bytes += n;
		if (!w->bytes_target && now_ns() >= w->deadline)
			break;
	}
	/* Done when the server has read it all: it closes after our FIN. */
	shutdown(fd, SHUT_WR);
	while (read(fd, tmp, sizeof(tmp)) > 0)
		;
	w->t_end = now_ns();
out:
	pthread_mutex_lock(&w->lock);
	if (o.interval > 0 && w->fd >= 0 && (w->final = calloc(1, sizeof(*w->final))) &&
	    sock_sample_locked(w, &w->final_acked, w->final)) {
		free(w->final);
		w->final = NULL;
	}
	w->fd = -1;
	w->done = true;
	pthread_mutex_unlock(&w->lock);
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static void *rr_thread(void *arg)
{
	struct worker *w = arg;
	char *buf = malloc(w->size + 1);
	int fd = connect_ready(w, M_RR);

	if (fd < 0 || !buf) {
		start();
		goto out;
	}
	start();
	while (now_ns() < w->deadline) {
		uint64_t t0 = now_ns();

		if (write_full(fd, zeros, w->size) || read_full(fd, buf, w->size) != 1) {
			note_error(w, errno ?: EPIPE);
			break;
		}
		add_sample(w, now_ns() - t0);
		w->count++;
	}
	w->t_end = now_ns();
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static void *crr_thread(void *arg)
{
	struct worker *w = arg;
	struct hello h = make_hello(M_CRR, w->size,
				    o.client_close ? HF_CLIENT_CLOSE : 0);
	char *msg = calloc(1, sizeof(h) + w->size), *buf = malloc(w->size + 1);

	if (!msg || !buf)
		die("out of memory");
	memcpy(msg, &h, sizeof(h));
	start();
	while (now_ns() < w->deadline) {
		uint64_t t0 = now_ns();
		char eof;
		int fd = connect_to(w);

		if (fd < 0) {
			note_error(w, errno);
			if (w->errors > 100)
				break;
			usleep(1000);
			continue;
		}
		nodelay(fd);
		/* The server closes first (its EOF), or, with --close
		 * client, we do as soon as the response is in. */
		if (write_full(fd, msg, sizeof(h) + w->size) ||
		    read_full(fd, buf, w->size) != 1 ||
		    (!o.client_close && read(fd, &eof, 1) != 0)) {
			note_error(w, errno ?: EPROTO);
			close(fd);
			continue;
		}
		close(fd);
		add_sample(w, now_ns() - t0);
		w->count++;
	}
	w->t_end = now_ns();
	free(msg);
	free(buf);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void print_sample(const struct sample *s, double from)
{
	if (o.json || o.quiet)
		return;
	printf("  %6.2f-%-6.2f %10.1f Mbit/s  cwnd %5u  ssthresh %10u  srtt %8.2f ms  retrans %u\n",
	       from, s->t, s->mbit_s, s->cwnd, s->ssthresh, s->rtt_us / 1e3, s->retrans);
	fflush(stdout);
}

/* Every o.interval seconds until every worker is done. */
static void sample_intervals(struct result *r, struct worker *w)
{
	uint64_t *last = calloc(o.par, sizeof(*last)), t0 = t_start, next = t0;
	double prev_t = 0;
	int cap = 0;

	if (!last)
		die("out of memory");
	if (!o.json && !o.quiet)
		printf("  %-13s %17s\n", "interval s", "acknowledged");
	for (;;) {
		struct sample s = { 0 }, s0 = { 0 };
		uint64_t acked_sum = 0, now;
		bool all_done = true;
		int i;

		next += (uint64_t)(o.interval * 1e9);
		while ((now = now_ns()) < next) {
			struct timespec ts = { 0, (long)fmin(next - now, 1e7) };

			nanosleep(&ts, NULL);
		}
		for (i = 0; i < o.par; i++) {
			uint64_t acked = last[i];

			pthread_mutex_lock(&w[i].lock);
			all_done &= w[i].done;
			pthread_mutex_unlock(&w[i].lock);
			if (!sock_sample(&w[i], &acked, i ? &s : &s0) && acked >= last[i]) {
				acked_sum += acked - last[i];
				last[i] = acked;
			}
		}
		if (all_done) {	/* the last one ends when the last byte was read */
			uint64_t end = 0;

			for (i = 0; i < o.par; i++)
				end = w[i].t_end > end ? w[i].t_end : end;
			if (end > t0 && end < now)
				now = end;
		}
		s0.t = (now - t0) / 1e9;
		if (s0.t <= prev_t)
			break;
		s0.mbit_s = acked_sum * 8 / (s0.t - prev_t) / 1e6;
		if (r->niv == cap) {
			struct sample *p = realloc(r->iv, (cap = cap ? 2 * cap : 64) * sizeof(*p));

			if (!p)
				die("out of memory");
			r->iv = p;
		}
		r->iv[r->niv++] = s0;
		print_sample(&s0, prev_t);
		prev_t = s0.t;
		if (all_done)	/* this interval had their last bytes */
			break;
	}
	free(last);
}

static void run_threads(struct result *r, struct sockaddr_in dst, int af, uint32_t size)
{
	enum mode mode = r->mode;
	void *(*fn)(void *) = mode == M_STREAM ? stream_thread :
			      mode == M_RR ? rr_thread : crr_thread;
	struct worker *w = calloc(o.par, sizeof(*w));
	uint64_t t_end = 0, *all;
	size_t nall = 0, k;
	struct cpu c0, c1;
	double self0, self1;
	int i;

	if (!w)
		die("out of memory");
	pthread_barrier_init(&start_line, NULL, o.par + 1);
	for (i = 0; i < o.par; i++) {
		w[i].af = af;
		w[i].size = size;
		w[i].dst = dst;
		w[i].bytes_target = o.bytes / o.par;
		w[i].deadline = UINT64_MAX;
		w[i].fd = -1;
		pthread_mutex_init(&w[i].lock, NULL);
		pthread_create(&w[i].th, NULL, fn, &w[i]);
	}
	/* The deadline is set once every connection is up (stream, rr). */
	c0 = cpu_now();
	self0 = self_cpu_us();
	if (pthread_barrier_wait(&start_line) == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_store_n(&t_start, now_ns(), __ATOMIC_RELEASE);
	for (i = 0; i < o.par; i++)
		__atomic_store_n(&w[i].deadline, now_ns() + (uint64_t)(o.secs * 1e9),
				 __ATOMIC_RELEASE);
	pthread_barrier_wait(&start_line);
	memset(r, 0, sizeof(*r));
	if (mode == M_STREAM && o.interval > 0)
		sample_intervals(r, w);
	for (i = 0; i < o.par; i++) {
		pthread_join(w[i].th, NULL);
		pthread_mutex_destroy(&w[i].lock);
		free(w[i].final);
	}
	c1 = cpu_now();
	self1 = self_cpu_us();

	r->mode = mode;
	r->af = af;
	r->size = size;
	r->par = o.par;
	r->cpu_pct = cpu_busy_pct(c0, c1);
	r->cpu_us = cpu_busy_us(c0, c1);
	r->self_cpu_us = self1 - self0;
	r->sendfile = mode == M_STREAM && o.sendfile;
	for (i = 0; i < o.par; i++) {
		r->bytes += w[i].bytes;
		r->count += w[i].count;
		if (w[i].errors && !r->errors) {
			r->first_errno = w[i].first_errno;
			r->first_error_at = w[i].first_error_at;
		}
		r->errors += w[i].errors;
		if (w[i].t_end > t_end)
			t_end = w[i].t_end;
		nall += w[i].nlat;
	}
	r->secs = t_end > t_start ? (t_end - t_start) / 1e9 : 0;
	all = malloc((nall + 1) * sizeof(*all));
	for (i = 0, k = 0; i < o.par; i++) {
		if (all)
			memcpy(all + k, w[i].lat, w[i].nlat * sizeof(*all));
		k += w[i].nlat;
		free(w[i].lat);
	}
	if (all && nall) {
		double sum = 0;

		qsort(all, nall, sizeof(*all), cmp_u64);
		for (k = 0; k < nall; k++)
			sum += all[k];
		r->p50_us = all[nall / 2] / 1e3;
		r->p99_us = all[(size_t)(nall * 0.99)] / 1e3;
		r->mean_us = sum / nall / 1e3;
	}
	free(all);
	free(w);
	pthread_barrier_destroy(&start_line);
}

/* ------------------------------------------------------------------ */
/* Client: conns                                                       */

struct cconn {
	int fd;
	int st;		/* 0 connecting, 1 waiting for the server's 'A', 2 up, 3 gone */
};

static struct sockaddr_in *srcs;
static int nsrcs;

static void parse_srcs(void)
{
	char *s, *tok, *save;

	if (!o.src)
		return;
	s = strdup(o.src);
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		srcs = realloc(srcs, (nsrcs + 1) * sizeof(*srcs));
		srcs[nsrcs++] = resolve(tok, 0);
	}
	free(s);
}

/* Connection number i's source: address i % nsrcs, port src_port + i / nsrcs. */
static int bind_src(int fd, long i)
{
	struct sockaddr_in sin;

	if (!nsrcs)
		return 0;
	sin = srcs[i % nsrcs];
	if (o.src_port)
		sin.sin_port = htons(o.src_port + i / nsrcs);
	if (o.src_port + i / nsrcs > 65535) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/*
 * Open n connections numbered first..first+n-1 (at most CONNS_INFLIGHT
 * connecting at once); each is up when the server's 'A' came back, which
 * means the server has accepted it (--close now: when its FIN came). Returns
 * how many are up. A connection that fails is counted in r->errors and the
 * rest go on; *err gets the errno that stopped everything (no socket, no
 * port, no progress for 10 s).
 */
static long open_batch(int ep, struct cconn *cs, long first, long n,
		       struct sockaddr_in dst, int af, int *err, struct result *r)
{
	struct hello h = make_hello(M_CONNS, 0, o.close_now ? HF_CLOSE_NOW :
				    o.server_close ? HF_SERVER_CLOSE : 0);
	long launched = 0, up = 0, done = 0, inflight = 0;
	uint64_t last_progress = now_ns();
	struct epoll_event evs[256];
	int i, k;

	while (done < n) {
		while (!*err && launched < n && inflight < CONNS_INFLIGHT) {
			struct cconn *c = &cs[launched];
			struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

			c->st = 0;
			c->fd = new_socket(af, SOCK_NONBLOCK);
			if (c->fd < 0 || bind_src(c->fd, first + launched) ||
			    (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) &&
			     errno != EINPROGRESS)) {
				*err = errno;
				if (!r->first_errno)
					r->first_errno = errno;
				if (c->fd >= 0)
					close(c->fd);
				c->fd = -1;
				c->st = 3;
				n = launched;	/* stop here */
				break;
			}
			epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
			launched++;
			inflight++;
		}
		if (done >= n)
			break;
		k = epoll_wait(ep, evs, 256, 1000);
		if (k <= 0 && now_ns() - last_progress > 10000000000ull) {
			if (!*err)
				*err = ETIMEDOUT;
			if (!r->first_errno)
				r->first_errno = ETIMEDOUT;
			break;
		}
		for (i = 0; i < k; i++) {
			struct cconn *c = evs[i].data.ptr;
			int soerr = 0, e;
			socklen_t len = sizeof(soerr);
			char a;

			if (c->st == 0) {
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
				if (soerr || write(c->fd, &h, sizeof(h)) != sizeof(h)) {
					e = soerr ?: errno;
					goto failed;
				}
				c->st = 1;
				evs[i].events = EPOLLIN;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &evs[i]);
				continue;
			}
			if (o.close_now) {
				/* Done when the server's FIN arrives: close too. */
				if (read(c->fd, &a, 1) != 0) {
					e = errno ?: EPROTO;
					goto failed;
				}
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				c->st = 3;
				up++;
				done++;
				inflight--;
				last_progress = now_ns();
				continue;
			}
			if (read(c->fd, &a, 1) != 1 || a != 'A') {
				e = errno ?: ECONNRESET;
				goto failed;
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			c->st = 2;
			up++;
			done++;
			inflight--;
			last_progress = now_ns();
			continue;
failed:
			if (!r->errors++ && !r->first_errno)
				r->first_errno = e;
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
			c->st = 3;
			done++;
			inflight--;
		}
	}
	return up;
}

/* Close the batch: the client first, or the server first ('C', then EOF). */
static void close_batch(int ep, struct cconn *cs, long n)
{
	struct epoll_event evs[256];
	long i, left = 0;
	char b[16];

	for (i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cs[i] };

		if (cs[i].st != 2)
			continue;
		if (!o.server_close || write(cs[i].fd, "C", 1) != 1) {
			close(cs[i].fd);
			cs[i].st = 3;
			continue;
		}
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
		left++;
	}
	while (left > 0) {
		int k = epoll_wait(ep, evs, 256, 10000);

		if (k <= 0)
			break;
		for (i = 0; i < k; i++) {
			struct cconn *c = evs[i].data.ptr;

			if (read(c->fd, b, sizeof(b)) > 0)
				continue;
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->st = 3;
			left--;
		}
	}
	for (i = 0; i < n; i++)
		if (cs[i].st != 3 && cs[i].fd >= 0) {
			close(cs[i].fd);
			cs[i].st = 3;
		}
}

/* Wait until the TIME-WAIT count has not moved for 0.5 s (at most 5 s). */
static long settle_tw(int af)
{
	long prev, cur = tw_count(af);
	int i, still = 0;

	for (i = 0; i < 50 && still < 5; i++) {
		usleep(100000);
		prev = cur;
		cur = tw_count(af);
		still = cur == prev ? still + 1 : 0;
	}
	return cur;
}

static void run_conns(struct result *r, struct sockaddr_in dst, int af)
{
	const char *sock_cache = af == AF_INET ? "TCP" : "XTCP";
	const char *tw_cache = af == AF_INET ? "tw_sock_TCP" : "xtcp_timewait";
	long batch = o.batch > 0 && o.batch < o.conns ? o.batch : o.conns;
	struct slabsnap s0, s1, s2;
	long first, tw0, tw1;
	struct cconn *cs = calloc(batch, sizeof(*cs));
	int ep = epoll_create1(EPOLL_CLOEXEC), err = 0;
	uint64_t t0, t_est = 0;

	if (!cs || ep < 0)
		die("out of memory");
	parse_srcs();
	memset(r, 0, sizeof(*r));
	r->mode = M_CONNS;
	r->af = af;
	r->target = o.conns;
	r->sock_obj = slab_size(sock_cache);
	r->tw_obj = slab_size(tw_cache);
	r->tw_limit = tw_limit(af);
	r->memavail_kb = meminfo_kb("MemAvailable");
	tw0 = tw_count(af);
	usleep(200000);
	s0 = slab_snap();
	s1 = s0;

	for (first = 0; first < o.conns && !err; first += batch) {
		long n = o.conns - first < batch ? o.conns - first : batch, up;

		t0 = now_ns();
		up = open_batch(ep, cs, first, n, dst, af, &err, r);
		t_est += now_ns() - t0;
		r->established += up;
		if (first == 0 && !o.close_now) {
			/* Memory with the first batch open, both ends accepted. */
			usleep(300000);
			s1 = slab_snap();
			if (up && s0.n && s1.n) {
				r->slab_per_conn = (double)(slab_bytes(&s1) - slab_bytes(&s0)) / up;
				r->sock_objs_per_conn = (double)(slab_active(&s1, sock_cache) -
							 slab_active(&s0, sock_cache)) / up;
				slab_top(&s0, &s1, up, r->slab_top, sizeof(r->slab_top));
			}
		}
		close_batch(ep, cs, n);
	}
	r->establish_s = t_est / 1e9;
	tw1 = settle_tw(af);
	s2 = slab_snap();
	r->tw = tw1 >= 0 && tw0 >= 0 ? tw1 - tw0 : -1;
	if (r->tw > 0 && s0.n && s2.n)
		r->tw_slab_per_entry = (double)(slab_bytes(&s2) - slab_bytes(&s0)) / r->tw;
	if (s1.c != s0.c)
		free(s1.c);
	free(s0.c);
	free(s2.c);
	free(cs);
	close(ep);
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void print_json(struct result *rs, int n)
{
	int i;

	printf("{\"results\": [");
	for (i = 0; i < n; i++) {
		struct result *r = &rs[i];

		printf("%s\n  {\"mode\": \"%s\", \"family\": \"%s\"", i ? "," : "",
		       mode_names[r->mode], family_name(r->af));
		switch (r->mode) {
		case M_STREAM:
			printf(", \"parallel\": %d, \"write_size\": %u, \"bytes\": %llu, \"seconds\": %.3f,"
			       " \"mbit_s\": %.1f, \"cpu_pct\": %.1f, \"sendfile\": %s,"
			       " \"cpu_us_per_mb\": %.1f, \"client_cpu_us_per_mb\": %.1f",
			       r->par, r->size, (unsigned long long)r->bytes, r->secs,
			       r->secs > 0 ? r->bytes * 8 / r->secs / 1e6 : 0, r->cpu_pct,
			       r->sendfile ? "true" : "false",
			       r->bytes ? r->cpu_us * (1 << 20) / r->bytes : 0,
			       r->bytes ? r->self_cpu_us * (1 << 20) / r->bytes : 0);
			if (r->niv) {
				printf(", \"interval_s\": %.3f, \"intervals\": [", o.interval);
				for (int k = 0; k < r->niv; k++)
					printf("%s{\"t\": %.3f, \"mbit_s\": %.1f, \"cwnd\": %u,"
					       " \"ssthresh\": %u, \"rtt_us\": %u, \"retrans\": %u,"
					       " \"ca_state\": %u}", k ? ", " : "", r->iv[k].t,
					       r->iv[k].mbit_s, r->iv[k].cwnd, r->iv[k].ssthresh,
					       r->iv[k].rtt_us, r->iv[k].retrans, r->iv[k].ca_state);
				printf("]");
			}
			break;
		case M_RR:
		case M_CRR:
			printf(", \"parallel\": %d, \"size\": %u, \"transactions\": %llu, \"seconds\": %.3f,"
			       " \"per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f,"
			       " \"cpu_pct\": %.1f",
			       r->par, r->size, (unsigned long long)r->count, r->secs,
			       r->secs > 0 ? r->count / r->secs : 0, r->p50_us, r->p99_us,
			       r->mean_us, r->cpu_pct);
			break;
		case M_CONNS:
			printf(", \"target\": %ld, \"established\": %ld, \"connect_per_s\": %.1f,"
			       " \"slab_per_conn_b\": %.0f, \"sock_objs_per_conn\": %.2f, \"sock_obj_b\": %ld,"
			       " \"tw_entries\": %ld, \"tw_limit\": %ld, \"tw_obj_b\": %ld,"
			       " \"tw_slab_per_entry_b\": %.0f, \"memavail_kb\": %ld,"
			       " \"est_conns_fit\": %.0f, \"est_tw_fit\": %.0f, \"slab_top\": \"%s\"",
			       r->target, r->established,
			       r->establish_s > 0 ? r->established / r->establish_s : 0,
			       r->slab_per_conn, r->sock_objs_per_conn, r->sock_obj,
			       r->tw, r->tw_limit, r->tw_obj, r->tw_slab_per_entry, r->memavail_kb,
			       r->slab_per_conn > 0 ? r->memavail_kb * 1024.0 / r->slab_per_conn : 0,
			       r->tw_obj > 0 ? fmin(r->memavail_kb * 1024.0 / r->tw_obj,
						    r->tw_limit > 0 ? r->tw_limit : INFINITY) : 0,
			       r->slab_top);
			break;
		default:
			break;
		}
		if (r->errors || r->first_errno)
			printf(", \"errors\": %ld, \"first_error\": \"%s\", \"first_error_at\": %llu",
			       r->errors, strerror(r->first_errno),
			       (unsigned long long)r->first_error_at);
		printf("}");
	}
	printf("\n]}\n");
}

static void print_table(struct result *rs, int n, const char *host)
{
	int i;

	for (i = 0; i < n; i++) {
		struct result *r = &rs[i];

		if (i == 0 || r->mode != rs[i - 1].mode) {
			printf("xtcpperf %s, family %s, to %s port %d, %d connection%s\n",
			       mode_names[r->mode], family_name(r->af), host, o.port,
			       r->mode == M_CONNS ? (int)o.conns : r->par,
			       (r->mode == M_CONNS ? o.conns : r->par) == 1 ? "" : "s");
			if (r->mode == M_STREAM)
				printf("  %10s %14s %9s %10s %6s %11s %14s\n",
				       r->sendfile ? "sendfile" : "write", "bytes", "seconds",
				       "Mbit/s", "cpu%", "cpu us/MB", "client us/MB");
			else if (r->mode != M_CONNS)
				printf("  %10s %12s %9s %12s %10s %10s %10s %6s\n", "size", "transactions",
				       "seconds", "per second", "p50 us", "p99 us", "mean us", "cpu%");
		}
		switch (r->mode) {
		case M_STREAM:
			printf("  %10u %14llu %9.2f %10.1f %6.1f %11.1f %14.1f\n", r->size,
			       (unsigned long long)r->bytes, r->secs,
			       r->secs > 0 ? r->bytes * 8 / r->secs / 1e6 : 0, r->cpu_pct,
			       r->bytes ? r->cpu_us * (1 << 20) / r->bytes : 0,
			       r->bytes ? r->self_cpu_us * (1 << 20) / r->bytes : 0);
			break;
		case M_RR:
		case M_CRR:
			printf("  %10u %12llu %9.2f %12.1f %10.1f %10.1f %10.1f %6.1f\n", r->size,
			       (unsigned long long)r->count, r->secs,
			       r->secs > 0 ? r->count / r->secs : 0, r->p50_us, r->p99_us,
			       r->mean_us, r->cpu_pct);
			break;
		case M_CONNS:
			printf("  established          %ld of %ld in %.2f s (%.0f/s)\n",
			       r->established, r->target, r->establish_s,
			       r->establish_s > 0 ? r->established / r->establish_s : 0);
			if (!o.close_now) {	/* else nothing was held open */
				printf("  kernel slab per conn %.0f bytes (both ends, /proc/slabinfo objects in use)\n",
				       r->slab_per_conn);
				if (r->slab_top[0])
					printf("    grew most          %s (cache objsize x per conn)\n",
					       r->slab_top);
				printf("  socket object        %ld bytes (slab %s), %.2f per connection\n",
				       r->sock_obj, r->af == AF_INET ? "TCP" : "XTCP",
				       r->sock_objs_per_conn);
			}
			printf("  TIME-WAIT entries    %ld here (limit %ld), entry %ld bytes (slab %s), "
			       "%.0f slab bytes each\n", r->tw, r->tw_limit, r->tw_obj,
			       r->af == AF_INET ? "tw_sock_TCP" : "xtcp_timewait", r->tw_slab_per_entry);
			printf("  would fit (est.)     %.0f connections, %.0f TIME-WAIT entries in %ld MB available\n",
			       r->slab_per_conn > 0 ? r->memavail_kb * 1024.0 / r->slab_per_conn : 0,
			       r->tw_obj > 0 ? fmin(r->memavail_kb * 1024.0 / r->tw_obj,
						    r->tw_limit > 0 ? r->tw_limit : INFINITY) : 0,
			       r->memavail_kb / 1024);
			break;
		default:
			break;
		}
		if (r->errors || r->first_errno)
			printf("  errors: %ld, first: %s\n", r->errors, strerror(r->first_errno));
	}
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xtcpperf -s [-f xtcp|tcp|both] [-B ADDR] [-p PORT] [--nports N] [-w THREADS]\n"
		"                   [--reuseport]   (a SO_REUSEPORT listener per worker; SIGUSR1:\n"
		"                   connections accepted per listener)\n"
		"       xtcpperf -c HOST [-f xtcp|tcp] -m stream|rr|crr|conns [options]\n"
		"  -t SECONDS   duration of each measurement (2)\n"
		"  -n BYTES     stream: send this many bytes instead (k/m/g suffixes)\n"
		"  --sendfile   stream: send a page-cache-warm file with sendfile(2)\n"
		"  --sendfile-size BYTES  stream: that file's size (16m)\n"
		"  -P N         parallel connections (stream, rr, crr; 1)\n"
		"  -l SIZES     stream: write size (131072); rr/crr: message sizes (1,1024)\n"
		"  -N CONNS     conns: connections to open (2000)\n"
		"  --batch N    conns: open/close in batches of N (memory is measured on the first)\n"
		"  --close client|server  conns: who closes first, i.e. where TIME-WAIT goes (client);\n"
		"               crr --close client: the client closes first (server first without)\n"
		"  --close now  conns: the server closes each connection at once (fills its\n"
		"               TIME-WAIT table fastest; no memory figures)\n"
		"  --src A[,B]  conns: bind to these source addresses, round robin\n"
		"  --src-port P conns: with --src, consecutive explicit source ports from P\n"
		"  -p PORT      server port (5201); --nports N: the server listens on N ports\n"
		"  -i SECONDS   stream: per-interval throughput (acknowledged) and the first\n"
		"               connection's cwnd, ssthresh, srtt, retransmissions\n"
		"  -j, --json   JSON output; -q: no table\n");
}

static uint64_t parse_bytes(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	switch (*end) {
	case 'k': case 'K': v *= 1024; break;
	case 'm': case 'M': v *= 1 << 20; break;
	case 'g': case 'G': v *= 1 << 30; break;
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "server", no_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "family", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "time", required_argument, NULL, 't' },
		{ "bytes", required_argument, NULL, 'n' },
		{ "parallel", required_argument, NULL, 'P' },
		{ "length", required_argument, NULL, 'l' },
		{ "conns", required_argument, NULL, 'N' },
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'B' },
		{ "workers", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "nports", required_argument, NULL, 1 },
		{ "batch", required_argument, NULL, 2 },
		{ "close", required_argument, NULL, 3 },
		{ "src", required_argument, NULL, 4 },
		{ "src-port", required_argument, NULL, 5 },
		{ "sendfile", no_argument, NULL, 8 },
		{ "sendfile-size", required_argument, NULL, 9 },
		{ "interval", required_argument, NULL, 'i' },
		{ "reuseport", no_argument, NULL, 6 },
		{ 0 }
	};
	const char *fam = NULL, *sizes = NULL;
	struct result rs[MAX_SIZES];
	struct sockaddr_in dst;
	int c, i, n = 0, af;
	long v;

	while ((c = getopt_long(argc, argv, "sc:f:m:t:n:P:l:N:p:B:w:i:jqh", lo, NULL)) != -1) {
		switch (c) {
		case 's': o.server = true; break;
		case 'c': o.host = optarg; break;
		case 'f': fam = optarg; break;
		case 'm':
			for (i = M_STREAM; i <= M_CONNS; i++)
				if (!strcmp(optarg, mode_names[i]))
					o.mode = i;
			if (!o.mode)
				die("unknown mode %s (stream, rr, crr, conns)", optarg);
			break;
		case 't': o.secs = atof(optarg); break;
		case 'n': o.bytes = parse_bytes(optarg); break;
		case 'P': o.par = atoi(optarg); break;
		case 'l': sizes = optarg; break;
		case 'N': o.conns = atol(optarg); break;
		case 'p': o.port = atoi(optarg); break;
		case 'B': o.bind_addr = optarg; break;
		case 'w': o.workers = atoi(optarg); break;
		case 'j': o.json = true; break;
		case 'q': o.quiet = true; break;
		case 'i': o.interval = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		case 1: o.nports = atoi(optarg); break;
		case 2: o.batch = atol(optarg); break;
		case 3:
			if (strcmp(optarg, "client") && strcmp(optarg, "server") &&
			    strcmp(optarg, "now"))
				die("--close client|server|now");
			o.server_close = !strcmp(optarg, "server");
			o.close_now = !strcmp(optarg, "now");
			o.client_close = !strcmp(optarg, "client");
			break;
		case 4: o.src = optarg; break;
		case 5: o.src_port = atoi(optarg); break;
		case 8: o.sendfile = true; break;
		case 9: o.sendfile_size = parse_bytes(optarg); break;
		case 6: o.reuseport = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (o.server == !!o.host || optind < argc) {
		usage(stderr);
		return 2;
	}
	if (o.par < 1 || o.workers < 1 || o.nports < 1 || o.secs <= 0 || o.conns < 1 ||
	    o.interval < 0 || (o.interval > 0 && o.interval < 0.01))
		die("bad numeric option");
	v = read_long("/sys/module/xtcp/parameters/family");
	if (v > 0)
		af_xtcp = v;
	if (!fam || !strcmp(fam, "both")) {
		o.family_xtcp = 1;
		o.family_tcp = o.server || (fam && !strcmp(fam, "both"));
	} else if (!strcmp(fam, "xtcp")) {
		o.family_xtcp = 1;
	} else if (!strcmp(fam, "tcp")) {
		o.family_tcp = 1;
	} else {
		die("unknown family %s (xtcp, tcp)", fam);
	}
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if (o.server) {
		run_server();
		return 0;
	}
	if (o.family_xtcp && o.family_tcp)
		die("the client takes one family: -f xtcp or -f tcp");
	if (!o.mode)
		die("which mode? -m stream|rr|crr|conns");
	af = family_of(o.family_xtcp);
	dst = resolve(o.host, o.port);

	if (!sizes)
		sizes = o.mode == M_STREAM ? "131072" : "1,1024";
	for (const char *s = sizes; *s && o.nsizes < MAX_SIZES;) {
		char *end;
		uint64_t b = parse_bytes(s);

		if (b < 1 || b > MAX_MSG)
			die("message size must be 1..%d", MAX_MSG);
		o.sizes[o.nsizes++] = b;
		strtoul(s, &end, 10);
		s = end + strspn(end, "kKmMgG,");
	}

	if (o.sendfile) {
		if (o.mode != M_STREAM)
			die("--sendfile is for -m stream");
		if (o.sendfile_size < 4096)
			die("--sendfile-size: at least 4k");
		o.sendfile_fd = sendfile_file(o.sendfile_size);
	}
	if (o.mode == M_CONNS) {
		run_conns(&rs[0], dst, af);
		n = 1;
	} else if (o.mode == M_STREAM) {
		rs[0].mode = M_STREAM;
		run_threads(&rs[0], dst, af, o.sizes[0]);
		n = 1;
	} else {
		for (i = 0; i < o.nsizes; i++) {
			rs[i].mode = o.mode;
			run_threads(&rs[i], dst, af, o.sizes[i]);
		}
		n = o.nsizes;
	}
	if (o.json)
		print_json(rs, n);
	else if (!o.quiet)
		print_table(rs, n, o.host);
	for (i = 0; i < n; i++)
		if ((rs[i].mode == M_STREAM && !rs[i].bytes) ||
		    ((rs[i].mode == M_RR || rs[i].mode == M_CRR) && !rs[i].count) ||
		    (rs[i].mode == M_CONNS && !rs[i].established))
			return 1;
	return 0;
}
