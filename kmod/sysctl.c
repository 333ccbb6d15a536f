// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sys/net/xtcp/: one table per namespace, writable by CAP_NET_ADMIN
 * in the namespace's owning user namespace. Out-of-range writes fail with
 * EINVAL and leave the value as it was.
 */
#include <linux/mutex.h>
#include <linux/sysctl.h>
#include <linux/slab.h>
#include "xtcp.h"
#include "pernet.h"

static int xtcp_zero;
static int xtcp_one = 1;
static int xtcp_max_port = 65535;
static int xtcp_max_retries = 127;
static int xtcp_max_ms = 3600 * 1000;
static int xtcp_ten = 10;
static int xtcp_rto_cap = 120000;
static int xtcp_delack_cap = 200;
static int xtcp_two = 2;
static int xtcp_arrival_cap = 600000;
static int xtcp_buf_min = 4096;
static int xtcp_buf_cap = 256 << 20;
/* base_mss: what xtcp_mss_for_mtu() can give. */
static int xtcp_min_mss = XTCP_MIN_MSS;
static int xtcp_max_mss = 65535 - 40;
/* Below the 65.5 s a TIME-WAIT entry's 16-bit millisecond stamp spans. */
static int xtcp_tw_reuse_delay_cap = 60000;

void xtcp_sysctl_defaults(struct xtcp_sysctl *s)
{
	s->local_port_range[0] = 32768;
	s->local_port_range[1] = 60999;
	s->tw_timeout_ms = 60000;
	s->max_tw_buckets = 262144;
	s->max_syn_backlog = 1024;
	s->somaxconn = 4096;
	s->syn_retries = 6;
	s->synack_retries = 5;
	s->fin_timeout_ms = 60000;
	s->rfc1337 = 0;
	s->retries2 = 15;
	s->challenge_ack_limit = 1000;
	s->challenge_ack_sock_limit = 10;
	s->syncookies = 1;
	s->rto_min_ms = 200;
	s->rto_max_ms = 120000;
	s->delack_ms = 40;
	s->frto = 2;			/* as tcp_frto */
	s->orphan_retries = 8;
	s->max_orphans = 65536;
	s->arrival_timeout_ms = 5000;
	s->moderate_rcvbuf = 1;		/* as tcp_moderate_rcvbuf */
	s->rmem_max = 6291456;		/* tcp_rmem[2]'s usual 6 MB */
	s->wmem_max = 4194304;		/* tcp_wmem[2]'s 4 MB */
	s->timestamps = 1;		/* as tcp_timestamps */
	s->tw_reuse_ok = 1;		/* tcp_tw_reuse's 2 is loopback only */
	s->tw_reuse_delay_ms = 100;	/* tcp_tw_reuse_delay's is 1000 */
	s->mtu_probing = 1;		/* tcp_mtu_probing's is 0: black holes kill */
	s->base_mss = 1024;		/* as tcp_base_mss */
	s->congestion_control = &xtcp_cubic;	/* as Linux's default */
}

void xtcp_local_port_range(struct xtcp_net *xn, int *low, int *high)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&xn->port_range_lock);
		*low = xn->sysctl.local_port_range[0];
		*high = xn->sysctl.local_port_range[1];
	} while (read_seqretry(&xn->port_range_lock, seq));
}

/* Both ends in [1, 65535] and low <= high, or nothing changes. */
static int xtcp_port_range_handler(xtcp_ctl_table_t *table, int write,
				   void *buffer, size_t *lenp, loff_t *ppos)
{
	struct xtcp_net *xn;
	int range[2];
	struct ctl_table tmp = {
		.data = range,
		.maxlen = sizeof(range),
		.mode = table->mode,
		.extra1 = &xtcp_one,
		.extra2 = &xtcp_max_port,
	};
	int ret;

	xn = container_of(table->data, struct xtcp_net,
			  sysctl.local_port_range);
	xtcp_local_port_range(xn, &range[0], &range[1]);
	ret = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (write && !ret) {
		if (range[1] < range[0])
			return -EINVAL;
		write_seqlock_bh(&xn->port_range_lock);
		xn->sysctl.local_port_range[0] = range[0];
		xn->sysctl.local_port_range[1] = range[1];
		write_sequnlock_bh(&xn->port_range_lock);
	}
	return ret;
}

