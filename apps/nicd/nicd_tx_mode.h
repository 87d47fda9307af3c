/* SPDX-License-Identifier: BSD-2-Clause */
/* How the offload engine's frames leave through the wire port, chosen once at start-up from
 * what the port reports (port_caps, from rte_eth_dev_info.tx_offload_capa): TCP checksums and
 * segmentation by the port where it offers them, by the engine in software otherwise. Either
 * way the client receives the same bytes (tests/unit/nic/test_engine_offload.c). */
#ifndef IOTCP_NICD_TX_MODE_H
#define IOTCP_NICD_TX_MODE_H

#include <stdbool.h>
#include <stddef.h>

#include "port/port.h"

enum nicd_tso {
	NICD_TSO_OFF,	/* the engine cuts MSS frames */
	NICD_TSO_KERNEL, /* our vnet tap: the kernel takes GSO frames whole (virtio-net header) */
	NICD_TSO_PORT,	/* a DPDK port segments (RTE_MBUF_F_TX_TCP_SEG): e.g. mlx5 on BlueField */
};

struct nicd_tx_mode {
	bool tcp_csum;	    /* the port completes TCP checksums (RTE_ETH_TX_OFFLOAD_TCP_CKSUM) */
	enum nicd_tso tso;  /* NICD_TSO_PORT also needs TCP_CKSUM and IPV4_CKSUM offload */
	const char *reason; /* why TSO is what it is (a static string) */
};

/* The mode for a wire port with these capabilities. */
void nicd_tx_mode_choose(const struct port_caps *c, struct nicd_tx_mode *m);

/* One line for the start-up log, e.g. "TCP checksums by the port, TSO by the port (mlx5...)". */
void nicd_tx_mode_describe(const struct nicd_tx_mode *m, char *buf, size_t len);

#endif
