/* SPDX-License-Identifier: BSD-2-Clause */
/* The wire port's transmit mode (nicd_tx_mode.h): TCP checksums and TSO by the port only where
 * it offers them and gains something, with the reason said at start-up. */
#include "nicd_tx_mode.h"

#include <stdio.h>
#include <string.h>

void nicd_tx_mode_choose(const struct port_caps *c, struct nicd_tx_mode *m)
{
	m->tcp_csum = c->tx_tcp_csum;
	m->tso = NICD_TSO_OFF;
	if (!c->tso) {
		m->reason = "the port offers no TSO";
	} else if (!c->tx_tcp_csum) {
		m->reason = "the port offers TSO without TCP checksum offload";
	} else if (strcmp(c->driver, "vnet_tap") == 0) {
		m->tso = NICD_TSO_KERNEL;
		m->reason = "GSO frames to the kernel tap";
	} else if (strcmp(c->driver, "net_tap") == 0) {
		/* DPDK's net_tap reports TSO but cuts the frames in software itself (rte_gso):
		 * nothing gained over the engine cutting them. */
		m->reason = "net_tap segments in software";
	} else if (!c->tx_ipv4_csum) {
		m->reason = "the port offers TSO without IPv4 checksum offload";
	} else {
		m->tso = NICD_TSO_PORT;
		m->reason = "the port reports TSO, TCP and IPv4 checksum offload";
	}
}

void nicd_tx_mode_describe(const struct nicd_tx_mode *m, char *buf, size_t len)
{
	static const char *const tso[] = {
	    [NICD_TSO_OFF] = "software (MSS frames)",
	    [NICD_TSO_KERNEL] = "the kernel (GSO)",
	    [NICD_TSO_PORT] = "the port",
	};
	snprintf(buf, len, "TCP checksums by %s, segmentation by %s: %s",
		 m->tcp_csum ? "the port" : "software", tso[m->tso], m->reason);
}
