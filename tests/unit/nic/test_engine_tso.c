/* SPDX-License-Identifier: BSD-2-Clause */
/* The engine's TSO path (nic_engine_set_tso): a burst leaves as frames of whole MSS multiples
 * (the tail shorter) handed to the TSO callback with the first segment's headers: sequence
 * numbers advance by the payload, IP ids by the segments each frame stands for, PSH only on the
 * frame ending the burst, IPv4 total length of the whole frame, the pseudo-header sum of the
 * whole frame in the TCP checksum field; the payload is the file's bytes. A single-MSS tail
 * goes through the ordinary wire_send. TSO is refused without checksum offload and capped.
 * IPv6 templates: the payload length of the whole frame, the IPv6 pseudo-header sum. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "docroot.h"
#include "engine_frames.h"
#include "nic/engine.h"
#include "nic/io.h"
#include "proto/offload.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

#define MAXF 256
#define MSS  1000

struct capture {
	uint8_t *buf[MAXF];
	size_t len[MAXF];
	uint16_t mss[MAXF]; /* 0: ordinary frame */
	int n;
};

static uint8_t *cap_alloc(void *ctx, size_t len)
{
	struct capture *c = ctx;
	return c->n < MAXF ? malloc(len) : NULL;
}

static void cap_put(struct capture *c, uint8_t *buf, size_t len, uint16_t mss)
{
	c->buf[c->n] = buf;
	c->len[c->n] = len;
	c->mss[c->n++] = mss;
}

static void cap_send(void *ctx, uint8_t *buf, size_t len)
{
	cap_put(ctx, buf, len, 0);
}

static void cap_send_tso(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len, uint16_t mss)
{
	CHECK(hdr_len == (get_be16(buf + 12) == 0x86DD ? 14 + 40 + 20 : 14 + 20 + 20));
	cap_put(ctx, buf, len, mss);
}

/* Zero-copy output: builds the same frame the copying path would; refuses its second call once
 * (the engine must offer the frame again). */
static int zc_calls;

static bool zc_send(void *ctx, const uint8_t *hdr, size_t hlen, const struct iovec *iov, int niov,
		    uint32_t plen, uint16_t mss)
{
	struct capture *c = ctx;
	if (++zc_calls == 2 || c->n == MAXF)
		return false;
	uint8_t *f = malloc(hlen + plen), *p = f + hlen;
	memcpy(f, hdr, hlen);
	for (int i = 0; i < niov; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	CHECK(p == f + hlen + plen);
	cap_put(c, f, hlen + plen, mss);
	return true;
}

/* A docroot with f.bin (200000 bytes) and synchronous file I/O. */
struct bed {
	struct docroot d;
	struct nic_io *io;
};

static uint8_t content[200000], buf[1600];
static struct proto_writer w;

static bool bed_make(struct bed *b)
{
	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)(i * 7 + (i >> 11));
	if (!docroot_make(&b->d, "iotcp-tso", "f.bin", content, sizeof(content)))
		return false;
	b->io = nic_io_new(16, true);
	return true;
}

static void bed_remove(struct bed *b)
{
	nic_io_free(b->io);
	docroot_remove(&b->d);
}

static struct nic_engine_config config(const struct bed *d, bool csum_offload)
{
	struct nic_engine_config c = {.docroot_fd = d->d.dfd,
				      .store_bytes = 8 * 65536,
				      .block_size = 65536,
				      .io = d->io,
				      .tcp_csum_offload = csum_offload};
	return c;
}

static void cap_free(struct capture *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->buf[i]);
	memset(c, 0, sizeof(*c));
}

/* An engine with TSO (30000 bytes a frame) and f.bin open; zero copy if asked. */
static struct nic_engine *engine_tso(const struct bed *d, struct capture *cap, bool zero_copy,
				     uint32_t *fid)
{
	struct nic_engine_out out = {cap, cap_alloc, cap_send, ef_host};
	struct nic_engine_config cfg = config(d, true);
	struct nic_engine *e = nic_engine_new(&cfg, &out);
	CHECK(e && nic_engine_set_tso(e, 30000, cap_send_tso));
	if (e && zero_copy)
		CHECK(nic_engine_set_zero_copy(e, zc_send));
	if (!e)
		return NULL;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_put_open(&w, 1, "f.bin", 5);
	ef_deliver(e, &w, buf);
	*fid = ef_opened_fid;
	struct nic_engine_stats st;
	nic_engine_get_stats(e, &st);
	CHECK(st.files_open == 1);
	return e;
}

