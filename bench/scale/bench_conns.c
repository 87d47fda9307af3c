/* SPDX-License-Identifier: BSD-2-Clause */
/* Many idle connections in the sans-I/O TCP core (issue 13 item 3): bytes per idle connection
 * and the cost of the timer structure at that scale. Prints tables; not a test.
 *
 *   bench_conns [N]        (default 100000)
 *
 * A server stack accepts N connections from a client stack in the same process; each does one
 * request/response exchange (so buffers were used once) and then sits idle. The client stack
 * is freed afterwards, so the heap growth (mallinfo2) is the server's alone: the core's bytes
 * per idle connection. Timer figures: a timer pass with nothing due (the per-tick work an idle
 * host pays), the connections' keep-alive timers all armed in the heap, one segment in on a
 * random connection (a heap update) at N versus at 1000 connections, and firing N keep-alive
 * probes. */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcp/tcp.h"

#define SRV_ADDR 0xc6120001u /* 198.18.0.1 */
#define CLI_BASE 0xc6120010u /* 198.18.0.16.. (the client's addresses) */

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static const char request[] = "GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n";
static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 96\r\n\r\n"
			       "0123456789012345678901234567890123456789012345678901234567890123"
			       "45678901234567890123456789012345";

/* Deliver everything both stacks have to send, until both are quiet. */
static void exchange(struct tcp_stack *a, struct tcp_stack *b, tcp_time_t now)
{
	static uint8_t buf[65536];
	struct tcp_seg s;
	bool moved = true;

	while (moved) {
		moved = false;
		for (int dir = 0; dir < 2; dir++) {
			struct tcp_stack *from = dir ? b : a, *to = dir ? a : b;
			while (tcp_stack_output(from, &s, now)) {
				uint32_t n = 0;
				for (int k = 0; k < 2 && s.kind == TCP_PAYLOAD_INLINE; k++)
					if (s.plen[k]) {
						memcpy(buf + n, s.p[k], s.plen[k]);
						n += s.plen[k];
					}
				tcp_stack_input(to, s.tuple.laddr, s.tuple.raddr, &s.hdr, buf, n, now);
				moved = true;
			}
		}
	}
}

struct setup {
	struct tcp_stack *srv;
	struct tcp_conn **conns;
	uint32_t n;
	tcp_time_t now;
	size_t bytes_per_conn;
	double open_s;
};

/* n established server connections that served one request each; the client stack is gone. */
static int setup(struct setup *st, uint32_t n, bool keepalive)
{
	struct tcp_stack_config sc = {0};
	struct tcp_config cfg;
	int err;

	memset(sc.secret.key, 7, sizeof(sc.secret.key));
	sc.challenge_ack_limit = 1000;
	tcp_config_default(&cfg);
	cfg.keepalive = keepalive;
	cfg.nodelay = true;
	/* the timed input segments are made by hand: without timestamps, PAWS has nothing to
	 * check (the option costs no memory in the connection either way) */
	cfg.timestamps = false;
	st->n = n;
	st->now = 1000 * TCP_SEC;
	st->srv = tcp_stack_new(&sc);
	struct tcp_stack *cli = tcp_stack_new(&sc);
	st->conns = calloc(n, sizeof(*st->conns));
	struct tcp_conn **cc = calloc(n, sizeof(*cc));
	if (!st->srv || !cli || !st->conns || !cc)
		return -1;
	struct tcp_listener *l = tcp_listen(st->srv, 0, 80, 4096, &cfg, &err);
	if (!l)
		return -1;
	size_t base = heap_used();
	double t0 = now_ns();
	char rd[512];
	for (uint32_t i = 0; i < n; i += 1000) {
		uint32_t m = n - i < 1000 ? n - i : 1000;
		for (uint32_t k = 0; k < m; k++) {
			uint32_t j = i + k;
			struct tcp_tuple t = {.laddr = CLI_BASE + j / 60000,
					      .raddr = SRV_ADDR,
					      .lport = (uint16_t)(1024 + j % 60000),
					      .rport = 80};
			cc[j] = tcp_connect(cli, &t, &cfg, st->now, &err);
			if (!cc[j])
				return -1;
		}
		exchange(cli, st->srv, st->now);
		for (uint32_t k = 0; k < m; k++) {
			struct tcp_conn *c = tcp_accept(l);
			if (!c)
				return -1;
			st->conns[i + k] = c;
			tcp_send(cc[i + k], request, sizeof(request) - 1);
		}
		exchange(cli, st->srv, st->now);
		for (uint32_t k = 0; k < m; k++) {
			struct tcp_conn *c = st->conns[i + k];
			if (tcp_recv(c, rd, sizeof(rd)) != (ssize_t)sizeof(request) - 1)
				return -1;
			tcp_send(c, response, sizeof(response) - 1);
		}
		exchange(cli, st->srv, st->now);
		for (uint32_t k = 0; k < m; k++)
			if (tcp_recv(cc[i + k], rd, sizeof(rd)) != (ssize_t)sizeof(response) - 1)
				return -1;
		/* delayed ACKs of the last segments, at the same instant for every batch */
		st->now += 50 * TCP_MSEC;
		tcp_stack_timers(st->srv, st->now);
		tcp_stack_timers(cli, st->now);
		exchange(cli, st->srv, st->now);
	}
	st->open_s = (now_ns() - t0) / 1e9;
	/* the client goes away without a word to the server: its memory is no longer counted */
	tcp_stack_free(cli);
	free(cc);
	st->bytes_per_conn = (heap_used() - base) / n;
	return 0;
}

