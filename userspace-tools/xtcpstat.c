// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat: XTCP connections, counters and live events, in the manner of
 * ss(8). Speaks NETLINK_SOCK_DIAG (connection dumps) and the generic
 * netlink family "xtcp" (counters, events) through libmnl; the message
 * format is uapi/linux/xtcp_diag.h. See docs/xtcpstat.8.
 *
 * Exit status: 0 success, 1 runtime error (module not loaded, kernel error,
 * unexpected reply, namespace), 2 bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/xtcp.h>
#include <linux/xtcp_diag.h>

#define PROG "xtcpstat"
#define XTCPSTAT_VERSION "1.0"
#define RECV_BUF 32768

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* ---- states ------------------------------------------------------------- */

static const char *const state_names[XTCP_MAX_STATES] = {
	[XTCP_ESTABLISHED]	= "ESTAB",
	[XTCP_SYN_SENT]		= "SYN-SENT",
	[XTCP_SYN_RECV]		= "SYN-RECV",
	[XTCP_FIN_WAIT1]	= "FIN-WAIT-1",
	[XTCP_FIN_WAIT2]	= "FIN-WAIT-2",
	[XTCP_TIME_WAIT]	= "TIME-WAIT",
	[XTCP_CLOSE]		= "CLOSED",
	[XTCP_CLOSE_WAIT]	= "CLOSE-WAIT",
	[XTCP_LAST_ACK]		= "LAST-ACK",
	[XTCP_LISTEN]		= "LISTEN",
	[XTCP_CLOSING]		= "CLOSING",
};

static const char *state_name(unsigned int s)
{
	return s > 0 && s < XTCP_MAX_STATES ? state_names[s] : "UNKNOWN";
}

#define S(x) XTCP_DIAG_STATE(x)
#define SS_ALL		XTCP_DIAG_STATES_ALL
#define SS_CONNECTED	(SS_ALL & ~(S(XTCP_LISTEN) | S(XTCP_CLOSE)))
/* ss's default: connected, without TIME-WAIT and SYN-RECV */
#define SS_DEFAULT	(SS_CONNECTED & ~(S(XTCP_TIME_WAIT) | S(XTCP_SYN_RECV)))

/* Names for "state" / "exclude", ss's spelling, and ss's groups. */
static const struct {
	const char *name;
	uint32_t mask;
} state_words[] = {
	{ "established",	S(XTCP_ESTABLISHED) },
	{ "estab",		S(XTCP_ESTABLISHED) },
	{ "syn-sent",		S(XTCP_SYN_SENT) },
	{ "syn-recv",		S(XTCP_SYN_RECV) },
	{ "syn-received",	S(XTCP_SYN_RECV) },
	{ "fin-wait-1",		S(XTCP_FIN_WAIT1) },
	{ "fin-wait-2",		S(XTCP_FIN_WAIT2) },
	{ "time-wait",		S(XTCP_TIME_WAIT) },
	{ "closed",		S(XTCP_CLOSE) },
	{ "close-wait",		S(XTCP_CLOSE_WAIT) },
	{ "last-ack",		S(XTCP_LAST_ACK) },
	{ "listening",		S(XTCP_LISTEN) },
	{ "listen",		S(XTCP_LISTEN) },
	{ "closing",		S(XTCP_CLOSING) },
	{ "all",		SS_ALL },
	{ "connected",		SS_CONNECTED },
	{ "synchronized",	SS_CONNECTED & ~S(XTCP_SYN_SENT) },
	{ "bucket",		S(XTCP_SYN_RECV) | S(XTCP_TIME_WAIT) },
	{ "big",		SS_ALL & ~(S(XTCP_SYN_RECV) | S(XTCP_TIME_WAIT)) },
};

static const char *const timer_names[__XTCP_DIAG_TIMER_MAX] = {
	[XTCP_DIAG_TIMER_NONE]		= "off",
	[XTCP_DIAG_TIMER_RETRANS]	= "on",
	[XTCP_DIAG_TIMER_KEEPALIVE]	= "keepalive",
	[XTCP_DIAG_TIMER_TIMEWAIT]	= "timewait",
	[XTCP_DIAG_TIMER_PERSIST]	= "persist",
	[XTCP_DIAG_TIMER_FINWAIT2]	= "finwait2",
};

static const char *timer_name(unsigned int t)
{
	return t < __XTCP_DIAG_TIMER_MAX ? timer_names[t] : "unknown";
}

static const char *const reason_names[__XTCP_DIAG_CLOSE_MAX] = {
	[XTCP_DIAG_CLOSE_NONE]		= "none",
	[XTCP_DIAG_CLOSE_NORMAL]	= "normal",
	[XTCP_DIAG_CLOSE_RESET_RCVD]	= "reset-received",
	[XTCP_DIAG_CLOSE_RESET_SENT]	= "reset-sent",
	[XTCP_DIAG_CLOSE_TIMEOUT]	= "timeout",
	[XTCP_DIAG_CLOSE_REFUSED]	= "refused",
	[XTCP_DIAG_CLOSE_LISTENER]	= "listener-closed",
	[XTCP_DIAG_CLOSE_TW_KILLED]	= "timewait-killed",
};

static const char *reason_name(unsigned int r)
{
	return r < __XTCP_DIAG_CLOSE_MAX ? reason_names[r] : "unknown";
}

static const char *probe_result_name(unsigned int r)
{
	static const char *const names[] = {
		[XTCP_PROBE_RESULT_NONE]	= "none",
		[XTCP_PROBE_RESULT_PENDING]	= "pending",
		[XTCP_PROBE_RESULT_ANSWERED]	= "answered",
		[XTCP_PROBE_RESULT_TIMEDOUT]	= "timedout",
	};

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static const char *const kind_names[] = {
	[XTCP_DIAG_KIND_SOCK]		= "socket",
	[XTCP_DIAG_KIND_REQUEST]	= "request",
	[XTCP_DIAG_KIND_TIMEWAIT]	= "timewait",
};

static const char *kind_name(unsigned int k)
{
	return k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

/* ---- options ------------------------------------------------------------ */

static struct {
	bool all, listening, extended, info, timers, memory, summary, events;
	bool json, no_header, counters, processes, kill, numeric;
	const char *netns;
	uint32_t states;
	bool states_set;
	/* filters */
	bool has_sport, has_dport, has_src, has_dst;
	struct xtcp_diag_port_cond sport, dport;
	struct xtcp_diag_addr_cond src, dst;
} opt;

static int xtcp_af = AF_XTCP;

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTIONS] [FILTER]\n"
"       " PROG " --counters [-j] [-N NETNS]\n"
"       " PROG " -E [-j] [-N NETNS] [FILTER]\n"
"Show XTCP connections (AF_XTCP sockets, SYN-queue and TIME-WAIT entries).\n"
"\n"
"Options:\n"
"  -a, --all            all states (default: connected, without TIME-WAIT\n"
"                       and SYN-RECV)\n"
"  -l, --listening      listening sockets only\n"
"  -n, --numeric        numeric ports (else /etc/services' tcp names, as ss)\n"
"  -e, --extended       uid, inode, socket cookie, shutdown, close reason\n"
"  -i, --info           internal information (xtcp_info, listener queues)\n"
"  -o, --options        timers\n"
"  -m, --memory         socket memory\n"
"  -p, --processes      the processes that own each socket (as ss -p)\n"
"  -K, --kill           abort the connections the filter selects (as ss -K;\n"
"                       CAP_NET_ADMIN): RST to the peer, ECONNABORTED to the\n"
"                       application; TIME-WAIT entries are removed; lists\n"
"                       what it killed\n"
"  -s, --summary        counts per state and key counters\n"
"  -E, --events         follow connection events until interrupted\n"
"  -j, --json           JSON output (one document; with -E one per line)\n"
"  -H, --no-header      no header line\n"
"  -N, --net=NETNS      run in network namespace NETNS (name or path)\n"
"      --counters       the per-namespace counters (/proc/net/xtcp/snmp)\n"
"  -z, --zeros          with --counters: accepted as nstat's -z; counters are\n"
"                       read-only and zeros are always shown\n"
"  -h, --help           this text\n"
"  -V, --version        version\n"
"\n"
"FILTER: conditions joined by 'and' (all must hold):\n"
"  state STATE | exclude STATE\n"
"      STATE: established syn-sent syn-recv fin-wait-1 fin-wait-2\n"
"      time-wait closed close-wait last-ack listening closing, or the\n"
"      groups all connected synchronized bucket big\n"
"  sport OP [:]PORT | dport OP [:]PORT\n"
"      OP: = == eq != ne neq > gt < lt >= ge geq <= le leq\n"
"  src ADDR[/PLEN][:PORT] | dst ADDR[/PLEN][:PORT]   (IPv4, '*' any)\n"
"Example: " PROG " -n state established sport = :5000\n"
"         " PROG " -a -o -j dst 10.0.0.2\n");
}

