/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP for IPv4 over Ethernet (RFC 826). */
#ifndef IOTCP_WIRE_ARP_H
#define IOTCP_WIRE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/eth.h"

#define ARP_LEN	       28 /* Ethernet/IPv4 ARP message */
#define ARP_HTYPE_ETH  1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2

/* A decoded Ethernet/IPv4 ARP message; addresses in host order. */
struct arp_pkt {
	uint16_t op;
	struct mac_addr sha, tha; /* sender / target hardware address */
	uint32_t spa, tpa;	  /* sender / target protocol address */
};

/* Errors from arp_decode: always negative. */
enum {
	ARP_E_TRUNC = -1,  /* fewer than 28 bytes */
	ARP_E_FORMAT = -2, /* htype != 1, ptype != 0x0800, hlen != 6 or plen != 4 */
	ARP_E_OP = -3,	   /* op is neither request nor reply */
};

/* Decode the ARP message at p (trailing Ethernet padding is ignored). Returns 0 or ARP_E_*. */
int arp_decode(const uint8_t *p, size_t len, struct arp_pkt *a);

/* Encode a (htype 1, ptype 0x0800, hlen 6, plen 4). Returns ARP_LEN or 0 if cap is too small. */
size_t arp_encode(uint8_t *p, size_t cap, const struct arp_pkt *a);

/* Fill *reply with the answer to request *req from the owner of req->tpa at my_mac. */
void arp_make_reply(const struct arp_pkt *req, const struct mac_addr *my_mac,
		    struct arp_pkt *reply);

/* Human-readable name of an arp_decode error. */
const char *arp_strerror(int err);

#endif
