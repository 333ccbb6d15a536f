/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XTCP_H
#define _XTCP_H

#include <net/sock.h>
#include <net/inet_sock.h>
#include <linux/xtcp.h>

extern int xtcp_family;

struct xtcp_sock {
	struct inet_sock inet;	/* must be first */
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

int xtcp_socket_init(void);
void xtcp_socket_exit(void);

#endif
