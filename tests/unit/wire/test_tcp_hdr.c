/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP header and option codec: known answer, round trips, option edge cases, every error. */
#include <string.h>

#include "../check.h"
#include "wire/bytes.h"
#include "wire/tcp_hdr.h"
#include "wire_test_util.h"

#define ERR(x) ((uint64_t)(int64_t)(x))

/* SYN 198.18.0.2:40000 -> 198.18.0.1:80 as Linux lays it out: MSS 1460, SACK-permitted,
 * TS 0x01020304/0, NOP, WS 7 (tshark: checksum 0xb7a4 correct). */
static const uint8_t syn[40] = {0x9c, 0x40, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
				0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xb7, 0xa4, 0x00, 0x00,
				0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x01, 0x02,
				0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

static void test_known_syn(void)
{
	struct tcp_hdr h;
	CHECK_EQ_U64(tcp_hdr_decode(syn, sizeof(syn), &h), 40);
	CHECK(h.sport == 40000 && h.dport == 80 && h.seq == 0x12345678 && h.ack == 0);
	CHECK(h.flags == TH_SYN && h.hlen == 40 && h.wnd == 64240 && h.urp == 0);
	CHECK_EQ_U64(h.csum, 0xb7a4);
	CHECK_EQ_U64(h.opts.present,
		     TCP_OPT_F_MSS | TCP_OPT_F_SACKOK | TCP_OPT_F_TS | TCP_OPT_F_WSCALE);
	CHECK_EQ_U64(h.opts.mss, 1460);
	CHECK_EQ_U64(h.opts.wscale, 7);
	CHECK_EQ_U64(h.opts.ts_val, 0x01020304);
	CHECK_EQ_U64(h.opts.ts_ecr, 0);
	CHECK_EQ_U64(h.opts.nsack, 0);
	CHECK_EQ_U64(tcp_csum_ipv4(0xc6120002, 0xc6120001, syn, sizeof(syn)), 0);

	/* Our encoder uses the same layout: byte-identical. */
	uint8_t out[60];
	CHECK_EQ_U64(tcp_opts_len(&h.opts), 20);
	CHECK_EQ_U64(tcp_hdr_encode(out, 39, &h), 0);
	CHECK_EQ_U64(tcp_hdr_encode(out, sizeof(out), &h), 40);
	CHECK(memcmp(out, syn, 40) == 0);

	/* With a payload after the header, decode reports the header length only. */
	uint8_t seg[45];
	memcpy(seg, syn, 40);
	memset(seg + 40, 'x', 5);
	CHECK_EQ_U64(tcp_hdr_decode(seg, sizeof(seg), &h), 40);
}

static void test_common_layouts(void)
{
	struct tcp_hdr h = {
	    .sport = 80, .dport = 1234, .seq = 1, .ack = 2, .flags = TH_ACK, .wnd = 100};
	uint8_t b[60];

	h.opts.present = TCP_OPT_F_TS;
	h.opts.ts_val = 0xaabbccdd;
	h.opts.ts_ecr = 0x11223344;
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 32);
	CHECK_EQ_U64(get_be32(b + 20), 0x0101080a); /* NOP, NOP, TS */
	CHECK_EQ_U64(get_be32(b + 24), 0xaabbccdd);

	h.opts.present = TCP_OPT_F_WSCALE;
	h.opts.wscale = 14;
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 24);
	CHECK_EQ_U64(get_be32(b + 20), 0x0103030e); /* NOP, WS 14 */

	h.opts.present = TCP_OPT_F_SACKOK;
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 24);
	CHECK_EQ_U64(get_be32(b + 20), 0x01010402); /* NOP, NOP, SACK-permitted */

	h.opts.present = TCP_OPT_F_SACK;
	h.opts.nsack = 1;
	h.opts.sack[0] = (struct tcp_sack_block){100, 200};
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 32);
	CHECK_EQ_U64(get_be32(b + 20), 0x0101050a); /* NOP, NOP, SACK len 10 */
	CHECK_EQ_U64(get_be32(b + 24), 100);
	CHECK_EQ_U64(get_be32(b + 28), 200);

	h.opts.present = 0;
	CHECK_EQ_U64(tcp_hdr_encode(b, 19, &h), 0);
	CHECK_EQ_U64(tcp_hdr_encode(b, 20, &h), 20);
	CHECK_EQ_U64(b[12], 0x50);
	CHECK_EQ_U64(h.hlen, 20);
}

