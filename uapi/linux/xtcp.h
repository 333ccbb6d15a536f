/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XTCP: a reliable, connection-oriented transport over IPv4, as a socket
 * family of its own. Applications include this header and then use the usual
 * socket calls with plain struct sockaddr_in addresses:
 *
 *	int fd = socket(AF_XTCP, SOCK_STREAM, 0);
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

#include <linux/types.h>

/*
 * Address family. 23 was AF_IRDA, removed from Linux in 4.17 and unused by
 * both 6.1 and 6.12. The module's "family" parameter can move it.
 */
#ifndef AF_XTCP
#define AF_XTCP		23
#endif
#ifndef PF_XTCP
#define PF_XTCP		AF_XTCP
#endif

/* IP protocol number XTCP segments travel in (RFC 3692 experimental). */
#define XTCP_IPPROTO_DEFAULT	253

#endif /* _UAPI_LINUX_XTCP_H */
