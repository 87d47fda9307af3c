/* SPDX-License-Identifier: BSD-2-Clause */
/* Record sealing (src/tls/seal.h) against an independent opener (tls_check.h, OpenSSL EVP as a
 * client decrypts), for TLS 1.2 and 1.3, AES-128-GCM and AES-256-GCM:
 *   - whole records of many sizes and content types, plaintext in several pieces;
 *   - the retransmission cut: for EVERY split point x of a record (16 KiB and short ones),
 *     tls_seal_range(0, x) + tls_seal_range(x, end) equals the whole record, and random
 *     three-way cuts too;
 *   - a body's record stream (src/tls/record.h layout) cut into random TCP-like ranges, some
 *     repeated (retransmissions), reassembled byte-exact and opened record by record;
 *   - refusals: bad keys, ranges past the record, plaintext over 2^14;
 *   - TLS 1.3 key derivation and KeyUpdate secrets are exercised by test_tls_client (a real
 *     OpenSSL client decrypts with keys it derived itself). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "tls/record.h"
#include "tls/seal.h"
#include "tls_check.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return check_rnd(&rng_state);
}

static void make_key(struct tls_key *k, uint16_t ver, uint8_t cipher)
{
	memset(k, 0, sizeof(*k));
	k->version = ver;
	k->cipher = cipher;
	k->key_len = (uint8_t)tls_cipher_key_len(cipher);
	for (int i = 0; i < k->key_len; i++)
		k->key[i] = (uint8_t)(rnd() >> 24);
	for (uint32_t i = 0; i < tls_iv_len(ver); i++)
		k->iv[i] = (uint8_t)(rnd() >> 24);
}

static uint8_t file[1 << 20];

/* The plaintext [off, off + len) of file as up to three pieces, cut at odd places. */
static int pieces(uint64_t off, uint32_t len, struct iovec *iov)
{
	uint32_t a = len / 3, b = len / 2 + 1;
	if (len < 3)
		a = b = len;
	iov[0] = (struct iovec){file + off, a};
	iov[1] = (struct iovec){file + off + a, b > a ? b - a : 0};
	iov[2] = (struct iovec){file + off + (b > a ? b : a), len - (b > a ? b : a)};
	return 3;
}

static void whole_records(uint16_t ver, uint8_t cipher)
{
	static const uint32_t lens[] = {0, 1, 15, 16, 17, 31, 255, 1000, 1448, 4096, 16383, 16384};
	static uint8_t rec[TLS_REC_MAX], plain[TLS_REC_MAX];
	struct tls_key k;
	make_key(&k, ver, cipher);
	struct tls_sealer *s = tls_sealer_new(&k);
	CHECK(s != NULL);
	if (!s)
		return;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		static const uint8_t types[] = {TLS_CT_APPLICATION_DATA, TLS_CT_HANDSHAKE,
						TLS_CT_ALERT};
		for (int t = 0; t < 3; t++) {
			struct iovec iov[3];
			uint64_t seq = i * 1000003 + (uint64_t)t * (1ull << 40);
			uint64_t off = rnd() % (sizeof(file) - TLS_REC_PLAIN_MAX);
			int n = pieces(off, lens[i], iov);
			uint8_t tag[16];
			int len = tls_seal_record(s, seq, types[t], iov, n, rec, tag);
			CHECK_EQ_U64(len, lens[i] + tls_rec_overhead(ver, cipher));
			CHECK(memcmp(tag, rec + len - 16, 16) == 0);
			uint32_t plen = 0;
			uint8_t type = 0;
			long got = check_open_record(ver, k.key, k.key_len, k.iv, seq, rec,
						     (size_t)len, plain, &plen, &type);
			CHECK_EQ_U64(got, len);
			CHECK_EQ_U64(plen, lens[i]);
			CHECK_EQ_U64(type, types[t]);
			CHECK(memcmp(plain, file + off, lens[i]) == 0);
			if (ver == TLS_VERSION_12)
				CHECK_EQ_U64(rec[0], types[t]);
			else
				CHECK_EQ_U64(rec[0], TLS_CT_APPLICATION_DATA);
			/* a wrong sequence number does not authenticate */
			if (lens[i] > 0)
				CHECK(check_open_record(ver, k.key, k.key_len, k.iv, seq + 1, rec,
							(size_t)len, plain, &plen, &type) < 0);
		}
	}
	tls_sealer_free(s);
}