static uint32_t parse_state_word(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++)
		if (!strcasecmp(w, state_words[i].name))
			return state_words[i].mask;
	die(EXIT_USAGE, "unknown state \"%s\" (see --help)", w);
}

static long parse_port(const char *s)
{
	char *end;
	long v;

	if (*s == ':')
		s++;
	if (!*s)
		die(EXIT_USAGE, "missing port number");
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s && *s) {	/* a service name, as ss takes: sport = :http */
		struct servent *se = getservbyname(s, "tcp");

		if (se)
			return ntohs(se->s_port);
	}
	if (errno || *end || v < 0 || v > 65535)
		die(EXIT_USAGE, "bad port \"%s\"", s);
	return v;
}

/*
 * The text columns name a port as ss does without -n: its tcp service
 * name from /etc/services (XTCP carries the same applications), the
 * number when it has none. JSON keeps numbers.
 */
static char **services;	/* by port, read once: a dump may list 10^5 */

static void read_services(void)
{
	struct servent *se;

	services = calloc(65536, sizeof(*services));
	if (!services)
		return;
	setservent(1);
	while ((se = getservent()))
		if (!strcmp(se->s_proto, "tcp") && !services[ntohs(se->s_port)])
			services[ntohs(se->s_port)] = strdup(se->s_name);
	endservent();
}

