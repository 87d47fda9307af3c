/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS sessions on host sockets (tls_session.h): the BIO over the TCP core, the handshake pump,
 * the kTLS key hand-off, host sealing and key epochs, read/write/close, handshake timeouts. */
#include <errno.h>
#include <linux/tls.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/epoll.h"
#include "host/offload_send.h"
#include "host/sock_types.h"
#include "host/tls_ctx.h"
#include "host/tls_keys.h"
#include "host/tls_session.h"
#include "util/hex.h"

/* OpenSSL 3.0's internal BIO controls of its kTLS interface (include/internal/bio.h; the
 * public header lists them in a comment). If a later OpenSSL stops using them, the hand-off
 * simply does not happen: OpenSSL seals, offload writes fail. */
#define BIO_CTRL_SET_KTLS		   72
#define BIO_CTRL_SET_KTLS_TX_SEND_CTRL_MSG 74
#define BIO_CTRL_CLEAR_KTLS_TX_CTRL_MSG	   75

#define HS_KEY_UPDATE 24 /* RFC 8446 4: HandshakeType key_update */

static int fail_errno(int e)
{
	errno = e;
	return -1;
}

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

static void hs_del(struct host_tls_sess *t)
{
	if (!t->hs_next)
		return;
	t->hs_prev->hs_next = t->hs_next;
	t->hs_next->hs_prev = t->hs_prev;
	t->hs_next = t->hs_prev = NULL;
}

/* Sorted by deadline; sessions mostly arrive in deadline order, so from the tail. */
static void hs_add(struct host_tls_rt *rt, struct host_tls_sess *t)
{
	struct host_tls_sess *p = rt->hs.hs_prev;

	while (p != &rt->hs && p->hs_deadline > t->hs_deadline)
		p = p->hs_prev;
	t->hs_prev = p;
	t->hs_next = p->hs_next;
	p->hs_next->hs_prev = t;
	p->hs_next = t;
}

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

static int seal(struct host_tls_sess *t, uint8_t type, const uint8_t *p, uint32_t n)
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
	return seal(t, (uint8_t)type, (const uint8_t *)data, (uint32_t)n) < 0 ? -1 : n;
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

/* ---- state ---- */

/* A failed session discards what the client still sends: closing with unread bytes would
 * reset the connection (RFC 1122 4.2.2.13) before the alert is read. */
static void drain_input(struct host_tls_sess *t)
{
	uint8_t *scratch = t->ctx->tls->rec;
	struct tcp_conn *c = t->sock->conn;

	while (c && tcp_recv(c, scratch, TLS_REC_MAX) > 0)
		;
}

static void fail(struct host_tls_sess *t, int err)
{
	struct host_tls_rt *rt = t->ctx->tls;
	struct host_sock *s = t->sock;

	if (t->state == IOTCP_TLS_FAILED)
		return;
	if (t->state == IOTCP_TLS_HANDSHAKE) {
		rt->cnt.handshake_failures++;
		if (err == ETIMEDOUT)
			rt->cnt.handshake_timeouts++;
	}
	hs_del(t);
	t->state = IOTCP_TLS_FAILED;
	t->err = err;
	ERR_clear_error();
	drain_input(t);
	/* RFC 8446 6.2: after a fatal alert (OpenSSL wrote it) the connection closes */
	if (!host_tls_flush(t))
		rt->cnt.out_dropped++;
	if (s->conn && !s->shut_wr)
		tcp_shutdown(s->conn);
	s->shut_wr = true;
}

static void handshake(struct host_tls_sess *t)
{
	struct host_tls_rt *rt = t->ctx->tls;
	SSL *ssl = t->ssl;
	int rc = SSL_do_handshake(ssl);

	if (rc == 1) {
		hs_del(t);
		t->state = IOTCP_TLS_OPEN;
		t->version = (uint16_t)SSL_version(ssl);
		rt->cnt.handshakes++;
		if (SSL_session_reused(ssl))
			rt->cnt.resumed++;
		return;
	}
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return;
	case SSL_ERROR_ZERO_RETURN:
	case SSL_ERROR_SYSCALL:
		fail(t, ECONNRESET); /* the client went away */
		return;
	default:
		fail(t, ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING
				? ECONNRESET
				: EPROTO);
		return;
	}
}

