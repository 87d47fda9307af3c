/* SPDX-License-Identifier: BSD-2-Clause */
/* Hostile peers against the TCP core (issue 14): orphans (FIN-WAIT-2 timeout, data after close,
 * persist limits, the orphan limit), SACK blocks that would shred the sent map, SYN queue
 * accounting and SYN cookies only after a recent overflow, per-connection challenge-ACK and
 * out-of-window ACK rate limits (RFC 5961 section 7, CVE-2016-5696), TS.Recent updated only
 * from validated segments (RFC 7323 4.3), and the connection limit. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "pair.h"
#include "tcp/seq.h"
#include "tcp/syncookie.h"

/* Segments a stack has ready now (drained, not delivered), and how many of them are pure
 * ACKs. */
static unsigned drain_out(struct tcp_stack *s, tcp_time_t now, unsigned *acks)
{
	struct tcp_seg out;
	unsigned n = 0;
	if (acks)
		*acks = 0;
	while (tcp_stack_output(s, &out, now)) {
		n++;
		if (acks && out.hdr.flags == TH_ACK && !out.len)
			(*acks)++;
	}
	return n;
}

/* ---- finding 2: orphans ---- */

/* An orphan in FIN-WAIT-2 whose peer never closes dies after the fin timeout (Linux
 * tcp_fin_timeout, 60 s); a connection the application still holds does not. */
static void test_orphan_fin_wait_2(void)
{
	struct pair p;
	pair_init(&p, 11);
	struct tcp_config c = pair_cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	CHECK_EQ_U64(tcp_send(sv, "hello", 5), 5);
	tcp_close(sv); /* HTTP/1.0 style: respond, close */
	pair_run(&p, TCP_SEC);
	CHECK_EQ_U64(tcp_conn_readable(cl), 5);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSE_WAIT); /* the client never closes */
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 1);
	pair_run(&p, 30 * TCP_SEC);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 1);
	pair_run(&p, 31 * TCP_SEC);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 0);
	/* the client's late FIN meets no connection: RST */
	tcp_close(cl);
	pair_run(&p, TCP_SEC);
	CHECK_EQ_U64(tcp_stack_conn_count(p.a), 0);
	pair_free(&p);

	/* shutdown(SHUT_WR) only: the application may still read, no timeout (as Linux) */
	pair_init(&p, 12);
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	CHECK_EQ_U64(tcp_shutdown(sv), 0);
	pair_run(&p, 200 * TCP_SEC);
	CHECK_EQ_U64(tcp_conn_state(sv), TCP_FIN_WAIT_2);
	CHECK_EQ_U64(tcp_send(cl, "late", 4), 4);
	pair_run(&p, TCP_SEC);
	CHECK_EQ_U64(tcp_conn_readable(sv), 4);
	pair_free(&p);
}

/* RFC 1122 4.2.2.13 / Linux: new data for a connection the application closed is answered
 * with RST and dropped, and the connection ends; none of it is kept. */
static void test_orphan_data_after_close(void)
{
	struct pair p;
	pair_init(&p, 13);
	struct tcp_config c = pair_cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	tcp_close(sv);
	pair_run(&p, TCP_SEC);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 1); /* FIN-WAIT-2 */
	uint64_t rsts = tcp_stack_stats(p.b)->rsts_sent;
	static uint8_t junk[20000];
	CHECK_EQ_U64(tcp_send(cl, junk, sizeof(junk)), sizeof(junk)); /* CLOSE-WAIT may send */
	pair_run(&p, TCP_SEC);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 0);
	CHECK(tcp_stack_stats(p.b)->rsts_sent > rsts);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(cl), ECONNRESET);
	pair_free(&p);
}

/* A peer that keeps its window closed and answers every probe holds an orphan only for the
 * orphan's probe budget (Linux tcp_orphan_retries); a connection the application holds, for
 * the total persist limit. */
