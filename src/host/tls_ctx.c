/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS server contexts: iotcp_tls_config_default, iotcp_tls_ctx_new/free. */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "host/ctx.h"
#include "host/log.h"
#include "host/tls_bio.h"
#include "host/tls_ctx.h"

#define DEFAULT_CIPHERS                                                                        \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                           \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
#define DEFAULT_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"

void iotcp_tls_config_default(struct iotcp_tls_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_version = TLS1_2_VERSION;
	cfg->max_version = TLS1_3_VERSION;
	cfg->alpn = "http/1.1";
	cfg->handshake_timeout_ms = HOST_TLS_HS_TIMEOUT_MS;
	cfg->key_update_records = HOST_TLS_KEY_LIMIT;
}

static void log_ssl_errors(struct iotcp_ctx *ctx, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (!e) {
		host_log(ctx, "tls: %s", what);
		return;
	}
	ERR_error_string_n(e, buf, sizeof(buf));
	host_log(ctx, "tls: %s: %s", what, buf);
	ERR_clear_error();
}

/* "h2,http/1.1" -> wire format (length-prefixed names). */
static int alpn_wire(const char *list, uint8_t *out, unsigned cap, unsigned *len)
{
	unsigned n = 0;

	while (*list) {
		const char *end = strchr(list, ',');
		size_t l = end ? (size_t)(end - list) : strlen(list);
		if (l == 0 || l > 255 || n + 1 + l > cap)
			return -EINVAL;
		out[n++] = (uint8_t)l;
		memcpy(out + n, list, l);
		n += (unsigned)l;
		list += l + (end ? 1 : 0);
	}
	*len = n;
	return 0;
}

/* RFC 7301 3.2: the server's first protocol the client also offers; without one, the
 * handshake goes on without ALPN (the client decides). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	struct iotcp_tls_ctx *t = arg;
	unsigned char *sel;

	(void)ssl;
	if (SSL_select_next_proto(&sel, outlen, t->alpn, t->alpn_len, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	host_tls_keylog(ssl, line);
}

static bool version_ok(uint16_t v)
{
	return v == TLS1_2_VERSION || v == TLS1_3_VERSION;
}

struct iotcp_tls_ctx *iotcp_tls_ctx_new(struct iotcp_ctx *ctx, const struct iotcp_tls_config *cfg)
{
	struct iotcp_tls_ctx *t = NULL;
	SSL_CTX *sc = NULL;
	int err = EINVAL;

	if (!ctx || !cfg || !cfg->cert_file || !cfg->key_file)
		goto fail;
	if ((cfg->min_version && !version_ok(cfg->min_version)) ||
	    (cfg->max_version && !version_ok(cfg->max_version)) ||
	    (cfg->min_version && cfg->max_version && cfg->min_version > cfg->max_version)) {
		host_log(ctx, "tls: versions must be 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3)");
		goto fail;
	}
	if (!host_tls_rt(ctx)) {
		err = ENOMEM;
		goto fail;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		err = ENOMEM;
		goto fail;
	}
	if (alpn_wire(cfg->alpn ? cfg->alpn : "http/1.1", t->alpn, sizeof(t->alpn), &t->alpn_len) <
	    0) {
		host_log(ctx, "tls: bad ALPN list '%s'", cfg->alpn);
		goto fail;
	}
	ERR_clear_error();
	sc = SSL_CTX_new(TLS_server_method());
	if (!sc) {
		log_ssl_errors(ctx, "SSL_CTX_new");
		err = ENOMEM;
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(sc, cfg->min_version ? cfg->min_version
								: TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(sc, cfg->max_version ? cfg->max_version
								: TLS1_3_VERSION)) {
		log_ssl_errors(ctx, "protocol versions");
		goto fail;
	}
	if (!SSL_CTX_set_cipher_list(sc, cfg->ciphers ? cfg->ciphers : DEFAULT_CIPHERS)) {
		log_ssl_errors(ctx, "TLS 1.2 cipher list");
		goto fail;
	}
	if (!SSL_CTX_set_ciphersuites(sc, cfg->ciphersuites ? cfg->ciphersuites : DEFAULT_SUITES)) {
		log_ssl_errors(ctx, "TLS 1.3 cipher suites");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(sc, cfg->cert_file) != 1) {
		log_ssl_errors(ctx, cfg->cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(sc, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
		log_ssl_errors(ctx, cfg->key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(sc) != 1) {
		log_ssl_errors(ctx, "the key does not match the certificate");
		goto fail;
	}
	/* kTLS hand-off (TX), no renegotiation, our suite order, a TCP EOF without close_notify
	 * is an EOF (HTTP/1.1 bodies are delimited anyway). */
	SSL_CTX_set_options(sc, SSL_OP_ENABLE_KTLS | SSL_OP_NO_RENEGOTIATION |
				    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF |
				    SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(sc, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				     SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_id_context(sc, (const unsigned char *)"iotcp", 5);
	SSL_CTX_set_alpn_select_cb(sc, alpn_select, t);
	SSL_CTX_set_keylog_callback(sc, keylog_cb);
	t->refs = 1;
	t->ctx = ctx;
	t->ssl_ctx = sc;
	t->hs_timeout_ms = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms
						     : HOST_TLS_HS_TIMEOUT_MS;
	t->key_limit = cfg->key_update_records ? cfg->key_update_records : HOST_TLS_KEY_LIMIT;
	if (t->key_limit < HOST_TLS_KEY_LIMIT_MIN)
		t->key_limit = HOST_TLS_KEY_LIMIT_MIN;
	t->no_handoff = cfg->no_key_handoff;
	return t;
fail:
	SSL_CTX_free(sc);
	free(t);
	errno = err;
	return NULL;
}

struct iotcp_tls_ctx *host_tls_ctx_get(struct iotcp_tls_ctx *t)
{
	t->refs++;
	return t;
}

void host_tls_ctx_put(struct iotcp_tls_ctx *t)
{
	if (!t || --t->refs)
		return;
	SSL_CTX_free(t->ssl_ctx);
	free(t);
}

void iotcp_tls_ctx_free(struct iotcp_tls_ctx *t)
{
	host_tls_ctx_put(t);
}

void *host_tls_ctx_ssl(struct iotcp_tls_ctx *t, void *app)
{
	SSL *ssl = SSL_new(t->ssl_ctx);

	if (!ssl)
		return NULL;
	SSL_set_app_data(ssl, app);
	SSL_set_accept_state(ssl);
	return ssl;
}
