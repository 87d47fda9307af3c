/* SPDX-License-Identifier: BSD-2-Clause */
/* A context's life: iotcp_create (EAL, the memif link to iotcp-nicd, HELLO), host_create on
 * any link, iotcp_destroy. Without DPDK in the build only the in-memory link exists
 * (iotcp_create_with_link) and iotcp_create fails with ENOTSUP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "host/arp.h"
#include "host/clock.h"
#include "host/ctx.h"
#include "host/host.h"
#include "host/link.h"
#include "host/log.h"
#include "host/loop.h"
#include "host/neigh.h"
#include "host/netif.h"
#include "host/offload_flow.h"
#include "host/offload_types.h"
#include "host/sock.h"
#include "host/tls_bio.h"
#include "host/tx_batch.h"

#if defined(IOTCP_HOST_DPDK)
#include "host/link_dpdk.h"
#include "port/port.h"

#define LINK_RETRY_MS 500
#define LINK_MSG_MS   3000

/* Open the memif port; while the NIC daemon's socket is not there, say so and retry until
 * hello_timeout_ms (0: forever). */
static struct host_link *open_link(const struct iotcp_config *cfg)
{
	tcp_time_t start = host_clock_monotonic(), next_msg = start;
	tcp_time_t limit = cfg->hello_timeout_ms
			       ? start + (tcp_time_t)cfg->hello_timeout_ms * TCP_MSEC
			       : TCP_TIME_NEVER;
	char err[256];

	for (;;) {
		struct host_link *link = link_dpdk_open_memif(cfg->nic_socket, err, sizeof(err));
		tcp_time_t now = host_clock_monotonic();
		if (link)
			return link;
		if (now >= next_msg) {
			fprintf(
			    stderr,
			    "iotcp: NIC daemon not reachable at %s (%s): is iotcp-nicd running? "
			    "retrying\n",
			    cfg->nic_socket, err);
			next_msg = now + LINK_MSG_MS * TCP_MSEC;
		}
		if (now + LINK_RETRY_MS * TCP_MSEC >= limit) {
			fprintf(stderr, "iotcp: no NIC daemon at %s within %u ms\n",
				cfg->nic_socket, cfg->hello_timeout_ms);
			return NULL;
		}
		usleep(LINK_RETRY_MS * 1000);
	}
}

struct iotcp_ctx *iotcp_create(const struct iotcp_config *cfg)
{
	struct port_eal_config ec = {0};
	struct host_options opt = {.nic = true, .wait_hello = true};
	struct host_link *link;
	struct iotcp_ctx *ctx;
	char prefix[PORT_PREFIX_MAX_LEN];
	char err[256] = "";
	int rc;

	if (!cfg || !cfg->nic_socket || !cfg->nic_socket[0]) {
		fprintf(stderr, "iotcp: no NIC daemon socket configured (nic_socket)\n");
		errno = EINVAL;
		return NULL;
	}
	if (cfg->file_prefix) {
		ec.file_prefix = cfg->file_prefix;
	} else {
		snprintf(prefix, sizeof(prefix), "iotcp-host-%ld", (long)getpid());
		ec.file_prefix = prefix;
	}
	ec.prog = "iotcp";
	ec.lcore = cfg->lcore;
	ec.mem_mb = cfg->mem_mb;
	ec.hugepages = cfg->hugepages;
	ec.log_level = "lib.eal:warning";
	rc = port_eal_init(&ec, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "iotcp: cannot start DPDK: %s\n", err);
		errno = rc == -EINVAL ? EINVAL : -rc;
		return NULL;
	}
	link = open_link(cfg);
	if (!link) {
		port_eal_cleanup();
		errno = ECONNREFUSED;
		return NULL;
	}
	ctx = host_create(cfg, link, &opt);
	if (!ctx) {
		rc = errno;
		port_eal_cleanup();
		errno = rc;
		return NULL;
	}
	ctx->own_eal = true;
	return ctx;
}

static void release_platform(struct iotcp_ctx *ctx)
{
	if (ctx->own_eal)
		port_eal_cleanup();
}
#else
struct iotcp_ctx *iotcp_create(const struct iotcp_config *cfg)
{
	fprintf(stderr, "iotcp: built without DPDK: no host link to a NIC daemon\n");
	errno = ENOTSUP;
	return NULL;
}

static void release_platform(struct iotcp_ctx *ctx)
{
}
#endif

