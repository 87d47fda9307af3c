/* SPDX-License-Identifier: BSD-2-Clause */
/* The netem relay's pure parts: value parsing, per-frame draws (netem's order and
 * correlations), the departure heap, checksum completion and corruption, cutting GSO frames.
 * No root, no network. */
#include <stdlib.h>
#include <string.h>

#include "../../unit/check.h"
#include "frame_edit.h"
#include "frame_heap.h"
#include "gso.h"
#include "impair.h"

static void test_parse(void)
{
	uint64_t ns = 1, ab, ba;
	double p = -1, pa, pb;

	CHECK(impair_parse_time("10ms", &ns) == 0 && ns == 10000000);
	CHECK(impair_parse_time("250us", &ns) == 0 && ns == 250000);
	CHECK(impair_parse_time("1.5s", &ns) == 0 && ns == 1500000000);
	CHECK(impair_parse_time("0", &ns) == 0 && ns == 0);
	CHECK(impair_parse_time("10", &ns) == -1); /* no unit */
	CHECK(impair_parse_time("-1ms", &ns) == -1);
	CHECK(impair_parse_time("10msx", &ns) == -1);
	CHECK(impair_parse_time("2h", &ns) == -1);
	CHECK(impair_parse_time("7200s", &ns) == -1); /* over an hour */
	CHECK(impair_parse_time("nanms", &ns) == -1);
	CHECK(impair_parse_time("", &ns) == -1);
	CHECK(impair_parse_pct("5%", &p) == 0 && p == 0.05);
	CHECK(impair_parse_pct("100", &p) == 0 && p == 1.0);
	CHECK(impair_parse_pct("100.5%", &p) == -1);
	CHECK(impair_parse_pct("5%%", &p) == -1);
	CHECK(impair_parse_pct("-0%", &p) == -1);
	CHECK(impair_parse_time_pair("10ms/0", &ab, &ba) == 0 && ab == 10000000 && ba == 0);
	CHECK(impair_parse_time_pair("3ms", &ab, &ba) == 0 && ab == 3000000 && ba == 3000000);
	CHECK(impair_parse_time_pair("1ms/2ms/3ms", &ab, &ba) == -1);
	CHECK(impair_parse_time_pair("1ms/", &ab, &ba) == -1);
	CHECK(impair_parse_pct_pair("1%/2%", &pa, &pb) == 0 && pa == 0.01 && pb == 0.02);
}

