/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP internal definitions shared by every file of the module.
 *
 * Locking, in the order locks may nest:
 *   listener socket lock  ->  child socket lock
 *   socket lock           ->  bind bucket lock  ->  ehash / twhash bucket lock
 * Bucket locks are always taken with spin_lock_bh() and never held while a
 * socket lock is taken. Receive processing runs under bh_lock_sock(); when a
 * user holds the socket the segment goes to the socket backlog.
 *
 * References on a full socket: one owned by the user (or by the accept queue
 * until accept()), one per hash table the socket is in, one per pending
 * timer (sk_reset_timer). An orphan keeps the user's reference until
 * xtcp_destroy_sock().
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/skbuff.h>
#include <linux/timer.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/tcp_states.h>
#include <linux/xtcp.h>
#include "compat.h"

extern int xtcp_family;
extern int xtcp_ipproto;
extern struct proto xtcp_prot;

#define XTCP_MSS_DEFAULT	536	/* RFC 9293 default when no option */
#define XTCP_INIT_RTO		HZ	/* RFC 6298 initial RTO */
#define XTCP_MAX_WSCALE		14
#define XTCP_TIMER_DEFER	2	/* jiffies to retry a timer when the user holds the socket */

/* Receive-path and send-path per-segment state, in skb->cb. */
struct xtcp_skb_cb {
	u32	seq;		/* first sequence number */
	u32	end_seq;	/* seq + SYN + data + FIN */
	u32	ack_seq;	/* received segments only */
	u32	when;		/* jiffies of last transmission */
	u16	window;		/* received, unscaled */
	u8	flags;		/* XTCP_F_* */
	u8	retrans;	/* times retransmitted */
	u8	sacked;		/* XTCP_SKB_* scoreboard bits */
	u16	advmss;		/* received: from the receiving device's MTU */
	/* Received segments: what the listener path needs after demux. */
	int	iif;
	u32	isn_hint;	/* from a recycled TIME-WAIT entry, 0: none */
	u64	xmit_us;	/* xtcp_clock_us() of the last transmission */
	/* Received with XTCP_SKB_TSTAMP: the Timestamps option (RFC 7323). */
	u32	tsval;
	u32	tsecr;
};
#define XTCP_SKB_CB(skb) ((struct xtcp_skb_cb *)&((skb)->cb[0]))

/* Scoreboard bits of a sent segment (recovery.c). */
#define XTCP_SKB_SACKED		0x01	/* the peer holds it (SACK) */
#define XTCP_SKB_LOST		0x02	/* presumed lost: retransmit */
#define XTCP_SKB_RETRANS	0x04	/* retransmitted, not yet acked */
#define XTCP_SKB_EVER_SACKED	0x08	/* SACKed once; an RTO keeps this bit (frto.c) */
/* Received segments: the answer to our liveness probe (never a dupack). */
#define XTCP_SKB_PROBE_ECHO	0x80
/* Received segments: tsval and tsecr hold the Timestamps option. */
#define XTCP_SKB_TSTAMP		0x40

/* Loss recovery state, as Linux's ca_state. */
enum {
	XTCP_CA_OPEN,		/* nothing wrong */
	XTCP_CA_DISORDER,	/* dupacks or SACKs seen, not yet a loss */
	XTCP_CA_RECOVERY,	/* fast retransmit / NewReno recovery */
	XTCP_CA_LOSS,		/* after an RTO */
};

#define XTCP_MAX_SACKS		4
struct xtcp_sack_block {
	u32	start;
	u32	end;
};

/*
 * Congestion control, behind a small ops table so that CUBIC and NewReno
 * sit next to each other without touching the loss-recovery code. The
 * window itself (cwnd, ssthresh) is common state: an algorithm keeps only
 * its own variables, in xtcp_sock.cc_priv, so that switching algorithms on
 * a live connection (TCP_CONGESTION) keeps the window, as Linux does.
 */
#define XTCP_CA_NAME_MAX	16	/* TCP_CA_NAME_MAX, of net/tcp.h */
#define XTCP_CC_PRIV_U32	10

