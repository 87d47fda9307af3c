/* SPDX-License-Identifier: BSD-2-Clause */
/* Micro-benchmark of the sans-I/O core on an established connection: nanoseconds per ACK
 * processed (tcp_stack_input of a pure ACK on the sender) and per segment emitted
 * (tcp_stack_output of a data segment), for inline and external (offload) payload.
 * The receiving side's work is not timed. Prints a table; not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcp/tcp.h"

#define A_ADDR 0xc6120001u
#define B_ADDR 0xc6120002u
#define BATCH  64

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint8_t payload[65536 * 4];

static void run(const char *name, bool ext, uint32_t tso, long rounds)
{
	struct tcp_stack_config sc = {0};
	memset(sc.secret.key, 3, sizeof(sc.secret.key));
	struct tcp_stack *a = tcp_stack_new(&sc), *b = tcp_stack_new(&sc);
	struct tcp_config cfg;
	tcp_config_default(&cfg);
	cfg.sndbuf = cfg.rcvbuf = 4 << 20;
	cfg.tso_max = tso;
	int err;
	struct tcp_listener *l = tcp_listen(b, 0, 80, 8, &cfg, &err);
	struct tcp_tuple t = {.laddr = A_ADDR, .raddr = B_ADDR, .lport = 40000, .rport = 80};
	tcp_time_t now = 1000 * TCP_SEC;
	struct tcp_conn *c = tcp_connect(a, &t, &cfg, now, &err);
	struct tcp_seg s;
	for (int i = 0; i < 4; i++) {
		while (tcp_stack_output(a, &s, now))
			tcp_stack_input(b, A_ADDR, B_ADDR, &s.hdr, NULL, 0, now);
		while (tcp_stack_output(b, &s, now))
			tcp_stack_input(a, B_ADDR, A_ADDR, &s.hdr, NULL, 0, now);
	}
	struct tcp_conn *r = tcp_accept(l);
	if (!r) {
		fprintf(stderr, "handshake failed\n");
		exit(1);
	}
	static uint8_t rd[1 << 20];
	struct tcp_hdr acks[BATCH * 4];
	double t_out = 0, t_ack = 0;
	uint64_t nseg = 0, nack = 0, bytes = 0;
	uint64_t off = 0;
	for (long round = 0; round < rounds; round++) {
		/* keep the send buffer full (untimed) */
		for (;;) {
			ssize_t n = ext ? tcp_send_ext(c, 1 << 20, 1, off) : tcp_send(c, payload, 1 << 16);
			if (n <= 0)
				break;
			off += (uint64_t)n;
		}
		now += 10 * TCP_USEC;
		/* emit up to BATCH segments (timed) */
		struct tcp_seg segs[BATCH];
		int k = 0;
		double t0 = now_ns();
		while (k < BATCH && tcp_stack_output(a, &segs[k], now))
			k++;
		t_out += now_ns() - t0;
		/* the receiver takes them and acknowledges (untimed) */
		int na = 0;
		for (int i = 0; i < k; i++) {
			if (!segs[i].len)
				continue;
			nseg++;
			bytes += segs[i].len;
			const uint8_t *data = segs[i].kind == TCP_PAYLOAD_INLINE ? segs[i].p[0] : payload;
			if (segs[i].kind == TCP_PAYLOAD_INLINE && segs[i].plen[1]) {
				memcpy(payload, segs[i].p[0], segs[i].plen[0]);
				memcpy(payload + segs[i].plen[0], segs[i].p[1], segs[i].plen[1]);
				data = payload;
			}
			tcp_stack_input(b, A_ADDR, B_ADDR, &segs[i].hdr, data, segs[i].len, now);
			while (na < BATCH * 4 && tcp_stack_output(b, &s, now))
				acks[na++] = s.hdr;
			while (tcp_recv(r, rd, sizeof(rd)) > 0)
				;
		}
		while (na < BATCH * 4 && tcp_stack_output(b, &s, now))
			acks[na++] = s.hdr;
		now += 10 * TCP_USEC;
		/* the sender processes the ACKs (timed) */
		t0 = now_ns();
		for (int i = 0; i < na; i++)
			tcp_stack_input(a, B_ADDR, A_ADDR, &acks[i], NULL, 0, now);
		t_ack += now_ns() - t0;
		nack += (uint64_t)na;
		if (round % 64 == 0) {
			tcp_stack_timers(a, now);
			tcp_stack_timers(b, now);
		}
	}
	printf("%-22s %10.1f %12.1f %10llu %10llu %10.2f\n", name, t_ack / (double)nack,
	       t_out / (double)nseg, (unsigned long long)nack, (unsigned long long)nseg,
	       (double)bytes / (double)nseg);
	tcp_stack_free(a);
	tcp_stack_free(b);
}

int main(int argc, char **argv)
{
	/* bench_tcp [ROUNDS | --quick] */
	long rounds = 20000;
	if (argc > 1)
		rounds = strcmp(argv[1], "--quick") == 0 ? 2000 : atol(argv[1]);
	if (rounds < 4)
		rounds = 4;
	printf("%-22s %10s %12s %10s %10s %10s\n", "case", "ns/ACK", "ns/segment", "acks",
	       "segments", "bytes/seg");
	run("inline, mss", false, 1460, rounds);
	run("external, mss", true, 1460, rounds);
	run("inline, tso 64K", false, 65536, rounds / 4);
	run("external, tso 64K", true, 65536, rounds / 4);
	return 0;
}
