// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace setup and teardown. A namespace's tables are empty
 * of full sockets by the time it dies (each socket holds a reference to its
 * namespace); what remains are TIME-WAIT entries, purged here.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "xtcp.h"
#include "pernet.h"
#include "timewait.h"

unsigned int xtcp_net_id __read_mostly;

#define XTCP_EHASH_SIZE	4096
#define XTCP_LHASH_SIZE	256
#define XTCP_BHASH_SIZE	4096

int xtcp_htable_alloc(struct xtcp_htable *t, unsigned int size)
{
	unsigned int i;

	t->buckets = kvmalloc_array(size, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	for (i = 0; i < size; i++) {
		spin_lock_init(&t->buckets[i].lock);
		INIT_HLIST_HEAD(&t->buckets[i].chain);
	}
	t->mask = size - 1;
	return 0;
}

void xtcp_htable_free(struct xtcp_htable *t)
{
	unsigned int i;

	if (!t->buckets)
		return;
	for (i = 0; i <= t->mask; i++)
		WARN_ON_ONCE(!hlist_empty(&t->buckets[i].chain));
	kvfree(t->buckets);
	t->buckets = NULL;
}

static int xtcp_bhash_alloc(struct xtcp_bhash *t, unsigned int size)
{
	unsigned int i;

	t->buckets = kvmalloc_array(size, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	for (i = 0; i < size; i++) {
		spin_lock_init(&t->buckets[i].lock);
		INIT_HLIST_HEAD(&t->buckets[i].socks);
		INIT_HLIST_HEAD(&t->buckets[i].tws);
	}
	t->mask = size - 1;
	return 0;
}

static void xtcp_bhash_free(struct xtcp_bhash *t)
{
	unsigned int i;

	if (!t->buckets)
		return;
	for (i = 0; i <= t->mask; i++)
		WARN_ON_ONCE(!hlist_empty(&t->buckets[i].socks) ||
			     !hlist_empty(&t->buckets[i].tws));
	kvfree(t->buckets);
	t->buckets = NULL;
}

static void xtcp_net_free_tables(struct xtcp_net *xn)
{
	xtcp_htable_free(&xn->ehash);
	xtcp_htable_free(&xn->lhash);
	xtcp_htable_free(&xn->twhash);
	xtcp_bhash_free(&xn->bhash);
	free_percpu(xn->mib);
	xn->mib = NULL;
}

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err = -ENOMEM;

	xn->net = net;
	atomic_set(&xn->tw_count, 0);
	atomic_set(&xn->orphan_count, 0);
	seqlock_init(&xn->port_range_lock);
	spin_lock_init(&xn->challenge_lock);
	xtcp_sysctl_defaults(&xn->sysctl);
	get_random_bytes(xn->port_perturb, sizeof(xn->port_perturb));

	xn->mib = alloc_percpu(struct xtcp_mib);
	if (!xn->mib)
		goto fail;
	if (xtcp_htable_alloc(&xn->ehash, XTCP_EHASH_SIZE) ||
	    xtcp_htable_alloc(&xn->lhash, XTCP_LHASH_SIZE) ||
	    xtcp_htable_alloc(&xn->twhash, XTCP_EHASH_SIZE) ||
	    xtcp_bhash_alloc(&xn->bhash, XTCP_BHASH_SIZE))
		goto fail;
	err = xtcp_sysctl_register(xn);
	if (err)
		goto fail;
	err = xtcp_proc_init(xn);
	if (err)
		goto fail_sysctl;
	return 0;

fail_sysctl:
	xtcp_sysctl_unregister(xn);
fail:
	xtcp_net_free_tables(xn);
	return err;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xtcp_proc_exit(xn);
	xtcp_sysctl_unregister(xn);
	xtcp_tw_purge(xn);
	xtcp_net_free_tables(xn);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

int xtcp_pernet_init(void)
{
	return register_pernet_subsys(&xtcp_net_ops);
}

void xtcp_pernet_exit(void)
{
	unregister_pernet_subsys(&xtcp_net_ops);
}
