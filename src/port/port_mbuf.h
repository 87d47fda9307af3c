/* SPDX-License-Identifier: BSD-2-Clause */
/* The rte_mbuf hot path of a port (needs DPDK headers). */
#ifndef IOTCP_PORT_PORT_MBUF_H
#define IOTCP_PORT_PORT_MBUF_H

#include <rte_mbuf.h>

#include "port/port.h"

/* Receive up to n frames; counts them. */
uint16_t port_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n);
/* Transmit up to n frames; returns how many the port took. The caller still owns (and must free
 * or retry) pkts[ret..n-1]; they are counted as tx_refused. */
uint16_t port_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n);
/* The port's mbuf pool (for frames the caller builds). */
struct rte_mempool *port_mempool(const struct port *p);
uint16_t port_ethdev_id(const struct port *p);

#endif