/* TCP holds no bytes of the client's, nor its end. */
static bool tcp_quiet(const struct host_tls_sess *t)
{
	struct tcp_conn *c = t->sock->conn;

	return !tcp_conn_readable(c) && !(tcp_conn_events(c) & TCP_EV_READABLE);
}

/* Neither TCP nor OpenSSL holds bytes of the client's. */
static bool nothing_to_read(struct host_tls_sess *t)
{
	return tcp_quiet(t) && !SSL_has_pending(t->ssl);
}

/* Decrypt what arrived into `in` (bounded: the TCP window closes behind it). */
static void fill_in(struct host_tls_sess *t)
{
	SSL *ssl = t->ssl;

	while (t->state == IOTCP_TLS_OPEN) {
		size_t got = 0;
		if (t->in_off == t->in_len)
			t->in_off = t->in_len = 0;
		if (t->in_len == HOST_TLS_IN_CAP)
			return;
		/* nothing to read: SSL_read would only say WANT_READ (after every request) */
		if (nothing_to_read(t))
			return;
		if (!t->in) {
			t->in = malloc(HOST_TLS_IN_CAP);
			if (!t->in) {
				fail(t, ENOMEM);
				return;
			}
		}
		int rc = SSL_read_ex(ssl, t->in + t->in_len, HOST_TLS_IN_CAP - t->in_len, &got);
		if (rc == 1) {
			t->in_len += (uint32_t)got;
			continue;
		}
		switch (SSL_get_error(ssl, rc)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return;
		case SSL_ERROR_ZERO_RETURN: /* close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF) */
			t->state = IOTCP_TLS_CLOSED;
			t->ctx->tls->cnt.peer_closes++;
			return;
		default:
			fail(t, EPROTO);
			return;
		}
	}
}

void host_tls_pump(struct iotcp_ctx *ctx, struct host_sock *s)
{
	struct host_tls_sess *t = s->tls;

	if (!t || !s->conn)
		return;
	/* An open session with nothing to decrypt or push (most calls: the ACKs of a body the
	 * NIC sends): no OpenSSL call. Without `in`, the last fill_in ended in WANT_READ (or
	 * never ran in this state), so OpenSSL holds no decrypted bytes, at most part of a
	 * record, which only more TCP bytes complete. */
	if (t->state == IOTCP_TLS_OPEN && !t->err && !t->in && t->out_off == t->out_len &&
	    tcp_quiet(t))
		return;
	if (t->state == IOTCP_TLS_FAILED)
		drain_input(t);
	ERR_clear_error();
	host_tls_flush(t);
	if (t->state == IOTCP_TLS_HANDSHAKE)
		handshake(t);
	if (t->state == IOTCP_TLS_OPEN)
		fill_in(t);
	if (t->err && t->state != IOTCP_TLS_FAILED)
		fail(t, t->err); /* found inside an OpenSSL callback */
	host_tls_flush(t);
	if (t->in && t->in_off == t->in_len) {
		free(t->in); /* idle keep-alive connections hold no buffer */
		t->in = NULL;
		t->in_off = t->in_len = 0;
	}
}

/* ---- the application's calls ---- */

ssize_t host_tls_read(struct iotcp_ctx *ctx, struct host_sock *s, void *buf, size_t len)
{
	struct host_tls_sess *t = s->tls;
	uint32_t n;

	host_tls_pump(ctx, s);
	n = t->in_len - t->in_off;
	if (n) {
		if (n > len)
			n = (uint32_t)len;
		memcpy(buf, t->in + t->in_off, n);
		t->in_off += n;
		host_tls_pump(ctx, s); /* refill: TCP will not report bytes it already has */
		return n;
	}
	switch (t->state) {
	case IOTCP_TLS_FAILED:
		return fail_errno(t->err);
	case IOTCP_TLS_CLOSED:
		return 0;
	default:
		return fail_errno(EAGAIN);
	}
}

