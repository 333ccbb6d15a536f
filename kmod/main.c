// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP module entry: parameters and the order in which the pieces register.
 */
#include <linux/module.h>
#include "xtcp.h"

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default 23)");

/*
 * Test-only trigger: writing to this parameter raises one WARN, so the VM
 * runner's kernel-log scan can be shown to catch splats.
 */
static int xtcp_param_warn_set(const char *val, const struct kernel_param *kp)
{
	WARN(1, "xtcp: selftest_warn trigger (%s)\n", val);
	return 0;
}

static const struct kernel_param_ops xtcp_warn_ops = {
	.set = xtcp_param_warn_set,
};
module_param_cb(selftest_warn, &xtcp_warn_ops, NULL, 0200);
MODULE_PARM_DESC(selftest_warn, "write anything to raise a test WARN");

static int __init xtcp_init(void)
{
	int err;

	if (xtcp_family <= 0 || xtcp_family >= AF_MAX) {
		pr_err("xtcp: family %d out of range\n", xtcp_family);
		return -EINVAL;
	}
	err = xtcp_socket_init();
	if (err)
		return err;
	pr_info("xtcp: loaded, family %d\n", xtcp_family);
	return 0;
}

static void __exit xtcp_exit(void)
{
	xtcp_socket_exit();
	pr_info("xtcp: unloaded\n");
}

module_init(xtcp_init);
module_exit(xtcp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XTCP: a TCP-like reliable transport as its own socket family");
MODULE_AUTHOR("The XTCP developers");
