/* SPDX-License-Identifier: BSD-2-Clause */
/* The sent map / SACK scoreboard (RFC 6675 section 3-4) and the external-data output mode:
 * inline and external ranges interleaved in stream order, never mixed in one segment, TSO
 * descriptors, and retransmissions of external ranges as external descriptors. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "pair.h"
#include "tcp/sentmap.h"
#include "tcp/tcb.h"

static void test_scoreboard(void)
{
	struct tcp_sentmap sm;
	CHECK_EQ_U64(tcp_sentmap_init(&sm), 0);
	CHECK(sm.e == NULL && sm.cap == 0); /* allocated with the first segment */
	/* ten 100-byte segments from 1000 */
	for (uint32_t i = 0; i < 10; i++)
		CHECK_EQ_U64(tcp_sentmap_add(&sm, 1000 + 100 * i, 1100 + 100 * i, i, 0), 0);
	struct tcp_sent_acked a = {.rtt_xmit = TCP_TIME_NEVER};
	/* SACK [1350, 1700) at byte granularity (mss 1): splits the segment at 1300; the
	 * SACKed entries merge into one */
	struct tcp_sack_block b[2] = {{1350, 1700}, {1800, 1900}};
	tcp_sentmap_sack(&sm, b, 2, 1, &a);
	CHECK_EQ_U64(sm.sacked_bytes, 450);
	CHECK_EQ_U64(a.bytes, 450);
	CHECK_EQ_U64(sm.len, 8);
	/* IsLost: more than 2*SMSS (SMSS 100) SACKed above 1000..1300 -> lost */
	uint32_t marked = tcp_sentmap_update_lost(&sm, 100);
	CHECK_EQ_U64(marked, 350); /* 1000-1350 */
	CHECK_EQ_U64(sm.lost_bytes, 350);
	int i = tcp_sentmap_next_lost(&sm);
	CHECK_EQ_U64(i, 0);
	tcp_sentmap_retransmitted(&sm, 0, 50);
	CHECK_EQ_U64(sm.lost_bytes, 250);
	CHECK_EQ_U64(sm.retx_bytes, 100);
	CHECK_EQ_U64(tcp_sentmap_next_lost(&sm), 1);
	/* cumulative ACK to 1350: removes the lost and retransmitted ones */
	struct tcp_sent_acked c = {.rtt_xmit = TCP_TIME_NEVER};
	tcp_sentmap_ack(&sm, 1350, &c);
	CHECK_EQ_U64(c.bytes, 350);
	CHECK_EQ_U64(sm.lost_bytes, 0);
	CHECK_EQ_U64(sm.retx_bytes, 0);
	CHECK_EQ_U64(sm.sacked_bytes, 450);
	/* Karn: the newest never-retransmitted entry acked was sent at t=3 */
	CHECK_EQ_U64(c.rtt_xmit, 3);
	/* RTO: everything not SACKed is lost */
	tcp_sentmap_all_lost(&sm);
	CHECK_EQ_U64(sm.lost_bytes, 2000 - 1350 - 450);
	tcp_sentmap_ack(&sm, 2000, &c);
	CHECK_EQ_U64(sm.len, 0);
	CHECK_EQ_U64(sm.sacked_bytes + sm.lost_bytes + sm.retx_bytes, 0);
	/* nothing in flight: the entry array is gone until the next segment (issue 13) */
	CHECK(sm.e == NULL && sm.cap == 0);
	/* blocks outside the outstanding range are ignored */
	tcp_sentmap_add(&sm, 2000, 2100, 0, 0);
	struct tcp_sack_block bad[2] = {{100, 200}, {2100, 5000}};
	tcp_sentmap_sack(&sm, bad, 2, 100, &a);
	CHECK_EQ_U64(sm.sacked_bytes, 0);
	tcp_sentmap_free(&sm);
}

/* A cumulative ACK that cuts an entry (one offloaded SEND of many segments, sent at once)
 * delivered up to the ACK, not the entry's end: RACK.end_seq (RFC 8985) must not place the
 * entry's unacknowledged tail, sent at the same time, before the delivered segment (it was
 * then marked lost and retransmitted although it had arrived). */
