/* SPDX-License-Identifier: BSD-2-Clause */
/* Host runtime, socket and epoll API: two contexts (198.18.0.1 and 198.18.0.2, 2001:2::1 and
 * 2001:2::2) joined by an in-memory link. IPv6 and dual-stack sockets. Connect/accept, names, a few MiB byte-exact both ways, writev, half close
 * and EOF, abortive close (ECONNRESET), refused connections, epoll LT / ET / ONESHOT,
 * socket options and errno values. */
#include "../check.h"
#include "harness.h"

#include <linux/tcp.h>
#include <stdlib.h>
#include <unistd.h>

struct pair {
	struct iotcp_ctx *a, *b;
	int epa, epb;
};

static void pump(struct pair *p)
{
	bool wa = host_poll(p->a);
	bool wb = host_poll(p->b);
	if (!wa && !wb)
		sleep_us(200);
}

/* Pump until sd on ctx reports any of mask in epoll ep (level-triggered probe), up to ms. */
static uint32_t wait_events(struct pair *p, struct iotcp_ctx *ctx, int ep, uint32_t mask, int ms)
{
	struct epoll_event ev[8];
	for (int i = 0; i < ms * 5; i++) {
		int n = iotcp_epoll_wait(ctx, ep, ev, 8, 0);
		for (int k = 0; k < n; k++)
			if (ev[k].events & mask)
				return ev[k].events;
		pump(p);
	}
	return 0;
}

static int watch(struct iotcp_ctx *ctx, int ep, int sd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = sd};
	return iotcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, sd, &ev);
}

static bool pair_open(struct pair *p)
{
	struct host_link *la, *lb;

	if (link_mem_pair(&MAC_A, &MAC_B, 0, &la, &lb) != 0)
		return false;
	p->a = ctx_on_link(IP_A, la, NULL, false, 11);
	p->b = ctx_on_link(IP_B, lb, NULL, false, 12);
	if (!p->a || !p->b)
		return false;
	p->epa = iotcp_epoll_create(p->a);
	p->epb = iotcp_epoll_create(p->b);
	return p->epa >= 0 && p->epb >= 0;
}

/* A connection b -> a:port; *as is the accepted side on a, *bs the client on b. */
static bool connect_pair(struct pair *p, int lsd, uint16_t port, int *as, int *bs)
{
	struct sockaddr_in to = sin_of(IP_A, port), from;
	socklen_t fl = sizeof(from);
	int ep = iotcp_epoll_create(p->b);

	*bs = iotcp_socket(p->b, AF_INET, SOCK_STREAM, 0);
	CHECK(*bs >= 0);
	CHECK(iotcp_connect(p->b, *bs, (struct sockaddr *)&to, sizeof(to)) == -1);
	CHECK(errno == EINPROGRESS);
	watch(p->b, ep, *bs, EPOLLOUT);
	uint32_t ev = wait_events(p, p->b, ep, EPOLLOUT | EPOLLERR, 3000);
	CHECK(ev & EPOLLOUT);
	iotcp_close(p->b, ep);
	*as = -1;
	for (int i = 0; i < 1000 && *as < 0; i++) {
		*as = iotcp_accept(p->a, lsd, (struct sockaddr *)&from, &fl);
		if (*as < 0) {
			CHECK(errno == EAGAIN);
			pump(p);
		}
	}
	CHECK(*as >= 0);
	CHECK(fl == sizeof(from) && from.sin_family == AF_INET);
	CHECK(ntohl(from.sin_addr.s_addr) == IP_B);
	return *as >= 0 && (ev & EPOLLOUT);
}

