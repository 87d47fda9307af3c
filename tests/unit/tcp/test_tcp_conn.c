/* SPDX-License-Identifier: BSD-2-Clause */
/* Connection lifecycle: handshakes (active, passive, simultaneous), data transfer, teardown
 * variants (active, passive, simultaneous close), RST in every state, SYN cookies. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "pair.h"

static struct tcp_config cfg_default(void)
{
	struct tcp_config c;
	tcp_config_default(&c);
	c.time_wait = 2 * TCP_SEC;
	return c;
}

static void test_handshake_and_data(void)
{
	struct pair p;
	pair_init(&p, 1);
	struct tcp_config c = cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	/* the handshake is three segments: SYN, SYN-ACK, ACK */
	CHECK_EQ_U64(p.segs_ab + p.segs_ba, 3);
	CHECK(tcp_conn_events(cl) & TCP_EV_CONNECTED);
	CHECK(tcp_conn_events(sv) & TCP_EV_WRITABLE);
	struct tcp_conn_info ia;
	tcp_conn_info(cl, &ia);
	CHECK(ia.sack_ok && ia.ts_ok);
	CHECK_EQ_U64(ia.mss, 1460 - 12);
	CHECK_EQ_U64(ia.rcv_wscale, 7); /* auto-tuning up to 6 MiB needs shift 7 */

	static uint8_t buf[200000], rd[200000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	size_t sent = 0, got = 0;
	for (int round = 0; round < 1000 && got < sizeof(buf); round++) {
		if (sent < sizeof(buf)) {
			ssize_t n = tcp_send(cl, buf + sent, sizeof(buf) - sent);
			if (n > 0)
				sent += (size_t)n;
		}
		pair_run(&p, TCP_MSEC);
		ssize_t r = tcp_recv(sv, rd + got, sizeof(rd) - got);
		if (r > 0)
			got += (size_t)r;
	}
	CHECK_EQ_U64(got, sizeof(buf));
	CHECK(memcmp(buf, rd, sizeof(buf)) == 0);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->retrans_segs, 0);

	/* active close by the client: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT; server CLOSE_WAIT */
	CHECK_EQ_U64(tcp_shutdown(cl), 0);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_FIN_WAIT_1);
	pair_run(&p, TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_FIN_WAIT_2);
	CHECK_EQ_U64(tcp_conn_state(sv), TCP_CLOSE_WAIT);
	CHECK_EQ_U64(tcp_recv(sv, rd, 10), 0); /* EOF */
	CHECK(tcp_conn_events(sv) & TCP_EV_HUP);
	CHECK_EQ_U64(tcp_send(cl, buf, 10), -EPIPE);
	/* the server may still send in CLOSE_WAIT */
	CHECK_EQ_U64(tcp_send(sv, "bye", 3), 3);
	pair_run(&p, 100 * TCP_MSEC);
	CHECK_EQ_U64(tcp_recv(cl, rd, 10), 3);
	tcp_close(sv); /* LAST_ACK */
	pair_run(&p, TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_TIME_WAIT);
	CHECK(tcp_conn_events(cl) & TCP_EV_CLOSED);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 0); /* server conn gone after LAST_ACK */
	/* TIME_WAIT lasts 2*MSL */
	pair_run(&p, TCP_SEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_TIME_WAIT);
	pair_run(&p, 1100 * TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSED);
	tcp_close(cl);
	CHECK_EQ_U64(tcp_stack_conn_count(p.a), 0);
	pair_free(&p);
}

static bool drop_all(struct pair *p, bool from_a, struct tcp_hdr *h, uint8_t *d, uint32_t *len)
{
	return false;
}

