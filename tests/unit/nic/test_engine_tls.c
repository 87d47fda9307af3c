/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC engine's TLS path (TLS_KEY, TLS_SEND; src/nic/tls_flow.c) with synchronous file I/O
 * and captured output. The received TCP payload of each flow is reassembled by sequence number
 * and compared with the body's record stream sealed independently (src/tls, record by record),
 * then opened record by record as a client would (tls_check.h), for TLS 1.3 and 1.2,
 * AES-128-GCM and AES-256-GCM, over the copying, TSO and zero-copy outputs. Also:
 *   - a body sent in TLS_SENDs that start and end inside records, and retransmissions of
 *     MSS-sized ranges starting in a record's header, ciphertext and tag: byte-exact, produced
 *     by AES-CTR + the kept tag (the engine's counters show no whole record sealed again);
 *   - every refusal is an ERROR and puts nothing on the wire: no key, wrong epoch, TLS_KEY
 *     unsupported / conflicting / stale / too many epochs, a sequence number reused for other
 *     plaintext or below what ACKD released, the TLS 1.3 AES-GCM limit, ranges past the body or
 *     the file, and a file changed since its open;
 *   - key epochs: a KeyUpdate epoch is used while the old one is kept until ACKD passes its
 *     data, then wiped; ACKD END wipes the flow; nothing stays pinned;
 *   - no 64-byte window of a body's plaintext ever appears in what the wire got. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "../tls/tls_check.h"
#include "docroot.h"
#include "nic/engine.h"
#include "nic/io.h"
#include "proto/offload.h"
#include "tls/record.h"
#include "tls/seal.h"
#include "wire/pkt.h"

#define MSS	   1448
#define NFLOWS	   16
#define FILE_SIZE  400000u
#define STREAM_CAP (FILE_SIZE + FILE_SIZE / 64 * 29 + 4096)

static uint8_t content[FILE_SIZE];
static uint64_t rng = 0x6a09e667f3bcc908ull;

struct rx {
	uint8_t buf[STREAM_CAP];
	uint32_t base;	/* TCP sequence number of stream byte 0 */
	uint64_t bytes; /* payload bytes received */
	uint32_t hi;	/* highest stream offset + 1 written */
};

static struct rx rx[NFLOWS];
static uint64_t frames;
static unsigned decode_flags;

struct hostcmds {
	struct proto_error err[64];
	int nerr;
	int echoes;
	bool opened;
	uint32_t opened_fid;
};
static struct hostcmds hc;

static void on_frame(const uint8_t *f, size_t len, unsigned flags)
{
	struct pkt_view v;
	frames++;
	if (pkt_decode_eth(f, len, &v, flags) != PKT_OK || v.kind != PKT_KIND_TCP) {
		CHECK(!"bad frame on the wire");
		return;
	}
	unsigned flow = v.tcp.dport - 40000u;
	if (flow >= NFLOWS) {
		CHECK(!"frame of an unknown flow");
		return;
	}
	struct rx *r = &rx[flow];
	uint32_t off = v.tcp.seq - r->base;
	if ((uint64_t)off + v.payload_len > STREAM_CAP) {
		CHECK(!"frame outside the stream");
		return;
	}
	memcpy(r->buf + off, v.payload, v.payload_len);
	r->bytes += v.payload_len;
	if (off + v.payload_len > r->hi)
		r->hi = off + (uint32_t)v.payload_len;
}

static uint8_t *w_alloc(void *ctx, size_t cap)
{
	(void)ctx;
	return malloc(cap);
}

static void w_send(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	on_frame(buf, len, decode_flags);
	free(buf);
}

static void w_send_tso(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len, uint16_t mss)
{
	(void)ctx;
	(void)hdr_len;
	CHECK(mss == MSS);
	on_frame(buf, len, PKT_NO_L4_CSUM_CHECK);
	free(buf);
}

static bool zc_send(void *ctx, const uint8_t *hdr, size_t hlen, const struct iovec *iov, int niov,
		    uint32_t plen, uint16_t mss)
{
	(void)ctx;
	(void)mss;
	uint8_t *f = malloc(hlen + plen), *p = f + hlen;
	memcpy(f, hdr, hlen);
	for (int i = 0; i < niov; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	on_frame(f, hlen + plen, PKT_NO_L4_CSUM_CHECK);
	free(f);
	return true;
}

static void on_host(void *ctx, const uint8_t *payload, size_t len)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	(void)ctx;
	CHECK(proto_frame_open(&it, payload, len) == 0);
	while (proto_next(&it, &cmd) > 0) {
		struct proto_open_done d;
		if (cmd.type == PROTO_T_OPEN_DONE && proto_open_done_decode(&cmd, &d) == 0 &&
		    d.err == 0) {
			hc.opened = true;
			hc.opened_fid = d.fid;
		}
		if (cmd.type == PROTO_T_ERROR && hc.nerr < 64) {
			CHECK(proto_error_decode(&cmd, &hc.err[hc.nerr]) == 0);
			if (getenv("TEST_VERBOSE"))
				fprintf(stderr, "ERROR %s flow %u err %d\n",
					proto_error_reason_name(hc.err[hc.nerr].reason),
					hc.err[hc.nerr].flow, hc.err[hc.nerr].err);
			hc.nerr++;
		}
		hc.echoes += cmd.type == PROTO_T_ECHO;
	}
}

/* ---- commands ---- */

static struct nic_engine *E;
static uint8_t fbuf[1600];
static struct proto_writer W;

static void begin(void)
{
	proto_writer_init(&W, fbuf, sizeof(fbuf));
}

static uint64_t clk = 1000000; /* virtual ns: 2 ms per command frame */

static void deliver(void)
{
	int len = proto_writer_finish(&W);
	CHECK(len > 0);
	clk += 2000000;
	nic_engine_host_frame(E, fbuf, (size_t)len, clk);
	nic_engine_poll(E, clk + 1000);
}

static void clear_host(void)
{
	memset(&hc, 0, sizeof(hc));
}

static int last_reason(void)
{
	return hc.nerr ? hc.err[hc.nerr - 1].reason : 0;
}

static void put_key_at(uint32_t flow, uint32_t epoch, const struct tls_key *k, bool start,
		       uint32_t start_seq)
{
	struct proto_tls_key pk = {.flow = flow,
				   .epoch = epoch,
				   .version = k->version,
				   .flags = start ? PROTO_TLS_KEY_F_START : 0,
				   .start_seq = start_seq,
				   .cipher = k->cipher,
				   .key_len = k->key_len,
				   .iv_len = (uint8_t)tls_iv_len(k->version)};
	memcpy(pk.key, k->key, k->key_len);
	memcpy(pk.iv, k->iv, pk.iv_len);
	CHECK(proto_put_tls_key(&W, &pk) == 0);
}

static void put_key(uint32_t flow, uint32_t epoch, const struct tls_key *k)
{
	put_key_at(flow, epoch, k, false, 0);
}

struct body {
	uint32_t flow, fid, epoch;
	uint32_t at; /* stream byte 0 is byte `at` of the flow's TCP stream (from rx.base) */
	uint64_t off, len, seq;
	uint16_t rs;
	uint8_t align;
};

static void put_tls_send(const struct body *b, uint64_t soff, uint32_t len, uint32_t flags)
{
	static struct mac_addr sm = {{2, 0, 0, 0, 0, 1}}, dm = {{2, 0, 0, 0, 0, 2}};
	struct tcp_hdr th = {.sport = 443,
			     .dport = (uint16_t)(40000 + b->flow),
			     .seq = rx[b->flow].base + b->at + (uint32_t)soff,
			     .ack = 1,
			     .flags = TH_ACK | TH_PSH,
			     .wnd = 500};
	struct pkt_tcp_out o = {.src_mac = &sm,
				.dst_mac = &dm,
				.saddr = 0xc6120001,
				.daddr = 0xc6120002,
				.ttl = 64,
				.ip_id = 1,
				.tcp = &th};
	uint8_t hdr[128];
	struct proto_send s = {.flow = b->flow,
			       .fid = b->fid,
			       .file_off = soff,
			       .len = len,
			       .mss = MSS,
			       .flags = flags | PROTO_SEND_F_ECHO,
			       .cookie = soff,
			       .tmpl = hdr,
			       .is_tls = true};
	s.tmpl_len = (uint16_t)pkt_build_tcp(hdr, sizeof(hdr), &o);
	s.tls = (struct proto_send_tls){.epoch = b->epoch,
					.rec_size = b->rs,
					.align = b->align,
					.body_off = b->off,
					.body_len = b->len,
					.rec_seq = b->seq};
	CHECK(proto_put_send(&W, &s) == 0);
}

static void send_range(const struct body *b, uint64_t soff, uint32_t len, uint32_t flags)
{
	begin();
	put_tls_send(b, soff, len, flags);
	deliver();
}

static void ackd(uint32_t flow, uint32_t acked, uint32_t flags)
{
	struct proto_ackd a = {.flow = flow, .acked = acked, .flags = flags};
	begin();
	proto_put_ackd(&W, &a);
	deliver();
}

static void make_key(struct tls_key *k, uint16_t ver, uint8_t cipher)
{
	memset(k, 0, sizeof(*k));
	k->version = ver;
	k->cipher = cipher;
	k->key_len = (uint8_t)tls_cipher_key_len(cipher);
	for (unsigned i = 0; i < TLS_KEY_MAX; i++)
		k->key[i] = (uint8_t)check_rnd(&rng);
	for (uint32_t i = 0; i < tls_iv_len(ver); i++)
		k->iv[i] = (uint8_t)check_rnd(&rng);
}

static void install_key(uint32_t flow, uint32_t epoch, const struct tls_key *k)
{
	begin();
	put_key(flow, epoch, k);
	deliver();
	/* key hygiene: the received frame keeps no copy of the key or IV once parsed */
	CHECK(memmem(fbuf, sizeof(fbuf), k->key, k->key_len) == NULL);
	CHECK(memmem(fbuf, sizeof(fbuf), k->iv, tls_iv_len(k->version)) == NULL);
}

/* The body's stream sealed record by record by src/tls, compared with what flow got; then the
 * records opened like a client. */
static void check_body(const struct body *b, const struct tls_key *k, uint64_t stream_base)
{
	struct tls_layout l;
	CHECK(tls_layout_init(&l, k->version, k->cipher, b->align, b->rs, b->off, b->len) == 0);
	struct tls_sealer *s = tls_sealer_new(k);
	uint8_t *ref = malloc(l.stream_len), plain[TLS_REC_MAX];
	for (uint64_t i = 0; i < l.nrec; i++) {
		struct tls_rec r;
		tls_layout_rec(&l, i, &r);
		struct iovec iov = {content + r.file_off, r.plen};
		tls_seal_record(s, b->seq + i, TLS_CT_APPLICATION_DATA, &iov, 1, ref + r.stream_off,
				NULL);
	}
	const uint8_t *got = rx[b->flow].buf + stream_base;
	if (memcmp(got, ref, l.stream_len) != 0) {
		size_t d = 0;
		while (got[d] == ref[d])
			d++;
		fprintf(stderr, "flow %u: stream differs from byte %zu of %llu\n", b->flow, d,
			(unsigned long long)l.stream_len);
		CHECK(!"stream differs");
	}
	uint64_t at = 0, seq = b->seq, pos = 0;
	while (at < l.stream_len) {
		uint32_t plen;
		uint8_t type;
		long n = check_open_record(k->version, k->key, k->key_len, k->iv, seq++, got + at,
					   l.stream_len - at, plain, &plen, &type);
		if (n < 0 || memcmp(plain, content + b->off + pos, plen) != 0) {
			CHECK(!"record does not open to the file's bytes");
			break;
		}
		pos += plen;
		at += (uint64_t)n;
	}
	CHECK_EQ_U64(pos, b->len);
	/* no plaintext on the wire: 64-byte windows of the body never appear in what was sent */
	for (uint64_t w = 0; w + 64 <= b->len; w += 997)
		if (memmem(got, l.stream_len, content + b->off + w, 64)) {
			CHECK(!"plaintext on the wire");
			break;
		}
	free(ref);
	tls_sealer_free(s);
}

static uint64_t stream_len_of(const struct body *b, const struct tls_key *k)
{
	struct tls_layout l;
	tls_layout_init(&l, k->version, k->cipher, b->align, b->rs, b->off, b->len);
	return l.stream_len;
}

static struct nic_tls_stats tls_stats(void)
{
	struct nic_engine_stats st;
	nic_engine_get_stats(E, &st);
	return st.tls;
}

static struct nic_engine_stats engine_stats(void)
{
	struct nic_engine_stats st;
	nic_engine_get_stats(E, &st);
	return st;
}

/* A whole body in random TLS_SENDs (cutting records anywhere), then retransmissions. */
static void body_case(uint32_t flow, uint32_t fid, uint16_t ver, uint8_t cipher, uint16_t rs,
		      uint8_t align, uint64_t off, uint64_t len)
{
	struct tls_key k;
	make_key(&k, ver, cipher);
	struct body b = {.flow = flow,
			 .fid = fid,
			 .epoch = 0,
			 .off = off,
			 .len = len,
			 .seq = 1 + check_rnd(&rng) % 1000,
			 .rs = rs,
			 .align = align};
	rx[flow].base = (uint32_t)check_rnd(&rng);
	clear_host();
	install_key(flow, 0, &k);
	uint64_t sl = stream_len_of(&b, &k);
	for (uint64_t p = 0; p < sl;) {
		uint32_t n = 1 + (uint32_t)(check_rnd(&rng) % 70000);
		if (n > sl - p)
			n = (uint32_t)(sl - p);
		send_range(&b, p, n, 0);
		p += n;
	}
	CHECK_EQ_U64(hc.nerr, 0);
	check_body(&b, &k, 0);
	/* retransmissions of MSS-sized ranges from anywhere, incl. header/nonce/tag bytes:
	 * AES-CTR + kept tag, no record sealed whole again */
	struct nic_tls_stats before = tls_stats();
	memset(rx[flow].buf, 0, sl);
	uint64_t sent = 0;
	for (int r = 0; r < 200; r++) {
		uint64_t p = check_rnd(&rng) % sl;
		uint32_t n = MSS < sl - p ? MSS : (uint32_t)(sl - p);
		send_range(&b, p, n, PROTO_SEND_F_RETRANSMIT);
		sent += n;
	}
	/* fill the rest so the whole stream can be compared again */
	for (uint64_t p = 0; p < sl; p += 60000)
		send_range(&b, p, 60000 < sl - p ? 60000 : (uint32_t)(sl - p), 1);
	struct nic_tls_stats after = tls_stats();
	CHECK_EQ_U64(after.seals, before.seals); /* never the whole record again */
	CHECK(after.range_bytes - before.range_bytes + after.cache_hits - before.cache_hits > 0);
	CHECK(sent > 0);
	CHECK_EQ_U64(hc.nerr, 0);
	check_body(&b, &k, 0);
	ackd(flow, 0, PROTO_ACKD_F_END);
}

static void refusals(uint32_t fid, const char *path)
{
	struct tls_key k;
	make_key(&k, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM);
	struct body b = {
	    .flow = 3, .fid = fid, .epoch = 0, .off = 0, .len = 100000, .seq = 0, .rs = 16384};
	rx[3].base = 5000;
	uint64_t f0 = frames;

	/* no key at all, then a wrong epoch */
	clear_host();
	send_range(&b, 0, 5000, 0);
	CHECK_EQ_U64(last_reason(), PROTO_ERR_TLS_NO_KEY);
	CHECK(hc.nerr == 1 && hc.err[0].cmd_type == PROTO_T_TLS_SEND && hc.err[0].flow == 3 &&
	      hc.err[0].err == -ENOKEY);
	install_key(3, 0, &k);
	b.epoch = 1;
	send_range(&b, 0, 5000, 0);
	CHECK_EQ_U64(last_reason(), PROTO_ERR_TLS_NO_KEY);
	b.epoch = 0;

	/* TLS_KEY: repeated (no-op), conflicting, stale, unsupported, bad lengths */
	clear_host();
	install_key(3, 0, &k);
	CHECK_EQ_U64(hc.nerr, 0);
	struct tls_key other = k;
	other.key[0] ^= 1;
	install_key(3, 0, &other);
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -EEXIST &&
	      hc.err[hc.nerr - 1].req_id == 0);
	struct tls_key bad = k;
	bad.version = 0x0302;
	install_key(3, 1, &bad);
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -EOPNOTSUPP);
	bad = k;
	bad.cipher = 3;
	install_key(3, 1, &bad);
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -EOPNOTSUPP);
	bad = k;
	bad.key_len = 32; /* AES-128 with a 32-byte key */
	install_key(3, 1, &bad);
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -EINVAL);
	struct proto_tls_key pk = {.flow = 3,
				   .epoch = 1,
				   .version = TLS_VERSION_12,
				   .cipher = TLS_CIPHER_AES_128_GCM,
				   .key_len = 16,
				   .iv_len = 12};
	begin();
	proto_put_tls_key(&W, &pk); /* 1.2 takes a 4-byte salt */
	deliver();
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -EINVAL);
	begin();
	proto_put_raw(&W, PROTO_T_TLS_KEY, "short", 5);
	deliver();
	CHECK_EQ_U64(last_reason(), PROTO_ERR_MALFORMED);

	/* ranges: past the body's stream, a body past the file */
	clear_host();
	uint64_t sl = stream_len_of(&b, &k);
	send_range(&b, sl - 10, 11, 0);
	CHECK_EQ_U64(last_reason(), PROTO_ERR_RANGE);
	struct body big = b;
	big.off = FILE_SIZE - 1000;
	big.len = 1001;
	send_range(&big, 0, 100, 0);
	CHECK_EQ_U64(last_reason(), PROTO_ERR_RANGE);

	/* the TLS 1.3 AES-GCM limit (RFC 8446 5.5) and 2^64 (flow 12) */
	clear_host();
	install_key(12, 0, &k);
	struct body lim = b;
	lim.flow = 12;
	lim.seq = 23726566ull - 2; /* records 0, 1 fine; the body needs 7 */
	send_range(&lim, 0, 100, 0);
	CHECK_EQ_U64(hc.nerr, 0);
	send_range(&lim, 0, (uint32_t)sl, 0);
	CHECK(last_reason() == PROTO_ERR_TLS_SEQ && hc.err[hc.nerr - 1].err == -EOVERFLOW);
	struct tls_key k12;
	make_key(&k12, TLS_VERSION_12, TLS_CIPHER_AES_128_GCM);
	install_key(12, 1, &k12);
	lim.epoch = 1;
	lim.seq = UINT64_MAX - 7; /* 1.2 has no such limit, but numbers never wrap */
	send_range(&lim, 0, 100, 0);
	CHECK_EQ_U64(hc.nerr, 1);
	send_range(&lim, 0, (uint32_t)stream_len_of(&lim, &k12), 0);
	CHECK(last_reason() == PROTO_ERR_TLS_SEQ && hc.err[hc.nerr - 1].err == -EOVERFLOW);
	ackd(12, 0, PROTO_ACKD_F_END);

	/* a sequence number bound to other plaintext: refused, nothing sent */
	clear_host();
	rx[3].base = 5000;
	send_range(&b, 0, 20000, 0); /* records 0 and 1 of b */
	CHECK_EQ_U64(hc.nerr, 0);
	uint64_t f1 = frames;
	struct body shifted = b;
	shifted.off = 16384; /* record 0 = other plaintext under seq 0 */
	send_range(&shifted, 0, 100, 0);
	CHECK(last_reason() == PROTO_ERR_TLS_SEQ && hc.err[hc.nerr - 1].err == -EEXIST);
	CHECK_EQ_U64(frames, f1);
	/* the same record at another TCP position: refused too */
	b.at = 4000;
	send_range(&b, 0, 100, 0);
	CHECK_EQ_U64(last_reason(), PROTO_ERR_TLS_SEQ);
	b.at = 0;

	/* ACKD releases records; numbers below are refused afterwards */
	clear_host();
	ackd(3, 5000 + 16384 + 22, 0); /* record 0 */
	CHECK_EQ_U64(tls_stats().records_live, 1);
	send_range(&b, 0, 100, 0);
	CHECK(last_reason() == PROTO_ERR_TLS_SEQ && hc.err[hc.nerr - 1].err == -ESTALE);
	clear_host();
	send_range(&b, 16384 + 22, 100, 0); /* record 1 still fine */
	CHECK_EQ_U64(hc.nerr, 0);

	/* the file changes under the flow: ERROR, never a byte */
	f1 = frames;
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "x", 1, 200000) == 1);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {12345, 0}};
	CHECK(futimens(fd, ts) == 0);
	close(fd);
	struct body late = b;
	late.off = 196608; /* blocks not read yet */
	late.seq = 100;
	send_range(&late, 0, 5000, 0);
	CHECK(last_reason() == PROTO_ERR_FILE_CHANGED && hc.err[hc.nerr - 1].flow == 3);
	CHECK_EQ_U64(frames, f1);
	/* cached blocks do not hide it */
	send_range(&b, 16384 + 22, 100, 0);
	CHECK_EQ_U64(last_reason(), PROTO_ERR_FILE_CHANGED);
	CHECK_EQ_U64(frames, f1);
	ackd(3, 0, PROTO_ACKD_F_END);
	CHECK(tls_stats().flows == 0 && tls_stats().records_live == 0);
	(void)f0;
}

