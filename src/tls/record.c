/* SPDX-License-Identifier: BSD-2-Clause */
/* Record layout arithmetic (record.h). With p = phase and w = rec_size + overhead, record i > 0
 * starts at plaintext byte i * rec_size - p of the body and at stream byte i * w - p; record 0
 * starts at 0 in both. */
#include <errno.h>

#include "tls/record.h"

uint32_t tls_cipher_key_len(uint8_t cipher)
{
	switch (cipher) {
	case TLS_CIPHER_AES_128_GCM:
		return 16;
	case TLS_CIPHER_AES_256_GCM:
		return 32;
	default:
		return 0;
	}
}

uint32_t tls_rec_overhead(uint16_t version, uint8_t cipher)
{
	if (!tls_cipher_key_len(cipher))
		return 0;
	switch (version) {
	case TLS_VERSION_13:
		return TLS13_OVERHEAD;
	case TLS_VERSION_12:
		return TLS12_GCM_OVERHEAD;
	default:
		return 0;
	}
}

int tls_layout_init(struct tls_layout *l, uint16_t version, uint8_t cipher, uint8_t align,
		    uint32_t rec_size, uint64_t body_off, uint64_t body_len)
{
	uint32_t ovh = tls_rec_overhead(version, cipher);

	if (!ovh || (align != TLS_ALIGN_FILE && align != TLS_ALIGN_BODY) ||
	    rec_size < TLS_REC_PLAIN_MIN || rec_size > TLS_REC_PLAIN_MAX ||
	    body_off > (uint64_t)INT64_MAX || body_len > (uint64_t)INT64_MAX - body_off)
		return -EINVAL;
	l->version = version;
	l->cipher = cipher;
	l->align = align;
	l->rec_size = rec_size;
	l->body_off = body_off;
	l->body_len = body_len;
	l->phase = align == TLS_ALIGN_FILE ? (uint32_t)(body_off % rec_size) : 0;
	l->prefix = TLS_REC_HDR_LEN + (version == TLS_VERSION_12 ? TLS12_EXPLICIT_NONCE : 0);
	l->overhead = ovh;
	l->nrec = body_len ? (l->phase + body_len + rec_size - 1) / rec_size : 0;
	l->stream_len = body_len + l->nrec * ovh;
	return 0;
}

uint64_t tls_layout_index_at(const struct tls_layout *l, uint64_t stream_off)
{
	uint64_t i = (stream_off + l->phase) / ((uint64_t)l->rec_size + l->overhead);
	return i < l->nrec ? i : l->nrec - 1;
}

void tls_layout_rec(const struct tls_layout *l, uint64_t index, struct tls_rec *r)
{
	uint64_t pstart = index ? index * l->rec_size - l->phase : 0;
	uint64_t pend = (index + 1) * l->rec_size - l->phase;

	if (pend > l->body_len)
		pend = l->body_len;
	r->index = index;
	r->plen = (uint32_t)(pend - pstart);
	r->stream_len = r->plen + l->overhead;
	r->stream_off = pstart + index * l->overhead;
	r->file_off = l->body_off + pstart;
}