/*
 * rto_min_ms and rto_max_ms each within [10, 120000] and, together,
 * min <= max: a write that would cross the other one fails with EINVAL
 * and changes nothing (the RTO is clamped between the two).
 */
static int xtcp_rto_handler(xtcp_ctl_table_t *table, int write,
			    void *buffer, size_t *lenp, loff_t *ppos)
{
	static DEFINE_MUTEX(xtcp_rto_lock);	/* one writer of the pair */
	bool is_min = !strcmp(table->procname, "rto_min_ms");
	struct xtcp_sysctl *s;
	struct ctl_table tmp = *table;
	int val, ret;

	s = is_min ? container_of((int *)table->data, struct xtcp_sysctl,
				  rto_min_ms) :
		     container_of((int *)table->data, struct xtcp_sysctl,
				  rto_max_ms);
	mutex_lock(&xtcp_rto_lock);
	val = READ_ONCE(*(int *)table->data);
	tmp.data = &val;
	ret = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (write && !ret) {
		if (is_min ? val > READ_ONCE(s->rto_max_ms) :
			     val < READ_ONCE(s->rto_min_ms))
			ret = -EINVAL;
		else
			WRITE_ONCE(*(int *)table->data, val);
	}
	mutex_unlock(&xtcp_rto_lock);
	return ret;
}

/*
 * congestion_control: the name of one of the module's algorithms (cc.c).
 * A write of any other name fails with ENOENT and changes nothing, as
 * net.ipv4.tcp_congestion_control does for a name without a module; the
 * name is cut at 15 bytes as there.
 */
static int xtcp_cc_handler(xtcp_ctl_table_t *table, int write,
			   void *buffer, size_t *lenp, loff_t *ppos)
{
	const struct xtcp_cc_ops **cc = table->data;
	char name[XTCP_CA_NAME_MAX];
	struct ctl_table tmp = {
		.data = name,
		.maxlen = sizeof(name),
	};
	const struct xtcp_cc_ops *ops;
	int ret;

	strscpy(name, READ_ONCE(*cc)->name, sizeof(name));
	ret = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	ops = xtcp_cc_find(name);
	if (!ops)
		return -ENOENT;
	WRITE_ONCE(*cc, ops);
	return 0;
}

#define XTCP_RTO_ENTRY(field) {						\
	.procname	= #field,					\
	.data		= &((struct xtcp_sysctl *)0)->field,		\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= xtcp_rto_handler,				\
	.extra1		= &xtcp_ten,					\
	.extra2		= &xtcp_rto_cap,				\
}

#define XTCP_INT_ENTRY(field, lo, hi) {					\
	.procname	= #field,					\
	.data		= &((struct xtcp_sysctl *)0)->field,		\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
	.extra1		= lo,						\
	.extra2		= hi,						\
}

