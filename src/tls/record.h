/* SPDX-License-Identifier: BSD-2-Clause */
/* The TLS record layout of an offloaded file body: pure arithmetic, no I/O, no crypto.
 *
 * A body is file bytes [body_off, body_off + body_len) sent as a run of TLS application_data
 * records with consecutive record sequence numbers. Records carry at most rec_size plaintext
 * bytes and their boundaries sit at file offsets that are multiples of rec_size (TLS_ALIGN_FILE:
 * the first and last records may be short) or at body_off + k * rec_size (TLS_ALIGN_BODY: only
 * the last may be short). Every record adds the same overhead to its plaintext:
 *
 *   TLS 1.3 (RFC 8446 5.2):      header 5 | ciphertext (plaintext + 1 inner type byte) | tag 16
 *   TLS 1.2 AES-GCM (RFC 5288):  header 5 | explicit nonce 8 | ciphertext (plaintext) | tag 16
 *
 * so the body's record stream (the TCP payload bytes) has body_len + nrec * overhead bytes, and
 * the record holding any stream byte, its sequence number and its plaintext range are found by
 * division. Host and NIC compute the same layout from the same inputs: the host to size the
 * body and advance its record counter, the NIC to cut any TCP range out of the stream. */
#ifndef IOTCP_TLS_RECORD_H
#define IOTCP_TLS_RECORD_H

#include <stdint.h>

#define TLS_REC_HDR_LEN	     5u
#define TLS_TAG_LEN	     16u
#define TLS12_EXPLICIT_NONCE 8u
#define TLS_NONCE_LEN	     12u
#define TLS_REC_PLAIN_MAX    16384u /* RFC 8446 5.1: 2^14 */
#define TLS_REC_PLAIN_MIN    64u    /* RFC 8449 record_size_limit floor */
#define TLS13_OVERHEAD	     (TLS_REC_HDR_LEN + 1u + TLS_TAG_LEN)
#define TLS12_GCM_OVERHEAD   (TLS_REC_HDR_LEN + TLS12_EXPLICIT_NONCE + TLS_TAG_LEN)
#define TLS_REC_OVERHEAD_MAX TLS12_GCM_OVERHEAD
#define TLS_REC_MAX	     (TLS_REC_PLAIN_MAX + TLS_REC_OVERHEAD_MAX)

/* Content types (RFC 8446 B.1). */
#define TLS_CT_CHANGE_CIPHER_SPEC 20u
#define TLS_CT_ALERT		  21u
#define TLS_CT_HANDSHAKE	  22u
#define TLS_CT_APPLICATION_DATA	  23u

enum tls_version {
	TLS_VERSION_12 = 0x0303,
	TLS_VERSION_13 = 0x0304,
};

/* Record protection (the AEAD; the same numbers on the host <-> NIC protocol). */
enum tls_cipher {
	TLS_CIPHER_AES_128_GCM = 1,
	TLS_CIPHER_AES_256_GCM = 2,
};

enum tls_align {
	TLS_ALIGN_FILE = 0, /* boundaries at file offsets that are multiples of rec_size */
	TLS_ALIGN_BODY = 1, /* boundaries at body_off + k * rec_size */
};

struct tls_layout {
	uint16_t version;
	uint8_t cipher, align;
	uint32_t rec_size; /* plaintext bytes of a full record */
	uint64_t body_off; /* file offset of the body's first byte */
	uint64_t body_len; /* plaintext bytes of the body */
	/* derived */
	uint32_t phase;	     /* plaintext bytes the first record lacks (0 unless ALIGN_FILE) */
	uint32_t prefix;     /* bytes before the ciphertext: header (+ explicit nonce) */
	uint32_t overhead;   /* bytes each record adds to its plaintext */
	uint64_t nrec;	     /* records of the body (0 for an empty body) */
	uint64_t stream_len; /* bytes of the record stream: body_len + nrec * overhead */
};

/* One record of a body. */
struct tls_rec {
	uint64_t index;	     /* 0-based in the body: its sequence number is base + index */
	uint64_t stream_off; /* its first byte in the body's record stream */
	uint32_t stream_len; /* its bytes on the wire: plen + overhead */
	uint64_t file_off;   /* its first plaintext byte in the file */
	uint32_t plen;	     /* plaintext bytes */
};

/* Overhead per record of (version, cipher), or 0 when the pair is not supported. */
uint32_t tls_rec_overhead(uint16_t version, uint8_t cipher);
/* Key bytes of a cipher (16, 32), 0 when unknown. */
uint32_t tls_cipher_key_len(uint8_t cipher);

/* Compute the layout. 0, or -EINVAL for an unsupported version/cipher/align, rec_size outside
 * [TLS_REC_PLAIN_MIN, TLS_REC_PLAIN_MAX], or a body past INT64_MAX. body_len 0 is valid (no
 * records). */
int tls_layout_init(struct tls_layout *l, uint16_t version, uint8_t cipher, uint8_t align,
		    uint32_t rec_size, uint64_t body_off, uint64_t body_len);
/* Index of the record holding stream byte stream_off (< l->stream_len). */
uint64_t tls_layout_index_at(const struct tls_layout *l, uint64_t stream_off);
/* Record index (< l->nrec). */
void tls_layout_rec(const struct tls_layout *l, uint64_t index, struct tls_rec *r);

#endif
