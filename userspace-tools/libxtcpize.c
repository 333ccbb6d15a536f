// SPDX-License-Identifier: GPL-2.0
/*
 * libxtcpize.so: an LD_PRELOAD library that makes an unmodified, dynamically
 * linked program create AF_XTCP sockets where it asks for TCP ones.
 * Loaded by `xtcpize run CMD...` (xtcpize.c), which also documents it.
 *
 * XTCP takes struct sockaddr_in and the common IPPROTO_TCP options, so only
 * socket() needs to change: socket(AF_INET, SOCK_STREAM[|flags], 0 or
 * IPPROTO_TCP) becomes socket(AF_XTCP, SOCK_STREAM[|flags], 0).
 *
 * Environment:
 *   XTCPIZE_PORTS=80,8000-8080    convert only sockets whose port matches
 *   XTCPIZE_ADDRS=10.0.0.0/24,... convert only sockets whose address matches
 *   XTCPIZE_FALLBACK=1            when AF_XTCP is missing, use TCP
 *   XTCPIZE_DEBUG=1               say on stderr what was converted
 *   XTCPIZE_FAMILY=N              the family number (default: the module's
 *                                 "family" parameter, else 23)
 *
 * Without PORTS/ADDRS every TCP socket is created as AF_XTCP at socket().
 * With them, the decision waits until the address is known: the socket is
 * created as TCP, its setsockopt() calls are recorded, and at the first
 * connect() to a matching destination (or bind() to a matching local
 * address/port) an AF_XTCP socket is made, given the recorded options, the
 * earlier bind address (if any), the file status flags, and put on the same
 * fd number with dup3(). A socket that listens or connects without a match
 * stays TCP for good.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define XTCP_FAMILY_DEFAULT	23
#define MAX_RULES		64
#define MAX_OPTS		24	/* recorded setsockopt() calls per socket */
#define MAX_OPTLEN		32

struct port_range { uint16_t lo, hi; };
struct net_rule { uint32_t addr, mask; };	/* host byte order */

struct rec_opt {
	int level, name;
	socklen_t len;
	unsigned char val[MAX_OPTLEN];
};

/* A TCP socket whose fate is not decided yet (filter mode only). */
struct pending {
	int nopts;
	bool bound;
	struct sockaddr_in bind_addr;
	struct rec_opt opts[MAX_OPTS];
};

static int (*real_socket)(int, int, int);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_listen)(int, int);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static int (*real_close)(int);

static int xtcp_family = XTCP_FAMILY_DEFAULT;
static bool fallback, debug, filtering;
static struct port_range ports[MAX_RULES];
static struct net_rule addrs[MAX_RULES];
static int nports, naddrs;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending **table;	/* indexed by fd, under lock */
static int table_size;
static int warned;

static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "xtcpize[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	strncat(buf, "\n", sizeof(buf) - strlen(buf) - 1);
	/* write(2), not stdio: safe in any program, unbuffered */
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0)
		return;
}

static bool env_on(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static void parse_ports(const char *s)
{
	while (s && *s && nports < MAX_RULES) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (end == s)
			goto bad;
		if (*end == '-') {
			s = end + 1;
			hi = strtoul(s, &end, 10);
			if (end == s)
				goto bad;
		}
		if (lo > 65535 || hi > 65535 || lo > hi)
			goto bad;
		ports[nports++] = (struct port_range){ lo, hi };
		s = end;
		while (*s == ',' || *s == ' ')
			s++;
		continue;
bad:
		say("XTCPIZE_PORTS: cannot parse \"%s\" (want 80,8000-8080)", s);
		return;
	}
}

static void parse_addrs(const char *s)
{
	while (s && *s && naddrs < MAX_RULES) {
		char word[64];
		size_t n = strcspn(s, ", ");
		struct in_addr a;
		int bits = 32;
		char *slash;

		if (n == 0 || n >= sizeof(word))
			goto bad;
		memcpy(word, s, n);
		word[n] = '\0';
		slash = strchr(word, '/');
		if (slash) {
			char *end;

			*slash = '\0';
			bits = strtol(slash + 1, &end, 10);
			if (end == slash + 1 || *end || bits < 0 || bits > 32)
				goto bad;
		}
		if (inet_pton(AF_INET, word, &a) != 1)
			goto bad;
		addrs[naddrs].mask = bits ? ~0u << (32 - bits) : 0;
		addrs[naddrs].addr = ntohl(a.s_addr) & addrs[naddrs].mask;
		naddrs++;
		s += n;
		while (*s == ',' || *s == ' ')
			s++;
		continue;
bad:
		say("XTCPIZE_ADDRS: cannot parse \"%s\" (want 10.0.0.1,10.1.0.0/16)", s);
		return;
	}
}