static const char *port_str(uint16_t port, char *buf, size_t len)
{
	const char *name = NULL;

	if (!opt.numeric && port) {
		if (!services)
			read_services();
		if (services)
			name = services[port];
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", port);
	return buf;
}

/* A port condition: the operators combine into one range, or one "!=". */
struct port_acc {
	bool used, neg;
	long lo, hi;
};

static void port_cond(struct port_acc *pa, const char *what, const char *op,
		      const char *arg)
{
	long p = parse_port(arg);
	long lo = 0, hi = 65535;
	bool neg = false;

	if (!strcmp(op, "=") || !strcmp(op, "==") || !strcmp(op, "eq"))
		lo = hi = p;
	else if (!strcmp(op, "!=") || !strcmp(op, "ne") || !strcmp(op, "neq"))
		lo = hi = p, neg = true;
	else if (!strcmp(op, ">") || !strcmp(op, "gt"))
		lo = p + 1;
	else if (!strcmp(op, "<") || !strcmp(op, "lt"))
		hi = p - 1;
	else if (!strcmp(op, ">=") || !strcmp(op, "ge") || !strcmp(op, "geq"))
		lo = p;
	else if (!strcmp(op, "<=") || !strcmp(op, "le") || !strcmp(op, "leq"))
		hi = p;
	else
		die(EXIT_USAGE, "unknown operator \"%s\" after %s", op, what);

	if (pa->used && (neg || pa->neg))
		die(EXIT_USAGE, "%s: '!=' cannot be combined with another %s condition",
		    what, what);
	if (!pa->used) {
		pa->lo = 0;
		pa->hi = 65535;
	}
	pa->used = true;
	pa->neg = neg;
	if (lo > pa->lo)
		pa->lo = lo;
	if (hi < pa->hi)
		pa->hi = hi;
}

static void port_acc_done(const struct port_acc *pa, bool *has,
			  struct xtcp_diag_port_cond *pc)
{
	if (!pa->used)
		return;
	*has = true;
	if (pa->lo > pa->hi) {		/* matches nothing */
		pc->lo = 0;
		pc->hi = 65535;
		pc->flags = XTCP_DIAG_COND_NOT;
		return;
	}
	pc->lo = pa->lo;
	pc->hi = pa->hi;
	pc->flags = pa->neg ? XTCP_DIAG_COND_NOT : 0;
}

/* ADDR[/PLEN][:PORT], '*' or empty ADDR for any. */
static void addr_cond(const char *what, const char *arg,
		      struct xtcp_diag_addr_cond *ac, struct port_acc *pa)
{
	char buf[128], *colon, *slash;
	struct in_addr a;
	long plen = 32;

	if (strlen(arg) >= sizeof(buf))
		die(EXIT_USAGE, "%s: address too long", what);
	strcpy(buf, arg);
	if (strchr(buf, '[') || strchr(buf, ':') != strrchr(buf, ':'))
		die(EXIT_USAGE, "%s %s: IPv6 addresses are not supported", what, arg);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = 0;
		if (strcmp(colon + 1, "*"))
			port_cond(pa, !strcmp(what, "src") ? "sport" : "dport",
				  "=", colon + 1);
	}
	memset(ac, 0, sizeof(*ac));
	ac->family = AF_INET;
	if (!buf[0] || !strcmp(buf, "*")) {
		ac->prefixlen = 0;	/* any */
		return;
	}
	slash = strchr(buf, '/');
	if (slash) {
		char *end;

		*slash = 0;
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (errno || *end || slash[1] == 0 || plen < 0 || plen > 32)
			die(EXIT_USAGE, "%s: bad prefix length in \"%s\"", what, arg);
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		die(EXIT_USAGE, "%s: bad IPv4 address \"%s\"", what, buf);
	ac->prefixlen = plen;
	ac->addr[0] = a.s_addr;
}

static void parse_filter(int argc, char **argv)
{
	struct port_acc sp = { 0 }, dp = { 0 };
	bool src_set = false, dst_set = false;
	int i = 0;

	while (i < argc) {
		const char *w = argv[i++];

		if (!strcmp(w, "and") || !strcmp(w, "&&") || !strcmp(w, "&"))
			continue;
		if (!strcmp(w, "state") || !strcmp(w, "exclude") ||
		    !strcmp(w, "excl")) {
			uint32_t m;

			if (i >= argc)
				die(EXIT_USAGE, "'%s' needs a state name", w);
			m = parse_state_word(argv[i++]);
			if (w[0] == 's') {
				if (!opt.states_set)
					opt.states = 0;
				opt.states |= m;
			} else {
				if (!opt.states_set)
					opt.states = SS_ALL;
				opt.states &= ~m;
			}
			opt.states_set = true;
		} else if (!strcmp(w, "sport") || !strcmp(w, "dport")) {
			if (i + 1 >= argc)
				die(EXIT_USAGE, "'%s' needs an operator and a port, e.g. %s = :5000",
				    w, w);
			port_cond(w[0] == 's' ? &sp : &dp, w, argv[i], argv[i + 1]);
			i += 2;
		} else if (!strcmp(w, "src") || !strcmp(w, "dst")) {
			bool *set = w[0] == 's' ? &src_set : &dst_set;

			if (i >= argc)
				die(EXIT_USAGE, "'%s' needs an address", w);
			if (*set)
				die(EXIT_USAGE, "'%s' may be given once", w);
			*set = true;
			addr_cond(w, argv[i++], w[0] == 's' ? &opt.src : &opt.dst,
				  w[0] == 's' ? &sp : &dp);
		} else if (!strcmp(w, "or") || !strcmp(w, "||") ||
			   !strcmp(w, "not") || !strcmp(w, "!") ||
			   !strcmp(w, "(") || !strcmp(w, ")")) {
			die(EXIT_USAGE, "'%s': only conditions joined by 'and' are supported", w);
		} else {
			die(EXIT_USAGE, "unexpected \"%s\" in the filter (see --help)", w);
		}
	}
	opt.has_src = src_set && opt.src.prefixlen;
	opt.has_dst = dst_set && opt.dst.prefixlen;
	port_acc_done(&sp, &opt.has_sport, &opt.sport);
	port_acc_done(&dp, &opt.has_dport, &opt.dport);
}

/* ---- output helpers ----------------------------------------------------- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* ss's print_ms_timer(): 2min, 59sec, 1.204ms style. */
static const char *ms_timer(unsigned int ms, char *buf, size_t len)
{
	unsigned int secs = ms / 1000, minutes = secs / 60, msecs = ms % 1000;
	size_t n = 0;

	secs %= 60;
	buf[0] = 0;
	if (minutes) {
		msecs = 0;
		n += snprintf(buf + n, len - n, "%umin", minutes);
		if (minutes > 9)
			secs = 0;
	}
	if (secs) {
		if (secs > 9)
			msecs = 0;
		n += snprintf(buf + n, len - n, "%u%s", secs, msecs ? "." : "sec");
	}
	if (msecs)
		n += snprintf(buf + n, len - n, "%03ums", msecs);
	if (!buf[0])
		snprintf(buf, len, "0ms");
	return buf;
}

static const char *addr_str(__be32 a, char *buf)
{
	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
	return buf;
}

/* ---- netlink plumbing --------------------------------------------------- */

/* A request socket gives up after this long without an answer. */
#define REPLY_TIMEOUT_S 10

static struct mnl_socket *nl_open(int bus, bool requests)
{
	struct mnl_socket *nl = mnl_socket_open(bus);
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int one = 1;

	if (!nl)
		die(EXIT_RUNTIME, "netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die(EXIT_RUNTIME, "netlink bind: %s", strerror(errno));
	/* Best effort: extended ACKs. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (requests &&
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die(EXIT_RUNTIME, "netlink socket timeout: %s", strerror(errno));
	return nl;
}

struct run_ctx {
	int done_err;		/* error carried by NLMSG_DONE */
	const char *bad;	/* why a reply was unexpected */
};

static int cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *rc = data;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err = *(int *)mnl_nlmsg_get_payload(nlh);

		if (err < 0) {
			rc->done_err = -err;
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* NLMSG_ERROR: an ACK (stop) or an error (errno). */
static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct run_ctx *rc = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		rc->bad = "truncated error message";
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

static int cb_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/*
 * Send @nlh and run @cb on every reply until the end of the dump (or the
 * ACK). Returns 0, or -1 with errno (and rc->bad for an unexpected reply).
 */
static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh,
		   mnl_cb_t cb, struct run_ctx *rc)
{
	static char buf[RECV_BUF];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { 0 };
	unsigned int portid = mnl_socket_get_portid(nl);
	unsigned int seq = nlh->nlmsg_seq;
	int ret;

	ctl[NLMSG_NOOP] = cb_noop;
	ctl[NLMSG_ERROR] = cb_error;
	ctl[NLMSG_DONE] = cb_done;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ret < 0)
			return -1;
		if (ret == 0) {
			rc->bad = "the kernel closed the netlink socket";
			errno = EPROTO;
			return -1;
		}
		ret = mnl_cb_run2(buf, ret, seq, portid, cb, rc, ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return -1;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* ---- the connection dump ------------------------------------------------ */

struct entry {
	struct xtcp_diag_msg m;
	int kind;
	int shutdown;		/* -1: absent */
	int reason;		/* -1: absent */
	bool has_listen, has_info, has_mem;
	struct xtcp_diag_listen listen;
	struct xtcp_info info;
	uint32_t mem[SK_MEMINFO_VARS];
	int ntimers;
	struct xtcp_diag_timer timers[4];
	char cong[16];		/* XTCP_DIAG_CONG, "" when absent */
	bool has_arrival;	/* XTCP_DIAG_ARRIVAL: a deferred request */
	struct xtcp_diag_arrival arrival;
};

static struct entry *entries;
static size_t nentries, entries_cap;

static int diag_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, XTCP_DIAG_MAX) < 0)
		return MNL_CB_OK;	/* newer kernel: ignore */
	tb[type] = a;
	return MNL_CB_OK;
}

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[XTCP_DIAG_MAX + 1] = { 0 };
	struct run_ctx *rc = data;
	const struct xtcp_diag_msg *m;
	struct entry *e;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY) {
		rc->bad = "message of an unexpected type";
		goto bad;
	}
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		rc->bad = "message too short";
		goto bad;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (m->xdiag_family != AF_INET || m->xdiag_state == 0 ||
	    m->xdiag_state >= XTCP_MAX_STATES) {
		rc->bad = "entry with an unknown family or state";
		goto bad;
	}
	if (mnl_attr_parse(nlh, sizeof(*m), diag_attr_cb, tb) < 0) {
		rc->bad = "malformed attributes";
		goto bad;
	}
	if (!tb[XTCP_DIAG_KIND] || mnl_attr_validate(tb[XTCP_DIAG_KIND], MNL_TYPE_U8) < 0) {
		rc->bad = "entry without its kind";
		goto bad;
	}

	if (nentries == entries_cap) {
		entries_cap = entries_cap ? entries_cap * 2 : 256;
		entries = realloc(entries, entries_cap * sizeof(*entries));
		if (!entries)
			die(EXIT_RUNTIME, "out of memory");
	}
	e = &entries[nentries++];
	memset(e, 0, sizeof(*e));
	e->m = *m;
	e->kind = mnl_attr_get_u8(tb[XTCP_DIAG_KIND]);
	e->shutdown = -1;
	e->reason = -1;
	if (tb[XTCP_DIAG_SHUTDOWN] && mnl_attr_validate(tb[XTCP_DIAG_SHUTDOWN], MNL_TYPE_U8) == 0)
		e->shutdown = mnl_attr_get_u8(tb[XTCP_DIAG_SHUTDOWN]);
	if (tb[XTCP_DIAG_CLOSE_REASON] &&
	    mnl_attr_validate(tb[XTCP_DIAG_CLOSE_REASON], MNL_TYPE_U8) == 0)
		e->reason = mnl_attr_get_u8(tb[XTCP_DIAG_CLOSE_REASON]);
	if (tb[XTCP_DIAG_LISTEN]) {
		if (mnl_attr_get_payload_len(tb[XTCP_DIAG_LISTEN]) < sizeof(e->listen)) {
			rc->bad = "short listener attribute";
			goto bad;
		}
		memcpy(&e->listen, mnl_attr_get_payload(tb[XTCP_DIAG_LISTEN]),
		       sizeof(e->listen));
		e->has_listen = true;
	}
	if (tb[XTCP_DIAG_INFO]) {
		size_t n = mnl_attr_get_payload_len(tb[XTCP_DIAG_INFO]);

		/* A shorter (older) struct: the missing fields stay 0. */
		if (n > sizeof(e->info))
			n = sizeof(e->info);
		memcpy(&e->info, mnl_attr_get_payload(tb[XTCP_DIAG_INFO]), n);
		e->has_info = true;
	}
	if (tb[XTCP_DIAG_CONG] &&
	    mnl_attr_validate(tb[XTCP_DIAG_CONG], MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->cong, sizeof(e->cong), "%s",
			 mnl_attr_get_str(tb[XTCP_DIAG_CONG]));
	else if (e->has_info && e->info.xtcpi_ca_name[0])
		snprintf(e->cong, sizeof(e->cong), "%.*s",
			 (int)sizeof(e->info.xtcpi_ca_name), e->info.xtcpi_ca_name);
	if (tb[XTCP_DIAG_ARRIVAL]) {
		if (mnl_attr_get_payload_len(tb[XTCP_DIAG_ARRIVAL]) < sizeof(e->arrival)) {
			rc->bad = "short arrival attribute";
			goto bad;
		}
		memcpy(&e->arrival, mnl_attr_get_payload(tb[XTCP_DIAG_ARRIVAL]),
		       sizeof(e->arrival));
		e->has_arrival = true;
	}
	if (tb[XTCP_DIAG_MEMINFO]) {
		size_t n = mnl_attr_get_payload_len(tb[XTCP_DIAG_MEMINFO]);

		if (n > sizeof(e->mem))
			n = sizeof(e->mem);
		memcpy(e->mem, mnl_attr_get_payload(tb[XTCP_DIAG_MEMINFO]), n);
		e->has_mem = true;
	}
	if (tb[XTCP_DIAG_TIMERS]) {
		size_t n = mnl_attr_get_payload_len(tb[XTCP_DIAG_TIMERS]) /
			   sizeof(struct xtcp_diag_timer);

		if (n > 4)
			n = 4;
		memcpy(e->timers, mnl_attr_get_payload(tb[XTCP_DIAG_TIMERS]),
		       n * sizeof(struct xtcp_diag_timer));
		e->ntimers = n;
	}
	return MNL_CB_OK;
bad:
	errno = EPROTO;
	return MNL_CB_ERROR;
}

