// SPDX-License-Identifier: GPL-2.0
/*
 * Zero copy (issue 14; docs/protocol.md 11.10): sendfile(2) and splice(2)
 * to an XTCP socket attach page-cache (or pipe) pages to the write queue
 * instead of copying them (proto_ops->sendpage on 6.1, MSG_SPLICE_PAGES
 * on 6.12), counted OutZeroCopyBytes; splice(2) from an XTCP socket into
 * a pipe goes through read_sock/splice_read, counted InSplicedBytes.
 *
 * Every transfer is checked byte by byte at its exact offset: the file
 * holds the stream of xfer.h (byte i is a function of seed and i), and
 * the receiver compares what arrives with the file ranges that were sent.
 * Host A 10.0.0.1 listens, host B 10.0.0.2 connects (net_fixture.h).
 * Every wait is on a condition with a deadline.
 */
#define _GNU_SOURCE
#include "xtcp_lib.h"
#include <sys/sendfile.h>
#include <pthread.h>
#include <sys/stat.h>
#include "xfer.h"
#include "kselftest_harness.h"
#include "net_fixture.h"

#define PORT	7500
#define SEED	0x5eedf11eULL
#define MB	(1UL << 20)

struct zc_range {
	off_t	off;
	size_t	len;
};

/* A file of @len bytes of stream SEED in /tmp, written (page cache warm). */
static int zc_file(size_t len, char *path, size_t n)
{
	static uint8_t buf[65536];
	size_t off = 0;
	int fd;

	snprintf(path, n, "/tmp/zerocopy_test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	while (off < len) {
		size_t k = len - off < sizeof(buf) ? len - off : sizeof(buf);

		xf_fill(SEED, off, buf, k);
		if (write(fd, buf, k) != (ssize_t)k) {
			close(fd);
			return -1;
		}
		off += k;
	}
	return fd;
}

/*
 * The receiving end: reads (or splices, through a pipe into @out_fd) to
 * EOF and checks each byte against the file ranges sent. @delay_ms: wait
 * before the first read (a full send buffer on the other end).
 */
struct zc_rx {
	int		fd;
	const struct zc_range *r;
	int		nr;
	int		splice_out;	/* >= 0: splice socket -> pipe -> this fd */
	long		timeout_ms;
	int		start_fd;	/* read one byte here before reading */
	uint64_t	got, hash;
	long		bad_at;		/* first wrong byte, or -1 */
	int		err;
};

/* Byte @pos of the stream that the ranges make. */
static int zc_expect(const struct zc_range *r, int nr, uint64_t pos,
		     uint64_t *file_off, uint64_t *left)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (pos < r[i].len) {
			*file_off = r[i].off + pos;
			*left = r[i].len - pos;
			return 0;
		}
		pos -= r[i].len;
	}
	return -1;
}

static int zc_check(struct zc_rx *x, const uint8_t *p, size_t n)
{
	static __thread uint8_t want[65536];

	while (n) {
		uint64_t off, left;
		size_t k;

		if (zc_expect(x->r, x->nr, x->got, &off, &left)) {
			x->bad_at = x->got;	/* more than was sent */
			return -1;
		}
		k = n < left ? n : left;
		if (k > sizeof(want))
			k = sizeof(want);
		xf_fill(SEED, off, want, k);
		if (memcmp(want, p, k)) {
			size_t i = 0;

			while (want[i] == p[i])
				i++;
			x->bad_at = x->got + i;
			return -1;
		}
		x->hash = xf_fnv(x->hash, p, k);
		x->got += k;
		p += k;
		n -= k;
	}
	return 0;
}

static void *zc_rx_thread(void *arg)
{
	struct zc_rx *x = arg;
	static __thread uint8_t buf[65536];
	long t0 = xt_now_ms();
	int pfd[2] = { -1, -1 };

	x->hash = 0xcbf29ce484222325ULL;
	x->bad_at = -1;
	if (x->start_fd >= 0) {
		char c;

		if (read(x->start_fd, &c, 1) != 1) {
			x->err = EIO;
			return NULL;
		}
	}
	if (x->splice_out >= 0 && pipe(pfd)) {
		x->err = errno;
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (xt_now_ms() - t0 > x->timeout_ms) {
			x->err = ETIMEDOUT;
			break;
		}
		if (!(xt_wait_readable(x->fd, 1000) & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (x->splice_out < 0) {
			n = read(x->fd, buf, sizeof(buf));
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n < 0) {
				x->err = errno;
				break;
			}
			if (!n)
				break;
			if (zc_check(x, buf, n))
				break;
			continue;
		}
		/* socket -> pipe -> file, no copy through user space */
		n = splice(x->fd, NULL, pfd[1], NULL, 1 << 20, SPLICE_F_MOVE);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0) {
			x->err = errno;
			break;
		}
		if (!n)
			break;
		while (n > 0) {
			ssize_t m = splice(pfd[0], NULL, x->splice_out, NULL, n,
					   SPLICE_F_MOVE);

			if (m <= 0) {
				x->err = m ? errno : EIO;
				goto out;
			}
			n -= m;
			x->got += m;
		}
	}
out:
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	return NULL;
}