static const struct ctl_table xtcp_sysctl_template[] = {
	{
		.procname	= "local_port_range",
		.data		= &((struct xtcp_sysctl *)0)->local_port_range,
		.maxlen		= 2 * sizeof(int),
		.mode		= 0644,
		.proc_handler	= xtcp_port_range_handler,
	},
	XTCP_INT_ENTRY(tw_timeout_ms, &xtcp_one, &xtcp_max_ms),
	XTCP_INT_ENTRY(max_tw_buckets, &xtcp_zero, NULL),
	XTCP_INT_ENTRY(max_syn_backlog, &xtcp_one, NULL),
	XTCP_INT_ENTRY(somaxconn, &xtcp_zero, NULL),
	XTCP_INT_ENTRY(syn_retries, &xtcp_one, &xtcp_max_retries),
	XTCP_INT_ENTRY(synack_retries, &xtcp_one, &xtcp_max_retries),
	XTCP_INT_ENTRY(fin_timeout_ms, &xtcp_one, &xtcp_max_ms),
	XTCP_INT_ENTRY(rfc1337, &xtcp_zero, &xtcp_one),
	XTCP_INT_ENTRY(retries2, &xtcp_one, &xtcp_max_retries),
	XTCP_INT_ENTRY(challenge_ack_limit, &xtcp_zero, NULL),
	XTCP_INT_ENTRY(challenge_ack_sock_limit, &xtcp_zero, NULL),
	XTCP_INT_ENTRY(syncookies, &xtcp_zero, &xtcp_two),
	XTCP_RTO_ENTRY(rto_min_ms),
	XTCP_RTO_ENTRY(rto_max_ms),
	XTCP_INT_ENTRY(delack_ms, &xtcp_one, &xtcp_delack_cap),
	XTCP_INT_ENTRY(frto, &xtcp_zero, &xtcp_two),
	XTCP_INT_ENTRY(orphan_retries, &xtcp_one, &xtcp_max_retries),
	XTCP_INT_ENTRY(max_orphans, &xtcp_zero, NULL),
	XTCP_INT_ENTRY(arrival_timeout_ms, &xtcp_ten, &xtcp_arrival_cap),
	XTCP_INT_ENTRY(moderate_rcvbuf, &xtcp_zero, &xtcp_one),
	XTCP_INT_ENTRY(rmem_max, &xtcp_buf_min, &xtcp_buf_cap),
	XTCP_INT_ENTRY(wmem_max, &xtcp_buf_min, &xtcp_buf_cap),
	XTCP_INT_ENTRY(timestamps, &xtcp_zero, &xtcp_one),
	{
		.procname	= "tw_reuse",
		.data		= &((struct xtcp_sysctl *)0)->tw_reuse_ok,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xtcp_zero,
		.extra2		= &xtcp_one,
	},
	XTCP_INT_ENTRY(tw_reuse_delay_ms, &xtcp_one, &xtcp_tw_reuse_delay_cap),
	XTCP_INT_ENTRY(mtu_probing, &xtcp_zero, &xtcp_two),
	XTCP_INT_ENTRY(base_mss, &xtcp_min_mss, &xtcp_max_mss),
	{
		.procname	= "congestion_control",
		.data		= &((struct xtcp_sysctl *)0)->congestion_control,
		.maxlen		= XTCP_CA_NAME_MAX,
		.mode		= 0644,
		.proc_handler	= xtcp_cc_handler,
	},
	{ }
};

int xtcp_sysctl_register(struct xtcp_net *xn)
{
	struct ctl_table *t;
	size_t i, n = ARRAY_SIZE(xtcp_sysctl_template);

	t = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
		    GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	/* The template holds offsets into struct xtcp_sysctl. */
	for (i = 0; i < n - 1; i++) {
		t[i].data = (char *)&xn->sysctl + (uintptr_t)t[i].data;
		if (t[i].extra2 == NULL && t[i].proc_handler == proc_dointvec_minmax)
			t[i].extra2 = SYSCTL_INT_MAX;
	}
	xn->sysctl_hdr = xtcp_register_net_sysctl(xn->net, "net/xtcp", t, n - 1);
	if (!xn->sysctl_hdr) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

void xtcp_sysctl_unregister(struct xtcp_net *xn)
{
	const struct ctl_table *t;	/* const since 6.11 */

	if (!xn->sysctl_hdr)
		return;
	t = xn->sysctl_hdr->ctl_table_arg;
	unregister_net_sysctl_table(xn->sysctl_hdr);
	xn->sysctl_hdr = NULL;
	kfree(t);
}
