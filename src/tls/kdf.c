/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS 1.3 HKDF-Expand-Label and its uses (kdf.h). */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "tls/kdf.h"

const char *tls13_cipher_digest(uint8_t cipher, size_t *hash_len)
{
	switch (cipher) {
	case TLS_CIPHER_AES_128_GCM:
		*hash_len = 32;
		return "SHA256";
	case TLS_CIPHER_AES_256_GCM:
		*hash_len = 48;
		return "SHA384";
	default:
		*hash_len = 0;
		return NULL;
	}
}

int tls13_hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
			    const char *label, const uint8_t *context, size_t context_len,
			    uint8_t *out, size_t out_len)
{
	static const char prefix[] = "tls13 ";
	size_t label_len = strlen(label), full = sizeof(prefix) - 1 + label_len;
	/* struct { u16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel */
	uint8_t info[2 + 1 + 255 + 1 + 255];
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	int rc = -EIO;

	if (!digest || !secret_len || full > 255 || context_len > 255 || out_len > 0xffff)
		return -EINVAL;
	size_t n = 0;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)full;
	memcpy(info + n, prefix, sizeof(prefix) - 1);
	n += sizeof(prefix) - 1;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)context_len;
	if (context_len)
		memcpy(info + n, context, context_len);
	n += context_len;

	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (!kctx)
		goto out;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
	    OSSL_PARAM_construct_end(),
	};
	if (EVP_KDF_derive(kctx, out, out_len, params) == 1)
		rc = 0;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

int tls13_traffic_key(uint8_t cipher, const uint8_t *secret, size_t secret_len, struct tls_key *out)
{
	size_t hlen;
	const char *md = tls13_cipher_digest(cipher, &hlen);
	if (!md || secret_len != hlen)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->version = TLS_VERSION_13;
	out->cipher = cipher;
	out->key_len = (uint8_t)tls_cipher_key_len(cipher);
	int rc =
	    tls13_hkdf_expand_label(md, secret, secret_len, "key", NULL, 0, out->key, out->key_len);
	if (!rc)
		rc = tls13_hkdf_expand_label(md, secret, secret_len, "iv", NULL, 0, out->iv,
					     TLS_NONCE_LEN);
	if (rc)
		OPENSSL_cleanse(out, sizeof(*out));
	return rc;
}

int tls13_next_traffic_secret(uint8_t cipher, const uint8_t *secret, size_t secret_len,
			      uint8_t *out)
{
	size_t hlen;
	const char *md = tls13_cipher_digest(cipher, &hlen);
	if (!md || secret_len != hlen)
		return -EINVAL;
	return tls13_hkdf_expand_label(md, secret, secret_len, "traffic upd", NULL, 0, out, hlen);
}