static void diag_fail(const struct run_ctx *rc, const char *what)
{
	if (rc->bad)
		die(EXIT_RUNTIME, "unexpected reply from the kernel to %s: %s",
		    what, rc->bad);
	if (errno == ETIMEDOUT)
		die(EXIT_RUNTIME, "no answer from the kernel to %s within %d s",
		    what, REPLY_TIMEOUT_S);
	if (errno == ENOENT || errno == EAFNOSUPPORT)
		die(EXIT_RUNTIME, "the kernel has no XTCP diagnostics for family %d: "
		    "is xtcp.ko loaded? (%s)", xtcp_af, strerror(errno));
	if (errno == EINVAL)
		die(EXIT_RUNTIME, "the kernel rejected %s as invalid (%s): "
		    "xtcpstat and xtcp.ko do not match?", what, strerror(errno));
	die(EXIT_RUNTIME, "%s: %s", what, strerror(errno));
}

static void dump_connections(uint32_t states, uint8_t ext)
{
	char *buf = calloc(1, MNL_SOCKET_BUFFER_SIZE);
	struct run_ctx rc = { 0 };
	struct mnl_socket *nl;
	struct xtcp_diag_req *req;
	struct nlmsghdr *nlh;

	if (!buf)
		die(EXIT_RUNTIME, "out of memory");
	nl = nl_open(NETLINK_SOCK_DIAG, true);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = time(NULL);
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = xtcp_af;
	req->sdiag_protocol = 0;
	req->xdiag_ext = ext;
	req->xdiag_states = states;
	if (opt.has_sport)
		mnl_attr_put(nlh, XTCP_DIAG_REQ_SPORT, sizeof(opt.sport), &opt.sport);
	if (opt.has_dport)
		mnl_attr_put(nlh, XTCP_DIAG_REQ_DPORT, sizeof(opt.dport), &opt.dport);
	if (opt.has_src)
		mnl_attr_put(nlh, XTCP_DIAG_REQ_SRC, sizeof(opt.src), &opt.src);
	if (opt.has_dst)
		mnl_attr_put(nlh, XTCP_DIAG_REQ_DST, sizeof(opt.dst), &opt.dst);
	if (nl_talk(nl, nlh, diag_cb, &rc) < 0)
		diag_fail(&rc, "the connection dump");
	mnl_socket_close(nl);
	free(buf);
}

/*
 * -K: one SOCK_DESTROY per entry the dump selected, named by its 4-tuple
 * and cookie (so that a connection that ended meanwhile and was replaced
 * by another on the same 4-tuple is not killed: ESTALE). Request entries
 * have no socket to abort and are left out, as ss -K leaves them. What
 * could not be killed is said on stderr and dropped from the listing,
 * which then shows what was killed. Returns the number of failures.
 */
static void entry_addrs(const struct entry *e, char *local, char *peer,
			size_t len);

static int kill_entries(void)
{
	char *buf = calloc(1, MNL_SOCKET_BUFFER_SIZE);
	struct mnl_socket *nl;
	size_t i, kept = 0;
	int failed = 0;

	if (!buf)
		die(EXIT_RUNTIME, "out of memory");
	nl = nl_open(NETLINK_SOCK_DIAG, true);
	for (i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		struct run_ctx rc = { 0 };
		struct xtcp_diag_req *req;
		struct nlmsghdr *nlh;
		char local[64], peer[64];

		if (e->kind == XTCP_DIAG_KIND_REQUEST)
			continue;
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = SOCK_DESTROY;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = time(NULL) + i;
		req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		req->sdiag_family = xtcp_af;
		req->id = e->m.id;
		if (nl_talk(nl, nlh, diag_cb, &rc) < 0) {
			int err = errno;	/* the service lookup may change it */

			entry_addrs(e, local, peer, sizeof(local));
			fprintf(stderr, PROG ": cannot kill %s %s %s: %s\n",
				state_name(e->m.xdiag_state), local, peer,
				err == EPERM ? "Operation not permitted (CAP_NET_ADMIN)" :
				strerror(err));
			failed++;
			continue;
		}
		entries[kept++] = *e;
	}
	nentries = kept;
	mnl_socket_close(nl);
	free(buf);
	return failed;
}

/* ---- generic netlink: family, counters, events -------------------------- */

struct genl_family_info {
	uint16_t id;
	uint32_t events_grp;
	bool has_events;
};

static int genl_grp_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, CTRL_ATTR_MCAST_GRP_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int genl_ctrl_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, CTRL_ATTR_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

struct family_ctx {
	struct run_ctx rc;	/* first: nl_talk's callbacks see a run_ctx */
	struct genl_family_info fi;
};

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	struct family_ctx *fc = data;
	struct genl_family_info *fi = &fc->fi;
	struct run_ctx *rc = &fc->rc;
	const struct nlattr *pos;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), genl_ctrl_attr_cb, tb) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0) {
		rc->bad = "malformed generic netlink family description";
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	fi->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS]) {
			const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

			if (mnl_attr_parse_nested(pos, genl_grp_cb, g) < 0)
				continue;
			if (g[CTRL_ATTR_MCAST_GRP_NAME] && g[CTRL_ATTR_MCAST_GRP_ID] &&
			    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) == 0 &&
			    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32) == 0 &&
			    !strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]),
				    XTCP_GENL_MCGRP_EVENTS)) {
				fi->events_grp = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
				fi->has_events = true;
			}
		}
	}
	return MNL_CB_OK;
}

/* The "xtcp" family id (and its events group); dies when absent. */
static struct genl_family_info genl_resolve(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct family_ctx fc = { 0 };
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = time(NULL);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, XTCP_GENL_NAME);

	/* The reply, then the ACK. */
	if (nl_talk(nl, nlh, genl_family_cb, &fc.rc) < 0) {
		if (fc.rc.bad)
			die(EXIT_RUNTIME, "unexpected reply from the kernel: %s", fc.rc.bad);
		if (errno == ETIMEDOUT)
			die(EXIT_RUNTIME, "no answer from the kernel's generic netlink "
			    "controller within %d s", REPLY_TIMEOUT_S);
		if (errno == ENOENT)
			die(EXIT_RUNTIME, "no generic netlink family \"%s\": is xtcp.ko loaded?",
			    XTCP_GENL_NAME);
		die(EXIT_RUNTIME, "generic netlink family \"%s\": %s",
		    XTCP_GENL_NAME, strerror(errno));
	}
	if (!fc.fi.id)
		die(EXIT_RUNTIME, "unexpected reply from the kernel: no family id for \"%s\"",
		    XTCP_GENL_NAME);
	return fc.fi;
}

struct counter {
	char name[64];
	uint32_t id;
	int64_t value;
};

static struct counter *counters;
static size_t ncounters;