/* Simultaneous open: both sides send SYN before seeing the other's (RFC 9293 figure 7). */
static void test_simultaneous_open(void)
{
	struct pair p;
	pair_init(&p, 2);
	struct tcp_config c = cfg_default();
	struct tcp_tuple ta = {
	    .laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5000, .rport = 6000};
	struct tcp_tuple tb = {
	    .laddr = PAIR_ADDR_B, .raddr = PAIR_ADDR_A, .lport = 6000, .rport = 5000};
	int err;
	struct tcp_conn *a = tcp_connect(p.a, &ta, &c, p.now, &err);
	struct tcp_conn *b = tcp_connect(p.b, &tb, &c, p.now, &err);
	CHECK(a && b);
	/* take both SYNs out before either arrives */
	struct tcp_seg sa, sb;
	CHECK(tcp_stack_output(p.a, &sa, p.now));
	CHECK(tcp_stack_output(p.b, &sb, p.now));
	CHECK_EQ_U64(sa.hdr.flags, TH_SYN);
	CHECK_EQ_U64(pair_inject(&p, true, &sa.hdr, NULL, 0), 0);
	CHECK_EQ_U64(pair_inject(&p, false, &sb.hdr, NULL, 0), 0);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_SYN_RECEIVED);
	CHECK_EQ_U64(tcp_conn_state(b), TCP_SYN_RECEIVED);
	pair_run(&p, 10 * TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_ESTABLISHED);
	CHECK_EQ_U64(tcp_conn_state(b), TCP_ESTABLISHED);
	CHECK_EQ_U64(tcp_send(a, "hello", 5), 5);
	pair_run(&p, 100 * TCP_MSEC);
	char buf[8];
	CHECK_EQ_U64(tcp_recv(b, buf, sizeof(buf)), 5);

	/* simultaneous close: both FINs cross -> CLOSING -> TIME_WAIT on both sides */
	tcp_shutdown(a);
	tcp_shutdown(b);
	struct tcp_seg fa, fb;
	CHECK(tcp_stack_output(p.a, &fa, p.now));
	CHECK(tcp_stack_output(p.b, &fb, p.now));
	CHECK(fa.hdr.flags & TH_FIN);
	CHECK(fb.hdr.flags & TH_FIN);
	pair_inject(&p, true, &fa.hdr, NULL, 0);
	pair_inject(&p, false, &fb.hdr, NULL, 0);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_CLOSING);
	CHECK_EQ_U64(tcp_conn_state(b), TCP_CLOSING);
	pair_run(&p, 10 * TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_TIME_WAIT);
	CHECK_EQ_U64(tcp_conn_state(b), TCP_TIME_WAIT);
	tcp_close(a);
	tcp_close(b);
	pair_run(&p, 3 * TCP_SEC);
	CHECK_EQ_U64(tcp_stack_conn_count(p.a), 0);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 0);
	pair_free(&p);
}

/* SYN to a closed port: RST,ACK; connect gets ECONNREFUSED. */
static void test_refused(void)
{
	struct pair p;
	pair_init(&p, 3);
	struct tcp_config c = cfg_default();
	struct tcp_tuple t = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5001, .rport = 81};
	int err;
	struct tcp_conn *a = tcp_connect(p.a, &t, &c, p.now, &err);
	pair_run(&p, 10 * TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(a), ECONNREFUSED);
	CHECK(tcp_conn_events(a) & TCP_EV_ERROR);
	CHECK_EQ_U64(tcp_stack_stats(p.b)->drops[TCP_DROP_NO_CONN], 1);
	CHECK_EQ_U64(tcp_stack_stats(p.b)->rsts_sent, 1);
	tcp_close(a);
	CHECK_EQ_U64(tcp_stack_conn_count(p.a), 0);
	pair_free(&p);
}

/* SYN retransmission with exponential backoff, then ETIMEDOUT after syn_retries. */
static void test_syn_timeout(void)
{
	struct pair p;
	pair_init(&p, 4);
	p.filter = drop_all;
	struct tcp_config c = cfg_default();
	c.syn_retries = 3;
	struct tcp_tuple t = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5002, .rport = 80};
	int err;
	struct tcp_conn *a = tcp_connect(p.a, &t, &c, p.now, &err);
	pair_run(&p, 14 * TCP_SEC); /* 1 + 2 + 4 + 8 = 15 s */
	CHECK_EQ_U64(p.segs_ab, 4);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_SYN_SENT);
	pair_run(&p, 2 * TCP_SEC);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(a), ETIMEDOUT);
	tcp_close(a);
	pair_free(&p);
}