/* Encode, decode, compare every field that the options flag as present. */
static int same_hdr(const struct tcp_hdr *a, const struct tcp_hdr *b)
{
	if (a->sport != b->sport || a->dport != b->dport || a->seq != b->seq || a->ack != b->ack ||
	    a->flags != b->flags || a->hlen != b->hlen || a->wnd != b->wnd || a->urp != b->urp ||
	    a->csum != b->csum || a->opts.present != b->opts.present)
		return 0;
	const struct tcp_opts *x = &a->opts, *y = &b->opts;
	if ((x->present & TCP_OPT_F_MSS) && x->mss != y->mss)
		return 0;
	if ((x->present & TCP_OPT_F_WSCALE) && x->wscale != y->wscale)
		return 0;
	if ((x->present & TCP_OPT_F_TS) && (x->ts_val != y->ts_val || x->ts_ecr != y->ts_ecr))
		return 0;
	if (x->present & TCP_OPT_F_SACK) {
		if (x->nsack != y->nsack)
			return 0;
		for (unsigned i = 0; i < x->nsack; i++)
			if (x->sack[i].start != y->sack[i].start ||
			    x->sack[i].end != y->sack[i].end)
				return 0;
	}
	return 1;
}

static void test_round_trip_random(void)
{
	unsigned bad = 0, trimmed = 0;
	for (int it = 0; it < 20000; it++) {
		struct tcp_hdr h;
		memset(&h, 0, sizeof(h));
		h.sport = (uint16_t)test_rand();
		h.dport = (uint16_t)test_rand();
		h.seq = (uint32_t)test_rand();
		h.ack = (uint32_t)test_rand();
		h.flags = (uint8_t)test_rand();
		h.wnd = (uint16_t)test_rand();
		h.urp = (uint16_t)test_rand();
		h.csum = (uint16_t)test_rand();
		h.opts.present = (uint8_t)(test_rand() & 0x1f);
		h.opts.mss = (uint16_t)test_rand();
		h.opts.wscale = (uint8_t)(test_rand() % 15);
		h.opts.ts_val = (uint32_t)test_rand();
		h.opts.ts_ecr = (uint32_t)test_rand();
		h.opts.nsack = (uint8_t)(1 + test_rand() % TCP_MAX_SACK);
		for (int i = 0; i < TCP_MAX_SACK; i++) {
			h.opts.sack[i].start = (uint32_t)test_rand();
			h.opts.sack[i].end = (uint32_t)test_rand();
		}
		uint8_t want_nsack = h.opts.nsack;
		size_t olen = tcp_opts_len(&h.opts);
		uint8_t b[TCP_HDR_MAX + 8];
		size_t n = tcp_hdr_encode(b, sizeof(b), &h);
		if (n != TCP_HDR_MIN + olen || n % 4 || n > TCP_HDR_MAX || n != h.hlen)
			bad++;
		if ((h.opts.present & TCP_OPT_F_SACK) && h.opts.nsack < want_nsack)
			trimmed++;
		struct tcp_hdr d;
		if (tcp_hdr_decode(b, n, &d) != (int)n || !same_hdr(&h, &d))
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(trimmed > 0); /* the trimming path was exercised */
}

static void test_sack_fit(void)
{
	struct tcp_hdr h = {.flags = TH_ACK};
	struct tcp_hdr d;
	uint8_t b[64];
	for (int i = 0; i < TCP_MAX_SACK; i++)
		h.opts.sack[i] = (struct tcp_sack_block){(uint32_t)i * 10, (uint32_t)i * 10 + 5};

	/* SACK alone: 4 blocks fit (4 + 32 = 36 bytes). */
	h.opts.present = TCP_OPT_F_SACK;
	h.opts.nsack = 4;
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 56);
	CHECK_EQ_U64(h.opts.nsack, 4);
	/* More than TCP_MAX_SACK requested: clamped. */
	h.opts.nsack = 9;
	CHECK_EQ_U64(tcp_opts_len(&h.opts), 36);
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 56);
	CHECK_EQ_U64(h.opts.nsack, 4);
	CHECK_EQ_U64(tcp_hdr_decode(b, 56, &d), 56);
	CHECK_EQ_U64(d.opts.nsack, 4);
	CHECK_EQ_U64(d.opts.sack[3].start, 30);
	CHECK_EQ_U64(d.opts.sack[3].end, 35);

	/* With timestamps: 3 blocks (12 + 4 + 24 = 40), the count is stored back. */
	h.opts.present = TCP_OPT_F_SACK | TCP_OPT_F_TS;
	h.opts.nsack = 4;
	CHECK_EQ_U64(tcp_opts_len(&h.opts), 40);
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 60);
	CHECK_EQ_U64(h.opts.nsack, 3);
	CHECK_EQ_U64(tcp_hdr_decode(b, 60, &d), 60);
	CHECK_EQ_U64(d.opts.nsack, 3);
	CHECK_EQ_U64(d.opts.present, TCP_OPT_F_SACK | TCP_OPT_F_TS);

	/* Everything: 20 bytes of other options leave room for 2 blocks. */
	h.opts.present = 0x1f;
	h.opts.nsack = 4;
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 60);
	CHECK_EQ_U64(h.opts.nsack, 2);

	/* SACK flagged with no blocks: nothing written, flag cleared. */
	h.opts.present = TCP_OPT_F_SACK;
	h.opts.nsack = 0;
	CHECK_EQ_U64(tcp_hdr_encode(b, sizeof(b), &h), 20);
	CHECK_EQ_U64(h.opts.present, 0);
}

