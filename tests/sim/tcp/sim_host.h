/* SPDX-License-Identifier: BSD-2-Clause */
/* A TCP stack on a simulated host: encodes the stack's output into raw IPv4 or IPv6 packets
 * (src/wire/pkt.h; the family of each segment's tuple) onto a sim_link, decodes arriving packets
 * (checksums verified, so corrupted packets are caught and counted) and keeps one wakeup for the
 * stack's next deadline. A host has an IPv4 address and optionally an IPv6 one
 * (sim_host_set_addr6); arriving packets are told apart by their IP version and handed to
 * tcp_stack_input or tcp_stack_input6.
 * An optional application callback runs after every input and timer. Data segments longer
 * than the MSS (TSO) are cut into MSS-sized packets here, as the NIC would. External payload
 * ranges are filled with sim_pattern(tag_off + i), the same pattern the bulk app writes.
 *
 * Frame check: like an Ethernet FCS, each packet carries an 8-byte trailer (a 64-bit hash of the
 * packet; the IPv4 total length or the IPv6 payload length excludes it, so decoders see it as
 * padding). Arriving packets are first decoded with checksum verification (corruption the
 * IP/TCP checksums catch is counted in rx); the trailer then catches what the 16-bit ones'
 * complement sums miss (e.g. two flips of the same bit position in opposite directions),
 * counted in fcs_bad. */
#ifndef IOTCP_TESTS_SIM_HOST_H
#define IOTCP_TESTS_SIM_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "link.h"
#include "sim.h"
#include "tcp/tcp.h"
#include "wire/pkt.h"

struct sim_host;
typedef void (*sim_host_app_fn)(struct sim_host *h, void *ctx);
/* Return false to drop an outgoing packet (test-controlled losses). */
typedef bool (*sim_host_tx_filter_fn)(struct sim_host *h, const struct tcp_hdr *th, uint32_t len,
				      void *ctx);

struct sim_host {
	struct sim *sim;
	struct tcp_stack *stack;
	struct sim_link *out;
	uint32_t addr;		/* IPv4 address (host order) */
	struct ipv6_addr addr6; /* IPv6 address, when has6 (sim_host_set_addr6) */
	bool has6;
	struct sim_wakeup wake;
	sim_host_app_fn app;
	void *app_ctx;
	sim_host_tx_filter_fn tx_filter;
	void *tx_ctx;
	struct pkt_counters rx; /* decode results of arriving packets */
	uint64_t tx_pkts, tx_bytes, tx_filtered, tx_build_fail;
	uint64_t fcs_bad; /* corrupted packets the TCP/IP checksums did not catch */
	uint16_t ip_id;
	uint8_t *buf;
};

/* The deterministic stream pattern: byte at stream offset i. */
static inline uint8_t sim_pattern(uint64_t i)
{
	uint64_t x = (i >> 6) * 0x9e3779b97f4a7c15ull;
	return (uint8_t)((x >> 56) ^ (uint8_t)i);
}

/* A host at addr whose packets leave on out and arrive from in. */
struct sim_host *sim_host_new(struct sim *sim, uint32_t addr, uint64_t seed, struct sim_link *out,
			      struct sim_link *in);
void sim_host_free(struct sim_host *h);
/* Give the host an IPv6 address too (dual stack): IPv6 packets to a go to tcp_stack_input6. */
void sim_host_set_addr6(struct sim_host *h, const struct ipv6_addr *a);
/* Send what the stack wants to send and re-arm the wakeup. Call after application calls. */
void sim_host_kick(struct sim_host *h);

#endif
