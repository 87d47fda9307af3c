/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS sessions on host sockets (tls_session.h): the handshake pump, read/write/close, key
 * updates, handshake timeouts (the BIO under OpenSSL, the key hand-off and sealing: tls_bio.c). */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/epoll.h"
#include "host/sock_types.h"
#include "host/tls_bio.h"
#include "host/tls_ctx.h"
#include "host/tls_keys.h"
#include "host/tls_session.h"

static int fail_errno(int e)
{
	errno = e;
	return -1;
}

/* ---- the handshake deadline list (ctx->tls) ---- */

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
			if (host_tls_seal(t, TLS_CT_APPLICATION_DATA, p + off, c) < 0) {
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