/* RST in each synchronized state: accepted only at exactly rcv_nxt (RFC 5961 3.2). */
static void rst_in_state(enum tcp_state want, int variant)
{
	struct pair p;
	pair_init(&p, 10 + (uint64_t)want);
	struct tcp_config c = cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	if (want == TCP_FIN_WAIT_1) {
		p.filter = drop_all;
		tcp_shutdown(cl);
		pair_pump(&p);
		p.filter = NULL;
	} else if (want == TCP_FIN_WAIT_2) {
		tcp_shutdown(cl);
		pair_run(&p, TCP_MSEC);
	} else if (want == TCP_CLOSE_WAIT) {
		tcp_shutdown(sv);
		pair_run(&p, TCP_MSEC);
	} else if (want == TCP_LAST_ACK) {
		tcp_shutdown(sv);
		pair_run(&p, TCP_MSEC);
		p.filter = drop_all;
		tcp_shutdown(cl);
		pair_pump(&p);
		p.filter = NULL;
	} else if (want == TCP_CLOSING) {
		p.filter = drop_all;
		tcp_shutdown(cl);
		tcp_shutdown(sv);
		pair_pump(&p);
		p.filter = NULL;
		/* deliver only the server's FIN to the client */
		struct tcp_hdr h = pair_last(&p, 0)->from_a ? pair_last(&p, 1)->h : pair_last(&p, 0)->h;
		pair_inject(&p, false, &h, NULL, 0);
	} else if (want == TCP_TIME_WAIT) {
		tcp_shutdown(cl);
		pair_run(&p, TCP_MSEC);
		tcp_shutdown(sv);
		pair_run(&p, TCP_MSEC);
	}
	CHECK_EQ_U64(tcp_conn_state(cl), want);
	struct tcp_conn_info i;
	tcp_conn_info(cl, &i);
	struct tcp_hdr r = {.sport = 80, .dport = 40000, .flags = TH_RST, .wnd = 0};
	uint64_t chal = tcp_stack_stats(p.a)->challenge_acks;
	if (variant == 0) {
		/* in window but not exact: challenge ACK, connection survives */
		r.seq = i.rcv_nxt + 100;
		pair_inject(&p, false, &r, NULL, 0);
		CHECK_EQ_U64(tcp_conn_state(cl), want);
		if (want != TCP_TIME_WAIT)
			CHECK_EQ_U64(tcp_stack_stats(p.a)->challenge_acks, chal + 1);
		/* out of window: dropped silently */
		r.seq = i.rcv_nxt + 0x40000000u;
		pair_inject(&p, false, &r, NULL, 0);
		CHECK_EQ_U64(tcp_conn_state(cl), want);
	} else {
		r.seq = i.rcv_nxt;
		pair_inject(&p, false, &r, NULL, 0);
		CHECK_EQ_U64(tcp_conn_state(cl), TCP_CLOSED);
		bool quiet = want == TCP_CLOSING || want == TCP_LAST_ACK || want == TCP_TIME_WAIT;
		CHECK_EQ_U64(tcp_conn_error(cl), quiet ? 0 : ECONNRESET);
		if (!quiet)
			CHECK_EQ_U64(tcp_recv(cl, &r, 1), -ECONNRESET);
	}
	pair_free(&p);
}

static void test_rst_states(void)
{
	enum tcp_state st[] = {TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT,
			       TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT};
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		rst_in_state(st[i], 0);
		rst_in_state(st[i], 1);
	}
}

