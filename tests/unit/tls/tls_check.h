/* SPDX-License-Identifier: BSD-2-Clause */
/* An independent TLS record opener for the tests, written from RFC 8446 5.2-5.3 and RFC 5288
 * (not from src/tls): parses a record as a client does and decrypts it with OpenSSL EVP
 * AES-GCM, checking the tag. Used to verify what src/tls and the NIC produce. */
#ifndef IOTCP_TESTS_TLS_CHECK_H
#define IOTCP_TESTS_TLS_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tls/record.h"
#include "tls/seal.h"

static inline uint64_t check_rnd(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Build a body's record stream (layout l, sequence numbers from base, plaintext file[]) the way
 * the NIC does, into stream (l->stream_len bytes): walk forward in random ranges of 1..max_cut
 * bytes and now and then resend an older range (a retransmission); the first touch of a record
 * seals it whole (keeping its tag), every later touch is tls_seal_range. Returns 0, or -1 if a
 * call failed. */
static inline int check_cut_stream(struct tls_sealer *s, const struct tls_layout *l,
				   uint64_t base, const uint8_t *file, uint32_t max_cut,
				   uint64_t *rng, uint8_t *stream)
{
	static uint8_t recbuf[TLS_REC_MAX];
	uint8_t(*tags)[TLS_TAG_LEN] = calloc(l->nrec + 1, TLS_TAG_LEN);
	bool *sealed = calloc(l->nrec + 1, 1);
	uint64_t pos = 0;
	int rc = -1;

	if (!tags || !sealed)
		goto out;
	while (pos < l->stream_len) {
		uint64_t n = 1 + check_rnd(rng) % max_cut, from = pos;
		if (check_rnd(rng) % 5 == 0 && pos > 0) {
			from = check_rnd(rng) % pos; /* a retransmission */
		} else {
			if (n > l->stream_len - pos)
				n = l->stream_len - pos;
			pos += n;
		}
		if (n > l->stream_len - from)
			n = l->stream_len - from;
		for (uint64_t p = from, end = from + n; p < end;) {
			struct tls_rec r;
			tls_layout_rec(l, tls_layout_index_at(l, p), &r);
			uint32_t in = (uint32_t)(p - r.stream_off);
			uint32_t take = r.stream_len - in < end - p ? r.stream_len - in
								      : (uint32_t)(end - p);
			struct iovec iov = {(void *)(file + r.file_off), r.plen};
			if (!sealed[r.index]) {
				if (tls_seal_record(s, base + r.index, TLS_CT_APPLICATION_DATA,
						    &iov, 1, recbuf, tags[r.index]) < 0)
					goto out;
				memcpy(stream + p, recbuf + in, take);
				sealed[r.index] = true;
			} else if (tls_seal_range(s, base + r.index, TLS_CT_APPLICATION_DATA, &iov,
						  1, tags[r.index], in, take, stream + p) < 0) {
				goto out;
			}
			p += take;
		}
	}
	rc = 0;
out:
	free(tags);
	free(sealed);
	return rc;
}

/* Open the record at rec (avail bytes available) with key/iv (1.3: 12-byte IV; 1.2: 4-byte
 * salt) and sequence seq: plaintext to plain, inner/outer content type to *type. Returns the
 * record's length on the wire, or -1 if it does not parse or authenticate. */
static inline long check_open_record(uint16_t version, const uint8_t *key, int key_len,
				     const uint8_t *iv, uint64_t seq, const uint8_t *rec,
				     size_t avail, uint8_t *plain, uint32_t *plen, uint8_t *type)
{
	if (avail < 5 || rec[1] != 3 || rec[2] != 3)
		return -1;
	size_t len = (size_t)rec[3] << 8 | rec[4];
	size_t expl = version == 0x0303 ? 8 : 0;
	if (len < expl + 16 + (version == 0x0304) || avail < 5 + len)
		return -1;
	uint8_t nonce[12], aad[13], tag[16];
	int aad_len, outl, n;
	size_t clen = len - expl - 16;
	if (version == 0x0304) {
		if (rec[0] != 23)
			return -1;
		memcpy(nonce, iv, 12);
		for (int i = 0; i < 8; i++)
			nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
		memcpy(aad, rec, 5);
		aad_len = 5;
	} else {
		memcpy(nonce, iv, 4);
		memcpy(nonce + 4, rec + 5, 8); /* explicit nonce as sent */
		for (int i = 0; i < 8; i++)
			aad[7 - i] = (uint8_t)(seq >> (8 * i));
		aad[8] = rec[0];
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = (uint8_t)(clen >> 8);
		aad[12] = (uint8_t)clen;
		aad_len = 13;
	}
	memcpy(tag, rec + 5 + expl + clen, 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	long ret = -1;
	if (!c ||
	    !EVP_DecryptInit_ex(c, key_len == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL,
				key, nonce) ||
	    !EVP_DecryptUpdate(c, NULL, &outl, aad, aad_len) ||
	    !EVP_DecryptUpdate(c, plain, &outl, rec + 5 + expl, (int)clen) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) ||
	    EVP_DecryptFinal_ex(c, plain + outl, &n) != 1)
		goto out;
	if (version == 0x0304) {
		/* strip zero padding, then the inner content type (RFC 8446 5.2) */
		while (clen && plain[clen - 1] == 0)
			clen--;
		if (!clen)
			goto out;
		*type = plain[--clen];
	} else {
		*type = rec[0];
	}
	*plen = (uint32_t)clen;
	ret = (long)(5 + len);
out:
	EVP_CIPHER_CTX_free(c);
	return ret;
}

#endif
