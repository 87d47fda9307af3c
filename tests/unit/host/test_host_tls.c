/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS on host sockets (iotcp_tls_*), against the REAL NIC engine (test_nic.h) and an OpenSSL
 * client on a peer host context, all on in-memory links:
 *   - TLS 1.3 and 1.2 with AES-128-GCM and AES-256-GCM: handshake, ALPN http/1.1, SNI, the key
 *     hand-off; a request read; a response of host-sealed header, NIC-sealed file bodies (an
 *     unaligned Range, a whole file, a continued body) and host-sealed bytes, decrypted
 *     byte-exact by the client; close_notify at close;
 *   - a client KeyUpdate (update_requested) answered, later records under the new key;
 *   - the server's own KeyUpdates at a tiny usage limit, bodies spanning several key epochs;
 *   - session resumption (1.3 and 1.2 tickets);
 *   - no key hand-off: OpenSSL seals host writes, offload writes fail with EOPNOTSUPP;
 *   - TLS_KEY lost once (re-sent after ERROR(tls_no_key)), and always (connection reset);
 *   - malformed handshakes: plaintext HTTP, a truncated ClientHello, TLS 1.1 only, a client
 *     that stalls (handshake timeout): the server fails the socket, alerts, closes with a FIN;
 *   - and in every case: no file byte and no host plaintext ever crosses the wire (every frame
 *     to the client is searched for pieces of them). */
#define _GNU_SOURCE
#include "../check.h"
#include "harness.h"
#include "host/offload_types.h"
#include "nic_bed.h"
#include "proto/offload.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>

static const struct mac_addr MAC_NIC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x4e}};

#define BODY_LEN 300000u
#define PORT	 443

struct bed {
	union {
		struct nic_bed nb;
		struct {
			NIC_BED_MEMBERS
		};
	};
	int lsd;
	uint8_t body[BODY_LEN];
	char cert[64], key[64];
	uint64_t wire_frames, leaks;
	int drop_keys; /* drop host->NIC frames carrying TLS_KEY: 0 no, 1 once, -1 always */
};

static struct bed B;

/* ---- the bed ---- */

static const char secret_text[] = "host-plaintext-marker:0123456789abcdef";

/* Pieces of the file and of the host's plaintext must never be seen on the wire (the bed's
 * tap: the frames the NIC sends to the client). */
static void scan_wire(struct nic_bed *nb, const uint8_t *f, size_t len)
{
	static const size_t offs[] = {0, 999, 1000, 16383, 20000, 100000, 150001, 299000};
	struct bed *b = (struct bed *)nb; /* nb is the first member of b */
	b->wire_frames++;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (memmem(f, len, b->body + offs[i], 16))
			b->leaks++;
	if (memmem(f, len, secret_text, 16))
		b->leaks++;
}

static uint64_t keys_started;		    /* TLS_KEYs of epochs after a KeyUpdate (with START) */
static uint8_t seen_key[PROTO_TLS_KEY_MAX]; /* the key of the last TLS_KEY the NIC got */
static uint8_t seen_key_len;
static struct host_link *host_link_;	 /* the host's end of the NIC link */
static uint64_t keys_checked, keys_left; /* TLS_KEYs received; ... still in a host buffer */

/* The frame carries a TLS_KEY; every key of a later epoch has START (the NIC keeps older
 * epochs until ACKD passes start_seq). */
static bool has_tls_key(const uint8_t *p, size_t len)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_tls_key k;
	bool found = false;
	if (proto_frame_open(&it, p, len) != 0)
		return false;
	while (proto_next(&it, &cmd) > 0) {
		if (cmd.type != PROTO_T_TLS_KEY)
			continue;
		found = true;
		CHECK(proto_tls_key_decode(&cmd, &k) == 0);
		memcpy(seen_key, k.key, sizeof(seen_key));
		seen_key_len = k.key_len;
		/* the host sent it: no buffer of its link may still hold the key */
		keys_checked++;
		keys_left += link_mem_find(host_link_, k.key, k.key_len) > 0;
		CHECK(k.epoch == 0 || (k.flags & PROTO_TLS_KEY_F_START));
		keys_started += k.epoch > 0;
	}
	return found;
}

static bool drop_cmd(void *arg, uint16_t first, const uint8_t *p, size_t len, bool to_host)
{
	struct bed *b = arg;
	(void)first;
	if (to_host || !has_tls_key(p, len) || !b->drop_keys)
		return false;
	if (b->drop_keys > 0)
		b->drop_keys = 0;
	return true;
}

static void pump(struct bed *b)
{
	nic_bed_pump(&b->nb);
}

