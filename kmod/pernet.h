/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything XTCP keeps per network namespace: the connection tables, the
 * sysctls and the counters. A socket only ever sees the xtcp_net of the
 * namespace it was created in.
 */
#ifndef _XTCP_PERNET_H
#define _XTCP_PERNET_H

#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

struct xtcp_cc_ops;

/* Counters, exported by /proc/net/xtcp/snmp in this order. */
#define XTCP_MIB_LIST(X)						\
	X(ACTIVEOPENS,		"ActiveOpens")				\
	X(PASSIVEOPENS,		"PassiveOpens")				\
	X(ATTEMPTFAILS,		"AttemptFails")				\
	X(ESTABRESETS,		"EstabResets")				\
	X(CURRESTAB,		"CurrEstab")				\
	X(INSEGS,		"InSegs")				\
	X(OUTSEGS,		"OutSegs")				\
	X(RETRANSSEGS,		"RetransSegs")				\
	X(INERRS,		"InErrs")				\
	X(INCSUMERRORS,		"InCsumErrors")				\
	X(INHDRERRORS,		"InHdrErrors")				\
	X(INBADFLAGS,		"InBadFlags")				\
	X(INBADOPTS,		"InBadOpts")				\
	X(INADDRERRORS,		"InAddrErrors")				\
	X(INNOSOCK,		"InNoSocket")				\
	X(OUTRSTS,		"OutRsts")				\
	X(INRSTS,		"InRsts")				\
	X(LISTENOVERFLOWS,	"ListenOverflows")			\
	X(LISTENDROPS,		"ListenDrops")				\
	X(SYNQUEUEDROPS,	"SynQueueDrops")			\
	X(SYNRETRANS,		"SynRetrans")				\
	X(SYNACKRETRANS,	"SynAckRetrans")			\
	X(TIMEWAIT,		"TimeWait")				\
	X(CURRTIMEWAIT,		"CurrTimeWait")				\
	X(TIMEWAITOVERFLOW,	"TimeWaitOverflow")			\
	X(TIMEWAITRECYCLED,	"TimeWaitRecycled")			\
	X(TIMEWAITKILLED,	"TimeWaitKilled")			\
	X(CHALLENGEACKS,	"ChallengeACKs")			\
	X(ACKSKIPPEDCHALLENGE,	"ACKSkippedChallenge")			\
	X(RSTIGNORED,		"RstIgnored")				\
	X(BACKLOGDROP,		"BacklogDrop")				\
	X(ABORTONDATA,		"AbortOnData")				\
	X(ABORTONCLOSE,		"AbortOnClose")				\
	X(ABORTONLINGER,	"AbortOnLinger")			\
	X(ABORTONTIMEOUT,	"AbortOnTimeout")			\
	X(FINWAIT2TIMEOUT,	"FinWait2Timeout")			\
	X(TIMEOUTS,		"Timeouts")				\
	X(OUTOFWINDOW,		"OutOfWindow")				\
	X(OFODROP,		"OFODrop")				\
	X(OFOQUEUE,		"OFOQueue")				\
	X(FASTRETRANS,		"FastRetrans")				\
	X(ZEROWINDOWPROBES,	"ZeroWindowProbes")			\
	X(DELAYEDACKS,		"DelayedACKs")				\
	X(RCVQDROP,		"RcvQueueDrop")				\
	X(REORDERSEEN,		"ReorderSeen")				\
	X(TAILLOSSPROBES,	"TailLossProbes")			\
	X(KEEPALIVEPROBES,	"KeepAliveProbes")			\
	X(SYNCOOKIESSENT,	"SyncookiesSent")			\
	X(SYNCOOKIESRECV,	"SyncookiesRecv")			\
	X(SYNCOOKIESFAILED,	"SyncookiesFailed")			\
	X(FILTERDROP,		"FilterDrop")				\
	X(OUTOFWINDOWICMPS,	"OutOfWindowIcmps")			\
	X(ACKSKIPPEDTIMEWAIT,	"ACKSkippedTimeWait")			\
	X(ABORTONMEMORY,	"AbortOnMemory")			\
	X(CURRORPHANS,		"CurrOrphans")				\
	X(ARRIVALSACCEPTED,	"ArrivalsAccepted")			\
	X(ARRIVALSREFUSED,	"ArrivalsRefused")			\
	X(ARRIVALSDROPPED,	"ArrivalsDropped")			\
	X(ARRIVALSTIMEDOUT,	"ArrivalsTimedOut")			\
	X(LIVEPROBES,		"LiveProbes")				\
	X(LIVEPROBESANSWERED,	"LiveProbesAnswered")			\
	X(LIVEPROBESTIMEDOUT,	"LiveProbesTimedOut")			\
	X(LIVEPROBEECHOES,	"LiveProbeEchoes")			\
	X(OUTGSOSKBS,		"OutGsoSkbs")				\
	X(INGSOSKBS,		"InGsoSkbs")				\
	X(GSOSEGMENTED,		"GsoSegmented")				\
	X(GROSKBS,		"GroSkbs")				\
	X(DSACKOLDSENT,		"DSACKOldSent")				\
	X(DSACKOFOSENT,		"DSACKOfoSent")				\
	X(DSACKRECV,		"DSACKRecv")				\
	X(DSACKUNDO,		"DSACKUndo")				\
	X(LOSSUNDO,		"LossUndo")				\
	X(SPURIOUSRTOS,		"SpuriousRTOs")				\
	X(RCVCOLLAPSED,		"RcvCollapsed")				\
	X(PAWSESTAB,		"PAWSEstab")				\
	X(PAWSTIMEWAIT,		"PAWSTimeWait")				\
	X(TIMEWAITREUSED,	"TimeWaitReused")				\
	X(PMTUDECREASED,	"PMTUDecreased")			\
	X(PMTUIGNORED,		"PMTUIgnored")				\
	X(PMTUBLACKHOLE,	"PMTUBlackhole")	\
	X(OUTZEROCOPYBYTES,	"OutZeroCopyBytes")			\
	X(INSPLICEDBYTES,	"InSplicedBytes")

