/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz the TLS record layout and the range sealing (src/tls) with arbitrary parameters: the
 * input picks version, cipher, alignment, record size, body offset and length, a sequence number
 * and cut points. Invariants: tls_layout_init refuses exactly the invalid parameters; records
 * tile the stream and the body without gaps (each at most rec_size, only the first/last short);
 * the record found for a stream byte contains it; and for a record of the body, the bytes of
 * any range [a, b) from tls_seal_range equal the same bytes of the whole sealed record. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/record.h"
#include "tls/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t take(const uint8_t **p, size_t *n, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t) * *p << (8 * i);
	return v;
}

static uint8_t plain[TLS_REC_PLAIN_MAX];
static struct tls_sealer *sealers[2][2];

static struct tls_sealer *sealer(uint16_t ver, uint8_t cipher)
{
	struct tls_sealer **s = &sealers[ver == TLS_VERSION_13][cipher - 1];
	if (!*s) {
		struct tls_key k = {.version = ver,
				    .cipher = cipher,
				    .key_len = (uint8_t)tls_cipher_key_len(cipher)};
		memset(k.key, 0x5a, sizeof(k.key));
		memset(k.iv, 0xa5, sizeof(k.iv));
		*s = tls_sealer_new(&k);
		if (!*s)
			abort();
		for (size_t i = 0; i < sizeof(plain); i++)
			plain[i] = (uint8_t)(i * 7);
	}
	return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	uint8_t sel = (uint8_t)take(&p, &n, 1);
	uint16_t ver = sel & 1 ? TLS_VERSION_13 : TLS_VERSION_12;
	if (sel & 0x80)
		ver = (uint16_t)take(&p, &n, 2); /* any version: must be refused unless valid */
	uint8_t cipher = (uint8_t)take(&p, &n, 1);
	uint8_t align = (uint8_t)take(&p, &n, 1);
	uint32_t rs = (uint32_t)take(&p, &n, 2) + (sel & 2 ? 0 : 64);
	uint64_t off = take(&p, &n, 8) >> (sel >> 2 & 15) * 4;
	uint64_t len = take(&p, &n, 8) >> (sel >> 4 & 7) * 8;
	struct tls_layout l;
	bool valid = tls_rec_overhead(ver, cipher) && align <= 1 && rs >= TLS_REC_PLAIN_MIN &&
		     rs <= TLS_REC_PLAIN_MAX && off <= (uint64_t)INT64_MAX &&
		     len <= (uint64_t)INT64_MAX - off;
	int rc = tls_layout_init(&l, ver, cipher, align, rs, off, len);
	if ((rc == 0) != valid)
		abort();
	if (rc)
		return 0;
	if (l.stream_len != len + l.nrec * l.overhead || (len == 0) != (l.nrec == 0))
		abort();
	if (!l.nrec)
		return 0;
	/* a few records: they tile the body and the stream */
	uint64_t picks[4] = {0, l.nrec - 1, take(&p, &n, 8) % l.nrec, take(&p, &n, 8) % l.nrec};
	for (int i = 0; i < 4; i++) {
		struct tls_rec r, next;
		tls_layout_rec(&l, picks[i], &r);
		if (r.plen == 0 || r.plen > rs || r.stream_len != r.plen + l.overhead ||
		    r.file_off < off || r.file_off + r.plen > off + len)
			abort();
		if (picks[i] > 0 && picks[i] + 1 < l.nrec && r.plen != rs)
			abort();
		if (picks[i] + 1 < l.nrec) {
			tls_layout_rec(&l, picks[i] + 1, &next);
			if (next.stream_off != r.stream_off + r.stream_len ||
			    next.file_off != r.file_off + r.plen)
				abort();
			if (align == TLS_ALIGN_FILE && next.file_off % rs)
				abort();
		} else if (r.stream_off + r.stream_len != l.stream_len ||
			   r.file_off + r.plen != off + len) {
			abort();
		}
		if (tls_layout_index_at(&l, r.stream_off) != picks[i] ||
		    tls_layout_index_at(&l, r.stream_off + r.stream_len - 1) != picks[i])
			abort();
	}
	/* a range of one record sealed alone equals the whole record's bytes */
	struct tls_rec r;
	tls_layout_rec(&l, picks[2], &r);
	uint64_t seq = take(&p, &n, 8);
	struct tls_sealer *s = sealer(ver, cipher);
	static uint8_t whole[TLS_REC_MAX], part[TLS_REC_MAX];
	uint8_t tag[TLS_TAG_LEN];
	struct iovec iov[2] = {{plain, r.plen / 3}, {plain + r.plen / 3, r.plen - r.plen / 3}};
	uint8_t type = (uint8_t)take(&p, &n, 1);
	if (tls_seal_record(s, seq, type, iov, 2, whole, tag) != (int)r.stream_len)
		abort();
	uint32_t a = (uint32_t)(take(&p, &n, 2) % (r.stream_len + 1));
	uint32_t b = a + (uint32_t)(take(&p, &n, 2) % (r.stream_len - a + 1));
	if (tls_seal_range(s, seq, type, iov, 2, tag, a, b - a, part) != (int)(b - a) ||
	    memcmp(part, whole + a, b - a) != 0)
		abort();
	if (tls_seal_range(s, seq, type, iov, 2, tag, b, r.stream_len - b + 1, part) >= 0)
		abort(); /* past the end */
	return 0;
}