/* KeyUpdate: epoch 1 while epoch 0 has unacknowledged data; epoch 0 wiped once ACKD passes. */
static void epochs(uint32_t fid)
{
	struct tls_key k0, k1;
	make_key(&k0, TLS_VERSION_13, TLS_CIPHER_AES_256_GCM);
	make_key(&k1, TLS_VERSION_13, TLS_CIPHER_AES_256_GCM);
	struct body b0 = {
	    .flow = 4, .fid = fid, .epoch = 0, .off = 0, .len = 50000, .seq = 7, .rs = 16384};
	rx[4].base = 100;
	clear_host();
	uint64_t wiped = tls_stats().epochs_wiped;
	install_key(4, 0, &k0);
	uint64_t sl0 = stream_len_of(&b0, &k0);
	/* epoch 1 starts after the body and a host-sealed KeyUpdate record; its key arrives
	 * before epoch 0's data was sent at all (the host writes ahead of TCP) */
	struct body b1 = {.flow = 4,
			  .fid = fid,
			  .epoch = 1,
			  .off = 60000,
			  .len = 40000,
			  .seq = 0,
			  .rs = 4096,
			  .align = 1};
	b1.at = (uint32_t)sl0 + 5 + 1 + 16 + 5;
	begin();
	put_key_at(4, 1, &k1, true, rx[4].base + b1.at);
	deliver();
	CHECK_EQ_U64(tls_stats().epochs_live, 2);
	send_range(&b0, 0, (uint32_t)sl0, 0);
	uint64_t sl1 = stream_len_of(&b1, &k1);
	send_range(&b1, 0, (uint32_t)sl1, 0);
	CHECK_EQ_U64(hc.nerr, 0);
	check_body(&b1, &k1, b1.at);
	check_body(&b0, &k0, 0);
	/* a retransmission under the old epoch still works */
	send_range(&b0, 1000, 3000, PROTO_SEND_F_RETRANSMIT);
	CHECK_EQ_U64(hc.nerr, 0);
	/* older epochs cannot be installed again */
	install_key(4, 0, &k1);
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -EEXIST);
	clear_host();
	/* ACKD past epoch 0's data (the engine releases SENDs in the order they were sent, so the
	 * retransmission goes when ACKD passes epoch 1's body too): epoch 0 stays while anything
	 * of it is outstanding, then it is wiped and its records are refused */
	ackd(4, 100 + (uint32_t)sl0, 0);
	CHECK_EQ_U64(tls_stats().epochs_live, 2);
	ackd(4, 100 + b1.at + (uint32_t)sl1, 0);
	CHECK_EQ_U64(tls_stats().epochs_live, 1);
	CHECK_EQ_U64(tls_stats().epochs_wiped, wiped + 1);
	send_range(&b0, 0, 100, 0);
	CHECK_EQ_U64(last_reason(), PROTO_ERR_TLS_NO_KEY);
	install_key(4, 0, &k0);
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -ESTALE);
	/* at most NIC_TLS_EPOCHS live: epochs 2..9 come without START, so nothing tells the NIC
	 * where their predecessors ended: 1..8 stay, 9 and 10 are refused */
	clear_host();
	for (uint32_t ep = 2; ep <= NIC_TLS_EPOCHS + 2; ep++) {
		struct tls_key kx;
		make_key(&kx, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM);
		install_key(4, ep, &kx);
		struct body bx = {.flow = 4,
				  .fid = fid,
				  .epoch = ep,
				  .off = 0,
				  .len = 100,
				  .seq = 0,
				  .rs = 16384};
		if (ep <= NIC_TLS_EPOCHS + 1)
			send_range(&bx, 0, 50, 0);
	}
	CHECK(last_reason() == PROTO_ERR_TLS_KEY && hc.err[hc.nerr - 1].err == -EBUSY);
	CHECK_EQ_U64(tls_stats().epochs_live, NIC_TLS_EPOCHS);
	ackd(4, 0, PROTO_ACKD_F_END);
	CHECK_EQ_U64(tls_stats().epochs_live, 0);
	CHECK_EQ_U64(tls_stats().flows, 0);
}

