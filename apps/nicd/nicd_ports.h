/* SPDX-License-Identifier: BSD-2-Clause */
/* The daemon's two ports: the host port (net_memif, server role, with the doorbell next to its
 * socket) and the wire port (net_tap, our vnet tap, or net_af_packet), opened from the command
 * line through src/port; their link state; what they let us offer the host in HELLO. */
#ifndef IOTCP_NICD_PORTS_H
#define IOTCP_NICD_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "nicd_opts.h"
#include "port/port.h"

struct nicd_ports {
	struct port *host;
	struct port *wire; /* shard 0's: the others share it (wire_owned false) */
	bool wire_owned;
	char tag[16];		/* "" or "shard N " in log lines (--shards > 1) */
	struct port_bell *bell; /* wakes the host, woken by it (NULL: timed sleeps only) */
	uint32_t host_tso_mtu; /* > 0: host frames longer than this + 14 are TSO frames (cap TSO) */
	bool host_link_up;     /* as of the last nicd_ports_poll_links() */
	bool wire_link_up;
};

/* Open shard's host port (memif socket, vdev net_memif<shard>) and its doorbell, and the wire
 * port as o says when wire is NULL (shard 0), else share wire. 0, or -1 (logged;
 * nicd_ports_close() cleans up). */
int nicd_ports_open(struct nicd_ports *p, const struct nicd_opts *o, unsigned shard,
		    const char *socket, struct port *wire);
/* Close what nicd_ports_open() opened (any part of it). */
void nicd_ports_close(struct nicd_ports *p);
/* The HELLO capabilities (PROTO_CAP_*) the ports allow; offload: an engine runs (TLS). */
uint32_t nicd_ports_hello_caps(const struct nicd_ports *p, bool offload);
/* Read both links' state; true (and logged) when either changed since the last call. */
bool nicd_ports_poll_links(struct nicd_ports *p);

#endif
