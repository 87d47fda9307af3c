/* Records built by src/tls, read by a real OpenSSL client (libssl, in memory).
 *
 * An OpenSSL server and client complete a handshake over memory BIOs (TLS 1.3 and TLS 1.2,
 * AES-128-GCM and AES-256-GCM). The test then takes the server's write key the way a key
 * hand-off could (TLS 1.3: SERVER_TRAFFIC_SECRET_0 from the keylog callback through
 * tls13_traffic_key; TLS 1.2: the master secret through the TLS 1.2 PRF key block) and writes
 * the rest of the server's stream itself: a host-sealed header record, a file body cut into
 * random ranges with retransmissions (check_cut_stream: what the NIC does), and
 *   - TLS 1.3: a KeyUpdate record, then a second body under the next epoch's key from
 *     tls13_next_traffic_secret (sequence numbers restart at 0);
 *   - TLS 1.2: a close_notify alert.
 * The client reads it all, fed in random chunk sizes, and must return the exact plaintext.
 * A stream with one byte of one retransmitted range wrong must make the client fail. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "../check.h"
#include "tls/kdf.h"
#include "tls/record.h"
#include "tls/seal.h"
#include "tls_check.h"

static uint8_t file[600000];
static uint64_t rng = 0x243f6a8885a308d3ull;

/* keylog capture (TLS 1.3) */
static uint8_t srv_secret[TLS13_SECRET_MAX];
static size_t srv_secret_len;

static void keylog(const SSL *ssl, const char *line)
{
	static const char tag[] = "SERVER_TRAFFIC_SECRET_0 ";
	(void)ssl;
	if (strncmp(line, tag, sizeof(tag) - 1) != 0)
		return;
	const char *hex = strchr(line + sizeof(tag) - 1, ' ');
	if (!hex)
		return;
	hex++;
	srv_secret_len = 0;
	while (hex[0] && hex[1] && srv_secret_len < sizeof(srv_secret)) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		srv_secret[srv_secret_len++] = (uint8_t)v;
		hex += 2;
	}
}

static bool make_cert(EVP_PKEY **pkey, X509 **cert)
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

/* Move what one side wrote to the other side's input. */
static void shuttle(BIO *from, BIO *to)
{
	char buf[16384];
	int n;
	while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
		BIO_write(to, buf, n);
}

struct pair {
	SSL_CTX *sctx, *cctx;
	SSL *srv, *cli;
	BIO *s_in, *s_out, *c_in, *c_out;
};

static bool handshake(struct pair *p, uint16_t ver, uint8_t cipher, EVP_PKEY *pkey, X509 *cert)
{
	p->sctx = SSL_CTX_new(TLS_server_method());
	p->cctx = SSL_CTX_new(TLS_client_method());
	if (!p->sctx || !p->cctx)
		return false;
	int v = ver == TLS_VERSION_13 ? TLS1_3_VERSION : TLS1_2_VERSION;
	SSL_CTX_set_min_proto_version(p->sctx, v);
	SSL_CTX_set_max_proto_version(p->sctx, v);
	SSL_CTX_set_min_proto_version(p->cctx, v);
	SSL_CTX_set_max_proto_version(p->cctx, v);
	bool big = cipher == TLS_CIPHER_AES_256_GCM;
	if (ver == TLS_VERSION_13) {
		const char *cs = big ? "TLS_AES_256_GCM_SHA384" : "TLS_AES_128_GCM_SHA256";
		SSL_CTX_set_ciphersuites(p->sctx, cs);
		SSL_CTX_set_ciphersuites(p->cctx, cs);
	} else {
		const char *cs = big ? "ECDHE-ECDSA-AES256-GCM-SHA384" : "ECDHE-ECDSA-AES128-GCM-SHA256";
		SSL_CTX_set_cipher_list(p->sctx, cs);
		SSL_CTX_set_cipher_list(p->cctx, cs);
	}
	SSL_CTX_set_num_tickets(p->sctx, 0); /* nothing after the handshake under the key */
	SSL_CTX_set_options(p->sctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_keylog_callback(p->sctx, keylog);
	SSL_CTX_use_certificate(p->sctx, cert);
	SSL_CTX_use_PrivateKey(p->sctx, pkey);
	p->srv = SSL_new(p->sctx);
	p->cli = SSL_new(p->cctx);
	p->s_in = BIO_new(BIO_s_mem());
	p->s_out = BIO_new(BIO_s_mem());
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	SSL_set_bio(p->srv, p->s_in, p->s_out);
	SSL_set_bio(p->cli, p->c_in, p->c_out);
	SSL_set_accept_state(p->srv);
	SSL_set_connect_state(p->cli);
	srv_secret_len = 0;
	bool sdone = false, cdone = false;
	for (int round = 0; round < 20 && !(sdone && cdone); round++) {
		if (!cdone)
			cdone = SSL_do_handshake(p->cli) == 1;
		shuttle(p->c_out, p->s_in);
		if (!sdone)
			sdone = SSL_do_handshake(p->srv) == 1;
		shuttle(p->s_out, p->c_in);
	}
	return sdone && cdone;
}

static void pair_free(struct pair *p)
{
	SSL_free(p->srv);
	SSL_free(p->cli);
	SSL_CTX_free(p->sctx);
	SSL_CTX_free(p->cctx);
}

/* TLS 1.2 (RFC 5246 6.3): key_block = PRF(master, "key expansion", server_random +
 * client_random): client key, server key, client IV, server IV (AEAD: no MAC keys). */
static bool tls12_server_key(SSL *srv, uint8_t cipher, struct tls_key *k)
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

struct out {
	uint8_t *buf;
	size_t len, cap;
};

static uint8_t *out_room(struct out *o, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2;
		o->buf = realloc(o->buf, o->cap);
	}
	uint8_t *p = o->buf + o->len;
	o->len += n;
	return p;
}