static bool write_cert(struct bed *b)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *f;
	bool ok = false;

	snprintf(b->cert, sizeof(b->cert), "/tmp/iotcp-tls-test-%d.crt", (int)getpid());
	snprintf(b->key, sizeof(b->key), "/tmp/iotcp-tls-test-%d.key", (int)getpid());
	if (!k || !x)
		goto out;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"iotcp-test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (!X509_sign(x, k, EVP_sha256()))
		goto out;
	if (!(f = fopen(b->cert, "w")))
		goto out;
	ok = PEM_write_X509(f, x) == 1;
	fclose(f);
	if (!(f = fopen(b->key, "w")))
		goto out;
	ok = ok && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
	fclose(f);
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return ok;
}

static bool bed_open(struct bed *b)
{
	for (size_t i = 0; i < BODY_LEN; i++)
		b->body[i] = (uint8_t)(i * 7 + (i >> 10) * 13 + (i >> 16));
	b->tap = scan_wire;
	b->idle_us = 50;
	if (!write_cert(b) || !nic_bed_links(&b->nb, &MAC_NIC, "body.bin", b->body, BODY_LEN))
		return false;
	b->nic->caps = PROTO_CAP_TLS;
	b->nic->drop = drop_cmd;
	host_link_ = b->lh;
	if (!nic_bed_contexts(&b->nb, 31, 32))
		return false;
	b->lsd = iotcp_socket(b->host, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = sin_of(0, PORT);
	return host_nic_up(b->host) &&
	       iotcp_bind(b->host, b->lsd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	       iotcp_listen(b->host, b->lsd, 16) == 0;
}

static void bed_close(struct bed *b)
{
	static const char *const names[] = {"body.bin", NULL};
	nic_bed_close(&b->nb, names);
	unlink(b->cert);
	unlink(b->key);
}

static struct iotcp_tls_ctx *server_tls(struct bed *b, uint64_t key_limit, unsigned hs_ms,
					bool no_handoff)
{
	struct iotcp_tls_config c;
	iotcp_tls_config_default(&c);
	c.cert_file = b->cert;
	c.key_file = b->key;
	c.key_update_records = key_limit;
	c.handshake_timeout_ms = hs_ms;
	c.no_key_handoff = no_handoff;
	struct iotcp_tls_ctx *t = iotcp_tls_ctx_new(b->host, &c);
	CHECK(t != NULL);
	return t;
}

/* ---- an OpenSSL client over a client socket (memory BIOs pumped to iotcp) ---- */

struct tcl {
	SSL *ssl;
	BIO *rb, *wb; /* network side: what arrived, what to send */
	int cs, hs;   /* client socket, the server's accepted socket */
	bool eof, err;
};

static void tcl_pump(struct bed *b, struct tcl *t)
{
	uint8_t buf[16384];
	int n;

	while ((n = BIO_read(t->wb, buf, sizeof(buf))) > 0) {
		const uint8_t *p = buf;
		for (int i = 0; n > 0 && i < 100000; i++) {
			ssize_t w = iotcp_write(b->client, t->cs, p, (size_t)n);
			if (w > 0) {
				p += w;
				n -= (int)w;
			} else if (w < 0 && errno != EAGAIN) {
				t->err = true;
				return;
			} else {
				pump(b);
			}
		}
	}
	for (;;) {
		ssize_t r = iotcp_read(b->client, t->cs, buf, sizeof(buf));
		if (r > 0) {
			BIO_write(t->rb, buf, (int)r);
			continue;
		}
		if (r == 0 && !t->eof) {
			t->eof = true;
			BIO_set_mem_eof_return(t->rb, 0);
		} else if (r < 0 && errno != EAGAIN) {
			t->err = true;
		}
		break;
	}
	pump(b);
}

/* TCP connection to the server (accepted and made TLS there), OpenSSL client ready. */
static bool tcl_connect(struct bed *b, struct tcl *t, SSL_CTX *cc, struct iotcp_tls_ctx *st)
{
	struct sockaddr_in to = sin_of(IP_A, PORT);

	memset(t, 0, sizeof(*t));
	t->cs = iotcp_socket(b->client, AF_INET, SOCK_STREAM, 0);
	iotcp_connect(b->client, t->cs, (struct sockaddr *)&to, sizeof(to));
	t->hs = -1;
	for (int i = 0; i < 20000 && t->hs < 0; i++) {
		t->hs = iotcp_accept(b->host, b->lsd, NULL, NULL);
		if (t->hs < 0)
			pump(b);
	}
	if (t->hs < 0)
		return false;
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = t->hs};
	CHECK(iotcp_epoll_ctl(b->host, b->eph, EPOLL_CTL_ADD, t->hs, &ev) == 0);
	CHECK(iotcp_tls_accept(b->host, t->hs, st) == 0);
	CHECK(iotcp_tls_accept(b->host, t->hs, st) == -1 && errno == EALREADY);
	if (!cc)
		return true;
	t->ssl = SSL_new(cc);
	t->rb = BIO_new(BIO_s_mem());
	t->wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(t->rb, -1);
	SSL_set_bio(t->ssl, t->rb, t->wb);
	SSL_set_connect_state(t->ssl);
	SSL_set_tlsext_host_name(t->ssl, "example.test");
	return true;
}

static bool tcl_handshake(struct bed *b, struct tcl *t)
{
	for (int i = 0; i < 20000; i++) {
		ERR_clear_error();
		int rc = SSL_do_handshake(t->ssl);
		if (rc == 1) {
			tcl_pump(b, t); /* the client's Finished */
			return true;
		}
		int e = SSL_get_error(t->ssl, rc);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return false;
		tcl_pump(b, t);
		if (t->err || t->eof) {
			SSL_do_handshake(t->ssl);
			return false;
		}
	}
	return false;
}

/* Read exactly len plaintext bytes. */
static bool tcl_read_n(struct bed *b, struct tcl *t, uint8_t *out, size_t len)
{
	size_t got = 0;
	uint64_t end = mono_ns() + 20000000000ull;
	while (got < len && mono_ns() < end) {
		size_t n = 0;
		ERR_clear_error();
		int rc = SSL_read_ex(t->ssl, out + got, len - got, &n);
		if (rc == 1) {
			got += n;
			continue;
		}
		int e = SSL_get_error(t->ssl, rc);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
		tcl_pump(b, t);
		if (t->err)
			break;
	}
	return got == len;
}

static void tcl_write(struct bed *b, struct tcl *t, const void *p, size_t len)
{
	size_t w = 0;
	CHECK(SSL_write_ex(t->ssl, p, len, &w) == 1 && w == len);
	tcl_pump(b, t);
}

static void tcl_free(struct bed *b, struct tcl *t)
{
	if (t->ssl && SSL_is_init_finished(t->ssl))
		SSL_shutdown(t->ssl); /* a session ended without close_notify is not resumable */
	SSL_free(t->ssl);
	iotcp_close(b->client, t->cs);
	for (int i = 0; i < 200; i++)
		pump(b);
}

static SSL_CTX *client_ctx(int version, const char *suite)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(c, version);
	SSL_CTX_set_max_proto_version(c, version);
	if (version == TLS1_3_VERSION)
		SSL_CTX_set_ciphersuites(c, suite);
	else
		SSL_CTX_set_cipher_list(c, suite);
	static const unsigned char alpn[] = "\x02h2\x08http/1.1";
	SSL_CTX_set_alpn_protos(c, alpn, sizeof(alpn) - 1);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT);
	return c;
}

