/* SPDX-License-Identifier: BSD-2-Clause */
/* What sits under OpenSSL for a TLS session (tls_bio.h): the BIO over the TCP core (reads from
 * it, sealed writes into it), the kTLS key hand-off and its key epochs, host sealing, the keylog
 * line that carries the TLS 1.3 traffic secret; and the per-context TLS state they need. */
#include <errno.h>
#include <linux/tls.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/offload_flow.h"
#include "host/sock_types.h"
#include "host/tls_bio.h"
#include "host/tls_keys.h"
#include "host/tls_types.h"
#include "util/hex.h"

/* OpenSSL 3.0's internal BIO controls of its kTLS interface (include/internal/bio.h; the
 * public header lists them in a comment). If a later OpenSSL stops using them, the hand-off
 * simply does not happen: OpenSSL seals, offload writes fail. */
#define BIO_CTRL_SET_KTLS		   72
#define BIO_CTRL_SET_KTLS_TX_SEND_CTRL_MSG 74
#define BIO_CTRL_CLEAR_KTLS_TX_CTRL_MSG	   75

#define HS_KEY_UPDATE 24 /* RFC 8446 4: HandshakeType key_update */

/* ---- key epochs ---- */

/* Epoch e (the newest) seals with key from now on; its first byte is the next one written to
 * the connection (after what waits in `out`). */
static int epoch_install(struct host_tls_sess *t, uint32_t e, const struct tls_key *key)
{
	struct tls_sealer *s = tls_sealer_new(key);

	if (!s)
		return -EIO;
	if (!t->keys) {
		t->keys = calloc(1, sizeof(*t->keys));
		if (!t->keys) {
			tls_sealer_free(s);
			return -ENOMEM;
		}
		t->keys->refs = 1;
	}
	tls_sealer_free(t->sealer);
	t->sealer = s;
	t->keys->keys[e % HOST_TLS_EPOCHS] = *key;
	t->keys->started[e % HOST_TLS_EPOCHS] = e > 0;
	t->keys->start_seq[e % HOST_TLS_EPOCHS] =
	    t->sock->conn ? tcp_conn_snd_tail(t->sock->conn) + (t->out_len - t->out_off) : 0;
	t->keys->newest = e;
	t->epoch = e;
	t->epoch_records = 0;
	return 0;
}

/* ---- the per-context state ---- */

static int bio_write(BIO *b, const char *data, int n);
static int bio_read(BIO *b, char *data, int n);
static long bio_ctrl(BIO *b, int cmd, long num, void *ptr);

struct host_tls_rt *host_tls_rt(struct iotcp_ctx *ctx)
{
	struct host_tls_rt *rt = ctx->tls;
	BIO_METHOD *m;

	if (rt)
		return rt;
	rt = calloc(1, sizeof(*rt));
	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "iotcp-tcp");
	if (!rt || !m || !BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
	    !BIO_meth_set_ctrl(m, bio_ctrl)) {
		BIO_meth_free(m);
		free(rt);
		return NULL;
	}
	rt->bio_method = m;
	rt->hs.hs_next = rt->hs.hs_prev = &rt->hs;
	ctx->tls = rt;
	return rt;
}

void host_tls_destroy(struct iotcp_ctx *ctx)
{
	if (!ctx->tls)
		return;
	BIO_meth_free(ctx->tls->bio_method);
	OPENSSL_cleanse(ctx->tls->rec, sizeof(ctx->tls->rec));
	free(ctx->tls);
	ctx->tls = NULL;
}

/* ---- sealed bytes into TCP ---- */

bool host_tls_flush(struct host_tls_sess *t)
{
	struct tcp_conn *c = t->sock->conn;

	while (t->out_off < t->out_len && c) {
		ssize_t w = tcp_send(c, t->out + t->out_off, t->out_len - t->out_off);
		if (w <= 0)
			break;
		host_offload_inline_written(t->sock);
		t->out_off += (uint32_t)w;
	}
	if (t->out_off == t->out_len) {
		t->out_off = t->out_len = 0;
		return true;
	}
	return false;
}