/* After the hand-off the session seals application data itself, without SSL_write (its record
 * layer, buffers and error queue cost more than the sealing of a response header), when OpenSSL
 * has nothing of its own to send first: no KeyUpdate owed (a client's update_requested), no
 * handshake message, and the records may be full size (no max_fragment_length). */
static bool seal_direct(const struct host_tls_sess *t)
{
	SSL *ssl = t->ssl;

	return t->handoff && t->ctrl_type < 0 && !SSL_in_init(ssl) &&
	       SSL_get_key_update_type(ssl) == SSL_KEY_UPDATE_NONE &&
	       SSL_SESSION_get_max_fragment_length(SSL_get_session(ssl)) ==
		   TLSEXT_max_fragment_length_DISABLED;
}

/* Plaintext bytes whose records fit in `space` bytes of stream. */
static uint64_t plain_for_space(uint64_t space, uint32_t ovh)
{
	uint64_t w = TLS_REC_PLAIN_MAX + ovh, full = space / w, rem = space % w;

	return full * TLS_REC_PLAIN_MAX + (rem > ovh ? rem - ovh : 0);
}

uint32_t host_tls_overhead(const struct host_tls_sess *t)
{
	uint32_t o = t->handoff ? tls_rec_overhead(t->version, t->cipher) : 0;
	return o ? o : TLS_REC_OVERHEAD_MAX;
}

/* Records left under the current key, after making room with a KeyUpdate if needed. */
int host_tls_key_room(struct iotcp_ctx *ctx, struct host_tls_sess *t, uint64_t *room)
{
	SSL *ssl = t->ssl;

	*room = UINT64_MAX;
	if (!t->handoff)
		return 0; /* OpenSSL seals: its own business */
	if (t->version == TLS1_2_VERSION) {
		*room = t->epoch_records < t->key_limit ? t->key_limit - t->epoch_records : 0;
		return *room ? 0 : -EKEYEXPIRED;
	}
	/* TLS 1.3: one record stays for the KeyUpdate itself (RFC 8446 5.5) */
	if (t->epoch_records + 1 < t->key_limit && !t->key_update_due) {
		*room = t->key_limit - 1 - t->epoch_records;
		return 0;
	}
	if (!host_tls_flush(t))
		return -EAGAIN;
	uint32_t before = t->epoch;
	ERR_clear_error();
	if (SSL_get_key_update_type(ssl) == SSL_KEY_UPDATE_NONE &&
	    !SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED)) {
		fail(t, EPROTO);
		return -EPROTO;
	}
	SSL_do_handshake(ssl); /* sends it: sealed under the old key, then the next epoch */
	if (t->epoch == before) {
		fail(t, EPROTO);
		return -EPROTO;
	}
	(void)ctx;
	*room = t->key_limit - 1;
	return host_tls_flush(t) ? 0 : -EAGAIN;
}

