/* SPDX-License-Identifier: BSD-2-Clause */
/* Ethernet II frames (IEEE 802.3 clause 3.2.6 EtherType framing) with an optional single
 * IEEE 802.1Q / 802.1ad VLAN tag. */
#ifndef IOTCP_WIRE_ETH_H
#define IOTCP_WIRE_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Values identical to <linux/if_ether.h> where the names coincide, so both may be included. */
#define ETH_P_IPV4   0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_IPV6   0x86DD
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_IOTCP  0x88B5 /* host <-> NIC command frames (IEEE 802 local experimental 1) */

#define ETH_ADDR_LEN  6
#define ETH_HDR_LEN   14 /* untagged */
#define ETH_VLAN_LEN  4
#define ETH_MIN_FRAME 60 /* without FCS; shorter frames are padded by the sender */
#define ETH_VID_MASK  0x0fff
#define MAC_STR_LEN   18 /* "aa:bb:cc:dd:ee:ff" + NUL */

struct mac_addr {
	uint8_t b[ETH_ADDR_LEN];
};

/* A decoded Ethernet header. */
struct eth_hdr {
	struct mac_addr dst, src;
	uint16_t type;	   /* EtherType of the payload (after the VLAN tag if any) */
	uint16_t vlan_tci; /* tag control information (PCP/DEI/VID) when has_vlan */
	uint8_t has_vlan;
	uint8_t hlen; /* 14 or 18 */
};

/* Errors from eth_decode: always negative. */
enum {
	ETH_E_TRUNC = -1, /* shorter than the (tagged) header */
};

/* Decode the header at p (len bytes). Returns the header length (payload offset) or
 * ETH_E_TRUNC. One 802.1Q or 802.1ad tag is decoded; a second nested tag is reported as the
 * payload EtherType (callers treat it as unknown). */
int eth_decode(const uint8_t *p, size_t len, struct eth_hdr *e);

/* Encode e (with its VLAN tag when e->has_vlan, TPID 0x8100); sets e->hlen. Returns bytes
 * written or 0 when cap is too small. */
size_t eth_encode(uint8_t *p, size_t cap, struct eth_hdr *e);

/* Write an untagged header: dst, src, type. Returns ETH_HDR_LEN or 0 when cap is too small. */
size_t eth_encode_simple(uint8_t *p, size_t cap, const struct mac_addr *dst,
			 const struct mac_addr *src, uint16_t type);

/* VLAN ID of a tag control information field. */
static inline uint16_t eth_vid(uint16_t tci)
{
	return tci & ETH_VID_MASK;
}

static inline bool mac_equal(const struct mac_addr *a, const struct mac_addr *b)
{
	return memcmp(a->b, b->b, ETH_ADDR_LEN) == 0;
}

static inline bool mac_is_broadcast(const struct mac_addr *a)
{
	return (a->b[0] & a->b[1] & a->b[2] & a->b[3] & a->b[4] & a->b[5]) == 0xff;
}

/* Group bit (I/G) set: multicast or broadcast. */
static inline bool mac_is_multicast(const struct mac_addr *a)
{
	return (a->b[0] & 1) != 0;
}

static inline bool mac_is_zero(const struct mac_addr *a)
{
	return (a->b[0] | a->b[1] | a->b[2] | a->b[3] | a->b[4] | a->b[5]) == 0;
}

static inline struct mac_addr mac_broadcast(void)
{
	struct mac_addr m = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	return m;
}

/* Format as lower-case "aa:bb:cc:dd:ee:ff" into buf (at least MAC_STR_LEN bytes); returns buf. */
char *mac_format(const struct mac_addr *m, char *buf);

/* Parse "aa:bb:cc:dd:ee:ff" (also '-' separators, either case, exactly 2 hex digits per
 * byte, nothing after). Returns 0, or -1 on malformed input (m is then unchanged). */
int mac_parse(const char *s, struct mac_addr *m);

#endif