static void test_delay_draws(void)
{
	struct impair_cfg c = {.delay_ns = 10000000, .jitter_ns = 2000000, .reorder = 0.25};
	struct impair_state st = {0};
	struct rng r;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned reordered = 0, n = 20000;

	rng_seed(&r, 42);
	for (unsigned i = 0; i < n; i++) {
		bool re;
		uint64_t d = impair_frame_delay(&c, &st, &r, &re);

		if (re) {
			CHECK_EQ_U64(d, 0);
			reordered++;
			continue;
		}
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK(lo >= 8000000 && lo < 8100000);	/* delay - jitter, reached */
	CHECK(hi <= 12000000 && hi > 11900000); /* delay + jitter, reached */
	CHECK(reordered > n / 4 - n / 20 && reordered < n / 4 + n / 20);

	/* Jitter larger than the delay never goes below zero. */
	c = (struct impair_cfg){.delay_ns = 1000, .jitter_ns = 5000};
	for (unsigned i = 0; i < 1000; i++) {
		bool re;

		CHECK(impair_frame_delay(&c, &st, &r, &re) <= 6000);
	}
	/* Reorder without delay does nothing (as netem). */
	c = (struct impair_cfg){.reorder = 1.0};
	bool re = true;
	CHECK_EQ_U64(impair_frame_delay(&c, &st, &r, &re), 0);
	CHECK(!re);
	CHECK(impair_is_noop(&c) == false);
	c = (struct impair_cfg){0};
	CHECK(impair_is_noop(&c));
}

/* netem's order (netem_enqueue): a duplicated frame that is also lost leaves one copy; a lost
 * frame draws nothing more; correlation makes runs longer without changing what a draw of 0
 * or 100% does. */
static void test_fates(void)
{
	struct impair_state st = {0};
	struct rng r;
	struct impair_fate f;

	rng_seed(&r, 3);
	struct impair_cfg c = {.loss = 1.0, .duplicate = 1.0, .delay_ns = 5};
	impair_draw(&c, &st, &r, &f);
	CHECK(!f.lost && !f.duplicate && f.delay_ns == 5);
	c = (struct impair_cfg){.loss = 1.0, .corrupt = 1.0};
	impair_draw(&c, &st, &r, &f);
	CHECK(f.lost && !f.corrupt);
	c = (struct impair_cfg){.duplicate = 1.0, .corrupt = 1.0, .delay_ns = 7};
	impair_draw(&c, &st, &r, &f);
	CHECK(!f.lost && f.duplicate && f.corrupt && f.delay_ns == 7);

	/* runs: how often two successive loss draws agree, without and with 90% correlation */
	unsigned same[2] = {0, 0}, lost[2] = {0, 0}, n = 20000;
	for (int k = 0; k < 2; k++) {
		struct impair_state s2 = {0};
		bool prev = false;
		c = (struct impair_cfg){.loss = 0.5, .loss_corr = k ? 0.9 : 0};
		for (unsigned i = 0; i < n; i++) {
			impair_draw(&c, &s2, &r, &f);
			same[k] += f.lost == prev;
			lost[k] += f.lost;
			prev = f.lost;
		}
	}
	CHECK(lost[0] > n * 45 / 100 && lost[0] < n * 55 / 100);
	CHECK(lost[1] > n * 40 / 100 && lost[1] < n * 60 / 100);
	CHECK(same[0] > n * 45 / 100 && same[0] < n * 55 / 100);
	CHECK(same[1] > n * 80 / 100); /* long runs of losses and of deliveries */
	/* a correlated reorder still reorders its share, in runs */
	unsigned re_n = 0, re_runs = 0;
	bool prev = false;
	struct impair_state s3 = {0};
	c = (struct impair_cfg){.delay_ns = 10, .reorder = 0.5, .reorder_corr = 0.75};
	for (unsigned i = 0; i < n; i++) {
		impair_draw(&c, &s3, &r, &f);
		re_n += f.reordered;
		re_runs += f.reordered && !prev;
		prev = f.reordered;
	}
	CHECK(re_n > n * 40 / 100 && re_n < n * 60 / 100);
	CHECK(re_runs < re_n / 2);
}

static struct frame *mk(uint64_t due, uint64_t seq)
{
	struct frame *f = calloc(1, sizeof(*f));

	f->due_ns = due;
	f->seq = seq;
	return f;
}

static void test_heap(void)
{
	struct frame_heap h;
	struct rng r;
	uint64_t last_due = 0, last_seq = 0;
	unsigned n = 0;

	CHECK(frame_heap_init(&h, 1000) == 0);
	rng_seed(&r, 7);
	for (uint64_t i = 0; i < 1000; i++)
		CHECK(frame_heap_push(&h, mk(rng_below(&r, 50), i)) == 0);
	struct frame *extra = mk(0, 1000);
	CHECK(frame_heap_push(&h, extra) == -1); /* at the limit: the caller keeps it */
	free(extra);
	CHECK(frame_heap_peek(&h)->due_ns == 0);
	for (struct frame *f; (f = frame_heap_pop(&h)); n++) {
		/* Due order, and arrival order among equals. */
		CHECK(f->due_ns > last_due ||
		      (f->due_ns == last_due && (n == 0 || f->seq > last_seq)));
		last_due = f->due_ns;
		last_seq = f->seq;
		free(f);
	}
	CHECK_EQ_U64(n, 1000);
	CHECK(frame_heap_pop(&h) == NULL);
	/* Frames left behind are freed by fini (ASan would notice a leak). */
	CHECK(frame_heap_push(&h, mk(5, 1)) == 0);
	frame_heap_fini(&h);
}

/* Internet checksum over buf (RFC 1071), for verification. */
static uint16_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* An Ethernet + IPv4 + UDP frame with `plen` payload bytes; returns its length. */
static size_t mk_udp(uint8_t *f, size_t plen)
{
	size_t ulen = 8 + plen, len = 14 + 20 + ulen;

	memset(f, 0, len);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((20 + ulen) >> 8);
	f[17] = (uint8_t)(20 + ulen);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, (uint8_t[]){198, 18, 0, 2, 198, 18, 0, 1}, 8);
	f[34] = 0x30;
	f[35] = 0x39;
	f[36] = 0x00;
	f[37] = 0x35;
	f[38] = (uint8_t)(ulen >> 8);
	f[39] = (uint8_t)ulen;
	for (size_t i = 0; i < plen; i++)
		f[42 + i] = (uint8_t)(i * 7 + 1);
	return len;
}