/* Decode a 20-byte base header followed by the given option bytes (padded with EOL). */
static int decode_opts(const uint8_t *opt, size_t n, struct tcp_hdr *h)
{
	uint8_t b[TCP_HDR_MAX] = {0};
	size_t olen = (n + 3) & ~(size_t)3;
	memcpy(b, syn, 20);
	b[12] = (uint8_t)(((TCP_HDR_MIN + olen) / 4) << 4);
	memcpy(b + 20, opt, n);
	return tcp_hdr_decode(b, TCP_HDR_MIN + olen, h);
}

static void test_option_edges(void)
{
	struct tcp_hdr h;

	/* Window scale > 14 is clamped (RFC 7323 section 2.3); 14 is kept. */
	static const uint8_t ws15[] = {1, 3, 3, 15};
	CHECK_EQ_U64(decode_opts(ws15, sizeof(ws15), &h), 24);
	CHECK_EQ_U64(h.opts.wscale, 14);
	CHECK(h.opts.present & TCP_OPT_F_WSCALE);
	static const uint8_t ws255[] = {3, 3, 255, 0};
	CHECK_EQ_U64(decode_opts(ws255, sizeof(ws255), &h), 24);
	CHECK_EQ_U64(h.opts.wscale, 14);
	static const uint8_t ws14[] = {3, 3, 14, 0};
	CHECK_EQ_U64(decode_opts(ws14, sizeof(ws14), &h), 24);
	CHECK_EQ_U64(h.opts.wscale, 14);

	/* Zero-length and length-1 options are malformed. */
	static const uint8_t zero[] = {30, 0, 0, 0};
	CHECK_EQ_U64(decode_opts(zero, sizeof(zero), &h), ERR(TCP_HDR_EOPT));
	static const uint8_t one[] = {2, 1, 0, 0};
	CHECK_EQ_U64(decode_opts(one, sizeof(one), &h), ERR(TCP_HDR_EOPT));

	/* Options running past the header. */
	static const uint8_t past[] = {1, 1, 2, 4}; /* MSS needs 2 more bytes */
	CHECK_EQ_U64(decode_opts(past, sizeof(past), &h), ERR(TCP_HDR_EOPT));
	static const uint8_t past_ts[] = {8, 10, 0, 0, 0, 0, 0, 0};
	CHECK_EQ_U64(decode_opts(past_ts, sizeof(past_ts), &h), ERR(TCP_HDR_EOPT));
	static const uint8_t nolen[] = {1, 1, 1, 2}; /* kind in the last byte, no length byte */
	CHECK_EQ_U64(decode_opts(nolen, sizeof(nolen), &h), ERR(TCP_HDR_EOPT));
	static const uint8_t huge[] = {99, 255, 0, 0};
	CHECK_EQ_U64(decode_opts(huge, sizeof(huge), &h), ERR(TCP_HDR_EOPT));

	/* EOL ends the list: whatever follows (even garbage) is not parsed. */
	static const uint8_t eol[] = {2, 4, 5, 0xb4, 0, 2, 0, 9};
	CHECK_EQ_U64(decode_opts(eol, sizeof(eol), &h), 28);
	CHECK_EQ_U64(h.opts.present, TCP_OPT_F_MSS);
	CHECK_EQ_U64(h.opts.mss, 0x05b4);
	static const uint8_t eol_first[] = {0, 8, 10, 1};
	CHECK_EQ_U64(decode_opts(eol_first, sizeof(eol_first), &h), 24);
	CHECK_EQ_U64(h.opts.present, 0);

	/* Unknown options (length >= 2) are skipped; NOPs anywhere. */
	static const uint8_t unk[] = {1, 30, 6, 9, 9, 9, 9, 1, 2, 4, 1, 0, 254, 2, 1, 1};
	CHECK_EQ_U64(decode_opts(unk, sizeof(unk), &h), 36);
	CHECK_EQ_U64(h.opts.present, TCP_OPT_F_MSS);
	CHECK_EQ_U64(h.opts.mss, 256);

	/* Known kinds with a wrong length are ignored like unknown ones. */
	static const uint8_t wrong[] = {2, 3, 5, 3, 4, 0, 1, 8, 8, 1, 2, 3, 4, 5, 6, 1};
	CHECK_EQ_U64(decode_opts(wrong, sizeof(wrong), &h), 36);
	CHECK_EQ_U64(h.opts.present, 0);

	/* SACK lengths: 2 (no block) ignored, 10 and 34 valid, 11 ignored. */
	static const uint8_t s0[] = {1, 1, 5, 2};
	CHECK_EQ_U64(decode_opts(s0, sizeof(s0), &h), 24);
	CHECK_EQ_U64(h.opts.present, 0);
	uint8_t s4[36] = {1, 1, 5, 34};
	for (int i = 0; i < 8; i++)
		put_be32(s4 + 4 + 4 * i, 1000u + (uint32_t)i);
	CHECK_EQ_U64(decode_opts(s4, sizeof(s4), &h), 56);
	CHECK_EQ_U64(h.opts.nsack, 4);
	CHECK_EQ_U64(h.opts.sack[0].start, 1000);
	CHECK_EQ_U64(h.opts.sack[3].end, 1007);
	s4[3] = 11;
	CHECK_EQ_U64(decode_opts(s4, sizeof(s4), &h), 56);
	CHECK_EQ_U64(h.opts.present, 0);
	s4[3] = 10;
	/* After a 10-byte SACK the next bytes are parsed as options again: they are the
	 * block value 1002 = 00 00 03 ea, and 00 is EOL, so the list ends cleanly. */
	CHECK_EQ_U64(decode_opts(s4, sizeof(s4), &h), 56);
	CHECK_EQ_U64(h.opts.nsack, 1);
	CHECK_EQ_U64(h.opts.sack[0].start, 1000);

	/* A full 40-byte option area of NOPs. */
	uint8_t nops[40];
	memset(nops, 1, sizeof(nops));
	CHECK_EQ_U64(decode_opts(nops, sizeof(nops), &h), 60);
	CHECK_EQ_U64(h.opts.present, 0);

	/* Duplicates: the last one wins. */
	static const uint8_t dup[] = {2, 4, 0, 1, 2, 4, 0, 2};
	CHECK_EQ_U64(decode_opts(dup, sizeof(dup), &h), 28);
	CHECK_EQ_U64(h.opts.mss, 2);
}

