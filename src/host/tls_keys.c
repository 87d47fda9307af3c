/* SPDX-License-Identifier: BSD-2-Clause */
/* A connection's TLS transmit keys by epoch, reference-counted and wiped when the last
 * reference goes (see tls_keys.h). */
#include <openssl/crypto.h>
#include <stdlib.h>

#include "host/tls_keys.h"

struct host_tls_keys *host_tls_keys_get(struct host_tls_keys *k)
{
	if (k)
		k->refs++;
	return k;
}

void host_tls_keys_put(struct host_tls_keys *k)
{
	if (!k || --k->refs)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

const struct tls_key *host_tls_key_of(const struct host_tls_keys *k, uint32_t e, bool *start,
				      uint32_t *start_seq)
{
	if (!k || e > k->newest || k->newest - e >= HOST_TLS_EPOCHS)
		return NULL;
	if (start) {
		*start = k->started[e % HOST_TLS_EPOCHS];
		*start_seq = k->start_seq[e % HOST_TLS_EPOCHS];
	}
	return &k->keys[e % HOST_TLS_EPOCHS];
}