static void test_persist_limits(void)
{
	for (int orphan = 1; orphan >= 0; orphan--) {
		struct pair p;
		pair_init(&p, 14);
		struct tcp_config c = pair_cfg_default(), small = pair_cfg_default();
		small.rcvbuf = 4096;
		small.rcvbuf_auto = false;
		struct tcp_conn *cl, *sv;
		CHECK(pair_connect(&p, &small, &c, &cl, &sv));
		static uint8_t data[65536];
		CHECK_EQ_U64(tcp_send(sv, data, sizeof(data)), sizeof(data));
		if (orphan)
			tcp_close(sv);
		pair_run(&p, 5 * TCP_SEC);
		struct tcp_conn_info i;
		if (!orphan) {
			tcp_conn_info(sv, &i);
			CHECK_EQ_U64(i.snd_wnd, 0);
		}
		CHECK_EQ_U64(tcp_stack_conn_count(p.b), 1);
		pair_run(&p, 5 * 60 * TCP_SEC);
		/* an orphan: 8 probes, about 51 s of backoff from a 200 ms RTO */
		CHECK_EQ_U64(tcp_stack_conn_count(p.b), (unsigned)!orphan);
		if (!orphan) {
			pair_run(&p, 15 * 60 * TCP_SEC);
			CHECK_EQ_U64(tcp_conn_state(sv), TCP_CLOSED);
			CHECK_EQ_U64(tcp_conn_error(sv), ETIMEDOUT);
		}
		CHECK_EQ_U64(tcp_conn_state(cl),
			     TCP_ESTABLISHED); /* the client saw nothing wrong */
		pair_free(&p);
	}
}

/* Past max_orphans a connection the application closes is reset (Linux tcp_close ->
 * tcp_check_oom); max_conns counts connections in every state, orphans included: a SYN beyond
 * it gets a cookie and its ACK finds no room, until an orphan ends. */
static void test_orphan_and_conn_limits(void)
{
	struct pair p;
	pair_init(&p, 15);
	struct tcp_stack_config sc;
	tcp_stack_config_default(&sc);
	memset(sc.secret.key, 3, sizeof(sc.secret.key));
	sc.max_orphans = 2;
	sc.max_conns = 4;
	tcp_stack_free(p.b);
	p.b = tcp_stack_new(&sc);
	struct tcp_config c = pair_cfg_default();
	int err;
	struct tcp_listener *l = tcp_listen(p.b, 0, 80, 16, &c, &err);
	CHECK(l != NULL);
	struct tcp_conn *cl[5], *sv[5];
	for (int i = 0; i < 5; i++) {
		struct tcp_tuple t = {.laddr = PAIR_ADDR_A,
				      .raddr = PAIR_ADDR_B,
				      .lport = (uint16_t)(41000 + i),
				      .rport = 80};
		cl[i] = tcp_connect(p.a, &t, &c, p.now, &err);
		CHECK(cl[i] != NULL);
		pair_pump(&p);
		sv[i] = tcp_accept(l);
		CHECK_EQ_U64(sv[i] != NULL, i < 4);
	}
	const struct tcp_stats *st = tcp_stack_stats(p.b);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 4);
	CHECK(st->cookies_sent >= 1);
	CHECK(st->drops[TCP_DROP_NO_MEM] >= 1);
	/* three closes: the third is past max_orphans and reset */
	for (int i = 0; i < 3; i++)
		tcp_close(sv[i]);
	pair_pump(&p);
	CHECK_EQ_U64(st->orphan_resets, 1);
	CHECK_EQ_U64(tcp_stack_orphan_count(p.b), 2);
	CHECK_EQ_U64(tcp_conn_state(cl[0]), TCP_CLOSE_WAIT);
	CHECK_EQ_U64(tcp_conn_state(cl[2]), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(cl[2]), ECONNRESET);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 3);
	/* now there is room: the fifth client's data carries the cookie ACK again */
	CHECK_EQ_U64(tcp_send(cl[4], "hi", 2), 2);
	pair_run(&p, 2 * TCP_SEC);
	sv[4] = tcp_accept(l);
	CHECK(sv[4] != NULL);
	if (sv[4])
		CHECK_EQ_U64(tcp_conn_readable(sv[4]), 2);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 4);
	CHECK(tcp_stack_check(p.b) == NULL);
	pair_free(&p);
}

/* ---- finding 3: SACK shredding ---- */

