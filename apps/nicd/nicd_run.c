/* SPDX-License-Identifier: BSD-2-Clause */
/* The poll loop and the once-a-second tick of iotcp-nicd (see nicd_run.h). */
#include "nicd_run.h"

#include <string.h>

#include "nicd_clock.h"
#include "nicd_forward.h"
#include "nicd_host_io.h"
#include "nicd_log.h"
#include "nicd_stats_lines.h"
#include "port/bell.h"

/* Once a second, for one shard: link changes, HELLO/heartbeat. A host link that went down (the
 * host process is gone) releases the shard's offload state: its flows and files (another host
 * on the link says HELLO with a new boot id anyway). The other shards are not touched. */
static void tick_shard(struct nicd *d, uint64_t now)
{
	uint8_t frame[NICD_CTL_FRAME_MAX];
	bool was_up = d->ports.host_link_up;

	if (nicd_ports_poll_links(&d->ports)) {
		d->c.link_changes++;
		if (was_up && !d->ports.host_link_up && d->off.engine) {
			nicd_log("%shost link down: offload state reset", d->ports.tag);
			nic_engine_reset(d->off.engine);
			d->c.engine_resets++;
		}
	}
	nicd_host_send_ctl(d, frame, nicd_ctl_tick(&d->ctl, now, frame, sizeof(frame)));
}

/* Once a second: every shard's tick, then the stats file. */
static void tick(struct nicd *d, uint64_t now)
{
	for (unsigned s = 0; s < d->opts.shards; s++)
		tick_shard(&d[s], now);
	nicd_write_stats(d);
}

/* The wire tx path's cycles, all shards. */
static uint64_t wire_tx_cycles(const struct nicd *d)
{
	uint64_t c = 0;

	for (unsigned s = 0; s < d->opts.shards; s++)
		c += d[s].off.wtx.c.tx_cycles;
	return c;
}

/* Reads in flight in any shard's engine. */
static bool engines_busy(const struct nicd *d)
{
	for (unsigned s = 0; s < d->opts.shards; s++)
		if (d[s].off.engine && nic_engine_busy(d[s].off.engine))
			return true;
	return false;
}

/* Frames waiting on any shard's host port (the bell's second look, bell.h). */
static bool hosts_forward(struct nicd *d)
{
	uint16_t n = 0;

	for (unsigned s = 0; s < d->opts.shards; s++)
		if (d[s].ports.bell && d[s].ports.host_link_up)
			n += nicd_forward(&d[s], true);
	return n != 0;
}

static void bells(struct nicd *d, bool arm)
{
	for (unsigned s = 0; s < d->opts.shards; s++)
		if (d[s].ports.bell && d[s].ports.host_link_up) {
			if (arm)
				port_bell_arm(d[s].ports.bell);
			else
				port_bell_disarm(d[s].ports.bell);
		}
}

/* A round that did something: its stages go to the totals. */
static void add_round(struct nicd_stages *total, const struct nicd_stages *r)
{
#define ADD_STAGE(name) total->name += r->name;
	NICD_STAGES(ADD_STAGE)
#undef ADD_STAGE
}

/* A round found nothing to do: back off. Returns true when frames from the host turned up
 * after all (the round's work, no sleep). */
static bool idle(struct nicd *d, uint16_t queued)
{
	struct port *ports[1 + NICD_MAX_SHARDS] = {d->ports.wire};
	unsigned np = 1;
	bool any_bell = false;

	for (unsigned s = 0; s < d->opts.shards; s++)
		if (d[s].ports.host_link_up) {
			ports[np++] = d[s].ports.host;
			any_bell = any_bell || d[s].ports.bell;
		}
	if (queued || engines_busy(d)) {
		/* The wire refused frames or reads are in flight: give the kernel and the disk a
		 * moment, but never the 1 ms idle sleep. */
		port_backoff_reset(&d->backoff);
		port_backoff_idle_sleep(&d->busy_backoff);
		return false;
	}
	port_backoff_reset(&d->busy_backoff);
	/* About to sleep with a host connected: arm the bell, then look at the host's ring once
	 * more (bell.h) — frames found there are this round's work and there is no sleep. */
	bool armed = any_bell && port_backoff_will_sleep(&d->backoff);
	if (armed) {
		bells(d, true);
		if (hosts_forward(d)) {
			bells(d, false);
			port_backoff_reset(&d->backoff);
			return true;
		}
	}
	/* While no host is connected (link down, checked every tick) only the wire needs
	 * watching: with tap rx interrupts that is a blocking wait. */
	port_idle_wait(ports, np, &d->backoff, nicd_ms_to_next_second());
	if (armed)
		bells(d, false);
	return false;
}

void nicd_run(struct nicd *d, bool (*stop)(void))
{
	uint64_t last_tick = 0;

	port_backoff_init(&d->backoff, 0, 0, 0);
	/* While the engine waits for file reads or a full wire: naps of at most 50 us. */
	port_backoff_init(&d->busy_backoff, 16, 10, 50);
	cycles_clock_init(&d->clock);
	while (!stop()) {
		struct nicd_stages *r = &d->round;
		uint64_t wire_tx0 = wire_tx_cycles(d), t0 = cycles_now(), t = t0;
		memset(r, 0, sizeof(*r));
		uint64_t nested = nicd_nested_cycles(d);
		uint16_t n = 0;
		for (unsigned s = 0; s < d->opts.shards; s++)
			n += nicd_forward(&d[s], true);
		nicd_stage_end(d, &r->host_rx, &t, &nested);
		n += nicd_forward(d, false);
		nicd_stage_end(d, &r->wire_rx, &t, &nested);
		bool work = false;
		uint16_t queued = 0;
		for (unsigned s = 0; s < d->opts.shards; s++) {
			struct nicd_offload *off = &d[s].off;
			if (off->engine && nic_engine_poll(off->engine, nicd_now_ns()))
				work = true;
			queued += off->wtx_ready ? nicd_wire_tx_flush(&off->wtx) : 0;
		}
		nicd_stage_end(d, &r->engine, &t, &nested);
		uint64_t now = nicd_now_s();
		if (now != last_tick) {
			last_tick = now;
			tick(d, now);
			nicd_stage_end(d, &r->ticks, &t, &nested);
		}
		if (n || work || queued || wire_tx_cycles(d) != wire_tx0)
			add_round(&d->c.cycles, r);
		else /* nothing happened: the whole round was polling */
			d->c.cycles.idle_poll += t - t0;
		if (n || (work && !queued)) {
			port_backoff_reset(&d->backoff);
			port_backoff_reset(&d->busy_backoff);
		} else if (idle(d, queued)) {
			continue;
		}
		d->c.cycles.idle_sleep += cycles_now() - t;
	}
}