/* The UDP checksum verifies: pseudo-header + segment sums to 0xffff (RFC 768). */
static bool udp_ok(const uint8_t *f, size_t len)
{
	uint32_t ps = 0;
	size_t ulen = len - 34;

	ps += (uint32_t)(f[26] << 8 | f[27]) + (uint32_t)(f[28] << 8 | f[29]);
	ps += (uint32_t)(f[30] << 8 | f[31]) + (uint32_t)(f[32] << 8 | f[33]);
	ps += 17 + (uint32_t)ulen;
	return sum16(f + 34, ulen, ps) == 0xffff;
}

static void test_frames(void)
{
	uint8_t f[256];
	struct rng r;
	size_t len = mk_udp(f, 101);

	/* NEEDS_CSUM: the field holds the folded pseudo-header sum; the relay completes it. */
	uint32_t ps = (198 << 8 | 18) + 2 + (198 << 8 | 18) + 1 + 17 + (uint32_t)(len - 34);
	while (ps >> 16)
		ps = (ps & 0xffff) + (ps >> 16);
	f[40] = (uint8_t)(ps >> 8);
	f[41] = (uint8_t)ps;
	CHECK(frame_finish_csum(f, len, 34, 6) == 0);
	CHECK(udp_ok(f, len));
	CHECK(frame_finish_csum(f, len, 34, len) == -1);
	CHECK(frame_finish_csum(f, len, len + 1, 0) == -1);

	/* Every corruption is caught by the checksum, and stays inside the UDP segment. */
	rng_seed(&r, 1);
	for (int i = 0; i < 500; i++) {
		uint8_t g[256];
		long pos;

		memcpy(g, f, len);
		pos = frame_corrupt(g, len, &r);
		CHECK(pos >= 34 && pos < (long)len);
		CHECK(memcmp(g, f, 34) == 0);
		CHECK(!udp_ok(g, len));
	}
	/* Not corruptible: ARP, UDP without checksum, a later fragment, truncated frames. */
	uint8_t g[256];
	memcpy(g, f, len);
	g[12] = 0x08;
	g[13] = 0x06;
	CHECK(frame_corrupt(g, len, &r) == -1);
	memcpy(g, f, len);
	g[40] = g[41] = 0;
	CHECK(frame_corrupt(g, len, &r) == -1);
	memcpy(g, f, len);
	g[21] = 10; /* fragment offset */
	CHECK(frame_corrupt(g, len, &r) == -1);
	CHECK(frame_corrupt(f, 20, &r) == -1);
	CHECK(frame_corrupt(f, 10, &r) == -1);
	memcpy(g, f, len);
	g[14] = 0x4f; /* IHL 60 bytes: header runs past the IP total length? still in frame */
	g[16] = 0;
	g[17] = 40; /* total length shorter than the header */
	CHECK(frame_corrupt(g, len, &r) == -1);
}

