/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP for IPv4 over Ethernet, RFC 826 "Packet format". */
#include "wire/arp.h"

#include <string.h>

#include "wire/bytes.h"

int arp_decode(const uint8_t *p, size_t len, struct arp_pkt *a)
{
	if (len < ARP_LEN)
		return ARP_E_TRUNC;
	/* ar$hrd, ar$pro, ar$hln, ar$pln as one comparison each. */
	if (get_be16(p) != ARP_HTYPE_ETH || get_be16(p + 2) != 0x0800 || p[4] != ETH_ADDR_LEN ||
	    p[5] != 4)
		return ARP_E_FORMAT;
	uint16_t op = get_be16(p + 6);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return ARP_E_OP;
	a->op = op;
	memcpy(a->sha.b, p + 8, ETH_ADDR_LEN);
	a->spa = get_be32(p + 14);
	memcpy(a->tha.b, p + 18, ETH_ADDR_LEN);
	a->tpa = get_be32(p + 24);
	return 0;
}

size_t arp_encode(uint8_t *p, size_t cap, const struct arp_pkt *a)
{
	if (cap < ARP_LEN)
		return 0;
	put_be16(p, ARP_HTYPE_ETH);
	put_be16(p + 2, 0x0800);
	p[4] = ETH_ADDR_LEN;
	p[5] = 4;
	put_be16(p + 6, a->op);
	memcpy(p + 8, a->sha.b, ETH_ADDR_LEN);
	put_be32(p + 14, a->spa);
	memcpy(p + 18, a->tha.b, ETH_ADDR_LEN);
	put_be32(p + 24, a->tpa);
	return ARP_LEN;
}

void arp_make_reply(const struct arp_pkt *req, const struct mac_addr *my_mac, struct arp_pkt *reply)
{
	struct arp_pkt r;
	r.op = ARP_OP_REPLY;
	r.sha = *my_mac;
	r.spa = req->tpa;
	r.tha = req->sha;
	r.tpa = req->spa;
	*reply = r; /* req and reply may alias */
}

const char *arp_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case ARP_E_TRUNC:
		return "truncated ARP message";
	case ARP_E_FORMAT:
		return "ARP not Ethernet/IPv4 (htype, ptype, hlen or plen)";
	case ARP_E_OP:
		return "bad ARP operation";
	default:
		return "unknown ARP error";
	}
}