/* A host-sealed record (header, KeyUpdate, alert). */
static void host_record(struct out *o, struct tls_sealer *s, uint64_t seq, uint8_t type,
			const void *data, size_t len)
{
	struct iovec iov = {(void *)data, len};
	uint8_t *p = out_room(o, len + TLS_REC_OVERHEAD_MAX);
	int n = tls_seal_record(s, seq, type, &iov, 1, p, NULL);
	CHECK(n > 0);
	o->len -= len + TLS_REC_OVERHEAD_MAX - (size_t)(n > 0 ? n : 0);
}

/* A NIC-sealed body: its stream cut and retransmitted at random. Returns the records used. */
static uint64_t nic_body(struct out *o, struct tls_sealer *s, uint16_t ver, uint8_t cipher,
			 uint64_t seq, uint64_t off, uint64_t len, uint32_t rs, uint8_t align)
{
	struct tls_layout l;
	CHECK(tls_layout_init(&l, ver, cipher, align, rs, off, len) == 0);
	uint8_t *p = out_room(o, l.stream_len);
	CHECK(check_cut_stream(s, &l, seq, file, 1 + (uint32_t)(check_rnd(&rng) % 4000), &rng,
			       p) == 0);
	return l.nrec;
}

/* Feed the stream to the client in random chunks; read everything it returns. */
static size_t client_read(SSL *cli, BIO *c_in, const uint8_t *stream, size_t len,
			  uint8_t *plain, size_t cap, bool *closed)
{
	size_t fed = 0, got = 0;
	*closed = false;
	while (fed < len || BIO_ctrl_pending(c_in)) {
		if (fed < len) {
			size_t n = 1 + check_rnd(&rng) % 9000;
			if (n > len - fed)
				n = len - fed;
			BIO_write(c_in, stream + fed, (int)n);
			fed += n;
		}
		for (;;) {
			int r = SSL_read(cli, plain + got, (int)(cap - got < 65536 ? cap - got : 65536));
			if (r > 0) {
				got += (size_t)r;
				continue;
			}
			int e = SSL_get_error(cli, r);
			if (e == SSL_ERROR_ZERO_RETURN)
				*closed = true;
			else if (e != SSL_ERROR_WANT_READ)
				return (size_t)-1;
			break;
		}
		if (*closed)
			break;
	}
	return got;
}