static void test_partial_ack_end(void)
{
	struct tcp_sentmap sm;
	CHECK_EQ_U64(tcp_sentmap_init(&sm), 0);
	CHECK_EQ_U64(tcp_sentmap_add(&sm, 1000, 61000, 5, 0), 0);
	struct tcp_sent_acked a = {.rtt_xmit = TCP_TIME_NEVER};
	tcp_sentmap_ack(&sm, 21000, &a);
	CHECK_EQ_U64(a.bytes, 20000);
	CHECK_EQ_U64(a.last_xmit, 5);
	CHECK_EQ_U64(a.last_end, 21000);
	struct tcp_sent_acked b = {.rtt_xmit = TCP_TIME_NEVER};
	struct tcp_sack_block blk = {30000, 40000};
	tcp_sentmap_sack(&sm, &blk, 1, 1000, &b); /* segments of 1000 bytes from 21000 */
	CHECK_EQ_U64(b.last_end, 40000);
	tcp_sentmap_free(&sm);
}

/* Issue 14: SACK marks whole segments (Linux tcp_match_skb_to_sack). Entries of four 100-byte
 * segments (TSO descriptors); blocks covering parts of segments mark only the segments they
 * cover whole, splitting at segment boundaries; a sliver marks nothing; repeated blocks merge;
 * the entry limit stops splitting. */
static void test_sack_segment_granularity(void)
{
	struct tcp_sentmap sm;
	struct tcp_sent_acked a = {.rtt_xmit = TCP_TIME_NEVER};
	CHECK_EQ_U64(tcp_sentmap_init(&sm), 0);
	for (uint32_t i = 0; i < 5; i++)
		CHECK_EQ_U64(tcp_sentmap_add(&sm, 1000 + 400 * i, 1400 + 400 * i, i, 0), 0);
	/* slivers: nothing */
	struct tcp_sack_block sliver[3] = {{1001, 1002}, {1450, 1451}, {1510, 1590}};
	tcp_sentmap_sack(&sm, sliver, 3, 100, &a);
	CHECK_EQ_U64(sm.sacked_bytes, 0);
	CHECK_EQ_U64(sm.len, 5);
	/* [1450, 1780): only the segments [1500, 1700) are covered whole */
	struct tcp_sack_block b1 = {1450, 1780};
	tcp_sentmap_sack(&sm, &b1, 1, 100, &a);
	CHECK_EQ_U64(sm.sacked_bytes, 200);
	CHECK_EQ_U64(sm.len, 7);
	CHECK_EQ_U64(tcp_sentmap_at(&sm, 1)->end, 1500);
	CHECK_EQ_U64(tcp_sentmap_at(&sm, 2)->seq, 1500);
	CHECK_EQ_U64(tcp_sentmap_at(&sm, 2)->end, 1700);
	/* the same block again: nothing new; a wider one extends the SACKed entry (merged) */
	tcp_sentmap_sack(&sm, &b1, 1, 100, &a);
	CHECK_EQ_U64(sm.len, 7);
	struct tcp_sack_block b2 = {1400, 2250};
	tcp_sentmap_sack(&sm, &b2, 1, 100, &a);
	CHECK_EQ_U64(sm.sacked_bytes, 800);
	CHECK_EQ_U64(sm.len, 4); /* [1000,1400) [1400,2200) SACKed [2200,2600) [2600,3000) */
	/* a short last entry (a genuinely short tail) is SACKed whole when covered */
	CHECK_EQ_U64(tcp_sentmap_add(&sm, 3000, 3050, 9, 0), 0);
	struct tcp_sack_block b3 = {2950, 3050};
	tcp_sentmap_sack(&sm, &b3, 1, 100, &a);
	CHECK_EQ_U64(sm.sacked_bytes, 850);
	/* the entry limit: no split beyond it, the block is ignored */
	sm.max = sm.len;
	struct tcp_sack_block b4 = {2300, 2400};
	tcp_sentmap_sack(&sm, &b4, 1, 100, &a);
	CHECK_EQ_U64(sm.sacked_bytes, 850);
	/* RTO after reneging: every mark goes */
	tcp_sentmap_clear_sacks(&sm);
	CHECK_EQ_U64(sm.sacked_bytes, 0);
	tcp_sentmap_all_lost(&sm);
	CHECK_EQ_U64(sm.lost_bytes, 2050);
	/* retransmission coalescing: lost neighbours merge up to a byte limit */
	CHECK(tcp_sentmap_merge_lost(&sm, 0, 1200));
	CHECK_EQ_U64(tcp_sentmap_at(&sm, 0)->end, 2200);
	CHECK(!tcp_sentmap_merge_lost(&sm, 0, 1200));
	CHECK_EQ_U64(sm.lost_bytes, 2050);
	tcp_sentmap_free(&sm);
}