ssize_t host_tls_write(struct iotcp_ctx *ctx, struct host_sock *s, const void *buf, size_t len)
{
	struct host_tls_sess *t = s->tls;
	uint64_t space, n, room;
	size_t done = 0;
	int rc;

	host_tls_pump(ctx, s);
	if (t->state == IOTCP_TLS_FAILED)
		return fail_errno(t->err ? t->err : EPIPE);
	if (t->state == IOTCP_TLS_HANDSHAKE || !host_tls_flush(t))
		return fail_errno(EAGAIN);
	if (t->shut_sent)
		return fail_errno(EPIPE);
	space = tcp_conn_send_space(s->conn);
	if (space <= HOST_TLS_WRITE_SLACK)
		return fail_errno(EAGAIN);
	n = plain_for_space(space - HOST_TLS_WRITE_SLACK, host_tls_overhead(t));
	if (n > len)
		n = len;
	if (!n)
		return fail_errno(EAGAIN);
	rc = host_tls_key_room(ctx, t, &room);
	if (rc < 0)
		return fail_errno(-rc);
	if (room < UINT64_MAX / TLS_REC_PLAIN_MAX && n > room * TLS_REC_PLAIN_MAX)
		n = room * TLS_REC_PLAIN_MAX;
	if (seal_direct(t)) {
		const uint8_t *p = buf;
		for (uint64_t off = 0; off < n; off += TLS_REC_PLAIN_MAX) {
			uint32_t c = n - off < TLS_REC_PLAIN_MAX ? (uint32_t)(n - off)
								  : TLS_REC_PLAIN_MAX;
			if (seal(t, TLS_CT_APPLICATION_DATA, p + off, c) < 0) {
				fail(t, EPIPE);
				return fail_errno(EPIPE);
			}
		}
		return (ssize_t)n;
	}
	ERR_clear_error();
	rc = SSL_write_ex(t->ssl, buf, (size_t)n, &done);
	if (rc != 1) {
		int e = SSL_get_error(t->ssl, rc);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
			return fail_errno(EAGAIN);
		fail(t, EPIPE);
		return fail_errno(EPIPE);
	}
	return (ssize_t)done;
}

void host_tls_shutdown(struct iotcp_ctx *ctx, struct host_sock *s)
{
	struct host_tls_sess *t = s->tls;

	(void)ctx;
	if (!t || t->shut_sent || !s->conn ||
	    (t->state != IOTCP_TLS_OPEN && t->state != IOTCP_TLS_CLOSED))
		return;
	ERR_clear_error();
	host_tls_flush(t);
	SSL_shutdown(t->ssl); /* close_notify; the peer's is not awaited */
	t->shut_sent = true;
	ERR_clear_error();
	host_tls_flush(t);
}

static void sess_free(struct host_tls_sess *t)
{
	hs_del(t);
	SSL_free(t->ssl); /* and the BIO */
	tls_sealer_free(t->sealer);
	host_tls_keys_put(t->keys);
	host_tls_ctx_put(t->tctx);
	if (t->in)
		OPENSSL_cleanse(t->in, HOST_TLS_IN_CAP);
	free(t->in);
	free(t->out);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}

bool host_tls_release(struct iotcp_ctx *ctx, struct host_sock *s, bool abort)
{
	struct host_tls_sess *t = s->tls;

	if (!t)
		return abort;
	if (t->state == IOTCP_TLS_FAILED) {
		abort = false; /* the alert is on its way: FIN after it, not RST */
		drain_input(t);
	}
	else if (!abort)
		host_tls_shutdown(ctx, s);
	if (!abort && !host_tls_flush(t))
		ctx->tls->cnt.out_dropped++;
	s->tls = NULL;
	sess_free(t);
	return abort;
}

void host_tls_timers(struct iotcp_ctx *ctx)
{
	struct host_tls_rt *rt = ctx->tls;

	while (rt && rt->hs.hs_next != &rt->hs && rt->hs.hs_next->hs_deadline <= ctx->now) {
		struct host_tls_sess *t = rt->hs.hs_next;
		fail(t, ETIMEDOUT);
		host_sock_notify(ctx, t->sock, false);
	}
}

int iotcp_tls_accept(struct iotcp_ctx *ctx, int sd, struct iotcp_tls_ctx *tls)
{
	struct host_sock *s;
	struct host_tls_sess *t;
	struct host_tls_rt *rt;
	BIO *bio;

	if (!ctx || !tls || tls->ctx != ctx)
		return fail_errno(EINVAL);
	s = host_sock_get(ctx, sd);
	if (!s)
		return fail_errno(EBADF);
	if (s->tls)
		return fail_errno(EALREADY);
	if (!s->conn || s->lsn)
		return fail_errno(ENOTCONN);
	rt = host_tls_rt(ctx);
	t = calloc(1, sizeof(*t));
	if (!rt || !t) {
		free(t);
		return fail_errno(ENOMEM);
	}
	t->ctx = ctx;
	t->sock = s;
	t->state = IOTCP_TLS_HANDSHAKE;
	t->ctrl_type = -1;
	t->key_limit = tls->key_limit;
	t->no_handoff = tls->no_handoff;
	t->ssl = host_tls_ctx_ssl(tls, t);
	bio = BIO_new(rt->bio_method);
	if (!t->ssl || !bio) {
		BIO_free(bio);
		SSL_free(t->ssl);
		free(t);
		ERR_clear_error();
		return fail_errno(ENOMEM);
	}
	BIO_set_data(bio, t);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	t->tctx = host_tls_ctx_get(tls);
	t->hs_deadline = host_now(ctx) + (tcp_time_t)tls->hs_timeout_ms * TCP_MSEC;
	hs_add(rt, t);
	s->tls = t;
	host_tls_pump(ctx, s); /* the ClientHello may be here already */
	host_sock_notify(ctx, s, false);
	return 0;
}

