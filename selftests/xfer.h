/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte-exact transfers for the stream tests. Each direction carries a
 * pseudo-random stream whose byte at offset i is a function of (seed, i),
 * so the receiver checks every byte at its exact offset (a hash would only
 * say "different"; this says where). Both directions run at once over one
 * non-blocking socket driven by poll(). A 64-bit FNV-1a of each stream is
 * reported too.
 */
#ifndef XTCP_XFER_H
#define XTCP_XFER_H

#include "xtcp_lib.h"
#include <sys/wait.h>

static inline uint64_t xf_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Fill buf with stream bytes [off, off + len). */
static inline void xf_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	while (len) {
		uint64_t blk = xf_mix(seed ^ xf_mix(off >> 3));
		unsigned int i = off & 7;

		for (; i < 8 && len; i++, len--, off++)
			*buf++ = blk >> (8 * i);
	}
}

struct xf_result {
	uint64_t sent, received;
	uint64_t hash_sent, hash_received;
	long ms;
	char err[512];
};

static inline uint64_t xf_fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/*
 * Send nsend bytes of stream sseed and receive nrecv bytes of stream
 * rseed, then expect EOF. Returns 0 or -1 with r->err set.
 */
static inline int xf_run(int fd, uint64_t nsend, uint64_t sseed, uint64_t nrecv,
		  uint64_t rseed, long timeout_ms, struct xf_result *r)
{
	static uint8_t out[65536], in[65536], want[65536];
	uint64_t soff = 0, roff = 0;
	size_t out_len = 0, out_pos = 0;
	int shut = 0, eof = 0;
	long t0 = xt_now_ms();

	memset(r, 0, sizeof(*r));
	r->hash_sent = r->hash_received = 0xcbf29ce484222325ULL;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (!(shut && eof)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (!shut)
			p.events |= POLLOUT;
		if (xt_now_ms() - t0 > timeout_ms) {
			struct xtcp_info i;
			socklen_t il = sizeof(i);

			memset(&i, 0, sizeof(i));
			getsockopt(fd, SOL_XTCP, XTCP_INFO, &i, &il);
			snprintf(r->err, sizeof(r->err),
				 "timeout: sent %llu/%llu received %llu/%llu; "
				 "state %u ca %u cwnd %u ssthr %u out %u sacked %u "
				 "lost %u retr %u snd_wnd %u rcv_wnd %u rto %u "
				 "backoff %u ooo %u",
				 (unsigned long long)soff,
				 (unsigned long long)nsend,
				 (unsigned long long)roff,
				 (unsigned long long)nrecv, i.xtcpi_state,
				 i.xtcpi_ca_state, i.xtcpi_snd_cwnd,
				 i.xtcpi_snd_ssthresh, i.xtcpi_packets_out,
				 i.xtcpi_sacked_out, i.xtcpi_lost_out,
				 i.xtcpi_retrans_out, i.xtcpi_snd_wnd,
				 i.xtcpi_rcv_wnd, i.xtcpi_rto_us, i.xtcpi_backoff,
				 i.xtcpi_rcv_ooo_segs);
			return -1;
		}
		if (poll(&p, 1, 500) < 0 && errno != EINTR)
			return -1;
		if (!shut && (p.revents & POLLOUT)) {
			if (out_pos == out_len && soff < nsend) {
				out_len = nsend - soff < sizeof(out) ?
					  nsend - soff : sizeof(out);
				xf_fill(sseed, soff, out, out_len);
				out_pos = 0;
			}
			if (out_pos < out_len) {
				ssize_t w = send(fd, out + out_pos,
						 out_len - out_pos, MSG_NOSIGNAL);

				if (w < 0 && errno != EAGAIN) {
					snprintf(r->err, sizeof(r->err),
						 "send at %llu: %s",
						 (unsigned long long)soff,
						 strerror(errno));
					return -1;
				}
				if (w > 0) {
					r->hash_sent = xf_fnv(r->hash_sent,
							      out + out_pos, w);
					out_pos += w;
					soff += w;
				}
			}
			if (soff == nsend && out_pos == out_len) {
				shutdown(fd, SHUT_WR);
				shut = 1;
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, in, sizeof(in), 0);

			if (n < 0 && errno != EAGAIN) {
				snprintf(r->err, sizeof(r->err),
					 "recv at %llu: %s",
					 (unsigned long long)roff,
					 strerror(errno));
				return -1;
			}
			if (n == 0) {
				if (roff != nrecv) {
					snprintf(r->err, sizeof(r->err),
						 "early EOF at %llu of %llu",
						 (unsigned long long)roff,
						 (unsigned long long)nrecv);
					return -1;
				}
				eof = 1;
			}
			if (n > 0) {
				if (roff + n > nrecv) {
					snprintf(r->err, sizeof(r->err),
						 "%zd bytes past the end", n);
					return -1;
				}
				xf_fill(rseed, roff, want, n);
				if (memcmp(in, want, n)) {
					ssize_t i = 0;

					while (in[i] == want[i])
						i++;
					snprintf(r->err, sizeof(r->err),
						 "byte %llu differs",
						 (unsigned long long)(roff + i));
					return -1;
				}
				r->hash_received = xf_fnv(r->hash_received, in, n);
				roff += n;
			}
		}
	}
	r->sent = soff;
	r->received = roff;
	r->ms = xt_now_ms() - t0;
	return 0;
}

/*
 * A full two-way transfer between host A (server) and host B (client):
 * a child process connects from B, the caller's process accepts in A.
 * Returns 0 when both sides saw their streams byte-exact.
 */
static inline int xf_pair(const char *a, const char *b, int port, uint64_t a_to_b,
		   uint64_t b_to_a, long timeout_ms, struct xf_result *res,
		   char *why, size_t whylen)
{
	int lfd = xt_listen(a, IP_A, port, 8, 1), fd, status;
	pid_t pid;

	if (lfd < 0) {
		snprintf(why, whylen, "listen: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		struct xf_result r;
		int c = xt_connect(b, IP_A, port);

		if (c < 0) {
			fprintf(stderr, "client connect: %s\n", strerror(-c));
			_exit(2);
		}
		if (xf_run(c, b_to_a, 0xb0b + port, a_to_b, 0xa1a + port,
			   timeout_ms, &r)) {
			fprintf(stderr, "client: %s\n", r.err);
			_exit(1);
		}
		close(c);
		_exit(0);
	}
	fd = accept(lfd, NULL, NULL);
	close(lfd);
	if (fd < 0) {
		snprintf(why, whylen, "accept: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	if (xf_run(fd, a_to_b, 0xa1a + port, b_to_a, 0xb0b + port,
		   timeout_ms, res)) {
		snprintf(why, whylen, "server: %s", res->err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(fd);
		return -1;
	}
	close(fd);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, whylen, "client side failed (status %d)", status);
		return -1;
	}
	return 0;
}

#endif