static void run(uint16_t ver, uint8_t cipher, EVP_PKEY *pkey, X509 *cert, bool corrupt)
{
	struct pair p = {0};
	struct tls_key k;
	uint64_t seq;
	bool ok = handshake(&p, ver, cipher, pkey, cert);
	CHECK(ok);
	if (!ok) {
		ERR_print_errors_fp(stderr);
		pair_free(&p);
		return;
	}
	if (ver == TLS_VERSION_13) {
		CHECK(srv_secret_len > 0);
		CHECK(tls13_traffic_key(cipher, srv_secret, srv_secret_len, &k) == 0);
		seq = 0;
	} else {
		CHECK(tls12_server_key(p.srv, cipher, &k));
		seq = 1; /* the server's Finished was record 0 under this key */
	}
	struct tls_sealer *s = tls_sealer_new(&k);
	CHECK(s != NULL);
	if (!s) {
		pair_free(&p);
		return;
	}
	struct out o = {0};
	static uint8_t expect[2 * sizeof(file)], got[2 * sizeof(file)];
	size_t elen = 0;
	static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Length: 300007\r\n\r\n";

	host_record(&o, s, seq++, TLS_CT_APPLICATION_DATA, hdr, sizeof(hdr) - 1);
	memcpy(expect, hdr, sizeof(hdr) - 1);
	elen = sizeof(hdr) - 1;
	size_t corrupt_at = 0;
	seq += nic_body(&o, s, ver, cipher, seq, 5, 300007, 16384, TLS_ALIGN_FILE);
	memcpy(expect + elen, file + 5, 300007);
	elen += 300007;
	if (corrupt)
		corrupt_at = o.len - 20000 - check_rnd(&rng) % 100000;
	if (ver == TLS_VERSION_13) {
		/* KeyUpdate(update_not_requested) under the old key, then the next epoch */
		static const uint8_t ku[] = {24, 0, 0, 1, 0};
		host_record(&o, s, seq++, TLS_CT_HANDSHAKE, ku, sizeof(ku));
		uint8_t next[TLS13_SECRET_MAX];
		CHECK(tls13_next_traffic_secret(cipher, srv_secret, srv_secret_len, next) == 0);
		struct tls_key k1;
		CHECK(tls13_traffic_key(cipher, next, srv_secret_len, &k1) == 0);
		CHECK(memcmp(k1.key, k.key, k.key_len) != 0);
		tls_sealer_free(s);
		s = tls_sealer_new(&k1);
		seq = 0;
		seq += nic_body(&o, s, ver, cipher, seq, 1000, 200000, 4096, TLS_ALIGN_BODY);
		memcpy(expect + elen, file + 1000, 200000);
		elen += 200000;
	} else {
		static const uint8_t close_notify[] = {1, 0};
		host_record(&o, s, seq++, TLS_CT_ALERT, close_notify, sizeof(close_notify));
	}
	if (corrupt)
		o.buf[corrupt_at] ^= 0x40;
	bool closed;
	size_t n = client_read(p.cli, p.c_in, o.buf, o.len, got, sizeof(got), &closed);
	if (corrupt) {
		CHECK(n == (size_t)-1 || n < elen);
	} else {
		CHECK_EQ_U64(n, elen);
		CHECK(n == elen && memcmp(got, expect, elen) == 0);
		CHECK(closed == (ver == TLS_VERSION_12));
		if (n != elen)
			ERR_print_errors_fp(stderr);
	}
	ERR_clear_error();
	free(o.buf);
	tls_sealer_free(s);
	pair_free(&p);
}

int main(void)
{
	EVP_PKEY *pkey;
	X509 *cert;
	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(check_rnd(&rng) >> 29);
	if (!make_cert(&pkey, &cert))
		TEST_SKIP("cannot make a test certificate with this OpenSSL");
	static const uint16_t vers[] = {TLS_VERSION_13, TLS_VERSION_12};
	for (int v = 0; v < 2; v++)
		for (uint8_t c = TLS_CIPHER_AES_128_GCM; c <= TLS_CIPHER_AES_256_GCM; c++) {
			for (int r = 0; r < 3; r++)
				run(vers[v], c, pkey, cert, false);
			run(vers[v], c, pkey, cert, true);
		}
	EVP_PKEY_free(pkey);
	X509_free(cert);
	CHECK_DONE();
}
