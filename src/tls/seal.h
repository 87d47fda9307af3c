/* SPDX-License-Identifier: BSD-2-Clause */
/* Sealing TLS records with AES-GCM (OpenSSL EVP), whole or in part. No I/O.
 *
 * Nonce (RFC 8446 5.3; RFC 5288 3): TLS 1.3: the 12-byte write IV XOR the record sequence
 * number (big-endian, left-padded); TLS 1.2: the 4-byte salt followed by an 8-byte explicit nonce,
 * which is the record sequence number and is sent in the clear after the header.
 * AAD: TLS 1.3: the record header (0x17 0x0303 u16 length of ciphertext + tag); TLS 1.2: u64 seq,
 * u8 type, 0x0303, u16 plaintext length.
 *
 * Partial sealing: AES-GCM encrypts ciphertext byte k of a record with keystream block
 * k / 16 + 2 of AES-CTR under the nonce (NIST SP 800-38D 7.1: counter 1 is for the tag), so any
 * byte range of a record can be produced alone from the plaintext under it plus the record's
 * tag, which only the whole record gives. tls_seal_range does that: O(range) crypto. */
#ifndef IOTCP_TLS_SEAL_H
#define IOTCP_TLS_SEAL_H

#include <stdint.h>
#include <sys/uio.h>

#include "tls/record.h"

#define TLS_KEY_MAX 32u

/* A direction's record protection key, as the handshake hands it over. */
struct tls_key {
	uint16_t version; /* enum tls_version */
	uint8_t cipher;	  /* enum tls_cipher */
	uint8_t key_len;  /* 16 or 32, as the cipher */
	uint8_t key[TLS_KEY_MAX];
	uint8_t iv[TLS_NONCE_LEN]; /* 1.3: the write IV; 1.2: the salt in iv[0..3], rest 0 */
};

/* 0, or -EINVAL when version, cipher and key_len do not fit together. */
int tls_key_check(const struct tls_key *k);
/* IV bytes the version uses: 12 (1.3) or 4 (1.2 salt). */
uint32_t tls_iv_len(uint16_t version);

struct tls_sealer;

/* A sealer for key k (the key schedule is set up once). NULL with errno EINVAL or ENOMEM. */
struct tls_sealer *tls_sealer_new(const struct tls_key *k);
/* Free and wipe the key material. NULL is fine. */
void tls_sealer_free(struct tls_sealer *s);
uint16_t tls_sealer_version(const struct tls_sealer *s);

/* Seal one record of content type `type` (1.3: the inner type; the header says
 * application_data) with sequence number seq: the plaintext is the npt pieces (at most
 * TLS_REC_PLAIN_MAX bytes in all). Writes the whole record (plaintext + overhead bytes) to out
 * and its tag to tag (if not NULL). Returns the record's length or -EINVAL / -EIO. */
int tls_seal_record(struct tls_sealer *s, uint64_t seq, uint8_t type, const struct iovec *pt,
		    int npt, uint8_t *out, uint8_t *tag);

/* Bytes [from, from + n) of the record tls_seal_record would produce for the same seq, type and
 * plaintext, given that record's tag: header and explicit nonce are copied, ciphertext bytes
 * are AES-CTR at the right counter, tag bytes come from tag. Only the plaintext under the range
 * is read and encrypted. Returns n, or -EINVAL (range outside the record) / -EIO. */
int tls_seal_range(struct tls_sealer *s, uint64_t seq, uint8_t type, const struct iovec *pt,
		   int npt, const uint8_t *tag, uint32_t from, uint32_t n, uint8_t *out);

#endif
