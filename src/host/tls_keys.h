/* SPDX-License-Identifier: BSD-2-Clause */
/* The TLS transmit keys of one connection by epoch (tls_keys.c), shared by its session
 * (tls_bio.c: host sealing, KeyUpdate) and its offload flows (tls_flow.c: TLS_KEY to the
 * NIC, also after the socket closed). */
#ifndef IOTCP_HOST_TLS_KEYS_H
#define IOTCP_HOST_TLS_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "tls/seal.h"

#define HOST_TLS_EPOCHS 8u /* key epochs kept for the NIC (its limit per flow) */

/* Wiped when the last reference goes. */
struct host_tls_keys {
	unsigned refs;
	uint32_t newest; /* epoch of the newest key; keys[e % HOST_TLS_EPOCHS] */
	struct tls_key keys[HOST_TLS_EPOCHS];
	/* epochs after a KeyUpdate: TCP sequence number of their first byte (TLS_KEY START) */
	uint32_t start_seq[HOST_TLS_EPOCHS];
	bool started[HOST_TLS_EPOCHS];
};

struct host_tls_keys *host_tls_keys_get(struct host_tls_keys *k);
void host_tls_keys_put(struct host_tls_keys *k);
/* The key of epoch e, or NULL when it is no longer kept; *start (if not NULL): whether the
 * epoch began after a KeyUpdate, at TCP sequence number *start_seq. */
const struct tls_key *host_tls_key_of(const struct host_tls_keys *k, uint32_t e, bool *start,
				      uint32_t *start_seq);

#endif