struct xtcp_cc_ops {
	/* A full array: getsockopt copies up to 16 bytes of it, as TCP. */
	char name[XTCP_CA_NAME_MAX];
	/* Reset the algorithm's own state (cc_priv); not the window. */
	void (*init)(struct sock *sk);
	/* New ssthresh on loss (entering Recovery, or an RTO). */
	u32 (*ssthresh)(struct sock *sk);
	/* @acked segments newly acknowledged while not in recovery. */
	void (*cong_avoid)(struct sock *sk, u32 acked);
};

/* The parsed options of a received segment. */
struct xtcp_opts {
	u16	mss;		/* 0: not present */
	u8	wscale;
	u8	wscale_ok:1,
		sack_ok:1,	/* SACK-permitted (SYN) */
		tstamp:1;	/* Timestamps (RFC 7323, any segment) */
	u8	num_sacks;	/* SACK blocks (any segment) */
	u8	probe_kind;	/* XTCP_OPT_PROBE(_ECHO), 0: none */
	u32	probe_nonce;
	u32	tsval;		/* with tstamp */
	u32	tsecr;
	struct {
		u32 start, end;
	} sacks[4];
};

/* A listener's accept queue and SYN queue. */
struct xtcp_listen_state {
	struct list_head	accept_q;	/* established children, FIFO */
	struct hlist_head	*req_hash;	/* SYN-RECV request entries */
	unsigned int		req_mask;
	unsigned int		syn_qlen;
	unsigned long		cookie_stamp;	/* jiffies of the last SYN cookie, 0: none */
	/* XTCP_DEFER_HANDSHAKE: requests waiting for a verdict, oldest first. */
	struct list_head	arrivals;
	unsigned int		arrivals_untaken;	/* not yet read by XTCP_ARRIVAL: POLLPRI */
	unsigned int		arrivals_waiting;	/* all without a verdict */
	u64			arrival_seq;		/* the last xa_id given */
	u32			reuseport_key;	/* SO_REUSEPORT: this member's hash key */
};

struct xtcp_sock {
	struct inet_sock	inet;		/* must be first */