static struct nic_engine *make_engine(int dfd, struct nic_io *io, bool csum)
{
	/* Whole bodies go out before any ACKD: no per-flow pin limit below the store. */
	struct nic_engine_config cfg = {.docroot_fd = dfd,
					.store_bytes = 32 * 65536,
					.block_size = 65536,
					.io = io,
					.tcp_csum_offload = csum,
					.max_flow_pinned = 32 * 65536};
	struct nic_engine_out out = {NULL, w_alloc, w_send, on_host};
	return nic_engine_new(&cfg, &out);
}

static uint32_t open_file(const char *name)
{
	begin();
	proto_put_open(&W, 1, name, (uint16_t)strlen(name));
	hc.opened = false;
	deliver();
	CHECK(hc.opened);
	return hc.opened_fid;
}

/* A docroot with file.bin (the same random content for every test) and an engine over it. */
struct bed {
	struct docroot d;
	char path[512];
	struct nic_io *io;
	uint32_t fid;
};

enum out_mode { COPY, TSO, TSO_ZERO_COPY };

static bool bed_make(struct bed *b, enum out_mode mode)
{
	static bool filled;

	if (!filled) {
		for (size_t i = 0; i < sizeof(content); i++)
			content[i] = (uint8_t)(check_rnd(&rng) >> 40);
		filled = true;
	}
	memset(b, 0, sizeof(*b));
	if (!docroot_make(&b->d, "iotcp-nic-tls", "file.bin", content, sizeof(content)))
		return false;
	docroot_path(&b->d, "file.bin", b->path, sizeof(b->path));
	b->io = nic_io_new(64, true);
	/* copying output with software checksums; TSO and zero copy with the checksums completed
	 * by the "port" */
	E = make_engine(b->d.dfd, b->io, mode != COPY);
	CHECK(E != NULL);
	if (!E)
		return false;
	decode_flags = mode == COPY ? 0 : PKT_NO_L4_CSUM_CHECK;
	if (mode != COPY)
		CHECK(nic_engine_set_tso(E, 65535, w_send_tso));
	if (mode == TSO_ZERO_COPY)
		CHECK(nic_engine_set_zero_copy(E, zc_send));
	b->fid = open_file("file.bin");
	return true;
}

