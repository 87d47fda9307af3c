/* SPDX-License-Identifier: BSD-2-Clause */
/* The pieces of the TLS 1.3 key schedule the offload needs (RFC 8446 7.1-7.3), through OpenSSL's
 * EVP_KDF "HKDF" in expand-only mode: the traffic key and IV of a traffic secret, and the next
 * application traffic secret after a KeyUpdate. No I/O. */
#ifndef IOTCP_TLS_KDF_H
#define IOTCP_TLS_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "tls/seal.h"

#define TLS13_SECRET_MAX 48u

/* The hash of the TLS 1.3 suite using cipher (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384):
 * "SHA256" or "SHA384", its length in *hash_len; NULL for an unknown cipher. */
const char *tls13_cipher_digest(uint8_t cipher, size_t *hash_len);

/* RFC 8446 7.1: HKDF-Expand-Label(secret, label, context, out_len) with the hash digest
 * ("tls13 " is prepended to label). 0, -EINVAL or -EIO. */
int tls13_hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
			    const char *label, const uint8_t *context, size_t context_len,
			    uint8_t *out, size_t out_len);

/* RFC 8446 7.3: the write key and IV of a traffic secret (secret_len = the suite's hash
 * length), as a TLS 1.3 tls_key of cipher. 0, -EINVAL or -EIO. */
int tls13_traffic_key(uint8_t cipher, const uint8_t *secret, size_t secret_len,
		      struct tls_key *out);

/* RFC 8446 7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd",
 * "", Hash.length), written to out (secret_len bytes). 0, -EINVAL or -EIO. */
int tls13_next_traffic_secret(uint8_t cipher, const uint8_t *secret, size_t secret_len,
			      uint8_t *out);

#endif
