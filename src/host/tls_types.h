/* SPDX-License-Identifier: BSD-2-Clause */
/* The state of a TLS session on a host socket and the per-context TLS state (the design and the
 * functions: tls_session.h). */
#ifndef IOTCP_HOST_TLS_TYPES_H
#define IOTCP_HOST_TLS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "host/counters.h"
#include "iotcp/iotcp.h"
#include "tcp/types.h"
#include "tls/kdf.h"
#include "tls/seal.h"

struct iotcp_ctx;
struct host_sock;
struct host_tls_keys;

#define HOST_TLS_IN_CAP	     16384u
#define HOST_TLS_REC_SIZE    16384u /* plaintext of a full offloaded record */
#define HOST_TLS_WRITE_SLACK 128u   /* send space kept for records OpenSSL adds on its own */

struct host_tls_sess {
	struct iotcp_ctx *ctx;
	struct host_sock *sock;
	struct iotcp_tls_ctx *tctx;
	void *ssl; /* SSL * */
	enum iotcp_tls_state state;
	int err;	     /* errno reported once FAILED */
	bool handoff;	     /* OpenSSL handed the TX key over: the session seals */
	bool no_handoff;     /* refuse it (iotcp_tls_config.no_key_handoff) */
	bool shut_sent;	     /* close_notify written */
	bool key_update_due; /* the key limit is near: update before the next record */
	uint16_t version;
	uint8_t cipher;
	int ctrl_type; /* record type of the next BIO write (-1: application_data) */
	/* transmit */
	struct host_tls_keys *keys;
	struct tls_sealer *sealer;
	uint32_t epoch;
	uint64_t seq;		/* next record sequence number of the epoch */
	uint64_t epoch_records; /* records sealed under the epoch (host + NIC) */
	uint64_t key_limit;
	uint8_t secret[TLS13_SECRET_MAX]; /* TLS 1.3 server application traffic secret */
	uint8_t secret_len;
	uint8_t *out; /* sealed bytes the TCP send buffer did not take yet */
	uint32_t out_len, out_off, out_cap;
	/* receive: plaintext OpenSSL decrypted, not yet read */
	uint8_t *in;
	uint32_t in_len, in_off;
	/* handshake deadline list (ctx->tls) */
	tcp_time_t hs_deadline;
	struct host_tls_sess *hs_prev, *hs_next;
	uint64_t records_host, records_nic;
};

/* Per-context TLS state (ctx->tls), made by the first iotcp_tls_ctx_new. */
struct host_tls_rt {
	void *bio_method;	  /* BIO_METHOD * */
	struct host_tls_sess hs;  /* sentinel of the sessions in handshake */
	uint8_t rec[TLS_REC_MAX]; /* sealing scratch */
	uint64_t tag_serial;	  /* TLS body tags */
	struct host_tls_counters {
		HOST_TLS_COUNTERS(HOST_COUNTER_FIELD_)
	} cnt;
};

#endif