/* Nothing stays pinned once every flow ended. */
static void bed_remove(struct bed *b)
{
	if (E) {
		struct nic_engine_stats st = engine_stats();
		CHECK(st.store_pinned_blocks == 0 && st.flows == 0 && st.tls.flows == 0 &&
		      st.tls.records_live == 0);
		nic_engine_free(E);
		E = NULL;
	}
	nic_io_free(b->io);
	docroot_remove(&b->d);
}

static void body_in(enum out_mode mode, uint32_t flow, uint16_t ver, uint8_t cipher, uint16_t rs,
		    uint8_t align, uint64_t off, uint64_t len)
{
	struct bed b;

	if (bed_make(&b, mode)) {
		body_case(flow, b.fid, ver, cipher, rs, align, off, len);
		if (mode == COPY) {
			struct nic_engine_stats st = engine_stats();
			printf("copy: %llu whole records sealed, %llu partial by AES-CTR (%llu "
			       "bytes), %llu from the record cache\n",
			       (unsigned long long)st.tls.seals,
			       (unsigned long long)st.tls.range_seals,
			       (unsigned long long)st.tls.range_bytes,
			       (unsigned long long)st.tls.cache_hits);
		}
	}
	bed_remove(&b);
}

static void test_copy_tls13_aes128(void)
{
	body_in(COPY, 1, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM, 16384, TLS_ALIGN_FILE, 0, 300000);
}

