/* SPDX-License-Identifier: BSD-2-Clause */
/* The record layout of an offloaded body (src/tls/record.h) against a reference that walks the
 * body byte by byte: record count, each record's file offset, plaintext and stream length and
 * stream offset, the record found for stream bytes at and around every boundary (every byte for
 * short bodies), and the parameter checks. Both versions, both ciphers, both alignments. */
#include <errno.h>
#include <stdlib.h>

#include "../check.h"
#include "tls/record.h"

struct ref_rec {
	uint64_t file_off, stream_off;
	uint32_t plen;
};

/* Walk the body: a record ends where the next file offset is a boundary, or at the end. */
static size_t reference(uint8_t align, uint32_t rs, uint64_t off, uint64_t len, uint32_t ovh,
			struct ref_rec *out, size_t cap)
{
	size_t n = 0;
	uint64_t pos = 0, stream = 0;
	while (pos < len && n < cap) {
		uint64_t f = off + pos;
		uint64_t next = align == TLS_ALIGN_FILE ? (f / rs + 1) * rs : f + rs;
		uint64_t end = next - off < len ? next - off : len;
		out[n].file_off = f;
		out[n].stream_off = stream;
		out[n].plen = (uint32_t)(end - pos);
		stream += out[n].plen + ovh;
		pos = end;
		n++;
	}
	return n;
}

static void check_one(uint16_t ver, uint8_t cipher, uint8_t align, uint32_t rs, uint64_t off,
		      uint64_t len)
{
	static struct ref_rec ref[4096];
	struct tls_layout l;
	struct tls_rec r;

	CHECK(tls_layout_init(&l, ver, cipher, align, rs, off, len) == 0);
	uint32_t ovh = ver == TLS_VERSION_13 ? 22 : 29;
	CHECK_EQ_U64(l.overhead, ovh);
	CHECK_EQ_U64(l.prefix, ver == TLS_VERSION_13 ? 5 : 13);
	size_t n = reference(align, rs, off, len, ovh, ref, 4096);
	CHECK_EQ_U64(l.nrec, n);
	CHECK_EQ_U64(l.stream_len, len + n * ovh);
	for (size_t i = 0; i < n && i < l.nrec; i++) {
		tls_layout_rec(&l, i, &r);
		CHECK_EQ_U64(r.index, i);
		CHECK_EQ_U64(r.file_off, ref[i].file_off);
		CHECK_EQ_U64(r.plen, ref[i].plen);
		CHECK_EQ_U64(r.stream_off, ref[i].stream_off);
		CHECK_EQ_U64(r.stream_len, ref[i].plen + ovh);
		CHECK(r.plen >= 1 && r.plen <= rs);
		/* full records in the middle; with ALIGN_BODY only the last may be short */
		if (i > 0 && i + 1 < n)
			CHECK_EQ_U64(r.plen, rs);
		if (align == TLS_ALIGN_BODY && i + 1 < n)
			CHECK_EQ_U64(r.plen, rs);
		if (align == TLS_ALIGN_FILE && i > 0)
			CHECK_EQ_U64(r.file_off % rs, 0);
		/* the record holding its first, last and neighbouring bytes */
		uint64_t s0 = ref[i].stream_off, s1 = s0 + ref[i].plen + ovh - 1;
		CHECK_EQ_U64(tls_layout_index_at(&l, s0), i);
		CHECK_EQ_U64(tls_layout_index_at(&l, s1), i);
		CHECK_EQ_U64(tls_layout_index_at(&l, s0 + (s1 - s0) / 2), i);
		if (i + 1 < n)
			CHECK_EQ_U64(tls_layout_index_at(&l, s1 + 1), i + 1);
	}
	if (l.stream_len <= 40000) {
		size_t i = 0;
		for (uint64_t s = 0; s < l.stream_len; s++) {
			if (i + 1 < n && s == ref[i + 1].stream_off)
				i++;
			if (tls_layout_index_at(&l, s) != i) {
				CHECK_EQ_U64(tls_layout_index_at(&l, s), i);
				break;
			}
		}
	}
}

