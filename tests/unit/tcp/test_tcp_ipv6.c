/* SPDX-License-Identifier: BSD-2-Clause */
/* The TCP core over IPv6: two stacks exchanging real IPv6 packets (pkt_build_tcp ->
 * pkt_decode_ipv6 -> tcp_stack_input6, checksums verified), the MSS rules (MTU - 60, 1220
 * without an option), dual-stack and IPv6-only listeners, IPv4 and IPv6 tuples side by side
 * in the flow table, SYN cookies and ISNs over the full 128-bit addresses, address checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "tcp/isn.h"
#include "tcp/syncookie.h"
#include "tcp/tcp.h"
#include "wire/pkt.h"

static const struct ipv6_addr ADDR_A = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
static const struct ipv6_addr ADDR_B = {{0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
#define V4_A 0xc6120002u
#define V4_B 0xc6120001u
#define MTU  1500

/* Two stacks, A and B, joined by an IPv6 (or IPv4) "link" of MTU bytes. */
struct net {
	struct tcp_stack *a, *b;
	tcp_time_t now;
	unsigned oversize; /* packets longer than the MTU */
	unsigned moved, bad_decode;
	uint16_t last_syn_mss; /* MSS option of the latest SYN or SYN-ACK */
};

static uint8_t pkt_buf[70000];

static void net_init(struct net *n)
{
	memset(n, 0, sizeof(*n));
	struct tcp_stack_config sc;
	tcp_stack_config_default(&sc);
	for (int i = 0; i < 16; i++)
		sc.secret.key[i] = (uint8_t)(i * 17 + 3);
	n->a = tcp_stack_new(&sc);
	sc.secret.key[0] ^= 0x5a;
	n->b = tcp_stack_new(&sc);
	n->now = 1000 * TCP_SEC;
}

static void net_free(struct net *n)
{
	tcp_stack_free(n->a);
	tcp_stack_free(n->b);
}

/* Deliver one built packet (raw IP) to dst the way a runtime would. */
static int deliver(struct net *n, struct tcp_stack *dst, const uint8_t *pkt, size_t len, bool v6)
{
	struct pkt_view v;
	enum pkt_err e = v6 ? pkt_decode_ipv6(pkt, len, &v, 0) : pkt_decode_ipv4(pkt, len, &v, 0);
	if (e != PKT_OK || v.kind != (v6 ? PKT_KIND_TCP6 : PKT_KIND_TCP)) {
		n->bad_decode++;
		return -1000;
	}
	if ((v.tcp.flags & TH_SYN) && (v.tcp.opts.present & TCP_OPT_F_MSS))
		n->last_syn_mss = v.tcp.opts.mss;
	if (v6)
		return tcp_stack_input6(dst, &v.ip6.src, &v.ip6.dst, &v.tcp, v.payload,
					(uint32_t)v.payload_len, n->now);
	return tcp_stack_input(dst, v.ip.saddr, v.ip.daddr, &v.tcp, v.payload,
			       (uint32_t)v.payload_len, n->now);
}

/* Build a segment the stack emitted into an IP packet of its tuple's family. */
static size_t build(const struct tcp_seg *s, uint8_t *buf, size_t cap)
{
	static uint8_t ext[70000];
	struct tcp_hdr h = s->hdr;
	struct iovec iov[2];
	int iovcnt = 0;
	if (s->kind == TCP_PAYLOAD_INLINE) {
		for (int i = 0; i < 2; i++)
			if (s->plen[i])
				iov[iovcnt++] = (struct iovec){(void *)(uintptr_t)s->p[i], s->plen[i]};
	} else if (s->kind == TCP_PAYLOAD_EXT) {
		memset(ext, 0x5e, s->len);
		iov[iovcnt++] = (struct iovec){ext, s->len};
	}
	bool v6 = s->tuple.family == TCP_AF_INET6;
	struct pkt_tcp_out o = {.saddr = s->tuple.laddr,
				.daddr = s->tuple.raddr,
				.src6 = v6 ? &s->tuple.laddr6 : NULL,
				.dst6 = v6 ? &s->tuple.raddr6 : NULL,
				.ttl = 64,
				.tcp = &h,
				.iov = iov,
				.iovcnt = iovcnt};
	return pkt_build_tcp(buf, cap, &o);
}

