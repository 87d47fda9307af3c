/* SPDX-License-Identifier: BSD-2-Clause */
/* The --stats-file's lines, gathered from every part of the daemon (see nicd_stats_lines.h). */
#include "nicd_stats_lines.h"

#include <stdio.h>
#include <string.h>

#include "nicd_clock.h"
#include "nicd_log.h"
#include "nicd_stats.h"
#include "port/bell.h"

#define KV_MAX	      (200 + NICD_MAX_SHARDS * SHARD_KV)
#define SHARD_KV      10 /* lines per shard (--shards > 1) */
#define SHARD_KEY_LEN 40

/* With --shards N > 1 the lines are the sums over the shards (the host port, forwarding, the
 * control protocol's and the engine's counters), host_link_up, host_known and host_alive are
 * shard 0's, and each shard has lines of its own at the end: shard<i>_<name>. */

/* The ports' lines, each named once: X(port, line, field) writes "<port>_<line>" from field of
 * the host or the wire port's struct port_stats (port/port.h), in this order. */
/* clang-format off */
#define NICD_PORT_LINES(X)                                                                         \
	X(host, rx_frames, rx_frames) X(host, rx_bytes, rx_bytes)                                  \
	X(host, tx_frames, tx_frames) X(host, tx_bytes, tx_bytes)                                  \
	X(wire, rx_frames, rx_frames) X(wire, rx_bytes, rx_bytes)                                  \
	X(wire, tx_frames, tx_frames) X(wire, tx_bytes, tx_bytes)                                  \
	X(wire, rx_missed, hw_imissed)                                                             \
	X(wire, tx_gso_frames, tx_gso_frames)                                                      \
	X(wire, tx_errors, hw_oerrors)                                                             \
	X(wire, rx_nombuf, hw_rx_nombuf)                                                           \
	X(host, rx_nombuf, hw_rx_nombuf)
/* clang-format on */

static void ports_kv(struct nicd_kv_list *l, const struct nicd *d)
{
	struct port_stats host, wire;

	/* the host port: every shard's, summed (with --shards > 1); the wire's sums are
	 * overwritten below */
	memset(&host, 0, sizeof(host));
	memset(&wire, 0, sizeof(wire));
	for (unsigned s = 0; s < d->opts.shards; s++) {
		struct port_stats one;
		port_stats_get(d[s].ports.host, &one);
#define PORT_SUM(port, line, field) port.field += one.field;
		NICD_PORT_LINES(PORT_SUM)
#undef PORT_SUM
	}
	port_stats_get(d->ports.wire, &wire);
#define PORT_KV(port, line, field) nicd_kv_add(l, #port "_" #line, port.field);
	NICD_PORT_LINES(PORT_KV)
#undef PORT_KV
}

