/* SPDX-License-Identifier: BSD-2-Clause */
/* What the --stats-file holds, in order: uptime and link state, the ports' counters, forwarding,
 * the control protocol, the idle back-off and doorbell, the offload engine (NIC_ENGINE_STATS,
 * NIC_TLS_STATS), ERRORs by reason, the wire tx path, cycles by stage. Names and order are the
 * file's format (tools/iotcp-lab stats, the interop tests and bench/ read them). */
#ifndef IOTCP_NICD_STATS_LINES_H
#define IOTCP_NICD_STATS_LINES_H

#include "nicd.h"

/* Replace the stats file (no-op without --stats-file; a failure is logged). */
void nicd_write_stats(const struct nicd *d);

#endif
