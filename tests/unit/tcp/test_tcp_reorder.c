/* SPDX-License-Identifier: BSD-2-Clause */
/* Reordering on the sender, mechanism by mechanism:
 *  - disordered ACKs (Linux tcp_disordered_ack): a pure duplicate ACK with an older timestamp,
 *    overtaken on the path, passes PAWS (RFC 7323 5.3) and its SACK blocks count; one that
 *    could move the window, acknowledges something else or is older than one RTO does not;
 *  - RACK's reordering window (RFC 8985 6.2 step 4) on a fixed clock: min_RTT/4 to start,
 *    one step more per round trip with D-SACKs, never above SRTT, back to one step after 16
 *    recoveries without D-SACK; the measured reordering extent and degree. */
#include <string.h>

#include "../check.h"
#include "pair.h"
#include "tcp/tcb.h"

#define MS TCP_MSEC

/* ---- disordered ACKs, over a pair of stacks ---- */

static bool hold_a_data;
static struct tcp_hdr held_h[8];
static uint8_t held_d[8][1500];
static uint32_t held_len[8];
static unsigned nheld;

static bool filt(struct pair *p, bool from_a, struct tcp_hdr *h, uint8_t *d, uint32_t *len)
{
	(void)p;
	if (!from_a || !*len || !hold_a_data)
		return true;
	if (nheld < 8 && *len <= sizeof(held_d[0])) {
		held_h[nheld] = *h;
		memcpy(held_d[nheld], d, *len);
		held_len[nheld] = *len;
		nheld++;
	}
	return false;
}

static const struct pair_logged *last_ack_from_b(const struct pair *p)
{
	for (unsigned k = 0; k < PAIR_LOG && k < p->nlog; k++) {
		const struct pair_logged *l = pair_last(p, k);
		if (!l->from_a)
			return l;
	}
	return NULL;
}

/* A sends four segments, all held; only the fourth is delivered, so B answers with a
 * duplicate ACK SACKing it. Returns that ACK (A has processed it: TS.Recent is its TSval). */
static struct tcp_hdr four_out_one_in(struct pair *p, struct tcp_conn **cl)
{
	struct tcp_config c;
	struct tcp_conn *sv;
	tcp_config_default(&c);
	c.nodelay = true;
	c.rack = false; /* two SACKed segments then mark nothing lost (RFC 6675 IsLost) */
	pair_init(p, 11);
	CHECK(pair_connect(p, &c, &c, cl, &sv));
	p->filter = filt;
	pair_run(p, 50 * MS); /* a few ms of timestamp clock behind us */
	static uint8_t buf[4 * 1448];
	memset(buf, 'r', sizeof(buf));
	hold_a_data = true;
	nheld = 0;
	CHECK_EQ_U64(tcp_send(*cl, buf, sizeof(buf)), sizeof(buf));
	pair_pump(p);
	CHECK_EQ_U64(nheld, 4);
	p->now += 5 * MS;
	pair_inject(p, true, &held_h[3], held_d[3], held_len[3]);
	pair_pump(p);
	const struct pair_logged *l = last_ack_from_b(p);
	CHECK(l && (l->h.opts.present & TCP_OPT_F_SACK) && (l->h.opts.present & TCP_OPT_F_TS));
	return l ? l->h : (struct tcp_hdr){0};
}

/* The duplicate ACK, 3 ms older, now also SACKing the third segment. */
static struct tcp_hdr older_with_sack(const struct tcp_hdr *dup)
{
	struct tcp_hdr h = *dup;
	h.opts.ts_val -= 3;
	h.opts.nsack = 1;
	h.opts.sack[0] = (struct tcp_sack_block){held_h[2].seq, held_h[2].seq + held_len[2]};
	h.opts.present |= TCP_OPT_F_SACK;
	return h;
}

static uint64_t paws_drops(const struct pair *p)
{
	return tcp_stack_stats(p->a)->drops[TCP_DROP_PAWS];
}

static void test_disordered_ack_accepted(void)
{
	struct pair p;
	struct tcp_conn *cl;
	struct tcp_hdr dup = four_out_one_in(&p, &cl);
	struct tcp_conn_info before, after;
	tcp_conn_info(cl, &before);
	uint64_t drops = paws_drops(&p);

	struct tcp_hdr h = older_with_sack(&dup);
	CHECK_EQ_U64(pair_inject(&p, false, &h, NULL, 0), 0);
	tcp_conn_info(cl, &after);
	CHECK_EQ_U64(paws_drops(&p), drops);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->disordered_acks, 1);
	/* its SACK block counted: one more segment out of the pipe */
	CHECK_EQ_U64(after.in_flight + held_len[2], before.in_flight);
	CHECK_EQ_U64(after.snd_wnd, before.snd_wnd);
	pair_free(&p);
}