	struct hlist_node	ehash_node;	/* by 4-tuple, once connected */
	struct hlist_node	bind_node;	/* by local port */
	struct hlist_node	listen_node;	/* listeners by local port */
	u8			in_ehash:1,
				in_bhash:1,
				in_lhash:1,
				user_bound:1,	/* bind() chose the port: keep it */
				fin_queued:1,	/* FIN is in the write queue */
				fin_acked:1,
				destroyed:1,
				nodelay:1,
				wscale_ok:1,	/* both ends agreed on scaling */
				orphan_counted:1, /* in xn->orphan_count */
				defer_handshake:1; /* XTCP_DEFER_HANDSHAKE */
	u8			close_reason;	/* XTCP_CLOSE_* */
	struct sk_buff		*send_head;	/* first unsent skb of the write queue */
	u32			copied_seq;	/* next byte recvmsg() hands out */
	u16			user_mss;	/* XTCP_MAXSEG, 0: none */
	u32			snd_cwnd;	/* segments */
	u32			snd_ssthresh;
	u32			snd_cwnd_cnt;	/* congestion avoidance counter */
	const struct xtcp_cc_ops *cc;
	u32			cc_priv[XTCP_CC_PRIV_U32];	/* the algorithm's */
	/* The scoreboard (recovery.c), in segments of the write queue. */
	u32			packets_out;
	u32			sacked_out;
	u32			lost_out;
	u32			retrans_out;
	u32			high_seq;	/* RFC 6582 "recover" */
	u32			dupacks;
	u8			ca_state;
	u8			sack_ok:1,	/* both ends sent SACK-permitted */
				corked:1,	/* MSG_MORE: hold a partial segment */
				user_cork:1,	/* TCP_CORK: as MSG_MORE on every send */
				ack_pending:1,	/* data received, ACK owed */
				quickack:1,	/* next ACK at once (a hole was filled) */
				tlp_armed:1,	/* rtx_timer is a tail loss probe */
				tlp_sent:1,	/* one probe per flight */
				ts_ok:1;	/* Timestamps on (RFC 7323): offered in SYN-SENT */
	u8			segs_unacked;	/* received since our last ACK */
	u16			rcv_mss;	/* largest segment (gso_size) seen, 0: none yet */
	u8			quickacks;	/* ACKs still to send at once (TCP's quick-ACK mode) */
	u8			zc_more:1,	/* sendfile/splice: more follows, MSG_MORE
						   (xtcp_gso_defer(), §11.10) */
				zc_notlast:1;	/* ... within this very call (6.1 sendpage) */
	u8			pingpong;	/* interactive: our data answers the peer's (TCP's pingpong) */
	unsigned long		lrcvtime;	/* jiffies: data received last, or the handshake */
	/* Receive-buffer autotuning (rcvbuf.c); times are xtcp_clock_us()
	 * cut to 32 bits, 0: none. */
	u32			rcv_rtt_us;	/* receiver's RTT estimate */
	u32			rcv_rtt_seq;	/* sample ends when RCV.NXT gets here */
	u32			rcv_rtt_time;
	u32			rcvq_space;	/* bytes the reader took in the last RTT */
	u32			rcvq_seq;	/* COPIED.SEQ at the start of this one */
	u32			rcvq_time;
	u32			retrans_stamp;	/* xtcp_time() the oldest unacked data left, 0: none */
	u32			reordering;	/* segments of reordering seen: the dupthresh */
	u32			reord_seen;	/* reordering events (tcpi_reord_seen) */
	u32			fack_seq;	/* end of the highest SACKed segment */
	u32			prior_fack;	/* fack_seq before the ACK in hand */
	u64			rack_us;	/* send time of the newest delivered segment, 0: none */
	/* D-SACK (RFC 2883) on the sender (undo.c): undoing a reduction whose
	 * retransmissions all proved spurious, and RACK's reordering window. */
	u32			undo_marker;	/* SND.UNA when the reduction began */
	u32			undo_retrans;	/* its retransmissions not yet D-SACKed */
	u32			prior_cwnd;	/* cwnd and ssthresh before it */
	u32			prior_ssthresh;
	u32			rack_dsack_seq;	/* SND.NXT when reo_wnd last grew */
	u32			dsack_dups;	/* segments D-SACKed (tcpi_dsack_dups) */
	u32			undos;		/* reductions undone */
	u8			undo_armed:1,	/* undo_marker is valid */
				undo_sent:1,	/* the reduction retransmitted something */
				ack_dsack:1,	/* the ACK in hand carries a D-SACK */
				rack_dsack_wait:1, /* reo_wnd grew less than an RTT ago */
				undo_rto:1,	/* the reduction to undo includes an RTO's */
				frto:1,		/* F-RTO judges this Loss (frto.c) */
				frto_new:1,	/* F-RTO 2b: the next push sends new data */
				ack_orig:1;	/* the ACK in hand (s)acked data sent once, before the RTO */
	u8			rack_reo_steps;	/* reo_wnd in quarters of the RTT, 1..4 */
	u8			rack_reo_persist; /* recoveries before steps return to 1 */
	/* Receive side: out-of-order queue and the SACK blocks to send. */
	struct rb_root		ooo_queue;
	u32			ooo_last_seq;	/* most recent out-of-order arrival */
	u32			ooo_segs;	/* skbs in ooo_queue: read without the lock */
	u8			num_sacks;
	u8			dsack;		/* dsack_blk goes first in the next ACK */
	struct xtcp_sack_block	sacks[XTCP_MAX_SACKS];
	struct xtcp_sack_block	dsack_blk;	/* a duplicate received (RFC 2883) */
	struct timer_list	delack_timer;
	int			keepidle;	/* seconds, 0: 7200 (as TCP) */
	int			keepintvl;
	int			keepcnt;
	u32			user_timeout;	/* ms (RFC 5482), 0: retries2 decides */
	unsigned long		last_data_sent;	/* jiffies */
	unsigned long		last_data_recv;
	unsigned long		rcv_tstamp;	/* last segment from the peer */
	u8			probes_out;	/* unanswered keepalive probes */
	/* XTCP_PROBE, the liveness probe (probe.c, docs/protocol.md §31). */
	u8			probe_state;	/* XTCP_PROBE_RESULT_* */
	u8			tx_probe_kind;	/* option of the bare segment being sent */
	u32			tx_probe_nonce;
	u32			probe_nonce;	/* of the outstanding probe */
	u32			probe_rtt_us;
	u64			probe_sent_us;	/* xtcp_clock_us() of its first send */
	unsigned long		probe_deadline;	/* jiffies */