/* Every split point of one record, both halves by tls_seal_range. */
static void every_split(uint16_t ver, uint8_t cipher, uint32_t plen)
{
	static uint8_t whole[TLS_REC_MAX], cut[TLS_REC_MAX];
	struct tls_key k;
	make_key(&k, ver, cipher);
	struct tls_sealer *s = tls_sealer_new(&k);
	if (!s) {
		CHECK(s != NULL);
		return;
	}
	struct iovec iov[3];
	uint64_t off = 12345;
	int n = pieces(off, plen, iov);
	uint64_t seq = 0x0102030405060708ull ^ plen;
	uint8_t tag[16];
	int total = tls_seal_record(s, seq, TLS_CT_APPLICATION_DATA, iov, n, whole, tag);
	CHECK(total > 0);
	int bad = 0;
	for (uint32_t x = 0; x <= (uint32_t)total && bad < 5; x++) {
		memset(cut, 0xa5, (size_t)total);
		int a = tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, 0, x, cut);
		int b = tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, x,
				       (uint32_t)total - x, cut + x);
		if (a != (int)x || b != total - (int)x || memcmp(cut, whole, (size_t)total) != 0) {
			fprintf(stderr, "split %u of a %u-byte record (ver %x cipher %u) differs\n",
				x, plen, ver, cipher);
			bad++;
		}
	}
	CHECK(bad == 0);
	/* random three-way cuts, and single bytes everywhere */
	for (int r = 0; r < 2000; r++) {
		uint32_t x = (uint32_t)(rnd() % ((uint64_t)total + 1));
		uint32_t y = x + (uint32_t)(rnd() % ((uint64_t)total - x + 1));
		memset(cut, 0x5a, (size_t)total);
		tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, 0, x, cut);
		tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, x, y - x, cut + x);
		tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, y, (uint32_t)total - y,
			       cut + y);
		if (memcmp(cut, whole, (size_t)total) != 0) {
			CHECK(!"three-way cut differs");
			break;
		}
		uint32_t z = (uint32_t)(rnd() % (uint64_t)total);
		uint8_t one;
		tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, z, 1, &one);
		CHECK_EQ_U64(one, whole[z]);
	}
	/* refusals: past the end */
	CHECK(tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, (uint32_t)total + 1, 0,
			     cut) == -EINVAL);
	CHECK(tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, 1, (uint32_t)total,
			     cut) == -EINVAL);
	CHECK(tls_seal_range(s, seq, TLS_CT_APPLICATION_DATA, iov, n, tag, (uint32_t)total, 0,
			     cut) == 0);
	tls_sealer_free(s);
}

/* A whole body: its stream from the layout, cut into random ranges (some sent twice, like
 * retransmissions) by check_cut_stream, equal to the records sealed whole; then opened record
 * by record like a client. */
static void body_stream(uint16_t ver, uint8_t cipher, uint8_t align, uint32_t rs, uint64_t body_off,
			uint64_t body_len)
{
	struct tls_layout l;
	struct tls_key k;
	make_key(&k, ver, cipher);
	struct tls_sealer *s = tls_sealer_new(&k);
	CHECK(s && tls_layout_init(&l, ver, cipher, align, rs, body_off, body_len) == 0);
	if (!s)
		return;
	uint8_t *stream = malloc(l.stream_len), *ref = malloc(l.stream_len);
	uint64_t base = 1000 + rnd() % 1000;
	static uint8_t plain[TLS_REC_MAX];

	/* reference: every record sealed whole, in order */
	for (uint64_t i = 0; i < l.nrec; i++) {
		struct tls_rec r;
		tls_layout_rec(&l, i, &r);
		struct iovec iov = {file + r.file_off, r.plen};
		CHECK_EQ_U64(tls_seal_record(s, base + i, TLS_CT_APPLICATION_DATA, &iov, 1,
					     ref + r.stream_off, NULL),
			     r.stream_len);
	}
	memset(stream, 0, l.stream_len);
	CHECK(check_cut_stream(s, &l, base, file, 3000, &rng_state, stream) == 0);
	CHECK(memcmp(stream, ref, l.stream_len) == 0);
	/* open as a client: consecutive records, consecutive sequence numbers */
	uint64_t at = 0, seq = base, plain_pos = 0;
	while (at < l.stream_len) {
		uint32_t plen;
		uint8_t type;
		long got = check_open_record(ver, k.key, k.key_len, k.iv, seq++, stream + at,
					     l.stream_len - at, plain, &plen, &type);
		if (got < 0) {
			CHECK(!"record does not open");
			break;
		}
		CHECK_EQ_U64(type, TLS_CT_APPLICATION_DATA);
		CHECK(memcmp(plain, file + body_off + plain_pos, plen) == 0);
		plain_pos += plen;
		at += (uint64_t)got;
	}
	CHECK_EQ_U64(plain_pos, body_len);
	CHECK_EQ_U64(seq - base, l.nrec);
	free(stream);
	free(ref);
	tls_sealer_free(s);
}