void iotcp_config_default(struct iotcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lcore = -1;
	cfg->mem_mb = 256;
	cfg->ip = 0xc6120001u; /* 198.18.0.1 */
	cfg->prefix_len = 24;
	cfg->ip6[0] = 0x20; /* 2001:2::1 (RFC 5180 benchmarking range) */
	cfg->ip6[1] = 0x01;
	cfg->ip6[3] = 0x02;
	cfg->ip6[15] = 0x01;
	cfg->prefix6_len = 64;
	cfg->mtu = 1500;
	cfg->hello_timeout_ms = 10000;
	cfg->idle_spins = 64;
	/* 200 us, not 50: under load a poll round then finds a batch of ACKs and echoes, a
	 * third of the wakeups per GB (bench/macro: -28% host CPU-s/GB at 1 MiB files, same
	 * throughput). */
	cfg->idle_min_us = 200;
	cfg->idle_max_us = 1000;
}

static char *dup_opt(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static int check_config(const struct iotcp_config *cfg, const struct host_link *link)
{
	uint32_t ip = cfg->ip;

	if (ip == 0 || ip == 0xffffffffu || (ip >> 28) == 0xe || (ip >> 24) == 127 ||
	    cfg->prefix_len > 32)
		return -EINVAL;
	struct ipv6_addr a6;
	memcpy(a6.b, cfg->ip6, 16);
	if (!ipv6_addr_is_unspecified(&a6) &&
	    (cfg->prefix6_len > 128 || ipv6_addr_is_multicast(&a6) || ipv6_addr_is_v4mapped(&a6) ||
	     ipv6_addr_is_loopback(&a6)))
		return -EINVAL;
	if (cfg->mtu && (cfg->mtu < 576 || cfg->mtu > 9000 ||
			 (uint32_t)cfg->mtu + ETH_HDR_LEN > link->max_frame))
		return -EINVAL;
	return 0;
}

static void seed_ctx(struct iotcp_ctx *ctx, uint64_t seed)
{
	if (!seed && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = host_clock_monotonic() ^ ((uint64_t)getpid() << 32);
	rng_seed(&ctx->rng, seed);
}

/* Wait for the NIC's HELLO; false on timeout. */
static bool wait_for_nic(struct iotcp_ctx *ctx)
{
	tcp_time_t start = host_now(ctx), next_msg = start + 3 * TCP_SEC;
	tcp_time_t limit = ctx->cfg.hello_timeout_ms
			       ? start + (tcp_time_t)ctx->cfg.hello_timeout_ms * TCP_MSEC
			       : TCP_TIME_NEVER;

	while (!ctx->nic.up) {
		if (!host_poll_once(ctx))
			host_link_idle_wait(ctx->link, 1000, true);
		host_now(ctx);
		if (ctx->now >= limit)
			return false;
		if (ctx->now >= next_msg) {
			host_log(ctx,
				 "waiting for the NIC daemon (iotcp-nicd) at %s: no answer to "
				 "HELLO yet (is it running?); retrying",
				 ctx->cfg.nic_socket ? ctx->cfg.nic_socket : "the link");
			next_msg = ctx->now + 3 * TCP_SEC;
		}
	}
	return true;
}

struct iotcp_ctx *host_create(const struct iotcp_config *cfg, struct host_link *link,
			      const struct host_options *opt)
{
	static const struct host_options no_opts;
	struct iotcp_ctx *ctx = NULL;
	struct tcp_stack_config scfg = {0};
	bool oom = false;
	int err = ENOMEM;

	if (!opt)
		opt = &no_opts;
	if (!cfg || !link) {
		err = EINVAL;
		goto fail;
	}
	if (check_config(cfg, link) < 0) {
		err = EINVAL;
		goto fail;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		goto fail;
	ctx->cfg = *cfg;
	ctx->cfg.nic_socket = ctx->str_nic_socket = dup_opt(cfg->nic_socket, &oom);
	ctx->cfg.file_prefix = ctx->str_prefix = dup_opt(cfg->file_prefix, &oom);
	ctx->cfg.stats_file = ctx->str_stats = dup_opt(cfg->stats_file, &oom);
	ctx->cfg.log_file = ctx->str_log = dup_opt(cfg->log_file, &oom);
	if (oom)
		goto fail;
	if (cfg->log_file) {
		ctx->log = fopen(cfg->log_file, "a");
		if (!ctx->log) {
			err = errno;
			goto fail;
		}
	}
	ctx->link = link;
	link = NULL;
	ctx->clock = opt->clock;
	host_now(ctx);
	seed_ctx(ctx, opt->seed);
	ctx->ip = cfg->ip;
	ctx->netmask = cfg->prefix_len ? 0xffffffffu << (32 - cfg->prefix_len) : 0;
	ctx->gateway = cfg->gateway;
	memcpy(ctx->ip6.b, cfg->ip6, 16);
	ctx->has_ip6 = !ipv6_addr_is_unspecified(&ctx->ip6);
	ctx->prefix6 = cfg->prefix6_len;
	ctx->ip6_snm = ipv6_solicited_node(&ctx->ip6);
	ctx->mtu = cfg->mtu ? cfg->mtu : 1500;
	ctx->free_head = -1;
	ctx->ip_id = (uint16_t)host_random32(ctx);
	ctx->ephem_next = host_random32(ctx);
	port_backoff_init(&ctx->backoff, cfg->idle_spins, cfg->idle_min_us, cfg->idle_max_us);
	cycles_clock_init(&ctx->cyc.clock);
	neigh_init(&ctx->neigh, NEIGH_TTL);

	tcp_stack_config_default(&scfg);
	rng_fill(&ctx->rng, scfg.secret.key, sizeof(scfg.secret.key));
	if (cfg->tcp_max_conns)
		scfg.max_conns = cfg->tcp_max_conns;
	if (cfg->tcp_max_orphans)
		scfg.max_orphans = cfg->tcp_max_orphans;
	if (cfg->tcp_ooo_mem_kb)
		scfg.ooo_mem_max = (uint64_t)cfg->tcp_ooo_mem_kb << 10;
	ctx->tcp = tcp_stack_new(&scfg);
	if (!ctx->tcp)
		goto fail;
	tcp_config_default(&ctx->tcp_default);
	if (cfg->tcp_fin_timeout_ms)
		ctx->tcp_default.fin_timeout = (tcp_time_t)cfg->tcp_fin_timeout_ms * TCP_MSEC;
	ctx->tcp_default.sentmap_max = cfg->tcp_sack_entries;
	ctx->tcp_default.mss = (uint16_t)(ctx->mtu - IPV4_HDR_MIN - TCP_HDR_MIN);
	ctx->tcp_default.tso_max = ctx->tcp_default.mss; /* copy path: no TSO on the host */

	ctx->nic.enabled = opt->nic;
	host_offload_init(ctx);
	if (opt->nic) {
		/* offloaded data: RTO timing from the NIC's ECHO, TSO-sized SENDs */
		ctx->tcp_default.ext_echo = true;
		ctx->tcp_default.tso_max = HOST_OFF_TSO_MAX;
		/* the NIC's store bounds outstanding external data: no send-buffer auto-tuning
		 * until its HELLO says how big the store is (nic.c) */
		ctx->tcp_default.sndbuf_auto = false;
	}
	do
		ctx->nic.my_boot_id = rng_u64(&ctx->rng);
	while (!ctx->nic.my_boot_id);

	/* RFC 5227 section 3: announce our address. */
	host_arp_request(ctx, ctx->ip);
	host_tx_flush(ctx);
	if (opt->nic && opt->wait_hello && !wait_for_nic(ctx)) {
		host_log(ctx, "no NIC daemon answered within %u ms at %s", cfg->hello_timeout_ms,
			 cfg->nic_socket ? cfg->nic_socket : "the link");
		err = ECONNREFUSED;
		goto fail;
	}
	return ctx;
fail:
	host_link_close(link);
	if (ctx)
		iotcp_destroy(ctx);
	errno = err;
	return NULL;
}

struct iotcp_ctx *iotcp_create_with_link(const struct iotcp_config *cfg, struct host_link *link)
{
	return host_create(cfg, link, NULL);
}

static void free_resources(struct iotcp_ctx *ctx)
{
	if (ctx->log)
		fclose(ctx->log);
	free(ctx->str_nic_socket);
	free(ctx->str_prefix);
	free(ctx->str_stats);
	free(ctx->str_log);
	free(ctx->desc);
	free(ctx);
}

void iotcp_destroy(struct iotcp_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->tcp) {
		host_desc_free_all(ctx);
		host_offload_destroy(ctx);
		host_tls_destroy(ctx);
		if (ctx->link) {
			host_now(ctx);
			host_tcp_output(ctx); /* the RSTs of the aborted connections */
		}
		tcp_stack_free(ctx->tcp);
	}
	if (ctx->link)
		host_tx_flush(ctx);
	neigh_clear(&ctx->neigh);
	host_link_close(ctx->link);
	release_platform(ctx);
	free_resources(ctx);
}