	/* Send sequence space (RFC 9293 3.3.1). */
	u32			iss;
	u32			snd_una;
	u32			snd_nxt;
	u32			snd_wnd;	/* scaled */
	u32			max_snd_wnd;
	u32			snd_wl1;
	u32			snd_wl2;
	u32			write_seq;	/* next sequence number to queue */
	/* Receive sequence space. */
	u32			irs;
	u32			rcv_nxt;
	u32			rcv_wnd;	/* last advertised, scaled */
	u32			rcv_wup;	/* rcv_nxt when rcv_wnd was sent */
	u8			snd_wscale;	/* peer's shift */
	u8			rcv_wscale;	/* our shift */
	u16			mss;		/* effective send MSS */
	u16			peer_mss;
	u16			advmss;
	/* Path MTU (pmtu.c). */
	u32			pmtu_cookie;	/* the route MTU mss was computed for, 0: none yet */
	u32			mtu_info;	/* ICMP's MTU while the socket was owned, 0: none */
	u32			mtu_probe_low;	/* black-hole limit (MTU), 0: none */
	u32			mtu_probe_una;	/* SND.UNA when it was last lowered */

	/* Retransmission (RFC 6298). */
	u32			srtt_us;	/* smoothed RTT << 3 */
	u32			rttvar_us;	/* RTT variance << 2 */
	u32			rto;		/* jiffies */
	u8			retransmits;	/* consecutive, for backoff */
	u8			backoff;
	u8			syn_retries;	/* XTCP_SYNCNT, 0 = sysctl */
	u32			total_retrans;
	unsigned long		rtx_expires;
	struct timer_list	rtx_timer;	/* SYN, data, FIN, persist */
	/* sk->sk_timer is the keepalive / FIN-WAIT-2 timer. */

	/* Listener state (valid while LISTEN). */
	struct xtcp_listen_state lq;
	struct list_head	accept_node;	/* child: in parent's accept_q */
	struct sock		*parent;	/* child: until accepted */

	/* Counters for xtcp_info and diag. */
	u64			bytes_sent;	/* new data, each byte once */
	u64			bytes_retrans;	/* data sent again (tcpi_bytes_retrans) */
	u64			bytes_acked;
	u64			bytes_received;
	u32			segs_in;
	u32			segs_out;
	unsigned long		last_challenge;	/* rate limit of dup ACKs */
	u32			challenge_count;
	u32			challenge_sec;	/* RFC 5961 budget: its second */
	u32			challenge_left;	/* and what is left of it */
	/* RFC 7323 timestamps (timestamps.c). */
	u32			ts_offset;	/* added to xtcp_ts_now() in TSval */
	u32			ts_recent;	/* TS.Recent: the peer's TSval to echo */
	u32			ts_recent_stamp; /* seconds (ktime_get_seconds()) it was taken, 0: never */
	u32			ack_tsecr;	/* TSecr of the ACK in hand, 0: none (xtcp_clean_rtx_queue()) */
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

static inline struct sock *xtcp_to_sk(struct xtcp_sock *xs)
{
	return &xs->inet.sk;
}

/* A 32-bit jiffies clock for per-segment times (compare with s32 diffs). */
static inline u32 xtcp_time(void)
{
	return (u32)jiffies;
}

/*
 * The timestamp clock (RFC 7323 TSval, timestamps.c): milliseconds, the
 * resolution XTCP's protocol defines, so that a peer's RTT and the
 * TIME-WAIT reuse delay (timewait.c) read the same unit.
 */
static inline u32 xtcp_ts_now(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/* main.c: test-only seconds added to the RACK clock (selftest_clock_skew). */
extern unsigned int xtcp_clock_skew;

/*
 * A 64-bit microsecond clock for loss detection by time (RACK), as
 * Linux's tcp_mstamp: it never wraps, so send times of any age compare
 * correctly (a 32-bit one, compared as s32, inverts after 36 minutes).
 * Never 0, which means "none" in rack_us.
 */
static inline u64 xtcp_clock_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC) + 1 +
	       (u64)READ_ONCE(xtcp_clock_skew) * USEC_PER_SEC;
}

