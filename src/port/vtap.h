/* SPDX-License-Identifier: BSD-2-Clause */
/* A kernel tap interface driven directly (not through DPDK's net_tap) with the virtio-net header
 * (IFF_VNET_HDR): a TSO mbuf (RTE_MBUF_F_TX_TCP_SEG, tso_segsz) is written whole as one GSO frame
 * the kernel segments later (or never, when it delivers locally), and TCP checksums marked
 * RTE_MBUF_F_TX_TCP_CKSUM are completed by the kernel (VIRTIO_NET_HDR_F_NEEDS_CSUM). One write
 * then carries up to 64 KiB instead of one MSS. The kernel is allowed no offloads towards us
 * (TUNSETOFFLOAD 0): every frame read is an ordinary, complete frame. */
#ifndef IOTCP_PORT_VTAP_H
#define IOTCP_PORT_VTAP_H

#include <stdint.h>

#include <rte_mbuf.h>

struct vtap_counters {
	uint64_t tx_gso;    /* frames written as GSO frames */
	uint64_t tx_errors; /* frames the kernel rejected (dropped, freed) */
	uint64_t rx_errors; /* reads that failed other than "nothing there" */
	uint64_t rx_nombuf; /* no mbuf for a read */
};

/* Create (or attach to) tap ifname with a virtio-net header, non-blocking, and set it up.
 * Returns the file descriptor or a negative errno. */
int vtap_open(const char *ifname);
/* Read up to n frames into mbufs of pool. */
uint16_t vtap_rx_burst(int fd, struct rte_mempool *pool, struct rte_mbuf **pkts, uint16_t n,
		       struct vtap_counters *c);
/* Write up to n frames; returns how many were consumed (written or rejected: those are freed).
 * A full tap queue stops the burst: pkts[ret..n-1] still belong to the caller. */
uint16_t vtap_tx_burst(int fd, struct rte_mbuf **pkts, uint16_t n, struct vtap_counters *c);

#endif