static int listener(struct iotcp_ctx *ctx, uint16_t port)
{
	int sd = iotcp_socket(ctx, AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in me = sin_of(0, port);

	CHECK(iotcp_setsockopt(ctx, sd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	CHECK(iotcp_bind(ctx, sd, (struct sockaddr *)&me, sizeof(me)) == 0);
	CHECK(iotcp_listen(ctx, sd, 16) == 0);
	return sd;
}

static uint8_t pattern(uint64_t i, uint8_t salt)
{
	return (uint8_t)((i * 2654435761u) >> 13) ^ salt;
}

/* Send n bytes each way at once; verify every byte. */
static void bulk(struct pair *p, int as, int bs, size_t n)
{
	uint8_t *buf = malloc(65536);
	size_t a_sent = 0, b_sent = 0, a_got = 0, b_got = 0;
	bool ok = true;

	for (int iter = 0; iter < 2000000 && (a_got < n || b_got < n); iter++) {
		bool moved = false;
		while (b_sent < n) { /* b -> a */
			size_t k = n - b_sent < 65536 ? n - b_sent : 65536;
			for (size_t i = 0; i < k; i++)
				buf[i] = pattern(b_sent + i, 0x5a);
			ssize_t w = iotcp_write(p->b, bs, buf, k);
			if (w < 0) {
				CHECK(errno == EAGAIN);
				break;
			}
			b_sent += (size_t)w;
			moved = true;
		}
		while (a_sent < n) { /* a -> b */
			size_t k = n - a_sent < 65536 ? n - a_sent : 65536;
			for (size_t i = 0; i < k; i++)
				buf[i] = pattern(a_sent + i, 0xa5);
			ssize_t w = iotcp_write(p->a, as, buf, k);
			if (w < 0) {
				CHECK(errno == EAGAIN);
				break;
			}
			a_sent += (size_t)w;
			moved = true;
		}
		for (;;) {
			ssize_t r = iotcp_read(p->a, as, buf, 65536);
			if (r <= 0) {
				CHECK(r < 0 && errno == EAGAIN);
				break;
			}
			for (ssize_t i = 0; i < r; i++)
				ok &= buf[i] == pattern(a_got + (size_t)i, 0x5a);
			a_got += (size_t)r;
			moved = true;
		}
		for (;;) {
			ssize_t r = iotcp_read(p->b, bs, buf, 65536);
			if (r <= 0) {
				CHECK(r < 0 && errno == EAGAIN);
				break;
			}
			for (ssize_t i = 0; i < r; i++)
				ok &= buf[i] == pattern(b_got + (size_t)i, 0xa5);
			b_got += (size_t)r;
			moved = true;
		}
		bool wa = host_poll(p->a), wb = host_poll(p->b);
		if (!moved && !wa && !wb)
			sleep_us(100);
	}
	CHECK_EQ_U64(a_got, n);
	CHECK_EQ_U64(b_got, n);
	CHECK(ok);
	free(buf);
}

/* Read everything available on sd into out (up to cap), pumping up to ms. */
static size_t read_all(struct pair *p, struct iotcp_ctx *ctx, int sd, uint8_t *out, size_t cap,
		       size_t want, int ms)
{
	size_t got = 0;
	for (int i = 0; i < ms * 5 && got < want; i++) {
		ssize_t r = iotcp_read(ctx, sd, out + got, cap - got);
		if (r > 0)
			got += (size_t)r;
		else
			pump(p);
	}
	return got;
}

static void connect_transfer_close(struct pair *p)
{
	int lsd = listener(p->a, 80), as, bs;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	CHECK(watch(p->a, p->epa, lsd, EPOLLIN) == 0);
	if (!connect_pair(p, lsd, 80, &as, &bs))
		return;
	/* Names. */
	CHECK(iotcp_getsockname(p->a, as, (struct sockaddr *)&sa, &sl) == 0);
	CHECK(ntohl(sa.sin_addr.s_addr) == IP_A && ntohs(sa.sin_port) == 80);
	sl = sizeof(sa);
	CHECK(iotcp_getpeername(p->b, bs, (struct sockaddr *)&sa, &sl) == 0);
	CHECK(ntohl(sa.sin_addr.s_addr) == IP_A && ntohs(sa.sin_port) == 80);
	sl = sizeof(sa);
	CHECK(iotcp_getsockname(p->b, bs, (struct sockaddr *)&sa, &sl) == 0);
	CHECK(ntohs(sa.sin_port) >= 49152);
	int err = -1;
	socklen_t el = sizeof(err);
	CHECK(iotcp_getsockopt(p->b, bs, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0);

	/* 3 MiB each way, byte-exact. */
	bulk(p, as, bs, 3u << 20);

	/* writev: three pieces arrive in order. */
	struct iovec iov[3] = {{(void *)"alpha-", 6}, {(void *)"", 0}, {(void *)"omega", 5}};
	CHECK(iotcp_writev(p->a, as, iov, 3) == 11);
	uint8_t got[64];
	size_t n = read_all(p, p->b, bs, got, sizeof(got), 11, 2000);
	CHECK(n == 11 && memcmp(got, "alpha-omega", 11) == 0);

	/* Half close: b's FIN shows as EOF + EPOLLRDHUP on a; a can still write. */
	CHECK(iotcp_write(p->b, bs, "last", 4) == 4);
	CHECK(iotcp_shutdown(p->b, bs, SHUT_WR) == 0);
	CHECK(iotcp_write(p->b, bs, "x", 1) == -1 && errno == EPIPE);
	CHECK(watch(p->a, p->epa, as, EPOLLIN | EPOLLRDHUP) == 0);
	uint32_t ev = wait_events(p, p->a, p->epa, EPOLLRDHUP, 2000);
	CHECK(ev & EPOLLRDHUP);
	CHECK(ev & EPOLLIN);
	n = read_all(p, p->a, as, got, sizeof(got), 4, 1000);
	CHECK(n == 4 && memcmp(got, "last", 4) == 0);
	CHECK(iotcp_read(p->a, as, got, sizeof(got)) == 0); /* EOF */
	CHECK(iotcp_write(p->a, as, "reply", 5) == 5);
	n = read_all(p, p->b, bs, got, sizeof(got), 5, 2000);
	CHECK(n == 5 && memcmp(got, "reply", 5) == 0);
	/* a closes: b sees EOF, then both ends are gone. */
	CHECK(iotcp_close(p->a, as) == 0);
	bool eof = false;
	for (int i = 0; i < 5000 && !eof; i++) {
		ssize_t r = iotcp_read(p->b, bs, got, sizeof(got));
		if (r == 0)
			eof = true;
		else
			pump(p);
	}
	CHECK(eof);
	CHECK(iotcp_close(p->b, bs) == 0);
	CHECK(iotcp_close(p->b, bs) == -1 && errno == EBADF);

	/* Abortive close: SO_LINGER 0 resets; the peer reads ECONNRESET. */
	if (!connect_pair(p, lsd, 80, &as, &bs))
		return;
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	CHECK(iotcp_setsockopt(p->a, as, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	int epr = iotcp_epoll_create(p->b);
	CHECK(watch(p->b, epr, bs, EPOLLIN) == 0);
	CHECK(iotcp_close(p->a, as) == 0);
	ev = wait_events(p, p->b, epr, EPOLLERR, 2000);
	CHECK(ev & EPOLLERR);
	CHECK(ev & EPOLLHUP);
	CHECK(iotcp_read(p->b, bs, got, sizeof(got)) == -1 && errno == ECONNRESET);
	CHECK(iotcp_close(p->b, bs) == 0);
	CHECK(iotcp_close(p->b, epr) == 0);

	/* Refused: nobody listens on port 81. */
	bs = iotcp_socket(p->b, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(IP_A, 81);
	CHECK(iotcp_connect(p->b, bs, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	      errno == EINPROGRESS);
	CHECK(iotcp_connect(p->b, bs, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	      errno == EALREADY);
	epr = iotcp_epoll_create(p->b);
	CHECK(watch(p->b, epr, bs, EPOLLOUT) == 0);
	ev = wait_events(p, p->b, epr, EPOLLERR, 2000);
	CHECK(ev & EPOLLERR);
	CHECK(!(ev & EPOLLOUT));
	el = sizeof(err);
	CHECK(iotcp_getsockopt(p->b, bs, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
	      err == ECONNREFUSED);
	CHECK(iotcp_close(p->b, bs) == 0);
	CHECK(iotcp_close(p->b, epr) == 0);
	CHECK(iotcp_close(p->a, lsd) == 0);
}

static int count_events(struct iotcp_ctx *ctx, int ep, uint32_t mask)
{
	struct epoll_event ev[8];
	int n = iotcp_epoll_wait(ctx, ep, ev, 8, 0), hits = 0;
	for (int i = 0; i < n; i++)
		hits += (ev[i].events & mask) != 0;
	return hits;
}

static void settle(struct pair *p, int rounds)
{
	for (int i = 0; i < rounds; i++)
		pump(p);
}

static void epoll_modes(struct pair *p)
{
	int lsd = listener(p->a, 8080), as, bs;
	if (!connect_pair(p, lsd, 8080, &as, &bs))
		return;
	int one = 1; /* small writes go out at once (no Nagle wait for the delayed ACK) */
	CHECK(iotcp_setsockopt(p->a, as, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	int lt = iotcp_epoll_create(p->b), et = iotcp_epoll_create(p->b);
	int os = iotcp_epoll_create(p->b);
	CHECK(watch(p->b, lt, bs, EPOLLIN) == 0);
	CHECK(watch(p->b, et, bs, EPOLLIN | EPOLLET) == 0);
	CHECK(watch(p->b, os, bs, EPOLLIN | EPOLLONESHOT) == 0);
	CHECK(watch(p->b, lt, bs, EPOLLIN) == -1 && errno == EEXIST);
	settle(p, 20);
	CHECK(count_events(p->b, lt, EPOLLIN) == 0);
	CHECK(count_events(p->b, et, EPOLLIN) == 0);
	CHECK(count_events(p->b, os, EPOLLIN) == 0);

	CHECK(iotcp_write(p->a, as, "0123456789", 10) == 10);
	settle(p, 50);
	/* LT: reported while readable. */
	CHECK(count_events(p->b, lt, EPOLLIN) == 1);
	CHECK(count_events(p->b, lt, EPOLLIN) == 1);
	/* ET: once per change. */
	CHECK(count_events(p->b, et, EPOLLIN) == 1);
	CHECK(count_events(p->b, et, EPOLLIN) == 0);
	/* ONESHOT: once, then silent until re-armed. */
	CHECK(count_events(p->b, os, EPOLLIN) == 1);
	CHECK(count_events(p->b, os, EPOLLIN) == 0);
	uint8_t buf[64];
	CHECK(iotcp_read(p->b, bs, buf, 4) == 4); /* partially drained */
	settle(p, 10);
	CHECK(count_events(p->b, lt, EPOLLIN) == 1);
	CHECK(count_events(p->b, et, EPOLLIN) == 0);
	/* New data: ET fires again; ONESHOT stays silent until MOD re-arms it. */
	CHECK(iotcp_write(p->a, as, "abc", 3) == 3);
	settle(p, 50);
	CHECK(count_events(p->b, et, EPOLLIN) == 1);
	CHECK(count_events(p->b, os, EPOLLIN) == 0);
	struct epoll_event mod = {.events = EPOLLIN | EPOLLONESHOT, .data.fd = bs};
	CHECK(iotcp_epoll_ctl(p->b, os, EPOLL_CTL_MOD, bs, &mod) == 0);
	CHECK(count_events(p->b, os, EPOLLIN) == 1);
	/* Drained: LT goes quiet. */
	CHECK(read_all(p, p->b, bs, buf, sizeof(buf), 9, 500) == 9);
	CHECK(count_events(p->b, lt, EPOLLIN) == 0);
	/* EPOLLOUT is level-triggered writability. */
	struct epoll_event out = {.events = EPOLLIN | EPOLLOUT, .data.fd = bs};
	CHECK(iotcp_epoll_ctl(p->b, lt, EPOLL_CTL_MOD, bs, &out) == 0);
	CHECK(count_events(p->b, lt, EPOLLOUT) == 1);
	CHECK(iotcp_epoll_ctl(p->b, lt, EPOLL_CTL_DEL, bs, NULL) == 0);
	CHECK(iotcp_epoll_ctl(p->b, lt, EPOLL_CTL_DEL, bs, NULL) == -1 && errno == ENOENT);
	CHECK(count_events(p->b, lt, EPOLLOUT) == 0);
	/* Closing a watched socket removes its registrations. */
	CHECK(iotcp_close(p->b, bs) == 0);
	CHECK(count_events(p->b, et, ~0u) == 0);
	/* Timeout honoured when nothing happens. */
	struct epoll_event ev[4];
	tcp_time_t t0 = host_clock_monotonic();
	CHECK(iotcp_epoll_wait(p->b, et, ev, 4, 30) == 0);
	CHECK(host_clock_monotonic() - t0 >= 30 * TCP_MSEC);
	/* Errors. */
	CHECK(iotcp_epoll_wait(p->b, et, ev, 0, 0) == -1 && errno == EINVAL);
	CHECK(iotcp_epoll_wait(p->b, 9999, ev, 4, 0) == -1 && errno == EBADF);
	CHECK(iotcp_epoll_ctl(p->b, et, EPOLL_CTL_ADD, lt, &mod) == -1 && errno == EPERM);
	CHECK(iotcp_epoll_ctl(p->b, et, EPOLL_CTL_ADD, et, &mod) == -1 && errno == EINVAL);
	iotcp_close(p->b, lt);
	iotcp_close(p->b, et);
	iotcp_close(p->b, os);
	iotcp_close(p->a, as);
	iotcp_close(p->a, lsd);
}

static void sockopts_and_errors(struct pair *p)
{
	struct iotcp_ctx *c = p->a;
	int sd = iotcp_socket(c, AF_INET, SOCK_STREAM, 0), v;
	socklen_t l = sizeof(v);

#define ROUND_TRIP(level, opt, val)                                                                \
	do {                                                                                       \
		int in_ = (val), out_ = -1;                                                        \
		socklen_t ol_ = sizeof(out_);                                                      \
		CHECK(iotcp_setsockopt(c, sd, level, opt, &in_, sizeof(in_)) == 0);                \
		CHECK(iotcp_getsockopt(c, sd, level, opt, &out_, &ol_) == 0);                      \
		CHECK_EQ_U64(out_, in_);                                                           \
	} while (0)
	ROUND_TRIP(SOL_SOCKET, SO_REUSEADDR, 1);
	ROUND_TRIP(SOL_SOCKET, SO_REUSEADDR, 0);
	ROUND_TRIP(SOL_SOCKET, SO_KEEPALIVE, 1);
	ROUND_TRIP(SOL_SOCKET, SO_SNDBUF, 262144);
	ROUND_TRIP(SOL_SOCKET, SO_RCVBUF, 131072);
	ROUND_TRIP(IPPROTO_TCP, TCP_NODELAY, 1);
	ROUND_TRIP(IPPROTO_TCP, TCP_MAXSEG, 1000);
	ROUND_TRIP(IPPROTO_TCP, TCP_KEEPIDLE, 30);
	ROUND_TRIP(IPPROTO_TCP, TCP_KEEPINTVL, 5);
	ROUND_TRIP(IPPROTO_TCP, TCP_KEEPCNT, 4);
#undef ROUND_TRIP
	struct linger lg = {.l_onoff = 1, .l_linger = 7}, lo;
	socklen_t ll = sizeof(lo);
	CHECK(iotcp_setsockopt(c, sd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	CHECK(iotcp_getsockopt(c, sd, SOL_SOCKET, SO_LINGER, &lo, &ll) == 0);
	CHECK(lo.l_onoff == 1 && lo.l_linger == 7 && ll == sizeof(lo));
	char cc[16];
	socklen_t cl = sizeof(cc);
	CHECK(iotcp_setsockopt(c, sd, IPPROTO_TCP, TCP_CONGESTION, "newreno", 7) == 0);
	CHECK(iotcp_getsockopt(c, sd, IPPROTO_TCP, TCP_CONGESTION, cc, &cl) == 0);
	CHECK(strcmp(cc, "newreno") == 0);
	CHECK(iotcp_setsockopt(c, sd, IPPROTO_TCP, TCP_CONGESTION, "bbr", 3) == -1 &&
	      errno == ENOENT);
	/* MSS above what the MTU carries is clamped. */
	v = 9000;
	CHECK(iotcp_setsockopt(c, sd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)) == 0);
	l = sizeof(v);
	CHECK(iotcp_getsockopt(c, sd, IPPROTO_TCP, TCP_MAXSEG, &v, &l) == 0 && v == 1460);
	/* Bad values, lengths, options. */
	v = 10;
	CHECK(iotcp_setsockopt(c, sd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)) == -1 &&
	      errno == EINVAL);
	v = 0;
	CHECK(iotcp_setsockopt(c, sd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)) == -1 &&
	      errno == EINVAL);
	CHECK(iotcp_setsockopt(c, sd, SOL_SOCKET, SO_REUSEADDR, &v, 2) == -1 && errno == EINVAL);
	CHECK(iotcp_setsockopt(c, sd, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)) == -1 &&
	      errno == ENOPROTOOPT);
	CHECK(iotcp_setsockopt(c, sd, SOL_SOCKET, SO_ERROR, &v, sizeof(v)) == -1 &&
	      errno == ENOPROTOOPT);
	CHECK(iotcp_setsockopt(c, sd, SOL_SOCKET, SO_REUSEADDR, NULL, 4) == -1 && errno == EFAULT);
	l = sizeof(v);
	CHECK(iotcp_getsockopt(c, sd, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_STREAM);

	/* errno values of the calls. */
	char buf[8];
	struct sockaddr_in sa = sin_of(0xc6120050u, 80);
	CHECK(iotcp_bind(c, sd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	      errno == EADDRNOTAVAIL);
	CHECK(iotcp_bind(c, sd, (struct sockaddr *)&sa, 4) == -1 && errno == EINVAL);
	CHECK(iotcp_read(c, sd, buf, sizeof(buf)) == -1 && errno == ENOTCONN);
	CHECK(iotcp_write(c, sd, buf, sizeof(buf)) == -1 && errno == ENOTCONN);
	CHECK(iotcp_accept(c, sd, NULL, NULL) == -1 && errno == EINVAL);
	CHECK(iotcp_shutdown(c, sd, SHUT_WR) == -1 && errno == ENOTCONN);
	socklen_t sl = sizeof(sa);
	CHECK(iotcp_getpeername(c, sd, (struct sockaddr *)&sa, &sl) == -1 && errno == ENOTCONN);
	sa = sin_of(IP_A, 9000);
	CHECK(iotcp_bind(c, sd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	int sd2 = iotcp_socket(c, AF_INET, SOCK_STREAM, 0);
	CHECK(iotcp_bind(c, sd2, (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno == EADDRINUSE);
	CHECK(iotcp_listen(c, sd, 4) == 0);
	CHECK(iotcp_accept(c, sd, NULL, NULL) == -1 && errno == EAGAIN);
	CHECK(iotcp_connect(c, sd, (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno == EISCONN);
	l = sizeof(v);
	CHECK(iotcp_getsockopt(c, sd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v == 1);
	CHECK(iotcp_socket(c, AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
	CHECK(iotcp_socket(c, AF_INET, SOCK_DGRAM, 0) == -1 && errno == ESOCKTNOSUPPORT);
	CHECK(iotcp_read(c, 12345, buf, 1) == -1 && errno == EBADF);
	CHECK(iotcp_read(c, -1, buf, 1) == -1 && errno == EBADF);
	CHECK(iotcp_read(c, p->epa, buf, 1) == -1 && errno == ENOTSOCK);
	CHECK(iotcp_shutdown(c, sd, 7) == -1 && errno == EINVAL);
	/* No NIC daemon on this link: offload is not available. */
	CHECK(iotcp_offload_open(c, sd, "index.html") == -1 && errno == EOPNOTSUPP);
	iotcp_close(c, sd);
	iotcp_close(c, sd2);
}

static void many_sockets(struct pair *p)
{
	/* The descriptor table grows and reuses freed slots. */
	int sds[300];
	for (int i = 0; i < 300; i++) {
		sds[i] = iotcp_socket(p->a, AF_INET, SOCK_STREAM, 0);
		CHECK(sds[i] >= 0);
	}
	for (int i = 0; i < 300; i++)
		CHECK(iotcp_close(p->a, sds[i]) == 0);
	int again = iotcp_socket(p->a, AF_INET, SOCK_STREAM, 0);
	CHECK(again >= 0 && again < 400);
	iotcp_close(p->a, again);
}

/* Connect sd on b (any family) to to; accept it on a's listener lsd into *as, the peer's
 * name in *from. True once both ends are established. */
static bool connect_any(struct pair *p, int lsd, int bs, const struct sockaddr *to, socklen_t tl,
			int *as, struct sockaddr_storage *from, socklen_t *fl)
{
	int ep = iotcp_epoll_create(p->b);

	CHECK(iotcp_connect(p->b, bs, to, tl) == -1 && errno == EINPROGRESS);
	watch(p->b, ep, bs, EPOLLOUT);
	uint32_t ev = wait_events(p, p->b, ep, EPOLLOUT | EPOLLERR, 3000);
	iotcp_close(p->b, ep);
	*as = -1;
	for (int i = 0; i < 1000 && *as < 0 && (ev & EPOLLOUT); i++) {
		*fl = sizeof(*from);
		*as = iotcp_accept(p->a, lsd, (struct sockaddr *)from, fl);
		if (*as < 0)
			pump(p);
	}
	return *as >= 0 && (ev & EPOLLOUT) && !(ev & EPOLLERR);
}

/* A connection attempt that must be refused (RST): b's socket reports ECONNREFUSED. */
static void connect_refused(struct pair *p, int family, const struct sockaddr *to, socklen_t tl)
{
	int bs = iotcp_socket(p->b, family, SOCK_STREAM, 0), ep = iotcp_epoll_create(p->b), e = 0;
	socklen_t el = sizeof(e);

	CHECK(iotcp_connect(p->b, bs, to, tl) == -1 && errno == EINPROGRESS);
	watch(p->b, ep, bs, EPOLLOUT);
	CHECK(wait_events(p, p->b, ep, EPOLLERR, 3000) & EPOLLERR);
	CHECK(iotcp_getsockopt(p->b, bs, SOL_SOCKET, SO_ERROR, &e, &el) == 0);
	CHECK_EQ_U64(e, ECONNREFUSED);
	iotcp_close(p->b, ep);
	iotcp_close(p->b, bs);
}

/* IPv6 (issue 13): an AF_INET6 listener on [::] takes IPv6 connections (Neighbor Discovery
 * both ways, names as sockaddr_in6, the IPv6 MSS, bytes exact both ways) and IPv4 ones (named
 * by IPv4-mapped addresses); an AF_INET listener takes no IPv6 connection, one bound to our
 * IPv6 address no IPv4 one; the address and family errors of bind and connect. */
static void ipv6_dual_stack(struct pair *p)
{
	struct ipv6_addr a6 = ip6_of(1), b6 = ip6_of(2);
	struct sockaddr_in6 any6 = sin6_of(&(struct ipv6_addr){{0}}, 8086);
	struct sockaddr_in6 to6 = sin6_of(&a6, 8086), name6;
	struct sockaddr_storage from;
	socklen_t fl, nl;
	int lsd = iotcp_socket(p->a, AF_INET6, SOCK_STREAM, 0), as, bs, v;

	CHECK(lsd >= 0);
	CHECK(iotcp_bind(p->a, lsd, (struct sockaddr *)&any6, sizeof(any6)) == 0);
	CHECK(iotcp_listen(p->a, lsd, 16) == 0);
	nl = sizeof(name6);
	CHECK(iotcp_getsockname(p->a, lsd, (struct sockaddr *)&name6, &nl) == 0);
	CHECK(nl == sizeof(name6) && name6.sin6_family == AF_INET6 &&
	      IN6_IS_ADDR_UNSPECIFIED(&name6.sin6_addr) && ntohs(name6.sin6_port) == 8086);

	/* IPv6 both ways. */
	bs = iotcp_socket(p->b, AF_INET6, SOCK_STREAM, 0);
	uint64_t ns_before = counter(p->a, "host_nd_solicits_rx");
	CHECK(connect_any(p, lsd, bs, (struct sockaddr *)&to6, sizeof(to6), &as, &from, &fl));
	CHECK(counter(p->a, "host_nd_solicits_rx") > ns_before); /* b resolved a */
	CHECK(counter(p->b, "host_nd_adverts_rx") >= 1);
	const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)&from;
	CHECK(fl == sizeof(struct sockaddr_in6) && f6->sin6_family == AF_INET6);
	CHECK(memcmp(&f6->sin6_addr, b6.b, 16) == 0);
	nl = sizeof(name6);
	CHECK(iotcp_getsockname(p->a, as, (struct sockaddr *)&name6, &nl) == 0);
	CHECK(memcmp(&name6.sin6_addr, a6.b, 16) == 0 && ntohs(name6.sin6_port) == 8086);
	nl = sizeof(name6);
	CHECK(iotcp_getpeername(p->b, bs, (struct sockaddr *)&name6, &nl) == 0);
	CHECK(memcmp(&name6.sin6_addr, a6.b, 16) == 0 && ntohs(name6.sin6_port) == 8086);
	nl = sizeof(name6);
	CHECK(iotcp_getsockname(p->b, bs, (struct sockaddr *)&name6, &nl) == 0);
	CHECK(memcmp(&name6.sin6_addr, b6.b, 16) == 0 && ntohs(name6.sin6_port) >= 49152);
	fl = sizeof(v);
	CHECK(iotcp_getsockopt(p->a, as, IPPROTO_TCP, TCP_MAXSEG, &v, &fl) == 0);
	/* IPv6 header: 20 bytes more than IPv4's; 12 of timestamp option in each segment */
	CHECK_EQ_U64(v, 1500 - 40 - 20 - 12);
	bulk(p, as, bs, 3u << 20);
	iotcp_close(p->a, as);
	iotcp_close(p->b, bs);

	/* IPv4 on the same [::] listener: an IPv4-mapped name. */
	struct sockaddr_in to4 = sin_of(IP_A, 8086);
	bs = iotcp_socket(p->b, AF_INET, SOCK_STREAM, 0);
	CHECK(connect_any(p, lsd, bs, (struct sockaddr *)&to4, sizeof(to4), &as, &from, &fl));
	CHECK(fl == sizeof(struct sockaddr_in6) && f6->sin6_family == AF_INET6);
	CHECK(IN6_IS_ADDR_V4MAPPED(&f6->sin6_addr));
	CHECK(memcmp(&f6->sin6_addr.s6_addr[12], &(uint32_t){htonl(IP_B)}, 4) == 0);
	bulk(p, as, bs, 64u << 10);
	iotcp_close(p->a, as);
	iotcp_close(p->b, bs);
	iotcp_close(p->a, lsd);

	/* An AF_INET listener: no IPv6 connection. */
	lsd = listener(p->a, 8087);
	to6.sin6_port = htons(8087);
	connect_refused(p, AF_INET6, (struct sockaddr *)&to6, sizeof(to6));
	iotcp_close(p->a, lsd);
	/* An AF_INET6 listener on our IPv6 address: no IPv4 connection. */
	lsd = iotcp_socket(p->a, AF_INET6, SOCK_STREAM, 0);
	to6.sin6_port = htons(8088);
	CHECK(iotcp_bind(p->a, lsd, (struct sockaddr *)&to6, sizeof(to6)) == 0);
	CHECK(iotcp_listen(p->a, lsd, 4) == 0);
	to4 = sin_of(IP_A, 8088);
	connect_refused(p, AF_INET, (struct sockaddr *)&to4, sizeof(to4));
	bs = iotcp_socket(p->b, AF_INET6, SOCK_STREAM, 0);
	CHECK(connect_any(p, lsd, bs, (struct sockaddr *)&to6, sizeof(to6), &as, &from, &fl));
	iotcp_close(p->a, as);
	iotcp_close(p->b, bs);
	iotcp_close(p->a, lsd);

	/* Errors. */
	int sd = iotcp_socket(p->a, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 other =
	    sin6_of(&(struct ipv6_addr){{0x20, 0x01, 0, 2, [15] = 0x99}}, 1);
	CHECK(iotcp_bind(p->a, sd, (struct sockaddr *)&other, sizeof(other)) == -1 &&
	      errno == EADDRNOTAVAIL);
	struct sockaddr_in sin = sin_of(IP_A, 1);
	CHECK(iotcp_bind(p->a, sd, (struct sockaddr *)&sin, sizeof(sin)) == -1 && errno == EINVAL);
	other = sin6_of(&(struct ipv6_addr){{0x20, 0x01, 0, 3, [15] = 1}}, 80); /* off-link */
	CHECK(iotcp_connect(p->a, sd, (struct sockaddr *)&other, sizeof(other)) == -1 &&
	      errno == ENETUNREACH);
	v = 1;
	CHECK(iotcp_setsockopt(p->a, sd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == -1 &&
	      errno == EINVAL);
	v = 0;
	CHECK(iotcp_setsockopt(p->a, sd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == 0);
	iotcp_close(p->a, sd);
}

static struct pair P; /* two host stacks wired back to back, shared by the tests */

static void test_ipv6_dual_stack(void)
{
	ipv6_dual_stack(&P);
}

static void test_sockopts_and_errors(void)
{
	sockopts_and_errors(&P);
}

static void test_many_sockets(void)
{
	many_sockets(&P);
}

static void test_connect_transfer_close(void)
{
	connect_transfer_close(&P);
}

static void test_epoll_modes(void)
{
	epoll_modes(&P);
}

/* iotcp_dump_stats writes the counters (frames, drops) to a file; iotcp_get_stats counts the
 * frames and connections of the tests before. */
static void test_stats_dump_and_counters(void)
{
	char path[] = "/tmp/iotcp-host-stats-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	CHECK(iotcp_dump_stats(P.a, path) == 0);
	FILE *f = fopen(path, "r");
	char line[256];
	bool seen_rx = false, seen_drop = false;
	while (f && fgets(line, sizeof(line), f)) {
		seen_rx |= strncmp(line, "host_rx_frames ", 15) == 0;
		seen_drop |= strncmp(line, "tcp_drop_", 9) == 0;
	}
	if (f)
		fclose(f);
	unlink(path);
	CHECK(seen_rx && seen_drop);
	struct iotcp_stats st;
	iotcp_get_stats(P.a, &st);
	CHECK(st.rx_frames > 1000 && st.tx_frames > 1000);
	CHECK(st.conns_total >= 3);
}

int main(int argc, char **argv)
{
	if (!pair_open(&P)) {
		CHECK(!"pair_open");
		CHECK_DONE();
	}
	RUN_INIT(argc, argv);
	RUN(test_sockopts_and_errors);
	RUN(test_many_sockets);
	RUN(test_connect_transfer_close);
	RUN(test_epoll_modes);
	RUN(test_ipv6_dual_stack);
	RUN(test_stats_dump_and_counters);
	iotcp_destroy(P.a);
	iotcp_destroy(P.b);
	RUN_DONE();
}