static bool drop_once;
static bool drop_ext_seq(struct pair *p, bool from_a, struct tcp_hdr *h, uint8_t *d, uint32_t *len)
{
	if (from_a && *len && drop_once) {
		drop_once = false;
		return false;
	}
	return true;
}

/* Pull A's segments by hand so the descriptors can be inspected; deliver them to B. */
static unsigned pull(struct pair *p, struct tcp_seg *segs, unsigned max)
{
	unsigned n = 0;
	struct tcp_seg s;
	while (tcp_stack_output(p->a, &s, p->now)) {
		if (n < max)
			segs[n++] = s;
		static uint8_t buf[70000];
		uint32_t len = s.len;
		if (s.kind == TCP_PAYLOAD_INLINE) {
			memcpy(buf, s.p[0], s.plen[0]);
			if (s.plen[1])
				memcpy(buf + s.plen[0], s.p[1], s.plen[1]);
		} else {
			for (uint32_t i = 0; i < len; i++)
				buf[i] = pair_ext_byte(s.tag, s.tag_off + i);
		}
		struct tcp_hdr h = s.hdr;
		if (p->filter && !p->filter(p, true, &h, buf, &len))
			continue;
		tcp_stack_input(p->b, PAIR_ADDR_A, PAIR_ADDR_B, &h, buf, len, p->now);
	}
	return n;
}

static void test_external_ranges(void)
{
	struct pair p;
	pair_init(&p, 9);
	struct tcp_config c;
	tcp_config_default(&c);
	c.tso_max = 8 * 1460;
	c.nodelay = true;
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	static uint8_t in1[3000], in2[20000];
	memset(in1, 'a', sizeof(in1));
	memset(in2, 'b', sizeof(in2));
	CHECK_EQ_U64(tcp_send(cl, in1, sizeof(in1)), sizeof(in1));
	CHECK_EQ_U64(tcp_send_ext(cl, 5000, 9, 100), 5000);
	CHECK_EQ_U64(tcp_send(cl, in2, sizeof(in2)), sizeof(in2));
	struct tcp_seg segs[32];
	unsigned n = pull(&p, segs, 32);
	CHECK(n >= 3);
	uint32_t base = segs[0].hdr.seq, expect = base;
	bool saw_tso = false;
	for (unsigned i = 0; i < n; i++) {
		const struct tcp_seg *s = &segs[i];
		if (!s->len)
			continue;
		CHECK_EQ_U64(s->hdr.seq, expect);
		uint32_t off = s->hdr.seq - base, end = off + s->len;
		if (s->len > s->mss)
			saw_tso = true;
		CHECK(s->len <= 8 * s->mss);
		if (off < 3000) {
			CHECK_EQ_U64(s->kind, TCP_PAYLOAD_INLINE);
			CHECK(end <= 3000); /* never crosses into the external range */
		} else if (off < 8000) {
			CHECK_EQ_U64(s->kind, TCP_PAYLOAD_EXT);
			CHECK(end <= 8000);
			CHECK_EQ_U64(s->tag, 9);
			CHECK_EQ_U64(s->tag_off, 100 + off - 3000);
		} else {
			CHECK_EQ_U64(s->kind, TCP_PAYLOAD_INLINE);
		}
		expect += s->len;
	}
	CHECK(saw_tso);
	/* all 28000 bytes arrive, external bytes as the pattern */
	for (int k = 0; k < 20; k++) {
		p.now += TCP_MSEC;
		pair_run(&p, TCP_MSEC);
		pull(&p, segs, 0);
	}
	static uint8_t rd[28000];
	CHECK_EQ_U64(tcp_recv(sv, rd, sizeof(rd)), 28000);
	CHECK(rd[0] == 'a' && rd[2999] == 'a' && rd[8000] == 'b');
	CHECK_EQ_U64(rd[3000], pair_ext_byte(9, 100));
	CHECK_EQ_U64(rd[7999], pair_ext_byte(9, 5099));

	/* a lost external segment is retransmitted as an external descriptor */
	CHECK_EQ_U64(tcp_send_ext(cl, 4000, 11, 0), 4000);
	p.filter = drop_ext_seq;
	drop_once = true;
	n = pull(&p, segs, 32);
	CHECK(n >= 1 && segs[0].kind == TCP_PAYLOAD_EXT && !segs[0].retransmit);
	uint32_t ext_seq = segs[0].hdr.seq;
	p.filter = NULL;
	/* the first retransmission seen here is the tail loss probe, the last segment of the
	 * range (RFC 8985 7.3); the rest follows inside pair_pump */
	bool retx_ext = false;
	for (int k = 0; k < 50 && !retx_ext; k++) {
		p.now += 10 * TCP_MSEC;
		tcp_stack_timers(p.a, p.now);
		tcp_stack_timers(p.b, p.now);
		n = pull(&p, segs, 32);
		for (unsigned i = 0; i < n; i++)
			if (segs[i].retransmit && segs[i].kind == TCP_PAYLOAD_EXT &&
			    segs[i].tag == 11 && segs[i].tag_off == segs[i].hdr.seq - ext_seq)
				retx_ext = true;
		pair_pump(&p);
	}
	CHECK(retx_ext);
	pair_run(&p, TCP_SEC);
	pull(&p, segs, 0);
	CHECK_EQ_U64(tcp_recv(sv, rd, sizeof(rd)), 4000);
	CHECK_EQ_U64(rd[0], pair_ext_byte(11, 0));
	pair_free(&p);
}