/* A GSO TCP/IPv4 frame as the vtap hands it over: 14 + 20 + 32 (timestamps) header bytes,
 * `plen` payload bytes to be cut in segments of mss. */
static size_t mk_gso(uint8_t *f, size_t plen, uint16_t mss, struct virtio_net_hdr *vh)
{
	size_t len = 14 + 20 + 32 + plen;

	memset(f, 0, 66);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[18] = 0x12; /* id 0x1234 */
	f[19] = 0x34;
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, (uint8_t[]){198, 18, 0, 1, 198, 18, 0, 2}, 8);
	f[34] = 0;
	f[35] = 80;
	memcpy(f + 38, (uint8_t[]){0xff, 0xff, 0xf0, 0x00}, 4); /* seq wraps inside the frame */
	f[46] = 8 << 4;
	f[47] = 0x10 | 0x08 | 0x01 | 0x80; /* ACK PSH FIN CWR */
	f[54] = 1; /* NOP NOP TS 10 */
	f[55] = 1;
	f[56] = 8;
	f[57] = 10;
	for (size_t i = 0; i < plen; i++)
		f[66 + i] = (uint8_t)(i * 13 + 5);
	*vh = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				      .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				      .hdr_len = 66, .gso_size = mss, .csum_start = 34,
				      .csum_offset = 16};
	return len;
}

static void test_gso(void)
{
	static uint8_t f[70000], seg[2000];
	struct virtio_net_hdr vh;
	struct gso_frame g;
	size_t plen = 3 * 1448 + 100, len = mk_gso(f, plen, 1448, &vh);

	CHECK(gso_parse(&vh, f, len, &g) == 0);
	CHECK_EQ_U64(g.nseg, 4);
	CHECK_EQ_U64(g.hlen, 66);
	size_t got = 0;
	for (unsigned k = 0; k < g.nseg; k++) {
		size_t n = gso_segment(&g, f, k, seg, sizeof(seg));
		size_t want = k < 3 ? 1448 : 100;
		CHECK_EQ_U64(n, 66 + want);
		CHECK_EQ_U64((size_t)(seg[16] << 8 | seg[17]), n - 14); /* IPv4 total length */
		CHECK_EQ_U64((unsigned)(seg[18] << 8 | seg[19]), 0x1234 + k);
		CHECK_EQ_U64(sum16(seg + 14, 20, 0), 0xffff); /* IPv4 header checksum */
		uint32_t sq = (uint32_t)seg[38] << 24 | (uint32_t)seg[39] << 16 |
			      (uint32_t)seg[40] << 8 | seg[41];
		CHECK_EQ_U64(sq, (uint32_t)(0xfffff000u + k * 1448));
		uint8_t fl = seg[47];
		CHECK(fl & 0x10);
		CHECK(!(fl & 0x09) == (k != 3)); /* PSH, FIN on the last only */
		CHECK(!(fl & 0x80) == (k != 0)); /* CWR on the first only */
		uint32_t ps = (198 << 8 | 18) + 1 + (198 << 8 | 18) + 2 + 6 + (uint32_t)(n - 34);
		CHECK_EQ_U64(sum16(seg + 34, n - 34, ps), 0xffff); /* TCP checksum complete */
		CHECK(memcmp(seg + 66, f + 66 + got, want) == 0);
		CHECK(memcmp(seg + 54, f + 54, 12) == 0); /* options copied */
		got += want;
	}
	CHECK_EQ_U64(got, plen);
	CHECK_EQ_U64(gso_segment(&g, f, 4, seg, sizeof(seg)), 0);
	CHECK_EQ_U64(gso_segment(&g, f, 0, seg, 100), 0);
	/* not cut: other GSO types, a gso_size of 0, no payload, IPv6, truncated headers */
	struct virtio_net_hdr bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	CHECK(gso_parse(&bad, f, len, &g) == -1);
	bad = vh;
	bad.gso_size = 0;
	CHECK(gso_parse(&bad, f, len, &g) == -1);
	CHECK(gso_parse(&vh, f, 66, &g) == -1);
	CHECK(gso_parse(&vh, f, 50, &g) == -1);
	f[12] = 0x86;
	f[13] = 0xdd;
	CHECK(gso_parse(&vh, f, len, &g) == -1);
	f[12] = 0x08;
	f[13] = 0x00;
	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	CHECK(gso_parse(&bad, f, len, &g) == 0);
	bad.gso_size = 1; /* 4444 segments: more than GSO_SEG_MAX */
	CHECK(gso_parse(&bad, f, len, &g) == -1);
}