static bool move_one(struct net *n, bool from_a)
{
	struct tcp_seg s;
	if (!tcp_stack_output(from_a ? n->a : n->b, &s, n->now))
		return false;
	size_t len = build(&s, pkt_buf, sizeof(pkt_buf));
	if (!len)
		abort();
	if (len > MTU)
		n->oversize++;
	n->moved++;
	deliver(n, from_a ? n->b : n->a, pkt_buf, len, s.tuple.family == TCP_AF_INET6);
	return true;
}

static void pump(struct net *n)
{
	for (int guard = 0; guard < 1000000; guard++) {
		bool any = move_one(n, true);
		any |= move_one(n, false);
		if (!any)
			return;
	}
}

static void run(struct net *n, tcp_time_t dt)
{
	tcp_time_t end = n->now + dt;
	pump(n);
	for (int guard = 0; guard < 100000; guard++) {
		tcp_time_t da = tcp_stack_deadline(n->a), db = tcp_stack_deadline(n->b);
		tcp_time_t d = da < db ? da : db;
		if (d > end)
			break;
		if (d > n->now)
			n->now = d;
		tcp_stack_timers(n->a, n->now);
		tcp_stack_timers(n->b, n->now);
		pump(n);
	}
	n->now = end;
	pump(n);
}

/* A hand-made IPv6 segment into dst. */
static int inject6(struct net *n, struct tcp_stack *dst, const struct ipv6_addr *src,
		   const struct ipv6_addr *to, struct tcp_hdr h, const void *data, size_t len)
{
	struct iovec iov = {(void *)(uintptr_t)data, len};
	struct pkt_tcp_out o = {
	    .src6 = src, .dst6 = to, .ttl = 64, .tcp = &h, .iov = &iov, .iovcnt = len ? 1 : 0};
	size_t pl = pkt_build_tcp(pkt_buf, sizeof(pkt_buf), &o);
	if (!pl)
		abort();
	return deliver(n, dst, pkt_buf, pl, true);
}

/* The next segment dst has for the wire, as decoded IPv6 (false when none). */
static bool take6(struct net *n, struct tcp_stack *from, struct pkt_view *v)
{
	struct tcp_seg s;
	if (!tcp_stack_output(from, &s, n->now))
		return false;
	size_t len = build(&s, pkt_buf, sizeof(pkt_buf));
	return pkt_decode_ipv6(pkt_buf, len, v, 0) == PKT_OK;
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed) ^ (i >> 9));
}

/* Send len bytes one way, reading them on the other side. */
static bool transfer(struct net *n, struct tcp_conn *from, struct tcp_conn *to, size_t len,
		     unsigned seed)
{
	uint8_t *src = malloc(len), *dst = malloc(len);
	size_t sent = 0, got = 0;
	bool ok = src && dst;
	if (ok)
		fill(src, len, seed);
	for (int round = 0; ok && got < len && round < 100000; round++) {
		if (sent < len) {
			ssize_t w = tcp_send(from, src + sent, len - sent);
			if (w > 0)
				sent += (size_t)w;
		}
		run(n, TCP_MSEC);
		ssize_t r;
		while ((r = tcp_recv(to, dst + got, len - got)) > 0)
			got += (size_t)r;
	}
	ok = ok && got == len && memcmp(src, dst, len) == 0;
	free(src);
	free(dst);
	return ok;
}

