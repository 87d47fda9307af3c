/* SPDX-License-Identifier: BSD-2-Clause */
/* AES-GCM record sealing (seal.h): a GCM context for whole records and an AES-CTR context on
 * the same key for ranges, both keyed once per sealer. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tls/seal.h"

struct tls_sealer {
	uint16_t version;
	uint8_t cipher;
	uint8_t iv[TLS_NONCE_LEN];
	uint32_t prefix; /* header (+ explicit nonce) */
	EVP_CIPHER_CTX *gcm, *ctr;
};

uint32_t tls_iv_len(uint16_t version)
{
	return version == TLS_VERSION_12 ? 4u : TLS_NONCE_LEN;
}

int tls_key_check(const struct tls_key *k)
{
	if (!tls_rec_overhead(k->version, k->cipher) || k->key_len != tls_cipher_key_len(k->cipher))
		return -EINVAL;
	return 0;
}

uint16_t tls_sealer_version(const struct tls_sealer *s)
{
	return s->version;
}

void tls_sealer_free(struct tls_sealer *s)
{
	if (!s)
		return;
	EVP_CIPHER_CTX_free(s->gcm); /* the providers wipe their key schedules */
	EVP_CIPHER_CTX_free(s->ctr);
	OPENSSL_cleanse(s, sizeof(*s));
	OPENSSL_free(s);
}

