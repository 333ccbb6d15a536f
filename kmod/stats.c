// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace counters and /proc/net/xtcp/snmp, in the two-line
 * "Xtcp: names" / "Xtcp: values" format that nstat and friends parse.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "xtcp.h"
#include "pernet.h"

#define XTCP_MIB_NAME(id, name) [XTCP_MIB_##id] = name,
const char *const xtcp_mib_names[XTCP_MIB_MAX] = {
	XTCP_MIB_LIST(XTCP_MIB_NAME)
};
#undef XTCP_MIB_NAME

long xtcp_mib_read(struct xtcp_net *xn, int field)
{
	long sum = 0;
	int cpu;

	/* A gauge: TIME-WAIT entries alive now. */
	if (field == XTCP_MIB_CURRTIMEWAIT)
		return atomic_read(&xn->tw_count);
	/* A gauge: orphaned full sockets alive now. */
	if (field == XTCP_MIB_CURRORPHANS)
		return atomic_read(&xn->orphan_count);
	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(xn->mib, cpu)->mibs[field];
	return sum;
}

static int xtcp_snmp_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_single_net(seq));
	int i;

	seq_puts(seq, "Xtcp:");
	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(seq, " %s", xtcp_mib_names[i]);
	seq_puts(seq, "\nXtcp:");
	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(seq, " %ld", xtcp_mib_read(xn, i));
	seq_puts(seq, "\n");
	return 0;
}

int xtcp_proc_init(struct xtcp_net *xn)
{
	xn->proc_dir = proc_net_mkdir(xn->net, "xtcp", xn->net->proc_net);
	if (!xn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("snmp", 0444, xn->proc_dir,
				    xtcp_snmp_show, NULL)) {
		remove_proc_subtree("xtcp", xn->net->proc_net);
		xn->proc_dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

void xtcp_proc_exit(struct xtcp_net *xn)
{
	if (xn->proc_dir)
		remove_proc_subtree("xtcp", xn->net->proc_net);
	xn->proc_dir = NULL;
}