/* ---- server side helpers ---- */

static int open_wait(struct bed *b, int hs, const char *path)
{
	int fid = iotcp_offload_open(b->host, hs, path);
	CHECK(fid >= 0);
	struct stat st;
	for (int i = 0; i < 20000 && iotcp_offload_fstat(b->host, fid, &st) < 0 &&
			errno == EINPROGRESS;
	     i++)
		pump(b);
	return fid;
}

static void srv_write_all(struct bed *b, int hs, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	for (int i = 0; i < 200000 && len; i++) {
		ssize_t r = iotcp_write(b->host, hs, p, len);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
		} else {
			CHECK(errno == EAGAIN);
			if (errno != EAGAIN)
				break;
			pump(b);
		}
	}
	CHECK(len == 0);
}

/* Queue [off, off + len) of fid; returns -1 with errno at the first error other than EAGAIN. */
static int srv_offload(struct bed *b, int hs, int fid, off_t off, size_t len, struct tcl *t)
{
	off_t end = off + (off_t)len;
	for (int i = 0; i < 400000 && off < end; i++) {
		ssize_t r = iotcp_offload_write(b->host, hs, fid, &off, (size_t)(end - off));
		if (r < 0) {
			if (errno != EAGAIN)
				return -1;
			if (t) /* the client must read for the window to open */
				tcl_pump(b, t);
			else
				pump(b);
		}
	}
	CHECK(off == end);
	return 0;
}

/* The server reads what the client sent. */
static bool srv_read_n(struct bed *b, int hs, char *out, size_t len, struct tcl *t)
{
	size_t got = 0;
	for (int i = 0; i < 20000 && got < len; i++) {
		ssize_t r = iotcp_read(b->host, hs, out + got, len - got);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			return false;
		else
			tcl_pump(b, t);
	}
	return got == len;
}

