/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 7323 PAWS, RFC 5961 challenge ACKs (RST, SYN, blind data) and their rate limit, and
 * bad input of every kind: dropped, counted, never a crash. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "pair.h"
#include "util/rng.h"

static void test_paws(void)
{
	struct pair p;
	pair_init(&p, 1);
	struct tcp_config c = pair_cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	pair_run(&p, 50 * TCP_MSEC);
	const struct pair_logged *last = NULL;
	for (unsigned k = 0; (last = pair_last(&p, k)) != NULL; k++)
		if (!last->from_a)
			break;
	CHECK(last && (last->h.opts.present & TCP_OPT_F_TS));
	uint32_t tsv = last->h.opts.ts_val;
	struct tcp_hdr h = pair_hdr_from(sv, false);
	h.flags |= TH_PSH;
	h.opts.present = TCP_OPT_F_TS;
	h.opts.ts_val = tsv - 1000; /* older than TS.Recent */
	h.opts.ts_ecr = 0;
	uint64_t segs = p.segs_ab;
	CHECK(pair_inject(&p, false, &h, (const uint8_t *)"old", 3) < 0);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->drops[TCP_DROP_PAWS], 1);
	CHECK_EQ_U64(tcp_conn_readable(cl), 0);
	pair_pump(&p);
	CHECK_EQ_U64(p.segs_ab, segs + 1); /* R1: an ACK answers the old segment */
	h.opts.ts_val = tsv + 5;
	CHECK_EQ_U64(pair_inject(&p, false, &h, (const uint8_t *)"new", 3), 0);
	CHECK_EQ_U64(tcp_conn_readable(cl), 3);
	/* RST is exempt from PAWS */
	h = pair_hdr_from(sv, false);
	h.seq += 3;
	h.flags = TH_RST;
	h.opts.present = TCP_OPT_F_TS;
	h.opts.ts_val = tsv - 5000;
	pair_inject(&p, false, &h, NULL, 0);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSED);
	pair_free(&p);
}

static void test_challenge_acks(void)
{
	struct pair p;
	pair_init(&p, 2);
	struct tcp_config c = pair_cfg_default();
	c.timestamps = false;
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	const struct tcp_stats *st = tcp_stack_stats(p.a);

	/* SYN in ESTABLISHED (RFC 5961 4.2): challenge ACK, connection unchanged */
	struct tcp_hdr h = pair_hdr_from(sv, false);
	h.flags = TH_SYN;
	h.seq += 10;
	pair_inject(&p, false, &h, NULL, 0);
	CHECK_EQ_U64(st->challenge_acks, 1);
	CHECK_EQ_U64(st->drops[TCP_DROP_BAD_SYN], 1);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_ESTABLISHED);
	struct tcp_seg out;
	CHECK(tcp_stack_output(p.a, &out, p.now));
	CHECK_EQ_U64(out.hdr.flags, TH_ACK);
	CHECK_EQ_U64(out.hdr.ack,
		     pair_hdr_from(sv, false).seq); /* acknowledges RCV.NXT, not the SYN */

	/* blind data injection (RFC 5961 5.2): ACK far below SND.UNA - MAX.SND.WND (a new
	 * 500 ms period: the connection's challenge-ACK rate limit allows one) */
	p.now += 600 * TCP_MSEC;
	h = pair_hdr_from(sv, false);
	h.ack -= 0x20000000u;
	CHECK(pair_inject(&p, false, &h, (const uint8_t *)"evil", 4) < 0);
	CHECK_EQ_U64(st->challenge_acks, 2);
	CHECK_EQ_U64(tcp_conn_readable(cl), 0);
	/* ACK for data never sent: dropped, ACK sent */
	h = pair_hdr_from(sv, false);
	h.ack += 100000;
	CHECK(pair_inject(&p, false, &h, (const uint8_t *)"evil", 4) < 0);
	CHECK_EQ_U64(tcp_conn_readable(cl), 0);
	CHECK(st->drops[TCP_DROP_BAD_ACK] >= 2);
	pair_pump(&p);

	/* RST in window, not exact: challenge; the connection's rate limit (one per 500 ms)
	 * caps them: 1500 over 3 s draw 6 */
	uint64_t before = st->challenge_acks;
	p.now += 600 * TCP_MSEC;
	for (int i = 0; i < 1500; i++) {
		h = pair_hdr_from(sv, false);
		h.flags = TH_RST;
		h.seq += 1 + (uint32_t)i;
		pair_inject(&p, false, &h, NULL, 0);
		p.now += 2 * TCP_MSEC;
	}
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_ESTABLISHED);
	CHECK_EQ_U64(st->challenge_acks - before, 6);
	CHECK_EQ_U64(st->acks_rate_limited, 1500 - 6 + 1);
	CHECK_EQ_U64(st->drops[TCP_DROP_BAD_RST], 1500);
	/* the connection still works */
	pair_pump(&p);
	CHECK_EQ_U64(tcp_send(sv, "ok", 2), 2);
	pair_run(&p, 100 * TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_readable(cl), 2);
	pair_free(&p);
}