static void test_ipv6_connection(void)
{
	struct net n;
	net_init(&n);
	int err = 0;
	struct tcp_listener *l = tcp_listen(n.b, 0, 80, 16, NULL, &err); /* dual stack */
	CHECK(l != NULL);
	struct tcp_tuple t = tcp_tuple6(&ADDR_A, 40000, &ADDR_B, 80);
	struct tcp_conn *c = tcp_connect(n.a, &t, NULL, n.now, &err);
	CHECK(c != NULL);
	if (!l || !c)
		goto out;
	run(&n, 10 * TCP_MSEC);
	struct tcp_conn *sc = tcp_accept(l);
	CHECK(sc != NULL);
	if (!sc)
		goto out;
	CHECK_EQ_U64(tcp_conn_state(c), TCP_ESTABLISHED);
	CHECK_EQ_U64(tcp_conn_state(sc), TCP_ESTABLISHED);
	/* Default MSS 1460 (an IPv4 link of MTU 1500): IPv6 advertises 1500 - 60. */
	CHECK_EQ_U64(n.last_syn_mss, 1440);
	const struct tcp_tuple *st = tcp_conn_tuple(sc);
	CHECK(st->family == TCP_AF_INET6 && st->lport == 80 && st->rport == 40000);
	CHECK(ipv6_addr_equal(&st->laddr6, &ADDR_B) && ipv6_addr_equal(&st->raddr6, &ADDR_A));
	CHECK(st->laddr == 0 && st->raddr == 0);
	struct tcp_conn_info ci;
	tcp_conn_info(sc, &ci);
	CHECK_EQ_U64(ci.mss, 1440 - 12); /* timestamps on */
	CHECK(ci.ts_ok && ci.sack_ok);

	/* Data both ways, byte-exact; no packet above the MTU. */
	CHECK(transfer(&n, sc, c, 300000, 1));
	CHECK(transfer(&n, c, sc, 50000, 2));
	CHECK_EQ_U64(n.oversize, 0);
	CHECK_EQ_U64(n.bad_decode, 0);

	/* A graceful close both ways. */
	tcp_close(c);
	tcp_close(sc);
	run(&n, 5 * TCP_SEC);
	CHECK_EQ_U64(tcp_stack_stats(n.a)->drops[TCP_DROP_NO_CONN], 0);
	CHECK_EQ_U64(tcp_stack_stats(n.b)->drops[TCP_DROP_NO_CONN], 0);
	CHECK(tcp_stack_check(n.a) == NULL && tcp_stack_check(n.b) == NULL);
out:
	net_free(&n);
}

/* Without an MSS option the peer is assumed to take 1220 bytes over IPv6 (RFC 9293 3.7.1),
 * 536 over IPv4; a smaller configured MSS shrinks IPv6 by 20 bytes. */
static void test_ipv6_default_mss(void)
{
	struct net n;
	net_init(&n);
	int err = 0;
	struct tcp_config cfg;
	tcp_config_default(&cfg);
	cfg.timestamps = false;
	struct tcp_listener *l = tcp_listen(n.b, 0, 80, 16, &cfg, &err);
	CHECK(l != NULL);
	struct tcp_hdr syn = {.sport = 1234, .dport = 80, .seq = 1000, .flags = TH_SYN, .wnd = 65535};
	CHECK_EQ_U64(inject6(&n, n.b, &ADDR_A, &ADDR_B, syn, NULL, 0), 0);
	struct pkt_view v;
	CHECK(take6(&n, n.b, &v));
	CHECK(v.tcp.flags == (TH_SYN | TH_ACK) && v.tcp.opts.mss == 1440);
	struct tcp_hdr ack = {.sport = 1234, .dport = 80, .seq = 1001, .ack = v.tcp.seq + 1,
			      .flags = TH_ACK, .wnd = 65535};
	CHECK_EQ_U64(inject6(&n, n.b, &ADDR_A, &ADDR_B, ack, NULL, 0), 0);
	struct tcp_conn *sc = tcp_accept(l);
	CHECK(sc != NULL);
	if (sc) {
		struct tcp_conn_info ci;
		tcp_conn_info(sc, &ci);
		CHECK_EQ_U64(ci.mss, 1220);
	}

	/* A configured MSS of 1000 (IPv4) is 980 for IPv6; TCP_MAXSEG's floor still holds. */
	cfg.mss = 1000;
	struct tcp_listener *l2 = tcp_listen(n.b, 0, 81, 16, &cfg, &err);
	CHECK(l2 != NULL);
	syn.dport = 81;
	CHECK_EQ_U64(inject6(&n, n.b, &ADDR_A, &ADDR_B, syn, NULL, 0), 0);
	CHECK(take6(&n, n.b, &v));
	CHECK_EQ_U64(v.tcp.opts.mss, 980);
	net_free(&n);
}