/* A response read in full by the client while the server queues it (the client's reads
 * open the window). */
struct resp {
	const char *head;
	off_t off1;
	size_t len1; /* first body range */
	off_t off2;
	size_t len2; /* second, or 0 */
	bool copy2;  /* the second range written by the host (copy mode) */
};

static void exchange(struct bed *b, struct tcl *t, const struct resp *r)
{
	static uint8_t want[2 * BODY_LEN + 1024], got[2 * BODY_LEN + 1024];
	static const char req[] = "GET /body.bin HTTP/1.1\r\nHost: x\r\n\r\n";
	char rq[sizeof(req)];
	size_t n = 0, hl = strlen(r->head);

	tcl_write(b, t, req, sizeof(req) - 1);
	CHECK(srv_read_n(b, t->hs, rq, sizeof(req) - 1, t));
	CHECK(memcmp(rq, req, sizeof(req) - 1) == 0);
	int fid = open_wait(b, t->hs, "body.bin");
	srv_write_all(b, t->hs, r->head, hl);
	memcpy(want, r->head, hl);
	n = hl;
	CHECK(srv_offload(b, t->hs, fid, r->off1, r->len1, t) == 0);
	memcpy(want + n, b->body + r->off1, r->len1);
	n += r->len1;
	if (r->len2) {
		if (r->copy2)
			srv_write_all(b, t->hs, b->body + r->off2, r->len2);
		else
			CHECK(srv_offload(b, t->hs, fid, r->off2, r->len2, t) == 0);
		memcpy(want + n, b->body + r->off2, r->len2);
		n += r->len2;
	}
	memcpy(want + n, secret_text, sizeof(secret_text) - 1);
	srv_write_all(b, t->hs, secret_text, sizeof(secret_text) - 1);
	n += sizeof(secret_text) - 1;
	CHECK(tcl_read_n(b, t, got, n));
	CHECK(memcmp(got, want, n) == 0);
	iotcp_offload_close(b->host, fid);
}

/* ---- the cases ---- */