static void test_grid(void)
{
	static const uint32_t sizes[] = {64, 100, 1000, 4096, 16000, 16384};
	static const uint64_t offs[] = {
	    0, 1, 63, 64, 1000, 16383, 16384, 16385, 65535, 65536, (1ull << 40) + 5};
	static const uint64_t lens[] = {1,     2,     63,    64,    65,	    1000,
					16383, 16384, 16385, 32768, 100000, 1048583};
	static const uint16_t vers[] = {TLS_VERSION_12, TLS_VERSION_13};
	for (int v = 0; v < 2; v++)
		for (uint8_t c = 1; c <= 2; c++)
			for (uint8_t a = 0; a <= 1; a++)
				for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
					for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
						for (size_t n = 0;
						     n < sizeof(lens) / sizeof(lens[0]); n++)
							if (lens[n] / sizes[s] < 4000)
								check_one(vers[v], c, a, sizes[s],
									  offs[o], lens[n]);
}

/* The figures the host relies on for a 16 KiB-record body. */
static void test_known(void)
{
	struct tls_layout l;
	struct tls_rec r;

	/* 1 MiB + 7 from offset 0, 1.3: 65 records (64 full + 7 bytes) */
	CHECK(tls_layout_init(&l, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM, TLS_ALIGN_FILE, 16384, 0,
			      (1u << 20) + 7) == 0);
	CHECK_EQ_U64(l.nrec, 65);
	CHECK_EQ_U64(l.stream_len, (1u << 20) + 7 + 65 * 22);
	tls_layout_rec(&l, 64, &r);
	CHECK_EQ_U64(r.plen, 7);
	CHECK_EQ_U64(r.stream_off, 64 * (16384 + 22));
	/* Range 100..50000 of a file, 1.2, aligned to the file: 100..16384 | 16384..32768 | ... */
	CHECK(tls_layout_init(&l, TLS_VERSION_12, TLS_CIPHER_AES_256_GCM, TLS_ALIGN_FILE, 16384,
			      100, 49900) == 0);
	CHECK_EQ_U64(l.nrec, 4);
	tls_layout_rec(&l, 0, &r);
	CHECK_EQ_U64(r.plen, 16284);
	tls_layout_rec(&l, 1, &r);
	CHECK_EQ_U64(r.file_off, 16384);
	CHECK_EQ_U64(r.stream_off, 16284 + 29);
	tls_layout_rec(&l, 3, &r);
	CHECK_EQ_U64(r.file_off, 49152);
	CHECK_EQ_U64(r.plen, 50000 - 49152);
	/* the same body aligned to itself */
	CHECK(tls_layout_init(&l, TLS_VERSION_12, TLS_CIPHER_AES_256_GCM, TLS_ALIGN_BODY, 16384,
			      100, 49900) == 0);
	CHECK_EQ_U64(l.nrec, 4);
	tls_layout_rec(&l, 3, &r);
	CHECK_EQ_U64(r.file_off, 100 + 3 * 16384);
	CHECK_EQ_U64(r.plen, 49900 - 3 * 16384);
	/* an empty body has no records */
	CHECK(tls_layout_init(&l, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM, TLS_ALIGN_FILE, 16384, 5,
			      0) == 0);
	CHECK_EQ_U64(l.nrec, 0);
	CHECK_EQ_U64(l.stream_len, 0);
}

static void test_invalid(void)
{
	struct tls_layout l;
	CHECK(tls_layout_init(&l, 0x0302, 1, 0, 16384, 0, 1) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 3, 0, 16384, 0, 1) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 0, 0, 16384, 0, 1) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 1, 2, 16384, 0, 1) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 1, 0, 63, 0, 1) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 1, 0, 16385, 0, 1) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 1, 0, 16384, (uint64_t)INT64_MAX, 1) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 1, 0, 16384, 1ull << 63, 0) == -EINVAL);
	CHECK(tls_layout_init(&l, TLS_VERSION_13, 1, 0, 16384, (uint64_t)INT64_MAX - 1, 1) == 0);
	CHECK_EQ_U64(tls_rec_overhead(TLS_VERSION_12, TLS_CIPHER_AES_128_GCM), 29);
	CHECK_EQ_U64(tls_rec_overhead(TLS_VERSION_13, TLS_CIPHER_AES_256_GCM), 22);
	CHECK_EQ_U64(tls_cipher_key_len(TLS_CIPHER_AES_256_GCM), 32);
	CHECK_EQ_U64(tls_cipher_key_len(9), 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_known);
	RUN(test_invalid);
	RUN(test_grid);
	RUN_DONE();
}