static void test_ipv6_listeners(void)
{
	struct net n;
	net_init(&n);
	int err = 0;
	struct ipv6_addr other = ADDR_B, mcast;
	other.b[15] = 9;
	CHECK_EQ_U64(ipv6_parse("ff02::1", &mcast), 0);

	/* IPv6-only listener on ADDR_B:80 beside a dual-stack wildcard on :80. */
	struct tcp_listener *l6 = tcp_listen6(n.b, &ADDR_B, 80, 16, NULL, &err);
	CHECK(l6 != NULL && err == 0);
	CHECK(tcp_listen6(n.b, &ADDR_B, 80, 16, NULL, &err) == NULL && err == EADDRINUSE);
	CHECK(tcp_listen6(n.b, &mcast, 80, 16, NULL, &err) == NULL && err == EINVAL);
	struct tcp_listener *any = tcp_listen6(n.b, &(struct ipv6_addr){{0}}, 80, 16, NULL, &err);
	CHECK(any != NULL);
	/* [::] is the same wildcard as IPv4 0.0.0.0. */
	CHECK(tcp_listen(n.b, 0, 80, 16, NULL, &err) == NULL && err == EADDRINUSE);
	if (!l6 || !any)
		goto out;

	/* A SYN to ADDR_B goes to the bound listener, to another address to the wildcard, and
	 * an IPv4 SYN to the wildcard too. */
	struct tcp_hdr syn = {.sport = 1000, .dport = 80, .seq = 1, .flags = TH_SYN, .wnd = 65535};
	struct tcp_tuple t1 = tcp_tuple6(&ADDR_A, 1001, &ADDR_B, 80);
	struct tcp_tuple t2 = tcp_tuple6(&ADDR_A, 1002, &other, 80);
	struct tcp_tuple t3 = {.laddr = V4_A, .raddr = V4_B, .lport = 1003, .rport = 80};
	CHECK(tcp_connect(n.a, &t1, NULL, n.now, &err) != NULL);
	CHECK(tcp_connect(n.a, &t2, NULL, n.now, &err) != NULL);
	CHECK(tcp_connect(n.a, &t3, NULL, n.now, &err) != NULL);
	run(&n, 10 * TCP_MSEC);
	struct tcp_conn *c1 = tcp_accept(l6), *c2 = tcp_accept(any), *c3 = tcp_accept(any);
	CHECK(c1 && c2 && c3);
	CHECK(tcp_accept(l6) == NULL && tcp_accept(any) == NULL);
	if (c1 && c2 && c3) {
		CHECK(tcp_conn_tuple(c1)->rport == 1001 && tcp_conn_tuple(c1)->family == 1);
		CHECK(tcp_conn_tuple(c2)->rport == 1002 &&
		      ipv6_addr_equal(&tcp_conn_tuple(c2)->laddr6, &other));
		CHECK(tcp_conn_tuple(c3)->rport == 1003 && tcp_conn_tuple(c3)->family == 0);
		CHECK(tcp_conn_tuple(c3)->laddr == V4_B);
	}

	/* Without the wildcard, an IPv6 SYN to another address is refused with a RST. */
	tcp_listener_close(any);
	syn.sport = 1004;
	int rc = inject6(&n, n.b, &ADDR_A, &other, syn, NULL, 0);
	CHECK_EQ_U64((uint64_t)(int64_t)rc, (uint64_t)(int64_t)(-1 - TCP_DROP_NO_CONN));
	struct pkt_view v;
	CHECK(take6(&n, n.b, &v));
	CHECK((v.tcp.flags & TH_RST) && ipv6_addr_equal(&v.ip6.src, &other) &&
	      ipv6_addr_equal(&v.ip6.dst, &ADDR_A));
	/* An IPv4 SYN to port 80 finds no IPv4 listener either. */
	struct tcp_hdr h4 = syn;
	h4.sport = 1005;
	rc = tcp_stack_input(n.b, V4_A, V4_B, &h4, NULL, 0, n.now);
	CHECK_EQ_U64((uint64_t)(int64_t)rc, (uint64_t)(int64_t)(-1 - TCP_DROP_NO_CONN));
out:
	net_free(&n);
}

