/* SPDX-License-Identifier: BSD-2-Clause */
/* The --stats-file's lines, gathered from every part of the daemon (see nicd_stats_lines.h). */
#include "nicd_stats_lines.h"

#include <string.h>

#include "nicd_clock.h"
#include "nicd_log.h"
#include "nicd_stats.h"
#include "port/bell.h"

#define KV_MAX 200

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

	port_stats_get(d->ports.host, &host);
	port_stats_get(d->ports.wire, &wire);
#define PORT_KV(port, line, field) nicd_kv_add(l, #port "_" #line, port.field);
	NICD_PORT_LINES(PORT_KV)
#undef PORT_KV
}

/* The control protocol's counters in group g (nicd_ctl.h NICD_CTL_COUNTERS). */
static void ctl_kv(struct nicd_kv_list *l, const struct nicd_ctl *ctl,
		   enum nicd_ctl_counter_group g)
{
#define CTL_KV(group, name)                                                                        \
	if (NICD_CTL_CG_##group == g)                                                              \
		nicd_kv_add(l, #name, ctl->c.name);
	NICD_CTL_COUNTERS(CTL_KV)
#undef CTL_KV
}

/* The engine's counters, prefixed nic_ (NIC_ENGINE_STATS in src/nic/engine.h). */
static void engine_kv(struct nicd_kv_list *l, const struct nicd *d)
{
	const struct nicd_offload *off = &d->off;
	struct nic_engine_stats es;

	memset(&es, 0, sizeof(es));
	if (off->engine)
		nic_engine_get_stats(off->engine, &es);
	nicd_kv_add(l, "offload_enabled", off->engine != NULL);
#define NIC_KV(f) nicd_kv_add(l, "nic_" #f, es.f);
	NIC_ENGINE_STATS(NIC_KV)
#undef NIC_KV
	nicd_kv_add(l, "nic_store_pinned_bytes",
		    es.store_pinned_blocks * ((uint64_t)d->opts.block_kb << 10));
	if (off->ackc) {
		struct nic_ackc_stats ac;
		nic_ackc_get_stats(off->ackc, &ac);
		nicd_kv_add(l, "nic_ackc_learnt", ac.learnt);
		nicd_kv_add(l, "nic_ackc_plain", ac.plain);
		nicd_kv_add(l, "nic_ackc_superseded", ac.superseded);
	}
	nicd_kv_add(l, "nic_io_inflight", off->io ? nic_io_inflight(off->io) : 0);
#define TLS_KV(f) nicd_kv_add(l, "nic_tls_" #f, es.tls.f);
	NIC_TLS_STATS(TLS_KV)
#undef TLS_KV
}

/* The wire tx path's counters in group g (nicd_wire_tx.h NICD_WIRE_TX_COUNTERS). */
static void wire_tx_kv(struct nicd_kv_list *l, const struct nicd_wire_tx *t,
		       enum nicd_wire_tx_counter_group g)
{
#define WTX_KV(group, name)                                                                        \
	if (NICD_WTX_CG_##group == g)                                                              \
		nicd_kv_add(l, "wire_seg_" #name, t->c.name);
	NICD_WIRE_TX_COUNTERS(WTX_KV)
#undef WTX_KV
}

void nicd_write_stats(const struct nicd *d)
{
	struct nicd_kv kv[KV_MAX];
	struct nicd_kv_list l = {kv, 0, KV_MAX};
	struct nicd_error_keys err_keys;

	if (!d->opts.stats_file)
		return;
	nicd_kv_add(&l, "uptime_s", nicd_now_s() - d->start_s);
	nicd_kv_add(&l, "boot_id", d->ctl.boot_id);
	nicd_kv_add(&l, "host_link_up", d->ports.host_link_up);
	nicd_kv_add(&l, "wire_link_up", d->ports.wire_link_up);
	ports_kv(&l, d);
	nicd_counters_kv(&l, &d->c, NICD_CG_FWD);
	ctl_kv(&l, &d->ctl, NICD_CTL_CG_HELLO);
	nicd_kv_add(&l, "host_known", d->ctl.host_known);
	nicd_kv_add(&l, "host_alive", d->ctl.host_alive);
	ctl_kv(&l, &d->ctl, NICD_CTL_CG_HOST);
	nicd_counters_kv(&l, &d->c, NICD_CG_LINK);
	nicd_kv_add(&l, "idle_sleeps", d->backoff.sleeps);
	if (d->ports.bell) {
		struct port_bell_stats bs;
		port_bell_stats(d->ports.bell, &bs);
		nicd_kv_add(&l, "bell_arms", bs.arms);
		nicd_kv_add(&l, "bell_rings", bs.rings);
		nicd_kv_add(&l, "bell_woken", bs.woken);
	}
	nicd_kv_add(&l, "busy_sleeps", d->busy_backoff.sleeps);
	engine_kv(&l, d);
	nicd_errors_kv(&l, &d->c, &err_keys);
	nicd_counters_kv(&l, &d->c, NICD_CG_ENGINE);
	ctl_kv(&l, &d->ctl, NICD_CTL_CG_REJECT);
	nicd_counters_kv(&l, &d->c, NICD_CG_HOST_TX);
	wire_tx_kv(&l, &d->off.wtx, NICD_WTX_CG_SEG);
	nicd_kv_add(&l, "wire_seg_queued", d->off.wtx.n);
	wire_tx_kv(&l, &d->off.wtx, NICD_WTX_CG_SEG_MORE);
	struct nicd_stages cycles = d->c.cycles;
	cycles.wire_tx = d->off.wtx.c.tx_cycles; /* the wire tx path counts its own */
	nicd_stages_kv(&l, &cycles);
	nicd_kv_add(&l, "cycles_hz", cycles_hz(&d->clock));
	int rc = nicd_stats_write(d->opts.stats_file, kv, l.n);
	if (rc)
		nicd_log("cannot write %s: %s", d->opts.stats_file, strerror(-rc));
}