/* The control protocol's counters in group g (nicd_ctl.h NICD_CTL_COUNTERS). */
static void ctl_kv(struct nicd_kv_list *l, const struct nicd_ctl_counters *c,
		   enum nicd_ctl_counter_group g)
{
#define CTL_KV(group, name)                                                                        \
	if (NICD_CTL_CG_##group == g)                                                              \
		nicd_kv_add(l, #name, c->name);
	NICD_CTL_COUNTERS(CTL_KV)
#undef CTL_KV
}

/* The engine's counters, prefixed nic_ (NIC_ENGINE_STATS in src/nic/engine.h). */
static void engine_stats(const struct nicd *d, struct nic_engine_stats *es)
{
	memset(es, 0, sizeof(*es));
	for (unsigned s = 0; s < d->opts.shards; s++) {
		struct nic_engine_stats one;
		if (!d[s].off.engine)
			continue;
		nic_engine_get_stats(d[s].off.engine, &one);
#define NIC_SUM(f) es->f += one.f;
		NIC_ENGINE_STATS(NIC_SUM)
#undef NIC_SUM
#define TLS_SUM(f) es->tls.f += one.tls.f;
		NIC_TLS_STATS(TLS_SUM)
#undef TLS_SUM
	}
}

static void engine_kv(struct nicd_kv_list *l, const struct nicd *d)
{
	const struct nicd_offload *off = &d->off;
	struct nic_engine_stats es;
	uint64_t inflight = 0;

	engine_stats(d, &es);
	nicd_kv_add(l, "offload_enabled", off->engine != NULL);
#define NIC_KV(f) nicd_kv_add(l, "nic_" #f, es.f);
	NIC_ENGINE_STATS(NIC_KV)
#undef NIC_KV
	nicd_kv_add(l, "nic_store_pinned_bytes",
		    es.store_pinned_blocks * ((uint64_t)d->opts.block_kb << 10));
	if (off->ackc) {
		struct nic_ackc_stats ac = {0};
		for (unsigned s = 0; s < d->opts.shards; s++) {
			struct nic_ackc_stats one;
			if (!d[s].off.ackc)
				continue;
			nic_ackc_get_stats(d[s].off.ackc, &one);
			ac.learnt += one.learnt;
			ac.plain += one.plain;
			ac.superseded += one.superseded;
		}
		nicd_kv_add(l, "nic_ackc_learnt", ac.learnt);
		nicd_kv_add(l, "nic_ackc_plain", ac.plain);
		nicd_kv_add(l, "nic_ackc_superseded", ac.superseded);
	}
	for (unsigned s = 0; s < d->opts.shards; s++)
		inflight += d[s].off.io ? nic_io_inflight(d[s].off.io) : 0;
	nicd_kv_add(l, "nic_io_inflight", inflight);
#define TLS_KV(f) nicd_kv_add(l, "nic_tls_" #f, es.tls.f);
	NIC_TLS_STATS(TLS_KV)
#undef TLS_KV
}

/* The wire tx path's counters in group g (nicd_wire_tx.h NICD_WIRE_TX_COUNTERS). */
static void wire_tx_kv(struct nicd_kv_list *l, const struct nicd_wire_tx_counters *c,
		       enum nicd_wire_tx_counter_group g)
{
#define WTX_KV(group, name)                                                                        \
	if (NICD_WTX_CG_##group == g)                                                              \
		nicd_kv_add(l, "wire_seg_" #name, c->name);
	NICD_WIRE_TX_COUNTERS(WTX_KV)
#undef WTX_KV
}

/* The sums over the shards of the daemon's, the control protocol's and the wire tx path's
 * counters (cycles: shard 0's, where the run loop counts them). */
struct sums {
	struct nicd_counters c;
	struct nicd_ctl_counters ctl;
	struct nicd_wire_tx_counters wtx;
	uint64_t wtx_queued;
};

static void sum_shards(const struct nicd *d, struct sums *t)
{
	memset(t, 0, sizeof(*t));
	t->c.cycles = d->c.cycles;
	for (unsigned s = 0; s < d->opts.shards; s++) {
		const struct nicd *x = &d[s];
#define C_SUM(group, name) t->c.name += x->c.name;
		NICD_COUNTERS(C_SUM)
#undef C_SUM
		for (unsigned r = 0; r < NICD_ERR_REASONS; r++)
			t->c.errors_by_reason[r] += x->c.errors_by_reason[r];
#define CTL_SUM(group, name) t->ctl.name += x->ctl.c.name;
		NICD_CTL_COUNTERS(CTL_SUM)
#undef CTL_SUM
#define WTX_SUM(group, name) t->wtx.name += x->off.wtx.c.name;
		NICD_WIRE_TX_COUNTERS(WTX_SUM)
#undef WTX_SUM
		t->wtx_queued += x->off.wtx.n;
	}
}

/* --shards > 1: each shard's own lines, shard<i>_<name>. */
static void shards_kv(struct nicd_kv_list *l, const struct nicd *d,
		      char (*keys)[SHARD_KV][SHARD_KEY_LEN])
{
	if (d->opts.shards <= 1)
		return;
	for (unsigned s = 0; s < d->opts.shards; s++) {
		const struct nicd *x = &d[s];
		struct port_stats h;
		struct nic_engine_stats es;
		memset(&es, 0, sizeof(es));
		if (x->off.engine)
			nic_engine_get_stats(x->off.engine, &es);
		port_stats_get(x->ports.host, &h);
		const struct {
			const char *name;
			uint64_t v;
		} lines[SHARD_KV] = {
		    {"host_link_up", x->ports.host_link_up},
		    {"host_alive", x->ctl.host_alive},
		    {"host_rx_frames", h.rx_frames},
		    {"host_tx_frames", h.tx_frames},
		    {"forwarded_to_host", x->c.forwarded_to_host},
		    {"forwarded_to_wire", x->c.forwarded_to_wire},
		    {"dropped_to_host", x->c.dropped_to_host},
		    {"engine_resets", x->c.engine_resets},
		    {"nic_flows", es.flows},
		    {"nic_sends", es.sends},
		};
		for (unsigned i = 0; i < SHARD_KV; i++) {
			snprintf(keys[s][i], SHARD_KEY_LEN, "shard%u_%s", s, lines[i].name);
			nicd_kv_add(l, keys[s][i], lines[i].v);
		}
	}
}

void nicd_write_stats(const struct nicd *d)
{
	struct nicd_kv kv[KV_MAX];
	struct nicd_kv_list l = {kv, 0, KV_MAX};
	struct nicd_error_keys err_keys;
	static char shard_keys[NICD_MAX_SHARDS][SHARD_KV][SHARD_KEY_LEN];
	struct sums t;

	if (!d->opts.stats_file)
		return;
	sum_shards(d, &t);
	nicd_kv_add(&l, "uptime_s", nicd_now_s() - d->start_s);
	nicd_kv_add(&l, "boot_id", d->ctl.boot_id);
	nicd_kv_add(&l, "host_link_up", d->ports.host_link_up);
	nicd_kv_add(&l, "wire_link_up", d->ports.wire_link_up);
	ports_kv(&l, d);
	nicd_counters_kv(&l, &t.c, NICD_CG_FWD);
	ctl_kv(&l, &t.ctl, NICD_CTL_CG_HELLO);
	nicd_kv_add(&l, "host_known", d->ctl.host_known);
	nicd_kv_add(&l, "host_alive", d->ctl.host_alive);
	ctl_kv(&l, &t.ctl, NICD_CTL_CG_HOST);
	nicd_counters_kv(&l, &t.c, NICD_CG_LINK);
	nicd_kv_add(&l, "idle_sleeps", d->backoff.sleeps);
	if (d->ports.bell) {
		struct port_bell_stats bs, sum = {0};
		for (unsigned s = 0; s < d->opts.shards; s++) {
			if (!d[s].ports.bell)
				continue;
			port_bell_stats(d[s].ports.bell, &bs);
			sum.arms += bs.arms;
			sum.rings += bs.rings;
			sum.woken += bs.woken;
		}
		nicd_kv_add(&l, "bell_arms", sum.arms);
		nicd_kv_add(&l, "bell_rings", sum.rings);
		nicd_kv_add(&l, "bell_woken", sum.woken);
	}
	nicd_kv_add(&l, "busy_sleeps", d->busy_backoff.sleeps);
	engine_kv(&l, d);
	nicd_errors_kv(&l, &t.c, &err_keys);
	nicd_counters_kv(&l, &t.c, NICD_CG_ENGINE);
	ctl_kv(&l, &t.ctl, NICD_CTL_CG_REJECT);
	nicd_counters_kv(&l, &t.c, NICD_CG_HOST_TX);
	wire_tx_kv(&l, &t.wtx, NICD_WTX_CG_SEG);
	nicd_kv_add(&l, "wire_seg_queued", t.wtx_queued);
	wire_tx_kv(&l, &t.wtx, NICD_WTX_CG_SEG_MORE);
	struct nicd_stages cycles = d->c.cycles;
	cycles.wire_tx = t.wtx.tx_cycles; /* the wire tx path counts its own */
	nicd_stages_kv(&l, &cycles);
	nicd_kv_add(&l, "cycles_hz", cycles_hz(&d->clock));
	shards_kv(&l, d, shard_keys);
	int rc = nicd_stats_write(d->opts.stats_file, kv, l.n);
	if (rc)
		nicd_log("cannot write %s: %s", d->opts.stats_file, strerror(-rc));
}
