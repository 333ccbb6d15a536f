/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two-host topology of the C selftests, built in-process: what
 * `ip netns add`, `ip link add ... type veth`, `ip addr add`, `ip link set
 * up` and `ip netns del` do, by the same system calls and rtnetlink
 * messages, without an exec.
 *
 * Why: under TCG an exec is the dearest thing a test does (on the debug
 * kernel /bin/true costs ~0.3 s and ip ~0.8 s; on the stock kernel 80 and
 * 170 ms), and every harness case builds a pair and removes it. Four
 * execs a case were about 3 s of each case under KASAN.
 *
 * The namespaces are ordinary named ones (/run/netns/NAME bind mounts), so
 * `ip netns exec`, `ip -n` and `tc -n` reach them as before. Included by
 * xtcp_lib.h after xt_enter()/xt_leave().
 */
#ifndef XTCP_XT_NETNS_H
#define XTCP_XT_NETNS_H

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/* ---- rtnetlink, the little that the topology needs ---------------------- */

struct xt_nlmsg {
	struct nlmsghdr n;
	char buf[1024];
};

/* Append attribute type (len bytes of data) to n; the attribute, or NULL. */
static inline struct rtattr *xt_nla(struct nlmsghdr *n, int type,
				    const void *data, int len)
{
	struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len) > sizeof(struct xt_nlmsg))
		return NULL;
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (data && len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len);
	return rta;
}

static inline struct rtattr *xt_nla_u32(struct nlmsghdr *n, int type, uint32_t v)
{
	return xt_nla(n, type, &v, sizeof(v));
}

static inline struct rtattr *xt_nla_str(struct nlmsghdr *n, int type, const char *s)
{
	return xt_nla(n, type, s, strlen(s) + 1);
}

/* Close a nest opened by xt_nla(n, type, NULL, 0). */
static inline void xt_nla_end(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (char *)n + n->nlmsg_len - (char *)nest;
}

/* Send n on a new rtnetlink socket of the calling thread's namespace and
 * wait for its ACK: 0, or -1 with errno the kernel's answer. */
static inline int xt_nl_do(struct nlmsghdr *n)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char ans[1024];
	struct nlmsghdr *h = (struct nlmsghdr *)ans;
	int fd, err = 0;
	ssize_t r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq = 1;
	if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)n->nlmsg_len) {
		err = errno;
	} else {
		r = recv(fd, ans, sizeof(ans), 0);
		if (r < 0)
			err = errno;
		else if (r < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
			 h->nlmsg_type != NLMSG_ERROR)
			err = EPROTO;
		else
			err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	close(fd);
	errno = err;
	return err ? -1 : 0;
}

static inline struct ifinfomsg *xt_nl_link_msg(struct xt_nlmsg *m, int flags)
{
	memset(m, 0, sizeof(*m));
	m->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	m->n.nlmsg_type = RTM_NEWLINK;
	m->n.nlmsg_flags = flags;
	return NLMSG_DATA(&m->n);
}

/* ---- named namespaces ----------------------------------------------------- */

static inline void xt_netns_path(char *path, size_t n, const char *ns)
{
	snprintf(path, n, "/run/netns/%s", ns);
}

/* `ip netns add ns`: a new namespace, kept alive by a bind mount of its
 * nsfs file on /run/netns/ns. Only the calling thread enters it (unshare()
 * of a network namespace is per thread), and it comes back home. */
static inline int xt_netns_add(const char *ns)
{
	char path[128];
	int fd, rc = -1, saved;

	xt_remember_home();
	if (xt_home_fd < 0)
		return -1;
	if (mkdir("/run/netns", 0755) && errno != EEXIST)
		return -1;
	xt_netns_path(path, sizeof(path), ns);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	close(fd);
	if (unshare(CLONE_NEWNET) == 0) {
		rc = mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL);
		saved = errno;
		xt_leave();
		errno = saved;
	}
	if (rc) {
		saved = errno;
		unlink(path);
		errno = saved;
	}
	return rc;
}

/* `ip netns del ns`: the name goes; the namespace follows once nothing
 * (a socket, a process) holds it. */