static void test_bad_input(void)
{
	struct pair p;
	pair_init(&p, 3);
	struct tcp_config c = pair_cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	const struct tcp_stats *st = tcp_stack_stats(p.a);
	uint8_t seg[80] = {0};
	/* truncated header */
	CHECK(tcp_stack_input_raw(p.a, PAIR_ADDR_B, PAIR_ADDR_A, seg, 10, p.now) < 0);
	/* data offset < 5 */
	seg[12] = 4 << 4;
	CHECK(tcp_stack_input_raw(p.a, PAIR_ADDR_B, PAIR_ADDR_A, seg, 40, p.now) < 0);
	/* data offset beyond the segment */
	seg[12] = 15 << 4;
	CHECK(tcp_stack_input_raw(p.a, PAIR_ADDR_B, PAIR_ADDR_A, seg, 40, p.now) < 0);
	/* option with length 0 / running past the header */
	seg[12] = 6 << 4;
	seg[20] = 2;
	seg[21] = 0;
	CHECK(tcp_stack_input_raw(p.a, PAIR_ADDR_B, PAIR_ADDR_A, seg, 24, p.now) < 0);
	seg[21] = 9;
	CHECK(tcp_stack_input_raw(p.a, PAIR_ADDR_B, PAIR_ADDR_A, seg, 24, p.now) < 0);
	CHECK_EQ_U64(st->drops[TCP_DROP_MALFORMED], 5);
	/* port 0, broadcast source, SYN+FIN, SYN+RST */
	struct tcp_hdr h = {.sport = 0, .dport = 40000, .flags = TH_ACK};
	CHECK(pair_inject(&p, false, &h, NULL, 0) < 0);
	h.sport = 80;
	CHECK(tcp_stack_input(p.a, 0xffffffffu, PAIR_ADDR_A, &h, NULL, 0, p.now) < 0);
	CHECK(tcp_stack_input(p.a, 0xe0000001u, PAIR_ADDR_A, &h, NULL, 0, p.now) < 0);
	CHECK_EQ_U64(st->drops[TCP_DROP_BAD_ADDR], 3);
	h.flags = TH_SYN | TH_FIN;
	CHECK(pair_inject(&p, false, &h, NULL, 0) < 0);
	h.flags = TH_SYN | TH_RST;
	CHECK(pair_inject(&p, false, &h, NULL, 0) < 0);
	CHECK_EQ_U64(st->drops[TCP_DROP_BAD_FLAGS], 2);
	/* unknown flow: RST, counted; a RST to an unknown flow is not answered */
	uint64_t rsts = st->rsts_sent;
	h.flags = TH_ACK;
	h.sport = 9999;
	CHECK(pair_inject(&p, false, &h, NULL, 0) < 0);
	h.flags = TH_RST;
	CHECK(pair_inject(&p, false, &h, NULL, 0) < 0);
	CHECK_EQ_U64(st->drops[TCP_DROP_NO_CONN], 2);
	struct tcp_seg out;
	int n = 0;
	while (tcp_stack_output(p.a, &out, p.now))
		n += (out.hdr.flags & TH_RST) ? 1 : 0;
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(st->rsts_sent, rsts + 1);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_ESTABLISHED);

	/* random garbage at the established connection's tuple and at random tuples */
	struct rng r;
	rng_seed(&r, 99);
	uint8_t buf[200];
	for (int i = 0; i < 20000; i++) {
		size_t len = rng_below(&r, sizeof(buf));
		rng_fill(&r, buf, len);
		if (len >= 4 && (i & 1)) {
			buf[0] = 0;
			buf[1] = 80;
			buf[2] = 0x9c;
			buf[3] = 0x40; /* 80 -> 40000 */
		}
		tcp_stack_input_raw(p.a, PAIR_ADDR_B, PAIR_ADDR_A, buf, len, p.now);
		while (tcp_stack_output(p.a, &out, p.now))
			;
		if (i % 1000 == 0) {
			p.now += 100 * TCP_MSEC;
			tcp_stack_timers(p.a, p.now);
		}
	}
	CHECK(st->segs_in > 20000);
	pair_free(&p);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_paws);
	RUN(test_challenge_acks);
	RUN(test_bad_input);
	RUN_DONE();
}