/* 100500 bytes from offset 3000 (crosses blocks): 3 frames of 30 MSS and one of 10 MSS plus the
 * 500-byte tail; then a SEND of 800 bytes: one ordinary frame. */
static void burst(struct nic_engine *e, uint32_t fid, struct capture *cap, bool zero_copy)
{
	uint8_t hdr[128];
	uint32_t seq0 = 0xffff0000u;
	struct proto_send s = {
	    .flow = 9, .fid = fid, .file_off = 3000, .len = 100500, .mss = MSS, .cookie = 1};
	s.tmpl_len = (uint16_t)ef_template(hdr, seq0, 100);
	s.tmpl = hdr;
	CHECK(proto_put_send(&w, &s) == 0);
	s.flow = 10;
	s.file_off = 0;
	s.len = 800;
	s.tmpl_len = (uint16_t)ef_template(hdr, seq0 + 100500, 100);
	CHECK(proto_put_send(&w, &s) == 0);
	ef_deliver(e, &w, buf);
	for (int i = 0; i < 10 && cap->n < 5; i++)
		nic_engine_poll(e, 3000);
	CHECK(cap->n == 5 && ef_host_errors == 0);
	uint32_t off = 0;
	uint16_t ip_id = 100;
	for (int i = 0; i < cap->n; i++) {
		const uint8_t *ip = cap->buf[i] + 14, *tcp = ip + 20;
		uint32_t plen = (uint32_t)cap->len[i] - 54;
		CHECK(cap->mss[i] == (i < 4 ? MSS : 0));
		CHECK(plen == (i < 3 ? 30000u : i == 3 ? 10500u : 800u));
		CHECK(get_be16(ip + 2) == 20 + 20 + plen);
		if (i == 4)
			ip_id = 100; /* the second SEND's template */
		CHECK(get_be16(ip + 4) == ip_id);
		CHECK(inet_csum(ip, 20) == 0);
		CHECK(get_be32(tcp + 4) == seq0 + off);
		CHECK(((tcp[13] & TH_PSH) != 0) == (i >= 3)); /* each burst's last frame */
		uint32_t ps = csum_pseudo_ipv4(EF_SADDR, EF_DADDR, 6, 20 + plen);
		CHECK(get_be16(tcp + 16) == csum_reduce(ps));
		CHECK(memcmp(tcp + 20, content + (i < 4 ? 3000 + off : 0), plen) == 0);
		off += plen;
		ip_id = (uint16_t)(ip_id + (plen + MSS - 1) / MSS);
	}
	CHECK(off == 100500 + 800);
	struct nic_engine_stats st;
	nic_engine_get_stats(e, &st);
	CHECK_EQ_U64(st.tso_frames, 4);
	CHECK_EQ_U64(st.segments, 102);
	CHECK_EQ_U64(st.send_bytes, 100500 + 800);
	CHECK_EQ_U64(st.zero_copy_frames, zero_copy ? 5 : 0);
}

/* TSO is refused without checksum offload; turning it off is always fine. */
static void test_tso_needs_csum_offload(void)
{
	static struct capture cap;
	struct bed d;

	if (!bed_make(&d))
		return;
	struct nic_engine_out out = {&cap, cap_alloc, cap_send, ef_host};
	struct nic_engine_config plain = config(&d, false);
	struct nic_engine *e = nic_engine_new(&plain, &out);
	CHECK(e && !nic_engine_set_tso(e, 30000, cap_send_tso)); /* no checksum offload */
	CHECK(nic_engine_set_tso(e, 0, NULL));
	nic_engine_free(e);
	bed_remove(&d);
}

/* The copying path: frames of whole MSS multiples, headers and checksums as described above. */
static void test_tso_burst_frames(void)
{
	static struct capture cap;
	struct bed d;
	uint32_t fid;

	if (!bed_make(&d))
		return;
	struct nic_engine *e = engine_tso(&d, &cap, false, &fid);
	if (e)
		burst(e, fid, &cap, false);
	cap_free(&cap);
	nic_engine_free(e);
	bed_remove(&d);
}