/* A connection from B to A: *cfd in B, *sfd accepted in A. */
static int zc_pair(const char *a, const char *b, int *cfd, int *sfd)
{
	int lfd = xt_listen(a, IP_A, PORT, 8, 1);

	*cfd = *sfd = -1;
	if (lfd < 0)
		return -1;
	*cfd = xt_connect(b, IP_A, PORT);
	if (*cfd >= 0 && (xt_wait_readable(lfd, 10000) & POLLIN))
		*sfd = accept(lfd, NULL, NULL);
	close(lfd);
	return *cfd >= 0 && *sfd >= 0 ? 0 : -1;
}

/* sendfile() every range, whole (partial returns are continued). */
static int zc_sendfile(int sock, int file, const struct zc_range *r, int nr,
		       long timeout_ms)
{
	long t0 = xt_now_ms();
	int i;

	for (i = 0; i < nr; i++) {
		off_t off = r[i].off;
		size_t left = r[i].len;

		while (left) {
			ssize_t n = sendfile(sock, file, &off, left);

			if (n < 0 && errno == EAGAIN) {
				struct pollfd p = { .fd = sock, .events = POLLOUT };

				if (xt_now_ms() - t0 > timeout_ms)
					return -1;
				poll(&p, 1, 1000);
				continue;
			}
			if (n <= 0)
				return -1;
			left -= n;
		}
	}
	return 0;
}

static uint64_t zc_total(const struct zc_range *r, int nr)
{
	uint64_t t = 0;

	while (nr--)
		t += r[nr].len;
	return t;
}

/*
 * sendfile the ranges of a @flen-byte file from B to A and check every
 * byte; the zero-copy counter of B must have seen them all.
 */
static void zc_sendfile_case(struct __test_metadata *_metadata,
			     const char *a, const char *b, size_t flen,
			     const struct zc_range *r, int nr, long timeout_ms)
{
	char path[64];
	struct zc_rx x = { .r = r, .nr = nr, .splice_out = -1,
			   .timeout_ms = timeout_ms, .start_fd = -1 };
	pthread_t th;
	int file, c, s;
	long t0, zc;
	uint64_t total = zc_total(r, nr);

	file = zc_file(flen, path, sizeof(path));
	ASSERT_LE(0, file);
	unlink(path);
	ASSERT_EQ(0, zc_pair(a, b, &c, &s));
	x.fd = s;
	ASSERT_EQ(0, pthread_create(&th, NULL, zc_rx_thread, &x));
	t0 = xt_now_ms();
	EXPECT_EQ(0, zc_sendfile(c, file, r, nr, timeout_ms));
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	EXPECT_EQ(0, x.err) TH_LOG("receiver: %s", strerror(x.err));
	EXPECT_EQ(-1, x.bad_at) TH_LOG("first wrong byte at stream offset %ld", x.bad_at);
	EXPECT_EQ(total, x.got);
	zc = xt_counter(b, "OutZeroCopyBytes");
	/* Every byte attached, none copied (a retransmission sends the
	 * queued fragments again, it does not attach them again). */
	EXPECT_EQ((long)total, zc);
	TH_LOG("%llu bytes in %d range(s) byte-exact in %ld ms, fnv %016llx; OutZeroCopyBytes %ld",
	       (unsigned long long)x.got, nr, xt_now_ms() - t0,
	       (unsigned long long)x.hash, zc);
	close(c);
	close(s);
	close(file);
}

TEST_F_TIMEOUT(net, sendfile_16m_byte_exact, 120)
{
	struct zc_range r[] = { { 0, 16 * MB } };

	zc_sendfile_case(_metadata, self->a, self->b, 16 * MB, r, 1, 100000);
}

