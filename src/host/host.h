/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal entry points of libiotcp for tests, the offload simulator and tools (not part of the
 * public API in include/iotcp/iotcp.h). */
#ifndef IOTCP_HOST_HOST_H
#define IOTCP_HOST_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "host/clock.h"
#include "host/link.h"
#include "iotcp/iotcp.h"

struct host_options {
	bool nic;		 /* a NIC daemon is on the link: HELLO, heartbeats, link loss */
	bool wait_hello;	 /* block in create until the NIC answers (cfg->hello_timeout_ms) */
	struct host_clock clock; /* zero: CLOCK_MONOTONIC */
	uint64_t seed;		 /* non-zero: deterministic secrets, boot id and ports (tests) */
};

/* A context on an existing link. The context owns the link from now on, also on failure
 * (then it is closed). NULL with errno (EINVAL, ENOMEM, ECONNREFUSED). */
struct iotcp_ctx *host_create(const struct iotcp_config *cfg, struct host_link *link,
			      const struct host_options *opt);
/* Same with no NIC expected (two hosts on one in-memory segment). */
struct iotcp_ctx *iotcp_create_with_link(const struct iotcp_config *cfg, struct host_link *link);

/* One pass of the event loop (rx, input, timers, output, tx); true if it did any work. */
bool host_poll(struct iotcp_ctx *ctx);
/* The context's link (tests inspect its counters). */
struct host_link *host_link_of(struct iotcp_ctx *ctx);
/* True once the NIC answered HELLO and while its heartbeats arrive. */
bool host_nic_up(const struct iotcp_ctx *ctx);
/* Counter by its stats-file name ("host_rx_dropped", "pkt_tcp_csum", "tcp_drop_no_conn",
 * "arp_resolved", ...); false when there is no such counter. */
bool host_counter(struct iotcp_ctx *ctx, const char *name, uint64_t *value);

#endif