static void test_disordered_ack_rejected(void)
{
	struct pair p;
	struct tcp_conn *cl;
	struct tcp_hdr dup = four_out_one_in(&p, &cl);
	struct tcp_conn_info before, after;
	tcp_conn_info(cl, &before);
	uint64_t drops = paws_drops(&p);

	/* a larger window: it could move the window (tcp_may_update_window), PAWS drops it */
	struct tcp_hdr h = older_with_sack(&dup);
	h.wnd++;
	pair_inject(&p, false, &h, NULL, 0);
	CHECK_EQ_U64(paws_drops(&p), drops + 1);
	/* a window of zero closes it: also a window update */
	h = older_with_sack(&dup);
	h.wnd = 0;
	pair_inject(&p, false, &h, NULL, 0);
	CHECK_EQ_U64(paws_drops(&p), drops + 2);
	/* not a duplicate: an older cumulative ACK */
	h = older_with_sack(&dup);
	h.ack -= 1;
	pair_inject(&p, false, &h, NULL, 0);
	CHECK_EQ_U64(paws_drops(&p), drops + 3);
	/* carries data: not a pure ACK */
	h = older_with_sack(&dup);
	uint8_t byte = 'x';
	pair_inject(&p, false, &h, &byte, 1);
	CHECK_EQ_U64(paws_drops(&p), drops + 4);
	/* older than one RTO: a replay, not reordering */
	h = older_with_sack(&dup);
	h.opts.ts_val = dup.opts.ts_val - (uint32_t)(before.rto / MS) - 2;
	pair_inject(&p, false, &h, NULL, 0);
	CHECK_EQ_U64(paws_drops(&p), drops + 5);

	tcp_conn_info(cl, &after);
	CHECK_EQ_U64(after.in_flight, before.in_flight); /* no SACK block of theirs counted */
	CHECK_EQ_U64(tcp_stack_stats(p.a)->disordered_acks, 0);
	pair_free(&p);
}

/* ---- RACK's reordering window, on a hand-made control block ---- */

static void conn_init(struct tcp_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->t_maxseg = 1448;
	c->snd_una = 1000;
	c->snd_nxt = 1000 + 100 * 1448;
	c->rtt.has_sample = true;
	c->rtt.min_rtt = 20 * MS;
	c->rtt.srtt = 50 * MS;
}

static void dsack_round(struct tcp_conn *c)
{
	tcp_rack_on_dsack(c);
	/* the round ends when what was in flight is acknowledged */
	c->snd_una = c->snd_nxt;
	c->snd_nxt += 100 * 1448;
}

static void test_reo_wnd_growth_and_decay(void)
{
	struct tcp_conn c;
	conn_init(&c);
	/* no reordering seen: zero in recovery and once DupThresh segments are SACKed */
	c.in_recovery = true;
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 0);
	c.in_recovery = false;
	c.sm.sacked_bytes = 3 * 1448;
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 0);
	c.sm.sacked_bytes = 1448;
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 5 * MS); /* min_RTT / 4 */

	/* a D-SACK: reordering seen, one step more; more in the same round change nothing */
	tcp_rack_on_dsack(&c);
	CHECK(c.rack_reordering_seen);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 10 * MS);
	tcp_rack_on_dsack(&c);
	tcp_rack_on_dsack(&c);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 10 * MS);
	c.in_recovery = true; /* once reordering was seen, recovery keeps the window */
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 10 * MS);
	c.in_recovery = false;
	c.snd_una = c.snd_nxt;
	c.snd_nxt += 1448;
	dsack_round(&c);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 15 * MS);
	/* never above SRTT */
	for (int i = 0; i < 20; i++)
		dsack_round(&c);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 50 * MS);

	/* 15 recoveries without D-SACK keep it; the 16th goes back to min_RTT / 4 */
	for (int i = 0; i < 15; i++)
		tcp_rack_on_recovery_exit(&c);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 50 * MS);
	tcp_rack_on_recovery_exit(&c);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 5 * MS);
	/* a D-SACK in between restarts the count */
	dsack_round(&c);
	for (int i = 0; i < 10; i++)
		tcp_rack_on_recovery_exit(&c);
	dsack_round(&c);
	for (int i = 0; i < 15; i++)
		tcp_rack_on_recovery_exit(&c);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 15 * MS);
}

static void test_reordering_extent_and_degree(void)
{
	struct tcp_conn c;
	conn_init(&c);
	c.rtt.min_rtt = 1 * MS; /* a path whose fast packets skip a 10 ms delay line */
	c.rtt.srtt = 30 * MS;
	c.rack_rtt = 2 * MS;
	tcp_time_t now = 1000 * MS;
	/* a never-retransmitted segment sent 14 ms ago arrives 12 ms later than RACK.rtt, 20
	 * segments below RACK.fack */
	tcp_rack_reordered(&c, 20 * 1448, now - 14 * MS, now);
	CHECK(c.rack_reordering_seen);
	CHECK_EQ_U64(c.reordering, 20);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 12 * MS); /* not 1 ms / 4 */
	/* a smaller one keeps the maximum; the degree too */
	tcp_rack_reordered(&c, 3 * 1448, now - 5 * MS, now);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 12 * MS);
	CHECK_EQ_U64(c.reordering, 20);
	/* bounded by SRTT */
	tcp_rack_reordered(&c, 1448, now - 60 * MS, now);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), 30 * MS);
	/* an unknown send time (NIC-timed data not yet echoed) only counts the degree */
	tcp_rack_reordered(&c, 400 * 1448, TCP_TIME_NEVER, now);
	CHECK_EQ_U64(c.reordering, 300); /* capped as Linux's tcp_max_reordering */
	/* 16 recoveries without reordering: back to min_RTT / 4 */
	for (int i = 0; i < 16; i++)
		tcp_rack_on_recovery_exit(&c);
	CHECK_EQ_U64(tcp_rack_reo_wnd(&c), MS / 4);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_disordered_ack_accepted);
	RUN(test_disordered_ack_rejected);
	RUN(test_reo_wnd_growth_and_decay);
	RUN(test_reordering_extent_and_degree);
	RUN_DONE();
}