/* Wire segments in @skb: a large (GSO) one carries gso_segs. */
static inline u32 xtcp_skb_segs(const struct sk_buff *skb)
{
	return skb_is_gso(skb) ? max_t(u32, skb_shinfo(skb)->gso_segs, 1) : 1;
}

/* Sequence number arithmetic modulo 2^32. */
static inline bool xtcp_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}
#define xtcp_after(a, b) xtcp_before(b, a)
static inline bool xtcp_between(u32 seq, u32 lo, u32 hi)
{
	return hi - lo >= seq - lo;	/* lo <= seq <= hi */
}

/* Why a connection ended, reported by events and diag. */
enum {
	XTCP_CLOSE_NONE,
	XTCP_CLOSE_NORMAL,	/* FIN exchange completed */
	XTCP_CLOSE_RESET_RCVD,
	XTCP_CLOSE_RESET_SENT,
	XTCP_CLOSE_TIMEOUT,
	XTCP_CLOSE_REFUSED,
	XTCP_CLOSE_LISTENER,	/* listener closed with us queued */
};

/* main.c */
extern siphash_key_t xtcp_secret;

/* sockopt.c */
int xtcp_setsockopt(struct socket *sock, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int xtcp_getsockopt(struct socket *sock, int level, int optname,
		    char __user *optval, int __user *optlen);
void xtcp_get_info(struct sock *sk, struct xtcp_info *info);	/* also diag.c */

/* socket.c */
int xtcp_socket_init(void);
void xtcp_socket_exit(void);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_init_sock(struct sock *sk);
void xtcp_destroy_sock(struct sock *sk);

/* state.c */
const char *xtcp_state_name(int state);
void xtcp_set_state(struct sock *sk, int state);
void xtcp_done(struct sock *sk);
void xtcp_reset(struct sock *sk, int err);
int xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb);
bool xtcp_close_state(struct sock *sk);
void xtcp_enter_time_wait(struct sock *sk);

/* connect.c */
u8 xtcp_choose_wscale(const struct sock *sk);
u16 xtcp_mss_for_mtu(u32 mtu);
void xtcp_sync_mss(struct sock *sk);

/* pmtu.c */
#define XTCP_MIN_MSS	88	/* the smallest send MSS (xtcp_mss_for_mtu()) */
u32 xtcp_path_mtu(const struct xtcp_sock *xs);
void xtcp_pmtu_init(struct sock *sk);
void xtcp_pmtu_icmp(struct sock *sk, u32 mtu);
void xtcp_pmtu_check(struct sock *sk);
void xtcp_pmtu_rto(struct sock *sk);
u32 xtcp_mark_lost_larger(struct sock *sk, u32 mss);
void xtcp_reset_conn_state(struct sock *sk);
int xtcp_connect(struct socket *sock, struct sockaddr *uaddr, int addr_len,
		 int flags);
int xtcp_rcv_synsent(struct sock *sk, struct sk_buff *skb);

/* listen.c */
int xtcp_listen(struct socket *sock, int backlog);
int xtcp_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern);
void xtcp_listen_stop(struct sock *sk);
int xtcp_abort(struct sock *sk, int err);
void xtcp_acceptq_add(struct sock *parent, struct sock *child);

/* synqueue.c */
int xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_synq_purge(struct sock *sk);
void xtcp_synq_reset(struct sock *sk);
int xtcp_synq_alloc(struct sock *sk, unsigned int backlog);
void xtcp_synq_free(struct sock *sk);
int xtcp_synq_init(void);
void xtcp_synq_exit(void);
int xtcp_arrival_take(struct sock *sk, struct xtcp_arrival *xa);
int xtcp_arrival_verdict(struct sock *sk, u64 id, u32 verdict);

/* input.c */
int xtcp_v4_rcv(struct sk_buff *skb);
int xtcp_v4_err(struct sk_buff *skb, u32 info);
int xtcp_parse_options(const struct sk_buff *skb, struct xtcp_opts *opts);