static void test_header_errors(void)
{
	struct tcp_hdr h;
	uint8_t b[60];
	memcpy(b, syn, 40);
	CHECK_EQ_U64(tcp_hdr_decode(b, 19, &h), ERR(TCP_HDR_ETRUNC));
	CHECK_EQ_U64(tcp_hdr_decode(b, 0, &h), ERR(TCP_HDR_ETRUNC));
	CHECK_EQ_U64(tcp_hdr_decode(b, 39, &h), ERR(TCP_HDR_ETRUNC)); /* hlen 40 */
	b[12] = 0x40;						      /* data offset 4 */
	CHECK_EQ_U64(tcp_hdr_decode(b, 40, &h), ERR(TCP_HDR_EDOFF));
	b[12] = 0x00;
	CHECK_EQ_U64(tcp_hdr_decode(b, 40, &h), ERR(TCP_HDR_EDOFF));
	b[12] = 0xf0; /* 60 bytes claimed, 40 present */
	CHECK_EQ_U64(tcp_hdr_decode(b, 40, &h), ERR(TCP_HDR_ETRUNC));
	b[12] = 0x5f; /* reserved bits are ignored */
	CHECK_EQ_U64(tcp_hdr_decode(b, 40, &h), 20);
	CHECK_EQ_U64(h.opts.present, 0);

	CHECK(strcmp(tcp_hdr_strerror(TCP_HDR_EOPT), "malformed TCP option") == 0);
	CHECK(strcmp(tcp_hdr_strerror(TCP_HDR_EDOFF), "TCP data offset < 5") == 0);
	CHECK(strcmp(tcp_hdr_strerror(TCP_HDR_ETRUNC), "truncated TCP header") == 0);
	CHECK(tcp_hdr_strerror(-77) != NULL);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_known_syn);
	RUN(test_common_layouts);
	RUN(test_round_trip_random);
	RUN(test_sack_fit);
	RUN(test_option_edges);
	RUN(test_header_errors);
	RUN_DONE();
}
