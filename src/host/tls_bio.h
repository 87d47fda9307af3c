/* SPDX-License-Identifier: BSD-2-Clause */
/* What sits under OpenSSL for a TLS session (tls_bio.c): the BIO over the TCP core, the kTLS key
 * hand-off and its key epochs, host sealing, the keylog secret; the per-context TLS state (the
 * design: tls_session.h). */
#ifndef IOTCP_HOST_TLS_BIO_H
#define IOTCP_HOST_TLS_BIO_H

#include <stdbool.h>
#include <stdint.h>

struct iotcp_ctx;
struct host_tls_rt;
struct host_tls_sess;

/* The context's TLS state (ctx->tls), made on first use; NULL when out of memory. */
struct host_tls_rt *host_tls_rt(struct iotcp_ctx *ctx);
void host_tls_destroy(struct iotcp_ctx *ctx);
/* Push pending sealed bytes into TCP; true when none are left. */
bool host_tls_flush(struct host_tls_sess *t);
/* Seal n bytes of record type `type` with the current epoch's key into TCP (what does not fit
 * waits in `out`); negative errno on failure. */
int host_tls_seal(struct host_tls_sess *t, uint8_t type, const uint8_t *p, uint32_t n);
/* Keylog lines of a session's SSL (the SSL_CTX's callback, tls_ctx.c) go to the session. */
void host_tls_keylog(const void *ssl, const char *line);

#endif
