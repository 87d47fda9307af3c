/* SPDX-License-Identifier: BSD-2-Clause */
/* Timers: RTO backoff doubles and resets (RFC 6298 5.5-5.7), ETIMEDOUT after the retry limit,
 * zero-window probing and recovery (RFC 9293 3.8.6.1), keep-alive (RFC 1122 4.2.3.6),
 * delayed ACK (RFC 9293 3.8.6.3) and Nagle (RFC 9293 3.7.4). */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "pair.h"

static struct tcp_config cfg_default(void)
{
	struct tcp_config c;
	tcp_config_default(&c);
	return c;
}

static bool drop_from_a;
static bool drop_from_b;
static tcp_time_t data_times[64];
static unsigned ndata;

static bool filt(struct pair *p, bool from_a, struct tcp_hdr *h, uint8_t *d, uint32_t *len)
{
	if (from_a && *len && ndata < 64)
		data_times[ndata++] = p->now;
	return from_a ? !drop_from_a : !drop_from_b;
}

static void test_rto_backoff(void)
{
	struct pair p;
	pair_init(&p, 1);
	struct tcp_config c = cfg_default();
	c.data_retries = 6;
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	p.filter = filt;
	ndata = 0;
	drop_from_a = true;
	tcp_send(cl, "x", 1);
	pair_run(&p, 5 * TCP_SEC);
	/* original at t0; the tail loss probe at the RTO's time, 200 ms (rto_min; RFC 8985 7.2:
	 * the probe takes the place of an RTO due before the PTO), which re-arms the RTO (7.3);
	 * then RTOs 200 ms (rto_min), 400, 800, 1600 after */
	CHECK_EQ_U64(ndata, 6);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->tlp_probes, 1);
	CHECK_EQ_U64(data_times[1] - data_times[0], 200 * TCP_MSEC);
	for (unsigned i = 2; i + 1 < ndata; i++) {
		tcp_time_t a = data_times[i] - data_times[i - 1],
			   b = data_times[i + 1] - data_times[i];
		CHECK_EQ_U64(b, 2 * a);
	}
	CHECK_EQ_U64(data_times[2] - data_times[1], 200 * TCP_MSEC);
	struct tcp_conn_info i;
	tcp_conn_info(cl, &i);
	CHECK_EQ_U64(i.rto, 3200 * TCP_MSEC);
	CHECK_EQ_U64(i.rto_timeouts, 4);
	/* the retransmission gets through: the backoff resets */
	drop_from_a = false;
	pair_run(&p, 4 * TCP_SEC);
	CHECK_EQ_U64(tcp_conn_readable(sv), 1);
	tcp_conn_info(cl, &i);
	CHECK(i.rto < 400 * TCP_MSEC);
	ndata = 0;
	drop_from_a = true;
	tcp_send(cl, "y", 1);
	pair_run(&p, 300 * TCP_MSEC);
	CHECK_EQ_U64(ndata, 2);
	CHECK_EQ_U64(data_times[1] - data_times[0], 200 * TCP_MSEC);
	/* the retry limit: ETIMEDOUT after data_retries consecutive timeouts */
	pair_run(&p, 120 * TCP_SEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(cl), ETIMEDOUT);
	CHECK_EQ_U64(tcp_send(cl, "z", 1), -ETIMEDOUT);
	drop_from_a = false;
	pair_free(&p);
}

