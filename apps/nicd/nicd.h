/* SPDX-License-Identifier: BSD-2-Clause */
/* The daemon's state, shared by its modules (main.c starts them in order): one struct nicd per
 * process, made of the parts each module owns; modules that need only a part take that part.
 * Also the poll round's cycle accounting (nicd_counters.h NICD_STAGES), which several stages
 * share. */
#ifndef IOTCP_NICD_H
#define IOTCP_NICD_H

#include <stdint.h>

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

struct nicd {
	/* the command line: read-only once started */
	struct nicd_opts opts;
	/* the host and wire ports, the doorbell, link state (nicd_ports.h) */
	struct nicd_ports ports;
	/* the host link's control protocol: our identity, the host's, HELLO/HEARTBEAT (nicd_ctl.h) */
	struct nicd_ctl ctl;
	/* the offload engine and what it uses (nicd_engine.h); engine NULL without --docroot */
	struct nicd_offload off;
	/* host command input (nicd_host_io.c): the last sender, a contiguous copy of the frame */
	uint8_t cmd_src[PROTO_MAC_LEN];
	uint8_t frame_copy[NICD_CMD_FRAME_MAX];
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
	return d->off.wtx.c.tx_cycles + d->round.host_tx + d->round.cmds;
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
