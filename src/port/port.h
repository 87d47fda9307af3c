/* SPDX-License-Identifier: BSD-2-Clause */
/* The DPDK port layer: EAL start/stop and one ethdev port with its own mbuf pool, one rx and one
 * tx queue. This header has no DPDK types (the simulator includes it); the rte_mbuf hot path is
 * in port_mbuf.h. Works for net_memif, net_tap, net_af_packet and PCI ports (mlx5) alike. */
#ifndef IOTCP_PORT_PORT_H
#define IOTCP_PORT_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "port/backoff.h"
#include "port/eal_args.h"

#define PORT_MAC_LEN 6

/* Start the EAL with the argv port_eal_argv_build() makes of cfg. 0 or a negative errno; on
 * failure err says why. Call once per process. */
int port_eal_init(const struct port_eal_config *cfg, char *err, size_t errlen);
/* Release EAL resources and remove its runtime directory /var/run/dpdk/<prefix>. Close ports
 * first. */
void port_eal_cleanup(void);
/* Send DPDK's log to f (NULL: back to its default, stderr/syslog). */
void port_eal_log_stream(FILE *f);

struct port_config {
	const char *name; /* ethdev name, e.g. "net_memif0" or a PCI address */
	const char
	    *devargs;	    /* hot-plugged if not NULL ("net_tap0,iface=x"); else name must exist */
	uint16_t nb_rxd;    /* rx descriptors; 0 -> 1024 */
	uint16_t nb_txd;    /* tx descriptors; 0 -> 1024 */
	uint32_t pool_size; /* mbufs in the port's pool; 0 -> 8191 */
	uint32_t buf_data;  /* data bytes of each (past the headroom); 0 -> 2048, at most 65407 */
	bool rx_intr;	    /* try rx interrupts (only net_tap has them in DPDK 22.11) */
	bool promisc;	    /* enable promiscuous mode (a forwarding port sees others' MACs) */
	/* Not a DPDK device: create the kernel tap interface of this name ourselves, with the
	 * virtio-net header (IFF_VNET_HDR), so frames carrying RTE_MBUF_F_TX_TCP_SEG go to the
	 * kernel whole, as GSO frames of up to 64 KiB (one write for many segments), and
	 * RTE_MBUF_F_TX_TCP_CKSUM frames have their checksum completed by the kernel. Reads
	 * return ordinary frames (no offloads are accepted from the kernel). Blocking waits use
	 * the tap's file descriptor. name is still the port's name (logs). */
	const char *vnet_tap;
};

/* What the port offers, probed from rte_eth_dev_info at open. */
struct port_caps {
	char driver[32];
	bool tx_ipv4_csum;
	bool tx_tcp_csum;
	bool tx_udp_csum;
	bool tso;
	bool multi_seg;
	bool rx_intr; /* rx interrupts armed: port_idle_wait() can block on this port */
	bool tx_sync; /* port_tx_burst() is done with a frame's data when it returns (vnet tap) */
	uint32_t max_rx_pktlen;
	uint16_t mtu;
};

/* Counters: rx/tx as seen by the burst wrappers (memif servers report no ethdev stats), plus
 * the ethdev's own counters. */
struct port_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_refused;	/* frames the tx queue did not take (the caller freed them) */
	uint64_t tx_gso_frames; /* frames handed over as TSO/GSO frames (vnet tap) */
	uint64_t hw_ipackets, hw_opackets, hw_ibytes, hw_obytes;
	uint64_t hw_imissed, hw_ierrors, hw_oerrors, hw_rx_nombuf;
};

struct port;

/* Largest frame (Ethernet header included) port_tx_burst() takes as one TSO mbuf. */
#define PORT_TSO_FRAME_MAX 65535u
/* Bytes of frame one mbuf of a port's pool holds (DPDK's RTE_MBUF_DEFAULT_DATAROOM). */
#define PORT_MBUF_DATA_MAX 2048u

/* Probe (if devargs), configure and start a port. NULL on failure with err filled. */
struct port *port_open(const struct port_config *cfg, char *err, size_t errlen);
/* Stop, close and free the port and its pool. NULL is allowed. */
void port_close(struct port *p);

const char *port_name(const struct port *p);
const struct port_caps *port_get_caps(const struct port *p);
void port_mac(const struct port *p, uint8_t mac[PORT_MAC_LEN]);
bool port_link_up(const struct port *p);
void port_stats_get(const struct port *p, struct port_stats *st);
/* Send one frame built from hdr (hlen bytes) and payload (plen bytes), zero-padded to min_len,
 * copied into an mbuf of the port's pool. False when the pool is empty, the frame longer than
 * PORT_MBUF_DATA_MAX or the tx queue refused it (nothing is kept). */
bool port_tx_frame(struct port *p, const uint8_t *hdr, size_t hlen, const uint8_t *payload,
		   size_t plen, size_t min_len);

struct port_bell;
/* Attach a doorbell (bell.h) to a memif port: port_idle_wait() wakes when the peer rings and,
 * with ring_on_tx, port_tx_burst() rings the peer after sending (otherwise the caller rings
 * when it sees fit). The caller keeps ownership. NULL detaches. */
void port_set_bell(struct port *p, struct port_bell *bell, bool ring_on_tx);

/* Called after a poll round found no work on any of ports: backs off per b (spin, then sleep).
 * Ports with rx interrupts wake the sleep early: when every port has them the wait blocks up to
 * max_block_ms, otherwise it sleeps the back-off time (on the interrupts if it is >= 1 ms).
 * Ports with a bell wake it early when the peer rings (the caller arms the bell).
 * Returns the microseconds the back-off asked for (0 = just spin). */
uint32_t port_idle_wait(struct port *const *ports, unsigned n, struct port_backoff *b,
			unsigned max_block_ms);

#endif
