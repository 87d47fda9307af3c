/* SPDX-License-Identifier: BSD-2-Clause */
/* Two TCP stacks wired back to back with a virtual clock (see pair.h). */
#include "pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t pair_ext_byte(uint64_t tag, uint64_t off)
{
	return (uint8_t)((off * 7 + tag * 13) ^ (off >> 8));
}

void pair_init(struct pair *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	struct tcp_stack_config sc = {0};
	for (int i = 0; i < 16; i++)
		sc.secret.key[i] = (uint8_t)(seed * 31 + (uint64_t)i);
	p->a = tcp_stack_new(&sc);
	sc.secret.key[0] ^= 0x55;
	p->b = tcp_stack_new(&sc);
	p->now = 1000 * TCP_SEC;
}

void pair_free(struct pair *p)
{
	tcp_stack_free(p->a);
	tcp_stack_free(p->b);
}

static uint8_t seg_buf[300000];

static bool move_one(struct pair *p, bool from_a)
{
	struct tcp_seg s;
	struct tcp_stack *src = from_a ? p->a : p->b, *dst = from_a ? p->b : p->a;
	if (!tcp_stack_output(src, &s, p->now))
		return false;
	uint8_t *data = seg_buf + TCP_HDR_MAX;
	uint32_t len = s.len;
	if (s.kind == TCP_PAYLOAD_INLINE) {
		memcpy(data, s.p[0], s.plen[0]);
		if (s.plen[1])
			memcpy(data + s.plen[0], s.p[1], s.plen[1]);
	} else if (s.kind == TCP_PAYLOAD_EXT) {
		for (uint32_t i = 0; i < len; i++)
			data[i] = pair_ext_byte(s.tag, s.tag_off + i);
	}
	struct tcp_hdr h = s.hdr;
	if (from_a)
		p->segs_ab++;
	else
		p->segs_ba++;
	struct pair_logged *lg = &p->log[p->nlog++ % PAIR_LOG];
	lg->from_a = from_a;
	lg->h = h;
	lg->len = len;
	if (getenv("PAIR_DEBUG"))
		fprintf(stderr, "%.6f %s seq=%u ack=%u fl=%02x wnd=%u len=%u\n",
			(double)(p->now % (1000 * TCP_SEC)) / 1e9, from_a ? "A>B" : "B>A", h.seq, h.ack,
			h.flags, h.wnd, len);
	if (p->filter && !p->filter(p, from_a, &h, data, &len)) {
		p->dropped++;
		return true;
	}
	uint8_t hb[TCP_HDR_MAX];
	size_t hl = tcp_hdr_encode(hb, sizeof(hb), &h);
	if (!hl)
		abort();
	memcpy(data - hl, hb, hl);
	p->last_input_rc = tcp_stack_input_raw(dst, from_a ? PAIR_ADDR_A : PAIR_ADDR_B,
					       from_a ? PAIR_ADDR_B : PAIR_ADDR_A, data - hl,
					       hl + len, p->now);
	return true;
}

unsigned pair_pump(struct pair *p)
{
	unsigned n = 0;
	for (int guard = 0; guard < 1000000; guard++) {
		bool any = move_one(p, true);
		any |= move_one(p, false);
		if (!any)
			break;
		n++;
	}
	return n;
}

void pair_run(struct pair *p, tcp_time_t dt)
{
	tcp_time_t end = p->now + dt;
	pair_pump(p);
	for (int guard = 0; guard < 1000000; guard++) {
		tcp_time_t da = tcp_stack_deadline(p->a), db = tcp_stack_deadline(p->b);
		tcp_time_t d = da < db ? da : db;
		if (d > end)
			break;
		if (d > p->now)
			p->now = d;
		tcp_stack_timers(p->a, p->now);
		tcp_stack_timers(p->b, p->now);
		pair_pump(p);
	}
	p->now = end;
	pair_pump(p);
}

bool pair_connect(struct pair *p, const struct tcp_config *ca, const struct tcp_config *cb,
		  struct tcp_conn **client, struct tcp_conn **server)
{
	int err = 0;
	struct tcp_listener *l = tcp_listen(p->b, 0, 80, 16, cb, &err);
	if (!l)
		return false;
	struct tcp_tuple t = {.laddr = PAIR_ADDR_A, .raddr = PAIR_ADDR_B, .lport = 40000,
			      .rport = 80};
	*client = tcp_connect(p->a, &t, ca, p->now, &err);
	if (!*client)
		return false;
	pair_run(p, 10 * TCP_MSEC);
	*server = tcp_accept(l);
	return *server && tcp_conn_state(*client) == TCP_ESTABLISHED &&
	       tcp_conn_state(*server) == TCP_ESTABLISHED;
}

int pair_inject(struct pair *p, bool to_b, const struct tcp_hdr *h, const uint8_t *data,
		uint32_t len)
{
	uint8_t hb[TCP_HDR_MAX];
	struct tcp_hdr hh = *h;
	size_t hl = tcp_hdr_encode(hb, sizeof(hb), &hh);
	if (!hl)
		return -100;
	memcpy(seg_buf, hb, hl);
	if (len)
		memcpy(seg_buf + hl, data, len);
	return tcp_stack_input_raw(to_b ? p->b : p->a, to_b ? PAIR_ADDR_A : PAIR_ADDR_B,
				   to_b ? PAIR_ADDR_B : PAIR_ADDR_A, seg_buf, hl + len, p->now);
}

const struct pair_logged *pair_last(const struct pair *p, unsigned k)
{
	if (k >= p->nlog || k >= PAIR_LOG)
		return NULL;
	return &p->log[(p->nlog - 1 - k) % PAIR_LOG];
}

struct tcp_hdr pair_hdr_from(struct tcp_conn *c, bool from_a)
{
	struct tcp_conn_info i;
	tcp_conn_info(c, &i);
	struct tcp_hdr h = {.sport = from_a ? 40000 : 80, .dport = from_a ? 80 : 40000,
			    .seq = i.snd_nxt, .ack = i.rcv_nxt, .flags = TH_ACK, .wnd = 1000};
	return h;
}

struct tcp_config pair_cfg_default(void)
{
	struct tcp_config c;
	tcp_config_default(&c);
	return c;
}