static void init(void)
{
	const char *v;
	FILE *f;

	real_socket = dlsym(RTLD_NEXT, "socket");
	real_connect = dlsym(RTLD_NEXT, "connect");
	real_bind = dlsym(RTLD_NEXT, "bind");
	real_listen = dlsym(RTLD_NEXT, "listen");
	real_setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	real_close = dlsym(RTLD_NEXT, "close");

	fallback = env_on("XTCPIZE_FALLBACK");
	debug = env_on("XTCPIZE_DEBUG");
	v = getenv("XTCPIZE_FAMILY");
	if (v && *v) {
		xtcp_family = atoi(v);
	} else if ((f = fopen("/sys/module/xtcp/parameters/family", "re"))) {
		if (fscanf(f, "%d", &xtcp_family) != 1)
			xtcp_family = XTCP_FAMILY_DEFAULT;
		fclose(f);
	}
	parse_ports(getenv("XTCPIZE_PORTS"));
	parse_addrs(getenv("XTCPIZE_ADDRS"));
	filtering = nports || naddrs;
}

static void init_once(void)
{
	pthread_once(&once, init);
}

__attribute__((constructor)) static void xtcpize_ctor(void)
{
	init_once();
}

/* AF_XTCP is missing (the module is not loaded): say so, once. */
static void warn_missing(int err)
{
	if (__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		return;
	say("AF_XTCP (family %d) is not available: %s (is xtcp.ko loaded?); %s",
	    xtcp_family, strerror(err),
	    fallback ? "falling back to TCP (XTCPIZE_FALLBACK=1)"
		     : "TCP sockets fail with EAFNOSUPPORT (XTCPIZE_FALLBACK=1 uses TCP instead)");
}

static bool is_tcp_request(int domain, int type, int protocol)
{
	return domain == AF_INET &&
	       (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP);
}

static bool port_match(uint16_t port)
{
	int i;

	if (!nports)
		return true;
	for (i = 0; i < nports; i++)
		if (port >= ports[i].lo && port <= ports[i].hi)
			return true;
	return false;
}

static bool addr_match(uint32_t addr, bool wildcard_ok)
{
	int i;

	if (!naddrs || (wildcard_ok && addr == INADDR_ANY))
		return true;
	for (i = 0; i < naddrs; i++)
		if ((addr & addrs[i].mask) == addrs[i].addr)
			return true;
	return false;
}

/* The fd's pending record, taken out of the table (NULL if none). */
static struct pending *take(int fd)
{
	struct pending *p = NULL;

	if (!filtering || fd < 0)
		return NULL;
	pthread_mutex_lock(&lock);
	if (fd < table_size) {
		p = table[fd];
		table[fd] = NULL;
	}
	pthread_mutex_unlock(&lock);
	return p;
}

static void put(int fd, struct pending *p)
{
	struct pending *old = NULL;

	pthread_mutex_lock(&lock);
	if (fd >= table_size) {
		int n = table_size ? table_size : 64;
		struct pending **t;

		while (n <= fd)
			n *= 2;
		t = realloc(table, n * sizeof(*t));
		if (!t) {
			pthread_mutex_unlock(&lock);
			free(p);	/* cannot track it: it stays TCP */
			return;
		}
		memset(t + table_size, 0, (n - table_size) * sizeof(*t));
		table = t;
		table_size = n;
	}
	old = table[fd];
	table[fd] = p;
	pthread_mutex_unlock(&lock);
	free(old);
}

static void forget(int fd)
{
	free(take(fd));
}

int socket(int domain, int type, int protocol)
{
	int fd, err;

	init_once();
	if (!is_tcp_request(domain, type, protocol))
		return real_socket(domain, type, protocol);

	if (filtering) {
		fd = real_socket(domain, type, protocol);
		if (fd >= 0) {
			struct pending *p = calloc(1, sizeof(*p));

			if (p)
				put(fd, p);
		}
		return fd;
	}

	fd = real_socket(xtcp_family, type, 0);
	if (fd >= 0) {
		if (debug)
			say("fd %d: socket(AF_INET, SOCK_STREAM) -> AF_XTCP", fd);
		return fd;
	}
	err = errno;
	if (err != EAFNOSUPPORT)
		return -1;
	warn_missing(err);
	if (!fallback) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return real_socket(domain, type, protocol);
}

/*
 * Replace the TCP socket on fd by an AF_XTCP one carrying what was done to
 * it so far. Returns 0 (converted, or kept as TCP by XTCPIZE_FALLBACK), or
 * -1 with errno set.
 */
static int convert(int fd, struct pending *p, const char *why)
{
	int domain = 0, type = 0, proto = 0, fl, fdfl, nfd, i;
	socklen_t len = sizeof(int);

	/* The fd number may have been recycled behind our back (dup2, ...).
	 * An XTCP socket is AF_INET too (SO_DOMAIN): its protocol tells. */
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    domain != AF_INET)
		return 0;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM)
		return 0;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 ||
	    proto != IPPROTO_TCP)
		return 0;

	fl = fcntl(fd, F_GETFL);
	fdfl = fcntl(fd, F_GETFD);
	nfd = real_socket(xtcp_family, SOCK_STREAM | SOCK_CLOEXEC |
			  (fl >= 0 && (fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0), 0);
	if (nfd < 0) {
		int err = errno;

		if (err != EAFNOSUPPORT)
			return -1;
		warn_missing(err);
		if (fallback)
			return 0;
		errno = EAFNOSUPPORT;
		return -1;
	}
	for (i = 0; i < p->nopts; i++) {
		struct rec_opt *o = &p->opts[i];

		if (real_setsockopt(nfd, o->level, o->name, o->val, o->len) < 0 && debug)
			say("fd %d: replaying setsockopt(level %d, opt %d) on AF_XTCP: %s",
			    fd, o->level, o->name, strerror(errno));
	}
	if (p->bound &&
	    real_bind(nfd, (struct sockaddr *)&p->bind_addr, sizeof(p->bind_addr)) < 0)
		goto fail;
	if (fl >= 0 && fcntl(nfd, F_SETFL, fl) < 0)
		goto fail;
	if (dup3(nfd, fd, fdfl >= 0 && (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
		goto fail;
	real_close(nfd);
	if (debug)
		say("fd %d: %s -> AF_XTCP (%d option%s carried over)", fd, why,
		    p->nopts, p->nopts == 1 ? "" : "s");
	return 0;
fail:
	i = errno;
	real_close(nfd);
	errno = i;
	return -1;
}

int connect(int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct pending *p;

	init_once();
	p = take(fd);
	if (p && sa && salen >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		if (port_match(ntohs(sin->sin_port)) &&
		    addr_match(ntohl(sin->sin_addr.s_addr), false)) {
			char why[64];

			snprintf(why, sizeof(why), "connect(%s:%u)",
				 inet_ntoa(sin->sin_addr), ntohs(sin->sin_port));
			if (convert(fd, p, why) < 0) {
				free(p);
				return -1;
			}
		}
	} else if (p && !(sa && sa->sa_family == AF_INET)) {
		put(fd, p);	/* AF_UNSPEC or junk: nothing decided */
		p = NULL;
	}
	free(p);
	return real_connect(fd, sa, salen);
}

int bind(int fd, const struct sockaddr *sa, socklen_t salen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	struct pending *p;
	int ret;

	init_once();
	p = take(fd);
	if (!p)
		return real_bind(fd, sa, salen);
	if (!sa || salen < sizeof(*sin) || sin->sin_family != AF_INET) {
		put(fd, p);
		return real_bind(fd, sa, salen);
	}
	if (sin->sin_port && port_match(ntohs(sin->sin_port)) &&
	    addr_match(ntohl(sin->sin_addr.s_addr), true)) {
		char why[64];

		snprintf(why, sizeof(why), "bind(%s:%u)",
			 inet_ntoa(sin->sin_addr), ntohs(sin->sin_port));
		ret = convert(fd, p, why);
		free(p);
		return ret < 0 ? -1 : real_bind(fd, sa, salen);
	}
	/* No match yet: bind the TCP socket, remember it for a later connect(). */
	ret = real_bind(fd, sa, salen);
	if (ret == 0) {
		p->bound = true;
		p->bind_addr = *sin;
	}
	put(fd, p);
	return ret;
}

int listen(int fd, int backlog)
{
	init_once();
	forget(fd);	/* a listener that did not match at bind() stays TCP */
	return real_listen(fd, backlog);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct pending *p;
	int ret;

	init_once();
	ret = real_setsockopt(fd, level, name, val, len);
	if (ret < 0 || !filtering || !val || len > MAX_OPTLEN)
		return ret;
	p = take(fd);
	if (p) {
		int i;

		for (i = 0; i < p->nopts; i++)
			if (p->opts[i].level == level && p->opts[i].name == name)
				break;
		if (i < MAX_OPTS) {
			p->opts[i].level = level;
			p->opts[i].name = name;
			p->opts[i].len = len;
			memcpy(p->opts[i].val, val, len);
			if (i == p->nopts)
				p->nopts++;
		} else if (debug) {
			say("fd %d: more than %d options set, not carried over", fd, MAX_OPTS);
		}
		put(fd, p);
	}
	return ret;
}

int close(int fd)
{
	init_once();
	forget(fd);
	return real_close(fd);
}
