// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP module entry: parameters and the order in which the pieces register.
 * Up: caches, per-namespace state, the GSO callback (offload.c), the IP
 * protocol handler, the socket family (last, so no socket exists before it
 * can receive). Down: the reverse. The module cannot go while any socket,
 * SYN-queue entry or TIME-WAIT entry exists: each holds a module reference
 * (and a socket lives while a segment it sent is queued anywhere).
 */
#include <linux/module.h>
#include <net/protocol.h>
#include "xtcp.h"
#include "pernet.h"
#include "timewait.h"
#include "diag.h"

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default 23)");

int xtcp_ipproto = XTCP_IPPROTO_DEFAULT;
module_param_named(ipproto, xtcp_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IP protocol number of XTCP segments (default 253)");

/*
 * Test-only trigger: writing to this parameter raises one WARN, so the VM
 * runner's kernel-log scan can be shown to catch splats.
 */
static int xtcp_param_warn_set(const char *val, const struct kernel_param *kp)
{
	WARN(1, "xtcp: selftest_warn trigger\n");
	return 0;
}

static const struct kernel_param_ops xtcp_warn_ops = {
	.set = xtcp_param_warn_set,
};
module_param_cb(selftest_warn, &xtcp_warn_ops, NULL, 0200);
MODULE_PARM_DESC(selftest_warn, "write anything to raise a test WARN");

/*
 * Test-only: seconds added to the module's microsecond clock (the send
 * times RACK compares, xtcp_clock_us()), so a selftest can make a
 * connection live for hours (and across the clock's wraps) in seconds.
 * The clock is 64-bit: a skew cannot make it wrap. A test moves it
 * forward only while connections live; root only.
 */
unsigned int xtcp_clock_skew;
module_param_named(selftest_clock_skew, xtcp_clock_skew, uint, 0600);
MODULE_PARM_DESC(selftest_clock_skew, "test only: seconds added to the RACK clock");

static const struct net_protocol xtcp_net_protocol = {
	.handler	= xtcp_v4_rcv,
	.err_handler	= xtcp_v4_err,
};

static int __init xtcp_init(void)
{
	int err;

	if (xtcp_family <= 0 || xtcp_family >= AF_MAX) {
		pr_err("xtcp: family %d out of range\n", xtcp_family);
		return -EINVAL;
	}
	if (xtcp_ipproto <= 0 || xtcp_ipproto >= 255) {
		pr_err("xtcp: ipproto %d out of range\n", xtcp_ipproto);
		return -EINVAL;
	}
	BUILD_BUG_ON(sizeof(struct xtcp_skb_cb) > sizeof_field(struct sk_buff, cb));
	get_random_bytes(&xtcp_secret, sizeof(xtcp_secret));

	err = xtcp_tw_cache_init();
	if (err)
		return err;
	err = xtcp_synq_init();
	if (err)
		goto out_tw;
	err = xtcp_pernet_init();
	if (err)
		goto out_synq;
	/* The segmentation callback before anything can send a large
	 * segment; it counts in the namespaces' counters, so after them. */
	err = xtcp_offload_init();
	if (err) {
		pr_err("xtcp: the offload slot of IP protocol %d is taken\n",
		       xtcp_ipproto);
		goto out_pernet;
	}
	err = inet_add_protocol(&xtcp_net_protocol, xtcp_ipproto);
	if (err) {
		pr_err("xtcp: IP protocol %d is taken\n", xtcp_ipproto);
		err = -EBUSY;
		goto out_offload;
	}
	err = xtcp_diag_init();
	if (err)
		goto out_proto;
	err = xtcp_socket_init();
	if (err)
		goto out_diag;
	pr_info("xtcp: loaded, family %d, IP protocol %d\n", xtcp_family,
		xtcp_ipproto);
	return 0;

out_diag:
	xtcp_diag_exit();
out_proto:
	inet_del_protocol(&xtcp_net_protocol, xtcp_ipproto);
	synchronize_net();
out_offload:
	xtcp_offload_exit();
out_pernet:
	xtcp_pernet_exit();
out_synq:
	xtcp_synq_exit();
out_tw:
	xtcp_tw_cache_exit();
	return err;
}

static void __exit xtcp_exit(void)
{
	xtcp_socket_exit();
	xtcp_diag_exit();
	inet_del_protocol(&xtcp_net_protocol, xtcp_ipproto);
	synchronize_net();
	/* No socket is left to build a large segment; a forwarded one still
	 * queued is dropped by the core once the callback is gone. */
	xtcp_offload_exit();
	xtcp_pernet_exit();
	/* Timer callbacks that dropped the last module reference may still
	 * be returning: they run in softirq, an RCU read-side section. */
	synchronize_rcu();
	xtcp_synq_exit();
	xtcp_tw_cache_exit();
	pr_info("xtcp: unloaded\n");
}

module_init(xtcp_init);
module_exit(xtcp_exit);
MODULE_LICENSE("GPL");
/* socket(AF_XTCP, ...) loads the module by itself once it is installed
 * where modprobe finds it (__sock_create() asks for "net-pf-<family>"),
 * as for every other family; for the default family number only. */
MODULE_ALIAS_NETPROTO(AF_XTCP);
MODULE_DESCRIPTION("XTCP: a TCP-like reliable transport as its own socket family");
MODULE_AUTHOR("The XTCP developers");
