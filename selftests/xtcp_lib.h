/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the C selftests: two network namespaces joined by a
 * veth pair ("host A" 10.0.0.1, "host B" 10.0.0.2), sockets created in
 * either of them from one process (setns() before socket(); a socket keeps
 * its namespace), the XTCP counters of a namespace, and raw XTCP segments
 * for injecting what a misbehaving or hostile peer would send.
 */
#ifndef XTCP_LIB_H
#define XTCP_LIB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/xtcp.h>

#define IP_A "10.0.0.1"
#define IP_B "10.0.0.2"

static inline int xt_run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

static inline long xt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * make check-debug runs every test on a KASAN/lockdep/kmemleak kernel with
 * XTCP_DEBUG_KERNEL=1: ~3x slower for bulk data, ~11x for connection set-up.
 * Tests that move a lot of data choose a smaller size there (and say so).
 */
static inline int xt_debug_kernel(void)
{
	const char *v = getenv("XTCP_DEBUG_KERNEL");

	return v && !strcmp(v, "1");
}

/*
 * make soak (XTCP_SOAK=1, on the debug kernel): the long tier's scales,
 * which re-run the paths of make check-debug at a size that only soaks.
 */
static inline int xt_soak(void)
{
	const char *v = getenv("XTCP_SOAK");

	return v && !strcmp(v, "1");
}

static inline void xt_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Names unique to this test process, so tests never share namespaces. */
static inline void xt_ns_names(char *a, char *b, size_t n)
{
	snprintf(a, n, "xa%d", getpid());
	snprintf(b, n, "xb%d", getpid());
}

