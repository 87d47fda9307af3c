/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the TCP input path: a stack with a listener and an established connection
 * (to a second stack) receives fuzzed segments - raw bytes through tcp_hdr_decode, or headers
 * built from fuzz bytes around the connection's sequence numbers - interleaved with random time
 * steps, application calls and real exchanges with the peer. Every output descriptor is
 * checked for consistency, and the whole stack with tcp_stack_check() after every step (the
 * stack also checks each connection after its input, output and timers: invariant checks are
 * compiled into the fuzz build). Small limits (connections, orphans, out-of-order memory, SACK
 * entries) put their paths in reach. It must never crash, trip a sanitizer or loop. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp.h"

#define A_ADDR 0xc6120001u
#define B_ADDR 0xc6120002u

struct fz {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static uint32_t take32(struct fz *f)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | take(f);
	return v;
}

/* Validate an output descriptor; abort (a fuzzer-visible crash) on nonsense. */
static void check_seg(const struct tcp_seg *s)
{
	if (s->kind == TCP_PAYLOAD_INLINE) {
		if (s->plen[0] + s->plen[1] != s->len || !s->p[0] || (s->plen[1] && !s->p[1]))
			abort();
		volatile uint8_t sink = s->p[0][0] ^ s->p[0][s->plen[0] - 1];
		(void)sink;
	} else if (s->kind == TCP_PAYLOAD_NONE) {
		if (s->len)
			abort();
	}
	if (s->len > 4 * 65535 || s->hdr.opts.nsack > TCP_MAX_SACK)
		abort();
	if ((s->hdr.flags & TH_SYN) && (s->hdr.flags & TH_RST))
		abort();
}

static uint8_t wire[70000];

/* Move every pending segment from one stack to the other through the codec. */
static void deliver(struct tcp_stack *from, struct tcp_stack *to, uint32_t saddr, uint32_t daddr,
		    tcp_time_t now, bool drop)
{
	struct tcp_seg s;
	for (int i = 0; i < 256 && tcp_stack_output(from, &s, now); i++) {
		check_seg(&s);
		if (drop || !to)
			continue;
		struct tcp_hdr h = s.hdr;
		size_t hl = tcp_hdr_encode(wire, sizeof(wire), &h);
		if (!hl)
			abort(); /* the core produced options that do not fit */
		uint32_t len = s.len;
		if (s.kind == TCP_PAYLOAD_INLINE) {
			memcpy(wire + hl, s.p[0], s.plen[0]);
			if (s.plen[1])
				memcpy(wire + hl + s.plen[0], s.p[1], s.plen[1]);
		} else if (s.kind == TCP_PAYLOAD_EXT) {
			memset(wire + hl, 0x5a, len);
		}
		tcp_stack_input_raw(to, saddr, daddr, wire, hl + len, now);
	}
}

