/* SPDX-License-Identifier: BSD-2-Clause */
/* The offload test bed: a host context whose frames pass the REAL NIC engine (test_nic.h) on the
 * way to and from a client context, all on in-memory links:
 *
 *   host <-> lh/ln <-> test NIC <-> lw/lc <-> client
 *
 * A test's own struct bed embeds the members (NIC_BED_MEMBERS) so that it can say b->host and
 * hand &b->nb to the helpers:
 *   struct bed { union { struct nic_bed nb; struct { NIC_BED_MEMBERS }; }; ... };
 * Header-only, like test_nic.h: its CHECKs count in the test. */
#ifndef IOTCP_TESTS_HOST_NIC_BED_H
#define IOTCP_TESTS_HOST_NIC_BED_H

#include <stdint.h>
#include <time.h>

#include "../check.h"
#include "harness.h"
#include "test_nic.h"

#define NIC_BED_MEMBERS                                                                            \
	struct host_link *lh, *ln; /* host <-> NIC */                                              \
	struct host_link *lw, *lc; /* NIC wire <-> client */                                       \
	struct iotcp_ctx *host, *client;                                                           \
	struct test_nic *nic;                                                                      \
	int eph; /* an epoll set of the host's */                                                  \
	/* optional: sees each frame the NIC sends to the client */                                \
	void (*tap)(struct nic_bed * b, const uint8_t *f, size_t len);                             \
	unsigned idle_us; /* a pump round that found nothing to do sleeps this long */

struct nic_bed {
	NIC_BED_MEMBERS
};

static inline uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void nic_bed_to_host(void *arg, const uint8_t *f, size_t len)
{
	struct nic_bed *b = arg;
	CHECK(link_mem_inject(b->lh, f, len) == 0);
}

static inline void nic_bed_to_wire(void *arg, const uint8_t *f, size_t len)
{
	struct nic_bed *b = arg;
	if (b->tap)
		b->tap(b, f, len);
	CHECK(link_mem_inject(b->lc, f, len) == 0);
}

/* The links and the NIC (MAC nic_mac) with name holding len bytes of body in its docroot. */
static inline bool nic_bed_links(struct nic_bed *b, const struct mac_addr *nic_mac,
				 const char *name, const uint8_t *body, size_t len)
{
	if (link_mem_pair(&MAC_A, nic_mac, 0, &b->lh, &b->ln) != 0 ||
	    link_mem_pair(nic_mac, &MAC_B, 0, &b->lw, &b->lc) != 0)
		return false;
	b->nic = test_nic_new(nic_mac, 0x1000, 8u << 20, nic_bed_to_host, nic_bed_to_wire, b);
	return b->nic && test_nic_write_file(b->nic, name, body, len);
}

/* One round: the host polls, the NIC takes the host's frames and polls, the client's frames
 * pass the NIC to the host, the client polls. */
static inline void nic_bed_pump(struct nic_bed *b)
{
	static uint8_t f[LINK_MEM_FRAME_MAX];
	bool work = host_poll(b->host);
	long n;

	while ((n = link_mem_take(b->ln, f, sizeof(f))) > 0) {
		test_nic_from_host(b->nic, f, (size_t)n, mono_ns());
		work = true;
	}
	test_nic_poll(b->nic, mono_ns());
	while ((n = link_mem_take(b->lw, f, sizeof(f))) > 0) {
		nic_bed_to_host(b, f, (size_t)n); /* client -> server frames pass the NIC */
		work = true;
	}
	work |= host_poll(b->client);
	if (!work)
		sleep_us(b->idle_us);
}

/* The host (IP_A) and client (IP_B) contexts, the host's epoll set; true once the NIC is up. */
static inline bool nic_bed_contexts(struct nic_bed *b, uint64_t host_seed, uint64_t client_seed)
{
	b->host = ctx_on_link(IP_A, b->lh, NULL, true, host_seed);
	b->client = ctx_on_link(IP_B, b->lc, NULL, false, client_seed);
	if (!b->host || !b->client)
		return false;
	b->eph = iotcp_epoll_create(b->host);
	for (int i = 0; i < 20000 && !host_nic_up(b->host); i++)
		nic_bed_pump(b);
	return host_nic_up(b->host);
}

/* names: the docroot's files to remove, NULL-terminated. */
static inline void nic_bed_close(struct nic_bed *b, const char *const *names)
{
	iotcp_destroy(b->client);
	iotcp_destroy(b->host);
	host_link_close(b->ln);
	host_link_close(b->lw);
	test_nic_free(b->nic, names);
}

#endif
