/* SPDX-License-Identifier: BSD-2-Clause */
/* The host runtime's context: struct iotcp_ctx, the state of every module of one runtime (each
 * module's own header declares its functions; the modules whose state it embeds are included
 * here, and none of them includes this header back). Not installed: applications see only
 * include/iotcp/iotcp.h. */
#ifndef IOTCP_HOST_CTX_H
#define IOTCP_HOST_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "host/clock.h"
#include "host/counters.h"
#include "host/link.h"
#include "host/neigh.h"
#include "host/nic_types.h"
#include "host/offload_types.h"
#include "iotcp/iotcp.h"
#include "port/backoff.h"
#include "port/cycles.h"
#include "tcp/tcp.h"
#include "util/rng.h"
#include "wire/pkt.h"

#define HOST_TX_BATCH 32

/* Where the host core's cycles go (counters.h: HOST_CYCLE_STAGES). */
struct host_cycles {
	HOST_CYCLE_STAGES(HOST_COUNTER_FIELD_)
	uint64_t app_mark; /* when iotcp_epoll_wait last returned (0: never) */
	struct cycles_clock clock;
};

/* Host counters (counters.h: HOST_COUNTERS, HOST_OFFLOAD_COUNTERS). */
struct host_counters {
	HOST_COUNTERS(HOST_COUNTER_FIELD_)
	HOST_OFFLOAD_COUNTERS(HOST_OFF_COUNTER_FIELD_)
	uint64_t off_errors[HOST_OFF_REASONS];
};

struct host_desc;
struct host_tls_rt;

struct iotcp_ctx {
	struct iotcp_config cfg; /* strings point into the copies below */
	char *str_nic_socket, *str_prefix, *str_stats, *str_log;
	struct host_clock clock;
	tcp_time_t now; /* refreshed once per loop pass */
	struct host_link *link;
	bool own_eal;
	FILE *log;
	uint32_t ip, netmask, gateway;
	bool has_ip6;
	uint8_t prefix6;
	struct ipv6_addr ip6, ip6_snm; /* our IPv6 address and its solicited-node group */
	uint16_t mtu;
	struct tcp_stack *tcp;
	struct tcp_config tcp_default;
	struct neigh_table neigh;
	tcp_time_t next_neigh_timer, next_stats;
	struct host_nic nic;
	struct host_offload off;
	struct host_tls_rt *tls; /* TLS sessions (tls_types.h), once a TLS context exists */
	struct host_desc *desc;
	uint32_t desc_cap;
	int32_t free_head;
	uint32_t nsocks;
	uint16_t ip_id;
	uint32_t ephem_next;
	struct host_frame tx[HOST_TX_BATCH];
	unsigned ntx;
	struct port_backoff backoff;
	struct host_counters cnt;
	struct host_cycles cyc;
	tcp_time_t next_off_pass; /* the offload pass runs after work or at this time */
	struct pkt_counters pkt;
	struct rng rng;
};

/* Refresh and return ctx->now (the context's clock). */
static inline tcp_time_t host_now(struct iotcp_ctx *ctx)
{
	ctx->now = host_clock_now(&ctx->clock);
	return ctx->now;
}

/* ctx.c */
uint32_t host_random32(struct iotcp_ctx *ctx);

#endif
