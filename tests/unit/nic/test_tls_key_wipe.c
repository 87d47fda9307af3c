/* SPDX-License-Identifier: BSD-2-Clause */
/* Key hygiene on the NIC (tls_flow.c): when a key epoch is retired (ACKD past a newer epoch's
 * start), when a flow ends (ACKD END) and when the host restarts (reset), no memory the NIC
 * gives back still holds the key. free() is interposed: every block freed while the test runs
 * is searched for the keys (their first 16 bytes; AES's first round key is the key itself, so a
 * cipher context freed without being cleansed shows too). Not under AddressSanitizer, which
 * owns free(). */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "nic/store.h"
#include "nic/tls_flow.h"
#include "proto/offload.h"
#include "tls/record.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_INTERPOSE 1
#endif
#endif

#ifndef NO_INTERPOSE
extern void __libc_free(void *p);

#define NEEDLES 4
static uint8_t needle[NEEDLES][16];
static unsigned nneedles;
static unsigned long found[NEEDLES];
static unsigned long scanned;

/* Every free() of the process comes here (the executable's definition wins). */
void free(void *p)
{
	if (p) {
		size_t n = malloc_usable_size(p);
		scanned++;
		for (unsigned i = 0; i < nneedles; i++)
			if (memmem(p, n, needle[i], sizeof(needle[i])))
				found[i]++;
	}
	__libc_free(p);
}

static unsigned long found_any(void)
{
	unsigned long n = 0;
	for (unsigned i = 0; i < nneedles; i++)
		n += found[i];
	return n;
}

static void fill_key(struct proto_tls_key *k, uint32_t flow, uint32_t epoch, uint8_t cipher,
		     unsigned seed)
{
	memset(k, 0, sizeof(*k));
	k->flow = flow;
	k->epoch = epoch;
	k->version = TLS_VERSION_13;
	k->cipher = cipher;
	k->key_len = cipher == TLS_CIPHER_AES_256_GCM ? 32 : 16;
	k->iv_len = 12;
	srand(seed);
	for (unsigned i = 0; i < k->key_len; i++)
		k->key[i] = (uint8_t)(rand() >> 7);
	for (unsigned i = 0; i < k->iv_len; i++)
		k->iv[i] = (uint8_t)(rand() >> 7);
	if (nneedles < NEEDLES)
		memcpy(needle[nneedles++], k->key, 16);
}

/* The scanner itself: a block freed with the key in it is seen. */
static void test_scanner(void)
{
	struct proto_tls_key k;
	fill_key(&k, 1, 0, TLS_CIPHER_AES_128_GCM, 99);
	void (*volatile do_free)(void *) = free; /* not a malloc/free pair the compiler drops */
	uint8_t *p = malloc(100);
	CHECK(p != NULL);
	if (p)
		memcpy(p + 40, k.key, 16);
	do_free(p);
	CHECK_EQ_U64(found[0], 1);
	memset(found, 0, sizeof(found));
	nneedles = 0;
}

static void test_drops(void)
{
	struct nic_store *store = nic_store_new(1u << 20, 4096);
	struct nic_tls *t = store ? nic_tls_new(store, 0) : NULL;
	struct nic_tls_stats st;
	struct proto_tls_key k;
	uint16_t reason;

	CHECK(t != NULL);
	if (!t)
		return;
	/* flow 7: epoch 0, then epoch 1 from TCP sequence number 1000 (a KeyUpdate) */
	fill_key(&k, 7, 0, TLS_CIPHER_AES_128_GCM, 1);
	CHECK(nic_tls_key(t, &k, &reason) == 0);
	fill_key(&k, 7, 1, TLS_CIPHER_AES_128_GCM, 2);
	k.flags = PROTO_TLS_KEY_F_START;
	k.start_seq = 1000;
	CHECK(nic_tls_key(t, &k, &reason) == 0);
	/* flow 8 (AES-256): dropped by the host restart below */
	fill_key(&k, 8, 0, TLS_CIPHER_AES_256_GCM, 3);
	CHECK(nic_tls_key(t, &k, &reason) == 0);
	memset(&k, 0, sizeof(k)); /* the test's own copy */
	CHECK_EQ_U64(found_any(), 0);

	/* ACKD past epoch 1's start: epoch 0 retired (its sealer freed, the epoch cleansed) */
	nic_tls_ackd(t, 7, 2000, false);
	nic_tls_get_stats(t, &st);
	CHECK_EQ_U64(st.epochs_wiped, 1);
	CHECK_EQ_U64(found_any(), 0);
	/* ACKD END: the flow and its last epoch go */
	nic_tls_ackd(t, 7, 2000, true);
	nic_tls_get_stats(t, &st);
	CHECK_EQ_U64(st.epochs_wiped, 2);
	CHECK_EQ_U64(st.flows, 1);
	/* host restart */
	nic_tls_reset(t);
	nic_tls_get_stats(t, &st);
	CHECK_EQ_U64(st.epochs_wiped, 3);
	CHECK_EQ_U64(st.flows, 0);
	nic_tls_free(t);
	nic_store_free(store);
	printf("%lu blocks freed and searched\n", scanned);
	CHECK(scanned >= 6); /* flows, sealers and their cipher contexts at least */
	for (unsigned i = 0; i < nneedles; i++)
		CHECK_EQ_U64(found[i], 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_scanner);
	RUN(test_drops);
	RUN_DONE();
}
#else
int main(void)
{
	(void)check_count; /* check.h's counters, unused here */
	(void)check_failures;
	printf("SKIP: AddressSanitizer owns free(), which this test interposes\n");
	return 77;
}
#endif