static void test_refusals(void)
{
	struct tls_key k;
	make_key(&k, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM);
	k.key_len = 32;
	CHECK(tls_key_check(&k) == -EINVAL);
	CHECK(tls_sealer_new(&k) == NULL);
	make_key(&k, 0x0302, TLS_CIPHER_AES_128_GCM);
	CHECK(tls_sealer_new(&k) == NULL);
	make_key(&k, TLS_VERSION_12, 7);
	CHECK(tls_sealer_new(&k) == NULL);
	make_key(&k, TLS_VERSION_12, TLS_CIPHER_AES_256_GCM);
	struct tls_sealer *s = tls_sealer_new(&k);
	CHECK(s != NULL);
	static uint8_t out[2 * TLS_REC_MAX];
	struct iovec iov[2] = {{file, 16384}, {file, 1}};
	CHECK(tls_seal_record(s, 1, TLS_CT_APPLICATION_DATA, iov, 2, out, NULL) == -EINVAL);
	CHECK(tls_seal_range(s, 1, TLS_CT_APPLICATION_DATA, iov, 2, out, 0, 1, out) == -EINVAL);
	CHECK(tls_seal_record(s, 1, TLS_CT_APPLICATION_DATA, iov, -1, out, NULL) == -EINVAL);
	tls_sealer_free(s);
	tls_sealer_free(NULL);
}

static const uint16_t vers[] = {TLS_VERSION_12, TLS_VERSION_13};

/* Each test below runs for TLS 1.2 and 1.3, AES-128-GCM and AES-256-GCM. */
static void test_whole_records_all_suites(void)
{
	for (int v = 0; v < 2; v++)
		for (uint8_t c = TLS_CIPHER_AES_128_GCM; c <= TLS_CIPHER_AES_256_GCM; c++)
			whole_records(vers[v], c);
}

static void test_every_split_all_suites(void)
{
	for (int v = 0; v < 2; v++)
		for (uint8_t c = TLS_CIPHER_AES_128_GCM; c <= TLS_CIPHER_AES_256_GCM; c++) {
			every_split(vers[v], c, 16384);
			every_split(vers[v], c, 1);
			every_split(vers[v], c, 33);
			every_split(vers[v], c, 1448);
		}
}

static void test_body_stream_all_suites(void)
{
	for (int v = 0; v < 2; v++)
		for (uint8_t c = TLS_CIPHER_AES_128_GCM; c <= TLS_CIPHER_AES_256_GCM; c++) {
			body_stream(vers[v], c, TLS_ALIGN_FILE, 16384, 0, 1);
			body_stream(vers[v], c, TLS_ALIGN_FILE, 16384, 0, 16384);
			body_stream(vers[v], c, TLS_ALIGN_FILE, 16384, 100, 16385);
			body_stream(vers[v], c, TLS_ALIGN_FILE, 16384, 5, 300007);
			body_stream(vers[v], c, TLS_ALIGN_BODY, 4096, 77, 100000);
			body_stream(vers[v], c, TLS_ALIGN_FILE, 1000, 999, 50001);
		}
}

int main(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(rnd() >> 32);
	RUN_INIT(argc, argv);
	RUN(test_refusals);
	RUN(test_whole_records_all_suites);
	RUN(test_every_split_all_suites);
	RUN(test_body_stream_all_suites);
	RUN_DONE();
}