/* ns per tcp_stack_deadline + tcp_stack_timers pass when nothing is due */
static double idle_tick_ns(struct setup *st)
{
	const int reps = 1000000;
	double t0 = now_ns();
	for (int i = 0; i < reps; i++)
		if (tcp_stack_deadline(st->srv) <= st->now)
			tcp_stack_timers(st->srv, st->now);
	return (now_ns() - t0) / reps;
}

/* ns per segment in on a random connection: an ACK-only duplicate of what it has, which
 * re-arms the keep-alive timer (one heap update); untimed output drained every batch */
static double input_ns(struct setup *st, uint32_t among)
{
	const int reps = 200000;
	struct tcp_seg s;
	double t = 0;
	uint32_t x = 12345;
	for (int i = 0; i < reps; i++) {
		x = x * 1103515245u + 12345u;
		struct tcp_conn *c = st->conns[(x >> 8) % among];
		struct tcp_conn_info ci;
		tcp_conn_info(c, &ci);
		const struct tcp_tuple *tp = tcp_conn_tuple(c);
		struct tcp_hdr h = {.sport = tp->rport, .dport = tp->lport, .seq = ci.rcv_nxt,
				    .ack = ci.snd_nxt, .flags = TH_ACK, .wnd = 65535};
		st->now += 1000; /* 1 us apart: keep-alive deadlines move */
		double t0 = now_ns();
		tcp_stack_input(st->srv, tp->raddr, tp->laddr, &h, NULL, 0, st->now);
		t += now_ns() - t0;
		if (i % 64 == 0)
			while (tcp_stack_output(st->srv, &s, st->now))
				;
	}
	return t / reps;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	struct setup idle, ka;

	if (n < 1000)
		n = 1000;
	if (setup(&idle, n, false) < 0 || setup(&ka, n, true) < 0) {
		fprintf(stderr, "bench_conns: setup failed\n");
		return 1;
	}
	printf("## TCP core: %u idle connections (one request/response each, then idle)\n\n", n);
	printf("| figure | value |\n|---|---|\n");
	printf("| core bytes per idle connection (heap growth / N) | %zu |\n", idle.bytes_per_conn);
	printf("| same, keep-alive on | %zu |\n", ka.bytes_per_conn);
	printf("| connections in the stack | %zu |\n", tcp_stack_conn_count(idle.srv));
	printf("| time to open and serve them (both stacks, one process) | %.2f s |\n", idle.open_s);
	printf("| timer pass, nothing due, keep-alive off (per tick) | %.1f ns |\n",
	       idle_tick_ns(&idle));
	printf("| timer pass, nothing due, %u keep-alive timers in the heap (per tick) | %.1f ns |\n",
	       n, idle_tick_ns(&ka));
	printf("| one ACK in, keep-alive re-armed (heap update), among 1000 connections | %.0f ns |\n",
	       input_ns(&ka, 1000));
	printf("| one ACK in, keep-alive re-armed (heap update), among %u connections | %.0f ns |\n",
	       n, input_ns(&ka, n));
	/* every keep-alive timer fires: 2 h later, one probe each */
	ka.now += 7201 * TCP_SEC;
	struct tcp_seg s;
	uint64_t probes = 0;
	double t0 = now_ns();
	tcp_stack_timers(ka.srv, ka.now);
	double fire = now_ns() - t0;
	while (tcp_stack_output(ka.srv, &s, ka.now))
		probes++;
	printf("| %u keep-alive timers firing at once: timers pass | %.1f ms (%.0f ns each), %" PRIu64
	       " probes |\n",
	       n, fire / 1e6, fire / n, probes);
	tcp_stack_free(idle.srv);
	tcp_stack_free(ka.srv);
	free(idle.conns);
	free(ka.conns);
	return 0;
}