#define XTCP_MIB_ENUM(id, name) XTCP_MIB_##id,
enum { XTCP_MIB_LIST(XTCP_MIB_ENUM) XTCP_MIB_MAX };
#undef XTCP_MIB_ENUM

struct xtcp_mib {
	long	mibs[XTCP_MIB_MAX];
};

/* A hash chain with its own lock. */
struct xtcp_hbucket {
	spinlock_t		lock;
	struct hlist_head	chain;
};

struct xtcp_htable {
	struct xtcp_hbucket	*buckets;
	unsigned int		mask;
};

/*
 * A bind bucket chain: every socket and TIME-WAIT entry using a local port
 * hashes here, so one lock covers all decisions about that port.
 */
struct xtcp_bbucket {
	spinlock_t		lock;
	struct hlist_head	socks;
	struct hlist_head	tws;
};

struct xtcp_bhash {
	struct xtcp_bbucket	*buckets;
	unsigned int		mask;
};

/* Sysctls under /proc/sys/net/xtcp/, one copy per namespace. */
struct xtcp_sysctl {
	int	local_port_range[2];
	int	tw_timeout_ms;
	int	max_tw_buckets;
	int	max_syn_backlog;
	int	somaxconn;
	int	syn_retries;
	int	synack_retries;
	int	fin_timeout_ms;
	int	rfc1337;
	int	retries2;
	int	challenge_ack_limit;
	int	challenge_ack_sock_limit;
	int	syncookies;
	int	rto_min_ms;
	int	rto_max_ms;
	int	delack_ms;
	int	frto;			/* F-RTO (RFC 5682): 0 off, 1 and 2 on */
	int	orphan_retries;
	int	max_orphans;
	int	arrival_timeout_ms;	/* XTCP_DEFER_HANDSHAKE: verdict deadline */
	int	moderate_rcvbuf;	/* receive-buffer autotuning on */
	int	rmem_max;		/* its cap, bytes */
	int	wmem_max;		/* the send buffer's growth cap */
	int	timestamps;		/* RFC 7323 timestamps offered and taken */
	int	tw_reuse_ok;		/* net.xtcp.tw_reuse (tw_reuse is a macro of
					 * inet_timewait_sock.h): connect() may take a
					 * TIME-WAIT 4-tuple (timewait.c) */
	int	tw_reuse_delay_ms;	/* ... this long after its last segment */
	int	mtu_probing;		/* PMTU black holes (pmtu.c): 0, 1, 2 as tcp_mtu_probing */
	int	base_mss;		/* the MSS a black hole first drops to */
	/* The algorithm new sockets get; never NULL. Read and written
	 * whole (READ_ONCE/WRITE_ONCE). */
	const struct xtcp_cc_ops *congestion_control;
};

struct xtcp_net {
	struct net		*net;
	struct xtcp_htable	ehash;	/* full sockets by 4-tuple */
	struct xtcp_htable	lhash;	/* listeners by local port */
	struct xtcp_bhash	bhash;	/* by local port: sockets and TIME-WAIT */
	struct xtcp_htable	twhash;	/* TIME-WAIT entries by 4-tuple */
	atomic_t		tw_count;
	/* Sockets closed by their application that still live (§7.4). */
	atomic_t		orphan_count;
	seqlock_t		port_range_lock;
	struct xtcp_sysctl	sysctl;
	struct ctl_table_header	*sysctl_hdr;
	struct xtcp_mib __percpu *mib;
	struct proc_dir_entry	*proc_dir;
	/* RFC 6056 algorithm 4 perturbation table. */
	u16			port_perturb[256];
	/* RFC 5961 4.2: the namespace's cap on challenge ACKs per second,
	 * above the per-socket budget (output.c). */
	spinlock_t		challenge_lock;
	unsigned long		challenge_stamp;
	u32			challenge_count;
};

extern unsigned int xtcp_net_id;

static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

static inline struct xtcp_net *xtcp_sk_net(const struct sock *sk)
{
	return xtcp_pernet(sock_net(sk));
}

#define XTCP_INC_STATS(xn, field) \
	this_cpu_inc((xn)->mib->mibs[XTCP_MIB_##field])
#define XTCP_DEC_STATS(xn, field) \
	this_cpu_dec((xn)->mib->mibs[XTCP_MIB_##field])
#define XTCP_ADD_STATS(xn, field, n) \
	this_cpu_add((xn)->mib->mibs[XTCP_MIB_##field], n)

long xtcp_mib_read(struct xtcp_net *xn, int field);
extern const char *const xtcp_mib_names[XTCP_MIB_MAX];

/* pernet.c */
int xtcp_pernet_init(void);
void xtcp_pernet_exit(void);
int xtcp_htable_alloc(struct xtcp_htable *t, unsigned int size);
void xtcp_htable_free(struct xtcp_htable *t);

/* sysctl.c */
void xtcp_sysctl_defaults(struct xtcp_sysctl *s);
int xtcp_sysctl_register(struct xtcp_net *xn);
void xtcp_sysctl_unregister(struct xtcp_net *xn);
void xtcp_local_port_range(struct xtcp_net *xn, int *low, int *high);

/* stats.c */
int xtcp_proc_init(struct xtcp_net *xn);
void xtcp_proc_exit(struct xtcp_net *xn);

#endif /* _XTCP_PERNET_H */
