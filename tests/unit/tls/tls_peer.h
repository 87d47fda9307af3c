/* SPDX-License-Identifier: BSD-2-Clause */
/* A real OpenSSL TLS peer for the tests: a throw-away EC certificate, server and client
 * SSL_CTXs pinned to one version and cipher, SSL objects on memory BIOs, and the server's write
 * key taken out the way a key hand-off could (TLS 1.3: SERVER_TRAFFIC_SECRET_0 from the keylog
 * callback; TLS 1.2: the key block from the master secret). One server handshake at a time. */
#ifndef IOTCP_TESTS_TLS_PEER_H
#define IOTCP_TESTS_TLS_PEER_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/kdf.h"
#include "tls/record.h"
#include "tls/seal.h"

/* keylog capture (TLS 1.3) */
static uint8_t peer_secret[TLS13_SECRET_MAX];
static size_t peer_secret_len;

static inline void peer_keylog(const SSL *ssl, const char *line)
{
	static const char tag[] = "SERVER_TRAFFIC_SECRET_0 ";
	(void)ssl;
	if (strncmp(line, tag, sizeof(tag) - 1) != 0)
		return;
	const char *hex = strchr(line + sizeof(tag) - 1, ' ');
	if (!hex)
		return;
	hex++;
	peer_secret_len = 0;
	while (hex[0] && hex[1] && peer_secret_len < sizeof(peer_secret)) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		peer_secret[peer_secret_len++] = (uint8_t)v;
		hex += 2;
	}
}

static inline bool peer_make_cert(EVP_PKEY **pkey, X509 **cert)
{
	*pkey = EVP_EC_gen("P-256");
	*cert = X509_new();
	if (!*pkey || !*cert)
		return false;
	X509_set_version(*cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(*cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(*cert), 3600);
	X509_NAME *name = X509_get_subject_name(*cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"iotcp.test", -1,
				   -1, 0);
	X509_set_issuer_name(*cert, name);
	X509_set_pubkey(*cert, *pkey);
	return X509_sign(*cert, *pkey, EVP_sha256()) > 0;
}

/* A context for one side, pinned to version ver and cipher. */
static inline SSL_CTX *peer_ctx(bool server, uint16_t ver, uint8_t cipher, EVP_PKEY *pkey,
				X509 *cert)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx)
		return NULL;
	int v = ver == TLS_VERSION_13 ? TLS1_3_VERSION : TLS1_2_VERSION;
	SSL_CTX_set_min_proto_version(ctx, v);
	SSL_CTX_set_max_proto_version(ctx, v);
	bool big = cipher == TLS_CIPHER_AES_256_GCM;
	if (ver == TLS_VERSION_13)
		SSL_CTX_set_ciphersuites(ctx, big ? "TLS_AES_256_GCM_SHA384" : "TLS_AES_128_GCM_SHA256");
	else
		SSL_CTX_set_cipher_list(ctx, big ? "ECDHE-ECDSA-AES256-GCM-SHA384"
						 : "ECDHE-ECDSA-AES128-GCM-SHA256");
	if (server) {
		SSL_CTX_set_num_tickets(ctx, 0); /* nothing after the handshake under the key */
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_keylog_callback(ctx, peer_keylog);
		SSL_CTX_use_certificate(ctx, cert);
		SSL_CTX_use_PrivateKey(ctx, pkey);
	}
	return ctx;
}

/* An SSL object on two memory BIOs: *in is what it reads, *out what it writes. */
static inline SSL *peer_ssl(SSL_CTX *ctx, bool server, BIO **in, BIO **out)
{
	SSL *ssl = SSL_new(ctx);
	*in = BIO_new(BIO_s_mem());
	*out = BIO_new(BIO_s_mem());
	SSL_set_bio(ssl, *in, *out);
	if (server) {
		SSL_set_accept_state(ssl);
		peer_secret_len = 0;
	} else {
		SSL_set_connect_state(ssl);
	}
	return ssl;
}

/* TLS 1.2 (RFC 5246 6.3): key_block = PRF(master, "key expansion", server_random +
 * client_random): client key, server key, client IV, server IV (AEAD: no MAC keys). */
static inline bool peer_tls12_server_key(SSL *srv, uint8_t cipher, struct tls_key *k)
{
	uint8_t master[48], seed[64], block[2 * 32 + 2 * 4];
	size_t mlen = SSL_SESSION_get_master_key(SSL_get_session(srv), master, sizeof(master));
	SSL_get_server_random(srv, seed, 32);
	SSL_get_client_random(srv, seed + 32, 32);
	uint32_t kl = tls_cipher_key_len(cipher);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						 cipher == TLS_CIPHER_AES_256_GCM ? "SHA384" : "SHA256",
						 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master, mlen),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, "key expansion", 13),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, 64),
		OSSL_PARAM_construct_end(),
	};
	bool ok = kctx && EVP_KDF_derive(kctx, block, 2 * kl + 8, params) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	memset(k, 0, sizeof(*k));
	k->version = TLS_VERSION_12;
	k->cipher = cipher;
	k->key_len = (uint8_t)kl;
	memcpy(k->key, block + kl, kl);
	memcpy(k->iv, block + 2 * kl + 4, 4);
	return ok && mlen == 48;
}

/* The server's write key after its handshake and the sequence number of its first
 * application record: TLS 1.3 from the keylog secret (also returned, for KeyUpdate), 1.2 from
 * the master secret (its Finished was record 0 under that key). */
static inline bool peer_server_key(SSL *srv, uint16_t ver, uint8_t cipher, struct tls_key *k,
				   uint64_t *seq)
{
	if (ver == TLS_VERSION_13) {
		*seq = 0;
		return peer_secret_len && tls13_traffic_key(cipher, peer_secret, peer_secret_len,
							    k) == 0;
	}
	*seq = 1;
	return peer_tls12_server_key(srv, cipher, k);
}

#endif
