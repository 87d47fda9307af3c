/* SPDX-License-Identifier: BSD-2-Clause */
/* Whole-packet decode and build: Ethernet (optional) + IPv4 or IPv6 + TCP / ICMP / ICMPv6,
 * and ARP. Used by the
 * host runtime, the NIC and the simulator (which carries raw IPv4 packets, no Ethernet).
 * Decoding never allocates, never reads outside [buf, buf + len), and reports one reason per
 * rejected packet so callers can count drops (struct pkt_counters). */
#ifndef IOTCP_WIRE_PKT_H
#define IOTCP_WIRE_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_hdr.h"

/* Why a packet was rejected. PKT_OK is 0; the order is stable (counters are indexed by it). */
enum pkt_err {
	PKT_OK = 0,
	PKT_E_ETH_TRUNC,    /* frame shorter than the Ethernet (+VLAN) header */
	PKT_E_ETHERTYPE,    /* EtherType is not IPv4, ARP or IOTCP */
	PKT_E_IPV4_TRUNC,   /* buffer shorter than 20 bytes, IHL*4 or the total length */
	PKT_E_IPV4_VERSION, /* version != 4 */
	PKT_E_IPV4_IHL,	    /* IHL < 5 */
	PKT_E_IPV4_LEN,	    /* total length < IHL*4 */
	PKT_E_IPV4_CSUM,    /* header checksum */
	PKT_E_IPV4_FRAG,    /* fragment (MF or offset != 0): not reassembled */
	PKT_E_IPV4_PROTO,   /* not TCP or ICMP */
	PKT_E_TCP_TRUNC,    /* segment shorter than 20 bytes or than its data offset */
	PKT_E_TCP_DOFF,	    /* data offset < 5 */
	PKT_E_TCP_OPT,	    /* malformed TCP option list */
	PKT_E_TCP_CSUM,	    /* TCP checksum */
	PKT_E_ARP_TRUNC,    /* fewer than 28 bytes */
	PKT_E_ARP_FORMAT,   /* not Ethernet/IPv4 ARP */
	PKT_E_ARP_OP,	    /* neither request nor reply */
	PKT_E_ICMP_TRUNC,   /* fewer than 8 bytes */
	PKT_E_ICMP_CSUM,    /* ICMP checksum */
	PKT_E_IPV6_TRUNC,   /* buffer shorter than 40 bytes, the payload length or an
			     * extension header */
	PKT_E_IPV6_VERSION, /* EtherType IPv6, version != 6 */
	PKT_E_IPV6_EXT,	    /* extension header refused (ipv6.h IPV6_E_EXT) */
	PKT_E_IPV6_FRAG,    /* fragment: not reassembled */
	PKT_E_IPV6_PROTO,   /* upper layer not TCP or ICMPv6 */
	PKT_E_ICMP6_TRUNC,  /* fewer than 8 bytes */
	PKT_E_ICMP6_CSUM,   /* ICMPv6 checksum */
	PKT_E_MAX
};

/* What a decoded packet carries (pkt_view.kind). */
enum pkt_kind {
	PKT_KIND_NONE = 0,
	PKT_KIND_TCP,	/* IPv4 + TCP: ip, tcp, l4, payload */
	PKT_KIND_ICMP,	/* IPv4 + ICMP: ip, icmp, l4, payload = ICMP data */
	PKT_KIND_ARP,	/* arp; l3 = payload = the 28-byte message (padding excluded) */
	PKT_KIND_IOTCP, /* EtherType 0x88B5 command frame: payload = bytes after the header */
	PKT_KIND_TCP6,	/* IPv6 + TCP: ip6, tcp, l4, payload */
	PKT_KIND_ICMP6, /* IPv6 + ICMPv6: ip6, icmp6, l4, payload = ICMPv6 data */
};

/* Decode flags. */
#define PKT_NO_IP_CSUM_CHECK 0x1u /* IPv4 header checksum already verified (hardware) */
#define PKT_NO_L4_CSUM_CHECK 0x2u /* TCP/ICMP/ICMPv6 checksum already verified (hardware) */
#define PKT_NO_CSUM_CHECK    (PKT_NO_IP_CSUM_CHECK | PKT_NO_L4_CSUM_CHECK)

/* A decoded packet. Pointers point into the caller's buffer. Only the fields that belong to
 * `kind` are valid, and only after PKT_OK. Lengths come from the IPv4 total length or the
 * IPv6 payload length, so Ethernet padding is never part of l4 or payload. */
struct pkt_view {
	uint8_t has_eth;
	uint8_t kind; /* enum pkt_kind */
	struct eth_hdr eth;
	struct ipv4_hdr ip;  /* kinds TCP, ICMP */
	struct ipv6_hdr ip6; /* kinds TCP6, ICMP6 */
	const uint8_t *l3;   /* IP header (or ARP / IOTCP message) */
	size_t l3_len;	     /* IPv4 total length, 40 + IPv6 payload length (or bytes to the end
			      * of the frame) */
	const uint8_t *l4;   /* TCP, ICMP or ICMPv6 header (after IPv6 extension headers) */
	size_t l4_len;	     /* upper-layer header + payload */
	const uint8_t *payload;
	size_t payload_len;
	union {
		struct tcp_hdr tcp;
		struct icmp_msg icmp;
		struct icmp6_msg icmp6;
		struct arp_pkt arp;
	};
};

/* Decode an Ethernet frame (len without FCS). Returns PKT_OK or the reason for rejection. */
enum pkt_err pkt_decode_eth(const uint8_t *frame, size_t len, struct pkt_view *v, unsigned flags);