/* Sealed (or, without the hand-off, OpenSSL's) record bytes, in stream order. */
static int out_put(struct host_tls_sess *t, const uint8_t *p, uint32_t n)
{
	struct tcp_conn *c = t->sock->conn;

	if (!c)
		return -EPIPE;
	if (t->out_off == t->out_len) {
		ssize_t w = tcp_send(c, p, n);
		if (w < 0 && w != -EAGAIN)
			return (int)w;
		if (w > 0) {
			host_offload_inline_written(t->sock);
			p += w;
			n -= (uint32_t)w;
		}
	}
	if (!n)
		return 0;
	if (t->out_len + n > t->out_cap) {
		if (t->out_off) {
			memmove(t->out, t->out + t->out_off, t->out_len - t->out_off);
			t->out_len -= t->out_off;
			t->out_off = 0;
		}
		if (t->out_len + n > t->out_cap) {
			uint32_t cap = t->out_cap ? t->out_cap : 4096;
			while (cap < t->out_len + n)
				cap *= 2;
			uint8_t *o = realloc(t->out, cap);
			if (!o)
				return -ENOMEM;
			t->out = o;
			t->out_cap = cap;
		}
	}
	memcpy(t->out + t->out_len, p, n);
	t->out_len += n;
	return 0;
}

/* ---- sealing ---- */

/* The handshake messages of a record end with a KeyUpdate (RFC 8446 4.6.3: the next record
 * uses the next key). */