/* A connected pair with ext_echo on whose client has sent one external SEND of 1000 bytes,
 * not yet echoed by the NIC: the SEND in *s, the client in return. */
static struct tcp_conn *ext_echo_sent(struct pair *p, uint64_t seed, struct tcp_seg *s)
{
	pair_init(p, seed);
	struct tcp_config c;
	tcp_config_default(&c);
	c.ext_echo = true;
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(p, &c, &c, &cl, &sv));
	CHECK_EQ_U64(tcp_send_ext(cl, 1000, 5, 0), 1000);
	CHECK(tcp_stack_output(p->a, s, p->now));
	CHECK_EQ_U64(s->kind, TCP_PAYLOAD_EXT);
	return cl;
}

/* ext_echo: with the option on, no RTT sample and no RTO start until tcp_ext_sent. */
static void test_ext_echo(void)
{
	struct pair p;
	struct tcp_seg s;
	struct tcp_conn *cl = ext_echo_sent(&p, 10, &s);
	/* the RTO does not fire at the normal time while the NIC has not echoed */
	tcp_time_t d = tcp_stack_deadline(p.a);
	CHECK(d > p.now + 10 * TCP_SEC);
	p.now += 50 * TCP_MSEC;
	tcp_ext_sent(cl, s.hdr.seq, s.hdr.seq + s.len, p.now, 5 * TCP_MSEC);
	d = tcp_stack_deadline(p.a);
	CHECK(d <= p.now + TCP_SEC);
	pair_free(&p);
}

/* ext_echo_after_rst: the NIC's echo of a SEND arrives after the peer's RST closed the
 * connection (the application still holds it): no timer is armed on the closed connection. */
static void test_ext_echo_after_rst(void)
{
	struct pair p;
	struct tcp_seg s;
	struct tcp_conn *cl = ext_echo_sent(&p, 11, &s);
	struct tcp_conn_info i;
	tcp_conn_info(cl, &i);
	struct tcp_hdr r = {.sport = 80, .dport = 40000, .flags = TH_RST, .seq = i.rcv_nxt};
	pair_inject(&p, false, &r, NULL, 0);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSED);
	p.now += 5 * TCP_MSEC;
	tcp_ext_sent(cl, s.hdr.seq, s.hdr.seq + s.len, p.now, 0);
	CHECK_EQ_U64(tcp_stack_deadline(p.a), TCP_TIME_NEVER);
	CHECK(tcp_conn_check(cl, false) == NULL);
	pair_free(&p);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_partial_ack_end);
	RUN(test_scoreboard);
	RUN(test_sack_segment_granularity);
	RUN(test_external_ranges);
	RUN(test_ext_echo);
	RUN(test_ext_echo_after_rst);
	RUN_DONE();
}