/* Zero copy produces the same frames as copying; a refused frame is offered again. */
static void test_tso_zero_copy_same_frames(void)
{
	static struct capture first, cap;
	struct nic_engine_stats st = {0};
	struct bed d;
	uint32_t fid;

	if (!bed_make(&d))
		return;
	struct nic_engine *e = engine_tso(&d, &first, false, &fid);
	if (e)
		burst(e, fid, &first, false);
	nic_engine_free(e);
	zc_calls = 0;
	e = engine_tso(&d, &cap, true, &fid);
	if (e) {
		burst(e, fid, &cap, true);
		nic_engine_get_stats(e, &st);
	}
	CHECK(zc_calls == 6 && st.wire_stalls >= 1); /* one refusal, offered again */
	for (int i = 0; i < 5; i++)
		CHECK(first.len[i] == cap.len[i] && first.mss[i] == cap.mss[i] &&
		      memcmp(first.buf[i], cap.buf[i], cap.len[i]) == 0);
	cap_free(&first);
	cap_free(&cap);
	nic_engine_free(e);
	bed_remove(&d);
}

/* IPv6 (issue 13): a SEND with an IPv6 template leaves as TSO frames of whole MSS multiples
 * whose payload length covers the frame, no IPv4 id, the IPv6 pseudo-header sum of the whole
 * frame in the TCP checksum field, the file's bytes; the tail as an ordinary frame whose full
 * checksum verifies. Copying and zero copy alike. */
static void test_tso_ipv6(void)
{
	static struct capture cap;
	static const struct mac_addr sm = {{2, 0, 0, 0, 0, 1}}, dm = {{2, 0, 0, 0, 0, 2}};
	static const struct ipv6_addr src = {{0x20, 0x01, 0, 2, [15] = 1}},
				      dst = {{0x20, 0x01, 0, 2, [15] = 2}};
	struct bed d;
	uint32_t fid;

	if (!bed_make(&d))
		return;
	for (int zc = 0; zc < 2; zc++) {
		struct nic_engine *e = engine_tso(&d, &cap, zc == 1, &fid);
		if (!e)
			break;
		uint8_t hdr[128];
		uint32_t seq0 = 0xffff8000u;
		struct tcp_hdr th = {.sport = 80, .dport = 40000, .seq = seq0, .ack = 1,
				     .flags = TH_ACK | TH_PSH, .wnd = 500};
		struct pkt_tcp_out o = {.src_mac = &sm, .dst_mac = &dm, .src6 = &src, .dst6 = &dst,
					.ttl = 64, .tcp = &th};
		struct proto_send s = {
		    .flow = 9, .fid = fid, .file_off = 1000, .len = 60500, .mss = MSS, .cookie = 1};
		s.tmpl_len = (uint16_t)pkt_build_tcp(hdr, sizeof(hdr), &o);
		s.tmpl = hdr;
		CHECK(s.tmpl_len == 14 + 40 + 20);
		CHECK(proto_put_send(&w, &s) == 0);
		ef_deliver(e, &w, buf);
		for (int i = 0; i < 10 && cap.n < 3; i++)
			nic_engine_poll(e, 3000);
		CHECK(cap.n == 3 && ef_host_errors == 0);
		uint32_t off = 0;
		for (int i = 0; i < cap.n; i++) {
			const uint8_t *ip = cap.buf[i] + 14, *tcp = ip + 40;
			uint32_t plen = (uint32_t)cap.len[i] - 74;
			CHECK(cap.mss[i] == (i < 2 ? MSS : 0));
			CHECK(plen == (i < 2 ? 30000u : 500u));
			CHECK(get_be16(cap.buf[i] + 12) == 0x86DD && ip[6] == 6 && ip[7] == 64);
			CHECK(get_be16(ip + 4) == 20 + plen);
			CHECK(get_be32(tcp + 4) == seq0 + off);
			CHECK(((tcp[13] & TH_PSH) != 0) == (i == 2));
			uint32_t ps = csum_pseudo_ipv6(src.b, dst.b, 6, 20 + plen);
			if (cap.mss[i])
				CHECK(get_be16(tcp + 16) == csum_reduce(ps));
			else { /* an ordinary frame: the port completes the checksum from the same sum */
				struct pkt_view v;
				CHECK(pkt_decode_eth(cap.buf[i], cap.len[i], &v,
						     PKT_NO_L4_CSUM_CHECK) == PKT_OK);
				CHECK(v.kind == PKT_KIND_TCP6 && v.payload_len == plen);
				CHECK(get_be16(tcp + 16) == csum_reduce(ps));
			}
			CHECK(memcmp(tcp + 20, content + 1000 + off, plen) == 0);
			off += plen;
		}
		CHECK(off == 60500);
		cap_free(&cap);
		nic_engine_free(e);
	}
	bed_remove(&d);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_tso_needs_csum_offload);
	RUN(test_tso_burst_frames);
	RUN(test_tso_zero_copy_same_frames);
	RUN(test_tso_ipv6);
	RUN_DONE();
}