static int ctr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, XTCP_A_CTR_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int top_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, XTCP_A_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int counters_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[XTCP_A_MAX + 1] = { 0 };
	struct run_ctx *rc = data;
	const struct nlattr *pos;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), top_attr_cb, tb) < 0 ||
	    !tb[XTCP_A_COUNTERS]) {
		rc->bad = "counters reply without counters";
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	mnl_attr_for_each_nested(pos, tb[XTCP_A_COUNTERS]) {
		const struct nlattr *c[XTCP_A_CTR_MAX + 1] = { 0 };
		struct counter *ct;

		if (mnl_attr_get_type(pos) != XTCP_A_COUNTER)
			continue;
		if (mnl_attr_parse_nested(pos, ctr_attr_cb, c) < 0 ||
		    !c[XTCP_A_CTR_NAME] || !c[XTCP_A_CTR_VALUE] ||
		    mnl_attr_validate(c[XTCP_A_CTR_NAME], MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_validate(c[XTCP_A_CTR_VALUE], MNL_TYPE_U64) < 0) {
			rc->bad = "malformed counter";
			errno = EPROTO;
			return MNL_CB_ERROR;
		}
		counters = realloc(counters, (ncounters + 1) * sizeof(*counters));
		if (!counters)
			die(EXIT_RUNTIME, "out of memory");
		ct = &counters[ncounters++];
		snprintf(ct->name, sizeof(ct->name), "%s", mnl_attr_get_str(c[XTCP_A_CTR_NAME]));
		ct->id = c[XTCP_A_CTR_ID] && mnl_attr_validate(c[XTCP_A_CTR_ID], MNL_TYPE_U32) == 0 ?
			 mnl_attr_get_u32(c[XTCP_A_CTR_ID]) : ncounters - 1;
		ct->value = (int64_t)mnl_attr_get_u64(c[XTCP_A_CTR_VALUE]);
	}
	return MNL_CB_OK;
}

static void read_counters(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct run_ctx rc = { 0 };
	struct genl_family_info fi;
	struct mnl_socket *nl;
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	nl = nl_open(NETLINK_GENERIC, true);
	fi = genl_resolve(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = fi.id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = time(NULL) + 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = XTCP_CMD_GET_COUNTERS;
	g->version = XTCP_GENL_VERSION;
	if (nl_talk(nl, nlh, counters_cb, &rc) < 0) {
		if (rc.bad)
			die(EXIT_RUNTIME, "unexpected reply from the kernel: %s", rc.bad);
		die(EXIT_RUNTIME, "reading the counters: %s", strerror(errno));
	}
	if (!ncounters)
		die(EXIT_RUNTIME, "unexpected reply from the kernel: no counters");
	mnl_socket_close(nl);
}

static int64_t counter_value(const char *name, bool *found)
{
	size_t i;

	for (i = 0; i < ncounters; i++)
		if (!strcmp(counters[i].name, name)) {
			if (found)
				*found = true;
			return counters[i].value;
		}
	if (found)
		*found = false;
	return 0;
}

static void print_counters(void)
{
	size_t i;

	if (opt.json) {
		printf("{\"counters\":{");
		for (i = 0; i < ncounters; i++) {
			printf("%s", i ? "," : "");
			json_str(counters[i].name);
			printf(":%" PRId64, counters[i].value);
		}
		printf("}}\n");
		return;
	}
	if (!opt.no_header)
		printf("%-24s %s\n", "Counter", "Value");
	for (i = 0; i < ncounters; i++)
		printf("%-24s %" PRId64 "\n", counters[i].name, counters[i].value);
}

/* ---- events ------------------------------------------------------------- */

static bool event_matches(uint32_t saddr, uint16_t sport, uint32_t daddr,
			  uint16_t dport)
{
	const struct xtcp_diag_port_cond *pc;
	uint32_t mask;
	bool in;

	if (opt.has_sport) {
		pc = &opt.sport;
		in = sport >= pc->lo && sport <= pc->hi;
		if (in == !!(pc->flags & XTCP_DIAG_COND_NOT))
			return false;
	}
	if (opt.has_dport) {
		pc = &opt.dport;
		in = dport >= pc->lo && dport <= pc->hi;
		if (in == !!(pc->flags & XTCP_DIAG_COND_NOT))
			return false;
	}
	if (opt.has_src) {
		mask = htonl(~0U << (32 - opt.src.prefixlen));
		if ((saddr & mask) != (opt.src.addr[0] & mask))
			return false;
	}
	if (opt.has_dst) {
		mask = htonl(~0U << (32 - opt.dst.prefixlen));
		if ((daddr & mask) != (opt.dst.addr[0] & mask))
			return false;
	}
	return true;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	static const char *const types[] = { "none", "new", "state", "close" };
	const struct nlattr *tb[XTCP_A_MAX + 1] = { 0 };
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	char l[INET_ADDRSTRLEN], p[INET_ADDRSTRLEN], lp[32], pp[32];
	unsigned int type, olds, news, reason = 0;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint64_t cookie, tns = 0;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g) || g->cmd != XTCP_CMD_EVENT)
		return MNL_CB_OK;	/* not an event: ignore */
	if (mnl_attr_parse(nlh, sizeof(*g), top_attr_cb, tb) < 0)
		return MNL_CB_OK;
	if (!tb[XTCP_A_EV_TYPE] || !tb[XTCP_A_EV_OLD_STATE] || !tb[XTCP_A_EV_NEW_STATE] ||
	    !tb[XTCP_A_EV_SADDR] || !tb[XTCP_A_EV_DADDR] || !tb[XTCP_A_EV_SPORT] ||
	    !tb[XTCP_A_EV_DPORT] || !tb[XTCP_A_EV_COOKIE] ||
	    mnl_attr_validate(tb[XTCP_A_EV_TYPE], MNL_TYPE_U8) < 0 ||
	    mnl_attr_validate(tb[XTCP_A_EV_OLD_STATE], MNL_TYPE_U8) < 0 ||
	    mnl_attr_validate(tb[XTCP_A_EV_NEW_STATE], MNL_TYPE_U8) < 0 ||
	    mnl_attr_validate(tb[XTCP_A_EV_SADDR], MNL_TYPE_U32) < 0 ||
	    mnl_attr_validate(tb[XTCP_A_EV_DADDR], MNL_TYPE_U32) < 0 ||
	    mnl_attr_validate(tb[XTCP_A_EV_SPORT], MNL_TYPE_U16) < 0 ||
	    mnl_attr_validate(tb[XTCP_A_EV_DPORT], MNL_TYPE_U16) < 0 ||
	    mnl_attr_validate(tb[XTCP_A_EV_COOKIE], MNL_TYPE_U64) < 0) {
		fprintf(stderr, PROG ": ignoring a malformed event\n");
		return MNL_CB_OK;
	}
	type = mnl_attr_get_u8(tb[XTCP_A_EV_TYPE]);
	olds = mnl_attr_get_u8(tb[XTCP_A_EV_OLD_STATE]);
	news = mnl_attr_get_u8(tb[XTCP_A_EV_NEW_STATE]);
	saddr = mnl_attr_get_u32(tb[XTCP_A_EV_SADDR]);
	daddr = mnl_attr_get_u32(tb[XTCP_A_EV_DADDR]);
	sport = mnl_attr_get_u16(tb[XTCP_A_EV_SPORT]);
	dport = mnl_attr_get_u16(tb[XTCP_A_EV_DPORT]);
	cookie = mnl_attr_get_u64(tb[XTCP_A_EV_COOKIE]);
	if (tb[XTCP_A_EV_REASON] && mnl_attr_validate(tb[XTCP_A_EV_REASON], MNL_TYPE_U8) == 0)
		reason = mnl_attr_get_u8(tb[XTCP_A_EV_REASON]);
	if (tb[XTCP_A_EV_TIME_NS] && mnl_attr_validate(tb[XTCP_A_EV_TIME_NS], MNL_TYPE_U64) == 0)
		tns = mnl_attr_get_u64(tb[XTCP_A_EV_TIME_NS]);
	if (type > XTCP_EV_CLOSE)
		type = XTCP_EV_NONE;
	if (!event_matches(saddr, sport, daddr, dport))
		return MNL_CB_OK;

	addr_str(saddr, l);
	addr_str(daddr, p);
	if (opt.json) {
		printf("{\"time_ns\":%" PRIu64 ",\"event\":\"%s\",\"old_state\":\"%s\","
		       "\"new_state\":\"%s\",\"local_address\":\"%s\",\"local_port\":%u,"
		       "\"peer_address\":\"%s\",\"peer_port\":%u,\"cookie\":%" PRIu64,
		       tns, types[type], state_name(olds), state_name(news), l, sport,
		       p, dport, cookie);
		if (type == XTCP_EV_CLOSE)
			printf(",\"reason\":\"%s\"", reason_name(reason));
		printf("}\n");
	} else {
		struct timespec ts = { .tv_sec = tns / 1000000000ULL };
		struct tm tm;
		char tbuf[32] = "", sb[32];

		if (localtime_r(&ts.tv_sec, &tm))
			strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		snprintf(lp, sizeof(lp), "%s:%s", l, port_str(sport, sb, sizeof(sb)));
		snprintf(pp, sizeof(pp), "%s:%s", p, port_str(dport, sb, sizeof(sb)));
		printf("%s.%03u %-5s %-10s -> %-10s %-21s %-21s sk:%" PRIx64,
		       tbuf, (unsigned int)(tns / 1000000 % 1000), types[type],
		       state_name(olds), state_name(news), lp, pp, cookie);
		if (type == XTCP_EV_CLOSE)
			printf(" reason:%s", reason_name(reason));
		putchar('\n');
	}
	fflush(stdout);
	return MNL_CB_OK;
}