/* RST in SYN_SENT needs an acceptable ACK; RST in SYN_RECEIVED (passive) removes the embryo. */
static void test_rst_handshake_states(void)
{
	struct pair p;
	pair_init(&p, 30);
	struct tcp_config c = cfg_default();
	p.filter = drop_all;
	struct tcp_tuple t = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5003, .rport = 80};
	int err;
	struct tcp_conn *a = tcp_connect(p.a, &t, &c, p.now, &err);
	pair_pump(&p);
	struct tcp_hdr syn = pair_last(&p, 0)->h;
	struct tcp_hdr r = {.sport = 80, .dport = 5003, .flags = TH_RST | TH_ACK};
	r.ack = syn.seq + 5; /* unacceptable ACK: ignored */
	pair_inject(&p, false, &r, NULL, 0);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_SYN_SENT);
	r.ack = syn.seq + 1;
	pair_inject(&p, false, &r, NULL, 0);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(a), ECONNREFUSED);
	tcp_close(a);

	/* passive SYN_RECEIVED */
	struct tcp_listener *l = tcp_listen(p.b, 0, 80, 8, &c, &err);
	CHECK(l != NULL);
	struct tcp_hdr s = {.sport = 7000, .dport = 80, .seq = 1000, .flags = TH_SYN, .wnd = 65535};
	CHECK_EQ_U64(pair_inject(&p, true, &s, NULL, 0), 0);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 1);
	struct tcp_hdr rr = {.sport = 7000, .dport = 80, .seq = 1001, .flags = TH_RST};
	pair_inject(&p, true, &rr, NULL, 0);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 0);
	CHECK(tcp_accept(l) == NULL);
	pair_free(&p);
}

/* Backlog full: the listener answers with SYN cookies and keeps no state; the final ACK
 * creates an established connection (RFC 4987). */
static void test_syn_cookies(void)
{
	struct pair p;
	pair_init(&p, 40);
	struct tcp_config c = cfg_default();
	int err;
	struct tcp_listener *l = tcp_listen(p.b, 0, 80, 1, &c, &err);
	/* fill the backlog with an embryo that never completes */
	struct tcp_hdr s = {.sport = 7001, .dport = 80, .seq = 5000, .flags = TH_SYN, .wnd = 65535};
	pair_inject(&p, true, &s, NULL, 0);
	struct tcp_seg junk;
	while (tcp_stack_output(p.b, &junk, p.now))
		;
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 1);
	struct tcp_tuple t = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5004, .rport = 80};
	struct tcp_conn *a = tcp_connect(p.a, &t, &c, p.now, &err);
	pair_pump(&p);
	CHECK_EQ_U64(tcp_stack_stats(p.b)->cookies_sent, 1);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 2); /* embryo + the cookie connection */
	CHECK_EQ_U64(tcp_stack_stats(p.b)->cookies_ok, 1);
	CHECK_EQ_U64(tcp_conn_state(a), TCP_ESTABLISHED);
	struct tcp_conn *sv = tcp_accept(l);
	CHECK(sv != NULL);
	if (sv) {
		CHECK_EQ_U64(tcp_conn_state(sv), TCP_ESTABLISHED);
		CHECK_EQ_U64(tcp_send(a, "cookie", 6), 6);
		pair_run(&p, 100 * TCP_MSEC);
		char buf[8];
		CHECK_EQ_U64(tcp_recv(sv, buf, sizeof(buf)), 6);
		CHECK(memcmp(buf, "cookie", 6) == 0);
	}
	/* a forged ACK with a bad cookie gets a RST and no state */
	struct tcp_hdr f = {.sport = 7002, .dport = 80, .seq = 1, .ack = 12345, .flags = TH_ACK};
	size_t before = tcp_stack_conn_count(p.b);
	CHECK(pair_inject(&p, true, &f, NULL, 0) < 0);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), before);
	CHECK_EQ_U64(tcp_stack_stats(p.b)->drops[TCP_DROP_BAD_COOKIE], 1);
	pair_free(&p);
}

/* A lost final ACK of the handshake: the server retransmits SYN-ACK; data from the client
 * completes the handshake. Also: lost SYN-ACK retransmitted. */
