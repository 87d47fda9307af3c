/* SPDX-License-Identifier: BSD-2-Clause */
/* The poll loop and the once-a-second tick of iotcp-nicd (see nicd_run.h). */
#include "nicd_run.h"

#include <string.h>

#include "nicd_clock.h"
#include "nicd_forward.h"
#include "nicd_host_io.h"
#include "nicd_stats_lines.h"
#include "port/bell.h"

/* Once a second: link changes, HELLO/heartbeat, stats. */
static void tick(struct nicd *d, uint64_t now)
{
	uint8_t frame[NICD_CTL_FRAME_MAX];

	if (nicd_ports_poll_links(&d->ports))
		d->c.link_changes++;
	nicd_host_send_ctl(d, frame, nicd_ctl_tick(&d->ctl, now, frame, sizeof(frame)));
	nicd_write_stats(d);
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
	struct port *ports[2] = {d->ports.wire, d->ports.host};

	if (queued || (d->off.engine && nic_engine_busy(d->off.engine))) {
		/* The wire refused frames or reads are in flight: give the kernel and the disk a
		 * moment, but never the 1 ms idle sleep. */
		port_backoff_reset(&d->backoff);
		port_backoff_idle_sleep(&d->busy_backoff);
		return false;
	}
	port_backoff_reset(&d->busy_backoff);
	/* About to sleep with a host connected: arm the bell, then look at the host's ring once
	 * more (bell.h) — frames found there are this round's work and there is no sleep. */
	bool armed = d->ports.bell && d->ports.host_link_up && port_backoff_will_sleep(&d->backoff);
	if (armed) {
		port_bell_arm(d->ports.bell);
		if (nicd_forward(d, true)) {
			port_bell_disarm(d->ports.bell);
			port_backoff_reset(&d->backoff);
			return true;
		}
	}
	/* While no host is connected (link down, checked every tick) only the wire needs
	 * watching: with tap rx interrupts that is a blocking wait. */
	port_idle_wait(ports, d->ports.host_link_up ? 2 : 1, &d->backoff, nicd_ms_to_next_second());
	if (armed)
		port_bell_disarm(d->ports.bell);
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
		uint64_t wire_tx0 = d->off.wtx.c.tx_cycles, t0 = cycles_now(), t = t0;
		memset(r, 0, sizeof(*r));
		uint64_t nested = nicd_nested_cycles(d);
		uint16_t n = nicd_forward(d, true);
		nicd_stage_end(d, &r->host_rx, &t, &nested);
		n += nicd_forward(d, false);
		nicd_stage_end(d, &r->wire_rx, &t, &nested);
		bool work = d->off.engine && nic_engine_poll(d->off.engine, nicd_now_ns());
		uint16_t queued = d->off.wtx_ready ? nicd_wire_tx_flush(&d->off.wtx) : 0;
		nicd_stage_end(d, &r->engine, &t, &nested);
		uint64_t now = nicd_now_s();
		if (now != last_tick) {
			last_tick = now;
			tick(d, now);
			nicd_stage_end(d, &r->ticks, &t, &nested);
		}
		if (n || work || queued || d->off.wtx.c.tx_cycles != wire_tx0)
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