/* Offsets and counts that are not page-aligned, out of file order. */
TEST_F_TIMEOUT(net, sendfile_unaligned_ranges, 120)
{
	struct zc_range r[] = {
		{ 1, 4095 }, { 4097 + 13, 1000003 }, { 7, 1 },
		{ 3 * MB + 511, 2 * MB + 3 }, { 4095, 2 }, { 17, 65537 },
		{ 6 * MB - 1, 1 },
	};

	zc_sendfile_case(_metadata, self->a, self->b, 6 * MB, r,
			 ARRAY_SIZE(r), 100000);
}

/* 3 % loss each way: the retransmissions resend page-cache fragments. */
TEST_F_TIMEOUT(net, sendfile_with_loss, 180)
{
	struct zc_range r[] = { { 3, 4 * MB - 5 } };

	ASSERT_EQ(0, loss_rto_min(self->a, self->b));
	ASSERT_EQ(0, impair(self->a, self->b, "loss 3%"));
	zc_sendfile_case(_metadata, self->a, self->b, 4 * MB, r, 1, 170000);
	EXPECT_LT(0, xt_counter(self->b, "RetransSegs"));
}

/*
 * The sender's device sums nothing (tx checksumming off on B's veth, so
 * no scatter-gather and no hardware GSO either): the stack computes each
 * checksum in software, over a copy of the page-cache fragments
 * (SKBFL_SHARED_FRAG). A checksum over other bytes than those sent would
 * be dropped by A and the transfer would not finish.
 */
TEST_F_TIMEOUT(net, sendfile_software_checksum, 120)
{
	struct zc_range r[] = { { 5, 4 * MB - 9 } };

	ASSERT_EQ(0, xt_run("/usr/sbin/ip netns exec %s /usr/sbin/ethtool -K vb tx off >/dev/null 2>&1",
			    self->b));
	zc_sendfile_case(_metadata, self->a, self->b, 4 * MB, r, 1, 100000);
	EXPECT_EQ(0, xt_counter(self->a, "InCsumErrors"));
}

/* A plain write() copies: the counter stays 0 (the negative control). */
TEST_F(net, write_is_not_counted)
{
	static uint8_t buf[256 * 1024];
	struct zc_range r[] = { { 0, sizeof(buf) } };
	struct zc_rx x = { .r = r, .nr = 1, .splice_out = -1,
			   .timeout_ms = 20000, .start_fd = -1 };
	pthread_t th;
	int c, s;

	xf_fill(SEED, 0, buf, sizeof(buf));
	ASSERT_EQ(0, zc_pair(self->a, self->b, &c, &s));
	x.fd = s;
	ASSERT_EQ(0, pthread_create(&th, NULL, zc_rx_thread, &x));
	EXPECT_EQ((ssize_t)sizeof(buf), write(c, buf, sizeof(buf)));
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	EXPECT_EQ(0, x.err);
	EXPECT_EQ(-1, x.bad_at);
	EXPECT_EQ(sizeof(buf), x.got);
	EXPECT_EQ(0, xt_counter(self->b, "OutZeroCopyBytes"));
	close(c);
	close(s);
}

/* splice(pipe -> socket): the pipe's pages are attached too. */
TEST_F(net, splice_pipe_to_socket)
{
	static uint8_t buf[65536];
	const uint64_t total = 4 * MB;
	struct zc_range r[] = { { 0, total } };
	struct zc_rx x = { .r = r, .nr = 1, .splice_out = -1,
			   .timeout_ms = 25000, .start_fd = -1 };
	uint64_t off = 0;
	pthread_t th;
	int c, s, p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, zc_pair(self->a, self->b, &c, &s));
	x.fd = s;
	ASSERT_EQ(0, pthread_create(&th, NULL, zc_rx_thread, &x));
	while (off < total) {
		ssize_t n, k = 16384 + (off / 16384) % 7 * 1000;

		if ((uint64_t)k > total - off)
			k = total - off;
		xf_fill(SEED, off, buf, k);
		ASSERT_EQ(k, write(p[1], buf, k));
		while (k > 0) {
			n = splice(p[0], NULL, c, NULL, k, SPLICE_F_MOVE);
			ASSERT_LT(0, n) TH_LOG("splice: %s", strerror(errno));
			k -= n;
			off += n;
		}
	}
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	EXPECT_EQ(0, x.err);
	EXPECT_EQ(-1, x.bad_at) TH_LOG("first wrong byte at %ld", x.bad_at);
	EXPECT_EQ(total, x.got);
	EXPECT_EQ((long)total, xt_counter(self->b, "OutZeroCopyBytes"));
	close(p[0]);
	close(p[1]);
	close(c);
	close(s);
}

