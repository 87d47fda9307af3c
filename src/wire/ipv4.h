/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 header codec (RFC 791; DSCP/ECN per RFC 2474/3168). Addresses are uint32_t in host
 * order everywhere (198.18.0.1 == 0xc6120001). */
#ifndef IOTCP_WIRE_IPV4_H
#define IOTCP_WIRE_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPV4_HDR_MIN 20
#define IPV4_HDR_MAX 60
#define IPV4_MAX_LEN 65535

/* frag_off field bits (RFC 791 section 3.1). */
#define IPV4_DF	     0x4000
#define IPV4_MF	     0x2000
#define IPV4_OFFMASK 0x1fff

#define IPV4_PROTO_ICMP 1
#define IPV4_PROTO_TCP	6
#define IPV4_PROTO_UDP	17

#define IPV4_ECN_MASK 0x03 /* low two bits of tos (RFC 3168 section 5) */
#define IPV4_ECN_CE   0x03

#define IPV4_STR_LEN 16 /* "255.255.255.255" + NUL */

/* A decoded IPv4 header, host byte order. */
struct ipv4_hdr {
	uint8_t hlen; /* IHL * 4 */
	uint8_t tos;  /* DSCP << 2 | ECN */
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off; /* flags (DF, MF) and fragment offset, raw */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t saddr, daddr;
};

/* Errors from ipv4_decode: always negative. */
enum {
	IPV4_E_TRUNC = -1,   /* buffer shorter than 20, than IHL*4 or than the total length */
	IPV4_E_VERSION = -2, /* version != 4 */
	IPV4_E_IHL = -3,     /* IHL < 5 */
	IPV4_E_LEN = -4,     /* total length < IHL*4 */
	IPV4_E_CSUM = -5,    /* header checksum mismatch */
};

/* Decode and validate the header at p (len bytes, may include link padding after the
 * packet). Options are skipped. The header checksum is verified when verify_csum. Fragments
 * decode successfully: check ipv4_is_fragment(). Returns the header length or IPV4_E_*. */
int ipv4_decode(const uint8_t *p, size_t len, struct ipv4_hdr *h, bool verify_csum);

/* Encode a 20-byte header (no options) from h: tos, tot_len, id, frag_off, ttl, proto,
 * saddr, daddr; the checksum is computed, written and stored in h->csum, h->hlen is set to
 * 20. Returns 20, or 0 if cap is too small. */
size_t ipv4_encode(uint8_t *p, size_t cap, struct ipv4_hdr *h);

/* MF set or a non-zero fragment offset. */
static inline bool ipv4_is_fragment(const struct ipv4_hdr *h)
{
	return (h->frag_off & (IPV4_MF | IPV4_OFFMASK)) != 0;
}

/* Format a host-order address as a dotted quad into buf (IPV4_STR_LEN bytes); returns buf. */
char *ipv4_format(uint32_t addr, char *buf);

/* Parse a strict dotted quad "a.b.c.d" (decimal, 0..255, no leading zeros beyond "0", nothing
 * after). Returns 0 and stores the host-order address, or -1. */
int ipv4_parse(const char *s, uint32_t *addr);

/* Human-readable name of an ipv4_decode error. */
const char *ipv4_strerror(int err);

#endif