static void exchange(struct tcp_stack *a, struct tcp_stack *b, tcp_time_t now)
{
	for (int r = 0; r < 8; r++) {
		deliver(a, b, A_ADDR, B_ADDR, now, false);
		deliver(b, a, B_ADDR, A_ADDR, now, false);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct tcp_stack_config sc;
	tcp_stack_config_default(&sc);
	memset(sc.secret.key, 7, sizeof(sc.secret.key));
	sc.max_conns = 6;
	sc.max_orphans = 2;
	sc.ooo_mem_max = 24 * 1024;
	struct tcp_stack *a = tcp_stack_new(&sc);
	struct tcp_stack *b = tcp_stack_new(&sc);
	if (!a || !b)
		goto out;
	struct tcp_config cfg;
	tcp_config_default(&cfg);
	cfg.sndbuf = cfg.rcvbuf = 16384;
	cfg.keepalive = true;
	cfg.keep_idle = 5 * TCP_SEC;
	uint8_t knobs = take(&f);
	cfg.sack = knobs & 1;
	cfg.timestamps = knobs & 2;
	cfg.wscale = knobs & 4;
	cfg.nodelay = knobs & 8;
	cfg.tso_max = (knobs & 16) ? 8 * cfg.mss : cfg.mss;
	cfg.ext_echo = knobs & 32;
	cfg.fin_timeout = 30 * TCP_SEC;
	cfg.sentmap_max = 64;
	int err;
	struct tcp_listener *l = tcp_listen(a, 0, 80, 1 + (knobs >> 6), &cfg, &err);
	tcp_time_t now = 1000 * TCP_SEC;
	struct tcp_tuple bt = {.laddr = B_ADDR, .raddr = A_ADDR, .lport = 40000, .rport = 80};
	struct tcp_conn *bc = tcp_connect(b, &bt, &cfg, now, &err);
	exchange(a, b, now);
	struct tcp_conn *ac = l ? tcp_accept(l) : NULL;
	static uint8_t buf[4096];
	uint32_t base_seq = take32(&f), base_ack = take32(&f);

	for (int steps = 0; f.n && steps < 4096; steps++) {
		uint8_t op = take(&f);
		switch (op & 7) {
		case 0: { /* raw bytes as a TCP segment to A */
			size_t len = take(&f);
			if (len > f.n)
				len = f.n;
			memcpy(buf, f.p, len);
			if (len >= 4 && (op & 8)) { /* aim at the connection */
				buf[0] = 40000 >> 8;
				buf[1] = 40000 & 0xff;
				buf[2] = 0;
				buf[3] = 80;
			}
			tcp_stack_input_raw(a, B_ADDR, A_ADDR, buf, len, now);
			f.p += len;
			f.n -= len;
			break;
		}
		case 1: { /* a structured segment near the connection's sequence space */
			struct tcp_hdr h = {0};
			h.sport = (op & 8) ? 40000 : (uint16_t)(1024 + take(&f));
			h.dport = 80;
			h.seq = base_seq + (uint32_t)(int8_t)take(&f) * 512u;
			h.ack = base_ack + (uint32_t)(int8_t)take(&f) * 512u;
			h.flags = take(&f);
			h.wnd = (uint16_t)(take(&f) << 8 | take(&f));
			uint8_t o = take(&f);
			if (o & 1) {
				h.opts.present |= TCP_OPT_F_TS;
				h.opts.ts_val = take32(&f);
				h.opts.ts_ecr = take32(&f);
			}
			if (o & 2) {
				h.opts.present |= TCP_OPT_F_SACK;
				h.opts.nsack = (uint8_t)(1 + (o >> 2) % TCP_MAX_SACK);
				for (int i = 0; i < h.opts.nsack; i++) {
					h.opts.sack[i].start =
					    base_ack + (uint32_t)(int8_t)take(&f) * 256u;
					h.opts.sack[i].end = h.opts.sack[i].start + take(&f) * 64u;
				}
			}
			if (o & 0x80) {
				h.opts.present |=
				    TCP_OPT_F_MSS | TCP_OPT_F_WSCALE | TCP_OPT_F_SACKOK;
				h.opts.mss = (uint16_t)(take(&f) << 8 | take(&f));
				h.opts.wscale = take(&f);
			}
			uint32_t len = take(&f);
			if (len > f.n)
				len = (uint32_t)f.n;
			tcp_stack_input(a, B_ADDR, A_ADDR, &h, f.p, len, now);
			f.p += len;
			f.n -= len;
			break;
		}
		case 2: /* time passes */
			now += (tcp_time_t)take(&f) << (op >> 4);
			tcp_stack_timers(a, now);
			tcp_stack_timers(b, now);
			break;
		case 3: /* application calls on A's connection */
			if (!ac)
				break;
			switch ((op >> 3) & 7) {
			case 0:
				tcp_send(ac, buf, take(&f) * 16u);
				break;
			case 1:
				tcp_recv(ac, buf, take(&f) * 16u);
				break;
			case 2:
				tcp_send_ext(ac, take(&f) * 64u, op, take(&f));
				break;
			case 3:
				tcp_shutdown(ac);
				break;
			case 4:
				tcp_ext_sent(ac, base_ack, base_ack + take(&f) * 100u, now, 0);
				break;
			case 5:
				tcp_conn_set_nodelay(ac, op & 0x40);
				break;
			case 6:
				if (op & 0x40) {
					tcp_close(ac);
					ac = NULL;
				} else {
					tcp_close_keep(ac); /* the handle stays (IO-TCP offload) */
				}
				break;
			default:
				tcp_abort(ac);
				ac = NULL;
				break;
			}
			break;
		case 4: /* a real exchange with the peer */
			exchange(a, b, now);
			if (bc && (op & 8))
				tcp_send(bc, buf, take(&f) * 8u);
			if (bc && (op & 16))
				tcp_recv(bc, buf, sizeof(buf));
			break;
		case 5: { /* resync the fuzz sequence bases with what A expects */
			struct tcp_seg s;
			if (tcp_stack_output(a, &s, now)) {
				check_seg(&s);
				base_seq = s.hdr.ack;
				base_ack = s.hdr.seq;
			}
			break;
		}
		case 6: { /* accept / event polling */
			struct tcp_event ev;
			for (int i = 0; i < 64 && tcp_stack_next_event(a, &ev); i++)
				if (ev.conn && ev.conn == ac && (ev.events & TCP_EV_READABLE))
					tcp_recv(ac, buf, sizeof(buf));
			if (!ac && l)
				ac = tcp_accept(l);
			break;
		}
		case 7:
			if ((op & 8) && ac) { /* an ICMP too-big error quoting A's data (pmtu.c) */
				uint32_t seq = base_ack + (uint32_t)(int8_t)take(&f) * 512u;
				uint32_t mtu = (uint32_t)take(&f) << 4 | take(&f);
				tcp_stack_pmtu(a, tcp_conn_tuple(ac), seq, mtu, now);
			} else {
				deliver(a, NULL, A_ADDR, B_ADDR, now, true);
			}
			break;
		default: /* drain A's output, dropped */
			deliver(a, NULL, A_ADDR, B_ADDR, now, true);
			break;
		}
		deliver(a, NULL, A_ADDR, B_ADDR, now, true);
		const char *why = tcp_stack_check(a);
		if (why) {
			fprintf(stderr, "tcp_stack_check: %s\n", why);
			abort();
		}
		tcp_time_t d = tcp_stack_deadline(a);
		if (d != TCP_TIME_NEVER && d + 3600 * TCP_SEC < now)
			abort(); /* a deadline stuck in the past */
	}
	if (ac && (take(&f) & 1))
		tcp_close(ac);
	(void)bc;
out:
	tcp_stack_free(a);
	tcp_stack_free(b);
	return 0;
}