/* splice(socket -> pipe -> file), then the file checked byte by byte. */
TEST_F_TIMEOUT(net, splice_socket_to_file, 120)
{
	const uint64_t total = 16 * MB;
	struct zc_range r[] = { { 0, total } };
	char path[64];
	struct zc_rx x = { .r = r, .nr = 1, .timeout_ms = 100000,
			   .start_fd = -1 };
	struct zc_rx chk = { .r = r, .nr = 1 };
	static uint8_t buf[65536];
	pthread_t th;
	int c, s, out, file;
	ssize_t n;

	file = zc_file(total, path, sizeof(path));
	ASSERT_LE(0, file);
	unlink(path);
	snprintf(path, sizeof(path), "/tmp/zerocopy_out.XXXXXX");
	out = mkstemp(path);
	ASSERT_LE(0, out);
	unlink(path);
	ASSERT_EQ(0, zc_pair(self->a, self->b, &c, &s));
	x.fd = s;
	x.splice_out = out;
	ASSERT_EQ(0, pthread_create(&th, NULL, zc_rx_thread, &x));
	EXPECT_EQ(0, zc_sendfile(c, file, r, 1, 100000));
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	EXPECT_EQ(0, x.err) TH_LOG("receiver: %s", strerror(x.err));
	EXPECT_EQ(total, x.got);
	EXPECT_EQ((long)total, xt_counter(self->a, "InSplicedBytes"));
	/* What the file holds, at its exact offsets. */
	chk.hash = 0xcbf29ce484222325ULL;
	chk.bad_at = -1;
	ASSERT_EQ(0, lseek(out, 0, SEEK_SET));
	while ((n = read(out, buf, sizeof(buf))) > 0)
		if (zc_check(&chk, buf, n))
			break;
	EXPECT_EQ(-1, chk.bad_at) TH_LOG("first wrong byte at %ld", chk.bad_at);
	EXPECT_EQ(total, chk.got);
	TH_LOG("%llu bytes spliced socket -> pipe -> file, fnv %016llx",
	       (unsigned long long)chk.got, (unsigned long long)chk.hash);
	close(c);
	close(s);
	close(out);
	close(file);
}

/* Wait until @fd has at least @n bytes to read (FIONREAD), or 10 s. */
static int zc_wait_bytes(int fd, int n)
{
	long t0 = xt_now_ms();
	int q = 0;

	while (xt_now_ms() - t0 < 10000) {
		if (!ioctl(fd, FIONREAD, &q) && q >= n)
			return 0;
		xt_wait_readable(fd, 100);
		xt_sleep_ms(1);
	}
	return -1;
}

/*
 * The edges: EAGAIN on an empty nonblocking socket; a splice larger than
 * what is queued returns what is there; MSG_PEEK leaves the bytes for the
 * splice; recv() and splice() interleaved keep the order; a full pipe is
 * EAGAIN with SPLICE_F_NONBLOCK and loses nothing; EOF is 0; a listener
 * is ENOTCONN.
 */
