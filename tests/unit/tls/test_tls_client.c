/* SPDX-License-Identifier: BSD-2-Clause */
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
#include "tls_peer.h"

static uint8_t file[600000];
static uint64_t rng = 0x243f6a8885a308d3ull;

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
	p->sctx = peer_ctx(true, ver, cipher, pkey, cert);
	p->cctx = peer_ctx(false, ver, cipher, NULL, NULL);
	if (!p->sctx || !p->cctx)
		return false;
	p->srv = peer_ssl(p->sctx, true, &p->s_in, &p->s_out);
	p->cli = peer_ssl(p->cctx, false, &p->c_in, &p->c_out);
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
	CHECK(check_cut_stream(s, &l, seq, file, 1 + (uint32_t)(check_rnd(&rng) % 4000), &rng, p) ==
	      0);
	return l.nrec;
}

/* Feed the stream to the client in random chunks; read everything it returns. */
static size_t client_read(SSL *cli, BIO *c_in, const uint8_t *stream, size_t len, uint8_t *plain,
			  size_t cap, bool *closed)
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
			int r = SSL_read(cli, plain + got,
					 (int)(cap - got < 65536 ? cap - got : 65536));
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
	CHECK(peer_server_key(p.srv, ver, cipher, &k, &seq));
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
		CHECK(tls13_next_traffic_secret(cipher, peer_secret, peer_secret_len, next) == 0);
		struct tls_key k1;
		CHECK(tls13_traffic_key(cipher, next, peer_secret_len, &k1) == 0);
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

static EVP_PKEY *pkey;
static X509 *cert;
static const uint16_t vers[] = {TLS_VERSION_13, TLS_VERSION_12};

/* OpenSSL's client reads our records (three runs per suite): TLS 1.3 and 1.2, both ciphers. */
static void test_client_reads_our_records(void)
{
	for (int v = 0; v < 2; v++)
		for (uint8_t c = TLS_CIPHER_AES_128_GCM; c <= TLS_CIPHER_AES_256_GCM; c++)
			for (int r = 0; r < 3; r++)
				run(vers[v], c, pkey, cert, false);
}

/* A corrupted record: the client refuses it, for every suite. */
static void test_client_refuses_corrupt_record(void)
{
	for (int v = 0; v < 2; v++)
		for (uint8_t c = TLS_CIPHER_AES_128_GCM; c <= TLS_CIPHER_AES_256_GCM; c++)
			run(vers[v], c, pkey, cert, true);
}

int main(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(check_rnd(&rng) >> 29);
	if (!peer_make_cert(&pkey, &cert))
		TEST_SKIP("cannot make a test certificate with this OpenSSL");
	RUN_INIT(argc, argv);
	RUN(test_client_reads_our_records);
	RUN(test_client_refuses_corrupt_record);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	RUN_DONE();
}