static bool ends_with_key_update(const uint8_t *p, uint32_t n)
{
	uint32_t off = 0;
	int last = -1;

	while (off + 4 <= n) {
		uint32_t len = (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 | p[off + 3];
		last = p[off];
		if (len > n - off - 4)
			return false;
		off += 4 + len;
	}
	return off == n && last == HS_KEY_UPDATE;
}

/* RFC 8446 7.2: application_traffic_secret_N+1, and its key as the next epoch. */
static int next_epoch(struct host_tls_sess *t)
{
	uint8_t next[TLS13_SECRET_MAX];
	struct tls_key k;
	int rc;

	rc = tls13_next_traffic_secret(t->cipher, t->secret, t->secret_len, next);
	if (rc == 0)
		rc = tls13_traffic_key(t->cipher, next, t->secret_len, &k);
	if (rc == 0)
		rc = epoch_install(t, t->epoch + 1, &k);
	if (rc == 0) {
		memcpy(t->secret, next, t->secret_len);
		t->seq = 0; /* RFC 8446 5.3: per key */
		t->key_update_due = false;
		t->ctx->tls->cnt.key_updates++;
	}
	OPENSSL_cleanse(next, sizeof(next));
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

int host_tls_seal(struct host_tls_sess *t, uint8_t type, const uint8_t *p, uint32_t n)
{
	struct host_tls_rt *rt = t->ctx->tls;
	struct iovec iov = {.iov_base = (void *)p, .iov_len = n};
	int len, rc;

	len = tls_seal_record(t->sealer, t->seq, type, &iov, 1, rt->rec, NULL);
	if (len < 0)
		return len;
	t->seq++;
	t->epoch_records++;
	t->records_host++;
	rt->cnt.records_host++;
	rt->cnt.bytes_host += n;
	rc = out_put(t, rt->rec, (uint32_t)len);
	if (rc < 0)
		return rc;
	if (type == TLS_CT_HANDSHAKE && t->version == TLS1_3_VERSION && ends_with_key_update(p, n))
		return next_epoch(t);
	return 0;
}

/* ---- the BIO: reads from the TCP core, writes sealed records into it ---- */

static int bio_write(BIO *b, const char *data, int n)
{
	struct host_tls_sess *t = BIO_get_data(b);
	int type;

	BIO_clear_retry_flags(b);
	if (!t || n < 0)
		return -1;
	if (!t->handoff) /* OpenSSL's own records (handshake, or no hand-off) */
		return out_put(t, (const uint8_t *)data, (uint32_t)n) < 0 ? -1 : n;
	type = t->ctrl_type >= 0 ? t->ctrl_type : (int)TLS_CT_APPLICATION_DATA;
	t->ctrl_type = -1;
	if (n == 0 || (uint32_t)n > TLS_REC_PLAIN_MAX)
		return -1;
	return host_tls_seal(t, (uint8_t)type, (const uint8_t *)data, (uint32_t)n) < 0 ? -1 : n;
}

static int bio_read(BIO *b, char *data, int n)
{
	struct host_tls_sess *t = BIO_get_data(b);
	ssize_t r;

	BIO_clear_retry_flags(b);
	if (!t || !t->sock->conn)
		return -1;
	r = tcp_recv(t->sock->conn, data, (size_t)n);
	if (r == -EAGAIN) {
		BIO_set_retry_read(b);
		return -1;
	}
	return r < 0 ? -1 : (int)r;
}

static bool ktls_key(const void *info, struct tls_key *k, uint64_t *seq)
{
	const struct tls_crypto_info *ci = info;
	const uint8_t *key, *iv, *salt, *rs;

	memset(k, 0, sizeof(*k));
	switch (ci->cipher_type) {
	case TLS_CIPHER_AES_GCM_128: {
		const struct tls12_crypto_info_aes_gcm_128 *g = info;
		k->cipher = TLS_CIPHER_AES_128_GCM;
		k->key_len = 16;
		key = g->key, iv = g->iv, salt = g->salt, rs = g->rec_seq;
		break;
	}
	case TLS_CIPHER_AES_GCM_256: {
		const struct tls12_crypto_info_aes_gcm_256 *g = info;
		k->cipher = TLS_CIPHER_AES_256_GCM;
		k->key_len = 32;
		key = g->key, iv = g->iv, salt = g->salt, rs = g->rec_seq;
		break;
	}
	default:
		return false;
	}
	k->version = ci->version;
	memcpy(k->key, key, k->key_len);
	memcpy(k->iv, salt, 4);
	if (k->version == TLS_VERSION_13)
		memcpy(k->iv + 4, iv, 8); /* the 12-byte write IV */
	/* TLS 1.2: OpenSSL's random explicit-IV start is not used: the explicit nonce is the
	 * record sequence number (RFC 5288 3 allows any unique value). */
	*seq = 0;
	for (int i = 0; i < 8; i++)
		*seq = *seq << 8 | rs[i];
	return tls_key_check(k) == 0;
}

/* OpenSSL hands over the transmit key. Accept it when we can seal with it (and, for TLS 1.3,
 * when we know the traffic secret behind it, which KeyUpdate needs). */
static long set_ktls(struct host_tls_sess *t, void *info)
{
	struct tls_key k, chk;
	uint64_t seq;
	long ok = 0;

	if (t->no_handoff || t->handoff || !ktls_key(info, &k, &seq))
		goto out;
	if (k.version == TLS_VERSION_13) {
		if (!t->secret_len ||
		    tls13_traffic_key(k.cipher, t->secret, t->secret_len, &chk) != 0 ||
		    CRYPTO_memcmp(&chk, &k, sizeof(k)) != 0)
			goto out;
	}
	if (epoch_install(t, 0, &k) < 0)
		goto out;
	t->version = k.version;
	t->cipher = k.cipher;
	t->seq = seq;
	t->handoff = true;
	t->ctx->tls->cnt.handoffs++;
	ok = 1;
out:
	if (!ok)
		t->ctx->tls->cnt.handoffs_refused++;
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(&chk, sizeof(chk));
	return ok;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct host_tls_sess *t = BIO_get_data(b);

	if (!t)
		return 0;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1; /* pending bytes keep their order in `out` */
	case BIO_CTRL_SET_KTLS:
		return num ? set_ktls(t, ptr) : 0; /* receive stays in OpenSSL */
	case BIO_CTRL_GET_KTLS_SEND:
		return t->handoff;
	case BIO_CTRL_GET_KTLS_RECV:
		return 0;
	case BIO_CTRL_SET_KTLS_TX_SEND_CTRL_MSG:
		t->ctrl_type = (int)num;
		return 1;
	case BIO_CTRL_CLEAR_KTLS_TX_CTRL_MSG:
		t->ctrl_type = -1;
		return 1;
	default:
		return 0;
	}
}

/* ---- keylog: the TLS 1.3 server traffic secret ---- */

/* "LABEL <client_random hex> <secret hex>": the secret, or 0. */
static size_t keylog_secret(const char *line, size_t label_len, uint8_t *out)
{
	const char *p = strchr(line + label_len + 1, ' ');
	size_t n = 0;

	if (!p)
		return 0;
	for (p++; p[0] && p[1] && n < TLS13_SECRET_MAX; p += 2) {
		int hi = hex_digit_value(p[0]), lo = hex_digit_value(p[1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return *p ? 0 : n;
}

void host_tls_keylog(const void *ssl, const char *line)
{
	static const char first[] = "SERVER_TRAFFIC_SECRET_0 ";
	static const char next[] = "SERVER_TRAFFIC_SECRET_N ";
	struct host_tls_sess *t = SSL_get_app_data(ssl);
	uint8_t s[TLS13_SECRET_MAX];
	size_t n;

	if (!t)
		return;
	if (strncmp(line, first, sizeof(first) - 1) == 0) {
		n = keylog_secret(line, sizeof(first) - 2, s);
		if (n == 32 || n == 48) {
			memcpy(t->secret, s, n);
			t->secret_len = (uint8_t)n;
		}
	} else if (strncmp(line, next, sizeof(next) - 1) == 0 && t->handoff) {
		/* OpenSSL's view of the secret after a KeyUpdate must be the one we derived */
		n = keylog_secret(line, sizeof(next) - 2, s);
		if (n != t->secret_len || CRYPTO_memcmp(s, t->secret, n) != 0)
			t->key_update_due = true, t->err = EPROTO;
	}
	OPENSSL_cleanse(s, sizeof(s));
}