static void __attribute__((noreturn)) follow_events(void)
{
	static char buf[RECV_BUF];
	struct genl_family_info fi;
	struct mnl_socket *nl;
	int ret;

	nl = nl_open(NETLINK_GENERIC, true);
	fi = genl_resolve(nl);
	{
		struct timeval forever = { 0 };
		int big = 8 << 20;
		int fd = mnl_socket_get_fd(nl);

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
		/* Bursts of events (a connection storm): room for many. The
		 * FORCE variant passes rmem_max when we may (CAP_NET_ADMIN). */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	if (!fi.has_events)
		die(EXIT_RUNTIME, "unexpected reply from the kernel: family \"%s\" has no "
		    "\"%s\" group", XTCP_GENL_NAME, XTCP_GENL_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &fi.events_grp,
				  sizeof(fi.events_grp)) < 0)
		die(EXIT_RUNTIME, "joining the events group: %s", strerror(errno));
	if (!opt.json && !opt.no_header) {
		printf("Following XTCP events%s%s (Ctrl-C to stop)\n",
		       opt.netns ? " in netns " : "", opt.netns ? opt.netns : "");
		fflush(stdout);
	}
	for (;;) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, PROG ": events were lost (receive buffer full)\n");
				continue;
			}
			die(EXIT_RUNTIME, "receiving events: %s", strerror(errno));
		}
		/* Multicast: portid 0, any sequence number. */
		ret = mnl_cb_run(buf, ret, 0, 0, event_cb, NULL);
		if (ret == MNL_CB_ERROR && errno != ENOENT)
			die(EXIT_RUNTIME, "events: %s", strerror(errno));
	}
}

/* ---- listing ------------------------------------------------------------ */

static void entry_addrs(const struct entry *e, char *local, char *peer, size_t len)
{
	char a[INET_ADDRSTRLEN], sb[32];

	snprintf(local, len, "%s:%s", addr_str(e->m.id.xdiag_src[0], a),
		 port_str(ntohs(e->m.id.xdiag_sport), sb, sizeof(sb)));
	if (e->m.id.xdiag_dport || e->m.id.xdiag_dst[0])
		snprintf(peer, len, "%s:%s", addr_str(e->m.id.xdiag_dst[0], a),
			 port_str(ntohs(e->m.id.xdiag_dport), sb, sizeof(sb)));
	else
		snprintf(peer, len, "%s:*", addr_str(e->m.id.xdiag_dst[0], a));
}

static uint64_t entry_cookie(const struct entry *e)
{
	return (uint64_t)e->m.id.xdiag_cookie[1] << 32 | e->m.id.xdiag_cookie[0];
}

static void print_json_users(const struct entry *e);

static void print_json_entry(const struct entry *e, bool first)
{
	char a[INET_ADDRSTRLEN];
	int i;

	printf("%s\n  {\"state\":\"%s\",\"kind\":\"%s\",\"recv_q\":%u,\"send_q\":%u,",
	       first ? "" : ",", state_name(e->m.xdiag_state), kind_name(e->kind),
	       e->m.xdiag_rqueue, e->m.xdiag_wqueue);
	printf("\"local_address\":\"%s\",\"local_port\":%u,",
	       addr_str(e->m.id.xdiag_src[0], a), ntohs(e->m.id.xdiag_sport));
	printf("\"peer_address\":\"%s\",\"peer_port\":%u,\"ifindex\":%u,",
	       addr_str(e->m.id.xdiag_dst[0], a), ntohs(e->m.id.xdiag_dport),
	       e->m.id.xdiag_if);
	printf("\"uid\":%u,\"inode\":%u,\"cookie\":%" PRIu64 ",",
	       e->m.xdiag_uid, e->m.xdiag_inode, entry_cookie(e));
	printf("\"timer\":{\"kind\":\"%s\",\"expires_ms\":%u,\"count\":%u}",
	       timer_name(e->m.xdiag_timer), e->m.xdiag_expires, e->m.xdiag_retrans);
	if (e->shutdown >= 0)
		printf(",\"shutdown\":{\"read\":%s,\"write\":%s}",
		       e->shutdown & 1 ? "true" : "false",
		       e->shutdown & 2 ? "true" : "false");
	if (e->reason >= 0)
		printf(",\"close_reason\":\"%s\"", reason_name(e->reason));
	if (e->has_arrival)
		printf(",\"verdict_pending\":true,\"arrival\":{\"id\":%llu,"
		       "\"age_ms\":%u,\"taken\":%s}",
		       (unsigned long long)e->arrival.id, e->arrival.age_ms,
		       e->arrival.taken ? "true" : "false");
	if (e->has_listen)
		printf(",\"listen\":{\"accept_queue\":%u,\"backlog\":%u,"
		       "\"syn_queue\":%u,\"syn_max\":%u}",
		       e->listen.accept_qlen, e->listen.accept_max,
		       e->listen.syn_qlen, e->listen.syn_max);
	if (opt.timers) {
		printf(",\"timers\":[");
		for (i = 0; i < e->ntimers; i++)
			printf("%s{\"kind\":\"%s\",\"expires_ms\":%u,\"count\":%u}",
			       i ? "," : "", timer_name(e->timers[i].kind),
			       e->timers[i].expires_ms, e->timers[i].count);
		printf("]");
	}
	if (e->has_info) {
		const struct xtcp_info *x = &e->info;

		printf(",\"info\":{\"rto_us\":%u,\"rtt_us\":%u,\"rttvar_us\":%u,"
		       "\"snd_mss\":%u,\"advmss\":%u,\"cwnd\":%u,\"ssthresh\":%u,"
		       "\"snd_wnd\":%u,\"rcv_wnd\":%u,\"snd_wscale\":%u,\"rcv_wscale\":%u,"
		       "\"unacked\":%u,\"retransmits\":%u,\"total_retrans\":%u,"
		       "\"segs_in\":%u,\"segs_out\":%u,\"bytes_sent\":%llu,"
		       "\"bytes_acked\":%llu,\"bytes_received\":%llu,"
		       "\"last_data_sent_ms\":%u,\"last_data_recv_ms\":%u,"
		       "\"ca_state\":%u,\"backoff\":%u,\"sack_ok\":%s,\"packets_out\":%u,"
		       "\"sacked_out\":%u,\"lost_out\":%u,\"retrans_out\":%u,"
		       "\"reordering\":%u,\"rcv_ooo_segs\":%u,\"cong\":\"%s\","
		       "\"probe_result\":\"%s\",\"probe_rtt_us\":%u,"
		       "\"reord_seen\":%u,\"dsack_dups\":%u,\"undos\":%u,"
		       "\"reo_wnd_us\":%u,\"ts_ok\":%s,\"pmtu\":%u,\"blackhole_mtu\":%u}",
		       x->xtcpi_rto_us, x->xtcpi_rtt_us, x->xtcpi_rttvar_us,
		       x->xtcpi_snd_mss, x->xtcpi_advmss, x->xtcpi_snd_cwnd,
		       x->xtcpi_snd_ssthresh, x->xtcpi_snd_wnd, x->xtcpi_rcv_wnd,
		       x->xtcpi_snd_wscale, x->xtcpi_rcv_wscale, x->xtcpi_unacked,
		       x->xtcpi_retransmits, x->xtcpi_total_retrans, x->xtcpi_segs_in,
		       x->xtcpi_segs_out, (unsigned long long)x->xtcpi_bytes_sent,
		       (unsigned long long)x->xtcpi_bytes_acked,
		       (unsigned long long)x->xtcpi_bytes_received,
		       x->xtcpi_last_data_sent_ms, x->xtcpi_last_data_recv_ms,
		       x->xtcpi_ca_state, x->xtcpi_backoff,
		       x->xtcpi_sack_ok ? "true" : "false", x->xtcpi_packets_out,
		       x->xtcpi_sacked_out, x->xtcpi_lost_out, x->xtcpi_retrans_out,
		       x->xtcpi_reordering, x->xtcpi_rcv_ooo_segs, e->cong,
		       probe_result_name(x->xtcpi_probe_result), x->xtcpi_probe_rtt_us,
		       x->xtcpi_reord_seen, x->xtcpi_dsack_dups, x->xtcpi_undos,
		       x->xtcpi_rack_reo_wnd_us, x->xtcpi_ts_ok ? "true" : "false",
		       x->xtcpi_pmtu, x->xtcpi_blackhole_mtu);
	}
	if (e->has_mem)
		printf(",\"skmem\":{\"rmem_alloc\":%u,\"rcvbuf\":%u,\"wmem_alloc\":%u,"
		       "\"sndbuf\":%u,\"fwd_alloc\":%u,\"wmem_queued\":%u,\"optmem\":%u,"
		       "\"backlog\":%u,\"drops\":%u}",
		       e->mem[SK_MEMINFO_RMEM_ALLOC], e->mem[SK_MEMINFO_RCVBUF],
		       e->mem[SK_MEMINFO_WMEM_ALLOC], e->mem[SK_MEMINFO_SNDBUF],
		       e->mem[SK_MEMINFO_FWD_ALLOC], e->mem[SK_MEMINFO_WMEM_QUEUED],
		       e->mem[SK_MEMINFO_OPTMEM], e->mem[SK_MEMINFO_BACKLOG],
		       e->mem[SK_MEMINFO_DROPS]);
	print_json_users(e);
	printf("}");
}