static void test_versions(struct bed *b, struct iotcp_tls_ctx *st)
{
	static const struct {
		int version;
		const char *suite, *name;
		uint16_t wire;
	} v[] = {
	    {TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", 0x0304},
	    {TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", 0x0304},
	    {TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
	     0x0303},
	    {TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384",
	     0x0303},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		SSL_CTX *cc = client_ctx(v[i].version, v[i].suite);
		struct tcl t;
		struct iotcp_tls_info in;
		CHECK(tcl_connect(b, &t, cc, st));
		CHECK(iotcp_tls_get_info(b->host, t.hs, &in) == 0 && in.state == IOTCP_TLS_HANDSHAKE);
		CHECK(iotcp_write(b->host, t.hs, "x", 1) == -1 && errno == EAGAIN);
		CHECK(tcl_handshake(b, &t));
		const unsigned char *alpn;
		unsigned alen;
		SSL_get0_alpn_selected(t.ssl, &alpn, &alen);
		CHECK(alen == 8 && memcmp(alpn, "http/1.1", 8) == 0);
		struct resp r = {.head = "HTTP/1.1 200 OK\r\n\r\n",
				 .off1 = 1000, .len1 = 200000, /* unaligned start */
				 .off2 = 0, .len2 = BODY_LEN};
		exchange(b, &t, &r);
		/* a body continued by a second write (record-aligned) and a copy-mode range */
		struct resp r2 = {.head = "HTTP/1.1 206\r\n\r\n", .off1 = 16384, .len1 = 32768,
				  .off2 = 5, .len2 = 100000, .copy2 = true};
		exchange(b, &t, &r2);
		CHECK(iotcp_tls_get_info(b->host, t.hs, &in) == 0);
		CHECK(in.state == IOTCP_TLS_OPEN && in.version == v[i].wire);
		CHECK(strcmp(in.cipher, v[i].name) == 0);
		CHECK(strcmp(in.alpn, "http/1.1") == 0 && strcmp(in.sni, "example.test") == 0);
		CHECK(in.key_handoff && in.offload && in.records_nic >= 30 && in.records_host >= 4);
		/* close: close_notify, then FIN */
		CHECK(iotcp_close(b->host, t.hs) == 0);
		uint8_t c;
		CHECK(!tcl_read_n(b, &t, &c, 1));
		CHECK(SSL_get_shutdown(t.ssl) & SSL_RECEIVED_SHUTDOWN);
		tcl_free(b, &t);
		SSL_CTX_free(cc);
	}
	CHECK(counter(b->host, "host_tls_handshakes") >= 4);
	CHECK_EQ_U64(counter(b->host, "host_tls_handoffs_refused"), 0);
	CHECK_EQ_U64(counter(b->host, "host_offload_err_tls_no_key"), 0);
	CHECK_EQ_U64(counter(b->host, "host_offload_err_tls_seq"), 0);
}

static void test_client_key_update(struct bed *b, struct iotcp_tls_ctx *st)
{
	SSL_CTX *cc = client_ctx(TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384");
	struct tcl t;
	struct iotcp_tls_info in;
	uint64_t before = counter(b->host, "host_tls_key_updates");
	CHECK(tcl_connect(b, &t, cc, st) && tcl_handshake(b, &t));
	struct resp r = {.head = "A\r\n", .off1 = 0, .len1 = 50000};
	exchange(b, &t, &r);
	CHECK(SSL_key_update(t.ssl, SSL_KEY_UPDATE_REQUESTED) == 1);
	exchange(b, &t, &r); /* the request carries the KeyUpdate; our answer precedes the body */
	exchange(b, &t, &r);
	CHECK(iotcp_tls_get_info(b->host, t.hs, &in) == 0 && in.key_epoch == 1);
	CHECK_EQ_U64(counter(b->host, "host_tls_key_updates"), before + 1);
	/* and one asked for by the application */
	CHECK(iotcp_tls_key_update(b->host, t.hs) == 0);
	exchange(b, &t, &r);
	CHECK(iotcp_tls_get_info(b->host, t.hs, &in) == 0 && in.key_epoch == 2);
	iotcp_close(b->host, t.hs);
	tcl_free(b, &t);
	SSL_CTX_free(cc);
}

static void test_key_limit(struct bed *b)
{
	struct iotcp_tls_ctx *st = server_tls(b, 6, 0, false);
	for (int v = 0; v < 2; v++) {
		SSL_CTX *cc = client_ctx(v ? TLS1_2_VERSION : TLS1_3_VERSION,
					 v ? "ECDHE-ECDSA-AES128-GCM-SHA256" : "TLS_AES_128_GCM_SHA256");
		struct tcl t;
		struct iotcp_tls_info in;
		CHECK(tcl_connect(b, &t, cc, st) && tcl_handshake(b, &t));
		if (!v) {
			struct resp r = {.head = "B\r\n", .off1 = 3, .len1 = BODY_LEN - 3,
					 .off2 = 0, .len2 = 70000, .copy2 = true};
			exchange(b, &t, &r);
			CHECK(iotcp_tls_get_info(b->host, t.hs, &in) == 0);
			/* 1 + 19 + 5 + 1 records and 2 tickets, at most 5 per key */
			CHECK(in.key_epoch >= 5);
		} else {
			/* TLS 1.2 has no KeyUpdate: past the limit, writes fail */
			int fid = open_wait(b, t.hs, "body.bin");
			CHECK(srv_offload(b, t.hs, fid, 0, BODY_LEN, &t) == -1 &&
			      errno == EKEYEXPIRED);
			iotcp_offload_close(b->host, fid);
		}
		iotcp_close(b->host, t.hs);
		tcl_free(b, &t);
		SSL_CTX_free(cc);
	}
	iotcp_tls_ctx_free(st);
}

static void test_resumption(struct bed *b, struct iotcp_tls_ctx *st)
{
	static const int versions[] = {TLS1_3_VERSION, TLS1_2_VERSION};
	for (int i = 0; i < 2; i++) {
		SSL_CTX *cc = client_ctx(versions[i], i ? "ECDHE-ECDSA-AES128-GCM-SHA256"
							: "TLS_AES_128_GCM_SHA256");
		struct tcl t;
		struct iotcp_tls_info in;
		struct resp r = {.head = "C\r\n", .off1 = 0, .len1 = 20000};
		CHECK(tcl_connect(b, &t, cc, st) && tcl_handshake(b, &t));
		exchange(b, &t, &r); /* the client has read the tickets */
		SSL_SESSION *sess = SSL_get1_session(t.ssl);
		CHECK(sess != NULL);
		iotcp_close(b->host, t.hs);
		tcl_free(b, &t);
		CHECK(tcl_connect(b, &t, cc, st));
		SSL_set_session(t.ssl, sess);
		CHECK(tcl_handshake(b, &t));
		CHECK(SSL_session_reused(t.ssl) == 1);
		exchange(b, &t, &r);
		CHECK(iotcp_tls_get_info(b->host, t.hs, &in) == 0 && in.resumed && in.offload);
		iotcp_close(b->host, t.hs);
		tcl_free(b, &t);
		SSL_SESSION_free(sess);
		SSL_CTX_free(cc);
	}
	CHECK(counter(b->host, "host_tls_resumed") >= 2);
}

static void test_no_handoff(struct bed *b)
{
	static uint8_t got[100000];
	struct iotcp_tls_ctx *st = server_tls(b, 0, 0, true);
	SSL_CTX *cc = client_ctx(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
	struct tcl t;
	struct iotcp_tls_info in;
	CHECK(tcl_connect(b, &t, cc, st) && tcl_handshake(b, &t));
	CHECK(iotcp_tls_get_info(b->host, t.hs, &in) == 0 && !in.key_handoff && !in.offload);
	int fid = open_wait(b, t.hs, "body.bin");
	off_t off = 0;
	ssize_t ow;
	for (int i = 0; i < 20000; i++) { /* until the server has the client's Finished */
		ow = iotcp_offload_write(b->host, t.hs, fid, &off, 1000);
		if (ow >= 0 || errno != EAGAIN)
			break;
		pump(b);
	}
	CHECK(ow == -1 && errno == EOPNOTSUPP);
	CHECK(off == 0);
	/* OpenSSL seals what the host writes */
	srv_write_all(b, t.hs, b->body, sizeof(got));
	CHECK(tcl_read_n(b, &t, got, sizeof(got)) && memcmp(got, b->body, sizeof(got)) == 0);
	iotcp_offload_close(b->host, fid);
	iotcp_close(b->host, t.hs);
	tcl_free(b, &t);
	SSL_CTX_free(cc);
	iotcp_tls_ctx_free(st);
	CHECK(counter(b->host, "host_tls_handoffs_refused") >= 1);
}

static void test_key_lost(struct bed *b, struct iotcp_tls_ctx *st)
{
	SSL_CTX *cc = client_ctx(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
	struct tcl t;
	uint64_t rekeys = counter(b->host, "host_tls_rekeys");

	/* lost once: ERROR(tls_no_key), the key again, the SEND again */
	CHECK(tcl_connect(b, &t, cc, st) && tcl_handshake(b, &t));
	b->drop_keys = 1;
	struct resp r = {.head = "D\r\n", .off1 = 0, .len1 = 100000};
	exchange(b, &t, &r);
	CHECK(counter(b->host, "host_tls_rekeys") > rekeys);
	CHECK(counter(b->host, "host_offload_err_tls_no_key") >= 1);
	iotcp_close(b->host, t.hs);
	tcl_free(b, &t);

	/* lost for good: the connection is reset, no byte of the body leaves */
	CHECK(tcl_connect(b, &t, cc, st) && tcl_handshake(b, &t));
	b->drop_keys = -1;
	int fid = open_wait(b, t.hs, "body.bin");
	srv_offload(b, t.hs, fid, 0, 50000, &t);
	uint8_t buf[64];
	CHECK(!tcl_read_n(b, &t, buf, sizeof(buf)));
	CHECK(t.err || t.eof);
	b->drop_keys = 0;
	iotcp_offload_close(b->host, fid);
	iotcp_close(b->host, t.hs);
	tcl_free(b, &t);
	SSL_CTX_free(cc);
}

/* The server socket fails with err; the client gets an alert (if any) and a FIN, not a RST. */
static void expect_failure(struct bed *b, struct tcl *t, int err)
{
	char c;
	int rc = -1;
	for (int i = 0; i < 20000; i++) {
		rc = (int)iotcp_read(b->host, t->hs, &c, 1);
		if (rc >= 0 || errno != EAGAIN)
			break;
		pump(b);
	}
	CHECK(rc == -1 && errno == err);
	struct iotcp_tls_info in;
	CHECK(iotcp_tls_get_info(b->host, t->hs, &in) == 0 && in.state == IOTCP_TLS_FAILED);
	struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* as iotcp-httpd closes on errors */
	iotcp_setsockopt(b->host, t->hs, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	iotcp_close(b->host, t->hs);
	uint8_t buf[256];
	ssize_t r = 1;
	for (int i = 0; i < 20000 && r != 0; i++) {
		r = iotcp_read(b->client, t->cs, buf, sizeof(buf));
		if (r < 0) {
			CHECK(errno == EAGAIN); /* never ECONNRESET */
			if (errno != EAGAIN)
				break;
			pump(b);
		}
	}
	CHECK(r == 0);
}

static void test_malformed(struct bed *b)
{
	struct iotcp_tls_ctx *st = server_tls(b, 0, 300, false);
	struct tcl t;
	uint64_t fails = counter(b->host, "host_tls_handshake_failures");

	/* plaintext HTTP on the TLS port */
	CHECK(tcl_connect(b, &t, NULL, st));
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	CHECK(iotcp_write(b->client, t.cs, http, sizeof(http) - 1) > 0);
	expect_failure(b, &t, EPROTO);
	iotcp_close(b->client, t.cs);

	/* garbage that looks like a record header */
	CHECK(tcl_connect(b, &t, NULL, st));
	static const uint8_t junk[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff};
	CHECK(iotcp_write(b->client, t.cs, junk, sizeof(junk)) > 0);
	expect_failure(b, &t, EPROTO);
	iotcp_close(b->client, t.cs);

	/* a truncated ClientHello, then the client closes */
	SSL_CTX *cc = client_ctx(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
	CHECK(tcl_connect(b, &t, cc, st));
	SSL_do_handshake(t.ssl);
	uint8_t ch[4096];
	int n = BIO_read(t.wb, ch, sizeof(ch));
	CHECK(n > 100);
	CHECK(iotcp_write(b->client, t.cs, ch, 60) == 60);
	iotcp_shutdown(b->client, t.cs, SHUT_WR);
	expect_failure(b, &t, ECONNRESET);
	tcl_free(b, &t);

	/* wrong version: a TLS 1.1 client gets protocol_version */
	SSL_CTX *old = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(old, TLS1_1_VERSION);
	SSL_CTX_set_max_proto_version(old, TLS1_1_VERSION);
	SSL_CTX_set_security_level(old, 0);
	CHECK(tcl_connect(b, &t, old, st));
	CHECK(!tcl_handshake(b, &t));
	unsigned long e = ERR_peek_last_error();
	CHECK(ERR_GET_REASON(e) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
	      ERR_GET_REASON(e) == SSL_R_UNSUPPORTED_PROTOCOL);
	ERR_clear_error();
	expect_failure(b, &t, EPROTO);
	tcl_free(b, &t);
	SSL_CTX_free(old);

	/* a client that stalls: the handshake times out (300 ms) */
	CHECK(tcl_connect(b, &t, cc, st));
	CHECK(iotcp_write(b->client, t.cs, ch, 60) == 60);
	uint64_t t0 = mono_ns();
	expect_failure(b, &t, ETIMEDOUT);
	CHECK(mono_ns() - t0 >= 200000000ull);
	tcl_free(b, &t);
	SSL_CTX_free(cc);

	CHECK(counter(b->host, "host_tls_handshake_failures") >= fails + 5);
	CHECK(counter(b->host, "host_tls_handshake_timeouts") >= 1);
	iotcp_tls_ctx_free(st);
}

static void pump_for(struct bed *b, uint64_t ms)
{
	uint64_t until = mono_ns() + ms * 1000000ull;
	while (mono_ns() < until)
		pump(b);
}

static uint64_t nic_tls_keys(struct bed *b)
{
	struct nic_engine_stats st;
	nic_engine_get_stats(b->nic->eng, &st);
	return st.tls.keys;
}

/* Keep-alive: several responses per connection on several connections. A connection's flow
 * stays while responses follow each other (HOST_OFF_TLS_IDLE): one TLS_KEY per connection and
 * key epoch, not per response, the record sequence going on across responses; after a longer
 * pause the flow ends (the NIC wipes the key) and the next body installs it again. */
static void test_keep_alive(struct bed *b, struct iotcp_tls_ctx *st)
{
	SSL_CTX *cc = client_ctx(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
	struct tcl t[3];
	struct resp r = {.head = "HTTP/1.1 200 OK\r\n\r\n", .off1 = 0, .len1 = BODY_LEN};
	struct resp small = {.head = "HTTP/1.1 206 Partial\r\n\r\n", .off1 = 5000, .len1 = 20000};
	uint64_t no_key = counter(b->host, "host_offload_err_tls_no_key");
	uint64_t aborted = counter(b->host, "host_offload_flows_aborted");
	uint64_t keys, nic_keys;

	for (int c = 0; c < 3; c++)
		CHECK(tcl_connect(b, &t[c], cc, st) && tcl_handshake(b, &t[c]));
	keys = counter(b->host, "host_tls_keys_sent");
	nic_keys = nic_tls_keys(b);
	for (int round = 0; round < 4; round++) {
		for (int c = 0; c < 3; c++)
			exchange(b, &t[c], round & 1 ? &small : &r);
		pump_for(b, 100); /* every byte acknowledged (delayed ACK: 40 ms): flows idle */
	}
	CHECK_EQ_U64(counter(b->host, "host_tls_keys_sent"), keys + 3);
	CHECK_EQ_U64(nic_tls_keys(b), nic_keys + 3); /* keys the NIC installed */
	/* a pause longer than HOST_OFF_TLS_IDLE: the flows end, the next bodies key again */
	pump_for(b, HOST_OFF_TLS_IDLE / TCP_MSEC + 300);
	for (int c = 0; c < 3; c++)
		exchange(b, &t[c], &small);
	CHECK_EQ_U64(counter(b->host, "host_tls_keys_sent"), keys + 6);
	/* the NIC restarts while the flows are kept idle: nothing of theirs was in flight, the
	 * connections go on (new flows, the key again) */
	pump_for(b, 100);
	test_nic_restart(b->nic);
	pump_for(b, 100);
	for (int c = 0; c < 3; c++)
		exchange(b, &t[c], &small);
	CHECK_EQ_U64(counter(b->host, "host_tls_keys_sent"), keys + 9);
	CHECK_EQ_U64(counter(b->host, "host_offload_err_tls_no_key"), no_key);
	CHECK_EQ_U64(counter(b->host, "host_offload_flows_aborted"), aborted);
	for (int c = 0; c < 3; c++) {
		iotcp_close(b->host, t[c].hs);
		tcl_free(b, &t[c]);
	}
	SSL_CTX_free(cc);
}

/* Key hygiene: once a TLS_KEY is sent, no buffer of the host's link holds the key (the
 * command frame was zeroed after the send: link.h `wipe`), for both key sizes; the NIC got
 * it (the body decrypts). */
static void test_key_hygiene(struct bed *b, struct iotcp_tls_ctx *st)
{
	static const char *const suites[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};

	for (int i = 0; i < 2; i++) {
		SSL_CTX *cc = client_ctx(TLS1_3_VERSION, suites[i]);
		struct tcl t;
		struct resp r = {.head = "HTTP/1.1 200 OK\r\n\r\n", .off1 = 0, .len1 = 40000};
		uint64_t wiped = counter(b->host, "link_tx_wiped");
		uint64_t keys = counter(b->host, "host_tls_keys_sent");
		uint64_t checked = keys_checked;

		seen_key_len = 0;
		CHECK(tcl_connect(b, &t, cc, st) && tcl_handshake(b, &t));
		exchange(b, &t, &r);
		CHECK(counter(b->host, "host_tls_keys_sent") > keys);
		CHECK_EQ_U64(seen_key_len, i ? 32 : 16);
		CHECK(counter(b->host, "link_tx_wiped") > wiped);
		CHECK_EQ_U64(counter(b->host, "link_tx_unwiped"), 0);
		/* when the NIC got the key, no buffer of the host's link held it */
		CHECK(keys_checked > checked);
		CHECK_EQ_U64(keys_left, 0);
		CHECK_EQ_U64(link_mem_find(b->lh, seen_key, seen_key_len), 0);
		iotcp_close(b->host, t.hs);
		tcl_free(b, &t);
		SSL_CTX_free(cc);
	}
}

/* The runner's tests (check.h RUN): the bed and the shared server context. */
static struct iotcp_tls_ctx *ST;
static void versions(void) { test_versions(&B, ST); }
static void client_key_update(void) { test_client_key_update(&B, ST); }
static void key_limit(void) { test_key_limit(&B); }
static void resumption(void) { test_resumption(&B, ST); }
static void no_handoff(void) { test_no_handoff(&B); }
static void key_lost(void) { test_key_lost(&B, ST); }
static void malformed(void) { test_malformed(&B); }
static void keep_alive(void) { test_keep_alive(&B, ST); }
static void key_hygiene(void) { test_key_hygiene(&B, ST); }

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	CHECK(bed_open(&B));
	if (check_failures)
		CHECK_DONE();
	struct iotcp_tls_ctx *st = server_tls(&B, 0, 0, false);
	struct iotcp_tls_config bad;
	iotcp_tls_config_default(&bad);
	bad.cert_file = "/nonexistent.pem";
	bad.key_file = B.key;
	CHECK(iotcp_tls_ctx_new(B.host, &bad) == NULL && errno == EINVAL);

	ST = st;
	RUN(versions);
	RUN(client_key_update);
	RUN(key_limit);
	RUN(resumption);
	RUN(no_handoff);
	RUN(key_lost);
	RUN(malformed);
	RUN(keep_alive);
	RUN(key_hygiene);
	iotcp_tls_ctx_free(st);

	printf("%llu wire frames searched, %llu carried plaintext\n",
	       (unsigned long long)B.wire_frames, (unsigned long long)B.leaks);
	bool all = run_.only == NULL && !run_.list;
	CHECK(!all || B.wire_frames > 1000);
	CHECK(!all || keys_started > 0);
	printf("%llu TLS_KEYs received, %llu still in a host buffer\n",
	       (unsigned long long)keys_checked, (unsigned long long)keys_left);
	CHECK_EQ_U64(keys_left, 0);
	CHECK_EQ_U64(B.leaks, 0);
	bed_close(&B);
	RUN_DONE();
}
