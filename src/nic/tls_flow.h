/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC's TLS path: per-flow key epochs (TLS_KEY), the records of TLS_SENDs and their tags,
 * and the bytes of any range of a body's record stream (src/tls does the arithmetic and the
 * crypto). The engine keeps jobs, blocks and segmentation; this module decides what a TLS job's
 * payload bytes are and refuses anything that could put plaintext, or a second ciphertext under
 * one nonce, on the wire.
 *
 * Records. Every record a TLS_SEND touches gets an entry, per (flow, epoch, sequence number),
 * binding the number to its plaintext (file identity, offset, length) and TCP position, with a
 * pin on the store blocks under that plaintext; the first time any of its bytes is needed the
 * whole record is sealed and its tag kept; later bytes of it (the rest of a record an earlier
 * job ended inside, a retransmission) are AES-CTR at the right counter plus the kept tag. The
 * entry lives until ACKD passes the record's end; sequence numbers below the last one released
 * are refused from then on. Records sealed whole whose last byte has not left yet are kept in a
 * shared pool of slots, so a record cut across frames or across two TLS_SENDs is sealed once and
 * its rest copied.
 *
 * Epochs. A flow keeps at most NIC_TLS_EPOCHS keys. An older epoch is wiped once ACKD passed
 * the first byte of a newer one (TLS_KEY START) and no job or unacknowledged record uses it;
 * without START it stays until the flow ends. */
#ifndef IOTCP_NIC_TLS_FLOW_H
#define IOTCP_NIC_TLS_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/offload.h"

#define NIC_TLS_EPOCHS	    8u
#define NIC_TLS_MAX_RECORDS 65536u /* unacknowledged records per flow */

struct nic_store;
struct nic_block;
struct nic_tls;
struct nic_tls_job;

/* X(name): the field `name` of struct nic_tls_stats, written as "nic_tls_<name>". */
/* clang-format off */
#define NIC_TLS_STATS(X)                                                                           \
	X(keys) X(key_errors) X(epochs_live) X(epochs_wiped)                                       \
	X(flows)                                                                                   \
	X(sends) X(send_errors)                                                                    \
	X(records_live)  /* entries: records sent and not yet acknowledged */                      \
	X(seals)         /* whole records sealed (AES-GCM) */                                      \
	X(seal_bytes)    /* their plaintext bytes */                                               \
	X(range_seals)   /* partial records produced by AES-CTR + kept tag */                      \
	X(range_bytes)   /* bytes produced that way */                                             \
	X(cache_hits)    /* partial records copied from a recently sealed record */                \
	X(cache_evictions) /* cached records dropped for room before their last byte left */       \
	X(file_changed)
/* clang-format on */
#define NIC_TLS_STAT_FIELD_(name) uint64_t name;

struct nic_tls_stats {
	NIC_TLS_STATS(NIC_TLS_STAT_FIELD_)
};

/* max_flows: flows with TLS state at once. NULL on ENOMEM. */
struct nic_tls *nic_tls_new(struct nic_store *store, uint32_t max_flows);
/* Free everything (every job must be gone); keys are wiped. */
void nic_tls_free(struct nic_tls *t);
/* The host restarted: forget every flow (call after the jobs are freed). */
void nic_tls_reset(struct nic_tls *t);

/* TLS_KEY. 0, or -errno with *reason (PROTO_ERR_*) for the ERROR. */
int nic_tls_key(struct nic_tls *t, const struct proto_tls_key *k, uint16_t *reason);

/* Admission of a TLS_SEND for a file of file_size bytes: its key epoch, range and sequence
 * numbers. Sets the plaintext range the job must pin (whole records). The job, or NULL with
 * *err (-errno) and *reason (PROTO_ERR_*). */
struct nic_tls_job *nic_tls_job_prepare(struct nic_tls *t, const struct proto_send *s,
					uint64_t file_size, uint64_t *pin_off, uint64_t *pin_len,
					int *err, uint16_t *reason);
/* Bind a prepared job (template sequence number tcp_seq) to its records once the engine holds
 * the blocks of the pin range: blocks[k] is block first_block + k of the file whose store
 * identity is file_key; they must stay valid (pinned) until nic_tls_job_free. 0, or -errno with
 * *reason when a record is refused. */
int nic_tls_job_bind(struct nic_tls *t, struct nic_tls_job *j, uint32_t tcp_seq, uint64_t file_key,
		     struct nic_block *const *blocks, uint32_t nblocks, uint64_t first_block,
		     uint16_t *reason);
void nic_tls_job_free(struct nic_tls *t, struct nic_tls_job *j);
/* Before the job's first byte: is the file behind fd still the one opened as file_key? With
 * stat false the caller vouches for it (a recent check of the same file, no read of its own):
 * the job is accepted without a syscall. 0, or -ESTALE (*reason file_changed) / -errno of fstat
 * (*reason io). */
#define NIC_TLS_STAT_PERIOD_NS 1000000u /* re-check a file at least this often while it is sent */
int nic_tls_job_check_file(struct nic_tls *t, struct nic_tls_job *j, int fd, uint64_t file_key,
			   bool stat, uint16_t *reason);
/* The job's payload bytes [off, off + n) (n <= NIC_TLS_FILL_MAX) into out. 0 or -EIO. */
#define NIC_TLS_FILL_MAX 65536u
int nic_tls_job_fill(struct nic_tls *t, struct nic_tls_job *j, uint32_t off, uint32_t n,
		     uint8_t *out);

/* ACKD: records of flow ending at or before acked are released; with end, the flow's TLS state
 * goes (keys wiped). */
void nic_tls_ackd(struct nic_tls *t, uint32_t flow, uint32_t acked, bool end);

void nic_tls_get_stats(const struct nic_tls *t, struct nic_tls_stats *st);

/* Call fn for every flow with TLS state (a SYNC sweep collects the ones to end). */
void nic_tls_for_each_flow(const struct nic_tls *t, void (*fn)(void *ctx, uint32_t flow),
			   void *ctx);
/* Invariant checks (nic_engine_check): add the pins the records hold to pins[block id - 1]. */
void nic_tls_count_pins(const struct nic_tls *t, uint32_t *pins);

#endif