/* IPv6 (issue 13): a TCPV6 GSO frame (2001:2::1 -> 2001:2::2, TCP right after the fixed
 * header) is cut like an IPv4 one: payload length per segment, no IPv4 fields, the TCP checksum
 * over the IPv6 pseudo-header; an extension header or an IPv4 EtherType is not cut. */
static void test_gso_ipv6(void)
{
	static uint8_t f[70000], seg[2000];
	struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				    .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
				    .hdr_len = 86,
				    .gso_size = 1428,
				    .csum_start = 54,
				    .csum_offset = 16};
	struct gso_frame g;
	size_t plen = 2 * 1428 + 7, len = 86 + plen;

	memset(f, 0, 86);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[18] = (uint8_t)((len - 54) >> 8);
	f[19] = (uint8_t)(len - 54);
	f[20] = 6;  /* Next Header TCP */
	f[21] = 64; /* hop limit */
	f[22] = 0x20, f[23] = 0x01, f[25] = 0x02, f[37] = 1;
	f[38] = 0x20, f[39] = 0x01, f[41] = 0x02, f[53] = 2;
	f[55] = 80;
	memcpy(f + 58, (uint8_t[]){0x10, 0, 0, 0}, 4);
	f[66] = 8 << 4;
	f[67] = 0x10 | 0x08; /* ACK PSH */
	for (size_t i = 0; i < plen; i++)
		f[86 + i] = (uint8_t)(i * 7 + 1);
	CHECK(gso_parse(&vh, f, len, &g) == 0);
	CHECK_EQ_U64(g.nseg, 3);
	CHECK_EQ_U64(g.hlen, 86);
	size_t got = 0;
	for (unsigned k = 0; k < g.nseg; k++) {
		size_t n = gso_segment(&g, f, k, seg, sizeof(seg));
		size_t want = k < 2 ? 1428 : 7;
		CHECK_EQ_U64(n, 86 + want);
		CHECK_EQ_U64((size_t)(seg[18] << 8 | seg[19]), n - 54); /* payload length */
		uint32_t sq = (uint32_t)seg[58] << 24 | (uint32_t)seg[59] << 16 |
			      (uint32_t)seg[60] << 8 | seg[61];
		CHECK_EQ_U64(sq, (uint32_t)(0x10000000u + k * 1428));
		CHECK(!(seg[67] & 0x08) == (k != 2)); /* PSH on the last only */
		uint32_t ps = sum16(seg + 22, 32, 0) + 6 + (uint32_t)(n - 54);
		CHECK_EQ_U64(sum16(seg + 54, n - 54, ps), 0xffff); /* TCP checksum complete */
		CHECK(memcmp(seg + 86, f + 86 + got, want) == 0);
		got += want;
	}
	CHECK_EQ_U64(got, plen);
	f[20] = 0; /* a Hop-by-Hop header first */
	CHECK(gso_parse(&vh, f, len, &g) == -1);
	f[20] = 6;
	f[12] = 0x08;
	f[13] = 0x00;
	CHECK(gso_parse(&vh, f, len, &g) == -1);
}

int main(void)
{
	test_parse();
	test_delay_draws();
	test_fates();
	test_heap();
	test_frames();
	test_gso();
	test_gso_ipv6();
	CHECK_DONE();
}