static uint32_t shred_mss;
static unsigned slivers, retx_segs;
static uint32_t high_end;
static bool drop_b_data;

/* B's data segments: never delivered (the attacker never acknowledges them); a segment that
 * is not full-sized must end at the highest byte sent (the short tail). */
static bool shred_filt(struct pair *p, bool a, struct tcp_hdr *h, uint8_t *d, uint32_t *len)
{
	(void)p, (void)d;
	if (a || !*len)
		return true;
	uint32_t end = h->seq + *len;
	if (SEQ_LT(h->seq, high_end))
		retx_segs++;
	if (*len % shred_mss && SEQ_LT(end, high_end))
		slivers++;
	if (SEQ_GT(end, high_end))
		high_end = end;
	return !drop_b_data;
}

/* Duplicate ACKs with 1-byte SACK blocks inside the flight must not make the sender
 * retransmit slivers (Linux tcp_match_skb_to_sack: whole segments only). Inline and
 * external data. */
static void test_sack_slivers(void)
{
	for (int ext = 0; ext <= 1; ext++) {
		struct pair p;
		pair_init(&p, 21 + (uint64_t)ext);
		struct tcp_config c = pair_cfg_default();
		c.nodelay = true;
		if (ext)
			c.tso_max = 64 * 1024;
		struct tcp_conn *cl, *sv;
		CHECK(pair_connect(&p, &c, &c, &cl, &sv));
		struct tcp_conn_info i;
		tcp_conn_info(sv, &i);
		shred_mss = i.mss;
		uint32_t base = i.snd_nxt;
		high_end = base;
		slivers = retx_segs = 0;
		drop_b_data = true;
		p.filter = shred_filt;
		static uint8_t data[40 * 1448];
		if (ext)
			CHECK_EQ_U64(tcp_send_ext(sv, sizeof(data), 7, 0), sizeof(data));
		else
			CHECK_EQ_U64(tcp_send(sv, data, sizeof(data)), sizeof(data));
		pair_pump(&p);
		uint32_t flight = high_end - base;
		CHECK(flight >= 10 * shred_mss);
		struct tcp_hdr h = pair_hdr_from(cl, true);
		h.ack = base;
		h.opts.present = TCP_OPT_F_SACK; /* (no timestamps: TS.Recent stays A's) */
		h.opts.nsack = 3;
		uint32_t k = 0;
		for (int r = 0; r < 200; r++) {
			for (int b = 0; b < 3; b++, k++) {
				uint32_t off = 100 + (k * 977) % (flight - 200);
				h.opts.sack[b] =
				    (struct tcp_sack_block){base + off, base + off + 1};
			}
			pair_inject(&p, true, &h, NULL, 0);
			pair_run(&p, 5 * TCP_MSEC);
		}
		CHECK_EQ_U64(slivers, 0);
		if (slivers)
			fprintf(stderr, "%s: %u slivers in %u retransmissions\n",
				ext ? "external" : "inline", slivers, retx_segs);
		/* the attacker stops: the connection recovers and delivers everything */
		drop_b_data = false;
		p.filter = NULL;
		pair_run(&p, 120 * TCP_SEC);
		CHECK_EQ_U64(tcp_conn_readable(cl), sizeof(data));
		pair_free(&p);
	}
}

/* ---- finding 4: SYN queue ---- */

#define LSN_ADDR 0xc6120001u
#define CLI_NET	 0xc6120100u

static int syn_to(struct tcp_stack *s, uint32_t src, uint16_t sport, uint32_t isn, tcp_time_t now)
{
	struct tcp_hdr h = {.sport = sport, .dport = 80, .seq = isn, .flags = TH_SYN, .wnd = 65535};
	h.opts.present = TCP_OPT_F_MSS;
	h.opts.mss = 1460;
	return tcp_stack_input(s, src, LSN_ADDR, &h, NULL, 0, now);
}

/* Cookie connections never entered the SYN queue: completing them must not let more embryonic
 * connections in than the backlog allows. */