static inline void xt_netns_del(const char *ns)
{
	char path[128];

	xt_netns_path(path, sizeof(path), ns);
	umount2(path, MNT_DETACH);
	unlink(path);
}

/* ---- links and addresses (the calling thread's namespace) ----------------- */

/* `ip link add a netns nsa type veth peer name b netns nsb` */
static inline int xt_veth_add(const char *a, const char *nsa, const char *b,
			      const char *nsb)
{
	struct rtattr *linkinfo, *data, *peer;
	struct xt_nlmsg m;
	char pa[128], pb[128];
	int fa, fb, rc = -1;

	xt_netns_path(pa, sizeof(pa), nsa);
	xt_netns_path(pb, sizeof(pb), nsb);
	fa = open(pa, O_RDONLY | O_CLOEXEC);
	fb = open(pb, O_RDONLY | O_CLOEXEC);
	if (fa < 0 || fb < 0)
		goto out;
	xt_nl_link_msg(&m, NLM_F_CREATE | NLM_F_EXCL);
	if (!xt_nla_str(&m.n, IFLA_IFNAME, a) || !xt_nla_u32(&m.n, IFLA_NET_NS_FD, fa) ||
	    !(linkinfo = xt_nla(&m.n, IFLA_LINKINFO, NULL, 0)) ||
	    !xt_nla_str(&m.n, IFLA_INFO_KIND, "veth") ||
	    !(data = xt_nla(&m.n, IFLA_INFO_DATA, NULL, 0)) ||
	    /* the peer's payload is a struct ifinfomsg, then its attributes */
	    !(peer = xt_nla(&m.n, VETH_INFO_PEER, NULL, sizeof(struct ifinfomsg))) ||
	    !xt_nla_str(&m.n, IFLA_IFNAME, b) || !xt_nla_u32(&m.n, IFLA_NET_NS_FD, fb)) {
		errno = EMSGSIZE;
		goto out;
	}
	memset(RTA_DATA(peer), 0, sizeof(struct ifinfomsg));
	xt_nla_end(&m.n, peer);
	xt_nla_end(&m.n, data);
	xt_nla_end(&m.n, linkinfo);
	rc = xt_nl_do(&m.n);
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return rc;
}

/* `ip link set dev up` */
static inline int xt_link_up(const char *dev)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

/* `ip addr add ip/plen dev dev` (no broadcast address, as ip adds none) */
static inline int xt_addr_add(const char *dev, const char *ip, int plen)
{
	struct xt_nlmsg m;
	struct ifaddrmsg *ifa;
	struct in_addr in;
	unsigned int ifindex = if_nametoindex(dev);

	if (!ifindex || inet_pton(AF_INET, ip, &in) != 1) {
		errno = ENODEV;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.n.nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	m.n.nlmsg_type = RTM_NEWADDR;
	m.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = NLMSG_DATA(&m.n);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = ifindex;
	if (!xt_nla(&m.n, IFA_LOCAL, &in, sizeof(in)) ||
	    !xt_nla(&m.n, IFA_ADDRESS, &in, sizeof(in))) {
		errno = EMSGSIZE;
		return -1;
	}
	return xt_nl_do(&m.n);
}

/* `ip link set dev dev gso_max_segs n` */
static inline int xt_link_gso_max_segs(const char *dev, uint32_t n)
{
	struct xt_nlmsg m;
	struct ifinfomsg *ifi = xt_nl_link_msg(&m, 0);

	ifi->ifi_index = if_nametoindex(dev);
	if (!ifi->ifi_index) {
		errno = ENODEV;
		return -1;
	}
	if (!xt_nla_u32(&m.n, IFLA_GSO_MAX_SEGS, n)) {
		errno = EMSGSIZE;
		return -1;
	}
	return xt_nl_do(&m.n);
}

/* In namespace ns: address ip/24 on dev, dev up, lo up. */
static inline int xt_host_setup(const char *ns, const char *dev, const char *ip)
{
	int rc;

	xt_remember_home();
	if (xt_enter(ns))
		return -1;
	rc = xt_addr_add(dev, ip, 24) || xt_link_up(dev) || xt_link_up("lo") ? -1 : 0;
	xt_leave();
	return rc;
}

#endif
