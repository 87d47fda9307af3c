/* SPDX-License-Identifier: BSD-2-Clause */
/* A TCP stack on a simulated host: IPv4/IPv6 packet codec and wakeups (see sim_host.h). */
#include "sim_host.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define HOST_BUF 70000

static void host_timer(struct sim *sim, void *ctx);

#define FCS_LEN 8

static uint64_t frame_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

static void transmit(struct sim_host *h, const struct tcp_seg *s)
{
	/* cut TSO segments into MSS-sized packets, as a NIC does */
	uint32_t mss = s->mss ? s->mss : 1460;
	uint32_t off = 0;
	static uint8_t ext[65536 * 4];
	do {
		uint32_t n = s->len - off < mss ? s->len - off : mss;
		struct tcp_hdr th = s->hdr;
		th.seq = s->hdr.seq + off;
		bool last = off + n == s->len;
		if (!last)
			th.flags &= (uint8_t) ~(TH_FIN | TH_PSH);
		struct iovec iov[3];
		int iovcnt = 0;
		if (s->kind == TCP_PAYLOAD_INLINE && n) {
			uint32_t a = off, left = n;
			for (int k = 0; k < 2 && left; k++) {
				if (a >= s->plen[k]) {
					a -= s->plen[k];
					continue;
				}
				uint32_t take = s->plen[k] - a < left ? s->plen[k] - a : left;
				iov[iovcnt].iov_base = (void *)(s->p[k] + a);
				iov[iovcnt++].iov_len = take;
				left -= take;
				a = 0;
			}
		} else if (s->kind == TCP_PAYLOAD_EXT && n) {
			for (uint32_t i = 0; i < n; i++)
				ext[i] = sim_pattern(s->tag_off + off + i);
			iov[0].iov_base = ext;
			iov[0].iov_len = n;
			iovcnt = 1;
		}
		off += n;
		if (h->tx_filter && !h->tx_filter(h, &th, n, h->tx_ctx)) {
			h->tx_filtered++;
			continue;
		}
		struct pkt_tcp_out o = {
		    .saddr = s->tuple.laddr,
		    .daddr = s->tuple.raddr,
		    .ttl = 64,
		    .ip_id = h->ip_id++,
		    .ip_frag_off = IPV4_DF,
		    .tcp = &th,
		    .iov = iov,
		    .iovcnt = iovcnt,
		};
		if (s->tuple.family == TCP_AF_INET6) {
			o.src6 = &s->tuple.laddr6;
			o.dst6 = &s->tuple.raddr6;
		}
		size_t len = pkt_build_tcp(h->buf, HOST_BUF - FCS_LEN, &o);
		if (!len) {
			h->tx_build_fail++;
			continue;
		}
		uint64_t fcs = frame_hash(h->buf, len);
		memcpy(h->buf + len, &fcs, FCS_LEN);
		len += FCS_LEN;
		h->tx_pkts++;
		h->tx_bytes += len;
		sim_link_send(h->out, h->buf, len);
	} while (off < s->len);
}

void sim_host_kick(struct sim_host *h)
{
	tcp_time_t now = sim_now(h->sim);
	struct tcp_seg s;
	for (int round = 0; round < 2; round++) {
		while (tcp_stack_output(h->stack, &s, now))
			transmit(h, &s);
		if (round == 0 && h->app)
			h->app(h, h->app_ctx);
	}
	sim_wakeup_set(h->sim, &h->wake, tcp_stack_deadline(h->stack), host_timer, h);
}

static void host_timer(struct sim *sim, void *ctx)
{
	struct sim_host *h = ctx;
	tcp_stack_timers(h->stack, sim_now(sim));
	sim_host_kick(h);
}

static void host_rx(void *ctx, const uint8_t *pkt, size_t len)
{
	struct sim_host *h = ctx;
	struct pkt_view v;
	if (len < FCS_LEN)
		return;
	/* the IP version tells the families apart (a corrupted one fails the IPv4 decoder) */
	bool v6 = pkt[0] >> 4 == 6;
	enum pkt_err e = v6 ? pkt_decode_ipv6(pkt, len - FCS_LEN, &v, 0)
			    : pkt_decode_ipv4(pkt, len - FCS_LEN, &v, 0);
	pkt_count(&h->rx, e);
	if (e != PKT_OK) {
		tcp_stack_count_drop(h->stack, TCP_DROP_MALFORMED);
		return;
	}
	uint64_t fcs;
	memcpy(&fcs, pkt + len - FCS_LEN, FCS_LEN);
	if (fcs != frame_hash(pkt, len - FCS_LEN)) {
		h->fcs_bad++;
		return;
	}
	if (v.kind == PKT_KIND_TCP && v.ip.daddr == h->addr)
		tcp_stack_input(h->stack, v.ip.saddr, v.ip.daddr, &v.tcp, v.payload,
				(uint32_t)v.payload_len, sim_now(h->sim));
	else if (v.kind == PKT_KIND_TCP6 && h->has6 && ipv6_addr_equal(&v.ip6.dst, &h->addr6))
		tcp_stack_input6(h->stack, &v.ip6.src, &v.ip6.dst, &v.tcp, v.payload,
				 (uint32_t)v.payload_len, sim_now(h->sim));
	else
		return;
	sim_host_kick(h);
}

struct sim_host *sim_host_new(struct sim *sim, uint32_t addr, uint64_t seed, struct sim_link *out,
			      struct sim_link *in)
{
	struct sim_host *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->buf = malloc(HOST_BUF);
	struct tcp_stack_config sc = {0};
	for (int i = 0; i < 16; i++)
		sc.secret.key[i] = (uint8_t)(rng_derive(seed, (uint64_t)i) >> 7);
	h->stack = tcp_stack_new(&sc);
	if (!h->buf || !h->stack) {
		sim_host_free(h);
		return NULL;
	}
	h->sim = sim;
	h->addr = addr;
	h->out = out;
	h->wake = (struct sim_wakeup)SIM_WAKEUP_INIT;
	sim_link_set_sink(in, host_rx, h);
	return h;
}

void sim_host_set_addr6(struct sim_host *h, const struct ipv6_addr *a)
{
	h->addr6 = *a;
	h->has6 = true;
}

void sim_host_free(struct sim_host *h)
{
	if (!h)
		return;
	if (h->sim)
		sim_wakeup_cancel(h->sim, &h->wake);
	tcp_stack_free(h->stack);
	free(h->buf);
	free(h);
}