static void test_synq_accounting(void)
{
	struct tcp_stack_config sc = {0};
	memset(sc.secret.key, 9, sizeof(sc.secret.key));
	struct tcp_stack *s = tcp_stack_new(&sc);
	tcp_time_t now = 1000 * TCP_SEC;
	struct tcp_listener *l = tcp_listen(s, 0, 80, 4, NULL, NULL);
	CHECK(l != NULL);
	struct tcp_seg out;
	uint32_t cookies[4];
	unsigned ncookies = 0;
	for (uint16_t i = 0; i < 8; i++) {
		syn_to(s, CLI_NET + i, 1000, 5000, now);
		while (tcp_stack_output(s, &out, now))
			if (out.conn == NULL && (out.hdr.flags & TH_SYN) && ncookies < 4)
				cookies[ncookies++] = out.hdr.seq;
	}
	CHECK_EQ_U64(ncookies, 4); /* 4 embryonic connections, then cookies */
	CHECK_EQ_U64(tcp_stack_conn_count(s), 4);
	for (unsigned i = 0; i < ncookies; i++) {
		struct tcp_hdr h = {.sport = 1000,
				    .dport = 80,
				    .seq = 5001,
				    .ack = cookies[i] + 1,
				    .flags = TH_ACK,
				    .wnd = 65535};
		CHECK_EQ_U64(tcp_stack_input(s, CLI_NET + 4 + i, LSN_ADDR, &h, NULL, 0, now), 0);
	}
	for (unsigned i = 0; i < ncookies; i++)
		CHECK(tcp_accept(l) != NULL);
	CHECK_EQ_U64(tcp_stack_conn_count(s), 8);
	/* the 4 embryos still fill the backlog: more SYNs get cookies, no state */
	for (uint16_t i = 0; i < 8; i++)
		syn_to(s, CLI_NET + 100 + i, 1000, 5000, now);
	drain_out(s, now, NULL);
	CHECK_EQ_U64(tcp_stack_conn_count(s), 8);
	tcp_stack_free(s);
}

/* A cookie is accepted only while the SYN queue overflowed recently (Linux
 * tcp_synq_no_recent_overflow): otherwise a brute-forced 24-bit MAC would open connections
 * at any time. */
static void test_cookie_needs_overflow(void)
{
	struct tcp_stack_config sc = {0};
	memset(sc.secret.key, 9, sizeof(sc.secret.key));
	struct tcp_stack *s = tcp_stack_new(&sc);
	tcp_time_t now = 5000 * TCP_SEC;
	struct tcp_listener *l = tcp_listen(s, 0, 80, 4, NULL, NULL);
	struct tcp_tuple t = {.laddr = LSN_ADDR, .raddr = CLI_NET + 1, .lport = 80, .rport = 1000};
	uint32_t cookie = tcp_syncookie_make(&sc.secret, &t, 5000, 1460, now, NULL);
	struct tcp_hdr h = {.sport = 1000,
			    .dport = 80,
			    .seq = 5001,
			    .ack = cookie + 1,
			    .flags = TH_ACK,
			    .wnd = 65535};
	CHECK(tcp_stack_input(s, CLI_NET + 1, LSN_ADDR, &h, NULL, 0, now) < 0);
	CHECK_EQ_U64(tcp_stack_conn_count(s), 0);
	CHECK(tcp_accept(l) == NULL);
	CHECK_EQ_U64(tcp_stack_stats(s)->drops[TCP_DROP_BAD_COOKIE], 1);
	tcp_stack_free(s);
}

/* ---- finding 5: challenge ACKs and out-of-window ACKs ---- */

/* RFC 5961 section 7 / Linux >= 4.7: a connection sends at most one challenge ACK per 500 ms
 * however many blind RSTs, SYNs or old ACKs arrive, so an off-path attacker cannot learn from
 * a shared counter (CVE-2016-5696); out-of-window ACKs are answered at the same rate (Linux
 * tcp_oow_rate_limited), out-of-window data always. */
