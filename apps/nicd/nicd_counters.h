/* SPDX-License-Identifier: BSD-2-Clause */
/* The daemon's own counters (forwarding, host I/O, engine resets, ERRORs by reason, cycles by
 * stage), each named once, in the lists below: the struct fields and the stats file's lines
 * (nicd_stats_lines.c) are generated from them, the key being the field's name. The engine's
 * counters have their lists in src/nic (NIC_ENGINE_STATS, NIC_TLS_STATS), the control
 * protocol's in nicd_ctl.h (NICD_CTL_COUNTERS), the wire tx path's in nicd_wire_tx.h
 * (NICD_WIRE_TX_COUNTERS). */
#ifndef IOTCP_NICD_COUNTERS_H
#define IOTCP_NICD_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/offload.h"

/* Where a counter's line goes in the stats file, between the lines of the ports, the control
 * protocol and the engine (the order is part of the file's format: tests and bench.py read it;
 * nicd_stats_lines.c writes the groups in this order). */
enum nicd_counter_group {
	NICD_CG_FWD,	 /* after the ports' counters */
	NICD_CG_LINK,	 /* after the control protocol's */
	NICD_CG_ENGINE,	 /* after the ERRORs by reason */
	NICD_CG_HOST_TX, /* after the offload rejections */
};

/* X(group, name): one uint64_t counter, stats key "name". */
#define NICD_COUNTERS(X)                                                                           \
	X(FWD, forwarded_to_wire)     /* host frames handed to the wire port */                    \
	X(FWD, forwarded_to_host)     /* wire frames handed to the host port */                    \
	X(FWD, forwarded_tso_to_wire) /* host TSO frames marked for the wire port to cut */        \
	X(FWD, host_tso_malformed)    /* long host frames that are no TSO frame: dropped */        \
	X(FWD, dropped_to_wire)	      /* the wire port's tx queue refused them */                  \
	X(FWD, dropped_to_host)	      /* the host port's tx queue refused them */                  \
	X(FWD, dropped_runt)	      /* shorter than an Ethernet header */                        \
	X(FWD, dropped_wire_proto)    /* 0x88B5 frames arriving from the wire */                   \
	X(FWD, ctl_tx_dropped)	      /* our control frames (HELLO, HEARTBEAT) the host refused */ \
	X(FWD, steered_to_all)	      /* --shards: ARP replies, NAs copied to every shard */       \
	X(LINK, link_changes)	      /* the host or the wire link went up or down */              \
	X(ENGINE, engine_resets)      /* host restarts seen by the engine (offload state reset) */ \
	X(HOST_TX, cmd_tx_dropped)    /* engine answers the host port refused */

/* X(name): where the NIC core's cycles go, stats key "cycles_name", each stage exclusive of the
 * others. A poll round times its stages; a round that found nothing to do counts as idle_poll,
 * back-off sleeps as idle_sleep. */
#define NICD_STAGES(X)                                                                             \
	X(host_rx)    /* host port rx and forwarding host frames to the wire */                    \
	X(cmds)	      /* host commands (control protocol, engine command handling) */              \
	X(wire_rx)    /* wire port rx and forwarding to the host */                                \
	X(engine)     /* engine poll: file I/O reaping, segment building */                        \
	X(wire_tx)    /* segments to the wire port: counted by nicd_wire_tx (c.tx_cycles) */       \
	X(host_tx)    /* frames we build for the host port (engine answers, control frames) */     \
	X(ticks)      /* once a second: links, heartbeat, stats */                                 \
	X(idle_poll)  /* rounds that found nothing to do */                                        \
	X(idle_sleep) /* back-off sleeps */

#define NICD_COUNTER_FIELD(group, name) uint64_t name;
#define NICD_STAGE_FIELD(name)		uint64_t name;

struct nicd_stages {
	NICD_STAGES(NICD_STAGE_FIELD)
};

/* ERRORs sent to the host, by reason (docs/protocol.md ERROR); [0] is any other reason.
 * Stats keys "nic_error_<reason name>", then "nic_error_other". */
#define NICD_ERR_REASONS (PROTO_ERR_REASON_MAX + 1)

struct nicd_counters {
	NICD_COUNTERS(NICD_COUNTER_FIELD)
	uint64_t errors_by_reason[NICD_ERR_REASONS];
	struct nicd_stages cycles; /* totals of the busy rounds' stages, idle_poll, idle_sleep */
};

#undef NICD_COUNTER_FIELD
#undef NICD_STAGE_FIELD

#endif