/* Decode a raw IPv4 packet (no link header). Returns PKT_OK or the reason for rejection. */
enum pkt_err pkt_decode_ipv4(const uint8_t *pkt, size_t len, struct pkt_view *v, unsigned flags);

/* Decode a raw IPv6 packet (no link header). Returns PKT_OK or the reason for rejection. */
enum pkt_err pkt_decode_ipv6(const uint8_t *pkt, size_t len, struct pkt_view *v, unsigned flags);

/* Human-readable reason ("bad TCP checksum"). Never NULL, also for out-of-range values. */
const char *pkt_strerror(enum pkt_err e);

/* Short stable identifier for counters and stats files ("tcp_csum"; "ok" for PKT_OK). */
const char *pkt_err_name(enum pkt_err e);

/* Per-reason counters; err[PKT_OK] counts packets that decoded. */
struct pkt_counters {
	uint64_t err[PKT_E_MAX];
};

/* Count one decode result (values out of range are ignored). */
static inline void pkt_count(struct pkt_counters *c, enum pkt_err e)
{
	if ((unsigned)e < PKT_E_MAX)
		c->err[e]++;
}

/* Sum of all rejection counters (everything but PKT_OK). */
uint64_t pkt_counters_drops(const struct pkt_counters *c);

/* Build flags (pkt_tcp_out.flags).
 * L4 offload: the TCP checksum field gets the folded, uncomplemented pseudo-header sum, as
 * hardware checksum offload expects (DPDK RTE_MBUF_F_TX_TCP_CKSUM).
 * IP offload: the IPv4 checksum field is left 0 (DPDK RTE_MBUF_F_TX_IP_CKSUM). */
#define PKT_TX_L4_CSUM_OFFLOAD 0x1u
#define PKT_TX_IP_CSUM_OFFLOAD 0x2u
/* With PKT_TX_L4_CSUM_OFFLOAD only: the headers are written, the payload is not copied (the
 * caller sends the iovec's pieces right after them); buf needs room for the headers only and
 * the length returned still counts the payload. */
#define PKT_TX_PAYLOAD_BY_REF 0x4u

/* A TCP segment to build: IPv4 (saddr, daddr), or IPv6 when src6 and dst6 are set. */
struct pkt_tcp_out {
	const struct mac_addr *src_mac, *dst_mac; /* both NULL: raw IP, no Ethernet header */
	uint32_t saddr, daddr;			  /* IPv4, host order */
	const struct ipv6_addr *src6, *dst6;	  /* IPv6 */
	uint8_t ttl, tos;			  /* IPv6: hop limit, traffic class */
	uint32_t flow;				  /* IPv6 flow label */
	uint16_t ip_id;				  /* IPv4 only */
	uint16_t ip_frag_off;			  /* IPv4 only, usually IPV4_DF */
	unsigned flags;				  /* PKT_TX_* */
	struct tcp_hdr *tcp;	 /* encoded; hlen, opts.nsack (if trimmed) and csum stored back */
	const struct iovec *iov; /* payload pieces, in order (a send ring may wrap) */
	int iovcnt;
};

/* Build the frame (or raw IP packet) into buf: Ethernet header if both MACs are given,
 * IPv4 header with checksum (or the IPv6 header), TCP header and options, payload copied
 * from the iovec, TCP checksum over pseudo-header + segment (or the offload partial sum).
 * Returns the length written, or 0 if it does not fit in cap, or exceeds the IPv4 total /
 * IPv6 payload length maximum, or only one MAC (or one IPv6 address) is given, or
 * iovcnt < 0. */
size_t pkt_build_tcp(uint8_t *buf, size_t cap, const struct pkt_tcp_out *o);

/* Build an Ethernet ARP frame (no padding to 60 bytes is added). Returns its length or 0. */
size_t pkt_build_arp(uint8_t *buf, size_t cap, const struct mac_addr *src_mac,
		     const struct mac_addr *dst_mac, const struct arp_pkt *a);

/* Build the echo reply to a decoded ICMP echo request view req (kind PKT_KIND_ICMP, type 8):
 * addresses swapped, same id/seq/data, TTL ttl, IPv4 id ip_id; with Ethernet (MACs swapped,
 * source = my_mac) when req->has_eth and my_mac is not NULL, raw IPv4 otherwise. Returns
 * the length or 0 (not an echo request, or does not fit). */
size_t pkt_build_icmp_echo_reply(uint8_t *buf, size_t cap, const struct pkt_view *req,
				 const struct mac_addr *my_mac, uint8_t ttl, uint16_t ip_id);

/* Build an IPv6 packet (with Ethernet when both MACs are given) carrying the upper-layer
 * message l4[0, l4_len) (which may already sit at its place in buf) with Next Header nxt,
 * hop limit hlim, traffic class tclass. Returns the length or 0 (does not fit, one MAC). */
size_t pkt_build_ipv6(uint8_t *buf, size_t cap, const struct mac_addr *src_mac,
		      const struct mac_addr *dst_mac, const struct ipv6_addr *src,
		      const struct ipv6_addr *dst, uint8_t nxt, uint8_t hlim, uint8_t tclass,
		      const uint8_t *l4, size_t l4_len);

/* Build the echo reply to a decoded ICMPv6 echo request view req (kind PKT_KIND_ICMP6,
 * type 128): addresses swapped, same id/seq/data, hop limit hlim; Ethernet as
 * pkt_build_icmp_echo_reply. A request to a multicast address is answered from my_addr
 * (RFC 4443 section 4.2). Returns the length or 0. */
size_t pkt_build_icmp6_echo_reply(uint8_t *buf, size_t cap, const struct pkt_view *req,
				  const struct mac_addr *my_mac, const struct ipv6_addr *my_addr,
				  uint8_t hlim);

#endif