struct tls_sealer *tls_sealer_new(const struct tls_key *k)
{
	if (tls_key_check(k) < 0) {
		errno = EINVAL;
		return NULL;
	}
	struct tls_sealer *s = OPENSSL_zalloc(sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	bool big = k->cipher == TLS_CIPHER_AES_256_GCM;
	s->version = k->version;
	s->cipher = k->cipher;
	s->prefix = TLS_REC_HDR_LEN + (k->version == TLS_VERSION_12 ? TLS12_EXPLICIT_NONCE : 0);
	memcpy(s->iv, k->iv, tls_iv_len(k->version));
	s->gcm = EVP_CIPHER_CTX_new();
	s->ctr = EVP_CIPHER_CTX_new();
	if (!s->gcm || !s->ctr ||
	    !EVP_EncryptInit_ex(s->gcm, big ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, k->key,
				NULL) ||
	    !EVP_EncryptInit_ex(s->ctr, big ? EVP_aes_256_ctr() : EVP_aes_128_ctr(), NULL, k->key,
				NULL)) {
		tls_sealer_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

static void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* RFC 8446 5.3 / RFC 5288 3 */
static void make_nonce(const struct tls_sealer *s, uint64_t seq, uint8_t nonce[TLS_NONCE_LEN])
{
	if (s->version == TLS_VERSION_13) {
		memcpy(nonce, s->iv, TLS_NONCE_LEN);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	} else {
		memcpy(nonce, s->iv, 4);
		be64_put(nonce + 4, seq);
	}
}

/* Ciphertext bytes of a record with plen plaintext bytes (1.3 adds the inner type). */
static uint32_t cipher_len(const struct tls_sealer *s, uint32_t plen)
{
	return plen + (s->version == TLS_VERSION_13 ? 1u : 0u);
}

/* Header and explicit nonce; returns their length. */
static uint32_t put_prefix(const struct tls_sealer *s, uint64_t seq, uint8_t type, uint32_t plen,
			   uint8_t *out)
{
	uint32_t len = cipher_len(s, plen) + TLS_TAG_LEN;
	if (s->version == TLS_VERSION_12)
		len += TLS12_EXPLICIT_NONCE;
	out[0] = s->version == TLS_VERSION_13 ? TLS_CT_APPLICATION_DATA : type;
	out[1] = 0x03;
	out[2] = 0x03;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	if (s->version == TLS_VERSION_12)
		be64_put(out + TLS_REC_HDR_LEN, seq);
	return s->prefix;
}

static int64_t iov_total(const struct iovec *pt, int npt)
{
	uint64_t n = 0;
	if (npt < 0)
		return -1;
	for (int i = 0; i < npt; i++) {
		n += pt[i].iov_len;
		if (n > TLS_REC_PLAIN_MAX)
			return -1;
	}
	return (int64_t)n;
}

int tls_seal_record(struct tls_sealer *s, uint64_t seq, uint8_t type, const struct iovec *pt,
		    int npt, uint8_t *out, uint8_t *tag)
{
	int64_t plen = iov_total(pt, npt);
	uint8_t nonce[TLS_NONCE_LEN], aad[13];
	int aad_len, outl;

	if (plen < 0)
		return -EINVAL;
	uint32_t pre = put_prefix(s, seq, type, (uint32_t)plen, out);
	if (s->version == TLS_VERSION_13) {
		memcpy(aad, out, TLS_REC_HDR_LEN);
		aad_len = TLS_REC_HDR_LEN;
	} else {
		be64_put(aad, seq);
		aad[8] = type;
		aad[9] = 0x03;
		aad[10] = 0x03;
		aad[11] = (uint8_t)(plen >> 8);
		aad[12] = (uint8_t)plen;
		aad_len = 13;
	}
	make_nonce(s, seq, nonce);
	if (!EVP_EncryptInit_ex(s->gcm, NULL, NULL, NULL, nonce) ||
	    !EVP_EncryptUpdate(s->gcm, NULL, &outl, aad, aad_len))
		return -EIO;
	uint8_t *c = out + pre;
	for (int i = 0; i < npt; i++) {
		if (!pt[i].iov_len)
			continue;
		if (!EVP_EncryptUpdate(s->gcm, c, &outl, pt[i].iov_base, (int)pt[i].iov_len))
			return -EIO;
		c += outl;
	}
	if (s->version == TLS_VERSION_13) {
		if (!EVP_EncryptUpdate(s->gcm, c, &outl, &type, 1))
			return -EIO;
		c += outl;
	}
	if (!EVP_EncryptFinal_ex(s->gcm, c, &outl))
		return -EIO;
	c += outl;
	if (c != out + pre + cipher_len(s, (uint32_t)plen) ||
	    !EVP_CIPHER_CTX_ctrl(s->gcm, EVP_CTRL_AEAD_GET_TAG, TLS_TAG_LEN, c))
		return -EIO;
	if (tag)
		memcpy(tag, c, TLS_TAG_LEN);
	return (int)(c + TLS_TAG_LEN - out);
}

/* AES-CTR over ciphertext bytes [k, k + n) of the record: plaintext from pt (and the 1.3 inner
 * type at plen), keystream from counter block 2 + k / 16 (NIST SP 800-38D 7.1). */
static int ctr_range(struct tls_sealer *s, uint64_t seq, uint8_t type, const struct iovec *pt,
		     int npt, uint32_t plen, uint32_t k, uint32_t n, uint8_t *out)
{
	static const uint8_t zero[16];
	uint8_t cb[16], junk[16];
	uint32_t ctr = 2 + k / 16;
	int outl;

	make_nonce(s, seq, cb);
	cb[12] = (uint8_t)(ctr >> 24);
	cb[13] = (uint8_t)(ctr >> 16);
	cb[14] = (uint8_t)(ctr >> 8);
	cb[15] = (uint8_t)ctr;
	if (!EVP_EncryptInit_ex(s->ctr, NULL, NULL, NULL, cb))
		return -EIO;
	if (k % 16 && !EVP_EncryptUpdate(s->ctr, junk, &outl, zero, (int)(k % 16)))
		return -EIO;
	/* Walk the plaintext pieces from byte k. */
	uint32_t skip = k, left = n;
	for (int i = 0; i < npt && left; i++) {
		uint32_t len = (uint32_t)pt[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		uint32_t take = len - skip < left ? len - skip : left;
		if (!EVP_EncryptUpdate(s->ctr, out, &outl, (const uint8_t *)pt[i].iov_base + skip,
				       (int)take))
			return -EIO;
		out += take;
		left -= take;
		skip = 0;
	}
	if (left) {
		/* only the 1.3 inner content type remains */
		if (left != 1 || s->version != TLS_VERSION_13 || k + n != plen + 1)
			return -EINVAL;
		if (!EVP_EncryptUpdate(s->ctr, out, &outl, &type, 1))
			return -EIO;
	}
	return 0;
}

int tls_seal_range(struct tls_sealer *s, uint64_t seq, uint8_t type, const struct iovec *pt,
		   int npt, const uint8_t *tag, uint32_t from, uint32_t n, uint8_t *out)
{
	int64_t plen = iov_total(pt, npt);
	if (plen < 0)
		return -EINVAL;
	uint32_t clen = cipher_len(s, (uint32_t)plen);
	uint32_t cstart = s->prefix, tstart = s->prefix + clen, total = tstart + TLS_TAG_LEN;
	if (from > total || n > total - from)
		return -EINVAL;
	uint32_t end = from + n, pos = from;

	if (pos < cstart) {
		uint8_t pre[TLS_REC_HDR_LEN + TLS12_EXPLICIT_NONCE];
		put_prefix(s, seq, type, (uint32_t)plen, pre);
		uint32_t take = (end < cstart ? end : cstart) - pos;
		memcpy(out, pre + pos, take);
		out += take;
		pos += take;
	}
	if (pos < end && pos < tstart) {
		uint32_t take = (end < tstart ? end : tstart) - pos;
		int rc = ctr_range(s, seq, type, pt, npt, (uint32_t)plen, pos - cstart, take, out);
		if (rc < 0)
			return rc;
		out += take;
		pos += take;
	}
	if (pos < end)
		memcpy(out, tag + (pos - tstart), end - pos);
	return (int)n;
}