/* The module's reference count (sockets, SYN-queue and TIME-WAIT entries). */
static inline int xt_module_refs(void)
{
	FILE *f = fopen("/sys/module/xtcp/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* Run fn in namespace ns (this thread), then come back. */
static inline int xt_enter(const char *ns)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

static int xt_home_fd = -1;

static inline void xt_leave(void)
{
	if (xt_home_fd < 0)
		return;
	if (setns(xt_home_fd, CLONE_NEWNET))
		perror("setns home");
}

static inline void xt_remember_home(void)
{
	if (xt_home_fd < 0)
		xt_home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static inline int xt_socket_in(const char *ns, int domain, int type, int proto)
{
	int fd, saved;

	xt_remember_home();
	if (xt_enter(ns))
		return -1;
	fd = socket(domain, type, proto);
	saved = errno;
	xt_leave();
	errno = saved;
	return fd;
}

#include "xt_netns.h"

/*
 * Host A (ns a, va, 10.0.0.1/24) and host B (ns b, vb, 10.0.0.2/24) joined
 * by a veth pair, loopback up in both: in-process (xt_netns.h), as each
 * harness case builds one and an exec is dear under TCG.
 */
static inline int xt_ns_pair_ready(const char *a, const char *b);

static inline int xt_ns_pair_create(const char *a, const char *b)
{
	if (xt_netns_add(a))
		return -1;
	if (xt_netns_add(b) || xt_veth_add("va", a, "vb", b) ||
	    xt_host_setup(a, "va", IP_A) || xt_host_setup(b, "vb", IP_B) ||
	    xt_ns_pair_ready(a, b)) {
		int saved = errno;

		perror("xt_ns_pair_create");
		xt_netns_del(a);
		xt_netns_del(b);
		errno = saved;
		return -1;
	}
	return 0;
}

static inline void xt_ns_pair_destroy(const char *a, const char *b)
{
	xt_netns_del(a);
	xt_netns_del(b);
}

static inline int xt_xsock(const char *ns)
{
	return xt_socket_in(ns, AF_XTCP, SOCK_STREAM, 0);
}

static inline struct sockaddr_in xt_sin(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static inline int xt_bind(int fd, const char *ip, int port)
{
	struct sockaddr_in sin = xt_sin(ip, port);

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/* Up to 5 s for dev in ns to be IFF_RUNNING (its operstate up). */
static inline int xt_link_running(const char *ns, const char *dev)
{
	int fd = xt_socket_in(ns, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long end = xt_now_ms() + 5000;
	struct ifreq ifr = { 0 };
	int rc = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	do {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr))
			break;
		if (ifr.ifr_flags & IFF_RUNNING) {
			rc = 0;
			break;
		}
		xt_sleep_ms(1);
	} while (xt_now_ms() < end);
	close(fd);
	if (rc)
		fprintf(stderr, "xt_link_running: %s in %s is not running after 5 s\n", dev, ns);
	return rc;
}

/* A UDP datagram from ns from reaches to_ip in ns to, within 10 s. */
static inline int xt_udp_reaches(const char *from, const char *to, const char *to_ip)
{
	struct sockaddr_in sin = xt_sin(to_ip, 0);
	socklen_t sl = sizeof(sin);
	int rx = xt_socket_in(to, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tx = xt_socket_in(from, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long end = xt_now_ms() + 10000;
	int rc = -1;

	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(rx, (struct sockaddr *)&sin, &sl))
		goto out;
	do {
		struct pollfd p = { .fd = rx, .events = POLLIN };
		char c = 0;

		sendto(tx, &c, 1, 0, (struct sockaddr *)&sin, sizeof(sin));
		if (poll(&p, 1, 50) == 1 && recv(rx, &c, 1, 0) == 1) {
			rc = 0;
			break;
		}
	} while (xt_now_ms() < end);
	if (rc)
		fprintf(stderr, "xt_udp_reaches: nothing from %s reached %s (%s) in 10 s\n",
			from, to, to_ip);
out:
	if (rx >= 0)
		close(rx);
	if (tx >= 0)
		close(tx);
	return rc;
}

/*
 * The pair carries packets both ways before a test sends its first. A
 * veth's carrier is on as soon as both ends are up, but its qdisc is
 * attached later, by the linkwatch worker; until then the device drops
 * what it is given (noop_qdisc). A SYN (or the ARP request it waits
 * behind) sent in that moment is lost: one second of SYN RTO and a
 * Timeouts count on the sender, which failed stream_test's
 * small_segments case one run in three. So: both ends running, then a
 * datagram each way (which also leaves both ARP entries resolved).
 */
static inline int xt_ns_pair_ready(const char *a, const char *b)
{
	return xt_link_running(a, "va") || xt_link_running(b, "vb") ||
	       xt_udp_reaches(a, b, IP_B) || xt_udp_reaches(b, a, IP_A) ? -1 : 0;
}

static inline int xt_set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* A listener in ns on ip:port; -1 on failure. */
static inline int xt_listen(const char *ns, const char *ip, int port, int backlog,
		     int reuse)
{
	int fd = xt_xsock(ns);

	if (fd < 0)
		return -1;
	if (reuse)
		xt_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (xt_bind(fd, ip, port) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Blocking connect from ns; the fd, or -errno. */
static inline int xt_connect(const char *ns, const char *ip, int port)
{
	struct sockaddr_in sin = xt_sin(ip, port);
	int fd = xt_xsock(ns), err;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static inline int xt_connect_nb(int fd, const char *ip, int port)
{
	struct sockaddr_in sin = xt_sin(ip, port);

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0;
}

static inline int xt_state(int fd)
{
	struct xtcp_info info;
	socklen_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, SOL_XTCP, XTCP_INFO, &info, &len))
		return -errno;
	return info.xtcpi_state;
}

/* Poll the socket's state until it is @state or @ms pass. */
static inline int xt_wait_state(int fd, int state, long ms)
{
	long end = xt_now_ms() + ms;
	int s;

	do {
		s = xt_state(fd);
		if (s == state)
			return s;
		xt_sleep_ms(5);
	} while (xt_now_ms() < end);
	return s;
}

/* close() with SO_LINGER {1, 0}: an RST, no orphan left behind. */
static inline void xt_abort(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static inline int xt_sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

static inline int xt_getport(int fd, int peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int rc = peer ? getpeername(fd, (struct sockaddr *)&sin, &len) :
			getsockname(fd, (struct sockaddr *)&sin, &len);

	return rc ? -errno : ntohs(sin.sin_port);
}

/* One XTCP counter of namespace ns, from /proc/net/xtcp/snmp. */
static inline long xt_counter(const char *ns, const char *name)
{
	char names[4096], values[4096], *n, *v, *sn, *sv;
	long val = -1;
	FILE *f;

	xt_remember_home();
	if (xt_enter(ns))
		return -1;
	/* thread-self: /proc/net is the thread group leader's namespace,
	 * not this thread's (a helper thread reads counters too). */
	f = fopen("/proc/thread-self/net/xtcp/snmp", "r");
	xt_leave();
	if (!f)
		return -1;
	if (!fgets(names, sizeof(names), f) || !fgets(values, sizeof(values), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strtok_r(names, " \n", &sn);
	v = strtok_r(values, " \n", &sv);
	while (n && v) {
		if (!strcmp(n, name)) {
			val = atol(v);
			break;
		}
		n = strtok_r(NULL, " \n", &sn);
		v = strtok_r(NULL, " \n", &sv);
	}
	return val;
}

/*
 * Wait up to ms for counter name of ns to reach want (a segment still in
 * flight on a loaded VM lands late); its last value either way.
 */
static inline long xt_wait_counter(const char *ns, const char *name, long want,
				   long ms)
{
	long t0 = xt_now_ms(), v;

	while ((v = xt_counter(ns, name)) != want && xt_now_ms() - t0 < ms)
		xt_sleep_ms(20);
	return v;
}

/* Wait up to ms for counter name of ns to reach at least want. */
static inline long xt_wait_counter_ge(const char *ns, const char *name,
				      long want, long ms)
{
	long t0 = xt_now_ms(), v;

	while ((v = xt_counter(ns, name)) < want && xt_now_ms() - t0 < ms)
		xt_sleep_ms(20);
	return v;
}

/* Write a sysctl from C: 0 or the errno of the write. */
static inline int xt_sysctl_errno(const char *ns, const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	xt_remember_home();
	if (xt_enter(ns))
		return -1;
	fd = open(path, O_WRONLY);
	xt_leave();
	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Print the non-zero counters of ns as TAP diagnostics ("# ns: Name N"). */
static inline void xt_log_counters(const char *ns)
{
	xt_run("/usr/sbin/ip netns exec %s cat /proc/net/xtcp/snmp | "
	       "awk 'NR==1{for(i=2;i<=NF;i++)n[i]=$i} NR==2{for(i=2;i<=NF;i++)"
	       "if($i!=0)printf \"# %s: %%s %%s\\n\", n[i], $i}'", ns, ns);
}

/* Write a sysctl of ns: 0 when it worked (in-process, no ip netns exec). */
static inline int xt_sysctl(const char *ns, const char *name, const char *val)
{
	return xt_sysctl_errno(ns, name, val) ? 1 : 0;
}

/*
 * tc netem on the veth end of a namespace ("va" in A, "vb" in B). The
 * device then takes one segment per skb (gso_max_segs 1, so XTCP builds
 * no large skbs towards it): netem loses, duplicates, reorders and
 * corrupts wire segments, as a real link does behind a NIC that
 * segments, not 64 KB GSO skbs that veth would pass whole (2 % loss of
 * a 2 MB transfer would be 2 % of ~32 skbs). gso_test.sh tests the
 * large skbs themselves, with impairment too.
 */
static inline int xt_netem(const char *ns, const char *dev, const char *args)
{
	int rc;

	xt_remember_home();
	if (xt_enter(ns))
		return -1;
	rc = xt_link_gso_max_segs(dev, 1);
	xt_leave();
	return rc || xt_run("/usr/sbin/tc -n %s qdisc replace dev %s root netem %s",
			    ns, dev, args);
}

/* Wait until fd is readable (or hung up) for at most ms. */
static inline int xt_wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

/* ---- raw XTCP segments ------------------------------------------------ */

static inline uint16_t xt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint32_t xt_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

/* The checksum over the pseudo-header (RFC 9293 3.1, protocol 253). */
static inline uint16_t xt_checksum(const char *src, const char *dst,
			    const void *seg, size_t len)
{
	struct in_addr s, d;
	uint32_t sum = 0;

	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	sum = xt_csum_add(sum, &s, 4);
	sum = xt_csum_add(sum, &d, 4);
	sum += XTCP_IPPROTO_DEFAULT;
	sum += len;
	sum = xt_csum_add(sum, seg, len);
	return htons(xt_csum_fold(sum));
}

struct xt_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	const void *opts;	/* appended after the header */
	int optlen;
	const void *data;
	int datalen;
	int doff_words;		/* 0: computed */
	int bad_csum;
	int trunc;		/* send only this many bytes, 0: all */
	int spoof;		/* IPPROTO_RAW socket: we write the IP header */
};

static inline int xt_raw_send(int raw, const char *src, const char *dst,
		       const struct xt_seg *s)
{
	uint8_t pkt[2048 + 20], *buf = pkt + 20;
	struct xtcphdr *th = (struct xtcphdr *)buf;
	struct sockaddr_in to = xt_sin(dst, 0);
	int len = sizeof(*th) + s->optlen + s->datalen;

	memset(pkt, 0, sizeof(pkt));
	th->source = htons(s->sport);
	th->dest = htons(s->dport);
	th->seq = htonl(s->seq);
	th->ack_seq = htonl(s->ack);
	th->doff_res = (s->doff_words ? s->doff_words :
			(int)(sizeof(*th) + s->optlen) / 4) << 4;
	th->flags = s->flags;
	th->window = htons(s->window);
	if (s->optlen)
		memcpy(buf + sizeof(*th), s->opts, s->optlen);
	if (s->datalen)
		memcpy(buf + sizeof(*th) + s->optlen, s->data, s->datalen);
	th->check = xt_checksum(src, dst, buf, len);
	if (s->bad_csum)
		th->check ^= htons(0x5a5a);
	if (s->trunc)
		len = s->trunc;
	if (s->spoof) {
		/* Any source address we like: the kernel sends it as is. */
		struct iphdr *iph = (struct iphdr *)pkt;

		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = XTCP_IPPROTO_DEFAULT;
		iph->tot_len = htons(20 + len);
		inet_pton(AF_INET, src, &iph->saddr);
		inet_pton(AF_INET, dst, &iph->daddr);
		buf = pkt;
		len += 20;
	}
	return sendto(raw, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) == len ? 0 : -1;
}

/* Next XTCP segment seen by a raw socket (IP header stripped), or -1. */
static inline int xt_raw_recv(int raw, struct xtcphdr *th, struct in_addr *from,
		       int ms)
{
	uint8_t buf[70000];
	struct iphdr *iph = (struct iphdr *)buf;
	ssize_t n;

	if (!(xt_wait_readable(raw, ms) & POLLIN))
		return -1;
	n = recv(raw, buf, sizeof(buf), 0);
	if (n < (ssize_t)(sizeof(*iph) + sizeof(*th)))
		return -1;
	memcpy(th, buf + iph->ihl * 4, sizeof(*th));
	if (from)
		from->s_addr = iph->saddr;
	return 0;
}

#endif /* XTCP_LIB_H */
