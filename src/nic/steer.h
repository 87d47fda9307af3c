/* SPDX-License-Identifier: BSD-2-Clause */
/* Host shards (iotcp-nicd --shards): which host shard a frame from the wire goes to, as a NIC's
 * RSS would pick the queue. TCP (IPv4 and IPv6) goes to the shard of a keyed, symmetric hash
 * of its 4-tuple: the two endpoints (address, port) are sorted before hashing, so both
 * directions of a connection give the same shard (SipHash-2-4 under a key the NIC draws at
 * start; an outsider cannot aim connections at one shard). ARP replies and IPv6 Neighbor
 * Advertisements go to every shard (each shard resolves its own neighbours); ICMP and ICMPv6
 * errors quoting a TCP segment (fragmentation needed / Packet Too Big, unreachable, time
 * exceeded) go to the shard of the quoted connection; everything else (ARP and ND requests,
 * echo requests, frames that do not decode) goes to shard 0, which alone answers them, so they
 * are answered once. A shard whose host is down is skipped (nic_steer.live). No DPDK:
 * unit-tested alone. */
#ifndef IOTCP_NIC_STEER_H
#define IOTCP_NIC_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NIC_STEER_MAX_SHARDS 8
#define NIC_STEER_ALL	     0xffu /* nic_steer_frame(): a copy to every shard */

struct nic_steer {
	uint8_t key[16];
	unsigned nshards; /* 1..NIC_STEER_MAX_SHARDS */
	/* Bit i: shard i's host is up. A frame whose shard is down goes to a live shard instead
	 * (chosen by the same hash among the live ones), so new connections of a dead shard are
	 * served and its old ones get a RST rather than silence; the flows of live shards never
	 * move. 0: no shard known to be up (start-up): every shard counts as live. */
	uint8_t live;
};

/* shard if it is live (or nothing is known), else a live shard picked by h. */
unsigned nic_steer_live(const struct nic_steer *s, unsigned shard, uint32_t h);

/* The shard of a TCP connection between (a, aport) and (b, bport), addresses alen (4 or 16)
 * network-order bytes, ports in host order; the same whichever endpoint is a. */
unsigned nic_steer_tuple(const struct nic_steer *s, const uint8_t *a, uint16_t aport,
			 const uint8_t *b, uint16_t bport, size_t alen);

/* The shard an Ethernet frame of len bytes (without FCS) from the wire goes to, or
 * NIC_STEER_ALL. Checksums are not verified (the shard's host does). */
unsigned nic_steer_frame(const struct nic_steer *s, const uint8_t *frame, size_t len);

#endif