static void test_challenge_ack_rate(void)
{
	struct pair p;
	pair_init(&p, 31);
	struct tcp_config c = pair_cfg_default();
	c.timestamps = false;
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	unsigned acks, total = 0;
	for (int i = 0; i < 100; i++) {
		struct tcp_hdr h = pair_hdr_from(sv, false);
		h.seq += 1 + (uint32_t)i;
		h.flags = (i % 3 == 0) ? TH_RST : (i % 3 == 1) ? TH_SYN : TH_ACK;
		if (i % 3 == 2)
			h.ack -= 0x20000000u; /* RFC 5961 5.2: an ACK far below SND.UNA */
		pair_inject(&p, false, &h, NULL, 0);
		drain_out(p.a, p.now, &acks);
		total += acks;
		p.now += TCP_MSEC;
	}
	CHECK(total >= 1 && total <= 1);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_ESTABLISHED);
	p.now += 600 * TCP_MSEC;
	struct tcp_hdr h = pair_hdr_from(sv, false);
	h.flags = TH_RST;
	h.seq += 5;
	pair_inject(&p, false, &h, NULL, 0);
	drain_out(p.a, p.now, &acks);
	CHECK_EQ_U64(acks, 1); /* a new 500 ms period */
	/* out-of-window pure ACKs: rate limited too; out-of-window data: always answered */
	p.now += 600 * TCP_MSEC;
	total = 0;
	for (int i = 0; i < 50; i++) {
		h = pair_hdr_from(sv, false);
		h.seq += 0x40000000u;
		pair_inject(&p, false, &h, NULL, 0);
		drain_out(p.a, p.now, &acks);
		total += acks;
	}
	CHECK_EQ_U64(total, 1);
	total = 0;
	for (int i = 0; i < 50; i++) {
		h = pair_hdr_from(sv, false);
		h.seq -= 3000; /* a retransmission of data we already have */
		pair_inject(&p, false, &h, (const uint8_t *)"old", 3);
		drain_out(p.a, p.now, &acks);
		total += acks;
	}
	CHECK_EQ_U64(total, 50);
	pair_free(&p);
}

/* ---- finding 8: TS.Recent ---- */

/* RFC 7323 4.3 / 5.3: TS.Recent comes only from a segment that passed the checks (Linux:
 * after tcp_ack validated the ACK); a forged in-window segment with an unacceptable ACK and a
 * huge TSval must not make every later genuine segment fail PAWS. */
static void test_ts_recent_validated(void)
{
	for (int kind = 0; kind < 3; kind++) {
		struct pair p;
		pair_init(&p, 41 + (uint64_t)kind);
		struct tcp_config c = pair_cfg_default();
		struct tcp_conn *cl, *sv;
		CHECK(pair_connect(&p, &c, &c, &cl, &sv));
		pair_run(&p, 50 * TCP_MSEC);
		const struct pair_logged *lg = NULL;
		for (unsigned k = 0; (lg = pair_last(&p, k)) != NULL; k++)
			if (!lg->from_a)
				break;
		CHECK(lg && (lg->h.opts.present & TCP_OPT_F_TS));
		uint32_t tsv = lg ? lg->h.opts.ts_val : 0;
		struct tcp_hdr h = pair_hdr_from(sv, false);
		h.opts.present = TCP_OPT_F_TS;
		h.opts.ts_val = tsv + 0x40000000u;
		if (kind == 0)
			h.ack += 100000; /* acknowledges data never sent */
		else if (kind == 1)
			h.ack -= 0x20000000u; /* far below SND.UNA - MAX.SND.WND */
		else
			h.flags = TH_SYN; /* in-window SYN: challenge */
		pair_inject(&p, false, &h, (const uint8_t *)"x", kind == 2 ? 0 : 1);
		pair_pump(&p);
		CHECK_EQ_U64(tcp_conn_readable(cl), 0);
		/* the genuine peer goes on with its own clock */
		CHECK_EQ_U64(tcp_send(sv, "y", 1), 1);
		pair_run(&p, 100 * TCP_MSEC);
		CHECK_EQ_U64(tcp_conn_readable(cl), 1);
		pair_free(&p);
	}
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_orphan_fin_wait_2);
	RUN(test_orphan_data_after_close);
	RUN(test_persist_limits);
	RUN(test_orphan_and_conn_limits);
	RUN(test_sack_slivers);
	RUN(test_synq_accounting);
	RUN(test_cookie_needs_overflow);
	RUN(test_challenge_ack_rate);
	RUN(test_ts_recent_validated);
	RUN_DONE();
}
