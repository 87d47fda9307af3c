/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS on host sockets (iotcp.h "TLS"): the handshake with OpenSSL 3 through a BIO over the TCP
 * core, the transmit key taken from OpenSSL's kTLS hand-off, host sealing of what the host
 * writes (src/tls), and the key epochs shared with the NIC for offloaded file bodies.
 *
 * Transmit direction, after the handshake: OpenSSL believes a kTLS socket is below it. Its
 * BIO_CTRL_SET_KTLS (TX only; RX is refused, so OpenSSL keeps decrypting what the client sends)
 * gives the key, IV/salt and record sequence; afterwards OpenSSL writes each record's plaintext
 * (its type announced by BIO_CTRL_SET_KTLS_TX_SEND_CTRL_MSG when not application_data) and the
 * session seals it with the current epoch's key and the next sequence number. A TLS 1.3
 * KeyUpdate written that way is sealed under the old key; the session then derives the next
 * traffic secret (RFC 8446 7.2, "traffic upd") and starts the next epoch at sequence 0 (OpenSSL
 * 3.0 does not re-install kTLS after a KeyUpdate). Offloaded bodies take sequence numbers from
 * the same counter (tls_offload.c). If the hand-off does not happen, OpenSSL seals records
 * itself and the BIO passes its ciphertext through; offload writes then fail.
 *
 * Sealed bytes go straight into the TCP send buffer; what does not fit waits in `out` (only
 * records OpenSSL writes on its own: tickets, KeyUpdate, alerts), and nothing else is written
 * to the connection until it has drained, so the stream keeps sequence order.
 *
 * The session's state and the per-context TLS state: tls_types.h. */
#ifndef IOTCP_HOST_TLS_SESSION_H
#define IOTCP_HOST_TLS_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "host/tls_types.h"

struct iotcp_ctx;
struct host_sock;
struct host_tls_rt;
struct host_tls_sess;

/* tls_session.c */
/* Handshake progress, reading, flushing sealed bytes: run before the socket's events are
 * looked at (TCP reported it, or the application calls it). */
void host_tls_pump(struct iotcp_ctx *ctx, struct host_sock *s);
ssize_t host_tls_read(struct iotcp_ctx *ctx, struct host_sock *s, void *buf, size_t len);
ssize_t host_tls_write(struct iotcp_ctx *ctx, struct host_sock *s, const void *buf, size_t len);
/* close_notify before a FIN (shutdown / close). */
void host_tls_shutdown(struct iotcp_ctx *ctx, struct host_sock *s);
/* The socket closes: close_notify unless aborting, session freed. Returns the abort decision:
 * a connection that failed with an alert closes gracefully, so that the alert is delivered. */
bool host_tls_release(struct iotcp_ctx *ctx, struct host_sock *s, bool abort);
void host_tls_timers(struct iotcp_ctx *ctx);
/* Records that may still be sealed under the current key (RFC 8446 5.5 usage limit), after a
 * KeyUpdate (1.3) when none are left or one was asked for. 0 with *room, -EAGAIN (the KeyUpdate
 * waits for send space), -EKEYEXPIRED (1.2), -EPROTO. */
int host_tls_key_room(struct iotcp_ctx *ctx, struct host_tls_sess *t, uint64_t *room);
/* Bytes a record adds to its plaintext on this session. */
uint32_t host_tls_overhead(const struct host_tls_sess *t);
void host_tls_dump_counters(struct iotcp_ctx *ctx,
			    void (*fn)(void *arg, const char *prefix, const char *name, uint64_t v),
			    void *arg);

#endif