/* output.c */
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb, bool clone);
void xtcp_push(struct sock *sk);
u32 xtcp_push_goal(const struct sock *sk);
int xtcp_send_syn(struct sock *sk);
void xtcp_send_ack(struct sock *sk);
void xtcp_send_fin(struct sock *sk);
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp);
void xtcp_send_reset_reply(struct net *net, struct sk_buff *skb);
void xtcp_send_ctl(struct net *net, __be32 saddr, __be32 daddr,
		   __be16 sport, __be16 dport, u32 seq, u32 ack, u8 flags,
		   u16 window, const struct xtcp_opts *opts, u8 tos, int oif);
void xtcp_send_challenge_ack(struct sock *sk);
void xtcp_send_probe(struct sock *sk);
void xtcp_send_probe_opt(struct sock *sk, u32 seq, u8 kind, u32 nonce);
int xtcp_retransmit_head(struct sock *sk);
int xtcp_send_new(struct sock *sk);
void xtcp_retransmit_lost(struct sock *sk, struct sk_buff *skb);
void xtcp_tail_loss_probe(struct sock *sk);
u16 xtcp_select_window(struct sock *sk);
u32 xtcp_rcv_space(const struct sock *sk);
void xtcp_write_queue_purge(struct sock *sk);

/* offload.c */
int xtcp_offload_init(void);
void xtcp_offload_exit(void);
unsigned int xtcp_gso_type(void);
unsigned int xtcp_gso_size(unsigned int mss, unsigned int thlen);
#define XTCP_GSO_HDR_EXTRA	(XTCP_HDR_LEN - 12)	/* in gso_size, see offload.c */

/* gro.c */
struct sk_buff *xtcp_gro_receive(struct list_head *head, struct sk_buff *skb);
int xtcp_gro_complete(struct sk_buff *skb, int thoff);
void xtcp_gro_drain(void);

/* rcvbuf.c */
void xtcp_rcv_rtt_measure(struct sock *sk);
void xtcp_rcv_space_adjust(struct sock *sk);
void xtcp_rcvq_collapse(struct sock *sk);
bool xtcp_rcvq_copy_in(struct sock *sk, struct sk_buff *skb, unsigned int limit);
void xtcp_sndbuf_expand(struct sock *sk);
u32 xtcp_rcvbuf_max(const struct sock *sk);

/* timers.c */
void xtcp_init_timers(struct sock *sk);
void xtcp_clear_timers(struct sock *sk);
void xtcp_rearm_rtx(struct sock *sk);
void xtcp_arm_rtx(struct sock *sk, unsigned long when);
void xtcp_arm_fin_wait2(struct sock *sk);
void xtcp_keepalive_start(struct sock *sk);
void xtcp_set_keepalive(struct sock *sk, int on);

/* cc.c */
void xtcp_cc_init(struct sock *sk);
void xtcp_cc_inherit(struct sock *child, const struct sock *parent);
const struct xtcp_cc_ops *xtcp_cc_find(const char *name);
int xtcp_cc_set(struct sock *sk, const char *name);
u32 xtcp_in_flight(const struct xtcp_sock *xs);
bool xtcp_cc_app_limited(const struct xtcp_sock *xs, u32 acked);
void xtcp_cc_slow_start(struct xtcp_sock *xs, u32 acked);

/* reno.c, cubic.c */
extern const struct xtcp_cc_ops xtcp_reno;
extern const struct xtcp_cc_ops xtcp_cubic;

/* undo.c */
void xtcp_undo_init(struct sock *sk);
void xtcp_undo_retransmitted(struct sock *sk);
u64 xtcp_rack_reo_wnd(const struct xtcp_sock *xs);
void xtcp_rack_recovery_ended(struct xtcp_sock *xs);
bool xtcp_dsack_rcv(struct sock *sk, const struct xtcp_opts *o, u32 ack);
void xtcp_try_undo(struct sock *sk);
void xtcp_undo_spurious_rto(struct sock *sk);

/* frto.c */
void xtcp_frto_enter(struct sock *sk, bool new_episode);
void xtcp_frto_note_acked(struct xtcp_sock *xs, const struct xtcp_skb_cb *cb);
bool xtcp_frto_ack(struct sock *sk, bool progress, u32 sacked, bool dupack);

/* reassembly.c: D-SACK blocks to send */
void xtcp_dsack_set(struct sock *sk, u32 start, u32 end, bool ofo);