/* ---- -p: which processes hold each socket ------------------------------ */

/*
 * As ss -p: every /proc/PID/fd/N that links to "socket:[INODE]". Socket
 * inodes are unique in the host (sockfs), whatever the namespaces, so the
 * table is read once for all entries. What cannot be read (a process that
 * exits meanwhile, another user's without privilege) is left out.
 */
struct owner {
	unsigned int ino;
	int pid, fd;
	char comm[32];
};
static struct owner *owners;
static size_t nowners;

static void read_owners(void)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	char path[64], link[64], comm[32], fdpath[sizeof(path) + 260];
	unsigned int ino;
	size_t cap = 0;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		int pid = atoi(p->d_name);
		FILE *c;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		c = fopen(path, "r");
		if (!c)
			continue;
		if (!fgets(comm, sizeof(comm), c))
			comm[0] = 0;
		fclose(c);
		comm[strcspn(comm, "\n")] = 0;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			ssize_t n;

			if (f->d_name[0] == '.')
				continue;
			snprintf(fdpath, sizeof(fdpath), "%s/%s", path, f->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = 0;
			if (sscanf(link, "socket:[%u]", &ino) != 1)
				continue;
			if (nowners == cap) {
				cap = cap ? 2 * cap : 256;
				owners = realloc(owners, cap * sizeof(*owners));
				if (!owners)
					die(EXIT_RUNTIME, "out of memory");
			}
			owners[nowners].ino = ino;
			owners[nowners].pid = pid;
			owners[nowners].fd = atoi(f->d_name);
			snprintf(owners[nowners].comm, sizeof(owners[nowners].comm), "%s", comm);
			nowners++;
		}
		closedir(fds);
	}
	closedir(proc);
}

/* A process name as a JSON or ss string: quotes and backslashes escaped. */
static void print_comm(const char *comm)
{
	for (; *comm; comm++) {
		if (*comm == '"' || *comm == '\\')
			putchar('\\');
		if ((unsigned char)*comm >= 0x20)
			putchar(*comm);
	}
}

/* ' users:(("nginx",pid=812,fd=6),...)', or nothing for no owner. */
static void print_text_users(const struct entry *e)
{
	bool any = false;
	size_t i;

	if (!opt.processes || !e->m.xdiag_inode)
		return;
	for (i = 0; i < nowners; i++) {
		if (owners[i].ino != e->m.xdiag_inode)
			continue;
		printf("%s(\"", any ? "," : " users:(");
		print_comm(owners[i].comm);
		printf("\",pid=%d,fd=%d)", owners[i].pid, owners[i].fd);
		any = true;
	}
	if (any)
		printf(")");
}

static void print_json_users(const struct entry *e)
{
	bool any = false;
	size_t i;

	if (!opt.processes)
		return;
	printf(",\"users\":[");
	for (i = 0; e->m.xdiag_inode && i < nowners; i++) {
		if (owners[i].ino != e->m.xdiag_inode)
			continue;
		printf("%s{\"name\":\"", any ? "," : "");
		print_comm(owners[i].comm);
		printf("\",\"pid\":%d,\"fd\":%d}", owners[i].pid, owners[i].fd);
		any = true;
	}
	printf("]");
}

static void print_text_extras(const struct entry *e)
{
	char t[64];

	print_text_users(e);
	/* A deferred request: no SYN-ACK sent, the application decides. */
	if (e->has_arrival)
		printf(" verdict-pending age:%ums id:%llu%s", e->arrival.age_ms,
		       (unsigned long long)e->arrival.id,
		       e->arrival.taken ? " taken" : "");
	if (opt.timers) {
		if (e->m.xdiag_timer)
			printf(" timer:(%s,%s,%u)", timer_name(e->m.xdiag_timer),
			       ms_timer(e->m.xdiag_expires, t, sizeof(t)),
			       e->m.xdiag_retrans);
		else
			printf(" timer:(off)");
	}
	if (opt.extended) {
		printf(" uid:%u ino:%u sk:%" PRIx64, e->m.xdiag_uid,
		       e->m.xdiag_inode, entry_cookie(e));
		if (e->kind != XTCP_DIAG_KIND_SOCK)
			printf(" %s", kind_name(e->kind));
		if (e->shutdown > 0)
			printf(" %s", e->shutdown == 3 ? "---" :
				      e->shutdown == 1 ? "<-" : "->");
		if (e->reason > 0)
			printf(" reason:%s", reason_name(e->reason));
	}
	if (opt.memory && e->has_mem)
		printf("\n\t skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u,bl%u,d%u)",
		       e->mem[SK_MEMINFO_RMEM_ALLOC], e->mem[SK_MEMINFO_RCVBUF],
		       e->mem[SK_MEMINFO_WMEM_ALLOC], e->mem[SK_MEMINFO_SNDBUF],
		       e->mem[SK_MEMINFO_FWD_ALLOC], e->mem[SK_MEMINFO_WMEM_QUEUED],
		       e->mem[SK_MEMINFO_OPTMEM], e->mem[SK_MEMINFO_BACKLOG],
		       e->mem[SK_MEMINFO_DROPS]);
	if (opt.info) {
		if (e->has_listen)
			printf("\n\t accept_queue:%u/%u syn_queue:%u/%u",
			       e->listen.accept_qlen, e->listen.accept_max,
			       e->listen.syn_qlen, e->listen.syn_max);
		else if (e->has_info) {
			const struct xtcp_info *x = &e->info;

			/* The algorithm first, where ss puts it. */
			printf("\n\t %s%swscale:%u,%u rto:%g rtt:%g/%g mss:%u advmss:%u "
			       "cwnd:%u", e->cong, e->cong[0] ? " " : "",
			       x->xtcpi_snd_wscale, x->xtcpi_rcv_wscale,
			       x->xtcpi_rto_us / 1000.0, x->xtcpi_rtt_us / 1000.0,
			       x->xtcpi_rttvar_us / 1000.0, x->xtcpi_snd_mss,
			       x->xtcpi_advmss, x->xtcpi_snd_cwnd);
			if (x->xtcpi_snd_ssthresh < 0xffff)
				printf(" ssthresh:%u", x->xtcpi_snd_ssthresh);
			printf(" bytes_sent:%llu bytes_acked:%llu bytes_received:%llu"
			       " segs_out:%u segs_in:%u snd_wnd:%u rcv_wnd:%u",
			       (unsigned long long)x->xtcpi_bytes_sent,
			       (unsigned long long)x->xtcpi_bytes_acked,
			       (unsigned long long)x->xtcpi_bytes_received,
			       x->xtcpi_segs_out, x->xtcpi_segs_in,
			       x->xtcpi_snd_wnd, x->xtcpi_rcv_wnd);
			if (x->xtcpi_unacked)
				printf(" unacked:%u", x->xtcpi_unacked);
			if (x->xtcpi_retransmits || x->xtcpi_total_retrans)
				printf(" retrans:%u/%u", x->xtcpi_retransmits,
				       x->xtcpi_total_retrans);
			printf(" lastsnd:%u lastrcv:%u", x->xtcpi_last_data_sent_ms,
			       x->xtcpi_last_data_recv_ms);
			if (x->xtcpi_pmtu)	/* as ss's pmtu: */
				printf(" pmtu:%u", x->xtcpi_pmtu);
			if (x->xtcpi_blackhole_mtu)
				printf(" blackhole_mtu:%u", x->xtcpi_blackhole_mtu);
			if (x->xtcpi_ts_ok)
				printf(" ts");
			if (x->xtcpi_sack_ok)
				printf(" sack");
			if (x->xtcpi_ca_state)
				printf(" ca_state:%u", x->xtcpi_ca_state);
			if (x->xtcpi_backoff)
				printf(" backoff:%u", x->xtcpi_backoff);
			if (x->xtcpi_packets_out)
				printf(" packets_out:%u", x->xtcpi_packets_out);
			if (x->xtcpi_sacked_out)
				printf(" sacked:%u", x->xtcpi_sacked_out);
			if (x->xtcpi_lost_out)
				printf(" lost:%u", x->xtcpi_lost_out);
			if (x->xtcpi_retrans_out)
				printf(" retrans_out:%u", x->xtcpi_retrans_out);
			if (x->xtcpi_reordering)
				printf(" reordering:%u", x->xtcpi_reordering);
			if (x->xtcpi_rcv_ooo_segs)
				printf(" ooo:%u", x->xtcpi_rcv_ooo_segs);
			/* As ss -i; D-SACK's (an older module: 0, none). */
			if (x->xtcpi_reord_seen)
				printf(" reord_seen:%u", x->xtcpi_reord_seen);
			if (x->xtcpi_dsack_dups)
				printf(" dsack_dups:%u", x->xtcpi_dsack_dups);
			if (x->xtcpi_undos)
				printf(" undos:%u", x->xtcpi_undos);
			/* The last XTCP_PROBE (an older module: 0, none). */
			if (x->xtcpi_probe_result)
				printf(" probe:%s", probe_result_name(x->xtcpi_probe_result));
			if (x->xtcpi_probe_result == XTCP_PROBE_RESULT_ANSWERED)
				printf(" probe_rtt:%g", x->xtcpi_probe_rtt_us / 1000.0);
		}
	}
}

