/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS server contexts (iotcp_tls_ctx_new): OpenSSL's SSL_CTX with the certificate, versions,
 * AES-GCM suites, ALPN, session tickets, and the per-connection settings sessions copy. */
#ifndef IOTCP_HOST_TLS_CTX_H
#define IOTCP_HOST_TLS_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "iotcp/iotcp.h"

#define HOST_TLS_HS_TIMEOUT_MS 10000u
#define HOST_TLS_KEY_LIMIT     (1ull << 24) /* records per key (RFC 8446 5.5: 2^24.5) */
#define HOST_TLS_KEY_LIMIT_MIN 4u

struct iotcp_tls_ctx {
	unsigned refs; /* the application's, and one per session */
	struct iotcp_ctx *ctx;
	void *ssl_ctx; /* SSL_CTX * */
	unsigned hs_timeout_ms;
	uint64_t key_limit;
	bool no_handoff;
	uint8_t alpn[256]; /* ALPN protocol list, wire format (RFC 7301 3.1) */
	unsigned alpn_len;
};

struct iotcp_tls_ctx *host_tls_ctx_get(struct iotcp_tls_ctx *t);
void host_tls_ctx_put(struct iotcp_tls_ctx *t);
/* A new server SSL for a session (app data: the session), or NULL. */
void *host_tls_ctx_ssl(struct iotcp_tls_ctx *t, void *app);

#endif