static void test_zero_window(void)
{
	struct pair p;
	pair_init(&p, 2);
	struct tcp_config c = cfg_default();
	struct tcp_config small = c;
	small.rcvbuf = 8192;
	small.rcvbuf_auto = false; /* an explicit SO_RCVBUF */
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &small, &cl, &sv));
	static uint8_t buf[40000], rd[40000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i ^ (i >> 7));
	CHECK_EQ_U64(tcp_send(cl, buf, sizeof(buf)), sizeof(buf));
	pair_run(&p, 100 * TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_readable(sv), 8192);
	struct tcp_conn_info i;
	tcp_conn_info(cl, &i);
	CHECK_EQ_U64(i.snd_wnd, 0);
	/* probes keep going while the window stays closed; the connection survives */
	uint64_t before = p.segs_ab;
	pair_run(&p, 30 * TCP_SEC);
	uint64_t probes = p.segs_ab - before;
	CHECK(probes >= 4 && probes <= 12); /* backed off: 0.2, 0.4, ... capped */
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_ESTABLISHED);
	/* read, but lose the window update: the next probe discovers the open window */
	p.filter = filt;
	drop_from_b = true;
	size_t got = (size_t)tcp_recv(sv, rd, sizeof(rd));
	pair_pump(&p);
	drop_from_b = false;
	for (int k = 0; k < 2000 && got < sizeof(buf); k++) {
		pair_run(&p, 100 * TCP_MSEC);
		ssize_t r = tcp_recv(sv, rd + got, sizeof(rd) - got);
		if (r > 0)
			got += (size_t)r;
	}
	CHECK_EQ_U64(got, sizeof(buf));
	CHECK(memcmp(buf, rd, sizeof(buf)) == 0);
	pair_free(&p);
}

static void test_keepalive(void)
{
	struct pair p;
	pair_init(&p, 3);
	struct tcp_config c = cfg_default();
	c.keepalive = true;
	c.keep_idle = 10 * TCP_SEC;
	c.keep_intvl = TCP_SEC;
	c.keep_cnt = 3;
	struct tcp_config plain = cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &plain, &cl, &sv));
	uint64_t before = p.segs_ab;
	pair_run(&p, 9 * TCP_SEC);
	CHECK_EQ_U64(p.segs_ab, before); /* idle: nothing yet */
	pair_run(&p, 2 * TCP_SEC);
	CHECK_EQ_U64(p.segs_ab, before + 1); /* one probe, answered */
	const struct pair_logged *lg = pair_last(&p, 0);
	CHECK(lg && !lg->from_a); /* the peer's ACK */
	pair_run(&p, 30 * TCP_SEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_ESTABLISHED);
	/* the peer vanishes: keep_cnt unanswered probes, then ETIMEDOUT */
	p.filter = filt;
	drop_from_b = true;
	pair_run(&p, 9 * TCP_SEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_ESTABLISHED);
	pair_run(&p, 5 * TCP_SEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(cl), ETIMEDOUT);
	drop_from_b = false;
	pair_free(&p);
}

static void test_delack_nagle(void)
{
	struct pair p;
	pair_init(&p, 4);
	struct tcp_config c = cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	/* one small segment: its ACK waits for the delayed-ACK timer */
	tcp_send(cl, "a", 1);
	pair_pump(&p);
	uint64_t acks = p.segs_ba;
	pair_run(&p, 39 * TCP_MSEC);
	CHECK_EQ_U64(p.segs_ba, acks);
	pair_run(&p, 2 * TCP_MSEC);
	CHECK_EQ_U64(p.segs_ba, acks + 1);
	/* Nagle: a second small write waits while data is unacknowledged */
	tcp_send(cl, "b", 1);
	pair_pump(&p);
	uint64_t segs = p.segs_ab;
	tcp_send(cl, "c", 1);
	pair_pump(&p);
	CHECK_EQ_U64(p.segs_ab, segs);
	pair_run(&p, 50 * TCP_MSEC); /* the delayed ACK releases it */
	CHECK_EQ_U64(p.segs_ab, segs + 1);
	/* TCP_NODELAY sends at once */
	tcp_conn_set_nodelay(cl, true);
	tcp_send(cl, "d", 1);
	pair_pump(&p);
	tcp_send(cl, "e", 1);
	pair_pump(&p);
	CHECK_EQ_U64(p.segs_ab, segs + 3);
	/* two full segments are ACKed at once */
	static uint8_t big[2 * 1448];
	pair_run(&p, 100 * TCP_MSEC);
	acks = p.segs_ba;
	tcp_send(cl, big, sizeof(big));
	pair_pump(&p);
	CHECK_EQ_U64(p.segs_ba, acks + 1);
	pair_free(&p);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_rto_backoff);
	RUN(test_zero_window);
	RUN(test_keepalive);
	RUN(test_delack_nagle);
	RUN_DONE();
}
