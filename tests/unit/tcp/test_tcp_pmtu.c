/* SPDX-License-Identifier: BSD-2-Clause */
/* Path MTU discovery in the TCP core (pmtu.c): an ICMP too-big error lowers the MSS and the
 * data the smaller path dropped is resent at once in the new size, without an RTO and without
 * a congestion response (RFC 1191 section 6.5, RFC 8201); forged or useless errors are ignored
 * (RFC 5927 section 5.1); the floors (552 bytes IPv4) hold. A's segments longer than the path's
 * limit are dropped by the filter, as a router with a smaller MTU would. */
#include <string.h>

#include "../check.h"
#include "pair.h"

static uint32_t path_payload_max; /* A's data segments longer than this are dropped */
static uint32_t first_dropped_seq, ndropped;
static uint8_t got[1 << 16];
static uint32_t ngot;

static bool small_path(struct pair *p, bool from_a, struct tcp_hdr *h, uint8_t *d, uint32_t *len)
{
	(void)p;
	(void)d;
	if (!from_a || *len <= path_payload_max)
		return true;
	if (!ndropped++)
		first_dropped_seq = h->seq;
	return false;
}

static void drain(struct tcp_conn *sv)
{
	ssize_t n;
	while ((n = tcp_recv(sv, got + ngot, sizeof(got) - ngot)) > 0)
		ngot += (uint32_t)n;
}

static void setup(struct pair *p, struct tcp_conn **cl, struct tcp_conn **sv)
{
	struct tcp_config c = pair_cfg_default();
	c.nodelay = true;
	pair_init(p, 11);
	CHECK(pair_connect(p, &c, &c, cl, sv));
	path_payload_max = UINT32_MAX;
	ndropped = first_dropped_seq = 0;
	ngot = 0;
	p->filter = small_path;
}

static uint32_t conn_mss(const struct tcp_conn *c)
{
	struct tcp_conn_info i;
	tcp_conn_info(c, &i);
	return i.mss;
}

/* A 1240-byte path (1200 bytes of TCP payload and options): every full segment is dropped
 * until the error arrives; then the whole write arrives, in segments that fit, before any
 * retransmission timer could have fired. */
static void test_too_big_resends_in_new_size(void)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	setup(&p, &cl, &sv);
	CHECK_EQ_U64(conn_mss(cl), 1448); /* 1460 less the timestamp option */
	struct tcp_conn_info before;
	tcp_conn_info(cl, &before);

	static uint8_t buf[20000];
	for (uint32_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	path_payload_max = 1240 - 40 - 12; /* MTU 1240 - IPv4 and TCP headers - timestamps */
	CHECK_EQ_U64(tcp_send(cl, buf, sizeof(buf)), sizeof(buf));
	pair_pump(&p);
	CHECK(ndropped > 0);
	drain(sv);
	CHECK_EQ_U64(ngot, 0);

	CHECK_EQ_U64(tcp_stack_pmtu(p.a, tcp_conn_tuple(cl), first_dropped_seq, 1240, p.now), 1);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->pmtu_lowered, 1);
	CHECK_EQ_U64(conn_mss(cl), 1200 - 12);
	uint32_t dropped_then = ndropped;
	pair_pump(&p);
	drain(sv);
	CHECK_EQ_U64(ndropped, dropped_then); /* everything resent fits the path */
	CHECK_EQ_U64(ngot, sizeof(buf));
	CHECK(memcmp(got, buf, sizeof(buf)) == 0);
	pair_run(&p, 100 * TCP_MSEC); /* B's delayed ACK of the tail (40 ms); the RTO is 200 ms */
	struct tcp_conn_info after;
	tcp_conn_info(cl, &after);
	CHECK_EQ_U64(after.rto_timeouts, 0);
	CHECK_EQ_U64(after.fast_recoveries, 0);
	CHECK_EQ_U64(after.ssthresh, before.ssthresh); /* not a congestion signal */
	CHECK_EQ_U64(after.snd_una, after.snd_nxt);
	CHECK_EQ_U64(after.in_flight, 0);
	pair_free(&p);
}

/* RFC 5927 5.1 and the rules of RFC 1191 / 8201: errors that must change nothing. */
static void test_ignored_errors(void)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	setup(&p, &cl, &sv);
	struct tcp_tuple t = *tcp_conn_tuple(cl);
	uint32_t una = pair_hdr_from(cl, true).seq; /* nothing in flight: snd_una == snd_nxt */

	/* nothing outstanding: no sequence number can be in flight */
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una, 1240, p.now), 0);
	/* one segment held in flight (dropped by the filter) */
	static uint8_t buf[1000];
	path_payload_max = 0;
	CHECK_EQ_U64(tcp_send(cl, buf, sizeof(buf)), sizeof(buf));
	pair_pump(&p);
	CHECK_EQ_U64(ndropped, 1);
	/* a sequence number outside SND.UNA .. SND.NXT (a blind forgery) */
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una + 1000, 1240, p.now), 0);
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una - 1, 1240, p.now), 0);
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una + 0x80000000u, 1240, p.now), 0);
	/* no such connection */
	struct tcp_tuple other = t;
	other.rport++;
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &other, una, 1240, p.now), 0);
	/* not a decrease: the link's own MTU or more */
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una, 1500, p.now), 0);
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una, 9000, p.now), 0);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->pmtu_ignored, 7);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->pmtu_lowered, 0);
	CHECK_EQ_U64(conn_mss(cl), 1448);

	/* a tiny MTU is raised to the IPv4 floor of 552 bytes: 512 bytes of TCP payload and
	 * options; a second error for the same size changes nothing */
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una + 999, 68, p.now), 1);
	CHECK_EQ_U64(conn_mss(cl), 512 - 12);
	CHECK_EQ_U64(tcp_stack_pmtu(p.a, &t, una, 552, p.now), 0);
	/* the held segment is resent in pieces that fit */
	path_payload_max = 500;
	pair_pump(&p);
	drain(sv);
	CHECK_EQ_U64(ngot, sizeof(buf));
	CHECK_EQ_U64(tcp_stack_stats(p.a)->pmtu_lowered, 1);
	pair_free(&p);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_too_big_resends_in_new_size);
	RUN(test_ignored_errors);
	RUN_DONE();
}