/* IPv4 and IPv6 connections with the same ports and the same low 32 address bits are different
 * connections; hundreds of each grow the table and every one is found. */
static void test_ipv6_flow_table(void)
{
	struct net n;
	net_init(&n);
	int err = 0;
	struct tcp_config cfg;
	tcp_config_default(&cfg);
	cfg.sndbuf = cfg.rcvbuf = 8192;
	cfg.sndbuf_auto = cfg.rcvbuf_auto = false;
	struct tcp_listener *l = tcp_listen(n.b, 0, 80, 2000, &cfg, &err);
	CHECK(l != NULL);
	enum { N = 300 };
	static struct tcp_conn *cli[2 * N];
	for (int i = 0; i < N; i++) {
		struct ipv6_addr a6 = ADDR_A;
		a6.b[8] = (uint8_t)i; /* differs above the low 32 bits */
		a6.b[12] = 0xc6;      /* low 32 bits equal to the IPv4 client's 198.18.0.2 */
		a6.b[13] = 0x12;
		a6.b[15] = 2;
		struct tcp_tuple t6 = tcp_tuple6(&a6, (uint16_t)(20000 + i), &ADDR_B, 80);
		struct tcp_tuple t4 = {
		    .laddr = V4_A, .raddr = V4_B, .lport = (uint16_t)(20000 + i), .rport = 80};
		cli[i] = tcp_connect(n.a, &t6, &cfg, n.now, &err);
		cli[N + i] = tcp_connect(n.a, &t4, &cfg, n.now, &err);
		CHECK(cli[i] && cli[N + i]);
	}
	/* The same tuple again is in use, family and all. */
	struct ipv6_addr a0 = ADDR_A;
	a0.b[8] = 0;
	a0.b[12] = 0xc6;
	a0.b[13] = 0x12;
	struct tcp_tuple dup = tcp_tuple6(&a0, 20000, &ADDR_B, 80);
	CHECK(tcp_connect(n.a, &dup, &cfg, n.now, &err) == NULL && err == EADDRINUSE);
	run(&n, 50 * TCP_MSEC);
	CHECK_EQ_U64(tcp_stack_conn_count(n.b), 2 * N);
	unsigned v6 = 0, v4 = 0, bad = 0;
	struct tcp_conn *sc;
	while ((sc = tcp_accept(l)) != NULL) {
		const struct tcp_tuple *t = tcp_conn_tuple(sc);
		if (t->family == TCP_AF_INET6)
			v6++;
		else
			v4++;
		/* Each server connection answers with the byte its client's port says. */
		uint8_t b = (uint8_t)(t->rport + t->family);
		if (tcp_send(sc, &b, 1) != 1)
			bad++;
	}
	CHECK_EQ_U64(v6, N);
	CHECK_EQ_U64(v4, N);
	run(&n, 50 * TCP_MSEC);
	for (int i = 0; i < 2 * N; i++) {
		uint8_t b = 0;
		if (!cli[i] || tcp_recv(cli[i], &b, 1) != 1 ||
		    b != (uint8_t)(20000 + i % N + (i < N ? 1 : 0)))
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(n.bad_decode, 0);
	CHECK(tcp_stack_check(n.a) == NULL && tcp_stack_check(n.b) == NULL);
	net_free(&n);
}

/* SYN cookies over IPv6: a full backlog answers with a cookie carrying the IPv6 MSS; the ACK
 * completes; the same ACK from an address differing only in its top bytes is refused. */
static void test_ipv6_syncookies(void)
{
	struct net n;
	net_init(&n);
	int err = 0;
	struct tcp_listener *l = tcp_listen(n.b, 0, 80, 1, NULL, &err);
	CHECK(l != NULL);
	struct tcp_hdr syn = {.sport = 5000, .dport = 80, .seq = 7000, .flags = TH_SYN, .wnd = 65535};
	syn.opts.present = TCP_OPT_F_MSS;
	syn.opts.mss = 1440;
	CHECK_EQ_U64(inject6(&n, n.b, &ADDR_A, &ADDR_B, syn, NULL, 0), 0); /* fills the backlog */
	struct pkt_view v;
	CHECK(take6(&n, n.b, &v) && v.tcp.flags == (TH_SYN | TH_ACK));
	struct ipv6_addr c2 = ADDR_A;
	c2.b[15] = 7;
	syn.sport = 5001;
	CHECK_EQ_U64(inject6(&n, n.b, &c2, &ADDR_B, syn, NULL, 0), 0);
	CHECK(take6(&n, n.b, &v));
	CHECK(v.tcp.flags == (TH_SYN | TH_ACK) && v.tcp.opts.mss == 1440);
	CHECK(ipv6_addr_equal(&v.ip6.dst, &c2));
	CHECK_EQ_U64(tcp_stack_stats(n.b)->cookies_sent, 1);
	uint32_t cookie = v.tcp.seq;

	/* The ACK from an address that differs only in byte 0 (the low 32 bits agree). */
	struct ipv6_addr forged = c2;
	forged.b[0] ^= 0x80;
	struct tcp_hdr ack = {.sport = 5001, .dport = 80, .seq = 7001, .ack = cookie + 1,
			      .flags = TH_ACK, .wnd = 65535};
	CHECK(inject6(&n, n.b, &forged, &ADDR_B, ack, NULL, 0) < 0);
	CHECK_EQ_U64(tcp_stack_stats(n.b)->drops[TCP_DROP_BAD_COOKIE], 1);
	/* The real one completes it (the first connection is still embryonic: the cookie
	 * connection goes to the accept queue). */
	CHECK_EQ_U64(inject6(&n, n.b, &c2, &ADDR_B, ack, NULL, 0), 0);
	CHECK_EQ_U64(tcp_stack_stats(n.b)->cookies_ok, 1);
	struct tcp_conn *sc = tcp_accept(l);
	CHECK(sc != NULL);
	if (sc) {
		struct tcp_conn_info ci;
		tcp_conn_info(sc, &ci);
		CHECK_EQ_U64(ci.mss, 1440);
		CHECK(ipv6_addr_equal(&tcp_conn_tuple(sc)->raddr6, &c2));
	}

	/* The cookie function alone: every address byte matters; IPv4 and IPv6 never mix. */
	struct tcp_secret key = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
	struct tcp_tuple t = tcp_tuple6(&ADDR_B, 80, &ADDR_A, 5000);
	uint16_t m = 0;
	tcp_time_t now = 500 * TCP_SEC;
	uint32_t ck = tcp_syncookie_make(&key, &t, 99, 1440, now, &m);
	CHECK(tcp_syncookie_check(&key, &t, 100, ck + 1, now, &m) && m == 1440);
	unsigned missed = 0;
	for (int i = 0; i < 32; i++) {
		struct tcp_tuple u = t;
		uint8_t *b = i < 16 ? &u.laddr6.b[i] : &u.raddr6.b[i - 16];
		*b ^= 1;
		if (tcp_syncookie_check(&key, &u, 100, ck + 1, now, &m))
			missed++;
	}
	CHECK_EQ_U64(missed, 0);
	struct tcp_tuple t4 = {.lport = 80, .rport = 5000}; /* 0.0.0.0 both: another family */
	CHECK(!tcp_syncookie_check(&key, &t4, 100, ck + 1, now, &m));
	net_free(&n);
}

/* ISNs and timestamp offsets depend on the whole 128-bit addresses (RFC 6528 section 3). */
static void test_ipv6_isn(void)
{
	struct tcp_secret key = {{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}};
	struct tcp_tuple t = tcp_tuple6(&ADDR_B, 80, &ADDR_A, 5000);
	uint32_t isn = tcp_isn(&key, &t, 0), tso = tcp_ts_offset(&key, &t);
	unsigned same = 0;
	for (int i = 0; i < 32; i++) {
		struct tcp_tuple u = t;
		uint8_t *b = i < 16 ? &u.laddr6.b[i] : &u.raddr6.b[i - 16];
		*b ^= 0x40;
		if (tcp_isn(&key, &u, 0) == isn || tcp_ts_offset(&key, &u) == tso)
			same++;
	}
	CHECK_EQ_U64(same, 0);
}

/* Addresses no connection may use are dropped as TCP_DROP_BAD_ADDR; connect refuses them. */
static void test_ipv6_bad_addrs(void)
{
	struct net n;
	net_init(&n);
	int err = 0;
	CHECK(tcp_listen(n.b, 0, 80, 16, NULL, &err) != NULL);
	struct ipv6_addr mcast, mapped, zero = {{0}};
	CHECK_EQ_U64(ipv6_parse("ff02::1", &mcast), 0);
	CHECK_EQ_U64(ipv6_parse("::ffff:198.18.0.2", &mapped), 0);
	struct tcp_hdr syn = {.sport = 1, .dport = 80, .seq = 1, .flags = TH_SYN, .wnd = 100};
	const struct ipv6_addr *bad[] = {&mcast, &mapped, &zero};
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_U64((uint64_t)(int64_t)inject6(&n, n.b, bad[i], &ADDR_B, syn, NULL, 0),
			     (uint64_t)(int64_t)(-1 - TCP_DROP_BAD_ADDR));
		CHECK_EQ_U64((uint64_t)(int64_t)inject6(&n, n.b, &ADDR_A, bad[i], syn, NULL, 0),
			     (uint64_t)(int64_t)(-1 - TCP_DROP_BAD_ADDR));
		struct tcp_tuple t = tcp_tuple6(&ADDR_A, 2000, bad[i], 80);
		CHECK(tcp_connect(n.a, &t, NULL, n.now, &err) == NULL && err == EINVAL);
		t = tcp_tuple6(bad[i], 2000, &ADDR_B, 80);
		CHECK(tcp_connect(n.a, &t, NULL, n.now, &err) == NULL && err == EINVAL);
	}
	CHECK_EQ_U64(tcp_stack_stats(n.b)->drops[TCP_DROP_BAD_ADDR], 6);
	struct pkt_view v;
	CHECK(!take6(&n, n.b, &v)); /* nothing answered */
	/* An unknown family is refused. */
	struct tcp_tuple t = tcp_tuple6(&ADDR_A, 2000, &ADDR_B, 80);
	t.family = 7;
	CHECK(tcp_connect(n.a, &t, NULL, n.now, &err) == NULL && err == EINVAL);
	net_free(&n);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_ipv6_connection);
	RUN(test_ipv6_default_mss);
	RUN(test_ipv6_listeners);
	RUN(test_ipv6_flow_table);
	RUN(test_ipv6_syncookies);
	RUN(test_ipv6_isn);
	RUN(test_ipv6_bad_addrs);
	RUN_DONE();
}