int iotcp_tls_key_update(struct iotcp_ctx *ctx, int sd)
{
	struct host_sock *s = ctx ? host_sock_get(ctx, sd) : NULL;
	struct host_tls_sess *t = s ? s->tls : NULL;
	uint64_t room;
	int rc;

	if (!t)
		return fail_errno(EINVAL);
	if (t->state == IOTCP_TLS_HANDSHAKE)
		return fail_errno(EAGAIN);
	if (t->state == IOTCP_TLS_FAILED || t->shut_sent)
		return fail_errno(EPIPE);
	if (SSL_version(t->ssl) != TLS1_3_VERSION)
		return fail_errno(EOPNOTSUPP);
	if (!t->handoff) { /* OpenSSL seals: it updates its own key */
		ERR_clear_error();
		if (!SSL_key_update(t->ssl, SSL_KEY_UPDATE_NOT_REQUESTED))
			return fail_errno(EAGAIN);
		SSL_do_handshake(t->ssl);
		ERR_clear_error();
		host_tls_flush(t);
		return 0;
	}
	t->key_update_due = true;
	rc = host_tls_key_room(ctx, t, &room);
	if (rc < 0 && rc != -EAGAIN)
		return fail_errno(-rc);
	return 0; /* -EAGAIN: the KeyUpdate is sealed and waits in `out` */
}

int iotcp_tls_get_info(struct iotcp_ctx *ctx, int sd, struct iotcp_tls_info *info)
{
	struct host_sock *s = ctx ? host_sock_get(ctx, sd) : NULL;
	struct host_tls_sess *t = s ? s->tls : NULL;
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	const char *sni;

	if (!t)
		return fail_errno(EINVAL);
	if (!info)
		return fail_errno(EFAULT);
	memset(info, 0, sizeof(*info));
	info->state = t->state;
	if (t->state != IOTCP_TLS_HANDSHAKE) {
		info->version = (uint16_t)SSL_version(t->ssl);
		snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(t->ssl));
		SSL_get0_alpn_selected(t->ssl, &alpn, &alpn_len);
		if (alpn_len >= sizeof(info->alpn))
			alpn_len = sizeof(info->alpn) - 1;
		if (alpn)
			memcpy(info->alpn, alpn, alpn_len);
		info->resumed = SSL_session_reused(t->ssl) == 1;
	}
	sni = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
	if (sni)
		snprintf(info->sni, sizeof(info->sni), "%s", sni);
	info->key_handoff = t->handoff;
	info->offload = t->handoff && ctx->nic.up && (ctx->nic.caps & PROTO_CAP_TLS);
	info->key_epoch = t->epoch;
	info->records_host = t->records_host;
	info->records_nic = t->records_nic;
	return 0;
}

void host_tls_dump_counters(struct iotcp_ctx *ctx,
			    void (*fn)(void *arg, const char *prefix, const char *name, uint64_t v),
			    void *arg)
{
	static const struct host_tls_counters zero;
	const struct host_tls_counters *c = ctx->tls ? &ctx->tls->cnt : &zero;
#define C(f) fn(arg, "host_tls_", #f, c->f);
	HOST_TLS_COUNTERS(C)
#undef C
}
