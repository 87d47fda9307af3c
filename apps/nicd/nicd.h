/* SPDX-License-Identifier: BSD-2-Clause */
/* The daemon's state, shared by its modules (main.c starts them in order): one struct nicd per
 * process, made of the parts each module owns; modules that need only a part take that part.
 * Also the poll round's cycle accounting (nicd_counters.h NICD_STAGES), which several stages
 * share. */
#ifndef IOTCP_NICD_H
#define IOTCP_NICD_H

#include <stdint.h>

#include "nic/steer.h"
#include "nicd_counters.h"
#include "nicd_ctl.h"
#include "nicd_engine.h"
#include "nicd_opts.h"
#include "nicd_ports.h"
#include "port/backoff.h"
#include "port/cycles.h"
#include "proto/proto.h"

#define NICD_BURST	   32	/* frames per rx burst */
#define NICD_CMD_FRAME_MAX 9216 /* largest command frame accepted from the host (jumbo) */

/* Host shards (--shards N): one struct nicd per shard, in an array. Each shard has its own host
 * port and doorbell, control protocol, offload engine (its opts are the command line's with the
 * store, files and jobs divided by N), counters. Shard 0's struct is also the daemon's: the wire
 * port is opened there (the others share its pointer), and the run loop's state (round, cycles,
 * back-off, clock), the steering key and the stats file live there alone. */
struct nicd {
	/* the command line (a shard's share of the limits): read-only once started */
	struct nicd_opts opts;
	struct nicd *shard0;	/* the first of the array (itself for shard 0) */
	unsigned shard;		/* this one's index */
	struct nic_steer steer; /* shard 0: the wire's TCP flows to shards (steer.h) */
	char host_socket[112];	/* this shard's memif socket: PATH, PATH.1, ... */
	/* the host and wire ports, the doorbell, link state (nicd_ports.h) */
	struct nicd_ports ports;
	/* the host link's control protocol: our identity, the host's, HELLO/HEARTBEAT (nicd_ctl.h) */
	struct nicd_ctl ctl;
	/* the offload engine and what it uses (nicd_engine.h); engine NULL without --docroot */
	struct nicd_offload off;
	/* host command input (nicd_host_io.c): the last sender, a contiguous copy of the frame */
	uint8_t cmd_src[PROTO_MAC_LEN];
	uint8_t frame_copy[NICD_CMD_FRAME_MAX];
	/* shard 0, --shards > 1: a wire frame made contiguous for steering (steer.h) */
	uint8_t steer_copy[PORT_TSO_FRAME_MAX];
	/* counters and cycles by stage (nicd_counters.h), the current poll round's stages */
	struct nicd_counters c;
	struct nicd_stages round;
	struct cycles_clock clock;
	/* the run loop (nicd_run.c) */
	struct port_backoff backoff;	  /* idle: nothing to do at all */
	struct port_backoff busy_backoff; /* reads in flight or the wire full: short naps */
	uint64_t start_s;		  /* nicd_now_s() when running */
};

/* Cycles already given to a stage nested in the one being timed (subtracted from it): wire tx,
 * host tx and host commands happen inside forwarding and engine stages. */
static inline uint64_t nicd_nested_cycles(const struct nicd *d)
{
	const struct nicd *d0 = d->shard0;
	uint64_t wtx = 0;

	for (unsigned s = 0; s < d0->opts.shards; s++)
		wtx += d0[s].off.wtx.c.tx_cycles;
	return wtx + d0->round.host_tx + d0->round.cmds;
}

/* Close a stage begun at *t with *nested = nicd_nested_cycles(): add its own cycles to *stage
 * and start the next one. */
static inline void nicd_stage_end(const struct nicd *d, uint64_t *stage, uint64_t *t,
				  uint64_t *nested)
{
	uint64_t now = cycles_now(), inner = nicd_nested_cycles(d);

	*stage += (now - *t) - (inner - *nested);
	*t = now;
	*nested = inner;
}

#endif