TEST_F(net, splice_edges)
{
	uint8_t msg[100000], got[100000];
	int c, s, p[2], lfd;
	size_t pos = 0, done = 0, want;
	long t0;
	ssize_t n;

	xf_fill(SEED, 0, msg, sizeof(msg));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, zc_pair(self->a, self->b, &c, &s));
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);

	n = splice(s, NULL, p[1], NULL, 4096, 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(1000, write(c, msg, 1000));
	ASSERT_EQ(0, zc_wait_bytes(s, 1000));
	/* peek 10, then the splice still gets all 1000 */
	EXPECT_EQ(10, recv(s, got, 10, MSG_PEEK));
	n = splice(s, NULL, p[1], NULL, 65536, 0);
	EXPECT_EQ(1000, n);
	EXPECT_EQ(1000, read(p[0], got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, msg, 1000));
	pos = 1000;

	/* recv 7, splice 500, recv the rest: one stream, in order */
	ASSERT_EQ(20000, write(c, msg + pos, 20000));
	ASSERT_EQ(0, zc_wait_bytes(s, 20000));
	EXPECT_EQ(7, recv(s, got, 7, 0));
	EXPECT_EQ(0, memcmp(got, msg + pos, 7));
	EXPECT_EQ(500, splice(s, NULL, p[1], NULL, 500, 0));
	EXPECT_EQ(500, read(p[0], got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, msg + pos + 7, 500));
	EXPECT_EQ(20000 - 507, recv(s, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, msg + pos + 507, 20000 - 507));
	pos += 20000;

	/* A full pipe (shrunk to one page): EAGAIN, and nothing lost. */
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	ASSERT_EQ((ssize_t)(sizeof(msg) - pos), write(c, msg + pos, sizeof(msg) - pos));
	ASSERT_EQ(0, zc_wait_bytes(s, sizeof(msg) - pos));
	want = sizeof(msg) - pos;
	t0 = xt_now_ms();
	{
		while (done < want && xt_now_ms() - t0 < 10000) {
			n = splice(s, NULL, p[1], NULL, want - done,
				   SPLICE_F_NONBLOCK);
			if (n < 0) {
				EXPECT_EQ(EAGAIN, errno);
			} else {
				EXPECT_LT(0, n);
			}
			/* drain the pipe (its read end does not block) */
			while (done < want &&
			       (n = read(p[0], got + done, want - done)) > 0)
				done += n;
			if (done < want)
				xt_wait_readable(s, 100);
		}
		EXPECT_EQ(want, done);
		EXPECT_EQ(0, memcmp(got, msg + pos, want));
	}

	/* EOF: 0 */
	shutdown(c, SHUT_WR);
	ASSERT_NE(0, xt_wait_readable(s, 10000) & POLLIN);
	EXPECT_EQ(0, splice(s, NULL, p[1], NULL, 4096, 0));

	/* a listener: ENOTCONN */
	lfd = xt_listen(self->a, IP_A, PORT + 1, 1, 1);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(-1, splice(lfd, NULL, p[1], NULL, 4096, SPLICE_F_NONBLOCK));
	EXPECT_EQ(ENOTCONN, errno);
	close(lfd);
	close(p[0]);
	close(p[1]);
	close(c);
	close(s);
}

/*
 * A nonblocking sendfile to a peer that does not read fills the send
 * buffer and fails EAGAIN; POLLOUT comes back when the peer reads, and
 * the whole file arrives byte-exact.
 */
TEST_F_TIMEOUT(net, sendfile_nonblocking_eagain, 60)
{
	const size_t flen = 8 * MB;
	struct zc_range r[] = { { 0, flen } };
	struct zc_rx x = { .r = r, .nr = 1, .splice_out = -1,
			   .timeout_ms = 40000 };
	char path[64];
	int file, c, s, go[2];
	off_t off = 0;
	long t0;
	pthread_t th;
	int eagain = 0;
	struct pollfd pf;
	struct zc_range rest[1];

	file = zc_file(flen, path, sizeof(path));
	ASSERT_LE(0, file);
	unlink(path);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, zc_pair(self->a, self->b, &c, &s));
	xt_set_int(s, SOL_SOCKET, SO_RCVBUF, 65536);
	xt_set_int(c, SOL_SOCKET, SO_SNDBUF, 65536);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	x.fd = s;
	x.start_fd = go[0];
	ASSERT_EQ(0, pthread_create(&th, NULL, zc_rx_thread, &x));
	t0 = xt_now_ms();
	while ((size_t)off < flen && xt_now_ms() - t0 < 10000) {
		ssize_t n = sendfile(c, file, &off, flen - off);

		if (n < 0) {
			ASSERT_EQ(EAGAIN, errno);
			eagain = 1;
			break;
		}
	}
	EXPECT_EQ(1, eagain) TH_LOG("no EAGAIN after %ld bytes", (long)off);
	EXPECT_GT((off_t)flen, off);
	pf.fd = c;
	pf.events = POLLOUT;
	EXPECT_EQ(0, poll(&pf, 1, 0));	/* no room: not writable */
	TH_LOG("EAGAIN after %ld bytes queued", (long)off);
	ASSERT_EQ(1, write(go[1], "g", 1));	/* the reader starts */
	rest[0].off = off;
	rest[0].len = flen - off;
	EXPECT_EQ(0, zc_sendfile(c, file, rest, 1, 40000));
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	EXPECT_EQ(0, x.err);
	EXPECT_EQ(-1, x.bad_at) TH_LOG("first wrong byte at %ld", x.bad_at);
	EXPECT_EQ(flen, x.got);
	EXPECT_EQ((long)flen, xt_counter(self->b, "OutZeroCopyBytes"));
	close(go[0]);
	close(go[1]);
	close(c);
	close(s);
	close(file);
}

TEST_HARNESS_MAIN
