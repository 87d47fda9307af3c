/* SPDX-License-Identifier: BSD-2-Clause */
/* Context lifecycle and the event loop pass. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "host/arp.h"
#include "host/clock.h"
#include "host/create.h"
#include "host/ctx.h"
#include "host/host.h"
#include "host/link.h"
#include "host/log.h"
#include "host/neigh.h"
#include "host/netif.h"
#include "host/nic.h"
#include "host/offload.h"
#include "host/sock.h"
#include "host/tls_session.h"
#include "host/tx_batch.h"

#define HOST_NEIGH_TICK (100 * TCP_MSEC)
#define HOST_STATS_TICK (1 * TCP_SEC)
#define HOST_RX_ROUNDS	4 /* bursts per pass before timers and output get their turn */

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

uint32_t host_random32(struct iotcp_ctx *ctx)
{
	return rng_u32(&ctx->rng);
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
	host_release_platform(ctx);
	free_resources(ctx);
}

bool host_poll_once(struct iotcp_ctx *ctx)
{
	struct host_frame f[HOST_RX_BURST];
	uint64_t tx_before = ctx->cnt.tx_frames;
	struct host_cycles st = {0};
	uint64_t t0 = cycles_now(), t = t0;
	bool work = false, timers = false;

	host_now(ctx);
	for (unsigned r = 0; r < HOST_RX_ROUNDS; r++) {
		unsigned n = host_link_rx_burst(ctx->link, f, HOST_RX_BURST);
		t = cycles_lap(&st.rx, t);
		for (unsigned i = 0; i < n; i++)
			host_rx_frame(ctx, f[i].data, f[i].len);
		t = cycles_lap(&st.input, t);
		if (n)
			host_link_rx_free(ctx->link, f, n);
		t = cycles_lap(&st.rx, t);
		work |= n > 0;
		if (n < HOST_RX_BURST)
			break;
	}
	if (tcp_stack_deadline(ctx->tcp) <= ctx->now) {
		tcp_stack_timers(ctx->tcp, ctx->now);
		timers = true;
	}
	if (ctx->now >= ctx->next_neigh_timer) {
		host_arp_timers(ctx);
		ctx->next_neigh_timer = ctx->now + HOST_NEIGH_TICK;
	}
	host_nic_timers(ctx);
	host_tls_timers(ctx);
	t = cycles_lap(&st.timers, t);
	/* Offloaded flows change on input (ACKs, ECHOs, ERRORs), on TCP timers and on the
	 * application's calls, which all happen between rounds with work: an idle spinning
	 * round needs the pass only now and then (ECHO timeouts, SEND retries). */
	if (ctx->nic.enabled &&
	    (work || timers || ctx->off.dirty || ctx->now >= ctx->next_off_pass)) {
		ctx->off.dirty = false;
		host_offload_pass(ctx);
		ctx->next_off_pass = ctx->now + HOST_OFF_PASS_TICK;
	}
	t = cycles_lap(&st.offload, t);
	host_tcp_output(ctx);
	t = cycles_lap(&st.output, t);
	host_tx_flush(ctx);
	t = cycles_lap(&st.tx, t);
	host_collect_tcp_events(ctx);
	t = cycles_lap(&st.events, t);
	work = work || ctx->cnt.tx_frames != tx_before;
	if (work) {
		struct host_cycles *c = &ctx->cyc;
		c->rx += st.rx;
		c->input += st.input;
		c->timers += st.timers;
		c->offload += st.offload;
		c->output += st.output;
		c->tx += st.tx;
		c->events += st.events;
	} else {
		ctx->cyc.idle_poll += t - t0;
	}
	if (ctx->cfg.stats_file && ctx->now >= ctx->next_stats) {
		iotcp_dump_stats(ctx, ctx->cfg.stats_file);
		ctx->next_stats = ctx->now + HOST_STATS_TICK;
	}
	return work;
}

bool host_poll(struct iotcp_ctx *ctx)
{
	ctx->off.dirty = true; /* the caller may have changed offloaded flows */
	return host_poll_once(ctx);
}

struct host_link *host_link_of(struct iotcp_ctx *ctx)
{
	return ctx->link;
}

bool host_nic_up(const struct iotcp_ctx *ctx)
{
	return ctx->nic.up;
}