static void test_lost_handshake_segments(void)
{
	struct pair p;
	pair_init(&p, 50);
	struct tcp_config c = cfg_default();
	int err;
	struct tcp_listener *l = tcp_listen(p.b, 0, 80, 8, &c, &err);
	struct tcp_tuple t = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5005, .rport = 80};
	struct tcp_conn *a = tcp_connect(p.a, &t, &c, p.now, &err);
	pair_pump(&p); /* SYN, SYN-ACK, ACK */
	(void)a;
	struct tcp_conn *sv = tcp_accept(l);
	CHECK(sv != NULL);
	/* now a fresh connection whose SYN-ACK is lost once */
	struct tcp_tuple t2 = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5006, .rport = 80};
	struct tcp_conn *a2 = tcp_connect(p.a, &t2, &c, p.now, &err);
	struct tcp_seg syn;
	CHECK(tcp_stack_output(p.a, &syn, p.now));
	pair_inject(&p, true, &syn.hdr, NULL, 0);
	struct tcp_seg synack;
	CHECK(tcp_stack_output(p.b, &synack, p.now)); /* dropped */
	CHECK_EQ_U64(synack.hdr.flags, TH_SYN | TH_ACK);
	pair_run(&p, 500 * TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(a2), TCP_SYN_SENT);
	pair_run(&p, 600 * TCP_MSEC); /* client SYN retransmitted at 1 s, server SYN-ACK too */
	CHECK_EQ_U64(tcp_conn_state(a2), TCP_ESTABLISHED);
	CHECK(tcp_accept(l) != NULL);
	pair_free(&p);
}

/* Abort sends RST; the peer sees ECONNRESET. Close with unread data also resets. */
static void test_abort(void)
{
	struct pair p;
	pair_init(&p, 60);
	struct tcp_config c = cfg_default();
	struct tcp_conn *cl, *sv;
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	tcp_abort(cl);
	pair_run(&p, TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_state(sv), TCP_CLOSED);
	CHECK_EQ_U64(tcp_conn_error(sv), ECONNRESET);
	CHECK(tcp_conn_events(sv) & TCP_EV_ERROR);
	CHECK_EQ_U64(tcp_send(sv, "x", 1), -ECONNRESET);
	tcp_close(sv);
	CHECK_EQ_U64(tcp_stack_conn_count(p.a), 0);
	CHECK_EQ_U64(tcp_stack_conn_count(p.b), 0);
	pair_free(&p);

	pair_init(&p, 61);
	CHECK(pair_connect(&p, &c, &c, &cl, &sv));
	tcp_send(cl, "unread", 6);
	pair_run(&p, 100 * TCP_MSEC);
	tcp_close(sv); /* unread data: RST (RFC 2525 2.17) */
	pair_run(&p, TCP_MSEC);
	CHECK_EQ_U64(tcp_conn_error(cl), ECONNRESET);
	pair_free(&p);
}

/* Events are reported through the stack queue. */
static void test_events(void)
{
	struct pair p;
	pair_init(&p, 70);
	struct tcp_config c = cfg_default();
	int err;
	struct tcp_listener *l = tcp_listen(p.b, 0, 80, 8, &c, &err);
	tcp_listener_set_user(l, &p);
	struct tcp_tuple t = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 5007, .rport = 80};
	struct tcp_conn *a = tcp_connect(p.a, &t, &c, p.now, &err);
	tcp_conn_set_user(a, &c);
	pair_run(&p, TCP_MSEC);
	struct tcp_event ev;
	bool saw_accept = false, saw_conn = false;
	while (tcp_stack_next_event(p.b, &ev))
		if (ev.listener == l && (ev.events & TCP_EV_ACCEPT) && ev.user == &p)
			saw_accept = true;
	while (tcp_stack_next_event(p.a, &ev))
		if (ev.conn == a && (ev.events & TCP_EV_CONNECTED) && ev.user == &c)
			saw_conn = true;
	CHECK(saw_accept);
	CHECK(saw_conn);
	pair_free(&p);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_handshake_and_data);
	RUN(test_simultaneous_open);
	RUN(test_refused);
	RUN(test_syn_timeout);
	RUN(test_rst_states);
	RUN(test_rst_handshake_states);
	RUN(test_syn_cookies);
	RUN(test_lost_handshake_segments);
	RUN(test_abort);
	RUN(test_events);
	RUN_DONE();
}