/* recovery.c */
u32 xtcp_sacktag(struct sock *sk, const struct sk_buff *ack_skb);
void xtcp_ack_recovery(struct sock *sk, u32 prior_una, u32 acked_segs,
		       u32 sacked_segs, bool dupack);
void xtcp_enter_loss(struct sock *sk);
void xtcp_rack_delivered(struct sock *sk, const struct sk_buff *skb);
void xtcp_reorder_check(struct sock *sk, const struct sk_buff *skb);
struct sk_buff *xtcp_next_lost(struct sock *sk);

/* reassembly.c */
int xtcp_ofo_queue(struct sock *sk, struct sk_buff *skb);
bool xtcp_ofo_drain(struct sock *sk);
void xtcp_ofo_purge(struct sock *sk);
void xtcp_ofo_prune(struct sock *sk, unsigned int need, unsigned int limit);
void xtcp_build_sacks(struct sock *sk);

/* probe.c */
int xtcp_set_probe(struct socket *sock, sockptr_t optval, unsigned int optlen);
bool xtcp_probe_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_probe_answered(struct sock *sk);

/* rtt.c */
void xtcp_rtt_sample(struct sock *sk, long rtt_us);
void xtcp_rtt_init(struct sock *sk);
struct xtcp_net;
unsigned long xtcp_initial_rto(struct xtcp_net *xn);

/* secure.c */
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 xtcp_port_offset(__be32 saddr, __be32 daddr, __be16 dport);

/* timestamps.c: RFC 7323 (docs/protocol.md §32). */
#define XTCP_TS_OPT_LEN		12	/* NOP, NOP, kind 8, len 10, TSval, TSecr */
u32 xtcp_ts_offset(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
void xtcp_ts_init(struct sock *sk, bool offer);
u32 xtcp_tsval(const struct sock *sk);
void xtcp_ts_fill_opts(const struct sock *sk, struct xtcp_opts *o);
void xtcp_ts_take_syn(struct sock *sk, const struct sk_buff *skb);
bool xtcp_paws_reject(const struct sock *sk, const struct sk_buff *skb);
void xtcp_ts_update_recent(struct sock *sk, const struct sk_buff *skb);
long xtcp_ts_rtt_us(const struct sock *sk, u32 tsecr);

/* syncookies.c */
struct xtcp_cookie_opts {
	u16	mss;		/* the peer's, rounded down to the table */
	u8	wscale;		/* the peer's shift */
	u8	wscale_ok:1,
		sack_ok:1;
};
u32 xtcp_syncookie_make(const struct net *net, __be32 laddr, __be32 raddr,
			__be16 lport, __be16 rport, u32 irs,
			struct xtcp_cookie_opts *co);
int xtcp_syncookie_check(const struct net *net, __be32 laddr, __be32 raddr,
			 __be16 lport, __be16 rport, u32 irs, u32 iss,
			 struct xtcp_cookie_opts *co);

/* stream.c */
int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
/*
 * Fragments that are not the socket's own (page cache, zero copy: 11.10)
 * keep SKBFL_SHARED_FRAG in every skb made from them, so a software
 * checksum copies them first (skb_checksum_help(), skb_segment()).
 */
static inline void xtcp_skb_shared_frag_copy(struct sk_buff *to,
					     const struct sk_buff *from)
{
	skb_shinfo(to)->flags |= skb_shinfo(from)->flags & SKBFL_SHARED_FRAG;
}

#ifdef XTCP_HAVE_SENDPAGE
ssize_t xtcp_sendpage(struct socket *sock, struct page *page, int offset,
		      size_t size, int flags);
#endif
int xtcp_read_sock(struct sock *sk, read_descriptor_t *desc,
		   sk_read_actor_t recv_actor);
ssize_t xtcp_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags);
int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags);
int xtcp_data_queue(struct sock *sk, struct sk_buff *skb, bool *fin);
u32 xtcp_clean_rtx_queue(struct sock *sk, u32 ack);
void xtcp_ack_schedule(struct sock *sk);
void xtcp_pingpong_sent(struct sock *sk);
void xtcp_write_space(struct sock *sk);
void xtcp_cleanup_rbuf(struct sock *sk, int copied);

#endif /* _XTCP_H */