static void print_listing(void)
{
	int wl = strlen("Local Address:Port"), wp = strlen("Peer Address:Port");
	char local[64], peer[64];
	size_t i;

	if (opt.json) {
		printf("{\"connections\":[");
		for (i = 0; i < nentries; i++)
			print_json_entry(&entries[i], i == 0);
		printf("%s]}\n", nentries ? "\n" : "");
		return;
	}
	for (i = 0; i < nentries; i++) {
		entry_addrs(&entries[i], local, peer, sizeof(local));
		if ((int)strlen(local) > wl)
			wl = strlen(local);
		if ((int)strlen(peer) > wp)
			wp = strlen(peer);
	}
	if (!opt.no_header)
		printf("%-10s %-6s %-6s %-*s %-*s\n", "State", "Recv-Q", "Send-Q",
		       wl, "Local Address:Port", wp, "Peer Address:Port");
	for (i = 0; i < nentries; i++) {
		const struct entry *e = &entries[i];

		entry_addrs(e, local, peer, sizeof(local));
		printf("%-10s %-6u %-6u %-*s %-*s", state_name(e->m.xdiag_state),
		       e->m.xdiag_rqueue, e->m.xdiag_wqueue, wl, local, wp, peer);
		print_text_extras(e);
		putchar('\n');
	}
}

static void print_summary(void)
{
	static const char *const key[] = {
		"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets",
		"CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs",
		"OutRsts", "ListenOverflows", "ListenDrops", "SynQueueDrops",
		"TimeWait", "CurrTimeWait", "TimeWaitOverflow",
	};
	unsigned int per_state[XTCP_MAX_STATES] = { 0 };
	unsigned int orphans = 0, requests = 0;
	size_t i;
	int s;

	for (i = 0; i < nentries; i++) {
		const struct entry *e = &entries[i];

		per_state[e->m.xdiag_state]++;
		if (e->kind == XTCP_DIAG_KIND_REQUEST)
			requests++;
		else if (e->kind == XTCP_DIAG_KIND_SOCK && !e->m.xdiag_inode &&
			 e->m.xdiag_state != XTCP_LISTEN)
			orphans++;
	}
	if (opt.json) {
		bool first = true;

		printf("{\"summary\":{\"total\":%zu,\"requests\":%u,"
		       "\"without_inode\":%u,\"states\":{", nentries, requests, orphans);
		for (s = 1; s < XTCP_MAX_STATES; s++)
			printf("%s\"%s\":%u", s > 1 ? "," : "", state_name(s), per_state[s]);
		printf("},\"counters\":{");
		for (i = 0; i < ncounters; i++) {
			printf("%s", first ? "" : ",");
			first = false;
			json_str(counters[i].name);
			printf(":%" PRId64, counters[i].value);
		}
		printf("}}}\n");
		return;
	}
	printf("Total: %zu (%u SYN-queue requests, %u without a file)\n",
	       nentries, requests, orphans);
	printf("%-12s %s\n", "State", "Count");
	for (s = 1; s < XTCP_MAX_STATES; s++)
		printf("%-12s %u\n", state_name(s), per_state[s]);
	printf("\nCounters:");
	for (i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
		bool found;
		int64_t v = counter_value(key[i], &found);

		if (found)
			printf("%s %s %" PRId64, i % 4 ? "," : "\n ", key[i], v);
	}
	printf("\n");
}

/* ---- main --------------------------------------------------------------- */

static void enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !strchr(name, '/')) {
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		die(EXIT_RUNTIME, "network namespace \"%s\": %s", name, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die(EXIT_RUNTIME, "entering network namespace \"%s\": %s", name,
		    strerror(errno));
	close(fd);
}

/* The module's "family" parameter, when it moved AF_XTCP. */
static void read_family(void)
{
	FILE *f = fopen("/sys/module/xtcp/parameters/family", "r");
	int v;

	if (!f)
		return;
	if (fscanf(f, "%d", &v) == 1 && v > 0 && v < 256)
		xtcp_af = v;
	fclose(f);
}

int main(int argc, char **argv)
{
	enum { OPT_COUNTERS = 256 };
	static const struct option longopts[] = {
		{ "all",	no_argument,		NULL, 'a' },
		{ "listening",	no_argument,		NULL, 'l' },
		{ "numeric",	no_argument,		NULL, 'n' },
		{ "extended",	no_argument,		NULL, 'e' },
		{ "info",	no_argument,		NULL, 'i' },
		{ "options",	no_argument,		NULL, 'o' },
		{ "memory",	no_argument,		NULL, 'm' },
		{ "processes",	no_argument,		NULL, 'p' },
		{ "kill",	no_argument,		NULL, 'K' },
		{ "summary",	no_argument,		NULL, 's' },
		{ "events",	no_argument,		NULL, 'E' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "no-header",	no_argument,		NULL, 'H' },
		{ "net",	required_argument,	NULL, 'N' },
		{ "counters",	no_argument,		NULL, OPT_COUNTERS },
		{ "zeros",	no_argument,		NULL, 'z' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t states;
	uint8_t ext = 0;
	int c;

	while ((c = getopt_long(argc, argv, "alneiompKsEjHN:zhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': opt.all = true; break;
		case 'l': opt.listening = true; break;
		case 'n': opt.numeric = true; break;
		case 'z': break;	/* nothing is ever zeroed */
		case 'e': opt.extended = true; break;
		case 'i': opt.info = true; break;
		case 'o': opt.timers = true; break;
		case 'm': opt.memory = true; break;
		case 'p': opt.processes = true; break;
		case 'K': opt.kill = true; break;
		case 's': opt.summary = true; break;
		case 'E': opt.events = true; break;
		case 'j': opt.json = true; break;
		case 'H': opt.no_header = true; break;
		case 'N': opt.netns = optarg; break;
		case OPT_COUNTERS: opt.counters = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf(PROG " " XTCPSTAT_VERSION "\n"); return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	parse_filter(argc - optind, argv + optind);
	if ((opt.events + opt.counters + opt.summary + opt.kill) > 1)
		die(EXIT_USAGE, "-E, -s, -K and --counters exclude each other");

	if (opt.netns)
		enter_netns(opt.netns);
	read_family();

	if (opt.counters) {
		read_counters();
		print_counters();
		return 0;
	}
	if (opt.events)
		follow_events();

	if (opt.states_set)
		states = opt.states;
	else if (opt.all || opt.summary)
		states = SS_ALL;
	else if (opt.listening)
		states = S(XTCP_LISTEN);
	else
		states = SS_DEFAULT;
	if (opt.states_set && opt.listening && !opt.all)
		states &= S(XTCP_LISTEN);
	if (opt.info)
		ext |= XTCP_DIAG_EXT_INFO;
	if (opt.memory)
		ext |= XTCP_DIAG_EXT_MEMINFO;
	if (opt.timers)
		ext |= XTCP_DIAG_EXT_TIMERS;

	dump_connections(states, opt.summary ? 0 : ext);
	if (opt.processes)
		read_owners();
	if (opt.summary) {
		read_counters();
		print_summary();
		return 0;
	}
	if (opt.kill && kill_entries()) {
		print_listing();
		fflush(stdout);
		return EXIT_RUNTIME;
	}
	print_listing();
	if (fflush(stdout) == EOF)
		die(EXIT_RUNTIME, "writing the output: %s", strerror(errno));
	return 0;
}