static void test_copy_tls12_aes256(void)
{
	body_in(COPY, 2, TLS_VERSION_12, TLS_CIPHER_AES_256_GCM, 16384, TLS_ALIGN_FILE, 12345,
		200001);
}

static void test_copy_tls12_small_records_body_aligned(void)
{
	body_in(COPY, 5, TLS_VERSION_12, TLS_CIPHER_AES_128_GCM, 1000, TLS_ALIGN_BODY, 7, 99999);
}

static void test_copy_one_byte_body(void)
{
	body_in(COPY, 6, TLS_VERSION_13, TLS_CIPHER_AES_256_GCM, 64, TLS_ALIGN_FILE, 65530, 1);
}

static void test_tso_tls13_aes128(void)
{
	body_in(TSO, 7, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM, 16384, TLS_ALIGN_FILE, 100, 250000);
}

static void test_tso_tls12_one_record(void)
{
	body_in(TSO, 8, TLS_VERSION_12, TLS_CIPHER_AES_128_GCM, 16384, TLS_ALIGN_FILE, 0, 16384);
}

static void test_zero_copy_tls13_aes256(void)
{
	body_in(TSO_ZERO_COPY, 9, TLS_VERSION_13, TLS_CIPHER_AES_256_GCM, 16384, TLS_ALIGN_FILE, 3,
		180000);
}

static void test_zero_copy_tls12_body_aligned(void)
{
	body_in(TSO_ZERO_COPY, 10, TLS_VERSION_12, TLS_CIPHER_AES_256_GCM, 8192, TLS_ALIGN_BODY, 1,
		65536);
}

static void test_key_epochs(void)
{
	struct bed b;

	if (bed_make(&b, COPY))
		epochs(b.fid);
	bed_remove(&b);
}

static void test_refusals(void)
{
	struct bed b;

	if (bed_make(&b, TSO_ZERO_COPY))
		refusals(b.fid, b.path);
	bed_remove(&b);
}

/* a host restart wipes TLS state too */
static void test_reset_wipes_tls(void)
{
	struct bed b;

	if (bed_make(&b, TSO_ZERO_COPY)) {
		struct tls_key k;
		make_key(&k, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM);
		install_key(11, 0, &k);
		CHECK_EQ_U64(tls_stats().flows, 1);
		nic_engine_reset(E);
		CHECK_EQ_U64(tls_stats().flows, 0);
		CHECK_EQ_U64(tls_stats().epochs_live, 0);
	}
	bed_remove(&b);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_copy_tls13_aes128);
	RUN(test_copy_tls12_aes256);
	RUN(test_copy_tls12_small_records_body_aligned);
	RUN(test_copy_one_byte_body);
	RUN(test_key_epochs);
	RUN(test_tso_tls13_aes128);
	RUN(test_tso_tls12_one_record);
	RUN(test_zero_copy_tls13_aes256);
	RUN(test_zero_copy_tls12_body_aligned);
	RUN(test_refusals);
	RUN(test_reset_wipes_tls);
	RUN_DONE();
}
